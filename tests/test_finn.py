"""Find a patient by name: `finn TEKST`, and a name prefix as the patient reference."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from hjelp import json_ut, melding
from pakkehjem.regler import navn_nokkel, navnetreff


@pytest.mark.parametrize(
    ("navn", "sok", "treff"),
    [
        ("Kari Nordmann", "kari", True),
        ("Kari Nordmann", "KARI NOR", True),
        ("Kari Nordmann", "nordm", True),
        ("Kari Nordmann", "ari", False),  # the start of a word, not anywhere
        ("René Müller", "rene muller", True),  # accents do not matter
        ("Åse Øvrebø", "åse øvre", True),
        ("Åse Øvrebø", "ase", False),  # å is a letter of its own in Norwegian
        ("Ærlig Dæhli", "dæ", True),
        ("Ærlig Dæhli", "da", False),
        ("Anne-Lise Berg", "lise", True),
    ],
)
def test_navnetreff(navn: str, sok: str, treff: bool) -> None:
    assert navnetreff(navn, sok) is treff


def test_navn_nokkel_beholder_aeoeaa() -> None:
    assert navn_nokkel("ÆØÅ Éva") == "æøå eva"


@pytest.fixture
def pasienter(kjor: Callable, testregister: Path, ny_pasient: Callable) -> list[dict]:
    ut = [ny_pasient("2026-08-03", navn=n) for n in ("Kari Nordmann", "Kari Berg", "Åse Øvrebø", "Ola Åsen")]
    assert kjor("avslutt", str(ut[3]["id"]), "--grunn", "onske").exit_code == 0
    return ut


def test_finn_lister_maskert_og_logger_hvert_treff(
    kjor: Callable, pasienter: list[dict], db_sti: Path
) -> None:
    rader = json_ut(kjor("finn", "kari", "--json"))
    assert [r["navn"] for r in rader] == ["Kari Berg", "Kari Nordmann"]
    assert all(r["fnr"].endswith("*****") for r in rader)
    with sqlite3.connect(db_sti) as db:
        logget = db.execute("SELECT pasient_id FROM tilgangslogg WHERE handling = 'finn'").fetchall()
    assert sorted(r[0] for r in logget) == sorted(r["pasient_id"] for r in rader)
    assert [r["navn"] for r in json_ut(kjor("finn", "ås", "--json"))] == ["Åse Øvrebø"]
    assert [r["navn"] for r in json_ut(kjor("finn", "ås", "--alle", "--json"))] == ["Ola Åsen", "Åse Øvrebø"]
    tom = kjor("finn", "Zacharias")
    assert tom.exit_code == 0 and "Ingen pasienter" in melding(tom)


def test_navn_som_referanse_naar_bare_en_passer(kjor: Callable, pasienter: list[dict]) -> None:
    data = json_ut(kjor("vis", "kari nord", "--json"))
    assert data["navn"] == "Kari Nordmann"
    assert json_ut(kjor("vis", "Åse", "--json"))["id"] == pasienter[2]["id"]


def test_navn_som_passer_flere_lister_dem_og_gir_kode_1(
    kjor: Callable, pasienter: list[dict], forvent_feil: Callable, db_sti: Path, radtall: Callable
) -> None:
    for_ = radtall()
    tekst = forvent_feil(kjor("avtal", "kari", "2027-02-10"), 1, "Flere aktive pasienter passer til «kari»")
    assert "Kari Berg" in tekst and "Kari Nordmann" in tekst and "*****" in tekst
    etter = radtall()
    assert {k: v for k, v in etter.items() if k != "tilgangslogg"} == {
        k: v for k, v in for_.items() if k != "tilgangslogg"
    }
    assert etter["tilgangslogg"] == for_["tilgangslogg"] + 2  # the two listed were shown


def test_navn_som_ikke_passer_en_aktiv_pasient(
    kjor: Callable, pasienter: list[dict], forvent_feil: Callable
) -> None:
    forvent_feil(kjor("vis", "Ola"), 1, "Ingen aktiv pasient", "pakkehjem finn")
