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
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

T = TypeVar("T")


def wait_for(
    check: Callable[[], T | None],
    timeout: float = 30.0,
    what: str = "condition",
    poll: float = 0.05,
) -> T:
    """Poll `check` until it returns something truthy; fail naming `what` after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(poll)


async def until(
    check: Callable[[], Any | Awaitable[Any]],
    within: float = 20.0,
    what: str = "condition",
    poll: float = 0.02,
) -> Any:
    """Poll `check` (sync or async) on the event loop until truthy; fail after `within` s."""
    deadline = time.monotonic() + within
    while True:
        value = check()
        if inspect.isawaitable(value):
            value = await value
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {within:g} s waiting for {what}")
        await asyncio.sleep(poll)
