"""Lambda layers: published versions, their permissions, and what a function mounts at /opt.

A layer version is an immutable ZIP with a number that is never reused. A function lists
up to five layer version ARNs (``Layers``); each cold start mounts their contents merged
in that order (a later layer's file wins) read-only at /opt, and the Python runtime
imports from /opt/python and /opt/python/lib/python3.x/site-packages. Code plus layers may
unzip to at most 250 MB. Deleting a version hides it from new functions, but functions
that already use it keep working, as on AWS.

How a layer reaches /opt: :meth:`LayerStore.opt_dir` gives the folder that holds a
function's layers merged (hard links into ``<lab>/opt/<key>``), built once per list of
ARNs; the execution environment binds that folder at /opt (see environments/mounts.py).
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from lambda_lab import aws_time, errors, ids, limits
from lambda_lab.control import layer_policies, packaging

_NAME = re.compile(r"[a-zA-Z0-9-_]{1,140}\Z")
_VERSION_ARN = re.compile(r"arn:aws:lambda:([a-z0-9-]+):(\d{12}):layer:([a-zA-Z0-9-_]+):([0-9]+)\Z")
NOT_FOUND = "The resource you requested does not exist."


@dataclass
class LayerVersion:
    name: str
    version: int
    arn: str  # the layer's ARN, without the version
    content_dir: str
    code_sha256: str
    code_size: int
    unzipped_size: int
    description: str = ""
    compatible_runtimes: list[str] = field(default_factory=list)
    compatible_architectures: list[str] = field(default_factory=list)
    license_info: str | None = None
    created: str = ""  # CreatedDate, from the Lab's clock (aws_time.function_timestamp)
    statements: list[dict[str, Any]] = field(default_factory=list)
    policy_revision: str = field(default_factory=ids.uuid4)

    @property
    def version_arn(self) -> str:
        return f"{self.arn}:{self.version}"

    def as_aws(self, with_content: bool = True) -> dict[str, Any]:
        doc: dict[str, Any] = {}
        if with_content:
            doc["Content"] = {
                "Location": f"file://{self.content_dir}.zip",
                "CodeSha256": self.code_sha256,
                "CodeSize": self.code_size,
            }
            doc["LayerArn"] = self.arn
        doc.update(
            {
                "LayerVersionArn": self.version_arn,
                "Description": self.description,
                "CreatedDate": self.created,
                "Version": self.version,
            }
        )
        if self.compatible_runtimes:
            doc["CompatibleRuntimes"] = list(self.compatible_runtimes)
        if self.compatible_architectures:
            doc["CompatibleArchitectures"] = list(self.compatible_architectures)
        if self.license_info is not None:
            doc["LicenseInfo"] = self.license_info
        return doc


class LayerStore:
    """The account's layers in one Region; thread-safe."""

    def __init__(self, root_dir: str, region: str, now: Callable[[], float]) -> None:
        self.region = region
        self._now = now  # the Lab's clock: CreatedDate and the date runtimes are judged on
        self._root = root_dir
        self._versions: dict[str, dict[int, LayerVersion]] = {}  # live versions
        self._all: dict[str, LayerVersion] = {}  # by version ARN, deleted ones too
        self._last: dict[str, int] = {}  # numbers are never reused
        self._lock = threading.RLock()
        # A boto3 S3 client of the Lab's, for Content from S3 (set by the Lab's wiring once its
        # endpoint exists); without one only ZipFile content is taken.
        self.s3_client: Callable[[], Any] | None = None

    # -- names ------------------------------------------------------------------------------
    def layer_arn(self, name: str) -> str:
        return f"arn:aws:lambda:{self.region}:{limits.ACCOUNT_ID}:layer:{name}"

    def _name(self, value: Any) -> str:
        """A layer name, or a layer ARN of this account and Region, as LayerName allows."""
        text = str(value)
        if text.startswith("arn:"):
            prefix = f"arn:aws:lambda:{self.region}:{limits.ACCOUNT_ID}:layer:"
            if not text.startswith(prefix):
                raise errors.ResourceNotFoundException(NOT_FOUND)
            text = text[len(prefix) :]
        if not _NAME.match(text):
            raise errors.ValidationException(
                f"1 validation error detected: Value '{value}' at 'layerName' failed to satisfy "
                "constraint: Member must satisfy regular expression pattern: "
                "(arn:[a-zA-Z0-9-]+:lambda:[a-zA-Z0-9-]+:\\d{12}:layer:[a-zA-Z0-9-_]+)|[a-zA-Z0-9-_]+"
            )
        return text

    # -- versions ---------------------------------------------------------------------------
    def publish(self, params: dict[str, Any]) -> dict[str, Any]:
        name = self._name(params.get("LayerName"))
        content = params.get("Content")
        if self.s3_client is not None:  # ZipFile or S3Bucket/S3Key/S3ObjectVersion, as AWS takes
            zip_bytes, _ = packaging.code_package(content, self.s3_client)
        elif isinstance(content, dict) and "ZipFile" in content:
            zip_bytes = packaging.decode_zip_argument(content["ZipFile"])
        else:
            raise errors.InvalidParameterValueException("Content must contain ZipFile")
        runtimes = _string_list(params, "CompatibleRuntimes", 15)
        architectures = _string_list(params, "CompatibleArchitectures", 2)
        bad = [a for a in architectures if a not in limits.ARCHITECTURES]
        if bad:
            raise errors.ValidationException(
                f"1 validation error detected: Value '{architectures}' at 'compatibleArchitectures' "
                f"failed to satisfy constraint: Member must satisfy enum value set: {list(limits.ARCHITECTURES)}"
            )
        description = str(params.get("Description") or "")
        if len(description) > limits.DESCRIPTION_MAX_CHARS:
            raise errors.ValidationException(
                "1 validation error detected: Value at 'description' failed to satisfy constraint: "
                f"Member must have length less than or equal to {limits.DESCRIPTION_MAX_CHARS}"
            )
        with self._lock:
            number = self._last.get(name, 0) + 1
            content_dir = os.path.join(self._root, "layers", name, str(number))
            unzipped = packaging.extract(zip_bytes, content_dir + ".partial")
            os.replace(content_dir + ".partial", content_dir)
            with open(content_dir + ".zip", "wb") as handle:
                handle.write(zip_bytes)
            layer = LayerVersion(
                name=name,
                version=number,
                arn=self.layer_arn(name),
                content_dir=content_dir,
                code_sha256=packaging.code_sha256(zip_bytes),
                code_size=len(zip_bytes),
                unzipped_size=unzipped,
                description=description,
                compatible_runtimes=runtimes,
                compatible_architectures=architectures,
                license_info=params.get("LicenseInfo"),
                created=aws_time.function_timestamp(self._now()),
            )
            self._last[name] = number
            self._versions.setdefault(name, {})[number] = layer
            self._all[layer.version_arn] = layer
        return layer.as_aws()

    def publish_installed(
        self, distributions: tuple[str, ...], layer_name: str | None, dependencies: bool
    ) -> dict[str, Any]:
        """``lab.layer_from_installed``: packages installed on this machine, zipped under
        ``python/`` as a learner would, for the Python runtimes AWS supports on the Lab's date."""
        zip_bytes = packaging.layer_from_installed(*distributions, dependencies=dependencies)
        return self.publish(
            {
                "LayerName": layer_name or "-".join(d.lower() for d in distributions),
                "Description": f"{', '.join(distributions)} from this machine's Python",
                "Content": {"ZipFile": zip_bytes},
                "CompatibleRuntimes": limits.runtimes_supported(aws_time.utc_date(self._now())),
            }
        )

    def version(self, layer_name: Any, number: Any) -> LayerVersion:
        name = self._name(layer_name)
        with self._lock:
            found = self._versions.get(name, {}).get(_number(number))
        if found is None:
            raise errors.ResourceNotFoundException(NOT_FOUND)
        return found

    def by_arn(self, arn: Any) -> LayerVersion:
        found = _VERSION_ARN.match(str(arn))
        if not found:
            raise errors.ValidationException(
                f"1 validation error detected: Value '{arn}' at 'arn' failed to satisfy "
                "constraint: Member must satisfy regular expression pattern: "
                "arn:(aws[a-zA-Z-]*)?:lambda:[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{1}:\\d{12}"
                ":layer:[a-zA-Z0-9-_]+:[0-9]+"
            )
        region, account, name, number = found.groups()
        if (region, account) != (self.region, limits.ACCOUNT_ID):
            raise errors.ResourceNotFoundException(NOT_FOUND)
        return self.version(name, number)

    def delete(self, layer_name: Any, number: Any) -> None:
        """Delete a version (a missing one is no error). Its files stay for the functions that
        already use it."""
        name = self._name(layer_name)
        with self._lock:
            self._versions.get(name, {}).pop(_number(number), None)

    def list_layers(
        self, runtime: str | None = None, architecture: str | None = None
    ) -> list[dict[str, Any]]:
        """Each layer with its newest version that matches the filters."""
        found = []
        with self._lock:
            for name in sorted(self._versions):
                matching = [
                    v for v in self._versions[name].values() if _matches(v, runtime, architecture)
                ]
                if matching:
                    newest = max(matching, key=lambda v: v.version)
                    found.append(
                        {
                            "LayerName": name,
                            "LayerArn": newest.arn,
                            "LatestMatchingVersion": newest.as_aws(with_content=False),
                        }
                    )
        return found

    def list_versions(
        self, layer_name: Any, runtime: str | None = None, architecture: str | None = None
    ) -> list[dict[str, Any]]:
        """Newest first, as AWS lists them."""
        name = self._name(layer_name)
        with self._lock:
            versions = sorted(self._versions.get(name, {}).values(), key=lambda v: -v.version)
        return [
            v.as_aws(with_content=False) for v in versions if _matches(v, runtime, architecture)
        ]

    # -- permissions (layer_policies.py) ----------------------------------------------------
    def add_permission(
        self, layer_name: Any, number: Any, params: dict[str, Any]
    ) -> dict[str, Any]:
        layer = self.version(layer_name, number)
        with self._lock:
            return layer_policies.add(layer, params)

    def remove_permission(
        self, layer_name: Any, number: Any, sid: str, revision_id: str | None = None
    ) -> None:
        layer = self.version(layer_name, number)
        with self._lock:
            layer_policies.remove(layer, sid, revision_id)

    def policy(self, layer_name: Any, number: Any) -> dict[str, Any]:
        layer = self.version(layer_name, number)
        with self._lock:
            return layer_policies.document(layer)

    # -- what functions use -----------------------------------------------------------------
    def for_function(
        self, arns: Any, code_unzipped_bytes: int, *, kept: bool = False
    ) -> list[dict[str, Any]]:
        """Check a function's ``Layers`` as CreateFunction does; their FunctionConfiguration
        entries (``Arn``, ``CodeSize``) in order. ``kept``: layers the function already has
        (new code): a version deleted since then still counts, as it still runs."""
        if not isinstance(arns, (list, tuple)) or not all(isinstance(a, str) for a in arns):
            raise errors.InvalidParameterValueException(
                f"Layers must be a list of layer version ARNs (got {arns!r})"
            )
        if len(arns) > limits.LAYERS_MAX:
            # AWS's wording here is not published; this states the quota the same way.
            raise errors.InvalidParameterValueException(
                f"Cannot reference more than {limits.LAYERS_MAX} layers (got {len(arns)})."
            )
        with self._lock:
            found = []
            for arn in arns:
                if kept:
                    layer = self._all.get(arn)
                else:
                    layer = self._versions.get(_name_of(arn), {}).get(_version_of(arn))
                if layer is None or layer.version_arn != arn:
                    raise errors.InvalidParameterValueException(
                        f"Layer version {arn} does not exist."
                    )
                found.append(layer)
        total = code_unzipped_bytes + sum(layer.unzipped_size for layer in found)
        if total > limits.UNZIPPED_MAX_BYTES:
            raise errors.InvalidParameterValueException(
                "Function code combined with layers exceeds the maximum allowed size of "
                f"{limits.UNZIPPED_MAX_BYTES} bytes. The actual size is {total} bytes."
            )
        return [{"Arn": layer.version_arn, "CodeSize": layer.code_size} for layer in found]

    def opt_dir(self, layers: list[dict[str, Any]]) -> str | None:
        """The folder holding ``layers`` merged in order (a later layer's file wins), built once;
        None for a function without layers."""
        if not layers:
            return None
        arns = [entry["Arn"] for entry in layers]
        key = hashlib.sha256("\n".join(arns).encode()).hexdigest()[:16]
        merged = os.path.join(self._root, "opt", key)
        with self._lock:
            if os.path.isdir(merged):
                return merged
            partial = merged + ".partial"
            shutil.rmtree(partial, ignore_errors=True)
            os.makedirs(partial, mode=0o755)
            for arn in arns:
                layer = self._all.get(arn)
                if layer is not None:
                    _merge_into(layer.content_dir, partial)
            os.replace(partial, merged)
        return merged


