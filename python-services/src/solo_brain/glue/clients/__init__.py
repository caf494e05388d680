"""Clients of the glue's upstreams, one module each (whisper, kokoro, graph), each a class taking
an injected `httpx.AsyncClient`; what they share lives here: a readiness probe and a printable
body excerpt for error messages."""

from __future__ import annotations

import httpx

from solo_brain.errors import UpstreamError

PROBE_TIMEOUT_S = 3.0


async def probe(http: httpx.AsyncClient, base: str, name: str) -> str | None:
    """None when `GET /health` (or else `GET /v1/models`) answers 2xx, else the reason."""
    status = None
    for path in ("/health", "/v1/models"):
        try:
            response = await http.get(f"{base}{path}", timeout=PROBE_TIMEOUT_S)
        except httpx.HTTPError as exc:
            return f"{name} unreachable at {base}: {type(exc).__name__}"
        if response.is_success:
            return None
        status = response.status_code
        if status != 404:  # only a missing route is worth trying the other one
            break
    return f"{name} answered HTTP {status} at {base}"


def excerpt(response: httpx.Response, limit: int = 200) -> str:
    """The start of a response body on one line, for error messages."""
    try:
        text = response.text.strip().replace("\n", " ")
    except (UnicodeDecodeError, LookupError):
        return f"({len(response.content)} bytes of binary data)"
    return (text[:limit] + "…") if len(text) > limit else (text or "(empty body)")


def raise_for_status(
    response: httpx.Response,
    name: str,
    error: type[UpstreamError],
    unavailable: type[UpstreamError],
) -> None:
    """`unavailable` for a 5xx answer (worth retrying later), `error` for a 4xx, else nothing."""
    if response.status_code >= 500:
        raise unavailable(f"{name} failed with HTTP {response.status_code}: {excerpt(response)}")
    if response.status_code >= 400:
        raise error(
            f"{name} refused the request with HTTP {response.status_code}: {excerpt(response)}"
        )
