"""The CPU reading the governor runs on: a process's CPU-time clock, read from outside it."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import psutil

from lambda_lab.environments.cpu import cpu_seconds

BURN = "import time\nt = time.process_time()\nwhile time.process_time() - t < 0.3: pass\n"


def test_it_reads_this_process_as_process_time_does() -> None:
    before, mine, after = time.process_time(), cpu_seconds(os.getpid()), time.process_time()
    assert before <= mine <= after + 0.001


def test_it_reads_a_busy_child_as_the_kernel_counts_it() -> None:
    child = subprocess.Popen([sys.executable, "-c", BURN + "import time; time.sleep(30)"])
    try:
        deadline = time.monotonic() + 60
        while cpu_seconds(child.pid) < 0.3:  # its own loop ends at 0.3 s of CPU
            assert time.monotonic() < deadline, "the child's CPU never reached 0.3 s"
            time.sleep(0.05)
        times = psutil.Process(child.pid).cpu_times()
        assert abs(cpu_seconds(child.pid) - (times.user + times.system)) < 0.05
    finally:
        child.kill()
        child.wait()


def test_a_process_that_is_gone_reads_zero_and_pid_zero_is_not_this_process() -> None:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    assert cpu_seconds(child.pid) == 0.0
    assert cpu_seconds(0) == 0.0
