"""Watch the projects/ folder and tell the agent which transcripts changed."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING

from watchfiles import Change, awatch

if TYPE_CHECKING:
    from mesh_agent.agent import Agent


def is_transcript_change(change: Change, path: str) -> bool:
    """Only .jsonl files matter (transcripts and subagent transcripts)."""
    return path.endswith(".jsonl")


async def watch_transcripts(agent: Agent) -> None:
    """Mark changed transcripts dirty, note who may have written them, wake the sender."""
    async for changes in awatch(
        agent.config.projects_dir,
        watch_filter=is_transcript_change,
        debounce=50,
        step=10,
        recursive=True,
        ignore_permission_denied=True,
    ):
        now = time.monotonic()
        for _change, path in changes:
            cursor = agent.index.track(Path(path))
            if cursor is None:
                continue
            agent.dirty.add(cursor.ref.key)
            agent.fresh.written(cursor.ref.session_id, now)
            agent.touch(cursor.ref.session_id)
        agent.wake.set()
