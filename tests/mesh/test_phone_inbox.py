"""The inbox API against a real hub and Postgres: listing, French search, detail, audio,
manual re-classification (persisted, audited, announced to n8n) and retry."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest

from solo_brain.media import MediaStore
from tests.mesh.hub_harness import auth, hub_settings, issue, recording_webhook, running_hub
from tests.support.wait import until


def _capture(db: psycopg.Connection, **fields: Any) -> str:
    row = db.execute("SELECT assistant.record_capture(%s::jsonb) AS c", (json.dumps(fields),))
    found = row.fetchone()
    assert found is not None
    return str(found["c"]["capture_id"])


@pytest.fixture
def seeded(db: psycopg.Connection) -> dict[str, str]:
    """A small catalog and four captures, oldest first."""
    db.execute("INSERT INTO assistant.clients (id, name) VALUES ('acme', 'Acmé')")
    db.execute(
        "INSERT INTO assistant.projects (slug, name, client_id) VALUES "
        "('imx8mp-vision', 'IMX8MP vision', 'acme'), ('orchestrator', 'Orch', NULL)"
    )
    return {
        "meeting": _capture(db, text="Réunion avec Hélène pour la caméra thermique",
                            category="client", client_id="acme", project="imx8mp-vision",
                            actions=[{"text": "préparer le devis", "due": "2026-06-01"}]),
        "idea": _capture(db, text="Idée : benchmarker le NPU", category="idee_rd",
                         project="imx8mp-vision"),
        "pending": _capture(db, text="note sans classement"),
        "todo": _capture(db, text="Acheter du café", category="perso"),
    }  # fmt: skip


def _ids(body: dict[str, Any]) -> list[str]:
    return [c["capture_id"] for c in body["captures"]]


async def test_list_pages_newest_first_and_filters(seeded: dict[str, str], pg_dsn: str) -> None:
    """Newest first in pages; status, category, project and client narrow the list."""
    token = issue(pg_dsn, "full")
    with running_hub(hub_settings(pg_dsn)) as url:
        async with httpx.AsyncClient(base_url=url, headers=auth(token)) as client:
            first = (await client.get("/api/captures", params={"limit": 3})).json()
            assert _ids(first) == [seeded["todo"], seeded["pending"], seeded["idea"]]
            rest = await client.get(
                "/api/captures", params={"limit": 3, "before": first["next_before"]}
            )
            assert _ids(rest.json()) == [seeded["meeting"]] and rest.json()["next_before"] is None
            meeting = rest.json()["captures"][0]
            assert meeting["actions"][0]["text"] == "préparer le devis"
            assert meeting["excerpt"].startswith("Réunion") and meeting["deliveries"] == {}

            async def only(**params: str) -> list[str]:
                return _ids((await client.get("/api/captures", params=params)).json())

            assert await only(status="pending") == [seeded["pending"]]
            assert await only(category="idee_rd") == [seeded["idea"]]
            assert await only(project="imx8mp-vision") == [seeded["idea"], seeded["meeting"]]
            assert await only(client="acme") == [seeded["meeting"]]
            bad = await client.get("/api/captures", params={"status": "nope"})
            assert bad.status_code == 400


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("réunion", ["meeting"]),
        ("REUNION", ["meeting"]),
        ("helene camera", ["meeting"]),
        ("réun", ["meeting"]),
        ("devis", ["meeting"]),
        ("benchmark npu", ["idea"]),
        ("cafe", ["todo"]),
        ("zèbre", []),
    ],
)
def test_search_is_french_full_text_with_accents_folded(
    seeded: dict[str, str], pg_dsn: str, q: str, expected: list[str]
) -> None:
    """`q` finds words with or without accents, in any case, as prefixes, in actions too."""
    token = issue(pg_dsn, "full")
    with running_hub(hub_settings(pg_dsn)) as url:
        answer = httpx.get(f"{url}/api/captures", params={"q": q}, headers=auth(token))
    assert _ids(answer.json()) == [seeded[name] for name in expected]


async def test_detail_has_actions_audit_and_audio(
    db: psycopg.Connection, pg_dsn: str, tmp_path: Path
) -> None:
    """A capture reads in full; its kept audio is served until it is purged (then 404)."""
    media = MediaStore(tmp_path / "media")
    kept = media.save(b"RIFF----WAVEfmt fake", "wav")
    capture_id = _capture(db, audio_ref=kept.ref, transcript="Bonjour", category="note_tech")
    token = issue(pg_dsn, "full")
    with running_hub(hub_settings(pg_dsn, MEDIA_DIR=str(tmp_path / "media"))) as url:
        async with httpx.AsyncClient(base_url=url, headers=auth(token)) as client:
            detail = (await client.get(f"/api/captures/{capture_id}")).json()
            assert detail["transcript"] == "Bonjour" and detail["mode"] == "voice"
            assert detail["audio_url"] == f"/api/captures/{capture_id}/audio"
            assert [a["action"] for a in detail["audit"]] == ["capture.recorded"]
            audio = await client.get(detail["audio_url"])
            assert audio.status_code == 200 and audio.content == b"RIFF----WAVEfmt fake"
            assert audio.headers["content-type"] == "audio/wav"
            kept.path.unlink()
            purged = await client.get(detail["audio_url"])
            assert purged.status_code == 404 and purged.json()["error"]["code"] == "audio_not_found"
            missing = await client.get("/api/captures/cap_01HXY0000000000000000000ZZ")
            assert missing.status_code == 404


async def test_reclassification_persists_is_audited_and_announced(
    seeded: dict[str, str], db: psycopg.Connection, pg_dsn: str
) -> None:
    """A PATCH changes category, project and actions, names the device in the audit log and
    tells n8n (capture_reclassified); catalog and action checks refuse bad input."""
    token = issue(pg_dsn, "full", "iPhone")
    capture_id = seeded["pending"]
    with recording_webhook() as (hook, recorder):
        with running_hub(hub_settings(pg_dsn, events_webhook_url=hook)) as url:
            async with httpx.AsyncClient(base_url=url, headers=auth(token)) as client:
                change = {"category": "todo", "project": "orchestrator",
                          "actions": [{"text": "relancer Paul", "due": "2026-06-02"}]}  # fmt: skip
                done = await client.patch(f"/api/captures/{capture_id}", json=change)
                assert done.status_code == 200, done.text
                body = done.json()
                assert (body["category"], body["project"], body["status"]) == (
                    "todo", "orchestrator", "filed")  # fmt: skip
                assert [(a["text"], a["due"]) for a in body["actions"]] == [
                    ("relancer Paul", "2026-06-02")]  # fmt: skip
                audit = body["audit"][-1]
                assert audit["action"] == "capture.reclassified"
                assert audit["actor"] == "token:iPhone"
                assert audit["detail"]["after"]["project"] == "orchestrator"
                await until(lambda: recorder.events("capture_reclassified"), what="the event")
                unknown = await client.patch(
                    f"/api/captures/{capture_id}", json={"project": "nope"}
                )
                assert unknown.status_code == 400 and "unknown project" in unknown.text
                other = db.execute("SELECT id FROM assistant.actions WHERE capture_id = %s",
                                   (seeded["meeting"],)).fetchone()  # fmt: skip
                assert other is not None
                stolen = {"actions": [{"id": other["id"], "text": "x"}]}
                refused = await client.patch(f"/api/captures/{capture_id}", json=stolen)
                assert refused.status_code == 400
                extra = await client.patch(f"/api/captures/{capture_id}", json={"status": "filed"})
                assert extra.status_code == 400
    [event] = recorder.events("capture_reclassified")
    assert event["capture_id"] == capture_id and event["actor"] == "token:iPhone"
    stored = db.execute("SELECT category, classifier FROM assistant.captures WHERE id = %s",
                        (capture_id,)).fetchone()  # fmt: skip
    assert stored == {"category": "todo", "classifier": "manual"}


async def test_a_replayed_reclassification_is_applied_once(
    seeded: dict[str, str], db: psycopg.Connection, pg_dsn: str
) -> None:
    """The same Idempotency-Key twice (an outbox replay after a lost answer) changes nothing the
    second time: the new action keeps its id, one audit line, one event to n8n."""
    token = issue(pg_dsn, "full", "iPhone")
    capture_id = seeded["idea"]
    change = {"category": "todo", "actions": [{"text": "commander la carte", "due": "2026-06-03"}]}
    headers = {"Idempotency-Key": "rcl_01JABCDEFGHJKMNPQRSTVWXYZ0"}
    with recording_webhook() as (hook, recorder):
        with running_hub(hub_settings(pg_dsn, events_webhook_url=hook)) as url:
            async with httpx.AsyncClient(base_url=url, headers=auth(token)) as client:
                path = f"/api/captures/{capture_id}"
                first = await client.patch(path, json=change, headers=headers)
                again = await client.patch(path, json=change, headers=headers)
                assert first.status_code == again.status_code == 200, again.text
                assert first.json()["actions"] == again.json()["actions"]
                await until(lambda: recorder.events("capture_reclassified"), what="the event")
                other = {"Idempotency-Key": "rcl_01JABCDEFGHJKMNPQRSTVWXYZ1"}
                bad = await client.patch(path, json={"category": "perso"}, headers={
                    "Idempotency-Key": "no spaces allowed"})  # fmt: skip
                assert bad.status_code == 400
                third = await client.patch(path, json={"category": "perso"}, headers=other)
                assert third.json()["category"] == "perso"
                await until(lambda: len(recorder.events("capture_reclassified")) == 2)
    actions = db.execute("SELECT id FROM assistant.actions WHERE capture_id = %s", (capture_id,))
    assert len(actions.fetchall()) == 1
    audit = db.execute(
        "SELECT detail FROM assistant.audit_log WHERE subject = %s "
        "AND action = 'capture.reclassified' ORDER BY id",
        (capture_id,),
    ).fetchall()
    assert [a["detail"]["after"]["idempotency_key"] for a in audit] == [
        headers["Idempotency-Key"], other["Idempotency-Key"]]  # fmt: skip


async def test_retry_takes_a_failed_capture_again(
    seeded: dict[str, str], db: psycopg.Connection, pg_dsn: str
) -> None:
    """A failed capture goes back to pending, leased, and n8n is told; a filed one is a 409."""
    failed = seeded["pending"]
    db.execute("UPDATE assistant.captures SET failed_at = now(), attempts = 12 WHERE id = %s",
               (failed,))  # fmt: skip
    token = issue(pg_dsn, "full")
    with recording_webhook() as (hook, recorder):
        with running_hub(hub_settings(pg_dsn, events_webhook_url=hook)) as url:
            async with httpx.AsyncClient(base_url=url, headers=auth(token)) as client:
                listed = await client.get("/api/captures", params={"status": "failed"})
                assert _ids(listed.json()) == [failed]
                retried = await client.post(f"/api/captures/{failed}/retry")
                assert retried.status_code == 202, retried.text
                assert retried.json() == {"capture_id": failed, "redo": "filing", "queued": True,
                                          "status": "pending_classification"}  # fmt: skip
                await until(lambda: recorder.events("capture_retry"), what="the retry event")
                nothing = await client.post(f"/api/captures/{seeded['todo']}/retry")
                assert nothing.status_code == 409
    row = db.execute("SELECT attempts, next_attempt_at > now() AS leased, failed_at "
                     "FROM assistant.captures WHERE id = %s", (failed,)).fetchone()  # fmt: skip
    assert row == {"attempts": 0, "leased": True, "failed_at": None}
    assert recorder.events("capture_retry")[0]["redo"] == "filing"
    audit = db.execute("SELECT actor FROM assistant.audit_log WHERE subject = %s "
                       "AND action = 'capture.retried'", (failed,)).fetchone()  # fmt: skip
    assert audit == {"actor": "token:test-full"}


def _delivery(db: psycopg.Connection, capture_id: str, kind: str, state: str, **fields: Any) -> str:
    row = db.execute(
        "INSERT INTO assistant.deliveries (id, capture_id, kind, state, idempotency_key, "
        "action_id, external_ref, last_error) VALUES ('dlv_' || assistant.new_ulid(), %s, %s, "
        "%s, %s, %s, %s, %s) RETURNING id",
        (capture_id, kind, state, f"test:{kind}:{capture_id}:{fields.get('action_id')}",
         fields.get("action_id"), fields.get("external_ref"), fields.get("last_error")),
    ).fetchone()  # fmt: skip
    assert row is not None
    return str(row["id"])


def _action_id(db: psycopg.Connection, capture_id: str) -> int:
    (row,) = db.execute("SELECT id FROM assistant.actions WHERE capture_id = %s",
                        (capture_id,)).fetchall()  # fmt: skip
    return int(row["id"])


async def test_detail_lists_deliveries(
    seeded: dict[str, str], db: psycopg.Connection, pg_dsn: str
) -> None:
    """Deliveries show in the detail and the list; an action's calendar event and stored_in
    are what its done deliveries made; a failed delivery is retried by hand."""
    capture_id = seeded["meeting"]
    action_id = _action_id(db, capture_id)
    _delivery(db, capture_id, "calendar_event", "done", action_id=action_id, external_ref="sbevt1")
    _delivery(db, capture_id, "onyx_document", "failed", last_error="Onyx answered 400")
    token = issue(pg_dsn, "full")
    with recording_webhook() as (hook, recorder):
        with running_hub(hub_settings(pg_dsn, events_webhook_url=hook)) as url:
            async with httpx.AsyncClient(base_url=url, headers=auth(token)) as client:
                detail = (await client.get(f"/api/captures/{capture_id}")).json()
                kinds = [(d["kind"], d["state"]) for d in detail["deliveries"]]
                assert kinds == [("calendar_event", "done"), ("onyx_document", "failed")]
                assert detail["actions"][0]["calendar_event_id"] == "sbevt1"
                stored = [f"pg:captures/{capture_id}", f"pg:actions/{action_id}", "gcal:sbevt1"]
                assert detail["stored_in"] == stored
                listed = (
                    await client.get("/api/captures", params={"status": "delivery_failed"})
                ).json()
                assert _ids(listed) == [capture_id]
                assert listed["captures"][0]["deliveries"] == {"done": 1, "failed": 1}
                retried = await client.post(f"/api/captures/{capture_id}/retry")
                assert retried.status_code == 202, retried.text
                assert retried.json()["redo"] == "deliveries"
                await until(lambda: recorder.events("capture_retry"), what="the retry event")
    states = db.execute(
        "SELECT kind, state, attempts FROM assistant.deliveries WHERE capture_id = %s "
        "ORDER BY kind", (capture_id,)).fetchall()  # fmt: skip
    assert [tuple(r.values()) for r in states] == [("calendar_event", "done", 0),
                                                   ("onyx_document", "pending", 0)]  # fmt: skip


async def test_reclassification_keeps_actions_by_id_and_moves_their_events(
    seeded: dict[str, str], db: psycopg.Connection, pg_dsn: str
) -> None:
    """An action named by id is updated in place (a new date: its event is replaced), one
    without id is added (its event planned), one left out is deleted (its event removed)."""
    capture_id = seeded["meeting"]
    kept = _action_id(db, capture_id)
    _delivery(db, capture_id, "calendar_event", "done", action_id=kept, external_ref="sbevt1")
    token = issue(pg_dsn, "full")
    with running_hub(hub_settings(pg_dsn)) as url:
        async with httpx.AsyncClient(base_url=url, headers=auth(token)) as client:
            change = {
                "actions": [
                    {"text": "envoyer le devis", "due": "2026-06-05"},
                    {"id": kept, "text": "préparer le devis", "due": "2026-06-03"},
                ]
            }
            moved = (await client.patch(f"/api/captures/{capture_id}", json=change)).json()
            added = next(a["id"] for a in moved["actions"] if a["id"] != kept)
            assert [(a["id"], a["due"]) for a in moved["actions"]] == [
                (added, "2026-06-05"), (kept, "2026-06-03")]  # fmt: skip
            planned = {(d["kind"], d["action_id"], d["state"]) for d in moved["deliveries"]}
            assert planned == {("calendar_event", kept, "done"),
                               ("calendar_event", kept, "pending"),
                               ("calendar_event", added, "pending"),
                               ("calendar_cancel", None, "pending")}  # fmt: skip
            emptied = (await client.patch(f"/api/captures/{capture_id}",
                                          json={"actions": []})).json()  # fmt: skip
    assert emptied["actions"] == []
    cancels = [d for d in emptied["deliveries"] if d["kind"] == "calendar_cancel"]
    assert [c["detail"]["event_id"] for c in cancels] == ["sbevt1"]  # the one event that exists
    pending = {d["state"] for d in emptied["deliveries"] if d["kind"] == "calendar_event"
               and d["external_ref"] is None}  # fmt: skip
    assert pending == {"skipped"}  # never made: nothing to remove
