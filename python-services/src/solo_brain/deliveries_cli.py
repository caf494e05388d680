"""`solo-brain deliveries [--failed]`: where captures went, without the PWA.

One line per delivery (calendar event, Onyx document, Claude Code prompt, WhatsApp reply,
notification), newest first: when it last changed, its capture, kind, state, attempts, and what
the destination calls it, or why it failed or was skipped.
"""

from __future__ import annotations

import argparse

import psycopg
from psycopg.rows import dict_row

from solo_brain.cli_time import local_time, zone_line
from solo_brain.db import apply_migrations, database_url
from solo_brain.settings import CommonSettings

QUERY = """
    SELECT d.updated_at, d.capture_id, d.kind, d.state, d.attempts, d.external_ref,
           d.last_error, d.next_attempt_at
      FROM assistant.deliveries d
     WHERE (%(failed)s IS FALSE OR d.state = 'failed')
       AND (%(capture)s::text IS NULL OR d.capture_id = %(capture)s)
     ORDER BY d.updated_at DESC, d.id DESC
     LIMIT %(limit)s
"""


def register(sub: argparse._SubParsersAction) -> None:
    """Add the `deliveries` command."""
    parser = sub.add_parser("deliveries", help="list the deliveries of captures (newest first)")
    parser.add_argument("--failed", action="store_true", help="only those that failed for good")
    parser.add_argument("--capture", metavar="CAPTURE_ID", help="only those of one capture")
    parser.add_argument("--limit", type=int, default=50, help="how many (default 50)")
    parser.set_defaults(handler=_list)


def _list(args: argparse.Namespace) -> int:
    url = database_url()
    apply_migrations(url)
    params = {"failed": args.failed, "capture": args.capture, "limit": max(1, args.limit)}
    with psycopg.connect(url, row_factory=dict_row) as conn:
        rows = conn.execute(QUERY, params).fetchall()
    if not rows:
        print("no failed deliveries" if args.failed else "no deliveries yet")
        return 0
    tz = CommonSettings().tz
    print(f"{'changed':<16} {'capture':<30} {'kind':<15} {'state':<8} {'tries':>5}  what")
    print(zone_line(tz))
    for r in rows:
        if r["state"] == "pending" and r["last_error"]:
            what = f"retry at {local_time(r['next_attempt_at'], tz)}: {r['last_error']}"
        else:
            what = r["external_ref"] or r["last_error"] or ""
        print(f"{local_time(r['updated_at'], tz):<16} {r['capture_id']:<30} {r['kind']:<15} "
              f"{r['state']:<8} {r['attempts']:>5}  {what}")  # fmt: skip
    return 0
