"""Other producers' re-makes of every committed sample, scored against the hand-made truth.

Makes each committed sample again through every tool of samples/reproduce.py (pdftocairo,
Ghostscript; Debian's poppler-utils and ghostscript), ingests and scores them as the layout
fuzzer's benchmark does (bench/layouts_measure.py, layouts_report.py: the same columns) and
writes, per file and per tool, figure recall, commentary similarity, commitment recall, values
loaded wrong and values quarantined, with the most frequent quarantine reasons, to
bench/RESULTS-producers.md. Every figure is this run's.

    .venv/bin/python bench/producers.py [--out FILE]
    .venv/bin/python bench/producers.py --from DIR --out FILE   # re-makes made elsewhere

`--from DIR` scores the PDFs in DIR instead, each named after the sample it was made from
(complaints-2018-19-scan150-ocrmypdf.pdf: the 2018/19 golden file, tool 'scan150-ocrmypdf'),
for a tool this repository does not drive, such as OCRmyPDF on the committed scans. Scanned
files are read by OCR: minutes, not seconds.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.layouts_measure import measure  # noqa: E402
from bench.layouts_report import COLUMNS, machine, row, table, total  # noqa: E402
from pipeline.extract.limits import Limits  # noqa: E402
from samples import truth  # noqa: E402
from samples.reproduce import GOLDEN  # noqa: E402
from samples.reproduce import main as reproduce  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "RESULTS-producers.md")
    parser.add_argument("--from", dest="made", type=Path,
                        help="score the PDFs in this folder (made elsewhere) instead")
    args = parser.parse_args(argv)
    started = time.monotonic()
    commit = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"],
                            capture_output=True, text=True).stdout.strip() or "unknown"
    goldens = {g.stem: json.loads(g.read_text(encoding="utf-8")) for g in GOLDEN.glob("*.json")}
    if args.made:
        entries = entries_of(args.made, goldens)
        # scans are read by OCR, seconds a page: the default 120 s a file is too short
        measured, ingest_seconds = measure(entries, args.made, goldens,
                                           limits=Limits(max_seconds=3600))
    else:
        with tempfile.TemporaryDirectory(prefix="bench-producers-") as tmp:
            folder = Path(tmp)
            reproduce(["--all", str(folder)])
            entries = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
            measured, ingest_seconds = measure(entries, folder, goldens)
    per_tool: dict[str, truth.Score] = {}
    for m in measured:
        per_tool.setdefault(m.entry["producer"], truth.Score()).add(m.score)
    summed = total(measured)
    header = ["set", *COLUMNS]
    wrong = [example for m in measured for example in m.score.wrong_examples]
    lines = [
        "# Other producers' re-makes of the samples (bench/producers.py)", "",
        "Every figure below was measured by the run that wrote this file.", "",
        f"- run on commit {commit}, {machine()}",
        f"- files: {len(measured)} "
        + (f"PDFs of {args.made} (made elsewhere, each named after its sample)" if args.made
           else "(every committed sample but the 2020/21 new layout and the second council's, "
                "through each tool of samples/reproduce.py)")
        + f"; ingest {ingest_seconds:.0f} s with 2 workers, whole run "
        f"{time.monotonic() - started:.0f} s",
        *(["- a scan's prose (commentary, commitments) is loaded as OCR read it, with no "
           "checksum to verify it by (README: Scanned reports), so OCR's misspellings count "
           "among the values wrong; its figures are verified: 'of which figures' counts the "
           "figures loaded wrong"] if args.made else []),
        "", "## By tool", "",
        table(header, [*(row(tool, score) for tool, score in sorted(per_tool.items())),
                       row("**all**", summed)]),
        "", "## By file", "",
        table(header, [row(m.entry["file"], m.score) for m in measured]), "",
        "## Most frequent quarantine reasons (rows, all files)", "",
        *(f"- {n} × {reason}" for reason, n in summed.quarantine_reasons.most_common(8)), "",
        "## Values loaded wrong", "", *(f"- {example}" for example in wrong[:20]),
        *([] if wrong else ["- none"]), ""]
    args.out.write_text("\n".join(lines), encoding="utf-8")
    print(f"{len(measured)} files; values loaded wrong: {summed.values_wrong}, of which "
          f"figures {summed.figures_wrong}; wrote {args.out}")
    return 0


def entries_of(folder: Path, goldens: dict[str, dict]) -> list[dict]:
    """Each PDF of `folder` as a manifest entry: its golden file is the longest golden name
    its name starts with, its tool the rest of the name."""
    entries = []
    for path in sorted(folder.glob("*.pdf")):
        golden = max((g for g in goldens if path.stem.startswith(f"{g}-")), key=len,
                     default=None)
        if golden is None:
            raise SystemExit(f"{path.name}: named after no golden file "
                             f"({', '.join(sorted(goldens))})")
        entries.append({"file": path.name, "golden": golden,
                        "producer": path.stem[len(golden) + 1:], "source": path.name})
    return entries


if __name__ == "__main__":
    sys.exit(main())
