"""Question kinds (parse and grade), checks against limits, and scoring."""

from __future__ import annotations

import random

import pytest

from lambda_lab import limits
from lambda_lab.quiz.checks import CheckError, agrees, evaluate_limit
from lambda_lab.quiz.kinds import AnswerError
from lambda_lab.quiz.model import Choice, Item, Question
from lambda_lab.quiz.profiles import allocate
from lambda_lab.quiz.scoring import feedback, report


def make(type_: str, **parts) -> Question:
    base = dict(
        id=f"t-{type_}",
        type=type_,
        topic="invocation_models",
        prompt="Question?",
        domains={"SAA-C03": "resilient", "DVA-C02": "development"},
        references=("https://docs.aws.amazon.com/lambda/latest/dg/welcome.html",),
        lesson="04_invocation_models#retries",
        explanation="Because.",
    )
    return Question(**{**base, **parts})


MULTIPLE = make(
    "multiple",
    choices=(
        Choice("ALB", correct=True),
        Choice("API Gateway", correct=True),
        Choice("S3", feedback="S3 is asynchronous."),
        Choice("SNS", feedback="SNS is asynchronous."),
    ),
    select=2,
)


def item_for(question: Question, seed: int = 0) -> Item:
    return Item(question, question.kind.present(question, random.Random(seed)))


def letters(item: Item, *keys) -> str:
    return "".join(item.letter_of(k) for k in keys)


def test_multiple_response_has_no_partial_credit():
    item = item_for(MULTIPLE)
    kind = MULTIPLE.kind
    assert kind.grade(MULTIPLE, kind.parse(item, letters(item, 0, 1))) is True
    assert kind.grade(MULTIPLE, kind.parse(item, letters(item, 0, 2))) is False
    with pytest.raises(AnswerError, match=r"^Select 2\. You chose 3\.$"):
        kind.parse(item, letters(item, 0, 1, 2))
    with pytest.raises(AnswerError, match=r"^Select 2\. Type letters from a to d\.$"):
        kind.parse(item, "ax")


def test_answers_accept_letters_in_any_spacing():
    item = item_for(MULTIPLE)
    a, b = letters(item, 0), letters(item, 1)
    assert MULTIPLE.kind.parse(item, f" {a.upper()}, {b} ") == frozenset({0, 1})


def test_shuffles_are_reproducible_with_a_seed_and_differ_between_seeds():
    orders = {tuple(o.key for o in item_for(MULTIPLE, seed).options) for seed in range(20)}
    assert len(orders) > 1
    assert item_for(MULTIPLE, 7).options == item_for(MULTIPLE, 7).options


def test_numeric_answers_use_tolerance_and_accept_units_and_thousands():
    question = make("numeric", answer=0.40, tolerance=0.01, unit="USD")
    item = item_for(question)
    kind = question.kind
    assert kind.grade(question, kind.parse(item, "0.405 USD")) is True
    assert kind.grade(question, kind.parse(item, "0.42")) is False
    big = make("numeric", answer=400000, unit="GB-seconds")
    assert big.kind.grade(big, big.kind.parse(item_for(big), "400,000")) is True
    with pytest.raises(AnswerError, match=r"^Type a number \(in USD\)\.$"):
        kind.parse(item, "forty cents")
    assert kind.key_text(item) == "0.4 USD (within 0.01)"


def test_numbers_are_shown_as_people_write_them_and_read_back():
    for answer, shown in [
        (3_200_000, "3,200,000"),
        (130000.2, "130,000.2"),
        (0.0000166667, "0.0000166667"),
    ]:
        question = make("numeric", answer=answer, unit="USD")
        item = item_for(question)
        assert question.kind.key_text(item) == f"{shown} USD"  # not 3.2e+06 or 130000 ("g")
        item.response = question.kind.parse(item, shown)
        assert question.kind.grade(question, item.response)
        assert question.kind.response_text(item) == f"{shown} USD"


