"""`pakkehjem statistikk` on a small register whose figures are worked out by hand below.

The register (period: the year 2026):

Arendal, seven patients diagnosed 10 January 2026 (SP1 window 10 Jan - 7 Feb, SP2 window
10 Apr - 10 May, both in 2026; SP3 closes in 2027):
    A1 SP1 held 20 Jan (10 days), a need "behov" and an action; SP2 held 15 Apr (95 days)
    A2 SP1 held 25 Jan (15 days), strain 6 (flagged)
    A3 SP1 held 20 Feb (41 days: after the window), no need, strain 2
    A4 SP1 held 30 Jan (20 days), no need, strain 3
    A5 SP1 declined (ask again 1 Dec 2026)
    A6 SP1 not applicable (bortfalt)
    A7 SP1 held 22 Jan (12 days), strain 4 (flagged: 4 or more) and an action
Bø, three patients diagnosed 1 March 2026 (SP1 window 1-29 Mar, SP2 window 1 Jun - 1 Jul):
    B1 SP1 held 5 Mar (4 days), need "behov" and an action
    B2 SP1 held 10 Mar (9 days), strain 8 and an action
    B3 SP1 held 15 Mar (14 days), need "behov"
No municipality, one patient diagnosed 1 June 2025:
    C1 SP1 held 10 Jun 2025 with a need (counts in 2025); SP3 window 1 Jun - 1 Dec 2026, open

Expected for 2026, all patients:
    SP1: 10 in the period, 8 held, 7 within the window, 1 declined, 1 not applicable, 0 open;
         days 4 9 10 12 14 15 20 41: median (12 + 14) / 2 = 13
    SP2: 10 in the period, 1 held (within), 9 open; median from 1 value: suppressed
    SP3: 1 in the period (C1), open
    Patients with a conversation in 2026: 8 (A1 A2 A3 A4 A7 B1 B2 B3); need flagged: 6 (A1 A2
    A7 B1 B2 B3) = 75.0 %; with actions: 4 (A1 A7 B1 B2): suppressed (a count under 5)
"""

from __future__ import annotations

import csv
import io
import random
from collections.abc import Iterator
from datetime import date
from importlib.resources import files
from pathlib import Path
from typing import Any

import pytest

from hjelp import IDAG, json_ut
from pakkehjem import fnr as fnr_regler
from pakkehjem import forlop
from pakkehjem.register import Register
from pakkehjem.statistikk import andel, median, vern

I_DAG = date.fromisoformat(IDAG)


def d(tekst: str) -> date:
    return date.fromisoformat(tekst)


@pytest.fixture
def register(testregister: Path) -> Iterator[Register]:
    register = Register.apne(testregister)
    try:
        yield register
    finally:
        register.lukk()


INGEN = {f"{t}_behov": "ingen behov" for t in ("familie", "okonomi", "psykisk")}


