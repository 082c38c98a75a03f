"""CloudWatch-style logs: groups, one stream per execution environment, and AWS's platform lines.

The START / END / REPORT lines are rendered from the invocation record, never the other
way round. Formats follow AWS: a single space before ``Version`` in START, tab-separated
REPORT fields, Init Duration last and only on a cold start, ``Status`` on failures.
"""

from __future__ import annotations

import bisect
import fnmatch
import hashlib
import threading
from collections import deque
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


RETENTION_DAYS = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827,
                  2192, 2557, 2922, 3288, 3653)  # fmt: skip  # what PutRetentionPolicy takes
DEFAULT_MAX_INVOCATIONS = 10_000  # invocations' log lines kept in memory by default
_DAY_S = 86_400


class _Lines:
    """The log lines of one invocation (or one put), rendered only when someone reads them:
    invokes stay cheap, and the text is always derived from the record."""

    __slots__ = ("when", "render", "stream", "alive")

    def __init__(self, when: float, render: Callable[[], list[str]], stream: str) -> None:
        self.when = when
        self.render = render
        self.stream = stream
        self.alive = True


class _Group:
    """One log group: its chunks in time order, and the same chunks per stream (the index)."""

    __slots__ = ("chunks", "streams", "retention_days")

    def __init__(self) -> None:
        self.chunks: list[_Lines] = []
        self.streams: dict[str, list[_Lines]] = {}
        self.retention_days: int | None = None  # None: never expire, CloudWatch's default


def _when(chunk: _Lines) -> float:
    return chunk.when


def _insert(chunks: list[_Lines], chunk: _Lines) -> None:
    """In time order; ties keep their order. Puts nearly always come in order: append."""
    if not chunks or chunks[-1].when <= chunk.when:
        chunks.append(chunk)
    else:
        bisect.insort_right(chunks, chunk, key=_when)


def _remove(chunks: list[_Lines], chunk: _Lines) -> None:
    if chunks[0] is chunk:  # the cap and retention drop the oldest
        del chunks[0]
        return
    index = bisect.bisect_left(chunks, chunk.when, key=_when)
    while chunks[index] is not chunk:
        index += 1
    del chunks[index]


