"""Payload format 2.0, shared by HTTP APIs and function URLs (facts §8.3).

Request: no ``multiValue*`` fields; repeated headers and query values are joined with
commas, header names lower-cased, cookies moved from the Cookie header into ``cookies``.
Response: ``statusCode``/``headers``/``cookies``/``body``/``isBase64Encoded``, or, when
the function returns any JSON without ``statusCode``, a 200 application/json whose body
is exactly the bytes the function returned.
"""

from __future__ import annotations

from typing import Any

from lambda_lab.http.common import (
    HOP_BY_HOP,
    HttpRequest,
    HttpResponse,
    clf_time,
    decode_base64,
    encode_body,
    forwarded_headers,
    group_headers,
    group_pairs,
    is_text,
    parse_payload,
    split_query,
)

_NOT_PASSED_BACK = HOP_BY_HOP | {"content-length"}  # the listener frames the answer itself


def v2_event(
    request: HttpRequest,
    *,
    route_key: str,
    stage: str,
    api_id: str,
    domain_name: str,
    account_id: str,
    request_id: str,
    trace_id: str,
    now: float,
    path_parameters: dict[str, str] | None = None,
    stage_variables: dict[str, str] | None = None,
    function_url_fields: bool = False,
    authorizer: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The 2.0 event. ``function_url_fields`` adds the members function URLs always send
    (``authentication``/``authorizer``/``pathParameters``/``stageVariables`` as null);
    ``authorizer`` is what an HTTP API's authorizer passes on (``{"jwt": {...}}``)."""
    headers = group_headers(forwarded_headers(request, trace_id))
    cookie_lines = headers.pop("cookie", [])
    cookies = [c.strip() for line in cookie_lines for c in line.split(";") if c.strip()]
    query = group_pairs(split_query(request.query, decode=True))
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": route_key,
        "rawPath": request.path,
        "rawQueryString": request.query,
    }
    if cookies:
        event["cookies"] = cookies
    event["headers"] = {name: ",".join(values) for name, values in headers.items()}
    if query:
        event["queryStringParameters"] = {key: ",".join(values) for key, values in query.items()}
    context: dict[str, Any] = {"accountId": account_id, "apiId": api_id}
    if function_url_fields:
        context["authentication"] = None
    if function_url_fields or authorizer is not None:
        context["authorizer"] = authorizer
    context.update(
        {
            "domainName": domain_name,
            "domainPrefix": domain_name.split(".", 1)[0],
            "http": {
                "method": request.method,
                "path": request.path,
                "protocol": request.protocol,
                "sourceIp": request.client_ip,
                "userAgent": request.header("User-Agent") or "",
            },
            "requestId": request_id,
            "routeKey": route_key,
            "stage": stage,
            "time": clf_time(now),
            "timeEpoch": int(now * 1000),
        }
    )
    event["requestContext"] = context
    body, is_base64 = encode_body(request.body, is_text(request.header("Content-Type")))
    if request.body:
        event["body"] = body
    if path_parameters or function_url_fields:
        event["pathParameters"] = path_parameters or None
    event["isBase64Encoded"] = is_base64
    if stage_variables or function_url_fields:
        event["stageVariables"] = stage_variables or None
    return event


def v2_response(payload: bytes) -> HttpResponse | None:
    """The HTTP response for a 2.0 function response, or None when it is malformed."""
    ok, document = parse_payload(payload)
    if not ok:
        return None
    if not isinstance(document, dict) or "statusCode" not in document:
        # The shortcut: any other JSON value is the body of a 200 application/json.
        return HttpResponse(200, [("Content-Type", "application/json")], payload)
    status = document["statusCode"]
    if not isinstance(status, int) or isinstance(status, bool) or not 100 <= status <= 599:
        return None
    headers = document.get("headers") or {}
    cookies = document.get("cookies") or []
    body_text = document.get("body")
    encoded = document.get("isBase64Encoded", False)
    if (
        not isinstance(headers, dict)
        or not all(isinstance(v, str) for v in headers.values())
        or not isinstance(cookies, list)
        or not all(isinstance(c, str) for c in cookies)
        or (body_text is not None and not isinstance(body_text, str))
        or not isinstance(encoded, bool)
    ):
        return None
    body = (body_text or "").encode()
    if encoded and body_text:
        decoded = decode_base64(body_text)
        if decoded is None:
            return None
        body = decoded
    pairs = [(k, v) for k, v in headers.items() if k.lower() not in _NOT_PASSED_BACK]
    pairs.extend(("Set-Cookie", cookie) for cookie in cookies)
    return HttpResponse(status, pairs, body)
