"""The VPC reachability model against a network built in the Lab's EC2, the database
connection model on the simulator's timeline, and the toy database and proxy with real
functions connecting from their init code."""

from __future__ import annotations

import threading

import pytest

from lambda_lab import Lab
from lambda_lab.simulate import Steady, simulate
from lambda_lab.simulate.config import FunctionConfig
from lambda_lab.simulate.db_connections import Database, Proxy, by_concurrency, connections
from lambda_lab.simulate.toy_database import ToyDatabase, ToyProxy
from lambda_lab.simulate.vpc_demo import DemoNetwork
from lambda_lab.simulate.vpc_reach import hyperplane_enis, reach, service


@pytest.fixture(scope="module")
def lab():
    with Lab() as instance:
        yield instance


@pytest.fixture
def network(lab):
    return DemoNetwork(lab.service_client("ec2"), lab.region)


def reachable(network, in_vpc=True):
    return {
        p.target.split(" ")[0] + (" db" if "database" in p.target else ""): p.reachable
        for p in network.paths(in_vpc)
    }


def test_outside_a_vpc_everything_public_but_nothing_private(network):
    assert reachable(network, in_vpc=False) == {
        "the": True,
        "s3": True,
        "secretsmanager": True,
        "dynamodb": True,
        "the db": False,
    }


def test_a_private_subnet_reaches_nothing_until_given_a_way(network):
    assert set(reachable(network).values()) == {False}
    network.set_route_to_internet_gateway(True)
    internet = network.paths()[0]
    assert not internet.reachable and "no public IP" in internet.how
    network.set_route_to_internet_gateway(False)
    network.set_nat(True)
    assert reachable(network) == {
        "the": True,
        "s3": True,
        "secretsmanager": True,
        "dynamodb": True,
        "the db": False,
    }
    network.set_nat(False)
    network.set_endpoint("s3", True)
    network.set_endpoint("secretsmanager", True)
    network.set_database_rule(True)
    paths = network.paths()
    assert [p.reachable for p in paths] == [False, True, True, False, True]
    assert paths[1].how.startswith("through the gateway endpoint") and "PrivateLink" in paths[2].how


def test_reach_reads_any_vpc_config_and_counts_hyperplane_enis(lab, network):
    ec2 = lab.service_client("ec2")
    assert reach(ec2, None, [service("kms")])[0].reachable
    assert not reach(ec2, network.vpc_config, [service("kms")])[0].reachable
    assert hyperplane_enis(network.vpc_config) == 1
    assert hyperplane_enis({"SubnetIds": ["a", "b"], "SecurityGroupIds": ["sg"]}) == 2


def test_connections_follow_environments_without_a_proxy_and_queries_with_one():
    result = simulate(
        FunctionConfig("db-app", duration=200.0, cold_start=300.0),
        Steady("db-app", 250, 10),
        sample_every_s=0.5,
    )
    plain = connections(result, Database(40))
    pooled = connections(result, Database(40), Proxy(50), query_share=0.25)
    assert max(c.database_connections for c in plain) == 40 and max(c.refused for c in plain) > 0
    assert max(c.database_connections for c in pooled) <= 20 and all(c.refused == 0 for c in pooled)
    rows = by_concurrency([10, 100], Database(100), seconds=10)
    assert rows[0].refused_without_proxy == 0 and rows[1].refused_without_proxy > 0
    assert rows[1].with_proxy <= 100 < rows[1].without_proxy


@pytest.mark.parametrize("bad", [lambda: Database(0), lambda: Proxy(0), lambda: Proxy(101)])
def test_bad_database_settings_are_refused(bad):
    with pytest.raises(ValueError):
        bad()


DB_APP = """
import os, socket
_db = socket.create_connection(("127.0.0.1", int(os.environ["DB_PORT"]))).makefile("rwb")
GREETING = _db.readline().decode().strip()

def lambda_handler(event, context):
    if GREETING != "OK":
        raise ConnectionError(GREETING)
    _db.write(b"QUERY x\\n")
    _db.flush()
    return _db.readline().decode().strip()
"""


def at_once(lab, name, count):
    start, answers, lock = threading.Barrier(count), [], threading.Lock()

    def one():
        start.wait()
        result = lab.invoke(name, {})
        with lock:
            answers.append(result.value["errorMessage"] if result.function_error else result.value)

    threads = [threading.Thread(target=one) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


@pytest.mark.slow
def test_real_functions_exhaust_the_toy_database_until_the_proxy_pools_them(lab):
    direct = ToyDatabase(max_connections=3, query_seconds=0.3)
    pooled = ToyDatabase(max_connections=3, query_seconds=0.3)
    proxy = ToyProxy(pooled, max_connections_percent=67)
    try:
        lab.deploy(
            "direct-app",
            DB_APP,
            Environment={"Variables": {"DB_PORT": str(direct.port)}},
            Timeout=10,
        )
        answers = at_once(lab, "direct-app", 6)
        assert answers.count("ROW x") == 3 and answers.count("ERR too many connections") == 3
        assert direct.stats() == {"current": 3, "peak": 3, "opened": 3, "refused": 3}
        lab.deploy(
            "proxied-app",
            DB_APP,
            Environment={"Variables": {"DB_PORT": str(proxy.port)}},
            Timeout=10,
        )
        assert at_once(lab, "proxied-app", 6) == ["ROW x"] * 6
        assert pooled.stats()["peak"] == proxy.pool_size == 2 and pooled.stats()["refused"] == 0
        assert proxy.stats()["peak"] == 6
    finally:
        for server in (proxy, direct, pooled):
            server.close()
