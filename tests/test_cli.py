"""The command-line contract (cli.md) through CliRunner: JSON shapes, periods, filters,
contact-point actions, demo data, help texts and where the database is."""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
import typer
import typer.testing
from stdnum.no import fodselsnummer as stdnum_fnr

from hjelp import IDAG, json_ut, melding
from pakkehjem import cli
from pakkehjem import fnr as fnr_regler
from pakkehjem.cli import app
from samtalehjelp import til_slutten
from varm_prosess import VarmProsess

VIS_NOKLER = {
    "id",
    "fnr",
    "navn",
    "fodselsdato",
    "kommune",
    "fastlege",
    "koordinator",
    "status",
    "forlop",
    "samtaler",
    "tiltak",
    "samtykke",
}
FORLOP_NOKLER = {"nr", "diagnosedato", "diagnose", "status", "samhandlingspunkter"}
PUNKT_NOKLER = {"sp", "ansvarlig", "vindu_fra", "vindu_til", "status", "dato", "tilstand"}
FORFALLER_NOKLER = {
    "pasient_id",
    "navn",
    "fnr",
    "forlop",
    "sp",
    "ansvarlig",
    "vindu_fra",
    "vindu_til",
    "status",
    "dato",
    "tilstand",
}
ISO_DATO = re.compile(r"^\d{4}-\d{2}-\d{2}$")
BOKSTEGN = re.compile("[\u2500-\u257f]")


def iso_eller_null(verdi: object) -> bool:
    return verdi is None or (isinstance(verdi, str) and bool(ISO_DATO.match(verdi)))


# --- ny-pasient and vis ----------------------------------------------------------------


def test_ny_pasient_skriver_nummeret_og_de_tre_vinduene_med_norske_datoer(
    kjor: Callable, testregister: Path, syntetisk_fnr: Callable
) -> None:
    resultat = kjor(
        "ny-pasient",
        "--fnr",
        syntetisk_fnr(),
        "--navn",
        "Kari Nordmann",
        "--diagnosedato",
        "2026-11-02",
        "--dato",
        IDAG,
    )
    assert resultat.exit_code == 0, resultat.output
    ut = resultat.stdout
    assert "pasient nr. 1" in ut
    assert "SP1" in ut and "2. november 2026" in ut and "30. november 2026" in ut
    assert "SP2" in ut and "2. februar 2027" in ut and "2. mars 2027" in ut
    assert "SP3" in ut and "2. november 2027" in ut and "2. mai 2028" in ut


def test_ny_pasient_med_json_skriver_pasienten_slik_vis_gjor(kjor: Callable, ny_pasient: Callable) -> None:
    ny = ny_pasient("2026-11-02", diagnose="c50.9", kommune="Bodø")
    vist = json_ut(kjor("vis", str(ny["id"]), "--json", "--dato", IDAG))
    assert ny == vist
    assert ny["forlop"][0]["diagnose"] == "C50.9"


def test_vis_json_har_noklene_i_kontrakten(kjor: Callable, ny_pasient: Callable) -> None:
    ny = ny_pasient("02.11.2026", kommune="Bodø", fastlege="Dr. Ås", koordinator="Siri Solheim")
    data = json_ut(kjor("vis", str(ny["id"]), "--json", "--dato", IDAG))

    assert set(data) >= VIS_NOKLER
    assert data["id"] == 1
    assert fnr_regler.er_syntetisk(data["fnr"]) and len(data["fnr"]) == 11  # the full number, one patient
    assert data["fodselsdato"] == "1960-05-17"
    assert (data["kommune"], data["fastlege"], data["koordinator"]) == ("Bodø", "Dr. Ås", "Siri Solheim")
    assert data["status"] == "aktiv"
    assert data["samtaler"] == [] and data["tiltak"] == [] and data["samtykke"] == []

    (forlop,) = data["forlop"]
    assert set(forlop) >= FORLOP_NOKLER
    assert (forlop["nr"], forlop["diagnosedato"], forlop["status"]) == (1, "2026-11-02", "aktiv")
    sp1, sp2, sp3 = forlop["samhandlingspunkter"]
    for punkt in (sp1, sp2, sp3):
        assert set(punkt) >= PUNKT_NOKLER
        assert punkt["status"] == "planlagt" and punkt["dato"] is None
    assert [p["sp"] for p in (sp1, sp2, sp3)] == [1, 2, 3]
    assert [p["ansvarlig"] for p in (sp1, sp2, sp3)] == ["spesialisthelsetjenesten", "kommunen", "kommunen"]
    assert (sp1["vindu_fra"], sp1["vindu_til"], sp1["tilstand"]) == ("2026-11-02", "2026-11-30", "i_vindu")
    assert (sp2["vindu_fra"], sp2["vindu_til"], sp2["tilstand"]) == ("2027-02-02", "2027-03-02", "ikke_apnet")
    assert (sp3["vindu_fra"], sp3["vindu_til"], sp3["tilstand"]) == ("2027-11-02", "2028-05-02", "ikke_apnet")


