"""core.pdf.fit: any name prints in the PDFs' core fonts (windows-1252), as close to itself as the encoding allows."""

from hypothesis import given
from hypothesis import strategies as st

from core.pdf import ENCODING, fit


def test_what_the_encoding_has_is_kept_as_it_is() -> None:
    assert fit("Zoë Ÿsselmeer — café, 95,00 €") == "Zoë Ÿsselmeer — café, 95,00 €"


def test_accents_the_encoding_lacks_are_dropped_and_odd_letters_spelled_out() -> None:
    assert fit("Łukasz Dvořák") == "Lukasz Dvorák"  # á is in windows-1252: kept; ř is not
    assert fit("Đorđe Øster") == "Dorde Øster"
    assert fit("Ħal Għaxaq") == "Hal Ghaxaq"


def test_what_has_no_latin_form_becomes_a_question_mark() -> None:
    assert fit("Team 🚀 東京") == "Team ? ??"


def test_one_line_folds_white_space_and_keeps_line_breaks_otherwise() -> None:
    assert fit("Regel een\nregel  twee", one_line=True) == "Regel een regel twee"
    assert fit("Regel een\nregel twee") == "Regel een\nregel twee"


@given(st.text())
def test_the_result_always_encodes(value: str) -> None:
    fit(value).encode(ENCODING)
    fit(value, one_line=True).encode(ENCODING)
