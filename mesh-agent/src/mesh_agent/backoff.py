"""Pure reconnection policy: which failures are worth retrying, and how long to wait.

retryable   refused/reset connections, timeouts, DNS failures, 408/429/5xx answers,
            a socket closed by the network or by a restarting hub
fatal       401/403 (the token is wrong or lacks the agent scope), 404 (wrong hub URL),
            an invalid URL: retrying with the same parameters cannot succeed
"""

from __future__ import annotations

import random
from collections.abc import Callable, Generator

from websockets.exceptions import InvalidHandshake, InvalidStatus, InvalidURI

_RETRYABLE_STATUS = {408, 425, 429, 500, 502, 503, 504}


def is_retryable(exc: BaseException) -> bool:
    """Whether connecting again with the same parameters could succeed."""
    if isinstance(exc, InvalidStatus):
        return exc.response.status_code in _RETRYABLE_STATUS
    if isinstance(exc, InvalidURI):
        return False
    return isinstance(exc, OSError | TimeoutError | InvalidHandshake | EOFError)


def backoff_delays(
    initial: float = 0.5, maximum: float = 30.0, factor: float = 2.0, jitter: float = 0.25
) -> Generator[float, None, None]:
    """Exponential delays from `initial` up to `maximum`, each spread by ±`jitter` (a fraction)."""
    delay = initial
    while True:
        yield max(0.0, delay * (1 + random.uniform(-jitter, jitter)))  # noqa: S311 - not crypto
        delay = min(maximum, delay * factor)


def delays_factory(initial: float, maximum: float) -> Callable[[], Generator[float, None, None]]:
    """A `reconnect_delays` argument for websockets' `connect` with these bounds."""
    return lambda: backoff_delays(initial, maximum)
