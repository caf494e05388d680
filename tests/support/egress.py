"""Every outbound connection of the stack recorded: a refusing proxy and a socket sampler.

Two nets, because a client may ignore proxy variables:

- `EgressRecorder.proxy_env()` gives HTTP_PROXY / HTTPS_PROXY / ALL_PROXY (both cases) pointing
  at a loopback proxy that records the request line or CONNECT target and answers 403; NO_PROXY
  keeps loopback direct. Processes started with it (n8n) and the test process itself (the
  in-process services' httpx clients read the environment) route anything non-local there.
- a sampler thread reads /proc/net/tcp and tcp6 every few milliseconds and records each socket
  owned by a watched process (the test process and n8n with its children, matched through
  /proc/<pid>/fd inodes) whose remote address is not loopback or unspecified — a SYN to a
  non-local address shows up even when nobody answers it.
"""

from __future__ import annotations

import ipaddress
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

LOCAL_ONLY = "127.0.0.1,localhost,::1"


@dataclass
class EgressRecorder:
    """What left (or tried to leave) the stack: proxy requests and non-local sockets."""

    proxied: list[str] = field(default_factory=list)
    sockets: set[str] = field(default_factory=set)
    proxy_url: str = ""
    pids: Callable[[], set[int]] = field(default=lambda: {os.getpid()})
    lock: threading.Lock = field(default_factory=threading.Lock)  # held by each sample

    def proxy_env(self) -> dict[str, str]:
        """The variables that send every non-loopback HTTP(S) request through the recorder."""
        names = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY")
        env = {n: self.proxy_url for n in names} | {n.lower(): self.proxy_url for n in names}
        return env | {"NO_PROXY": LOCAL_ONLY, "no_proxy": LOCAL_ONLY}

    def leaks(self) -> list[str]:
        """Everything recorded so far, proxy requests first."""
        return [*self.proxied, *sorted(self.sockets)]

    def forget(self) -> None:
        """Clear what was recorded: no sample taken before this call is added after it."""
        with self.lock:
            self.proxied.clear()
            self.sockets.clear()


def _serve_proxy(server: socket.socket, recorder: EgressRecorder, stop: threading.Event) -> None:
    server.settimeout(0.1)
    while not stop.is_set():
        try:
            conn, _ = server.accept()
        except TimeoutError:
            continue
        with conn:
            conn.settimeout(2)
            try:
                head = conn.recv(65536).split(b"\r\n", 1)[0].decode("latin-1")
            except OSError:
                head = "<unreadable>"
            recorder.proxied.append(head)
            body = b"egress refused by the test recorder\n"
            conn.sendall(
                b"HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain\r\n"
                + f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
                + body
            )


def _socket_inodes(pids: set[int]) -> set[str]:
    inodes: set[str] = set()
    for pid in pids:
        try:
            for fd in Path(f"/proc/{pid}/fd").iterdir():
                try:
                    target = os.readlink(fd)
                except OSError:
                    continue
                if target.startswith("socket:["):
                    inodes.add(target[8:-1])
        except OSError:
            continue
    return inodes


def _address(hex_addr: str) -> tuple[ipaddress.IPv4Address | ipaddress.IPv6Address, int]:
    host, port = hex_addr.split(":")
    raw = bytes.fromhex(host)
    if len(raw) == 4:
        return ipaddress.IPv4Address(raw[::-1]), int(port, 16)
    words = b"".join(raw[i : i + 4][::-1] for i in range(0, 16, 4))
    v6 = ipaddress.IPv6Address(words)
    return (v6.ipv4_mapped or v6), int(port, 16)


def non_local_sockets(pids: set[int]) -> set[str]:
    """The "remote:port" of each TCP socket of `pids` whose peer is neither loopback nor unset."""
    inodes = _socket_inodes(pids)
    found: set[str] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            parts = line.split()
            if len(parts) < 10 or parts[9] not in inodes:
                continue
            remote, port = _address(parts[2])
            if remote.is_loopback or remote.is_unspecified:
                continue
            found.add(f"{remote}:{port}")
    return found


def children(pid: int) -> set[int]:
    """`pid` and every process below it."""
    out, frontier = {pid}, [pid]
    while frontier:
        parent = frontier.pop()
        try:
            listing = Path(f"/proc/{parent}/task/{parent}/children").read_text().split()
        except OSError:
            continue
        for child in map(int, listing):
            if child not in out:
                out.add(child)
                frontier.append(child)
    return out


@contextmanager
def recording_egress(interval_s: float = 0.005) -> Iterator[EgressRecorder]:
    """A running recorder: its proxy on a loopback port and its socket sampler."""
    recorder = EgressRecorder()
    server = socket.create_server(("127.0.0.1", 0))
    recorder.proxy_url = f"http://127.0.0.1:{server.getsockname()[1]}"
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            with recorder.lock:
                recorder.sockets |= non_local_sockets(recorder.pids())
            time.sleep(interval_s)

    threads = [
        threading.Thread(target=_serve_proxy, args=(server, recorder, stop), daemon=True),
        threading.Thread(target=sample, daemon=True),
    ]
    for thread in threads:
        thread.start()
    try:
        yield recorder
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=5)
        server.close()
