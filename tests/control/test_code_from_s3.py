"""Code from S3: ``Code.S3Bucket``/``S3Key``/``S3ObjectVersion`` read from the Lab's S3, for
CreateFunction and UpdateFunctionCode, with AWS's errors for a missing bucket or key
(recorded: "Error occurred while GetObject. S3 Error Code: NoSuchKey. ...")."""

from __future__ import annotations

import json

import pytest
from serve_helpers import Served

from lambda_lab import Lab, errors, package
from lambda_lab.control import packaging

ROLE = "arn:aws:iam::123456789012:role/r"
V1 = "def lambda_handler(event, context):\n    return 'from s3, one'\n"
V2 = "def lambda_handler(event, context):\n    return 'from s3, two'\n"


@pytest.fixture(scope="module")
def lab():
    with Lab(state_transition_s=0) as instance:
        s3 = instance.client("s3")
        s3.create_bucket(Bucket="code")
        s3.put_object(Bucket="code", Key="v1.zip", Body=package(V1))
        s3.put_object(Bucket="code", Key="v2.zip", Body=package(V2))
        yield instance


def test_a_function_made_from_code_in_s3_runs(lab: Lab) -> None:
    client = lab.client("lambda")
    created = client.create_function(FunctionName="from-s3", Role=ROLE, Runtime="python3.12",
                                     Handler="lambda_function.lambda_handler",
                                     Code={"S3Bucket": "code", "S3Key": "v1.zip"})  # fmt: skip
    assert created["CodeSha256"] == packaging.code_sha256(package(V1))
    assert created["CodeSize"] == len(package(V1))
    assert json.loads(client.invoke(FunctionName="from-s3")["Payload"].read()) == "from s3, one"
    client.update_function_code(FunctionName="from-s3", S3Bucket="code", S3Key="v2.zip")
    assert json.loads(client.invoke(FunctionName="from-s3")["Payload"].read()) == "from s3, two"


def test_an_object_version_picks_the_code(lab: Lab) -> None:
    s3 = lab.client("s3")
    s3.create_bucket(Bucket="versioned-code")
    s3.put_bucket_versioning(Bucket="versioned-code", VersioningConfiguration={"Status": "Enabled"})
    first = s3.put_object(Bucket="versioned-code", Key="fn.zip", Body=package(V1))["VersionId"]
    s3.put_object(Bucket="versioned-code", Key="fn.zip", Body=package(V2))
    client = lab.client("lambda")
    client.create_function(FunctionName="pinned", Role=ROLE, Handler="lambda_function.lambda_handler",
                           Code={"S3Bucket": "versioned-code", "S3Key": "fn.zip",
                                 "S3ObjectVersion": first})  # fmt: skip
    assert json.loads(client.invoke(FunctionName="pinned")["Payload"].read()) == "from s3, one"


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ({"S3Bucket": "no-such-bucket", "S3Key": "v1.zip"},
         "Error occurred while GetObject. S3 Error Code: NoSuchBucket. S3 Error Message: The "
         "specified bucket does not exist"),
        ({"S3Bucket": "code", "S3Key": "missing.zip"},
         "Error occurred while GetObject. S3 Error Code: NoSuchKey. S3 Error Message: The "
         "specified key does not exist."),
    ],
)  # fmt: skip
def test_a_missing_bucket_or_key_gets_awss_error(lab: Lab, code: dict, message: str) -> None:
    client = lab.client("lambda")
    with pytest.raises(client.exceptions.InvalidParameterValueException) as raised:
        client.create_function(FunctionName="nope", Role=ROLE, Code=code)
    assert raised.value.response["Error"]["Message"] == message
    with pytest.raises(client.exceptions.InvalidParameterValueException, match="GetObject"):
        client.update_function_code(FunctionName="from-s3", **code)


def test_the_helper_reads_s3_for_any_operation(lab: Lab) -> None:
    """``packaging.zip_from_s3`` is what PublishLayerVersion uses too."""
    assert packaging.zip_from_s3(lab.client("s3"), "code", "v1.zip") == package(V1)
    with pytest.raises(errors.InvalidParameterValueException, match="NoSuchKey"):
        packaging.zip_from_s3(lab.client("s3"), "code", "gone.zip")


def test_an_inline_zip_over_50_mb_is_refused_but_s3_has_no_zipped_limit(tmp_path) -> None:
    with pytest.raises(
        errors.RequestEntityTooLargeException, match="Zipped size must be smaller than 10 bytes"
    ):
        packaging.extract(package(V1), str(tmp_path / "a"), max_zip_bytes=10)
    assert packaging.extract(package(V1), str(tmp_path / "b"), max_zip_bytes=None) > 0


@pytest.mark.slow
def test_the_cli_creates_a_function_from_s3_through_serve(tmp_path) -> None:
    """`aws lambda create-function --code S3Bucket=...,S3Key=...` with the CLI the course installs."""
    (tmp_path / "fn.zip").write_bytes(package(V1))
    served = Served(tmp_path).start()
    try:
        served.aws("s3api", "create-bucket", "--bucket", "deploys")
        served.aws("s3", "cp", "fn.zip", "s3://deploys/app/fn.zip")
        created = served.aws_json(
            "lambda", "create-function", "--function-name", "cli-s3", "--runtime", "python3.12",
            "--role", ROLE, "--handler", "lambda_function.lambda_handler",
            "--code", "S3Bucket=deploys,S3Key=app/fn.zip",
        )  # fmt: skip
        assert (created["State"], created["CodeSize"]) == ("Pending", len(package(V1)))
        served.aws("lambda", "wait", "function-active-v2", "--function-name", "cli-s3")
        out = served.aws_json("lambda", "invoke", "--function-name", "cli-s3", "out.json")
        assert out["StatusCode"] == 200
        assert json.loads((tmp_path / "out.json").read_text()) == "from s3, one"
    finally:
        assert served.stop() == 0, "".join(served.output)
