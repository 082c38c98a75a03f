"""JWT authorizers on an HTTP API, through real HTTP: tokens of the Lab's Cognito user pool
pass with their claims in ``requestContext.authorizer.jwt``; a wrong audience, issuer,
signature or time is 401 with the ``www-authenticate`` header, missing scopes 403; and
CreateAuthorizer/UpdateRoute refuse what AWS (or the Lab's reach) does not allow."""

from __future__ import annotations

import base64
import json

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt_tokens import access_claims, claims_of, forged, mint, user_pool
from real_http import send

from lambda_lab.http import FrontDoorConfigError

ADMIN = "aws.cognito.signin.user.admin"  # the scope Cognito puts in every sign-in's access token
AUDIENCE = 'Bearer scope="" error="invalid_token" error_description="the token does not have a valid audience"'  # fmt: skip


@pytest.fixture(scope="module")
def pool(jwt_lab):
    return user_pool(jwt_lab, "shop-users", ("web", "reports"))


@pytest.fixture(scope="module")
def door(jwt_lab, pool):
    routes = {"GET /orders": "echo", "POST /orders": "echo", "PUT /profile": "echo", "GET /open": "echo"}  # fmt: skip
    served = jwt_lab.http_api("shop-jwt", routes)
    served.api.create_authorizer(
        "users", "JWT", identity_source="$request.header.Authorization",
        jwt_configuration={"Issuer": pool.issuer, "Audience": [pool.clients["web"]]},
    )  # fmt: skip
    served.api.update_route("GET /orders", authorization_type="JWT", authorizer="users")
    for route, scopes in (("POST /orders", ["orders/write"]), ("PUT /profile", [ADMIN])):
        served.api.update_route(
            route, authorization_type="JWT", authorizer="users", authorization_scopes=scopes
        )
    return served


def call(door, method, path, token=None):
    """(status, headers, body as JSON) of one real request, with ``Authorization: token``."""
    headers = [] if token is None else [("Authorization", token)]
    status, answer_headers, body = send(door, method, path, headers)
    return status, answer_headers, json.loads(body)


def runs(jwt_lab):
    return len(jwt_lab.records.for_function("echo"))


def test_id_and_access_tokens_of_the_app_client_pass_with_their_claims(door, pool):
    web = pool.tokens["web"]
    status, _, event = call(door, "GET", "/orders", web["IdToken"])
    assert status == 200
    jwt = event["requestContext"]["authorizer"]["jwt"]
    assert jwt["scopes"] is None  # the route asks for no scopes
    assert jwt["claims"]["cognito:username"] == "ana" and jwt["claims"]["token_use"] == "id"
    assert jwt["claims"]["aud"] == pool.clients["web"]
    status, _, event = call(door, "GET", "/orders", "Bearer " + web["AccessToken"])
    assert status == 200  # no aud in an access token: its client_id is the audience
    claims = event["requestContext"]["authorizer"]["jwt"]["claims"]
    assert claims["client_id"] == pool.clients["web"] and claims["username"] == "ana"


def test_the_event_carries_claims_as_strings_and_the_tokens_scopes(jwt_lab, door, pool):
    now = jwt_lab.clock.time()
    token = mint(access_claims(pool, "web", now, scope=f"{ADMIN} orders/read",
                               groups=["admins", "staff"], verified=True))  # fmt: skip
    status, _, event = call(door, "PUT", "/profile", token)
    assert status == 200
    jwt = event["requestContext"]["authorizer"]["jwt"]
    assert set(jwt) == {"claims", "scopes"}
    assert jwt["scopes"] == [ADMIN, "orders/read"]
    assert jwt["claims"]["exp"] == str(int(now) + 3600)
    assert (jwt["claims"]["groups"], jwt["claims"]["verified"]) == ("[admins staff]", "true")
    assert door.last.event == event  # what the door built is what the function got


