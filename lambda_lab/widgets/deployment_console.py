"""A console for a CodeDeploy traffic shift: send traffic, move the clock, watch the alias.

    from lambda_lab.widgets.deployment_console import DeploymentConsole
    DeploymentConsole(lab, "checkout", "live").widget

Buttons: "Send 20 requests" (through the alias), "+1 minute" (virtual clock only). Below
them: where the alias points and its weights, the latest deployment's story, and a picture
of the share of traffic on the new version and the errors per minute. The logic is in plain
methods (:meth:`send`, :meth:`advance`, :meth:`refresh`) that tests call directly.
"""

from __future__ import annotations

import html
import io
from typing import Any

from lambda_lab.widgets.guard import guarded
from lambda_lab.widgets.picture import picture
from lambda_lab.widgets.prose import prose


def deployment_picture(deployment: Any, records: list[Any], axes: Any = None) -> Any:
    """Percent of traffic on the new version (a step line) and errors per minute (bars)."""
    import matplotlib.pyplot as plt

    if axes is None:
        _, axes = plt.subplots(figsize=(8, 3))
    start = deployment.created
    shifts = [(0.0, 0)] + [((at - start) / 60, percent) for at, percent in deployment.shifts]
    end = ((deployment.completed or max([start, *[r.start for r in records]])) - start) / 60
    shifts.append((max(end, shifts[-1][0], 1.0) + 0.5, shifts[-1][1]))
    axes.step([t for t, _ in shifts], [p for _, p in shifts], where="post", color="#1565c0",
              label=f"% of calls on version {deployment.to_version}")  # fmt: skip
    errors: dict[int, int] = {}
    for record in records:
        if record.start >= start and record.outcome != "success":
            minute = int((record.start - start) // 60)
            errors[minute] = errors.get(minute, 0) + 1
    if errors:
        other = axes.twinx()
        other.bar([m + 0.5 for m in errors], list(errors.values()), width=0.6, color="#d32f2f",
                  alpha=0.5, label="errors per minute")  # fmt: skip
        other.set_ylabel("errors per minute", color="#d32f2f")
    axes.set_ylim(0, 105)
    axes.set_xlabel("minutes since the deployment started")
    axes.set_ylabel("% of traffic")
    axes.set_title(f"{deployment.deployment_id}: {deployment.status}", fontsize=10)
    axes.legend(loc="upper left", fontsize=8)
    return axes


class DeploymentConsole:
    def __init__(self, lab: Any, function_name: str, alias: str, requests: int = 20) -> None:
        import ipywidgets as widgets

        self.lab, self.function_name, self.alias, self.requests = (
            lab,
            function_name,
            alias,
            requests,
        )
        self.status = widgets.HTML()
        self.story = widgets.HTML()
        self.picture = picture()
        send = widgets.Button(
            description=f"Send {requests} requests",
            icon="paper-plane",
            button_style="primary",
            layout=widgets.Layout(width="auto"),
        )
        minute = widgets.Button(description="+1 minute", icon="clock-o")
        # A closed Lab or a failed call is said in the console's own status line.
        send.on_click(guarded(self.status, self.send, lab))
        minute.on_click(guarded(self.status, lambda: self.advance(1), lab))
        minute.disabled = not lab.clock.virtual
        self.buttons = (send, minute)
        self.widget = widgets.VBox([widgets.HBox(list(self.buttons)), self.status, self.story,
                                    self.picture])  # fmt: skip
        self.refresh()

    def deployment(self) -> Any:
        mine = [d for d in self.lab.deployments.all() if d.function_name == self.function_name]
        return mine[-1] if mine else None

    def send(self, count: int | None = None) -> dict[str, int]:
        """Invoke through the alias; returns how many calls ran on each version."""
        ran: dict[str, int] = {}
        for _ in range(count or self.requests):
            result = self.lab.invoke(self.function_name, {}, qualifier=self.alias)
            key = result.executed_version + (" (failed)" if result.function_error else "")
            ran[key] = ran.get(key, 0) + 1
        self.refresh("sent: " + ", ".join(f"version {k}: {v}" for k, v in sorted(ran.items())))
        return ran

    def advance(self, minutes: float = 1) -> None:
        self.lab.clock.advance(minutes=minutes)
        self.refresh(f"the clock moved {minutes:g} minute(s)")

    def refresh(self, note: str = "") -> None:
        alias = self.lab.client("lambda").get_alias(
            FunctionName=self.function_name, Name=self.alias
        )
        weights = alias.get("RoutingConfig", {}).get("AdditionalVersionWeights", {})
        split = ", ".join(f"{w:.0%} to version {v}" for v, w in weights.items())
        deployment = self.deployment()
        if deployment is not None:  # the picture first, so the text never runs ahead of it
            import matplotlib.pyplot as plt

            figure, axes = plt.subplots(figsize=(8, 3))
            deployment_picture(deployment, self.lab.records.for_function(self.function_name), axes)
            buffer = io.BytesIO()
            figure.savefig(buffer, format="png", dpi=80, bbox_inches="tight")
            plt.close(figure)
            self.picture.value = buffer.getvalue()
        self.story.value = (
            "<i>no deployment yet</i>" if deployment is None
            else prose(f"<pre>{html.escape(deployment.describe())}</pre>")
        )  # fmt: skip
        self.status.value = (
            f"alias <b>{html.escape(self.alias)}</b> → version {alias['FunctionVersion']}"
            + (f" ({html.escape(split)})" if split else "")
            + (f" · {html.escape(note)}" if note else "")
        )

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget)
