"""The memory budget: every lesson, run top to bottom, keeps the kernel and everything it
starts (the Lab's template process, worker environments, helper servers) under 1 GB
resident in total, so thirty learners fit in 1-2 GB Binder sessions.

Each lesson runs in a fresh kernel through nbclient while a thread samples the resident
memory of the kernel's whole process tree (psutil); the figures are printed at the end.
"""

from __future__ import annotations

import shutil
import time

import nbformat
import pytest
from classroom_envs import repository_lessons
from jupyter_client import KernelManager
from memory_probe import MB, TreeSampler
from nbclient import NotebookClient

pytestmark = pytest.mark.slow

BUDGET_BYTES = 1024 * MB
LESSONS = repository_lessons()


@pytest.mark.parametrize("lesson", LESSONS, ids=[p.stem for p in LESSONS])
def test_lesson_stays_under_the_memory_budget(lesson, tmp_path, figures):
    shutil.copy2(lesson, tmp_path / lesson.name)  # files a lesson writes land in tmp_path
    notebook = nbformat.read(tmp_path / lesson.name, as_version=4)
    kernel = KernelManager(kernel_name="python3")
    samplers: list[TreeSampler] = []

    def start_sampling(**_: object) -> None:
        sampler = TreeSampler(kernel.provisioner.pid)
        sampler.start()
        samplers.append(sampler)

    client = NotebookClient(
        notebook,
        km=kernel,
        timeout=600,
        resources={"metadata": {"path": str(tmp_path)}},
        on_notebook_start=start_sampling,
    )
    started = time.monotonic()
    try:
        client.execute(cleanup_kc=True)  # shut the kernel down and close its channels after
    finally:
        for sampler in samplers:
            sampler.stop()
    elapsed = time.monotonic() - started
    peak = samplers[0].peak
    figures.append(f"memory: {peak.line(lesson.stem)}, ran in {elapsed:.0f} s")
    assert peak.samples > 0
    assert peak.rss_bytes < BUDGET_BYTES, (
        f"{lesson.name} peaked at {peak.rss_bytes / MB:.0f} MB resident (budget "
        f"{BUDGET_BYTES / MB:.0f} MB); the largest processes then:\n" + "\n".join(peak.biggest)
    )
