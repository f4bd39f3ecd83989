"""A seeded mutation fuzzer over the committed sample reports: byte flips, truncation, a page
whose content stream inflates to gigabytes, operator floods, and dropped objects. The same
seed gives the same mutants, so a failure found by bench/mutations.py is a test to write.

Each mutant is judged against the hand-made truth of the report it came from (the golden
file): every figure the warehouse holds for it must be the printed figure, unless a finding
or a quarantine row names that area. A figure that differs with nothing said is "loaded wrong".

    python samples/mutate.py OUT_DIR [--seed N] [--count N]    # write mutants to a folder
"""

from __future__ import annotations

import argparse
import json
import random
import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from pdfminer.pdfdocument import PDFDocument
from pdfminer.pdfpage import PDFPage
from pdfminer.pdfparser import PDFParser
from pdfminer.pdftypes import PDFObjRef

try:
    from samples.hostile import deflated_spaces
    from samples.truth import GOLDEN_COLUMNS, MEASURES
except ImportError:  # run as a script: samples/ is on sys.path
    from hostile import deflated_spaces  # type: ignore[no-redef]
    from truth import GOLDEN_COLUMNS, MEASURES  # type: ignore[no-redef]

ROOT = Path(__file__).resolve().parent.parent
PDFS = ROOT / "tests" / "fixtures" / "pdfs"
GOLDEN = ROOT / "tests" / "fixtures" / "golden"
KINDS = ("byte_flips", "truncation", "stream_inflation", "operator_flood", "dropped_object")
# The golden files list figures in printed column order: (stage, measure) of each column.


@dataclass(frozen=True)
class Mutant:
    name: str
    kind: str
    source: Path
    data: bytes


def sources() -> list[Path]:
    """The committed samples whose truth is a golden file (the 2020/21 layout needs its own
    vocabulary, so it is left out; the 2021/22 two-stage rendering is left out so a seed
    still draws the mutants bench/MUTATIONS.md reports)."""
    return sorted(p for p in PDFS.glob("complaints-20*.pdf")
                  if "newlayout" not in p.name and "twostage" not in p.name
                  and not p.stem.endswith(("-html", "-word-borderless")))  # ruled samples


def golden_for(source: Path) -> Path:
    stem = re.sub(r"-(word|reportlab)$", "", source.stem)
    return GOLDEN / f"{stem}.json"


def expected_figures(source: Path) -> dict[tuple[str, str, str, int], dict[str, float | None]]:
    """{(directorate, area, period, stage): {measure: value}} of the source's dashboards."""
    truth = json.loads(golden_for(source).read_text(encoding="utf-8"))
    expected: dict[tuple[str, str, str, int], dict[str, float | None]] = {}
    for board in truth["dashboards"]:
        for period, values in ((truth["report_year"], board["comparative"]["current"]),
                               (truth["prior_year"], board["comparative"]["prior"])):
            for column, value in zip(truth["figure_columns"], values, strict=True):
                stage, measure = GOLDEN_COLUMNS[column]
                key = (board["directorate"], board["service_area"], period, stage)
                expected.setdefault(key, dict.fromkeys(MEASURES))[measure] = value
    return expected


# --- the mutations -----------------------------------------------------------------------

def flip_bytes(data: bytes, rng: random.Random) -> bytes:
    out = bytearray(data)
    for _ in range(rng.randint(1, 24)):
        out[rng.randrange(len(out))] ^= 1 << rng.randrange(8)
    return bytes(out)


def truncate(data: bytes, rng: random.Random) -> bytes:
    return data[: int(len(data) * rng.uniform(0.05, 0.98))]


def _content_objects(data: bytes) -> list[int]:
    """Object numbers of the pages' content streams (read with pdfminer)."""
    import io

    document = PDFDocument(PDFParser(io.BytesIO(data)))
    found = []
    for page in PDFPage.create_pages(document):
        contents = page.attrs.get("Contents")
        refs = contents if isinstance(contents, list) else [contents]
        found += [ref.objid for ref in refs if isinstance(ref, PDFObjRef)]
    return found


def append_update(data: bytes, objects: dict[int, bytes]) -> bytes:
    """An incremental update (a valid PDF edit): new versions of `objects` after the file's
    end, with their own cross-reference section pointing back to the old one."""
    prev = int(re.findall(rb"startxref\s+(\d+)", data)[-1])
    size = max(int(n) for n in re.findall(rb"/Size\s+(\d+)", data))
    root = re.findall(rb"/Root\s+(\d+\s+\d+)\s+R", data)[-1]
    out = bytearray(data if data.endswith(b"\n") else data + b"\n")
    offsets = {}
    for number, body in sorted(objects.items()):
        offsets[number] = len(out)
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n"
    for number, offset in offsets.items():
        out += b"%d 1\n%010d 00000 n \n" % (number, offset)
    out += b"trailer\n<< /Size %d /Root %s R /Prev %d >>\nstartxref\n%d\n%%%%EOF\n" % (
        max(size, *(n + 1 for n in objects)), root, prev, xref)
    return bytes(out)


def _stream(payload: bytes) -> bytes:
    return b"<< /Length %d /Filter /FlateDecode >>\nstream\n%s\nendstream" % (
        len(payload), payload)


