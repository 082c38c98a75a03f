"""Helpers of the API Gateway door tests: handlers, real HTTP calls, invocation counts."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from real_http import send

# Answers with what API Gateway handed over, so a test can see the event's parts.
ECHO = """
import json, os


def lambda_handler(event, context):
    body = {
        "stageVariables": event.get("stageVariables"),
        "authorizer": event["requestContext"].get("authorizer"),
        "identity": event["requestContext"]["identity"],
        "query": event.get("queryStringParameters"),
        "body": event.get("body"),
        "version": os.environ["AWS_LAMBDA_FUNCTION_VERSION"],
    }
    return {"statusCode": 200, "headers": {"Content-Type": "application/json"}, "body": json.dumps(body)}
"""

# A TOKEN authorizer: "allow" / "deny" / "wide" / "unauthorized" / "broken" / "garbage".
TOKEN_AUTHORIZER = """
def lambda_handler(event, context):
    token = event["authorizationToken"]
    if token == "unauthorized":
        raise Exception("Unauthorized")
    if token == "broken":
        raise ValueError("a bug in the authorizer")
    if token == "garbage":
        return {"principalId": "x"}
    resource = event["methodArn"]
    if token == "wide":
        resource = resource.rsplit("/", 2)[0] + "/*"  # every method of this stage
    effect = "Deny" if token == "deny" else "Allow"
    return {
        "principalId": "user-" + token,
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [{"Action": "execute-api:Invoke", "Effect": effect, "Resource": resource}],
        },
        "context": {"tier": "gold", "credits": 42, "admin": False},
    }
"""


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


def call(
    door: Any,
    method: str,
    path: str,
    headers: Any = (),
    body: bytes | str = b"",
    stage: str = "prod",
) -> Reply:
    """One real HTTP request to ``/<stage><path>`` on the door's listener."""
    data = body.encode() if isinstance(body, str) else body
    status, answer_headers, answer = send(door, method, f"/{stage}{path}", headers, data)
    return Reply(status, answer_headers, answer)


def runs(lab: Any, function: str) -> int:
    """How many times a function has run (invocation records)."""
    return len(lab.records.for_function(function))
