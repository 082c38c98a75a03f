"""Run All, then every widget: what many learners do first, in a real browser.

Debian's Chromium, driven by Playwright, against a JupyterLab server holding a copy of the
lessons (one per test worker that runs these: each lesson is a work unit of its own, see
conftest.py). For each lesson: Run All Cells, then at least one interaction with every
widget (buttons, sliders, boxes, text), and the widget's own output must show that it
worked, or say why not (a revealed prediction). Then the lesson's clean-up step is pressed, every widget over the
Lab is tried again and must say in its own view that the Lab is closed. Last, the kernel is
shut down and no process it started may be left.

All the while a thread samples the resident memory of the kernel's whole process tree (the
Lab's template, worker environments, helper servers): every lesson, run and used, must stay
under 1 GB, so that thirty learners fit in 1-2 GB Binder sessions. The figures are printed
at the end of the run.

A widget the test does not know how to drive fails the test, so a new widget cannot slip by
unclicked. Screenshots go to test-artifacts/run-all/.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import nbformat
import psutil
import pytest
from classroom_envs import REPO, TOKEN, JupyterServer, lab_server, lessons_copy
from lab_page import CHROMIUM, LessonPage, chromium, fill_in_an_answer, new_context
from memory_probe import MB, TreeSampler, still_running

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.timeout(900),
    pytest.mark.skipif(
        not os.path.exists(CHROMIUM), reason=f"needs Debian's chromium at {CHROMIUM}"
    ),
]
LESSONS = sorted((REPO / "lessons").glob("[0-9]*.ipynb"))
ARTIFACTS = Path(os.environ.get("LAMBDA_LAB_TEST_ARTIFACTS", REPO / "test-artifacts")) / "run-all"
CLOSED = "Lab closed."  # what every widget over a closed Lab shows (lambda_lab.widgets.guard)
WAIT_S = 90.0
# A cell whose output holds one of these is a widget a learner can act on.
CONTROLS = "button, input, textarea, select, .noUi-handle, .widget-readout"
MEMORY_BUDGET_BYTES = 1024 * MB  # a Binder session's: the kernel and all it starts


# Module scope: a worker runs its share of these units back to back (they are queued
# together), and Playwright's sync API must be closed before another test opens its own.
@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory):
    pytest.importorskip("jupyterlab", reason="needs the course extra")
    base = tmp_path_factory.mktemp("run-all")
    running = lab_server(base, lessons_copy(base))
    yield running
    running.close()


class Tab:
    """One browser page kept for the lessons a worker runs: JupyterLab loads once in it. A
    lesson that fails closes it, so the next lesson starts from a fresh page."""

    def __init__(self, browser: Any) -> None:
        self._browser = browser
        self._context: Any = None
        self.page: Any = None

    def open(self) -> Any:
        if self.page is None:
            self._context = new_context(self._browser, 60_000)
            self.page = self._context.new_page()
        return self.page

    def discard(self) -> None:
        if self._context is not None:
            self._context.close()
        self._context = self.page = None


@pytest.fixture(scope="module")
def tab():
    with chromium() as browser:
        opened = Tab(browser)
        yield opened
        opened.discard()


# -- reading a widget's output ---------------------------------------------------------------
def text_of(cell: Any) -> str:
    return str(cell.locator(".jp-OutputArea").inner_text())


# Checked in the page every 50 ms (no round trip per look): a widget's answer is seen at once.
_SHOWS = """([cell, pattern, unlike]) => {
    const output = cell.querySelector(".jp-OutputArea");
    const shown = output ? output.innerText : "";
    return new RegExp(pattern).test(shown) && (unlike === null || shown !== unlike);
}"""


# What a widget looks like, read in its cell while in view (the notebook skips laying out
# cells out of view, where every width reads 0): buttons whose label is cut short ("Send 20
# reque..."; ipywidgets gives a button a fixed width and hides what overflows) and pictures
# the browser cannot draw (an empty image shows its broken-image icon).
_LOOKS_WRONG = """(cell) => [
    ...[...cell.querySelectorAll("button.widget-button")]
        .filter((b) => b.innerText.trim() !== "" && b.scrollWidth > b.clientWidth + 1)
        .map((b) => `label cut short: ${b.innerText.trim()}`),
    ...[...cell.querySelectorAll(".jp-OutputArea img")]
        .filter((i) => i.offsetParent !== null && i.complete && i.naturalWidth === 0)
        .map(() => "a picture that cannot be drawn"),
]"""


def wait_for(cell: Any, pattern: str, *, unlike: str | None = None, what: str = "") -> str:
    """Wait until the cell's output matches ``pattern`` (and differs from ``unlike``)."""
    try:
        cell.page.wait_for_function(
            _SHOWS, arg=[cell.element_handle(), pattern, unlike], polling=50, timeout=WAIT_S * 1000
        )
    except Exception as waited:  # Playwright's TimeoutError: say what the widget showed
        if "Timeout" not in type(waited).__name__:
            raise
        shown = text_of(cell)
        raise AssertionError(
            f"{what or pattern!r} never showed in the widget:\n{shown[-1500:]}"
        ) from None
    return text_of(cell)


