"""Small traces whose every count can be worked out by hand: the simulator's rules, exactly."""

from __future__ import annotations

import pytest

from lambda_lab import errors
from lambda_lab.simulate import (
    ACCOUNT_LIMIT_REASON,
    ASYNC,
    RESERVED_LIMIT_REASON,
    SCALING_RATE_REASON,
    FunctionConfig,
    simulate_trace,
)


def fn(name: str = "f", **overrides: object) -> FunctionConfig:
    settings: dict[str, object] = {"duration": 1000, "cold_start": 250, "timeout_s": 3}
    settings.update(overrides)
    return FunctionConfig(name, **settings)  # type: ignore[arg-type]


def statuses(result) -> list[tuple[str, str | None]]:
    return [(o.status, o.reason) for o in result.outcomes]


# -- the two "done when" cases ------------------------------------------------------------
def test_reserved_two_ten_simultaneous_calls_give_eight_throttles_and_two_successes():
    result = simulate_trace([(0.0, "f", "RequestResponse")] * 10, [fn(reserved_concurrency=2)])
    assert statuses(result) == [("ok", None)] * 2 + [("throttled", RESERVED_LIMIT_REASON)] * 8
    assert result.throttles_by_reason == {
        ACCOUNT_LIMIT_REASON: 0,
        RESERVED_LIMIT_REASON: 8,
        SCALING_RATE_REASON: 0,
    }
    assert result.invocations == 2 and result.sync_throttles == 8
    assert [o.cold for o in result.outcomes[:2]] == [True, True]
    assert result.peak_concurrency == 2


def test_provisioned_two_first_two_calls_are_not_cold_and_the_third_spills_over():
    result = simulate_trace([(0.0, "f")] * 3, [fn(provisioned_concurrency=2)])
    first, second, third = result.outcomes
    assert (first.cold, first.provisioned, first.init_ms) == (False, True, 0.0)
    assert first.latency_ms == 1000.0
    assert (second.cold, second.provisioned) == (False, True)
    assert (third.cold, third.provisioned, third.spillover) == (True, False, True)
    assert third.latency_ms == 1250.0
    stats = result.functions["f"]
    assert stats.provisioned_invocations == 2
    assert (stats.spillover_invocations, stats.cold_starts) == (1, 1)


# -- concurrency pools ----------------------------------------------------------------------------
def test_reserved_concurrency_is_a_guarantee_the_other_functions_cannot_take():
    # Limit 5 keeps 1 unreserved; A sets aside 2, so B shares the remaining 3.
    trace = [(0.0, "b")] * 6 + [(0.0, "a")] * 3
    result = simulate_trace(trace, [fn("a", reserved_concurrency=2), fn("b")], account_limit=5)
    assert statuses(result) == (
        [("ok", None)] * 3
        + [("throttled", ACCOUNT_LIMIT_REASON)] * 3
        + [("ok", None)] * 2
        + [("throttled", RESERVED_LIMIT_REASON)]
    )
    assert result.peak_concurrency == 5


def test_provisioned_concurrency_without_reservation_is_set_aside_from_the_shared_pool():
    # Limit 10, PC 3 on "a": "b" shares 7; a's spillover competes with b for those 7.
    trace = [(0.0, "b")] * 8 + [(0.0, "a")] * 4
    result = simulate_trace(trace, [fn("a", provisioned_concurrency=3), fn("b")], account_limit=10)
    assert statuses(result)[:8] == [("ok", None)] * 7 + [("throttled", ACCOUNT_LIMIT_REASON)]
    a_outcomes = result.outcomes_for("a")
    assert [o.provisioned for o in a_outcomes[:3]] == [True, True, True]
    assert (a_outcomes[3].status, a_outcomes[3].reason) == ("throttled", ACCOUNT_LIMIT_REASON)


def test_reserved_zero_throttles_every_call():
    result = simulate_trace([(0.0, "f"), (5.0, "f")], [fn(reserved_concurrency=0)])
    assert statuses(result) == [("throttled", RESERVED_LIMIT_REASON)] * 2


def test_a_finished_call_frees_its_slot_for_an_arrival_at_the_same_instant():
    # The first call ends at 1.25 s (250 ms INIT + 1 s); completions come before arrivals.
    result = simulate_trace([(0.0, "f"), (1.25, "f")], [fn(reserved_concurrency=1)])
    assert statuses(result) == [("ok", None), ("ok", None)]
    assert [o.cold for o in result.outcomes] == [True, False]


