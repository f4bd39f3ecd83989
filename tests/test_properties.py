"""Property tests of the pure helpers: any printed text in gives a value, NULL or a typed
rejection, never an exception; the round trips a report relies on hold."""

from __future__ import annotations

import math

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from pipeline.extract.layout import (
    column_stage,
    header_measure,
    header_stage,
    is_difference_label,
    is_period_label,
    looks_like_figure_rows,
    map_figure_columns,
)
from pipeline.families import detect_family
from pipeline.normalise import (
    DASHES,
    ParsedCell,
    clean_text,
    financial_year,
    fold_name,
    parse_count,
    parse_percent,
    parse_signed,
    plain_name,
    previous_financial_year,
    split_bracketed,
    squash,
    stage_of,
)
from schemas.types import FINANCIAL_YEAR_PATTERN

# No deadline: a loaded CI machine must not turn a slow example into a failure.
relaxed = settings(deadline=None, max_examples=150)

# Text as a PDF cell can hold it: any characters, plus the ones reports really print.
PRINTED = st.sampled_from(list("0123456789 ,.%+-()/\n\t") + list(DASHES) + [
    "N/A", "n/a", "nil*", "\u00a0", "\u2009", "\ufeff", "\u200b", "ТаХ", "\u0301", "ﬁ", "١", "²"])
CELL = st.one_of(st.none(), st.text(), st.lists(PRINTED, max_size=12).map("".join))
MEASURES = {"received", "upheld_pct", "escalated", "upheld_not_upheld_prev_pct"}
# The 2018/19 Top Ten header, as printed (figure columns only).
HEADER_2018_19 = ["S1 rec'd", "% upheld", "S1\nescalated", "S2 rec'd", "% upheld",
                  "% of S2\nupheld, that\nwere not\nupheld at\nS1", "S2\nescalated", "S3 rec'd",
                  "% upheld", "% of S3\nupheld, that\nwere not\nupheld at\nS2"]
CANONICAL = [(1, "received"), (1, "upheld_pct"), (1, "escalated"), (2, "received"),
             (2, "upheld_pct"), (2, "upheld_not_upheld_prev_pct"), (2, "escalated"),
             (3, "received"), (3, "upheld_pct"), (3, "upheld_not_upheld_prev_pct")]


def assert_well_formed(cell: ParsedCell, raw: str | None) -> None:
    assert cell.raw == (raw or "")
    assert cell.value is None or cell.rejection is None  # value, NULL or rejection: one only
    if cell.value is not None:
        assert isinstance(cell.value, float) and math.isfinite(cell.value)
    if cell.rejection is not None:
        assert isinstance(cell.rejection, str) and cell.rejection


# --- cell parsers: any text --------------------------------------------------------------

@relaxed
@given(CELL)
@example("9" * 400)  # float('9' * 400) is inf
@example("1e3")
@example("NaN")
@example("-0")
def test_parse_count_any_text(raw):
    cell = parse_count(raw)
    assert_well_formed(cell, raw)
    if cell.value is not None:
        assert cell.value >= 0 and cell.value.is_integer()


@relaxed
@given(CELL)
@example("inf%")
@example("100.0000001%")
@example("-0%")
def test_parse_percent_any_text(raw):
    cell = parse_percent(raw)
    assert_well_formed(cell, raw)
    if cell.value is not None:
        assert 0.0 <= cell.value <= 100.0


@relaxed
@given(CELL, st.booleans())
def test_parse_signed_any_text(raw, percent):
    cell = parse_signed(raw, percent=percent)
    assert_well_formed(cell, raw)
    if cell.value is not None:
        assert abs(cell.value) <= (100.0 if percent else 10_000_000.0)


# --- cell parsers: round trips -----------------------------------------------------------

@relaxed
@given(st.integers(min_value=0, max_value=10**15))
def test_count_round_trip(n):
    assert parse_count(str(n)).value == n
    assert parse_count(f"{n:,}").value == n  # thousands separators
    assert parse_count(f" {n}\n").value == n


@relaxed
@given(st.integers(min_value=-10**15, max_value=-1))
def test_negative_count_is_rejected(n):
    assert "negative" in parse_count(str(n)).rejection


@relaxed
@given(st.integers(min_value=0, max_value=100))
def test_percent_round_trip(p):
    assert parse_percent(f"{p}%").value == p
    assert parse_percent(str(p)).value == p
    assert parse_percent(f"{p} %").value == p


