"""Schedule expressions: rate and six-field cron, checked against real calendars and a reference."""

from __future__ import annotations

import calendar
from datetime import date, datetime, timedelta, timezone
from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lambda_lab.event_sources.matching.schedules import (
    CronSchedule,
    RateSchedule,
    ScheduleError,
    fire_times,
    next_fire,
    parse_schedule,
)

UTC = timezone.utc
JAN_1_2024 = datetime(2024, 1, 1, tzinfo=UTC)  # a Monday


def days_of(expression: str, start: datetime, end: datetime) -> list[date]:
    return [moment.date() for moment in fire_times(expression, start, end)]


def test_rate_one_hour_fires_24_times_over_a_day_starting_one_period_after_creation() -> None:
    created = datetime(2024, 3, 5, 7, 30, 12, tzinfo=UTC)
    fires = list(fire_times("rate(1 hour)", created, created + timedelta(days=1), created=created))
    assert len(fires) == 24
    assert fires[0] == created + timedelta(hours=1) and fires[-1] == created + timedelta(days=1)
    assert all(b - a == timedelta(hours=1) for a, b in pairwise(fires))


def test_rate_counts_from_creation_not_from_the_query() -> None:
    created = datetime(2024, 1, 1, 0, 0, 30, tzinfo=UTC)
    assert next_fire(
        "rate(5 minutes)", created + timedelta(minutes=7), created=created
    ) == created + timedelta(minutes=10)
    assert next_fire(
        "rate(5 minutes)", created - timedelta(hours=1), created=created
    ) == created + timedelta(minutes=5)
    assert next_fire("rate(2 days)", JAN_1_2024) == JAN_1_2024 + timedelta(
        days=2
    )  # created = after
    epoch_based = next_fire("rate(1 minute)", JAN_1_2024.timestamp())
    assert epoch_based == JAN_1_2024 + timedelta(minutes=1)


def test_cron_every_monday_at_ten_fires_on_mondays_at_ten_only() -> None:
    fires = list(fire_times("cron(0 10 ? * MON *)", JAN_1_2024, JAN_1_2024 + timedelta(days=366)))
    assert all(
        moment.weekday() == 0 and (moment.hour, moment.minute) == (10, 0) for moment in fires
    )
    mondays = [JAN_1_2024.date() + timedelta(days=d) for d in range(367) if d % 7 == 0]
    assert [moment.date() for moment in fires] == mondays[: len(fires)] and len(fires) == 53
    assert next_fire("cron(0 10 ? * MON *)", datetime(2024, 1, 1, 10, 0, tzinfo=UTC)) == datetime(
        2024, 1, 8, 10, 0, tzinfo=UTC
    )
    assert next_fire("cron(0 10 ? * 2 *)", datetime(2024, 1, 1, 9, 59, 59, tzinfo=UTC)) == datetime(
        2024, 1, 1, 10, 0, tzinfo=UTC
    )


def test_last_friday_nearest_weekday_and_second_tuesday_on_real_calendars() -> None:
    end = datetime(2024, 12, 31, 23, 59, tzinfo=UTC)
    last_fridays = days_of("cron(15 10 ? * 6L 2019-2024)", JAN_1_2024, end)
    assert last_fridays[:3] == [date(2024, 1, 26), date(2024, 2, 23), date(2024, 3, 29)]
    assert date(2024, 5, 31) in last_fridays and len(last_fridays) == 12
    nearest = days_of("cron(0 8 15W * ? *)", JAN_1_2024, end)
    assert date(2024, 6, 14) in nearest  # 15 June 2024 is a Saturday -> Friday 14th
    assert date(2024, 9, 16) in nearest  # 15 September 2024 is a Sunday -> Monday 16th
    assert date(2024, 1, 15) in nearest and len(nearest) == 12
    assert days_of("cron(0 8 1W * ? 2022)", datetime(2022, 1, 1, tzinfo=UTC), end)[:1] == [
        date(2022, 1, 3)
    ]  # Sat 1st -> Mon 3rd
    assert days_of("cron(0 8 30W 4 ? 2023)", datetime(2023, 1, 1, tzinfo=UTC), end) == [
        date(2023, 4, 28)
    ]  # Sun 30th, last day
    second_tuesdays = days_of("cron(0 9 ? * 3#2 *)", JAN_1_2024, end)
    assert second_tuesdays[:3] == [date(2024, 1, 9), date(2024, 2, 13), date(2024, 3, 12)]
    assert days_of("cron(0 8 L 2 ? 2023-2024)", datetime(2023, 1, 1, tzinfo=UTC), end) == [
        date(2023, 2, 28),
        date(2024, 2, 29),
    ]
    assert days_of("cron(0 8 LW 3 ? 2024)", JAN_1_2024, end) == [
        date(2024, 3, 29)
    ]  # 31st is a Sunday


