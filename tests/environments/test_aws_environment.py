"""The environment variables and context object a handler gets, against AWS's documented lists.

Lists typed from the AWS Lambda Developer Guide ("Defined runtime environment variables",
and "Using the Lambda context object to retrieve Python function information").
"""

from __future__ import annotations

import pytest

from lambda_lab import Lab, limits

DOCUMENTED_RESERVED = {
    "_HANDLER", "_X_AMZN_TRACE_ID", "AWS_DEFAULT_REGION", "AWS_REGION", "AWS_EXECUTION_ENV",
    "AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_LAMBDA_FUNCTION_VERSION",
    "AWS_LAMBDA_INITIALIZATION_TYPE", "AWS_LAMBDA_LOG_GROUP_NAME", "AWS_LAMBDA_LOG_STREAM_NAME",
    "AWS_ACCESS_KEY", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
    "AWS_LAMBDA_RUNTIME_API", "LAMBDA_TASK_ROOT", "LAMBDA_RUNTIME_DIR",
}  # fmt: skip
DOCUMENTED_UNRESERVED = {
    "LANG": "en_US.UTF-8",
    "PATH": "/var/lang/bin:/usr/local/bin:/usr/bin/:/bin:/opt/bin",
    "LD_LIBRARY_PATH": "/var/lang/lib:/lib64:/usr/lib64:/var/runtime:/var/runtime/lib:/var/task:/var/task/lib:/opt/lib",
    "PYTHONPATH": "/var/runtime",
    "TZ": ":UTC",
    "AWS_XRAY_CONTEXT_MISSING": "LOG_ERROR",
    "AWS_XRAY_DAEMON_ADDRESS": "169.254.79.129:2000",
}
CONTEXT_ATTRIBUTES = {
    "function_name", "function_version", "invoked_function_arn", "memory_limit_in_mb",
    "aws_request_id", "log_group_name", "log_stream_name", "identity", "client_context",
    "tenant_id",
}  # fmt: skip
LAB_ONLY = {"AWS_ENDPOINT_URL", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE",
            "_AWS_XRAY_DAEMON_ADDRESS", "_AWS_XRAY_DAEMON_PORT", "AWS_LAMBDA_LOG_FORMAT"}  # fmt: skip

SHOW = """
import os
def lambda_handler(event, context):
    public = {n for n in dir(context) if not n.startswith("_")}
    return {"environ": dict(os.environ), "context": sorted(public),
            "remaining": callable(context.get_remaining_time_in_millis),
            "arn": context.invoked_function_arn}
"""


def test_the_environment_holds_the_documented_variables_and_nothing_of_the_host(lab: Lab) -> None:
    lab.deploy("env", SHOW, MemorySize=256, Environment={"Variables": {"MINE": "1"}})
    environ = lab.invoke("env").value["environ"]
    assert DOCUMENTED_RESERVED <= set(environ)
    for name, value in DOCUMENTED_UNRESERVED.items():
        if name == "AWS_XRAY_DAEMON_ADDRESS":  # the Lab's daemon listens on loopback (In the Lab)
            assert environ[name] == lab.xray.address, environ[name]
            continue
        assert environ[name] == value, name
    extra = set(environ) - DOCUMENTED_RESERVED - set(DOCUMENTED_UNRESERVED) - LAB_ONLY - {"MINE"}
    assert extra == set() or (not lab.sandbox.namespaces and extra <= {"TMPDIR", "HOME"})
    assert environ["AWS_EXECUTION_ENV"] == "AWS_Lambda_python3.12"
    assert environ["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "256"
    assert environ["AWS_LAMBDA_RUNTIME_API"] == "127.0.0.1:9001"
    assert environ["AWS_LAMBDA_LOG_FORMAT"] == "Text"
    assert environ["LAMBDA_RUNTIME_DIR"] == "/var/runtime"
    if lab.sandbox.namespaces:
        assert environ["LAMBDA_TASK_ROOT"] == "/var/task" and "TMPDIR" not in environ


def test_a_function_may_override_the_unreserved_ones_but_not_the_reserved(lab: Lab) -> None:
    from lambda_lab import LambdaError

    lab.deploy("env", SHOW, Environment={"Variables": {"TZ": "Europe/Paris", "LANG": "C"}})
    environ = lab.invoke("env").value["environ"]
    assert (environ["TZ"], environ["LANG"]) == ("Europe/Paris", "C")
    with pytest.raises(LambdaError, match="reserved keys"):
        lab.deploy("env", SHOW, Environment={"Variables": {"LAMBDA_TASK_ROOT": "/elsewhere"}})


def test_the_context_has_the_documented_attributes(lab: Lab) -> None:
    lab.deploy("ctx", SHOW)
    seen = lab.invoke("ctx").value
    assert CONTEXT_ATTRIBUTES | {"get_remaining_time_in_millis", "log"} <= set(seen["context"])
    assert seen["remaining"]


def test_invoked_function_arn_carries_the_qualifier_the_caller_used(lab: Lab) -> None:
    client = lab.client("lambda")
    lab.deploy("who", SHOW)
    version = client.publish_version(FunctionName="who")["Version"]
    client.create_alias(FunctionName="who", Name="live", FunctionVersion=version)
    base = f"arn:aws:lambda:us-east-1:{limits.ACCOUNT_ID}:function:who"

    def arn(**call: str) -> str:
        return lab.invoke(call.pop("name", "who"), **call).value["arn"]

    assert arn() == base
    assert arn(qualifier="$LATEST") == f"{base}:$LATEST"
    assert arn(qualifier=version) == f"{base}:{version}"
    assert arn(qualifier="live") == f"{base}:live"  # the alias, not the version it points at
    assert arn(name="who:live") == f"{base}:live"
    assert arn(name=f"{base}:live") == f"{base}:live"
