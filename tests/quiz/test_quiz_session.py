"""Sessions over the real banks: practice, exam (draw, timer, flags, held feedback), review,
drill, and saving and resuming through the progress store."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta, timezone

import pytest

from lambda_lab.quiz.bank import load_bank
from lambda_lab.quiz.kinds import AnswerError
from lambda_lab.quiz.profiles import allocate, packaged_profiles
from lambda_lab.quiz.progress import ProgressStore, progress_path
from lambda_lab.quiz.session import Session, SessionError, choose_questions


class Ticker:
    """A clock the test moves by hand."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now


class Calendar:
    def __init__(self) -> None:
        self.now = datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture(scope="module")
def bank():
    return load_bank()


@pytest.fixture
def store():
    return ProgressStore(progress_path(), clock=Calendar())


def by_id(bank, *ids):
    questions = {q.id: q for q in bank.questions}
    return [questions[i] for i in ids]


def test_practice_gives_feedback_hints_in_order_and_records_progress(bank, store, answer_key):
    questions = by_id(bank, "inv-async-first-retry-delay", "inv-async-status-code")
    session = Session(questions, seed=1, progress=store, key="practice")
    assert session.hint() == questions[0].hints[0]
    assert session.hint() is None  # only one hint
    result = session.submit_text(answer_key.right(session.current))
    assert result.correct is True and result.key == "60 seconds"
    with pytest.raises(AnswerError, match="already answered"):
        session.submit_text("60")
    session.next()
    result = session.submit_text(answer_key.wrong(session.current))
    assert result.correct is False
    assert result.notes  # the wrong pick's own feedback
    record = store.questions["inv-async-first-retry-delay"]
    assert (record["attempts"], record["correct"], record["hints_used"]) == (1, 1, 1)
    assert store.questions["inv-async-status-code"]["last_result"] == "wrong"
    assert session.complete
    final = session.finish()
    assert (final.correct, final.total) == (1, 2)
    assert "practice" not in store.sessions  # a finished session is not offered for resume


def test_exam_draws_by_domain_weight_reproducibly(bank):
    profile = packaged_profiles()["saa-c03"]
    first = Session(bank.questions, mode="exam", profile=profile, seed=42)
    again = Session(bank.questions, mode="exam", profile=profile, seed=42)
    other = Session(bank.questions, mode="exam", profile=profile, seed=43)
    ids = [i.question.id for i in first.items]
    assert ids == [i.question.id for i in again.items]
    assert [i.options for i in first.items] == [i.options for i in again.items]
    assert ids != [i.question.id for i in other.items]
    counts = Counter(i.question.domains["SAA-C03"] for i in first.items)
    assert counts == allocate(profile.questions, {d.key: d.weight for d in profile.domains})