def test_a_token_of_another_app_client_is_refused_for_its_audience(jwt_lab, door, pool):
    before = runs(jwt_lab)
    for token in pool.tokens["reports"]["IdToken"], pool.tokens["reports"]["AccessToken"]:
        status, headers, body = call(door, "GET", "/orders", token)
        assert (status, body) == (401, {"message": "Unauthorized"})
        assert headers["www-authenticate"] == AUDIENCE
    assert runs(jwt_lab) == before  # refused before the function


def test_aud_wins_over_client_id_and_may_be_a_list(jwt_lab, door, pool):
    now, web = jwt_lab.clock.time(), pool.clients["web"]
    both = mint(access_claims(pool, "web", now, aud="another-app", client_id=web))
    status, headers, _ = call(door, "GET", "/orders", both)
    assert status == 401 and headers["www-authenticate"] == AUDIENCE
    listed = mint(access_claims(pool, "web", now, aud=["another-app", web]))
    assert call(door, "GET", "/orders", listed)[0] == 200


def test_time_is_the_labs_clock_exp_and_nbf(jwt_lab, door, pool):
    now = jwt_lab.clock.time()
    expired = mint(access_claims(pool, "web", now, exp=int(now) - 1))
    early = mint(access_claims(pool, "web", now, nbf=int(now) + 60))
    for token, why in ((expired, "the token has expired"), (early, "not valid yet")):
        status, headers, _ = call(door, "GET", "/orders", token)
        assert status == 401 and why in headers["www-authenticate"], headers
    short_lived = mint(access_claims(pool, "web", now, exp=int(now) + 10))
    assert call(door, "GET", "/orders", short_lived)[0] == 200
    jwt_lab.clock.advance(11)  # the Lab's clock, not the wall clock, decides
    assert call(door, "GET", "/orders", short_lived)[0] == 401


def test_a_token_of_another_issuer_is_401(jwt_lab, door, pool):
    other = user_pool(jwt_lab, "other-users")
    status, headers, _ = call(door, "GET", "/orders", other.tokens["web"]["IdToken"])
    assert status == 401 and "valid issuer" in headers["www-authenticate"]
    lookalike = mint(access_claims(pool, "web", jwt_lab.clock.time(), iss=other.issuer))
    assert call(door, "GET", "/orders", lookalike)[0] == 401


def test_a_missing_or_empty_token_is_401(door):
    for token in (None, "", "Bearer "):
        status, _, body = call(door, "GET", "/orders", token)
        assert (status, body) == (401, {"message": "Unauthorized"}), repr(token)


def test_signatures_are_checked_kid_key_and_algorithm(jwt_lab, door, pool):
    claims = access_claims(pool, "web", jwt_lab.clock.time())
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    cases = {
        "tampered": forged(pool.tokens["web"]["IdToken"], **{"cognito:username": "mallory"}),
        "other key": mint(claims, key=stranger),
        "unknown kid": mint(claims, kid="rotated-away"),
        "not a JWT": "not-a-jwt",
    }
    for what, token in cases.items():
        status, headers, _ = call(door, "GET", "/orders", token)
        assert status == 401 and 'error="invalid_token"' in headers["www-authenticate"], what
    assert call(door, "GET", "/orders", mint(claims, alg="RS512"))[0] == 200  # RSA: any size
    assert claims_of(pool.tokens["web"]["IdToken"])["iss"] == pool.issuer


def test_hostile_tokens_are_401_never_a_traceback(jwt_lab, door, pool):
    """Header and claims are the client's: any JSON in them is a 401, never a 500."""
    claims = access_claims(pool, "web", jwt_lab.clock.time())
    part = lambda data: base64.urlsafe_b64encode(data).decode().rstrip("=")  # noqa: E731
    body = part(json.dumps(claims).encode())
    cases = {
        "alg as a list": part(b'{"alg": ["RS256"], "kid": "dummy"}') + f".{body}.AA",
        "alg as an object": part(b'{"alg": {"RS256": 1}, "kid": "dummy"}') + f".{body}.AA",
        "nested JSON": part(b'{"alg": ' + b"[" * 5000 + b"]" * 5000 + b"}") + f".{body}.AA",
        "alg none": part(b'{"alg": "none", "kid": "dummy"}') + f".{body}.",
        "HS256": mint(claims, alg="HS256"),
    }
    for what, token in cases.items():
        status, headers, body_json = call(door, "GET", "/orders", token)
        assert (status, body_json) == (401, {"message": "Unauthorized"}), what
        assert 'error="invalid_token"' in headers["www-authenticate"], what


