"""Checks of lesson 10: a TOKEN authorizer, a usage plan, a request model and a selection
pattern, each tried through a real REST API door with real HTTP requests."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

from lambda_lab.exercises.context import CheckContext, short

ECHO_CONTEXT = """
import json


def lambda_handler(event, context):
    return {"statusCode": 200, "body": json.dumps(event["requestContext"].get("authorizer") or {})}
"""
FIND_ORDER = """
def lambda_handler(event, context):
    if event["id"] == "0":
        raise LookupError("Not found: order " + event["id"])
    return {"order": event["id"]}
"""
OK = "def lambda_handler(event, context):\n    return {'statusCode': 200, 'body': 'ok'}\n"


def request(
    door: Any,
    method: str,
    path: str,
    headers: dict[str, str] | None = None,
    body: bytes | None = None,
) -> tuple[int, bytes]:
    """A real HTTP request to the door's first stage: (status, body), error statuses too."""
    url = door.local_url + path.lstrip("/")
    call = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(call, timeout=30) as reply:
            return reply.status, reply.read()
    except urllib.error.HTTPError as error:
        with error:
            return error.code, error.read()


def token_authorizer(ctx: CheckContext) -> str:
    ctx.deploy("authorizer")
    ctx.deploy("orders", ECHO_CONTEXT, learner_config=False)
    door = ctx.lab.rest_api_gateway("shop", {"GET /orders": "orders", "GET /invoices": "orders"})
    door.api.create_authorizer("tokens", "TOKEN", "authorizer", ttl_s=300)
    for route in ("GET /orders", "GET /invoices"):
        door.api.put_method(route, authorization_type="CUSTOM", authorizer="tokens")
    door.api.deploy("prod")
    status, body = request(door, "GET", "/orders", {"Authorization": "Bearer ana"})
    ctx.expect(status == 200, f"GET /orders with 'Bearer ana' answered {status} {body[:120]!r}",
               "200: an Allow policy for a valid token")  # fmt: skip
    passed = json.loads(body)
    ctx.expect(passed.get("user") == "ana" and passed.get("principalId") == "ana",
               f"the orders function received requestContext.authorizer = {short(passed)}",
               'principalId "ana" and a context with "user": "ana"')  # fmt: skip
    status, body = request(door, "GET", "/invoices", {"Authorization": "Bearer ana"})
    ctx.expect(status == 200,
               f"GET /invoices with the same token, answered from the cached policy: {status} {body[:120]!r}",
               "200: the cached policy must cover every method of the API, not only the first one")  # fmt: skip
    for headers, what in (
        ({"Authorization": "Bearer mallory"}, "'Bearer mallory'"),
        ({}, "no token"),
    ):
        status, body = request(door, "GET", "/orders", headers)
        ctx.expect(status == 401, f"GET /orders with {what} answered {status} {body[:120]!r}",
                   '401 {"message":"Unauthorized"}: raise Exception("Unauthorized") for a bad token')  # fmt: skip
    return "valid tokens pass with their context (for both methods, cached), others get 401"


def usage_plan(ctx: CheckContext) -> str:
    plan_settings = ctx.setting("USAGE_PLAN")
    required = ctx.setting("API_KEY_REQUIRED")
    ctx.expect(isinstance(plan_settings, dict), f"USAGE_PLAN is {short(plan_settings)}", "a dict")
    ctx.deploy("catalog", OK, learner_config=False)
    door = ctx.lab.rest_api_gateway("catalog", {"GET /products": "catalog"})
    door.api.put_method("GET /products", api_key_required=bool(required))
    door.api.deploy("prod")
    plans = door.usage_plans
    key = plans.create_api_key("basic-partner")
    try:
        plan = plans.create_usage_plan("basic", [(door.api_id, "prod")], **plan_settings)
    except (TypeError, ValueError) as error:
        ctx.fail(
            f"CreateUsagePlan refused USAGE_PLAN: {error}", "throttle and quota as in the starter"
        )
    plans.create_usage_plan_key(plan, key)
    status, _ = request(door, "GET", "/products")
    ctx.expect(status == 403, f"a request without an API key answered {status}",
               "403 Forbidden: the method must require an API key, or the plan meters nobody")  # fmt: skip
    with_key = {"x-api-key": key.value}
    burst = [request(door, "GET", "/products", with_key)[0] for _ in range(6)]
    ctx.expect(burst == [200] * 5 + [429], f"6 requests at the same instant got {burst}",
               "5 answered 200 and the 6th 429: a burst of at most 5")  # fmt: skip
    ctx.lab.clock.advance(1)
    steady = [request(door, "GET", "/products", with_key)[0] for _ in range(3)]
    ctx.expect(steady == [200, 200, 429], f"one second later, 3 requests got {steady}",
               "2 more answered 200, then 429: 2 requests a second")  # fmt: skip
    used = 7
    while used < 100:
        ctx.lab.clock.advance(0.5)
        status, _ = request(door, "GET", "/products", with_key)
        ctx.expect(status == 200, f"request {used + 1} of the day answered {status}",
                   "200 for each of the first 100 requests of a day")  # fmt: skip
        used += 1
    ctx.lab.clock.advance(1)
    status, body = request(door, "GET", "/products", with_key)
    ctx.expect(status == 429 and b"Limit Exceeded" in body, f"request 101 of the day answered {status} {body!r}",
               '429 {"message":"Limit Exceeded"}: a quota of 100 a DAY')  # fmt: skip
    ctx.lab.clock.advance(days=1)
    status, _ = request(door, "GET", "/products", with_key)
    ctx.expect(status == 200, f"the next day, the first request answered {status}",
               "200: a daily quota starts again each day (period DAY)")  # fmt: skip
    return "no key: 403; burst 5, then 2 a second; request 101 of the day: Limit Exceeded"


