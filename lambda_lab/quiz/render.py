"""Rich renderables for the terminal quiz: a question, feedback, and the end screen.

Pure functions from session state to renderables; the terminal loop decides when to
print them. Bank text is never parsed as rich markup (it may contain brackets).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from rich.console import Group, RenderableType
from rich.text import Text

from lambda_lab.quiz.model import Item
from lambda_lab.quiz.session import Session

if TYPE_CHECKING:  # loaded by the first answer, "show me" or the end, not to ask a question
    from lambda_lab.quiz.evidence import Demonstration
    from lambda_lab.quiz.scoring import Feedback, Report


def key_help(session: Session, interactive: bool) -> str:
    """The keys that work on the current question: no hint key where there is no hint."""
    item = session.current
    hints = session.hints_allowed and bool(item.question.hints)
    if interactive:
        last = item.options[-1].letter if item.options else "a"
        keys = [f"a-{last} choose", "space toggle", "↑↓ move", "enter submit"]
        keys += ["h hint"] * hints + ["m mark for review", "q save & quit"]
        text = " · ".join(keys)
    else:
        commands = ["h hint"] * hints + ["m mark for review", "q save and quit"]
        text = f"Type your answer and press Enter ({', '.join(commands)})"
    return text + (EXAM_KEYS if session.mode == "exam" else "")


EXAM_KEYS = " · n/p next/previous"
# Signs of Markdown: code, emphasis, headings, quotes, links, lists.
MARKDOWN_SYNTAX = re.compile(r"[`*_#>\[]|^\s*(?:[-+]|\d+\.)\s", re.MULTILINE)


def prose(text: str) -> RenderableType:
    """Bank text for the terminal: Markdown when it uses any, else plain reflowed paragraphs.

    rich.markdown takes ~70 ms to import, so plain prompts do not pay for it; that keeps
    the first question quick (see benchmarks/quiz_startup.py).
    """
    if MARKDOWN_SYNTAX.search(text):
        from rich.markdown import Markdown

        return Markdown(text)
    return Text("\n\n".join(" ".join(p.split()) for p in text.strip().split("\n\n")))


def summary(prompt: str) -> str:
    """A prompt's first paragraph on one line, without Markdown marks, for lists."""
    first = prompt.strip().split("\n\n")[0]
    return " ".join(first.replace("**", "").replace("`", "").split())


def header(session: Session) -> Text:
    item = session.current
    text = Text()
    text.append(f"Question {session.index + 1}/{len(session.items)}", style="bold")
    text.append(f"  {item.question.topic}  ·  {item.question.kind.label}", style="dim")
    if session.mode != "practice":
        text.append(f"  ·  {session.mode}", style="dim")
    if item.flagged:
        text.append("  ⚑ flagged", style="yellow")
    left = session.time_left()
    if left is not None:
        from lambda_lab.quiz.scoring import clock_text

        text.append(f"  ·  time left {clock_text(left)}", style="bold cyan")
    return text


def question_view(
    session: Session,
    picked: Sequence[str] = (),
    cursor: int | None = None,
    typed: str = "",
    message: str = "",
    interactive: bool = True,
) -> RenderableType:
    """The current question, with the learner's draft answer when typing interactively."""
    item = session.current
    question = item.question
    parts: list[RenderableType] = [header(session), Text(), prose(question.prompt)]
    parts.append(Text(question.kind.instructions(question), style="italic"))
    for position, option in enumerate(item.options):
        parts.append(
            _option_line(item, position, option.letter, option.text, picked, cursor, interactive)
        )
    if question.type == "numeric" and interactive:
        parts.append(Text(f"Your answer: {typed}▌ {question.unit}"))
    for number, hint in enumerate(session.hints(), start=1):
        parts.append(Text(f"Hint {number}: {hint}", style="green"))
    if message:
        parts.append(Text(message, style="yellow"))
    parts.extend([Text(), Text(key_help(session, interactive), style="dim")])
    return Group(*parts)


