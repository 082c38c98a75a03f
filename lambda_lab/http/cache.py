"""A REST API stage's response cache: entries per cache key, kept for a TTL.

What AWS documents (API Gateway guide, "Cache settings for REST APIs"): caching is turned on
per stage; only GET methods are cached unless a method's settings say otherwise; the TTL is
300 s by default, 3,600 s at most, and 0 turns caching off; responses over 1,048,576 bytes
are not cached. The key is the method and resource path plus the request parameters chosen
as cache key parameters (``method.request.querystring.category``...): parameters left out
do not tell requests apart. A client may ask for a fresh answer with
``Cache-Control: max-age=0``; when the method requires authorization for that (the default),
only a caller allowed ``execute-api:InvalidateCache`` gets it, and others get what the
stage's ``unauthorizedCacheControlHeaderStrategy`` says.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

from lambda_lab.http.common import HttpRequest, HttpResponse, split_query

DEFAULT_TTL_S = 300
MAX_TTL_S = 3600
MAX_ENTRY_BYTES = 1_048_576
STRATEGIES = ("FAIL_WITH_403", "SUCCEED_WITH_RESPONSE_HEADER", "SUCCEED_WITHOUT_RESPONSE_HEADER")


@dataclass
class CacheSettings:
    """A stage's cache: on or off, TTL, and the rules for ``Cache-Control: max-age=0``."""

    enabled: bool = False
    ttl_s: int = DEFAULT_TTL_S
    methods: tuple[str, ...] = ("GET",)  # which methods are cached (AWS: GET by default)
    require_authorization: bool = True
    unauthorized_strategy: str = "SUCCEED_WITH_RESPONSE_HEADER"

    def __post_init__(self) -> None:
        if isinstance(self.ttl_s, bool) or not isinstance(self.ttl_s, int):
            raise ValueError(f"cache TTL must be a whole number of seconds (got {self.ttl_s!r})")
        if not 0 <= self.ttl_s <= MAX_TTL_S:
            raise ValueError(f"cache TTL must be 0-{MAX_TTL_S} seconds (got {self.ttl_s})")
        if self.unauthorized_strategy not in STRATEGIES:
            raise ValueError(
                f"unauthorized_strategy must be one of {', '.join(STRATEGIES)} "
                f"(got {self.unauthorized_strategy!r})"
            )

    def caches(self, method: str) -> bool:
        return self.enabled and self.ttl_s > 0 and method in self.methods


def cache_key(
    request: HttpRequest,
    route_key: str,
    path_parameters: dict[str, str],
    key_parameters: tuple[str, ...],
) -> tuple[str, ...]:
    """The route plus the values of the chosen cache key parameters, AWS's names
    (``method.request.path.id``, ``method.request.querystring.q``, ``method.request.header.h``)."""
    query = dict(split_query(request.query, decode=True))
    parts = [route_key]
    for name in key_parameters:
        _, _, where = name.partition("method.request.")
        kind, _, param = where.partition(".")
        if kind == "path":
            value = path_parameters.get(param)
        elif kind == "querystring":
            value = query.get(param)
        elif kind == "header":
            value = request.header(param)
        else:
            raise ValueError(
                f"cache key parameter {name!r} must be method.request.path|querystring|header.NAME"
            )
        parts.append(f"{name}={value}")
    return tuple(parts)


def wants_fresh(request: HttpRequest) -> bool:
    """True for ``Cache-Control: max-age=0`` (the header that asks to invalidate)."""
    value = (request.header("Cache-Control") or "").replace(" ", "").lower()
    return "max-age=0" in value.split(",")


@dataclass
class _Entry:
    response: HttpResponse
    expires: float
    stored: float


class ResponseCache:
    """One stage's cache cluster; thread-safe. Time comes from ``now``."""

    def __init__(self, now: Callable[[], float]) -> None:
        self._now = now
        self._entries: dict[tuple[str, ...], _Entry] = {}
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: tuple[str, ...]) -> HttpResponse | None:
        """A copy of the cached response, or None (a miss) when absent or expired."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or entry.expires <= self._now():
                self._entries.pop(key, None)
                self.misses += 1
                return None
            self.hits += 1
            return HttpResponse(
                entry.response.status, list(entry.response.headers), entry.response.body
            )

    def put(self, key: tuple[str, ...], response: HttpResponse, ttl_s: int) -> bool:
        """Keep ``response`` for ``ttl_s`` seconds; False when it is too large to cache."""
        if len(response.body) > MAX_ENTRY_BYTES or ttl_s <= 0:
            return False
        now = self._now()
        copy = HttpResponse(response.status, list(response.headers), response.body)
        with self._lock:
            self._entries[key] = _Entry(copy, now + ttl_s, now)
        return True

    def age(self, key: tuple[str, ...]) -> float | None:
        """Seconds since the entry for ``key`` was stored, or None."""
        with self._lock:
            entry = self._entries.get(key)
            return None if entry is None else self._now() - entry.stored

    def flush(self) -> None:
        """FlushStageCache: every entry goes."""
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        now = self._now()
        with self._lock:
            return sum(1 for entry in self._entries.values() if entry.expires > now)
