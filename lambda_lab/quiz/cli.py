"""`lambda-lab quiz`: drill exam questions in the terminal, lint banks, move progress.

    lambda-lab quiz [TOPIC...] [--exam PROFILE | --review | --drill] [--seed N]
    lambda-lab quiz lint [PATH...] [--run-experiments] [--stats]
    lambda-lab quiz list | experiments | export FILE | import FILE

Imports happen inside ``run`` so that ``lambda-lab --help`` stays instant.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console

    from lambda_lab.quiz.progress import ProgressStore

ACTIONS = ("lint", "list", "experiments", "export", "import")


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "words",
        nargs="*",
        metavar="TOPIC",
        help=(
            "topics (default: all); or one of: lint [PATH...], list, experiments, "
            "export FILE, import FILE"
        ),
    )
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument(
        "--exam", metavar="PROFILE", help="a timed exam drawn by domain weight (saa-c03, dva-c02)"
    )
    mode.add_argument("--review", action="store_true", help="questions you got wrong or flagged")
    mode.add_argument("--drill", action="store_true", help="questions due for spaced repetition")
    parser.add_argument(
        "--seed", type=int, help="seed for draws and shuffles (reproducible sessions)"
    )
    parser.add_argument("--count", type=_positive, metavar="N", help="ask at most N questions")
    parser.add_argument(
        "--learner",
        metavar="NAME",
        help="whose progress (default: $LAMBDA_LAB_LEARNER or 'default')",
    )
    parser.add_argument(
        "--new", action="store_true", help="discard a saved session and start afresh"
    )
    parser.add_argument(
        "--plain", action="store_true", help="read one answer per line even on a terminal"
    )
    parser.add_argument(
        "--run-experiments",
        action="store_true",
        help="lint: also run the Lab experiments that verify answer keys (slow)",
    )
    parser.add_argument(
        "--stats",
        action="store_true",
        help="lint: also print per-bank figures (always-pick-the-longest score, exam shares)",
    )


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got {text!r}")
    return int(text)


def run(args: argparse.Namespace) -> int:
    words = list(args.words)
    action = words.pop(0) if words and words[0] in ACTIONS else None
    if action == "lint":  # plain text only: no need to pay for rich
        return _lint(words, args.run_experiments, args.stats)
    from rich.console import Console

    console = Console(highlight=False)
    for flag, given in (("--run-experiments", args.run_experiments), ("--stats", args.stats)):
        if given:
            _say(console, f"lambda-lab quiz: {flag} only applies to 'lint'", "red")
            return 2
    if action == "list":
        return _list(console)
    if action == "experiments":
        return _experiments()
    if action in ("export", "import"):
        return _move_progress(console, action, words, args.learner)
    return _quiz(console, words, args)


def _say(console: Console, text: str, style: str = "") -> None:
    """A plain message: never parsed as markup, never wrapped (scripts grep these lines)."""
    console.print(text, style=style, markup=False, soft_wrap=True)


def _lint(paths: list[str], run_experiments: bool, stats: bool = False) -> int:
    from lambda_lab.quiz.lint import format_problems, lint

    result = lint([Path(p) for p in paths] or None, run_experiments=run_experiments)
    print(format_problems(result))  # plain print: file:line:col lines must not be wrapped
    if stats:
        from lambda_lab.quiz.stats import format_stats

        print()
        print(format_stats(result.questions, result.profiles.values()))
    return 0 if result.ok else 1


def _experiments() -> int:
    """The Lab experiments questions can run, with what each one shows."""
    from lambda_lab.quiz.experiments import EXPERIMENTS

    for experiment in EXPERIMENTS.values():
        print(f"{experiment.name}: {experiment.description}")
    return 0


def _list(console: Console) -> int:
    from rich.table import Table

    from lambda_lab.quiz.bank import load_bank
    from lambda_lab.quiz.kinds import KINDS
    from lambda_lab.quiz.profiles import packaged_profiles

    bank = load_bank()
    short = {"single": "single", "multiple": "multi", "true_false": "t/f", "numeric": "number"}
    table = Table(title="Question banks", title_justify="left")
    table.add_column("topic", no_wrap=True)
    for column in ("all", *KINDS):
        table.add_column(short.get(column, column[:5]), justify="right")
    rows = [(topic, [q for q in bank.questions if q.topic == topic]) for topic in bank.topics]
    rows.append(("total", list(bank.questions)))
    for topic, questions in rows:
        counts = [sum(q.type == kind for q in questions) for kind in KINDS]
        table.add_row(topic, str(len(questions)), *map(str, counts))
    console.print(table)
    for profile in packaged_profiles().values():
        minutes = int(profile.time_limit_s // 60)
        shape = f"{profile.questions} questions in {minutes} min, pass mark {profile.pass_mark}%"
        _say(console, f"--exam {profile.id}: {profile.title}, {shape}")
    return 0


def _move_progress(console: Console, action: str, words: list[str], learner: str | None) -> int:
    from lambda_lab.quiz.progress import ProgressFileError, ProgressStore

    if len(words) != 1:
        _say(console, f"lambda-lab quiz {action}: expected one FILE, got {len(words)}", "red")
        return 2
    try:
        store = ProgressStore.open(learner)
        _print_notices(console, store)
        if action == "export":
            store.export(Path(words[0]))
            _say(console, f"Exported {len(store.questions)} question records to {words[0]}")
        else:
            changed = store.import_file(Path(words[0]))
            _say(console, f"Imported {words[0]}: {changed} question records updated")
    except (ProgressFileError, OSError) as exc:
        _say(console, f"lambda-lab quiz {action}: {exc}", "red")
        return 1
    return 0


def _print_notices(console: Console, store: ProgressStore, start: int = 0) -> None:
    for notice in store.notices[start:]:
        _say(console, f"Note: {notice}", "yellow")


def _quiz(console: Console, words: list[str], args: argparse.Namespace) -> int:
    from lambda_lab.quiz.bank import UnknownTopic
    from lambda_lab.quiz.keys import KeyReader, LineReader
    from lambda_lab.quiz.progress import ProgressFileError
    from lambda_lab.quiz.start import StartError, start
    from lambda_lab.quiz.terminal import TerminalQuiz

    mode = "review" if args.review else "drill" if args.drill else "practice"
    try:
        begun = start(
            words,
            exam=args.exam,
            mode=mode,
            seed=args.seed,
            count=args.count,
            learner=args.learner,
            new=args.new,
        )
    except (UnknownTopic, ProgressFileError, StartError) as exc:
        _say(console, f"lambda-lab quiz: {exc}", "red")
        return 2
    for note in begun.notes:
        _say(console, note, "yellow")
    if begun.session is None:
        return 0
    interactive = sys.stdin.isatty() and sys.stdout.isatty() and not args.plain
    reader = KeyReader() if interactive else LineReader()
    shown = len(begun.store.notices)
    code = TerminalQuiz(begun.session, console, begun.title).run(reader)
    _print_notices(console, begun.store, shown)
    return code
