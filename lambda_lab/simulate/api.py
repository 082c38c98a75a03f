"""The two calls most people need: :func:`simulate` (patterns) and :func:`simulate_trace`."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import cast

from lambda_lab import errors, limits
from lambda_lab.simulate.arrivals import Pattern, Trace, blocks
from lambda_lab.simulate.config import Account, FunctionConfig
from lambda_lab.simulate.engine import Simulation
from lambda_lab.simulate.result import Result

Functions = FunctionConfig | Iterable[FunctionConfig]


def simulate(
    functions: Functions,
    arrivals: Pattern | Sequence[Pattern],
    *,
    account_limit: int = limits.ACCOUNT_CONCURRENCY_DEFAULT,
    scaling_rate_environments: int = limits.SCALING_RATE_ENVIRONMENTS,
    scaling_rate_period_s: float = limits.SCALING_RATE_PERIOD_S,
    keep_alive_s: float = limits.IDLE_ENVIRONMENT_KEEP_ALIVE_S,
    sample_every_s: float = 1.0,
    until: float | None = None,
    keep_outcomes: bool = False,
) -> Result:
    """Run ``arrivals`` (one pattern or several, merged) against ``functions``.

    ``keep_outcomes=True`` keeps one :class:`InvocationOutcome` per arrival (memory grows
    with the run: meant for small cases).
    """
    account = Account(
        concurrency_limit=account_limit,
        scaling_rate_environments=scaling_rate_environments,
        scaling_rate_period_s=scaling_rate_period_s,
        keep_alive_s=keep_alive_s,
        functions=_as_tuple(functions),
    )
    patterns: list[Pattern] = (
        list(arrivals) if isinstance(arrivals, (list, tuple)) else [cast(Pattern, arrivals)]
    )
    if not patterns:
        raise ValueError("'arrivals' must hold at least one arrival pattern (got none)")
    _check_targets(account, patterns)
    simulation = Simulation(
        account,
        blocks(patterns),
        sample_every_s=sample_every_s,
        until=until,
        keep_outcomes=keep_outcomes,
    )
    return simulation.run()


def simulate_trace(
    trace: Trace | Iterable[Sequence[object]],
    functions: Functions,
    account_limit: int = limits.ACCOUNT_CONCURRENCY_DEFAULT,
    **options: object,
) -> Result:
    """Replay recorded ``(timestamp, function, invocation_type)`` arrivals.

    The result's ``outcomes`` hold one entry per arrival, in arrival order: ok / timeout /
    throttled (with its Reason) / dropped, cold or warm. Options are :func:`simulate`'s.
    """
    options.setdefault("keep_outcomes", True)
    recorded = trace if isinstance(trace, Trace) else Trace(trace)
    return simulate(
        functions,
        recorded,
        account_limit=account_limit,
        **options,  # type: ignore[arg-type]
    )


def _as_tuple(functions: Functions) -> tuple[FunctionConfig, ...]:
    if isinstance(functions, FunctionConfig):
        return (functions,)
    return tuple(functions)


def _check_targets(account: Account, patterns: list[Pattern]) -> None:
    known = {f.name for f in account.functions}
    for pattern in patterns:
        if isinstance(pattern, Trace):
            names = {entry[1] for entry in pattern.entries}
        else:
            names = {pattern.function}
        missing = sorted(names - known)
        if missing:
            raise errors.ResourceNotFoundException(
                f"Function not found: {', '.join(missing)} (arrival pattern "
                f"{type(pattern).__name__}; configured: {', '.join(sorted(known)) or 'none'})"
            )
