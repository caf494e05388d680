"""Bearer tokens of the hub: issued once, stored hashed, checked in constant time.

A token is 256 random bits (`sbt_` + 43 url-safe characters). Only its SHA-256 is stored: a
high-entropy secret needs no slow hash, and the lookup by hash leaks nothing useful about other
tokens. Scopes:

    agent     the agent WebSocket protocol only (never prompts, approvals or reads)
    capture   captures only (nginx asks /api/auth/check before forwarding to n8n)
    full      a PWA device: everything but speaking as an agent

The CLI issues, lists and revokes tokens (synchronous, one connection); the hub verifies them,
and issues, lists and revokes `capture` tokens for a paired phone (routes/tokens.py), so that the
Siri Shortcut's token can be made from the phone.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime
from typing import Any, Literal, get_args

import psycopg
from psycopg.rows import dict_row
from pydantic import BaseModel

from solo_brain.db import DictPool
from solo_brain.errors import InvalidRequest, NotFound

Scope = Literal["agent", "full", "capture"]
SCOPES: tuple[str, ...] = get_args(Scope)
TOKEN_PREFIX = "sbt_"  # noqa: S105
# Recording every use would write on every request; once a minute is precise enough.
LAST_USE_RESOLUTION_S = 60


class TokenError(ValueError):
    """A token command cannot be done (unknown scope, unknown token, ...)."""


class TokenInfo(BaseModel):
    """What the hub knows about a token (never the secret itself)."""

    id: str
    name: str
    scope: Scope
    created_at: datetime
    last_used_at: datetime | None = None
    revoked_at: datetime | None = None

    def allows(self, needed: Scope) -> bool:
        """Whether this token may do what `needed` covers.

        `full` covers every scope but `agent`: a phone's token never registers as a machine, so
        what a session's agent reports can only come from that machine's own token.
        """
        if self.revoked_at is not None:
            return False
        return self.scope == needed or (self.scope == "full" and needed != "agent")

    @property
    def actor(self) -> str:
        """How the audit log names whoever used this token."""
        return f"token:{self.name}"


def generate_token() -> str:
    """A new random token (256 bits)."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    """Hex SHA-256 of a token, the only form stored."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


_COLUMNS = "id, name, scope, hash, created_at, last_used_at, revoked_at"
_INSERT = (
    "INSERT INTO assistant.tokens (id, name, scope, hash) "  # noqa: S608
    "VALUES ('tok_' || assistant.new_ulid(), %s, %s, %s) "
    f"RETURNING {_COLUMNS}"
)
_BY_HASH = f"SELECT {_COLUMNS} FROM assistant.tokens WHERE hash = %s"  # noqa: S608
_TOUCH = (
    "UPDATE assistant.tokens SET last_used_at = now() WHERE id = %s AND (last_used_at IS NULL "  # noqa: S608
    f"OR last_used_at < now() - interval '{LAST_USE_RESOLUTION_S} seconds')"
)


def _check(token: str, row: dict[str, Any] | None) -> TokenInfo | None:
    if row is None or not hmac.compare_digest(row["hash"], hash_token(token)):
        return None
    if row["revoked_at"] is not None:
        return None
    return TokenInfo.model_validate(row)


def _validate_new(scope: str, name: str) -> str:
    if scope not in SCOPES:
        raise TokenError(f"unknown scope {scope!r}; use one of {', '.join(SCOPES)}")
    name = name.strip()
    if not 1 <= len(name) <= 100:
        raise TokenError("a token name has 1 to 100 characters")
    return name


def create_token(conn: psycopg.Connection, scope: str, name: str) -> tuple[TokenInfo, str]:
    """Issue a token; return its record and the secret (shown once, never stored)."""
    name = _validate_new(scope, name)
    secret = generate_token()
    with conn.cursor(row_factory=dict_row) as cur:
        row = cur.execute(_INSERT, (name, scope, hash_token(secret))).fetchone()
        assert row is not None
        cur.execute(
            "INSERT INTO assistant.audit_log (actor, action, subject, detail) "
            "VALUES ('cli', 'token.created', %s, jsonb_build_object('name', %s::text, "
            "'scope', %s::text))",
            (row["id"], name, scope),
        )
    conn.commit()
    return TokenInfo.model_validate(row), secret


