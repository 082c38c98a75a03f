"""One execution environment, seen from the Lab: its processes and its small state machine.

The Lab enforces what AWS enforces from outside the sandbox: the timeout (the environment
is killed at the deadline), the memory size and the init limit. Waiting happens in short
slices so that the same loop watches memory without a thread of its own.

Memory is counted as AWS counts it, for the whole environment: every process the function
starts (its memory cgroup where the host has one, else its processes' resident memory).
Max Memory Used is the runtime's own baseline on AWS (``limits``) plus what the function
really added on top of the forked worker, so a trivial handler reports what it would on
AWS rather than the few MB a forked worker adds here.

Every reply carries the id of the request it answers: a frame for another request fails
that invoke as a runtime error and ends the environment. An environment that wrote anything
nobody asked for (an extra frame, during or after an invoke) is never handed to the next
caller (:meth:`has_stray_data`, checked by the pool), so a handler that writes on its own
socket can never answer another caller.
"""

from __future__ import annotations

import json
import math
import os
import select
import signal
import socket
import time
from collections.abc import Callable

from lambda_lab import limits
from lambda_lab.environments import cgroups, protocol
from lambda_lab.environments.cpu import CpuGovernor
from lambda_lab.environments.outcome import (
    PROTOCOL_ERROR,
    Outcome,
    State,
    StateError,
    error_payload,
    open_log,
    read_phase_log,
)
from lambda_lab.environments.processes import descendants, statm_rss_kb
from lambda_lab.environments.spawner import Forked, Spawner

# How long to look for a quick answer before sleeping in poll(). A trivial handler's reply
# comes 50-190 us after the request (10th-90th percentile, worker on another CPU of a small
# VM: waking it is most of that); with 80 us, 4 looks in 10 missed and each miss sent the
# next 16 or more invokes to sleep, paying a wake-up each.
SPIN_S = 0.0002
SPIN_BACKOFF = (16, 256)  # invokes that sleep at once after looks in a row that found nothing
WATCH_SLICE_S = 0.004  # how often a running worker's memory is sampled


