"""The give-away rules, the out-of-date check and the statistics, on banks made to break them."""

from __future__ import annotations

import textwrap

import pytest

from lambda_lab.cli.app import main
from lambda_lab.quiz.lint import format_problems, lint
from lambda_lab.quiz.stats import bank_stats
from lambda_lab.quiz.style import exam_eligible, exam_format, is_scenario, longest_pick_score

REF = "references: [https://docs.aws.amazon.com/lambda/latest/dg/welcome.html]"


def question(qid: str, body: str, *, hints: bool = True) -> str:
    hint = "hints: [Think about what the lesson measured.]\n" if hints else ""
    text = f"- id: {qid}\n  domains: {{SAA-C03: resilient}}\n  lesson: 04_invocation_models\n"
    text += f"  {REF}\n" + textwrap.indent(hint + textwrap.dedent(body).strip("\n"), "  ")
    return text


def write(write_bank, *questions: str):
    body = textwrap.indent("\n".join(questions), "  ")
    return write_bank("style", f"topic: style\ntitle: Style\nquestions:\n{body}\n")


def rules(result) -> list[tuple[str, str]]:
    return [(issue.question.id, issue.rule) for issue in result.style]


BALANCED = """
type: single
prompt: |
  A company sends orders to a function asynchronously. Failed orders must be kept for a
  later replay. Which solution meets these requirements with the LEAST operational overhead?
choices:
  - {text: Configure an on-failure destination that is an SQS queue, correct: true}
  - {text: Add a retry loop inside the handler that never gives up on an order, feedback: It times out.}
  - {text: Turn on active tracing and read failed orders from X-Ray, feedback: Traces drop.}
  - {text: Write every order to CloudWatch Logs and scan them daily, feedback: Toil.}
"""


def test_a_balanced_exam_question_passes_and_counts_as_an_exam_scenario(write_bank):
    result = lint([write(write_bank, question("s-good", BALANCED))])
    assert result.problems == [] and result.style == []
    (built,) = result.questions
    assert exam_format(built) and is_scenario(built) and exam_eligible(built)
    assert longest_pick_score(built) == 0.0


def test_a_qualifier_split_by_a_line_wrap_still_makes_a_scenario(write_bank):
    asked = "Which solution meets these requirements with the LEAST operational overhead?"
    wrapped = BALANCED.replace(
        asked, "The team has a day to fix it. What should the\n  developer do?"
    )
    result = lint([write(write_bank, question("s-wrapped", wrapped))])
    (built,) = result.questions
    assert built.prompt.endswith("What should the\ndeveloper do?")
    assert is_scenario(built)


def test_each_give_away_is_named_with_its_rule(write_bank):
    long_key = """
    type: single
    prompt: Which one?
    choices:
      - {text: The one answer that is much longer than any other option here, correct: true}
      - {text: A short wrong answer, feedback: No.}
      - {text: Another wrong one, feedback: No.}
      - {text: None of the above, feedback: No.}
    """
    select_missing = """
    type: multiple
    select: 2
    prompt: Which two are right?
    choices:
      - {text: Right answer number one, correct: true}
      - {text: Right answer number two, correct: true}
      - {text: Wrong answer number one, feedback: No.}
      - {text: Wrong answer number two, feedback: No.}
    """
    silly = """
    type: single
    prompt: How does Lambda pick a warm environment?
    choices:
      - {text: It reuses an idle environment of the same version, correct: true}
      - {text: Randomly from any account's environments in the Region, feedback: No.}
      - {text: It starts a new environment for every request it gets, feedback: No.}
      - {text: Nothing, feedback: No.}
    """
    short_key = """
    type: single
    prompt: Which one?
    choices:
      - {text: Always, correct: true}
      - {text: Only when the function runs in a VPC with a NAT gateway, feedback: No.}
      - {text: Only when the function has more than two gigabytes of memory, feedback: No.}
      - {text: Only when the caller waits for the answer synchronously, feedback: No.}
    """
    result = lint(
        [
            write(
                write_bank,
                question("s-long", long_key),
                question("s-select", select_missing, hints=False),
                question("s-silly", silly),
                question("s-short", short_key),
            )
        ]
    )
    assert result.problems == []  # give-aways never hide a question from learners...
    assert len(result.questions) == 4
    assert sorted(rules(result)) == [  # ...but the bank does not pass
        ("s-long", "above"),
        ("s-long", "longest-key"),
        ("s-select", "no-hint"),
        ("s-select", "select-n"),
        ("s-select", "select-options"),
        ("s-short", "shortest-key"),
        ("s-silly", "silly-distractor"),
        ("s-silly", "silly-distractor"),
    ]
    report = format_problems(result)
    assert "s-long: the key is longer than every distractor by a clear margin (61 vs 20" in report
    assert "s-select: a multiple-response prompt must say '(Select TWO.)' [select-n]" in report
    assert "s-select: select 2 needs 5+ options, has 4 [select-options]" in report
    assert report.endswith("8 problems in 1 file")


