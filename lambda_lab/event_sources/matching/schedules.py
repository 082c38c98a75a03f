"""EventBridge schedule expressions: ``rate(value unit)`` and AWS's six-field ``cron(...)``, in UTC.

    schedule = parse_schedule("cron(0 10 ? * MON *)")
    schedule.next_fire(datetime(2024, 1, 1, tzinfo=timezone.utc))   # Monday 2024-01-01 10:00
    list(fire_times("rate(1 hour)", day_start, day_end, created=day_start))  # 24 instants

Times are UTC ``datetime`` objects; a naive one is read as UTC and an epoch float works too
(the Lab's clock speaks epoch seconds). Fire times are strictly after ``after`` and at most
``until``. A rate fires one period after the rule was created, then every period; a cron
fires at second 0 of each matching minute (AWS fires somewhere within that minute).

Invalid expressions raise :class:`ScheduleError`: EventBridge's ``ValidationException``
"Parameter ScheduleExpression is not valid.", followed by which part is wrong and why.
"""

from __future__ import annotations

import bisect
import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from lambda_lab import limits
from lambda_lab.event_sources.matching.cron_fields import DayOfMonth, DayOfWeek, parse_fields

UTC = timezone.utc
_MINUTE = timedelta(minutes=1)
_RATE = re.compile(r"rate\(\s*(\S+)\s+(\S+)\s*\)")
_CRON = re.compile(r"cron\((.*)\)", re.DOTALL)
_RATE_UNITS = {"minute": 60, "hour": 3600, "day": 86400}

Instant = datetime | float | int


class ScheduleError(ValueError):
    """An expression EventBridge's PutRule refuses; ``code`` and ``message`` are AWS's."""

    code = "ValidationException"

    def __init__(self, detail: str) -> None:
        self.message = f"Parameter ScheduleExpression is not valid. {detail}"
        super().__init__(self.message)

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


def to_utc(instant: Instant) -> datetime:
    """An aware UTC datetime from a datetime (naive means UTC) or epoch seconds."""
    if isinstance(instant, datetime):
        if instant.tzinfo is None:
            return instant.replace(tzinfo=UTC)
        return instant.astimezone(UTC)
    if isinstance(instant, (int, float)) and not isinstance(instant, bool):
        return datetime.fromtimestamp(instant, UTC)
    raise TypeError(f"expected a datetime or epoch seconds (got {type(instant).__name__})")


