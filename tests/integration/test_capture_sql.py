"""The capture lifecycle's SQL functions (db/functions/), called as the workflows call them."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest

from tests.support.sql import call, classification, deliveries, filed, received, rows


def _row(db: psycopg.Connection[Any], capture_id: str) -> dict[str, Any]:
    found = db.execute("SELECT * FROM assistant.captures WHERE id = %s", (capture_id,))
    return dict(found.fetchone())  # type: ignore[arg-type]


def test_status_follows_from_what_is_known_whoever_writes(db: psycopg.Connection) -> None:
    """Audio alone is pending transcription, text pending classification, a category filed."""
    audio = call(db, "receive_capture", {"audio_ref": "a" * 32, "channel": "siri"})
    assert audio["status"] == "pending_transcription"
    text = call(db, "receive_capture", {"text": "Une idée", "channel": "pwa"})
    assert text["status"] == "pending_classification"
    db.execute("UPDATE assistant.captures SET category = 'idee_rd', status = 'failed' "
               "WHERE id = %s", (text["capture_id"],))  # fmt: skip
    assert _row(db, text["capture_id"])["status"] == "filed"


def test_filing_records_the_classification_and_plans_the_deliveries(
    db: psycopg.Connection,
) -> None:
    """A classification files the capture and plans one calendar event per dated action."""
    capture_id = received(db)
    result = call(db, "file_capture", {"capture_id": capture_id, "result": classification(),
                                       "long_note_chars": 600})  # fmt: skip
    assert result["status"] == "filed" and result["voice_format"] == "mp3"
    row = _row(db, capture_id)
    assert (row["category"], row["speech"], row["next_attempt_at"]) == ("todo", None, None)
    (event,) = deliveries(db, capture_id)
    assert (event["kind"], event["state"], event["detail"]["due"]) == (
        "calendar_event", "pending", "2026-05-15")  # fmt: skip
    spoken = result["speech_request"]
    assert spoken["capture"]["status"] == "filed" and spoken["deferred"] is False
    assert spoken["capture"]["actions"][0]["due"] == "2026-05-15"
    assert spoken["deliveries"] == [{"kind": "calendar_event", "state": "pending",
                                     "action_id": event["action_id"]}]  # fmt: skip


def test_filing_twice_plans_nothing_twice(db: psycopg.Connection) -> None:
    """A repeated pass (retry, duplicate) keeps the action and its one calendar delivery."""
    capture_id = filed(db)
    again = call(db, "file_capture", {"capture_id": capture_id, "result": classification()})
    assert again["status"] == "filed"
    call(db, "file_capture", {"capture_id": capture_id, "result": {"capture": {}}})
    assert [d["kind"] for d in deliveries(db, capture_id)] == ["calendar_event"]


def test_long_note_and_prompt_are_planned(db: psycopg.Connection) -> None:
    """A note over long_note_chars goes to Onyx; a Claude Code prompt is a delivery of its own."""
    capture_id = received(db, "x" * 50)
    prompt = {"session_hint": "thermocam", "prompt": "ajoute un test"}
    call(db, "file_capture", {"capture_id": capture_id, "long_note_chars": 40,
                              "result": classification(actions=[], cc_prompt=prompt)})  # fmt: skip
    planned = {d["kind"]: d for d in deliveries(db, capture_id)}
    assert planned.keys() == {"onyx_document", "cc_prompt"}
    assert planned["onyx_document"]["detail"] == {"document_id": f"solo-brain-{capture_id}"}
    assert planned["cc_prompt"]["detail"] == prompt


def test_model_failure_backs_off_then_fails_after_max_attempts(db: psycopg.Connection) -> None:
    """Each failure doubles the wait before the next try; the last allowed one gives up."""
    capture_id = call(db, "receive_capture", {"audio_ref": "a" * 32})["capture_id"]
    failure = {"capture_id": capture_id, "result": {"error": {"message": "whisper down"}},
               "backoff_s": 10, "max_attempts": 4}  # fmt: skip
    waits = []
    for _ in range(3):
        assert call(db, "file_capture", failure)["status"] == "pending_transcription"
        waits.append(db.execute("SELECT extract(epoch FROM next_attempt_at - now()) AS s "
                                "FROM assistant.captures WHERE id = %s",
                                (capture_id,)).fetchone()["s"])  # fmt: skip
    assert [round(w / 10) for w in waits] == [1, 2, 4]
    last = call(db, "file_capture", {**failure, "result": {"error": "still down"}})
    assert last["status"] == "failed"
    assert last["speech_request"]["capture"]["status"] == "failed"
    row = _row(db, capture_id)
    assert (row["attempts"], row["last_error"]) == (4, "still down")
    retried = call(db, "retry_capture", {"capture_id": capture_id})
    assert retried["status"] == "pending_transcription" and retried["attempts"] == 0


def test_a_voice_note_without_words_is_refused_at_once_by_the_retry_path(
    db: psycopg.Connection,
) -> None:
    """classify refusing a voice note whose transcript has no words gives it up at once (failed,
    the reason, never retried) and its sentence says nothing was heard; a capture with words
    failing the same way is only retried."""
    silent = call(db, "receive_capture", {"audio_ref": "a" * 32, "channel": "siri"})["capture_id"]
    heard = call(db, "record_capture", {"capture_id": silent, "transcript": "", "language": "fr"})
    assert (heard["transcript"], heard["status"]) == ("", "pending_classification")
    refusal = {"error": {"code": "invalid_request", "message": "text: blank"}}
    filing = call(db, "file_capture", {"capture_id": silent, "result": refusal})
    assert filing["status"] == "failed"
    assert filing["speech_request"]["capture"]["refused"] == "nothing_heard"
    row = _row(db, silent)
    assert row["last_error"].startswith("refused: ") and "no words" in row["last_error"]
    assert (row["attempts"], row["next_attempt_at"]) == (0, None)
    spoken = received(db, "Une note")
    again = call(db, "file_capture", {"capture_id": spoken, "result": refusal})
    assert again["status"] == "pending_classification"
    assert again["speech_request"]["capture"]["refused"] is None


def test_a_model_answering_after_a_manual_classification_is_ignored(
    db: psycopg.Connection,
) -> None:
    """The user filed it by hand while the model was slow: the model's late answer is dropped."""
    capture_id = received(db)
    db.execute("SELECT assistant.reclassify_capture(%s, %s::jsonb)",
               (capture_id, '{"category": "perso"}'))  # fmt: skip
    call(db, "file_capture", {"capture_id": capture_id, "result": classification()})
    row = _row(db, capture_id)
    assert (row["category"], row["classifier"]) == ("perso", "manual")