def nokler(data: object) -> set[str]:
    """Every key in a JSON document, at any depth."""
    if isinstance(data, dict):
        return set(data) | {k for v in data.values() for k in nokler(v)}
    if isinstance(data, list):
        return {k for v in data for k in nokler(v)}
    return set()


def test_json_nokler_og_oppramsede_verdier_er_ascii_snake_case(
    kjor: Callable, ny_pasient: Callable, fullfor: Callable
) -> None:
    ny = ny_pasient("2026-09-01")
    fullfor(ny["id"], 1, date(2026, 9, 20))
    kjor("avsla", str(ny["id"]), "--spor-igjen", "2026-12-01", "--dato", IDAG)
    vist = json_ut(kjor("vis", str(ny["id"]), "--json", "--dato", IDAG))
    liste_ = json_ut(kjor("forfaller", "--maned", "--dato", "2026-12-01", "--json"))
    for dokument in (vist, liste_):
        assert all(re.fullmatch(r"[a-z][a-z0-9_]*", k) for k in nokler(dokument)), nokler(dokument)
    punkter = vist["forlop"][0]["samhandlingspunkter"] + liste_
    verdier = {p[k] for p in punkter for k in ("status", "tilstand", "ansvarlig") if p[k] is not None}
    assert {"gjennomfort", "avslatt", "ikke_apnet", "spesialisthelsetjenesten"} <= verdier
    assert all(re.fullmatch(r"[a-z_]+", v) for v in verdier), verdier


def test_json_beholder_norske_bokstaver(kjor: Callable, ny_pasient: Callable) -> None:
    ny = ny_pasient(navn="Åse Ørnes Bæk", kommune="Bodø")
    resultat = kjor("vis", str(ny["id"]), "--json", "--dato", IDAG)
    assert "Åse Ørnes Bæk" in resultat.stdout and "Bodø" in resultat.stdout


@pytest.mark.parametrize("skrivemate", ["samlet", "mellomrom", "mellomrom_rundt"])
def test_pasient_kan_angis_med_nummer_eller_fodselsnummer_med_mellomrom(
    kjor: Callable, ny_pasient: Callable, skrivemate: str
) -> None:
    ny_pasient()  # another patient first, so the number is not 1 by accident
    ny = ny_pasient()
    nummer = ny["fnr"]
    ref = {
        "samlet": nummer,
        "mellomrom": f"{nummer[:6]} {nummer[6:]}",
        "mellomrom_rundt": f" {nummer[:6]} {nummer[6:]} ",
    }[skrivemate]
    assert json_ut(kjor("vis", ref, "--json", "--dato", IDAG))["id"] == ny["id"] == 2
    assert json_ut(kjor("vis", "2", "--json", "--dato", IDAG))["fnr"] == nummer


def test_vis_for_mennesker_har_norske_datoer_og_tidslinjen(kjor: Callable, ny_pasient: Callable) -> None:
    ny = ny_pasient("2026-11-02", navn="Kari Nordmann")
    resultat = kjor("vis", str(ny["id"]), "--dato", IDAG)
    assert resultat.exit_code == 0, resultat.output
    assert "Kari Nordmann" in resultat.stdout
    assert "17. mai 1960" in resultat.stdout
    assert "2. november 2026" in resultat.stdout
    assert "Registrert" in resultat.stdout


def test_dato_gjelder_som_dagens_dato(kjor: Callable, ny_pasient: Callable) -> None:
    ny = ny_pasient("2026-11-02")

    def sp1_tilstand(dato: str) -> str:
        data = json_ut(kjor("vis", str(ny["id"]), "--json", "--dato", dato))
        return data["forlop"][0]["samhandlingspunkter"][0]["tilstand"]

    assert sp1_tilstand("2026-11-01") == "ikke_apnet"
    assert sp1_tilstand("2026-11-30") == "i_vindu"
    assert sp1_tilstand("01.12.2026") == "forfalt"


def test_uten_dato_gjelder_systemets_dato(kjor: Callable, ny_pasient: Callable) -> None:
    ny = ny_pasient("2026-11-02")
    oslo = ZoneInfo("Europe/Oslo")
    with time_machine.travel(datetime(2026, 12, 1, 9, 0, tzinfo=oslo), tick=False):
        data = json_ut(kjor("vis", str(ny["id"]), "--json"))
        liste = json_ut(kjor("forfaller", "--json"))
    assert data["forlop"][0]["samhandlingspunkter"][0]["tilstand"] == "forfalt"
    assert [(r["pasient_id"], r["sp"], r["tilstand"]) for r in liste] == [(ny["id"], 1, "forfalt")]


# --- the work list -----------------------------------------------------------------------


