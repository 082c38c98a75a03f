"""What a function can reach from a VPC: the Lab reads the network (subnets, route tables,
gateways, endpoints, security groups) from its EC2 service (moto) and follows AWS's rules.

Outside a VPC a function runs in a network Lambda manages: it reaches the internet and
every AWS service's public endpoint, but nothing private inside your VPCs. Attached to a VPC
(``VpcConfig``: subnets and security groups) it gets elastic network interfaces in those
subnets, which have **no public IP address**. Then:

* the internet (and public AWS endpoints) only through a route ``0.0.0.0/0`` to a **NAT
  gateway**, itself in a public subnet (one whose route goes to an internet gateway); a route
  straight to an internet gateway is not enough;
* S3 and DynamoDB also through a **gateway endpoint** on the subnet's route table; other
  services through an **interface endpoint** (PrivateLink) with private DNS;
* a database in the VPC when its **security group** lets the function's security group (or
  the subnet's addresses) in on its port.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from typing import Any

GATEWAY_SERVICES = ("s3", "dynamodb")


@dataclass(frozen=True)
class Target:
    """Something a function wants to reach: the internet, an AWS service, or a host in a VPC."""

    name: str
    kind: str  # "internet", "service" or "host"
    service: str = ""  # for kind "service": "s3", "secretsmanager"...
    vpc_id: str = ""  # for kind "host"
    security_group: str = ""
    port: int = 0


def internet(name: str = "the internet (api.example.com)") -> Target:
    return Target(name, "internet")


def service(name: str) -> Target:
    return Target(f"{name} (AWS)", "service", service=name)


def host(name: str, vpc_id: str, security_group: str, port: int) -> Target:
    return Target(name, "host", vpc_id=vpc_id, security_group=security_group, port=port)


@dataclass(frozen=True)
class Path:
    target: str
    reachable: bool
    how: str


@dataclass
class Network:
    """The parts of one VPC that decide reachability, read from EC2."""

    vpc_id: str
    subnet_cidrs: dict[str, str] = field(default_factory=dict)  # subnet -> CIDR
    routes: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # subnet -> routes
    nat_subnets: dict[str, str] = field(default_factory=dict)  # NAT gateway -> its subnet
    igws: set[str] = field(default_factory=set)  # attached internet gateways
    endpoints: list[dict[str, Any]] = field(default_factory=list)
    ingress: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # group -> rules


def read_network(ec2: Any, vpc_id: str) -> Network:
    """The VPC's subnets, routes, NAT and internet gateways, endpoints and security groups."""
    by_vpc = [{"Name": "vpc-id", "Values": [vpc_id]}]
    network = Network(vpc_id)
    tables = ec2.describe_route_tables(Filters=by_vpc)["RouteTables"]
    main = next((t for t in tables if any(a.get("Main") for a in t.get("Associations", []))), None)
    for subnet in ec2.describe_subnets(Filters=by_vpc)["Subnets"]:
        network.subnet_cidrs[subnet["SubnetId"]] = subnet["CidrBlock"]
        table = next(
            (
                t
                for t in tables
                if any(a.get("SubnetId") == subnet["SubnetId"] for a in t.get("Associations", []))
            ),
            main,
        )
        network.routes[subnet["SubnetId"]] = list(table["Routes"]) if table else []
    for nat in ec2.describe_nat_gateways(Filter=by_vpc)["NatGateways"]:
        if nat.get("State") in ("available", "pending"):
            network.nat_subnets[nat["NatGatewayId"]] = nat["SubnetId"]
    for igw in ec2.describe_internet_gateways(
        Filters=[{"Name": "attachment.vpc-id", "Values": [vpc_id]}]
    )["InternetGateways"]:
        network.igws.add(igw["InternetGatewayId"])
    network.endpoints = ec2.describe_vpc_endpoints(Filters=by_vpc)["VpcEndpoints"]
    for group in ec2.describe_security_groups(Filters=by_vpc)["SecurityGroups"]:
        network.ingress[group["GroupId"]] = group.get("IpPermissions", [])
    return network


def reach(ec2: Any, vpc_config: dict[str, Any] | None, targets: list[Target]) -> list[Path]:
    """Whether a function with ``vpc_config`` (CreateFunction's ``VpcConfig``, or None) can
    reach each target, and how."""
    subnets = list((vpc_config or {}).get("SubnetIds") or [])
    if not subnets:
        return [_outside_vpc(target) for target in targets]
    vpc_id = ec2.describe_subnets(SubnetIds=subnets[:1])["Subnets"][0]["VpcId"]
    network = read_network(ec2, vpc_id)
    groups = list(vpc_config.get("SecurityGroupIds") or []) if vpc_config else []
    return [_inside_vpc(network, subnets, groups, target) for target in targets]