@relaxed
@given(st.decimals(min_value=0, max_value=100, places=1))
def test_percent_with_a_decimal_place_round_trip(p):
    assert parse_percent(f"{p}%").value == float(p)


@relaxed
@given(st.integers(min_value=101, max_value=10**9))
def test_percent_over_100_is_rejected(p):
    assert "outside 0-100" in parse_percent(f"{p}%").rejection


@relaxed
@given(st.integers(min_value=-10_000_000, max_value=10_000_000),
       st.sampled_from(["-", *DASHES]))
def test_signed_round_trip_with_any_printed_minus(n, minus):
    text = f"{n:+d}".replace("-", minus)
    assert parse_signed(text, percent=False).value == n
    if abs(n) <= 100:
        assert parse_signed(f"{text}%", percent=True).value == n


@relaxed
@given(st.sampled_from(["", " ", "N/A", "n/a", "-", "--", "None", "nil*", "\u2013", "\n"]))
def test_null_tokens_are_null_for_every_parser(raw):
    for cell in (parse_count(raw), parse_percent(raw), parse_signed(raw, percent=True)):
        assert cell.is_null


# --- split_bracketed ---------------------------------------------------------------------

@relaxed
@given(CELL)
def test_split_bracketed_any_text(raw):
    current, prior = split_bracketed(raw)
    assert isinstance(current, str)
    assert prior is None or isinstance(prior, str)
    if "(" not in (raw or ""):
        assert (current, prior) == ((raw or "").strip(), None)


@relaxed
@given(st.integers(min_value=0, max_value=10**6), st.integers(min_value=0, max_value=10**6),
       st.sampled_from(["\n", " ", "", "\n\n"]), st.booleans())
def test_split_bracketed_round_trip(current, prior, gap, percent):
    unit = "%" if percent else ""
    assert split_bracketed(f"{current}{unit}{gap}({prior}{unit})") == (
        f"{current}{unit}", f"{prior}{unit}")


# --- financial years ---------------------------------------------------------------------

@relaxed
@given(CELL)
@example("2099-2100")
@example("1999/2000")
def test_financial_year_is_none_or_valid(label):
    year = financial_year(label)
    if year is not None:
        match = FINANCIAL_YEAR_PATTERN.match(year)
        assert match and (int(match.group(1)) + 1) % 100 == int(match.group(2))


@relaxed
@given(st.integers(min_value=1900, max_value=2098), st.sampled_from(["-", "/", "- ", " - ",
                                                                     *DASHES]))
def test_financial_year_round_trip(y, sep):
    expected = f"{y}/{(y + 1) % 100:02d}"
    assert financial_year(f"{y}{sep}{y + 1}") == expected
    assert financial_year(f"{y}{sep}{(y + 1) % 100:02d}") == expected
    assert financial_year(f"Comparative Data: {y}{sep}{y + 1} vs. {y - 1}-{y}") == expected
    assert financial_year(expected) == expected
    assert previous_financial_year(financial_year(f"{y + 1}-{y + 2}")) == expected


@relaxed
@given(st.integers(min_value=1900, max_value=2097), st.integers(min_value=2, max_value=99))
def test_financial_year_of_non_consecutive_years_is_none(y, gap):
    assert financial_year(f"{y}-{(y + gap) % 100:02d}") is None


# --- names -------------------------------------------------------------------------------

@relaxed
@given(CELL)
def test_squash_leaves_single_spaces(text):
    out = squash(text)
    assert out == out.strip() and "  " not in out and "\n" not in out


@relaxed
@given(CELL)
@example("Е\u0301")  # Cyrillic E + combining acute: folding must not depend on composition
@example("Ԁ")  # a capital whose small letter is a look-alike
def test_plain_and_fold_name_are_idempotent(text):
    assert plain_name(plain_name(text)) == plain_name(text)
    assert fold_name(fold_name(text)) == fold_name(text)
    assert fold_name(plain_name(text)) == fold_name(text)


@relaxed
@given(st.text(alphabet="abcdefghijklmnopqrstuvwxyz &'-", max_size=30))
def test_fold_name_ignores_case_dashes_and_wrapping(name):
    folded = fold_name(name)
    assert fold_name(name.upper()) == folded
    assert fold_name(name.replace(" ", "\n")) == folded
    for dash in DASHES:
        assert fold_name(name.replace("-", dash)) == folded


