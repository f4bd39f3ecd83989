"""Check a rendered sample PDF against its golden file with pdfplumber (nothing from pipeline/).

    python samples/check.py [PDF ...]     (default: tests/fixtures/pdfs/*.pdf; the golden file
                                           is the PDF's stem without its -word/-reportlab suffix)

Each table pdfplumber finds is matched, in reading order, to the table the renderer was asked to
draw (report_model). A table broken across pages is several fragments: a fragment continues the
current table until the current table's text is complete. Per column, the fragments' text with
all whitespace removed must equal the golden text with all whitespace removed, so a row split
mid-text over a page still checks exactly; figure cells (Top Ten, Comparative Data) must also
match cell for cell, line breaks included (e.g. "218\\n(186)").
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pdfplumber

sys.path.insert(0, str(Path(__file__).resolve().parent))

from report_model import Golden, Table, layout_of, report_blocks, tables  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
FIGURE_KINDS = {"top_ten", "comparative"}
# layout font -> the font family (PostScript name, subset prefix and style dropped) that most
# characters must be set in; checked only when a golden file's layout names a font.
FONT_FAMILIES = {
    "sans": "LiberationSans",
    "serif": "LiberationSerif",
    "sans-narrow": "LiberationSansNarrow",
    "sans-condensed": "DejaVuSansCondensed",
}


@dataclass
class Fragment:
    page: int
    has_header: bool
    rows: list[list[str]]


@dataclass
class TableCheck:
    expected: Table
    fragments: list[Fragment] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)

    def label(self) -> str:
        area = self.expected.service_area
        return self.expected.kind + (f"({area})" if area else "")


@dataclass
class CheckResult:
    pdf: Path
    page_count: int
    tables: list[TableCheck]
    problems: list[str]


def squash(text: str | None) -> str:
    return re.sub(r"\s+", "", text or "")


def expected_columns(table: Table) -> list[str]:
    return ["".join(squash(row[c]) for row in table.rows) for c in range(len(table.widths_mm))]


def is_header(row: list[str], table: Table) -> bool:
    return len(row) == len(table.header) and all(
        squash(cell) == squash(text) for cell, text in zip(row, table.header, strict=True)
    )


def found_tables(pdf, orientation: str = "landscape") -> tuple[
        list[tuple[int, list[list[str]]]], list[str]]:
    """Every ruled table pdfplumber finds, in reading order, plus page-level problems."""
    found, problems = [], []
    for page in pdf.pages:
        if (page.width > page.height) != (orientation == "landscape"):
            problems.append(f"page {page.page_number} is not {orientation} "
                            f"({page.width}x{page.height})")
        page_tables = sorted(page.find_tables(), key=lambda t: (t.bbox[1], t.bbox[0]))
        if page_tables and not page.edges:
            problems.append(f"page {page.page_number} has tables but no ruled lines")
        for table in page_tables:
            rows = [[cell or "" for cell in row] for row in table.extract()]
            found.append((page.page_number, rows))
    return found, problems


def match_fragments(expected: list[Table], found) -> tuple[list[TableCheck], list[str]]:
    checks = [TableCheck(table, columns=[""] * len(table.widths_mm)) for table in expected]
    targets = [expected_columns(table) for table in expected]
    problems: list[str] = []
    index = 0
    for page_number, rows in found:
        current = checks[index] if index < len(checks) else None
        if current and current.fragments:
            complete = current.columns == targets[index]
            starts_next = (index + 1 < len(checks) and bool(rows)
                           and is_header(rows[0], expected[index + 1]))
            if complete or (starts_next and not is_header(rows[0], current.expected)):
                index += 1
                current = checks[index] if index < len(checks) else None
        if current is None:
            problems.append(f"page {page_number}: unexpected table starting {rows[0][:2]!r}")
            continue
        has_header = bool(rows) and is_header(rows[0], current.expected)
        if not current.fragments and not has_header:
            problems.append(f"page {page_number}: expected {current.label()} header, "
                            f"found {rows[0][:2]!r}")
        if has_header:
            # Same words, not just the same letters: a word broken inside a narrow cell
            # ('proportio\nn') would hide a header phrase from the extractor.
            for cell, text in zip(rows[0], current.expected.header, strict=True):
                if (cell or "").split() != text.split():
                    problems.append(f"page {page_number}: {current.label()} header cell "
                                    f"{cell!r} breaks a word of {text!r}")
        body = rows[1:] if has_header else rows
        if any(len(row) != len(current.expected.widths_mm) for row in body):
            problems.append(f"page {page_number}: {current.label()} has a row of the wrong width")
            continue
        current.fragments.append(Fragment(page_number, has_header, body))
        for c in range(len(current.columns)):
            current.columns[c] += "".join(squash(row[c]) for row in body)
    for check, target in zip(checks, targets, strict=True):
        if not check.fragments:
            problems.append(f"{check.label()}: not found")
        elif check.columns != target:
            problems.append(f"{check.label()}: text differs from golden")
        elif check.expected.kind in FIGURE_KINDS:
            cells = [row for fragment in check.fragments for row in fragment.rows]
            if [list(row) for row in check.expected.rows] != cells:
                problems.append(f"{check.label()}: figure cells differ: {cells!r}")
    return checks, problems


def font_family(fontname: str) -> str:
    """'CAAAAA+LiberationSerif-Bold' -> 'LiberationSerif'."""
    return re.sub(r"-(Bold|Italic|BoldItalic|Oblique|BoldOblique)$", "",
                  fontname.split("+", 1)[-1])


def font_problems(pdf, font: str) -> list[str]:
    counts: dict[str, int] = {}
    for page in pdf.pages:
        for char in page.chars:
            family = font_family(char["fontname"])
            counts[family] = counts.get(family, 0) + 1
    expected = FONT_FAMILIES[font]
    total = sum(counts.values()) or 1
    if counts.get(expected, 0) / total < 0.95:
        return [f"font {font!r}: expected {expected}, found {counts}"]
    return []


def split_problems(checks: list[TableCheck], golden: Golden) -> list[str]:
    """The forced page breaks the layout asks for: the table continues on a new page, with or
    without its header row as asked."""
    layout = layout_of(golden)
    wanted = []
    if layout["top_ten_split"]:
        wanted.append(("top_ten", None, layout["top_ten_split"]))
    for kind in ("comparative", "analysis"):
        if split := layout[f"{kind}_split"]:
            wanted.append((kind, split["service_area"], split))
    problems = []
    for kind, area, split in wanted:
        check = next(c for c in checks
                     if c.expected.kind == kind and c.expected.service_area == area)
        fragments = check.fragments
        broken = len(fragments) > 1 and fragments[1].page == fragments[0].page + 1 \
            and len(fragments[0].rows) == split["after_row"]
        if not broken:
            problems.append(f"{check.label()}: no page break after row {split['after_row']}")
        elif fragments[1].has_header != bool(split.get("repeat_header")):
            problems.append(f"{check.label()}: continuation has_header={fragments[1].has_header}")
    return problems


def trap_problems(checks: list[TableCheck]) -> list[str]:
    """The layout traps every sample must contain (see samples/README.md)."""
    problems = []
    comparative_breaks = [
        c for c in checks if c.expected.kind == "comparative" and len(c.fragments) > 1
        and not c.fragments[1].has_header
    ]
    if not comparative_breaks:
        problems.append("no Comparative Data table continues on a new page without its header")
    analysis_breaks = [c for c in checks if c.expected.kind == "analysis" and len(c.fragments) > 1]
    if not analysis_breaks:
        problems.append("no analysis table continues across a page break")
    return problems


def check_report(golden: Golden, pdf_path: Path) -> CheckResult:
    layout = layout_of(golden)
    with pdfplumber.open(pdf_path) as pdf:
        found, problems = found_tables(pdf, layout["orientation"])
        if "font" in (golden.get("layout") or {}):
            problems += font_problems(pdf, layout["font"])
        text = "\n".join(page.extract_text() or "" for page in pdf.pages)
        page_count = len(pdf.pages)
    checks, table_problems = match_fragments(tables(report_blocks(golden)), found)
    problems += table_problems + trap_problems(checks)
    if not table_problems:
        problems += split_problems(checks, golden)
    flat = squash(text)
    for entry in golden["top_ten"]:
        for line in entry["printed_name"]:
            if squash(line) not in flat:
                problems.append(f"printed name line {line!r} lost from the text")
    for dashboard in golden["dashboards"]:
        headings = (dashboard["directorate_heading"], dashboard["area_heading"])
        for printed in (*headings, dashboard.get("note")):
            if printed and squash(printed) not in flat:
                problems.append(f"{printed[:40]!r}... lost from the text")
    return CheckResult(pdf_path, page_count, checks, problems)


def mid_row_split(check: TableCheck) -> bool:
    rows = sum(len(fragment.rows) for fragment in check.fragments)
    return rows > len(check.expected.rows)


def page_map(result: CheckResult) -> dict[int, list[str]]:
    pages: dict[int, list[str]] = {n: [] for n in range(1, result.page_count + 1)}
    for check in result.tables:
        for position, fragment in enumerate(check.fragments):
            label = check.label()
            if position:
                label += " cont." + (" +header" if fragment.has_header else " no header")
                if mid_row_split(check) and position == len(check.fragments) - 1:
                    label += " mid-row"
            pages[fragment.page].append(label)
    return pages


def print_page_map(result: CheckResult) -> None:
    print(f"  {result.pdf.name}: {result.page_count} pages, "
          f"{'OK' if not result.problems else str(len(result.problems)) + ' problem(s)'}")
    for page, labels in page_map(result).items():
        print(f"    p{page}: {', '.join(labels) or '-'}")


def golden_for(pdf_path: Path) -> Path:
    stem = re.sub(r"-(word|reportlab)$", "", pdf_path.stem)
    return ROOT / "tests" / "fixtures" / "golden" / f"{stem}.json"


def check_and_print(golden: dict, pdf_path: Path) -> int:
    """Check one rendered PDF, print its page map and problems; the number of problems."""
    result = check_report(golden, pdf_path)
    print_page_map(result)
    for problem in result.problems:
        print(f"  FAIL {problem}")
    return len(result.problems)


def main(argv: list[str]) -> int:
    pdfs = [Path(a) for a in argv] or sorted((ROOT / "tests" / "fixtures" / "pdfs").glob("*.pdf"))
    failures = 0
    for pdf_path in pdfs:
        golden = json.loads(golden_for(pdf_path).read_text(encoding="utf-8"))
        failures += check_and_print(golden, pdf_path)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
