"""The agent compresses its frames only for a hub it reaches across the internet, and never its
binary messages (history runs, zstd already)."""

from __future__ import annotations

import json
import os

import pytest
from websockets.extensions.permessage_deflate import PerMessageDeflate
from websockets.frames import Frame, Opcode

from mesh_agent.compression import TextDeflate, is_near, ws_compression


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


def test_deflate_leaves_binary_messages_as_they_are() -> None:
    """Towards a far hub, text messages are deflated and binary ones (history runs, already
    zstd) sent as they are, RSV1 unset; the hub's side decodes each, in any order, with its
    context kept across messages."""
    [factory] = ws_compression("wss://hub.example.com/api/agents/ws")["extensions"]
    client = factory.process_response_params([], [])
    assert isinstance(client, TextDeflate)
    server = PerMessageDeflate(False, False, 15, 15)
    text = json.dumps({"type": "messages", "text": "bonjour " * 500}).encode()
    blob = os.urandom(70_000)
    for opcode, data in [(Opcode.TEXT, text), (Opcode.BINARY, blob), (Opcode.TEXT, text)] * 2:
        sent = client.encode(Frame(opcode, data))
        assert sent.rsv1 is (opcode is Opcode.TEXT)
        assert (len(sent.data) < len(data) / 10) if sent.rsv1 else sent.data == data
        assert server.decode(sent).data == data
    first, rest = blob[:1000], blob[1000:]
    assert not client.encode(Frame(Opcode.BINARY, first, fin=False)).rsv1
    assert client.encode(Frame(Opcode.CONT, rest)).data == rest
