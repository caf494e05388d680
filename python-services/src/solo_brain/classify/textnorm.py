"""Text helpers shared by the heuristic, the catalog matching and the Claude Code prompt finder.

`fold` makes spoken and typed variants compare equal ("IMX8MP-Vision", "imx8mp vision",
"Électricité" vs "electricite"); `sentences` cuts a note into the pieces actions come from.
"""

from __future__ import annotations

import re
import unicodedata

# Speech-to-text and phone keyboards produce typographic apostrophes and hyphens.
_TYPOGRAPHY = str.maketrans({"’": "'", "‘": "'", "ʼ": "'", "‐": "-", "‑": "-", "–": "-"})
_NOT_WORD = re.compile(r"[^0-9a-z&]+")
_SENTENCE_END = re.compile(r"(?<=[.!?;])\s+|\n+")


def plain(text: str) -> str:
    """Replace typographic apostrophes and hyphens by their ASCII forms."""
    return text.translate(_TYPOGRAPHY)


def strip_accents(text: str) -> str:
    """Remove combining accents: "été" becomes "ete"."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def fold(text: str) -> str:
    """Lowercase, accent-free words separated by single spaces ("IMX8MP-Vision" -> "imx8mp vision").

    Punctuation becomes a word boundary, except "&" so that "R&D" stays one word.
    """
    return _NOT_WORD.sub(" ", strip_accents(plain(text)).lower()).strip()


def contains_words(haystack_folded: str, needle: str) -> int:
    """Position of `needle` as whole words in an already folded text, or -1."""
    folded = fold(needle)
    if not folded:
        return -1
    position = f" {haystack_folded} ".find(f" {folded} ")
    return position


def sentences(text: str) -> list[str]:
    """Split a note into trimmed sentences on . ! ? ; and line breaks."""
    return [part.strip() for part in _SENTENCE_END.split(plain(text)) if part and part.strip()]


def shorten(text: str, limit: int) -> str:
    """`text` on one line, cut at a word boundary with an ellipsis when longer than `limit`."""
    one_line = " ".join(text.split())
    if len(one_line) <= limit:
        return one_line
    cut = one_line[: limit - 1]
    if " " in cut[limit // 2 :]:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,;:-") + "…"
