"""`POST /api/capture`: every capture, from nginx (which checked the token first) or from a
client that reaches the hub without nginx.

The hub checks the bearer token (scope `capture`, which `full` covers), then forwards the body
unchanged to n8n's capture webhook (`MESH_CAPTURE_URL`, clients/capture.py) and answers what n8n
answered, unless n8n has not answered a capture within the time budget: then the hub records
it (a voice capture with its audio, kept first) and answers "on it" itself (capture_answer.py).
The capture path stays the one n8n owns: n8n files every capture.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from starlette.formparsers import MultiPartException

from solo_brain.errors import InvalidRequest, ServiceError, documented_errors
from solo_brain.mesh.capture_answer import CaptureLine
from solo_brain.mesh.clients.capture import WebhookAnswer
from solo_brain.mesh.deps import TOKEN_ERRORS, HubDep, authenticate

router = APIRouter(prefix="/api", tags=["capture"], responses=TOKEN_ERRORS)

# Audio up to the glue's MAX_AUDIO_BYTES (25 MB), plus the multipart envelope (as nginx allows).
MAX_CAPTURE_BYTES = 26 * 1024 * 1024
# What the phone says for an error, by status (nginx/locations.conf says the same for its own).
SPEECH = {
    400: "Le serveur n'a pas compris cette note, rien n'est reçu.",
    401: "Le serveur refuse ce raccourci : son jeton est inconnu ou révoqué.",
    403: "Ce jeton ne permet pas d'envoyer des notes.",
    503: "Le serveur ne répond pas, rien n'est reçu. Réessaie dans un instant.",
}


@router.post(
    "/capture",
    status_code=200,
    response_class=Response,
    responses={
        200: {"description": "n8n's answer (the capture API of docs/api.md), passed through, "
              "or the hub's own \"on it\" answer when n8n is late with a capture"},
        **documented_errors(
            {
                400: "a body that is not a form",
                413: "a body over 26 MB",
                503: "n8n's capture webhook is not configured or does not answer "
                "(`capture_unavailable`), or the database does not (`database_unavailable`)",
            }
        ),
    },
)  # fmt: skip
async def capture(request: Request, hub: HubDep) -> Response:
    """Forward a capture (multipart text or audio) to n8n; answer on time whatever n8n does.
    Errors carry the sentence the Siri Shortcut says (`speech`), as nginx's own do."""
    try:
        await authenticate(hub, request.headers, "capture")
        line: CaptureLine = request.app.state.capture_line
        body = await request.body()
        try:
            form = await request.form(max_files=4, max_fields=32)
        except MultiPartException as exc:
            raise InvalidRequest(f"the body is not a valid form: {exc.message}") from exc
        answer = await line.answer(body, request.headers, form)
    except ServiceError as error:
        speech = SPEECH.get(error.status_code, SPEECH[503])
        return JSONResponse({**error.body(), "speech": speech}, status_code=error.status_code)
    if isinstance(answer, WebhookAnswer):
        return Response(answer.content, status_code=answer.status_code,
                        media_type=answer.media_type)  # fmt: skip
    return JSONResponse(answer)
