"""``from lambda_lab import Lab`` starts a template process that the first Lab adopts; one
that nobody adopts ends with the process that started it."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest

from lambda_lab.environments import template, template_launch


def test_the_template_reads_the_same_plan_marker_the_launcher_writes() -> None:
    assert template.PLAN_LATER == template_launch.PLAN_LATER


def test_the_first_lab_adopts_the_template_started_by_the_import() -> None:
    cell = (
        "import json, os\n"
        "from lambda_lab import Lab\n"
        "from lambda_lab.environments import template_launch\n"
        "early = template_launch._early[2].pid\n"
        "with Lab() as lab:\n"
        "    lab.deploy('f', 'def lambda_handler(event, context):\\n    return event')\n"
        "    result = lab.invoke('f', {'a': 1})\n"
        "    adopted = lab._spawner.pid\n"
        "    with Lab() as second:\n"
        "        second._spawner.ensure_started()\n"
        "        own = second._spawner.pid\n"
        "print(json.dumps([early, adopted, own, result.payload.decode()]))\n"
    )
    done = subprocess.run([sys.executable, "-c", cell], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    early, adopted, own, payload = json.loads(done.stdout)
    assert adopted == early and own != early  # the second Lab starts its own
    assert json.loads(payload) == {"a": 1}
    assert not _alive(early)


def test_a_template_nobody_adopts_ends_with_its_process() -> None:
    cell = (
        "from lambda_lab import Lab\n"
        "from lambda_lab.environments import template_launch\n"
        "print(template_launch._early[2].pid, flush=True)\n"
    )
    done = subprocess.run([sys.executable, "-c", cell], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    early = int(done.stdout)
    deadline = time.monotonic() + 10
    while _alive(early) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not _alive(early)


@pytest.mark.slow
def test_one_nobody_adopts_in_time_ends_and_a_late_lab_starts_its_own() -> None:
    cell = (
        "import json, time\n"
        "from lambda_lab import Lab\n"
        "from lambda_lab.environments import template, template_launch\n"
        "early = template_launch._early[2]\n"
        "early.wait(timeout=template.UNADOPTED_S + 10)\n"
        "with Lab() as lab:\n"
        "    lab.deploy('f', 'def lambda_handler(event, context):\\n    return event')\n"
        "    result = lab.invoke('f', {'late': True})\n"
        "    print(json.dumps([early.returncode, early.pid != lab._spawner.pid, result.value]))\n"
    )
    done = subprocess.run([sys.executable, "-c", cell], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == [0, True, {"late": True}]


def test_a_lab_of_another_interpreter_leaves_it_for_the_labs_own() -> None:
    assert template_launch.adopt("/nonexistent/python3.99") is None


def _alive(pid: int) -> bool:
    """Running (a zombie, reaped by nobody yet, counts as ended)."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False