@pytest.fixture
def arbeidsliste(kjor: Callable, ny_pasient: Callable) -> dict[str, dict]:
    """Three patients as of Monday 23 November 2026 (ISO week 48).

    - anne: SP1 2-30 November (in its window), SP2 2 February - 2 March 2027;
    - bjorn: SP1 1-29 September (overdue), SP2 1 December - 1 January 2027;
    - dina: SP1 set bortfalt, SP2 12 January - 12 February 2027.
    """
    pasienter = {
        "anne": ny_pasient("2026-11-02", navn="Anne Vindu", kommune="Oslo", koordinator="Siri Solheim"),
        "bjorn": ny_pasient("2026-09-01", navn="Bjørn Forfalt", kommune="Bodø", koordinator="Tone Vik"),
        "dina": ny_pasient("2026-10-12", navn="Dina Senere", kommune="Tromsø", koordinator="Siri Solheim"),
    }
    resultat = kjor("bortfall", str(pasienter["dina"]["id"]), "--sp", "1", "--grunn", "Lang innleggelse")
    assert resultat.exit_code == 0, resultat.output
    return pasienter


def liste(kjor: Callable, *valg: str, dato: str = IDAG) -> list[tuple[str, int, str]]:
    """`forfaller --json` as (first name, sp, tilstand)."""
    rader = json_ut(kjor("forfaller", *valg, "--json", "--dato", dato))
    return [(r["navn"].split()[0], r["sp"], r["tilstand"]) for r in rader]


DENNE_UKEN = [("Bjørn", 1, "forfalt"), ("Anne", 1, "i_vindu")]


def test_forfaller_json_har_noklene_og_maskert_fodselsnummer(
    kjor: Callable, arbeidsliste: dict[str, dict]
) -> None:
    resultat = kjor("forfaller", "--json", "--dato", IDAG)
    rader = json_ut(resultat)
    assert len(rader) == 2
    for rad in rader:
        assert set(rad) >= FORFALLER_NOKLER
        assert re.fullmatch(r"\d{6}\*{5}", rad["fnr"])
        assert all(iso_eller_null(rad[k]) for k in ("vindu_fra", "vindu_til", "dato"))
    bjorn = arbeidsliste["bjorn"]
    assert rader[0]["pasient_id"] == bjorn["id"]
    assert rader[0]["fnr"] == bjorn["fnr"][:6] + "*****"
    assert (rader[0]["forlop"], rader[0]["ansvarlig"], rader[0]["status"]) == (
        1,
        "spesialisthelsetjenesten",
        "planlagt",
    )
    for pasient in arbeidsliste.values():  # never the full number in a list
        assert pasient["fnr"] not in resultat.stdout


def test_forfaller_gjelder_denne_uken_uten_valg_med_tom_uke_og_med_ukenummeret(
    kjor: Callable, arbeidsliste: dict
) -> None:
    assert liste(kjor) == DENNE_UKEN
    assert liste(kjor, "--uke") == DENNE_UKEN
    assert json_ut(kjor("forfaller", "--json", "--dato", IDAG, "--uke")) == json_ut(
        kjor("forfaller", "--uke", "--json", "--dato", IDAG)
    )
    assert liste(kjor, "--uke", "48") == DENNE_UKEN


def test_forfaller_uke_nummer_gjelder_dette_isoaaret(kjor: Callable, arbeidsliste: dict) -> None:
    # 2026 has a week 53: 28 December 2026 - 3 January 2027, where Bjørn's SP2 ends.
    uke_53 = [("Bjørn", 1, "forfalt"), ("Bjørn", 2, "ikke_apnet")]
    assert liste(kjor, "--uke", "53") == uke_53
    assert liste(kjor, "--uke", "2026-W53") == uke_53


def test_forfaller_med_aar_og_uke(kjor: Callable, arbeidsliste: dict) -> None:
    assert liste(kjor, "--uke", "2027-W02") == [("Bjørn", 1, "forfalt"), ("Dina", 2, "ikke_apnet")]
    assert liste(kjor, "--uke", "2027-W01") == [("Bjørn", 1, "forfalt")]


def test_forfaller_neste_uke_tar_med_det_som_aapner_og_det_som_fortsatt_er_aapent(
    kjor: Callable, arbeidsliste: dict
) -> None:
    assert liste(kjor, "--uke", "49") == [
        ("Bjørn", 1, "forfalt"),
        ("Anne", 1, "i_vindu"),  # the window closes on Monday 30 November
        ("Bjørn", 2, "ikke_apnet"),  # opens on 1 December
    ]


def test_forfaller_maned_gjelder_denne_maneden(kjor: Callable, arbeidsliste: dict) -> None:
    assert liste(kjor, "--maned") == DENNE_UKEN
    desember = liste(kjor, "--maned", dato="2026-12-01")
    assert desember == [("Bjørn", 1, "forfalt"), ("Anne", 1, "forfalt"), ("Bjørn", 2, "i_vindu")]


