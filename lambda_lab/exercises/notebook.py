"""The notebook front end: a widget per exercise and the ``%%exercise NAME`` cell magic.

The widget is a thin view over :func:`attempts.attempt`: its code box holds the learner's
work (the starter at first, the last try when they come back), Check runs it in a fresh Lab,
and the verdict and the next hint appear in the widget itself. Nothing here raises for what
the learner's code does, so Run All (and nbval) pass through an unsolved exercise.
"""

from __future__ import annotations

from typing import Any

from lambda_lab.exercises.attempts import attempt, next_hint
from lambda_lab.exercises.catalog import get
from lambda_lab.exercises.progress import ExerciseProgress
from lambda_lab.exercises.views import hint_html, task_html, verdict_html


class ExerciseWidget:
    def __init__(self, exercise_id: str, learner: str | None = None) -> None:
        import ipywidgets as widgets

        self.exercise = get(exercise_id)
        self.learner = learner
        progress = ExerciseProgress.open(learner)
        kept = progress.entry(self.exercise.id).get("code")
        code = kept if isinstance(kept, str) and kept.strip() else self.exercise.starter
        rows = min(max(code.count("\n") + 2, 8), 40)
        self.task = widgets.HTML(task_html(self.exercise, progress.status(self.exercise.id)))
        self.code = widgets.Textarea(value=code, rows=rows, layout=widgets.Layout(width="100%"))
        self.code.add_class("ll-code")
        self.check_button = widgets.Button(
            description="Check", button_style="primary", icon="check"
        )
        self.hint_button = widgets.Button(description="Hint", icon="lightbulb-o")
        self.reset_button = widgets.Button(description="Reset to starter", icon="undo")
        self.solution_button = widgets.Button(description="Show solution", icon="eye")
        for button in (
            self.check_button,
            self.hint_button,
            self.reset_button,
            self.solution_button,
        ):
            button.layout = widgets.Layout(width="auto")
        self.verdict = widgets.HTML()
        self.hint = widgets.HTML()
        self.check_button.on_click(lambda _: self.check())
        self.hint_button.on_click(lambda _: self.show_hint())
        self.reset_button.on_click(lambda _: self.reset())
        self.solution_button.on_click(lambda _: self.show_solution())
        help_line = widgets.HTML(
            "<small>Edit the code above (use spaces to indent), then press <b>Check</b>: a fresh "
            "Lab deploys and runs it. Prefer a code cell? Start one with "
            f"<code>%%exercise {self.exercise.id}</code>, paste the code under it, and run it.</small>"
        )
        buttons = widgets.HBox(
            [self.check_button, self.hint_button, self.reset_button, self.solution_button]
        )
        self.widget = widgets.VBox(
            [self.task, self.code, help_line, buttons, self.verdict, self.hint]
        )
        self.widget.add_class("ll-exercise-widget")

    def check(self) -> Any:
        self.check_button.disabled = True
        self.verdict.value = "<i>Checking in a fresh Lab…</i>"
        self.hint.value = ""
        try:
            result = attempt(self.exercise.id, self.code.value, learner=self.learner)
        finally:
            self.check_button.disabled = False
        self.verdict.value = verdict_html(result)
        status = "passed" if result.passed else "tried"
        self.task.value = task_html(self.exercise, status)
        return result

    def show_hint(self) -> None:
        progress = ExerciseProgress.open(self.learner)
        number, text = next_hint(self.exercise, progress)
        if number:
            progress.hint_shown(self.exercise.id, number)
            progress.save()
            self.hint.value = hint_html(number, len(self.exercise.hints), text)

    def reset(self) -> None:
        self.code.value = self.exercise.starter
        self.verdict.value = self.hint.value = ""

    def show_solution(self) -> None:
        import html

        self.hint.value = (
            "<div class='ll-exercise'><div class='ll-hint'><b>A solution</b> (yours may differ "
            "and still pass):<pre class='ll-details'>"
            f"{html.escape(self.exercise.solution)}</pre></div></div>"
        )


def check_cell(line: str, cell: str, learner: str | None = None) -> Any:
    """What ``%%exercise NAME`` does, as a plain function: check the cell, return the verdict."""
    name = line.strip()
    if not name:
        raise ValueError(
            "%%exercise needs the exercise's name, e.g. %%exercise 07-reserved-concurrency"
        )
    return attempt(name, cell, learner=learner)


def register_magic(ipython: Any) -> None:
    from IPython.display import HTML, display

    def exercise_cell(line: str, cell: str) -> None:
        try:
            verdict = check_cell(line, cell)
        except (KeyError, ValueError) as problem:  # an unknown name: say so, do not raise
            print(str(problem).strip("'\""))
            return
        display(HTML(verdict_html(verdict)))

    ipython.register_magic_function(exercise_cell, "cell", "exercise")
