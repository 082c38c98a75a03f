"""Sessions: the one place where quiz behaviour lives; front ends only call it.

* practice: questions in lesson order, immediate feedback, hints;
* exam: a domain-weighted draw from a profile, a timer, flags, feedback held to the end;
* review: questions last answered wrong or flagged, with feedback;
* drill: questions whose spaced-repetition card is due, most overdue first.

Everything random comes from one seed, so a session can be replayed or resumed exactly.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from lambda_lab.quiz.kinds import AnswerError
from lambda_lab.quiz.model import Item, Question
from lambda_lab.quiz.progress import ProgressStore

if TYPE_CHECKING:  # grading, exams and "show me" load these when first needed, not at start
    from lambda_lab.quiz.evidence import Demonstration
    from lambda_lab.quiz.profiles import ExamProfile
    from lambda_lab.quiz.scoring import Feedback, Report

MODES = ("practice", "exam", "review", "drill")


class SessionError(ValueError):
    """A session that cannot be built or resumed as asked."""


def choose_questions(
    mode: str, questions: Sequence[Question], progress: ProgressStore | None
) -> list[Question]:
    """The questions a non-exam mode works on: all, the ones to review, or the due ones."""
    if mode in ("practice", "exam") or progress is None:
        return list(questions)
    by_id = {q.id: q for q in questions}
    ids = progress.to_review(by_id) if mode == "review" else progress.due(by_id)
    return [by_id[qid] for qid in ids]


class Session:
    def __init__(
        self,
        questions: Sequence[Question],
        *,
        mode: str = "practice",
        seed: int | None = None,
        profile: ExamProfile | None = None,
        progress: ProgressStore | None = None,
        key: str = "",
        clock: Callable[[], float] = time.monotonic,
        limit: int | None = None,
        avoid: Sequence[str] = (),
    ) -> None:
        if mode not in MODES:
            raise SessionError(f"unknown mode {mode!r}; expected one of: {', '.join(MODES)}")
        if mode == "exam" and profile is None:
            raise SessionError("an exam session needs an exam profile")
        if limit is not None and limit < 1:
            raise SessionError(f"a session needs at least 1 question (limit={limit})")
        self.mode = mode
        self.seed = seed if seed is not None else random.SystemRandom().randrange(2**31)
        self.profile = profile
        self.progress = progress
        self.key = key or mode
        self.clock = clock
        rng = random.Random(self.seed)
        if mode == "exam" and profile is not None:
            from lambda_lab.quiz.profiles import draw

            chosen = draw(profile, questions, rng, avoid=frozenset(avoid))
        else:
            chosen = list(questions)
        if limit is not None:
            chosen = chosen[:limit]
        self.items = [Item(q, q.kind.present(q, rng)) for q in chosen]
        self.index = 0
        self.finished = False
        self._elapsed_before = 0.0
        self._started = clock()
        if progress is not None:
            for item in self.items:
                item.flagged = bool(progress.questions.get(item.question.id, {}).get("flagged"))

    # -- where we are -------------------------------------------------------------------
    @property
    def current(self) -> Item:
        return self.items[self.index]

    @property
    def holds_feedback(self) -> bool:
        return self.mode == "exam"

    @property
    def hints_allowed(self) -> bool:
        return self.mode != "exam"

    @property
    def complete(self) -> bool:
        """Every item has been answered (practice-like modes end here)."""
        return all(item.answered for item in self.items)

    def open_items(self) -> list[int]:
        """Positions of unanswered or flagged items: what an exam offers to revisit."""
        return [i for i, item in enumerate(self.items) if not item.answered or item.flagged]

    def goto(self, index: int) -> None:
        if not 0 <= index < len(self.items):
            raise SessionError(f"question {index + 1} does not exist (1 to {len(self.items)})")
        self.index = index

    def next(self) -> bool:
        if self.index + 1 < len(self.items):
            self.index += 1
            return True
        return False

    def previous(self) -> bool:
        if self.index > 0:
            self.index -= 1
            return True
        return False

    # -- time ---------------------------------------------------------------------------
    def elapsed(self) -> float:
        return self._elapsed_before + (self.clock() - self._started)

    def time_left(self) -> float | None:
        if self.profile is None or self.mode != "exam":
            return None
        return max(0.0, self.profile.time_limit_s - self.elapsed())

    @property
    def expired(self) -> bool:
        left = self.time_left()
        return left is not None and left <= 0

    # -- acting on the current item ----------------------------------------------------
    def hint(self) -> str | None:
        """The next hint of the current question, or None when there is none (or in exams)."""
        item = self.current
        if not self.hints_allowed or item.hints_shown >= len(item.question.hints):
            return None
        item.hints_shown += 1
        return item.question.hints[item.hints_shown - 1]

    def hints(self) -> tuple[str, ...]:
        return self.current.question.hints[: self.current.hints_shown]

    # -- "show me": the Lab experiment behind a question --------------------------------
    def can_show(self, index: int | None = None) -> bool:
        """Whether "show me" is open for an item: it has an experiment, and its feedback is
        out (graded in practice-like modes; in an exam, only once it is finished)."""
        item = self.items[self.index if index is None else index]
        revealed = item.correct is not None and (not self.holds_feedback or self.finished)
        return revealed and item.question.experiment is not None

    def show_me(self, index: int | None = None) -> Demonstration | None:
        """Run the item's Lab experiment and return what it showed (None if not open)."""
        if not self.can_show(index):
            return None
        from lambda_lab.quiz.evidence import demonstrate

        item = self.items[self.index if index is None else index]
        return demonstrate(str(item.question.experiment))

    def toggle_flag(self) -> bool:
        item = self.current
        item.flagged = not item.flagged
        if self.progress is not None:
            self.progress.set_flag(item.question.id, item.flagged)
            self.progress.save()
        return item.flagged

    def submit_text(self, text: str) -> Feedback | None:
        """Answer the current item with what the learner typed; AnswerError if unusable."""
        if self.expired and not self.finished:  # say so before complaining about the answer's form
            raise AnswerError("Time is up: the exam takes no more answers.")
        return self.submit(self.current.question.kind.parse(self.current, text))

    def submit(self, response: Any) -> Feedback | None:
        """Answer the current item. Practice-like modes grade at once and return feedback;
        exams keep the answer (changeable until the end) and return None."""
        if self.finished:
            raise SessionError("this session is finished")
        if self.expired:
            raise AnswerError("Time is up: the exam takes no more answers.")
        item = self.current
        if item.correct is not None:
            raise AnswerError("This question is already answered.")
        item.response = response
        if not self.holds_feedback:
            self._grade(item)
        self._persist()  # every answer is on disk at once: nothing lost if the terminal dies
        if self.holds_feedback:
            return None
        from lambda_lab.quiz.scoring import feedback

        return feedback(item)

    def _grade(self, item: Item) -> None:
        item.correct = item.answered and item.question.kind.grade(item.question, item.response)
        if self.progress is not None and not item.recorded:
            self.progress.record(item.question.id, item.correct, item.hints_shown)
            item.recorded = True

    # -- ending, saving, resuming ------------------------------------------------------
    def finish(self) -> Report:
        """Grade everything (unanswered counts as wrong) and forget the saved session."""
        if not self.finished:
            self._elapsed_before = self.elapsed()
            self._started = self.clock()
            for item in self.items:
                if item.correct is None and (self.holds_feedback or item.answered):
                    self._grade(item)
            self.finished = True
            if self.progress is not None:
                self.progress.drop_session(self.key)
                self.progress.save()
        return self.report()

    def report(self) -> Report:
        from lambda_lab.quiz.scoring import report

        graded = [i for i in self.items if self.finished or i.correct is not None]
        return report(graded, self.mode, self.profile, self.elapsed())

    def _persist(self) -> None:
        if self.progress is not None:
            self.progress.keep_session(self.key, self.snapshot())
            self.progress.save()

    def save(self) -> None:
        """Keep the session in the progress store so the same command resumes it."""
        self._persist()

    def snapshot(self) -> dict[str, Any]:
        return {
            "mode": self.mode,
            "seed": self.seed,
            "profile": self.profile.id if self.profile else None,
            "time_limit_s": self.profile.time_limit_s if self.profile else None,
            "index": self.index,
            "elapsed": self.elapsed(),
            "items": [
                {
                    "id": item.question.id,
                    "options": [o.key for o in item.options],
                    "response": None
                    if item.response is None
                    else item.question.kind.dump(item.response),
                    "correct": item.correct,
                    "hints": item.hints_shown,
                    "flagged": item.flagged,
                    "recorded": item.recorded,
                }
                for item in self.items
            ],
        }

    @classmethod
    def resume(
        cls,
        snapshot: dict[str, Any],
        questions: Sequence[Question],
        *,
        profile: ExamProfile | None = None,
        progress: ProgressStore | None = None,
        key: str = "",
        clock: Callable[[], float] = time.monotonic,
    ) -> Session:
        """Rebuild a saved session. Questions removed from the bank since are dropped."""
        if profile is not None and snapshot.get("time_limit_s"):
            # a shorter exam keeps the time it was given
            profile = replace(profile, time_limit_s=float(snapshot["time_limit_s"]))
        try:
            session = cls(
                [],
                mode=snapshot["mode"],
                seed=snapshot["seed"],
                profile=profile,
                progress=progress,
                key=key,
                clock=clock,
            )
            by_id = {q.id: q for q in questions}
            session.items = [
                _restore_item(raw, by_id[raw["id"]])
                for raw in snapshot["items"]
                if raw["id"] in by_id
            ]
            session._elapsed_before = float(snapshot["elapsed"])
            session.index = min(int(snapshot["index"]), max(0, len(session.items) - 1))
            if not session.holds_feedback:  # graded items are done: go on from the first open one
                unanswered = [i for i, item in enumerate(session.items) if not item.answered]
                session.index = unanswered[0] if unanswered else session.index
        except (KeyError, TypeError, ValueError) as exc:
            raise SessionError(
                f"the saved session cannot be resumed ({type(exc).__name__}: {exc})"
            ) from None
        if not session.items:
            raise SessionError("none of the saved session's questions are in the bank any more")
        return session


def _restore_item(raw: dict[str, Any], question: Question) -> Item:
    kind = question.kind
    keys = list(raw["options"])
    if sorted(keys, key=str) != sorted(kind.option_keys(question), key=str):
        keys = list(kind.option_keys(question))  # the question changed: show its options afresh
        raw = {**raw, "response": None, "correct": None}
    item = Item(question, kind.options(question, keys))
    item.response = None if raw["response"] is None else kind.load(raw["response"])
    item.correct = raw["correct"]
    item.hints_shown = int(raw["hints"])
    item.flagged = bool(raw["flagged"])
    item.recorded = bool(raw["recorded"])
    return item
