"""A lesson's clean-up step: the Lab stays open until the learner presses Close the Lab."""

from __future__ import annotations

import os

import pytest

from lambda_lab import Lab
from lambda_lab.widgets.clean_up import CleanUp

HELLO = "def lambda_handler(event, context):\n    return 'hi'\n"


class Server:
    """Stands for a lesson's own server (the toy database): something with close()."""

    def __init__(self) -> None:
        self.closed = False

    def close(self) -> None:
        self.closed = True


def test_close_the_lab_ends_it_and_what_goes_with_it(tmp_path) -> None:
    lab, other = Lab(), Lab()
    lab.deploy("hello", HELLO)
    lab.invoke("hello", {})
    folder = tmp_path / "zips"
    folder.mkdir()
    (folder / "function.zip").write_bytes(b"PK")
    server = Server()
    step = CleanUp(lab, also=[other, server], folders=[folder])
    assert "The Lab is still open" in step.status.value and "1 execution environment " in (
        step.status.value
    )
    assert not lab.closed and not step.button.disabled

    step.button.click()
    assert lab.closed and other.closed and server.closed and not folder.exists()
    assert step.button.disabled
    text = step.status.value
    assert "<b>Closed.</b> Ended: 1 execution environment" in text
    assert "another Lab" in text and "Server" in text and str(folder) in text
    assert step.close() == "already closed"


def test_the_kernel_closing_the_lab_takes_the_rest_too(tmp_path) -> None:
    lab = Lab()
    server = Server()
    folder = tmp_path / "work"
    folder.mkdir()
    CleanUp(lab, also=[server], folders=[folder])
    lab.close()  # what a kernel shutdown does, without the button
    assert server.closed and not folder.exists()


def test_a_closed_lab_is_said_to_be_closed() -> None:
    lab = Lab()
    lab.close()
    step = CleanUp(lab)
    assert step.button.disabled and "already closed" in step.status.value


def test_wrong_arguments_are_named() -> None:
    with pytest.raises(TypeError, match="CleanUp needs the lesson's Lab"):
        CleanUp("lab")
    with Lab() as lab:
        with pytest.raises(TypeError, match=r"close\(\) method \(got \['int'\]\)"):
            CleanUp(lab, also=[3])


def test_lab_on_close_runs_once_whatever_closes_it() -> None:
    ran: list[str] = []
    lab = Lab()
    lab.on_close(lambda: ran.append("first"))
    lab.on_close(lambda: 1 / 0)  # a failing step does not stop closing
    lab.on_close(lambda: ran.append("last"))
    lab.close()
    lab.close()
    assert ran == ["first", "last"] and lab.closed and not os.path.exists(lab.root_dir)
    lab.on_close(lambda: ran.append("late"))  # on a closed Lab: at once
    assert ran == ["first", "last", "late"]
