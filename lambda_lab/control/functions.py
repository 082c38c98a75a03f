"""Function configuration: AWS's fields, defaults and validation, and the registry of functions."""

from __future__ import annotations

import copy
import datetime
import re
import threading
import uuid
from dataclasses import dataclass, field
from typing import Any

from lambda_lab import errors, limits

RESERVED_ENV_KEYS = frozenset(
    {
        "_HANDLER", "_X_AMZN_TRACE_ID", "AWS_REGION", "AWS_EXECUTION_ENV", "AWS_LAMBDA_FUNCTION_NAME",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_LAMBDA_FUNCTION_VERSION", "AWS_LAMBDA_INITIALIZATION_TYPE",
        "AWS_LAMBDA_LOG_GROUP_NAME", "AWS_LAMBDA_LOG_STREAM_NAME", "AWS_ACCESS_KEY", "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_LAMBDA_RUNTIME_API", "LAMBDA_TASK_ROOT",
        "LAMBDA_RUNTIME_DIR",
    }
)  # fmt: skip
_ENV_KEY = re.compile(limits.ENV_VAR_KEY_PATTERN + r"\Z")
_NAME = re.compile(limits.FUNCTION_NAME_PATTERN + r"\Z")
SUPPORTED_RUNTIMES = limits.PYTHON_RUNTIMES + limits.CUSTOM_RUNTIMES


def _timestamp() -> str:
    """LastModified as AWS writes it: 2024-01-01T12:00:00.000+0000."""
    now = datetime.datetime.now(datetime.timezone.utc)
    return now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}+0000"


@dataclass
class FunctionConfig:
    """One function (its $LATEST), with AWS's defaults."""

    name: str
    region: str
    handler: str = "lambda_function.lambda_handler"
    runtime: str = "python3.12"
    role: str = f"arn:aws:iam::{limits.ACCOUNT_ID}:role/lambda-lab-role"
    memory_mb: int = limits.MEMORY_DEFAULT_MB
    timeout_s: int = limits.TIMEOUT_DEFAULT_S
    ephemeral_mb: int = limits.EPHEMERAL_DEFAULT_MB
    architecture: str = limits.DEFAULT_ARCHITECTURE
    environment: dict[str, str] = field(default_factory=dict)
    description: str = ""
    code_sha256: str = ""
    code_size: int = 0
    code_dir: str = ""
    log_level: str | None = None
    dead_letter_arn: str | None = None
    tracing_mode: str = "PassThrough"
    revision_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    last_modified: str = field(default_factory=_timestamp)
    generation: int = 0  # bumps on every code or configuration change; retires warm environments
    tags: dict[str, str] = field(default_factory=dict)
    layers: list[dict[str, Any]] = field(default_factory=list)  # [{"Arn", "CodeSize"}], in order

    @property
    def arn(self) -> str:
        return f"arn:aws:lambda:{self.region}:{limits.ACCOUNT_ID}:function:{self.name}"

    @property
    def log_group(self) -> str:
        return f"/aws/lambda/{self.name}"

    def touched(self) -> None:
        self.revision_id = str(uuid.uuid4())
        self.last_modified = _timestamp()
        self.generation += 1

    def as_aws(self, version: str = "$LATEST") -> dict[str, Any]:
        """The FunctionConfiguration document AWS returns."""
        doc: dict[str, Any] = {
            "FunctionName": self.name,
            "FunctionArn": self.arn if version == "$LATEST" else f"{self.arn}:{version}",
            "Runtime": self.runtime,
            "Role": self.role,
            "Handler": self.handler,
            "CodeSize": self.code_size,
            "Description": self.description,
            "Timeout": self.timeout_s,
            "MemorySize": self.memory_mb,
            "LastModified": self.last_modified,
            "CodeSha256": self.code_sha256,
            "Version": version,
            "TracingConfig": {"Mode": self.tracing_mode},
            "RevisionId": self.revision_id,
            "State": "Active",
            "LastUpdateStatus": "Successful",
            "PackageType": "Zip",
            "Architectures": [self.architecture],
            "EphemeralStorage": {"Size": self.ephemeral_mb},
            "SnapStart": {"ApplyOn": "None", "OptimizationStatus": "Off"},
            "LoggingConfig": {"LogFormat": "Text", "LogGroup": self.log_group},
        }
        if self.environment:
            doc["Environment"] = {"Variables": dict(self.environment)}
        if self.dead_letter_arn:
            doc["DeadLetterConfig"] = {"TargetArn": self.dead_letter_arn}
        if self.log_level:
            doc["LoggingConfig"]["ApplicationLogLevel"] = self.log_level
        if self.layers:
            doc["Layers"] = [dict(layer) for layer in self.layers]
        return doc


