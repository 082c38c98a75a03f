"""Lambda's control plane: functions, their code and reserved concurrency, as AWS runs them.

Each method takes AWS's member names and returns AWS's documents. The REST layer (boto3,
the AWS CLI, the JavaScript SDK) and the Lab's Python helpers both call these, so there is
one implementation of each operation. The service holds only its collaborators: the
function registry, versions, policies, concurrency, the lifecycle of states, the clock, a
folder for code and a way to read S3 (for ``Code.S3Bucket``).
"""

from __future__ import annotations

import copy
import datetime
import hashlib
import os
import tempfile
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from lambda_lab import aws_time, errors, limits
from lambda_lab.control import arns, layers, packaging, runtimes
from lambda_lab.control.functions import FunctionConfig, apply_settings, validate_name
from lambda_lab.control.versions import LATEST

if TYPE_CHECKING:
    from lambda_lab.clock import Clock
    from lambda_lab.concurrency.controller import Concurrency
    from lambda_lab.control.functions import Registry
    from lambda_lab.control.lifecycle import Lifecycle
    from lambda_lab.control.permissions import Policies
    from lambda_lab.control.versions import Versions

CONFIG_KEYS = (
    "Runtime", "Role", "Handler", "Description", "Timeout", "MemorySize", "Environment",
    "Architectures", "EphemeralStorage", "DeadLetterConfig", "TracingConfig", "LoggingConfig",
)  # fmt: skip
# Members AWS takes that the Lab accepts and does not act on (there is no VPC, KMS, EFS...).
IGNORED_KEYS = (
    "Publish", "PackageType", "VpcConfig", "KMSKeyArn", "FileSystemConfigs",
    "ImageConfig", "SnapStart", "CodeSigningConfigArn", "RevisionId", "DryRun", "PublishTo",
    "TenancyConfig", "CapacityProviderConfig", "DurableConfig", "RuntimeConfig",
    "AcceleratorConfig", "S3ObjectStorageMode", "SourceKMSKeyArn",
)  # fmt: skip
CODE_KEYS = ("ZipFile", "S3Bucket", "S3Key", "S3ObjectVersion", "ImageUri")
QUALIFIED_NOT_ALLOWED = (
    "This operation is permitted on Lambda functions only. Aliases and versions do not support "
    "this operation. Please specify either a function name or an unqualified function ARN."
)


