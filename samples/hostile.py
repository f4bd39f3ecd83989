"""Hostile PDFs that are small on disk and huge to read: the bombs the per-page bounds and the
memory bound exist for. Each is a valid PDF written byte by byte (no PDF library needed), so
the tests build them on the fly; the small ones are also committed in tests/fixtures/hostile/.

    python samples/hostile.py [OUT_DIR]      # default tests/fixtures/hostile/
"""

from __future__ import annotations

import sys
import zlib
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "hostile"
CHUNK = 1 << 20
HELVETICA = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"


def one_page_pdf(content: bytes, *, flate: bool = False, extra: tuple[bytes, ...] = (),
                 resources: bytes = b"<< /Font << /F1 5 0 R >> >>") -> bytes:
    """A one-page PDF with a correct cross-reference table. Objects: 1 catalog, 2 pages,
    3 page, 4 its content stream (`content`, deflated already if `flate`), 5 Helvetica,
    6.. `extra`."""
    stream_dict = b"<< /Length %d%s >>" % (len(content), b" /Filter /FlateDecode" if flate
                                           else b"")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources %s "
        b"/Contents 4 0 R >>" % resources,
        stream_dict + b"\nstream\n" + content + b"\nendstream",
        HELVETICA,
        *extra,
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, xref)
    return bytes(out)


def operator_flood(operators: int = 300_000) -> bytes:
    """`operators` one-character text-showing operators on one page (about 30 KB deflated):
    each becomes a character object, about 7 GB of them in pdfplumber before the bound."""
    lines = [b"BT /F1 1 Tf 10 800 Td"]
    lines += [b"(x) Tj 0.001 0 Td" for _ in range(operators)]
    lines.append(b"ET")
    return one_page_pdf(zlib.compress(b"\n".join(lines), 9), flate=True)


def operand_flood(operands: int = 2_000_000) -> bytes:
    """Numbers with no operator to consume them: pdfminer's argument stack only grows."""
    return one_page_pdf(zlib.compress(b"1 " * operands, 9), flate=True)


def deflated_spaces(inflated_bytes: int) -> bytes:
    """A zlib stream of `inflated_bytes` spaces, built without compressing them all: one
    fully flushed block of a megabyte of spaces does not depend on what came before, so it is
    repeated; the Adler-32 of the whole is computed the same way."""
    repeats, rest = divmod(inflated_bytes, CHUNK)
    if repeats < 2:
        return zlib.compress(b" " * inflated_bytes, 9)
    spaces = b" " * CHUNK
    compressor = zlib.compressobj(9)
    head = compressor.compress(spaces) + compressor.flush(zlib.Z_FULL_FLUSH)  # zlib header
    block = compressor.compress(spaces) + compressor.flush(zlib.Z_FULL_FLUSH)
    tail = compressor.compress(b" " * rest) + compressor.flush(zlib.Z_FINISH)
    # tail ends with the Adler-32 of what the compressor saw; the whole stream's replaces it.
    body = head + block * (repeats - 1) + tail[:-4]
    checksum = 1
    for _ in range(repeats):
        checksum = zlib.adler32(spaces, checksum)
    checksum = zlib.adler32(b" " * rest, checksum)
    return body + checksum.to_bytes(4, "big")


def inflation_bomb(inflated_bytes: int = 4 * 1024 ** 3) -> bytes:
    """A page whose content stream is ~4 MB deflated and `inflated_bytes` (4 GB) inflated."""
    return one_page_pdf(deflated_spaces(inflated_bytes), flate=True)


def cmap_bomb(inflated_bytes: int = 4 * 1024 ** 3) -> bytes:
    """The inflation bomb where the page bounds do not look: a font's ToUnicode map, which
    pdfminer inflates whole when the font is first used. Only the memory bound stops it."""
    font = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /ToUnicode 7 0 R >>"
    cmap = deflated_spaces(inflated_bytes)
    stream = b"<< /Length %d /Filter /FlateDecode >>\nstream\n%s\nendstream" % (len(cmap), cmap)
    return one_page_pdf(b"BT /F2 12 Tf 72 700 Td (Complaints) Tj ET", extra=(font, stream),
                        resources=b"<< /Font << /F1 5 0 R /F2 6 0 R >> >>")


# Small enough to commit (what the tests and the fuzzer bench read); the 4 GB bombs are
# ~4 MB each and are built where they are needed.
COMMITTED = {
    "operator-flood.pdf": operator_flood,
    "operand-flood.pdf": operand_flood,
}


def main(out: Path = OUT) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for name, build in COMMITTED.items():
        (out / name).write_bytes(build())
        print(f"{out / name}: {(out / name).stat().st_size} bytes")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else OUT)
