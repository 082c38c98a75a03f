"""Every operation the Lab answers, compared with what AWS answers.

Expected values come from botocore's service model for Lambda (status codes, output members,
error shapes) and from responses recorded against real AWS (documented in
shared/reference/aws-lambda-facts.md): DeleteFunction's 204, CreateFunction's Pending state,
ResourceNotFoundException's capital ``Message``, list items without states, 50-item pages.
Raw bodies are captured before botocore parses them, so a member AWS does not send is caught
even though botocore would silently drop it.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from url_helpers import allow_public_url

from lambda_lab import Lab, errors, package
from lambda_lab.api import operations
from lambda_lab.api.operation import OPERATIONS, service_model

CODE = "def lambda_handler(event, context):\n    return {'got': event}\n"
ROLE = "arn:aws:iam::123456789012:role/lambda-role"
ARN = "arn:aws:lambda:us-east-1:123456789012:function"
# Errors AWS sends that botocore's Lambda model does not declare (recorded), and the Lab's own.
UNMODELED = {
    "ValidationException", "RequestEntityTooLargeException", "AccessDeniedException",
    "UnsupportedOperation",
}  # fmt: skip


class Recorder:
    """The raw HTTP answer of every call a boto3 client makes (before botocore parses it)."""

    def __init__(self, client: Any) -> None:
        self.calls: list[tuple[str, int, dict[str, str], bytes]] = []
        client.meta.events.register("before-parse.lambda", self._record)

    def _record(self, operation_model: Any, response_dict: dict[str, Any], **_: Any) -> None:
        body = response_dict["body"]
        raw = body if isinstance(body, bytes) else b"<stream>"
        headers = {k.lower(): v for k, v in response_dict["headers"].items()}
        self.calls.append((operation_model.name, response_dict["status_code"], headers, raw))


def members_aws_does_not_send(shape: Any, value: Any, path: str = "$") -> list[str]:
    """Paths of members in ``value`` that botocore's model has no place for."""
    if shape.type_name == "structure" and isinstance(value, dict):
        found = []
        for key, item in value.items():
            member = shape.members.get(key)
            if member is None:
                found.append(f"{path}.{key}")
            else:
                found += members_aws_does_not_send(member, item, f"{path}.{key}")
        return found
    if shape.type_name == "list" and isinstance(value, list):
        return [
            p
            for i, v in enumerate(value)
            for p in members_aws_does_not_send(shape.member, v, f"{path}[{i}]")
        ]
    if shape.type_name == "map" and isinstance(value, dict):
        return [
            p
            for k, v in value.items()
            for p in members_aws_does_not_send(shape.value, v, f"{path}.{k}")
        ]
    return []


@pytest.fixture
def fast_lab():
    with Lab(state_transition_s=0.05) as lab:
        yield lab


def wait(client: Any, waiter: str, **params: Any) -> None:
    client.get_waiter(waiter).wait(**params, WaiterConfig={"Delay": 0.1, "MaxAttempts": 50})


