"""What a client briefing reads from Postgres: the catalog with the clients' e-mail domains, and
the facts of one client (`assistant.client_briefing_facts`)."""

from __future__ import annotations

import json
from datetime import date, datetime
from zoneinfo import ZoneInfo

from solo_brain.catalog import Client, Project
from solo_brain.classify.catalog_index import CONNECTION_TIMEOUT_S, CatalogIndex
from solo_brain.classify.client_briefing import Facts
from solo_brain.db.pool import DictPool

_CLIENTS = "SELECT id, name, aliases, domains FROM assistant.clients ORDER BY id"
_PROJECTS = "SELECT slug, name, client_id, aliases FROM assistant.projects ORDER BY slug"
_FACTS = "SELECT assistant.client_briefing_facts(%s::jsonb) AS facts"


async def load_briefing_catalog(pool: DictPool) -> CatalogIndex:
    """Every client (with its domains) and project, as they are now."""
    async with pool.connection(timeout=CONNECTION_TIMEOUT_S) as conn:
        clients = await (await conn.execute(_CLIENTS)).fetchall()
        projects = await (await conn.execute(_PROJECTS)).fetchall()
    return CatalogIndex(
        projects=tuple(Project(**row) for row in projects),
        clients=tuple(Client(**row) for row in clients),
    )


async def load_facts(pool: DictPool, client_id: str, day: date, tz: str) -> Facts:
    """The client's actions due by `day`, its other open actions and its last notes (their dates
    in `tz`)."""
    query = json.dumps({"client_id": client_id, "day": day.isoformat()})
    async with pool.connection(timeout=CONNECTION_TIMEOUT_S) as conn:
        row = await (await conn.execute(_FACTS, (query,))).fetchone()
    found = row["facts"] if row else {}
    zone = ZoneInfo(tz)
    return Facts(
        due=[(a["text"], date.fromisoformat(a["due"])) for a in found.get("due", [])],
        open=[
            (a["text"], date.fromisoformat(a["due"]) if a["due"] else None)
            for a in found.get("open", [])
        ],
        open_count=int(found.get("open_count", 0)),
        notes=[
            (datetime.fromisoformat(n["at"]).astimezone(zone).date(), n["summary"])
            for n in found.get("notes", [])
        ],
    )