@pytest.fixture
def statistikkregister(register: Register) -> dict[str, Any]:
    rng = random.Random(2026)
    guide_ref = register.lagre_guide(
        "standard", "1", (files("pakkehjem.templates") / "samtaleguide.yaml").read_text(encoding="utf-8")
    )
    navn_og_fnr: dict[str, Any] = {"navn": [], "fnr": []}
    ider: dict[str, int] = {}

    def ny(navn: str, diagnosedato: str, kommune: str | None, koordinator: str) -> int:
        nummer = fnr_regler.lag_syntetisk(date(1950, 3, 1 + len(ider)), rng)
        pid = register.ny_pasient(
            fnr=nummer,
            navn=f"Statistikkpasient {navn}",
            diagnosedato=d(diagnosedato),
            idag=I_DAG,
            kommune=kommune,
            koordinator=koordinator,
        )
        navn_og_fnr["navn"].append(f"Statistikkpasient {navn}")
        navn_og_fnr["fnr"].append(nummer)
        ider[navn] = pid
        return pid

    def samtale(pid: int, dag: str, behov: dict[str, str], belastning: int, tiltak: bool) -> None:
        svar: list[tuple[str, Any, Any, Any]] = [("hva_er_viktig", "Å komme hjem", None, None)]
        svar += [(sid, verdi, None, None) for sid, verdi in {**INGEN, **behov}.items()]
        svar.append(("belastning_grad", belastning, None, None))
        if tiltak:
            liste = [{"hva": "Kontakt med NAV", "ansvarlig": "nav", "frist": "2026-12-01"}]
            svar.append(("okonomi_tiltak", liste, liste, None))
        register.lagre_hel_samtale(str(pid), None, d(dag), guide_ref, svar, None)

    def gjennomfort(pid: int, sp: int, dag: str) -> None:
        with register.transaksjon():
            punkt = register._punkt(pid, sp)
            register._sett_status(punkt, forlop.GJENNOMFORT, dato=d(dag), tekst="test")

    for navn in ("A1", "A2", "A3", "A4", "A5", "A6", "A7"):
        ny(navn, "2026-01-10", "Arendal", "Kari" if navn < "A4" else "Ola")
    samtale(ider["A1"], "2026-01-20", {"familie_behov": "behov"}, 1, True)
    gjennomfort(ider["A1"], 2, "2026-04-15")
    samtale(ider["A2"], "2026-01-25", {}, 6, False)
    samtale(ider["A3"], "2026-02-20", {}, 2, False)
    samtale(ider["A4"], "2026-01-30", {}, 3, False)
    register.endre_punkt(str(ider["A5"]), 1, forlop.AVSLATT, idag=I_DAG, dato=d("2026-12-01"))
    register.endre_punkt(str(ider["A6"]), 1, forlop.BORTFALT, idag=I_DAG, grunn="Flyttet")
    samtale(ider["A7"], "2026-01-22", {}, 4, True)
    for navn in ("B1", "B2", "B3"):
        ny(navn, "2026-03-01", "Bø", "Kari")
    samtale(ider["B1"], "2026-03-05", {"okonomi_behov": "behov"}, 0, True)
    samtale(ider["B2"], "2026-03-10", {}, 8, True)
    samtale(ider["B3"], "2026-03-15", {"psykisk_behov": "behov"}, 2, False)
    ny("C1", "2025-06-01", None, "Ola")
    samtale(ider["C1"], "2025-06-10", {"familie_behov": "behov"}, 9, True)
    return navn_og_fnr


def punkt(**tall: Any) -> dict[str, Any]:
    ut = {
        "i_perioden": 0, "gjennomfort": 0, "innen_vindu": 0, "avslatt": 0, "bortfalt": 0,
        "holdt_annet_sted": 0, "apne": 0,
    }  # fmt: skip
    ut.update(tall)
    ut.setdefault("median_dager", None)
    return ut


def test_tallene_for_aaret_som_regnet_for_haand(kjor, statistikkregister) -> None:
    data = json_ut(kjor("statistikk", "--ar", "2026", "--json"))
    assert data["periode"] == {"fra": "2026-01-01", "til": "2026-12-31"}
    assert data["per"] is None and data["undertrykt_under"] == 5
    assert "grupper" not in data
    assert data["totalt"] == {
        "samhandlingspunkter": {
            "1": punkt(
                i_perioden=10, gjennomfort=8, innen_vindu=7, avslatt="<5", bortfalt="<5", median_dager=13
            ),
            "2": punkt(i_perioden=10, gjennomfort="<5", innen_vindu="<5", apne=9, median_dager="n<5"),
            "3": punkt(i_perioden="<5", apne="<5"),
        },
        "kartlagte_pasienter": 8,
        "andel_behov_prosent": 75.0,
        "andel_tiltak_prosent": "n<5",
    }


