"""What the classifier reads of a long note: its beginning, never a word cut in two."""

from __future__ import annotations

import pytest

from solo_brain.classify.service import beginning


@pytest.mark.parametrize(
    ("text", "limit", "read"),
    [
        ("court", 10, "court"),
        ("Rappeler Dupont demain", 22, "Rappeler Dupont demain"),
        ("Rappeler Dupont demain", 12, "Rappeler"),
        ("Rappeler Dupont demain", 16, "Rappeler Dupont"),
        ("Rappeler Dupont demain", 15, "Rappeler Dupont"),
        ("Rappeler\nDupont demain", 11, "Rappeler"),
        ("anticonstitutionnellement", 10, "anticonsti"),
    ],
)
def test_a_note_longer_than_the_limit_is_read_up_to_its_last_whole_word(
    text: str, limit: int, read: str
) -> None:
    """The beginning stops at the last whole word within the limit; a single word longer than
    the limit is cut, since something must be read."""
    assert beginning(text, limit) == read
