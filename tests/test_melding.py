"""Messages that need no conversation (`brev --melding avslag|flytting|avsluttet`): each works
with no conversation held, in every format and language, with the consent rules, the record and
the access log of the summary letter."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from brevdata import BREVDATO, lag_pasient, sett_avsender
from hjelp import IDAG, json_ut


@pytest.fixture
def pasient(kjor: Callable, ny_pasient: Callable) -> int:
    """The fixed patient with the sender set and no conversation held."""
    pid = lag_pasient(ny_pasient)["id"]
    sett_avsender(kjor)
    return pid


def melding(kjor: Callable, pid: int, til: str, art: str, *args: str) -> object:
    return kjor("brev", str(pid), "--til", til, "--melding", art, "--dato", BREVDATO, *args)


@pytest.mark.parametrize("format_", ["txt", "md", "html"])
@pytest.mark.parametrize("sprak", ["bokmal", "nynorsk"])
def test_fastlegen_far_vite_om_avslaget_uten_samtale(
    kjor: Callable, pasient: int, format_: str, sprak: str
) -> None:
    pid = str(pasient)
    assert kjor("avsla", pid, "--sp", "2", "--spor-igjen", "2027-01-11", "--dato", IDAG).exit_code == 0
    resultat = melding(kjor, pasient, "fastlege", "avslag", "--format", format_, "--sprak", sprak)
    assert resultat.exit_code == 0, resultat.output
    tekst = " ".join(resultat.stdout.split())
    assert "Synne Testesen" in tekst and "11. januar 2027" in tekst
    assert ("takka nei" if sprak == "nynorsk" else "takket nei") in tekst
    assert "Ola Lege" in tekst  # the GP from the register
    brev = json_ut(kjor("vis", pid, "--json"))["brev"]
    assert [(b["art"], b["mottaker"], b["samtale"], b["format"]) for b in brev] == [
        ("avslag", "fastlege", None, format_)
    ]


def test_flytting_bruker_kommunen_fra_avslutt_og_viser_det_som_er_apent(
    kjor: Callable, pasient: int, db_sti: Path
) -> None:
    pid = str(pasient)
    kjor("avslutt", pid, "--grunn", "flyttet", "--til-kommune", "Voss kommune", "--dato", BREVDATO)
    resultat = melding(kjor, pasient, "ny_kommune", "flytting")
    assert resultat.exit_code == 0, resultat.output
    tekst = " ".join(resultat.stdout.split())
    assert "Til: Voss kommune" in tekst and "flytter til Voss kommune" in tekst
    assert "SP1 (spesialisthelsetjenesten, sykehuset): bortfalt" in tekst
    assert "Ingen åpne tiltak." in tekst
    # The summary letter to the new municipality names it too, without --navn.
    assert json_ut(kjor("vis", pid, "--json"))["forlop"][0]["til_kommune"] == "Voss kommune"
    tilkobling = sqlite3.connect(db_sti)
    try:
        handlinger = [
            r[0]
            for r in tilkobling.execute("SELECT handling FROM tilgangslogg WHERE pasient_id = ?", (pasient,))
        ]
    finally:
        tilkobling.close()
    assert "brev" in handlinger and "flytting-ny_kommune" in handlinger


def test_avsluttet_sier_hvorfor(kjor: Callable, pasient: int) -> None:
    pid = str(pasient)
    kjor("avslutt", pid, "--grunn", "onske", "--dato", BREVDATO)
    for til in ("fastlege", "kommune"):
        tekst = " ".join(melding(kjor, pasient, til, "avsluttet").stdout.split())
        assert "ble avsluttet 23. november 2026: pasientens ønske" in tekst, til


@pytest.mark.parametrize(
    ("oppsett", "til", "art", "ord_"),
    [
        ([], "fastlege", "avslag", "ikke takket nei"),
        ([], "fastlege", "avsluttet", "ikke avsluttet"),
        (["avslutt", "{pid}", "--grunn", "flyttet"], "ny_kommune", "flytting", "--til-kommune"),
    ],
)
def test_ingenting_a_melde_nektes_med_rad(
    kjor: Callable, pasient: int, forvent_feil: Callable, oppsett: list[str], til: str, art: str, ord_: str
) -> None:
    if oppsett:
        kjor(*[a.format(pid=pasient) for a in oppsett])
    forvent_feil(melding(kjor, pasient, til, art), 1, ord_)
    assert json_ut(kjor("vis", str(pasient), "--json"))["brev"] == []


def test_meldingen_folger_samtykket(kjor: Callable, pasient: int, forvent_feil: Callable) -> None:
    pid = str(pasient)
    kjor("avsla", pid, "--sp", "2", "--spor-igjen", "2027-01-11", "--dato", IDAG)
    kjor("samtykke", pid, "--til", "fastlege", "--nei")
    forvent_feil(melding(kjor, pasient, "fastlege", "avslag"), 1, "motsatt seg")
    assert json_ut(kjor("vis", pid, "--json"))["brev"] == []


@pytest.mark.parametrize(
    ("args", "ord_"),
    [
        (["--til", "fastlege", "--melding", "tull"], "avslag, flytting, avsluttet"),
        (["--til", "nav", "--melding", "avslag"], "helsetjenesten"),
        (["--til", "fastlege", "--melding", "avslag", "--sp", "2"], "--sp"),
    ],
)
def test_ugyldig_melding(
    kjor: Callable, pasient: int, forvent_feil: Callable, args: list[str], ord_: str
) -> None:
    forvent_feil(kjor("brev", str(pasient), *args), 2, ord_)
