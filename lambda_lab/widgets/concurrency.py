"""The "cog wheels" demo, for real: click an event source, watch execution environments appear.

    from lambda_lab.widgets.concurrency import ConcurrencyDashboard
    ConcurrencyDashboard(lab)            # deploys a small function that works for 2 s

Each click sends one event, invoked on a thread of its own, to a function that works for
``work_s`` seconds. Click slowly and one environment serves every event (warm starts);
click faster than it can finish and Lambda (here, the Lab) starts more environments side
by side: each wheel is one environment, spinning while it serves, grey while idle, faded
once ended. Throttles (reserved concurrency, the account limit) and the running cost of
what ran are shown under the wheels. Once the Lab is closed, the dashboard says so above
the wheels and sends nothing.

The logic is :class:`ConcurrencyBoard`, plain Python a test drives by calling ``fire`` or
clicking the dashboard's buttons; :class:`ConcurrencyDashboard` only draws its state.
"""

from __future__ import annotations

import functools
import html
import threading
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from lambda_lab.errors import LambdaError
from lambda_lab.widgets.guard import check_open, closed_html, guarded, is_closed, problem_html
from lambda_lab.widgets.prose import prose

if TYPE_CHECKING:
    from lambda_lab.lab import Lab

__all__ = ["ConcurrencyBoard", "ConcurrencyDashboard", "BoardState", "Wheel", "SOURCES"]

# Event sources as the lectures draw them, with a tiny event of each one's shape.
SOURCES: dict[str, dict[str, Any]] = {
    "S3 upload": {"Records": [{"eventSource": "aws:s3", "s3": {"object": {"key": "photo.jpg"}}}]},
    "API request": {"httpMethod": "GET", "path": "/orders", "requestContext": {"stage": "prod"}},
    "SQS message": {"Records": [{"eventSource": "aws:sqs", "body": "order 42"}]},
    "Schedule": {"source": "aws.events", "detail-type": "Scheduled Event"},
}
DEMO_FUNCTION = "cog-wheels"
_DEMO_CODE = """import time

def handler(event, context):
    time.sleep(float(event.get("work_s", 2)))  # the work each event needs
    return {"done": True}
"""


@dataclass(frozen=True)
class Wheel:
    """One execution environment as the board shows it."""

    env_id: str
    state: str  # starting | serving | idle | ended
    served: int  # invocations it ran
    provisioned: bool


@dataclass(frozen=True)
class BoardState:
    wheels: tuple[Wheel, ...]
    sent: int  # events sent by clicks
    succeeded: int
    throttled: dict[str, int]  # Reason -> count (429 TooManyRequestsException only)
    in_flight: int
    peak: int  # most environments alive at once, as seen by the board
    cost: Decimal  # what ran so far, no free tier
    last_problem: str = ""
    failed: int = 0  # invocations refused for another reason than a throttle

    @property
    def alive(self) -> int:
        return sum(w.state != "ended" for w in self.wheels)

    def count(self, state: str) -> int:
        return sum(w.state == state for w in self.wheels)


@dataclass
class _Tally:
    sent: int = 0
    succeeded: int = 0
    throttled: dict[str, int] = field(default_factory=dict)
    last_problem: str = ""
    failed: int = 0


