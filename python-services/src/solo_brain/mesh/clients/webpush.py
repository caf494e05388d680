"""Web Push to the phones: RFC 8291 message encryption, RFC 8292 VAPID, one POST per device.

A subscription (from the browser's `PushManager.subscribe`) is an endpoint URL on the browser
vendor's push service plus two keys: `p256dh` (the browser's P-256 public key) and `auth` (a
16-byte secret). The payload is encrypted for that browser alone (`Content-Encoding: aes128gcm`)
and the request is signed with the hub's VAPID key so that the push service knows who sends.

Endpoints are accepted only on the real push services (Apple, Google, Mozilla, Microsoft) over
https, plus the URL prefixes of PUSH_ENDPOINT_ALLOW; the check runs again before every POST, so
the hub never sends anywhere else. Failures raise WebPushError, SubscriptionGone for a 404 or
410 (mesh/errors.py).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import struct
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from solo_brain.mesh.errors import SubscriptionGone, WebPushError

# Hosts of the browsers' push services (exact names, or any sub-domain of a `.` entry).
PUSH_SERVICE_HOSTS = (
    "fcm.googleapis.com",
    "android.googleapis.com",
    "updates.push.services.mozilla.com",
    "web.push.apple.com",
    ".push.apple.com",
    ".notify.windows.com",
)
RECORD_SIZE = 4096
JWT_LIFETIME_S = 12 * 3600  # RFC 8292 allows 24 h at most
MAX_PAYLOAD_BYTES = 3000


def b64url(data: bytes) -> str:
    """base64url without padding, as Web Push writes keys."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_decode(text: str) -> bytes:
    """Bytes of a base64url text, padded or not."""
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def endpoint_allowed(endpoint: str, extra_prefixes: list[str]) -> bool:
    """True for an https URL of a real push service, or a URL under an allowed prefix."""
    parts = urlsplit(endpoint)
    if not parts.hostname or parts.username or parts.password:
        return False
    for prefix in extra_prefixes:
        allowed = urlsplit(prefix)
        if (parts.scheme, parts.netloc) == (
            allowed.scheme,
            allowed.netloc,
        ) and parts.path.startswith(allowed.path or "/"):
            return True
    if parts.scheme != "https" or parts.port not in (None, 443):
        return False
    host = parts.hostname.lower()
    return any(host == h or (h.startswith(".") and host.endswith(h)) for h in PUSH_SERVICE_HOSTS)


@dataclass(frozen=True)
class VapidKey:
    """The hub's VAPID key pair."""

    private_key: ec.EllipticCurvePrivateKey

    @classmethod
    def generate(cls) -> VapidKey:
        """A new P-256 key pair."""
        return cls(ec.generate_private_key(ec.SECP256R1()))

    @classmethod
    def from_pem(cls, pem: str) -> VapidKey:
        """The key pair kept as PKCS#8 PEM."""
        key = serialization.load_pem_private_key(pem.encode(), password=None)
        if not isinstance(key, ec.EllipticCurvePrivateKey):
            raise ValueError("the stored VAPID key is not an EC key")
        return cls(key)

    def pem(self) -> str:
        """PKCS#8 PEM of the private key (what is kept)."""
        return self.private_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode()

    @property
    def public_key(self) -> str:
        """base64url of the uncompressed public point: the PWA's `applicationServerKey`."""
        raw = self.private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return b64url(raw)

    def authorization(self, endpoint: str, subject: str, now: float | None = None) -> str:
        """The `Authorization: vapid t=<JWT>, k=<key>` header for one endpoint (RFC 8292)."""
        parts = urlsplit(endpoint)
        claims = {
            "aud": f"{parts.scheme}://{parts.netloc}",
            "exp": int((time.time() if now is None else now) + JWT_LIFETIME_S),
            "sub": subject,
        }
        header = b64url(json.dumps({"typ": "JWT", "alg": "ES256"}).encode())
        body = b64url(json.dumps(claims, separators=(",", ":")).encode())
        signing_input = f"{header}.{body}".encode()
        r, s = decode_dss_signature(self.private_key.sign(signing_input, ec.ECDSA(hashes.SHA256())))
        signature = b64url(r.to_bytes(32, "big") + s.to_bytes(32, "big"))
        return f"vapid t={header}.{body}.{signature}, k={self.public_key}"


