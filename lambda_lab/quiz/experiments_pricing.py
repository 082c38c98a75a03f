"""Lab experiments behind the pricing bank: each prices the month a question describes.

The bills come from the Lab's own pricing engine (``lambda_lab.pricing.calculator``), the one that
prices what really ran in a Lab, so a pricing key can never drift from the lesson's
calculator. One experiment runs for real: a large asynchronous event, billed from the
invocation record it leaves. Amounts are returned as floats rounded to the cent, the way
the questions ask for them.
"""

from __future__ import annotations

import time
from decimal import Decimal

from lambda_lab.quiz.evidence import exhibit, experiment_lab
from lambda_lab.quiz.experiments import experiment


def _usd(amount: Decimal) -> float:
    return float(round(amount, 2))


@experiment("the month of 5 M arm64 calls of 300 ms at 2,048 MB, free tier applied, in USD")
def arm64_2gb_5m_month_usd() -> float:
    from lambda_lab.pricing.calculator import estimate

    month = estimate(requests=5_000_000, duration_ms=300, memory_mb=2048, architecture="arm64")
    exhibit("The month's bill", month)
    return _usd(month.total)


@experiment("what the same 5 M calls save per month on arm64 rather than x86_64, in USD")
def arm64_saving_vs_x86_usd() -> float:
    from lambda_lab.pricing.calculator import estimate

    months = {
        arch: estimate(requests=5_000_000, duration_ms=300, memory_mb=2048, architecture=arch)
        for arch in ("x86_64", "arm64")
    }
    for arch, month in months.items():
        exhibit(f"The month on {arch}", month)
    return _usd(months["x86_64"].total - months["arm64"].total)


@experiment("how many GB-s one dollar buys at the first x86_64 tier, to the nearest thousand")
def gb_seconds_per_dollar_x86() -> int:
    from lambda_lab.pricing.table import CURRENT

    price = CURRENT.first_tier_price("x86_64")
    exhibit(
        "The Lab's price table, x86_64, first tier",
        {"USD per GB-second": str(price), "GB-seconds per USD": str(1 / price)},
    )
    return int(round(1 / price, -3))


@experiment("10 x 1,024 MB of provisioned concurrency for 240 h, 1.2 M calls of 200 ms, in USD")
def provisioned_10x1gb_240h_month_usd() -> float:
    from lambda_lab.pricing.calculator import estimate

    month = estimate(
        requests=1_200_000,
        duration_ms=200,
        memory_mb=1024,
        provisioned_concurrency=10,
        provisioned_hours=240,
    )
    exhibit("The month's bill", month)
    return _usd(month.total)


@experiment("the duration charge of 8 billion x86_64 GB-s in one month, no free tier, in USD")
def x86_8_billion_gb_s_duration_usd() -> float:
    from lambda_lab.pricing.calculator import Usage, price

    month = price(Usage(duration={"x86_64": Decimal(8_000_000_000)}), free_tier=False)
    exhibit("The duration lines of the bill", month)
    return _usd(month.amount("Duration"))


@experiment("the /tmp line of 2 M calls of 10 s with 10,240 MB of ephemeral storage, in USD")
def tmp_10gb_ephemeral_line_usd() -> float:
    from lambda_lab.pricing.calculator import estimate

    month = estimate(
        requests=2_000_000,
        duration_ms=10_000,
        memory_mb=1024,
        ephemeral_storage_mb=10_240,
        free_tier=False,
    )
    exhibit("The month's bill", month)
    return _usd(month.amount("Ephemeral"))


@experiment("what 100,000 cold starts of 800 ms INIT add at 1,536 MB, no free tier, in USD")
def init_cost_100k_cold_starts_usd() -> float:
    from lambda_lab.pricing.calculator import estimate

    def month(cold_starts: int) -> Decimal:
        bill = estimate(
            requests=1_000_000,
            duration_ms=100,
            memory_mb=1536,
            free_tier=False,
            cold_starts=cold_starts,
            init_duration_ms=800,
        )
        exhibit(f"The month with {cold_starts:,} cold starts", bill)
        return bill.total

    return _usd(month(100_000) - month(0))


@experiment("the utilization (%) at which provisioned concurrency costs what on-demand does")
def provisioned_break_even_utilization_pct() -> float:
    from lambda_lab.pricing.table import CURRENT

    on_demand = CURRENT.first_tier_price("x86_64")
    enabled = CURRENT.provisioned_concurrency_per_gb_second["x86_64"]
    running = CURRENT.provisioned_duration_per_gb_second["x86_64"]
    # Per GB-s of capacity at utilization u: enabled + u * running == u * on_demand.
    share = 100 * enabled / (on_demand - running)
    exhibit(
        "The Lab's price table, x86_64, USD per GB-second",
        {
            "on-demand duration (first tier)": str(on_demand),
            "provisioned concurrency, enabled": str(enabled),
            "provisioned duration, while running": str(running),
            "break-even: enabled / (on-demand - provisioned duration)": f"{share:.2f} %",
        },
    )
    return float(round(share, 1))


@experiment("how many requests a real 600 KB asynchronous event is billed as")
def async_600kb_event_billed_requests() -> int:
    handler = "def lambda_handler(event, context):\n    return len(event['data'])\n"
    with experiment_lab(clock="virtual") as lab:
        lab.deploy("quiz-async-size", handler)
        event = {"data": "x" * (600 * 1024 - len('{"data": ""}'))}
        answer = lab.invoke_async("quiz-async-size", event)
        queued = lab.async_queue.journey(answer["RequestId"])
        deadline = time.monotonic() + 10
        while not queued.done:
            if time.monotonic() > deadline:
                raise AssertionError("the asynchronous event did not finish within 10 s")
            lab.clock.run_until_idle()
            time.sleep(0.01)
        bill = lab.bill(free_tier=False)
        exhibit("The bill of what ran (no free tier)", bill)
        return int(sum(line.quantity for line in bill if line.description == "Requests"))


@experiment("the month of 3 M warm calls of 200 ms at 512 MB on x86_64, free tier applied, in USD")
def small_512mb_3m_month_usd() -> float:
    from lambda_lab.pricing.calculator import estimate

    month = estimate(requests=3_000_000, duration_ms=200, memory_mb=512)
    exhibit("The month's bill", month)
    return _usd(month.total)


@experiment("the month of 10 M calls of 1 s at 1,024 MB on x86_64, no free tier, in USD")
def busy_1gb_10m_month_usd() -> float:
    from lambda_lab.pricing.calculator import estimate

    month = estimate(requests=10_000_000, duration_ms=1000, memory_mb=1024, free_tier=False)
    exhibit("The month's bill", month)
    return _usd(month.total)
