"""A short soak: the same code as benchmarks/soak.py on a smaller count, with stated bounds."""

from __future__ import annotations

import importlib.util
import pathlib

SOAK = pathlib.Path(__file__).parent.parent / "benchmarks" / "soak.py"


def _soak_module():
    spec = importlib.util.spec_from_file_location("lambda_lab_soak", SOAK)
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(module)
    return module


def test_two_thousand_invocations_leak_nothing() -> None:
    result = _soak_module().soak(sync_calls=2000, async_events=300)
    growth = result.growth()
    assert growth["open_files"] <= 2, growth
    assert growth["threads"] <= 2, growth
    assert growth["processes"] <= 1, growth
    assert growth["rss_mb"] < 15, growth
    assert result.lost == 0 and result.duplicates == 0
