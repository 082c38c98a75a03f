"""How fast schedules and event patterns run, as ratios against plain Python timed in the same run.

    python benchmarks/event_sources.py [--quick]

Prints:
  - a year of ``cron(* * * * ? *)`` fire times (525,600 instants) vs a bare loop that adds
    one minute to a datetime 525,600 times: the floor for producing those instants;
  - a compiled EventBridge pattern (source, prefix, numeric range, anything-but) vs the same
    test written by hand as Python comparisons, per event;
  - an SQS FilterCriteria check per record vs ``json.loads`` of the record's body alone.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone

from _common import parser, runs_of

from lambda_lab.event_sources.mappings.filters import esm_filter_matches
from lambda_lab.event_sources.matching.patterns import compile_pattern
from lambda_lab.event_sources.matching.schedules import fire_times
from lambda_lab.event_sources.shapes import events as shapes

START = datetime(2024, 1, 1, tzinfo=timezone.utc)


def best_of(runs: int, work: Callable[[], object]) -> float:
    timings = []
    for _ in range(runs):
        began = time.perf_counter()
        work()
        timings.append(time.perf_counter() - began)
    return min(timings)


def schedules(runs: int) -> None:
    end = START + timedelta(days=365)

    def baseline() -> int:
        moment, count = START, 0
        while moment < end:
            moment += timedelta(minutes=1)
            count += 1
        return count

    ours = best_of(runs, lambda: sum(1 for _ in fire_times("cron(* * * * ? *)", START, end)))
    floor = best_of(runs, baseline)
    print(
        f"cron, a year of minutes: {ours:.3f} s, bare datetime loop {floor:.3f} s,"
        f" ratio {ours / floor:.1f}x"
    )


def patterns(runs: int) -> None:
    events = [
        {
            "source": "aws.s3" if i % 3 else "aws.ec2",
            "detail": {"key": f"photos/{i}.jpg", "size": i % 2000, "state": "ok"},
        }
        for i in range(20_000)
    ]
    compiled = compile_pattern(
        {
            "source": ["aws.s3"],
            "detail": {
                "key": [{"prefix": "photos/"}],
                "size": [{"numeric": [">", 0, "<=", 1024]}],
                "state": [{"anything-but": ["failed"]}],
            },
        }
    )

    def by_hand(event: dict) -> bool:
        detail = event["detail"]
        return (
            event["source"] == "aws.s3"
            and detail["key"].startswith("photos/")
            and 0 < detail["size"] <= 1024
            and detail["state"] != "failed"
        )

    ours = best_of(runs, lambda: [compiled.matches(e) for e in events])
    floor = best_of(runs, lambda: [by_hand(e) for e in events])
    if [compiled.matches(e) for e in events] != [by_hand(e) for e in events]:
        raise SystemExit("the pattern and the hand-written test disagree; the timing means nothing")
    per_event = ours / len(events) * 1e6
    print(f"event pattern: {per_event:.1f} us per event, hand-written ratio {ours / floor:.1f}x")


def filters(runs: int) -> None:
    records = [
        shapes.sqs_record(
            json.dumps({"kind": "refund" if i % 4 else "sale", "amount": i}),
            queue_arn="arn:aws:sqs:us-east-1:123456789012:q",
            sent_at=float(i),
        )
        for i in range(10_000)
    ]
    pattern = {"body": {"kind": ["sale"], "amount": [{"numeric": [">", 10]}]}}
    criteria = [{"Pattern": json.dumps(pattern)}]
    ours = best_of(runs, lambda: [esm_filter_matches("sqs", r, criteria) for r in records])
    floor = best_of(runs, lambda: [json.loads(r["body"]) for r in records])
    print(
        f"SQS filter: {ours / len(records) * 1e6:.1f} us per record,"
        f" json.loads of the body alone ratio {ours / floor:.1f}x"
    )


def main() -> None:
    args = parser(__doc__).parse_args()
    runs = runs_of(args)  # each figure is the best of the runs
    schedules(runs)
    patterns(runs)
    filters(runs)


if __name__ == "__main__":
    main()
