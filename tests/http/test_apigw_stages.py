"""Stages through real HTTP: stage variables choosing a Lambda alias, the invoke permission
each alias needs, deployments (a change is live only once deployed), canaries, and the
answers for an unknown stage or route."""

from __future__ import annotations

import pytest
from apigw_helpers import ECHO, call, runs

from lambda_lab import Lab

V2 = ECHO.replace('"version": os.environ', '"new": True, "version": os.environ')


@pytest.fixture(scope="module")
def lab():
    with Lab() as instance:
        client = instance.client("lambda")
        instance.deploy("orders", ECHO)
        v1 = client.publish_version(FunctionName="orders")["Version"]
        instance.deploy("orders", V2)
        v2 = client.publish_version(FunctionName="orders")["Version"]
        client.create_alias(FunctionName="orders", Name="prod", FunctionVersion=v1)
        client.create_alias(FunctionName="orders", Name="dev", FunctionVersion=v2)
        yield instance


def allow(lab, alias, api_id, sid):
    lab.client("lambda").add_permission(
        FunctionName="orders", Qualifier=alias, StatementId=sid, Action="lambda:InvokeFunction",
        Principal="apigateway.amazonaws.com",
        SourceArn=f"arn:aws:execute-api:us-east-1:{lab.account_id}:{api_id}/*/GET/orders",
    )  # fmt: skip


def test_a_stage_variable_picks_the_alias_once_each_alias_allows_api_gateway(lab):
    door = lab.rest_api_gateway(
        "orders-api",
        {"GET /orders": "orders:${stageVariables.alias}"},
        stage_variables={"alias": "prod"},
    )
    door.api.create_stage("dev", {"alias": "dev"})
    before = runs(lab, "orders")
    denied = call(door, "GET", "/orders")
    assert (denied.status, denied.json()) == (500, {"message": "Internal server error"})
    assert door.last.error_reason == "Invalid permissions on Lambda function"
    assert runs(lab, "orders") == before  # refused before the function ran

    allow(lab, "prod", door.api_id, "apigw-prod")
    prod = call(door, "GET", "/orders").json()
    assert (prod["version"], prod["stageVariables"]) == ("1", {"alias": "prod"})
    assert (
        call(door, "GET", "/orders", stage="dev").status == 500
    )  # dev's alias has no permission yet
    allow(lab, "dev", door.api_id, "apigw-dev")
    dev = call(door, "GET", "/orders", stage="dev").json()
    assert (dev["version"], dev.get("new")) == ("2", True)


def test_a_stage_without_the_variable_fails_with_500(lab):
    door = lab.rest_api_gateway("no-variable", {"GET /orders": "orders:${stageVariables.alias}"})
    reply = call(door, "GET", "/orders")
    assert reply.status == 500 and door.last.error_reason == "Stage variable not set"


def test_a_permission_for_another_method_does_not_let_this_one_in(lab):
    door = lab.rest_api_gateway("narrow", {"POST /orders": "orders:${stageVariables.alias}"},
                                stage_variables={"alias": "prod"})  # fmt: skip
    allow(lab, "prod", door.api_id, "apigw-narrow-get")  # its SourceArn names GET /orders only
    assert call(door, "POST", "/orders").status == 500


def test_changes_reach_a_stage_only_when_deployed(lab):
    door = lab.rest_api_gateway("deployments", {"GET /orders": "orders"})
    door.api.add_route("GET", "/invoices", "orders")
    missing = call(door, "GET", "/invoices")
    assert (missing.status, missing.json()) == (403, {"message": "Missing Authentication Token"})
    assert missing.headers["x-amzn-ErrorType"] == "MissingAuthenticationTokenException"
    door.api.deploy("prod")
    assert call(door, "GET", "/invoices").status == 200


def test_unknown_stage_is_403_forbidden(lab):
    door = lab.rest_api_gateway("stages-only", {"GET /orders": "orders"})
    reply = call(door, "GET", "/orders", stage="staging")
    assert (reply.status, reply.json()) == (403, {"message": "Forbidden"})


def test_a_canary_takes_its_share_with_its_own_variables(lab):
    door = lab.rest_api_gateway("canaried", {"GET /orders": "orders:${stageVariables.alias}"},
                                stage_variables={"alias": "prod"}, seed=7)  # fmt: skip
    for alias, sid in (("prod", "canary-prod"), ("dev", "canary-dev")):
        allow(lab, alias, door.api_id, sid)
    door.api.deploy("prod", canary_percent=20, canary_variables={"alias": "dev"})
    versions = [door.request("GET", "/orders").response.json()["version"] for _ in range(100)]
    assert 8 <= versions.count("2") <= 35
    assert sum(e.canary for e in door.exchanges) == versions.count("2")
    door.api.promote_canary("prod")
    assert {door.request("GET", "/orders").response.json()["version"] for _ in range(5)} == {"2"}


def test_stage_names_and_variables_are_checked(lab):
    door = lab.rest_api_gateway("checked", {"GET /orders": "orders"})
    with pytest.raises(ValueError, match="stage names"):
        door.api.create_stage("no spaces")
    with pytest.raises(ValueError, match="stage variable values"):
        door.api.update_stage("prod", variables={"alias": "with space"})
