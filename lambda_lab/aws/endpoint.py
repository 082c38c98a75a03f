"""One loopback HTTP endpoint for every AWS service a Lab offers, and boto3 clients bound to it.

    s3 = lab.client("s3")            # a real boto3 client, fake keys, this endpoint
    s3.create_bucket(Bucket="photos")

The socket is opened on 127.0.0.1 the first time anything needs the address (a worker's
environment gets it as ``AWS_ENDPOINT_URL``, so handler code calling ``boto3.client("s3")``
lands here and never on AWS). moto itself loads only with the first request for another
service. Nothing listens beyond loopback; clients never read ~/.aws.
"""

from __future__ import annotations

import errno
import select
import socket
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from lambda_lab.aws import moto_backend
from lambda_lab.aws.lab_side import LabSide
from lambda_lab.client import FAKE_KEY_ID, FAKE_SECRET, botocore_session

if TYPE_CHECKING:
    from lambda_lab.aws.middleware import Middleware
    from lambda_lab.http.common import HttpResponse
    from lambda_lab.http.shell import Request

# A service name -> the Lab's own cached boto3 client for it (:meth:`LabEndpoint.internal`):
# what triggers, pollers and deliveries are given to reach S3, SQS, SNS, streams and buses.
Clients = Callable[[str], Any]

LOOPBACK = "127.0.0.1"
ENDPOINT_WORKERS = 64  # requests at once: an invoke holds one while its handler calls S3 (another)
# Services the Lab serves through moto (botocore's names); "lambda" is the Lab's own.
SERVICES = (
    "s3",
    "sqs",
    "sns",
    "dynamodb",
    "dynamodbstreams",
    "kinesis",
    "events",
    "logs",
    "lambda",
    "stepfunctions",
    "codedeploy",
    # lesson 11 (security and networking) and the API Gateway door's IAM and Cognito checks
    "iam",
    "sts",
    "kms",
    "secretsmanager",
    "ssm",
    "cognito-idp",
    "ec2",
)


def _log_error(error: BaseException) -> None:
    """A bug behind the endpoint: one line in the Lab's log (its 500 already went out)."""
    import logging  # (loaded when needed: logging's import is a cost every fresh Lab pays)

    logging.getLogger("lambda_lab").error(
        "lambda-lab endpoint error: %s: %s", type(error).__name__, error
    )


def _lambda_first(
    app: Middleware, wsgi: Callable[[Request], HttpResponse]
) -> Callable[[Request], HttpResponse]:
    """The endpoint's request handler: a request signed for Lambda goes straight to the
    Lab's REST layer (building a WSGI environ for it and reading it back was a third of the
    endpoint's own work per Invoke); anything else goes to the WSGI application."""
    from lambda_lab.http.common import HttpResponse

    def handle(request: Request) -> HttpResponse:
        answered = app.answer_lambda(request.method, request.target, request.headers, request.body)
        if answered is None:
            return wsgi(request)
        status, headers, body = answered
        code, _, reason = status.partition(" ")
        return HttpResponse(int(code), headers, body, reason)

    return handle


