"""`pakkehjem oversikt` on a small register whose figures are counted by hand.

"Today" is Monday 23 November 2026: ISO week 48 is 23-29 November, the month 1-30 November.
"""

from __future__ import annotations

import random
import re
import sqlite3
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from hjelp import IDAG, json_ut
from pakkehjem import fnr as fnr_regler
from pakkehjem import forlop
from pakkehjem.register import Register

I_DAG = date.fromisoformat(IDAG)


@pytest.fixture
def register(testregister: Path) -> Iterator[Register]:
    register = Register.fra_fil(testregister)
    try:
        yield register
    finally:
        register.lukk()


@pytest.fixture
def oversiktsregister(register: Register, db_sti: Path) -> dict[str, int]:
    """Seven active patients (four of Kari's, two of Ola's, one with no coordinator) and one
    of Ola's whose pathway has ended. Returns the local numbers by a short name."""
    rng = random.Random(48)
    ider: dict[str, int] = {}

    def ny(navn: str, diagnosedato: str, koordinator: str | None) -> int:
        pid = register.pasienter.ny(
            fnr=fnr_regler.lag_syntetisk(date(1960, 1, 1 + len(ider)), rng),
            navn=f"Pasient {navn}",
            diagnosedato=date.fromisoformat(diagnosedato),
            idag=I_DAG,
            koordinator=koordinator,
        )
        ider[navn] = pid
        return pid

    def gjennomfort(pid: int, sp: int, dag: str) -> None:
        with register.transaksjon():
            punkt = register.punkter.finn(pid, sp)
            register.punkter.sett_status(
                punkt, forlop.GJENNOMFORT, dato=date.fromisoformat(dag), tekst="test"
            )

    # K1: SP1 window 2-30 November, due now: this week and this month.
    ny("K1", "2026-11-02", "Kari")
    # K2: SP1 declined on 1 November, ask again 10 November: passed, so overdue as well.
    k2 = ny("K2", "2026-10-01", "Kari")
    register.punkter.endre(str(k2), 1, forlop.AVSLATT, idag=date(2026, 11, 1), dato=date(2026, 11, 10))
    # K3: SP1 held; SP2 (10 November - 10 December) declined, ask again 5 December.
    k3 = ny("K3", "2026-08-10", "Kari")
    gjennomfort(k3, 1, "2026-08-20")
    register.punkter.endre(str(k3), 2, forlop.AVSLATT, idag=I_DAG, dato=date(2026, 12, 5))
    # K4: SP1 held; SP2 window opens 30 November: due this month, not this week.
    k4 = ny("K4", "2026-08-30", "Kari")
    gjennomfort(k4, 1, "2026-09-05")
    # O1: SP1 booked for Wednesday 25 November.
    o1 = ny("O1", "2026-11-20", "Ola")
    register.punkter.endre(str(o1), 1, forlop.AVTALT, idag=I_DAG, dato=date(2026, 11, 25))
    # O2: SP1 held; SP2 window opens 1 December: nothing due this month.
    o2 = ny("O2", "2026-09-01", "Ola")
    gjennomfort(o2, 1, "2026-09-10")
    # O3: due now, but the pathway has ended: counts nowhere.
    o3 = ny("O3", "2026-11-16", "Ola")
    register.db.execute("UPDATE pasient SET status = 'avsluttet' WHERE id = ?", (o3,))
    register.db.execute("UPDATE forlop SET status = 'avsluttet' WHERE pasient_id = ?", (o3,))
    # N1: no coordinator; SP1 window opens today.
    ny("N1", "2026-11-23", None)
    # Actions: K1 has one past its deadline and one not; O1's past-deadline one is done.
    for pid, frist, status in ((ider["K1"], "2026-11-01", "apen"), (ider["K1"], "2026-12-01", "apen"),
                               (o1, "2026-11-20", "utfort")):  # fmt: skip
        register.db.execute(
            "INSERT INTO tiltak (pasient_id, hva, ansvarlig, frist, status, opprettet)"
            " VALUES (?, 'Ringe fastlegen', 'kommunen', ?, ?, '2026-11-01T10:00:00+01:00')",
            (pid, frist, status),
        )
    return ider


