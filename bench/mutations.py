"""Mutation bench (issue 11): seeded mutants of the sample reports through `complaints ingest`,
each judged against the report's hand-made truth, plus the peak memory of the hostile files
(samples/hostile.py) at the default bound against a genuine report's in the same run.

    .venv/bin/python bench/mutations.py [--seed 11] [--count 200] [--workers 2]

Writes its figures, with the machine's description, to bench/MUTATIONS.md.
"""

from __future__ import annotations

import argparse
import collections
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from samples import hostile, mutate  # noqa: E402

RESULTS = ROOT / "bench" / "MUTATIONS.md"
ERROR_LINE = re.compile(r"^Error: (.+?\.pdf)(?: \(page \d+\))?: (.*)$")


def run_ingest(folder: Path, db: Path, workers: int, *extra: str) -> tuple[str, float, int]:
    """stderr, seconds and the peak RSS (MB) of the largest process of one ingest, run in a
    fresh child so its figure is its own."""
    probe = ("import resource, subprocess, sys, time; t = time.monotonic(); "
             "p = subprocess.run(sys.argv[1:], capture_output=True, text=True); "
             "print(time.monotonic() - t); "
             "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss); "
             "sys.stderr.write(p.stderr + p.stdout)")
    command = [sys.executable, "-c", probe, sys.executable, "-m", "pipeline", "ingest",
               str(folder), "--db", str(db), "--workers", str(workers), *extra]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    seconds, peak_kb = done.stdout.split()[:2]
    return done.stderr, float(seconds), int(peak_kb) // 1024


def fuzz(seed: int, count: int, workers: int, work: Path) -> dict:
    folder = work / "mutants"
    folder.mkdir()
    made = list(mutate.mutants(seed, count))
    for mutant in made:
        (folder / mutant.name).write_bytes(mutant.data)
    for source in mutate.sources():  # the controls: what each source loads with
        shutil.copy(source, folder / source.name)
    db = work / "mutants.duckdb"
    output, seconds, peak = run_ingest(folder, db, workers)
    errors = {m.group(1): m.group(2) for line in output.splitlines()
              if (m := ERROR_LINE.match(line))}
    con = duckdb.connect(str(db), read_only=True)
    baseline = {s.name: mutate.findings(con, s.name)[0] for s in mutate.sources()}
    verdicts = [mutate.judge(con, m, errors.get(m.name), baseline[m.source.name])
                for m in made]
    con.close()
    return {"verdicts": verdicts, "tracebacks": output.count("Traceback"),
            "unexpected": sum("unexpected" in e for e in errors.values()),
            "seconds": seconds, "peak_mb": peak}


def hostile_peaks(work: Path) -> list[tuple[str, str, float, int]]:
    """Each bomb alone at the default bound, after a genuine report alone as the baseline."""
    cases = [("genuine sample report (baseline)", mutate.sources()[2].read_bytes()),
             ("operator flood, 300,000 Tj (14 KB)", hostile.operator_flood()),
             ("operand flood, 2,000,000 numbers", hostile.operand_flood()),
             ("page content inflating to 4 GB (4 MB)", hostile.inflation_bomb()),
             ("font map inflating to 4 GB (4 MB)", hostile.cmap_bomb())]
    rows = []
    for number, (label, data) in enumerate(cases):
        folder = work / f"hostile{number}"
        folder.mkdir()
        (folder / "file.pdf").write_bytes(data)
        output, seconds, peak = run_ingest(folder, work / f"h{number}.duckdb", 1)
        match = ERROR_LINE.search(output.strip().splitlines()[0]) if output.strip() else None
        rows.append((label, match.group(2).split(". ")[0] if match else "loaded", seconds,
                     peak))
    return rows


def machine() -> str:
    return (f"{platform.machine()}, {os.cpu_count()} cores, Python "
            f"{platform.python_version()}, {platform.system()} {platform.release()}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temp:
        work = Path(temp)
        fuzzed = fuzz(args.seed, args.count, args.workers, work)
        peaks = hostile_peaks(work)
    verdicts = fuzzed["verdicts"]
    tally = collections.Counter(v.outcome for v in verdicts)
    by_kind = collections.defaultdict(collections.Counter)
    for v in verdicts:
        by_kind[v.kind][v.outcome] += 1
    bound = 1536
    lines = [
        "# Mutation bench (bench/mutations.py)", "",
        f"Seed {args.seed}, {len(verdicts)} mutants of the {len(mutate.sources())} sample "
        f"reports, `--workers {args.workers}`, on {machine()}; "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; load average at the end "
        f"{os.getloadavg()[0]:.1f}.", "",
        f"Ingest of all mutants with the controls: {fuzzed['seconds']:.0f} s, largest "
        f"process {fuzzed['peak_mb']} MB.", "",
        "| outcome | mutants |", "|---|---|",
        f"| tried | {len(verdicts)} |",
        *(f"| {o} | {tally.get(o, 0)} |" for o in mutate.OUTCOMES),
        f"| tracebacks | {fuzzed['tracebacks']} |",
        f"| caught only by the catch-all ('unexpected ...') | {fuzzed['unexpected']} |", "",
        "| mutation | " + " | ".join(mutate.OUTCOMES) + " |",
        "|---|" + "---|" * len(mutate.OUTCOMES),
        *(f"| {k} | " + " | ".join(str(by_kind[k].get(o, 0)) for o in mutate.OUTCOMES) + " |"
          for k in mutate.KINDS), "",
        f"Hostile files alone, default bounds (`--max-memory {bound}`), against a genuine "
        "report in the same run:", "",
        "| file | outcome | seconds | peak RSS (MB) |", "|---|---|---|---|",
        *(f"| {label} | {outcome} | {seconds:.1f} | {peak} |"
          for label, outcome, seconds, peak in peaks), "",
    ]
    odd = [v for v in verdicts if v.outcome in {"loaded wrong", "loaded incomplete, no finding"}]
    if odd:
        lines += ["Mutants to look at:", ""]
        lines += [f"- {v.name}: {v.outcome} ({v.detail})" for v in odd[:30]]
        lines.append("")
    RESULTS.write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
