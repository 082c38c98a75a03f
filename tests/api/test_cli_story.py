"""The AWS CLI commands `lambda-lab serve`'s banner and the README give work, as written, with
the CLI the course installs (pip's awscli, version 1) against a real `lambda-lab serve`."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from serve_helpers import Served

from lambda_lab import package

README = Path(__file__).resolve().parents[2] / "README.md"
CODE = "def lambda_handler(event, context):\n    print('value1 =', event['key1'])\n    return event['key1']\n"


def aws_commands(text: str) -> list[list[str]]:
    """Every `aws ...` command in ``text`` (backslash continuations joined), as argv without `aws`."""
    joined = re.sub(r"\\\n\s*", " ", text)
    commands = []
    for line in joined.splitlines():
        line = line.strip()
        if line.startswith("aws ") and "--endpoint-url" not in line:
            words = shlex.split(line.split("  (")[0], comments=True)
            commands.append(words[1:])
    return commands


def readme_terminal_block() -> str:
    text = README.read_text(encoding="utf-8")
    section = text.split("## The Lab from the terminal", 1)[1].split("\n## ", 1)[0]
    return "\n".join(re.findall(r"```bash\n(.*?)```", section, flags=re.DOTALL))


@pytest.mark.slow
@pytest.mark.parametrize("source", ["banner", "readme"])
def test_the_documented_commands_work_with_cli_v1(tmp_path, source: str) -> None:
    (tmp_path / "function.zip").write_bytes(package(CODE))
    served = Served(tmp_path).start()
    try:
        text = "".join(served.output) if source == "banner" else readme_terminal_block()
        commands = aws_commands(text)
        assert [c[:2] for c in commands] == [
            ["lambda", "create-function"], ["lambda", "wait"], ["lambda", "invoke"],
            ["logs", "filter-log-events"],
        ]  # fmt: skip
        outputs = [served.aws(*command).stdout for command in commands]
        assert '"State": "Pending"' in outputs[0]
        assert (tmp_path / "response.json").read_text() == '"value1"'
        assert "value1 = value1" in outputs[3] and "REPORT RequestId:" in outputs[3]
        missing = served.aws("logs", "tail", "/aws/lambda/x", check=False)
        assert missing.returncode != 0  # v1 has no `logs tail`, as the banner and README say
    finally:
        assert served.stop() == 0
