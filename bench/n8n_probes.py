"""Probe workflows for bench_n8n.py --parts: the floor plus one kind of step, to price each part.

Each probe is Webhook -> (the steps) -> Respond to Webhook, so that its p50 minus the floor's is
what those steps cost inside n8n: a no-op node, a Postgres query, an HTTP hop to the glue, a
sub-workflow started without waiting (the capture's background filing) or waited for, and the
webhook's header check.
"""

from __future__ import annotations

import itertools
import json
import subprocess
import uuid
from pathlib import Path
from typing import Any

SUB_ID = "sbBenchProbeSub1"
CLASSIFY = {"id": "sbClassifyServ01", "name": "Solo Brain classify"}
TOKEN = {"id": "sbCaptureToken01", "name": "Capture webhook token"}
# The credential template the probes' header auth uses (rendered when CAPTURE_WEBHOOK_TOKEN is set).
TOKEN_CREDENTIAL = {
    **TOKEN,
    "type": "httpHeaderAuth",
    "_only_when": "CAPTURE_WEBHOOK_TOKEN",
    "data": {"name": "Authorization", "value": "Bearer ${CAPTURE_WEBHOOK_TOKEN}"},
}
SETTINGS = {
    "executionOrder": "v1",
    "saveDataSuccessExecution": "none",
    "callerPolicy": "workflowsFromSameOwner",
    "errorWorkflow": "sbErrorHandler00",
}


def _node(name: str, kind: str, version: float, parameters: dict[str, Any], **extra: Any) -> dict:
    """One workflow node with a stable id derived from its name."""
    return {"id": str(uuid.uuid5(uuid.NAMESPACE_URL, name)), "name": name,
            "type": f"n8n-nodes-base.{kind}", "typeVersion": version, "position": [0, 0],
            "parameters": parameters, **extra}  # fmt: skip


def _chain(names: list[str]) -> dict[str, Any]:
    """Connections running the named nodes one after the other."""
    return {a: {"main": [[{"node": b, "type": "main", "index": 0}]]}
            for a, b in itertools.pairwise(names)}  # fmt: skip


def probe(path: str, steps: list[dict[str, Any]], *, auth: bool = False) -> dict[str, Any]:
    """Webhook `path` -> steps -> respond {ok: true}, as an importable workflow."""
    hook = _node(f"{path} webhook", "webhook", 2,
                 {"httpMethod": "POST", "path": path, "responseMode": "responseNode",
                  "options": {}, **({"authentication": "headerAuth"} if auth else {})},
                 webhookId=str(uuid.uuid5(uuid.NAMESPACE_URL, path)))  # fmt: skip
    if auth:
        hook["credentials"] = {"httpHeaderAuth": dict(TOKEN)}
    answer = _node(
        f"{path} answer",
        "respondToWebhook",
        1.1,
        {"respondWith": "json", "responseBody": "={{ { ok: true } }}", "options": {}},
    )
    nodes = [hook, *steps, answer]
    return {"id": f"sbProbe{uuid.uuid5(uuid.NAMESPACE_URL, path).hex[:9]}",
            "name": f"bench-{path}", "active": False,
            "settings": SETTINGS, "nodes": nodes,
            "connections": _chain([n["name"] for n in nodes])}  # fmt: skip


def _noop(name: str) -> dict[str, Any]:
    return _node(name, "noOp", 1, {})


def _run_sub(name: str, wait: bool) -> dict[str, Any]:
    return _node(name, "executeWorkflow", 1.2,
                 {"workflowId": {"__rl": True, "value": SUB_ID, "mode": "id"}, "mode": "once",
                  "options": {"waitForSubWorkflow": wait}})  # fmt: skip


SUB = {
    "id": SUB_ID, "name": "bench-probe-sub", "active": False,
    "settings": SETTINGS,
    "nodes": [_node("Probe sub trigger", "executeWorkflowTrigger", 1.1,
                    {"inputSource": "passthrough"}), _noop("Probe sub step")],
    "connections": _chain(["Probe sub trigger", "Probe sub step"]),
}  # fmt: skip


def probes(postgres_credential: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """{label: workflow} of every probe; the labels say what each adds to the floor."""
    select = _node("probe select", "postgres", 2.5,
                   {"operation": "executeQuery", "query": "SELECT 1 AS one", "options": {}},
                   credentials={"postgres": postgres_credential})  # fmt: skip
    hop = _node(
        "probe hop",
        "httpRequest",
        4.2,
        {"method": "GET", "url": "={{ $env.GLUE_URL }}/healthz", "options": {}},
    )
    by_node = {**_node("probe solo brain", "x", 1, {"resource": "date", "operation": "resolve",
                                                   "phrase": "demain", "options": {}}),
               "type": "n8n-nodes-solo-brain.soloBrain",
               "credentials": {"soloBrainClassifyApi": CLASSIFY}}  # fmt: skip
    by_http = _node("probe resolve", "httpRequest", 4.2,
                    {"method": "POST", "url": "={{ $env.CLASSIFY_URL }}/v1/resolve-date",
                     "sendBody": True, "specifyBody": "json",
                     "jsonBody": '{"phrase": "demain"}', "options": {}})  # fmt: skip
    return {
        "+ HTTP Request resolve-date": probe("probe-resolve-http", [by_http]),
        "+ Solo Brain Resolve Date": probe("probe-resolve-node", [by_node]),
        "+ 5 no-op nodes": probe("probe-noop", [_noop(f"noop {i}") for i in range(5)]),
        "+ header auth": probe("probe-auth", [], auth=True),
        "+ Postgres SELECT 1": probe("probe-pg", [select]),
        "+ HTTP GET glue /healthz": probe("probe-http", [hop]),
        "+ sub-workflow, no wait": probe("probe-sub", [_run_sub("probe start sub", False)]),
        "+ sub-workflow, waited": probe("probe-subwait", [_run_sub("probe run sub", True)]),
    }


def capture_copy(ref: str | None, path: str, *, auth: bool = True) -> list[dict[str, Any]]:
    """capture.json and capture-process.json (as they were at git `ref`, or as they are now),
    under ids of their own and the webhook path /webhook/`path`, with or without the capture
    token's header auth: a change measured before and after, or without the token (behind
    nginx), in the same run, interleaved."""
    root = Path(__file__).resolve().parents[1]
    tag = uuid.uuid5(uuid.NAMESPACE_URL, path).hex[:4]
    renames = {"sbCaptureWebhook": f"sbBenchWeb{tag}00", "sbCaptureProcess": f"sbBenchPrc{tag}00"}
    docs = []
    for name in ("capture", "capture-process"):
        if ref is None:
            shown = (root / "n8n-workflows" / f"{name}.json").read_text()
        else:
            shown = subprocess.run(["git", "show", f"{ref}:n8n-workflows/{name}.json"], cwd=root,
                                   check=True, capture_output=True, text=True).stdout  # fmt: skip
        for old, new in renames.items():
            shown = shown.replace(old, new)
        doc = json.loads(shown)
        doc["name"] = f"{name} ({path})"
        for node in doc["nodes"]:
            if node["type"] == "n8n-nodes-base.webhook":
                node["parameters"]["path"] = path
                node["webhookId"] = str(uuid.uuid5(uuid.NAMESPACE_URL, f"copy {path}"))
                if auth:
                    node["parameters"]["authentication"] = "headerAuth"
                    node["credentials"] = {"httpHeaderAuth": dict(TOKEN)}
        docs.append(doc)
    return docs
