"""Lab experiments on a function's own life: defaults, errors, logs, context, versions,
memory and CPU. Each one is a small demonstration a question's "show me" runs.

Like the others, they deploy into a fresh Lab, do one thing a question describes, and
return what the Lab answered; the logs the Lab wrote become exhibits by themselves.
"""

from __future__ import annotations

import base64
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from lambda_lab.quiz.evidence import exhibit, experiment_lab
from lambda_lab.quiz.experiments import experiment

_RETURNS_ONE = "def lambda_handler(event, context):\n    return 1\n"
_RETURNS_A_SET = "def lambda_handler(event, context):\n    return {'tags': {'a', 'b'}}\n"
_PRINTS = "def lambda_handler(event, context):\n    print('hello from the handler')\n"
_CONTEXT = """
def lambda_handler(event, context):
    return {
        "aws_request_id": context.aws_request_id,
        "function_name": context.function_name,
        "function_version": context.function_version,
        "memory_limit_in_mb": context.memory_limit_in_mb,
        "log_group_name": context.log_group_name,
        "remaining_ms": context.get_remaining_time_in_millis(),
    }
"""
_CREDENTIALS = """
import os

NAMES = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")

def lambda_handler(event, context):
    return {name: name in os.environ for name in NAMES}
"""
_CPU_BOUND = """
import time

def lambda_handler(event, context):
    total = 0
    for number in range(2_000_000):
        total += number
    return total
"""
_WAITS = "import time\n\ndef lambda_handler(event, context):\n    time.sleep(0.05)\n    return 1\n"


@contextmanager
def _lab(**options: Any) -> Iterator[Any]:
    with experiment_lab(**options) as lab:
        yield lab


# -- defaults, errors and logs -----------------------------------------------------------------
@experiment("the MemorySize of a function created without one, in MB")
def default_memory_of_a_new_function() -> int:
    with _lab() as lab:
        lab.deploy("quiz-defaults", _RETURNS_ONE)
        config = lab.client().get_function_configuration(FunctionName="quiz-defaults")
        exhibit(
            "GetFunctionConfiguration (a few fields)",
            {k: config[k] for k in ("MemorySize", "Timeout", "EphemeralStorage", "Architectures")},
        )
        return int(config["MemorySize"])


@experiment("the errorType of a handler that returns a set, which JSON cannot hold")
def set_in_response_error_type() -> str:
    with _lab() as lab:
        lab.deploy("quiz-set", _RETURNS_A_SET)
        result = lab.invoke("quiz-set", {})
        exhibit("The error document the caller receives", result.value)
        return str(result.value["errorType"])


@experiment("the errorType when the handler setting names a function the module lacks")
def handler_not_found_error_type() -> str:
    with _lab() as lab:
        lab.deploy(
            "quiz-handler",
            "def main(event, context):\n    return 1\n",
            handler="lambda_function.handler",
        )
        result = lab.invoke("quiz-handler", {})
        exhibit("The error document the caller receives", result.value)
        return str(result.value["errorType"])


@experiment("the errorType when the ZIP holds build/app.py and the handler is app.handler")
def handler_module_in_a_subfolder_error() -> str:
    from lambda_lab.control.packaging import zip_files

    package = zip_files({"build/app.py": b"def handler(event, context):\n    return 1\n"})
    with _lab() as lab:
        lab.deploy("quiz-layout", package, handler="app.handler")
        result = lab.invoke("quiz-layout", {})
        exhibit("The error document the caller receives", result.value)
        return str(result.value["errorType"])


@experiment("the log group a function's print() lines go to")
def log_group_of_a_print() -> str:
    with _lab() as lab:
        lab.deploy("quiz-print", _PRINTS)
        lab.invoke("quiz-print", {})
        (group,) = [g for g in lab.logs.groups() if g.endswith("quiz-print")]
        return group


@experiment("the values a Python handler reads from its context object")
def context_fields_of_an_invoke() -> dict[str, Any]:
    with _lab() as lab:
        lab.deploy("quiz-context", _CONTEXT, Timeout=5)
        return dict(lab.invoke("quiz-context", {}).value)


@experiment("what LogType=Tail returns: the decoded tail of the invocation's log")
def log_tail_of_a_sync_invoke() -> int:
    with _lab() as lab:
        lab.deploy("quiz-tail", _PRINTS)
        result = lab.invoke("quiz-tail", {}, log_type="Tail")
        decoded = base64.b64decode(result.log_result or "")
        exhibit("LogResult, base64-decoded", decoded.decode(errors="replace"))
        return len(decoded)


@experiment("which of the execution role's credentials a handler finds in its environment")
def execution_role_credentials_in_the_environment() -> dict[str, bool]:
    with _lab() as lab:
        lab.deploy("quiz-credentials", _CREDENTIALS)
        return dict(lab.invoke("quiz-credentials", {}).value)


# -- environments, versions and aliases -------------------------------------------------------
@experiment("whether the invoke after a change of environment variables is a cold start")
def cold_start_after_a_configuration_change() -> bool:
    with _lab() as lab:
        lab.deploy("quiz-config", _RETURNS_ONE)
        first = lab.invoke("quiz-config", {})
        second = lab.invoke("quiz-config", {})
        lab.client().update_function_configuration(
            FunctionName="quiz-config", Environment={"Variables": {"LOG_LEVEL": "DEBUG"}}
        )
        third = lab.invoke("quiz-config", {})
        runs = [("first", first), ("second", second), ("after the change", third)]
        exhibit("Cold or warm", {name: r.record.cold for name, r in runs if r.record})
        return bool(third.record and third.record.cold)


