"""Loads go through one DuckDB instance per process that attaches the warehouse file for each
report and detaches it after (pipeline.warehouse_attach.attached_warehouse): the file lock
must be let go exactly as closing a connection lets it go, and a failed load must not leave it
attached."""

from __future__ import annotations

import subprocess
import sys
import time

import duckdb
import pytest

from pipeline import load, run, warehouse_attach, warehouse_lock
from pipeline.errors import WarehouseError
from pipeline.extract.limits import Limits
from pipeline.run import ingest
from pipeline.warehouse import open_warehouse
from tests.conftest import EASTMOOR_2018_19, PDFS, THURROCK_2018_19, fetch

TAKE_THE_WRITE_LOCK = ("import duckdb, sys; con = duckdb.connect(sys.argv[1]); "
                       "print(con.execute('SELECT council FROM reports').fetchall())")


def test_after_an_ingest_another_process_can_write_and_reads_what_was_loaded(tmp_path):
    db = tmp_path / "w.duckdb"
    assert not ingest([PDFS / EASTMOOR_2018_19], db, workers=1).failed
    other = subprocess.run([sys.executable, "-c", TAKE_THE_WRITE_LOCK, str(db)],
                           capture_output=True, text=True, timeout=60)
    assert other.returncode == 0, other.stderr
    assert other.stdout.strip() == "[('Eastmoor Borough Council',)]"


def test_a_failed_load_lets_go_of_the_file_and_the_next_load_works(tmp_path, monkeypatch):
    db = tmp_path / "w.duckdb"

    real_insert = load._insert_batches

    def failing_insert(con, batches):
        if any(table == "reports" for table, _ in batches):
            raise duckdb.IOException("disk full (simulated)")
        real_insert(con, batches)  # the run's log of the failure

    with monkeypatch.context() as patched:
        patched.setattr(load, "_insert_batches", failing_insert)
        [failed] = ingest([PDFS / EASTMOOR_2018_19], db, workers=1).failed
    assert failed.error.endswith("load failed, nothing of this report was loaded "
                                 "(disk full (simulated))")
    with duckdb.connect(str(db)) as con:  # not attached any more: the lock is free
        assert con.execute("SELECT count(*) FROM reports").fetchall() == [(0,)]
    assert not ingest([PDFS / THURROCK_2018_19], db, workers=1).failed
    assert fetch(db, "SELECT council FROM reports") == [("Thurrock Council",)]


def attachments_recorded(monkeypatch) -> list[str]:
    """A list to which every ATTACH and DETACH of the warehouse file appends itself."""
    events: list[str] = []
    real_attach, real_detach = warehouse_attach._attach, warehouse_attach._detach
    monkeypatch.setattr(warehouse_attach, "_attach",
                        lambda *a: (events.append("attach"), real_attach(*a))[1])
    monkeypatch.setattr(warehouse_attach, "_detach",
                        lambda *a, **k: (events.append("detach"), real_detach(*a, **k))[1])
    return events


def ingest_two_ready_at_once(db, monkeypatch, hold_seconds: float) -> list[str]:
    """Ingest two samples whose extractions finish together, with the loader's hold set to
    `hold_seconds`; the warehouse attachments and detachments, in order, after both were
    extracted."""
    events = attachments_recorded(monkeypatch)
    monkeypatch.setattr(load.ReportLoader, "HOLD_SECONDS", hold_seconds)

    def extract_both(todo, *args, before_wait, **kwargs):
        before_wait()  # waiting for the first: nothing attached yet
        events.append("both extracted")
        for path, sha in todo:
            yield path, run._extract_job(path, sha, Limits(max_memory=0))

    monkeypatch.setattr(run, "_extract_all", extract_both)
    summary = ingest([PDFS / EASTMOOR_2018_19, PDFS / THURROCK_2018_19], db, workers=1)
    assert [o.status for o in summary.outcomes] == ["loaded", "loaded"]
    assert fetch(db, "SELECT council FROM reports ORDER BY 1") == [
        ("Eastmoor Borough Council",), ("Thurrock Council",)]
    return events[events.index("both extracted") + 1:]


