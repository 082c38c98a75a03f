"""How often the Lab's other services answered an operation: proof that a function cached.

Lesson 11 and its exercise checks ask "did the function call KMS once, or on every
invocation?". The Lab runs those services in-process (moto), so it can count the calls a
backend answers, whichever client made them (the notebook, a worker, the CLI):

    with CallCounter(lab.account_id, lab.region) as calls:
        calls.watch("kms", "decrypt")
        ... invoke the function three times ...
        calls["kms", "decrypt"]            # 1 when the handler decrypted in its init code

Only the operations watched are counted; the originals come back on ``close()``.
"""

from __future__ import annotations

import functools
import importlib
import threading
from collections import Counter
from collections.abc import Callable
from typing import Any

# service -> (moto module, name of its backends dict)
_BACKENDS = {
    "kms": ("moto.kms.models", "kms_backends"),
    "secretsmanager": ("moto.secretsmanager.models", "secretsmanager_backends"),
    "ssm": ("moto.ssm.models", "ssm_backends"),
}


class CallCounter:
    def __init__(self, account_id: str, region: str) -> None:
        self.account_id, self.region = account_id, region
        self._counts: Counter[tuple[str, str]] = Counter()
        self._patched: list[tuple[Any, str]] = []
        self._lock = threading.Lock()

    def watch(self, service: str, operation: str) -> None:
        """Count calls of a backend method (``"kms", "decrypt"``, ``"secretsmanager",
        "get_secret_value"``, ``"ssm", "get_parameter"``)."""
        if service not in _BACKENDS:
            raise ValueError(f"the Lab counts calls to {', '.join(_BACKENDS)} (got {service!r})")
        module, name = _BACKENDS[service]
        backend = getattr(importlib.import_module(module), name)[self.account_id][self.region]
        original: Callable[..., Any] = getattr(backend, operation)

        @functools.wraps(original)
        def counted(*args: Any, **kwargs: Any) -> Any:
            with self._lock:
                self._counts[(service, operation)] += 1
            return original(*args, **kwargs)

        setattr(backend, operation, counted)
        self._patched.append((backend, operation))

    def __getitem__(self, key: tuple[str, str]) -> int:
        with self._lock:
            return self._counts[key]

    def close(self) -> None:
        for backend, operation in self._patched:
            if operation in vars(backend):
                delattr(backend, operation)  # the class's method shows through again
        self._patched.clear()

    def __enter__(self) -> CallCounter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