def test_per_kommune_med_undertrykking(kjor, statistikkregister) -> None:
    data = json_ut(
        kjor("statistikk", "--fra", "01.01.2026", "--til", "2026-12-31", "--per", "kommune", "--json")
    )
    grupper = {g["kommune"]: g for g in data["grupper"]}
    assert list(grupper) == ["Arendal", "Bø", None]  # no municipality: a group of its own
    arendal = grupper["Arendal"]
    assert arendal["samhandlingspunkter"]["1"] == punkt(
        i_perioden=7, gjennomfort=5, innen_vindu="<5", avslatt="<5", bortfalt="<5", median_dager=15
    )
    assert arendal["samhandlingspunkter"]["2"] == punkt(
        i_perioden=7, gjennomfort="<5", innen_vindu="<5", apne=6, median_dager="n<5"
    )
    # Five mapped, three with a need flagged and two with actions: both shares would reveal
    # a count under 5.
    assert arendal["kartlagte_pasienter"] == 5
    assert arendal["andel_behov_prosent"] == "n<5" and arendal["andel_tiltak_prosent"] == "n<5"
    bo = grupper["Bø"]
    assert bo["samhandlingspunkter"]["1"] == punkt(
        i_perioden="<5", gjennomfort="<5", innen_vindu="<5", median_dager="n<5"
    )
    assert bo["kartlagte_pasienter"] == "<5"
    assert bo["andel_behov_prosent"] == "n<5"
    ukjent = grupper[None]
    assert ukjent["samhandlingspunkter"]["3"] == punkt(i_perioden="<5", apne="<5")
    assert ukjent["kartlagte_pasienter"] == 0 and ukjent["andel_behov_prosent"] is None
    assert data["totalt"]["samhandlingspunkter"]["1"]["median_dager"] == 13


def test_per_koordinator(kjor, statistikkregister) -> None:
    data = json_ut(kjor("statistikk", "--ar", "2026", "--per", "koordinator", "--json"))
    grupper = {g["koordinator"]: g for g in data["grupper"]}
    assert list(grupper) == ["Kari", "Ola"]
    # Kari: A1 A2 A3 and B1 B2 B3; Ola: A4 to A7 (and C1, outside the year for SP1).
    assert grupper["Kari"]["samhandlingspunkter"]["1"]["gjennomfort"] == 6
    assert grupper["Kari"]["kartlagte_pasienter"] == 6
    assert grupper["Kari"]["andel_behov_prosent"] == round(100 * 5 / 6, 1)
    assert grupper["Ola"]["samhandlingspunkter"]["1"]["i_perioden"] == "<5"


def test_et_punkt_telles_i_bare_en_periode(kjor, statistikkregister) -> None:
    """C1's SP1 was held in 2025 and counts there, with its conversation; the open SP3 (window
    closing 1 December 2026) counts in 2026."""
    data = json_ut(kjor("statistikk", "--ar", "2025", "--json"))
    totalt = data["totalt"]
    assert totalt["samhandlingspunkter"]["1"] == punkt(
        i_perioden="<5", gjennomfort="<5", innen_vindu="<5", median_dager="n<5"
    )
    assert totalt["samhandlingspunkter"]["3"] == punkt()
    assert totalt["kartlagte_pasienter"] == "<5"


def test_ingen_navn_eller_nummer_i_noe_format(kjor, statistikkregister) -> None:
    for args in (("--json",), ("--csv",), ()):
        resultat = kjor("statistikk", "--ar", "2026", "--per", "kommune", *args)
        assert resultat.exit_code == 0, resultat.output
        for tekst in statistikkregister["navn"] + statistikkregister["fnr"]:
            assert tekst not in resultat.stdout
            assert tekst[:6] not in resultat.stdout  # not even the masked form


def test_statistikk_logges_ikke(kjor, statistikkregister, db_sti: Path) -> None:
    import sqlite3

    def antall() -> int:
        tilkobling = sqlite3.connect(db_sti)
        try:
            return tilkobling.execute("SELECT count(*) FROM tilgangslogg").fetchone()[0]
        finally:
            tilkobling.close()

    for_ = antall()
    assert kjor("statistikk", "--ar", "2026", "--json").exit_code == 0
    assert antall() == for_


