"""Every Lambda operation the Lab answers, one module per family.

Each module registers its operations with :func:`lambda_lab.api.operation.operation` (see
that module for the convention). :func:`load_all` imports every module in it, so a new family
(``layers.py``, say) only has to exist here; :func:`lambda_lab.api.operation.run` calls it the
first time it meets an operation that is not registered yet (the operations of ``lab.deploy``
load only their own family: a fresh process's first deploy skips the other seven). Each
handler is also reachable here by its snake_case name (``operations.list_aliases(lab,
params)``, every item, unpaged), as ``lambda-lab serve --state`` saves and restores through
them; the first such name read loads every family.
"""

import functools
import importlib
import re
from typing import Any

from lambda_lab.api.operation import OPERATIONS


@functools.cache
def load_all() -> None:
    """Register every family and name each handler here by its snake_case name (once)."""
    import pkgutil  # (here: a first deploy does without it)

    for module in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{module.name}")
    for name, operation in OPERATIONS.items():
        globals()[re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()] = operation.handler


def __getattr__(name: str) -> Any:
    """A handler by its snake_case name, once every family is loaded (they load here)."""
    if not name.startswith("__"):
        load_all()
        if name in globals():
            return globals()[name]
    raise AttributeError(f"no Lambda operation is registered as {name!r}")
