"""History runs (issue 11): a run of a file's missing history kept as the transcript's own
bytes, zstd-compressed, with one light row per message; pages fold those lines when they show
them (run_lines.py).

A run is checked before anything is stored (mesh_protocol.runs.unpack: the size it says, whole
lines; each indexed line a JSON object naming its uuid) and committed as store_history commits a
`messages` batch of part "history": the same offset checks, positions and idempotence. The
run and its rows go in with one statement (the rows as binary arrays, unnest), in one round trip
with the checks: against COPY into a temporary table (four round trips), measured on the same
runs, it costs Postgres and the hub as much or less CPU and waits for Postgres once.
"""

from __future__ import annotations

import asyncio
from typing import Any

from mesh_protocol import HistoryRun
from mesh_protocol.runs import BadRun, compressed, unpack
from solo_brain.mesh.store import Pool
from solo_brain.mesh.store.history import CONTINUES, commit_history

# The run and its rows, written only when the run continues the history downwards (CONTINUES).
_INSERT = f"""WITH o AS (SELECT o.history_pos FROM assistant.mesh_offsets o WHERE {CONTINUES}),
    run AS (
        INSERT INTO assistant.transcript_runs (session_id, file, start_offset, end_offset, data)
        SELECT %(sid)s, %(file)s, %(start)s, %(end)s, %(data)b FROM o RETURNING id)
    INSERT INTO assistant.messages (session_id, uuid, parent_uuid, role, "timestamp",
        is_sidechain, file, thread_parent, pos, history, run_id, run_at, run_size)
    SELECT %(sid)s, l.uuid, l.parent_uuid, l.role, l.ts, l.is_sidechain, %(file)s,
           COALESCE(l.thread_parent, l.parent_uuid), o.history_pos - %(count)s + l.ord, true,
           run.id, l.run_at, l.run_size
    FROM o, run, unnest(%(uuids)b::text[], %(parents)b::text[], %(roles)b::text[],
        %(stamps)b::timestamptz[], %(sidechains)b::bool[], %(threads)b::text[],
        %(ats)b::int4[], %(sizes)b::int4[]) WITH ORDINALITY AS l(
        uuid, parent_uuid, role, ts, is_sidechain, thread_parent, run_at, run_size, ord)
    ORDER BY l.ord
    ON CONFLICT (session_id, uuid) DO NOTHING"""  # noqa: S608


def check(run: HistoryRun) -> bytes:
    """The zstd frame of a run whose bytes are sound (BadRun otherwise): it holds the whole
    lines it says, and each message's line is a JSON object that names the message's uuid."""
    blob = compressed(run)
    raw = unpack(run, blob)
    for line in run.lines:
        end = line.at + line.size
        named = raw.find(f'"{line.uuid}"'.encode(), line.at, end) >= 0
        if raw[line.at] != 0x7B or raw[end - 1] != 0x7D or not named:
            raise BadRun(f"the line of {line.uuid} is not its JSON record")
    return blob


class ChecksAhead:
    """A connection's history runs checked ahead of their commits: a run's check (mostly zstd,
    which lets go of the GIL) starts when the run is queued, on a worker thread, so that it
    runs while the runs before it are committed (Postgres's work) instead of after them."""

    def __init__(self) -> None:
        self._checks: dict[int, tuple[HistoryRun, asyncio.Future[bytes]]] = {}

    def start(self, run: HistoryRun) -> None:
        """Start checking `run` (its commit takes the result)."""
        check_ = asyncio.ensure_future(asyncio.to_thread(check, run))
        check_.add_done_callback(_retrieved)
        self._checks[id(run)] = (run, check_)  # the run kept: its id names no other meanwhile

    async def blob(self, run: HistoryRun) -> bytes:
        """`run`'s zstd frame once checked (BadRun otherwise); checked now if not started."""
        started = self._checks.pop(id(run), None)
        if started is None:
            return await asyncio.to_thread(check, run)  # the loop serves on meanwhile
        return await started[1]

    def cancel(self) -> None:
        """Forget the checks of runs that will not be committed (the connection ended)."""
        for _, check_ in self._checks.values():
            check_.cancel()
        self._checks.clear()


def _retrieved(check_: asyncio.Future[bytes]) -> None:
    if not check_.cancelled():
        check_.exception()  # a run never committed: its BadRun is not an unretrieved error


async def store_run(
    pool: Pool, agent_id: str, run: HistoryRun, ahead: ChecksAhead | None = None
) -> None:
    """Commit the newest run of a file's missing history (BadRun before anything is stored;
    OffsetGap when it ends below the history the hub holds; nothing when it holds it); its
    check is taken from `ahead` when it started there."""
    blob = await (ahead.blob(run) if ahead else asyncio.to_thread(check, run))
    lines = run.lines
    args: dict[str, Any] = {
        "agent": agent_id,
        "sid": run.session_id,
        "file": run.file,
        "start": run.start_offset,
        "end": run.end_offset,
        "count": len(lines),
        "data": blob,
        "uuids": [line.uuid for line in lines],
        "parents": [line.parent_uuid for line in lines],
        "roles": [line.role for line in lines],
        "stamps": [line.timestamp for line in lines],
        "sidechains": [line.is_sidechain for line in lines],
        "threads": [line.thread_parent_uuid for line in lines],
        "ats": [line.at for line in lines],
        "sizes": [line.size for line in lines],
    }
    await commit_history(pool, args, _INSERT if lines else None)
