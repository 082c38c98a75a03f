"""``lambda-lab serve --state DIR``: the Lab's account kept on disk across restarts.

What is kept: every function (configuration and code ZIP), its published versions,
aliases, resource policy and reserved concurrency, event invoke configs, function URL and
provisioned concurrency configs, event source mappings with the definitions of their
queues, streams and tables (:mod:`lambda_lab.serve.state_sources`), and the log groups. Layout:

    state.json        the control plane (one JSON document)
    logs.json         every log event: group -> stream -> [[epoch seconds, message], ...]
    code/<sha256>.zip every deployment package, by content (written once)
    .lock             held while a server uses DIR (two servers would overwrite each other)

Every file is written to a temporary name, flushed and moved into place (``os.replace``): a
crash leaves the previous complete file, never half of one. A background thread saves
whatever changed every ``SAVE_INTERVAL_S``; :meth:`StateKeeper.close` saves everything.
Configurations owned by other parts of the Lab go through the Lambda API itself: List*
operations to save them, the matching Create/Put operations to restore them.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import json
import os
import threading
from typing import TYPE_CHECKING, Any

from lambda_lab import errors
from lambda_lab.control.functions import FunctionConfig
from lambda_lab.serve import state_sources

if TYPE_CHECKING:
    from lambda_lab.lab import Lab

FORMAT = 1
SAVE_INTERVAL_S = 0.5
# (list operation, list member, restore operation, members the restore does not take)
_API_KEPT = (
    (
        "list_function_event_invoke_configs",
        "FunctionEventInvokeConfigs",
        "put_function_event_invoke_config",
        ("LastModified", "FunctionArn"),
    ),
    (
        "list_function_url_configs",
        "FunctionUrlConfigs",
        "create_function_url_config",
        ("FunctionUrl", "FunctionArn", "CreationTime", "LastModifiedTime"),
    ),
    (
        "list_provisioned_concurrency_configs",
        "ProvisionedConcurrencyConfigs",
        "put_provisioned_concurrency_config",
        (
            "FunctionArn",
            "AvailableProvisionedConcurrentExecutions",
            "AllocatedProvisionedConcurrentExecutions",
            "Status",
            "StatusReason",
            "LastModified",
            "RequestedProvisionedConcurrentExecutions",
        ),
    ),
)
_SAVED_UUID = "_UUID"
_MAPPING_OUTPUT_ONLY = (
    "UUID",
    "FunctionArn",
    "LastModified",
    "LastProcessingResult",
    "State",
    "StateTransitionReason",
    "EventSourceMappingArn",
)
_FIELDS = {f.name for f in dataclasses.fields(FunctionConfig)}


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
            raise StateDirLocked(
                f"{self.directory} is in use by another lambda-lab serve"
            ) from None
        self._save_lock = threading.Lock()
        self._stop = threading.Event()
        self._saved_plane = b""
        self._saved_records = -1
        self._warned: set[str] = set()
        self._thread: threading.Thread | None = None

    # -- loading ------------------------------------------------------------------------------
    def load(self) -> dict[str, int]:
        """Restore DIR into the Lab (a new DIR restores nothing), then start saving; returns counts."""
        state = self._read_json("state.json") or {}
        if state and state.get("format") != FORMAT:
            raise ValueError(
                f"{self.directory}/state.json has format {state.get('format')!r}; expected {FORMAT}"
            )
        code_dirs: dict[str, str] = {}
        for fields in state.get("functions", []):
            config = self._restore_function(fields)
            code_dirs[config.code_sha256] = config.code_dir
        for fields in (
            f for vs in state.get("versions", {}).get("published", {}).values() for f in vs.values()
        ):
            if fields["code_sha256"] not in code_dirs:
                code_dirs[fields["code_sha256"]] = self._unpack(
                    fields["name"], fields["code_sha256"]
                )
        self.lab.versions.load(state.get("versions", {}), code_dirs)
        self.lab.permissions.load(state.get("policies", []))
        for name, amount in state.get("reserved_concurrency", {}).items():
            self._call(
                "put_function_concurrency",
                {"FunctionName": name, "ReservedConcurrentExecutions": amount},
            )
        for restore, items in state.get("api", {}).items():
            for params in items:
                self._call(restore, params)
        moved = (
            state_sources.restore(self.lab, state.get("sources", {}))
            if state.get("sources")
            else {}
        )
        for params in state.get("event_source_mappings", []):
            params["EventSourceArn"] = moved.get(params["EventSourceArn"], params["EventSourceArn"])
            uuid = params.pop(_SAVED_UUID, None)
            try:
                self.lab.event_sources.mappings.create(params, uuid=uuid)
            except (
                errors.LambdaError
            ) as exc:  # say what could not come back, and go on with the rest
                print(
                    f"lambda-lab serve: could not restore event source mapping {uuid}: {exc}",
                    flush=True,
                )
        self._load_logs()
        self._saved_plane = self._plane_bytes()
        self._saved_records = len(self.lab.records)
        self._thread = threading.Thread(
            target=self._save_now_and_then, name="lambda-lab-state", daemon=True
        )
        self._thread.start()
        return {
            "functions": len(state.get("functions", [])),
            "event source mappings": len(state.get("event_source_mappings", [])),
        }

    def _restore_function(self, fields: dict[str, Any]) -> FunctionConfig:
        zip_bytes = self._read_code(fields["code_sha256"])
        self.lab.service.create_function(
            {
                "FunctionName": fields["name"],
                "Code": {"ZipFile": zip_bytes},
                "Runtime": fields["runtime"],
            }
        )
        self.lab.lifecycle.settle(fields["name"])  # it existed before the restart: Active at once
        config = self.lab.functions.get(fields["name"])
        kept = {
            k: v
            for k, v in fields.items()
            if k in _FIELDS and k not in ("code_dir", "code_sha256", "code_size")
        }
        config.__dict__.update(
            kept
        )  # the saved settings, tags, RevisionId and LastModified, as they were
        return config

    def _unpack(self, function_name: str, code_sha256: str) -> str:
        """Extract an older version's package next to the Lab's other code; returns its folder."""
        from lambda_lab.control import packaging

        zip_bytes = self._read_code(code_sha256)
        folder = os.path.join(
            self.lab.root_dir, "code", function_name, hashlib.sha256(zip_bytes).hexdigest()[:16]
        )
        if not os.path.isdir(folder):
            packaging.extract(zip_bytes, folder)
        return folder

    def _read_code(self, code_sha256: str) -> bytes:
        with open(self._code_path(code_sha256), "rb") as handle:
            return handle.read()

    def _code_path(self, code_sha256: str) -> str:
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
        except errors.LambdaError as exc:  # say what could not come back, and go on with the rest
            print(f"lambda-lab serve: could not restore {operation} {params}: {exc}", flush=True)

    def _read_json(self, name: str) -> Any:
        path = os.path.join(self.directory, name)
        if not os.path.exists(path):
            return None
        with open(path, "rb") as handle:
            try:
                return json.load(handle)
            except ValueError as exc:
                raise ValueError(f"{path} is not valid JSON ({exc}); fix or move it away") from None

    # -- saving -------------------------------------------------------------------------------
    def _plane(self) -> dict[str, Any]:
        functions = self.lab.functions.all()
        return {
            "format": FORMAT,
            "region": self.lab.region,
            "functions": [{k: v for k, v in c.__dict__.items() if k in _FIELDS} for c in functions],
            "versions": self.lab.versions.export(),
            "policies": self.lab.permissions.export(),
            "reserved_concurrency": {
                c.name: n
                for c in functions
                if (n := self.lab.concurrency.reserved(c.name)) is not None
            },
            "api": self._guarded(
                "event invoke, URL and provisioned concurrency configs",
                lambda: self._export_api(functions),
                {},
            ),
            "event_source_mappings": self._guarded(
                "event source mappings", self._export_mappings, []
            ),
        }

    def _plane_bytes(self) -> bytes:
        return json.dumps(self._plane(), indent=1).encode()

    def save(self, force: bool = False) -> None:
        """Write the control plane if it changed (code packages first, so that state.json never
        names a package that is not there yet; queue and table definitions with it)."""
        with self._save_lock:
            plane = self._plane_bytes()
            if plane == self._saved_plane and not force:
                return
            document = json.loads(plane)
            for fields in document["functions"] + [
                f for vs in document["versions"]["published"].values() for f in vs.values()
            ]:
                self._save_code(fields["code_sha256"], fields["code_dir"])
            document["sources"] = self._guarded(
                "queues, streams and tables", lambda: state_sources.export(self.lab), {}
            )
            write_atomically(
                os.path.join(self.directory, "state.json"), json.dumps(document, indent=1).encode()
            )
            self._saved_plane = plane

    def save_logs(self) -> None:
        with self._save_lock:
            logs: dict[str, dict[str, list[list[Any]]]] = {}
            for group in self.lab.logs.groups():
                for event in self.lab.logs.events(group):
                    logs.setdefault(group, {}).setdefault(event.stream, []).append(
                        [event.timestamp, event.message]
                    )
            write_atomically(os.path.join(self.directory, "logs.json"), json.dumps(logs).encode())

    def _guarded(self, what: str, export: Any, empty: Any) -> Any:
        """A part that cannot be read must not stop the rest from being saved; say so once."""
        try:
            return export()
        except Exception as exc:  # a part of the Lab still starting, or a bug there: keep the rest
            if what not in self._warned:
                self._warned.add(what)
                print(
                    f"lambda-lab serve: could not save {what}: {type(exc).__name__}: {exc}",
                    flush=True,
                )
            return empty

    def _save_code(self, code_sha256: str, code_dir: str) -> None:
        path = self._code_path(code_sha256)
        if not os.path.exists(path) and os.path.exists(code_dir + ".zip"):
            with open(code_dir + ".zip", "rb") as handle:
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
                        params["FunctionName"], _, params["Qualifier"] = item[
                            "FunctionArn"
                        ].rpartition(":")
                        params["ProvisionedConcurrentExecutions"] = item[
                            "RequestedProvisionedConcurrentExecutions"
                        ]
                    kept.setdefault(restore, []).append(params)
        return kept

    def _export_mappings(self) -> list[dict[str, Any]]:
        from lambda_lab.api import operations

        kept = []
        for mapping in operations.list_event_source_mappings(self.lab, {}).get(
            "EventSourceMappings", []
        ):
            params = {k: v for k, v in mapping.items() if k not in _MAPPING_OUTPUT_ONLY}
            params["FunctionName"] = mapping["FunctionArn"]
            params[_SAVED_UUID] = mapping["UUID"]  # a mapping keeps its identity across restarts
            params["Enabled"] = mapping.get("State") not in ("Disabled", "Disabling")
            kept.append(params)
        return kept

    def _save_now_and_then(self) -> None:
        while not self._stop.wait(SAVE_INTERVAL_S):
            self.save()
            if len(self.lab.records) != self._saved_records:
                self._saved_records = len(self.lab.records)
                self.save_logs()

    def close(self) -> None:
        """Save everything one last time, then release DIR."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        if not self.lab.closed:
            self.save(force=True)
            self.save_logs()
        self.release()

    def release(self) -> None:
        """Let another server use DIR (without saving: e.g. after a failed load)."""
        self._lock_file.close()
