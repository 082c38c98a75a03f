"""State files that are damaged or of the wrong shape: a clear error naming the file and the
field, and the file left as it is; a journal line cut by a kill is set aside, not fatal."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from serve_helpers import BIN, Served

from lambda_lab import Lab
from lambda_lab.serve.journal import Journal, StateFileError
from lambda_lab.serve.state import StateKeeper, read_state

FUNCTION = {"name": "f", "region": "us-east-1", "runtime": "python3.12", "code_sha256": "AAAA"}


def _load(state: Path) -> dict[str, int]:
    with Lab() as lab:
        keeper = StateKeeper(lab, str(state))
        try:
            return keeper.load()
        finally:
            keeper.close() if keeper._thread is not None else keeper.release()


@pytest.mark.parametrize(
    ("document", "named"),
    [
        ([], "the document must be a JSON object (got list [])"),
        ({"format": 1, "functions": {}}, "'functions' must be a list (got dict {})"),
        (
            {"format": 1, "functions": [{**FUNCTION, "memory_mb": "big"}]},
            "functions[0].memory_mb must be a whole number (got str 'big')",
        ),
        (
            {"format": 1, "functions": [{**FUNCTION, "environment": {"A": 1}}]},
            "functions[0].environment must be an object of strings",
        ),
        ({"format": 1, "functions": [{"name": "f"}]}, "functions[0].runtime must be present"),
        (
            {"format": 1, "versions": {"aliases": {"f": {"live": 3}}}},
            "versions.aliases.f.live must be an object (got int 3)",
        ),
        (
            {"format": 1, "event_source_mappings": [{"BatchSize": 1}]},
            "event_source_mappings[0].EventSourceArn must be a string (got nothing)",
        ),
        ({"format": 1, "reserved_concurrency": {"f": True}}, "reserved_concurrency.f must be"),
    ],
)
def test_valid_json_of_the_wrong_shape_names_the_field(tmp_path, document, named) -> None:
    state = tmp_path / "state"
    state.mkdir()
    text = json.dumps(document)
    (state / "state.json").write_text(text)
    with pytest.raises(StateFileError) as caught:
        _load(state)
    assert named in str(caught.value) and "state.json" in str(caught.value)
    assert (state / "state.json").read_text() == text  # left as it is


def test_the_command_says_it_in_one_line_without_a_traceback(tmp_path) -> None:
    state = tmp_path / "state"
    state.mkdir()
    text = json.dumps({"format": 1, "functions": [{**FUNCTION, "timeout_s": [3]}]})
    (state / "state.json").write_text(text)
    out = subprocess.run(
        [str(BIN / "lambda-lab"), "serve", "--port", "0", "--state", str(state)],
        capture_output=True,
        text=True,
        timeout=60,
        env=Served(tmp_path).base_env,
    )
    assert out.returncode == 2 and "Traceback" not in out.stderr + out.stdout
    (line,) = out.stderr.strip().splitlines()
    assert "cannot start" in line and "functions[0].timeout_s must be a whole number" in line
    assert (state / "state.json").read_text() == text


def test_a_missing_code_package_is_named(tmp_path) -> None:
    state = tmp_path / "state"
    state.mkdir()
    (state / "state.json").write_text(json.dumps({"format": 1, "functions": [FUNCTION]}))
    with pytest.raises(StateFileError, match=r"the code package .*\.zip \(CodeSha256 AAAA\)"):
        _load(state)


def _journal(state: Path, *entries: object, tail: bytes = b"") -> None:
    lines = [json.dumps(e).encode() for e in entries]
    (state / "journal.jsonl").write_bytes(b"".join(line + b"\n" for line in lines) + tail)


def test_a_damaged_journal_line_is_refused_and_left_alone(tmp_path) -> None:
    state = tmp_path / "state"
    state.mkdir()
    _journal(state, {"seq": 1, "set": {"region": "us-east-1"}}, "not an entry", {"seq": 3})
    before = (state / "journal.jsonl").read_bytes()
    with pytest.raises(StateFileError, match=r"journal\.jsonl line 2 is damaged"):
        read_state(str(state))
    with pytest.raises(StateFileError, match=r"journal\.jsonl line 2 is damaged"):
        _load(state)
    assert (state / "journal.jsonl").read_bytes() == before


def test_a_line_cut_by_a_kill_is_set_aside_and_the_rest_restored(tmp_path) -> None:
    state = tmp_path / "state"
    state.mkdir()
    _journal(
        state,
        {"seq": 1, "set": {"format": 1, "reserved/f": 5}},
        {"seq": 2, "set": {"reserved/g": 7}, "del": ["reserved/f"]},
        tail=b'{"seq": 3, "set": {"reserv',
    )
    assert read_state(str(state))["reserved_concurrency"] == {"g": 7}  # a read changes nothing
    assert not [p for p in os.listdir(state) if ".torn-" in p]
    journal = Journal(str(state))
    document: dict = {}
    assert journal.replay(document, 0) == 2 and document == {"format": 1, "reserved/g": 7}
    (torn,) = [p for p in os.listdir(state) if p.startswith("journal.jsonl.torn-")]
    assert (state / torn).read_bytes() == b'{"seq": 3, "set": {"reserv'
    assert (state / "journal.jsonl").read_bytes().endswith(b"\n")
    assert journal.append({"reserved/h": 1}, []) == 3  # numbering goes on after the last whole line
    journal.close()
    assert read_state(str(state))["reserved_concurrency"] == {"g": 7, "h": 1}


def test_lines_a_snapshot_already_holds_are_not_replayed(tmp_path) -> None:
    """A kill between writing a snapshot and emptying the journal leaves old lines behind."""
    state = tmp_path / "state"
    state.mkdir()
    snapshot = {"format": 1, "reserved_concurrency": {"f": 9}, "journal_seq": 2}
    (state / "state.json").write_text(json.dumps(snapshot))
    _journal(
        state,
        {"seq": 1, "set": {"reserved/f": 1}},
        {"seq": 2, "set": {"reserved/f": 2}},
        {"seq": 3, "set": {"reserved/g": 3}},
    )
    assert read_state(str(state))["reserved_concurrency"] == {"f": 9, "g": 3}


def test_compaction_folds_the_journal_into_the_snapshot(tmp_path) -> None:
    state = tmp_path / "state"
    with Lab() as lab:
        keeper = StateKeeper(lab, str(state))
        keeper.load()
        lab.deploy("fn", "def lambda_handler(e, c):\n    return 1\n", Description="one")
        keeper.save()
        lab.deploy("fn", "def lambda_handler(e, c):\n    return 2\n", Description="two")
        keeper.save()
        assert keeper.journal.size[0] >= 2
        keeper.compact()
        assert keeper.journal.size == (0, 0)
        assert (state / "journal.jsonl").read_bytes() == b""
        assert json.loads((state / "state.json").read_text())["journal_seq"] == keeper.journal.seq
        keeper.close()
    (function,) = read_state(str(state))["functions"]
    assert function["description"] == "two" and "code_dir" not in function
