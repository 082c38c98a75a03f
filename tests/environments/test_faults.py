"""Broken handlers, on purpose: each fails as on AWS, the Lab stays up, and the next invoke works."""

from __future__ import annotations

import os
import signal
import threading
import time

import psutil
import pytest

from lambda_lab import Lab, limits
from lambda_lab.environments.processes import descendants

OK = "def lambda_handler(event, context):\n    return 'still here'\n"


def _next_invoke_works(lab: Lab, name: str) -> None:
    lab.deploy(name, OK)
    assert lab.invoke(name).value == "still here"


def test_worker_killed_from_outside_mid_invoke(lab: Lab) -> None:
    lab.deploy("victim", "import time\ndef lambda_handler(e, c):\n    time.sleep(e)\n", Timeout=10)
    lab.invoke("victim", 0)  # a warm environment to kill
    killer = threading.Timer(
        0.3, lambda: os.kill(lab.environments("victim")[0].pid, signal.SIGKILL)
    )
    killer.start()
    result = lab.invoke("victim", 5)
    killer.join()
    assert result.function_error == "Unhandled"
    assert result.value["errorType"] == "Runtime.ExitError"
    assert result.value["errorMessage"].endswith("Runtime exited with error: signal: killed")
    assert result.record.outcome == "crash"
    _next_invoke_works(lab, "victim")


@pytest.mark.parametrize(
    ("body", "ending"),
    [
        ("import os\n    os._exit(3)", "exit status 3"),
        ("import ctypes\n    ctypes.string_at(0)", "signal: segmentation fault"),
        ("import sys\n    sys.exit(0)", "exit status 0"),
    ],
)
def test_process_exits_report_runtime_exit_error(lab: Lab, body: str, ending: str) -> None:
    lab.deploy("crash", f"def lambda_handler(e, c):\n    {body}\n")
    result = lab.invoke("crash", {})
    assert result.value["errorType"] == "Runtime.ExitError"
    assert result.value["errorMessage"].endswith(ending), result.value
    assert "Status: error\tError Type: Runtime.ExitError" in result.log
    _next_invoke_works(lab, "crash")


def test_children_forked_by_a_handler_end_with_the_environment(lab: Lab) -> None:
    source = "import subprocess\ndef lambda_handler(e, c):\n    return subprocess.Popen(['sleep', '60']).pid\n"
    lab.deploy("forker", source)
    lab.invoke("forker")
    env = lab.environments("forker")[0]
    children = [p for p in descendants(env.sandbox_pid) if p != env.pid]  # host pids
    assert children and all(_alive(p) for p in children)
    lab.pool.retire("forker")
    deadline = time.monotonic() + 3
    while time.monotonic() < deadline and any(_alive(p) for p in children):
        time.sleep(0.02)
    assert not any(_alive(p) for p in children)


def test_fork_bomb_is_capped_by_the_process_limit(lab: Lab) -> None:
    if not lab.pool.process_cap.enforced:
        pytest.skip(f"no process cap on this host: {lab.pool.process_cap.describe()}")
    source = """
import os, time
def lambda_handler(event, context):
    made = 0
    try:
        for _ in range(5000):
            if os.fork() == 0:
                time.sleep(30)
                os._exit(0)
            made += 1
    except OSError as exc:
        return {"made": made, "error": exc.strerror}
    return {"made": made, "error": None}
"""
    # Memory enough for 1,000 forked Pythons: the process cap, not the memory limit, stops them.
    lab.deploy("bomb", source, Timeout=20, MemorySize=2048)
    result = lab.invoke("bomb")
    assert result.value["error"] is not None
    assert result.value["made"] < limits.PROCESSES_THREADS_MAX
    lab.pool.retire("bomb")  # the whole process group goes with the environment
    _next_invoke_works(lab, "bomb")


def test_file_descriptors_are_capped_like_aws(lab: Lab) -> None:
    source = "import resource\ndef lambda_handler(e, c):\n    return resource.getrlimit(resource.RLIMIT_NOFILE)\n"
    lab.deploy("fds", source)
    assert lab.invoke("fds").value == [limits.FILE_DESCRIPTORS_MAX, limits.FILE_DESCRIPTORS_MAX]


def test_a_flood_of_output_is_capped_and_the_lab_stays_responsive(lab: Lab) -> None:
    source = "import sys\ndef lambda_handler(e, c):\n    line = 'x' * 1023 + '\\n'\n    for _ in range(100 * 1024):\n        sys.stdout.write(line)\n    return 'done'\n"
    lab.deploy("flood", source, Timeout=60, MemorySize=2048)
    result = lab.invoke("flood")
    assert result.value == "done"
    assert len(result.log) < 1024 * 1024
    assert "bytes of output cut by lambda-lab" in result.log
    _next_invoke_works(lab, "flood")


