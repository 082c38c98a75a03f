"""Fixtures of the front-door tests; the fake Lambda itself lives in fake_lambda.py."""

from __future__ import annotations

import json

import pytest
from fake_lambda import FakeLambda
from real_http import ECHO

from lambda_lab import Lab


@pytest.fixture
def echo() -> FakeLambda:
    """A handler that answers 200 with the event it got, as JSON."""
    return FakeLambda(
        lambda event, context: {
            "statusCode": 200,
            "headers": {"Content-Type": "application/json"},
            "body": json.dumps(event),
        }
    )


@pytest.fixture(scope="module")
def jwt_lab():
    """One virtual-clock Lab per module of the JWT authorizer tests, with the echo function."""
    with Lab(clock="virtual") as instance:
        instance.deploy("echo", ECHO)
        yield instance
