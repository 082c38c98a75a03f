"""binder/ and the README's launch link, checked without building anything (fast)."""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import sys

import pytest
import tomllib
from classroom_envs import REPO, tracked_files
from packaging.specifiers import SpecifierSet

from lambda_lab.cli.course import START_PAGE

BINDER = REPO / "binder"
LAUNCH = re.compile(r"https://mybinder\.org/v2/gh/<owner>/lambda-lab/HEAD\?labpath=([^)\s`]+)")


def load_generator():
    spec = importlib.util.spec_from_file_location(
        "make_requirements", BINDER / "make_requirements.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_requirements_match_pyproject():
    check = subprocess.run(
        [sys.executable, str(BINDER / "make_requirements.py"), "--check"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert check.returncode == 0, check.stdout + check.stderr


def test_requirements_are_the_dependencies_plus_the_course_extra():
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    listed = [
        line
        for line in (BINDER / "requirements.txt").read_text().splitlines()
        if line and not line.startswith("#")
    ]
    wanted = project["dependencies"] + project["optional-dependencies"]["course"]
    assert sorted(listed) == sorted(set(wanted))
    assert any(line.startswith("jupyterlab") for line in listed)
    assert any(line.startswith("jupyter-server-proxy") for line in listed)


def test_a_stale_requirements_file_is_reported_with_the_difference(tmp_path, capsys):
    generator = load_generator()
    pyproject = tmp_path / "pyproject.toml"
    text = (REPO / "pyproject.toml").read_text()
    pyproject.write_text(text.replace('"rich>=13",', '"rich>=13",\n    "newly-added>=1",'))
    stale = tmp_path / "requirements.txt"
    stale.write_text(generator.requirements_text(REPO / "pyproject.toml"))

    assert generator.main(["--check"], pyproject, stale) == 1
    assert "+newly-added>=1" in capsys.readouterr().out
    assert generator.main([], pyproject, stale) == 0  # regenerate
    assert "newly-added>=1\n" in stale.read_text()
    assert generator.main(["--check"], pyproject, stale) == 0


def test_a_missing_extra_is_named(tmp_path):
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text('[project]\nname = "x"\ndependencies = ["a"]\n')
    with pytest.raises(SystemExit, match="no 'course' extra"):
        load_generator().requirements_text(pyproject)


def test_post_build_installs_the_package_alone_and_the_lab_settings():
    post_build = BINDER / "postBuild"
    assert post_build.stat().st_mode & 0o111, "binder/postBuild must be executable"
    assert subprocess.run(["bash", "-n", str(post_build)], check=False).returncode == 0
    text = post_build.read_text()
    assert re.search(r"pip install --no-deps\b.* \.$", text, re.MULTILINE)
    assert "share/jupyter/lab/settings" in text and "binder/overrides.json" in text


def test_lab_overrides_turn_the_news_off():
    overrides = json.loads((BINDER / "overrides.json").read_text())
    notification = overrides["@jupyterlab/apputils-extension:notification"]
    assert notification["fetchNews"] == "false"
    assert notification["checkForUpdates"] is False


def test_runtime_is_a_python_the_package_supports():
    runtime = (BINDER / "runtime.txt").read_text().strip()
    version = re.fullmatch(r"python-(3\.\d+)", runtime)
    assert version, f"runtime.txt must read python-3.X (got {runtime!r})"
    requires = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["requires-python"]
    assert SpecifierSet(requires).contains(version.group(1))


def test_readme_badge_and_link_open_the_start_page():
    readme = (REPO / "README.md").read_text()
    links = LAUNCH.findall(readme)
    assert len(links) >= 2, "the README needs the Binder badge and the written-out link"
    assert set(links) == {f"lessons%2F{START_PAGE}"}
    assert "https://mybinder.org/badge_logo.svg" in readme
    assert "replace `<owner>`" in readme
    assert (REPO / "docs" / "teachers.md").exists()


def test_the_start_page_the_link_opens_exists():
    assert (REPO / "lessons" / START_PAGE).is_file(), (
        f"the Binder link and `lambda-lab course` open lessons/{START_PAGE}, which is missing"
    )


def test_every_file_of_the_lessons_folder_is_in_the_wheel_configuration():
    tool = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]
    patterns = tool["data-files"]["share/lambda-lab/lessons"]
    shipped = {str(path.relative_to(REPO)) for pattern in patterns for path in REPO.glob(pattern)}
    in_git = {name for name in tracked_files() if name.startswith("lessons/")}
    assert in_git, "no lessons found"
    assert in_git <= shipped, f"not shipped in the wheel: {sorted(in_git - shipped)}"
