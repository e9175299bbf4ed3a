"""Fødselsnummer rules in fnr.py.

Only synthetic numbers appear here: the month carries +80 (Skatteetaten's Tenor), so no number
can belong to a real person. Where a test needs a number of another shape, it is one with wrong
check digits, or one checked by the 2032 rule (first check sum remainder 1 to 3), which nobody
has been given yet. The vectors taken from python-stdnum's tests (tests/test_no_fodselsnummer.doctest)
keep their birth date and individual digits but get the synthetic month and new check digits.
"""

import random
from datetime import date

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from stdnum.no import fodselsnummer as stdnum_fnr

from pakkehjem.fnr import (
    Fnr,
    UgyldigFnr,
    er_syntetisk,
    kontrollsifre_gyldige,
    lag_syntetisk,
    masker,
    normaliser,
    ser_ut_som_fnr,
    valider,
)

settings.register_profile("pakkehjem-fnr", max_examples=200, deadline=None, derandomize=True, database=None)
REGLER = settings(settings.get_profile("pakkehjem-fnr"))

IDAG = date(2026, 11, 23)
FRA_2032 = date(2032, 1, 1)
TENOR = 80

VEKTER_K1 = (3, 7, 6, 1, 8, 9, 4, 5, 2, 1)
VEKTER_K2 = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2, 1)

fodselsdatoer = st.dates(min_value=date(1900, 1, 1), max_value=IDAG)


def med_kontrollsifre(ni_sifre: str, k1_rest: int = 0) -> str | None:
    """Nine digits plus two check digits, the first chosen so its check sum leaves `k1_rest`.

    None when a check digit would have to be 10 (no such number exists).
    """
    sum1 = sum(v * int(s) for v, s in zip(VEKTER_K1, ni_sifre, strict=False))
    k1 = (k1_rest - sum1) % 11
    if k1 == 10:
        return None
    ti_sifre = ni_sifre + str(k1)
    k2 = -sum(v * int(s) for v, s in zip(VEKTER_K2, ti_sifre, strict=False)) % 11
    if k2 == 10:
        return None
    return ti_sifre + str(k2)


def syntetisk(
    fodt: date, *, forskyvning: int = TENOR, d_nummer: bool = False, k1_rest: int = 0, forste_siffer: str = ""
) -> str:
    """A synthetic number for `fodt`: individual digits in the century's range (stdnum reads it back)."""
    individer = range(500, 1000) if fodt.year >= 2000 else range(0, 500)
    dag = fodt.day + (40 if d_nummer else 0)
    for individ in individer:
        ni_sifre = f"{dag:02d}{fodt.month + forskyvning:02d}{fodt.year % 100:02d}{individ:03d}"
        if forste_siffer:
            ni_sifre = forste_siffer + ni_sifre[1:]
        nummer = med_kontrollsifre(ni_sifre, k1_rest)
        if nummer is not None:
            return nummer
    raise AssertionError("no individual digits give valid check digits")  # pragma: no cover


def k1_rest(nummer: str) -> int:
    return sum(v * int(s) for v, s in zip(VEKTER_K1, nummer[:10], strict=True)) % 11


# --- synthetic numbers -----------------------------------------------------------------


def test_synthetic_number_is_accepted_when_the_register_allows_test_numbers():
    nummer = syntetisk(date(1986, 10, 15))

    fnr = valider(nummer, IDAG, tillat_syntetiske=True)

    assert fnr == Fnr(nummer=nummer, fodselsdato=date(1986, 10, 15), syntetisk=True, type="fodselsnummer")


def test_synthetic_number_is_refused_in_real_use_with_the_command_that_allows_them():
    nummer = syntetisk(date(1986, 10, 15))

    with pytest.raises(UgyldigFnr, match="testnummer") as feil:
        valider(nummer, IDAG)
    assert "pakkehjem innstillinger tillat_syntetiske ja" in str(feil.value)


