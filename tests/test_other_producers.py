"""The samples as another producer makes them again (samples/reproduce.py, committed under
tests/fixtures/producers/): poppler's pdftocairo redraws each page through cairo, which
leaves out some of the spaces the Word renderings print (only the gap between the words is
left). Each must load EXACTLY its golden truth, as the originals do: every figure, every
Analysis cell and every commitment, nothing quarantined. Before words were split at a fifth
of the font size (cells.WORD_GAP), the Word renderings loaded 'performancemeetings' and
'Stage 1:31%ofthe 52 complaints'."""

from __future__ import annotations

import json
from pathlib import Path

import pdfplumber
import pytest

from samples import truth
from tests.conftest import FIXTURES, golden

PRODUCERS = FIXTURES / "producers"
MANIFEST = json.loads((PRODUCERS / "manifest.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def producers_db(tmp_path_factory) -> tuple[Path, dict[str, str]]:
    """Every re-made sample in one warehouse; file name -> failure reason (if failed)."""
    db = tmp_path_factory.mktemp("producers") / "w.duckdb"
    outcomes = truth.ingest_variants(MANIFEST, PRODUCERS, db, workers=2)
    assert sorted(o.file_name for o in outcomes) == sorted(e["file"] for e in MANIFEST)
    return db, {o.file_name: o.error or "" for o in outcomes if o.status == "failed"}


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


@pytest.mark.parametrize("entry", MANIFEST, ids=lambda e: e["file"].removesuffix(".pdf"))
def test_remade_sample_loads_exactly_its_golden_truth(producers_db, entry):
    db, failed = producers_db
    assert entry["file"] not in failed, failed[entry["file"]]
    truth_file = golden(entry["golden"])
    loaded = truth.loaded_rows(db, entry["file"])

    # Figures: {key: value} both ways, so a missing, extra or different cell shows.
    expected_figures = truth.expected_figures(truth_file)
    loaded_figures = {key: value for key, value in loaded.figures
                      if key in expected_figures or value is not None}
    assert len(loaded.figures) == len(set(k for k, _ in loaded.figures)), "duplicate figures"
    assert loaded_figures == expected_figures

    expected_commentary = {k: truth.folded(v) for k, v in
                           truth.expected_commentary(truth_file).items()}
    assert {k: truth.folded(v) for k, v in loaded.commentary} == expected_commentary
    assert len(loaded.commentary) == len(expected_commentary), "duplicate commentary"

    expected_commitments = {k: (truth.folded(c), truth.folded(p)) for k, (c, p) in
                            truth.expected_commitments(truth_file).items()}
    assert {k: (truth.folded(c), truth.folded(p)) for k, (c, p) in loaded.commitments} == \
        expected_commitments
    assert len(loaded.commitments) == len(expected_commitments), "duplicate commitments"

    assert loaded.quarantine == []
