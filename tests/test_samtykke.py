"""Consent (`pakkehjem samtykke`) and the letter's consent rules: the whole matrix of
recipient × {no consent recorded, ja, nei}, the history, which row is in force, and the rules
as pure functions."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from brevdata import (
    BREVDATO,
    FULL,
    UTEN_SAMTYKKE,
    hold_samtale,
    lag_pasient,
    pasient_med_samtale,
    sett_avsender,
)
from hjelp import json_ut
from pakkehjem import samtykke as regler
from pakkehjem.feil import ManglerSamtykke, UgyldigInndata

TILLATT, NEKTET = "tillatt", "nektet"

# The law (domain.md, "Consent") as a table: recipient -> state -> outcome.
# Health recipients: allowed unless the patient objected (§§ 25, 45). nav and annen: only with
# an explicit "ja" (§ 22). ny_kommune falls under the consent kind "kommune". The patient's own
# copy needs no consent.
MATRISE = {
    "fastlege": {"ingen": TILLATT, "ja": TILLATT, "nei": NEKTET},
    "kommune": {"ingen": TILLATT, "ja": TILLATT, "nei": NEKTET},
    "sykehus": {"ingen": TILLATT, "ja": TILLATT, "nei": NEKTET},
    "ny_kommune": {"ingen": TILLATT, "ja": TILLATT, "nei": NEKTET},
    "nav": {"ingen": NEKTET, "ja": TILLATT, "nei": NEKTET},
    "annen": {"ingen": NEKTET, "ja": TILLATT, "nei": NEKTET},
    "pasient": {"ingen": TILLATT, "ja": TILLATT, "nei": TILLATT},
}
TILFELLER = [(til, tilstand, utfall) for til, rad in MATRISE.items() for tilstand, utfall in rad.items()]


@pytest.fixture
def pasient_uten_samtykke(kjor: Callable, ny_pasient: Callable, tmp_path: Path, fra_mal: Callable) -> int:
    """A finished conversation in which no consent question was answered."""

    return fra_mal(
        "pasient_uten_samtykke", lambda: pasient_med_samtale(kjor, ny_pasient, tmp_path, UTEN_SAMTYKKE)
    )


def test_matrisen_dekker_alle_mottakere_og_tilstander() -> None:
    assert set(MATRISE) == set(regler.BREVMOTTAKERE)
    assert len(TILFELLER) == 3 * len(regler.BREVMOTTAKERE)


@pytest.mark.parametrize(("til", "tilstand", "utfall"), TILFELLER)
def test_samtykkematrisen(
    kjor: Callable,
    pasient_uten_samtykke: int,
    forvent_feil: Callable,
    til: str,
    tilstand: str,
    utfall: str,
) -> None:
    pid = str(pasient_uten_samtykke)
    art = regler.SAMTYKKEART[til]
    if tilstand != "ingen":
        # For the patient's own copy every kind gets the answer: none of them may matter.
        for mottaker in [art] if art else regler.MOTTAKERE:
            navn = ["--navn", "Skolen"] if mottaker == "annen" and tilstand == "ja" else []
            assert kjor("samtykke", pid, "--til", mottaker, f"--{tilstand}", *navn).exit_code == 0
    args = ["brev", pid, "--til", til, "--dato", BREVDATO] + (["--navn", "Skolen"] if til == "annen" else [])
    resultat = kjor(*args)
    brev = json_ut(kjor("vis", pid, "--json"))["brev"]
    if utfall == TILLATT:
        assert resultat.exit_code == 0, resultat.output
        assert resultat.stdout.startswith("OPPSUMMERING")
        assert [b["mottaker"] for b in brev] == [til]
    else:
        tekst = forvent_feil(resultat, 1)
        assert f"«pakkehjem samtykke {pid} --til {art} --ja" in tekst
        assert ("motsatt seg" in tekst) == (tilstand == "nei")
        assert ("uttrykkelige samtykke" in tekst) == (tilstand == "ingen")
        assert brev == []


def test_samtykke_fra_samtalen_gjelder(kjor: Callable, ny_pasient: Callable, tmp_path: Path) -> None:
    pasient = lag_pasient(ny_pasient)
    sett_avsender(kjor)
    hold_samtale(kjor, tmp_path, pasient["id"], {**FULL, "samtykke_fastlege": False, "samtykke_nav": True})
    data = json_ut(kjor("vis", str(pasient["id"]), "--json"))
    assert data["samtykke_gjeldende"]["fastlege"]["svar"] == "nei"
    assert {s["kilde"] for s in data["samtykke"]} == {"samtale"}
    assert kjor("brev", str(pasient["id"]), "--til", "fastlege").exit_code == 1
    assert kjor("brev", str(pasient["id"]), "--til", "nav").exit_code == 0


def test_historikken_beholdes_og_siste_rad_gjelder(
    kjor: Callable, pasient_uten_samtykke: int, db_sti: Path
) -> None:
    pid = str(pasient_uten_samtykke)
    assert kjor("samtykke", pid, "--til", "nav", "--ja", "--dato", "2026-11-20").exit_code == 0
    assert kjor("brev", pid, "--til", "nav").exit_code == 0
    assert kjor("samtykke", pid, "--til", "nav", "--nei", "--dato", "2026-11-21").exit_code == 0
    assert kjor("brev", pid, "--til", "nav").exit_code == 1
    assert kjor("samtykke", pid, "--til", "nav", "--ja", "--dato", "2026-11-22").exit_code == 0
    data = json_ut(kjor("vis", pid, "--json"))
    assert [(s["svar"], s["dato"], s["kilde"]) for s in data["samtykke"]] == [
        ("ja", "2026-11-20", "kommando"),
        ("nei", "2026-11-21", "kommando"),
        ("ja", "2026-11-22", "kommando"),
    ]
    assert data["samtykke_gjeldende"]["nav"]["svar"] == "ja"
    # Nothing is ever changed or removed: three rows in the table.
    tilkobling = sqlite3.connect(db_sti)
    try:
        assert tilkobling.execute("SELECT count(*) FROM samtykke").fetchone()[0] == 3
    finally:
        tilkobling.close()


def test_et_samtykke_registrert_senere_med_eldre_dato_overstyrer_ikke(
    kjor: Callable, pasient_uten_samtykke: int
) -> None:
    """A phone call noted afterwards does not undo what the patient has said since."""
    pid = str(pasient_uten_samtykke)
    assert kjor("samtykke", pid, "--til", "fastlege", "--ja", "--dato", "2026-11-22").exit_code == 0
    assert kjor("samtykke", pid, "--til", "fastlege", "--nei", "--dato", "2026-11-01").exit_code == 0
    assert json_ut(kjor("vis", pid, "--json"))["samtykke_gjeldende"]["fastlege"]["svar"] == "ja"
    assert kjor("brev", pid, "--til", "fastlege").exit_code == 0


def test_samme_dag_gjelder_den_sist_registrerte(kjor: Callable, pasient_uten_samtykke: int) -> None:
    pid = str(pasient_uten_samtykke)
    for svar in ("--ja", "--nei"):
        assert kjor("samtykke", pid, "--til", "sykehus", svar, "--dato", "2026-11-22").exit_code == 0
    assert kjor("brev", pid, "--til", "sykehus").exit_code == 1


def test_innvending_mot_kommunen_gjelder_ny_kommune(kjor: Callable, pasient_uten_samtykke: int) -> None:
    pid = str(pasient_uten_samtykke)
    assert kjor("samtykke", pid, "--til", "kommune", "--nei").exit_code == 0
    resultat = kjor("brev", pid, "--til", "ny_kommune", "--navn", "Voss kommune")
    assert resultat.exit_code == 1
    assert "--til kommune --ja" in " ".join(resultat.stderr.split())


def test_samtykke_kommandoen(kjor: Callable, pasient_uten_samtykke: int, db_sti: Path) -> None:
    pid = str(pasient_uten_samtykke)
    resultat = kjor("samtykke", pid, "--til", "NAV", "--ja", "--dato", "21.11.2026", "--json")
    assert json_ut(resultat) == {
        "pasient_id": pasient_uten_samtykke,
        "mottaker": "nav",
        "svar": "ja",
        "dato": "2026-11-21",
        "kilde": "kommando",
        "omfang": None,
        "navn": None,
        "gjeldende": "ja",
    }
    resultat = kjor("samtykke", pid, "--til", "fastlege", "--nei")
    assert resultat.exit_code == 0 and resultat.stdout == ""
    assert "motsetter seg deling med fastlegen" in " ".join(resultat.stderr.split())
    tilkobling = sqlite3.connect(db_sti)
    try:
        handlinger = [
            r[0]
            for r in tilkobling.execute("SELECT handling FROM tilgangslogg WHERE pasient_id = ?", (int(pid),))
        ]
    finally:
        tilkobling.close()
    assert handlinger.count("samtykke") == 2


def test_vis_viser_gjeldende_samtykke_og_historikken(kjor: Callable, pasient_uten_samtykke: int) -> None:
    pid = str(pasient_uten_samtykke)
    kjor("samtykke", pid, "--til", "nav", "--ja", "--dato", "2026-11-20")
    kjor("samtykke", pid, "--til", "nav", "--nei", "--dato", "2026-11-21")
    ut = kjor("vis", pid, env={"COLUMNS": "140"}).stdout
    assert "nav: NEI (gjeldende, 21. november 2026)" in ut
    assert "nav: ja (20. november 2026, kommando)" in ut


@pytest.mark.parametrize(
    ("args", "kode", "ord_"),
    [
        (["--til", "fastlege"], 2, "--ja"),
        (["--til", "fastlege", "--ja", "--nei"], 2, "enten --ja"),
        (["--ja"], 2, "--til"),
        (["--til", "pasient", "--ja"], 2, "fastlege, kommune, sykehus, nav, annen"),
        (["--til", "naboen", "--nei"], 2, "er ikke en mottaker"),
        (["--til", "nav", "--ja", "--dato", "2100-01-01"], 2, "fram i tid"),
        (["--til", "nav", "--ja", "--dato", "31.02.2026"], 2, "finnes ikke"),
    ],
)
def test_samtykke_ugyldig_inndata(
    kjor: Callable, pasient_uten_samtykke: int, forvent_feil: Callable, args: list[str], kode: int, ord_: str
) -> None:
    forvent_feil(kjor("samtykke", str(pasient_uten_samtykke), *args), kode, ord_)
    assert json_ut(kjor("vis", str(pasient_uten_samtykke), "--json"))["samtykke"] == []


def test_samtykke_for_ukjent_pasient(kjor: Callable, testregister: Path, forvent_feil: Callable) -> None:
    forvent_feil(kjor("samtykke", "999", "--til", "nav", "--ja"), 1, "Ingen pasient")


# --- the rules as pure functions ---------------------------------------------------------------


@pytest.mark.parametrize(("til", "tilstand", "utfall"), TILFELLER)
def test_reglene_alene(til: str, tilstand: str, utfall: str) -> None:
    art = regler.SAMTYKKEART[til]
    rader = [
        {
            "id": nr,
            "mottaker": a,
            "svar": tilstand,
            "dato": "2026-11-20",
            "navn": "Skolen" if a == "annen" else None,
        }
        for nr, a in enumerate(regler.MOTTAKERE)
    ]
    gjeldende = {} if tilstand == "ingen" else regler.gjeldende(rader)
    navn = "Skolen" if til == "annen" else None
    assert (regler.vurder(til, gjeldende, navn) == regler.TILLATT) == (utfall == TILLATT)
    if utfall == NEKTET:
        with pytest.raises(ManglerSamtykke, match=f"--til {art} --ja"):
            regler.krev_samtykke(7, til, gjeldende, navn)
    else:
        regler.krev_samtykke(7, til, gjeldende, navn)


def test_gjeldende_er_siste_dato_deretter_siste_rad() -> None:
    rader = [
        {"id": 1, "mottaker": "nav", "svar": "ja", "dato": "2026-11-20"},
        {"id": 2, "mottaker": "nav", "svar": "nei", "dato": "2026-11-01"},
        {"id": 3, "mottaker": "fastlege", "svar": "ja", "dato": "2026-11-05"},
        {"id": 4, "mottaker": "fastlege", "svar": "nei", "dato": "2026-11-05"},
    ]
    gjeldende = regler.gjeldende(rader)
    assert gjeldende["nav"]["svar"] == "ja" and gjeldende["fastlege"]["svar"] == "nei"


def test_mottaker_normaliseres() -> None:
    assert regler.sjekk_mottaker(" Ny-Kommune ", regler.BREVMOTTAKERE) == "ny_kommune"
    with pytest.raises(UgyldigInndata):
        regler.sjekk_mottaker("ny_kommune")


# --- consent with a scope: nav and annen get only what the patient agreed to ----------------------


@pytest.fixture
def full_pasient(kjor: Callable, ny_pasient: Callable, tmp_path: Path, fra_mal: Callable) -> int:
    """The full conversation (every theme, scores, children, all consents) and the sender."""
    return fra_mal("full_pasient", lambda: pasient_med_samtale(kjor, ny_pasient, tmp_path, FULL))


# Text from every theme but jobb and okonomi in the full conversation, the scores, the diagnosis
# code, who took part, what matters most, and the patient's other consents.
UTENFOR_JOBB_OG_OKONOMI = [
    "Blir fort sliten",  # fysisk
    "Frisklivssentralen",  # fysisk's action
    "Søvnvansker",  # psykisk
    "søvn og uro",  # psykisk's action
    "Psykisk helse",
    "barnebarn",  # barn_som_parorende, and "hva er viktig"
    "Barn under 18",
    "Familiesituasjon",
    "Rehabilitering",
    "Hjelp og tilrettelegging",
    "Seksuell",
    "C50",
    "av 10",
    "Belastning",
    "Smerte",
    "Tretthet",
    "Usikkerheten om jobben",  # the strain score's note
    "Per Testesen",  # who took part
    "ektefelle",
    "pårørende",
    "Sende oppsummering til fastlegen",  # an action for the coordinator, not NAV
    "fastlegen (",  # the list of other consents
    "Arbeidsgiver",
    "sykehuset (",
]


@pytest.mark.parametrize("format_", ["txt", "md", "html"])
@pytest.mark.parametrize("sprak", ["bokmal", "nynorsk"])
def test_nav_med_omfang_jobb_og_okonomi_far_ikke_noe_annet(
    kjor: Callable, full_pasient: int, format_: str, sprak: str
) -> None:
    pid = str(full_pasient)
    assert kjor("samtykke", pid, "--til", "nav", "--ja", "--tema", "jobb", "--tema", "okonomi").exit_code == 0
    resultat = kjor("brev", pid, "--til", "nav", "--format", format_, "--sprak", sprak, "--dato", BREVDATO)
    assert resultat.exit_code == 0, resultat.output
    tekst = " ".join(resultat.stdout.split())
    for utenfor in UTENFOR_JOBB_OG_OKONOMI:
        assert utenfor.lower() not in tekst.lower(), utenfor
    # What the scope names is there: the work theme's need, note and NAV's own action.
    assert "Sykmeldt 100 % siden august" in tekst
    assert "Avtale møte med NAV-veileder om gradert sykmelding" in tekst
    assert "Økonomi og b" in tekst  # bokmål «boforhold», nynorsk «buforhold»


def test_et_samtykke_uten_omfang_gir_bare_mottakerens_egne_tema(kjor: Callable, full_pasient: int) -> None:
    # The conversation's consent to NAV gave no scope (older consents never have one):
    # jobb and okonomi only, and the letter says so.
    tekst = " ".join(kjor("brev", str(full_pasient), "--til", "nav", "--dato", BREVDATO).stdout.split())
    assert "Sykmeldt 100 %" in tekst and "Blir fort sliten" not in tekst and "C50" not in tekst
    assert (
        "Samtykket gjelder bare dette, og brevet inneholder ikke noe annet: Jobb, skole og utdanning, "
        in tekst
    )


def test_omfanget_kan_navngi_diagnosen_og_skarene(kjor: Callable, full_pasient: int) -> None:
    pid = str(full_pasient)
    kjor("samtykke", pid, "--til", "nav", "--ja", "--tema", "jobb,diagnose,belastning")
    tekst = " ".join(kjor("brev", pid, "--til", "nav", "--dato", BREVDATO).stdout.split())
    assert "C50.9" in tekst and "Belastning siste uke: 6 av 10" in tekst
    assert "Smerte" not in tekst and "Økonomi" not in tekst.split("SAMTYKKE")[0]


def test_omfang_og_mottaker_fra_samtalen(kjor: Callable, ny_pasient: Callable, tmp_path: Path) -> None:
    pasient = lag_pasient(ny_pasient)
    sett_avsender(kjor)
    svar = {**FULL, "samtykke_nav_tema": ["fysisk"], "samtykke_annen_hvem": "Nordnes  skole",
            "samtykke_annen_tema": ["barn_som_parorende"]}  # fmt: skip
    hold_samtale(kjor, tmp_path, pasient["id"], svar)
    pid = str(pasient["id"])
    data = json_ut(kjor("vis", pid, "--json"))
    assert data["samtykke_gjeldende"]["nav"]["omfang"] == ["fysisk"]
    assert data["samtykke_gjeldende"]["annen"]["navn"] == "Nordnes skole"
    nav = " ".join(kjor("brev", pid, "--til", "nav", "--dato", BREVDATO).stdout.split())
    assert "Blir fort sliten" in nav and "Sykmeldt" not in nav
    skolen = kjor("brev", pid, "--til", "annen", "--navn", "nordnes skole", "--dato", BREVDATO)
    assert skolen.exit_code == 0, skolen.output
    assert "ett barnebarn bor fast hos oss" in skolen.stdout and "Sykmeldt" not in skolen.stdout


def test_brev_til_en_annen_enn_den_samtykket_navngir_nektes(
    kjor: Callable, full_pasient: int, forvent_feil: Callable
) -> None:
    pid = str(full_pasient)
    resultat = kjor("brev", pid, "--til", "annen", "--navn", "Naboen", "--dato", BREVDATO)
    tekst = forvent_feil(resultat, 1, "«Naboen»", "--navn")
    assert "Arbeidsgiver" not in tekst
    assert json_ut(kjor("vis", pid, "--json"))["brev"] == []
    # A consent recorded for that name lets the letter go, to that name only.
    assert (
        kjor("samtykke", pid, "--til", "annen", "--ja", "--navn", "Naboen", "--tema", "hjemmet").exit_code
        == 0
    )
    assert kjor("brev", pid, "--til", "annen", "--navn", "Naboen", "--dato", BREVDATO).exit_code == 0
    # An objection without a name covers every other recipient.
    assert kjor("samtykke", pid, "--til", "annen", "--nei").exit_code == 0
    for navn in ("Naboen", "Arbeidsgiver AS"):
        forvent_feil(kjor("brev", pid, "--til", "annen", "--navn", navn), 1, "motsatt seg")


def test_vis_viser_omfanget_til_hvert_samtykke(kjor: Callable, pasient_uten_samtykke: int) -> None:
    pid = str(pasient_uten_samtykke)
    kjor("samtykke", pid, "--til", "nav", "--ja", "--dato", "2026-11-19")
    kjor("samtykke", pid, "--til", "nav", "--ja", "--tema", "jobb,fysisk", "--dato", "2026-11-20")
    kjor("samtykke", pid, "--til", "annen", "--ja", "--navn", "Skolen", "--dato", "2026-11-20")
    ut = " ".join(kjor("vis", pid, env={"COLUMNS": "200"}).stdout.split())
    assert "nav: JA (gjeldende, 20. november 2026) – gjelder: jobb, fysisk" in ut
    assert "nav: ja (19. november 2026, kommando) – gjelder bare mottakerens egne tema: jobb, okonomi" in ut
    assert (
        "annen (Skolen): JA (gjeldende, 20. november 2026) – gjelder bare mottakerens egne tema: ingen tema"
        in ut
    )


@pytest.mark.parametrize(
    ("args", "ord_"),
    [
        (["--til", "nav", "--ja", "--tema", "lottokupong"], "finnes ikke i samtaleguiden"),
        (["--til", "fastlege", "--ja", "--tema", "jobb"], "bare et samtykke (--ja) til nav eller annen"),
        (["--til", "nav", "--nei", "--tema", "jobb"], "bare et samtykke (--ja) til nav eller annen"),
        (["--til", "annen", "--ja"], "må si hvem"),
        (["--til", "nav", "--ja", "--navn", "NAV Bergen"], "bare --til annen"),
    ],
)
def test_omfang_ugyldig_inndata(
    kjor: Callable, pasient_uten_samtykke: int, forvent_feil: Callable, args: list[str], ord_: str
) -> None:
    forvent_feil(kjor("samtykke", str(pasient_uten_samtykke), *args), 2, ord_)
    assert json_ut(kjor("vis", str(pasient_uten_samtykke), "--json"))["samtykke"] == []


def test_omfanget_foelger_svarene_etter_samtale_endre(kjor: Callable, full_pasient: int) -> None:
    pid = str(full_pasient)
    til_nav = ("brev", pid, "--til", "nav", "--dato", BREVDATO)
    foer = " ".join(kjor(*til_nav).stdout.split())
    assert "Sykmeldt 100 %" in foer and "Søvnvansker" not in foer  # no scope given: jobb and okonomi

    # The amendment: to the consent theme, where the first question without an answer is what
    # NAV may know; jobb and psykisk; then `ferdig`, and save.
    svar = ["Samtykke", "jobb, psykisk", "ferdig", ""]
    resultat = kjor("samtale", pid, "--sp", "2", "--endre", input="".join(f"{s}\n" for s in svar))
    assert resultat.exit_code == 0, resultat.output
    assert "Endringene er lagret for SP2" in resultat.output

    nav = [s for s in json_ut(kjor("vis", pid, "--json"))["samtykke"] if s["mottaker"] == "nav"]
    assert [(s["svar"], s["omfang"]) for s in nav] == [("ja", None), ("ja", ["jobb", "psykisk"])]
    etter = " ".join(kjor(*til_nav).stdout.split())
    assert "Sykmeldt 100 %" in etter and "Søvnvansker" in etter and "Økonomi og b" not in etter


# --- the options of `samtykke` as a rule: --til, --ja/--nei, --tema, --navn ---------------------

VALGREGLER = settings(max_examples=300, deadline=None, derandomize=True, database=None)


@VALGREGLER
@given(
    mottaker=st.sampled_from(regler.MOTTAKERE),
    ja=st.booleans(),
    tema=st.none() | st.lists(st.sampled_from(["jobb", " Okonomi", "jobb,diagnose", ",", ""]), max_size=3),
    navn=st.none() | st.sampled_from(["", "  Arbeidsgiver   AS ", "Ola"]),
)
def test_consent_options_give_a_scope_only_to_a_consent_to_nav_or_annen_and_a_name_only_to_annen(
    mottaker, ja, tema, navn
):
    omfang = [d.strip().lower() for t in tema or [] for d in t.split(",") if d.strip()] or None
    ryddet = " ".join((navn or "").split()) or None
    try:
        svar = regler.les_valg(mottaker, ja, not ja, tema, navn)
    except UgyldigInndata as feil:
        tekst = str(feil)
        if omfang is not None and (mottaker not in regler.KREVER_UTTRYKKELIG or not ja):
            assert tekst.startswith("--tema gjelder bare et samtykke (--ja) til nav eller annen")
        elif ryddet is not None and mottaker != "annen":
            assert tekst == "--navn gjelder bare --til annen."
        else:
            assert mottaker == "annen" and ja and ryddet is None
            assert tekst.startswith("Et samtykke til annen mottaker må si hvem: legg til --navn")
    else:
        assert svar == (mottaker, omfang, ryddet)
        assert omfang is None or (ja and mottaker in regler.KREVER_UTTRYKKELIG)
        assert ryddet is None or mottaker == "annen"
        assert not (mottaker == "annen" and ja and ryddet is None)


@pytest.mark.parametrize(
    ("til", "ja", "nei", "melding"),
    [
        (None, True, False, "Mangler --til: fastlege, kommune, sykehus, nav eller annen."),
        ("fastlege", True, True, "Oppgi enten --ja (pasienten samtykker) eller --nei"),
        ("fastlege", False, False, "Oppgi enten --ja (pasienten samtykker) eller --nei"),
        ("naboen", True, False, "--til «naboen» er ikke en mottaker."),
    ],
)
def test_consent_options_need_a_recipient_and_one_answer(til, ja, nei, melding):
    with pytest.raises(UgyldigInndata, match="^" + melding.replace("(", r"\(").replace(")", r"\)")):
        regler.les_valg(til, ja, nei, None, None)


@VALGREGLER
@given(omfang=st.lists(st.sampled_from(["jobb", "okonomi", "diagnose", "hobby", "familie"]), max_size=6))
def test_a_consent_scope_is_the_guides_themes_or_diagnose_each_once(omfang):
    guidens = ["jobb", "okonomi", "familie"]
    if "hobby" in omfang:
        with pytest.raises(UgyldigInndata, match=r"^--tema hobby(, hobby)* finnes ikke i samtaleguiden\."):
            regler.sjekk_omfang(omfang, guidens)
    else:
        assert regler.sjekk_omfang(omfang, guidens) == list(dict.fromkeys(omfang))