def test_month_plus_65_is_not_a_synthetic_number():
    """+65 had no public source; such a month (66-77) is no month at all, so the number is refused."""
    nummer = syntetisk(date(1975, 12, 31), forskyvning=65)
    assert nummer[2:4] == "77"

    assert not er_syntetisk(nummer)
    with pytest.raises(UgyldigFnr, match="ingen gyldig fødselsdato"):
        valider(nummer, IDAG, tillat_syntetiske=True)


def test_synthetic_month_is_not_mistaken_for_an_h_number():
    # 81-92 are above 40, yet the number is an ordinary fødselsnummer once the offset is gone.
    nummer = syntetisk(date(2001, 3, 9))

    assert valider(nummer, IDAG, tillat_syntetiske=True).type == "fodselsnummer"


def test_synthetic_d_number_day_plus_40_is_accepted():
    nummer = syntetisk(date(1990, 2, 28), d_nummer=True)
    assert nummer[:2] == "68"

    fnr = valider(nummer, IDAG, tillat_syntetiske=True)

    assert fnr.type == "d_nummer"
    assert fnr.syntetisk
    assert fnr.fodselsdato == date(1990, 2, 28)


def test_synthetic_h_number_cannot_be_written():
    # An H-number adds 40 to the month; with the synthetic +80 the month field would need
    # three digits. So no synthetic H-number exists, and these tests cannot hold a real one.
    assert 1 + 40 + TENOR > 99


@REGLER
@given(fodt=fodselsdatoer, seed=st.integers(min_value=0, max_value=2**32))
def test_birth_date_is_read_back_from_a_generated_synthetic_number(fodt, seed):
    nummer = lag_syntetisk(fodt, random.Random(seed))

    fnr = valider(nummer, IDAG, tillat_syntetiske=True)

    assert fnr.fodselsdato == fodt
    assert fnr.syntetisk
    assert fnr.type == "fodselsnummer"
    assert int(nummer[2:4]) == fodt.month + TENOR


@REGLER
@given(fodt=fodselsdatoer, d_nummer=st.booleans())
def test_every_synthetic_shape_reads_back_its_birth_date(fodt, d_nummer):
    nummer = syntetisk(fodt, d_nummer=d_nummer)

    fnr = valider(nummer, IDAG, tillat_syntetiske=True)

    assert fnr.fodselsdato == fodt
    assert fnr.type == ("d_nummer" if d_nummer else "fodselsnummer")
    assert er_syntetisk(nummer)


def test_generated_synthetic_number_has_the_check_digits_stdnum_computes():
    nummer = lag_syntetisk(date(1986, 10, 15), random.Random(1))

    assert nummer[:6] == "159086"
    assert nummer[9] == stdnum_fnr.calc_check_digit1(nummer[:9])
    assert nummer[10] == stdnum_fnr.calc_check_digit2(nummer[:10])
    assert lag_syntetisk(date(1986, 10, 15), random.Random(1)) == nummer


@REGLER
@given(fodt=fodselsdatoer, seed=st.integers(min_value=0, max_value=2**32))
def test_generated_synthetic_number_is_the_first_draw_stdnum_gives_check_digits_for(fodt, seed):
    # The same draws and the same number as when stdnum computed the check digits itself: demo
    # data stays the same for a seed.
    rng = random.Random(seed)
    fra, til = (500, 999) if fodt.year >= 2000 else (0, 499)
    dato = f"{fodt.day:02d}{fodt.month + TENOR:02d}{fodt.year % 100:02d}"
    while True:
        ni = f"{dato}{rng.randint(fra, til):03d}"
        k1 = stdnum_fnr.calc_check_digit1(ni)
        if len(k1) == 1 and len(k2 := stdnum_fnr.calc_check_digit2(ni + k1)) == 1:
            break

    assert lag_syntetisk(fodt, random.Random(seed)) == ni + k1 + k2


