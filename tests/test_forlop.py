"""The pathway rules in forlop.py: windows, month arithmetic, derived states and ISO weeks.

Every rule is a pure function of its arguments ("today" included), so the properties are
checked over the whole range of dates Python can hold, with a fixed hypothesis profile.
"""

import calendar
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pakkehjem.feil import UgyldigInndata
from pakkehjem.forlop import (
    ANSVARLIG,
    AVSLATT,
    AVTALT,
    BORTFALT,
    FORFALT,
    GJENNOMFORT,
    I_VINDU,
    IKKE_APNET,
    PLANLAGT,
    STATUSER,
    TJENESTE_SP,
    TJENESTER,
    UTSATT,
    Periode,
    arbeidslistens_ansvarlig,
    arbeidsperiode,
    forfallsperiode,
    forste_apen_sp,
    iso_uke,
    legg_til_maneder,
    maned_periode,
    tilstand,
    uke_for,
    uke_periode,
    uker_i_iso_ar,
    vinduer,
)

# A fixed profile, applied per test so that it changes nothing for other test modules.
settings.register_profile(
    "pakkehjem-regler", max_examples=300, deadline=None, derandomize=True, database=None
)
REGLER = settings(settings.get_profile("pakkehjem-regler"))

# The windows reach 18 months past the diagnosis and ISO weeks reach a few days past 31 December:
# keep clear of the last year Python's date can hold (9999).
alle_datoer = st.dates(min_value=date(1, 1, 1), max_value=date(9998, 6, 30))
alle_iso_ar = st.integers(min_value=1, max_value=9998)
apne_statuser = st.sampled_from([PLANLAGT, AVTALT, UTSATT, AVSLATT])


def maned_nr(dato: date) -> int:
    return dato.year * 12 + dato.month


def er_langt_iso_ar(ar: int) -> bool:
    """53 ISO weeks: 1 January is a Thursday, or a Wednesday in a leap year."""
    forste_januar = date(ar, 1, 1).weekday()
    return forste_januar == 3 or (calendar.isleap(ar) and forste_januar == 2)


# --- windows ---------------------------------------------------------------------------


def test_windows_of_a_diagnosis_on_2_november_2026():
    v = vinduer(date(2026, 11, 2))

    assert v[1] == Periode(date(2026, 11, 2), date(2026, 11, 30))
    assert v[2] == Periode(date(2027, 2, 2), date(2027, 3, 2))
    assert v[3] == Periode(date(2027, 11, 2), date(2028, 5, 2))


def test_sp1_window_length_is_the_sp1_uker_setting():
    v = vinduer(date(2026, 11, 2), sp1_uker=6)

    assert v[1] == Periode(date(2026, 11, 2), date(2026, 12, 14))


def test_windows_clamp_to_the_end_of_the_month():
    v = vinduer(date(2027, 10, 31))

    assert v[2] == Periode(date(2028, 1, 31), date(2028, 2, 29))
    assert v[3] == Periode(date(2028, 10, 31), date(2029, 4, 30))


@REGLER
@given(diagnosedato=alle_datoer, sp1_uker=st.integers(min_value=1, max_value=26))
def test_windows_are_ordered_and_never_open_before_the_diagnosis(diagnosedato, sp1_uker):
    v = vinduer(diagnosedato, sp1_uker=sp1_uker)

    for periode in v.values():
        assert diagnosedato <= periode.fra <= periode.til
    assert v[1].fra == diagnosedato
    assert v[1].til - v[1].fra == timedelta(weeks=sp1_uker)
    # SP1 may run into SP2 when sp1_uker is long (26 weeks > 3 months), but SP2 and SP3 never meet.
    assert v[2].til < v[3].fra
    # With the default 4 weeks SP1 always closes before SP2 opens.
    standard = vinduer(diagnosedato)
    assert standard[1].til < standard[2].fra


@REGLER
@given(diagnosedato=alle_datoer)
def test_sp2_opens_89_to_92_days_after_the_diagnosis(diagnosedato):
    dager = (vinduer(diagnosedato)[2].fra - diagnosedato).days

    assert 89 <= dager <= 92


@REGLER
@given(diagnosedato=alle_datoer)
def test_sp2_and_sp3_windows_are_whole_calendar_months_after_the_diagnosis(diagnosedato):
    v = vinduer(diagnosedato)

    for sp, (fra_maneder, til_maneder) in ((2, (3, 4)), (3, (12, 18))):
        assert maned_nr(v[sp].fra) - maned_nr(diagnosedato) == fra_maneder
        assert maned_nr(v[sp].til) - maned_nr(diagnosedato) == til_maneder