def test_every_operation_answers_with_awss_status_members_and_request_id(fast_lab: Lab) -> None:
    lab = fast_lab
    client = lab.client("lambda")
    recorder = Recorder(client)
    zipped = package(CODE)
    client.create_function(FunctionName="shapes", Role=ROLE, Runtime="python3.12",
                           Handler="lambda_function.lambda_handler", Code={"ZipFile": zipped},
                           Environment={"Variables": {}}, Tags={"team": "course"})  # fmt: skip
    wait(client, "function_active_v2", FunctionName="shapes")
    client.get_function(FunctionName="shapes")
    client.get_function_configuration(FunctionName="shapes", Qualifier="$LATEST")
    client.list_functions(FunctionVersion="ALL")
    client.update_function_code(FunctionName="shapes", ZipFile=zipped)
    wait(client, "function_updated_v2", FunctionName="shapes")
    client.update_function_configuration(FunctionName="shapes", MemorySize=256)
    wait(client, "function_updated_v2", FunctionName="shapes")
    client.publish_version(FunctionName="shapes")
    wait(client, "published_version_active", FunctionName="shapes", Qualifier="1")
    client.list_versions_by_function(FunctionName="shapes")
    client.create_alias(FunctionName="shapes", Name="live", FunctionVersion="1")
    client.get_alias(FunctionName="shapes", Name="live")
    client.update_alias(FunctionName="shapes", Name="live", Description="live traffic")
    client.list_aliases(FunctionName="shapes")
    client.add_permission(FunctionName="shapes", StatementId="s3", Action="lambda:InvokeFunction",
                          Principal="s3.amazonaws.com")  # fmt: skip
    client.get_policy(FunctionName="shapes")
    client.remove_permission(FunctionName="shapes", StatementId="s3")
    client.tag_resource(Resource=f"{ARN}:shapes", Tags={"stage": "test"})
    client.list_tags(Resource=f"{ARN}:shapes")
    client.untag_resource(Resource=f"{ARN}:shapes", TagKeys=["stage"])
    client.put_function_concurrency(FunctionName="shapes", ReservedConcurrentExecutions=5)
    client.get_function_concurrency(FunctionName="shapes")
    client.delete_function_concurrency(FunctionName="shapes")
    client.get_account_settings()
    client.put_function_event_invoke_config(FunctionName="shapes", MaximumRetryAttempts=1)
    client.update_function_event_invoke_config(FunctionName="shapes", MaximumEventAgeInSeconds=600)
    client.get_function_event_invoke_config(FunctionName="shapes")
    client.list_function_event_invoke_configs(FunctionName="shapes")
    client.delete_function_event_invoke_config(FunctionName="shapes")
    client.put_provisioned_concurrency_config(FunctionName="shapes", Qualifier="live",
                                              ProvisionedConcurrentExecutions=1)  # fmt: skip
    client.get_provisioned_concurrency_config(FunctionName="shapes", Qualifier="live")
    client.list_provisioned_concurrency_configs(FunctionName="shapes")
    client.delete_provisioned_concurrency_config(FunctionName="shapes", Qualifier="live")
    client.create_function_url_config(FunctionName="shapes", AuthType="NONE")
    client.get_function_url_config(FunctionName="shapes")
    client.update_function_url_config(FunctionName="shapes", AuthType="AWS_IAM")
    client.list_function_url_configs(FunctionName="shapes")
    client.delete_function_url_config(FunctionName="shapes")
    sqs = lab.client("sqs")
    queue = sqs.create_queue(QueueName="shapes-queue")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    mapping = client.create_event_source_mapping(FunctionName="shapes", EventSourceArn=queue_arn)
    client.get_event_source_mapping(UUID=mapping["UUID"])
    client.update_event_source_mapping(UUID=mapping["UUID"], BatchSize=5)
    client.list_event_source_mappings(FunctionName="shapes")
    client.delete_event_source_mapping(UUID=mapping["UUID"])
    layer = client.publish_layer_version(LayerName="shapes-layer", Content={"ZipFile": zipped},
                                         CompatibleRuntimes=["python3.12"])  # fmt: skip
    client.get_layer_version(LayerName="shapes-layer", VersionNumber=layer["Version"])
    client.get_layer_version_by_arn(Arn=layer["LayerVersionArn"])
    client.list_layers()
    client.list_layer_versions(LayerName="shapes-layer")
    client.add_layer_version_permission(LayerName="shapes-layer", VersionNumber=layer["Version"],
                                        StatementId="all", Action="lambda:GetLayerVersion",
                                        Principal="*")  # fmt: skip
    client.get_layer_version_policy(LayerName="shapes-layer", VersionNumber=layer["Version"])
    client.remove_layer_version_permission(LayerName="shapes-layer",
                                           VersionNumber=layer["Version"], StatementId="all")  # fmt: skip
    client.delete_layer_version(LayerName="shapes-layer", VersionNumber=layer["Version"])
    client.invoke(FunctionName="shapes", Payload=b"{}")
    client.invoke(FunctionName="shapes", Payload=b"{}", InvocationType="Event")
    client.invoke(FunctionName="shapes", InvocationType="DryRun")
    list(client.invoke_with_response_stream(FunctionName="shapes", Payload=b"{}")["EventStream"])
    client.delete_alias(FunctionName="shapes", Name="live")
    client.delete_function(FunctionName="shapes", Qualifier="1")
    client.delete_function(FunctionName="shapes")

    model = service_model()
    seen = {name for name, *_ in recorder.calls}
    operations.load_all()  # (every family, not only those the calls above registered)
    assert set(OPERATIONS) <= seen, f"operations never called here: {set(OPERATIONS) - seen}"
    aws_status = {"DeleteFunction": 204}  # the model says 200; AWS answers 204 (recorded)
    invoke_status = {"Invoke": {200, 202, 204}}
    for name, status, headers, body in recorder.calls:
        operation = model.operation_model(name)
        assert headers.get("x-amzn-requestid"), f"{name} answered without x-amzn-RequestId"
        if status >= 300:
            continue  # the waiters' polls
        expected = invoke_status.get(name) or {
            aws_status.get(name, operation.http.get("responseCode", 200))
        }
        assert status in expected, f"{name} answered {status}, AWS {expected}"
        shape = operation.output_shape
        if shape is None or shape.serialization.get("payload") or not body:
            continue
        extra = members_aws_does_not_send(shape, json.loads(body))
        assert not extra, f"{name} sent members AWS does not: {extra}"


