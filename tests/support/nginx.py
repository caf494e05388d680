"""A real nginx on loopback serving the repository's `nginx/` site in front of a running stack,
for the end-to-end tests and the load benchmark (tests/integration/test_nginx.py has its own,
in front of recording stand-ins)."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import httpx

from tests.fakes.server import free_port
from tests.support.wait import wait_for

NGINX_DIR = Path(__file__).resolve().parents[2] / "nginx"


def site_files(
    tmp: Path,
    upstreams: Mapping[int, str],
    *,
    edits: Mapping[str, str] | None = None,
) -> Path:
    """Write upstreams.conf and locations.conf into `tmp`: the default ports of upstreams.conf
    (8100 hub, 8101 glue, 5678 n8n) replaced by the given URLs, then each `edits` text replaced
    in both files. Returns the path of the main file to write."""
    upstream_conf = (NGINX_DIR / "upstreams.conf").read_text()
    for default, url in upstreams.items():
        upstream_conf = upstream_conf.replace(f"127.0.0.1:{default};",
                                              url.removeprefix("http://") + ";")  # fmt: skip
    locations = (NGINX_DIR / "locations.conf").read_text()
    for old, new in (edits or {}).items():
        assert old in locations + upstream_conf, f"nothing to edit: {old!r}"
        locations, upstream_conf = locations.replace(old, new), upstream_conf.replace(old, new)
    (tmp / "upstreams.conf").write_text(upstream_conf)
    (tmp / "locations.conf").write_text(locations)
    return tmp / "nginx.conf"


@contextmanager
def running_nginx(
    tmp: Path,
    upstreams: Mapping[int, str],
    *,
    edits: Mapping[str, str] | None = None,
) -> Iterator[str]:
    """nginx serving the site (see `site_files`) on a free loopback port; its URL."""
    tmp.mkdir(parents=True, exist_ok=True)
    conf = site_files(tmp, upstreams, edits=edits)
    port = free_port()
    # As root, nginx's workers run as nobody, who cannot reach a body spooled under the test's
    # private tmp folder (an upload over client_body_buffer_size, such as a voice note): keep
    # them as the user running the tests.
    user = "user root;" if os.geteuid() == 0 else ""
    conf.write_text(f"""
        {user}
        daemon off;
        pid {tmp}/nginx.pid;
        error_log {tmp}/error.log warn;
        events {{ worker_connections 1024; }}
        http {{
            access_log off;
            client_body_temp_path {tmp}/body;
            proxy_temp_path {tmp}/proxy;
            include {tmp}/upstreams.conf;
            server {{ listen 127.0.0.1:{port}; include {tmp}/locations.conf; }}
        }}
    """)
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    proc = subprocess.Popen([nginx, "-c", str(conf), "-p", str(tmp)])
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: _accepts(url), timeout=10, what="nginx")
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def _accepts(url: str) -> bool:
    try:
        httpx.get(f"{url}/healthz", timeout=1)
    except httpx.HTTPError:
        return False
    return True