FORVENTET = {
    "Kari": {
        "koordinator": "Kari",
        "aktive_pasienter": 4,
        "forfaller_uke": 1,
        "forfaller_maned": 2,
        "forfalt": 1,
        "avslatt": 2,
        "avslatt_spor_igjen_na": 1,
        "neste_spor_igjen": "2026-12-05",
        "tiltak_over_frist": 1,
    },
    "Ola": {
        "koordinator": "Ola",
        "aktive_pasienter": 2,
        "forfaller_uke": 1,
        "forfaller_maned": 1,
        "forfalt": 0,
        "avslatt": 0,
        "avslatt_spor_igjen_na": 0,
        "neste_spor_igjen": None,
        "tiltak_over_frist": 0,
    },
    None: {
        "koordinator": None,
        "aktive_pasienter": 1,
        "forfaller_uke": 1,
        "forfaller_maned": 1,
        "forfalt": 0,
        "avslatt": 0,
        "avslatt_spor_igjen_na": 0,
        "neste_spor_igjen": None,
        "tiltak_over_frist": 0,
    },
}


def tilgangslogg(db_sti: Path) -> list[tuple[int, str]]:
    tilkobling = sqlite3.connect(db_sti)
    try:
        return tilkobling.execute("SELECT pasient_id, handling FROM tilgangslogg ORDER BY id").fetchall()
    finally:
        tilkobling.close()


def test_tallene_per_koordinator_og_totalt(kjor, oversiktsregister, db_sti: Path) -> None:
    data = json_ut(kjor("oversikt", "--dato", IDAG, "--json"))
    assert data["dato"] == IDAG
    assert data["uke"] == {"ar": 2026, "uke": 48, "fra": "2026-11-23", "til": "2026-11-29"}
    assert data["maned"] == {"fra": "2026-11-01", "til": "2026-11-30"}
    assert data["koordinatorer"] == [FORVENTET["Kari"], FORVENTET["Ola"], FORVENTET[None]]
    assert data["totalt"] == {
        "koordinator": None,
        "aktive_pasienter": 7,
        "forfaller_uke": 3,
        "forfaller_maned": 4,
        "forfalt": 1,
        "avslatt": 2,
        "avslatt_spor_igjen_na": 1,
        "neste_spor_igjen": "2026-12-05",
        "tiltak_over_frist": 1,
    }
    assert "avslatt" not in data and "tiltak_over_frist" not in data  # no patient lists


def test_bare_tall_logges_ikke(kjor, oversiktsregister, db_sti: Path) -> None:
    for args in (("--json",), ()):
        for_ = tilgangslogg(db_sti)
        resultat = kjor("oversikt", "--dato", IDAG, *args)
        assert resultat.exit_code == 0, resultat.output
        assert tilgangslogg(db_sti) == for_
        assert "Pasient K" not in resultat.stdout


def test_forfaller_uke_stemmer_med_arbeidslisten(kjor, oversiktsregister) -> None:
    """The week column counts what `forfaller --uke` lists, less the overdue."""
    data = json_ut(kjor("oversikt", "--dato", IDAG, "--json"))
    liste = json_ut(kjor("forfaller", "--uke", "--dato", IDAG, "--json"))
    assert data["totalt"]["forfaller_uke"] == sum(1 for r in liste if r["tilstand"] != "forfalt")
    assert data["totalt"]["forfalt"] == sum(1 for r in liste if r["tilstand"] == "forfalt")
    maned = json_ut(kjor("forfaller", "--maned", "--dato", IDAG, "--json"))
    assert data["totalt"]["forfaller_maned"] == sum(1 for r in maned if r["tilstand"] != "forfalt")


