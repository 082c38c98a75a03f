"""Annotations and the service map: handlers send subsegments to the Lab's X-Ray daemon over
UDP, as the X-Ray SDK does; traces join them to the Lab's records by request id."""

from __future__ import annotations

import json
import os
import socket
import time

import pytest

from lambda_lab.monitoring.service_map import build_map, collect, find_traces

# What the X-Ray SDK does for a handler, written with the standard library only.
XRAY_HELPER = """import json, os, secrets, socket, time

def send_subsegment(name, started, ended, annotations=None, metadata=None, aws=None, error=False):
    header = dict(part.split("=", 1) for part in os.environ["_X_AMZN_TRACE_ID"].split(";"))
    if header.get("Sampled") != "1":
        return False
    document = {"trace_id": header["Root"], "parent_id": header["Parent"], "id": secrets.token_hex(8),
                "type": "subsegment", "name": name, "namespace": "aws", "start_time": started,
                "end_time": ended, "annotations": annotations or {}, "metadata": metadata or {},
                "aws": aws or {}, "error": error}
    host, port = os.environ["AWS_XRAY_DAEMON_ADDRESS"].split(":")
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
        udp.sendto(b'{"format": "json", "version": 1}\\n' + json.dumps(document).encode(), (host, int(port)))
    return True
"""
CHECKOUT = (
    XRAY_HELPER
    + """
def handler(event, context):
    started = time.time()
    time.sleep(event.get("wait", 0))
    sent = send_subsegment("DynamoDB", started, time.time(),
                           annotations={"order_id": event["id"], "vip": event.get("vip", False),
                                        "total": event["total"]},
                           metadata={"default": {"items": event.get("items", [])}},
                           aws={"table_name": "orders", "operation": "PutItem"})
    if event["total"] < 0:
        raise ValueError("a negative total")
    return {"sent": sent}
"""
)


def wait_for_segments(lab, count: int) -> None:
    deadline = time.monotonic() + 10
    while len(lab.xray.documents()) < count:
        assert time.monotonic() < deadline, (
            f"{len(lab.xray.documents())} of {count} segments arrived"
        )
        time.sleep(0.02)


def test_environments_get_the_daemon_address_and_a_sampled_header(lab) -> None:
    lab.deploy("env", "import os\n\ndef handler(e, c):\n    return {k: os.environ.get(k) for k in "
               "('AWS_XRAY_DAEMON_ADDRESS', '_X_AMZN_TRACE_ID')}\n", handler="lambda_function.handler")  # fmt: skip
    passive = lab.invoke("env").value
    assert passive["AWS_XRAY_DAEMON_ADDRESS"] == lab.xray.address
    assert passive["AWS_XRAY_DAEMON_ADDRESS"].startswith("127.0.0.1:")
    assert passive["_X_AMZN_TRACE_ID"].endswith("Sampled=0")
    lab.client("lambda").update_function_configuration(
        FunctionName="env", TracingConfig={"Mode": "Active"}
    )
    active = lab.invoke("env")
    header = dict(p.split("=", 1) for p in active.value["_X_AMZN_TRACE_ID"].split(";"))
    assert header["Sampled"] == "1"
    assert header["Root"].split("-")[2] == active.record.request_id.replace("-", "")[:24]


def test_annotations_are_indexed_and_filterable(lab) -> None:
    lab.deploy(
        "checkout", CHECKOUT, handler="lambda_function.handler", TracingConfig={"Mode": "Active"}
    )
    orders = [{"id": "o-1", "total": 20}, {"id": "o-2", "total": 250, "vip": True, "items": ["tv"]},
              {"id": "o-3", "total": -5}, {"id": "o-4", "total": 90, "wait": 0.3}]  # fmt: skip
    for order in orders:
        lab.invoke("checkout", order)
    wait_for_segments(lab, 4)
    traces = collect(lab)
    assert [t.annotations["order_id"] for t in traces] == ["o-1", "o-2", "o-3", "o-4"]
    assert traces[1].metadata == {"default": {"items": ["tv"]}}

    def ids(expression: str) -> list[str]:
        return [t.annotations["order_id"] for t in find_traces(traces, expression)]

    assert ids('annotation.order_id = "o-2"') == ["o-2"]
    assert ids("annotation.total > 50 and annotation.vip = false") == ["o-4"]
    assert ids("annotation.vip = true") == ["o-2"]
    assert ids("error") == ["o-3"]
    assert ids("responsetime > 0.25") == ["o-4"]
    assert ids('service("DynamoDB") and ok') == ["o-1", "o-2", "o-4"]
    with pytest.raises(ValueError, match="the Lab understands"):
        find_traces(traces, "annotation.total ~ 5")


def test_the_service_map_joins_callers_functions_and_what_they_call(lab) -> None:
    lab.deploy(
        "checkout", CHECKOUT, handler="lambda_function.handler", TracingConfig={"Mode": "Active"}
    )
    sqs = lab.client("sqs")
    queue = sqs.create_queue(QueueName="orders")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    lab.deploy("reader", "def handler(event, context):\n    return len(event['Records'])\n",
               handler="lambda_function.handler")  # fmt: skip
    mapping = lab.client("lambda").create_event_source_mapping(
        FunctionName="reader", EventSourceArn=arn
    )
    lab.invoke("checkout", {"id": "o-1", "total": 20})
    lab.invoke("checkout", {"id": "o-2", "total": -1})
    sqs.send_message(QueueUrl=queue, MessageBody="hello")
    deadline = time.monotonic() + 10
    poller = lab.event_sources.mappings.poller(mapping["UUID"])
    while not poller.history:  # the batch's run is noted once its invoke has returned
        assert time.monotonic() < deadline
        time.sleep(0.02)
    wait_for_segments(lab, 2)
    service_map = build_map(collect(lab))
    nodes = service_map.nodes
    assert (nodes["checkout"].requests, nodes["checkout"].errors) == (2, 1)
    assert nodes["DynamoDB orders"].kind == "downstream" and nodes["DynamoDB orders"].requests == 2
    assert ("Client", "checkout") in service_map.edges
    assert ("checkout", "DynamoDB orders") in service_map.edges
    assert ("SQS orders", "reader") in service_map.edges
    diagram = service_map.diagram()
    assert len(diagram.boxes) == len(nodes) and len(diagram.arrows) == len(service_map.edges)
    assert "checkout -> DynamoDB orders: 2 calls" in service_map.describe()


def test_the_daemon_keeps_only_segment_documents(lab) -> None:
    host, port = lab.xray.address.split(":")
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
        udp.sendto(b"not a segment", (host, int(port)))
        udp.sendto(b'{"format": "json", "version": 1}\n' + json.dumps(
            {"trace_id": "1-0-abc", "id": "1", "name": "x"}).encode(), (host, int(port)))  # fmt: skip
    deadline = time.monotonic() + 5
    while len(lab.xray.documents()) < 1:
        assert time.monotonic() < deadline
        time.sleep(0.02)
    assert lab.xray.documents()[0]["name"] == "x"
    assert list(lab.xray.rejected) == ["not a segment"]
    assert os.environ.get("AWS_XRAY_DAEMON_ADDRESS") is None  # only environments get it
