"""Custom runtimes (provided.al2023): the function's own `bootstrap` talks to the Runtime API.

Three runtimes pass the same invoke, error, timeout, memory and cold/warm tests: the Lab's
Python runtime (the reference), a bash bootstrap that reads events with curl, and AWS's own
Python runtime interface client (awslambdaric) started by a two-line bootstrap.
"""

from __future__ import annotations

import io
import json
import sys
import zipfile

import pytest

from lambda_lab.control.packaging import installed_files

PYTHON_HANDLER = """\
def handler(event, context):
    if "fail" in event:
        raise ValueError("asked to fail")
    if "sleep" in event:
        import time
        time.sleep(30)
    if "hog" in event:
        hog = b"x" * (200 * 1024 * 1024)
        return len(hog)
    return {"echo": event, "arn": context.invoked_function_arn}
"""

BASH_BOOTSTRAP = r"""#!/bin/bash
# A whole runtime in bash: load the handler file, then ask for events forever.
set -uo pipefail
source "$LAMBDA_TASK_ROOT/${_HANDLER%%.*}.sh"
API="http://$AWS_LAMBDA_RUNTIME_API/2018-06-01/runtime"
echo "bash runtime ready for ${_HANDLER}"
while true; do
  HEADERS=$(mktemp)
  EVENT=$(curl -sS -D "$HEADERS" "$API/invocation/next")
  REQUEST_ID=$(sed -n 's/^Lambda-Runtime-Aws-Request-Id: *//Ip' "$HEADERS" | tr -d '\r')
  ARN=$(sed -n 's/^Lambda-Runtime-Invoked-Function-Arn: *//Ip' "$HEADERS" | tr -d '\r')
  if RESULT=$("${_HANDLER##*.}" "$EVENT" "$ARN"); then
    curl -sS -X POST "$API/invocation/$REQUEST_ID/response" -d "$RESULT" > /dev/null
  else
    curl -sS -X POST "$API/invocation/$REQUEST_ID/error" -H "Lambda-Runtime-Function-Error-Type: Unhandled" \
      -d "{\"errorMessage\": \"$RESULT\", \"errorType\": \"HandlerError\"}" > /dev/null
  fi
  rm -f "$HEADERS"
done
"""

BASH_HANDLER = r"""
handler () {
  case "$1" in
    *'"fail"'*) echo "asked to fail"; return 1 ;;
    *'"sleep"'*) sleep 30 ;;
    *'"hog"'*) head -c 200000000 /dev/zero | tail -c 200000000 > /dev/null ;;
  esac
  echo "{\"echo\": $1, \"arn\": \"$2\"}"
}
"""


def zip_files(files: dict[str, tuple[str | bytes, int]]) -> bytes:
    """A deployment package; each file with its Unix mode (a bootstrap must be executable)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, (text, mode) in files.items():
            info = zipfile.ZipInfo(name)
            info.external_attr = mode << 16
            archive.writestr(info, text)
    return buffer.getvalue()


def ric_bootstrap(python: str) -> str:
    """AWS's runtime interface client, packaged with the function as a custom runtime must be."""
    return f'#!/bin/sh\nexport PYTHONPATH="$LAMBDA_TASK_ROOT"\nexec {python} -m awslambdaric "$_HANDLER"\n'


def ric_files(lab) -> dict[str, tuple[str | bytes, int]]:
    # In a sandbox only the runtime's own Python is reachable (/var/lang); without one, the Lab's.
    version = f"{sys.version_info[0]}.{sys.version_info[1]}"
    python = f"/var/lang/bin/python{version}" if lab.sandbox.namespaces else sys.executable
    files: dict[str, tuple[str | bytes, int]] = {
        name: (data, 0o644) for name, data in installed_files("awslambdaric").items()
    }
    files["bootstrap"] = (ric_bootstrap(python), 0o755)
    files["function.py"] = (PYTHON_HANDLER, 0o644)
    return files


KINDS = {
    "python": lambda lab: ({"function.py": (PYTHON_HANDLER, 0o644)}, "python3.12"),
    "bash": lambda lab: (
        {"bootstrap": (BASH_BOOTSTRAP, 0o755), "function.sh": (BASH_HANDLER, 0o644)},
        "provided.al2023",
    ),
    "awslambdaric": lambda lab: (ric_files(lab), "provided.al2"),
}


