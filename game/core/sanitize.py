"""The one output sanitiser: no text from a story, a save or a player's
typing can drive the terminal (or a program reading JSON lines).

`safe` is for everything a front end shows (plain, JSON lines, the terminal
UI, transcripts): control characters (C0 but tab and newline, DEL, C1) and
bidirectional overrides become U+FFFD. `visible` is for diagnostics, where
an author needs to see what is there: the same characters as \\xNN.
"""

from __future__ import annotations

import re

UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def safe(text: str) -> str:
    """Neutralise control characters so no text can drive the terminal."""
    return UNSAFE.sub("\ufffd", text)


def safe_data(value):
    """`safe` applied to every string inside JSON-able data."""
    if isinstance(value, str):
        return UNSAFE.sub("\ufffd", value)
    if isinstance(value, dict):
        return {safe_data(k): safe_data(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [safe_data(v) for v in value]
    return value


def visible(text: str) -> str:
    """Control characters written as \\xNN, so a message can never drive the
    terminal it is printed on (names in messages come from story files)."""
    return _UNPRINTABLE.sub(lambda m: f"\\x{ord(m.group()):02x}", text)
