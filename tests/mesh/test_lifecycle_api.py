"""The capture lifecycle API against a real hub and Postgres: a voice capture recorded,
filed, told and delivered through it, each step the SQL function's own rules; tokens and
unknown ids refused."""

from __future__ import annotations

import json
from typing import Any

import httpx
import psycopg

from tests.mesh.hub_harness import auth, hub_settings, issue, running_hub

CLASSIFIED = {
    "category": "todo",
    "project": None,
    "client_id": None,
    "summary": "Appeler le garage",
    "actions": [{"text": "appeler le garage", "due": "2030-05-02", "due_phrase": "vendredi"}],
    "cc_prompt": None,
    "classifier": "local",
    "needs_review": False,
}


def _voice_capture(db: psycopg.Connection) -> str:
    row = db.execute(
        "SELECT assistant.record_capture(%s::jsonb) AS c",
        (json.dumps({"mode": "voice", "channel": "api", "audio_ref": "aud_x"}),),
    ).fetchone()
    assert row is not None
    return str(row["c"]["capture_id"])


async def test_a_capture_goes_through_its_lifecycle(db: psycopg.Connection, pg_dsn: str) -> None:
    """Transcript, filing, outcome, then its calendar delivery claimed and recorded done."""
    cap = _voice_capture(db)
    token = issue(pg_dsn, "full")
    with running_hub(hub_settings(pg_dsn)) as url:
        async with httpx.AsyncClient(base_url=url, headers=auth(token)) as client:
            heard = await client.post(
                f"/api/lifecycle/captures/{cap}/transcript",
                json={"transcript": "appeler le garage vendredi", "language": "fr",
                      "duration_s": 2.5},
            )  # fmt: skip
            assert heard.status_code == 200, heard.text
            assert heard.json()["status"] == "pending_classification"
            filed = (await client.post(
                f"/api/lifecycle/captures/{cap}/filing",
                json={"result": CLASSIFIED, "long_note_chars": 2000},
            )).json()  # fmt: skip
            assert (filed["status"], filed["voice_format"]) == ("filed", "mp3")
            assert filed["speech_request"]["capture"]["status"] == "filed"
            told = (await client.post(
                f"/api/lifecycle/captures/{cap}/outcome", json={"speech": "C'est noté."}
            )).json()  # fmt: skip
            assert told == {"capture_id": cap, "status": "filed", "deliver": True}
            due = (await client.get("/api/lifecycle/deliveries/due")).json()
            assert {"capture_id": cap} in due
            claimed = (await client.post(
                "/api/lifecycle/deliveries/claim",
                json={"capture_id": cap, "configured": ["calendar"]},
            )).json()  # fmt: skip
            assert [d["kind"] for d in claimed] == ["calendar_event"]
            assert claimed[0]["request"]["summary"] == "appeler le garage"
            again = await client.post(
                "/api/lifecycle/deliveries/claim",
                json={"capture_id": cap, "configured": ["calendar"]},
            )
            assert again.json() == []  # leased: nobody takes it twice
            done = (await client.post(
                f"/api/lifecycle/deliveries/{claimed[0]['id']}/result",
                json={"status": 200, "body": {"id": "evt1"}},
            )).json()  # fmt: skip
            assert (done["state"], done["attempts"]) == ("done", 1)
            capture = (await client.get(f"/api/lifecycle/captures/{cap}")).json()
            assert capture["speech"] == "C'est noté." and capture["actions"][0]["due"]


async def test_failed_deliveries_are_retried_and_failed_filing_backs_off(
    db: psycopg.Connection, pg_dsn: str
) -> None:
    """A classifier error schedules the next pass; a 400 fails a delivery, retry revives it."""
    cap = _voice_capture(db)
    token = issue(pg_dsn, "full")
    with running_hub(hub_settings(pg_dsn)) as url:
        async with httpx.AsyncClient(base_url=url, headers=auth(token)) as client:
            await client.post(
                f"/api/lifecycle/captures/{cap}/transcript", json={"transcript": "garage"}
            )
            down = {"error": {"code": "model_unavailable", "message": "Ollama is down"}}
            failed = await client.post(
                f"/api/lifecycle/captures/{cap}/filing", json={"result": down, "backoff_s": 0.1}
            )
            assert failed.json()["status"] == "pending_classification"
            row = db.execute(
                "SELECT attempts, last_error FROM assistant.captures WHERE id = %s", (cap,)
            ).fetchone()
            assert row == {"attempts": 1, "last_error": "Ollama is down"}
            db.execute(
                "UPDATE assistant.captures SET next_attempt_at = now() WHERE id = %s", (cap,)
            )
            claimed = (await client.post("/api/lifecycle/retries/claim", json={"limit": 50})).json()
            assert cap in [c["capture_id"] for c in claimed]
            await client.post(f"/api/lifecycle/captures/{cap}/filing", json={"result": CLASSIFIED})
            [delivery] = (await client.post(
                "/api/lifecycle/deliveries/claim",
                json={"capture_id": cap, "configured": ["calendar"]},
            )).json()  # fmt: skip
            refused = (await client.post(
                f"/api/lifecycle/deliveries/{delivery['id']}/result",
                json={"status": 400, "body": {"error": "bad request"}},
            )).json()  # fmt: skip
            assert refused["state"] == "failed"
            retried = await client.post(f"/api/lifecycle/captures/{cap}/deliveries/retry", json={})
            assert retried.json() == {"capture_id": cap, "retried": 1}


