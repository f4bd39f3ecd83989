"""pipeline.extract.table_finder finds what pdfplumber's own table finder finds: the same
cells in the same order and the same tables, on every page of every sample, and on a grid
drawn by hand."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pdfplumber
import pytest
from pdfplumber import table as plumber_table

from pipeline.extract.document import Limits, _pages, read_blocks
from pipeline.extract.strategies import aligned_page
from pipeline.extract.strategies.ruled import TABLE_SETTINGS
from pipeline.extract.table_finder import find_tables, intersections_to_cells
from tests.conftest import BORDERLESS_PRODUCERS, PDFS

SAMPLES = sorted(PDFS.glob("*.pdf"))


def _pages_of(path: Path) -> Iterator:
    data = path.read_bytes()
    with path.open("rb") as stream:
        pdf = pdfplumber.open(stream)
        yield from _pages(pdf, Limits(), path.name, "pdfium", data)


@pytest.mark.parametrize("pdf", SAMPLES, ids=lambda p: p.name)
def test_every_sample_page_gives_pdfplumbers_cells_and_tables(pdf):
    pages_with_cells = 0
    for page in _pages_of(pdf):
        try:
            theirs = plumber_table.TableFinder(page, plumber_table.TableSettings.resolve(
                TABLE_SETTINGS))
            ours = find_tables(page, TABLE_SETTINGS)
            assert intersections_to_cells(theirs.intersections) == theirs.cells
            assert [t.cells for t in ours] == [t.cells for t in theirs.tables]
            assert [t.bbox for t in ours] == [t.bbox for t in theirs.tables]
            pages_with_cells += bool(theirs.cells)
        finally:
            page.close()
    assert pages_with_cells or "borderless" in pdf.name or "html" in pdf.name


def _edge(x0: float, top: float, x1: float, bottom: float) -> dict:
    vertical = x0 == x1
    return {"x0": x0, "top": top, "x1": x1, "bottom": bottom, "width": x1 - x0,
            "height": bottom - top, "orientation": "v" if vertical else "h",
            "object_type": "line"}


def test_a_hand_drawn_grid_of_two_by_two_cells_with_one_merged():
    """Rules at x 0, 50, 100 and y 0, 20, 40; the middle vertical rule stops at y 20, so the
    bottom row is one cell 100 wide."""
    edges = [_edge(0, 0, 100, 0), _edge(0, 20, 100, 20), _edge(0, 40, 100, 40),
             _edge(0, 0, 0, 40), _edge(50, 0, 50, 20), _edge(100, 0, 100, 40)]
    intersections = plumber_table.edges_to_intersections(edges, 1, 1)
    assert intersections_to_cells(intersections) == [
        (0, 0, 50, 20), (0, 20, 100, 40), (50, 0, 100, 20)]


BORDERLESS = sorted(p for p in SAMPLES if p.stem.endswith(BORDERLESS_PRODUCERS))


@pytest.mark.parametrize("pdf", BORDERLESS, ids=lambda p: p.name)
def test_the_aligned_strategys_grids_give_pdfplumbers_tables(pdf, monkeypatch):
    """The aligned strategy hands its grids to this table finder as explicit lines: on every
    page of every borderless sample, the tables are pdfplumber's own for those lines."""
    asked = []

    def both(page, settings):
        ours = find_tables(page, settings)
        theirs = page.find_tables(settings)
        assert [t.cells for t in ours] == [t.cells for t in theirs]
        assert [t.bbox for t in ours] == [t.bbox for t in theirs]
        asked.append(len(ours))
        return ours

    monkeypatch.setattr(aligned_page, "find_tables", both)
    read_blocks(pdf)
    assert len(asked) >= 10 and all(asked)
