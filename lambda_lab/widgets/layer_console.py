"""A console for a function's package and its layers: what lands in /var/task and /opt.

    from lambda_lab.widgets.layer_console import LayerConsole
    LayerConsole(lab, "report").widget

It lists the function's own files (its ZIP, unpacked read-only at /var/task) and its layers
in the order they apply, shows which layer each top-level entry of /opt comes from (a later
layer's file hides an earlier one's), draws the unzipped sizes against the 250 MB limit,
and has buttons to add, remove and reorder layers (UpdateFunctionConfiguration's
``Layers``) and to invoke the function. The logic is :func:`package_view` and plain methods
(:meth:`attach`, :meth:`detach`, :meth:`move_earlier`, :meth:`invoke`) that tests call.
"""

from __future__ import annotations

import html
import io
import zipfile
from dataclasses import dataclass, field
from typing import Any

from lambda_lab import limits
from lambda_lab.widgets.guard import guarded
from lambda_lab.widgets.picture import picture
from lambda_lab.widgets.prose import prose

MB = 1024 * 1024


@dataclass
class LayerView:
    arn: str
    files: dict[str, int]  # path inside the layer's ZIP -> unzipped bytes

    @property
    def label(self) -> str:
        """``name:version``, the short form a learner reads."""
        parts = self.arn.split(":")
        return f"{parts[-2]}:{parts[-1]}"

    @property
    def size(self) -> int:
        return sum(self.files.values())


@dataclass
class PackageView:
    """What one function's environment holds, read from the Lambda API as AWS shows it."""

    function_name: str
    runtime: str
    code: dict[str, int]  # path in /var/task -> unzipped bytes
    layers: list[LayerView]
    opt: dict[str, str] = field(default_factory=dict)  # top-level /opt entry -> layer label
    hidden: list[tuple[str, str, str]] = field(default_factory=list)  # entry, hidden, winner

    @property
    def unzipped_bytes(self) -> int:
        return sum(self.code.values()) + sum(layer.size for layer in self.layers)


def _entries(location: str) -> dict[str, int]:
    """The files of a ZIP that the API's ``Location`` points at (``file://`` in the Lab)."""
    path = location.removeprefix("file://")
    with zipfile.ZipFile(path) as archive:
        return {i.filename: i.file_size for i in archive.infolist() if not i.is_dir()}


def top_entry(path: str) -> str:
    """The entry of /opt a file belongs to: ``python/yaml/`` for ``python/yaml/nodes.py``,
    ``python/greeting.py`` for a module directly under python/ (site-packages likewise)."""
    parts = path.split("/")
    depth = 1
    if parts[0] == "python":
        depth = 5 if parts[1:2] == ["lib"] and len(parts) > 4 else 2
    if len(parts) <= depth:
        return path
    return "/".join(parts[:depth]) + "/"


def package_view(client: Any, function_name: str) -> PackageView:
    """The function's code and layers through GetFunction and GetLayerVersionByArn."""
    function = client.get_function(FunctionName=function_name)
    config = function["Configuration"]
    layers = [
        LayerView(
            entry["Arn"],
            _entries(client.get_layer_version_by_arn(Arn=entry["Arn"])["Content"]["Location"]),
        )  # fmt: skip
        for entry in config.get("Layers", [])
    ]
    view = PackageView(function_name, str(config.get("Runtime", "")),
                       _entries(function["Code"]["Location"]), layers)  # fmt: skip
    for layer in layers:  # in order: a later layer's entry replaces an earlier one's
        for entry in sorted({top_entry(path) for path in layer.files}):
            if entry in view.opt and view.opt[entry] != layer.label:
                view.hidden.append((entry, view.opt[entry], layer.label))
            view.opt[entry] = layer.label
    return view