def test_synthetic_number_without_a_real_birth_date_is_refused():
    # 31 April: day 31, month 4 + 80.
    nummer = next(n for i in range(100, 200) if (n := med_kontrollsifre(f"318486{i}")))

    with pytest.raises(UgyldigFnr, match="ingen gyldig fødselsdato"):
        valider(nummer, IDAG, tillat_syntetiske=True)


@pytest.mark.parametrize("maned", ["80", "93", "99"])
def test_synthetic_looking_number_with_an_impossible_month_is_refused(maned):
    nummer = next(n for i in range(100, 200) if (n := med_kontrollsifre(f"15{maned}86{i}")))

    with pytest.raises(UgyldigFnr):
        valider(nummer, IDAG, tillat_syntetiske=True)


# --- shape and check digits ------------------------------------------------------------


@pytest.mark.parametrize("tekst", ["", "1", "1590861", "1590861234", "159086123456", "15908612345678"])
def test_wrong_length_is_refused(tekst):
    with pytest.raises(UgyldigFnr, match="11 siffer"):
        valider(tekst, IDAG, tillat_syntetiske=True)


@pytest.mark.parametrize("tekst", ["1590861234a", "ABCDEFGHIJK", "15908612_45", "+4715908612"])
def test_non_digits_are_refused(tekst):
    with pytest.raises(UgyldigFnr, match="11 siffer"):
        valider(tekst, IDAG, tillat_syntetiske=True)


def test_digits_from_other_scripts_are_refused():
    nummer = syntetisk(date(1986, 10, 15))
    arabisk = nummer.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    hevet = nummer[:10] + "²"

    for tekst in (arabisk, hevet):
        assert not ser_ut_som_fnr(tekst)
        assert not er_syntetisk(tekst)
        with pytest.raises(UgyldigFnr, match="11 siffer"):
            valider(tekst, IDAG, tillat_syntetiske=True)


def test_full_width_digits_from_an_input_method_are_read_as_plain_digits():
    nummer = syntetisk(date(1986, 10, 15))
    fullbredde = nummer.translate(str.maketrans("0123456789", "０１２３４５６７８９"))

    assert valider(fullbredde, IDAG, tillat_syntetiske=True).nummer == nummer


@REGLER
@given(
    tekst=st.one_of(
        st.text(max_size=20),
        st.text(alphabet=st.characters(categories=["Nd", "No"]), min_size=11, max_size=11),
    )
)
def test_any_text_that_is_not_eleven_digits_gets_a_norwegian_refusal(tekst):
    renset = normaliser(tekst)
    assume(not (len(renset) == 11 and renset.isascii() and renset.isdigit()))

    with pytest.raises(UgyldigFnr, match="11 siffer"):
        valider(tekst, IDAG, tillat_syntetiske=True)


@REGLER
@given(fodt=fodselsdatoer, posisjon=st.integers(min_value=0, max_value=10), tillegg=st.integers(1, 9))
def test_any_single_mistyped_digit_is_caught_by_the_check_digits(fodt, posisjon, tillegg):
    nummer = syntetisk(fodt)
    feil = nummer[:posisjon] + str((int(nummer[posisjon]) + tillegg) % 10) + nummer[posisjon + 1 :]

    assert not kontrollsifre_gyldige(feil)
    with pytest.raises(UgyldigFnr, match="Kontrollsifrene stemmer ikke"):
        valider(feil, IDAG, tillat_syntetiske=True)


def test_swapped_check_digits_are_refused():
    nummer = next(n for dag in range(1, 29) if (n := syntetisk(date(1986, 10, dag)))[9] != n[10])
    byttet = nummer[:9] + nummer[10] + nummer[9]

    with pytest.raises(UgyldigFnr, match="Kontrollsifrene"):
        valider(byttet, IDAG, tillat_syntetiske=True)


