"""The committed scans as OCRmyPDF hands them on, for bench/producers.py --from: a tool this
project does not depend on, so it runs from a separate environment of its own.

    python3 -m venv /tmp/ocrmypdf && /tmp/ocrmypdf/bin/pip install ocrmypdf
    /tmp/ocrmypdf/bin/python samples/ocrmypdf_remakes.py OUT_DIR
    .venv/bin/python bench/producers.py --from OUT_DIR --out bench/RESULTS-ocrmypdf.md

For each committed scan (tests/fixtures/pdfs/scanned/complaints-YYYY-YY-scanDPI.pdf, nine), two
files: SCAN-ocrmypdf.pdf, `ocrmypdf --output-type pdf` as it is (OCRmyPDF 17 draws its
recognised words invisibly, text render mode 3, under the page image), and
SCAN-ocrmypdf-ink.pdf, the same with the words' render mode set to 0 (ink), the form some
tools write ('text under the page image'), made with pikepdf (OCRmyPDF's own dependency).
Needs Debian's tesseract-ocr. OCRmyPDF's output varies with its and Tesseract's versions.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SCANS = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "pdfs" / "scanned"


def in_ink(made: Path, out: Path) -> None:
    """`made` with every text render mode in its pages' Form XObjects set to 0 (ink)."""
    import pikepdf

    with pikepdf.open(made) as pdf:
        for page in pdf.pages:
            for form in page.Resources.get("/XObject", {}).values():
                if form.get("/Subtype") != "/Form":
                    continue
                operations = [pikepdf.ContentStreamInstruction([0], pikepdf.Operator("Tr"))
                              if str(op.operator) == "Tr" else op
                              for op in pikepdf.parse_content_stream(form)]
                form.write(pikepdf.unparse_content_stream(operations))
        pdf.save(out)


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for scan in sorted(SCANS.glob("complaints-*-scan*.pdf")):
        if "-pages" in scan.name or "sandwich" in scan.name:
            continue  # the suite's page ranges and Tesseract's own PDFs
        made = out / f"{scan.stem}-ocrmypdf.pdf"
        subprocess.run(["ocrmypdf", "-q", "--output-type", "pdf", str(scan), str(made)],
                       check=True)
        in_ink(made, out / f"{scan.stem}-ocrmypdf-ink.pdf")
        print(made)


if __name__ == "__main__":
    main(Path(sys.argv[1]))
