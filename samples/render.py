"""Render the sample report PDFs from hand-made golden truth.

    python samples/render.py [GOLDEN.json ...]     (default: tests/fixtures/golden/*.json)
    python samples/render.py --producers html word-borderless GOLDEN.json ...

For each golden file <stem> this writes tests/fixtures/pdfs/<stem>-word.pdf (python-docx,
then LibreOffice) and <stem>-reportlab.pdf (reportlab platypus), copies the first (word) into
raw_reports/, then runs samples/check.py on them. Everything printed comes from the golden
file; its optional "layout" object (report_model.DEFAULT_LAYOUT) can limit the producers and
skip raw_reports/.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from check import check_and_print  # noqa: E402
from docx_writer import render_word_borderless_pdf, render_word_pdf  # noqa: E402
from html_writer import render_html_pdf  # noqa: E402
from report_model import layout_of, page_setup, report_blocks  # noqa: E402
from reportlab_writer import render_reportlab_pdf  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
GOLDEN_DIR = ROOT / "tests" / "fixtures" / "golden"
PDF_DIR = ROOT / "tests" / "fixtures" / "pdfs"
RAW_DIR = ROOT / "raw_reports"
PRODUCERS = {"word": render_word_pdf, "reportlab": render_reportlab_pdf,
             "html": render_html_pdf, "word-borderless": render_word_borderless_pdf}
# Tables without ruling lines: check.py reads ruled tables only; the pipeline's tests compare
# these renderings with the ruled ones instead (tests/test_borderless.py).
BORDERLESS = ("html", "word-borderless")


def render(golden_path: Path, golden: dict, producers: list[str] | None = None) -> list[Path]:
    blocks = report_blocks(golden)
    layout = layout_of(golden)
    setup = page_setup(golden)
    title = f"{golden['council']} {golden['title'].title()}"
    written = []
    for producer in producers or layout["producers"]:
        pdf_path = PDF_DIR / f"{golden_path.stem}-{producer}.pdf"
        PRODUCERS[producer](blocks, pdf_path, title, setup)
        if layout["copy_to_raw_reports"] and producer == layout["producers"][0] \
                and producer not in BORDERLESS:
            # raw_reports/ holds one PDF per council-year: the first producer's.
            shutil.copyfile(pdf_path, RAW_DIR / pdf_path.name)
        written.append(pdf_path)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("golden", nargs="*", type=Path, help="golden JSON files")
    parser.add_argument("--no-check", action="store_true", help="skip the pdfplumber check")
    parser.add_argument("--producers", nargs="+", choices=sorted(PRODUCERS),
                        help="producers to render (default: the golden layout's)")
    args = parser.parse_args(argv)
    golden_files = args.golden or sorted(GOLDEN_DIR.glob("*.json"))
    PDF_DIR.mkdir(parents=True, exist_ok=True)
    RAW_DIR.mkdir(parents=True, exist_ok=True)
    failures = 0
    for golden_path in golden_files:
        golden = json.loads(golden_path.read_text(encoding="utf-8"))
        for pdf_path in render(golden_path, golden, args.producers):
            borderless = pdf_path.stem.endswith(BORDERLESS)
            copied = (f" (+ raw_reports/{pdf_path.name})"
                      if (RAW_DIR / pdf_path.name).exists() else "")
            print(f"wrote {pdf_path.relative_to(ROOT)}{copied}")
            if args.no_check or borderless:
                continue
            failures += check_and_print(golden, pdf_path)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
