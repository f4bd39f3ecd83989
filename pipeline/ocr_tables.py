"""What OCR misspelt in a scanned figure table's header and area names, read as the report's
own words would be, before the report is read (ocr_report). The figures under them are still
verified by the report's arithmetic before anything is loaded."""

from __future__ import annotations

import difflib
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace

from pipeline.checks import LABELS
from pipeline.config import AreaCatalogue, area_catalogue, header_vocabulary
from pipeline.extract.document import Block, DocumentBlocks, TableBlock
from pipeline.extract.layout import (
    has_phrase,
    header_measure,
    header_stage,
    is_difference_label,
    is_period_label,
    map_figure_columns,
)
from pipeline.extract.ocr import OcrPage
from pipeline.normalise import (
    financial_year,
    fold_name,
    plain_name,
    previous_financial_year,
    squash,
)


def scanned_pages(document: DocumentBlocks) -> dict[int, OcrPage]:
    return {page: scan for page, scan in document.ocr_pages.items() if scan is not None}


def tidy_scanned_tables(document: DocumentBlocks, council: str | None) -> DocumentBlocks:
    """What OCR misspelt in a scanned figure table's headers and area names, read as the
    report's own words would be (the figures under them are still verified)."""
    return known_area_names(blank_unread_headers(document), area_catalogue(council))


# An OCR'd area name this close to a catalogue name (difflib ratio), and clearly closer than
# to any other, is that name: one letter wrong in 'Repalrs' is 0.86 from 'Repairs', 'Non Retum
# of Bins' 0.97 from 'Non Return of Bins'; the catalogue's names differ by far more.
NAME_MATCH = 0.85
NAME_MARGIN = 0.05


def known_area_names(document: DocumentBlocks, catalogue: AreaCatalogue) -> DocumentBlocks:
    """A Top Ten row's area name on a scanned page that the catalogue does not know, but
    that is one OCR slip from a name it knows, is read as that name. A dashboard this row
    is wrongly given to would fail verification: its figures are checked against this row's."""
    scans = scanned_pages(document)
    phrases = list(header_vocabulary().tables["top_ten"])
    blocks: list[Block] = []
    top_ten: TableBlock | None = None  # the last Top Ten part seen
    for block in document.blocks:
        if isinstance(block, TableBlock) and block.page in scans and block.rows:
            header = 1 if has_phrase(squash(block.rows[0][0]), phrases) else 0
            if header or _continues(block, top_ten):
                rows = [(_known_name(row[0], catalogue), *map(bracketed_cell, row[1:]))
                        if row else row for row in block.rows[header:]]
                block = replace(block, rows=(*block.rows[:header], *rows))
                top_ten = block
            else:
                top_ten = None
        blocks.append(block)
    return replace(document, blocks=blocks)


_ONE_BRACKET = re.compile(r"^(?:\(([0-9]+%?)|([0-9]+%?)\))$")


def bracketed_cell(cell: str | None) -> str | None:
    """A Top Ten cell, this year's figure and last year's in brackets, whose second figure lost
    one bracket ('11% 6%)', '47 (54'), read with both: the bracket is what tells last year's
    figure; and a speck read as a dash beside or between its figures ('27 -', '1 - (9)': the
    Top Ten prints no sign) left out. Only a candidate, like every OCR'd figure: it must equal
    the dashboard's."""
    words = squash(cell).split(" ")
    if any(word not in _DASHES for word in words):
        words = [word for word in words if word not in _DASHES]
    if len(words) != 2 or not (second := _ONE_BRACKET.match(words[1])):
        return " ".join(words) if len(words) < len(squash(cell).split(" ")) else cell
    return f"{words[0]} ({second[1] or second[2]})"


_DASHES = frozenset({"-", "\u2013", "\u2014"})


def _continues(block: TableBlock, top_ten: TableBlock | None) -> bool:
    """The Top Ten going on at the top of the next page without its header (the 2019/20
    report's 'Environment – Non Retum of Bins' was on the second page): the first table of a
    later page, as many columns wide, with no table's header of its own."""
    if top_ten is None or block.page <= top_ten.page or not block.rows[0]:
        return False
    tables = header_vocabulary().tables
    return len(block.rows[0]) == len(top_ten.rows[0]) and not has_phrase(
        squash(block.rows[0][0]), [p for phrases in tables.values() for p in phrases])


