"""Corpus making for the ingest benchmark: copies of the sample PDFs with their counts x k.

Every text run that is one whole number ("218", "(186)", "-3") is multiplied by the copy's
factor k inside the page content stream's text-showing operators (Tj/TJ/'/"), through the
font's own code -> Unicode map, and the new streams are appended as a standard PDF incremental
update. Percentages and years stay as printed, so every within-report check gives the same
findings as on the original; `ingest_probes.verify` checks that in the warehouse.
"""

from __future__ import annotations

import hashlib
import json
import re
import zlib
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO / "bench" / "corpus"
SAMPLES = REPO / "tests" / "fixtures" / "pdfs"

_WS = b" \t\r\n\f\x00"
_DELIM = b"()<>[]{}/%"
_INLINE_IMAGE_END = re.compile(rb"\sEI(?=[\s]|$)")
# A whole text run that is one integer, optionally signed and/or bracketed: "218", "(186)",
# "-3". Percentages ("44%") do not match, so they stay as printed.
_NUMBER_RUN = re.compile(r"(\(?)([-+\u2212\u2013]?)(\d{1,4})(\)?)")
_ESCAPES = {ord("n"): 10, ord("r"): 13, ord("t"): 9, ord("b"): 8, ord("f"): 12}


def _tokens(data: bytes):
    """(kind, start, end) of every token of a content stream; kinds: str hex name op num [ ]."""
    i, n = 0, len(data)
    while i < n:
        c = data[i]
        if c in _WS:
            i += 1
        elif c == 0x25:  # % comment
            while i < n and data[i] not in b"\r\n":
                i += 1
        elif c == 0x28:  # ( literal string )
            depth, j = 1, i + 1
            while j < n and depth:
                b = data[j]
                if b == 0x5C:
                    j += 2
                    continue
                depth += (b == 0x28) - (b == 0x29)
                j += 1
            yield "str", i, j
            i = j
        elif c == 0x3C:  # < hex string > or <<
            if data[i + 1:i + 2] == b"<":
                yield "<<", i, i + 2
                i += 2
            else:
                j = data.index(b">", i) + 1
                yield "hex", i, j
                i = j
        elif c == 0x3E:
            yield ">>", i, i + 2
            i += 2
        elif c in b"[]{}":
            yield chr(c), i, i + 1
            i += 1
        else:
            j = i + 1
            while j < n and data[j] not in _WS and data[j] not in _DELIM:
                j += 1
            token = data[i:j]
            if c == 0x2F:
                yield "name", i, j
            elif token[:1].isalpha() or token in (b"'", b'"'):
                yield "op", i, j
                if token == b"BI":  # inline image: skip its binary data up to EI
                    found = _INLINE_IMAGE_END.search(data, j)
                    j = found.end() if found else n
            else:
                yield "num", i, j
            i = j


def _string_bytes(data: bytes, kind: str, start: int, end: int) -> bytes:
    raw = data[start + 1:end - 1]
    if kind == "hex":
        digits = re.sub(rb"\s", b"", raw).decode("ascii")
        return bytes.fromhex(digits + "0" * (len(digits) % 2))
    out, i = bytearray(), 0
    while i < len(raw):
        c = raw[i]
        if c != 0x5C:
            out.append(c)
            i += 1
            continue
        i += 1
        if i >= len(raw):
            break
        e = raw[i]
        octal = re.match(rb"[0-7]{1,3}", raw[i:i + 3])
        if octal:
            out.append(int(octal.group(), 8) & 0xFF)
            i += len(octal.group())
        elif e in b"\r\n":  # line continuation
            i += 2 if raw[i:i + 2] == b"\r\n" else 1
        else:
            out.append(_ESCAPES.get(e, e))
            i += 1
    return bytes(out)


@dataclass
class _Font:
    to_text: dict[int, str]
    to_code: dict[str, int]


def _font_maps(font) -> _Font | None:
    """Code <-> Unicode for a one-byte font, from its ToUnicode map or encoding (via pdfminer)."""
    if font.is_multibyte():
        return None
    to_text: dict[int, str] = {}
    for code in range(256):
        try:
            text = font.to_unichr(code)
        except Exception:  # noqa: BLE001 - code not mapped
            continue
        if text and text != "\x00":
            to_text[code] = text
    to_code: dict[str, int] = {}
    for code, text in sorted(to_text.items(), reverse=True):
        to_code[text] = code  # the lowest code wins
    return _Font(to_text, to_code)


@dataclass
class PerturbStats:
    scaled: int = 0
    skipped: int = 0  # number runs whose new digits the font cannot show


