"""`solo-brain secrets init DIR`: the secrets two components share, one file each in DIR, made
on the first run and kept after (compose's one-shot `secrets` job writes them into a volume;
the systemd install step into /etc/solo-brain/credentials). The services read them through
NAME_FILE (secret_files.py): `MESH_EVENTS_SECRET_FILE=DIR/mesh-events-secret`.

A secret set in the environment (or `.env`) is written as it is, so a value chosen by hand
survives the move to files; otherwise a file already there is kept, else a random one is made.
"""

from __future__ import annotations

import argparse
import os
import secrets
from pathlib import Path

from solo_brain.errors import CommandError
from solo_brain.secret_files import environment

# file name -> the setting it gives (hub and n8n both read the events' signing secret).
SHARED_SECRETS = {"mesh-events-secret": "MESH_EVENTS_SECRET"}


def register(sub: argparse._SubParsersAction) -> None:
    """Add the `secrets` command."""
    group = sub.add_parser("secrets", help="make the secrets the services share, as files")
    actions = group.add_subparsers(dest="secrets_command", required=True, metavar="ACTION")
    init = actions.add_parser(
        "init", help="write each shared secret missing in DIR (kept when already there)"
    )
    init.add_argument("directory", type=Path, metavar="DIR", help="where the files go")
    init.set_defaults(handler=_init)


def init_secrets(directory: Path, environ: dict[str, str]) -> dict[str, str]:
    """Write each shared secret into `directory` (mode 0600); file name -> what was done."""
    try:
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as exc:
        raise CommandError(f"cannot make {directory} ({exc.strerror})") from None
    done: dict[str, str] = {}
    for file_name, setting in SHARED_SECRETS.items():
        path = directory / file_name
        given = environ.get(setting, "").strip()
        kept = path.read_text().strip() if path.exists() else ""
        if given and given != kept:
            _write(path, given)
            done[file_name] = f"written from {setting}"
        elif given or kept:
            done[file_name] = "kept"
        else:
            _write(path, secrets.token_urlsafe(32))
            done[file_name] = "made"
    return done


def _write(path: Path, value: str) -> None:
    # Never a half-written secret: a private temporary file renamed over the old one.
    temporary = path.with_name(f".{path.name}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as file:
        file.write(value + "\n")
    temporary.replace(path)


def _init(args: argparse.Namespace) -> int:
    environ = environment()
    for file_name, what in init_secrets(args.directory, environ).items():
        print(f"{args.directory / file_name}: {what}")
    return 0
