"""The simulator's parts on their own: event core, arrival patterns, timing models, config."""

from __future__ import annotations

import math
import statistics

import pytest

from lambda_lab import errors, limits
from lambda_lab.simulate import (
    ASYNC,
    Account,
    Burst,
    Constant,
    Empirical,
    Exponential,
    FunctionConfig,
    LogNormal,
    Poisson,
    Ramp,
    Steady,
    Trace,
    Uniform,
    merge,
)
from lambda_lab.simulate.core import EventQueue


# -- event core -----------------------------------------------------------------------------------
def test_events_run_by_time_then_priority_then_scheduling_order():
    queue, seen = EventQueue(), []
    queue.on("e", lambda when, payload: seen.append((when, payload)))
    queue.schedule(2.0, "e", "late")
    queue.schedule(1.0, "e", "low", priority=1)
    queue.schedule(1.0, "e", "first")
    queue.schedule(1.0, "e", "second")
    assert queue.run() == 4
    assert seen == [(1.0, "first"), (1.0, "second"), (1.0, "low"), (2.0, "late")]


def test_the_feed_merges_after_scheduled_events_at_the_same_instant():
    queue, seen = EventQueue(), []
    queue.on("e", lambda when, payload: seen.append(payload))
    queue.feed([(0.0, "a0"), (1.0, "a1"), (3.0, "a3")], lambda item: seen.append(item[1]))
    queue.schedule(1.0, "e", "s1")
    queue.schedule(2.0, "e", "s2")
    queue.run()
    assert seen == ["a0", "s1", "a1", "s2", "a3"]
    assert not queue.has_pending()


def test_handlers_may_schedule_more_work_while_the_queue_runs():
    queue, seen = EventQueue(), []

    def tick(when: float, left: int) -> None:
        seen.append(when)
        if left:
            queue.schedule(when + 0.5, "tick", left - 1)

    queue.on("tick", tick)
    queue.schedule(0.0, "tick", 3)
    queue.run()
    assert seen == [0.0, 0.5, 1.0, 1.5]


def test_run_until_stops_there_and_refuses_the_past():
    queue, seen = EventQueue(), []
    queue.on("e", lambda when, payload: seen.append(when))
    for when in (1.0, 2.0, 3.0):
        queue.schedule(when, "e")
    assert queue.run(until=2.0) == 2 and queue.now == 2.0
    assert queue.next_time() == 3.0
    with pytest.raises(ValueError, match=r"run\(until=1.5\) is in the past: .* clock is at t=2.0"):
        queue.run(until=1.5)
    with pytest.raises(ValueError, match=r"cannot schedule 'e' at t=1.0: .* already at t=2.0"):
        queue.schedule(1.0, "e")
    queue.run()
    assert seen == [1.0, 2.0, 3.0]


def test_unknown_kinds_and_unsorted_feeds_are_refused_with_their_values():
    queue = EventQueue()
    with pytest.raises(KeyError, match="no handler registered for event kind 'nope'"):
        queue.schedule(1.0, "nope")
    queue.feed([(2.0, "x"), (1.0, "y")], lambda item: None)
    with pytest.raises(ValueError, match=r"the feed went back in time: item \(1.0, 'y'\)"):
        queue.run()


# -- arrival patterns -----------------------------------------------------------------------------
def test_steady_spaces_requests_evenly():
    times = [t for t, _, _ in Steady("f", rate_per_s=4, duration_s=1, start_s=10).events()]
    assert times == [10.0, 10.25, 10.5, 10.75]


def test_bursts_repeat_and_spread_over_their_window():
    pattern = Burst("f", size=3, at_s=5, over_s=0.3, repeat=2, every_s=10, invocation_type=ASYNC)
    events = list(pattern.events())
    assert [round(t, 9) for t, _, _ in events] == [5.0, 5.1, 5.2, 15.0, 15.1, 15.2]
    assert {kind for _, _, kind in events} == {ASYNC} and pattern.count == 6


def test_a_ramp_rate_grows_linearly():
    pattern = Ramp("f", from_rate_per_s=0, to_rate_per_s=200, duration_s=10)
    times = [t for t, _, _ in pattern.events()]
    assert len(times) == pattern.count == 1000
    assert times == sorted(times) and times[-1] < 10
    # Expected count by t is 10 t^2: a quarter of the requests come in the first half.
    assert sum(1 for t in times if t < 5) == 250


def test_poisson_is_seeded_and_averages_its_rate():
    first = list(Poisson("f", rate_per_s=500, duration_s=20, seed=7).events())
    assert first == list(Poisson("f", rate_per_s=500, duration_s=20, seed=7).events())
    assert first != list(Poisson("f", rate_per_s=500, duration_s=20, seed=8).events())
    assert abs(len(first) - 10_000) < 400  # about 4 standard deviations
    gaps = [b[0] - a[0] for a, b in zip(first, first[1:])]
    assert statistics.mean(gaps) == pytest.approx(1 / 500, rel=0.05)


