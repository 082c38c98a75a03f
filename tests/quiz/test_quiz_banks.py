"""The shipped banks and profiles: lint clean, and shaped the way the course needs them."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from lambda_lab.quiz.bank import UnknownTopic, available_topics, load_bank, resolve_topics
from lambda_lab.quiz.lint import BANKS_DIR, lint
from lambda_lab.quiz.profiles import packaged_profiles, shortfalls
from lambda_lab.quiz.schema import LESSONS, TOPICS

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def result():
    return lint()


def test_the_shipped_banks_and_profiles_lint_clean(result):
    assert [str(p) for p in result.problems] == []
    assert result.files == len(TOPICS) + 2  # one bank per topic, two exam profiles


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


def test_at_least_a_quarter_are_multiple_response_and_every_type_is_used(result):
    kinds = Counter(q.type for q in result.questions)
    assert kinds["multiple"] * 4 >= len(result.questions)
    assert set(kinds) == {"single", "multiple", "true_false", "numeric", "ordering"}


def test_many_keys_are_pinned_to_lambda_lab_limits(result):
    limit_checks = [q for q in result.questions if q.check and "limit" in q.check]
    assert len(limit_checks) >= 15


def test_every_question_has_a_reference_a_lesson_section_and_both_exams(result):
    for question in result.questions:
        assert question.references and all(r.startswith("https://") for r in question.references)
        lesson, _, section = question.lesson.partition("#")
        assert lesson in LESSONS and section, question.id
        assert lesson.endswith(question.topic), question.id
        assert set(question.domains) == {"SAA-C03", "DVA-C02"}, question.id


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
    assert resolve_topics(["pricing", "04", "alb-integration", "07_concurrency"]) == [
        "invocation_models",
        "alb_integration",
        "concurrency",
        "pricing",
    ]
    with pytest.raises(
        UnknownTopic, match="unknown topic 'lambdas'; available: serverless_concepts, "
    ):
        resolve_topics(["lambdas"])


def test_load_bank_returns_only_the_chosen_topics():
    bank = load_bank(["pricing", "concurrency"])
    assert bank.topics == ("pricing", "concurrency")
    assert {q.topic for q in bank.questions} == {"pricing", "concurrency"}
    assert bank.problems == ()