def test_forfaller_fra_til_med_begge_datoformene(kjor: Callable, arbeidsliste: dict) -> None:
    ventet = [("Bjørn", 1, "forfalt"), ("Bjørn", 2, "ikke_apnet"), ("Dina", 2, "ikke_apnet")]
    assert liste(kjor, "--fra", "2026-12-01", "--til", "2027-01-31") == ventet
    assert liste(kjor, "--fra", "01.12.2026", "--til", "31.01.2027") == ventet


def test_forfaller_forfalte_viser_bare_de_forfalte(kjor: Callable, arbeidsliste: dict) -> None:
    assert liste(kjor, "--forfalte") == [("Bjørn", 1, "forfalt")]
    assert liste(kjor, "--forfalte", dato="2026-12-01") == [("Bjørn", 1, "forfalt"), ("Anne", 1, "forfalt")]


def test_forfaller_filtre(kjor: Callable, arbeidsliste: dict) -> None:
    assert liste(kjor, "--kommune", "Oslo") == [("Anne", 1, "i_vindu")]
    assert liste(kjor, "--kommune", "oslo") == [("Anne", 1, "i_vindu")]
    assert liste(kjor, "--kommune", "Bodø") == [("Bjørn", 1, "forfalt")]
    assert liste(kjor, "--koordinator", "Siri Solheim", "--uke", "2027-W02") == [("Dina", 2, "ikke_apnet")]
    assert liste(kjor, "--ansvarlig", "kommunen", "--uke", "49") == [("Bjørn", 2, "ikke_apnet")]
    assert liste(kjor, "--ansvarlig", "spesialisthelsetjenesten") == DENNE_UKEN


def test_tom_arbeidsliste_er_ikke_en_feil(kjor: Callable, arbeidsliste: dict) -> None:
    resultat = kjor("forfaller", "--kommune", "Tromsø", "--json", "--dato", IDAG)
    assert resultat.exit_code == 0
    assert json_ut(resultat) == []
    assert resultat.stdout.strip() == "[]"

    for_mennesker = kjor("forfaller", "--kommune", "Tromsø", "--dato", IDAG)
    assert for_mennesker.exit_code == 0
    assert for_mennesker.stdout == ""
    assert "Ingenting forfaller" in melding(for_mennesker)


def test_tomt_register_gir_tom_liste(kjor: Callable, testregister: Path) -> None:
    resultat = kjor("forfaller", "--json")
    assert resultat.exit_code == 0, resultat.output
    assert json_ut(resultat) == []


def test_arbeidslisten_i_en_pipe_er_ren_tekst_med_tabulatorer(kjor: Callable, arbeidsliste: dict) -> None:
    resultat = kjor("forfaller", "--dato", IDAG)
    assert resultat.exit_code == 0, resultat.output
    linjer = resultat.stdout.splitlines()
    assert len(linjer) == 3  # a header and two rows
    assert not BOKSTEGN.search(resultat.stdout)
    assert "\x1b[" not in resultat.stdout  # no colour codes either
    kolonner = [linje.split("\t") for linje in linjer]
    assert len({len(k) for k in kolonner}) == 1 and len(kolonner[0]) > 5
    assert kolonner[1][1] == "Bjørn Forfalt"
    assert arbeidsliste["bjorn"]["fnr"][:6] + "*****" in kolonner[1]
    assert arbeidsliste["bjorn"]["fnr"] not in resultat.stdout


def test_pasientlisten_i_en_pipe_er_ren_tekst_med_maskert_fodselsnummer(
    kjor: Callable, arbeidsliste: dict
) -> None:
    resultat = kjor("pasienter", "--dato", IDAG)
    assert resultat.exit_code == 0, resultat.output
    assert not BOKSTEGN.search(resultat.stdout)
    assert len(resultat.stdout.splitlines()) == 4
    for pasient in arbeidsliste.values():
        assert pasient["fnr"] not in resultat.stdout
        assert pasient["fnr"][:6] + "*****" in resultat.stdout


# --- contact-point actions -----------------------------------------------------------------


def punkt(kjor: Callable, pasient_id: int, sp: int, dato: str = IDAG) -> dict:
    data = json_ut(kjor("vis", str(pasient_id), "--json", "--dato", dato))
    return data["forlop"][0]["samhandlingspunkter"][sp - 1]


