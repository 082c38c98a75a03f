"""CodeDeploy traffic shifting on the Lab's virtual clock: canary, linear and all-at-once,
alarms that roll back, hooks that report through boto3, and the CodeDeploy API shapes."""

from __future__ import annotations

import os
import random
import shutil

import pytest
from botocore.exceptions import ClientError

from lambda_lab.control.deployments import CONFIGS, config_name

GOOD = "def handler(event, context):\n    return {'version': context.function_version}\n"
BAD = "def handler(event, context):\n    raise RuntimeError('the new version is broken')\n"
ERRORS_ALARM = {
    "Namespace": "AWS/Lambda", "MetricName": "Errors", "Statistic": "Sum", "Period": 60,
    "EvaluationPeriods": 1, "Threshold": 0, "ComparisonOperator": "GreaterThanThreshold",
    "Dimensions": [{"Name": "FunctionName", "Value": "checkout"},
                   {"Name": "Resource", "Value": "checkout:live"}],
}  # fmt: skip
HOOK = """import boto3, os

codedeploy = boto3.client("codedeploy")

def handler(event, context):
    codedeploy.put_lifecycle_event_hook_execution_status(
        deploymentId=event["DeploymentId"],
        lifecycleEventHookExecutionId=event["LifecycleEventHookExecutionId"],
        status=os.environ["VERDICT"])
"""


@pytest.fixture
def release(virtual_lab):
    """checkout: version 1 behind alias live; $LATEST holds the code of version 2 (set per test)."""

    def make(new_code: str) -> str:
        lab = virtual_lab
        lab.deploy("checkout", GOOD, handler="lambda_function.handler")
        client = lab.client("lambda")
        client.publish_version(FunctionName="checkout")
        client.create_alias(FunctionName="checkout", Name="live", FunctionVersion="1")
        lab.deploy("checkout", new_code, handler="lambda_function.handler")
        return client.publish_version(FunctionName="checkout")["Version"]

    return make


def _traffic(lab, count: int = 100) -> list[str]:
    """The versions ``count`` calls through the alias ran on."""
    return [lab.invoke("checkout", {}, qualifier="live").executed_version for _ in range(count)]


def _alias(lab) -> dict:
    found = lab.client("lambda").get_alias(FunctionName="checkout", Name="live")
    return {"version": found["FunctionVersion"],
            "weights": found.get("RoutingConfig", {}).get("AdditionalVersionWeights", {})}  # fmt: skip


def test_a_canary_without_errors_completes(virtual_lab, release) -> None:
    lab = virtual_lab
    new = release(GOOD.replace("'version'", "'release'"))
    lab.alarms.put("checkout-errors", ERRORS_ALARM)
    deployment = lab.deployments.start(
        "checkout", "live", new, "Canary10Percent5Minutes", alarms=["checkout-errors"]
    )
    assert (deployment.status, _alias(lab)) == (
        "InProgress",
        {"version": "1", "weights": {"2": 0.1}},
    )
    random.seed(20)
    ran = _traffic(lab)
    assert 0 < ran.count("2") < 30 and ran.count("1") > 70  # about one call in ten
    lab.clock.advance(minutes=4, seconds=59)
    assert deployment.status == "InProgress"
    lab.clock.advance(seconds=1)
    assert deployment.status == "Succeeded"
    assert _alias(lab) == {"version": "2", "weights": {}}
    assert set(_traffic(lab, 10)) == {"2"}
    assert [percent for _, percent in deployment.shifts] == [10, 100]
    states = [state for _, state, _ in lab.alarms.get("checkout-errors").history]
    assert states[0] == "OK" and "ALARM" not in states  # quiet minutes later: no data, no alarm


def test_a_canary_whose_new_version_fails_is_rolled_back_by_its_alarm(virtual_lab, release) -> None:
    lab = virtual_lab
    new = release(BAD)
    lab.alarms.put("checkout-errors", ERRORS_ALARM)
    deployment = lab.deployments.start(
        "checkout", "live", new, "Canary10Percent10Minutes", alarms=["checkout-errors"]
    )
    random.seed(7)
    ran = _traffic(lab)
    assert "2" in ran  # some callers met the broken version
    lab.clock.advance(minutes=1)  # CloudWatch looks at the last minute: errors > 0
    assert deployment.status == "Stopped"
    assert deployment.error["code"] == "ALARM_ACTIVE"
    assert deployment.rolled_back
    assert _alias(lab) == {"version": "1", "weights": {}}
    assert set(_traffic(lab, 20)) == {"1"}
    lab.clock.advance(minutes=30)  # the canary's second step never comes
    assert _alias(lab) == {"version": "1", "weights": {}}
    assert "ALARM" in deployment.describe() and "rolled back" in deployment.describe()


