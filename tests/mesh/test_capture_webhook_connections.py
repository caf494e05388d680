"""The hub's client of n8n's capture webhook opens a connection per capture: a kept-alive one can
be closed by n8n's keep-alive timer just as a capture arrives on it (the capture is then lost
to a ReadError)."""

from __future__ import annotations

import asyncio

from solo_brain.mesh.clients.capture import CaptureWebhook, webhook_client

ANSWER = (
    b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\n"
    b"connection: keep-alive\r\n\r\n{}"
)


async def _keep_alive_server(peers: list[int]) -> asyncio.Server:
    """An HTTP/1.1 server that keeps every connection open and records each new one's port."""

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        peers.append(writer.get_extra_info("peername")[1])
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n")
                           if line.lower().startswith(b"content-length:")), 0)  # fmt: skip
            await reader.readexactly(length)
            writer.write(ANSWER)
            await writer.drain()

    return await asyncio.start_server(serve, "127.0.0.1", 0)


def test_each_capture_goes_on_a_connection_of_its_own() -> None:
    """Two captures forwarded one after the other reach n8n on two connections, although the
    server would keep the first one alive."""

    async def scenario() -> list[int]:
        peers: list[int] = []
        server = await _keep_alive_server(peers)
        port = server.sockets[0].getsockname()[1]
        async with webhook_client(5) as client:
            webhook = CaptureWebhook(f"http://127.0.0.1:{port}/webhook/capture", None, client)
            for text in (b"text=un", b"text=deux"):
                answer = await webhook.forward(text, {"content-type": "text/plain"})
                assert answer.status_code == 200
        server.close()
        return peers

    peers = asyncio.run(scenario())
    assert len(peers) == 2 and peers[0] != peers[1], peers
