"""A small VPC for lesson 11, built in the Lab's EC2 (moto) with the same calls as on AWS.

One VPC, a public subnet (route to an internet gateway) and a private subnet for the
function and the database; a NAT gateway, an S3 gateway endpoint, a Secrets Manager
interface endpoint and the database's inbound rule can each be switched on and off, so a
lesson can show what each one changes (:func:`lambda_lab.simulate.vpc_reach.reach`).
"""

from __future__ import annotations

from typing import Any

from lambda_lab.simulate.vpc_reach import Path, Target, host, internet, reach, service

DB_PORT = 5432


class DemoNetwork:
    """The VPC and its switches; ``vpc_config`` is what CreateFunction takes."""

    def __init__(self, ec2: Any, region: str = "us-east-1") -> None:
        self.ec2, self.region = ec2, region
        self.vpc_id = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
        self.public = self._subnet("10.0.0.0/24")
        self.private = self._subnet("10.0.1.0/24")
        self.igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
        ec2.attach_internet_gateway(InternetGatewayId=self.igw, VpcId=self.vpc_id)
        self.public_table = self._table(self.public)
        ec2.create_route(
            RouteTableId=self.public_table, DestinationCidrBlock="0.0.0.0/0", GatewayId=self.igw
        )
        self.private_table = self._table(self.private)
        self.function_group = self._group("function", "the function's network interfaces")
        self.database_group = self._group("database", "the PostgreSQL database")
        self.nat: str | None = None
        self.endpoints: dict[str, str] = {}

    @property
    def vpc_config(self) -> dict[str, list[str]]:
        return {"SubnetIds": [self.private], "SecurityGroupIds": [self.function_group]}

    def targets(self) -> list[Target]:
        return [
            internet(),
            service("s3"),
            service("secretsmanager"),
            service("dynamodb"),
            host("the database (port 5432)", self.vpc_id, self.database_group, DB_PORT),
        ]

    def paths(self, in_vpc: bool = True) -> list[Path]:
        return reach(self.ec2, self.vpc_config if in_vpc else None, self.targets())

    # -- switches -----------------------------------------------------------------------------------
    def set_nat(self, on: bool) -> None:
        if on and self.nat is None:
            allocation = self.ec2.allocate_address(Domain="vpc")["AllocationId"]
            self.nat = self.ec2.create_nat_gateway(SubnetId=self.public, AllocationId=allocation)[
                "NatGateway"
            ]["NatGatewayId"]
            self.ec2.create_route(
                RouteTableId=self.private_table,
                DestinationCidrBlock="0.0.0.0/0",
                NatGatewayId=self.nat,
            )
        elif not on and self.nat is not None:
            self.ec2.delete_route(RouteTableId=self.private_table, DestinationCidrBlock="0.0.0.0/0")
            self.ec2.delete_nat_gateway(NatGatewayId=self.nat)
            self.nat = None

    def set_route_to_internet_gateway(self, on: bool) -> None:
        """The classic mistake: the private subnet routed straight to the internet gateway."""
        self.set_nat(False)
        if on:
            self.ec2.create_route(
                RouteTableId=self.private_table,
                DestinationCidrBlock="0.0.0.0/0",
                GatewayId=self.igw,
            )
        else:
            try:
                self.ec2.delete_route(
                    RouteTableId=self.private_table, DestinationCidrBlock="0.0.0.0/0"
                )
            except Exception:  # no such route: nothing to undo
                pass

    def set_endpoint(self, name: str, on: bool) -> None:
        """``s3``/``dynamodb`` get a gateway endpoint, anything else an interface endpoint."""
        if on and name not in self.endpoints:
            options: dict[str, Any] = (
                {"VpcEndpointType": "Gateway", "RouteTableIds": [self.private_table]}
                if name in ("s3", "dynamodb")
                else {
                    "VpcEndpointType": "Interface",
                    "SubnetIds": [self.private],
                    "PrivateDnsEnabled": True,
                }
            )
            created = self.ec2.create_vpc_endpoint(
                VpcId=self.vpc_id, ServiceName=f"com.amazonaws.{self.region}.{name}", **options
            )
            self.endpoints[name] = created["VpcEndpoint"]["VpcEndpointId"]
        elif not on and name in self.endpoints:
            self.ec2.delete_vpc_endpoints(VpcEndpointIds=[self.endpoints.pop(name)])

    def set_database_rule(self, on: bool) -> None:
        """The database's inbound rule: the function's security group on port 5432."""
        permission = [{"IpProtocol": "tcp", "FromPort": DB_PORT, "ToPort": DB_PORT,
                       "UserIdGroupPairs": [{"GroupId": self.function_group}]}]  # fmt: skip
        rules = self.ec2.describe_security_groups(GroupIds=[self.database_group])["SecurityGroups"][
            0
        ]
        present = bool(rules.get("IpPermissions"))
        if on and not present:
            self.ec2.authorize_security_group_ingress(
                GroupId=self.database_group, IpPermissions=permission
            )
        elif not on and present:
            self.ec2.revoke_security_group_ingress(
                GroupId=self.database_group, IpPermissions=permission
            )

    # -- helpers ----------------------------------------------------------------------------------
    def _subnet(self, cidr: str) -> str:
        return str(self.ec2.create_subnet(VpcId=self.vpc_id, CidrBlock=cidr)["Subnet"]["SubnetId"])

    def _table(self, subnet: str) -> str:
        table = self.ec2.create_route_table(VpcId=self.vpc_id)["RouteTable"]["RouteTableId"]
        self.ec2.associate_route_table(RouteTableId=table, SubnetId=subnet)
        return str(table)

    def _group(self, name: str, description: str) -> str:
        created = self.ec2.create_security_group(
            GroupName=f"{name}-{self.vpc_id}", Description=description, VpcId=self.vpc_id
        )
        return str(created["GroupId"])
