"""`solo-brain token create|list|revoke`: issue and revoke the hub's bearer tokens.

`create` prints the new token alone on the last line of its output, so scripts can take it with
`tail -n 1`; it is shown once and only its hash is stored.
"""

from __future__ import annotations

import argparse

import psycopg

from solo_brain.cli_time import local_time, zone_line
from solo_brain.db import apply_migrations, database_url
from solo_brain.errors import CommandError
from solo_brain.mesh.store.tokens import SCOPES, TokenError, create_token, list_tokens, revoke_token
from solo_brain.settings import CommonSettings


def register(sub: argparse._SubParsersAction) -> None:
    """Add the `token` command group."""
    token = sub.add_parser("token", help="bearer tokens of the mesh hub (agents, devices, Siri)")
    token_sub = token.add_subparsers(dest="token_command", required=True, metavar="ACTION")
    create = token_sub.add_parser("create", help="issue a token (printed once, on the last line)")
    create.add_argument("--scope", required=True, choices=SCOPES, help="what the token may do")
    create.add_argument("--name", default=None, help="who holds it (default: the scope)")
    create.set_defaults(handler=_create)
    listing = token_sub.add_parser("list", help="list tokens (never their secret)")
    listing.set_defaults(handler=_list)
    revoke = token_sub.add_parser("revoke", help="revoke a token by id, or every one of a name")
    revoke.add_argument(
        "token", metavar="ID_OR_NAME", help="the token's id, or a name (all its tokens)"
    )
    revoke.set_defaults(handler=_revoke)


def _connect() -> psycopg.Connection:
    url = database_url()
    apply_migrations(url)
    return psycopg.connect(url)


def _create(args: argparse.Namespace) -> int:
    try:
        with _connect() as conn:
            info, secret = create_token(conn, args.scope, args.name or args.scope)
    except TokenError as exc:
        raise CommandError(str(exc)) from exc
    print(f"token {info.id} created: name {info.name!r}, scope {info.scope}.")
    print("Copy it now: it is shown only this once (only its hash is stored).")
    print(secret)
    return 0


def _list(_: argparse.Namespace) -> int:
    with _connect() as conn:
        tokens = list_tokens(conn)
    if not tokens:
        print("no tokens yet (solo-brain token create --scope agent|full|capture)")
        return 0
    tz = CommonSettings().tz
    print(f"{'id':<30} {'scope':<8} {'created':<16} {'last used':<16} {'revoked':<16} name")
    print(zone_line(tz))
    for t in tokens:
        created, used, revoked = (
            local_time(x, tz) for x in (t.created_at, t.last_used_at, t.revoked_at)
        )
        print(f"{t.id:<30} {t.scope:<8} {created:<16} {used:<16} {revoked:<16} {t.name}")
    return 0


def _revoke(args: argparse.Namespace) -> int:
    try:
        with _connect() as conn:
            revoked = revoke_token(conn, args.token)
    except TokenError as exc:
        raise CommandError(str(exc)) from exc
    for t in revoked:
        print(f"revoked {t.id} ({t.scope}, {t.name!r})")
    return 0
