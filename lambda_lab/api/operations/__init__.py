"""Lambda operations answered over the REST API, grouped by concern.

rest.py looks an operation up here by its snake_case name (``GetFunction`` ->
``get_function``). Each submodule holds one family of operations; add a family by
importing its functions below.
"""

from lambda_lab.api.operations.concurrency import *  # noqa: F403
from lambda_lab.api.operations.functions import *  # noqa: F403
from lambda_lab.api.operations.invocation import *  # noqa: F403
from lambda_lab.api.operations.layers import *  # noqa: F403
from lambda_lab.api.operations.permissions import *  # noqa: F403
from lambda_lab.api.operations.urls import *  # noqa: F403
from lambda_lab.api.operations.versions import *  # noqa: F403
