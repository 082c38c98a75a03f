"""The terminal quiz: single keys on a TTY, one answer per line from a pipe.

All rules live in the :class:`~lambda_lab.quiz.session.Session`; this module turns key
presses into session calls and session state into rich output.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from rich.console import Console
from rich.text import Text

from lambda_lab.quiz import render
from lambda_lab.quiz.keys import KeyReader, LineReader
from lambda_lab.quiz.kinds import AnswerError, number_text
from lambda_lab.quiz.model import Item
from lambda_lab.quiz.session import Session

if TYPE_CHECKING:
    from lambda_lab.quiz.scoring import Feedback

SAVED = "Saved. Run the same command again to resume where you left off."
NOT_SAVED = (
    "Not saved: progress cannot be kept here (the note says why), so the same command will "
    "start afresh."
)
RUNNING = "Running the Lab experiment behind this question..."
SHOW_OFFER = "Type s to see this in the Lab, or answer the next question."
TYPED_CHARACTERS = set("0123456789.,-")


@dataclass
class Draft:
    """An answer being put together key by key, before Enter submits it."""

    picked: list[str] = field(default_factory=list)  # letters, in the order pressed
    cursor: int = 0
    typed: str = ""  # numeric answers

    def press(self, key: str, item: Item) -> None:
        letters = [o.letter for o in item.options]
        kind = item.question.type
        if key in ("up", "down") and letters:
            self.cursor = (self.cursor + (1 if key == "down" else -1)) % len(letters)
        elif key == "backspace":
            if kind == "numeric":
                self.typed = self.typed[:-1]
            elif self.picked:
                self.picked.pop()
        elif kind == "numeric" and key in TYPED_CHARACTERS:
            self.typed += key
        elif key in letters or (key == "space" and letters):
            letter = letters[self.cursor] if key == "space" else key
            self.cursor = letters.index(letter)
            self._choose(letter, kind)

    def _choose(self, letter: str, kind: str) -> None:
        if kind == "multiple" and letter in self.picked:
            self.picked.remove(letter)
        elif kind == "multiple":
            self.picked.append(letter)
        elif kind == "ordering":
            if letter not in self.picked:
                self.picked.append(letter)
        else:
            self.picked = [letter]

    def text(self, item: Item) -> str:
        return self.typed if item.question.type == "numeric" else "".join(self.picked)

    @classmethod
    def of(cls, item: Item) -> Draft:
        """Start from the item's saved answer (exams let the learner change it)."""
        draft = cls()
        if item.response is None:
            return draft
        if item.question.type == "numeric":
            draft.typed = number_text(item.response)
        elif item.question.type == "ordering":
            draft.picked = [item.letter_of(k) for k in item.response]
        else:
            draft.picked = [o.letter for o in item.options if o.key in item.response]
        return draft


