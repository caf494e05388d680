"""Whether the agent compresses its frames: not for a hub it reaches over a private network.

A transcript compresses about 6× but zlib's default level costs ~20 MB/s of CPU per core, which
was the limit of a big transcript's upload: on loopback, a LAN or a tailnet the bytes are
cheaper than the CPU, so frames go uncompressed; a hub on the internet gets deflate at level 1
(4× smaller, 4× cheaper than the default).
"""

from __future__ import annotations

import ipaddress
from typing import Any
from urllib.parse import urlsplit

from websockets.extensions.permessage_deflate import ClientPerMessageDeflateFactory

_NEAR_SUFFIXES = (".local", ".lan", ".internal", ".home.arpa", ".ts.net")


def is_near(host: str | None) -> bool:
    """Whether `host` is this machine or on a private network (RFC 1918, CGNAT/Tailscale,
    link-local, ULA; or a name that only such networks use)."""
    if not host:
        return False
    name = host.strip("[]").lower().rstrip(".")
    if name == "localhost" or name.endswith(_NEAR_SUFFIXES):
        return True
    try:
        return not ipaddress.ip_address(name).is_global
    except ValueError:
        return False  # a public-looking name: it may cross the internet


def ws_compression(url: str) -> dict[str, Any]:
    """The compression arguments of `websockets.connect` for a hub at `url`."""
    if is_near(urlsplit(url).hostname):
        return {"compression": None}
    deflate = ClientPerMessageDeflateFactory(compress_settings={"level": 1, "memLevel": 8})
    return {"compression": None, "extensions": [deflate]}
