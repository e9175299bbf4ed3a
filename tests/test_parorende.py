"""The relatives' own needs: a theme of their own in the guide, kept apart from the patient's needs,
and a short section in the letters to the GP and the municipality only when the relative agreed.

Pakkeforløp hjem looks for psychosocial needs "hos pasienter og deres pårørende" (seed 001); an
exhausted daughter's needs are hers, not the patient's.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from brevdata import BREVDATO, FULL, hold_samtale, lag_pasient, sett_avsender
from hjelp import json_ut
from pakkehjem import guide as guide_modul

PARORENDE = {
    "parorende_med": True,
    "parorende_hvem": "datter",
    "parorende_belastning": 8,
    "parorende_trenger": ["informasjon", "avlastning"],
    "parorende_notat": "Sover dårlig, har tatt ut all ferie.",
    "parorende_tiltak": [
        {"hva": "Vurdere avlastningsopphold", "ansvarlig": "kommunen", "frist": "2026-12-10"}
    ],
}


def pasient_med(kjor: Callable, ny_pasient: Callable, tmp_path: Path, **svar: object) -> int:
    pasient = lag_pasient(ny_pasient)
    hold_samtale(kjor, tmp_path, pasient["id"], {**FULL, **svar})
    sett_avsender(kjor)
    return pasient["id"]


def brev(kjor: Callable, pid: int, til: str, *args: str) -> str:
    ekstra = ["--navn", "Arbeidsgiver AS"] if til == "annen" else []
    resultat = kjor("brev", str(pid), "--til", til, "--brevdato", BREVDATO, *ekstra, *args)
    assert resultat.exit_code == 0, resultat.output
    return resultat.stdout


# --- the guide ------------------------------------------------------------------------------


def test_the_default_guide_has_a_theme_for_the_relatives_own_needs():
    guiden = guide_modul.last_guide()
    tema = next(t for t in guiden.tema if t.parorende)
    sporsmal = {s.id: s for s in tema.sporsmal}

    belastning = sporsmal["parorende_belastning"]
    assert belastning.type == "skala" and (belastning.min, belastning.max) == (0, 10)
    assert belastning.flagg_fra == 4  # flagged like the patient's strain
    assert belastning.min_tekst and belastning.max_tekst  # anchored ends
    assert set(sporsmal["parorende_trenger"].valg or ()) >= {"informasjon", "støtte og samtale", "avlastning"}
    assert tema.deling_sporsmal() is sporsmal["parorende_deling"]
    assert sporsmal["parorende_tiltak"].type == "tiltak"


def test_guide_json_marks_the_relatives_theme(kjor, testregister):
    data = json_ut(kjor("guide", "--json"))
    merket = [t["id"] for t in data["tema"] if t.get("parorende")]
    assert merket == ["parorende"]


def test_a_relatives_theme_without_the_relatives_agreement_question_is_refused(kjor, tmp_path):
    fil = tmp_path / "guide.yaml"
    fil.write_text(
        'id: egen\ntittel: "Egen"\nversjon: "1"\ntema:\n'
        '  - id: viktig\n    tittel: "Viktig"\n    sporsmal:\n'
        '      - {id: hva_er_viktig, tekst: "Hva er viktig?", type: tekst}\n'
        '  - id: parorende\n    tittel: "Pårørende"\n    parorende: true\n    sporsmal:\n'
        '      - {id: parorende_belastning, tekst: "Belastning?", type: skala, min: 0, max: 10,'
        ' min_tekst: "ingen", max_tekst: "mye"}\n',
        encoding="utf-8",
    )
    resultat = kjor("sjekk-guide", str(fil))
    assert resultat.exit_code == 2
    assert "tema «parorende»" in resultat.stderr and "_deling" in resultat.stderr


# --- the letters ---------------------------------------------------------------------------


@pytest.mark.parametrize("til", ["fastlege", "kommune"])
def test_the_gp_and_municipality_letters_get_a_section_when_the_relative_agreed(
    kjor, ny_pasient, tmp_path, til
):
    pid = pasient_med(kjor, ny_pasient, tmp_path, **PARORENDE, parorende_deling=True)

    tekst = brev(kjor, pid, til)

    seksjon = tekst[tekst.index("PÅRØRENDES EGNE BEHOV") :]
    assert "Den pårørende har i samtalen sagt ja til at dette deles" in seksjon
    assert (
        "Belastning siste uke: 8 av 10 (0 = ingen belastning, 10 = ekstrem belastning) – "
        "markert for oppfølging (4 eller mer)" in " ".join(seksjon.split())
    )
    assert "Trenger selv: informasjon, avlastning" in seksjon
    assert "Vurdere avlastningsopphold" in seksjon
    assert "Pårørende: datter" in seksjon


@pytest.mark.parametrize("format_", ["md", "html"])
def test_the_section_is_in_every_letter_format(kjor, ny_pasient, tmp_path, format_):
    pid = pasient_med(kjor, ny_pasient, tmp_path, **PARORENDE, parorende_deling=True)

    tekst = brev(kjor, pid, "fastlege", "--format", format_)

    assert "Pårørendes egne behov" in tekst
    assert "Vurdere avlastningsopphold" in tekst


def test_nynorsk_letter_has_the_section_in_nynorsk(kjor, ny_pasient, tmp_path):
    pid = pasient_med(kjor, ny_pasient, tmp_path, **PARORENDE, parorende_deling=True)

    tekst = brev(kjor, pid, "kommune", "--sprak", "nynorsk")

    assert "PÅRØRANDE SINE EIGNE BEHOV" in tekst
    assert "Den pårørande har i samtalen sagt ja" in tekst


@pytest.mark.parametrize("deling", [False, None])
@pytest.mark.parametrize("til", ["fastlege", "kommune"])
def test_nothing_of_the_relative_is_shared_without_the_relatives_yes(kjor, ny_pasient, tmp_path, deling, til):
    svar = {**PARORENDE} if deling is None else {**PARORENDE, "parorende_deling": deling}
    pid = pasient_med(kjor, ny_pasient, tmp_path, **svar)

    tekst = brev(kjor, pid, til)

    for privat in ("datter", "Sover dårlig", "Vurdere avlastningsopphold", "Pårørendes egne behov".upper()):
        assert privat not in tekst


@pytest.mark.parametrize("til", ["sykehus", "nav", "annen", "pasient", "ny_kommune"])
def test_other_recipients_never_get_the_relatives_section(kjor, ny_pasient, tmp_path, til):
    pid = pasient_med(kjor, ny_pasient, tmp_path, **PARORENDE, parorende_deling=True)
    args = ["--navn", "Voss kommune"] if til == "ny_kommune" else []

    tekst = brev(kjor, pid, til, *args)

    assert "Vurdere avlastningsopphold" not in tekst
    assert "Sover dårlig" not in tekst


def test_the_relatives_strain_is_never_one_of_the_patients_scores(kjor, ny_pasient, tmp_path):
    pid = pasient_med(kjor, ny_pasient, tmp_path, **PARORENDE, parorende_deling=True)

    tekst = brev(kjor, pid, "fastlege")

    skarer = tekst[tekst.index("SKÅRER") if "SKÅRER" in tekst else 0 : tekst.index("PÅRØRENDES EGNE BEHOV")]
    assert "8 av 10" not in skarer
    assert "Belastning siste uke: 6 av 10" in skarer  # the patient's own


def test_the_relatives_section_follows_the_patients_consent_to_the_letter(kjor, ny_pasient, tmp_path):
    """The relative said yes, but the patient objected to the GP letter: no letter at all."""
    pid = pasient_med(kjor, ny_pasient, tmp_path, **PARORENDE, parorende_deling=True, samtykke_fastlege=False)

    resultat = kjor("brev", str(pid), "--til", "fastlege", "--brevdato", BREVDATO)

    assert resultat.exit_code == 1
    assert "datter" not in resultat.output


def test_statistics_do_not_count_the_relatives_strain_as_the_patients_need(
    kjor, ny_pasient, tmp_path, db_sti
):
    """A patient with no need of their own, whose daughter is at 8 of 10: not a patient with a need."""
    from pakkehjem import statistikk
    from pakkehjem.register import Register

    uten_behov = {
        "samtaleform": "kontor",
        "hva_er_viktig": "Ro.",
        "familie_behov": "ingen behov",
        "belastning_grad": 1,
    }
    pid = lag_pasient(ny_pasient)["id"]
    hold_samtale(
        kjor, tmp_path, pid, {**uten_behov, **PARORENDE, "parorende_tiltak": [], "parorende_deling": True}
    )

    register = Register.fra_fil(db_sti)
    try:
        # The thresholds the statistics count a flagged need by (one per scale question with
        # flagg_fra in the guides of the period's conversations).
        terskler = statistikk.terskler(register, date(2026, 1, 1), date(2026, 12, 31))
    finally:
        register.lukk()

    sporsmal = {sporsmal_id for _, sporsmal_id, _ in terskler}
    assert "belastning_grad" in sporsmal
    assert "parorende_belastning" not in sporsmal