def _known_name(cell: str | None, catalogue: AreaCatalogue) -> str | None:
    printed = plain_name(cell)
    if not printed or catalogue.resolve(printed)[0] is not None:
        return cell
    directorate, rest = catalogue.split_directorate(printed)
    names = catalogue.areas if directorate else {**catalogue.areas, **catalogue.qualified_areas}
    wanted = fold_name(rest if directorate else printed)
    scored = sorted(((difflib.SequenceMatcher(None, wanted, key).ratio(), key)
                     for key in names), reverse=True)
    if not scored or scored[0][0] < NAME_MATCH or (
            len(scored) > 1 and scored[1][0] > scored[0][0] - NAME_MARGIN):
        return cell
    area = names[scored[0][1]]
    if directorate is not None and area.directorate != directorate:
        return cell
    if directorate:  # the directorate as printed, the name as the catalogue spells it
        return f"{printed[:len(printed) - len(rest)].rstrip()} {area.name}"
    return area.name if scored[0][1] in catalogue.areas else f"{area.directorate} – {area.name}"


def blank_unread_headers(document: DocumentBlocks) -> DocumentBlocks:
    """A figure table's header cell that OCR misspelt ('S1 escalating', 'upheld' without its
    '%') is made blank on scanned pages, so it is read as the blank header cells this report
    family prints are: the canonical column between its recognised neighbours; a header whose
    readable cells mostly name the canonical columns in order is read as that order. A table
    is a figure table by its first cell's words, or by its figure header in canonical order
    when OCR misspelt the first cell ('Comparison: 2017/18 ve 2016/17'). Every figure under
    it is still verified against the other table before it is loaded."""
    scans = scanned_pages(document)
    vocabulary = header_vocabulary().tables
    phrases = [*vocabulary["top_ten"], *vocabulary["comparative"]]
    blocks: list[Block] = []
    for block in document.blocks:
        if isinstance(block, TableBlock) and block.page in scans and block.rows:
            header = tidy_figure_header(block.rows[0], phrases)
            rows = block.rows[1:]
            if has_phrase(squash(header[0]), vocabulary["comparative"]):
                rows = comparative_rows(header[0], rows)
            block = replace(block, rows=(header, *rows))
        blocks.append(block)
    return replace(document, blocks=blocks)


# A scanned figure table's title, or a row label, this close (difflib ratio, word run against
# phrase) to one of the vocabulary's phrases reads as that phrase: 'Year on yeas' is 0.92 from
# 'year on year', 'Novement' 0.88 from 'movement' (the 2019/20 100 dpi scan); the phrases of
# the vocabulary differ by far more.
PHRASE_MATCH = 0.85


def known_phrase(text: str | None, phrases: Sequence[str]) -> str | None:
    """`text` with the first run of its words that is one OCR slip from a phrase written as
    the phrase ('Year on yeas: 2019-20 v 2018-19' -> 'year on year: 2019-20 v 2018-19'); None
    when no run of its words is. A colon ends a word even where OCR read no space after it
    ('Camparison:2017/18', PP-OCR's reading of the 2017/18 100 dpi scan)."""
    words = _COLON_RUN_ON.sub(": ", squash(text)).split(" ")
    for phrase in phrases:
        wanted = fold_name(phrase)
        length = len(phrase.split())
        for start in range(len(words) - length + 1):
            run = " ".join(words[start:start + length])
            tail = run[len(run.rstrip(":.")):]  # punctuation after the phrase stays
            if difflib.SequenceMatcher(None, fold_name(run.rstrip(":.")),
                                       wanted).ratio() >= PHRASE_MATCH:
                return " ".join([*words[:start], phrase + tail, *words[start + length:]])
    return None


def comparative_rows(title: str | None, rows: Sequence[tuple[str | None, ...]]
                     ) -> tuple[tuple[str | None, ...], ...]:
    """A scanned Comparative Data table's rows with OCR's slips in their labels and year
    figures undone: a label one slip from a year the table prints (its title's, its other
    labels', or the year before or after one: '217/18' for 2017/18) or from a Difference label
    ('Novement') is read as it, and a year row's figure read with a speck before it as a dash
    ('- 2', '- 45%': a count or rate of a year is never negative) without it. Every figure is
    still verified before it is loaded."""
    printed = [financial_year(match[0]) for match in _YEAR.finditer(title or "")]
    printed += [financial_year(row[0]) for row in rows if row and is_period_label(row[0])]
    years = sorted({year for found in printed if found for year in (
        previous_financial_year(found), found, next_financial_year(found))})
    tidied = []
    for row in rows:
        if row:
            label = known_row_label(row[0], years)
            if is_period_label(label):
                row = (label, *(_SPECK_DASH.sub("", cell) if cell else cell
                                for cell in row[1:]))
            else:
                row = (label, *row[1:])
        tidied.append(row)
    return tuple(tidied)


