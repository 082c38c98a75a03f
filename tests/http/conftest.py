"""Fixtures of the front-door tests; the fake Lambda itself lives in fake_lambda.py."""

from __future__ import annotations

import json

import pytest
from fake_lambda import FakeLambda


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
