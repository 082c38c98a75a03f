"""The runtime's fast paths keep their behaviour: frames of any size read whole, the template
started with the Lab and ready before the first cold start, the sandbox probe's answer
remembered per machine, idle environments still frozen after a quiet spell, and a payload's
JSON checked by the runtime on a warm invoke with AWS's own 400."""

from __future__ import annotations

import json
import os
import signal
import socket
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil
import pytest

from lambda_lab import Lab, errors
from lambda_lab.environments import freezer, probe_cache, protocol, sandbox

ECHO = "def lambda_handler(event, context):\n    return event\n"


# -- frames ------------------------------------------------------------------------------------
def _frame(header: dict, body: bytes) -> bytes:
    head = json.dumps(header).encode()
    return protocol.PREFIX.pack(len(head), len(body)) + head + body


def _feed_slowly(sock: socket.socket, data: bytes, piece: int) -> threading.Thread:
    def feed() -> None:
        for start in range(0, len(data), piece):
            sock.sendall(data[start : start + piece])
            time.sleep(0.001)

    thread = threading.Thread(target=feed)
    thread.start()
    return thread


def test_a_large_frame_arriving_in_pieces_is_read_whole_into_one_buffer() -> None:
    ours, theirs = socket.socketpair()
    body = os.urandom(3 * protocol.FIRST_READ + 123)
    with ours, theirs:
        feeder = _feed_slowly(theirs, _frame({"id": "r1", "ok": True}, body), 50_000)
        header, got = protocol.recv_frame(ours)
        feeder.join()
        assert header == {"id": "r1", "ok": True}
        assert isinstance(got, bytearray) and got == body  # the runtime decodes it as it is
        feeder = _feed_slowly(theirs, _frame({"id": "r2"}, body), 70_000)
        header, as_bytes = protocol.recv(ours)  # the Lab's side: bytes, as InvokeResult holds
        feeder.join()
        assert header == {"id": "r2"} and type(as_bytes) is bytes and as_bytes == body


def test_a_header_longer_than_the_first_read_and_a_small_frame() -> None:
    ours, theirs = socket.socketpair()
    long_header = {"id": "x", "note": "n" * (2 * protocol.FIRST_READ)}
    with ours, theirs:
        feeder = _feed_slowly(theirs, _frame(long_header, b"tail"), 40_000)
        assert protocol.recv(ours) == (long_header, b"tail")
        feeder.join()
        theirs.sendall(_frame({"id": "small", "ok": True, "rss_kb": 7}, b'{"a": 1}'))
        assert protocol.recv(ours) == ({"id": "small", "ok": True, "rss_kb": 7}, b'{"a": 1}')


def test_bytes_beyond_one_frame_and_a_header_that_is_not_json_are_refused() -> None:
    ours, theirs = socket.socketpair()
    with ours, theirs:
        theirs.sendall(_frame({"id": "a"}, b"1") + b"extra")
        with pytest.raises(protocol.ProtocolError):
            protocol.recv(ours)
        head = b"\xff not json"
        theirs.sendall(protocol.PREFIX.pack(len(head), 0) + head)
        with pytest.raises(ValueError):
            protocol.recv(ours)


# -- the template, started with the Lab --------------------------------------------------------
def test_the_template_starts_with_the_lab_and_serves_its_first_cold_start() -> None:
    with Lab() as lab:
        deadline = time.monotonic() + 20
        while lab._spawner.pid is None and time.monotonic() < deadline:
            time.sleep(0.01)
        template = lab._spawner.pid
        assert template is not None  # started before anything was deployed or invoked
        lab.deploy("first", ECHO)
        result = lab.invoke("first", {"n": 1})
        assert result.value == {"n": 1} and result.record.cold
        assert result.record.init_duration_ms is not None
        assert lab._spawner.pid == template  # the same process forked it


def test_a_lab_closed_while_its_template_boots_leaves_nothing() -> None:
    before = {p.pid for p in psutil.Process().children(recursive=True)}
    lab = Lab()
    lab.close()  # at once: the template (or the look for an interpreter) may still be starting
    time.sleep(0.5)  # (a start racing the close finds the Lab closed)
    left = [
        p
        for p in psutil.Process().children(recursive=True)
        if p.pid not in before and p.status() != psutil.STATUS_ZOMBIE
    ]
    assert left == []
    with pytest.raises(errors.ServiceException):
        lab.pool.start_template("python3.12") or lab._spawner.ensure_started() or lab._spawner.fork(
            {}, 0, None
        )


