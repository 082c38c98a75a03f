"""The Logs Insights subset over the Lab's real logs: discovered fields of REPORT lines and
JSON lines, filter, parse, stats by bin, sort and limit, and clear errors."""

from __future__ import annotations

import pytest

from lambda_lab.monitoring.insights import QueryError, discover, query, query_logs

ORDERS = """import json

def handler(event, context):
    print(json.dumps({"level": "INFO", "order": {"id": event["id"], "total": event["total"]}}))
    print(f"order {event['id']} costs {event['total']} EUR")
    if event["total"] < 0:
        raise ValueError("negative total")
    return "ok"
"""


@pytest.fixture
def orders_lab(virtual_lab):
    lab = virtual_lab
    lab.deploy("orders", ORDERS, handler="lambda_function.handler")
    for number, total in enumerate([12, 250, -3, 40, 75]):
        lab.invoke("orders", {"id": f"o-{number}", "total": total})
        lab.clock.advance(minutes=2)
    return lab


def test_report_lines_give_their_fields(orders_lab) -> None:
    rows = query_logs(
        orders_lab.logs,
        "orders",
        """
        filter @type = "REPORT"
        | fields @requestId, @duration, @billedDuration, @memorySize, @maxMemoryUsed, @initDuration""",
    )
    assert len(rows) == 5
    assert [r["@requestId"] for r in rows] == [
        r.request_id for r in orders_lab.records.for_function("orders")
    ]
    assert rows[0]["@memorySize"] == 128 and "@initDuration" in rows[0]
    assert all("@initDuration" not in r for r in rows[1:])  # only the cold start has one


def test_json_fields_filter_sort_and_limit(orders_lab) -> None:
    rows = query_logs(
        orders_lab.logs,
        "orders",
        """
        fields order.id as id, order.total as total
        | filter total >= 40
        | sort total desc
        | limit 2""",
    )
    assert rows == [{"id": "o-1", "total": 250}, {"id": "o-4", "total": 75}]


def test_parse_stats_and_bins(orders_lab) -> None:
    rows = query_logs(
        orders_lab.logs,
        "orders",
        """
        parse @message "order * costs * EUR" as id, price
        | filter ispresent(price)
        | stats count(*) as orders, sum(price) as revenue, max(price) by bin(5m)""",
    )
    assert sum(r["orders"] for r in rows) == 5  # five orders, two minutes apart: 2-3 bins
    assert 2 <= len(rows) <= 3 and all(r["bin(5m)"].endswith(":00.000") for r in rows)
    assert sum(r["revenue"] for r in rows) == 12 + 250 - 3 + 40 + 75
    errors = query_logs(
        orders_lab.logs, "orders", "filter @message like /ERROR/ | stats count(*) as errors"
    )
    assert errors == [{"errors": 1}]
    cold = query_logs(orders_lab.logs, "orders",
                      'filter @type = "REPORT" and ispresent(@initDuration) | stats count(*) as cold, '
                      "avg(@duration), pct(@duration, 99)")  # fmt: skip
    assert cold[0]["cold"] == 1 and set(cold[0]) == {"cold", "avg(@duration)", "pct(@duration, 99)"}


def test_discovered_fields_of_one_line() -> None:
    row = discover(
        1.5, "START RequestId: 11111111-2222-4333-8444-555555555555 Version: $LATEST", "s"
    )
    assert (row["@type"], row["@requestId"], row["@logStream"]) == (
        "START", "11111111-2222-4333-8444-555555555555", "s")  # fmt: skip
    assert discover(1.5, '{"a": {"b": 1}, "c": [1]}')["a.b"] == 1


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("select * from logs", "unknown command 'select'"),
        ("stats median(@duration)", "unknown stats function 'median'"),
        ("sort @duration sideways", "sort takes a field and asc or desc"),
        ("limit many", "limit takes a whole number"),
        ('filter (@type = "REPORT"', "ends too early"),
        ('parse @message "a * b * c" as one', r"has 2 \* but 1 names"),
    ],
)
def test_bad_queries_say_what_is_expected(text: str, message: str) -> None:
    class Event:
        timestamp, message, stream = 0.0, "hello", "s"

    with pytest.raises(QueryError, match=message):
        query([Event()], text)


def test_fields_choose_what_is_shown_not_what_later_commands_see(orders_lab) -> None:
    rows = query_logs(
        orders_lab.logs,
        "orders",
        """
        fields @requestId, @duration as ms
        | filter @type = "REPORT"
        | sort ms desc
        | limit 2""",
    )
    assert len(rows) == 2 and all(set(row) == {"@requestId", "ms"} for row in rows)
    assert rows[0]["ms"] >= rows[1]["ms"]
