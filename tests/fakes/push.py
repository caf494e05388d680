"""A Web Push service stand-in (what FCM, Mozilla autopush or Apple run) on loopback.

The test plays the browser: `PushState.subscribe()` makes a P-256 key pair and an auth secret,
exactly as `PushManager.subscribe()` does, and returns the subscription the PWA would send to the
hub. `POST /push/{id}` then checks what a real push service checks before accepting a message:

- `Authorization: vapid t=<JWT>, k=<key>`: the JWT is ES256-signed by the `k=` key, its `aud` is
  this service's own origin, `exp` is in the future and less than 24 h away, `sub` is a
  `mailto:` (or https) contact; anything else is a 401/403 as autopush answers;
- `Content-Encoding: aes128gcm`, a `TTL` header, a body of at most 4096 bytes (413 otherwise);
- the body decrypts (RFC 8291/8188, decrypted with the independent `http_ece` implementation)
  with the subscription's private key: a message the browser could not read is a 400.

Accepted messages are kept (decrypted) in `PushState.received`. Knobs: `answer` (201 by default;
404 or 410 mean "subscription gone", as the real services say), per subscription in `gone`.
"""

from __future__ import annotations

import base64
import json
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import http_ece
import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

from tests.fakes.server import serve

MAX_BODY = 4096


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class Browser:
    """One subscribed browser: its keys (private part kept by the test) and endpoint."""

    id: str
    endpoint: str
    private_key: ec.EllipticCurvePrivateKey
    auth: bytes

    @property
    def p256dh(self) -> str:
        """The public key, as `PushSubscription.getKey('p256dh')` gives it (base64url)."""
        raw = self.private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return _b64(raw)

    def subscription(self) -> dict[str, Any]:
        """`PushSubscription.toJSON()`: what the PWA posts to the hub."""
        return {"endpoint": self.endpoint, "keys": {"p256dh": self.p256dh, "auth": _b64(self.auth)}}


@dataclass
class Delivered:
    """A message the service accepted, with what the browser would read."""

    subscription_id: str
    payload: dict[str, Any] | bytes
    headers: dict[str, str]
    jwt_claims: dict[str, Any]


@dataclass
class PushState:
    """Subscriptions, received messages and the answer to give."""

    origin: str = ""
    browsers: dict[str, Browser] = field(default_factory=dict)
    received: list[Delivered] = field(default_factory=list)
    refused: list[tuple[int, str]] = field(default_factory=list)
    answer: int = 201
    gone: set[str] = field(default_factory=set)

    def subscribe(self) -> Browser:
        """A new browser subscription on this service."""
        sub_id = _b64(os.urandom(12))
        browser = Browser(
            sub_id,
            f"{self.origin}/push/{sub_id}",
            ec.generate_private_key(ec.SECP256R1()),
            os.urandom(16),
        )
        self.browsers[sub_id] = browser
        return browser

    def payloads(self, subscription_id: str | None = None) -> list[Any]:
        """Decrypted payloads received (for one subscription, or all)."""
        return [
            d.payload
            for d in list(self.received)
            if subscription_id is None or d.subscription_id == subscription_id
        ]


def _refuse(state: PushState, status: int, reason: str) -> JSONResponse:
    state.refused.append((status, reason))
    return JSONResponse({"code": status, "errno": 109, "error": reason}, status_code=status)


def _check_vapid(state: PushState, header: str) -> dict[str, Any] | str:
    scheme, _, params = header.partition(" ")
    if scheme.lower() != "vapid":
        return "Authorization must use the vapid scheme"
    values = dict(p.strip().split("=", 1) for p in params.split(",") if "=" in p)
    if "t" not in values or "k" not in values:
        return "vapid needs t= and k="
    try:
        point = _unb64(values["k"])
        public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point)
        claims: dict[str, Any] = jwt.decode(
            values["t"], key=public, algorithms=["ES256"], audience=state.origin,
            options={"require": ["aud", "exp", "sub"]},
        )  # fmt: skip
    except (ValueError, jwt.PyJWTError) as exc:
        return f"invalid VAPID JWT: {exc}"
    if claims["exp"] > time.time() + 24 * 3600:
        return "exp more than 24 hours away"
    sub = str(claims["sub"])
    if not (sub.startswith("mailto:") and "@" in sub) and not sub.startswith("https://"):
        return "sub must be a mailto: or https: contact"
    return claims


def create_push_app(state: PushState) -> FastAPI:
    """The push service app."""
    app = FastAPI()

    @app.post("/push/{sub_id}")
    async def push(sub_id: str, request: Request) -> Response:
        browser = state.browsers.get(sub_id)
        if browser is None or sub_id in state.gone:
            return _refuse(state, 410, "subscription expired")
        claims = _check_vapid(state, request.headers.get("authorization", ""))
        if isinstance(claims, str):
            return _refuse(state, 401, claims)
        if request.headers.get("content-encoding") != "aes128gcm":
            return _refuse(state, 400, "Content-Encoding must be aes128gcm")
        if "ttl" not in request.headers:
            return _refuse(state, 400, "missing TTL header")
        body = await request.body()
        if len(body) > MAX_BODY:
            return _refuse(state, 413, "payload too large")
        try:
            plain = http_ece.decrypt(
                body, private_key=browser.private_key, auth_secret=browser.auth,
                version="aes128gcm",
            )  # fmt: skip
        except Exception as exc:  # http_ece raises several kinds for a bad message
            return _refuse(state, 400, f"cannot decrypt: {exc!r}")
        if state.answer != 201:
            return _refuse(state, state.answer, "scripted answer")
        try:
            payload: dict[str, Any] | bytes = json.loads(plain)
        except ValueError:
            payload = plain
        state.received.append(Delivered(sub_id, payload, dict(request.headers), claims))
        return Response(status_code=201, headers={"Location": f"{state.origin}/m/{sub_id}"})

    return app


@contextmanager
def running_push_service() -> Iterator[tuple[str, PushState]]:
    """A push service on a loopback port; yields its origin and state."""
    state = PushState()
    with serve(create_push_app(state)) as url:
        state.origin = url
        yield url, state
