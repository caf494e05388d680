"""Hub: prompts from the phone reach the session's agent, wait while a terminal holds the
session or the agent is away, and their end is announced to the events webhook."""

from __future__ import annotations

import httpx
import psycopg

from mesh_protocol import Ping, Pong, Prompt, PromptStatus
from solo_brain.mesh.prompt_delivery import LIVE_WARNING, OFFLINE_WARNING
from tests.mesh.hub_harness import (
    auth,
    hub_settings,
    issue,
    recording_webhook,
    running_hub,
    scripted_agent,
)
from tests.support.wait import until

SID = "9b2d5e8a-1c3f-4a6b-8d7e-0f1a2b3c4d5e"
OTHER = "1a2b3c4d-0000-4000-8000-000000000001"


async def test_prompt_is_delivered_and_its_end_announced(
    db: psycopg.Connection, pg_dsn: str
) -> None:
    """A prompt goes to the agent at once; done → prompt_finished on the webhook; audited."""
    agent_token, full = issue(pg_dsn, "agent"), issue(pg_dsn, "full", "iphone")
    with recording_webhook() as (hook_url, recorder):
        settings = hub_settings(pg_dsn, events_webhook_url=hook_url)
        with running_hub(settings) as url:
            async with (
                scripted_agent(url, agent_token) as agent,
                httpx.AsyncClient(base_url=url, headers=auth(full)) as client,
            ):
                await agent.session(SID, cwd="/srv/api", title="API")
                answer = await client.post(
                    f"/api/sessions/{SID}/prompt",
                    json={"text": "ajoute un endpoint /health", "voice_reply": True},
                )
                assert answer.status_code == 200, answer.text
                body = answer.json()
                assert body["queued"] is False and body["warning"] is None
                assert body["eta_seconds"] >= 1 and body["prompt_id"].startswith("prm_")
                prompt = await agent.expect(Prompt)
                assert (prompt.prompt_id, prompt.session_id) == (body["prompt_id"], SID)
                assert prompt.text == "ajoute un endpoint /health" and prompt.force is False
                await agent.send(PromptStatus(prompt_id=prompt.prompt_id, state="running"))
                await agent.send(PromptStatus(prompt_id=prompt.prompt_id, state="done"))
                finished = await until(lambda: recorder.events("prompt_finished"))
    assert finished[0]["prompt_id"] == body["prompt_id"] and finished[0]["state"] == "done"
    assert finished[0]["voice_reply"] is True and finished[0]["session_title"] == "API"
    row = db.execute("SELECT state, started_at, finished_at FROM assistant.prompts").fetchone()
    assert row is not None and row["state"] == "done" and row["finished_at"] >= row["started_at"]
    audit = db.execute(
        "SELECT actor, subject, detail FROM assistant.audit_log WHERE action = 'prompt.created'"
    ).fetchone()
    assert audit is not None and audit["actor"] == "token:iphone"
    assert audit["subject"] == body["prompt_id"] and audit["detail"]["session_id"] == SID


async def test_live_terminal_queues_until_free_and_force_runs_now(
    db: psycopg.Connection, pg_dsn: str
) -> None:
    """While a terminal holds the session a prompt waits (with a warning) and leaves once the
    session is free; a forced prompt is delivered at once."""
    agent_token, full = issue(pg_dsn, "agent"), issue(pg_dsn, "full")
    with running_hub(hub_settings(pg_dsn)) as url:
        async with (
            scripted_agent(url, agent_token) as agent,
            httpx.AsyncClient(base_url=url, headers=auth(full)) as client,
        ):
            await agent.session(SID, cwd="/srv/api", status="live_terminal", live=True)
            path = f"/api/sessions/{SID}/prompt"
            waiting = (await client.post(path, json={"text": "attends"})).json()
            assert waiting["queued"] is True and waiting["warning"] == LIVE_WARNING
            forced = (await client.post(path, json={"text": "vas-y", "force": True})).json()
            assert forced["queued"] is False
            first = await agent.expect(Prompt)
            assert (first.prompt_id, first.force) == (forced["prompt_id"], True)
            listed = (await client.get(f"/api/sessions/{SID}/prompts")).json()
            assert [(p["text"], p["force"], p["state"]) for p in listed] == [
                ("vas-y", True, "queued"),
                ("attends", False, "queued"),
            ]
            await agent.session(SID, cwd="/srv/api", status="idle", live=False)
            second = await agent.expect(Prompt)
            assert (second.prompt_id, second.text) == (waiting["prompt_id"], "attends")