def test_payload_one_byte_over_6_mb_is_rejected_before_running(lab: Lab) -> None:
    lab.deploy("echo", "def lambda_handler(e, c):\n    return len(e)\n")
    client = lab.client("lambda")
    payload = b'"' + b"x" * (limits.SYNC_PAYLOAD_MAX_BYTES - 1) + b'"'
    assert len(payload) == limits.SYNC_PAYLOAD_MAX_BYTES + 1
    with pytest.raises(client.exceptions.ClientError) as too_large:
        client.invoke(FunctionName="echo", Payload=payload)
    error = too_large.value.response["Error"]
    assert error["Code"] == "RequestEntityTooLargeException"  # the code AWS sends on the wire
    assert (
        error["Message"]
        == "Request must be smaller than 6291456 bytes for the InvokeFunction operation"
    )
    assert too_large.value.response["ResponseMetadata"]["HTTPStatusCode"] == 413
    assert len(lab.records) == 0


def test_recursion_error_is_a_handler_error(lab: Lab) -> None:
    lab.deploy(
        "deep", "def f(n):\n    return f(n + 1)\ndef lambda_handler(e, c):\n    return f(0)\n"
    )
    result = lab.invoke("deep")
    assert result.value["errorType"] == "RecursionError"
    assert len(result.value["stackTrace"]) < 2000
    assert not lab.invoke("deep").record.cold  # the environment survived


def test_non_utf8_output_is_kept_readable(lab: Lab) -> None:
    lab.deploy(
        "bytes",
        "import os\ndef lambda_handler(e, c):\n    os.write(1, b'caf\\xe9\\n')\n    return 1\n",
    )
    result = lab.invoke("bytes")
    assert "caf\\xe9" in result.log


def test_handler_that_never_reads_its_event(lab: Lab) -> None:
    lab.deploy("ignore", "def lambda_handler(*args):\n    return 'ignored'\n")
    assert lab.invoke("ignore", {"big": "y" * 100_000}).value == "ignored"


def test_init_that_hangs_is_stopped_at_the_init_limit(
    lab: Lab, monkeypatch: pytest.MonkeyPatch
) -> None:
    from lambda_lab.environments import environment

    monkeypatch.setattr(
        environment.limits, "INIT_TIMEOUT_S", 1
    )  # AWS's 10 s, shortened for the test
    lab.deploy("stuck", "import time\ntime.sleep(60)\ndef lambda_handler(e, c):\n    return 1\n")
    started = time.perf_counter()
    result = lab.invoke("stuck")
    assert time.perf_counter() - started < 2
    assert result.value["errorType"] == "Sandbox.Timedout"
    assert "Init" in result.log or "INIT" in result.log
    _next_invoke_works(lab, "stuck")


def test_each_environment_has_its_own_tmp_and_environment(lab: Lab) -> None:
    secret = f"secret-{os.getpid()}-{time.monotonic_ns()}.txt"  # unique: /tmp may be shared
    writer = f"import os, tempfile\ndef lambda_handler(e, c):\n    open(os.path.join(tempfile.gettempdir(), '{secret}'), 'w').write('mine')\n    return sorted(os.listdir(tempfile.gettempdir()))\n"
    reader = "import os, tempfile\ndef lambda_handler(e, c):\n    return [sorted(os.listdir(tempfile.gettempdir())), os.environ.get('SECRET')]\n"
    lab.deploy("writer", writer, Environment={"Variables": {"SECRET": "writer-only"}})
    lab.deploy("reader", reader)
    assert secret in lab.invoke("writer").value
    reader_view = lab.invoke("reader").value
    assert reader_view[1] is None
    assert secret not in reader_view[0]
    assert not os.path.exists(f"/tmp/{secret}")  # never the host's /tmp
    spy = "import os\ndef lambda_handler(e, c):\n    root = e['root']\n    return os.listdir(root) if os.path.isdir(root) else []\n"
    lab.deploy("spy", spy)
    others = os.path.join(lab.root_dir, "environments")
    assert lab.invoke("spy", {"root": others}).value == [] or not lab.sandbox.namespaces


def test_idle_environments_are_frozen_between_invokes(lab: Lab) -> None:
    source = """
import threading, time
COUNT = [0]
def spin():
    while True:
        COUNT[0] += 1
        time.sleep(0.001)
threading.Thread(target=spin, daemon=True).start()
def lambda_handler(e, c):
    return COUNT[0]
"""
    lab.deploy("background", source)
    before = lab.invoke("background").value
    time.sleep(0.5)  # a background thread running freely would count about 500 here
    after = lab.invoke("background").value
    assert after - before < 100


def _alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False
