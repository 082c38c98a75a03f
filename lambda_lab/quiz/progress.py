"""Per-learner progress: attempts, last result, flags, a spaced-repetition card per question,
and saved sessions to resume. One JSON file per learner, shared by the widget and the
terminal, always written atomically.

Several front ends may use one file at once (two terminals, a terminal and a notebook).
Each save takes a lock on the file's folder, reads what is there and merges into it: the
attempts and correct answers this store made since its last save are *added* to the file's
counts, the spaced-repetition card and last result come from whichever side reviewed the
question last, a flag from whichever side changed it. So every graded answer ends up on
disk, whatever the other front ends wrote meanwhile.

A file that is not ours (corrupt, foreign, or from a newer version) is moved aside with a
timestamp and reported in :attr:`ProgressStore.notices`; it is never overwritten silently.
A path that cannot be used (a read-only folder, a FIFO or a device where the file should be)
gives one notice and progress kept for the session only: never a traceback, never a hang.
"""

from __future__ import annotations

import os
import re
import zlib
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path
from typing import Any

from lambda_lab.quiz.progress_file import (
    FORMAT,
    LOCK_WAIT_S,
    VERSION,
    FolderLock,
    ProgressFileError,
    kind_of,
    read_progress_file,
    write_atomically,
)

__all__ = [
    "FORMAT", "VERSION", "ProgressFileError", "ProgressStore", "data_home", "progress_path",
    "read_progress_file", "utc_now", "write_atomically",
]  # fmt: skip

