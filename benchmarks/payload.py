"""A 6 MB invoke of a handler that returns its event, against the floor of that work.

    python benchmarks/payload.py                # 3 runs of 10 calls of each kind
    python benchmarks/payload.py --quick

The floor is what any runtime must do: copy the bytes to a worker process and back (a
raw round trip over a socket pair to a process that echoes them) plus the handler's own
JSON work (decoding the event and encoding the result, timed here on the same bytes).
Two ways into the Lab are timed: `lab.invoke(payload=bytes)` (the bytes as they come,
like boto3's Payload) and `lab.invoke(event)` (a Python object the Lab encodes first).
The second is also shown against its own floor, the first's plus the caller's encoding of
the object (`json.dumps(event).encode()`, timed here): the work any client does before it
has bytes to send (boto3's Invoke takes bytes).
The function has 1,769 MB, one full vCPU: below that the Lab holds a worker to the
share of a CPU its memory buys, as AWS does (1,024 MB: 0.58 vCPU), and the handler's own
JSON work alone would take 1.7 x the floor's.
Target (issue 22): <= 1.3 x the floor.
"""

from __future__ import annotations

import json
import time

from _common import EchoWorker, heading, median, parser, ratio, row, runs_of

from lambda_lab import Lab, limits

HANDLER = "def lambda_handler(event, context):\n    return event\n"
SIZE = 6_000_000  # under the 6 MB (6,291,456 bytes) synchronous payload limit, both ways
FULL_VCPU_MB = limits.MEMORY_PER_VCPU_MB  # the CPU share is not what this measures


def timed(work, calls: int) -> float:  # type: ignore[no-untyped-def]
    samples = []
    for _ in range(calls):
        started = time.perf_counter()
        work()
        samples.append(time.perf_counter() - started)
    return median(samples)


def main() -> None:
    args = parser(__doc__).parse_args()
    calls = 2 if args.quick else 10
    event = {"records": ["x" * 90 for _ in range(SIZE // 94)]}  # many small strings, 6 MB
    body = json.dumps(event).encode()
    echo = EchoWorker(raw=True)
    runs = []
    try:
        with Lab() as lab:
            lab.deploy("echo", HANDLER, MemorySize=FULL_VCPU_MB)
            assert lab.invoke("echo", payload=body).payload == body  # cold start, checked
            for _ in range(runs_of(args)):
                copy = timed(lambda: echo.send(body), calls)
                handler_json = timed(lambda: json.dumps(json.loads(body)).encode(), calls)
                raw_bytes = timed(lambda: lab.invoke("echo", payload=body, log_type="None"), calls)
                as_event = timed(lambda: lab.invoke("echo", event, log_type="None"), calls)
                encode = timed(lambda: json.dumps(event).encode(), calls)
                runs.append((copy, handler_json, raw_bytes, as_event, encode))
    finally:
        echo.close()
    copy, handler_json, raw_bytes, as_event, encode = (
        median([r[i] for r in runs]) * 1000 for i in range(5)
    )
    floor = copy + handler_json
    heading(f"{len(body) / 1e6:.1f} MB event, returned whole (medians of {len(runs)} runs)")
    row("raw copy to a worker and back", copy, "ms")
    row("the handler's JSON decode + encode", handler_json, "ms")
    ratio("floor: the two added", floor, floor, "ms")
    for label, index, value in (
        ("lab.invoke(payload=bytes)", 2, raw_bytes),
        ("lab.invoke(event)", 3, as_event),
    ):
        paired = median([r[index] / (r[0] + r[1]) for r in runs])  # each run with its own floor
        ratio(label, value, floor, "ms", "<= 1.3", paired)
    row("the caller's own encode of the event", encode, "ms")
    ratio(
        "lab.invoke(event) / (floor + that encode)",
        as_event,
        floor + encode,
        "ms",
        "<= 1.3",
        median([r[3] / (r[0] + r[1] + r[4]) for r in runs]),
    )


if __name__ == "__main__":
    main()
