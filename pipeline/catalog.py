"""The warehouse describes itself: COMMENT ON every table, view and column, and docs/schema.md,
both generated from one source (schemas/catalog.toml) so they cannot drift apart.

    python -m pipeline.catalog > docs/schema.md
"""

from __future__ import annotations

import sys
import tomllib
from functools import lru_cache
from importlib import resources
from typing import Any

import duckdb


@lru_cache(maxsize=1)
def catalog() -> dict[str, Any]:
    text = resources.files("schemas").joinpath("catalog.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


def _relation_columns(con: duckdb.DuckDBPyConnection, name: str) -> list[str]:
    return [r[0] for r in con.execute(
        "SELECT column_name FROM duckdb_columns() WHERE schema_name = 'main' "
        "AND table_name = ? ORDER BY column_index", [name]).fetchall()]


def column_meaning(table: str, column: str) -> str | None:
    entry = catalog()["tables"].get(table, {})
    own = entry.get("columns", {})
    return own.get(column) or catalog()["common"]["columns"].get(column)


def _quoted(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def comment_statements(con: duckdb.DuckDBPyConnection) -> list[str]:
    """COMMENT ON statements for every described relation and column present in `con`."""
    statements = []
    for name, entry in catalog()["tables"].items():
        columns = _relation_columns(con, name)
        if not columns:
            continue
        kind = "VIEW" if entry["kind"] == "view" else "TABLE"
        statements.append(f"COMMENT ON {kind} {name} IS {_quoted(entry['title'])}")
        for column in columns:
            meaning = column_meaning(name, column)
            if meaning:
                statements.append(f"COMMENT ON COLUMN {name}.{column} IS {_quoted(meaning)}")
    return statements


def render_markdown(con: duckdb.DuckDBPyConnection) -> str:
    """docs/schema.md: the same text as the comments, with the columns in table order."""
    lines = ["# Warehouse schema (the analysts' contract)", "",
             "<!-- Generated from schemas/catalog.toml by `python -m pipeline.catalog`; "
             "edit that file, not this one. -->", "", catalog()["intro"].strip(), ""]
    for name, entry in catalog()["tables"].items():
        kind = " (view)" if entry["kind"] == "view" else ""
        lines += [f"## {name}{kind} — {entry['title']}", ""]
        if entry.get("about"):
            lines += [entry["about"].strip(), ""]
        lines += ["| column | meaning |", "|---|---|"]
        for column in _relation_columns(con, name):
            lines.append(f"| {column} | {column_meaning(name, column) or ''} |")
        lines.append("")
    return "\n".join(lines)


def main() -> None:
    from pipeline.warehouse import create_schema

    con = duckdb.connect(":memory:")
    create_schema(con)
    sys.stdout.write(render_markdown(con))


if __name__ == "__main__":
    main()