class ConcurrencyBoard:
    """Sends events to one function on threads and reports its environments."""

    def __init__(self, lab: Lab, function_name: str | None = None, *, work_s: float = 2.0) -> None:
        if function_name is None:
            function_name = DEMO_FUNCTION
            if function_name not in lab.functions:
                lab.deploy(function_name, _DEMO_CODE, handler="lambda_function.handler", Timeout=30)
        lab.functions.get(function_name)  # ResourceNotFoundException for an unknown name
        self.lab = lab
        self.function_name = function_name
        self.work_s = work_s
        self._tally = _Tally()
        self._seen: dict[str, Wheel] = {}  # every environment the board has shown
        self._peak = 0
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()
        self.on_change: list[Any] = []  # callables run after each invocation ends

    def fire(self, source: str = "API request") -> threading.Thread:
        """Send one event from ``source``; the invocation runs on its own thread."""
        check_open(self.lab)  # a closed Lab would refuse every event: not a throttle
        if source not in SOURCES:
            raise ValueError(
                f"unknown event source {source!r}; expected one of {', '.join(SOURCES)}"
            )
        event = dict(SOURCES[source], work_s=self.work_s)
        with self._lock:
            self._tally.sent += 1
        thread = threading.Thread(
            target=self._invoke, args=(event,), name="lambda-lab-cog", daemon=True
        )
        with self._lock:
            self._threads = [t for t in self._threads if t.is_alive()] + [thread]
        thread.start()
        return thread

    def _invoke(self, event: dict[str, Any]) -> None:
        try:
            self.lab.invoke(self.function_name, event)
            with self._lock:
                self._tally.succeeded += 1
        except LambdaError as exc:
            reason = exc.members.get("Reason", exc.code)
            with self._lock:
                if exc.code == "TooManyRequestsException":
                    self._tally.throttled[reason] = self._tally.throttled.get(reason, 0) + 1
                    self._tally.last_problem = f"{exc.code} ({reason})"
                else:
                    self._tally.failed += 1
                    self._tally.last_problem = f"{exc.code}: {exc.message}"
        for callback in list(self.on_change):
            callback()

    def wait(self, timeout_s: float = 60.0) -> None:
        """Until every event sent so far has been answered."""
        with self._lock:
            threads = list(self._threads)
        for thread in threads:
            thread.join(timeout_s)

    def state(self) -> BoardState:
        """What to draw now: environments alive and ended, counts and cost."""
        alive = {env.env_id: env for env in self.lab.environments(self.function_name)}
        with self._lock:
            for env_id, env in alive.items():
                status = {"starting": "starting", "busy": "serving", "ready": "idle"}.get(
                    env.state.value, "ended"
                )
                self._seen[env_id] = Wheel(
                    env_id,
                    status,
                    env.invocations,
                    env.initialization_type == "provisioned-concurrency",
                )
            for env_id, wheel in self._seen.items():
                if env_id not in alive and wheel.state != "ended":
                    self._seen[env_id] = Wheel(env_id, "ended", wheel.served, wheel.provisioned)
            self._peak = max(self._peak, len(alive))
            tally = self._tally
            return BoardState(
                wheels=tuple(self._seen.values()),
                sent=tally.sent,
                succeeded=tally.succeeded,
                throttled=dict(tally.throttled),
                in_flight=self.lab.concurrency.in_flight(self.function_name),
                peak=self._peak,
                cost=self.lab.bill(function=self.function_name, free_tier=False).total
                if self.lab.records.for_function(self.function_name)
                else Decimal(0),
                last_problem=tally.last_problem,
                failed=tally.failed,
            )


_STYLE = """<style>
.ll-cogs{display:flex;flex-wrap:wrap;gap:6px;min-height:64px;align-items:center}
.ll-cog{font-size:40px;line-height:44px;text-align:center;width:52px}
.ll-cog small{display:block;font-size:10px;line-height:12px;color:#555}
.ll-serving span{display:inline-block;color:#e07b39;animation:ll-spin 1s linear infinite}
.ll-starting span{color:#f2b134}.ll-idle span{color:#3b7dd8}.ll-ended span{color:#bbb;opacity:.45}
@keyframes ll-spin{from{transform:rotate(0)}to{transform:rotate(360deg)}}
</style>"""


