"""The shipped banks and profiles: lint clean, and shaped the way the course needs them."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from lambda_lab.quiz.bank import UnknownTopic, available_topics, load_bank, resolve_topics
from lambda_lab.quiz.lint import BANKS_DIR, lint
from lambda_lab.quiz.profiles import packaged_profiles, shortfalls
from lambda_lab.quiz.schema import LESSON_TOPICS, LESSONS, LINKABLE_LESSONS, TOPICS
from lambda_lab.quiz.stats import bank_stats
from lambda_lab.quiz.style import exam_eligible, is_scenario

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def result():
    return lint()


def test_the_shipped_banks_and_profiles_lint_clean(result):
    assert [str(p) for p in result.problems] == []
    assert [str(i) for i in result.style] == []  # no give-aways, no outdated facts
    assert result.files == len(TOPICS) + 2  # one bank per topic, two exam profiles


def test_the_bank_meets_the_exam_grade_figures(result):
    """Issue 21's "done when": size, give-away scores, hints, and Lab experiments."""
    questions = result.questions
    overall = bank_stats("all", questions)
    assert len(questions) >= 450
    assert overall.longest_single <= 35 and overall.longest_multiple <= 20
    assert overall.hinted == 100
    assert overall.experiments >= 150
    multiple = [q for q in questions if q.type == "multiple"]
    assert all("(Select " in q.prompt for q in multiple)
    assert all(len(q.choices) >= q.select + 3 for q in multiple)


def test_there_is_one_bank_per_lesson_topic_and_the_repo_shows_them_at_quizzes():
    assert available_topics() == list(TOPICS)
    assert (REPO / "quizzes").resolve() == BANKS_DIR.resolve()


def test_the_starter_bank_covers_the_requested_topics(result):
    per_topic = Counter(q.topic for q in result.questions)
    assert sum(per_topic.values()) >= 60
    for topic in (
        "serverless_concepts",
        "invocation_models",
        "alb_integration",
        "pricing",
        "concurrency",
    ):
        assert per_topic[topic] >= 8, topic
    assert all(per_topic[topic] >= 5 for topic in TOPICS)


def test_exam_formats_dominate_and_every_type_is_kept_for_practice(result):
    kinds = Counter(q.type for q in result.questions)
    assert kinds["multiple"] * 5 >= len(result.questions)
    assert set(kinds) == {"single", "multiple", "true_false", "numeric", "ordering"}
    eligible = [q for q in result.questions if exam_eligible(q)]
    assert len(eligible) * 5 >= len(result.questions) * 3  # three in five can appear in exams
    assert sum(map(is_scenario, eligible)) * 2 >= len(eligible)


def test_many_keys_are_pinned_to_lambda_lab_limits(result):
    limit_checks = [q for q in result.questions if q.check and "limit" in q.check]
    assert len(limit_checks) >= 15


def test_every_question_has_references_a_lesson_section_and_an_exam(result):
    single_exam = Counter()
    for question in result.questions:
        assert question.references and all(r.startswith("https://") for r in question.references)
        lesson, _, section = question.lesson.partition("#")
        assert lesson in LINKABLE_LESSONS and section, question.id
        assert set(question.domains) <= {"SAA-C03", "DVA-C02"} and question.domains, question.id
        single_exam[len(question.domains)] += 1
    assert single_exam[1] >= 150  # tagged for one exam where only one exam asks it


def test_every_lesson_has_enough_questions_of_its_own_for_its_quiz(result):
    for lesson in LESSONS:
        own = [q for q in result.questions if q.lesson.split("#")[0] == lesson]
        assert len(own) >= 8, lesson
    assert set(LESSON_TOPICS.values()) == set(TOPICS)


def test_each_exam_profile_can_be_drawn_in_full_from_the_banks(result):
    profiles = packaged_profiles()
    assert {p.exam for p in profiles.values()} == {"SAA-C03", "DVA-C02"}
    saa = profiles["saa-c03"]
    assert [(d.title, d.weight) for d in saa.domains] == [
        ("Design Secure Architectures", 30),
        ("Design Resilient Architectures", 26),
        ("Design High-Performing Architectures", 24),
        ("Design Cost-Optimized Architectures", 20),
    ]
    dva = profiles["dva-c02"]
    assert [(d.title, d.weight) for d in dva.domains] == [
        ("Development with AWS Services", 32),
        ("Security", 26),
        ("Deployment", 24),
        ("Troubleshooting and Optimization", 18),
    ]
    for profile in profiles.values():
        assert shortfalls(profile, result.questions) == {}


def test_topics_resolve_from_what_people_type():
    assert resolve_topics(["pricing", "04", "alb-integration", "07_concurrency", "02b"]) == [
        "cli_and_custom_runtimes",
        "invocation_models",
        "alb_integration",
        "concurrency",
        "pricing",
    ]
    assert resolve_topics(["11", "security-networking"]) == ["security_networking"]
    with pytest.raises(
        UnknownTopic, match="unknown topic 'lambdas'; available: serverless_concepts, "
    ):
        resolve_topics(["lambdas"])


def test_load_bank_returns_only_the_chosen_topics():
    bank = load_bank(["pricing", "concurrency"])
    assert bank.topics == ("pricing", "concurrency")
    assert {q.topic for q in bank.questions} == {"pricing", "concurrency"}
    assert bank.problems == ()
