"""Find the session a spoken hint names ("pour la session orchestrator", "le projet Vision").

Pure matching, no I/O. The hint and each session's title, project and cwd basename are folded
(`solo_brain.text.fold`) and compared word by word, after dropping the filler words people say
around a name. The best score wins; ties go to the most recently active session.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import PurePosixPath

from solo_brain.text import fold

# Words said around a session's name that never identify it.
FILLER = frozenset(
    """la le les l un une des de du d pour sur dans avec a au aux en et session sessions
    projet projets dossier repo repertoire the of for in on project folder directory claude
    code cc""".split()
)
MIN_SCORE = 40


@dataclass(frozen=True)
class Candidate:
    """What a session can be called by, and when it was last active."""

    session_id: str
    title: str | None
    project: str | None
    cwd: str | None
    last_msg_at: datetime | None


def hint_words(hint: str) -> list[str]:
    """The words of a hint that may name a session (fillers dropped)."""
    words = fold(hint).split()
    kept = [w for w in words if w not in FILLER]
    return kept or words


def _names(candidate: Candidate) -> list[str]:
    names = [candidate.title or "", candidate.project or ""]
    if candidate.cwd:
        names.append(PurePosixPath(candidate.cwd.replace("\\", "/")).name)
    return [n for n in (fold(x) for x in names) if n]


def score(words: Sequence[str], candidate: Candidate) -> int:
    """How well the hint's words name this session, 0 to 100."""
    if not words:
        return 0
    phrase = " ".join(words)
    squashed = phrase.replace(" ", "")
    best = 0
    for name in _names(candidate):
        tokens = name.split()
        if phrase == name or squashed == name.replace(" ", ""):
            best = max(best, 100)
        elif f" {phrase} " in f" {name} ":
            best = max(best, 85)
        elif all(w in tokens for w in words):
            best = max(best, 75)
        else:
            whole = sum(1 for w in words if w in tokens)
            prefix = sum(
                1
                for w in words
                if w not in tokens and len(w) >= 3 and any(t.startswith(w) for t in tokens)
            )
            best = max(best, round(60 * (whole + 0.7 * prefix) / len(words)))
    return best


def best_match(hint: str, candidates: Iterable[Candidate]) -> Candidate | None:
    """The session the hint names best, or None when nothing matches well enough."""
    words = hint_words(hint)
    oldest = datetime.min
    ranked = sorted(
        ((score(words, c), c) for c in candidates),
        key=lambda sc: (sc[0], (sc[1].last_msg_at or oldest).replace(tzinfo=None)),
        reverse=True,
    )
    if not ranked or ranked[0][0] < MIN_SCORE:
        return None
    return ranked[0][1]
