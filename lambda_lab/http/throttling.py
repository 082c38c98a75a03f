"""API Gateway's request throttling: token buckets, and the levels they are applied at.

A token bucket holds at most ``burst`` tokens and gains ``rate`` tokens a second; each
request takes one, and a request that finds the bucket empty is throttled (429). The bucket
starts full, so a client may send ``burst`` requests at once, then ``rate`` a second.

API Gateway (REST APIs) checks, in this order: the usage plan's limits for the caller's API
key (per client, and per method in the plan), the stage's per-method limits (or the stage
default), the account's limits in the Region (10,000 requests a second, burst 5,000), and
AWS's own Regional limits (not modelled) (API Gateway guide, "Throttle requests to your
REST APIs"). In the Lab a request takes a token from every level or, when one level is
empty, from none.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

ACCOUNT_RATE_LIMIT = 10_000.0  # requests a second, per account and Region (a soft quota)
ACCOUNT_BURST_LIMIT = 5_000  # the account bucket's size


@dataclass(frozen=True)
class ThrottleSettings:
    """AWS's ``ThrottleSettings``: ``rateLimit`` (requests a second) and ``burstLimit``."""

    rate_limit: float
    burst_limit: int

    def __post_init__(self) -> None:
        rate, burst = self.rate_limit, self.burst_limit
        if isinstance(rate, bool) or not isinstance(rate, (int, float)) or rate < 0:
            raise ValueError(f"rateLimit must be a number >= 0 (got {rate!r})")
        if isinstance(burst, bool) or not isinstance(burst, int) or burst < 0:
            raise ValueError(f"burstLimit must be a whole number >= 0 (got {burst!r})")

    @classmethod
    def parse(cls, value: ThrottleSettings | dict[str, float] | None) -> ThrottleSettings | None:
        """From ``{"rateLimit": 10, "burstLimit": 20}`` (AWS's spelling) or as it is."""
        if value is None or isinstance(value, ThrottleSettings):
            return value
        if not isinstance(value, dict) or set(value) - {"rateLimit", "burstLimit"}:
            raise ValueError(
                f"throttle settings are {{'rateLimit': ..., 'burstLimit': ...}} (got {value!r})"
            )
        return cls(value.get("rateLimit", 0), value.get("burstLimit", 0))  # type: ignore[arg-type]

    def as_dict(self) -> dict[str, float]:
        return {"rateLimit": self.rate_limit, "burstLimit": self.burst_limit}


class TokenBucket:
    """``burst`` tokens at most, ``rate`` more each second of ``now()``; thread-safe."""

    def __init__(self, settings: ThrottleSettings, now: Callable[[], float]) -> None:
        self.settings = settings
        self._now = now
        self._tokens = float(settings.burst_limit)
        self._stamp = now()
        self._lock = threading.Lock()

    def reconfigure(self, settings: ThrottleSettings) -> None:
        """New limits; the bucket starts full again."""
        with self._lock:
            self.settings = settings
            self._tokens = float(settings.burst_limit)
            self._stamp = self._now()

    @property
    def tokens(self) -> float:
        """The tokens in the bucket now (refilled up to this moment)."""
        with self._lock:
            self._refill()
            return self._tokens

    def can_take(self) -> bool:
        with self._lock:
            self._refill()
            return self._tokens >= 1

    def take(self) -> bool:
        """Take a token if there is one; False means "throttle this request"."""
        with self._lock:
            self._refill()
            if self._tokens < 1:
                return False
            self._tokens -= 1
            return True

    def _refill(self) -> None:
        now = self._now()
        elapsed = max(0.0, now - self._stamp)
        self._stamp = now
        self._tokens = min(
            float(self.settings.burst_limit), self._tokens + elapsed * self.settings.rate_limit
        )


_ALL_OR_NONE = threading.Lock()


def take_all(buckets: list[TokenBucket]) -> int | None:
    """Take one token from each bucket, or from none: the index of the first empty bucket,
    or None when the request may pass."""
    with _ALL_OR_NONE:
        for index, bucket in enumerate(buckets):
            if not bucket.can_take():
                return index
        for bucket in buckets:
            bucket.take()
    return None


class Buckets:
    """Token buckets made on first use, one per key (a stage + method, an API key...)."""

    def __init__(self, now: Callable[[], float]) -> None:
        self._now = now
        self._buckets: dict[tuple[object, ...], TokenBucket] = {}
        self._lock = threading.Lock()

    def get(self, key: tuple[object, ...], settings: ThrottleSettings) -> TokenBucket:
        """The bucket for ``key``; a new full one when the settings changed."""
        with self._lock:
            found = self._buckets.get(key)
            if found is None or found.settings != settings:
                found = self._buckets[key] = TokenBucket(settings, self._now)
            return found

    def clear(self) -> None:
        with self._lock:
            self._buckets.clear()
