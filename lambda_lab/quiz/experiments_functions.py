"""Lab experiments behind the concepts, first-function, configuration and monitoring banks.

Each one deploys what a question describes (a handler that writes to /tmp, a custom runtime
without its bootstrap, an oversized environment, two overlapping calls...) into a fresh Lab,
and returns the one value the question's key must equal. They register into
``experiments.EXPERIMENTS`` on import; the Lab is imported inside each function only.
"""

from __future__ import annotations

import calendar
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from typing import Any

from lambda_lab.quiz.evidence import exhibit, experiment_lab
from lambda_lab.quiz.experiments import experiment

_RETURNS_ONE = "def lambda_handler(event, context):\n    return 1\n"
_REMAINING_TIME = (
    "def lambda_handler(event, context):\n    return context.get_remaining_time_in_millis()\n"
)
_TMP_MARKER = """
import os

def lambda_handler(event, context):
    seen = os.path.exists("/tmp/cache.json")
    with open("/tmp/cache.json", "w") as handle:
        handle.write("{}")
    return seen
"""
_FAILS_ON_ASK = """
def lambda_handler(event, context):
    if event.get("fail"):
        raise ValueError("asked to fail")
    return "ok"
"""
_HALF_SECOND = (
    "import time\n\ndef lambda_handler(event, context):\n    time.sleep(0.5)\n    return 1\n"
)

# The choices of the month-end CRON question, exactly as the bank spells them.
LAST_FRIDAY_CANDIDATES = (
    "cron(0 18 ? * 6L *)",
    "cron(0 18 ? * 5L *)",
    "cron(0 18 ? * FRI#5 *)",
    "cron(0 18 L * FRI *)",
)
# The choices of the handler-setting question, for a package holding app.py with main().
HANDLER_CANDIDATES = ("app.main", "main.app", "app.py.main", "lambda_function.main")


@contextmanager
def _lab(**options: Any) -> Iterator[Any]:
    with experiment_lab(**options) as lab:
        yield lab


def _error_code(call: Any) -> str | None:
    """The AWS error code a client call fails with, or None when it succeeds."""
    from botocore.exceptions import ClientError

    try:
        call()
    except ClientError as exc:
        exhibit("The API's error", exc.response["Error"])
        return str(exc.response["Error"]["Code"])
    exhibit("The API's answer", "accepted")
    return None


# -- first function ---------------------------------------------------------------------------
@experiment("get_remaining_time_in_millis() at the start of a 10 s invoke, in whole seconds")
def remaining_time_at_start_of_10s_timeout_s() -> int:
    with _lab() as lab:
        lab.deploy("quiz-remaining", _REMAINING_TIME, Timeout=10)
        return round(lab.invoke("quiz-remaining", {}).value / 1000)


@experiment("whether the second of two back-to-back invokes finds the file the first wrote to /tmp")
def tmp_file_seen_by_next_warm_invoke() -> bool:
    with _lab() as lab:
        lab.deploy("quiz-tmp", _TMP_MARKER)
        lab.invoke("quiz-tmp", {})
        return bool(lab.invoke("quiz-tmp", {}).value)


@experiment("whether the invoke after a handler exception is a cold start")
def cold_start_after_handler_exception() -> bool:
    with _lab() as lab:
        lab.deploy("quiz-raises", _FAILS_ON_ASK)
        failed = lab.invoke("quiz-raises", {"fail": True})
        if failed.function_error != "Unhandled":
            raise AssertionError(f"the handler was meant to fail, got {failed.value!r}")
        return bool(lab.invoke("quiz-raises", {}).record.cold)


@experiment("the errorType of a provided.al2023 function whose ZIP has no bootstrap")
def custom_runtime_without_bootstrap_error() -> str:
    from lambda_lab.control.packaging import zip_files

    package = zip_files({"function.sh": b'handler () {\n  echo "{}"\n}\n'})
    with _lab() as lab:
        lab.deploy(
            "quiz-no-bootstrap", package, handler="function.handler", Runtime="provided.al2023"
        )
        return str(lab.invoke("quiz-no-bootstrap", {}).value["errorType"])


