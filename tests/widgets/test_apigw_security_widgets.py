"""The throttling explorer and the VPC explorer, driven without a browser."""

from __future__ import annotations

import pytest

from lambda_lab import Lab
from lambda_lab.simulate.vpc_demo import DemoNetwork
from lambda_lab.widgets.throttle_explorer import ThrottleExplorer
from lambda_lab.widgets.vpc_explorer import VpcExplorer

OK = "def lambda_handler(event, context):\n    return {'statusCode': 200, 'body': 'ok'}\n"


def test_throttle_explorer_sends_through_the_door_on_the_virtual_clock():
    with Lab(clock="virtual") as lab:
        lab.deploy("items", OK)
        door = lab.rest_api_gateway("explored", {"GET /items": "items"})
        explorer = ThrottleExplorer(
            door, lab.clock, "GET /items", rate=1, burst=3, client_rate=4, seconds=2
        )
        shots = explorer.refresh()
        assert [s.status for s in shots[:4]] == [200, 200, 200, 429]
        assert sum(s.status == 200 for s in shots) == 4  # 3 from the burst, 1 refilled
        assert len(lab.records.for_function("items")) == 4
        assert "answered 429" in explorer.summary.value and bytes(explorer.plot.value).startswith(
            b"\x89PNG"
        )
        explorer.burst.value = 8
        assert all(s.status == 200 for s in explorer.run())
        with pytest.raises(ValueError, match="virtual"):
            ThrottleExplorer(door, type("Real", (), {"virtual": False})(), "GET /items")


def test_vpc_explorer_changes_the_network_and_the_table_follows():
    with Lab() as lab:
        explorer = VpcExplorer(DemoNetwork(lab.service_client("ec2"), lab.region))
        assert not explorer.paths[0].reachable
        explorer.nat.value = True
        assert explorer.paths[0].reachable and "NAT gateway" in explorer.table.value
        explorer.igw_route.value = True  # one default route at a time: the box refuses
        assert explorer.igw_route.value is False
        explorer.in_vpc.value = False
        assert not explorer.paths[-1].reachable and explorer.paths[0].reachable
