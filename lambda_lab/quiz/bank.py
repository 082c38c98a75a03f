"""Finding the banks and loading the questions a front end asks for.

Front ends load through the linter (:func:`lambda_lab.quiz.lint.lint`), so a broken
question is reported and left out, never shown half-valid. Banks that lint clean are saved
(:mod:`lambda_lab.quiz.bank_cache`) and read back from that copy until a file changes, so
the linter and the YAML parser are imported only when something changed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from lambda_lab.quiz import bank_cache
from lambda_lab.quiz.model import Question
from lambda_lab.quiz.schema import BANKS_DIR, LESSON_TOPICS, lesson_of_topic

if TYPE_CHECKING:
    from lambda_lab.quiz.lint import LintResult
    from lambda_lab.quiz.validate import Problem


class UnknownTopic(ValueError):
    """A topic name that matches no bank file."""


@dataclass(frozen=True)
class Bank:
    topics: tuple[str, ...]
    questions: tuple[Question, ...]
    problems: tuple[Problem, ...]  # what was left out, and why

    def by_id(self) -> dict[str, Question]:
        return {q.id: q for q in self.questions}


def _lesson_order(topic: str) -> tuple[int, str]:
    for number, lesson_topic in enumerate(LESSON_TOPICS.values()):
        if lesson_topic == topic:
            return (number, topic)
    return (len(LESSON_TOPICS), topic)


def available_topics(directory: Path = BANKS_DIR) -> list[str]:
    """Topics with a bank file, in lesson order."""
    return sorted((p.stem for p in directory.glob("*.yaml")), key=_lesson_order)


def _names_of(topic: str) -> set[str]:
    """What people may type for a topic: its name, its lesson's name, its lesson's number."""
    lesson = lesson_of_topic(topic)
    return {topic} | ({lesson, lesson.split("_", 1)[0]} if lesson else set())


def resolve_topics(names: Sequence[str], directory: Path = BANKS_DIR) -> list[str]:
    """Topic names as typed ('pricing', 'invocation-models', '04', '04_invocation_models')
    mapped to bank topics, in lesson order; UnknownTopic names what is available."""
    topics = available_topics(directory)
    chosen: list[str] = []
    for name in names:
        wanted = name.strip().lower().replace("-", "_")
        matches = [t for t in topics if wanted in _names_of(t)]
        if not matches:
            raise UnknownTopic(f"unknown topic '{name}'; available: {', '.join(topics)}")
        chosen.extend(m for m in matches if m not in chosen)
    return sorted(chosen, key=_lesson_order)


def _lint(paths: list[Path]) -> LintResult:
    from lambda_lab.quiz.lint import lint  # the linter and the YAML parser: only on a change

    return lint(paths, style=False)


def load_bank(topics: Sequence[str] | None = None, directory: Path = BANKS_DIR) -> Bank:
    """The valid questions of the given topics (all topics when None), in lesson order."""
    every = available_topics(directory)
    chosen = list(topics) if topics else every
    paths = [directory / f"{topic}.yaml" for topic in chosen]
    if len(set(chosen)) != len(chosen) or not set(chosen) <= set(every):
        result = _lint(paths)  # reported as the linter sees it
        return Bank(tuple(chosen), tuple(result.questions), tuple(result.problems))
    saved = bank_cache.load(directory, chosen)
    if saved is not None:
        return Bank(tuple(chosen), tuple(saved), ())
    # The cache holds the whole folder, so lint all of it; when it is clean, the chosen
    # banks' questions are exactly theirs in that result, bank by bank.
    result = _lint([directory / f"{topic}.yaml" for topic in every])
    if result.problems:
        if chosen != every:  # report exactly what the chosen banks have
            result = _lint(paths)
        return Bank(tuple(chosen), tuple(result.questions), tuple(result.problems))
    bank_cache.save(directory, every, result.questions)
    questions = [q for topic in chosen for q in result.questions if q.topic == topic]
    return Bank(tuple(chosen), tuple(questions), ())