def test_en_koordinator_med_listene_som_logges(kjor, oversiktsregister, db_sti: Path) -> None:
    ider = oversiktsregister
    for_ = len(tilgangslogg(db_sti))
    data = json_ut(kjor("oversikt", "--koordinator", "kari", "--dato", IDAG, "--json"))
    assert data["koordinator"] == "kari"
    assert data["koordinatorer"] == [FORVENTET["Kari"]]
    assert data["totalt"] == {**FORVENTET["Kari"], "koordinator": None}
    assert [(r["pasient_id"], r["sp"], r["spor_igjen"], r["spor_igjen_na"]) for r in data["avslatt"]] == [
        (ider["K2"], 1, "2026-11-10", True),
        (ider["K3"], 2, "2026-12-05", False),
    ]
    assert all(r["fnr"].endswith("*****") for r in data["avslatt"])
    assert [(t["pasient_id"], t["frist"]) for t in data["tiltak_over_frist"]] == [(ider["K1"], "2026-11-01")]
    nye = tilgangslogg(db_sti)[for_:]
    assert sorted(nye) == sorted([(ider["K2"], "oversikt"), (ider["K3"], "oversikt"), (ider["K1"], "tiltak")])


def test_ren_tekst_naar_utdata_sendes_videre(kjor, oversiktsregister) -> None:
    resultat = kjor("oversikt", "--dato", IDAG)
    assert resultat.exit_code == 0, resultat.output
    linjer = resultat.stdout.splitlines()
    assert linjer[0].split("\t")[:5] == [
        "Koordinator", "Aktive pasienter", "Forfaller uke 48", "Forfaller i november", "Forfalt",
    ]  # fmt: skip
    assert "Kari\t4\t1\t2\t1\t2\t1\t05.12.2026\t1" in linjer
    assert "(ingen koordinator)\t1\t1\t1\t0\t0\t0\t\t0" in linjer
    assert "Totalt\t7\t3\t4\t1\t2\t1\t05.12.2026\t1" in linjer
    assert not any(tegn in resultat.stdout for tegn in "┃│╭")


def test_ren_tekst_med_koordinator_viser_listene(kjor, oversiktsregister) -> None:
    resultat = kjor("oversikt", "--koordinator", "Kari", "--dato", IDAG)
    assert resultat.exit_code == 0, resultat.output
    tekst = resultat.stdout
    assert "Takket nei, spør igjen" in tekst and "Tiltak over frist" in tekst
    assert f"{oversiktsregister['K2']}\tPasient K2\t" in tekst
    assert "Ringe fastlegen" in tekst


def test_paa_en_terminal_blir_det_paneler_og_tabell(kjor, oversiktsregister) -> None:
    resultat = kjor(
        "oversikt", "--dato", IDAG, env={"TTY_COMPATIBLE": "1", "COLUMNS": "100", "NO_COLOR": "1"}
    )
    assert resultat.exit_code == 0, resultat.output
    tekst = re.sub(r"\x1b\[[0-9;]*m", "", resultat.stdout)  # bold stays with NO_COLOR
    assert "Oversikt, mandag 23. november 2026 (uke 48)" in tekst
    assert "Aktive pasienter" in tekst and "Per koordinator" in tekst
    assert "╭" in tekst  # panels
    assert all(len(linje) <= 100 for linje in tekst.splitlines())


def test_tomt_register_og_ukjent_koordinator(kjor, testregister: Path) -> None:
    data = json_ut(kjor("oversikt", "--dato", IDAG, "--json"))
    assert data["koordinatorer"] == [] and data["totalt"]["aktive_pasienter"] == 0
    resultat = kjor("oversikt", "--koordinator", "Ingen Slik", "--dato", IDAG)
    assert resultat.exit_code == 0
    assert "Ingen pasienter" in resultat.stderr


def test_ugyldig_dato_gir_exit_2(kjor, forvent_feil) -> None:
    forvent_feil(kjor("oversikt", "--dato", "31.02.2026"), 2, "--idag")
