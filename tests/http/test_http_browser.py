"""The lecture's moment in a real browser, through a Lab: a download first, then an HTML page.

Headless Chromium from Debian's package (never a browser Playwright downloads) opens the
Lab's ALB listener while the handler runs in a real worker. Screenshots are kept under
test-artifacts/http/ (git-ignored) to look at after a run.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from lab_page import CHROMIUM, chromium
from url_helpers import public_url

from lambda_lab import Lab

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "http"
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not os.path.exists(CHROMIUM),
        reason=f"browser test: needs Debian's chromium at {CHROMIUM} (apt-get install chromium)",
    ),
]

# The console's default Python handler: status 200, a JSON string body, no headers.
CONSOLE_DEFAULT = """
import json


def lambda_handler(event, context):
    return {"statusCode": 200, "body": json.dumps("Hello from Lambda!")}
"""
# The lecture's ALB response document, with a Content-Type.
RESPONSE_DOCUMENT = """
def lambda_handler(event, context):
    return {
        "statusCode": 200,
        "statusDescription": "200 OK",
        "isBase64Encoded": False,
        "headers": {"Content-Type": "%s"},
        "body": "<h1>Hello from Lambda!</h1>",
    }
"""


@pytest.fixture(scope="module")
def browser():
    with chromium() as opened:
        yield opened


@pytest.fixture(scope="module")
def lab():
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with Lab() as instance:
        instance.deploy("demo-lambda", CONSOLE_DEFAULT)
        instance.deploy("html-lambda", RESPONSE_DOCUMENT % "text/html")
        instance.deploy("plain-lambda", RESPONSE_DOCUMENT % "text/plain")
        yield instance


def dark_rows(png_path: Path) -> int:
    """How many pixel rows of the screenshot hold dark (text) pixels."""
    from PIL import Image

    image = Image.open(png_path).convert("L")
    width, height = image.size
    pixels = image.load()
    return sum(1 for y in range(height) if any(pixels[x, y] < 100 for x in range(0, width, 2)))


def test_console_default_response_is_downloaded(browser, lab):
    from playwright.sync_api import Error as PlaywrightError

    alb = lab.alb("demo-alb", "demo-lambda")
    context = browser.new_context(accept_downloads=True)
    page = context.new_page()
    with page.expect_download() as download_info:
        try:
            page.goto(alb.local_url)
        except PlaywrightError as exc:  # the navigation became a download: the "file"
            assert "Download is starting" in str(exc)
    saved = ARTIFACTS / "console-default-download"
    download_info.value.save_as(saved)
    context.close()
    assert saved.read_bytes() == b'"Hello from Lambda!"'
    assert alb.last.response.header("Content-Type") == "application/octet-stream"
    assert [r.outcome for r in lab.records.for_function("demo-lambda")] == ["success"]


def test_html_response_document_renders_as_a_page(browser, lab):
    page = browser.new_page(viewport={"width": 600, "height": 200})
    html_alb, plain_alb = lab.alb("html-alb", "html-lambda"), lab.alb("plain-alb", "plain-lambda")
    response = page.goto(html_alb.local_url)
    assert (response.status, response.headers["content-type"]) == (200, "text/html")
    heading = page.inner_text("h1")
    page.screenshot(path=ARTIFACTS / "alb-text-html.png")
    page.goto(plain_alb.local_url)
    shown_as_text = page.inner_text("body")
    page.screenshot(path=ARTIFACTS / "alb-text-plain.png")
    page.close()
    assert heading == "Hello from Lambda!"
    assert shown_as_text == "<h1>Hello from Lambda!</h1>"  # the same bytes, not parsed
    # A rendered <h1> is drawn in large type; the same bytes as text/plain are one small line.
    html_rows = dark_rows(ARTIFACTS / "alb-text-html.png")
    assert html_rows >= 1.4 * dark_rows(ARTIFACTS / "alb-text-plain.png") > 0


def test_a_function_url_opens_in_the_browser(browser, lab):
    client = lab.client("lambda")
    created = public_url(client, "html-lambda")  # AuthType NONE and the policy that opens it
    page = browser.new_page(viewport={"width": 600, "height": 200})
    response = page.goto(created["FunctionUrl"])
    heading = page.inner_text("h1")
    page.screenshot(path=ARTIFACTS / "function-url.png")
    page.close()
    assert (response.status, heading) == (200, "Hello from Lambda!")
    assert dark_rows(ARTIFACTS / "function-url.png") > 0
