"""The shape of a question bank: which fields exist, which values they may take.

The per-type fields (choices, answer, items...) belong to the question kinds in
``kinds.py``; this module holds what every question and every bank shares.
"""

from __future__ import annotations

import re

# The lessons a question can point back to (``lesson: 04_invocation_models#retries``).
LESSONS = (
    "01_serverless_concepts",
    "02_first_function",
    "03_configuration",
    "04_invocation_models",
    "05_alb_integration",
    "06_event_sources",
    "07_concurrency",
    "08_monitoring",
    "09_pricing",
)

# Lessons a question may link to without having a bank of their own.
LINKABLE_LESSONS = LESSONS + ("00_start_here", "02b_cli_and_custom_runtimes")

# One bank file per topic; the topic is the lesson name without its number.
TOPICS = tuple(lesson.split("_", 1)[1] for lesson in LESSONS)

BANK_FIELDS = ("topic", "title", "questions")

# Fields every question may carry, whatever its type.
REQUIRED_FIELDS = ("id", "type", "prompt", "domains", "references", "lesson")
OPTIONAL_FIELDS = ("difficulty", "hints", "explanation", "check")
COMMON_FIELDS = REQUIRED_FIELDS + OPTIONAL_FIELDS

ID_PATTERN = re.compile(r"[a-z0-9][a-z0-9-]{1,63}")
SLUG_PATTERN = re.compile(r"[a-z][a-z0-9_]{0,63}")
LESSON_PATTERN = re.compile(r"(\d\d[a-z]?_[a-z_]+)(?:#([a-z0-9-]+))?")
REFERENCE_PATTERN = re.compile(r"https://[^\s/]+\.[a-z]{2,}(/\S*)?")

DIFFICULTIES = (1, 2, 3)  # easy, exam-like, hard
DEFAULT_DIFFICULTY = 2

# Letters a learner types; 'f' (flag) and 'h' (hint) must never be an answer letter.
LETTERS = "abcde"
MIN_CHOICES = 2
MAX_CHOICES = len(LETTERS)

# AWS prompts say "(Select TWO.)"; the linter makes sure such words agree with `select`.
SELECT_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5}
SELECT_IN_PROMPT = re.compile(r"\bselect\s+(one|two|three|four|five|\d)\b", re.IGNORECASE)


def lesson_of_topic(topic: str) -> str | None:
    """The lesson notebook name for a bank topic, or None for a topic outside the course."""
    for lesson in LESSONS:
        if lesson.split("_", 1)[1] == topic:
            return lesson
    return None
