"""Checks of lesson 02b: an AWS CLI command, a bash custom runtime, a weighted alias."""

from __future__ import annotations

import io
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections import Counter
from pathlib import Path

from lambda_lab.exercises.context import CheckContext

HANDLER_SH = r"""handler () {
  TEXT=$(echo "$1" | sed -n 's/.*"text": *"\([^"]*\)".*/\1/p')
  echo "{\"shout\": \"$(echo "$TEXT" | tr '[:lower:]' '[:upper:]')\"}"
}
"""


def cli_invoke(ctx: CheckContext) -> str:
    lines = [
        line
        for line in ctx.source.splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    ctx.expect(
        len(lines) == 1,
        f"the file has {len(lines)} command lines",
        "one `aws lambda invoke ...` line",
    )
    try:
        argv = shlex.split(lines[0])
    except ValueError as error:
        ctx.fail(f"the command cannot be split into words: {error}", "balanced quotes")
    ctx.expect(
        argv[:3] == ["aws", "lambda", "invoke"],
        f"the command starts with {' '.join(argv[:3])!r}",
        "aws lambda invoke ...",
    )
    aws = shutil.which("aws", path=str(Path(sys.executable).parent)) or shutil.which("aws")
    ctx.expect(aws is not None, "the AWS CLI is not installed here", "pip install awscli")
    endpoint = ctx.lab.serve()
    ctx.deploy(
        "demo-lambda",
        "def lambda_handler(event, context):\n    return event['key1']\n",
        learner_config=False,
    )
    env = {
        **os.environ,
        "AWS_ENDPOINT_URL": endpoint.url,
        "AWS_ACCESS_KEY_ID": "ASIALAMBDALABFAKEKEY",
        "AWS_SECRET_ACCESS_KEY": "not-a-real-secret",
        "AWS_DEFAULT_REGION": ctx.lab.region,
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "AWS_PAGER": "",
    }
    with tempfile.TemporaryDirectory(prefix="cli-exercise-") as work:
        done = subprocess.run(
            [str(aws), *argv[1:]],
            env=env,
            cwd=work,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        printed = (done.stdout + done.stderr).strip()
        ctx.expect(
            done.returncode == 0,
            f"the CLI exited with {done.returncode}",
            "a command that runs",
            printed,
        )
        answer = Path(work, "response.json")
        ctx.expect(
            answer.exists(), "no response.json was written", "the answer in response.json", printed
        )
        body = answer.read_text()
    ctx.expect(
        body.strip() == '"value1"',
        f"response.json holds {body.strip()!r} and the CLI printed what follows",
        "'\"value1\"', the function's answer",
        printed,
    )
    return 'the CLI wrote the function\'s answer "value1" into response.json'


def bash_runtime(ctx: CheckContext) -> str:
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        for name, text, mode in (
            ("bootstrap", ctx.source, 0o755),
            ("function.sh", HANDLER_SH, 0o644),
        ):
            info = zipfile.ZipInfo(name)
            info.external_attr = mode << 16
            zipped.writestr(info, text)
    ctx.deploy(
        "shout",
        archive.getvalue(),
        learner_config=False,
        Runtime="provided.al2023",
        Handler="function.handler",
        Timeout=2,
    )
    result = ctx.invoke("shout", {"text": "hello"})
    if result.function_error:
        ctx.failed_invoke(result, "the call", '{"shout": "HELLO"}')
    ctx.expect(
        result.value == {"shout": "HELLO"}, f"the call {ctx.outcome(result)}", '{"shout": "HELLO"}'
    )
    second = ctx.invoke("shout", {"text": "again"})
    ctx.expect(
        second.value == {"shout": "AGAIN"} and not second.record.cold,
        f"the second (warm) call {ctx.outcome(second)}",
        '{"shout": "AGAIN"} from the same environment',
    )
    return "the bootstrap answered two events, the second one warm"


def weighted_alias(ctx: CheckContext) -> str:
    alias = ctx.setting("ALIAS")
    ctx.expect(isinstance(alias, dict), f"ALIAS is {alias!r}", "a dict of CreateAlias parameters")
    client = ctx.lab.client("lambda")
    for version in ("1", "2"):
        ctx.deploy(
            "checkout",
            f"def lambda_handler(event, context):\n    return 'version {version}'\n",
            learner_config=False,
        )
        client.publish_version(FunctionName="checkout")
    client.create_alias(FunctionName="checkout", **alias)
    ran = Counter(
        ctx.invoke("checkout", {}, qualifier=alias.get("Name", "live")).executed_version
        for _ in range(200)
    )
    counts = f"of 200 calls, version 1 ran {ran['1']} and version 2 ran {ran['2']}"
    weights = (alias.get("RoutingConfig") or {}).get("AdditionalVersionWeights") or {}
    ctx.expect(alias.get("Name") == "live", f"the alias is called {alias.get('Name')!r}", "'live'")
    ctx.expect(
        alias.get("FunctionVersion") == "1" and weights == {"2": 0.1},
        counts,
        "version 1 as the main version and 10 % (0.1) to version 2",
    )
    return f"the alias sends 90 % to version 1 and 10 % to version 2 ({counts})"
