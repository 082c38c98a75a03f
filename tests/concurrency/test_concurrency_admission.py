"""Admission control in the real runtime: reserved and account limits, the scaling rate,
environments under threads, the keep-alive boundary and the memory budget."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from botocore.config import Config

from lambda_lab import Lab, errors
from lambda_lab.concurrency.memory_budget import MemoryBudget, Usage

SLEEPER = "import time\n\ndef handler(event, context):\n    time.sleep(event.get('s', 1))\n    return 'done'\n"


def _deploy_sleeper(lab: Lab, name: str = "sleepy") -> None:
    lab.deploy(name, SLEEPER, handler="lambda_function.handler", Timeout=10)


def _together(count: int, call) -> list:
    """Run ``call`` on ``count`` threads released at the same moment; results in any order."""
    barrier = threading.Barrier(count)
    results: list = []
    lock = threading.Lock()

    def run() -> None:
        barrier.wait()
        try:
            outcome = call()
        except Exception as exc:  # collected, not raised: the test looks at all of them
            outcome = exc
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_reserved_two_lets_two_of_ten_simultaneous_calls_run(lab: Lab) -> None:
    """The issue's first Done-when line, through the boto3-shaped client."""
    _deploy_sleeper(lab)
    # boto3 retries a 429 by itself (the SDKs do): one attempt only, to see every throttle.
    client = lab.client("lambda", config=Config(retries={"total_max_attempts": 1}))
    client.put_function_concurrency(FunctionName="sleepy", ReservedConcurrentExecutions=2)

    results = _together(10, lambda: client.invoke(FunctionName="sleepy", Payload=b'{"s": 1}'))

    ok = [r for r in results if isinstance(r, dict)]
    throttled = [r for r in results if isinstance(r, client.exceptions.TooManyRequestsException)]
    assert len(ok) == 2 and all(
        r["StatusCode"] == 200 and r["Payload"].read() == b'"done"' for r in ok
    )
    assert len(throttled) == 8
    assert {e.response["Reason"] for e in throttled} == {
        "ReservedFunctionConcurrentInvocationLimitExceeded"
    }
    assert {e.response["ResponseMetadata"]["HTTPStatusCode"] for e in throttled} == {429}
    assert lab.concurrency.throttles == {"sleepy": 8}
    assert lab.concurrency.in_flight() == 0


def test_reserved_zero_throttles_every_call_and_the_floor_scales_with_the_account() -> None:
    with Lab(account_concurrency=5) as lab:
        _deploy_sleeper(lab)
        lab.concurrency.reserve("sleepy", 0)
        with pytest.raises(errors.TooManyRequestsException) as caught:
            lab.invoke("sleepy", {"s": 0})
        assert caught.value.members["Reason"] == "ReservedFunctionConcurrentInvocationLimitExceeded"
        assert len(lab.records) == 0  # a throttle runs nothing and bills nothing
        with pytest.raises(errors.InvalidParameterValueException, match=r"minimum value of \[1\]"):
            lab.concurrency.reserve("sleepy", 5)  # 5 - 5 would leave less than 1 unreserved
        lab.concurrency.reserve("sleepy", 4)
        settings = lab.client("lambda").get_account_settings()["AccountLimit"]
        assert (settings["ConcurrentExecutions"], settings["UnreservedConcurrentExecutions"]) == (
            5,
            1,
        )


def test_account_limit_throttles_the_unreserved_pool_only() -> None:
    with Lab(account_concurrency=4) as lab:
        _deploy_sleeper(lab, "shared")
        _deploy_sleeper(lab, "guaranteed")
        lab.concurrency.reserve("guaranteed", 2)  # leaves 2 for "shared"

        def call(name: str):
            return lambda: lab.invoke(name, {"s": 0.6})

        results = _together(5, call("shared"))
        reasons = Counter(
            r.members["Reason"] if isinstance(r, errors.LambdaError) else "ok" for r in results
        )
        assert reasons == {"ok": 2, "ConcurrentInvocationLimitExceeded": 3}
        both = _together(2, call("guaranteed"))  # the reservation is still there for it
        assert all(not isinstance(r, Exception) for r in both)


def test_many_threads_get_an_environment_each_then_reuse_them(lab: Lab) -> None:
    _deploy_sleeper(lab)
    first = _together(6, lambda: lab.invoke("sleepy", {"s": 0.4}).record)
    assert len({r.env_id for r in first}) == 6 and all(r.cold for r in first)
    second = _together(6, lambda: lab.invoke("sleepy", {"s": 0.4}).record)
    assert {r.env_id for r in second} == {r.env_id for r in first}
    assert not any(r.cold for r in second)
    assert lab.concurrency.peak == 6 and len(lab.environments("sleepy")) == 6


