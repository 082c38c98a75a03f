"""The Lab's side of the template process: start it once, ask it to fork environments."""

from __future__ import annotations

import json
import signal
import socket
import struct
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from typing import Any

from lambda_lab import errors
from lambda_lab.environments import ends, protocol, template_launch
from lambda_lab.environments.protocol import MESSAGE_MAX  # (not worker_setup's: the runtime's)

REPLY_TIMEOUT_S = 10.0  # a fork takes milliseconds; ten seconds means the template is stuck
CLOSE_TIMEOUT_S = 3.0  # for the template to end everything it started
READY_TIMEOUT_S = 30.0  # its boot (imports, AWS's file system, a first spare): well under a second


@dataclass
class Forked:
    """A new environment's processes, as the template reports them."""

    pid: int  # the runtime process (the handler runs here)
    sandbox: int  # what to kill to end the whole environment
    init: int  # what freezes and thaws it (SIGUSR1 / SIGUSR2), or the runtime itself
    cgroups: dict[str, str] = field(default_factory=dict)
    oom_base: int = 0  # OOM kills its (reused) memory cgroup counted before it


class Spawner:
    """Owns one template process (one interpreter); thread-safe; restarts it if it died."""

    def __init__(self, plan: dict[str, Any] | None = None, python: str = sys.executable) -> None:
        self.python = python
        self.plan = plan or {"isolation": "none", "user_namespace": False}
        self._lock = threading.Lock()
        self._process: subprocess.Popen[bytes] | None = None
        self._control: socket.socket | None = None
        self._ready = False  # the template said it can fork (its first spare is waiting)
        self._closed = False

    def _start(self) -> None:
        if self._closed:
            raise errors.ServiceException(
                "This Lab is closed: create a new Lab() to run functions again."
            )
        adopted = template_launch.adopt(self.python)  # one started by `from lambda_lab import Lab`
        if adopted is not None:
            process, control = adopted
            head = json.dumps(self.plan, separators=(",", ":")).encode()
            try:  # its plan, the first message it waits for
                control.send(protocol.PREFIX.pack(len(head), 0) + head)
            except OSError:
                control.close()
                adopted = None
        if adopted is None:
            process, control = template_launch.launch(self.python, self.plan)
        self._process, self._control = process, control
        self._ready = False

    def start(self) -> None:
        """Start the template without waiting for it: it boots while the Lab does other work
        (a Lab starts the one its functions most likely need as it starts)."""
        with self._lock:
            if self._process is None or self._process.poll() is not None:
                self._start()

    def ensure_started(self) -> None:
        """Start the template if needed and wait until it is ready to fork, outside any
        measured phase (a cold start's Init Duration never includes the template's boot)."""
        with self._lock:
            if self._process is None or self._process.poll() is not None:
                self._start()
            try:
                self._await_ready()
            except (OSError, ValueError, struct.error):
                pass  # it died booting: the fork request starts another and says why

    def _await_ready(self) -> None:
        """Read the template's one "ready" message (sent once its first spare waits)."""
        if self._ready:
            return
        assert self._control is not None
        self._control.settimeout(READY_TIMEOUT_S)
        message = self._control.recv(MESSAGE_MAX)
        if not message:
            raise OSError("the template process closed its socket")
        said, _ = protocol.parse(message)
        if said.get("ready") is not True:
            raise ValueError(f"the template said {said!r} before it was ready")
        self._ready = True

    def _request(self, header: dict, fds: list[int] | None = None) -> dict:
        if self._process is None or self._process.poll() is not None:
            self._start()
        try:
            return self._exchange(header, fds)
        except (OSError, ValueError, struct.error):
            # The template died between two requests: start a new one and try once more.
            self._stop_process()
            self._start()
            try:
                return self._exchange(header, fds)
            except (OSError, ValueError, struct.error) as exc:
                raise errors.ServiceException(
                    f"the Lab could not start an execution environment: {exc}"
                ) from exc

    def _stop_process(self) -> None:
        if self._control is not None:
            self._control.close()
            self._control = None
        if self._process is not None and self._process.poll() is None:
            self._process.kill()
            self._process.wait()

    def _exchange(self, header: dict, fds: list[int] | None) -> dict:
        assert self._control is not None
        self._await_ready()
        head = json.dumps(header, separators=(",", ":")).encode()
        frame = protocol.PREFIX.pack(len(head), 0) + head
        if len(frame) > MESSAGE_MAX:
            raise ValueError(f"environment configuration too large ({len(frame)} bytes)")
        socket.send_fds(self._control, [frame], fds or [])
        self._control.settimeout(REPLY_TIMEOUT_S)
        message = self._control.recv(MESSAGE_MAX)
        if not message:
            raise OSError("the template process closed its socket")
        reply, _ = protocol.parse(message)
        return reply

    def fork(self, config: dict, log_fd: int, data_fd: int | None) -> Forked:
        """Fork a new environment that writes its output to ``log_fd`` and talks over
        ``data_fd`` (None for a custom runtime, which talks HTTP to the Runtime API)."""
        with self._lock:
            fds = [log_fd] if data_fd is None else [log_fd, data_fd]
            reply = self._request({"op": "fork", **config}, fds)
        if "error" in reply:
            raise errors.ServiceException(
                f"the Lab could not start an execution environment: {reply['error']}"
            )
        return Forked(
            int(reply["pid"]),
            int(reply.get("sandbox") or reply["pid"]),
            int(reply.get("init") or reply["pid"]),
            dict(reply.get("cgroups") or {}),
            int(reply.get("oom_base") or 0),
        )

    def refill(self) -> None:
        """Tell the template a cold start's init is over: time to make spares again."""
        with self._lock:
            if self._control is None or self._process is None or self._process.poll() is not None:
                return
            head = b'{"op":"refill"}'
            try:
                self._control.send(protocol.PREFIX.pack(len(head), 0) + head)
            except OSError:
                pass  # the template is gone; the next request starts a new one

    def exit_status(self, pid: int) -> str:
        """How an environment ended, in AWS's words ("exit status 1", "signal: killed");
        ``pid`` is its sandbox pid."""
        with self._lock:
            if self._process is None or self._process.poll() is not None:
                return "unknown"
            return str(self._request({"op": "status", "pid": pid})["status"])

    @property
    def pid(self) -> int | None:
        return None if self._process is None else self._process.pid

    def close(self) -> None:
        with self._lock:
            self._closed = True
            if self._control is not None:
                self._control.close()  # the template sees EOF and kills what it forked
                self._control = None
            if self._process is not None:
                if not _ended_within(self._process, CLOSE_TIMEOUT_S):
                    self._process.send_signal(signal.SIGKILL)
                self._process.wait()
                self._process = None


def _ended_within(process: subprocess.Popen[bytes], seconds: float) -> bool:
    """Did ``process`` (the template, which ends everything it started) end in time?"""
    if process.returncode is not None:
        return True
    try:
        return ends.await_ends([process.pid], seconds)  # woken as it ends: no polling
    except OSError:  # no pidfds here
        try:
            process.wait(timeout=seconds)
        except subprocess.TimeoutExpired:
            return False
        return True
