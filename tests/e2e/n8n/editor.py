"""The n8n editor's own REST API (what the browser calls), to drive the node package's tests.

The first visit of an n8n asks for an owner account; `Editor.sign_in` creates it (or logs in when
it exists). n8n marks its session cookie `Secure`, which httpx rightly refuses to send over
plain http, so the cookie is sent as a header. Test workflows are created and activated here,
like a user does in the editor (no restart needed), and removed afterwards.
"""

from __future__ import annotations

import itertools
import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx

from tests.support.n8n_report import unflatten
from tests.support.wait import wait_for

OWNER = {
    "email": "owner@solo-brain.test",
    "firstName": "Solo",
    "lastName": "Brain",
    "password": "Owner-password-1",
}
PACKAGE = "n8n-nodes-solo-brain"


class EditorError(AssertionError):
    """The editor API refused a call; the message carries its answer."""


class Editor:
    """A signed-in owner session on one n8n."""

    def __init__(self, base_url: str, cookie: str) -> None:
        self.base_url = base_url
        self.http = httpx.Client(
            base_url=base_url, timeout=30.0, headers={"cookie": f"n8n-auth={cookie}"}
        )

    @classmethod
    def sign_in(cls, base_url: str) -> Editor:
        """Create the owner account on a fresh n8n, or log in; the signed-in session."""
        with httpx.Client(base_url=base_url, timeout=30.0) as anonymous:
            answer = anonymous.post("/rest/owner/setup", json=OWNER)
            if answer.status_code != 200:
                answer = anonymous.post(
                    "/rest/login",
                    json={"emailOrLdapLoginId": OWNER["email"], "password": OWNER["password"]},
                )
            if answer.status_code != 200 or "n8n-auth" not in answer.cookies:
                raise EditorError(f"cannot sign in to n8n: {answer.status_code} {answer.text}")
            return cls(base_url, answer.cookies["n8n-auth"])

    def call(self, method: str, path: str, body: Any = None) -> Any:
        """One REST call; its `data`."""
        answer = self.http.request(method, f"/rest{path}", json=body)
        if answer.status_code >= 400:
            raise EditorError(f"{method} /rest{path}: {answer.status_code} {answer.text[:500]}")
        return answer.json().get("data")

    # --- credentials ----------------------------------------------------------------------

    def test_credential(
        self, credential_id: str, data: dict[str, Any] | None = None
    ) -> dict[str, str]:
        """What the editor's "Test" button says for a stored credential (its data overridden)."""
        stored = self.call("GET", f"/credentials/{credential_id}?includeData=true")
        body = {
            "id": credential_id,
            "name": stored["name"],
            "type": stored["type"],
            "data": {**stored["data"], **(data or {})},
        }
        return dict(self.call("POST", "/credentials/test", {"credentials": body}))

    # --- node parameters loaded live ---------------------------------------------------------

    def _dynamic(
        self,
        node: str,
        method: str,
        parameters: dict[str, Any],
        credentials: dict[str, Any],
        **extra: Any,
    ) -> dict[str, Any]:
        return {
            "path": "parameters",
            "nodeTypeAndVersion": {"name": f"{PACKAGE}.{node}", "version": 1},
            "currentNodeParameters": parameters,
            "methodName": method,
            "credentials": credentials,
            **extra,
        }

    def load_options(
        self, node: str, method: str, parameters: dict[str, Any], credentials: dict[str, Any]
    ) -> list[dict[str, Any]]:
        """The options a node's `loadOptionsMethod` gives the editor."""
        body = self._dynamic(node, method, parameters, credentials)
        return list(self.call("POST", "/dynamic-node-parameters/options", body))

    def search_list(
        self,
        node: str,
        method: str,
        parameters: dict[str, Any],
        credentials: dict[str, Any],
        filter_: str = "",
    ) -> list[dict[str, Any]]:
        """The entries of a resource locator's "From List" mode, searched with `filter_`."""
        body = self._dynamic(node, method, parameters, credentials, filter=filter_)
        found = self.call("POST", "/dynamic-node-parameters/resource-locator-results", body)
        return list(found["results"])

    # --- workflows -------------------------------------------------------------------------

    @contextmanager
    def active_workflow(self, doc: dict[str, Any]) -> Iterator[str]:
        """Create and activate a workflow for the block (its id), then archive and delete it."""
        created = self.call("POST", "/workflows", {**doc, "active": False})
        workflow_id = created["id"]
        try:
            self.call(
                "POST", f"/workflows/{workflow_id}/activate", {"versionId": created["versionId"]}
            )
            yield workflow_id
        finally:
            self.call("POST", f"/workflows/{workflow_id}/archive")
            self.call("DELETE", f"/workflows/{workflow_id}")

    @contextmanager
    def paused(self, workflow_id: str, timeout_s: float = 60.0) -> Iterator[None]:
        """The workflow deactivated for the block, none of its executions still running, then
        activated again: a test that claims what its schedule claims gets it to itself."""
        self.call("POST", f"/workflows/{workflow_id}/deactivate")
        try:
            query = json.dumps({"workflowId": workflow_id, "status": ["new", "running"]})
            wait_for(
                lambda: not self.call("GET", f"/executions?filter={query}")["results"],
                timeout=timeout_s,
                what=f"the executions of workflow {workflow_id} to end",
            )
            yield
        finally:
            stored = self.call("GET", f"/workflows/{workflow_id}")
            self.call("POST", f"/workflows/{workflow_id}/activate",
                      {"versionId": stored["versionId"]})  # fmt: skip

    @contextmanager
    def trying(self, node: dict[str, Any], **shape: Any) -> Iterator[NodeWorkflow]:
        """`node` in an active webhook workflow (see `node_workflow`) for the block."""
        doc, path = node_workflow(node, **shape)
        with self.active_workflow(doc) as workflow_id:
            yield NodeWorkflow(self, path, workflow_id)

    def last_failure(self, workflow_id: str) -> dict[str, Any]:
        """The error of the workflow's last failed execution (n8n keeps failed ones)."""
        query = json.dumps({"workflowId": workflow_id, "status": ["error"]})
        listed = self.call("GET", f"/executions?filter={query}")
        (latest, *_) = listed["results"]
        execution = self.call("GET", f"/executions/{latest['id']}")
        return dict(unflatten(execution["data"])["resultData"]["error"])


