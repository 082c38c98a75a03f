"""A lesson open in JupyterLab in a real browser, driven as a learner would.

Moving between cells and running them goes through JupyterLab's own commands (the server
runs with ``expose_app_in_browser`` so the page has ``window.jupyterapp``), which is steadier
than clicking menus; what a learner does inside a cell's output (buttons, radio buttons,
text boxes) is done with real clicks and key presses.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

# Debian's Chromium: its headless shell when installed (package chromium-headless-shell, the
# same Blink and V8 without the browser's window layer, as Playwright's own headless mode runs
# it): a sixth less browser CPU for the same Run All (3 lessons: 23.3 -> 19.4 CPU-s, two
# alternating runs each), else the full browser, headless.
CHROMIUM = next(
    (
        path
        for path in ("/usr/bin/chromium-headless-shell", "/usr/bin/chromium")
        if os.path.exists(path)
    ),
    "/usr/bin/chromium",
)
# Headless on a closed network: no sandbox as root, no GPU, no calls home.
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
RUN_TIMEOUT_MS = 300_000
# A half-screen window: a tenth less browser CPU than 1400x1000 over three lessons' Run All
# (renderer 23.7 -> 21.7 CPU-s), and widgets must still fit a narrow notebook.
VIEWPORT = {"width": 1000, "height": 700}
_NOTEBOOK = "window.lessonPanel"


@contextmanager
def chromium() -> Iterator[Any]:
    """Debian's Chromium, headless, driven by Playwright (the test is skipped without them)."""
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"needs Debian's chromium at {CHROMIUM}")
    sync_api = pytest.importorskip("playwright.sync_api", reason="needs playwright")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        try:
            yield browser
        finally:
            browser.close()


# No CSS animations, transitions or blinking caret: the browser repainted for them all the time
# (about a tenth of its CPU in a Run All); nothing a test checks moves.
_STILL = """document.addEventListener("DOMContentLoaded", () => {
    const style = document.createElement("style");
    style.textContent = "*, *::before, *::after { animation: none !important; "
        + "transition: none !important; caret-color: transparent !important; }";
    document.head.appendChild(style);
});"""


def new_context(browser: Any, timeout_ms: int) -> Any:
    """A fresh browser context of VIEWPORT's size, every wait allowed ``timeout_ms``."""
    context = browser.new_context(viewport=VIEWPORT, reduced_motion="reduce")
    context.set_default_timeout(timeout_ms)
    context.add_init_script(_STILL)
    return context


@contextmanager
def new_page(browser: Any, timeout_ms: int = 60_000) -> Iterator[Any]:
    """A page in a fresh browser context, every wait allowed ``timeout_ms``."""
    context = new_context(browser, timeout_ms)
    try:
        yield context.new_page()
    finally:
        context.close()


