"""Which version of a function an invoke runs: ``$LATEST`` or a qualifier."""

from __future__ import annotations

from lambda_lab import errors
from lambda_lab.functions import FunctionConfig

LATEST = "$LATEST"


class Versions:
    """Qualifier resolution. The Lab runs ``$LATEST``; published versions and aliases are
    answered with AWS's not-found error rather than silently running ``$LATEST``."""

    def resolve(self, config: FunctionConfig, function_name: str, qualifier: str | None) -> str:
        from_name = function_name.split(":")[-1] if ":" in function_name else None
        if from_name == config.name:
            from_name = None
        wanted = qualifier or from_name or LATEST
        if from_name and qualifier and from_name != qualifier:
            raise errors.InvalidParameterValueException(
                f"The derived qualifier from the function name does not match the specified qualifier "
                f"({from_name} != {qualifier})."
            )
        if wanted != LATEST:
            raise errors.ResourceNotFoundException(f"Function not found: {config.arn}:{wanted}")
        return LATEST