@experiment("the version an alias runs after update-alias moves it from 1 to 2")
def alias_update_moves_traffic() -> str:
    with _lab() as lab:
        client = lab.client()
        for text in ("first", "second"):
            lab.deploy(
                "quiz-release", f"def lambda_handler(event, context):\n    return {text!r}\n"
            )
            version = client.publish_version(FunctionName="quiz-release")["Version"]
            if text == "first":
                client.create_alias(
                    FunctionName="quiz-release", Name="prod", FunctionVersion=version
                )
        before = client.invoke(FunctionName="quiz-release", Qualifier="prod", Payload=b"{}")
        client.update_alias(FunctionName="quiz-release", Name="prod", FunctionVersion=version)
        after = client.invoke(FunctionName="quiz-release", Qualifier="prod", Payload=b"{}")
        exhibit(
            "ExecutedVersion of quiz-release:prod",
            {
                "before update-alias": before["ExecutedVersion"],
                "after update-alias": after["ExecutedVersion"],
            },
        )
        return str(after["ExecutedVersion"])


@experiment("the share of 200 invokes of a 20 %-weighted alias that ran the second version")
def weighted_alias_splits_traffic() -> float:
    with _lab() as lab:
        client = lab.client()
        versions = []
        for number in (1, 2):
            lab.deploy(
                "quiz-weights", f"def lambda_handler(event, context):\n    return {number}\n"
            )
            versions.append(client.publish_version(FunctionName="quiz-weights")["Version"])
        client.create_alias(
            FunctionName="quiz-weights",
            Name="live",
            FunctionVersion=versions[0],
            RoutingConfig={"AdditionalVersionWeights": {versions[1]: 0.2}},
        )
        ran = Counter(
            client.invoke(FunctionName="quiz-weights", Qualifier="live", Payload=b"{}")[
                "ExecutedVersion"
            ]
            for _ in range(200)
        )
        exhibit("ExecutedVersion of 200 invokes of quiz-weights:live", dict(ran))
        return ran[versions[1]] / 200


@experiment("which MemorySize values UpdateFunctionConfiguration accepts among 64 ... 20480")
def memory_sizes_accepted() -> list[int]:
    with _lab() as lab:
        from botocore.config import Config

        lab.deploy("quiz-memory", _RETURNS_ONE)
        # The SDK would refuse 64 itself; let the Lab's own (AWS's) validation answer.
        client = lab.client(config=Config(parameter_validation=False))
        outcome: dict[int, str] = {}
        for size in (64, 1000, 10_240, 12_288, 20_480):
            try:
                client.update_function_configuration(FunctionName="quiz-memory", MemorySize=size)
                outcome[size] = "accepted"
            except client.exceptions.ClientError as exc:
                outcome[size] = exc.response["Error"]["Message"]
        exhibit("UpdateFunctionConfiguration with each MemorySize", outcome)
        return [size for size, said in outcome.items() if said == "accepted"]


@experiment("how many times faster a CPU-bound handler runs at 1,769 MB than at 128 MB")
def cpu_bound_faster_with_more_memory() -> float:
    with _lab() as lab:
        durations = {}
        for memory in (128, 1769):
            lab.deploy("quiz-cpu", _CPU_BOUND, MemorySize=memory)
            lab.invoke("quiz-cpu", {})  # the cold start, not measured
            record = lab.invoke("quiz-cpu", {}).record
            durations[memory] = record.duration_ms if record else float("nan")
        exhibit("Warm duration (ms) at each memory size", durations)
        return round(durations[128] / durations[1769], 1)


@experiment("the cheapest memory size power tuning finds for a handler that only waits")
def power_tuning_an_io_bound_function() -> int:
    from lambda_lab.pricing.power_tuning import power_tune

    with _lab() as lab:
        lab.deploy("quiz-waits", _WAITS)
        tuning = power_tune(lab, "quiz-waits", {}, memory_sizes=(128, 512, 2048), runs=2)
        exhibit("Power tuning: cost and speed per memory size", tuning._repr_markdown_())
        return tuning.cheapest.memory_mb


def _billed_ms_of_report(
    duration_ms: float, memory_mb: int, max_memory_used_mb: int, init_ms: float | None = None
) -> int:
    """Billed Duration of the REPORT line the Lab writes for a run with these figures."""
    from lambda_lab.monitoring.logs import report_line
    from lambda_lab.monitoring.records import InvocationRecord

    record = InvocationRecord(
        request_id="quiz",
        function_name="quiz",
        version="$LATEST",
        invocation_type="RequestResponse",
        outcome="success",
        start=0.0,
        duration_ms=duration_ms,
        memory_mb=memory_mb,
        max_memory_used_mb=max_memory_used_mb,
        cold=init_ms is not None,
        init_duration_ms=init_ms,
    )
    exhibit("The REPORT line the Lab writes for this record", report_line(record))
    return record.billed_duration_ms


@experiment("Billed Duration of a warm invocation that ran 100.2 ms")
def billed_ms_of_a_warm_100_2_ms_run() -> int:
    return _billed_ms_of_report(100.2, memory_mb=128, max_memory_used_mb=40)


@experiment("Billed Duration of a cold start with Duration 38.21 ms and Init Duration 211.40 ms")
def billed_ms_of_cold_start_report() -> int:
    return _billed_ms_of_report(38.21, memory_mb=512, max_memory_used_mb=71, init_ms=211.40)