class LessonPage:
    """One notebook open in the Lab, its kernel started; cells are addressed by index."""

    def __init__(self, page: Any, server_url: str, token: str, path: str) -> None:
        self.page = page
        self.path = path
        if page.url.startswith(f"{server_url}lab") and page.evaluate("() => !!window.jupyterapp"):
            # JupyterLab is loaded in this page already (the last lesson was closed): open the
            # notebook in it. Loading the app again cost the browser about 5 s of CPU.
            page.evaluate(
                "async (path) => { await window.jupyterapp.commands.execute("
                "'docmanager:open', {path, factory: 'Notebook'}); }",
                path,
            )
        else:  # ?reset: a fresh workspace, not the tabs an earlier test left open.
            page.goto(f"{server_url}lab/tree/{path}?reset&token={token}")
        page.wait_for_function(
            """(path) => {
                const app = window.jupyterapp;
                if (!app) return false;
                for (const widget of app.shell.widgets("main")) {
                    if (widget.context && widget.context.path === path) {
                        window.lessonPanel = widget;
                        return true;
                    }
                }
                return false;
            }""",
            arg=path,
        )
        page.evaluate(
            f"""async () => {{
                await {_NOTEBOOK}.context.ready;
                await {_NOTEBOOK}.sessionContext.ready;
            }}"""
        )

    def run_until(self, index: int) -> None:
        """Run every cell above ``index``, then ``index`` itself; fail on the first error."""
        self._select(index)
        self._command("notebook:run-all-above")
        self._select(index)
        self._command("notebook:run-cell")

    def run_from(self, index: int) -> None:
        """Run ``index`` and every cell below it."""
        self._select(index)
        self._command("notebook:run-all-below")

    def cell(self, index: int, name: str) -> Any:
        """A locator for the cell at ``index`` (tagged ``name`` in the page), scrolled into view."""
        self.page.evaluate(
            f"""([index, name]) => {{
                const notebook = {_NOTEBOOK}.content;
                notebook.widgets[index].node.setAttribute('data-lesson-cell', name);
                notebook.scrollToItem(index);
            }}""",
            [index, name],
        )
        locator = self.page.locator(f"[data-lesson-cell='{name}']")
        locator.scroll_into_view_if_needed()
        return locator

    def cells_holding(self, selector: str, indexes: list[int]) -> list[int]:
        """Those of ``indexes`` whose cell output holds an element matching ``selector``.

        One look in the page for all of them: a cell in the DOM is read where it is (JupyterLab's
        default windowing keeps every cell attached and skips drawing those out of view); only a
        cell the notebook has not attached is scrolled to. Scrolling to every cell in turn was a
        quarter of the page's main-thread work in a lesson's Run All (1.6 of 6.8 s, lesson 09)."""
        looked = self.page.evaluate(
            f"""([selector, indexes]) => indexes.map((i) => {{
                const node = {_NOTEBOOK}.content.widgets[i].node;
                if (!node.isConnected) return null;
                return node.querySelector(`.jp-OutputArea :is(${{selector}})`) !== null;
            }})""",
            [selector, indexes],
        )
        return [
            index
            for index, holds in zip(indexes, looked, strict=True)
            if holds
            or (
                holds is None
                and self.cell(index, f"cell-{index}")
                .locator(f".jp-OutputArea :is({selector})")
                .count()
            )
        ]

    def screenshot(self, folder: Path, name: str) -> Path:
        path = folder / f"{name}.png"
        self.page.screenshot(path=str(path))
        return path

    def shut_down_kernel(self) -> None:
        self.page.evaluate(f"async () => {{ await {_NOTEBOOK}.sessionContext.shutdown(); }}")

    def close(self) -> None:
        """Shut the kernel down and close the notebook unsaved, leaving JupyterLab open in the
        page for the next lesson."""
        self.shut_down_kernel()
        self.page.evaluate(f"() => {{ {_NOTEBOOK}.dispose(); {_NOTEBOOK} = null; }}")

    def _select(self, index: int) -> None:
        self.page.evaluate(f"(i) => {{ {_NOTEBOOK}.content.activeCellIndex = i; }}", index)

    def _command(self, command: str) -> None:
        """Run a JupyterLab command and wait for it; the run commands answer false on an error."""
        ok = self.page.evaluate(
            f"""async (command) => {{
                window.jupyterapp.shell.activateById({_NOTEBOOK}.id);
                return await window.jupyterapp.commands.execute(command);
            }}""",
            command,
        )
        if ok is False:
            raise AssertionError(f"{self.path}: a cell failed during {command}:\n{self.errors()}")

    def errors(self) -> str:
        """The text of every error output in the notebook (tracebacks), for failure messages."""
        texts = self.page.evaluate(
            """() => [...document.querySelectorAll(
                    ".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']")]
                .map(node => node.innerText)"""
        )
        return "\n".join(texts) or "(no error output shown)"


def source_index(notebook: Any, pattern: str, last: bool = False) -> int:
    """The index of the first (or last) code cell whose source matches ``pattern``."""
    found = [
        index
        for index, cell in enumerate(notebook.cells)
        if cell.cell_type == "code" and re.search(pattern, cell.source)
    ]
    if not found:
        raise LookupError(pattern)
    return found[-1] if last else found[0]


def answer_for(instructions: str, letters: list[str]) -> str:
    """A well-formed answer (right or wrong) to a quiz question, from its instructions."""
    if instructions.startswith("Select "):
        return "".join(letters[: int(re.search(r"\d+", instructions).group())])
    if instructions.startswith("Type a number"):
        return "1"
    if instructions.startswith("Put them in order"):
        return "".join(reversed(letters))
    return letters[0]  # "Choose one." and "True or false?"


# What a quiz widget asks for, as its instructions line says it.
QUIZ_INSTRUCTIONS = re.compile(
    r"Choose one\.|Select \d+\.|True or false\?|Type a number[^.]*\.|Put them in order[^.]*\."
)


def fill_in_an_answer(quiz: Any) -> None:
    """Answer the question a quiz widget shows as a learner would (a well-formed answer, right
    or wrong): tick radios or boxes, or type a number or an order. Submitting is the caller's."""
    instructions = QUIZ_INSTRUCTIONS.search(quiz.inner_text()).group()
    radios = quiz.locator(".widget-radio-box input[type=radio]")
    boxes = quiz.locator(".widget-checkbox input[type=checkbox]")
    if radios.count():
        letters = [chr(ord("a") + i) for i in range(radios.count())]
        # A learner clicks the option's words: its label, which holds the radio. Checking the
        # radio itself timed out once when a long option wrapped and its label covered it.
        radio = radios.nth(letters.index(answer_for(instructions, letters)))
        radio.locator("xpath=..").click()
        assert radio.is_checked(), "clicking the option's label did not choose it"
    elif boxes.count():
        letters = [chr(ord("a") + i) for i in range(boxes.count())]
        for letter in answer_for(instructions, letters):
            boxes.nth(letters.index(letter)).check()
    else:  # numeric; or ordering, whose placeholder shows every letter ("... e.g. dcba")
        text = quiz.locator(".widget-text input").first
        placeholder = text.get_attribute("placeholder") or ""
        letters = sorted(placeholder.rsplit(" ", 1)[-1]) if "e.g." in placeholder else []
        text.fill(answer_for(instructions, letters))
