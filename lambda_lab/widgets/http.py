"""Request builder: an HTTP request -> the event -> the function's answer -> the HTTP response.

The four stages sit side by side so a learner sees the ALB (or API Gateway, or function
URL) turn HTTP into JSON and back, and what the multi-value toggle changes. The widget is
a thin view: the work is done by the front doors in :mod:`lambda_lab.http`, and the text
of every pane is also kept in ``texts`` so tests read it without a browser.
"""

from __future__ import annotations

import html
import json
import time
from collections.abc import Callable
from typing import Any

from lambda_lab.http import FunctionUrl, HttpApi, LoadBalancer, RestApi, TargetGroup
from lambda_lab.http.alb import MULTI_VALUE_ATTRIBUTE
from lambda_lab.http.common import Exchange, FrontDoor, HttpRequest, HttpResponse, Invoke
from lambda_lab.widgets.guard import closed_html, guarded, is_closed, lab_of
from lambda_lab.widgets.prose import prose

DOORS = {
    "alb": "Application Load Balancer",
    "rest": "API Gateway REST API (payload 1.0)",
    "http": "API Gateway HTTP API (payload 2.0)",
    "url": "Function URL (payload 2.0)",
}
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")
REST_STAGE = "prod"
PANES = ("request", "event", "payload", "response")
_TITLES = (
    "HTTP request",
    "Event the function received",
    "What the function returned",
    "HTTP response",
)


def parse_header_lines(text: str) -> list[tuple[str, str]]:
    """``"Name: value"`` per line, a name may repeat; blank lines are skipped."""
    pairs = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        name, colon, value = line.partition(":")
        if not colon or not name.strip() or any(c.isspace() for c in name.strip()):
            raise ValueError(f"header line {number} must look like 'Name: value' (got {line!r})")
        pairs.append((name.strip(), value.strip()))
    return pairs


def format_request(request: HttpRequest) -> str:
    head = [f"{request.method} {request.target} {request.protocol}"]
    head += [f"{name}: {value}" for name, value in request.headers]
    return "\n".join(head) + "\n\n" + _show_body(request.body)


def format_response(response: HttpResponse) -> str:
    head = [response.status_line()] + [f"{name}: {value}" for name, value in response.headers]
    return "\n".join(head) + "\n\n" + _show_body(response.body)


def format_payload(exchange: Exchange) -> str:
    if exchange.payload is None:
        return f"(the function was not called: {exchange.error_reason})"
    try:
        shown = json.dumps(json.loads(exchange.payload), indent=2)
    except ValueError:
        shown = _show_body(exchange.payload)
    if exchange.function_error:
        shown = f"X-Amz-Function-Error: {exchange.function_error}\n\n{shown}"
    return shown


def _show_body(body: bytes) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        return f"({len(body)} bytes of binary data)"


