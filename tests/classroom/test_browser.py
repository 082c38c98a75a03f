"""The course in a real browser: Debian's Chromium, driven by Playwright, headless, against
JupyterLab running in the Binder environment on 127.0.0.1.

A learner's path through two lessons: run the cells, press the invoke widget's Test button
and read the REPORT line, answer the lesson's quiz and get feedback, and open the load
balancer's page through Jupyter's proxy as a rendered HTML page. Screenshots go to
test-artifacts/classroom/.
"""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

import nbformat
import pytest
from classroom_envs import TOKEN, repository_lessons
from lab_page import CHROMIUM, LessonPage, answer_for, chromium, source_index

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.timeout(1200),  # the first test also builds the Binder environment
    pytest.mark.skipif(
        not os.path.exists(CHROMIUM),
        reason=f"needs Debian's chromium at {CHROMIUM} (apt-get install chromium; .ci/run does)",
    ),
]
INSTRUCTIONS = re.compile(
    r"Choose one\.|Select \d+\.|True or false\?|Type a number[^.]*\.|Put them in order[^.]*\."
)
FEEDBACK = re.compile("✔ Correct|✘ Not quite")


@pytest.fixture(scope="module")
def browser():
    with chromium() as opened:
        yield opened


@pytest.fixture
def context(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(60_000)
    yield context
    context.close()


def lesson_with(checkout: Path, *patterns: str) -> tuple[str, nbformat.NotebookNode]:
    """The first lesson whose code has every pattern: found, not named, as lessons change."""
    for path in repository_lessons(checkout):
        notebook = nbformat.read(path, as_version=4)
        code = "\n".join(c.source for c in notebook.cells if c.cell_type == "code")
        if all(re.search(p, code) for p in patterns):
            return f"lessons/{path.name}", notebook
    raise AssertionError(f"no lesson has code matching all of {patterns}")


def answer_the_quiz(quiz) -> str:
    """Answer the question on screen as a learner would; returns the feedback shown."""
    instructions = INSTRUCTIONS.search(quiz.inner_text()).group()
    radios = quiz.locator(".widget-radio-box input[type=radio]")
    boxes = quiz.locator(".widget-checkbox input[type=checkbox]")
    text = quiz.locator(".widget-text input")
    if radios.count():
        letters = [chr(ord("a") + i) for i in range(radios.count())]
        radios.nth(letters.index(answer_for(instructions, letters))).check()
    elif boxes.count():
        letters = [chr(ord("a") + i) for i in range(boxes.count())]
        for letter in answer_for(instructions, letters):
            boxes.nth(letters.index(letter)).check()
    else:  # numeric; or ordering, whose placeholder shows every letter ("... e.g. dcba")
        placeholder = text.get_attribute("placeholder") or ""
        letters = sorted(placeholder.rsplit(" ", 1)[-1]) if "e.g." in placeholder else []
        text.fill(answer_for(instructions, letters))
    quiz.get_by_role("button", name="Submit").click()
    shown = quiz.locator("b", has_text=FEEDBACK)
    shown.wait_for()
    shown.scroll_into_view_if_needed()
    return shown.inner_text()


def test_invoke_widget_and_quiz_in_the_browser(
    binder_server, checkout, context, artifacts, figures
):
    path, notebook = lesson_with(checkout, r"InvokePanel\(", r"quiz\.show\(")
    panel_at = source_index(notebook, r"InvokePanel\(")
    quiz_at = source_index(notebook, r"quiz\.show\(", last=True)
    started = time.monotonic()
    lesson = LessonPage(context.new_page(), binder_server.url, TOKEN, path)
    try:
        lesson.run_until(panel_at)
        panel = lesson.cell(panel_at, "invoke-panel")
        panel.get_by_role("button", name="Test").click()
        report = panel.locator("pre", has_text="REPORT RequestId")
        report.wait_for()
        assert "Billed Duration" in report.inner_text()
        assert "Succeeded" in panel.inner_text()
        lesson.screenshot(artifacts, "invoke-panel")

        lesson.run_from(panel_at + 1)
        quiz = lesson.cell(quiz_at, "quiz")
        feedback = answer_the_quiz(quiz)
        lesson.screenshot(artifacts, "quiz-feedback")
        assert FEEDBACK.search(feedback)
        assert "Answer:" in quiz.inner_text()
    finally:
        lesson.shut_down_kernel()
    figures.append(
        f"browser: {path} run, Test pressed, quiz answered in {time.monotonic() - started:.0f} s"
    )


def test_load_balancer_page_opens_through_the_jupyter_proxy(
    binder_server, checkout, context, artifacts, figures
):
    path, notebook = lesson_with(checkout, r"\.print_url\(\)", r"text/html", r"lab\.close\(\)")
    url_at = source_index(notebook, r"\.print_url\(\)")
    close_at = source_index(notebook, r"lab\.close\(\)", last=True)
    started = time.monotonic()
    lesson = LessonPage(context.new_page(), binder_server.url, TOKEN, path)
    try:
        lesson.run_until(close_at - 1)  # everything while the Lab (and its load balancer) is up
        printed = lesson.cell(url_at, "alb-url").locator(".jp-OutputArea-output").inner_text()
        url = re.search(r"https?://\S+", printed).group()
        assert url.startswith(binder_server.url + "proxy/"), printed

        alb_page = context.new_page()
        response = alb_page.goto(url)
        assert response.status == 200
        assert response.headers["content-type"].startswith("text/html")
        heading = alb_page.locator("h1")
        assert heading.count() == 1, "the page must render as HTML, not show its tags as text"
        assert heading.inner_text().strip()
        alb_page.screenshot(path=str(artifacts / "alb-page-through-proxy.png"))
        alb_page.close()
        lesson.run_from(close_at)
    finally:
        lesson.shut_down_kernel()
    figures.append(
        f"browser: {path} and its ALB page through the proxy in {time.monotonic() - started:.0f} s"
    )
