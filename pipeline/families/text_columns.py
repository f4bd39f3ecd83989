"""Columns of the text tables (Analysis, commitments), found by the words of their headers."""

from __future__ import annotations

import re
from collections.abc import Sequence

from pipeline.normalise import clean_text, squash


def text_columns(headers: Sequence[str]) -> dict[str, int]:
    """Which column holds what, from the header's words."""
    found: dict[str, int] = {}
    for i, cell in enumerate(headers):
        text = squash(cell).lower()
        if "comments to explain" in text or "service response" in text or "progress going" \
                in text:
            found.setdefault("service_response", i)
        elif "progress" in text:
            found.setdefault("progress", i)
        elif "commitment" in text:
            found.setdefault("commitment", i)
        elif "key themes" in text or text.startswith("analysis"):
            found.setdefault("key_themes", i)
        elif "complaints team" in text or "additional commentary" in text:
            found.setdefault("complaints_team_comment", i)
    return found


_SENTENCE_END = re.compile(r"[.!?:;)\]\"'’”]\s*$")


def carries_on(above: str | None, below: str | None) -> bool:
    """Does `below` (a cell opening a page) go on with the sentence `above` left open: the
    text above stops mid-sentence and this goes on in lower case ("... these" / "are ...")?"""
    return bool(above and below and not _SENTENCE_END.search(above) and below[:1].islower())


def cell_text(row: Sequence[str | None], index: int | None) -> str | None:
    if index is None or index >= len(row):
        return None
    return clean_text(row[index])


def join_texts(a: str | None, b: str | None) -> str | None:
    """A cell's text and its rest (a row cut by the page break), joined as the lines of one
    cell are ('non-' + 'presented' -> 'non-presented')."""
    parts = [p for p in (a, b) if p]
    return clean_text("\n".join(parts)) if parts else None
