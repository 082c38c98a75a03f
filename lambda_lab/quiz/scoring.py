"""Scoring: feedback on one answer and the report at the end of a session.

AWS scores multiple-response questions all or nothing, and so do we: a question is right
only when the response is exactly the key.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from lambda_lab.quiz.model import Item
from lambda_lab.quiz.profiles import Domain, ExamProfile, exam_domains, packaged_profiles


@dataclass(frozen=True)
class Feedback:
    correct: bool
    key: str  # the right answer, with the item's letters
    given: str  # what the learner answered
    notes: tuple[tuple[str, str], ...]  # (letter, feedback) for options worth a word
    explanation: str | None
    references: tuple[str, ...]
    lesson: str


@dataclass(frozen=True)
class DomainScore:
    exam: str
    key: str
    title: str
    correct: int
    total: int

    @property
    def percent(self) -> float:
        return 100.0 * self.correct / self.total if self.total else 0.0


@dataclass(frozen=True)
class ReviewEntry:
    number: int  # 1-based position in the session
    item: Item
    feedback: Feedback


@dataclass(frozen=True)
class Report:
    mode: str
    correct: int
    total: int
    domains: tuple[DomainScore, ...]
    review: tuple[ReviewEntry, ...]  # wrong, unanswered and flagged items
    pass_mark: int | None = None  # exam mode only
    elapsed_s: float = 0.0
    time_limit_s: float | None = None

    @property
    def percent(self) -> float:
        return 100.0 * self.correct / self.total if self.total else 0.0

    @property
    def passed(self) -> bool | None:
        return None if self.pass_mark is None else self.percent >= self.pass_mark


def clock_text(seconds: float) -> str:
    """mm:ss, for exam clocks and time used."""
    seconds = max(0, int(seconds))
    return f"{seconds // 60:02d}:{seconds % 60:02d}"


def feedback(item: Item) -> Feedback:
    """What to tell the learner about one graded (or unanswered) item."""
    question = item.question
    kind = question.kind
    notes = []
    if question.choices:
        picked = item.response or frozenset()
        for option in item.options:
            choice = question.choices[option.key]
            if choice.feedback and (option.key in picked or choice.correct):
                notes.append((option.letter, choice.feedback))
    return Feedback(
        correct=bool(item.correct),
        key=kind.key_text(item),
        given=kind.response_text(item),
        notes=tuple(notes),
        explanation=question.explanation,
        references=question.references,
        lesson=question.lesson,
    )


def report(
    items: Sequence[Item],
    mode: str,
    profile: ExamProfile | None = None,
    elapsed_s: float = 0.0,
) -> Report:
    """Score, per-domain table and review list. Exams score by their own exam's domains;
    other sessions by every exam their questions belong to."""
    domains = exam_domains(packaged_profiles().values())
    if profile is not None:
        domains = {profile.exam: {d.key: d for d in profile.domains}}
    tally: dict[tuple[str, str], list[int]] = {}
    for item in items:
        for exam, key in item.question.domains.items():
            if exam in domains and key in domains[exam]:
                counts = tally.setdefault((exam, key), [0, 0])
                counts[0] += bool(item.correct)
                counts[1] += 1
    scores = tuple(
        DomainScore(exam, key, domains[exam][key].title, correct, total)
        for (exam, key), (correct, total) in sorted(tally.items(), key=_domain_order(domains))
    )
    review = tuple(
        ReviewEntry(number, item, feedback(item))
        for number, item in enumerate(items, start=1)
        if not item.correct or item.flagged
    )
    return Report(
        mode=mode,
        correct=sum(bool(i.correct) for i in items),
        total=len(items),
        domains=scores,
        review=review,
        pass_mark=profile.pass_mark if profile else None,
        elapsed_s=elapsed_s,
        time_limit_s=profile.time_limit_s if profile else None,
    )


def _domain_order(
    domains: dict[str, dict[str, Domain]],
) -> Callable[[tuple[tuple[str, str], list[int]]], tuple[str, int]]:
    """Sort key: exams alphabetically, domains in the exam guide's order."""
    order = {(exam, key): i for exam, keys in domains.items() for i, key in enumerate(keys)}
    return lambda entry: (entry[0][0], order[entry[0]])
