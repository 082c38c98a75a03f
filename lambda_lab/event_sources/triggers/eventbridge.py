"""EventBridge rules: checked patterns and schedules, PutEvents routing, delivery to targets.

moto stores buses, rules and targets; the Lab does what moto does not (DESIGN principle 6):

* PutRule is checked first: a schedule must be a valid ``rate(...)`` / ``cron(...)``
  (EventBridge's ValidationException otherwise) and a pattern a valid event pattern
  (InvalidEventPatternException), matched by the same module as ESM filters;
* PutEvents is answered here: each entry becomes an event envelope, matched against the
  bus's enabled rules, and sent to their targets (Lambda asynchronously, as AWS routes it;
  SQS, SNS and other buses through the endpoint), honouring Input, InputPath and
  InputTransformer;
* schedule rules fire on the Lab's clock (:mod:`.eventbridge_schedules`) with AWS's
  "Scheduled Event".
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

from lambda_lab import limits
from lambda_lab.aws.aws_request import AwsRequest
from lambda_lab.aws.delivery import DeliveryError
from lambda_lab.aws.middleware import Reply, json_error, json_reply
from lambda_lab.event_sources.matching.patterns import PatternError, compile_pattern
from lambda_lab.event_sources.matching.schedules import ScheduleError, parse_schedule
from lambda_lab.event_sources.shapes.events import eventbridge_event, scheduled_event, stable_uuid
from lambda_lab.event_sources.triggers.schedules import ScheduleRunner

if TYPE_CHECKING:
    from lambda_lab.aws.delivery import Deliverer
    from lambda_lab.aws.endpoint import Clients
    from lambda_lab.clock import Clock
    from lambda_lab.event_sources.triggers import TriggerInvoke
    from lambda_lab.invocation.dispatch import Dispatcher

MAX_ENTRIES = 10
_PLACEHOLDER = re.compile(r"<([A-Za-z0-9_.-]+)>")


class EventBridge:
    def __init__(
        self,
        *,
        clients: Clients,
        clock: Clock,
        dispatcher: Dispatcher,
        deliverer: Deliverer,
        trigger: TriggerInvoke,
        region: str,
    ) -> None:
        self._clients = clients
        self._clock = clock
        self._deliverer = deliverer
        self._trigger = trigger
        self._region = region
        self.schedules = ScheduleRunner(clients, clock, dispatcher, self._scheduled)
        self.deliveries: list[dict[str, Any]] = []  # what went where, for lessons and tests

    # -- hooks from the endpoint ----------------------------------------------------------------
    def before(self, request: AwsRequest) -> Reply | None:
        if request.operation == "PutRule":
            return self._check_rule(request.json())
        if request.operation == "PutEvents":
            return self._put_events(request.json())
        return None

    def after(self, request: AwsRequest) -> None:
        if request.operation in ("PutRule", "DeleteRule", "EnableRule", "DisableRule"):
            document = request.json()
            self.schedules.sync(document.get("Name", ""), _bus_name(document.get("EventBusName")))

    # -- PutRule -----------------------------------------------------------------------------------
    @staticmethod
    def _check_rule(document: dict[str, Any]) -> Reply | None:
        expression, pattern = document.get("ScheduleExpression"), document.get("EventPattern")
        if not expression and not pattern:
            return json_error(
                "ValidationException",
                "Parameter(s) EventPattern or ScheduleExpression must be specified.",
            )
        if expression:
            if _bus_name(document.get("EventBusName")) != "default":
                return json_error(
                    "ValidationException",
                    "ScheduleExpression is supported only on the default event bus.",
                )
            try:
                parse_schedule(expression)
            except ScheduleError as exc:
                return json_error(exc.code, exc.message)
        if pattern:
            try:
                compile_pattern(pattern)
            except PatternError as exc:
                return json_error(exc.code, exc.message)
        return None

    # -- PutEvents ---------------------------------------------------------------------------------
    def _put_events(self, document: dict[str, Any]) -> Reply:
        entries = document.get("Entries") or []
        if not 1 <= len(entries) <= MAX_ENTRIES:
            return json_error(
                "ValidationException",
                f"1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have "
                f"length less than or equal to {MAX_ENTRIES} and greater than or equal to 1 (got {len(entries)})",
            )
        answers, failed = [], 0
        for index, entry in enumerate(entries):
            problem = _entry_problem(entry)
            if problem:
                failed += 1
                answers.append({"ErrorCode": "InvalidArgument", "ErrorMessage": problem})
                continue
            event = self._envelope(entry, index)
            answers.append({"EventId": event["id"]})
            self.route(event, _bus_name(entry.get("EventBusName")))
        return json_reply({"FailedEntryCount": failed, "Entries": answers})

    def _envelope(self, entry: dict[str, Any], index: int) -> dict[str, Any]:
        now = self._clock.time()
        at = float(entry["Time"]) if isinstance(entry.get("Time"), (int, float)) else now
        return eventbridge_event(
            source=entry["Source"], detail_type=entry["DetailType"], detail=json.loads(entry["Detail"]), at=at,
            resources=entry.get("Resources") or [], region=self._region, account=limits.ACCOUNT_ID,
            event_id=stable_uuid("put-events", now, index, entry["Source"], entry["Detail"], len(self.deliveries)),
        )  # fmt: skip

    def route(self, event: dict[str, Any], bus: str = "default") -> None:
        """Send ``event`` to the targets of every enabled rule on ``bus`` whose pattern matches it."""
        events = self._clients("events")
        for page in events.get_paginator("list_rules").paginate(EventBusName=bus):
            for rule in page.get("Rules", []):
                if rule.get("State") != "ENABLED" or not rule.get("EventPattern"):
                    continue
                if compile_pattern(rule["EventPattern"]).matches(event):
                    self._to_targets(rule["Name"], bus, event)

    def _scheduled(self, rule_name: str, rule_arn: str, bus: str, at: float) -> None:
        self._to_targets(rule_name, bus, scheduled_event(rule_arn, at=at))

    def _to_targets(self, rule_name: str, bus: str, event: dict[str, Any]) -> None:
        events = self._clients("events")
        targets = events.list_targets_by_rule(Rule=rule_name, EventBusName=bus).get("Targets", [])
        for target in targets:
            arn = target["Arn"]
            outcome = "sent"
            try:
                payload = _target_input(target, event)
                if arn.split(":")[2] == "lambda":
                    self._trigger(arn, payload, source="events")
                elif arn.split(":")[2] == "events":
                    fields = {"source": event.get("source"), "detail-type": event.get("detail-type"),
                              "resources": event.get("resources", [])}  # fmt: skip
                    self._deliverer.send(arn, event.get("detail", {}), event_fields=fields)
                else:
                    self._deliverer.send(arn, payload)
            except (DeliveryError, ValueError, KeyError) as exc:
                outcome = f"failed: {exc}"
            self.deliveries.append({"at": self._clock.time(), "rule": rule_name, "target": arn,
                                    "event_id": event.get("id"), "outcome": outcome})  # fmt: skip

    def close(self) -> None:
        self.schedules.close()


def _bus_name(value: Any) -> str:
    """A bus is named by name or ARN; unnamed means the default bus."""
    if not value:
        return "default"
    return str(value).split("event-bus/", 1)[-1] if str(value).startswith("arn:") else str(value)


def _entry_problem(entry: dict[str, Any]) -> str | None:
    for name in ("Source", "DetailType", "Detail"):
        if not entry.get(name):
            return f"Parameter {name} is not valid. Reason: {name} is a required argument."
    try:
        detail = json.loads(entry["Detail"])
    except ValueError:
        return "Detail is malformed."
    if not isinstance(detail, dict):
        return "Detail is malformed."
    return None


def _target_input(target: dict[str, Any], event: dict[str, Any]) -> Any:
    """What the target receives: the event, a constant Input, a piece of it, or a template."""
    if target.get("Input") is not None:
        return json.loads(target["Input"])
    if target.get("InputPath"):
        return _select(event, target["InputPath"])
    transformer = target.get("InputTransformer")
    if transformer:
        values = {
            name: _select(event, path)
            for name, path in transformer.get("InputPathsMap", {}).items()
        }

        def fill(match: re.Match[str]) -> str:
            value = values.get(match.group(1))
            if value is None:
                return match.group(0)
            return value if isinstance(value, str) else json.dumps(value)

        text = _PLACEHOLDER.sub(fill, transformer["InputTemplate"])
        try:
            return json.loads(text)
        except ValueError:
            return text  # a plain-text template is delivered as text
    return event


def _select(event: dict[str, Any], path: str) -> Any:
    """A JSONPath of the simple form ``$.detail.field`` (the form InputPath uses)."""
    if not path.startswith("$"):
        raise ValueError(f"InputPath must start with '$' (got {path!r})")
    value: Any = event
    for part in [p for p in path[1:].split(".") if p]:
        value = value.get(part) if isinstance(value, dict) else None
    return value
