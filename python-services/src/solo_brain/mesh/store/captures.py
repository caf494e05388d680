"""The inbox: captures listed, searched (French full text, accents folded), read with their
actions, deliveries and audit trail, re-classified by hand, and taken again.

The capture lifecycle's SQL functions own what this shows and does: `assistant.deliveries` says
where a capture went (an action's calendar event, `stored_in`), `reclassify_capture`,
`retry_capture` and `retry_deliveries` change it (each audited, each planning its deliveries).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from psycopg import sql
from psycopg.types.json import Jsonb

from solo_brain.errors import Conflict, InvalidRequest, NotFound
from solo_brain.mesh.store import Conn, Pool

PENDING = ("pending_transcription", "pending_classification")
EXCERPT_CHARS = 280
# A capture taken again from the phone is leased like retry-pending's claims, so that the
# schedule does not take it a second time while n8n works on it.
RETRY_LEASE_S = 300

_ACTIONS = """COALESCE((SELECT jsonb_agg(jsonb_build_object('id', a.id, 'text', a.text,
    'due', a.due, 'due_time', to_char(a.due_time, 'HH24:MI'), 'due_phrase', a.due_phrase,
    'done', a.done,
    'calendar_event_id', assistant.action_event_id(a.id)) ORDER BY a.position, a.id)
    FROM assistant.actions a WHERE a.capture_id = c.id), '[]'::jsonb) AS actions"""
_DELIVERY_COUNTS = """COALESCE((SELECT jsonb_object_agg(state, n) FROM (
    SELECT d.state, count(*) AS n FROM assistant.deliveries d WHERE d.capture_id = c.id
    GROUP BY d.state) x), '{}'::jsonb) AS deliveries"""
_LIST_COLUMNS = f"""c.id AS capture_id, c.created_at, c.updated_at, c.channel, c.mode, c.status,
    c.category, c.project, c.client_id, c.summary, c.needs_review, c.last_error,
    c.audio_ref IS NOT NULL AS has_audio,
    left(COALESCE(c.transcript, c.text, ''), {EXCERPT_CHARS}) AS excerpt, {_ACTIONS}"""
_DETAIL_COLUMNS = f"""c.id AS capture_id, c.created_at, c.updated_at, c.channel, c.mode,
    c.status, c.category, c.project, c.client_id, c.summary, c.transcript, c.text, c.hint,
    c.language, c.duration_s, c.public, c.classifier, c.needs_review, c.cc_prompt, c.speech,
    c.tts_url, assistant.capture_stored_in(c.id) AS stored_in, c.attempts, c.last_error,
    c.next_attempt_at, c.failed_at, c.audio_ref IS NOT NULL AS has_audio, {_ACTIONS}"""
# Both sides are GIN-indexed expressions; the query is a constant, so each side is one bitmap
# index scan (an OR over a correlated EXISTS would filter every capture, seconds on 20 000).
_SEARCH = """c.id IN (SELECT x.id FROM assistant.captures x
    WHERE assistant.french_search_vector(assistant.capture_search_text(x.transcript, x.text,
          x.summary)) @@ assistant.french_search_query({q})
    UNION SELECT a.capture_id FROM assistant.actions a
    WHERE assistant.french_search_vector(a.text) @@ assistant.french_search_query({q}))"""


@dataclass(frozen=True)
class InboxFilter:
    """What the inbox list is narrowed to (None: no narrowing)."""

    status: str | None = None
    category: str | None = None
    project: str | None = None
    client: str | None = None
    q: str | None = None


def _status_clause(status: str) -> sql.Composable:
    if status == "pending":
        return sql.SQL("c.status = ANY({})").format(sql.Literal(list(PENDING)))
    if status == "needs_review":
        return sql.SQL("c.needs_review")
    if status == "delivery_failed":
        return sql.SQL("EXISTS (SELECT 1 FROM assistant.deliveries d "
                       "WHERE d.capture_id = c.id AND d.state = 'failed')")  # fmt: skip
    return sql.SQL("c.status = {}").format(sql.Literal(status))


async def list_captures(
    pool: Pool, where: InboxFilter, before: str | None, limit: int
) -> tuple[list[dict[str, Any]], str | None]:
    """A page of captures, newest first, and the `before` of the next page (None at the end)."""
    async with pool.connection() as conn:
        clauses: list[sql.Composable] = [sql.SQL("true")]
        if where.status:
            clauses.append(_status_clause(where.status))
        for column, value in (("category", where.category), ("project", where.project),
                              ("client_id", where.client)):  # fmt: skip
            if value:
                clauses.append(sql.SQL("c.{} = {}").format(sql.Identifier(column), value))
        if where.q and re.search(r"[^\W_]", where.q):
            clauses.append(sql.SQL(_SEARCH).format(q=where.q))
        if before:
            cur = await conn.execute(
                "SELECT created_at, id FROM assistant.captures WHERE id = %s", (before,)
            )
            edge = await cur.fetchone()
            if edge is None:
                raise InvalidRequest(f"unknown capture {before!r} for before=")
            clauses.append(sql.SQL("(c.created_at, c.id) < ({}, {})").format(
                edge["created_at"], edge["id"]))  # fmt: skip
        query = sql.SQL(
            "SELECT {columns}, {deliveries} FROM assistant.captures c WHERE {where} "
            "ORDER BY c.created_at DESC, c.id DESC LIMIT {limit}"
        ).format(
            columns=sql.SQL(_LIST_COLUMNS),
            deliveries=sql.SQL(_DELIVERY_COUNTS),
            where=sql.SQL(" AND ").join(clauses),
            limit=limit + 1,
        )
        cur = await conn.execute(query)
        rows = list(await cur.fetchall())
    more = len(rows) > limit
    page = rows[:limit]
    return page, (page[-1]["capture_id"] if more else None)


async def get_capture(pool: Pool, capture_id: str) -> dict[str, Any]:
    """One capture with its actions, deliveries and audit trail; NotFound otherwise."""
    async with pool.connection() as conn:
        cur = await conn.execute(
            f"SELECT {_DETAIL_COLUMNS} FROM assistant.captures c WHERE c.id = %s",  # noqa: S608
            (capture_id,),
        )
        capture = await cur.fetchone()
        if capture is None:
            raise NotFound(f"no capture {capture_id}")
        cur = await conn.execute(
            """SELECT id, action_id, kind, state, attempts, last_error, next_attempt_at,
                      external_ref, detail, created_at, updated_at, done_at
               FROM assistant.deliveries WHERE capture_id = %s ORDER BY created_at, id""",
            (capture_id,),
        )
        deliveries = list(await cur.fetchall())
        subjects = [capture_id, *(d["id"] for d in deliveries)]
        cur = await conn.execute(
            """SELECT at, actor, action, subject, detail FROM assistant.audit_log
               WHERE subject = ANY(%s) ORDER BY at, id""",
            (subjects,),
        )
        audit = list(await cur.fetchall())
    return {**capture, "deliveries": deliveries, "audit": audit}


async def audio_ref(pool: Pool, capture_id: str) -> str | None:
    """The ref of the capture's kept audio (None without audio); NotFound for no capture."""
    async with pool.connection() as conn:
        cur = await conn.execute(
            "SELECT audio_ref FROM assistant.captures WHERE id = %s", (capture_id,)
        )
        row = await cur.fetchone()
    if row is None:
        raise NotFound(f"no capture {capture_id}")
    return row["audio_ref"]


