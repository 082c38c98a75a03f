"""Records and logs are bounded, indexed and still exact: caps a user can set, CloudWatch-like
retention, running bill totals equal to pricing every record, and a short version of
benchmarks/soak_mixed.py proving nothing grows with the number of invocations."""

from __future__ import annotations

from decimal import Decimal

import pytest
from benchmark_scripts import load_benchmark
from hypothesis import given, settings
from hypothesis import strategies as st

from lambda_lab.monitoring.logs import LogStore
from lambda_lab.monitoring.records import InvocationRecord, RecordStore
from lambda_lab.pricing.calculator import bill_from_records, bill_from_usage
from lambda_lab.pricing.usage import meter_records


def _record(n: int, name: str = "f", **fields) -> InvocationRecord:
    base = dict(
        request_id=f"id-{n}", function_name=name, version="$LATEST",
        invocation_type="RequestResponse", outcome="success", start=1000.0 + n,
        duration_ms=1.5, memory_mb=128, max_memory_used_mb=40,
    )  # fmt: skip
    base.update(fields)
    return InvocationRecord(**base)


# -- logs ---------------------------------------------------------------------------------------


def test_logs_keep_time_order_per_group_and_stream_whatever_the_arrival_order() -> None:
    logs = LogStore()
    for when, stream in [(5.0, "b"), (1.0, "a"), (3.0, "b"), (3.0, "a"), (9.0, "a")]:
        logs.put("/aws/lambda/f", stream, when, [f"{stream}@{when}", "second line"])
    events = logs.events("f")
    assert [e.message for e in events][::2] == ["a@1.0", "b@3.0", "a@3.0", "b@5.0", "a@9.0"]
    assert [e.message for e in logs.events("f", stream="a")][::2] == ["a@1.0", "a@3.0", "a@9.0"]
    assert [e.message for e in logs.events("f", start=3.0, end=5.0)][::2] == [
        "b@3.0", "a@3.0", "b@5.0",
    ]  # fmt: skip
    assert logs.tail("f", 3) == "second line\na@9.0\nsecond line"
    assert logs.tail("f", 2, pattern="b@") == "b@3.0\nb@5.0"
    assert logs.streams("f") == ["a", "b"] and logs.tail("f", 0) == ""


def test_logs_drop_the_oldest_invocations_beyond_the_cap_and_count_them() -> None:
    logs = LogStore(max_invocations=3)
    for n in range(5):
        logs.put("/aws/lambda/f", f"s{n % 2}", float(n), [f"line {n}"])
    assert [e.message for e in logs.events("f")] == ["line 2", "line 3", "line 4"]
    assert (len(logs), logs.dropped) == (3, 2)
    logs.max_invocations = 1
    assert [e.message for e in logs.events("f")] == ["line 4"] and logs.streams("f") == ["s0"]
    with pytest.raises(ValueError, match="max_invocations must be a whole number >= 1"):
        logs.max_invocations = 0


def test_logs_expire_by_retention_on_the_lab_clock() -> None:
    now = [10 * 86_400.0]
    logs = LogStore(now=lambda: now[0])
    logs.put("/aws/lambda/f", "s", now[0] - 2 * 86_400, ["two days old"])
    logs.put("/aws/lambda/f", "s", now[0] - 3600, ["an hour old"])
    assert logs.retention("f") is None and len(logs.events("f")) == 2  # never expire by default
    logs.set_retention("f", 1)
    assert [e.message for e in logs.events("f")] == ["an hour old"] and logs.dropped == 1
    now[0] += 86_400
    assert logs.events("f") == [] and logs.retention("f") == 1
    with pytest.raises(ValueError, match=r"one of CloudWatch's values 1, 3, 5.*\(got 2\)"):
        logs.set_retention("f", 2)


def test_a_spill_gets_every_put_rendered_at_once() -> None:
    logs = LogStore()
    seen = []
    logs.spill = lambda *item: seen.append(item)
    logs.put("/aws/lambda/f", "s", 1.0, lambda: ["rendered"])
    assert seen == [("/aws/lambda/f", "s", 1.0, ["rendered"])]


