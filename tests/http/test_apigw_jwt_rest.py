"""JWT authorizers on a REST API, through real HTTP: the same token checks as an HTTP API's,
with several trusted issuers, signing algorithms and additional claims; the claims reach a
proxy integration with their JSON types and mapping templates as JSON text; CreateAuthorizer
and PutMethod refuse configurations AWS refuses."""

from __future__ import annotations

import json

import pytest
from apigw_helpers import call, runs
from jwt_tokens import access_claims, mint, user_pool

TEMPLATE = '{"user": $context.authorizer.claims.username, "exp": $context.authorizer.claims.exp, "name": $context.authorizer.claims.name}'  # fmt: skip


@pytest.fixture(scope="module")
def pool(jwt_lab):
    return user_pool(jwt_lab, "members", ("web", "reports"))


def trusting(pool, **issuer):
    return {
        "issuers": [{"issuer": pool.issuer, "audiences": [pool.clients["web"]], **issuer}],
        "defaultAlgorithms": ["RS256"],
    }


@pytest.fixture(scope="module")
def door(jwt_lab, pool):
    served = jwt_lab.rest_api_gateway(
        "members-jwt", {"GET /orders": "echo", "POST /orders": "echo", "GET /me": "echo"}
    )
    api = served.api
    api.create_authorizer("oidc", "JWT", jwt_configuration=trusting(pool))
    access_only = {"claimName": "token_use", "required": True, "expectedValues": ["access"]}
    api.create_authorizer("access-only", "JWT", jwt_configuration=trusting(pool, additionalClaims=[access_only]))  # fmt: skip
    api.put_method("GET /orders", authorization_type="JWT", authorizer="oidc")
    api.put_method("POST /orders", authorization_type="JWT", authorizer="access-only",
                   authorization_scopes=["orders/write"])  # fmt: skip
    api.put_integration("GET /me", "AWS", "echo", request_templates={"application/json": TEMPLATE})
    api.put_method("GET /me", authorization_type="JWT", authorizer="oidc")
    api.deploy("prod")
    return served


def auth(token):
    return [("Authorization", token)]


def test_valid_tokens_pass_and_the_proxy_event_keeps_each_claims_json_type(door, pool):
    web = pool.tokens["web"]
    reply = call(door, "GET", "/orders", auth(web["IdToken"]))
    assert reply.status == 200
    authorizer = reply.json()["requestContext"]["authorizer"]
    assert set(authorizer) == {"claims"}
    claims = authorizer["claims"]
    assert claims["cognito:username"] == "ana" and isinstance(claims["exp"], int)
    assert door.last.authorizer == "jwt"
    reply = call(door, "GET", "/orders", auth("Bearer " + web["AccessToken"]))
    assert reply.status == 200  # no aud: client_id names the app client
    assert reply.json()["requestContext"]["authorizer"]["claims"]["token_use"] == "access"


def test_mapping_templates_read_each_claim_as_json_text(jwt_lab, door, pool):
    token = mint(access_claims(pool, "web", jwt_lab.clock.time(), name='Doe, "Jané"'))
    reply = call(door, "GET", "/me", auth(token))
    assert reply.status == 200, reply.body
    received = json.loads(reply.json()["body"])  # the function echoed the event it got
    assert received == {
        "user": "ana",
        "exp": int(jwt_lab.clock.time()) + 3600,
        "name": 'Doe, "Jané"',
    }


def test_bad_tokens_are_401_and_never_reach_the_function(jwt_lab, door, pool):
    now = jwt_lab.clock.time()
    before = runs(jwt_lab, "echo")
    for token in (
        pool.tokens["reports"]["IdToken"],  # another app client's audience
        mint(access_claims(pool, "web", now, exp=int(now) - 5)),
        mint(access_claims(pool, "web", now, iss=pool.issuer + "-old")),
        mint(access_claims(pool, "web", now), alg="RS512"),  # not a defaultAlgorithm
        "not-a-jwt",
    ):
        reply = call(door, "GET", "/orders", auth(token))
        assert (reply.status, reply.json()) == (401, {"message": "Unauthorized"}), token[:30]
    assert call(door, "GET", "/orders").status == 401  # no token at all
    assert runs(jwt_lab, "echo") == before


