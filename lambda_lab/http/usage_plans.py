"""API keys and usage plans: who may call a REST API method that requires a key, how fast,
and how often.

An API key identifies a client (it is not authentication: anyone holding the value can
use it). A usage plan names the API stages it covers, a throttle applied to each of its
keys separately (``rateLimit``/``burstLimit``, optionally per method) and a quota per key
(``limit`` requests per ``DAY``, ``WEEK`` or ``MONTH``). Like on AWS, keys and plans belong
to the account, not to one API. The answers are API Gateway's: no key, an unknown or
disabled key, or a key in no plan of this stage is ``403 {"message":"Forbidden"}``; over the
throttle ``429 {"message":"Too Many Requests"}``; over the quota
``429 {"message":"Limit Exceeded"}``.
"""

from __future__ import annotations

import secrets
import string
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from lambda_lab.http.common import stable_id
from lambda_lab.http.throttling import Buckets, ThrottleSettings

PERIODS = ("DAY", "WEEK", "MONTH")
_ID_ALPHABET = string.ascii_lowercase + string.digits
_KEY_ALPHABET = string.ascii_letters + string.digits
API_KEY_MIN_LENGTH = 20  # AWS refuses shorter API key values


@dataclass
class ApiKey:
    """AWS's ``ApiKey``: ``id``, ``name``, ``value`` (what clients send) and ``enabled``."""

    id: str
    name: str
    value: str
    enabled: bool = True

    def __repr__(self) -> str:  # the value is a secret of sorts: show only its end
        return f"ApiKey(id={self.id!r}, name={self.name!r}, value='...{self.value[-4:]}')"


@dataclass
class Quota:
    """AWS's ``QuotaSettings``: ``limit`` requests per ``period``."""

    limit: int
    period: str = "DAY"

    @classmethod
    def parse(cls, value: Quota | dict[str, Any] | None) -> Quota | None:
        if value is None or isinstance(value, Quota):
            return value
        limit, period = value.get("limit"), value.get("period", "DAY")
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 0:
            raise ValueError(f"quota limit must be a whole number >= 0 (got {limit!r})")
        if period not in PERIODS:
            raise ValueError(f"quota period must be one of {', '.join(PERIODS)} (got {period!r})")
        return cls(limit, period)


def period_start(epoch: float, period: str) -> float:
    """When the quota period holding ``epoch`` began (UTC midnight; Monday; the 1st)."""
    day = time.gmtime(epoch)
    midnight = epoch - (day.tm_hour * 3600 + day.tm_min * 60 + day.tm_sec) - (epoch % 1)
    if period == "DAY":
        return midnight
    if period == "WEEK":
        return midnight - day.tm_wday * 86400
    return midnight - (day.tm_mday - 1) * 86400


@dataclass
class UsagePlan:
    """AWS's ``UsagePlan``: the API stages it covers, a per-key throttle and quota."""

    id: str
    name: str
    api_stages: list[tuple[str, str]]  # (api id, stage name)
    throttle: ThrottleSettings | None = None
    quota: Quota | None = None
    method_throttle: dict[str, ThrottleSettings] = field(default_factory=dict)  # "GET /items"
    key_ids: list[str] = field(default_factory=list)

    def covers(self, api_id: str, stage: str) -> bool:
        return (api_id, stage) in self.api_stages


@dataclass(frozen=True)
class KeyVerdict:
    """What the usage plans decided for one request: ``status`` is None when it may pass."""

    status: int | None = None
    message: str = ""
    error_type: str = ""
    key: ApiKey | None = None
    plan: UsagePlan | None = None


