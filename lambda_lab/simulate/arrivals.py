"""Arrival patterns: when requests come, for which function, and how they are invoked.

Every pattern yields ``(time_s, function_name, invocation_type)`` in time order, lazily:
a million arrivals are generated as the simulation reads them, never stored in a list.
A :class:`Trace` is the same tuples written out, e.g. recorded from the real runtime.

The simulator reads arrivals as :func:`blocks`: runs of one function and invocation type
with their times in a list, so its loop touches a plain float per arrival and can count a
run of throttled requests at once (see ``engine``).
"""

from __future__ import annotations

import heapq
import itertools
import math
import random
from bisect import bisect_left
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from operator import itemgetter

from lambda_lab.simulate.config import INVOCATION_TYPES, SYNC

Arrival = tuple[float, str, str]
Block = tuple[str, str, list[float]]  # function, invocation type, arrival times in order
CHUNK = 4096  # arrival times generated at a time


def _check(pattern: str, name: str, value: object, *, positive: bool = False) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ValueError(f"{pattern}: '{name}' must be a finite number (got {value!r})")
    if value < 0 or (positive and value == 0):
        raise ValueError(
            f"{pattern}: '{name}' must be {'> 0' if positive else '>= 0'} (got {value!r})"
        )


def _check_target(pattern: str, function: object, invocation_type: object) -> None:
    if not isinstance(function, str) or not function:
        raise ValueError(f"{pattern}: 'function' must be a function name (got {function!r})")
    if invocation_type not in INVOCATION_TYPES:
        raise ValueError(
            f"{pattern}: 'invocation_type' must be one of {', '.join(INVOCATION_TYPES)} "
            f"(got {invocation_type!r})"
        )


@dataclass(frozen=True)
class Steady:
    """``rate_per_s`` requests a second, evenly spaced, for ``duration_s`` seconds."""

    function: str
    rate_per_s: float
    duration_s: float
    start_s: float = 0.0
    invocation_type: str = SYNC

    def __post_init__(self) -> None:
        _check_target("Steady", self.function, self.invocation_type)
        _check("Steady", "rate_per_s", self.rate_per_s, positive=True)
        _check("Steady", "duration_s", self.duration_s)
        _check("Steady", "start_s", self.start_s)

    @property
    def count(self) -> int:
        return math.ceil(self.rate_per_s * self.duration_s - 1e-9)

    def events(self) -> Iterator[Arrival]:
        start, gap = self.start_s, 1.0 / self.rate_per_s
        name, kind = self.function, self.invocation_type
        for index in range(self.count):
            yield (start + index * gap, name, kind)

    def time_chunks(self) -> Iterator[list[float]]:
        """The same times as :meth:`events` (the same arithmetic), a chunk at a time."""
        import numpy as np

        start, gap = self.start_s, 1.0 / self.rate_per_s
        for first in range(0, self.count, CHUNK):
            indexes = np.arange(first, min(first + CHUNK, self.count))
            yield (start + indexes * gap).tolist()


@dataclass(frozen=True)
class Burst:
    """``count`` requests spread evenly over ``over_s`` seconds (0: all at the same instant),
    starting at ``at_s``; ``repeat`` bursts, one every ``every_s`` seconds."""

    function: str
    size: int
    at_s: float = 0.0
    over_s: float = 0.0
    repeat: int = 1
    every_s: float | None = None
    invocation_type: str = SYNC

    def __post_init__(self) -> None:
        _check_target("Burst", self.function, self.invocation_type)
        for name in ("size", "repeat"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"Burst: '{name}' must be an integer >= 0 (got {value!r})")
        _check("Burst", "at_s", self.at_s)
        _check("Burst", "over_s", self.over_s)
        if self.repeat > 1:
            if self.every_s is None:
                raise ValueError("Burst: 'every_s' is needed when 'repeat' > 1 (got None)")
            _check("Burst", "every_s", self.every_s, positive=True)
            if self.every_s < self.over_s:
                raise ValueError(
                    f"Burst: 'every_s' must be >= 'over_s' so bursts do not overlap "
                    f"(got every_s={self.every_s}, over_s={self.over_s})"
                )

    @property
    def count(self) -> int:
        return self.size * self.repeat

    def events(self) -> Iterator[Arrival]:
        name, kind, n = self.function, self.invocation_type, self.size
        gap = self.over_s / n if n else 0.0
        for burst in range(self.repeat):
            base = self.at_s + burst * (self.every_s or 0.0)
            for index in range(n):
                yield (base + index * gap, name, kind)

    def time_chunks(self) -> Iterator[list[float]]:
        """The same times as :meth:`events` (the same arithmetic), a chunk at a time."""
        import numpy as np

        n = self.size
        gap = self.over_s / n if n else 0.0
        for burst in range(self.repeat):
            base = self.at_s + burst * (self.every_s or 0.0)
            for first in range(0, n, CHUNK):
                yield (base + np.arange(first, min(first + CHUNK, n)) * gap).tolist()