def button(cell: Any, name: str) -> Any:
    """The button labelled ``name`` (its icon, a private-use glyph, may come first)."""
    label = re.compile(rf"^\W*{re.escape(name)}\s*$")
    return cell.get_by_role("button", name=label).first


def press(cell: Any, name: str, expect: str, *, changed: bool = True) -> str:
    """Click the button called ``name`` and wait for ``expect`` in the widget's output."""
    before = text_of(cell) if changed else None
    button(cell, name).click()
    return wait_for(cell, expect, unlike=before, what=f"{name} -> {expect}")


def nudge_slider(cell: Any, index: int = 0, steps: int = 1) -> None:
    """Move a slider by ``steps`` with the keyboard, as a learner may (arrow keys on its handle)."""
    handle = cell.locator(".noUi-handle").nth(index)
    handle.focus()
    for _ in range(steps):
        handle.press("ArrowRight")


# -- one function per kind of widget: act, then check its own view ---------------------------
def invoke_panel(cell: Any) -> None:
    press(cell, "Test", r"(Succeeded|Failed) \((cold|warm) start\)[\s\S]*REPORT RequestId")


def dashboard(cell: Any) -> None:
    sent = int(re.search(r"events sent (\d+)", text_of(cell)).group(1))
    press(cell, "API request", rf"events sent {sent + 1}\b")


def async_console(cell: Any) -> None:
    press(cell, "Send event", r"StatusCode 202: the event is queued")
    press(cell, "Run until idle", r"the clock ran until nothing was waiting")


def queue_console(cell: Any) -> None:
    press(cell, "Send 5 messages", r"sent 5 message\(s\)")
    press(cell, "+30 seconds", r"the clock moved 30 s")


def request_builder(cell: Any) -> None:
    cell.locator(".widget-text input").first.fill("/from-the-browser")
    press(cell, "Send", r"HTTP/1\.1 \d{3}[\s\S]*/from-the-browser")


def log_browser(cell: Any) -> None:
    cell.locator(".widget-text input").first.fill("START RequestId")
    wait_for(cell, r"\d+ events[\s\S]*START RequestId", what="filtered log events")


def report_reader(cell: Any) -> None:
    cell.locator("textarea").first.fill("REPORT RequestId: not really")
    press(cell, "Read it", r"Cannot read this line")  # its own check, in its own view
    cell.locator("select").first.select_option(index=1)  # a REPORT line the Lab wrote
    wait_for(cell, r"what it means[\s\S]*Billed Duration", what="a REPORT line read")


def pricing_calculator(cell: Any) -> None:
    before = text_of(cell)
    button(cell, "arm64").click()
    wait_for(cell, r"arm64", unlike=before, what="the bill in arm64")
    before = text_of(cell)
    requests = int(cell.locator(".widget-readout").first.inner_text().replace(",", ""))
    nudge_slider(cell, 0, 3)  # requests a month: 3 steps of 100,000
    billed = f"{requests + 300_000 - 1_000_000:,}"  # less the free tier's million
    wait_for(
        cell,
        rf"Requests\s+{billed}\s+requests[\s\S]*Total",
        unlike=before,
        what=f"a bill of {requests + 300_000:,} requests after the slider moved",
    )


def throttle_explorer(cell: Any) -> None:
    nudge_slider(cell, 1)  # one more token of burst
    press(cell, "Send", r"requests: \d+ answered 200, \d+ answered 429")


def vpc_explorer(cell: Any) -> None:
    cell.get_by_text("NAT gateway (in the public subnet)").click()
    wait_for(cell, r"through the NAT gateway", what="a path through the NAT gateway")