def _error(client: Any, call: Any) -> Any:
    with pytest.raises(client.exceptions.ClientError) as raised:
        call()
    return raised.value.response


@pytest.mark.parametrize("code", sorted(errors.ALL_ERRORS))
def test_each_error_class_has_the_shape_of_botocores_model(code: str) -> None:
    error = errors.ALL_ERRORS[code]
    body = error("some words").body()
    shapes = service_model().shape_names
    if code in UNMODELED:
        assert "Type" not in body or code == "UnsupportedOperation"
        return
    assert code in shapes, f"{code} is neither in botocore's model nor a known unmodeled error"
    shape = service_model().shape_for(code)
    assert set(body) <= set(shape.members), (body, list(shape.members))
    assert error.status == shape.metadata["error"]["httpStatusCode"]
    message_members = [m for m in shape.members if m.lower() == "message"]
    assert message_members == [error.message_key]
    assert body["Type"] == ("Service" if code == "ServiceException" else "User")


def test_error_answers_carry_awss_body_and_headers(fast_lab: Lab) -> None:
    client = fast_lab.client("lambda")
    recorder = Recorder(client)
    missing = _error(client, lambda: client.get_function(FunctionName="missing"))
    assert missing["Error"] == {"Code": "ResourceNotFoundException",
                                "Message": f"Function not found: {ARN}:missing"}  # fmt: skip
    assert (missing["Type"], missing["Message"]) == ("User", f"Function not found: {ARN}:missing")
    _, status, headers, body = recorder.calls[-1]
    assert status == 404 and headers["x-amzn-errortype"] == "ResourceNotFoundException"
    assert json.loads(body) == {"Type": "User", "Message": f"Function not found: {ARN}:missing"}
    assert headers["x-amzn-requestid"] == missing["ResponseMetadata"]["RequestId"]

    invalid = _error(client, lambda: client.list_functions(FunctionVersion="invalid"))
    assert invalid["Error"]["Message"] == (
        "1 validation error detected: Value 'invalid' at 'functionVersion' failed to satisfy "
        "constraint: Member must satisfy enum value set: [ALL]"
    )
    _, status, headers, body = recorder.calls[-1]
    assert (status, headers["x-amzn-errortype"]) == (400, "ValidationException")
    assert set(json.loads(body)) == {"message"}  # AWS sends no Type for ValidationException

    fast_lab.deploy("there", CODE)
    conflict = _error(client, lambda: client.create_function(
        FunctionName="there", Role=ROLE, Code={"ZipFile": package(CODE)}))  # fmt: skip
    assert conflict["Error"]["Code"] == "ResourceConflictException"
    assert (conflict["Type"], conflict["message"]) == ("User", "Function already exist: there")


def test_function_documents_have_awss_members(fast_lab: Lab) -> None:
    """Members recorded from AWS for a ZIP function: Pending on create, then Active; lists
    leave the states and RuntimeVersionConfig out; Environment shows when it was set."""
    client = fast_lab.client("lambda")
    common = {
        "Architectures", "CodeSha256", "CodeSize", "Description", "EphemeralStorage",
        "FunctionArn", "FunctionName", "Handler", "LastModified", "LoggingConfig", "MemorySize",
        "PackageType", "RevisionId", "Role", "Runtime", "SnapStart", "Timeout", "TracingConfig",
        "Version",
    }  # fmt: skip
    created = client.create_function(FunctionName="doc", Role=ROLE, Runtime="python3.12",
                                     Handler="lambda_function.lambda_handler",
                                     Code={"ZipFile": package(CODE)}, Environment={"Variables": {}})  # fmt: skip
    created.pop("ResponseMetadata")
    assert set(created) == common | {"Environment", "RuntimeVersionConfig", "State", "StateReason",
                                     "StateReasonCode"}  # fmt: skip
    assert (created["State"], created["StateReason"], created["StateReasonCode"]) == (
        "Pending", "The function is being created.", "Creating")  # fmt: skip
    assert created["Environment"] == {"Variables": {}}
    wait(client, "function_active_v2", FunctionName="doc")
    active = client.get_function(FunctionName="doc")["Configuration"]
    assert set(active) == common | {
        "Environment",
        "RuntimeVersionConfig",
        "State",
        "LastUpdateStatus",
    }
    assert (active["State"], active["LastUpdateStatus"]) == ("Active", "Successful")
    [listed] = client.list_functions()["Functions"]
    assert set(listed) == common | {"Environment"}
    assert listed["FunctionArn"] == f"{ARN}:doc"
    updated = client.update_function_configuration(FunctionName="doc", Description="two")
    assert (updated["LastUpdateStatus"], updated["LastUpdateStatusReasonCode"]) == (
        "InProgress",
        "Creating",
    )
    assert updated["LastUpdateStatusReason"] == "The function is being created."
    bare = client.create_function(FunctionName="bare", Role=ROLE, Code={"ZipFile": package(CODE)})
    assert "Environment" not in bare  # never set: AWS leaves it out