def test_documented_examples_parse_and_fire_where_they_should() -> None:
    assert next_fire("cron(15 10 * * ? *)", JAN_1_2024) == datetime(2024, 1, 1, 10, 15, tzinfo=UTC)
    assert next_fire(
        "cron(0 18 ? * MON-FRI *)", datetime(2024, 1, 5, 18, 0, tzinfo=UTC)
    ) == datetime(2024, 1, 8, 18, 0, tzinfo=UTC)
    assert next_fire("cron(0 8 1 * ? *)", JAN_1_2024) == datetime(2024, 1, 1, 8, 0, tzinfo=UTC)
    tens = list(
        fire_times("cron(0/10 * ? * MON-FRI *)", JAN_1_2024, JAN_1_2024 + timedelta(hours=1))
    )
    assert [m.minute for m in tens] == [10, 20, 30, 40, 50, 0]
    assert next_fire(
        "cron(0/5 8-17 ? * MON-FRI *)", datetime(2024, 1, 1, 17, 55, tzinfo=UTC)
    ) == datetime(2024, 1, 2, 8, 0, tzinfo=UTC)
    assert next_fire("cron(0 9 ? * 2#1 *)", JAN_1_2024) == datetime(2024, 1, 1, 9, 0, tzinfo=UTC)
    assert [
        m.minute
        for m in fire_times(
            "cron(1/10 0 * * ? *)",
            JAN_1_2024 - timedelta(minutes=1),
            JAN_1_2024 + timedelta(hours=1),
        )
    ] == [1, 11, 21, 31, 41, 51]


def test_names_wrapping_ranges_and_the_end_of_a_schedule() -> None:
    weekend = days_of("cron(0 0 ? * FRI-MON *)", JAN_1_2024, JAN_1_2024 + timedelta(days=7))
    assert [d.weekday() for d in weekend] == [4, 5, 6, 0]  # Fri, Sat, Sun, Mon
    assert days_of("cron(0 0 1 nov-DEC ? 2024)", JAN_1_2024, datetime(2025, 1, 1, tzinfo=UTC)) == [
        date(2024, 11, 1),
        date(2024, 12, 1),
    ]
    assert next_fire("cron(0 0 1 1 ? 2023)", JAN_1_2024) is None  # only in the past
    assert next_fire("cron(0 0 30 2 ? *)", JAN_1_2024) is None  # February has no 30th
    assert next_fire(
        "cron(59 23 31 12 ? 2199)", datetime(2199, 12, 31, 23, 58, tzinfo=UTC)
    ) == datetime(2199, 12, 31, 23, 59, tzinfo=UTC)


def test_naive_and_other_zones_are_read_as_instants_in_utc() -> None:
    naive = datetime(2024, 1, 1, 9, 59)
    assert next_fire("cron(0 10 * * ? *)", naive) == datetime(2024, 1, 1, 10, 0, tzinfo=UTC)
    paris = timezone(timedelta(hours=1))
    assert next_fire("cron(0 10 * * ? *)", datetime(2024, 1, 1, 10, 30, tzinfo=paris)) == datetime(
        2024, 1, 1, 10, 0, tzinfo=UTC
    )
    with pytest.raises(TypeError, match="epoch seconds"):
        next_fire("rate(1 minute)", "2024-01-01")  # type: ignore[arg-type]


def test_a_year_of_every_minute() -> None:
    count = sum(
        1 for _ in fire_times("cron(* * * * ? *)", JAN_1_2024, JAN_1_2024 + timedelta(days=366))
    )
    assert count == 366 * 24 * 60  # 2024 is a leap year


def test_parsed_objects() -> None:
    rate = parse_schedule("rate(30 minutes)")
    assert (
        isinstance(rate, RateSchedule)
        and rate.period == timedelta(minutes=30)
        and rate.unit == "minutes"
    )
    cron = parse_schedule("cron(0,30 9-17/2 ? JAN,JUL TUE-THU 2024-2026)")
    assert isinstance(cron, CronSchedule)
    assert cron.minutes == (0, 30) and cron.hours == (9, 11, 13, 15, 17) and cron.months == (1, 7)
    assert cron.years == (2024, 2025, 2026) and cron.day_of_month is None
    assert cron.day_of_week is not None and cron.day_of_week.plain == {3, 4, 5}


