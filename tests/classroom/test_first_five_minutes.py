"""The first five minutes of a new user, tried for real: a wheel built from the repository
installed into a fresh environment; then ``lambda-lab --help``, the terminal quiz, and the
course opening in JupyterLab with every lesson there. (The README's own command in a clean
clone: test_readme_quick_start.py, a work unit of its own.)"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import time
import zipfile
from email import message_from_bytes
from pathlib import Path

import pexpect
import pytest
import tomllib
from classroom_envs import (
    NO_COMPILE,
    REPO,
    Venv,
    assert_serves_the_course,
    clean_copy,
    course_server,
    repository_lessons,
    tracked_files,
)
from lab_page import answer_for
from packaging.requirements import Requirement

from lambda_lab.cli.app import COMMANDS

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b[78]")
INSTRUCTIONS = re.compile(
    r"Choose one\.|Select \d+\.|True or false\?|Type a number|Put them in order"
)
# Fresh environments: minutes each on a cold pip cache.
pytestmark = pytest.mark.timeout(1200)


@pytest.fixture(scope="module")
def clone(tmp_path_factory: pytest.TempPathFactory):
    if shutil.which("git") is None or not (REPO / ".git").exists():
        pytest.skip("needs git and a git checkout of the repository (to know what a clone holds)")
    target = clean_copy(tmp_path_factory.mktemp("fresh-clone") / "lambda-lab")
    yield target
    shutil.rmtree(target, ignore_errors=True)


@pytest.fixture(scope="module")
def wheel(clone: Path, tmp_path_factory: pytest.TempPathFactory, figures) -> Path:
    dist = tmp_path_factory.mktemp("dist")
    started = time.monotonic()
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(dist), "."],
        cwd=clone, check=True, capture_output=True, timeout=600,
    )  # fmt: skip
    figures.append(f"wheel: built in {time.monotonic() - started:.0f} s")
    (built,) = dist.glob("lambda_lab-*.whl")
    return built


def console(venv: Venv, *args: str) -> str:
    return venv.check([venv.bin("lambda-lab"), *args]).stdout


# -- the wheel ------------------------------------------------------------------------------------
def test_the_wheel_holds_every_file_the_package_and_course_need(wheel, clone):
    names = set(zipfile.ZipFile(wheel).namelist())
    package = [n for n in tracked_files() if n.startswith("lambda_lab/") and (clone / n).exists()]
    assert package and not [name for name in package if name not in names]
    data = "lambda_lab-0.1.0.data/data/share/lambda-lab/lessons/"
    shipped = sorted(name[len(data) :] for name in names if name.startswith(data))
    assert shipped == [p.name for p in repository_lessons(clone)]
    assert not [n for n in names if n.startswith(("tests/", "benchmarks/", "binder/", "lessons/"))]
    info = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
    assert "lambda-lab = lambda_lab.cli.app:main" in zipfile.ZipFile(wheel).read(info).decode()
    metadata = zipfile.ZipFile(wheel).read(next(n for n in names if n.endswith("METADATA")))
    declared = {
        str(Requirement(line)) for line in message_from_bytes(metadata).get_all("Requires-Dist")
        if ";" not in line  # extras carry a marker
    }  # fmt: skip
    project = tomllib.loads((clone / "pyproject.toml").read_text())["project"]
    assert declared == {str(Requirement(line)) for line in project["dependencies"]}


@pytest.fixture(scope="module")
def wheel_env(wheel: Path, tmp_path_factory: pytest.TempPathFactory, figures):
    base = tmp_path_factory.mktemp("from-wheel")
    venv = Venv.create(base / "venv", base / "home")
    venv.pip_install(str(wheel), **NO_COMPILE)
    took = sum(step.seconds for step in venv.timings)
    compiled = list((venv.path / "lib").glob("python3.*/site-packages/lambda_lab/**/*.pyc"))
    assert not compiled, f"NO_COMPILE did not stop pip compiling: {compiled[:3]}"
    figures.append(f"wheel: fresh environment with its dependencies in {took:.0f} s")
    yield venv
    venv.remove()


@pytest.mark.slow
def test_help_lists_every_command(wheel_env, figures):
    started = time.monotonic()
    text = console(wheel_env, "--help")
    figures.append(
        f"first five minutes: lambda-lab --help answered in {time.monotonic() - started:.2f} s"
    )
    for name in COMMANDS:
        assert re.search(rf"^\s+{name}\s", text, re.MULTILINE), (
            f"{name} missing from --help:\n{text}"
        )
    assert console(wheel_env, "--version").strip() == "lambda-lab 0.1.0"


@pytest.mark.slow
def test_terminal_quiz_from_the_wheel(wheel_env, figures):
    topics = console(wheel_env, "quiz", "list")
    banks = sorted(p.stem for p in (REPO / "lambda_lab" / "quizzes").glob("*.yaml"))
    assert banks and all(topic in topics for topic in banks)

    started = time.monotonic()
    child = pexpect.spawn(
        wheel_env.bin("lambda-lab"), ["quiz", "--count", "1", "--seed", "3"],
        env=wheel_env.environ(TERM="xterm-256color"), cwd=str(wheel_env.home),
        dimensions=(50, 120), encoding="utf-8", timeout=30,
    )  # fmt: skip
    try:
        child.expect("enter submit")
        waited = time.monotonic() - started
        figures.append(
            f"first five minutes: terminal quiz asked its first question after {waited:.2f} s"
        )
        screen = ANSI.sub("", child.before)
        letters = list(dict.fromkeys(re.findall(r"\b([a-h])\) ", screen)))
        child.send(answer_for(INSTRUCTIONS.search(screen).group(), letters) + "\r")
        child.expect(["✔ Correct", "✘ Not quite"])
        child.expect("Press any key")
        child.send(" ")
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    assert child.exitstatus == 0

    exported = wheel_env.home / "my-progress.json"
    console(wheel_env, "quiz", "export", str(exported))
    progress = json.loads(exported.read_text())
    assert progress["format"] == "lambda-lab-quiz-progress"
    assert [record["attempts"] for record in progress["questions"].values()] == [1]


@pytest.mark.slow
def test_course_from_the_wheel_copies_every_lesson(wheel_env, clone):
    work = wheel_env.home / "print-only"
    work.mkdir()
    printed = wheel_env.check(
        [wheel_env.bin("lambda-lab"), "course", "--print-only"], cwd=work
    ).stdout
    copy = work / "lambda-lab-course"
    assert f"Copied the lessons to {copy}" in printed
    assert "jupyter lab" in printed and "--ServerApp.ip=127.0.0.1" in printed
    for lesson in repository_lessons(clone):
        assert (copy / lesson.name).read_bytes() == lesson.read_bytes()


@pytest.mark.slow
def test_course_without_the_course_extra_says_what_to_install(wheel_env):
    missing = wheel_env.run([wheel_env.bin("lambda-lab"), "course", "--no-browser"], timeout=60)
    assert missing.returncode != 0
    assert "lambda-lab[course]" in missing.stdout + missing.stderr, missing.stdout + missing.stderr


@pytest.mark.slow
def test_course_from_the_wheel_opens_in_jupyterlab(wheel_env, wheel, clone, figures):
    # Last of the wheel tests: it adds the course extra to the environment they share.
    wheel_env.pip_install(f"{wheel}[course]", **NO_COMPILE)
    figures.append(f"wheel: the course extra added in {wheel_env.timings[-1].seconds:.0f} s")
    learner = wheel_env.home / "learner"
    learner.mkdir()
    server = course_server(wheel_env, learner)
    try:
        figures.append(
            f"first five minutes: lambda-lab course (wheel) answered in {server.startup_s:.1f} s"
        )
        assert server.info["root_dir"] == str(learner / "lambda-lab-course")
        assert_serves_the_course(server, "", [p.name for p in repository_lessons(clone)])
    finally:
        server.close()
