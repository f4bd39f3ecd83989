"""Other producers' re-makes of every committed sample, scored against the hand-made truth.

Makes each committed sample again through every tool of samples/reproduce.py (pdftocairo,
Ghostscript; Debian's poppler-utils and ghostscript), ingests them (one council per batch, as
bench/layouts.py does) and writes, per file and per tool, figure recall, commentary
similarity, commitment recall, values loaded wrong and values quarantined, with the most
frequent quarantine reasons, to bench/RESULTS-producers.md. Every figure is this run's.

    .venv/bin/python bench/producers.py [--out FILE]
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from samples import truth  # noqa: E402
from samples.reproduce import GOLDEN  # noqa: E402
from samples.reproduce import main as reproduce  # noqa: E402


def _row(name: str, score: truth.Score) -> str:
    figures = score.figures_recalled / score.figure_cells if score.figure_cells else 1.0
    commentary = (score.commentary_similarity / score.commentary_cells
                  if score.commentary_cells else 1.0)
    commitments = (score.commitments_recalled / score.commitment_rows
                   if score.commitment_rows else 1.0)
    return (f"| {name} | {score.files} | {score.files_failed} | {100 * figures:.2f}% | "
            f"{commentary:.4f} | {100 * commitments:.2f}% | {score.values_wrong} | "
            f"{score.quarantined} |")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "RESULTS-producers.md")
    args = parser.parse_args(argv)
    started = time.monotonic()
    commit = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"],
                            capture_output=True, text=True).stdout.strip() or "unknown"
    goldens = {g.stem: json.loads(g.read_text(encoding="utf-8")) for g in GOLDEN.glob("*.json")}
    with tempfile.TemporaryDirectory(prefix="bench-producers-") as tmp:
        folder = Path(tmp)
        reproduce(["--all", str(folder)])
        entries = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        db = folder / "warehouse.duckdb"
        ingest_started = time.monotonic()
        outcomes = {o.file_name: o for o in truth.ingest_variants(entries, folder, db, 2)}
        ingest_seconds = time.monotonic() - ingest_started
        per_file, per_tool = [], {}
        for entry in entries:
            outcome = outcomes.get(entry["file"])
            failed = outcome is None or outcome.status == "failed"
            score = truth.score(goldens[entry["golden"]], truth.loaded_rows(db, entry["file"]),
                                failed)
            per_file.append((entry, score))
            per_tool.setdefault(entry["producer"], truth.Score()).add(score)
    total = truth.Score()
    for score in per_tool.values():
        total.add(score)
    header = ("| set | files | failed | figure recall | commentary similarity | commitment "
              "recall | values wrong | quarantined |\n| --- | --- | --- | --- | --- | --- | "
              "--- | --- |")
    wrong = [example for _, score in per_file for example in score.wrong_examples]
    lines = [
        "# Other producers' re-makes of the samples (bench/producers.py)", "",
        "Every figure below was measured by the run that wrote this file.", "",
        f"- run on commit {commit}, {platform.platform()}, Python {platform.python_version()}",
        f"- files: {len(per_file)} (every committed sample but the 2020/21 new layout and the "
        "second council's, through each tool of samples/reproduce.py); ingest "
        f"{ingest_seconds:.0f} s with 2 workers, whole run {time.monotonic() - started:.0f} s",
        "", "## By tool", "", header,
        *(_row(tool, score) for tool, score in sorted(per_tool.items())),
        _row("**all**", total), "", "## By file", "", header,
        *(_row(entry["file"], score) for entry, score in per_file), "",
        "## Most frequent quarantine reasons (rows, all files)", "",
        *(f"- {n} × {reason}" for reason, n in total.quarantine_reasons.most_common(8)), "",
        "## Values loaded wrong", "", *(f"- {example}" for example in wrong[:20]),
        *([] if wrong else ["- none"]), ""]
    args.out.write_text("\n".join(lines), encoding="utf-8")
    print(f"{len(per_file)} files; values loaded wrong: {total.values_wrong}; wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