# -- the sandbox probe, remembered per machine -------------------------------------------------
def test_the_probe_answer_is_kept_and_recalled_per_key(tmp_path: Path) -> None:
    base = str(tmp_path)
    assert probe_cache.recall(base, "k1") is None
    probe_cache.remember(base, "k1", ("namespaces", ""))
    probe_cache.remember(base, "k2", ("none", "unshare: Operation not permitted"))
    assert probe_cache.recall(base, "k1") == ("namespaces", "")
    assert probe_cache.recall(base, "k2") == ("none", "unshare: Operation not permitted")
    assert probe_cache.recall(base, "k3") is None
    folder = probe_cache.cache_dir(base)
    assert stat.S_IMODE(os.stat(folder).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(probe_cache.entry_path(base, "k1")).st_mode) == 0o600
    assert "lambda-lab-" not in os.path.basename(folder)  # never taken for a stale Lab folder


def test_an_old_answer_or_one_others_could_write_is_not_trusted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    base = str(tmp_path)
    probe_cache.remember(base, "k", ("namespaces", ""))
    later = time.time() + probe_cache.MAX_AGE_S + 1
    monkeypatch.setattr(probe_cache.time, "time", lambda: later)
    assert probe_cache.recall(base, "k") is None  # stale: probed again
    monkeypatch.undo()
    folder = probe_cache.cache_dir(base)
    os.chmod(folder, 0o777)
    assert probe_cache.recall(base, "k") is None
    probe_cache.remember(base, "k", ("namespaces", ""))  # nor written into such a folder
    os.chmod(folder, 0o700)
    os.chmod(probe_cache.entry_path(base, "k"), 0o666)
    assert probe_cache.recall(base, "k") is None


def test_each_answer_has_its_own_file_and_a_day_old_file_goes(tmp_path: Path) -> None:
    base = str(tmp_path)
    folder = probe_cache.cache_dir(base)
    probe_cache.remember_entry(base, "a", {"packages": ["x"]}, "kind.json")
    probe_cache.remember_entry(base, "b", {"packages": ["y"]}, "kind.json")
    probe_cache.remember_entry(base, "a", {"model": {}}, "other.json")
    kinds = sorted(name.split(".")[0] for name in os.listdir(folder))
    assert kinds == ["kind", "kind", "other"]  # a reader opens only the file of its own key
    assert probe_cache.recall_entry(base, "b", "kind.json")["packages"] == ["y"]
    assert probe_cache.recall_entry(base, "a", "other.json")["model"] == {}
    # Files of a kind written more than a day ago (the one file of every entry that earlier
    # versions kept, too) are removed when that kind is next written; others stay.
    legacy = os.path.join(folder, "kind.json")
    Path(legacy).write_text("{}")
    day_old = time.time() - probe_cache.MAX_AGE_S - 60
    for path in (legacy, probe_cache.entry_path(base, "a", "kind.json")):
        os.utime(path, (day_old, day_old))
    probe_cache.remember_entry(base, "c", {"packages": []}, "kind.json")
    assert not os.path.exists(legacy)
    assert probe_cache.recall_entry(base, "a", "kind.json") is None
    assert probe_cache.recall_entry(base, "b", "kind.json")["packages"] == ["y"]
    assert probe_cache.recall_entry(base, "a", "other.json") is not None


def test_the_key_changes_with_what_the_answer_depends_on() -> None:
    request = {"user_namespace": False, "host_paths": ["/usr"], "run_base": ["/var/tmp", 1]}
    python = os.path.realpath(sys.executable)
    same = probe_cache.key(python, request)
    assert probe_cache.key(python, dict(request)) == same
    assert probe_cache.key(python, {**request, "user_namespace": True}) != same
    assert probe_cache.key("/usr/bin/false", request) != same


