"""The execution-role check against roles in the Lab's IAM, and the call counter that
shows whether a function cached what it read."""

from __future__ import annotations

import json

import pytest

from lambda_lab import Lab
from lambda_lab.aws.call_counts import CallCounter
from lambda_lab.aws.iam_identities import access_key_of
from lambda_lab.aws.iam_policies import Decision
from lambda_lab.aws.role_check import RoleCheck


@pytest.fixture(scope="module")
def lab():
    with Lab() as instance:
        yield instance


def test_role_check_reads_inline_and_managed_policies_and_the_trust_policy(lab):
    iam = lab.service_client("iam")
    trust = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}  # fmt: skip
    ec2_only = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]}  # fmt: skip
    role = iam.create_role(RoleName="fn-role", AssumeRolePolicyDocument=json.dumps(trust))["Role"][
        "Arn"
    ]
    other = iam.create_role(RoleName="ec2-role", AssumeRolePolicyDocument=json.dumps(ec2_only))[
        "Role"
    ]["Arn"]
    inline = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "dynamodb:PutItem", "Resource": "*"}],
    }
    iam.put_role_policy(RoleName="fn-role", PolicyName="table", PolicyDocument=json.dumps(inline))
    managed = iam.create_policy(PolicyName="read-queue", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sqs:ReceiveMessage", "Resource": "*"}]}
    ))["Policy"]["Arn"]  # fmt: skip
    iam.attach_role_policy(RoleName="fn-role", PolicyArn=managed)
    check = RoleCheck(iam)
    assert check.lambda_may_assume(role) and not check.lambda_may_assume(other)
    assert check.decide(role, "dynamodb:PutItem") is Decision.ALLOW
    assert (
        check.decide(role, "sqs:ReceiveMessage", "arn:aws:sqs:us-east-1:123456789012:q")
        is Decision.ALLOW
    )
    assert check.decide(role, "s3:GetObject", "arn:aws:s3:::b/k") is Decision.IMPLICIT_DENY
    assert [v.decision for v in check.table(role, [("dynamodb:PutItem", "*"), ("kms:Decrypt", "*")])] == [
        Decision.ALLOW, Decision.IMPLICIT_DENY]  # fmt: skip


def test_the_counter_counts_only_while_watching(lab):
    ssm = lab.service_client("ssm")
    ssm.put_parameter(Name="/x", Value="1", Type="String")
    with CallCounter(lab.account_id, lab.region) as calls:
        calls.watch("ssm", "get_parameter")
        for _ in range(3):
            ssm.get_parameter(Name="/x")
        assert calls["ssm", "get_parameter"] == 3
    ssm.get_parameter(Name="/x")
    assert calls["ssm", "get_parameter"] == 3
    with pytest.raises(ValueError, match="counts calls to"):
        CallCounter(lab.account_id, lab.region).watch("s3", "get_object")


def test_the_access_key_of_a_sigv4_header():
    header = "AWS4-HMAC-SHA256 Credential=AKIAEXAMPLEKEY123456/20261207/us-east-1/execute-api/aws4_request, SignedHeaders=host, Signature=abc"
    assert access_key_of(header) == "AKIAEXAMPLEKEY123456"
    assert access_key_of("Bearer token") is None and access_key_of(None) is None
