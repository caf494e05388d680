"""The read positions of one transcript file, byte offsets all on line boundaries:

acked    the hub has committed the messages before it (from `welcome` and `ack`)
sent     the next `messages` batch starts here (rewound to `acked` on every connection)
scanned  metadata has been folded up to here (never rewound, so "last wins" stays true)
noticed  tool uses, results and prompts have been reported (`seen`) up to here
history  for a file sent tail first: the missing history [0, history) (from `welcome`, then
         lowered by each history batch built), None when there is none
folded   metadata has been folded from here up to `scanned` (the tail's start, lowered by
         each history batch: the history is folded backwards, see SessionMeta.absorb_older)
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from mesh_agent.reader import TranscriptRef


@dataclass
class FileCursor:
    """Read positions of one transcript file."""

    ref: TranscriptRef
    acked: int = 0
    sent: int = 0
    scanned: int = 0
    noticed: int = 0
    history: int | None = None
    folded: int = 0
    tail_prompt: str = ""  # the first prompt of the lines folded while history was missing
    head_prompt: str | None = None  # the first prompt found near the start (None: not looked)
    # held for a whole advance of this file; its session's metadata by meta_lock (shared by the
    # session's files)
    lock: threading.Lock = field(default_factory=threading.Lock, compare=False, repr=False)
    meta_lock: threading.Lock = field(default_factory=threading.Lock, compare=False, repr=False)

    def behind(self, size: int) -> bool:
        """Whether the file has bytes not yet scanned or sent, or history not yet sent."""
        return size > self.sent or size > self.scanned or self.history is not None

    def progress(self) -> tuple[int, int, int | None]:
        """The positions an advance moves (equal before and after: nothing more to read)."""
        return self.sent, self.scanned, self.history
