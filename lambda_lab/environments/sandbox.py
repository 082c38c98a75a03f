"""What an execution environment is allowed to see, decided once per Lab: the sandbox plan.

On AWS a function runs as an unprivileged user in a micro-VM that holds its code at
/var/task, its layers under /opt, a private /tmp and the runtime; nothing of other
functions or of the host is there. The Lab builds the same view with Linux namespaces
where the host allows them (see :mod:`mounts`): a PID namespace (its own /proc), a mount
namespace with a new root, and, for an ordinary user, a user namespace. Where the host
forbids namespaces (some containers, Binder), environments run as plain processes and
the Lab says once, at start, which protections are off (``docs/promises.md`` lists them).

``LAMBDA_LAB_SANDBOX`` chooses: ``auto`` (default), ``off`` (plain processes, as on a host
without namespaces) or ``userns`` (the ordinary user's path, even when running as root).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass, field
from typing import Any

from lambda_lab.environments import cgroups, probe_cache

SANDBOX_UID = 993  # AWS runs functions as sbx_user1051, uid 993, gid 990
SANDBOX_GID = 990
SANDBOX_USER = "sbx_user1051"
HOST_PATHS = ("/usr", "/bin", "/sbin", "/lib", "/lib64", "/lib32", "/libx32", "/etc")
# What AWS's Python runtime bundles besides the standard library (the SDK and what it needs).
RUNTIME_DISTRIBUTIONS = (
    "boto3", "botocore", "jmespath", "python-dateutil", "s3transfer", "six", "urllib3",
)  # fmt: skip
ENV_VARIABLE = "LAMBDA_LAB_SANDBOX"
PACKAGES_CACHE_FILE = "runtime-packages.json"
NAMESPACES = "namespaces"
NONE = "none"
_PACKAGE_PARENT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
_probed: dict[tuple[str, str], tuple[str, str]] = {}
_announced: set[str] = set()


@dataclass
class SandboxPlan:
    """How this Lab's environments are isolated; sent to the template process as JSON."""

    isolation: str  # NAMESPACES or NONE
    user_namespace: bool  # the template enters its own user namespace first (not root)
    reason: str  # why namespaces are off, or ""
    sandbox_dir: str
    code_dir: str
    opt_dir: str
    runtime_packages: list[str]
    cgroup_bases: dict[str, str] = field(default_factory=dict)
    lab_folder: str = ""

    @property
    def namespaces(self) -> bool:
        return self.isolation == NAMESPACES

    def as_json(self) -> dict[str, Any]:
        return {
            "isolation": self.isolation,
            "user_namespace": self.user_namespace,
            "sandbox_dir": self.sandbox_dir,
            "code_dir": self.code_dir,
            "opt_dir": self.opt_dir,
            "runtime_packages": self.runtime_packages,
            "host_paths": [p for p in HOST_PATHS if os.path.lexists(p)],
            "etc_files": ["passwd", "group"],
            "uid": SANDBOX_UID,
            "gid": SANDBOX_GID,
            "cgroup_bases": self.cgroup_bases,
            "lab_folder": self.lab_folder,
        }

    def protections_off(self) -> list[str]:
        """What this host cannot give the Lab's environments, in a learner's words."""
        if self.namespaces:
            if self.cgroup_bases:
                return []
            return [
                "per-environment cgroups (memory is measured by sampling the environment's "
                "processes; the 1,024-process cap is shared by the Lab's user)"
            ]
        return [
            "AWS's file system (code at its host path instead of /var/task; other functions' "
            "code and the Lab's folders stay readable)",
            "a private /tmp sized by EphemeralStorage (each environment gets its own folder "
            "as TMPDIR, unlimited)",
            "a PID namespace (a handler sees and can signal the Lab's processes)",
            "the unprivileged sandbox user",
            "processes ending with their environment (a daemonized child lives until the "
            "Lab closes)",
        ]

    def notice(self) -> str | None:
        off = self.protections_off()
        if not off:
            return None
        why = f" ({self.reason})" if self.reason else ""
        return (
            f"lambda-lab: this host limits isolation{why}; off: {'; '.join(off)}. "
            "See docs/promises.md."
        )


