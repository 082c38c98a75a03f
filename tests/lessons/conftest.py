"""The lesson tests that drive a real browser share its fixtures (tests/support)."""

from lesson_browser import lessons_server, page  # noqa: F401
