"""The README is true: its two set-up commands match CI, and every SQL example runs."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pipeline.run import ingest
from tests.conftest import fetch

REPO = Path(__file__).parent.parent
README = (REPO / "README.md").read_text(encoding="utf-8")
SQL_EXAMPLES = re.findall(r"```sql\n(.*?)```", README, re.S)


@pytest.fixture(scope="module")
def raw_reports_db(tmp_path_factory) -> Path:
    db = tmp_path_factory.mktemp("readme") / "w.duckdb"
    assert not ingest([REPO / "raw_reports"], db, workers=2).failed
    return db


def test_readme_test_command_is_what_ci_runs():
    [command] = re.findall(r"```sh\n(python3 -m venv .venv && .*pytest)\n```", README)
    assert command in (REPO / ".ci" / "run").read_text(encoding="utf-8")


def test_readme_main_command_ingests_raw_reports():
    assert "complaints ingest raw_reports/" in README


@pytest.mark.parametrize("sql", SQL_EXAMPLES, ids=lambda s: s.splitlines()[0][:40])
def test_every_readme_sql_example_runs_and_returns_rows(raw_reports_db, sql):
    assert fetch(raw_reports_db, sql), "the example returns nothing on the sample reports"


def test_there_are_sql_examples():
    assert len(SQL_EXAMPLES) >= 8


def test_readme_lists_every_registered_check_and_no_other():
    """The README's table of checks is the registry (pipeline/checks.py), row for row."""
    from pipeline.checks import CHECKS

    section = README[README.index("## What the pipeline checks"):README.index("## Bad input")]
    listed = [line for line in section.splitlines() if line.startswith("| `")]
    assert listed == [f"| `{c.name}` | {c.severity} | {c.catches} |" for c in CHECKS.values()]
