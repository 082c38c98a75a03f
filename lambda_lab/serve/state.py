"""``lambda-lab serve --state DIR``: the Lab's account kept on disk across restarts.

What is kept: every function (configuration and code ZIP), its published versions,
aliases, resource policy and reserved concurrency, event invoke configs, function URL and
provisioned concurrency configs, event source mappings with the definitions of their
queues, streams and tables (:mod:`lambda_lab.serve.state_sources`), the log groups and every
invocation record. Layout:

    state.json        a snapshot of the control plane (:mod:`lambda_lab.serve.plane`)
    journal.jsonl     every change since that snapshot, fsynced before its answer goes out
    logs/NNNNNN.jsonl every log line, appended: [group, stream, epoch seconds, [lines]]
    records/NNNNNN.jsonl every invocation record, appended (the Lab keeps only the newest)
    code/<sha256>.zip every deployment package, by content (written once, before it is named)
    .lock             held while a server uses DIR (two servers would overwrite each other)

A mutating Lambda call is acknowledged only once its change is in the journal (the REST
layer calls :meth:`StateKeeper.record_change` before it answers), so a SIGKILL at any moment
loses nothing that was acknowledged. A background thread journals changes that come from
elsewhere (a mapping becoming Enabled), makes log appends durable, and compacts the journal
into a new snapshot when it grows. Nothing is rewritten whole on the request path.
Configurations owned by other parts of the Lab go through the Lambda API itself: List*
operations to save them, the matching Create/Put operations to restore them.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import threading
import time
from typing import TYPE_CHECKING, Any

from lambda_lab import errors
from lambda_lab.control.functions import FunctionConfig
from lambda_lab.serve import api_state, plane, state_sources
from lambda_lab.serve.journal import SNAPSHOT_SEQ, Journal, StateFileError, write_atomically
from lambda_lab.serve.spill import Spill

if TYPE_CHECKING:
    from lambda_lab.lab import Lab

__all__ = ["StateDirLocked", "StateFileError", "StateKeeper", "read_state", "write_atomically"]

FORMAT = plane.FORMAT
SAVE_INTERVAL_S = 0.5
SOURCES_INTERVAL_S = 2.0  # queue, stream and table definitions are read from moto this often
COMPACT_LINES = 2000  # a journal this long (or this large) becomes a new snapshot
COMPACT_BYTES = 4 * 1024 * 1024
_FIELDS = plane.CONFIG_FIELDS
_SAVED_UUID = plane.SAVED_UUID


def read_state(directory: str) -> dict[str, Any]:
    """The control plane a state directory holds (state.json with its journal replayed),
    read without changing a file: what a server started on it would restore."""
    path = os.path.join(directory, "state.json")
    snapshot = None
    if os.path.exists(path):
        with open(path, "rb") as handle:
            snapshot = plane.check(json.load(handle), path)
    flat = plane.flatten(snapshot or {})
    Journal(directory).replay(flat, int((snapshot or {}).get(SNAPSHOT_SEQ, 0)), repair=False)
    return plane.unflatten(flat) if flat else {}


class StateDirLocked(RuntimeError):
    """Another server is using this state directory."""


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
        self.journal = Journal(self.directory)
        self.logs = Spill(os.path.join(self.directory, "logs"))
        self.records = Spill(os.path.join(self.directory, "records"))
        self._save_lock = threading.Lock()
        self._stop = threading.Event()
        self._saved: dict[str, str] = {}  # flat key -> its JSON, as the journal holds it
        self._saved_values: dict[str, Any] = {}
        self._sources: dict[str, Any] = {}
        self._sources_read = 0.0
        self._warned: set[str] = set()
        self._thread: threading.Thread | None = None
        self.load_seconds = 0.0

    # -- loading ------------------------------------------------------------------------------
    def load(self) -> dict[str, int]:
        """Restore DIR into the Lab (a new DIR restores nothing), then keep it; returns counts."""
        started = time.perf_counter()
        snapshot = self._read_json("state.json")
        if snapshot is not None:
            plane.check(snapshot, os.path.join(self.directory, "state.json"))
        flat = plane.flatten(snapshot or {})
        self.journal.replay(flat, int((snapshot or {}).get(SNAPSHOT_SEQ, 0)))
        state = (
            plane.check(plane.unflatten(flat), f"{self.journal.path} (replayed over state.json)")
            if flat
            else {}
        )
        self._sources = state.get("sources", {})
        self._restore(state)
        self._load_logs()
        self._saved_values = flat
        self._saved = {k: _encoded(v) for k, v in flat.items()}
        self.save()  # what restoring changed (new code folders, moved stream ARNs)
        self.lab.logs.spill = self._spill_log
        self.lab.records.spill = self._spill_record
        self.lab.rest_api().after_change = self.record_change
        self._thread = threading.Thread(
            target=self._save_now_and_then, name="lambda-lab-state", daemon=True
        )
        self._thread.start()
        self.load_seconds = time.perf_counter() - started
        return {
            "functions": len(state.get("functions", [])),
            "event source mappings": len(state.get("event_source_mappings", [])),
        }

    def _restore(self, state: dict[str, Any]) -> None:
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
            api_state.restore(
                self.lab,
                "put_function_concurrency",
                {"FunctionName": name, "ReservedConcurrentExecutions": amount},
            )
        for restore, items in state.get("api", {}).items():
            for params in items:
                api_state.restore(self.lab, restore, params)
        moved = (
            state_sources.restore(self.lab, state.get("sources", {}))
            if state.get("sources")
            else {}
        )
        for params in state.get("event_source_mappings", []):
            params = dict(params)
            params["EventSourceArn"] = moved.get(params["EventSourceArn"], params["EventSourceArn"])
            uuid = params.pop(_SAVED_UUID, None)
            try:
                self.lab.event_sources.mappings.create(params, uuid=uuid)
            except errors.LambdaError as exc:  # say what could not come back; go on with the rest
                print(
                    f"lambda-lab serve: could not restore event source mapping {uuid}: {exc}",
                    flush=True,
                )

    def _restore_function(self, fields: dict[str, Any]) -> FunctionConfig:
        zip_bytes = self._read_code(fields["code_sha256"])
        try:
            self.lab.service.create_function(
                {
                    "FunctionName": fields["name"],
                    "Code": {"ZipFile": zip_bytes},
                    "Runtime": fields["runtime"],
                }
            )
        except errors.LambdaError as exc:  # a hand-edited name or runtime, say
            raise StateFileError(
                f"{self.directory}: function {fields['name']!r} cannot be restored: {exc}; "
                "fix state.json or move the directory away"
            ) from None
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
        path = self._code_path(code_sha256)
        try:
            with open(path, "rb") as handle:
                return handle.read()
        except OSError as exc:
            raise StateFileError(
                f"the code package {path} (CodeSha256 {code_sha256}) cannot be read: "
                f"{exc.strerror}; put it back or move the state directory away"
            ) from None

    def _code_path(self, code_sha256: str) -> str:
        return os.path.join(self.directory, "code", base64.b64decode(code_sha256).hex() + ".zip")

    def _load_logs(self) -> None:
        """The newest log lines back into the Lab (as many as it keeps); older ones stay on disk."""
        old = os.path.join(self.directory, "logs.json")
        if os.path.exists(old):  # a directory written before the journal: move its logs over
            for group, streams in (self._read_json("logs.json") or {}).items():
                for stream, events in streams.items():
                    for when, message in events:
                        self.logs.append([group, stream, when, [message]])
            self.logs.sync()
            os.replace(old, old + ".moved")
        for item in self.logs.newest(self.lab.logs.max_invocations):
            try:
                group, stream, when, lines = item
                self.lab.logs.put(group, stream, float(when), [str(line) for line in lines])
            except (TypeError, ValueError):
                self.logs.damaged_lines += 1
        if self.logs.damaged_lines:
            print(
                f"lambda-lab serve: {self.logs.damaged_lines} damaged log line(s) in "
                f"{self.logs.folder} were skipped",
                flush=True,
            )

    def _spill_log(self, group: str, stream: str, when: float, lines: list[str]) -> None:
        self.logs.append([group, stream, when, lines])

    def _spill_record(self, record: Any) -> None:
        self.records.append(record.as_row())

    def _read_json(self, name: str) -> Any:
        path = os.path.join(self.directory, name)
        if not os.path.exists(path):
            return None
        with open(path, "rb") as handle:
            try:
                return json.load(handle)
            except ValueError as exc:
                raise StateFileError(
                    f"{path} is not valid JSON ({exc}); fix or move it away (it is left as it is)"
                ) from None

    # -- saving -------------------------------------------------------------------------------
    def _flat_plane(self) -> dict[str, Any]:
        """The control plane now, flattened; code packages are stored first, so no key ever
        names a package that is not on disk. Reads no other service (see _refresh_sources)."""
        # An update in progress is already acknowledged: keep the configuration reads show.
        functions = [self.lab.lifecycle.view(c) for c in self.lab.functions.all()]
        versions = self.lab.versions.export()
        published = [f for vs in versions["published"].values() for f in vs.values()]
        for fields in [c.__dict__ for c in functions] + published:
            self._save_code(fields["code_sha256"], fields["code_dir"])
        for fields in published:
            fields.pop("code_dir", None)  # where the code is unpacked now: not state
        document = {
            "format": FORMAT,
            "region": self.lab.region,
            "functions": [
                {k: v for k, v in c.__dict__.items() if k in _FIELDS and k != "code_dir"}
                for c in functions
            ],
            "versions": versions,
            "policies": self.lab.permissions.export(),
            "reserved_concurrency": {
                c.name: n
                for c in functions
                if (n := self.lab.concurrency.reserved(c.name)) is not None
            },
            "api": self._guarded(
                "event invoke, URL and provisioned concurrency configs",
                lambda: api_state.export_api(self.lab, functions),
                {},
            ),
            "event_source_mappings": self._guarded(
                "event source mappings", lambda: api_state.export_mappings(self.lab), []
            ),
            "sources": self._sources,
        }
        return plane.flatten(document)

    def save(self) -> int:
        """Journal whatever changed since the last save (fsynced); returns the keys written."""
        with self._save_lock:
            flat = self._flat_plane()
            encoded = {k: _encoded(v) for k, v in flat.items()}
            changed, removed = plane.diff(self._saved, encoded)
            if changed or removed:
                self.journal.append({k: flat[k] for k in changed}, removed)
                self._saved, self._saved_values = encoded, flat
            return len(changed) + len(removed)

    def record_change(self, operation: str = "") -> None:
        """Called by the REST layer after a mutating call, before it answers."""
        self.save()

    def compact(self) -> None:
        """Fold the journal into a new state.json (the journal is then empty)."""
        with self._save_lock:

            def render(seq: int) -> bytes:
                document = plane.unflatten(self._saved_values)
                document[SNAPSHOT_SEQ] = seq
                return json.dumps(document, indent=1).encode()

            self.journal.compact(os.path.join(self.directory, "state.json"), render)

    def _refresh_sources(self) -> None:
        """Re-read the definitions of queues, streams and tables (outside every lock: it goes
        through the endpoint, whose workers may be waiting for this keeper)."""
        if not self._saved_values or not any(k.startswith("mappings/") for k in self._saved):
            return
        self._sources = self._guarded(
            "queues, streams and tables", lambda: state_sources.export(self.lab), self._sources
        )
        self._sources_read = time.monotonic()

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

    def _save_now_and_then(self) -> None:
        while not self._stop.wait(SAVE_INTERVAL_S):
            try:
                if time.monotonic() - self._sources_read >= SOURCES_INTERVAL_S:
                    self._refresh_sources()
                self.save()
                self.logs.sync()
                self.records.sync()
                lines, size = self.journal.size
                if lines >= COMPACT_LINES or size >= COMPACT_BYTES:
                    self.compact()
            except OSError as exc:  # a full disk, say: tell once, keep serving, try again
                if "disk" not in self._warned:
                    self._warned.add("disk")
                    print(f"lambda-lab serve: cannot write {self.directory}: {exc}", flush=True)

    def close(self) -> None:
        """Journal everything one last time, fold it into state.json, then release DIR."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        if not self.lab.closed:
            self._refresh_sources()
            self.save()
            self.compact()
        self.lab.logs.spill = None
        self.lab.records.spill = None
        self.logs.close()
        self.records.close()
        self.journal.close()
        self.release()

    def release(self) -> None:
        """Let another server use DIR (without saving: e.g. after a failed load)."""
        self._lock_file.close()


def _encoded(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"))