def test_scaling_rate_throttles_new_environments_and_refills_on_the_lab_clock() -> None:
    with Lab(clock="virtual", scaling_rate_environments=2, scaling_rate_period_s=60) as lab:
        _deploy_sleeper(lab)
        results = _together(3, lambda: lab.invoke("sleepy", {"s": 0.5}))
        reasons = Counter(
            r.members["Reason"] if isinstance(r, errors.LambdaError) else "ok" for r in results
        )
        assert reasons == {"ok": 2, "FunctionInvocationRateLimitExceeded": 1}
        # Warm environments need no token: reuse them as often as wanted.
        assert not lab.invoke("sleepy", {"s": 0}).record.cold
        results = _together(3, lambda: lab.invoke("sleepy", {"s": 0.5}))
        assert sum(isinstance(r, errors.TooManyRequestsException) for r in results) == 1
        lab.clock.advance(30)  # 2 per 60 s refills one token in 30 s
        results = _together(3, lambda: lab.invoke("sleepy", {"s": 0.5}))
        assert sum(isinstance(r, errors.TooManyRequestsException) for r in results) == 0
        assert sum(r.record.cold for r in results) == 1


def test_an_environment_is_warm_strictly_before_the_keep_alive_ends() -> None:
    with Lab(clock="virtual", keep_alive_s=60) as lab:
        _deploy_sleeper(lab)
        assert lab.invoke("sleepy", {"s": 0}).record.cold
        lab.clock.advance(59.9)
        assert not lab.invoke("sleepy", {"s": 0}).record.cold
        lab.clock.advance(60)
        assert lab.invoke("sleepy", {"s": 0}).record.cold
        assert len(lab.environments("sleepy")) == 1  # the expired one ended


def test_the_memory_budget_refuses_politely_and_names_itself() -> None:
    # A budget with room for the template and about three small environments.
    with Lab(memory_budget_mb=40) as lab:
        _deploy_sleeper(lab)
        results = _together(8, lambda: lab.invoke("sleepy", {"s": 1}))
        refused = [r for r in results if isinstance(r, errors.LambdaError)]
        ran = [r for r in results if not isinstance(r, Exception)]
        assert ran and refused, results
        assert {type(r) for r in refused} == {errors.TooManyRequestsException}
        assert all(
            "memory budget" in r.message
            and "40 MB budget" in r.message
            and "Lab(memory_budget_mb=...)" in r.message
            for r in refused
        )
        assert lab.concurrency.memory.refusals == len(refused)
        assert lab.invoke("sleepy", {"s": 0}).status_code == 200  # the Lab carries on


def test_memory_budget_counts_starting_environments_at_their_expected_size() -> None:
    measured = {1: 5.0, 2: 30.0, 3: 1.0, 99: 8.0}
    budget = MemoryBudget(100, measure=measured.get)

    class Env:
        def __init__(self, pid: int, name: str, state: str) -> None:
            self.pid, self.function_name = pid, name
            self.state = type("S", (), {"value": state})()

    usage = budget.usage("a", [Env(1, "a", "ready"), Env(2, "b", "busy")], extra_pids=[99])
    assert usage == Usage(43.0, 2, 5.0)  # measured: 5 + 30 + the template's 8; "a" needs 5
    assert budget.footprint("b") == 30.0 and budget.footprint("never-seen") == 16.0
    starting = budget.usage("b", [Env(3, "b", "starting")], pending=["b", "c"])
    assert starting.used_mb == 30.0 + 30.0 + 16.0 and starting.environments == 3
    assert starting.new_environment_mb == 30.0
    assert starting.fits(106) and not starting.fits(106, extra_environments=2)
    with pytest.raises(
        errors.InvalidParameterValueException, match="memory_budget_mb must be a number"
    ):
        MemoryBudget(0)


def test_a_throttled_async_event_goes_back_to_the_queue_and_runs_later() -> None:
    with Lab() as lab:
        _deploy_sleeper(lab)
        lab.concurrency.reserve("sleepy", 1)
        holder = threading.Thread(target=lambda: lab.invoke("sleepy", {"s": 0.8}))
        holder.start()
        while lab.concurrency.in_flight("sleepy") == 0:  # until the holder has the only slot
            threading.Event().wait(0.01)
        answer = lab.invoke_async("sleepy", b'{"s": 0}')
        assert answer["StatusCode"] == 202  # the caller never sees the throttle
        holder.join()
        event = lab.async_queue.journey(answer["RequestId"])
        for _ in range(500):
            if event.done:
                break
            threading.Event().wait(0.01)
        kinds = [step.kind for step in event.steps]
        assert kinds[:3] == ["received", "throttled", "retry scheduled"]
        assert "ReservedFunctionConcurrentInvocationLimitExceeded" in event.steps[1].detail
        assert kinds[-1] == "succeeded" and event.attempts == 1
