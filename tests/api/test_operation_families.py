"""Operations are registered family by family (issue 22: a fresh process's first result).

``lab.deploy`` runs CreateFunction, UpdateFunctionCode and UpdateFunctionConfiguration; a
fresh process registers only their family (``api.operation.FAMILY_OF``), and every other
operation still answers, its families loaded the first time one is asked for.
"""

from __future__ import annotations

import json
import subprocess
import sys

from lambda_lab.api import operation, operations

FIRST_CELL = """
import json, sys
from lambda_lab import Lab
lab = Lab()
lab.deploy("hello", "def lambda_handler(event, context):\\n    return {'hi': event['name']}\\n")
result = lab.invoke("hello", {"name": "learner"})
first = sorted(m for m in sys.modules if m.startswith("lambda_lab."))
aliases = lab.client("lambda").list_aliases(FunctionName="hello")["Aliases"]
print(json.dumps([result.payload.decode(), first, aliases]))
lab.close()
"""


def test_each_deploy_operation_is_in_the_family_it_names() -> None:
    operations.load_all()
    for name, family in operation.FAMILY_OF.items():
        handler = operation.OPERATIONS[name].handler
        assert handler.__module__ == f"lambda_lab.api.operations.{family}", name


def test_handlers_are_reachable_by_snake_case_name() -> None:
    assert operations.list_aliases is operation.OPERATIONS["ListAliases"].handler
    assert operations.create_function is operation.OPERATIONS["CreateFunction"].handler


def test_a_first_deploy_loads_its_family_alone_and_the_rest_answer_later(tmp_path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", FIRST_CELL],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
        check=True,
    )
    payload, modules, aliases = json.loads(done.stdout.splitlines()[-1])
    assert payload == '{"hi": "learner"}'
    families = [m for m in modules if m.startswith("lambda_lab.api.operations.")]
    assert families == ["lambda_lab.api.operations.functions"]
    # the metrics beyond the records and the EMF ones are made on first use
    assert "lambda_lab.monitoring.metrics" not in modules
    assert "lambda_lab.monitoring.emf" not in modules
    assert aliases == []  # ListAliases (another family) registered when first asked for
