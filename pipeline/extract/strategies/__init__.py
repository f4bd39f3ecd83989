"""The table-strategy registry: how a table's cells are found on a page.

Each strategy turns a page into pdfplumber Tables. They are tried in order, each on the part of
the page no earlier strategy claimed, so a table's rows always come from one strategy:

- `ruled` — pdfplumber's lines strategy, for tables drawn as a grid of rules;
- `aligned` — columns and rows from the alignment of the words themselves, for tables with no
  grid (browser-printed or borderless-styled reports), tried only where the text outside the
  ruled tables shows table evidence (a data row of figures, or a header naming a table family).

Adding a strategy (OCR, say) is one module and one entry here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from pdfplumber.page import Page
from pdfplumber.table import Table

from pipeline.extract.strategies.aligned_page import aligned_tables, shows_aligned_table
from pipeline.extract.strategies.ruled import ruled_tables


def _always(texts: Iterable[str], page: Page) -> bool:
    return True


@dataclass(frozen=True)
class TableStrategy:
    name: str
    # (the page with earlier strategies' tables removed, the whole page) -> tables
    find: Callable[[Page, Page], list[Table]]
    # Cheap evidence from the text lines left outside earlier strategies' tables (and the
    # page): is this strategy worth running on it? (Ruled pages never pay for `aligned`.)
    wanted: Callable[[Iterable[str], Page], bool] = _always
    needs_text: bool = False


STRATEGIES: dict[str, TableStrategy] = {s.name: s for s in (
    TableStrategy("ruled", lambda rest, page: ruled_tables(page)),
    TableStrategy("aligned", aligned_tables, shows_aligned_table, needs_text=True),
)}


def strategy_set(names: Sequence[str | None]) -> str:
    """'ruled', 'aligned' or 'ruled+aligned': the strategies used, in registry order."""
    used = {n for n in names if n}
    return "+".join(n for n in STRATEGIES if n in used)


__all__ = ["STRATEGIES", "TableStrategy", "strategy_set"]
