"""Exam profiles: which exam, its domains and weights, how many questions, time and pass mark.

Profiles are YAML files in ``quizzes/profiles/``. They are also where the linter learns
which exams and domains exist, so a question's ``domains`` can only name real ones.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from lambda_lab.quiz.model import Question
from lambda_lab.quiz.schema import PROFILES_DIR, SLUG_PATTERN

if TYPE_CHECKING:  # reading and checking profile files; a quiz started from the cache needs neither
    from lambda_lab.quiz.loader import Document
    from lambda_lab.quiz.validate import Problem, Scope

PROFILE_FIELDS = ("exam", "title", "questions", "time_limit_minutes", "pass_mark", "domains")
DOMAIN_FIELDS = ("title", "weight")
# Most exam items describe a situation and a requirement ("...with the LEAST operational
# overhead?"); a practice exam draws at least this share of such scenario questions.
SCENARIO_SHARE = 0.7


@dataclass(frozen=True)
class Domain:
    key: str
    title: str
    weight: int  # percent of the exam


@dataclass(frozen=True)
class ExamProfile:
    id: str  # the file name without .yaml
    exam: str  # "SAA-C03"
    title: str
    questions: int
    time_limit_s: float
    pass_mark: int  # percent
    domains: tuple[Domain, ...]
    source: str = ""  # the file it came from, for messages

    def domain(self, key: str) -> Domain:
        return next(d for d in self.domains if d.key == key)

    def scaled(self, questions: int) -> ExamProfile:
        """The same exam with fewer (or more) questions and the time to match."""
        if questions == self.questions:
            return self
        per_question = self.time_limit_s / self.questions
        return replace(self, questions=questions, time_limit_s=per_question * questions)


def validate_profile(document: Document) -> tuple[list[Problem], ExamProfile | None]:
    """Every problem in one profile document, and the profile when there are none."""
    from lambda_lab.quiz.validate import Problem, Reporter, describe

    reporter = Reporter(document)
    if document.syntax_error:
        (line, column), message = document.syntax_error
        return [Problem(document.path, line, column, "", message)], None
    root = reporter.root()
    if not root.expect(isinstance(root.value, dict), "a mapping of profile fields"):
        return reporter.problems, None
    root.only_fields(PROFILE_FIELDS, "an exam profile")
    exam = root.field("exam")
    if exam.text(required=True) and not exam.value.isupper():
        exam.report(f"expected an exam code such as 'SAA-C03', got {describe(exam.value)}")
    root.field("title").text(required=True)
    numbers = (("questions", 1, None), ("time_limit_minutes", 1, 600), ("pass_mark", 1, 100))
    for name, low, high in numbers:
        scope = root.field(name)
        if scope.require():
            scope.integer(low, high)
    domains = root.field("domains")
    if domains.require() and domains.mapping():
        _validate_domains(domains)
    if reporter.problems:
        return reporter.problems, None
    data = document.data
    profile = ExamProfile(
        id=Path(document.path).stem,
        exam=data["exam"],
        title=data["title"],
        questions=data["questions"],
        time_limit_s=data["time_limit_minutes"] * 60.0,
        pass_mark=data["pass_mark"],
        domains=tuple(Domain(k, v["title"], v["weight"]) for k, v in data["domains"].items()),
        source=document.path,
    )
    return [], profile


def _validate_domains(domains: Scope) -> None:
    total = 0
    for key in domains.value:
        domain = domains.field(key)
        if not isinstance(key, str) or not SLUG_PATTERN.fullmatch(key):
            domains.reporter.report(domain.path, "expected a lower-case domain key", key=True)
        if not domain.mapping():
            continue
        domain.only_fields(DOMAIN_FIELDS, "a domain")
        domain.field("title").text(required=True)
        weight = domain.field("weight")
        if weight.require() and weight.integer(1, 100):
            total += weight.value
    if total and total != 100:
        domains.report(f"domain weights add up to {total}, expected 100")


def read_profiles(
    paths: Iterable[Path], shown: Callable[[Path], str] = str
) -> tuple[list[Problem], dict[str, ExamProfile]]:
    from lambda_lab.quiz.loader import read

    problems: list[Problem] = []
    profiles: dict[str, ExamProfile] = {}
    for path in paths:
        found, profile = validate_profile(read(path, shown(path)))
        problems.extend(found)
        if profile:
            profiles[profile.id] = profile
    return problems, profiles


@lru_cache(maxsize=1)
def packaged_profiles() -> dict[str, ExamProfile]:
    """The profiles shipped with the package (only the valid ones; the linter reports the rest)."""
    return read_profiles(sorted(PROFILES_DIR.glob("*.yaml")))[1]


def exam_domains(profiles: Iterable[ExamProfile]) -> dict[str, dict[str, Domain]]:
    """exam code -> domain key -> Domain, from every profile."""
    exams: dict[str, dict[str, Domain]] = {}
    for profile in profiles:
        exams.setdefault(profile.exam, {}).update({d.key: d for d in profile.domains})
    return exams


def allocate(total: int, weights: dict[str, int]) -> dict[str, int]:
    """Split ``total`` questions by weight, largest remainders first (ties: listed order)."""
    weight_sum = sum(weights.values())
    exact = {k: total * w / weight_sum for k, w in weights.items()}
    counts = {k: int(v) for k, v in exact.items()}
    by_remainder = sorted(weights, key=lambda k: -(exact[k] - counts[k]))
    for key in by_remainder[: total - sum(counts.values())]:
        counts[key] += 1
    return counts


def exam_pools(profile: ExamProfile, questions: Iterable[Question]) -> dict[str, list[Question]]:
    """Per domain, the questions an exam of this profile may draw: exam format, tagged for
    this exam, and not kept for lesson practice."""
    from lambda_lab.quiz.style import exam_eligible  # style rules: not needed to start a quiz

    pools: dict[str, list[Question]] = {d.key: [] for d in profile.domains}
    for question in questions:
        key = question.domains.get(profile.exam)
        if key in pools and exam_eligible(question):
            pools[key].append(question)
    return pools


def shortfalls(profile: ExamProfile, questions: Sequence[Question]) -> dict[str, tuple[int, int]]:
    """Domains that have fewer questions than a draw needs: key -> (needed, available)."""
    needed = allocate(profile.questions, {d.key: d.weight for d in profile.domains})
    have = {k: len(pool) for k, pool in exam_pools(profile, questions).items()}
    return {k: (needed[k], have[k]) for k in needed if have[k] < needed[k]}


def _fresh_first(pool: Sequence[Question], avoid: Collection[str], rng: random.Random) -> list:
    """The pool shuffled, with questions from the previous exam moved to the end."""
    fresh = [q for q in pool if q.id not in avoid]
    stale = [q for q in pool if q.id in avoid]
    rng.shuffle(fresh)
    rng.shuffle(stale)
    return fresh + stale


def draw(
    profile: ExamProfile,
    questions: Sequence[Question],
    rng: random.Random,
    avoid: Collection[str] = (),
) -> list[Question]:
    """A domain-weighted random draw of exam-format questions, reproducible for a seed.

    Per domain, at least SCENARIO_SHARE of the questions are scenarios (when the pool has
    them), and questions of the previous exam (``avoid``) come last, so two exams in a row
    share as few questions as the pools allow. A domain with too few questions gives what
    it has; the rest is filled from the other domains.
    """
    from lambda_lab.quiz.style import is_scenario

    pools = exam_pools(profile, questions)
    wanted = allocate(profile.questions, {d.key: d.weight for d in profile.domains})
    chosen: list[Question] = []
    leftovers: list[Question] = []
    for key, pool in pools.items():
        scenarios = _fresh_first([q for q in pool if is_scenario(q)], avoid, rng)
        others = [q for q in pool if not is_scenario(q)]
        quota = min(math.ceil(SCENARIO_SHARE * wanted[key]), len(scenarios))
        picked = scenarios[:quota]
        rest = _fresh_first(scenarios[quota:] + others, avoid, rng)
        picked += rest[: wanted[key] - len(picked)]
        chosen.extend(picked)
        leftovers.extend(rest[wanted[key] - quota :])
    leftovers = _fresh_first(leftovers, avoid, rng)
    chosen.extend(leftovers[: profile.questions - len(chosen)])
    rng.shuffle(chosen)
    return chosen
