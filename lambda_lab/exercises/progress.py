"""Exercise progress: one JSON file per learner, beside the quiz's progress file
(``<data home>/quiz/<learner>.exercises.json``), written atomically, shared by the notebook
and the terminal.

For each exercise: attempts, passed or not, how many hints were shown, and the learner's
last code (so the notebook widget reopens where the learner left off). The quiz's
``export_progress``/``import_progress`` carry this file's content in their exported file
under the key ``"exercises"`` (see :func:`export_into` and :func:`import_from`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from lambda_lab.quiz.progress import (
    ProgressFileError,
    data_home,
    progress_path,
    write_atomically,
)

FORMAT = "lambda-lab-exercise-progress"
VERSION = 1
EXPORT_KEY = "exercises"
MAX_KEPT_CODE = 64 * 1024


def exercise_progress_path(
    learner: str | None = None, environ: Mapping[str, str] | None = None
) -> Path:
    quiz_file = progress_path(learner, environ)  # checks the learner's name
    return quiz_file.with_name(quiz_file.stem + ".exercises.json")


def _check_entries(data: Any, source: str) -> dict[str, dict[str, Any]]:
    if not isinstance(data, dict):
        raise ProgressFileError(f"{source}: the exercise progress is not a table")
    for ident, entry in data.items():
        if not isinstance(entry, dict):
            raise ProgressFileError(f"{source}: the record of exercise {ident!r} is not a table")
        for name in ("attempts", "hints_shown"):
            value = entry.get(name, 0)
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise ProgressFileError(
                    f"{source}: exercise {ident!r} has {name} {value!r}; expected a whole number >= 0"
                )
        if not isinstance(entry.get("passed", False), bool):
            raise ProgressFileError(
                f"{source}: exercise {ident!r} has passed {entry.get('passed')!r}; expected true or false"
            )
        if not isinstance(entry.get("updated", ""), str) or not isinstance(
            entry.get("code", ""), str
        ):
            raise ProgressFileError(
                f"{source}: exercise {ident!r} has a malformed 'updated' or 'code'"
            )
    return data


def _newer(ours: dict[str, Any] | None, theirs: dict[str, Any]) -> dict[str, Any]:
    if ours is None or str(theirs.get("updated", "")) > str(ours.get("updated", "")):
        merged = dict(theirs)
        # A pass is never lost by merging: a later failing attempt does not undo it.
        merged["passed"] = bool(theirs.get("passed")) or bool((ours or {}).get("passed"))
        return merged
    return ours


class ExerciseProgress:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.notices: list[str] = []
        self.entries: dict[str, dict[str, Any]] = self._read()

    @classmethod
    def open(
        cls, learner: str | None = None, environ: Mapping[str, str] | None = None
    ) -> ExerciseProgress:
        return cls(exercise_progress_path(learner, environ))

    def _read(self) -> dict[str, dict[str, Any]]:
        if not self.path.exists():
            return {}
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            if not isinstance(data, dict) or data.get("format") != FORMAT:
                raise ProgressFileError(f"{self.path} is not a lambda-lab exercise progress file")
            if not isinstance(data.get("version"), int) or data["version"] > VERSION:
                raise ProgressFileError(
                    f"{self.path} has format version {data.get('version')!r}; this lambda-lab reads {VERSION}"
                )
            return dict(_check_entries(data.get("exercises"), str(self.path)))
        except (
            ValueError,
            OSError,
        ) as error:  # JSONDecodeError and ProgressFileError are ValueErrors
            stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S")
            aside = self.path.with_name(f"{self.path.name}.unreadable-{stamp}")
            self.path.replace(aside)
            self.notices.append(
                f"{error}. It was moved to {aside} and exercise progress starts afresh."
            )
            return {}

    def document(self) -> dict[str, Any]:
        return {"format": FORMAT, "version": VERSION, "exercises": self.entries}

    def save(self) -> None:
        """Merge with what another front end may have written meanwhile, then write."""
        on_disk = ExerciseProgress(self.path).entries if self.path.exists() else {}
        for ident, entry in on_disk.items():
            self.entries[ident] = _newer(self.entries.get(ident), entry)
        write_atomically(self.path, self.document())

    # -- per exercise -------------------------------------------------------------------------
    def entry(self, exercise_id: str) -> dict[str, Any]:
        return self.entries.get(exercise_id, {})

    def status(self, exercise_id: str) -> str:
        """ "passed", "tried" or "new"."""
        entry = self.entry(exercise_id)
        return "passed" if entry.get("passed") else "tried" if entry.get("attempts") else "new"

    def record(self, exercise_id: str, passed: bool, code: str, hints_shown: int) -> dict[str, Any]:
        now = datetime.now(timezone.utc).isoformat()
        entry = self.entries.setdefault(
            exercise_id, {"attempts": 0, "passed": False, "hints_shown": 0}
        )
        entry["attempts"] += 1
        entry["passed"] = entry["passed"] or passed
        entry["last_result"] = "pass" if passed else "fail"
        entry["hints_shown"] = max(entry.get("hints_shown", 0), hints_shown)
        if len(code.encode()) <= MAX_KEPT_CODE:
            entry["code"] = code
        entry["updated"] = now
        return entry

    def hint_shown(self, exercise_id: str, number: int) -> None:
        entry = self.entries.setdefault(
            exercise_id, {"attempts": 0, "passed": False, "hints_shown": 0}
        )
        entry["hints_shown"] = max(entry.get("hints_shown", 0), number)
        entry["updated"] = datetime.now(timezone.utc).isoformat()


# -- riding along in the quiz's exported file -------------------------------------------------
def export_into(path: Path, learner: str | None = None) -> None:
    """Add this learner's exercise progress to a quiz progress file just exported to ``path``."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    data[EXPORT_KEY] = ExerciseProgress.open(learner).entries
    write_atomically(Path(path), data)


def import_from(path: Path, learner: str | None = None) -> int:
    """Merge the exercise progress found in an exported file; returns how many records changed."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    theirs = _check_entries(data.get(EXPORT_KEY, {}), str(path))
    store = ExerciseProgress.open(learner)
    changed = 0
    for ident, entry in theirs.items():
        chosen = _newer(store.entries.get(ident), entry)
        if chosen is not store.entries.get(ident):
            store.entries[ident] = chosen
            changed += 1
    store.save()
    return changed


__all__ = ["ExerciseProgress", "data_home", "exercise_progress_path", "export_into", "import_from"]
