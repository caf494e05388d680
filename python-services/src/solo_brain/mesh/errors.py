"""Errors of the hub.

    ServiceError (solo_brain.errors)
    ├── Conflict                    409
    │   └── OffsetGap               409  offset_gap: a batch starts after the stored offset
    └── UpstreamError               502
        ├── UpstreamUnavailable     503
        │   └── CaptureUnavailable  503  capture_unavailable: n8n's capture webhook is not
        │                                configured, unreachable or too slow
        ├── EventsWebhookError      502  events_webhook_error: the webhook refused or timed out
        └── WebPushError            502  push_error: a push service refused a message or was away
            └── SubscriptionGone    502  push_subscription_gone: 404 or 410, drop the subscription

Routes and the store also raise the shared NotFound, Conflict, InvalidRequest, Unauthorized and
Forbidden of `solo_brain.errors`. An OffsetGap never reaches HTTP: the agents' socket answers it
with an `error {code: "offset_gap"}` frame and closes; an EventsWebhookError is logged, never
answered (events are best effort); a WebPushError is counted on its subscription, a
SubscriptionGone drops it (mesh/push.py), neither is answered.
"""

from __future__ import annotations

from solo_brain.errors import Conflict, UpstreamError, UpstreamUnavailable


class OffsetGap(Conflict):
    """A batch starts after the offset the hub stored for its file: bytes would be missing."""

    code = "offset_gap"

    def __init__(self, stored: int, start: int) -> None:
        super().__init__(f"batch starts at byte {start} but the hub has stored up to {stored}")
        self.stored = stored
        self.start = start


class CaptureUnavailable(UpstreamUnavailable):
    """n8n's capture webhook is not configured, did not answer, or answered too late."""

    code = "capture_unavailable"


class EventsWebhookError(UpstreamError):
    """The events webhook refused an event or did not answer in time."""

    code = "events_webhook_error"


class WebPushError(UpstreamError):
    """A push service refused a message or did not answer in time."""

    code = "push_error"


class SubscriptionGone(WebPushError):
    """The push service says the subscription is gone (404 or 410)."""

    code = "push_subscription_gone"
