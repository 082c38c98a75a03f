"""What a function's execution role lets it do, judged from the Lab's IAM (moto).

A function acts with its **execution role**: Lambda assumes the role (its trust policy must
name ``lambda.amazonaws.com``) and hands the temporary credentials to the function. Every
AWS call the code makes (write logs, read S3, decrypt with KMS...) is then allowed or denied
by the role's permissions policies. Pollers that Lambda runs for the function (SQS, Kinesis,
DynamoDB streams) use the same role to read the source.

    check = RoleCheck(lab.service_client("iam"))
    check.decide(role_arn, "s3:GetObject", "arn:aws:s3:::photos/cat.png")  # Decision.ALLOW

The Lab does not refuse a handler's calls by its role (every environment gets the same fake
credentials); this is the decision AWS would make, from the role as it is stored.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from lambda_lab.aws.iam_identities import role_policies, trust_policy
from lambda_lab.aws.iam_policies import Decision, evaluate

LAMBDA_PRINCIPAL = "lambda.amazonaws.com"


@dataclass(frozen=True)
class Verdict:
    action: str
    resource: str
    decision: Decision

    def line(self) -> str:
        return f"{self.decision.value:13} {self.action} on {self.resource}"


class RoleCheck:
    """Decisions for a role, from its trust and permissions policies."""

    def __init__(self, iam: Any) -> None:
        self._iam = iam

    def lambda_may_assume(self, role_arn: str) -> bool:
        """Does the trust policy let the Lambda service assume the role?"""
        document = trust_policy(self._iam, role_arn)
        decision = evaluate([document], "sts:AssumeRole", role_arn, principal=LAMBDA_PRINCIPAL)
        return decision.allowed

    def decide(
        self, role_arn: str, action: str, resource: str = "*", context: dict[str, str] | None = None
    ) -> Decision:
        return evaluate(role_policies(self._iam, role_arn), action, resource, context=context)

    def table(self, role_arn: str, wanted: Iterable[tuple[str, str]]) -> list[Verdict]:
        policies = role_policies(self._iam, role_arn)
        return [Verdict(a, r, evaluate(policies, a, r)) for a, r in wanted]
