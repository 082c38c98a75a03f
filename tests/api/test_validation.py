"""AWS's validation, parameter by parameter: the code and the exact message AWS answers.

Messages are AWS's own, as recorded against real AWS (Role 'r1', FunctionVersion=invalid,
architectures, alias weights, URL qualifiers, ARNs of other Regions and accounts...); the
patterns, enums and ranges inside them are botocore's model's.
"""

from __future__ import annotations

from typing import Any

import pytest

from lambda_lab import Lab, package

ROLE = "arn:aws:iam::123456789012:role/r"
ARN = "arn:aws:lambda:us-east-1:123456789012:function"
CODE = "def lambda_handler(event, context):\n    return 1\n"
MODEL = "botocore's model"


@pytest.fixture(scope="module")
def lab():
    with Lab(state_transition_s=0) as instance:
        instance.deploy("fn", CODE)
        instance.client("lambda").publish_version(FunctionName="fn")
        yield instance


def error_of(lab: Lab, operation: str, **params: Any) -> tuple[str, str]:
    """(code, message) AWS answers ``operation`` with, through raw HTTP (no client-side checks)."""
    import json

    from lambda_lab.api.rest import error_reply

    api = lab.rest_api()
    try:
        api.call(operation, params)
    except Exception as exc:  # noqa: BLE001 - only LambdaErrors are expected here
        reply = error_reply(exc)  # type: ignore[arg-type]
        body = json.loads(reply.body)
        return exc.code, body.get("message") or body.get("Message")  # type: ignore[attr-defined]
    raise AssertionError(f"{operation} {params} was accepted")


def client_error(lab: Lab, call: str, **params: Any) -> tuple[str, str]:
    client = lab.client("lambda")
    with pytest.raises(client.exceptions.ClientError) as raised:
        getattr(client, call)(**params)
    error = raised.value.response["Error"]
    return error["Code"], error["Message"]


def test_role_must_be_a_role_arn(lab: Lab) -> None:
    assert client_error(lab, "create_function", FunctionName="x", Role="r1", Code={"ZipFile": package(CODE)}) == (
        "ValidationException",
        "1 validation error detected: Value 'r1' at 'role' failed to satisfy constraint: Member must "
        r"satisfy regular expression pattern: arn:(aws[a-zA-Z-]*)?:iam::\d{12}:role/?[a-zA-Z_0-9+=,.@\-_/]+",
    )  # fmt: skip


def test_architectures_list_and_enum(lab: Lab) -> None:
    common = {"FunctionName": "x", "Role": ROLE, "Code": {"ZipFile": package(CODE)}}
    assert client_error(lab, "create_function", **common, Architectures=["x86_64", "arm64"]) == (
        "ValidationException",
        "1 validation error detected: Value '[x86_64, arm64]' at 'architectures' failed to satisfy "
        "constraint: Member must have length less than or equal to 1",
    )
    assert client_error(lab, "create_function", **common, Architectures=["X86_64"]) == (
        "ValidationException",
        "1 validation error detected: Value '[X86_64]' at 'architectures' failed to satisfy "
        "constraint: Member must satisfy constraint: [Member must satisfy enum value set: "
        "[x86_64, arm64], Member must not be null]",
    )


def test_unknown_runtime_gets_awss_enum_message(lab: Lab) -> None:
    code, message = client_error(lab, "create_function", FunctionName="x", Role=ROLE,
                                 Runtime="PYTHON3.12", Code={"ZipFile": package(CODE)})  # fmt: skip
    assert code == "InvalidParameterValueException"
    assert message.startswith("Value PYTHON3.12 at 'runtime' failed to satisfy constraint: Member ")
    assert message.endswith("or be a valid ARN") and "python3.12" in message


def test_function_names_of_other_regions_and_accounts(lab: Lab) -> None:
    other_region = "arn:aws:lambda:ap-southeast-1:123456789012:function:fn"
    assert client_error(lab, "get_function", FunctionName=other_region) == (
        "ResourceNotFoundException",
        "Functions from 'ap-southeast-1' are not reachable in this region ('us-east-1')",
    )
    other_account = "arn:aws:lambda:us-east-1:999999999999:function:fn"
    client = lab.client("lambda")
    with pytest.raises(client.exceptions.ClientError) as raised:
        client.get_function(FunctionName=other_account)
    assert raised.value.response["Error"]["Code"] == "AccessDeniedException"
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403


def test_malformed_names_and_qualifiers(lab: Lab) -> None:
    code, message = client_error(lab, "get_function", FunctionName=f"{ARN}:fn:1:2")
    assert code == "ValidationException"
    assert message.startswith(
        f"1 validation error detected: Value '{ARN}:fn:1:2' at 'functionName'"
    )
    assert client_error(lab, "get_function", FunctionName="fn:1", Qualifier="2") == (
        "InvalidParameterValueException",
        "The derived qualifier from the function name does not match the specified qualifier.",
    )
    assert client_error(lab, "get_function", FunctionName="fn", Qualifier="1221") == (
        "ResourceNotFoundException", f"Function not found: {ARN}:fn:1221",
    )  # fmt: skip
    assert client_error(lab, "invoke", FunctionName="nothing") == (
        "ResourceNotFoundException", f"Function not found: {ARN}:nothing:$LATEST",
    )  # fmt: skip
    assert error_of(lab, "CreateFunction", FunctionName="a" * 65, Role=ROLE,
                    Code={"ZipFile": package(CODE)}) == (
        "InvalidParameterValueException",
        f"1 validation error detected: Value '{'a' * 65}' at 'functionName' failed to satisfy "
        "constraint: Member must have length less than or equal to 64",
    )  # fmt: skip


