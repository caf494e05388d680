"""Client of the WhatsApp Cloud (Graph) API: the media lookup, download and upload the glue uses.

It raises GraphUnavailable (503) when WhatsApp is not configured, the API is unreachable, too
slow or answers 5xx, and GraphError (502) for a 4xx answer or a body it cannot use.

    GET  /{version}/{media-id}                    -> {url, mime_type, sha256, file_size, id}
    GET  {url}                                    -> the media bytes (bearer token needed too)
    POST /{version}/{phone-number-id}/media       multipart file -> {id}
"""

from __future__ import annotations

from typing import Any

import httpx
from pydantic import BaseModel, ValidationError

from solo_brain.errors import PayloadTooLarge
from solo_brain.glue.clients import excerpt
from solo_brain.glue.errors import GraphError, GraphUnavailable


class MediaInfo(BaseModel):
    """The Graph API's description of an uploaded or received media."""

    url: str
    mime_type: str
    sha256: str | None = None
    file_size: int | None = None
    id: str


class GraphClient:
    """The parts of the WhatsApp Cloud (Graph) API the glue uses, through an injected client."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        base_url: str,
        version: str,
        token: str | None,
        phone_number_id: str | None,
        timeout_s: float,
    ) -> None:
        self._http = http
        self._base = f"{base_url.rstrip('/')}/{version}"
        self._token = token
        self._phone_number_id = phone_number_id
        self._timeout_s = timeout_s

    async def media_info(self, media_id: str) -> MediaInfo:
        """Where a received media can be downloaded (`GET /{version}/{media-id}`)."""
        response = await self._call("GET", f"{self._base}/{media_id}")
        try:
            return MediaInfo.model_validate_json(response.content)
        except ValidationError as exc:
            raise GraphError(f"the Graph API media lookup answered {excerpt(response)}") from exc

    async def download(self, url: str, max_bytes: int) -> bytes:
        """The media bytes behind a lookup URL (it needs the bearer token too)."""
        data = (await self._call("GET", url)).content
        if len(data) > max_bytes:
            raise PayloadTooLarge(f"the WhatsApp media is larger than {max_bytes} bytes")
        return data

    async def upload(self, data: bytes, mime_type: str, filename: str) -> str:
        """Upload a file for sending (`POST /{version}/{phone-number-id}/media`); its media id."""
        if not self._phone_number_id:
            raise GraphUnavailable(
                "WhatsApp is not configured (set WHATSAPP_PHONE_NUMBER_ID)", configured=False
            )
        response = await self._call(
            "POST",
            f"{self._base}/{self._phone_number_id}/media",
            data={"messaging_product": "whatsapp", "type": mime_type},
            files={"file": (filename, data, mime_type)},
        )
        try:
            return str(response.json()["id"])
        except (ValueError, KeyError, TypeError) as exc:
            raise GraphError(f"the Graph API media upload answered {excerpt(response)}") from exc

    async def _call(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        if not self._token:
            raise GraphUnavailable(
                "WhatsApp is not configured (set WHATSAPP_TOKEN)", configured=False
            )
        headers = {"Authorization": f"Bearer {self._token}"}
        try:
            response = await self._http.request(
                method, url, headers=headers, timeout=self._timeout_s, **kwargs
            )
        except httpx.TimeoutException as exc:
            raise GraphUnavailable(
                f"the Graph API did not answer within {self._timeout_s:g} s"
            ) from exc
        except httpx.HTTPError as exc:
            raise GraphUnavailable(f"the Graph API is unreachable: {type(exc).__name__}") from exc
        if response.status_code >= 500:
            raise GraphUnavailable(f"the Graph API failed with HTTP {response.status_code}")
        if response.status_code >= 400:
            raise GraphError(
                f"the Graph API refused with HTTP {response.status_code}: {excerpt(response)}"
            )
        return response
