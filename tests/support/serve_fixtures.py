"""Fixtures for the endpoint tests: a served Lab, and whether AWS CLI v2 is here."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from serve_helpers import AWS_V2, Served, cli_version


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    tmp = tmp_path_factory.mktemp("served")
    server = Served(tmp, state_dir=tmp / "state").start()
    yield server
    assert server.stop() == 0, "".join(server.output)


@pytest.fixture(scope="session")
def aws_v2() -> bool:
    """Whether Debian's AWS CLI v2 is installed (its tests are skipped when it is not)."""
    return (cli_version(AWS_V2) or "").startswith("aws-cli/2")


@pytest.fixture(params=[1, 2], ids=["cli-v1", "cli-v2"])
def version(request: pytest.FixtureRequest, aws_v2: bool) -> int:
    """Run a test with the AWS CLI v1 (pip's) and v2 (Debian's; skipped when it is missing)."""
    if request.param == 2 and not aws_v2:
        pytest.skip("Debian's awscli (v2) is not installed: apt-get install awscli")
    return request.param


@pytest.fixture(autouse=True)
def no_real_aws_config(monkeypatch: pytest.MonkeyPatch) -> None:
    """boto3 in the test process itself never reads the real ~/.aws either."""
    monkeypatch.setenv("AWS_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)
    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
