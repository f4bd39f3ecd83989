"""Export every warehouse table and the trends view to Parquet or CSV files."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import duckdb

from pipeline.errors import ExportError
from pipeline.warehouse import report_tables

ExportFormat = Literal["parquet", "csv"]


def export_relations() -> tuple[str, ...]:
    return ("complaint_trends", *report_tables(), "ingest_runs")


def _copy(con: duckdb.DuckDBPyConnection, select: str, target: Path, options: str) -> None:
    escaped = str(target.resolve()).replace("'", "''")
    try:
        con.execute(f"COPY ({select}) TO '{escaped}' ({options})")
    except duckdb.Error as error:
        raise ExportError(f"cannot write {target.name} ({str(error).splitlines()[0]})",
                          file_name=str(target.parent)) from error


def export_relation(con: duckdb.DuckDBPyConnection, name: str, out_dir: Path,
                    fmt: ExportFormat) -> int:
    """One table or view; Parquet is partitioned by period where there is one and rows to
    partition. An empty table is still a (zero-row) file, so readers find every table."""
    columns = [r[0] for r in con.execute(f"DESCRIBE {name}").fetchall()]
    count = con.execute(f"SELECT count(*) FROM {name}").fetchone()[0]  # type: ignore[index]
    if fmt == "csv":
        _copy(con, f"SELECT * FROM {name}", out_dir / f"{name}.csv", "FORMAT csv, HEADER")
        return count
    target = out_dir / name
    if "period" in columns and count:
        # Hive folders cannot hold '/', so 2018/19 is filed as period_key=2018-19.
        _copy(con, f"SELECT *, replace(period, '/', '-') AS period_key FROM {name}", target,
              "FORMAT parquet, PARTITION_BY (period_key), OVERWRITE_OR_IGNORE")
    else:
        target.mkdir(parents=True, exist_ok=True)
        _copy(con, f"SELECT * FROM {name}", target / "data.parquet", "FORMAT parquet")
    return count


def export_warehouse(con: duckdb.DuckDBPyConnection, out_dir: Path,
                     fmt: ExportFormat) -> list[tuple[str, int]]:
    """[(relation, rows)] for every exported table and view."""
    out_dir.mkdir(parents=True, exist_ok=True)
    return [(name, export_relation(con, name, out_dir, fmt)) for name in export_relations()]