def runtime_packages(cache_base: str | None = None) -> list[str]:
    """Folders and modules of the SDK distributions AWS bundles, from this installation.

    Read from each distribution's RECORD on ``sys.path`` (what importlib.metadata reads, without
    the 14 ms its import costs every new Lab). Listing the folders and reading botocore's
    RECORD (thousands of lines) costs a few ms: with ``cache_base`` (where Labs keep their
    folders) the answer is kept per machine (:mod:`probe_cache`) under a key made of the
    RECORD files found and their identities (installing, upgrading or removing a
    distribution changes them). Not of the folders on ``sys.path``: the first is the current
    folder, which changes whenever a notebook in it is saved, and the key missed then."""
    records = _records_of(RUNTIME_DISTRIBUTIONS)
    if cache_base is None:
        return _packages_in(records)
    facts = sorted([name, path, *probe_cache.file_identity(path)] for name, path in records.items())
    digest = hashlib.sha256(json.dumps([RUNTIME_DISTRIBUTIONS, facts]).encode()).hexdigest()
    kept = probe_cache.recall_entry(cache_base, digest, PACKAGES_CACHE_FILE)
    if kept is not None and isinstance(kept.get("packages"), list):
        return [str(path) for path in kept["packages"]]
    found = _packages_in(records)
    probe_cache.remember_entry(cache_base, digest, {"packages": found}, PACKAGES_CACHE_FILE)
    return found


def _packages_in(records: dict[str, str]) -> list[str]:
    found: list[str] = []
    for name in RUNTIME_DISTRIBUTIONS:
        record = records.get(_normalized(name))
        if record is None:
            continue
        base = os.path.dirname(os.path.dirname(record))
        top = set()
        with open(record, encoding="utf-8") as lines:
            for line in lines:
                first = line.split(",", 1)[0].split("/", 1)[0]
                if first and first != ".." and not first.endswith(".pth"):
                    top.add(first)
        for entry in sorted(top):
            path = os.path.join(base, entry)
            if entry.endswith(".dist-info") or entry == "__pycache__":
                if entry.endswith(".dist-info") and os.path.isdir(path):
                    found.append(path)
                continue
            if os.path.exists(path):
                found.append(path)
    return sorted(dict.fromkeys(found))


def _normalized(distribution: str) -> str:
    return re.sub(r"[-_.]+", "_", distribution).lower()


def _records_of(distributions: tuple[str, ...]) -> dict[str, str]:
    """The RECORD file of each installed distribution (by normalized name), the first on
    ``sys.path`` as imports see it; one pass over the folders for all of them."""
    wanted = {_normalized(name) for name in distributions}
    records: dict[str, str] = {}
    for folder in sys.path:
        try:
            names = os.listdir(folder or ".")
        except OSError:
            continue
        for entry in names:
            if not entry.endswith(".dist-info"):
                continue
            name = _normalized(entry[: -len(".dist-info")].rsplit("-", 1)[0])
            if name in wanted and name not in records:
                record = os.path.join(folder, entry, "RECORD")
                if os.path.isfile(record):
                    records[name] = record
        if len(records) == len(wanted):
            break
    return records


def requested() -> str:
    value = os.environ.get(ENV_VARIABLE, "auto").strip().lower() or "auto"
    if value not in ("auto", "off", "userns"):
        raise ValueError(f"{ENV_VARIABLE} must be auto, off or userns (got {value!r})")
    return value