_YEAR = re.compile(r"(?<!\d)(?:19|20)\d\d\s*[-/]\s*\d\d(?!\d)")
_COLON_RUN_ON = re.compile(r":(?=\S)")
_YEAR_HALVES = re.compile(r"(\d\d)[-/](\d\d)$")
_SPECK_DASH = re.compile(r"^[-\u2013\u2014]\s+(?=\d)")


def next_financial_year(period: str) -> str:
    start = int(period[:4]) + 1
    return f"{start}/{(start + 1) % 100:02d}"


def known_row_label(cell: str | None, years: Sequence[str] = ()) -> str | None:
    """A Comparative Data row label that is neither a year nor a Difference label but one OCR
    slip from a Difference label ('Novement'), read as that label. Its figures are still
    verified: the Difference must equal this year minus last year."""
    if is_period_label(cell) or is_difference_label(cell):
        return cell
    return known_year(cell, years) or \
        known_phrase(cell, header_vocabulary().tables["difference_row"]) or cell


def known_year(cell: str | None, years: Sequence[str]) -> str | None:
    """The one of `years` ('2017/18') a row label is one slip from ('217/18', '2017/1B'),
    clearly closer than to any other; None when none is."""
    text = squash(cell)
    if not text or len(text) > 12:
        return None
    # The two two-digit halves say which year it is; OCR slips most in the century before
    # them, at the cell's edge ('D17/18' from a 100 dpi scan's 2017/18).
    if (halves := _YEAR_HALVES.search(text)) and len(text) <= 8:
        named = [year for year in years if year[2:] == f"{halves[1]}/{halves[2]}"]
        if len(named) == 1:
            return named[0]
    scored = sorted(((max(difflib.SequenceMatcher(None, text, form).ratio()
                          for form in (year, year.replace("/", "-"))), year) for year in years),
                    reverse=True)
    if not scored or scored[0][0] < PHRASE_MATCH or (
            len(scored) > 1 and scored[1][0] > scored[0][0] - NAME_MARGIN):
        return None
    return scored[0][1]


def tidy_figure_header(header: tuple[str | None, ...],
                       phrases: list[str]) -> tuple[str | None, ...]:
    """A scanned table's header row as the figure header it stands for (unchanged when the
    table is not a figure table). In canonical order: the canonical labels. Otherwise each
    figure cell that does not read as a header, or that names a column another cell names too
    (a speck in 'having not been * upheld' leaves only 'upheld': two columns of % upheld,
    the later one's figures loaded as the other's), is made blank."""
    if not header:
        return header
    cells = [known_header_cell(cell) for cell in header[1:]]
    if _in_canonical_order(cells):
        title = header[0] if has_phrase(squash(header[0]), phrases) else \
            known_phrase(header[0], phrases) or header[0]
        return (title, *(LABELS[column] for column in header_vocabulary().canonical_columns))
    if not has_phrase(squash(header[0]), phrases):
        return header
    mapped = figure_columns(cells)
    named = Counter(column for column in mapped if column is not None)
    tidied = [cell if _reads_as_header(cell) and (column is None or named[column] == 1)
              else "" for column, cell in zip(mapped, cells, strict=True)]
    return (header[0], *columns_between(tidied))


def known_header_cell(cell: str | None) -> str | None:
    """A scanned figure header cell with a run of its words one OCR slip from a phrase of the
    vocabulary's measures ('having mot been upheld at', 'referred te Stage 2'), read as that
    phrase, when that measure is checked before the one the cell names as read (or it names
    none): 'upheld at Stage 1' in the misread cell named % upheld, so the 2017/18 300 dpi
    scan's Top Ten header could not be in printed order and none of its 200 figures was read.
    Phrases of one word are left alone (a slip in 'total' is too short to tell). The figures
    under the header are still verified before they are loaded."""
    text = squash(cell)
    if not text:
        return cell
    named = header_measure(text)
    for measure, measure_phrases in header_vocabulary().measures:
        if measure == named:
            break
        longer = [phrase for phrase in measure_phrases if " " in phrase]
        if longer and (known := known_phrase(text, longer)) is not None:
            return known
    return cell


# A header is read by the cells that name their column only when at least this many do.
MIN_NAMED_COLUMNS = 3