# -- records and the bill -----------------------------------------------------------------------


def test_records_are_capped_and_say_what_was_dropped() -> None:
    records = RecordStore(max_records=2)
    for n in range(3):
        records.add(_record(n, name="a" if n < 2 else "b"))
    assert [r.request_id for r in records] == ["id-1", "id-2"]
    assert (records.added, records.dropped, records.dropped_for("a")) == (3, 1, 1)
    assert records.last("a").request_id == "id-1" and records.last("zzz") is None
    assert records.usage().invocations == 3  # the dropped one still bills
    records.clear()
    assert (len(records), records.dropped, records.usage().invocations) == (0, 0, 0)


RECORDS = st.lists(
    st.builds(
        lambda n, memory, arch, storage, outcome, kind, size, provisioned, ms, init: _record(
            n,
            memory_mb=memory,
            architecture=arch,
            ephemeral_storage_mb=storage,
            outcome=outcome,
            invocation_type=kind,
            request_bytes=size,
            provisioned=provisioned,
            duration_ms=ms,
            init_duration_ms=init,
            function_name=f"fn{n % 3}",
        ),
        st.integers(0, 10**6),
        st.sampled_from([128, 129, 1769, 10240]),
        st.sampled_from(["x86_64", "arm64"]),
        st.sampled_from([512, 513, 10240]),
        st.sampled_from(["success", "error", "timeout", "throttled"]),
        st.sampled_from(["RequestResponse", "Event", "poll"]),
        st.integers(0, 1024 * 1024),
        st.booleans(),
        st.floats(0, 900_000),
        st.none() | st.floats(0, 10_000),
    ),  # fmt: skip
    max_size=40,
)


@settings(max_examples=150, deadline=None)
@given(records=RECORDS)
def test_running_totals_bill_exactly_what_pricing_every_record_bills(records) -> None:
    store = RecordStore(max_records=5)  # most of them dropped: the totals do not care
    for record in records:
        store.add(record)
    assert store.usage() == meter_records(records)
    by_totals = bill_from_usage(store.usage())
    by_records = bill_from_records(records)
    assert by_totals.lines == by_records.lines and by_totals.total == by_records.total
    for name in ("fn0", "fn1", "fn2"):
        assert store.usage(name) == meter_records(r for r in records if r.function_name == name)


def test_lab_bill_counts_dropped_invocations_and_says_so(lab) -> None:
    lab.deploy("capped", "def lambda_handler(e, c):\n    return 1\n")
    lab.records.max_records = 3
    for _ in range(5):
        lab.invoke("capped")
    bill = lab.bill()
    assert "Priced from 5 billed invocation(s)." in bill.notes
    assert any("2 of these invocations are no longer in lab.records" in n for n in bill.notes)
    requests = sum(line.quantity for line in bill.lines if line.unit == "requests")
    assert requests == Decimal(5) and len(lab.records) == 3
    assert lab.bill(function="capped").notes == bill.notes


# -- the short soak -----------------------------------------------------------------------------


@pytest.mark.slow
def test_mixed_invocations_past_the_caps_grow_nothing_and_bill_everything() -> None:
    keep = 300
    result = load_benchmark("soak_mixed").mixed_soak(3000, keep=keep, slices=3)
    # Past the warm-up every store is at its cap, whatever the number of invocations.
    assert result.records_kept == keep and result.log_invocations_kept == keep
    assert result.journeys_kept <= keep + keep // 10 + 1
    assert result.records_dropped == result.expected_requests - keep
    # The bill still counts every invocation, and says how many records it no longer holds.
    assert result.billed_requests == result.expected_requests
    assert any(f"{result.records_dropped:,} of these invocations" in n for n in result.bill_notes)
    # 3,000 more invocations: a leak of 1 KB each would be 3 MB; allow the allocator's noise.
    assert result.growth_mb < 3, result.rss_mb