def test_avtal_setter_dato_klokkeslett_og_sted(kjor: Callable, arbeidsliste: dict) -> None:
    anne = arbeidsliste["anne"]
    resultat = kjor("avtal", str(anne["id"]), "26.11.2026", "--kl", "9:30", "--sted", "Hjemmebesøk")
    assert resultat.exit_code == 0, resultat.output
    assert "26. november 2026" in resultat.stdout

    sp1 = punkt(kjor, anne["id"], 1)
    assert (sp1["status"], sp1["dato"], sp1["tilstand"]) == ("avtalt", "2026-11-26", "ikke_apnet")
    assert (sp1["klokkeslett"], sp1["sted"]) == ("09:30", "Hjemmebesøk")
    rader = json_ut(kjor("forfaller", "--json", "--dato", IDAG))
    anne_rad = next(r for r in rader if r["pasient_id"] == anne["id"])
    assert (anne_rad["status"], anne_rad["dato"]) == ("avtalt", "2026-11-26")
    assert "26. november 2026" in kjor("vis", str(anne["id"]), "--dato", IDAG).stdout


def test_avtalt_dato_flytter_punktet_til_den_uken(kjor: Callable, arbeidsliste: dict) -> None:
    assert kjor("avtal", str(arbeidsliste["anne"]["id"]), "2026-12-03").exit_code == 0
    assert liste(kjor) == [("Bjørn", 1, "forfalt")]
    assert ("Anne", 1, "ikke_apnet") in liste(kjor, "--uke", "49")


def test_utsett_tar_et_forfalt_punkt_av_listen_over_forfalte(kjor: Callable, arbeidsliste: dict) -> None:
    bjorn = arbeidsliste["bjorn"]
    resultat = kjor("utsett", str(bjorn["id"]), "2026-12-02", "--grunn", "Innlagt", "--dato", IDAG)
    assert resultat.exit_code == 0, resultat.output
    sp1 = punkt(kjor, bjorn["id"], 1)
    assert (sp1["status"], sp1["dato"], sp1["grunn"], sp1["tilstand"]) == (
        "utsatt",
        "2026-12-02",
        "Innlagt",
        "ikke_apnet",
    )
    assert liste(kjor, "--forfalte") == []
    assert liste(kjor) == [("Anne", 1, "i_vindu")]
    assert ("Bjørn", 1, "ikke_apnet") in liste(kjor, "--uke", "49")


def test_avsla_gir_en_dato_for_aa_spore_igjen(kjor: Callable, arbeidsliste: dict) -> None:
    anne = arbeidsliste["anne"]
    resultat = kjor("avsla", str(anne["id"]), "--spor-igjen", "2027-01-05", "--dato", IDAG)
    assert resultat.exit_code == 0, resultat.output
    sp1 = punkt(kjor, anne["id"], 1)
    assert (sp1["status"], sp1["dato"]) == ("avslatt", "2027-01-05")
    assert liste(kjor) == [("Bjørn", 1, "forfalt")]
    assert ("Anne", 1, "ikke_apnet") in liste(kjor, "--uke", "2027-W01")
    forfalt_6_januar = liste(kjor, "--forfalte", dato="2027-01-06")
    assert forfalt_6_januar == [("Bjørn", 1, "forfalt"), ("Bjørn", 2, "forfalt"), ("Anne", 1, "forfalt")]


def test_bortfall_lukker_punktet_og_neste_handling_gjelder_neste_punkt(
    kjor: Callable, arbeidsliste: dict
) -> None:
    bjorn = arbeidsliste["bjorn"]
    nummer = f"{bjorn['fnr'][:6]} {bjorn['fnr'][6:]}"  # by fødselsnummer this time
    resultat = kjor("bortfall", nummer, "--grunn", "Flyttet til en annen kommune")
    assert resultat.exit_code == 0, resultat.output
    sp1 = punkt(kjor, bjorn["id"], 1)
    assert (sp1["status"], sp1["tilstand"], sp1["dato"]) == ("bortfalt", None, None)
    assert all(
        r[0] != "Bjørn" or r[1] != 1 for r in liste(kjor, "--fra", "2026-01-01", "--til", "2028-12-31")
    )

    # Without --sp the first open contact point is meant: now SP2.
    assert kjor("avtal", str(bjorn["id"]), "2026-12-03", "--dato", IDAG).exit_code == 0
    sp2 = punkt(kjor, bjorn["id"], 2)
    assert (sp2["status"], sp2["dato"]) == ("avtalt", "2026-12-03")


def test_handlingene_kommer_i_tidslinjen(kjor: Callable, arbeidsliste: dict) -> None:
    anne = str(arbeidsliste["anne"]["id"])
    kjor("avtal", anne, "2026-11-26", "--dato", IDAG)
    kjor("utsett", anne, "2026-12-10", "--grunn", "Syk", "--dato", IDAG)
    data = json_ut(kjor("vis", anne, "--json", "--dato", IDAG))
    tekster = [h["tekst"] for h in data["hendelser"]]
    assert tekster[-2:] == ["SP1 avtalt 26. november 2026.", "SP1 utsatt til 10. desember 2026. Grunn: Syk."]


# --- demo data -----------------------------------------------------------------------------


