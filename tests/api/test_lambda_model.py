"""The Lambda model read without botocore is botocore's model: same operations, routes and
input shapes (types, members, required members, constraints, enums) at every depth."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from lambda_lab.api import lambda_model as light
from lambda_lab.api.operation import service_model

MAX_DEPTH = 12  # far deeper than any Lambda input shape


def _same_shape(ours: Any, botocores: Any, path: str, depth: int = 0) -> None:
    assert depth < MAX_DEPTH, f"{path}: deeper than any Lambda shape should be"
    assert ours.name == botocores.name, path
    assert ours.type_name == botocores.type_name, path
    assert ours.metadata == botocores.metadata, path
    assert ours.required_members == botocores.required_members, path
    if botocores.type_name == "string":
        assert ours.enum == botocores.enum, path
    if botocores.type_name == "structure":
        assert list(ours.members) == list(botocores.members), path
        for name, member in botocores.members.items():
            _same_shape(ours.members[name], member, f"{path}.{name}", depth + 1)
    elif botocores.type_name == "list":
        _same_shape(ours.member, botocores.member, f"{path}[]", depth + 1)
    elif botocores.type_name == "map":
        _same_shape(ours.key, botocores.key, f"{path}{{key}}", depth + 1)
        _same_shape(ours.value, botocores.value, f"{path}{{value}}", depth + 1)


def test_every_operation_and_input_shape_is_botocores() -> None:
    ours, botocores = light.lambda_model(), service_model()
    assert ours.operation_names == list(botocores.operation_names)
    for name in botocores.operation_names:
        theirs = botocores.operation_model(name)
        mine = ours.operation_model(name)
        assert mine.name == name
        assert mine.http == theirs.http, name
        if theirs.input_shape is None:
            assert mine.input_shape is None, name
        else:
            assert mine.input_shape is not None, name
            _same_shape(mine.input_shape, theirs.input_shape, name)


def test_the_file_read_is_the_one_botocores_loader_reads() -> None:
    from lambda_lab.client import botocore_session

    found = light.model_file()
    assert found is not None
    loader = botocore_session().get_component("data_loader")
    version = loader.determine_latest_version("lambda", "service-2")
    _, path = loader.load_data_with_path(f"lambda/{version}/service-2")
    assert Path(found).with_suffix("").with_suffix("") == Path(path)


def test_models_under_the_users_aws_folder_leave_the_choice_to_botocore(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / ".aws" / "models" / "lambda").mkdir(parents=True)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert light.model_file() is None


def test_deploy_and_invoke_do_not_import_botocore() -> None:
    """A learner's first cell loads no botocore: the model comes from its file."""
    cell = (
        "import sys\n"
        "from lambda_lab import Lab\n"
        "with Lab() as lab:\n"
        "    lab.deploy('f', 'def lambda_handler(event, context):\\n    return event')\n"
        "    assert lab.invoke('f', {'a': 1}).payload == b'{\"a\": 1}'\n"
        "    print(sorted(m for m in sys.modules if m.split('.')[0] == 'botocore'))\n"
    )
    done = subprocess.run([sys.executable, "-c", cell], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_the_kept_copy_is_the_file_without_its_documentation(tmp_path: Path) -> None:
    import json
    import zlib

    found = light.model_file()
    assert found is not None
    raw = Path(found).read_bytes()
    whole = json.loads(zlib.decompress(raw, 16 + zlib.MAX_WBITS) if found.endswith(".gz") else raw)
    first = light._kept_or_read(found, str(tmp_path))
    kept = list((tmp_path / f"lambda-lab.cache-{os.geteuid()}").glob("lambda-model.*.json"))
    assert len(kept) == 1
    again = light._kept_or_read(found, str(tmp_path))  # read back from the kept copy
    assert first == again == light._without_documentation(whole)
    assert not any("documentation" in shape for shape in first["shapes"].values())
    assert first["operations"].keys() == whole["operations"].keys()
    assert light._without_documentation({"members": {"documentation": {"shape": "S"}}}) == {
        "members": {"documentation": {"shape": "S"}}
    }
