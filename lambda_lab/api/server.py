"""One AWS endpoint on loopback for a Lab: Lambda answered by the Lab, other services by moto.

Unmodified boto3 and the AWS CLI talk to it with ``AWS_ENDPOINT_URL`` (or
``--endpoint-url``). Each request is routed by the service named in its SigV4 signature
(unsigned requests by path): Lambda to :meth:`LambdaRestApi.handle`, CloudWatch Logs reads
of the Lab's own log groups to :mod:`lambda_lab.api.logs_api`, everything else (S3, SQS,
SNS, DynamoDB, Kinesis, EventBridge, ...) to moto's WSGI application, whose state is
shared with every other moto user in this process. The server binds 127.0.0.1 only.
"""

from __future__ import annotations

import io
import re
import sys
import threading
import traceback
import urllib.parse
from typing import TYPE_CHECKING, Any, Callable, Iterable

from lambda_lab import errors

if TYPE_CHECKING:
    from lambda_lab.lab import Lab

LOOPBACK = "127.0.0.1"
_SCOPE = re.compile(r"Credential=[^/]+/\d{8}/([^/]+)/([^/]+)/aws4_request")
_moto_lock = threading.Lock()
_moto_app: Any = None


def moto_app() -> Any:
    """moto's WSGI application for every service it has (imported on first use: about 0.5 s)."""
    global _moto_app
    with _moto_lock:
        if _moto_app is None:
            from moto.server import DomainDispatcherApplication, create_backend_app

            _moto_app = DomainDispatcherApplication(create_backend_app)
        return _moto_app


def signed_service(environ: dict[str, Any]) -> str | None:
    """The service a SigV4-signed request is for (``lambda``, ``s3``, ``logs``...), if signed."""
    found = _SCOPE.search(environ.get("HTTP_AUTHORIZATION", ""))
    return found.group(2).lower() if found else None


class AwsEndpoint:
    """``AwsEndpoint(lab).url`` serves the Lab's AWS account on ``http://127.0.0.1:<port>``."""

    def __init__(self, lab: Lab, port: int = 0, host: str = LOOPBACK,
                 after_change: Callable[[str, str], None] | None = None) -> None:
        from werkzeug.serving import make_server

        if host != LOOPBACK:
            raise ValueError(f"the Lab's endpoint binds {LOOPBACK} only, never beyond this machine (got {host!r})")
        self.lab = lab
        self.after_change = after_change  # e.g. save --state after a request that changed something
        self._lambda_prefixes = _lambda_prefixes(lab)
        self._server = make_server(host, port, self.wsgi, threaded=True, request_handler=_handler_class())
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.1},
                                        name="lambda-lab-aws-endpoint", daemon=True)
        self._closed = False
        self._thread.start()

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    def close(self) -> None:
        """Stop accepting and release the port (idempotent)."""
        if self._closed:
            return
        self._closed = True
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

    def __enter__(self) -> AwsEndpoint:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<AwsEndpoint {'closed' if self._closed else self.url}>"

    # -- routing ------------------------------------------------------------------------------
    def wsgi(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        service = signed_service(environ)
        path = environ.get("PATH_INFO", "")
        if service == "lambda" or (service is None and path.startswith(self._lambda_prefixes)):
            return self._lambda(environ, start_response)
        if service == "logs":
            from lambda_lab.api import logs_api

            answered = logs_api.answer(self.lab, environ)
            if answered is not None:
                return _respond(start_response, *answered)
        return moto_app()(environ, start_response)

    def _lambda(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        raw = environ.get("RAW_URI") or environ.get("PATH_INFO", "")
        raw_path, _, raw_query = raw.encode("latin-1").decode("utf-8", "replace").partition("?")
        query = urllib.parse.parse_qs(raw_query or environ.get("QUERY_STRING", ""), keep_blank_values=True)
        headers = {key[5:].replace("_", "-"): value for key, value in environ.items() if key.startswith("HTTP_")}
        if environ.get("CONTENT_TYPE"):
            headers["Content-Type"] = environ["CONTENT_TYPE"]
        body = _read_body(environ)
        method = environ["REQUEST_METHOD"]
        try:
            reply = self.lab.rest_api().handle(method, raw_path, query, headers, body)
        except Exception as exc:  # a bug of ours must answer like AWS's 500, not kill the server
            traceback.print_exc(file=sys.stderr)
            from lambda_lab.api.rest import error_reply

            reply = error_reply(errors.ServiceException(f"The Lab failed to answer {method} {raw_path}: {exc!r}"))
        if method != "GET" and self.after_change is not None and reply.status < 300:
            self.after_change(method, raw_path)
        reply.headers.setdefault("x-amzn-RequestId", _request_id())
        return _respond(start_response, reply.status, reply.headers, reply.body)


def _lambda_prefixes(lab: Lab) -> tuple[str, ...]:
    """First two path segments of every Lambda route (``/2015-03-31/functions``...), from botocore."""
    model = lab.rest_api().model
    uris = (model.operation_model(name).http["requestUri"] for name in model.operation_names)
    return tuple(sorted({"/".join(uri.split("?")[0].split("/")[:3]) for uri in uris}))


def _read_body(environ: dict[str, Any]) -> bytes:
    length = int(environ.get("CONTENT_LENGTH") or 0)
    stream: io.BufferedIOBase = environ["wsgi.input"]
    if length:
        return stream.read(length)
    if environ.get("wsgi.input_terminated"):  # chunked upload: read to its end
        return stream.read()
    return b""


def _respond(start_response: Callable[..., Any], status: int, headers: dict[str, str], body: bytes) -> list[bytes]:
    from http import HTTPStatus

    headers = {**headers, "Content-Length": str(len(body))}
    phrase = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "Unknown"
    start_response(f"{status} {phrase}", list(headers.items()))
    return [body]


def _request_id() -> str:
    import uuid

    return str(uuid.uuid4())


def _handler_class() -> type:
    """moto's request handler (it keeps S3 metadata headers that contain underscores), made quiet
    and with TCP_NODELAY (head and body go out in two writes: no 44 ms delayed-ACK stall)."""
    from moto.moto_server.werkzeug_app import MotoRequestHandler

    class QuietHandler(MotoRequestHandler):
        disable_nagle_algorithm = True

        def log_request(self, *args: Any, **kwargs: Any) -> None:
            """No access log: the terminal running `lambda-lab serve` stays readable."""

        def log_error(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib's name
            """Connection resets from clients that hung up are not the learner's concern."""

    return QuietHandler

