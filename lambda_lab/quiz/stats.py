"""`lambda-lab quiz lint --stats`: how exam-like each bank is, and how much it gives away.

"Always pick the longest" is the score of a learner who knows nothing and picks the
longest option (the N longest for "(Select N.)"): chance is 25 % on a single answer of
four and 10 % on two of five. A bank well above that teaches a trick, not the topic.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from lambda_lab.quiz.model import Question
from lambda_lab.quiz.profiles import ExamProfile
from lambda_lab.quiz.style import exam_eligible, exam_format, is_scenario, longest_pick_score


@dataclass(frozen=True)
class BankStats:
    name: str
    questions: int
    single: int
    longest_single: float  # percent
    multiple: int
    longest_multiple: float  # percent
    exam_format: float  # percent of the questions in the exam's two formats
    scenario: float  # percent of the questions that are scenarios with a requirement
    exam_pool: int  # questions an exam profile may draw
    exam_scenario: float  # percent of that pool that are scenarios
    experiments: int  # questions with a Lab experiment to show
    hinted: float  # percent with at least one hint


def _percent(part: float, whole: int) -> float:
    return 100.0 * part / whole if whole else 0.0


def bank_stats(name: str, questions: Sequence[Question]) -> BankStats:
    single = [q for q in questions if q.type == "single"]
    multiple = [q for q in questions if q.type == "multiple"]
    pool = [q for q in questions if exam_eligible(q)]
    return BankStats(
        name=name,
        questions=len(questions),
        single=len(single),
        longest_single=_percent(sum(map(longest_pick_score, single)), len(single)),
        multiple=len(multiple),
        longest_multiple=_percent(sum(map(longest_pick_score, multiple)), len(multiple)),
        exam_format=_percent(sum(map(exam_format, questions)), len(questions)),
        scenario=_percent(sum(map(is_scenario, questions)), len(questions)),
        exam_pool=len(pool),
        exam_scenario=_percent(sum(map(is_scenario, pool)), len(pool)),
        experiments=sum(q.experiment is not None for q in questions),
        hinted=_percent(sum(bool(q.hints) for q in questions), len(questions)),
    )


def all_stats(questions: Sequence[Question]) -> list[BankStats]:
    """One row per bank, in the order the questions come, then the whole bank."""
    topics = list(dict.fromkeys(q.topic for q in questions))
    rows = [bank_stats(t, [q for q in questions if q.topic == t]) for t in topics]
    rows.append(bank_stats("all banks", questions))
    return rows


def domain_pools(
    profiles: Iterable[ExamProfile], questions: Sequence[Question]
) -> list[tuple[str, str, int, int]]:
    """(exam, domain, exam-eligible questions, of which scenarios) per profile domain."""
    pools = []
    for profile in profiles:
        for domain in profile.domains:
            pool = [
                q
                for q in questions
                if q.domains.get(profile.exam) == domain.key and exam_eligible(q)
            ]
            pools.append((profile.exam, domain.key, len(pool), sum(map(is_scenario, pool))))
    return pools


def format_stats(questions: Sequence[Question], profiles: Iterable[ExamProfile] = ()) -> str:
    head = (
        f"{'bank':<24}{'qs':>5}{'single':>8}{'longest':>9}{'multi':>7}{'longest':>9}"
        f"{'exam fmt':>10}{'scenario':>10}{'pool':>6}{'pool scen':>11}{'shows':>7}{'hints':>7}"
    )
    lines = [head]
    for row in all_stats(questions):
        lines.append(
            f"{row.name:<24}{row.questions:>5}{row.single:>8}{row.longest_single:>8.0f}%"
            f"{row.multiple:>7}{row.longest_multiple:>8.0f}%{row.exam_format:>9.0f}%"
            f"{row.scenario:>9.0f}%{row.exam_pool:>6}{row.exam_scenario:>10.0f}%"
            f"{row.experiments:>7}{row.hinted:>6.0f}%"
        )
    lines.append(
        "longest: the score of always picking the longest option(s); chance is 25 % "
        "(one of 4) and 10 % (two of 5)"
    )
    pools = domain_pools(profiles, questions)
    if pools:
        lines.append("")
        lines.append(f"{'exam':<9}{'domain':<18}{'pool':>6}{'scenarios':>11}")
        lines.extend(f"{e:<9}{d:<18}{n:>6}{s:>11}" for e, d, n, s in pools)
    return "\n".join(lines)
