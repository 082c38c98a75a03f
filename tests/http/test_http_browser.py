"""The lecture's moment in a real browser: a download first, then a rendered HTML page."""

from __future__ import annotations

import os

import pytest
from fake_lambda import CONSOLE_DEFAULT, LECTURE_HTML, returning

from lambda_lab.http import Listener, LoadBalancer, TargetGroup

CHROMIUM = "/usr/bin/chromium"
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not os.path.exists(CHROMIUM), reason=f"needs Debian's chromium at {CHROMIUM}"
    ),
]


@pytest.fixture(scope="module")
def browser():
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield chromium
        chromium.close()


def playwright_error() -> type[Exception]:
    from playwright.sync_api import Error

    return Error


def alb_serving(document) -> Listener:
    return Listener(LoadBalancer("demo-alb", returning(document), TargetGroup("tg", "demo-lambda")))


def dark_rows(png_path) -> int:
    """How many pixel rows of the screenshot hold dark (text) pixels."""
    from PIL import Image

    image = Image.open(png_path).convert("L")
    width, height = image.size
    pixels = image.load()
    return sum(1 for y in range(height) if any(pixels[x, y] < 100 for x in range(0, width, 2)))


def test_console_default_response_is_downloaded(browser, tmp_path):
    context = browser.new_context(accept_downloads=True)
    page = context.new_page()
    with alb_serving(CONSOLE_DEFAULT) as listener:
        with page.expect_download() as download_info:
            try:
                page.goto(listener.local_url)
            except playwright_error() as exc:  # navigation became a download: the "file"
                assert "Download is starting" in str(exc)
        target = tmp_path / "downloaded"
        download_info.value.save_as(target)
    context.close()
    assert target.read_bytes() == b'"Hello from Lambda!"'


def test_html_response_document_renders_as_a_page(browser, tmp_path):
    page = browser.new_page(viewport={"width": 600, "height": 200})
    with alb_serving(LECTURE_HTML) as listener:
        response = page.goto(listener.local_url)
        assert response.headers["content-type"] == "text/html"
        heading = page.inner_text("h1")
        page.screenshot(path=tmp_path / "html.png")
    with alb_serving({**LECTURE_HTML, "headers": {"Content-Type": "text/plain"}}) as listener:
        page.goto(listener.local_url)
        page.screenshot(path=tmp_path / "plain.png")
    page.close()
    assert heading == "Hello from Lambda!"
    # A rendered <h1> is drawn in large type; the same bytes as text/plain are one small line.
    assert dark_rows(tmp_path / "html.png") >= 1.4 * dark_rows(tmp_path / "plain.png") > 0