INVALID = [
    ("rate(1 hours)", "unit must be 'hour'"),
    ("rate(5 hour)", "unit must be 'hours'"),
    ("rate(0 minutes)", "positive whole number"),
    ("rate(-5 minutes)", "positive whole number"),
    ("rate(1.5 hours)", "positive whole number"),
    ("rate(5 weeks)", "minute(s), hour(s) or day(s)"),
    ("rate(5)", "Expected 'rate(value unit)'"),
    ("RATE(5 minutes)", "Expected 'rate(value unit)'"),
    ("every 5 minutes", "Expected 'rate(value unit)'"),
    ("cron(0 10 * * ?)", "cron needs 6 fields"),
    ("cron(0 10 * * ? * *)", "cron needs 6 fields"),
    ("cron(0 10 * * * *)", "Exactly one of Day-of-month and Day-of-week must be '?'"),
    ("cron(0 10 ? * ? *)", "Exactly one of Day-of-month and Day-of-week must be '?'"),
    ("cron(0 10 1 * MON *)", "Exactly one of Day-of-month and Day-of-week must be '?'"),
    ("cron(60 10 * * ? *)", "Minutes field '60': 60 is outside 0-59"),
    ("cron(0 24 * * ? *)", "Hours field '24'"),
    ("cron(0 0 32 * ? *)", "Day-of-month field '32'"),
    ("cron(0 0 0 * ? *)", "Day-of-month field '0'"),
    ("cron(0 0 1 13 ? *)", "Month field '13'"),
    ("cron(0 0 1 FOO ? *)", "'FOO' is not a value 1-12 or JAN-DEC"),
    ("cron(0 0 ? * 8 *)", "Day-of-week field '8'"),
    ("cron(0 0 ? * MONDAY *)", "1-7 or SUN-SAT"),
    ("cron(0 0 1 * ? 1969)", "Year field '1969'"),
    ("cron(0 0 1 * ? 2200)", "Year field '2200'"),
    ("cron(0 0 1 * ? 2025-2024)", "runs backwards"),
    ("cron(0 10 ? * 3#1,6#3 *)", "only one '#'"),
    ("cron(0 10 ? * 3#6 *)", "must be 1-5"),
    ("cron(0 10 ? * 1/2 *)", "'/' is not allowed here"),
    ("cron(L 10 * * ? *)", "Minutes field 'L': 'L' is not a value 0-59"),
    ("cron(0 10 ? * MON#1 *)", None),  # valid: names work with '#'
    ("cron(0 10 15L * ? *)", "use L, LW or nW"),
    ("cron(? 10 * * ? *)", "'?' is not allowed here"),
    ("cron(0 10 ?,1 * ? *)", "'?' must be the whole field"),
    ("cron(0/0 10 * * ? *)", "increment"),
    ("cron(0 10 1,,2 * ? *)", "empty item"),
    ("cron(0 1-2-3 * * ? *)", "not a value, a range or an increment"),
]


@pytest.mark.parametrize(("expression", "words"), INVALID, ids=[case[0] for case in INVALID])
def test_invalid_expressions_get_the_validation_error_naming_the_part(
    expression: str, words: str | None
) -> None:
    if words is None:
        parse_schedule(expression)
        return
    with pytest.raises(ScheduleError) as caught:
        parse_schedule(expression)
    assert caught.value.code == "ValidationException"
    assert caught.value.message.startswith("Parameter ScheduleExpression is not valid. ")
    assert words in caught.value.message


# -- property tests -----------------------------------------------------------------------
def aws_weekday(day: date) -> int:
    return day.isoweekday() % 7 + 1  # ISO Monday = 1 -> 2; ISO Sunday = 7 -> 1


def reference_values(text: str, low: int, high: int, names: dict[str, int]) -> set[int]:
    values: set[int] = set()
    for item in text.split(","):
        base, slash, step_text = item.partition("/")
        step = int(step_text) if slash else 1

        def read(token):
            return names[token.upper()] if token.upper() in names else int(token)

        if base == "*":
            first, last = low, high
        elif "-" in base:
            first, last = (read(token) for token in base.split("-"))
        else:
            first = read(base)
            last = high if slash else first
        values.update(range(first, last + 1, step))
    return values


def reference_day(day: date, dom: str, dow: str) -> bool:
    length = calendar.monthrange(day.year, day.month)[1]
    if dom != "?":
        for item in dom.split(","):
            if item == "L" and day.day == length:
                return True
            if item.endswith("W") and item != "L":
                target = int(item[:-1])
                weekdays = [
                    d for d in range(1, length + 1) if date(day.year, day.month, d).weekday() < 5
                ]
                if target <= length and min(weekdays, key=lambda d: abs(d - target)) == day.day:
                    return True
            elif item != "L" and day.day in reference_values(item, 1, 31, {}):
                return True
        return False
    names = {"SUN": 1, "MON": 2, "TUE": 3, "WED": 4, "THU": 5, "FRI": 6, "SAT": 7}
    for item in dow.split(","):
        if "#" in item:
            weekday, count = item.split("#")
            if aws_weekday(day) == reference_values(weekday, 1, 7, names).pop() and (
                day.day - 1
            ) // 7 + 1 == int(count):
                return True
        elif item.endswith("L") and len(item) > 1:
            if aws_weekday(day) == int(item[:-1]) and day.day + 7 > length:
                return True
        elif aws_weekday(day) in reference_values(item, 1, 7, names):
            return True
    return False


