"""The package's shape (issue 14): few modules at the root, modules of at most 400 lines, and
components that take only the collaborators they use, so that only front ends and the Lab's
own wiring hold a Lab.

A module "refers to a Lab" when its code (not its prose) names ``Lab`` (an import, an annotation,
a call), or names a variable, parameter or attribute ``lab``/``_lab`` (``lab.functions``,
``lab: Lab``, ``self._lab``). The modules are read with ``ast``, so docstrings and comments
that speak of "the Lab" do not count; string annotations (``"Lab"``) are parsed and do.
"""

from __future__ import annotations

import ast
from pathlib import Path

import lambda_lab

PACKAGE = Path(lambda_lab.__file__).parent

# Front ends may hold a Lab: they are views over one (DESIGN principle 1). Paths are relative to
# the package; a folder covers every module beneath it.
FRONT_ENDS = (
    "lab.py",  # the Lab's own wiring
    "wiring/",  # its assembly helpers: weak callbacks, parts made on first use, open Labs
    "__init__.py",  # the public surface: `from lambda_lab import Lab`
    "client.py",
    "widgets/",
    "cli/",
    "api/",
    "http/lab_doors.py",
    "http/served.py",
    "http/__init__.py",
    "notebook/",
    "quiz/",
    "exercises/",  # checks deploy a learner's work into a fresh Lab, as the learner would
    "serve/",
    "simulate/agreement.py",  # compares the simulator with a live Lab
)
MAX_COMPONENTS_HOLDING_A_LAB = 10
MAX_ROOT_MODULES = 8
MAX_MODULE_LINES = 400  # the team's standard: a module a reader can hold in mind
# Data shipped as files, not code to read: the exercises' starters and solutions.
NOT_MODULES = ("exercises/data/",)

LAB_VARIABLES = {"lab", "_lab"}
LAB_NAMES = {"Lab", *LAB_VARIABLES}
FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)


def _quoted_annotation_names(node: ast.AST) -> set[str]:
    """The names inside a string annotation (``owner: "Lab"``, ``-> "Lab | None"``)."""
    annotation = getattr(node, "returns" if isinstance(node, FUNCTIONS) else "annotation", None)
    if not (isinstance(annotation, ast.Constant) and isinstance(annotation.value, str)):
        return set()
    try:
        tree = ast.parse(annotation.value, mode="eval")
    except SyntaxError:
        return set()
    return {name.id for name in ast.walk(tree) if isinstance(name, ast.Name)}


def refers_to_a_lab(source: str) -> bool:
    """Whether the code (docstrings and comments aside) names the Lab class or a Lab object."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.alias) and node.name.split(".")[-1] == "Lab":
            return True  # an import of the class, under any name
        if isinstance(node, ast.Name) and node.id in LAB_NAMES:
            return True
        if isinstance(node, ast.Attribute) and node.attr in LAB_VARIABLES:
            return True  # self.lab, self._lab
        if isinstance(node, ast.arg) and node.arg in LAB_VARIABLES:
            return True
        if _quoted_annotation_names(node) & LAB_NAMES:
            return True
    return False


def _is_front_end(relative: str) -> bool:
    return any(
        relative.startswith(entry) if entry.endswith("/") else relative == entry
        for entry in FRONT_ENDS
    )


def components_holding_a_lab() -> list[str]:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE).as_posix()
        if not _is_front_end(relative) and refers_to_a_lab(path.read_text(encoding="utf-8")):
            found.append(relative)
    return found


def test_the_detector_sees_code_and_ignores_prose() -> None:
    assert refers_to_a_lab("def f(lab):\n    return 1\n")
    assert refers_to_a_lab("def f(x):\n    return x.lab.functions\n")
    assert refers_to_a_lab("from lambda_lab.lab import Lab\n")
    assert refers_to_a_lab("from lambda_lab import Lab as TheLab\n")
    assert refers_to_a_lab("def f() -> 'Lab | None': ...\n")
    assert refers_to_a_lab("def f(owner: 'Lab') -> None: ...\n")
    assert refers_to_a_lab("class A:\n    def __init__(self, o):\n        self._lab = o\n")
    assert not refers_to_a_lab('"""Runs inside the Lab; the Lab\'s clock."""\nx = 1  # lab\n')
    assert not refers_to_a_lab("labels = {'lab': 1}\n")


def test_only_front_ends_and_the_wiring_hold_a_lab() -> None:
    holding = components_holding_a_lab()
    assert len(holding) <= MAX_COMPONENTS_HOLDING_A_LAB, (
        f"{len(holding)} modules outside the front ends refer to a Lab "
        f"(at most {MAX_COMPONENTS_HOLDING_A_LAB}): pass them the collaborators they use "
        f"instead: {holding}"
    )


def test_the_root_holds_few_modules() -> None:
    root_modules = sorted(path.name for path in PACKAGE.glob("*.py"))
    assert len(root_modules) <= MAX_ROOT_MODULES, root_modules


def modules_over(limit: int) -> list[str]:
    """Package modules (data files aside) longer than ``limit`` lines, with their length."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE).as_posix()
        if relative.startswith(NOT_MODULES):
            continue
        lines = len(path.read_text(encoding="utf-8").splitlines())
        if lines > limit:
            found.append(f"{relative} ({lines} lines)")
    return found


def test_no_module_is_longer_than_400_lines() -> None:
    too_long = modules_over(MAX_MODULE_LINES)
    assert not too_long, (
        f"split these along their concerns (at most {MAX_MODULE_LINES} lines a module): {too_long}"
    )


def test_the_length_check_sees_long_modules() -> None:
    assert modules_over(1) and not modules_over(100_000)
