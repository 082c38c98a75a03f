"""Lab experiments on the HTTP front doors: load balancers, API Gateway and function URLs.

Each puts a door of the Lab in front of a tiny handler, sends one request through it with
no socket (``door.request``), and shows the exchange: the status the client got, why the
door answered as it did, and the event the function received.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from lambda_lab import limits
from lambda_lab.quiz.evidence import exhibit, experiment_lab
from lambda_lab.quiz.experiments import experiment

_ECHO = "def lambda_handler(event, context):\n    return event\n"
_BARE_STRING = "def lambda_handler(event, context):\n    return 'Hello from Lambda!'\n"
_NOT_A_PROXY_RESPONSE = (
    "def lambda_handler(event, context):\n    return {'status': 200, 'data': {'id': 7}}\n"
)
_HELLO = (
    "def lambda_handler(event, context):\n"
    "    return {'statusCode': 200, 'body': 'hello from the function'}\n"
)


@contextmanager
def _lab(**options: Any) -> Iterator[Any]:
    with experiment_lab(**options) as lab:
        yield lab


# -- Application Load Balancer and HTTP API (lesson 05) ------------------------------------


def _alb_reason(code: str, *, reserved: int | None = None) -> str | None:
    with _lab() as lab:
        lab.deploy("quiz-web", code)
        if reserved is not None:
            lab.client("lambda").put_function_concurrency(
                FunctionName="quiz-web", ReservedConcurrentExecutions=reserved
            )
        exchange = lab.alb("quiz-alb", "quiz-web").request("GET", "/")
        _show_exchange(exchange)
        return exchange.error_reason


def _show_exchange(exchange: Any) -> None:
    """What the client got, and why the door answered as it did."""
    response = exchange.response
    exhibit(
        "The HTTP answer",
        {
            "status": response.status,
            "headers": dict(response.headers),
            "body": response.body.decode(errors="replace")[:500],
            "reason": exchange.error_reason,
        },
    )


@experiment("the ALB reason code when the function returns a bare string")
def alb_reason_for_a_bare_string() -> str | None:
    return _alb_reason(_BARE_STRING)


@experiment("the ALB reason code when the function's reserved concurrency is 0")
def alb_reason_when_throttled() -> str | None:
    return _alb_reason(_ECHO, reserved=0)


@experiment("the status an ALB answers for a 1,048,577-byte request body to a Lambda target")
def alb_status_for_a_body_over_one_mb() -> int:
    with _lab() as lab:
        lab.deploy("quiz-web", _ECHO)
        alb = lab.alb("quiz-alb", "quiz-web")
        body = b"x" * (limits.ALB_REQUEST_BODY_MAX_BYTES + 1)
        exchange = alb.request("POST", "/upload", [("Content-Type", "text/plain")], body)
        _show_exchange(exchange)
        return int(exchange.response.status)


@experiment("the value an ALB passes for ?tag=a&tag=b when multi-value headers are off")
def alb_last_value_of_a_repeated_query_key() -> str:
    with _lab() as lab:
        lab.deploy("quiz-web", _ECHO)
        exchange = lab.alb("quiz-alb", "quiz-web").request("GET", "/search?tag=a&tag=b")
        exhibit("The event the function received", exchange.event)
        return str(exchange.event["queryStringParameters"]["tag"])


@experiment("the status an HTTP API (payload 2.0) answers when the function returns a bare string")
def http_api_status_for_a_bare_string() -> int:
    with _lab() as lab:
        lab.deploy("quiz-web", _BARE_STRING)
        exchange = lab.http_api("quiz-api", "quiz-web").request("GET", "/")
        _show_exchange(exchange)
        return int(exchange.response.status)


# -- API Gateway REST APIs (lesson 10) -------------------------------------------------------
@experiment("the status a REST API answers when a proxy function returns no statusCode")
def rest_api_malformed_proxy_response_status() -> int:
    with _lab() as lab:
        lab.deploy("quiz-web", _NOT_A_PROXY_RESPONSE)
        exchange = lab.rest_api_gateway("quiz-rest", "quiz-web").request("GET", "/")
        _show_exchange(exchange)
        return int(exchange.response.status)


@experiment("the status a REST API answers for a path its stage does not have")
def rest_api_unknown_route_status() -> int:
    with _lab() as lab:
        lab.deploy("quiz-orders", _HELLO)
        api = lab.rest_api_gateway("quiz-rest", {"GET /orders": "quiz-orders"})
        exchange = api.request("GET", "/invoices")
        _show_exchange(exchange)
        return int(exchange.response.status)


@experiment("the pathParameters a REST API passes for GET /orders/42 on /orders/{id}")
def rest_api_proxy_event_of_a_get() -> dict[str, Any]:
    with _lab() as lab:
        lab.deploy("quiz-orders", _ECHO)
        api = lab.rest_api_gateway("quiz-rest", {"GET /orders/{id}": "quiz-orders"})
        exchange = api.request("GET", "/orders/42?expand=items")
        exhibit("The event the function received (payload format 1.0)", exchange.event)
        return dict(exchange.event["pathParameters"])


# -- function URLs (lessons 05 and 11) --------------------------------------------------------
def _url_status(auth_type: str) -> int:
    with _lab() as lab:
        lab.deploy("quiz-hook", _HELLO)
        lab.client().create_function_url_config(FunctionName="quiz-hook", AuthType=auth_type)
        door = lab.front_doors().function_urls.served({"FunctionName": "quiz-hook"})
        exchange = door.request("GET", "/")
        _show_exchange(exchange)
        return int(exchange.response.status)


@experiment("the status a function URL with auth type NONE answers to a plain request")
def function_url_with_none_answers() -> int:
    return _url_status("NONE")


@experiment("the status a function URL with auth type AWS_IAM answers to an unsigned request")
def function_url_iam_refuses_unsigned() -> int:
    return _url_status("AWS_IAM")
