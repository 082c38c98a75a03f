"""Starting a quiz the same way from every front end: topics and profile resolved, progress
opened, a saved session resumed (or a new one drawn), and every notice collected."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from lambda_lab.quiz.bank import load_bank, resolve_topics
from lambda_lab.quiz.model import Question
from lambda_lab.quiz.progress import ProgressStore
from lambda_lab.quiz.schema import LESSON_TOPICS
from lambda_lab.quiz.session import MODES, Session, SessionError, choose_questions

if TYPE_CHECKING:
    from lambda_lab.quiz.profiles import ExamProfile  # exams only: loaded by find_profile


class StartError(ValueError):
    """A quiz that cannot start as asked (unknown profile or mode); the message says why."""


@dataclass
class Start:
    session: Session | None  # None when there is nothing to ask (empty review, nothing due)
    title: str
    store: ProgressStore
    notes: list[str] = field(default_factory=list)  # for the learner, in order


def find_profile(name: str) -> ExamProfile:
    from lambda_lab.quiz.profiles import packaged_profiles

    wanted = name.lower()
    profiles = packaged_profiles()
    for profile in profiles.values():
        if wanted in (profile.id.lower(), profile.exam.lower()):
            return profile
    raise StartError(f"unknown exam profile '{name}'; available: {', '.join(profiles)}")


def start(
    topics: Sequence[str] = (),
    *,
    exam: str | None = None,
    mode: str = "practice",
    seed: int | None = None,
    count: int | None = None,
    learner: str | None = None,
    new: bool = False,
) -> Start:
    """Everything a front end needs to show the first question.

    Raises UnknownTopic, ProgressFileError (bad learner name) or StartError for bad input.
    """
    chosen_topics = resolve_topics(topics) if topics else []
    profile = find_profile(exam) if exam else None
    mode = "exam" if profile else mode
    if mode not in MODES or mode == "exam" and profile is None:
        raise StartError(f"unknown mode '{mode}'; expected practice, review, drill or exam=PROFILE")
    store = ProgressStore.open(learner)
    notes = [f"Note: {notice}" for notice in store.notices]
    bank = load_bank(chosen_topics or None)
    if bank.problems:
        notes.append(
            f"Note: {len(bank.problems)} problem(s) in the question banks leave questions out; "
            "`lambda-lab quiz lint` lists them."
        )
    key = ":".join([mode, profile.id if profile else "", ",".join(chosen_topics) or "all"])
    title = (
        profile.title
        if profile
        else f"{mode.capitalize()}: {', '.join(chosen_topics) or 'all topics'}"
    )
    if new:
        store.drop_session(key)
    session = _resume(store, key, bank.questions, profile, notes)
    if session is None:
        questions = choose_questions(mode, bank.questions, store)
        if mode == "practice" and count and not chosen_topics:
            # A taster of the whole course (the start page's): a few topics, one question
            # each, never simply the opening questions of the first lesson.
            questions = sample_across_topics(questions, count, random.Random(seed))
        elif mode == "practice":
            questions = just_answered_last(questions, store)
        if not questions:
            notes.append(_nothing_to_do(mode, store, bank.questions))
            return Start(None, title, store, notes)
        if profile is not None:  # an exam: fewer questions get proportionally less time
            profile = profile.scaled(count) if count else profile
            session = Session(
                questions,
                mode=mode,
                seed=seed,
                profile=profile,
                progress=store,
                key=key,
                avoid=store.last_exam(profile.id),
            )
            store.remember_exam(profile.id, [item.question.id for item in session.items])
            store.save()
        else:
            session = Session(
                questions,
                mode=mode,
                seed=seed,
                profile=profile,
                progress=store,
                key=key,
                limit=count,
            )
    return Start(session, title, store, notes)


def _resume(
    store: ProgressStore,
    key: str,
    questions: Sequence[Question],
    profile: ExamProfile | None,
    notes: list[str],
) -> Session | None:
    snapshot = store.sessions.get(key)
    if snapshot is None:
        return None
    try:
        session = Session.resume(snapshot, questions, profile=profile, progress=store, key=key)
    except SessionError as exc:
        notes.append(f"Note: {exc}; starting a new session.")
        store.drop_session(key)
        return None
    done = sum(item.answered for item in session.items)
    notes.append(
        f"Resuming your saved {session.mode} session: {done} of {len(session.items)} answered "
        "(start over with --new, or new=True in a notebook)."
    )
    return session


def _nothing_to_do(mode: str, store: ProgressStore, questions: Sequence[Question]) -> str:
    if mode == "review":
        return "Nothing to review: no wrong or flagged answers yet. Practise first."
    dates = [d for q in questions if (d := store.due_at(q.id)) is not None]
    if dates:
        return f"Nothing is due. The next review is due at {min(dates):%Y-%m-%d %H:%M} UTC."
    return "Nothing is due yet: cards are made as you answer. Practise first."


JUST_ANSWERED = timedelta(hours=1)


def just_answered_last(questions: Sequence[Question], store: ProgressStore) -> list[Question]:
    """Bank order, except that questions answered in the last hour (on the start page, say)
    move to the end: a topic's practice never opens with what was just asked."""
    since = store.clock() - JUST_ANSWERED

    def recent(question: Question) -> bool:
        stamp = store.questions.get(question.id, {}).get("last_answered")
        try:
            return stamp is not None and datetime.fromisoformat(str(stamp)) >= since
        except (TypeError, ValueError):
            return False

    return sorted(questions, key=recent)  # stable: bank order within each group


