"""EventBridge event patterns: every operator, arrays, $or, validation errors, and fuzzing."""

from __future__ import annotations

import json
import re
import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lambda_lab.event_sources.matching.patterns import (
    ESM,
    EventPattern,
    PatternError,
    compile_pattern,
    matches,
)

# The event of event-ruler's README, plus a few fields for the edge cases.
EVENT = {
    "version": "0",
    "id": "ddddd4-aaaa-7777-4444-345dd43cc333",
    "detail-type": "EC2 Instance State-change Notification",
    "source": "aws.ec2",
    "account": "012345679012",
    "time": "2017-10-02T16:24:49Z",
    "region": "us-east-1",
    "resources": ["arn:aws:ec2:us-east-1:123456789012:instance/i-000000aaaaaa00000"],
    "detail": {
        "c-count": 5,
        "d-count": 3,
        "x-limit": 301.8,
        "source-ip": "10.0.0.33",
        "ipv6": "2001:db8::1",
        "instance-id": "i-000000aaaaaa00000",
        "state": "running",
        "tags": ["blue", "green"],
        "nothing": None,
        "empty": "",
        "flag": False,
        "file": "photos/Cat*1.PNG",
        "employees": [
            {"firstName": "John", "lastName": "Doe"},
            {"firstName": "Anna", "lastName": "Smith"},
        ],
        "nested": {"inner": 1},
    },
}

MATCHING = [
    {"source": ["aws.ec2"]},
    {"source": ["aws.s3", "aws.ec2"]},
    {"detail": {"state": ["initializing", "running"]}},
    {"resources": ["arn:aws:ec2:us-east-1:123456789012:instance/i-000000aaaaaa00000", "other"]},
    {"detail": {"tags": ["red", "green"]}},  # array event value: intersection
    {"time": [{"prefix": "2017-10-02"}]},
    {"source": [{"suffix": "ec2"}]},
    {"source": [{"equals-ignore-case": "AWS.EC2"}]},
    {"detail": {"file": [{"prefix": {"equals-ignore-case": "PHOTOS/"}}]}},
    {"detail": {"file": [{"suffix": {"equals-ignore-case": ".png"}}]}},
    {"source": [{"wildcard": "aws.*"}]},
    {"detail": {"file": [{"wildcard": "photos/*\\**.PNG"}]}},  # \* is a literal star
    {"detail": {"state": [{"wildcard": "*running*"}]}},  # * may match nothing
    {"detail": {"state": [{"anything-but": "initializing"}]}},
    {"detail": {"state": [{"anything-but": ["stopped", "overloaded"]}]}},
    {"detail": {"x-limit": [{"anything-but": [100, 200, 300]}]}},
    {"detail": {"state": [{"anything-but": {"prefix": "init"}}]}},
    {"detail": {"state": [{"anything-but": {"suffix": "ed"}}]}},
    {"detail": {"state": [{"anything-but": {"equals-ignore-case": ["STOPPED", "PENDING"]}}]}},
    {"detail": {"state": [{"anything-but": {"wildcard": "stop*"}}]}},
    {"detail": {"c-count": [{"numeric": [">", 0, "<=", 5]}]}},
    {"detail": {"d-count": [{"numeric": ["<", 10]}]}},
    {"detail": {"x-limit": [{"numeric": ["=", 3.018e2]}]}},
    {"detail": {"c-count": [{"numeric": [">=", 5]}]}},
    {"detail": {"source-ip": [{"cidr": "10.0.0.0/24"}]}},
    {"detail": {"ipv6": [{"cidr": "2001:db8::/32"}]}},
    {"detail": {"c-count": [{"exists": True}]}},
    {"detail": {"missing": [{"exists": False}]}},
    {"detail": {"nested": [{"exists": False}]}},  # an object is not a leaf
    {"detail": {"nothing": [None]}},
    {"detail": {"nothing": [{"exists": True}]}},  # null is a value
    {"detail": {"empty": [""]}},
    {"detail": {"flag": [False]}},
    {"detail": {"c-count": [5.0]}},  # EventBridge compares numbers as numbers
    {"detail": {"employees": {"firstName": ["Anna"], "lastName": ["Smith"]}}},
    {
        "source": ["aws.ec2"],
        "$or": [{"detail": {"state": ["stopped"]}}, {"detail": {"c-count": [5]}}],
    },
    {"detail": {"$or": [{"state": ["x"]}, {"$or": [{"c-count": [1]}, {"d-count": [3]}]}]}},
]

