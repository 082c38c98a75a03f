"""The bank linter on broken banks: every rule, exact messages, every problem collected."""

from __future__ import annotations

import textwrap
from pathlib import Path

from lambda_lab.quiz.lint import format_problems, lint


def bank(topic: str, questions: str) -> str:
    """A bank whose first question starts on line 4 (`  - id:`), fields at column 5."""
    body = textwrap.indent(textwrap.dedent(questions).strip("\n"), "  ")
    return f"topic: {topic}\ntitle: A test bank\nquestions:\n{body}\n"


def problems(*paths: Path, **options: bool) -> list[tuple[int, int, str, str]]:
    result = lint(list(paths), **options)
    return [(p.line, p.column, p.field, p.message) for p in result.problems]


def test_a_valid_bank_has_no_problems_and_builds_its_questions(write_bank):
    path = write_bank(
        "valid",
        bank(
            "valid",
            """
          - id: v-single
            type: single
            domains: {SAA-C03: resilient, DVA-C02: development}
            prompt: Pick one.
            choices:
              - {text: Right, correct: true}
              - {text: Wrong, feedback: Because it is wrong.}
            hints: [One is right.]
            references: [https://docs.aws.amazon.com/lambda/latest/dg/welcome.html]
            lesson: 04_invocation_models#retries
          - id: v-numeric
            type: numeric
            domains: {DVA-C02: troubleshooting}
            prompt: How many retries?
            answer: 2
            unit: retries
            hints: [Count the retries, not the attempts.]
            check: {limit: ASYNC_RETRIES_DEFAULT}
            explanation: Two by default.
            references: [https://docs.aws.amazon.com/lambda/latest/dg/invocation-async.html]
            lesson: 04_invocation_models
        """,
        ),
    )
    result = lint([path])
    assert result.problems == []
    assert [q.id for q in result.questions] == ["v-single", "v-numeric"]
    assert format_problems(result) == "1 file, 2 questions: no problems"


def test_schema_errors_name_file_line_column_field_and_what_was_expected(write_bank):
    path = write_bank(
        "schema",
        """
        topic: schema
        title: Schema errors
        extra: 1
        questions:
          - id: s-types
            type: numeric
            domains: {SAA-C03: resilient}
            prompt: 42
            answer: "900"
            unit: seconds
            difficulty: 7
            hints: a single string
            explanation: Because.
            references: [https://docs.aws.amazon.com/lambda/latest/dg/welcome.html]
            lesson: 04_invocation_models
            choises: []
          - id: Not An Id
            type: singel
            prompt: Which?
          - just a string
        """,
    )
    assert problems(path) == [
        (3, 1, "extra", "unknown field for a bank"),
        (8, 13, "s-types.prompt", "expected a non-empty string, got an integer (42)"),
        (9, 13, "s-types.answer", "expected a number, got a string ('900')"),
        (11, 17, "s-types.difficulty", "expected an integer from 1 to 3, got an integer (7)"),
        (12, 12, "s-types.hints", "expected a list of strings, got a string ('a single string')"),
        (16, 5, "s-types.choises", "unknown field for a 'numeric' question"),
        (17, 5, "questions[1].domains", "missing required field"),
        (17, 5, "questions[1].references", "missing required field"),
        (17, 5, "questions[1].lesson", "missing required field"),
        (
            17,
            9,
            "questions[1].id",
            "expected lower-case letters, digits and dashes (2-64), got a string ('Not An Id')",
        ),
        (
            18,
            11,
            "questions[1].type",
            "unknown type 'singel' (did you mean 'single'?); "
            "expected one of: single, multiple, true_false, numeric, ordering",
        ),
        (20, 5, "questions[2]", "expected a question (a mapping), got a string ('just a string')"),
    ]


