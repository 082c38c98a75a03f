"""A deployed SAM stack: what was made, where it answers, its outputs and what was left out."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from lambda_lab.control.sam.context import Endpoint, Physical


@dataclass
class Stack:
    name: str
    resources: dict[str, Physical]  # logical id -> what was made
    endpoints: list[Endpoint] = field(default_factory=list)
    outputs: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # one line per part the Lab left out
    deployments: list[Any] = field(default_factory=list)  # CodeDeploy deployments started
    description: str = ""

    def __getitem__(self, logical_id: str) -> Physical:
        try:
            return self.resources[logical_id]
        except KeyError:
            raise KeyError(
                f"stack {self.name!r} has no resource {logical_id!r}; it has {sorted(self.resources)}"
            ) from None

    def physical_id(self, logical_id: str) -> Any:
        """What ``!Ref`` gives: a function's name, a queue's URL, a topic's ARN..."""
        return self[logical_id].ref

    def function_name(self, logical_id: str) -> str:
        physical = self[logical_id]
        if physical.type != "AWS::Serverless::Function":
            raise KeyError(f"{logical_id} is an {physical.type}, not a function")
        return str(physical.ref)

    def served(self, logical_id: str) -> Any:
        """The Lab front door serving an API of the stack (``ServerlessRestApi``...)."""
        door = self[logical_id].details.get("served")
        if door is None:
            raise KeyError(f"{logical_id} is not an API the Lab serves")
        return door

    def report(self) -> str:
        """What ``lambda-lab deploy`` prints: resources, endpoints, outputs, then notes."""
        lines = [f"Stack {self.name}: {len(self.resources)} resources"]
        width = max((len(k) for k in self.resources), default=0)
        for logical_id, physical in self.resources.items():
            shown = physical.ref
            details = physical.details
            if details.get("alias"):
                shown = f"{shown} (alias {details['alias']} -> version {details['alias_version']}"
                if details.get("deployment") is not None:
                    shown += f", shifting to {details['version']} by CodeDeploy"
                shown += ")"
            lines.append(f"  {logical_id:<{width}}  {physical.type:<32} {shown}")
        if self.endpoints:
            lines.append("Endpoints:")
            lines += [f"  {e.label}\n    {e.url}" + (f"\n    on AWS: {e.aws_url}" if e.aws_url != e.url else "")
                      for e in self.endpoints]  # fmt: skip
        if self.deployments:
            lines.append("Deployments (CodeDeploy, on the Lab's clock):")
            lines += ["  " + d.describe().splitlines()[0] for d in self.deployments]
        if self.outputs:
            lines.append("Outputs:")
            lines += [f"  {k}: {v}" for k, v in self.outputs.items()]
        if self.notes:
            lines.append(f"Left out or different in the Lab ({len(self.notes)}):")
            lines += [f"  - {note}" for note in self.notes]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.report()

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:  # IPython shows the report
        printer.text(self.report())
