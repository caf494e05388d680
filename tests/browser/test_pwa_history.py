"""A big transcript sent tail first, in a real Chromium against the real hub: while the hub
says the history above the newest messages is still arriving, the session says so at the top
instead of showing an empty gap, and each run of history shows up above the tail as it
arrives (issue 11)."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

import pytest
from playwright.sync_api import Browser, expect

from mesh_protocol import Message, Messages, SessionInfo
from tests.browser.pwa import new_context, pair_with_token
from tests.mesh.hub_harness import message, scripted_agent
from tests.support.mesh_stack import Hub, create_token

pytestmark = [pytest.mark.browser, pytest.mark.mesh]

SID = "4c5d6e7f-8091-4a2b-b3c4-d5e6f7a8b9c0"
FILE = f"-home-moi-gros/{SID}.jsonl"
LOADING = "Chargement de l'historique…"


def _send(hub: Hub, token: str, start: int, end: int, part: str, *messages: Message) -> None:
    """A scripted agent sends one batch of the transcript and waits for its ack."""

    async def send() -> None:
        async with scripted_agent(hub.url, token, "gros-serveur") as agent:
            await agent.send(SessionInfo(session_id=SID, cwd="/home/moi/gros", title="Gros"))
            batch = Messages(
                session_id=SID,
                file=FILE,
                start_offset=start,
                end_offset=end,
                messages=list(messages),
                part=part,  # type: ignore[arg-type]
            )
            await agent.send(batch)
            await agent.expect_ack()

    with ThreadPoolExecutor(1) as thread:  # Playwright's sync API holds this thread's loop
        thread.submit(asyncio.run, send()).result()


def test_history_still_arriving_is_said_at_the_top_then_shown(browser: Browser, hub: Hub) -> None:
    """With only the tail on the hub, the session shows it under "Chargement de
    l'historique…" (never "Aucun message"); the history's newest run appears above it while
    the notice stays; the last run ends the notice."""
    agent = create_token(hub.dsn, "agent", "gros-serveur")
    tail = [message("t1", "Dernière question"), message("t2", "Dernière réponse", "assistant")]
    _send(hub, agent, 9000, 9500, "tail", *tail)
    context = new_context(browser, hub.url)
    try:
        page = context.new_page()
        pair_with_token(page, create_token(hub.dsn, "full", "pwa-historique"))
        page.goto(f"/sessions/{SID}")
        expect(page.get_by_text("Dernière réponse")).to_be_visible()
        loading = page.get_by_role("status").filter(has_text=LOADING)
        expect(loading).to_be_visible()
        expect(page.get_by_text("Aucun message pour l'instant.")).to_have_count(0)
        expect(page.get_by_role("button", name="Messages précédents")).to_have_count(0)
        _send(hub, agent, 4000, 9000, "history", message("h2", "Avant-dernière question"))
        expect(page.get_by_text("Avant-dernière question")).to_be_visible(timeout=15_000)
        expect(loading).to_be_visible()
        _send(hub, agent, 0, 4000, "history", message("h1", "Toute première question"))
        expect(page.get_by_text("Toute première question")).to_be_visible(timeout=15_000)
        expect(loading).to_have_count(0)
        texts = page.get_by_role("list", name="Messages").inner_text()
        order = [texts.index(t) for t in ("Toute première", "Avant-dernière", "Dernière réponse")]
        assert order == sorted(order), texts
    finally:
        context.close()
