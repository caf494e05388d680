"""Credential templates filled from the environment, and the workflow files checked before import.

A credential template is n8n's export format with `${NAME}` placeholders in its `data`:

    ${NAME}              required: a missing or empty NAME is an error naming it
    ${NAME:-default}     optional, with a default (possibly empty)
    ${NAME|int}          the whole string becomes a number (`|json`: parsed JSON); an empty
                         optional value with a filter drops the key

A template with `"_only_when": "NAME"` is skipped unless NAME is set (an optional credential).
Workflows must hold to the house rules (named nodes, known credentials, the error workflow
attached, fixed webhook ids, short Code nodes, short expressions: what needs more is a field
computed by the service or the SQL function the node calls); `check_workflow` lists what breaks
them.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PLACEHOLDER = re.compile(
    r"\$\{(?P<name>[A-Z][A-Z0-9_]*)(?P<opt>:-(?P<default>[^}|]*))?(?:\|(?P<filter>int|json))?\}"
)
ERROR_WORKFLOW_ID = "sbErrorHandler00"
MAX_CODE_LINES = 20
MAX_EXPRESSION_CHARS = 200


class TemplateError(ValueError):
    """A template or workflow file cannot be used; the message says which and why."""


# Nodes that listen on a webhook path (`parameters.path`), and every node that starts a workflow.
WEBHOOK_TYPES = ("n8n-nodes-base.webhook", "n8n-nodes-solo-brain.ccMeshTrigger")
TRIGGER_TYPES = (*WEBHOOK_TYPES, "n8n-nodes-base.scheduleTrigger")


@dataclass(frozen=True)
class Workflow:
    """One workflow file: its path, parsed content and the digest of that content."""

    path: Path
    doc: dict[str, Any]
    digest: str

    @property
    def id(self) -> str:
        """The workflow id n8n keeps on import."""
        return str(self.doc["id"])

    @property
    def has_trigger(self) -> bool:
        """True when n8n can activate it (a webhook, the CC Mesh Trigger or a schedule)."""
        return any(node["type"] in TRIGGER_TYPES for node in self.doc.get("nodes", []))


def _substitute(text: str, env: Mapping[str, str], where: str) -> Any:
    whole = PLACEHOLDER.fullmatch(text)

    def value(match: re.Match[str]) -> str:
        name = match["name"]
        found = env.get(name, "")
        if found == "" and match["opt"] is None:
            raise TemplateError(f"{where}: set {name} (it has no default)")
        return found if found != "" else (match["default"] or "")

    if whole and whole["filter"]:
        raw = value(whole)
        if raw == "":
            return _DROP
        if whole["filter"] == "int":
            try:
                return int(raw)
            except ValueError:
                raise TemplateError(f"{where}: {whole['name']} must be a number") from None
        try:
            return json.loads(raw)
        except ValueError:
            raise TemplateError(f"{where}: {whole['name']} must be JSON") from None
    if any(m["filter"] for m in PLACEHOLDER.finditer(text)):
        raise TemplateError(f"{where}: a |int or |json placeholder must be the whole value")
    return PLACEHOLDER.sub(value, text)


_DROP = object()


def _render(value: Any, env: Mapping[str, str], where: str) -> Any:
    if isinstance(value, str):
        return _substitute(value, env, where)
    if isinstance(value, dict):
        rendered = {k: _render(v, env, f"{where}.{k}") for k, v in value.items()}
        return {k: v for k, v in rendered.items() if v is not _DROP}
    if isinstance(value, list):
        return [_render(v, env, where) for v in value]
    return value


def render_credentials(folder: Path, env: Mapping[str, str]) -> list[dict[str, Any]]:
    """The credentials of every template in `folder`, filled from `env` (n8n's import format)."""
    rendered: list[dict[str, Any]] = []
    for path in sorted(folder.glob("*.json")):
        try:
            template = json.loads(path.read_text(encoding="utf-8"))
        except ValueError as exc:
            raise TemplateError(f"{path.name}: not valid JSON ({exc})") from exc
        missing = [k for k in ("id", "name", "type", "data") if k not in template]
        if missing:
            raise TemplateError(f"{path.name}: missing {', '.join(missing)}")
        guard = template.pop("_only_when", None)
        if guard and not env.get(guard):
            continue
        template["data"] = _render(template["data"], env, path.name)
        rendered.append(template)
    return rendered


def load_workflows(folder: Path) -> list[Workflow]:
    """Every workflow file of `folder`, parsed, in name order."""
    found = []
    for path in sorted(folder.glob("*.json")):
        raw = path.read_bytes()
        try:
            doc = json.loads(raw)
        except ValueError as exc:
            raise TemplateError(f"{path.name}: not valid JSON ({exc})") from exc
        if not isinstance(doc, dict) or "nodes" not in doc or "id" not in doc:
            raise TemplateError(f"{path.name}: not an exported n8n workflow (no id or nodes)")
        found.append(Workflow(path, doc, hashlib.sha256(raw).hexdigest()))
    return found


def check_workflow(doc: dict[str, Any], credentials: list[dict[str, Any]]) -> list[str]:
    """What breaks the house rules in one workflow (empty when it may be imported)."""
    problems: list[str] = []
    known = {(c["id"], c["name"]) for c in credentials}
    names = [node.get("name", "") for node in doc["nodes"]]
    if len(set(names)) != len(names) or not all(n.strip() for n in names):
        problems.append("node names must be present and unique")
    is_error_handler = any(n["type"] == "n8n-nodes-base.errorTrigger" for n in doc["nodes"])
    if not is_error_handler and doc.get("settings", {}).get("errorWorkflow") != ERROR_WORKFLOW_ID:
        problems.append(f"settings.errorWorkflow must be {ERROR_WORKFLOW_ID}")
    for node in doc["nodes"]:
        label = f"node {node.get('name')!r}"
        for ref in (node.get("credentials") or {}).values():
            if (ref.get("id"), ref.get("name")) not in known:
                problems.append(f"{label}: unknown credential {ref.get('name')!r}")
        if node["type"] in WEBHOOK_TYPES and not node.get("webhookId"):
            problems.append(f"{label}: a webhook needs a fixed webhookId")
        for where, expression in _expressions(node.get("parameters", {}), "parameters"):
            if len(expression) > MAX_EXPRESSION_CHARS:
                problems.append(f"{label}: {where} is a {len(expression)}-character expression "
                                f"(at most {MAX_EXPRESSION_CHARS})")  # fmt: skip
        if node["type"] == "n8n-nodes-base.code":
            lines = [ln for ln in node["parameters"].get("jsCode", "").splitlines() if ln.strip()]
            if len(lines) > MAX_CODE_LINES:
                problems.append(f"{label}: {len(lines)} lines of code (at most {MAX_CODE_LINES})")
    for source, outputs in doc.get("connections", {}).items():
        targets = [t["node"] for out in outputs.get("main", []) for t in (out or [])]
        for name in [source, *targets]:
            if name not in names:
                problems.append(f"connection names an unknown node {name!r}")
    return problems


def _expressions(value: Any, where: str) -> list[tuple[str, str]]:
    """Every n8n expression (a string starting with "=") in a node's parameters, with its path."""
    if isinstance(value, str):
        return [(where, value)] if value.startswith("=") else []
    if isinstance(value, dict):
        return [e for k, v in value.items() for e in _expressions(v, f"{where}.{k}")]
    if isinstance(value, list):
        return [e for i, v in enumerate(value) for e in _expressions(v, f"{where}[{i}]")]
    return []
