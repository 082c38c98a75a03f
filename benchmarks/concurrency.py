"""Real concurrency: 200 concurrent calls of a 1 s handler within the default memory budget.

    python benchmarks/concurrency.py            # 200 calls, 3 runs (a new Lab each)
    python benchmarks/concurrency.py --quick    # 20 calls of a 0.3 s handler, 1 run
    python benchmarks/concurrency.py --kernel   # also: the burst inside a real Jupyter kernel
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

from _common import children_of, heading, median, parser, row, runs_of, smaps_mb

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


KERNEL_BURST = """
import threading
from lambda_lab import Lab, errors
lab = Lab()
lab.deploy("sleepy", {handler!r}, handler="lambda_function.handler", Timeout=30)
lab._spawner.ensure_started()
outcomes = []
def call():
    try:
        lab.invoke("sleepy", {{"sleep": {sleep}}}, log_type="None")
        outcomes.append("ok")
    except errors.TooManyRequestsException:
        outcomes.append("throttled")
threads = [threading.Thread(target=call) for _ in range({calls})]
for thread in threads:
    thread.start()
"""


def descendants(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        children = children_of(todo.pop())
        found += children
        todo += children
    return found


def in_a_kernel(calls: int, sleep_s: float) -> dict[str, float]:
    """The same burst run by a real Jupyter (IPython) kernel; PSS read from outside at the peak."""
    from jupyter_client.manager import start_new_kernel

    manager, client = start_new_kernel(kernel_name="python3")
    try:
        pid = manager.provisioner.pid  # type: ignore[union-attr]
        idle_pss = smaps_mb(pid)[0]
        client.execute_interactive(
            KERNEL_BURST.format(handler=HANDLER, sleep=sleep_s, calls=calls), timeout=120
        )
        peak: dict[str, float] = {"workers": 0}
        deadline = time.monotonic() + 30 + sleep_s * 3
        while time.monotonic() < deadline:
            processes = descendants(pid)
            if len(processes) - 1 > peak["workers"]:  # everything but the template is a worker
                kernel = smaps_mb(pid)[0]
                others = sum(smaps_mb(child)[0] for child in processes)
                peak = {"workers": len(processes) - 1, "kernel": kernel, "total": kernel + others}
            elif peak["workers"] and len(processes) - 1 < peak["workers"] / 2:
                break  # the burst is over
            time.sleep(0.05)
        done = client.execute_interactive(
            "for t in threads: t.join()\nprint(outcomes.count('ok'))\nlab.close()", timeout=120
        )
        assert done["content"]["status"] == "ok"
        return {"kernel_idle": idle_pss, **peak}
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)


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
    options.add_argument(
        "--kernel", action="store_true", help="also run the burst in a real Jupyter kernel"
    )
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
    if args.kernel:
        inside = [in_a_kernel(calls, sleep_s) for _ in range(runs_of(args))]
        heading("the same burst in a real Jupyter kernel (PSS, MB, read from outside)")
        row("kernel before the Lab", median([r["kernel_idle"] for r in inside]), "MB")
        row("kernel at the peak", median([r["kernel"] for r in inside]), "MB")
        row("processes under the template at the peak", median([r["workers"] for r in inside]), "")
        total = median([r["total"] for r in inside])
        row("kernel + template + workers", total, "MB", f"= {total / BINDER_MB:.2f} x 1 GB")
    if args.agreement:
        agreement()


if __name__ == "__main__":
    main()
