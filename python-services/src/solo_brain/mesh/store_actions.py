"""Postgres side of what the phone asks: prompts, permission decisions and the audit log.

A permission change is also an event of its session's stream (kind `permission`), appended in
the same transaction as the change, under the session's row lock.
"""

from __future__ import annotations

from typing import Any

from psycopg.types.json import Jsonb

from mesh_agent.protocol import PermissionRequest, PromptStatus
from solo_brain.errors import NotFound, ServiceError
from solo_brain.mesh.store import Conn, Pool, Row, StreamEvent, add_event, jsonable, lock_session

# A run's duration when the hub has not seen any prompt finish yet.
DEFAULT_ETA_S = 30
PERMISSION_COLUMNS = """id, session_id, prompt_id, tool_name, input, source, state, message,
    requested_at, decided_at, decided_by, terminal_decision"""
# States a permission leaves when the agent reports it ended without applying the hub's
# decision: still pending, or decided by the phone after the agent had stopped waiting.
_UNAPPLIED = ("pending", "approved", "denied")


class Conflict(ServiceError):
    """The thing exists but is no longer in a state that allows this (e.g. already decided)."""

    status_code = 409
    code = "conflict"


async def audit(conn: Conn, actor: str, action: str, subject: str, detail: dict[str, Any]) -> None:
    """Append one line to assistant.audit_log."""
    await conn.execute(
        "INSERT INTO assistant.audit_log (actor, action, subject, detail) VALUES (%s, %s, %s, %s)",
        (actor, action, subject, Jsonb(detail)),
    )


# --- prompts -------------------------------------------------------------------------------