class HttpRequestBuilder:
    """Compose a request, send it through the chosen front door, read the four stages."""

    def __init__(
        self,
        invoke: Invoke,
        function_name: str,
        door: str = "alb",
        multi_value_headers: bool = False,
        now: Callable[[], float] = time.time,
    ) -> None:
        """``invoke`` is ``lab.invoke`` (or any callable with its contract); pass
        ``now=lab.clock.time`` so events carry the Lab's time."""
        import ipywidgets as w  # lazily: the package must import without widget machinery

        if door not in DOORS:
            raise ValueError(f"door must be one of {', '.join(DOORS)} (got {door!r})")
        self.invoke, self.function_name, self.now = invoke, function_name, now
        self._doors: dict[str, FrontDoor] = {}
        self.last: Exchange | None = None
        self.texts: dict[str, str] = dict.fromkeys(PANES, "")

        self.door = w.Dropdown(
            options=[(label, key) for key, label in DOORS.items()],
            value=door,
            description="Front door",
        )
        self.multi_value = w.Checkbox(
            value=multi_value_headers,
            description="multi-value headers",
            tooltip=MULTI_VALUE_ATTRIBUTE,
        )
        self.method = w.Dropdown(options=METHODS, value="GET", description="Method")
        self.path = w.Text(value="/", description="Path")
        self.query = w.Text(value="", description="Query", placeholder="a=1&a=2 (sent as typed)")
        self.headers = w.Textarea(
            value="Accept: text/html",
            description="Headers",
            placeholder="Name: value, one per line; names may repeat",
        )
        self.body = w.Textarea(value="", description="Body")
        self.send = w.Button(description="Send", button_style="primary")
        self.status = w.HTML()
        self._panes = {name: w.HTML() for name in PANES}
        self.send.on_click(guarded(self.status, self.submit))
        columns = [
            w.VBox(
                [w.HTML(prose(f"<b>{title}</b>")), self._panes[name]],
                layout=w.Layout(width="25%", overflow="auto"),
            )
            for name, title in zip(PANES, _TITLES, strict=True)
        ]
        form = w.VBox(
            [
                w.HBox([self.door, self.multi_value]),
                w.HBox([self.method, self.path]),
                self.query,
                self.headers,
                self.body,
                w.HBox([self.send, self.status]),
            ]
        )
        self.view = w.VBox([form, w.HBox(columns)])

    def front_door(self) -> FrontDoor:
        """The selected door, built once; the toggle sets the target group attribute."""
        kind = self.door.value
        if kind not in self._doors:
            self._doors[kind] = self._build(kind)
        door = self._doors[kind]
        if isinstance(door, LoadBalancer):
            door.default.set_attribute(MULTI_VALUE_ATTRIBUTE, bool(self.multi_value.value))
        return door

    def _build(self, kind: str) -> FrontDoor:
        if kind == "alb":
            group = TargetGroup("lab-targets", self.function_name)
            return LoadBalancer("lab-alb", self.invoke, group, now=self.now)
        if kind == "rest":
            api = RestApi("lab-rest-api", self.invoke, REST_STAGE, now=self.now)
            api.add_route("ANY", "/", self.function_name)
            api.add_route("ANY", "/{proxy+}", self.function_name)
            return api
        if kind == "http":
            http_api = HttpApi("lab-http-api", self.invoke, now=self.now)
            http_api.add_route("$default", self.function_name)
            return http_api
        return FunctionUrl(self.function_name, self.invoke, now=self.now)

    def build_request(self) -> HttpRequest:
        path = self.path.value.strip() or "/"
        if not path.startswith("/"):
            raise ValueError(f"path must start with '/' (got {path!r})")
        if self.door.value == "rest":
            path = f"/{REST_STAGE}{path}"  # REST APIs are reached through their stage
        query = self.query.value.strip().lstrip("?")
        body = self.body.value.encode()
        headers = parse_header_lines(self.headers.value)
        if not any(name.lower() == "host" for name, _ in headers):
            headers.insert(0, ("Host", "localhost"))
        if body and not any(name.lower() == "content-length" for name, _ in headers):
            headers.append(("Content-Length", str(len(body))))
        return HttpRequest.build(
            self.method.value, f"{path}?{query}" if query else path, headers, body
        )

    def submit(self) -> Exchange | None:
        """Send the request; on bad input, or once the Lab behind ``invoke`` is closed, show
        why and send nothing."""
        if is_closed(lab_of(self.invoke)):
            self.status.value = closed_html()
            return None
        try:
            request = self.build_request()
        except ValueError as exc:
            self.status.value = f"<span style='color:#b00'>{html.escape(str(exc))}</span>"
            return None
        exchange = self.front_door().handle(request)
        self.last = exchange
        self.texts = {
            "request": format_request(request),
            "event": json.dumps(exchange.event, indent=2)
            if exchange.event is not None
            else f"(no event: {exchange.error_reason})",
            "payload": format_payload(exchange),
            "response": format_response(exchange.response),
        }
        for name, text in self.texts.items():
            self._panes[name].value = prose(
                "<pre style='white-space:pre-wrap;word-break:normal;overflow-wrap:normal;"
                f"overflow-x:auto'>{html.escape(text)}</pre>"
            )
        reason = f" ({exchange.error_reason})" if exchange.error_reason else ""
        self.status.value = html.escape(exchange.response.status_line() + reason)
        return exchange

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.view._repr_mimebundle_(**kwargs)
