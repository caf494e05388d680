"""The local relay between Claude Code's PermissionRequest hook and the agent.

The agent listens on a unix socket (mode 0600, in a 0700 folder). The hook connects, writes one
JSON line (the hook input Claude Code gave it) and reads one JSON line back:

    {"decision": {"behavior": "allow"}}  |  {"decision": {"behavior": "deny", "message": "..."}}
    {"decision": null}          no decision (hub unreachable, timeout): ask in the terminal

This module has no heavy imports: `ask_relay` runs in the hook process on every permission.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import socket
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

MAX_REQUEST_BYTES = 1024 * 1024

# Takes the hook input, returns {"behavior": ..., "message"?: ...} or None (no decision).
Decide = Callable[[dict[str, Any]], Awaitable[dict[str, str] | None]]


class RelayInUse(Exception):
    """Another agent already listens on the relay socket (it serves the same Claude folder)."""


async def serve_relay(path: Path, decide: Decide) -> asyncio.Server:
    """Listen on `path` (replacing a stale socket) and answer each hook with `decide`;
    RelayInUse when a running agent listens there already."""
    _clear(path)

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        decision: dict[str, str] | None = None
        try:
            line = await reader.readline()
            payload = json.loads(line)
            if isinstance(payload, dict):
                decision = await _unless_gone(decide(payload), reader)
        except (ValueError, asyncio.LimitOverrunError, ConnectionError):
            decision = None
        try:
            writer.write(json.dumps({"decision": decision}).encode() + b"\n")
            await writer.drain()
        except ConnectionError:
            pass  # the hook gave up (Claude Code's hook timeout): nothing to answer
        finally:
            writer.close()

    old_umask = os.umask(0o077)
    try:
        server = await asyncio.start_unix_server(handle, path=str(path), limit=MAX_REQUEST_BYTES)
    finally:
        os.umask(old_umask)
    os.chmod(path, 0o600)
    return server


def close_relay(server: asyncio.Server, path: Path) -> None:
    """Stop listening and remove the socket file (Python < 3.13 leaves it behind on close)."""
    server.close()
    with contextlib.suppress(FileNotFoundError):
        path.unlink()


async def _unless_gone(
    deciding: Awaitable[dict[str, str] | None], reader: asyncio.StreamReader
) -> dict[str, str] | None:
    """The decision, or None (deciding cancelled) when the hook hangs up first: the user
    answered in the terminal, or Claude Code's hook timeout killed the hook."""
    decide_task = asyncio.ensure_future(deciding)
    gone_task = asyncio.ensure_future(reader.read(1))
    done, _ = await asyncio.wait({decide_task, gone_task}, return_when=asyncio.FIRST_COMPLETED)
    if decide_task in done:
        gone_task.cancel()
        return decide_task.result()
    decide_task.cancel()
    await asyncio.gather(decide_task, return_exceptions=True)
    return None


def _clear(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    if _answers(path):  # removing it would cut that agent off from its hooks
        raise RelayInUse(
            f"another mesh-agent already runs for this Claude folder (it listens on {path}): "
            "stop it first (systemctl --user stop mesh-agent; ./scripts/up takes --no-agent), "
            "or give this one its own CLAUDE_CONFIG_DIR"
        )
    with contextlib.suppress(FileNotFoundError):
        path.unlink()


def _answers(path: Path) -> bool:
    """Whether something accepts connections on the unix socket `path` (not a stale file)."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(1.0)
        try:
            sock.connect(str(path))
        except OSError:  # no file, nobody listening (a crashed agent's), not a socket
            return False
    return True


def ask_relay(path: Path, payload: dict[str, Any], *, timeout_s: float) -> dict[str, str] | None:
    """Ask the agent at `path` for a decision; None when it is unreachable or has none."""
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(2.0)
            sock.connect(str(path))
            sock.sendall(json.dumps(payload).encode() + b"\n")
            sock.settimeout(timeout_s)
            data = b""
            while not data.endswith(b"\n"):
                chunk = sock.recv(65536)
                if not chunk:
                    break
                data += chunk
    except OSError:
        return None
    try:
        answer = json.loads(data)
    except ValueError:
        return None
    decision = answer.get("decision") if isinstance(answer, dict) else None
    if not isinstance(decision, dict) or decision.get("behavior") not in ("allow", "deny"):
        return None
    return {k: str(v) for k, v in decision.items() if k in ("behavior", "message")}
