"""Request ids, the requestContext time and header lookups, as the doors use them per request."""

from __future__ import annotations

import random
import re
import uuid

from lambda_lab.http.common import (
    HttpRequest,
    HttpResponse,
    clf_time,
    new_request_id,
    new_trace_id,
    reason_phrase,
)


def test_request_ids_are_version_4_uuids_and_do_not_repeat() -> None:
    ids = {new_request_id() for _ in range(2000)}
    assert len(ids) == 2000
    for text in list(ids)[:200]:
        parsed = uuid.UUID(text)
        assert str(parsed) == text and parsed.version == 4 and parsed.variant == uuid.RFC_4122


def test_ids_leave_the_random_modules_own_sequence_alone() -> None:
    random.seed(11)
    expected = [random.random() for _ in range(3)]
    random.seed(11)
    new_request_id()
    new_trace_id(1584040494)
    assert [random.random() for _ in range(3)] == expected


def test_the_context_time_changes_with_each_second() -> None:
    assert clf_time(1583348638.39) == "04/Mar/2020:19:03:58 +0000"
    assert clf_time(1583348638.99) == "04/Mar/2020:19:03:58 +0000"
    assert clf_time(1583348639.0) == "04/Mar/2020:19:03:59 +0000"
    assert clf_time(1583348638.5) == "04/Mar/2020:19:03:58 +0000"  # back again
    assert clf_time(0.5) == "01/Jan/1970:00:00:00 +0000"
    assert clf_time(-0.5) == "31/Dec/1969:23:59:59 +0000"


def test_header_gives_the_last_value_of_any_spelling() -> None:
    request = HttpRequest.build(
        "GET", "/", [("X-Thing", "1"), ("x-thing", "2"), ("Other", "3"), ("X-THING", "4")]
    )
    assert request.header("x-thing") == "4"
    assert request.header("OTHER") == "3"
    assert request.header("missing") is None
    assert request.header_values("X-Thing") == ["1", "2", "4"]
    assert request == HttpRequest.build(
        "GET", "/", [("X-Thing", "1"), ("x-thing", "2"), ("Other", "3"), ("X-THING", "4")]
    )


def test_reason_phrases_and_unknown_statuses() -> None:
    assert reason_phrase(418) == "I'm a Teapot"  # (as http.HTTPStatus spells it)
    assert reason_phrase(299) == "Unknown"
    assert HttpResponse(504).reason == "Gateway Timeout"
    assert re.fullmatch(r"Root=1-5e6a8a2e-[0-9a-f]{24}", new_trace_id(1584040494))
