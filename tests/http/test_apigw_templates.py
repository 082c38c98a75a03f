"""Mapping templates (the Lab's VTL subset) and gateway responses, without a listener."""

from __future__ import annotations

import pytest

from lambda_lab.http import gateway_responses
from lambda_lab.http.gateway_responses import GatewayResponses
from lambda_lab.http.vtl import TemplateError, TemplateInput, json_path, render

BODY = '{"order": {"id": 7, "items": ["socks", "hat"]}, "note": "it\'s \\"fine\\""}'
REQUEST = TemplateInput(BODY, {"id": "7"}, {"q": "red"}, {"X-Tenant": "acme"})


@pytest.mark.parametrize(
    "template, expected",
    [
        ("$input.json('$.order.items')", '["socks","hat"]'),
        ("$input.path('$.order.items[1]')", "hat"),
        ("$input.path('$.order.id')", "7"),
        ("""$input.path("$['note']")""", 'it\'s "fine"'),
        ("$input.params('id')/$input.params('q')/$input.params('x-tenant')", "7/red/acme"),
        ("$input.params().header.get('X-Tenant')", "acme"),
        ("$context.stage:${stageVariables.alias}", "prod:live"),
        ("[$!context.nothing]", "[]"),
        ("[$context.nothing]", "[$context.nothing]"),
        ("$util.escapeJavaScript($input.path('$.note'))", 'it\\\'s \\"fine\\"'),
        ("$util.base64Encode('hi')", "aGk="),
        ("costs $5", "costs $5"),
    ],
)
def test_references_render_as_velocity_prints_them(template, expected):
    assert render(template, REQUEST, {"stage": "prod"}, {"alias": "live"}) == expected


def test_jsonpath_subset_and_missing_values():
    assert json_path({"a": [{"b": 1}]}, "$.a[0].b") == 1
    assert json_path({"a": []}, "$.a[3]") is None
    with pytest.raises(TemplateError, match="JSONPath"):
        json_path({}, "$..deep")


@pytest.mark.parametrize(
    "template", ["#set($x = 1)", "line\n  #if($a)\n#end", "#foreach($i in $l)#end"]
)
def test_directives_are_refused_by_name(template):
    with pytest.raises(TemplateError, match="directives"):
        render(template, REQUEST, {}, {})


def test_gateway_responses_defaults_and_customisations():
    responses = GatewayResponses()
    throttled = responses.answer("THROTTLED")
    assert (throttled.status, throttled.json(), throttled.header("x-amzn-ErrorType")) == (
        429, {"message": "Too Many Requests"}, "TooManyRequestsException")  # fmt: skip
    denied = responses.answer("ACCESS_DENIED")
    assert denied.json() == {"Message": "User is not authorized to access this resource"}
    assert responses.answer("AUTHORIZER_CONFIGURATION_ERROR").json() == {"message": None}
    responses.put(gateway_responses.parse("DEFAULT_5XX", status_code=503,
                                          response_parameters={"gatewayresponse.header.Retry-After": "'3'"}))  # fmt: skip
    custom = responses.answer("INTEGRATION_TIMEOUT")
    assert (custom.status, custom.header("Retry-After")) == (503, "3")
    assert responses.answer("UNAUTHORIZED").status == 401  # a 4XX is not touched by DEFAULT_5XX
    with pytest.raises(ValueError, match="quoted literal|'literal'"):
        gateway_responses.parse(
            "DEFAULT_4XX", response_parameters={"gatewayresponse.header.A": "*"}
        )
