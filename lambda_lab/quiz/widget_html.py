"""HTML for the Jupyter quiz: feedback, the Lab's evidence ("show me") and the report.

Pure functions from quiz values to HTML strings; bank text is Markdown rendered with raw
HTML escaped, and every other value is escaped before it is placed in the page.
"""

from __future__ import annotations

import html

from lambda_lab.quiz.evidence import Demonstration
from lambda_lab.quiz.scoring import Feedback, Report, clock_text


def markdown(text: str) -> str:
    """Bank Markdown as HTML; raw HTML in the bank is escaped, never rendered."""
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark", {"html": False}).render(text)


def feedback_html(result: Feedback) -> str:
    verdict = (
        "<b style='color:#2e7d32'>✔ Correct</b>"
        if result.correct
        else f"<b style='color:#c62828'>✘ Not quite.</b> You answered: {html.escape(result.given)}"
    )
    parts = [f"<p>{verdict}</p>", f"<p><b>Answer:</b> {html.escape(result.key)}</p>"]
    parts += [f"<p>{letter}) {html.escape(note)}</p>" for letter, note in result.notes]
    if result.explanation:
        parts.append(markdown(result.explanation))
    links = " ".join(
        f"<a href='{html.escape(u)}' target='_blank'>{html.escape(u)}</a>"
        for u in result.references
    )
    parts.append(f"<p>Read more: {links} · lesson {html.escape(result.lesson)}</p>")
    return "".join(parts)


def evidence_html(shown: Demonstration) -> str:
    """What the Lab showed, exhibit by exhibit (text kept verbatim in <pre> blocks)."""
    parts = [f"<p><b>In the Lab:</b> {html.escape(shown.description)}</p>"]
    for item in shown.exhibits:
        parts.append(f"<div><b>{html.escape(item.title)}</b></div>")
        parts.append(
            "<pre style='white-space: pre-wrap; overflow-wrap: anywhere; font-size: 90%'>"
            f"{html.escape(item.text)}</pre>"
        )
    if shown.error:
        parts.append(
            f"<p style='color:#c62828'>The experiment failed: {html.escape(shown.error)}</p>"
        )
    parts.append(f"<p><i>Ran in {shown.seconds:.1f} s in a fresh Lab.</i></p>")
    return "".join(parts)


def report_html(report: Report) -> str:
    parts = [f"<h3>Score: {report.correct}/{report.total} ({report.percent:.0f}%)</h3>"]
    if report.passed is not None:
        verdict = "PASS" if report.passed else "FAIL"
        parts.append(f"<p><b>{verdict}</b> (pass mark {report.pass_mark}%)</p>")
    if report.time_limit_s is not None:
        used = f"{clock_text(report.elapsed_s)} of {clock_text(report.time_limit_s)}"
        parts.append(f"<p>Time used {used}</p>")
    if report.domains:
        head = "<tr><th>Exam</th><th>Domain</th><th>Correct</th><th>Score</th></tr>"
        rows = "".join(
            f"<tr><td>{d.exam}</td><td>{html.escape(d.title)}</td>"
            f"<td>{d.correct}/{d.total}</td><td>{d.percent:.0f}%</td></tr>"
            for d in report.domains
        )
        parts.append(f"<table>{head}{rows}</table>")
    for entry in report.review:
        state = (
            "flagged" if entry.item.correct else ("wrong" if entry.item.answered else "unanswered")
        )
        parts.append(f"<h4>{entry.number}. [{state}]</h4>{markdown(entry.item.question.prompt)}")
        parts.append(feedback_html(entry.feedback))
    return "".join(parts)
