"""The addresses a service gives out follow the port it listens on unless they are set."""

from __future__ import annotations

from solo_brain.settings import GlueSettings, MeshSettings
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