def test_csv_som_regneark_leser_den(kjor, statistikkregister) -> None:
    resultat = kjor("statistikk", "--ar", "2026", "--per", "kommune", "--csv")
    assert resultat.exit_code == 0, resultat.output
    rader = list(csv.DictReader(io.StringIO(resultat.stdout), delimiter=";"))
    assert [r["kommune"] for r in rader] == ["alle", "Arendal", "Bø", "(ikke oppgitt)"]
    alle = rader[0]
    assert alle["sp1_i_perioden"] == "10" and alle["sp1_innen_vindu"] == "7"
    assert alle["sp1_avslatt"] == "<5" and alle["sp1_median_dager"] == "13"
    assert alle["sp2_median_dager"] == "n<5"
    assert alle["sp3_median_dager"] == ""
    assert alle["andel_behov_prosent"] == "75,0"  # decimal comma for Norwegian Excel
    assert alle["andel_tiltak_prosent"] == "n<5"
    assert rader[1]["sp1_median_dager"] == "15"
    assert resultat.stdout.startswith("kommune;sp1_i_perioden;")


def test_csv_til_fil_er_bare_for_eieren(kjor, statistikkregister, tmp_path: Path) -> None:
    ut = tmp_path / "statistikk.csv"
    resultat = kjor("statistikk", "--ar", "2026", "--csv", "-o", ut)
    assert resultat.exit_code == 0, resultat.output
    assert ut.stat().st_mode & 0o777 == 0o600
    assert ut.read_bytes().startswith(b"\xef\xbb\xbfgruppe;")
    assert kjor("statistikk", "--ar", "2026", "--csv", "-o", ut).exit_code == 1


def test_tabell_og_ren_tekst(kjor, statistikkregister) -> None:
    ren = kjor("statistikk", "--ar", "2026")
    assert ren.exit_code == 0
    # i_perioden, gjennomført, innen vinduet, takket nei, bortfalt, holdt annet sted, åpne, median
    assert ren.stdout.splitlines()[1].startswith("alle\t10\t8\t7\t<5\t<5\t0\t0\t13\t")
    skjerm = kjor("statistikk", "--ar", "2026", "--per", "kommune",
                  env={"TTY_COMPATIBLE": "1", "COLUMNS": "120", "NO_COLOR": "1"})  # fmt: skip
    assert skjerm.exit_code == 0, skjerm.output
    for ord_ in ("Samhandlingspunkt 1", "Arendal", "Totalt", "75,0 %", "n<5", "«<5»", "(ikke oppgitt)"):
        assert ord_ in skjerm.stdout


def test_tomt_register_gir_nuller(kjor, testregister: Path) -> None:
    data = json_ut(kjor("statistikk", "--ar", "2026", "--json"))
    assert data["totalt"]["samhandlingspunkter"]["1"] == punkt()
    assert data["totalt"]["andel_behov_prosent"] is None


@pytest.mark.parametrize(
    ("args", "ord_"),
    [
        (("--ar", "2026", "--fra", "2026-01-01", "--til", "2026-02-01"), "enten --ar"),
        (("--fra", "2026-01-01"), "både --fra og --til"),
        (("--fra", "2026-02-01", "--til", "2026-01-01"), "før --fra"),
        (("--per", "fylke"), "kommune eller koordinator"),
        (("--json", "--csv"), "enten --json eller --csv"),
        (("--ar", "26"), "årstall"),
        (("--fra", "2026-13-01", "--til", "2026-12-31"), "--fra"),
    ],
)
def test_ugyldige_valg_gir_exit_2(kjor, forvent_feil, testregister: Path, args, ord_) -> None:
    forvent_feil(kjor("statistikk", *args), 2, ord_)


# --- the suppression rules themselves --------------------------------------------------------


def test_vern_andel_og_median() -> None:
    assert [vern(n) for n in (0, 1, 4, 5, 120)] == [0, "<5", "<5", 5, 120]
    assert andel(0, 0) is None
    assert andel(3, 4) == "n<5"  # fewer than 5 behind the share
    assert andel(3, 40) == "n<5"  # the count 3 could be worked back from 7.5 % of 40
    assert andel(0, 40) == 0.0
    assert andel(5, 8) == 62.5
    assert median({}) is None
    assert median({10: 4}) == "n<5"
    assert median({10: 2, 20: 3}) == 20
    assert median({1: 1, 2: 1, 3: 1, 4: 1, 10: 1, 11: 1}) == 3.5
    assert median({7: 5, 9: 5}) == 8
