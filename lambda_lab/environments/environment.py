"""One execution environment, seen from the Lab: a worker process and its small state machine.

The Lab enforces what AWS enforces from outside the sandbox: the timeout (the worker is
killed at the deadline), the memory size (the worker is killed above it; Max Memory Used
is the worker's own measured peak) and the init limit. Waiting happens in short slices so
that the same loop watches memory without a thread of its own.
"""

from __future__ import annotations

import enum
import json
import math
import os
import select
import signal
import socket
import time
from dataclasses import dataclass

from lambda_lab import limits
from lambda_lab.environments import protocol
from lambda_lab.environments.cpu import CpuGovernor
from lambda_lab.environments.spawner import Spawner

SPIN_S = 0.00008  # how long to look for a quick answer before sleeping in poll()
WATCH_SLICE_S = 0.004  # how often a running worker's memory is sampled
LOG_KEEP_BYTES = 256 * 1024  # per invocation, head and tail each, as CloudWatch caps an event
_PAGE = os.sysconf("SC_PAGE_SIZE")


class State(enum.Enum):
    STARTING = "starting"
    READY = "ready"
    BUSY = "busy"
    DEAD = "dead"


class StateError(RuntimeError):
    pass


@dataclass
class Outcome:
    """What one phase (init or invoke) of an environment produced."""

    outcome: str  # success | error | timeout | out_of_memory | crash
    payload: bytes  # the result, or AWS's error document
    duration_ms: float
    max_memory_mb: int
    log: str
    error_type: str | None = None


def _error_payload(error_type: str, message: str) -> bytes:
    return json.dumps({"errorType": error_type, "errorMessage": message}).encode()