def columns_between(cells: Sequence[str | None]) -> list[str]:
    """A scanned figure header (its figure cells, unread ones blank) with every column told:
    the cells that name a measure are read (with their stage, or the one their place gives), and
    the cells between two of them (or before the first, after the last) are the canonical
    columns between theirs when exactly as many are (or none: a column the grid did not find);
    all made the canonical labels. When the columns named cannot be in printed order, or a
    run of other cells is not exactly as long as the canonical columns it stands for (or
    prints another stage), no column is told (every cell blank, and the
    figures under them quarantined): a figure under a wrong column is confirmed by its own
    Difference and Top Ten alike (the 2017/18 150 dpi scan's 'Stage 1 total', 92 and 101,
    was loaded as S1 escalated when the blanks were told from their nearest neighbour)."""
    canonical = list(header_vocabulary().canonical_columns)
    texts = [squash(cell) for cell in cells]
    named = figure_columns([t if t and header_measure(t) else "?" for t in texts])
    blank = ["" for _ in cells]
    if sum(column is not None for column in named) < MIN_NAMED_COLUMNS \
            or not columns_fit(named):
        return blank
    told: list[tuple[int, str] | None] = list(named)
    places = {i: canonical.index(column) for i, column in enumerate(named) if column is not None}
    anchors = [-1, *places, len(named)]
    for before, after in zip(anchors, anchors[1:], strict=False):
        low = places[before] + 1 if before >= 0 else 0
        high = places.get(after, len(canonical))
        between = range(before + 1, after)
        if not between:
            continue  # the columns between not printed (or not found by the grid)
        if len(between) != high - low:
            return blank
        for position, column in zip(between, canonical[low:high], strict=True):
            stage = header_stage(texts[position]) if texts[position] else None
            if stage is not None and stage != column[0]:
                return blank  # 'Stage 2 ...' where stage 1's column must be
            told[position] = column
    return [LABELS[column] if column is not None else "" for column in told]


def figure_columns(cells: Sequence[str | None]) -> list[tuple[int, str] | None]:
    """`layout.map_figure_columns` of a scanned header, a cell naming a column the report
    family does not print ('Stage 1 ... not upheld at': a misread, as in the 2017/18 150 dpi
    scan read at 450 dpi) read as no header, so the blanks around it are told by the columns
    the family does print (columns_between), not by a misread."""
    canonical = header_vocabulary().canonical_columns
    texts = [squash(cell) for cell in cells]
    alone = [map_figure_columns([text])[0] if text else None for text in texts]
    return map_figure_columns([text if column is None or column in canonical else "?"
                               for text, column in zip(texts, alone, strict=True)])


def columns_fit(columns: Sequence[tuple[int, str] | None]) -> bool:
    """Whether the columns a header is read as can be the canonical ones in printed order:
    each later than the one before by at least as many places as it is printed after it.
    When they cannot, some were told wrongly (a blank inferred between neighbours too far
    apart, a misread 'Stage 2 referred te Stage 2' for 'Stage 1 referred to Stage 2'), and
    a figure under a wrong column is confirmed by its own Difference and Top Ten alike: the
    2017/18 150 dpi scan's Top Ten and dashboard both read 'Stage 1 total' (92) as S1
    escalated, and it was loaded so."""
    canonical = list(header_vocabulary().canonical_columns)
    if any(column is not None and column not in canonical for column in columns):
        return False  # a column the report family does not print (S1 'not upheld at')
    placed = [(position, canonical.index(column)) for position, column in enumerate(columns)
              if column is not None]
    return all(index >= position for position, index in placed[:1]) and all(
        later - earlier >= after - before
        for (before, earlier), (after, later) in zip(placed, placed[1:], strict=False))


def _in_canonical_order(cells: Sequence[str | None]) -> bool:
    """A header of as many figure columns as the canonical order, whose readable cells
    mostly name the canonical column at their place: OCR's misreads ('S2 rec'd' for 'S1
    rec'd') are then the exceptions, and every column is read as the canonical one."""
    canonical = list(header_vocabulary().canonical_columns)
    if len(cells) != len(canonical):
        return False
    mapped = figure_columns(cells)
    agree = sum(m == c for m, c in zip(mapped, canonical, strict=True))
    differ = sum(m is not None and m != c for m, c in zip(mapped, canonical, strict=True))
    return agree >= 3 and agree >= 2 * differ


def _reads_as_header(cell: str | None) -> bool:
    text = squash(cell)
    return cell is None or not text or header_measure(text) is not None or (
        header_stage(text) is not None and len(text) <= 12)
