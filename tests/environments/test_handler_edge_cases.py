"""Handlers that break the runtime's assumptions, answered as AWS's runtime answers them."""

from __future__ import annotations

import pytest

from lambda_lab import Lab
from lambda_lab.environments.ends import describe_status


def test_closing_the_standard_streams_does_not_break_the_next_invoke(lab: Lab) -> None:
    source = (
        "import os, sys\n"
        "def lambda_handler(event, context):\n"
        "    print('before', event)\n"
        "    if event == 'close':\n"
        "        sys.stdout.close()\n"
        "        for fd in (0, 1, 2):\n"
        "            os.close(fd)\n"
        "    return 'ok'\n"
    )
    lab.deploy("closer", source)
    assert lab.invoke("closer", "close").value == "ok"
    after = lab.invoke("closer", "again")
    assert after.value == "ok" and not after.record.cold  # same environment, still logging
    assert "before again" in after.log


def test_a_file_opened_on_fd_1_after_closing_it_is_not_the_log(lab: Lab) -> None:
    source = (
        "import os\n"
        "def lambda_handler(event, context):\n"
        "    os.close(1)\n"
        "    fd = os.open('/tmp/mine', os.O_WRONLY | os.O_CREAT)  # takes fd 1\n"
        "    return [fd, open('/tmp/mine').read()]\n"
    )
    lab.deploy("steal", source)
    assert lab.invoke("steal").value == [1, ""]
    print_source = (
        "def lambda_handler(e, c):\n    print('logged')\n    return open('/tmp/mine').read()\n"
    )
    lab.deploy("steal", source + "\n" + print_source.replace("lambda_handler", "second"))
    # The runtime put its log back on fd 1 before the next invoke; the handler's file is intact.
    result = lab.invoke("steal")
    assert result.value == [1, ""]


def test_a_result_nested_100000_deep_is_a_marshal_error_and_the_environment_stays(lab: Lab) -> None:
    source = (
        "def lambda_handler(event, context):\n"
        "    if event == 'deep':\n"
        "        value = []\n"
        "        for _ in range(100_000):\n"
        "            value = [value]\n"
        "        return value\n"
        "    return 'fine'\n"
    )
    lab.deploy("deep", source)
    result = lab.invoke("deep", "deep")
    assert result.function_error == "Unhandled"
    assert result.value["errorType"] == "Runtime.MarshalError"
    assert result.value["errorMessage"].startswith("Unable to marshal response: maximum recursion")
    after = lab.invoke("deep", "shallow")
    assert after.value == "fine" and not after.record.cold


def test_an_event_nested_too_deep_is_refused_before_any_worker_runs(lab: Lab) -> None:
    from lambda_lab import LambdaError

    lab.deploy("echo", "def lambda_handler(e, c):\n    return 'ran'\n")
    deep = ("[" * 100_000 + "]" * 100_000).encode()
    with pytest.raises(LambdaError) as refused:
        lab.invoke("echo", payload=deep)
    assert refused.value.code == "InvalidRequestContentException"
    assert "Could not parse request body into json" in refused.value.message
    assert lab.invoke("echo").value == "ran" and len(lab.records) == 1


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ("signal.alarm(1)\n    time.sleep(5)", "signal: alarm clock"),
        ("os.kill(os.getpid(), signal.SIGTERM)\n    time.sleep(5)", "signal: terminated"),
        (
            "os.kill(os.getpid(), signal.SIGUSR1)\n    time.sleep(5)",
            "signal: user defined signal 1",
        ),
        ("os.abort()", "signal: aborted"),
    ],
)
def test_signals_are_worded_as_aws_words_them(lab: Lab, body: str, words: str) -> None:
    lab.deploy(
        "signalled", f"import os, signal, time\ndef lambda_handler(e, c):\n    {body}\n", Timeout=10
    )
    result = lab.invoke("signalled")
    assert result.value["errorType"] == "Runtime.ExitError"
    assert result.value["errorMessage"].endswith(f"Runtime exited with error: {words}"), (
        result.value
    )


def test_go_names_every_classic_signal() -> None:
    import os

    assert describe_status(14) == "signal: alarm clock"  # a raw wait status: killed by 14
    assert describe_status(9) == "signal: killed"
    assert describe_status(7) == "signal: bus error"
    assert describe_status(40) == "signal: signal 40"
    assert describe_status(3 << 8) == "exit status 3"
    assert os.WIFSIGNALED(14)


def test_an_error_after_closing_stdout_is_still_reported_and_logged(lab: Lab) -> None:
    source = (
        "import os\n"
        "def lambda_handler(event, context):\n"
        "    os.close(1)\n"
        "    raise ValueError('after closing stdout')\n"
    )
    lab.deploy("closed-error", source)
    result = lab.invoke("closed-error")
    assert result.value["errorType"] == "ValueError"
    assert "[ERROR] ValueError: after closing stdout" in result.log
    assert lab.invoke("closed-error").value["errorType"] == "ValueError"  # and again, warm
