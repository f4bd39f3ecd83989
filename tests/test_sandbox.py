"""The read paths are a sandbox: SQL handed to `complaints query` (or reaching any read-only
connection) cannot write the warehouse through a second name for it, write or read other
files, or fetch code. Each escape found against the old read-only connection has a test."""

from __future__ import annotations

import os
import shutil

import duckdb
import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.warehouse import open_warehouse
from tests.conftest import fetch

DISABLED = "file system operations are disabled by configuration"


@pytest.fixture()
def db(sample_2018_19_db, tmp_path):
    """A private copy of an ingested warehouse (the tests try to damage it)."""
    copy = tmp_path / "warehouse.duckdb"
    shutil.copy(sample_2018_19_db["reportlab"], copy)
    return copy


def query(db, sql: str):
    return CliRunner().invoke(app, ["query", sql, "--db", str(db)])


def refused(result, path: str) -> None:
    assert result.exit_code == 1, result.output
    assert result.stderr.strip() == (f'Error: query failed: Permission Error: Cannot access file '
                                     f'"{path}" - {DISABLED}')
    assert "Traceback" not in result.output


def test_attach_another_database_read_write_and_delete_is_refused(db, tmp_path):
    other = tmp_path / "other.duckdb"
    con = duckdb.connect(str(other))
    con.execute("CREATE TABLE kept AS SELECT * FROM range(3) t(n)")
    con.close()
    result = query(db, f"ATTACH '{other}' AS other (READ_WRITE); DELETE FROM other.kept")
    refused(result, str(other))
    con = duckdb.connect(str(other), read_only=True)
    assert con.execute("SELECT count(*) FROM kept").fetchall() == [(3,)]
    con.close()


def test_attach_a_hard_link_to_the_warehouse_itself_is_refused(db, tmp_path):
    link = tmp_path / "same-file.duckdb"
    os.link(db, link)
    result = query(db, f"ATTACH '{link}' AS again (READ_WRITE); "
                       "DELETE FROM again.stage_outcomes")
    refused(result, str(link))
    assert fetch(db, "SELECT count(*) FROM stage_outcomes") == [(60,)]


def test_copy_to_a_path_is_refused(db, tmp_path):
    target = tmp_path / "leak.csv"
    result = query(db, f"COPY (SELECT * FROM reports) TO '{target}'")
    refused(result, str(target))
    assert not target.exists()


@pytest.mark.parametrize("reader", ["read_csv('/etc/passwd')", "read_text('/etc/passwd')"])
def test_reading_a_file_of_the_machine_is_refused(db, reader):
    refused(query(db, f"SELECT * FROM {reader}"), "/etc/passwd")


def test_install_is_refused_without_touching_the_network(db):
    result = query(db, "INSTALL sqlite")
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: query failed: Permission Error: ")
    assert DISABLED in result.stderr


def test_the_sandbox_cannot_be_switched_off(db):
    result = query(db, "SET enable_external_access = true")
    assert result.exit_code == 1
    assert result.stderr.strip() == ('Error: query failed: Invalid Input Error: Cannot change '
                                     'configuration option "enable_external_access" - the '
                                     'configuration has been locked')


def test_every_read_only_connection_is_sandboxed(db):
    """`query`, `trends`, `reports`, `check` and `export` all read through open_warehouse."""
    con = open_warehouse(db, read_only=True)
    try:
        with pytest.raises(duckdb.PermissionException, match=DISABLED):
            con.execute("SELECT * FROM read_csv('/etc/passwd')")
        assert con.execute("SELECT count(*) FROM complaint_trends").fetchall() == [(60,)]
    finally:
        con.close()


def test_the_sandbox_still_answers_queries_and_trends(db):
    result = query(db, "SELECT count(*) AS n FROM stage_outcomes")
    assert result.exit_code == 0 and " 60 " in result.stdout
    trends = CliRunner().invoke(app, ["trends", "Repairs", "--db", str(db)])
    assert trends.exit_code == 0, trends.output


def test_export_writes_only_inside_its_own_folder(db, tmp_path):
    out = tmp_path / "export"
    result = CliRunner().invoke(app, ["export", "--out", str(out), "--format", "csv",
                                      "--db", str(db)])
    assert result.exit_code == 0, result.output
    assert (out / "stage_outcomes.csv").read_text(encoding="utf-8").count("\n") == 61
