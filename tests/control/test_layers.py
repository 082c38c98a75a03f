"""Layers through boto3 (the REST API): every operation AWS has, its shapes and its errors."""

from __future__ import annotations

import io
import json
import zipfile

import pytest

from lambda_lab import Lab, LambdaError, limits

ARN = f"arn:aws:lambda:us-east-1:{limits.ACCOUNT_ID}:layer"


def layer_zip(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in files.items():
            info = zipfile.ZipInfo(name)
            info.external_attr = 0o644 << 16
            archive.writestr(info, text)
    return buffer.getvalue()


@pytest.fixture
def client(lab: Lab):
    return lab.client("lambda")


def publish(client, name: str = "tools", **extra):
    content = {"ZipFile": layer_zip({"python/tools.py": f"NAME = {name!r}\n"})}
    return client.publish_layer_version(LayerName=name, Content=content, **extra)


def test_publish_get_and_list_as_aws_shows_them(client) -> None:
    first = publish(client, Description="helpers", CompatibleRuntimes=["python3.12"],
                    CompatibleArchitectures=["x86_64"], LicenseInfo="MIT")  # fmt: skip
    assert first["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert (first["LayerArn"], first["LayerVersionArn"], first["Version"]) == (
        f"{ARN}:tools", f"{ARN}:tools:1", 1,
    )  # fmt: skip
    assert first["Content"]["CodeSize"] > 0 and len(first["Content"]["CodeSha256"]) == 44
    assert (first["CompatibleRuntimes"], first["LicenseInfo"]) == (["python3.12"], "MIT")
    second = publish(client)
    assert second["Version"] == 2
    got = client.get_layer_version(LayerName="tools", VersionNumber=1)
    assert got["Description"] == "helpers" and got["CreatedDate"].endswith("+0000")
    by_arn = client.get_layer_version_by_arn(Arn=f"{ARN}:tools:2")
    assert by_arn["Version"] == 2
    versions = client.list_layer_versions(LayerName="tools")["LayerVersions"]
    assert [v["Version"] for v in versions] == [2, 1]  # newest first
    assert "Content" not in versions[0]
    layers = client.list_layers()["Layers"]
    assert [
        (entry["LayerName"], entry["LatestMatchingVersion"]["Version"]) for entry in layers
    ] == [("tools", 2)]
    matching = client.list_layers(CompatibleRuntime="python3.12")["Layers"]
    assert matching[0]["LatestMatchingVersion"]["Version"] == 1  # only version 1 says python3.12


def test_delete_hides_a_version_and_numbers_are_never_reused(client) -> None:
    publish(client)
    client.delete_layer_version(LayerName="tools", VersionNumber=1)
    client.delete_layer_version(LayerName="tools", VersionNumber=7)  # missing: no error, as AWS
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.get_layer_version(LayerName="tools", VersionNumber=1)
    assert publish(client)["Version"] == 2


def test_permissions_on_a_layer_version(client) -> None:
    publish(client)
    added = client.add_layer_version_permission(
        LayerName="tools", VersionNumber=1, StatementId="everyone",
        Action="lambda:GetLayerVersion", Principal="*",
    )  # fmt: skip
    statement = json.loads(added["Statement"])
    assert statement == {
        "Sid": "everyone", "Effect": "Allow", "Principal": "*",
        "Action": "lambda:GetLayerVersion", "Resource": f"{ARN}:tools:1",
    }  # fmt: skip
    client.add_layer_version_permission(
        LayerName="tools", VersionNumber=1, StatementId="account",
        Action="lambda:GetLayerVersion", Principal="210987654321",
    )  # fmt: skip
    policy = json.loads(
        client.get_layer_version_policy(LayerName="tools", VersionNumber=1)["Policy"]
    )
    assert [s["Principal"] for s in policy["Statement"]] == [
        "*", {"AWS": "arn:aws:iam::210987654321:root"},
    ]  # fmt: skip
    with pytest.raises(client.exceptions.ResourceConflictException):
        client.add_layer_version_permission(
            LayerName="tools", VersionNumber=1, StatementId="everyone",
            Action="lambda:GetLayerVersion", Principal="*",
        )  # fmt: skip
    client.remove_layer_version_permission(
        LayerName="tools", VersionNumber=1, StatementId="everyone"
    )
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.remove_layer_version_permission(
            LayerName="tools", VersionNumber=1, StatementId="everyone"
        )


def test_a_function_uses_at_most_five_existing_layers(lab: Lab, client) -> None:
    arns = [publish(client, f"layer{i}")["LayerVersionArn"] for i in range(6)]
    code = "def lambda_handler(e, c):\n    return 1\n"
    lab.deploy("five", code, Layers=arns[:5])
    config = client.get_function(FunctionName="five")["Configuration"]
    assert [layer["Arn"] for layer in config["Layers"]] == arns[:5]
    assert all(layer["CodeSize"] > 0 for layer in config["Layers"])
    with pytest.raises(
        client.exceptions.InvalidParameterValueException, match="more than 5 layers"
    ):
        client.update_function_configuration(FunctionName="five", Layers=arns)
    missing = f"{ARN}:nothing:1"
    with pytest.raises(client.exceptions.InvalidParameterValueException) as caught:
        client.update_function_configuration(FunctionName="five", Layers=[missing])
    assert caught.value.response["Error"]["Message"] == f"Layer version {missing} does not exist."
    assert (
        len(client.get_function(FunctionName="five")["Configuration"]["Layers"]) == 5
    )  # unchanged
    client.update_function_configuration(FunctionName="five", Layers=[])
    assert "Layers" not in client.get_function(FunctionName="five")["Configuration"]


def test_code_and_layers_together_fit_in_250_mb(lab: Lab, client, monkeypatch) -> None:
    big = publish(client, "big")["LayerVersionArn"]
    monkeypatch.setattr(limits, "UNZIPPED_MAX_BYTES", 55)  # a small quota for a quick test
    with pytest.raises(LambdaError) as caught:
        lab.deploy("heavy", "def lambda_handler(e, c):\n    return 'x' * 100\n", Layers=[big])
    assert caught.value.code == "InvalidParameterValueException"
    message = caught.value.message
    assert message.startswith(
        "Function code combined with layers exceeds the maximum allowed size of 55 bytes. The actual size is "
    )


def test_a_function_keeps_a_deleted_layer_version(lab: Lab, client) -> None:
    arn = publish(client)["LayerVersionArn"]
    lab.deploy(
        "user", "import tools\ndef lambda_handler(e, c):\n    return tools.NAME\n", Layers=[arn]
    )
    client.delete_layer_version(LayerName="tools", VersionNumber=1)
    lab.deploy("user", "import tools\ndef lambda_handler(e, c):\n    return tools.NAME + '!'\n")
    assert lab.invoke("user").value == "tools!"


def test_bad_layer_input_gets_aws_errors(client) -> None:
    with pytest.raises(client.exceptions.ClientError) as caught:
        client.get_layer_version_by_arn(Arn=f"{ARN}:tools")  # no version number
    assert caught.value.response["Error"]["Code"] == "ValidationException"
    with pytest.raises(client.exceptions.InvalidParameterValueException):
        client.publish_layer_version(LayerName="broken", Content={"ZipFile": b"not a zip"})
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.get_layer_version_policy(LayerName="nothing", VersionNumber=1)


def test_created_date_and_runtimes_come_from_the_labs_clock() -> None:
    """CreatedDate is the Lab clock's time, not the wall clock's; a layer from installed
    packages lists the runtimes AWS supports on the Lab's date (python3.10 is deprecated
    since Oct 2026; python3.11 since June 2027)."""
    from lambda_lab import aws_time
    from lambda_lab.clock import VirtualClock

    start = 1_796_428_800.0  # 2026-12-05T00:00:00Z
    with Lab(clock=VirtualClock(start=start)) as lab:
        client = lab.client("lambda")
        assert publish(client)["CreatedDate"] == "2026-12-05T00:00:00.000+0000"
        first = lab.layer_from_installed("jmespath")
        assert first["CreatedDate"] == aws_time.function_timestamp(start)
        supported = ["python3.14", "python3.13", "python3.12", "python3.11"]
        assert first["CompatibleRuntimes"] == supported
        lab.clock.advance(days=365)
        later = lab.layer_from_installed("jmespath")
        assert later["CreatedDate"] == "2027-12-05T00:00:00.000+0000"
        assert later["CompatibleRuntimes"] == supported[:3]