async def test_tokens_ids_and_bodies_are_checked(db: psycopg.Connection, pg_dsn: str) -> None:
    """No token 401, a capture token 403, unknown ids 404, a bad field 400 naming it."""
    cap = _voice_capture(db)
    full, capture_only = issue(pg_dsn, "full"), issue(pg_dsn, "capture")
    ghost = "cap_" + "0" * 26
    with running_hub(hub_settings(pg_dsn)) as url:
        async with httpx.AsyncClient(base_url=url) as client:
            path = f"/api/lifecycle/captures/{cap}"
            assert (await client.get(path)).status_code == 401
            assert (await client.get(path, headers=auth(capture_only))).status_code == 403
            missing = await client.post(
                f"/api/lifecycle/captures/{ghost}/filing",
                json={"result": CLASSIFIED},
                headers=auth(full),
            )
            assert missing.status_code == 404, missing.text
            assert missing.json()["error"]["code"] == "not_found"
            gone = await client.post(
                f"/api/lifecycle/deliveries/dlv_{'0' * 26}/result",
                json={"status": 200},
                headers=auth(full),
            )
            assert gone.status_code == 404
            bad: dict[str, Any] = {"capture_id": cap, "configured": ["fax"]}
            wrong = await client.post(
                "/api/lifecycle/deliveries/claim", json=bad, headers=auth(full)
            )
            assert wrong.status_code == 400 and "configured" in wrong.json()["error"]["message"]


async def test_a_whatsapp_message_is_recorded_once_and_refused_without_content(
    db: psycopg.Connection, pg_dsn: str
) -> None:
    """A text and a voice note become captures replying to their sender; the same message id
    again creates nothing; a voice note without audio or a blank text is a 400, nothing kept."""
    text = {"message_id": "wamid.LIFE1", "from": "33611223344", "type": "text",
            "text": "Rappeler Dupont", "name": "Solo"}  # fmt: skip
    voice = {"message_id": "wamid.LIFE2", "from": "33611223344", "type": "audio",
             "media_id": "m1", "voice": True}  # fmt: skip
    route = "/api/lifecycle/whatsapp/captures"
    with running_hub(hub_settings(pg_dsn)) as url:
        async with httpx.AsyncClient(base_url=url, headers=auth(issue(pg_dsn, "full"))) as client:
            first = await client.post(route, json={"message": text})
            again = await client.post(route, json={"message": text})
            heard = await client.post(route, json={"message": voice, "audio_ref": "a" * 32})
            mute = await client.post(route, json={"message": {**voice, "message_id": "wamid.X"}})
            blank = await client.post(route, json={"message": {**text, "text": " "}})
    assert first.status_code == 200, first.text
    capture = first.json()["capture"]
    assert first.json()["created"] is True and again.json()["created"] is False
    assert again.json()["capture"]["capture_id"] == capture["capture_id"]
    assert (capture["channel"], capture["mode"], capture["text"], capture["reply_to"]) == (
        "whatsapp", "text", "Rappeler Dupont", "33611223344")  # fmt: skip
    assert heard.json()["capture"]["mode"] == "voice" and heard.json()["created"] is True
    assert heard.json()["capture"]["audio_ref"] == "a" * 32
    assert [mute.status_code, blank.status_code] == [400, 400]
    assert "audio_ref" in mute.json()["error"]["message"]
    kept = db.execute("SELECT count(*) AS n FROM assistant.captures WHERE channel = 'whatsapp'")
    assert kept.fetchone() == {"n": 2}
