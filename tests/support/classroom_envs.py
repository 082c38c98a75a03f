"""Fresh environments the way a learner or Binder gets them: a clean copy of the repository,
new virtual environments, a JupyterLab server on 127.0.0.1, and the commands run in them.

Every environment gets its own HOME (as Binder's jovyan has), so nothing from this
machine's own Jupyter or lambda-lab settings leaks in; pip keeps using the machine's cache.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil

from lambda_lab.cli.course import START_PAGE

REPO = Path(__file__).resolve().parents[2]
LOOPBACK = "127.0.0.1"
TOKEN = "classroom-test-token"
# Variables of the test run that a fresh shell would not have.


def figures_folder() -> Path:
    """Where the classroom tests leave their figures for the run's summary (gitignored)."""
    artifacts = Path(os.environ.get("LAMBDA_LAB_TEST_ARTIFACTS", REPO / "test-artifacts"))
    return artifacts / "classroom" / "figures"


_NOT_INHERITED = ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "MPLBACKEND")
_NOT_INHERITED_PREFIXES = ("LAMBDA_LAB_", "JUPYTER", "JPY_", "IPYTHON", "PYTEST", "COV_")


def pip_cache_dir() -> str:
    """The machine's pip cache, kept when HOME changes (reinstalls take seconds, not minutes)."""
    return os.environ.get("PIP_CACHE_DIR") or str(Path.home() / ".cache" / "pip")


def tracked_files(repo: Path = REPO) -> list[str]:
    """Files git tracks or would track (untracked but not ignored), as paths in ``repo``."""
    listing = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=repo, capture_output=True, check=True,
    ).stdout.decode()  # fmt: skip
    return sorted({name for name in listing.split("\0") if name and os.path.lexists(repo / name)})


def repository_lessons(repo: Path = REPO) -> list[Path]:
    """The lessons as they are in the repository now (discovered, not listed by hand)."""
    return sorted((repo / "lessons").glob("[0-9]*.ipynb"))


def clean_copy(target: Path, repo: Path = REPO) -> Path:
    """The repository as a fresh clone has it: its .git (from ``git clone``), and the files
    git tracks or would track as they are now, uncommitted work included (in CI the two are
    the same). Modes and symlinks are kept."""
    subprocess.run(
        ["git", "clone", "--quiet", "--no-checkout", str(repo), str(target)],
        check=True, capture_output=True,
    )  # fmt: skip
    for name in tracked_files(repo):
        destination = target / name
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(repo / name, destination, follow_symlinks=False)
    return target


@dataclass
class Step:
    what: str
    seconds: float


