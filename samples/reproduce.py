"""The committed samples made again by another PDF producer (tests/fixtures/producers/): what a
council's own tool chain may do to a report before it is published, by code nobody here wrote.

- `cairo`: poppler's `pdftocairo -pdf` draws every page again through cairo, which prints no
  space characters: words are told apart only by the gaps between them.
- `gs`: Ghostscript's `pdfwrite` rewrites the content streams and re-embeds the fonts.

Needs Debian's `poppler-utils` and `ghostscript`; the outputs are committed, so the tests do
not. Writes `manifest.json` (file, golden, producer, source) beside them.

    .venv/bin/python samples/reproduce.py            # the files the tests check
    .venv/bin/python samples/reproduce.py --all OUT  # every committed sample, into OUT
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PDFS = REPO / "tests" / "fixtures" / "pdfs"
GOLDEN = REPO / "tests" / "fixtures" / "golden"
FIXTURES = REPO / "tests" / "fixtures" / "producers"

PRODUCERS: dict[str, list[str]] = {
    "cairo": ["pdftocairo", "-pdf", "{source}", "{target}"],
    "gs": ["gs", "-q", "-dNOPAUSE", "-dBATCH", "-dSAFER", "-sDEVICE=pdfwrite",
           "-sOutputFile={target}", "{source}"],
}
# What the tests check: one rendering of each ruled and borderless producer through cairo
# (the Word renderings are where cairo's unprinted spaces joined words before WORD_GAP).
# Through Ghostscript, the ReportLab renderings' fonts lose the Unicode of the en dash, the
# bullet, the pound sign and the Cyrillic homoglyphs of 'Тах' ('(cid:N)' to both parsers).
CHECKED = {
    "cairo": ["complaints-2017-18-word.pdf", "complaints-2019-20-word-borderless.pdf",
              "complaints-2018-19-html.pdf", "complaints-2021-22-twostage-reportlab.pdf"],
    "gs": ["complaints-2017-18-reportlab.pdf", "complaints-2018-19-reportlab.pdf",
           "complaints-2021-22-twostage-reportlab.pdf"],
}
# Samples whose golden file needs vocabulary the shipped one lacks (tests/fixtures/
# vocabulary-2020-21), and the second council's, whose year clashes with the first's in one
# batch: left out of --all.
LEFT_OUT = ("complaints-2020-21-newlayout", "eastmoor-")


def golden_of(sample: Path) -> str:
    """The golden file a sample was rendered from: the longest stem its name starts with."""
    stems = sorted((g.stem for g in GOLDEN.glob("*.json") if sample.stem.startswith(g.stem)),
                   key=len)
    if not stems:
        raise SystemExit(f"{sample.name}: no golden file")
    return stems[-1]


def reproduce(sample: Path, producer: str, folder: Path) -> dict:
    target = folder / f"{sample.stem}-{producer}.pdf"
    command = [part.format(source=sample, target=target) for part in PRODUCERS[producer]]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)}: {done.stderr.strip()[:300]}")
    return {"file": target.name, "golden": golden_of(sample), "producer": producer,
            "source": sample.name}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--all", metavar="OUT", type=Path,
                        help="every committed sample through every producer, into OUT")
    args = parser.parse_args(argv)
    if args.all:
        folder = args.all
        plan = [(sample, producer) for sample in sorted(PDFS.glob("*.pdf"))
                if not sample.name.startswith(LEFT_OUT) for producer in PRODUCERS]
    else:
        folder = FIXTURES
        plan = [(PDFS / name, producer) for producer, names in CHECKED.items()
                for name in names]
    folder.mkdir(parents=True, exist_ok=True)
    manifest = [reproduce(sample, producer, folder) for sample, producer in plan]
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n",
                                          encoding="utf-8")
    print(f"{len(manifest)} files in {folder}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