def uten_tidspunkt(data: dict) -> dict:
    """A patient's JSON without the wall-clock times of its timeline and of its consents (the
    demo data's conversations record consent when the data is made)."""
    return {
        **data,
        "hendelser": [{k: v for k, v in h.items() if k != "tid"} for h in data.get("hendelser", [])],
        "samtykke": [{k: v for k, v in s.items() if k != "registrert"} for s in data.get("samtykke", [])],
    }


def innhold(kjor: Callable, db: Path, antall: int) -> list:
    ut = [
        json_ut(kjor("--db", db, "pasienter", "--alle", "--json", "--dato", IDAG)),
        json_ut(
            kjor(
                "--db",
                db,
                "forfaller",
                "--fra",
                "2024-01-01",
                "--til",
                "2028-12-31",
                "--json",
                "--dato",
                IDAG,
            )
        ),
    ]
    ut += [
        uten_tidspunkt(json_ut(kjor("--db", db, "vis", str(i), "--json", "--dato", IDAG)))
        for i in range(1, antall + 1)
    ]
    return ut


def test_eksempeldata_med_samme_seed_gir_samme_data(kjor: Callable, tmp_path: Path) -> None:
    a, b, c = tmp_path / "a.db", tmp_path / "b.db", tmp_path / "c.db"
    for db, seed in ((a, "7"), (b, "7"), (c, "8")):
        resultat = kjor("--db", db, "eksempeldata", "--antall", "15", "--seed", seed, "--dato", IDAG)
        assert resultat.exit_code == 0, resultat.output
        assert "La inn 15 syntetiske pasienter" in melding(resultat)
        assert resultat.stdout == ""
    assert innhold(kjor, a, 15) == innhold(kjor, b, 15)
    assert innhold(kjor, a, 15) != innhold(kjor, c, 15)


def test_eksempeldata_er_syntetiske_pasienter_i_alle_stadier(kjor: Callable, db_sti: Path) -> None:
    resultat = kjor("eksempeldata", "--antall", "300", "--seed", "3", "--dato", IDAG)
    assert resultat.exit_code == 0, resultat.output
    tilkobling = sqlite3.connect(db_sti)
    try:
        numre = [r[0] for r in tilkobling.execute("SELECT fnr FROM pasient")]
        statuser = {r[0] for r in tilkobling.execute("SELECT status FROM samhandlingspunkt")}
        forste, siste = tilkobling.execute(
            "SELECT min(diagnosedato), max(diagnosedato) FROM forlop"
        ).fetchone()
    finally:
        tilkobling.close()
    assert len(numre) == len(set(numre)) == 300
    assert all(fnr_regler.er_syntetisk(n) and int(n[2:4]) > 80 for n in numre)
    # A municipal demo register: SP1 held at the hospital is "holdt_annet_sted".
    assert statuser == {
        "planlagt",
        "avtalt",
        "utsatt",
        "avslatt",
        "gjennomfort",
        "bortfalt",
        "holdt_annet_sted",
    }
    assert forste >= "2024-11-23" and siste <= IDAG
    assert forste < "2025-03-01" and siste > "2026-09-01"  # spread over the two years
    tilstander = {r["tilstand"] for r in json_ut(kjor("forfaller", "--maned", "--json", "--dato", IDAG))}
    assert tilstander == {"ikke_apnet", "i_vindu", "forfalt"}


def test_eksempeldata_kan_legges_til_et_demoregister(kjor: Callable, db_sti: Path) -> None:
    assert kjor("eksempeldata", "--antall", "5", "--dato", IDAG).exit_code == 0
    assert kjor("eksempeldata", "--antall", "5", "--dato", IDAG).exit_code == 0
    assert len(json_ut(kjor("pasienter", "--alle", "--json", "--dato", IDAG))) == 10


def _ikke_syntetisk_nummer() -> str:
    """A valid, non-synthetic number for 1 January 1855 (individual digits 500-749): nobody
    alive. Used only to stand in for a real patient; never printed."""
    for individ in range(500, 750):
        ni = f"010155{individ:03d}"
        k1 = stdnum_fnr.calc_check_digit1(ni)
        if len(k1) == 1 and len(k2 := stdnum_fnr.calc_check_digit2(ni + k1)) == 1:
            nummer = ni + k1 + k2
            assert stdnum_fnr.is_valid(nummer) and not fnr_regler.er_syntetisk(nummer)
            assert stdnum_fnr.get_birth_date(nummer) == date(1855, 1, 1)
            return nummer
    raise AssertionError("no number")


