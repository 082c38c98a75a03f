"""AWS's errors are declared as classes in lambda_lab/errors.py and only there; the registry
of codes is built from those classes; AWS's validation wording comes from one place."""

from __future__ import annotations

import importlib
import pkgutil

import pytest

import lambda_lab
from lambda_lab import errors


def _all_subclasses(base: type) -> list[type]:
    found = []
    for cls in base.__subclasses__():
        found += [cls, *_all_subclasses(cls)]
    return found


def test_every_error_class_lives_in_errors_py_and_is_registered() -> None:
    for module in pkgutil.walk_packages(lambda_lab.__path__, "lambda_lab."):
        if module.name.startswith(("lambda_lab.widgets", "lambda_lab.notebook")):
            continue  # front ends that import ipywidgets/IPython; they declare no AWS errors
        importlib.import_module(module.name)
    declared = _all_subclasses(errors.LambdaError)
    assert {cls.__module__ for cls in declared} == {"lambda_lab.errors"}
    assert errors.ALL_ERRORS == {cls.code: cls for cls in declared}
    assert all(cls.code == cls.__name__ for cls in declared)


def test_the_range_validator_words_violations_as_aws_does() -> None:
    assert errors.check_range("memorySize", 512, 128, 10240) == 512
    with pytest.raises(errors.ValidationException) as raised:
        errors.check_range("memorySize", 64, 128, 10240)
    assert raised.value.message == (
        "1 validation error detected: Value '64' at 'memorySize' failed to satisfy constraint: "
        "Member must have value greater than or equal to 128"
    )
    with pytest.raises(errors.InvalidParameterValueException, match="whole number"):
        errors.check_range("timeout", "3", 1, 900)
    two = errors.validation_error(["Value 'a' at 'x' failed", "Value 'b' at 'y' failed"])
    assert two.message.startswith("2 validation errors detected: Value 'a'")
    assert errors.java_text({"2": 2.0}) == "{2=2.0}" and errors.java_text(["a", "b"]) == "[a, b]"
