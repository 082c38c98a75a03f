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
from collections.abc import Callable, Sequence
from typing import Any

import ipywidgets as widgets

from lambda_lab.quiz.evidence import Demonstration
from lambda_lab.quiz.kinds import AnswerError, number_text
from lambda_lab.quiz.model import Item
from lambda_lab.quiz.scoring import Report, clock_text, feedback
from lambda_lab.quiz.session import Session
from lambda_lab.quiz.start import Start, start, start_lesson
from lambda_lab.quiz.widget_html import evidence_html, feedback_html, markdown, report_html
from lambda_lab.widgets.prose import prose

HIDDEN = "none"
# A follow-up offered when a session ends: (button text, a maker of the next widget).
FollowUp = tuple[str, Callable[[], Any]]


class QuizWidget(widgets.VBox):
    def __init__(
        self,
        session: Session,
        title: str,
        notes: Sequence[str] = (),
        tick_every_s: float = 1.0,
        follow_up: FollowUp | None = None,
    ) -> None:
        self.session = session
        self.tick_every_s = tick_every_s
        self.follow_up = follow_up
        self.shown: dict[int, Demonstration] = {}  # "show me" results, by item position
        self._next_tick: asyncio.TimerHandle | None = None
        self.title = widgets.HTML(f"<h3>{html.escape(title)}</h3>")
        self.notes = widgets.HTML(prose("".join(f"<p><i>{html.escape(n)}</i></p>" for n in notes)))
        self.status = widgets.HTML()
        self.clock = widgets.HTML()
        self.prompt = widgets.HTML()
        self.answer_box = widgets.VBox()
        self.hint_area = widgets.HTML()
        self.message = widgets.HTML()
        self.feedback = widgets.HTML(layout=widgets.Layout(flex="1 1 50%"))
        self.evidence = widgets.HTML(layout=widgets.Layout(flex="1 1 50%"))
        self.end = widgets.HTML()
        self.submit_button = widgets.Button(description="Submit", button_style="primary")
        self.hint_button = widgets.Button(description="Hint", icon="lightbulb-o")
        self.flag_button = widgets.Button(description="Flag", icon="flag")
        self.previous_button = widgets.Button(description="Previous")
        self.next_button = widgets.Button(description="Next")
        self.finish_button = widgets.Button(description="Finish", button_style="warning")
        self.show_button = widgets.Button(
            description="Show me in the Lab",
            icon="flask",
            tooltip="Run the Lab experiment behind this question and show what it did",
            layout=widgets.Layout(width="auto"),
        )
        self.more_button = widgets.Button(
            description=follow_up[0] if follow_up else "",
            button_style="info",
            layout=widgets.Layout(width="auto", display=HIDDEN),
        )
        self.submit_button.on_click(lambda _: self.submit())
        self.hint_button.on_click(lambda _: self.hint())
        self.flag_button.on_click(lambda _: self.flag())
        self.previous_button.on_click(lambda _: self.move(-1))
        self.next_button.on_click(lambda _: self.move(+1))
        self.finish_button.on_click(lambda _: self.finish())
        self.show_button.on_click(lambda _: self.show_me())
        self.more_button.on_click(lambda _: self.continue_with_follow_up())
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
        # The explanation and the Lab's evidence side by side, "show me" under them.
        shown = [self.message, widgets.HBox([self.feedback, self.evidence]), self.show_button]
        super().__init__(children=top + body + shown + [self.end, self.more_button])
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
        self.prompt.value = prose(markdown(question.prompt) + f"<p><i>{instructions}</i></p>")
        self.answer_inputs = self._inputs(item)
        self.answer_box.children = self.answer_inputs
        self.hint_area.value = prose(
            "".join(
                f"<p>💡 Hint {n}: {html.escape(h)}</p>"
                for n, h in enumerate(session.hints(), start=1)
            )
        )
        self.message.value = ""
        graded = item.correct is not None and not session.holds_feedback
        self.feedback.value = prose(feedback_html(feedback(item))) if graded else ""
        self._show_hint_button(bool(question.hints) and session.hints_allowed)
        self._paint_evidence()
        self.submit_button.disabled = graded or session.finished
        self.previous_button.disabled = session.index == 0
        self.next_button.disabled = session.index + 1 >= len(session.items)
        self.tick()
        self._paint_grid()

    def _show_hint_button(self, visible: bool) -> None:
        """No hint button for a question without hints (nothing to promise)."""
        self.hint_button.layout.display = None if visible else HIDDEN

    def _paint_evidence(self) -> None:
        position = self.session.index
        open_ = self.session.can_show()
        self.show_button.layout.display = None if open_ else HIDDEN
        shown = self.shown.get(position)
        self.evidence.value = prose(evidence_html(shown)) if shown and open_ else ""

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
        listing = prose(
            "".join(f"<div><b>{o.letter})</b> {html.escape(o.text)}</div>" for o in item.options)
        )
        if kind == "numeric":
            value = "" if response is None else number_text(response)
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

    def show_me(self) -> Demonstration | None:
        """Run the current question's Lab experiment and show its evidence beside the answer."""
        if not self.session.can_show():
            self.message.value = "This question has no Lab experiment to show yet."
            return None
        self.evidence.value = "<p><i>Running the Lab experiment...</i></p>"
        self.show_button.disabled = True
        try:
            result = self.session.show_me()
        finally:
            self.show_button.disabled = False
        if result is not None:
            self.shown[self.session.index] = result
        self._paint_evidence()
        return result

    def continue_with_follow_up(self) -> Any:
        """Replace this quiz with the offered follow-up (the whole topic's practice)."""
        if self.follow_up is None:
            return None
        following = self.follow_up[1]()
        self._stop_ticking()
        self.children = [following]
        return following

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
        self.end.value = prose(report_html(report))
        self._paint_grid()
        self._paint_evidence()  # an exam's "show me" opens once its feedback is out
        if self.follow_up is not None:
            self.more_button.layout.display = None
        return report


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
    return _widget(begun)


def _widget(begun: Start, follow_up: FollowUp | None = None) -> Any:
    if begun.session is None:
        return widgets.HTML(prose("".join(f"<p>{html.escape(n)}</p>" for n in begun.notes)))
    return QuizWidget(begun.session, begun.title, begun.notes, follow_up=follow_up)


def build_lesson(
    lesson: str, *, count: int, seed: int | None, learner: str | None, new: bool = False
) -> Any:
    """The widget for ``lambda_lab.quiz.for_lesson``: a short quiz, then the whole topic."""
    from lambda_lab.quiz.schema import LESSON_TOPICS
    from lambda_lab.quiz.start import resolve_lesson

    begun = start_lesson(lesson, count=count, seed=seed, learner=learner, new=new)
    topic = LESSON_TOPICS[resolve_lesson(lesson)]

    def whole_topic() -> Any:
        return _widget(start([topic], learner=learner))

    label = f"Practice the whole topic ({topic.replace('_', ' ')})"
    return _widget(begun, (label, whole_topic))