NOT_MATCHING = [
    {"source": ["aws.s3"]},
    {"source": ["AWS.EC2"]},  # exact is case-sensitive
    {"detail": {"tags": ["red"]}},
    {"detail": {"state": [{"prefix": "RUN"}]}},
    {"detail": {"c-count": [{"prefix": "5"}]}},  # prefix only on strings
    {"detail": {"c-count": ["5"]}},  # a string never equals a number
    {"detail": {"state": [{"wildcard": "run"}]}},
    {"detail": {"state": [{"anything-but": ["running"]}]}},
    {"detail": {"missing": [{"anything-but": "x"}]}},  # anything-but needs the field
    {"detail": {"state": [{"anything-but": {"prefix": "run"}}]}},
    {"detail": {"state": [{"anything-but": {"wildcard": "*ing"}}]}},
    {"detail": {"c-count": [{"numeric": [">", 5]}]}},
    {"detail": {"c-count": [{"numeric": [">", 0, "<", 5]}]}},
    {"detail": {"state": [{"numeric": [">", 0]}]}},  # numeric only on numbers
    {"detail": {"source-ip": [{"cidr": "10.0.1.0/24"}]}},
    {"detail": {"ipv6": [{"cidr": "10.0.0.0/8"}]}},
    {"detail": {"missing": [{"exists": True}]}},
    {"detail": {"c-count": [{"exists": False}]}},
    {"detail": {"nested": [{"exists": True}]}},
    {"detail": {"nothing": [""]}},  # null and "" are different values
    {"detail": {"empty": [None]}},
    {"detail": {"flag": [0]}},  # false is not 0
    {"detail": {"missing": ["x"]}},
    {"detail": {"employees": {"firstName": ["Anna"], "lastName": ["Doe"]}}},  # array consistency
    {"$or": [{"source": ["x"]}, {"detail": {"state": ["y"]}}]},
]


@pytest.mark.parametrize("pattern", MATCHING, ids=lambda p: json.dumps(p)[:70])
def test_patterns_that_match(pattern: dict) -> None:
    assert compile_pattern(pattern).matches(EVENT)
    assert matches(json.dumps(pattern), json.dumps(EVENT))  # the same from JSON text


@pytest.mark.parametrize("pattern", NOT_MATCHING, ids=lambda p: json.dumps(p)[:70])
def test_patterns_that_do_not_match(pattern: dict) -> None:
    assert not compile_pattern(pattern).matches(EVENT)


def test_numbers_compare_by_value_on_event_buses_but_by_text_in_esm_filters() -> None:
    pattern = '{"n": [300]}'
    for text in ("300", "300.0", "3.0e2"):
        assert compile_pattern(pattern).matches(f'{{"n": {text}}}')
    assert compile_pattern(pattern, dialect=ESM).matches('{"n": 300}')
    assert not compile_pattern(pattern, dialect=ESM).matches('{"n": 300.0}')
    assert not compile_pattern(pattern, dialect=ESM).matches('{"n": 3.0e2}')
    # an account id is beyond numeric range and still matches exactly
    assert matches('{"a": [123456789012]}', '{"a": 123456789012}')
    assert not matches('{"a": [123456789012]}', '{"a": 123456789013}')


def test_numeric_matching_uses_six_decimal_places() -> None:
    assert matches({"n": [{"numeric": ["=", 0.1234567]}]}, {"n": 0.1234571})
    assert not matches({"n": [{"numeric": ["=", 0.123456]}]}, {"n": 0.123457})
    assert not matches({"n": [{"numeric": ["<", 1]}]}, {"n": 6e9})  # out of range never matches


def test_a_json_text_event_that_is_not_an_object_never_matches() -> None:
    pattern = compile_pattern({"a": [{"exists": False}]})
    assert pattern.matches("{}")
    assert not pattern.matches("[1, 2]") and not pattern.matches("not json")


