"""X-Ray-style traces, annotations and a service map, from what the Lab saw and what handlers sent.

Two sources, joined by request id (the trace id's last 24 hex digits are the request id's):

* the Lab's own records: every invocation, who caused it (a caller, S3, SNS, EventBridge, a
  queue or stream poller) and how it ended: what Lambda's own segments tell X-Ray;
* segment documents the handler sent to the Lab's X-Ray daemon (:mod:`.xray_daemon`): its
  subsegments (a DynamoDB call...), with **annotations** (indexed key/values you can filter
  traces by) and **metadata** (anything, not indexed).

:func:`collect` gathers both; :func:`find_traces` filters with a subset of X-Ray's filter
expressions; :func:`build_map` draws the graph of who called whom, with counts, errors and
average latency on each node and edge, as the X-Ray console's service map shows it.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from lambda_lab import errors

if TYPE_CHECKING:
    from lambda_lab.lab import Lab

_SOURCES = {"invoke": "Client", "s3": "S3", "sns": "SNS", "events": "EventBridge",
            "destination": "Lambda destination"}  # fmt: skip
_POLLED = {"sqs": "SQS", "kinesis": "Kinesis", "dynamodb": "DynamoDB Streams"}
_FAULTS = ("timeout", "out_of_memory", "crash")


@dataclass
class Trace:
    """One invocation, as X-Ray would show its trace."""

    trace_id: str
    request_id: str
    function_name: str
    source: str  # the node that called the function
    start: float
    duration_ms: float
    status: str  # ok | error (the handler raised) | fault (timeout, out of memory, crash)
    annotations: dict[str, Any] = field(default_factory=dict)
    metadata: dict[str, Any] = field(default_factory=dict)
    subsegments: list[dict[str, Any]] = field(default_factory=list)


def collect(lab: Lab, since: float | None = None) -> list[Trace]:
    """Every invocation since ``since`` (Lab clock), with what its handler sent to X-Ray."""
    sources = _callers(lab)
    by_request: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for document in lab.xray.documents():
        parts = str(document.get("trace_id", "")).split("-")
        if len(parts) == 3:
            by_request[parts[2]].append(document)
    traces = []
    for record in lab.records:
        if record.outcome == "throttled" or (since is not None and record.start < since):
            continue
        key = record.request_id.replace("-", "")[:24]
        documents = by_request.get(key, [])  # an async event's retries share them
        trace_id = (
            str(documents[0]["trace_id"]) if documents else f"1-{int(record.start):08x}-{key}"
        )
        trace = Trace(trace_id, record.request_id, record.function_name,
                      sources.get(record.request_id, "Client"), record.start, record.duration_ms,
                      _status(record.outcome))  # fmt: skip
        for document in documents:
            _fold(trace, document)
        traces.append(trace)
    return traces


def _status(outcome: str) -> str:
    if outcome == "success":
        return "ok"
    return "fault" if outcome in _FAULTS else "error"


def _fold(trace: Trace, document: dict[str, Any]) -> None:
    """Add a segment document (and its nested subsegments) to the trace."""
    trace.annotations.update(document.get("annotations") or {})
    for namespace, values in (document.get("metadata") or {}).items():
        trace.metadata.setdefault(namespace, {}).update(values if isinstance(values, dict) else {})
    if document.get("type") == "subsegment" or document.get("parent_id"):
        trace.subsegments.append(document)
    for child in document.get("subsegments") or []:
        if isinstance(child, dict):
            _fold(trace, {**child, "trace_id": trace.trace_id, "type": "subsegment"})


def _callers(lab: Lab) -> dict[str, str]:
    """request id -> who invoked: async events know their source, pollers their queue."""
    found: dict[str, str] = {}
    for event in lab.async_queue.events():
        found[event.request_id] = _SOURCES.get(event.source, event.source)
    configs: Iterable[Any] = lab.event_sources.mappings.configs()
    for config in configs:
        try:
            history = list(lab.event_sources.mappings.poller(config.uuid).history)
        except errors.LambdaError:  # deleted while we looked
            continue
        label = f"{_POLLED.get(config.kind, config.kind)} {_resource_name(config.source_arn)}"
        for run in history:
            if run.request_id:
                found[run.request_id] = label
    return found


def _resource_name(arn: str) -> str:
    """``orders`` from a queue, stream or table stream ARN."""
    resource = arn.split(":", 5)[-1]  # "orders", "stream/clicks", "table/photos/stream/2026-..."
    parts = resource.split("/")
    return parts[1] if len(parts) > 1 else parts[0]


# -- filter expressions ---------------------------------------------------------------------------
_CLAUSE = re.compile(
    r"""\s*(?:
        (?P<flag>ok|error|fault)\b
      | service\(\s*"(?P<service>[^"]+)"\s*\)
      | (?P<field>annotation\.[A-Za-z0-9_]+|responsetime|duration)\s*
        (?P<op>!=|>=|<=|=|<|>)\s*(?P<value>"[^"]*"|-?\d+(?:\.\d+)?|true|false)
    )\s*""",
    re.VERBOSE,
)
SUPPORTED = ('annotation.KEY = "text" | number | true/false (also != < <= > >=)', 'service("name")',
             "responsetime > seconds", "duration > seconds", "ok", "error", "fault")  # fmt: skip


def find_traces(traces: Iterable[Trace], expression: str = "") -> list[Trace]:
    """Traces matching an X-Ray filter expression (the subset in :data:`SUPPORTED`, joined
    with ``and``), e.g. ``annotation.order_id = "o-17" and responsetime > 0.5``."""
    clauses = [c for c in re.split(r"\s+(?:and|AND)\s+", expression.strip()) if c]
    tests = [_clause(c) for c in clauses]
    return [t for t in traces if all(test(t) for test in tests)]


def _clause(text: str) -> Any:
    found = _CLAUSE.fullmatch(text)
    if found is None:
        raise ValueError(
            f"cannot read the filter {text!r}; the Lab understands: " + "; ".join(SUPPORTED)
        )
    if found["flag"]:
        return lambda t: t.status == found["flag"]
    if found["service"]:
        name = found["service"]
        return lambda t: (
            t.function_name == name or any(s.get("name") == name for s in t.subsegments)
        )
    raw = found["value"]
    value: Any = raw[1:-1] if raw.startswith('"') else {"true": True, "false": False}.get(raw)
    if value is None:
        value = float(raw)
    compare = _OPERATORS[found["op"]]
    field_name = found["field"]
    if field_name.startswith("annotation."):
        key = field_name.split(".", 1)[1]

        def annotation(t: Trace) -> bool:
            if key not in t.annotations:
                return False
            try:
                return bool(compare(t.annotations[key], value))
            except TypeError:  # a text annotation against a number: no match, as in X-Ray
                return False

        return annotation
    return lambda t: compare(t.duration_ms / 1000.0, value)


_OPERATORS: dict[str, Any] = {
    "=": lambda a, b: a == b, "!=": lambda a, b: a != b, "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b, ">": lambda a, b: a > b, ">=": lambda a, b: a >= b,
}  # fmt: skip


# -- the service map ------------------------------------------------------------------------------
@dataclass
class Node:
    name: str
    kind: str  # client | source | function | downstream
    requests: int = 0
    errors: int = 0
    faults: int = 0
    total_ms: float = 0.0

    @property
    def average_ms(self) -> float:
        return self.total_ms / self.requests if self.requests else 0.0


@dataclass
class ServiceMap:
    nodes: dict[str, Node]
    edges: dict[tuple[str, str], Node]  # (caller, callee) -> the calls on that edge

    def describe(self) -> str:
        lines = []
        for node in self.nodes.values():
            lines.append(f"{node.name} [{node.kind}]: {node.requests} requests, avg {node.average_ms:.1f} ms, "
                         f"{node.errors} errors, {node.faults} faults")  # fmt: skip
        for (caller, callee), edge in self.edges.items():
            lines.append(
                f"  {caller} -> {callee}: {edge.requests} calls, avg {edge.average_ms:.1f} ms"
            )
        return "\n".join(lines)

    def diagram(self, title: str = "Service map") -> Any:
        """The map as a :class:`lambda_lab.notebook.diagrams.Diagram`: callers left,
        functions in the middle, what they call on the right."""
        from lambda_lab.notebook.diagrams import Box, Diagram

        columns = {"client": 0.0, "source": 0.0, "function": 4.0, "downstream": 8.0}
        kinds = {"client": "client", "source": "integration", "function": "compute",
                 "downstream": "database"}  # fmt: skip
        placed: dict[float, int] = defaultdict(int)
        boxes = []
        keys = {name: f"n{i}" for i, name in enumerate(self.nodes)}
        heights: dict[str, float] = {}
        ordered = sorted(self.nodes.values(), key=lambda n: n.kind == "downstream")
        for node in ordered:
            name, x = node.name, columns[node.kind]
            y = -2.2 * placed[x]
            callers = [heights[a] for (a, b) in self.edges if b == name and a in heights]
            if node.kind == "downstream" and callers:  # level with the functions that call it
                y = min(sum(callers) / len(callers), y)
            placed[x] += 1
            heights[name] = y
            label = f"{name}\n{node.requests} req, {node.average_ms:.0f} ms"
            if node.errors or node.faults:
                label += f"\n{node.errors} err, {node.faults} fault"
            boxes.append(Box(keys[name], label, x, y, kinds[node.kind]))
        arrows = tuple((keys[a], keys[b], str(e.requests)) for (a, b), e in self.edges.items())
        return Diagram(title, tuple(boxes), arrows)


def build_map(traces: Iterable[Trace]) -> ServiceMap:
    """Nodes and edges with request counts, errors and average latency."""
    nodes: dict[str, Node] = {}
    edges: dict[tuple[str, str], Node] = {}

    def node(name: str, kind: str) -> Node:
        return nodes.setdefault(name, Node(name, kind))

    for trace in traces:
        caller = node(trace.source, "client" if trace.source == "Client" else "source")
        caller.requests += 1
        function = node(trace.function_name, "function")
        function.requests += 1
        function.total_ms += trace.duration_ms
        function.errors += trace.status == "error"
        function.faults += trace.status == "fault"
        edge = edges.setdefault(
            (caller.name, function.name), Node(f"{caller.name}->{function.name}", "edge")
        )
        edge.requests += 1
        edge.total_ms += trace.duration_ms
        for sub in trace.subsegments:
            target = node(_downstream_name(sub), "downstream")
            took = max(0.0, float(sub.get("end_time", 0)) - float(sub.get("start_time", 0))) * 1000
            target.requests += 1
            target.total_ms += took
            target.errors += bool(sub.get("error"))
            target.faults += bool(sub.get("fault"))
            edge = edges.setdefault(
                (function.name, target.name), Node(f"{function.name}->{target.name}", "edge")
            )
            edge.requests += 1
            edge.total_ms += took
    return ServiceMap(nodes, edges)


def _downstream_name(subsegment: dict[str, Any]) -> str:
    """``DynamoDB photos``: the service and, when the subsegment says, its resource."""
    name = str(subsegment.get("name", "unknown"))
    aws = subsegment.get("aws") or {}
    resource = (
        aws.get("table_name")
        or aws.get("bucket_name")
        or aws.get("queue_url", "").rsplit("/", 1)[-1]
    )
    return f"{name} {resource}".strip() if resource else name
