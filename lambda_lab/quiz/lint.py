"""The bank linter: every problem in every file, with file:line:column and the field.

The quiz itself loads banks through :func:`lint` too, so a question the linter rejects
is never shown, and a question that is shown has passed every rule here.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from lambda_lab.quiz import checks
from lambda_lab.quiz.kinds import KINDS, Kind
from lambda_lab.quiz.loader import read
from lambda_lab.quiz.model import Question, build_question
from lambda_lab.quiz.profiles import (
    Domain,
    ExamProfile,
    exam_domains,
    packaged_profiles,
    read_profiles,
    shortfalls,
)
from lambda_lab.quiz.schema import (
    BANK_FIELDS,
    BANKS_DIR,
    COMMON_FIELDS,
    ID_PATTERN,
    LESSON_PATTERN,
    LINKABLE_LESSONS,
    REFERENCE_PATTERN,
    SLUG_PATTERN,
    shown_path,
)
from lambda_lab.quiz.style import StyleIssue, bank_issues
from lambda_lab.quiz.validate import Problem, Reporter, Scope, describe

ALL_KIND_FIELDS = tuple(sorted({f for kind in KINDS.values() for f in kind.fields}))


@dataclass
class LintResult:
    problems: list[Problem] = field(default_factory=list)
    questions: list[Question] = field(default_factory=list)  # the ones without problems
    profiles: dict[str, ExamProfile] = field(default_factory=dict)
    files: int = 0
    # Give-aways and out-of-date facts (style.py): the question is still shown, but the
    # bank does not pass until they are fixed.
    style: list[StyleIssue] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems and not self.style


def split_paths(paths: Iterable[Path]) -> tuple[list[Path], list[Path], list[Problem]]:
    """Bank files and profile files named by ``paths`` (directories are searched)."""
    banks: list[Path] = []
    profiles: list[Path] = []
    missing: list[Problem] = []
    for path in paths:
        if path.is_dir():
            banks.extend(sorted(path.glob("*.yaml")))
            profiles.extend(sorted((path / "profiles").glob("*.yaml")))
        elif path.is_file():
            (profiles if path.parent.name == "profiles" else banks).append(path)
        else:
            missing.append(Problem(str(path), 1, 1, "", "no such file or directory"))
    return banks, profiles, missing


def lint(
    paths: Sequence[Path] | None = None, *, run_experiments: bool = False, style: bool = True
) -> LintResult:
    """Lint banks and profiles (the packaged ones when ``paths`` is None).

    ``style=False`` skips the style rules (give-aways, outdated facts, near-duplicates): they
    never leave a question out, so a front end loading questions does not need them."""
    banks, profile_paths, problems = split_paths([BANKS_DIR] if paths is None else paths)
    result = LintResult(problems=problems, files=len(banks) + len(profile_paths))
    profile_problems, linted = read_profiles(profile_paths, shown_path)
    result.problems.extend(profile_problems)
    result.profiles = {**packaged_profiles(), **linted}
    exams = exam_domains(result.profiles.values())
    result.problems.extend(_disagreeing_profiles(result.profiles.values()))
    first_seen: dict[str, str] = {}
    for path in banks:
        document = read(path, shown_path(path))
        reporter = Reporter(document)
        for question in _lint_bank(reporter, exams, first_seen, run_experiments):
            result.questions.append(question)
        result.problems.extend(reporter.problems)
    if banks and linted:
        result.problems.extend(_profile_shortfalls(linted.values(), result.questions))
    result.problems.sort(key=lambda p: (p.path, p.line, p.column))
    if style:
        result.style = bank_issues(result.questions)
    return result


def _lint_bank(
    reporter: Reporter,
    exams: dict[str, dict[str, Domain]],
    first_seen: dict[str, str],
    run_experiments: bool,
) -> list[Question]:
    document = reporter.document
    if document.syntax_error:
        (line, column), message = document.syntax_error
        reporter.problems.append(Problem(document.path, line, column, "", message))
        return []
    for duplicate in document.duplicates:
        line, column = duplicate.first
        reporter.report(duplicate.path, f"duplicate key (first at line {line}, column {column})")
        reporter.problems[-1] = _at(reporter.problems[-1], duplicate.mark)
    root = reporter.root()
    if not root.expect(isinstance(root.value, dict), "a mapping with topic, title and questions"):
        return []
    root.only_fields(BANK_FIELDS, "a bank")
    topic = root.field("topic")
    if topic.text(required=True):
        stem = Path(document.path).stem
        if not SLUG_PATTERN.fullmatch(topic.value):
            topic.report(f"expected a lower-case topic name, got {describe(topic.value)}")
        elif topic.value != stem:
            topic.report(f"topic '{topic.value}' does not match the file name '{stem}.yaml'")
    root.field("title").text(required=True)
    questions = root.field("questions")
    if not questions.require() or not questions.expect(isinstance(questions.value, list), "a list"):
        return []
    if not questions.value:
        questions.report("expected at least one question")
    built: list[Question] = []
    for q in questions.items():
        before = len(reporter.problems)
        _validate_question(q, exams)
        _check_unique_id(q, first_seen)
        if len(reporter.problems) > before:
            continue
        line = document.mark(q.path)[0]
        question = build_question(q.value, str(topic.value), f"{document.path}:{line}")
        if _check_agrees(q, question, run_experiments):
            built.append(question)
    return built


def _check_unique_id(q: Scope, first_seen: dict[str, str]) -> None:
    qid = q.field("id")
    if not isinstance(qid.value, str) or not ID_PATTERN.fullmatch(qid.value):
        return  # already reported as malformed
    if qid.value in first_seen:
        qid.report(f"duplicate id '{qid.value}' (first defined at {first_seen[qid.value]})")
    else:
        where = qid.reporter.document.mark(qid.path)
        first_seen[qid.value] = f"{qid.reporter.document.path}:{where[0]}:{where[1]}"


def _at(problem: Problem, mark: tuple[int, int]) -> Problem:
    return Problem(problem.path, mark[0], mark[1], problem.field, problem.message)


def _validate_question(q: Scope, exams: dict[str, dict[str, Domain]]) -> None:
    if not q.expect(isinstance(q.value, dict), "a question (a mapping)"):
        return
    qid = q.field("id")
    if qid.require() and not (isinstance(qid.value, str) and ID_PATTERN.fullmatch(qid.value)):
        expected = "lower-case letters, digits and dashes (2-64)"
        qid.report(f"expected {expected}, got {describe(qid.value)}")
    kind_scope = q.field("type")
    kind = None
    if kind_scope.require() and kind_scope.text():
        kind = KINDS.get(kind_scope.value)
        if kind is None:
            guess = difflib.get_close_matches(kind_scope.value, list(KINDS), n=1)
            hint = f" (did you mean '{guess[0]}'?)" if guess else ""
            known = ", ".join(KINDS)
            kind_scope.report(f"unknown type '{kind_scope.value}'{hint}; expected one of: {known}")
    allowed = COMMON_FIELDS + (kind.fields if kind else ALL_KIND_FIELDS)
    q.only_fields(allowed, f"a '{kind_scope.value}' question")
    q.field("prompt").text(required=True)
    _validate_domains(q.field("domains"), exams)
    _validate_references(q.field("references"))
    _validate_lesson(q.field("lesson"))
    q.field("difficulty").integer(1, 3)
    hints = q.field("hints")
    if hints.present:
        hints.text_list(minimum=1)
    explanation = q.field("explanation")
    explanation.text()
    check = q.field("check")
    if check.present:
        _validate_check(check, kind)
    q.field("practice_only").expect(
        isinstance(q.field("practice_only").value, bool), "true or false"
    )
    demo = q.field("demo")
    if demo.present and demo.text():
        _validate_experiment_name(demo)
    if kind is not None:
        explained = isinstance(explanation.value, str) and bool(explanation.value.strip())
        if not explanation.present and not kind.per_choice_feedback:
            reason = f"a '{kind.name}' question has no choice feedback"
            explanation.report(f"missing required field ({reason})")
        kind.validate(q, explained=explained, checked=check.present)


def _validate_domains(domains: Scope, exams: dict[str, dict[str, Domain]]) -> None:
    if not domains.require() or not domains.mapping():
        return
    if not domains.value:
        domains.report("expected at least one exam, e.g. {SAA-C03: resilient}")
    for exam, key in domains.value.items():
        domain = domains.field(exam)
        if exam not in exams:
            known = ", ".join(sorted(exams))
            message = f"unknown exam '{exam}'; expected one of: {known}"
            domains.reporter.report(domain.path, message, key=True)
        elif not isinstance(key, str) or key not in exams[exam]:  # a list or mapping is no domain
            known = ", ".join(sorted(exams[exam]))
            shown = f"'{key}'" if isinstance(key, str) else describe(key)
            domain.report(f"unknown domain {shown} for {exam}; expected one of: {known}")


def _validate_references(references: Scope) -> None:
    if not references.require():
        return
    if isinstance(references.value, list) and not references.value:
        references.report("expected at least one https:// URL")
        return
    if references.text_list(minimum=1):
        for item in references.items():
            if not REFERENCE_PATTERN.fullmatch(item.value):
                item.report(f"expected an https:// URL, got {describe(item.value)}")


def _validate_lesson(lesson: Scope) -> None:
    if not lesson.require() or not lesson.text():
        return
    match = LESSON_PATTERN.fullmatch(lesson.value)
    if not match:
        lesson.report(f"expected 'NN_lesson#section', got {describe(lesson.value)}")
    elif match.group(1) not in LINKABLE_LESSONS:
        lesson.report(
            f"unknown lesson '{match.group(1)}'; lessons are {', '.join(sorted(LINKABLE_LESSONS))}"
        )


def _validate_check(check: Scope, kind: Kind | None) -> None:
    if not check.mapping():
        return
    check.only_fields(checks.CHECK_FIELDS, "a check")
    named = [name for name in checks.CHECK_FIELDS if name in check.value]
    if len(named) != 1:
        check.report("expected exactly one of 'limit' or 'experiment'")
        return
    target = check.field(named[0])
    if not target.text():
        return
    if named[0] == "experiment":
        _validate_experiment_name(target)
    else:
        try:
            checks.evaluate_limit(target.value)
        except checks.CheckError as exc:
            target.report(str(exc))
    if kind is not None and not kind.checkable:
        usable = ", ".join(name for name, k in KINDS.items() if k.checkable)
        check.report(f"a '{kind.name}' question has no single key to check; use {usable}")


def _validate_experiment_name(target: Scope) -> None:
    from lambda_lab.quiz.experiments import EXPERIMENTS

    if target.value not in EXPERIMENTS:
        guess = difflib.get_close_matches(str(target.value), list(EXPERIMENTS), n=1)
        hint = f" (did you mean '{guess[0]}'?)" if guess else ""
        target.report(
            f"unknown experiment '{target.value}'{hint}; see `lambda-lab quiz experiments`"
        )


def _check_agrees(q: Scope, question: Question, run_experiments: bool) -> bool:
    try:
        disagreement = checks.verify(question, run_experiments=run_experiments)
    except checks.CheckError as exc:
        disagreement = str(exc)
    if disagreement:
        q.field("check").report(disagreement)
    return disagreement is None


def _profile_problem(profile: ExamProfile, field_name: str, message: str) -> Problem:
    line, column = read(Path(profile.source)).mark((field_name,))
    return Problem(profile.source, line, column, field_name, message)


def _disagreeing_profiles(profiles: Iterable[ExamProfile]) -> list[Problem]:
    first: dict[str, ExamProfile] = {}
    problems = []
    for profile in profiles:
        other = first.setdefault(profile.exam, profile)
        if other.domains != profile.domains:
            message = f"differ from profile '{other.id}' for the same exam {profile.exam}"
            problems.append(_profile_problem(profile, "domains", message))
    return problems


def _profile_shortfalls(
    profiles: Iterable[ExamProfile], questions: list[Question]
) -> list[Problem]:
    problems = []
    for profile in profiles:
        for key, (needed, have) in shortfalls(profile, questions).items():
            draw = f"a draw of {profile.questions} needs {needed}"
            message = f"{draw} in domain '{key}', the banks have {have}"
            problems.append(_profile_problem(profile, "questions", message))
    return problems


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def format_problems(result: LintResult) -> str:
    """The report the command prints: one line per problem, then a summary."""
    lines = [str(p) for p in result.problems] + [str(i) for i in result.style]
    files = _plural(result.files, "file")
    found = len(result.problems) + len(result.style)
    if found:
        lines.append(f"{_plural(found, 'problem')} in {files}")
    else:
        lines.append(f"{files}, {_plural(len(result.questions), 'question')}: no problems")
    return "\n".join(lines)
