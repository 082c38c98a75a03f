"""SAM templates in the Lab: ``lambda-lab deploy template.yaml`` and ``lab.deploy_template()``.

Reads an AWS SAM template (YAML with the short-form tags, or JSON) and creates its
functions, layers, aliases, APIs, queues, buckets, topics, tables, streams, alarms, state
machines and event wiring in the Lab, with CodeDeploy traffic shifting for
``DeploymentPreference``. Unsupported parts are reported one line each in ``stack.notes``.
"""

from lambda_lab.control.sam.context import SamServices
from lambda_lab.control.sam.deployer import Stacks
from lambda_lab.control.sam.stack import Stack
from lambda_lab.control.sam.yaml_loader import TemplateError

__all__ = ["SamServices", "Stack", "Stacks", "TemplateError"]
