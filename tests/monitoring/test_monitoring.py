"""Monitoring: REPORT lines read back, metric series per period, traces from records, and the
views over them (figures and widgets), all on real Labs and real invocations."""

from __future__ import annotations

import math

import pytest

from lambda_lab import limits
from lambda_lab.monitoring import logs, metrics
from lambda_lab.monitoring.metric_series import series
from lambda_lab.monitoring.records import InvocationRecord
from lambda_lab.monitoring.report_line import ReportLineError, observations, parse_report
from lambda_lab.monitoring.traces import (
    CALL,
    INIT,
    INVOKE,
    THROTTLE,
    TRIGGER,
    WAIT,
    Span,
    call,
    spans,
)

FAILS_WHEN_ASKED = (
    "def lambda_handler(event, context):\n"
    "    if event.get('fail'):\n"
    "        raise ValueError('asked to fail')\n"
    "    return 'ok'\n"
)
ALWAYS_FAILS = "def lambda_handler(event, context):\n    raise RuntimeError('nope')\n"


def _record(**changes) -> InvocationRecord:
    values = dict(request_id="8f5e1c1e-0000-4000-8000-000000000001", function_name="f", version="$LATEST",
                  invocation_type="RequestResponse", outcome="success", start=1_700_000_000.0, duration_ms=2.32,
                  memory_mb=128, max_memory_used_mb=36)  # fmt: skip
    values.update(changes)
    return InvocationRecord(**values)


# -- reading REPORT lines -----------------------------------------------------------------------
def test_a_real_cold_report_line_reads_back_as_its_record(lab) -> None:
    lab.deploy("hello", "def lambda_handler(event, context):\n    return 'hi'\n")
    record = lab.invoke("hello", {}).record
    line = next(e.message for e in lab.logs.events("hello", pattern="REPORT"))
    fields = {f.name: f for f in parse_report(line)}
    assert list(fields)[:2] == ["RequestId", "Duration"]
    assert fields["RequestId"].value == record.request_id
    assert fields["Billed Duration"].number == record.billed_duration_ms
    assert fields["Memory Size"].number == record.memory_mb == limits.MEMORY_DEFAULT_MB
    assert fields["Init Duration"].unit == "ms" and "cold start" in fields["Init Duration"].meaning
    notes = observations(list(fields.values()))
    assert notes[0].startswith("Cold start") and "Duration + Init Duration" in notes[1]


def test_older_billing_rules_are_recognised() -> None:
    # A line as the lectures show it: billed without INIT (before Aug 2025) ...
    before_2025 = ("REPORT RequestId: a1\tDuration: 2.42 ms\tBilled Duration: 3 ms\tMemory Size: 128 MB\t"
                   "Max Memory Used: 36 MB\tInit Duration: 114.49 ms")  # fmt: skip
    assert "before Aug 2025" in observations(parse_report(before_2025))[1]
    # ... and in 100 ms blocks (before Dec 2020), pasted with spaces instead of tabs.
    blocks = (
        "REPORT RequestId: a2 Duration: 4157.16 ms Billed Duration: 4200 ms Memory Size: 512 MB "
        "Max Memory Used: 500 MB"
    )
    notes = observations(parse_report(blocks))
    assert (
        notes[0].startswith("Warm start")
        and "100 ms" in notes[1]
        and "little head-room" in notes[2]
    )
    # Printed values are rounded to 1/100 ms: 1.00 + 67.00 may really be 68.004, billed 69.
    rounded = "REPORT RequestId: a4 Duration: 1.00 ms Billed Duration: 69 ms Memory Size: 128 MB Max Memory Used: 30 MB"
    assert (
        "Duration + Init Duration"
        in observations(parse_report(rounded + " Init Duration: 67.00 ms"))[1]
    )
    odd = "REPORT RequestId: a3 Duration: 10.00 ms Billed Duration: 7 ms Memory Size: 128 MB Max Memory Used: 30 MB"
    assert "none of Lambda's rounding rules" in observations(parse_report(odd))[1]
    # Figures as the line prints them (to 1/100 ms), however long the run: not 123457 ("g").
    long_run = (
        "REPORT RequestId: a5 Duration: 123456.78 ms Billed Duration: 123457 ms "
        "Memory Size: 10240 MB Max Memory Used: 39 MB"
    )
    notes = observations(parse_report(long_run))
    assert (
        notes[1] == "Billed Duration 123,457 ms = Duration 123,456.78 ms rounded up to the next ms."
    )
    assert notes[2].startswith("Memory: 39 of 10,240 MB used")


