"""The concepts, first-function, configuration, monitoring and pricing banks agree with the Lab.

Each ``check: {experiment: ...}`` in those banks replays its scenario in a fresh Lab (a
custom runtime without bootstrap, oversized variables and payloads, aliases, overlapping
calls and their log streams, a throttle, a 600 KB async event and its bill) or prices the
described month with the Lab's pricing engine, and the question's key must equal the result.
"""

from __future__ import annotations

from lambda_lab.quiz import experiments_functions, experiments_pricing
from lambda_lab.quiz.experiments import EXPERIMENTS
from lambda_lab.quiz.lint import BANKS_DIR, lint

BANKS = ("serverless_concepts", "first_function", "configuration", "monitoring", "pricing")
MODULES = {experiments_functions.__name__, experiments_pricing.__name__}
OWN = {name for name, e in EXPERIMENTS.items() if e.run.__module__ in MODULES}


def _checked(result) -> set[str]:
    return {q.check["experiment"] for q in result.questions if q.check and "experiment" in q.check}


def test_every_experiment_is_used_by_a_question():
    """Each experiment checks a key or is what "show me" runs for some question."""
    used = {q.experiment for q in lint().questions}
    assert len(OWN) >= 20
    unused = sorted(set(EXPERIMENTS) - used)
    assert not unused, f"experiments no question uses: {unused}"


def test_the_keys_equal_what_the_lab_does():
    result = lint([BANKS_DIR / f"{bank}.yaml" for bank in BANKS], run_experiments=True)
    assert [str(p) for p in result.problems] == []
    assert len(_checked(result)) >= 25  # the three older experiments and the ones above


def test_a_wrong_key_is_caught_by_its_experiment(write_bank):
    """The experiments really constrain the keys: the same question with a wrong answer fails."""
    source = (BANKS_DIR / "pricing.yaml").read_text(encoding="utf-8")
    start = source.index("  - id: pr-async-large-event")
    end = source.index("\n  - id: ", start + 1)
    question = source[start:end].replace("    answer: 7\n", "    answer: 6\n")
    path = write_bank("pricing", "topic: pricing\ntitle: Pricing\nquestions:\n" + question)
    problems = lint([path], run_experiments=True).problems
    assert [p.message for p in problems] == [
        "key 6 disagrees with experiment async_600kb_event_billed_requests = 7"
    ]