def test_near_duplicates_are_paired_with_the_first_of_them(write_bank):
    twin = BALANCED.replace("Failed orders", "Orders that fail")
    result = lint([write(write_bank, question("s-one", BALANCED), question("s-two", twin))])
    assert rules(result) == [("s-two", "near-duplicate")]
    assert "asks nearly what s-one asks" in result.style[0].message


def test_a_repeat_is_named_once_with_the_earlier_question_closest_to_it(write_bank):
    twin = BALANCED.replace("Failed orders", "Orders that fail")
    closer = twin.replace("an SQS queue", "an Amazon SQS queue")
    path = write(
        write_bank,
        question("s-one", BALANCED),
        question("s-two", twin),
        question("s-three", closer),
    )
    result = lint([path])
    assert sorted(rules(result)) == [("s-three", "near-duplicate"), ("s-two", "near-duplicate")]
    said = {issue.question.id: issue.message for issue in result.style}
    assert "asks nearly what s-one asks" in said["s-two"]
    assert "asks nearly what s-two asks" in said["s-three"]  # its closest, not both


def test_outdated_runtimes_and_limits_are_refused_unless_told_as_history(write_bank):
    stale = """
    type: single
    prompt: Which runtime should a new function use?
    choices:
      - {text: python3.13 on Amazon Linux 2023, correct: true}
      - {text: python3.9 on Amazon Linux 2, feedback: Supported Python runtimes are 3.10 to 3.14.}
      - {text: go1.x on Amazon Linux 1, feedback: Go runs on provided.al2023 today.}
      - {text: nodejs16.x on Amazon Linux 2, feedback: Retired.}
    explanation: |
      Memory goes up to 3,008 MB. The REST API's 29-second timeout cannot be raised. A
      function URL with AWS_IAM only needs lambda:InvokeFunctionUrl.
    """
    history = """
    type: single
    prompt: Which runtime should a new function use?
    choices:
      - {text: python3.13 on Amazon Linux 2023, correct: true}
      - {text: python3.10 on Amazon Linux 2, feedback: Python 3.10 is deprecated since October 2026.}
      - {text: go1.x on Amazon Linux 1, feedback: Go runs on provided.al2023 today.}
      - {text: nodejs16.x on Amazon Linux 2, feedback: Retired long ago.}
    explanation: |
      Memory was limited to 3,008 MB before December 2020. Billing rounded up to 100 ms until
      then. New URLs need lambda:InvokeFunctionUrl and lambda:InvokeFunction.
    """
    result = lint([write(write_bank, question("s-stale", stale), question("s-history", history))])
    found = [(i.question.id, i.message) for i in result.style if i.rule == "outdated"]
    assert [qid for qid, _ in found] == ["s-stale"] * 4
    messages = "\n".join(m for _, m in found)
    assert "states python3.10 without saying it is deprecated (since 2026-10-31" in messages
    assert "states 3,008 as today's MEMORY_MAX_MB (changed 2020-12; now 10,240)" in messages
    assert "Regional and private APIs can raise it since 2024-06" in messages
    assert "new function URLs need lambda:InvokeFunction too since 2025-10" in messages


def test_practice_only_keeps_a_question_out_of_exams(write_bank):
    text = BALANCED.strip() + "\npractice_only: true"
    (built,) = lint([write(write_bank, question("s-practice", text))]).questions
    assert exam_format(built) and not exam_eligible(built)


@pytest.mark.parametrize(
    ("lengths", "keys", "select", "expected"),
    [
        ((40, 10, 10, 10), {0}, 1, 1.0),
        ((10, 40, 10, 10), {0}, 1, 0.0),
        ((40, 40, 10, 10), {0}, 1, 0.5),  # a tie: half the time
        ((30, 30, 30, 5, 5), {0, 1}, 2, 1 / 3),
    ],
)
def test_always_pick_the_longest_is_an_expected_score(write_bank, lengths, keys, select, expected):
    choices = "\n".join(
        f"  - {{text: {'x' * n}{i}, correct: {str(i in keys).lower()}, feedback: F.}}"
        for i, n in enumerate(lengths)
    )
    kind = "single" if select == 1 else f"multiple\nselect: {select}"
    body = f"type: {kind}\nprompt: Pick. (Select TWO.)\nchoices:\n{choices}"
    if select == 1:
        body = body.replace(" (Select TWO.)", "")
    (built,) = lint([write(write_bank, question("s-len", body))]).questions
    assert longest_pick_score(built) == pytest.approx(expected)


def test_stats_count_formats_scenarios_and_the_longest_score(write_bank, capsys):
    long_key = BALANCED.replace(
        "Configure an on-failure destination that is an SQS queue",
        "Configure an on-failure destination that is an SQS queue kept for fourteen days",
    )
    path = write(write_bank, question("s-good", BALANCED), question("s-long", long_key))
    result = lint([path])
    row = bank_stats("style", result.questions)
    assert (row.questions, row.single, row.longest_single) == (2, 2, 50.0)
    assert (row.exam_format, row.scenario, row.exam_pool) == (100.0, 100.0, 2)
    assert main(["quiz", "lint", str(path), "--stats"]) == 1  # one near-duplicate pair
    out = capsys.readouterr().out
    assert "style                       2       2      50%" in out
    assert "all banks                   2       2      50%" in out
