"""Versions and aliases: which frozen configuration and code an invoke runs.

``$LATEST`` is the function's live configuration (the registry's FunctionConfig).
PublishVersion freezes a copy of it under the next number; the copy keeps its own code
folder, handler, memory and timeout, so later changes to ``$LATEST`` never reach it.
An alias is a named pointer to a version, optionally splitting traffic with a second
version (RoutingConfig). Every invoke asks :meth:`Versions.resolve` which version it runs.
"""

from __future__ import annotations

import copy
import random
import re
import threading
from dataclasses import dataclass, field
from typing import Any

from lambda_lab import errors, ids
from lambda_lab.control import arns
from lambda_lab.control.functions import FunctionConfig

LATEST = "$LATEST"
_ALIAS_NAME = re.compile(r"(?!^[0-9]+$)[a-zA-Z0-9-_]{1,128}\Z")
# Fields that say when or as what a configuration was saved, not what it runs.
_VOLATILE = ("RevisionId", "LastModified", "FunctionArn", "Version", "Description")


@dataclass
class Alias:
    name: str
    function_version: str
    description: str = ""
    weights: dict[str, float] = field(
        default_factory=dict
    )  # RoutingConfig.AdditionalVersionWeights
    revision_id: str = field(default_factory=ids.uuid4)

    def as_aws(self, function_arn: str) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "AliasArn": f"{function_arn}:{self.name}",
            "Name": self.name,
            "FunctionVersion": self.function_version,
            "Description": self.description,
            "RevisionId": self.revision_id,
        }
        if self.weights:
            doc["RoutingConfig"] = {"AdditionalVersionWeights": dict(self.weights)}
        return doc


def split_qualifier(function_name: str) -> tuple[str, str | None]:
    """``name``, ``name:qualifier``, a partial or a full ARN -> (name, qualifier or None)."""
    ref = arns.parse(function_name)
    return ref.name, ref.qualifier


