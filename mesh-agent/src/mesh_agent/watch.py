"""Watch the projects/ folder and hand the changed transcripts to whoever owns the queue.

inotify (inotify.py) on Linux, for sub-millisecond wake-ups; watchfiles elsewhere, or when the
kernel refuses a watch.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from pathlib import Path

from watchfiles import Change, awatch

from mesh_agent.inotify import InotifyUnavailable, watch_tree

OnChange = Callable[[list[Path]], None]

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


async def watch_transcripts(projects_dir: Path, on_change: OnChange) -> None:
    """Call `on_change` with the .jsonl files under `projects_dir` that changed, one batch of
    paths per wake-up, until cancelled."""
    async for paths in changed_transcripts(projects_dir):
        on_change(sorted(paths))
