"""Event source mappings: Create/Get/Update/Delete/ListEventSourceMapping(s) and their pollers.

A mapping links a queue or stream to a function; Lambda's poller reads it, builds batches
and invokes the function synchronously (invocation records of type ``poll``). Here each
mapping has one poller object (:mod:`.sqs` or :mod:`.streams`) that the endpoint wakes when
data arrives, so an idle Lab never polls.
"""

from __future__ import annotations

import builtins
import threading
from typing import TYPE_CHECKING, Any

from lambda_lab import errors, limits
from lambda_lab.event_sources.mappings.config import SQS, MappingConfig, apply, source_kind

if TYPE_CHECKING:
    from lambda_lab.control.versions import Versions
    from lambda_lab.event_sources.mappings.poller import PollerTools


class MappingManager:
    def __init__(self, tools: PollerTools, versions: Versions) -> None:
        self._tools = tools  # handed to each new poller
        self._functions = tools.functions
        self._versions = versions
        self._clock = tools.clock
        self._configs: dict[str, MappingConfig] = {}
        self._pollers: dict[str, Any] = {}
        self._lock = threading.Lock()

    # -- the API operations -----------------------------------------------------------------
    def create(self, params: dict[str, Any], uuid: str | None = None) -> dict[str, Any]:
        """CreateEventSourceMapping; ``uuid`` only when a saved mapping comes back (serve --state)."""
        kind = source_kind(params.get("EventSourceArn"))
        function = self._functions.get(str(params.get("FunctionName")))
        qualifier = self._versions.qualifier(params["FunctionName"], None)
        self._versions.resolve(function, params["FunctionName"], qualifier, route=False)
        function_arn = function.arn if qualifier == "$LATEST" else f"{function.arn}:{qualifier}"
        config = MappingConfig(params["EventSourceArn"], kind, params["FunctionName"], function_arn)
        if uuid:
            config.uuid = uuid
        config.batch_size = limits.SQS_BATCH_DEFAULT if kind == SQS else limits.STREAM_BATCH_DEFAULT
        apply(config, params, creating=True)
        with self._lock:
            for other in self._configs.values():
                if (
                    other.source_arn == config.source_arn
                    and other.function_arn == config.function_arn
                ):
                    raise errors.ResourceConflictException(
                        f"The event source arn ({config.source_arn}) and function ({function.name}) provided mapping "
                        f"already exists. Please update or delete the existing mapping with UUID {other.uuid}"
                    )
        poller = self._new_poller(config)  # checks that the queue or stream exists
        if kind == SQS:
            self._check_visibility(poller.visibility_timeout_s, function.timeout_s)
        config.last_modified = self._clock.time()
        answer = config.as_aws("Creating")
        config.state = "Enabled" if config.enabled else "Disabled"
        with self._lock:
            self._configs[config.uuid] = config
            self._pollers[config.uuid] = poller
        poller.start()
        return answer

    def get(self, uuid: str) -> dict[str, Any]:
        return self._config(uuid).as_aws()

    def update(self, params: dict[str, Any]) -> dict[str, Any]:
        config = self._config(params.get("UUID", ""))
        changes = {k: v for k, v in params.items() if k != "UUID"}
        if changes.get("FunctionName"):
            function = self._functions.get(changes["FunctionName"])
            config.function_name, config.function_arn = changes["FunctionName"], function.arn
        updated = MappingConfig(**{**config.__dict__})
        apply(updated, changes, creating=False)
        updated.last_modified = self._clock.time()
        answer = updated.as_aws("Updating")
        updated.state = "Enabled" if updated.enabled else "Disabled"
        config.__dict__.update(updated.__dict__)
        poller = self._pollers.get(config.uuid)
        if poller is not None:
            poller.wake()
        return answer

    def delete(self, uuid: str) -> dict[str, Any]:
        config = self._config(uuid)
        with self._lock:
            self._configs.pop(uuid, None)
            poller = self._pollers.pop(uuid, None)
        if poller is not None:
            poller.stop()
        return config.as_aws("Deleting")

    def list(
        self,
        source_arn: str | None,
        function_name: str | None,
        marker: str | None,
        max_items: int | None,
    ) -> dict[str, Any]:
        wanted = self._functions.get(function_name).name if function_name else None
        with self._lock:
            found = [
                c for c in self._configs.values()
                if (source_arn is None or c.source_arn == source_arn)
                and (wanted is None or c.function_arn.split(":")[6] == wanted)
            ]  # fmt: skip
        start = int(marker) if marker and str(marker).isdigit() else 0
        size = max_items or 100
        result: dict[str, Any] = {
            "EventSourceMappings": [c.as_aws() for c in found[start : start + size]]
        }
        if start + size < len(found):
            result["NextMarker"] = str(start + size)
        return result

    # -- the Lab's side -----------------------------------------------------------------------
    def poller(self, uuid: str) -> Any:
        """The poller of a mapping (its ``history`` of batches feeds the timeline)."""
        with self._lock:
            found = self._pollers.get(uuid)
        if found is None:
            raise errors.ResourceNotFoundException(
                f"The resource you requested does not exist. (Service: Lambda; UUID {uuid})"
            )
        return found

    def wake(self, kind: str | None = None) -> None:
        """New data may be waiting: pollers of that kind (or all) look now."""
        with self._lock:
            pollers = [p for p in self._pollers.values() if kind is None or p.config.kind == kind]
        for poller in pollers:
            poller.wake()

    def configs(self) -> builtins.list[MappingConfig]:  # `list` is also the operation below
        with self._lock:
            return list(self._configs.values())

    def close(self) -> None:
        with self._lock:
            pollers = list(self._pollers.values())
            self._pollers.clear()
        for poller in pollers:
            poller.stop()

    # -- helpers ------------------------------------------------------------------------------
    def _config(self, uuid: str) -> MappingConfig:
        with self._lock:
            found = self._configs.get(uuid)
        if found is None:
            raise errors.ResourceNotFoundException(
                f"The resource you requested does not exist. (Service: Lambda; event source mapping {uuid})"
            )
        return found

    def _new_poller(self, config: MappingConfig) -> Any:
        if config.kind == SQS:
            from lambda_lab.event_sources.mappings.sqs import SqsPoller

            return SqsPoller(self._tools, config)
        from lambda_lab.event_sources.mappings.streams import StreamPoller

        return StreamPoller(self._tools, config)

    @staticmethod
    def _check_visibility(visibility_s: int, timeout_s: int) -> None:
        if visibility_s < timeout_s:
            raise errors.InvalidParameterValueException(
                f"Queue visibility timeout: {visibility_s} seconds is less than Function timeout: {timeout_s} seconds"
            )
