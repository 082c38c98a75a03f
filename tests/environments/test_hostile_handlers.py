"""Hostile handlers, one per escape issue 15 found: each must fail, and nothing else be harmed.

Where the host gives no namespaces (the fallback) the sandbox tests are skipped with the
reason; what the fallback still promises is checked here (no root handler where 'nobody' can
run Python, nothing left after close or a kernel kill, replies tied to requests) and in
test_sandbox_filesystem.py; docs/promises.md lists what it does not promise.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import psutil
import pytest

from lambda_lab import Lab
from lambda_lab.environments.process_cap import nobody_can_run_python
from lambda_lab.environments.processes import descendants

TRY = """
import os, json
def attempt(action):
    try:
        return ["ok", action()]
    except Exception as exc:
        return [type(exc).__name__, str(exc)]
"""


def sandboxed(lab: Lab) -> None:
    if not lab.sandbox.namespaces:
        pytest.skip(f"this host gives no namespaces: {lab.sandbox.reason}")


def alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def gone_within(pids: list[int], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not any(alive(p) for p in pids):
            return True
        time.sleep(0.05)
    return not any(alive(p) for p in pids)


def test_the_labs_secrets_cannot_be_read(
    lab: Lab, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sandboxed(lab)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "planted-secret-of-the-lab")
    (tmp_path / ".aws").mkdir()
    (tmp_path / ".aws" / "credentials").write_text("[default]\naws_secret_access_key = planted\n")
    monkeypatch.setenv("HOME", str(tmp_path))
    spy = TRY + textwrap.dedent("""
        def lambda_handler(event, context):
            found = []
            for pid in os.listdir("/proc"):
                if pid.isdigit():
                    try:
                        found.append(open(f"/proc/{pid}/environ", "rb").read().decode(errors="replace"))
                    except OSError:
                        pass
            return {
                "lab": attempt(lambda: open(f"/proc/{event['lab_pid']}/environ", "rb").read().decode()),
                "home": attempt(lambda: open(event["credentials"]).read()),
                "root_aws": attempt(lambda: os.listdir("/root/.aws")),
                "environ": found,
            }
    """)
    lab.deploy("spy", spy)
    seen = lab.invoke(
        "spy", {"lab_pid": os.getpid(), "credentials": str(tmp_path / ".aws" / "credentials")}
    ).value
    assert seen["lab"][0] == "FileNotFoundError"  # the Lab's process is not in this sandbox
    assert seen["home"][0] == "FileNotFoundError" and seen["root_aws"][0] == "FileNotFoundError"
    assert "planted" not in json.dumps(seen)


def test_another_environments_files_and_processes_are_out_of_reach(lab: Lab) -> None:
    sandboxed(lab)
    lab.deploy(
        "owner",
        "def lambda_handler(e, c):\n    open('/tmp/private.txt', 'w').write('mine')\n    return 1\n",
    )
    lab.invoke("owner")
    owner = lab.environments("owner")[0]
    spy = TRY + textwrap.dedent("""
        def lambda_handler(event, context):
            return {
                "root": attempt(lambda: open(f"/proc/{event['pid']}/root/tmp/private.txt").read()),
                "processes": sorted(p for p in os.listdir("/proc") if p.isdigit()),
                "signal": attempt(lambda: os.kill(event["pid"], 9)),
            }
    """)
    lab.deploy("spy", spy)
    seen = lab.invoke("spy", {"pid": owner.pid}).value
    assert seen["root"][0] in ("FileNotFoundError", "PermissionError")
    assert seen["processes"] == ["1", "2"]  # its own init and runtime, nothing else
    assert seen["signal"][0] in ("ProcessLookupError", "PermissionError")
    assert alive(owner.pid) and not lab.invoke("owner").record.cold


def test_the_template_and_other_workers_cannot_be_killed(lab: Lab) -> None:
    sandboxed(lab)
    lab.deploy("bystander", "def lambda_handler(e, c):\n    return 'fine'\n")
    lab.invoke("bystander")
    killer = TRY + textwrap.dedent("""
        def lambda_handler(event, context):
            return [attempt(lambda: os.kill(pid, 9)) for pid in event] + [
                attempt(lambda: os.kill(1, 9)), attempt(lambda: os.kill(-1, 9))]
    """)
    lab.deploy("killer", killer)
    targets = [lab._spawner.pid, lab.environments("bystander")[0].pid, os.getpid()]
    outcomes = lab.invoke("killer", targets).value
    assert [o[0] for o in outcomes[:3]] == ["ProcessLookupError"] * 3
    # Its init runs as root (as the handler's own user in a user namespace, where Linux still
    # keeps an init from a signal it has no handler for).
    assert outcomes[3][0] == ("ok" if lab.sandbox.user_namespace else "PermissionError")
    assert alive(lab._spawner.pid)
    assert lab.invoke("bystander").value == "fine" and not lab.invoke("bystander").record.cold


def test_another_functions_code_cannot_be_rewritten(lab: Lab) -> None:
    sandboxed(lab)
    lab.deploy("victim", "def lambda_handler(e, c):\n    return 'original'\n")
    victim_code = os.path.join(lab.functions.get("victim").code_dir, "lambda_function.py")
    tamper = TRY + textwrap.dedent("""
        def lambda_handler(event, context):
            evil = "def lambda_handler(e, c):\\n    return 'tampered'\\n"
            return [attempt(lambda: open(event, "w").write(evil)),
                    attempt(lambda: open("/var/task/lambda_function.py", "w").write(evil))]
    """)
    lab.deploy("tamper", tamper)
    other, own = lab.invoke("tamper", victim_code).value
    assert other[0] == "FileNotFoundError" and own[0] == "OSError"  # not there; read-only
    lab.pool.retire("victim")
    assert lab.invoke("victim").value == "original"


def test_the_handler_is_not_root(lab: Lab) -> None:
    """AWS's sbx_user1051 in a sandbox; without one (docs/promises.md), the Lab's own user, or
    'nobody' when the Lab runs as root and 'nobody' can start Python."""
    lab.deploy(
        "who",
        "import os\ndef lambda_handler(e, c):\n    return [os.getuid(), os.geteuid(), os.getgid()]\n",
    )
    seen = lab.invoke("who").value
    if lab.sandbox.namespaces:
        assert seen == [993, 993, 990]
    elif os.geteuid() == 0 and nobody_can_run_python():
        import pwd

        nobody = pwd.getpwnam("nobody")
        assert seen == [nobody.pw_uid, nobody.pw_uid, nobody.pw_gid]
    else:
        assert seen == [os.getuid(), os.geteuid(), os.getgid()]


DAEMON = """
import os, time
def lambda_handler(event, context):
    if os.fork() == 0:          # a classic daemon: fork, new session, fork again
        os.setsid()
        if os.fork() == 0:
            time.sleep(300)
        os._exit(0)
    child = os.fork()
    if child == 0:
        time.sleep(300)
        os._exit(0)
    os.kill(child, 19)          # and a stopped child, as a kernel restart left one
    time.sleep(0.2)
    return "spawned"