def test_linear_shifts_ten_percent_every_minute(virtual_lab, release) -> None:
    lab = virtual_lab
    deployment = lab.deployments.start("checkout", "live", release(GOOD + "\n# v2\n"),
                                       "Linear10PercentEvery1Minute")  # fmt: skip
    seen = [_alias(lab)["weights"].get("2")]
    for _ in range(9):
        lab.clock.advance(minutes=1)
        seen.append(_alias(lab)["weights"].get("2"))
    assert seen == [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, None]
    assert deployment.status == "Succeeded" and _alias(lab)["version"] == "2"


def test_all_at_once_moves_everything_immediately(virtual_lab, release) -> None:
    lab = virtual_lab
    deployment = lab.deployments.start("checkout", "live", release(GOOD + "\n# v2\n"))
    assert deployment.status == "Succeeded"
    assert deployment.lifecycle == {"BeforeAllowTraffic": "Skipped", "AllowTraffic": "Succeeded",
                                    "AfterAllowTraffic": "Skipped"}  # fmt: skip


@pytest.mark.parametrize("verdict", ["Succeeded", "Failed"])
def test_a_pre_traffic_hook_reports_through_boto3(virtual_lab, release, verdict) -> None:
    lab = virtual_lab
    new = release(GOOD + "\n# v2\n")
    lab.deploy("CodeDeployHook_pre", HOOK, handler="lambda_function.handler",
               Environment={"Variables": {"VERDICT": verdict}})  # fmt: skip
    deployment = lab.deployments.start("checkout", "live", new, "Canary10Percent5Minutes",
                                       pre_traffic="CodeDeployHook_pre")  # fmt: skip
    lab.clock.advance(seconds=0)  # the hook's answer is acted on at the clock's next step
    assert lab.records.last("CodeDeployHook_pre").outcome == "success"
    if verdict == "Succeeded":
        assert deployment.lifecycle["BeforeAllowTraffic"] == "Succeeded"
        assert _alias(lab) == {"version": "1", "weights": {"2": 0.1}}
    else:
        assert (deployment.status, deployment.error["code"]) == ("Failed", "HOOK_EXECUTION_FAILURE")
        assert _alias(lab) == {"version": "1", "weights": {}}
        assert deployment.shifts == [(deployment.shifts[0][0], 0)]  # no traffic ever moved


def test_a_hook_that_never_reports_fails_the_deployment_after_an_hour(virtual_lab, release) -> None:
    lab = virtual_lab
    new = release(GOOD + "\n# v2\n")
    lab.deploy("silent-hook", "def handler(event, context):\n    return 'forgot to report'\n",
               handler="lambda_function.handler")  # fmt: skip
    deployment = lab.deployments.start("checkout", "live", new, pre_traffic="silent-hook")
    lab.clock.advance(minutes=59)
    assert deployment.status == "InProgress" and _alias(lab)["weights"] == {}
    lab.clock.advance(minutes=1)
    assert (deployment.status, deployment.error["code"]) == ("Failed", "TIMEOUT")


