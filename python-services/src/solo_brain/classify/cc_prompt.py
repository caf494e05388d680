"""Recognise a note that is an instruction for a Claude Code session, without any model.

"pour la session orchestrator, ajoute un endpoint /health" -> session "orchestrator", prompt
"ajoute un endpoint /health". The instruction must start the note or a sentence of it (after an
optional "ok", "alors", "claude,"), so a note that merely mentions a session is not a prompt.

Forms understood (French and English, any case, typographic apostrophes included):

    pour / dans / sur / à la session X[,:] <prompt>      for / in / on / to (the) session X <prompt>
    dis / demande à la session X de|d'|que <prompt>       tell / ask (the) session X to <prompt>
    session X : <prompt>                                  claude code X : <prompt>
    claude code, session X <prompt>

A session name is one word (letters, digits, . _ / -); up to two words when a comma or a colon
closes it ("pour la session solo brain, relance les tests").
"""

from __future__ import annotations

import re

from pydantic import BaseModel, Field

from solo_brain.text import plain


class CcPrompt(BaseModel):
    """A prompt for the Claude Code session the user named."""

    session_hint: str = Field(min_length=1, max_length=100)
    prompt: str = Field(min_length=1, max_length=20000)


_FILLER = r"(?:ok|okay|alors|bon|hey|h[ée]|et|note|claude(?!\s+code))"
_START = rf"(?:^|(?<=[.!?\n]))\s*(?:{_FILLER}\b[\s,:]*)*"
_NOT_A_NAME = r"(?!(?:de|d|que|qu|to|pour|for|la|le|the|du|des|a|à)\b)"
_WORD = r"[\w./-]*\w"
_LEADS = {
    # Each lead ends where the session name starts; `soft` says whether a plain space may then
    # separate the name from the prompt (bare "session X" needs a colon or a comma).
    "to_session": (r"(?:pour|dans|sur|[àa]|for|in|on|to)\s+(?:la\s+|the\s+)?session", True),
    "tell_session": (
        r"(?:dis|dites|demande|demandez|tell|ask)\s+(?:[àa]\s+)?(?:la\s+|the\s+)?session",
        True,
    ),
    "claude_code_session": (
        r"claude\s+code\s*[,:]?\s*(?:(?:pour|dans|for|in)\s+)?(?:la\s+|the\s+)?session",
        True,
    ),
    "bare_session": (r"session", False),
    "claude_code": (r"claude\s+code", False),
}
_HARD_SEPARATOR = r"(?:\s*[,:;]|\s+[-–—])\s*"
_SOFT_SEPARATOR = r"\s+(?:de\s+|d'|que\s+|qu'|to\s+)?"
_LINK = r"(?:(?:de\s+|d'|que\s+|qu'|to\s+))?"


def _patterns() -> list[re.Pattern[str]]:
    compiled = []
    for lead, soft in _LEADS.values():
        name_words = rf"{_NOT_A_NAME}{_WORD}(?:\s+{_NOT_A_NAME}{_WORD})?"
        compiled.append(
            re.compile(
                rf"{_START}{lead}\s+(?P<hint>{name_words}){_HARD_SEPARATOR}{_LINK}(?P<prompt>\S.*)",
                re.IGNORECASE | re.DOTALL,
            )
        )
        if soft:
            compiled.append(
                re.compile(
                    rf"{_START}{lead}\s+(?P<hint>{_NOT_A_NAME}{_WORD}){_SOFT_SEPARATOR}(?P<prompt>\S.*)",
                    re.IGNORECASE | re.DOTALL,
                )
            )
    return compiled


_PATTERNS = _patterns()


def find_cc_prompt(text: str) -> CcPrompt | None:
    """The Claude Code instruction a note opens with (or a sentence of it opens with), or None."""
    candidate = plain(text)
    best: re.Match[str] | None = None
    for pattern in _PATTERNS:
        match = pattern.search(candidate)
        if match and (best is None or match.start("hint") < best.start("hint")):
            best = match
    if best is None:
        return None
    hint = best["hint"].strip(" .,:;-")
    prompt = best["prompt"].strip()
    if not hint or len(prompt) < 2:
        return None
    return CcPrompt(session_hint=hint, prompt=prompt)
