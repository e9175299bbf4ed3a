"""`ny-pasient` that helps: each field checked as it is typed, asked again on a mistake.

The dialogue itself (registrering.be_om_feltene) is driven here with scripted answers; one test runs
the whole command in a real terminal (driven through pexpect) as a coordinator would.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from hjelp import json_ut, melding
from pakkehjem.feil import UgyldigInndata
from pakkehjem.register import Register
from pakkehjem.registrering import FELTER, Kontroll, be_om_feltene
from samtalehjelp import til_slutten

IDAG = date(2026, 11, 23)


@pytest.fixture
def register(testregister: Path) -> Iterator[Register]:
    reg = Register.fra_fil(testregister)
    yield reg
    reg.lukk()


def skriptet(*svar: str) -> tuple[list[str], list[str], object]:
    """A `les` that answers from the list and records each question asked."""
    stilt: list[str] = []
    gjenstar = list(svar)

    def les(sporsmal: str) -> str:
        stilt.append(sporsmal)
        if not gjenstar:
            raise AssertionError(f"asked once more than scripted: {sporsmal}")
        return gjenstar.pop(0)

    return stilt, gjenstar, les


def test_every_field_of_the_command_is_asked_for_in_order(register, syntetisk_fnr):
    nummer = syntetisk_fnr()
    stilt, _, les = skriptet(
        nummer, "Kari Nordmann", "15.1.26", "c50.9", "Bergen", "Dr. Lege", "Siri", "99 99 99 99"
    )
    feil: list[str] = []

    svar = be_om_feltene(Kontroll(register, IDAG), {}, les, feil.append)

    assert [s.split(" (")[0].split(",")[0] for s in stilt] == [
        "Fødselsnummer",
        "Navn",
        "Diagnosedato",
        "Diagnose",
        "Bostedskommune",
        "Fastlegens navn",
        "Kreftkoordinator som følger opp",
        "Pasientens telefon",
    ]
    assert len(stilt) == len(FELTER)
    assert feil == []
    assert svar == {
        "fnr": nummer,
        "navn": "Kari Nordmann",
        "diagnosedato": date(2026, 1, 15),
        "diagnose": "C50.9",
        "kommune": "Bergen",
        "fastlege": "Dr. Lege",
        "koordinator": "Siri",
        "telefon": "99 99 99 99",
    }


def test_enter_skips_the_optional_fields_only(register, syntetisk_fnr):
    stilt, _, les = skriptet("", syntetisk_fnr(), "", "Ola", "2026-01-15", "", "", "", "", "")
    feil: list[str] = []

    svar = be_om_feltene(Kontroll(register, IDAG), {}, les, feil.append)

    assert feil == ["Fødselsnummer må fylles ut.", "Navn må fylles ut."]
    assert all("(Enter hopper over)" in s for s in stilt[-5:])
    assert not any("Enter" in s for s in stilt[:5])
    assert {
        k: svar[k] for k in ("diagnose", "kommune", "fastlege", "koordinator", "telefon")
    } == dict.fromkeys(("diagnose", "kommune", "fastlege", "koordinator", "telefon"))


def test_a_wrong_fodselsnummer_is_refused_at_once_and_asked_again(register, syntetisk_fnr):
    nummer = syntetisk_fnr()
    feil_nummer = nummer[:10] + str((int(nummer[10]) + 1) % 10)
    stilt, _, les = skriptet(feil_nummer, nummer, "Kari", "15.01.2026", "", "", "", "", "")
    feil: list[str] = []

    svar = be_om_feltene(Kontroll(register, IDAG), {}, les, feil.append)

    # Asked again straight after the number, before the name: nothing typed later is lost.
    assert stilt[0].startswith("Fødselsnummer") and stilt[1].startswith("Fødselsnummer")
    assert stilt[2].startswith("Navn")
    assert len(feil) == 1 and "Kontrollsifrene stemmer ikke" in feil[0]
    assert svar["fnr"] == nummer


def test_an_impossible_date_is_asked_again_without_an_option_name_in_the_message(register, syntetisk_fnr):
    _, _, les = skriptet(syntetisk_fnr(), "Kari", "31.02.2026", "15.1.26", "", "", "", "", "")
    feil: list[str] = []

    svar = be_om_feltene(Kontroll(register, IDAG), {}, les, feil.append)

    assert feil == ["Datoen «31.02.2026» finnes ikke i kalenderen."]
    assert svar["navn"] == "Kari"  # kept from before the mistake
    assert svar["diagnosedato"] == date(2026, 1, 15)


def test_a_diagnosis_date_in_the_future_or_before_birth_is_asked_again(register, syntetisk_fnr):
    nummer = syntetisk_fnr(date(1960, 5, 17))
    _, _, les = skriptet(nummer, "Kari", "24.11.2026", "1.1.1950", "2026-11-23", "", "", "", "", "")
    feil: list[str] = []

    svar = be_om_feltene(Kontroll(register, IDAG), {}, les, feil.append)

    assert "ligger fram i tid" in feil[0]
    assert "før fødselsdatoen" in feil[1]
    assert svar["diagnosedato"] == IDAG


def test_a_wrong_icd10_code_is_asked_again(register, syntetisk_fnr):
    _, _, les = skriptet(syntetisk_fnr(), "Kari", "1.11.26", "brystkreft", "C50", "", "", "", "")
    feil: list[str] = []

    svar = be_om_feltene(Kontroll(register, IDAG), {}, les, feil.append)

    assert len(feil) == 1 and "er ikke en ICD-10-kode" in feil[0]
    assert svar["diagnose"] == "C50"


def test_an_already_registered_number_is_asked_again(register, ny_pasient, syntetisk_fnr):
    finnes = ny_pasient()["fnr"]
    _, _, les = skriptet(finnes, syntetisk_fnr(), "Kari", "1.11.26", "", "", "", "", "")
    feil: list[str] = []

    be_om_feltene(Kontroll(register, IDAG), {}, les, feil.append)

    assert len(feil) == 1 and feil[0].startswith("Fødselsnummeret er allerede registrert")


def test_fields_given_as_options_are_checked_first_and_not_asked_for(register, syntetisk_fnr):
    stilt, _, les = skriptet("Kari", "", "", "", "", "")

    svar = be_om_feltene(
        Kontroll(register, IDAG), {"fnr": syntetisk_fnr(), "diagnosedato": "15.1.26"}, les, lambda _: None
    )

    assert [s.split(" (")[0] for s in stilt][0] == "Navn"
    assert not any(s.startswith(("Fødselsnummer", "Diagnosedato")) for s in stilt)
    assert svar["diagnosedato"] == date(2026, 1, 15)


def test_a_wrong_option_ends_the_dialogue_before_anything_is_asked(register):
    _, _, les = skriptet()

    with pytest.raises(UgyldigInndata, match="^--diagnosedato: Datoen «31.02.2026» finnes ikke"):
        be_om_feltene(Kontroll(register, IDAG), {"diagnosedato": "31.02.2026"}, les, lambda _: None)


def test_a_test_number_in_a_real_register_names_the_command_that_allows_them(kjor, syntetisk_fnr):
    resultat = kjor(
        "ny-pasient",
        "--fnr",
        syntetisk_fnr(),
        "--navn",
        "Kari",
        "--diagnosedato",
        "1.11.26",
        "--idag",
        "2026-11-23",
    )

    assert resultat.exit_code == 2
    assert "pakkehjem innstillinger tillat_syntetiske ja" in melding(resultat)


def test_short_dates_work_in_the_options_too(kjor, testregister, syntetisk_fnr):
    resultat = kjor(
        "ny-pasient",
        "--fnr",
        syntetisk_fnr(),
        "--navn",
        "Kari",
        "--diagnosedato",
        "2.11.26",
        "--idag",
        "2026-11-23",
        "--json",
    )

    assert json_ut(resultat)["forlop"][0]["diagnosedato"] == "2026-11-02"


def test_missing_fields_without_a_terminal_are_exit_2_and_nothing_is_made(kjor, db_sti):
    resultat = kjor("ny-pasient", "--navn", "Kari")

    assert resultat.exit_code == 2
    assert melding(resultat).startswith("Mangler --fnr.")
    assert not db_sti.exists()


def test_the_whole_dialogue_in_a_real_terminal(testregister, syntetisk_fnr, kjor, varm):
    """As a coordinator types it: a mistake in the number, a wrong date, Enter past the optional
    fields. The program is forked on a terminal of its own from the worker's warm Python."""
    nummer = syntetisk_fnr()
    miljo = {**os.environ, "PAKKEHJEM_DB": str(testregister), "NO_COLOR": "1", "TERM": "xterm"}
    prosess = varm.terminal(
        ["ny-pasient", "--idag", "2026-11-23"],
        modul="pakkehjem",
        miljo=miljo,
        cwd=Path.cwd(),
        dimensions=(40, 120),
        timeout=15,
    )
    prosess.delaybeforesend = None  # each line waits for its question anyway
    try:
        prosess.expect_exact("Fødselsnummer (11 siffer): ")
        prosess.sendline("12345678901")
        prosess.expect_exact("Kontrollsifrene stemmer ikke")
        prosess.expect_exact("Fødselsnummer (11 siffer): ")
        prosess.sendline(nummer)
        prosess.expect_exact("Navn: ")
        prosess.sendline("Kari Nordmann")
        prosess.expect_exact("Diagnosedato")
        prosess.sendline("31.02.2026")
        prosess.expect_exact("finnes ikke i kalenderen")
        prosess.expect_exact("Diagnosedato")
        prosess.sendline("2.11.26")
        prosess.expect_exact("Diagnose, ICD-10-kode")
        prosess.sendline("C50.9")
        for _ in range(4):
            prosess.expect_exact("(Enter hopper over): ")
            prosess.sendline("")
        # A new register: which service it belongs to is asked after the patient's fields.
        prosess.expect_exact("Hvilken tjeneste")
        prosess.sendline("kommune")
        prosess.expect_exact("Registrert som pasient nr. 1.")
        til_slutten(prosess)
    finally:
        prosess.close(force=True)
    assert prosess.exitstatus == 0

    vist = json_ut(kjor("vis", "1", "--json", "--idag", "2026-11-23"))
    assert vist["navn"] == "Kari Nordmann"
    assert vist["forlop"][0]["diagnosedato"] == "2026-11-02"
    assert vist["forlop"][0]["diagnose"] == "C50.9"
