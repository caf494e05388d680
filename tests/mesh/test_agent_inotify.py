"""The agent's inotify watcher reports changed transcripts at once, new folders included."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from mesh_agent.inotify import TreeWatch, parse_events, watch_tree
from mesh_agent.watch import changed_transcripts

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="inotify is Linux")


def _jsonl(name: str) -> bool:
    return name.endswith(".jsonl")


async def _next(changes: AsyncIterator[set[Path]]) -> set[Path]:
    return await asyncio.wait_for(anext(changes), 5.0)


def _append(path: Path, data: bytes) -> None:
    with open(path, "ab") as handle:
        handle.write(data)


async def test_an_append_is_reported_without_polling(tmp_path: Path) -> None:
    """Appending a line to a watched transcript yields its path, and other files are ignored."""
    folder = tmp_path / "-home-moi-x"
    folder.mkdir()
    path = folder / "s.jsonl"
    path.write_bytes(b"")
    changes = watch_tree(tmp_path, _jsonl)
    pending = asyncio.ensure_future(_next(changes))
    await asyncio.sleep(0.05)  # the watch is set once the generator started
    (folder / "notes.txt").write_text("ignored")
    _append(path, b'{"type":"user"}\n')
    assert await pending == {path}
    await changes.aclose()


async def test_new_folders_are_watched_and_their_files_reported(tmp_path: Path) -> None:
    """A project folder, a session folder and a subagents folder created later are watched;
    a file written before its folder's watch existed is still reported."""
    changes = watch_tree(tmp_path, _jsonl)
    pending = asyncio.ensure_future(_next(changes))
    await asyncio.sleep(0.05)
    sub = tmp_path / "-home-moi-y" / "sess" / "subagents"
    sub.mkdir(parents=True)
    agent = sub / "agent-1.jsonl"
    agent.write_bytes(b"{}\n")
    seen: set[Path] = set(await pending)
    while agent not in seen:
        seen |= await _next(changes)
    _append(agent, b"{}\n")
    assert agent in await _next(changes)
    await changes.aclose()


async def test_the_agent_watcher_yields_transcript_paths(tmp_path: Path) -> None:
    """`changed_transcripts` (what the agent consumes) reports a new transcript by its path."""
    changes = changed_transcripts(tmp_path)
    pending = asyncio.ensure_future(_next(changes))
    await asyncio.sleep(0.05)
    path = tmp_path / "p" / "s.jsonl"
    path.parent.mkdir()
    path.write_bytes(b"{}\n")
    seen = set(await pending)
    while path not in seen:
        seen |= await _next(changes)
    await changes.aclose()


def test_events_are_parsed_from_the_kernel_layout(tmp_path: Path) -> None:
    """A raw read from the inotify fd parses into (wd, mask, name), names without padding."""
    watch = TreeWatch(tmp_path, _jsonl)
    try:
        (tmp_path / "a.jsonl").write_bytes(b"x")
        events = parse_events(os.read(watch.fd, 65536))
        assert {name for _wd, _mask, name in events} == {"a.jsonl"}
        assert all(wd in watch.dirs for wd, _mask, _name in events)
    finally:
        watch.close()
