"""``lambda-lab course``: open the course in JupyterLab, on this machine only.

In a checkout of the repository the lessons open in place. From an installed wheel the
lessons are copied once into a folder of the learner's (``./lambda-lab-course`` unless
``--dir`` says otherwise) so that their edits survive upgrades; an existing copy is never
overwritten.
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import signal
import subprocess
import sys

START_PAGE = "00_start_here.ipynb"


def lessons_source() -> str | None:
    """Where the shipped lessons are: $LAMBDA_LAB_LESSONS, a repository checkout, or the wheel's share/."""
    import site
    from pathlib import Path

    checkout = Path(__file__).resolve().parents[2]  # lambda_lab/cli/course.py -> the repository

    for candidate in (
        os.environ.get("LAMBDA_LAB_LESSONS", ""),
        str(checkout / "lessons"),
        os.path.join(sys.prefix, "share", "lambda-lab", "lessons"),
        os.path.join(site.getuserbase(), "share", "lambda-lab", "lessons"),  # pip install --user
    ):
        if candidate and os.path.isdir(candidate):
            return candidate
    return None


def prepare(folder: str | None) -> tuple[str, str]:
    """(the folder JupyterLab should serve, the notebook to open first)."""
    source = lessons_source()
    if source is None:
        raise SystemExit(
            "lambda-lab: the lessons are not installed. In a checkout of the repository run "
            '`pip install -e ".[course]"`, or set LAMBDA_LAB_LESSONS to a folder of lessons.'
        )
    in_checkout = os.path.exists(
        os.path.join(os.path.dirname(source), ".git")
    )  # a file in a git worktree
    if folder is None and in_checkout:
        return source, START_PAGE
    target = os.path.abspath(folder or "lambda-lab-course")
    if not os.path.isdir(target):
        shutil.copytree(source, target, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
        print(f"Copied the lessons to {target}")
    return target, START_PAGE


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--dir", help="folder for your copy of the lessons (default ./lambda-lab-course)"
    )
    parser.add_argument(
        "--port", type=int, default=0, help="port for JupyterLab on 127.0.0.1 (default: a free one)"
    )
    parser.add_argument(
        "--no-browser", action="store_true", help="start the server without opening a browser"
    )
    parser.add_argument(
        "--print-only", action="store_true", help="prepare the lessons and print the command"
    )


def run(args: argparse.Namespace) -> int:
    folder, start = prepare(args.dir)
    port = args.port or _free_port()
    command = [
        sys.executable, "-m", "jupyter", "lab", "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.root_dir={folder}", f"--ServerApp.port={port}", "--ServerApp.port_retries=0", start,
    ]  # fmt: skip
    if args.no_browser:
        command.append("--no-browser")
    if os.geteuid() == 0:  # containers and CI run as root; the server listens on 127.0.0.1 only
        command.append("--allow-root")
    if args.print_only:
        print(" ".join(command))
        return 0
    if not _has_module("jupyterlab"):
        print(
            "lambda-lab: JupyterLab is not installed here. Add the course extra (lambda-lab[course]): "
            'in a checkout, `pip install -e ".[course]"`; from a wheel, `pip install "<wheel file>[course]"`.',
            file=sys.stderr,
        )
        return 1
    # Our own token, so that the address we print opens the start lesson itself (Jupyter's own
    # printed address opens the last workspace); given through the environment, not argv.
    token = os.environ.get("JUPYTER_TOKEN") or secrets.token_hex(24)
    print(
        f"lambda-lab course: open http://127.0.0.1:{port}/lab/tree/{start}?token={token}\n"
        "(Ctrl-C once stops JupyterLab and its kernels.)",
        flush=True,
    )
    return _run_jupyter(command, folder, {**os.environ, "JUPYTER_TOKEN": token})


def _run_jupyter(command: list[str], folder: str, environ: dict[str, str]) -> int:
    """Run Jupyter in a session of its own, so that Ctrl-C reaches only us: Jupyter would
    answer the terminal's SIGINT with a y/n prompt left over the shell. We stop it with SIGTERM,
    on which it shuts its kernels down and removes its runtime files."""
    server = subprocess.Popen(
        command, cwd=folder, env=environ, stdin=subprocess.DEVNULL, start_new_session=True
    )

    def stop(*_: object) -> None:
        raise KeyboardInterrupt

    previous = {number: signal.signal(number, stop) for number in (signal.SIGTERM, signal.SIGHUP)}
    try:
        return server.wait()
    except KeyboardInterrupt:
        print("\nlambda-lab course: stopping JupyterLab...", file=sys.stderr, flush=True)
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        return 0
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _has_module(name: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(name) is not None