def _hmac(key: bytes, data: bytes) -> bytes:
    return hmac.new(key, data, hashlib.sha256).digest()


def encrypt(
    payload: bytes,
    p256dh: str,
    auth: str,
    *,
    salt: bytes | None = None,
    server_key: ec.EllipticCurvePrivateKey | None = None,
) -> bytes:
    """The aes128gcm body of `payload` for one browser (RFC 8291 §3, RFC 8188 §2), one record."""
    ua_public = b64url_decode(p256dh)
    auth_secret = b64url_decode(auth)
    if len(ua_public) != 65 or len(auth_secret) != 16:
        raise ValueError("p256dh must be a 65-byte P-256 point and auth 16 bytes")
    if len(payload) + 17 > RECORD_SIZE:
        raise ValueError(f"a Web Push payload has at most {RECORD_SIZE - 17} bytes")
    salt = salt or os.urandom(16)
    server_key = server_key or ec.generate_private_key(ec.SECP256R1())
    as_public = server_key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    browser_key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), ua_public)
    shared = server_key.exchange(ec.ECDH(), browser_key)
    # HKDF(auth, shared, "WebPush: info" || 0 || ua_public || as_public), 32 bytes.
    ikm = _hmac(_hmac(auth_secret, shared), b"WebPush: info\x00" + ua_public + as_public + b"\x01")
    prk = _hmac(salt, ikm)
    cek = _hmac(prk, b"Content-Encoding: aes128gcm\x00\x01")[:16]
    nonce = _hmac(prk, b"Content-Encoding: nonce\x00\x01")[:12]
    record = AESGCM(cek).encrypt(nonce, payload + b"\x02", None)  # 0x02: the last record
    header = salt + struct.pack("!IB", RECORD_SIZE, len(as_public)) + as_public
    return header + record


@dataclass(frozen=True)
class Subscription:
    """Where one device receives pushes."""

    endpoint: str
    p256dh: str
    auth: str


class WebPushClient:
    """Sends encrypted, VAPID-signed messages; one instance per hub, an injected HTTP client."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        key: VapidKey,
        subject: str,
        allow: list[str],
    ) -> None:
        self.client = client
        self.key = key
        self.subject = subject
        self.allow = allow

    def allowed(self, endpoint: str) -> bool:
        """Whether the hub may send to this endpoint."""
        return endpoint_allowed(endpoint, self.allow)

    async def send(
        self,
        subscription: Subscription,
        payload: bytes,
        *,
        ttl_s: int,
        urgency: str = "normal",
        topic: str | None = None,
    ) -> int:
        """POST one message; the push service's status (201 or 202). Raises WebPushError,
        SubscriptionGone on 404/410."""
        if not self.allowed(subscription.endpoint):
            raise WebPushError(f"push endpoint not allowed: {subscription.endpoint[:80]}")
        try:
            body = encrypt(payload, subscription.p256dh, subscription.auth)
        except ValueError as exc:
            raise WebPushError(f"cannot encrypt for this subscription: {exc}") from exc
        headers = {
            "Authorization": self.key.authorization(subscription.endpoint, self.subject),
            "Content-Encoding": "aes128gcm",
            "Content-Type": "application/octet-stream",
            "TTL": str(ttl_s),
            "Urgency": urgency,
        }
        if topic:
            headers["Topic"] = topic
        try:
            response = await self.client.post(subscription.endpoint, content=body, headers=headers)
        except httpx.HTTPError as exc:
            raise WebPushError(f"push service unreachable: {exc!r}") from exc
        if response.status_code in (404, 410):
            raise SubscriptionGone(f"push service answered {response.status_code}: gone")
        if response.status_code >= 300:
            raise WebPushError(
                f"push service answered {response.status_code}: {response.text[:200]}"
            )
        return response.status_code
