"""Watch the projects/ folder and tell the agent which transcripts changed.

inotify (inotify.py) on Linux, for sub-millisecond wake-ups; watchfiles elsewhere, or when the
kernel refuses a watch.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING

from watchfiles import Change, awatch

from mesh_agent.inotify import InotifyUnavailable, watch_tree

if TYPE_CHECKING:
    from mesh_agent.agent import Agent

log = logging.getLogger(__name__)


def is_transcript_change(change: Change, path: str) -> bool:
    """Only .jsonl files matter (transcripts and subagent transcripts)."""
    return path.endswith(".jsonl")


async def changed_transcripts(projects: Path) -> AsyncIterator[set[Path]]:
    """Sets of transcript files under `projects` that changed, as they change."""
    try:
        async for paths in watch_tree(projects, lambda name: name.endswith(".jsonl")):
            yield paths
        return
    except InotifyUnavailable as exc:
        log.warning("inotify unavailable (%s): watching %s with watchfiles", exc, projects)
    async for changes in awatch(
        projects,
        watch_filter=is_transcript_change,
        debounce=50,
        step=10,
        recursive=True,
        ignore_permission_denied=True,
    ):
        yield {Path(path) for _change, path in changes}


async def watch_transcripts(agent: Agent) -> None:
    """Mark changed transcripts dirty, note who may have written them, wake the sender."""
    async for changes in changed_transcripts(agent.config.projects_dir):
        now = time.monotonic()
        for path in changes:
            cursor = agent.index.track(path)
            if cursor is None:
                continue
            agent.dirty.add(cursor.ref.key)
            agent.fresh.written(cursor.ref.session_id, now)
            agent.touch(cursor.ref.session_id)
        agent.wake.set()