def test_a_typo_in_a_field_name_gets_a_suggestion(write_bank):
    path = write_bank(
        "typo",
        bank(
            "typo",
            """
          - id: t-typo
            type: single
            domains: {SAA-C03: resilient}
            prompt: Pick one.
            choices:
              - {text: Right, correct: true}
              - {text: Wrong, feedbak: Because.}
            explanation: Because.
            referenses: [https://docs.aws.amazon.com/lambda/latest/dg/welcome.html]
            lesson: 04_invocation_models
        """,
        ),
    )
    assert problems(path) == [
        (4, 5, "t-typo.references", "missing required field"),
        (10, 23, "t-typo.choices[1].feedbak", "unknown field (did you mean 'feedback'?)"),
        (12, 5, "t-typo.referenses", "unknown field (did you mean 'references'?)"),
    ]


def test_duplicate_ids_across_files_point_at_the_first_definition(write_bank):
    question = """
          - id: same-id
            type: true_false
            domains: {SAA-C03: resilient}
            prompt: Lambda is serverless.
            answer: true
            explanation: It is.
            references: [https://docs.aws.amazon.com/lambda/latest/dg/welcome.html]
            lesson: 01_serverless_concepts
    """
    first = write_bank("first", bank("first", question))
    second = write_bank("second", bank("second", question + question))
    result = lint([first, second])
    message = f"duplicate id 'same-id' (first defined at {first}:4:9)"
    assert [str(p) for p in result.problems] == [
        f"{second}:4:9: same-id.id: {message}",
        f"{second}:13:9: same-id.id: {message}",
    ]
    assert [q.id for q in result.questions] == ["same-id"]


def test_correct_answer_counts_must_match_the_question_type(write_bank):
    path = write_bank(
        "keys",
        bank(
            "keys",
            """
          - id: k-single-two
            type: single
            domains: {SAA-C03: resilient}
            prompt: Pick one.
            choices:
              - {text: A, correct: true}
              - {text: B, correct: true}
              - {text: C, feedback: No.}
            references: [https://docs.aws.amazon.com/lambda/latest/dg/welcome.html]
            lesson: 04_invocation_models
          - id: k-single-none
            type: single
            domains: {SAA-C03: resilient}
            prompt: Pick one.
            choices:
              - {text: A, feedback: No.}
              - {text: B, feedback: No.}
            references: [https://docs.aws.amazon.com/lambda/latest/dg/welcome.html]
            lesson: 04_invocation_models
          - id: k-select-two-three-correct
            type: multiple
            select: 2
            domains: {SAA-C03: resilient}
            prompt: Which are right? (Select THREE.)
            choices:
              - {text: A, correct: true}
              - {text: B, correct: true}
              - {text: C, correct: true}
              - {text: D, feedback: No.}
            references: [https://docs.aws.amazon.com/lambda/latest/dg/welcome.html]
            lesson: 04_invocation_models
          - id: k-select-everything
            type: multiple
            select: 3
            domains: {SAA-C03: resilient}
            prompt: Which are right?
            choices:
              - {text: A, correct: true}
              - {text: B, correct: true}
              - {text: C, correct: true}
            references: [https://docs.aws.amazon.com/lambda/latest/dg/welcome.html]
            lesson: 04_invocation_models
        """,
        ),
    )
    assert problems(path) == [
        (
            9,
            7,
            "k-single-two.choices",
            "a 'single' question needs exactly 1 correct choice, got 2: choices[0], choices[1]",
        ),
        (
            19,
            7,
            "k-single-none.choices",
            "a 'single' question needs exactly 1 correct choice, got 0: none",
        ),
        (
            25,
            13,
            "k-select-two-three-correct.select",
            "select is 2 but 3 choices are correct: choices[0], choices[1], choices[2]",
        ),
        (
            27,
            13,
            "k-select-two-three-correct.prompt",
            "the prompt says 'Select THREE' but the question expects 2",
        ),
        (
            37,
            13,
            "k-select-everything.select",
            "expected an integer from 2 to 2, got an integer (3)",
        ),
    ]