class Environment:
    def __init__(
        self,
        spawner: Spawner,
        env_id: str,
        env_dir: str,
        memory_mb: int,
        config: dict,
        cpu_share: float = 1.0,
    ) -> None:
        self.env_id = env_id
        self.env_dir = env_dir
        self.memory_mb = memory_mb
        self.cpu_share = cpu_share
        self.state = State.STARTING
        self.invocations = 0
        self.pid = 0
        self.exit_reason = ""
        self.frozen = False
        # Set by the pool that owns it:
        self.function_name = ""
        self.version = "$LATEST"
        self.generation = 0
        self.log_stream = ""
        self.initialization_type = "on-demand"
        self.idle_since = 0.0
        self._spawner = spawner
        self.config = config
        self._sock: socket.socket | None = None
        self._poller: select.poll | None = None
        self._log_fd = -1
        self._log_start = 0  # where this phase's output begins in the log file
        self._peak_kb = 0

    # -- transitions -------------------------------------------------------------------
    def _move(self, expected: State, new: State) -> None:
        if self.state is not expected:
            raise StateError(
                f"environment {self.env_id} is {self.state.value}, expected {expected.value}"
            )
        self.state = new

    def start(self, init_limit_s: float | None = None) -> Outcome:
        """Fork the worker and run the function's init code (the cold start)."""
        if init_limit_s is None:
            init_limit_s = limits.INIT_TIMEOUT_S
        log_path = os.path.join(self.env_dir, "log")
        self._spawner.ensure_started()  # the sandbox's host, not part of the INIT phase
        started = time.perf_counter()
        self._sock = self._launch(log_path)
        self._log_fd = os.open(log_path, os.O_RDONLY | os.O_CREAT, 0o600)
        outcome = self._wait(started, init_limit_s, phase="init")
        if outcome.outcome == "success":
            self._move(State.STARTING, State.READY)
        else:
            self.kill()
        return outcome

    def _launch(self, log_path: str) -> socket.socket:
        """Start the worker process; returns the Lab's end of the frame socket it answers on."""
        ours, theirs = socket.socketpair()
        try:
            self.pid = self._spawner.fork({**self.config, "log_path": log_path}, theirs.fileno())
        finally:
            theirs.close()
        return ours

    def invoke(self, header: dict | bytes, payload: bytes, timeout_s: float) -> Outcome:
        self._move(State.READY, State.BUSY)
        self.thaw()
        assert self._sock is not None
        self.invocations += 1
        started = time.perf_counter()
        try:
            protocol.send(self._sock, header, payload)
        except OSError:
            pass  # the worker is already gone; _wait reports how it ended
        outcome = self._wait(started, timeout_s, phase="invoke")
        if self.state is State.BUSY:
            self.state = State.READY
        return outcome

    def freeze(self) -> None:
        """Stop the worker between invokes, as Lambda freezes an idle environment: a
        background thread started by the handler does not run again until the next invoke."""
        if self.state is State.READY and not self.frozen and self.pid:
            self._signal_group(signal.SIGSTOP)
            self.frozen = True

    def thaw(self) -> None:
        if self.frozen:
            self._signal_group(signal.SIGCONT)
            self.frozen = False

    def _signal_group(self, number: int) -> None:
        try:
            os.killpg(self.pid, number)
        except OSError:
            pass  # already gone: the next wait sees the closed socket

    def kill(self) -> None:
        """End the worker and everything it started (its whole process group)."""
        if self.state is State.DEAD:
            return
        self.state = State.DEAD
        if self.pid:
            try:
                os.killpg(self.pid, signal.SIGKILL)
            except OSError:
                pass
        if self._sock is not None:
            self._sock.close()
            self._sock = None
        if self._log_fd >= 0:
            os.close(self._log_fd)
            self._log_fd = -1

    # -- waiting, watching and reading ----------------------------------------------------
    def _rss_kb(self) -> int:
        try:
            with open(f"/proc/{self.pid}/statm", "rb") as handle:
                return int(handle.read().split()[1]) * _PAGE // 1024
        except (OSError, IndexError, ValueError):
            return 0

    def _wait(self, started: float, limit_s: float, phase: str) -> Outcome:
        assert self._sock is not None
        if self._poller is None:
            self._poller = select.poll()
            self._poller.register(self._sock, select.POLLIN | select.POLLHUP)
        poller = self._poller
        deadline = started + limit_s
        limit_kb = self.memory_mb * 1024
        governor: CpuGovernor | None = None
        # A short handler answers within tens of microseconds. Sleeping in poll() and being
        # woken costs about as much again, so look for the answer briefly before sleeping.
        spin_until = time.perf_counter() + SPIN_S
        while time.perf_counter() < spin_until:
            if poller.poll(0):
                break
        while True:
            remaining = deadline - time.perf_counter()
            if remaining <= 0:
                return self._timed_out(limit_s, phase)
            if poller.poll(min(remaining, WATCH_SLICE_S) * 1000):
                break
            rss = self._rss_kb()
            self._peak_kb = max(self._peak_kb, rss)
            if rss > limit_kb:
                return self._out_of_memory(started)
            if phase == "invoke" and self.cpu_share < 1.0:
                if governor is None:  # first slice: start counting from here, cheaply
                    governor = CpuGovernor(self.pid, self.cpu_share)
                    continue
                debt = governor.debt()
                if debt > 0:
                    governor.pause()
                    poller.poll(min(debt, max(0.0, deadline - time.perf_counter())) * 1000)
                    governor.resume()
        try:
            reply, body = protocol.recv(self._sock)
        except (protocol.PeerGone, OSError):
            return self._crashed(started)
        elapsed_ms = (time.perf_counter() - started) * 1000
        self._peak_kb = max(self._peak_kb, int(reply.get("rss_kb", 0)))
        if self._peak_kb > limit_kb:  # a spike between two samples still counts
            return self._out_of_memory(started)
        return Outcome(
            outcome="success" if reply["ok"] else "error",
            payload=body,
            duration_ms=elapsed_ms,
            max_memory_mb=self.max_memory_used_mb,
            log=self.read_log(),
            error_type=None if reply["ok"] else json.loads(body).get("errorType"),
        )

    @property
    def max_memory_used_mb(self) -> int:
        return min(self.memory_mb, max(1, math.ceil(self._peak_kb / 1024)))

    def read_log(self) -> str:
        """This phase's output: from ``_log_start`` (the Python worker truncates the file at the
        start of every invoke, so that is 0 for it)."""
        if self._log_fd < 0:
            return ""
        start = self._log_start
        size = os.fstat(self._log_fd).st_size - start
        if size <= 0:
            return ""
        if size <= 2 * LOG_KEEP_BYTES:
            data = os.pread(self._log_fd, size, start)
        else:
            head = os.pread(self._log_fd, LOG_KEEP_BYTES, start)
            tail = os.pread(self._log_fd, LOG_KEEP_BYTES, start + size - LOG_KEEP_BYTES)
            skipped = size - 2 * LOG_KEEP_BYTES
            data = (
                head + f"\n... [{skipped} bytes of output cut by lambda-lab] ...\n".encode() + tail
            )
        return data.decode("utf-8", errors="backslashreplace")

    def _finish_dead(
        self, outcome: str, payload: bytes, duration_ms: float, error_type: str
    ) -> Outcome:
        log = self.read_log()
        self.kill()
        return Outcome(outcome, payload, duration_ms, self.max_memory_used_mb, log, error_type)

    def _timed_out(self, limit_s: float, phase: str) -> Outcome:
        self.exit_reason = "timeout"
        message = f"Task timed out after {limit_s:.2f} seconds"
        return self._finish_dead(
            "timeout",
            _error_payload("Sandbox.Timedout", message),
            limit_s * 1000,
            "Sandbox.Timedout",
        )

    def _out_of_memory(self, started: float) -> Outcome:
        self.exit_reason = "out_of_memory"
        self._peak_kb = max(self._peak_kb, self.memory_mb * 1024)
        elapsed_ms = (time.perf_counter() - started) * 1000
        payload = _error_payload("Runtime.OutOfMemory", "Runtime exited with error: signal: killed")
        return self._finish_dead("out_of_memory", payload, elapsed_ms, "Runtime.OutOfMemory")

    def _crashed(self, started: float) -> Outcome:
        elapsed_ms = (time.perf_counter() - started) * 1000
        log = self.read_log()
        self.kill()
        self.exit_reason = self._spawner.exit_status(self.pid)
        payload = _error_payload(
            "Runtime.ExitError", f"Runtime exited with error: {self.exit_reason}"
        )
        return Outcome(
            "crash", payload, elapsed_ms, self.max_memory_used_mb, log, "Runtime.ExitError"
        )