# --- month arithmetic ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("dato", "maneder", "forventet"),
    [
        (date(2027, 1, 31), 3, date(2027, 4, 30)),
        (date(2028, 2, 29), 12, date(2029, 2, 28)),
        (date(2028, 1, 31), 1, date(2028, 2, 29)),
        (date(2027, 1, 31), 1, date(2027, 2, 28)),
        (date(2026, 8, 31), 18, date(2028, 2, 29)),
        (date(2026, 11, 15), 3, date(2027, 2, 15)),
        (date(2027, 3, 31), -1, date(2027, 2, 28)),
    ],
)
def test_adding_months_clamps_to_the_end_of_the_month(dato, maneder, forventet):
    assert legg_til_maneder(dato, maneder) == forventet


@REGLER
@given(
    dato=st.dates(min_value=date(101, 1, 1), max_value=date(9898, 12, 31)),
    maneder=st.integers(min_value=-1200, max_value=1200),
)
def test_adding_months_keeps_the_day_unless_the_target_month_is_shorter(dato, maneder):
    resultat = legg_til_maneder(dato, maneder)

    assert maned_nr(resultat) - maned_nr(dato) == maneder
    dager_i_malmaned = calendar.monthrange(resultat.year, resultat.month)[1]
    assert resultat.day == min(dato.day, dager_i_malmaned)


# --- due range and derived state -------------------------------------------------------

VINDU_FRA = date(2027, 2, 2)
VINDU_TIL = date(2027, 3, 2)


@pytest.mark.parametrize(
    ("idag", "forventet"),
    [
        (date(2027, 2, 1), IKKE_APNET),
        (date(2027, 2, 2), I_VINDU),
        (date(2027, 2, 20), I_VINDU),
        (date(2027, 3, 2), I_VINDU),
        (date(2027, 3, 3), FORFALT),
    ],
)
def test_planned_contact_point_is_judged_by_its_window(idag, forventet):
    assert tilstand(PLANLAGT, VINDU_FRA, VINDU_TIL, None, idag) == forventet


@pytest.mark.parametrize("status", [AVTALT, UTSATT, AVSLATT])
def test_booked_postponed_or_declined_point_is_judged_by_its_single_day(status):
    dato = date(2027, 4, 15)  # outside the window on purpose

    assert tilstand(status, VINDU_FRA, VINDU_TIL, dato, date(2027, 2, 20)) == IKKE_APNET
    assert tilstand(status, VINDU_FRA, VINDU_TIL, dato, date(2027, 4, 14)) == IKKE_APNET
    assert tilstand(status, VINDU_FRA, VINDU_TIL, dato, date(2027, 4, 15)) == I_VINDU
    assert tilstand(status, VINDU_FRA, VINDU_TIL, dato, date(2027, 4, 16)) == FORFALT


def test_planned_point_ignores_a_stray_date():
    assert tilstand(PLANLAGT, VINDU_FRA, VINDU_TIL, date(2030, 1, 1), date(2027, 2, 20)) == I_VINDU


@pytest.mark.parametrize("status", [GJENNOMFORT, BORTFALT])
def test_closed_contact_point_has_no_state_and_no_due_range(status):
    assert tilstand(status, VINDU_FRA, VINDU_TIL, date(2027, 2, 10), date(2030, 1, 1)) is None
    assert forfallsperiode(status, VINDU_FRA, VINDU_TIL, date(2027, 2, 10)) is None


def test_due_range_is_the_window_while_planned_and_the_day_once_dated():
    assert forfallsperiode(PLANLAGT, VINDU_FRA, VINDU_TIL, None) == Periode(VINDU_FRA, VINDU_TIL)
    dag = date(2027, 2, 10)
    assert forfallsperiode(AVTALT, VINDU_FRA, VINDU_TIL, dag) == Periode(dag, dag)


@REGLER
@given(
    status=apne_statuser,
    vindu_fra=alle_datoer,
    lengde=st.integers(min_value=0, max_value=600),
    dato=alle_datoer,
    idag=alle_datoer,
)
def test_state_is_before_inside_or_after_the_due_range(status, vindu_fra, lengde, dato, idag):
    vindu_til = vindu_fra + timedelta(days=lengde)
    fra, til = (vindu_fra, vindu_til) if status == PLANLAGT else (dato, dato)

    resultat = tilstand(status, vindu_fra, vindu_til, dato, idag)

    if idag < fra:
        assert resultat == IKKE_APNET
    elif idag > til:
        assert resultat == FORFALT
    else:
        assert resultat == I_VINDU


