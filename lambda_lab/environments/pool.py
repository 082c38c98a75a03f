"""Where an invoke finds its execution environment: a warm one if any is idle, else a cold start.

One place picks warm or cold (STYLE item 2). Environments idle longer than the keep-alive
end, on the Lab's clock; new code or configuration retires the old ones, so the next call
is cold, as on AWS.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import threading
from collections.abc import Callable
from dataclasses import fields

from lambda_lab import errors, ids, limits
from lambda_lab.clock import Clock
from lambda_lab.concurrency.admission import still_warm
from lambda_lab.control.functions import FunctionConfig
from lambda_lab.environments import aws_environ
from lambda_lab.environments.aws_environ import FAKE_CREDENTIALS  # noqa: F401 - tests read it
from lambda_lab.environments.cpu import cpu_share
from lambda_lab.environments.custom_runtime import CustomRuntimeEnvironment, is_custom_runtime
from lambda_lab.environments.environment import Environment
from lambda_lab.environments.freezer import Freezer
from lambda_lab.environments.interpreters import Interpreters
from lambda_lab.environments.outcome import Outcome, State
from lambda_lab.environments.process_cap import ProcessCap
from lambda_lab.environments.runtime_layout import link_runtime_packages
from lambda_lab.environments.sandbox import SandboxPlan
from lambda_lab.environments.spawner import Spawner
from lambda_lab.monitoring.logs import stream_name

DEFAULT_KEEP_ALIVE_S = 600.0
# What lab.deploy runs when no Runtime is given: its template is started with the pool.
LIKELY_RUNTIME = str(next(f.default for f in fields(FunctionConfig) if f.name == "runtime"))
MEMORY_BACKSTOP_EXTRA_MB = 64  # the kernel's own limit sits above the Lab's (see _config)


def _no_layers(config: FunctionConfig) -> str | None:
    return None


def _nobody() -> tuple[int, int]:
    import pwd

    entry = pwd.getpwnam("nobody")
    return entry.pw_uid, entry.pw_gid


class EnvironmentPool:
    def __init__(
        self,
        spawner: Spawner,
        root_dir: str,
        clock: Clock,
        region: str,
        keep_alive_s: float = DEFAULT_KEEP_ALIVE_S,
        extra_environ: Callable[[], dict[str, str]] = dict,
        *,
        plan: SandboxPlan | None = None,
        layer_dir: Callable[[FunctionConfig], str | None] = _no_layers,
    ) -> None:
        """``plan``: how environments are isolated (:mod:`sandbox`); ``layer_dir``: the
        folder holding a function's layers merged in order (mounted at /opt), or None."""
        self.keep_alive_s = keep_alive_s
        self.cpu_follows_memory = True
        self.plan = plan
        self.sandboxed = bool(plan and plan.namespaces)
        self.process_cap = ProcessCap(plan)
        self._spawner = spawner
        self._interpreters = Interpreters(spawner, cache_base=os.path.dirname(root_dir))
        self._layer_dir = layer_dir
        if plan is not None and not self.sandboxed:
            link_runtime_packages(plan.runtime_packages, os.path.join(root_dir, "runtime"))
        self._root = root_dir
        os.makedirs(os.path.join(root_dir, "environments"), mode=0o700, exist_ok=True)
        self._clock = clock
        self._region = region
        self._extra_environ = extra_environ
        self._log_files: list[str] = []  # made ahead (see _log_file)
        self._idle: dict[tuple[str, str], list[Environment]] = {}
        self._all: dict[str, Environment] = {}
        self._lock = threading.Lock()
        self._reaper_scheduled = False
        self._closed = False
        self.freeze_idle = True  # stop idle workers (SIGSTOP) as Lambda freezes its sandboxes
        self._freezer = Freezer(self._lock, self._is_idle)
        self.start_template(LIKELY_RUNTIME)

    @staticmethod
    def start_early(spawner: Spawner) -> None:
        """Start the template of the Lab's own Python now if the runtime a function most likely
        has runs there: it boots (tens of ms, on another CPU) while the Lab is made and the
        first function deployed, so a fresh process's first cold start need not wait for it."""
        if Interpreters.uses_the_labs_python(LIKELY_RUNTIME):
            spawner.start()

    def start_template(self, runtime: str) -> None:
        """Start, in the background, the template process a function of ``runtime`` is forked
        from, so that it has booted by the first cold start (whose Init Duration never counts
        that wait: see Spawner.ensure_started). Finding the interpreter may itself run one: only
        then does a thread of its own do it (otherwise starting one costs more than the rest)."""

        def start() -> None:
            try:
                self._interpreters.start(runtime)
            except Exception:  # noqa: BLE001 - a closed Lab, a broken interpreter: the cold start says
                pass

        if self._interpreters.known(runtime):
            start()
        else:
            threading.Thread(target=start, name="lambda-lab-template-start", daemon=True).start()

    # -- acquiring and releasing ----------------------------------------------------------
    # Admission (lambda_lab.concurrency.controller) decides between the two under its own lock: a
    # warm environment if ``take_idle`` finds one, else a cold ``start`` if the rules allow.
    def take_idle(
        self, config: FunctionConfig, version: str, now: float | None = None
    ) -> Environment | None:
        """The most recently used idle environment of this function version that is still
        warm at ``now`` (the Lab clock's time by default), or None. Never blocks on a worker."""
        if now is None:
            now = self._clock.time()
        with self._lock:
            idle = self._idle.get((config.name, version), [])
            while idle:
                env = idle.pop()  # most recently used first, as Lambda tends to
                if (
                    env.state is State.READY
                    and env.generation == config.generation
                    and still_warm(env.idle_since, now, self.keep_alive_s)
                    and not env.has_stray_data()  # it wrote while idle: never hand it out
                ):
                    self._freezer.busy(env)
                    return env
                env.kill()  # dead, outdated, or idle past the keep-alive (the reaper may be late)
                self._forget(env)
        return None

    def has_idle(self, function_name: str, version: str) -> bool:
        """Is an environment of this function version idle now? A hint read without the lock:
        by the time the caller asks for one, another caller may have taken it."""
        return bool(self._idle.get((function_name, version)))

    def start(
        self, config: FunctionConfig, version: str, init_type: str = "on-demand"
    ) -> tuple[Environment, Outcome]:
        """A new environment for this function version (a cold start), and its init outcome."""
        if self._closed:
            raise errors.ServiceException(
                "This Lab is closed: create a new Lab() to run functions again."
            )
        env = self._new_environment(config, version, init_type)
        outcome = env.start()
        if env.state is State.DEAD:
            with self._lock:
                self._forget(env)
        return env, outcome

    def discard(self, env: Environment) -> None:
        """End an environment the pool does not keep idle (e.g. a provisioned one)."""
        env.kill()
        with self._lock:
            self._forget(env)

    def release(self, env: Environment, config: FunctionConfig) -> None:
        """Back to idle if it is alive and still current; otherwise it ends here."""
        with self._lock:
            if env.state is not State.READY or env.generation != config.generation:
                env.kill()
                self._forget(env)
                return
            env.idle_since = self._clock.time()
            self._idle.setdefault((env.function_name, env.version), []).append(env)
            if self.freeze_idle:
                self._freezer.idle(env)
            schedule = not self._reaper_scheduled
            self._reaper_scheduled = True
        if schedule:
            self._clock.call_later(self.keep_alive_s, self._reap)

    def retire(self, function_name: str) -> int:
        """End the idle environments of a function (new code, new configuration, deletion)."""
        with self._lock:
            ended = 0
            for key in [k for k in self._idle if k[0] == function_name]:
                for env in self._idle.pop(key):
                    env.kill()
                    self._forget(env)
                    ended += 1
            return ended

    def _reap(self) -> None:
        now = self._clock.time()
        with self._lock:
            self._reaper_scheduled = False
            for key, envs in list(self._idle.items()):
                keep = []
                for env in envs:
                    if not still_warm(env.idle_since, now, self.keep_alive_s):
                        env.kill()
                        self._forget(env)
                    else:
                        keep.append(env)
                self._idle[key] = keep
            waiting = [e.idle_since for envs in self._idle.values() for e in envs]
            if waiting:
                self._reaper_scheduled = True
        if waiting:
            delay = max(0.0, min(waiting) + self.keep_alive_s - now)
            self._clock.call_later(delay, self._reap)

    # -- creating -----------------------------------------------------------------------
    def _new_environment(self, config: FunctionConfig, version: str, init_type: str) -> Environment:
        env_id = ids.uuid4_hex()
        env_dir = os.path.join(self._root, "environments", env_id)
        tmp_dir = os.path.join(env_dir, "tmp")
        if not self.sandboxed:  # without a sandbox, the environment's own folder is its /tmp
            os.makedirs(tmp_dir, mode=0o700)
            if self.process_cap.drop_to_nobody:
                os.chown(tmp_dir, *_nobody())
        stream = stream_name(self._clock.time(), version, env_id)
        environ = self._environ(config, version, init_type, stream, tmp_dir)
        kind = CustomRuntimeEnvironment if is_custom_runtime(config.runtime) else Environment
        spawner, note = self._interpreters.spawner_for(config.runtime)
        env = kind(
            spawner,
            env_id,
            env_dir,
            config.memory_mb,
            self._config(config, environ),
            cpu_share=cpu_share(config.memory_mb) if self.cpu_follows_memory else 1.0,
            baseline_mb=limits.runtime_baseline_mb(config.runtime),
        )
        if self.sandboxed:  # its /tmp is the sandbox's: only a log file, and no folder to make
            env.log_path = self._log_file()  # (and remove) on every cold start's path
            env.while_init = self._stock_log_file
        env.runtime_note = note
        env.function_name = config.name
        env.version = version
        env.generation = config.generation
        env.log_stream = stream
        env.initialization_type = init_type
        env.idle_since = self._clock.time()
        with self._lock:
            self._all[env_id] = env
        return env

    def _config(self, config: FunctionConfig, environ: dict[str, str]) -> dict:
        """What the new environment's worker is told (see worker_setup.py)."""
        # The kernel's limit (where there is a memory cgroup) is a backstop above the Lab's own
        # check: /tmp is a tmpfs whose pages the kernel charges as memory, AWS does not.
        backstop_mb = config.memory_mb + config.ephemeral_mb + MEMORY_BACKSTOP_EXTRA_MB
        return {
            "handler": config.handler,
            "task_root": config.code_dir,
            "runtime": config.runtime,
            "environ": environ,
            "ephemeral_mb": config.ephemeral_mb,
            "opt_dir": self._layer_dir(config),
            "memory_limit": backstop_mb * 1024 * 1024,
            "drop_to_nobody": self.process_cap.drop_to_nobody,
            "rlimits": self.process_cap.rlimits(),
        }

    def _environ(
        self, config: FunctionConfig, version: str, init_type: str, stream: str, tmp_dir: str
    ) -> dict[str, str]:
        return aws_environ.environment(
            function_name=config.name,
            handler=config.handler,
            runtime=config.runtime,
            memory_mb=config.memory_mb,
            version=version,
            init_type=init_type,
            log_group=config.log_group,
            log_stream=stream,
            log_format=getattr(config, "log_format", "Text"),
            log_level=config.log_level,
            region=self._region,
            variables=config.environment,
            lab_variables=self._extra_environ(),
            sandboxed=self.sandboxed,
            task_root=config.code_dir,
            tmp_dir=tmp_dir,
        )

    def _log_file(self) -> str:
        """A new (empty) log file for a sandboxed environment. Made ahead, while the previous
        cold start ran its init: creating a file where files were just deleted costs the file
        system 0.1-0.3 ms here (ext4 looks for a free inode), before the fork request."""
        try:
            return self._log_files.pop()
        except IndexError:
            return self._new_log_file()

    def _new_log_file(self) -> str:
        path = os.path.join(self._root, "environments", ids.uuid4_hex() + ".log")
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        return path

    def _stock_log_file(self) -> None:
        if not self._log_files and not self._closed:
            with contextlib.suppress(OSError):  # (then the next cold start makes its own)
                self._log_files.append(self._new_log_file())

    # -- bookkeeping ----------------------------------------------------------------------
    def _forget(self, env: Environment) -> None:
        self._all.pop(env.env_id, None)
        if self.sandboxed:
            try:
                os.unlink(env.log_path)
            except FileNotFoundError:
                pass
        else:
            shutil.rmtree(env.env_dir, ignore_errors=True)  # its /tmp and log go with it

    def environments(self, function_name: str | None = None) -> list[Environment]:
        with self._lock:
            return [
                e
                for e in self._all.values()
                if function_name is None or e.function_name == function_name
            ]

    def _is_idle(self, env: Environment) -> bool:
        """Called with the lock held: is this environment still waiting in an idle list?"""
        return env.state is State.READY and env in self._idle.get(
            (env.function_name, env.version), ()
        )

    def close(self) -> None:
        self._interpreters.close()
        self._freezer.close()
        with self._lock:
            self._closed = True
            envs = list(self._all.values())
            self._all.clear()
            self._idle.clear()
        for env in envs:
            env.kill()  # their cgroups go with the template (environments/cgroups.py)