def test_reports_ready_together_share_one_attachment_let_go_before_any_wait(tmp_path,
                                                                              monkeypatch):
    """Two extractions finished at once are loaded through one ATTACH (each in its own
    transaction); the file is let go before the run waits for the next extraction and at the
    end, so another process can take the write lock after the run."""
    db = tmp_path / "w.duckdb"
    # a long hold, however slow the machine: one attachment for both, let go at the run's end
    assert ingest_two_ready_at_once(db, monkeypatch, 3600.0) == ["attach", "detach"]
    other = subprocess.run([sys.executable, "-c", TAKE_THE_WRITE_LOCK, str(db)],
                           capture_output=True, text=True, timeout=60)
    assert other.returncode == 0, other.stderr


def test_reports_ready_together_are_loaded_letting_go_every_hold_seconds(tmp_path, monkeypatch):
    """A run of ready reports never keeps readers out longer than HOLD_SECONDS: past it, the
    next report attaches afresh (here the hold is 0: each report its own attachment)."""
    assert ingest_two_ready_at_once(tmp_path / "w.duckdb", monkeypatch, 0.0) == [
        "attach", "detach", "attach", "detach"]


def test_after_letting_go_the_loader_gives_a_waiting_reader_its_turn(tmp_path, monkeypatch):
    """Reports ready back to back, the hold run out after each (0): between letting go and
    attaching again the loader waits READERS_TURN, two of a waiting reader's tries for the
    lock (a reader retrying every RETRY_SECONDS would otherwise miss the moment)."""
    turns = []
    monkeypatch.setattr(load, "_give_readers_their_turn",
                        lambda seconds: turns.append(seconds) if seconds > 0 else None)
    events = ingest_two_ready_at_once(tmp_path / "w.duckdb", monkeypatch, 0.0)
    assert events == ["attach", "detach", "attach", "detach"]
    [turn] = turns
    assert 0 < turn <= load.ReportLoader.READERS_TURN == 2 * warehouse_lock.RETRY_SECONDS


def test_the_loader_lets_go_before_each_extraction_it_waits_for(tmp_path, monkeypatch):
    """Extracting in this process (`--max-memory 0 --workers 1`), every file is waited for:
    the warehouse is let go before each, so a reader gets in between any two reports."""
    events = []
    monkeypatch.setattr(run, "_extract_job",
                        lambda path, *args: (events.append(f"extract {path.name}"), ("?", ()))[1])
    todo = [(PDFS / EASTMOOR_2018_19, "a"), (PDFS / THURROCK_2018_19, "b")]
    for path, _ in run._extract_all(todo, Limits(max_memory=0), 1,
                                    before_wait=lambda: events.append("let go")):
        events.append(f"load {path.name}")
    assert events == ["let go", f"extract {EASTMOOR_2018_19}", f"load {EASTMOOR_2018_19}",
                      "let go", f"extract {THURROCK_2018_19}", f"load {THURROCK_2018_19}"]


def test_a_warehouse_replaced_between_loads_is_checked_again(tmp_path):
    """The 'checked already' shortcut keys on the file's inode, size and modification time:
    a file swapped in by someone else (here: deleted, so ingest creates a new one) is opened
    as a stranger, its schema created and checked."""
    db = tmp_path / "w.duckdb"
    assert not ingest([PDFS / EASTMOOR_2018_19], db, workers=1).failed
    db.unlink()
    assert not ingest([PDFS / EASTMOOR_2018_19], db, workers=1).failed
    assert fetch(db, "SELECT council FROM reports") == [("Eastmoor Borough Council",)]


RESTATEMENTS = ("SELECT report_id, council, report_year, directorate, service_area, period, "
                "stage, detail, page FROM data_quality_issues "
                "WHERE check_name = 'restatement' ORDER BY ALL")


