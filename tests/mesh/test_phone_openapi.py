"""Every endpoint of the phone's backend is in the OpenAPI document and in docs/api.md,
with the scope it needs."""

from __future__ import annotations

from solo_brain.mesh.app import create_app
from solo_brain.settings import PROJECT_ROOT
from tests.support.settings import mesh_settings

PHONE_ROUTES = [
    ("post", "/api/pairing-codes", "full"),
    ("post", "/api/pair", "none"),
    ("get", "/api/devices", "full"),
    ("delete", "/api/devices/{device_id}", "full"),
    ("post", "/api/tokens", "full"),
    ("get", "/api/tokens", "full"),
    ("delete", "/api/tokens/{token_id}", "full"),
    ("get", "/api/sessions/{session_id}/prompts", "full"),
    ("get", "/api/captures", "full"),
    ("get", "/api/captures/{capture_id}", "full"),
    ("get", "/api/captures/{capture_id}/audio", "full"),
    ("patch", "/api/captures/{capture_id}", "full"),
    ("post", "/api/captures/{capture_id}/retry", "full"),
    ("get", "/api/projects", "full"),
    ("post", "/api/projects", "full"),
    ("patch", "/api/projects/{slug}", "full"),
    ("delete", "/api/projects/{slug}", "full"),
    ("get", "/api/clients", "full"),
    ("post", "/api/clients", "full"),
    ("patch", "/api/clients/{client_id}", "full"),
    ("delete", "/api/clients/{client_id}", "full"),
    ("get", "/api/push/key", "full"),
    ("post", "/api/push/subscriptions", "full"),
    ("delete", "/api/push/subscriptions", "full"),
    ("post", "/api/notify", "full"),
]


def test_openapi_lists_every_phone_route_with_its_scope() -> None:
    """Each route is documented with x-scope, and the bearer scheme when it needs a token."""
    schema = create_app(mesh_settings()).openapi()
    for method, path, scope in PHONE_ROUTES:
        operation = schema["paths"][path][method]
        assert operation["x-scope"] == scope, (method, path)
        assert bool(operation.get("security")) == (scope != "none"), (method, path)
        assert operation.get("description") or operation.get("summary"), (method, path)


def test_api_doc_lists_every_phone_route() -> None:
    """docs/api.md names each route with its method and scope."""
    doc = (PROJECT_ROOT / "docs" / "api.md").read_text()
    for method, path, scope in PHONE_ROUTES:
        for name in ("{device_id}", "{capture_id}", "{client_id}", "{token_id}", "{session_id}"):
            path = path.replace(name, "{id}")
        row = f"| `{method.upper()} {path}` | {scope} |"
        assert row in doc, row
