"""A CloudWatch Logs Insights subset over the Lab's logs.

    rows = query(lab.logs.events("orders"), '''
        filter @type = "REPORT"
        | stats count(*) as calls, avg(@duration) as avg_ms, max(@maxMemoryUsed) by bin(5m)
        | sort avg_ms desc
        | limit 5''')

Commands, joined with ``|`` (``#`` starts a comment):

* ``fields a, b as c`` (or ``display``) - the fields the result shows (``as`` names them);
* ``filter <condition>`` - comparisons ``= != < <= > >=``, ``like "text"``, ``like /regex/``,
  ``not like``, ``=~ /regex/``, ``in [..]``, ``ispresent(f)``, with ``and``, ``or``, ``not``
  and parentheses;
* ``parse @message "order * for *" as id, total`` (a glob) or ``parse @message /(?<id>\\w+)/``;
* ``stats count(*), count(f), count_distinct(f), sum(f), avg(f), min(f), max(f), pct(f, 95)
  [as name], ... [by f, bin(5m), ...]``;
* ``sort f [asc|desc]`` (ascending when left out) and ``limit n`` (10,000 when left out).

Fields Lambda's logs get for free, as Insights discovers them: ``@timestamp``, ``@message``,
``@logStream``, ``@log``; on platform lines ``@type`` (REPORT, START, END, INIT_START...) and
``@requestId``; on REPORT lines ``@duration``, ``@billedDuration``, ``@memorySize``,
``@maxMemoryUsed`` (MB, where AWS counts bytes) and ``@initDuration``; and every key of a
line that is a JSON object (``level``, ``order.id``...). Each row is a dict.
"""

from __future__ import annotations

import datetime
import json
import re
from collections.abc import Callable, Iterable
from typing import Any

from lambda_lab import limits
from lambda_lab.monitoring.insights_filter import QueryError, condition, number

DEFAULT_LIMIT = 10_000
_REPORT_FIELDS = {"Duration": "@duration", "Billed Duration": "@billedDuration",
                  "Memory Size": "@memorySize", "Max Memory Used": "@maxMemoryUsed",
                  "Init Duration": "@initDuration"}  # fmt: skip
_PLATFORM = re.compile(r"^(START|END|REPORT|INIT_START|INIT_REPORT|EXTENSION|TELEMETRY)\b")
_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400}


def query(events: Iterable[Any], text: str, log_group: str = "") -> list[dict[str, Any]]:
    """Run ``text`` over log events (objects with ``timestamp``, ``message``, ``stream``)."""
    rows = [discover(e.timestamp, e.message, e.stream, log_group) for e in events]
    return _run(rows, text)


def _run(rows: list[dict[str, Any]], text: str) -> list[dict[str, Any]]:
    limit = DEFAULT_LIMIT
    shown: list[str] | None = None  # what the last fields/display chose to show
    for command in _commands(text):
        name, _, rest = command.partition(" ")
        rest = rest.strip()
        if name == "limit":
            if not rest.isdigit() or int(rest) < 1:
                raise QueryError(f"limit takes a whole number of at least 1 (got {rest!r})")
            limit = int(rest)
            rows = rows[:limit]
        elif name in ("fields", "display"):
            rows, shown = _fields(rows, rest)
        elif name == "filter":
            test = condition(rest)
            rows = [row for row in rows if test(row)]
        elif name == "parse":
            rows = _parse(rows, rest)
        elif name == "stats":
            rows, shown = _stats(rows, rest), None  # stats rows are the result
        elif name == "sort":
            rows = _sort(rows, rest)
        else:
            raise QueryError(
                f"unknown command {name!r}: the Lab runs fields, display, filter, parse, stats, sort, limit"
            )
    if shown is not None:
        rows = [{name: row[name] for name in shown if name in row} for row in rows]
    return rows[:limit]


def discover(
    timestamp: float, message: str, stream: str = "", log_group: str = ""
) -> dict[str, Any]:
    """The fields Logs Insights finds in one Lambda log line."""
    row: dict[str, Any] = {"@timestamp": timestamp, "@message": message, "@logStream": stream,
                           "@log": log_group}  # fmt: skip
    platform = _PLATFORM.match(message)
    if platform:
        row["@type"] = platform.group(1)
        found = re.search(r"RequestId: ([0-9a-f-]{36})", message)
        if found:
            row["@requestId"] = found.group(1)
        if row["@type"] == "REPORT":
            for part in message.split("\t"):
                key, _, value = part.partition(": ")
                if key.strip() in _REPORT_FIELDS:
                    row[_REPORT_FIELDS[key.strip()]] = float(value.split()[0])
    elif message.startswith("{"):
        try:
            document = json.loads(message)
        except ValueError:
            document = None
        if isinstance(document, dict):
            row.update(_flatten(document))
    return row


