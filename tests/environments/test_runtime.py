"""The runtime core against real worker processes: cold and warm starts, logs, timeouts, memory."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import time

import psutil
import pytest

from lambda_lab import Lab, LambdaError, limits, package

HELLO_WORLD = """
import json

print('Loading function')


def lambda_handler(event, context):
    print("value1 = " + event['key1'])
    print("value2 = " + event['key2'])
    print("value3 = " + event['key3'])
    return event['key1']
"""
TEST_EVENT = {"key1": "value1", "key2": "value2", "key3": "value3"}


def test_hello_world_blueprint_returns_value1_and_logs_like_aws(lab: Lab) -> None:
    lab.deploy("demo-lambda", HELLO_WORLD)
    client = lab.client("lambda")
    first = client.invoke(
        FunctionName="demo-lambda", Payload=json.dumps(TEST_EVENT), LogType="Tail"
    )
    assert first["StatusCode"] == 200
    assert "FunctionError" not in first
    assert first["ExecutedVersion"] == "$LATEST"
    assert json.loads(first["Payload"].read()) == "value1"
    lines = base64.b64decode(first["LogResult"]).decode().splitlines()
    assert lines[0].startswith("START RequestId: ") and lines[0].endswith(" Version: $LATEST")
    assert lines[1:4] == ["value1 = value1", "value2 = value2", "value3 = value3"]
    assert lines[4].startswith("END RequestId: ")
    report = lines[5].split("\t")
    assert report[0].startswith("REPORT RequestId: ")
    assert [f.split(":")[0] for f in report[1:]] == [
        "Duration", "Billed Duration", "Memory Size", "Max Memory Used", "Init Duration",
    ]  # fmt: skip
    second = client.invoke(
        FunctionName="demo-lambda", Payload=json.dumps(TEST_EVENT), LogType="Tail"
    )
    report = base64.b64decode(second["LogResult"]).decode().splitlines()[-1]
    assert "Init Duration" not in report
    # The log group holds INIT_START and the module-level print of the cold start.
    text = lab.logs.tail("demo-lambda")
    assert text.splitlines()[0].startswith("INIT_START Runtime Version: python:3.12")
    assert "Loading function" in text


def test_report_fields_come_from_the_record(lab: Lab) -> None:
    lab.deploy("f", "def lambda_handler(event, context):\n    return 1\n", MemorySize=256)
    result = lab.invoke("f", {})
    record = result.record
    report = result.log.splitlines()[-1]
    assert f"Duration: {record.duration_ms:.2f} ms" in report
    assert f"Billed Duration: {record.billed_duration_ms} ms" in report
    assert record.billed_duration_ms == int(-(-(record.duration_ms + record.init_duration_ms) // 1))
    assert "Memory Size: 256 MB" in report
    assert f"Max Memory Used: {record.max_memory_used_mb} MB" in report


def test_globals_and_tmp_survive_warm_calls_and_code_outside_handler_runs_once(lab: Lab) -> None:
    source = """
import os, tempfile
COUNTER = {"calls": 0}
INIT_PID = os.getpid()
def lambda_handler(event, context):
    COUNTER["calls"] += 1
    path = os.path.join(tempfile.gettempdir(), "seen.txt")
    with open(path, "a") as f:
        f.write("x")
    return {"calls": COUNTER["calls"], "tmp": open(path).read(), "pid": INIT_PID}