class LambdaService:
    def __init__(
        self,
        *,
        region: str,
        functions: Registry,
        versions: Versions,
        policies: Policies,
        concurrency: Concurrency,
        lifecycle: Lifecycle,
        clock: Clock,
        code_root: str,
        retire: Callable[[str], object],
        s3_client: Callable[[], Any],
        layer_store: layers.LayerStore,
    ) -> None:
        self.region = region
        self.functions = functions
        self.versions = versions
        self.policies = policies
        self.concurrency = concurrency
        self.lifecycle = lifecycle
        self.clock = clock
        self.code_root = code_root
        self._retire = retire
        self._s3_client = s3_client
        self.layer_store = layer_store

    # -- functions ---------------------------------------------------------------------------
    def create_function(self, params: dict[str, Any]) -> dict[str, Any]:
        arns.check_reachable(
            arns.parse(params.get("FunctionName", "")), self.region, limits.ACCOUNT_ID
        )
        name = validate_name(params.get("FunctionName"))
        if name in self.functions:
            raise errors.ResourceConflictException(f"Function already exist: {name}")
        self._check_keys(params, ("FunctionName", "Code", "Tags", "Layers", *CONFIG_KEYS))
        zip_bytes, limit = self.code_package(params.get("Code"))
        config = FunctionConfig(name=name, region=self.region, last_modified=self._now())
        apply_settings(config, {k: params[k] for k in CONFIG_KEYS if k in params})
        runtimes.check_create(config.runtime, self._today())  # past its "block create" date?
        if params.get("Tags"):
            config.tags = _checked_tags(params["Tags"])
        self._store_code(config, zip_bytes, limit)
        config.layers = self._layers(config, params.get("Layers") or [])
        self.functions.add(config)
        self.lifecycle.created(name)
        if params.get("Publish"):
            version, frozen = self._publish(config)
            return frozen.as_aws(version, arn=config.arn, status=self._status(name, version))
        return config.as_aws(status=self._status(name))

    def get_function(self, name: str, qualifier: str | None = None) -> dict[str, Any]:
        version, config, arn = self._get(name, qualifier)
        result: dict[str, Any] = {
            "Configuration": config.as_aws(
                version, arn=arn, status=self._status(config.name, version)
            ),
            "Code": {"RepositoryType": "S3", "Location": f"file://{config.code_dir}.zip"},
        }
        live = self.functions.get(name)
        if live.tags:
            result["Tags"] = dict(live.tags)
        reserved = self.concurrency.reserved(config.name)
        if reserved is not None:
            result["Concurrency"] = {"ReservedConcurrentExecutions": reserved}
        return result

    def get_function_configuration(self, name: str, qualifier: str | None = None) -> dict[str, Any]:
        version, config, arn = self._get(name, qualifier)
        return config.as_aws(version, arn=arn, status=self._status(config.name, version))

    def list_functions(self, function_version: str | None = None) -> list[dict[str, Any]]:
        """Every function as a list item (AWS leaves the states out of lists); with
        ``FunctionVersion=ALL`` also every published version, $LATEST's ARN qualified."""
        items = []
        for live in self.functions.all():
            config = self.lifecycle.view(live)
            if function_version != "ALL":
                items.append(config.as_aws())
                continue
            for version, frozen in self.versions.list_versions(live):
                shown = config if version == LATEST else frozen
                items.append(shown.as_aws(version, arn=f"{live.arn}:{version}"))
        return items

    def update_function_code(self, name: str, params: dict[str, Any]) -> dict[str, Any]:
        live = self._unqualified(name)
        self.lifecycle.check_update(live.name, live.arn)
        self._check_revision(live, params)
        runtimes.check_update(live.runtime, self._today())
        zip_bytes, limit = self.code_package({k: params[k] for k in CODE_KEYS if k in params})
        if params.get("DryRun"):  # validate only, as AWS does: the code stays as it was
            with tempfile.TemporaryDirectory(dir=self.code_root) as scratch:
                packaging.extract(zip_bytes, scratch, max_zip_bytes=limit)
            return self.lifecycle.view(live).as_aws(status=self._status(live.name))
        new = copy.deepcopy(self.lifecycle.view(live))
        if "Architectures" in params:  # AWS changes a function's architecture with its code
            apply_settings(new, {"Architectures": params["Architectures"]})
        if new.layers:  # the new code and the function's layers must still fit together
            with tempfile.TemporaryDirectory(dir=self.code_root) as scratch:
                code_bytes = packaging.extract(zip_bytes, scratch, max_zip_bytes=limit)
            arns_in_use = [entry["Arn"] for entry in new.layers]
            self.layer_store.for_function(arns_in_use, code_bytes, kept=True)
        self._store_code(new, zip_bytes, limit)
        return self._stage(live, new, publish=bool(params.get("Publish")))

    def update_function_configuration(self, name: str, params: dict[str, Any]) -> dict[str, Any]:
        live = self._unqualified(name)
        self.lifecycle.check_update(live.name, live.arn)
        self._check_revision(live, params)
        self._check_keys(params, ("FunctionName", "Layers", *CONFIG_KEYS))
        runtimes.check_update(params.get("Runtime") or live.runtime, self._today())
        new = copy.deepcopy(self.lifecycle.view(live))
        if "Layers" in params:
            new.layers = self._layers(new, params["Layers"])
        apply_settings(new, {k: params[k] for k in CONFIG_KEYS if k in params})
        return self._stage(live, new)

    def delete_function(self, name: str, qualifier: str | None = None) -> dict[str, Any]:
        """DeleteFunction answers 204; with a version it deletes that version only."""
        wanted = arns.qualifier_of(name, qualifier)
        config = self.functions.get(name)
        if wanted is not None:
            if wanted == LATEST:
                raise errors.InvalidParameterValueException(
                    "$LATEST version cannot be deleted without deleting the function."
                )
            if not wanted.isdigit():
                raise errors.InvalidParameterValueException(
                    "Deletion of aliases is not currently supported."
                )
            self.versions.delete_version(config, wanted)
            self.policies.forget(config.name, wanted)
            self.lifecycle.forget(config.name, wanted)
            return {"StatusCode": 204}
        self.functions.remove(name)
        self.versions.forget(config.name)
        self.policies.forget(config.name)
        self.lifecycle.forget(config.name)
        self._retire(config.name)
        self.concurrency.forget(config.name)
        return {"StatusCode": 204}

    # -- reserved concurrency -------------------------------------------------------------------
    def put_function_concurrency(self, name: str, amount: int) -> dict[str, Any]:
        config = self._unqualified(name, missing_qualified=True)
        self.concurrency.reserve(config.name, amount)
        return {"ReservedConcurrentExecutions": amount}

    def get_function_concurrency(self, name: str) -> dict[str, Any]:
        config = self._unqualified(name)
        amount = self.concurrency.reserved(config.name)
        return {} if amount is None else {"ReservedConcurrentExecutions": amount}

    def delete_function_concurrency(self, name: str) -> None:
        self.concurrency.unreserve(self._unqualified(name).name)

    def get_account_settings(self) -> dict[str, Any]:
        functions = self.functions.all()
        return {
            "AccountLimit": {
                "TotalCodeSize": limits.CODE_STORAGE_MAX_BYTES,
                "CodeSizeUnzipped": limits.UNZIPPED_MAX_BYTES,
                "CodeSizeZipped": limits.ZIP_MAX_BYTES,
                "ConcurrentExecutions": self.concurrency.account_limit,
                "UnreservedConcurrentExecutions": self.concurrency.unreserved_limit,
            },
            "AccountUsage": {
                "TotalCodeSize": sum(f.code_size for f in functions),
                "FunctionCount": len(functions),
            },
        }

    # -- versions (PublishVersion's rules live here: the lifecycle must allow it) ----------------
    def publish_version(
        self,
        name: str,
        code_sha256: str | None = None,
        revision_id: str | None = None,
        description: str | None = None,
    ) -> dict[str, Any]:
        live = self._unqualified(name)
        self.lifecycle.check_update(live.name, live.arn)
        version, frozen = self._publish(live, code_sha256, revision_id, description)
        return frozen.as_aws(version, status=self._status(live.name, version))

    # -- code ---------------------------------------------------------------------------------
    def code_package(self, code: Any) -> tuple[bytes, int | None]:
        """(ZIP bytes, the zipped-size limit that applies) from ``Code``: ZipFile or S3."""
        return packaging.code_package(code, self._s3_client)

    # -- helpers ------------------------------------------------------------------------------
    def _now(self) -> str:
        return aws_time.function_timestamp(self.clock.time())

    def _today(self) -> datetime.date:
        """The Lab's date, which runtime deprecation dates are judged on."""
        return aws_time.utc_date(self.clock.time())

    def _status(self, name: str, version: str = LATEST) -> dict[str, Any]:
        return self.lifecycle.status(name, version).as_aws()

    def _get(self, name: str, qualifier: str | None) -> tuple[str, FunctionConfig, str]:
        """(version, its configuration as reads show it, the FunctionArn to show).

        AWS shows the ARN as the caller qualified it: plain, ``:$LATEST``, ``:3`` or ``:alias``.
        """
        wanted = arns.qualifier_of(name, qualifier)
        live = self.functions.get(name, wanted)
        if wanted is None:
            return LATEST, self.lifecycle.view(live), live.arn
        if (
            wanted != LATEST
            and not wanted.isdigit()
            and not self.versions.is_alias(live.name, wanted)
        ):
            raise errors.function_not_found(f"{live.arn}:{wanted}")
        version, config = self.versions.resolve(live, name, wanted, route=False)
        shown = self.lifecycle.view(live) if version == LATEST else config
        return version, shown, f"{live.arn}:{wanted}"

    def _unqualified(self, name: str, missing_qualified: bool = False) -> FunctionConfig:
        """The function an operation on the function itself names (no version or alias)."""
        ref = arns.parse(name)
        arns.check_reachable(ref, self.region, limits.ACCOUNT_ID)
        if ref.qualifier is not None:
            if missing_qualified:
                self.functions.get(name)
            raise errors.InvalidParameterValueException(QUALIFIED_NOT_ALLOWED)
        # PutFunctionConcurrency names $LATEST in its not-found
        return self.functions.get(name, LATEST if missing_qualified else None)

    def _stage(
        self, live: FunctionConfig, new: FunctionConfig, publish: bool = False
    ) -> dict[str, Any]:
        """An update in progress: reads show ``new`` at once, invokes run it once it completes."""
        new.touched(self._now())
        self.lifecycle.update(live, new)
        if publish:
            version, frozen = self._publish(new)
            return frozen.as_aws(version, status=self._status(live.name, version))
        return new.as_aws(status=self._status(live.name))

    def _publish(
        self,
        config: FunctionConfig,
        code_sha256: str | None = None,
        revision_id: str | None = None,
        description: str | None = None,
    ) -> tuple[str, FunctionConfig]:
        live = self.functions.get(config.name)
        before = {number for number, _ in self.versions.list_versions(live)}
        version, frozen = self.versions.publish(config, code_sha256, revision_id, description)
        if version not in before:  # an unchanged function answers its last version again
            self.lifecycle.published(config.name, version)
        return version, frozen

    def _check_keys(self, params: dict[str, Any], allowed: tuple[str, ...]) -> None:
        if params.get("PackageType") == "Image" or (params.get("Code") or {}).get("ImageUri"):
            raise errors.InvalidParameterValueException(
                "The Lab deploys ZIP packages only (PackageType Zip): container images "
                "(ImageUri) are not available here"
            )
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

    def _store_code(self, config: FunctionConfig, zip_bytes: bytes, limit: int | None) -> None:
        digest = hashlib.sha256(zip_bytes).hexdigest()[:16]
        code_dir = os.path.join(self.code_root, "code", config.name, digest)
        if not os.path.isdir(code_dir):
            packaging.extract(zip_bytes, code_dir + ".partial", max_zip_bytes=limit)
            os.replace(code_dir + ".partial", code_dir)
            with open(code_dir + ".zip", "wb") as handle:
                handle.write(zip_bytes)
        config.code_dir = code_dir
        config.code_sha256 = packaging.code_sha256(zip_bytes)
        config.code_size = len(zip_bytes)

    def _layers(self, config: FunctionConfig, arns_given: Any) -> list[dict[str, Any]]:
        """A function's Layers, checked against the layer store (exist, at most 5, size)."""
        return self.layer_store.for_function(arns_given, layers.unzipped_size(config.code_dir))


def _checked_tags(tags: Any) -> dict[str, str]:
    if len(tags) > limits.TAGS_PER_RESOURCE_MAX:
        raise errors.InvalidParameterValueException("Number of tags exceeds resource tag limit.")
    return dict(tags)
