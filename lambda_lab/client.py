"""boto3 clients bound to a Lab, in process: the real boto3 client, with no network.

``lab.client("lambda")`` is a genuine boto3 client. botocore serialises each call exactly
as it would for AWS; a ``before-send`` hook hands the request to the Lab's REST layer
instead of the network and returns its reply, which botocore parses into the usual dicts
and ``client.exceptions.*``. What a learner types here is what works on AWS. Requests are
not signed (nothing checks a signature in process), and ``invoke`` takes a shortcut past
botocore's request pipeline that gives the same answers and errors
(:mod:`lambda_lab.api.invoke_shortcut`).

The clients never read the user's real credentials or configuration: they are built
from a private botocore session with fake keys and no config files.
"""

from __future__ import annotations

import os
import threading
import urllib.parse
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from lambda_lab.lab import Lab

FAKE_KEY_ID = "ASIALAMBDALABFAKEKEY"
FAKE_SECRET = "lambda-lab-fake-secret-key-not-a-real-credential"
# Never contacted: the hook answers every request. If it ever did not, the request would
# still stay on this machine.
UNREACHABLE_ENDPOINT = "http://127.0.0.1:9"

_session_lock = threading.Lock()
_session: Any = None


def botocore_session() -> Any:
    """One private botocore session: loads service models once, reads no user files and no
    AWS_* variables (a learner's AWS_PROFILE would otherwise stop every client: ProfileNotFound)."""
    global _session
    with _session_lock:
        if _session is None:
            import botocore.session

            defaults = botocore.session.Session.SESSION_VARIABLES
            variables = {  # botocore's own settings, each without its environment variable
                name: (config_name, None, default, convert)
                for name, (config_name, _, default, convert) in defaults.items()
            }
            variables["config_file"] = (None, None, os.devnull, None)
            variables["credentials_file"] = (None, None, os.devnull, None)
            _session = botocore.session.Session(session_vars=variables)
        return _session


def _request_body(request: Any) -> bytes:
    body = request.body
    if body is None:
        return b""
    if isinstance(body, (bytes, bytearray)):
        return bytes(body)
    if isinstance(body, str):
        return body.encode()
    return body.read()


def _unsigned(signature_version: str = "", **_: Any) -> Any:
    """choose-signer: no signature on requests answered in process (presigned URLs, which a
    learner may hand to another program, are still signed)."""
    import botocore

    if signature_version.endswith(("-query", "-presign-post")):
        return None
    return botocore.UNSIGNED


def make_client(lab: Lab, service: str = "lambda", **kwargs: Any) -> Any:
    from botocore.awsrequest import AWSResponse

    from lambda_lab.api import invoke_shortcut

    if service != "lambda":
        return lab.service_client(service, **kwargs)
    api = lab.rest_api()
    client = botocore_session().create_client(
        "lambda",
        region_name=lab.region,
        endpoint_url=UNREACHABLE_ENDPOINT,
        aws_access_key_id=FAKE_KEY_ID,
        aws_secret_access_key=FAKE_SECRET,
        **kwargs,  # e.g. config=botocore.config.Config(retries={"max_attempts": 1})
    )
    # botocore makes a client's exception classes on first use, without a lock: threads whose
    # first calls fail together could each make their own, and `except
    # client.exceptions.X` would miss another thread's X. Make them now.
    client.exceptions  # noqa: B018
    first_replies = invoke_shortcut.FirstReplies()

    def answer(request: Any, **_: Any) -> Any:
        reply = first_replies.take()  # an Invoke the shortcut already ran (an error answer)
        if reply is None:
            url = urllib.parse.urlsplit(request.url)
            query = urllib.parse.parse_qs(url.query, keep_blank_values=True)
            headers = {
                k: v.decode() if isinstance(v, bytes) else v for k, v in request.headers.items()
            }
            reply = api.handle(request.method, url.path, query, headers, _request_body(request))
        headers = dict(reply.headers)
        headers["Content-Length"] = str(len(reply.body))
        return AWSResponse(request.url, reply.status, headers, invoke_shortcut.RawBody(reply.body))

    client.meta.events.register_first("before-send.lambda", answer)
    client.meta.events.register_first("choose-signer.lambda", _unsigned)
    invoke_shortcut.install(client, lab, first_replies)
    return client