"""
    lab.deploy("counter", source)
    values = [lab.invoke("counter", {}).value for _ in range(3)]
    assert [v["calls"] for v in values] == [1, 2, 3]
    assert values[-1]["tmp"] == "xxx"
    assert len({v["pid"] for v in values}) == 1
    records = lab.records.for_function("counter")
    assert [r.cold for r in records] == [True, False, False]


def test_new_code_or_configuration_makes_the_next_call_cold(lab: Lab) -> None:
    lab.deploy("f", "def lambda_handler(e, c):\n    return 'v1'\n")
    assert lab.invoke("f").record.cold
    assert not lab.invoke("f").record.cold
    lab.deploy("f", "def lambda_handler(e, c):\n    return 'v2'\n")
    second = lab.invoke("f")
    assert second.value == "v2" and second.record.cold
    lab.client("lambda").update_function_configuration(FunctionName="f", Timeout=5)
    assert lab.invoke("f").record.cold


def test_timeout_kills_the_worker_within_200_ms_of_the_deadline(lab: Lab) -> None:
    source = """
import time
def lambda_handler(event, context):
    if not event.get("hang"):
        return "warm"
    try:
        while True:
            time.sleep(0.01)
    except BaseException:  # a handler that tries to survive: the parent kills it anyway
        while True:
            pass
"""
    lab.deploy("slow", source, Timeout=1)
    lab.invoke("slow", {})  # a warm environment, so the measurement below is the timeout alone
    started = time.perf_counter()
    result = lab.invoke("slow", {"hang": True})
    elapsed = time.perf_counter() - started
    assert 1.0 <= elapsed < 1.2  # the promise: killed within 200 ms of the deadline
    assert result.function_error == "Unhandled"
    error = result.value
    assert error["errorType"] == "Sandbox.Timedout"
    assert (
        error["errorMessage"]
        == f"RequestId: {result.request_id} Error: Task timed out after 1.00 seconds"
    )
    assert result.record.outcome == "timeout" and result.record.duration_ms == 1000.0
    assert result.log.splitlines()[-1].endswith("\tStatus: timeout")
    assert lab.environments("slow") == []  # that environment is gone


def test_memory_hog_is_killed_at_its_memory_size(lab: Lab) -> None:
    source = """
def lambda_handler(event, context):
    block = b"x" * (300 * 1024 * 1024)
    return len(block)
"""
    lab.deploy("hog", source, MemorySize=128)
    result = lab.invoke("hog", {})
    assert result.function_error == "Unhandled"
    assert result.value["errorType"] == "Runtime.OutOfMemory"
    assert result.record.outcome == "out_of_memory"
    assert result.record.max_memory_used_mb == 128
    assert "Status: error\tError Type: Runtime.OutOfMemory" in result.log
    assert lab.invoke("hog", {}).record.cold  # the next call needs a new environment


def test_max_memory_used_is_measured_not_copied(lab: Lab) -> None:
    small = "def lambda_handler(e, c):\n    return 1\n"
    large = "def lambda_handler(e, c):\n    data = bytearray(120 * 1024 * 1024)\n    data[::4096] = b'x' * len(data[::4096])\n    return len(data)\n"
    lab.deploy("small", small, MemorySize=512)
    lab.deploy("large", large, MemorySize=512)
    small_used = lab.invoke("small").record.max_memory_used_mb
    large_used = lab.invoke("large").record.max_memory_used_mb
    assert small_used < 64
    assert large_used >= small_used + 100
    assert large_used < 512


def test_handler_exception_returns_aws_error_document_and_environment_survives(lab: Lab) -> None:
    source = """
def lambda_handler(event, context):
    return ACTIONS[event["action"]]

