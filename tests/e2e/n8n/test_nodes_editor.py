"""The package's nodes in the real n8n editor, in Debian's Chromium: a workflow of the new nodes
on the canvas and each one's form, with the named fields and the lists loaded live. The
screenshots land in tests/artifacts/nodes/ (the ones in nodes/docs/ were taken this way)."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.browser.pwa import ROOT, chromium
from tests.e2e.n8n.editor import Editor, package_node
from tests.e2e.n8n.stack import Stack

pytestmark = [pytest.mark.n8n, pytest.mark.browser]

HUB = {"ccMeshApi": {"id": "sbCcMeshHubApi01", "name": "CC Mesh hub"}}
ARTIFACTS = ROOT / "tests" / "artifacts" / "nodes"


def showcase() -> dict[str, Any]:
    """Trigger → File the capture → Claim its deliveries → Notify, as a user would wire them."""
    chain = [
        {"name": "CC Mesh Trigger", "type": "n8n-nodes-solo-brain.ccMeshTrigger",
         "typeVersion": 1, "webhookId": str(uuid.uuid4()), "credentials": HUB,
         "parameters": {"path": f"showcase-{uuid.uuid4().hex[:6]}",
                        "events": ["capture_reclassified", "capture_retry"]}},
        {**package_node("soloBrain", HUB, "capture", "file",
                        options={"longNoteChars": 600}), "name": "File the capture"},
        {**package_node("soloBrain", HUB, "delivery", "claim",
                        configured=["calendar", "push"]), "name": "Claim its deliveries"},
        {**package_node("ccMesh", HUB, "notification", "send", title="Capture classée",
                        body="={{ $json.kind }}", options={"urgency": "high"}),
         "name": "Notify the phones"},
    ]  # fmt: skip
    nodes = [{"id": str(uuid.uuid4()), "position": [260 * i, 0], **n} for i, n in enumerate(chain)]
    connections = {
        a["name"]: {"main": [[{"node": b["name"], "type": "main", "index": 0}]]}
        for a, b in itertools.pairwise(chain)
    }
    return {"name": "Nodes showcase", "nodes": nodes, "connections": connections, "active": False,
            "settings": {"executionOrder": "v1"}}  # fmt: skip


@pytest.fixture(scope="module")
def page(stack: Stack, editor: Editor) -> Iterator[tuple[Page, str]]:
    """A signed-in editor page and the showcase workflow's id."""
    created = editor.call("POST", "/workflows", showcase())
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with chromium() as browser:
        context = browser.new_context(
            base_url=stack.n8n_url, viewport={"width": 1280, "height": 800}, locale="en-US"
        )
        # The editor's session (n8n's cookie is Secure, which plain http would not keep).
        cookie = editor.http.headers["cookie"].removeprefix("n8n-auth=")
        context.add_cookies([{"name": "n8n-auth", "value": cookie, "url": stack.n8n_url}])
        page = context.new_page()
        yield page, created["id"]
        context.close()
    editor.call("POST", f"/workflows/{created['id']}/archive")
    editor.call("DELETE", f"/workflows/{created['id']}")


FORMS = {
    "CC Mesh Trigger": ("trigger", ["Path", "Events", "Capture Reclassified"]),
    "File the capture": ("capture-file", ["Capture ID", "Classification", "Long Note"]),
    "Claim its deliveries": ("delivery-claim", ["Capture ID", "Google Calendar"]),
    "Notify the phones": ("notify", ["Title", "Message", "Urgency"]),
}


def by_test_id(page: Page, test_id: str) -> Locator:
    """The elements n8n marks with `data-test-id`."""
    return page.locator(f'[data-test-id="{test_id}"]')


def capture_screens(page: Page, workflow_id: str, folder: Path) -> list[Path]:
    """The canvas, then each node's form (the parameters panel), each checked for its fields."""
    page.goto(f"/workflow/{workflow_id}")
    expect(by_test_id(page, "canvas-node")).to_have_count(4, timeout=90_000)
    page.wait_for_timeout(1000)  # the edges are drawn after the nodes
    shots = [folder / "canvas.png"]
    page.screenshot(path=shots[0])
    for node, (name, labels) in FORMS.items():
        by_test_id(page, "canvas-node").filter(has_text=node).first.dblclick()
        panel = by_test_id(page, "node-parameters")
        for label in labels:
            expect(panel.get_by_text(label, exact=False).first).to_be_visible(timeout=30_000)
        page.wait_for_timeout(500)
        box = panel.bounding_box()
        assert box is not None
        top = max(box["y"] - 110, 0)
        clip = {
            "x": box["x"],
            "y": top,
            "width": box["width"],
            "height": box["y"] + box["height"] - top,
        }
        shots.append(folder / f"{name}.png")
        page.screenshot(path=shots[-1], clip=clip)
        by_test_id(page, "back-to-canvas").click()
        expect(by_test_id(page, "ndv")).to_be_hidden(timeout=10_000)
    return shots


def test_the_nodes_on_the_canvas_and_their_forms(page: tuple[Page, str]) -> None:
    """The canvas shows the four nodes; each form names its fields; Claim's destinations
    (loaded from the hub) and the trigger's events are shown by name."""
    tab, workflow_id = page
    shots = capture_screens(tab, workflow_id, ARTIFACTS)

    assert all(shot.stat().st_size > 5_000 for shot in shots)


def test_the_shipped_deliver_workflow_reads_as_named_steps(page: tuple[Page, str]) -> None:
    """The shipped deliver workflow: its claim and its record are Solo Brain forms with named
    fields (no SQL), between the destinations' own requests."""
    tab, _ = page
    tab.goto("/workflow/sbDeliverCapture")
    expect(by_test_id(tab, "canvas-node")).to_have_count(16, timeout=90_000)
    tab.wait_for_timeout(1000)  # the edges are drawn after the nodes
    tab.screenshot(path=ARTIFACTS / "deliver.png")
    by_test_id(tab, "canvas-node").filter(has_text="Claim the due deliveries").first.dblclick()
    panel = by_test_id(tab, "node-parameters")
    for label in ("Capture ID", "Configured Destination"):
        expect(panel.get_by_text(label, exact=False).first).to_be_visible(timeout=30_000)
    expect(panel.get_by_text("SELECT", exact=False)).to_have_count(0)

    assert (ARTIFACTS / "deliver.png").stat().st_size > 5_000
