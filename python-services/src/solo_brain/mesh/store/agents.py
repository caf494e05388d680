"""Agents: the machines running mesh-agent, their online state and their acknowledged offsets."""

from __future__ import annotations

from mesh_protocol import Hello, ack_key
from solo_brain.mesh.store import Pool, Row


async def upsert_agent(pool: Pool, hello: Hello, token_id: str) -> str:
    """Record an agent's hello (created on its first); return its id."""
    async with pool.connection() as conn:
        cur = await conn.execute(
            """INSERT INTO assistant.agents (id, name, hostname, version, token_id, last_seen)
               VALUES ('agt_' || assistant.new_ulid(), %s, %s, %s, %s, now())
               ON CONFLICT (name) DO UPDATE SET hostname = EXCLUDED.hostname,
                   version = EXCLUDED.version, token_id = EXCLUDED.token_id, last_seen = now()
               RETURNING id""",
            (hello.agent, hello.hostname, hello.version, token_id),
        )
        row = await cur.fetchone()
    assert row is not None
    return str(row["id"])


async def set_agent_online(pool: Pool, agent_id: str, online: bool) -> None:
    """Mark an agent online or offline, and seen now."""
    async with pool.connection() as conn:
        await conn.execute(
            "UPDATE assistant.agents SET online = %s, last_seen = now() WHERE id = %s",
            (online, agent_id),
        )


async def seen(pool: Pool, agent_id: str) -> None:
    """Mark an agent seen now, durably: this commit waits for the WAL flush, which puts every
    earlier commit on disk too (the asynchronous ones of `store_messages` among them)."""
    async with pool.connection() as conn:
        await conn.execute(
            "UPDATE assistant.agents SET last_seen = now() WHERE id = %s", (agent_id,)
        )


async def mark_all_agents_offline(pool: Pool) -> None:
    """At start no agent is connected to this hub, whatever the table says."""
    async with pool.connection() as conn:
        await conn.execute("UPDATE assistant.agents SET online = false WHERE online")


async def agent_acks(pool: Pool, agent_id: str) -> dict[str, int]:
    """The committed byte offset of every file of an agent, keyed as in Welcome.acks."""
    async with pool.connection() as conn:
        cur = await conn.execute(
            'SELECT session_id, file, "offset" FROM assistant.mesh_offsets WHERE agent_id = %s',
            (agent_id,),
        )
        rows = await cur.fetchall()
    return {ack_key(r["session_id"], r["file"]): int(r["offset"]) for r in rows}


async def list_agents(pool: Pool) -> list[Row]:
    """Every agent with its number of sessions, by name."""
    async with pool.connection() as conn:
        cur = await conn.execute(
            """SELECT a.id, a.name, a.hostname, a.version, a.online, a.last_seen,
                      (SELECT count(*) FROM assistant.sessions s WHERE s.agent_id = a.id)
                      AS sessions
               FROM assistant.agents a ORDER BY a.name"""
        )
        return list(await cur.fetchall())
