"""One event source mapping's settings: AWS's parameters, defaults, ranges and errors.

Sources the Lab polls: SQS queues, Kinesis streams and DynamoDB streams (facts section 7).
:func:`apply` validates CreateEventSourceMapping / UpdateEventSourceMapping parameters the
way Lambda does and :meth:`MappingConfig.as_aws` answers with the
EventSourceMappingConfiguration document.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from lambda_lab import errors, limits
from lambda_lab.event_sources.mappings.filters import validate_filter_criteria
from lambda_lab.event_sources.matching.patterns import PatternError

SQS, KINESIS, DYNAMODB = "sqs", "kinesis", "dynamodb"
STARTING_POSITIONS = {
    KINESIS: ("TRIM_HORIZON", "LATEST", "AT_TIMESTAMP"),
    DYNAMODB: ("TRIM_HORIZON", "LATEST"),
}
STREAM_ONLY = (
    "StartingPosition", "StartingPositionTimestamp", "ParallelizationFactor", "BisectBatchOnFunctionError",
    "MaximumRetryAttempts", "MaximumRecordAgeInSeconds", "DestinationConfig",
)  # fmt: skip
UPDATABLE = ("FunctionName", "Enabled", "BatchSize", "FilterCriteria", "MaximumBatchingWindowInSeconds",
             "ParallelizationFactor", "DestinationConfig", "MaximumRecordAgeInSeconds", "BisectBatchOnFunctionError",
             "MaximumRetryAttempts", "TumblingWindowInSeconds", "FunctionResponseTypes", "ScalingConfig")  # fmt: skip
CREATE_ONLY = ("EventSourceArn", "StartingPosition", "StartingPositionTimestamp", "Tags")


def source_kind(arn: Any) -> str:
    """``sqs`` | ``kinesis`` | ``dynamodb`` from an event source ARN."""
    parts = arn.split(":") if isinstance(arn, str) else []
    if len(parts) >= 6 and parts[0] == "arn":
        if parts[2] == "sqs":
            return SQS
        if parts[2] == "kinesis" and parts[5].startswith("stream/"):
            return KINESIS
        if parts[2] == "dynamodb" and "/stream/" in parts[5]:
            return DYNAMODB
    raise errors.InvalidParameterValueException(
        f"Unrecognized event source: {arn!r}. The Lab polls SQS queues (arn:aws:sqs:...), Kinesis streams "
        "(arn:aws:kinesis:...:stream/name) and DynamoDB streams (arn:aws:dynamodb:...:table/name/stream/label)."
    )


@dataclass
class MappingConfig:
    source_arn: str
    kind: str
    function_name: str
    function_arn: str
    uuid: str = field(default_factory=lambda: str(uuid.uuid4()))
    enabled: bool = True
    batch_size: int = limits.SQS_BATCH_DEFAULT
    window_s: int = 0
    starting_position: str | None = None
    starting_timestamp: float | None = None
    parallelization: int = 1
    bisect: bool = False
    max_retries: int = -1
    max_record_age_s: int = -1
    on_failure: str | None = None
    tumbling_window_s: int = 0  # TumblingWindowInSeconds: 0 means no tumbling window
    report_item_failures: bool = False
    filters: list[dict[str, str]] = field(default_factory=list)
    maximum_concurrency: int | None = None
    state: str = "Creating"
    last_modified: float = 0.0
    last_result: str = "No records processed"

    @property
    def arn(self) -> str:
        region, account = self.function_arn.split(":")[3:5]
        return f"arn:aws:lambda:{region}:{account}:event-source-mapping:{self.uuid}"

    def as_aws(self, state: str | None = None) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "UUID": self.uuid,
            "BatchSize": self.batch_size,
            "MaximumBatchingWindowInSeconds": self.window_s,
            "EventSourceArn": self.source_arn,
            "FunctionArn": self.function_arn,
            "LastModified": self.last_modified,
            "State": state or self.state,
            "StateTransitionReason": "USER_INITIATED",
            "FunctionResponseTypes": ["ReportBatchItemFailures"]
            if self.report_item_failures
            else [],
            "EventSourceMappingArn": self.arn,
        }
        if self.filters:
            doc["FilterCriteria"] = {"Filters": [dict(f) for f in self.filters]}
        if self.kind == SQS:
            if self.maximum_concurrency is not None:
                doc["ScalingConfig"] = {"MaximumConcurrency": self.maximum_concurrency}
            return doc
        doc.update(
            StartingPosition=self.starting_position,
            ParallelizationFactor=self.parallelization,
            BisectBatchOnFunctionError=self.bisect,
            MaximumRetryAttempts=self.max_retries,
            MaximumRecordAgeInSeconds=self.max_record_age_s,
            TumblingWindowInSeconds=self.tumbling_window_s,
            DestinationConfig={
                "OnFailure": {"Destination": self.on_failure} if self.on_failure else {}
            },
            LastProcessingResult=self.last_result,
        )
        if self.starting_timestamp is not None:
            doc["StartingPositionTimestamp"] = self.starting_timestamp
        return doc


def _number(
    params: dict[str, Any], name: str, wire: str, low: int, high: int, allowed: tuple[int, ...] = ()
) -> int | None:
    value = params.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise errors.InvalidParameterValueException(
            f"{name} must be a whole number (got {value!r})"
        )
    if value in allowed:
        return value
    if not low <= value <= high:
        raise errors.range_violation(wire, value, low, high)
    return value


def apply(config: MappingConfig, params: dict[str, Any], creating: bool) -> None:
    """Validate ``params`` against the source's rules and store them in ``config``."""
    allowed = set(UPDATABLE) | (set(CREATE_ONLY) if creating else {"UUID"})
    unknown = sorted(set(params) - allowed)
    if unknown:
        raise errors.InvalidParameterValueException(
            f"Unsupported parameter(s) for the Lab's event source mappings: {', '.join(unknown)}"
        )
    stream = config.kind != SQS
    if not stream and params.get("TumblingWindowInSeconds") is not None:
        # AWS's wording for a parameter the source type does not take, as it answers for
        # maximumBatchingWindowInSeconds on Kafka; the same words here are UNCONFIRMED.
        raise errors.InvalidParameterValueException(
            "Unsupported 'tumblingWindowInSeconds' parameter for given event source mapping type."
        )
    if not stream:
        misplaced = sorted(k for k in STREAM_ONLY if params.get(k) is not None)
        if misplaced:
            raise errors.InvalidParameterValueException(
                f"{', '.join(misplaced)} cannot be used with an SQS event source "
                "(for failed messages, give the queue a redrive policy with a dead-letter queue)"
            )
    if "Enabled" in params and params["Enabled"] is not None:
        config.enabled = bool(params["Enabled"])
    maximum = limits.STREAM_BATCH_MAX if stream else limits.SQS_BATCH_MAX
    if config.source_arn.endswith(".fifo"):
        maximum = limits.SQS_FIFO_BATCH_MAX
    config.batch_size = _number(params, "BatchSize", "batchSize", 1, maximum) or config.batch_size
    window = _number(
        params,
        "MaximumBatchingWindowInSeconds",
        "maximumBatchingWindowInSeconds",
        0,
        limits.BATCHING_WINDOW_MAX_S,
    )
    config.window_s = config.window_s if window is None else window
    if not stream and config.batch_size > limits.SQS_RECEIVE_MAX and config.window_s < 1:
        raise errors.InvalidParameterValueException(
            "Maximum batch window in seconds must be greater than 0 if maximum batch size is greater than 10"
        )
    if "FunctionResponseTypes" in params:
        types = params["FunctionResponseTypes"] or []
        if not isinstance(types, list) or any(t != "ReportBatchItemFailures" for t in types):
            raise errors.InvalidParameterValueException(
                f"FunctionResponseTypes may only be ['ReportBatchItemFailures'] (got {types!r})"
            )
        config.report_item_failures = bool(types)
    if "FilterCriteria" in params:
        config.filters = _filters(config.kind, params["FilterCriteria"])
    if "ScalingConfig" in params and not stream:
        concurrency = (params["ScalingConfig"] or {}).get("MaximumConcurrency")
        config.maximum_concurrency = _number(
            {"MaximumConcurrency": concurrency},
            "MaximumConcurrency",
            "scalingConfig.maximumConcurrency",
            2,
            limits.SQS_POLLERS_MAX,
        )
    if stream:
        _apply_stream(config, params, creating)