@REGLER
@given(status=st.sampled_from([GJENNOMFORT, BORTFALT]), vindu_fra=alle_datoer, idag=alle_datoer)
def test_closed_points_never_have_a_state(status, vindu_fra, idag):
    assert tilstand(status, vindu_fra, vindu_fra + timedelta(days=28), None, idag) is None


def test_first_open_contact_point_skips_done_and_lapsed_points():
    assert forste_apen_sp([(3, PLANLAGT), (1, GJENNOMFORT), (2, AVSLATT)]) == 2
    assert forste_apen_sp([(1, BORTFALT), (2, GJENNOMFORT), (3, UTSATT)]) == 3
    assert forste_apen_sp([(1, GJENNOMFORT), (2, GJENNOMFORT), (3, BORTFALT)]) is None


def test_period_overlap_includes_touching_days():
    periode = Periode(date(2027, 2, 2), date(2027, 3, 2))

    assert periode.overlapper(date(2027, 3, 2), date(2027, 3, 10))
    assert periode.overlapper(date(2027, 1, 1), date(2027, 2, 2))
    assert not periode.overlapper(date(2027, 3, 3), date(2027, 3, 10))
    assert not periode.overlapper(date(2027, 1, 1), date(2027, 2, 1))


# --- ISO weeks -------------------------------------------------------------------------


def test_2026_has_week_53_from_28_december_to_3_january():
    assert uker_i_iso_ar(2026) == 53
    assert iso_uke(2026, 53) == Periode(date(2026, 12, 28), date(2027, 1, 3))


@pytest.mark.parametrize(("ar", "uker"), [(2020, 53), (2025, 52), (2026, 53), (2027, 52), (2032, 53)])
def test_weeks_in_known_years(ar, uker):
    assert uker_i_iso_ar(ar) == uker


def test_week_53_of_a_short_year_is_refused_in_norwegian():
    with pytest.raises(ValueError, match="Uke 53 finnes ikke i 2027"):
        iso_uke(2027, 53)


@pytest.mark.parametrize("uke", [0, -1, 54])
def test_week_numbers_outside_the_year_are_refused(uke):
    with pytest.raises(ValueError, match="finnes ikke"):
        iso_uke(2026, uke)


@REGLER
@given(ar=alle_iso_ar, data=st.data())
def test_every_iso_week_runs_monday_to_sunday(ar, data):
    uke = data.draw(st.integers(min_value=1, max_value=uker_i_iso_ar(ar)), label="uke")

    periode = iso_uke(ar, uke)

    assert periode.fra.weekday() == 0
    assert periode.til.weekday() == 6
    assert periode.til - periode.fra == timedelta(days=6)
    assert uke_for(periode.fra) == (ar, uke)
    assert uke_for(periode.til) == (ar, uke)


@REGLER
@given(ar=alle_iso_ar)
def test_week_53_exists_exactly_in_the_long_years(ar):
    if er_langt_iso_ar(ar):
        assert uker_i_iso_ar(ar) == 53
        assert iso_uke(ar, 53).fra.weekday() == 0
    else:
        assert uker_i_iso_ar(ar) == 52
        with pytest.raises(ValueError):
            iso_uke(ar, 53)


@REGLER
@given(ar=st.integers(min_value=2, max_value=9998))
def test_iso_years_follow_each_other_without_gap_and_week_1_holds_4_january(ar):
    siste_uke_i_fjor = iso_uke(ar - 1, uker_i_iso_ar(ar - 1))
    uke_1 = iso_uke(ar, 1)

    assert uke_1.fra == siste_uke_i_fjor.til + timedelta(days=1)
    assert uke_1.fra <= date(ar, 1, 4) <= uke_1.til


@REGLER
@given(dato=alle_datoer)
def test_a_date_lies_in_the_week_uke_for_names(dato):
    ar, uke = uke_for(dato)
    periode = iso_uke(ar, uke)

    assert periode.fra <= dato <= periode.til


# --- the --uke option ------------------------------------------------------------------

MANDAG_UKE_48 = date(2026, 11, 23)


@pytest.mark.parametrize("spesifikasjon", [None, "", "   "])
def test_no_week_means_the_current_week(spesifikasjon):
    torsdag = date(2026, 11, 26)

    assert uke_periode(spesifikasjon, torsdag) == Periode(MANDAG_UKE_48, date(2026, 11, 29))


@REGLER
@given(idag=alle_datoer)
def test_the_current_week_holds_today(idag):
    periode = uke_periode(None, idag)

    assert periode.fra.weekday() == 0
    assert periode.fra <= idag <= periode.til


