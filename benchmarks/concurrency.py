"""Real concurrency: 200 concurrent calls of a 1 s handler within the default memory budget.

    python benchmarks/concurrency.py            # 200 calls, 3 runs (a new Lab each)
    python benchmarks/concurrency.py --quick    # 20 calls of a 0.3 s handler, 1 run
    python benchmarks/concurrency.py --agreement   # also: the five simulator-vs-runtime traces

All calls start together (a barrier) on a fresh Lab, so every one needs a cold start.
Prints, as medians of the runs: successes and throttles (429s) out of the calls, and at
the moment the most workers were alive, the measured memory of the Lab's processes: PSS
(proportional set size, shared pages split among the processes sharing them) of this
process (it plays the notebook kernel: a real Jupyter kernel holding a Lab is larger, see
benchmarks/README.md), of the template and of every worker, their sum against a 1 GB
Binder session, and the memory budget's own view (the figure its admission decisions use).
"""

from __future__ import annotations

import os
import threading
import time

from _common import heading, median, parser, row, runs_of, smaps_mb

from lambda_lab import Lab, errors
from lambda_lab.concurrency.memory_budget import DEFAULT_BUDGET_MB

BINDER_MB = 1024
HANDLER = (
    "import time\n\ndef handler(event, context):\n    time.sleep(event['sleep'])\n    return 1\n"
)


def snapshot(lab: Lab) -> dict[str, float]:
    """Memory of this process, the template and every worker, read one after the other."""
    workers = [env.pid for env in lab.pool.environments() if env.pid]
    template = lab._spawner.pid or 0
    per_worker = [smaps_mb(pid) for pid in workers]
    uss = sorted(private for _, private in per_worker)
    kernel_pss, template_pss = smaps_mb(os.getpid())[0], smaps_mb(template)[0]
    workers_pss = sum(pss for pss, _ in per_worker)
    return {
        "workers": len(workers),
        "kernel_pss": kernel_pss,
        "template_pss": template_pss,
        "workers_pss": workers_pss,
        "worker_uss": uss[len(uss) // 2] if uss else 0.0,
        "total_pss": kernel_pss + template_pss + workers_pss,
        "budget_view": lab.concurrency.memory.usage(
            "sleepy", lab.pool.environments(), [template]
        ).used_mb,
    }


def burst(calls: int, sleep_s: float) -> dict[str, float]:
    """``calls`` concurrent cold calls on a new Lab; memory read when the most workers live."""
    outcomes: list[str] = []
    barrier = threading.Barrier(calls + 1)
    with Lab() as lab:
        lab.deploy("sleepy", HANDLER, handler="lambda_function.handler", Timeout=30)
        lab._spawner.ensure_started()  # the template is up before the clock starts

        def call() -> None:
            barrier.wait()
            try:
                lab.invoke("sleepy", {"sleep": sleep_s}, log_type="None")
                outcomes.append("ok")
            except errors.TooManyRequestsException:
                outcomes.append("throttled")
            except Exception as error:  # noqa: BLE001 - counted as "other"
                outcomes.append(type(error).__name__)

        threads = [threading.Thread(target=call) for _ in range(calls)]
        for thread in threads:
            thread.start()
        started = time.perf_counter()
        barrier.wait()
        peak = snapshot(lab)
        while any(thread.is_alive() for thread in threads):
            time.sleep(0.05)
            sample = snapshot(lab)
            if sample["workers"] > peak["workers"]:
                peak = sample
        elapsed = time.perf_counter() - started
    return {
        "ok": outcomes.count("ok"),
        "throttled": outcomes.count("throttled"),
        "other": len(outcomes) - outcomes.count("ok") - outcomes.count("throttled"),
        "seconds": elapsed,
        **peak,
    }


def agreement() -> None:
    from lambda_lab.simulate.agreement import CASES, compare

    heading("simulator vs real runtime, five small traces")
    agreed = 0
    for number, case in enumerate(CASES, 1):
        simulated, real = compare(case)
        agreed += simulated == real
        print(f"{number}. {case.name}: {'agree' if simulated == real else 'DISAGREE'}")
        print(f"   simulator: {simulated}\n   runtime:   {real}")
    print(f"agreement: {agreed}/{len(CASES)}")


def main() -> None:
    options = parser(__doc__)
    options.add_argument("--calls", type=int, default=200)
    options.add_argument("--agreement", action="store_true", help="also run the five traces")
    args = options.parse_args()
    calls, sleep_s = (20, 0.3) if args.quick else (args.calls, 1.0)
    results = [burst(calls, sleep_s) for _ in range(runs_of(args))]

    def mid(key: str) -> float:
        return median([r[key] for r in results])

    heading(f"{calls} concurrent {sleep_s:g} s calls, default budget {DEFAULT_BUDGET_MB} MB")
    row("successes", mid("ok"), "", f"of {calls} = {mid('ok') / calls:.2f} (target 1.00)")
    row("throttled (429)", mid("throttled"), "", f"other errors: {mid('other'):.0f}")
    row("workers alive at the peak (memory read then)", mid("workers"), "")
    row("wall time of the burst", mid("seconds"), "s", f"(floor {sleep_s:g} s)")
    heading("memory at the peak: PSS (shared pages split among their sharers), MB")
    row("this process (the notebook kernel's part)", mid("kernel_pss"), "MB")
    row("template process", mid("template_pss"), "MB")
    row("workers, summed", mid("workers_pss"), "MB", f"median USS {mid('worker_uss'):.2f} MB")
    total = mid("total_pss")
    row("kernel + template + workers", total, "MB", f"= {total / BINDER_MB:.2f} x a 1 GB Binder")
    row("the budget's view (template RSS + worker USS)", mid("budget_view"), "MB",
        f"of {DEFAULT_BUDGET_MB} MB = {mid('budget_view') / DEFAULT_BUDGET_MB:.2f}")  # fmt: skip
    if args.agreement:
        agreement()


if __name__ == "__main__":
    main()
