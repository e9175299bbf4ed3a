"""Corrections with history (`endre --diagnosedato/--diagnose/--fnr`, `gjenapne`) and the end of
a pathway that closes what belongs to it (actions, an unfinished conversation, the calendar,
letters to a patient who died)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import pytest

from hjelp import json_ut, melding

IDAG = date.today()
DIAGNOSE = IDAG - timedelta(days=200)  # SP1 and SP2 behind us, SP3 ahead


@pytest.fixture
def pasient(kjor: Callable, ny_pasient: Callable) -> dict:
    assert kjor("innstillinger", "tjeneste", "kommune").exit_code == 0
    return ny_pasient(DIAGNOSE.isoformat(), dato=IDAG.isoformat(), diagnose="C50")


def _vis(kjor: Callable, ref: str = "1") -> dict:
    return json_ut(kjor("vis", ref, "--json"))


def _punkt(data: dict, sp: int, forlop: int = -1) -> dict:
    return next(s for s in data["forlop"][forlop]["samhandlingspunkter"] if s["sp"] == sp)


def _svarfil(tmp_path: Path, **svar: object) -> str:
    fil = tmp_path / "svar.json"
    fil.write_text(json.dumps({"samtaleform": "kontor", **svar}), encoding="utf-8")
    return str(fil)


# --- corrections ---------------------------------------------------------------------------------


def test_endre_diagnosedato_flytter_vinduene_til_de_aapne_punktene_og_viser_gammel_og_ny(
    kjor: Callable, pasient: dict
) -> None:
    assert kjor("holdt", "1", "--sp", "1", "--dato", (DIAGNOSE + timedelta(days=10)).isoformat(),
                "--av", "Sykehuset").exit_code == 0  # fmt: skip
    ny = DIAGNOSE - timedelta(days=5)
    resultat = kjor("endre", "1", "--diagnosedato", ny.isoformat())
    assert resultat.exit_code == 0, resultat.output
    data = _vis(kjor)
    assert data["forlop"][0]["diagnosedato"] == ny.isoformat()
    sp1, sp2 = _punkt(data, 1), _punkt(data, 2)
    assert sp1["vindu_fra"] == DIAGNOSE.isoformat()  # closed: its record stays as it was
    assert sp2["vindu_fra"] == _tre_maaneder(ny).isoformat()
    hendelse = data["hendelser"][-1]
    assert hendelse["type"] == "diagnosedato_endret"
    assert "fra" in hendelse["tekst"] and "til" in hendelse["tekst"] and "SP2, SP3" in hendelse["tekst"]
    # The work list follows the new windows (the due range moved with them).
    rader = json_ut(kjor("forfaller", "--forfalte", "--json"))
    assert [(r["sp"], r["vindu_fra"]) for r in rader] == [(2, sp2["vindu_fra"])]


def _tre_maaneder(dato: date) -> date:
    from pakkehjem.forlop import legg_til_maneder

    return legg_til_maneder(dato, 3)


def test_endre_diagnosedato_etter_en_holdt_samtale_avvises_og_endrer_ingenting(
    kjor: Callable, pasient: dict, forvent_feil: Callable, radtall: Callable
) -> None:
    holdt = DIAGNOSE + timedelta(days=10)
    assert kjor("holdt", "1", "--sp", "1", "--dato", holdt.isoformat(), "--av", "Sykehuset").exit_code == 0
    for_ = radtall()
    forvent_feil(kjor("endre", "1", "--diagnosedato", (holdt + timedelta(days=1)).isoformat()), 2,
                 "etter en samtale som ble holdt")  # fmt: skip
    forvent_feil(kjor("endre", "1", "--diagnosedato", "2099-01-01"), 2, "fram i tid")
    assert radtall() == for_


def test_endre_diagnose_retter_koden_med_historikk(kjor: Callable, pasient: dict) -> None:
    assert kjor("endre", "1", "--diagnose", "c50.9").exit_code == 0
    data = _vis(kjor)
    assert data["forlop"][0]["diagnose"] == "C50.9"
    assert data["hendelser"][-1]["tekst"] == "Diagnose endret fra C50 til C50.9."


def _syntetisk_d_nummer(fodt: date) -> str:
    """A synthetic D-number (day + 40, month + 80) with valid check digits."""
    from stdnum.no import fodselsnummer

    for individ in range(0, 500):
        ni = f"{fodt.day + 40:02d}{fodt.month + 80:02d}{fodt.year % 100:02d}{individ:03d}"
        k1 = fodselsnummer.calc_check_digit1(ni)
        if len(k1) == 1 and len(k2 := fodselsnummer.calc_check_digit2(ni + k1)) == 1:
            return ni + k1 + k2
    raise AssertionError("no D-number")


def test_endre_fnr_fra_d_nummer_til_foedselsnummer_og_nekter_et_nummer_i_bruk(
    kjor: Callable, testregister: Path, ny_pasient: Callable, syntetisk_fnr: Callable, forvent_feil: Callable
) -> None:
    fodt = date(1970, 3, 14)
    forste = ny_pasient("2026-06-01", fnr=_syntetisk_d_nummer(fodt))
    annen = ny_pasient("2026-06-01")
    forvent_feil(kjor("endre", str(forste["id"]), "--fnr", annen["fnr"]), 1, "allerede i bruk")
    nummer = syntetisk_fnr(fodt)
    assert kjor("endre", str(forste["id"]), "--fnr", nummer).exit_code == 0
    data = json_ut(kjor("vis", nummer, "--json"))
    assert data["id"] == forste["id"] and data["fnr"] == nummer and data["fodselsdato"] == "1970-03-14"
    assert data["hendelser"][-1]["type"] == "fnr_endret"
    assert forste["fnr"] in data["hendelser"][-1]["tekst"] and nummer in data["hendelser"][-1]["tekst"]
    forvent_feil(kjor("endre", "1", "--fnr", "12345678901"), 2, "Ugyldig fødselsnummer")


def test_rettelser_og_kontaktopplysninger_i_en_kommando_er_en_transaksjon(
    kjor: Callable, pasient: dict, forvent_feil: Callable, radtall: Callable, db_sti: Path
) -> None:
    for_ = radtall()
    forvent_feil(kjor("endre", "1", "--koordinator", "Siri", "--diagnosedato", "2099-01-01"), 2, "fram i tid")
    assert radtall() == for_ and _vis(kjor)["koordinator"] is None
    assert kjor("endre", "1", "--koordinator", "Siri", "--diagnose", "C61").exit_code == 0
    with sqlite3.connect(db_sti) as db:
        handlinger = [r[0] for r in db.execute("SELECT handling FROM tilgangslogg ORDER BY id DESC LIMIT 2")]
    assert set(handlinger) == {"korriger", "endre"}
    data = _vis(kjor)
    assert data["koordinator"] == "Siri" and data["forlop"][0]["diagnose"] == "C61"


def test_gjenapne_et_punkt_bortfalt_ved_en_feil(
    kjor: Callable, pasient: dict, forvent_feil: Callable
) -> None:
    assert kjor("bortfall", "1", "--sp", "3", "--grunn", "Feil pasient").exit_code == 0
    forvent_feil(kjor("gjenapne", "1", "--sp", "3"), 2, "--grunn")
    resultat = kjor("gjenapne", "1", "--sp", "3", "--grunn", "Registrert på feil pasient")
    assert resultat.exit_code == 0, resultat.output
    assert "SP3 gjenåpnet (var bortfalt)" in resultat.stdout
    sp3 = _punkt(_vis(kjor), 3)
    assert sp3["status"] == "planlagt" and sp3["tilstand"] == "ikke_apnet"
    forvent_feil(kjor("gjenapne", "1", "--sp", "3", "--grunn", "Igjen"), 1, "ikke lukket")


def test_gjenapne_sp3_holdt_for_tidlig_aapner_forlopet_igjen(
    kjor: Callable, pasient: dict, tmp_path: Path
) -> None:
    dato = (DIAGNOSE + timedelta(days=100)).isoformat()
    svar = _svarfil(tmp_path)
    assert kjor("samtale", "1", "--sp", "3", "--svar", svar, "--dato", dato, "--bekreft").exit_code == 0
    assert _vis(kjor)["status"] == "avsluttet"
    assert kjor("gjenapne", "1", "--sp", "3", "--grunn", "Det var SP2").exit_code == 0
    assert kjor("gjenapne", "1", "--sp", "2", "--grunn", "Lukket av SP3 ved en feil").exit_code == 0
    data = _vis(kjor)
    assert data["status"] == "aktiv" and data["forlop"][0]["status"] == "aktiv"
    assert _punkt(data, 2)["status"] == "planlagt" and _punkt(data, 3)["status"] == "planlagt"


# --- the end of a pathway -------------------------------------------------------------------------


def test_dod_lukker_aapne_tiltak_og_avbryter_en_paabegynt_samtale(
    kjor: Callable, pasient: dict, tmp_path: Path, db_sti: Path
) -> None:
    samtaledato = IDAG - timedelta(days=20)
    tiltak = [{"hva": "Kreftkoordinator ringer og følger opp", "ansvarlig": "kommunen",
               "frist": (IDAG + timedelta(days=30)).isoformat()}]  # fmt: skip
    svar = _svarfil(tmp_path, familie_behov="behov", familie_tiltak=tiltak)
    assert kjor("samtale", "1", "--sp", "2", "--svar", svar, "--dato", samtaledato.isoformat()).exit_code == 0
    # An SP3 conversation begun and left (as a terminal conversation left with Ctrl-C would be).
    from pakkehjem.register import Register

    register = Register.fra_fil(db_sti)
    try:
        register.samtaler.begynn_eller_fortsett(
            "1", 3, IDAG - timedelta(days=1), ("test", "1", "tema: []"), None
        )
    finally:
        register.lukk()
    resultat = kjor("avslutt", "1", "--grunn", "dod", "--dato", IDAG.isoformat())
    assert resultat.exit_code == 0, resultat.output
    assert "Lukket 1 åpne tiltak" in resultat.stdout and "Avbrøt 1 påbegynt samtale" in resultat.stdout
    data = _vis(kjor)
    assert [(t["status"], t["lukket_grunn"]) for t in data["tiltak"]] == [("lukket", "pasienten er død")]
    assert [s["status"] for s in data["samtaler"]] == ["fullfort", "avbrutt"]
    assert json_ut(kjor("tiltak", "--json")) == []
    assert json_ut(kjor("oversikt", "--json"))["totalt"]["tiltak_over_frist"] == 0


def test_residiv_lar_tiltakene_staa_aapne(kjor: Callable, pasient: dict, tmp_path: Path) -> None:
    tiltak = [
        {"hva": "Fysioterapi", "ansvarlig": "kommunen", "frist": (IDAG + timedelta(days=30)).isoformat()}
    ]
    svar = _svarfil(tmp_path, familie_behov="behov", familie_tiltak=tiltak)
    samtaledato = (IDAG - timedelta(days=20)).isoformat()
    assert kjor("samtale", "1", "--sp", "2", "--svar", svar, "--dato", samtaledato).exit_code == 0
    assert kjor("residiv", "1", "--diagnosedato", IDAG.isoformat()).exit_code == 0
    assert [t["status"] for t in _vis(kjor)["tiltak"]] == ["apen"]


def test_kalender_beholder_en_avlyst_avtale_som_cancelled_med_samme_uid(
    kjor: Callable, pasient: dict
) -> None:
    dag = (IDAG + timedelta(days=7)).isoformat()
    assert kjor("avtal", "1", dag, "--sp", "3", "--kl", "10:00", "--sted", "Hjemmebesøk").exit_code == 0
    for_ = kjor("kalender", "1").stdout
    assert "STATUS:CONFIRMED" in for_
    uid = next(linje for linje in for_.splitlines() if linje.startswith("UID:"))
    assert kjor("avslutt", "1", "--grunn", "dod").exit_code == 0
    etter = kjor("kalender", "1").stdout
    assert "STATUS:CANCELLED" in etter and "STATUS:CONFIRMED" not in etter
    assert uid in etter and "Hjemmebesøk" in etter and dag.replace("-", "") in etter


def test_ny_avtale_etter_utsettelse_gjor_hendelsen_bekreftet_igjen(kjor: Callable, pasient: dict) -> None:
    assert kjor("avtal", "1", (IDAG + timedelta(days=7)).isoformat(), "--sp", "3").exit_code == 0
    assert (
        kjor("utsett", "1", (IDAG + timedelta(days=9)).isoformat(), "--sp", "3", "--grunn", "Syk").exit_code
        == 0
    )
    assert "STATUS:CANCELLED" in kjor("kalender").stdout
    assert kjor("avtal", "1", (IDAG + timedelta(days=14)).isoformat(), "--sp", "3").exit_code == 0
    ics = kjor("kalender").stdout
    assert ics.count("BEGIN:VEVENT") == 1 and "STATUS:CONFIRMED" in ics


def test_brev_til_en_avdod_pasient_avvises_men_brev_om_pasienten_lages(
    kjor: Callable, pasient: dict, tmp_path: Path, forvent_feil: Callable
) -> None:
    samtaledato = (IDAG - timedelta(days=20)).isoformat()
    assert (
        kjor("samtale", "1", "--sp", "2", "--svar", _svarfil(tmp_path), "--dato", samtaledato).exit_code == 0
    )
    assert (
        kjor(
            "avsender", "--navn", "Siri Solheim", "--rolle", "kreftkoordinator", "--telefon", "55 55 55 55"
        ).exit_code
        == 0
    )
    assert kjor("avslutt", "1", "--grunn", "dod").exit_code == 0
    tekst = forvent_feil(kjor("brev", "1", "--til", "pasient"), 1, "registrert som død")
    assert "fastlegen" in tekst
    til_fastlege = kjor("brev", "1", "--til", "fastlege")
    assert til_fastlege.exit_code == 0, til_fastlege.output
    assert "SP2" in melding(til_fastlege)
