"""`solo-brain pair [--name iPhone]`: a one-time pairing code and its QR code, in the terminal.

The QR code opens `<PUBLIC_HUB_URL>/pair?code=...`. On iOS it only opens the page in Safari, to
install the app on the Home Screen: Safari and the installed app do not share storage, so the
pairing itself happens inside the installed app, where the code is typed (or is still in the
URL the app opens).
"""

from __future__ import annotations

import argparse
import asyncio
import io
import ipaddress
from datetime import datetime
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import psycopg
import segno
from psycopg.rows import dict_row

from solo_brain.db import apply_migrations, database_url
from solo_brain.mesh.routes.pairing import pairing_url
from solo_brain.mesh.store.pairing import create_code_on
from solo_brain.settings import MeshSettings


def register(sub: argparse._SubParsersAction) -> None:
    """Add the `pair` command."""
    pair = sub.add_parser("pair", help="pair a phone: a one-time code and its QR code")
    pair.add_argument("--name", default=None, help="the device's name (default: chosen on it)")
    pair.add_argument("--no-qr", action="store_true", help="print the code and URL only")
    pair.set_defaults(handler=_pair)


async def _create(url: str, name: str | None, ttl_s: float) -> tuple[str, datetime]:
    async with await psycopg.AsyncConnection.connect(
        url, autocommit=True, row_factory=dict_row
    ) as conn:
        return await create_code_on(conn, device_name=name, created_by="cli", ttl_s=ttl_s)


def qr_text(url: str) -> str:
    """The QR code of `url` drawn with block characters (two modules per line)."""
    out = io.StringIO()
    segno.make(url, error="m").terminal(out=out, compact=True, border=2)
    return out.getvalue()


def is_loopback(url: str) -> bool:
    """Whether `url` names this machine only (localhost, 127.0.0.0/8, ::1)."""
    host = urlsplit(url).hostname or ""
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _pair(args: argparse.Namespace) -> int:
    settings = MeshSettings()
    db_url = database_url(settings)
    apply_migrations(db_url)
    code, expires_at = asyncio.run(_create(db_url, args.name, settings.pairing_code_ttl_s))
    url = pairing_url(settings.public_hub_url, code)
    if not args.no_qr:
        print(qr_text(url))
    # In the user's zone (SOLO_BRAIN_TZ), named: the server's own zone is often UTC.
    until = expires_at.astimezone(ZoneInfo(settings.tz))
    print(f"Pairing code: {code}  (one use, valid until {until:%H:%M:%S} {settings.tz})")
    if is_loopback(url):
        # The default PUBLIC_HUB_URL: right for a browser on this machine, never for a phone.
        print(f"Open {url} in a browser on this machine (a phone cannot reach "
              f"{urlsplit(url).hostname}: set PUBLIC_HUB_URL to the hub's address as the phone "
              "sees it, https behind nginx, docs/pwa.md).")  # fmt: skip
    else:
        print(f"Open {url} on the phone.")
    print(
        "iPhone: open it in Safari, add the app to the Home Screen, then pair inside the "
        "installed app (Safari and the installed app do not share storage)."
    )
    return 0