def size_picture(view: PackageView, axes: Any = None) -> Any:
    """One stacked bar: the code and each layer, unzipped, against the 250 MB limit."""
    import matplotlib.pyplot as plt

    if axes is None:
        _, axes = plt.subplots(figsize=(7, 1.6))
    parts = [("code (/var/task)", sum(view.code.values()))]
    parts += [(f"layer {layer.label}", layer.size) for layer in view.layers]
    left = 0.0
    colors = ["#ff9900", "#1565c0", "#7aa116", "#8e24aa", "#00897b", "#6d4c41"]
    for (label, size), color in zip(parts, colors):
        axes.barh([0], [size / MB], left=left, color=color, label=f"{label}: {size / MB:.2f} MB")
        left += size / MB
    limit = limits.UNZIPPED_MAX_BYTES / MB
    axes.axvline(limit, color="#d32f2f", linestyle="--")
    axes.text(limit, 0.45, " 250 MB limit", color="#d32f2f", fontsize=8, va="bottom", ha="right")
    axes.set_xlim(0, limit * 1.02)
    axes.set_yticks([])
    axes.set_xlabel("unzipped MB (code + layers)")
    axes.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    return axes


class LayerConsole:
    def __init__(self, lab: Any, function_name: str, event: Any = None) -> None:
        import ipywidgets as w

        self.lab, self.function_name, self.event = lab, function_name, event or {}
        self.client = lab.client("lambda")
        self.contents = w.HTML()
        self.picture = picture(width="720px")
        self.available = w.Dropdown(description="Layer", layout=w.Layout(width="320px"))
        self.attached = w.Dropdown(description="Attached", layout=w.Layout(width="320px"))
        fits = w.Layout(width="auto")  # the buttons name a layer: as wide as their words
        self.add = add = w.Button(description="Add layer", icon="plus", layout=fits)
        self.remove = remove = w.Button(description="Remove", icon="minus", layout=fits)
        self.earlier = earlier = w.Button(description="Move earlier", icon="arrow-up", layout=fits)
        run = w.Button(description="Invoke", icon="play", button_style="warning")
        self.result = w.HTML()
        # Through guarded: a closed Lab or a failure is said in the console, not in a log.
        add.on_click(guarded(self.result, lambda: self.available.value
                             and self.attach(self.available.value), lab))  # fmt: skip
        remove.on_click(guarded(self.result, lambda: self.attached.value
                                and self.detach(self.attached.value), lab))  # fmt: skip
        earlier.on_click(guarded(self.result, lambda: self.attached.value
                                 and self.move_earlier(self.attached.value), lab))  # fmt: skip
        run.on_click(guarded(self.result, self.invoke, lab))
        self._refreshing = False
        self.attached.observe(self._name_the_choice, names="label")
        self.available.observe(self._name_the_choice, names="label")
        self.widget = w.VBox([
            self.contents, self.picture, w.HBox([self.available, add]),
            w.HBox([self.attached, remove, earlier], layout=w.Layout(flex_flow="row wrap")),
            run, self.result,
        ])  # fmt: skip
        self.refresh()

    # -- what the buttons do ----------------------------------------------------------------
    def layers(self) -> list[str]:
        config = self.client.get_function_configuration(FunctionName=self.function_name)
        return [entry["Arn"] for entry in config.get("Layers", [])]

    def set_layers(self, arns: list[str]) -> str:
        """UpdateFunctionConfiguration with these Layers; Lambda's refusal becomes the note."""
        from botocore.exceptions import ClientError

        settle = self.lab.lifecycle.settle  # one update at a time, as Lambda allows
        try:
            settle(self.function_name)
            self.client.update_function_configuration(FunctionName=self.function_name, Layers=arns)
            settle(self.function_name)
        except ClientError as refused:
            error = refused.response["Error"]
            note = f"{error['Code']}: {error['Message']}"
        else:
            note = "Layers: " + (", ".join(LayerView(a, {}).label for a in arns) or "none")
        self.refresh(note)
        return note

    def attach(self, arn: str) -> str:
        return self.set_layers([*self.layers(), arn])

    def detach(self, arn: str) -> str:
        return self.set_layers([a for a in self.layers() if a != arn])

    def move_earlier(self, arn: str) -> str:
        arns = self.layers()
        at = arns.index(arn)
        if at > 0:
            arns[at - 1], arns[at] = arns[at], arns[at - 1]
        return self.set_layers(arns)

    def invoke(self) -> str:
        """One synchronous invoke; the answer, or the error type and message, in one line."""
        result = self.lab.invoke(self.function_name, self.event)
        if result.function_error:
            body = result.value if isinstance(result.value, dict) else {}
            line = f"{body.get('errorType', 'Error')}: {body.get('errorMessage', '')}"
            self.result.value = (
                f'<span style="color:#d13212"><b>Failed</b> {html.escape(line)}</span>'
            )
        else:
            line = f"returned {result.value!r}"
            self.result.value = (
                f'<span style="color:#1d8102"><b>Succeeded</b> {html.escape(line)}</span>'
            )
        return line

    # -- the view ---------------------------------------------------------------------------
    def _name_the_choice(self, _change: Any = None) -> None:
        """The buttons name the layer they act on, as the kernel last heard it: the learner
        sees what Remove will remove before pressing it."""
        if self._refreshing:  # new options pass through the first one: name the last
            return
        chosen, adding = self.attached.label, self.available.label
        self.remove.description = f"Remove {chosen}" if chosen else "Remove"
        self.earlier.description = f"Move {chosen} earlier" if chosen else "Move earlier"
        self.add.description = f"Add {adding}" if adding else "Add layer"

    def refresh(self, note: str = "") -> PackageView:
        import matplotlib.pyplot as plt

        view = package_view(self.client, self.function_name)
        options = []
        for layer in self.client.list_layers()["Layers"]:
            for version in self.client.list_layer_versions(LayerName=layer["LayerName"])[
                "LayerVersions"
            ]:
                options.append((LayerView(version["LayerVersionArn"], {}).label,
                                version["LayerVersionArn"]))  # fmt: skip
        chosen, attached_before = self.available.value, self.attached.value
        self._refreshing = True
        try:
            self.available.options = options
            arns = [arn for _, arn in options]
            if arns:  # keep the learner's choice while it still exists
                self.available.value = chosen if chosen in arns else arns[0]
            self.attached.options = [(layer.label, layer.arn) for layer in view.layers]
            if view.layers:  # the layer just moved stays chosen, so it can be moved again
                attached = [layer.arn for layer in view.layers]
                self.attached.value = (
                    attached_before if attached_before in attached else attached[0]
                )
        finally:
            self._refreshing = False
        self._name_the_choice()
        self.contents.value = prose(_describe(view, note))
        figure, axes = plt.subplots(figsize=(7, 1.4))
        size_picture(view, axes)
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=100, bbox_inches="tight")
        plt.close(figure)
        self.picture.value = buffer.getvalue()
        return view

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget)


