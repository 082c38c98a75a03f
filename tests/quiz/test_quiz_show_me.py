""" "Show me" for every experiment a question names: it runs in a fresh Lab and lays out
evidence (a REPORT line, a 429 and its Reason, a DLQ message, a bill...), not just a value.
Slow: every experiment starts its own Lab."""

from __future__ import annotations

import pytest

from lambda_lab.quiz.bank import load_bank
from lambda_lab.quiz.evidence import demonstrate

pytestmark = pytest.mark.slow
SHOWN = sorted({q.experiment for q in load_bank().questions if q.experiment})


def test_at_least_150_questions_can_be_shown_in_the_lab():
    assert sum(q.experiment is not None for q in load_bank().questions) >= 150


@pytest.mark.parametrize("name", SHOWN)
def test_show_me_lays_out_evidence(name):
    shown = demonstrate(name)
    assert shown.error is None, shown.error
    assert shown.description
    evidence = [item for item in shown.exhibits if item.title != "Result"]
    assert evidence, f"{name} shows only its bare result"
    assert all(item.text.strip() for item in shown.exhibits)
