""" "Show me" in a real browser: JupyterLab from this environment, Debian's Chromium driven by
Playwright (headless), the helpers of tests/classroom (LessonPage, the server, the flags).

A learner answers a question in the quiz widget, presses "Show me in the Lab" and reads the
REPORT line the Lab printed, beside the explanation. Screenshot in test-artifacts/quiz/.
"""

from __future__ import annotations

import os
from pathlib import Path

import nbformat
import pytest
from classroom_envs import REPO, TOKEN, lab_server
from lab_page import CHROMIUM, LessonPage, chromium, new_page

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.timeout(600),
    pytest.mark.skipif(
        not os.path.exists(CHROMIUM),
        reason=f"needs Debian's chromium at {CHROMIUM} (apt-get install chromium; .ci/run does)",
    ),
]
QUESTION = "pr-billed-101ms"  # its experiment prints a REPORT line with Billed Duration 101 ms
SETUP = """\
from lambda_lab.quiz.bank import load_bank
from lambda_lab.quiz.session import Session
from lambda_lab.quiz.widget import QuizWidget
"""
SOURCE = f"""\
question = next(q for q in load_bank().questions if q.id == {QUESTION!r})
quiz = QuizWidget(Session([question], mode="practice", seed=1), "Show me")
quiz
"""


@pytest.fixture
def server(tmp_path: Path):
    """JupyterLab in this test run's own environment, serving a folder with one notebook."""
    folder = tmp_path / "notebooks"
    folder.mkdir()
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(SETUP), nbformat.v4.new_code_cell(SOURCE)]
    # A kernel named up front: without one JupyterLab asks which kernel to start, and waits.
    notebook.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3 (ipykernel)",
        "language": "python",
    }
    nbformat.write(notebook, folder / "show_me.ipynb")
    running = lab_server(tmp_path, folder)
    yield running
    running.close()


def test_show_me_in_the_browser_lays_the_labs_evidence_beside_the_answer(server, tmp_path):
    from lambda_lab.quiz.bank import load_bank

    question = next(q for q in load_bank().questions if q.id == QUESTION)
    right = next(c.text for c in question.choices if c.correct)
    artifacts = Path(os.environ.get("LAMBDA_LAB_TEST_ARTIFACTS", REPO / "test-artifacts"))
    (artifacts / "quiz").mkdir(parents=True, exist_ok=True)
    with chromium() as browser, new_page(browser) as opened:
        page = LessonPage(opened, server.url, TOKEN, "show_me.ipynb")
        try:
            page.run_until(1)
            quiz = page.cell(1, "quiz")
            quiz.get_by_role("button", name="Submit").wait_for()
            show = quiz.locator("button", has_text="Show me in the Lab")
            assert show.count() == 1 and not show.is_visible()  # not before answering
            quiz.get_by_role("radio", name=right, exact=False).check()
            quiz.get_by_role("button", name="Submit").click()
            quiz.locator("b", has_text="✔ Correct").wait_for()
            show.click()
            evidence = quiz.locator("pre", has_text="REPORT RequestId")
            evidence.wait_for()
            assert "Billed Duration: 101 ms" in evidence.inner_text()
            assert "In the Lab:" in quiz.inner_text()
            assert "The experiment failed" not in quiz.inner_text()
            # Side by side: the evidence starts to the right of the explanation.
            answer = quiz.locator("b", has_text="Answer:").bounding_box()
            lab = quiz.locator("b", has_text="In the Lab:").bounding_box()
            assert answer is not None and lab is not None and lab["x"] > answer["x"] + 200
            # Read as text, not as a stack of one-line controls (ipywidgets' own 28 px a line).
            for text in (quiz.locator("p", has_text="Answer:"), evidence):
                size, height = text.evaluate(
                    "(e) => [getComputedStyle(e).fontSize, getComputedStyle(e).lineHeight]"
                    ".map(parseFloat)"
                )
                assert height < 1.8 * size, f"line height {height}px for {size}px text"
            page.screenshot(artifacts / "quiz", "show-me")
        finally:
            page.shut_down_kernel()