ACTIONS = {}
"""
    lab.deploy("boom", source)
    result = lab.invoke("boom", {"action": "increment"})
    assert result.function_error == "Unhandled"
    error = result.value
    assert set(error) == {"errorMessage", "errorType", "requestId", "stackTrace"}
    assert error["errorType"] == "KeyError" and error["errorMessage"] == "'increment'"
    assert error["requestId"] == result.request_id
    assert error["stackTrace"] == [
        '  File "/var/task/lambda_function.py", line 3, in lambda_handler\n    return ACTIONS[event["action"]]\n'
    ]
    assert "[ERROR] KeyError: 'increment'\rTraceback (most recent call last):\r" in result.raw_log
    assert not lab.invoke("boom", {"action": "x"}).record.cold  # same environment, as on AWS


@pytest.mark.parametrize(
    ("source", "handler", "error_type", "message"),
    [
        ("import not_a_module\n", "lambda_function.lambda_handler", "Runtime.ImportModuleError",
         "Unable to import module 'lambda_function': No module named 'not_a_module'"),
        ("def other(e, c):\n    pass\n", "lambda_function.lambda_handler", "Runtime.HandlerNotFound",
         "Handler 'lambda_handler' missing on module 'lambda_function'"),
        ("def lambda_handler(e, c)\n    pass\n", "lambda_function.lambda_handler", "Runtime.UserCodeSyntaxError",
         "Syntax error in module 'lambda_function': expected ':' (lambda_function.py, line 1)"),
        ("def lambda_handler(e, c):\n    return object()\n", "lambda_function.lambda_handler", "Runtime.MarshalError",
         "Unable to marshal response: Object of type object is not JSON serializable"),
        ("def lambda_handler(e, c):\n    pass\n", "lambda_handler", "Runtime.MalformedHandlerName",
         "Bad handler 'lambda_handler': not enough values to unpack (expected 2, got 1)"),
    ],
)  # fmt: skip
def test_init_and_result_errors_use_aws_types(
    lab: Lab, source, handler, error_type, message
) -> None:
    lab.deploy("broken", source, handler=handler)
    result = lab.invoke("broken", {})
    assert result.function_error == "Unhandled"
    assert result.value["errorType"] == error_type
    assert result.value["errorMessage"] == message


def test_context_object_and_environment_variables(lab: Lab) -> None:
    source = """
import os
def lambda_handler(event, context):
    return {
        "name": context.function_name, "version": context.function_version,
        "arn": context.invoked_function_arn, "memory": context.memory_limit_in_mb,
        "request": context.aws_request_id, "group": context.log_group_name,
        "stream": context.log_stream_name, "remaining": context.get_remaining_time_in_millis(),
        "identity": context.identity.cognito_identity_id, "client_context": context.client_context,
        "env": {k: os.environ.get(k) for k in (
            "AWS_LAMBDA_FUNCTION_NAME", "_HANDLER", "AWS_REGION", "AWS_EXECUTION_ENV",
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_LAMBDA_INITIALIZATION_TYPE", "LAMBDA_TASK_ROOT",
            "GREETING", "AWS_LAMBDA_LOG_GROUP_NAME", "TZ")},
        "trace": os.environ.get("_X_AMZN_TRACE_ID", ""),
    }
