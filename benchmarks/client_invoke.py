"""`lab.client("lambda").invoke` against `lab.invoke` of the same warm function.

    python benchmarks/client_invoke.py          # 3 runs of 2,000 interleaved calls each way
    python benchmarks/client_invoke.py --quick

The in-process boto3-shaped client gives boto3's exact shapes and errors without a
socket; `lab.invoke` is the same call without the client. Both are timed alternately on
one warm environment, so the ratio is what the client adds. `client.invoke` takes a
shortcut past botocore's request pipeline (lambda_lab/api/invoke_shortcut.py); the full
pipeline, which every other operation still takes, is timed too (botocore's own
generated method), with where its time goes (cProfile over a few hundred calls).
Target (issue 22): <= 1.5 x.
"""

from __future__ import annotations

import cProfile
import pstats
import time
from typing import Any

from _common import heading, median, parser, ratio, runs_of

from lambda_lab import Lab

EVENT = b'{"key1": "value1", "key2": "value2", "n": 42}'
HANDLER = "def lambda_handler(event, context):\n    return event\n"


def one_run(lab: Lab, client: object, calls: int) -> tuple[float, float, float]:
    direct, through_client, through_pipeline = [], [], []
    clock = time.perf_counter
    invoke = client.invoke  # type: ignore[attr-defined]
    full = full_pipeline(client)
    for _ in range(calls):
        started = clock()
        lab.invoke("bench", payload=EVENT, log_type="None")
        middle = clock()
        invoke(FunctionName="bench", Payload=EVENT)
        ended = clock()
        full(FunctionName="bench", Payload=EVENT)
        direct.append(middle - started)
        through_client.append(ended - middle)
        through_pipeline.append(clock() - ended)
    return median(direct), median(through_client), median(through_pipeline)


def full_pipeline(client: object) -> Any:
    """botocore's generated Invoke method: the whole request pipeline, no shortcut."""
    method = type(client).invoke  # type: ignore[attr-defined]
    return lambda **params: method(client, **params)


# (file fragment, function): the stages of one client call, by cumulative time.
STAGES = (
    ("whole call: BaseClient._make_api_call", "botocore/client.py", "_make_api_call"),
    ("  serialising the request (botocore)", "botocore/serialize.py", "serialize_to_request"),
    ("  signing it, SigV4 (botocore)", "botocore/signers.py", "sign"),
    ("  the Lab's REST layer: api.handle", "lambda_lab/api/rest.py", "handle"),
    ("    of which the invoke itself: invoke_sync", "lambda_lab/invocation/sync.py", "invoke_sync"),
    ("  parsing the response (botocore)", "botocore/parsers.py", "parse"),
)


def where_the_time_goes(client: object, calls: int) -> None:
    """Cumulative time of each stage of a full-pipeline call, as a share of it (cProfile)."""
    full = full_pipeline(client)
    profile = cProfile.Profile()
    profile.enable()
    for _ in range(calls):
        full(FunctionName="bench", Payload=EVENT)
    profile.disable()
    stats = pstats.Stats(profile).stats  # type: ignore[attr-defined]
    cumulative: dict[str, float] = {}
    for label, fragment, function in STAGES:
        cumulative[label] = max(
            (
                inclusive
                for (filename, _, name), (_, _, _, inclusive, _) in stats.items()
                if fragment in filename and name == function
            ),
            default=0.0,
        )
    whole = cumulative[STAGES[0][0]] or 1.0
    print(f"  where the full pipeline's time goes ({calls} calls under cProfile, inclusive):")
    for label, seconds in cumulative.items():
        print(f"    {100 * seconds / whole:5.1f} %  {label}")


def main() -> None:
    args = parser(__doc__).parse_args()
    calls = 100 if args.quick else 2000
    with Lab() as lab:
        lab.deploy("bench", HANDLER)
        client = lab.client("lambda")
        client.invoke(FunctionName="bench", Payload=EVENT)  # cold start, first client use
        runs = [one_run(lab, client, calls) for _ in range(runs_of(args))]
        direct = median([r[0] for r in runs]) * 1e6
        through_client = median([r[1] for r in runs]) * 1e6
        through_pipeline = median([r[2] for r in runs]) * 1e6
        heading(f"warm invoke, unpinned (medians of {len(runs)} runs x {calls} calls)")
        ratio("lab.invoke (floor)", direct, direct, "us")
        ratios = [c / d for d, c, _ in runs]
        ratio('lab.client("lambda").invoke', through_client, direct, "us", "<= 1.5", median(ratios))
        print(f"  per-run ratios: {', '.join(f'{r:.2f}' for r in ratios)}")
        ratio("  full botocore pipeline (other operations)", through_pipeline, direct, "us",
              "", median([p / d for d, _, p in runs]))  # fmt: skip
        where_the_time_goes(client, 50 if args.quick else 500)


if __name__ == "__main__":
    main()