async def create_prompt(
    pool: Pool,
    session_id: str,
    text: str,
    *,
    voice_reply: bool,
    force: bool,
    actor: str,
) -> Row:
    """Record a prompt for a session (state queued) and audit it; NotFound for a new session."""
    async with pool.connection() as conn, conn.transaction():
        cur = await conn.execute(
            """INSERT INTO assistant.prompts (id, session_id, text, voice_reply, force, created_by)
               SELECT 'prm_' || assistant.new_ulid(), s.id, %s, %s, %s, %s
               FROM assistant.sessions s WHERE s.id = %s
               RETURNING id, session_id, text, voice_reply, force, state""",
            (text, voice_reply, force, actor, session_id),
        )
        row = await cur.fetchone()
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
               RETURNING p.id, p.session_id, p.text, p.voice_reply, p.state, p.error, s.title""",
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


# --- permissions ---------------------------------------------------------------------------


def permission_json(row: Row) -> dict[str, Any]:
    """The API (and event) shape of a permission."""
    return jsonable(row)


async def upsert_permission(
    pool: Pool, agent_id: str, request: PermissionRequest
) -> tuple[StreamEvent | None, Row]:
    """Record a pending permission; a known id changes nothing. Return the event (None when
    the permission was known) and the stored permission."""
    async with pool.connection() as conn, conn.transaction():
        await lock_session(conn, request.session_id, agent_id)
        cur = await conn.execute(
            f"""INSERT INTO assistant.permissions (id, session_id, prompt_id, tool_name, input,
                                                   source)
                VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (id) DO NOTHING
                RETURNING {PERMISSION_COLUMNS}""",  # noqa: S608
            (
                request.permission_id,
                request.session_id,
                request.prompt_id,
                request.tool_name,
                Jsonb(request.input),
                request.source,
            ),
        )
        row = await cur.fetchone()
        if row is None:
            cur = await conn.execute(
                f"SELECT {PERMISSION_COLUMNS} FROM assistant.permissions WHERE id = %s",  # noqa: S608
                (request.permission_id,),
            )
            known = await cur.fetchone()
            assert known is not None
            return None, dict(known)
        data = permission_json(row)
        return await add_event(conn, request.session_id, "permission", data), dict(row)


async def decide_permission(
    pool: Pool,
    session_id: str,
    permission_id: str,
    *,
    approve: bool,
    message: str | None,
    actor: str,
) -> tuple[StreamEvent, Row]:
    """Approve or deny a pending permission of a session, audited; NotFound or Conflict."""
    state = "approved" if approve else "denied"
    async with pool.connection() as conn, conn.transaction():
        cur = await conn.execute(
            "SELECT agent_id FROM assistant.sessions WHERE id = %s FOR UPDATE", (session_id,)
        )
        session = await cur.fetchone()
        if session is None:
            raise NotFound(f"no session {session_id}")
        cur = await conn.execute(
            f"""SELECT {PERMISSION_COLUMNS} FROM assistant.permissions
                WHERE id = %s AND session_id = %s""",  # noqa: S608
            (permission_id, session_id),
        )
        current = await cur.fetchone()
        if current is None:
            raise NotFound(f"no permission {permission_id} in session {session_id}")
        if current["state"] != "pending":
            raise Conflict(_not_pending(current), state=current["state"])
        cur = await conn.execute(
            f"""UPDATE assistant.permissions SET state = %s, message = %s, decided_at = now(),
                    decided_by = %s WHERE id = %s RETURNING {PERMISSION_COLUMNS}""",  # noqa: S608
            (state, message, actor, permission_id),
        )
        row = await cur.fetchone()
        assert row is not None
        detail = {"session_id": session_id, "tool_name": row["tool_name"], "message": message}
        await audit(conn, actor, f"permission.{state}", permission_id, detail)
        event = await add_event(conn, session_id, "permission", permission_json(row))
    return event, {**row, "agent_id": session["agent_id"]}


async def permission_owner(pool: Pool, permission_id: str) -> Row | None:
    """The session and agent of a permission, or None when unknown."""
    async with pool.connection() as conn:
        cur = await conn.execute(
            """SELECT p.session_id, s.agent_id, p.state FROM assistant.permissions p
               JOIN assistant.sessions s ON s.id = p.session_id WHERE p.id = %s""",
            (permission_id,),
        )
        return await cur.fetchone()


async def expire_permission(
    pool: Pool, session_id: str, permission_id: str, reason: str
) -> StreamEvent | None:
    """End a permission the agent stopped waiting for (nobody decided in time, the hook gave
    up); return its event, or None when it had already ended."""
    return await end_permission(pool, session_id, permission_id, state="expired", message=reason)


async def end_permission(
    pool: Pool,
    session_id: str,
    permission_id: str,
    *,
    state: str,
    message: str | None,
    terminal_decision: str | None = None,
) -> StreamEvent | None:
    """Record how a permission ended without the hub's decision being applied (`expired`, or
    `answered_in_terminal`): a phone decision that came too late is overridden. Return the
    permission's event, or None when it had already ended."""
    async with pool.connection() as conn, conn.transaction():
        await conn.execute(
            "SELECT 1 FROM assistant.sessions WHERE id = %s FOR UPDATE", (session_id,)
        )
        cur = await conn.execute(
            f"""UPDATE assistant.permissions SET state = %s, message = %s,
                    terminal_decision = %s, decided_at = now(),
                    decided_by = CASE WHEN %s = 'answered_in_terminal' THEN 'terminal' END
                WHERE id = %s AND session_id = %s AND state = ANY(%s)
                RETURNING {PERMISSION_COLUMNS}""",  # noqa: S608
            (
                state,
                message,
                terminal_decision,
                state,
                permission_id,
                session_id,
                list(_UNAPPLIED),
            ),
        )
        row = await cur.fetchone()
        if row is None:
            return None
        return await add_event(conn, session_id, "permission", permission_json(row))


def _not_pending(permission: Row) -> str:
    """Why a permission can no longer be decided, in a sentence."""
    pid, state = permission["id"], permission["state"]
    if state == "answered_in_terminal":
        how = {"allow": " (allowed)", "deny": " (refused)"}.get(permission["terminal_decision"], "")
        return f"permission {pid} was already answered in the terminal{how}"
    if state == "expired":
        return f"permission {pid} has expired: nobody decided in time or the terminal took over"
    return f"permission {pid} is already {state}"


async def stale_permissions(pool: Pool, older_than_s: float) -> list[Row]:
    """Permissions pending for longer than `older_than_s` seconds, with session and agent."""
    async with pool.connection() as conn:
        cur = await conn.execute(
            """SELECT p.id, p.session_id, s.agent_id FROM assistant.permissions p
               JOIN assistant.sessions s ON s.id = p.session_id
               WHERE p.state = 'pending' AND p.requested_at < now() - make_interval(secs => %s)
               ORDER BY p.requested_at""",
            (older_than_s,),
        )
        return list(await cur.fetchall())
