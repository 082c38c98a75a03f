"""What an execution environment's phases produce, and the states it moves through.

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
