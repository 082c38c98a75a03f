"""lab.bill(): the bill of real invocations equals the hand sum of the REPORT lines they logged.

The REPORT lines are parsed here, in the test only, to prove that the bill agrees with
what a learner reads in the logs: Billed Duration x Memory Size / 1024 x rate + requests.
"""

from __future__ import annotations

import re
from fractions import Fraction

import pytest

from lambda_lab import Lab
from lambda_lab.errors import LambdaError

# The pricing page's rates, typed out again so that a wrong price table fails here.
REQUEST = Fraction("0.0000002")
RATE = {"x86_64": Fraction("0.0000166667"), "arm64": Fraction("0.0000133334")}
REPORT = re.compile(
    r"^REPORT RequestId: (?P<id>\S+)\tDuration: [\d.]+ ms\tBilled Duration: (?P<billed>\d+) ms"
    r"\tMemory Size: (?P<memory>\d+) MB\tMax Memory Used: \d+ MB"
    r"(?P<init>\tInit Duration: [\d.]+ ms)?"
)

SQUARES = "def lambda_handler(event, context):\n    return sum(i * i for i in range(event['n']))\n"
FAILS = "def lambda_handler(event, context):\n    raise ValueError('no order ' + event['id'])\n"
# (name, source, architecture, memory MB): a few functions at different sizes and on both CPUs.
FUNCTIONS = [
    ("orders-small", SQUARES, "x86_64", 128),
    ("orders-large", SQUARES, "x86_64", 1536),
    ("orders-arm", SQUARES, "arm64", 512),
    ("orders-fail", FAILS, "x86_64", 256),
]
EVENTS = {"orders-fail": {"id": "A-17"}}


@pytest.fixture(scope="module")
def ran():
    """A Lab after real invocations: every function starts cold, then runs warm."""
    with Lab() as lab:
        for name, source, arch, memory in FUNCTIONS:
            lab.deploy(name, source, MemorySize=memory, Architectures=[arch])
            for n in (2_000, 20_000, 200):
                lab.invoke(name, EVENTS.get(name, {"n": n}))
        yield lab


def report_lines(lab, function):
    lines = [e.message for e in lab.logs.events(function, pattern="REPORT")]
    parsed = [REPORT.match(line) for line in lines]
    assert all(parsed), lines
    return parsed


def hand_sum(lab, functions):
    """Priced from the REPORT lines alone, with the architecture each function was deployed with."""
    total = Fraction(0)
    for name, _, arch, _ in functions:
        for report in report_lines(lab, name):
            seconds = Fraction(int(report["billed"]), 1000)
            total += REQUEST + seconds * Fraction(int(report["memory"]), 1024) * RATE[arch]
    return total


def test_bill_of_real_invocations_equals_the_hand_sum_of_their_report_lines(ran):
    reports = [r for name, *_ in FUNCTIONS for r in report_lines(ran, name)]
    assert len(reports) == 12
    assert sum(1 for r in reports if r["init"]) == 4  # one cold start per function, INIT billed
    bill = ran.bill(free_tier=False)
    assert Fraction(bill.total) == hand_sum(ran, FUNCTIONS)
    assert bill.total > 0
    quantities = {line.description: line.quantity for line in bill}
    assert quantities["Requests"] == 12  # the failed invocations are billed too


def test_bill_of_one_function_is_priced_from_its_own_report_lines(ran):
    only_large = [f for f in FUNCTIONS if f[0] == "orders-large"]
    bill = ran.bill(free_tier=False, function="orders-large")
    assert Fraction(bill.total) == hand_sum(ran, only_large)
    descriptions = {line.description for line in bill}
    assert descriptions == {"Requests", "Duration x86_64, first 6 billion GB-s"}


def test_the_free_tier_covers_a_lab_session(ran):
    bill = ran.bill()
    assert bill.total == 0
    assert next(line for line in bill if line.description == "Requests, free tier").quantity == 12


def test_month_scale_grows_the_same_traffic(ran):
    bill = ran.bill(month_scale=12_000_000, free_tier=False)
    assert Fraction(bill.total) == hand_sum(ran, FUNCTIONS) * 1_000_000
    assert "Scaled to 12,000,000 invocations a month." in bill.notes


def test_billing_an_unknown_function_is_an_aws_error(ran):
    with pytest.raises(LambdaError, match="Function not found: .*:function:no-such-function"):
        ran.bill(function="no-such-function")