def test_telling_the_outcome_answers_or_notifies(db: psycopg.Connection) -> None:
    """Told in time: answered, no notification; told after a deferral: one notification."""
    early = filed(db)
    told = call(db, "finish_capture", {"capture_id": early, "speech": "Capté.",
                                       "tts_url": "http://x/a.mp3"})  # fmt: skip
    assert told["deliver"] is True  # its calendar event waits
    assert _row(db, early)["confirmation"] == "answered"
    assert [d["kind"] for d in deliveries(db, early)] == ["calendar_event"]

    late = filed(db)
    assert call(db, "defer_confirmation", {"capture_id": late})["deferred"] is True
    call(db, "finish_capture", {"capture_id": late, "speech": "Capté.", "tts_url": "http://x/b"})
    call(db, "finish_capture", {"capture_id": late, "speech": "Capté.", "tts_url": "http://x/b"})
    notes = [d for d in deliveries(db, late) if d["kind"] in ("gotify", "push")]
    assert [n["kind"] for n in notes] == ["gotify", "push"]  # one per channel
    assert {n["detail"]["message"] for n in notes} == {"Capté."}
    assert {n["detail"]["url"] for n in notes} == {"http://x/b"}
    assert _row(db, late)["confirmation"] == "notified"


def test_without_a_sentence_nothing_is_told(db: psycopg.Connection) -> None:
    """When the speech service failed, the capture stays untold (a retry will tell it)."""
    capture_id = filed(db)
    told = call(db, "finish_capture", {"capture_id": capture_id, "tts_url": None})
    assert told["deliver"] is False
    assert _row(db, capture_id)["confirmation"] is None


