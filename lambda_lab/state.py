"""``lambda-lab serve --state DIR``: the Lab's account kept on disk across restarts.

What is kept: every function (configuration and code ZIP), its published versions,
aliases, resource policy and reserved concurrency, event invoke configs, event source
mappings, function URL configs, provisioned concurrency configs, and the log groups.
Layout of DIR:

    state.json        the control plane (one JSON document)
    logs.json         every log event: group -> stream -> [[epoch seconds, message], ...]
    code/<sha256>.zip every deployment package, by content (written once)
    .lock             held while a server uses DIR (two servers would overwrite each other)

Every file is written to a temporary name and moved into place (``os.replace``), so a crash
leaves the previous complete copy, never half a file. The control plane is saved after
each change; logs, which invokes keep adding to, at most every ``LOG_FLUSH_S`` and on close.
Configurations owned by other parts of the Lab are saved through the Lambda API itself
(List* operations) and restored with the matching Create/Put operations.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import threading
from typing import TYPE_CHECKING, Any

from lambda_lab import errors
from lambda_lab.functions import FunctionConfig

if TYPE_CHECKING:
    from lambda_lab.lab import Lab

FORMAT = 1
LOG_FLUSH_S = 1.0
# (list operation, list member, restore operation, members the restore does not take)
_API_KEPT = (
    ("list_function_event_invoke_configs", "FunctionEventInvokeConfigs", "put_function_event_invoke_config",
     ("LastModified", "FunctionArn")),
    ("list_function_url_configs", "FunctionUrlConfigs", "create_function_url_config",
     ("FunctionUrl", "FunctionArn", "CreationTime", "LastModifiedTime")),
    ("list_provisioned_concurrency_configs", "ProvisionedConcurrencyConfigs", "put_provisioned_concurrency_config",
     ("FunctionArn", "AvailableProvisionedConcurrentExecutions", "AllocatedProvisionedConcurrentExecutions",
      "Status", "StatusReason", "LastModified", "RequestedProvisionedConcurrentExecutions")),
)
_MAPPING_OUTPUT_ONLY = ("UUID", "FunctionArn", "LastModified", "LastProcessingResult", "State",
                        "StateTransitionReason", "EventSourceMappingArn", "FilterCriteria")


class StateDirLocked(RuntimeError):
    """Another server is using this state directory."""


def write_atomically(path: str, data: bytes) -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the new one, never a mix."""
    temporary = f"{path}.{os.getpid()}.{threading.get_ident()}.tmp"
    with open(temporary, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)


