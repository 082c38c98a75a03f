"""The learner's path: follow every link from the start page, lesson to lesson, to the last one.

JupyterLab 4 (checked in a real browser: tests/exercises/test_exercises_browser.py) lands a link to a
section of *another* notebook only in the form ``NN_name.ipynb#cell-id=ID``, where ID is the
id of the section's markdown cell; ``#anchor`` alone works inside the same notebook. So every
section cell carries its anchor as its cell id, and links between lessons use ``cell-id=``.
"""

from __future__ import annotations

import json
import re
from collections import deque
from pathlib import Path

LESSONS = Path(__file__).resolve().parents[2] / "lessons"
LINK = re.compile(r"\]\(([^)\s]+)\)")
START, LAST = "00_start_here.ipynb", "15_capstone.ipynb"


def notebook(name: str) -> dict:
    return json.loads((LESSONS / name).read_text(encoding="utf-8"))


def markdown_of(name: str) -> list[str]:
    return ["".join(c["source"]) for c in notebook(name)["cells"] if c["cell_type"] == "markdown"]


def problems_of_link(source: str, target: str) -> list[str]:
    path, _, fragment = target.partition("#")
    name = path.removeprefix("./") or source
    if not (LESSONS / name).exists():
        return [f"{source}: {target} -> no such notebook"]
    cells = notebook(name)["cells"]
    if not fragment:
        return []
    if fragment.startswith("cell-id="):
        wanted = fragment.removeprefix("cell-id=")
        return (
            []
            if any(c.get("id") == wanted for c in cells)
            else [f"{source}: {target} -> no cell {wanted!r}"]
        )
    if name != source:
        return [
            f"{source}: {target} -> JupyterLab opens it at the top; link to #cell-id={fragment}"
        ]
    anchors = {a for c in cells for a in re.findall(r'<a id="([^"]+)"></a>', "".join(c["source"]))}
    return [] if fragment in anchors else [f"{source}: {target} -> no anchor {fragment!r}"]


def test_every_link_from_the_start_page_lands_and_the_path_reaches_the_last_lesson() -> None:
    seen, queue, problems = {START}, deque([START]), []
    next_of: dict[str, str] = {}
    while queue:
        source = queue.popleft()
        for text in markdown_of(source):
            for target in LINK.findall(text):
                if target.startswith(("http://", "https://", "mailto:")) or not (
                    ".ipynb" in target or target.startswith("#")
                ):
                    continue
                problems += problems_of_link(source, target)
                name = target.partition("#")[0].removeprefix("./")
                if name and (LESSONS / name).exists() and name not in seen:
                    seen.add(name)
                    queue.append(name)
        nexts = [
            t
            for text in markdown_of(source)
            if text.startswith('<a id="next"></a>')
            for t in LINK.findall(text)
        ]
        if nexts and source != LAST:
            next_of[source] = nexts[0]
    assert not problems, "\n".join(problems)
    every = {p.name for p in LESSONS.glob("*.ipynb")}
    assert seen == every, f"not reachable from the start page: {sorted(every - seen)}"
    walk, step = [START], START
    while step != LAST:
        assert step in next_of, f"{step} has no link to the next lesson"
        step = next_of[step].partition("#")[0]
        assert step not in walk, f"the next-lesson links loop at {step}"
        walk.append(step)
    assert len(walk) == len(every), f"the next-lesson links skip lessons: {walk}"


def test_every_section_cell_carries_its_anchor_as_its_id() -> None:
    wrong = []
    for path in sorted(LESSONS.glob("*.ipynb")):
        for cell in notebook(path.name)["cells"]:
            found = re.findall(r'<a id="([^"]+)"></a>', "".join(cell["source"]))
            if found and cell.get("id") != found[0]:
                wrong.append(f"{path.name}: cell {cell.get('id')!r} holds #{found[0]}")
    assert not wrong, wrong


def test_every_lesson_states_time_prerequisites_domains_and_how_the_lab_differs() -> None:
    for path in sorted(LESSONS.glob("*.ipynb")):
        top = "\n".join(markdown_of(path.name)[:3])
        for needed in ("**Time:**", "**Prerequisites:**", "**Exam domains:**", "> **In the Lab**"):
            assert needed in top, f"{path.name}: no {needed} at the top"
