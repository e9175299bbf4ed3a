"""Dates in and out (datoer.py): the two input forms and Norwegian dates for people."""

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pakkehjem.datoer import (
    ELDSTE_AR,
    SISTE_AR,
    fra_iso,
    fra_til,
    iso,
    kort_dato,
    norsk_dato,
    parse_dato,
)
from pakkehjem.feil import UgyldigInndata

settings.register_profile(
    "pakkehjem-datoer", max_examples=200, deadline=None, derandomize=True, database=None
)
REGLER = settings(settings.get_profile("pakkehjem-datoer"))

# Four-digit years: the forms people type (DD.MM.ÅÅÅÅ, ÅÅÅÅ-MM-DD) have no room for others.
firesifrede_datoer = st.dates(min_value=date(ELDSTE_AR, 1, 1), max_value=date(SISTE_AR, 12, 31))


@pytest.mark.parametrize(
    "tekst",
    ["2026-11-23", "23.11.2026", " 23.11.2026 ", "2026-11-23\n"],
)
def test_both_input_forms_give_the_same_date(tekst):
    assert parse_dato(tekst) == date(2026, 11, 23)


@pytest.mark.parametrize(
    ("tekst", "forventet"), [("3.3.2027", date(2027, 3, 3)), ("2027-3-3", date(2027, 3, 3))]
)
def test_leading_zeros_may_be_left_out(tekst, forventet):
    assert parse_dato(tekst) == forventet


@pytest.mark.parametrize(
    "tekst", ["31.02.2026", "2026-02-31", "29.02.2027", "00.01.2026", "15.13.2026", "2026-04-31"]
)
def test_a_date_that_is_not_in_the_calendar_is_refused_in_norwegian(tekst):
    with pytest.raises(ValueError, match=f"Datoen «{tekst}» finnes ikke i kalenderen"):
        parse_dato(tekst)


def test_29_february_in_a_leap_year_is_a_date():
    assert parse_dato("29.02.2028") == date(2028, 2, 29)


@pytest.mark.parametrize(
    "tekst",
    ["", "i morgen", "23/11/2026", "23.11.026", "2026.11.23", "20261123", "23-11-2026", "2026-11-23T10:00"],
)
def test_text_in_another_form_is_refused_with_the_forms_named(tekst):
    with pytest.raises(ValueError, match=r"er ikke en dato\. Skriv DD\.MM\.ÅÅÅÅ .* D\.M\.ÅÅ .* ÅÅÅÅ-MM-DD"):
        parse_dato(tekst)


@pytest.mark.parametrize(
    "tekst", ["15.1.26", "15.01.26", "15.01.2026", "15.1.2026", "2026-01-15", " 15.1.26 "]
)
def test_the_ways_a_date_is_written_by_hand_are_all_read(tekst):
    assert parse_dato(tekst) == date(2026, 1, 15)


def test_a_two_digit_year_is_this_century():
    assert parse_dato("1.1.00") == date(2000, 1, 1)
    assert parse_dato("31.12.99") == date(2099, 12, 31)


def test_a_short_date_that_is_not_in_the_calendar_is_refused():
    with pytest.raises(ValueError, match="Datoen «31.2.26» finnes ikke i kalenderen"):
        parse_dato("31.2.26")


@REGLER
@given(dato=firesifrede_datoer)
def test_every_date_survives_both_written_forms(dato):
    assert parse_dato(dato.isoformat()) == dato
    assert parse_dato(f"{dato.day:02d}.{dato.month:02d}.{dato.year}") == dato


@pytest.mark.parametrize("tekst", ["1849-12-31", "01.01.2201", "9999-12-30"])
def test_far_off_years_are_refused_as_typing_errors(tekst):
    with pytest.raises(ValueError, match="må ligge mellom år 1850 og 2200"):
        parse_dato(tekst)


def test_norwegian_date_for_people():
    assert norsk_dato(date(2027, 3, 3)) == "3. mars 2027"
    assert norsk_dato(date(2026, 12, 24)) == "24. desember 2026"


def test_norwegian_date_with_weekday():
    assert norsk_dato(date(2027, 3, 3), med_ukedag=True) == "onsdag 3. mars 2027"
    assert norsk_dato(date(2026, 11, 29), med_ukedag=True) == "søndag 29. november 2026"


def test_no_date_is_an_empty_string():
    assert norsk_dato(None) == ""
    assert kort_dato(None) == ""


def test_short_date_fits_a_table_column():
    assert kort_dato(date(2027, 3, 3)) == "03.03.2027"


@REGLER
@given(dato=st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 12, 31)))
def test_short_date_is_read_back_by_parse_dato(dato):
    assert parse_dato(kort_dato(dato)) == dato


@REGLER
@given(dato=firesifrede_datoer)
def test_norwegian_date_names_day_month_and_year(dato):
    dag, maned, ar = norsk_dato(dato).split(" ")

    assert dag == f"{dato.day}."
    assert ar == str(dato.year)
    assert maned.islower()


def test_iso_for_json_keeps_none():
    assert iso(date(2027, 3, 3)) == "2027-03-03"
    assert iso(None) is None
    assert fra_iso("2027-03-03") == date(2027, 3, 3)
    assert fra_iso(None) is None


@pytest.mark.parametrize("tekst", ["٢٠٢٦-١١-٢٣", "２０２６-１１-２３", "２３.１１.２０２６"])
def test_dates_are_written_with_ascii_digits_only(tekst):
    with pytest.raises(ValueError):
        parse_dato(tekst)


# --- the range --fra/--til ----------------------------------------------------------------------------


def test_uten_fra_og_til_er_det_ingen_periode():
    assert fra_til(None, None, date(2026, 11, 23)) is None


@REGLER
@given(fra=firesifrede_datoer, til=firesifrede_datoer)
def test_fra_og_til_gir_perioden_naar_til_ikke_ligger_foer_fra(fra, til):
    idag = date(2026, 11, 23)
    if til >= fra:
        assert fra_til(fra.strftime("%d.%m.%Y"), til.isoformat(), idag) == (fra, til)
    else:
        with pytest.raises(UgyldigInndata, match="^--til ligger før --fra.$"):
            fra_til(fra.isoformat(), til.isoformat(), idag)


@pytest.mark.parametrize(("fra", "til"), [("2026-11-01", None), (None, "2026-11-01")])
def test_bare_den_ene_av_fra_og_til_er_feil(fra, til):
    with pytest.raises(UgyldigInndata, match="^Oppgi både --fra og --til.$"):
        fra_til(fra, til, date(2026, 11, 23))


@pytest.mark.parametrize(
    ("fra", "til", "valg"), [("31.02.2026", "2026-03-01", "--fra"), ("1.1.26", "i går", "--til")]
)
def test_en_dato_som_ikke_kan_leses_nevner_valget(fra, til, valg):
    with pytest.raises(UgyldigInndata, match=f"^{valg}: "):
        fra_til(fra, til, date(2026, 11, 23))


def test_en_tom_dato_i_perioden_er_i_dag():
    assert fra_til(" ", "2026-12-01", date(2026, 11, 23)) == (date(2026, 11, 23), date(2026, 12, 1))
