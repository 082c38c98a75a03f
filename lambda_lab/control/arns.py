"""Function names as Lambda takes them: a name, a partial ARN or a full ARN, maybe qualified.

    my-function                                        my-function:prod
    123456789012:function:my-function                  function:my-function:1
    arn:aws:lambda:us-east-1:123456789012:function:my-function:$LATEST

Every operation that takes a ``FunctionName`` reads it here. The model's pattern has been
checked before (a malformed name is a ValidationException); what is left are AWS's own
rules: an ARN of another Region is not reachable, one of another account is denied.
"""

from __future__ import annotations

from typing import NamedTuple

from lambda_lab import errors


class FunctionRef(NamedTuple):
    name: str
    qualifier: str | None
    region: str | None  # None when the caller gave no Region (a name or a partial ARN)
    account: str | None


_PARSED: dict[str, FunctionRef] = {}  # every invoke names its function several times
_PARSED_MAX = 4096


def parse(function_name: str) -> FunctionRef:
    """Split any accepted form of a function name into its parts."""
    found = _PARSED.get(function_name) if type(function_name) is str else None
    if found is None:
        found = _split(function_name)
        if type(function_name) is str:
            if len(_PARSED) >= _PARSED_MAX:
                _PARSED.clear()
            _PARSED[function_name] = found
    return found


def _split(function_name: str) -> FunctionRef:
    parts = str(function_name).split(":")
    if parts[0] == "arn" and len(parts) >= 7:
        return FunctionRef(parts[6], _qualifier(parts[7:]), parts[3] or None, parts[4] or None)
    if len(parts) >= 3 and parts[1] == "function":  # 123456789012:function:name[:qualifier]
        return FunctionRef(parts[2], _qualifier(parts[3:]), None, parts[0] or None)
    if parts[0] == "function" and len(parts) >= 2:  # function:name[:qualifier]
        return FunctionRef(parts[1], _qualifier(parts[2:]), None, None)
    return FunctionRef(parts[0], _qualifier(parts[1:]), None, None)


def _qualifier(rest: list[str]) -> str | None:
    return ":".join(rest) if rest else None


def function_arn(region: str, account: str, name: str, qualifier: str | None = None) -> str:
    arn = f"arn:aws:lambda:{region}:{account}:function:{name}"
    return f"{arn}:{qualifier}" if qualifier else arn


def check_reachable(ref: FunctionRef, region: str, account: str) -> None:
    """AWS's answers for an ARN of another Region (404) or another account (403, no message)."""
    if ref.region is not None and ref.region != region:
        raise errors.ResourceNotFoundException(
            f"Functions from '{ref.region}' are not reachable in this region ('{region}')"
        )
    if ref.account is not None and ref.account != account:
        raise errors.AccessDeniedException(None)


def qualifier_of(function_name: str, qualifier: str | None) -> str | None:
    """The qualifier a call names, in the name or the Qualifier parameter (they must agree)."""
    from_name = parse(function_name).qualifier
    if from_name and qualifier and from_name != qualifier:
        raise errors.InvalidParameterValueException(
            "The derived qualifier from the function name does not match the specified qualifier."
        )
    return qualifier or from_name