def _merge_into(source: str, target: str) -> None:
    for folder, _dirs, files in os.walk(source):
        place = os.path.join(target, os.path.relpath(folder, source))
        os.makedirs(place, mode=0o755, exist_ok=True)
        for name in files:
            destination = os.path.join(place, name)
            if os.path.lexists(destination):
                os.remove(destination)
            try:
                os.link(os.path.join(folder, name), destination)
            except OSError:
                shutil.copy2(os.path.join(folder, name), destination)


def _name_of(arn: str) -> str:
    found = _VERSION_ARN.match(arn)
    return found.group(3) if found else ""


def _version_of(arn: str) -> int:
    found = _VERSION_ARN.match(arn)
    return int(found.group(4)) if found else -1


def _number(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise errors.InvalidParameterValueException(
            f"VersionNumber must be a whole number (got {value!r})"
        ) from None


def _matches(layer: LayerVersion, runtime: str | None, architecture: str | None) -> bool:
    return (not runtime or runtime in layer.compatible_runtimes) and (
        not architecture or architecture in layer.compatible_architectures
    )


def _string_list(params: dict[str, Any], key: str, most: int) -> list[str]:
    value = params.get(key) or []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise errors.InvalidParameterValueException(
            f"{key} must be a list of strings (got {value!r})"
        )
    if len(value) > most:
        raise errors.ValidationException(
            f"1 validation error detected: Value '{value}' at '{key[0].lower() + key[1:]}' failed to "
            f"satisfy constraint: Member must have length less than or equal to {most}"
        )
    return list(value)


def unzipped_size(folder: str) -> int:
    """Bytes of the files under a function's code folder."""
    total = 0
    for root, _, files in os.walk(folder):
        for name in files:
            try:
                total += os.lstat(os.path.join(root, name)).st_size
            except OSError:
                continue
    return total
