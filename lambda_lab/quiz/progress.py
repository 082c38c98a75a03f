"""Per-learner progress: attempts, last result, flags, a spaced-repetition card per question,
and saved sessions to resume. One JSON file per learner, shared by the widget and the
terminal, always written atomically.

A file that is not ours (corrupt, foreign, or from a newer version) is moved aside with a
timestamp and reported in :attr:`ProgressStore.notices`; it is never overwritten silently.
"""

from __future__ import annotations

import json
import os
import re
import reprlib
import tempfile
import zlib
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path
from typing import Any

FORMAT = "lambda-lab-quiz-progress"
VERSION = 1
LEARNER_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
DEFAULT_LEARNER = "default"


class ProgressFileError(ValueError):
    """A progress file that cannot be used; the message says which file and why."""


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def data_home(environ: Mapping[str, str] | None = None) -> Path:
    """$LAMBDA_LAB_HOME, else $XDG_DATA_HOME/lambda-lab, else ~/.local/share/lambda-lab."""
    env = os.environ if environ is None else environ
    if env.get("LAMBDA_LAB_HOME"):
        return Path(env["LAMBDA_LAB_HOME"]).expanduser()
    base = env.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base).expanduser() / "lambda-lab"


def progress_path(learner: str | None = None, environ: Mapping[str, str] | None = None) -> Path:
    env = os.environ if environ is None else environ
    name = learner or env.get("LAMBDA_LAB_LEARNER") or DEFAULT_LEARNER
    if not LEARNER_PATTERN.fullmatch(name):
        raise ProgressFileError(
            f"learner name {name!r} must be 1-64 letters, digits, '.', '_' or '-'"
        )
    return data_home(env) / "quiz" / f"{name}.json"


def _check(data: Any, source: str) -> dict[str, Any]:
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
    return _check(data, str(path))


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


def _newer(ours: dict[str, Any] | None, theirs: dict[str, Any]) -> dict[str, Any]:
    """Theirs if it was updated strictly later than ours, else ours (ISO text compares)."""
    if ours is None or str(theirs.get("updated", "")) > str(ours.get("updated", "")):
        return theirs
    return ours


