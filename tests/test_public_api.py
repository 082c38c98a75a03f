"""The package's deliberate public surface, and what importing it costs."""

from __future__ import annotations

import json
import subprocess
import sys

import lambda_lab


def test_public_names_are_pinned() -> None:
    assert sorted(lambda_lab.__all__) == sorted(
        ["Lab", "LambdaError", "package", "limits", "__version__"]
    )
    for name in lambda_lab.__all__:
        assert getattr(lambda_lab, name) is not None


def test_importing_the_package_loads_no_heavy_dependency() -> None:
    code = (
        "import sys, json, lambda_lab; "
        "print(json.dumps(sorted(m for m in ('boto3', 'botocore', 'moto', 'ipywidgets', 'matplotlib', 'yaml') "
        "if m in sys.modules)))"
    )
    loaded = json.loads(subprocess.check_output([sys.executable, "-c", code], text=True))
    assert loaded == []


def test_unknown_attribute_is_a_clear_error() -> None:
    try:
        lambda_lab.Nope  # noqa: B018
    except AttributeError as exc:
        assert "Nope" in str(exc)
    else:
        raise AssertionError("expected AttributeError")


# Parts a Lab makes on first use: neither importing the Lab nor creating one loads them.
LAZY_PARTS = {
    "event_sources": "lambda_lab.event_sources.hub",
    "async_queue": "lambda_lab.invocation.asynchronous",
    "deliverer": "lambda_lab.aws.delivery",
    "alarms": "lambda_lab.monitoring.alarms",
    "deployments": "lambda_lab.control.deployments",
}


def test_a_new_lab_loads_its_optional_parts_on_first_use() -> None:
    code = (
        "import sys, json; from lambda_lab import Lab; lab = Lab(); "
        f"parts = {sorted(LAZY_PARTS.items())!r}; "
        "before = [m for _, m in parts if m in sys.modules] + "
        "[m for m in ('lambda_lab.api.logs_api', 'importlib.abc', 'botocore', 'werkzeug') "
        "if m in sys.modules]; "
        "made = [type(getattr(lab, name)).__module__ for name, _ in parts]; "
        "lab.close(); print(json.dumps([before, made]))"
    )
    before, made = json.loads(subprocess.check_output([sys.executable, "-c", code], text=True))
    assert before == []
    assert all(m.startswith(module) for m, (_, module) in zip(made, sorted(LAZY_PARTS.items())))


def test_a_lazy_part_is_made_once_even_when_threads_ask_together() -> None:
    import threading

    from lambda_lab import Lab

    with Lab() as lab:
        start = threading.Barrier(6)
        seen: list[object] = []

        def ask() -> None:
            start.wait()
            seen.append(lab.event_sources)

        threads = [threading.Thread(target=ask) for _ in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len({id(part) for part in seen}) == 1
        assert lab.async_queue is lab.async_queue
        assert lab.deployments is lab.deployments
