"""Versions and aliases through boto3's Lambda client (in process): AWS's semantics and shapes."""

from __future__ import annotations

import collections

import pytest

CODE_V1 = "def lambda_handler(event, context):\n    return {'code': 'one', 'version': context.function_version}\n"
CODE_V2 = "def lambda_handler(event, context):\n    return {'code': 'two', 'version': context.function_version}\n"
ARN = "arn:aws:lambda:us-east-1:123456789012:function:demo"


@pytest.fixture
def client(lab):
    lab.deploy("demo", CODE_V1, MemorySize=256, Timeout=5)
    return lab.client("lambda")


def test_a_published_version_keeps_its_code_and_configuration(lab, client) -> None:
    one = client.publish_version(FunctionName="demo", Description="first release")
    assert (one["Version"], one["FunctionArn"], one["Description"]) == (
        "1",
        f"{ARN}:1",
        "first release",
    )
    assert one["MemorySize"] == 256
    lab.deploy("demo", CODE_V2, MemorySize=512)
    assert (
        client.invoke(FunctionName="demo", Qualifier="1")["Payload"].read()
        == b'{"code": "one", "version": "1"}'
    )
    latest = client.invoke(FunctionName="demo")
    assert latest["Payload"].read() == b'{"code": "two", "version": "$LATEST"}'
    assert latest["ExecutedVersion"] == "$LATEST"
    assert (
        client.get_function_configuration(FunctionName="demo", Qualifier="1")["MemorySize"] == 256
    )
    assert client.get_function_configuration(FunctionName="demo:1")["MemorySize"] == 256
    assert client.get_function(FunctionName="demo")["Configuration"]["MemorySize"] == 512
    record = lab.records.last("demo")
    assert record.version == "$LATEST"
    streams = lab.logs.streams("demo")
    assert any("/[1]" in s for s in streams) and any("/[$LATEST]" in s for s in streams)


def test_publishing_an_unchanged_function_returns_the_last_version(lab, client) -> None:
    assert client.publish_version(FunctionName="demo")["Version"] == "1"
    assert client.publish_version(FunctionName="demo")["Version"] == "1"
    lab.deploy("demo", CODE_V2)
    assert client.publish_version(FunctionName="demo")["Version"] == "2"
    listed = client.list_versions_by_function(FunctionName="demo")["Versions"]
    assert [v["Version"] for v in listed] == ["$LATEST", "1", "2"]
    assert [v["FunctionArn"] for v in listed] == [f"{ARN}:$LATEST", f"{ARN}:1", f"{ARN}:2"]


def test_version_numbers_are_never_reused(client) -> None:
    client.publish_version(FunctionName="demo")
    client.delete_function(FunctionName="demo", Qualifier="1")
    client.update_function_configuration(FunctionName="demo", Timeout=6)
    client.get_waiter("function_updated_v2").wait(FunctionName="demo")
    assert client.publish_version(FunctionName="demo")["Version"] == "2"
    with pytest.raises(client.exceptions.ResourceNotFoundException, match=f"{ARN}:1"):
        client.invoke(FunctionName="demo", Qualifier="1")


def test_publish_checks_code_sha256_and_revision_id(client) -> None:
    current = client.get_function_configuration(FunctionName="demo")
    with pytest.raises(client.exceptions.InvalidParameterValueException, match="CodeSHA256"):
        client.publish_version(FunctionName="demo", CodeSha256="bm90LXRoZS1jb2Rl")
    with pytest.raises(client.exceptions.PreconditionFailedException, match="Revision Id"):
        client.publish_version(
            FunctionName="demo", RevisionId="00000000-0000-0000-0000-000000000000"
        )
    ok = client.publish_version(
        FunctionName="demo", CodeSha256=current["CodeSha256"], RevisionId=current["RevisionId"]
    )
    assert ok["Version"] == "1"


def test_create_function_and_update_code_can_publish(lab, client) -> None:
    from lambda_lab import package

    created = client.create_function(
        FunctionName="other",
        Role="arn:aws:iam::123456789012:role/r",
        Code={"ZipFile": package(CODE_V1)},
        Publish=True,
        Runtime="python3.12",
    )
    assert (created["Version"], created["State"]) == ("1", "Pending")  # recorded from AWS
    client.get_waiter("function_active_v2").wait(FunctionName="other")
    assert client.get_function(FunctionName="other:1")["Configuration"]["State"] == "Active"
    updated = client.update_function_code(
        FunctionName="other", ZipFile=package(CODE_V2), Publish=True
    )
    assert (updated["Version"], updated["State"]) == ("2", "Pending")
    assert "LastUpdateStatus" not in updated
    latest = client.get_function(FunctionName="other:$LATEST")["Configuration"]
    assert latest["LastUpdateStatus"] == "InProgress" and latest["FunctionArn"].endswith(":$LATEST")
    client.get_waiter("function_updated_v2").wait(FunctionName="other")
    assert client.get_function_configuration(FunctionName="other:2")["State"] == "Active"


