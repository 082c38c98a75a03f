"""Starting a quiz the same way from every front end: topics and profile resolved, progress
opened, a saved session resumed (or a new one drawn), and every notice collected."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from lambda_lab.quiz.bank import load_bank, resolve_topics
from lambda_lab.quiz.model import Question
from lambda_lab.quiz.profiles import ExamProfile, packaged_profiles
from lambda_lab.quiz.progress import ProgressStore
from lambda_lab.quiz.session import MODES, Session, SessionError, choose_questions


class StartError(ValueError):
    """A quiz that cannot start as asked (unknown profile or mode); the message says why."""


@dataclass
class Start:
    session: Session | None  # None when there is nothing to ask (empty review, nothing due)
    title: str
    store: ProgressStore
    notes: list[str] = field(default_factory=list)  # for the learner, in order


def find_profile(name: str) -> ExamProfile:
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
        if not questions:
            notes.append(_nothing_to_do(mode, store, bank.questions))
            return Start(None, title, store, notes)
        session = Session(
            questions, mode=mode, seed=seed, profile=profile, progress=store, key=key, limit=count
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
