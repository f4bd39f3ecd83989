"""Issue 12, done: a borderless, browser-printed report of a TWO-STAGE year (2021/22: Stage 1 and
Stage 2 columns only, the last one "Escalated beyond Stage 2 (referred to the Ombudsman)")
ingests whole through the CLI with the shipped vocabulary; every figure, Analysis cell and
commitment equals the hand-made golden file; no stage 3 row is invented; the `aligned`
strategy is recorded; and `complaint_trends` across the change from three stages reads as the
README says.

The PDFs are committed (samples/render.py, headless Chromium for -html): nothing here needs
Chromium.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.config import VOCABULARY_ENV, reload_vocabulary
from samples import truth
from tests.conftest import FIXTURES, PDFS, fetch, golden, snapshot
from tests.test_borderless import NOT_CONTENT

STEM = "complaints-2021-22-twostage"
TRUTH = golden(STEM)
HTML = PDFS / f"{STEM}-html.pdf"
RULED = PDFS / f"{STEM}-reportlab.pdf"
# The 2020/21 sample is three-stage, in a layout that needs its vocabulary overlay.
THREE_STAGE = PDFS / "complaints-2020-21-newlayout-reportlab.pdf"
THREE_STAGE_TRUTH = golden("complaints-2020-21-newlayout")

runner = CliRunner()


def cli_ingest(db: Path, *pdfs: Path, vocabulary: Path | None = None) -> None:
    """`complaints ingest` as a user runs it (the overlay only where the layout needs one)."""
    env = {VOCABULARY_ENV: str(vocabulary) if vocabulary else None}
    reload_vocabulary()
    try:
        result = runner.invoke(app, ["ingest", *map(str, pdfs), "--db", str(db),
                                     "--workers", "1"], env=env)
    finally:
        reload_vocabulary()  # CliRunner restored the environment: forget the overlay
    assert result.exit_code == 0, result.output


@pytest.fixture(scope="module")
def html_db(tmp_path_factory) -> Path:
    db = tmp_path_factory.mktemp("twostage-html") / "w.duckdb"
    cli_ingest(db, HTML)
    return db


@pytest.fixture(scope="module")
def across_the_change(tmp_path_factory) -> Path:
    """2020/21 (three stages, ruled) and 2021/22 (two stages, browser-printed) in one
    warehouse, as a data engineer backfilling both years would have them."""
    db = tmp_path_factory.mktemp("twostage-years") / "w.duckdb"
    cli_ingest(db, HTML)
    cli_ingest(db, THREE_STAGE, vocabulary=FIXTURES / "vocabulary-2020-21")
    return db


def test_the_golden_file_is_a_two_stage_year():
    """The fixture itself: seven figure columns, none of them stage 3 (so the checks below
    are about a report that prints no stage 3 at all)."""
    stages = {truth.GOLDEN_COLUMNS[c][0] for c in TRUTH["figure_columns"]}
    assert stages == {1, 2}
    assert TRUTH["printed_headers"][-1] == "Escalated beyond Stage 2 (referred to the Ombudsman)"


def test_every_figure_against_the_golden_truth(html_db):
    loaded = truth.loaded_rows(html_db, HTML.name)
    assert loaded.found
    expected = truth.expected_figures(TRUTH)
    # 10 areas x 2 periods x 7 printed cells, in both the Comparative Data and Top Ten tables.
    assert len(expected) == 2 * 10 * 2 * 7
    keys = [key for key, _ in loaded.figures]
    assert len(keys) == len(set(keys)), "a figure loaded twice"
    # Measures a stage does not print (stage 1's 'not upheld at previous stage') load NULL;
    # every other loaded cell must be a golden cell with the golden value, and vice versa.
    assert {key: value for key, value in loaded.figures
            if key in expected or value is not None} == expected


def test_every_analysis_cell_and_commitment_against_the_golden_truth(html_db):
    loaded = truth.loaded_rows(html_db, HTML.name)
    expected_text = {k: truth.folded(v) for k, v in truth.expected_commentary(TRUTH).items()}
    assert {k: truth.folded(v) for k, v in loaded.commentary} == expected_text
    assert len(loaded.commentary) == len(expected_text) == 14 * 3
    expected_rows = {k: (truth.folded(c), truth.folded(p))
                     for k, (c, p) in truth.expected_commitments(TRUTH).items()}
    assert {k: (truth.folded(c), truth.folded(p)) for k, (c, p) in loaded.commitments} == \
        expected_rows
    assert len(loaded.commitments) == len(expected_rows) == 21
    assert loaded.item_no_inferred == {False}


def test_no_stage_three_rows_nothing_quarantined_no_findings(html_db):
    for table in ("stage_outcomes", "top_ten", "commentary"):
        assert fetch(html_db, f"SELECT DISTINCT stage FROM {table} ORDER BY 1") == [(1,), (2,)]
    assert fetch(html_db, "SELECT count(*) FROM quarantine") == [(0,)]
    # The golden arithmetic is consistent (no slips, every percentage reachable, the Top Ten
    # equal to the dashboards), so a finding here would be a misread.
    assert fetch(html_db, "SELECT check_name, service_area, detail FROM data_quality_issues") \
        == []


def test_the_aligned_strategy_is_recorded_per_report_and_dashboard(html_db):
    assert fetch(html_db, "SELECT file_name, report_year, table_strategies FROM reports") == [
        (HTML.name, "2021/22", "aligned")]
    sections = fetch(html_db, "SELECT service_area, strategy FROM report_sections "
                              "ORDER BY section_no")
    assert sections == [(d["service_area"], "aligned") for d in TRUTH["dashboards"]]
    # The README's "how many dashboards of each report each strategy read" example.
    assert fetch(html_db, """SELECT r.file_name, s.strategy, count(*) AS dashboards
                             FROM reports r JOIN report_sections s USING (report_id)
                             GROUP BY ALL ORDER BY ALL""") == [(HTML.name, "aligned", 10)]


def test_the_ruled_rendering_loads_the_same_rows(html_db, tmp_path):
    """The same golden file printed by reportlab with a grid: read by `ruled`, same rows."""
    db = tmp_path / "w.duckdb"
    cli_ingest(db, RULED)
    assert fetch(db, "SELECT table_strategies FROM reports") == [("ruled",)]
    ruled, browser = snapshot(db, NOT_CONTENT), snapshot(html_db, NOT_CONTENT)
    assert len(ruled["stage_outcomes"]) == 10 * 2 * 2
    assert browser == ruled


def test_which_process_each_year_used(across_the_change):
    """README "Two-stage reports": a year has stage 3 rows only if its report printed them."""
    assert fetch(across_the_change, "SELECT period, max(stage) FROM complaint_trends "
                                    "GROUP BY period ORDER BY period") == [
        ("2019/20", 3), ("2020/21", 3), ("2021/22", 2)]


def test_stage_two_escalated_across_the_change(across_the_change):
    """Stage 2 `escalated` is one series across the change: "went on to stage 3" in the
    three-stage years, "referred to the Ombudsman" in the two-stage year. Each period's
    figure comes from that year's own report; the 2021/22 report's reprint of 2020/21 agrees
    with the 2020/21 report, so nothing is restated."""
    expected = {}
    for year_truth in (THREE_STAGE_TRUTH, TRUTH):
        s2_escalated = year_truth["figure_columns"].index("s2_escalated")
        for dashboard in year_truth["dashboards"]:
            expected[(dashboard["service_area"], year_truth["report_year"])] = (
                dashboard["comparative"]["current"][s2_escalated], year_truth["report_year"])
    rows = fetch(across_the_change, """
        SELECT service_area, period, escalated, source_report_year FROM complaint_trends
        WHERE stage = 2 AND period IN ('2020/21', '2021/22') AND NOT restated""")
    assert {(area, period): (escalated, source) for area, period, escalated, source in rows} \
        == expected
    assert len(expected) == 20
    assert fetch(across_the_change, "SELECT count(*) FROM data_quality_issues "
                                    "WHERE check_name = 'restatement'") == [(0,)]
    # Where stage 3 existed, its receipts are the stage 2 escalations (2020/21 Repairs: 2).
    assert fetch(across_the_change, """
        SELECT period, stage, received, escalated FROM complaint_trends
        WHERE service_area = 'Repairs' AND period >= '2020/21' ORDER BY period, stage""") == [
        ("2020/21", 1, 198, 19), ("2020/21", 2, 19, 2), ("2020/21", 3, 2, None),
        ("2021/22", 1, 176, 21), ("2021/22", 2, 21, 3)]
