"""What each of an execution environment's limits does when a handler pushes it, measured.

    python benchmarks/enforcement.py [--quick]

Prints one line per limit: the configured value, what the handler managed before it was
stopped, and how. The figures go in docs/promises.md; the tests that hold each behaviour
are in tests/environments/ (test_faults.py among them).
"""

from __future__ import annotations

import os
import statistics
import time
from typing import Any

from _common import parser

FORK_BOMB = """
import os, time
def lambda_handler(event, context):
    made = 0
    try:
        for _ in range(5000):
            if os.fork() == 0:
                time.sleep(20)
                os._exit(0)
            made += 1
    except OSError as exc:
        return {"made": made, "error": exc.strerror}
    return {"made": made, "error": None}
"""
THREAD_BOMB = """
import threading, time
def lambda_handler(event, context):
    stop = threading.Event()
    made = 0
    try:
        for _ in range(5000):
            threading.Thread(target=stop.wait, daemon=True).start()
            made += 1
    except RuntimeError as exc:
        return {"made": made, "error": str(exc)}
    finally:
        stop.set()
    return {"made": made, "error": None}
"""
FD_BOMB = """
import os
def lambda_handler(event, context):
    opened = []
    try:
        for _ in range(5000):
            opened.append(os.open("/dev/null", os.O_RDONLY))
    except OSError as exc:
        return {"opened": len(opened), "error": exc.strerror}
    finally:
        for fd in opened:
            os.close(fd)
    return {"opened": len(opened), "error": None}
"""
MEMORY_HOG = """
def lambda_handler(event, context):
    hog = []
    for _ in range(event["mb"]):
        hog.append(bytearray(1024 * 1024))
    return len(hog)
"""
CHILD_HOG = """
import subprocess, sys
def lambda_handler(event, context):
    code = "x = bytearray(%d * 1024 * 1024); print(len(x))" % event["mb"]
    return int(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout)
"""
FLOOD = """
import sys
def lambda_handler(event, context):
    line = "x" * 1023 + "\\n"
    for _ in range(event["mb"] * 1024):
        sys.stdout.write(line)
    return "done"
"""
SLEEPER = "import time\ndef lambda_handler(event, context):\n    time.sleep(60)\n"
TMP_WRITER = "def lambda_handler(event, context):\n    open('/tmp/mine.txt', 'w').write('a')\n    return 'ok'\n"
TMP_READER = """
import os, tempfile
def lambda_handler(event, context):
    return {"tmp": sorted(os.listdir("/tmp")), "secret": os.environ.get("SECRET"), "tmpdir": tempfile.gettempdir()}
"""


def _timed(lab: Any, name: str, event: Any = None) -> tuple[Any, float]:
    started = time.perf_counter()
    result = lab.invoke(name, event)
    return result, time.perf_counter() - started


def _outcome(result: Any) -> str:
    """What the invoke returned, or the error that stopped it."""
    value = result.value
    if isinstance(value, dict) and "errorType" in value:
        return f"stopped with {value['errorType']}"
    return f"returned {value!r} (not stopped)"


def main() -> None:
    timeouts = 1 if parser(__doc__, runs=None).parse_args().quick else 5
    from lambda_lab import Lab, limits

    with Lab() as lab:
        print(f"process cap mechanism on this host: {lab.pool.process_cap.describe()}")
        lab.deploy("sleeper", SLEEPER, Timeout=1)
        overshoot = []
        for _ in range(timeouts):
            result, seconds = _timed(lab, "sleeper")
            overshoot.append((seconds - 1.0) * 1000)
        print(
            f"timeout 1 s: {result.value['errorType']}; the invoke returned "
            f"{statistics.median(overshoot):.0f} ms after the deadline (median of {timeouts}, max {max(overshoot):.0f})"
        )

        lab.deploy("hog", MEMORY_HOG, MemorySize=128, Timeout=30)
        result, seconds = _timed(lab, "hog", {"mb": 400})
        print(
            f"memory 128 MB, handler allocating 400 MB: {result.value.get('errorType')}, "
            f"Max Memory Used {result.record.max_memory_used_mb} MB, stopped after {seconds:.2f} s"
        )
        lab.deploy("child-hog", CHILD_HOG, MemorySize=128, Timeout=30)
        result, seconds = _timed(lab, "child-hog", {"mb": 300})
        print(
            f"memory 128 MB, a child process allocating 300 MB: {_outcome(result)} after "
            f"{seconds:.2f} s, Max Memory Used {result.record.max_memory_used_mb} MB"
        )

        # The largest memory size: every process counts against it, so at 128 MB about a
        # hundred forked Pythons end the environment (Runtime.OutOfMemory) before the cap does.
        for name, source, what in (
            ("forks", FORK_BOMB, "processes"),
            ("threads", THREAD_BOMB, "threads"),
        ):
            lab.deploy(name, source, Timeout=30, MemorySize=limits.MEMORY_MAX_MB)
            result, seconds = _timed(lab, name)
            made = result.value.get("made") if isinstance(result.value, dict) else None
            if made is None:
                stopped_by = _outcome(result)
            elif result.value["error"] is None:
                stopped_by = f"made {made:,} and was never stopped"
            else:
                stopped_by = f"made {made:,} before '{result.value['error']}'"
            print(
                f"{what} cap {limits.PROCESSES_THREADS_MAX:,}: the handler {stopped_by} "
                f"({seconds:.1f} s)"
            )
            lab.pool.retire(name)
        lab.deploy("fds", FD_BOMB)
        result, _ = _timed(lab, "fds")
        print(
            f"file descriptors cap {limits.FILE_DESCRIPTORS_MAX:,}: the handler opened {result.value['opened']:,} "
            f"more before '{result.value['error']}'"
        )

        lab.deploy("flood", FLOOD, MemorySize=2048, Timeout=120)
        result, seconds = _timed(lab, "flood", {"mb": 100})
        _, next_seconds = _timed(lab, "flood", {"mb": 0})
        print(
            f"100 MB of output in {seconds:.1f} s: {len(result.log):,} characters kept in the log; "
            f"the next invoke took {next_seconds * 1000:.0f} ms"
        )

        oversize = b'"' + b"x" * (limits.SYNC_PAYLOAD_MAX_BYTES - 1) + b'"'
        try:
            lab.invoke("flood", payload=oversize)
            print("payload 6 MB + 1 byte: accepted (unexpected)")
        except Exception as exc:  # the Lab's LambdaError, with AWS's code
            print(
                f"payload 6 MB + 1 byte: {getattr(exc, 'code', type(exc).__name__)} before any worker ran"
            )

        lab.deploy("writer", TMP_WRITER, Environment={"Variables": {"SECRET": "writer-only"}})
        lab.deploy("reader", TMP_READER)
        lab.invoke("writer")
        seen = lab.invoke("reader").value
        private = seen["tmpdir"] == "/tmp"
        print(
            f"/tmp: {'a private mount per environment' if private else 'TMPDIR fallback: ' + seen['tmpdir']}; "
            f"another function sees {seen['tmp']} in /tmp and SECRET={seen['secret']!r}; "
            f"the host's /tmp/mine.txt exists: {os.path.exists('/tmp/mine.txt')}"
        )


if __name__ == "__main__":
    main()
