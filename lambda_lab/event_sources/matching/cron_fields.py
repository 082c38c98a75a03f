"""The six fields of an EventBridge ``cron(...)`` expression, parsed into sets and day rules.

Field by field (EventBridge user guide, "Schedule expressions"):

=============  =========  ===========================
field          values     special characters
=============  =========  ===========================
Minutes        0-59       ``, - * /``
Hours          0-23       ``, - * /``
Day-of-month   1-31       ``, - * ? / L W``
Month          1-12       ``, - * /`` and JAN-DEC
Day-of-week    1-7        ``, - * ? L #`` and SUN-SAT (1 = SUN)
Year           1970-2199  ``, - * /``
=============  =========  ===========================

Errors are ``ValueError`` whose text names the field and the offending part;
:mod:`.schedules` wraps them in EventBridge's ValidationException.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

MONTH_NAMES = {name.upper(): number for number, name in enumerate(calendar.month_abbr) if name}
DAY_NAMES = {"SUN": 1, "MON": 2, "TUE": 3, "WED": 4, "THU": 5, "FRI": 6, "SAT": 7}
_NUMBER = re.compile(r"[0-9]+")
_ITEM = re.compile(r"(?P<base>\*|[^-/]+(?:-[^-/]+)?)(?:/(?P<step>[^/]*))?")


@dataclass(frozen=True)
class _Field:
    label: str
    low: int
    high: int
    specials: str
    names: dict[str, int] = field(default_factory=dict, compare=False, hash=False)


def aws_weekday(year: int, month: int, day: int) -> int:
    """1 = Sunday ... 7 = Saturday, as cron's Day-of-week counts."""
    return (calendar.weekday(year, month, day) + 1) % 7 + 1  # Python counts Monday = 0


@dataclass(frozen=True)
class DayOfMonth:
    """Plain days plus ``L`` (last day), ``LW`` (last weekday) and ``nW`` (weekday nearest n)."""

    plain: frozenset[int] = frozenset()
    last: bool = False
    last_weekday: bool = False
    nearest_weekday: frozenset[int] = frozenset()

    def days(self, year: int, month: int) -> tuple[int, ...]:
        length = calendar.monthrange(year, month)[1]
        chosen = {day for day in self.plain if day <= length}
        if self.last:
            chosen.add(length)
        if self.last_weekday:
            chosen.add(_nearest_weekday(year, month, length, length))
        chosen.update(
            _nearest_weekday(year, month, day, length)
            for day in self.nearest_weekday
            if day <= length
        )
        return tuple(sorted(chosen))


def _nearest_weekday(year: int, month: int, day: int, length: int) -> int:
    """The Monday-Friday closest to ``day`` without leaving the month."""
    weekday = aws_weekday(year, month, day)
    if weekday == 7:  # Saturday: the Friday before, or the Monday after the 1st
        return day - 1 if day > 1 else day + 2
    if weekday == 1:  # Sunday: the Monday after, or the Friday before the last day
        return day + 1 if day < length else day - 2
    return day


@dataclass(frozen=True)
class DayOfWeek:
    """Plain weekdays (1 = SUN), ``nL`` (last n-day of the month) and ``n#k`` (k-th n-day)."""

    plain: frozenset[int] = frozenset()
    last: frozenset[int] = frozenset()
    nth: tuple[int, int] | None = None

    def days(self, year: int, month: int) -> tuple[int, ...]:
        length = calendar.monthrange(year, month)[1]
        first = aws_weekday(year, month, 1)
        chosen: set[int] = set()
        for weekday in self.plain | self.last:
            occurrences = range((weekday - first) % 7 + 1, length + 1, 7)
            if weekday in self.plain:
                chosen.update(occurrences)
            if weekday in self.last:
                chosen.add(occurrences[-1])
        if self.nth is not None:
            weekday, count = self.nth
            day = (weekday - first) % 7 + 1 + 7 * (count - 1)
            if day <= length:
                chosen.add(day)
        return tuple(sorted(chosen))


Values = tuple[int, ...]
# minutes, hours, day-of-month, months, day-of-week, years
ParsedFields = tuple[Values, Values, DayOfMonth | None, Values, DayOfWeek | None, Values]


def parse_fields(fields: Sequence[str], *, year_range: tuple[int, int]) -> ParsedFields:
    """Parse the six fields; ``None`` stands for ``?`` in a day field."""
    specs = (
        _Field("Minutes", 0, 59, ",-*/"),
        _Field("Hours", 0, 23, ",-*/"),
        _Field("Day-of-month", 1, 31, ",-*?/LW"),
        _Field("Month", 1, 12, ",-*/", MONTH_NAMES),
        _Field("Day-of-week", 1, 7, ",-*?L#", DAY_NAMES),
        _Field("Year", *year_range, ",-*/"),
    )
    for spec, text in zip(specs, fields):
        _check_characters(spec, text)
    minutes, hours, months, years = (_plain_values(specs[i], fields[i]) for i in (0, 1, 3, 5))
    day_of_month = None if fields[2] == "?" else _day_of_month(specs[2], fields[2])
    day_of_week = None if fields[4] == "?" else _day_of_week(specs[4], fields[4])
    if (day_of_month is None) == (day_of_week is None):
        raise ValueError(
            "Exactly one of Day-of-month and Day-of-week must be '?'"
            f" (got {fields[2]!r} and {fields[4]!r})."
        )
    return minutes, hours, day_of_month, months, day_of_week, years


