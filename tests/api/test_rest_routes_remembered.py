"""The REST layer remembers which route a (method, path, query) took: never the wrong one."""

from __future__ import annotations

import pytest

from lambda_lab import errors
from lambda_lab.api.rest import LambdaRestApi


@pytest.fixture(scope="module")
def api() -> LambdaRestApi:
    return LambdaRestApi(None)  # type: ignore[arg-type]  # routing needs no Lab


def test_the_query_still_chooses_between_routes_of_one_path(api: LambdaRestApi) -> None:
    path = "/2019-09-30/functions/demo/provisioned-concurrency"
    for _ in range(2):  # the second time from what was remembered
        listed, _ = api._match("GET", path, {"List": ["ALL"]})
        one, params = api._match("GET", path, {"Qualifier": ["live"]})
        assert listed.name == "ListProvisionedConcurrencyConfigs"
        assert one.name == "GetProvisionedConcurrencyConfig"
        assert params == {"FunctionName": "demo"}
        layers, _ = api._match("GET", "/2018-10-31/layers", {"find": ["LayerVersion"]})
        every, _ = api._match("GET", "/2018-10-31/layers", {})
        assert (layers.name, every.name) == (
            "GetLayerVersionByArn",
            "ListLayers",
        )


def test_path_parameters_are_decoded_and_each_caller_gets_its_own(api: LambdaRestApi) -> None:
    path = "/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A123456789012%3Afunction%3Ax/invocations"
    route, params = api._match("POST", path, {})
    assert route.name == "Invoke"
    assert params == {"FunctionName": "arn:aws:lambda:us-east-1:123456789012:function:x"}
    params["FunctionName"] = "changed"
    assert api._match("POST", path, {})[1]["FunctionName"].endswith(":function:x")


def test_no_route_is_still_an_error_every_time(api: LambdaRestApi) -> None:
    for _ in range(2):
        with pytest.raises(errors.UnsupportedOperation):
            api._match("PATCH", "/2015-03-31/functions/demo", {})