# -- configuration ----------------------------------------------------------------------------
@experiment("the handler setting, among the question's choices, that runs main() in app.py")
def handler_for_main_in_app_py() -> str:
    from lambda_lab.control.packaging import zip_files

    package = zip_files({"app.py": b"def main(event, context):\n    return 'ok'\n"})
    working = []
    with _lab() as lab:
        tried = {}
        for handler in HANDLER_CANDIDATES:
            lab.deploy("quiz-handler", package, handler=handler)
            result = lab.invoke("quiz-handler", {})
            tried[handler] = result.value if result.function_error else "ok"
            if result.function_error is None:
                working.append(handler)
        exhibit("Each handler setting, invoked once", tried)
    if len(working) != 1:
        raise AssertionError(f"expected exactly one working handler setting, got {working}")
    return working[0]


@experiment("the error code of UpdateFunctionConfiguration with 5 KB of environment variables")
def env_vars_over_4kb_error() -> str | None:
    with _lab() as lab:
        lab.deploy("quiz-env", _RETURNS_ONE)
        variables = {"SETTINGS": "x" * 5 * 1024}
        client = lab.client()
        return _error_code(
            lambda: client.update_function_configuration(
                FunctionName="quiz-env", Environment={"Variables": variables}
            )
        )


@experiment("whether Lambda accepts a function-defined value for the reserved AWS_REGION variable")
def reserved_env_var_accepted() -> bool:
    with _lab() as lab:
        lab.deploy("quiz-reserved", _RETURNS_ONE)
        client = lab.client()
        code = _error_code(
            lambda: client.update_function_configuration(
                FunctionName="quiz-reserved", Environment={"Variables": {"AWS_REGION": "eu-west-1"}}
            )
        )
        return code is None


@experiment("the error code of a synchronous Invoke whose payload is 7 MB")
def sync_payload_over_6mb_error() -> str | None:
    with _lab() as lab:
        lab.deploy("quiz-payload", _RETURNS_ONE)
        client = lab.client()
        payload = json.dumps({"report": "x" * 7 * 1024 * 1024})
        return _error_code(lambda: client.invoke(FunctionName="quiz-payload", Payload=payload))


@experiment("the version an alias on version 1 runs after version 2 is published")
def alias_runs_version_after_new_publish() -> str:
    with _lab() as lab:
        client = lab.client()
        lab.deploy("quiz-alias", "def lambda_handler(event, context):\n    return 'first'\n")
        first = client.publish_version(FunctionName="quiz-alias")["Version"]
        client.create_alias(FunctionName="quiz-alias", Name="prod", FunctionVersion=first)
        lab.deploy("quiz-alias", "def lambda_handler(event, context):\n    return 'second'\n")
        client.publish_version(FunctionName="quiz-alias")
        answer = client.invoke(FunctionName="quiz-alias", Qualifier="prod", Payload=b"{}")
        exhibit("Invoke quiz-alias:prod", {"ExecutedVersion": answer["ExecutedVersion"]})
        return str(answer["ExecutedVersion"])


@experiment("whether an invoke with no qualifier runs the version an alias points to")
def unqualified_invoke_runs_latest_not_alias() -> bool:
    with _lab() as lab:
        client = lab.client()
        for text in ("first", "second"):
            code = f"def lambda_handler(event, context):\n    return {text!r}\n"
            lab.deploy("quiz-unqualified", code)
            published = client.publish_version(FunctionName="quiz-unqualified")["Version"]
        client.create_alias(FunctionName="quiz-unqualified", Name="prod", FunctionVersion=published)
        ran = client.invoke(FunctionName="quiz-unqualified", Payload=b"{}")["ExecutedVersion"]
        exhibit("Invoke with no qualifier", {"ExecutedVersion": ran, "alias prod": published})
        if ran not in ("$LATEST", published):
            raise AssertionError(f"an unqualified invoke ran version {ran!r}")
        return ran == published