@dataclass(frozen=True)
class RateSchedule:
    """``rate(value unit)``: every ``period``, counted from the rule's creation."""

    expression: str
    value: int
    unit: str
    period: timedelta

    def next_fire(self, after: Instant, *, created: Instant | None = None) -> datetime:
        after = to_utc(after)
        anchor = after if created is None else to_utc(created)
        periods = max((after - anchor) // self.period + 1, 1)
        return anchor + periods * self.period

    def fire_times(
        self, after: Instant, until: Instant | None = None, *, created: Instant | None = None
    ) -> Iterator[datetime]:
        end = None if until is None else to_utc(until)
        moment = self.next_fire(after, created=created)
        while end is None or moment <= end:
            yield moment
            moment += self.period


@dataclass(frozen=True)
class CronSchedule:
    """``cron(Minutes Hours Day-of-month Month Day-of-week Year)``; one day field is ``?``."""

    expression: str
    minutes: tuple[int, ...]
    hours: tuple[int, ...]
    day_of_month: DayOfMonth | None  # None is "?"
    months: tuple[int, ...]
    day_of_week: DayOfWeek | None  # None is "?"
    years: tuple[int, ...]

    def next_fire(self, after: Instant, *, created: Instant | None = None) -> datetime | None:
        """The first fire time strictly after ``after``, or None if the schedule has ended."""
        return next(self.fire_times(after), None)

    def fire_times(
        self, after: Instant, until: Instant | None = None, *, created: Instant | None = None
    ) -> Iterator[datetime]:
        """Every fire time in (after, until], in order; ``created`` is ignored for cron."""
        start = to_utc(after).replace(second=0, microsecond=0) + _MINUTE
        end = None if until is None else to_utc(until)
        for year in self.years[bisect.bisect_left(self.years, start.year) :]:
            for month in self.months:
                if (year, month) < (start.year, start.month):
                    continue
                for day in self.days(year, month):
                    if (year, month, day) < (start.year, start.month, start.day):
                        continue
                    first_day = (year, month, day) == (start.year, start.month, start.day)
                    for hour in self.hours:
                        if first_day and hour < start.hour:
                            continue
                        skip = first_day and hour == start.hour
                        for minute in self.minutes:
                            if skip and minute < start.minute:
                                continue
                            moment = datetime(year, month, day, hour, minute, tzinfo=UTC)
                            if end is not None and moment > end:
                                return
                            yield moment

    def days(self, year: int, month: int) -> tuple[int, ...]:
        """The days of this month on which the schedule fires."""
        return _days(self.day_of_month, self.day_of_week, year, month)


@functools.lru_cache(maxsize=4096)
def _days(
    day_of_month: DayOfMonth | None, day_of_week: DayOfWeek | None, year: int, month: int
) -> tuple[int, ...]:
    spec = day_of_month or day_of_week  # parsing guarantees exactly one of them is "?"
    return spec.days(year, month) if spec is not None else ()


Schedule = RateSchedule | CronSchedule


def parse_schedule(expression: str) -> Schedule:
    """Parse and validate a schedule expression; raise :class:`ScheduleError` if AWS would."""
    if not isinstance(expression, str):
        raise ScheduleError(
            f"Expected a string such as 'rate(5 minutes)' (got {type(expression).__name__})."
        )
    return _parse(expression)


@functools.lru_cache(maxsize=256)
def _parse(expression: str) -> Schedule:
    rate = _RATE.fullmatch(expression)
    if rate:
        return _parse_rate(expression, rate.group(1), rate.group(2))
    cron = _CRON.fullmatch(expression)
    if cron:
        return _parse_cron(expression, cron.group(1))
    raise ScheduleError(
        f"Expected 'rate(value unit)' or 'cron(minutes hours day-of-month month day-of-week year)'"
        f" (got {expression[:80]!r})."
    )


def next_fire(
    expression: str, after: Instant, *, created: Instant | None = None
) -> datetime | None:
    """The first time ``expression`` fires strictly after ``after`` (UTC), or None."""
    return parse_schedule(expression).next_fire(after, created=created)


def fire_times(
    expression: str, after: Instant, until: Instant | None = None, *, created: Instant | None = None
) -> Iterator[datetime]:
    """Every fire time of ``expression`` in (after, until]; rates count from ``created``."""
    return parse_schedule(expression).fire_times(after, until, created=created)


def _parse_rate(expression: str, value_text: str, unit: str) -> RateSchedule:
    if not re.fullmatch(r"[1-9][0-9]*", value_text):
        raise ScheduleError(f"The rate value must be a positive whole number (got {value_text!r}).")
    value = int(value_text)
    singular = unit.rstrip("s")
    if singular not in _RATE_UNITS:
        raise ScheduleError(f"The rate unit must be minute(s), hour(s) or day(s) (got {unit!r}).")
    expected = singular if value == 1 else singular + "s"
    if unit != expected:
        raise ScheduleError(
            f"With a rate value of {value} the unit must be {expected!r} (got {unit!r})."
        )
    return RateSchedule(expression, value, unit, timedelta(seconds=value * _RATE_UNITS[singular]))


def _parse_cron(expression: str, body: str) -> CronSchedule:
    fields = body.split()
    if len(fields) != 6:
        raise ScheduleError(
            f"cron needs 6 fields: Minutes Hours Day-of-month Month Day-of-week Year"
            f" (got {len(fields)}: {body.strip()[:80]!r})."
        )
    try:
        years = (limits.SCHEDULE_YEAR_MIN, limits.SCHEDULE_YEAR_MAX)
        parsed = parse_fields(fields, year_range=years)
    except ValueError as exc:
        raise ScheduleError(str(exc)) from None
    return CronSchedule(expression, *parsed)
