"""ends.await_ends: woken as child processes end, within its bound, never past it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from lambda_lab.environments import ends


def _sleeper() -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-S", "-c", "import time; time.sleep(30)"])


def test_it_returns_as_the_children_end_not_at_its_bound() -> None:
    children = [_sleeper(), _sleeper()]
    try:
        for child in children:
            os.kill(child.pid, signal.SIGKILL)
        started = time.monotonic()
        assert ends.await_ends([child.pid for child in children], 20.0) is True
        assert time.monotonic() - started < 10.0  # far from the 20 s bound
        assert all(child.poll() == -signal.SIGKILL for child in children)  # still ours to reap
    finally:
        for child in children:
            child.kill()
            child.wait()


def test_it_gives_up_at_its_bound_when_a_child_lives_on() -> None:
    child = _sleeper()
    try:
        started = time.monotonic()
        assert ends.await_ends([child.pid], 0.05) is False
        assert time.monotonic() - started >= 0.05
        assert child.poll() is None
    finally:
        child.kill()
        child.wait()


def test_no_children_means_nothing_to_wait_for() -> None:
    assert ends.await_ends([], 1.0) is True
