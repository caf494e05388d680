"""Claude Code transcripts for tests: realistic lines and the projects/ folder of a cwd."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def transcript_line(
    session_id: str, cwd: str, n: int, text: str | None = None, **extra: Any
) -> bytes:
    """One realistic transcript line (user/assistant alternating), as Claude Code writes it."""
    record = {
        "parentUuid": f"{session_id[:8]}-{n - 1:06d}" if n else None,
        "isSidechain": False,
        "type": "user" if n % 2 == 0 else "assistant",
        "message": {
            "role": "user" if n % 2 == 0 else "assistant",
            "content": [{"type": "text", "text": text or f"ligne numéro {n}"}],
        },
        "uuid": f"{session_id[:8]}-{n:06d}",
        "timestamp": f"2026-05-14T09:{n // 60 % 60:02d}:{n % 60:02d}.000Z",
        "cwd": cwd,
        "sessionId": session_id,
        "version": "2.1.330",
        "gitBranch": "main",
        **extra,
    }
    return json.dumps(record, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"


def encoded(cwd: Path) -> str:
    """The projects/ folder name of a cwd."""
    return "".join(c if c.isascii() and c.isalnum() else "-" for c in str(cwd))