def test_a_second_process_uses_the_kept_answer_and_a_failed_probe_is_not_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if sandbox.requested() == "off":
        pytest.skip("LAMBDA_LAB_SANDBOX=off: no probe runs")
    root = tmp_path / "lambda-lab-1-abc"  # a Lab's folder: the answer is kept beside it
    root.mkdir()
    monkeypatch.setattr(sandbox, "_probed", {})
    plan = sandbox.make_plan(str(root))  # probes for real
    use_userns = sandbox.requested() == "userns" or os.geteuid() != 0
    python = sys.executable
    real = sandbox._probed[(python, "userns" if use_userns else "root")]
    monkeypatch.setattr(sandbox, "_probed", {})  # a new process: nothing known in memory
    runs: list[list[str]] = []

    def no_probe_here(command: list[str], **options: object) -> object:
        runs.append(command)
        raise OSError("the probe could not start")

    monkeypatch.setattr(sandbox.subprocess, "run", no_probe_here)
    assert sandbox.probe(python, plan, use_userns) == real and runs == []  # recalled
    monkeypatch.setattr(sandbox, "_probed", {})
    plan.runtime_packages = [*plan.runtime_packages, str(tmp_path)]  # another request
    failed = sandbox.probe(python, plan, use_userns)
    assert failed == (sandbox.NONE, "the probe failed: the probe could not start")
    monkeypatch.setattr(sandbox, "_probed", {})
    sandbox.probe(python, plan, use_userns)
    assert len(runs) == 2  # the failure was not kept: probed again


# -- the freezer ----------------------------------------------------------------------------------
BACKGROUND = """
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


def test_an_environment_released_after_a_quiet_spell_is_still_frozen(
    lab: Lab, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(freezer, "QUIET_S", 0.05)  # the freezer's thread parks soon
    lab.deploy("background", BACKGROUND)
    lab.invoke("background")
    time.sleep(0.3)  # parked now: only a release wakes it
    before = lab.invoke("background").value
    time.sleep(0.5)  # a thread running freely would count about 500 here
    after = lab.invoke("background").value
    assert after - before < 100
    env = lab.environments("background")[0]
    time.sleep(0.2)
    assert env.frozen


def _state(pid: int) -> str:
    with open(f"/proc/{pid}/stat") as stat_file:
        return stat_file.read().rsplit(")", 1)[1].split()[0]


def _signals_pending(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status_file:
        fields = dict(line.split(":", 1) for line in status_file)
    return int(fields["SigPnd"], 16) | int(fields["ShdPnd"], 16)


def test_a_thaw_sent_right_after_a_freeze_always_wakes_the_environment(lab: Lab) -> None:
    """A thaw that reaches the sandbox's init while it handles the freeze must not wait for
    some process to end: the next invoke of a trivial handler would time out."""
    lab.deploy("pairs", ECHO)
    lab.invoke("pairs", {})
    env = lab.environments("pairs")[0]
    if not env.init_pid or env.init_pid == env.pid:
        pytest.skip("no sandbox init on this host: the Lab signals the worker's group itself")
    time.sleep(0.1)  # the freezer has frozen it and let it go: no other freeze comes now
    env.thaw()
    usr1_usr2 = (1 << (signal.SIGUSR1 - 1)) | (1 << (signal.SIGUSR2 - 1))
    stuck = 0
    for _ in range(1000):
        env.freeze()
        env.thaw()
        # Both signals taken and init asleep again: the worker's state now is final.
        while _state(env.init_pid) != "S" or _signals_pending(env.init_pid) & usr1_usr2:
            time.sleep(0.0001)
        if _state(env.pid) == "T":
            time.sleep(0.2)
            stuck += _state(env.pid) == "T"
    assert stuck == 0
    assert lab.invoke("pairs", {"still": "warm"}).value == {"still": "warm"}


# -- a payload's JSON, checked by the runtime of a warm environment -------------------------------
def _aws_message(payload: bytes) -> str:
    try:
        json.loads(payload)
    except (ValueError, RecursionError) as exc:
        return f"Could not parse request body into json: {exc}"
    raise AssertionError("the payload was JSON")


@pytest.mark.parametrize(
    "payload", [b"{not json", b'{"a": 1} trailing', b"[" * 100_000, b"\xff\xfe{}"]
)
def test_a_body_that_is_not_json_gets_aws_400_warm_or_cold(lab: Lab, payload: bytes) -> None:
    lab.deploy("echo", ECHO)
    for warm in (False, True):  # the first refusal comes before any environment exists
        with pytest.raises(errors.InvalidRequestContentException) as refused:
            lab.invoke("echo", payload=payload)
        assert str(refused.value.message) == _aws_message(payload)
        if not warm:
            assert lab.environments("echo") == []  # nothing started for a refused body
            lab.invoke("echo", {"warm": True})
    records = lab.records.for_function("echo")
    assert [r.outcome for r in records] == ["success"]  # nothing recorded for the refusals
    env = lab.environments("echo")[0]
    assert lab.invoke("echo", payload=b'{"still": "warm"}').record.env_id == env.env_id
    assert "Unmarshal" not in lab.logs.tail("echo", 100)


def test_a_bad_body_is_refused_before_a_bad_client_context(lab: Lab) -> None:
    lab.deploy("echo", ECHO)
    lab.invoke("echo", {})
    with pytest.raises(errors.InvalidRequestContentException) as refused:
        lab.invoke("echo", payload=b"{nope", client_context="!!!")
    assert "Could not parse request body into json" in str(refused.value.message)
    with pytest.raises(errors.InvalidRequestContentException) as refused:
        lab.invoke("echo", payload=b"{}", client_context="!!!")
    assert "Client context must be base64-encoded JSON" in str(refused.value.message)


def test_a_large_payload_passes_through_a_warm_environment_untouched(lab: Lab) -> None:
    lab.deploy("echo", ECHO, MemorySize=1024)
    lab.invoke("echo", {})
    event = {"records": ["x" * 90 for _ in range(40_000)], "é": "ünïcode"}
    payload = json.dumps(event).encode()
    result = lab.invoke("echo", payload=payload)
    assert json.loads(result.payload) == event and type(result.payload) is bytes
    assert result.record.request_bytes == len(payload)


# -- the SDK packages a handler may import, kept per machine -------------------------------------
def _kept_package_lists(base: Path) -> list[str]:
    return sorted(p.name for p in Path(probe_cache.cache_dir(str(base))).glob("runtime-packages.*"))


def test_the_kept_package_list_outlives_a_change_in_the_current_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A notebook's folder is first on sys.path and changes whenever a notebook is saved:
    the list is still the one kept (it was read again, and kept again, every time)."""
    here = tmp_path / "lessons"
    here.mkdir()
    monkeypatch.syspath_prepend(str(here))
    cache = tmp_path / "cache"
    cache.mkdir()
    first = sandbox.runtime_packages(str(cache))
    assert first == sandbox.runtime_packages()  # the same answer as read afresh
    (here / "saved.ipynb").write_text("{}")
    os.utime(here, ns=(time.time_ns() + 10**9, time.time_ns() + 10**9))
    assert sandbox.runtime_packages(str(cache)) == first
    assert len(_kept_package_lists(cache)) == 1


