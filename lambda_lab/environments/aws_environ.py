"""The environment variables of an execution environment, as AWS documents them.

Sources: AWS Lambda Developer Guide, "Defined runtime environment variables" (reserved and
unreserved lists; docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html, and the
guide's 2023 copy), and the Python runtime's paths (/var/lang, /var/runtime). Values a
learner could see on AWS are AWS's; the Lab only adds what keeps handlers on this machine
(the loopback endpoint for boto3, fake credentials) and, without a sandbox, a TMPDIR.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from lambda_lab.environments import runtime_layout

# Reserved: set by Lambda, a function cannot choose them (CreateFunction refuses them).
RESERVED = (
    "_HANDLER", "_X_AMZN_TRACE_ID", "AWS_DEFAULT_REGION", "AWS_REGION", "AWS_EXECUTION_ENV",
    "AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_LAMBDA_FUNCTION_VERSION",
    "AWS_LAMBDA_INITIALIZATION_TYPE", "AWS_LAMBDA_LOG_GROUP_NAME", "AWS_LAMBDA_LOG_STREAM_NAME",
    "AWS_ACCESS_KEY", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
    "AWS_LAMBDA_RUNTIME_API", "LAMBDA_TASK_ROOT", "LAMBDA_RUNTIME_DIR",
)  # fmt: skip
# Unreserved: set by Lambda with these values, a function may override them.
UNRESERVED = {
    "LANG": "en_US.UTF-8",
    "PATH": "/var/lang/bin:/usr/local/bin:/usr/bin/:/bin:/opt/bin",
    "LD_LIBRARY_PATH": (
        "/var/lang/lib:/lib64:/usr/lib64:/var/runtime:/var/runtime/lib:/var/task:/var/task/lib"
        ":/opt/lib"
    ),
    "PYTHONPATH": runtime_layout.RUNTIME_DIR,  # $LAMBDA_RUNTIME_DIR
    "TZ": ":UTC",
    "AWS_XRAY_CONTEXT_MISSING": "LOG_ERROR",
    "AWS_XRAY_DAEMON_ADDRESS": "169.254.79.129:2000",
    "_AWS_XRAY_DAEMON_ADDRESS": "169.254.79.129",
    "_AWS_XRAY_DAEMON_PORT": "2000",
}
RUNTIME_API_ADDRESS = "127.0.0.1:9001"  # managed runtimes talk to it; a custom one gets the Lab's
# Workers never see a real credential: these only satisfy SDKs that insist on having one.
FAKE_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "ASIALAMBDALABFAKEKEY",
    "AWS_ACCESS_KEY": "ASIALAMBDALABFAKEKEY",
    "AWS_SECRET_ACCESS_KEY": "lambda-lab-fake-secret-key-not-a-real-credential",
    "AWS_SESSION_TOKEN": "lambda-lab-fake-session-token",
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
}


def environment(
    *,
    function_name: str,
    handler: str,
    runtime: str,
    memory_mb: int,
    version: str,
    init_type: str,
    log_group: str,
    log_stream: str,
    log_format: str,
    log_level: str | None,
    region: str,
    variables: Mapping[str, str],
    lab_variables: Mapping[str, str],
    sandboxed: bool,
    task_root: str,
    tmp_dir: str,
) -> dict[str, str]:
    """Every variable one environment starts with (``_X_AMZN_TRACE_ID`` is set per invoke)."""
    environ = dict(UNRESERVED)
    if not sandboxed:  # no private /tmp: the environment's own folder stands in for it
        environ.update({"TMPDIR": tmp_dir, "HOME": tmp_dir})
    environ.update(variables)  # the function's Environment.Variables
    environ.update(FAKE_CREDENTIALS)
    environ.update(lab_variables)  # the loopback endpoint for the SDK
    environ.update(
        {
            "_HANDLER": handler,
            "AWS_REGION": region,
            "AWS_DEFAULT_REGION": region,
            "AWS_EXECUTION_ENV": f"AWS_Lambda_{runtime}",
            "AWS_LAMBDA_FUNCTION_NAME": function_name,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(memory_mb),
            "AWS_LAMBDA_FUNCTION_VERSION": version,
            "AWS_LAMBDA_INITIALIZATION_TYPE": init_type,
            "AWS_LAMBDA_LOG_GROUP_NAME": log_group,
            "AWS_LAMBDA_LOG_STREAM_NAME": log_stream,
            "AWS_LAMBDA_LOG_FORMAT": log_format,
            "AWS_LAMBDA_RUNTIME_API": RUNTIME_API_ADDRESS,
            "LAMBDA_TASK_ROOT": runtime_layout.TASK_ROOT if sandboxed else task_root,
            "LAMBDA_RUNTIME_DIR": runtime_layout.RUNTIME_DIR,
        }
    )
    if log_level:
        environ["AWS_LAMBDA_LOG_LEVEL"] = log_level
    return environ
