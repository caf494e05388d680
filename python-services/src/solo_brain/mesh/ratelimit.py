"""A sliding-window limit of attempts per caller (pairing attempts per client address).

In memory, per hub process: enough for one hub behind nginx, which limits too. The number of
callers tracked is bounded, so a flood of addresses cannot grow it without end.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict, deque
from collections.abc import Callable

from solo_brain.errors import TooManyRequests


class AttemptLimiter:
    """At most `max_attempts` per `window_s` seconds for each key."""

    def __init__(
        self,
        max_attempts: int,
        window_s: float,
        *,
        max_keys: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_attempts = max_attempts
        self.window_s = window_s
        self.max_keys = max_keys
        self.clock = clock
        self._seen: OrderedDict[str, deque[float]] = OrderedDict()

    def hit(self, key: str) -> None:
        """Count one attempt of `key`; TooManyRequests (429) when it is over the limit."""
        now = self.clock()
        times = self._seen.pop(key, None) or deque()
        while times and times[0] <= now - self.window_s:
            times.popleft()
        if len(times) >= self.max_attempts:
            self._seen[key] = times
            wait = math.ceil(times[0] + self.window_s - now)
            raise TooManyRequests(
                f"too many pairing attempts from this address: try again in {wait} s",
                retry_after_s=wait,
            )
        times.append(now)
        self._seen[key] = times
        while len(self._seen) > self.max_keys:
            self._seen.popitem(last=False)
