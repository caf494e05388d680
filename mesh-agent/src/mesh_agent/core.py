"""Pure core of the agent: its decisions, with no socket, file, task or clock of its own.

Flow            which batches are in flight, what the hub acknowledged, whether one more batch
                may go (at most WINDOW un-acked), and whether the connection is dead (a silent
                hub, or batches never acknowledged)
ReadQueue       which transcript file to read next: live files first (those that changed),
                then the backlogs in turn, which leave LIVE_RESERVE slots of the window free
Announcer       which `session` frames are worth sending (only those that changed)
Outbox          what to resume on the next connection: statuses and resolutions that could not
                be sent, and the last status of each prompt (a prompt the hub resends is
                answered with where it stands)
session_status  a session's status from what the agent knows of it
Reconnect       how long to pause after a connection ended (backoff.py's delays, reset after a
                connection that lasted)
Ended           why a permission's wait ended, and what the hub must then be told
                (`resolution`); `hook_answer` maps the phone's decision for the hook
Which range of a transcript to read next is read_plan.py's; which pending permissions the
transcript has answered, terminal.py's.
The asyncio adapters (hub_link.py, sync.py, permissions.py, agent.py) feed these events and
the current time, and do what they answer.
"""

from __future__ import annotations

from collections import OrderedDict, deque
from collections.abc import Generator, Iterable
from enum import StrEnum

from pydantic import BaseModel

from mesh_agent.backoff import backoff_delays
from mesh_protocol import (
    DENIED_BY_PHONE,
    RESOLVED_TERMINAL,
    RESOLVED_TIMEOUT,
    Part,
    PermissionDecision,
    PermissionResolved,
    PromptStatus,
    SessionInfo,
    Status,
)

WINDOW = 8  # un-acked batches in flight (each < 1 MiB)
LIVE_RESERVE = 2  # slots of the window a backlog never takes: a live line always has room
STABLE_AFTER_S = 30.0  # a connection that lasted this long resets the reconnection backoff
KEEP_FRAMES = 1000  # statuses kept while offline
REMEMBER_PROMPTS = 500  # last status of this many prompts


class Flow:
    """Batches in flight on one connection, and the liveness of that connection."""

    def __init__(self, now: float, window: int = WINDOW) -> None:
        self.window = window
        self._inflight: dict[str, list[int]] = {}  # file key → ack offsets still awaited
        self._last_rx = now
        self._last_ack = now

    def in_flight(self) -> int:
        """How many batches wait for their ack."""
        return sum(len(ends) for ends in self._inflight.values())

    def has_room(self, reserve: int = 0) -> bool:
        """Whether one more batch may be sent now, leaving `reserve` slots free (one batch
        may always be in flight)."""
        return self.in_flight() < max(1, self.window - reserve)

    def sent(self, file: str, at: int, now: float, part: Part = "next") -> None:
        """A batch of `file` left, acked at offset `at` (mesh_protocol.ack_offset: its end, its
        start for history); the ack clock starts if it was idle."""
        ats = self._inflight.setdefault(_flow_key(file, part), [])
        if not ats:
            self._last_ack = now
        ats.append(at)

    def acked(self, file: str, offset: int, now: float, part: Part = "next") -> None:
        """The hub committed `file` up to `offset` (its history from `offset` on): every batch
        that ack covers is done."""
        self._last_ack = now
        key = _flow_key(file, part)
        ats = self._inflight.get(key)
        if ats:
            if part == "history":  # backwards: the batches starting at or above it are done
                self._inflight[key] = [at for at in ats if at < offset]
            else:
                self._inflight[key] = [at for at in ats if at > offset]

    def received(self, now: float) -> None:
        """Any frame arrived from the hub."""
        self._last_rx = now

    def dead(self, now: float, period: float) -> str | None:
        """Why the connection should be dropped (no frame, or no ack, for 3 periods), or None."""
        if now - self._last_rx > 3 * period:
            return "no heartbeat"
        if self.in_flight() > 0 and now - self._last_ack > 3 * period:
            return "no ack"
        return None


def _flow_key(file: str, part: Part) -> str:
    return f"{file}\nhistory" if part == "history" else file  # a tail is acked as "next"


class ReadQueue:
    """The order in which the sync loop reads transcript files, one slice at a time.

    A file that changed (the watcher saw a write) goes first, in the order of the changes: a
    live line never waits for another file's backlog. A file whose slice left more to read (a
    new or big file, its history) goes to the backlog, whose files take turns after every
    changed one, and only while the window keeps LIVE_RESERVE slots free: a backlog never
    fills the window that a live line needs.
    """

    def __init__(self) -> None:
        self._changed: dict[str, None] = {}  # insertion-ordered sets
        self._backlog: dict[str, None] = {}

    def changed(self, keys: Iterable[str]) -> None:
        """These files changed: each is read before any backlog (once, however often)."""
        for key in keys:
            self._backlog.pop(key, None)
            self._changed[key] = None

    def take(self, backlog_room: bool) -> str | None:
        """The file to read a slice of now: the first changed one, else, when the window has
        room for a backlog, the backlog's next in turn; None when neither."""
        return self.take_changed() or (self.take_backlog() if backlog_room else None)

    def take_changed(self) -> str | None:
        """The first changed file, taken out (None: none changed)."""
        return _pop_first(self._changed)

    def take_backlog(self) -> str | None:
        """The backlog's next file in turn, taken out (None: no backlog)."""
        return _pop_first(self._backlog)

    def more(self, key: str) -> None:
        """The slice just read left more of `key` to read: its turn comes after the other
        backlogs (a file that changed again meanwhile stays first)."""
        if key not in self._changed:
            self._backlog[key] = None

    def backlogged(self) -> bool:
        """Whether a backlog waits (for room in the window)."""
        return bool(self._backlog)