class StateKeeper:
    """Loads DIR into a Lab, then keeps DIR up to date with it until :meth:`close`."""

    def __init__(self, lab: Lab, directory: str) -> None:
        import fcntl

        self.lab = lab
        self.directory = os.path.abspath(directory)
        os.makedirs(os.path.join(self.directory, "code"), exist_ok=True)
        self._lock_file = open(os.path.join(self.directory, ".lock"), "w")  # noqa: SIM115 - held until close
        try:
            fcntl.flock(self._lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._lock_file.close()
            raise StateDirLocked(f"{self.directory} is in use by another lambda-lab serve")
        self._save_lock = threading.Lock()
        self._stop = threading.Event()
        self._logs_seen = -1
        self._flusher: threading.Thread | None = None
        self.restored: dict[str, int] = {}

    # -- loading ------------------------------------------------------------------------------
    def load(self) -> dict[str, int]:
        """Restore DIR into the Lab (an empty or new DIR restores nothing); returns counts."""
        state = self._read_json("state.json") or {}
        if state and state.get("format") != FORMAT:
            raise ValueError(f"{self.directory}/state.json has format {state.get('format')!r}; expected {FORMAT}")
        code_dirs: dict[str, str] = {}
        for fields in state.get("functions", []):
            config = self._restore_function(fields)
            code_dirs[config.code_sha256] = config.code_dir
        for fields in (f for vs in state.get("versions", {}).get("published", {}).values() for f in vs.values()):
            if fields["code_sha256"] not in code_dirs:
                code_dirs[fields["code_sha256"]] = self._unpack(fields["name"], fields["code_sha256"])
        self.lab.versions.load(state.get("versions", {}), code_dirs)
        self.lab.permissions.load(state.get("policies", []))
        for name, amount in state.get("reserved_concurrency", {}).items():
            self.lab.concurrency.reserve(name, amount)
        for restore, items in state.get("api", {}).items():
            for params in items:
                self._call(restore, params)
        for params in state.get("event_source_mappings", []):
            self._call("create_event_source_mapping", params)
        self._load_logs()
        self.restored = {"functions": len(state.get("functions", [])),
                         "event_source_mappings": len(state.get("event_source_mappings", []))}
        self._logs_seen = len(self.lab.records)
        self._flusher = threading.Thread(target=self._flush_logs_now_and_then, name="lambda-lab-state", daemon=True)
        self._flusher.start()
        return self.restored

    def _restore_function(self, fields: dict[str, Any]) -> FunctionConfig:
        zip_bytes = self._read_code(fields["code_sha256"])
        self.lab.service.create_function({"FunctionName": fields["name"], "Code": {"ZipFile": zip_bytes},
                                          "Runtime": fields["runtime"]})
        config = self.lab.functions.get(fields["name"])
        kept = {k: v for k, v in fields.items() if k in _FIELDS and k not in ("code_dir", "code_sha256", "code_size")}
        config.__dict__.update(kept)  # the saved RevisionId, LastModified, settings and tags, as they were
        return config

    def _unpack(self, function_name: str, code_sha256: str) -> str:
        """Extract an older version's package next to the Lab's other code; returns its folder."""
        from lambda_lab import packaging

        zip_bytes = self._read_code(code_sha256)
        folder = os.path.join(self.lab.root_dir, "code", function_name, hashlib.sha256(zip_bytes).hexdigest()[:16])
        if not os.path.isdir(folder):
            packaging.extract(zip_bytes, folder)
        return folder

    def _read_code(self, code_sha256: str) -> bytes:
        with open(self._code_path(code_sha256), "rb") as handle:
            return handle.read()

    def _code_path(self, code_sha256: str) -> str:
        import base64

        return os.path.join(self.directory, "code", base64.b64decode(code_sha256).hex() + ".zip")

    def _load_logs(self) -> None:
        for group, streams in (self._read_json("logs.json") or {}).items():
            for stream, events in streams.items():
                for when, message in events:
                    self.lab.logs.put(group, stream, when, [message])

    def _call(self, operation: str, params: dict[str, Any]) -> None:
        from lambda_lab.api import operations

        try:
            getattr(operations, operation)(self.lab, dict(params))
        except (errors.LambdaError, AttributeError) as exc:  # say what could not come back; go on
            print(f"lambda-lab serve: could not restore {operation} {params}: {exc}", flush=True)

    def _read_json(self, name: str) -> Any:
        path = os.path.join(self.directory, name)
        if not os.path.exists(path):
            return None
        with open(path, "rb") as handle:
            return json.load(handle)

    # -- saving -------------------------------------------------------------------------------
    def save(self) -> None:
        """Write the control plane now (code packages first, so state.json never names a missing one)."""
        with self._save_lock:
            functions = self.lab.functions.all()
            versions = self.lab.versions.export()
            for config in functions + [FunctionConfig(**f) for vs in versions["published"].values()
                                       for f in vs.values()]:
                self._save_code(config)
            state = {
                "format": FORMAT,
                "region": self.lab.region,
                "functions": [_fields(c) for c in functions],
                "versions": versions,
                "policies": self.lab.permissions.export(),
                "reserved_concurrency": {c.name: n for c in functions
                                         if (n := self.lab.concurrency.reserved(c.name)) is not None},
                "api": self._export_api(functions),
                "event_source_mappings": self._export_mappings(),
            }
            write_atomically(os.path.join(self.directory, "state.json"), json.dumps(state, indent=1).encode())

    def save_logs(self) -> None:
        with self._save_lock:
            logs: dict[str, dict[str, list[list[Any]]]] = {}
            for group in self.lab.logs.groups():
                for event in self.lab.logs.events(group):
                    logs.setdefault(group, {}).setdefault(event.stream, []).append([event.timestamp, event.message])
            write_atomically(os.path.join(self.directory, "logs.json"), json.dumps(logs).encode())

    def changed(self, method: str, path: str) -> None:
        """A request changed the Lab: save the control plane (invokes only add logs)."""
        if not path.endswith("/invocations"):
            self.save()

    def _save_code(self, config: FunctionConfig) -> None:
        path = self._code_path(config.code_sha256)
        if not os.path.exists(path) and os.path.exists(config.code_dir + ".zip"):
            with open(config.code_dir + ".zip", "rb") as handle:
                write_atomically(path, handle.read())

    def _export_api(self, functions: list[FunctionConfig]) -> dict[str, list[dict[str, Any]]]:
        from lambda_lab.api import operations

        kept: dict[str, list[dict[str, Any]]] = {}
        for list_op, member, restore, output_only in _API_KEPT:
            lister = getattr(operations, list_op, None)
            if lister is None:
                continue
            for config in functions:
                for item in lister(self.lab, {"FunctionName": config.name}).get(member, []):
                    params = {k: v for k, v in item.items() if k not in output_only}
                    params["FunctionName"] = item.get("FunctionArn", config.name)
                    if restore == "put_provisioned_concurrency_config":
                        params["FunctionName"], _, params["Qualifier"] = item["FunctionArn"].rpartition(":")
                        params["ProvisionedConcurrentExecutions"] = item["RequestedProvisionedConcurrentExecutions"]
                    kept.setdefault(restore, []).append(params)
        return kept

    def _export_mappings(self) -> list[dict[str, Any]]:
        from lambda_lab.api import operations

        lister = getattr(operations, "list_event_source_mappings", None)
        if lister is None:
            return []
        kept = []
        for mapping in lister(self.lab, {}).get("EventSourceMappings", []):
            params = {k: v for k, v in mapping.items() if k not in _MAPPING_OUTPUT_ONLY}
            params["FunctionName"] = mapping["FunctionArn"]
            if mapping.get("FilterCriteria"):
                params["FilterCriteria"] = mapping["FilterCriteria"]
            params["Enabled"] = mapping.get("State") not in ("Disabled", "Disabling")
            kept.append(params)
        return kept

    def _flush_logs_now_and_then(self) -> None:
        while not self._stop.wait(LOG_FLUSH_S):
            seen = len(self.lab.records)
            if seen != self._logs_seen:
                self._logs_seen = seen
                self.save_logs()

    def close(self) -> None:
        """Final save of everything, then release DIR."""
        self._stop.set()
        if self._flusher is not None:
            self._flusher.join()
        if not self.lab.closed:
            self.save()
            self.save_logs()
        self._lock_file.close()


_FIELDS = {f.name for f in dataclasses.fields(FunctionConfig)}


def _fields(config: FunctionConfig) -> dict[str, Any]:
    return {k: v for k, v in config.__dict__.items() if k in _FIELDS}
