"""Blocks -> HTML + CSS -> PDF printed by headless Chromium, the way a web CMS publishes one.

Borderless tables (one rule under the header, none between columns), zebra row shading, the
header row repeated on every page a table runs onto (Chromium repeats a <thead>), a running
header and a page number in the @page margin boxes, A4 portrait whatever the golden layout
says. Everything printed comes from the same blocks the other writers draw.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from html import escape
from pathlib import Path

from report_model import (
    DEFAULT_SETUP,
    Block,
    FurnitureLine,
    Heading,
    PageBreak,
    PageSetup,
    Paragraph,
    Table,
    furniture_parts,
    row_parts,
)

# layout font -> CSS font stack (the metric-compatible faces Debian ships).
FONTS = {
    "sans": '"Liberation Sans", Arial, sans-serif',
    "serif": '"Liberation Serif", "Times New Roman", serif',
    "sans-narrow": '"Liberation Sans Narrow", "Arial Narrow", sans-serif',
    "sans-condensed": '"DejaVu Sans Condensed", sans-serif',
}
HEADING_TAGS = {0: "h1", 1: "h2", 2: "h3"}
CHROMIUM_TIMEOUT_S = 120
CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer",
                  "--disable-background-networking", "--disable-component-update",
                  "--no-first-run", "--disable-sync")

CSS = """
@page {
  size: A4 portrait;
  margin: 18mm 12mm 16mm 12mm;
  %(boxes)s
}
body { font: 10pt %(font)s; margin: 0; color: #111; }
h1 { font-size: 16pt; margin: 0 0 8pt; }
h2 { font-size: 14pt; margin: 0 0 8pt; color: #1f3c88; }
h3 { font-size: 12pt; margin: 0 0 6pt; }
p { margin: 0 0 6pt; }
.page-break { break-before: page; }
table { border-collapse: collapse; width: 100%%; margin: 0 0 10pt; table-layout: fixed; }
th, td { padding: 3pt 3pt; vertical-align: top; text-align: left; overflow-wrap: normal; }
th { font-weight: bold; border-bottom: 1px solid #444; }
tbody tr:nth-child(even) td { background: #e8edf4; }
tr { break-inside: avoid; }
td.centred, th.centred { text-align: center; }
"""


def _cell_html(text: str) -> str:
    return "<br>".join(escape(line) for line in text.split("\n"))


def _header_html(table: Table, cell) -> str:
    """The <thead>: one row, or a group row ("Stage 1" over its measures, colspan) above the
    measure names, its first cell merged with the blank one below it (rowspan)."""
    if table.group_header is None:
        return "<tr>" + "".join(cell("th", i, t) for i, t in enumerate(table.header)) + "</tr>"
    (first, _), *groups = table.group_header
    top = [f'<th rowspan="2">{_cell_html(first)}</th>']
    top += [f'<th class="centred" colspan="{span}">{_cell_html(text)}</th>'
            for text, span in groups]
    below = "".join(cell("th", i, t) for i, t in enumerate(table.header) if i > 0)
    return f'<tr class="group">{"".join(top)}</tr><tr>{below}</tr>'


def _table_html(table: Table, rows: list[tuple[str, ...]], with_header: bool,
                break_before: bool) -> str:
    total = sum(table.widths_mm)
    cols = "".join(f'<col style="width:{100 * w / total:.2f}%">' for w in table.widths_mm)
    style = f' style="font-size:{table.font_size:g}pt"'
    classes = ' class="page-break"' if break_before else ""
    parts = [f"<table{classes}{style}><colgroup>{cols}</colgroup>"]

    def cell(tag: str, column: int, text: str) -> str:
        centred = ' class="centred"' if column in table.centred_columns else ""
        return f"<{tag}{centred}>{_cell_html(text)}</{tag}>"

    if with_header:
        parts.append(f"<thead>{_header_html(table, cell)}</thead>")
    parts.append("<tbody>")
    for row in rows:
        parts.append("<tr>" + "".join(cell("td", i, t) for i, t in enumerate(row)) + "</tr>")
    parts.append("</tbody></table>")
    return "".join(parts)


def _margin_boxes(setup: PageSetup, running: str, font: str) -> str:
    """@page margin boxes: the layout's running header/footer lines (the fuzzer's furniture),
    or by default the report title top left and "Page n of N" bottom right."""
    lines = setup.furniture or (FurnitureLine("top", "left", running),
                                FurnitureLine("bottom", "right", "Page {page} of {pages}"))
    boxes: dict[str, list[str]] = {}
    for line in lines:
        content = []
        for part in furniture_parts(line.template):
            if part == "{page}":
                content.append("counter(page)")
            elif part == "{pages}":
                content.append("counter(pages)")
            else:
                content.append('"' + part.replace("\\", "\\\\").replace('"', "'") + '"')
        box = f"{line.place}-{'center' if line.align == 'centre' else line.align}"
        if box in boxes:  # two lines in one place: printed side by side
            content = ['"   "', *content]
        boxes.setdefault(box, []).extend(content)
    return "".join(f"@{box} {{ content: {' '.join(content)}; font: 8pt {font}; color: #555; }}"
                   for box, content in boxes.items())


def build_html(blocks: list[Block], title: str, setup: PageSetup = DEFAULT_SETUP) -> str:
    font = FONTS[setup.font]
    body: list[str] = []
    pending_break = False
    for block in blocks:
        if isinstance(block, PageBreak):
            pending_break = True
            continue
        if isinstance(block, Heading):
            tag = HEADING_TAGS[block.level]
            classes = ' class="page-break"' if pending_break else ""
            body.append(f"<{tag}{classes}>{escape(block.text)}</{tag}>")
        elif isinstance(block, Paragraph):
            classes = ' class="page-break"' if pending_break else ""
            body.append(f"<p{classes}>{escape(block.text)}</p>")
        elif isinstance(block, Table):
            # A forced page break inside the table (row_parts: a second part) puts the rest on
            # the next page, under the header again only if the layout says so.
            first, *rest = row_parts(block)
            body.append(_table_html(block, first, True, pending_break))
            for part in rest:
                body.append(_table_html(block, part, block.split_repeats_header, True))
        pending_break = False
    # The running header repeats the report's own title (the ruled renderings print no more).
    running = next((b.text for b in blocks if isinstance(b, Heading) and b.level == 0), title)
    css = CSS % {"font": font, "boxes": _margin_boxes(setup, running, font)}
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
            f"<title>{escape(title)}</title><style>{css}</style></head>"
            f"<body>{''.join(body)}</body></html>")


def _stabilise_pdf(data: bytes) -> bytes:
    """Chromium stamps the print time: fix it in place (same length, offsets hold)."""
    return re.sub(rb"D:\d{14}", b"D:20190701090000", data)


def html_to_pdf(html_path: Path, pdf_path: Path, chromium: str = "chromium") -> None:
    with tempfile.TemporaryDirectory(prefix="render-chromium-") as profile:
        command = [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}",
                   f"--print-to-pdf={pdf_path}", html_path.as_uri()]
        result = subprocess.run(command, capture_output=True, text=True,
                                timeout=CHROMIUM_TIMEOUT_S)
        if result.returncode != 0 or not pdf_path.exists():
            raise RuntimeError(f"chromium failed ({result.returncode}): {result.stderr.strip()}")
    pdf_path.write_bytes(_stabilise_pdf(pdf_path.read_bytes()))


def render_html_pdf(blocks: list[Block], pdf_path: Path, title: str,
                    setup: PageSetup = DEFAULT_SETUP) -> None:
    with tempfile.TemporaryDirectory(prefix="render-html-") as tmp:
        html_path = Path(tmp, pdf_path.stem + ".html")
        html_path.write_text(build_html(blocks, title, setup), encoding="utf-8")
        chromium = shutil.which("chromium") or "/usr/bin/chromium"
        html_to_pdf(html_path, pdf_path, chromium)
