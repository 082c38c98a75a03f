"""What an exercise is, what a check says back, and how a check reports a miss.

An exercise is data (``data/exercises.yaml``: task, hints, where it sits in the course) plus
two files (``data/starters/`` and ``data/solutions/``) plus one small check function
(``checks/``). The notebook widget and the terminal are views over these objects.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

KINDS = ("debug", "configure", "build")


@dataclass(frozen=True)
class Exercise:
    """One exercise of the course, as ``data/exercises.yaml`` describes it."""

    id: str  # "07-reserved-concurrency": lesson number first, so sorting gives the course order
    lesson: str  # "07_concurrency" (the notebook's name without .ipynb)
    section: str  # the anchor of the lesson section the exercise belongs to
    kind: str  # one of KINDS
    title: str
    task: str  # Markdown
    hints: tuple[str, ...]
    check: str  # "lesson_07.reserved_concurrency": module and function under checks/
    file: str  # the learner's file name: "07-reserved-concurrency.py"
    lab: dict[str, object] = field(default_factory=dict)  # Lab(...) options for the check
    starter_path: Path = Path()
    solution_path: Path = Path()

    @property
    def starter(self) -> str:
        return self.starter_path.read_text(encoding="utf-8")

    @property
    def solution(self) -> str:
        return self.solution_path.read_text(encoding="utf-8")

    @property
    def language(self) -> str:
        """ "python" or "bash": how the learner's file is read and shown."""
        return "python" if self.file.endswith(".py") else "bash"


class Failed(Exception):
    """Raised by a check: what the Lab showed (``seen``) and what the task needs (``expected``)."""

    def __init__(self, seen: str, expected: str = "", details: str = "") -> None:
        super().__init__(seen)
        self.seen = seen
        self.expected = expected
        self.details = details  # supporting evidence: a log tail, a REPORT line, an HTTP answer


@dataclass
class Verdict:
    """The result of one check. ``status`` is "pass", "fail" or "error" (the check itself broke)."""

    exercise_id: str
    status: str
    seen: str
    expected: str = ""
    details: str = ""
    hint: str = ""  # the next hint, given with a failing verdict
    hint_number: int = 0  # 1-based position of ``hint`` in the exercise's hints
    hint_count: int = 0
    seconds: float = 0.0

    @property
    def passed(self) -> bool:
        return self.status == "pass"

    def lines(self) -> list[str]:
        """The verdict as plain text lines (the terminal and ``str()`` use them)."""
        mark = {"pass": "✔ Passed", "fail": "✘ Not yet", "error": "✘ The check could not finish"}
        out = [f"{mark[self.status]} ({self.exercise_id}): {self.seen}"]
        if self.expected:
            out.append(f"  expected: {self.expected}")
        if self.details:
            out.extend("  | " + line for line in self.details.rstrip().splitlines())
        if self.hint:
            out.append(f"  hint {self.hint_number}/{self.hint_count}: {self.hint}")
        return out

    def __str__(self) -> str:
        return "\n".join(self.lines())

    def _repr_html_(self) -> str:
        from lambda_lab.exercises.views import verdict_html

        return verdict_html(self)
