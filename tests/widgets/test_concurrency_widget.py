"""The cog-wheels dashboard, driven by clicking its buttons in plain pytest."""

from __future__ import annotations

import time

import pytest

from lambda_lab import Lab
from lambda_lab.widgets.concurrency import ConcurrencyBoard, ConcurrencyDashboard, render


def test_clicking_faster_than_the_work_takes_starts_more_environments(lab: Lab) -> None:
    dashboard = ConcurrencyDashboard(lab, work_s=0.6, auto_refresh_s=None)
    try:
        for _ in range(3):
            dashboard.buttons["S3 upload"].click()
        assert dashboard.refresh().sent == 3
        dashboard.board.wait()
        done = dashboard.refresh()
        # Three events overlapped: three environments, one event each, all idle now.
        assert (done.alive, done.count("idle"), done.succeeded) == (3, 3, 3)
        assert sorted(w.served for w in done.wheels) == [1, 1, 1] and lab.concurrency.peak == 3
        assert done.cost > 0
        # Slowly now: one click at a time is served by an environment that is already warm.
        for _ in range(2):
            dashboard.buttons["SQS message"].click()
            dashboard.board.wait()
        slow = dashboard.refresh()
        assert slow.alive == 3 and sum(w.served for w in slow.wheels) == 5
        assert (
            "3</b> environments alive" in dashboard.view.value and "ll-idle" in dashboard.view.value
        )
    finally:
        dashboard.close()


def test_throttles_and_ended_environments_show_up() -> None:
    with Lab(keep_alive_s=0.5) as lab:
        board = ConcurrencyBoard(lab, work_s=0.4)
        lab.concurrency.reserve(board.function_name, 1)
        for _ in range(3):
            board.fire("API request")
        board.wait()
        state = board.state()
        assert state.succeeded == 1 and state.throttled == {
            "ReservedFunctionConcurrentInvocationLimitExceeded": 2
        }
        assert "throttled 2" in render(state)
        time.sleep(1.2)  # the keep-alive passes: the reaper ends the idle environment
        ended = board.state()
        assert ended.alive == 0 and ended.count("ended") == 1 and "ll-ended" in render(ended)
        with pytest.raises(ValueError, match="unknown event source 'Carrier pigeon'"):
            board.fire("Carrier pigeon")
