"""Watch the projects/ folder and hand the changed transcripts to whoever owns the queue."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from watchfiles import Change, awatch

OnChange = Callable[[list[Path]], None]


def is_transcript_change(change: Change, path: str) -> bool:
    """Only .jsonl files matter (transcripts and subagent transcripts)."""
    return path.endswith(".jsonl")


async def watch_transcripts(projects_dir: Path, on_change: OnChange) -> None:
    """Call `on_change` with the .jsonl files under `projects_dir` that changed, one batch of
    paths per wake-up, until cancelled."""
    async for changes in awatch(
        projects_dir,
        watch_filter=is_transcript_change,
        debounce=50,
        step=10,
        recursive=True,
        ignore_permission_denied=True,
    ):
        on_change([Path(path) for _change, path in changes])
