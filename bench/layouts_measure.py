"""Measuring for bench/layouts.py: ingest rendered variants, score each against its golden.

Uses only the package's public API (pipeline.run.ingest) and the warehouse's documented
tables (through samples/truth.py, which is written from the golden files only).
"""

from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from samples import truth


@dataclass
class Measured:
    """One variant's score, with what it was (for grouping by dimension value)."""

    entry: dict  # the manifest entry: file, golden, seed, producer, choices, ...
    score: truth.Score
    error: str | None
    seconds: float  # this run's ingest time of the file (its share of one batch)


def measure(entries: list[dict], corpus: Path, goldens: dict[str, dict],
            workers: int = 2, limits: Any = None) -> tuple[list[Measured], float]:
    """Ingest every entry's PDF into one fresh warehouse and score each file on its own
    (`limits`: the ingest's bounds, its defaults if None). Returns the scores and the
    wall-clock seconds of the ingest."""
    with tempfile.TemporaryDirectory(prefix="bench-layouts-") as tmp:
        db = Path(tmp) / "warehouse.duckdb"
        started = time.monotonic()
        outcomes = {o.file_name: o for o in truth.ingest_variants(entries, corpus, db,
                                                                   workers, limits)}
        wall = time.monotonic() - started
        measured = []
        for entry in entries:
            outcome = outcomes.get(entry["file"])
            failed = outcome is None or outcome.status == "failed"
            error = None if not failed else (outcome.error if outcome else "not ingested")
            loaded = truth.loaded_rows(db, entry["file"])
            measured.append(Measured(entry, truth.score(goldens[entry["golden"]], loaded,
                                                        failed),
                                     error, outcome.seconds if outcome else 0.0))
    return measured, wall
