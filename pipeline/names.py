"""File names as they can be stored and shown: a name is whatever bytes the file system holds,
and neither the warehouse (UTF-8) nor a terminal (escape sequences) takes every one of them."""

from __future__ import annotations

import unicodedata

# Control characters, format characters (bidi overrides among them) and line separators:
# shown as escapes so a name cannot split a line, recolour the terminal or reorder the text.
_HIDDEN_CATEGORIES = {"Cc", "Cf", "Cs", "Zl", "Zp"}


def storable_name(name: str) -> str:
    """A name read with surrogate escapes (bytes that are not UTF-8) as valid UTF-8 text:
    each such byte becomes a visible \\xNN, the same way every time the file is seen."""
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def printable(text: str) -> str:
    """Text safe to print on one terminal line: control, format and undecodable characters
    shown as Python-style escapes; everything else unchanged."""
    if text.isprintable():
        return text
    shown = []
    for char in text:
        if unicodedata.category(char) not in _HIDDEN_CATEGORIES and char.isprintable() \
                or char == " ":
            shown.append(char)
        elif 0xDC80 <= ord(char) <= 0xDCFF:  # an undecodable byte, read by surrogateescape
            shown.append(f"\\x{ord(char) - 0xDC00:02x}")
        else:
            shown.append(char.encode("unicode_escape").decode("ascii"))
    return "".join(shown)
