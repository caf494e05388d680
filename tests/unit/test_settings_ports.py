"""The addresses a service gives out follow the port it listens on unless they are set."""

from __future__ import annotations

from solo_brain.settings import PROJECT_ROOT, GlueSettings, MeshSettings
from tests.support.settings import isolated


def test_an_unset_public_address_names_the_port_the_service_listens_on() -> None:
    """MESH_PORT=18100 alone: pairing links name :18100; GLUE_PORT=18101: spoken answers :18101."""
    assert isolated(MeshSettings, MESH_PORT=18100).public_hub_url == "http://127.0.0.1:18100"
    assert isolated(GlueSettings, GLUE_PORT=18101).public_url == "http://127.0.0.1:18101"
    assert isolated(MeshSettings).public_hub_url == "http://127.0.0.1:8100"


def test_a_public_address_that_is_set_is_kept() -> None:
    """PUBLIC_HUB_URL and PUBLIC_URL, when set, win over the port (nginx's https address)."""
    hub = isolated(MeshSettings, MESH_PORT=18100, PUBLIC_HUB_URL="https://assistant.example")
    glue = isolated(GlueSettings, GLUE_PORT=18101, PUBLIC_URL="https://assistant.example")
    assert (hub.public_hub_url, glue.public_url) == ("https://assistant.example",) * 2


def test_an_unset_capture_webhook_is_the_local_n8n_on_its_port() -> None:
    """MESH_CAPTURE_URL unset: n8n's capture webhook on loopback at N8N_PORT (5678 by default)."""
    assert isolated(MeshSettings, N8N_PORT=15999).capture_webhook_url == (
        "http://127.0.0.1:15999/webhook/capture"
    )
    assert isolated(MeshSettings).capture_webhook_url == "http://127.0.0.1:5678/webhook/capture"


def test_a_capture_webhook_that_is_set_wins_over_the_port() -> None:
    """MESH_CAPTURE_URL, when set (compose: the n8n service), is kept whatever N8N_PORT says."""
    settings = isolated(
        MeshSettings, N8N_PORT=15999, MESH_CAPTURE_URL="http://n8n:5678/webhook/capture"
    )
    assert settings.capture_webhook_url == "http://n8n:5678/webhook/capture"


def test_env_example_leaves_the_capture_webhook_to_the_port() -> None:
    """.env.example names no fixed n8n port for captures: its MESH_CAPTURE_URL is blank."""
    lines = (PROJECT_ROOT / ".env.example").read_text().splitlines()
    assert "MESH_CAPTURE_URL=" in lines
    assert not [line for line in lines if line.startswith("MESH_CAPTURE_URL=") and line[17:]]


def test_an_unset_events_webhook_is_the_local_n8n_mesh_events_on_its_port() -> None:
    """MESH_EVENTS_WEBHOOK_URL unset or blank (the env file's empty line): the hub's events go
    to n8n's mesh-events webhook on loopback at N8N_PORT, as its captures do; set, it wins."""
    assert isolated(MeshSettings, N8N_PORT=15999).events_url == (
        "http://127.0.0.1:15999/webhook/mesh-events"
    )
    blank = isolated(MeshSettings, MESH_EVENTS_WEBHOOK_URL="")
    assert blank.events_url == "http://127.0.0.1:5678/webhook/mesh-events"
    compose = isolated(MeshSettings, N8N_PORT=15999,
                       MESH_EVENTS_WEBHOOK_URL="http://n8n:5678/webhook/mesh-events")  # fmt: skip
    assert compose.events_url == "http://n8n:5678/webhook/mesh-events"


def test_events_webhook_off_sends_no_events() -> None:
    """MESH_EVENTS_WEBHOOK_URL=off (any case): a hub without n8n beside it sends no events."""
    for off in ("off", "OFF", " Off "):
        assert isolated(MeshSettings, MESH_EVENTS_WEBHOOK_URL=off).events_url is None


def test_env_example_leaves_the_events_webhook_to_the_port() -> None:
    """.env.example names no fixed n8n port for events: its MESH_EVENTS_WEBHOOK_URL is blank."""
    lines = (PROJECT_ROOT / ".env.example").read_text().splitlines()
    assert "MESH_EVENTS_WEBHOOK_URL=" in lines
