"""A short soak: the same code as benchmarks/soak.py on a smaller count, with stated bounds."""

from __future__ import annotations

from benchmark_scripts import load_benchmark


def test_thousands_of_sync_and_async_invocations_leak_nothing_and_lose_nothing() -> None:
    result = load_benchmark("soak").soak(sync_calls=2000, async_events=1000)
    growth = result.growth()
    # After the warm-up the pools are at their working size: nothing may grow with the count.
    # (On a loaded machine the async part may reach the dispatcher's full width of
    # environments only now, hence up to 2 more processes; a leak would be hundreds.)
    assert growth["open_files"] <= 1, growth
    assert growth["threads"] <= 0, growth
    assert growth["processes"] <= 2, growth
    # Records and logs are cleared before measuring; the async journal (about 2 KB an event)
    # is kept on purpose, so 1,000 events may add a few MB, not tens.
    assert growth["rss_mb"] < 15, growth
    counted = result.async_count
    assert (counted.delivered, counted.lost, counted.duplicated) == (1000, 0, 0)
    assert counted.failed_on_purpose == 20
    assert counted.journal_disagrees == []