class Environment:
    def __init__(
        self,
        spawner: Spawner,
        env_id: str,
        env_dir: str,
        memory_mb: int,
        config: dict,
        cpu_share: float = 1.0,
        baseline_mb: int = 0,
    ) -> None:
        self.env_id = env_id
        self.env_dir = env_dir
        self.log_path = os.path.join(env_dir, "log")  # stdout and stderr of its processes
        self.memory_mb = memory_mb
        self.cpu_share = cpu_share
        self.baseline_mb = baseline_mb  # the runtime's own memory on AWS (limits)
        self.state = State.STARTING
        self.invocations = 0
        self.pid = 0  # the runtime process: the handler runs here
        self.sandbox_pid = 0  # killing it ends every process of the environment
        self.init_pid = 0  # freezes and thaws the environment (or the runtime itself)
        self.cgroups: dict[str, str] = {}
        self.oom_base = 0  # OOM kills counted in its memory cgroup before it (folders are reused)
        self.exit_reason = ""
        self.frozen = False
        # Set by the pool that owns it:
        self.function_name = ""
        self.version = "$LATEST"
        self.generation = 0
        self.runtime_note: str | None = None  # said once in the log of its first init
        # Work of the Lab's done while this environment runs its init (the Lab only waits then):
        # the pool makes the next cold start's log file there.
        self.while_init: Callable[[], None] | None = None
        self.log_stream = ""
        self.initialization_type = "on-demand"
        self.idle_since = 0.0
        self._spawner = spawner
        self.config = config
        self._sock: socket.socket | None = None
        self._poller: select.poll | None = None
        self._log_fd = -1
        self._log_start = 0  # where this phase's output begins in the log file
        self._peak_kb = 0  # the most memory the function added (KB), over the environment's life
        self._base_kb = 0  # the runtime process's own resident memory when it started
        self._request_id = "init"
        self._spin_skip = 0  # while > 0, _wait sleeps in poll() without looking first
        self._spin_misses = 0  # looks in a row that found nothing: each one doubles the skip

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
        log_path = self.log_path
        self._spawner.ensure_started()  # the sandbox's host, not part of the INIT phase
        started = time.perf_counter()
        self._sock = self._launch(log_path)
        self._log_fd = os.open(log_path, os.O_RDONLY | os.O_CREAT, 0o600)
        if self.while_init is not None:
            self.while_init()
        outcome = self._wait(started, init_limit_s, phase="init")
        if outcome.outcome != "success":
            self._spawner.refill()  # no invoke follows: spares can be rebuilt now
        if outcome.outcome == "success":
            self._move(State.STARTING, State.READY)
        else:
            self.kill()
        return outcome

    def _launch(self, log_path: str) -> socket.socket:
        """Start the worker process; returns the Lab's end of the frame socket it answers on."""
        ours, theirs = socket.socketpair()
        log_fd = open_log(log_path)
        try:
            self._adopt(self._spawner.fork(self.config, log_fd, theirs.fileno()))
        finally:
            theirs.close()
            os.close(log_fd)
        return ours

    def _adopt(self, forked: Forked) -> None:
        self.pid = forked.pid
        self.sandbox_pid = forked.sandbox
        self.init_pid = forked.init
        self.cgroups = forked.cgroups
        self.oom_base = forked.oom_base

    def invoke(
        self, header: dict | bytes, payload: bytes, timeout_s: float, request_id: str = ""
    ) -> Outcome:
        self._move(State.READY, State.BUSY)
        self.thaw()
        assert self._sock is not None
        self._request_id = request_id or (header.get("id", "") if isinstance(header, dict) else "")
        self.invocations += 1
        started = time.perf_counter()
        # CPU follows memory: the account opens before the worker is sent anything.
        governor = CpuGovernor(self.pid, self.cpu_share, started) if self.cpu_share < 1.0 else None
        try:
            protocol.send(self._sock, header, payload)
        except OSError:
            pass  # the worker is already gone; _wait reports how it ended
        outcome = self._wait(started, timeout_s, "invoke", governor)
        if self.invocations == 1:  # the cold start is over: spares are rebuilt now, not during it
            self._spawner.refill()
        if self.state is State.BUSY:
            self.state = State.READY
        return outcome

    def freeze(self) -> None:
        """Stop the environment between invokes, as Lambda freezes an idle one: a background
        thread or process started by the handler does not run again until the next invoke."""
        if self.state is State.READY and not self.frozen and self.pid:
            self._whole(signal.SIGUSR1, signal.SIGSTOP)
            self.frozen = True

    def thaw(self) -> None:
        if self.frozen:
            if self.init_pid and self.init_pid != self.pid:
                # The runtime first, straight from here: waiting for the init to wake and
                # signal it cost the invoke a second wake-up in a row. The init then wakes
                # every other process the handler started.
                self._signal_group(signal.SIGCONT)
            self._whole(signal.SIGUSR2, signal.SIGCONT)
            self.frozen = False

    def _whole(self, to_init: int, to_group: int) -> None:
        if self.init_pid and self.init_pid != self.pid:  # its init signals every process in it
            try:
                os.kill(self.init_pid, to_init)
            except OSError:
                pass
        else:
            self._signal_group(to_group)

    def has_stray_data(self) -> bool:
        """Did the worker write something nobody asked for (a forged or extra frame)?
        (An ended worker's hang-up is not data.)"""
        if self._sock is None or self._poller is None or not self._poller.poll(0):
            return False
        try:
            return bool(self._sock.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT))
        except OSError:
            return False

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
        for kill, pid in ((os.kill, self.sandbox_pid), (os.killpg, self.pid)):
            if pid:
                try:
                    kill(pid, signal.SIGKILL)
                except OSError:
                    pass
        if self._sock is not None:
            self._sock.close()
            self._sock = None
        if self._log_fd >= 0:
            os.close(self._log_fd)
            self._log_fd = -1

    # -- waiting, watching and reading ----------------------------------------------------
    def _used_kb(self) -> int:
        """What the function uses now beyond the forked worker, over all its processes."""
        path = self.cgroups.get("memory")
        if path:
            used = cgroups.memory_anon_kb(path)
            if used is not None:
                return used
        if self.init_pid and self.init_pid != self.pid:  # everything in the namespace but its init
            total = sum(statm_rss_kb(p) for p in descendants(self.init_pid))
        else:
            total = sum(statm_rss_kb(p) for p in [self.pid, *descendants(self.pid)])
        return max(0, total - self._base_kb)

    def _over_limit(self, used_kb: int) -> bool:
        return self.baseline_mb * 1024 + used_kb > self.memory_mb * 1024

    def _wait(
        self, started: float, limit_s: float, phase: str, governor: CpuGovernor | None = None
    ) -> Outcome:
        assert self._sock is not None
        if self._poller is None:
            self._poller = select.poll()
            self._poller.register(self._sock, select.POLLIN | select.POLLHUP)
        poller = self._poller
        deadline = started + limit_s
        # A short handler answers within a hundred microseconds or so. Sleeping in poll() and being
        # woken costs about as much again when the worker runs on another CPU, so look for
        # the answer briefly before sleeping. A look that finds nothing was wasted (a slow
        # handler) or, worse, held the very CPU the worker waits for (unpinned, the scheduler
        # often puts both on one CPU): after two such looks in a row the next invokes sleep
        # at once, more of them after each look that fails, until one finds its answer again.
        answered = False
        if phase != "invoke" or self.invocations == 1:  # (a first invoke is never that quick)
            pass
        elif self._spin_skip:
            self._spin_skip -= 1
        else:
            clock = time.perf_counter
            spin_until = clock() + SPIN_S
            while not (answered := bool(poller.poll(0))):
                if clock() >= spin_until:
                    # One miss is noise (another process held a CPU for a moment); two in a
                    # row mean a slow handler or a shared CPU.
                    self._spin_misses = min(self._spin_misses + 1, 16)
                    if self._spin_misses > 1:
                        first, most = SPIN_BACKOFF
                        self._spin_skip = min(most, first << (self._spin_misses - 2))
                    break
            else:
                self._spin_misses = 0
        while not answered:
            remaining = deadline - time.perf_counter()
            if remaining <= 0:
                return self._timed_out(limit_s, phase)
            if poller.poll(min(remaining, WATCH_SLICE_S) * 1000):
                break
            used = self._used_kb()
            self._peak_kb = max(self._peak_kb, used)
            if self._over_limit(used):
                return self._out_of_memory(started)
            if governor is not None:
                debt = governor.debt()
                if debt > 0:
                    governor.pause()
                    poller.poll(min(debt, max(0.0, deadline - time.perf_counter())) * 1000)
                    governor.resume()
        wanted = "init" if phase == "init" else self._request_id
        try:
            reply, body = protocol.recv(self._sock)
        except (protocol.ProtocolError, ValueError):  # not one well-formed frame
            return self._protocol_broken(started, None, wanted)
        except (protocol.PeerGone, OSError):
            return self._crashed(started)
        elapsed_ms = (time.perf_counter() - started) * 1000
        if type(reply) is not dict or reply.get("id") != wanted:
            return self._protocol_broken(started, reply, wanted)
        if phase == "init":
            self._base_kb = int(reply.get("base_kb", 0))
            if reply.get("ok"):  # once per environment: what init added, children included
                self._peak_kb = max(self._peak_kb, self._used_kb())
        self._peak_kb = max(self._peak_kb, int(reply.get("rss_kb", 0)) - self._base_kb)
        if self._over_limit(self._peak_kb):  # a spike between two samples still counts
            return self._out_of_memory(started)
        ok = reply["ok"]
        return Outcome(
            "success" if ok else "error",
            body,
            elapsed_ms,
            self.max_memory_used_mb,
            self.read_log(),
            None if ok else json.loads(body).get("errorType"),
        )

    @property
    def max_memory_used_mb(self) -> int:
        return min(self.memory_mb, max(1, self.baseline_mb + math.ceil(self._peak_kb / 1024)))

    def read_log(self) -> str:
        """This phase's output: from ``_log_start`` (the Python worker truncates the file at the
        start of every invoke, so that is 0 for it)."""
        return read_phase_log(self._log_fd, self._log_start) if self._log_fd >= 0 else ""

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
            error_payload("Sandbox.Timedout", message),
            limit_s * 1000,
            "Sandbox.Timedout",
        )

    def _out_of_memory(self, started: float) -> Outcome:
        self.exit_reason = "out_of_memory"
        self._peak_kb = max(self._peak_kb, (self.memory_mb - self.baseline_mb) * 1024)
        elapsed_ms = (time.perf_counter() - started) * 1000
        payload = error_payload("Runtime.OutOfMemory", "Runtime exited with error: signal: killed")
        return self._finish_dead("out_of_memory", payload, elapsed_ms, "Runtime.OutOfMemory")

    def _protocol_broken(self, started: float, reply: object, wanted: str) -> Outcome:
        """A frame that is not this request's reply: the worker cannot be trusted to answer
        anyone again."""
        self.exit_reason = "protocol"
        got = reply.get("id") if isinstance(reply, dict) else None
        what = (
            f"a response that belongs to another request ({got!r})"
            if got
            else "more than one response"
        )
        message = f"Runtime sent {what}; the execution environment was reset"
        payload = error_payload(PROTOCOL_ERROR, message)
        elapsed_ms = (time.perf_counter() - started) * 1000
        return self._finish_dead("crash", payload, elapsed_ms, PROTOCOL_ERROR)

    def _crashed(self, started: float) -> Outcome:
        elapsed_ms = (time.perf_counter() - started) * 1000
        log = self.read_log()
        # How the runtime ended, before anything is killed here (its init reports it as it ends).
        status = self._spawner.exit_status(self.sandbox_pid or self.pid)
        self.kill()
        if cgroups.oom_kills(self.cgroups.get("memory")) > self.oom_base:  # the kernel's backstop
            self._peak_kb = max(self._peak_kb, (self.memory_mb - self.baseline_mb) * 1024)
            self.exit_reason = "out_of_memory"
            payload = error_payload(
                "Runtime.OutOfMemory", "Runtime exited with error: signal: killed"
            )
            used = self.max_memory_used_mb
            return Outcome("out_of_memory", payload, elapsed_ms, used, log, "Runtime.OutOfMemory")
        self.exit_reason = status
        payload = error_payload(
            "Runtime.ExitError", f"Runtime exited with error: {self.exit_reason}"
        )
        return Outcome(
            "crash", payload, elapsed_ms, self.max_memory_used_mb, log, "Runtime.ExitError"
        )