async def reclassify(
    pool: Pool, capture_id: str, change: dict[str, Any], actor: str, key: str | None = None
) -> bool:
    """Apply a manual re-classification (assistant.reclassify_capture, which audits it and plans
    the deliveries it implies) after checking it against the catalog and the capture's actions.

    `key` (the request's Idempotency-Key) is kept in the audit trail: the same key again changes
    nothing and returns False, so a request replayed after a lost answer is applied once."""
    async with pool.connection() as conn, conn.transaction():
        cur = await conn.execute(
            "SELECT id FROM assistant.captures WHERE id = %s FOR UPDATE", (capture_id,)
        )
        if await cur.fetchone() is None:
            raise NotFound(f"no capture {capture_id}")
        if key is not None:
            cur = await conn.execute(
                """SELECT 1 FROM assistant.audit_log WHERE subject = %s
                   AND action = 'capture.reclassified'
                   AND detail->'after'->>'idempotency_key' = %s""",
                (capture_id, key),
            )
            if await cur.fetchone() is not None:
                return False
            change = {**change, "idempotency_key": key}
        await _check_catalog(conn, change)
        if "actions" in change:
            cur = await conn.execute(
                "SELECT id FROM assistant.actions WHERE capture_id = %s", (capture_id,)
            )
            known = {r["id"] for r in await cur.fetchall()}
            strangers = [a["id"] for a in change["actions"] if a.get("id") not in (None, *known)]
            if strangers:
                raise InvalidRequest(f"actions {strangers} are not actions of {capture_id}")
        await conn.execute(
            "SELECT assistant.reclassify_capture(%s, %s, %s)", (capture_id, Jsonb(change), actor)
        )
    return True


async def _check_catalog(conn: Conn, change: dict[str, Any]) -> None:
    for key, table, column in (("project", "projects", "slug"), ("client_id", "clients", "id")):
        value = change.get(key)
        if value is None:
            continue
        cur = await conn.execute(
            sql.SQL("SELECT 1 FROM assistant.{} WHERE {} = %s").format(
                sql.Identifier(table), sql.Identifier(column)
            ),
            (value,),
        )
        if await cur.fetchone() is None:
            raise InvalidRequest(f"unknown {key.removesuffix('_id')} {value!r}: add it first")


async def retry(pool: Pool, capture_id: str, actor: str, *, lease: bool) -> dict[str, Any]:
    """Take a pending or failed capture again now (`retry_capture`: attempts reset, leased for
    RETRY_LEASE_S when `lease`), or a filed one's failed and skipped deliveries
    (`retry_deliveries`); return `{capture_id, status, redo: filing | deliveries}`. Conflict when
    nothing is left to do."""
    async with pool.connection() as conn, conn.transaction():
        cur = await conn.execute(
            "SELECT status FROM assistant.captures WHERE id = %s FOR UPDATE", (capture_id,)
        )
        capture = await cur.fetchone()
        if capture is None:
            raise NotFound(f"no capture {capture_id}")
        ask: dict[str, Any] = {"capture_id": capture_id, "actor": actor}
        if capture["status"] != "filed":
            ask["lease_s"] = RETRY_LEASE_S if lease else 0
            cur = await conn.execute("SELECT assistant.retry_capture(%s) AS c", (Jsonb(ask),))
            taken = await cur.fetchone()
            status = taken["c"]["status"] if taken else capture["status"]
            return {"capture_id": capture_id, "status": status, "redo": "filing"}
        cur = await conn.execute("SELECT assistant.retry_deliveries(%s) AS n", (Jsonb(ask),))
        retried = await cur.fetchone()
    if not (retried and retried["n"]):
        raise Conflict(f"nothing to retry: {capture_id} is filed and none of its deliveries "
                       "failed or was skipped")  # fmt: skip
    return {"capture_id": capture_id, "status": "filed", "redo": "deliveries"}