@dataclass(frozen=True)
class NodeWorkflow:
    """A node under test behind its own webhook."""

    editor: Editor
    path: str
    workflow_id: str

    def post(self, **request: Any) -> httpx.Response:
        """POST to the webhook (`json=`, `files=`, `data=` as httpx takes them)."""
        return httpx.post(f"{self.editor.base_url}/webhook/{self.path}", timeout=60.0, **request)

    def items(self, **request: Any) -> list[dict[str, Any]]:
        """POST, then the node's output items (JSON), the call having succeeded (else the error
        n8n kept, read while the workflow still exists: it goes with it)."""
        answer = self.post(**request)
        if answer.status_code != 200:
            try:
                error = self.failure()
                kept = f"{error.get('message')} ({error.get('description')})"
            except (EditorError, ValueError, KeyError, TypeError) as unread:
                kept = f"none readable ({unread})"
            raise AssertionError(f"{answer.status_code} {answer.text[:500]}\nn8n's error: {kept}")
        body = answer.json()
        return body if isinstance(body, list) else [body]

    def failure(self) -> dict[str, Any]:
        """The error that stopped the last run."""
        return self.editor.last_failure(self.workflow_id)


def package_node(
    node: str, credentials: dict[str, Any], resource: str, operation: str, **parameters: Any
) -> dict[str, Any]:
    """A node of the package (`node`: soloBrain, ccMesh), named as its type's display name;
    `onError` among `parameters` goes to the node's settings."""
    on_error = parameters.pop("onError", None)
    built = {
        "name": {"soloBrain": "Solo Brain", "ccMesh": "CC Mesh"}[node],
        "type": f"{PACKAGE}.{node}",
        "typeVersion": 1,
        "parameters": {"resource": resource, "operation": operation, **parameters},
        "credentials": credentials,
    }
    return {**built, "onError": on_error} if on_error else built


def node_workflow(
    node: dict[str, Any],
    *,
    respond: str = "allEntries",
    split: str | None = None,
    then: dict[str, Any] | None = None,
) -> tuple[dict[str, Any], str]:
    """A workflow: POST webhook → one item per entry of `body[split]` (if given) → `node` →
    `then` (if given), answering with the last node's output; and the webhook's path."""
    path = f"nodes-{uuid.uuid4().hex[:12]}"
    webhook = {
        "name": "Webhook",
        "type": "n8n-nodes-base.webhook",
        "typeVersion": 2,
        "webhookId": str(uuid.uuid4()),
        "parameters": {
            "httpMethod": "POST",
            "path": path,
            "responseMode": "lastNode",
            "responseData": respond,
            "responseBinaryPropertyName": "data",
            "options": {},
        },
    }
    one_each = {
        "name": "One item each",
        "type": "n8n-nodes-base.splitOut",
        "typeVersion": 1,
        "parameters": {"fieldToSplitOut": f"body.{split}", "options": {}},
    }
    chain = [webhook, *([one_each] if split else []), node, *([then] if then else [])]
    nodes = [{"id": str(uuid.uuid4()), "position": [220 * i, 0], **n} for i, n in enumerate(chain)]
    connections = {
        a["name"]: {"main": [[{"node": b["name"], "type": "main", "index": 0}]]}
        for a, b in itertools.pairwise(chain)
    }
    doc = {
        "name": f"Node test {path}",
        "nodes": nodes,
        "connections": connections,
        "settings": {"executionOrder": "v1"},
    }
    return doc, path
