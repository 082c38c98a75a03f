"""HTML for the notebook: a task, a verdict, a hint. Plain functions, tested without a browser."""

from __future__ import annotations

import html
from functools import lru_cache
from typing import Any

from lambda_lab.exercises.model import Exercise, Verdict
from lambda_lab.widgets.prose import LINE_HEIGHT

# Long words (ARNs, JSON) wrap at any character rather than overflow; code keeps its lines.
STYLE = """<style>
/* ipywidgets sets a one-line control's 28 px line height on HTML content */
.ll-exercise { max-width: 60rem; line-height: TEXT_LINE_HEIGHT; }
.ll-exercise .ll-verdict { padding: .4rem .6rem; border-radius: 4px; margin: .3rem 0;
  overflow-wrap: anywhere; white-space: normal; }
.ll-exercise .ll-pass { background: #e8f5e9; border-left: 4px solid #2e7d32; }
.ll-exercise .ll-fail { background: #fff3e0; border-left: 4px solid #ef6c00; }
.ll-exercise .ll-error { background: #ffebee; border-left: 4px solid #c62828; }
.ll-exercise .ll-details { font-family: var(--jp-code-font-family, monospace); font-size: 85%;
  white-space: pre-wrap; overflow-wrap: anywhere; margin: .3rem 0 0 0; }
.ll-exercise .ll-hint { background: #e3f2fd; border-left: 4px solid #1565c0; padding: .4rem .6rem;
  border-radius: 4px; margin: .3rem 0; }
.ll-code textarea { font-family: var(--jp-code-font-family, monospace) !important;
  font-size: var(--jp-code-font-size, 13px) !important; line-height: 1.35 !important; }
</style>""".replace("TEXT_LINE_HEIGHT", LINE_HEIGHT)


@lru_cache(maxsize=1)
def _markdown() -> Any:
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark").enable("table")


def markdown_html(text: str) -> str:
    return str(_markdown().render(text))


def task_html(exercise: Exercise, status: str = "new") -> str:
    badge = {"passed": " ✔ passed", "tried": " (tried)", "new": ""}[status]
    return (
        f"{STYLE}<div class='ll-exercise'><h4>Exercise {html.escape(exercise.id)}: "
        f"{html.escape(exercise.title)}<small>{badge}</small></h4>"
        f"{markdown_html(exercise.task)}</div>"
    )


def hint_html(number: int, count: int, text: str) -> str:
    inline = markdown_html(text).strip().removeprefix("<p>").removesuffix("</p>")
    return f"<div class='ll-exercise'><div class='ll-hint'><b>Hint {number}/{count}:</b> {inline}</div></div>"


def verdict_html(verdict: Verdict) -> str:
    title = {"pass": "✔ Passed", "fail": "✘ Not yet", "error": "✘ The check could not finish"}[
        verdict.status
    ]
    parts = [f"<b>{title}:</b> {html.escape(verdict.seen)}"]
    if verdict.expected:
        parts.append(f"<br><b>Expected:</b> {html.escape(verdict.expected)}")
    if verdict.details:
        parts.append(f"<div class='ll-details'>{html.escape(verdict.details.rstrip())}</div>")
    parts.append(
        f"<div style='opacity:.6;font-size:85%'>checked in a fresh Lab in {verdict.seconds:.1f} s</div>"
    )
    body = f"<div class='ll-verdict ll-{verdict.status}'>{''.join(parts)}</div>"
    hint = hint_html(verdict.hint_number, verdict.hint_count, verdict.hint) if verdict.hint else ""
    return f"{STYLE}<div class='ll-exercise'>{body}</div>{hint}"
