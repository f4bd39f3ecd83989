"""A warehouse many councils and many runs share: report identity (council, year), council as
a dimension, removal, short write locks, a fingerprint that follows the vocabulary, and the
run history."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from pipeline import run as run_module
from pipeline.checks import CHECKS
from pipeline.cli import app
from pipeline.config import VOCABULARY_ENV, area_catalogue, reload_vocabulary
from pipeline.run import ingest
from pipeline.warehouse import open_warehouse
from tests.conftest import (
    EASTMOOR_2018_19,
    PDFS,
    expected_outcomes,
    fetch,
    golden,
    loaded_outcomes,
)

runner = CliRunner()
EASTMOOR = "Eastmoor Borough Council"
THURROCK = "Thurrock Council"
EASTMOOR_WORD = PDFS / "eastmoor-2018-19-word.pdf"
EASTMOOR_LABEL = PDFS / EASTMOOR_2018_19


def renamed_council(pdf: Path, council: bytes, target: Path) -> Path:
    """The reportlab sample with its council (named only in the document Title) replaced by
    a name of the same length, so the cross-reference offsets stay right."""
    data = pdf.read_bytes()
    assert data.count(b"Eastmoor Borough Council") == 1  # only in the document Title
    assert len(council) == len(b"Eastmoor Borough Council")
    target.write_bytes(data.replace(b"Eastmoor Borough Council", council))
    return target


@pytest.fixture(scope="module")
def both_councils(sample_2018_19_db, tmp_path_factory) -> Path:
    """Thurrock's 2018/19 report (Word) and Eastmoor's (reportlab): reports_dir, loaded."""
    db = Path(shutil.copy(sample_2018_19_db["word"], tmp_path_factory.mktemp("both") / "w.db"))
    assert not ingest([EASTMOOR_LABEL], db, workers=1).failed
    return db


def test_same_base_name_in_two_folders_never_collides(tmp_path):
    nest = tmp_path / "nest"
    (nest / "a").mkdir(parents=True)
    (nest / "b").mkdir()
    shutil.copy(EASTMOOR_WORD, nest / "a" / "report.pdf")
    renamed_council(EASTMOOR_LABEL, b"Westmoor Borough Council", nest / "b" / "report.pdf")
    db = tmp_path / "w.duckdb"
    first = ingest([nest], db, workers=1)
    assert [(o.source_path, o.status) for o in first.outcomes] == [
        ("a/report.pdf", "loaded"), ("b/report.pdf", "loaded")]
    assert fetch(db, "SELECT council, report_year, source_path, file_name FROM reports "
                     "ORDER BY source_path") == [
        (EASTMOOR, "2018/19", "a/report.pdf", "report.pdf"),
        ("Westmoor Borough Council", "2018/19", "b/report.pdf", "report.pdf")]
    again = ingest([nest], db, workers=1)  # nothing flips on a re-run
    assert [(o.source_path, o.status) for o in again.outcomes] == [
        ("a/report.pdf", "unchanged"), ("b/report.pdf", "unchanged")]
    # The same bytes under another name and folder are the same report: unchanged.
    (nest / "c").mkdir()
    shutil.copy(EASTMOOR_WORD, nest / "c" / "eastmoor-copy.pdf")
    third = ingest([nest / "c"], db, workers=1)
    assert [(o.source_path, o.status, o.council) for o in third.outcomes] == [
        ("eastmoor-copy.pdf", "unchanged", EASTMOOR)]
    assert fetch(db, "SELECT count(*) FROM reports") == [(2,)]


def test_two_councils_coexist_without_cross_talk(both_councils):
    db = both_councils
    for council, stem in ((THURROCK, "complaints-2018-19"), (EASTMOOR, "eastmoor-2018-19")):
        where = f"reports.council = '{council}'"
        assert loaded_outcomes(db, "stage_outcomes", where) == \
            expected_outcomes(golden(stem), "stage_outcomes")
        assert loaded_outcomes(db, "top_ten", where) == expected_outcomes(golden(stem), "top_ten")
    # Same areas, same periods, different figures: two series, nothing restated.
    assert fetch(db, "SELECT council, count(*), count(*) FILTER (restated) FROM "
                     "complaint_trends GROUP BY ALL ORDER BY 1") == [
        (EASTMOOR, 3 * 2 * 3, 0), (THURROCK, 10 * 2 * 3, 0)]
    assert fetch(db, "SELECT count(*) FROM data_quality_issues WHERE check_name = "
                     "'restatement'") == [(0,)]
    assert fetch(db, "SELECT count(*) FROM quarantine") == [(0,)]
    for table in ("report_sections", "stage_outcomes", "top_ten", "printed_differences",
                  "commentary", "service_commitments", "data_quality_issues"):
        rows = fetch(db, f"SELECT DISTINCT t.council = r.council FROM {table} t JOIN reports r "
                         "USING (report_id)")
        assert rows == [(True,)], table


def test_council_aliases_apply_to_their_council_only():
    assert area_catalogue(EASTMOOR).directorate("Neighbourhoods") == "Environment"
    assert area_catalogue(EASTMOOR).area("Missed Waste Collections").name == "Missed Collections"
    assert area_catalogue(THURROCK).directorate("Neighbourhoods") is None
    assert area_catalogue(THURROCK).area("Missed Waste Collections") is None
    assert area_catalogue().area("Missed Waste Collections") is None


def test_council_override_uses_that_councils_names(tmp_path):
    """--council says whose report it is; Thurrock's vocabulary cannot place Eastmoor's own
    area name, so those figures are quarantined, not guessed."""
    db = tmp_path / "w.duckdb"
    result = runner.invoke(app, ["ingest", str(EASTMOOR_WORD), "--db", str(db), "--workers",
                                 "1", "--council", THURROCK])
    assert result.exit_code == 0, result.output
    assert fetch(db, "SELECT council FROM reports") == [(THURROCK,)]
    assert fetch(db, "SELECT DISTINCT service_area FROM stage_outcomes ORDER BY 1") == [
        ("Council Tax",), ("Repairs",)]
    reasons = fetch(db, "SELECT DISTINCT reason FROM quarantine WHERE table_name = 'top_ten'")
    assert reasons == [("unknown service area 'Neighbourhoods – Missed Waste Collections' in "
                        "the Top Ten table (add it to schemas/areas.toml)",)]


def test_a_report_naming_no_council_fails_unless_council_is_given(tmp_path):
    anonymous = renamed_council(EASTMOOR_LABEL, b"Eastmoor Borough Cabinet",
                                tmp_path / "anonymous.pdf")
    db = tmp_path / "w.duckdb"
    result = runner.invoke(app, ["ingest", str(anonymous), "--db", str(db), "--workers", "1"])
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        "Error: anonymous.pdf: no council named in the report (title, cover or text). Pass "
        "--council NAME to say whose report it is.")
    given = runner.invoke(app, ["ingest", str(anonymous), "--db", str(db), "--workers", "1",
                                "--council", EASTMOOR])
    assert given.exit_code == 0, given.output
    assert fetch(db, "SELECT council, count(*) FROM stage_outcomes GROUP BY 1") == [
        (EASTMOOR, 18)]


@pytest.fixture(scope="module")
def two_thurrock_years(sample_2018_19_db, tmp_path_factory) -> Path:
    """Thurrock 2017/18 and 2018/19 plus Eastmoor 2018/19: one planted restatement."""
    db = Path(shutil.copy(sample_2018_19_db["reportlab"],
                          tmp_path_factory.mktemp("remove") / "template.duckdb"))
    assert not ingest([PDFS / "complaints-2017-18-reportlab.pdf", EASTMOOR_LABEL], db,
                      workers=2).failed
    return db


def per_table_counts(db: Path) -> dict[str, list[tuple]]:
    return {t: fetch(db, f"SELECT council, report_year, count(*) FROM {t} GROUP BY ALL "
                         "ORDER BY ALL")
            for t in ("reports", "report_sections", "stage_outcomes", "top_ten",
                      "printed_differences", "commentary", "service_commitments",
                      "data_quality_issues")}


def test_remove_by_council_and_year_deletes_every_row_and_recomputes_restatements(
        two_thurrock_years, tmp_path):
    db = Path(shutil.copy(two_thurrock_years, tmp_path / "w.duckdb"))
    assert fetch(db, "SELECT count(*) FROM data_quality_issues WHERE check_name = "
                     "'restatement'") == [(1,)]
    before = per_table_counts(db)
    result = runner.invoke(app, ["remove", "--council", THURROCK, "--year", "2017/18",
                                 "--db", str(db)])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == (
        "removed Thurrock Council 2017/18 (complaints-2017-18-reportlab.pdf)")
    after = per_table_counts(db)
    for table, rows in before.items():
        kept = [r for r in rows if r[:2] != (THURROCK, "2017/18")]
        if table == "data_quality_issues":  # the restatement was Thurrock 2018/19's finding
            kept = [(c, y, n - 1 if (c, y) == (THURROCK, "2018/19") else n) for c, y, n in kept]
        assert after[table] == kept, table
    assert fetch(db, "SELECT count(*) FROM data_quality_issues WHERE check_name = "
                     "'restatement'") == [(0,)]
    assert fetch(db, "SELECT status, council, report_year FROM ingest_runs WHERE status = "
                     "'removed'") == [("removed", THURROCK, "2017/18")]


def test_remove_by_file_and_usage_errors(two_thurrock_years, tmp_path):
    db = Path(shutil.copy(two_thurrock_years, tmp_path / "w.duckdb"))
    renamed = Path(shutil.copy(EASTMOOR_LABEL, tmp_path / "renamed.pdf"))  # matched by bytes
    result = runner.invoke(app, ["remove", str(renamed), "--db", str(db)])
    assert result.exit_code == 0, result.output
    assert fetch(db, "SELECT DISTINCT council FROM stage_outcomes") == [(THURROCK,)]
    again = runner.invoke(app, ["remove", str(renamed), "--db", str(db)])
    assert again.exit_code == 1
    assert again.stderr.strip() == (f"Error: no loaded report matches {renamed}. "
                                    "`complaints reports` lists them.")
    neither = runner.invoke(app, ["remove", "--db", str(db)])
    assert neither.exit_code == 2
    assert neither.stderr.strip() == "Error: give a FILE, or --council and --year (not both)"


def test_extraction_holds_no_lock_a_reader_opens_meanwhile(tmp_path, monkeypatch):
    db = tmp_path / "w.duckdb"
    open_warehouse(db).close()
    real = run_module.extract_report
    said = tmp_path / "reader-said.txt"  # extraction runs in a worker process: a file, not a list

    def extract_while_a_reader_connects(path, sha, limits, council=None, **options):
        reader = subprocess.run(
            [sys.executable, "-c", "import duckdb, sys; duckdb.connect(sys.argv[1], "
             "read_only=True).close(); print('opened')", str(db)],
            capture_output=True, text=True, check=False)
        with said.open("a", encoding="utf-8") as out:
            out.write((reader.stdout.strip() or reader.stderr.strip().splitlines()[-1]) + "\n")
        return real(path, sha, limits, council, **options)

    monkeypatch.setattr(run_module, "extract_report", extract_while_a_reader_connects)
    assert not ingest([EASTMOOR_WORD], db, workers=1).failed
    assert said.read_text(encoding="utf-8").splitlines() == ["opened"]


def test_an_open_reader_delays_the_load_and_the_wait_says_who_holds_it(tmp_path):
    db = tmp_path / "w.duckdb"
    open_warehouse(db).close()
    waited = tmp_path / "ingest-waited"  # the reader lets go once the ingest has said it waits
    reader = subprocess.Popen(
        [sys.executable, "-c", "import duckdb, os, sys, time; con = duckdb.connect(sys.argv[1], "
         "read_only=True); print('open', flush=True)\n"
         "deadline = time.monotonic() + 60\n"
         "while not os.path.exists(sys.argv[2]) and time.monotonic() < deadline: "
         "time.sleep(0.05)", str(db), str(waited)],
        stdout=subprocess.PIPE, text=True)
    waits: list[str] = []

    def on_wait(message: str) -> None:
        waits.append(message)
        waited.touch()

    try:
        assert reader.stdout.readline().strip() == "open"
        summary = ingest([EASTMOOR_WORD], db, workers=1, lock_wait=90, on_wait=on_wait)
    finally:
        reader.communicate(timeout=90)
    assert [o.status for o in summary.outcomes] == ["loaded"]
    [message] = waits
    assert message.startswith(f"{db}: warehouse is locked by a read-only connection (an "
                              f"analyst's session?), PID {reader.pid} `{sys.executable} -c")
    assert message.endswith("; retrying for up to 90s")


@pytest.fixture()
def vocabulary(monkeypatch, tmp_path):
    """Point COMPLAINTS_VOCABULARY at a folder holding the given areas.toml text."""
    def use(areas_toml: str) -> None:
        folder = tmp_path / f"vocabulary-{len(list(tmp_path.glob('vocabulary-*')))}"
        folder.mkdir()
        (folder / "areas.toml").write_text(areas_toml, encoding="utf-8")
        monkeypatch.setenv(VOCABULARY_ENV, str(folder))
        reload_vocabulary()

    yield use
    monkeypatch.delenv(VOCABULARY_ENV, raising=False)
    reload_vocabulary()


def test_reextract_follows_the_vocabulary_exactly_the_reports_it_affects(
        both_councils, reports_dir, tmp_path, vocabulary):
    db = Path(shutil.copy(both_councils, tmp_path / "w.duckdb"))
    vocabulary('[[council_alias]]\ncouncil = "Eastmoor Borough Council"\n'
               'directorate = "Housing"\nname = "Repairs"\naliases = ["Home Repairs"]\n')
    plain = ingest([reports_dir], db, workers=1)
    assert [(o.council, o.status, o.note) for o in plain.outcomes] == [
        (THURROCK, "unchanged", None),
        (EASTMOOR, "unchanged", "extractor or vocabulary changed since it was loaded: "
                                "--reextract re-reads it")]
    again = ingest([reports_dir], db, workers=1, reextract=True)
    assert [(o.council, o.status) for o in again.outcomes] == [
        (THURROCK, "unchanged"), (EASTMOOR, "replaced")]
    # A shared alias can change any council's reading: both would be re-read.
    vocabulary('[[area]]\ndirectorate = "Housing"\nname = "Repairs"\n'
               'aliases = ["Home Repairs"]\n')
    shared = ingest([reports_dir], db, workers=1)
    assert [o.note for o in shared.outcomes] == [plain.outcomes[1].note] * 2


def test_ingest_runs_records_who_what_when_and_the_outcome(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(EASTMOOR_WORD, folder)
    (folder / "broken.pdf").write_bytes(b"not a pdf")
    db = tmp_path / "w.duckdb"
    ingest([folder], db, workers=1)
    ingest([folder], db, workers=1)
    rows = fetch(db, "SELECT run_id, source_path, status, council, report_year, detail, "
                     "user_name <> '' AND host_name <> '', tool_version LIKE '1.%+%' "
                     "FROM ingest_runs ORDER BY recorded_at, run_id, source_path")
    runs = list(dict.fromkeys(r[0] for r in rows))
    assert len(runs) == 2
    broken = "broken.pdf: not a PDF (no %PDF header). Check the file is a complete, " \
             "unencrypted PDF."
    assert sorted(r[1:] for r in rows if r[0] == runs[0]) == [
        ("broken.pdf", "failed", None, None, broken, True, True),
        ("eastmoor-2018-19-word.pdf", "loaded", EASTMOOR, "2018/19", None, True, True)]
    assert sorted(r[1:] for r in rows if r[0] == runs[1]) == [
        ("broken.pdf", "failed", None, None, broken, True, True),
        ("eastmoor-2018-19-word.pdf", "unchanged", EASTMOOR, "2018/19", None, True, True)]


def test_the_warehouse_types_and_keys_hold(tmp_path):
    db = tmp_path / "w.duckdb"
    assert not ingest([EASTMOOR_LABEL], db, workers=1).failed
    types = dict(fetch(db, "SELECT table_name || '.' || column_name, data_type FROM "
                           "duckdb_columns() WHERE column_name IN ('severity', 'check_name', "
                           "'attribution', 'measure', 'status', 'period_start')"))
    assert types["data_quality_issues.severity"] == "ENUM('error', 'warning', 'info')"
    assert types["data_quality_issues.check_name"] == "ENUM({})".format(  # the registry's names
        ", ".join(f"'{name}'" for name in CHECKS))
    assert types["report_sections.attribution"].startswith("ENUM(")
    assert types["printed_differences.measure"].startswith("ENUM(")
    assert types["ingest_runs.status"].startswith("ENUM(")
    assert types["stage_outcomes.period_start"] == "INTEGER"
    assert fetch(db, "SELECT DISTINCT period, period_start FROM stage_outcomes ORDER BY 1") == [
        ("2017/18", 2017), ("2018/19", 2018)]
    with duckdb.connect(str(db)) as con:
        for bad in ("INSERT INTO reports BY NAME SELECT * EXCLUDE (report_year_start) "
                    "REPLACE ('x' AS report_id, 'y' AS sha256) FROM reports",  # same identity
                    "INSERT INTO data_quality_issues (report_id, council, report_year, severity, "
                    "check_name, detail) VALUES ('x', 'c', '2018/19', 'fatal', 'restatement', "
                    "'d')",
                    "UPDATE stage_outcomes SET upheld_pct = 101",
                    "UPDATE stage_outcomes SET stage = 4",
                    "UPDATE stage_outcomes SET period = '2018-19'"):
            with pytest.raises(duckdb.Error):
                con.execute(bad)


def test_every_table_view_and_column_has_a_comment_and_docs_match(tmp_path):
    from pipeline.catalog import render_markdown

    db = tmp_path / "w.duckdb"
    con = open_warehouse(db)
    try:
        relations = con.execute(
            "SELECT table_name, comment FROM duckdb_tables() WHERE schema_name = 'main' UNION "
            "ALL SELECT view_name, comment FROM duckdb_views() WHERE schema_name = 'main' "
            "AND NOT internal").fetchall()
        columns = con.execute("SELECT table_name, column_name, comment FROM duckdb_columns() "
                              "WHERE schema_name = 'main' AND table_name IN (SELECT unnest(?))",
                              [[name for name, _ in relations]]).fetchall()
        docs = render_markdown(con)
    finally:
        con.close()
    assert len(relations) == 12  # eleven tables and the complaint_trends view
    assert [name for name, comment in relations if not comment] == []
    assert len(columns) > 100
    assert [(t, c) for t, c, comment in columns if not comment] == []
    schema_md = Path(__file__).parent.parent / "docs" / "schema.md"
    assert schema_md.read_text(encoding="utf-8") == docs, \
        "docs/schema.md is stale: run `python -m pipeline.catalog > docs/schema.md`"
