"""A prompt forced from the phone while the terminal has the session open forks the transcript:
the hub marks the branching message and tells the phone (real CLI in tmux, real agent, hub)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.terminal import Terminal, session_id_of
from tests.fakes.anthropic import Answer, FakeAnthropic
from tests.support.mesh_stack import Api, Hub, SseReader, create_token
from tests.support.wait import wait_for

pytestmark = pytest.mark.mesh


def _by_text(messages: list[dict[str, Any]], text: str) -> dict[str, Any] | None:
    return next((m for m in messages if m["text"] == text), None)


def test_a_forced_phone_prompt_forks_and_the_phone_sees_it(
    terminal: Terminal, hub: Hub, model: tuple[str, FakeAnthropic]
) -> None:
    """The phone's forced turn and the terminal's next turn continue from the same message:
    that message is marked `fork`, and the stream sends one `fork` event naming both turns."""
    token = create_token(hub.dsn, "full", "phone-fork")
    api = Api(hub.url, token)
    model[1].script("bonjour du terminal", Answer("Salut le terminal."))
    model[1].script("prompt forcé du téléphone", Answer("Réponse au téléphone."))
    model[1].script("suite du terminal", Answer("Suite dans le terminal."))
    terminal.start("--permission-mode", "manual")
    terminal.type("bonjour du terminal")
    terminal.wait_for_screen("Salut le terminal.")
    sid = session_id_of(api, terminal.cwd)
    wait_for(lambda: api.session(sid)["live"], 30, "the session live in the terminal")
    with SseReader(hub.url, token, sid) as sse:
        sent = api.prompt(sid, "prompt forcé du téléphone", force=True)
        assert sent["queued"] is False
        wait_for(
            lambda: _by_text(api.messages(sid), "Réponse au téléphone."), 60, "the phone's turn"
        )
        terminal.type("suite du terminal")
        terminal.wait_for_screen("Suite dans le terminal.")
        forks = wait_for(
            lambda: [d for _, kind, d in list(sse.events) if kind == "fork"], 30, "a fork event"
        )
        messages = wait_for(
            lambda: (m := api.messages(sid)) and _by_text(m, "Suite dans le terminal.") and m,
            30,
            "the terminal's next turn on the hub",
        )
    phone = _by_text(messages, "prompt forcé du téléphone")
    term = _by_text(messages, "suite du terminal")
    answer = _by_text(messages, "Salut le terminal.")
    assert phone is not None and term is not None and answer is not None
    # Both name the same transcript line (the turn's duration, no message: parent_uuid keeps
    # showing the fork as it did) and continue the terminal's first answer, the fork.
    assert phone["parent_uuid"] == term["parent_uuid"]
    [fork] = forks
    assert fork["uuid"] == answer["uuid"]
    assert fork["children"] == [phone["uuid"], term["uuid"]]
    assert [m["uuid"] for m in messages if m["fork"]] == [fork["uuid"]]
    assert "Réponse au téléphone." not in terminal.history()  # the terminal never saw it
