"""The capstone, as an exercise: it passes when every requirement does."""

from __future__ import annotations

from lambda_lab.exercises.capstone import build_from_source, grade_in
from lambda_lab.exercises.context import CheckContext


def capstone(ctx: CheckContext) -> str:
    result = grade_in(ctx.lab, build_from_source(ctx.source))
    missed = result.missed
    ctx.expect(
        not missed,
        f"score {result.score:.0f} %: missed "
        + "; ".join(f"R{r.number} {r.title} ({r.message})" for r in missed),
        "every requirement met (100 %)",
        str(result),
    )
    return f"score 100 %: all {len(result.requirements)} requirements met"
