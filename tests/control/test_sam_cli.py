"""``lambda-lab deploy``: a SAM project deployed from the terminal, checked, invoked, served."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request

import pytest

from lambda_lab.cli.app import COMMANDS, main
from lambda_lab.cli.deploy import parse_overrides

TEMPLATE = os.path.join(os.path.dirname(__file__), "sam_apps", "orders", "template.yaml")


def test_deploy_is_a_registered_command() -> None:
    assert COMMANDS["deploy"][0] == "lambda_lab.cli.deploy"


def test_check_prints_the_report_and_exits(capsys) -> None:
    assert main(["deploy", TEMPLATE, "--check", "--parameter-overrides", "Stage=prod"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Stack orders: 13 resources")
    assert "POST /orders -> OrdersApiFunction (ServerlessRestApi)" in out
    assert (
        "- Resources.Auditor.Events.Chat (Type AlexaSkill): this event source is not part of the Lab, left out"
        in out
    )


def test_invoke_runs_one_function_once(capsys) -> None:
    event = json.dumps({"version": "2.0", "rawPath": "/health"})
    assert main(["deploy", TEMPLATE, "--invoke", "OrdersApiFunction", "--event", event]) == 0
    out = capsys.readouterr().out
    assert "START RequestId:" in out and "Version: 1" in out  # through the alias
    assert '"body": "{\\"ok\\": true, \\"stage\\": \\"dev\\"}"' in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["deploy", "missing.yaml"], "no such template file: missing.yaml"),
        (["deploy", TEMPLATE, "--check", "--parameter-overrides", "Stage=qa"],
         "Parameter 'Stage' must be one of AllowedValues"),
        (["deploy", TEMPLATE, "--check", "--parameter-overrides", "Stage"], "KEY=VALUE"),
        (["deploy", TEMPLATE, "--invoke", "NoSuchFunction"], "has no resource 'NoSuchFunction'"),
    ],
)  # fmt: skip
def test_bad_input_is_one_clear_line(capsys, argv, message) -> None:
    assert main(argv) == 2
    assert message in capsys.readouterr().err


def test_overrides_take_both_forms() -> None:
    assert parse_overrides(["Stage=prod", "ParameterKey=Size,ParameterValue=512"]) == {
        "Stage": "prod", "Size": "512"}  # fmt: skip


@pytest.mark.slow
def test_deploy_serves_the_application_until_ctrl_c(tmp_path) -> None:
    """A real process: the printed API URL takes an order over HTTP; Ctrl-C stops it cleanly."""
    env = {**os.environ, "HOME": str(tmp_path), "AWS_CONFIG_FILE": os.devnull,
           "AWS_SHARED_CREDENTIALS_FILE": os.devnull}  # fmt: skip
    argv = [sys.executable, "-m", "lambda_lab.cli.app", "deploy", TEMPLATE, "--port", "0"]
    child = subprocess.Popen(
        argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    )
    try:
        lines: list[str] = []
        deadline = time.monotonic() + 90
        assert child.stdout is not None
        while not any("Ctrl-C stops everything" in line for line in lines):
            assert time.monotonic() < deadline, "lambda-lab deploy did not get ready: " + "".join(
                lines
            )
            line = child.stdout.readline()
            assert line, "lambda-lab deploy ended early: " + child.stderr.read()  # type: ignore[union-attr]
            lines.append(line)
        text = "".join(lines)
        orders_url = re.search(
            r"POST /orders -> .*\n\s+(http://127\.0\.0\.1:\d+/Prod/orders)", text
        )
        assert orders_url, text
        request = urllib.request.Request(orders_url.group(1), data=b'{"id": "o-77"}', method="POST")
        with urllib.request.urlopen(request, timeout=30) as answer:
            assert answer.status == 201
            assert json.loads(answer.read()) == {"queued": "o-77", "version": "1"}
        endpoint = re.search(r"export AWS_ENDPOINT_URL=(http://127\.0\.0\.1:\d+)", text)
        assert endpoint, text
        with urllib.request.urlopen(
            f"{endpoint.group(1)}/2015-03-31/functions/", timeout=30
        ) as found:
            names = {f["FunctionName"] for f in json.loads(found.read())["Functions"]}
        assert "CodeDeployHook_orders_preTraffic" in names
    finally:
        child.send_signal(signal.SIGINT)
        out, err = child.communicate(timeout=60)
    assert child.returncode == 0, err
    assert "lambda-lab deploy: stopped" in out
