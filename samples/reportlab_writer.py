"""Blocks -> PDF with reportlab platypus, the way a report generator makes one."""

from __future__ import annotations

from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import PageBreak as RLPageBreak
from reportlab.platypus import Paragraph as RLParagraph
from reportlab.platypus import SimpleDocTemplate, Spacer
from reportlab.platypus import Table as RLTable
from reportlab.platypus import TableStyle

from report_model import Block, Heading, PageBreak, Paragraph, Table

# Helvetica's built-in encoding has no Cyrillic, so embed a TrueType sans (Arial metrics when
# Liberation Sans is installed) to keep the Top Ten's 'Тах' homoglyph as printed.
FONT_CANDIDATES = (
    ("/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
     "/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf"),
    ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
     "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"),
)
HEADING_SIZES = {0: 16, 1: 14, 2: 12}


def register_fonts() -> tuple[str, str]:
    for regular, bold in FONT_CANDIDATES:
        if Path(regular).exists() and Path(bold).exists():
            pdfmetrics.registerFont(TTFont("ReportSans", regular))
            pdfmetrics.registerFont(TTFont("ReportSans-Bold", bold))
            return "ReportSans", "ReportSans-Bold"
    raise RuntimeError("no TrueType sans font found (apt-get install fonts-liberation)")


def _markup(text: str) -> str:
    return "<br/>".join(escape(line) for line in text.split("\n"))


class _Styles:
    def __init__(self, regular: str, bold: str) -> None:
        self.body = ParagraphStyle("body", fontName=regular, fontSize=10, leading=12.5,
                                   spaceAfter=6)
        self.cell = ParagraphStyle("cell", fontName=regular, fontSize=9, leading=11)
        self.cell_centred = ParagraphStyle("cell_c", parent=self.cell, alignment=TA_CENTER)
        self.header = ParagraphStyle("header", parent=self.cell, fontName=bold)
        self.header_centred = ParagraphStyle("header_c", parent=self.header, alignment=TA_CENTER)
        blue = colors.HexColor("#1F3C88")
        self.headings = {
            level: ParagraphStyle(f"h{level}", fontName=bold, fontSize=size, leading=size * 1.25,
                                  spaceAfter=8, textColor=blue if level == 1 else colors.black)
            for level, size in HEADING_SIZES.items()
        }


def _table(table: Table, styles: _Styles, with_header: bool, rows) -> RLTable:
    def cells(texts, plain: ParagraphStyle, centred: ParagraphStyle) -> list[RLParagraph]:
        return [
            RLParagraph(_markup(text), centred if c in table.centred_columns else plain)
            for c, text in enumerate(texts)
        ]

    data = [cells(table.header, styles.header, styles.header_centred)] if with_header else []
    data += [cells(row, styles.cell, styles.cell_centred) for row in rows]
    commands = [
        ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
        # Close the cells of a row split over a page, as Word does.
        ("LINEBELOW", (0, "splitlast"), (-1, "splitlast"), 0.5, colors.black),
        ("LINEABOVE", (0, "splitfirst"), (-1, "splitfirst"), 0.5, colors.black),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 4),
        ("RIGHTPADDING", (0, 0), (-1, -1), 4),
    ]
    if with_header:
        commands.append(("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#D9D9D9")))
    return RLTable(
        data,
        colWidths=[w * mm for w in table.widths_mm],
        style=TableStyle(commands),
        repeatRows=1 if with_header else 0,
        splitInRow=1,  # long text rows break across pages, as Word does
        hAlign="CENTER",
        spaceAfter=10,
    )


def story(blocks: list[Block], styles: _Styles) -> list:
    flowables: list = []
    for block in blocks:
        if isinstance(block, PageBreak):
            flowables.append(RLPageBreak())
        elif isinstance(block, Heading):
            flowables.append(RLParagraph(_markup(block.text), styles.headings[block.level]))
        elif isinstance(block, Paragraph):
            flowables.append(RLParagraph(_markup(block.text), styles.body))
        elif isinstance(block, Table):
            if block.split_after_row is None:
                flowables.append(_table(block, styles, True, block.rows))
            else:
                head, tail = block.rows[: block.split_after_row], block.rows[block.split_after_row:]
                flowables += [
                    _table(block, styles, True, head),
                    RLPageBreak(),
                    _table(block, styles, block.split_repeats_header, tail),
                ]
    return flowables


def render_reportlab_pdf(blocks: list[Block], pdf_path: Path, title: str) -> None:
    styles = _Styles(*register_fonts())
    document = SimpleDocTemplate(
        str(pdf_path), pagesize=landscape(A4),
        leftMargin=15 * mm, rightMargin=15 * mm, topMargin=15 * mm, bottomMargin=15 * mm,
        title=title, author="Complaints Team", creator="samples/render.py", invariant=1,
    )
    document.build(story(blocks, styles))
