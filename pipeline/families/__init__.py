"""The table-family registry: every kind of table the pipeline reads, in reading order.

Adding a family is one module (its reader, records and warehouse table) and one entry here;
recognition phrases go in schemas/headers.toml `[tables]` under the family's name. See
docs/extending.md for a worked example.
"""

from __future__ import annotations

from collections.abc import Sequence

from pipeline.extract.header_grid import column_headers, figure_header_depth
from pipeline.extract.layout import has_phrase, starts_with_phrase
from pipeline.extract.stitch import StitchedTable
from pipeline.families.analysis import ANALYSIS
from pipeline.families.base import TableFamily, WarehouseTable
from pipeline.families.commitments import COMMITMENTS
from pipeline.families.comparative import COMPARATIVE
from pipeline.families.top_ten import TOP_TEN

Cell = str | None

# Checked in this order: the first family whose phrases a header shows wins.
FAMILIES: dict[str, TableFamily] = {f.name: f for f in (COMPARATIVE, TOP_TEN, COMMITMENTS,
                                                        ANALYSIS)}


def family_tables() -> tuple[WarehouseTable, ...]:
    """Every warehouse table the families fill, in registry order."""
    return tuple(t for family in FAMILIES.values() for t in family.tables)


# A header cell names its column; a long sentence or one ending in a full stop is body text,
# even when it quotes a header's words ('Service Commitments from last year have helped...',
# a commitment continued on the next page: 'Lead on customer information and analysis ...').
HEADER_CELL_MAX = 120


# ... but a few words that begin with the family's phrase and end in one are a header with a
# speck OCR read as a full stop ('Analysis— key themes.', the 2017/18 150 dpi scan's page 3:
# without this, its Analysis table went unrecognised and two areas' commentary to quarantine).
HEADER_WORDS_WITH_STOP = 4


def looks_like_header_cell(text: str) -> bool:
    return len(text) <= HEADER_CELL_MAX and not text.rstrip().endswith(".")


def _header_with_a_stop(text: str, phrases: Sequence[str]) -> bool:
    words = text.split()
    return len(words) <= HEADER_WORDS_WITH_STOP and text.rstrip().endswith(".") and \
        starts_with_phrase(text, phrases)


def _matches(family: TableFamily, headers: Sequence[str]) -> bool:
    if len(headers) < family.min_columns:
        return False
    if family.phrase_in == "any":
        return any(has_phrase(h, family.phrases) and looks_like_header_cell(h)
                   for h in headers)
    first = next((h for h in headers if h), "")
    return has_phrase(first, family.phrases) and (
        looks_like_header_cell(first) or _header_with_a_stop(first, family.phrases))


def detect_family(rows: Sequence[Sequence[Cell]],
                  origins: Sequence[Sequence[tuple[int, int]]] = ()) -> tuple[str | None, int]:
    """(family, number of header rows) of a table, from what its header says.

    The header may span rows: a title or grouped row of merged cells above the column names.
    Deeper rows are read only below a row with merged cells, so body text is never taken for
    a header.
    """
    for depth in range(1, min(3, len(rows)) + 1):
        if depth > 1 and not any(c is None for c in rows[depth - 2]):
            break
        headers = column_headers(rows, origins or None, depth)
        for family in FAMILIES.values():
            if _matches(family, headers):
                return family.name, (figure_header_depth(rows) if family.figure_table
                                      else depth)
    return None, 1


def accepts_continuation(table: StitchedTable, rows: Sequence[Sequence[Cell]]) -> bool:
    family = FAMILIES.get(table.family or "")
    return family is None or family.accepts_continuation(table, rows)


__all__ = ["FAMILIES", "TableFamily", "WarehouseTable", "accepts_continuation",
           "detect_family", "family_tables"]
