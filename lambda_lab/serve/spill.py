"""Append-only files for what a served Lab produces without end: log lines and records.

Each item is one line of JSON appended to the newest segment of a folder
(``000001.jsonl``, ``000002.jsonl``, ...; a new one every ``SEGMENT_BYTES``). Nothing is
ever rewritten, so the cost of an append stays the same however much came before, and a
restart reads only the newest segments (:meth:`Spill.newest`). Appends go to the operating
system at once (a killed server loses none); :meth:`Spill.sync` makes them durable against a
power cut too, and the state keeper calls it every half second.
"""

from __future__ import annotations

import json
import os
import threading
from collections import deque
from typing import Any

SEGMENT_BYTES = 8 * 1024 * 1024


class Spill:
    """One folder of segments; thread-safe."""

    def __init__(self, folder: str, segment_bytes: int = SEGMENT_BYTES) -> None:
        self.folder = folder
        self.segment_bytes = segment_bytes
        self._lock = threading.Lock()
        self._descriptor: int | None = None
        self._size = 0
        self._dirty = False
        self.appended = 0
        self.damaged_lines = 0  # lines :meth:`newest` could not read (a cut last line, say)

    def segments(self) -> list[str]:
        if not os.path.isdir(self.folder):
            return []
        names = sorted(n for n in os.listdir(self.folder) if n.endswith(".jsonl"))
        return [os.path.join(self.folder, n) for n in names]

    def append(self, item: Any) -> None:
        data = json.dumps(item, separators=(",", ":")).encode() + b"\n"
        with self._lock:
            descriptor = self._current(len(data))
            written = 0
            while written < len(data):
                written += os.write(descriptor, data[written:])
            self._size += len(data)
            self._dirty = True
            self.appended += 1

    def _current(self, incoming: int) -> int:
        if self._descriptor is not None and self._size + incoming <= self.segment_bytes:
            return self._descriptor
        if self._descriptor is not None:
            os.fsync(self._descriptor)
            os.close(self._descriptor)
        os.makedirs(self.folder, exist_ok=True)  # on first use: a refused start leaves no folder
        existing = self.segments()
        number = int(os.path.basename(existing[-1])[:-6]) if existing else 0
        if existing and self._descriptor is None:  # first append since start: go on from the last
            size = os.path.getsize(existing[-1])
            if size + incoming <= self.segment_bytes:
                self._descriptor = self._open(existing[-1])
                self._size = size
                return self._descriptor
        path = os.path.join(self.folder, f"{number + 1:06d}.jsonl")
        self._descriptor = self._open(path)
        self._size = 0
        return self._descriptor

    @staticmethod
    def _open(path: str) -> int:
        descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        size = os.fstat(descriptor).st_size
        if size:  # a line cut by a kill: end it, so the next item starts a line of its own
            with open(path, "rb") as handle:
                handle.seek(size - 1)
                if handle.read(1) != b"\n":
                    os.write(descriptor, b"\n")
        return descriptor

    def sync(self) -> None:
        """Make every append so far durable (fsync), if there was one since the last call."""
        with self._lock:
            if self._dirty and self._descriptor is not None:
                os.fsync(self._descriptor)
                self._dirty = False

    def newest(self, limit: int) -> list[Any]:
        """Up to ``limit`` of the latest items, oldest first, reading only the segments needed."""
        found: deque[Any] = deque()
        for path in reversed(self.segments()):
            with open(path, "rb") as handle:
                lines = handle.read().split(b"\n")
            for line in reversed(lines):
                if len(found) >= limit:
                    return list(found)
                if not line:
                    continue
                try:
                    found.appendleft(json.loads(line))
                except ValueError:
                    self.damaged_lines += 1
        return list(found)

    def close(self) -> None:
        with self._lock:
            if self._descriptor is not None:
                os.fsync(self._descriptor)
                os.close(self._descriptor)
                self._descriptor = None
