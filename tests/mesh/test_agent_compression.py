"""The agent compresses its frames only for a hub it reaches across the internet."""

from __future__ import annotations

import pytest

from mesh_agent.compression import is_near, ws_compression


@pytest.mark.parametrize(
    "host",
    [
        "127.0.0.1",
        "localhost",
        "::1",
        "192.168.1.20",
        "10.0.0.2",
        "100.101.102.103",
        "fd7a:115c:a1e0::1",
        "hub.local",
        "desk.tail1234.ts.net",
        "maison.home.arpa",
    ],
)
def test_private_hosts_are_near(host: str) -> None:
    """Loopback, RFC 1918, Tailscale (CGNAT, ULA, MagicDNS) and LAN names are near."""
    assert is_near(host)


@pytest.mark.parametrize("host", ["hub.example.com", "8.8.8.8", "2001:4860::8888", "", None])
def test_public_or_unknown_hosts_are_far(host: str | None) -> None:
    """Public addresses and names (which may cross the internet) are not near."""
    assert not is_near(host)


def test_connect_arguments_follow_the_hub_url() -> None:
    """A near hub gets no compression; a far one gets permessage-deflate at level 1."""
    assert ws_compression("ws://127.0.0.1:8100/api/agents/ws") == {"compression": None}
    far = ws_compression("wss://hub.example.com/api/agents/ws")
    assert far["compression"] is None
    [deflate] = far["extensions"]
    assert deflate.name == "permessage-deflate" and deflate.compress_settings["level"] == 1
