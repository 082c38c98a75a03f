"""Runtimes by date: what AWS supports on a given day, and CreateFunction's refusal."""

from __future__ import annotations

import datetime

import pytest

from lambda_lab import Lab, LambdaError, limits
from lambda_lab.control import runtimes

DAY = datetime.date


def test_the_phases_follow_awss_dates() -> None:
    assert limits.runtime_phase("python3.10", DAY(2026, 10, 30)) == "supported"
    assert limits.runtime_phase("python3.10", DAY(2026, 10, 31)) == "deprecated"
    assert limits.runtime_phase("python3.10", DAY(2026, 11, 30)) == "create blocked"
    assert limits.runtime_phase("python3.10", DAY(2027, 1, 15)) == "update blocked"
    assert limits.runtime_phase("provided.al2023", DAY(2026, 12, 6)) == "supported"


def test_supported_today_comes_from_the_dates() -> None:
    assert limits.runtimes_supported(DAY(2026, 12, 6)) == [
        "python3.14", "python3.13", "python3.12", "python3.11",
    ]  # fmt: skip
    assert "python3.11" not in limits.runtimes_supported(DAY(2027, 7, 1))


def test_create_function_refuses_python310_after_its_block_create_date(lab: Lab) -> None:
    if limits.runtime_phase("python3.10") not in ("create blocked", "update blocked"):
        pytest.skip("python3.10 can still be created today")
    client = lab.client("lambda")
    with pytest.raises(client.exceptions.InvalidParameterValueException) as caught:
        lab.client("lambda").create_function(
            FunctionName="old", Runtime="python3.10", Role="arn:aws:iam::123456789012:role/r",
            Handler="lambda_function.lambda_handler",
            Code={"ZipFile": __import__("lambda_lab").package("def lambda_handler(e, c):\n    return 1\n")},
        )  # fmt: skip
    assert caught.value.response["Error"]["Message"] == (
        "The runtime parameter of python3.10 is no longer supported for creating or updating AWS "
        "Lambda functions. We recommend you use the new runtime (python3.14) while creating or "
        "updating functions."
    )
    assert "old" not in lab.functions


def test_updates_are_refused_only_after_the_block_update_date() -> None:
    runtimes.check_update("python3.10", DAY(2027, 1, 14))  # still allowed
    with pytest.raises(LambdaError, match="no longer supported"):
        runtimes.check_update("python3.10", DAY(2027, 1, 15))
    with pytest.raises(LambdaError, match="no longer supported"):
        runtimes.check_create("python3.11", DAY(2027, 7, 31))


def test_runtime_dates_are_judged_on_the_labs_clock() -> None:
    """A virtual clock set before python3.10's "block create" date lets a function be
    created; moved past "block update", the same Lab refuses to update it."""
    from lambda_lab.clock import VirtualClock

    before = datetime.datetime(2026, 11, 1, tzinfo=datetime.timezone.utc).timestamp()
    code = __import__("lambda_lab").package("def lambda_handler(e, c):\n    return 1\n")
    with Lab(clock=VirtualClock(start=before), state_transition_s=0) as lab:
        lab.deploy("old", code, Runtime="python3.10")
        lab.clock.advance(days=80)  # 2027-01-20: updates blocked since 2027-01-15
        with pytest.raises(LambdaError) as caught:
            lab.deploy("old", code, Runtime="python3.10", MemorySize=256)
        assert caught.value.code == "InvalidParameterValueException"
        assert "no longer supported" in caught.value.message
        assert "(python3.14)" in caught.value.message  # the newest on the Lab's date
