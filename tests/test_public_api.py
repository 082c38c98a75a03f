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
