"""Resource policies and tags: stored and shown as AWS shows them (botocore's own examples)."""

from __future__ import annotations

import json

import pytest

CODE = "def lambda_handler(event, context):\n    return 'ok'\n"
ARN = "arn:aws:lambda:us-east-1:123456789012:function:my-function"


@pytest.fixture
def client(lab):
    lab.deploy("my-function", CODE)
    return lab.client("lambda")


def _example(operation: str, index: int = 0) -> dict:
    """botocore's documented example for an operation (examples-1.json), region made the Lab's."""
    import botocore.session

    loader = botocore.session.Session().get_component("data_loader")
    example = loader.load_service_model("lambda", "examples-1")["examples"][operation][index]
    return json.loads(json.dumps(example).replace("us-east-2", "us-east-1"))


def test_add_permission_answers_the_statement_aws_documents(client) -> None:
    example = _example("AddPermission", 1)  # another account may invoke my-function
    got = client.add_permission(**example["input"])
    assert json.loads(got["Statement"]) == json.loads(example["output"]["Statement"])


def test_add_permission_for_a_service_with_conditions(client) -> None:
    got = json.loads(
        client.add_permission(
            FunctionName="my-function",
            StatementId="s3",
            Action="lambda:InvokeFunction",
            Principal="s3.amazonaws.com",
            SourceAccount="123456789012",
            SourceArn="arn:aws:s3:::my-bucket-1xpuxmplzrlbh",
        )["Statement"]
    )
    assert got == {
        "Sid": "s3",
        "Effect": "Allow",
        "Principal": {"Service": "s3.amazonaws.com"},
        "Action": "lambda:InvokeFunction",
        "Resource": ARN,
        "Condition": {
            "StringEquals": {"AWS:SourceAccount": "123456789012"},
            "ArnLike": {"AWS:SourceArn": "arn:aws:s3:::my-bucket-1xpuxmplzrlbh"},
        },
    }


def test_get_policy_of_a_version_as_documented(client) -> None:
    client.publish_version(FunctionName="my-function")
    client.add_permission(
        FunctionName="my-function",
        Qualifier="1",
        StatementId="xaccount",
        Action="lambda:InvokeFunction",
        Principal="123456789012",
    )
    example = _example("GetPolicy")
    got = client.get_policy(**example["input"])
    assert json.loads(got["Policy"]) == json.loads(example["output"]["Policy"])
    assert len(got["RevisionId"]) == 36
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.get_policy(FunctionName="my-function")  # $LATEST has no policy of its own


def test_statements_are_removed_by_id_and_revision(client) -> None:
    client.add_permission(
        FunctionName="my-function", StatementId="a", Action="lambda:*", Principal="*"
    )
    with pytest.raises(client.exceptions.ResourceConflictException, match=r"statement id \(a\)"):
        client.add_permission(
            FunctionName="my-function", StatementId="a", Action="lambda:*", Principal="*"
        )
    revision = client.get_policy(FunctionName="my-function")["RevisionId"]
    with pytest.raises(client.exceptions.PreconditionFailedException):
        client.remove_permission(FunctionName="my-function", StatementId="a", RevisionId="stale")
    client.add_permission(
        FunctionName="my-function", StatementId="b", Action="lambda:*", Principal="*"
    )
    revision = client.get_policy(FunctionName="my-function")["RevisionId"]
    client.remove_permission(FunctionName="my-function", StatementId="a", RevisionId=revision)
    with pytest.raises(
        client.exceptions.ResourceNotFoundException, match="Statement a is not found"
    ):
        client.remove_permission(FunctionName="my-function", StatementId="a")
    client.remove_permission(FunctionName="my-function", StatementId="b")
    with pytest.raises(  # the last statement gone, there is no policy at all (recorded)
        client.exceptions.ResourceNotFoundException, match="No policy is associated"
    ):
        client.remove_permission(FunctionName="my-function", StatementId="b")


def test_bad_permission_inputs_get_aws_errors(client) -> None:
    from botocore.exceptions import ClientError

    with pytest.raises(ClientError, match="lambda:") as raised:
        client.add_permission(
            FunctionName="my-function", StatementId="x", Action="s3:GetObject", Principal="*"
        )
    assert raised.value.response["Error"]["Code"] == "ValidationException"
    with pytest.raises(client.exceptions.ResourceNotFoundException, match=f"{ARN}:7"):
        client.add_permission(
            FunctionName="my-function",
            Qualifier="7",
            StatementId="x",
            Action="lambda:*",
            Principal="*",
        )


def test_tags_as_documented(client) -> None:
    arn = client.get_function(FunctionName="my-function")["Configuration"]["FunctionArn"]
    client.tag_resource(Resource=arn, Tags={"DEPARTMENT": "Department A", "Category": "Web Tools"})
    assert client.list_tags(Resource=arn)["Tags"] == {
        "DEPARTMENT": "Department A",
        "Category": "Web Tools",
    }
    client.untag_resource(Resource=arn, TagKeys=["DEPARTMENT"])
    assert client.list_tags(Resource=arn)["Tags"] == {"Category": "Web Tools"}
    assert client.get_function(FunctionName="my-function")["Tags"] == {"Category": "Web Tools"}
    with pytest.raises(
        client.exceptions.InvalidParameterValueException, match="aliases and versions"
    ):
        client.tag_resource(Resource=f"{arn}:1", Tags={"a": "b"})


def test_deleting_a_function_drops_its_policy(lab, client) -> None:
    client.add_permission(
        FunctionName="my-function", StatementId="a", Action="lambda:*", Principal="*"
    )
    client.delete_function(FunctionName="my-function")
    lab.deploy("my-function", CODE)
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.get_policy(FunctionName="my-function")
