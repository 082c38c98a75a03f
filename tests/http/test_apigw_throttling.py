"""REST API throttling through real HTTP: the token bucket, stage and method limits, usage
plans with API keys (throttle and quota), and the account limit; AWS's status codes and
bodies. The Lab runs on a virtual clock, so refills happen exactly when the test says."""

from __future__ import annotations

import pytest
from apigw_helpers import ECHO, call, runs

from lambda_lab import Lab
from lambda_lab.http.throttling import ThrottleSettings, TokenBucket, take_all
from lambda_lab.http.usage_plans import period_start

TOO_MANY = {"message": "Too Many Requests"}


@pytest.fixture(scope="module")
def lab():
    with Lab(clock="virtual") as instance:
        instance.deploy("items", ECHO)
        yield instance


# -- the bucket itself ---------------------------------------------------------------------------


def test_bucket_starts_full_and_refills_at_the_rate():
    now = [100.0]
    bucket = TokenBucket(ThrottleSettings(2, 3), lambda: now[0])
    assert [bucket.take() for _ in range(4)] == [True, True, True, False]
    now[0] += 0.5  # half a second at 2 a second: one token
    assert [bucket.take(), bucket.take()] == [True, False]
    now[0] += 60  # never more than the burst
    assert bucket.tokens == 3


def test_a_throttled_request_takes_no_token_from_any_level():
    now = [0.0]
    roomy = TokenBucket(ThrottleSettings(0, 5), lambda: now[0])
    empty = TokenBucket(ThrottleSettings(0, 0), lambda: now[0])
    assert take_all([roomy, empty]) == 1
    assert roomy.tokens == 5


@pytest.mark.parametrize("bad", [{"rateLimit": -1}, {"burstLimit": 1.5}, {"rate": 1}])
def test_bad_throttle_settings_are_refused_naming_the_field(bad):
    with pytest.raises(ValueError, match="rateLimit|burstLimit"):
        ThrottleSettings.parse(bad)


def test_quota_periods_start_at_utc_midnight_monday_and_the_first():
    wednesday_noon = 1_765_368_000  # 2025-12-10T12:00:00Z, a Wednesday
    assert period_start(wednesday_noon, "DAY") == 1_765_324_800
    assert period_start(wednesday_noon, "WEEK") == 1_765_324_800 - 2 * 86400
    assert period_start(wednesday_noon, "MONTH") == 1_765_324_800 - 9 * 86400


# -- stage and method limits ---------------------------------------------------------------------


def test_stage_throttle_answers_429_after_the_burst_and_recovers_at_the_rate(lab):
    door = lab.rest_api_gateway("throttled", {"GET /items": "items"})
    door.api.update_stage("prod", throttle={"rateLimit": 1, "burstLimit": 3})
    before = runs(lab, "items")
    statuses = [call(door, "GET", "/items").status for _ in range(5)]
    assert statuses == [200, 200, 200, 429, 429]
    assert runs(lab, "items") - before == 3  # throttled requests never reach the function
    refused = call(door, "GET", "/items")
    assert refused.json() == TOO_MANY
    assert refused.headers["x-amzn-ErrorType"] == "TooManyRequestsException"
    assert refused.headers["x-amzn-RequestId"]
    lab.clock.advance(1)  # one more token a second
    assert [call(door, "GET", "/items").status for _ in range(2)] == [200, 429]


def test_a_method_limit_overrides_the_stage_default(lab):
    door = lab.rest_api_gateway("per-method", {"GET /items": "items", "POST /items": "items"})
    door.api.update_stage(
        "prod",
        throttle={"rateLimit": 100, "burstLimit": 100},
        method_throttle={"POST /items": {"rateLimit": 1, "burstLimit": 1}},
    )
    assert [call(door, "POST", "/items").status for _ in range(2)] == [200, 429]
    assert [call(door, "GET", "/items").status for _ in range(3)] == [200, 200, 200]


def test_the_account_limit_applies_to_every_api(lab):
    account = lab.front_doors().apigateway
    door = lab.rest_api_gateway("account-wide", {"GET /items": "items"})
    try:
        account.set_account_throttle(0, 2)
        assert [call(door, "GET", "/items").status for _ in range(3)] == [200, 200, 429]
        assert door.last.error_reason == "Account throttle"
    finally:
        account.set_account_throttle(10_000, 5_000)


# -- API keys and usage plans --------------------------------------------------------------------


@pytest.fixture(scope="module")
def keyed(lab):
    door = lab.rest_api_gateway("partners", {"GET /items": "items"})
    door.api.put_method("GET /items", api_key_required=True)
    door.api.deploy("prod")
    plans = door.usage_plans
    gold = plans.create_api_key("gold-partner")
    basic = plans.create_api_key("basic-partner")
    stray = plans.create_api_key("no-plan-partner")
    plan_gold = plans.create_usage_plan("gold", [(door.api_id, "prod")])
    plan_basic = plans.create_usage_plan(
        "basic",
        [(door.api_id, "prod")],
        throttle={"rateLimit": 1, "burstLimit": 2},
        quota={"limit": 4, "period": "DAY"},
    )
    plans.create_usage_plan_key(plan_gold, gold)
    plans.create_usage_plan_key(plan_basic, basic)
    return door, gold, basic, stray, plan_basic


def test_a_method_that_requires_a_key_refuses_requests_without_a_valid_one(lab, keyed):
    door, _, _, stray, _ = keyed
    for headers in (
        [],
        [("x-api-key", "not-a-key-of-this-account-at-all")],
        [("x-api-key", stray.value)],
    ):
        reply = call(door, "GET", "/items", headers)
        assert (reply.status, reply.json()) == (403, {"message": "Forbidden"})
        assert reply.headers["x-amzn-ErrorType"] == "ForbiddenException"


def test_the_key_reaches_the_function_in_the_identity(lab, keyed):
    door, gold, _, _, _ = keyed
    reply = call(door, "GET", "/items", [("x-api-key", gold.value)])
    assert reply.status == 200
    identity = reply.json()["identity"]
    assert identity["apiKey"] == gold.value and identity["apiKeyId"] == gold.id
    assert door.last.api_key == "gold-partner"


def test_each_key_has_its_own_throttle_and_quota(lab, keyed):
    door, gold, basic, _, plan = keyed
    lab.clock.advance(days=1)  # a fresh day: the earlier tests used none of today's quota
    headers = [("x-api-key", basic.value)]
    assert [call(door, "GET", "/items", headers).status for _ in range(3)] == [200, 200, 429]
    assert call(door, "GET", "/items", headers).json() == TOO_MANY
    assert (
        call(door, "GET", "/items", [("x-api-key", gold.value)]).status == 200
    )  # others unaffected
    lab.clock.advance(2)
    assert [call(door, "GET", "/items", headers).status for _ in range(2)] == [200, 200]  # quota: 4
    lab.clock.advance(2)
    over = call(door, "GET", "/items", headers)
    assert (over.status, over.json()) == (429, {"message": "Limit Exceeded"})
    assert door.usage_plans.usage(plan, basic) == {"used": 4, "remaining": 0}
    lab.clock.advance(days=1)
    assert call(door, "GET", "/items", headers).status == 200  # the quota renews each day


def test_a_key_cannot_be_in_two_plans_for_the_same_stage(keyed):
    door, gold, _, _, plan = keyed
    with pytest.raises(ValueError, match="already in usage plan 'gold'"):
        door.usage_plans.create_usage_plan_key(plan, gold)


def test_short_key_values_are_refused(keyed):
    with pytest.raises(ValueError, match="at least 20 characters"):
        keyed[0].usage_plans.create_api_key("short", value="abc")
