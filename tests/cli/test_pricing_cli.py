"""``lambda-lab price``: tables, JSON and clear refusals, through the real entry points."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from lambda_lab.cli.app import COMMANDS, main

MOBILE_BACKEND = ["price", "--requests", "3000000", "--duration-ms", "120", "--memory", "1536"]


def run_json(capsys, *extra):
    assert main([*MOBILE_BACKEND, "--json", *extra]) == 0
    return json.loads(capsys.readouterr().out)


def test_price_is_a_registered_command():
    assert COMMANDS["price"][0] == "lambda_lab.cli.price"


def test_table_shows_the_itemised_bill(capsys):
    assert main(MOBILE_BACKEND) == 0
    out = capsys.readouterr().out
    for text in ("Requests, free tier", "Duration x86_64, free tier", "140,000", "$2.33", "$2.73"):
        assert text in out


def test_json_carries_exact_amounts(capsys):
    data = run_json(capsys)
    assert data["total"] == "2.733338" and data["total_cents"] == "2.73"
    assert [line["description"] for line in data["lines"]] == [
        "Requests, free tier",
        "Requests",
        "Duration x86_64, free tier",
        "Duration x86_64, first 6 billion GB-s",
    ]


@pytest.mark.parametrize(
    ("extra", "total_cents"),
    [
        (["--arch", "arm64"], "2.27"),
        (["--no-free-tier"], "9.60"),  # 3M x $0.0000002 + 540,000 GB-s x $0.0000166667
        (["--ephemeral", "2048"], "2.75"),  # + 540,000 GB-s of /tmp x $0.0000000309
        (["--async-event-kb", "320"], "3.33"),  # 6M request units, 5M of them billed: $1.00
    ],
)
def test_options_change_the_bill(capsys, extra, total_cents):
    assert run_json(capsys, *extra)["total_cents"] == total_cents


def test_provisioned_concurrency_example_two(capsys):
    # https://aws.amazon.com/lambda/pricing/ provisioned concurrency example 2: $32.26.
    argv = ["price", "--requests", "2000000", "--duration-ms", "280", "--memory", "4096"]
    assert main([*argv, "--provisioned", "7", "--provisioned-hours", "24", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["total_cents"] == "32.26"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--memory", "64"], "argument --memory: --memory must be in range 128..10,240 (got 64)"),
        (["--memory", "lots"], "--memory must be an integer (got 'lots')"),
        (["--duration-ms", "1e9"], "--duration-ms must be in range 1..900000 (got 1e9)"),
        (["--duration-ms", "0.5"], "--duration-ms must be in range 1..900000 (got 0.5)"),
        (["--ephemeral", "20000"], "--ephemeral must be in range 512..10,240 (got 20,000)"),
        (["--requests", "-1"], "--requests must be >= 0 (got -1)"),
        (["--arch", "sparc"], "invalid choice: 'sparc'"),
        (["--async-event-kb", "2048"], "--async-event-kb must be in range 0..1,024 (got 2,048)"),
    ],
)
def test_bad_arguments_end_with_a_clear_message(capsys, argv, message):
    with pytest.raises(SystemExit) as exit_info:
        main([*MOBILE_BACKEND, *argv])
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--provisioned", "5"], "--provisioned needs --provisioned-hours"),
        (["--provisioned-hours", "2"], "need --provisioned N"),
        (
            ["--provisioned", "1", "--provisioned-hours", "1", "--provisioned-requests", "9000000"],
            "--provisioned-requests must be at most --requests (3,000,000) (got 9,000,000)",
        ),
    ],
)
def test_inconsistent_provisioned_options_are_refused(capsys, argv, message):
    assert main([*MOBILE_BACKEND, *argv]) == 2
    assert message in capsys.readouterr().err


def test_help_shows_examples_and_the_free_tier_rule(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["price", "--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert "lambda-lab price --requests 3000000 --duration-ms 120 --memory 1536\n" in out
    words = " ".join(out.split())  # the help text is wrapped to the terminal's width
    assert "arm64 costs about 20% less per GB-s" in words
    assert "it never covers provisioned concurrency" in words


def test_console_script_prints_json():
    script = Path(sys.executable).with_name("lambda-lab")
    done = subprocess.run(
        [str(script), *MOBILE_BACKEND, "--arch", "arm64", "--json"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert json.loads(done.stdout)["total_cents"] == "2.27"