# -- serverless CRON --------------------------------------------------------------------------
@experiment("the one candidate schedule that fires at 18:00 UTC on the last Friday of each month")
def last_friday_schedule_expression() -> str:
    from lambda_lab.event_sources.matching.schedules import ScheduleError, fire_times

    year_start = datetime(2024, 1, 1, tzinfo=timezone.utc)
    year_end = datetime(2025, 1, 1, tzinfo=timezone.utc)
    wanted = []
    for month in range(1, 13):
        days = calendar.monthrange(2024, month)[1]
        last_friday = max(d for d in range(1, days + 1) if calendar.weekday(2024, month, d) == 4)
        wanted.append(datetime(2024, month, last_friday, 18, tzinfo=timezone.utc))
    matching = []
    for expression in LAST_FRIDAY_CANDIDATES:
        try:
            fired = list(fire_times(expression, year_start, year_end, created=year_start))
        except ScheduleError as exc:
            exhibit(f"{expression}: rejected", str(exc))
            continue
        exhibit(
            f"{expression}: fires in 2024 at",
            "\n".join(f"{t:%a %Y-%m-%d %H:%M} UTC" for t in fired[:14]) or "(never)",
        )
        if fired == wanted:
            matching.append(expression)
    if len(matching) != 1:
        raise AssertionError(f"expected exactly one matching expression, got {matching}")
    return matching[0]


# -- monitoring -------------------------------------------------------------------------------
@experiment("how many log streams a new function has after two overlapping invokes")
def log_streams_after_two_overlapping_invokes() -> int:
    with _lab() as lab:
        lab.deploy("quiz-overlap", _HALF_SECOND)
        calls = [threading.Thread(target=lab.invoke, args=("quiz-overlap", {})) for _ in range(2)]
        for call in calls:
            call.start()
        for call in calls:
            call.join()
        streams = lab.logs.streams("/aws/lambda/quiz-overlap")
        exhibit("Log streams of /aws/lambda/quiz-overlap", streams)
        return len(streams)


@experiment("how many REPORT lines carry Init Duration after three back-to-back invokes")
def init_duration_reports_in_three_invokes() -> int:
    with _lab() as lab:
        lab.deploy("quiz-init", _RETURNS_ONE)
        for _ in range(3):
            lab.invoke("quiz-init", {})
        events = lab.logs.events("/aws/lambda/quiz-init")
        reports = [e.message for e in events if e.message.startswith("REPORT")]
        return sum("Init Duration" in line for line in reports)


@experiment("the Invocations metric after three successful and two failed invokes")
def invocations_metric_with_two_failures() -> int:
    from lambda_lab.monitoring.metrics import INVOCATIONS, per_minute

    with _lab() as lab:
        lab.deploy("quiz-metrics", _FAILS_ON_ASK)
        for event in ({}, {"fail": True}, {}, {"fail": True}, {}):
            lab.invoke("quiz-metrics", event)
        points = per_minute(lab, INVOCATIONS, "quiz-metrics")
        exhibit("Invocations per minute", [{"minute": str(t), "Sum": v} for t, v in points])
        return round(sum(value for _, value in points))


@experiment("whether a request throttled by reserved concurrency 0 adds to the Invocations metric")
def throttled_request_counted_in_invocations() -> bool:
    from lambda_lab.errors import LambdaError
    from lambda_lab.monitoring.metrics import INVOCATIONS, THROTTLES, per_minute

    def total(name: str) -> float:
        return sum(value for _, value in per_minute(lab, name, "quiz-throttled"))

    with _lab() as lab:
        lab.deploy("quiz-throttled", _RETURNS_ONE)
        lab.invoke("quiz-throttled", {})
        before = total(INVOCATIONS)
        lab.client().put_function_concurrency(
            FunctionName="quiz-throttled", ReservedConcurrentExecutions=0
        )
        try:
            lab.invoke("quiz-throttled", {})
        except LambdaError as exc:
            if exc.code != "TooManyRequestsException":
                raise
        else:
            raise AssertionError("reserved concurrency 0 was meant to throttle the request")
        if total(THROTTLES) != 1:
            raise AssertionError(f"expected one throttle, the Lab counted {total(THROTTLES)}")
        exhibit("Metric totals", {"Invocations": total(INVOCATIONS), "Throttles": total(THROTTLES)})
        return total(INVOCATIONS) > before