def test_eksempeldata_nekter_et_register_med_ekte_pasienter(
    kjor: Callable, db_sti: Path, radtall: Callable
) -> None:
    assert kjor("innstillinger").exit_code == 0  # creates the register
    nummer = _ikke_syntetisk_nummer()
    tilkobling = sqlite3.connect(db_sti)
    with tilkobling:
        tilkobling.execute(
            "INSERT INTO pasient (fnr, navn, fodselsdato, opprettet)"
            " VALUES (?, 'Ekte Pasient', '1855-01-01', ?)",
            (nummer, IDAG),
        )
    tilkobling.close()
    for_ = radtall()

    resultat = kjor("eksempeldata", "--antall", "5", "--dato", IDAG)

    assert resultat.exit_code == 1
    assert "ekte pasienter" in melding(resultat)
    assert "--db" in melding(resultat)
    assert nummer not in resultat.output and "Ekte Pasient" not in resultat.output
    assert radtall() == for_
    assert json_ut(kjor("innstillinger", "--json"))["tillat_syntetiske"] is False


# --- help, entry points and the database path -------------------------------------------------


def _kommandoer() -> list[tuple[str, object]]:
    gruppe = typer.main.get_command(app)
    return sorted(gruppe.commands.items())  # type: ignore[attr-defined]


def test_alle_kommandoer_og_valg_har_hjelpetekst() -> None:
    gruppe = typer.main.get_command(app)
    mangler = []
    assert (gruppe.help or "").strip()
    for param in gruppe.params:
        if not (getattr(param, "help", None) or "").strip():
            mangler.append(f"pakkehjem {param.name}")
    for navn, kommando in _kommandoer():
        if not (kommando.help or "").strip():  # type: ignore[attr-defined]
            mangler.append(navn)
        for param in kommando.params:  # type: ignore[attr-defined]
            if getattr(param, "hidden", False):
                continue
            if not (getattr(param, "help", None) or "").strip():
                mangler.append(f"{navn} {param.name}")
    assert mangler == []
    assert {"ny-pasient", "vis", "forfaller", "eksempeldata", "dbsti"} <= dict(_kommandoer()).keys()


@pytest.mark.parametrize("navn", [navn for navn, _ in _kommandoer()])
def test_hjelpen_til_hver_kommando_vises_paa_norsk(kjor: Callable, navn: str) -> None:
    resultat = kjor(navn, "--help")
    assert resultat.exit_code == 0, resultat.output
    assert "Vis denne hjelpen og avslutt." in resultat.stdout
    assert "Traceback" not in resultat.output


def test_en_kommando_bygger_bare_den_kommandoen_som_ble_navngitt(
    kjor: Callable, monkeypatch: pytest.MonkeyPatch
) -> None:
    gruppe = cli.kommandotre()
    monkeypatch.setattr(typer.testing, "_get_command", lambda _app: gruppe)
    assert gruppe.commands.bygd == {}  # type: ignore[attr-defined]
    assert kjor("dbsti").exit_code == 0
    assert kjor("vis", "--help").exit_code == 0
    assert set(gruppe.commands.bygd) == {"dbsti", "vis"}  # type: ignore[attr-defined]
    # A mistyped command builds nothing, and still gets the suggestion from the full list of names.
    resultat = kjor("forfalelr")
    assert resultat.exit_code == 2 and "forfaller" in melding(resultat)
    assert set(gruppe.commands.bygd) == {"dbsti", "vis"}  # type: ignore[attr-defined]


def test_kommandotreet_har_de_samme_kommandoene_som_typer_bygger_alle_paa_en_gang() -> None:
    lat = cli.kommandotre()
    alle = typer.main.get_command(app)
    assert list(lat.commands) == list(alle.commands)  # type: ignore[attr-defined]  # same order in --help
    assert [p.opts for p in lat.params] == [p.opts for p in alle.params]
    for navn, kommando in alle.commands.items():  # type: ignore[attr-defined]
        bygd = lat.commands[navn]
        assert type(bygd) is type(kommando) and bygd.help == kommando.help, navn
        assert [(p.name, p.opts, p.help) for p in bygd.params] == [
            (p.name, p.opts, getattr(p, "help", None)) for p in kommando.params
        ], navn


