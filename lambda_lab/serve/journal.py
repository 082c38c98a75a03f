"""An append-only journal of changes to a keyed document, with snapshots: what makes
``lambda-lab serve --state`` durable.

The document is flat: ``{key: JSON value}``. A change is a line appended to
``journal.jsonl`` and fsynced before :meth:`Journal.append` returns, so a caller that answers
only after it has returned never acknowledges anything that a SIGKILL (or a power cut) could
take back. Each line carries a sequence number::

    {"seq": 42, "set": {"functions/orders": {...}}, "del": ["aliases/old"]}

:meth:`Journal.compact` writes the whole document as a snapshot (temporary file, fsync,
rename) that names the last sequence number it holds, then empties the journal. A crash
between the two leaves lines the snapshot already holds; loading skips them by number, so
replaying can never take the document back in time.

A kill can cut the last line short (a write that was never acknowledged); loading drops
it, keeping the cut bytes aside in ``journal.jsonl.torn-<time>``. Damage anywhere else is
a :class:`StateFileError` naming the file and line: nothing is overwritten.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Callable
from typing import Any

JOURNAL = "journal.jsonl"
SNAPSHOT_SEQ = "journal_seq"  # the member of the snapshot naming the last change it holds


class StateFileError(ValueError):
    """A state file that cannot be used as it is; the message names the file and the field."""


def write_atomically(path: str, data: bytes) -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the new one, never a mix."""
    temporary = f"{path}.{os.getpid()}.{threading.get_ident()}.tmp"
    with open(temporary, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)
    sync_directory(os.path.dirname(path) or ".")


def sync_directory(path: str) -> None:
    """Make a rename or a new file in ``path`` durable (the entry lives in the directory)."""
    descriptor = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


class Journal:
    """The journal file of one state directory; thread-safe."""

    def __init__(self, directory: str, clock: Callable[[], float] = time.time) -> None:
        self.path = os.path.join(directory, JOURNAL)
        self._clock = clock
        self._lock = threading.Lock()
        self._seq = 0
        self._lines = 0
        self._bytes = 0
        self._descriptor: int | None = None

    # -- reading ------------------------------------------------------------------------------
    def replay(self, document: dict[str, Any], after_seq: int, repair: bool = True) -> int:
        """Apply every change after ``after_seq`` to ``document`` (in place); returns how many.

        With ``repair`` (a server about to append), a line cut short by a kill is moved aside
        and the file made to end with a whole line. Must be called once, before :meth:`append`.
        """
        self._seq = after_seq
        if not os.path.exists(self.path):
            return 0
        with open(self.path, "rb") as handle:
            data = handle.read()
        applied = 0
        kept = len(data)
        lines = data.split(b"\n")
        for number, line in enumerate(lines, start=1):
            if not line:
                continue
            last = number == len(lines)  # no newline after it: the write was cut short
            try:
                entry = json.loads(line)
                seq, changes, removed = _entry_parts(entry)
            except (ValueError, TypeError) as exc:
                if last:
                    kept = len(data) - len(line)
                    if repair:
                        self._keep_torn(line)
                    break
                raise StateFileError(
                    f"{self.path} line {number} is damaged ({exc}); every change after it would be "
                    "lost: fix or move the file away (it is left as it is)"
                ) from None
            if seq <= self._seq:
                continue  # already in the snapshot
            document.update(changes)
            for key in removed:
                document.pop(key, None)
            self._seq = seq
            applied += 1
        if not repair:
            pass
        elif kept != len(data):  # drop the cut line, so the next append starts a line of its own
            with open(self.path, "r+b") as handle:
                handle.truncate(kept)
                os.fsync(handle.fileno())
        elif data and not data.endswith(b"\n"):  # whole, but its newline never made it
            with open(self.path, "ab") as handle:
                handle.write(b"\n")
                os.fsync(handle.fileno())
            kept += 1
        self._lines = applied
        self._bytes = kept
        return applied

    def _keep_torn(self, line: bytes) -> None:
        stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime(self._clock()))
        write_atomically(f"{self.path}.torn-{stamp}", line)

    # -- writing ------------------------------------------------------------------------------
    @property
    def seq(self) -> int:
        return self._seq

    @property
    def size(self) -> tuple[int, int]:
        """(lines, bytes) since the last compaction: what tells when to compact."""
        return self._lines, self._bytes

    def append(self, changes: dict[str, Any], removed: list[str]) -> int:
        """Write one change and fsync it; returns its sequence number."""
        with self._lock:
            self._seq += 1
            line = json.dumps(
                {"seq": self._seq, "set": changes, "del": removed}, separators=(",", ":")
            )
            data = line.encode() + b"\n"
            descriptor = self._open()
            written = 0
            while written < len(data):
                written += os.write(descriptor, data[written:])
            os.fsync(descriptor)
            self._lines += 1
            self._bytes += len(data)
            return self._seq

    def compact(self, snapshot_path: str, render: Callable[[int], bytes]) -> None:
        """Write the snapshot ``render(seq)`` gives (holding every change up to ``seq``), then
        empty the journal. Appends wait meanwhile, so the snapshot misses none."""
        with self._lock:
            write_atomically(snapshot_path, render(self._seq))
            descriptor = self._open()
            os.ftruncate(descriptor, 0)
            os.fsync(descriptor)
            self._lines = self._bytes = 0

    def _open(self) -> int:
        if self._descriptor is None:
            self._descriptor = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            sync_directory(os.path.dirname(self.path))
        return self._descriptor

    def close(self) -> None:
        with self._lock:
            if self._descriptor is not None:
                os.close(self._descriptor)
                self._descriptor = None


def _entry_parts(entry: Any) -> tuple[int, dict[str, Any], list[str]]:
    if not isinstance(entry, dict):
        raise ValueError(f"expected an object, got {type(entry).__name__}")
    seq, changes, removed = entry.get("seq"), entry.get("set", {}), entry.get("del", [])
    if isinstance(seq, bool) or not isinstance(seq, int) or seq < 1:
        raise ValueError(f"'seq' must be a whole number >= 1 (got {seq!r})")
    if not isinstance(changes, dict):
        raise ValueError(f"'set' must be an object (got {type(changes).__name__})")
    if not isinstance(removed, list) or not all(isinstance(k, str) for k in removed):
        raise ValueError("'del' must be a list of keys")
    return seq, changes, removed