def test_a_bare_week_number_is_the_next_such_week_that_has_not_ended():
    assert uke_periode("48", date(2026, 6, 1)) == Periode(MANDAG_UKE_48, date(2026, 11, 29))
    # Week 2 of 2026 is over in June: coordinators plan ahead, so it is week 2 of 2027.
    assert uke_periode(" 2 ", date(2026, 6, 1)) == Periode(date(2027, 1, 11), date(2027, 1, 17))
    assert uke_periode("48", MANDAG_UKE_48 + timedelta(days=6)) == Periode(MANDAG_UKE_48, date(2026, 11, 29))


def test_a_bare_week_number_around_new_year_uses_the_iso_year_of_today():
    # Saturday 2 January 2027 lies in week 53 of ISO year 2026; week 48 of 2026 is over.
    assert uke_periode("48", date(2027, 1, 2)) == iso_uke(2027, 48)
    assert uke_periode("53", date(2027, 1, 3)) == Periode(date(2026, 12, 28), date(2027, 1, 3))
    # Tuesday 31 December 2024 lies in week 1 of ISO year 2025.
    assert uke_periode("48", date(2024, 12, 31)) == iso_uke(2025, 48)


@REGLER
@given(idag=alle_datoer, data=st.data())
def test_a_bare_week_number_is_that_week_of_this_iso_year_or_the_next_when_it_has_ended(idag, data):
    iso_ar = idag.isocalendar().year
    uke = data.draw(st.integers(min_value=1, max_value=uker_i_iso_ar(iso_ar)), label="uke")
    denne = iso_uke(iso_ar, uke)
    if denne.til >= idag:
        assert uke_periode(str(uke), idag) == denne
    elif uke <= uker_i_iso_ar(iso_ar + 1):
        assert uke_periode(str(uke), idag) == iso_uke(iso_ar + 1, uke)
    else:
        with pytest.raises(ValueError, match="er over"):
            uke_periode(str(uke), idag)


@pytest.mark.parametrize("spesifikasjon", ["2027-W02", "2027W02", "2027-w2", " 2027-W02 "])
def test_year_and_week(spesifikasjon):
    assert uke_periode(spesifikasjon, MANDAG_UKE_48) == Periode(date(2027, 1, 11), date(2027, 1, 17))


@pytest.mark.parametrize("spesifikasjon", ["neste", "uke", "48a", "2027-02", "2027-W", "W48", "4.8", "-1"])
def test_unknown_week_text_is_refused_with_a_norwegian_hint(spesifikasjon):
    with pytest.raises(
        ValueError, match=r"Ukjent uke .*Skriv et ukenummer \(48\) eller år og uke \(2027-W02\)"
    ):
        uke_periode(spesifikasjon, MANDAG_UKE_48)


@pytest.mark.parametrize(
    ("spesifikasjon", "idag"),
    [("0", MANDAG_UKE_48), ("54", MANDAG_UKE_48), ("2027-W53", MANDAG_UKE_48), ("53", date(2027, 6, 1))],
)
def test_a_week_the_year_does_not_have_is_refused(spesifikasjon, idag):
    with pytest.raises(ValueError, match="finnes ikke"):
        uke_periode(spesifikasjon, idag)


# --- month period ----------------------------------------------------------------------


def test_month_period_of_february_in_a_leap_year():
    assert maned_periode(date(2028, 2, 10)) == Periode(date(2028, 2, 1), date(2028, 2, 29))


@REGLER
@given(idag=alle_datoer)
def test_month_period_runs_from_the_first_to_the_last_day_of_the_month(idag):
    periode = maned_periode(idag)

    assert periode.fra == idag.replace(day=1)
    assert periode.til == idag.replace(day=calendar.monthrange(idag.year, idag.month)[1])


# --- the work list's period (forfaller --uke/--maned/--fra/--til) ---------------------------

datoer_som_skrives = st.dates(min_value=date(1850, 1, 1), max_value=date(2200, 12, 31))


@REGLER
@given(idag=datoer_som_skrives)
def test_the_work_list_period_is_this_week_with_no_option_or_a_bare_week(idag):
    denne_uken = iso_uke(*uke_for(idag))

    assert arbeidsperiode(None, False, None, None, idag) == denne_uken
    assert arbeidsperiode("", False, None, None, idag) == denne_uken
    assert arbeidsperiode(None, True, None, None, idag) == maned_periode(idag)


