"""Does this host allow an execution environment's namespaces? Run as a throwaway process.

``python -I -S -c "...main()" PLAN`` performs what a real spare does (user namespace if
asked, PID and mount namespaces, the new root, the cold start's mounts, the sandbox user)
in a child, and prints one JSON line: ``{"isolation": "namespaces" | "none", "reason": ...}``.
"""

from __future__ import annotations

import json
import os
import sys

from lambda_lab.environments import mounts
from lambda_lab.environments.runtime_layout import python_layout


def enter_user_namespace(uid: int, gid: int) -> None:
    """A new user namespace in which this process is ``uid``/``gid`` (mapped to its own ids)
    and holds every capability over the namespaces it creates next."""
    outer_uid, outer_gid = os.getuid(), os.getgid()
    mounts.unshare(mounts.CLONE_NEWUSER)
    for name, text in (
        ("setgroups", "deny"),
        ("uid_map", f"{uid} {outer_uid} 1"),
        ("gid_map", f"{gid} {outer_gid} 1"),
    ):
        with open(f"/proc/self/{name}", "w") as handle:
            handle.write(text)


def _attempt(plan: dict) -> None:
    if plan["user_namespace"]:
        enter_user_namespace(plan["uid"], plan["gid"])
    root = os.path.join(plan["sandbox_dir"], "root")
    mounts.unshare(mounts.CLONE_NEWNS)
    mounts.build_root({**plan, **python_layout()}, root)
    mounts.unshare(mounts.CLONE_NEWPID)
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read_end)
        try:
            mounts.unshare(mounts.CLONE_NEWNS | mounts.CLONE_NEWIPC | mounts.CLONE_NEWUTS)
            mounts.enter_root(root)
            mounts.mount_spare(plan["uid"], plan["gid"])
            mounts.mount_function(None, None, 1)  # (resizes the spare's /tmp, as cold starts do)
            if sorted(p for p in os.listdir("/proc") if p.isdigit()) != ["1"]:
                raise OSError("the new /proc shows other processes")
            mounts.drop_privileges(plan["uid"], plan["gid"], plan["user_namespace"])
            with open("/tmp/probe", "w") as handle:
                handle.write("ok")
        except BaseException as exc:  # report anything, then leave without cleanup
            os.write(write_end, str(exc).encode()[:500])
            os._exit(1)
        os._exit(0)
    os.close(write_end)
    message = os.read(read_end, 1000).decode(errors="replace")
    _, status = os.waitpid(pid, 0)
    if status != 0:
        raise OSError(message or f"the test environment ended with status {status}")


def main() -> None:
    plan = json.loads(sys.argv[1])
    try:
        _attempt(plan)
        answer = {"isolation": "namespaces", "reason": ""}
    except OSError as exc:
        answer = {"isolation": "none", "reason": str(exc)}
    sys.stdout.write(json.dumps(answer) + "\n")