def test_list_functions_function_version_is_an_enum(lab: Lab) -> None:
    assert client_error(lab, "list_functions", FunctionVersion="invalid") == (
        "ValidationException",
        "1 validation error detected: Value 'invalid' at 'functionVersion' failed to satisfy "
        "constraint: Member must satisfy enum value set: [ALL]",
    )


def test_reserved_concurrency_takes_an_unqualified_function(lab: Lab) -> None:
    assert client_error(lab, "put_function_concurrency", FunctionName="fn:1",
                        ReservedConcurrentExecutions=1) == (
        "InvalidParameterValueException",
        "This operation is permitted on Lambda functions only. Aliases and versions do not support "
        "this operation. Please specify either a function name or an unqualified function ARN.",
    )  # fmt: skip
    assert client_error(lab, "put_function_concurrency", FunctionName="doesnotexist",
                        ReservedConcurrentExecutions=1) == (
        "ResourceNotFoundException", f"Function not found: {ARN}:doesnotexist:$LATEST",
    )  # fmt: skip


def test_alias_names_and_weights(lab: Lab) -> None:
    assert client_error(lab, "create_alias", FunctionName="fn", Name="2024", FunctionVersion="1") == (
        "ValidationException",
        "1 validation error detected: Value '2024' at 'name' failed to satisfy constraint: Member "
        "must satisfy regular expression pattern: (?!^[0-9]+$)([a-zA-Z0-9-_]+)",
    )  # fmt: skip
    assert error_of(lab, "CreateAlias", FunctionName="fn", Name="w", FunctionVersion="1",
                    RoutingConfig={"AdditionalVersionWeights": {"2": 2.0}}) == (
        "ValidationException",
        "1 validation error detected: Value '{2=2.0}' at 'routingConfig.additionalVersionWeights' "
        "failed to satisfy constraint: Map value must satisfy constraint: [Member must have value "
        "less than or equal to 1.0, Member must have value greater than or equal to 0.0, Member "
        "must not be null]",
    )  # fmt: skip
    assert client_error(lab, "create_alias", FunctionName="fn", Name="w", FunctionVersion="1",
                        RoutingConfig={"AdditionalVersionWeights": {"1": 0.5}}) == (
        "InvalidParameterValueException",
        "Invalid function version 1. Function version 1 is already included in routing configuration.",
    )  # fmt: skip


def test_function_url_qualifiers_are_aliases(lab: Lab) -> None:
    pattern = r"((?!^\d+$)^[0-9a-zA-Z-_]+$)"
    for qualifier in ("1", "$LATEST"):
        assert client_error(lab, "create_function_url_config", FunctionName="fn",
                            Qualifier=qualifier, AuthType="NONE") == (
            "ValidationException",
            f"1 validation error detected: Value '{qualifier}' at 'qualifier' failed to satisfy "
            f"constraint: Member must satisfy regular expression pattern: {pattern}",
        )  # fmt: skip
    assert client_error(lab, "create_function_url_config", FunctionName="nope", AuthType="NONE") == (
        "ResourceNotFoundException", "Function does not exist",
    )  # fmt: skip
    assert client_error(lab, "get_function_url_config", FunctionName="nope") == (
        "ResourceNotFoundException", "The resource you requested does not exist.",
    )  # fmt: skip
    assert error_of(lab, "CreateFunctionUrlConfig", FunctionName="fn", AuthType="NONE",
                    InvokeMode="UNKNOWN") == (
        "ValidationException",
        "1 validation error detected: Value 'UNKNOWN' at 'invokeMode' failed to satisfy constraint: "
        "Member must satisfy enum value set: [BUFFERED, RESPONSE_STREAM]",
    )  # fmt: skip


def test_tags(lab: Lab) -> None:
    resource = f"{ARN}:fn"
    assert client_error(lab, "tag_resource", Resource=f"{resource}:1", Tags={"a": "b"}) == (
        "InvalidParameterValueException",
        "Tags on function aliases and versions are not supported. Please specify a function ARN.",
    )
    assert error_of(lab, "UntagResource", Resource=resource) == (
        "ValidationException",
        "1 validation error detected: Value null at 'tagKeys' failed to satisfy constraint: Member "
        "must not be null",
    )
    code, message = error_of(lab, "TagResource", Resource=resource, Tags={"": "empty key"})
    assert code == "ValidationException" and "Map keys must satisfy constraint" in message
    assert client_error(lab, "tag_resource", Resource=resource,
                        Tags={f"k{i}": "v" for i in range(51)}) == (
        "InvalidParameterValueException", "Number of tags exceeds resource tag limit.",
    )  # fmt: skip