@pytest.mark.parametrize(
    "skrivemate",
    ["{n}", " {n} ", "{a} {b}", "{a}  {b}", "{d} {m} {y} {b}", "{a}-{b}", "{d}.{m}.{y} {b}"],
)
def test_spaces_and_separators_people_type_are_allowed(skrivemate):
    nummer = syntetisk(date(1986, 10, 15))
    tekst = skrivemate.format(
        n=nummer, a=nummer[:6], b=nummer[6:], d=nummer[:2], m=nummer[2:4], y=nummer[4:6]
    )

    assert normaliser(tekst) == nummer
    assert ser_ut_som_fnr(tekst)
    assert valider(tekst, IDAG, tillat_syntetiske=True).nummer == nummer


@pytest.mark.parametrize("tekst", ["P-12", "12", "Ola Nordmann", "1590861234", "159086123456", ""])
def test_local_references_do_not_look_like_a_fodselsnummer(tekst):
    assert not ser_ut_som_fnr(tekst)


def test_er_syntetisk_looks_at_the_month_offset():
    assert er_syntetisk(syntetisk(date(1986, 10, 15), forskyvning=TENOR))
    assert not er_syntetisk(syntetisk(date(1986, 10, 15), forskyvning=65))
    # Ordinary months: digit strings with wrong check digits, so they can never be a person's number.
    for vanlig in ("15108600000", "01010100000", "31124999999"):
        assert not kontrollsifre_gyldige(vanlig)
        assert not er_syntetisk(vanlig)
    assert not er_syntetisk("1590861234")


# --- the 2032 rule ---------------------------------------------------------------------


@pytest.mark.parametrize("rest", [1, 2, 3])
def test_2032_rule_first_check_sum_remainder_1_to_3_is_accepted_from_2032(rest):
    nummer = syntetisk(date(1986, 10, 15), k1_rest=rest)
    assert k1_rest(nummer) == rest

    assert kontrollsifre_gyldige(nummer)
    assert kontrollsifre_gyldige(nummer, FRA_2032)
    assert valider(nummer, FRA_2032, tillat_syntetiske=True).fodselsdato == date(1986, 10, 15)


@pytest.mark.parametrize("rest", [1, 2, 3])
def test_a_number_made_by_the_2032_rule_is_refused_before_2032(rest):
    """Nobody can have been given such a number yet: before 2032 it is a typing error."""
    nummer = syntetisk(date(1986, 10, 15), k1_rest=rest)

    assert not kontrollsifre_gyldige(nummer, date(2031, 12, 31))
    with pytest.raises(UgyldigFnr, match="fra 1. januar 2032"):
        valider(nummer, date(2031, 12, 31), tillat_syntetiske=True)


@pytest.mark.parametrize("rest", [4, 5, 6, 7, 8, 9, 10])
def test_first_check_sum_remainder_4_or_more_is_refused(rest):
    nummer = syntetisk(date(1986, 10, 15), k1_rest=rest)
    assert k1_rest(nummer) == rest

    assert not kontrollsifre_gyldige(nummer)
    with pytest.raises(UgyldigFnr, match="Kontrollsifrene"):
        valider(nummer, IDAG, tillat_syntetiske=True)


@pytest.mark.parametrize("rest", [1, 2, 3])
def test_2032_rule_still_needs_the_right_second_check_digit(rest):
    nummer = syntetisk(date(1986, 10, 15), k1_rest=rest)
    feil_k2 = nummer[:10] + str((int(nummer[10]) + 1) % 10)

    with pytest.raises(UgyldigFnr, match="Kontrollsifrene"):
        valider(feil_k2, FRA_2032, tillat_syntetiske=True)


@REGLER
@given(fodt=fodselsdatoer, rest=st.integers(min_value=0, max_value=10))
def test_2032_rule_over_all_birth_dates(fodt, rest):
    nummer = syntetisk(fodt, k1_rest=rest)

    if rest <= 3:
        assert valider(nummer, FRA_2032, tillat_syntetiske=True).fodselsdato == fodt
    else:
        with pytest.raises(UgyldigFnr):
            valider(nummer, FRA_2032, tillat_syntetiske=True)
    if rest != 0:
        with pytest.raises(UgyldigFnr):
            valider(nummer, IDAG, tillat_syntetiske=True)