class LogStore:
    """Every log group of the Lab, in memory, indexed by group, stream and time; thread-safe.

    Memory is bounded: the lines of the newest ``max_invocations`` puts (one per invocation)
    are kept, older ones are dropped (counted in :attr:`dropped`; ``lambda-lab serve --state``
    keeps every line on disk). A group can also expire lines by age, as CloudWatch's
    retention does (:meth:`set_retention`, on the Lab clock ``now``). ``spill``, when set, is
    given every put's lines as they come (rendered at once).
    """

    def __init__(
        self,
        max_invocations: int = DEFAULT_MAX_INVOCATIONS,
        now: Callable[[], float] | None = None,
    ) -> None:
        self._groups: dict[str, _Group] = {}
        self._arrivals: deque[tuple[_Group, _Lines]] = deque()  # what the cap drops first
        self._live = 0
        self._lock = threading.Lock()
        self._now = now
        self._max = _positive(max_invocations, "max_invocations")
        self.dropped = 0  # puts dropped by the cap or by retention since the last clear()
        self.spill: Callable[[str, str, float, list[str]], None] | None = None

    @property
    def max_invocations(self) -> int:
        return self._max

    @max_invocations.setter
    def max_invocations(self, value: int) -> None:
        with self._lock:
            self._max = _positive(value, "max_invocations")
            self._enforce_cap()

    def put(
        self, group: str, stream: str, when: float, lines: list[str] | Callable[[], list[str]]
    ) -> None:
        """Append lines (or a function that renders them later) to a stream."""
        spill = self.spill
        if spill is not None:
            lines = lines() if callable(lines) else list(lines)
            spill(group, stream, when, lines)
        render = lines if callable(lines) else (lambda fixed=list(lines): fixed)
        chunk = _Lines(when, render, stream)
        with self._lock:
            found = self._groups.get(group)
            if found is None:
                found = self._groups[group] = _Group()
            _insert(found.chunks, chunk)
            _insert(found.streams.setdefault(stream, []), chunk)
            self._arrivals.append((found, chunk))
            self._live += 1
            self._enforce_cap()
            if found.retention_days is not None:
                self._expire(found)

    def _enforce_cap(self) -> None:
        while self._live > self._max:
            group, chunk = self._arrivals.popleft()
            if chunk.alive:
                self._drop(group, chunk)

    def _drop(self, group: _Group, chunk: _Lines) -> None:
        chunk.alive = False
        _remove(group.chunks, chunk)
        in_stream = group.streams[chunk.stream]
        _remove(in_stream, chunk)
        if not in_stream:
            del group.streams[chunk.stream]
        self._live -= 1
        self.dropped += 1

    def _expire(self, group: _Group) -> None:
        if group.retention_days is None or self._now is None:
            return
        oldest = self._now() - group.retention_days * _DAY_S
        while group.chunks and group.chunks[0].when < oldest:
            self._drop(group, group.chunks[0])
        if len(self._arrivals) > 2 * self._live + 64:  # forget the dropped ones it still lists
            self._arrivals = deque(item for item in self._arrivals if item[1].alive)

    def set_retention(self, group: str, days: int | None) -> None:
        """Keep a group's lines ``days`` days (one of CloudWatch's values), or forever (None)."""
        if days is not None and days not in RETENTION_DAYS:
            raise ValueError(
                f"retention must be one of CloudWatch's values {', '.join(map(str, RETENTION_DAYS))}"
                f" or None for never expire (got {days!r})"
            )
        with self._lock:
            found = self._groups.setdefault(self._group_name(group), _Group())
            found.retention_days = days
            self._expire(found)

    def retention(self, group: str) -> int | None:
        with self._lock:
            found = self._groups.get(self._group_name(group))
            return None if found is None else found.retention_days

    def groups(self) -> list[str]:
        with self._lock:
            return sorted(self._groups)

    def streams(self, group: str) -> list[str]:
        with self._lock:
            found = self._groups.get(self._group_name(group))
            return sorted(found.streams) if found else []

    def _chunks(
        self, group: str, stream: str | None, start: float | None, end: float | None
    ) -> list[_Lines]:
        with self._lock:
            found = self._groups.get(self._group_name(group))
            if found is None:
                return []
            self._expire(found)
            chunks = found.chunks if stream is None else found.streams.get(stream, [])
            low = 0 if start is None else bisect.bisect_left(chunks, start, key=_when)
            high = len(chunks) if end is None else bisect.bisect_right(chunks, end, key=_when)
            return chunks[low:high]

    def events(
        self,
        group: str,
        stream: str | None = None,
        pattern: str | None = None,
        start: float | None = None,
        end: float | None = None,
    ) -> list[LogEvent]:
        """Events of a group (or one stream) in time order, from ``start`` to ``end`` (epoch
        seconds, both included); ``pattern`` keeps lines containing it.

        ``pattern`` is a plain term as in CloudWatch's simplest filter ("ERROR", "REPORT"), or a
        shell-style glob when it contains ``*``.
        """
        chunks = self._chunks(group, stream, start, end)
        matches = _matcher(pattern)
        return [
            LogEvent(chunk.when, line, chunk.stream)
            for chunk in chunks
            for line in chunk.render()
            if matches(line)
        ]

    def tail(self, function_or_group: str, lines: int = 50, pattern: str | None = None) -> str:
        """The last lines of a function's log, as ``aws logs tail`` shows them (reads only
        as many invocations back as it needs)."""
        if lines <= 0:
            return ""
        matches = _matcher(pattern)
        found: list[str] = []
        taken, step = 0, 64
        while len(found) < lines:
            newer = taken
            older = self._newest(function_or_group, taken + step)
            if len(older) == taken:
                break  # nothing older left
            for chunk in reversed(older[: len(older) - newer]):
                found[:0] = [line for line in chunk.render() if matches(line)]
                if len(found) >= lines:
                    break
            taken, step = len(older), step * 2
        return "\n".join(found[-lines:])

    def _newest(self, group: str, count: int) -> list[_Lines]:
        """The newest ``count`` chunks of a group (a copy of only those)."""
        with self._lock:
            found = self._groups.get(self._group_name(group))
            if found is None:
                return []
            self._expire(found)
            return found.chunks[-count:]

    @staticmethod
    def _group_name(name: str) -> str:
        return name if name.startswith("/") else f"/aws/lambda/{name}"

    def __len__(self) -> int:
        """Puts (invocations) whose lines are kept now."""
        return self._live

    def clear(self) -> None:
        with self._lock:
            self._groups.clear()
            self._arrivals.clear()
            self._live = 0
            self.dropped = 0


def _matcher(pattern: str | None) -> Callable[[str], bool]:
    if not pattern:
        return lambda line: True
    if "*" in pattern:
        return lambda line: fnmatch.fnmatchcase(line, pattern)
    return lambda line: pattern in line


def _positive(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be a whole number >= 1 (got {value!r})")
    return value
