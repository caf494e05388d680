"""Async connection pools, opened in a service's lifespan and closed there.

A plain psycopg pool makes every caller wait its whole timeout (30 s) for a connection while
Postgres is down, and hands out dead connections after Postgres restarted. `ServicePool` checks
each connection it gives (a round trip only when its socket is not quiet: a Postgres that went
away has closed it), and once it has seen the database go away it asks Postgres directly
(one connection attempt, a few milliseconds on a socket that refuses) before making a caller
wait: while the database is down every caller gets `DatabaseDown` at once, and the services
answer 503 `database_unavailable` (see `solo_brain.errors`).
"""

from __future__ import annotations

import logging
import select
from typing import Any, TypeAlias

import psycopg
from psycopg import AsyncConnection
from psycopg.pq import TransactionStatus
from psycopg.rows import DictRow, dict_row
from psycopg_pool import AsyncConnectionPool, PoolTimeout

log = logging.getLogger(__name__)

# How long a caller may wait for a free connection, and how long a direct connection attempt
# may take, before the service answers 503.
WAIT_S = 5.0
PROBE_TIMEOUT_S = 2
# While Postgres is down the pool retries with a growing delay; giving up after this long lets
# the next caller start a fresh attempt, so a restarted Postgres is used again within seconds.
RECONNECT_S = 10.0


class DatabaseDown(PoolTimeout):
    """Postgres does not accept connections (checked just now)."""


class ServicePool(AsyncConnectionPool[AsyncConnection[DictRow]]):
    """A pool that says at once that the database is down instead of making callers wait."""

    def __init__(self, url: str, **options: Any) -> None:
        super().__init__(url, **options)
        self.down = False

    async def getconn(
        self,
        timeout: float | None = None,  # noqa: ASYNC109 - psycopg_pool's signature
    ) -> AsyncConnection[DictRow]:
        """A working connection; DatabaseDown at once while Postgres refuses connections."""
        for _ in range(self.max_size + 1):
            if self.down:
                await self._probe()
            try:
                conn = await super().getconn(timeout)
            except PoolTimeout:
                await self._probe()  # DatabaseDown when that is why no connection came
                raise
            if not self.down and _quiet(conn):
                return conn
            try:
                await self.check_connection(conn)
            except psycopg.Error:
                self.down = True  # a dead connection: Postgres went away, at least for a while
                await self.putconn(conn)  # the pool discards it and connects again
                continue
            self.down = False
            return conn
        raise DatabaseDown("every pooled connection was dead")

    async def _probe(self) -> None:
        """Connect once, directly: DatabaseDown if Postgres refuses."""
        try:
            conn = await AsyncConnection.connect(
                str(self.conninfo), connect_timeout=PROBE_TIMEOUT_S, autocommit=True
            )
        except psycopg.OperationalError as exc:
            self.down = True
            raise DatabaseDown(f"the database does not answer: {exc}") from exc
        await conn.close()
        self.down = False


def _quiet(conn: AsyncConnection[Any]) -> bool:
    """Whether an idle connection's socket has nothing to read, so that it needs no round trip
    to check it: a Postgres that stops or dies sends its FATAL and closes, which makes the
    socket readable (a notification does too: it then gets the full check)."""
    if conn.closed or conn.info.transaction_status != TransactionStatus.IDLE:
        return False
    try:
        poller = select.poll()
        poller.register(conn.fileno(), select.POLLIN | select.POLLPRI)
        return not poller.poll(0)
    except (OSError, ValueError, psycopg.Error):  # no socket: let the full check decide
        return False


# A pool whose connections return rows as dicts (what every service uses).
DictPool: TypeAlias = AsyncConnectionPool[AsyncConnection[DictRow]]


async def open_pool(
    url: str, *, min_size: int = 1, max_size: int = 10, wait_s: float = WAIT_S
) -> DictPool:
    """Open a pool whose connections return rows as dicts (ServicePool: fails fast when down)."""
    pool = ServicePool(
        url,
        min_size=min_size,
        max_size=max_size,
        open=False,
        timeout=wait_s,
        reconnect_timeout=RECONNECT_S,
        connection_class=AsyncConnection[DictRow],
        kwargs={"row_factory": dict_row, "autocommit": True},
    )
    await pool.open(wait=True, timeout=30)
    return pool
