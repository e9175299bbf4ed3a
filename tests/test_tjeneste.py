"""One pathway, two services: the register's service (`tjeneste`), its default contact point,
and a contact point held by the other service (`holdt`)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from hjelp import IDAG, json_ut, melding

# Diagnosis 2 November 2026: SP1 in its window on IDAG (23.11.2026), SP2 from 2 February 2027.
DIAGNOSEDATO = "2026-11-02"
SVAR = {"samtaleform": "kontor", "hva_er_viktig": "Å komme hjem"}


@pytest.fixture
def kommuneregister(kjor: Callable, testregister: Path) -> Path:
    assert kjor("innstillinger", "tjeneste", "kommune").exit_code == 0
    return testregister


@pytest.fixture
def sykehusregister(kjor: Callable, testregister: Path) -> Path:
    assert kjor("innstillinger", "tjeneste", "sykehus").exit_code == 0
    return testregister


def _punkt(data: dict, sp: int) -> dict:
    return next(s for s in data["forlop"][-1]["samhandlingspunkter"] if s["sp"] == sp)


def _vis(kjor: Callable, ref: str = "1") -> dict:
    return json_ut(kjor("vis", ref, "--json", "--dato", IDAG))


# --- the setting --------------------------------------------------------------------------


def test_tjeneste_settes_med_ny_pasient_og_godtar_begge_ordene(
    kjor: Callable, testregister: Path, ny_pasient: Callable
) -> None:
    ny_pasient(DIAGNOSEDATO, tjeneste="kommunen")
    assert json_ut(kjor("innstillinger", "--json"))["tjeneste"] == "kommune"


def test_en_annen_tjeneste_enn_registerets_avvises_og_endrer_ingenting(
    kjor: Callable, kommuneregister: Path, ny_pasient: Callable, forvent_feil: Callable, radtall: Callable
) -> None:
    ny_pasient(DIAGNOSEDATO)
    for_ = radtall()
    resultat = kjor(
        "ny-pasient", "--fnr", "01856512345", "--navn", "X", "--diagnosedato", DIAGNOSEDATO,
        "--tjeneste", "sykehus",
    )  # fmt: skip
    forvent_feil(resultat, 2, "hører til kommune", "innstillinger tjeneste sykehus")
    assert radtall() == for_
    assert json_ut(kjor("innstillinger", "--json"))["tjeneste"] == "kommune"


def test_ukjent_tjeneste_er_ugyldig_inndata(
    kjor: Callable, testregister: Path, forvent_feil: Callable
) -> None:
    forvent_feil(kjor("innstillinger", "tjeneste", "fylke"), 2, "kommune eller sykehus")
    forvent_feil(kjor("eksempeldata", "--antall", "1", "--tjeneste", "fylke"), 2, "--tjeneste")


def test_uten_tjeneste_og_uten_terminal_virker_registeret_for_begge(
    kjor: Callable, testregister: Path, ny_pasient: Callable
) -> None:
    """A register whose service is not set (made by a script, or before the setting) keeps
    the old behaviour: the first open contact point of the three."""
    ny_pasient(DIAGNOSEDATO)
    assert json_ut(kjor("innstillinger", "--json"))["tjeneste"] is None
    resultat = kjor("avtal", "1", "2026-11-25", "--dato", IDAG)
    assert resultat.exit_code == 0, resultat.output
    assert "SP1 avtalt" in resultat.stdout


# --- the default contact point per service ----------------------------------------------------


@pytest.mark.parametrize(
    ("args", "status", "ord_"),
    [
        (["avtal", "1", "2027-02-10"], "avtalt", "SP2 avtalt"),
        (["utsett", "1", "2027-03-01", "--grunn", "Innlagt"], "utsatt", "SP2 utsatt"),
        (["avsla", "1", "--spor-igjen", "2027-04-01"], "avslatt", "SP2: pasienten takket nei"),
        (["bortfall", "1", "--grunn", "Flyttet"], "bortfalt", "SP2 bortfalt"),
    ],
)
def test_kommuneregister_handler_paa_sp2_uten_sp_og_sier_det(
    kjor: Callable, kommuneregister: Path, ny_pasient: Callable, args: list[str], status: str, ord_: str
) -> None:
    ny_pasient(DIAGNOSEDATO)
    resultat = kjor(*args, "--dato", IDAG)
    assert resultat.exit_code == 0, resultat.output
    assert ord_ in resultat.stdout
    data = _vis(kjor)
    assert _punkt(data, 1)["status"] == "planlagt"  # the hospital's point is left alone
    assert _punkt(data, 2)["status"] == status


def test_sykehusregister_handler_paa_sp1_og_avviser_naar_sp1_er_lukket(
    kjor: Callable, sykehusregister: Path, ny_pasient: Callable, forvent_feil: Callable
) -> None:
    ny_pasient(DIAGNOSEDATO)
    resultat = kjor("bortfall", "1", "--grunn", "Ute av forløpet", "--dato", IDAG)
    assert "SP1 bortfalt" in resultat.stdout
    forvent_feil(kjor("avtal", "1", "2027-02-10", "--dato", IDAG), 1, "Sykehusets", "SP1", "--sp")
    assert _punkt(_vis(kjor), 2)["status"] == "planlagt"


def test_samtale_fra_svarfil_i_kommuneregister_er_sp2(
    kjor: Callable, kommuneregister: Path, ny_pasient: Callable, tmp_path: Path
) -> None:
    ny_pasient("2026-08-03", dato="2026-11-23")
    svar = tmp_path / "svar.json"
    svar.write_text(json.dumps(SVAR), encoding="utf-8")
    resultat = kjor("samtale", "1", "--svar", str(svar), "--dato", "2026-11-20")
    assert resultat.exit_code == 0, resultat.output
    assert "SP2 er gjennomført" in melding(resultat)
    assert _punkt(_vis(kjor), 1)["status"] == "planlagt"


# --- held by the other service ---------------------------------------------------------------


def test_holdt_lukker_sp1_som_holdt_av_sykehuset_med_hvem_og_dato(
    kjor: Callable, kommuneregister: Path, ny_pasient: Callable
) -> None:
    ny_pasient(DIAGNOSEDATO)
    resultat = kjor("holdt", "1", "--sp", "1", "--dato", "12.11.2026", "--av", "Sykehuset Østfold")
    assert resultat.exit_code == 0, resultat.output
    assert "SP1 holdt av Sykehuset Østfold 12. november 2026" in resultat.stdout
    data = _vis(kjor)
    sp1 = _punkt(data, 1)
    assert sp1["status"] == "holdt_annet_sted"
    assert sp1["holdt_av"] == "Sykehuset Østfold" and sp1["dato"] == "2026-11-12"
    assert sp1["tilstand"] is None  # closed: never FORFALT
    assert data["hendelser"][-1]["type"] == "holdt_annet_sted"
    # Shown for people too, and gone from the work list of every service.
    skjerm = kjor("vis", "1", "--dato", IDAG)
    assert "holdt av annen tjeneste" in skjerm.stdout and "Sykehuset Østfold" in skjerm.stdout
    liste = json_ut(kjor("forfaller", "--alle", "--fra", "2026-01-01", "--til", "2027-12-31", "--json",
                         "--dato", IDAG))  # fmt: skip
    assert [r["sp"] for r in liste] == [2, 3]


def test_holdt_uten_sp_i_kommuneregister_er_sykehusets_sp1_med_oppsummering(
    kjor: Callable, kommuneregister: Path, ny_pasient: Callable, tmp_path: Path
) -> None:
    ny_pasient(DIAGNOSEDATO)
    oppsummering = tmp_path / "sp1.txt"
    oppsummering.write_text("Pasienten ønsker kontakt med kreftkoordinator.\n", encoding="utf-8")
    resultat = kjor("holdt", "1", "--dato", "2026-11-12", "--av", "Sykehuset Østfold",
                    "--oppsummering", str(oppsummering))  # fmt: skip
    assert resultat.exit_code == 0, resultat.output
    sp1 = _punkt(_vis(kjor), 1)
    assert sp1["status"] == "holdt_annet_sted"
    assert sp1["sammendrag"] == "Pasienten ønsker kontakt med kreftkoordinator."


@pytest.mark.parametrize(
    ("args", "kode", "ord_"),
    [
        (["--sp", "1", "--dato", "2099-01-01", "--av", "Sykehuset"], 2, "fram i tid"),
        (["--sp", "1", "--dato", "2026-10-01", "--av", "Sykehuset"], 2, "før diagnosedatoen"),
        (["--sp", "1", "--dato", "2026-11-12"], 2, "--av"),
        (["--sp", "1", "--av", "Sykehuset"], 2, "--samtaledato"),
        (["--sp", "4", "--dato", "2026-11-12", "--av", "Sykehuset"], 2, "1, 2 eller 3"),
        (["--sp", "1", "--dato", "31.02.2026", "--av", "Sykehuset"], 2, "finnes ikke"),
    ],
)
def test_holdt_med_feil_avvises_og_endrer_ingenting(
    kjor: Callable,
    kommuneregister: Path,
    ny_pasient: Callable,
    forvent_feil: Callable,
    radtall: Callable,
    args: list[str],
    kode: int,
    ord_: str,
) -> None:
    ny_pasient(DIAGNOSEDATO)
    for_ = radtall()
    forvent_feil(kjor("holdt", "1", *args), kode, ord_)
    assert radtall() == for_


def test_holdt_paa_et_lukket_punkt_avvises(
    kjor: Callable, kommuneregister: Path, ny_pasient: Callable, forvent_feil: Callable
) -> None:
    ny_pasient(DIAGNOSEDATO)
    assert kjor("holdt", "1", "--sp", "1", "--dato", "2026-11-12", "--av", "Sykehuset").exit_code == 0
    forvent_feil(
        kjor("holdt", "1", "--sp", "1", "--dato", "2026-11-13", "--av", "Sykehuset"),
        1,
        "holdt av en annen tjeneste",
    )


def test_holdt_kan_kalles_fra_annen_kode_gjennom_registeret(
    kjor: Callable, kommuneregister: Path, ny_pasient: Callable, db_sti: Path
) -> None:
    """The register method is the public way in (a handover read from a file uses it)."""
    from datetime import date

    from pakkehjem.register import Register

    ny_pasient(DIAGNOSEDATO)
    register = Register.fra_fil(db_sti)
    try:
        data = register.punkter.holdt(
            "1", 1, date(2026, 11, 12), "Sykehuset Østfold", idag=date(2026, 11, 23),
            sammendrag="Oppsummering fra SP1.", handling="motta",
        )  # fmt: skip
    finally:
        register.lukk()
    assert data["handlet_sp"] == 1 and _punkt(data, 1)["sammendrag"] == "Oppsummering fra SP1."
    with sqlite3.connect(db_sti) as tilkobling:
        assert tilkobling.execute("SELECT handling FROM tilgangslogg ORDER BY id DESC").fetchone() == (
            "motta",
        )


def test_statistikk_teller_holdt_av_annen_tjeneste_for_seg(
    kjor: Callable, kommuneregister: Path, ny_pasient: Callable
) -> None:
    for _ in range(3):
        ny_pasient(DIAGNOSEDATO)
    for ref in ("1", "2"):
        assert kjor("holdt", ref, "--sp", "1", "--dato", "2026-11-12", "--av", "Sykehuset").exit_code == 0
    assert kjor("bortfall", "3", "--sp", "1", "--grunn", "Flyttet", "--dato", IDAG).exit_code == 0
    sp1 = json_ut(kjor("statistikk", "--ar", "2026", "--json"))["totalt"]["samhandlingspunkter"]["1"]
    # Every hidden figure shows as ":" (issue 13: secondary suppression).
    assert sp1["holdt_annet_sted"] == ":" and sp1["bortfalt"] == ":"
    assert sp1["gjennomfort"] == 0 and sp1["i_perioden"] == ":"


# --- the work list and the overview per service ------------------------------------------------


def test_forfaller_viser_tjenestens_punkter_og_alle_med_alle(
    kjor: Callable, ny_pasient: Callable, testregister: Path
) -> None:
    ny_pasient("2026-08-03", tjeneste="kommune")  # SP1 overdue, SP2 in its window
    periode = ("--fra", "2026-11-01", "--til", "2026-11-30", "--dato", IDAG, "--json")
    assert [r["sp"] for r in json_ut(kjor("forfaller", *periode))] == [2]
    assert sorted(r["sp"] for r in json_ut(kjor("forfaller", *periode, "--alle"))) == [1, 2]
    assert [r["sp"] for r in json_ut(kjor("forfaller", *periode, "--ansvarlig", "sykehus"))] == [1]
    oversikt = json_ut(kjor("oversikt", "--json", "--dato", IDAG))
    alle = json_ut(kjor("oversikt", "--json", "--alle", "--dato", IDAG))
    assert oversikt["totalt"]["forfalt"] == 0 and alle["totalt"]["forfalt"] == 1


@pytest.mark.parametrize("ord_", ["kommune", "kommunen", "Kommune"])
def test_ansvarlig_godtar_ordet_listen_skriver(
    kjor: Callable, testregister: Path, ny_pasient: Callable, ord_: str
) -> None:
    ny_pasient("2026-08-03")
    rader = json_ut(kjor("forfaller", "--ansvarlig", ord_, "--forfalte", "--json", "--dato", IDAG))
    assert [r["ansvarlig"] for r in rader] == []  # SP2 is in its window, not overdue
    rader = json_ut(kjor("forfaller", "--ansvarlig", ord_, "--maned", "--json", "--dato", IDAG))
    assert {r["ansvarlig"] for r in rader} == {"kommunen"}


def test_brev_og_innkalling_sier_hvilket_punkt_de_gjelder(
    kjor: Callable, kommuneregister: Path, ny_pasient: Callable, tmp_path: Path
) -> None:
    ny_pasient("2026-08-03")
    assert kjor("avtal", "1", "2026-11-26", "--kl", "10:00", "--dato", IDAG).exit_code == 0
    innkalling = kjor("innkalling", "1", "--dato", IDAG)
    assert innkalling.exit_code == 0, innkalling.output
    assert "for SP2" in melding(innkalling)
    svar = tmp_path / "svar.json"
    svar.write_text(json.dumps(SVAR), encoding="utf-8")
    assert kjor("samtale", "1", "--svar", str(svar), "--dato", "2026-11-20").exit_code == 0
    assert kjor("avsender", "--navn", "Randi Koordinator").exit_code == 0  # a letter needs a sender
    brev = kjor("brev", "1", "--til", "fastlege", "--dato", IDAG)
    assert brev.exit_code == 0, brev.output
    assert "fra samtalen ved SP2" in melding(brev)


# --- demo data ---------------------------------------------------------------------------------


def test_eksempeldata_lager_et_kommuneregister_med_sp1_holdt_paa_sykehuset(kjor: Callable) -> None:
    assert kjor("eksempeldata", "--antall", "60", "--dato", IDAG).exit_code == 0
    assert json_ut(kjor("innstillinger", "--json"))["tjeneste"] == "kommune"
    rader = json_ut(kjor("forfaller", "--fra", "2020-01-01", "--til", "2030-12-31", "--json", "--dato", IDAG))
    assert rader and {r["ansvarlig"] for r in rader} == {"kommunen"}
    punkter = json_ut(kjor("eksport", "alt", "--format", "json"))["samhandlingspunkter"]
    holdt = [s for s in punkter if s["status"] == "holdt_annet_sted"]
    assert holdt and all(s["sp"] == 1 for s in holdt)


def test_eksempeldata_har_fullforte_samtaler_som_brevene_lages_fra(kjor: Callable, db_sti: Path) -> None:
    assert kjor("eksempeldata", "--antall", "80", "--dato", IDAG).exit_code == 0
    with sqlite3.connect(db_sti) as db:
        samtaler = db.execute(
            "SELECT s.pasient_id, p.sp, s.dato, p.dato FROM samtale s"
            " JOIN samhandlingspunkt p ON p.id = s.samhandlingspunkt_id WHERE s.status = 'fullfort'"
        ).fetchall()
        tiltak = db.execute("SELECT count(*) FROM tiltak").fetchone()[0]
    assert samtaler and tiltak
    assert all(sp in (2, 3) and dato == punktdato for _, sp, dato, punktdato in samtaler)
    assert (
        kjor(
            "avsender", "--navn", "Siri Solheim", "--rolle", "kreftkoordinator", "--telefon", "55 55 55 55"
        ).exit_code
        == 0
    )
    brev = kjor("brev", str(samtaler[0][0]), "--til", "fastlege", "--dato", IDAG)
    assert brev.exit_code == 0, brev.output
    assert "HVA ER VIKTIG" in brev.stdout
    data = json_ut(kjor("vis", str(samtaler[0][0]), "--json", "--dato", IDAG))
    assert data["samtaler"][0]["status"] == "fullfort" and data["samtaler"][0]["svar"]["hva_er_viktig"]
