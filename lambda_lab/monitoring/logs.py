"""CloudWatch-style logs: groups, one stream per execution environment, and AWS's platform lines.

The START / END / REPORT lines are rendered from the invocation record, never the other
way round. Formats follow AWS: a single space before ``Version`` in START, tab-separated
REPORT fields, Init Duration last and only on a cold start, ``Status`` on failures.
"""

from __future__ import annotations

import fnmatch
import hashlib
import threading
from collections.abc import Callable
from dataclasses import dataclass

from lambda_lab import aws_time
from lambda_lab.monitoring.records import InvocationRecord

RUNTIME_VERSIONS = {
    "python3.10": 40,
    "python3.11": 39,
    "python3.12": 38,
    "python3.13": 31,
    "python3.14": 7,
}


@dataclass(frozen=True)
class LogEvent:
    timestamp: float  # epoch seconds
    message: str
    stream: str


def stream_name(when: float, version: str, env_id: str) -> str:
    """AWS's stream naming: 2024/01/31/[$LATEST]<32 hex characters of the environment id>."""
    return f"{aws_time.log_stream_day(when)}/[{version}]{env_id}"


def init_start_line(runtime: str, region: str) -> str:
    version = RUNTIME_VERSIONS.get(runtime, 1)
    digest = hashlib.sha256(f"{runtime}.v{version}".encode()).hexdigest()
    label = runtime.replace("python", "python:")
    return (
        f"INIT_START Runtime Version: {label}.v{version}\t"
        f"Runtime Version ARN: arn:aws:lambda:{region}::runtime:{digest}"
    )


def init_report_line(duration_ms: float, outcome: str, error_type: str | None) -> str:
    """The line AWS writes when the INIT phase fails or times out."""
    status = "timeout" if outcome == "timeout" else f"error\tError Type: {error_type}"
    return f"INIT_REPORT Init Duration: {duration_ms:.2f} ms\tPhase: init\tStatus: {status}"


def start_line(record: InvocationRecord) -> str:
    return f"START RequestId: {record.request_id} Version: {record.version}"


def end_line(record: InvocationRecord) -> str:
    return f"END RequestId: {record.request_id}"


def report_line(record: InvocationRecord) -> str:
    fields = [
        f"REPORT RequestId: {record.request_id}",
        f"Duration: {record.duration_ms:.2f} ms",
        f"Billed Duration: {record.billed_duration_ms} ms",
        f"Memory Size: {record.memory_mb} MB",
        f"Max Memory Used: {record.max_memory_used_mb} MB",
    ]
    if record.init_duration_ms is not None:
        fields.append(f"Init Duration: {record.init_duration_ms:.2f} ms")
    if record.outcome == "timeout":
        fields.append("Status: timeout")
    elif record.outcome in ("out_of_memory", "crash"):
        fields.append(f"Status: error\tError Type: {record.error_type}")
    return "\t".join(fields)


def split_output(text: str) -> list[str]:
    """A process's output as log events: one per line (the runtime keeps tracebacks on one line)."""
    if not text:
        return []
    return text[:-1].split("\n") if text.endswith("\n") else text.split("\n")


class _Lines:
    """Log lines rendered only when someone reads them: invokes stay cheap, and the text
    is always derived from the record."""

    __slots__ = ("when", "render")

    def __init__(self, when: float, render: Callable[[], list[str]]):
        self.when = when
        self.render = render


class LogStore:
    """Every log group of the Lab, in memory; thread-safe."""

    def __init__(self) -> None:
        self._groups: dict[str, dict[str, list[_Lines]]] = {}
        self._lock = threading.Lock()

    def put(
        self, group: str, stream: str, when: float, lines: list[str] | Callable[[], list[str]]
    ) -> None:
        """Append lines (or a function that renders them later) to a stream."""
        render = lines if callable(lines) else (lambda fixed=list(lines): fixed)
        with self._lock:
            self._groups.setdefault(group, {}).setdefault(stream, []).append(_Lines(when, render))

    def groups(self) -> list[str]:
        with self._lock:
            return sorted(self._groups)

    def streams(self, group: str) -> list[str]:
        with self._lock:
            return sorted(self._groups.get(self._group_name(group), {}))

    def events(
        self, group: str, stream: str | None = None, pattern: str | None = None
    ) -> list[LogEvent]:
        """Events of a group (or one stream) in time order; ``pattern`` keeps lines containing it.

        ``pattern`` is a plain term as in CloudWatch's simplest filter ("ERROR", "REPORT"), or a
        shell-style glob when it contains ``*``.
        """
        with self._lock:
            streams = self._groups.get(self._group_name(group), {})
            names = [stream] if stream else list(streams)
            chunks = [(name, chunk) for name in names for chunk in list(streams.get(name, []))]
        found = [
            LogEvent(chunk.when, line, name) for name, chunk in chunks for line in chunk.render()
        ]
        found.sort(key=lambda e: e.timestamp)  # stable: lines of one chunk keep their order
        if pattern:
            if "*" in pattern:
                found = [e for e in found if fnmatch.fnmatchcase(e.message, pattern)]
            else:
                found = [e for e in found if pattern in e.message]
        return found

    def tail(self, function_or_group: str, lines: int = 50, pattern: str | None = None) -> str:
        """The last lines of a function's log, as ``aws logs tail`` shows them."""
        events = self.events(function_or_group, pattern=pattern)[-lines:]
        return "\n".join(e.message for e in events)

    @staticmethod
    def _group_name(name: str) -> str:
        return name if name.startswith("/") else f"/aws/lambda/{name}"

    def clear(self) -> None:
        with self._lock:
            self._groups.clear()
