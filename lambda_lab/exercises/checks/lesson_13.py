"""Checks of lesson 13: a canary that an alarm rolls back, a PreTraffic hook, SAM event wiring."""

from __future__ import annotations

import random
from typing import Any

from lambda_lab.exercises.context import CheckContext

GOOD = (
    "def handler(event, context):\n    return {'ok': True, 'version': context.function_version}\n"
)
BROKEN = "def handler(event, context):\n    raise RuntimeError('release 2 is broken')\n"


def _template(ctx: CheckContext) -> str:
    text = ctx.setting("TEMPLATE")
    ctx.expect(isinstance(text, str), f"TEMPLATE is {type(text).__name__}", "TEMPLATE = '''...'''")
    return str(text)


def _deploy(ctx: CheckContext, template: str, **parameters: str) -> Any:
    from lambda_lab.control.sam import TemplateError

    try:
        return ctx.lab.deploy_template(template, stack_name="shop", parameters=parameters)
    except TemplateError as error:
        ctx.fail(f"the template did not deploy: {error}", "a template that deploys")


def safe_canary(ctx: CheckContext) -> str:
    template = _template(ctx)
    first = _deploy(ctx, template)
    name = first.function_name("CheckoutFunction")
    second = _deploy(ctx, template, Release="broken")
    client = ctx.lab.client("lambda")
    random.seed(13)
    failed = sum(
        bool(ctx.lab.invoke(name, {}, qualifier="live").function_error) for _ in range(100)
    )
    if not second.deployments:
        alias = client.get_alias(FunctionName=name, Name="live")["FunctionVersion"]
        ctx.fail(
            f"the broken release went straight to alias live (version {alias}): "
            f"{failed} of 100 calls failed",
            "a DeploymentPreference, so that CodeDeploy shifts traffic step by step",
        )
    (deployment,) = second.deployments
    ctx.lab.clock.advance(minutes=1)
    ctx.lab.clock.advance(minutes=30)
    alias = client.get_alias(FunctionName=name, Name="live")["FunctionVersion"]
    story = deployment.describe()
    ctx.expect(
        failed <= 40,
        f"{failed} of 100 calls hit the broken release before anything could stop it",
        "a canary or linear shift: only a small share of traffic tries the new version first",
        story,
    )
    ctx.expect(
        deployment.rolled_back and alias == "1",
        f"the deployment ended {deployment.status} with alias live on version {alias}",
        "an alarm on the function's Errors in the DeploymentPreference, so CodeDeploy rolls back",
        story,
    )
    return (
        f"{failed} of 100 calls met the broken release, then {deployment.error['code'] if deployment.error else ''} "
        "rolled alias live back to version 1"
    )


def pre_traffic_hook(ctx: CheckContext) -> str:
    lab = ctx.lab
    client = lab.client("lambda")
    lab.deploy("checkout", GOOD, handler="lambda_function.handler")
    client.publish_version(FunctionName="checkout")
    client.create_alias(FunctionName="checkout", Name="live", FunctionVersion="1")

    def release(code: str) -> Any:
        lab.deploy("checkout", code, handler="lambda_function.handler")
        version = client.publish_version(FunctionName="checkout")["Version"]
        ctx.deploy("CodeDeployHook_checkout", Timeout=30,
                   Environment={"Variables": {"NEW_VERSION": f"checkout:{version}"}})  # fmt: skip
        deployment = lab.deployments.start("checkout", "live", version, "Canary10Percent5Minutes",
                                           pre_traffic="CodeDeployHook_checkout")  # fmt: skip
        lab.clock.advance(seconds=0)
        return deployment

    broken = release(BROKEN)
    hook_run = lab.records.last("CodeDeployHook_checkout")
    if hook_run is not None and hook_run.outcome != "success":
        ctx.fail(f"the hook itself failed: {hook_run.error_type}: {hook_run.error_message}",
                 "a hook that runs to the end and reports a status",
                 lab.logs.tail("CodeDeployHook_checkout", lines=8))  # fmt: skip
    if broken.status == "InProgress" and broken.lifecycle["BeforeAllowTraffic"] == "InProgress":
        lab.clock.advance(hours=1)
        ctx.fail(
            f"the hook never reported a status: after an hour the deployment ended "
            f"{broken.status} ({broken.error['code'] if broken.error else ''})",
            "codedeploy.put_lifecycle_event_hook_execution_status(...) with Succeeded or Failed",
        )
    moved = [percent for _, percent in broken.shifts if percent]
    ctx.expect(
        broken.lifecycle["BeforeAllowTraffic"] == "Failed" and not moved,
        f"the hook let the broken version 2 through: BeforeAllowTraffic "
        f"{broken.lifecycle['BeforeAllowTraffic']}, {moved[0] if moved else 0}% of traffic moved",
        "the hook calls the new version, sees it fail, and reports Failed",
        broken.describe(),
    )
    fixed = release(GOOD.replace("'ok': True", "'ok': True, 'fixed': True"))
    ctx.expect(
        fixed.lifecycle["BeforeAllowTraffic"] == "Succeeded",
        f"for the working version 3 the hook reported {fixed.lifecycle['BeforeAllowTraffic']}",
        "Succeeded when the new version answers",
        fixed.describe(),
    )
    return "the hook stopped the broken version 2 before any traffic and let version 3 start its canary"


def sam_events(ctx: CheckContext) -> str:
    stack = _deploy(ctx, _template(ctx))
    worker = stack.function_name("OrderWorker")
    queue = stack.physical_id("OrdersQueue")
    ctx.lab.client("sqs").send_message(QueueUrl=queue, MessageBody='{"order": "o-42"}')
    for _ in range(20):
        ctx.lab.clock.advance(seconds=1)
        if ctx.lab.records.for_function(worker):
            break
    runs = ctx.lab.records.for_function(worker)
    ctx.expect(runs, "the message waited in the queue: OrderWorker never ran",
               "an SQS event on the queue's ARN, so a mapping feeds the worker")  # fmt: skip
    ctx.expect(runs[-1].outcome == "success", f"OrderWorker ran and failed: {runs[-1].error_message}",
               "a batch processed without an error")  # fmt: skip
    return "the template deploys and the queue's message reached OrderWorker in a batch"