class Versions:
    """Published versions and aliases of every function; thread-safe."""

    def __init__(self) -> None:
        self._published: dict[str, dict[str, FunctionConfig]] = {}
        self._last_number: dict[str, int] = {}  # numbers are never reused, even after a delete
        self._aliases: dict[str, dict[str, Alias]] = {}
        self._lock = threading.RLock()

    # -- resolving a qualifier ----------------------------------------------------------------
    def qualifier(self, function_name: str, qualifier: str | None) -> str:
        """The qualifier a call names (in the name or the Qualifier parameter), or $LATEST."""
        return arns.qualifier_of(function_name, qualifier) or LATEST

    def resolve(
        self, config: FunctionConfig, function_name: str, qualifier: str | None, route: bool = True
    ) -> tuple[str, FunctionConfig]:
        """(version that runs, its configuration) for ``$LATEST``, a version number or an alias.

        An alias with a RoutingConfig sends an invoke to its second version with the configured
        weight (``route``); reads such as GetFunction see the alias's main version.
        """
        wanted = self.qualifier(function_name, qualifier)
        if wanted == LATEST:
            return LATEST, config
        with self._lock:
            alias = self._aliases.get(config.name, {}).get(wanted)
            if alias is not None:
                wanted = alias.function_version
                for version, weight in alias.weights.items() if route else ():
                    if random.random() < weight:
                        wanted = version
                if wanted == LATEST:
                    return LATEST, config
            return wanted, self.version_config(config, wanted)

    def version_config(self, config: FunctionConfig, version: str) -> FunctionConfig:
        """The frozen configuration of a published version (or $LATEST's live one)."""
        if version == LATEST:
            return config
        with self._lock:
            found = self._published.get(config.name, {}).get(version)
        if found is None:
            raise errors.ResourceNotFoundException(f"Function not found: {config.arn}:{version}")
        return found

    # -- versions -----------------------------------------------------------------------------
    def publish(
        self,
        config: FunctionConfig,
        code_sha256: str | None = None,
        revision_id: str | None = None,
        description: str | None = None,
    ) -> tuple[str, FunctionConfig]:
        """Freeze ``$LATEST`` as the next version; an unchanged function returns its last version."""
        if code_sha256 and code_sha256 != config.code_sha256:
            raise errors.InvalidParameterValueException(
                f"CodeSHA256 ({code_sha256}) is different from current CodeSHA256 in $LATEST "
                f"({config.code_sha256}). Please try again with the CodeSHA256 in $LATEST."
            )
        if revision_id and revision_id != config.revision_id:
            raise errors.PreconditionFailedException(
                "The Revision Id provided does not match the latest Revision Id. "
                "Call the GetFunction/GetAlias API to retrieve the latest Revision Id"
            )
        with self._lock:
            published = self._published.setdefault(config.name, {})
            if published:
                last = str(max(map(int, published)))
                if _same_function(published[last], config):
                    return last, published[last]
            number = str(self._last_number.get(config.name, 0) + 1)
            frozen = copy.deepcopy(config)
            if description is not None:
                frozen.description = description
            frozen.revision_id = ids.uuid4()
            published[number] = frozen
            self._last_number[config.name] = int(number)
            return number, frozen

    def list_versions(self, config: FunctionConfig) -> list[tuple[str, FunctionConfig]]:
        """``$LATEST`` first, then the published versions in number order."""
        with self._lock:
            published = sorted(
                self._published.get(config.name, {}).items(), key=lambda item: int(item[0])
            )
        return [(LATEST, config), *published]

    def delete_version(self, config: FunctionConfig, version: str) -> None:
        if version == LATEST:
            raise errors.InvalidParameterValueException(
                "$LATEST version cannot be deleted without deleting the function."
            )
        with self._lock:
            self.version_config(config, version)
            users = [
                a.name
                for a in self._aliases.get(config.name, {}).values()
                if a.function_version == version or version in a.weights
            ]
            if users:
                raise errors.ResourceConflictException(
                    f"Unable to delete version because the following aliases reference it: {users}"
                )
            del self._published[config.name][version]

    # -- aliases ------------------------------------------------------------------------------
    def create_alias(
        self,
        config: FunctionConfig,
        name: str,
        version: str,
        description: str = "",
        routing: dict[str, Any] | None = None,
    ) -> Alias:
        _check_alias_name(name)
        with self._lock:
            aliases = self._aliases.setdefault(config.name, {})
            if name in aliases:
                raise errors.ResourceConflictException(f"Alias already exists: {config.arn}:{name}")
            alias = Alias(name, self._existing_version(config, version), description or "")
            alias.weights = self._weights(config, alias.function_version, routing)
            aliases[name] = alias
            return alias

    def get_alias(
        self, config: FunctionConfig, name: str, wording: str = "Alias not found: "
    ) -> Alias:
        """The alias, or AWS's not-found (GetAlias words it "Cannot find alias arn: ")."""
        with self._lock:
            alias = self._aliases.get(config.name, {}).get(name)
        if alias is None:
            raise errors.ResourceNotFoundException(f"{wording}{config.arn}:{name}")
        return alias

    def update_alias(self, config: FunctionConfig, name: str, params: dict[str, Any]) -> Alias:
        with self._lock:
            alias = self.get_alias(config, name)
            wanted = params.get("RevisionId")
            if wanted and wanted != alias.revision_id:
                raise errors.PreconditionFailedException(
                    "The Revision Id provided does not match the latest Revision Id. "
                    "Call the GetFunction/GetAlias API to retrieve the latest Revision Id"
                )
            version = alias.function_version
            if params.get("FunctionVersion") is not None:
                version = self._existing_version(config, params["FunctionVersion"])
            routing = params.get("RoutingConfig")
            weights = alias.weights if routing is None else self._weights(config, version, routing)
            alias.function_version = version
            alias.weights = weights
            if params.get("Description") is not None:
                alias.description = params["Description"]
            alias.revision_id = ids.uuid4()
            return alias

    def delete_alias(self, config: FunctionConfig, name: str) -> None:
        with self._lock:
            self._aliases.get(config.name, {}).pop(
                name, None
            )  # AWS answers 204 for an unknown alias too

    def list_aliases(self, config: FunctionConfig, version: str | None = None) -> list[Alias]:
        with self._lock:
            aliases = sorted(self._aliases.get(config.name, {}).values(), key=lambda a: a.name)
        return [a for a in aliases if version is None or a.function_version == version]

    def is_alias(self, function_name: str, name: str) -> bool:
        with self._lock:
            return name in self._aliases.get(function_name, {})

    def forget(self, function_name: str) -> None:
        """The function was deleted: its versions and aliases go with it (numbers start again)."""
        with self._lock:
            self._published.pop(function_name, None)
            self._aliases.pop(function_name, None)
            self._last_number.pop(function_name, None)

    # -- state (lambda-lab serve --state) ---------------------------------------------------------
    def export(self) -> dict[str, Any]:
        with self._lock:
            return {
                "published": {
                    n: {v: c.__dict__.copy() for v, c in vs.items()}
                    for n, vs in self._published.items()
                },
                "last_number": dict(self._last_number),
                "aliases": {
                    n: {a: vars(alias).copy() for a, alias in al.items()}
                    for n, al in self._aliases.items()
                },
            }

    def load(self, state: dict[str, Any], code_dirs: dict[str, str]) -> None:
        """Restore exported state; ``code_dirs`` maps a CodeSha256 to where that code now lives."""
        with self._lock:
            for name, versions in state.get("published", {}).items():
                for number, fields in versions.items():
                    frozen = FunctionConfig(**fields)
                    frozen.code_dir = code_dirs.get(frozen.code_sha256, frozen.code_dir)
                    self._published.setdefault(name, {})[number] = frozen
            self._last_number.update({k: int(v) for k, v in state.get("last_number", {}).items()})
            for name, aliases in state.get("aliases", {}).items():
                self._aliases[name] = {a: Alias(**fields) for a, fields in aliases.items()}

    # -- checks -------------------------------------------------------------------------------
    def _existing_version(self, config: FunctionConfig, version: Any) -> str:
        version = str(version)
        if version != LATEST and not version.isdigit():
            raise errors.ValidationException(
                f"1 validation error detected: Value '{version}' at 'functionVersion' failed to satisfy "
                "constraint: Member must satisfy regular expression pattern: (\\$LATEST|[0-9]+)"
            )
        self.version_config(config, version)
        return version

    def _weights(
        self, config: FunctionConfig, primary: str, routing: dict[str, Any] | None
    ) -> dict[str, float]:
        weights = dict((routing or {}).get("AdditionalVersionWeights") or {})
        if not weights:
            return {}
        if len(weights) > 1:
            raise errors.InvalidParameterValueException(
                f"Number of items in AdditionalVersionWeights cannot be greater than 1 (got {len(weights)})"
            )
        ((version, weight),) = weights.items()
        if LATEST in (primary, version):
            raise errors.InvalidParameterValueException(
                "$LATEST is not supported for an alias pointing to more than 1 version"
            )
        if version == primary:
            raise errors.InvalidParameterValueException(
                f"Invalid function version {version}. Function version {version} is already included in routing "
                "configuration."
            )
        self._existing_version(config, version)
        if not isinstance(weight, (int, float)) or not 0.0 <= weight <= 1.0:
            raise errors.ValidationException(
                f"1 validation error detected: Value '{weight}' at 'routingConfig.additionalVersionWeights' failed "
                "to satisfy constraint: Map value must be a number between 0.0 and 1.0"
            )
        return {version: float(weight)}


def _same_function(published: FunctionConfig, live: FunctionConfig) -> bool:
    def essence(config: FunctionConfig) -> dict[str, Any]:
        doc = config.as_aws()
        return {k: v for k, v in doc.items() if k not in _VOLATILE}

    return published.code_sha256 == live.code_sha256 and essence(published) == essence(live)


def _check_alias_name(name: Any) -> None:
    if not isinstance(name, str) or not _ALIAS_NAME.match(name):
        raise errors.ValidationException(
            f"1 validation error detected: Value '{name}' at 'name' failed to satisfy constraint: Member must "
            "satisfy regular expression pattern: (?!^[0-9]+$)([a-zA-Z0-9-_]+) (1 to 128 characters)"
        )