@pytest.fixture(params=list(KINDS))
def fn(request: pytest.FixtureRequest, lab):
    files, runtime = KINDS[request.param](lab)
    lab.deploy(
        "fn",
        zip_files(files),
        handler="function.handler",
        Runtime=runtime,
        Timeout=1,
        MemorySize=128,
    )
    return lab


def test_invoke_returns_the_result_cold_then_warm(fn) -> None:
    first = fn.invoke("fn", {"a": 1})
    second = fn.invoke("fn", {"a": 2})
    arn = "arn:aws:lambda:us-east-1:123456789012:function:fn"
    assert (first.function_error, first.value) == (None, {"echo": {"a": 1}, "arn": arn})
    assert second.value == {"echo": {"a": 2}, "arn": arn}
    assert first.record.cold and first.record.init_duration_ms > 0
    assert not second.record.cold and second.record.init_duration_ms is None
    assert first.record.env_id == second.record.env_id
    assert "Init Duration" in first.log.splitlines()[-1] and "Init Duration" not in second.log
    assert second.log.splitlines()[0].startswith(
        f"START RequestId: {second.request_id} Version: $LATEST"
    )


def test_an_error_comes_back_unhandled_and_the_environment_stays_warm(fn) -> None:
    failed = fn.invoke("fn", {"fail": True})
    assert failed.function_error == "Unhandled"
    assert failed.value["errorMessage"] == "asked to fail"
    assert failed.value["errorType"] in ("ValueError", "HandlerError")
    assert failed.record.outcome == "error"
    after = fn.invoke("fn", {"b": 1})
    assert after.value["echo"] == {"b": 1} and after.record.env_id == failed.record.env_id


def test_a_timeout_kills_the_environment(fn) -> None:
    timed_out = fn.invoke("fn", {"sleep": True})
    assert timed_out.function_error == "Unhandled"
    assert timed_out.value == {
        "errorType": "Sandbox.Timedout",
        "errorMessage": f"RequestId: {timed_out.request_id} Error: Task timed out after 1.00 seconds",
    }
    assert timed_out.log.splitlines()[-1].endswith("Status: timeout")
    assert fn.environments("fn") == []
    again = fn.invoke("fn", {"c": 1})
    assert again.record.cold and again.value["echo"] == {"c": 1}


def test_memory_above_the_limit_kills_the_environment(fn) -> None:
    # 128 MB buys a fourteenth of a vCPU: give the allocation time to reach the limit.
    fn.service.update_function_configuration("fn", {"Timeout": 10})
    hogged = fn.invoke("fn", {"hog": True})
    assert hogged.function_error == "Unhandled"
    assert hogged.value["errorType"] == "Runtime.OutOfMemory"
    assert hogged.record.max_memory_used_mb == 128
    assert hogged.log.splitlines()[-1].endswith("Status: error\tError Type: Runtime.OutOfMemory")


# -- what only custom runtimes have ------------------------------------------------------------
def _deploy_bootstrap(lab, script: str, mode: int = 0o755, timeout: int = 2) -> None:
    lab.deploy(
        "custom",
        zip_files({"bootstrap": (script, mode)}),
        handler="anything.here",
        Runtime="provided.al2023",
        Timeout=timeout,
    )


