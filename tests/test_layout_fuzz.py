"""Issue 9: the golden reports printed with seeded layout drift (samples/fuzz.py), committed
under tests/fixtures/fuzz/ (samples/render_fuzz.py; no LibreOffice needed here). Each variant
must load EXACTLY its golden truth: every figure, every Analysis cell, every commitment (after
the documented whitespace/dash folding only), and nothing quarantined.

Variants that fail on the extractor of the day are marked xfail(strict=True), one by one, in
FAILING_ON_MAIN with what they lose: the lead engineer removes a name as the extractor learns
its layout (strict, so a variant that starts passing fails the suite until its mark is removed).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.extract.layout import map_figure_columns
from pipeline.families import detect_family
from samples import truth
from tests.conftest import FIXTURES, assert_loaded_exactly, file_rows, variants_warehouse

FUZZ = FIXTURES / "fuzz"
MANIFEST = json.loads((FUZZ / "manifest.json").read_text(encoding="utf-8"))
# Variants that fail on main when this file was last updated (see the module docstring),
# each with what it loses.
FAILING_ON_MAIN: dict[str, str] = {}


def _param(entry: dict):
    marks = ([pytest.mark.xfail(strict=True, reason=FAILING_ON_MAIN[entry["file"]])]
             if entry["file"] in FAILING_ON_MAIN else [])
    return pytest.param(entry, id=entry["file"].removesuffix(".pdf"), marks=marks)


@pytest.fixture(scope="module")
def fuzz_db(tmp_path_factory) -> tuple[Path, dict[str, str]]:
    """Every committed variant in one warehouse; file name -> failure reason (if failed)."""
    return variants_warehouse(FUZZ, MANIFEST, tmp_path_factory)


@pytest.mark.parametrize("entry", [_param(e) for e in MANIFEST])
def test_variant_loads_exactly_its_golden_truth(fuzz_db, entry):
    truth_file, loaded = file_rows(fuzz_db, entry)
    assert_loaded_exactly(loaded, truth_file)

    # Printed without numbers: numbered in printed order and marked inferred (and only then).
    assert loaded.item_no_inferred == {entry["item_numbers_inferred"]}
    # A reorganised area keeps its catalogue directorate (asserted above) with a finding.
    for moved in entry["moved_areas"]:
        assert ("directorate_differs_from_catalogue", moved["service_area"]) in loaded.findings


def test_the_fixtures_cover_every_dimension_value_and_every_producer():
    from samples.fuzz import DIMENSIONS, PRODUCERS

    seen = {(name, value) for e in MANIFEST for name, value in e["choices"].items()}
    assert seen == {(d.name, v) for d in DIMENSIONS for v in d.values}
    assert {e["producer"] for e in MANIFEST} == set(PRODUCERS)
    assert len(DIMENSIONS) >= 12


def test_every_figure_header_wording_the_fuzzer_prints_is_in_the_vocabulary():
    """The fuzzer tests layout, not vocabulary: each flat header set maps, column by column,
    to the canonical (stage, measure) columns, and each family title is recognised."""
    from samples.fuzz import (
        COMPARATIVE_TITLES,
        DIMENSIONS,
        FIGURE_COLUMNS,
        FLAT_HEADERS,
        GROUPED_HEADERS,
    )

    canonical = [truth.GOLDEN_COLUMNS[c] for c in FIGURE_COLUMNS]
    for name, headers in FLAT_HEADERS.items():
        assert map_figure_columns(list(headers)) == canonical, name
    # Grouped measure names carry no stage; with the stage prepended they must map too.
    for name, measures in GROUPED_HEADERS.items():
        staged = [f"Stage {stage} {m}" for (stage, _), m in zip(canonical, measures, strict=True)]
        assert map_figure_columns(staged) == canonical, name
    for title in COMPARATIVE_TITLES.values():
        assert detect_family([[title, *FLAT_HEADERS["s-short"]]])[0] == "comparative", title
    [top_ten_headers] = [d.values for d in DIMENSIONS if d.name == "top_ten_header"]
    for first in top_ten_headers:
        assert detect_family([[first, *FLAT_HEADERS["s-short"]]])[0] == "top_ten", first
