"""A REST API the Lab serves: one listener for all its stages, and its configuration.

``lab.rest_api_gateway(...)`` returns one. ``door.api`` is the :class:`RestApi` to
configure (methods, authorizers, stages...); ``door.request(..., stage="dev")`` sends a
request to any stage in-process; ``door.url_for("dev")`` is where a browser reaches it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from lambda_lab.http.common import Exchange
from lambda_lab.http.rest_api import RestApi
from lambda_lab.http.served import ServedApi
from lambda_lab.http.server import public_url
from lambda_lab.http.usage_plans import UsagePlans


class ServedRestApi(ServedApi):
    """A REST API on ``http://127.0.0.1:<port>/<stage>/...``."""

    door: RestApi

    @property
    def api(self) -> RestApi:
        """The API's definition, deployments and stages (``put_method``, ``deploy``...)."""
        return self.door

    @property
    def usage_plans(self) -> UsagePlans:
        """The account's API keys and usage plans (shared by every API of the Lab)."""
        plans = self.door.services.usage_plans
        if plans is None:
            raise RuntimeError("this API was made without usage plans")
        return plans

    def url_for(self, stage: str) -> str:
        """The browser's URL of a stage (``url`` is the first stage's)."""
        self._known(stage)
        return public_url(self.port) + f"{stage}/"

    def local_url_for(self, stage: str) -> str:
        self._known(stage)
        return self.listener.local_url + f"{stage}/"

    def invoke_url_for(self, stage: str) -> str:
        """The invoke URL AWS would give the stage."""
        return f"https://{self.door.domain_name}/{stage}"

    def request(
        self,
        method: str,
        path: str = "/",
        headers: Iterable[tuple[str, str]] = (),
        body: bytes | str = b"",
        json: Any = None,
        *,
        stage: str | None = None,
    ) -> Exchange:
        """Send a request with no socket to ``stage`` (the first stage by default)."""
        if not path.startswith("/"):
            raise ValueError(f"path must start with '/' (got {path!r})")
        target = f"/{stage or self.door.stage}{path}"
        return self._transport.request(method, target, headers, body, json=json)

    def _known(self, stage: str) -> None:
        if stage not in self.door.stages:
            raise ValueError(f"no stage {stage!r}; stages: {sorted(self.door.stages)}")
