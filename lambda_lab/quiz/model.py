"""The validated quiz model: questions as immutable values, shared by every front end."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lambda_lab.quiz.schema import DEFAULT_DIFFICULTY


@dataclass(frozen=True)
class Choice:
    text: str
    correct: bool = False
    feedback: str | None = None
    value: Any = None  # what a `check` compares with, for the correct choice


@dataclass(frozen=True)
class Question:
    id: str
    type: str
    topic: str
    prompt: str
    domains: dict[str, str]  # exam code -> domain key, e.g. {"SAA-C03": "resilient"}
    references: tuple[str, ...]
    lesson: str  # "04_invocation_models#retries"
    difficulty: int = DEFAULT_DIFFICULTY
    hints: tuple[str, ...] = ()
    explanation: str | None = None
    check: dict[str, Any] | None = None
    demo: str | None = None  # a Lab experiment that shows the fact, when `check` runs none
    practice_only: bool = False  # lesson practice: never drawn into an exam
    source: str = ""  # "file.yaml:12" for messages
    # type-specific parts (see kinds.py)
    choices: tuple[Choice, ...] = ()
    select: int = 1
    answer: Any = None  # numeric value or true/false
    tolerance: float = 0.0
    unit: str = ""
    items: tuple[str, ...] = ()  # ordering questions, in the right order

    @property
    def experiment(self) -> str | None:
        """The Lab experiment "show me" runs for this question, if it has one."""
        if self.demo:
            return self.demo
        return (self.check or {}).get("experiment")

    @property
    def kind(self) -> Any:
        from lambda_lab.quiz.kinds import KINDS

        return KINDS[self.type]


@dataclass(frozen=True)
class Option:
    """One answer option as shown in a session: a letter, its text and what it stands for."""

    letter: str
    text: str
    key: Any  # index into choices/items, or True/False


@dataclass
class Item:
    """A question inside a session: its shuffled options and what the learner did."""

    question: Question
    options: tuple[Option, ...]
    response: Any = None  # canonical response (see kinds.py); None = unanswered
    correct: bool | None = None  # set when graded
    hints_shown: int = 0
    flagged: bool = False
    recorded: bool = False  # written to the progress store

    @property
    def answered(self) -> bool:
        return self.response is not None

    def letter_of(self, key: Any) -> str:
        return next(o.letter for o in self.options if o.key == key)


def build_question(data: dict[str, Any], topic: str, source: str) -> Question:
    """A Question from validated bank data (see lint.py); type parts come from its kind."""
    from lambda_lab.quiz.kinds import KINDS

    kind = KINDS[data["type"]]
    return Question(
        id=data["id"],
        type=data["type"],
        topic=topic,
        prompt=data["prompt"].strip(),
        domains=dict(data["domains"]),
        references=tuple(data["references"]),
        lesson=data["lesson"],
        difficulty=data.get("difficulty", DEFAULT_DIFFICULTY),
        hints=tuple(h.strip() for h in data.get("hints", ())),
        explanation=(data.get("explanation") or "").strip() or None,
        check=data.get("check"),
        demo=data.get("demo"),
        practice_only=bool(data.get("practice_only", False)),
        source=source,
        **kind.build(data),
    )
