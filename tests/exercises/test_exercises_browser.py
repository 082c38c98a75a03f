"""Exercises and section links in a real browser: Debian's Chromium through Playwright, against
JupyterLab serving a copy of the lessons on 127.0.0.1.

A learner opens the start page, types the solution into an exercise's code box, presses Check
and reads the pass verdict; resets to the starter and reads a fail verdict with a hint. Then a
link to a section of another lesson is clicked and must land on that section.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from classroom_envs import TOKEN
from lab_page import CHROMIUM, LessonPage

from lambda_lab.exercises.catalog import get

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.timeout(600),
    pytest.mark.skipif(
        not os.path.exists(CHROMIUM), reason=f"needs Debian's chromium at {CHROMIUM}"
    ),
]
LESSONS = Path(__file__).resolve().parents[2] / "lessons"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "exercises"


def cell_index(lesson: str, text: str) -> int:
    import json

    cells = json.loads((LESSONS / lesson).read_text())["cells"]
    return next(i for i, c in enumerate(cells) if text in "".join(c["source"]))


def test_edit_check_pass_then_starter_fails_with_a_hint(lessons_server, page) -> None:
    from playwright.sync_api import expect  # (the page fixture has made sure it is installed)

    lesson = LessonPage(page, lessons_server, TOKEN, "00_start_here.ipynb")
    index = cell_index("00_start_here.ipynb", 'exercises.show("00-hello-name")')
    lesson._select(index)
    lesson._command("notebook:run-cell")
    cell = lesson.cell(index, "exercise")
    widget = cell.locator(".ll-exercise-widget")
    widget.wait_for(timeout=120_000)
    assert "Say hello to whoever the event names" in widget.inner_text()
    code = widget.locator("textarea")
    assert code.input_value() == get("00-hello-name").starter

    code.fill(get("00-hello-name").solution)
    widget.get_by_role("button", name="Check").click()
    widget.locator(".ll-pass").wait_for(timeout=120_000)
    assert "✔ Passed" in widget.inner_text() and "three right greetings" in widget.inner_text()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "exercise-pass.png"))

    widget.get_by_role("button", name="Reset to starter").click()
    # The box is refilled by the kernel's answer to the click: wait for it, do not race it.
    expect(code).to_have_value(get("00-hello-name").starter, timeout=60_000)
    widget.get_by_role("button", name="Check").click()
    widget.locator(".ll-fail").wait_for(timeout=120_000)
    text = widget.inner_text()
    assert "✘ Not yet" in text and "returned None" in text and "Hint 1/2" in text
    page.screenshot(path=str(ARTIFACTS / "exercise-fail-hint.png"))


def test_a_link_to_a_section_of_another_lesson_lands_on_it(lessons_server, page) -> None:
    LessonPage(page, lessons_server, TOKEN, "08_monitoring.ipynb")
    link = page.locator("a[href*='02b_cli_and_custom_runtimes.ipynb']").first
    link.scroll_into_view_if_needed()
    link.click()
    page.wait_for_function(
        """() => { const w = window.jupyterapp.shell.currentWidget;
                   return w && w.context && w.context.path.endsWith('02b_cli_and_custom_runtimes.ipynb'); }"""
    )
    page.wait_for_function(
        """() => { const w = window.jupyterapp.shell.currentWidget;
                   const cell = w.content.widgets.find(c => c.model.id === 'logs');
                   if (!cell || !cell.node.isConnected) return false;
                   const box = cell.node.getBoundingClientRect(), view = w.content.node.getBoundingClientRect();
                   return box.bottom > view.top && box.top < view.bottom; }""",
        timeout=30_000,
    )
    page.screenshot(path=str(ARTIFACTS / "section-link.png"))