def render(state: BoardState) -> str:
    """The wheels and the figures as HTML (what the dashboard shows)."""
    cogs = (
        "".join(
            f'<div class="ll-cog ll-{w.state}" title="environment {html.escape(w.env_id[:8])}">'
            f"<span>&#9881;</span><small>{w.state}{' PC' if w.provisioned else ''} &middot; {w.served}</small></div>"
            for w in state.wheels
        )
        or "<i>no execution environment yet: click an event source</i>"
    )
    throttles = sum(state.throttled.values())
    reasons = ", ".join(f"{n} {html.escape(r)}" for r, n in state.throttled.items())
    from lambda_lab.pricing.bill import format_usd

    figures = (
        f"<b>{state.alive}</b> environments alive ({state.count('serving')} serving, {state.count('idle')} idle, "
        f"{state.count('starting')} starting), {state.count('ended')} ended &middot; peak {state.peak} &middot; "
        f"events sent {state.sent}, succeeded {state.succeeded}, "
        f'<span style="color:#d13212">throttled {throttles}{" (" + reasons + ")" if reasons else ""}</span>'
        f" &middot; cost so far <b>{format_usd(state.cost)}</b> (no free tier)"
    )
    if state.failed:
        figures += (
            f'<br><span style="color:#d13212">{state.failed} refused for another reason; '
            f"last: {html.escape(state.last_problem)}</span>"
        )
    return f'{_STYLE}<div class="ll-cogs">{cogs}</div><div>{figures}</div>'


class ConcurrencyDashboard:
    """Buttons for event sources over the wheels; ``.widget`` is what the notebook displays."""

    def __init__(
        self,
        lab: Lab,
        function_name: str | None = None,
        *,
        work_s: float = 2.0,
        sources: tuple[str, ...] = tuple(SOURCES),
        auto_refresh_s: float | None = 0.5,
    ) -> None:
        import ipywidgets as w

        self.board = ConcurrencyBoard(lab, function_name, work_s=work_s)
        whole = w.Layout(width="auto")  # the whole label, never "SQS mes…" in a narrow notebook
        self.buttons = {
            name: w.Button(description=name, icon="bolt", layout=whole) for name in sources
        }
        self.status = w.HTML()  # what went wrong with the last click, if anything
        for name, button in self.buttons.items():
            click = functools.partial(self.click, name)
            button.on_click(guarded(self.status, click, self.board.lab))
        self.refresh_button = w.Button(description="Refresh", icon="refresh", layout=whole)
        self.refresh_button.on_click(guarded(self.status, self.refresh))
        self.view = w.HTML()
        self.widget = w.VBox(
            [
                w.HBox(
                    [*self.buttons.values(), self.refresh_button],
                    layout=w.Layout(flex_flow="row wrap"),
                ),
                self.status,
                self.view,
            ]
        )
        self.board.on_change.append(self.refresh)
        self._stop = threading.Event()
        self._ticker: threading.Thread | None = None
        if auto_refresh_s:  # redraws while open, so wheels spin down and end on their own
            self._ticker = threading.Thread(
                target=self._tick,
                args=(auto_refresh_s,),
                daemon=True,
                name="lambda-lab-cog-refresh",
            )
            self._ticker.start()
        self.refresh()

    def click(self, source: str) -> None:
        self.status.value = ""
        self.board.fire(source)
        self.refresh()

    def refresh(self) -> BoardState:
        state = self.board.state()
        self.view.value = prose(render(state))
        if is_closed(self.board.lab):
            self.status.value = closed_html()
        return state

    def _tick(self, every_s: float) -> None:
        while not self._stop.wait(every_s):
            try:
                self.refresh()
            except Exception as error:  # e.g. a redraw racing the Lab's close
                lab_gone = is_closed(self.board.lab)
                self.status.value = closed_html() if lab_gone else problem_html(error)
                return
            if is_closed(self.board.lab):
                return  # the last redraw said so: nothing will change any more

    def close(self) -> None:
        """Stop redrawing and wait for the events still running."""
        self._stop.set()
        if self._ticker is not None:
            self._ticker.join()
        self.board.wait()

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget)
