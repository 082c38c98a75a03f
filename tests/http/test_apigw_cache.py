"""The stage cache through real HTTP: hits that never reach the function, the TTL, cache key
parameters, GET-only by default, invalidation with ``Cache-Control: max-age=0`` (allowed by
``execute-api:InvalidateCache`` for a SigV4-signed caller in the Lab's IAM) and flushing."""

from __future__ import annotations

import json

import pytest
from apigw_helpers import call, runs
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from lambda_lab import Lab
from lambda_lab.http.cache import CacheSettings

# Answers with a counter that grows on every run, so a cached answer is recognisable.
COUNTER = """
import json
count = 0


def lambda_handler(event, context):
    global count
    count += 1
    query = event.get("queryStringParameters") or {}
    return {"statusCode": 200, "body": json.dumps({"run": count, "category": query.get("category")})}
"""


@pytest.fixture(scope="module")
def lab():
    with Lab(clock="virtual") as instance:
        instance.deploy("catalog", COUNTER)
        yield instance


def cached_api(lab, name, **cache):
    door = lab.rest_api_gateway(name, {"GET /products": "catalog", "POST /products": "catalog"})
    door.api.update_stage("prod", cache={"enabled": True, "ttl_s": 60, **cache})
    return door


def signed(door, user_key, path, headers=()):
    """Headers of a SigV4-signed GET, as an AWS SDK would send it for execute-api."""
    url = f"{door.local_url}{path.lstrip('/')}"
    request = AWSRequest("GET", url, headers=dict(headers))
    credentials = Credentials(user_key["AccessKeyId"], user_key["SecretAccessKey"])
    SigV4Auth(credentials, "execute-api", "us-east-1").add_auth(request)
    return list(request.headers.items())


def test_a_cached_answer_never_reaches_the_function_until_the_ttl_ends(lab):
    door = cached_api(lab, "cached")
    before = runs(lab, "catalog")
    first = call(door, "GET", "/products").json()
    again = call(door, "GET", "/products").json()
    assert again == first and door.last.cache == "hit"
    assert runs(lab, "catalog") - before == 1
    lab.clock.advance(61)
    assert call(door, "GET", "/products").json() != first  # expired: the function ran again
    assert door.last.cache == "miss"


def test_only_get_is_cached_unless_a_method_says_otherwise(lab):
    door = cached_api(lab, "get-only")
    posts = [call(door, "POST", "/products").json()["run"] for _ in range(2)]
    assert posts[0] != posts[1] and door.last.cache is None
    door.api.update_stage("prod", method_cache={"GET /products": {"enabled": False}})
    gets = [call(door, "GET", "/products").json()["run"] for _ in range(2)]
    assert gets[0] != gets[1]


def test_parameters_outside_the_cache_key_share_one_entry(lab):
    door = cached_api(lab, "keys")
    shoes = call(door, "GET", "/products?category=shoes").json()
    hats = call(door, "GET", "/products?category=hats").json()
    assert hats == shoes  # the wrong list: category is not part of the key
    door.api.put_integration(
        "GET /products", "AWS_PROXY", "catalog",
        cache_key_parameters=["method.request.querystring.category"],
    )  # fmt: skip
    door.api.deploy("prod")
    door.api.flush_stage_cache("prod")
    shoes = call(door, "GET", "/products?category=shoes").json()
    hats = call(door, "GET", "/products?category=hats").json()
    assert (shoes["category"], hats["category"]) == ("shoes", "hats")
    assert call(door, "GET", "/products?category=hats&page=2").json() == hats  # page is not a key


def test_invalidation_needs_permission_by_default(lab):
    door = cached_api(lab, "invalidate")
    first = call(door, "GET", "/products").json()
    anonymous = call(door, "GET", "/products", [("Cache-Control", "max-age=0")])
    assert anonymous.json() == first  # ignored, with a warning (the default strategy)
    assert anonymous.headers["Warning"].startswith("199")

    iam = lab.service_client("iam")
    iam.create_user(UserName="admin-tool")
    arn = door.api.method_arn("prod", "GET", "/products")
    policy = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "execute-api:InvalidateCache", "Resource": arn}]}  # fmt: skip
    iam.put_user_policy(
        UserName="admin-tool", PolicyName="refresh", PolicyDocument=json.dumps(policy)
    )
    key = iam.create_access_key(UserName="admin-tool")["AccessKey"]
    fresh = call(
        door, "GET", "/products", signed(door, key, "/products", [("Cache-Control", "max-age=0")])
    )
    assert fresh.json()["run"] > first["run"] and door.last.cache == "refresh"
    assert "Warning" not in fresh.headers
    assert call(door, "GET", "/products").json() == fresh.json()  # the entry was replaced

    iam.create_user(UserName="reader")
    reader = iam.create_access_key(UserName="reader")["AccessKey"]
    ignored = call(
        door,
        "GET",
        "/products",
        signed(door, reader, "/products", [("Cache-Control", "max-age=0")]),
    )
    assert ignored.json() == fresh.json()


def test_fail_with_403_refuses_unauthorized_invalidation(lab):
    door = cached_api(lab, "strict", unauthorized_strategy="FAIL_WITH_403")
    call(door, "GET", "/products")
    refused = call(door, "GET", "/products", [("Cache-Control", "max-age=0")])
    assert refused.status == 403


def test_without_require_authorization_anyone_may_invalidate(lab):
    door = cached_api(lab, "open", require_authorization=False)
    first = call(door, "GET", "/products").json()
    assert call(door, "GET", "/products", [("Cache-Control", "max-age=0")]).json() != first


def test_flushing_the_stage_cache_empties_it(lab):
    door = cached_api(lab, "flush")
    first = call(door, "GET", "/products").json()
    assert len(door.api.stages["prod"].cache) == 1
    door.api.flush_stage_cache("prod")
    assert call(door, "GET", "/products").json() != first


@pytest.mark.parametrize(
    "settings, message",
    [
        ({"ttl_s": 3601}, "0-3600"),
        ({"ttl_s": 1.5}, "whole number"),
        ({"unauthorized_strategy": "X"}, "FAIL_WITH_403"),
    ],
)
def test_bad_cache_settings_name_the_rule(settings, message):
    with pytest.raises(ValueError, match=message):
        CacheSettings(**settings)
