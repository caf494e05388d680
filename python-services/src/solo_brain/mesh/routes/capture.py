"""`POST /api/capture` on the hub itself, for clients that reach it without nginx.

Behind nginx, `/api/capture` never reaches the hub: nginx asks `/api/auth/check` and forwards the
request to n8n's capture webhook. Without nginx (`solo-brain up` on a laptop), the PWA posts to
the same path on the same origin and the hub does what nginx does: it checks the bearer token
(scope `capture`, which `full` covers), then streams the body unchanged to `MESH_CAPTURE_URL`
(clients/capture.py) and answers what n8n answered. The capture path stays the one n8n owns.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from solo_brain.mesh.deps import CaptureHook, HubDep, authenticate

router = APIRouter(prefix="/api", tags=["capture"])

# Audio up to the glue's MAX_AUDIO_BYTES (25 MB), plus the multipart envelope (as nginx allows).
MAX_CAPTURE_BYTES = 26 * 1024 * 1024


@router.post("/capture", status_code=200, response_class=Response)
async def capture(request: Request, hub: HubDep, webhook: CaptureHook) -> Response:
    """Forward a capture (multipart text or audio) to n8n's capture webhook."""
    await authenticate(hub, request.headers, "capture")
    answer = await webhook.forward(request.stream(), request.headers)
    return Response(answer.content, status_code=answer.status_code, media_type=answer.media_type)
