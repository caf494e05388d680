"""Prompts the phone sends to a session: recorded, handed to the agent once, tracked to the end."""

from __future__ import annotations

from mesh_protocol import PromptStatus
from solo_brain.errors import NotFound
from solo_brain.mesh.store import Pool, Row, audit

# A run's duration when the hub has not seen any prompt finish yet.
DEFAULT_ETA_S = 30


async def create_prompt(
    pool: Pool,
    session_id: str,
    text: str,
    *,
    voice_reply: bool,
    force: bool,
    actor: str,
    capture_id: str | None = None,
    idempotency_key: str | None = None,
) -> Row:
    """Record a prompt for a session (state queued) and audit it; NotFound for a new session.

    A prompt already recorded under `idempotency_key` is returned as it is, with "existing"."""
    async with pool.connection() as conn, conn.transaction():
        cur = await conn.execute(
            """INSERT INTO assistant.prompts (id, session_id, text, voice_reply, force, created_by,
                                              capture_id, idempotency_key)
               SELECT 'prm_' || assistant.new_ulid(), s.id, %s, %s, %s, %s,
                      (SELECT c.id FROM assistant.captures c WHERE c.id = %s), %s
               FROM assistant.sessions s WHERE s.id = %s
               ON CONFLICT (idempotency_key) DO NOTHING
               RETURNING id, session_id, text, voice_reply, force, state""",
            (text, voice_reply, force, actor, capture_id, idempotency_key, session_id),
        )
        row = await cur.fetchone()
        if row is None and idempotency_key is not None:
            cur = await conn.execute(
                """SELECT id, session_id, text, voice_reply, force, state,
                          delivered_at IS NOT NULL AS delivered, true AS existing
                   FROM assistant.prompts WHERE idempotency_key = %s""",
                (idempotency_key,),
            )
            if (found := await cur.fetchone()) is not None:
                return dict(found)
        if row is None:
            raise NotFound(f"no session {session_id}")
        detail = {"session_id": session_id, "text": text[:2000], "force": force}
        await audit(conn, actor, "prompt.created", row["id"], detail)
    return dict(row)


async def claim_delivery(pool: Pool, prompt_id: str) -> bool:
    """Mark a waiting prompt as delivered; False when another caller claimed it first."""
    async with pool.connection() as conn:
        cur = await conn.execute(
            "UPDATE assistant.prompts SET delivered_at = now() "
            "WHERE id = %s AND delivered_at IS NULL AND state = 'queued' RETURNING id",
            (prompt_id,),
        )
        return await cur.fetchone() is not None


async def release_delivery(pool: Pool, prompt_id: str) -> None:
    """Undo a claim whose frame could not be sent (the prompt waits again)."""
    async with pool.connection() as conn:
        await conn.execute(
            "UPDATE assistant.prompts SET delivered_at = NULL WHERE id = %s AND state = 'queued'",
            (prompt_id,),
        )


async def held_prompts(pool: Pool, agent_id: str) -> list[Row]:
    """Undelivered prompts of an agent's sessions, oldest first, with the session's `live`."""
    async with pool.connection() as conn:
        cur = await conn.execute(
            """SELECT p.id, p.session_id, p.text, p.force, s.live
               FROM assistant.prompts p JOIN assistant.sessions s ON s.id = p.session_id
               WHERE s.agent_id = %s AND p.delivered_at IS NULL AND p.state = 'queued'
               ORDER BY p.created_at, p.id""",
            (agent_id,),
        )
        return list(await cur.fetchall())


async def update_prompt(pool: Pool, agent_id: str, status: PromptStatus) -> Row | None:
    """Apply an agent's prompt_status to a prompt of one of its sessions; return the prompt
    (with its session's title) or None when the agent has no such prompt."""
    async with pool.connection() as conn:
        cur = await conn.execute(
            """UPDATE assistant.prompts p SET state = %(state)s, error = %(error)s,
                   delivered_at = COALESCE(p.delivered_at, now()),
                   started_at = CASE WHEN %(state)s = 'running'
                                     THEN COALESCE(p.started_at, now()) ELSE p.started_at END,
                   finished_at = CASE WHEN %(state)s IN ('done', 'failed') THEN now() END
               FROM assistant.sessions s
               WHERE p.id = %(id)s AND s.id = p.session_id AND s.agent_id = %(agent)s
               RETURNING p.id, p.session_id, p.text, p.voice_reply, p.state, p.error, s.title,
                         p.capture_id""",
            {
                "state": status.state,
                "error": status.error,
                "id": status.prompt_id,
                "agent": agent_id,
            },
        )
        row = await cur.fetchone()
    return dict(row) if row else None


async def eta_seconds(pool: Pool) -> int:
    """Median duration of the last 20 finished prompts, or DEFAULT_ETA_S when none finished."""
    async with pool.connection() as conn:
        cur = await conn.execute(
            """SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY d) AS eta FROM (
                   SELECT extract(epoch FROM finished_at - delivered_at) AS d
                   FROM assistant.prompts
                   WHERE state = 'done' AND delivered_at IS NOT NULL AND finished_at IS NOT NULL
                   ORDER BY finished_at DESC LIMIT 20) t"""
        )
        row = await cur.fetchone()
    eta = row["eta"] if row else None
    return DEFAULT_ETA_S if eta is None else max(1, round(float(eta)))


async def recent_prompts(pool: Pool, session_id: str, limit: int) -> list[Row]:
    """The session's latest prompts from the phone, newest first; NotFound for no session."""
    async with pool.connection() as conn:
        cur = await conn.execute("SELECT 1 FROM assistant.sessions WHERE id = %s", (session_id,))
        if await cur.fetchone() is None:
            raise NotFound(f"no session {session_id}")
        cur = await conn.execute(
            """SELECT id, text, voice_reply, force, state, error, created_by, created_at,
                      started_at, finished_at
               FROM assistant.prompts WHERE session_id = %s
               ORDER BY created_at DESC, id DESC LIMIT %s""",
            (session_id, limit),
        )
        return list(await cur.fetchall())
