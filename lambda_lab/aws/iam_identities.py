"""Who signed a request, and which IAM policies apply to them, from the Lab's IAM (moto).

A request signed with Signature Version 4 names its access key in the ``Authorization``
header (``Credential=AKIA.../20261207/us-east-1/execute-api/aws4_request``). The Lab looks
the key up in moto's IAM through the Lab's AWS endpoint (``GetAccessKeyLastUsed`` gives the
user) and collects the user's inline and attached policies, and those of their groups;
for a role (lesson 11's execution roles) the role's inline and attached policies.

What the Lab does not do: verify the signature itself (any request that names a known key
is taken as that user's), or evaluate permission boundaries and SCPs.
"""

from __future__ import annotations

import json
import re
import urllib.parse
from dataclasses import dataclass, field
from typing import Any

_CREDENTIAL = re.compile(r"Credential=([A-Z0-9]{16,128})/")


@dataclass
class Caller:
    """An IAM identity and its identity-based policies."""

    arn: str
    account_id: str
    access_key: str | None = None
    user: str | None = None
    policies: list[dict[str, Any]] = field(default_factory=list)


def access_key_of(authorization: str | None) -> str | None:
    """The access key id a SigV4 ``Authorization`` header names, or None."""
    if not authorization or not authorization.startswith("AWS4-HMAC-SHA256"):
        return None
    found = _CREDENTIAL.search(authorization)
    return found.group(1) if found else None


def _document(text: Any) -> dict[str, Any]:
    """Policy documents come back as dicts from botocore, or URL-encoded JSON text."""
    if isinstance(text, dict):
        return text
    return dict(json.loads(urllib.parse.unquote(str(text))))


def _managed(iam: Any, arn: str) -> dict[str, Any]:
    version = iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"]
    return _document(
        iam.get_policy_version(PolicyArn=arn, VersionId=version)["PolicyVersion"]["Document"]
    )


def user_policies(iam: Any, user: str) -> list[dict[str, Any]]:
    """A user's inline and attached policies, and those of the groups they are in."""
    found = [
        _document(iam.get_user_policy(UserName=user, PolicyName=name)["PolicyDocument"])
        for name in iam.list_user_policies(UserName=user)["PolicyNames"]
    ]
    found += [
        _managed(iam, p["PolicyArn"])
        for p in iam.list_attached_user_policies(UserName=user)["AttachedPolicies"]
    ]
    for group in iam.list_groups_for_user(UserName=user)["Groups"]:
        name = group["GroupName"]
        found += [
            _document(iam.get_group_policy(GroupName=name, PolicyName=p)["PolicyDocument"])
            for p in iam.list_group_policies(GroupName=name)["PolicyNames"]
        ]
        found += [
            _managed(iam, p["PolicyArn"])
            for p in iam.list_attached_group_policies(GroupName=name)["AttachedPolicies"]
        ]
    return found


def role_policies(iam: Any, role: str) -> list[dict[str, Any]]:
    """A role's permissions policies (inline and attached); not its trust policy."""
    name = role.rsplit("/", 1)[-1]
    found = [
        _document(iam.get_role_policy(RoleName=name, PolicyName=p)["PolicyDocument"])
        for p in iam.list_role_policies(RoleName=name)["PolicyNames"]
    ]
    found += [
        _managed(iam, p["PolicyArn"])
        for p in iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"]
    ]
    return found


def trust_policy(iam: Any, role: str) -> dict[str, Any]:
    """Who may assume the role (for a Lambda execution role: lambda.amazonaws.com)."""
    name = role.rsplit("/", 1)[-1]
    return _document(iam.get_role(RoleName=name)["Role"]["AssumeRolePolicyDocument"])


def caller_of(iam: Any, authorization: str | None) -> Caller | None:
    """The IAM user whose access key signed a request, or None (unsigned, or unknown key)."""
    key = access_key_of(authorization)
    if key is None:
        return None
    try:
        user = iam.get_access_key_last_used(AccessKeyId=key)["UserName"]
        arn = iam.get_user(UserName=user)["User"]["Arn"]
    except Exception:  # an unknown key is simply nobody the Lab knows
        return None
    account = arn.split(":")[4]
    return Caller(arn, account, key, user, user_policies(iam, user))