# --- FH numbers and masking ------------------------------------------------------------


@pytest.mark.parametrize("forste_siffer", ["8", "9"])
def test_fh_numbers_are_refused(forste_siffer):
    # 2032-rule check digits: no FH number of this form has been given out.
    nummer = syntetisk(date(1986, 10, 15), k1_rest=2, forste_siffer=forste_siffer)
    assert kontrollsifre_gyldige(nummer)

    with pytest.raises(UgyldigFnr, match="FH-nummer"):
        valider(nummer, FRA_2032, tillat_syntetiske=True)


def test_masking_shows_the_birth_date_part_only():
    nummer = syntetisk(date(1986, 10, 15))

    assert masker(nummer) == nummer[:6] + "*****"
    assert masker(f"{nummer[:6]} {nummer[6:]}") == nummer[:6] + "*****"
    assert nummer[6:] not in masker(nummer)


@REGLER
@given(fodt=fodselsdatoer, seed=st.integers(min_value=0, max_value=2**32))
def test_masked_number_is_six_digits_and_five_stars(fodt, seed):
    nummer = lag_syntetisk(fodt, random.Random(seed))

    assert masker(nummer) == f"{fodt.day:02d}{fodt.month + TENOR:02d}{fodt.year % 100:02d}*****"


# --- the century by Skatteetaten's table -----------------------------------------------------


def med_individ(dag: int, maned: int, aar2: int, individ: int, k1_rest: int = 0) -> str:
    """A synthetic number (month + 80) with exactly these birth-date and individual digits."""
    nummer = med_kontrollsifre(f"{dag:02d}{maned + TENOR:02d}{aar2:02d}{individ:03d}", k1_rest)
    assert nummer is not None, "no check digits for these digits; choose another individual number"
    return nummer


def gyldig_individ(dag: int, maned: int, aar2: int, individer: range) -> str:
    return next(
        n for i in individer if (n := med_kontrollsifre(f"{dag:02d}{maned + TENOR:02d}{aar2:02d}{i:03d}"))
    )


@pytest.mark.parametrize(
    ("individer", "aar2", "fodt_ar"),
    [
        (range(0, 500), 86, 1986),
        (range(0, 500), 5, 1905),
        (range(500, 750), 99, 1899),
        (range(500, 750), 54, 1854),
        (range(500, 1000), 15, 2015),
        (range(750, 1000), 0, 2000),
        (range(900, 1000), 40, 1940),
        (range(900, 1000), 99, 1999),
    ],
)
def test_century_comes_from_the_individual_number_and_the_year(individer, aar2, fodt_ar):
    nummer = gyldig_individ(1, 6, aar2, individer)

    assert valider(nummer, IDAG, tillat_syntetiske=True).fodselsdato == date(fodt_ar, 6, 1)


@pytest.mark.parametrize(
    ("individer", "aar2"),
    [
        (range(750, 900), 40),  # 750-899 with a year 40-99: no century (the example)
        (range(750, 900), 86),
        (range(750, 900), 99),
        (range(500, 750), 40),  # 500-749 with 40-53: neither 1840-1853 nor 2040-2053
        (range(500, 750), 53),
    ],
)
def test_individual_number_outside_the_table_is_refused_before_2032(individer, aar2):
    nummer = gyldig_individ(1, 6, aar2, individer)

    with pytest.raises(UgyldigFnr, match="Individnummeret"):
        valider(nummer, IDAG, tillat_syntetiske=True)


def test_individual_number_outside_the_table_is_read_by_the_2032_rules_from_2032():
    nummer = gyldig_individ(1, 6, 86, range(750, 900))

    assert valider(nummer, FRA_2032, tillat_syntetiske=True).fodselsdato == date(1986, 6, 1)


