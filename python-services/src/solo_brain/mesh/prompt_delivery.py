"""A prompt from the phone to a session: recorded, then sent to the session's agent at once, or
held in Postgres (`delivered_at IS NULL`) while a terminal holds the session (unless forced) or
the agent is away, and sent when the session is free or the agent back (`dispatch_held`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mesh_protocol import Prompt
from solo_brain.errors import NotFound
from solo_brain.mesh.models import PromptIn, PromptOut
from solo_brain.mesh.store import prompts, sessions
from solo_brain.mesh.store.tokens import TokenInfo

if TYPE_CHECKING:
    from solo_brain.mesh.hub import Hub

LIVE_WARNING = (
    "Cette session est ouverte dans un terminal : le prompt attend qu'elle se libère. "
    "Renvoyez-le en forçant pour l'exécuter tout de suite."
)
OFFLINE_WARNING = "La machine de cette session est hors ligne : le prompt partira à sa reconnexion."


async def submit_prompt(hub: Hub, session_id: str, body: PromptIn, token: TokenInfo) -> PromptOut:
    """Record a prompt and send it to the agent now, unless a terminal holds the session
    (then it waits, with a warning) or the agent is away."""
    found = await sessions.list_sessions(hub.pool, session_id)
    if not found:
        raise NotFound(f"no session {session_id}")
    session = found[0]
    prompt = await prompts.create_prompt(
        hub.pool,
        session_id,
        body.text,
        voice_reply=body.voice_reply,
        force=body.force,
        actor=token.actor,
        capture_id=body.capture_id,
        idempotency_key=body.idempotency_key,
    )
    eta = await prompts.eta_seconds(hub.pool)
    if prompt.get("existing"):  # a retried request: the prompt is already on its way
        return PromptOut(prompt_id=prompt["id"], eta_seconds=eta,
                         queued=not prompt["delivered"])  # fmt: skip
    if session["live"] and not body.force:
        return PromptOut(prompt_id=prompt["id"], eta_seconds=eta, queued=True, warning=LIVE_WARNING)
    if await _deliver(hub, session["agent_id"], prompt):
        return PromptOut(prompt_id=prompt["id"], eta_seconds=eta, queued=False)
    return PromptOut(prompt_id=prompt["id"], eta_seconds=eta, queued=True, warning=OFFLINE_WARNING)


async def _deliver(hub: Hub, agent_id: str, prompt: dict[str, Any]) -> bool:
    link = hub.links.get(agent_id)
    if link is None or not await prompts.claim_delivery(hub.pool, prompt["id"]):
        return False
    frame = Prompt(
        prompt_id=prompt["id"],
        session_id=prompt["session_id"],
        text=prompt["text"],
        force=prompt["force"],
    )
    if await link.send(frame):
        return True
    await prompts.release_delivery(hub.pool, prompt["id"])
    return False


async def dispatch_held(hub: Hub, agent_id: str, session_id: str | None = None) -> int:
    """Send an agent its waiting prompts whose session is free (or forced); return how many."""
    sent = 0
    for prompt in await prompts.held_prompts(hub.pool, agent_id):
        if session_id is not None and prompt["session_id"] != session_id:
            continue
        if (not prompt["live"] or prompt["force"]) and await _deliver(hub, agent_id, prompt):
            sent += 1
    return sent
