"""What a failing n8n test shows in the CI log (all CI keeps): the lines n8n logged during the
test and the errors of the executions that failed meanwhile, read from n8n's own database
(SQLite in regular mode, its Postgres schema in queue mode)."""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import sql

from tests.support.n8n_stack import Stack

LOG_TAIL_CHARS = 12_000  # the end of what n8n logged during the test
FAILURES_SHOWN = 10
FAILED = (
    "SELECT e.id, w.name, e.status, d.data FROM {0}execution_entity e "
    'JOIN {0}execution_data d ON d."executionId" = e.id '
    'LEFT JOIN {0}workflow_entity w ON w.id = e."workflowId" '
    "WHERE e.id > {1} AND e.status IN ('error', 'crashed') ORDER BY e.id"
)
LAST_ID = "SELECT coalesce(max(id), 0) FROM {0}execution_entity"
FAILED_OF = (
    "SELECT count(*) FROM {0}execution_entity WHERE id > {1} "
    "AND status IN ('error', 'crashed') AND \"workflowId\" = '{2}'"
)


def unflatten(text: str) -> Any:
    """Decode n8n's stored execution data (the `flatted` format: shared values by index)."""
    table = json.loads(text)
    done: dict[int, Any] = {}

    def value(index: int) -> Any:
        if index in done:
            return done[index]
        raw = table[index]
        if isinstance(raw, list):
            done[index] = out_list = []
            out_list.extend(ref(item) for item in raw)
            return out_list
        if isinstance(raw, dict):
            done[index] = out_dict = {}
            out_dict.update({key: ref(item) for key, item in raw.items()})
            return out_dict
        done[index] = raw
        return raw

    def ref(item: Any) -> Any:
        return value(int(item)) if isinstance(item, str) else item

    return value(0)


@dataclass(frozen=True)
class Mark:
    """Where a test started: the size of n8n's log and n8n's last execution id."""

    log_size: int
    last_execution: int


def _query(stack: Stack, template: str, since: int = 0, workflow: str = "") -> list[Any]:
    assert workflow.isalnum() or not workflow, workflow
    database = stack.settings.folder / ".n8n" / "database.sqlite"
    if database.exists():
        with closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=5)) as conn:
            return conn.execute(template.format("", int(since), workflow)).fetchall()
    schema = sql.Identifier(stack.settings.db_schema).as_string()
    with psycopg.connect(stack.dsn, autocommit=True, connect_timeout=5) as conn:
        query = template.format(f"{schema}.", int(since), workflow)
        return conn.execute(query).fetchall()  # type: ignore[call-overload]


def mark(stack: Stack) -> Mark:
    """Where n8n's log and executions stand now."""
    size = stack.log_path.stat().st_size if stack.log_path.exists() else 0
    try:
        (last,) = _query(stack, LAST_ID)[0]
    except (sqlite3.Error, psycopg.Error):
        last = 0
    return Mark(size, int(last))


def failed_runs(stack: Stack, workflow_id: str, since: Mark) -> int:
    """How many executions of a workflow failed since `since`."""
    return int(_query(stack, FAILED_OF, since.last_execution, workflow_id)[0][0])


def _error_lines(execution_id: int, name: str | None, status: str, data: str) -> list[str]:
    """One failed execution: its workflow, and each node's error with its description."""
    lines = [f"execution {execution_id} of {name or '?'}: {status}"]
    try:
        result = unflatten(data).get("resultData", {})
    except (ValueError, KeyError, IndexError, TypeError, AttributeError) as error:
        return [*lines, f"  (its data unreadable: {error!r})"]
    errors: list[tuple[str, dict[str, Any]]] = []
    for node, runs in (result.get("runData") or {}).items():
        errors += [(node, run["error"]) for run in runs or [] if (run or {}).get("error")]
    if not errors and result.get("error"):
        top = result["error"]
        errors.append((str((top.get("node") or {}).get("name") or result.get("lastNodeExecuted")),
                       top))  # fmt: skip
    for node, error in errors:
        lines.append(f"  node «{node}»: {error.get('message')}")
        for field in ("description", "httpCode"):
            if error.get(field):
                lines.append(f"    {field}: {str(error[field])[:2000]}")
    return lines


def sections(stack: Stack, since: Mark) -> list[tuple[str, str]]:
    """The report sections of a failed test: n8n's failed executions and its log since `since`."""
    found: list[tuple[str, str]] = []
    try:
        failed = _query(stack, FAILED, since.last_execution)
    except (sqlite3.Error, psycopg.Error) as error:
        found.append(("n8n failed executions", f"(n8n's database unreadable: {error!r})"))
    else:
        lines = [ln for row in failed[-FAILURES_SHOWN:] for ln in _error_lines(*row)]
        more = f"({len(failed) - FAILURES_SHOWN} earlier ones left out)\n" * (
            len(failed) > FAILURES_SHOWN
        )
        found.append(("n8n failed executions", more + "\n".join(lines) if lines else "none"))
    if stack.log_path.exists():
        with stack.log_path.open("rb") as log:
            log.seek(max(since.log_size, stack.log_path.stat().st_size - LOG_TAIL_CHARS))
            logged = log.read().decode(errors="replace")
            found.append(("n8n log during the test", logged or "(nothing)"))
    return found
