"""Admission control in the real runtime: reserved and account limits, the scaling rate,
environments under threads, the keep-alive boundary and the memory budget."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from botocore.config import Config

from lambda_lab import Lab, errors
from lambda_lab.concurrency.memory_budget import (
    NEW_ENVIRONMENT_ESTIMATE_MB,
    Memory,
    MemoryBudget,
    Usage,
    process_memory,
)

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
    # botocore builds a client's exception classes on first use, without a lock: threads
    # that raise the first errors at once can each build their own (isinstance then fails).
    assert client.exceptions.TooManyRequestsException

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
    with Lab() as lab:
        _deploy_sleeper(lab)
        lab.invoke("sleepy", {"s": 0})  # the template is up and one environment measured
        memory = lab.concurrency.memory
        before = memory.usage("sleepy", lab.pool.environments(), [lab._spawner.pid])
        assert before.environments == 1 and 1 < before.new_environment_mb < 10
        # Room for the warm environment and about two more.
        budget = round(before.used_mb + 2.5 * before.new_environment_mb)
        memory.budget_mb = budget
        results = _together(8, lambda: lab.invoke("sleepy", {"s": 1}))
        refused = [r for r in results if isinstance(r, errors.LambdaError)]
        ran = [r for r in results if not isinstance(r, Exception)]
        assert 2 <= len(ran) <= 5 and len(refused) == 8 - len(ran), results
        assert {type(r) for r in refused} == {errors.TooManyRequestsException}
        assert all(
            "memory budget" in r.message
            and f"{budget} MB budget" in r.message
            and "Lab(memory_budget_mb=...)" in r.message
            for r in refused
        )
        assert lab.concurrency.memory.refusals == len(refused)
        assert lab.invoke("sleepy", {"s": 0}).status_code == 200  # the Lab carries on


def test_memory_is_measured_per_process() -> None:
    with Lab() as lab:
        lab.deploy("small", "def handler(event, context):\n    return 1\n",
                   handler="lambda_function.handler")  # fmt: skip
        lab.deploy("large", "BLOB = bytearray(20 * 2**20)\n\ndef handler(event, context):\n"
                   "    return len(BLOB)\n", handler="lambda_function.handler")  # fmt: skip
        lab.invoke("small")
        lab.invoke("large")
        small, large = (
            process_memory(lab.environments(name)[0].pid) for name in ("small", "large")
        )
        assert small is not None and large is not None
        # A worker's own pages are a few MB; the shared ones (the runtime) are counted in RSS.
        assert 0.5 < small.uss < 10 < small.rss
        assert large.uss - small.uss > 18
        usage = lab.concurrency.memory.usage("large", lab.pool.environments())
        assert usage.new_environment_mb > 20 and usage.environments == 2
        assert lab.concurrency.memory.footprint("small") < 10


def test_memory_budget_counts_starting_environments_at_their_expected_size() -> None:
    measured = {
        1: Memory(12.0, 6.0, 5.0),
        2: Memory(40.0, 33.0, 30.0),
        3: Memory(9.0, 4.0, 1.0),
        99: Memory(8.0, 3.0, 2.0),  # the template: its RSS counts, shared pages and all
    }
    clock = [0.0]
    calls: list[int] = []

    def measure(pid: int) -> Memory | None:
        calls.append(pid)
        return measured.get(pid)

    budget = MemoryBudget(100, measure=measure, now=lambda: clock[0])

    class Env:
        def __init__(self, pid: int, name: str, state: str) -> None:
            self.pid, self.function_name = pid, name
            self.state = type("S", (), {"value": state})()

    usage = budget.usage("a", [Env(1, "a", "ready"), Env(2, "b", "busy")], extra_pids=[99])
    assert usage == Usage(43.0, 2, 5.0)  # USS 5 + 30, the template's RSS 8; "a" needs 5
    assert budget.footprint("b") == 30.0
    assert budget.footprint("never-seen") == NEW_ENVIRONMENT_ESTIMATE_MB
    # A starting environment counts at its function's footprint; it is one of the pending
    # admissions of "b", so only the other one and "c"'s count on top.
    starting = budget.usage("b", [Env(3, "b", "starting")], pending=["b", "b", "c"])
    assert starting.used_mb == 30.0 + 30.0 + NEW_ENVIRONMENT_ESTIMATE_MB
    assert starting.environments == 3 and starting.new_environment_mb == 30.0
    total = starting.used_mb
    assert starting.fits(total + 30) and not starting.fits(total + 30, extra_environments=2)
    # Each process is read at most once per measure_every_s (and forgotten once it is gone).
    budget.usage("a", [Env(1, "a", "ready")])
    calls.clear()
    budget.usage("a", [Env(1, "a", "ready")])
    assert calls == []
    clock[0] += 1.0
    budget.usage("a", [Env(1, "a", "ready")])
    assert calls == [1]
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
