"""The SQL the work list and the patient list use for masking and the contact point's state
gives what the Python rules give (`fnr.masker`, `forlop.tilstand`), and the patient list is
streamed: logged whole before the first row, without holding the register while it is written."""

from __future__ import annotations

import json
import sqlite3
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pakkehjem import fnr, forlop
from pakkehjem.register import Register, uttrykk

DAGER = st.dates(min_value=date(2024, 1, 1), max_value=date(2028, 12, 31))
STATUSER = st.sampled_from(
    [forlop.PLANLAGT, "avtalt", "utsatt", "spor_igjen", "gjennomfort", "bortfalt", "holdt_annet_sted"]
)


def _sql_tilstand(status: str, vindu_fra: date, vindu_til: date, dato: date | None, idag: date) -> str | None:
    """The SQL expression's answer for one point, its due range stored as the store stores it."""
    periode = forlop.forfallsperiode(status, vindu_fra, vindu_til, dato)
    db = sqlite3.connect(":memory:")
    db.execute("CREATE TABLE samhandlingspunkt (forfall_fra TEXT, forfall_til TEXT)")
    db.execute(
        "INSERT INTO samhandlingspunkt VALUES (?, ?)",
        (periode.fra.isoformat(), periode.til.isoformat()) if periode else (None, None),
    )
    (svar,) = db.execute(
        f"SELECT {uttrykk.tilstand('s', ':idag')} FROM samhandlingspunkt s", {"idag": idag.isoformat()}
    ).fetchone()
    return svar


@settings(max_examples=300, deadline=None)
@given(status=STATUSER, vindu_fra=DAGER, lengde=st.integers(0, 184), dato=st.none() | DAGER, idag=DAGER)
def test_tilstanden_i_sql_er_den_samme_som_regelen_gir(
    status: str, vindu_fra: date, lengde: int, dato: date | None, idag: date
) -> None:
    vindu_til = vindu_fra + timedelta(days=lengde)
    assert _sql_tilstand(status, vindu_fra, vindu_til, dato, idag) == forlop.tilstand(
        status, vindu_fra, vindu_til, dato, idag
    )


def _skrevet(sifre: int, skille: str) -> str:
    """Eleven digits as typed: together, or the birth date and the rest apart (space or dash)."""
    tekst = f"{sifre:011d}"
    return tekst[:6] + skille + tekst[6:]


# Any eleven digits (an integer drawn and written out: far cheaper to draw than from a pattern),
# together, with a space or with a dash after the birth date.
NUMRE = st.builds(_skrevet, st.integers(0, 10**11 - 1), st.sampled_from(["", " ", "-"]))


@settings(max_examples=200, deadline=None)
@given(nummer=NUMRE)
def test_maskeringen_i_sql_er_den_samme_som_regelen_gir(nummer: str) -> None:
    db = sqlite3.connect(":memory:")
    db.create_function("masker", 1, fnr.masker)  # the fallback, as the store's connection has it
    (svar,) = db.execute(f"SELECT {uttrykk.maskert_fnr(':n')}", {"n": nummer}).fetchone()
    assert svar == fnr.masker(nummer)


IDAG = date(2026, 12, 1)


def _demoregister(kjor, db_sti: Path, antall: int = 150) -> Register:
    resultat = kjor("eksempeldata", "--antall", str(antall), "--seed", "11", "--idag", IDAG.isoformat())
    assert resultat.exit_code == 0, resultat.output
    return Register.fra_fil(db_sti)


def _logget(db_sti: Path, handling: str) -> int:
    with sqlite3.connect(db_sti) as db:
        return db.execute("SELECT count(*) FROM tilgangslogg WHERE handling = ?", (handling,)).fetchone()[0]


def test_hver_pasient_i_listen_har_den_tilstanden_regelen_gir_for_neste_punkt(kjor, db_sti: Path) -> None:
    reg = _demoregister(kjor, db_sti)
    rader = reg.pasienter.liste(IDAG, alle=True)
    med_neste = [r for r in rader if r["neste"]]
    assert len(med_neste) > 50 and {r["neste"]["tilstand"] for r in med_neste} >= {"forfalt", "ikke_apnet"}
    for r in med_neste:
        n = r["neste"]
        assert n["tilstand"] == forlop.tilstand(
            n["status"],
            date.fromisoformat(n["vindu_fra"]),
            date.fromisoformat(n["vindu_til"]),
            date.fromisoformat(n["dato"]) if n["dato"] else None,
            IDAG,
        )
        assert r["fnr"].endswith("*****") and len(r["fnr"]) == 11


def test_pasientlisten_er_logget_hel_for_forste_rad_og_holder_ikke_registeret_mens_den_skrives(
    kjor, db_sti: Path
) -> None:
    reg = _demoregister(kjor, db_sti)
    strom = reg.pasienter.liste_json(IDAG, alle=True, bolk=10)
    forste = next(strom)
    logget = _logget(db_sti, "pasienter")
    assert logget == 150  # every patient of the list, before the caller has the second row

    # Another coordinator writes while the list is still being read: no wait, no lock error.
    annen = Register.fra_fil(db_sti, ventetid=0.2)
    annen.sett_innstilling("sp1_uker", "4")
    annen.lukk()

    resten = list(strom)
    # The list is the register as it was when it was logged: exactly the logged patients.
    ider = [json.loads(rad)["pasient_id"] for rad in [forste, *resten]]
    assert len(ider) == logget == len(set(ider))


def test_pasienter_json_pa_et_tomt_utvalg_er_en_tom_liste(kjor, db_sti: Path) -> None:
    _demoregister(kjor, db_sti, antall=5).lukk()
    resultat = kjor("pasienter", "--json", "--kommune", "Ingensteds")
    assert resultat.exit_code == 0, resultat.output
    assert json.loads(resultat.stdout) == []


def test_pasienter_json_strommer_samme_liste_som_registeret_gir(kjor, db_sti: Path) -> None:
    reg = _demoregister(kjor, db_sti, antall=40)
    ventet = reg.pasienter.liste(IDAG)
    reg.lukk()
    resultat = kjor("pasienter", "--json", "--idag", IDAG.isoformat())
    assert resultat.exit_code == 0, resultat.output
    assert json.loads(resultat.stdout) == ventet


def test_en_opptatt_pasientliste_avvises_for_forste_linje_er_skrevet(kjor, db_sti: Path) -> None:
    from pakkehjem.feil import Opptatt

    _demoregister(kjor, db_sti, antall=5).lukk()
    annen = sqlite3.connect(db_sti, isolation_level=None)
    annen.execute("BEGIN IMMEDIATE")
    try:
        reg = Register.fra_fil(db_sti, ventetid=0.1)
        # Refused when asked for, not when the caller starts writing the list out.
        with pytest.raises(Opptatt):
            reg.pasienter.liste_json(IDAG)
        resultat = kjor("pasienter", env={"PAKKEHJEM_VENTETID": "0.1"})
        assert resultat.exit_code == 1 and resultat.stdout == ""
    finally:
        annen.execute("ROLLBACK")
        annen.close()
