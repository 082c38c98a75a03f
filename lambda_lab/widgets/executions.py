"""Step Functions in pictures: a state machine drawn from its definition, and a console that
starts executions and shows their history, as the Step Functions console does.

    draw_state_machine(definition, events)          # states coloured by what the run did
    ExecutionConsole(sfn, machine_arn, {"amount": 30}).widget

The console's logic is in plain methods (:meth:`start`, :meth:`refresh`) that tests call.
"""

from __future__ import annotations

import html
import io
import json
from typing import Any

from lambda_lab.orchestration.step_functions import history, history_lines, wait_for
from lambda_lab.widgets.guard import guarded
from lambda_lab.widgets.picture import picture
from lambda_lab.widgets.prose import prose

_ENDED_OK = ("TaskStateExited", "PassStateExited", "ChoiceStateExited", "WaitStateExited",
             "ParallelStateExited", "MapStateExited", "SucceedStateExited")  # fmt: skip


def state_outcomes(events: list[dict[str, Any]]) -> dict[str, str]:
    """State name -> "ok", "failed" or "entered" (still running or caught), from a history."""
    found: dict[str, str] = {}
    current = ""
    for event in events:
        details = event.get("stateEnteredEventDetails") or event.get("stateExitedEventDetails")
        if event["type"].endswith("StateEntered") and details:
            current = details["name"]
            found[current] = "entered"
        elif event["type"] in _ENDED_OK and details:
            found[details["name"]] = "ok"
        elif event["type"].endswith(("Failed", "TimedOut")) and current:
            found[current] = "failed"
        elif event["type"] == "FailStateEntered" and details:
            found[details["name"]] = "failed"
    return found


def state_machine_diagram(
    definition: dict[str, Any], events: list[dict[str, Any]] | None = None
) -> Any:
    """The top-level states as a :class:`~lambda_lab.notebook.diagrams.Diagram`, top to bottom
    in the order the machine reaches them; with ``events``, green for states that ran, red
    for the one that failed, grey for the ones never reached."""
    from lambda_lab.notebook.diagrams import Box, Diagram

    states: dict[str, Any] = definition["States"]
    order, depth = [definition["StartAt"]], {definition["StartAt"]: 0}
    arrows: list[tuple[str, str, str]] = []
    for name in order:
        for target, label in _exits(states[name]):
            arrows.append((name, target, label))
            if target not in depth:
                depth[target] = depth[name] + 1
                order.append(target)
    outcomes = state_outcomes(events) if events is not None else {}
    kinds = {"ok": "storage", "failed": "security", "entered": "integration"}  # green, red, pink
    columns: dict[int, int] = {}
    boxes = []
    for name in order:
        level = depth[name]
        column = columns.get(level, 0)
        columns[level] = column + 1
        kind = kinds.get(outcomes.get(name, ""), "client" if events is not None else "compute")
        label = f"{name}\n{states[name]['Type']}"
        boxes.append(Box(name, label, 3.2 * column, -1.5 * level, kind))
    return Diagram("State machine", tuple(boxes), tuple(arrows))


def _exits(state: dict[str, Any]) -> list[tuple[str, str]]:
    found = []
    if "Next" in state:
        found.append((state["Next"], ""))
    for choice in state.get("Choices", []):
        found.append((choice["Next"], "choice"))
    if "Default" in state:
        found.append((state["Default"], "default"))
    for catcher in state.get("Catch", []):
        found.append((catcher["Next"], "catch " + "/".join(catcher["ErrorEquals"])))
    return found


def draw_state_machine(definition: dict[str, Any], events: list[dict[str, Any]] | None = None,
                       axes: Any = None) -> Any:  # fmt: skip
    import matplotlib.pyplot as plt

    from lambda_lab.notebook.diagrams import draw

    diagram = state_machine_diagram(definition, events)
    if axes is None:
        levels = max(-b.y for b in diagram.boxes) / 1.5 + 1
        _, axes = plt.subplots(figsize=(7, 1.3 * levels + 0.8))
    return draw(diagram, axes)


class ExecutionConsole:
    def __init__(
        self, sfn: Any, state_machine_arn: str, execution_input: Any = None, lab: Any = None
    ) -> None:
        """``lab``, when given, lets the console say "Lab closed." after the lesson's clean-up
        instead of the client's connection error."""
        import ipywidgets as widgets

        self.sfn, self.arn = sfn, state_machine_arn
        self.definition = json.loads(
            sfn.describe_state_machine(stateMachineArn=state_machine_arn)["definition"]
        )
        self.input = widgets.Textarea(value=json.dumps({} if execution_input is None else execution_input),
                                      description="input", layout=widgets.Layout(width="60%"))  # fmt: skip
        start = widgets.Button(description="Start execution", icon="play", button_style="primary",
                               layout=widgets.Layout(width="auto"))  # fmt: skip
        self.status = widgets.HTML("<i>no execution yet</i>")
        start.on_click(guarded(self.status, self.start, lab))  # failures shown in the console
        self.events = widgets.HTML()
        self.picture = picture()
        self.executions: list[str] = []
        self.widget = widgets.VBox([widgets.HBox([self.input, start]), self.status,
                                    widgets.HBox([self.picture, self.events])])  # fmt: skip

    def start(self, execution_input: Any = None, timeout_s: float = 60.0) -> dict[str, Any]:
        """Start an execution, wait for its end, and show its history; returns DescribeExecution."""
        text = self.input.value if execution_input is None else json.dumps(execution_input)
        started = self.sfn.start_execution(stateMachineArn=self.arn, input=text)
        self.executions.append(started["executionArn"])
        described = wait_for(self.sfn, started["executionArn"], timeout_s)
        self.refresh()
        return described

    def refresh(self) -> None:
        import matplotlib.pyplot as plt

        if not self.executions:
            return
        arn = self.executions[-1]
        described = self.sfn.describe_execution(executionArn=arn)
        events = history(self.sfn, arn)
        ended = described.get("output") or f"{described.get('error')}: {described.get('cause', '')}"
        figure, axes = plt.subplots(figsize=(5, 1.2 * len(self.definition["States"]) + 0.8))
        draw_state_machine(self.definition, events, axes)
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=80, bbox_inches="tight")
        plt.close(figure)
        # The picture first: once the status says how the run ended, the picture is this run's.
        self.picture.value = buffer.getvalue()
        self.events.value = prose(
            "<pre>" + html.escape("\n".join(history_lines(events))) + "</pre>"
        )
        self.status.value = (f"<b>{html.escape(described['status'])}</b> "
                             f"<code>{html.escape(str(ended)[:300])}</code>")  # fmt: skip

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget)
