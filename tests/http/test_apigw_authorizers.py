"""Authorizers through real HTTP: Lambda TOKEN and REQUEST authorizers (allow, explicit and
implicit deny, Unauthorized, broken), the authorizer cache and its narrow-policy trap, the
context passed to the integration, and a Cognito user-pool authorizer checking JWTs the
Lab's Cognito (moto) issued."""

from __future__ import annotations

import base64
import json

import pytest
from apigw_helpers import ECHO, TOKEN_AUTHORIZER, call, runs

from lambda_lab import Lab

REQUEST_AUTHORIZER = """
def lambda_handler(event, context):
    allowed = event["queryStringParameters"].get("ticket") == "valid" and event["stageVariables"]["gate"] == "open"
    return {
        "principalId": "visitor",
        "policyDocument": {"Version": "2012-10-17", "Statement": [
            {"Action": "execute-api:Invoke", "Effect": "Allow" if allowed else "Deny", "Resource": event["methodArn"]}]},
        "context": {"path": event["path"], "method": event["httpMethod"]},
    }
"""
EXPLICIT = {"Message": "User is not authorized to access this resource with an explicit deny"}


@pytest.fixture(scope="module")
def lab():
    with Lab(clock="virtual") as instance:
        instance.deploy("orders", ECHO)
        instance.deploy("token-auth", TOKEN_AUTHORIZER)
        instance.deploy("request-auth", REQUEST_AUTHORIZER)
        yield instance


@pytest.fixture(scope="module")
def door(lab):
    served = lab.rest_api_gateway("guarded", {"GET /orders": "orders", "GET /invoices": "orders"})
    api = served.api
    api.create_authorizer(
        "tokens", "TOKEN", "token-auth", identity_source="method.request.header.Authorization"
    )
    for route in ("GET /orders", "GET /invoices"):
        api.put_method(route, authorization_type="CUSTOM", authorizer="tokens")
    api.deploy("prod")
    return served


def auth(token):
    return [("Authorization", token)]


def test_allow_passes_the_authorizer_context_to_the_function(lab, door):
    reply = call(door, "GET", "/orders", auth("allow"))
    assert reply.status == 200
    context = reply.json()["authorizer"]
    assert context["principalId"] == "user-allow"
    assert (context["tier"], context["credits"], context["admin"]) == ("gold", "42", "false")
    assert isinstance(context["integrationLatency"], int)


def test_deny_missing_token_unauthorized_and_broken_authorizers(lab, door):
    before = runs(lab, "orders")
    denied = call(door, "GET", "/orders", auth("deny"))
    assert (denied.status, denied.json()) == (403, EXPLICIT)
    assert denied.headers["x-amzn-ErrorType"] == "AccessDeniedException"
    authorizer_runs = runs(lab, "token-auth")
    missing = call(door, "GET", "/orders")
    assert (missing.status, missing.json()) == (401, {"message": "Unauthorized"})
    assert runs(lab, "token-auth") == authorizer_runs and door.last.authorizer == "not invoked"
    assert call(door, "GET", "/orders", auth("unauthorized")).json() == {"message": "Unauthorized"}
    for token in ("broken", "garbage"):
        reply = call(door, "GET", "/orders", auth(token))
        assert (reply.status, reply.json()) == (500, {"message": None})
        assert reply.headers["x-amzn-ErrorType"] == "AuthorizerConfigurationException"
    assert runs(lab, "orders") == before  # no refused request reached the function


def test_the_cached_policy_judges_other_methods_until_the_ttl_ends(lab, door):
    lab.clock.advance(301)  # earlier tests' cache entries expire
    assert call(door, "GET", "/orders", auth("allow")).status == 200
    assert door.last.authorizer == "invoked"
    narrow = call(door, "GET", "/invoices", auth("allow"))
    assert (narrow.status, narrow.json()) == (
        403,
        {"Message": "User is not authorized to access this resource"},
    )
    assert door.last.authorizer == "cached"  # the policy names GET /orders only
    lab.clock.advance(301)
    assert call(door, "GET", "/invoices", auth("allow")).status == 200  # a new policy, for invoices
    calls = runs(lab, "token-auth")
    assert call(door, "GET", "/orders", auth("wide")).status == 200
    assert call(door, "GET", "/invoices", auth("wide")).status == 200  # one policy covers both
    assert runs(lab, "token-auth") == calls + 1


