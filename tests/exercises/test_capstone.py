"""The capstone's grader: the reference solution scores 100 %, each seeded mistake less, with a
message naming the requirement it misses."""

from __future__ import annotations

import pytest

from lambda_lab.exercises.capstone import build_from_source, grade
from lambda_lab.exercises.catalog import get

SOLUTION = get("15-capstone").solution

# (mistake, the text changed in the solution, the requirement that must be missed, words of its message)
MISTAKES = [
    (
        "no redrive policy: the poison message loops forever",
        '        "RedrivePolicy": json.dumps({"deadLetterTargetArn": queue_arn(sqs, dlq_url), "maxReceiveCount": "3"}),\n',
        5,
        "work-dlq holds []",
    ),
    (
        "the S3 notification filters a prefix no upload has",
        '"Value": "uploads/"}',
        3,
        "no item 'uploads/report.txt' in 'files'",
    ),
    (
        "the GET route was never added",
        ', "GET /uploads/{name}": "api"',
        6,
        "GET /uploads/report.txt answered 404",
    ),
]


def seeded(changed: str) -> str:
    assert SOLUTION.count(changed) == 1, changed
    replacement = '"Value": "incoming/"}' if changed.startswith('"Value"') else ""
    return SOLUTION.replace(changed, replacement)


@pytest.mark.slow
def test_reference_solution_scores_100() -> None:
    result = grade(build_from_source(SOLUTION))
    assert result.score == 100, str(result)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("mistake", "changed", "missed", "words"), MISTAKES, ids=[m[0] for m in MISTAKES]
)
def test_each_seeded_mistake_scores_below_100_naming_the_requirement(
    mistake, changed, missed, words
) -> None:
    result = grade(build_from_source(seeded(changed)))
    assert result.score < 100, str(result)
    failed = {r.number: r for r in result.missed}
    assert missed in failed, str(result)
    assert words in failed[missed].message, str(result)


def test_a_build_that_raises_is_graded_not_raised() -> None:
    result = grade(build_from_source("def build(lab):\n    raise RuntimeError('half done')\n"))
    assert result.score == 0
    assert all(
        "build(lab) failed: RuntimeError: half done" in r.message for r in result.requirements
    )
