"""Database connections at Lambda's scale, with and without RDS Proxy.

The usual pattern opens a database connection in the function's init code and keeps it in a
global: each **execution environment** then holds one connection for as long as it lives,
busy or idle (idle environments stay warm for minutes). A database accepts at most
``max_connections``; environments beyond that fail to connect, and their requests fail.

**RDS Proxy** sits between them: every environment connects to the proxy, and the proxy
keeps a pool of database connections (at most ``MaxConnectionsPercent`` of the database's
``max_connections``), lending one to a client only while it runs a query or transaction.
The database then sees roughly the number of queries in progress, not the number of
environments; clients that find the pool busy wait for a connection (up to the proxy's
``ConnectionBorrowTimeout``, 120 s by default) instead of being refused.

This module turns the simulator's timeline (environments alive, requests in flight) into
those connection counts. Its assumptions are stated in the names: one connection per
environment without a proxy; a query holding a pooled connection for ``query_share`` of each
request's duration with one; no session pinning.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from lambda_lab.simulate.api import simulate
from lambda_lab.simulate.arrivals import Steady
from lambda_lab.simulate.config import FunctionConfig
from lambda_lab.simulate.result import Result


@dataclass(frozen=True)
class Database:
    """The database's limit: ``max_connections`` (on RDS it follows the instance's memory)."""

    max_connections: int

    def __post_init__(self) -> None:
        if not isinstance(self.max_connections, int) or self.max_connections < 1:
            raise ValueError(
                f"max_connections must be a whole number >= 1 (got {self.max_connections!r})"
            )


@dataclass(frozen=True)
class Proxy:
    """RDS Proxy settings: the share of ``max_connections`` its pool may use."""

    max_connections_percent: int = 100

    def __post_init__(self) -> None:
        if not 1 <= self.max_connections_percent <= 100:
            raise ValueError(
                f"MaxConnectionsPercent must be 1-100 (got {self.max_connections_percent!r})"
            )

    def pool(self, database: Database) -> int:
        return max(1, database.max_connections * self.max_connections_percent // 100)


@dataclass(frozen=True)
class Connections:
    """The database at one moment."""

    time: float
    environments: int  # execution environments alive (each holds a client connection)
    in_flight: int  # requests running
    database_connections: int  # what the database sees
    refused: int  # environments whose connection the database refused (no proxy)
    waiting: int  # requests waiting for a pooled connection (proxy)


def connections(
    result: Result, database: Database, proxy: Proxy | None = None, query_share: float = 1.0
) -> list[Connections]:
    """The database's connections at each sample of a simulation."""
    if not 0 < query_share <= 1:
        raise ValueError(f"query_share must be in (0, 1] (got {query_share!r})")
    found = []
    for sample in result.timeline:
        if proxy is None:
            used = min(sample.environments, database.max_connections)
            refused = sample.environments - used
            waiting = 0
        else:
            wanted = math.ceil(sample.concurrency * query_share)
            used = min(wanted, proxy.pool(database))
            refused, waiting = 0, wanted - used
        found.append(
            Connections(
                sample.time, sample.environments, sample.concurrency, used, refused, waiting
            )
        )
    return found


@dataclass(frozen=True)
class Level:
    """One row of :func:`by_concurrency`: a steady load and what the database saw."""

    concurrency: int
    without_proxy: int  # connections the environments asked for (peak)
    refused_without_proxy: int
    with_proxy: int  # database connections through the proxy (peak)
    waiting_with_proxy: int


def by_concurrency(
    levels: list[int],
    database: Database,
    proxy: Proxy | None = None,
    *,
    duration_ms: float = 200.0,
    query_share: float = 0.25,
    seconds: float = 30.0,
    settle_s: float = 5.0,
) -> list[Level]:
    """Steady loads that keep about ``levels`` requests in flight, simulated for ``seconds``:
    the most connections with and without the proxy once the first ``settle_s`` seconds
    (the cold starts of the ramp-up) are over."""
    proxy = proxy or Proxy()
    rows = []
    for level in levels:
        function = FunctionConfig("db-app", duration=duration_ms, cold_start=300.0)
        rate = level * 1000 / duration_ms
        result = simulate(function, Steady("db-app", rate, seconds), sample_every_s=0.25)
        plain = [c for c in connections(result, database) if c.time >= settle_s]
        pooled = [
            c for c in connections(result, database, proxy, query_share) if c.time >= settle_s
        ]
        rows.append(
            Level(
                level,
                max(c.database_connections + c.refused for c in plain),
                max(c.refused for c in plain),
                max(c.database_connections for c in pooled),
                max(c.waiting for c in pooled),
            )
        )
    return rows