@dataclass(frozen=True)
class Ramp:
    """The rate grows (or falls) linearly from ``from_rate_per_s`` to ``to_rate_per_s``."""

    function: str
    from_rate_per_s: float
    to_rate_per_s: float
    duration_s: float
    start_s: float = 0.0
    invocation_type: str = SYNC

    def __post_init__(self) -> None:
        _check_target("Ramp", self.function, self.invocation_type)
        _check("Ramp", "from_rate_per_s", self.from_rate_per_s)
        _check("Ramp", "to_rate_per_s", self.to_rate_per_s)
        _check("Ramp", "duration_s", self.duration_s, positive=True)
        _check("Ramp", "start_s", self.start_s)

    @property
    def count(self) -> int:
        expected = (self.from_rate_per_s + self.to_rate_per_s) / 2 * self.duration_s
        return math.ceil(expected - 1e-9)

    def events(self) -> Iterator[Arrival]:
        # The i-th request comes when the expected count a*t + b*t^2/2 reaches i; the root
        # is written as 2i / (a + sqrt(a^2 + 2bi)) to stay exact when b is near zero.
        a = self.from_rate_per_s
        b = (self.to_rate_per_s - a) / self.duration_s
        name, kind, start = self.function, self.invocation_type, self.start_s
        for index in range(self.count):
            offset = 0.0 if index == 0 else 2 * index / (a + math.sqrt(a * a + 2 * b * index))
            yield (start + offset, name, kind)


@dataclass(frozen=True)
class Poisson:
    """Random arrivals averaging ``rate_per_s``, independent of each other (seeded)."""

    function: str
    rate_per_s: float
    duration_s: float
    start_s: float = 0.0
    seed: int = 0
    invocation_type: str = SYNC

    def __post_init__(self) -> None:
        _check_target("Poisson", self.function, self.invocation_type)
        _check("Poisson", "rate_per_s", self.rate_per_s, positive=True)
        _check("Poisson", "duration_s", self.duration_s)
        _check("Poisson", "start_s", self.start_s)

    def events(self) -> Iterator[Arrival]:
        gap = random.Random(self.seed).expovariate
        rate, end = self.rate_per_s, self.start_s + self.duration_s
        name, kind = self.function, self.invocation_type
        moment = self.start_s + gap(rate)
        while moment < end:
            yield (moment, name, kind)
            moment += gap(rate)


@dataclass(frozen=True)
class Trace:
    """Recorded arrivals: ``(timestamp, function, invocation_type)`` tuples, any order.

    They are sorted by time; entries that share a timestamp keep the order they came in.
    ``(timestamp, function)`` pairs mean synchronous calls.
    """

    entries: tuple[Arrival, ...]

    def __init__(self, entries: Iterable[Sequence[object]]) -> None:
        checked = []
        for position, entry in enumerate(entries):
            if not isinstance(entry, (tuple, list)) or len(entry) not in (2, 3):
                raise ValueError(
                    f"Trace: entry {position} must be (timestamp, function[, invocation_type]) "
                    f"(got {entry!r})"
                )
            when, function = entry[0], entry[1]
            kind = entry[2] if len(entry) == 3 else SYNC
            _check(f"Trace entry {position}", "timestamp", when)
            _check_target(f"Trace entry {position}", function, kind)
            checked.append((float(when), str(function), str(kind)))
        checked.sort(key=lambda arrival: arrival[0])
        object.__setattr__(self, "entries", tuple(checked))

    @property
    def count(self) -> int:
        return len(self.entries)

    def events(self) -> Iterator[Arrival]:
        return iter(self.entries)


