# Exercise 13-pre-traffic-hook: test the new version before it gets any traffic.
import json
import os

import boto3

codedeploy = boto3.client("codedeploy")
lambda_client = boto3.client("lambda")


def lambda_handler(event, context):
    # NEW_VERSION names the version being released, e.g. "checkout:2".
    codedeploy.put_lifecycle_event_hook_execution_status(
        deploymentId=event["DeploymentId"],
        lifecycleEventHookExecutionId=event["LifecycleEventHookExecutionId"],
        status="Succeeded",
    )