def memory_slider(cell: Any) -> None:
    nudge_slider(cell)
    press(cell, "Run", r"\d[\d,]* MB: Duration [\d.]+ ms, Billed \d+ ms")


def layer_console(cell: Any) -> None:
    """After Run All the function has english then french (french, applied later, wins):
    move french first and english wins; remove english and french answers. The buttons name
    the layer the kernel has as chosen, so a click waits until the choice has reached it."""
    wait_for(cell, r"is hidden by greeting-fr:1", what="english hidden by french")
    cell.locator("select").nth(1).select_option(label="greeting-fr:1")
    press(cell, "Move greeting-fr:1 earlier", r"is hidden by greeting-en:1")
    press(cell, "Invoke", r"returned 'Hello, Ada!'")
    cell.locator("select").nth(1).select_option(label="greeting-en:1")
    press(cell, "Remove greeting-en:1", r"Layers: greeting-fr:1(?!,)")
    press(cell, "Invoke", r"returned 'Bonjour, Ada!'")


def deployment_console(cell: Any) -> None:
    press(cell, "Send 20 requests", r"sent: version \d")
    press(cell, "+1 minute", r"the clock moved 1 minute")


def execution_console(cell: Any) -> None:
    """Run All left the refused order as the last execution; the input box holds a good one.
    Then the learner types an order with no items, and the execution fails on it."""
    shown = press(cell, "Start execution", r"SUCCEEDED")
    assert "LambdaFunctionSucceeded" in shown, shown
    cell.locator("textarea").fill('{"order": "o-9", "items": [], "amount": 5}')
    press(cell, "Start execution", r"FAILED[\s\S]*Order\.Invalid")


def exercise(cell: Any) -> None:
    press(cell, "Hint", r"Hint \d+/\d+")  # 1, or 2 when a %%exercise cell showed the first


def prediction(cell: Any) -> None:
    """Run All revealed it before any answer: the widget says so and how to predict afresh."""
    assert cell.locator("input[type=radio]").first.is_disabled()
    assert "Already revealed" in text_of(cell) and "Run this cell again" in text_of(cell)


def progress(cell: Any) -> None:
    press(cell, "Export", r"Saved [\s\S]*Download it")


def quiz(cell: Any) -> None:
    """Answer the question on screen and read the feedback."""
    fill_in_an_answer(cell)
    press(cell, "Submit", r"✔ Correct|✘ Not quite")


def clean_up(cell: Any) -> None:
    assert "The Lab is still open" in text_of(cell)
    press(cell, "Close the Lab", r"Closed\. Ended: \d+ execution environment")


# What each widget shows once its Lab is closed, after one more try.
def closed_by_click(button: str) -> Callable[[Any], None]:
    def act(cell: Any) -> None:
        press(cell, button, re.escape(CLOSED), changed=False)

    return act


def vpc_closed(cell: Any) -> None:
    cell.get_by_text("S3 gateway endpoint").click()
    wait_for(cell, re.escape(CLOSED))


def logs_closed(cell: Any) -> None:
    press(cell, "Refresh", r"This Lab is closed: these are the logs it kept", changed=False)


# (pattern in the cell's code, how to use the widget, how it says its Lab is closed or None)
WIDGETS: list[tuple[str, Callable[[Any], None], Callable[[Any], None] | None]] = [
    (r"InvokePanel\(", invoke_panel, closed_by_click("Test")),
    (r"ConcurrencyDashboard\(", dashboard, closed_by_click("API request")),
    (r"AsyncConsole\(", async_console, closed_by_click("Send event")),
    (r"QueueConsole\(", queue_console, closed_by_click("Send 5 messages")),
    (r"HttpRequestBuilder\(", request_builder, closed_by_click("Send")),
    (r"LogBrowser\(", log_browser, logs_closed),
    (r"ReportReader\(", report_reader, None),  # reads text: no Lab needed
    (r"PricingCalculator\(", pricing_calculator, None),  # arithmetic: no Lab needed
    (r"ThrottleExplorer\(", throttle_explorer, closed_by_click("Send")),
    (r"VpcExplorer\(", vpc_explorer, vpc_closed),
    (r"run_button = widgets\.Button", memory_slider, closed_by_click("Run")),
    (r"LayerConsole\(", layer_console, closed_by_click("Invoke")),
    (r"DeploymentConsole\(", deployment_console, closed_by_click("Send 20 requests")),
    (r"ExecutionConsole\(", execution_console, closed_by_click("Start execution")),
    (r"exercises\.show\(", exercise, None),  # checks run in a fresh Lab of their own
    (r"Prediction\(", prediction, None),
    (r"progress_panel\(", progress, None),
    (r"quiz\.(for_lesson|show)\(", quiz, None),
]
CLEAN_UP = r"^CleanUp\("