def inflate_a_stream(data: bytes, rng: random.Random) -> bytes:
    """One page's content replaced by deflated spaces inflating to 128 MB .. 2 GB."""
    target = rng.choice(_content_objects(data))
    size = rng.choice((128, 512, 2048)) * 1024 * 1024
    return append_update(data, {target: _stream(deflated_spaces(size))})


def flood_operators(data: bytes, rng: random.Random) -> bytes:
    """One page's content replaced by 150,000 .. 600,000 tiny text or path operators."""
    target = rng.choice(_content_objects(data))
    count = rng.choice((150_000, 300_000, 600_000))
    operator = rng.choice((b"(x) Tj", b"0 0 1 1 re f", b"1 0 0 1 0 0 cm"))
    body = b"BT /F1 1 Tf 10 10 Td\n" + b"\n".join([operator] * count) + b"\nET"
    return append_update(data, {target: _stream(zlib.compress(body, 9))})


def drop_an_object(data: bytes, rng: random.Random) -> bytes:
    """One object's body blanked to `null` in place (every offset stays right)."""
    spans = [m for m in re.finditer(rb"(\d+) 0 obj\b(.*?)endobj", data, re.DOTALL)]
    match = rng.choice(spans)
    start, end = match.span(2)
    return data[:start] + b" null" + b" " * (end - start - 5) + data[end:]


MUTATE = {"byte_flips": flip_bytes, "truncation": truncate,
          "stream_inflation": inflate_a_stream, "operator_flood": flood_operators,
          "dropped_object": drop_an_object}


def mutants(seed: int, count: int, kinds: tuple[str, ...] = KINDS) -> Iterator[Mutant]:
    """`count` mutants, the same ones for the same seed, cycling over kinds and sources."""
    rng = random.Random(seed)
    pool = sources()
    for number in range(count):
        kind = kinds[number % len(kinds)]
        source = rng.choice(pool)
        data = MUTATE[kind](source.read_bytes(), rng)
        yield Mutant(f"m{seed}-{number:04d}-{kind}-{source.stem}.pdf", kind, source, data)


# --- judging what the pipeline made of them ---------------------------------------------

OUTCOMES = ("refused", "loaded whole", "loaded with findings", "loaded incomplete, no finding",
            "loaded wrong")


@dataclass(frozen=True)
class Verdict:
    name: str
    kind: str
    outcome: str
    detail: str = ""


def findings(con, file_name: str) -> tuple[int, set[str]]:
    """(number of findings and quarantine rows, areas they name) of one loaded report;
    restatements are left out: they compare reports with each other, not with the PDF."""
    rows = con.execute(
        "SELECT d.service_area FROM data_quality_issues d JOIN reports r USING (report_id) "
        "WHERE r.file_name = ? AND d.check_name <> 'restatement' "
        "UNION ALL SELECT coalesce(q.service_area, '') FROM quarantine q "
        "JOIN reports r USING (report_id) WHERE r.file_name = ?",
        [file_name, file_name]).fetchall()
    return len(rows), {r[0] for r in rows if r[0]}


def judge(con, mutant: Mutant, error: str | None, baseline: int) -> Verdict:
    """What became of one mutant: refused (with its line), or loaded and compared with the
    truth. `baseline` is the number of findings the unmutated source loads with."""
    if error is not None:
        return Verdict(mutant.name, mutant.kind, "refused", error)
    loaded = con.execute(
        "SELECT s.directorate, s.service_area, s.period, s.stage, s.received, s.upheld_pct, "
        "s.escalated, s.upheld_not_upheld_prev_pct FROM stage_outcomes s "
        "JOIN reports r USING (report_id) WHERE r.file_name = ?", [mutant.name]).fetchall()
    if not con.execute("SELECT count(*) FROM reports WHERE file_name = ?",
                       [mutant.name]).fetchone()[0]:
        return Verdict(mutant.name, mutant.kind, "refused", "no error line and not loaded")
    expected = expected_figures(mutant.source)
    found, named_areas = findings(con, mutant.name)
    wrong = []
    for row in loaded:
        truth = expected.get(tuple(row[:4]))  # type: ignore[arg-type]
        values = dict(zip(MEASURES, row[4:], strict=True))
        if truth is None:
            if row[1] not in named_areas:
                wrong.append(f"{row[:4]}: not in the report")
            continue
        for measure, value in values.items():
            if value is not None and value != truth[measure] and row[1] not in named_areas:
                wrong.append(f"{row[:4]} {measure}: {value} (printed {truth[measure]})")
    if wrong:
        return Verdict(mutant.name, mutant.kind, "loaded wrong", "; ".join(wrong[:3]))
    whole = {tuple(r[:4]): dict(zip(MEASURES, r[4:], strict=True)) for r in loaded} == expected
    if whole and found <= baseline:
        return Verdict(mutant.name, mutant.kind, "loaded whole")
    if found > baseline:
        return Verdict(mutant.name, mutant.kind, "loaded with findings",
                       f"{found} findings (the source: {baseline})")
    return Verdict(mutant.name, mutant.kind, "loaded incomplete, no finding",
                   f"{len(loaded)} of {len(expected)} figure rows")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--count", type=int, default=50)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    for mutant in mutants(args.seed, args.count):
        (args.out / mutant.name).write_bytes(mutant.data)
    print(f"{args.count} mutants in {args.out}")


if __name__ == "__main__":
    main()