def list_tokens(conn: psycopg.Connection) -> list[TokenInfo]:
    """Every token, oldest first, revoked ones included."""
    with conn.cursor(row_factory=dict_row) as cur:
        rows = cur.execute(f"SELECT {_COLUMNS} FROM assistant.tokens ORDER BY id").fetchall()  # noqa: S608
    return [TokenInfo.model_validate(row) for row in rows]


def revoke_token(conn: psycopg.Connection, id_or_name: str) -> list[TokenInfo]:
    """Revoke the token with this id, or every live token with this name; return them."""
    with conn.cursor(row_factory=dict_row) as cur:
        rows = cur.execute(
            "UPDATE assistant.tokens SET revoked_at = now() "  # noqa: S608
            "WHERE (id = %s OR name = %s) AND revoked_at IS NULL "
            f"RETURNING {_COLUMNS}",
            (id_or_name, id_or_name),
        ).fetchall()
        if rows:
            cur.execute(
                "INSERT INTO assistant.audit_log (actor, action, subject, detail) "
                "SELECT 'cli', 'token.revoked', id, jsonb_build_object('name', name, "
                "'scope', scope) FROM assistant.tokens WHERE id = ANY(%s)",
                ([r["id"] for r in rows],),
            )
    conn.commit()
    if not rows:
        raise TokenError(f"no live token has the id or name {id_or_name!r}")
    return [TokenInfo.model_validate(row) for row in rows]


async def verify_token(pool: DictPool, token: str) -> TokenInfo | None:
    """The live token matching `token` (recording its use), or None (unknown or revoked)."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return None
    async with pool.connection() as conn:
        cur = await conn.execute(_BY_HASH, (hash_token(token),))
        info = _check(token, await cur.fetchone())
        if info is not None:
            await conn.execute(_TOUCH, (info.id,))
    return info


# --- the hub's side: tokens a device makes for a narrower use (the Siri Shortcut) ------------

_LIVE_OF_SCOPE = (
    f"SELECT {_COLUMNS} FROM assistant.tokens "  # noqa: S608
    "WHERE scope = %s AND revoked_at IS NULL ORDER BY created_at DESC, id DESC"
)


async def issue_token(pool: DictPool, scope: Scope, name: str, actor: str) -> tuple[TokenInfo, str]:
    """Issue a token from the hub (audited with who asked); its record and its secret."""
    try:
        name = _validate_new(scope, name)
    except TokenError as exc:
        raise InvalidRequest(str(exc)) from exc
    secret = generate_token()
    async with pool.connection() as conn, conn.transaction():
        cur = await conn.execute(_INSERT, (name, scope, hash_token(secret)))
        row = await cur.fetchone()
        assert row is not None
        await conn.execute(
            "INSERT INTO assistant.audit_log (actor, action, subject, detail) "
            "VALUES (%s, 'token.created', %s, jsonb_build_object('name', %s::text, "
            "'scope', %s::text))",
            (actor, row["id"], name, scope),
        )
    return TokenInfo.model_validate(row), secret


async def live_tokens(pool: DictPool, scope: Scope) -> list[TokenInfo]:
    """The live tokens of one scope, newest first (never their secrets)."""
    async with pool.connection() as conn:
        cur = await conn.execute(_LIVE_OF_SCOPE, (scope,))
        rows = await cur.fetchall()
    return [TokenInfo.model_validate(row) for row in rows]


async def revoke_scoped(pool: DictPool, token_id: str, scope: Scope, actor: str) -> TokenInfo:
    """Revoke one live token of `scope` (audited); NotFound when there is no such token."""
    async with pool.connection() as conn, conn.transaction():
        cur = await conn.execute(
            "UPDATE assistant.tokens SET revoked_at = now() "  # noqa: S608
            "WHERE id = %s AND scope = %s AND revoked_at IS NULL "
            f"RETURNING {_COLUMNS}",
            (token_id, scope),
        )
        row = await cur.fetchone()
        if row is None:
            raise NotFound(f"no live {scope} token {token_id}")
        await conn.execute(
            "INSERT INTO assistant.audit_log (actor, action, subject, detail) "
            "VALUES (%s, 'token.revoked', %s, jsonb_build_object('name', %s::text, "
            "'scope', %s::text))",
            (actor, row["id"], row["name"], scope),
        )
    return TokenInfo.model_validate(row)