async def test_prompt_waits_for_an_offline_agent(db: psycopg.Connection, pg_dsn: str) -> None:
    """A prompt for a machine that is away is kept and delivered once when it reconnects."""
    agent_token, full = issue(pg_dsn, "agent"), issue(pg_dsn, "full")
    with running_hub(hub_settings(pg_dsn)) as url:
        async with scripted_agent(url, agent_token, "pc-maison") as agent:
            await agent.session(SID, cwd="/home/me/api")
            await agent.session(OTHER, cwd="/home/me/other")
        async with httpx.AsyncClient(base_url=url, headers=auth(full)) as client:
            await until(
                lambda: (
                    db.execute("SELECT online FROM assistant.agents").fetchone()
                    == {"online": False}
                ),
                what="agent marked offline",
            )
            answer = await client.post(f"/api/sessions/{SID}/prompt", json={"text": "plus tard"})
            body = answer.json()
        assert body["queued"] is True and body["warning"] == OFFLINE_WARNING
        async with scripted_agent(url, agent_token, "pc-maison") as agent:
            prompt = await agent.expect(Prompt)
            assert (prompt.prompt_id, prompt.text) == (body["prompt_id"], "plus tard")
        async with scripted_agent(url, agent_token, "pc-maison") as agent:
            await agent.session(OTHER, cwd="/home/me/other")
            await agent.send(PromptStatus(prompt_id=body["prompt_id"], state="failed", error="x"))
            # Nothing is delivered twice: the next frame is the answer to our ping.
            await agent.send(Ping(ts=1.5))
            assert await agent.expect(Pong) == Pong(ts=1.5)


async def test_prompt_for_unknown_session_is_404(db: psycopg.Connection, pg_dsn: str) -> None:
    """A prompt for a session the hub never saw is refused and nothing is stored."""
    full = issue(pg_dsn, "full")
    with running_hub(hub_settings(pg_dsn)) as url:
        async with httpx.AsyncClient(base_url=url, headers=auth(full)) as client:
            answer = await client.post(f"/api/sessions/{SID}/prompt", json={"text": "x"})
            empty = await client.post(f"/api/sessions/{SID}/prompt", json={"text": ""})
            listed = await client.get(f"/api/sessions/{SID}/prompts")
    assert answer.status_code == 404 and answer.json()["error"]["code"] == "not_found"
    assert listed.status_code == 404
    assert empty.status_code == 400 and empty.json()["error"]["code"] == "invalid_request"
    assert db.execute("SELECT count(*) AS n FROM assistant.prompts").fetchone() == {"n": 0}


async def test_a_retried_prompt_with_the_same_key_is_the_same_prompt(
    db: psycopg.Connection, pg_dsn: str
) -> None:
    """n8n retrying a prompt it sent (same idempotency key) gets it back, not a second prompt."""
    agent_token, full = issue(pg_dsn, "agent"), issue(pg_dsn, "full")
    with running_hub(hub_settings(pg_dsn)) as url:
        async with (
            scripted_agent(url, agent_token) as agent,
            httpx.AsyncClient(base_url=url, headers=auth(full)) as client,
        ):
            await agent.session(SID, cwd="/srv/api")
            body = {"text": "relance les tests", "idempotency_key": "cc_prompt:cap_X"}
            first = (await client.post(f"/api/sessions/{SID}/prompt", json=body)).json()
            await agent.expect(Prompt)
            again = (await client.post(f"/api/sessions/{SID}/prompt", json=body)).json()
    assert again["prompt_id"] == first["prompt_id"] and again["queued"] is False
    count = db.execute("SELECT count(*) AS n FROM assistant.prompts").fetchone()
    assert count is not None and count["n"] == 1
