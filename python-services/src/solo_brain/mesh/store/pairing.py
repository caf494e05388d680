"""One-time pairing codes, exchanged once for a device token of scope `full`.

A code is 8 characters from an alphabet without look-alikes (no 0/O, 1/I/L, U/V), shown as
`ABCD-EFGH`; what the user types is upper-cased and stripped of spaces and dashes. Only its
SHA-256 is stored. Redeeming marks it used in the same statement that checks it is unused and
unexpired, so two simultaneous attempts cannot both succeed.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime

from solo_brain.errors import InvalidRequest
from solo_brain.mesh.store import Conn, Pool
from solo_brain.mesh.store.devices import Device, insert_device

ALPHABET = "ABCDEFGHJKMNPQRSTWXYZ23456789"
CODE_LENGTH = 8


def generate_code() -> str:
    """A new random code (8 characters, about 39 bits)."""
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def display(code: str) -> str:
    """The code as shown to the user: `ABCD-EFGH`."""
    return f"{code[:4]}-{code[4:]}"


def normalize(typed: str) -> str | None:
    """The code a user typed (any case, spaces or dashes), or None when it cannot be one."""
    code = "".join(c for c in typed.upper() if c not in " -\t")
    if len(code) != CODE_LENGTH or any(c not in ALPHABET for c in code):
        return None
    return code


def hash_code(code: str) -> str:
    """Hex SHA-256 of a normalized code, the only form stored."""
    return hashlib.sha256(code.encode()).hexdigest()


async def create_code(
    pool: Pool, *, device_name: str | None, created_by: str, ttl_s: float
) -> tuple[str, datetime]:
    """Store a new code; return it (display form) and when it expires."""
    async with pool.connection() as conn:
        return await create_code_on(
            conn, device_name=device_name, created_by=created_by, ttl_s=ttl_s
        )


async def create_code_on(
    conn: Conn, *, device_name: str | None, created_by: str, ttl_s: float
) -> tuple[str, datetime]:
    """`create_code` on one connection (the CLI has no pool)."""
    code = generate_code()
    async with conn.transaction():
        cur = await conn.execute(
            """INSERT INTO assistant.pairing_codes (id, hash, device_name, created_by, expires_at)
               VALUES ('pair_' || assistant.new_ulid(), %s, %s, %s,
                       now() + make_interval(secs => %s))
               RETURNING id, expires_at""",
            (hash_code(code), device_name, created_by, ttl_s),
        )
        row = await cur.fetchone()
        assert row is not None
        await conn.execute(
            "INSERT INTO assistant.audit_log (actor, action, subject, detail) "
            "VALUES (%s, 'pairing_code.created', %s, jsonb_build_object('device_name', %s::text))",
            (created_by, row["id"], device_name),
        )
    return display(code), row["expires_at"]


async def redeem(
    pool: Pool, typed: str, device_name: str | None, user_agent: str | None, client: str
) -> tuple[Device, str]:
    """Exchange a code for a new device token; InvalidRequest says why a code is refused (its
    `reason`: malformed, unknown, used or expired, which the app words in French)."""
    code = normalize(typed)
    if code is None:
        raise InvalidRequest(
            "a pairing code has 8 letters and digits, like ABCD-EFGH",
            code="invalid_pairing_code",
            reason="malformed",
        )
    digest = hash_code(code)
    async with pool.connection() as conn, conn.transaction():
        cur = await conn.execute(
            """UPDATE assistant.pairing_codes SET used_at = now()
               WHERE hash = %s AND used_at IS NULL AND expires_at > now()
               RETURNING id, hash, device_name""",
            (digest,),
        )
        row = await cur.fetchone()
        if row is None or not hmac.compare_digest(row["hash"], digest):
            reason, message = await _why_refused(conn, digest)
            raise InvalidRequest(message, code="invalid_pairing_code", reason=reason)
        name = (device_name or row["device_name"] or "Appareil").strip()[:100] or "Appareil"
        device, secret = await insert_device(conn, name, user_agent)
        await conn.execute(
            "UPDATE assistant.pairing_codes SET token_id = %s WHERE id = %s", (device.id, row["id"])
        )
        await conn.execute(
            "INSERT INTO assistant.audit_log (actor, action, subject, detail) "
            "VALUES (%s, 'device.paired', %s, jsonb_build_object('name', %s::text, "
            "'pairing_code', %s::text, 'client', %s::text))",
            (f"device:{name}", device.id, name, row["id"], client),
        )
    return device, secret


async def _why_refused(conn: Conn, digest: str) -> tuple[str, str]:
    """Why a code was refused: (`unknown` | `used` | `expired`, a sentence)."""
    cur = await conn.execute(
        "SELECT used_at IS NOT NULL AS used, expires_at <= now() AS expired "
        "FROM assistant.pairing_codes WHERE hash = %s",
        (digest,),
    )
    row = await cur.fetchone()
    if row is None:
        return "unknown", "unknown pairing code: check it, or ask for a new one"
    if row["used"]:
        return "used", "this pairing code was already used: ask for a new one"
    return "expired", "this pairing code expired: ask for a new one"