# -- scaling rate ---------------------------------------------------------------------------------
def test_scaling_rate_bucket_throttles_beyond_the_burst_and_refills_continuously():
    # 10 new environments per 10 s: a bucket of 10 that refills one token per second.
    trace = [(0.0, "f")] * 12 + [(0.5, "f"), (1.0, "f"), (1.5, "f"), (2.0, "f"), (2.0, "f")]
    result = simulate_trace(
        trace,
        [fn(duration=60_000, timeout_s=120)],
        scaling_rate_environments=10,
        scaling_rate_period_s=10,
    )
    assert statuses(result) == (
        [("ok", None)] * 10
        + [("throttled", SCALING_RATE_REASON)] * 2
        + [
            ("throttled", SCALING_RATE_REASON),
            ("ok", None),
            ("throttled", SCALING_RATE_REASON),
            ("ok", None),
            ("throttled", SCALING_RATE_REASON),
        ]
    )
    assert result.cold_starts == 12


def test_scaling_tokens_are_not_banked_beyond_the_burst():
    # 100 s after the first call the bucket is back to its capacity of 10, not 9 + 100; the
    # first call's environment has ended by then (1 s keep-alive), so all 11 need a token.
    trace = [(0.0, "f")] + [(100.0, "f")] * 11
    result = simulate_trace(
        trace,
        [fn(duration=60_000, timeout_s=120)],
        scaling_rate_environments=10,
        scaling_rate_period_s=10,
        keep_alive_s=1,
    )
    assert result.throttles_by_reason[SCALING_RATE_REASON] == 1


def test_warm_environments_do_not_need_scaling_tokens():
    # Two 0.1 s calls in a row reuse one environment: the bucket of 1 is spent only once.
    trace = [(0.0, "f"), (1.0, "f"), (2.0, "f")]
    result = simulate_trace(
        trace,
        [fn(duration=100, cold_start=0)],
        scaling_rate_environments=1,
        scaling_rate_period_s=100,
    )
    assert [(o.status, o.cold, o.env_id) for o in result.outcomes] == [
        ("ok", True, 1),
        ("ok", False, 1),
        ("ok", False, 1),
    ]


# -- environments: reuse, keep-alive, timeouts ----------------------------------------------------
def test_idle_environment_is_warm_until_the_keep_alive_ends():
    # The environment is idle from 1.25 s; with a 5 s keep-alive it is gone at 6.25 s.
    for arrival, cold in ((6.24, False), (6.25, True)):
        result = simulate_trace([(0.0, "f"), (arrival, "f")], [fn()], keep_alive_s=5)
        assert [o.cold for o in result.outcomes] == [True, cold], arrival


def test_the_most_recently_used_environment_is_reused_first():
    # Two environments: env 1 idles from 1.25 s, env 2 from 1.75 s; the next call takes env 2.
    trace = [(0.0, "f"), (0.5, "f"), (3.0, "f")]
    result = simulate_trace(trace, [fn()])
    assert [o.env_id for o in result.outcomes] == [1, 2, 2]


def test_a_timed_out_environment_is_discarded_so_the_next_call_is_cold():
    result = simulate_trace([(0.0, "f"), (10.0, "f")], [fn(duration=5000, timeout_s=3)])
    first, second = result.outcomes
    assert (first.status, first.duration_ms, first.latency_ms) == ("timeout", 3000.0, 3250.0)
    assert (second.status, second.cold, second.env_id) == ("timeout", True, 2)
    assert result.timeouts == 2


# -- async ----------------------------------------------------------------------------------------
def test_a_throttled_async_event_goes_back_to_the_queue_and_runs_after_one_second():
    trace = [(0.0, "f", ASYNC), (0.0, "f", ASYNC)]
    result = simulate_trace(trace, [fn(reserved_concurrency=1, duration=500, cold_start=0)])
    first, second = result.outcomes
    assert (first.status, first.attempts, first.latency_ms) == ("ok", 1, 500.0)
    assert (second.status, second.attempts, second.started, second.cold) == ("ok", 2, 1.0, False)
    assert second.latency_ms == 1500.0
    assert result.throttles_by_reason[RESERVED_LIMIT_REASON] == 1
    assert result.sync_throttles == 0 and result.functions["f"].async_retries == 1