def _describe(view: PackageView, note: str) -> str:
    code = ", ".join(f"<code>{html.escape(p)}</code>" for p in sorted(view.code)[:8])
    if len(view.code) > 8:
        code += f" and {len(view.code) - 8} more"
    rows = "".join(
        f"<li><code>/opt/{html.escape(entry)}</code> from {html.escape(label)}</li>"
        for entry, label in sorted(view.opt.items())[:12]
    )
    if len(view.opt) > 12:
        rows += f"<li>and {len(view.opt) - 12} more</li>"
    hidden = "".join(
        f"<li><code>/opt/{html.escape(entry)}</code> of {html.escape(lost)} is hidden by "
        f"{html.escape(won)}</li>"
        for entry, lost, won in view.hidden
    )
    order = " → ".join(html.escape(layer.label) for layer in view.layers) or "no layers"
    return (
        f"<b>{html.escape(view.function_name)}</b> ({html.escape(view.runtime)})"
        f"{' · ' + html.escape(note) if note else ''}<br>"
        f"<b>/var/task</b> (read-only): {code}<br>"
        f"<b>Layers, in order:</b> {order}"
        + (f"<ul style='margin:0'>{rows}</ul>" if rows else "")
        + (f"<b>Hidden by a later layer:</b><ul style='margin:0'>{hidden}</ul>" if hidden else "")
        + f"<small>unzipped: {view.unzipped_bytes / MB:.2f} MB of "
        f"{limits.UNZIPPED_MAX_BYTES // MB} MB</small>"
    )
