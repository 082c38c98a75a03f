"""Function states as AWS runs them (Lambda developer guide, "Lambda function states"), on the
Lab's clock: Pending -> Active, LastUpdateStatus InProgress -> Successful (or Failed), Inactive
after 14 idle days, with AWS's errors for calls a state does not allow."""

from __future__ import annotations

import botocore.exceptions
import pytest

from lambda_lab import Lab, aws_time, errors, package
from lambda_lab.clock import VirtualClock
from lambda_lab.control.functions import FunctionConfig
from lambda_lab.control.lifecycle import Lifecycle

ROLE = "arn:aws:iam::123456789012:role/r"
ARN = "arn:aws:lambda:us-east-1:123456789012:function"
V1 = "def lambda_handler(event, context):\n    return 'one'\n"
V2 = "def lambda_handler(event, context):\n    return 'two'\n"
PENDING = (
    "The operation cannot be performed at this time. The function is currently in the "
    "following state: Pending"
)
START = 1_700_000_000.0


@pytest.fixture
def virtual():
    with Lab(clock=VirtualClock(START), state_transition_s=2) as lab:
        yield lab


def create(client, name: str, code: str = V1, **extra) -> dict:
    return client.create_function(FunctionName=name, Role=ROLE, Runtime="python3.12",
                                  Handler="lambda_function.lambda_handler",
                                  Code={"ZipFile": package(code)}, **extra)  # fmt: skip


def test_pending_until_the_transition_ends_on_the_labs_clock(virtual: Lab) -> None:
    client = virtual.client("lambda")
    created = create(client, "f")
    assert (created["State"], created["StateReasonCode"]) == ("Pending", "Creating")
    assert "LastUpdateStatus" not in created  # AWS leaves it out while creating (recorded)
    assert (
        created["LastModified"]
        == aws_time.function_timestamp(START)
        == "2023-11-14T22:13:20.000+0000"
    )
    for call in (
        lambda: client.invoke(FunctionName="f"),
        lambda: client.update_function_configuration(FunctionName="f", Timeout=5),
        lambda: client.update_function_code(FunctionName="f", ZipFile=package(V2)),
        lambda: client.publish_version(FunctionName="f"),
    ):
        with pytest.raises(client.exceptions.ResourceConflictException) as raised:
            call()
        assert raised.value.response["Error"]["Message"] == PENDING
    virtual.clock.advance(1.9)
    assert client.get_function(FunctionName="f")["Configuration"]["State"] == "Pending"
    virtual.clock.advance(0.1)
    active = client.get_function(FunctionName="f")["Configuration"]
    assert (active["State"], active["LastUpdateStatus"]) == ("Active", "Successful")
    assert "StateReason" not in active
    assert client.invoke(FunctionName="f")["Payload"].read() == b'"one"'


def test_an_update_runs_the_previous_code_until_it_completes(virtual: Lab) -> None:
    client = virtual.client("lambda")
    create(client, "f")
    virtual.clock.advance(2)
    updated = client.update_function_code(FunctionName="f", ZipFile=package(V2))
    assert (updated["State"], updated["LastUpdateStatus"]) == ("Active", "InProgress")
    assert updated["LastUpdateStatusReasonCode"] == "Creating"
    shown = client.get_function(FunctionName="f")["Configuration"]
    assert shown["CodeSha256"] == updated["CodeSha256"]  # reads show the new code at once...
    assert client.invoke(FunctionName="f")["Payload"].read() == b'"one"'  # ...invokes run the old
    with pytest.raises(client.exceptions.ResourceConflictException) as raised:
        client.update_function_configuration(FunctionName="f", MemorySize=256)
    assert raised.value.response["Error"]["Message"] == (
        "The operation cannot be performed at this time. An update is in progress for resource: "
        f"{ARN}:f"
    )
    virtual.clock.advance(2)
    assert (
        client.get_function(FunctionName="f")["Configuration"]["LastUpdateStatus"] == "Successful"
    )
    assert client.invoke(FunctionName="f")["Payload"].read() == b'"two"'


