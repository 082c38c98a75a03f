"""A saved copy of the checked question banks, so the quiz starts without re-reading YAML.

Linting the packaged banks (parsing the YAML, every rule, the answer-key checks) was most of
what `lambda-lab quiz` did before its first question. When a set of banks lints clean, its
questions are saved as JSON in the learner's data folder (``data_home()/cache``), keyed on
the size and modification time of every bank and profile file and of the code that decides
what a valid question is. A later start with the same key rebuilds the questions from that
file; any change, or a cache file that is damaged, foreign or unreadable, means the banks are
linted again and the file rewritten, without a word to the learner. The YAML banks stay the
only source: deleting the cache loses nothing, and a bank with problems is never cached (it
is linted, and its problems reported, every time).
"""

from __future__ import annotations

import json
import os
import sys
import zlib
from dataclasses import fields
from pathlib import Path
from typing import Any, TypeVar

from lambda_lab.quiz.model import Choice, Question

FORMAT = "lambda-lab-quiz-bank-cache"
VERSION = 1
_QUIZ_CODE = Path(__file__).resolve().parent  # lint rules, kinds, schema, checks, model
_LIMITS = _QUIZ_CODE.parent / "limits.py"  # what `check: {limit: ...}` keys are checked against
_SEQUENCES = ("references", "hints", "items")  # tuples in a Question, lists in JSON
_Value = TypeVar("_Value")


def cache_path(directory: Path) -> Path:
    """Where the cache of the banks in ``directory`` lives (one file per bank folder)."""
    from lambda_lab.quiz.progress import data_home

    digest = f"{zlib.crc32(str(directory.resolve()).encode()):08x}"  # a name, not a secret
    return data_home() / "cache" / f"quiz-banks-{digest}.json"


def _stamps(paths: list[Path]) -> list[list[Any]]:
    stamps: list[list[Any]] = []
    for path in paths:
        try:
            status = path.stat()
        except OSError:
            stamps.append([str(path), None, None])
        else:
            stamps.append([str(path), status.st_mtime_ns, status.st_size])
    return stamps


def cache_key(directory: Path) -> dict[str, Any]:
    """What the saved questions depend on: every bank and profile file in the folder (a new
    bank changes the topics), the quiz code and limits, and the versions reading them."""
    from lambda_lab import __version__

    inputs = sorted(directory.glob("*.yaml")) + sorted((directory / "profiles").glob("*.yaml"))
    packaged_profiles = sorted((_QUIZ_CODE.parent / "quizzes" / "profiles").glob("*.yaml"))
    code = sorted(_QUIZ_CODE.glob("*.py")) + [_LIMITS]
    return {
        "format": FORMAT,
        "version": VERSION,
        "lambda_lab": __version__,
        "python": list(sys.version_info[:2]),
        "files": _stamps(inputs + packaged_profiles + code),
    }


def _encode(question: Question) -> dict[str, Any]:
    data = {f.name: getattr(question, f.name) for f in fields(Question)}
    data["choices"] = [
        {f.name: getattr(c, f.name) for f in fields(Choice)} for c in question.choices
    ]
    # The source is "shown path:line"; the shown path depends on the working directory.
    data["source"] = int(question.source.rsplit(":", 1)[1])
    return data


_QUESTION_FIELDS = frozenset(f.name for f in fields(Question))
_CHOICE_FIELDS = frozenset(f.name for f in fields(Choice))


def _frozen(cls: type[_Value], values: dict[str, Any], names: frozenset[str]) -> _Value:
    """An instance of a frozen dataclass with exactly these field values, made without its
    ``__init__`` (which sets each field through ``object.__setattr__``: most of the load)."""
    if values.keys() != names:
        raise ValueError(f"not a saved {cls.__name__}")
    made = object.__new__(cls)
    made.__dict__.update(values)
    return made


def _decode(data: dict[str, Any], shown: dict[str, str]) -> Question:
    values = dict(data)
    for name in _SEQUENCES:
        values[name] = tuple(values[name])
    values["choices"] = tuple(_frozen(Choice, c, _CHOICE_FIELDS) for c in values["choices"])
    values["source"] = f"{shown[values['topic']]}:{values['source']}"
    return _frozen(Question, values, _QUESTION_FIELDS)


def _shown_paths(directory: Path, topics: list[str]) -> dict[str, str]:
    from lambda_lab.quiz.schema import shown_path

    return {topic: shown_path(directory / f"{topic}.yaml") for topic in topics}


def load(directory: Path, topics: list[str]) -> list[Question] | None:
    """The saved questions of ``topics`` (each bank's in file order), or None when there is no
    usable cache. The cache holds every bank of the folder: the questions of some banks are
    exactly those of the whole folder's clean lint, bank by bank."""
    try:
        saved = json.loads(cache_path(directory).read_text(encoding="utf-8"))
        if saved["key"] != cache_key(directory):
            return None
        shown = _shown_paths(directory, topics)
        banks = saved["banks"]
        return [_decode(data, shown) for topic in topics for data in banks[topic]]
    except Exception:  # missing, unreadable, damaged or foreign: lint again
        return None


def save(directory: Path, topics: list[str], questions: list[Question]) -> bool:
    """Save the questions of a clean lint of every bank in the folder (``topics``); False when
    they cannot be saved faithfully (a value JSON would change) or the folder is not writable:
    the next start simply lints again."""
    try:
        banks: dict[str, list[dict[str, Any]]] = {topic: [] for topic in topics}
        for question in questions:
            banks[question.topic].append(_encode(question))
        text = json.dumps({"key": cache_key(directory), "banks": banks}, separators=(",", ":"))
        shown = _shown_paths(directory, topics)
        decoded = json.loads(text)["banks"]
        if [_decode(data, shown) for topic in topics for data in decoded[topic]] != questions:
            return False
        path = cache_path(directory)
        path.parent.mkdir(parents=True, exist_ok=True)
        temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        try:
            temp.write_text(text, encoding="utf-8")
            os.replace(temp, path)  # readers see the old file or the new one, never half of one
        finally:
            temp.unlink(missing_ok=True)
    except Exception:
        return False
    return True
