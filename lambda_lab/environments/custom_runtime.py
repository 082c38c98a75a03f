"""Execution environments for custom runtimes (provided.al2023, provided.al2).

The environment's process is the function's own executable ``bootstrap``, started from
the template like any worker (own session, death signal, environment block, log file,
limits) and then exec'd. It talks HTTP to its Runtime API server
(:mod:`lambda_lab.api.runtime_api`), which turns that into the frames an
:class:`Environment` already waits on. So the deadline kill, the memory watch, Init
Duration, Max Memory Used and the REPORT line are the very same code as for Python.
"""

from __future__ import annotations

import json
import os
import socket

from lambda_lab import limits
from lambda_lab.environments.environment import Environment
from lambda_lab.environments.outcome import Outcome, State, open_log
from lambda_lab.environments.processes import descendants, statm_rss_kb

BOOTSTRAP = "bootstrap"


def is_custom_runtime(runtime: str) -> bool:
    return runtime in limits.CUSTOM_RUNTIMES


class CustomRuntimeEnvironment(Environment):
    """An environment whose process is ``$LAMBDA_TASK_ROOT/bootstrap``, served by a Runtime API."""

    _api = None

    def start(self, init_limit_s: float | None = None) -> Outcome:
        path = os.path.join(self.config["task_root"], BOOTSTRAP)
        if not (os.path.isfile(path) and os.access(path, os.X_OK)):
            self.state = State.DEAD
            problem = (
                f"fork/exec {limits.TASK_ROOT}/{BOOTSTRAP}: permission denied"
                if os.path.isfile(path)
                else f"Couldn't find valid bootstrap(s): [{limits.TASK_ROOT}/{BOOTSTRAP} /opt/{BOOTSTRAP}]"
            )
            payload = json.dumps(
                {"errorType": "Runtime.InvalidEntrypoint", "errorMessage": problem}
            ).encode()
            return Outcome("error", payload, 0.0, 0, "", "Runtime.InvalidEntrypoint")
        return super().start(init_limit_s)

    def _launch(self, log_path: str) -> socket.socket:
        from lambda_lab.api.runtime_api import (
            RuntimeApi,  # only custom runtimes pay for http.server
        )

        self._api = RuntimeApi()
        environ = dict(self.config["environ"])
        environ["AWS_LAMBDA_RUNTIME_API"] = self._api.address
        environ.pop("AWS_EXECUTION_ENV", None)  # AWS sets it for managed runtimes only
        config = {
            **self.config,
            "environ": environ,
            "exec": os.path.join(self.config["task_root"], BOOTSTRAP),
        }
        log_fd = open_log(log_path)
        try:
            self._adopt(self._spawner.fork(config, log_fd, None))
        finally:
            os.close(log_fd)
        self._api.watch(self.pid)
        return self._api.lab_socket

    def _used_kb(self) -> int:
        """Resident memory of the bootstrap and every process it started: a shell runtime's
        children (curl, the handler program) use the function's memory too."""
        return sum(statm_rss_kb(p) for p in [self.pid, *descendants(self.pid)])

    def invoke(
        self, header: dict | bytes, payload: bytes, timeout_s: float, request_id: str = ""
    ) -> Outcome:
        # The bootstrap's output is one growing file: this invoke's part starts at its end now.
        if self._log_fd >= 0:
            self._log_start = os.fstat(self._log_fd).st_size
        return super().invoke(header, payload, timeout_s, request_id)

    def kill(self) -> None:
        super().kill()
        if self._api is not None:
            self._api.close()
