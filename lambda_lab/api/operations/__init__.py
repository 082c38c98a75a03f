"""Every Lambda operation the Lab answers, one module per family.

Each module registers its operations with :func:`lambda_lab.api.operation.operation` (see
that module for the convention). Importing this package imports every module in it, so a
new family (``layers.py``, say) only has to exist here. Each handler is also reachable here
by its snake_case name (``operations.list_aliases(lab, params)``, every item, unpaged), as
``lambda-lab serve --state`` saves and restores through them.
"""

import importlib
import pkgutil
import re
from typing import Any

from lambda_lab.api.operation import OPERATIONS

for _module in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_module.name}")

for _name, _operation in OPERATIONS.items():
    globals()[re.sub(r"(?<!^)(?=[A-Z])", "_", _name).lower()] = _operation.handler


def __getattr__(name: str) -> Any:  # for type checkers: the handlers above are set dynamically
    raise AttributeError(f"no Lambda operation is registered as {name!r}")
