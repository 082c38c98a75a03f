"""Lambda's control plane: AWS operations taking and returning AWS-shaped dictionaries.

The REST layer (and through it boto3 and the AWS CLI) and the Lab's own Python helpers
call these, so there is one implementation of each operation.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from typing import TYPE_CHECKING, Any

from lambda_lab import errors
from lambda_lab.control import layers, packaging, runtimes
from lambda_lab.control.functions import FunctionConfig, apply_settings, validate_name

if TYPE_CHECKING:
    from lambda_lab.lab import Lab

CONFIG_KEYS = (
    "Runtime", "Role", "Handler", "Description", "Timeout", "MemorySize", "Environment",
    "Architectures", "EphemeralStorage", "DeadLetterConfig", "TracingConfig", "LoggingConfig",
)  # fmt: skip
IGNORED_KEYS = ("Publish", "PackageType", "VpcConfig", "KMSKeyArn", "FileSystemConfigs",
                "ImageConfig", "SnapStart", "CodeSigningConfigArn", "RevisionId", "DryRun")  # fmt: skip


class LambdaService:
    def __init__(self, lab: Lab) -> None:
        self.lab = lab

    # -- functions ---------------------------------------------------------------------------
    def create_function(self, params: dict[str, Any]) -> dict[str, Any]:
        name = validate_name(params.get("FunctionName"))
        if name in self.lab.functions:
            raise errors.ResourceConflictException(f"Function already exist: {name}")
        code = params.get("Code")
        if not isinstance(code, dict) or "ZipFile" not in code:
            raise errors.InvalidParameterValueException(
                "Code must contain ZipFile (the Lab deploys ZIP packages; S3Bucket/S3Key and ImageUri "
                "are not supported)"
            )
        config = FunctionConfig(name=name, region=self.lab.region)
        self._check_keys(params, ("FunctionName", "Code", "Tags", "Layers", *CONFIG_KEYS))
        apply_settings(config, {k: params[k] for k in CONFIG_KEYS if k in params})
        runtimes.check_create(config.runtime)  # a runtime past its "block create" date
        if "Tags" in params:
            config.tags = dict(params["Tags"])
        self._store_code(config, packaging.decode_zip_argument(code["ZipFile"]))
        config.layers = self._layers(config, params.get("Layers") or [])
        self.lab.functions.add(config)
        return self._published_if_asked(config, params)

    def get_function(self, name: str, qualifier: str | None = None) -> dict[str, Any]:
        version, config = self._get(name, qualifier)
        result: dict[str, Any] = {
            "Configuration": config.as_aws(version),
            "Code": {"RepositoryType": "S3", "Location": f"file://{config.code_dir}.zip"},
        }
        if config.tags:
            result["Tags"] = dict(config.tags)
        concurrency = self.lab.concurrency.reserved(config.name)
        if concurrency is not None:
            result["Concurrency"] = {"ReservedConcurrentExecutions": concurrency}
        return result

    def get_function_configuration(self, name: str, qualifier: str | None = None) -> dict[str, Any]:
        version, config = self._get(name, qualifier)
        return config.as_aws(version)

    def list_functions(
        self, marker: str | None = None, max_items: int | None = None
    ) -> dict[str, Any]:
        configs = [c.as_aws() for c in self.lab.functions.all()]
        start = int(marker) if marker and marker.isdigit() else 0
        size = max_items or 50
        page = configs[start : start + size]
        result: dict[str, Any] = {"Functions": page}
        if start + size < len(configs):
            result["NextMarker"] = str(start + size)
        return result

    def update_function_code(self, name: str, params: dict[str, Any]) -> dict[str, Any]:
        config = self.lab.functions.get(name)
        if "ZipFile" not in params:
            raise errors.InvalidParameterValueException(
                "UpdateFunctionCode needs ZipFile in the Lab"
            )
        self._check_revision(config, params)
        runtimes.check_update(config.runtime)
        zip_bytes = packaging.decode_zip_argument(params["ZipFile"])
        if params.get("DryRun"):  # validate only, as AWS does: the code stays as it was
            with tempfile.TemporaryDirectory(dir=self.lab.root_dir) as scratch:
                packaging.extract(zip_bytes, scratch)
            return config.as_aws()
        if "Architectures" in params:  # AWS changes a function's architecture with its code
            apply_settings(config, {"Architectures": params["Architectures"]})
        if config.layers:  # the new code and the function's layers must still fit together
            with tempfile.TemporaryDirectory(dir=self.lab.root_dir) as scratch:
                code_bytes = packaging.extract(zip_bytes, scratch)
            arns = [entry["Arn"] for entry in config.layers]
            self.lab.layers.for_function(arns, code_bytes, kept=True)
        self._store_code(config, zip_bytes)
        config.touched()
        self.lab.pool.retire(config.name)
        return self._published_if_asked(config, params)

    def update_function_configuration(self, name: str, params: dict[str, Any]) -> dict[str, Any]:
        config = self.lab.functions.get(name)
        self._check_revision(config, params)
        self._check_keys(params, ("FunctionName", "Layers", *CONFIG_KEYS))
        runtimes.check_update(params.get("Runtime") or config.runtime)
        layers = self._layers(config, params["Layers"]) if "Layers" in params else config.layers
        apply_settings(config, {k: params[k] for k in CONFIG_KEYS if k in params})
        config.layers = layers
        config.touched()
        self.lab.pool.retire(config.name)
        return config.as_aws()

    def delete_function(self, name: str, qualifier: str | None = None) -> None:
        wanted = self.lab.versions.qualifier(name, qualifier)
        if wanted != "$LATEST" or qualifier:  # DeleteFunction with a qualifier deletes one version
            config = self.lab.functions.get(name)
            self.lab.versions.delete_version(config, wanted)
            self.lab.permissions.forget(config.name, wanted)
            return
        config = self.lab.functions.remove(name)
        self.lab.versions.forget(config.name)
        self.lab.permissions.forget(config.name)
        self.lab.pool.retire(config.name)
        self.lab.concurrency.forget(config.name)

    # -- reserved concurrency -------------------------------------------------------------------
    def put_function_concurrency(self, name: str, params: dict[str, Any]) -> dict[str, Any]:
        config = self.lab.functions.get(name)
        amount = params.get("ReservedConcurrentExecutions")
        self.lab.concurrency.reserve(config.name, amount)
        return {"ReservedConcurrentExecutions": amount}

    def get_function_concurrency(self, name: str) -> dict[str, Any]:
        config = self.lab.functions.get(name)
        amount = self.lab.concurrency.reserved(config.name)
        return {} if amount is None else {"ReservedConcurrentExecutions": amount}

    def delete_function_concurrency(self, name: str) -> None:
        self.lab.concurrency.unreserve(self.lab.functions.get(name).name)

    def get_account_settings(self) -> dict[str, Any]:
        functions = self.lab.functions.all()
        return {
            "AccountLimit": {
                "TotalCodeSize": 322122547200,
                "CodeSizeUnzipped": 262144000,
                "CodeSizeZipped": 52428800,
                "ConcurrentExecutions": self.lab.concurrency.account_limit,
                "UnreservedConcurrentExecutions": self.lab.concurrency.unreserved_limit,
            },
            "AccountUsage": {
                "TotalCodeSize": sum(f.code_size for f in functions),
                "FunctionCount": len(functions),
            },
        }

    # -- helpers ------------------------------------------------------------------------------
    def _get(self, name: str, qualifier: str | None) -> tuple[str, FunctionConfig]:
        """(version, its configuration) that a name and qualifier point at."""
        return self.lab.versions.resolve(self.lab.functions.get(name), name, qualifier, route=False)

    def _published_if_asked(self, config: FunctionConfig, params: dict[str, Any]) -> dict[str, Any]:
        """``Publish=True`` on CreateFunction/UpdateFunctionCode also publishes a version."""
        if not params.get("Publish"):
            return config.as_aws()
        version, frozen = self.lab.versions.publish(config)
        return frozen.as_aws(version)

    def _layers(self, config: FunctionConfig, arns: Any) -> list[dict[str, Any]]:
        """A function's Layers, checked against the layer store (exist, at most 5, size)."""
        return self.lab.layers.for_function(arns, layers.unzipped_size(config.code_dir))

    @staticmethod
    def _check_keys(params: dict[str, Any], allowed: tuple[str, ...]) -> None:
        unknown = sorted(set(params) - set(allowed) - set(IGNORED_KEYS))
        if unknown:
            raise errors.InvalidParameterValueException(
                f"Unknown parameter(s): {', '.join(unknown)}; expected some of {', '.join(allowed)}"
            )

    @staticmethod
    def _check_revision(config: FunctionConfig, params: dict[str, Any]) -> None:
        wanted = params.get("RevisionId")
        if wanted and wanted != config.revision_id:
            raise errors.PreconditionFailedException(
                "The Revision Id provided does not match the latest Revision Id. "
                "Call the GetFunction/GetAlias API to retrieve the latest Revision Id"
            )

    def _store_code(self, config: FunctionConfig, zip_bytes: bytes) -> None:
        digest = hashlib.sha256(zip_bytes).hexdigest()[:16]
        code_dir = os.path.join(self.lab.root_dir, "code", config.name, digest)
        if not os.path.isdir(code_dir):
            packaging.extract(zip_bytes, code_dir + ".partial")
            os.replace(code_dir + ".partial", code_dir)
            with open(code_dir + ".zip", "wb") as handle:
                handle.write(zip_bytes)
        config.code_dir = code_dir
        config.code_sha256 = packaging.code_sha256(zip_bytes)
        config.code_size = len(zip_bytes)
