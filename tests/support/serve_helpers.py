"""A real `lambda-lab serve` subprocess and real AWS CLIs pointed at it (helpers for tests/api).

Every Python process these tests start (the server and both CLIs) loads an audit hook
(sitecustomize on PYTHONPATH) that logs each socket connect and bind to a file, so a test
can prove that nothing left 127.0.0.1. No CLI reads the real ~/.aws: config and
credentials files are /dev/null and the keys are fake.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

BIN = Path(sys.executable).parent
AWS_V1 = BIN / "aws"  # pip's awscli, from the test extra
AWS_V2 = Path("/usr/bin/aws")  # Debian's awscli package (2.9), when installed
READY = re.compile(r"answers on (http://127\.0\.0\.1:\d+)")
START_TIMEOUT_S = 30
CLI_TIMEOUT_S = 60

SITECUSTOMIZE = """
import json, os, socket, sys
_path = os.environ.get("LAMBDA_LAB_TEST_SOCKET_LOG")
def _audit(event, args):
    if _path and event in ("socket.connect", "socket.bind"):
        sock, address = args[0], args[1]
        if sock.family in (socket.AF_INET, socket.AF_INET6):
            with open(_path, "a") as handle:
                handle.write(json.dumps([event, sys.argv[0], address[0], address[1]]) + "\\n")
sys.addaudithook(_audit)
"""


def cli_version(path: Path) -> str | None:
    if not path.exists():
        return None
    out = subprocess.run(
        [str(path), "--version"],
        capture_output=True,
        text=True,
        timeout=CLI_TIMEOUT_S,
        env={"PATH": os.environ["PATH"], "AWS_CONFIG_FILE": os.devnull},
    )
    return (out.stdout + out.stderr).split(" ", 1)[0] or None


class Served:
    """One running `lambda-lab serve`, and the AWS CLIs configured for it."""

    def __init__(self, tmp: Path, state_dir: Path | None = None, region: str = "us-east-1") -> None:
        self.tmp = tmp
        self.state_dir = state_dir
        self.region = region
        self.socket_log = tmp / "sockets.jsonl"
        hook_dir = tmp / "audit"
        hook_dir.mkdir(exist_ok=True)
        (hook_dir / "sitecustomize.py").write_text(SITECUSTOMIZE)
        self.base_env = {
            "PATH": os.environ["PATH"],
            "HOME": str(tmp),  # a home with no .aws folder
            "LANG": "C.UTF-8",
            "PYTHONPATH": str(hook_dir),
            "LAMBDA_LAB_TEST_SOCKET_LOG": str(self.socket_log),
            "LAMBDA_LAB_HOME": str(tmp / "lab-home"),
            "AWS_CONFIG_FILE": os.devnull,
            "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
            "AWS_ACCESS_KEY_ID": "AKIAFAKEFORTESTS",
            "AWS_SECRET_ACCESS_KEY": "fake-secret-for-tests",
            "AWS_DEFAULT_REGION": region,
            "AWS_PAGER": "",
        }
        self.process: subprocess.Popen[str] | None = None
        self.output: list[str] = []
        self.url = ""
        self.start_seconds = 0.0

    def start(self) -> Served:
        args = [str(BIN / "lambda-lab"), "serve", "--port", "0", "--region", self.region]
        if self.state_dir is not None:
            args += ["--state", str(self.state_dir)]
        started = time.perf_counter()
        self.process = subprocess.Popen(
            args,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            # A server that will not stop is sent SIGABRT: faulthandler then prints every thread.
            env={**self.base_env, "PYTHONFAULTHANDLER": "1"},
            cwd=self.tmp,
        )
        deadline = time.monotonic() + START_TIMEOUT_S
        assert self.process.stdout is not None
        while time.monotonic() < deadline:
            line = self.process.stdout.readline()
            if not line:
                break
            self.output.append(line)
            found = READY.search(line)
            if found:
                self.url = found.group(1)
            if line.startswith("(ready in"):
                self.start_seconds = time.perf_counter() - started
                return self
        self.stop()
        raise AssertionError("lambda-lab serve did not start:\n" + "".join(self.output))

    def stop(self) -> int:
        """Ctrl-C, as a learner would; returns the exit code."""
        if self.process is None:
            return 0
        process, self.process = self.process, None
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
        try:
            rest, _ = process.communicate(timeout=START_TIMEOUT_S)
        except subprocess.TimeoutExpired:  # where is it stuck? (its threads' stacks)
            process.send_signal(signal.SIGABRT)
            try:
                rest, _ = process.communicate(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                rest, _ = process.communicate()
            rest = f"{rest or ''}\n[still running {START_TIMEOUT_S} s after Ctrl-C]\n"
        self.output.append(f"{rest or ''}[exit code {process.returncode}]\n")
        return process.returncode

    def cli_env(self, version: int) -> dict[str, str]:
        env = dict(self.base_env)
        if version == 1:
            env["AWS_ENDPOINT_URL"] = self.url  # v1 honours it; v2.9 would not
        return env

    def aws(
        self, *args: str, version: int = 1, check: bool = True, cwd: Path | None = None
    ) -> subprocess.CompletedProcess:
        """Run one `aws` command; v2 gets --endpoint-url, v1 reads AWS_ENDPOINT_URL."""
        program = [str(AWS_V1)] if version == 1 else [str(AWS_V2), "--endpoint-url", self.url]
        out = subprocess.run(
            program + list(args),
            capture_output=True,
            text=True,
            timeout=CLI_TIMEOUT_S,
            env=self.cli_env(version),
            cwd=cwd or self.tmp,
        )
        if check:
            assert out.returncode == 0, (
                f"aws {' '.join(args)} failed ({out.returncode}):\n{out.stderr}"
            )
        return out

    def aws_json(self, *args: str, version: int = 1, cwd: Path | None = None) -> dict:
        return json.loads(self.aws(*args, version=version, cwd=cwd).stdout or "{}")

    def boto3(self, service: str):
        import boto3

        session = boto3.session.Session(
            aws_access_key_id="AKIAFAKEFORTESTS",
            aws_secret_access_key="fake-secret-for-tests",
            region_name=self.region,
        )
        return session.client(service, endpoint_url=self.url)

    def sockets(self) -> list[list]:
        if not self.socket_log.exists():
            return []
        return [json.loads(line) for line in self.socket_log.read_text().splitlines()]
