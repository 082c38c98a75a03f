"""The one pager: Marker and MaxItems as every Lambda list operation takes them.

AWS answers at most a page cap per call whatever MaxItems asks (50 for ListFunctions,
ListVersionsByFunction, ListAliases; 100 for ListEventSourceMappings), and a NextMarker
while more remain. The Lab's marker is the position of the next item, written as an opaque
token so nobody builds one by hand; a marker the Lab did not issue is refused.
"""

from __future__ import annotations

import base64
from typing import Any

from lambda_lab import errors

_PREFIX = "lambda-lab-page:"


def page(
    items: list[Any], marker: str | None, max_items: int | None, cap: int
) -> tuple[list[Any], str | None]:
    """(the items of this page, NextMarker or None)."""
    start = _position(marker) if marker else 0
    size = min(max_items or cap, cap)
    end = start + size
    return items[start:end], (_token(end) if end < len(items) else None)


def _token(position: int) -> str:
    return base64.urlsafe_b64encode(f"{_PREFIX}{position}".encode()).decode()


def _position(marker: str) -> int:
    try:
        text = base64.urlsafe_b64decode(marker.encode()).decode()
    except (ValueError, UnicodeDecodeError):
        text = ""
    number = text.removeprefix(_PREFIX)
    if not text.startswith(_PREFIX) or not number.isdigit():
        raise errors.InvalidParameterValueException(
            f"Marker {marker!r} is not a marker this API returned: pass the NextMarker of the "
            "previous page, or no Marker for the first page"
        )
    return int(number)
