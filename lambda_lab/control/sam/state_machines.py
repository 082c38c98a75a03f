"""``AWS::Serverless::StateMachine``: a Step Functions state machine from a SAM template.

The definition comes inline (``Definition``) or from a file next to the template
(``DefinitionUri``, JSON or YAML), with ``${Name}`` placeholders filled from
``DefinitionSubstitutions`` (typically ``!GetAtt MyFunction.Arn``). The Lab creates it in
moto's Step Functions, which executes it and calls the Lab's functions for its Task states
(see :mod:`lambda_lab.orchestration.step_functions`).
"""

from __future__ import annotations

import json
import re
from typing import Any

from botocore.exceptions import ClientError

from lambda_lab.control.sam.context import DeployContext, Physical
from lambda_lab.control.sam.template import Resource
from lambda_lab.control.sam.yaml_loader import TemplateError, load

_PLACEHOLDER = re.compile(r"\$\{([A-Za-z0-9_.]+)\}")


def make_state_machine(ctx: DeployContext, resource: Resource, props: dict[str, Any]) -> Physical:
    where = f"Resources.{resource.logical_id}"
    ctx.unsupported(where, props, ["Definition", "DefinitionUri", "DefinitionSubstitutions",
                                   "Type", "Name", "Role"],
                    {"Policies": "IAM is not enforced by the Lab", "Logging":
                     "execution logs go to the history only", "Tracing": "X-Ray tracing of "
                     "executions is not part of the Lab", "Events": "state machine event "
                     "sources are left out: start executions with StartExecution",
                     "Tags": "tags are not kept by the Lab"})  # fmt: skip
    definition = _definition(ctx, props, where)
    substitutions = props.get("DefinitionSubstitutions") or {}
    text = json.dumps(definition)

    def substitute(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in substitutions:
            return match.group(0)  # JSONPath/intrinsic text such as ${...} inside strings
        return str(substitutions[name]).replace('"', '\\"')

    text = _PLACEHOLDER.sub(substitute, text)
    kind = str(props.get("Type", "STANDARD")).upper()
    if kind not in ("STANDARD", "EXPRESS"):
        raise TemplateError(f"{where}.Type: STANDARD or EXPRESS (got {kind!r})")
    name = str(props.get("Name") or ctx.physical_name(resource.logical_id, 80))
    role = str(props.get("Role") or ctx.arn("iam", f"role/{name}-Role", region=False))
    if ctx.services.enable_step_functions is not None:
        ctx.services.enable_step_functions()
    sfn = ctx.services.client("stepfunctions")
    arn = ctx.arn("states", f"stateMachine:{name}")
    try:
        arn = sfn.create_state_machine(name=name, definition=text, roleArn=role, type=kind)[
            "stateMachineArn"
        ]
    except ClientError as exc:
        if exc.response["Error"]["Code"] not in ("StateMachineAlreadyExists",):
            raise TemplateError(f"{where}: {exc.response['Error']['Message']}") from None
        sfn.update_state_machine(stateMachineArn=arn, definition=text, roleArn=role)
    return Physical(resource.logical_id, resource.type, arn, {"Arn": arn, "Name": name},
                    {"type": kind})  # fmt: skip


def _definition(ctx: DeployContext, props: dict[str, Any], where: str) -> dict[str, Any]:
    if "Definition" in props:
        definition = props["Definition"]
    elif "DefinitionUri" in props:
        uri = props["DefinitionUri"]
        if not isinstance(uri, str) or uri.startswith("s3://"):
            raise TemplateError(f"{where}.DefinitionUri: needs a file next to the template")
        definition = load(ctx.path(uri))
    else:
        raise TemplateError(f"{where}: needs Definition or DefinitionUri")
    if not isinstance(definition, dict) or "States" not in definition:
        raise TemplateError(f"{where}: a definition has StartAt and States")
    return definition