def validate_name(name: Any) -> str:
    if not isinstance(name, str) or not name:
        raise errors.ValidationException(
            f"1 validation error detected: Value '{name}' at 'functionName' failed to satisfy "
            "constraint: Member must have length greater than or equal to 1"
        )
    if len(name) > limits.FUNCTION_NAME_MAX_CHARS or not _NAME.match(name):
        raise errors.ValidationException(
            f"1 validation error detected: Value '{name}' at 'functionName' failed to satisfy constraint: "
            f"Member must satisfy regular expression pattern: {limits.FUNCTION_NAME_PATTERN} "
            f"(at most {limits.FUNCTION_NAME_MAX_CHARS} characters)"
        )
    return name


def _int_in_range(field_name: str, value: Any, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise errors.InvalidParameterValueException(
            f"{field_name} must be a whole number between {low} and {high} (got {value!r})"
        )
    if not low <= value <= high:
        raise errors.range_violation(field_name, value, low, high)
    return value


def apply_settings(config: FunctionConfig, settings: dict[str, Any]) -> None:
    """Validate AWS-named settings (MemorySize, Timeout, ...) and apply them to ``config``."""
    updated = copy.deepcopy(config)
    for key, value in settings.items():
        if value is None:
            continue
        if key == "MemorySize":
            updated.memory_mb = _int_in_range(
                "memorySize", value, limits.MEMORY_MIN_MB, limits.MEMORY_MAX_MB
            )
        elif key == "Timeout":
            updated.timeout_s = _int_in_range(
                "timeout", value, limits.TIMEOUT_MIN_S, limits.TIMEOUT_MAX_S
            )
        elif key == "EphemeralStorage":
            size = value.get("Size") if isinstance(value, dict) else value
            updated.ephemeral_mb = _int_in_range(
                "ephemeralStorage.size", size, limits.EPHEMERAL_MIN_MB, limits.EPHEMERAL_MAX_MB
            )
        elif key == "Handler":
            updated.handler = _validate_handler(value)
        elif key == "Runtime":
            updated.runtime = _validate_runtime(value)
        elif key == "Architectures":
            updated.architecture = _validate_architectures(value)
        elif key == "Environment":
            updated.environment = _validate_environment(value)
        elif key == "Description":
            if len(str(value)) > limits.DESCRIPTION_MAX_CHARS:
                raise errors.ValidationException(
                    f"1 validation error detected: Value at 'description' failed to satisfy constraint: "
                    f"Member must have length less than or equal to {limits.DESCRIPTION_MAX_CHARS}"
                )
            updated.description = str(value)
        elif key == "Role":
            updated.role = str(value)
        elif key == "DeadLetterConfig":
            updated.dead_letter_arn = (value or {}).get("TargetArn") or None
        elif key == "TracingConfig":
            updated.tracing_mode = value.get("Mode", "PassThrough")
        elif key == "LoggingConfig":
            updated.log_level = value.get("ApplicationLogLevel")
        elif key == "Tags":
            updated.tags = dict(value)
        elif key == "Layers":  # their existence and sizes are checked by the layer store
            if not isinstance(value, (list, tuple)) or not all(isinstance(a, str) for a in value):
                raise errors.InvalidParameterValueException(
                    f"Layers must be a list of layer version ARNs (got {value!r})"
                )
            updated.layers = [{"Arn": arn, "CodeSize": 0} for arn in value]
        else:
            raise errors.InvalidParameterValueException(f"Unknown or unsupported parameter: {key}")
    config.__dict__.update(updated.__dict__)


def check_settings(config: FunctionConfig, settings: dict[str, Any]) -> None:
    """Raise AWS's error for the first bad setting; change nothing."""
    apply_settings(copy.deepcopy(config), settings)


def _validate_handler(value: Any) -> str:
    if (
        not isinstance(value, str)
        or not value
        or len(value) > limits.HANDLER_MAX_CHARS
        or re.search(r"\s", value)
    ):
        raise errors.ValidationException(
            f"1 validation error detected: Value '{value}' at 'handler' failed to satisfy constraint: "
            f"Member must satisfy regular expression pattern: [^\\s]+ (1 to {limits.HANDLER_MAX_CHARS} characters)"
        )
    return value


def _validate_runtime(value: Any) -> str:
    if value in limits.DEPRECATED_PYTHON_RUNTIMES:
        raise errors.InvalidParameterValueException(
            f"The runtime parameter of {value} is no longer supported for creating or updating AWS Lambda "
            f"functions. We recommend you use a supported runtime: {', '.join(SUPPORTED_RUNTIMES)}."
        )
    if value not in SUPPORTED_RUNTIMES:
        raise errors.InvalidParameterValueException(
            f"Value {value!r} at 'runtime' is not a runtime the Lab runs; expected one of "
            f"{', '.join(SUPPORTED_RUNTIMES)}"
        )
    return value


def _validate_architectures(value: Any) -> str:
    if (
        not isinstance(value, (list, tuple))
        or len(value) != 1
        or value[0] not in limits.ARCHITECTURES
    ):
        raise errors.ValidationException(
            f"1 validation error detected: Value '{value}' at 'architectures' failed to satisfy constraint: "
            f"Member must be a list of exactly one of {list(limits.ARCHITECTURES)}"
        )
    return str(value[0])


def _validate_environment(value: Any) -> dict[str, str]:
    variables = (value or {}).get("Variables", {}) if isinstance(value, dict) else None
    if not isinstance(variables, dict):
        raise errors.InvalidParameterValueException(
            "Environment must look like {'Variables': {'KEY': 'value'}}"
        )
    bad = [k for k in variables if not isinstance(k, str) or not _ENV_KEY.match(k)]
    if bad:
        raise errors.ValidationException(
            f"1 validation error detected: Value at 'environment.variables' failed to satisfy constraint: "
            f"Map keys must satisfy constraint: [Member must satisfy regular expression pattern: "
            f"{limits.ENV_VAR_KEY_PATTERN}] (bad keys: {', '.join(map(str, bad))})"
        )
    reserved = sorted(set(variables) & RESERVED_ENV_KEYS)
    if reserved:
        raise errors.InvalidParameterValueException(
            "Lambda was unable to configure your environment variables because the environment variables "
            "you have provided contains reserved keys that are currently not supported for modification. "
            f"Reserved keys used in this request: {', '.join(reserved)}"
        )
    text = {str(k): str(v) for k, v in variables.items()}
    size = sum(len(k.encode()) + len(v.encode()) for k, v in text.items())
    if size > limits.ENV_VARS_MAX_BYTES:
        raise errors.InvalidParameterValueException(
            "Lambda was unable to configure your environment variables because the environment variables "
            f"you have provided exceeded the 4KB limit. String measured: {size} bytes"
        )
    return text


class Registry:
    """The account's functions, by name; thread-safe."""

    def __init__(self, region: str) -> None:
        self.region = region
        self._functions: dict[str, FunctionConfig] = {}
        self._lock = threading.RLock()

    def resolve_name(self, function_name: str) -> tuple[str, str | None]:
        """A name, partial ARN or full ARN (with or without qualifier) -> (name, qualifier)."""
        text = str(function_name)
        if text.startswith("arn:"):
            parts = text.split(":")
            if len(parts) < 7 or parts[2] != "lambda" or parts[5] != "function":
                raise errors.ValidationException(f"Invalid function ARN: {text}")
            return parts[6], (parts[7] if len(parts) > 7 else None)
        parts = text.split(":")
        if len(parts) >= 3 and parts[1] == "function":  # 123456789012:function:name[:qualifier]
            return parts[2], (parts[3] if len(parts) > 3 else None)
        if len(parts) == 2:
            return parts[0], parts[1]
        return text, None

    def add(self, config: FunctionConfig) -> None:
        with self._lock:
            if config.name in self._functions:
                raise errors.ResourceConflictException(f"Function already exist: {config.name}")
            self._functions[config.name] = config

    def get(self, function_name: str) -> FunctionConfig:
        name, _ = self.resolve_name(function_name)
        with self._lock:
            found = self._functions.get(name)
        if found is None:
            raise errors.function_not_found(
                f"arn:aws:lambda:{self.region}:{limits.ACCOUNT_ID}:function:{name}"
            )
        return found

    def remove(self, function_name: str) -> FunctionConfig:
        config = self.get(function_name)
        with self._lock:
            del self._functions[config.name]
        return config

    def all(self) -> list[FunctionConfig]:
        with self._lock:
            return sorted(self._functions.values(), key=lambda f: f.name)

    def __contains__(self, name: str) -> bool:
        return name in self._functions