def test_look_alike_letters_fold_to_latin():
    assert fold_name("Council Тах") == fold_name("Council Tax")  # Cyrillic Т, а, х
    assert fold_name("Repairs \u2013 Housing") == fold_name("repairs - housing")
    assert fold_name("Parks & Open Spaces") == fold_name("parks and open spaces")


def test_a_glyph_without_unicode_folds_as_a_separator_never_as_a_letter():
    """Ghostscript's fonts give '(cid:N)' for the en dash and for Cyrillic letters alike: as a
    separator it is the dash names fold anyway; inside a word it matches no letter."""
    assert fold_name("Housing (cid:1) Repairs") == fold_name("Housing \u2013 Repairs")
    assert fold_name("Council (cid:2)(cid:3)(cid:4)") != fold_name("Council Tax")
    assert fold_name("T(cid:3)x") != fold_name("Tax")


# --- header vocabulary (layout.py) -------------------------------------------------------

@relaxed
@given(st.text())
@example("Stage 4")
@example("S٣")
def test_header_stage_and_measure_any_text(text):
    assert header_stage(text) in {None, 1, 2, 3}
    measure = header_measure(text)
    assert measure is None or measure in MEASURES
    assert column_stage(text, measure) in {None, 1, 2, 3}


@relaxed
@given(st.lists(CELL, max_size=14))
def test_map_figure_columns_any_header(cells):
    columns = map_figure_columns(cells)
    assert len(columns) == len(cells)
    for column in columns:
        assert column is None or (column[0] in {1, 2, 3} and column[1] in MEASURES)


def test_map_figure_columns_reads_the_printed_header():
    assert map_figure_columns(HEADER_2018_19) == CANONICAL


@pytest.mark.parametrize("blank", range(len(HEADER_2018_19)))
def test_a_blank_header_cell_is_inferred_from_its_neighbours(blank):
    """The 2018/19 Comparative Data tables print 'S1 rec'd' blank; any one blank is read."""
    header = [("" if i == blank else text) for i, text in enumerate(HEADER_2018_19)]
    assert map_figure_columns(header) == CANONICAL


@relaxed
@given(st.lists(st.lists(CELL, max_size=12), max_size=5))
def test_table_family_any_rows(rows):
    family, depth = detect_family(rows)
    assert family in {None, "top_ten", "comparative", "analysis", "commitments"}
    assert depth >= 1
    assert isinstance(looks_like_figure_rows(rows), bool)


@relaxed
@given(CELL)
def test_row_labels_any_text(text):
    assert isinstance(is_difference_label(text), bool)
    assert isinstance(is_period_label(text), bool)


def test_table_family_of_printed_headers():
    assert detect_family([["Directorate & Area", *HEADER_2018_19]])[0] == "top_ten"
    assert detect_family([["Comparative Data: 2018-\n2019 vs. 2017-2018", *HEADER_2018_19]]) \
        == ("comparative", 1)
    assert detect_family([["Analysis – key themes / concerns", "Service response"]]) \
        == ("analysis", 1)
    assert detect_family([["Company", "Notice date", "Employees"]]) == (None, 1)


# --- commentary text (commentary.py) -----------------------------------------------------

@relaxed
@given(CELL)
@example("• non-\npresented")
@example("\uf0b7\n\n-")
def test_clean_text_any_text(raw):
    text = clean_text(raw)
    if raw is None:
        assert text is None
    else:
        assert text is None or (text == squash(text) and text)


def test_clean_text_rejoins_wrapped_lines_and_drops_bullets():
    assert clean_text("• Repairs were\nlate and non-\npresented") == \
        "Repairs were late and non-presented"


@relaxed
@given(CELL)
def test_stage_of_any_text(text):
    stage = stage_of(text)
    assert stage is None or isinstance(stage, int)


@relaxed
@given(st.sampled_from([1, 2, 3]), st.sampled_from(["Stage {}", "stage {}", "S{}", "STAGE {}"]))
def test_stage_of_printed_stage(stage, form):
    assert stage_of(f"Key themes at {form.format(stage)}: delays") == stage
    words = {1: "one", 2: "two", 3: "three"}
    assert stage_of(f"Stage {words[stage]}") == stage