def _scaled_run(data: bytes, strings: list[tuple[str, int, int]], font: _Font | None,
                factor: int, stats: PerturbStats) -> bytes | None:
    if font is None or not strings:
        return None
    codes = b"".join(_string_bytes(data, *s) for s in strings)
    text = "".join(font.to_text.get(c, "\ufffd") for c in codes)
    match = _NUMBER_RUN.fullmatch(text)
    if not match or bool(match.group(1)) != bool(match.group(4)):
        return None
    value = int(match.group(3))
    if value >= 1900:  # a year, not a count
        return None
    new_text = match.group(1) + match.group(2) + str(value * factor) + match.group(4)
    try:
        new_codes = bytes(font.to_code[ch] for ch in new_text)
    except KeyError:
        stats.skipped += 1
        return None
    stats.scaled += 1
    return b"<" + new_codes.hex().upper().encode() + b">"


def _rewrite_stream(data: bytes, fonts: dict[str, _Font | None], factor: int,
                    state: dict, stats: PerturbStats) -> bytes:
    """The content stream with every whole-integer text run multiplied by `factor`."""
    pieces: list[bytes] = []
    last = 0
    operands: list[tuple[str, int, int]] = []
    for kind, start, end in _tokens(data):
        if kind != "op":
            operands.append((kind, start, end))
            continue
        op = data[start:end]
        if op == b"Tf" and len(operands) >= 2 and operands[-2][0] == "name":
            _, s, e = operands[-2]
            state["font"] = data[s + 1:e].decode("latin-1")
        elif op in (b"Tj", b"TJ", b"'", b'"') and operands:
            font = fonts.get(state.get("font"))
            if op == b"TJ":
                opens = [k for k, t in enumerate(operands) if t[0] == "["]
                run = operands[opens[-1]:] if opens else []
                strings = [t for t in run if t[0] in ("str", "hex")]
                new = _scaled_run(data, strings, font, factor, stats)
                if new is not None:  # the kerned array becomes one plain string
                    pieces += [data[last:run[0][1]], new + b" Tj"]
                    last = end
            elif operands[-1][0] in ("str", "hex"):
                new = _scaled_run(data, [operands[-1]], font, factor, stats)
                if new is not None:
                    pieces += [data[last:operands[-1][1]], new]
                    last = operands[-1][2]
        operands = []
    pieces.append(data[last:])
    return b"".join(pieces)


def bench_council(n: int) -> str:
    """A made-up council name per corpus file ('Bench Aab Council'): a report's identity is
    (council, year), so every rescaled copy is its own report rather than a re-issue."""
    return f"Bench {chr(65 + n // 26 % 26)}{chr(97 + n % 26)}{chr(97 + n // 676 % 26)} Council"


def perturb_pdf(source: Path, target: Path, factor: int,
                council: str | None = None) -> PerturbStats:
    """Write `source` with its counts x factor, as an incremental update of the content streams."""
    from pdfminer.pdfdocument import PDFDocument
    from pdfminer.pdfinterp import PDFResourceManager
    from pdfminer.pdfpage import PDFPage
    from pdfminer.pdfparser import PDFParser
    from pdfminer.pdftypes import PDFObjRef, resolve1

    original = source.read_bytes()
    stats = PerturbStats()
    new_streams: dict[int, bytes] = {}
    with source.open("rb") as handle:
        document = PDFDocument(PDFParser(handle))
        manager = PDFResourceManager()
        for page in PDFPage.create_pages(document):
            fonts: dict[str, _Font | None] = {}
            for name, spec in (resolve1(page.resources.get("Font")) or {}).items():
                objid = spec.objid if isinstance(spec, PDFObjRef) else None
                fonts[name] = _font_maps(manager.get_font(objid, resolve1(spec)))
            contents = page.attrs.get("Contents")
            if isinstance(contents, PDFObjRef) and isinstance(resolve1(contents), list):
                contents = resolve1(contents)
            state: dict = {}
            for ref in contents if isinstance(contents, list) else [contents]:
                if not isinstance(ref, PDFObjRef) or ref.objid in new_streams:
                    continue
                data = resolve1(ref).get_data()
                rewritten = _rewrite_stream(data, fonts, factor, state, stats)
                if rewritten != data:
                    new_streams[ref.objid] = rewritten
    target.write_bytes(_incremental_update(original, new_streams, factor, council))
    return stats