def test_throttle_backoff_doubles_until_the_maximum_event_age():
    # The only slot is busy for 800 s; retries at 1, 3, 7, 15, 31 s; the next (63 s) is too old.
    trace = [(0.0, "f", ASYNC), (0.0, "f", ASYNC)]
    config = fn(
        reserved_concurrency=1,
        duration=800_000,
        timeout_s=900,
        cold_start=0,
        maximum_event_age_s=60,
    )
    result = simulate_trace(trace, [config])
    second = result.outcomes[1]
    assert (second.status, second.reason, second.attempts) == ("dropped", "EventAgeExceeded", 6)
    assert result.throttles == 6
    assert result.dropped == {"EventAgeExceeded": 1}


def test_backoff_is_capped_at_five_minutes():
    # Attempts at 0, 1, 3, 7, ..., 255, 511 s, then every 300 s: 811, 1111, ... up to 1 hour.
    trace = [(0.0, "f", ASYNC), (0.0, "f", ASYNC)]
    config = fn(
        reserved_concurrency=1,
        duration=899_000,
        timeout_s=900,
        cold_start=0,
        maximum_event_age_s=3600,
    )
    result = simulate_trace(trace, [config])
    second = result.outcomes[1]
    # The first event's run ends at 899 s, so the attempt at 1,111 s finds the slot free.
    assert (second.status, second.attempts, second.started) == ("ok", 12, 1111.0)


def test_reserved_zero_sends_async_events_straight_to_the_dlq():
    result = simulate_trace([(0.0, "f", ASYNC)], [fn(reserved_concurrency=0)])
    only = result.outcomes[0]
    assert (only.status, only.reason, only.attempts) == ("dropped", RESERVED_LIMIT_REASON, 1)


@pytest.mark.parametrize("retries, attempts", [(0, 1), (1, 2), (2, 3)])
def test_async_function_errors_are_retried_after_one_then_two_minutes(retries, attempts):
    config = fn(duration=2000, timeout_s=1, cold_start=0, maximum_retry_attempts=retries)
    result = simulate_trace([(0.0, "f", ASYNC)], [config])
    only = result.outcomes[0]
    assert (only.status, only.reason, only.attempts) == ("dropped", "RetriesExhausted", attempts)
    # Runs start at 0, then 1 s + 60 s, then 62 s + 1 s + 120 s.
    assert only.started == [0.0, 61.0, 182.0][attempts - 1]
    assert result.timeouts == attempts and result.cold_starts == attempts


def test_async_events_still_waiting_when_the_run_stops_are_pending():
    trace = [(0.0, "f", ASYNC), (0.0, "f", ASYNC), (0.0, "f")]
    result = simulate_trace(trace, [fn(reserved_concurrency=1)], until=0.5)
    assert [(o.status, o.attempts) for o in result.outcomes] == [
        ("pending", 1),
        ("pending", 1),
        ("throttled", 1),
    ]
    assert result.outcomes[0].started == 0.0 and result.outcomes[1].started is None
    assert result.end == 0.5


# -- outcomes and validation ---------------------------------------------------------------------
def test_outcomes_come_in_arrival_order_even_from_an_unsorted_trace():
    trace = [(2.0, "f"), (0.0, "g"), (1.0, "f", ASYNC), (0.0, "f")]
    result = simulate_trace(trace, [fn(), fn("g")])
    assert [(o.time, o.function) for o in result.outcomes] == [
        (0.0, "g"),
        (0.0, "f"),
        (1.0, "f"),
        (2.0, "f"),
    ]
    assert [o.index for o in result.outcomes] == [0, 1, 2, 3]


def test_a_trace_naming_an_unknown_function_is_refused():
    with pytest.raises(errors.ResourceNotFoundException, match="Function not found: nope"):
        simulate_trace([(0.0, "nope")], [fn()])


def test_reservations_must_leave_the_unreserved_minimum():
    with pytest.raises(errors.InvalidParameterValueException, match=r"minimum value of \[100\]"):
        simulate_trace([(0.0, "a")], [fn("a", reserved_concurrency=901)])
    with pytest.raises(errors.InvalidParameterValueException, match=r"minimum value of \[1\]"):
        simulate_trace(
            [(0.0, "a")],
            [fn("a", reserved_concurrency=3), fn("b", provisioned_concurrency=2)],
            account_limit=5,
        )
