"""The PDF reader's shortcuts give exactly what pdfplumber itself gives."""

from __future__ import annotations

from pathlib import Path

import pdfplumber
import pytest
from pdfminer.pdfpage import PDFPage

from pipeline.extract.document import TABLE_SETTINGS, _LeanPage, _table_rows
from tests.conftest import BORDERLESS_PRODUCERS, PDFS, SHARED

SAMPLES = sorted(p for p in PDFS.glob("complaints-*.pdf")
                 if not p.stem.endswith(BORDERLESS_PRODUCERS))  # ruled tables
# Real-world files from other producers, where present (../shared is only in the workspace).
OTHERS = [SHARED / "corpus" / "realworld" / name for name in (
    "pdfplumber__nics-background-checks-2015-11.pdf", "camelot__us-036.pdf",
    "pdfplumber__senate-expenditures.pdf", "camelot__arabic.pdf")]


def _pages(path: Path):
    with pdfplumber.open(path) as pdf:
        doctop = 0.0
        for number, page_obj in enumerate(PDFPage.create_pages(pdf.doc), start=1):
            lean = _LeanPage(pdf, page_obj, page_number=number, initial_doctop=doctop)
            yield pdf.pages[number - 1], lean
            doctop += lean.height


@pytest.mark.parametrize("path", SAMPLES + OTHERS, ids=lambda p: p.name)
def test_lean_page_chars_equal_pdfplumbers(path):
    if not path.exists():
        pytest.skip(f"{path} is absent: ../shared is only present inside the project workspace")
    compared = 0
    for plain, lean in _pages(path):
        assert lean.chars == plain.chars
        compared += len(plain.chars)
    assert compared > 0


@pytest.mark.parametrize("path", SAMPLES[:4], ids=lambda p: p.name)
def test_table_rows_from_the_tables_own_chars_equal_table_extract(path):
    tables = 0
    for plain, _ in _pages(path):
        for table in plain.find_tables(TABLE_SETTINGS):
            assert _table_rows(table, plain.chars) == table.extract()
            tables += 1
    assert tables >= 3
