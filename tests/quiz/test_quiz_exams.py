"""Practice exams that look like the real ones, lesson quizzes, the start page's taster,
and "show me" at the session level."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from lambda_lab.quiz.bank import load_bank
from lambda_lab.quiz.profiles import SCENARIO_SHARE, allocate, draw, packaged_profiles
from lambda_lab.quiz.progress import ProgressStore
from lambda_lab.quiz.schema import LESSON_TOPICS
from lambda_lab.quiz.session import Session
from lambda_lab.quiz.start import (
    LESSON_QUIZ_MAX,
    StartError,
    lesson_questions,
    start,
    start_lesson,
)
from lambda_lab.quiz.style import exam_format, is_scenario

PROFILES = ("saa-c03", "dva-c02")


@pytest.fixture(scope="module")
def questions():
    return load_bank().questions


@pytest.mark.parametrize("name", PROFILES)
def test_exam_draws_only_exam_formats_mostly_scenarios_weighted_by_domain(questions, name):
    profile = packaged_profiles()[name]
    wanted = allocate(profile.questions, {d.key: d.weight for d in profile.domains})
    for seed in range(40):
        drawn = draw(profile, questions, random.Random(seed))
        assert len(drawn) == profile.questions == len({q.id for q in drawn})
        assert all(exam_format(q) and not q.practice_only for q in drawn)
        assert sum(map(is_scenario, drawn)) >= SCENARIO_SHARE * len(drawn)
        by_domain = Counter(q.domains[profile.exam] for q in drawn)
        assert by_domain == Counter(wanted)


@pytest.mark.parametrize("name", PROFILES)
def test_two_exams_in_a_row_share_under_a_fifth_of_their_questions(questions, name):
    profile = packaged_profiles()[name]
    overlaps = []
    for seed in range(30):
        first = draw(profile, questions, random.Random(seed))
        second = draw(profile, questions, random.Random(seed + 1000), avoid={q.id for q in first})
        shared = {q.id for q in first} & {q.id for q in second}
        assert len(shared) < 0.2 * profile.questions, (seed, sorted(shared))
        unguided = draw(profile, questions, random.Random(seed + 2000))
        overlaps.append(len({q.id for q in first} & {q.id for q in unguided}))
    # Even without memory of the last exam, the pools are big enough on average.
    assert sum(overlaps) / len(overlaps) < 0.2 * profile.questions


def test_consecutive_exams_of_a_learner_avoid_the_previous_one(quiz_home):
    first = start(exam="saa-c03", seed=1).session
    assert first is not None
    first.finish()
    second = start(exam="saa-c03", seed=1, new=True).session  # the same seed, still different
    assert second is not None
    shared = {i.question.id for i in first.items} & {i.question.id for i in second.items}
    assert len(shared) < 4
    assert ProgressStore.open().last_exam("saa-c03") == [i.question.id for i in second.items]


def test_a_short_exam_gets_time_in_proportion(quiz_home):
    begun = start(exam="dva-c02", count=1, seed=3)
    session = begun.session
    assert session is not None and len(session.items) == 1
    assert session.time_left() == pytest.approx(120, abs=1)  # 2 minutes a question, not 40
    session.save()
    resumed = start(exam="dva-c02", count=1, seed=3).session
    assert resumed is not None and resumed.profile is not None
    assert resumed.profile.time_limit_s == pytest.approx(120)


def test_a_lesson_quiz_asks_its_own_questions_and_a_taster_does_not_repeat_them(
    quiz_home, answer_key
):
    taster = start(count=5, seed=11).session
    assert taster is not None
    assert len({item.question.topic for item in taster.items}) == 5  # five different topics
    for item in taster.items:
        taster.goto(taster.items.index(item))
        taster.submit_text(answer_key.right(item))
    lesson = start_lesson("01_serverless_concepts", seed=11).session
    assert lesson is not None and len(lesson.items) == 10
    own = {q.id for q in lesson_questions("01_serverless_concepts", load_bank().questions)}
    assert all(item.question.id in own for item in lesson.items)
    asked = {item.question.id for item in taster.items}
    unanswered_left = len(own - asked)
    opening = [item.question.id for item in lesson.items[: min(10, unanswered_left)]]
    assert not asked & set(opening)


def test_lesson_quizzes_take_numbers_and_names_and_refuse_odd_sizes(quiz_home):
    assert start_lesson("07", seed=1).session.items[0].question.lesson.startswith("07_")
    assert start_lesson("02b_cli_and_custom_runtimes", count=8, seed=1).title.startswith(
        "Lesson 02b quiz"
    )
    with pytest.raises(StartError, match="a lesson quiz asks 8 to 12 questions"):
        start_lesson("07", count=3)
    with pytest.raises(StartError, match="unknown lesson 'lesson 99'; lessons with questions"):
        start_lesson("lesson 99")


def test_show_me_runs_the_experiment_of_an_answered_question(questions, answer_key):
    with_experiment = next(q for q in questions if q.experiment == "reserved_zero_throttle_reason")
    session = Session([with_experiment], seed=1)
    assert not session.can_show() and session.show_me() is None  # not before the answer
    session.submit_text(answer_key.right(session.current))
    shown = session.show_me()
    assert shown is not None and shown.ok
    assert shown.value == "ReservedFunctionConcurrentInvocationLimitExceeded"
    texts = "\n".join(f"{e.title}\n{e.text}" for e in shown.exhibits)
    assert '"Reason": "ReservedFunctionConcurrentInvocationLimitExceeded"' in texts
    assert '"HTTPStatusCode": 429' in texts


def test_an_exam_opens_show_me_only_once_it_is_finished(questions, answer_key):
    profile = packaged_profiles()["saa-c03"]
    session = Session(questions, mode="exam", profile=profile, seed=2)
    index = next(i for i, item in enumerate(session.items) if item.question.experiment)
    session.goto(index)
    session.submit_text(answer_key.right(session.current))
    assert not session.can_show(index)  # feedback is held during the exam
    session.finish()
    assert session.can_show(index)


def test_a_topics_practice_does_not_open_with_what_the_start_page_just_asked(answer_key):
    bank = load_bank(["serverless_concepts"]).questions
    store = ProgressStore.open()
    for question in bank[:2]:  # the start page asked the bank's first two questions
        store.record(question.id, correct=True)
    store.save()
    session = start(["serverless_concepts"], seed=1).session
    assert session is not None
    ids = [item.question.id for item in session.items]
    assert ids[:2] == [q.id for q in bank[2:4]]
    assert ids[-2:] == [q.id for q in bank[:2]]


@pytest.mark.parametrize("lesson", list(LESSON_TOPICS))
def test_every_lesson_has_a_short_quiz_of_its_own(lesson):
    """What each lesson's last cell, quiz.for_lesson("NN_name"), asks."""
    session = start_lesson(lesson, count=LESSON_QUIZ_MAX, seed=2).session
    assert session is not None and len(session.items) == LESSON_QUIZ_MAX
    assert {item.question.lesson.split("#")[0] for item in session.items} == {lesson}
    assert all(item.question.hints for item in session.items)
