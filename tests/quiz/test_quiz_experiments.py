"""`check: {experiment: NAME}`: the linter runs Lab experiments only when asked, and the
bank's keys must equal what the Lab does."""

from __future__ import annotations

from lambda_lab.quiz.experiments import EXPERIMENTS, Experiment
from lambda_lab.quiz.lint import lint

QUESTION = """
topic: trial
title: Trial
questions:
  - id: trial-experiment
    type: numeric
    domains: {DVA-C02: development}
    prompt: How many?
    answer: 3
    unit: invocations
    explanation: Three.
    check: {experiment: trial}
    references: [https://docs.aws.amazon.com/lambda/latest/dg/welcome.html]
    lesson: 02_first_function
"""


def test_experiments_run_only_when_asked_and_failures_are_problems(write_bank, monkeypatch):
    calls = []

    def trial():
        calls.append(1)
        raise RuntimeError("the Lab would not start")

    monkeypatch.setitem(EXPERIMENTS, "trial", Experiment("trial", "a stand-in", trial))
    path = write_bank("trial", QUESTION)
    assert lint([path]).problems == [] and calls == []
    problems = lint([path], run_experiments=True).problems
    assert [(p.line, p.column, p.field, p.message) for p in problems] == [
        (
            11,
            12,
            "trial-experiment.check",
            "experiment 'trial' failed: RuntimeError: the Lab would not start",
        )
    ]
    assert calls == [1]


def test_an_experiment_result_that_differs_from_the_key_is_reported(write_bank, monkeypatch):
    monkeypatch.setitem(EXPERIMENTS, "trial", Experiment("trial", "a stand-in", lambda: 4))
    path = write_bank("trial", QUESTION)
    problems = lint([path], run_experiments=True).problems
    assert [p.message for p in problems] == ["key 3 disagrees with experiment trial = 4"]


def test_every_experiment_is_some_questions_check_or_demo():
    # (That the keys equal what the Lab does is checked bank by bank, with the experiments run,
    # in test_quiz_experiments_functions.py and test_quiz_experiments_invocation.py.)
    used = {q.experiment for q in lint().questions if q.experiment}
    assert set(EXPERIMENTS) == used
