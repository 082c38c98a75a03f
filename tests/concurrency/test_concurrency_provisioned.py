"""Provisioned concurrency: the four operations over boto3, pre-initialised environments,
spillover, and what happens when one dies or the config goes away."""

from __future__ import annotations

import threading

import pytest

from lambda_lab import Lab, errors
from lambda_lab.monitoring import metrics

HANDLER = """import os, time
print("init ran as", os.environ["AWS_LAMBDA_INITIALIZATION_TYPE"])

def handler(event, context):
    time.sleep(event.get("s", 0))
    return os.environ["AWS_LAMBDA_INITIALIZATION_TYPE"]
"""


def _publish_with_alias(
    lab: Lab, name: str = "api", code: str = HANDLER, timeout: int = 10
) -> object:
    lab.deploy(name, code, handler="lambda_function.handler", Timeout=timeout)
    client = lab.client("lambda")
    version = client.publish_version(FunctionName=name)["Version"]
    client.create_alias(FunctionName=name, Name="live", FunctionVersion=version)
    return client


def _provision(lab: Lab, client, amount: int, name: str = "api", qualifier: str = "live") -> dict:
    answer = client.put_provisioned_concurrency_config(
        FunctionName=name, Qualifier=qualifier, ProvisionedConcurrentExecutions=amount
    )
    assert answer["ResponseMetadata"]["HTTPStatusCode"] == 202
    assert (answer["Status"], answer["RequestedProvisionedConcurrentExecutions"]) == (
        "IN_PROGRESS",
        amount,
    )
    assert answer["AllocatedProvisionedConcurrentExecutions"] == 0
    return lab.concurrency.provisioned.wait(name, qualifier)


