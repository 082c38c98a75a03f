"""Request validation through real HTTP (400 before the function runs, with AWS's messages)
and the JSON Schema draft 4 subset models use."""

from __future__ import annotations

import json

import pytest
from apigw_helpers import ECHO, call, runs

from lambda_lab import Lab
from lambda_lab.http.validation import check_schema, errors

ORDER = {
    "$schema": "http://json-schema.org/draft-04/schema#",
    "title": "Order",
    "type": "object",
    "required": ["item", "quantity"],
    "additionalProperties": False,
    "properties": {
        "item": {"type": "string", "minLength": 1, "pattern": "^[a-z-]+$"},
        "quantity": {"type": "integer", "minimum": 1, "maximum": 10},
        "gift": {"type": "boolean"},
        "tags": {"type": "array", "items": {"enum": ["red", "blue"]}, "uniqueItems": True},
    },
}


@pytest.fixture(scope="module")
def door():
    with Lab() as lab:
        lab.deploy("orders", ECHO)
        served = lab.rest_api_gateway(
            "validated", {"POST /orders": "orders", "GET /orders": "orders"}
        )
        api = served.api
        api.create_model("Order", ORDER)
        api.create_request_validator("body-only", validate_request_body=True)
        api.create_request_validator("params-only", validate_request_parameters=True)
        api.put_method(
            "POST /orders",
            request_validator="body-only",
            request_models={"application/json": "Order"},
        )
        api.put_method(
            "GET /orders",
            request_validator="params-only",
            request_parameters={
                "method.request.querystring.customer": True,
                "method.request.header.x-tenant": True,
            },
        )
        api.deploy("prod")
        served.lab = lab
        yield served


JSON = [("Content-Type", "application/json")]


def test_a_body_that_breaks_the_model_is_400_and_never_reaches_the_function(door):
    before = runs(door.lab, "orders")
    for body in (
        '{"item": "socks"}',
        '{"item": "socks", "quantity": 11}',
        "not json",
        '{"item": "socks", "quantity": 1, "extra": 1}',
    ):
        reply = call(door, "POST", "/orders", JSON, body)
        assert (reply.status, reply.json()) == (400, {"message": "Invalid request body"}), body
        assert reply.headers["x-amzn-ErrorType"] == "BadRequestException"
    assert runs(door.lab, "orders") == before
    good = call(
        door, "POST", "/orders", JSON, json.dumps({"item": "socks", "quantity": 2, "tags": ["red"]})
    )
    assert good.status == 200 and runs(door.lab, "orders") == before + 1


def test_a_content_type_without_a_model_is_not_checked(door):
    assert call(door, "POST", "/orders", [("Content-Type", "text/plain")], "anything").status == 200


def test_missing_required_parameters_are_named_in_the_message(door):
    reply = call(door, "GET", "/orders")
    assert (reply.status, reply.json()) == (
        400,
        {"message": "Missing required request parameters: [customer, x-tenant]"},
    )
    blank = call(door, "GET", "/orders?customer=%20", [("X-Tenant", "acme")])
    assert blank.json() == {"message": "Missing required request parameters: [customer]"}
    assert call(door, "GET", "/orders?customer=ana", [("X-Tenant", "acme")]).status == 200


def test_a_validator_and_model_must_exist_before_a_method_names_them(door):
    with pytest.raises(ValueError, match="no model 'Nope'"):
        door.api.put_method("POST /orders", request_models={"application/json": "Nope"})
    with pytest.raises(ValueError, match="no request validator"):
        door.api.put_method("POST /orders", request_validator="missing")
    with pytest.raises(ValueError, match="method.request.querystring"):
        door.api.put_method("GET /orders", request_parameters={"querystring.customer": True})


@pytest.mark.parametrize(
    "value, schema, valid",
    [
        (3, {"type": "integer"}, True),
        (3.0, {"type": "integer"}, True),
        (3.5, {"type": "integer"}, False),
        (True, {"type": "integer"}, False),
        ("a", {"type": ["string", "null"]}, True),
        (None, {"type": ["string", "null"]}, True),
        (5, {"minimum": 5, "exclusiveMinimum": True}, False),
        (0.3, {"multipleOf": 0.1}, True),
        ([1, 1], {"uniqueItems": True}, False),
        ({"a": 1}, {"additionalProperties": {"type": "string"}}, False),
        ("x", {"anyOf": [{"type": "integer"}, {"type": "string"}]}, True),
        (1, {"oneOf": [{"type": "integer"}, {"type": "number"}]}, False),
        (1, {"not": {"type": "string"}}, True),
        (
            {"p": {"q": 1}},
            {
                "definitions": {"Q": {"required": ["q"]}},
                "properties": {"p": {"$ref": "#/definitions/Q"}},
            },
            True,
        ),
    ],
)
def test_json_schema_draft4_subset(value, schema, valid):
    check_schema(schema)
    assert (errors(value, schema) == []) is valid


def test_schema_keywords_outside_the_subset_are_refused_by_name():
    with pytest.raises(ValueError, match=r"no \['format'\]"):
        check_schema({"type": "string", "format": "email"})
    with pytest.raises(ValueError, match="type must be one of"):
        check_schema({"type": "decimal"})