def test_wrong_answers_need_feedback_or_an_explanation(write_bank):
    path = write_bank(
        "feedback",
        bank(
            "feedback",
            """
          - id: f-silent-choice
            type: single
            domains: {SAA-C03: resilient}
            prompt: Pick one.
            choices:
              - {text: Right, correct: true}
              - {text: Silent}
              - {text: Explained, feedback: Not this one.}
            references: [https://docs.aws.amazon.com/lambda/latest/dg/welcome.html]
            lesson: 04_invocation_models
          - id: f-numeric-unexplained
            type: numeric
            domains: {SAA-C03: resilient}
            prompt: How many?
            answer: 2
            unit: retries
            references: [https://docs.aws.amazon.com/lambda/latest/dg/welcome.html]
            lesson: 04_invocation_models
          - id: f-yaml-no
            type: single
            domains: {SAA-C03: resilient}
            prompt: Pick one.
            choices:
              - {text: Right, correct: true}
              - {text: Wrong, feedback: no}
            references: [https://docs.aws.amazon.com/lambda/latest/dg/welcome.html]
            lesson: 04_invocation_models
        """,
        ),
    )
    assert problems(path) == [
        (
            10,
            9,
            "f-silent-choice.choices[1]",
            "wrong choice has no feedback and the question has no explanation",
        ),
        (
            14,
            5,
            "f-numeric-unexplained.explanation",
            "missing required field (a 'numeric' question has no choice feedback)",
        ),
        # YAML reads a bare `no` as false: the linter catches it
        (
            28,
            33,
            "f-yaml-no.choices[1].feedback",
            "expected a non-empty string, got a boolean (false)",
        ),
    ]


def test_references_lessons_and_domains_are_checked(write_bank):
    path = write_bank(
        "refs",
        bank(
            "refs",
            """
          - id: r-no-reference
            type: true_false
            domains: {SAA-C03: fast, SAA-C02: secure}
            prompt: True?
            answer: true
            explanation: Yes.
            references: []
            lesson: 16_extra_lesson
          - id: r-bad-reference
            type: true_false
            domains: {}
            prompt: True?
            answer: true
            explanation: Yes.
            references: [http://example.com/page, docs]
            lesson: lesson four
        """,
        ),
    )
    assert problems(path) == [
        (
            6,
            24,
            "r-no-reference.domains.SAA-C03",
            "unknown domain 'fast' for SAA-C03; expected one of: cost, performant, resilient, secure",
        ),
        (
            6,
            30,
            "r-no-reference.domains.SAA-C02",
            "unknown exam 'SAA-C02'; expected one of: DVA-C02, SAA-C03",
        ),
        (10, 17, "r-no-reference.references", "expected at least one https:// URL"),
        (
            11,
            13,
            "r-no-reference.lesson",
            "unknown lesson '16_extra_lesson'; lessons are 00_start_here, 01_serverless_concepts, "
            "02_first_function, 02b_cli_and_custom_runtimes, 03_configuration, "
            "04_invocation_models, 05_alb_integration, 06_event_sources, 07_concurrency, "
            "08_monitoring, 09_pricing, 10_api_gateway, 11_security_and_networking, "
            "12_packaging_and_layers, 13_deploying, 14_orchestration, 15_capstone",
        ),
        (
            14,
            14,
            "r-bad-reference.domains",
            "expected at least one exam, e.g. {SAA-C03: resilient}",
        ),
        (
            18,
            18,
            "r-bad-reference.references[0]",
            "expected an https:// URL, got a string ('http://example.com/page')",
        ),
        (
            18,
            43,
            "r-bad-reference.references[1]",
            "expected an https:// URL, got a string ('docs')",
        ),
        (
            19,
            13,
            "r-bad-reference.lesson",
            "expected 'NN_lesson#section', got a string ('lesson four')",
        ),
    ]


