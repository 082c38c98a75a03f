"""How far a learner has come, per topic, and the start page's panel that shows it.

    from lambda_lab.quiz.progress_panel import progress_panel
    progress_panel()                      # this learner's progress, one bar per topic

The rows come from the progress store the quiz widget and the terminal share
(:func:`topic_progress`: attempted, mastered and due questions per topic). A question
counts as **mastered** when its last answer was right *and* its spaced-repetition card has
left the learning steps (FSRS state "Review"): one lucky guess is not enough, a second right
answer some minutes later is. A wrong answer sends it back to learning.

On Binder the progress file disappears with the session, so the panel can export it into
the notebook's folder, where JupyterLab's file browser downloads it; ``lambda-lab quiz
import FILE`` (or :func:`lambda_lab.quiz.import_progress`) brings it back next time.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lambda_lab.quiz.bank import Bank, load_bank
from lambda_lab.quiz.lint import BANKS_DIR
from lambda_lab.quiz.progress import ProgressFileError, ProgressStore
from lambda_lab.quiz.schema import lesson_of_topic
from lambda_lab.widgets.prose import prose

REVIEW_STATE = 2  # fsrs.State.Review: the card graduated from its learning steps
DEFAULT_EXPORT = "lambda-lab-progress.json"
_TITLE = re.compile(r"^title:\s*(.+?)\s*$", re.MULTILINE)


@dataclass(frozen=True)
class TopicProgress:
    topic: str
    title: str
    lesson: str | None  # the notebook that teaches it, e.g. "08_monitoring"
    questions: int
    attempted: int
    mastered: int
    due: int  # attempted questions whose card is due for review now

    @property
    def share_mastered(self) -> float:
        return self.mastered / self.questions if self.questions else 0.0


def is_mastered(entry: Mapping[str, Any]) -> bool:
    """The last answer was right and the card is in the Review state."""
    card = entry.get("card") or {}
    return entry.get("last_result") == "correct" and card.get("state") == REVIEW_STATE


def topic_progress(
    store: ProgressStore, bank: Bank | None = None, directory: Path = BANKS_DIR
) -> list[TopicProgress]:
    """One row per topic of the bank (all topics of ``directory`` when None), in lesson order."""
    bank = bank if bank is not None else load_bank(directory=directory)
    by_topic: dict[str, list[str]] = {topic: [] for topic in bank.topics}
    for question in bank.questions:
        by_topic.setdefault(question.topic, []).append(question.id)
    rows = []
    for topic, ids in by_topic.items():
        entries = [store.questions[qid] for qid in ids if qid in store.questions]
        attempted = [e for e in entries if e.get("attempts", 0) > 0]
        rows.append(TopicProgress(
            topic=topic,
            title=bank_title(topic, directory),
            lesson=lesson_of_topic(topic),
            questions=len(ids),
            attempted=len(attempted),
            mastered=sum(1 for e in attempted if is_mastered(e)),
            due=len(store.due(qid for qid in ids if store.questions.get(qid, {}).get("attempts", 0) > 0)),
        ))  # fmt: skip
    return rows


def bank_title(topic: str, directory: Path = BANKS_DIR) -> str:
    """The ``title`` a bank file gives its topic, or the topic's name in words."""
    path = directory / f"{topic}.yaml"
    try:
        found = _TITLE.search(path.read_text(encoding="utf-8"))
    except OSError:
        found = None
    return found.group(1).strip("'\"") if found else topic.replace("_", " ").capitalize()


def progress_text(rows: Sequence[TopicProgress]) -> str:
    """A plain-text table of the rows, with a total line."""
    width = max([len(r.title) for r in rows] + [len("Topic")])
    lines = [f"{'Topic':<{width}}  mastered  attempted  questions  due"]
    for r in rows:
        lines.append(
            f"{r.title:<{width}}  {r.mastered:>8}  {r.attempted:>9}  {r.questions:>9}  {r.due:>3}"
        )
    total = [
        sum(getattr(r, name) for r in rows)
        for name in ("mastered", "attempted", "questions", "due")
    ]
    lines.append(
        f"{'All topics':<{width}}  {total[0]:>8}  {total[1]:>9}  {total[2]:>9}  {total[3]:>3}"
    )
    return "\n".join(lines)


# -- the panel ----------------------------------------------------------------------------------
def progress_html(rows: Sequence[TopicProgress]) -> str:
    """One line per topic with a bar: green for mastered, pale for attempted, grey for the rest."""
    lines = []
    for row in rows:
        total = max(row.questions, 1)
        mastered, tried = 100 * row.mastered / total, 100 * (row.attempted - row.mastered) / total
        bar = (f"<div style='display:flex;width:220px;height:12px;background:#e0e0e0;border-radius:3px'>"
               f"<div style='width:{mastered:.1f}%;background:#2e7d32'></div>"
               f"<div style='width:{tried:.1f}%;background:#a5d6a7'></div></div>")  # fmt: skip
        lesson = f"<code>{row.lesson}</code>" if row.lesson else ""
        due = f"{row.due} due" if row.due else ""
        lines.append(f"<tr><td style='text-align:left'>{html.escape(row.title)}</td><td>{lesson}</td><td>{bar}</td>"
                     f"<td>{row.mastered} / {row.attempted} / {row.questions}</td><td>{due}</td></tr>")  # fmt: skip
    header = ("<tr><th style='text-align:left'>Topic</th><th>Lesson</th><th>Progress</th>"
              "<th>mastered / attempted / questions</th><th>review</th></tr>")  # fmt: skip
    return f"<table>{header}{''.join(lines)}</table>"


class ProgressPanel:
    """A view of :func:`topic_progress` with Refresh and Export buttons; ``.widget`` is shown."""

    def __init__(self, learner: str | None = None, topics: Sequence[str] | None = None) -> None:
        import ipywidgets as w

        self.learner = learner
        self.topics = list(topics) if topics else None
        self.table = w.HTML()
        self.refresh_button = w.Button(description="Refresh", icon="refresh")
        self.export_name = w.Text(value=DEFAULT_EXPORT, description="Export to")
        self.export_button = w.Button(description="Export", icon="download", button_style="success")
        self.status = w.HTML()
        self.refresh_button.on_click(lambda _: self.refresh())
        self.export_button.on_click(lambda _: self.export())
        self.widget = w.VBox([self.table, w.HBox([self.refresh_button, self.export_name, self.export_button]),
                              self.status])  # fmt: skip
        self.refresh()

    def rows(self) -> list[TopicProgress]:
        store = ProgressStore.open(self.learner)
        self.status.value = prose("<br>".join(html.escape(n) for n in store.notices))
        return topic_progress(store, load_bank(self.topics))

    def refresh(self) -> str:
        self.table.value = prose(progress_html(self.rows()))
        return self.table.value

    def export(self) -> Path | None:
        """Write this learner's progress to the file named in the box (relative to the notebook)."""
        target = Path(self.export_name.value.strip() or DEFAULT_EXPORT).expanduser()
        try:
            ProgressStore.open(self.learner).export(target)
        except (OSError, ProgressFileError) as exc:
            self.status.value = (
                f"<span style='color:#d13212'>Could not export: {html.escape(str(exc))}</span>"
            )
            return None
        self.status.value = (f"Saved <code>{html.escape(str(target.resolve()))}</code>. Download it from the file "
                             "browser (right-click, Download) before this session ends.")  # fmt: skip
        return target

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget)


def progress_panel(
    learner: str | None = None, topics: Sequence[str] | None = None
) -> ProgressPanel:
    """This learner's progress per topic, with Refresh and Export buttons."""
    return ProgressPanel(learner, topics)
