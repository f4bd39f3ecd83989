"""Render the deliberately broken inputs the tests use (committed in tests/fixtures/bad/).

Run once with the `samples` extra installed: python samples/render_bad.py
"""

from __future__ import annotations

from pathlib import Path

from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas

OUT = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "bad"
SAMPLE = OUT.parent / "pdfs" / "complaints-2018-19-reportlab.pdf"


def _page(path: Path, draw, encrypt: str | None = None) -> None:
    pdf = canvas.Canvas(str(path), pagesize=landscape(A4), invariant=1, encrypt=encrypt)
    draw(pdf)
    pdf.showPage()
    pdf.save()


def _text(pdf: canvas.Canvas) -> None:
    pdf.setFont("Helvetica", 12)
    pdf.drawString(72, 500, "2018/19 ANNUAL COMPLAINTS REPORT")
    pdf.drawString(72, 480, "Top Ten Complaints Areas (protected copy)")


def _minutes(pdf: canvas.Canvas) -> None:
    pdf.setFont("Helvetica", 12)
    lines = ["Minutes of the Planning Committee, 4 March 2019",
             "Present: the Chair and six members.",
             "Item 1: apologies were received. Item 2: the minutes were agreed."]
    for i, line in enumerate(lines):
        pdf.drawString(72, 500 - 18 * i, line)


def _scan(pdf: canvas.Canvas) -> None:
    # An image of a page and nothing else: what a scanner without OCR produces.
    from io import BytesIO

    from PIL import Image, ImageDraw

    image = Image.new("L", (800, 560), 255)
    sketch = ImageDraw.Draw(image)
    for row in range(8):
        sketch.rectangle([40, 40 + row * 60, 760, 90 + row * 60], outline=0)
    buffer = BytesIO()
    image.save(buffer, format="PNG")
    buffer.seek(0)
    pdf.drawImage(ImageReader(buffer), 20, 20, width=800, height=560)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "zero-bytes.pdf").write_bytes(b"")
    (OUT / "text-named-pdf.pdf").write_text("This is a plain text note, not a PDF.\n")
    data = SAMPLE.read_bytes()
    (OUT / "truncated.pdf").write_bytes(data[: len(data) // 2])
    _page(OUT / "password-protected.pdf", _text, encrypt="secret")
    _page(OUT / "scanned-no-text.pdf", _scan)
    _page(OUT / "not-a-complaints-report.pdf", _minutes)


if __name__ == "__main__":
    main()
