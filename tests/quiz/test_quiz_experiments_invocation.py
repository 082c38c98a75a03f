"""The invocation-model, event-source, ALB and concurrency banks agree with real Lab runs.

Each ``check: {experiment: ...}`` in those banks replays its scenario in a fresh Lab (async
retries on a virtual clock, a DLQ, SQS and Kinesis mappings, S3 notifications, schedules,
a load balancer, throttles) and the question's key must equal what happened.
"""

from __future__ import annotations

import pytest

from lambda_lab.quiz import experiments_invocation
from lambda_lab.quiz.experiments import EXPERIMENTS
from lambda_lab.quiz.lint import BANKS_DIR, lint

BANKS = ("invocation_models", "event_sources", "alb_integration", "concurrency")
OWN = {
    name for name, e in EXPERIMENTS.items() if e.run.__module__ == experiments_invocation.__name__
}

pytestmark = pytest.mark.slow  # about twenty small Lab runs, some with moto's services


def test_every_experiment_here_checks_a_question_of_these_banks():
    result = lint([BANKS_DIR / f"{bank}.yaml" for bank in BANKS])
    checked = {
        q.check["experiment"] for q in result.questions if q.check and "experiment" in q.check
    }
    assert len(OWN) >= 20
    assert OWN <= checked, f"experiments no question uses: {sorted(OWN - checked)}"


def test_the_keys_equal_what_the_lab_does():
    result = lint([BANKS_DIR / f"{bank}.yaml" for bank in BANKS], run_experiments=True)
    assert [str(p) for p in result.problems] == []
