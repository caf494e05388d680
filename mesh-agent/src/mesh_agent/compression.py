"""Whether the agent compresses its frames: not for a hub it reaches over a private network.

A transcript compresses about 6× but zlib's default level costs ~20 MB/s of CPU per core, which
was the limit of a big transcript's upload: on loopback, a LAN or a tailnet the bytes are
cheaper than the CPU, so frames go uncompressed; a hub on the internet gets deflate at level 1
(4× smaller, 4× cheaper than the default). Binary messages (history runs, zstd frames already)
go as they are, not deflated (RSV1 unset: RFC 7692 lets a sender choose per message): deflate
made them no smaller for ~270 MB/s of CPU, a second per 300 MB of transcript.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

from websockets.extensions.base import Extension
from websockets.extensions.permessage_deflate import (
    ClientPerMessageDeflateFactory,
    PerMessageDeflate,
)
from websockets.frames import Frame, Opcode
from websockets.typing import ExtensionParameter

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
    deflate = TextDeflateFactory(compress_settings={"level": 1, "memLevel": 8})
    return {"compression": None, "extensions": [deflate]}


class TextDeflate(PerMessageDeflate):
    """permessage-deflate for text messages only: a binary message is sent as it is."""

    as_is = False  # the message being sent is binary (its continuation frames stay as is)

    def encode(self, frame: Frame) -> Frame:
        """The frame deflated, unless it belongs to a binary message."""
        if frame.opcode in (Opcode.TEXT, Opcode.BINARY):
            self.as_is = frame.opcode is Opcode.BINARY
        if self.as_is and frame.opcode in (Opcode.BINARY, Opcode.CONT):
            return frame
        return super().encode(frame)


class TextDeflateFactory(ClientPerMessageDeflateFactory):
    """The client's permessage-deflate offer, negotiated as websockets does, run by
    TextDeflate."""

    def process_response_params(
        self, params: Sequence[ExtensionParameter], accepted_extensions: Sequence[Extension]
    ) -> PerMessageDeflate:
        """The extension the hub accepted, deflating text messages only."""
        agreed = super().process_response_params(params, accepted_extensions)
        return TextDeflate(
            agreed.remote_no_context_takeover,
            agreed.local_no_context_takeover,
            agreed.remote_max_window_bits,
            agreed.local_max_window_bits,
            self.compress_settings,
        )
