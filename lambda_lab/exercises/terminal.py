"""``lambda-lab exercises``: list, start, check and watch exercises from a terminal.

    lambda-lab exercises                         # every exercise with its status
    lambda-lab exercises start 07-reserved-concurrency [DIR]   # write the starter file to edit
    lambda-lab exercises check 07-reserved-concurrency [PATH]  # exit 0 on a pass, 1 on a fail
    lambda-lab exercises watch 07-reserved-concurrency [PATH]  # re-check on every save
    lambda-lab exercises check NAME --against solution         # for CI and teachers

Progress is the same as in the notebooks (see progress.py).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from lambda_lab.exercises.model import Exercise

EXIT_PASS, EXIT_FAIL, EXIT_USAGE = 0, 1, 2


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "action",
        nargs="?",
        default="list",
        choices=["list", "show", "start", "check", "watch", "hint"],
        help="what to do (default: list)",
    )
    parser.add_argument("name", nargs="?", help="the exercise, e.g. 07-reserved-concurrency")
    parser.add_argument(
        "path",
        nargs="?",
        help="your file (check/watch; default ./NAME.py) or folder (start; default .)",
    )
    parser.add_argument(
        "--against",
        choices=["starter", "solution"],
        help="check the shipped starter or solution instead of a file (not recorded)",
    )
    parser.add_argument("--lesson", help="list only this lesson's exercises (e.g. 07)")
    parser.add_argument("--force", action="store_true", help="start: overwrite an existing file")
    parser.add_argument("--interval", type=float, default=0.3, help=argparse.SUPPRESS)
    parser.add_argument("--keep-watching", action="store_true", help="watch: go on after a pass")


def run(args: argparse.Namespace, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    from lambda_lab.exercises.catalog import get

    if args.action == "list":
        return _list(args.lesson, out)
    if not args.name:
        print(
            f"lambda-lab exercises {args.action}: name the exercise (see `lambda-lab exercises`)",
            file=sys.stderr,
        )
        return EXIT_USAGE
    try:
        exercise = get(args.name)
    except KeyError as problem:
        print(f"lambda-lab exercises: {str(problem).strip(chr(34) + chr(39))}", file=sys.stderr)
        return EXIT_USAGE
    if args.action == "show":
        _print_task(exercise, out)
        return 0
    if args.action == "hint":
        return _hint(exercise, out)
    if args.action == "start":
        return _start(exercise, args.path, args.force, out)
    if args.action == "check":
        return _check(exercise, args.path, args.against, out)
    return _watch(exercise, args.path, args.interval, args.keep_watching, out)


def _list(lesson: str | None, out: TextIO) -> int:
    from lambda_lab.exercises.catalog import exercises
    from lambda_lab.exercises.progress import ExerciseProgress

    progress = ExerciseProgress.open()
    for notice in progress.notices:
        print(notice, file=sys.stderr)
    marks = {"passed": "✔ passed", "tried": "… tried ", "new": "  new   "}
    shown = [e for e in exercises() if not lesson or e.lesson.startswith(lesson)]
    width = max((len(e.id) for e in shown), default=10)
    for exercise in shown:
        status = progress.status(exercise.id)
        print(
            f"{marks[status]}  {exercise.id:<{width}}  {exercise.kind:<9}  {exercise.title}",
            file=out,
        )
    done = sum(progress.status(e.id) == "passed" for e in shown)
    print(f"\n{done} of {len(shown)} passed. Start one: lambda-lab exercises start NAME", file=out)
    return 0


def _print_task(exercise: Exercise, out: TextIO) -> None:
    from rich.console import Console
    from rich.markdown import Markdown

    console = Console(file=out, width=min(100, Console().width or 100), highlight=False)
    console.print(
        f"[bold]Exercise {exercise.id}[/bold]: {exercise.title}  ({exercise.kind}, lesson {exercise.lesson})"
    )
    console.print(Markdown(exercise.task))


def _hint(exercise: Exercise, out: TextIO) -> int:
    from lambda_lab.exercises.attempts import next_hint
    from lambda_lab.exercises.progress import ExerciseProgress

    progress = ExerciseProgress.open()
    number, text = next_hint(exercise, progress)
    progress.hint_shown(exercise.id, number)
    progress.save()
    print(f"hint {number}/{len(exercise.hints)}: {text}", file=out)
    return 0


def _start(exercise: Exercise, folder: str | None, force: bool, out: TextIO) -> int:
    target = Path(folder or ".") / exercise.file
    if target.exists() and not force:
        print(f"{target} already exists: edit it, or add --force to start over", file=sys.stderr)
        return EXIT_USAGE
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(exercise.starter, encoding="utf-8")
    _print_task(exercise, out)
    print(
        f"\nWrote {target}. Edit it, then: lambda-lab exercises watch {exercise.id} {target}",
        file=out,
    )
    return 0


def _source_path(exercise: Exercise, path: str | None) -> Path:
    return Path(path) if path else Path(exercise.file)


def _check(exercise: Exercise, path: str | None, against: str | None, out: TextIO) -> int:
    from lambda_lab.exercises.attempts import attempt

    if against:
        source = exercise.starter if against == "starter" else exercise.solution
        verdict = attempt(exercise.id, source, record=False)
    else:
        file = _source_path(exercise, path)
        try:
            source = file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as problem:
            print(
                f"cannot read {file}: {problem}. Write it with: lambda-lab exercises start "
                f"{exercise.id}",
                file=sys.stderr,
            )
            return EXIT_USAGE
        verdict = attempt(exercise.id, source)
    print(str(verdict), file=out)
    print(f"  (checked in {verdict.seconds:.1f} s)", file=out)
    return EXIT_PASS if verdict.passed else EXIT_FAIL


def _watch(exercise: Exercise, path: str | None, interval: float, keep: bool, out: TextIO) -> int:
    """Re-check whenever the file changes (its size or modification time), as Rustlings does."""
    from lambda_lab.exercises.attempts import attempt

    file = _source_path(exercise, path)
    print(
        f"Watching {file} for {exercise.id}: save to re-check, Ctrl-C to stop.",
        file=out,
        flush=True,
    )
    seen: tuple[float, int] | None = None
    while True:
        try:
            stat = file.stat()
            stamp = (stat.st_mtime, stat.st_size)
        except OSError:
            stamp = None
        if stamp is not None and stamp != seen:
            seen = stamp
            try:
                source = file.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as problem:
                print(f"cannot read {file}: {problem}", file=out, flush=True)
            else:
                verdict = attempt(exercise.id, source)
                print("\n" + str(verdict), file=out, flush=True)
                if verdict.passed and not keep:
                    print("Done. Next: lambda-lab exercises", file=out, flush=True)
                    return EXIT_PASS
                print(f"Waiting for the next save of {file}...", file=out, flush=True)
        time.sleep(interval)