def test_the_first_two_calls_show_no_init_duration_and_the_third_spills_over(lab: Lab) -> None:
    """The issue's second Done-when line."""
    client = _publish_with_alias(lab)
    ready = _provision(lab, client, 2)
    assert ready["Status"] == "READY" and ready["AvailableProvisionedConcurrentExecutions"] == 2
    got = client.get_provisioned_concurrency_config(FunctionName="api", Qualifier="live")
    assert (got["Status"], got["AllocatedProvisionedConcurrentExecutions"]) == ("READY", 2)
    # Both environments started (and ran the init code) before any call.
    assert [e.initialization_type for e in lab.environments("api")] == [
        "provisioned-concurrency"
    ] * 2

    results: list = []
    barrier = threading.Barrier(3)

    def call() -> None:
        barrier.wait()
        results.append(lab.invoke("api", {"s": 0.5}, qualifier="live"))

    threads = [threading.Thread(target=call) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    provisioned = [r for r in results if r.record.provisioned]
    spilled = [r for r in results if not r.record.provisioned]
    assert len(provisioned) == 2 and len(spilled) == 1
    for result in provisioned:
        assert result.record.init_duration_ms is None and "Init Duration" not in result.log
        assert "INIT_START" not in result.log and result.value == "provisioned-concurrency"
        assert result.executed_version == "1"
    assert (
        spilled[0].record.cold
        and "Init Duration" in spilled[0].log
        and spilled[0].value == "on-demand"
    )
    assert metrics.per_minute(lab, "ProvisionedConcurrencySpilloverInvocations")[0][1] == 1
    assert metrics.per_minute(lab, "ProvisionedConcurrencyInvocations")[0][1] == 2
    assert max(v for _, v in metrics.per_minute(lab, "ProvisionedConcurrencyUtilization")) == 1.0


def test_operations_shapes_and_errors(lab: Lab) -> None:
    client = _publish_with_alias(lab)
    with pytest.raises(
        client.exceptions.InvalidParameterValueException, match="unpublished function versions"
    ):
        client.put_provisioned_concurrency_config(
            FunctionName="api", Qualifier="$LATEST", ProvisionedConcurrentExecutions=1
        )
    with pytest.raises(client.exceptions.ResourceNotFoundException, match="api:nope"):
        client.put_provisioned_concurrency_config(
            FunctionName="api", Qualifier="nope", ProvisionedConcurrentExecutions=1
        )
    with pytest.raises(client.exceptions.ProvisionedConcurrencyConfigNotFoundException):
        client.get_provisioned_concurrency_config(FunctionName="api", Qualifier="live")
    with pytest.raises(errors.ValidationException, match="greater than or equal to 1"):
        lab.concurrency.provisioned.put(
            "api", "live", 0
        )  # botocore itself refuses 0 before sending

    _provision(lab, client, 1)
    with pytest.raises(
        client.exceptions.ResourceConflictException, match="already Provisioned version"
    ):
        client.put_provisioned_concurrency_config(
            FunctionName="api", Qualifier="1", ProvisionedConcurrentExecutions=1
        )
    listed = client.list_provisioned_concurrency_configs(FunctionName="api")[
        "ProvisionedConcurrencyConfigs"
    ]
    assert [(c["FunctionArn"], c["Status"]) for c in listed] == [
        ("arn:aws:lambda:us-east-1:123456789012:function:api:live", "READY")
    ]
    # Provisioned concurrency is set aside from the account's unreserved pool...
    assert client.get_account_settings()["AccountLimit"]["UnreservedConcurrentExecutions"] == 999
    # ...and cannot exceed the function's reserved concurrency, nor go under it.
    client.put_function_concurrency(FunctionName="api", ReservedConcurrentExecutions=3)
    with pytest.raises(
        client.exceptions.InvalidParameterValueException, match="reservedConcurrentExecution"
    ):
        client.put_provisioned_concurrency_config(
            FunctionName="api", Qualifier="live", ProvisionedConcurrentExecutions=4
        )
    with pytest.raises(
        client.exceptions.InvalidParameterValueException, match="provisioned concurrency"
    ):
        client.put_function_concurrency(FunctionName="api", ReservedConcurrentExecutions=0)

    client.delete_provisioned_concurrency_config(FunctionName="api", Qualifier="live")
    assert (
        client.list_provisioned_concurrency_configs(FunctionName="api")[
            "ProvisionedConcurrencyConfigs"
        ]
        == []
    )
    assert [
        e for e in lab.environments("api") if e.initialization_type == "provisioned-concurrency"
    ] == []
    assert lab.invoke("api", qualifier="live").record.cold  # back to on-demand


def test_provisioned_environments_outlive_the_keep_alive_and_are_replaced_when_they_die() -> None:
    with Lab(clock="virtual", keep_alive_s=60) as lab:
        client = _publish_with_alias(lab, timeout=1)
        _provision(lab, client, 1)
        lab.clock.advance(3_600)  # an hour idle: on-demand ones would be long gone
        assert lab.invoke("api", qualifier="live").record.provisioned
        died = lab.invoke("api", {"s": 2}, qualifier="live")  # times out: the worker is killed
        assert died.record.outcome == "timeout" and died.record.provisioned
        after = lab.invoke(
            "api", qualifier="live"
        )  # a fresh provisioned environment took its place
        assert after.record.provisioned and after.record.init_duration_ms is None
        assert after.record.env_id != died.record.env_id


def test_init_failure_marks_the_config_failed(lab: Lab) -> None:
    client = _publish_with_alias(
        lab, code="raise RuntimeError('no config')\n\ndef handler(e, c):\n    return 1\n"
    )
    client.put_provisioned_concurrency_config(
        FunctionName="api", Qualifier="live", ProvisionedConcurrentExecutions=2
    )
    done = lab.concurrency.provisioned.wait("api", "live")
    assert done["Status"] == "FAILED" and "FUNCTION_ERROR_INIT_FAILURE" in done["StatusReason"]
    assert done["AvailableProvisionedConcurrentExecutions"] == 0


def test_deleting_the_function_ends_its_provisioned_environments(lab: Lab) -> None:
    client = _publish_with_alias(lab)
    _provision(lab, client, 2)
    assert len(lab.environments("api")) == 2
    client.delete_function(FunctionName="api")
    assert lab.environments("api") == [] and lab.concurrency.provisioned.functions() == set()