def _incremental_update(original: bytes, streams: dict[int, bytes], factor: int,
                        council: str | None = None) -> bytes:
    """Append new versions of the given stream objects, a cross-reference section and a trailer
    pointing back (/Prev) at the original one: a standard PDF incremental update."""
    trailer = original[original.rindex(b"trailer"):]
    prev = int(re.findall(rb"startxref\s+(\d+)", original)[-1])
    root = re.search(rb"/Root\s+(\d+\s+\d+\s+R)", trailer).group(1)
    found_info = re.search(rb"/Info\s+(\d+\s+\d+\s+R)", trailer)
    info = found_info.group(1) if found_info else None
    size = int(re.search(rb"/Size\s+(\d+)", trailer).group(1))
    first_id = re.search(rb"/ID\s*\[\s*(<[0-9A-Fa-f]*>)", trailer)
    out = bytearray(original if original.endswith(b"\n") else original + b"\n")
    offsets: dict[int, tuple[int, int]] = {}
    digest = hashlib.md5(str(factor).encode())
    for objid, payload in sorted(streams.items()):
        generation = re.search(rb"(?<!\d)%d (\d+) obj" % objid, original)
        gen = int(generation.group(1)) if generation else 0
        offsets[objid] = (len(out), gen)
        packed = zlib.compress(payload, 6)
        digest.update(packed)
        out += b"%d %d obj\n<< /Length %d /Filter /FlateDecode >>\nstream\n" % (
            objid, gen, len(packed))
        out += packed + b"\nendstream\nendobj\n"
    if council is not None:  # a new document information dictionary naming the council
        offsets[size] = (len(out), 0)
        out += b"%d 0 obj\n<< /Title (%s) >>\nendobj\n" % (size, council.encode("ascii"))
        info = b"%d 0 R" % size
        size += 1
    xref_at = len(out)
    out += b"xref\n"
    for objid, (offset, gen) in sorted(offsets.items()):
        out += b"%d 1\n%010d %05d n \n" % (objid, offset, gen)
    out += b"trailer\n<< /Size %d /Root %s" % (size, root)
    if info:
        out += b" /Info " + info
    if first_id:
        out += b" /ID [" + first_id.group(1) + b" <" + digest.hexdigest().encode() + b">]"
    out += b" /Prev %d >>\nstartxref\n%d\n" % (prev, xref_at) + b"%%EOF\n"
    return bytes(out)


def build_corpus(count: int) -> dict:
    """bench/corpus/NNN-<sample>-xK.pdf for K = 2, 2, 3, 3, ...; returns the manifest."""
    # The 2020/21 new layout reads nothing without its vocabulary (a failed file): left out.
    # So are the browser-printed samples: Chromium draws each glyph as a text object of its
    # own, so no text run is a whole number to rescale and their copies' counts stay as
    # printed (the corpus check would fail them).
    sources = sorted(p for p in SAMPLES.glob("complaints-*.pdf")
                     if "newlayout" not in p.name and "-html" not in p.name)
    if not sources:
        raise SystemExit(f"no samples in {SAMPLES}")
    CORPUS.mkdir(parents=True, exist_ok=True)
    for old in CORPUS.glob("*.pdf"):
        old.unlink()
    pages = _page_counts(sources)
    files = {}
    for i in range(count):
        source = sources[i % len(sources)]
        factor = 2 + i // len(sources)
        target = CORPUS / f"{i:03d}-{source.stem}-x{factor}.pdf"
        stats = perturb_pdf(source, target, factor, bench_council(i))
        files[target.name] = {"source": source.name, "factor": factor,
                              "pages": pages[source.name], "runs_scaled": stats.scaled,
                              "runs_skipped": stats.skipped,
                              "sha256": hashlib.sha256(target.read_bytes()).hexdigest()}
    shas = [f["sha256"] for f in files.values()]
    shas += [hashlib.sha256(s.read_bytes()).hexdigest() for s in sources]
    manifest = {"sources": [s.name for s in sources], "files": files,
                "pages": sum(f["pages"] for f in files.values()),
                "unique_sha256": len(set(shas)) == len(shas)}
    (CORPUS / "manifest.json").write_text(json.dumps(manifest, indent=1))
    return manifest


def _page_counts(paths: list[Path]) -> dict[str, int]:
    from pdfminer.pdfdocument import PDFDocument
    from pdfminer.pdfpage import PDFPage
    from pdfminer.pdfparser import PDFParser

    counts = {}
    for path in paths:
        with path.open("rb") as handle:
            counts[path.name] = sum(1 for _ in PDFPage.create_pages(PDFDocument(PDFParser(handle))))
    return counts