def make_plan(root_dir: str, python: str = sys.executable) -> SandboxPlan:
    """Decide this Lab's isolation (probing the host once per process) and prepare its folders."""
    wanted = requested()
    sandbox_dir = os.path.join(root_dir, "sandbox")
    for folder in (sandbox_dir, os.path.join(sandbox_dir, "root")):
        os.makedirs(folder, exist_ok=True)
    _write_etc(sandbox_dir)
    plan = SandboxPlan(
        isolation=NONE,
        user_namespace=False,
        reason="",
        sandbox_dir=sandbox_dir,
        code_dir=os.path.join(root_dir, "code"),
        opt_dir=os.path.join(root_dir, "opt"),
        runtime_packages=runtime_packages(os.path.dirname(root_dir)),
    )
    for folder in (plan.code_dir, plan.opt_dir):
        os.makedirs(folder, mode=0o755, exist_ok=True)
    if wanted == "off":
        plan.reason = f"{ENV_VARIABLE}=off"
    else:
        use_userns = wanted == "userns" or os.geteuid() != 0
        isolation, reason = probe(python, plan, use_userns)
        if isolation != NAMESPACES and not use_userns:  # root without the right: as a user
            if probe(python, plan, True)[0] == NAMESPACES:
                isolation, use_userns = NAMESPACES, True
        plan.isolation, plan.reason = isolation, reason if isolation != NAMESPACES else ""
        plan.user_namespace = use_userns and isolation == NAMESPACES
    if not plan.user_namespace:  # root on the host: cgroups, with or without namespaces
        plan.cgroup_bases = cgroups.find_bases()
        cgroups.remove_stale(plan.cgroup_bases)
        plan.lab_folder = f"lab-{os.getpid()}-{os.path.basename(root_dir).rsplit('-', 1)[-1]}"
    return plan


def _write_etc(sandbox_dir: str) -> None:
    """/etc/passwd and /etc/group as the sandbox shows them: the sandbox user exists."""
    users = (
        "root:x:0:0:root:/root:/sbin/nologin\n"
        f"{SANDBOX_USER}:x:{SANDBOX_UID}:{SANDBOX_GID}::/home/{SANDBOX_USER}:/sbin/nologin\n"
        "nobody:x:65534:65534:Kernel Overflow User:/:/sbin/nologin\n"
    )
    groups = f"root:x:0:\n{SANDBOX_USER}:x:{SANDBOX_GID}:\nnobody:x:65534:\n"
    for name, text in (("passwd", users), ("group", groups)):
        path = os.path.join(sandbox_dir, name)
        with open(path, "w") as handle:
            handle.write(text)
        os.chmod(path, 0o644)


def probe(python: str, plan: SandboxPlan, use_userns: bool) -> tuple[str, str]:
    """Try the namespaces an environment needs, in a throwaway process (once per process,
    and once a day per machine: see :mod:`probe_cache`)."""
    key = (python, "userns" if use_userns else "root")
    if key not in _probed:
        request = {**plan.as_json(), "user_namespace": use_userns}
        base = os.path.dirname(os.path.dirname(plan.sandbox_dir))  # where Labs keep folders
        digest = probe_cache.key(python, _lasting(request, base))
        _probed[key] = probe_cache.recall(base, digest) or _run_probe(python, request, base, digest)
    return _probed[key]


def _lasting(request: dict[str, Any], base: str) -> dict[str, Any]:
    """What of a probe request outlives this Lab: not its own folders (but where they are),
    nor the isolation this Lab ends up with."""
    per_lab = ("sandbox_dir", "code_dir", "opt_dir", "lab_folder", "cgroup_bases", "isolation")
    lasting = {name: value for name, value in request.items() if name not in per_lab}
    lasting["run_base"] = [base, os.stat(base).st_dev if os.path.isdir(base) else 0]
    return lasting


def _run_probe(python: str, request: dict[str, Any], base: str, digest: str) -> tuple[str, str]:
    code = (
        f"import sys; sys.path.insert(0, {_PACKAGE_PARENT!r}); "
        "from lambda_lab.environments.sandbox_probe import main; main()"
    )
    try:
        done = subprocess.run(
            [python, "-I", "-S", "-c", code, json.dumps(request)],
            capture_output=True,
            text=True,
            timeout=20,
            env={"PATH": "/usr/bin:/bin"},
        )
        answer = json.loads(done.stdout.strip().splitlines()[-1])
        found = (answer["isolation"], answer.get("reason", ""))
    except (OSError, ValueError, IndexError, KeyError, subprocess.SubprocessError) as exc:
        return NONE, f"the probe failed: {exc}"  # (not kept: the next process tries again)
    probe_cache.remember(base, digest, found)
    return found


def announce(plan: SandboxPlan) -> None:
    """Say once per process, in one line, which protections this host turns off."""
    line = plan.notice()
    if line and line not in _announced:
        _announced.add(line)
        import logging  # (loaded when needed: its import is a cost every fresh Lab would pay)

        logging.getLogger("lambda_lab").warning(line)