@dataclass
class Venv:
    """A virtual environment and the environment variables of a shell that activated it."""

    path: Path
    home: Path
    timings: list[Step] = field(default_factory=list)

    @classmethod
    def create(cls, path: Path, home: Path) -> Venv:
        home.mkdir(parents=True, exist_ok=True)
        venv = cls(path, home)
        # --upgrade-deps: a current pip, as Binder has (the one bundled with Python 3.11 took
        # 25 s of CPU to resolve the course's dependencies; pip 26, 8 s)
        venv.timed(
            "python -m venv --upgrade-deps",
            [sys.executable, "-m", "venv", "--upgrade-deps", str(path)],
            env=venv.environ(),
        )
        return venv

    def bin(self, name: str) -> str:
        return str(self.path / "bin" / name)

    def environ(self, **extra: str) -> dict[str, str]:
        """This process's variables as a fresh shell would have them, then the venv activated."""
        env = {
            key: value
            for key, value in os.environ.items()
            if key not in _NOT_INHERITED and not key.startswith(_NOT_INHERITED_PREFIXES)
        }
        outer_venv = str(Path(sys.prefix) / "bin")  # the test run's own environment
        path = [p for p in env.get("PATH", "").split(os.pathsep) if p and p != outer_venv]
        env.update(
            HOME=str(self.home),
            PATH=os.pathsep.join([str(self.path / "bin"), *path]),
            VIRTUAL_ENV=str(self.path),
            PIP_CACHE_DIR=pip_cache_dir(),
            PIP_DISABLE_PIP_VERSION_CHECK="1",
            PIP_PROGRESS_BAR="off",
        )
        env.update(extra)
        return env

    def run(
        self,
        command: list[str],
        *,
        cwd: Path | None = None,
        timeout: float = 120,
        env: dict[str, str] | None = None,
    ) -> subprocess.CompletedProcess[str]:
        """Run a command in this environment (from its HOME unless ``cwd`` says otherwise)."""
        return subprocess.run(
            command, cwd=cwd or self.home, env=env or self.environ(), capture_output=True,
            text=True, timeout=timeout, stdin=subprocess.DEVNULL, check=False,
        )  # fmt: skip

    def check(self, command: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
        """``run``, and a failure shows the command's output."""
        result = self.run(command, **kwargs)
        if result.returncode != 0:
            raise AssertionError(
                f"{' '.join(command)} exited {result.returncode}\n"
                f"--- stdout\n{result.stdout[-4000:]}\n--- stderr\n{result.stderr[-4000:]}"
            )
        return result

    def timed(
        self, what: str, command: list[str], **kwargs: Any
    ) -> subprocess.CompletedProcess[str]:
        """``check``, with the time it took kept in ``timings``."""
        started = time.monotonic()
        kwargs.setdefault("timeout", 900)
        try:
            return self.check(command, **kwargs)
        finally:
            self.timings.append(Step(what, time.monotonic() - started))

    def pip_install(self, *args: str, cwd: Path | None = None, **env: str) -> None:
        command = [self.bin("python"), "-m", "pip", "install", "-q", *args]
        self.timed(f"pip install {' '.join(args)}", command, cwd=cwd, env=self.environ(**env))

    def remove(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)
        shutil.rmtree(self.home, ignore_errors=True)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((LOOPBACK, 0))
        return int(probe.getsockname()[1])


def get(url: str, timeout: float = 30) -> tuple[int, dict[str, str], bytes]:
    """GET with the server's token; (status, headers, body), also for 4xx/5xx answers."""
    request = urllib.request.Request(url, headers={"Authorization": f"token {TOKEN}"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as reply:
            return reply.status, dict(reply.headers), reply.read()
    except urllib.error.HTTPError as error:
        with error:
            return error.code, dict(error.headers), error.read()


def lab_options(port: int) -> list[str]:
    """Options for ``jupyter lab`` started by a test: loopback, a known port and token."""
    options = [
        f"--ServerApp.port={port}",
        f"--IdentityProvider.token={TOKEN}",
        "--ServerApp.ip=127.0.0.1",
        "--no-browser",
    ]
    if os.geteuid() == 0:
        options.append("--allow-root")  # CI runs as root; Binder never does
    return options


def lab_server(base: Path, root: Path) -> JupyterServer:
    """JupyterLab from this test run's own environment, serving ``root`` on 127.0.0.1 with the
    test token: a fresh HOME and progress folder under ``base``, and ``window.jupyterapp``
    exposed for :class:`lab_page.LessonPage`."""
    venv = Venv(Path(sys.prefix), base / "home")
    venv.home.mkdir(parents=True, exist_ok=True)
    decline_jupyter_news(venv.home)
    port = free_port()
    command = [
        venv.bin("jupyter"),
        "lab",
        "--LabApp.expose_app_in_browser=True",
        f"--ServerApp.root_dir={root}",
        *lab_options(port),
    ]
    environ = venv.environ(LAMBDA_LAB_HOME=str(base / "progress"))
    return JupyterServer(venv, command, port=port, cwd=root, log=base / "jupyter.log", env=environ)


def decline_jupyter_news(home: Path) -> None:
    """Settings in ``home`` as a learner has them after answering "No" to JupyterLab's news
    question (Binder's overrides say the same): otherwise its pop-up sat over the lesson in
    the bottom corner of every screenshot, where a click could land on it."""
    plugin = "@jupyterlab/apputils-extension:notification"
    chosen = json.loads((REPO / "binder" / "overrides.json").read_text())[plugin]
    package, name = plugin.split(":")
    settings = home / ".jupyter" / "lab" / "user-settings" / package / f"{name}.jupyterlab-settings"
    settings.parent.mkdir(parents=True, exist_ok=True)
    settings.write_text(json.dumps(chosen))


def lessons_copy(base: Path) -> Path:
    """A copy of the repository's lessons under ``base`` (what a server may change freely)."""
    lessons = base / "lessons"
    shutil.copytree(REPO / "lessons", lessons)
    return lessons


class JupyterServer:
    """A Jupyter server process started by ``command`` in ``venv``, running until close().

    The command must make it listen on ``port`` with the test token (see lab_options). Ready
    means its runtime file (jpserver-PID.json) exists and /api/status answers.
    """

    def __init__(
        self,
        venv: Venv,
        command: list[str],
        *,
        port: int,
        cwd: Path,
        log: Path,
        env: dict[str, str] | None = None,
    ) -> None:
        self.runtime_dir = venv.home / ".local" / "share" / "jupyter" / "runtime"
        self.log_path = log
        self.port = port
        started = time.monotonic()
        with open(log, "wb") as output:
            self.process = subprocess.Popen(
                command, cwd=cwd, env=env or venv.environ(), stdout=output,
                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            )  # fmt: skip
        try:
            self.info = self._wait_until_ready()
        except BaseException:
            self.close()
            raise
        self.startup_s = time.monotonic() - started

    @property
    def url(self) -> str:
        """The server's base URL, as it published it (``http://127.0.0.1:PORT/``)."""
        return str(self.info["url"])

    def _wait_until_ready(self, timeout: float = 120) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"the server exited {self.process.returncode}:\n{self.log()}")
            for description in self.runtime_dir.glob("jpserver-*.json"):
                try:
                    info = json.loads(description.read_text())
                    if (
                        info.get("port") == self.port
                        and get(info["url"] + "api/status", 5)[0] == 200
                    ):
                        return info
                except (ValueError, KeyError, OSError):
                    pass  # half written, or not listening yet
            time.sleep(0.2)
        raise AssertionError(f"the server did not answer within {timeout} s:\n{self.log()}")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-6000:]

    def close(self) -> None:
        """Stop the server (it shuts its kernels down); kill whatever outlives it."""
        try:
            tree = psutil.Process(self.process.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            tree = []
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        # A wrapper (lambda-lab course) leaves its Jupyter server behind: stop it the same way.
        for survivor in tree:
            try:
                survivor.terminate()
                survivor.wait(30)
            except psutil.TimeoutExpired:
                survivor.kill()
                survivor.wait(5)
            except psutil.Error:
                pass  # ended with the server, as it should


# -- the course as a learner opens it -------------------------------------------------------
# pip's bytecode compilation is half the CPU of an install here (22 of 47 s for Binder's
# requirements) and changes nothing we check. PIP_COMPILE=0, not PIP_NO_COMPILE=1: pip reads
# a variable as the value of the option it names, so PIP_NO_COMPILE=1 turns compiling *on*.
NO_COMPILE = {"PIP_COMPILE": "0"}


def course_server(venv: Venv, folder: Path, *args: str) -> JupyterServer:
    """``lambda-lab course`` as a learner starts it, with a known token and port.

    As root (CI) JupyterLab refuses to start without allow_root; a root user puts it in
    their Jupyter config, and so does this."""
    config = venv.home / ".jupyter"
    config.mkdir(exist_ok=True)
    (config / "jupyter_server_config.json").write_text(
        json.dumps({"ServerApp": {"allow_root": True}})
    )
    port = free_port()
    return JupyterServer(
        venv,
        [venv.bin("lambda-lab"), "course", "--no-browser", "--port", str(port), *args],
        port=port,
        cwd=folder,
        log=venv.home / "course.log",
        env=venv.environ(JUPYTER_TOKEN="classroom-test-token"),
    )


def assert_serves_the_course(server: JupyterServer, lessons_path: str, expected: list[str]) -> None:
    status, _, listing = get(server.url + "api/contents/" + lessons_path)
    assert status == 200, listing
    served = sorted(i["name"] for i in json.loads(listing)["content"] if i["type"] == "notebook")
    assert served == expected
    first = START_PAGE if START_PAGE in served else served[0]
    status, _, body = get(server.url + "api/contents/" + (lessons_path + "/" + first).lstrip("/"))
    assert status == 200 and json.loads(body)["content"]["cells"]