Pattern = Steady | Burst | Ramp | Poisson | Trace


def merge(patterns: Iterable[Pattern]) -> Iterator[Arrival]:
    """One time-ordered stream from several patterns; at equal times, list order wins."""
    streams = [pattern.events() for pattern in patterns]
    if len(streams) == 1:
        return streams[0]
    return heapq.merge(*streams, key=lambda arrival: arrival[0])


def blocks(patterns: Sequence[Pattern]) -> Iterator[Block]:
    """The arrivals of ``patterns`` as time-ordered :data:`Block` runs (the order of
    :func:`merge`: at equal times, list order wins)."""
    targets = {(p.function, p.invocation_type) for p in patterns if not isinstance(p, Trace)}
    if len(targets) != 1 or any(isinstance(p, Trace) for p in patterns):
        return blocks_from_arrivals(merge(patterns))
    function, kind = targets.pop()
    if len(patterns) == 1:
        return ((function, kind, chunk) for chunk in _time_chunks(patterns[0]) if chunk)
    streams = [_TimeStream(_time_chunks(p)) for p in patterns]
    return ((function, kind, times) for times in _merged_windows(streams))


def blocks_from_arrivals(arrivals: Iterable[Arrival]) -> Iterator[Block]:
    """Any time-sorted ``(time, function, invocation_type)`` stream as blocks."""
    last = -math.inf
    for (function, kind), run in itertools.groupby(arrivals, key=itemgetter(1, 2)):
        while True:
            times = [arrival[0] for arrival in itertools.islice(run, CHUNK)]
            if not times:
                break
            if times[0] < last or any(b < a for a, b in zip(times, times[1:])):
                raise ValueError(
                    f"arrivals went back in time near t={times[0]!r} ({function}): they "
                    "must be sorted by time"
                )
            last = times[-1]
            yield function, kind, times


def _time_chunks(pattern: Pattern) -> Iterator[list[float]]:
    chunks = getattr(pattern, "time_chunks", None)
    if chunks is not None:
        return chunks()
    times = (arrival[0] for arrival in pattern.events())
    return iter(lambda: list(itertools.islice(times, CHUNK)), [])


class _TimeStream:
    """One pattern's times, read up to a horizon across its chunks."""

    __slots__ = ("chunks", "chunk", "position")

    def __init__(self, chunks: Iterator[list[float]]) -> None:
        self.chunks = chunks
        self.chunk: list[float] = []
        self.position = 0
        self._advance()

    def _advance(self) -> None:
        self.chunk = next(self.chunks, [])
        self.position = 0

    @property
    def next_time(self) -> float:
        return self.chunk[self.position] if self.chunk else math.inf

    def take_before(self, horizon: float) -> list[float]:
        """Every time left that is earlier than ``horizon``."""
        taken: list[float] = []
        while self.chunk:
            end = bisect_left(self.chunk, horizon, self.position)
            taken.extend(self.chunk[self.position : end])
            if end < len(self.chunk):
                self.position = end
                break
            self._advance()
        return taken


def _merged_windows(streams: list[_TimeStream]) -> Iterator[list[float]]:
    """Several streams of one target merged, a window of simulated time at a time.

    Each window takes every time before its horizon from every stream, in list order, and
    sorts them stably (timsort merges the already sorted runs), so ties keep list order; the
    window's length adapts to hold a few thousand arrivals.
    """
    window_s = 1.0
    while True:
        start = min(stream.next_time for stream in streams)
        if start == math.inf:
            return
        # Past ``start`` even where a tiny window would not move a large time.
        horizon = max(start + window_s, math.nextafter(start, math.inf))
        times: list[float] = []
        for stream in streams:
            times.extend(stream.take_before(horizon))
        times.sort()
        yield times
        if len(times) > 4 * CHUNK:
            window_s /= 2
        elif len(times) < CHUNK // 4:
            window_s *= 2
