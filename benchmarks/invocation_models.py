"""What the invocation models cost, as ratios against floors measured in this run.

    python benchmarks/invocation_models.py [--quick] [--runs 3]

Prints:
  - loading moto (first use of another service) in a fresh interpreter: seconds and RSS
    growth, vs starting that interpreter with the Lab imported;
  - the lectures' DLQ hands-on on a virtual clock (an async event failing three times over
    3 virtual minutes, then delivered to an SQS DLQ): real seconds, and the speed-up over
    the 180 s it takes on AWS;
  - a schedule: rate(1 hour) for a virtual day (24 real invocations) vs 24 synchronous invokes;
  - an S3 GetObject through the loopback endpoint vs an in-process Lambda GetFunction call.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time

from _common import parser, runs_of

MOTO_PROBE = r"""
import time, psutil
from lambda_lab import Lab
process = psutil.Process()
with Lab(clock="virtual") as lab:
    lab.aws.start()
    before, started = process.memory_info().rss, time.perf_counter()
    lab.client("sqs").list_queues()
    print(time.perf_counter() - started, (process.memory_info().rss - before) / 2**20)
"""
BARE_PROBE = (
    "import time; t = time.perf_counter(); import lambda_lab.lab; print(time.perf_counter() - t)"
)


def run_python(code: str) -> list[float]:
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return [float(x) for x in done.stdout.split()]


def main() -> None:
    args = parser(__doc__).parse_args()
    runs = runs_of(args)
    from lambda_lab import Lab

    moto = [run_python(MOTO_PROBE) for _ in range(runs)]
    bare = statistics.median(run_python(BARE_PROBE)[0] for _ in range(runs))
    load_s = statistics.median(m[0] for m in moto)
    print(
        f"moto first load: {load_s:.2f} s (x{load_s / bare:.1f} the Lab's own import, {bare:.2f} s), "
        f"+{statistics.median(m[1] for m in moto):.0f} MB RSS"
    )

    with Lab(clock="virtual") as lab:
        sqs = lab.client("sqs")
        url = sqs.create_queue(QueueName="dlq")["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        lab.deploy(
            "fails",
            "def lambda_handler(event, context):\n    raise Exception('boom')\n",
            DeadLetterConfig={"TargetArn": arn},
        )
        lab.invoke("fails", {})  # warm the environment, as a learner's earlier cells would
        timings = []
        for _ in range(runs + 2):
            started = time.perf_counter()
            lab.client("lambda").invoke(
                FunctionName="fails", InvocationType="Event", Payload=b'{"key1": "value1"}'
            )
            lab.clock.run_until_idle(limit=600)
            (message,) = sqs.receive_message(QueueUrl=url)["Messages"]
            timings.append(time.perf_counter() - started)
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        real = statistics.median(timings)
        print(
            f"DLQ hands-on (3 attempts over 180 virtual s, then the DLQ): {real:.3f} s real, "
            f"x{180 / real:,.0f} faster than AWS"
        )

        lab.deploy("hourly", "def lambda_handler(event, context):\n    return 1\n")
        events = lab.client("events")
        events.put_rule(Name="hourly", ScheduleExpression="rate(1 hour)")
        events.put_targets(
            Rule="hourly", Targets=[{"Id": "1", "Arn": lab.functions.get("hourly").arn}]
        )
        started = time.perf_counter()
        lab.clock.advance(days=1)
        day = time.perf_counter() - started
        started = time.perf_counter()
        for _ in range(24):
            lab.invoke("hourly", {})
        direct = time.perf_counter() - started
        print(
            f"rate(1 hour) over a virtual day: {day:.2f} s real for 24 fires, "
            f"x{day / direct:.0f} the time of 24 direct invokes"
        )

        s3 = lab.client("s3")
        s3.create_bucket(Bucket="bench")
        s3.put_object(Bucket="bench", Key="k", Body=b"x" * 1024)
        client = lab.client("lambda")
        loops = 20 if args.quick else 200
        started = time.perf_counter()
        for _ in range(loops):
            s3.get_object(Bucket="bench", Key="k")["Body"].read()
        s3_ms = (time.perf_counter() - started) / loops * 1000
        started = time.perf_counter()
        for _ in range(loops):
            client.get_function(FunctionName="hourly")
        lambda_ms = (time.perf_counter() - started) / loops * 1000
        print(
            f"S3 GetObject over loopback: {s3_ms:.2f} ms, "
            f"x{s3_ms / lambda_ms:.1f} an in-process GetFunction ({lambda_ms:.2f} ms)"
        )


if __name__ == "__main__":
    main()