def test_python_m_pakkehjem_virker(tmp_path: Path, db_sti: Path) -> None:
    resultat = subprocess.run(
        [sys.executable, "-m", "pakkehjem", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert resultat.returncode == 0, resultat.stderr
    assert "forfaller" in resultat.stdout and "ny-pasient" in resultat.stdout
    assert not db_sti.exists()  # help opens no database


def test_dbsti_bruker_db_valget_foran_miljovariabelen(kjor: Callable, tmp_path: Path, db_sti: Path) -> None:
    valgt = tmp_path / "valgt.db"
    assert kjor("--db", valgt, "dbsti").stdout.strip() == str(valgt)
    assert kjor("dbsti").stdout.strip() == str(db_sti)  # PAKKEHJEM_DB
    assert not valgt.exists() and not db_sti.exists()  # showing the path creates nothing


def test_dbsti_uten_valg_og_miljovariabel_er_i_brukerens_datamappe(kjor: Callable, tmp_path: Path) -> None:
    resultat = kjor("dbsti", env={"PAKKEHJEM_DB": None})
    sti = Path(resultat.stdout.strip())
    assert sti.name.endswith(".db")
    assert sti.is_relative_to(tmp_path / "hjem")  # XDG_DATA_HOME, set by the autouse fixture


def test_databasen_lages_ved_forste_bruk_med_modus_0600(kjor: Callable, tmp_path: Path) -> None:
    sti = tmp_path / "ny" / "mappe" / "register.db"
    assert kjor("--db", sti, "innstillinger", "--json").exit_code == 0
    assert sti.exists()
    assert sti.stat().st_mode & 0o777 == 0o600


@pytest.mark.parametrize(
    "args",
    [
        ["forfaller", "--uke"],
        ["vis", "1"],
        ["pasienter", "--json"],
        ["oversikt"],
        ["statistikk"],
        ["logg"],
        ["avtal", "1", "2027-02-10"],
        ["kalender"],
        ["avsender", "--navn", "Kari"],
        ["guide"],
    ],
)
def test_en_kommando_som_ikke_lager_registre_finner_ikke_en_feilskrevet_db(
    kjor: Callable, tmp_path: Path, forvent_feil: Callable, args: list[str]
) -> None:
    """A mistyped --db used to become an empty register that said nothing was due."""
    sti = tmp_path / "feilskrevet.db"
    tekst = forvent_feil(kjor("--db", sti, *args), 1, f"Fant ikke registeret {sti}", "pakkehjem dbsti")
    assert "ny-pasient" in tekst
    assert not sti.exists() and not sti.parent.joinpath("feilskrevet.db-wal").exists()


@pytest.mark.parametrize(
    "args",
    [
        ["innstillinger", "--json"],
        ["eksempeldata", "--antall", "1"],
        ["ny-pasient", "--fnr", "01856512345", "--navn", "X", "--diagnosedato", "2026-01-01"],
    ],
)
def test_kommandoene_som_lager_et_register(kjor: Callable, tmp_path: Path, args: list[str]) -> None:
    sti = tmp_path / "nytt.db"
    kjor("--db", sti, *args)  # ny-pasient refuses the test number in a real register, after making it
    assert sti.exists()


def test_konsollskriptet_lager_databasen_med_modus_0600_selv_med_aapen_umask(tmp_path: Path) -> None:
    sti = tmp_path / "register.db"
    resultat = subprocess.run(
        [
            sys.executable,
            "-c",
            "import os, sys; os.umask(0); sys.argv[0] = 'pakkehjem'; from pakkehjem.cli import main; main()",
            "--db",
            str(sti),
            "innstillinger",
            "sp1_uker",
            "5",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert resultat.returncode == 0, resultat.stderr
    assert sti.stat().st_mode & 0o777 == 0o600


def test_ny_pasient_spor_etter_det_som_mangler_paa_en_terminal(
    testregister: Path, syntetisk_fnr: Callable, kjor: Callable, varm: VarmProsess
) -> None:
    # A program on a terminal of its own, forked from the worker's warm Python.
    terminal = varm.terminal(
        ["ny-pasient", "--fnr", syntetisk_fnr(), "--navn", "Kari Nordmann", "--dato", IDAG],
        modul="pakkehjem",
        miljo=dict(os.environ),
        cwd=Path.cwd(),
        timeout=30,
        dimensions=(40, 120),
    )
    terminal.delaybeforesend = None  # each line waits for its question anyway
    terminal.expect("Diagnosedato")
    terminal.sendline("")  # an empty answer is asked again
    terminal.expect("Diagnosedato")
    terminal.sendline("02.11.2026")
    # Then the optional fields (diagnosis, municipality, GP, coordinator, phone): Enter skips each.
    for _ in range(5):
        terminal.expect_exact("(Enter hopper over): ")
        terminal.sendline("")
    # The first patient of a register: which service it belongs to is asked for too.
    terminal.expect("Hvilken tjeneste")
    terminal.sendline("kommune")
    terminal.expect("pasient nr. 1")
    til_slutten(terminal)
    assert terminal.exitstatus == 0
    data = json_ut(kjor("vis", "1", "--json", "--dato", IDAG))
    assert data["forlop"][0]["diagnosedato"] == "2026-11-02"
    assert json_ut(kjor("innstillinger", "--json"))["tjeneste"] == "kommune"


def test_bare_pakkehjem_shows_the_help_and_succeeds(kjor):
    resultat = kjor()
    assert resultat.exit_code == 0
    assert "ny-pasient" in resultat.stdout and "forfaller" in resultat.stdout


def test_a_missing_command_is_named_in_norwegian(kjor, forvent_feil):
    resultat = kjor("--db", "annen.db")
    forvent_feil(resultat, 2, "Mangler kommando")
