"""Errors of the glue service: one base class per upstream, as httpx does, so that a route that
calls Whisper catches `WhisperError` and gets every way Whisper can fail.

    ServiceError (solo_brain.errors)
    └── UpstreamError                 502
        ├── WhisperError              502  whisper_error: a 4xx answer, not a transcription
        │   └── WhisperUnavailable    503  whisper_unavailable: not configured, unreachable,
        │                                  too slow, 5xx
        ├── KokoroError               502  kokoro_error: a 4xx answer, bytes not the format asked
        │   └── KokoroUnavailable     503  kokoro_unavailable: not configured, unreachable,
        │                                  too slow, 5xx
        └── GraphError                502  graph_error: the Graph API refused (4xx) or answered
            │                              garbage
            └── GraphUnavailable      503  graph_unavailable: not configured, unreachable,
                                           too slow, 5xx

The routes also raise the shared InvalidRequest, Unauthorized, Forbidden, PayloadTooLarge,
UnsupportedMedia and UpstreamUnavailable (a WhatsApp secret that is not set) of
`solo_brain.errors`, and AudioNotFound (404) of `solo_brain.media`.
"""

from __future__ import annotations

from solo_brain.errors import UpstreamError


class WhisperError(UpstreamError):
    """Whisper failed: it answered with an error or with something that is not a transcription."""

    code = "whisper_error"


class WhisperUnavailable(WhisperError):
    """Whisper is not configured, not reachable, failing (5xx) or slower than its time limit."""

    status_code = 503
    code = "whisper_unavailable"


class KokoroError(UpstreamError):
    """Kokoro failed: it answered with an error or with bytes that are not the audio asked for."""

    code = "kokoro_error"


class KokoroUnavailable(KokoroError):
    """Kokoro is not configured, not reachable, failing (5xx) or slower than its time limit."""

    status_code = 503
    code = "kokoro_unavailable"


class GraphError(UpstreamError):
    """The Graph API failed: it answered with an error or with something unusable."""

    code = "graph_error"


class GraphUnavailable(GraphError):
    """The Graph API is not configured, not reachable, failing (5xx) or too slow."""

    status_code = 503
    code = "graph_unavailable"
