"""Waiting for a condition in tests: poll it with a deadline, never sleep a fixed time.

    wait_for(check, ...)         from synchronous code (threads, processes, HTTP clients)
    await until(check, ...)      on the event loop; `check` may return a value or a coroutine

Both return the first truthy value `check` gives, and fail naming `what` once the time given
(`timeout`, `within`) is over.
"""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Awaitable, Callable, Iterator
from typing import Any, TypeVar

T = TypeVar("T")


def wait_for(
    check: Callable[[], T | None],
    timeout: float = 30.0,
    what: str = "condition",
    poll: float = 0.05,
) -> T:
    """Poll `check` until it returns something truthy; fail naming `what` after `timeout`."""
    for _ in _attempts(timeout, what):
        if value := check():
            return value
        time.sleep(poll)
    raise AssertionError("unreachable")


async def until(
    check: Callable[[], Any | Awaitable[Any]],
    within: float = 20.0,
    what: str = "condition",
    poll: float = 0.02,
) -> Any:
    """Poll `check` (sync or async) on the event loop until truthy; fail after `within` s."""
    for _ in _attempts(within, what):
        value = check()
        if inspect.isawaitable(value):
            value = await value
        if value:
            return value
        await asyncio.sleep(poll)
    raise AssertionError("unreachable")


def _attempts(seconds: float, what: str) -> Iterator[None]:
    """One step per attempt; the step after the deadline fails naming `what`."""
    deadline = time.monotonic() + seconds
    while True:
        yield
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {seconds:g} s waiting for {what}")
