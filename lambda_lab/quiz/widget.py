"""The Jupyter quiz: an ipywidgets view over a Session (all rules live in the session).

Practice shows feedback and hints at once; an exam shows a clock and a grid to jump
between questions, and holds feedback until Finish. The clock ticks on the kernel's own
asyncio loop (a Jupyter kernel always runs one), so there is no thread to clean up; where
no loop runs, as in plain pytest, ``tick()`` is called by hand. Tests drive the rest by
setting ``.value`` and calling ``.click()``.
"""

from __future__ import annotations

import asyncio
import html
from collections.abc import Sequence
from typing import Any

import ipywidgets as widgets

from lambda_lab.quiz.kinds import AnswerError
from lambda_lab.quiz.model import Item
from lambda_lab.quiz.scoring import Feedback, Report, clock_text, feedback
from lambda_lab.quiz.session import Session
from lambda_lab.quiz.start import start


def markdown(text: str) -> str:
    """Bank Markdown as HTML; raw HTML in the bank is escaped, never rendered."""
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark", {"html": False}).render(text)


class QuizWidget(widgets.VBox):
    def __init__(
        self, session: Session, title: str, notes: Sequence[str] = (), tick_every_s: float = 1.0
    ) -> None:
        self.session = session
        self.tick_every_s = tick_every_s
        self._next_tick: asyncio.TimerHandle | None = None
        self.title = widgets.HTML(f"<h3>{html.escape(title)}</h3>")
        self.notes = widgets.HTML("".join(f"<p><i>{html.escape(n)}</i></p>" for n in notes))
        self.status = widgets.HTML()
        self.clock = widgets.HTML()
        self.prompt = widgets.HTML()
        self.answer_box = widgets.VBox()
        self.hint_area = widgets.HTML()
        self.message = widgets.HTML()
        self.feedback = widgets.HTML()
        self.end = widgets.HTML()
        self.submit_button = widgets.Button(description="Submit", button_style="primary")
        self.hint_button = widgets.Button(description="Hint", icon="lightbulb-o")
        self.flag_button = widgets.Button(description="Flag", icon="flag")
        self.previous_button = widgets.Button(description="Previous")
        self.next_button = widgets.Button(description="Next")
        self.finish_button = widgets.Button(description="Finish", button_style="warning")
        self.submit_button.on_click(lambda _: self.submit())
        self.hint_button.on_click(lambda _: self.hint())
        self.flag_button.on_click(lambda _: self.flag())
        self.previous_button.on_click(lambda _: self.move(-1))
        self.next_button.on_click(lambda _: self.move(+1))
        self.finish_button.on_click(lambda _: self.finish())
        self.grid = widgets.GridBox(
            layout=widgets.Layout(grid_template_columns="repeat(10, 3.2em)")
        )
        self.grid_buttons = [self._grid_button(i) for i in range(len(session.items))]
        self.grid.children = self.grid_buttons
        exam = session.mode == "exam"
        self.answer_inputs: list[widgets.Widget] = []
        if exam:
            buttons = [self.submit_button, self.flag_button, self.previous_button]
            buttons += [self.next_button, self.finish_button]
            top = [self.title, self.notes, self.status, self.clock, self.grid]
        else:
            buttons = [self.submit_button, self.hint_button, self.flag_button, self.next_button]
            top = [self.title, self.notes, self.status]
        body = [self.prompt, self.answer_box, self.hint_area, widgets.HBox(buttons)]
        super().__init__(children=top + body + [self.message, self.feedback, self.end])
        self.show_item()
        if exam:
            self._schedule_tick()

    # -- drawing ------------------------------------------------------------------------
    def _grid_button(self, index: int) -> widgets.Button:
        button = widgets.Button(description=str(index + 1), layout=widgets.Layout(width="3em"))
        button.on_click(lambda _: self.jump(index))
        return button

    def show_item(self) -> None:
        """Draw the current question, its saved answer and (after grading) its feedback."""
        session = self.session
        item = session.current
        question = item.question
        flag = " · ⚑ flagged" if item.flagged else ""
        position = f"Question {session.index + 1}/{len(session.items)}"
        about = f"{html.escape(question.topic)} · {question.kind.label}{flag}"
        self.status.value = f"<b>{position}</b> · {about}"
        self.flag_button.description = "Unflag" if item.flagged else "Flag"
        instructions = html.escape(question.kind.instructions(question))
        self.prompt.value = markdown(question.prompt) + f"<p><i>{instructions}</i></p>"
        self.answer_inputs = self._inputs(item)
        self.answer_box.children = self.answer_inputs
        self.hint_area.value = "".join(
            f"<p>💡 Hint {n}: {html.escape(h)}</p>" for n, h in enumerate(session.hints(), start=1)
        )
        self.message.value = ""
        graded = item.correct is not None and not session.holds_feedback
        self.feedback.value = feedback_html(feedback(item)) if graded else ""
        self.submit_button.disabled = graded or session.finished
        self.previous_button.disabled = session.index == 0
        self.next_button.disabled = session.index + 1 >= len(session.items)
        self.tick()
        self._paint_grid()

    def _inputs(self, item: Item) -> list[widgets.Widget]:
        kind = item.question.type
        response = item.response
        if kind in ("single", "true_false"):
            picked = next((o.letter for o in item.options if response and o.key in response), None)
            options = [(f"{o.letter}) {o.text}", o.letter) for o in item.options]
            wide = widgets.Layout(width="100%")
            return [widgets.RadioButtons(options=options, value=picked, layout=wide)]
        if kind == "multiple":
            return [
                widgets.Checkbox(
                    value=bool(response and o.key in response),
                    description=f"{o.letter}) {o.text}",
                    indent=False,
                    layout=widgets.Layout(width="100%"),
                )
                for o in item.options
            ]
        listing = "".join(
            f"<div><b>{o.letter})</b> {html.escape(o.text)}</div>" for o in item.options
        )
        if kind == "numeric":
            value = "" if response is None else f"{response:g}"
            placeholder = item.question.unit
        else:  # ordering
            value = "" if response is None else "".join(item.letter_of(k) for k in response)
            placeholder = "letters in order, e.g. " + "".join(o.letter for o in item.options[::-1])
        return [widgets.HTML(listing), widgets.Text(value=value, placeholder=placeholder)]

    def draft_text(self) -> str:
        """What the learner has entered, in the form the session parses."""
        kind = self.session.current.question.type
        if kind in ("single", "true_false"):
            return self.answer_inputs[0].value or ""
        if kind == "multiple":
            boxes = zip(self.session.current.options, self.answer_inputs, strict=True)
            return "".join(option.letter for option, box in boxes if box.value)
        return self.answer_inputs[-1].value

    def _paint_grid(self) -> None:
        pairs = zip(self.grid_buttons, self.session.items, strict=True)
        for index, (button, item) in enumerate(pairs):
            style = "warning" if item.flagged else "info" if item.answered else ""
            button.button_style = "primary" if index == self.session.index else style
            button.tooltip = (
                "flagged" if item.flagged else "answered" if item.answered else "not answered"
            )

    # -- actions ------------------------------------------------------------------------
    def submit(self) -> None:
        session = self.session
        try:
            result = session.submit_text(self.draft_text())
        except AnswerError as exc:
            self.message.value = f"<span style='color:#b36b00'>{html.escape(str(exc))}</span>"
            self.tick()  # if the time is up, this ends the exam now
            return
        if result is None:  # exam: keep going
            if not session.next():
                self.message.value = "Answer saved. Use the grid to revisit, then Finish."
                self._paint_grid()
                return
            self.show_item()
            return
        self.show_item()
        if session.complete:
            self.finish()

    def hint(self) -> None:
        text = self.session.hint()
        if text is None:
            self.message.value = "No more hints for this question."
            return
        self.show_item()

    def flag(self) -> None:
        self.session.toggle_flag()
        self.show_item()

    def move(self, step: int) -> None:
        if self.session.next() if step > 0 else self.session.previous():
            self.show_item()

    def jump(self, index: int) -> None:
        self.session.goto(index)
        self.show_item()

    def tick(self) -> None:
        """Refresh the exam clock; time running out finishes the exam."""
        left = self.session.time_left()
        if left is None or self.session.finished:
            return
        self.clock.value = f"<b>⏱ Time left {clock_text(left)}</b>"
        if left <= 0:
            self.finish()

    def _schedule_tick(self) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # no event loop here (plain Python): tick() is driven by hand
            return
        self._next_tick = loop.call_later(self.tick_every_s, self._tick_and_reschedule)

    def _tick_and_reschedule(self) -> None:
        self._next_tick = None
        self.tick()
        if not self.session.finished:
            self._schedule_tick()

    @property
    def ticking(self) -> bool:
        return self._next_tick is not None

    def _stop_ticking(self) -> None:
        if self._next_tick is not None:
            self._next_tick.cancel()
            self._next_tick = None

    def close(self) -> None:
        self._stop_ticking()
        super().close()

    def finish(self) -> Report:
        report = self.session.finish()
        self._stop_ticking()
        for button in (self.submit_button, self.hint_button, self.flag_button, self.finish_button):
            button.disabled = True
        self.end.value = report_html(report)
        self._paint_grid()
        return report


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


def build(
    topics: Sequence[str],
    *,
    exam: str | None,
    mode: str,
    seed: int | None,
    count: int | None,
    learner: str | None,
    new: bool = False,
) -> Any:
    """The widget for ``lambda_lab.quiz.show``; an HTML note when there is nothing to ask."""
    begun = start(topics, exam=exam, mode=mode, seed=seed, count=count, learner=learner, new=new)
    if begun.session is None:
        return widgets.HTML("".join(f"<p>{html.escape(n)}</p>" for n in begun.notes))
    return QuizWidget(begun.session, begun.title, begun.notes)