class UsagePlans:
    """The account's API keys and usage plans; ``check()`` is what a REST API asks."""

    def __init__(self, now: Callable[[], float] = time.time) -> None:
        self._now = now
        self._keys: dict[str, ApiKey] = {}
        self._plans: dict[str, UsagePlan] = {}
        self._buckets = Buckets(now)
        self._used: dict[tuple[str, str], tuple[float, int]] = {}  # (plan, key) -> (since, n)
        self._lock = threading.Lock()

    # -- keys and plans ------------------------------------------------------------------
    def create_api_key(self, name: str, value: str | None = None, enabled: bool = True) -> ApiKey:
        """A key with a random 40-character value unless ``value`` is given."""
        if not isinstance(name, str) or not name:
            raise ValueError(f"an API key needs a name (got {name!r})")
        if value is None:
            value = "".join(secrets.choice(_KEY_ALPHABET) for _ in range(40))
        if not isinstance(value, str) or len(value) < API_KEY_MIN_LENGTH:
            raise ValueError(
                f"an API key value must be at least {API_KEY_MIN_LENGTH} characters "
                f"(got {len(value) if isinstance(value, str) else value!r})"
            )
        with self._lock:
            if any(k.value == value for k in self._keys.values()):
                raise ValueError("an API key with this value already exists")
            key = ApiKey(stable_id(name, value, length=10, alphabet=_ID_ALPHABET), name, value)
            key.enabled = enabled
            self._keys[key.id] = key
        return key

    def create_usage_plan(
        self,
        name: str,
        api_stages: Iterable[tuple[str, str]],
        *,
        throttle: ThrottleSettings | dict[str, float] | None = None,
        quota: Quota | dict[str, Any] | None = None,
        method_throttle: dict[str, Any] | None = None,
    ) -> UsagePlan:
        """A plan for ``api_stages`` ([(api id, stage)]); ``throttle`` and ``quota`` apply
        to each key of the plan on its own. ``method_throttle`` maps ``"GET /items"`` to a
        throttle that replaces the plan's for that method."""
        stages = [(str(api), str(stage)) for api, stage in api_stages]
        if not stages:
            raise ValueError(f"usage plan {name!r} needs at least one (api id, stage)")
        per_method = {
            route: parsed
            for route, value in (method_throttle or {}).items()
            if (parsed := ThrottleSettings.parse(value)) is not None
        }
        plan = UsagePlan(
            stable_id(name, *(f"{a}/{s}" for a, s in stages), length=6, alphabet=_ID_ALPHABET),
            name,
            stages,
            ThrottleSettings.parse(throttle),
            Quota.parse(quota),
            per_method,
        )
        with self._lock:
            self._plans[plan.id] = plan
        return plan

    def create_usage_plan_key(self, plan: UsagePlan | str, key: ApiKey | str) -> None:
        """Put the key in the plan (CreateUsagePlanKey)."""
        found_plan, found_key = self._plan(plan), self._key(key)
        with self._lock:
            for other in self._plans.values():
                if other is not found_plan and found_key.id in other.key_ids:
                    shared = set(other.api_stages) & set(found_plan.api_stages)
                    if shared:
                        raise ValueError(
                            f"API key {found_key.name!r} is already in usage plan "
                            f"{other.name!r} for stage {sorted(shared)[0]}"
                        )
            if found_key.id not in found_plan.key_ids:
                found_plan.key_ids.append(found_key.id)

    def keys(self) -> list[ApiKey]:
        with self._lock:
            return list(self._keys.values())

    def plans(self) -> list[UsagePlan]:
        with self._lock:
            return list(self._plans.values())

    def usage(self, plan: UsagePlan | str, key: ApiKey | str) -> dict[str, int | None]:
        """Requests counted against the key's quota in the current period, and what is left."""
        found_plan, found_key = self._plan(plan), self._key(key)
        used = self._used_now(found_plan, found_key.id)
        limit = found_plan.quota.limit if found_plan.quota else None
        return {"used": used, "remaining": None if limit is None else max(0, limit - used)}

    # -- the data plane -------------------------------------------------------------------
    def check(self, value: str | None, api_id: str, stage: str, route_key: str) -> KeyVerdict:
        """The verdict for a request to a method that requires an API key."""
        forbidden = KeyVerdict(403, "Forbidden", "ForbiddenException")
        with self._lock:
            key = next((k for k in self._keys.values() if k.value == value), None)
            if not value or key is None or not key.enabled:
                return forbidden
            plan = next(
                (
                    p
                    for p in self._plans.values()
                    if key.id in p.key_ids and p.covers(api_id, stage)
                ),
                None,
            )
        if plan is None:
            return forbidden
        throttle = plan.method_throttle.get(route_key, plan.throttle)
        if throttle is not None:
            bucket = self._buckets.get((plan.id, key.id, route_key), throttle)
            if not bucket.take():
                return KeyVerdict(429, "Too Many Requests", "TooManyRequestsException", key, plan)
        if plan.quota is not None and not self._count(plan, key.id):
            return KeyVerdict(429, "Limit Exceeded", "LimitExceededException", key, plan)
        return KeyVerdict(key=key, plan=plan)

    def _count(self, plan: UsagePlan, key_id: str) -> bool:
        assert plan.quota is not None
        since = period_start(self._now(), plan.quota.period)
        with self._lock:
            started, used = self._used.get((plan.id, key_id), (since, 0))
            if started != since:
                used = 0
            if used >= plan.quota.limit:
                return False
            self._used[(plan.id, key_id)] = (since, used + 1)
            return True

    def _used_now(self, plan: UsagePlan, key_id: str) -> int:
        if plan.quota is None:
            return 0
        since = period_start(self._now(), plan.quota.period)
        with self._lock:
            started, used = self._used.get((plan.id, key_id), (since, 0))
        return used if started == since else 0

    def _plan(self, plan: UsagePlan | str) -> UsagePlan:
        plan_id = plan.id if isinstance(plan, UsagePlan) else plan
        with self._lock:
            found = self._plans.get(plan_id)
        if found is None:
            raise KeyError(f"no usage plan {plan_id!r}")
        return found

    def _key(self, key: ApiKey | str) -> ApiKey:
        key_id = key.id if isinstance(key, ApiKey) else key
        with self._lock:
            found = self._keys.get(key_id)
        if found is None:
            raise KeyError(f"no API key {key_id!r}")
        return found
