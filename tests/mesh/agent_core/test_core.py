"""The agent's pure decisions: flow control, announcements, outbox, status, reconnection."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from mesh_agent.core import (
    WINDOW,
    Announcer,
    Ended,
    Flow,
    Outbox,
    Reconnect,
    hook_answer,
    resolution,
    session_status,
)
from mesh_protocol import (
    DENIED_BY_PHONE,
    RESOLVED_TERMINAL,
    RESOLVED_TIMEOUT,
    PermissionDecision,
    PermissionResolved,
    Ping,
    PromptStatus,
    SessionInfo,
)

SID = "5b0f8a3c-2d1e-4f6a-9b8c-7d6e5f4a3b2c"


def test_the_window_fills_and_an_ack_frees_every_batch_it_covers() -> None:
    """At most WINDOW batches wait for their ack; an ack frees all batches ending at or
    before its offset, in that file only."""
    flow = Flow(now=0.0)
    for end in range(1, WINDOW):
        flow.sent("a", end * 100, now=0.0)
    flow.sent("b", 50, now=0.0)
    assert flow.in_flight() == WINDOW and not flow.has_room()
    flow.acked("a", 300, now=1.0)
    assert flow.in_flight() == WINDOW - 3 and flow.has_room()
    flow.acked("zzz", 10_000, now=1.0)  # another file's ack frees nothing here
    assert flow.in_flight() == WINDOW - 3


def test_a_silent_hub_or_missing_acks_kill_the_connection() -> None:
    """Three heartbeat periods without any frame, or with batches but no ack, end the link;
    an idle link that hears from the hub stays."""
    flow = Flow(now=0.0)
    assert flow.dead(now=59.0, period=20) is None
    assert flow.dead(now=61.0, period=20) == "no heartbeat"
    flow.received(now=61.0)
    assert flow.dead(now=100.0, period=20) is None  # nothing in flight: no ack expected
    flow.sent("a", 10, now=100.0)
    flow.received(now=159.0)
    assert flow.dead(now=161.0, period=20) == "no ack"
    flow.acked("a", 10, now=161.0)
    assert flow.dead(now=161.0, period=20) is None


def test_the_ack_clock_starts_when_a_file_starts_waiting() -> None:
    """A batch sent long after the last ack is not counted late from that old ack."""
    flow = Flow(now=0.0)
    flow.received(now=500.0)
    flow.sent("a", 10, now=500.0)
    assert flow.dead(now=510.0, period=20) is None


def _session(status: str = "idle", title: str = "t") -> SessionInfo:
    return SessionInfo.model_validate({"session_id": SID, "status": status, "title": title})


def test_only_a_changed_session_frame_is_announced() -> None:
    """The same frame twice is sent once; any change is sent again, except a later
    last_msg_at alone (the hub has it from the messages)."""
    announcer = Announcer()
    assert announcer.changed(_session())
    assert not announcer.changed(_session())
    assert announcer.changed(_session("running"))
    assert not announcer.changed(_session("running"))
    later = _session("running").model_copy(update={"last_msg_at": datetime(2027, 1, 1, tzinfo=UTC)})
    assert not announcer.changed(later)
    assert announcer.changed(later.model_copy(update={"title": "renamed"}))


def test_the_outbox_keeps_statuses_and_resolutions_in_order() -> None:
    """Offline, statuses and resolutions wait in order (a failed resend stays first);
    anything else is resent from its own source and is not kept."""
    outbox = Outbox()
    first = PromptStatus(prompt_id="p1", state="running")
    second = PermissionResolved(permission_id="perm_1", reason=RESOLVED_TIMEOUT)
    assert outbox.undelivered(first) and outbox.undelivered(second)
    assert not outbox.undelivered(Ping(ts=1.0))
    assert outbox.kept() == 2
    taken = outbox.next_kept()
    assert taken == first
    outbox.put_back(first)
    assert [outbox.next_kept(), outbox.next_kept(), outbox.next_kept()] == [first, second, None]


def test_the_outbox_is_bounded_and_remembers_recent_prompts() -> None:
    """The last status of each recent prompt is remembered; the oldest are forgotten first."""
    outbox = Outbox(keep=2, remember=2)
    for n in range(3):
        outbox.outgoing(PromptStatus(prompt_id=f"p{n}", state="queued"))
        outbox.undelivered(PromptStatus(prompt_id=f"p{n}", state="queued"))
    outbox.outgoing(PromptStatus(prompt_id="p1", state="done"))
    assert outbox.status_of("p0") is None
    assert outbox.status_of("p1") == PromptStatus(prompt_id="p1", state="done")
    assert outbox.kept() == 2


@pytest.mark.parametrize(
    ("waiting", "running", "live", "status"),
    [
        (True, True, True, "waiting_permission"),
        (False, True, True, "running"),
        (False, False, True, "live_terminal"),
        (False, False, False, "idle"),
    ],
)
def test_a_pending_permission_outranks_a_prompt_which_outranks_a_terminal(
    waiting: bool, running: bool, live: bool, status: str
) -> None:
    """The phone sees the most urgent state of a session."""
    assert session_status(waiting_permission=waiting, running=running, live=live) == status


def test_short_connections_back_off_and_a_stable_one_resets() -> None:
    """Each short-lived connection waits longer (up to the maximum); one that lasted starts
    the backoff over."""
    pauses = Reconnect(initial_s=1.0, maximum_s=4.0)
    short = [pauses.pause_after(1.0) for _ in range(5)]
    assert 0.75 <= short[0] <= 1.25 and short[1] > short[0]
    assert all(pause <= 5.0 for pause in short)
    assert pauses.pause_after(120.0) == 0.0
    assert 0.75 <= pauses.pause_after(1.0) <= 1.25


def test_what_the_hub_is_told_when_a_wait_ends() -> None:
    """A prompt's tool times out as `timeout`; a hook's timeout and hang-up leave the terminal
    asking (`terminal`); a decision or a withdrawal needs no further word."""
    assert resolution("sdk", Ended.TIMEOUT) == RESOLVED_TIMEOUT
    assert resolution("hook", Ended.TIMEOUT) == RESOLVED_TERMINAL
    assert resolution("hook", Ended.HUNG_UP) == RESOLVED_TERMINAL
    assert resolution("hook", Ended.DECIDED) is None
    assert resolution("hook", Ended.WITHDRAWN) is None


def test_the_hook_prints_the_phones_decision_with_a_reason_for_a_refusal() -> None:
    """Allow is printed bare, deny carries the phone's reason or a default, none is silence."""
    allow = PermissionDecision(permission_id="p", behavior="allow", message="ignored")
    assert hook_answer(allow) == {"behavior": "allow"}
    deny = PermissionDecision(permission_id="p", behavior="deny")
    assert hook_answer(deny) == {"behavior": "deny", "message": DENIED_BY_PHONE}
    said = PermissionDecision(permission_id="p", behavior="deny", message="Pas ça")
    assert hook_answer(said) == {"behavior": "deny", "message": "Pas ça"}
    assert hook_answer(None) is None
