"""`lambda-lab serve --state` under a stream of invokes: nothing is rewritten whole, memory
stays at the caps, and the logs come back after a SIGKILL (a short benchmarks/serve_soak.py).

Asserted by count, never by time: bytes the server writes per window of invokes, its
resident memory once the caps are full, and that the files on disk only ever grow at the end.
"""

from __future__ import annotations

import signal

import pytest
from benchmark_scripts import load_benchmark
from serve_helpers import Served

from lambda_lab import package

ROLE = "arn:aws:iam::123456789012:role/lambda-role"
HANDLER = "def lambda_handler(event, context):\n    print('request', event['n'])\n    return 1\n"


@pytest.mark.slow
def test_cost_per_window_of_invokes_does_not_grow_with_their_number() -> None:
    result = load_benchmark("serve_soak").serve_soak(2400, 400, keep=150)
    windows = result.windows
    assert len(windows) == 6
    # Appends only: each window writes about what the first did (a whole-file rewrite of the
    # logs would write more every time), and memory stops growing once the caps are full.
    written = [w.written_bytes for w in windows]
    assert max(written[1:]) < 1.3 * min(written[1:]), written
    assert windows[-1].rss_mb - windows[2].rss_mb < 4, [w.rss_mb for w in windows]
    assert result.restart_s > 0


@pytest.mark.slow
def test_logs_and_records_are_appended_and_come_back_after_a_kill(tmp_path) -> None:
    state = tmp_path / "state"
    server = Served(tmp_path, state_dir=state)
    server.base_env["LAMBDA_LAB_RUN_DIR"] = str(tmp_path)
    server.start()
    try:
        lam = server.boto3("lambda")
        lam.create_function(FunctionName="logged", Runtime="python3.12", Role=ROLE,
                            Handler="lambda_function.lambda_handler",
                            Code={"ZipFile": package(HANDLER)})  # fmt: skip
        lam.get_waiter("function_active_v2").wait(
            FunctionName="logged", WaiterConfig={"Delay": 0.1, "MaxAttempts": 100}
        )
        for n in range(30):
            lam.invoke(FunctionName="logged", Payload=b'{"n": %d}' % n)
        segment = state / "logs" / "000001.jsonl"
        before = segment.read_bytes()
        journal = (state / "journal.jsonl").read_bytes()
        for n in range(30, 60):
            lam.invoke(FunctionName="logged", Payload=b'{"n": %d}' % n)
        after = segment.read_bytes()
        assert after.startswith(before) and len(after) > len(before)  # appended, not rewritten
        assert (state / "journal.jsonl").read_bytes() == journal  # an invoke changes no state
        records = (state / "records" / "000001.jsonl").read_text().splitlines()
        assert len(records) == 60 and '"function_name":"logged"' in records[-1]
    finally:
        assert server.process is not None
        server.process.send_signal(signal.SIGKILL)
        server.process.communicate(timeout=30)
        server.process = None
    again = Served(tmp_path, state_dir=state)
    again.base_env["LAMBDA_LAB_RUN_DIR"] = str(tmp_path)
    again.start()
    try:
        events = again.boto3("logs").filter_log_events(
            logGroupName="/aws/lambda/logged", filterPattern="request 59"
        )["events"]
        assert [e["message"] for e in events] == ["request 59"]
    finally:
        assert again.stop() == 0, "".join(again.output)
