"""Checks of lesson 05: a 502 to fix, multi-value parameters, a binary body; real HTTP requests."""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.request
from typing import Any

from lambda_lab.exercises.context import CheckContext


def http_get(url: str) -> tuple[int, Any, bytes]:
    """A real GET on loopback: (status, headers, body), for error statuses too."""
    try:
        with urllib.request.urlopen(url, timeout=30) as reply:
            return reply.status, reply.headers, reply.read()
    except urllib.error.HTTPError as error:
        with error:
            return error.code, error.headers, error.read()


def _why(door: Any) -> str:
    last = door.last
    reason = getattr(last, "error_reason", None) if last else None
    returned = last.payload.decode(errors="replace")[:200] if last and last.payload else ""
    return f" (reason: {reason}; your function returned {returned})" if reason else ""


def fix_502(ctx: CheckContext) -> str:
    ctx.deploy("orders-page")
    alb = ctx.lab.alb("orders-alb", "orders-page")
    status, headers, body = http_get(alb.local_url)
    ctx.expect(
        status == 200,
        f"the ALB answered {status}{_why(alb)}",
        "200 with the page: a response document with statusCode and body",
    )
    kind = headers.get("Content-Type", "")
    ctx.expect(
        kind.startswith("text/html"),
        f"the ALB answered 200 with Content-Type {kind!r}",
        "text/html, so that the browser shows a page",
    )
    ctx.expect(b"<h1>Orders</h1>" in body, f"the page is {body[:100]!r}", "<h1>Orders</h1>")
    return "the ALB answered 200, text/html, <h1>Orders</h1>"


def multi_value(ctx: CheckContext) -> str:
    attributes = ctx.setting("TARGET_GROUP_ATTRIBUTES")
    ctx.expect(isinstance(attributes, dict), f"TARGET_GROUP_ATTRIBUTES is {attributes!r}", "a dict")
    value = attributes.get("lambda.multi_value_headers.enabled", "false")
    ctx.expect(
        value in ("true", "false"),
        f"lambda.multi_value_headers.enabled is {value!r}",
        "the text 'true' or 'false', as ModifyTargetGroupAttributes takes it",
    )
    ctx.deploy("search")
    alb = ctx.lab.alb("search-alb", "search", multi_value_headers=value == "true")
    status, _, body = http_get(alb.local_url + "?tag=lambda&tag=sqs")
    ctx.expect(
        status == 200,
        f"GET /?tag=lambda&tag=sqs: the ALB answered {status}{_why(alb)}",
        "200 with both tags",
    )
    ctx.expect(
        json.loads(body) == {"tags": ["lambda", "sqs"]},
        f"the answer was {body!r}",
        '{"tags": ["lambda", "sqs"]}',
    )
    return 'both tags reached the function and came back: {"tags": ["lambda", "sqs"]}'


def serve_png(ctx: CheckContext) -> str:
    picture = base64.b64decode(ctx.setting("PNG_BASE64"))
    ctx.deploy("logo")
    alb = ctx.lab.alb("logo-alb", "logo")
    status, headers, body = http_get(alb.local_url)
    ctx.expect(status == 200, f"the ALB answered {status}{_why(alb)}", "200 with the image")
    kind = headers.get("Content-Type", "")
    ctx.expect(kind == "image/png", f"the Content-Type was {kind!r}", "image/png")
    ctx.expect(
        body == picture,
        f"the browser received {len(body)} bytes starting {body[:12]!r}, not the image",
        f"the {len(picture)} bytes of the PNG: send base64 text with isBase64Encoded true",
    )
    return f"the ALB sent {len(body)} bytes of image/png, the picture itself"