def _flatten(document: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    found: dict[str, Any] = {}
    for key, value in document.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            found.update(_flatten(value, f"{name}."))
        else:
            found[name] = value
    return found


def _commands(text: str) -> list[str]:
    """The commands of a query: split on | outside quotes and regexes; # comments dropped."""
    lines = [line.split("#", 1)[0] if '"' not in line and "'" not in line else line
             for line in text.splitlines()]  # fmt: skip
    commands, current, quote = [], "", ""
    for char in " ".join(lines):
        if quote:
            quote = "" if char == quote and not current.endswith("\\") else quote
        elif char in "\"'/" and (char != "/" or re.search(r"(like|=~|parse\s+\S+)\s*$", current)):
            quote = char
        elif char == "|":
            commands.append(current.strip())
            current = ""
            continue
        current += char
    commands.append(current.strip())
    return [c for c in commands if c]


# -- fields, parse, sort ----------------------------------------------------------------------------
def _fields(rows: list[dict[str, Any]], spec: str) -> tuple[list[dict[str, Any]], list[str]]:
    """Name the fields to show (``as`` adds an alias); later commands still see every
    discovered field, as in Insights, and the result shows the chosen ones."""
    wanted: list[tuple[str, str]] = []
    for part in _split_commas(spec):
        pieces = re.split(r"\s+as\s+", part, maxsplit=1)
        source = pieces[0].strip()
        wanted.append((source, pieces[1].strip() if len(pieces) > 1 else source))
    aliased = [
        {**row, **{alias: row[source] for source, alias in wanted if source in row}} for row in rows
    ]
    return aliased, [alias for _, alias in wanted]


def _parse(rows: list[dict[str, Any]], spec: str) -> list[dict[str, Any]]:
    found = re.match(
        r"(\S+)\s+(\"(?:[^\"\\]|\\.)*\"|'(?:[^'\\]|\\.)*'|/.+/)(?:\s+as\s+(.+))?$", spec
    )
    if not found:
        raise QueryError(
            f'parse takes a field and a "glob * pattern" as names, or a /regex/ (got {spec!r})'
        )
    field, pattern, names = found.group(1), found.group(2), found.group(3)
    if pattern.startswith("/"):
        regex = re.compile(re.sub(r"\(\?<(\w+)>", r"(?P<\1>", pattern[1:-1]))
        aliases = list(regex.groupindex)
    else:
        if not names:
            raise QueryError("a glob parse needs 'as' and one name per *")
        aliases = [n.strip() for n in names.split(",")]
        pieces = pattern[1:-1].split("*")
        if len(pieces) - 1 != len(aliases):
            raise QueryError(
                f"the pattern has {len(pieces) - 1} * but {len(aliases)} names follow 'as'"
            )
        regex = re.compile("(.*?)".join(map(re.escape, pieces)) + ("$" if pieces[-1] else ""))
    parsed = []
    for row in rows:
        match = regex.search(str(row.get(field, "")))
        extra = {}
        if match:
            values = (
                match.groupdict() if pattern.startswith("/") else dict(zip(aliases, match.groups()))
            )
            extra = {k: number(v) for k, v in values.items()}
        parsed.append({**row, **extra})
    return parsed


def _sort(rows: list[dict[str, Any]], spec: str) -> list[dict[str, Any]]:
    parts = spec.split()
    if not parts or len(parts) > 2 or (len(parts) == 2 and parts[1] not in ("asc", "desc")):
        raise QueryError(f"sort takes a field and asc or desc (got {spec!r})")
    field, descending = parts[0], len(parts) == 2 and parts[1] == "desc"
    present = [r for r in rows if r.get(field) is not None]
    missing = [r for r in rows if r.get(field) is None]
    present.sort(key=lambda r: (isinstance(r[field], (int, float)), r[field]) if not isinstance(r[field], str)
                 else (False, r[field]), reverse=descending)  # fmt: skip
    return present + missing


# -- stats ------------------------------------------------------------------------------------------
def _stats(rows: list[dict[str, Any]], spec: str) -> list[dict[str, Any]]:
    split = re.split(r"\s+by\s+", spec, maxsplit=1)
    aggregates_text, by_text = split[0], (split[1] if len(split) > 1 else "")
    aggregates = [_aggregate(part) for part in _split_commas(aggregates_text)]
    keys = [_group_key(part) for part in _split_commas(by_text)] if by_text else []
    groups: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault(tuple(key(row) for key, _ in keys), []).append(row)
    result = []
    for values, members in groups.items():
        out = {name: value for (_, name), value in zip(keys, values)}
        for name, function in aggregates:
            out[name] = function(members)
        result.append(out)
    return result


def _aggregate(text: str) -> tuple[str, Callable[[list[dict[str, Any]]], Any]]:
    pieces = re.split(r"\s+as\s+", text.strip(), maxsplit=1)
    call, alias = pieces[0].strip(), (pieces[1].strip() if len(pieces) > 1 else None)
    found = re.fullmatch(r"(\w+)\(\s*([^,)]*)\s*(?:,\s*(\d+(?:\.\d+)?))?\s*\)", call)
    if not found:
        raise QueryError(f"stats takes functions such as count(*) or avg(@duration) (got {call!r})")
    name, field, argument = found.group(1), found.group(2), found.group(3)

    def values(rows: list[dict[str, Any]]) -> list[Any]:
        return [r[field] for r in rows if r.get(field) is not None]

    def numbers(rows: list[dict[str, Any]]) -> list[float]:
        return [
            float(v)
            for v in values(rows)
            if isinstance(v, (int, float)) and not isinstance(v, bool)
        ]

    functions: dict[str, Callable[[list[dict[str, Any]]], Any]] = {
        "count": lambda rows: len(rows) if field == "*" else len(values(rows)),
        "count_distinct": lambda rows: len({json.dumps(v, sort_keys=True) for v in values(rows)}),
        "sum": lambda rows: sum(numbers(rows)),
        "avg": lambda rows: sum(numbers(rows)) / len(numbers(rows)) if numbers(rows) else None,
        "min": lambda rows: min(numbers(rows), default=None),
        "max": lambda rows: max(numbers(rows), default=None),
        "pct": lambda rows: _percentile(numbers(rows), float(argument or 50)),
    }
    if name not in functions:
        raise QueryError(f"unknown stats function {name!r}; the Lab has {', '.join(functions)}")
    return alias or call, functions[name]


def _percentile(values: list[float], percent: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, int(round(percent / 100 * len(ordered) + 0.5)) - 1))
    return ordered[index]