def test_a_pending_outcome_is_answered_and_the_final_one_notified(
    db: psycopg.Connection,
) -> None:
    """Kept in the inbox: the waiting webhook tells it; once filed, a notification follows."""
    capture_id = received(db)
    call(db, "file_capture", {"capture_id": capture_id, "result": {"error": "classify down"}})
    call(db, "finish_capture", {"capture_id": capture_id, "speech": "Gardée dans l'inbox."})
    assert _row(db, capture_id)["confirmation"] == "deferred"
    call(db, "file_capture", {"capture_id": capture_id, "result": classification()})
    call(db, "finish_capture", {"capture_id": capture_id, "speech": "Capté."})
    assert _row(db, capture_id)["confirmation"] == "notified"
    kinds = [d["kind"] for d in deliveries(db, capture_id)]
    assert kinds == ["calendar_event", "gotify", "push"]


def test_whatsapp_replies_once_per_outcome(db: psycopg.Connection) -> None:
    """A WhatsApp voice note gets an inbox reply, then the filed reply as text and voice."""
    message = {"message_id": "wamid.1", "type": "audio", "from": "33600000000"}
    capture = call(db, "receive_whatsapp_capture", {"message": message, "audio_ref": "b" * 32})
    capture_id = capture["capture_id"]
    assert (capture["channel"], capture["mode"], capture["reply_to"]) == (
        "whatsapp", "voice", "33600000000")  # fmt: skip
    again = call(db, "receive_whatsapp_capture", {"message": message, "audio_ref": "c" * 32})
    assert again["created"] is False and again["capture_id"] == capture_id
    failure = {"capture_id": capture_id, "result": {"error": "whisper down"}}
    for _ in range(2):
        call(db, "file_capture", failure)
        call(db, "finish_capture", {"capture_id": capture_id, "speech": "Gardée."})
    db.execute("UPDATE assistant.captures SET transcript = 'Acheter des câbles' WHERE id = %s",
               (capture_id,))  # fmt: skip
    filing = call(db, "file_capture", {"capture_id": capture_id, "result": classification()})
    assert filing["voice_format"] == "opus"
    call(db, "finish_capture", {"capture_id": capture_id, "speech": "Capté.",
                                "tts_url": "http://x/r.ogg", "audio_ref": "d" * 32})  # fmt: skip
    replies = [(d["kind"], d["detail"]) for d in deliveries(db, capture_id)
               if d["kind"].startswith("whatsapp")]  # fmt: skip
    assert replies == [
        ("whatsapp_text", {"to": "33600000000", "text": "Gardée."}),
        ("whatsapp_text", {"to": "33600000000", "text": "Capté."}),
        ("whatsapp_voice", {"to": "33600000000", "audio_ref": "d" * 32}),
    ]


def test_retries_skip_captures_on_their_first_pass_and_lease_the_others(
    db: psycopg.Connection,
) -> None:
    """A fresh capture is never retried; a due pending one is claimed once per lease."""
    fresh = call(db, "receive_capture", {"audio_ref": "b" * 32})["capture_id"]
    due = call(db, "receive_capture", {"audio_ref": "c" * 32})["capture_id"]
    call(db, "file_capture", {"capture_id": due, "result": {"error": "x"}, "backoff_s": 0.1})
    db.execute("UPDATE assistant.captures SET next_attempt_at = now() - interval '1 s' "
               "WHERE id = %s", (due,))  # fmt: skip

    def claimed() -> list[str]:
        return [r["capture_id"] for r in rows(db, "claim_retries", {"lease_s": 60})]

    assert claimed() == [due]
    assert claimed() == []  # leased
    assert fresh not in claimed()


def test_only_a_memo_still_to_transcribe_is_leased_for_the_longest_transcription(
    db: psycopg.Connection,
) -> None:
    """A capture still to transcribe is leased for lease_s; any other for short_lease_s at
    most, so a run that stops holds it minutes, not the longest transcription's lease."""
    memo = call(db, "receive_capture", {"audio_ref": "e" * 32})["capture_id"]
    untold = filed(db)
    db.execute("UPDATE assistant.captures SET updated_at = now() - interval '10 min'")
    taken = rows(db, "claim_retries", {"grace_s": 300, "lease_s": 3900, "short_lease_s": 300})
    assert {r["capture_id"] for r in taken} == {memo, untold}
    leases = {r["id"]: int(r["lease"]) for r in db.execute(
        "SELECT id, round(extract(epoch FROM next_attempt_at - now())) AS lease"
        " FROM assistant.captures WHERE id = ANY(%s)", ([memo, untold],))}  # fmt: skip
    assert leases == {memo: 3900, untold: 300}