def _option_line(
    item: Item,
    position: int,
    letter: str,
    text: str,
    picked: Sequence[str],
    cursor: int | None,
    interactive: bool,
) -> Text:
    line = Text("› " if cursor == position else "  ", style="bold")
    kind = item.question.type
    if interactive and kind == "ordering":
        line.append(f"{picked.index(letter) + 1}. " if letter in picked else "   ", style="cyan")
    elif interactive and kind == "multiple":
        line.append("[x] " if letter in picked else "[ ] ", style="cyan")
    elif interactive:
        line.append("(•) " if letter in picked else "( ) ", style="cyan")
    line.append(f"{letter}) ", style="bold")
    line.append(text)
    return line


def feedback_view(result: Feedback) -> RenderableType:
    parts: list[RenderableType] = [Text()]
    if result.correct:
        parts.append(Text("✔ Correct", style="bold green"))
    else:
        parts.append(Text(f"✘ Not quite. You answered: {result.given}", style="bold red"))
    parts.append(Text(f"Answer: {result.key}", style="bold"))
    for letter, note in result.notes:
        parts.append(Text(f"  {letter}) {note}"))
    if result.explanation:
        parts.append(prose(result.explanation))
    parts.append(_references(result))
    return Group(*parts)


def evidence_view(shown: Demonstration) -> RenderableType:
    """What the Lab showed for a question's "show me", exhibit by exhibit, text verbatim."""
    parts: list[RenderableType] = [Text()]
    parts.append(Text(f"In the Lab: {shown.description}", style="bold magenta"))
    for item in shown.exhibits:
        parts.append(Text(item.title, style="bold"))
        parts.append(Text(item.text))
    if shown.error:
        parts.append(Text(f"The experiment failed: {shown.error}", style="bold red"))
    parts.append(Text(f"Ran in {shown.seconds:.1f} s in a fresh Lab.", style="dim"))
    return Group(*parts)


def _references(result: Feedback) -> Text:
    text = Text("Read more: ", style="dim")
    text.append(" ".join(result.references), style="blue")
    text.append(f"  ·  lesson {result.lesson}", style="dim")
    return text


def end_view(report: Report, title: str) -> RenderableType:
    parts: list[RenderableType] = []
    score = f"{title}: {report.correct}/{report.total} correct ({report.percent:.0f}%)"
    parts.append(Text(score, style="bold"))
    if report.passed is not None:
        verdict = "PASS" if report.passed else "FAIL"
        style = "bold green" if report.passed else "bold red"
        parts.append(Text(f"{verdict} (pass mark {report.pass_mark}%)", style=style))
    if report.time_limit_s is not None:
        from lambda_lab.quiz.scoring import clock_text

        used = f"Time used {clock_text(report.elapsed_s)} of {clock_text(report.time_limit_s)}"
        parts.append(Text(used, style="dim"))
    if report.domains:
        from rich.table import Table

        table = Table(title="Score by exam domain", title_justify="left")
        for column in ("Exam", "Domain", "Correct", "Score"):
            table.add_column(column, justify="right" if column in ("Correct", "Score") else "left")
        for domain in report.domains:
            correct = f"{domain.correct}/{domain.total}"
            table.add_row(domain.exam, domain.title, correct, f"{domain.percent:.0f}%")
        parts.append(table)
    if report.review:
        parts.append(Text("Wrong and flagged questions", style="bold underline"))
    for entry in report.review:
        state = (
            "flagged" if entry.item.correct else ("wrong" if entry.item.answered else "unanswered")
        )
        parts.append(
            Text(f"\n{entry.number}. [{state}] {summary(entry.item.question.prompt)}", style="bold")
        )
        result = entry.feedback
        parts.append(Text(f"   You answered: {result.given}   Answer: {result.key}"))
        if result.explanation:
            parts.append(prose(result.explanation))
        parts.append(_references(result))
    return Group(*parts)