def test_failures_and_xray_lines_are_explained() -> None:
    timeout = logs.report_line(_record(outcome="timeout", duration_ms=1000.0))
    oom = logs.report_line(
        _record(outcome="out_of_memory", error_type="Runtime.OutOfMemory", max_memory_used_mb=128)
    )
    assert observations(parse_report(timeout))[-1].startswith("Failed: Status timeout")
    assert "(Runtime.OutOfMemory)" in observations(parse_report(oom))[-1]
    xray = "XRAY TraceId: 1-5e34a614-10bdxmplf1fb44f07bc535a1\tSegmentId: 07f5xmpl2d1f6f85\tSampled: true"
    traced = logs.report_line(_record()) + "\n" + xray
    names = [f.name for f in parse_report(traced)]
    assert names[-3:] == ["TraceId", "SegmentId", "Sampled"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("START RequestId: x Version: $LATEST", "starts with 'REPORT RequestId:'"),
        ("", "got 'nothing'"),
        ("REPORT RequestId: x\tDuration: 1.00 ms", "always has Billed Duration, Memory Size, Max Memory Used"),
        ("REPORT RequestId: x Duration: 1 ms Billed Duration: 1 ms Memory Size: 128 MB Max Memory Used: 9 MB Cost: 3",
         "unknown text in the line: 'Cost: 3'"),
        ("REPORT RequestId: x Duration: 1 s Billed Duration: 1 ms Memory Size: 128 MB Max Memory Used: 9 MB",
         "Duration must be in ms"),
        ("REPORT RequestId: x Duration: 1 ms Billed Duration: 1 ms Memory Size: 128 MB Max Memory Used: 9 MB\n"
         "END RequestId: x",
         "only a REPORT line and its XRAY line"),
    ],
)  # fmt: skip
def test_what_is_not_a_report_line_is_refused_by_name(text: str, message: str) -> None:
    with pytest.raises(ReportLineError, match=message.replace("(", r"\(").replace("$", r"\$")):
        parse_report(text)


# -- metric series --------------------------------------------------------------------------------
def test_errors_duration_and_success_rate_per_period(virtual_lab) -> None:
    lab = virtual_lab
    lab.deploy("orders", FAILS_WHEN_ASKED)
    base = math.floor(lab.clock.time() / 60) * 60 + 60
    lab.clock.run_until(base + 1)
    plan = {
        0: [False, True, False, False],
        2: [True, True],
    }  # minute -> which calls fail; minute 1 is quiet
    for minute, failures in plan.items():
        lab.clock.run_until(base + 60 * minute + 1)
        for fail in failures:
            lab.invoke("orders", {"fail": fail})
            lab.clock.advance(5)
    starts = [base, base + 60, base + 120]
    assert series(lab, "Invocations", "orders") == list(zip(starts, [4.0, 0.0, 2.0]))
    assert series(lab, "Errors", "orders") == list(zip(starts, [1.0, 0.0, 2.0]))
    assert series(lab, "SuccessRate", "orders") == [(base, 75.0), (base + 120, 0.0)]
    durations = [r.duration_ms for r in lab.records.for_function("orders")]
    averages = series(lab, "Duration", "orders")
    assert [start for start, _ in averages] == [base, base + 120]  # no value in the quiet minute
    assert averages[0][1] == pytest.approx(sum(durations[:4]) / 4)
    assert series(lab, "Duration", "orders", statistic="Maximum")[1][1] == max(durations[4:])
    assert series(lab, "Duration", "orders", statistic="p50")[0][1] == sorted(durations[:4])[1]
    ten_minutes = series(
        lab, "Errors", "orders", period_s=600
    )  # the minutes may straddle a 10-minute line
    assert sum(value for _, value in ten_minutes) == 3 and all(
        start % 600 == 0 for start, _ in ten_minutes
    )


