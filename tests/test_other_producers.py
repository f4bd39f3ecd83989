"""The samples as another producer makes them again (samples/reproduce.py, committed under
tests/fixtures/producers/).

poppler's pdftocairo redraws each page through cairo, which leaves out some of the spaces the
Word renderings print (only the gap between the words is left). Each cairo re-make must load
EXACTLY its golden truth, as the originals do: every figure, every Analysis cell and every
commitment, nothing quarantined. Before words were split at a fifth of the font size
(cells.WORD_GAP), the Word renderings loaded 'performancemeetings' and 'Stage 1:31%ofthe 52
complaints'.

Ghostscript re-embeds the ReportLab renderings' fonts without the Unicode of some glyphs (the
en dash, bullet, pound sign, the Cyrillic homoglyphs of 'Тах'): both parsers give '(cid:N)'.
Nothing may load wrong: a glyph standing where names fold a dash matches ('Housing (cid:1)
Repairs'), a name with unknown letters matches nothing, and prose holding one is quarantined
with its reason. Before, every Top Ten row with a dash was an unknown area (95% of the
2018/19 figures quarantined) and 'the (cid:3)150 energy rebate' was loaded as text."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pdfplumber
import pytest

from samples import truth
from tests.conftest import FIXTURES, assert_loaded_exactly, file_rows, variants_warehouse

PRODUCERS = FIXTURES / "producers"
MANIFEST = json.loads((PRODUCERS / "manifest.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def producers_db(tmp_path_factory) -> tuple[Path, dict[str, str]]:
    """Every re-made sample in one warehouse; file name -> failure reason (if failed)."""
    return variants_warehouse(PRODUCERS, MANIFEST, tmp_path_factory)


def _spaces(path: Path) -> int:
    with pdfplumber.open(path) as pdf:
        return sum(c["text"].isspace() for page in pdf.pages for c in page.chars)


@pytest.mark.parametrize("name", ["complaints-2017-18-word-cairo.pdf",
                                  "complaints-2019-20-word-borderless-cairo.pdf"])
def test_cairo_leaves_out_spaces_the_word_renderings_print(name):
    """What makes these two files a test of word gaps: cairo drops some of the spaces
    LibreOffice printed ('performance meetings', 'Stage 1: 31% of the 52'), leaving the gap."""
    entry = next(e for e in MANIFEST if e["file"] == name)
    assert _spaces(PRODUCERS / name) < _spaces(FIXTURES / "pdfs" / entry["source"])


# Re-makes that lose glyphs the golden truth holds: what each may not load, as (table, area)
# -> values missing, and its whole quarantine as (table, area, cause) -> rows.
TEXT_GLYPHS = "glyph(s) of this text to no character"
NAME_GLYPHS = "glyph(s) of the name to no character"
LOSSES: dict[str, tuple[dict[tuple[str, str], int], dict[tuple[str, str | None, str], int]]] = {
    # 'Finance – Council Тах': the dash is a separator, the three Cyrillic letters unknown, so
    # the Top Ten row names no area (its dashboard, headed in ASCII, loads): its ten cells,
    # each this year's figure and last year's; five commitments print an en dash.
    "complaints-2018-19-reportlab-gs.pdf": (
        {("top_ten", "Council Tax"): 20, ("service_commitments", "Repairs"): 3,
         ("service_commitments", "Estates Services"): 2},
        {("top_ten", None, NAME_GLYPHS): 10,
         ("service_commitments", "Repairs", TEXT_GLYPHS): 3,
         ("service_commitments", "Estates Services", TEXT_GLYPHS): 2}),
    # 'about the £150 energy rebate': the row's three Analysis cells
    "complaints-2021-22-twostage-reportlab-gs.pdf": (
        {("commentary", "Council Tax"): 3},
        {("commentary", "Council Tax", TEXT_GLYPHS): 1}),
}


def _quarantine_by_cause(db: Path, file_name: str) -> dict[tuple[str, str | None, str], int]:
    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.execute("SELECT table_name, service_area, reason FROM quarantine JOIN reports "
                           "USING (report_id) WHERE file_name = ?", [file_name]).fetchall()
    found: dict[tuple[str, str | None, str], int] = {}
    for table, area, reason in rows:
        cause = next((c for c in (TEXT_GLYPHS, NAME_GLYPHS) if c in reason), reason)
        found[(table, area, cause)] = found.get((table, area, cause), 0) + 1
    return found


@pytest.mark.parametrize("entry", [e for e in MANIFEST if e["file"] in LOSSES],
                         ids=lambda e: e["file"].removesuffix(".pdf"))
def test_glyphs_without_unicode_are_quarantined_never_loaded(producers_db, entry):
    truth_file, loaded = file_rows(producers_db, entry)
    missing_expected, quarantined = LOSSES[entry["file"]]
    assert _quarantine_by_cause(producers_db[0], entry["file"]) == quarantined

    figures = truth.expected_figures(truth_file)
    commentary = {k: truth.folded(v) for k, v in truth.expected_commentary(truth_file).items()}
    commitments = {k: (truth.folded(c), truth.folded(p))
                   for k, (c, p) in truth.expected_commitments(truth_file).items()}
    got_figures = {k: v for k, v in loaded.figures if v is not None}
    got_commentary = {k: truth.folded(v) for k, v in loaded.commentary}
    got_commitments = {k: (truth.folded(c), truth.folded(p)) for k, (c, p) in loaded.commitments}
    # what loaded is the golden truth's: no value wrong, none made up
    assert all(figures.get(k) == v for k, v in got_figures.items())
    assert all(commentary.get(k) == v for k, v in got_commentary.items())
    assert all(commitments.get(k) == v for k, v in got_commitments.items())
    # and what is missing is only what was quarantined
    missing: dict[tuple[str, str], int] = {}
    for key, value in figures.items():
        if value is not None and key not in got_figures:
            missing[(key[0], key[2])] = missing.get((key[0], key[2]), 0) + 1
    for key in set(commentary) - set(got_commentary):
        missing[("commentary", key[1])] = missing.get(("commentary", key[1]), 0) + 1
    for key in set(commitments) - set(got_commitments):
        missing[("service_commitments", key[1])] = \
            missing.get(("service_commitments", key[1]), 0) + 1
    assert missing == missing_expected


@pytest.mark.parametrize("entry", [e for e in MANIFEST if e["file"] not in LOSSES],
                         ids=lambda e: e["file"].removesuffix(".pdf"))
def test_remade_sample_loads_exactly_its_golden_truth(producers_db, entry):
    truth_file, loaded = file_rows(producers_db, entry)
    assert_loaded_exactly(loaded, truth_file)