def test_restatements_refreshed_per_council_are_what_a_whole_refresh_finds(tmp_path):
    """A load redoes only its own council's restatements, and none for a council's only
    report: the 2018/19 report restates one 2017/18 figure (the planted one), loaded before
    and after it, beside another council's report, and re-read (--force)."""
    db = tmp_path / "w.duckdb"
    files = [PDFS / "complaints-2018-19-reportlab.pdf", PDFS / EASTMOOR_2018_19,
             PDFS / "complaints-2017-18-reportlab.pdf"]
    assert not ingest(files, db, workers=1).failed
    loaded = fetch(db, RESTATEMENTS)
    assert [(r[1], r[2], r[5]) for r in loaded] == [("Thurrock Council", "2018/19", "2017/18")]
    assert not ingest(files[:1], db, workers=1, force=True).failed
    assert fetch(db, RESTATEMENTS) == loaded
    with load.warehouse(db) as con:
        load.refresh_restatements(con)  # every council's, from scratch
    assert fetch(db, RESTATEMENTS) == loaded


def test_rows_go_in_as_given_each_column_cast_to_its_type(tmp_path):
    """A table's rows go to DuckDB as one list per column (load._insert_batches): every value
    arrives in its row, a column of NULLs included, a timestamp to the microsecond."""
    from datetime import datetime

    db = tmp_path / "w.duckdb"
    open_warehouse(db).close()  # a new warehouse, its schema created
    common = {"run_id": "r1", "run_started_at": datetime(2026, 11, 26, 17, 30, 0, 123456),
              "user_name": "analyst", "host_name": "h", "tool_version": "1.2.0+pdfium",
              "sha256": None, "council": None, "report_year": None, "report_id": None}
    rows = [{**common, "source_path": "a.pdf", "status": "failed", "detail": "a.pdf: corrupt",
             "recorded_at": datetime(2026, 11, 26, 17, 30, 1)},
            {**common, "source_path": "b.pdf", "status": "unchanged", "detail": None,
             "recorded_at": datetime(2026, 11, 26, 17, 30, 2, 5)}]
    with load.attached_warehouse(db) as con:
        load._insert_batches(con, [("ingest_runs", rows), ("quarantine", [])])
    assert fetch(db, "SELECT source_path, status, detail, recorded_at, run_started_at, sha256 "
                     "FROM ingest_runs ORDER BY source_path") == [
        ("a.pdf", "failed", "a.pdf: corrupt", datetime(2026, 11, 26, 17, 30, 1),
         datetime(2026, 11, 26, 17, 30, 0, 123456), None),
        ("b.pdf", "unchanged", None, datetime(2026, 11, 26, 17, 30, 2, 5),
         datetime(2026, 11, 26, 17, 30, 0, 123456), None)]
    assert fetch(db, "SELECT count(*) FROM quarantine") == [(0,)]


def test_a_first_ingest_claims_the_file_and_reads_pdfs_before_its_tables_exist(tmp_path,
                                                                               monkeypatch):
    """A new warehouse file is created at once (another ingest or a reader sees it is taken)
    and its tables come with the first load, while the PDFs are already being read; a reader
    opening it in between is told so in one line."""
    db = tmp_path / "new" / "w.duckdb"
    seen = []
    real_extract_all = run._extract_all

    def extract_all(*args, **kwargs):
        seen.append(db.exists())
        with pytest.raises(WarehouseError, match="the warehouse has no tables yet; an ingest "
                                                 "creating it adds them with its first report"):
            open_warehouse(db, read_only=True).close()
        yield from real_extract_all(*args, **kwargs)

    monkeypatch.setattr(run, "_extract_all", extract_all)
    assert not ingest([PDFS / EASTMOOR_2018_19], db, workers=1).failed
    assert seen == [True]
    assert fetch(db, "SELECT council FROM reports") == [("Eastmoor Borough Council",)]