def test_exam_holds_feedback_allows_changes_and_scores_per_domain(bank, store, answer_key):
    profile = packaged_profiles()["dva-c02"]
    clock = Ticker()
    session = Session(
        bank.questions, mode="exam", profile=profile, seed=5, progress=store, clock=clock
    )
    assert session.hint() is None and not session.hints_allowed
    assert session.submit_text(answer_key.wrong(session.current)) is None
    assert session.current.correct is None  # held until the end
    assert session.submit_text(answer_key.right(session.current)) is None  # changed my mind
    session.toggle_flag()
    for _ in range(len(session.items) // 2 - 1):
        session.next()
        session.submit_text(answer_key.right(session.current))
    assert [r["attempts"] for r in store.questions.values()] == [
        0
    ]  # just the flag: nothing graded yet
    clock.now += 600
    final = session.finish()
    half = len(session.items) // 2
    assert (final.correct, final.total) == (half, len(session.items))
    assert final.pass_mark == 72 and final.passed is False
    assert {d.exam for d in final.domains} == {"DVA-C02"}
    assert sum(d.total for d in final.domains) == len(session.items)
    assert final.elapsed_s == 600
    assert [e.number for e in final.review][0] == 1  # flagged, though right
    assert len(final.review) == len(session.items) - half + 1
    assert all(store.questions[i.question.id]["attempts"] == 1 for i in session.items)


def test_the_exam_clock_runs_out(bank, answer_key):
    profile = packaged_profiles()["saa-c03"]
    clock = Ticker()
    session = Session(bank.questions, mode="exam", profile=profile, seed=1, clock=clock)
    assert session.time_left() == profile.time_limit_s
    clock.now += profile.time_limit_s - 1
    assert session.time_left() == 1 and not session.expired
    clock.now += 1
    assert session.expired
    with pytest.raises(AnswerError, match="Time is up: the exam takes no more answers."):
        session.submit_text(answer_key.right(session.current))  # a well-formed answer, too late
    assert session.finish().correct == 0


def test_review_and_drill_choose_from_progress(bank, store, answer_key):
    questions = by_id(bank, "pr-billing-granularity", "pr-billed-101ms", "pr-charges")
    session = Session(questions, seed=3, progress=store)
    session.submit_text(answer_key.right(session.current))
    session.next()
    session.submit_text(answer_key.wrong(session.current))
    session.next()
    session.toggle_flag()
    session.submit_text(answer_key.right(session.current))
    review = choose_questions("review", bank.questions, store)
    assert [q.id for q in review] == ["pr-billed-101ms", "pr-charges"]
    assert choose_questions("drill", bank.questions, store) == []  # nothing due yet
    store.clock.now += timedelta(days=2)
    # most overdue first: the wrong answer was due again after one minute, the others after ten
    assert [q.id for q in choose_questions("drill", bank.questions, store)] == [
        "pr-billed-101ms",
        "pr-billing-granularity",
        "pr-charges",
    ]


def test_a_saved_session_resumes_exactly(bank, store, answer_key):
    profile = packaged_profiles()["saa-c03"]
    clock = Ticker()
    session = Session(
        bank.questions, mode="exam", profile=profile, seed=9, progress=store, key="k", clock=clock
    )
    session.submit_text(answer_key.right(session.current))
    session.next()
    session.toggle_flag()
    clock.now += 125
    session.save()
    reopened = ProgressStore(progress_path())
    resumed = Session.resume(
        reopened.sessions["k"],
        bank.questions,
        profile=profile,
        progress=reopened,
        key="k",
        clock=clock,
    )
    assert [(i.question.id, i.options, i.response, i.flagged) for i in resumed.items] == [
        (i.question.id, i.options, i.response, i.flagged) for i in session.items
    ]
    assert resumed.index == 1
    assert resumed.time_left() == profile.time_limit_s - 125


def test_resume_drops_questions_that_left_the_bank(bank, store, answer_key):
    questions = by_id(bank, "pr-billing-granularity", "pr-charges")
    session = Session(questions, seed=3, progress=store, key="p")
    session.submit_text(answer_key.right(session.current))
    snapshot = session.snapshot()
    resumed = Session.resume(snapshot, questions[1:], progress=store, key="p")
    assert [i.question.id for i in resumed.items] == ["pr-charges"]
    with pytest.raises(
        SessionError, match="none of the saved session's questions are in the bank any more"
    ):
        Session.resume(snapshot, [], key="p")
    with pytest.raises(
        SessionError, match=r"the saved session cannot be resumed \(KeyError: 'items'\)"
    ):
        Session.resume({"mode": "practice", "seed": 1}, questions)


def test_bad_sessions_are_refused_with_a_reason(bank):
    with pytest.raises(
        SessionError, match="unknown mode 'quiz'; expected one of: practice, exam, review, drill"
    ):
        Session(bank.questions, mode="quiz")
    with pytest.raises(SessionError, match="an exam session needs an exam profile"):
        Session(bank.questions, mode="exam")
    with pytest.raises(SessionError, match=r"a session needs at least 1 question \(limit=0\)"):
        Session(bank.questions, limit=0)
    session = Session(bank.questions[:2], seed=1)
    with pytest.raises(SessionError, match=r"question 5 does not exist \(1 to 2\)"):
        session.goto(4)
