"""One attempt at an exercise, as both front ends make it: check, record, pick the next hint."""

from __future__ import annotations

from lambda_lab.exercises.catalog import get
from lambda_lab.exercises.model import Exercise, Verdict
from lambda_lab.exercises.progress import ExerciseProgress
from lambda_lab.exercises.runner import run_check


def next_hint(exercise: Exercise, progress: ExerciseProgress) -> tuple[int, str]:
    """(1-based number, text) of the hint after the ones already shown; the last one repeats."""
    if not exercise.hints:
        return 0, ""
    number = min(progress.entry(exercise.id).get("hints_shown", 0) + 1, len(exercise.hints))
    return number, exercise.hints[number - 1]


def attempt(
    exercise_id: str, source: str, *, learner: str | None = None, record: bool = True
) -> Verdict:
    """Check ``source``; a failing verdict carries the next hint. ``record`` keeps the
    attempt in the learner's progress (off for ``--against starter|solution``)."""
    exercise = get(exercise_id)
    verdict = run_check(exercise, source)
    if not record:
        if not verdict.passed and exercise.hints:
            verdict.hint, verdict.hint_number = exercise.hints[0], 1
            verdict.hint_count = len(exercise.hints)
        return verdict
    progress = ExerciseProgress.open(learner)
    hints_shown = progress.entry(exercise.id).get("hints_shown", 0)
    if not verdict.passed:
        verdict.hint_number, verdict.hint = next_hint(exercise, progress)
        verdict.hint_count = len(exercise.hints)
        hints_shown = max(hints_shown, verdict.hint_number)
    progress.record(exercise.id, verdict.passed, source, hints_shown)
    try:
        progress.save()
    except OSError as error:  # a read-only home must not cost the learner their verdict
        verdict.details += f"\n(progress not saved: {error})"
    return verdict