def test_points_metrics_take_their_statistic(virtual_lab) -> None:
    lab = virtual_lab
    at = math.floor(lab.clock.time() / 60) * 60
    for offset, age in [(1, 0.0), (10, 4000.0), (30, 1500.0), (130, 20.0)]:
        lab.metrics.put(metrics.ITERATOR_AGE, "reader", age, at=at + offset)
    lab.metrics.put(metrics.DEAD_LETTER_ERRORS, "reader", at=at + 5)
    assert series(lab, "IteratorAge", "reader") == [(at, 4000.0), (at + 120, 20.0)]
    assert series(lab, "IteratorAge", "reader", statistic="Average")[0] == (
        at,
        pytest.approx(5500 / 3),
    )
    assert series(lab, "DeadLetterErrors", "reader") == [(at, 1.0)]
    assert series(lab, "IteratorAge", "somebody-else") == []


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"name": "Invocation"}, "unknown metric 'Invocation'"),
        ({"name": "Errors", "statistic": "Median"}, "statistic must be one of"),
        ({"name": "Errors", "period_s": 0}, "period_s must be > 0"),
        ({"name": "ConcurrentExecutions", "statistic": "Sum"}, "graphed with Maximum"),
    ],
)
def test_bad_metric_requests_name_what_is_wrong(virtual_lab, kwargs, message) -> None:
    with pytest.raises(ValueError, match=message):
        series(virtual_lab, **kwargs)


# -- traces ---------------------------------------------------------------------------------------
def test_an_async_event_is_a_trigger_a_queue_wait_and_a_run(lab) -> None:
    lab.deploy("worker", "def lambda_handler(event, context):\n    return event['n']\n")
    since = lab.clock.time()
    queued = lab.invoke_async("worker", {"n": 1})
    journey = lab.async_queue.journey(queued["RequestId"])
    _wait_for(lambda: journey.done)
    found = spans(lab, since)
    assert [s.kind for s in found] == [TRIGGER, WAIT, INIT, INVOKE]
    assert (
        found[0].name == "Invoke API (Event) → worker"
        and queued["RequestId"][:8] in found[0].detail
    )
    assert (
        found[1].name == "async queue" and found[1].end == found[2].start
    )  # the wait ends as Init begins
    assert found[3].name == "worker attempt 1: Invoke" and "Event, success" in found[3].detail


def test_retries_show_the_wait_between_attempts(virtual_lab) -> None:
    lab = virtual_lab
    lab.deploy("worker", ALWAYS_FAILS)
    lab.client("lambda").put_function_event_invoke_config(
        FunctionName="worker", MaximumRetryAttempts=1
    )
    since = lab.clock.time()
    lab.invoke_async("worker", {"n": 1})
    lab.clock.advance(minutes=5)
    found = spans(lab, since)
    waits = [s for s in found if s.kind == WAIT]
    assert [s.name for s in waits] == ["async queue", "retry wait before attempt 2"]
    assert waits[1].duration_ms == pytest.approx(limits.ASYNC_RETRY_DELAYS_S[0] * 1000, abs=1)
    runs = [s.name for s in found if s.kind == INVOKE]
    assert runs == ["worker attempt 1: Invoke", "worker attempt 2: Invoke"]
    later = spans(
        lab, since + 30
    )  # the event arrived before this window: its retry is a plain record
    assert [(s.kind, s.name) for s in later] == [(INVOKE, "worker: Invoke")]


def test_a_throttled_event_shows_the_throttle(virtual_lab) -> None:
    lab = virtual_lab
    lab.deploy("blocked", ALWAYS_FAILS)
    lab.client("lambda").put_function_concurrency(
        FunctionName="blocked", ReservedConcurrentExecutions=0
    )
    since = lab.clock.time()
    lab.invoke_async("blocked", {})
    lab.clock.advance(1)
    found = spans(lab, since)
    assert [(s.kind, s.name) for s in found] == [
        (TRIGGER, "Invoke API (Event) → blocked"),
        (THROTTLE, "throttled"),
        (TRIGGER, "event dropped"),
    ]
    assert "reserved concurrency is 0" in found[1].detail


def test_sync_records_and_handler_calls_in_a_window(lab) -> None:
    lab.deploy("hello", "def lambda_handler(event, context):\n    return 'hi'\n")
    lab.invoke("hello", {})
    since = lab.clock.time()
    second = lab.invoke("hello", {}).record
    made = call("DynamoDB PutItem", second.start, second.start + 0.001, "timed by the handler")
    found = spans(lab, since, calls=[made])
    assert [(s.kind, s.name) for s in found] == [
        (INVOKE, "hello: Invoke"),
        (CALL, "DynamoDB PutItem"),
    ]
    assert found[0].duration_ms == pytest.approx(second.duration_ms, abs=1e-3)  # epoch floats
    assert found[1].offset_ms(second.start) == 0
    with pytest.raises(ValueError, match="until .* is before since"):
        spans(lab, since, until=since - 1)
    with pytest.raises(ValueError, match="span kind must be one of"):
        Span("x", "segment", 0, 1)
    with pytest.raises(ValueError, match="ends .* before it starts"):
        Span("x", THROTTLE, 2, 1)


