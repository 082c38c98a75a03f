"""The progress file itself: its format and checks, atomic writes, and the folder lock
that lets several quizzes share one file (see :mod:`lambda_lab.quiz.progress`)."""

from __future__ import annotations

import fcntl
import json
import os
import reprlib
import stat
import tempfile
import time
from pathlib import Path
from typing import Any

FORMAT = "lambda-lab-quiz-progress"
VERSION = 1
LOCK_WAIT_S = 10.0  # a save waits this long for another front end's save to finish


class ProgressFileError(ValueError):
    """A progress file that cannot be used; the message says which file and why."""


def check_document(data: Any, source: str) -> dict[str, Any]:
    """The data if it is a progress document we can read; ProgressFileError otherwise."""
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ProgressFileError(f"{source} is not a lambda-lab quiz progress file")
    version = data.get("version")
    if not isinstance(version, int) or version > VERSION:
        raise ProgressFileError(
            f"{source} has format version {version!r}; this lambda-lab reads {VERSION}"
        )
    if not isinstance(data.get("questions"), dict) or not isinstance(data.get("sessions"), dict):
        raise ProgressFileError(f"{source} is missing its 'questions' or 'sessions' table")
    for qid, record in data["questions"].items():
        _check_record(qid, record, source)
    return data


def _check_record(qid: str, record: Any, source: str) -> None:
    """One question's record as :meth:`ProgressStore.record` and ``set_flag`` write it."""
    if not isinstance(record, dict):
        raise ProgressFileError(f"{source}: the record of question {qid!r} is not a table")

    def wrong(name: str, expected: str) -> ProgressFileError:
        got = f"{name} {reprlib.repr(record[name])}" if name in record else f"no {name}"
        return ProgressFileError(f"{source}: question {qid!r} has {got}; expected {expected}")

    for name in ("attempts", "correct", "hints_used"):
        value = record.get(name, 0) if name == "hints_used" else record.get(name)
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise wrong(name, "a whole number >= 0")
    if not isinstance(record.get("flagged", False), bool):
        raise wrong("flagged", "true or false")
    if record.get("last_result", "correct") not in ("correct", "wrong"):
        raise wrong("last_result", "'correct' or 'wrong'")
    for name in ("updated", "last_answered"):
        if not isinstance(record.get(name, ""), str):
            raise wrong(name, "an ISO 8601 time")
    if record.get("card") is not None:
        from fsrs import Card  # only files with cards pay for the import

        try:
            usable = Card.from_dict(record["card"]).due.tzinfo is not None
        except (KeyError, TypeError, ValueError, AttributeError):
            usable = False
        if not usable:
            raise wrong("card", "a spaced-repetition card as lambda-lab writes it")


def read_progress_file(path: Path) -> dict[str, Any]:
    try:
        raw = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ProgressFileError(f"{path} is not UTF-8 text") from None
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise ProgressFileError(
            f"{path} is not valid JSON ({exc.msg} at line {exc.lineno})"
        ) from None
    return check_document(data, str(path))


def write_atomically(path: Path, data: dict[str, Any]) -> None:
    """Write JSON to a temporary file beside ``path``, then rename it over ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(data, handle, indent=1, sort_keys=True)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def kind_of(mode: int) -> str | None:
    """What a non-regular file is, in words; None for a regular file."""
    for test, words in ((stat.S_ISFIFO, "a FIFO"), (stat.S_ISDIR, "a folder"),
                        (stat.S_ISCHR, "a device"), (stat.S_ISBLK, "a device"),
                        (stat.S_ISSOCK, "a socket")):  # fmt: skip
        if test(mode):
            return words
    return None


class FolderLock:
    """An exclusive lock on a folder (flock on its descriptor), waiting at most ``wait_s``."""

    def __init__(self, folder: Path, wait_s: float) -> None:
        self.folder = folder
        self.wait_s = wait_s
        self._descriptor = -1

    def __enter__(self) -> FolderLock:
        self._descriptor = os.open(self.folder, os.O_RDONLY | os.O_DIRECTORY)
        deadline = time.monotonic() + self.wait_s
        while True:
            try:
                fcntl.flock(self._descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return self
            except BlockingIOError:
                if time.monotonic() > deadline:
                    os.close(self._descriptor)
                    raise TimeoutError(
                        f"another lambda-lab has held {self.folder} for over {self.wait_s:.0f} s"
                    ) from None
                time.sleep(0.005)

    def __exit__(self, *exc: object) -> None:
        fcntl.flock(self._descriptor, fcntl.LOCK_UN)
        os.close(self._descriptor)
