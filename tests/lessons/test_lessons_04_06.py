"""Lessons 04 and 06 follow the lesson template, and the thumbnail handler they teach runs as written.

nbval runs the notebooks themselves; this file checks what nbval cannot: stored without
outputs, the template's parts, the anchors quiz questions link to, and (end to end, outside
the notebook) that the lesson's thumbnail handler, unchanged, makes a thumbnail and a
DynamoDB row when a photo lands in S3.
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest
from lesson_links import anchors_in, quiz_links_missing

ROOT = Path(__file__).resolve().parents[2]
LESSONS = {"04_invocation_models": "invocation_models", "06_event_sources": "event_sources"}
ANCHOR = re.compile(r'<a id="([a-z0-9-]+)"></a>')
NUMBERED_HEADING = re.compile(r"^## (\d+)\. \S", re.MULTILINE)


def _cells(lesson: str) -> list[dict]:
    return json.loads((ROOT / "lessons" / f"{lesson}.ipynb").read_text(encoding="utf-8"))["cells"]


def _text(cell: dict) -> str:
    return cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])


def _of_type(lesson: str, kind: str) -> list[str]:
    return [_text(c) for c in _cells(lesson) if c["cell_type"] == kind]


@pytest.mark.parametrize("lesson", LESSONS)
def test_stored_without_outputs(lesson):
    cells = _cells(lesson)
    dirty = [
        i
        for i, c in enumerate(cells)
        if c["cell_type"] == "code" and (c["outputs"] or c["execution_count"])
    ]
    assert not dirty, f"{lesson}: cells {dirty} keep outputs"


@pytest.mark.parametrize("lesson", LESSONS)
def test_template_parts(lesson):
    markdown, code = _of_type(lesson, "markdown"), _of_type(lesson, "code")
    assert markdown[0].startswith(f"# {lesson[:2]} · ")
    objectives = next(m for m in markdown if m.startswith("## What you will learn"))
    assert 3 <= len([line for line in objectives.splitlines() if line.startswith("- ")]) <= 6
    joined = "\n".join(markdown)
    assert "> **Exam tip**" in joined and "> **Outdated in older notes**" in joined
    assert any("Console(" in cell for cell in code), "no widget"
    assert any("plt.show()" in cell for cell in code), "no picture"
    assert any('Lab(clock="virtual")' in cell for cell in code), "waits must run on a virtual clock"
    assert "\nCleanUp(lab" in code[-2]  # the clean-up step the learner takes, before the quiz
    assert code[-1].strip() == f'from lambda_lab import quiz; quiz.for_lesson("{lesson}")'


@pytest.mark.parametrize("lesson", LESSONS)
def test_sections_are_numbered_and_anchored_and_quiz_links_land(lesson):
    markdown = _of_type(lesson, "markdown")
    numbers = []
    for text in markdown:
        heading = NUMBERED_HEADING.search(text)
        if heading:
            numbers.append(int(heading.group(1)))
            assert ANCHOR.search(text[: heading.start()]), (
                f"{heading.group(0)!r} has no anchor above it"
            )
    assert numbers == list(range(1, len(numbers) + 1))
    assert not quiz_links_missing(lesson, anchors_in(markdown))


def _thumbnail_cell() -> tuple[str, dict[str, str]]:
    """The lesson's ``%%lambda thumbnail ...`` cell: its handler code and its --env settings."""
    cell = next(
        c for c in _of_type("06_event_sources", "code") if c.startswith("%%lambda thumbnail")
    )
    line, _, handler = cell.partition("\n")
    env = dict(pair.split("=", 1) for pair in re.findall(r"--env (\S+)", line))
    return handler, env


def test_the_lessons_thumbnail_handler_runs_unchanged(virtual_lab):
    from PIL import Image

    lab = virtual_lab
    handler, env = _thumbnail_cell()
    s3, dynamodb = lab.client("s3"), lab.client("dynamodb")
    s3.create_bucket(Bucket="photos")
    s3.create_bucket(Bucket=env["THUMBNAIL_BUCKET"])
    dynamodb.create_table(
        TableName=env["TABLE_NAME"], KeySchema=[{"AttributeName": "key", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "key", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST",
    )  # fmt: skip
    pillow = lab.layer_from_installed("pillow")["LayerVersionArn"]  # as the lesson adds it
    function = lab.deploy("thumbnail", handler, MemorySize=256, Timeout=10,
                          Environment={"Variables": env}, Layers=[pillow])  # fmt: skip
    s3.put_bucket_notification_configuration(Bucket="photos", NotificationConfiguration={
        "LambdaFunctionConfigurations": [{"LambdaFunctionArn": function["FunctionArn"],
                                          "Events": ["s3:ObjectCreated:*"]}]})  # fmt: skip
    photo = io.BytesIO()
    Image.new("RGB", (640, 480), "teal").save(photo, format="JPEG")
    s3.put_object(Bucket="photos", Key="my trip/beach.jpg", Body=photo.getvalue())

    lab.clock.run_until_idle()

    (record,) = lab.records.for_function("thumbnail")
    assert record.outcome == "success", record.error_message
    assert record.invocation_type == "Event"  # S3 invokes asynchronously
    item = dynamodb.get_item(TableName=env["TABLE_NAME"], Key={"key": {"S": "my trip/beach.jpg"}})[
        "Item"
    ]
    assert (item["width"], item["height"]) == ({"N": "640"}, {"N": "480"})
    assert item["bytes"] == {"N": str(len(photo.getvalue()))}
    thumbnail = s3.get_object(Bucket=env["THUMBNAIL_BUCKET"], Key=item["thumbnail"]["S"])[
        "Body"
    ].read()
    assert Image.open(io.BytesIO(thumbnail)).size == (128, 96)
