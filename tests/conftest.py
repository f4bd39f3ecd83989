"""Shared fixtures: the sample reports, their hand-made truth, and ingested warehouses."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from pipeline.run import ingest
from pipeline.warehouse import report_tables, warehouse
from samples import truth
from samples.truth import GOLDEN_COLUMNS, MEASURES

TESTS = Path(__file__).parent
FIXTURES = TESTS / "fixtures"
PDFS = FIXTURES / "pdfs"
GOLDEN = FIXTURES / "golden"
SHARED = TESTS.parent.parent / "shared"
PRODUCERS = ("word", "reportlab")
# The same content printed without ruling lines (read by the `aligned` table strategy).
BORDERLESS_PRODUCERS = ("html", "word-borderless")


def golden(stem: str) -> dict:
    return json.loads((GOLDEN / f"{stem}.json").read_text(encoding="utf-8"))


def variants_warehouse(folder: Path, entries: list[dict],
                       tmp_path_factory: Any) -> tuple[Path, dict[str, str]]:
    """Every entry's PDF in `folder` ingested into one fresh warehouse (one council per
    batch: truth.ingest_variants); with file name -> failure reason for those that failed."""
    db = tmp_path_factory.mktemp(folder.name) / "w.duckdb"
    outcomes = truth.ingest_variants(entries, folder, db, workers=2)
    assert sorted(o.file_name for o in outcomes) == sorted(e["file"] for e in entries)
    return db, {o.file_name: o.error or "" for o in outcomes if o.status == "failed"}


def file_rows(db_and_failed: tuple[Path, dict[str, str]], entry: dict) -> tuple[dict, Any]:
    """A rendered variant's golden truth and the rows it loaded (truth.loaded_rows), once it
    is known not to have failed; `db_and_failed` as the variant fixtures give it."""
    db, failed = db_and_failed
    assert entry["file"] not in failed, failed[entry["file"]]
    return golden(entry["golden"]), truth.loaded_rows(db, entry["file"])


def assert_loaded_exactly(loaded: Any, truth_file: dict) -> None:
    """Every figure, Analysis cell and commitment of the golden truth loaded, each once and as
    written (after the documented whitespace/dash folding only), and nothing quarantined."""
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


def golden_by_stage(columns: list[str], values: list) -> dict[int, dict[str, float | None]]:
    """{stage: {measure: value}} from a golden row; measures a stage does not print are None."""
    stages: dict[int, dict[str, float | None]] = {
        s: {"received": None, "upheld_pct": None, "escalated": None,
            "upheld_not_upheld_prev_pct": None} for s in (1, 2, 3)}
    for name, value in zip(columns, values, strict=True):
        stage, measure = GOLDEN_COLUMNS[name]
        stages[stage][measure] = value
    return stages


def shared_dir(*parts: str) -> Path:
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} is absent: ../shared is only present inside the project workspace")
    return path


THURROCK_2018_19 = "complaints-2018-19-word.pdf"
EASTMOOR_2018_19 = "eastmoor-2018-19-reportlab.pdf"


@pytest.fixture()
def reports_dir(tmp_path: Path) -> Path:
    """A folder holding two councils' 2018/19 reports (Thurrock's 10 areas, rendered by Word;
    Eastmoor's 3, by reportlab), as a data engineer would have them."""
    folder = tmp_path / "raw_reports"
    folder.mkdir()
    for name in (THURROCK_2018_19, EASTMOOR_2018_19):
        shutil.copy(PDFS / name, folder)
    return folder


@pytest.fixture(scope="session")
def sample_2018_19_db(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Each producer's 2018/19 sample ingested into its own warehouse."""
    dbs = {}
    for producer in PRODUCERS:
        folder = tmp_path_factory.mktemp(producer)
        pdf = shutil.copy(PDFS / f"complaints-2018-19-{producer}.pdf", folder)
        db = folder / "warehouse.duckdb"
        summary = ingest([Path(pdf)], db, workers=1)
        assert not summary.failed, summary.failed
        dbs[producer] = db
    return dbs


def fetch(db: Path, sql: str, params: list | None = None) -> list[tuple]:
    with warehouse(db, read_only=True) as con:
        return con.execute(sql, params or []).fetchall()





def snapshot(db: Path, leave_out: frozenset[str] = frozenset({"ingested_at"})
             ) -> dict[str, list[tuple]]:
    """Every table's rows, sorted, without the columns `leave_out` (the load timestamp):
    equal snapshots = same data."""
    tables = {}
    with warehouse(db, read_only=True) as con:
        for table in report_tables():
            columns = [r[0] for r in con.execute(f"DESCRIBE {table}").fetchall()
                       if r[0] not in leave_out]
            rows = con.execute(f"SELECT {', '.join(columns)} FROM {table}").fetchall()
            tables[table] = sorted(rows, key=repr)
    return tables


def expected_outcomes(truth: dict, table: str) -> dict[tuple, dict]:
    """{(directorate, area, period, stage): {measure: value}} from a golden file's
    dashboards (table='stage_outcomes') or Top Ten rows (table='top_ten')."""
    expected = {}
    entries = truth["dashboards"] if table == "stage_outcomes" else truth["top_ten"]
    for entry in entries:
        figures = entry["comparative"] if table == "stage_outcomes" else entry
        for period, values in ((truth["report_year"], figures["current"]),
                               (truth["prior_year"], figures["prior"])):
            for stage, measures in golden_by_stage(truth["figure_columns"], values).items():
                expected[(entry["directorate"], entry["service_area"], period, stage)] = measures
    return expected



def ocr_figures_right_and_verified(db: Path, truth: dict) -> int:
    """How many figures a scanned report loaded, once each is checked against the golden
    file and found verified (an `ocr_verified` finding names it). OCR may misread a
    directorate, so figures are matched by area, period and stage."""
    verified = {(detail.split(" ")[0], area, period, stage) for detail, area, period, stage in
                fetch(db, "SELECT detail, service_area, period, stage FROM data_quality_issues "
                          "WHERE check_name = 'ocr_verified'")}
    loaded = 0
    for table in ("stage_outcomes", "top_ten"):
        want = {key[1:]: measures for key, measures in expected_outcomes(truth, table).items()}
        for key, measures in loaded_outcomes(db, table).items():
            for measure, value in measures.items():
                if value is None:
                    continue
                loaded += 1
                assert value == want[key[1:]][measure], (table, key, measure)
                assert (f"{table}.{measure}", *key[1:]) in verified, (table, key, measure)
    return loaded


def loaded_outcomes(db: Path, table: str, where: str = "TRUE") -> dict[tuple, dict]:
    rows = fetch(db, f"""SELECT directorate, service_area, period, stage, received, upheld_pct,
                                escalated, upheld_not_upheld_prev_pct
                         FROM {table} JOIN reports USING (report_id) WHERE {where}""")
    return {r[:4]: dict(zip(MEASURES, r[4:], strict=True)) for r in rows}
