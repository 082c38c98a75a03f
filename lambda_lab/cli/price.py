"""``lambda-lab price``: the bill of a what-if month, as a table or as JSON.

    lambda-lab price --requests 3000000 --duration-ms 120 --memory 1536 [--arch arm64]
                     [--ephemeral 2048] [--no-free-tier] [--json]
                     [--provisioned N --provisioned-hours H [--provisioned-requests R]]

Arguments are checked by argparse against the ranges in ``limits.py``, so a bad value ends
with usage and a message that names the option, the range and the value (exit status 2).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from decimal import Decimal, InvalidOperation

from lambda_lab import limits
from lambda_lab.pricing.table import MAX_HOURS_IN_A_MONTH


def _integer(name: str, low: int, high: int | None = None) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text.replace("_", "").replace(",", ""))
        except ValueError:
            raise argparse.ArgumentTypeError(f"{name} must be an integer (got {text!r})") from None
        if value < low or (high is not None and value > high):
            expected = f"in range {low:,}..{high:,}" if high is not None else f">= {low:,}"
            raise argparse.ArgumentTypeError(f"{name} must be {expected} (got {value:,})")
        return value

    return parse


def _number(name: str, low: Decimal, high: Decimal) -> Callable[[str], Decimal]:
    def parse(text: str) -> Decimal:
        try:
            value = Decimal(text)
        except InvalidOperation:
            raise argparse.ArgumentTypeError(f"{name} must be a number (got {text!r})") from None
        if not value.is_finite() or not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{name} must be in range {low}..{high} (got {text})")
        return value

    return parse


EXAMPLES = """\
examples:
  lambda-lab price --requests 3000000 --duration-ms 120 --memory 1536
  lambda-lab price --requests 3000000 --duration-ms 120 --memory 1536 --arch arm64 --json
  lambda-lab price --requests 2000000 --duration-ms 280 --memory 4096 \\
                   --provisioned 7 --provisioned-hours 24

Prices: US East (N. Virginia). The free tier (1M requests and 400,000 GB-s a month)
is subtracted unless --no-free-tier is given; it never covers provisioned concurrency.
"""


def configure(parser: argparse.ArgumentParser) -> None:
    parser.formatter_class = argparse.RawDescriptionHelpFormatter  # keep the examples' lines
    parser.epilog = EXAMPLES
    parser.add_argument(
        "--requests",
        required=True,
        type=_integer("--requests", 0),
        help="invocations a month",
    )
    parser.add_argument(
        "--duration-ms",
        required=True,
        # Billing rounds every invocation up to at least 1 ms, so no average is below it.
        type=_number("--duration-ms", Decimal(1), Decimal(limits.TIMEOUT_MAX_S * 1000)),
        help="average billed duration of one invocation, in ms (1 ms billing)",
    )
    parser.add_argument(
        "--memory",
        required=True,
        type=_integer("--memory", limits.MEMORY_MIN_MB, limits.MEMORY_MAX_MB),
        help=f"memory in MB ({limits.MEMORY_MIN_MB}-{limits.MEMORY_MAX_MB})",
    )
    parser.add_argument(
        "--arch",
        choices=limits.ARCHITECTURES,
        default=limits.DEFAULT_ARCHITECTURE,
        help="instruction set (default x86_64); arm64 costs about 20%% less per GB-s",
    )
    parser.add_argument(
        "--ephemeral",
        type=_integer("--ephemeral", limits.EPHEMERAL_MIN_MB, limits.EPHEMERAL_MAX_MB),
        default=limits.EPHEMERAL_DEFAULT_MB,
        help="ephemeral storage (/tmp) in MB; above 512 MB is billed",
    )
    parser.add_argument(
        "--async-event-kb",
        type=_integer("--async-event-kb", 0, limits.ASYNC_PAYLOAD_MAX_BYTES // 1024),
        help="invoke asynchronously with events of this size (billed per 64 KB beyond 256 KB)",
    )
    parser.add_argument(
        "--no-free-tier", action="store_true", help="do not subtract the monthly free tier"
    )
    pc = parser.add_argument_group("provisioned concurrency")
    pc.add_argument(
        "--provisioned",
        type=_integer("--provisioned", 0),
        default=0,
        metavar="N",
        help="provisioned concurrency (environments kept initialised)",
    )
    pc.add_argument(
        "--provisioned-hours",
        type=_number("--provisioned-hours", Decimal(0), Decimal(MAX_HOURS_IN_A_MONTH)),
        default=Decimal(0),
        metavar="H",
        help="hours it is enabled this month (billed in 5-minute steps)",
    )
    pc.add_argument(
        "--provisioned-requests",
        type=_integer("--provisioned-requests", 0),
        metavar="R",
        help="how many of the requests it serves (default: all of them)",
    )
    parser.add_argument("--json", action="store_true", help="print the bill as JSON")


def run(args: argparse.Namespace) -> int:
    from lambda_lab.pricing.calculator import PricingError, estimate

    pc_options_without_pc = args.provisioned_hours or args.provisioned_requests is not None
    if args.provisioned and not args.provisioned_hours:
        return _usage_error("--provisioned needs --provisioned-hours (how long it is enabled)")
    if not args.provisioned and pc_options_without_pc:
        return _usage_error("--provisioned-hours and --provisioned-requests need --provisioned N")
    if args.provisioned_requests is not None and args.provisioned_requests > args.requests:
        return _usage_error(
            f"--provisioned-requests must be at most --requests ({args.requests:,})"
            f" (got {args.provisioned_requests:,})"
        )
    try:
        bill = estimate(
            requests=args.requests,
            duration_ms=args.duration_ms,
            memory_mb=args.memory,
            architecture=args.arch,
            ephemeral_storage_mb=args.ephemeral,
            free_tier=not args.no_free_tier,
            provisioned_concurrency=args.provisioned,
            provisioned_hours=args.provisioned_hours,
            provisioned_requests=args.provisioned_requests,
            async_event_bytes=None if args.async_event_kb is None else args.async_event_kb * 1024,
        )
    except PricingError as error:
        return _usage_error(str(error))
    if args.json:
        print(json.dumps(bill.as_dict(), indent=2))
    else:
        from rich.console import Console

        Console().print(bill)
    return 0


def _usage_error(message: str) -> int:
    print(f"lambda-lab price: error: {message}", file=sys.stderr)
    return 2
