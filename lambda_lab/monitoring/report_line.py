"""Reading a REPORT line: what each field says, and what the numbers tell you together.

Lambda writes one REPORT line at the end of every invocation (see ``logs.report_line``).
A learner pastes one here, from the Lab or from a real CloudWatch log, and gets it back
field by field::

    fields = parse_report(line)           # [ReportField("Duration", "2.32", "ms", ...), ...]
    notes = observations(fields)           # "Billed Duration = Duration + Init Duration, rounded up"

Tabs separate the fields in a real log, but a line copied from a web page often has spaces
instead; both are read. Anything that is not a known field is reported, never dropped.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from decimal import Decimal

from lambda_lab import limits

# name -> (unit, what it means); in the order Lambda writes them.
MEANINGS: dict[str, tuple[str, str]] = {
    "RequestId": (
        "",
        "The invocation's id. START, END, REPORT and your own log lines of this call share it; "
        "the retries of an asynchronous event keep it too.",
    ),
    "Duration": (
        "ms",
        "How long the handler ran for this event (the INVOKE phase), measured to 1/100 ms. "
        "The CloudWatch metric Duration is this number.",
    ),
    "Billed Duration": (
        "ms",
        "The time you pay for: Duration, plus Init Duration on a cold start of an "
        "on-demand function (INIT is billed since 1 Aug 2025), rounded up to the next 1 ms.",
    ),
    "Memory Size": (
        "MB",
        "The memory you configured. CPU share and price per second both grow with it.",
    ),
    "Max Memory Used": (
        "MB",
        "The most memory the execution environment has used so far. Close to Memory Size "
        "means the next bigger event may run out of memory.",
    ),
    "Init Duration": (
        "ms",
        "Time spent starting the runtime and running your module-level code. Present only "
        "on the first call of a new execution environment: a cold start.",
    ),
    "Restore Duration": (
        "ms",
        "SnapStart only: time to restore the environment from its snapshot.",
    ),
    "Billed Restore Duration": ("ms", "SnapStart only: the part of the restore you pay for."),
    "Status": (
        "",
        "Written when the invocation did not end normally: 'timeout', or 'error' with an Error Type.",
    ),
    "Error Type": (
        "",
        "Why the runtime failed, for example Runtime.OutOfMemory or Runtime.ExitError.",
    ),
    "TraceId": (
        "",
        "X-Ray active tracing: the trace this invocation belongs to (from the XRAY line).",
    ),
    "SegmentId": ("", "X-Ray: the id of this function's segment inside the trace."),
    "Sampled": ("", "X-Ray: whether this request was sampled, so its trace is recorded."),
}
_FIELD = re.compile(
    r"(?P<name>" + "|".join(re.escape(n) for n in sorted(MEANINGS, key=len, reverse=True)) + r"):"
    r"\s*(?P<value>\S+)(?:\s(?P<unit>ms|s|us|µs|MB|KB|GB|MiB)(?=\s|$))?"
)


PRINTED_PRECISION_MS = 0.01  # Duration and Init Duration are printed with two decimals


class ReportLineError(ValueError):
    """Text that is not a REPORT line; the message says what was expected and what came."""


@dataclass(frozen=True)
class ReportField:
    name: str
    value: str  # as written, e.g. "2.32"
    unit: str  # "ms", "MB" or ""
    meaning: str

    @property
    def number(self) -> float | None:
        try:
            return float(self.value)
        except ValueError:
            return None


def parse_report(text: str) -> list[ReportField]:
    """The fields of a REPORT line (and of an XRAY line after it, if pasted too), in order."""
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    if not lines or not lines[0].startswith("REPORT RequestId:"):
        got = lines[0][:60] if lines else "nothing"
        raise ReportLineError(f"a REPORT line starts with 'REPORT RequestId:' (got {got!r})")
    fields: list[ReportField] = []
    for number, line in enumerate(lines):
        if number and not line.startswith("XRAY "):
            raise ReportLineError(
                f"only a REPORT line and its XRAY line can be read (got {line[:60]!r})"
            )
        body = line.split(" ", 1)[1]
        found = list(_FIELD.finditer(body))
        leftover = _FIELD.sub("", body).strip(" \t;")
        if leftover:
            raise ReportLineError(
                f"unknown text in the line: {leftover[:60]!r}; known fields: {', '.join(MEANINGS)}"
            )
        for match in found:
            name = match["name"]
            unit, meaning = MEANINGS[name]
            if unit and match["unit"] != unit:
                raise ReportLineError(f"{name} must be in {unit} (got {match.group(0)!r})")
            fields.append(ReportField(name, match["value"], unit, meaning))
    names = [f.name for f in fields]
    missing = [
        n
        for n in ("Duration", "Billed Duration", "Memory Size", "Max Memory Used")
        if n not in names
    ]
    if missing:
        raise ReportLineError(f"a REPORT line always has {', '.join(missing)}; this one does not")
    return fields


def observations(fields: list[ReportField]) -> list[str]:
    """What the numbers say together: the billing rule they follow, memory head-room, cost."""
    value = {f.name: f.number for f in fields}
    duration, billed = value["Duration"] or 0.0, value["Billed Duration"] or 0.0
    memory, used, init = (
        value["Memory Size"] or 0.0,
        value["Max Memory Used"] or 0.0,
        value.get("Init Duration"),
    )
    notes = []
    if init is not None:
        notes.append(
            f"Cold start: a new execution environment spent {_ms(init)} ms in INIT before the handler ran."
        )
    else:
        notes.append(
            "Warm start: no Init Duration, so an environment that already existed served this call."
        )
    notes.append(_billing_rule(duration, billed, init))
    if memory:
        share = used / memory
        if share > 0.9:
            advice = "little head-room: a bigger event could run out of memory"
        elif share < 0.3 and memory > limits.MEMORY_MIN_MB:
            advice = "plenty of head-room; if Duration stays the same with less memory, a smaller size is cheaper"
        else:
            advice = "a comfortable margin"
        notes.append(f"Memory: {_ms(used)} of {_ms(memory)} MB used ({share:.0%}): {advice}.")
        gb_seconds = Decimal(str(billed)) / 1000 * Decimal(str(memory)) / 1024
        from lambda_lab.pricing.table import CURRENT

        per_million = (
            CURRENT.request + gb_seconds * CURRENT.first_tier_price("x86_64")
        ) * 1_000_000
        notes.append(f"Cost: {gb_seconds:.6f} GB-seconds; a million such calls cost about "
                     f"${per_million:.2f} on x86_64 (before the free tier).")  # fmt: skip
    status = next((f.value for f in fields if f.name == "Status"), None)
    if status is not None:
        kind = next((f.value for f in fields if f.name == "Error Type"), "")
        notes.append(f"Failed: Status {status}{' (' + kind + ')' if kind else ''}. The handler did not "
                     "return normally; read the lines above the REPORT line for the reason.")  # fmt: skip
    return notes


def _ms(value: float) -> str:
    """A REPORT figure as the line prints it, to the 1/100 ms and no further ("g" kept only six
    digits: a Duration of 123456.78 ms read 123457)."""
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def _billing_rule(duration: float, billed: float, init: float | None) -> str:
    """Which rounding rule produced Billed Duration."""
    if init is not None and _rounded_up(duration + init, billed):
        return (f"Billed Duration {_ms(billed)} ms = Duration + Init Duration ({duration + init:.2f} ms), rounded up "
                "to the next ms: today's rule for on-demand functions.")  # fmt: skip
    if _rounded_up(duration, billed):
        extra = (
            " Init Duration is not included: a line from before Aug 2025."
            if init is not None
            else ""
        )
        return f"Billed Duration {_ms(billed)} ms = Duration {_ms(duration)} ms rounded up to the next ms.{extra}"
    if billed % 100 == 0 and 0 <= billed - duration < 100:
        return (f"Billed Duration {_ms(billed)} ms is Duration rounded up to 100 ms: a line from before Dec 2020, "
                "when Lambda billed in 100 ms blocks.")  # fmt: skip
    return f"Billed Duration {_ms(billed)} ms follows none of Lambda's rounding rules for Duration {_ms(duration)} ms."


def _rounded_up(printed_ms: float, billed: float) -> bool:
    """Whether ``billed`` is a time rounded up to the next ms (at least 1 ms), given that the
    line prints that time to 1/100 ms, so the true value may be up to 0.01 ms either side."""
    step = limits.BILLING_GRANULARITY_MS
    low = max(step, math.ceil(round(printed_ms - PRINTED_PRECISION_MS, 6)))
    high = max(step, math.ceil(round(printed_ms + PRINTED_PRECISION_MS, 6)))
    return low <= billed <= high
