"""Sessions: their metadata as agents report it, the phone's views of them, and their event log
(messages, status and permission events, replayed by seq for the SSE streams)."""

from __future__ import annotations

from mesh_protocol import SessionInfo
from solo_brain.mesh.lookup import Candidate
from solo_brain.mesh.store import Conn, Pool, Row, StreamEvent, add_event, jsonable, lock_session
from solo_brain.mesh.store.messages import MESSAGE_COLUMNS, message_json

# Claude Code records the branch as "HEAD" outside a git repository (and on a detached HEAD):
# that is no branch, so the phone is shown none.
SESSION_COLUMNS = """s.id, a.name AS agent, s.agent_id, a.online AS agent_online, s.project,
    s.cwd, s.title, NULLIF(s.git_branch, 'HEAD') AS git_branch, s.last_msg_at, s.status, s.live,
    s.terminal_waiting, s.permission_mode"""
# Fields of a session whose change is worth a `status` event (not last_msg_at: messages say it).
STATUS_FIELDS = ("status", "live", "title", "project", "cwd", "git_branch", "terminal_waiting",
                 "permission_mode")  # fmt: skip
_PENDING = """COALESCE((
    SELECT jsonb_agg(jsonb_build_object('id', p.id, 'tool_name', p.tool_name, 'input', p.input,
                     'requested_at', p.requested_at, 'source', p.source,
                     'prompt_id', p.prompt_id) ORDER BY p.requested_at, p.id)
    FROM assistant.permissions p WHERE p.session_id = s.id AND p.state = 'pending'), '[]')
    AS pending_permissions"""


async def _session_json(conn: Conn, session_id: str) -> Row:
    cur = await conn.execute(
        f"""SELECT {SESSION_COLUMNS} FROM assistant.sessions s
            JOIN assistant.agents a ON a.id = s.agent_id WHERE s.id = %s""",  # noqa: S608
        (session_id,),
    )
    row = await cur.fetchone()
    assert row is not None
    return dict(row)


async def upsert_session(
    pool: Pool, agent_id: str, info: SessionInfo
) -> tuple[StreamEvent | None, Row | None]:
    """Store a session's metadata; return its status event (None if nothing shown changed)
    and the previous row (None when the session is new)."""
    async with pool.connection() as conn, conn.transaction():
        # No wait for the disk: a `session` frame is never acked, and the agent announces every
        # session again on its next connection (after a crash the hub lost, the socket drops).
        await conn.execute("SET LOCAL synchronous_commit = off")
        before = await lock_session(conn, info.session_id, agent_id)
        await conn.execute(
            """UPDATE assistant.sessions SET agent_id = %s, cwd = %s, project = %s, title = %s,
                   git_branch = %s, status = %s, live = %s, terminal_waiting = %s,
                   permission_mode = COALESCE(%s, permission_mode),
                   last_msg_at = GREATEST(last_msg_at, %s), updated_at = now()
               WHERE id = %s""",
            (
                agent_id,
                info.cwd,
                info.project,
                info.title,
                info.git_branch,
                info.status,
                info.live,
                info.terminal_waiting,
                info.permission_mode,
                info.last_msg_at,
                info.session_id,
            ),
        )
        after = await _session_json(conn, info.session_id)
        if before is not None and all(before[f] == after[f] for f in STATUS_FIELDS):
            return None, before
        return await add_event(conn, info.session_id, "status", jsonable(after)), before


async def session_exists(pool: Pool, session_id: str) -> bool:
    """Whether the hub knows this session."""
    async with pool.connection() as conn:
        cur = await conn.execute("SELECT 1 FROM assistant.sessions WHERE id = %s", (session_id,))
        return await cur.fetchone() is not None


async def list_sessions(pool: Pool, session_id: str | None = None) -> list[Row]:
    """Every session (or one), most recently active first, with its pending permissions."""
    where = "WHERE s.id = %(sid)s" if session_id else ""
    async with pool.connection() as conn:
        cur = await conn.execute(
            f"""SELECT {SESSION_COLUMNS}, {_PENDING}
                FROM assistant.sessions s JOIN assistant.agents a ON a.id = s.agent_id
                {where}
                ORDER BY s.last_msg_at DESC NULLS LAST, s.id""",  # noqa: S608
            {"sid": session_id},
        )
        return list(await cur.fetchall())


async def sessions_json(pool: Pool) -> bytes:
    """The whole session list as JSON, built by Postgres (3x faster than row by row)."""
    async with pool.connection() as conn:
        cur = await conn.execute(
            f"""SELECT COALESCE(json_agg(x), '[]')::text AS body FROM (
                    SELECT {SESSION_COLUMNS}, {_PENDING}
                    FROM assistant.sessions s JOIN assistant.agents a ON a.id = s.agent_id
                    ORDER BY s.last_msg_at DESC NULLS LAST, s.id) x"""  # noqa: S608
        )
        row = await cur.fetchone()
    assert row is not None
    return str(row["body"]).encode()


async def lookup_candidates(pool: Pool) -> list[Candidate]:
    """What every session can be called by."""
    async with pool.connection() as conn:
        cur = await conn.execute(
            "SELECT id, title, project, cwd, last_msg_at FROM assistant.sessions"
        )
        return [
            Candidate(r["id"], r["title"], r["project"], r["cwd"], r["last_msg_at"])
            for r in await cur.fetchall()
        ]


async def events_after(
    pool: Pool, session_id: str, after: int, limit: int = 1000
) -> list[StreamEvent]:
    """A session's events with seq > after, in order (messages, status, permissions; not the
    backfilled history of a transcript sent tail first: it is not new)."""
    args = {"sid": session_id, "after": after, "n": limit}
    async with pool.connection() as conn:
        cur = await conn.execute(
            f"""SELECT {MESSAGE_COLUMNS} FROM assistant.messages
                WHERE session_id = %(sid)s AND seq > %(after)s AND NOT history
                ORDER BY seq LIMIT %(n)s""",  # noqa: S608
            args,
        )
        events = [
            StreamEvent(int(r["seq"]), "message", message_json(r)) for r in await cur.fetchall()
        ]
        cur = await conn.execute(
            """SELECT seq, kind, data FROM assistant.mesh_events
               WHERE session_id = %(sid)s AND seq > %(after)s ORDER BY seq LIMIT %(n)s""",
            args,
        )
        events += [StreamEvent(int(r["seq"]), r["kind"], r["data"]) for r in await cur.fetchall()]
    events.sort(key=lambda e: e.seq)
    return events[:limit]


async def latest_seq(pool: Pool, session_id: str) -> int:
    """The seq of a session's latest event (0 when it has none)."""
    async with pool.connection() as conn:
        cur = await conn.execute(
            """SELECT GREATEST(
                   (SELECT max(seq) FROM assistant.messages WHERE session_id = %(sid)s),
                   (SELECT max(seq) FROM assistant.mesh_events WHERE session_id = %(sid)s), 0)
               AS seq""",
            {"sid": session_id},
        )
        row = await cur.fetchone()
    return int(row["seq"]) if row else 0