def test_a_first_ingest_that_loads_nothing_still_leaves_the_warehouse_tables(tmp_path):
    db = tmp_path / "w.duckdb"
    empty = tmp_path / "no-reports"
    empty.mkdir()
    assert ingest([empty], db, workers=1).outcomes == []
    assert fetch(db, "SELECT count(*) FROM reports") == [(0,)]


def _slow_job(path, *args):
    time.sleep(0.5)  # the second result is half a second behind the first
    return "?", ()


@pytest.mark.parametrize(("hold", "expected"), [
    (3600.0, ["let go", "load a", "load b"]),
    (0.0, ["let go", "load a", "let go", "load b"]),
])
def test_waiting_for_an_extraction_the_loader_keeps_the_file_while_its_hold_lasts(
        monkeypatch, hold, expected):
    """With extraction in a worker process, a result not ready yet is waited for while the
    loader may still keep the warehouse (`hold`), and only then is the file let go: reports
    arriving within the hold share one attachment."""
    monkeypatch.setattr(run, "_extract_job", _slow_job)  # the forked worker inherits it
    events = []
    held = iter([0.0, hold])  # nothing attached before the first; the hold after it
    todo = [(PDFS / "a", "a"), (PDFS / "b", "b")]
    for path, _ in run._extract_all(todo, Limits(), 1, before_wait=lambda: events.append(
            "let go"), hold=lambda: next(held)):
        events.append(f"load {path.name}")
    assert events == expected


_REAL_EXTRACT_JOB = run._extract_job


def _second_one_late(path, *args):
    if path.name == EASTMOOR_2018_19:  # the second in the run's (sorted) order
        time.sleep(1.5)  # well after the first report was loaded
    return _REAL_EXTRACT_JOB(path, *args)


def test_two_reports_extracted_in_turn_share_one_attachment_within_the_hold(tmp_path,
                                                                            monkeypatch):
    """The real run: the second report's extraction finishes after the first was loaded; with
    a long hold, the loader kept the warehouse attached while it waited, and lets it go once,
    at the end (so another process can write after the run)."""
    events = attachments_recorded(monkeypatch)
    monkeypatch.setattr(load.ReportLoader, "HOLD_SECONDS", 3600.0)
    monkeypatch.setattr(run, "_extract_job", _second_one_late)  # the worker inherits it
    db = tmp_path / "w.duckdb"
    summary = ingest([PDFS / EASTMOOR_2018_19, PDFS / THURROCK_2018_19], db, workers=1)
    assert [o.status for o in summary.outcomes] == ["loaded", "loaded"]
    assert events == ["attach", "detach"], events
    other = subprocess.run([sys.executable, "-c", TAKE_THE_WRITE_LOCK, str(db)],
                           capture_output=True, text=True, timeout=60)
    assert other.returncode == 0, other.stderr


def test_a_no_change_ingest_checks_the_warehouse_whole_once(tmp_path, monkeypatch):
    """The read-only read at the run's start checks the file (cut short? this tool's
    schema?); writing the run's log right after, the file is as that read left it (same
    inode, size and modification time), so it is not checked again."""
    db = tmp_path / "w.duckdb"
    assert not ingest([PDFS / EASTMOOR_2018_19], db, workers=1).failed
    checks = []
    real_check = warehouse_attach.check_complete
    monkeypatch.setattr(warehouse_attach, "check_complete",
                        lambda *a: (checks.append("checked"), real_check(*a))[1])
    warehouse_attach._LEFT_AS.clear()  # as a new process would start
    summary = ingest([PDFS / EASTMOOR_2018_19], db, workers=1)
    assert [o.status for o in summary.outcomes] == ["unchanged"]
    assert checks == ["checked"]
    assert fetch(db, "SELECT status FROM ingest_runs ORDER BY rowid") == [
        ("loaded",), ("unchanged",)]
