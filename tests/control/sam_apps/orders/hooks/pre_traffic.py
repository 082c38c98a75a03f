"""PreTraffic hook: try the new version before it gets any traffic, then tell CodeDeploy."""

import json
import os

import boto3

codedeploy = boto3.client("codedeploy")
lambda_client = boto3.client("lambda")


def handler(event, context):
    answer = lambda_client.invoke(
        FunctionName=os.environ["TARGET"],
        Payload=json.dumps({"version": "2.0", "rawPath": "/health"}),
    )
    healthy = "FunctionError" not in answer
    codedeploy.put_lifecycle_event_hook_execution_status(
        deploymentId=event["DeploymentId"],
        lifecycleEventHookExecutionId=event["LifecycleEventHookExecutionId"],
        status="Succeeded" if healthy else "Failed",
    )
    return {"healthy": healthy}
