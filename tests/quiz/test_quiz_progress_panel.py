"""Progress per topic (attempted, mastered, due) and the start page's panel over it."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from lambda_lab.quiz.bank import load_bank
from lambda_lab.quiz.progress import ProgressStore
from lambda_lab.quiz.progress_panel import bank_title, is_mastered, progress_text, topic_progress

QUESTION = """
  - id: {id}
    type: true_false
    domains: {{SAA-C03: resilient}}
    prompt: Is this statement {id} true?
    answer: true
    explanation: It is.
    references: [https://docs.aws.amazon.com/lambda/latest/dg/welcome.html]
    lesson: {lesson}
"""


class Clock:
    """A clock the test moves by hand, so that spaced-repetition due dates are exact."""

    def __init__(self) -> None:
        self.now = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def banks(write_bank):
    def bank(topic: str, title: str, ids: list[str]) -> None:
        lesson = {"pricing": "09_pricing", "monitoring": "08_monitoring"}[topic]
        body = "".join(QUESTION.format(id=qid, lesson=lesson) for qid in ids)
        write_bank(topic, f"topic: {topic}\ntitle: {title}\nquestions:{body}")

    bank("pricing", "What it costs", ["p-one", "p-two", "p-three"])
    path = write_bank("monitoring", "topic: monitoring\ntitle: 'Logs, metrics: traces'\nquestions:"
                      + QUESTION.format(id="m-one", lesson="08_monitoring"))  # fmt: skip
    return path.parent


def test_mastered_needs_a_right_answer_after_the_learning_steps(tmp_path) -> None:
    clock = Clock()
    store = ProgressStore(tmp_path / "p.json", clock=clock)
    entry = store.record("q", correct=True)
    assert not is_mastered(entry)  # one right answer: still learning
    clock.now += timedelta(minutes=15)
    assert is_mastered(store.record("q", correct=True))
    assert not is_mastered(store.record("q", correct=False))
    assert not is_mastered({"attempts": 0, "flagged": True})


def test_topic_rows_count_attempted_mastered_and_due(banks, tmp_path) -> None:
    clock = Clock()
    store = ProgressStore(tmp_path / "p.json", clock=clock)
    store.record("p-one", correct=True)
    store.record("p-two", correct=False)
    store.set_flag("p-three", True)  # flagged but never answered: not attempted
    clock.now += timedelta(minutes=15)
    store.record("p-one", correct=True)
    store.record("m-unknown", correct=True)  # a question no bank has any more is ignored
    bank = load_bank(directory=banks)
    assert bank.problems == ()
    rows = topic_progress(store, bank, directory=banks)
    assert [(r.topic, r.title, r.lesson) for r in rows] == [
        ("monitoring", "Logs, metrics: traces", "08_monitoring"),
        ("pricing", "What it costs", "09_pricing"),
    ]
    monitoring, pricing = rows
    assert (monitoring.questions, monitoring.attempted, monitoring.mastered, monitoring.due) == (
        1,
        0,
        0,
        0,
    )
    assert (pricing.questions, pricing.attempted, pricing.mastered, pricing.due) == (
        3,
        2,
        1,
        1,
    )  # p-two is due
    assert pricing.share_mastered == pytest.approx(1 / 3)
    text = progress_text(rows).splitlines()
    assert text[0].split() == ["Topic", "mastered", "attempted", "questions", "due"]
    assert text[-1].split()[-4:] == ["1", "2", "4", "1"]
    assert bank_title("no_such_topic", banks) == "No such topic"


def test_the_panel_shows_the_learners_progress_and_exports_it(tmp_path) -> None:
    from lambda_lab.quiz.progress_panel import progress_panel

    bank = load_bank(["pricing"])
    first = bank.questions[0].id
    store = ProgressStore.open("ann")
    store.record(first, correct=False)
    store.save()
    panel = progress_panel("ann", ["pricing"])
    assert (
        f"0 / 1 / {len(bank.questions)}" in panel.table.value
        and "<code>09_pricing</code>" in panel.table.value
    )
    store.record(first, correct=True)
    store.save()
    panel.refresh()
    assert (
        f"0 / 1 / {len(bank.questions)}" in panel.table.value
    )  # right once: attempted, not mastered yet
    panel.export_name.value = str(tmp_path / "saved.json")
    panel.export_button.click()
    assert "Download it from the file browser" in panel.status.value
    other = ProgressStore.open("bob")
    assert (
        other.import_file(tmp_path / "saved.json") == 1 and other.questions[first]["attempts"] == 2
    )
    (tmp_path / "a-file").write_text("not a folder")
    panel.export_name.value = str(tmp_path / "a-file" / "saved.json")
    assert panel.export() is None and "Could not export" in panel.status.value
