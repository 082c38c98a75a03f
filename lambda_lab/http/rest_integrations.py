"""Running a REST API method's integration: Lambda proxy, Lambda custom (non-proxy) or mock.

* **Lambda proxy** (``AWS_PROXY``): the whole request goes to the function as the payload
  1.0 event; the function must answer with a response document (else 502).
* **Lambda custom** (``AWS``): a request mapping template (chosen by Content-Type) builds the
  function's event; the function answers with any JSON. An error's ``errorMessage`` is
  matched against the integration responses' selection patterns to choose the status code
  (no match: the default response, usually 200); response templates reshape the answer.
* **Mock** (``MOCK``): no backend; the request template's ``statusCode`` picks the
  integration response.

API Gateway waits for the integration up to its timeout (29 s by default; Regional and
private REST APIs may ask for more since June 2024) and then answers
``504 {"message": "Endpoint request timed out"}``, while the function may still be running.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from lambda_lab.http.common import (
    HttpResponse,
    Invoke,
    Outcome,
    call_function,
    media_type,
    parse_payload,
)
from lambda_lab.http.gateway_responses import GatewayResponses
from lambda_lab.http.jwt_authorizers import JwtClaimsContext
from lambda_lab.http.payload_v1 import v1_response
from lambda_lab.http.rest_event import RequestFacts, proxy_event
from lambda_lab.http.rest_methods import Integration, IntegrationResponse
from lambda_lab.http.vtl import TemplateError, TemplateInput, render


@dataclass
class IntegrationResult:
    response: HttpResponse
    event: dict[str, Any] | None = None
    payload: bytes | None = None
    function_error: str | None = None
    reason: str | None = None
    function_name: str | None = None
    answered_by_integration: bool = False  # False: API Gateway refused or failed by itself


@dataclass
class IntegrationCalls:
    """What an integration needs from the Lab: invoke, and the invoke-permission check."""

    invoke: Invoke
    may_invoke: Callable[[str, str | None, str], bool] | None = None  # (fn, qualifier, arn)


def run_integration(
    integration: Integration,
    facts: RequestFacts,
    calls: IntegrationCalls,
    responses: GatewayResponses,
    *,
    method_arn: str,
    binary_media_types: tuple[str, ...] = (),
    authorizer: dict[str, Any] | None = None,
) -> IntegrationResult:
    if integration.type == "MOCK":
        return _mock(integration, facts, authorizer)
    target = integration.target(facts.stage_variables)
    if target is None:  # a stage variable the target names is not set on this stage
        return IntegrationResult(
            responses.answer("API_CONFIGURATION_ERROR"), reason="Stage variable not set"
        )
    function, qualifier = target
    if calls.may_invoke is not None and not calls.may_invoke(function, qualifier, method_arn):
        return IntegrationResult(
            responses.answer("API_CONFIGURATION_ERROR"),
            reason="Invalid permissions on Lambda function",
            function_name=function,
        )
    if integration.type == "AWS_PROXY":
        event = proxy_event(facts, binary_media_types, authorizer)
    else:
        built = _request_event(integration, facts, authorizer)
        if isinstance(built, HttpResponse):
            return IntegrationResult(built, reason="Unsupported Media Type")
        event = built
    outcome = _call_within(calls.invoke, function, event, qualifier, integration.timeout_ms)
    if outcome is None:
        return IntegrationResult(
            responses.answer("INTEGRATION_TIMEOUT"),
            event,
            reason="Endpoint request timed out",
            function_name=function,
        )
    if outcome.rejected_code is not None:
        response = responses.answer("API_CONFIGURATION_ERROR")
        return IntegrationResult(
            response, event, reason=outcome.rejected_code, function_name=function
        )
    if integration.type == "AWS_PROXY":
        return _proxy_answer(outcome, facts, event, function, binary_media_types, responses)
    return _custom_answer(integration, outcome, facts, event, function, authorizer)


def _call_within(
    invoke: Invoke, function: str, event: Any, qualifier: str | None, timeout_ms: int
) -> Outcome | None:
    """Invoke on a helper thread and wait at most ``timeout_ms``; None when it took longer
    (the function keeps running, as it does on AWS)."""
    done = threading.Event()
    result: list[Outcome] = []
    failure: list[BaseException] = []

    def run() -> None:
        try:
            result.append(call_function(invoke, function, event, qualifier))
        except BaseException as exc:  # handed to the caller's thread below
            failure.append(exc)
        finally:
            done.set()

    threading.Thread(target=run, name=f"apigw-integration-{function}", daemon=True).start()
    if not done.wait(timeout_ms / 1000):
        return None
    if failure:
        raise failure[0]
    outcome = result[0]
    if outcome.duration_ms is not None and outcome.duration_ms > timeout_ms:
        return None  # the run itself says it outlasted the timeout (a slow clock, a fake)
    return outcome


def _proxy_answer(
    outcome: Outcome,
    facts: RequestFacts,
    event: dict[str, Any],
    function: str,
    binary_media_types: tuple[str, ...],
    responses: GatewayResponses,
) -> IntegrationResult:
    if outcome.function_error is not None:
        return IntegrationResult(
            responses.answer("LAMBDA_FUNCTION_ERROR"),
            event,
            outcome.payload,
            outcome.function_error,
            "Lambda function error",
            function,
        )
    assert outcome.payload is not None
    accept = (facts.request.header("Accept") or "").split(",")[0]
    response = v1_response(outcome.payload, binary_media_types, accept)
    if response is None:
        return IntegrationResult(
            responses.answer("LAMBDA_FUNCTION_ERROR"),
            event,
            outcome.payload,
            reason="Malformed Lambda proxy response",
            function_name=function,
        )
    return IntegrationResult(response, event, outcome.payload, None, None, function, True)


def _template_input(facts: RequestFacts, body: str) -> TemplateInput:
    request = facts.request
    return TemplateInput(
        body,
        dict(facts.path_parameters),
        {k: v[-1] for k, v in facts.query().items()},
        {k: v for k, v in request.headers},
    )


def _template_context(facts: RequestFacts, authorizer: dict[str, Any] | None) -> dict[str, Any]:
    if isinstance(authorizer, JwtClaimsContext):  # templates read JWT claims as JSON text
        authorizer = authorizer.for_templates()
    context = facts.request_context(authorizer)
    context.setdefault("authorizer", authorizer or {})
    return context


def _request_event(
    integration: Integration, facts: RequestFacts, authorizer: dict[str, Any] | None
) -> Any:
    """The event a request template builds, or a 415 when no template applies and the
    passthrough behaviour forbids sending the body as it is."""
    kind = media_type(facts.request.header("Content-Type")) or "application/json"
    template = integration.request_templates.get(kind)
    body = facts.request.body.decode("utf-8", "replace")
    if template is None:
        behavior = integration.passthrough_behavior
        if behavior == "NEVER" or (
            behavior == "WHEN_NO_TEMPLATES" and integration.request_templates
        ):
            return HttpResponse(
                415,
                [("Content-Type", "application/json")],
                json.dumps({"message": "Unsupported Media Type"}).encode(),
            )
        ok, value = parse_payload(facts.request.body or b"{}")
        return value if ok else body
    text = render(
        template,
        _template_input(facts, body),
        _template_context(facts, None if authorizer is None else authorizer),
        facts.stage_variables,
    )
    ok, value = parse_payload(text.encode())
    return value if ok else text


def _custom_answer(
    integration: Integration,
    outcome: Outcome,
    facts: RequestFacts,
    event: Any,
    function: str,
    authorizer: dict[str, Any] | None,
) -> IntegrationResult:
    payload = outcome.payload or b""
    error_message: str | None = None
    if outcome.function_error is not None:
        ok, error = parse_payload(payload)
        error_message = str(error.get("errorMessage", "")) if ok and isinstance(error, dict) else ""
    chosen = integration.response_for(error_message)
    body = _rendered(chosen, payload.decode("utf-8", "replace"), facts, authorizer)
    response = HttpResponse(
        chosen.status_code,
        [("Content-Type", "application/json"), *chosen.headers.items()],
        body.encode(),
    )
    return IntegrationResult(
        response,
        event if isinstance(event, dict) else {"body": event},
        payload,
        outcome.function_error,
        None,
        function,
        True,
    )


def _rendered(
    chosen: IntegrationResponse, body: str, facts: RequestFacts, authorizer: dict[str, Any] | None
) -> str:
    template = chosen.templates.get("application/json")
    if template is None:
        return body  # passthrough
    try:
        return render(
            template,
            _template_input(facts, body),
            _template_context(facts, authorizer),
            facts.stage_variables,
        )
    except TemplateError as exc:
        return json.dumps({"message": f"mapping template error: {exc}"})


def _mock(
    integration: Integration, facts: RequestFacts, authorizer: dict[str, Any] | None
) -> IntegrationResult:
    template = integration.request_templates.get("application/json", '{"statusCode": 200}')
    rendered = render(
        template,
        _template_input(facts, ""),
        _template_context(facts, authorizer),
        facts.stage_variables,
    )
    ok, document = parse_payload(rendered.encode())
    status = document.get("statusCode", 200) if ok and isinstance(document, dict) else 200
    chosen = integration.response_for(None)
    for candidate in integration.responses:
        if candidate.matches(str(status)):
            chosen = candidate
            break
    body = _rendered(chosen, "", facts, authorizer)
    response = HttpResponse(
        chosen.status_code,
        [("Content-Type", "application/json"), *chosen.headers.items()],
        body.encode(),
    )
    return IntegrationResult(response, answered_by_integration=True)
