"""The Binder environment built the way Binder builds it, without Docker, and used as a class
uses it: a fresh virtual environment from binder/ alone, postBuild, JupyterLab on 127.0.0.1, the
course opened through Jupyter's own HTTP API, a Lab page through the proxy; then a learner's
path in a real browser (Debian's Chromium, driven by Playwright, headless): run the cells,
press the invoke widget's Test button and read the REPORT line, answer the lesson's quiz, and
open the load balancer's page through Jupyter's proxy. Without Chromium or Playwright, the first
lesson runs headless instead (nbconvert), so that a lesson still runs in the environment.
Screenshots go to test-artifacts/classroom/.

One module, so that one test worker builds the environment once for all of them.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
import time
from pathlib import Path
from urllib.parse import quote, urlsplit

import nbformat
import pytest
from classroom_envs import TOKEN, get, repository_lessons
from lab_page import CHROMIUM, LessonPage, chromium, fill_in_an_answer, source_index

from lambda_lab.cli.course import START_PAGE

# The first test builds the Binder environment: minutes on a cold pip cache.
pytestmark = [pytest.mark.slow, pytest.mark.timeout(1200)]
NEEDS_CHROMIUM = pytest.mark.skipif(
    not os.path.exists(CHROMIUM),
    reason=f"needs Debian's chromium at {CHROMIUM} (apt-get install chromium; .ci/run does)",
)


def first_lesson(checkout: Path) -> str:
    """The start page when it exists, else the first lesson: what a learner opens first."""
    names = sorted(p.name for p in (checkout / "lessons").glob("[0-9]*.ipynb"))
    assert names, f"no lessons in {checkout / 'lessons'}"
    return START_PAGE if START_PAGE in names else names[0]


def test_post_build_installed_lambda_lab_from_the_checkout(binder_env, checkout):
    probe = binder_env.check(
        [
            binder_env.bin("python"), "-c", (
                "import lambda_lab, importlib.metadata as m, sys; "
                "print(lambda_lab.__file__); print(m.version('lambda-lab')); print(sys.prefix)"
            ),
        ],
    )  # fmt: skip
    module_file, version, prefix = probe.stdout.split()
    assert Path(module_file).is_relative_to(binder_env.path), (
        "a copy in the environment, not a link"
    )
    assert version == __import__("lambda_lab").__version__
    shipped = sorted(p.name for p in (Path(prefix) / "share" / "lambda-lab" / "lessons").iterdir())
    assert shipped == [p.name for p in repository_lessons(checkout)]
    assert not (checkout / "build").exists() and not (checkout / "lambda_lab.egg-info").exists()
    # requirements.txt satisfies everything lambda-lab itself declares.
    assert "No broken requirements" in binder_env.check([binder_env.bin("pip"), "check"]).stdout
    extensions = binder_env.check([binder_env.bin("jupyter"), "server", "extension", "list"])
    listing = extensions.stdout + extensions.stderr
    proxy_line = [line for line in listing.splitlines() if "jupyter_server_proxy" in line]
    assert proxy_line and "enabled" in proxy_line[0], listing


def test_jupyterlab_applies_the_settings_overrides(binder_server):
    status, _, body = get(
        binder_server.url + "lab/api/settings/@jupyterlab/apputils-extension:notification"
    )
    assert status == 200
    properties = json.loads(body)["schema"]["properties"]
    assert properties["fetchNews"]["default"] == "false"
    assert properties["checkForUpdates"]["default"] is False


def test_the_course_opens(binder_server, checkout):
    lesson = first_lesson(checkout)
    status, headers, page = get(binder_server.url + "lab/tree/lessons/" + quote(lesson))
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert b"jupyter-config-data" in page  # JupyterLab's own page, not an error page

    status, _, listing = get(binder_server.url + "api/contents/lessons")
    assert status == 200
    served = sorted(
        item["name"] for item in json.loads(listing)["content"] if item["type"] == "notebook"
    )
    assert served == [p.name for p in repository_lessons(checkout)]

    status, _, body = get(binder_server.url + "api/contents/lessons/" + quote(lesson))
    notebook = json.loads(body)
    assert status == 200 and notebook["type"] == "notebook"
    cells = notebook["content"]["cells"]
    assert any(c["cell_type"] == "code" for c in cells) and any(
        c["cell_type"] == "markdown" for c in cells
    )


@pytest.mark.skipif(
    os.path.exists(CHROMIUM) and importlib.util.find_spec("playwright") is not None,
    reason="the browser test below runs a lesson in full in this environment",
)
def test_a_lesson_runs_headless_in_the_binder_environment(binder_env, checkout, tmp_path, figures):
    lesson = first_lesson(checkout)
    started = time.monotonic()
    binder_env.check(
        [
            binder_env.bin("jupyter"), "nbconvert", "--to", "notebook", "--execute",
            "--ExecutePreprocessor.timeout=600", f"--output-dir={tmp_path}",
            f"lessons/{lesson}",
        ],
        cwd=checkout, timeout=900,
    )  # fmt: skip
    figures.append(f"binder: {lesson} ran headless in {time.monotonic() - started:.0f} s")
    ran = nbformat.read(tmp_path / lesson, as_version=4)
    code = [cell for cell in ran.cells if cell.cell_type == "code"]
    errors = [
        output
        for cell in code
        if "raises-exception" not in cell.metadata.get("tags", [])
        for output in cell.outputs
        if output.output_type == "error"
    ]
    assert not errors, errors
    assert all(cell.execution_count for cell in code)
    quiz_outputs = code[-1].outputs
    assert any(
        "application/vnd.jupyter.widget-view+json" in o.get("data", {}) for o in quiz_outputs
    )


PAGE_SERVER = """
import sys
from lambda_lab import Lab

HANDLER = '''
def lambda_handler(event, context):
    return {"statusCode": 200, "headers": {"Content-Type": "text/html"},
            "body": "<h1>Hello from the classroom</h1>"}
'''
with Lab() as lab:
    lab.deploy("hello-page", HANDLER)
    alb = lab.alb("classroom-alb", "hello-page")
    print(alb.url, flush=True)
    sys.stdin.readline()  # serve until the test is done
"""


def test_a_lab_listener_opens_through_the_jupyter_proxy(binder_env, binder_server):
    # A kernel started by this server has JPY_PARENT_PID set to the server's pid; so does this.
    env = binder_env.environ(JPY_PARENT_PID=str(binder_server.process.pid))
    with subprocess.Popen(
        [binder_env.bin("python"), "-c", PAGE_SERVER], env=env, cwd=binder_env.home,
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    ) as served:  # fmt: skip
        url = served.stdout.readline().strip()
        answer = get(url) if url.startswith("http") else None
        _, errors = served.communicate("done\n", timeout=60)
    assert served.returncode == 0 and answer, f"the page server failed:\n{errors}"
    status, headers, body = answer
    parts = urlsplit(url)
    assert parts.netloc == urlsplit(binder_server.url).netloc
    assert parts.path.startswith(urlsplit(binder_server.url).path + "proxy/")
    assert status == 200 and headers["Content-Type"] == "text/html"
    assert body == b"<h1>Hello from the classroom</h1>"


# -- a learner's path in the browser ----------------------------------------------------------
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
    fill_in_an_answer(quiz)
    quiz.get_by_role("button", name="Submit").click()
    shown = quiz.locator("b", has_text=FEEDBACK)
    shown.wait_for()
    shown.scroll_into_view_if_needed()
    return shown.inner_text()


@pytest.mark.browser
@NEEDS_CHROMIUM
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


@pytest.mark.browser
@NEEDS_CHROMIUM
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