def _fail(spec: _Field, text: str, why: str) -> ValueError:
    return ValueError(f"{spec.label} field {text!r}: {why}.")


def _check_characters(spec: _Field, text: str) -> None:
    for char in text:
        # Letters are checked where they are read (names, L, W); symbols are checked here.
        if not (char.isascii() and char.isalnum()) and char not in spec.specials:
            allowed = " ".join(repr(symbol) for symbol in spec.specials)
            raise _fail(spec, text, f"{char!r} is not allowed here (allowed: digits and {allowed})")
    if "?" in text and text != "?":
        raise _fail(spec, text, "'?' must be the whole field")
    if text.count("#") > 1:
        raise _fail(spec, text, "only one '#' expression is allowed per field")


def _value(spec: _Field, text: str, token: str) -> int:
    if _NUMBER.fullmatch(token):
        number = int(token)
    elif token.upper() in spec.names:
        number = spec.names[token.upper()]
    else:
        names = ""
        if spec.names:
            ordered = sorted(spec.names, key=spec.names.__getitem__)
            names = f" or {ordered[0]}-{ordered[-1]}"
        raise _fail(spec, text, f"{token!r} is not a value {spec.low}-{spec.high}{names}")
    if not spec.low <= number <= spec.high:
        raise _fail(spec, text, f"{number} is outside {spec.low}-{spec.high}")
    return number


def _item_values(spec: _Field, text: str, item: str) -> set[int]:
    """One item of a list: ``*``, ``n`` or ``a-b`` (which may wrap past the top), with ``/step``."""
    match = _ITEM.fullmatch(item)
    if not match:
        raise _fail(spec, text, f"{item!r} is not a value, a range or an increment")
    base, step_text = match.group("base"), match.group("step")
    step = 1
    if step_text is not None:
        if not _NUMBER.fullmatch(step_text) or int(step_text) == 0:
            raise _fail(spec, text, f"the increment in {item!r} must be a positive whole number")
        step = int(step_text)
    if base == "*":
        return set(range(spec.low, spec.high + 1, step))
    if "-" in base:
        start_token, end_token = base.split("-")
        start, end = _value(spec, text, start_token), _value(spec, text, end_token)
        if start <= end:
            return set(range(start, end + 1, step))
        if spec.label == "Year":
            raise _fail(spec, text, f"the range {base!r} runs backwards")
        span = list(range(start, spec.high + 1)) + list(range(spec.low, end + 1))
        return set(span[::step])
    start = _value(spec, text, base)
    return set(range(start, spec.high + 1, step)) if step_text is not None else {start}


def _plain_values(spec: _Field, text: str) -> tuple[int, ...]:
    values: set[int] = set()
    for item in _items(spec, text):
        values |= _item_values(spec, text, item)
    return tuple(sorted(values))


def _items(spec: _Field, text: str) -> list[str]:
    items = text.split(",")
    if any(not item for item in items):
        raise _fail(spec, text, "empty item in a comma-separated list")
    return items


def _day_of_month(spec: _Field, text: str) -> DayOfMonth:
    plain: set[int] = set()
    nearest: set[int] = set()
    last = last_weekday = False
    for item in _items(spec, text):
        if item == "L":
            last = True
        elif item == "LW":
            last_weekday = True
        elif item.endswith("W"):
            nearest.add(_value(spec, text, item[:-1]))
        elif "L" in item or "W" in item:
            raise _fail(spec, text, f"{item!r} is not understood; use L, LW or nW (such as 15W)")
        else:
            plain |= _item_values(spec, text, item)
    return DayOfMonth(frozenset(plain), last, last_weekday, frozenset(nearest))


def _day_of_week(spec: _Field, text: str) -> DayOfWeek:
    plain: set[int] = set()
    last: set[int] = set()
    nth = None
    for item in _items(spec, text):
        if item == "L":
            plain.add(7)  # alone, L is the last day of the week: Saturday
        elif "#" in item:
            weekday_token, _, count_token = item.partition("#")
            weekday = _value(spec, text, weekday_token)
            if not _NUMBER.fullmatch(count_token) or not 1 <= int(count_token) <= 5:
                raise _fail(spec, text, f"in {item!r} the occurrence after '#' must be 1-5")
            nth = (weekday, int(count_token))
        elif item.endswith("L") and item.upper() not in DAY_NAMES:
            last.add(_value(spec, text, item[:-1]))
        else:
            plain |= _item_values(spec, text, item)
    return DayOfWeek(frozenset(plain), frozenset(last), nth)