def test_checks_must_agree_with_lambda_lab_limits(write_bank):
    path = write_bank(
        "checks",
        bank(
            "checks",
            """
          - id: c-numeric-outdated
            type: numeric
            domains: {SAA-C03: performant}
            prompt: Longest timeout in seconds?
            answer: 300
            unit: seconds
            explanation: Older notes say five minutes.
            check: {limit: TIMEOUT_MAX_S}
            references: [https://docs.aws.amazon.com/lambda/latest/dg/configuration-timeout.html]
            lesson: 03_configuration#timeout
          - id: c-single-value
            type: single
            domains: {SAA-C03: performant}
            prompt: Most memory?
            choices:
              - {text: 3 GB, correct: true, value: 3008}
              - {text: 10 GB, value: 10240, feedback: No.}
            check: {limit: MEMORY_MAX_MB}
            references: [https://docs.aws.amazon.com/lambda/latest/dg/configuration-memory.html]
            lesson: 03_configuration#memory
          - id: c-true-false-expression
            type: true_false
            domains: {SAA-C03: performant}
            prompt: The longest timeout is 15 minutes.
            answer: false
            explanation: It is.
            check: {limit: "TIMEOUT_MAX_S == 15 * 60"}
            references: [https://docs.aws.amazon.com/lambda/latest/dg/configuration-timeout.html]
            lesson: 03_configuration#timeout
          - id: c-ambiguous-value
            type: single
            domains: {SAA-C03: performant}
            prompt: Default timeout?
            choices:
              - {text: 3 s, correct: true, value: 3}
              - {text: three seconds, value: 3, feedback: Same thing.}
            check: {limit: TIMEOUT_DEFAULT_S}
            references: [https://docs.aws.amazon.com/lambda/latest/dg/configuration-timeout.html]
            lesson: 03_configuration#timeout
        """,
        ),
    )
    assert problems(path) == [
        (11, 12, "c-numeric-outdated.check", "key 300 disagrees with limit TIMEOUT_MAX_S = 900"),
        (21, 12, "c-single-value.check", "key 3008 disagrees with limit MEMORY_MAX_MB = 10240"),
        (
            30,
            12,
            "c-true-false-expression.check",
            "key false disagrees with limit TIMEOUT_MAX_S == 15 * 60 = true",
        ),
        (40, 12, "c-ambiguous-value.check", "choices[1] is wrong but also carries the value 3"),
    ]


def test_malformed_checks_are_reported_without_running_anything(write_bank):
    path = write_bank(
        "badchecks",
        bank(
            "badchecks",
            """
          - id: b-unknown-limit
            type: numeric
            domains: {SAA-C03: performant}
            prompt: Longest timeout?
            answer: 900
            unit: seconds
            explanation: Fifteen minutes.
            check: {limit: TIMEOUT_MAX}
            references: [https://docs.aws.amazon.com/lambda/latest/dg/welcome.html]
            lesson: 03_configuration
          - id: b-unsafe-expression
            type: numeric
            domains: {SAA-C03: performant}
            prompt: Longest timeout?
            answer: 900
            unit: seconds
            explanation: Fifteen minutes.
            check: {limit: "__import__('os').getcwd()"}
            references: [https://docs.aws.amazon.com/lambda/latest/dg/welcome.html]
            lesson: 03_configuration
          - id: b-two-targets
            type: numeric
            domains: {SAA-C03: performant}
            prompt: Default timeout?
            answer: 3
            unit: seconds
            explanation: Three.
            check: {limit: TIMEOUT_DEFAULT_S, experiment: nothing_like_it}
            references: [https://docs.aws.amazon.com/lambda/latest/dg/welcome.html]
            lesson: 03_configuration
          - id: b-unknown-experiment
            type: numeric
            domains: {SAA-C03: performant}
            prompt: Default timeout?
            answer: 3
            unit: seconds
            explanation: Three.
            check: {experiment: nothing_like_it}
            references: [https://docs.aws.amazon.com/lambda/latest/dg/welcome.html]
            lesson: 03_configuration
          - id: b-check-on-multiple
            type: multiple
            select: 2
            domains: {SAA-C03: performant}
            prompt: Which?
            choices:
              - {text: A, correct: true}
              - {text: B, correct: true}
              - {text: C, feedback: No.}
            check: {limit: TIMEOUT_MAX_S}
            references: [https://docs.aws.amazon.com/lambda/latest/dg/welcome.html]
            lesson: 03_configuration
          - id: b-no-value-to-check
            type: single
            domains: {SAA-C03: performant}
            prompt: Longest timeout?
            choices:
              - {text: 15 minutes, correct: true}
              - {text: 5 minutes, feedback: Outdated.}
            check: {limit: TIMEOUT_MAX_S}
            references: [https://docs.aws.amazon.com/lambda/latest/dg/welcome.html]
            lesson: 03_configuration
        """,
        ),
    )
    assert problems(path) == [
        (
            11,
            20,
            "b-unknown-limit.check.limit",
            "unknown limit 'TIMEOUT_MAX' (did you mean 'TIMEOUT_MAX_S'?)",
        ),
        (
            21,
            20,
            "b-unsafe-expression.check.limit",
            "'__import__('os').getcwd()' is not allowed in a limit expression",
        ),
        (31, 12, "b-two-targets.check", "expected exactly one of 'limit' or 'experiment'"),
        (
            41,
            25,
            "b-unknown-experiment.check.experiment",
            "unknown experiment 'nothing_like_it'; see `lambda-lab quiz experiments`",
        ),
        (
            53,
            12,
            "b-check-on-multiple.check",
            "a 'multiple' question has no single key to check; use single, true_false, numeric",
        ),
        (
            61,
            9,
            "b-no-value-to-check.choices[0]",
            "the correct choice needs a 'value' for the check to compare",
        ),
    ]


