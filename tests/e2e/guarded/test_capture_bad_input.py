"""The capture webhook (n8n) and the WhatsApp webhook fed the bad-input corpus (a sample of it:
the services behind n8n get the whole corpus in tests/integration and tests/mesh): each request
is refused with the error envelope or stored exactly once, never half, and no byte a refused
request uploaded is kept."""

from __future__ import annotations

import hashlib
import random
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.n8n.stack import CAPTURE_TOKEN, NOTIFY_WHATSAPP_TO, Stack
from tests.fakes.graph import meta_delivery, sign, text_message
from tests.support.audio import speech_file
from tests.support.corpus import EVIL_IDS, EVIL_STRINGS, files

pytestmark = pytest.mark.n8n

CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def kept(stack: Stack, *sent: bytes) -> list[str]:
    """The media files whose bytes are one of `sent` (the spoken answers the stack keeps for
    every request, refusals included, are not uploads and do not count)."""
    digests = {hashlib.sha256(data).hexdigest() for data in sent}
    return [path for path, digest in files(stack.log_path.parent / "media").items()
            if digest in digests]  # fmt: skip


def post(stack: Stack, headers: dict[str, str] | None = None, **kwargs: Any) -> httpx.Response:
    """POST /webhook/capture with the capture token and what the test gives."""
    sent = {"Authorization": f"Bearer {CAPTURE_TOKEN}", **(headers or {})}
    return httpx.post(f"{stack.n8n_url}/webhook/capture", headers=sent, timeout=60, **kwargs)


def assert_refused(answer: httpx.Response, *statuses: int) -> None:
    """A 4xx among `statuses` with the error envelope."""
    assert answer.status_code in statuses, (answer.status_code, answer.text[:300])
    assert answer.json()["error"]["code"], answer.text[:300]


def test_hostile_capture_ids_are_refused_and_store_nothing(private_stack: Stack) -> None:
    """A capture_id with traversal (plain, encoded, NUL), SQL or odd bytes → 400, no row."""
    before = private_stack.count_captures()
    ids = [EVIL_IDS[k] for k in ("dotdot_encoded", "nul", "sql", "invalid_utf8")]
    for evil in [*ids, "../../etc/passwd", "cap_../../x", "cap_" + "A" * 25 + "\x00"]:
        answer = post(private_stack, data={"text": "Note", "capture_id": evil})
        assert_refused(answer, 400)
    assert private_stack.count_captures() == before


@pytest.mark.parametrize("evil", ["nul", "lone_surrogate", "sql", "long"])
def test_hostile_text_is_stored_once_or_refused(private_stack: Stack, evil: str) -> None:
    """NUL, surrogates (sent as raw invalid UTF-8), SQL, RTL, zalgo, control bytes and 100 k
    characters as the note or the hint: 200 with one capture, or a 4xx and no capture."""
    value = EVIL_STRINGS[evil].encode(
        "utf-8", "surrogateescape" if evil != "lone_surrogate" else "surrogatepass"
    )
    for field in ("text", "hint"):
        count = private_stack.count_captures()
        cap_id = "cap_" + "".join(random.choices(CROCKFORD, k=26))
        fields = {"text": b"Note de test", "hint": b"", "capture_id": cap_id.encode()}
        fields[field] = value if field == "hint" else b"Note " + value
        form = [(k, (None, v, "text/plain; charset=utf-8")) for k, v in fields.items() if v]
        answer = post(private_stack, files=form)
        assert answer.status_code < 500, (field, answer.status_code, answer.text[:300])
        if answer.status_code == 200:
            assert answer.json()["capture_id"] == cap_id
            assert private_stack.count_captures() == count + 1
        else:
            assert_refused(answer, 400, 413)
            assert private_stack.count_captures() == count


def test_broken_and_abusive_bodies_are_refused(private_stack: Stack, tmp_path: Path) -> None:
    """Malformed multipart, nested JSON and audio disguised as another type: a clear 4xx each,
    no capture and none of the bytes kept; audio cut to its header is kept whole, pending, once.
    (Bodies over the limit are nginx's to refuse: tests/integration/test_nginx.py.)"""
    stack = private_stack
    before = stack.count_captures()
    boundary = "xYz"
    multipart = {"Content-Type": f"multipart/form-data; boundary={boundary}"}
    bodies: list[tuple[dict[str, str], bytes]] = [
        (multipart, b'--xYz\r\nContent-Disposition: form-data; name="text"\r\n\r\nNote'),
        (multipart, bytes(range(256)) * 50),
        ({"Content-Type": "application/json"}, b"[" * 50_000 + b"]" * 50_000),
        ({"Content-Type": "application/json"}, b'{"text": "Note'),
        ({"Content-Type": "text/plain"}, b"\xff\xfe\x00juste du texte"),
    ]
    for headers, body in bodies:
        answer = post(stack, content=body, headers=headers)
        assert 400 <= answer.status_code < 500, (body[:30], answer.status_code, answer.text[:300])
    disguised = [b"\x89PNG\r\n\x1a\n" + bytes(300), b"<html><body>OggS</body></html>"]
    for data in disguised:
        assert_refused(post(stack, files={"audio": ("photo.m4a", data, "audio/mp4")}), 400, 415)
    assert stack.count_captures() == before
    assert kept(stack, *disguised) == []
    header_only = speech_file("Bonjour", "m4a", tmp_path).read_bytes()[:12]
    cut = post(stack, files={"audio": ("memo.m4a", header_only, "audio/mp4")})
    assert cut.status_code == 200, cut.text
    assert cut.json()["status"] == "pending_transcription"
    assert stack.count_captures() == before + 1 and len(kept(stack, header_only)) == 1


def replies(stack: Stack) -> list[dict[str, Any]]:
    """The WhatsApp messages sent to anyone but the notification number (briefings and
    reminders of the running stack go there on their own schedule)."""
    return [m for m in stack.graph.sent if m.get("to") != NOTIFY_WHATSAPP_TO]


def test_forged_whatsapp_deliveries_store_nothing(private_stack: Stack) -> None:
    """A WhatsApp delivery with a missing, empty, foreign, stale or cut signature is refused
    by n8n; no capture and no reply."""
    stack = private_stack
    body = meta_delivery([text_message("Rappeler Dupont demain")])
    good = sign(body, "meta-app-secret-for-tests")
    forged = {
        "missing": None,
        "empty": "",
        "other_secret": sign(body, "not-the-secret"),
        "other_body": sign(body + b" ", "meta-app-secret-for-tests"),
        "truncated": good[:-4],
        "sha1": "sha1=" + good[7:47],
    }
    before, sent = stack.count_captures(), len(replies(stack))
    for name, signature in forged.items():
        headers = {"Content-Type": "application/json"}
        if signature is not None:
            headers["X-Hub-Signature-256"] = signature
        answer = httpx.post(
            f"{stack.n8n_url}/webhook/whatsapp", content=body, headers=headers, timeout=30
        )
        assert 400 <= answer.status_code < 500, (name, answer.text[:300])
    stack.wait_idle()
    assert stack.count_captures() == before and len(replies(stack)) == sent