def _outside_vpc(target: Target) -> Path:
    if target.kind == "host":
        return Path(
            target.name, False, "a function outside the VPC cannot reach its private addresses"
        )
    return Path(target.name, True, "Lambda's own network has internet access")


def _inside_vpc(network: Network, subnets: list[str], groups: list[str], target: Target) -> Path:
    if target.kind == "host":
        return _host(network, subnets, groups, target)
    if target.kind == "service":
        endpoint = _endpoint(network, subnets, target.service)
        if endpoint is not None:
            return Path(target.name, True, endpoint)
    via_nat = _nat_path(network, subnets)
    if via_nat is not None:
        return Path(target.name, True, via_nat)
    if _default_route(network, subnets[0], "GatewayId", "igw-"):
        return Path(
            target.name, False,
            "the route goes straight to an internet gateway, but the function's network "
            "interfaces have no public IP: put a NAT gateway in a public subnet",
        )  # fmt: skip
    extra = " and no VPC endpoint for it" if target.kind == "service" else ""
    return Path(target.name, False, f"no route to the internet (no NAT gateway){extra}")


def _default_route(network: Network, subnet: str, key: str, prefix: str) -> str | None:
    for route in network.routes.get(subnet, []):
        target = str(route.get(key) or "")
        if route.get("DestinationCidrBlock") == "0.0.0.0/0" and target.startswith(prefix):
            return target
    return None


def _nat_path(network: Network, subnets: list[str]) -> str | None:
    """Every subnet of the function must reach a NAT gateway that sits in a public subnet."""
    for subnet in subnets:
        nat = _default_route(network, subnet, "NatGatewayId", "nat-")
        if nat is None or nat not in network.nat_subnets:
            return None
        igw = _default_route(network, network.nat_subnets[nat], "GatewayId", "igw-")
        if igw is None or igw not in network.igws:
            return None
    return f"through the NAT gateway {nat} and the internet gateway {igw}"


def _endpoint(network: Network, subnets: list[str], name: str) -> str | None:
    for endpoint in network.endpoints:
        if not str(endpoint.get("ServiceName", "")).endswith(f".{name}"):
            continue
        kind = endpoint.get("VpcEndpointType")
        if kind == "Gateway" and name in GATEWAY_SERVICES:
            ident = endpoint["VpcEndpointId"]  # a gateway endpoint is a route in the table
            if all(any(r.get("GatewayId") == ident for r in network.routes[s]) for s in subnets):
                return f"through the gateway endpoint {endpoint['VpcEndpointId']}"
        if kind == "Interface" and endpoint.get("PrivateDnsEnabled"):
            return f"through the interface endpoint {endpoint['VpcEndpointId']} (PrivateLink)"
    return None


def _host(network: Network, subnets: list[str], groups: list[str], target: Target) -> Path:
    if target.vpc_id != network.vpc_id:
        return Path(target.name, False, "it is in another VPC (needs peering or a transit gateway)")
    for rule in network.ingress.get(target.security_group, []):
        if not _port_in(rule, target.port):
            continue
        if any(pair.get("GroupId") in groups for pair in rule.get("UserIdGroupPairs", [])):
            return Path(
                target.name,
                True,
                f"its security group lets the function's group in on {target.port}",
            )
        for cidr in (r["CidrIp"] for r in rule.get("IpRanges", [])):
            if all(_inside(network.subnet_cidrs[s], cidr) for s in subnets):
                return Path(
                    target.name, True, f"its security group lets {cidr} in on {target.port}"
                )
    return Path(
        target.name, False,
        f"its security group {target.security_group} has no inbound rule for the function on port {target.port}",
    )  # fmt: skip


def _port_in(rule: dict[str, Any], port: int) -> bool:
    if rule.get("IpProtocol") == "-1":
        return True
    return int(rule.get("FromPort", -1)) <= port <= int(rule.get("ToPort", -1))


def _inside(subnet_cidr: str, allowed: str) -> bool:
    return ipaddress.ip_network(subnet_cidr).subnet_of(ipaddress.ip_network(allowed))  # type: ignore[arg-type]


def hyperplane_enis(vpc_config: dict[str, Any]) -> int:
    """Lambda creates one (shared, Hyperplane) network interface per subnet and security-group
    combination of a function's VpcConfig, when the function is created or updated."""
    return len(set(vpc_config.get("SubnetIds") or [])) if vpc_config.get("SecurityGroupIds") else 0