LEARNER_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
DEFAULT_LEARNER = "default"
_REVIEW_FIELDS = ("last_result", "hints_used", "last_answered", "card")


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
        # What this store changed since its last save, merged into the file by the next one.
        self._added: dict[str, list[int]] = {}  # qid -> [attempts, correct]
        self._flagged: set[str] = set()
        self._replaced: set[str] = set()  # records taken whole from an imported file
        self._kept_sessions: set[str] = set()
        self._dropped_sessions: set[str] = set()
        self._exams_drawn: set[str] = set()  # profiles whose last exam this store drew
        self._unusable: str | None = None  # why the file cannot be read or written at all
        self._save_failed = False
        self._load()

    @classmethod
    def open(
        cls, learner: str | None = None, environ: Mapping[str, str] | None = None
    ) -> ProgressStore:
        return cls(progress_path(learner, environ))

    @property
    def saving(self) -> bool:
        """Whether answers reach the file (False after a notice said why not)."""
        return self._unusable is None and not self._save_failed

    # -- reading and writing -------------------------------------------------------------
    def _load(self) -> None:
        disk = self._read_disk()
        if disk:
            self.questions = dict(disk["questions"])
            self.sessions = dict(disk["sessions"])
            self.recent_exams = _recent_exams(disk)
        folder = self._existing_folder()
        if self._unusable is None and folder is not None and not os.access(folder, os.W_OK):
            self._cannot_save(f"{folder} is read-only")

    def _existing_folder(self) -> Path | None:
        for folder in (self.path.parent, *self.path.parent.parents):
            if folder.exists():
                return folder
        return None

    def _read_disk(self) -> dict[str, Any] | None:
        if self._unusable is not None:
            return None
        try:
            mode = os.stat(self.path).st_mode
        except FileNotFoundError:
            return None
        except OSError as exc:
            self._give_up(f"{self.path} cannot be read ({exc.strerror})")
            return None
        kind = kind_of(mode)
        if kind is not None:  # reading a FIFO would wait for a writer forever
            self._give_up(f"{self.path} is {kind}, not a progress file")
            return None
        try:
            return read_progress_file(self.path)
        except (ProgressFileError, OSError) as exc:
            self._move_aside(str(exc))
            return None

    def _give_up(self, reason: str) -> None:
        self._unusable = reason
        self.notices.append(f"{reason}: progress is kept for this session only.")

    def _move_aside(self, reason: str) -> None:
        stamp = self.clock().strftime("%Y%m%dT%H%M%S")
        aside = self.path.with_name(f"{self.path.name}.unreadable-{stamp}")
        counter = 1
        while aside.exists():
            counter += 1
            aside = self.path.with_name(f"{self.path.name}.unreadable-{stamp}-{counter}")
        try:
            os.replace(self.path, aside)
        except OSError as exc:
            self._give_up(f"{reason}, and it cannot be moved aside ({exc.strerror})")
            return
        self.notices.append(f"{reason}. It was moved to {aside} and progress starts afresh.")

    def _cannot_save(self, why: str) -> None:
        if not self._save_failed:
            self._save_failed = True
            self.notices.append(
                f"Progress cannot be saved: {why}. Answers in this session are not kept."
            )

    def document(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "version": VERSION,
            "questions": self.questions,
            "sessions": self.sessions,
            "recent_exams": self.recent_exams,
        }

    def save(self) -> None:
        """Merge with what is on disk (another front end may have written), then write.

        Never raises for the file system: a path that cannot be written gives one notice.
        """
        if self._unusable is not None:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with FolderLock(self.path.parent, LOCK_WAIT_S):
                disk = self._read_disk()
                if self._unusable is not None:
                    return
                questions, sessions = self._merged(disk)
                exams = _recent_exams(disk) if disk else {}
                exams.update({p: self.recent_exams[p] for p in self._exams_drawn})
                write_atomically(
                    self.path,
                    {"format": FORMAT, "version": VERSION, "questions": questions,
                     "sessions": sessions, "recent_exams": exams},
                )  # fmt: skip
        except TimeoutError as exc:  # kept in memory: the next save merges it in
            self.notices.append(f"Progress not saved yet: {exc}.")
            return
        except OSError as exc:
            self._cannot_save(f"{exc.filename or self.path}: {exc.strerror or exc}")
            return
        self._save_failed = False
        self.questions, self.sessions, self.recent_exams = questions, sessions, exams
        self._exams_drawn.clear()
        self._added.clear()
        self._flagged.clear()
        self._replaced.clear()
        self._kept_sessions.clear()
        self._dropped_sessions.clear()

    def _merged(
        self, disk: dict[str, Any] | None
    ) -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, Any]]]:
        """The file's records with this store's changes added (see the module's docstring)."""
        questions = dict(disk["questions"]) if disk else {}
        for qid, ours in self.questions.items():
            theirs = questions.get(qid)
            if theirs is None or qid in self._replaced:
                questions[qid] = dict(ours)
                continue
            if qid not in self._added and qid not in self._flagged:
                continue  # unchanged here: the file's record is as new or newer
            merged = dict(theirs)
            attempts, correct = self._added.get(qid, (0, 0))
            merged["attempts"] = int(theirs.get("attempts", 0)) + attempts
            merged["correct"] = int(theirs.get("correct", 0)) + correct
            if attempts and str(ours.get("last_answered", "")) >= str(
                theirs.get("last_answered", "")
            ):
                merged.update({k: ours[k] for k in _REVIEW_FIELDS if k in ours})
            if qid in self._flagged:
                merged["flagged"] = ours.get("flagged", False)
            merged["updated"] = max(str(theirs.get("updated", "")), str(ours.get("updated", "")))
            questions[qid] = merged
        sessions = dict(disk["sessions"]) if disk else {}
        for key in self._dropped_sessions:
            sessions.pop(key, None)
        for key in self._kept_sessions:
            if key in self.sessions:
                sessions[key] = self.sessions[key]
        if disk is None:  # a new or moved-aside file: everything this store holds
            for key, snapshot in self.sessions.items():
                if key not in self._dropped_sessions:
                    sessions.setdefault(key, snapshot)
        return questions, sessions

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
                self._replaced.add(qid)
                changed += 1
        for key, snapshot in other["sessions"].items():
            if key not in self.sessions:
                self.sessions[key] = snapshot
                self._kept_sessions.add(key)
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
        added = self._added.setdefault(qid, [0, 0])
        added[0] += 1
        added[1] += int(correct)
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
        self._flagged.add(qid)

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
        self._kept_sessions.add(key)
        self._dropped_sessions.discard(key)

    def drop_session(self, key: str) -> None:
        self.sessions.pop(key, None)
        self._kept_sessions.discard(key)
        self._dropped_sessions.add(key)

    # -- exams drawn -------------------------------------------------------------------
    def remember_exam(self, profile: str, question_ids: Iterable[str]) -> None:
        """Keep the questions of the exam just drawn, for the next draw to avoid."""
        self.recent_exams[profile] = list(question_ids)
        self._exams_drawn.add(profile)

    def last_exam(self, profile: str) -> list[str]:
        return list(self.recent_exams.get(profile, []))


def _card_id(qid: str) -> int:
    """A stable card id per question (fsrs would otherwise use the clock and sleep)."""
    return zlib.crc32(qid.encode()) + 1


@lru_cache(maxsize=1)
def _scheduler() -> Any:
    from fsrs import Scheduler

    return Scheduler(enable_fuzzing=False)  # same answers, same schedule


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
