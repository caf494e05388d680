"""Import into the local n8n what the repository holds: the node package of `nodes/` (built and
installed into n8n's nodes folder first, as a user installs one, so that the workflows and
credentials can use its nodes), the credentials (rendered) and the workflows (checked against
the house rules), then activate the workflows that have a trigger (n8n's CLI deactivates what
it imports).

Imports are incremental: the digest of every credential (as rendered) and workflow file (as
patched) is kept in `{N8N_USER_FOLDER}/solo-brain-import.json`, and only what changed is
imported again. So edits made in the n8n editor survive restarts until the file in the repository
changes, and an OAuth token obtained in the editor (Google Calendar) is never overwritten.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from solo_brain.n8n.config import N8nSettings
from solo_brain.n8n.nodes_package import PACKAGE_NAME, build_package, install_package
from solo_brain.n8n.queue import prepare_database
from solo_brain.n8n.runner import N8nRunner
from solo_brain.n8n.templates import (
    TemplateError,
    Workflow,
    check_workflow,
    load_workflows,
    render_credentials,
)

STATE_FILE = "solo-brain-import.json"


@dataclass
class ImportReport:
    """What one import did."""

    credentials: list[str] = field(default_factory=list)
    workflows: list[str] = field(default_factory=list)
    activated: list[str] = field(default_factory=list)
    package: str | None = None


def import_all(
    runner: N8nRunner, *, force: bool = False, progress: Callable[[str], None] | None = None
) -> ImportReport:
    """Import the credentials and workflows that changed (all with `force`), then activate;
    `progress` is told each step as it starts (each n8n command takes seconds)."""
    say = progress or (lambda _: None)
    runner.settings.folder.mkdir(parents=True, exist_ok=True)
    prepare_database(runner.settings, runner.database_url)
    credentials = render_credentials(runner.settings.workflows_dir / "credentials",
                                     runner.template_env())  # fmt: skip
    workflows = load_workflows(runner.settings.workflows_dir)
    problems = [f"{w.path.name}: {p}" for w in workflows
                for p in check_workflow(w.doc, credentials)]  # fmt: skip
    if problems:
        raise TemplateError("workflows break the house rules:\n" + "\n".join(problems))
    docs = {w.id: w.doc for w in workflows}

    state = _load_state(runner.settings)
    new_state: dict[str, Any] = {"credentials": {}, "workflows": {}}
    report = ImportReport(package=_install_package(runner, state, new_state, force, progress))
    changed_credentials = []
    for credential in credentials:
        digest = _digest(credential)
        new_state["credentials"][credential["id"]] = digest
        if force or state.get("credentials", {}).get(credential["id"]) != digest:
            changed_credentials.append(credential)
    changed = []
    for workflow in workflows:
        digest = _digest(docs[workflow.id])
        new_state["workflows"][workflow.id] = digest
        if force or state.get("workflows", {}).get(workflow.id) != digest:
            changed.append(workflow)

    with tempfile.TemporaryDirectory(dir=runner.settings.folder, prefix=".import-") as tmp:
        if changed_credentials:
            path = Path(tmp) / "credentials.json"
            path.write_text(json.dumps(changed_credentials))
            path.chmod(0o600)
            say(f"importing {len(changed_credentials)} credentials")
            runner.cli("import:credentials", f"--input={path}")
            report.credentials = [c["name"] for c in changed_credentials]
        if changed:
            folder = Path(tmp) / "workflows"
            folder.mkdir()
            for workflow in changed:
                (folder / workflow.path.name).write_text(json.dumps(docs[workflow.id]))
            say(f"importing {len(changed)} workflows")
            runner.cli("import:workflow", "--separate", f"--input={folder}")
            report.workflows = [str(w.doc.get("name")) for w in changed]
    if any(w.has_trigger for w in changed):
        say("activating the workflows that have a trigger")
    report.activated = _activate(runner, changed, workflows)
    _save_state(runner.settings, new_state)
    return report


def _install_package(
    runner: N8nRunner,
    state: dict[str, Any],
    new_state: dict[str, Any],
    force: bool,
    progress: Callable[[str], None] | None,
) -> str | None:
    """Build and install the node package when it changed; its name when installed."""
    nodes_dir = runner.settings.nodes_dir
    if not (nodes_dir / "package.json").is_file():
        return None
    env = runner.n8n_env()  # n8n's Node.js first on PATH
    echo = None
    if progress is not None:
        echo = lambda line: progress(f"node package: {line.removeprefix('build-nodes: ')}")  # noqa: E731
    build_package(env, echo=echo)
    known = None if force else state.get("nodes_package")
    digest = install_package(nodes_dir, runner.settings.folder, env, known)
    new_state["nodes_package"] = digest or known
    return PACKAGE_NAME if digest else None


def _activate(runner: N8nRunner, changed: list[Workflow], everything: list[Workflow]) -> list[str]:
    wanted = [w for w in changed if w.has_trigger]
    if not wanted:
        return []
    if {w.id for w in wanted} == {w.id for w in everything if w.has_trigger}:
        # One CLI start instead of one per workflow: activate all, then undo the others.
        runner.cli("update:workflow", "--all", "--active=true")
        for workflow in everything:
            if not workflow.has_trigger:
                runner.cli("update:workflow", f"--id={workflow.id}", "--active=false")
    else:
        for workflow in wanted:
            runner.cli("update:workflow", f"--id={workflow.id}", "--active=true")
    return [str(w.doc.get("name")) for w in wanted]


def _load_state(settings: N8nSettings) -> dict[str, Any]:
    path = settings.folder / STATE_FILE
    try:
        state = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    if state.get("n8n_version") != settings.version:
        return {}
    return state if isinstance(state, dict) else {}


def _save_state(settings: N8nSettings, state: dict[str, Any]) -> None:
    path = settings.folder / STATE_FILE
    path.write_text(json.dumps({**state, "n8n_version": settings.version}, indent=1))


def _digest(value: Any) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True).encode()).hexdigest()
