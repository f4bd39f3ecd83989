"""Scanned samples with another tool's OCR layer: what a scanner's software, OCRmyPDF or
`tesseract ... pdf` hands on. Each page of a committed scan (samples/scan.py) is read by
Tesseract, which writes a PDF of the page's image with the words it recognised drawn over it
invisibly (text render mode 3); the pages are joined with pypdfium2. The words are the
recogniser's guesses ('9' read as '6' and the like), so the pipeline leaves them out and reads
the image with its own, verified OCR (pipeline/extract/pdfium_base.INVISIBLE_RENDER_MODES).

    .venv/bin/python samples/sandwich.py SCAN.pdf [SCAN.pdf ...] [--out DIR]

Output: SCAN-sandwich.pdf beside each scan (or in DIR). Committed: the suite's two-page scan's
(tests/fixtures/pdfs/scanned/complaints-2018-19-scan150-pages1-2-sandwich.pdf, Tesseract 5.3).
Needs Debian's tesseract-ocr; Tesseract's output varies with its version, so the bytes are
not reproducible elsewhere (the tests read the committed file).
"""

from __future__ import annotations

import argparse
import re
import subprocess
import tempfile
from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c


def sandwich(scan: Path, out: Path, dpi: int) -> None:
    """`scan`'s pages, each its image under Tesseract's invisible words, into `out`."""
    joined = pdfium.PdfDocument.new()
    source = pdfium.PdfDocument(scan)
    with tempfile.TemporaryDirectory(prefix="sandwich-") as tmp:
        for index, page in enumerate(source):
            [image] = page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE])
            picture = Path(tmp) / f"page-{index + 1}"
            image.extract(picture)  # the scan's own JPEG, not rendered again
            stem = Path(tmp) / f"ocr-{index + 1}"
            subprocess.run(["tesseract", str(next(Path(tmp).glob(f"page-{index + 1}.*"))),
                            str(stem), "--dpi", str(dpi), "pdf"], check=True,
                           capture_output=True)
            made = pdfium.PdfDocument(stem.with_suffix(".pdf"))
            joined.import_pages(made)
            made.close()
        joined.save(out)
    source.close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("scans", nargs="+", type=Path)
    parser.add_argument("--out", type=Path, help="folder (default: beside each scan)")
    args = parser.parse_args(argv)
    for scan in args.scans:
        match = re.search(r"scan(\d+)", scan.name)
        if not match:
            parser.error(f"{scan.name}: not a scan of samples/scan.py (no 'scanDPI' in its name)")
        out = (args.out or scan.parent) / f"{scan.stem}-sandwich.pdf"
        sandwich(scan, out, int(match.group(1)))
        print(f"{out}: {out.stat().st_size} bytes")


if __name__ == "__main__":
    main()