def test_alias_shapes_and_invoke_through_an_alias(client) -> None:
    client.publish_version(FunctionName="demo")
    alias = client.create_alias(
        FunctionName="demo",
        Name="LIVE",
        FunctionVersion="1",
        Description="alias for live version of function",
    )
    assert {k: v for k, v in alias.items() if k not in ("ResponseMetadata", "RevisionId")} == {
        "AliasArn": f"{ARN}:LIVE",
        "Description": "alias for live version of function",
        "FunctionVersion": "1",
        "Name": "LIVE",
    }
    assert client.get_alias(FunctionName="demo", Name="LIVE")["RevisionId"] == alias["RevisionId"]
    through_qualifier = client.invoke(FunctionName="demo", Qualifier="LIVE")
    through_arn = client.invoke(FunctionName=f"{ARN}:LIVE")
    assert through_qualifier["ExecutedVersion"] == through_arn["ExecutedVersion"] == "1"
    with pytest.raises(client.exceptions.ResourceConflictException, match="Alias already exists"):
        client.create_alias(FunctionName="demo", Name="LIVE", FunctionVersion="1")
    with pytest.raises(client.exceptions.ResourceConflictException, match="LIVE"):
        client.delete_function(FunctionName="demo", Qualifier="1")
    client.delete_alias(FunctionName="demo", Name="LIVE")
    assert client.list_aliases(FunctionName="demo")["Aliases"] == []


def test_alias_routing_config_splits_traffic(lab, client) -> None:
    client.publish_version(FunctionName="demo")
    lab.deploy("demo", CODE_V2)
    client.publish_version(FunctionName="demo")
    client.create_alias(FunctionName="demo", Name="BLUE", FunctionVersion="2")
    updated = client.update_alias(
        FunctionName="demo",
        Name="BLUE",
        FunctionVersion="2",
        RoutingConfig={"AdditionalVersionWeights": {"1": 0.5}},
    )
    assert updated["RoutingConfig"] == {"AdditionalVersionWeights": {"1": 0.5}}
    seen = collections.Counter(
        client.invoke(FunctionName="demo:BLUE")["ExecutedVersion"] for _ in range(40)
    )
    assert set(seen) == {"1", "2"}  # 40 calls at 50 %: both sides, except once in 5e11
    assert (
        client.get_function_configuration(FunctionName="demo", Qualifier="BLUE")["Version"] == "2"
    )


@pytest.mark.parametrize(
    ("routing", "error", "text"),
    [
        (
            {"AdditionalVersionWeights": {"1": 1.5}},
            "ValidationException",
            r"Map value must satisfy constraint: \[Member must have value less than or equal to 1.0",
        ),
        (
            {"AdditionalVersionWeights": {"2": 0.5}},
            "InvalidParameterValueException",
            "already included",
        ),
        ({"AdditionalVersionWeights": {"9": 0.5}}, "ResourceNotFoundException", f"{ARN}:9"),
    ],
)
def test_bad_routing_configs_are_rejected(lab, client, routing, error, text) -> None:
    client.publish_version(FunctionName="demo")
    lab.deploy("demo", CODE_V2)
    client.publish_version(FunctionName="demo")
    from botocore.exceptions import ClientError

    with pytest.raises(ClientError, match=text) as raised:
        client.create_alias(
            FunctionName="demo", Name="blue", FunctionVersion="2", RoutingConfig=routing
        )
    assert raised.value.response["Error"]["Code"] == error


def test_alias_errors_name_the_problem(client) -> None:
    with pytest.raises(client.exceptions.ResourceNotFoundException, match=f"{ARN}:3"):
        client.create_alias(FunctionName="demo", Name="prod", FunctionVersion="3")
    with pytest.raises(client.exceptions.ResourceNotFoundException, match="Cannot find alias arn"):
        client.get_alias(FunctionName="demo", Name="missing")
    with pytest.raises(client.exceptions.ResourceNotFoundException, match="Alias not found"):
        client.update_alias(FunctionName="demo", Name="missing", Description="x")
    with pytest.raises(client.exceptions.ResourceNotFoundException, match=f"{ARN}:missing"):
        client.invoke(FunctionName="demo", Qualifier="missing")
    with pytest.raises(client.exceptions.InvalidParameterValueException, match="does not match"):
        client.invoke(FunctionName="demo:1", Qualifier="2")
    with pytest.raises(
        client.exceptions.InvalidParameterValueException,
        match=r"\$LATEST version cannot be deleted",
    ):
        client.delete_function(FunctionName="demo", Qualifier="$LATEST")


def test_deleting_the_function_removes_its_versions_and_aliases(lab, client) -> None:
    client.publish_version(FunctionName="demo")
    client.create_alias(FunctionName="demo", Name="prod", FunctionVersion="1")
    client.delete_function(FunctionName="demo")
    lab.deploy("demo", CODE_V1)
    assert [
        v["Version"] for v in client.list_versions_by_function(FunctionName="demo")["Versions"]
    ] == ["$LATEST"]
    assert client.list_aliases(FunctionName="demo")["Aliases"] == []