def test_true_false_and_ordering():
    statement = make("true_false", answer=False)
    item = item_for(statement)
    assert [o.text for o in item.options] == ["True", "False"]
    assert statement.kind.grade(statement, statement.kind.parse(item, "false")) is True
    assert statement.kind.grade(statement, statement.kind.parse(item, "a")) is False
    steps = make("ordering", items=("first", "second", "third"))
    shown = item_for(steps, seed=3)
    assert [o.key for o in shown.options] != [0, 1, 2]  # never starts in the right order
    right = letters(shown, 0, 1, 2)
    assert steps.kind.grade(steps, steps.kind.parse(shown, right)) is True
    assert steps.kind.grade(steps, steps.kind.parse(shown, right[::-1])) is False
    with pytest.raises(AnswerError, match=r"^Type all 3 letters in order"):
        steps.kind.parse(shown, right[:2])


def test_feedback_names_the_key_and_the_notes_for_wrong_picks():
    item = item_for(MULTIPLE, seed=1)
    item.response = MULTIPLE.kind.parse(item, letters(item, 0, 2))
    item.correct = MULTIPLE.kind.grade(MULTIPLE, item.response)
    result = feedback(item)
    assert result.correct is False
    assert result.key == ", ".join(
        f"{item.letter_of(k)}) {MULTIPLE.choices[k].text}"
        for k in sorted((0, 1), key=item.letter_of)
    )
    assert result.notes == ((item.letter_of(2), "S3 is asynchronous."),)
    assert result.given == ", ".join(sorted([item.letter_of(0), item.letter_of(2)]))


def test_report_scores_by_exam_domain():
    items = []
    for correct, domain in [(True, "resilient"), (False, "resilient"), (True, "cost")]:
        question = make("true_false", answer=True, domains={"SAA-C03": domain})
        item = item_for(question)
        item.response, item.correct = frozenset({correct}), correct
        items.append(item)
    result = report(items, "practice")
    assert (result.correct, result.total) == (2, 3)
    assert [(d.exam, d.key, d.correct, d.total) for d in result.domains] == [
        ("SAA-C03", "resilient", 1, 2),
        ("SAA-C03", "cost", 1, 1),
    ]
    assert [entry.number for entry in result.review] == [2]
    assert result.passed is None


def test_limit_expressions_read_lambda_lab_limits_and_nothing_else():
    assert evaluate_limit("TIMEOUT_MAX_S // 60") == limits.TIMEOUT_MAX_S // 60
    assert evaluate_limit("ASYNC_RETRY_DELAYS_S[1]") == limits.ASYNC_RETRY_DELAYS_S[1]
    assert evaluate_limit("vcpus_for_memory(MEMORY_PER_VCPU_MB)") == 1.0
    assert evaluate_limit("'arm64' in ARCHITECTURES") is True
    with pytest.raises(CheckError, match=r"^unknown limit 'open'$"):
        evaluate_limit("open('x')")
    with pytest.raises(
        CheckError, match=r"^'TIMEOUT_MAX_S.real' is not allowed in a limit expression$"
    ):
        evaluate_limit("TIMEOUT_MAX_S.real")
    with pytest.raises(
        CheckError,
        match=r"^cannot evaluate limit expression 'TIMEOUT_MAX_S / 0': division by zero$",
    ):
        evaluate_limit("TIMEOUT_MAX_S / 0")
    with pytest.raises(
        CheckError, match=r"^cannot read limit expression 'TIMEOUT_MAX_S \+': invalid syntax$"
    ):
        evaluate_limit("TIMEOUT_MAX_S +")


def test_a_boolean_key_never_agrees_with_a_number():
    assert agrees(True, True) and not agrees(True, 1) and not agrees(0, False)
    assert agrees(0.4, 0.405, tolerance=0.01) and not agrees(3, 4)


def test_exam_draw_sizes_follow_the_weights():
    assert allocate(20, {"secure": 30, "resilient": 26, "performant": 24, "cost": 20}) == {
        "secure": 6,
        "resilient": 5,
        "performant": 5,
        "cost": 4,
    }
    assert sum(allocate(65, {"a": 32, "b": 26, "c": 24, "d": 18}).values()) == 65
