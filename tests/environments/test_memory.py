"""Memory as AWS counts it: the whole environment, every process it starts, on top of the
runtime's own baseline; and /tmp is ephemeral storage, not memory."""

from __future__ import annotations

from lambda_lab import Lab, limits

CHILD = """
import subprocess, sys
def lambda_handler(event, context):
    code = (f"b = bytearray({event} << 20); b[::4096] = b'x' * len(b[::4096]); "
            "import time; time.sleep(1.5)")
    return subprocess.run([sys.executable, "-c", code]).returncode
"""


def test_a_child_process_over_the_memory_size_is_stopped(lab: Lab) -> None:
    lab.deploy("parent", CHILD, MemorySize=128, Timeout=20)
    result = lab.invoke("parent", 300)
    assert result.value["errorType"] == "Runtime.OutOfMemory"
    assert result.record.max_memory_used_mb == 128
    assert lab.invoke("parent", 1).record.cold  # a new environment after the kill


def test_max_memory_used_counts_children_and_the_runtimes_baseline(lab: Lab) -> None:
    lab.deploy("parent", CHILD, MemorySize=512, Timeout=20)
    with_child = lab.invoke("parent", 100)
    assert with_child.value == 0
    assert with_child.record.max_memory_used_mb >= limits.PYTHON_RUNTIME_BASELINE_MB + 100


def test_a_trivial_handler_reports_what_it_would_on_aws(lab: Lab) -> None:
    lab.deploy("trivial", "def lambda_handler(e, c):\n    return 1\n")
    used = [lab.invoke("trivial").record.max_memory_used_mb for _ in range(3)]
    # AWS: 36-55 MB for a trivial Python handler (facts, sections 3 and 12).
    assert all(limits.PYTHON_RUNTIME_BASELINE_MB < u <= 55 for u in used), used
    assert limits.runtime_baseline_mb("provided.al2023") == 0  # custom runtimes: all measured