"""


def test_no_process_outlives_lab_close(tmp_path: Path) -> None:
    """In a sandbox the environment's PID namespace ends them; without one (the documented
    fallback) the template, a child subreaper, ends everything it started when the Lab closes."""
    lab = Lab()
    try:
        lab.deploy("daemon", DAEMON)
        assert lab.invoke("daemon").value == "spawned"
        env = lab.environments("daemon")[0]
        # (without namespaces the daemon, orphaned, is re-parented to the template)
        left = descendants(env.sandbox_pid if lab.sandbox.namespaces else lab._spawner.pid)
        assert len(left) >= 3  # the runtime, the daemon, the stopped child
        cgroup_dirs = set(env.cgroups.values())
    finally:
        lab.close()
    assert gone_within(left, 5)
    assert not any(os.path.exists(path) for path in cgroup_dirs)  # no empty cgroups left


KERNEL = """
import json, sys, time
from lambda_lab import Lab
from lambda_lab.environments.process_cap import nobody_can_run_python
from lambda_lab.environments.processes import descendants
lab = Lab()
lab.deploy("daemon", sys.argv[1])
lab.invoke("daemon")
env = lab.environments("daemon")[0]
print(json.dumps({"pids": descendants(env.sandbox_pid) + [env.sandbox_pid, lab._spawner.pid],
                  "cgroups": sorted(set(env.cgroups.values()))}), flush=True)