INVALID = [
    ("[1]", "Filter is not an object", None),
    ('{"a": ', "Filter is not valid JSON", None),
    ('{"a": NaN}', "not valid JSON", None),
    ("{}", "Empty objects are not allowed", None),
    ('{"detail": {}}', "Empty objects are not allowed", "detail"),
    ('{"a": "x"}', '"a" must be an object or an array', "a"),
    ('{"a": []}', "Empty arrays are not allowed", "a"),
    ('{"a": [["x"]]}', "Match value must be String, number, true, false, or null", "a[0]"),
    ('{"a": [{}]}', "Match expression name not found", "a[0]"),
    ('{"a": [{"prefix": "x", "suffix": "y"}]}', "Only one key allowed", "a[0]"),
    ('{"a": [{"regex": "x"}]}', "Unrecognized match type regex", "a[0]"),
    ('{"a": {"b": [{"prefix": 1}]}}', "prefix match pattern must be a string", "a.b[0]"),
    ('{"a": [{"suffix": ["x"]}]}', "suffix match pattern must be a string", "a[0]"),
    (
        '{"a": [{"equals-ignore-case": 1}]}',
        "equals-ignore-case match pattern must be a string",
        "a[0]",
    ),
    ('{"a": [{"wildcard": "a**b"}]}', "Consecutive wildcard characters", "a[0]"),
    ('{"a": [{"wildcard": "a\\\\b"}]}', "Invalid use of backslash", "a[0]"),
    ('{"a": [{"wildcard": 3}]}', "wildcard match pattern must be a string", "a[0]"),
    ('{"a": [{"exists": "yes"}]}', "exists match pattern must be either true or false", "a[0]"),
    ('{"a": [{"numeric": 5}]}', "Value of numeric must be an array", "a[0]"),
    ('{"a": [{"numeric": [">"]}]}', "numeric takes an operator and a number", "a[0]"),
    ('{"a": [{"numeric": ["!=", 5]}]}', "Unrecognized numeric range operator", "a[0]"),
    ('{"a": [{"numeric": [">", "5"]}]}', "Value of > must be numeric", "a[0]"),
    ('{"a": [{"numeric": [">", 5e9, "<", 6e9]}]}', "must be between", "a[0]"),
    ('{"a": [{"numeric": ["<", 5, ">", 1]}]}', "lower bound", "a[0]"),
    ('{"a": [{"numeric": [">", 5, "<", 1]}]}', "must be below its upper bound", "a[0]"),
    ('{"a": [{"cidr": "10.0.0.300/8"}]}', "Nonstandard IP address", "a[0]"),
    ('{"a": [{"anything-but": [1, "x"]}]}', "all strings or all", "a[0]"),
    ('{"a": [{"anything-but": []}]}', "must not be an empty array", "a[0]"),
    ('{"a": [{"anything-but": null}]}', "Value of anything-but must be", "a[0]"),
    (
        '{"a": [{"anything-but": {"numeric": [">", 1]}}]}',
        "Unsupported anything-but pattern",
        "a[0]",
    ),
    ('{"a": [{"anything-but": {"prefix": ""}}]}', "must not be empty", "a[0]"),
    ('{"$or": [{"a": ["x"]}]}', "at least 2 objects", "$or"),
    ('{"$or": {"a": ["x"]}}', "$or must be followed by an array", "$or"),
    ('{"$or": [{"a": ["x"]}, "b"]}', "Only JSON objects", "$or[1]"),
    ('{"$or": [{"a": ["x"]}, {"b": {"prefix": ["y"]}}]}', "reserved field name", "$or[1].b.prefix"),
]


@pytest.mark.parametrize(("text", "reason", "where"), INVALID, ids=[case[0] for case in INVALID])
def test_invalid_patterns_get_aws_error_naming_the_part(
    text: str, reason: str, where: str | None
) -> None:
    with pytest.raises(PatternError) as caught:
        compile_pattern(text)
    error = caught.value
    assert error.code == "InvalidEventPatternException"
    assert error.message.startswith("Event pattern is not valid. Reason: ")
    assert reason in error.message
    if where is not None:
        assert error.message.endswith(f" at {where}")


def test_esm_dialect_refuses_anything_but_with_an_operator_and_uses_its_own_error() -> None:
    with pytest.raises(PatternError) as caught:
        compile_pattern('{"a": [{"anything-but": {"prefix": "x"}}]}', dialect=ESM)
    assert caught.value.code == "InvalidParameterValueException"
    assert caught.value.message.startswith("Invalid filter pattern definition.")
    assert "event source mapping" in caught.value.message
    with pytest.raises(ValueError, match="dialect"):
        compile_pattern({"a": ["x"]}, dialect="pipes")


def test_python_values_that_are_not_json_are_refused_clearly() -> None:
    with pytest.raises(PatternError, match="Match value must be"):
        compile_pattern({"a": [("x",)]})
    with pytest.raises(PatternError, match="field names must be strings"):
        compile_pattern({1: ["x"]})
    with pytest.raises(PatternError, match="deeper than"):
        nested: dict = {"leaf": ["x"]}
        for _ in range(150):
            nested = {"n": nested}
        compile_pattern(nested)


