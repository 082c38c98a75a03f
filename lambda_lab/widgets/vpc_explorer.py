"""VPC explorer: switches for a function's VPC, NAT gateway, endpoints and the database's
security group; a table says what the function can reach and how.

A thin view over :class:`lambda_lab.simulate.vpc_demo.DemoNetwork` (the VPC built in the
Lab's EC2) and :func:`lambda_lab.simulate.vpc_reach.reach`. Tests set the checkboxes'
``.value`` and read :attr:`VpcExplorer.paths`. Given its ``lab``, the explorer says so when
that Lab is closed (its EC2 is gone with it); any other failure is shown under the table.
"""

from __future__ import annotations

import html
from typing import Any

from lambda_lab.simulate.vpc_demo import DemoNetwork
from lambda_lab.simulate.vpc_reach import Path
from lambda_lab.widgets.guard import guarded
from lambda_lab.widgets.prose import prose

__all__ = ["VpcExplorer"]


class VpcExplorer:
    def __init__(self, network: DemoNetwork, lab: Any = None) -> None:
        """``lab``: the Lab whose EC2 holds ``network`` (so a closed Lab is named as such)."""
        import ipywidgets as widgets

        self.network = network
        self.status = widgets.HTML()  # what went wrong with the last change, if anything

        def box(label: str, value: bool = False) -> Any:
            check = widgets.Checkbox(
                value=value, description=label, indent=False, layout=widgets.Layout(width="36em")
            )
            check.observe(guarded(self.status, self._changed, lab), names="value")
            return check

        self.in_vpc = box("function attached to the VPC (private subnet)", True)
        self.nat = box("NAT gateway (in the public subnet)")
        self.igw_route = box("private subnet routed straight to the internet gateway")
        self.s3_endpoint = box("S3 gateway endpoint")
        self.secrets_endpoint = box("Secrets Manager interface endpoint")
        self.db_rule = box("database security group allows the function's group")
        self.table = widgets.HTML()
        self.paths: list[Path] = []
        switches = [
            self.in_vpc,
            self.nat,
            self.igw_route,
            self.s3_endpoint,
            self.secrets_endpoint,
            self.db_rule,
        ]
        self.widget = widgets.VBox([*switches, self.table, self.status])
        self.refresh()

    def _changed(self) -> None:
        self.status.value = ""
        self.refresh()

    def refresh(self) -> list[Path]:
        net = self.network
        if self.nat.value and self.igw_route.value:
            self.igw_route.value = False  # one default route at a time; this calls refresh again
            return self.paths
        net.set_route_to_internet_gateway(self.igw_route.value)
        net.set_nat(self.nat.value)
        net.set_endpoint("s3", self.s3_endpoint.value)
        net.set_endpoint("secretsmanager", self.secrets_endpoint.value)
        net.set_database_rule(self.db_rule.value)
        self.paths = net.paths(in_vpc=self.in_vpc.value)
        rows = "".join(
            f"<tr><td>{html.escape(p.target)}</td>"
            f"<td style='color:{'#2e9e44' if p.reachable else '#d13212'}'>"
            f"{'reachable' if p.reachable else 'not reachable'}</td>"
            f"<td>{html.escape(p.how)}</td></tr>"
            for p in self.paths
        )
        self.table.value = prose(
            "<table><tr><th>target</th><th></th><th>why</th></tr>" + rows + "</table>"
        )
        return self.paths
