"""A small custom runtime (provided.al2023) that streams its responses, for the streaming tests.

It speaks the Runtime API as AWS documents response streaming: POST the response with
``Lambda-Runtime-Function-Response-Mode: streaming`` and ``Transfer-Encoding: chunked``, and on
a failure mid-stream end with the ``Lambda-Runtime-Function-Error-Type``/``-Body`` trailers.
The event decides what it streams:

* ``{"chunks": ["a", "b"]}``: those chunks as text/plain;
* ``{"http": true}``: an ``application/vnd.awslambda.http-integration-response`` (a JSON
  prelude with statusCode 201, a header and a cookie, eight NUL bytes, then the body);
* ``{"fail": true}``: one chunk, then an error in the trailers;
* ``{"bytes": N}``: N bytes of "x" in 1 MB chunks.

Behind a function URL the plan is the request's body.
"""

from __future__ import annotations

import io
import sys
import zipfile

RUNTIME = r"""
import base64, http.client, json, os

HOST, PORT = os.environ["AWS_LAMBDA_RUNTIME_API"].split(":")
PREFIX = "/2018-06-01/runtime/invocation"

def plan(event):
    if isinstance(event.get("body"), str):  # a function URL's event: the plan is in its body
        body = event["body"]
        if event.get("isBase64Encoded"):
            body = base64.b64decode(body).decode()
        event = json.loads(body or "{}")
    if event.get("http"):
        prelude = {"statusCode": 201, "headers": {"x-streamed": "yes", "content-type": "text/html"},
                   "cookies": ["flavour=oat"]}
        return ([json.dumps(prelude).encode() + b"\0" * 8, b"<h1>hello</h1>", b"<p>streamed</p>"],
                "application/vnd.awslambda.http-integration-response", None)
    if event.get("fail"):
        return [b"partial "], "text/plain", ("Handled.StreamError", "broke after one chunk")
    if event.get("bytes"):
        size, step = int(event["bytes"]), 1024 * 1024
        return [b"x" * min(step, size - at) for at in range(0, size, step)], "text/plain", None
    return [c.encode() for c in event.get("chunks", ["a"])], "text/plain", None

while True:
    conn = http.client.HTTPConnection(HOST, int(PORT))
    conn.request("GET", PREFIX + "/next")
    answer = conn.getresponse()
    event = json.loads(answer.read() or b"{}")
    request_id = answer.getheader("Lambda-Runtime-Aws-Request-Id")
    chunks, content_type, error = plan(event)
    post = http.client.HTTPConnection(HOST, int(PORT))
    post.putrequest("POST", f"{PREFIX}/{request_id}/response")
    post.putheader("Lambda-Runtime-Function-Response-Mode", "streaming")
    post.putheader("Transfer-Encoding", "chunked")
    post.putheader("Content-Type", content_type)
    if error:
        post.putheader("Trailer", "Lambda-Runtime-Function-Error-Type, Lambda-Runtime-Function-Error-Body")
    post.endheaders()
    for chunk in chunks:
        post.send(b"%x\r\n%s\r\n" % (len(chunk), chunk))
    trailers = b""
    if error:
        body = base64.b64encode(json.dumps({"errorMessage": error[1], "errorType": error[0]}).encode())
        trailers = b"Lambda-Runtime-Function-Error-Type: " + error[0].encode() + b"\r\n"
        trailers += b"Lambda-Runtime-Function-Error-Body: " + body + b"\r\n"
    post.send(b"0\r\n" + trailers + b"\r\n")
    post.getresponse().read()
"""


def streaming_package() -> bytes:
    """The deployment package: an executable bootstrap that runs the runtime above."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        bootstrap = zipfile.ZipInfo("bootstrap")
        bootstrap.external_attr = 0o755 << 16
        # In a sandbox only the runtime's own Python is reachable (/var/lang); without one,
        # the Lab's.
        version = f"{sys.version_info[0]}.{sys.version_info[1]}"
        archive.writestr(
            bootstrap,
            f"#!/bin/sh\nPY=/var/lang/bin/python{version}\n"
            f'[ -x "$PY" ] || PY={sys.executable}\n'
            'exec "$PY" "$LAMBDA_TASK_ROOT/runtime.py"\n',
        )
        runtime = zipfile.ZipInfo("runtime.py")
        runtime.external_attr = 0o644 << 16
        archive.writestr(runtime, RUNTIME)
    return buffer.getvalue()
