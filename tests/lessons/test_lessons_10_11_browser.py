"""Lessons 10 and 11 in a real browser: Debian's Chromium through Playwright, against
JupyterLab serving a copy of the lessons on 127.0.0.1.

Every cell runs in the Lab's kernel as a learner runs it (the quiz cell, which needs the
question banks, is left out), and the two widgets are used with real clicks: the throttling
explorer's Send button, whose summary must report 429s, and the VPC explorer's NAT gateway
box, whose table must then show the internet reachable through the NAT gateway.
Screenshots go to test-artifacts/lessons/.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from classroom_envs import TOKEN, lab_server, lessons_copy
from lab_page import CHROMIUM, LessonPage, chromium, new_page

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.timeout(900),
    pytest.mark.skipif(
        not os.path.exists(CHROMIUM), reason=f"needs Debian's chromium at {CHROMIUM}"
    ),
]
LESSONS = Path(__file__).resolve().parents[2] / "lessons"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "lessons"


def index_of(lesson: str, cell_id: str) -> int:
    cells = json.loads((LESSONS / lesson).read_text(encoding="utf-8"))["cells"]
    return next(i for i, c in enumerate(cells) if c.get("id") == cell_id)


def run_range(lesson: LessonPage, first: int, last: int) -> None:
    """Run the cells first..last one by one, as Shift+Enter would."""
    for index in range(first, last + 1):
        lesson._select(index)
        lesson._command("notebook:run-cell")


def test_lesson_10_runs_and_the_throttling_explorer_answers_a_click(lessons_server, page):
    name = "10_api_gateway.ipynb"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    lesson = LessonPage(page, lessons_server, TOKEN, name)
    try:
        explorer_at = index_of(name, "throttle-explorer")
        lesson.run_until(explorer_at)
        widget = lesson.cell(explorer_at, "throttle-explorer")
        widget.get_by_role("button", name="Send").click()
        summary = widget.locator("text=answered 429 Too Many Requests")
        summary.wait_for()
        assert "answered 200" in widget.inner_text()
        lesson.screenshot(ARTIFACTS, "lesson-10-throttle-explorer")
        run_range(lesson, explorer_at + 1, index_of(name, "close"))
        timeout_cell = lesson.cell(index_of(name, "timeout-demo"), "timeout-demo")
        assert "504 {'message': 'Endpoint request timed out'}" in timeout_cell.inner_text()
    finally:
        lesson.shut_down_kernel()


def test_lesson_11_runs_and_the_vpc_explorer_follows_the_boxes(lessons_server, page):
    name = "11_security_and_networking.ipynb"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    lesson = LessonPage(page, lessons_server, TOKEN, name)
    try:
        explorer_at = index_of(name, "vpc-explorer")
        lesson.run_until(explorer_at)
        widget = lesson.cell(explorer_at, "vpc-explorer")
        widget.get_by_text("NAT gateway (in the public subnet)").click()
        widget.locator("td", has_text="through the NAT gateway").first.wait_for()
        lesson.screenshot(ARTIFACTS, "lesson-11-vpc-explorer")
        run_range(lesson, explorer_at + 1, index_of(name, "close"))
        database = lesson.cell(index_of(name, "direct-db"), "direct-db")
        assert "too many connections" in database.inner_text()
    finally:
        lesson.shut_down_kernel()
