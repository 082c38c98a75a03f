"""Response streaming: InvokeWithResponseStream and RESPONSE_STREAM function URLs, for a custom
runtime that streams (Runtime API response mode ``streaming``) and a Python function that does
not (one chunk), with the limits AWS documents (200 MB streamed, 6 MB buffered)."""

from __future__ import annotations

import json
import urllib.request

import pytest
from streaming_runtime import streaming_package
from url_helpers import allow_public_url

from lambda_lab import Lab

ROLE = "arn:aws:iam::123456789012:role/r"


@pytest.fixture(scope="module")
def lab():
    with Lab(state_transition_s=0) as instance:
        client = instance.client("lambda")
        client.create_function(FunctionName="streamer", Role=ROLE, Runtime="provided.al2023",
                               Handler="stream.handler", Code={"ZipFile": streaming_package()},
                               Timeout=30, MemorySize=512)  # fmt: skip
        instance.deploy(
            "buffered", "def lambda_handler(event, context):\n    return {'whole': event}\n"
        )
        yield instance


def events(lab: Lab, name: str, payload: dict) -> list:
    answer = lab.client("lambda").invoke_with_response_stream(
        FunctionName=name, Payload=json.dumps(payload).encode()
    )
    assert answer["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert answer["ResponseStreamContentType"] == "application/vnd.amazon.eventstream"
    return list(answer["EventStream"])


def test_a_streaming_function_answers_chunk_by_chunk(lab: Lab) -> None:
    got = events(lab, "streamer", {"chunks": ["one ", "two ", "three"]})
    assert [e["PayloadChunk"]["Payload"] for e in got[:-1]] == [b"one ", b"two ", b"three"]
    assert got[-1] == {"InvokeComplete": {}}
    buffered = lab.client("lambda").invoke(
        FunctionName="streamer", Payload=b'{"chunks": ["a", "b"]}'
    )
    assert buffered["Payload"].read() == b"ab"  # Invoke reads the whole stream


def test_an_error_mid_stream_ends_the_stream_with_it(lab: Lab) -> None:
    got = events(lab, "streamer", {"fail": True})
    assert got[0] == {"PayloadChunk": {"Payload": b"partial "}}
    complete = got[-1]["InvokeComplete"]
    assert complete["ErrorCode"] == "Handled.StreamError"
    assert json.loads(complete["ErrorDetails"])["errorMessage"] == "broke after one chunk"


def test_a_function_that_does_not_stream_answers_in_one_chunk(lab: Lab) -> None:
    got = events(lab, "buffered", {"n": 1})
    assert got == [{"PayloadChunk": {"Payload": b'{"whole": {"n": 1}}'}}, {"InvokeComplete": {}}]


@pytest.mark.slow
def test_a_stream_may_pass_6_mb_where_a_buffered_answer_may_not(lab: Lab) -> None:
    size = 7 * 1024 * 1024
    got = events(lab, "streamer", {"bytes": size})
    assert sum(len(e["PayloadChunk"]["Payload"]) for e in got[:-1]) == size
    client = lab.client("lambda")
    lab.deploy(
        "too-big", "def lambda_handler(event, context):\n    return 'x' * (7 * 1024 * 1024)\n"
    )
    answer = client.invoke(FunctionName="too-big")
    assert answer["FunctionError"] == "Unhandled"
    assert json.loads(answer["Payload"].read())["errorType"] == "Function.ResponseSizeTooLarge"


def test_a_response_stream_url_sends_the_http_integration_response(lab: Lab) -> None:
    client = lab.client("lambda")
    url = client.create_function_url_config(FunctionName="streamer", AuthType="NONE",
                                            InvokeMode="RESPONSE_STREAM")  # fmt: skip
    assert url["InvokeMode"] == "RESPONSE_STREAM"  # given in the request, so shown (recorded)
    allow_public_url(client, "streamer")
    request = urllib.request.Request(url["FunctionUrl"], data=b'{"http": true}', method="POST")
    with urllib.request.urlopen(request, timeout=30) as answer:
        assert answer.status == 201
        assert (
            answer.headers["x-streamed"] == "yes" and answer.headers["Set-Cookie"] == "flavour=oat"
        )
        assert answer.read() == b"<h1>hello</h1><p>streamed</p>"