def test_yaml_syntax_errors_and_duplicate_keys_are_located(write_bank):
    syntax = write_bank("syntax", "topic: syntax\nquestions:\n  - id: [unclosed\n")
    tabs = write_bank("tabs", "topic: tabs\n\tquestions: []\n")
    duplicate = write_bank(
        "duplicate",
        bank(
            "duplicate",
            """
          - id: d-key
            type: true_false
            domains: {SAA-C03: resilient}
            prompt: First prompt.
            prompt: Second prompt.
            answer: true
            explanation: Yes.
            references: [https://docs.aws.amazon.com/lambda/latest/dg/welcome.html]
            lesson: 04_invocation_models
        """,
        ),
    )
    result = lint([syntax, tabs, duplicate])
    assert [str(p) for p in result.problems] == [
        f"{duplicate}:8:5: d-key.prompt: duplicate key (first at line 7, column 5)",
        f"{syntax}:4:1: YAML syntax error: did not find expected ',' or ']' "
        "(while parsing a flow sequence started at line 3, column 9)",
        f"{tabs}:2:1: YAML syntax error: found a tab character that violates indentation "
        "(while scanning a plain scalar started at line 1, column 8)",
    ]


def test_every_problem_is_collected_and_the_summary_counts_them(write_bank, tmp_path):
    broken = write_bank("broken", "topic: wrong_name\ntitle: 5\nquestions: []\n")
    missing = tmp_path / "not-there.yaml"
    result = lint([broken, missing])
    assert [str(p) for p in result.problems] == [
        f"{broken}:1:8: topic: topic 'wrong_name' does not match the file name 'broken.yaml'",
        f"{broken}:2:8: title: expected a non-empty string, got an integer (5)",
        f"{broken}:3:12: questions: expected at least one question",
        f"{missing}:1:1: no such file or directory",
    ]
    assert format_problems(result).splitlines()[-1] == "4 problems in 1 file"


def test_profiles_are_linted_with_their_weights(tmp_path):
    profiles = tmp_path / "exam" / "profiles"
    profiles.mkdir(parents=True)
    (profiles / "broken.yaml").write_text(
        "exam: SAA-C03\n"
        "title: Broken\n"
        "questions: 0\n"
        "time_limit_minutes: 30\n"
        "domains:\n"
        "  secure: {title: Secure, weight: 50}\n"
        "  cost: {title: Cost, weight: 20}\n"
        "  Bad Key: {title: Bad, weight: 10, colour: red}\n",
        encoding="utf-8",
    )
    result = lint([tmp_path / "exam"])
    assert [(p.line, p.column, p.field, p.message) for p in result.problems] == [
        (1, 1, "pass_mark", "missing required field"),
        (3, 12, "questions", "expected an integer >= 1, got an integer (0)"),
        (6, 3, "domains", "domain weights add up to 80, expected 100"),
        (8, 3, "domains.Bad Key", "expected a lower-case domain key"),
        (8, 37, "domains.Bad Key.colour", "unknown field for a domain"),
    ]
