"""AWS's timestamp formats, each checked against the form AWS documents for where it is used."""

from __future__ import annotations

from lambda_lab import aws_time

MOMENT = 1_700_000_000.123456  # 2023-11-14 22:13:20.123456 UTC


def test_each_format_is_awss() -> None:
    assert aws_time.function_timestamp(MOMENT) == "2023-11-14T22:13:20.123+0000"
    assert aws_time.seconds_timestamp(MOMENT) == "2023-11-14T22:13:20+0000"
    assert aws_time.iso_micros(MOMENT) == "2023-11-14T22:13:20.123456Z"
    assert aws_time.iso_millis(MOMENT) == "2023-11-14T22:13:20.123Z"
    assert aws_time.iso_seconds(MOMENT) == "2023-11-14T22:13:20Z"
    assert aws_time.access_log_time(MOMENT) == "14/Nov/2023:22:13:20 +0000"
    assert aws_time.log_stream_day(MOMENT) == "2023/11/14"
    assert aws_time.trace_epoch(MOMENT) == "6553f100"


def test_the_trace_header_follows_the_labs_clock() -> None:
    from lambda_lab import Lab
    from lambda_lab.clock import VirtualClock

    code = "import os\ndef lambda_handler(event, context):\n    return os.environ['_X_AMZN_TRACE_ID']\n"
    with Lab(clock=VirtualClock(MOMENT)) as lab:
        lab.deploy("traced", code)
        assert lab.invoke("traced").value.startswith("Root=1-6553f100-")
