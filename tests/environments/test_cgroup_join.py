"""An environment's processes are in its own memory and pids cgroups, however its init joined
them (a single-threaded process moving itself takes the kernel's faster path)."""

from __future__ import annotations

import os

import pytest

from lambda_lab import Lab
from lambda_lab.environments import cgroups

HANDLER = (
    "import subprocess\n"
    "def lambda_handler(event, context):\n"
    "    mine = open('/proc/self/cgroup').read()\n"
    "    child = subprocess.run(['cat', '/proc/self/cgroup'], capture_output=True, text=True)\n"
    "    return [mine, child.stdout]\n"
)


def _lines(text: str) -> dict[str, str]:
    """controller -> cgroup path, from a /proc/<pid>/cgroup text (v1 lines)."""
    found = {}
    for line in text.splitlines():
        _, controllers, path = line.split(":", 2)
        for controller in controllers.split(","):
            found[controller] = path
    return found


def test_the_handler_and_its_children_are_in_the_environments_cgroups(lab: Lab) -> None:
    if not lab.sandbox.cgroup_bases:
        pytest.skip("this host gives the Lab no cgroups")
    lab.deploy("where", HANDLER)
    mine, child = (_lines(text) for text in lab.invoke("where").value)
    for controller in lab.sandbox.cgroup_bases:
        assert f"/lambda-lab/{lab.sandbox.lab_folder}/" in mine[controller], mine
        assert child[controller] == mine[controller]


def test_a_process_moving_itself_lands_in_every_folder() -> None:
    bases = cgroups.find_bases()
    if not bases or "memory" not in bases:
        pytest.skip("no cgroups to write here")
    folder = f"lab-{os.getpid()}-jointest"
    lab_cgroups = cgroups.LabCgroups(bases, folder)
    paths = lab_cgroups.create("env-1", 64)
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # single-threaded, as an environment's init is
        try:
            cgroups.LabCgroups.join(paths, os.getpid())
            os.write(write, open("/proc/self/cgroup", "rb").read())
        finally:
            os._exit(0)
    os.close(write)
    text = os.read(read, 65536).decode()
    os.close(read)
    os.waitpid(pid, 0)
    try:
        placed = _lines(text)
        for controller in bases:
            assert placed[controller].endswith(f"/{folder}/env-1"), text
    finally:
        lab_cgroups.remove_all()