def plain_items(
    low: int, high: int, names: list[str] | None = None, steps: bool = True
) -> st.SearchStrategy[str]:
    number = st.integers(low, high)
    token = number.map(str) if not names else number.map(str) | st.sampled_from(names)
    item = st.one_of(
        st.just("*"),
        token,
        st.tuples(number, number).map(lambda ab: f"{min(ab)}-{max(ab)}"),
    )
    if steps:  # Day-of-week has no '/'
        item |= st.tuples(number, st.integers(1, high - low + 1)).map(lambda a: f"{a[0]}/{a[1]}")
        item |= st.integers(1, high - low + 1).map(lambda s: f"*/{s}")
    return st.lists(item, min_size=1, max_size=3).map(",".join)


day_names = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]
dom_field = st.lists(
    plain_items(1, 31) | st.just("L") | st.integers(1, 31).map(lambda d: f"{d}W"),
    min_size=1,
    max_size=2,
).map(",".join)
dow_field = st.one_of(
    plain_items(1, 7, day_names, steps=False),
    st.integers(1, 7).map(lambda d: f"{d}L"),
    st.tuples(st.integers(1, 7), st.integers(1, 5)).map(lambda t: f"{t[0]}#{t[1]}"),
)
day_fields = st.one_of(dom_field.map(lambda dom: (dom, "?")), dow_field.map(lambda dow: ("?", dow)))


@settings(max_examples=60, deadline=None)
@given(
    minutes=plain_items(0, 59),
    hours=plain_items(0, 23),
    days=day_fields,
    months=plain_items(1, 12, ["JAN", "MAR", "JUN", "DEC"]),
    start=st.datetimes(datetime(2020, 1, 1), datetime(2030, 1, 1)),
)
def test_cron_agrees_with_a_brute_force_reference(minutes, hours, days, months, start) -> None:
    dom, dow = days
    month_names = {name.upper(): n for n, name in enumerate(calendar.month_abbr) if name}
    start = start.replace(tzinfo=UTC)
    # the minutes and hours of two days, minute by minute
    expression = f"cron({minutes} {hours} {dom} {months} {dow} *)"
    window = start + timedelta(days=2)
    got = set(fire_times(expression, start, window))
    minute_set, hour_set = reference_values(minutes, 0, 59, {}), reference_values(hours, 0, 23, {})
    month_set = reference_values(months, 1, 12, month_names)
    expected = set()
    moment = start.replace(second=0, microsecond=0) + timedelta(minutes=1)
    while moment <= window:
        if (
            moment.minute in minute_set
            and moment.hour in hour_set
            and moment.month in month_set
            and reference_day(moment.date(), dom, dow)
        ):
            expected.add(moment)
        moment += timedelta(minutes=1)
    assert got == expected
    # the days over two years, once a day
    daily = f"cron(0 0 {dom} {months} {dow} *)"
    end = start + timedelta(days=730)
    got_days = {m.date() for m in fire_times(daily, start, end)}
    first = (start + timedelta(days=1)).date()
    expected_days = {
        first + timedelta(days=i)
        for i in range((end.date() - first).days + 1)
        if (first + timedelta(days=i)).month in month_set
        and reference_day(first + timedelta(days=i), dom, dow)
    }
    assert got_days == expected_days


@settings(max_examples=300, deadline=None)
@given(
    st.text(max_size=40)
    | st.from_regex(r"cron\(([0-9A-Za-z*?/,#-]{1,6} ){5}[0-9A-Za-z*?/,#-]{1,6}\)", fullmatch=True)
    | st.from_regex(r"rate\([0-9a-z.-]{1,4} [a-z]{1,8}\)", fullmatch=True)
)
def test_any_text_is_parsed_or_refused_with_the_validation_error(text: str) -> None:
    try:
        schedule = parse_schedule(text)
    except ScheduleError as error:
        assert error.message.startswith("Parameter ScheduleExpression is not valid. ")
        return
    fire = schedule.next_fire(JAN_1_2024)
    assert fire is None or fire > JAN_1_2024


@given(
    value=st.integers(1, 500),
    unit=st.sampled_from(["minute", "hour", "day"]),
    offset=st.integers(0, 10**6),
)
def test_rate_fires_every_period_after_creation(value: int, unit: str, offset: int) -> None:
    expression = f"rate({value} {unit}{'' if value == 1 else 's'})"
    period = timedelta(**{f"{unit}s": value})
    created = JAN_1_2024 + timedelta(seconds=offset)
    after = created + period * 3 + timedelta(seconds=1)
    assert next_fire(expression, after, created=created) == created + period * 4
    fires = list(fire_times(expression, created, created + period * 5, created=created))
    assert fires == [created + period * k for k in range(1, 6)]