def order_model(ctx: CheckContext) -> str:
    model = ctx.setting("ORDER_MODEL")
    ctx.deploy("orders", OK, learner_config=False)
    door = ctx.lab.rest_api_gateway("orders", {"POST /orders": "orders"})
    try:
        door.api.create_model("Order", model)
    except ValueError as error:
        ctx.fail(f"CreateModel refused ORDER_MODEL: {error}", "a JSON Schema (draft 4) object")
    door.api.create_request_validator("body", validate_request_body=True)
    door.api.put_method(
        "POST /orders", request_validator="body", request_models={"application/json": "Order"}
    )
    door.api.deploy("prod")
    cases = [
        ({"item": "socks", "quantity": 2}, 200),
        ({"item": "hat", "quantity": 10}, 200),
        ({"item": "socks"}, 400),
        ({"quantity": 1}, 400),
        ({"item": "", "quantity": 1}, 400),
        ({"item": "socks", "quantity": 0}, 400),
        ({"item": "socks", "quantity": 11}, 400),
        ({"item": "socks", "quantity": 1.5}, 400),
        ({"item": "socks", "quantity": 1, "discount": 90}, 400),
    ]
    for body, wanted in cases:
        status, answer = request(door, "POST", "/orders", {"Content-Type": "application/json"},
                                 json.dumps(body).encode())  # fmt: skip
        ctx.expect(status == wanted, f"POST {json.dumps(body)} answered {status} {answer[:80]!r}",
                   "200: a valid order" if wanted == 200 else '400 {"message": "Invalid request body"}')  # fmt: skip
    runs = len(ctx.lab.records.for_function("orders"))
    ctx.expect(runs == 2, f"the function ran {runs} times", "2: only the valid orders reach it")
    return "valid orders reach the function; the 7 invalid ones get 400 before it runs"


def selection_pattern(ctx: CheckContext) -> str:
    responses = ctx.setting("INTEGRATION_RESPONSES")
    ctx.expect(isinstance(responses, list) and responses, f"INTEGRATION_RESPONSES is {short(responses)}",
               "a list of integration responses")  # fmt: skip
    ctx.deploy("find-order", FIND_ORDER, learner_config=False)
    door = ctx.lab.rest_api_gateway("orders", {"GET /": "find-order"})
    door.api.put_integration(
        "GET /orders/{id}", "AWS", "find-order",
        request_templates={"application/json": "{\"id\": \"$input.params('id')\"}"},
    )  # fmt: skip
    for response in responses:
        try:
            door.api.put_integration_response(
                "GET /orders/{id}", response.get("statusCode", 200), response.get("selectionPattern"),
                response_templates=response.get("responseTemplates"),
            )  # fmt: skip
        except (TypeError, ValueError, AttributeError) as error:
            ctx.fail(
                f"PutIntegrationResponse refused {short(response)}: {error}",
                "responses as in the starter",
            )
    door.api.deploy("prod")
    status, body = request(door, "GET", "/orders/0")
    ctx.expect(status == 404, f"GET /orders/0 (the function raised 'Not found: order 0') answered {status} {body[:90]!r}",
               "404: a selection pattern matching the whole error message")  # fmt: skip
    ctx.expect(json.loads(body or b"null") == {"error": "Not found: order 0"}, f"the 404 body was {body!r}",
               '{"error": "Not found: order 0"}')  # fmt: skip
    status, body = request(door, "GET", "/orders/7")
    ctx.expect(status == 200 and json.loads(body) == {"order": "7"}, f"GET /orders/7 answered {status} {body!r}",
               '200 {"order": "7"}')  # fmt: skip
    return "an unknown order is 404 with its message; a known one 200"
