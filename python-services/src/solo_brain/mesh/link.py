"""One agent's open WebSocket as the hub uses it: serialised sends, a single close."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from fastapi import WebSocket
from pydantic import BaseModel

from mesh_protocol import Ack, dump_frame

if TYPE_CHECKING:
    from solo_brain.mesh.store.history_runs import ChecksAhead

log = logging.getLogger(__name__)


class AgentLink:
    """One agent's open WebSocket; sends are serialised."""

    def __init__(self, agent_id: str, name: str, ws: WebSocket) -> None:
        self.agent_id = agent_id
        self.name = name
        self.ws = ws
        self.closed = False
        self._send_lock = asyncio.Lock()
        self.acks: asyncio.Queue[Ack] = asyncio.Queue()  # committed, sent once on disk
        self.runs_ahead: ChecksAhead | None = None  # history runs checked ahead of their commit

    async def send(self, frame: BaseModel) -> bool:
        """Send a frame; False when the socket is gone."""
        if self.closed:
            return False
        async with self._send_lock:
            try:
                await self.ws.send_text(dump_frame(frame))
            except Exception:  # any failure means the socket is unusable
                self.closed = True
                return False
        return True

    async def close(self, code: int, reason: str) -> None:
        """Close the socket (once)."""
        if self.closed:
            return
        self.closed = True
        try:
            await self.ws.close(code, reason)
        except Exception:  # already closed by the peer
            log.debug("agent %s socket already closed", self.name)
