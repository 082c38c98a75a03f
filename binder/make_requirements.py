"""Write binder/requirements.txt from pyproject.toml, or check that it is up to date.

    python binder/make_requirements.py           # regenerate
    python binder/make_requirements.py --check   # exit 1 and show the difference if stale

Binder installs binder/requirements.txt and ignores the repository's own packaging, so
the file lists what ``pip install "lambda-lab[course]"`` would: the package's dependencies
plus the ``course`` extra. pyproject.toml stays the single source of truth.
"""

from __future__ import annotations

import argparse
import difflib
import os
import sys
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

HERE = Path(__file__).resolve().parent
PYPROJECT = HERE.parent / "pyproject.toml"
REQUIREMENTS = HERE / "requirements.txt"
EXTRAS = ("course",)  # what a classroom needs on top of the package's own dependencies

HEADER = f"""\
# Generated from pyproject.toml by binder/make_requirements.py: the package's dependencies
# plus the {", ".join(repr(e) for e in EXTRAS)} extra. Do not edit: change pyproject.toml,
# then run the script. binder/postBuild installs lambda-lab itself with --no-deps.
"""


def requirements_text(pyproject: Path = PYPROJECT) -> str:
    project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
    extras = project.get("optional-dependencies", {})
    missing = [name for name in EXTRAS if name not in extras]
    if missing:
        raise SystemExit(
            f"{pyproject}: [project.optional-dependencies] has no {missing[0]!r} extra"
        )
    lines = list(project.get("dependencies", []))
    for name in EXTRAS:
        lines += [line for line in extras[name] if line not in lines]
    return HEADER + "".join(f"{line}\n" for line in lines)


def main(
    argv: list[str] | None = None, pyproject: Path = PYPROJECT, requirements: Path = REQUIREMENTS
) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only compare; exit 1 if stale")
    args = parser.parse_args(argv)
    wanted = requirements_text(pyproject)
    current = requirements.read_text(encoding="utf-8") if requirements.exists() else ""
    if args.check:
        if current == wanted:
            return 0
        diff = difflib.unified_diff(
            current.splitlines(keepends=True),
            wanted.splitlines(keepends=True),
            "binder/requirements.txt (on disk)",
            "binder/requirements.txt (from pyproject.toml)",
        )
        sys.stdout.writelines(diff)
        print("binder/requirements.txt is stale: run `python binder/make_requirements.py`")
        return 1
    if current != wanted:
        temporary = requirements.with_suffix(".txt.tmp")
        temporary.write_text(wanted, encoding="utf-8")
        os.replace(temporary, requirements)
        print(f"wrote {requirements}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