def test_a_stream_batch_shows_its_wait_its_read_and_its_run(lab) -> None:
    kinesis = lab.client("kinesis")
    kinesis.create_stream(StreamName="clicks", ShardCount=1)
    arn = kinesis.describe_stream(StreamName="clicks")["StreamDescription"]["StreamARN"]
    lab.deploy("reader", "def lambda_handler(event, context):\n    return len(event['Records'])\n")
    lab.client("lambda").create_event_source_mapping(FunctionName="reader", EventSourceArn=arn,
                                                     StartingPosition="TRIM_HORIZON")  # fmt: skip
    since = lab.clock.time()
    kinesis.put_record(StreamName="clicks", Data=b"one", PartitionKey="k")
    _wait_for(lambda: lab.metrics.points(metrics.ITERATOR_AGE, "reader"))
    found = spans(lab, since)
    assert [(s.kind, s.name) for s in found] == [
        (WAIT, "record waits in the stream"),
        (TRIGGER, "Kinesis stream → reader"),
        (INIT, "reader batch: Init"),
        (INVOKE, "reader batch: Invoke"),
    ]
    assert found[1].detail == "batch of 1, success" and found[0].end == found[1].start


def _wait_for(condition, timeout_s: float = 10.0) -> None:
    """Poll a real-clock Lab until its background work is done (behaviour, not speed)."""
    import time

    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "the Lab's background work did not finish"
        time.sleep(0.01)


# -- pictures and widgets ---------------------------------------------------------------------------
def test_dashboard_and_waterfall_draw_what_they_are_given(virtual_lab) -> None:
    from lambda_lab.widgets.monitoring import metrics_dashboard, trace_waterfall

    lab = virtual_lab
    with pytest.raises(ValueError, match="no metric data yet for this Lab"):
        metrics_dashboard(lab)
    lab.deploy("orders", FAILS_WHEN_ASKED)
    since = lab.clock.time()
    for fail in (False, True, False):
        lab.invoke("orders", {"fail": fail})
        lab.clock.advance(20)
    figure = metrics_dashboard(lab, ["Invocations", "Errors", "Duration", "IteratorAge"], "orders",
                               statistics={"Duration": "p99"}, columns=2)  # fmt: skip
    titles = [axes.get_title() for axes in figure.axes if axes.get_visible()]
    assert titles == [
        "Invocations, Sum",
        "Errors, Sum",
        "Duration (ms), p99",
        "IteratorAge (ms), Maximum",
    ]
    assert figure.axes[3].texts[0].get_text() == "no data"
    with pytest.raises(ValueError, match="not drawn: Throttles"):
        metrics_dashboard(lab, ["Errors"], statistics={"Throttles": "Sum"})
    drawn = spans(lab, since)
    waterfall = trace_waterfall(drawn)
    labels = [tick.get_text() for tick in waterfall.axes[0].get_yticklabels()]
    assert labels == [s.name for s in sorted(drawn, key=lambda s: s.start)]
    with pytest.raises(ValueError, match="no spans to draw"):
        trace_waterfall([])


def test_log_browser_and_report_reader_views(lab) -> None:
    from lambda_lab.widgets.log_views import (
        ALL_STREAMS,
        LogBrowser,
        ReportReader,
        render_events,
        report_choices,
    )

    lab.deploy(
        "hello",
        "def lambda_handler(event, context):\n    print('working on', event['n'])\n    return 1\n",
    )
    for n in range(2):
        lab.invoke("hello", {"n": n})
    choices = report_choices(lab)
    assert [label.split(" · ")[:2] for label, _ in choices] == [
        ["hello", "cold"],
        ["hello", "warm"],
    ]
    browser = LogBrowser(lab)
    assert browser.group.value == "/aws/lambda/hello"
    assert list(browser.stream.options) == [ALL_STREAMS, *lab.logs.streams("hello")]
    browser.pattern.value = "working on"
    assert browser.output.value.count("working on") == 2 and "REPORT" not in browser.output.value
    assert render_events([]) == "<i>No events match.</i>"
    assert "last 1 of 2 events" in render_events(browser.events(), limit=1)
    reader = ReportReader(lab)
    assert "Warm start" in reader.output.value  # the newest line is shown at once
    reader.picker.value = choices[0][1]
    assert "Cold start" in reader.output.value and "Init Duration" in reader.output.value
    reader.text.value = "hello there"
    assert "Cannot read this line" in reader.read()
