"""Reading the learner's input: single keys from a terminal, or lines from a pipe.

Both readers return the same small vocabulary, so the terminal quiz has one loop:
a key name ("a", "enter", "space", "up", "backspace"...), or "eof" when input ends.
"""

from __future__ import annotations

import os
import select
import sys
import termios
import tty
from typing import IO, Any

_SEQUENCES = {
    "\r": "enter",
    "\n": "enter",
    " ": "space",
    "\x7f": "backspace",
    "\x08": "backspace",
    "\x04": "eof",  # Ctrl-D
    "\x1b[A": "up",
    "\x1b[B": "down",
    "\x1b[C": "right",
    "\x1b[D": "left",
    "\x1bOA": "up",
    "\x1bOB": "down",
    "\x1bOC": "right",
    "\x1bOD": "left",
}


class KeyReader:
    """Single key presses from a TTY in cbreak mode (Ctrl-C still interrupts).

    Use as a context manager: the terminal's settings are restored on the way out,
    whatever happens inside.
    """

    def __init__(self, stream: IO[str] | None = None) -> None:
        self.fd = (stream or sys.stdin).fileno()
        self._saved: list[Any] | None = None

    def __enter__(self) -> KeyReader:  # noqa: PYI034 - Self needs Python 3.11
        self._saved = termios.tcgetattr(self.fd)
        tty.setcbreak(self.fd)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._saved is not None:
            termios.tcsetattr(self.fd, termios.TCSADRAIN, self._saved)
            self._saved = None

    def _ready(self, timeout: float | None) -> bool:
        return bool(select.select([self.fd], [], [], timeout)[0])

    def read(self, timeout: float | None = None) -> str | None:
        """The next key, or None if ``timeout`` seconds pass first."""
        if not self._ready(timeout):
            return None
        data = os.read(self.fd, 1)
        if not data:
            return "eof"
        text = data.decode("latin-1")
        if text == "\x1b":  # an arrow key arrives as ESC [ A, in one burst
            while len(text) < 3 and self._ready(0.05):
                text += os.read(self.fd, 1).decode("latin-1")
        return _SEQUENCES.get(text, text.lower() if len(text) == 1 else "unknown")


class LineReader:
    """Answers from a non-interactive stdin, one per line (for scripts and tests)."""

    def __init__(self, stream: IO[str] | None = None) -> None:
        self.stream = stream or sys.stdin

    def read_line(self) -> str | None:
        """The next line without its newline, or None at the end of input."""
        line = self.stream.readline()
        return None if line == "" else line.rstrip("\r\n")
