"""No lesson leaves a process behind when its kernel shuts down or restarts.

Lessons keep their Lab open until the learner's clean-up step, so most kernels end with a
Lab still running. A Jupyter shutdown or restart first tells the shell to exit (the Lab
closes then), and only then SIGTERMs the kernel's children. Before that hook, lesson 02b's
bash runtime left its ``mktemp``, ``curl`` or subshell behind, stopped, after every restart.

The real-kernel tests run lesson 02b's cells in a kernel started by jupyter_client, as
JupyterLab does, then shut it down or restart it and look with psutil for any process the
kernel had started. They leave out the quiz and the cells that drive the first example function
(`demo-lambda`) through the AWS CLI: each call is a process of its own that has ended before
its cell does (about half a CPU-second each, nine calls a run); nbval and the browser test run
those cells. The bash runtime is still deployed through the CLI, as the lesson does it.
"""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import nbformat
import psutil
import pytest
from memory_probe import still_running

LESSONS = Path(__file__).resolve().parents[2] / "lessons"
BASH_LESSON = LESSONS / "02b_cli_and_custom_runtimes.ipynb"


def test_a_shell_told_to_exit_closes_its_labs() -> None:
    """What a kernel shutdown or restart does first: set the shell's exit_now."""
    code = textwrap.dedent(
        """
        from IPython.core.interactiveshell import InteractiveShell
        shell = InteractiveShell.instance()
        from lambda_lab import Lab
        first, second = Lab(), Lab()
        first.deploy("hello", "def lambda_handler(event, context):\\n    return 1\\n")
        first.invoke("hello", {})
        template = first._spawner.pid
        shell.exit_now = True
        import os
        print(first.closed, second.closed, os.path.exists(f"/proc/{template}"))
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    assert done.stdout.split() == ["True", "True", "False"], done.stderr


FIRST_EXAMPLE = re.compile(r"\bdemo-lambda\b")  # the CLI cells of the lesson's first function


def _run_lesson(kernel_client, notebook) -> None:
    code = [c for c in notebook.cells if c.cell_type == "code"][:-1]  # all but the quiz
    cells = [c for c in code if not FIRST_EXAMPLE.search(c.source)]
    assert len(code) - len(cells) >= 5, "the lesson's demo-lambda cells were not recognised"
    for cell in cells:
        reply = kernel_client.execute_interactive(
            cell.source, timeout=300, output_hook=lambda _message: None
        )
        assert reply["content"]["status"] == "ok", (cell.source[:200], reply["content"])


@pytest.mark.slow
@pytest.mark.timeout(600)
@pytest.mark.parametrize("ending", ["shutdown", "restart"])
def test_lesson_02b_leaves_nothing_behind(ending: str, tmp_path: Path) -> None:
    pytest.importorskip("awslambdaric", reason="lesson 02b needs the course extra")
    from jupyter_client import KernelManager

    notebook = nbformat.read(BASH_LESSON, as_version=4)
    kernel = KernelManager(kernel_name="python3")
    kernel.start_kernel(cwd=str(tmp_path))
    client = kernel.client()
    client.start_channels()
    try:
        client.wait_for_ready(timeout=60)
        _run_lesson(client, notebook)
        # One more call: the bash environment is then frozen while its loop waits in `curl`
        # for the next event (the state in which a stopped child used to be left behind).
        client.execute_interactive(
            'lab.invoke("bash-words", {"text": "one more"}); import time; time.sleep(0.3)',
            timeout=60,
            output_hook=lambda _message: None,
        )
        started = psutil.Process(kernel.provisioner.pid).children(recursive=True)
        names = {p.name() for p in started}
        assert "bootstrap" in names, f"the bash runtime should be running: {sorted(names)}"
        if ending == "shutdown":
            kernel.shutdown_kernel()
        else:
            kernel.restart_kernel()
        deadline = time.monotonic() + 5  # SIGKILLed processes take a moment to be reaped
        while still_running(started) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not still_running(started), f"left after a kernel {ending}: {still_running(started)}"
    finally:
        client.stop_channels()
        if kernel.has_kernel:
            kernel.shutdown_kernel(now=True)
