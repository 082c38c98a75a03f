"""Checks of lesson 10: a TOKEN authorizer, a usage plan, a request model and a selection
pattern, each tried through a real REST API door, and a JWT authorizer through an HTTP API
door, all with real HTTP requests."""

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
    status, _, answer = exchange(door, method, path, headers, body)
    return status, answer


def exchange(
    door: Any,
    method: str,
    path: str,
    headers: dict[str, str] | None = None,
    body: bytes | None = None,
) -> tuple[int, dict[str, str], bytes]:
    """:func:`request`, with the answer's headers (lower-case names)."""
    url = door.local_url + path.lstrip("/")
    call = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(call, timeout=30) as reply:
            return reply.status, _lower(reply.headers), reply.read()
    except urllib.error.HTTPError as error:
        with error:
            return error.code, _lower(error.headers), error.read()


def _lower(headers: Any) -> dict[str, str]:
    return {name.lower(): value for name, value in headers.items()}


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


def jwt_authorizer(ctx: CheckContext) -> str:
    configuration, routes = ctx.setting("JWT_CONFIGURATION"), ctx.setting("ROUTES")
    ctx.expect(isinstance(routes, dict), f"ROUTES is {short(routes)}", "a dict of route settings")
    pool, tokens = _user_pool(ctx.lab)
    names = {"ISSUER": pool["issuer"], "WEB_CLIENT": pool["web"], "REPORTS_CLIENT": pool["reports"]}
    ctx.deploy("orders", ECHO_CONTEXT, learner_config=False)
    door = ctx.lab.http_api("shop", {"GET /orders": "orders", "POST /orders": "orders"})
    try:
        door.api.create_authorizer("shop-users", "JWT", jwt_configuration=_filled(configuration, names))  # fmt: skip
        for key, settings in routes.items():
            kind = settings.get("AuthorizationType", "NONE")
            door.api.update_route(
                key, authorization_type=kind, authorizer="shop-users" if kind == "JWT" else None,
                authorization_scopes=settings.get("AuthorizationScopes") or (),
            )  # fmt: skip
    except (TypeError, ValueError, AttributeError) as error:
        ctx.fail(f"API Gateway refused your settings: {error}", "settings shaped as in the starter")
    cases = [
        ("GET", "the reporting tool's ID token", tokens["reports"]["IdToken"], 401),
        ("GET", "the web app's ID token", tokens["web"]["IdToken"], 200),
        ("GET", "the web app's access token", tokens["web"]["AccessToken"], 200),
        ("GET", "no token", None, 401),
        ("POST", "no token", None, 401),
        ("POST", "the reporting tool's access token", tokens["reports"]["AccessToken"], 401),
        ("POST", "the web app's ID token", tokens["web"]["IdToken"], 403),
        ("POST", "the web app's access token", tokens["web"]["AccessToken"], 200),
    ]
    for method, what, token, wanted in cases:
        headers = {} if token is None else {"Authorization": f"Bearer {token}"}
        status, answer_headers, body = exchange(door, method, "/orders", headers)
        why = answer_headers.get("www-authenticate")
        ctx.expect(status == wanted,
                   f"{method} /orders with {what} answered {status} {body[:60]!r}" + (f" ({why})" if why else ""),
                   {200: "200: let it in", 401: "401 Unauthorized", 403: "403 Forbidden: a token without the scope"}[wanted])  # fmt: skip
    passed = json.loads(body).get("jwt") or {}
    ctx.expect(passed.get("claims", {}).get("username") == "ana",
               f"the orders function received requestContext.authorizer = {short(passed)}",
               'the access token\'s claims, "username": "ana" among them')  # fmt: skip
    return "the web app's tokens read orders, its access token writes them; others get 401 or 403"


def _user_pool(lab: Any) -> tuple[dict[str, str], dict[str, dict[str, str]]]:
    """A pool with two app clients, web and reports, and ana's tokens from each."""
    idp = lab.service_client("cognito-idp")
    pool_id = idp.create_user_pool(PoolName="shop-users")["UserPool"]["Id"]
    idp.admin_create_user(UserPoolId=pool_id, Username="ana", TemporaryPassword="Temp-Pass-1!")
    idp.admin_set_user_password(UserPoolId=pool_id, Username="ana", Password="Shop-Pass-1!", Permanent=True)  # fmt: skip
    pool = {"issuer": f"https://cognito-idp.{lab.region}.amazonaws.com/{pool_id}"}
    tokens = {}
    for client in ("web", "reports"):
        pool[client] = idp.create_user_pool_client(
            UserPoolId=pool_id, ClientName=client, ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"],
        )["UserPoolClient"]["ClientId"]  # fmt: skip
        tokens[client] = idp.initiate_auth(
            ClientId=pool[client], AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": "ana", "PASSWORD": "Shop-Pass-1!"},
        )["AuthenticationResult"]  # fmt: skip
    return pool, tokens


def _filled(value: Any, names: dict[str, str]) -> Any:
    """The learner's settings with the real issuer and client IDs where their names stand."""
    if isinstance(value, dict):
        return {key: _filled(item, names) for key, item in value.items()}
    if isinstance(value, list):
        return [_filled(item, names) for item in value]
    return names.get(value, value) if isinstance(value, str) else value