def test_a_capture_left_half_way_is_taken_again(db: psycopg.Connection) -> None:
    """Filed but never told (its pass stopped): taken after the grace time, once per lease."""
    untold = filed(db)
    told = filed(db)
    call(db, "finish_capture", {"capture_id": told, "speech": "Capté."})
    db.execute("UPDATE assistant.captures SET updated_at = now() - interval '10 min'")
    taken = rows(db, "claim_retries", {"grace_s": 300})
    assert [(r["capture_id"], r["status"]) for r in taken] == [(untold, "filed")]


def test_capture_answer_has_the_api_shape(db: psycopg.Connection) -> None:
    """The answer has the capture API fields; stored_in names rows and what was delivered."""
    capture_id = filed(db)
    (event,) = deliveries(db, capture_id)
    call(db, "record_delivery", {"delivery_id": event["id"], "status": 200,
                                 "body": {"id": "sbevent1"}})  # fmt: skip
    call(db, "finish_capture", {"capture_id": capture_id, "speech": "Capté."})
    answer = call(db, "await_confirmation", {"capture_id": capture_id, "wait_s": 1})["answer"]
    assert set(answer) == {"capture_id", "status", "transcript", "category", "project",
                           "client_id", "actions", "stored_in", "speech", "tts_url"}  # fmt: skip
    assert answer["status"] == "filed" and answer["speech"] == "Capté."
    assert answer["actions"] == [
        {"text": "Acheter des câbles", "due": "2026-05-15", "due_time": None}
    ]
    assert answer["stored_in"][0] == f"pg:captures/{capture_id}"
    assert answer["stored_in"][1].startswith("pg:actions/")
    assert answer["stored_in"][2:] == ["gcal:sbevent1"]


def test_due_actions_are_reminded_once_in_the_users_zone(db: psycopg.Connection) -> None:
    """claim_reminders hands each open due action out once; done and future ones are left."""
    capture_id = received(db, "x")
    call(db, "record_capture", {"capture_id": capture_id, "category": "todo", "actions": [
        {"text": "hier", "due": "2020-01-01"}, {"text": "plus tard", "due": "2999-01-01"},
        {"text": "fait", "due": "2020-01-02"}]})  # fmt: skip
    db.execute("UPDATE assistant.actions SET done = true WHERE text = 'fait'")
    first = rows(db, "claim_reminders", {"tz": "Pacific/Kiritimati"})
    assert [(r["text"], r["due"], r["overdue"], r["today"]) for r in first] == [
        ("hier", "2020-01-01", True, False)]  # fmt: skip
    assert rows(db, "claim_reminders", {"tz": "Pacific/Kiritimati"}) == []
    briefing = call(db, "briefing", {"tz": "America/Adak"})
    assert briefing["overdue"] == [{"text": "hier", "due": "2020-01-01"}]


def test_schedules_need_the_users_time_zone(db: psycopg.Connection) -> None:
    """Without tz (SOLO_BRAIN_TZ) the reminders and the briefing refuse to guess a zone."""
    with pytest.raises(psycopg.errors.InvalidParameterValue, match="SOLO_BRAIN_TZ"):
        call(db, "briefing", {})


def test_workflow_failure_is_audited_and_worded(db: psycopg.Connection) -> None:
    """record_workflow_failure keeps the workflow, node and message, and words the push."""
    failure = call(
        db,
        "record_workflow_failure",
        {
            "workflow": {"id": "sbMorningBriefing", "name": "briefing"},
            "execution": {"id": "42", "lastNodeExecuted": "Speak", "error": {"message": "boom"}},
        },
    )
    row = db.execute("SELECT * FROM assistant.audit_log WHERE id = %s",
                     (failure["audit_id"],)).fetchone()  # fmt: skip
    assert (row["actor"], row["action"], row["subject"]) == ("n8n", "workflow.failed", "briefing")
    assert (row["detail"]["node"], row["detail"]["message"]) == ("Speak", "boom")
    assert failure["title"].endswith("briefing") and "« Speak » : boom" in failure["message"]