class ProgressStore:
    def __init__(self, path: Path, clock: Callable[[], datetime] = utc_now) -> None:
        self.path = path
        self.clock = clock
        self.notices: list[str] = []
        self.questions: dict[str, dict[str, Any]] = {}
        self.sessions: dict[str, dict[str, Any]] = {}
        # profile id -> question ids of the last exam drawn from it, so the next one differs
        self.recent_exams: dict[str, list[str]] = {}
        self._dropped_sessions: set[str] = set()
        self._load()

    @classmethod
    def open(
        cls, learner: str | None = None, environ: Mapping[str, str] | None = None
    ) -> ProgressStore:
        return cls(progress_path(learner, environ))

    # -- reading and writing -------------------------------------------------------------
    def _load(self) -> None:
        disk = self._read_disk()
        if disk:
            self.questions = dict(disk["questions"])
            self.sessions = dict(disk["sessions"])
            self.recent_exams = _recent_exams(disk)

    def _read_disk(self) -> dict[str, Any] | None:
        if not self.path.exists():
            return None
        try:
            return read_progress_file(self.path)
        except (ProgressFileError, OSError) as exc:
            self._move_aside(str(exc))
            return None

    def _move_aside(self, reason: str) -> None:
        stamp = self.clock().strftime("%Y%m%dT%H%M%S")
        aside = self.path.with_name(f"{self.path.name}.unreadable-{stamp}")
        counter = 1
        while aside.exists():
            counter += 1
            aside = self.path.with_name(f"{self.path.name}.unreadable-{stamp}-{counter}")
        os.replace(self.path, aside)
        self.notices.append(f"{reason}. It was moved to {aside} and progress starts afresh.")

    def document(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "version": VERSION,
            "questions": self.questions,
            "sessions": self.sessions,
            "recent_exams": self.recent_exams,
        }

    def save(self) -> None:
        """Merge with what is on disk (another front end may have written), then write."""
        disk = self._read_disk()
        if disk:
            for qid, record in disk["questions"].items():
                self.questions[qid] = _newer(self.questions.get(qid), record)
            for key, snapshot in disk["sessions"].items():
                if key not in self._dropped_sessions:
                    self.sessions.setdefault(key, snapshot)
            for profile, ids in _recent_exams(disk).items():
                self.recent_exams.setdefault(profile, ids)
        write_atomically(self.path, self.document())

    def export(self, target: Path) -> None:
        write_atomically(target, self.document())

    def import_file(self, source: Path) -> int:
        """Merge another progress file (newer records win); returns how many records changed."""
        if not source.is_file():
            raise ProgressFileError(f"{source}: no such file")
        other = read_progress_file(source)
        changed = 0
        for qid, record in other["questions"].items():
            chosen = _newer(self.questions.get(qid), record)
            if chosen is not self.questions.get(qid):
                self.questions[qid] = chosen
                changed += 1
        for key, snapshot in other["sessions"].items():
            self.sessions.setdefault(key, snapshot)
        self.save()
        return changed

    # -- per-question records ----------------------------------------------------------
    def record(self, qid: str, correct: bool, hints_used: int = 0) -> dict[str, Any]:
        """One graded attempt: counts, last result and the question's spaced-repetition card."""
        from fsrs import Card, Rating

        now = self.clock()
        entry = self.questions.setdefault(qid, {"attempts": 0, "correct": 0, "flagged": False})
        entry["attempts"] += 1
        entry["correct"] += int(correct)
        entry["last_result"] = "correct" if correct else "wrong"
        entry["hints_used"] = hints_used
        entry["last_answered"] = entry["updated"] = now.isoformat()
        # Hints count as a struggle; a wrong answer starts the card's relearning.
        rating = Rating.Again if not correct else Rating.Hard if hints_used else Rating.Good
        card = (
            Card.from_dict(entry["card"])
            if entry.get("card")
            else Card(card_id=_card_id(qid), due=now)
        )
        card, _log = _scheduler().review_card(card, rating, now)
        entry["card"] = card.to_dict()
        return entry

    def set_flag(self, qid: str, flagged: bool) -> None:
        entry = self.questions.setdefault(qid, {"attempts": 0, "correct": 0})
        entry["flagged"] = flagged
        entry["updated"] = self.clock().isoformat()

    def due(self, qids: Iterable[str]) -> list[str]:
        """Questions whose card is due now, most overdue first."""
        now = self.clock()
        due = [(d, q) for q in qids if (d := self.due_at(q)) is not None and d <= now]
        return [q for _, q in sorted(due)]

    def due_at(self, qid: str) -> datetime | None:
        card = self.questions.get(qid, {}).get("card")
        return datetime.fromisoformat(card["due"]) if card else None

    def to_review(self, qids: Iterable[str]) -> list[str]:
        """Questions last answered wrong, or flagged, in the given order."""
        wanted = []
        for qid in qids:
            entry = self.questions.get(qid, {})
            if entry.get("last_result") == "wrong" or entry.get("flagged"):
                wanted.append(qid)
        return wanted

    # -- saved sessions ----------------------------------------------------------------
    def keep_session(self, key: str, snapshot: dict[str, Any]) -> None:
        self.sessions[key] = snapshot
        self._dropped_sessions.discard(key)

    def drop_session(self, key: str) -> None:
        self.sessions.pop(key, None)
        self._dropped_sessions.add(key)

    # -- exams drawn -------------------------------------------------------------------
    def remember_exam(self, profile: str, question_ids: Iterable[str]) -> None:
        """Keep the questions of the exam just drawn, for the next draw to avoid."""
        self.recent_exams[profile] = list(question_ids)

    def last_exam(self, profile: str) -> list[str]:
        return list(self.recent_exams.get(profile, []))


def _recent_exams(data: dict[str, Any]) -> dict[str, list[str]]:
    """The recent_exams table of a progress document (absent in older files: empty)."""
    table = data.get("recent_exams")
    if not isinstance(table, dict):
        return {}
    return {
        str(profile): [str(q) for q in ids]
        for profile, ids in table.items()
        if isinstance(ids, list)
    }


def _card_id(qid: str) -> int:
    """A stable card id per question (fsrs would otherwise use the clock and sleep)."""
    return zlib.crc32(qid.encode()) + 1


@lru_cache(maxsize=1)
def _scheduler() -> Any:
    from fsrs import Scheduler

    return Scheduler(enable_fuzzing=False)  # same answers, same schedule
