"""Render the committed layout-fuzz fixtures: a seeded set of variants that covers every
dimension value, every producer and every golden file (tests/test_layout_fuzz.py reads them).
Each variant drifts only a few dimensions (fuzz.sparse_plan), so a failure points at them.

    python samples/render_fuzz.py [--size 20] [--borderless-size 6] [--only html ...]

Two sets: `--size` variants printed by the ruled producers (word, reportlab; seed `--seed`)
and `--borderless-size` printed without rules (html, word-borderless; seed `--seed` + 1),
each set dealing every drifted value. Writes tests/fixtures/fuzz/<name>-<producer>.pdf and
tests/fixtures/fuzz/manifest.json (each variant's seed, choices and what the scorer must
know). `--only` re-renders just those producers' files, keeping the others as committed.
Needs LibreOffice and Chromium (samples/README.md).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from fuzz import (  # noqa: E402
    BORDERLESS_PRODUCERS,
    PRODUCERS,
    RULED_PRODUCERS,
    regression_variant,
    render_many,
    sparse_plan,
    write_manifest,
)

ROOT = Path(__file__).resolve().parent.parent
GOLDEN_DIR = ROOT / "tests" / "fixtures" / "golden"
FUZZ_DIR = ROOT / "tests" / "fixtures" / "fuzz"
# The golden files the fuzzer prints (2020-21-newlayout needs extra vocabulary: left out).
GOLDEN_STEMS = ("complaints-2017-18", "complaints-2018-19", "complaints-2019-20")
# Random-mix seeds (fuzz.plan) that once loaded values wrong in bench/layouts.py, kept as
# regressions: 1003 (Word, an Analysis row cut by a page break, a blank page between). 1132
# (a cut Analysis row whose continuation names another stage) is not here: it also prints
# unnumbered commitments across a break, which are quarantined by design; its Analysis case
# is tests/test_report_shapes.py's.
REGRESSIONS = ((1003, "word"),)  # (seed, producer)


def load_goldens() -> dict[str, dict]:
    return {stem: json.loads((GOLDEN_DIR / f"{stem}.json").read_text(encoding="utf-8"))
            for stem in GOLDEN_STEMS}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=20, help="number of variants")
    parser.add_argument("--borderless-size", type=int, default=6,
                        help="number of variants printed without ruling lines")
    parser.add_argument("--seed", type=int, default=9, help="deals the drifted values")
    parser.add_argument("--only", nargs="+", choices=PRODUCERS,
                        help="render only these producers' variants (the rest stay)")
    args = parser.parse_args(argv)
    goldens = load_goldens()
    jobs = (sparse_plan(goldens, args.size, args.seed, RULED_PRODUCERS)
            + sparse_plan(goldens, args.borderless_size, args.seed + 1, BORDERLESS_PRODUCERS))
    jobs += [regression_variant(goldens, seed, producer) for seed, producer in REGRESSIONS]
    producers = set(args.only or PRODUCERS)
    FUZZ_DIR.mkdir(parents=True, exist_ok=True)
    for old in FUZZ_DIR.glob("*.pdf"):
        if old.stem.endswith(tuple(f"-{p}" for p in producers)):
            old.unlink()
    todo = [(v, producer) for v, producer in jobs if producer in producers]
    written = {p.name for p in render_many(todo, FUZZ_DIR)} | {
        f"{v.name}-{producer}.pdf" for v, producer in jobs if producer not in producers
        and (FUZZ_DIR / f"{v.name}-{producer}.pdf").exists()}
    entries = [v.manifest_entry(producer) for v, producer in jobs]
    missing = [e["file"] for e in entries if e["file"] not in written]
    write_manifest(entries, FUZZ_DIR / "manifest.json")
    print(f"wrote {len(written)} PDFs and manifest.json to {FUZZ_DIR.relative_to(ROOT)}")
    if missing:
        print("NOT RENDERED:", *missing, sep="\n  ")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