def test_the_codedeploy_api_answers_in_aws_shapes(virtual_lab, release) -> None:
    lab = virtual_lab
    deployment = lab.deployments.start("checkout", "live", release(GOOD + "\n# 2\n"),
                                       "Canary10Percent30Minutes")  # fmt: skip
    codedeploy = lab.client("codedeploy")
    info = codedeploy.get_deployment(deploymentId=deployment.deployment_id)["deploymentInfo"]
    assert info["status"] == "InProgress"
    assert info["deploymentConfigName"] == "CodeDeployDefault.LambdaCanary10Percent30Minutes"
    assert info["computePlatform"] == "Lambda"
    listed = codedeploy.list_deployments(includeOnlyStatuses=["InProgress"])["deployments"]
    assert listed == [deployment.deployment_id]
    with pytest.raises(ClientError) as missing:
        codedeploy.get_deployment(deploymentId="d-NOSUCHONE")
    assert missing.value.response["Error"]["Code"] == "DeploymentDoesNotExistException"
    with pytest.raises(ClientError) as invalid:
        codedeploy.put_lifecycle_event_hook_execution_status(
            deploymentId=deployment.deployment_id, lifecycleEventHookExecutionId="nope",
            status="Succeeded")  # fmt: skip
    assert (
        invalid.value.response["Error"]["Code"] == "InvalidLifecycleEventHookExecutionIdException"
    )
    stopped = codedeploy.stop_deployment(deploymentId=deployment.deployment_id)
    assert stopped["status"] == "Succeeded"
    assert deployment.status == "Stopped" and _alias(lab) == {"version": "1", "weights": {}}


def test_configuration_names_follow_sam_and_codedeploy() -> None:
    assert (
        config_name("Canary10Percent5Minutes") == "CodeDeployDefault.LambdaCanary10Percent5Minutes"
    )
    assert config_name("CodeDeployDefault.LambdaAllAtOnce") in CONFIGS
    with pytest.raises(ValueError, match="Canary10Percent5Minutes"):
        config_name("Canary50Percent1Minute")


@pytest.mark.slow
def test_a_sam_redeploy_runs_the_canary_with_its_hook_and_alarm(tmp_path) -> None:
    """The Done-when scenario: a broken release is rolled back, a good one completes."""
    from lambda_lab import Lab

    project = tmp_path / "orders"
    shutil.copytree(os.path.join(os.path.dirname(__file__), "sam_apps", "orders"), project)
    app = project / "src" / "app.py"
    original = app.read_text()
    with Lab(clock="virtual") as lab:
        stack = lab.deploy_template(str(project / "template.yaml"))
        name = stack.function_name("OrdersApiFunction")
        door = stack.served("ServerlessRestApi")
        # Release 2 breaks POST /orders but still answers the hook's health check.
        app.write_text(original.replace('order = json.loads(event["body"] or "{}")',
                                        'order = json.loads(event["body"] or "{}")\n    1 / 0'))  # fmt: skip
        broken = lab.deploy_template(str(project / "template.yaml"))
        (deployment,) = broken.deployments
        lab.clock.advance(seconds=0)
        assert deployment.lifecycle["BeforeAllowTraffic"] == "Succeeded"  # the hook said yes
        random.seed(3)
        statuses = [
            door.request("POST", "/orders", json={"id": i}).response.status for i in range(100)
        ]
        assert 502 in statuses and 201 in statuses
        lab.clock.advance(minutes=1)
        assert deployment.status == "Stopped" and deployment.error["code"] == "ALARM_ACTIVE"
        assert (
            lab.client("lambda").get_alias(FunctionName=name, Name="live")["FunctionVersion"] == "1"
        )
        # Release 3 is fixed: the canary completes after five minutes.
        app.write_text(
            original.replace("take_order(event, context):", "take_order(event, context):  # v3")
        )
        fixed = lab.deploy_template(str(project / "template.yaml"))
        (deployment,) = fixed.deployments
        lab.clock.advance(seconds=0)
        statuses = [
            door.request("POST", "/orders", json={"id": i}).response.status for i in range(30)
        ]
        assert set(statuses) == {201}
        lab.clock.advance(minutes=5)
        assert deployment.status == "Succeeded"
        assert (
            lab.client("lambda").get_alias(FunctionName=name, Name="live")["FunctionVersion"] == "3"
        )


def test_one_deployment_at_a_time_per_alias(virtual_lab, release) -> None:
    from lambda_lab.control.deployments import DeploymentError

    lab = virtual_lab
    new = release(GOOD + "\n# v2\n")
    first = lab.deployments.start("checkout", "live", new, "Canary10Percent5Minutes")
    with pytest.raises(
        DeploymentError, match=f"deployment {first.deployment_id} is still shifting"
    ):
        lab.deployments.start("checkout", "live", new, "AllAtOnce")
    lab.clock.advance(minutes=5)
    with pytest.raises(DeploymentError, match="already points at version 2"):
        lab.deployments.start("checkout", "live", new)