"""
    lab.deploy(
        "ctx", source, MemorySize=256, Timeout=7, Environment={"Variables": {"GREETING": "hi"}}
    )
    result = lab.invoke("ctx", {})
    value = result.value
    assert value["name"] == "ctx" and value["version"] == "$LATEST"
    assert value["arn"] == f"arn:aws:lambda:us-east-1:{limits.ACCOUNT_ID}:function:ctx"
    assert value["memory"] == "256"  # a string, as AWS's runtime gives it
    assert value["request"] == result.request_id
    assert value["group"] == "/aws/lambda/ctx"
    assert value["stream"] == lab.logs.streams("ctx")[0]
    assert 6000 < value["remaining"] <= 7000
    assert value["identity"] is None and value["client_context"] is None
    env = value["env"]
    assert env["_HANDLER"] == "lambda_function.lambda_handler"
    assert env["AWS_REGION"] == "us-east-1" and env["AWS_EXECUTION_ENV"] == "AWS_Lambda_python3.12"
    assert env["AWS_LAMBDA_INITIALIZATION_TYPE"] == "on-demand" and env["GREETING"] == "hi"
    assert value["trace"].startswith("Root=1-")
    assert (
        value["stream"].split("/")[3].startswith("[$LATEST]")
        and len(value["stream"].split("]")[1]) == 32
    )


def test_workers_never_see_the_users_environment(lab: Lab, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAREALLOOKINGKEY00")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "real-secret")
    monkeypatch.setenv("AWS_PROFILE", "production")
    lab.deploy("env", "import os\ndef lambda_handler(e, c):\n    return dict(os.environ)\n")
    environ = lab.invoke("env").value
    assert environ["AWS_ACCESS_KEY_ID"] != "AKIAREALLOOKINGKEY00"
    assert "real-secret" not in json.dumps(environ)
    assert "AWS_PROFILE" not in environ


@pytest.mark.parametrize(
    ("settings", "code", "fragment"),
    [
        ({"MemorySize": 100}, "ValidationException", "Member must have value greater than or equal to 128"),
        ({"MemorySize": 10241}, "ValidationException", "Member must have value less than or equal to 10240"),
        ({"Timeout": 901}, "ValidationException", "less than or equal to 900"),
        ({"EphemeralStorage": {"Size": 256}}, "ValidationException", "greater than or equal to 512"),
        ({"Environment": {"Variables": {"1BAD": "x"}}}, "ValidationException", "[a-zA-Z]([a-zA-Z0-9_])+"),
        ({"Environment": {"Variables": {"AWS_REGION": "x"}}}, "InvalidParameterValueException", "AWS_REGION"),
        ({"Environment": {"Variables": {"BIG": "x" * 5000}}}, "InvalidParameterValueException", "4KB"),
        ({"Architectures": ["sparc"]}, "ValidationException", "x86_64"),
        ({"Runtime": "python2.7"}, "InvalidParameterValueException", "no longer supported"),
    ],
)  # fmt: skip
def test_configuration_is_validated_with_aws_errors(lab: Lab, settings, code, fragment) -> None:
    with pytest.raises(LambdaError) as caught:
        lab.deploy("valid", "def lambda_handler(e, c):\n    return 1\n", **settings)
    assert caught.value.code == code
    assert fragment in caught.value.message
    assert "valid" not in lab.functions  # nothing half-created


def test_boto3_checks_model_ranges_before_sending_and_the_lab_checks_the_rest(lab: Lab) -> None:
    import botocore.exceptions

    client = lab.client("lambda")
    lab.deploy("valid", "def lambda_handler(e, c):\n    return 1\n")
    with pytest.raises(botocore.exceptions.ParamValidationError):
        client.update_function_configuration(
            FunctionName="valid", MemorySize=64
        )  # below the model's 128
    with pytest.raises(client.exceptions.ClientError) as caught:
        client.update_function_configuration(
            FunctionName="valid", MemorySize=20000
        )  # model allows 32768
    assert caught.value.response["Error"]["Code"] == "ValidationException"
    assert "less than or equal to 10240" in caught.value.response["Error"]["Message"]


def test_code_forms_all_end_in_the_same_zip_package(lab: Lab, tmp_path) -> None:
    source = "def lambda_handler(e, c):\n    return 'ok'\n"
    (tmp_path / "lambda_function.py").write_text(source)
    folder = tmp_path / "project"
    (folder / "src").mkdir(parents=True)
    (folder / "src" / "app.py").write_text(
        "from helper import X\ndef handler(e, c):\n    return X\n"
    )
    (folder / "helper.py").write_text("X = 'from folder'\n")

    def lambda_handler(event, context):
        return "from function"

    lab.deploy("text", source)
    lab.deploy("file", str(tmp_path / "lambda_function.py"))
    lab.deploy("folder", folder, handler="src/app.handler")
    lab.deploy("func", lambda_handler)
    client = lab.client("lambda")
    client.create_function(
        FunctionName="zip", Role="arn:aws:iam::123456789012:role/r", Runtime="python3.12",
        Handler="lambda_function.lambda_handler", Code={"ZipFile": package(source)},
    )  # fmt: skip
    assert [lab.invoke(n).value for n in ("text", "file", "folder", "func", "zip")] == [
        "ok", "ok", "from folder", "from function", "ok",
    ]  # fmt: skip
    assert (
        client.get_function(FunctionName="zip")["Configuration"]["CodeSha256"]
        == (client.get_function(FunctionName="text")["Configuration"]["CodeSha256"])
    )


def test_payload_limits_and_bad_json(lab: Lab) -> None:
    client = lab.client("lambda")
    lab.deploy("echo", "def lambda_handler(e, c):\n    return e\n")
    with pytest.raises(client.exceptions.ClientError) as too_large:
        client.invoke(
            FunctionName="echo", Payload=b'"' + b"x" * limits.SYNC_PAYLOAD_MAX_BYTES + b'"'
        )
    assert too_large.value.response["Error"]["Code"] == "RequestEntityTooLargeException"
    with pytest.raises(client.exceptions.InvalidRequestContentException) as caught:
        client.invoke(FunctionName="echo", Payload=b"{not json")
    assert "Could not parse request body into json" in str(caught.value)
    big = "x" * (limits.SYNC_PAYLOAD_MAX_BYTES - 100)
    assert lab.invoke("echo", big).value == big  # just under 6 MB both ways
    lab.deploy(
        "huge", "def lambda_handler(e, c):\n    return 'y' * (7 * 1024 * 1024)\n", MemorySize=512
    )
    result = lab.invoke("huge")
    assert result.function_error == "Unhandled"
    assert result.value == {
        "errorMessage": "Response payload size exceeded maximum allowed payload size (6291556 bytes).",
        "errorType": "Function.ResponseSizeTooLarge",
    }
    assert not lab.invoke("huge").record.cold  # the environment survives, as on AWS


def test_empty_payload_arrives_as_empty_object_and_decimals_and_bytes_are_returned(
    lab: Lab,
) -> None:
    source = (
        "import decimal\n"
        "def lambda_handler(event, context):\n"
        "    if event.get('raw'):\n"
        "        return b'raw bytes'\n"
        "    return {'event': event, 'price': decimal.Decimal('1.50'), 'count': decimal.Decimal('3')}\n"
    )
    lab.deploy("shapes", source)
    assert lab.invoke("shapes").value == {"event": {}, "price": 1.5, "count": 3}
    assert lab.client("lambda").invoke(FunctionName="shapes")["Payload"].read() == (
        b'{"event": {}, "price": 1.5, "count": 3}'
    )
    assert lab.invoke("shapes", {"raw": True}).payload == b"raw bytes"


def test_invoke_response_request_id_matches_the_log(lab: Lab) -> None:
    lab.deploy("ids", "def lambda_handler(e, c):\n    return c.aws_request_id\n")
    response = lab.client("lambda").invoke(FunctionName="ids", LogType="Tail")
    request_id = response["ResponseMetadata"]["RequestId"]
    assert json.loads(response["Payload"].read()) == request_id
    assert f"START RequestId: {request_id}" in base64.b64decode(response["LogResult"]).decode()


def test_client_context_reaches_the_handler_and_bad_ones_are_rejected(lab: Lab) -> None:
    lab.deploy(
        "cc",
        "def lambda_handler(e, c):\n    return [c.client_context.client.app_title, c.client_context.custom]\n",
    )
    client = lab.client("lambda")
    context = base64.b64encode(
        json.dumps({"client": {"app_title": "shop"}, "custom": {"a": 1}}).encode()
    ).decode()
    assert json.loads(
        client.invoke(FunctionName="cc", ClientContext=context)["Payload"].read()
    ) == ["shop", {"a": 1}]
    with pytest.raises(client.exceptions.InvalidRequestContentException):
        client.invoke(FunctionName="cc", ClientContext=base64.b64encode(b"[1, 2]").decode())
    assert not lab.invoke("cc").record.cold  # nothing broke the environment


def test_dry_run_and_unknown_function(lab: Lab) -> None:
    client = lab.client("lambda")
    lab.deploy("f", "def lambda_handler(e, c):\n    raise SystemExit('never runs')\n")
    assert client.invoke(FunctionName="f", InvocationType="DryRun")["StatusCode"] == 204
    assert len(lab.records) == 0
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.invoke(FunctionName="missing")


def test_log_tail_is_the_last_4_kb(lab: Lab) -> None:
    lab.deploy(
        "chatty",
        "def lambda_handler(e, c):\n    for i in range(2000):\n        print(f'line {i}')\n",
    )
    result = lab.invoke("chatty")
    tail = base64.b64decode(result.log_result)
    assert len(tail) == limits.LOG_TAIL_BYTES
    assert tail.decode().rstrip("\n").splitlines()[-1].startswith("REPORT RequestId:")


def test_idle_environments_end_after_the_keep_alive() -> None:
    with Lab(clock="virtual", keep_alive_s=300) as lab:
        lab.deploy("f", "def lambda_handler(e, c):\n    return 1\n")
        lab.invoke("f")
        pid = lab.environments("f")[0].pid
        lab.clock.advance(seconds=299)
        assert not lab.invoke("f").record.cold
        lab.clock.advance(seconds=301)
        assert lab.environments("f") == []
        deadline = time.monotonic() + 3
        while _alive(pid) and time.monotonic() < deadline:
            time.sleep(0.01)
        assert not _alive(pid)
        assert lab.invoke("f").record.cold


def test_close_leaves_no_process_and_no_files() -> None:
    lab = Lab()
    lab.deploy(
        "f",
        "import subprocess\ndef lambda_handler(e, c):\n    subprocess.Popen(['sleep', '30'])\n    return 1\n",
    )
    lab.deploy("g", "def lambda_handler(e, c):\n    return 2\n")
    lab.invoke("f")
    lab.invoke("g")
    pids = [e.pid for e in lab.environments()] + [lab._spawner.pid]
    # Everything this Lab started descends from its template process.
    descendants = [c.pid for c in psutil.Process(lab._spawner.pid).children(recursive=True)]
    root = lab.root_dir
    lab.close()
    deadline = time.monotonic() + 3
    while time.monotonic() < deadline and any(_alive(p) for p in pids + descendants):
        time.sleep(0.02)
    assert not [p for p in pids + descendants if _alive(p)]
    assert not os.path.exists(root)


def _alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def test_a_bad_setting_in_deploy_changes_nothing_and_dry_run_keeps_the_code(lab: Lab) -> None:
    lab.deploy("stable", "def lambda_handler(e, c):\n    return 'v1'\n")
    with pytest.raises(LambdaError):
        lab.deploy("stable", "def lambda_handler(e, c):\n    return 'v2'\n", MemorySize=64)
    assert lab.invoke("stable").value == "v1"
    client = lab.client("lambda")
    client.update_function_code(
        FunctionName="stable",
        ZipFile=package("def lambda_handler(e, c):\n    return 'v3'\n"),
        DryRun=True,
    )
    assert lab.invoke("stable").value == "v1"
    with pytest.raises(FileNotFoundError):
        lab.deploy("typo", "handlers/missing_file")


def test_invoking_a_closed_lab_is_a_clear_error() -> None:
    lab = Lab()
    lab.deploy("f", "def lambda_handler(e, c):\n    return 1\n")
    lab.close()
    with pytest.raises(LambdaError, match="closed"):
        lab.invoke("f")


def test_folders_of_labs_whose_process_died_are_removed(tmp_path) -> None:
    from lambda_lab.wiring.lifetime import remove_stale_labs

    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = tmp_path / f"lambda-lab-{dead.pid}-abc"
    (stale / "code").mkdir(parents=True)
    mine = tmp_path / f"lambda-lab-{os.getpid()}-xyz"
    mine.mkdir()
    assert remove_stale_labs(str(tmp_path)) == 1
    assert not stale.exists() and mine.exists()
