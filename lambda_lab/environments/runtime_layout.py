"""Where AWS's Python runtime keeps things, and the import path a handler gets.

AWS's Python runtime lives in /var/lang (the interpreter and standard library) and
/var/runtime; the SDK it bundles sits in /var/lang/lib/python3.x/site-packages (3.11 and
later) or /var/runtime (3.10). A handler imports from, in order: its code (/var/task),
its layers (/opt/python/lib/python3.x/site-packages, /opt/python), the bundled SDK and the
standard library. Nothing else: a package that is installed next to the Lab but is in
neither the ZIP nor a layer fails with Runtime.ImportModuleError, as it would on AWS.

Computed inside the template process, for the interpreter it runs on. Stdlib only.
"""

from __future__ import annotations

import os
import sys

LANG = "/var/lang"
TASK_ROOT = "/var/task"
RUNTIME_DIR = "/var/runtime"
OPT = "/opt"


def python_layout() -> dict:
    """This interpreter's pieces: its prefix, standard library folders, site-packages."""
    prefix = os.path.realpath(sys.base_prefix)
    version = f"{sys.version_info[0]}.{sys.version_info[1]}"
    site = os.path.join(prefix, "lib", f"python{version}", "site-packages")
    stdlib = [
        p
        for p in sys.path
        if p and os.path.realpath(p).startswith(prefix + os.sep) and "site-packages" not in p
    ]
    return {
        "python_prefix": prefix,
        "version": version,
        "stdlib": [os.path.realpath(p) for p in stdlib],
        "hidden_site_packages": [site] if os.path.isdir(site) else [],
        "runtime_site": (
            RUNTIME_DIR
            if sys.version_info < (3, 11)
            else f"{LANG}/lib/python{version}/site-packages"
        ),
    }


def executable(layout: dict) -> str:
    """``sys.executable`` as a handler sees it in the sandbox: the runtime's own python."""
    return f"{LANG}/bin/python{layout['version']}"


def search_path(
    layout: dict,
    runtime: str,
    *,
    namespaces: bool,
    task_root: str,
    opt_root: str | None,
    runtime_dir: str,
) -> list[str]:
    """``sys.path`` for a handler of ``runtime`` (python3.x): AWS's order, nothing of the host.

    With namespaces the paths are AWS's own; without, the same places on the host (the
    function's code folder, its merged layers, a folder linking the bundled SDK).
    """
    opt = OPT if namespaces else opt_root
    paths = [TASK_ROOT if namespaces else task_root]
    if opt:
        paths += [f"{opt}/python/lib/{runtime}/site-packages", f"{opt}/python"]
    if namespaces:
        if layout["runtime_site"] != RUNTIME_DIR:
            paths.append(layout["runtime_site"])
        paths.append(RUNTIME_DIR)
        prefix = layout["python_prefix"]
        paths += [LANG + p[len(prefix) :] for p in layout["stdlib"]]
    else:
        paths.append(runtime_dir)
        paths += layout["stdlib"]
    return paths


def link_runtime_packages(packages: list[str], folder: str) -> None:
    """Without namespaces: a folder of links to the bundled SDK, so that only it (and not the
    rest of the Lab's site-packages) is importable."""
    os.makedirs(folder, exist_ok=True)
    for package in packages:
        link = os.path.join(folder, os.path.basename(package))
        if not os.path.lexists(link):
            os.symlink(package, link)
