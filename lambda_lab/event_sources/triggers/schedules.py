"""Schedule rules firing on the Lab's clock: ``rate(1 hour)`` over a virtual day fires 24 times.

Each enabled rule with a ScheduleExpression has one timer for its next fire time
(:mod:`.schedules` computes it: a rate counts from the rule's creation, a cron fires at the
start of each matching UTC minute). Firing re-arms the timer from the scheduled time, so a
clock advanced by a day fires exactly what a day would. Changing, disabling or deleting a
rule re-reads it from the bus and re-arms or cancels its timer.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from lambda_lab.clock import Timer
from lambda_lab.event_sources.matching.schedules import RateSchedule, parse_schedule

if TYPE_CHECKING:
    from lambda_lab.aws.endpoint import Clients
    from lambda_lab.clock import Clock
    from lambda_lab.invocation.dispatch import Dispatcher

FireCallback = Callable[[str, str, str, float], None]  # (rule name, rule ARN, bus, fire time)


@dataclass
class _Armed:
    expression: str
    arn: str
    created: float
    timer: Timer | None = None
    fired: int = 0


class ScheduleRunner:
    def __init__(
        self, clients: Clients, clock: Clock, dispatcher: Dispatcher, fire: FireCallback
    ) -> None:
        self._clients = clients
        self._clock = clock
        self._dispatcher = dispatcher
        self._fire = fire
        self._armed: dict[tuple[str, str], _Armed] = {}
        self._lock = threading.Lock()

    def sync(self, name: str, bus: str = "default") -> None:
        """Bring the timer of rule ``name`` in line with what the bus now holds."""
        key = (bus, name)
        try:
            rule = self._clients("events").describe_rule(Name=name, EventBusName=bus)
        except Exception:  # botocore's ResourceNotFoundException: the rule was deleted
            rule = {}
        expression = rule.get("ScheduleExpression")
        with self._lock:
            current = self._armed.get(key)
            if not expression or rule.get("State") != "ENABLED":
                self._cancel(key)
                return
            if current is not None and current.expression == expression:
                return
            self._cancel(key)
            armed = _Armed(expression, rule["Arn"], self._clock.time())
            self._armed[key] = armed
            self._arm(key, armed, armed.created)

    def fire_count(self, name: str, bus: str = "default") -> int:
        with self._lock:
            armed = self._armed.get((bus, name))
        return armed.fired if armed else 0

    def next_fire(self, name: str, bus: str = "default") -> float | None:
        with self._lock:
            armed = self._armed.get((bus, name))
        return armed.timer.when if armed and armed.timer else None

    def _arm(self, key: tuple[str, str], armed: _Armed, after: float) -> None:
        schedule = parse_schedule(armed.expression)
        if isinstance(schedule, RateSchedule):
            # In float seconds, not datetimes: a datetime keeps microseconds only, and a fire
            # time a fraction of a microsecond late would miss `advance(minutes=1)`.
            period = schedule.period.total_seconds()
            when = armed.created + (math.floor((after - armed.created) / period) + 1) * period
        else:
            moment = schedule.next_fire(after)
            if moment is None:  # a cron whose years are over never fires again
                return
            when = moment.timestamp()
        armed.timer = self._dispatcher.at(when, self._due, key, armed)

    def _due(self, key: tuple[str, str], armed: _Armed) -> None:
        with self._lock:
            if self._armed.get(key) is not armed or armed.timer is None:
                return  # the rule changed since this timer was set
            at = armed.timer.when
            armed.fired += 1
            self._arm(key, armed, at)
        self._fire(key[1], armed.arn, key[0], at)

    def _cancel(self, key: tuple[str, str]) -> None:
        armed = self._armed.pop(key, None)
        if armed is not None and armed.timer is not None:
            armed.timer.cancel()

    def close(self) -> None:
        with self._lock:
            for key in list(self._armed):
                self._cancel(key)
