"""`lambda-lab serve --state`, SIGKILLed at random moments while a client makes changes: every
change the server acknowledged is there after the restart.

A client thread loops over CreateFunction, UpdateFunctionConfiguration, CreateAlias,
PublishVersion and PutFunctionConcurrency through unmodified boto3 (no retries), noting each
change once its answer has arrived. The test kills the server with SIGKILL after a random
pause, restarts it on the same directory and compares. The one call in flight at the kill
may or may not have been applied: both are right, as on AWS.
"""

from __future__ import annotations

import random
import signal
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from serve_helpers import Served

from lambda_lab import package

FAST = {"Delay": 0.05, "MaxAttempts": 200}  # waiters polling at the Lab's pace
ROLE = "arn:aws:iam::123456789012:role/lambda-role"
CYCLES = 10
MAIN = "kept-main"


@dataclass
class Acknowledged:
    """What the server answered for, and the one call that may have been cut off."""

    functions: set[str] = field(default_factory=set)
    description: str | None = None
    aliases: set[str] = field(default_factory=set)
    versions: set[str] = field(default_factory=set)
    reserved: int | None = None
    in_flight: tuple[str, object] | None = None
    calls: int = 0


def _client(server: Served):
    import boto3
    from botocore.config import Config

    session = boto3.session.Session(
        aws_access_key_id="AKIAFAKEFORTESTS",
        aws_secret_access_key="fake-secret-for-tests",
        region_name="us-east-1",
    )
    config = Config(
        retries={"total_max_attempts": 1}, connect_timeout=2, read_timeout=20, tcp_keepalive=False
    )
    return session.client("lambda", endpoint_url=server.url, config=config)


def _change_until_killed(lam, acked: Acknowledged, cycle: int, stop: threading.Event) -> None:
    code = package("def lambda_handler(event, context):\n    return 1\n")
    step = 0
    while not stop.is_set():
        step += 1
        mark = f"c{cycle}-{step}"
        kind = step % 5
        try:
            if kind == 0:
                name = f"fn-{mark}"
                acked.in_flight = ("function", name)
                lam.create_function(FunctionName=name, Runtime="python3.12", Role=ROLE,
                                    Handler="lambda_function.lambda_handler", Code={"ZipFile": code})  # fmt: skip
                acked.functions.add(name)
            elif kind in (1, 3):
                acked.in_flight = ("description", mark)
                lam.update_function_configuration(FunctionName=MAIN, Description=mark)
                acked.description = mark
            elif kind == 2:
                acked.in_flight = ("alias", mark)
                lam.create_alias(FunctionName=MAIN, Name=f"a-{mark}", FunctionVersion="$LATEST")
                acked.aliases.add(f"a-{mark}")
            else:
                if step % 10 == 4:
                    acked.in_flight = ("version", None)
                    answer = lam.publish_version(FunctionName=MAIN, Description=mark)
                    acked.versions.add(answer["Version"])
                else:
                    amount = step % 7 + 1
                    acked.in_flight = ("reserved", amount)
                    lam.put_function_concurrency(
                        FunctionName=MAIN, ReservedConcurrentExecutions=amount
                    )
                    acked.reserved = amount
        except Exception:  # noqa: BLE001 - the server was killed under this call
            return
        acked.in_flight = None
        acked.calls += 1
        if kind in (1, 3):  # as a deploy script would: the next update waits for this one
            try:
                lam.get_waiter("function_updated_v2").wait(FunctionName=MAIN, WaiterConfig=FAST)
            except Exception:  # noqa: BLE001 - killed while waiting
                return


def _check(lam, acked: Acknowledged) -> None:
    pending_kind, pending = acked.in_flight or ("", None)
    pages = lam.get_paginator("list_functions").paginate()
    names = {f["FunctionName"] for page in pages for f in page["Functions"]}
    assert acked.functions <= names, sorted(acked.functions - names)
    config = lam.get_function_configuration(FunctionName=MAIN)
    allowed = {acked.description} | ({pending} if pending_kind == "description" else set())
    assert config.get("Description") in allowed or (
        acked.description is None and config.get("Description") == ""
    ), (config.get("Description"), allowed)
    aliases = {a["Name"] for a in lam.list_aliases(FunctionName=MAIN, MaxItems=10000)["Aliases"]}
    assert acked.aliases <= aliases, sorted(acked.aliases - aliases)
    published = {
        v["Version"] for v in lam.list_versions_by_function(FunctionName=MAIN)["Versions"]
    } - {"$LATEST"}
    extra = 1 if pending_kind == "version" else 0
    assert acked.versions <= published, sorted(acked.versions - published)
    assert len(published) <= len(acked.versions) + extra
    reserved = lam.get_function_concurrency(FunctionName=MAIN).get("ReservedConcurrentExecutions")
    allowed_reserved = {acked.reserved} | ({pending} if pending_kind == "reserved" else set())
    assert reserved in allowed_reserved, (reserved, allowed_reserved)


@pytest.mark.slow
def test_every_acknowledged_change_survives_sigkill_at_random_moments(tmp_path: Path) -> None:
    state = tmp_path / "state"
    rng = random.Random(17)
    acked = Acknowledged()
    starts: list[float] = []
    for cycle in range(CYCLES):
        server = Served(tmp_path, state_dir=state)
        server.base_env["LAMBDA_LAB_RUN_DIR"] = str(tmp_path)  # killed Labs leave folders here
        server.start()
        try:
            starts.append(server.start_seconds)
            lam = _client(server)
            if cycle == 0:
                lam.create_function(FunctionName=MAIN, Runtime="python3.12", Role=ROLE,
                                    Handler="lambda_function.lambda_handler",
                                    Code={"ZipFile": package("def lambda_handler(e, c):\n    return 0\n")})  # fmt: skip
                acked.functions.add(MAIN)
                lam.get_waiter("function_active_v2").wait(FunctionName=MAIN, WaiterConfig=FAST)
            else:
                _check(lam, acked)  # what the last kill left: everything acknowledged is back
            stop = threading.Event()
            before = acked.calls
            worker = threading.Thread(target=_change_until_killed, args=(lam, acked, cycle, stop))
            worker.start()
            time.sleep(rng.uniform(0.4, 1.6))
        finally:
            assert server.process is not None
            server.process.send_signal(signal.SIGKILL)
            server.process.communicate(timeout=30)
            server.process = None
        stop.set()
        worker.join(timeout=60)
        assert not worker.is_alive()
        assert acked.calls > before, "no change was acknowledged before the kill"
    last = Served(tmp_path, state_dir=state)
    last.base_env["LAMBDA_LAB_RUN_DIR"] = str(tmp_path)
    last.start()
    try:
        _check(_client(last), acked)
        assert "Traceback" not in "".join(last.output)
    finally:
        assert last.stop() == 0, "".join(last.output)
    print(f"{acked.calls} acknowledged changes over {CYCLES} kills; restarts took "
          f"{min(starts):.2f}-{max(starts):.2f} s")  # fmt: skip