def test_get_function_shows_the_arn_as_the_caller_qualified_it(fast_lab: Lab) -> None:
    client = fast_lab.client("lambda")
    fast_lab.deploy("q", CODE)
    client.publish_version(FunctionName="q")
    client.create_alias(FunctionName="q", Name="prod", FunctionVersion="1")
    shown = {
        qualifier: client.get_function(FunctionName="q", **({"Qualifier": qualifier} if qualifier else {}))
        ["Configuration"] for qualifier in (None, "$LATEST", "1", "prod")
    }  # fmt: skip
    assert {k: (v["FunctionArn"], v["Version"]) for k, v in shown.items()} == {
        None: (f"{ARN}:q", "$LATEST"),
        "$LATEST": (f"{ARN}:q:$LATEST", "$LATEST"),
        "1": (f"{ARN}:q:1", "1"),
        "prod": (f"{ARN}:q:prod", "1"),
    }
    everything = client.list_functions(FunctionVersion="ALL")["Functions"]
    assert [(f["FunctionArn"], f["Version"]) for f in everything] == [
        (f"{ARN}:q:$LATEST", "$LATEST"), (f"{ARN}:q:1", "1"),
    ]  # fmt: skip


def test_pages_hold_at_most_fifty_and_markers_continue(fast_lab: Lab) -> None:
    client = fast_lab.client("lambda")
    zipped = package(CODE)
    for number in range(53):
        client.create_function(FunctionName=f"f{number:02d}", Role=ROLE, Code={"ZipFile": zipped})
    first = client.list_functions(MaxItems=51)
    assert len(first["Functions"]) == 50 and first["NextMarker"]
    rest = client.list_functions(Marker=first["NextMarker"])
    assert [f["FunctionName"] for f in rest["Functions"]] == ["f50", "f51", "f52"]
    assert "NextMarker" not in rest
    paged = [f["FunctionName"] for page in client.get_paginator("list_functions").paginate(
        PaginationConfig={"PageSize": 7}) for f in page["Functions"]]  # fmt: skip
    assert paged == [f"f{n:02d}" for n in range(53)]
    bad = _error(client, lambda: client.list_functions(Marker="not-a-marker"))
    assert bad["Error"]["Code"] == "InvalidParameterValueException"
    too_many = _error(
        client, lambda: client.list_function_url_configs(FunctionName="f00", MaxItems=51)
    )
    assert "less than or equal to 50" in too_many["Error"]["Message"]


def test_a_public_function_url_needs_both_permissions(fast_lab: Lab) -> None:
    import urllib.error
    import urllib.request

    client = fast_lab.client("lambda")
    fast_lab.deploy("web", CODE)
    url = client.create_function_url_config(FunctionName="web", AuthType="NONE")["FunctionUrl"]
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(url, timeout=10)
    assert refused.value.code == 403 and json.loads(refused.value.read()) == {
        "Message": "Forbidden"
    }
    client.add_permission(FunctionName="web", StatementId="url", Action="lambda:InvokeFunctionUrl",
                          Principal="*", FunctionUrlAuthType="NONE")  # fmt: skip
    with pytest.raises(urllib.error.HTTPError):  # since October 2025, InvokeFunction as well
        urllib.request.urlopen(url, timeout=10)
    client.remove_permission(FunctionName="web", StatementId="url")
    allow_public_url(client, "web")
    with urllib.request.urlopen(url, timeout=10) as answer:
        assert answer.status == 200 and json.loads(answer.read())["got"]["rawPath"] == "/"