def test_a_token_failing_the_validation_expression_never_reaches_the_function(lab):
    served = lab.rest_api_gateway("validated-tokens", {"GET /orders": "orders"})
    served.api.create_authorizer(
        "bearer", "TOKEN", "token-auth", identity_validation_expression="^allow$", ttl_s=0
    )
    served.api.put_method("GET /orders", authorization_type="CUSTOM", authorizer="bearer")
    served.api.deploy("prod")
    before = runs(lab, "token-auth")
    assert call(served, "GET", "/orders", auth("deny")).status == 401
    assert runs(lab, "token-auth") == before
    assert call(served, "GET", "/orders", auth("allow")).status == 200


def test_a_request_authorizer_sees_query_stage_variables_and_context(lab):
    served = lab.rest_api_gateway(
        "tickets", {"GET /shows/{id}": "orders"}, stage_variables={"gate": "open"}
    )
    served.api.create_authorizer(
        "tickets", "REQUEST", "request-auth", identity_source="method.request.querystring.ticket"
    )
    served.api.put_method("GET /shows/{id}", authorization_type="CUSTOM", authorizer="tickets")
    served.api.deploy("prod")
    ok = call(served, "GET", "/shows/7?ticket=valid")
    assert ok.json()["authorizer"]["path"] == "/shows/7"
    assert call(served, "GET", "/shows/7?ticket=forged").status == 403
    assert call(served, "GET", "/shows/7").json() == {
        "message": "Unauthorized"
    }  # no identity source


def test_authorizer_settings_are_checked(lab, door):
    with pytest.raises(ValueError, match="0-3600"):
        door.api.create_authorizer("long", "TOKEN", "token-auth", ttl_s=7200)
    with pytest.raises(ValueError, match="exactly one header"):
        door.api.create_authorizer(
            "two",
            "TOKEN",
            "token-auth",
            identity_source="method.request.header.A,method.request.header.B",
        )
    with pytest.raises(ValueError, match="no authorizer"):
        door.api.put_method("GET /orders", authorization_type="CUSTOM", authorizer="nobody")


# -- Cognito user pools ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def cognito(lab):
    idp = lab.service_client("cognito-idp")
    pool = idp.create_user_pool(PoolName="shop-users")["UserPool"]
    app = idp.create_user_pool_client(
        UserPoolId=pool["Id"],
        ClientName="web",
        ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    )["UserPoolClient"]
    idp.admin_create_user(UserPoolId=pool["Id"], Username="ana", TemporaryPassword="Temp-Pass-1!")
    idp.admin_set_user_password(
        UserPoolId=pool["Id"], Username="ana", Password="Shop-Pass-1!", Permanent=True
    )
    tokens = idp.initiate_auth(
        ClientId=app["ClientId"], AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "ana", "PASSWORD": "Shop-Pass-1!"},
    )["AuthenticationResult"]  # fmt: skip
    served = lab.rest_api_gateway("members", {"GET /orders": "orders"})
    served.api.create_authorizer("users", "COGNITO_USER_POOLS", provider_arns=[pool["Arn"]])
    served.api.put_method(
        "GET /orders", authorization_type="COGNITO_USER_POOLS", authorizer="users"
    )
    served.api.deploy("prod")
    return served, tokens


def test_a_valid_id_token_passes_with_its_claims(cognito):
    served, tokens = cognito
    reply = call(served, "GET", "/orders", auth(tokens["IdToken"]))
    assert reply.status == 200
    claims = reply.json()["authorizer"]["claims"]
    assert claims["cognito:username"] == "ana" and claims["token_use"] == "id"


def test_tampered_expired_or_foreign_tokens_are_401(lab, cognito):
    served, tokens = cognito
    header, claims, signature = tokens["IdToken"].split(".")
    forged = json.loads(base64.urlsafe_b64decode(claims + "=" * (-len(claims) % 4)))
    forged["cognito:username"] = "mallory"
    tampered = ".".join(
        [
            header,
            base64.urlsafe_b64encode(json.dumps(forged).encode()).decode().rstrip("="),
            signature,
        ]
    )
    hostile = [  # the pool's own claims under headers no JWT library would write
        base64.urlsafe_b64encode(data).decode().rstrip("=") + f".{claims}.{signature}"
        for data in (b'{"alg": ["RS256"], "kid": "dummy"}', b'{"a": ' + b"[" * 5000 + b"]" * 5000 + b"}")
    ]  # fmt: skip
    for token in (
        tampered,
        "not-a-jwt",
        tokens["AccessToken"],
        *hostile,
    ):  # a method without scopes takes ID tokens
        reply = call(served, "GET", "/orders", auth(token))
        assert (reply.status, reply.json()) == (401, {"message": "Unauthorized"}), token[:20]
    lab.clock.advance(hours=2)  # ID tokens live an hour
    assert call(served, "GET", "/orders", auth(tokens["IdToken"])).status == 401
    assert served.last.authorizer == "jwt"