def test_additional_claims_and_method_scopes(jwt_lab, door, pool):
    web = pool.tokens["web"]
    assert call(door, "POST", "/orders", auth(web["IdToken"])).status == 401  # token_use: id
    reply = call(door, "POST", "/orders", auth(web["AccessToken"]))  # no orders/write scope
    assert reply.status == 403 and door.last.response_type == "ACCESS_DENIED"
    writer = mint(access_claims(pool, "web", jwt_lab.clock.time(), scope="orders/write"))
    assert call(door, "POST", "/orders", auth(writer)).status == 200


def test_a_second_trusted_issuer_signs_in_its_own_users(jwt_lab, pool):
    partner = user_pool(jwt_lab, "partners")
    served = jwt_lab.rest_api_gateway("two-issuers", {"GET /orders": "echo"})
    served.api.create_authorizer("both", "JWT", jwt_configuration={
        "issuers": [{"issuer": pool.issuer, "audiences": [pool.clients["web"]]},
                    {"issuer": partner.issuer, "audiences": [partner.clients["web"]]}],
        "defaultAlgorithms": ["RS256", "ES256"],
    })  # fmt: skip
    served.api.put_method("GET /orders", authorization_type="JWT", authorizer="both")
    served.api.deploy("prod")
    for tokens in pool.tokens["web"], partner.tokens["web"]:
        assert call(served, "GET", "/orders", auth(tokens["IdToken"])).status == 200
    assert call(served, "GET", "/orders", auth(pool.tokens["reports"]["IdToken"])).status == 401


@pytest.mark.parametrize(
    "change, message",
    [
        ({"jwt_configuration": None}, "needs jwt_configuration"),
        ({"jwt_configuration": {"issuers": [], "defaultAlgorithms": ["RS256"]}}, "at least one trusted issuer"),
        ({"defaultAlgorithms": ["HS256"]}, "defaultAlgorithms must be among"),
        ({"defaultAlgorithms": []}, "defaultAlgorithms must be a list"),
        ({"audiences": []}, "audiences of"),
        ({"additionalClaims": [{"claimName": "scope"}]}, "claimName must be"),
        ({"additionalClaims": [{"claimName": "tier", "format": "LIST"}]}, "SINGLE_STRING"),
        ({"issuer": "https://login.example.com"}, "only its own Cognito user pools"),
        ({"issuer": "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Nobody00"}, "no user pool behind"),
        ({"identity_source": "method.request.querystring.token"}, "exactly one header"),
        ({"function": "echo"}, "not a function"),
    ],
)  # fmt: skip
def test_create_authorizer_refuses_bad_jwt_configurations(door, pool, change, message):
    issuer = {"issuer": pool.issuer, "audiences": [pool.clients["web"]]}
    issuer.update({k: v for k, v in change.items() if k in ("issuer", "audiences", "additionalClaims")})  # fmt: skip
    configuration = {"issuers": [issuer], "defaultAlgorithms": change.get("defaultAlgorithms", ["RS256"])}  # fmt: skip
    options = {"jwt_configuration": change.get("jwt_configuration", configuration)}
    options.update({k: v for k, v in change.items() if k in ("identity_source", "function")})
    with pytest.raises(ValueError, match=message):
        door.api.create_authorizer("bad", "JWT", **options)
    assert "bad" not in door.api.definition.authorizers


def test_put_method_pairs_jwt_methods_with_jwt_authorizers(jwt_lab, door, pool):
    api = door.api
    api.create_authorizer("pool", "COGNITO_USER_POOLS", provider_arns=[pool.arn])
    with pytest.raises(ValueError, match="needs authorization_type 'COGNITO_USER_POOLS'"):
        api.put_method("GET /orders", authorization_type="JWT", authorizer="pool")
    with pytest.raises(ValueError, match="needs authorization_type 'JWT'"):
        api.put_method("GET /orders", authorization_type="CUSTOM", authorizer="oidc")
    with pytest.raises(ValueError, match="needs an authorizer name"):
        api.put_method("GET /orders", authorization_type="JWT")
    assert api.definition.methods["GET /orders"].authorizer == "oidc"