class TerminalQuiz:
    def __init__(self, session: Session, console: Console, title: str) -> None:
        self.session = session
        self.console = console
        self.title = title
        self._revisiting = False
        self._last_graded: int | None = None  # what "s" shows in the one-line-per-answer mode

    # -- shared steps -------------------------------------------------------------------
    def _after_answer(self) -> bool:
        """Move on after an answer; False when there is nothing left to answer."""
        session = self.session
        if session.mode != "exam":
            unanswered = [i for i, item in enumerate(session.items) if not item.answered]
            later = [i for i in unanswered if i > session.index] or unanswered
            if later:
                session.goto(later[0])
            return bool(later)
        if self._revisiting:
            later = [i for i in session.open_items() if i > session.index]
            if later:
                session.goto(later[0])
            return bool(later)
        return session.next()

    def _end(self) -> int:
        report = self.session.finish()
        self.console.print(render.end_view(report, self.title))
        return 0

    def _quit(self) -> int:
        self.session.save()
        progress = self.session.progress
        kept = progress is not None and progress.saving  # a store that gave up says so itself
        self.console.print(Text(SAVED if kept else NOT_SAVED, style="bold"))
        return 0

    def _exam_wrap_up_text(self) -> str:
        open_items = self.session.open_items()
        return (
            f"End of the exam: {len(open_items)} question(s) unanswered or flagged. "
            "Enter finishes and scores the exam; r revisits them; q saves and quits."
        )

    def run(self, reader: KeyReader | LineReader) -> int:
        """Run to the end screen or to a save-and-quit; Ctrl-C saves too."""
        try:
            if isinstance(reader, KeyReader):
                with reader:
                    return self._interactive_loop(reader)
            return self._line_loop(reader)
        except KeyboardInterrupt:
            self.session.save()
            raise

    # -- interactive --------------------------------------------------------------------

    def _interactive_loop(self, keys: KeyReader) -> int:
        while True:
            outcome = self._ask_key_by_key(keys)
            if outcome == "quit":
                return self._quit()
            if outcome == "expired":
                self.console.print(Text("Time is up.", style="bold red"))
                return self._end()
            if outcome == "prev":
                self.session.previous()
                continue
            moved = self._after_answer() if outcome == "answered" else self.session.next()
            if moved:
                continue
            if self.session.mode != "exam" or not self.session.open_items():
                return self._end()
            self.console.print(Text(self._exam_wrap_up_text(), style="bold"))
            key = keys.read(None)
            if key in ("q", "eof"):
                return self._quit()
            if key == "r":
                self._revisiting = True
                self.session.goto(self.session.open_items()[0])
                continue
            return self._end()

    def _ask_key_by_key(self, keys: KeyReader) -> str:
        session = self.session
        item = session.current
        draft = Draft.of(item)
        message = ""
        while True:
            self.console.clear()
            self.console.print(
                render.question_view(session, draft.picked, draft.cursor, draft.typed, message)
            )
            message = ""
            key = keys.read(1.0 if session.time_left() is not None else None)
            while key is None:  # a tick: refresh the clock in the header only
                if session.expired:
                    return "expired"
                self._redraw_header()
                key = keys.read(1.0)
            if key in ("q", "eof"):
                return "quit"
            if session.expired:
                return "expired"
            if session.mode == "exam" and key in ("n", "right", "p", "left"):
                return "prev" if key in ("p", "left") else "next"
            if key == "h":
                message = "" if self.session.hint() else self._no_hint_reason()
            elif key == "m":
                message = "Flagged for review." if session.toggle_flag() else "Flag removed."
            elif key == "enter":
                try:
                    result = session.submit_text(draft.text(item))
                except AnswerError as exc:
                    message = str(exc)
                    continue
                if result is None:
                    return "answered"
                self.console.print(render.feedback_view(result))
                return self._after_feedback_keys(keys)
            else:
                draft.press(key, item)

    def _show(self, index: int | None = None) -> None:
        """Run the Lab experiment of an answered question and print its evidence."""
        self.console.print(Text(RUNNING, style="dim"))
        shown = self.session.show_me(index)
        if shown is not None:
            self.console.print(render.evidence_view(shown))

    def _after_feedback_keys(self, keys: KeyReader) -> str:
        """Any key goes on; s shows the question in the Lab (then waits again); q quits."""
        showable = self.session.can_show()
        offer = "Press any key to go on, " + ("s to see it in the Lab, " if showable else "")
        while True:
            self.console.print(Text(offer + "q to save and quit.", style="dim"))
            key = keys.read(None)
            if key in ("q", "eof"):
                return "quit"
            if key == "s" and showable:
                self._show()
                showable = False  # shown once; the next key goes on
                offer = "Press any key to go on, "
                continue
            return "answered"

    def _no_hint_reason(self) -> str:
        if not self.session.hints_allowed:
            return "No hints in exam mode."
        return "No more hints for this question."

    def _redraw_header(self) -> None:
        # Save the cursor, rewrite line 1 (the header), restore: no flicker, no scroll.
        with self.console.capture() as capture:
            self.console.print(render.header(self.session), end="")
        self.console.file.write(f"\x1b7\x1b[1;1H\x1b[2K{capture.get()}\x1b8")
        self.console.file.flush()

    # -- one answer per line --------------------------------------------------------------
    def _line_loop(self, lines: LineReader) -> int:
        show_question = True
        while True:
            session = self.session
            if session.expired:
                self.console.print(Text("Time is up.", style="bold red"))
                return self._end()
            if show_question:
                self.console.print()
                self.console.print(render.question_view(session, interactive=False))
            show_question = False
            line = lines.read_line()
            if line is None or line.strip().lower() == "q":
                return self._quit()
            if session.expired:
                continue  # the loop's first check ends the exam; this late answer is not taken
            command = line.strip().lower()
            if command == "h":
                hint = self.session.hint()
                shown = f"Hint {len(session.hints())}: {hint}" if hint else self._no_hint_reason()
                self.console.print(Text(shown, style="green" if hint else "yellow"))
            elif command == "m":
                self.console.print(
                    "Flagged for review." if session.toggle_flag() else "Flag removed."
                )
            elif command == "s" and self._last_graded is not None:
                self._show(self._last_graded)
                self._last_graded = None
                show_question = True
            elif session.mode == "exam" and command == "p":
                show_question = session.previous()
            elif session.mode == "exam" and command == "n":
                if not session.next():
                    return self._wrap_up_lines(lines)
                show_question = True
            else:
                try:
                    result: Feedback | None = session.submit_text(line)
                except AnswerError as exc:
                    self.console.print(Text(str(exc), style="yellow"))
                    continue
                if result is not None:
                    self.console.print(render.feedback_view(result))
                    self._last_graded = session.index if session.can_show() else None
                    if self._last_graded is not None:
                        self.console.print(Text(SHOW_OFFER, style="dim"))
                if not self._after_answer():
                    return self._end() if session.mode != "exam" else self._wrap_up_lines(lines)
                show_question = True

    def _wrap_up_lines(self, lines: LineReader) -> int:
        if not self.session.open_items():
            return self._end()
        self.console.print(self._exam_wrap_up_text())
        answer = lines.read_line()
        if answer is None or answer.strip().lower() == "q":
            return self._quit()
        if answer.strip().lower() == "r":
            self._revisiting = True
            self.session.goto(self.session.open_items()[0])
            return self._line_loop(lines)
        return self._end()