def test_trace_sorts_by_time_keeping_ties_in_order_and_merge_keeps_pattern_order():
    trace = Trace([(1.0, "b"), (0.0, "a", ASYNC), (1.0, "c")])
    assert trace.entries == (
        (0.0, "a", ASYNC),
        (1.0, "b", "RequestResponse"),
        (1.0, "c", "RequestResponse"),
    )
    merged = list(merge([Burst("x", size=2), Steady("y", rate_per_s=1, duration_s=2)]))
    assert [(t, name) for t, name, _ in merged] == [(0.0, "x"), (0.0, "x"), (0.0, "y"), (1.0, "y")]


@pytest.mark.parametrize(
    "build, message",
    [
        (lambda: Steady("f", 0, duration_s=1), r"Steady: 'rate_per_s' must be > 0 \(got 0\)"),
        (lambda: Burst("f", size=5, repeat=2), "Burst: 'every_s' is needed when 'repeat' > 1"),
        (lambda: Burst("f", size=5, over_s=2, repeat=2, every_s=1), "bursts do not overlap"),
        (lambda: Ramp("f", 1, 2, math.inf), "Ramp: 'duration_s' must be a finite number"),
        (lambda: Steady("f", 1, 1, invocation_type="sync"), "one of RequestResponse, Event"),
        (lambda: Trace([(0.0,)]), r"Trace: entry 0 must be \(timestamp, function"),
        (lambda: Trace([(-1, "f")]), "Trace entry 0: 'timestamp' must be >= 0 .got -1."),
    ],
)
def test_bad_patterns_name_the_field_and_the_value(build, message):
    with pytest.raises(ValueError, match=message):
        build()


# -- timing models --------------------------------------------------------------------------------
def test_models_are_reproducible_from_their_seed():
    for model in (
        Uniform(10, 20, seed=3),
        LogNormal(100, 0.5, seed=3),
        Exponential(50, seed=3),
        Empirical([1, 2, 3], seed=3),
    ):
        a, b = model.sampler(), model.sampler()
        assert [a() for _ in range(50)] == [b() for _ in range(50)], model


def test_models_draw_what_they_describe():
    assert {Constant(7).sampler()() for _ in range(3)} == {7.0}
    uniform = Uniform(10, 20).sampler()
    assert all(10 <= uniform() <= 20 for _ in range(1000))
    lognormal = LogNormal(100, 0.5).sampler()
    assert statistics.median(lognormal() for _ in range(20_001)) == pytest.approx(100, rel=0.05)
    empirical = Empirical([5, 50, 500]).sampler()
    assert {empirical() for _ in range(200)} == {5.0, 50.0, 500.0}


def test_bad_models_are_refused():
    with pytest.raises(ValueError, match="Uniform: 'high_ms' must be >= 'low_ms'"):
        Uniform(20, 10)
    with pytest.raises(ValueError, match="Empirical: 'samples_ms' must hold at least one value"):
        Empirical([])
    with pytest.raises(ValueError, match="LogNormal: 'median_ms' must be finite and > 0 ms"):
        LogNormal(0)


# -- configuration --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"memory_mb": 64}, r"'memory_mb' must be in range 128..10240 \(got 64\)"),
        ({"timeout_s": 901}, r"'timeout_s' must be in range 1..900 \(got 901\)"),
        ({"reserved_concurrency": -1}, r"'reserved_concurrency' must be >= 0 \(got -1\)"),
        ({"reserved_concurrency": 1, "provisioned_concurrency": 2}, "cannot be more than its"),
        ({"maximum_event_age_s": 30}, r"'maximum_event_age_s' must be in range 60..21600"),
        ({"architecture": "sparc"}, "'architecture' must be one of x86_64, arm64"),
        ({"duration": "fast"}, "'duration' must be milliseconds or one of Constant"),
        ({"cold_start": -5}, r"'cold_start' must be finite and >= 0 ms \(got -5\)"),
    ],
)
def test_bad_function_settings_raise_aws_errors_naming_field_and_value(overrides, message):
    with pytest.raises(errors.InvalidParameterValueException, match=message):
        FunctionConfig("f", **overrides)


def test_account_pools_and_duplicate_names():
    account = Account(
        concurrency_limit=1000,
        functions=(
            FunctionConfig("a", reserved_concurrency=100, provisioned_concurrency=50),
            FunctionConfig("b", provisioned_concurrency=30),
            FunctionConfig("c"),
        ),
    )
    assert account.unreserved_concurrency == 1000 - 100 - 30
    rate = limits.SCALING_RATE_ENVIRONMENTS / limits.SCALING_RATE_PERIOD_S
    assert account.scaling_rate_per_s == rate == 100
    with pytest.raises(errors.ResourceConflictException, match="Function already exist: a"):
        Account(functions=(FunctionConfig("a"), FunctionConfig("a")))
    with pytest.raises(errors.InvalidParameterValueException, match="'keep_alive_s' must be a"):
        Account(keep_alive_s=0)
