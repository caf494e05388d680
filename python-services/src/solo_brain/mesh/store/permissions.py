"""Permissions: tool calls waiting for the phone's decision, decided, or expired.

A permission change is also an event of its session's stream (kind `permission`), appended in
the same transaction as the change, under the session's row lock.
"""

from __future__ import annotations

from typing import Any

from psycopg.types.json import Jsonb

from mesh_protocol import PermissionRequest
from solo_brain.errors import Conflict, NotFound
from solo_brain.mesh.store import (
    Pool,
    Row,
    StreamEvent,
    add_event,
    audit,
    jsonable,
    lock_session,
)

PERMISSION_COLUMNS = """id, session_id, prompt_id, tool_name, input, source, state, message,
    requested_at, decided_at, decided_by, terminal_decision"""
# States a permission leaves when the agent reports it ended without applying the hub's
# decision: still pending, or decided by the phone after the agent had stopped waiting.
_UNAPPLIED = ("pending", "approved", "denied")


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
