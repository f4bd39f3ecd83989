"""The command line as a data engineer uses it: ingest a folder, re-run it, query, check."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from tests.conftest import EASTMOOR_2018_19, FIXTURES, PDFS, THURROCK_2018_19, fetch

runner = CliRunner()
BAD = FIXTURES / "bad"
BAD_REASONS = {
    "zero-bytes.pdf": "zero-bytes.pdf: empty file (0 bytes).",
    "text-named-pdf.pdf": "text-named-pdf.pdf: not a PDF (no %PDF header).",
    "truncated.pdf": "truncated.pdf: corrupt PDF (PSEOF: Unexpected EOF).",
    "password-protected.pdf": "password-protected.pdf: encrypted (password-protected).",
    "scanned-no-text.pdf": "scanned-no-text.pdf: no text layer.",
    "not-a-complaints-report.pdf": "not-a-complaints-report.pdf: not a complaints report (no "
                                   "Top Ten or Comparative Data table found).",
}


def run(*args: str, env: dict | None = None):
    return runner.invoke(app, list(args), env=env)


def test_ingest_loads_the_samples_then_skips_them_unchanged(reports_dir, tmp_path):
    db = tmp_path / "w.duckdb"
    first = run("ingest", str(reports_dir), "--db", str(db), "--workers", "1")
    assert first.exit_code == 0, first.output
    assert "loaded" in first.stdout
    counts = fetch(db, "SELECT count(*) FROM stage_outcomes")
    assert counts == [(60 + 18,)]  # Thurrock: 10 areas × 2 years × 3 stages; Eastmoor: 3 areas
    second = run("ingest", str(reports_dir), "--db", str(db), "--workers", "1")
    assert second.exit_code == 0
    # a run that changed nothing counts the unchanged files in one line instead of a table
    title, count_line = second.stdout.splitlines()
    assert title.startswith("Ingest: 2 file(s), 0 page(s), ")
    assert count_line == ("2 file(s) unchanged, already in the warehouse: not listed "
                          "(--verbose lists them)")
    listed = run("ingest", str(reports_dir), "--db", str(db), "--workers", "1", "--verbose")
    assert listed.exit_code == 0
    assert listed.stdout.count("unchanged") == 2  # a row each, no count line
    assert fetch(db, "SELECT count(*) FROM stage_outcomes") == counts
    assert fetch(db, "SELECT count(*) FROM reports") == [(2,)]


def test_a_changed_file_is_refused_unless_replace_then_replaces_that_reports_rows(
        reports_dir, tmp_path):
    db = tmp_path / "w.duckdb"
    assert run("ingest", str(reports_dir), "--db", str(db), "--workers", "1").exit_code == 0
    old_ids = fetch(db, "SELECT report_id FROM reports ORDER BY council")
    # The council re-publishes a corrected copy: new bytes (an incremental-update comment),
    # here under a new name in a subfolder; the old file is still in the folder.
    (reports_dir / "reissued").mkdir()
    target = reports_dir / "reissued" / "eastmoor-2018-19-corrected.pdf"
    target.write_bytes((reports_dir / EASTMOOR_2018_19).read_bytes() + b"\n% republished\n")
    refused = run("ingest", str(target), "--db", str(db), "--workers", "1")
    assert refused.exit_code == 1
    assert refused.stderr.strip() == (
        "Error: eastmoor-2018-19-corrected.pdf: Eastmoor Borough Council 2018/19 is already "
        "loaded from eastmoor-2018-19-reportlab.pdf (different bytes); nothing of this file was "
        "loaded. Pass --replace if this file is a corrected re-issue of that report.")
    assert fetch(db, "SELECT report_id FROM reports ORDER BY council") == old_ids
    result = run("ingest", str(target), "--db", str(db), "--workers", "1", "--replace")
    assert result.exit_code == 0, result.output
    assert "replaced" in result.stdout
    new_ids = fetch(db, "SELECT report_id FROM reports ORDER BY council")
    assert new_ids != old_ids and new_ids[1] == old_ids[1]  # Thurrock's untouched
    assert fetch(db, "SELECT council, report_year, source_path FROM reports WHERE council "
                     "LIKE 'Eastmoor%'") == [("Eastmoor Borough Council", "2018/19",
                                              "eastmoor-2018-19-corrected.pdf")]
    assert fetch(db, "SELECT count(DISTINCT report_id) FROM stage_outcomes") == [(2,)]
    assert fetch(db, "SELECT count(*) FROM stage_outcomes WHERE report_id NOT IN "
                     "(SELECT report_id FROM reports)") == [(0,)]


def test_each_bad_input_gets_one_line_and_the_good_files_still_load(reports_dir, tmp_path):
    for bad in BAD.iterdir():
        shutil.copy(bad, reports_dir)
    db = tmp_path / "w.duckdb"
    result = run("ingest", str(reports_dir), "--db", str(db), "--workers", "1")
    assert result.exit_code == 1
    error_lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(error_lines) == len(BAD_REASONS)
    for name, reason in BAD_REASONS.items():
        [line] = [x for x in error_lines if name in x]
        assert line.startswith(f"Error: {reason}")
    assert "Traceback" not in result.output
    loaded = {name for (name,) in fetch(db, "SELECT file_name FROM reports")}
    assert loaded == {THURROCK_2018_19, EASTMOOR_2018_19}
    for table in ("stage_outcomes", "top_ten", "quarantine", "data_quality_issues"):
        assert fetch(db, f"SELECT count(*) FROM {table} WHERE report_id NOT IN "
                         "(SELECT report_id FROM reports)") == [(0,)]


def test_missing_path_is_a_usage_error(tmp_path):
    result = run("ingest", str(tmp_path / "nowhere"), "--db", str(tmp_path / "w.duckdb"))
    assert result.exit_code == 2
    assert result.stderr.strip() == f"Error: no such file or folder: {tmp_path / 'nowhere'}"


@pytest.fixture()
def loaded_db(reports_dir, tmp_path) -> Path:
    db = tmp_path / "w.duckdb"
    assert run("ingest", str(reports_dir), "--db", str(db), "--workers", "1").exit_code == 0
    return db


def test_query_formats(loaded_db):
    sql = ("SELECT stage, received, upheld_pct FROM stage_outcomes s JOIN reports r "
           "USING (report_id) WHERE r.file_name LIKE '%word%' AND service_area = 'Repairs' "
           "AND period = '2018/19' ORDER BY stage")
    as_csv = run("query", sql, "--db", str(loaded_db), "--format", "csv")
    assert as_csv.exit_code == 0
    assert as_csv.stdout.splitlines() == ["stage,received,upheld_pct", "1,218,44.0", "2,36,33.0",
                                          "3,4,0.0"]
    as_json = run("query", sql, "--db", str(loaded_db), "--format", "json")
    assert json.loads(as_json.stdout)[0] == {"stage": 1, "received": 218, "upheld_pct": 44.0}


def test_query_opens_the_warehouse_read_only(loaded_db):
    result = run("query", "DELETE FROM stage_outcomes", "--db", str(loaded_db))
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: query failed:")
    assert "read-only" in result.stderr
    assert fetch(loaded_db, "SELECT count(*) FROM stage_outcomes") == [(78,)]


def test_query_without_a_warehouse(tmp_path):
    result = run("query", "SELECT 1", "--db", str(tmp_path / "none.duckdb"))
    assert result.exit_code == 1
    assert "no warehouse here yet; run `complaints ingest` first" in result.stderr


def test_db_from_environment(reports_dir, tmp_path):
    db = tmp_path / "env.duckdb"
    result = run("ingest", str(reports_dir), "--workers", "1", env={"COMPLAINTS_DB": str(db)})
    assert result.exit_code == 0
    assert fetch(db, "SELECT count(*) FROM reports") == [(2,)]


def test_reports_lists_counts(loaded_db):
    result = run("reports", "--db", str(loaded_db), "--format", "json")
    rows = json.loads(result.stdout)
    assert [(r["council"], r["report_year"], r["file_name"], r["stage_outcomes"])
            for r in rows] == [("Eastmoor Borough Council", "2018/19", EASTMOOR_2018_19, 18),
                               ("Thurrock Council", "2018/19", THURROCK_2018_19, 60)]
    assert [r["issues"] for r in rows] == [0, 28]


def test_check_lists_findings_and_strict_gates_on_errors(loaded_db):
    result = run("check", "--db", str(loaded_db), "--format", "csv", "--severity", "warning")
    assert result.exit_code == 0
    assert result.stdout.count("difference_arithmetic") == 3  # Thurrock's 3 slips
    assert run("check", "--db", str(loaded_db), "--strict").exit_code == 0
    with duckdb.connect(str(loaded_db)) as con:
        report_id = con.execute("SELECT min(report_id) FROM reports").fetchone()[0]
        con.execute("INSERT INTO data_quality_issues (report_id, council, report_year, severity, "
                    "check_name, detail, page) VALUES (?, 'Thurrock Council', '2018/19', "
                    "'error', 'value_quarantined', 'planted error', 1)", [report_id])
    strict = run("check", "--db", str(loaded_db), "--strict")
    assert strict.exit_code == 1
    assert strict.stderr.strip() == "Error: 1 error-severity finding(s)"


def test_newer_warehouse_schema_is_refused(tmp_path, reports_dir):
    db = tmp_path / "w.duckdb"
    assert run("ingest", str(reports_dir), "--db", str(db), "--workers", "1").exit_code == 0
    with duckdb.connect(str(db)) as con:
        con.execute("UPDATE warehouse_meta SET value = '99' WHERE key = 'schema_version'")
    result = run("ingest", str(reports_dir), "--db", str(db))
    assert result.exit_code == 1
    assert "warehouse schema v99 is newer than this tool's v5" in result.stderr


def test_every_command_has_help_and_is_in_the_readme():
    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    commands = [c.name for c in app.registered_commands]
    assert {"ingest", "query", "reports", "check"} <= set(commands)
    for command in commands:
        result = run(command, "--help")
        assert result.exit_code == 0
        assert len(result.stdout) > 100
        assert f"complaints {command}" in readme


def test_python_dash_m_pipeline_works():
    result = subprocess.run([sys.executable, "-m", "pipeline", "--help"], capture_output=True,
                            text=True, check=False, cwd=Path(__file__).parent.parent)
    assert result.returncode == 0
    assert "ingest" in result.stdout


def test_strict_ingest_refuses_a_report_with_errors_and_loads_the_rest(reports_dir, tmp_path):
    # Without its vocabulary the 2020/21 layout's figures are quarantined: error findings.
    shutil.copy(PDFS / "complaints-2020-21-newlayout-reportlab.pdf", reports_dir)
    db = tmp_path / "w.duckdb"
    result = run("ingest", str(reports_dir), "--db", str(db), "--workers", "1", "--strict")
    assert result.exit_code == 1
    [line] = [x for x in result.stderr.splitlines() if x.strip()]
    assert line.startswith("Error: complaints-2020-21-newlayout-reportlab.pdf: ")
    assert "error finding(s), first: " in line
    assert line.endswith("Run without --strict to load it with its findings.")
    loaded = {name for (name,) in fetch(db, "SELECT file_name FROM reports")}
    assert loaded == {THURROCK_2018_19, EASTMOOR_2018_19}


def test_a_warehouse_without_a_schema_version_is_refused(tmp_path, reports_dir):
    db = tmp_path / "old.duckdb"
    with duckdb.connect(str(db)) as con:  # tables, but not made by this tool (no version)
        con.execute("CREATE TABLE reports (report_id VARCHAR)")
    result = run("ingest", str(reports_dir), "--db", str(db), "--workers", "1")
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        f"Error: {db}: warehouse schema v0 is older than v5 and cannot be migrated. Re-create "
        "the warehouse (delete the file and ingest again) or upgrade the tool.")
    with duckdb.connect(str(db)) as con:
        assert con.execute("SELECT count(*) FROM reports").fetchone() == (0,)


def test_version_and_short_help():
    version = run("--version")
    assert version.exit_code == 0
    assert re.fullmatch(r"complaints \S+ \(extractor 1\.\S+\+[0-9a-f]{12}, warehouse schema "
                        r"v5\)\n", version.stdout)
    short = run("ingest", "-h")
    assert short.exit_code == 0 and "--replace" in short.stdout and "--council" in short.stdout


@pytest.mark.parametrize("args", [
    ("query", "SELECT 1", "--format", "xml"), ("reports", "--format", "yaml"),
    ("check", "--format", "html"), ("check", "--severity", "fatal"),
    ("trends", "Repairs", "--format", "png"), ("export", "--out", "x", "--format", "xlsx"),
    ("ingest", "--format", "csv"), ("ingest", "--parser", "mupdf")])
def test_a_value_outside_an_options_choices_is_a_usage_error(args, tmp_path):
    result = run(*args, "--db", str(tmp_path / "none.duckdb"))
    assert result.exit_code == 2
    assert f"Invalid value for '{args[-2]}" in result.stderr
    assert not (tmp_path / "none.duckdb").exists()


def test_ingest_json_is_one_object_per_file_and_quiet_prints_only_errors(reports_dir, tmp_path):
    db = tmp_path / "w.duckdb"
    (reports_dir / "broken.pdf").write_bytes(b"")
    result = run("ingest", str(reports_dir), "--db", str(db), "--workers", "1",
                 "--format", "json", "--quiet")
    assert result.exit_code == 1
    objects = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(o["source_path"], o["status"], o["council"], o["report_year"]) for o in objects] == [
        ("broken.pdf", "failed", None, None),
        (THURROCK_2018_19, "loaded", "Thurrock Council", "2018/19"),
        (EASTMOOR_2018_19, "loaded", "Eastmoor Borough Council", "2018/19")]
    assert objects[0]["error"] == "broken.pdf: empty file (0 bytes). Check the file is a " \
                                  "complete, unencrypted PDF."
    assert result.stderr.strip() == f"Error: {objects[0]['error']}"
    quiet = run("ingest", str(reports_dir / THURROCK_2018_19), "--db", str(db), "--quiet")
    assert quiet.exit_code == 0
    assert quiet.stdout == "" and quiet.stderr == ""


# (pydantic itself is imported by typer, to read the command line; the models are not.)
NOT_FOR_A_RERUN = ("pdfplumber", "pdfminer", "pypdfium2", "pyarrow", "pipeline.families",
                   "pipeline.extract.document", "schemas.records")
RERUN = ("import json, sys\nfrom pipeline.cli import app\n"
         "try:\n    app(['ingest', sys.argv[1], '--db', sys.argv[2], '-f', 'json'])\n"
         "except SystemExit as done:\n    code = done.code\n"
         f"print(json.dumps([code, [m for m in {NOT_FOR_A_RERUN!r} if m in sys.modules]]))")


def test_a_run_that_finds_every_file_loaded_imports_no_pdf_library(tmp_path):
    """A re-run over files loaded already hashes them and reads the warehouse: the PDF
    libraries, the table families and the record models (most of a run's start-up) are not
    imported at all (pipeline.run imports them once a file is to be read)."""
    db = tmp_path / "w.duckdb"
    pdf = PDFS / EASTMOOR_2018_19
    assert run("ingest", str(pdf), "--db", str(db), "--workers", "1").exit_code == 0
    again = subprocess.run([sys.executable, "-c", RERUN, str(pdf), str(db)],
                           capture_output=True, text=True, timeout=120)
    assert again.returncode == 0, again.stderr
    *outcomes, last = again.stdout.strip().splitlines()
    assert [json.loads(o)["status"] for o in outcomes] == ["unchanged"]
    assert json.loads(last) == [0, []]
    assert fetch(db, "SELECT status FROM ingest_runs ORDER BY recorded_at") == [
        ("loaded",), ("unchanged",)]
