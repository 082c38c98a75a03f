"""What a SAM deployment works with: the Lab's services, the stack so far, and its notes.

:class:`SamServices` is the collaborators the deployer uses (a boto3-shaped Lambda client,
clients for other services, the HTTP front doors, deployments and alarms); the Lab builds
it, so nothing under ``control/sam`` holds a Lab. :class:`DeployContext` is one deployment
in progress: the resolver, the resources created so far and a note per thing left out.
"""

from __future__ import annotations

import hashlib
import os
import string
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from lambda_lab.control.sam.intrinsics import Resolver
from lambda_lab.control.sam.yaml_loader import TemplateError

_SUFFIX_ALPHABET = string.ascii_uppercase + string.digits


@dataclass
class SamServices:
    """The Lab's operations a deployment calls; every one is AWS-shaped where AWS has one."""

    lambda_client: Any  # lab.client("lambda")
    client: Callable[[str], Any]  # another service's boto3 client: client("sqs")
    rest_api: Callable[..., Any]  # lab.rest_api_gateway(name, routes, stage=...)
    http_api: Callable[..., Any]  # lab.http_api(name, routes)
    region: str
    account_id: str
    deployments: Any = None  # control.deployments.Deployments
    alarms: Any = None  # monitoring.alarms.Alarms
    enable_step_functions: Callable[[], None] | None = None
    # Wait until a function's create or update has finished (State Active, LastUpdateStatus
    # Successful), as CloudFormation does before it moves on; None: nothing to wait for.
    settle: Callable[[str], None] | None = None


@dataclass
class Physical:
    """A resource as deployed: what ``!Ref`` gives, its attributes, and Lab-side details."""

    logical_id: str
    type: str
    ref: Any
    attributes: dict[str, Any] = field(default_factory=dict)
    details: dict[str, Any] = field(default_factory=dict)

    def get_att(self, name: str) -> Any:
        if name not in self.attributes:
            raise TemplateError(
                f"{self.logical_id} ({self.type}) has no attribute {name!r}; "
                f"it has {sorted(self.attributes)}"
            )
        return self.attributes[name]


@dataclass
class Endpoint:
    label: str  # "GET /hello -> HelloWorldFunction"
    url: str  # where this machine reaches it (loopback)
    aws_url: str = ""  # the URL the same resource would have on AWS


class DeployContext:
    """One deployment of one stack: resolves values and collects what was made."""

    def __init__(
        self,
        services: SamServices,
        stack_name: str,
        base_dir: str,
        previous: dict[str, Physical],
    ) -> None:
        self.services = services
        self.stack_name = stack_name
        self.base_dir = base_dir
        self.previous = previous  # what an earlier deployment of this stack made
        self.made: dict[str, Physical] = {}
        self.skipped: set[str] = set()  # logical ids the Lab did not create
        self.notes: list[str] = []
        self.endpoints: list[Endpoint] = []
        self.deployments: list[Any] = []
        self.resolver: Resolver | None = None
        self.after: list[Callable[[], None]] = []  # work that needs every resource first
        self.extras: dict[str, Any] = {}  # per-kind plans: APIs, bucket notifications

    # -- values -------------------------------------------------------------------------------
    def lookup(self, name: str, attribute: str | None) -> Any:
        """What the resolver calls for ``Ref`` (attribute None) and ``GetAtt``."""
        base, _, special = name.partition(".")
        physical = self.made.get(base)
        if physical is None and base in self.skipped:
            # A resource the Lab left out: a stand-in value keeps the rest of the stack going.
            self.note(
                f"a reference to {name}{'.' + attribute if attribute else ''} was given a "
                f"stand-in value, as {base} was not created"
            )
            return f"{base}-not-in-the-lab"
        if physical is None:
            raise TemplateError(f"refers to {name!r}, which is not a resource this Lab made")
        if special:  # SAM's MyFunction.Alias / MyFunction.Version references
            return physical.get_att(special) if attribute is None else None
        return physical.ref if attribute is None else physical.get_att(attribute)

    def resolve(self, value: Any, where: str) -> Any:
        assert self.resolver is not None, "the deployer sets the resolver first"
        return self.resolver.resolve(value, where)

    def note(self, line: str) -> None:
        if line not in self.notes:
            self.notes.append(line)

    def unsupported(
        self,
        where: str,
        properties: dict[str, Any],
        supported: Iterable[str],
        ignored: dict[str, str] | None = None,
    ) -> None:
        """A note for each property the Lab leaves out, with why when it is known."""
        allowed = set(supported)
        for key in properties:
            if key in allowed:
                continue
            reason = (ignored or {}).get(key)
            self.note(f"{where}.{key}: {reason or 'not supported by the Lab, left out'}")

    # -- names --------------------------------------------------------------------------------
    def physical_name(
        self, logical_id: str, limit: int = 64, lower: bool = False, separator: str = "-"
    ) -> str:
        """CloudFormation's generated name: ``<stack>-<logical id>-<12 characters>``, the same
        on every deployment of the stack so that a redeploy updates what it made."""
        digest = hashlib.sha256(f"{self.stack_name}/{logical_id}".encode()).digest()
        suffix = "".join(_SUFFIX_ALPHABET[b % len(_SUFFIX_ALPHABET)] for b in digest[:12])
        room = limit - len(suffix) - 2 * len(separator)
        stack_part = self.stack_name[: max(1, room // 2)]
        logical_part = logical_id[: max(1, room - len(stack_part))]
        name = separator.join((stack_part, logical_part, suffix))
        return name.lower() if lower else name

    def path(self, relative: str) -> str:
        """A path in the template (CodeUri, DefinitionUri) as seen from the template's folder."""
        return relative if os.path.isabs(relative) else os.path.join(self.base_dir, relative)

    def arn(self, service: str, resource: str, region: bool = True) -> str:
        where = self.services.region if region else ""
        return f"arn:aws:{service}:{where}:{self.services.account_id}:{resource}"
