"""Which message a transcript line continues: the nearest message at or before its parent line."""

from __future__ import annotations

from collections import OrderedDict


class Threads:
    """For the latest `size` lines with a uuid (all files): the nearest message at or before
    each, so that a message names the message it continues, not the line before it."""

    def __init__(self, size: int = 8192) -> None:
        self.size = size
        self._nearest: OrderedDict[str, str | None] = OrderedDict()

    def resolve(self, parent: str | None) -> str | None:
        """The nearest message at or before line `parent` (`parent` itself when unknown)."""
        return self._nearest.get(parent, parent) if parent else None

    def add(self, uuid: str, nearest: str | None) -> None:
        """Line `uuid` is (or continues) message `nearest`."""
        self._nearest[uuid] = nearest
        self._nearest.move_to_end(uuid)
        if len(self._nearest) > self.size:
            self._nearest.popitem(last=False)