def test_a_route_with_scopes_wants_a_token_carrying_one_of_them(jwt_lab, door, pool):
    web = pool.tokens["web"]
    for token in web["AccessToken"], web["IdToken"]:  # no orders/write; an ID token has no scopes
        status, headers, body = call(door, "POST", "/orders", token)
        assert (status, body) == (403, {"message": "Forbidden"})
        assert 'error="insufficient_scope"' in headers["www-authenticate"]
        assert 'scope="orders/write"' in headers["www-authenticate"]
    assert call(door, "PUT", "/profile", web["AccessToken"])[0] == 200
    assert call(door, "PUT", "/profile", web["IdToken"])[0] == 403
    now = jwt_lab.clock.time()
    for extra in ({"scope": "orders/read orders/write"}, {"scope": None, "scp": ["orders/write"]}):
        token = mint({k: v for k, v in access_claims(pool, "web", now, **extra).items() if v})
        assert call(door, "POST", "/orders", token)[0] == 200, extra


def test_a_route_without_authorization_needs_no_token(door):
    status, _, event = call(door, "GET", "/open")
    assert status == 200 and "authorizer" not in event["requestContext"]


@pytest.mark.parametrize(
    "kind, options, message",
    [
        ("REQUEST", {}, "JWT authorizers only"),
        ("JWT", {}, "needs jwt_configuration"),
        ("JWT", {"jwt_configuration": {"Issuer": "https://login.example.com", "Audience": ["a"]}},
         "only its own Cognito user pools"),
        ("JWT", {"jwt_configuration": {"Issuer": "POOL", "Audience": []}}, "Audience must be"),
        ("JWT", {"jwt_configuration": {"Issuer": "http://cognito-idp.x", "Audience": ["a"]}},
         "absolute https URL"),
        ("JWT", {"jwt_configuration": {"Issuer": "POOL", "Audience": ["a"]},
                 "identity_source": "$request.querystring.token"}, "exactly one header"),
    ],
)  # fmt: skip
def test_create_authorizer_refuses_what_aws_or_the_lab_cannot_take(door, pool, kind, options, message):  # fmt: skip
    settings = json.loads(json.dumps(options).replace('"POOL"', json.dumps(pool.issuer)))
    with pytest.raises(FrontDoorConfigError, match=message) as refused:
        door.api.create_authorizer("bad", kind, **settings)
    assert refused.value.code == "BadRequestException"
    assert "bad" not in door.api.authorizers


def test_update_route_refuses_unknown_routes_authorizers_and_types(door):
    api = door.api
    with pytest.raises(FrontDoorConfigError, match="no route"):
        api.update_route("DELETE /orders", authorization_type="JWT", authorizer="users")
    with pytest.raises(FrontDoorConfigError, match="no authorizer 'nobody'"):
        api.update_route("GET /open", authorization_type="JWT", authorizer="nobody")
    with pytest.raises(FrontDoorConfigError, match="NONE or JWT"):
        api.update_route("GET /open", authorization_type="AWS_IAM")
    with pytest.raises(FrontDoorConfigError, match="takes no authorizer or scopes"):
        api.update_route("GET /open", authorization_scopes=["orders/write"])
    with pytest.raises(FrontDoorConfigError, match="without spaces"):
        api.update_route("GET /open", authorization_type="JWT", authorizer="users",
                         authorization_scopes=["orders/read orders/write"])  # fmt: skip
    assert "GET /open" not in api.authorizations
