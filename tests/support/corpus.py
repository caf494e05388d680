"""The bad-input corpus every public entry is fed, and the checks that nothing was stored.

`EVIL_STRINGS` go into every string field and `EVIL_IDS` into every id of a path; `EVIL_BODIES`
replace a whole JSON body. `state(conn)` is a fingerprint of every assistant table (rows and
their content), so a refused request can be shown to have left no row behind, not even half of
one; `files(dir)` does the same for the media folder.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import httpx
import psycopg
from psycopg import sql
from psycopg.rows import tuple_row

# Strings a field must either store faithfully or refuse with a clear 4xx.
EVIL_STRINGS: dict[str, str] = {
    "nul": "a\x00b",
    "lone_surrogate": "\ud800x",
    "sql": "x'); DROP TABLE assistant.captures; -- ' OR '1'='1",
    "traversal": "../../../../etc/passwd",
    "rtl_override": "\u202egnp.exe\u202c",
    "zalgo": "Z" + "\u0336\u0335\u0334" * 200,
    "astral": "\U0001f4a9\U00010348\U0001f1eb\U0001f1f7",
    "control": "\x1b[31m\x07\x08\r\n",
    "long": "é" * 100_000,
}

# Ids and refs put in a URL path segment, already percent-encoded as a client would send them.
EVIL_IDS: dict[str, str] = {
    "dotdot_encoded": "..%2F..%2F..%2Fetc%2Fpasswd",
    "dotdot_backslash": "..%5C..%5Cwindows",
    "dots": "%2e%2e",
    "nul": "abc%00",
    "nul_ext": "abc%00.ogg",
    "sql": "x'%20OR%20'1'%3D'1",
    "invalid_utf8": "%FF%FE",
    "astral": "%F0%9F%92%A9",
    "long": "a" * 4000,
}

# Whole bodies that are not the JSON a route expects.
EVIL_BODIES: dict[str, bytes] = {
    "truncated": b'{"text": "bonj',
    "deep_arrays": b"[" * 100_000 + b"]" * 100_000,
    "deep_objects": b'{"a":' * 50_000 + b"1" + b"}" * 50_000,
    "invalid_utf8": b'{"text": "\xff\xfe\xc3("}',
    "not_an_object": b'["text"]',
    "null": b"null",
    "empty": b"",
    "huge_number": b'{"text": 1' + b"0" * 5000 + b"}",
}


def state(conn: psycopg.Connection) -> dict[str, str]:
    """A fingerprint of every assistant table: one digest of its rows (tokens: their count,
    since a use updates last_used_at)."""
    cur = conn.cursor(row_factory=tuple_row)
    tables = [
        r[0]
        for r in cur.execute(
            "SELECT table_name FROM information_schema.tables"
            " WHERE table_schema = 'assistant' AND table_type = 'BASE TABLE' ORDER BY 1"
        ).fetchall()
    ]
    out: dict[str, str] = {}
    for name in tables:
        table = sql.Identifier("assistant", name)
        if name == "tokens":
            query = sql.SQL("SELECT count(*)::text FROM {}").format(table)
        else:
            query = sql.SQL(
                "SELECT count(*)::text || ':' || coalesce(md5(string_agg(t::text, '|' ORDER BY"
                " t::text)), '') FROM {} AS t"
            ).format(table)
        out[name] = cur.execute(query).fetchone()[0]  # type: ignore[index]
    return out


def files(root: Path) -> dict[str, str]:
    """Every file under `root` with the digest of its bytes."""
    if not root.exists():
        return {}
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def assert_clear_refusal(answer: httpx.Response, *statuses: int) -> None:
    """A 4xx (one of `statuses` when given) with the {"error": {"code", "message"}} envelope."""
    what = _what(answer)
    assert 400 <= answer.status_code < 500, what
    if statuses:
        assert answer.status_code in statuses, what
    error = answer.json()["error"]
    assert error["code"] and error["message"], what


def assert_no_server_error(answer: httpx.Response) -> None:
    """Anything but a 5xx; an error answer uses the envelope."""
    what = _what(answer)
    assert answer.status_code < 500, what
    if answer.status_code >= 400:
        assert answer.json()["error"]["code"], what


def _what(answer: httpx.Response) -> str:
    request = answer.request
    return f"{request.method} {str(request.url)[:200]} -> {answer.status_code} {answer.text[:300]}"