def test_duplicate_keys_last_one_wins() -> None:
    assert matches('{"source": ["x"], "source": ["aws.ec2"]}', EVENT)


# -- property tests -----------------------------------------------------------------------
scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(10**12), 10**12)
    | st.floats(allow_nan=False)
    | st.text(max_size=8)
)
json_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4)
    ),
    max_leaves=20,
)
operator_names = st.sampled_from(
    [
        "prefix",
        "suffix",
        "equals-ignore-case",
        "wildcard",
        "anything-but",
        "numeric",
        "cidr",
        "exists",
        "$or",
        "x",
    ]
)
operators = st.dictionaries(operator_names, json_values, min_size=0, max_size=2)
leaf = st.lists(scalars | operators, max_size=4)
pattern_like = st.recursive(
    st.dictionaries(st.text(max_size=5) | operator_names, leaf, max_size=3),
    lambda inner: st.dictionaries(
        st.text(max_size=5) | st.just("$or"), inner | leaf | st.lists(inner, max_size=3), max_size=3
    ),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(pattern=pattern_like | json_values, event=json_values)
def test_any_pattern_is_compiled_or_refused_with_our_error_and_matching_never_crashes(
    pattern, event
) -> None:
    for dialect in ("eventbridge", ESM):
        try:
            compiled = compile_pattern(pattern, dialect=dialect)
        except PatternError as error:
            assert error.code in ("InvalidEventPatternException", "InvalidParameterValueException")
            continue
        assert isinstance(compiled, EventPattern)
        assert compiled.matches(event if isinstance(event, dict) else {"value": event}) in (
            True,
            False,
        )


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=60) | st.from_regex(r'\{"[a-z]": \[.{0,20}\]\}', fullmatch=True))
def test_any_text_is_compiled_or_refused_with_our_error(text: str) -> None:
    try:
        compile_pattern(text)
    except PatternError as error:
        assert error.message.startswith("Event pattern is not valid. Reason: ")


plain = st.text(alphabet=string.ascii_letters + string.digits + " ./-", max_size=10)


@given(value=plain, other=plain, prefix=plain)
def test_exact_prefix_suffix_and_anything_but_agree_with_python_strings(
    value, other, prefix
) -> None:
    event = {"k": prefix + value}
    assert matches({"k": [prefix + value]}, event)
    assert matches({"k": [other]}, event) == (other == prefix + value)
    assert matches({"k": [{"prefix": prefix}]}, event)
    assert matches({"k": [{"suffix": value}]}, event)
    assert matches({"k": [{"anything-but": [other]}]}, event) == (other != prefix + value)
    assert matches({"k": [{"equals-ignore-case": (prefix + value).upper()}]}, event)


@given(
    pieces=st.lists(plain, min_size=1, max_size=4), fillers=st.lists(plain, min_size=4, max_size=4)
)
def test_wildcard_matches_whatever_fills_the_stars(pieces, fillers) -> None:
    pattern = "*".join(pieces)
    if "**" in pattern:
        return  # two stars in a row are refused, tested above
    filled = "".join(piece + filler for piece, filler in zip(pieces, fillers)).removesuffix(
        fillers[len(pieces) - 1]
    )
    assert matches({"k": [{"wildcard": pattern}]}, {"k": filled})


@given(low=st.integers(-1000, 1000), span=st.integers(1, 1000), value=st.integers(-3000, 3000))
def test_numeric_range_agrees_with_python_comparison(low, span, value) -> None:
    high = low + span
    pattern = {"k": [{"numeric": [">=", low, "<", high]}]}
    assert matches(pattern, {"k": value}) == (low <= value < high)
    assert matches({"k": [{"numeric": ["=", value]}]}, {"k": float(value)})


@given(
    pattern=st.text(alphabet="ab*", max_size=8).filter(lambda p: "**" not in p),
    value=st.text(alphabet="ab", max_size=10),
)
def test_wildcard_agrees_with_a_regular_expression_on_small_inputs(pattern, value) -> None:
    reference = re.fullmatch(pattern.replace("*", ".*"), value) is not None
    assert matches({"k": [{"wildcard": pattern}]}, {"k": value}) == reference


def test_wildcard_with_many_stars_answers_a_long_value_without_backtracking() -> None:
    # a backtracking regex would need about 3000**30 steps to say no
    pattern = {"k": [{"wildcard": "*a" * 30 + "*b"}]}
    assert not matches(pattern, {"k": "a" * 3000})
    assert matches(pattern, {"k": "a" * 3000 + "b"})
