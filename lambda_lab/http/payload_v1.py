"""The REST API's Lambda proxy response document (payload 1.0) turned into HTTP.

The function answers ``{"statusCode", "headers", "multiValueHeaders", "body",
"isBase64Encoded"}`` (facts §8.2); anything else is malformed and API Gateway answers 502.
"""

from __future__ import annotations

from lambda_lab.http.common import HOP_BY_HOP, HttpResponse, decode_base64, parse_payload
from lambda_lab.http.rest_event import is_binary


def v1_response(
    payload: bytes, binary_media_types: tuple[str, ...] = (), accept: str = ""
) -> HttpResponse | None:
    """The HTTP response for a proxy response document, or None when it is malformed.

    ``headers`` and ``multiValueHeaders`` merge (the multi-value list wins for a name in
    both). A base64 body is decoded only when the client's first Accept type is one of the
    API's binary media types; otherwise the client gets the base64 text.
    """
    ok, document = parse_payload(payload)
    if not ok or not isinstance(document, dict):
        return None
    status = document.get("statusCode")
    if isinstance(status, str) and status.isascii() and status.isdigit():
        status = int(status)
    if not isinstance(status, int) or isinstance(status, bool) or not 100 <= status <= 599:
        return None
    single = document.get("headers") or {}
    multi = document.get("multiValueHeaders") or {}
    body_text = document.get("body")
    encoded = document.get("isBase64Encoded", False)
    if (
        not isinstance(single, dict)
        or not isinstance(multi, dict)
        or not all(
            isinstance(v, (str, int, float)) and not isinstance(v, bool) for v in single.values()
        )
        or not all(isinstance(v, list) for v in multi.values())
        or (body_text is not None and not isinstance(body_text, str))
        or not isinstance(encoded, bool)
    ):
        return None
    merged: dict[str, list[str]] = {name: [str(value)] for name, value in single.items()}
    merged.update({name: [str(v) for v in values] for name, values in multi.items()})
    pairs = [
        (name, value)
        for name, values in merged.items()
        for value in values
        if name.lower() not in HOP_BY_HOP | {"content-length"}
    ]
    if not any(name.lower() == "content-type" for name, _ in pairs):
        pairs.append(("Content-Type", "application/json"))  # REST APIs' default
    body = (body_text or "").encode()
    if encoded and body_text and is_binary(accept, binary_media_types):
        decoded = decode_base64(body_text)
        if decoded is None:
            return None
        body = decoded
    return HttpResponse(status, pairs, body)