def _pop_first(queue: dict[str, None]) -> str | None:
    if not queue:
        return None
    key = next(iter(queue))
    del queue[key]
    return key


class Announcer:
    """The `session` frames sent on one connection: only a changed one is sent again."""

    def __init__(self) -> None:
        self._sent: dict[str, SessionInfo] = {}

    def changed(self, frame: SessionInfo) -> bool:
        """Whether `frame` differs from the last one sent for its session (now counted sent).
        A later `last_msg_at` alone is no change: the hub takes it from the messages
        themselves, so a live line costs no `session` frame."""
        sent = self._sent.get(frame.session_id)
        if sent is not None and sent == frame.model_copy(update={"last_msg_at": sent.last_msg_at}):
            return False
        self._sent[frame.session_id] = frame
        return True

    def knows(self, session_id: str) -> bool:
        """Whether a `session` frame was sent for `session_id` on this connection."""
        return session_id in self._sent


class Outbox:
    """What survives a lost connection: kept frames, and the last status of each prompt."""

    def __init__(self, keep: int = KEEP_FRAMES, remember: int = REMEMBER_PROMPTS) -> None:
        self._kept: deque[BaseModel] = deque(maxlen=keep)
        self._statuses: OrderedDict[str, PromptStatus] = OrderedDict()
        self._remember = remember

    def outgoing(self, frame: BaseModel) -> None:
        """A frame is about to be sent: remember a prompt's status."""
        if isinstance(frame, PromptStatus):
            self._statuses[frame.prompt_id] = frame
            self._statuses.move_to_end(frame.prompt_id)
            while len(self._statuses) > self._remember:
                self._statuses.popitem(last=False)

    def undelivered(self, frame: BaseModel) -> bool:
        """A frame could not be sent: keep it for the next connection when it must arrive
        (statuses and resolutions; requests stay in the permission book, the rest is resent
        from the transcripts). True when kept."""
        if isinstance(frame, PromptStatus | PermissionResolved):
            self._kept.append(frame)
            return True
        return False

    def next_kept(self) -> BaseModel | None:
        """The oldest kept frame, taken out (None when there is none)."""
        return self._kept.popleft() if self._kept else None

    def put_back(self, frame: BaseModel) -> None:
        """A kept frame failed again: it stays first in line."""
        self._kept.appendleft(frame)

    def kept(self) -> int:
        """How many frames wait for a connection."""
        return len(self._kept)

    def status_of(self, prompt_id: str) -> PromptStatus | None:
        """The last status of a prompt this agent knows (None: a new prompt)."""
        return self._statuses.get(prompt_id)


def session_status(*, waiting_permission: bool, running: bool, live: bool) -> Status:
    """A session's status: a pending permission first, then a phone prompt, then a terminal."""
    if waiting_permission:
        return "waiting_permission"
    if running:
        return "running"
    return "live_terminal" if live else "idle"


class Reconnect:
    """Pauses between connections the hub accepted then dropped."""

    def __init__(self, initial_s: float, maximum_s: float) -> None:
        self._initial = initial_s
        self._maximum = maximum_s
        self._delays = self._fresh()

    def _fresh(self) -> Generator[float, None, None]:
        return backoff_delays(self._initial, self._maximum)

    def pause_after(self, lasted_s: float) -> float:
        """Seconds to wait before connecting again after a connection that lasted `lasted_s`:
        none after a stable one (the backoff starts over), growing after each short one."""
        if lasted_s > STABLE_AFTER_S:
            self._delays = self._fresh()
            return 0.0
        return next(self._delays)


class Ended(StrEnum):
    """Why waiting for the phone's decision on a permission ended."""

    DECIDED = "decided"  # the phone decided
    TIMEOUT = "timeout"  # nobody decided in time
    WITHDRAWN = "withdrawn"  # the transcript showed the terminal's answer (already reported)
    HUNG_UP = "hung_up"  # the hook went away: the terminal answered or the CLI ended


def resolution(source: str, ended: Ended) -> str | None:
    """The `permission_resolved` reason the hub must get when a wait ended this way (None:
    nothing to say). A prompt's tool is denied after a timeout; a hook's terminal asks itself."""
    if ended is Ended.TIMEOUT:
        return RESOLVED_TIMEOUT if source == "sdk" else RESOLVED_TERMINAL
    if ended is Ended.HUNG_UP:
        return RESOLVED_TERMINAL
    return None


def hook_answer(decision: PermissionDecision | None) -> dict[str, str] | None:
    """What the PermissionRequest hook prints for a decision (None: the terminal decides)."""
    if decision is None:
        return None
    answer: dict[str, str] = {"behavior": decision.behavior}
    if decision.behavior == "deny":
        answer["message"] = decision.message or DENIED_BY_PHONE
    return answer
