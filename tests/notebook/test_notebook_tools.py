"""The console-style Test panel and the %%lambda cell magic, driven without a browser."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

from lambda_lab import Lab
from lambda_lab.notebook.magics import CLOSED_LAB, deploy_cell
from lambda_lab.widgets import InvokePanel


def test_test_button_shows_result_log_and_report(lab: Lab) -> None:
    lab.deploy(
        "demo-lambda",
        "def lambda_handler(event, context):\n    print('got', event)\n    return event['key1']\n",
    )
    panel = InvokePanel(lab, "demo-lambda", event={"key1": "value1"})
    panel.test_button.click()
    assert panel.last is not None and panel.last.ok and panel.last.cold
    assert "Succeeded (cold start)" in panel.summary.value
    assert "Init" in panel.summary.value
    assert "&quot;value1&quot;" in panel.result.value
    assert "REPORT RequestId" in panel.log.value and "got {" in panel.log.value
    panel.test_button.click()
    assert "Succeeded (warm start)" in panel.summary.value


def test_test_button_reports_bad_json_and_missing_functions(lab: Lab) -> None:
    panel = InvokePanel(lab, "nobody-home")
    panel.event_text.value = "{not json"
    panel.test_button.click()
    assert "not valid JSON" in panel.summary.value
    panel.event_text.value = json.dumps({})
    panel.test_button.click()
    assert "ResourceNotFoundException" in panel.summary.value


def test_failed_invoke_is_shown_as_failed(lab: Lab) -> None:
    lab.deploy("boom", "def lambda_handler(e, c):\n    raise ValueError('nope')\n")
    run = InvokePanel(lab, "boom").test()
    assert not run.ok and run.summary.startswith("Failed")
    assert '"errorType": "ValueError"' in run.result


def test_cell_magic_creates_then_updates(lab: Lab) -> None:
    config = deploy_cell(
        lab,
        "hello --memory 256 --timeout 5 --env GREETING=hi",
        "def lambda_handler(e, c):\n    import os\n    return os.environ['GREETING']\n",
    )
    assert (config["MemorySize"], config["Timeout"]) == (256, 5)
    assert lab.invoke("hello").value == "hi"
    deploy_cell(lab, "hello --arch arm64", "def lambda_handler(e, c):\n    return 'v2'\n")
    assert lab.invoke("hello").value == "v2"
    assert lab.service.get_function_configuration("hello")["Architectures"] == ["arm64"]


def test_cell_magic_rejects_bad_lines(lab: Lab) -> None:
    with pytest.raises(ValueError, match="Usage"):
        deploy_cell(lab, "--memory 256", "def lambda_handler(e, c):\n    pass\n")
    with pytest.raises(ValueError, match="KEY=VALUE"):
        deploy_cell(lab, "f --env NOEQUALS", "def lambda_handler(e, c):\n    pass\n")


def test_cell_magic_refuses_a_closed_notebook_lab_then_uses_the_new_one() -> None:
    """In a real IPython shell (its own process, so no other test's Lab is open): after the
    lesson's Lab is closed, %%lambda says so in one line and makes no Lab; after
    ``lab = Lab()`` it deploys into that Lab."""
    code = textwrap.dedent(
        """
        from IPython.core.interactiveshell import InteractiveShell
        shell = InteractiveShell.instance()
        shell.run_line_magic("load_ext", "lambda_lab.notebook.magics")
        from lambda_lab import Lab
        from lambda_lab.wiring import lifetime
        lab = Lab()
        lab.close()
        handler = "def lambda_handler(event, context):\\n    return 'hi'\\n"
        shell.run_cell_magic("lambda", "hello", handler)
        print("OPEN AFTER REFUSAL:", lifetime.latest_open())
        lab = Lab()
        shell.run_cell_magic("lambda", "hello --memory 256", handler)
        print("INVOKED:", lab.invoke("hello").value)
        lab.close()
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == CLOSED_LAB
    assert "lab = Lab()" in lines[0] and "closed" in lines[0]
    assert lines[1] == "OPEN AFTER REFUSAL: None"
    assert lines[2].startswith("Deployed hello (") and "256 MB" in lines[2]
    assert lines[3] == "INVOKED: hi"
