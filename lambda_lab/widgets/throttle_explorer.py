"""Throttling explorer: sliders for a stage's rate and burst and for a client's traffic; each
run sends the requests through a real REST API door on a virtual clock and plots the bucket.

A thin view over :meth:`ThrottleExplorer.run`, which a test calls without a browser: it sets
the stage's throttle (UpdateStage), sends ``client_rate`` requests a second for ``seconds``
through the door, advancing the Lab's virtual clock between them, and returns what each
request got (200 or 429) and the tokens left after it. Once the door's Lab is closed, the
explorer says so instead of counting failed requests as throttled.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

from lambda_lab.widgets.guard import LabClosed, guarded
from lambda_lab.widgets.picture import picture

__all__ = ["ThrottleExplorer", "Shot"]


@dataclass(frozen=True)
class Shot:
    time: float  # seconds since the run started
    status: int
    tokens: float  # left in the stage's bucket after the request


class ThrottleExplorer:
    """``ThrottleExplorer(door, clock, "GET /items")``; ``.widget`` to display."""

    def __init__(
        self,
        door: Any,
        clock: Any,
        route_key: str,
        *,
        stage: str | None = None,
        rate: int = 2,
        burst: int = 5,
        client_rate: int = 10,
        seconds: int = 3,
    ) -> None:
        import ipywidgets as widgets

        if not getattr(clock, "virtual", False):
            raise ValueError("the explorer moves time itself: give it a Lab(clock='virtual')")
        self.door, self.clock, self.route_key = door, clock, route_key
        self.stage = stage or door.api.stage
        self.method, _, self.path = route_key.partition(" ")

        def slider(label: str, value: int, high: int) -> Any:
            return widgets.IntSlider(
                value=value, min=0, max=high, description=label,
                style={"description_width": "11em"}, layout=widgets.Layout(width="26em"),
            )  # fmt: skip

        self.rate = slider("stage rate (req/s)", rate, 20)
        self.burst = slider("stage burst", burst, 20)
        self.client_rate = slider("client sends (req/s)", client_rate, 30)
        self.seconds = slider("for (seconds)", seconds, 5)
        self.send = widgets.Button(description="Send", button_style="primary")
        self.summary = widgets.HTML()
        self.plot = picture()
        self.send.on_click(guarded(self.summary, self.refresh))
        self.shots: list[Shot] = []
        controls = widgets.VBox([self.rate, self.burst, self.client_rate, self.seconds, self.send])
        self.widget = widgets.VBox([controls, self.summary, self.plot])

    def run(self) -> list[Shot]:
        """Configure the stage, send the traffic, return what every request got."""
        if getattr(self.door, "closed", False):  # closed with its Lab
            raise LabClosed()
        limit = {"rateLimit": self.rate.value, "burstLimit": self.burst.value}
        self.door.api.update_stage(self.stage, method_throttle={self.route_key: limit})
        bucket_owner = self.door.api.stages[self.stage]
        shots: list[Shot] = []
        count = self.client_rate.value * self.seconds.value
        gap = 1.0 / self.client_rate.value if self.client_rate.value else 0.0
        start = self.clock.time()
        for index in range(count):
            target = start + index * gap
            if target > self.clock.time():
                self.clock.advance(target - self.clock.time())
            status = self.door.request(self.method, self.path, stage=self.stage).response.status
            settings = bucket_owner.method_limit(self.route_key)
            tokens = bucket_owner.buckets.get((self.route_key,), settings).tokens
            shots.append(Shot(round(target - start, 3), status, tokens))
        self.clock.advance(max(0.0, start + self.seconds.value - self.clock.time()))
        self.shots = shots
        return shots

    def refresh(self) -> list[Shot]:
        shots = self.run()
        passed = sum(s.status == 200 for s in shots)
        throttled = sum(s.status == 429 for s in shots)
        self.summary.value = (
            f"<b>{len(shots)}</b> requests: <b>{passed}</b> answered 200, "
            f"<b>{throttled}</b> answered 429 Too Many Requests"
        )
        others = len(shots) - passed - throttled
        if others:  # e.g. the function failed: not the stage's throttle at work
            self.summary.value += f", <b>{others}</b> answered something else"
        self.plot.value = self._png(shots)
        return shots

    def _png(self, shots: list[Shot]) -> bytes:
        import matplotlib

        matplotlib.use("Agg", force=False)
        import matplotlib.pyplot as plt

        figure, axis = plt.subplots(figsize=(8, 3))
        axis.step([s.time for s in shots], [s.tokens for s in shots], where="post",
                  color="#3b7dd8", label="tokens left")  # fmt: skip
        for status, colour, label in ((200, "#2e9e44", "200"), (429, "#d13212", "429")):
            times = [s.time for s in shots if s.status == status]
            axis.scatter(times, [-0.4] * len(times), color=colour, marker="|", s=200, label=label)
        axis.set_xlabel("seconds")
        axis.set_ylabel("tokens")
        axis.set_title(f"rate {self.rate.value}/s, burst {self.burst.value}")
        axis.legend(loc="upper left", bbox_to_anchor=(1.01, 1))
        figure.tight_layout()
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=80)
        plt.close(figure)
        return buffer.getvalue()
