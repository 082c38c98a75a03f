"""What the lesson tests share about links: the section anchors lessons carry, and the quiz
questions that link to a lesson's section (``lesson: 07_concurrency#reserved``)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

import yaml

BANKS = Path(__file__).resolve().parents[2] / "lambda_lab" / "quizzes"
ANCHOR = re.compile(r'<a id="([a-z0-9-]+)"></a>')  # what a lesson puts above each section


def anchors_in(texts: Iterable[str]) -> set[str]:
    """The section anchors in a lesson's markdown cells."""
    return {anchor for text in texts for anchor in ANCHOR.findall(text)}


def quiz_links_missing(lesson: str, anchors: set[str]) -> list[str]:
    """The questions (``bank.yaml:id -> #anchor``) that link to a section ``lesson`` lacks."""
    missing = []
    for bank in sorted(BANKS.glob("*.yaml")):
        for question in yaml.safe_load(bank.read_text(encoding="utf-8")).get("questions", []):
            target, _, anchor = str(question.get("lesson", "")).partition("#")
            if target == lesson and anchor and anchor not in anchors:
                missing.append(f"{bank.name}:{question.get('id')} -> #{anchor}")
    return missing
