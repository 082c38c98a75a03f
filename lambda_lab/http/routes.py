"""API Gateway routes: a method and a path template with ``{param}`` and ``{proxy+}``.

REST APIs call them resources + methods, HTTP APIs call them route keys
(``"GET /items/{id}"``, ``"ANY /{proxy+}"``, ``"$default"``). Both pick the most
specific match: literal segments beat ``{param}``, which beats a greedy ``{name+}``; a
named method beats ``ANY``; ``$default`` catches what nothing else matched.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import unquote

from lambda_lab.http.common import FrontDoorConfigError

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "ANY")
DEFAULT_ROUTE = "$default"

_PARAM = re.compile(r"\{([A-Za-z0-9._-]+)(\+?)\}\Z")
_LITERAL, _PARAMETER, _GREEDY = 2, 1, 0


@dataclass(frozen=True)
class Segment:
    text: str
    kind: int  # _LITERAL, _PARAMETER or _GREEDY
    name: str = ""


@dataclass(frozen=True)
class Route:
    """One route and the function behind it."""

    method: str  # one of METHODS, or "" for $default
    template: str  # "/items/{id}", or "$default"
    function_name: str
    qualifier: str | None = None
    segments: tuple[Segment, ...] = field(default=(), compare=False)

    @property
    def key(self) -> str:
        return DEFAULT_ROUTE if self.template == DEFAULT_ROUTE else f"{self.method} {self.template}"

    def match(self, path: str) -> dict[str, str] | None:
        """Path parameters (URL-decoded) when ``path`` fits the template, else None."""
        parts = [p for p in path.split("/") if p] if path != "/" else []
        params: dict[str, str] = {}
        for index, segment in enumerate(self.segments):
            if segment.kind == _GREEDY:
                rest = parts[index:]
                if not rest:
                    return None
                params[segment.name] = unquote("/".join(rest))
                return params
            if index >= len(parts):
                return None
            if segment.kind == _LITERAL:
                if parts[index] != segment.text:
                    return None
            else:
                params[segment.name] = unquote(parts[index])
        return params if len(parts) == len(self.segments) else None

    def specificity(self) -> tuple[tuple[int, ...], int, int]:
        return (tuple(s.kind for s in self.segments), len(self.segments), int(self.method != "ANY"))


def parse_route_key(route_key: str) -> tuple[str, str]:
    """``"GET /a/{b}"`` -> ("GET", "/a/{b}"); ``"$default"`` -> ("", "$default")."""
    if route_key == DEFAULT_ROUTE:
        return "", DEFAULT_ROUTE
    method, _, template = route_key.partition(" ")
    if method not in METHODS or not template:
        raise FrontDoorConfigError(
            f"route key must be '$default' or '<METHOD> /path' with METHOD in "
            f"{', '.join(METHODS)} (got {route_key!r})",
            code="BadRequestException",
        )
    return method, template


def make_route(
    method: str, template: str, function_name: str, qualifier: str | None = None
) -> Route:
    method = method.upper()
    if template == DEFAULT_ROUTE:
        return Route("", DEFAULT_ROUTE, function_name, qualifier)
    if method not in METHODS:
        raise FrontDoorConfigError(
            f"method must be one of {', '.join(METHODS)} (got {method!r})",
            code="BadRequestException",
        )
    return Route(method, template, function_name, qualifier, _parse_template(template))


def _parse_template(template: str) -> tuple[Segment, ...]:
    if not template.startswith("/"):
        raise FrontDoorConfigError(
            f"path must start with '/' (got {template!r})", code="BadRequestException"
        )
    pieces = [p for p in template.split("/") if p]
    segments: list[Segment] = []
    for index, piece in enumerate(pieces):
        found = _PARAM.match(piece)
        if found is None:
            if "{" in piece or "}" in piece:
                raise FrontDoorConfigError(
                    f"path segment {piece!r} in {template!r} must be a literal or a whole "
                    "'{name}' / '{name+}'",
                    code="BadRequestException",
                )
            segments.append(Segment(piece, _LITERAL))
            continue
        name, greedy = found.group(1), bool(found.group(2))
        if greedy and index != len(pieces) - 1:
            raise FrontDoorConfigError(
                f"greedy path variable {piece!r} must be the last segment of {template!r}",
                code="BadRequestException",
            )
        if any(s.name == name for s in segments):
            raise FrontDoorConfigError(
                f"path variable {name!r} appears twice in {template!r}", code="BadRequestException"
            )
        segments.append(Segment(piece, _GREEDY if greedy else _PARAMETER, name))
    return tuple(segments)


class Router:
    """The routes of one API, with API Gateway's choice of the most specific match."""

    def __init__(self, allow_default: bool) -> None:
        self.allow_default = allow_default
        self._routes: dict[str, Route] = {}

    def add(self, route: Route) -> Route:
        if route.template == DEFAULT_ROUTE and not self.allow_default:
            raise FrontDoorConfigError(
                "REST APIs have no $default route; use 'ANY /{proxy+}'", code="BadRequestException"
            )
        if route.key in self._routes:
            raise FrontDoorConfigError(
                f"route {route.key!r} already exists", code="ConflictException"
            )
        self._routes[route.key] = route
        return route

    def routes(self) -> list[Route]:
        return list(self._routes.values())

    def find(self, method: str, path: str) -> tuple[Route, dict[str, str]] | None:
        best: tuple[Route, dict[str, str]] | None = None
        for route in self._routes.values():
            if route.template == DEFAULT_ROUTE or route.method not in (method, "ANY"):
                continue
            params = route.match(path)
            if params is not None and (best is None or route.specificity() > best[0].specificity()):
                best = (route, params)
        if best is None and DEFAULT_ROUTE in self._routes:
            return self._routes[DEFAULT_ROUTE], {}
        return best