def _group_key(text: str) -> tuple[Callable[[dict[str, Any]], Any], str]:
    pieces = re.split(r"\s+as\s+", text.strip(), maxsplit=1)
    spec, alias = pieces[0].strip(), (pieces[1].strip() if len(pieces) > 1 else None)
    found = re.fullmatch(r"bin\(\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)\s*\)", spec)
    if found:
        width = float(found.group(1)) * _UNITS[found.group(2)]

        def bucket(row: dict[str, Any]) -> str:
            start = (row["@timestamp"] // width) * width
            moment = datetime.datetime.fromtimestamp(start, datetime.timezone.utc)
            return moment.strftime("%Y-%m-%d %H:%M:%S.000")

        return bucket, alias or spec
    return (lambda row: row.get(spec)), alias or spec


def _split_commas(text: str) -> list[str]:
    """Split on commas outside parentheses and quotes."""
    parts, depth, current, quote = [], 0, "", ""
    for char in text:
        if quote:
            quote = "" if char == quote else quote
        elif char in "\"'":
            quote = char
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "," and depth == 0:
            parts.append(current.strip())
            current = ""
            continue
        current += char
    if current.strip():
        parts.append(current.strip())
    return parts


def query_logs(logs: Any, groups: str | Iterable[str], text: str) -> list[dict[str, Any]]:
    """Run a query over one or more of the Lab's log groups (``lab.logs``; a function name
    stands for its ``/aws/lambda/<name>`` group), their events merged in time order."""
    names = [groups] if isinstance(groups, str) else list(groups)
    events = []
    for name in names:
        group = name if name.startswith("/") else f"/aws/lambda/{name}"
        log = f"{limits.ACCOUNT_ID}:{group}"
        events += [(e, log) for e in logs.events(group)]
    events.sort(key=lambda pair: pair[0].timestamp)
    rows = [discover(e.timestamp, e.message, e.stream, log) for e, log in events]
    return _run(rows, text)
