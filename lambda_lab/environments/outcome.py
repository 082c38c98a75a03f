"""What an execution environment's phases produce (results and logs), and the states it
moves through.

Shared by the Python environment (environment.py) and custom runtimes (custom_runtime.py).
"""

from __future__ import annotations

import enum
import json
import os
from dataclasses import dataclass

PROTOCOL_ERROR = "Runtime.Unknown"  # AWS's catch-all for a runtime that broke the protocol


class State(enum.Enum):
    STARTING = "starting"
    READY = "ready"
    BUSY = "busy"
    DEAD = "dead"


class StateError(RuntimeError):
    pass


@dataclass(slots=True)
class Outcome:
    """What one phase (init or invoke) of an environment produced."""

    outcome: str  # success | error | timeout | out_of_memory | crash
    payload: bytes  # the result, or AWS's error document
    duration_ms: float
    max_memory_mb: int
    log: str
    error_type: str | None = None


def error_payload(error_type: str, message: str) -> bytes:
    """AWS's error document for a failure the Lab saw from outside (a kill, a crash)."""
    return json.dumps({"errorType": error_type, "errorMessage": message}).encode()


def open_log(path: str) -> int:
    """The file the environment's stdout and stderr go to (opened here: the environment itself
    cannot reach the Lab's folders)."""
    return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_TRUNC, 0o600)


LOG_KEEP_BYTES = 256 * 1024  # per invocation, head and tail each, as CloudWatch caps an event


def read_phase_log(fd: int, start: int) -> str:
    """A phase's output in the log file ``fd`` from ``start``: its head and tail where it is
    longer than twice LOG_KEEP_BYTES."""
    # lseek is cheaper than fstat; reads use pread, so the offset moving is harmless
    size = os.lseek(fd, 0, os.SEEK_END) - start
    if size <= 0:
        return ""
    if size <= 2 * LOG_KEEP_BYTES:
        data = os.pread(fd, size, start)
    else:
        head = os.pread(fd, LOG_KEEP_BYTES, start)
        tail = os.pread(fd, LOG_KEEP_BYTES, start + size - LOG_KEEP_BYTES)
        skipped = size - 2 * LOG_KEEP_BYTES
        data = head + f"\n... [{skipped} bytes of output cut by lambda-lab] ...\n".encode() + tail
    return data.decode("utf-8", errors="backslashreplace")
