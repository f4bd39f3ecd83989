"""Crash safety: an ingest killed at any moment (SIGKILL: no clean-up runs) leaves a warehouse
that opens and holds only whole reports, and a re-run finishes the job to exactly what an
uninterrupted run gives. A second ingest started meanwhile waits, or fails with one line."""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pipeline.errors import WarehouseBusyError
from pipeline.run import ingest
from pipeline.warehouse import open_warehouse
from tests.conftest import PDFS

REPO = Path(__file__).parent.parent
# One report per council-year (a second file for a loaded council-year would be refused).
COPIES = ("complaints-2017-18-reportlab.pdf", "complaints-2018-19-word.pdf",
          "eastmoor-2018-19-reportlab.pdf")
KILLS = 5
BUSY_HINT = ("Another process is writing; an ingest holds the lock only while it loads "
             "reports, never while it reads PDFs, so retry, or raise --lock-wait.")


def make_copies(folder: Path) -> Path:
    """The sample reports under other names, each with its own bytes (so its own sha256)."""
    folder.mkdir()
    for n, name in enumerate(COPIES, start=1):
        data = (PDFS / name).read_bytes()
        (folder / f"copy{n}-{name}").write_bytes(data + f"\n% copy {n}\n".encode())
    return folder


def start_ingest(folder: Path, db: Path, *prefix: str) -> subprocess.Popen:
    command = prefix or ("-m", "pipeline")
    return subprocess.Popen(
        [sys.executable, *command, "ingest", str(folder), "--db", str(db), "--workers", "1"],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        start_new_session=True)  # its own process group: the kill takes any child with it


def report_tables(con) -> list[str]:
    """Every base table but `ingest_runs`, the history an interrupted run rightly adds to."""
    return [t for (t,) in con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' "
        "AND table_type = 'BASE TABLE' AND table_name <> 'ingest_runs' ORDER BY 1").fetchall()]


def columns(con, table: str) -> list[str]:
    return [c for (c,) in con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = ? "
        "AND column_name <> 'ingested_at' ORDER BY ordinal_position", [table]).fetchall()]


def snapshot(db: Path) -> dict[str, list[tuple]]:
    """Every table's rows (all columns but ingested_at), sorted."""
    con = open_warehouse(db)
    try:
        return {t: con.execute(f"SELECT {', '.join(columns(con, t))} FROM {t} "
                               "ORDER BY ALL").fetchall() for t in report_tables(con)}
    finally:
        con.close()


def per_report_counts(db: Path) -> dict[tuple[str, str], int]:
    """{(file name, table): rows} for every report row and every table keyed by report_id."""
    con = open_warehouse(db)  # read-write, as the next ingest would: replays the WAL
    try:
        counts: dict[tuple[str, str], int] = {}
        names = dict(con.execute("SELECT report_id, file_name FROM reports").fetchall())
        for table in report_tables(con):
            if "report_id" not in columns(con, table):
                continue
            orphans = con.execute(f"SELECT count(*) FROM {table} WHERE report_id NOT IN "
                                  "(SELECT report_id FROM reports)").fetchone()[0]
            assert orphans == 0, f"{orphans} orphan rows in {table}"
            for report_id, name in names.items():
                counts[(name, table)] = con.execute(
                    f"SELECT count(*) FROM {table} WHERE report_id = ?", [report_id]).fetchone()[0]
        return counts
    finally:
        con.close()


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> tuple[Path, dict, dict, float]:
    """One uninterrupted run of the copies: what every interrupted run must end up as."""
    folder = make_copies(tmp_path_factory.mktemp("ref") / "in")
    db = folder.parent / "reference.duckdb"
    summary = ingest([folder], db, workers=1)
    assert not summary.failed
    return folder, snapshot(db), per_report_counts(db), summary.seconds


def wal_size(db: Path) -> int:
    wal = db.with_name(db.name + ".wal")
    return wal.stat().st_size if wal.exists() else -1


