"""ipywidgets views over the Lab. Each is a thin view: its logic is a plain function or
model that the tests drive without a browser. Imported lazily (ipywidgets is heavy)."""

from __future__ import annotations

from typing import Any

_LAZY = {
    "InvokePanel": "lambda_lab.widgets.invoke",  # the console's Test tab
    "PricingCalculator": "lambda_lab.widgets.pricing",
    "HttpRequestBuilder": "lambda_lab.widgets.http",  # HTTP request -> event -> response
    "AsyncConsole": "lambda_lab.widgets.async_console",  # async invokes on a virtual clock
    "QueueConsole": "lambda_lab.widgets.queue_console",  # SQS and a poller
    "ConcurrencyDashboard": "lambda_lab.widgets.concurrency",  # the "cog wheels"
    "LogBrowser": "lambda_lab.widgets.log_views",
    "ReportReader": "lambda_lab.widgets.log_views",
    "CleanUp": "lambda_lab.widgets.clean_up",  # a lesson's last step: close the Lab when done
    "LayerConsole": "lambda_lab.widgets.layer_console",  # a function's /var/task and /opt
}

__all__ = sorted(_LAZY)


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module 'lambda_lab.widgets' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(_LAZY[name]), name)
