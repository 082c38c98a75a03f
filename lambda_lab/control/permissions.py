"""Resource-based policies: AddPermission statements, stored and shown as AWS shows them.

The Lab keeps every statement and answers GetPolicy with the same JSON document AWS
returns (Version 2012-10-17, Id "default", one statement per StatementId). It does not
enforce them: everything that calls a function here is the learner, inside one account.
"""

from __future__ import annotations

import json
import re
import threading
from typing import Any

from lambda_lab import errors, ids, limits

_STATEMENT_ID = re.compile(r"[a-zA-Z0-9-_]{1,100}\Z")
_ACTION = re.compile(r"(lambda:[*]|lambda:[a-zA-Z]+|[*])\Z")
_ACCOUNT = re.compile(r"\d{12}\Z")


def principal_document(principal: str) -> Any:
    """How a policy writes the Principal given to AddPermission."""
    if principal == "*":
        return "*"
    if _ACCOUNT.match(principal):
        return {"AWS": f"arn:aws:iam::{principal}:root"}
    if principal.startswith("arn:"):
        return {"AWS": principal}
    return {"Service": principal}


def _conditions(params: dict[str, Any]) -> dict[str, dict[str, str]]:
    conditions: dict[str, dict[str, str]] = {}

    def add(operator: str, key: str, value: Any) -> None:
        if value is not None:
            conditions.setdefault(operator, {})[key] = (
                str(value).lower() if isinstance(value, bool) else str(value)
            )

    add("StringEquals", "AWS:SourceAccount", params.get("SourceAccount"))
    add("StringEquals", "lambda:EventSourceToken", params.get("EventSourceToken"))
    add("StringEquals", "aws:PrincipalOrgID", params.get("PrincipalOrgID"))
    add("StringEquals", "lambda:FunctionUrlAuthType", params.get("FunctionUrlAuthType"))
    add("Bool", "lambda:InvokedViaFunctionUrl", params.get("InvokedViaFunctionUrl"))
    add("ArnLike", "AWS:SourceArn", params.get("SourceArn"))
    return conditions


def statement(params: dict[str, Any], resource_arn: str) -> dict[str, Any]:
    """One policy statement from AddPermission's parameters (validated)."""
    sid, action, principal = (
        params.get("StatementId"),
        params.get("Action"),
        params.get("Principal"),
    )
    if not isinstance(sid, str) or not _STATEMENT_ID.match(sid):
        raise errors.ValidationException(
            f"1 validation error detected: Value '{sid}' at 'statementId' failed to satisfy constraint: Member "
            "must satisfy regular expression pattern: ([a-zA-Z0-9-_]+) (1 to 100 characters)"
        )
    if not isinstance(action, str) or not _ACTION.match(action):
        raise errors.ValidationException(
            f"1 validation error detected: Value '{action}' at 'action' failed to satisfy constraint: Member "
            "must satisfy regular expression pattern: (lambda:[*]|lambda:[a-zA-Z]+|[*])"
        )
    if not isinstance(principal, str) or not principal or any(c.isspace() for c in principal):
        raise errors.ValidationException(
            f"1 validation error detected: Value '{principal}' at 'principal' failed to satisfy constraint: "
            "Member must satisfy regular expression pattern: [^\\s]+"
        )
    doc: dict[str, Any] = {
        "Sid": sid,
        "Effect": "Allow",
        "Principal": principal_document(principal),
        "Action": action,
        "Resource": resource_arn,
    }
    conditions = _conditions(params)
    if conditions:
        doc["Condition"] = conditions
    return doc


class Policies:
    """One policy per function and qualifier (``$LATEST``, a version or an alias); thread-safe."""

    def __init__(self) -> None:
        self._statements: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self._revisions: dict[tuple[str, str], str] = {}
        self._lock = threading.Lock()

    def add(
        self, function: str, qualifier: str, params: dict[str, Any], resource_arn: str
    ) -> dict[str, Any]:
        new = statement(params, resource_arn)
        key = (function, qualifier)
        with self._lock:
            self._check_revision(key, params.get("RevisionId"))
            existing = self._statements.setdefault(key, [])
            if any(s["Sid"] == new["Sid"] for s in existing):
                raise errors.ResourceConflictException(
                    f"The statement id ({new['Sid']}) provided already exists. Please provide a new statement id, "
                    "or remove the existing statement."
                )
            if len(json.dumps(existing + [new])) > limits.POLICY_MAX_BYTES:
                raise errors.PolicyLengthExceededException(
                    f"The final policy size ({len(json.dumps(existing + [new]))}) is bigger than the limit "
                    f"({limits.POLICY_MAX_BYTES})."
                )
            existing.append(new)
            self._revisions[key] = ids.uuid4()
        return new

    def remove(
        self, function: str, qualifier: str, sid: str, revision_id: str | None = None
    ) -> None:
        key = (function, qualifier)
        with self._lock:
            self._check_revision(key, revision_id)
            existing = self._statements.get(key, [])
            kept = [s for s in existing if s["Sid"] != sid]
            if len(kept) == len(existing):
                raise errors.ResourceNotFoundException(
                    f"Statement {sid} is not found in resource policy."
                )
            self._statements[key] = kept
            self._revisions[key] = ids.uuid4()

    def policy(self, function: str, qualifier: str) -> dict[str, Any]:
        """GetPolicy's answer: the policy as a JSON string, and its RevisionId."""
        key = (function, qualifier)
        with self._lock:
            statements = list(self._statements.get(key, []))
            revision = self._revisions.get(key, "")
        if not statements:
            raise errors.ResourceNotFoundException("The resource you requested does not exist.")
        document = {"Version": "2012-10-17", "Id": "default", "Statement": statements}
        return {"Policy": json.dumps(document, separators=(",", ":")), "RevisionId": revision}

    def statements(self, function: str, qualifier: str) -> list[dict[str, Any]]:
        """The statements of one policy (empty when there is none), for checks such as a
        function URL's public access."""
        with self._lock:
            return [dict(s) for s in self._statements.get((function, qualifier), [])]

    def forget(self, function: str, qualifier: str | None = None) -> None:
        """The function (or one of its versions or aliases) was deleted."""
        with self._lock:
            for key in [
                k for k in self._statements if k[0] == function and qualifier in (None, k[1])
            ]:
                self._statements.pop(key, None)
                self._revisions.pop(key, None)

    def export(self) -> list[dict[str, Any]]:
        with self._lock:
            return [
                {
                    "function": f,
                    "qualifier": q,
                    "statements": s,
                    "revision": self._revisions.get((f, q), ""),
                }
                for (f, q), s in self._statements.items()
                if s
            ]

    def load(self, saved: list[dict[str, Any]]) -> None:
        with self._lock:
            for entry in saved:
                key = (entry["function"], entry["qualifier"])
                self._statements[key] = list(entry["statements"])
                self._revisions[key] = entry.get("revision") or ids.uuid4()

    def _check_revision(self, key: tuple[str, str], wanted: str | None) -> None:
        if wanted and wanted != self._revisions.get(key):
            raise errors.PreconditionFailedException(
                "The Revision Id provided does not match the latest Revision Id. "
                "Call the GetPolicy API to retrieve the latest Revision Id"
            )
