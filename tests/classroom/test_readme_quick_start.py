"""The README's quick start, word for word, in a clean clone: the setup, then ``lambda-lab
course`` serving the lessons in place."""

from __future__ import annotations

import re
import shutil
import time

import pytest
from classroom_envs import (
    NO_COMPILE,
    REPO,
    Venv,
    assert_serves_the_course,
    clean_copy,
    course_server,
    repository_lessons,
)

# A fresh environment: minutes on a cold pip cache.
pytestmark = [pytest.mark.slow, pytest.mark.timeout(1200)]


def readme_course_command() -> str:
    readme = (REPO / "README.md").read_text()
    commands = re.findall(r"```bash\n(.*?)\n```", readme, re.DOTALL)
    course = [c for c in commands if c.rstrip().endswith("lambda-lab course")]
    assert course, "the README's quick start must end in `lambda-lab course`"
    return course[0].strip()


def test_readme_quick_start_in_a_clean_clone(tmp_path, figures):
    command = readme_course_command()
    setup = command.removesuffix("lambda-lab course").rstrip().removesuffix("&&").strip()
    clone = clean_copy(tmp_path / "lambda-lab")
    home = tmp_path / "home"
    venv = Venv(clone / ".venv", home)
    home.mkdir()
    started = time.monotonic()
    venv.check(["bash", "-c", setup], cwd=clone, timeout=900, env=venv.environ(**NO_COMPILE))
    figures.append(
        f"README quick start: setup in a clean clone took {time.monotonic() - started:.0f} s"
    )
    assert (clone / ".venv" / "bin" / "lambda-lab").exists()

    printed = venv.check([venv.bin("lambda-lab"), "course", "--print-only"], cwd=clone).stdout
    assert f"--ServerApp.root_dir={clone / 'lessons'}" in printed  # in place, nothing copied
    server = course_server(venv, clone)
    try:
        figures.append(
            f"first five minutes: lambda-lab course (clone) answered in {server.startup_s:.1f} s"
        )
        assert server.info["root_dir"] == str(clone / "lessons")
        assert_serves_the_course(server, "", [p.name for p in repository_lessons(clone)])
    finally:
        server.close()
        # The environment is 38,000 files: removed now, while other tests run, rather than by
        # pytest's cleanup of old runs, which deletes it alone at the end of a later run (3.5 s).
        shutil.rmtree(clone, ignore_errors=True)
