"""Resource-based policies of layer versions: AddLayerVersionPermission and its kin.

A statement lets a principal (``*``, an account, or an account's root ARN, optionally
limited to an organization) call ``lambda:GetLayerVersion`` on one version. The Lab stores
and shows them as AWS does; like function policies, it does not enforce them (everything
here is one account).
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

from lambda_lab import errors, ids

if TYPE_CHECKING:
    from lambda_lab.control.layers import LayerVersion

ACTION = "lambda:GetLayerVersion"
_PRINCIPAL = re.compile(r"(\d{12}|\*|arn:aws[a-zA-Z-]*:iam::\d{12}:root)\Z")
_STATEMENT_ID = re.compile(r"[a-zA-Z0-9-_]{1,100}\Z")


def statement(layer: LayerVersion, params: dict[str, Any]) -> dict[str, Any]:
    """The statement AddLayerVersionPermission adds (its input checked as AWS checks it)."""
    sid, action, principal = (
        params.get("StatementId"),
        params.get("Action"),
        params.get("Principal"),
    )
    if not isinstance(sid, str) or not _STATEMENT_ID.match(sid):
        raise errors.ValidationException(
            f"1 validation error detected: Value '{sid}' at 'statementId' failed to satisfy "
            "constraint: Member must satisfy regular expression pattern: ([a-zA-Z0-9-_]+)"
        )
    if action != ACTION:
        raise errors.ValidationException(
            f"1 validation error detected: Value '{action}' at 'action' failed to satisfy "
            f"constraint: Member must satisfy regular expression pattern: {ACTION}"
        )
    if not isinstance(principal, str) or not _PRINCIPAL.match(principal):
        raise errors.ValidationException(
            f"1 validation error detected: Value '{principal}' at 'principal' failed to satisfy "
            "constraint: Member must satisfy regular expression pattern: "
            "\\d{12}|\\*|arn:(aws[a-zA-Z-]*):iam::\\d{12}:root"
        )
    found: dict[str, Any] = {
        "Sid": sid,
        "Effect": "Allow",
        "Principal": "*" if principal == "*" else {"AWS": _principal_arn(principal)},
        "Action": ACTION,
        "Resource": layer.version_arn,
    }
    if params.get("OrganizationId"):
        found["Condition"] = {"StringEquals": {"aws:PrincipalOrgID": str(params["OrganizationId"])}}
    return found


def add(layer: LayerVersion, params: dict[str, Any]) -> dict[str, Any]:
    new = statement(layer, params)
    _check_revision(layer, params.get("RevisionId"))
    if any(s["Sid"] == new["Sid"] for s in layer.statements):
        raise errors.ResourceConflictException(
            f"The statement id ({new['Sid']}) provided already exists. Please provide a new "
            "statement id, or remove the existing statement."
        )
    layer.statements.append(new)
    layer.policy_revision = ids.uuid4()
    return {
        "Statement": json.dumps(new, separators=(",", ":")),
        "RevisionId": layer.policy_revision,
    }


def remove(layer: LayerVersion, sid: str, revision_id: str | None = None) -> None:
    _check_revision(layer, revision_id)
    kept = [s for s in layer.statements if s["Sid"] != sid]
    if len(kept) == len(layer.statements):
        raise errors.ResourceNotFoundException(f"Statement {sid} is not found in resource policy.")
    layer.statements = kept
    layer.policy_revision = ids.uuid4()


def document(layer: LayerVersion) -> dict[str, Any]:
    """GetLayerVersionPolicy's answer: the policy as a JSON string, and its RevisionId."""
    if not layer.statements:
        raise errors.ResourceNotFoundException("No policy is associated with the given resource.")
    policy = {"Version": "2012-10-17", "Id": "default", "Statement": list(layer.statements)}
    return {
        "Policy": json.dumps(policy, separators=(",", ":")),
        "RevisionId": layer.policy_revision,
    }


def _check_revision(layer: LayerVersion, wanted: str | None) -> None:
    if wanted and wanted != layer.policy_revision:
        raise errors.PreconditionFailedException(
            "The Revision Id provided does not match the latest Revision Id. "
            "Call the GetLayerPolicy API to retrieve the latest Revision Id"
        )


def _principal_arn(principal: str) -> str:
    return principal if principal.startswith("arn:") else f"arn:aws:iam::{principal}:root"
