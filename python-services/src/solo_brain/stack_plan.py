"""What `solo-brain up` starts: each child (how to start it, how to know it is up) and the
environment that wires the children together when nothing is configured (stack.py runs
them).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from solo_brain.local_tokens import N8N_TOKEN_NAME, local_secret, local_token, solo_brain_argv
from solo_brain.n8n.config import N8nSettings
from solo_brain.n8n.imports import STATE_FILE
from solo_brain.n8n.install import find_install
from solo_brain.n8n.runner import (
    WEBHOOK_PROBE_HEADERS,
    WEBHOOK_PROBE_METHOD,
    webhook_registered,
)
from solo_brain.secret_files import environment
from solo_brain.settings import (
    EVENTS_OFF,
    ClassifySettings,
    CommonSettings,
    GlueSettings,
    MeshSettings,
)

READY_TIMEOUT_S = 120.0
# The first `n8n start` on a machine installs n8n (several minutes on 2 cores).
N8N_READY_TIMEOUT_S = 1200.0
FIRST_N8N_START = ("first start: builds the node package and imports the workflows, "
                   "a few minutes; later starts take seconds")  # fmt: skip
N8N_INSTALL = ("installs n8n into the per-user cache first, about 6 minutes once; then builds "
               "the node package and imports the workflows, a few minutes")  # fmt: skip


@dataclass
class Child:
    """One service of the stack: how to start it and how to know it is up."""

    name: str
    argv: list[str]
    health_url: str | None
    env: dict[str, str] = field(default_factory=dict)
    ready_timeout_s: float = READY_TIMEOUT_S
    # How to ask the health URL, and how to tell its answer means "up" (default: GET → 200).
    probe_method: str = "GET"
    probe_headers: dict[str, str] = field(default_factory=dict)
    is_up: Callable[[httpx.Response], bool] = lambda response: response.status_code == 200
    # Said when it starts, for a child that may take long (n8n's first start).
    starting_note: str | None = None
    process: subprocess.Popen[bytes] | None = None
    started_at: float | None = None  # time.monotonic() when spawned


def plan(args: argparse.Namespace, settings: CommonSettings, db_url: str) -> list[Child]:
    """The children to start, in order, according to the command-line switches."""
    glue_port, classify = GlueSettings().port, ClassifySettings()
    classify_port = classify.port
    # classify's filing steps transcribe and speak through the glue this stack starts.
    classify_env = {} if "glue_url" in classify.model_fields_set else {
        "GLUE_URL": f"http://127.0.0.1:{glue_port}"}  # fmt: skip
    children = [
        Child("glue", solo_brain_argv("serve", "glue"), _health(glue_port)),
        Child(
            "classify",
            solo_brain_argv("serve", "classify"),
            _health(classify_port),
            env=classify_env,
        ),
    ]
    n8n = N8nSettings()
    if not args.no_mesh:
        mesh = MeshSettings()
        mesh_env = {}
        if not args.no_n8n and not mesh.events_webhook_url:
            # Out of the box, the hub's events reach the mesh-events workflow (push to phones).
            mesh_env["MESH_EVENTS_WEBHOOK_URL"] = f"{n8n.base_url}/webhook/mesh-events"
        elif not mesh.events_webhook_url:
            mesh_env["MESH_EVENTS_WEBHOOK_URL"] = EVENTS_OFF  # no n8n to take them
        if not args.no_n8n and not mesh.events_secret:
            # The CC Mesh Trigger refuses unsigned events: sign them with a secret of our own.
            mesh_env["MESH_EVENTS_SECRET"] = local_secret(settings, "mesh-events")
        if not args.no_n8n and not mesh.capture_url:
            # Without nginx the PWA's captures reach n8n through the hub (same origin).
            mesh_env["MESH_CAPTURE_URL"] = f"{n8n.base_url}/webhook/capture"
            webhook_token = environment().get("CAPTURE_WEBHOOK_TOKEN")
            if webhook_token and not mesh.capture_token:
                mesh_env["MESH_CAPTURE_TOKEN"] = webhook_token
        mesh_port = mesh.port
        children.append(
            Child("mesh", solo_brain_argv("serve", "mesh"), _health(mesh_port), env=mesh_env)
        )
        if not args.no_agent:
            token = local_token(settings, db_url, "agent", "local-agent")
            children.append(
                Child(
                    "mesh-agent",
                    [_mesh_agent_bin(), "run", "--hub", f"http://127.0.0.1:{mesh_port}"],
                    None,
                    env={"MESH_AGENT_TOKEN": token},
                )
            )
    if not args.no_n8n:
        n8n_env = {}
        # Unless configured, the workflows call the services this stack starts, on their ports.
        if "glue_url" not in n8n.model_fields_set:
            n8n_env["GLUE_URL"] = f"http://127.0.0.1:{glue_port}"
        if "classify_url" not in n8n.model_fields_set:
            n8n_env["CLASSIFY_URL"] = f"http://127.0.0.1:{classify_port}"
        if not args.no_mesh and "hub_url" not in n8n.model_fields_set:
            # Out of the box, the workflows' steps go through the hub this stack starts.
            n8n_env["HUB_URL"] = f"http://127.0.0.1:{mesh_port}"
        if not args.no_mesh and not environment().get("HUB_TOKEN"):
            n8n_env["HUB_TOKEN"] = local_token(settings, db_url, "full", N8N_TOKEN_NAME)
        if not args.no_mesh and not environment().get("MESH_EVENTS_SECRET"):
            n8n_env["MESH_EVENTS_SECRET"] = local_secret(settings, "mesh-events")
        children.append(
            Child(
                "n8n",
                solo_brain_argv("n8n", "start"),
                f"http://127.0.0.1:{n8n.port}/webhook/capture",
                env=n8n_env,
                ready_timeout_s=N8N_READY_TIMEOUT_S,
                probe_method=WEBHOOK_PROBE_METHOD,
                probe_headers=WEBHOOK_PROBE_HEADERS,
                is_up=webhook_registered,
                starting_note=_n8n_note(n8n),
            )
        )
    return children


def _n8n_note(n8n: N8nSettings) -> str | None:
    """What n8n's start will cost, when it is long: the install, the first import."""
    if find_install(n8n) is None:
        return N8N_INSTALL
    return None if (n8n.folder / STATE_FILE).exists() else FIRST_N8N_START


def _health(port: int) -> str:
    return f"http://127.0.0.1:{port}/healthz"


def _mesh_agent_bin() -> str:
    candidate = Path(sys.executable).with_name("mesh-agent")
    return str(candidate) if candidate.exists() else "mesh-agent"
