"""The quiz package's public surface, pinned (names are imported lazily)."""

from __future__ import annotations


def test_the_public_surface_is_deliberate():
    import lambda_lab.quiz as quiz

    assert quiz.__all__ == [
        "ProgressStore",
        "Question",
        "Session",
        "export_progress",
        "for_lesson",
        "import_progress",
        "lint_banks",
        "load_bank",
        "show",
    ]
    import lambda_lab.quiz.lint  # noqa: F401  (the submodule must not shadow the function)

    assert all(callable(getattr(quiz, name)) for name in quiz.__all__)
    assert quiz.lint_banks().problems == []