def code_cells(notebook: Any, pattern: str) -> list[int]:
    return [
        index
        for index, cell in enumerate(notebook.cells)
        if cell.cell_type == "code" and re.search(pattern, cell.source, re.MULTILINE)
    ]


def kernel_tree(server: JupyterServer, page: Any) -> list[psutil.Process]:
    """The lesson's kernel process and everything it started, found by the kernel's id."""
    kernel_id = page.evaluate("() => window.lessonPanel.sessionContext.session.kernel.id")
    for process in psutil.Process(server.process.pid).children(recursive=True):
        try:
            if any(kernel_id in part for part in process.cmdline()):
                return [process, *process.children(recursive=True)]
        except psutil.Error:
            continue
    raise AssertionError(f"no kernel process with id {kernel_id}")


@pytest.mark.parametrize("path", LESSONS, ids=[p.stem for p in LESSONS])
def test_every_widget_works_after_run_all(
    path: Path, server: JupyterServer, tab: Tab, figures: list[str]
) -> None:
    notebook = nbformat.read(path, as_version=4)
    lesson = LessonPage(tab.open(), server.url, TOKEN, path.name)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    memory = TreeSampler(kernel_tree(server, lesson.page)[0].pid)
    memory.start()
    started = time.monotonic()
    tree: list[psutil.Process] = []
    passed = False
    try:
        lesson._command("notebook:run-all-cells")  # fails on the first cell that raises
        ran_s = time.monotonic() - started
        tree = kernel_tree(server, lesson.page)
        used: dict[int, Callable[[Any], None] | None] = {}
        looks_wrong: dict[int, list[str]] = {}
        for pattern, use, when_closed in WIDGETS:
            for index in code_cells(notebook, pattern):
                cell = lesson.cell(index, f"widget-{index}")
                first_look = cell.evaluate(_LOOKS_WRONG)  # as Run All left it
                use(cell)
                used[index] = when_closed
                if wrong := sorted({*first_look, *cell.evaluate(_LOOKS_WRONG)}):
                    looks_wrong[index] = wrong
        unused = lesson.cells_holding(
            CONTROLS,
            [
                index
                for index, cell in enumerate(notebook.cells)
                if cell.cell_type == "code"
                and index not in used
                and not re.search(CLEAN_UP, cell.source, re.MULTILINE)
            ],
        )
        assert not unused, f"{path.name}: widgets the test does not drive, in cells {unused}"
        assert not looks_wrong, f"{path.name}: widgets that look wrong, by cell: {looks_wrong}"
        lesson.screenshot(ARTIFACTS, f"{path.stem}-widgets")

        for index in code_cells(notebook, CLEAN_UP):  # the learner is done: close the Lab
            clean_up(lesson.cell(index, f"clean-up-{index}"))
            for widget_at, when_closed in used.items():
                if when_closed is not None:
                    when_closed(lesson.cell(widget_at, f"closed-{widget_at}"))
        lesson.screenshot(ARTIFACTS, f"{path.stem}-closed")
        passed = True
    finally:
        memory.stop()
        if passed:
            lesson.close()
        else:
            lesson.shut_down_kernel()
            tab.discard()
    peak = memory.peak
    figures.append(f"memory: {peak.line(path.stem)}, Run All and every widget")
    assert peak.samples > 0
    assert peak.rss_bytes < MEMORY_BUDGET_BYTES, (
        f"{path.name} peaked at {peak.rss_bytes / MB:.0f} MB resident (budget "
        f"{MEMORY_BUDGET_BYTES / MB:.0f} MB); the largest processes then:\n"
        + "\n".join(peak.biggest)
    )
    deadline = time.monotonic() + 10
    while still_running(tree) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not still_running(tree), f"{path.name}: left after shutdown: {still_running(tree)}"
    with open(ARTIFACTS / "timings.txt", "a") as timings:
        timings.write(
            f"{path.stem}: Run All {ran_s:.0f} s, widgets and shutdown "
            f"{time.monotonic() - started - ran_s:.0f} s, {len(used)} widgets\n"
        )
