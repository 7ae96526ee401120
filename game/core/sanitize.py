"""The one output sanitiser: no text from a story, a save or a player's
typing can drive the terminal (or a program reading JSON lines).

`safe` is for everything a front end shows (plain, JSON lines, the terminal
UI, transcripts): control characters (C0 but tab and newline, DEL, C1),
bidirectional controls and marks, zero-width and other invisible format
characters, tag characters and the line and paragraph separators
U+2028/U+2029 become U+FFFD. `visible` is for diagnostics, where an author
needs to see what is there: the same characters as \\xNN or \\uNNNN. A
story may not contain any of them (the YAML reader refuses them, located).
"""

from __future__ import annotations

import re

# Characters that can drive a terminal, or hide or reorder text a reader sees,
# beyond the C0/C1 controls: bidi controls and marks, zero-width and other
# invisible format characters, line/paragraph separators, interlinear
# annotations, tag characters, and non-characters.
HIDDEN = ("\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb"
          "\ufffe\uffff\U000e0000-\U000e007f")
UNSAFE = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f{HIDDEN}]")
_UNPRINTABLE = re.compile(f"[\x00-\x1f\x7f-\x9f{HIDDEN}]")


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
    return _UNPRINTABLE.sub(_escape, text)


def _escape(match: re.Match) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def clip(text: str, limit: int) -> str:
    """Text quoted in a message, cut to `limit` characters if it is longer (a
    name from a hostile file can be megabytes long)."""
    return text if len(text) <= limit else text[:limit] + f"... ({len(text):,} characters)"
