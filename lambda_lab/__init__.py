"""lambda-lab: learn AWS Lambda offline, against a mini Lambda that behaves like the real one.

    from lambda_lab import Lab
    with Lab() as lab:
        lab.deploy("demo-lambda", "def lambda_handler(event, context):\\n    return event['key1']")
        print(lab.client("lambda").invoke(FunctionName="demo-lambda", Payload=b'{"key1": "v"}'))

The names below are the whole public surface; they are imported lazily so that the
terminal quiz starts without loading the runtime.
"""

from __future__ import annotations

TYPE_CHECKING = False  # not typing's (every template process imports this package)
if TYPE_CHECKING:
    from typing import Any

__version__ = "0.1.0"

__all__ = ["Lab", "LambdaError", "package", "limits", "__version__"]

_LAZY = {
    "Lab": ("lambda_lab.lab", "Lab"),
    "LambdaError": ("lambda_lab.errors", "LambdaError"),
    "package": ("lambda_lab.control.packaging", "package"),
    "limits": ("lambda_lab.limits", None),
}


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module 'lambda_lab' has no attribute {name!r}")
    import importlib

    if name == "Lab":  # a Lab is coming: its template process boots while the Lab is imported
        from lambda_lab.environments.template_launch import start_early

        start_early()
    module_name, attribute = _LAZY[name]
    module = importlib.import_module(module_name)
    value = module if attribute is None else getattr(module, attribute)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