def sample_across_topics(
    questions: Sequence[Question], count: int, rng: random.Random
) -> list[Question]:
    """``count`` questions spread over the topics: topics in random order, one question of
    each in turn, each topic's questions shuffled."""
    by_topic: dict[str, list[Question]] = {}
    for question in questions:
        by_topic.setdefault(question.topic, []).append(question)
    topics = list(by_topic)
    rng.shuffle(topics)
    for pool in by_topic.values():
        rng.shuffle(pool)
    picked: list[Question] = []
    while len(picked) < count and any(by_topic.values()):
        for topic in topics:
            if by_topic[topic] and len(picked) < count:
                picked.append(by_topic[topic].pop())
    return picked


# -- a lesson's own short quiz ------------------------------------------------------------
LESSON_QUIZ_MIN = 8
LESSON_QUIZ_MAX = 12


def resolve_lesson(name: str) -> str:
    """'07', '07_concurrency' or '07_concurrency#reserved' -> '07_concurrency'."""
    wanted = name.split("#", 1)[0].strip().lower()
    for lesson in LESSON_TOPICS:
        if wanted in (lesson, lesson.split("_", 1)[0]):
            return lesson
    known = ", ".join(LESSON_TOPICS)
    raise StartError(f"unknown lesson '{name}'; lessons with questions are: {known}")


def lesson_questions(lesson: str, questions: Sequence[Question]) -> list[Question]:
    """The questions whose lesson link points into ``lesson``, in bank order."""
    return [q for q in questions if q.lesson.split("#", 1)[0] == lesson]


def pick_for_lesson(
    candidates: Sequence[Question], count: int, store: ProgressStore, rng: random.Random
) -> list[Question]:
    """``count`` questions: never answered first (in random order), then the ones answered
    longest ago, so a question just asked elsewhere (the start page) is not asked again."""

    def order(question: Question) -> tuple[str, float]:
        answered = store.questions.get(question.id, {}).get("last_answered", "")
        return (str(answered), rng.random())

    return sorted(candidates, key=order)[:count]


def start_lesson(
    lesson: str,
    *,
    count: int = 10,
    seed: int | None = None,
    learner: str | None = None,
    new: bool = False,
) -> Start:
    """A lesson's short practice quiz (8 to 12 of its questions, a score at the end)."""
    if not LESSON_QUIZ_MIN <= count <= LESSON_QUIZ_MAX:
        raise StartError(
            f"a lesson quiz asks {LESSON_QUIZ_MIN} to {LESSON_QUIZ_MAX} questions (got {count})"
        )
    name = resolve_lesson(lesson)
    topic = LESSON_TOPICS[name]
    store = ProgressStore.open(learner)
    notes = [f"Note: {notice}" for notice in store.notices]
    bank = load_bank()
    candidates = lesson_questions(name, bank.questions)
    key = f"lesson:{name}"
    title = f"Lesson {name.split('_', 1)[0]} quiz: {len(candidates)} questions on this lesson"
    if new:
        store.drop_session(key)
    session = _resume(store, key, bank.questions, None, notes)
    if session is None:
        rng = random.Random(seed)
        picked = pick_for_lesson(candidates, count, store, rng)
        if not picked:
            notes.append(f"Lesson {name} has no questions yet.")
            return Start(None, title, store, notes)
        session = Session(picked, seed=seed, progress=store, key=key)
    title = f"Lesson {name.split('_', 1)[0]} quiz ({topic.replace('_', ' ')})"
    return Start(session, title, store, notes)
