"""Small Lab experiments whose results quiz keys must equal (``check: {experiment: NAME}``).

Each experiment deploys a tiny handler into a fresh Lab, invokes it and returns one value.
The Lab is imported inside the function, never at module import: the linter and the quiz
only need the names here, and run the experiments when asked (``--run-experiments``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from lambda_lab.quiz.checks import CheckError
from lambda_lab.quiz.evidence import exhibit, experiment_lab


@dataclass(frozen=True)
class Experiment:
    name: str
    description: str
    run: Callable[[], Any]


EXPERIMENTS: dict[str, Experiment] = {}


def experiment(description: str) -> Callable[[Callable[[], Any]], Callable[[], Any]]:
    """Register a function as a named experiment."""

    def register(function: Callable[[], Any]) -> Callable[[], Any]:
        EXPERIMENTS[function.__name__] = Experiment(function.__name__, description, function)
        return function

    return register


def run_experiment(name: str) -> Any:
    """Run one experiment; CheckError names the experiment and what went wrong."""
    if name not in EXPERIMENTS:
        raise CheckError(f"unknown experiment '{name}'; expected one of: {', '.join(EXPERIMENTS)}")
    try:
        return EXPERIMENTS[name].run()
    except Exception as exc:  # noqa: BLE001 - any failure is a lint problem, not a crash
        raise CheckError(f"experiment '{name}' failed: {type(exc).__name__}: {exc}") from None


_REMAINING_TIME = """
def lambda_handler(event, context):
    return context.get_remaining_time_in_millis()
"""

_COUNTER = """
invocations = 0

def lambda_handler(event, context):
    global invocations
    invocations += 1
    return invocations
"""

_SLEEPER = """
import time

def lambda_handler(event, context):
    time.sleep(3)
    return "finished"
"""


@experiment("the timeout a new function gets when none is configured, in whole seconds")
def default_timeout_s() -> int:
    with experiment_lab() as lab:
        lab.deploy("quiz-default-timeout", _REMAINING_TIME)
        result = lab.invoke("quiz-default-timeout", {})
        exhibit("get_remaining_time_in_millis() at the start of the handler", result.value)
        return round(result.value / 1000)


@experiment("what a module-level counter returns on the third of three back-to-back invokes")
def warm_counter_after_three_invokes() -> int:
    with experiment_lab() as lab:
        lab.deploy("quiz-warm-counter", _COUNTER)
        results = [lab.invoke("quiz-warm-counter", {}) for _ in range(3)]
        shown = [{"returned": r.value, "cold start": r.record.cold} for r in results if r.record]
        exhibit("Three invokes, one after the other", shown)
        return int(results[-1].value)


@experiment("the errorType of a synchronous invoke that runs past its 1-second timeout")
def timeout_error_type() -> str:
    with experiment_lab() as lab:
        lab.deploy("quiz-timeout", _SLEEPER, Timeout=1)
        result = lab.invoke("quiz-timeout", {})
        exhibit("The error document the caller receives", result.value)
        return str(result.value["errorType"])


# The experiments of each area live in their own modules (one concern each) and register
# themselves when imported: invocation models, event sources, ALB and concurrency; concepts,
# first function, configuration and monitoring; pricing; the newer lessons' front doors,
# security and patterns; and more function-level demonstrations.
from lambda_lab.quiz import (  # noqa: E402, F401  (they register into the table above)
    experiments_doors,
    experiments_functions,
    experiments_invocation,
    experiments_patterns,
    experiments_pricing,
    experiments_runtime,
)
