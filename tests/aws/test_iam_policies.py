"""IAM policy evaluation: explicit deny wins, allow needs a matching statement, wildcards,
principals (accounts stand for their identities), and condition operators."""

from __future__ import annotations

import pytest

from lambda_lab.aws.iam_policies import Decision, PolicyError, account_of, evaluate

ARN = "arn:aws:execute-api:us-east-1:123456789012:abc123/prod/GET/orders"


def policy(*statements):
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allow(action="execute-api:Invoke", resource="*", **extra):
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def test_nothing_allowed_is_an_implicit_deny_and_deny_beats_allow():
    assert evaluate([policy()], "execute-api:Invoke", ARN) is Decision.IMPLICIT_DENY
    both = policy(allow(), {"Effect": "Deny", "Action": "execute-api:*", "Resource": ARN})
    assert evaluate([both], "execute-api:Invoke", ARN) is Decision.EXPLICIT_DENY
    assert evaluate([policy(allow())], "execute-api:Invoke", ARN).allowed


@pytest.mark.parametrize(
    "resource, allowed",
    [
        ("arn:aws:execute-api:us-east-1:123456789012:abc123/*", True),
        ("arn:aws:execute-api:us-east-1:123456789012:abc123/prod/GET/*", True),
        ("arn:aws:execute-api:us-east-1:123456789012:abc123/prod/POST/*", False),
        ("arn:aws:execute-api:us-east-1:123456789012:abc123/prod/GET/order?", True),
        ("arn:aws:execute-api:*:*:abc123/*/GET/orders", True),
    ],
)
def test_resource_wildcards(resource, allowed):
    assert (
        evaluate([policy(allow(resource=resource))], "execute-api:Invoke", ARN).allowed is allowed
    )


def test_actions_match_without_regard_to_case_and_not_action_inverts():
    assert evaluate([policy(allow(action="EXECUTE-API:invoke"))], "execute-api:Invoke", ARN).allowed
    everything_but = {"Effect": "Allow", "NotAction": "s3:DeleteObject", "Resource": "*"}
    assert evaluate([policy(everything_but)], "s3:GetObject", "arn:aws:s3:::b/k").allowed
    assert not evaluate([policy(everything_but)], "s3:DeleteObject", "arn:aws:s3:::b/k").allowed


def test_principals_accounts_and_services():
    statement = allow("lambda:InvokeFunction", Principal={"AWS": "arn:aws:iam::111122223333:root"})
    fn = "arn:aws:lambda:us-east-1:123456789012:function:f"
    assert evaluate(
        [policy(statement)],
        "lambda:InvokeFunction",
        fn,
        principal="arn:aws:iam::111122223333:user/bob",
    ).allowed
    assert not evaluate(
        [policy(statement)], "lambda:InvokeFunction", fn, principal="arn:aws:iam::999988887777:root"
    ).allowed
    service = allow("lambda:InvokeFunction", Principal={"Service": "apigateway.amazonaws.com"})
    assert evaluate(
        [policy(service)], "lambda:InvokeFunction", fn, principal="apigateway.amazonaws.com"
    ).allowed
    assert not evaluate(
        [policy(service)], "lambda:InvokeFunction", fn, principal="s3.amazonaws.com"
    ).allowed
    assert account_of("111122223333") == "111122223333" and account_of("sns.amazonaws.com") is None


@pytest.mark.parametrize(
    "operator, expected, actual, allowed",
    [
        (
            "ArnLike",
            "arn:aws:execute-api:us-east-1:123456789012:abc/*",
            "arn:aws:execute-api:us-east-1:123456789012:abc/prod/GET/x",
            True,
        ),
        (
            "ArnLike",
            "arn:aws:execute-api:us-east-1:123456789012:zzz/*",
            "arn:aws:execute-api:us-east-1:123456789012:abc/prod/GET/x",
            False,
        ),
        ("StringEquals", "NONE", "NONE", True),
        ("StringNotEquals", "NONE", "AWS_IAM", True),
        ("Bool", "true", "true", True),
        ("IpAddress", "10.0.0.0/8", "10.1.2.3", True),
        ("NotIpAddress", "10.0.0.0/8", "127.0.0.1", True),
        ("NumericLessThan", "5", "7", False),
    ],
)
def test_condition_operators(operator, expected, actual, allowed):
    statement = allow(Condition={operator: {"aws:Key": expected}})
    decision = evaluate([policy(statement)], "execute-api:Invoke", ARN, context={"aws:key": actual})
    assert decision.allowed is allowed


def test_a_missing_condition_key_fails_unless_if_exists_or_negated():
    assert not evaluate(
        [policy(allow(Condition={"StringEquals": {"aws:SourceAccount": "1"}}))],
        "execute-api:Invoke",
        ARN,
    ).allowed
    assert evaluate(
        [policy(allow(Condition={"StringEqualsIfExists": {"aws:SourceAccount": "1"}}))],
        "execute-api:Invoke",
        ARN,
    ).allowed
    assert evaluate(
        [policy(allow(Condition={"StringNotEquals": {"aws:SourceAccount": "1"}}))],
        "execute-api:Invoke",
        ARN,
    ).allowed


@pytest.mark.parametrize(
    "document, message",
    [
        ({"Statement": [{"Effect": "Maybe", "Action": "*"}]}, "Effect"),
        ({"Version": "2012-10-17"}, "Statement"),
        (
            {"Statement": [allow(Condition={"ForAnyValue:StringLike": {"a": "b"}})]},
            "not one the Lab evaluates",
        ),
        ("not json", "must be JSON"),
        (
            {"Statement": [allow(Resource="arn:aws:s3:::home/${aws:username}/*")]},
            r"policy variables such as \$\{aws:username\}",
        ),
        (
            {
                "Statement": [
                    allow(
                        Condition={
                            "StringEquals": {"aws:ResourceTag/team": "${aws:PrincipalTag/team}"}
                        }
                    )
                ]
            },
            "not ones the Lab evaluates",
        ),
    ],
)
def test_policies_it_cannot_judge_are_refused_with_a_reason(document, message):
    with pytest.raises(PolicyError, match=message):
        evaluate([document], "execute-api:Invoke", ARN)
