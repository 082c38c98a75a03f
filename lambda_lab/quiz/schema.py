"""The shape of a question bank: which fields exist, which values they may take.

The per-type fields (choices, answer, items...) belong to the question kinds in
``kinds.py``; this module holds what every question and every bank shares.
"""

from __future__ import annotations

import re
from pathlib import Path

# Where the packaged banks and exam profiles live (kept here, in the lightest quiz module,
# so that starting a quiz from the cache never imports the linter).
BANKS_DIR = Path(__file__).resolve().parent.parent / "quizzes"
PROFILES_DIR = BANKS_DIR / "profiles"

# The lessons with a bank of their own, in course order, and the bank (topic) of each:
# the topic is the lesson name without its number, except where the bank name is shorter.
LESSON_TOPICS = {
    "01_serverless_concepts": "serverless_concepts",
    "02_first_function": "first_function",
    "02b_cli_and_custom_runtimes": "cli_and_custom_runtimes",
    "03_configuration": "configuration",
    "04_invocation_models": "invocation_models",
    "05_alb_integration": "alb_integration",
    "06_event_sources": "event_sources",
    "07_concurrency": "concurrency",
    "08_monitoring": "monitoring",
    "09_pricing": "pricing",
    "10_api_gateway": "api_gateway",
    "11_security_and_networking": "security_networking",
    "12_packaging_and_layers": "packaging_layers",
    "13_deploying": "deploying",
    "14_orchestration": "orchestration",
}
LESSONS = tuple(LESSON_TOPICS)

# Lessons a question may link to without having a bank of their own.
LINKABLE_LESSONS = LESSONS + ("00_start_here", "15_capstone")

TOPICS = tuple(LESSON_TOPICS.values())

BANK_FIELDS = ("topic", "title", "questions")

# Fields every question may carry, whatever its type.
REQUIRED_FIELDS = ("id", "type", "prompt", "domains", "references", "lesson")
OPTIONAL_FIELDS = ("difficulty", "hints", "explanation", "check", "demo", "practice_only")
COMMON_FIELDS = REQUIRED_FIELDS + OPTIONAL_FIELDS

ID_PATTERN = re.compile(r"[a-z0-9][a-z0-9-]{1,63}")
SLUG_PATTERN = re.compile(r"[a-z][a-z0-9_]{0,63}")
LESSON_PATTERN = re.compile(r"(\d\d[a-z]?_[a-z_]+)(?:#([a-z0-9-]+))?")
REFERENCE_PATTERN = re.compile(r"https://[^\s/]+\.[a-z]{2,}(/\S*)?")

DIFFICULTIES = (1, 2, 3)  # easy, exam-like, hard
DEFAULT_DIFFICULTY = 2

# Letters a learner types; 'h' (hint), 'm' (mark for review), 'n'/'p' (next, previous),
# 'q' (quit) and 's' (show me) must never be an answer letter.
LETTERS = "abcdefg"
MIN_CHOICES = 2
MAX_CHOICES = len(LETTERS)

# AWS prompts say "(Select TWO.)"; the linter makes sure such words agree with `select`.
SELECT_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5}
SELECT_IN_PROMPT = re.compile(r"\bselect\s+(one|two|three|four|five|\d)\b", re.IGNORECASE)


def lesson_of_topic(topic: str) -> str | None:
    """The lesson notebook name for a bank topic, or None for a topic outside the course."""
    return next((lesson for lesson, t in LESSON_TOPICS.items() if t == topic), None)


def topic_of_lesson(lesson: str) -> str | None:
    """The bank topic of a lesson ('07_concurrency' or '07' -> 'concurrency'), or None."""
    wanted = lesson.split("#", 1)[0].strip().lower()
    for name, topic in LESSON_TOPICS.items():
        if wanted in (name, name.split("_", 1)[0], topic):
            return topic
    return None


def shown_path(path: Path) -> str:
    """A path as the user should read it: relative to the working directory when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)