def _apply_stream(config: MappingConfig, params: dict[str, Any], creating: bool) -> None:
    if creating:
        position = params.get("StartingPosition")
        choices = STARTING_POSITIONS[config.kind]
        if position not in choices:
            raise errors.InvalidParameterValueException(
                f"StartingPosition must be one of {', '.join(choices)} for a {config.kind} stream (got {position!r})"
            )
        config.starting_position = position
        if position == "AT_TIMESTAMP":
            stamp = params.get("StartingPositionTimestamp")
            if stamp is None:
                raise errors.InvalidParameterValueException(
                    "StartingPositionTimestamp is required with AT_TIMESTAMP"
                )
            config.starting_timestamp = float(
                stamp.timestamp() if hasattr(stamp, "timestamp") else stamp
            )
    factor = _number(
        params,
        "ParallelizationFactor",
        "parallelizationFactor",
        1,
        limits.PARALLELIZATION_FACTOR_MAX,
    )
    config.parallelization = factor or config.parallelization
    retries = _number(
        params,
        "MaximumRetryAttempts",
        "maximumRetryAttempts",
        0,
        limits.STREAM_RETRY_ATTEMPTS_MAX,
        (-1,),
    )
    config.max_retries = config.max_retries if retries is None else retries
    age = _number(
        params,
        "MaximumRecordAgeInSeconds",
        "maximumRecordAgeInSeconds",
        60,
        limits.RECORD_AGE_MAX_S,
        (-1,),
    )
    config.max_record_age_s = config.max_record_age_s if age is None else age
    tumbling = _number(
        params,
        "TumblingWindowInSeconds",
        "tumblingWindowInSeconds",
        0,
        limits.TUMBLING_WINDOW_MAX_S,
    )
    config.tumbling_window_s = config.tumbling_window_s if tumbling is None else tumbling
    if params.get("BisectBatchOnFunctionError") is not None:
        config.bisect = bool(params["BisectBatchOnFunctionError"])
    if "DestinationConfig" in params:
        target = ((params["DestinationConfig"] or {}).get("OnFailure") or {}).get("Destination")
        if target is not None and target.split(":")[2:3] not in (["sqs"], ["sns"], ["s3"]):
            raise errors.InvalidParameterValueException(
                "The OnFailure destination of a stream mapping must be an SQS queue, SNS topic or S3 bucket "
                f"(got {target!r})"
            )
        config.on_failure = target


def _filters(kind: str, criteria: Any) -> list[dict[str, str]]:
    if criteria is None:
        return []
    try:
        validate_filter_criteria(kind, criteria)
    except PatternError as exc:
        error = errors.ALL_ERRORS.get(exc.code, errors.InvalidParameterValueException)
        raise error(exc.message) from None
    return [{"Pattern": f["Pattern"]} for f in criteria.get("Filters", [])]