def test_permissions(lab: Lab) -> None:
    common = {"FunctionName": "fn", "Action": "lambda:InvokeFunction"}
    assert client_error(lab, "add_permission", **common, StatementId="example.com",
                        Principal="*") == (
        "ValidationException",
        "1 validation error detected: Value 'example.com' at 'statementId' failed to satisfy "
        "constraint: Member must satisfy regular expression pattern: ([a-zA-Z0-9-_]+)",
    )  # fmt: skip
    assert client_error(lab, "add_permission", **common, StatementId="l", Principal="*",
                        Qualifier="$LATEST") == (
        "InvalidParameterValueException", "We currently do not support adding policies for $LATEST.",
    )  # fmt: skip
    assert client_error(lab, "add_permission", **common, StatementId="p", Principal="someone") == (
        "InvalidParameterValueException",
        "The provided principal was invalid. Please check the principal and try again.",
    )
    assert client_error(lab, "remove_permission", FunctionName="fn", StatementId="none") == (
        "ResourceNotFoundException", "No policy is associated with the given resource.",
    )  # fmt: skip


def test_environment_variables_over_4_kb(lab: Lab) -> None:
    code, message = client_error(lab, "update_function_configuration", FunctionName="fn",
                                 Environment={"Variables": {"LARGE_VAR": "x" * 4100}})  # fmt: skip
    assert code == "InvalidParameterValueException"
    assert message.startswith(
        "Lambda was unable to configure your environment variables because the environment "
        'variables you have provided exceeded the 4KB limit. String measured: {"LARGE_VAR":"xxx'
    )


def test_an_event_source_mapping_for_a_missing_function_is_a_400(lab: Lab) -> None:
    assert client_error(lab, "create_event_source_mapping", FunctionName="doesnotexist",
                        EventSourceArn="arn:aws:sqs:us-east-1:123456789012:q") == (
        "InvalidParameterValueException", "Function does not exist",
    )  # fmt: skip


def test_python_callers_are_told_of_unknown_members(lab: Lab) -> None:
    from lambda_lab import errors

    with pytest.raises(errors.InvalidParameterValueException, match="Memory"):
        lab.deploy("typo", CODE, Memory=512)


def test_event_invoke_config_and_mapping_words(lab: Lab) -> None:
    assert client_error(lab, "put_function_event_invoke_config", FunctionName="nope",
                        MaximumRetryAttempts=1) == (
        "ResourceNotFoundException", "The function doesn't exist.",
    )  # fmt: skip
    assert client_error(lab, "put_function_event_invoke_config", FunctionName="fn") == (
        "InvalidParameterValueException",
        "You must specify at least one of error handling or destination setting.",
    )
    assert client_error(lab, "get_function_event_invoke_config", FunctionName="fn",
                        Qualifier="1221") == (
        "ResourceNotFoundException", f"The function {ARN}:fn:1221 doesn't have an EventInvokeConfig",
    )  # fmt: skip
    for call in ("get_event_source_mapping", "delete_event_source_mapping"):
        assert client_error(lab, call, UUID="a1b2c3d4-0000-0000-0000-000000000000") == (
            "ResourceNotFoundException", "The resource you requested does not exist.",
        )  # fmt: skip
    assert client_error(lab, "create_event_source_mapping", FunctionName="fn") == (
        "InvalidParameterValueException", "Unrecognized event source.",
    )  # fmt: skip


def test_provisioned_concurrency_words(lab: Lab) -> None:
    latest = {"FunctionName": "fn", "Qualifier": "$LATEST"}
    assert client_error(lab, "put_provisioned_concurrency_config", **latest,
                        ProvisionedConcurrentExecutions=1) == (
        "InvalidParameterValueException",
        "Provisioned Concurrency Configs cannot be applied to unpublished function versions.",
    )  # fmt: skip
    assert client_error(lab, "get_provisioned_concurrency_config", **latest) == (
        "InvalidParameterValueException",
        "The function resource provided must be an alias or a published version.",
    )
    assert client_error(lab, "get_provisioned_concurrency_config", FunctionName="fn", Qualifier="1") == (
        "ProvisionedConcurrencyConfigNotFoundException",
        "No Provisioned Concurrency Config found for this function",
    )  # fmt: skip
    assert client_error(lab, "get_provisioned_concurrency_config", FunctionName="doesnotexist",
                        Qualifier="noalias") == (
        "ResourceNotFoundException", f"Cannot find alias arn: {ARN}:doesnotexist:noalias",
    )  # fmt: skip
    assert client_error(lab, "get_provisioned_concurrency_config", FunctionName="fn", Qualifier="10") == (
        "ResourceNotFoundException", f"Function not found: {ARN}:fn:10",
    )  # fmt: skip
    lab.client("lambda").delete_provisioned_concurrency_config(FunctionName="fn", Qualifier="1")
