"""Run one exercise's check on a piece of work: a fresh Lab, the check, a verdict, always.

Nothing the learner writes can make this raise: a failing check is a "fail" verdict, and a
check that breaks on something unforeseen is an "error" verdict that says what happened.
"""

from __future__ import annotations

import time

from lambda_lab.exercises.catalog import check_function
from lambda_lab.exercises.context import CheckContext
from lambda_lab.exercises.model import Exercise, Failed, Verdict

MAX_SOURCE_BYTES = 256 * 1024  # far above any exercise; keeps a pasted blob out of a Lab


def run_check(exercise: Exercise, source: str) -> Verdict:
    """Check ``source`` (the learner's file) against ``exercise`` in a Lab of its own."""
    started = time.perf_counter()
    context = CheckContext(exercise, source)
    try:
        if len(source.encode()) > MAX_SOURCE_BYTES:
            raise Failed(
                f"your file has {len(source.encode()):,} bytes", f"under {MAX_SOURCE_BYTES:,}"
            )
        if exercise.language == "python":
            context.module()  # a syntax error is reported before any Lab starts
        seen = check_function(exercise)(context)
        verdict = Verdict(exercise.id, "pass", seen)
    except Failed as failure:
        verdict = Verdict(exercise.id, "fail", failure.seen, failure.expected, failure.details)
    except Exception as error:  # noqa: BLE001 - a verdict, never a traceback, for the learner
        from botocore.exceptions import ClientError

        if isinstance(error, ClientError):
            info = error.response.get("Error", {})
            seen = f"an AWS call was refused: {info.get('Code')}: {info.get('Message')}"
            verdict = Verdict(exercise.id, "fail", seen, "calls that AWS accepts")
        else:
            verdict = Verdict(
                exercise.id,
                "error",
                f"{type(error).__name__}: {error}",
                "a check that finishes; if your code looks right, report this",
            )
    finally:
        context.close()
    verdict.seconds = time.perf_counter() - started
    return verdict