def kill_at_random_moment(folder: Path, db: Path, window: float, rng: random.Random) -> str:
    """Start an ingest and SIGKILL it: after a random delay, or just as its n-th commit is
    written to the WAL (the views at start-up, then one commit per report). Returns what was
    done, for the failure message."""
    commits = rng.randint(1, len(COPIES) + 1) if rng.random() < 0.5 else 0
    delay = rng.uniform(0.2, window)
    last, seen = wal_size(db), 0
    proc = start_ingest(folder, db)
    started = time.monotonic()
    while proc.poll() is None and time.monotonic() - started < (2 * window if commits else delay):
        if commits and (size := wal_size(db)) != last:
            last, seen = size, seen + 1
            if seen == commits:
                break
        time.sleep(0.002 if commits else 0.01)
    elapsed = time.monotonic() - started
    if proc.poll() is not None:
        proc.communicate()
        return f"finished before the kill ({elapsed:.2f}s)"
    os.killpg(proc.pid, signal.SIGKILL)
    proc.communicate()
    return f"killed after {elapsed:.2f}s" + (f" (WAL change {seen})" if commits else "")


def test_sigkill_at_random_moments_never_leaves_a_partial_report(tmp_path, reference):
    ref_folder, ref_rows, ref_counts, ref_seconds = reference
    folder = tmp_path / "in"
    shutil.copytree(ref_folder, folder)
    db = tmp_path / "w.duckdb"
    rng = random.Random()
    window = 1.0 + ref_seconds  # interpreter start-up, then the whole run
    history = []
    for _ in range(KILLS):
        history.append(kill_at_random_moment(folder, db, window, rng))
        if not db.exists():
            continue  # killed before it created the warehouse
        counts = per_report_counts(db)  # opens, and no orphan rows in any table
        for (name, table), n in counts.items():  # each loaded report is whole
            assert n == ref_counts[(name, table)], (name, table, n, history)
    rerun = start_ingest(folder, db)
    stdout, stderr = rerun.communicate(timeout=120)
    assert rerun.returncode == 0, (stderr, history)
    assert snapshot(db) == ref_rows, history


def test_two_ingests_of_the_same_file_at_once_load_it_once(tmp_path):
    """Both extract at the same time (no lock is held while extracting); the one that loads
    second finds the same bytes loaded, inside its load transaction, and says "unchanged"."""
    folder = tmp_path / "in"
    folder.mkdir()
    one = Path(shutil.copy(PDFS / "complaints-2018-19-reportlab.pdf", folder))
    db = tmp_path / "w.duckdb"
    first = start_ingest(folder, db)
    deadline = time.monotonic() + 30
    while not db.exists() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert first.poll() is None, "the first ingest ended before the test could race it"
    second = start_ingest(folder, db)
    out_first, err_first = first.communicate(timeout=60)
    out_second, err_second = second.communicate(timeout=60)
    assert first.returncode == 0, err_first
    assert second.returncode == 0, err_second
    statuses = sorted(status for out in (out_first, out_second)
                      for status in ("loaded", "unchanged") if status in out)
    assert statuses == ["loaded", "unchanged"], (out_first, out_second)
    counts = per_report_counts(db)
    assert {name for name, _ in counts} == {one.name}
    assert counts[(one.name, "stage_outcomes")] == 60


def test_an_ingest_that_cannot_get_the_warehouse_fails_with_one_line(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    db = tmp_path / "w.duckdb"
    holder = subprocess.Popen(
        [sys.executable, "-c", "import duckdb, sys, time; con = duckdb.connect(sys.argv[1]); "
         "print('locked', flush=True); time.sleep(60)", str(db)],
        stdout=subprocess.PIPE, text=True, start_new_session=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(WarehouseBusyError) as caught:
            open_warehouse(db, wait=0.5)
        line = caught.value.one_line()
        assert line.startswith(f"{db}: warehouse is locked by a writer, PID {holder.pid} "
                               f"`{sys.executable} -c import duckdb")
        assert line.endswith(f"`. {BUSY_HINT}")
        # The CLI, waiting 1 s instead of the default 30 s (env COMPLAINTS_LOCK_WAIT).
        impatient = subprocess.Popen(
            [sys.executable, "-m", "pipeline", "ingest", str(folder), "--db", str(db),
             "--workers", "1"], cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True, start_new_session=True, env={**os.environ, "COMPLAINTS_LOCK_WAIT": "1"})
        _, stderr = impatient.communicate(timeout=60)
        assert impatient.returncode == 1
        waiting, error = stderr.strip().splitlines()
        assert waiting.startswith(f"Waiting: {db}: warehouse is locked by a writer, PID "
                                  f"{holder.pid} ")
        assert waiting.endswith("; retrying for up to 1s")
        assert error == f"Error: {line}"
    finally:
        os.killpg(holder.pid, signal.SIGKILL)
        holder.communicate()
    con = open_warehouse(db)  # the holder died holding the lock: the file is still usable
    con.close()
