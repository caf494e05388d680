"""Every status the capture API can answer, as the app says it: the statuses are read from the
database (its captures_status_check constraint, plus the `pending_confirmation` that
assistant.defer_confirmation answers), one capture of each is seeded, and a loopback capture
webhook answers the app with what the SQL answers for it (assistant.capture_answer /
defer_confirmation). The capture screen and the inbox must say something true for each."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI, Request
from playwright.sync_api import Browser, Page, expect

from tests.browser.pwa import new_context, pair_with_token, shot
from tests.browser.seed import run_sql
from tests.fakes.server import serve
from tests.support.databases import fresh_database
from tests.support.mesh_stack import Hub, create_token

pytestmark = pytest.mark.browser

# What follows a pending answer: the inbox always, a notification only when they are on.
LATER = "Le résultat sera dans la boîte, et notifié si les notifications sont activées."
KEPT = (
    "La note est gardée ; le résultat sera dans la boîte, et notifié si les notifications "
    "sont activées."
)
# status (as answered) -> (note typed, category, the capture screen's heading, what follows,
# the inbox's badge or None when nothing is pending or wrong)
CASES: dict[str, tuple[str, str | None, str, str | None, str | None]] = {
    "filed": ("Acheter du café", "todo", "Capté et rangé", None, None),
    "pending_transcription": (
        "Note vocale du parking", None, "Capté, transcription en attente",
        KEPT,
        "Transcription en attente",
    ),
    "pending_classification": (
        "Idée pour le banc de test", None, "Capté, classement en attente",
        KEPT,
        "Classement en attente",
    ),
    "pending_confirmation": (
        "Appeler le comptable lundi", "admin", "Capté, confirmation à suivre",
        LATER, None,
    ),
    "failed": (
        "Note illisible du train", None, "Capté, mais pas rangé",
        "Le classement a échoué : range-la à la main depuis la boîte.", "Échec",
    ),
}  # fmt: skip
QUESTION = "Qu'est-ce que j'ai demain ?"


def _stored_statuses(dsn: str) -> set[str]:
    [row] = run_sql(
        dsn,
        "SELECT pg_get_constraintdef(oid) AS def FROM pg_constraint "
        "WHERE conname = 'captures_status_check'",
    )
    return set(re.findall(r"'([a-z_]+)'", row["def"]))


def _seed(dsn: str, text: str, status: str, category: str | None) -> dict[str, Any]:
    """One capture stored as the pipeline leaves it; the capture API's answer for it."""
    stored = "filed" if status == "pending_confirmation" else status
    voice = status == "pending_transcription"  # audio without a transcript yet
    [row] = run_sql(
        dsn,
        "INSERT INTO assistant.captures (id, channel, mode, text, audio_ref, status, category, "
        "speech, failed_at) VALUES ('cap_' || assistant.new_ulid(), 'pwa', %s, %s, %s, %s, %s, "
        "%s, CASE WHEN %s = 'failed' THEN now() END) RETURNING id",
        "voice" if voice else "text",
        None if voice else text,
        "missing-audio-ref" if voice else None,
        stored,
        category,
        "Capté, c'est noté." if stored == "filed" else "Capté, je m'en occupe.",
        stored,
    )
    if status == "pending_confirmation":  # filed, its sentence not told within the budget
        [answer] = run_sql(
            dsn,
            "SELECT assistant.defer_confirmation(jsonb_build_object('capture_id', %s::text))"
            "->'answer' AS a",
            row["id"],
        )
    else:
        [answer] = run_sql(dsn, "SELECT assistant.capture_answer(%s) AS a", row["id"])
    return dict(answer["a"])


@pytest.fixture(scope="module")
def site(
    pg_server_url: str, tmp_path_factory: pytest.TempPathFactory, pwa_built: None
) -> Iterator[tuple[Hub, dict[str, dict[str, Any]]]]:
    """The hub on a database holding one capture of each answer status (and a question), its
    capture webhook answering the SQL's answer of the capture whose note was typed."""
    with fresh_database(pg_server_url, "sb_pwa_answers") as dsn:
        answers = {text: _seed(dsn, text, s, cat) for s, (text, cat, *_) in CASES.items()}
        answers[QUESTION] = _seed(dsn, QUESTION, "filed", "question")
        app = FastAPI()

        @app.post("/webhook/capture")
        async def capture(request: Request) -> dict[str, Any]:
            return answers[str((await request.form())["text"])]

        with serve(app) as url:
            webhook = f"{url}/webhook/capture"
            hub = Hub(dsn, tmp_path_factory.mktemp("answers-hub"), MESH_CAPTURE_URL=webhook)
            hub.start()
            try:
                yield hub, answers
            finally:
                hub.stop()


@pytest.fixture
def page(browser: Browser, site: tuple[Hub, dict[str, dict[str, Any]]]) -> Iterator[Page]:
    """A paired phone-sized page."""
    hub = site[0]
    context = new_context(browser, hub.url)
    opened = context.new_page()
    pair_with_token(opened, create_token(hub.dsn, "full", "iPhone des statuts"), "iPhone")
    yield opened
    context.close()


def test_the_cases_cover_every_status_the_api_answers(
    site: tuple[Hub, dict[str, dict[str, Any]]],
) -> None:
    """Every stored status, and pending_confirmation, has a case; each answer says its status."""
    hub, answers = site
    assert set(CASES) == _stored_statuses(hub.dsn) | {"pending_confirmation"}
    for status, (text, *_) in CASES.items():
        assert answers[text]["status"] == status, json.dumps(answers[text])


def test_the_capture_screen_says_each_answer_status_in_french(page: Page) -> None:
    """Each answer gets its own heading and, when not filed, what happens next; a question
    answered is never said to be filed."""
    question = (QUESTION, None, "Question répondue", None, None)
    for status, (text, _, title, follows, _) in [*CASES.items(), ("question", question)]:
        page.goto("/capture")
        page.get_by_label("Ta note").fill(text)
        page.get_by_role("button", name="Envoyer").click()
        answer = page.get_by_role("region", name="Réponse à la capture")
        expect(answer.get_by_text(title, exact=True)).to_be_visible(timeout=15_000)
        if follows:
            expect(answer.get_by_text(follows, exact=True)).to_be_visible()
        else:
            expect(answer.get_by_text("notification")).to_have_count(0)
        expect(answer.get_by_text("Capté", exact=True)).to_have_count(0)  # never the fallback
        shot(page, f"capture-answer-{status}-phone")


def test_the_inbox_badges_each_stored_status(
    page: Page, site: tuple[Hub, dict[str, dict[str, Any]]]
) -> None:
    """The inbox badges a pending or failed capture with its status, and a filed one not at all."""
    answers = site[1]
    page.goto("/")
    listed = page.get_by_role("list", name="Captures")
    for text, _, _, _, badge in CASES.values():
        item = listed.locator(f'a[href="/captures/{answers[text]["capture_id"]}"]')
        expect(item).to_be_visible()
        for label in ("Transcription en attente", "Classement en attente", "Échec"):
            expect(item.get_by_text(label, exact=True)).to_have_count(1 if label == badge else 0)