class LabEndpoint:
    def __init__(self, region: str, own: LabSide) -> None:
        self._own = own  # weak callables: the server thread must not keep a forgotten Lab alive
        self._region = region
        self._server: Any = None
        self._reserved: socket.socket | None = None  # listening; its server not built yet
        self._wake: socket.socket | None = None  # ends the wait for its first connection
        self._lock = threading.Lock()
        self._using_moto = False
        self._clients: dict[str, Any] = {}
        self._closed = False

    # -- the socket ---------------------------------------------------------------------------
    @property
    def url(self) -> str:
        """``http://127.0.0.1:<port>``; opens the socket on first use. The server behind it
        is built when the first connection arrives (it waits in the socket's backlog): every
        environment gets this address, and a first cold start need not pay for the server's
        imports (~9 ms) before its handler ever calls AWS."""
        with self._lock:
            if self._server is not None:
                return f"http://{LOOPBACK}:{self._server.port}"
            if self._reserved is None:
                if self._closed:
                    raise RuntimeError("this Lab is closed: its AWS endpoint cannot start again")
                self._reserved = socket.create_server((LOOPBACK, 0))
                self._wake, woken = socket.socketpair()
                threading.Thread(
                    target=self._start_on_first_connection,
                    args=(self._reserved, woken),
                    name="lambda-lab-aws-endpoint-wait",
                    daemon=True,
                ).start()
            return f"http://{LOOPBACK}:{self._reserved.getsockname()[1]}"

    def _start_on_first_connection(self, listener: socket.socket, woken: socket.socket) -> None:
        """Wait (without the CPU) for a first connection, then build the server that answers it."""
        try:
            select.select([listener, woken], [], [])
        except (OSError, ValueError):  # the socket was closed: the Lab is closing
            return
        finally:
            woken.close()
        if self._closed:
            return
        try:
            self.start()
        except Exception as error:  # noqa: BLE001 - a bug: say so (the waiting client times out)
            _log_error(error)

    def _stop_waiting(self) -> None:
        """End the first-connection wait (the server is built, or the Lab closes): lock held."""
        if self._wake is not None:
            try:
                self._wake.send(b"!")
            except OSError:
                pass
            self._wake.close()
            self._wake = None

    @property
    def running(self) -> bool:
        return self._server is not None

    def start(self, port: int = 0) -> None:
        """Listen on 127.0.0.1 (``port`` 0: any free port); a second call changes nothing."""
        with self._lock:
            if self._server is not None:
                return
            if self._closed:
                raise RuntimeError("this Lab is closed: its AWS endpoint cannot start again")
            # The socket ``url`` opened, if any: its address was given out (``port`` unused).
            listener, self._reserved = self._reserved, None
            self._stop_waiting()
            from lambda_lab.api.refusals import endpoint_body_limit, endpoint_refusal
            from lambda_lab.aws.middleware import Middleware
            from lambda_lab.http.shell import ServerShell
            from lambda_lab.http.wsgi_bridge import wsgi_handler

            app = Middleware(self._own, self._moto_app)
            # The shared shell: bounded workers, keep-alive, bodies refused from the header.
            try:
                self._server = ServerShell(
                    _lambda_first(app, wsgi_handler(app)),
                    name="lambda-lab-aws-endpoint",
                    port=port,
                    body_limit=endpoint_body_limit,
                    refuse=endpoint_refusal,
                    workers=ENDPOINT_WORKERS,
                    on_error=_log_error,
                    listener=listener,
                )
            except OSError as exc:
                if listener is not None:
                    listener.close()
                if exc.errno != errno.EADDRINUSE:
                    raise
                raise OSError(
                    f"port {port} on 127.0.0.1 is already in use: choose another one"
                ) from None

    def serve(self, port: int = 0) -> LabEndpoint:
        """Listen for boto3 and the AWS CLI (``lab.serve``): on ``port``, or a clear error when
        that port is taken or this endpoint already listens on another one."""
        try:
            self.start(port)
        except SystemExit:  # werkzeug's server exits the process when the port is taken
            raise OSError(
                f"port {port} on 127.0.0.1 is already in use: choose another one"
            ) from None
        running = int(self.url.rsplit(":", 1)[1])
        if port and running != port:
            raise OSError(
                f"the Lab's endpoint already listens on {self.url}; it cannot move to port {port}"
            )
        return self

    def _moto_app(self) -> Any:
        with self._lock:
            if not self._using_moto:
                moto_backend.acquire()
                self._using_moto = True
        return moto_backend.wsgi_app()

    def worker_environ(self) -> dict[str, str]:
        """What every execution environment needs to reach this endpoint and nothing else."""
        return {"AWS_ENDPOINT_URL": self.url}

    # -- clients ------------------------------------------------------------------------------
    def client(self, service: str, **kwargs: Any) -> Any:
        """A new boto3 (botocore) client for ``service``, bound to this endpoint."""
        if service not in SERVICES:
            raise ValueError(
                f"the Lab serves {', '.join(SERVICES)} (got {service!r}); "
                "other services are not part of the course"
            )
        kwargs.setdefault("region_name", self._region)
        return botocore_session().create_client(
            service,
            endpoint_url=self.url,
            aws_access_key_id=FAKE_KEY_ID,
            aws_secret_access_key=FAKE_SECRET,
            **kwargs,
        )

    def internal(self, service: str) -> Any:
        """A cached client the Lab uses itself (pollers, deliveries); clients are thread-safe."""
        with self._lock:
            found = self._clients.get(service)
        if found is None:
            found = self.client(service)
            with self._lock:
                found = self._clients.setdefault(service, found)
        return found

    # -- the end ------------------------------------------------------------------------------
    def close(self) -> None:
        with self._lock:
            self._closed = True
            server, self._server = self._server, None
            self._stop_waiting()
            if self._reserved is not None:
                self._reserved.close()
                self._reserved = None
            using_moto, self._using_moto = self._using_moto, False
            clients = list(self._clients.values())
            self._clients.clear()
        for client in clients:
            client.close()
        if server is not None:
            server.close()
        if using_moto:
            moto_backend.release()
