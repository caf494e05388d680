"""Async connection pools, opened in a service's lifespan and closed there."""

from __future__ import annotations

from typing import TypeAlias

from psycopg import AsyncConnection
from psycopg.rows import DictRow, dict_row
from psycopg_pool import AsyncConnectionPool

# A pool whose connections return rows as dicts (what every service uses).
DictPool: TypeAlias = AsyncConnectionPool[AsyncConnection[DictRow]]


async def open_pool(url: str, *, min_size: int = 1, max_size: int = 10) -> DictPool:
    """Open a pool whose connections return rows as dicts."""
    pool: DictPool = AsyncConnectionPool(
        url,
        min_size=min_size,
        max_size=max_size,
        open=False,
        connection_class=AsyncConnection[DictRow],
        kwargs={"row_factory": dict_row, "autocommit": True},
    )
    await pool.open(wait=True, timeout=30)
    return pool