@REGLER
@given(idag=datoer_som_skrives, a=datoer_som_skrives, b=datoer_som_skrives)
def test_the_work_list_period_from_and_to_is_the_range_typed_or_refused_when_reversed(idag, a, b):
    fra, til = a.isoformat(), b.strftime("%d.%m.%Y")
    if b < a:
        with pytest.raises(UgyldigInndata, match="--til ligger før --fra"):
            arbeidsperiode(None, False, fra, til, idag)
    else:
        assert arbeidsperiode(None, False, fra, til, idag) == Periode(a, b)
    # A blank date is today.
    assert arbeidsperiode(None, False, "", "", idag) == Periode(idag, idag)


@REGLER
@given(
    idag=datoer_som_skrives,
    # Every choice of two or three: drawn from the four, not filtered from all sets of the three.
    valgt=st.sampled_from(
        [{"uke", "maned"}, {"uke", "fra_til"}, {"maned", "fra_til"}, {"uke", "maned", "fra_til"}]
    ),
    uke=st.sampled_from(["", "48", "2027-W02", "neste"]),
    fra_til=st.sampled_from([("2026-01-01", None), (None, ""), ("", ""), ("2026-02-01", "2026-01-01")]),
)
def test_the_work_list_takes_only_one_period_before_reading_any(idag, valgt, uke, fra_til):
    # Two periods are refused as such, even when one of them could not be read either.
    with pytest.raises(UgyldigInndata, match=r"^Velg bare én periode: --uke, --maned eller --fra/--til\.$"):
        arbeidsperiode(
            uke if "uke" in valgt else None,
            "maned" in valgt,
            *(fra_til if "fra_til" in valgt else (None, None)),
            idag,
        )


def test_the_work_list_names_the_option_of_a_period_it_cannot_read():
    with pytest.raises(UgyldigInndata, match=r"^--uke: Ukjent uke «neste»"):
        arbeidsperiode("neste", False, None, None, MANDAG_UKE_48)
    with pytest.raises(UgyldigInndata, match=r"^Oppgi både --fra og --til\.$"):
        arbeidsperiode(None, False, "2026-01-01", None, MANDAG_UKE_48)
    with pytest.raises(UgyldigInndata, match=r"^--til: "):
        arbeidsperiode(None, False, "2026-01-01", "31.02.2026", MANDAG_UKE_48)


@given(
    status=st.sampled_from(sorted(STATUSER)),
    diagnosedato=st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 12, 31)),
    sp1_uker=st.integers(1, 26),
    avtalt=st.none() | st.dates(min_value=date(1900, 1, 1), max_value=date(2201, 12, 31)),
)
def test_a_due_range_never_ends_before_it_starts(status, diagnosedato, sp1_uker, avtalt):
    # The work list relies on it: an overdue point starts before today, so the list is one
    # range of the index (punkter.forfaller_json).
    for vindu in vinduer(diagnosedato, sp1_uker).values():
        periode = forfallsperiode(status, vindu.fra, vindu.til, avtalt)
        assert periode is None or periode.fra <= periode.til


# --- whose contact points the work list shows ---------------------------------------------

_ANSVARLIGE = st.sampled_from(["kommunen", "spesialisthelsetjenesten", "fastlege"])


@REGLER
@given(ansvarlig=_ANSVARLIGE, alle=st.booleans(), tjeneste=st.sampled_from([None, *TJENESTER]))
def test_arbeidslisten_viser_den_ansvarlige_som_ble_bedt_om_uansett_tjeneste(
    ansvarlig: str, alle: bool, tjeneste: str | None
) -> None:
    assert arbeidslistens_ansvarlig(ansvarlig, alle, tjeneste) == ansvarlig


@REGLER
@given(tjeneste=st.sampled_from([None, *TJENESTER]))
def test_arbeidslisten_med_alle_viser_alle_punktene(tjeneste: str | None) -> None:
    assert arbeidslistens_ansvarlig(None, True, tjeneste) is None


def test_arbeidslisten_viser_ellers_punktene_registerets_tjeneste_har_ansvaret_for() -> None:
    assert arbeidslistens_ansvarlig(None, False, "kommune") == "kommunen"
    assert arbeidslistens_ansvarlig(None, False, "sykehus") == "spesialisthelsetjenesten"
    # A register for both services (no service set) shows every point.
    assert arbeidslistens_ansvarlig(None, False, None) is None


def test_hver_tjeneste_har_en_ansvarlig_som_svarer_til_punktene_den_holder() -> None:
    # The hospital holds SP1, the municipality SP2 and SP3 (domain.md): the work list of a
    # service shows exactly the points whose responsible party is that service's.
    for tjeneste in TJENESTER:
        ansvarlig = arbeidslistens_ansvarlig(None, False, tjeneste)
        assert {sp for sp, hvem in ANSVARLIG.items() if hvem == ansvarlig} == set(TJENESTE_SP[tjeneste])
