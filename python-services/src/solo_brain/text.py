"""Text folding shared by every service: spoken, typed and transcribed variants compare equal.

`fold_chars` is the one folding: ASCII apostrophes and hyphens for their typographic forms,
accents removed, lower case, runs of whitespace as one space, and for each character kept the
index of the character of the input it comes from (so a match can be handed back as written).
Built on it:

    fold        words only: "IMX8MP-Vision" -> "imx8mp vision" (the catalog, the heuristic, the
                hub's session lookup)
    sentences   a note cut into the pieces actions come from
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


def fold_chars(text: str) -> tuple[str, list[int]]:
    """`text` folded (ASCII typography, no accents, lower case, single spaces), and for each
    character of the result the index in `text` of the character it comes from."""
    chars: list[str] = []
    sources: list[int] = []
    for index, original in enumerate(plain(text)):
        for char in unicodedata.normalize("NFKD", original).lower():
            if unicodedata.combining(char):
                continue
            if char.isspace():
                if not chars or chars[-1] == " ":
                    continue
                char = " "
            chars.append(char)
            sources.append(index)
    return "".join(chars), sources


def fold(text: str) -> str:
    """Lowercase, accent-free words separated by single spaces ("IMX8MP-Vision" -> "imx8mp vision").

    Punctuation becomes a word boundary, except "&" so that "R&D" stays one word.
    """
    return _NOT_WORD.sub(" ", fold_chars(text)[0]).strip()


def not_blank(value: str) -> str:
    """`value` unchanged; ValueError when it holds nothing but whitespace (a Pydantic validator)."""
    if not value.strip():
        raise ValueError("text is blank")
    return value


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
