"""Calling the `assistant` SQL functions the way n8n's Postgres node does, and common setups."""

from __future__ import annotations

import json
from typing import Any

import psycopg
from psycopg import sql
from psycopg.rows import dict_row

ALL_CONFIGURED = {"calendar": True, "onyx": True, "hub": True, "gotify": True,
                  "whatsapp": True, "push": True}  # fmt: skip


def call(conn: psycopg.Connection[Any], function: str, payload: dict[str, Any]) -> Any:
    """`SELECT assistant.<function>($1::jsonb)` with one JSON argument; its value."""
    row = conn.execute(f"SELECT assistant.{function}(%s::jsonb) AS r", (json.dumps(payload),))
    return row.fetchone()["r"]  # type: ignore[index]


def rows(conn: psycopg.Connection[Any], function: str, payload: dict[str, Any]) -> list[Any]:
    """`SELECT * FROM assistant.<function>($1::jsonb)`: the rows of a set-returning function."""
    query = sql.SQL("SELECT * FROM assistant.{}(%s::jsonb)").format(sql.Identifier(function))
    cur = conn.execute(query, (json.dumps(payload),))
    return list(cur.fetchall())


def received(conn: psycopg.Connection[Any], text: str = "Acheter des câbles", **extra: Any) -> str:
    """A capture as the webhook records it, not classified yet; its id."""
    return str(
        call(conn, "receive_capture", {"text": text, "channel": "pwa", **extra})["capture_id"]
    )


def classification(**extra: Any) -> dict[str, Any]:
    """What classify answers for a todo with one action due on 2026-05-15."""
    return {"category": "todo", "project": None, "client_id": None, "summary": "Câbles",
            "classifier": "heuristic", "needs_review": False, "cc_prompt": None,
            "speech": "ignored", "actions": [{"text": "Acheter des câbles", "due": "2026-05-15",
                                              "due_phrase": "vendredi"}], **extra}  # fmt: skip


def filed(conn: psycopg.Connection[Any], text: str = "Acheter des câbles", **extra: Any) -> str:
    """A capture filed by capture-process's File step (one dated action); its id."""
    capture_id = received(conn, text)
    call(conn, "file_capture", {"capture_id": capture_id, "result": classification(**extra),
                                "long_note_chars": 600})  # fmt: skip
    return capture_id


def deliveries(conn: psycopg.Connection[Any], capture_id: str) -> list[dict[str, Any]]:
    """The deliveries of a capture, oldest first."""
    cur = conn.execute(
        "SELECT * FROM assistant.deliveries WHERE capture_id = %s ORDER BY created_at, id",
        (capture_id,),
    )
    return [dict(r) for r in cur.fetchall()]


def schema_shape(dsn: str) -> dict[str, list[Any]]:
    """What a schema is made of, whatever order it was built in: columns, indexes, functions."""
    with psycopg.connect(dsn, autocommit=True, row_factory=dict_row) as conn:
        return {
            "columns": sorted(tuple(r.values()) for r in conn.execute(
                "SELECT table_name, column_name, data_type, is_nullable, column_default "
                "FROM information_schema.columns WHERE table_schema = 'assistant'")),
            "indexes": sorted(r["indexdef"] for r in conn.execute(
                "SELECT indexdef FROM pg_indexes WHERE schemaname = 'assistant'")),
            "functions": sorted(r["f"] for r in conn.execute(
                "SELECT p.oid::regprocedure::text AS f FROM pg_proc p "
                "WHERE p.pronamespace = 'assistant'::regnamespace")),
        }  # fmt: skip