def test_a_new_installation_of_an_sdk_package_is_read_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = tmp_path / "site"
    record = site / "jmespath-9.9.dist-info" / "RECORD"
    record.parent.mkdir(parents=True)
    (site / "jmespath").mkdir()
    record.write_text("jmespath/__init__.py,,\njmespath-9.9.dist-info/RECORD,,\n")
    monkeypatch.syspath_prepend(str(site))
    cache = tmp_path / "cache"
    cache.mkdir()
    assert str(site / "jmespath") in sandbox.runtime_packages(str(cache))
    (site / "jmespath_extra.py").write_text("")
    record.write_text(record.read_text() + "jmespath_extra.py,,\n")
    assert str(site / "jmespath_extra.py") in sandbox.runtime_packages(str(cache))


def test_a_warm_runtime_is_woken_once_per_invoke_not_again_when_its_reply_is_read(
    lab: Lab,
) -> None:
    """Between invokes the runtime sleeps in poll() for input: the Lab reading a reply (which
    frees socket space) does not wake it, so each invoke costs it one voluntary context switch
    (a runtime sleeping in recv() was woken twice: about 2.0 per invoke)."""
    lab.pool.freeze_idle = False  # a freeze would be a context switch of its own
    lab.deploy("woken", ECHO)
    lab.invoke("woken", {})
    (env,) = lab.pool.environments("woken")
    runtime = psutil.Process(env.pid)
    before = runtime.num_ctx_switches().voluntary
    for _ in range(100):
        time.sleep(0.001)  # the runtime is asleep when each invoke comes
        assert lab.invoke("woken", {"n": 1}).value == {"n": 1}
    assert runtime.num_ctx_switches().voluntary - before <= 130


def test_the_template_loads_no_module_that_awss_runtime_does_not() -> None:
    """Every runtime is forked from the template: a module it loads is one a handler gets for
    free (dataclasses brings inspect and ast, ~7 ms of import a handler's Init would not pay)."""
    code = (
        "import sys, lambda_lab.environments.template; "
        "print(sorted({'dataclasses', 'inspect', 'ast'} & set(sys.modules)))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]", done.stdout


def test_a_spare_mounts_the_default_ephemeral_storage() -> None:
    """Spares mount /tmp ahead at this size (mounts.py may not import limits: the template
    loads little); a cold start of another size remounts it."""
    from lambda_lab import limits
    from lambda_lab.environments import mounts

    assert limits.EPHEMERAL_DEFAULT_MB == mounts.SPARE_TMP_MB
