"""Function configuration: AWS's fields, defaults and validation, and the registry of functions.

The registry holds each function's live ``$LATEST``; what state it is in (Pending,
Active, an update InProgress) is :mod:`lambda_lab.control.lifecycle`'s.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
import threading
from dataclasses import dataclass, field
from typing import Any

from lambda_lab import errors, ids, limits
from lambda_lab.control import arns

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
# The runtimes AWS accepts for new functions, as its error message lists them (recorded 2026).
AWS_RUNTIMES = (
    "nodejs20.x", "nodejs22.x", "nodejs24.x", *limits.PYTHON_RUNTIMES, "java8.al2", "java11",
    "java17", "java21", "java25", "dotnet8", "dotnet10", "ruby3.2", "ruby3.3", "ruby3.4",
    *limits.CUSTOM_RUNTIMES,
)  # fmt: skip


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
    environment_set: bool = False  # AWS shows Environment, even empty, once a call set it
    description: str = ""
    code_sha256: str = ""
    code_size: int = 0
    code_dir: str = ""
    log_level: str | None = None
    dead_letter_arn: str | None = None
    tracing_mode: str = "PassThrough"
    revision_id: str = field(default_factory=ids.uuid4)
    last_modified: str = ""  # set from the Lab's clock by the control plane
    generation: int = 0  # bumps on every code or configuration change; retires warm environments
    tags: dict[str, str] = field(default_factory=dict)
    layers: list[dict[str, Any]] = field(default_factory=list)  # [{"Arn", "CodeSize"}], in order

    @property
    def arn(self) -> str:
        return f"arn:aws:lambda:{self.region}:{limits.ACCOUNT_ID}:function:{self.name}"

    @property
    def log_group(self) -> str:
        return f"/aws/lambda/{self.name}"

    def touched(self, last_modified: str) -> None:
        """A code or configuration change, at ``last_modified`` (AWS's timestamp format)."""
        self.revision_id = ids.uuid4()
        self.last_modified = last_modified
        self.generation += 1

    @property
    def runtime_version_arn(self) -> str:
        """The runtime version a function runs (AWS: ``arn:aws:lambda:REGION::runtime:<hash>``)."""
        digest = hashlib.sha256(f"lambda-lab/{self.runtime}".encode()).hexdigest()
        return f"arn:aws:lambda:{self.region}::runtime:{digest}"

    def as_aws(
        self,
        version: str = "$LATEST",
        *,
        arn: str | None = None,
        status: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """The FunctionConfiguration document AWS returns.

        ``arn`` is the FunctionArn to show (AWS qualifies it as the caller did); ``status``
        holds the state members (:class:`lambda_lab.control.lifecycle.Status`). Without a
        status this is a list item, which AWS sends without states or RuntimeVersionConfig.
        """
        doc: dict[str, Any] = {
            "FunctionName": self.name,
            "FunctionArn": arn or (self.arn if version == "$LATEST" else f"{self.arn}:{version}"),
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
            "PackageType": "Zip",
            "Architectures": [self.architecture],
            "EphemeralStorage": {"Size": self.ephemeral_mb},
            "SnapStart": {"ApplyOn": "None", "OptimizationStatus": "Off"},
            "LoggingConfig": {"LogFormat": "Text", "LogGroup": self.log_group},
        }
        if status is not None:
            doc.update(status)
            doc["RuntimeVersionConfig"] = {"RuntimeVersionArn": self.runtime_version_arn}
        if self.environment or self.environment_set:
            doc["Environment"] = {"Variables": dict(self.environment)}
        if self.dead_letter_arn:
            doc["DeadLetterConfig"] = {"TargetArn": self.dead_letter_arn}
        if self.log_level:
            doc["LoggingConfig"]["ApplicationLogLevel"] = self.log_level
        if self.layers:
            doc["Layers"] = [dict(layer) for layer in self.layers]
        return doc


def validate_name(function_name: Any) -> str:
    """The name CreateFunction creates (it may be given as an ARN): AWS's 64-character rule."""
    if not isinstance(function_name, str) or not function_name:
        raise errors.validation_error(
            [errors.violation("functionName", function_name or None, "Member must not be null")]
        )
    name = arns.parse(function_name).name
    if (
        len(name) > limits.FUNCTION_NAME_MAX_CHARS
    ):  # recorded: this one is not a ValidationException
        raise errors.InvalidParameterValueException(
            "1 validation error detected: "
            + errors.violation(
                "functionName",
                name,
                f"Member must have length less than or equal to {limits.FUNCTION_NAME_MAX_CHARS}",
            )
        )
    if not _NAME.match(name):
        raise errors.validation_error(
            [
                errors.violation(
                    "functionName",
                    function_name,
                    f"Member must satisfy regular expression pattern: {limits.FUNCTION_NAME_PATTERN}",
                )
            ]
        )
    return name


def apply_settings(config: FunctionConfig, settings: dict[str, Any]) -> None:
    """Validate AWS-named settings (MemorySize, Timeout, ...) and apply them to ``config``."""
    updated = copy.deepcopy(config)
    for key, value in settings.items():
        if value is None:
            continue
        if key == "MemorySize":
            updated.memory_mb = errors.check_range(
                "memorySize", value, limits.MEMORY_MIN_MB, limits.MEMORY_MAX_MB
            )
        elif key == "Timeout":
            updated.timeout_s = errors.check_range(
                "timeout", value, limits.TIMEOUT_MIN_S, limits.TIMEOUT_MAX_S
            )
        elif key == "EphemeralStorage":
            size = value.get("Size") if isinstance(value, dict) else value
            updated.ephemeral_mb = errors.check_range(
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
            updated.environment_set = True
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
    if value in AWS_RUNTIMES and value not in SUPPORTED_RUNTIMES:
        raise errors.InvalidParameterValueException(
            f"The Lab runs Python and custom runtimes only: {value} works on AWS but not here; "
            f"use one of {', '.join(SUPPORTED_RUNTIMES)}"
        )
    if value not in SUPPORTED_RUNTIMES:  # AWS's own wording, not a ValidationException
        raise errors.InvalidParameterValueException(
            f"Value {value} at 'runtime' failed to satisfy constraint: Member must satisfy enum "
            f"value set: [{', '.join(AWS_RUNTIMES)}] or be a valid ARN"
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
    measured = json.dumps(text, separators=(",", ":"), ensure_ascii=False)  # what AWS measures
    if len(measured.encode()) > limits.ENV_VARS_MAX_BYTES:
        raise errors.InvalidParameterValueException(
            "Lambda was unable to configure your environment variables because the environment variables "
            f"you have provided exceeded the 4KB limit. String measured: {measured}"
        )
    return text


class Registry:
    """The account's functions, by name; thread-safe."""

    def __init__(self, region: str) -> None:
        self.region = region
        self._functions: dict[str, FunctionConfig] = {}
        self._lock = threading.RLock()

    def resolve_name(self, function_name: str) -> tuple[str, str | None]:
        """A name, partial ARN or full ARN (with or without qualifier) -> (name, qualifier).

        An ARN of another Region or account gets AWS's answer for it.
        """
        ref = arns.parse(function_name)
        arns.check_reachable(ref, self.region, limits.ACCOUNT_ID)
        return ref.name, ref.qualifier

    def add(self, config: FunctionConfig) -> None:
        with self._lock:
            if config.name in self._functions:
                raise errors.ResourceConflictException(f"Function already exist: {config.name}")
            self._functions[config.name] = config

    def get(self, function_name: str, shown_qualifier: str | None = None) -> FunctionConfig:
        """The function a name or ARN names. Not found: AWS's error, whose ARN carries
        ``shown_qualifier`` when the operation names one (``$LATEST``, a version, an alias)."""
        name, _ = self.resolve_name(function_name)
        with self._lock:
            found = self._functions.get(name)
        if found is None:
            raise errors.function_not_found(
                arns.function_arn(self.region, limits.ACCOUNT_ID, name, shown_qualifier)
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