@REGLER
@given(individ=st.integers(0, 999), aar2=st.integers(0, 99))
def test_century_table_agrees_with_python_stdnum(individ, aar2):
    """stdnum reads the century from the same table; on a plain (non-synthetic) digit string the
    birth date needs no check digits, so the two can be compared on every combination."""
    from stdnum.exceptions import ValidationError

    from pakkehjem.fnr import arhundre

    try:
        stdnum_ar: int | None = stdnum_fnr.get_birth_date(f"0106{aar2:02d}{individ:03d}00").year
    except ValidationError:
        stdnum_ar = None
    hundre = arhundre(individ, aar2)
    assert (None if hundre is None else hundre + aar2) == stdnum_ar


def test_birth_date_tomorrow_is_refused_not_read_as_a_century_ago():
    imorgen = date(2026, 11, 24)
    nummer = gyldig_individ(imorgen.day, imorgen.month, 26, range(500, 1000))

    with pytest.raises(UgyldigFnr, match="fram i tid"):
        valider(nummer, IDAG, tillat_syntetiske=True)
    # The day it happens, the number is fine.
    assert valider(nummer, imorgen, tillat_syntetiske=True).fodselsdato == imorgen


def test_birth_date_today_is_accepted():
    nummer = gyldig_individ(IDAG.day, IDAG.month, 26, range(500, 1000))

    assert valider(nummer, IDAG, tillat_syntetiske=True).fodselsdato == IDAG


# Vectors from python-stdnum's tests/test_no_fodselsnummer.doctest, as (number there, birth date
# or None when stdnum refuses it). Only the birth date and individual digits are used: each is
# remade here as a synthetic number (month + 80) with its own check digits.
STDNUM_VEKTORER = [
    ("11111598403", date(2015, 11, 11)),
    ("15108695088", date(1986, 10, 15)),
    ("18061592527", date(2015, 6, 18)),
    ("10048744732", date(1987, 4, 10)),
    ("13049958441", date(1899, 4, 13)),
    ("23114038547", date(1940, 11, 23)),
    ("26111593816", date(2015, 11, 26)),
    ("45014054018", None),  # D-number, individual 540 with year 40: the century cannot be determined
    ("18103970861", None),  # 18.10.2039: not born yet
]


@pytest.mark.parametrize(("stdnum_nummer", "fodt"), STDNUM_VEKTORER)
def test_python_stdnum_vectors_remade_as_synthetic_numbers(stdnum_nummer, fodt):
    dag, maned, aar2, individ = (int(stdnum_nummer[a:b]) for a, b in ((0, 2), (2, 4), (4, 6), (6, 9)))
    ni = f"{dag:02d}{maned + TENOR:02d}{aar2:02d}"
    nummer = next(
        n
        for i in (individ, *range(individ - individ % 10, individ - individ % 10 + 10))
        if (n := med_kontrollsifre(f"{ni}{i:03d}"))
    )
    if fodt is None:
        with pytest.raises(UgyldigFnr):
            valider(nummer, IDAG, tillat_syntetiske=True)
    else:
        fnr = valider(nummer, IDAG, tillat_syntetiske=True)
        assert fnr.fodselsdato == fodt
        assert fnr.type == ("d_nummer" if dag > 40 else "fodselsnummer")


@pytest.mark.parametrize(
    ("endring", "gyldig"),
    [(lambda n: n, True), (lambda n: n[:10] + str((int(n[10]) + 1) % 10), False)],
)
def test_check_digits_are_checked_independently_as_in_python_stdnum(endring, gyldig):
    """stdnum's 26111593816 / 26111593817: only the last digit changed makes the number invalid."""
    nummer = endring(med_individ(26, 11, 15, 938))
    assert kontrollsifre_gyldige(nummer, IDAG) is gyldig