def test_the_bootstrap_sees_the_runtime_api_and_lambdas_variables(lab) -> None:
    _deploy_bootstrap(
        lab,
        r"""#!/bin/bash
API="http://$AWS_LAMBDA_RUNTIME_API/2018-06-01/runtime/invocation"
HEADERS=$(mktemp)
curl -sS -D "$HEADERS" "$API/next" > /dev/null
ID=$(sed -n 's/^Lambda-Runtime-Aws-Request-Id: *//Ip' "$HEADERS" | tr -d '\r')
DEADLINE=$(sed -n 's/^Lambda-Runtime-Deadline-Ms: *//Ip' "$HEADERS" | tr -d '\r')
TRACE=$(sed -n 's/^Lambda-Runtime-Trace-Id: *//Ip' "$HEADERS" | tr -d '\r')
WRONG=$(curl -s -o /dev/null -w '%{http_code}' -X POST "$API/not-$ID/response" -d '{}')
curl -sS -X POST "$API/$ID/response" -d "{\"api\": \"$AWS_LAMBDA_RUNTIME_API\", \"handler\": \"$_HANDLER\",
  \"root\": \"$LAMBDA_TASK_ROOT\", \"name\": \"$AWS_LAMBDA_FUNCTION_NAME\", \"exec_env\": \"${AWS_EXECUTION_ENV:-}\",
  \"deadline\": $DEADLINE, \"trace\": \"$TRACE\", \"wrong_id_status\": $WRONG}" > /dev/null
sleep 30
""",
    )
    got = lab.invoke("custom", {})
    assert got.function_error is None, got.payload
    value = got.value
    host, port = value["api"].split(":")
    assert host == "127.0.0.1" and int(port) > 0
    assert (value["handler"], value["name"], value["exec_env"]) == ("anything.here", "custom", "")
    expected_root = "/var/task" if lab.sandbox.namespaces else lab.functions.get("custom").code_dir
    assert value["root"] == expected_root
    assert value["deadline"] > 1e12 and value["trace"].startswith("Root=1-")
    assert value["wrong_id_status"] == 400


def test_an_init_error_is_what_the_invoke_answers(lab) -> None:
    _deploy_bootstrap(
        lab,
        """#!/bin/sh
curl -sS -X POST "http://$AWS_LAMBDA_RUNTIME_API/2018-06-01/runtime/init/error" \\
  -H "Lambda-Runtime-Function-Error-Type: Runtime.ConfigInvalid" \\
  -d '{"errorMessage": "missing setting", "errorType": "Runtime.ConfigInvalid"}'
exit 1
""",
    )
    got = lab.invoke("custom", {})
    assert got.function_error == "Unhandled"
    assert got.value == {"errorMessage": "missing setting", "errorType": "Runtime.ConfigInvalid"}
    assert "Init Duration" in got.log


def test_a_bootstrap_that_exits_is_a_runtime_exit_error(lab) -> None:
    _deploy_bootstrap(
        lab,
        """#!/bin/sh
curl -sS "http://$AWS_LAMBDA_RUNTIME_API/2018-06-01/runtime/invocation/next" > /dev/null
echo "giving up"
exit 3
""",
    )
    got = lab.invoke("custom", {})
    assert got.value == {
        "errorType": "Runtime.ExitError",
        "errorMessage": f"RequestId: {got.request_id} Error: Runtime exited with error: exit status 3",
    }
    assert "giving up" in got.log
    assert lab.environments("custom") == []


@pytest.mark.parametrize(
    ("files", "message"),
    [
        (
            {"not-bootstrap": ("", 0o755)},
            "Couldn't find valid bootstrap(s): [/var/task/bootstrap /opt/bootstrap]",
        ),
        ({"bootstrap": ("#!/bin/sh\n", 0o644)}, "fork/exec /var/task/bootstrap: permission denied"),
    ],
)
def test_a_missing_or_unusable_bootstrap_is_an_invalid_entrypoint(lab, files, message) -> None:
    lab.deploy("custom", zip_files(files), Runtime="provided.al2023")
    got = lab.invoke("custom", {})
    assert got.function_error == "Unhandled"
    assert got.value == {
        "errorType": "Runtime.InvalidEntrypoint",
        "errorMessage": f"RequestId: {got.request_id} Error: {message}",
    }


def test_custom_runtimes_are_accepted_and_unknown_ones_are_not(lab) -> None:
    client = lab.client("lambda")
    package = zip_files({"bootstrap": (ric_bootstrap(sys.executable), 0o755)})
    created = client.create_function(
        FunctionName="al2023",
        Runtime="provided.al2023",
        Handler="function.handler",
        Role="arn:aws:iam::123456789012:role/r",
        Code={"ZipFile": package},
    )
    assert created["Runtime"] == "provided.al2023"
    with pytest.raises(client.exceptions.InvalidParameterValueException, match="provided.al2023"):
        client.create_function(
            FunctionName="go",
            Runtime="go1.x",
            Handler="main",
            Role="arn:aws:iam::123456789012:role/r",
            Code={"ZipFile": package},
        )
    assert json.loads(json.dumps(created["Architectures"])) == ["x86_64"]
