"""`lambda-lab quiz` as a command: lint, list, export/import, bad input, and a light start."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from lambda_lab.cli.app import main
from lambda_lab.quiz.bank import load_bank
from lambda_lab.quiz.lint import lint

REPO = Path(__file__).resolve().parents[2]


def test_lint_of_the_shipped_banks_exits_zero(capsys):
    shipped = len(lint().questions)  # the banks grow; the command must count every question
    assert main(["quiz", "lint"]) == 0
    assert capsys.readouterr().out == f"17 files, {shipped} questions: no problems\n"


def test_lint_reports_every_problem_and_exits_one(capsys, write_bank, tmp_path):
    write_bank("one", "topic: one\ntitle: One\nquestions: []\n")
    write_bank("two", "topic: [\n")
    assert main(["quiz", "lint", str(tmp_path / "banks")]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines == [
        f"{tmp_path}/banks/one.yaml:3:12: questions: expected at least one question",
        f"{tmp_path}/banks/two.yaml:2:1: YAML syntax error: did not find expected node content "
        "(while parsing a flow node started at line 2, column 1)",
        "2 problems in 2 files",
    ]


def test_lint_paths_are_shown_relative_to_the_working_directory(capsys, monkeypatch):
    monkeypatch.chdir(REPO)
    pricing = len(load_bank(["pricing"]).questions)
    assert main(["quiz", "lint", "quizzes/pricing.yaml"]) == 0
    assert capsys.readouterr().out == f"1 file, {pricing} questions: no problems\n"


def test_list_shows_topics_and_exam_profiles(capsys):
    invocation = len(load_bank(["invocation_models"]).questions)
    total = len(lint().questions)
    assert main(["quiz", "list"]) == 0
    out = capsys.readouterr().out
    assert f"│ invocation_models       │ {invocation:3} │" in out
    assert f"│ total                   │ {total:3} │" in out
    assert (
        "--exam saa-c03: Solutions Architect Associate (serverless practice exam), 20 questions in 40 min, pass mark 72%"
        in out
    )


def test_bad_input_is_named_with_what_is_available(capsys):
    assert main(["quiz", "lambdas"]) == 2
    assert (
        "lambda-lab quiz: unknown topic 'lambdas'; available: serverless_concepts, first_function"
        in capsys.readouterr().out
    )
    assert main(["quiz", "--exam", "saa-c02"]) == 2
    assert "unknown exam profile 'saa-c02'; available: dva-c02, saa-c03" in capsys.readouterr().out
    assert main(["quiz", "pricing", "--run-experiments"]) == 2
    assert "--run-experiments only applies to 'lint'" in capsys.readouterr().out
    assert main(["quiz", "--learner", "../etc"]) == 2
    assert "learner name '../etc' must be 1-64 letters" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main(["quiz", "--count", "0"])
    assert (
        "argument --count: expected a whole number of at least 1, got '0'"
        in capsys.readouterr().err
    )
    assert main(["quiz", "export"]) == 2
    assert "lambda-lab quiz export: expected one FILE, got 0" in capsys.readouterr().out
    # Found by tests/cli/test_cli_fuzz.py: a NUL reached open() (ValueError) in these.
    for argv in (
        ["quiz", "export", "a\0b"],
        ["quiz", "import", "a\0b"],
        ["invoke", ".", "--event", "@a\0b"],
    ):
        assert main(argv) == 2
        assert "lambda-lab: an argument cannot contain a NUL character, got " in (
            capsys.readouterr().err
        )


def test_export_and_import_through_the_command(capsys, tmp_path, quiz_home):
    from lambda_lab.quiz.progress import ProgressStore

    store = ProgressStore.open()
    store.record("pr-charges", correct=True)
    store.save()
    target = tmp_path / "progress.json"
    assert main(["quiz", "export", str(target)]) == 0
    assert f"Exported 1 question records to {target}" in capsys.readouterr().out
    assert json.loads(target.read_text())["questions"]["pr-charges"]["attempts"] == 1
    assert main(["quiz", "--learner", "binder", "import", str(target)]) == 0
    assert "1 question records updated" in capsys.readouterr().out
    (tmp_path / "junk.json").write_text("junk")
    assert main(["quiz", "import", str(tmp_path / "junk.json")]) == 1
    assert "is not valid JSON" in capsys.readouterr().out


def test_an_unreadable_progress_file_is_reported_when_the_quiz_starts(quiz_home):
    (quiz_home / "quiz").mkdir(parents=True)
    (quiz_home / "quiz" / "default.json").write_text("{broken")
    done = subprocess.run(
        [sys.executable, "-m", "lambda_lab.cli.app", "quiz", "pricing"],
        input="q\n",
        capture_output=True,
        text=True,
        env={**os.environ, "LAMBDA_LAB_HOME": str(quiz_home)},
        timeout=30,
        check=True,
    )
    assert "Note: " in done.stdout and "is not valid JSON" in done.stdout
    assert "default.json.unreadable-" in done.stdout.replace("\n", "")
    assert len(list((quiz_home / "quiz").glob("default.json.unreadable-*"))) == 1


def test_the_quiz_starts_without_the_runtime_aws_sdks_or_jupyter(quiz_home):
    probe = (
        "import sys\n"
        "from lambda_lab.cli.app import main\n"
        "main(['quiz', 'invocation_models'])\n"
        "heavy = ['lambda_lab.lab', 'boto3', 'botocore', 'moto', 'ipywidgets', 'matplotlib', 'IPython', 'numpy']\n"
        "print('LOADED', [name for name in heavy if name in sys.modules])\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe],
        input="",
        capture_output=True,
        text=True,
        env={**os.environ, "LAMBDA_LAB_HOME": str(quiz_home)},
        timeout=30,
        check=True,
    )
    assert f"Question 1/{len(load_bank(['invocation_models']).questions)}" in done.stdout
    assert done.stdout.splitlines()[-1] == "LOADED []"