time.sleep(300)
"""


@pytest.mark.slow
def test_no_process_outlives_a_kernel_restart(tmp_path: Path) -> None:
    """A Jupyter kernel restart SIGKILLs the kernel: the Lab's close() never runs."""
    kernel = subprocess.Popen(
        [sys.executable, "-c", KERNEL, DAEMON], stdout=subprocess.PIPE, text=True
    )
    try:
        assert kernel.stdout is not None
        report = json.loads(kernel.stdout.readline())
    finally:
        kernel.send_signal(signal.SIGKILL)
        kernel.wait()
        if kernel.stdout is not None:
            kernel.stdout.close()
    assert len(report["pids"]) >= 4
    assert gone_within(report["pids"], 10)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and any(os.path.exists(p) for p in report["cgroups"]):
        time.sleep(0.05)
    assert not any(os.path.exists(p) for p in report["cgroups"])


FRAME = """
import json, os, struct, threading, time
def frame(header, body=b""):
    head = json.dumps(header).encode()
    return struct.pack("!II", len(head), len(body)) + head + body
def data_socket():
    for fd in sorted(int(f) for f in os.listdir("/proc/self/fd")):
        try:
            if os.readlink(f"/proc/self/fd/{fd}").startswith("socket:"):
                return fd
        except OSError:
            pass
"""


def test_a_frame_for_another_request_fails_that_invoke_only(lab: Lab) -> None:
    forge = FRAME + textwrap.dedent("""
        def lambda_handler(event, context):
            if event == "forge":
                os.write(data_socket(), frame({"id": "someone-else", "ok": True, "rss_kb": 1}, b'"forged"'))
                time.sleep(0.5)
            return context.aws_request_id
    """)
    lab.deploy("forger", forge)
    lab.invoke("forger", "warm")
    forged = lab.invoke("forger", "forge")
    assert forged.function_error == "Unhandled"
    assert forged.value["errorType"] == "Runtime.Unknown"
    assert "belongs to another request" in forged.value["errorMessage"]
    after = lab.invoke("forger", "plain")
    assert after.value == after.request_id and after.record.cold  # a fresh environment


def test_a_stale_reply_never_reaches_the_next_caller(lab: Lab) -> None:
    """A background thread writes a copy of the previous reply. The pool sees it before handing
    the environment out (a fresh one serves the caller), or the invoke that meets it fails as
    a runtime error, or (a frozen thread writing late) it comes after this caller's own
    answer: never does the caller receive the stale result."""
    stale = FRAME + textwrap.dedent("""
        def lambda_handler(event, context):
            if event == "plant":  # after this reply, write a copy of it
                fd, rid = data_socket(), context.aws_request_id
                def later():
                    time.sleep(0.1)
                    os.write(fd, frame({"id": rid, "ok": True, "rss_kb": 1}, json.dumps(rid).encode()))
                threading.Thread(target=later).start()
            return context.aws_request_id
    """)
    lab.deploy("stale", stale)
    for freeze in (False, True):  # a frozen environment writes it only when thawed
        lab.pool.freeze_idle = freeze
        planted = lab.invoke("stale", "plant")
        time.sleep(0.3)
        stale_payload = json.dumps(planted.request_id).encode()
        for call in ("mine", "again"):  # the frame lands during one of these (or between)
            victim = lab.invoke("stale", call)
            assert victim.payload != stale_payload
            if victim.function_error:
                assert victim.value["errorType"] == "Runtime.Unknown"
            else:
                assert victim.value == victim.request_id
        final = lab.invoke("stale", "final")
        assert final.value == final.request_id