def test_boto3_waiters_wait_for_active_updated_and_published_versions() -> None:
    with Lab(state_transition_s=0.2) as lab:  # the real clock: waiters poll in real time
        client = lab.client("lambda")
        config = {"Delay": 0.1, "MaxAttempts": 40}
        create(client, "w", Publish=True)
        assert client.get_function_configuration(FunctionName="w:1")["State"] == "Pending"
        client.get_waiter("function_active_v2").wait(FunctionName="w", WaiterConfig=config)
        client.get_waiter("function_active").wait(FunctionName="w", WaiterConfig=config)
        client.get_waiter("published_version_active").wait(FunctionName="w", Qualifier="1",
                                                           WaiterConfig=config)  # fmt: skip
        client.update_function_configuration(FunctionName="w", Description="two")
        client.get_waiter("function_updated_v2").wait(FunctionName="w", WaiterConfig=config)
        client.get_waiter("function_updated").wait(FunctionName="w", WaiterConfig=config)
        client.get_waiter("function_exists").wait(FunctionName="w", WaiterConfig=config)
        assert client.get_function(FunctionName="w")["Configuration"]["Description"] == "two"


def test_notebook_short_forms_wait_for_the_transition(virtual: Lab) -> None:
    """lab.deploy returns an Active function and lab.invoke waits out a transition, the
    notebook's stand-ins for `aws lambda wait`; the virtual clock does not move for it."""
    shown = virtual.deploy("nb", V1)
    assert (shown["State"], shown["LastUpdateStatus"]) == ("Active", "Successful")
    assert virtual.invoke("nb").value == "one"
    create(virtual.client("lambda"), "api-made")
    assert virtual.invoke("api-made").value == "one"
    assert virtual.clock.time() == START


def test_inactive_after_fourteen_idle_days_then_restored(virtual: Lab) -> None:
    client = virtual.client("lambda")
    virtual.deploy("idle", V1)
    virtual.clock.advance(days=13)
    assert client.invoke(FunctionName="idle")["Payload"].read() == b'"one"'  # an invoke: not idle
    virtual.clock.advance(days=13, hours=23)
    assert client.get_function(FunctionName="idle")["Configuration"]["State"] == "Active"
    virtual.clock.advance(hours=1)
    inactive = client.get_function(FunctionName="idle")["Configuration"]
    assert (inactive["State"], inactive["StateReasonCode"]) == ("Inactive", "Idle")
    with pytest.raises(client.exceptions.ClientError) as raised:
        client.invoke(FunctionName="idle")
    assert raised.value.response["Error"]["Code"] == "CodeArtifactUserPendingException"
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 409
    restoring = client.get_function(FunctionName="idle")["Configuration"]
    assert (restoring["State"], restoring["StateReasonCode"]) == ("Pending", "Restoring")
    virtual.clock.advance(2)
    assert client.get_function(FunctionName="idle")["Configuration"]["State"] == "Active"
    assert client.invoke(FunctionName="idle")["Payload"].read() == b'"one"'


def test_a_failed_update_keeps_the_previous_configuration() -> None:
    clock = VirtualClock(START)

    def broken(name: str) -> None:
        raise OSError("disk full")

    lifecycle = Lifecycle(clock, 1, applied=broken)
    live = FunctionConfig("f", "us-east-1", memory_mb=128)
    lifecycle.created("f")
    clock.advance(1)
    new = FunctionConfig("f", "us-east-1", memory_mb=256)
    lifecycle.update(live, new)
    clock.advance(1)
    status = lifecycle.status("f").as_aws()
    assert (status["State"], status["LastUpdateStatus"]) == ("Active", "Failed")
    assert status["LastUpdateStatusReasonCode"] == "InternalError"
    assert "disk full" in status["LastUpdateStatusReason"]


def test_a_failed_update_fails_the_waiter(virtual: Lab) -> None:
    client = virtual.client("lambda")
    virtual.deploy("f", V1)

    def failing(name: str) -> None:
        raise OSError("no room for the new code")

    virtual.lifecycle._applied = failing  # a fault no real input causes in the Lab
    client.update_function_configuration(FunctionName="f", Timeout=9)
    virtual.clock.advance(2)
    with pytest.raises(botocore.exceptions.WaiterError, match="Failed"):
        client.get_waiter("function_updated_v2").wait(FunctionName="f")


def test_transition_time_must_not_be_negative() -> None:
    with pytest.raises(ValueError, match="transition_s"):
        Lifecycle(VirtualClock(), -1)
    assert issubclass(errors.CodeArtifactUserPendingException, errors.LambdaError)
