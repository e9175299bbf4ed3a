"""Privacy evidence (domain.md, "Privacy"; design.md, "Storage"):

1. every command that touches a patient writes access-log rows (`tilgangslogg`) for exactly the
   patients it touched, with the action and the operating-system user; a command that is in
   neither the covered table nor the commented list of commands that touch no patient fails
   the test, so a new command cannot slip through;
2. no failure puts a patient's name or fødselsnummer (or its masked part) on stderr, beyond the
   reference the user typed: unknown references, refusals, bad dates, duplicates, wrong states,
   a busy database, a damaged file and the "unexpected error" path;
3. under a permissive umask (000) every file the console script creates is 0600 and every
   folder 0700: the database and its -wal/-shm, letters, calendar, exports, statistics, the
   backup, the data folder and the letter-template cache;
4. a static check (ast) of src/pakkehjem: no `print` outside the display modules, no output
   calls outside the front modules, no logging or traceback printing, and no raised exception
   whose message interpolates a variable named like patient data. Its self-test shows that it
   passes correct code and fails a newly added leak.

The register the tests use is built once (four patients with distinctive names and synthetic
numbers) and copied for each test. Part 3 runs the console script as real processes (about
0.3 s each, a PDF letter and `krypter` more): the file takes about 15 s of CPU in all.
PAKKEHJEM_PERSONVERN_ALT=1 adds the file formats that share a code path with one covered,
and traces (strace, where present) every command of the file-mode test, not only the two
whose files live for a moment.

The figure for the closing note (commands covered by the access-log test):
`python -m pytest tests/test_personvern.py -q -s -k dekker`.
"""

from __future__ import annotations

import ast
import json
import os
import random
import re
import shutil
import sqlite3
import stat
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import typer.main

from hjelp import kildetre
from pakkehjem import fnr as fnr_regler
from pakkehjem import livslop
from pakkehjem.cli import app
from pakkehjem.register import Register, bruker
from pakkehjem.register.brevlogg import Brevlogg
from pakkehjem.register.pasienter import Pasienter
from pakkehjem.register.punkter import Punkter
from pakkehjem.samtale import fra_svarfil
from pakkehjem.vedlikehold import handling_tekst
from samtalehjelp import skriv_guide
from varm_prosess import VarmProsess

IDAG = date.today()  # `samtale` and `samtykke` refuse dates after the system date
DIAGNOSEDATO = IDAG - timedelta(days=21)  # SP1 is in its window today
SAMTALEDATO = IDAG - timedelta(days=7)
NESTE_DATO = IDAG + timedelta(days=80)  # SP2 booked by the conversation

# The patients of the prepared register: distinctive names that no message could hold by chance.
NAVN = {
    1: "Ragnhild Østby-Kvernmo",  # SP1 held (answers file), an overdue action, SP2 booked
    2: "Torbjørn Hægeland-Sæther",  # declined SP1; objects to letters to the GP
    3: "Gunnvor Lillehammer-Bjørk",  # SP1 in its window, nothing done yet
    4: "Sigurd Aasgaard-Møllerløkken",  # episode ended: died
}
FODT = {1: date(1961, 3, 4), 2: date(1948, 7, 19), 3: date(1977, 12, 30), 4: date(1939, 1, 11)}
KOORDINATOR = {1: "Kari Koordinator", 2: "Kari Koordinator", 3: "Per Persen", 4: "Per Persen"}
NY = 5  # the first patient number a command adds to the prepared register

SVAR_P1 = {
    "form": "kontor",
    "tilstede": ["pasient"],
    "behov": "behov",
    "barn": True,
    "barn_notat": "To barn, 8 og 12 år.",
    "barn_tiltak": [
        {
            "hva": "Ringe helsesykepleier",
            "ansvarlig": "kommunen",
            "frist": (IDAG - timedelta(days=2)).isoformat(),  # overdue today
        }
    ],
    "belastning": 6,
    "samtykke_fastlege": True,
    "neste_dato": NESTE_DATO.isoformat(),
}

# What a patient said in an answers file and rows of a spreadsheet: none of it may reach stderr.
FRITEKST_NAVN = "Brynhildur Kvalsvik-Aamodt"
IMPORTNAVN = ("Solveig Førstegang-Lie", "Kopi Kopiersen-Dahl", "Andrea Annengang-Vik")


# The parsed modules (hjelp.kildetre) are let go after this module's tests (conftest).
pytestmark = pytest.mark.usefixtures("kildetraer_slippes")


@dataclass(frozen=True)
class Mal:
    """The prepared register (built once) and what the tests need to know about it."""

    db: Path
    mappe: Path
    fnr: dict[int, str]
    tiltak_id: int
    nye_fnr: tuple[str, ...]  # synthetic numbers not in the register


def _syntetisk(fodt: date, brukt: set[str]) -> str:
    rng = random.Random(fodt.toordinal())
    while True:
        nummer = fnr_regler.lag_syntetisk(fodt, rng)
        if nummer not in brukt:
            brukt.add(nummer)
            return nummer


@pytest.fixture(scope="module")
def mal(tmp_path_factory: pytest.TempPathFactory) -> Mal:
    """One register with four patients in different states, built through the core API."""
    mappe = tmp_path_factory.mktemp("personvern")
    db = mappe / "mal.db"
    brukt: set[str] = set()
    fnr = {nr: _syntetisk(FODT[nr], brukt) for nr in NAVN}
    nye = tuple(_syntetisk(date(1990 + i, 5, 17), brukt) for i in range(4))
    guide = skriv_guide(mappe)
    svarfil = mappe / "svar-p1.json"
    svarfil.write_text(json.dumps(SVAR_P1), encoding="utf-8")
    register = Register.fra_fil(db)
    try:
        register.sett_innstilling("tillat_syntetiske", "ja")
        register.sett_innstilling("guide", str(guide))
        for nr, navn in NAVN.items():
            pid = register.pasienter.ny(
                fnr=fnr[nr],
                navn=navn,
                diagnosedato=DIAGNOSEDATO,
                idag=IDAG,
                kommune="Bodø",
                fastlege="Lege Legesen",
                koordinator=KOORDINATOR[nr],
                telefon="99887766",
            )
            assert pid == nr
        fra_svarfil(register, "1", 1, SAMTALEDATO, svarfil)
        # A letter needs a sender; the structured handover of patient 1 is read in by `motta`.
        register.sett_innstilling("avsender_navn", "Kari Koordinator")
        from pakkehjem.brev import lag_brev

        overforing = lag_brev(register, "1", "kommune", idag=IDAG, format_="fhir").innhold
        (mappe / "overforing.json").write_bytes(overforing)
        register.punkter.endre("2", 1, "avslatt", idag=IDAG, dato=IDAG + timedelta(days=30))
        register.samtykker.registrer("2", "fastlege", False, IDAG, idag=IDAG)
        register.punkter.avslutt("4", livslop.les_grunn("dod"), IDAG, IDAG)
        tiltak_id = register.db.execute("SELECT id FROM tiltak WHERE pasient_id = 1").fetchone()[0]
    finally:
        register.lukk()
    return Mal(db=db, mappe=mappe, fnr=fnr, tiltak_id=tiltak_id, nye_fnr=nye)


@pytest.fixture
def register_fra_mal(mal: Mal, db_sti: Path) -> Mal:
    """This test's register (PAKKEHJEM_DB) is a fresh copy of the prepared one."""
    shutil.copyfile(mal.db, db_sti)
    db_sti.chmod(0o600)  # as the tool made it (`sjekk` reports a file others can read)
    return mal


def _fyll_inn(args: Sequence[str], verdier: dict[str, str]) -> list[str]:
    return [a.format(**verdier) for a in args]


def _verdier(mal: Mal, tmp_path: Path) -> dict[str, str]:
    """The placeholders a case's arguments may use, and the files they name."""
    svarfil = tmp_path / "svar.json"
    svarfil.write_text(
        json.dumps({"form": "hjemme", "behov": "ingen behov", "belastning": 2}), encoding="utf-8"
    )
    importfil = tmp_path / "import.csv"
    importfil.write_text(
        "Fødselsnummer;Navn;Diagnosedato\n"
        f"{mal.nye_fnr[0]};{IMPORTNAVN[0]};{DIAGNOSEDATO.isoformat()}\n"
        f"{mal.fnr[1]};{IMPORTNAVN[1]};{DIAGNOSEDATO.isoformat()}\n"
        f"{mal.nye_fnr[1]};{IMPORTNAVN[2]};{DIAGNOSEDATO.isoformat()}\n",
        encoding="utf-8",
    )
    return {
        **{f"fnr{nr}": nummer for nr, nummer in mal.fnr.items()},
        "ny_fnr": mal.nye_fnr[2],
        "tiltak": str(mal.tiltak_id),
        "idag": IDAG.isoformat(),
        "imorgen": (IDAG + timedelta(days=1)).isoformat(),
        "om_en_uke": (IDAG + timedelta(days=7)).isoformat(),
        "svarfil": str(svarfil),
        "importfil": str(importfil),
        "mottafil": str(mal.mappe / "overforing.json"),
        "ut": str(tmp_path / "ut"),
        "ar": str(IDAG.year),
    }


def _logg_etter(db: Path, etter_id: int) -> list[tuple[str, str, int, str]]:
    tilkobling = sqlite3.connect(db)
    try:
        return tilkobling.execute(
            "SELECT tid, bruker, pasient_id, handling FROM tilgangslogg WHERE id > ? ORDER BY id",
            (etter_id,),
        ).fetchall()
    finally:
        tilkobling.close()


def _siste_logg_id(db: Path) -> int:
    tilkobling = sqlite3.connect(db)
    try:
        return tilkobling.execute("SELECT coalesce(max(id), 0) FROM tilgangslogg").fetchone()[0]
    finally:
        tilkobling.close()


# --- 1. the access log ---------------------------------------------------------------------------

# The conversation at a terminal for patient 3 (test guide): form, who is present, need,
# strain, consent, next date, and yes to finishing.
TERMINALSAMTALE = "".join(
    f"{linje}\n"
    for linje in ("2", "1", "ingen behov", "2", "nei", (IDAG + timedelta(days=100)).strftime("%d.%m.%Y"), "")
)

ALLE = {1, 2, 3, 4}
AKTIVE = {1, 2, 3}


def _rader(pasienter: set[int], *handlinger: str) -> set[tuple[int, str]]:
    return {(p, h) for p in pasienter for h in handlinger}


# (args, the access-log rows it must add as {(patient, action)}, input). Every command that
# touches a patient has at least one case here; a list command logs every patient it lists.
TILGANG: dict[str, tuple[list[str], set[tuple[int, str]], str | None]] = {
    "ny-pasient": (
        ["ny-pasient", "--fnr", "{ny_fnr}", "--navn", "Ny Pasientsen", "--diagnosedato", "{idag}"],
        _rader({NY}, "ny-pasient", "vis-ny"),
        None,
    ),
    "vis": (["vis", "1"], _rader({1}, "vis"), None),
    "vis-fnr": (["vis", "{fnr2}", "--json"], _rader({2}, "vis"), None),
    "pasienter": (["pasienter"], _rader(AKTIVE, "pasienter"), None),
    "pasienter-alle": (["pasienter", "--alle", "--json"], _rader(ALLE, "pasienter"), None),
    "endre": (["endre", "2", "--telefon", "11223344"], _rader({2}, "endre"), None),
    "avtal": (["avtal", "3", "{imorgen}", "--kl", "10:00"], _rader({3}, "sp-avtalt"), None),
    "utsett": (["utsett", "3", "{om_en_uke}", "--grunn", "innlagt"], _rader({3}, "sp-utsatt"), None),
    "avsla": (["avsla", "3", "--spor-igjen", "{om_en_uke}"], _rader({3}, "sp-avslatt"), None),
    "bortfall": (["bortfall", "3", "--grunn", "flyttet"], _rader({3}, "sp-bortfalt"), None),
    "holdt": (
        ["holdt", "3", "--sp", "1", "--dato", "{idag}", "--av", "Sykehuset Østfold"],
        _rader({3}, "sp-holdt"),
        None,
    ),
    "gjenapne": (["gjenapne", "1", "--sp", "1", "--grunn", "Feil punkt"], _rader({1}, "gjenapne"), None),
    # A name search shows every patient it finds (masked): each one is logged.
    "finn": (["finn", "Gunnvor", "--json"], _rader({3}, "finn"), None),
    "endre-diagnose": (["endre", "3", "--diagnose", "C50.9"], _rader({3}, "korriger"), None),
    # Every open contact point of an active episode from 2000 to 2100: patients 1, 2 and 3.
    "forfaller": (
        ["forfaller", "--fra", "2000-01-01", "--til", "2100-12-31", "--json"],
        _rader(AKTIVE, "forfaller"),
        None,
    ),
    # Counts only: no patient's data is shown, nothing is logged (oversikt.py).
    "oversikt": (["oversikt"], set(), None),
    # One coordinator: the lists of who declined (patient 2) and overdue actions (patient 1).
    "oversikt-koordinator": (
        ["oversikt", "--koordinator", "Kari Koordinator", "--json"],
        {(2, "oversikt"), (1, "tiltak")},
        None,
    ),
    "samtale": (
        ["samtale", "3"],
        _rader({3}, "samtale", "samtale-svar", "samtale-fullfort"),
        TERMINALSAMTALE,
    ),
    "samtale-svarfil": (
        ["samtale", "3", "--svar", "{svarfil}"],
        _rader({3}, "samtale-svarfil", "samtale-fullfort"),
        None,
    ),
    "tiltak": (["tiltak"], _rader({1}, "tiltak"), None),
    "tiltak-utfort": (["tiltak-utfort", "{tiltak}"], _rader({1}, "tiltak-utfort"), None),
    "samtykke": (["samtykke", "3", "--til", "nav", "--ja"], _rader({3}, "samtykke"), None),
    # Reading what the letter is made of, then recording the letter written.
    "brev": (["brev", "1", "--til", "fastlege"], _rader({1}, "brev", "brev-fastlege"), None),
    "innkalling": (["innkalling", "1", "--sp", "2"], _rader({1}, "innkalling", "innkalling-pasient"), None),
    # A message without a conversation: the declined point of patient 2, to the GP.
    "brev-melding": (
        ["brev", "2", "--til", "sykehus", "--melding", "avslag"],
        _rader({2}, "brev", "avslag-sykehus"),
        None,
    ),
    # Patient 1's handover read in: matched by fødselsnummer, its actions copied.
    "motta": (["motta", "{mottafil}"], _rader({1}, "motta"), None),
    "avslutt": (["avslutt", "3", "--grunn", "onske"], _rader({3}, "avslutt"), None),
    "residiv": (["residiv", "1", "--diagnosedato", "{idag}"], _rader({1}, "residiv"), None),
    "kalender": (["kalender"], _rader({1}, "kalender"), None),  # patient 1's booked SP2
    # Asked for one patient with nothing booked: still an access to that patient.
    "kalender-pasient": (["kalender", "3"], _rader({3}, "kalender"), None),
    # The log names the patients in it and can be shown to the patient (Normen, fact sheet 15):
    # reading it is itself an access, logged for every patient shown.
    "logg": (["logg", "1"], _rader({1}, "logg"), None),
    "logg-alle": (["logg", "--json"], _rader(ALLE, "logg"), None),
    "eksport": (["eksport", "pasienter"], _rader(ALLE, "eksport"), None),
    # Without name, number and phone the rows still carry the local number, birth year and
    # diagnosis: pseudonymous health data that the register can tie back to the person. Logged.
    "eksport-uten-personopplysninger": (
        ["eksport", "alt", "--format", "json", "--uten-personopplysninger"],
        _rader(ALLE, "eksport"),
        None,
    ),
    # The spreadsheet's own numbers are looked up (patient 1 is there already: logged), the
    # two new patients are logged as imported.
    "importer": (
        ["importer", "{importfil}", "--hopp-over-feil"],
        {(1, "importer-kontroll"), (NY, "importer"), (NY + 1, "importer")},
        None,
    ),
    "eksempeldata": (["eksempeldata", "--antall", "2"], _rader({NY, NY + 1}, "eksempeldata"), None),
}

# Commands that touch no single patient, each with why, and arguments that run it.
INGEN_PASIENT: dict[str, tuple[str, list[str]]] = {
    "avsender": ("the sender of letters: a setting", ["avsender", "--navn", "Kari Koordinator"]),
    "dbsti": ("prints a path; opens nothing", ["dbsti"]),
    "guide": ("the interview guide: data, not a patient's", ["guide", "--json"]),
    "sjekk-guide": ("checks a guide file; opens no register", ["sjekk-guide", "{guidefil}"]),
    "hefte": ("the blank booklet from the guide: no patient in it", ["hefte", "--format", "txt"]),
    "innstillinger": ("the register's settings", ["innstillinger", "--json"]),
    # Counts per contact point and group, 1 to 4 shown as «<5» and shares of fewer than 5
    # as «n<5»: no name, number or row of any patient is shown, so no patient was looked at.
    "statistikk": ("aggregates only, small counts suppressed", ["statistikk", "--ar", "{ar}", "--json"]),
    # The copy is the whole register file, access log included; it shows no one and is made
    # by whoever operates the register. Logging every patient on each nightly backup would
    # fill the log with rows that say nothing about who looked at whom.
    "sikkerhetskopi": ("copies the whole file, shows no patient", ["sikkerhetskopi", "{ut}"]),
    # integrity_check and foreign_key_check read pages, not patients; the report names none.
    "sjekk": ("checks the file; the report names no patient", ["sjekk", "--json"]),
    # Like the backup: the whole file, access log included, made into an encrypted one.
    "krypter": ("encrypts the whole file, shows no patient", ["krypter", "--til", "{ut}"]),
}
NOKKEL = "en lang nøkkel for testregisteret"  # PAKKEHJEM_NOKKEL for `krypter`
# PAKKEHJEM_PERSONVERN_ALT=1: the file-mode test also writes the formats that share a code path
# with one already covered (a Markdown letter, more exports).
ALT = bool(os.environ.get("PAKKEHJEM_PERSONVERN_ALT"))


def _kommandoer_i_tilgangstabellen() -> set[str]:
    return {args[0] for args, _, _ in TILGANG.values()}


def test_hver_kommando_er_dekket_av_tilgangsloggtesten_eller_begrunnet_uten_pasient() -> None:
    alle = set(typer.main.get_command(app).commands)  # type: ignore[attr-defined]
    dekket = _kommandoer_i_tilgangstabellen()
    assert not dekket & set(INGEN_PASIENT), "a command cannot both touch a patient and not"
    uten_plass = alle - dekket - set(INGEN_PASIENT)
    assert not uten_plass, (
        f"New commands {sorted(uten_plass)}: add a case to TILGANG (it touches a patient) or an "
        "entry with the reason to INGEN_PASIENT."
    )
    assert not (dekket | set(INGEN_PASIENT)) - alle, "the tables name commands that are gone"


def test_tilgangsloggtesten_dekker_kommandoene() -> None:
    """The figure for the closing note: commands covered by the access-log test."""
    dekket = sorted(_kommandoer_i_tilgangstabellen())
    print(f"\ncommands covered by the access-log test: {len(dekket)} ({', '.join(dekket)})")
    print(f"commands that touch no patient (explained): {len(INGEN_PASIENT)} ({', '.join(INGEN_PASIENT)})")
    assert len(dekket) + len(INGEN_PASIENT) == len(typer.main.get_command(app).commands)  # type: ignore[attr-defined]


def _sjekk_rader(rader: list[tuple[str, str, int, str]]) -> None:
    """Each row: now, this operating-system user, and an action that has words for people."""
    na = datetime.now().astimezone()
    for tid, hvem, _, handling in rader:
        assert hvem == bruker()
        assert abs((na - datetime.fromisoformat(tid)).total_seconds()) < 300, tid
        assert handling_tekst(handling) != handling, (
            f"«{handling}» has no words in vedlikehold.HANDLING_TEKST"
        )


@pytest.mark.parametrize("tilfelle", list(TILGANG))
def test_kommando_som_rorer_en_pasient_skriver_tilgangslogg_for_akkurat_de_pasientene(
    kjor: Callable, register_fra_mal: Mal, db_sti: Path, tmp_path: Path, tilfelle: str
) -> None:
    args, forventet, inndata = TILGANG[tilfelle]
    for_ = _siste_logg_id(db_sti)
    resultat = kjor(*_fyll_inn(args, _verdier(register_fra_mal, tmp_path)), input=inndata)
    assert resultat.exit_code == 0, (resultat.stdout, resultat.stderr)
    rader = _logg_etter(db_sti, for_)
    assert {(pid, handling) for _, _, pid, handling in rader} == forventet
    _sjekk_rader(rader)


@pytest.mark.parametrize("kommando", list(INGEN_PASIENT))
def test_kommando_uten_pasient_skriver_ingen_tilgangslogg(
    kjor: Callable, register_fra_mal: Mal, db_sti: Path, tmp_path: Path, kommando: str
) -> None:
    _, args = INGEN_PASIENT[kommando]
    verdier = {
        **_verdier(register_fra_mal, tmp_path),
        "guidefil": str(register_fra_mal.mappe / "testguide.yaml"),
    }
    for_ = _siste_logg_id(db_sti)
    if kommando == "krypter":
        pytest.importorskip("sqlcipher3")
    resultat = kjor(*_fyll_inn(args, verdier), env={"PAKKEHJEM_NOKKEL": NOKKEL})
    assert resultat.exit_code == 0, (resultat.stdout, resultat.stderr)
    assert _logg_etter(db_sti, for_) == []
    for nr, navn in NAVN.items():  # and it shows no one
        assert navn not in resultat.stdout + resultat.stderr
        assert register_fra_mal.fnr[nr][:6] not in resultat.stdout + resultat.stderr


# --- 2. no patient data on stderr when something fails ---------------------------------------------


def _biter(tekst: str) -> set[str]:
    """A name and its parts (a message could hold just the surname), at least four letters."""
    deler = {tekst, *tekst.split(), *(d for ord_ in tekst.split() for d in ord_.split("-"))}
    return {d for d in deler if len(d) >= 4}


def lekkasjer(stderr: str, mal: Mal, skrevet: Sequence[str], ekstra: Sequence[str] = ()) -> list[str]:
    """Names, numbers and masked numbers of the register's patients (and `ekstra`: what a file
    held) found in `stderr`, apart from what the user typed on the command line."""
    flat = " ".join(stderr.split())  # rich may fold lines
    siffer = "".join(stderr.split())
    skrevet_flat = " ".join(" ".join(skrevet).split())
    skrevet_siffer = "".join("".join(skrevet).split())
    funn = []
    navn = [*NAVN.values(), *(e for e in ekstra if not e.isdigit())]
    numre = [*mal.fnr.values(), *mal.nye_fnr, *(e for e in ekstra if e.isdigit())]
    for et_navn in navn:
        funn += [b for b in _biter(et_navn) if b in flat and b not in skrevet_flat]
    for nummer in numre:
        for bit in (nummer, nummer[:6], nummer[6:], fnr_regler.masker(nummer)):
            if bit in siffer and bit not in skrevet_siffer:
                funn.append(bit)
    return funn


def _ren_feil(resultat: Any, kode: int) -> None:
    assert resultat.exit_code == kode, (resultat.exit_code, resultat.stdout, resultat.stderr)
    assert isinstance(resultat.exception, SystemExit), repr(resultat.exception)
    assert "Traceback" not in resultat.stderr
    assert resultat.stderr.strip(), "a failure says what was wrong"


# (arguments, exit code). Placeholders as in `_verdier`, and {ukjent_fnr}, {feil_fnr} (patient
# 1's number with a wrong check digit), {fram} (a future date), {svarfil_ugyldig} (answers that
# hold a name in free text and an invalid value), {importfil_feil} (rows with errors).
FEIL: dict[str, tuple[list[str], int]] = {
    # unknown or impossible references
    "vis-ukjent-nummer": (["vis", "99"], 1),
    "vis-ukjent-fnr": (["vis", "{ukjent_fnr}"], 1),
    # A name matching no active patient (patient 4 is no longer active): echoed, as typed.
    "vis-navn-som-referanse": (["vis", NAVN[4]], 1),
    "vis-etternavn-som-referanse": (["vis", "Aasgaard-Møllerløkken"], 1),
    "vis-fnr-med-feil-kontrollsiffer": (["vis", "{feil_fnr}"], 2),
    "endre-ukjent": (["endre", "99", "--telefon", "1"], 1),
    "avtal-ukjent-fnr": (["avtal", "{ukjent_fnr}", "{imorgen}"], 1),
    "utsett-ukjent": (["utsett", "99", "{imorgen}", "--grunn", "syk"], 1),
    "avsla-ukjent": (["avsla", "99", "--spor-igjen", "{imorgen}"], 1),
    "bortfall-ukjent": (["bortfall", "99", "--grunn", "flyttet"], 1),
    "samtale-ukjent": (["samtale", "99"], 1),
    "samtale-svarfil-ukjent": (["samtale", "{ukjent_fnr}", "--svar", "{svarfil}"], 1),
    "samtykke-ukjent": (["samtykke", "99", "--til", "nav", "--ja"], 1),
    "brev-ukjent": (["brev", "{ukjent_fnr}", "--til", "fastlege"], 1),
    "innkalling-ukjent": (["innkalling", "99"], 1),
    "avslutt-ukjent": (["avslutt", "99", "--grunn", "onske"], 1),
    "residiv-ukjent": (["residiv", "99", "--diagnosedato", "{idag}"], 1),
    "kalender-ukjent": (["kalender", "{ukjent_fnr}"], 1),
    "logg-ukjent": (["logg", "99"], 1),
    "tiltak-utfort-ukjent": (["tiltak-utfort", "999"], 1),
    # consent
    "brev-til-fastlege-pasienten-motsatte-seg": (["brev", "2", "--til", "fastlege"], 1),
    "brev-til-nav-uten-samtykke": (["brev", "{fnr3}", "--til", "nav"], 1),
    "brev-til-ukjent-mottaker": (["brev", "1", "--til", "naboen"], 2),
    "samtykke-ukjent-mottaker": (["samtykke", "1", "--til", "naboen", "--ja"], 2),
    # bad dates and bad values
    "avtal-dato-som-ikke-finnes": (["avtal", "1", "31.02.2027"], 2),
    "utsett-til-en-passert-dato": (["utsett", "3", "2020-01-01", "--grunn", "syk"], 2),
    "avsla-uten-dato": (["avsla", "3", "--spor-igjen", "neste uke"], 2),
    "samtale-fram-i-tid": (["samtale", "3", "--dato", "{fram}"], 2),
    "samtykke-fram-i-tid": (["samtykke", "3", "--til", "nav", "--ja", "--dato", "{fram}"], 2),
    "avslutt-fram-i-tid": (["avslutt", "3", "--grunn", "onske", "--dato", "{fram}"], 2),
    "residiv-fram-i-tid": (["residiv", "1", "--diagnosedato", "{fram}"], 2),
    "residiv-for-forrige-diagnose": (["residiv", "1", "--diagnosedato", "2000-01-01"], 2),
    "logg-til-for-fra": (["logg", "1", "--fra", "{idag}", "--til", "2000-01-01"], 2),
    "endre-tomt-navn": (["endre", "1", "--navn", " "], 2),
    "avtal-klokkeslett": (["avtal", "1", "{imorgen}", "--kl", "25:99"], 2),
    "samtale-ugyldige-svar": (["samtale", "3", "--svar", "{svarfil_ugyldig}"], 2),
    # registering: a duplicate and invalid numbers
    "ny-pasient-duplikat": (
        ["ny-pasient", "--fnr", "{fnr1}", "--navn", "Et Annet Navn", "--diagnosedato", "{idag}"],
        1,
    ),
    "ny-pasient-duplikat-med-mellomrom": (
        ["ny-pasient", "--fnr", "{fnr2_mellomrom}", "--navn", "Et Annet Navn", "--diagnosedato", "{idag}"],
        1,
    ),
    "ny-pasient-feil-kontrollsiffer": (
        ["ny-pasient", "--fnr", "{feil_fnr}", "--navn", "Et Annet Navn", "--diagnosedato", "{idag}"],
        2,
    ),
    "ny-pasient-diagnose-for-fodsel": (
        ["ny-pasient", "--fnr", "{ny_fnr}", "--navn", "Et Annet Navn", "--diagnosedato", "1950-01-01"],
        2,
    ),
    "importer-rader-med-feil": (["importer", "{importfil_feil}"], 2),
    # the wrong state
    "avtal-avsluttet-forlop": (["avtal", "4", "{imorgen}"], 1),
    "bortfall-gjennomfort-punkt": (["bortfall", "1", "--sp", "1", "--grunn", "flyttet"], 1),
    "samtale-gjennomfort-punkt": (["samtale", "1", "--sp", "1"], 1),
    "samtale-svarfil-gjennomfort-punkt": (["samtale", "1", "--sp", "1", "--svar", "{svarfil}"], 1),
    "brev-uten-fullfort-samtale": (["brev", "3", "--til", "fastlege"], 1),
    "innkalling-uten-avtale": (["innkalling", "3"], 1),
    "avslutt-avsluttet": (["avslutt", "4", "--grunn", "onske"], 1),
    "residiv-etter-dod": (["residiv", "4", "--diagnosedato", "{idag}"], 1),
}

# What the failing files hold: a patient's words and the spreadsheet's names and numbers.
FILINNHOLD_NAVN = (FRITEKST_NAVN, "Idunn Feilsen-Rud", "Oddvar Dobbelsen-Haug")


def _feilverdier(mal: Mal, tmp_path: Path) -> tuple[dict[str, str], list[str]]:
    """The placeholders of FEIL, and the names and numbers the failing files hold."""
    verdier = _verdier(mal, tmp_path)
    feil_fnr = mal.fnr[1][:-1] + str((int(mal.fnr[1][-1]) + 1) % 10)
    svarfil = tmp_path / "ugyldige-svar.json"
    svarfil.write_text(
        json.dumps(
            {"form": "kontor", "tilstede": ["pasient", "tolk"], "tolk_navn": FRITEKST_NAVN, "belastning": 99},
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    importfil = tmp_path / "import-feil.csv"
    importfil.write_text(
        "Fødselsnummer;Navn;Diagnosedato;Diagnose\n"
        f"{mal.fnr[2]};{FILINNHOLD_NAVN[2]};{DIAGNOSEDATO.isoformat()};C50.9\n"
        f"{feil_fnr};{FILINNHOLD_NAVN[1]};{DIAGNOSEDATO.isoformat()};C50.9\n"
        f"{mal.nye_fnr[3]};{FRITEKST_NAVN};2999-01-01;C50.9\n"
        f"{mal.nye_fnr[3]};{FILINNHOLD_NAVN[2]};{DIAGNOSEDATO.isoformat()};C50.9\n",
        encoding="utf-8",
    )
    verdier.update(
        ukjent_fnr=mal.nye_fnr[1],
        feil_fnr=feil_fnr,
        fnr2_mellomrom=f"{mal.fnr[2][:6]} {mal.fnr[2][6:]}",
        fram=(IDAG + timedelta(days=3)).isoformat(),
        svarfil_ugyldig=str(svarfil),
        importfil_feil=str(importfil),
    )
    return verdier, [*FILINNHOLD_NAVN, feil_fnr, mal.nye_fnr[3]]


@pytest.mark.parametrize("tilfelle", list(FEIL))
def test_feilmeldingen_har_ingen_pasientdata_utover_det_brukeren_skrev(
    kjor: Callable, register_fra_mal: Mal, tmp_path: Path, tilfelle: str
) -> None:
    args, kode = FEIL[tilfelle]
    verdier, i_filene = _feilverdier(register_fra_mal, tmp_path)
    skrevet = _fyll_inn(args, verdier)
    resultat = kjor(*skrevet)
    _ren_feil(resultat, kode)
    assert lekkasjer(resultat.stderr, register_fra_mal, skrevet, i_filene) == [], resultat.stderr


def test_et_navn_skrevet_som_referanse_vises_bare_slik_det_ble_skrevet(
    kjor: Callable, register_fra_mal: Mal
) -> None:
    """The check above is no blunter than it must be: what the user typed may come back."""
    resultat = kjor("vis", NAVN[4])  # a name as the reference; patient 4 is no longer active
    _ren_feil(resultat, 1)
    assert NAVN[4] in resultat.stderr
    assert lekkasjer(resultat.stderr, register_fra_mal, ()) != []  # found when it was not typed


@pytest.fixture
def opptatt_register(register_fra_mal: Mal, db_sti: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Mal]:
    """Another connection holds the write lock (BEGIN IMMEDIATE) while the command runs."""
    monkeypatch.setenv("PAKKEHJEM_VENTETID", "0.05")
    holder = sqlite3.connect(db_sti, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        yield register_fra_mal
    finally:
        holder.execute("ROLLBACK")
        holder.close()


# Every patient-touching case of the access-log table, run while the register cannot be used.
@pytest.mark.parametrize("tilfelle", list(TILGANG))
def test_opptatt_database_gir_melding_uten_pasientdata(
    kjor: Callable, opptatt_register: Mal, db_sti: Path, tmp_path: Path, tilfelle: str
) -> None:
    args, _, inndata = TILGANG[tilfelle]
    skrevet = _fyll_inn(args, _verdier(opptatt_register, tmp_path))
    resultat = kjor(*skrevet, input=inndata)
    _ren_feil(resultat, 1)
    assert "opptatt" in resultat.stderr
    assert lekkasjer(resultat.stderr, opptatt_register, skrevet, IMPORTNAVN) == [], resultat.stderr


@pytest.mark.parametrize("tilfelle", list(TILGANG))
def test_skadet_database_gir_melding_uten_pasientdata(
    kjor: Callable, register_fra_mal: Mal, db_sti: Path, tmp_path: Path, tilfelle: str
) -> None:
    with db_sti.open("r+b") as fil:  # keep the header page, ruin the rest
        fil.seek(4096)
        fil.write(random.Random(11).randbytes(db_sti.stat().st_size - 4096))
    args, _, inndata = TILGANG[tilfelle]
    skrevet = _fyll_inn(args, _verdier(register_fra_mal, tmp_path))
    resultat = kjor(*skrevet, input=inndata)
    _ren_feil(resultat, 1)
    assert "skadet" in resultat.stderr, resultat.stderr
    assert lekkasjer(resultat.stderr, register_fra_mal, skrevet, IMPORTNAVN) == [], resultat.stderr


class _Lekk(Exception):
    """An exception from deep inside whose text carries a patient's name and number."""


@pytest.mark.parametrize(
    ("metode", "args"),
    [
        ("Pasienter.vis", ["vis", "1"]),
        ("Pasienter.liste_json", ["pasienter"]),
        ("Punkter.endre", ["avtal", "1", "{imorgen}"]),
        ("Brevlogg.brevgrunnlag", ["brev", "1", "--til", "fastlege"]),
        ("Punkter.forfaller_json", ["forfaller", "--json"]),
        ("Pasienter.finn_id", ["samtale", "1"]),
    ],
)
@pytest.mark.parametrize("feiltype", [_Lekk, KeyError, sqlite3.OperationalError, ValueError])
def test_uventet_feil_viser_bare_feiltypen(
    kjor: Callable,
    register_fra_mal: Mal,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    metode: str,
    args: list[str],
    feiltype: type[Exception],
) -> None:
    tekst = f"{NAVN[1]} {register_fra_mal.fnr[1]} {SVAR_P1['barn_notat']}"

    def feiler(*_a: Any, **_k: Any) -> Any:
        raise feiltype(tekst)

    gruppe, navn = metode.split(".")
    monkeypatch.setattr(
        {"Pasienter": Pasienter, "Punkter": Punkter, "Brevlogg": Brevlogg}[gruppe], navn, feiler
    )
    skrevet = _fyll_inn(args, _verdier(register_fra_mal, tmp_path))
    resultat = kjor(*skrevet)
    _ren_feil(resultat, 1)
    # Only the type: "Uventet feil (KeyError)", or "Databasefeil (OperationalError)" for an
    # SQLite error inside a transaction (register.py maps those).
    assert f"feil ({feiltype.__name__})" in resultat.stderr
    assert SVAR_P1["barn_notat"] not in resultat.stderr  # what the patient said
    assert lekkasjer(resultat.stderr + resultat.stdout, register_fra_mal, skrevet) == []


UVENTET_I_PROSESS = """
import sys
from pakkehjem import cli
from pakkehjem.register.pasienter import Pasienter

HEMMELIG = sys.argv.pop(1)  # the text of the exception, not a command-line argument


def feiler(*a, **k):
    raise RuntimeError(HEMMELIG)

Pasienter.vis = feiler
sys.argv[0] = "pakkehjem"
cli.main()
"""


def test_uventet_feil_i_konsollskriptet_gir_ingen_traceback_og_ingen_pasientdata(
    register_fra_mal: Mal, db_sti: Path, tmp_path: Path
) -> None:
    hemmelig = f"{NAVN[2]} {register_fra_mal.fnr[2]}"
    resultat = subprocess.run(
        [sys.executable, "-c", UVENTET_I_PROSESS, hemmelig, "vis", "2"],
        capture_output=True,
        text=True,
        timeout=60,
        env=_miljo_for_prosess(tmp_path, db_sti),
    )
    assert resultat.returncode == 1, resultat.stderr
    assert resultat.stdout == ""
    assert "Traceback" not in resultat.stderr
    assert "Uventet feil (RuntimeError)" in resultat.stderr
    assert lekkasjer(resultat.stderr, register_fra_mal, ["2"]) == [], resultat.stderr


def _miljo_for_prosess(rot: Path, db: Path | None) -> dict[str, str]:
    """The environment of a child process: everything it may create lies under `rot`."""
    miljo = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PAKKEHJEM_", "XDG_")) and k not in ("HOME", "FORCE_COLOR", "COLUMNS")
    }
    miljo.update(
        HOME=str(rot / "hjem"),
        XDG_DATA_HOME=str(rot / "hjem" / ".local" / "share"),
        XDG_CACHE_HOME=str(rot / "hjem" / ".cache"),
        XDG_CONFIG_HOME=str(rot / "hjem" / ".config"),
        NO_COLOR="1",
        PAKKEHJEM_VENTETID="2",
    )
    if db is not None:
        miljo["PAKKEHJEM_DB"] = str(db)
    return miljo


# --- 3. files for the owner only, even under umask 000 ---------------------------------------------


def _konsollskript() -> Path:
    skript = Path(sys.executable).parent / "pakkehjem"
    if not skript.exists():
        funnet = shutil.which("pakkehjem")
        if funnet is None:
            pytest.skip("the console script pakkehjem is not installed")
        skript = Path(funnet)
    return skript


def _alt_under(rot: Path) -> dict[Path, int]:
    """Every file and folder under `rot` with its permission bits (links not followed)."""
    funnet = {}
    for mappe, mapper, filer in os.walk(rot):
        for navn in (*mapper, *filer):
            sti = Path(mappe) / navn
            funnet[sti] = stat.S_IMODE(sti.lstat().st_mode)
    return funnet


def _feil_modus(sti: Path, modus: int) -> str | None:
    onsket = 0o700 if sti.is_dir() else 0o600
    return None if modus == onsket else f"{sti}: {modus:04o}, not {onsket:04o}"


# What the warm process imports before the first command: the entry point, the command line and
# what most commands here load on their own (the letters and their templates).
class Umaskkjoring:
    """Runs the console script with umask 000 (set in the child before it starts) and collects
    every file and folder each run created, with its mode.

    Each run is a process of its own, forked from the worker's warm Python (the `varm` fixture,
    tests/varm_prosess.py) that runs the console script file as its `__main__`: what a run
    creates is created by that process, after its umask is 000, as when the shell starts it,
    without a Python start-up per command. The warm Python has only imported modules (no
    pakkehjem module reads the environment or makes a file when imported); every folder and
    file is made by a command, in its own process. Under `foran` (strace) the script is started
    from nothing, as strace needs."""

    def __init__(self, rot: Path, varm: VarmProsess):
        self.rot = rot
        self.arbeid = rot / "arbeid"
        self.arbeid.mkdir()
        self.skript = _konsollskript()
        self.miljo = _miljo_for_prosess(rot, None)  # no --db and no PAKKEHJEM_DB: the data folder
        self.laget: dict[Path, int] = {}
        self.kommandoer: list[str] = []
        self.foran: list[str] = []  # a command to run the script under (strace)
        self.varm = varm

    def __call__(
        self, *args: str, ny_fil: bool = True, miljo: dict[str, str] | None = None, valgfri: bool = False
    ) -> subprocess.CompletedProcess[str]:
        """Run; `ny_fil`: the command must make at least one file or folder; `valgfri`: it may
        fail (a part that is not installed), and then must have made nothing."""
        for_ = _alt_under(self.rot)
        if self.foran:
            resultat = subprocess.run(
                [*self.foran, str(self.skript), *args],
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                timeout=120,
                cwd=self.arbeid,
                env={**self.miljo, **(miljo or {})},
                preexec_fn=lambda: os.umask(0),  # noqa: PLW1509 (no threads in the child yet)
            )
        else:
            kode, ut, feil = self.varm.kjor(
                args, skript=self.skript, miljo={**self.miljo, **(miljo or {})}, cwd=self.arbeid, umask=0
            )
            resultat = subprocess.CompletedProcess(args, kode, ut.decode(), feil.decode())
        etter = _alt_under(self.rot)
        nye = {sti: modus for sti, modus in etter.items() if sti not in for_}
        if valgfri and resultat.returncode == 1:
            assert nye == {}, nye
            return resultat
        assert resultat.returncode == 0, (args, resultat.stdout, resultat.stderr)
        assert nye or not ny_fil, args
        self.laget.update(nye)
        self.kommandoer.append(args[0])
        return resultat

    def hold_apen(self, *args: str) -> dict[Path, int]:
        """Start a command that waits for input with the register open (the conversation), and
        return the files beside the database while it is open: the -wal and -shm of SQLite."""
        db = self.rot / "hjem" / ".local" / "share" / "pakkehjem" / "pakkehjem.db"
        # The conversation needs a terminal: a pseudo-terminal of its own (no CPR answers there).
        prosess = self.varm.terminal(
            args,
            skript=self.skript,
            miljo={**self.miljo, "PROMPT_TOOLKIT_NO_CPR": "1", "TERM": "xterm"},
            cwd=self.arbeid,
            umask=0,
        )
        try:
            frist = time.monotonic() + 30
            apne = [Path(f"{db}-wal"), Path(f"{db}-shm")]
            while not all(f.exists() for f in apne) and time.monotonic() < frist:
                time.sleep(0.02)
            assert prosess.isalive(), "the conversation should be waiting for an answer"
            funnet = {f: stat.S_IMODE(f.stat().st_mode) for f in apne}
        finally:
            prosess.close()  # the terminal is closed: the conversation is kept, the process ends
        self.laget.update(funnet)
        return funnet


def test_hver_fil_verktoyet_lager_er_0600_og_hver_mappe_0700_selv_med_umask_000(
    tmp_path: Path, syntetisk_fnr: Callable, varm: VarmProsess
) -> None:
    rot = tmp_path / "umask"
    rot.mkdir()
    skript = Umaskkjoring(rot, varm)
    inndata = rot / "inndata"  # the test's own files: guide and answers
    inndata.mkdir()
    guide = skriv_guide(inndata)
    svarfil = inndata / "svar.json"
    svarfil.write_text(json.dumps(SVAR_P1), encoding="utf-8")

    # First use without --db: the data folder and the register are made.
    skript("innstillinger", "tillat_syntetiske", "ja")
    data = rot / "hjem" / ".local" / "share" / "pakkehjem"
    assert data / "pakkehjem.db" in skript.laget and data in skript.laget
    skript("innstillinger", "guide", str(guide), ny_fil=False)
    skript(
        "ny-pasient", "--fnr", syntetisk_fnr(), "--navn", NAVN[1],
        "--diagnosedato", DIAGNOSEDATO.isoformat(), ny_fil=False,
    )  # fmt: skip
    skript("samtale", "1", "--svar", str(svarfil), "--dato", SAMTALEDATO.isoformat(), ny_fil=False)
    skript("avsender", "--navn", "Kari Koordinator", ny_fil=False)  # a letter needs a sender
    for format_ in ("txt", "html", *(("md",) if ALT else ())):
        skript("brev", "1", "--til", "fastlege", "--format", format_, "-o", f"brev.{format_}")
    skript("brev", "1", "--til", "kommune", "--format", "fhir", "-o", "overforing.json")
    # Without -o a PDF is a new file in the current folder, named without patient data. It
    # fails (exit 1, nothing made) where WeasyPrint or its system libraries are missing.
    if skript("brev", "1", "--til", "fastlege", "--format", "pdf", valgfri=True).returncode == 0:
        assert any(sti.suffix == ".pdf" for sti in skript.laget)
    gammel = skript.arbeid / "gammelt-brev.txt"
    gammel.write_text("lesbar for alle\n")
    gammel.chmod(0o644)
    skript("brev", "1", "--til", "fastlege", "-o", str(gammel), "--overskriv", ny_fil=False)
    skript.laget[gammel] = stat.S_IMODE(gammel.stat().st_mode)  # replaced, not created
    skript("innkalling", "1", "--sp", "2", "--format", "html", "-o", "innkalling.html")
    skript("kalender", "-o", "avtaler.ics")
    skript("eksport", "pasienter", "-o", "pasienter.csv")
    skript("eksport", "tiltak", "-o", "tiltak.json")
    skript("eksport", "alt", "-o", "eksport")  # a new folder with one file per table
    assert skript.arbeid / "eksport" in skript.laget
    if ALT:
        skript("eksport", "samhandlingspunkter", "-o", "anonym.csv", "--uten-personopplysninger")
        skript("eksport", "alt", "--format", "json", "-o", "alt.json")
        skript("logg", "--json", ny_fil=False)
    skript("statistikk", "--ar", str(IDAG.year), "-o", "statistikk.csv")
    skript("sikkerhetskopi", "kopi.db")
    try:
        import sqlcipher3  # noqa: F401
    except ImportError:
        pass
    else:
        skript("krypter", "--til", "kryptert.db", miljo={"PAKKEHJEM_NOKKEL": NOKKEL})
    # The database's companions exist only while it is open: looked at during a conversation.
    apne = skript.hold_apen("samtale", "1")
    assert len(apne) == 2

    feil = [f for sti, modus in sorted(skript.laget.items()) if (f := _feil_modus(sti, modus))]
    assert feil == [], "\n".join(feil)
    # The letter templates' cache is among what was made (it is code that runs: 0700/0600).
    assert any(".cache" in sti.parts for sti in skript.laget)
    runder = len(skript.kommandoer) + 1
    print(f"\n{len(skript.laget)} files and folders from {runder} runs, all 0600/0700")


def test_umaskkjoringen_fanger_en_fil_som_andre_kan_lese(tmp_path: Path, varm: VarmProsess) -> None:
    """The check above can fail: a program that does not set its umask leaves 0666 behind."""
    rot = tmp_path / "umask"
    rot.mkdir()
    slurvete = tmp_path / "slurvete"
    slurvete.write_text(f"#!{sys.executable}\nopen('lekk.txt', 'w').write('pasientdata')\n")
    slurvete.chmod(0o700)
    skript = Umaskkjoring(rot, varm)
    skript.skript = slurvete
    skript("noe")
    assert [f for sti, modus in skript.laget.items() if (f := _feil_modus(sti, modus))] == [
        f"{skript.arbeid / 'lekk.txt'}: 0666, not 0600"
    ]


# Every file a process creates, even one that lives for a moment (SQLite's journal while
# `VACUUM INTO` writes the backup), seen through the system calls: the mode asked for, less the
# umask of the moment, or what a later chmod set.
_SYSKALL = re.compile(
    r"^(?P<pid>\d+) +(?P<kall>openat|open|creat|mkdirat|mkdir|umask|chmod|fchmodat|fchmod"
    r"|linkat|link|renameat2|renameat|rename)"
    r"\((?:AT_FDCWD, )?(?P<args>.*)\) += (?P<svar>-?\d+)"
)


def _opprettet_i_sporet(spor: str, cwd: Path, fantes: set[Path]) -> dict[Path, int]:
    """{path: mode it was created with} from an strace log, for paths that did not exist."""
    umask: dict[str, int] = {}
    fd: dict[tuple[str, int], Path] = {}
    laget: dict[Path, int] = {}
    for linje in spor.splitlines():
        treff = _SYSKALL.match(linje)
        if not treff:
            continue
        pid, kall, args, svar = treff["pid"], treff["kall"], treff["args"], int(treff["svar"])
        if kall == "umask":
            umask[pid] = int(args, 8)
            continue
        if svar < 0:
            continue
        if kall == "fchmod":
            nummer, modus = args.split(", ")
            if (pid, int(nummer)) in fd:
                laget[fd[(pid, int(nummer))]] = int(modus, 8)
            continue
        stier = [Path(os.path.normpath(cwd / navn)) for navn in re.findall(r'"([^"]*)"', args)]
        if kall.startswith(("link", "rename")):  # the new name has the mode of the file
            if stier[0] in laget:
                laget[stier[1]] = laget[stier[0]]
            continue
        sti = stier[0]
        modus = int(args.rsplit(", ", 1)[1], 8) if args.rsplit(", ", 1)[1].startswith("0") else None
        if kall in ("chmod", "fchmodat"):
            if sti in laget and modus is not None:
                laget[sti] = modus
            continue
        if kall.startswith("open"):
            fd[(pid, svar)] = sti
            if "O_CREAT" not in args:
                continue
        if sti in fantes or sti in laget or modus is None:
            continue
        laget[sti] = modus & ~umask.get(pid, 0)
    return laget


def test_ogsaa_filer_som_bare_finnes_et_oyeblikk_lages_for_eieren_alene(
    tmp_path: Path, varm: VarmProsess
) -> None:
    """With strace (skipped without it): the database, its -wal, -shm and journals, the backup
    and its journal, letters and exports, each at the moment it is created."""
    strace = shutil.which("strace")
    if strace is None or subprocess.run([strace, "-o", os.devnull, "true"], capture_output=True).returncode:
        pytest.skip("strace is missing or may not trace here")
    rot = tmp_path / "umask"
    rot.mkdir()
    skript = Umaskkjoring(rot, varm)
    inndata = rot / "inndata"
    inndata.mkdir()
    guide = skriv_guide(inndata)
    svarfil = inndata / "svar.json"
    svarfil.write_text(json.dumps(SVAR_P1), encoding="utf-8")
    laget: dict[Path, int] = {}
    fnr = _syntetisk(FODT[1], set())
    kommandoer = [
        ["innstillinger", "tillat_syntetiske", "ja"],  # the data folder and the database
        ["innstillinger", "guide", str(guide)],
        ["ny-pasient", "--fnr", fnr, "--navn", NAVN[1], "--diagnosedato", DIAGNOSEDATO.isoformat()],
        ["samtale", "1", "--svar", str(svarfil), "--dato", SAMTALEDATO.isoformat()],
        ["brev", "1", "--til", "fastlege", "-o", "brev.txt"],
        ["brev", "1", "--til", "fastlege", "-o", "brev.txt", "--overskriv"],  # a temporary file
        ["eksport", "alt", "-o", "eksport"],
        ["kalender", "-o", "avtaler.ics"],
        ["sikkerhetskopi", "kopi.db"],  # a journal beside the copy while it is written
    ]
    if not ALT:  # by default what the walk in the test above cannot see
        kommandoer = [k for k in kommandoer if k[0] in ("innstillinger", "sikkerhetskopi")]
    for nr, args in enumerate(kommandoer):
        spor = tmp_path / f"spor-{nr}.txt"
        skript.foran = [strace, "-f", "-qq", "-o", str(spor), "-e", "trace=%file,umask,fchmod"]
        for_ = set(_alt_under(rot))
        skript(*args, ny_fil=False)
        laget.update(_opprettet_i_sporet(spor.read_text(), skript.arbeid, for_ | set(laget)))
    laget = {sti: modus for sti, modus in laget.items() if sti.is_relative_to(rot)}
    navn = {sti.name for sti in laget}
    assert {"pakkehjem.db", "pakkehjem.db-wal", "pakkehjem.db-shm", "kopi.db"} <= navn
    assert "brev.txt" in navn or not ALT
    assert any(n.endswith("-journal") for n in navn), navn  # the backup's, while it is written
    feil = [f"{sti}: {modus:04o}" for sti, modus in sorted(laget.items()) if modus not in (0o600, 0o700)]
    assert feil == [], "\n".join(feil)


def test_sporlesingen_regner_ut_modusen_filen_fikk() -> None:
    """The reading of the strace log above: the umask of the moment, chmod, and a rename."""
    spor = "\n".join(
        [
            '7 openat(AT_FDCWD, "/r/for.txt", O_WRONLY|O_CREAT|O_TRUNC|O_CLOEXEC, 0666) = 3',
            "7 umask(077)                        = 000",
            '7 openat(AT_FDCWD, "/r/db", O_RDWR|O_CREAT|O_NOFOLLOW|O_CLOEXEC, 0644) = 4',
            '7 openat(AT_FDCWD, "/r/fantes", O_RDWR|O_CREAT|O_CLOEXEC, 0666) = 5',
            '7 openat(AT_FDCWD, "/r/les", O_RDONLY|O_CLOEXEC) = 6',
            '7 openat(AT_FDCWD, "x.tmp", O_RDWR|O_CREAT|O_EXCL|O_CLOEXEC, 0600) = 7',
            "7 fchmod(7, 0644)                   = 0",
            '7 rename("/r/a/x.tmp", "/r/a/brev.txt") = 0',
            '7 mkdir("/r/ny", 0777)              = 0',
            '7 openat(AT_FDCWD, "/r/finnes-ikke", O_RDWR|O_CREAT, 0666) = -1 EACCES (Permission denied)',
        ]
    )
    assert _opprettet_i_sporet(spor, Path("/r/a"), {Path("/r/fantes")}) == {
        Path("/r/for.txt"): 0o666,  # before main() set the umask
        Path("/r/db"): 0o600,
        Path("/r/a/x.tmp"): 0o644,
        Path("/r/a/brev.txt"): 0o644,
        Path("/r/ny"): 0o700,
    }


# --- 4. the static check: no print, logging or patient data in exception messages -------------------

KILDE = Path(__file__).resolve().parents[1] / "src" / "pakkehjem"

# Builtin print: the display modules only; their job is tables and text on the terminal.
PRINT_TILLATT = frozenset({"visning.py", "visning_vedlikehold.py"})
# Terminal output of any kind (a rich console's print/log/input, echo, writes to sys.stdout or
# sys.stderr): the fronts only. cli.py maps results and errors to output; utdata.py is the JSON
# writer; samtale_terminal.py is the interview at the terminal (the engine, samtale.py, is not);
# inngang.py is the entry point, which writes the stored top-level help (no patient data in it);
# utgang.py ends a command, for cli.py and its fast path alike (a refusal, the line break before
# «Avbrutt»).
UTSKRIFT_TILLATT = PRINT_TILLATT | {"cli.py", "utdata.py", "samtale_terminal.py", "inngang.py", "utgang.py"}
# Modules that print or format tracebacks or keep a log: none may be used (a traceback or a log
# line can carry what a patient said; design.md, domain.md "Privacy").
FORBUDTE_MODULER = frozenset({"logging", "traceback", "faulthandler", "cgitb", "pprint"})
FORBUDTE_KALL = frozenset({"print_exc", "print_exception", "print_stack", "print_tb", "format_exc"})
UTSKRIFTSKALL = frozenset({"print", "print_json", "log", "echo", "secho"})
# Output outside the fronts that is right, by (module, function), with why.
UTSKRIFT_I_FUNKSJON = {
    ("brev.py", "lever"): "the letter itself to stdout, on a stream with no binary buffer (cli.md)",
}

# Parts of a snake_case name that say it holds patient data.
PASIENTORD = frozenset(
    {
        "navn", "navnet", "fnr", "fodselsnummer", "fodselsnr", "personnummer", "nummer", "telefon",
        "adresse", "epost", "svar", "svaret", "svarene", "tekst", "teksten", "merknad", "notat",
        "kommentar", "diagnose", "diagnosen", "fastlege", "grunn", "hva",
    }
)  # fmt: skip

# Interpolations in exception messages that are right, by (module, function, name), with why.
# A message may name the reference or value the user typed (to show the typo), a file path, a
# setting or a column; never a value read from the register.
TILLATT_I_MELDING = {
    ("register/pasienter.py", "finn_id", "nummer"): "the local number the user typed as REF",
    # A name typed as REF, echoed as typed; when several active patients fit, the refusal lists
    # them masked (issue 11: "lists them and exits 1"), and each one listed is access-logged.
    ("register/pasienter.py", "_finn_pa_navn", "tekst"): "the name the user typed as REF",
    ("regler.py", "normaliser_diagnose", "tekst"): "the ICD-10 code as typed, to show the typo",
    ("regler.py", "normaliser_klokkeslett", "tekst"): "the time of day as typed",
    ("livslop.py", "les_grunn", "tekst"): "the reason code as typed (dod, flyttet ...)",
    ("cli.py", "innstillinger_kommando", "navn"): "the name of a setting",
    ("innstillinger.py", "les_verdi", "navn"): "the name of a setting",
    ("importer.py", "finn_kolonner", "navn"): "a column header of the spreadsheet",
    ("innstillinger.py", "les", "hva"): "what the setting names (a file or a folder)",
    ("guide.py", "last_guide", "navn"): "the guide file's name",
    ("guide.py", "_gyldig_guide", "kilde_navn"): "the guide file's name",
    ("cli.py", "eksport_kommando", "hva"): "the table asked for (pasienter, tiltak ...)",
    ("samtykke.py", "krev_samtykke", "navn"): "the letter's recipient as typed with --navn (not the patient)",
}


def _identifikatorer(uttrykk: ast.AST) -> Iterator[str]:
    """The names whose values an expression puts into text: variables, attributes and constant
    keys; not the functions it calls, and not CONSTANTS (module-level tables of words)."""
    kalt = {id(node.func) for node in ast.walk(uttrykk) if isinstance(node, ast.Call)}
    for node in ast.walk(uttrykk):
        if id(node) in kalt:
            continue  # a function's or method's name; a method's object is still walked
        navn = None
        if isinstance(node, ast.Name):
            navn = node.id
        elif isinstance(node, ast.Attribute):
            navn = node.attr
        elif isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant):
            navn = str(node.slice.value)
        if navn and not navn.isupper():
            yield navn


def _er_pasientord(navn: str) -> bool:
    return any(del_ in PASIENTORD for del_ in navn.lower().split("_"))


def sjekk_kilde(kilde: str, modul: str, tre: ast.Module | None = None) -> list[str]:
    """What the static privacy check finds in one module's source: `modul:line: rule: what`
    (`tre`: the source already parsed)."""
    if tre is None:
        tre = ast.parse(kilde)
    funn: list[str] = []
    funksjon: dict[int, str] = {}  # id(node) -> the name of the (innermost) function it is in

    def merk(node: ast.AST, navn: str | None) -> None:
        # One pass down the tree: each node once, named for the nearest function around it.
        for barn in ast.iter_child_nodes(node):
            eget = barn.name if isinstance(barn, ast.FunctionDef | ast.AsyncFunctionDef) else navn
            if eget is not None:
                funksjon[id(barn)] = eget
            merk(barn, eget)

    merk(tre, None)

    def legg_til(node: ast.AST, regel: str, hva: str) -> None:
        funn.append(f"{modul}:{getattr(node, 'lineno', 0)}: {regel}: {hva}")

    for node in ast.walk(tre):
        if isinstance(node, ast.Import | ast.ImportFrom):
            moduler = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
            for m in moduler:
                if m.split(".")[0] in FORBUDTE_MODULER:
                    legg_til(node, "logging or traceback module", m)
            importert = node.names if isinstance(node, ast.ImportFrom) else []
            if any(a.name == "print" for a in importert) and modul not in PRINT_TILLATT:
                legg_til(node, "print imported", getattr(node, "module", "") or "")
        elif isinstance(node, ast.Call):
            f = node.func
            if isinstance(f, ast.Name) and f.id in ("print", "input"):
                if modul not in (PRINT_TILLATT if f.id == "print" else UTSKRIFT_TILLATT):
                    legg_til(node, f"{f.id}() outside the display modules", ast.unparse(node)[:60])
            elif isinstance(f, ast.Attribute) and f.attr in FORBUDTE_KALL:
                legg_til(node, "traceback printed", ast.unparse(f))
            elif (
                modul not in UTSKRIFT_TILLATT
                and (modul, funksjon.get(id(node))) not in UTSKRIFT_I_FUNKSJON
                and isinstance(f, ast.Attribute)
                # The call's text only where it decides (sys.stdout.write), not for every call.
                and (
                    f.attr in UTSKRIFTSKALL
                    or (
                        f.attr in ("write", "writelines")
                        and ast.unparse(f).startswith(
                            ("sys.stdout", "sys.stderr", "sys.__stdout__", "sys.__stderr__")
                        )
                    )
                )
            ):
                legg_til(node, "terminal output outside the fronts", ast.unparse(f))
        elif isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call):
            deler = [*node.exc.args, *(k.value for k in node.exc.keywords)]
            for del_ in deler:
                if isinstance(del_, ast.Constant):
                    continue
                for navn in _identifikatorer(del_):
                    nokkel = (modul, funksjon.get(id(node), "<modul>"), navn)
                    if _er_pasientord(navn) and nokkel not in TILLATT_I_MELDING:
                        legg_til(node, f"patient data «{navn}» in an exception message", nokkel[1])
    return funn


def _alle_moduler() -> list[Path]:
    # The store's package (register/) too: most messages about patients are raised there.
    return sorted(KILDE.rglob("*.py"))


def _navn(sti: Path) -> str:
    """A module's name in the exceptions above: its path below the package (register/punkter.py)."""
    return sti.relative_to(KILDE).as_posix()


def test_kildekoden_skriver_ikke_ut_og_logger_ikke_pasientdata() -> None:
    assert len(_alle_moduler()) > 20
    assert any(sti.parent.name == "register" for sti in _alle_moduler())
    funn = [
        f
        for sti in _alle_moduler()
        for f in sjekk_kilde(sti.read_text(encoding="utf-8"), _navn(sti), kildetre(sti))
    ]
    assert funn == [], "\n".join(funn)


def test_unntakene_i_sjekken_finnes_fortsatt() -> None:
    """An allowed interpolation whose function is gone is a stale exception: remove it."""
    funksjoner = {
        (_navn(sti), node.name)
        for sti in _alle_moduler()
        for node in ast.walk(kildetre(sti))
        if isinstance(node, ast.FunctionDef)
    }
    assert {(m, f) for m, f, _ in TILLATT_I_MELDING} <= funksjoner


LEKKER = """
def finn(db, ref):
    pasient = db.hent(ref)
    raise Duplikat(f"{pasient['navn']} er registrert fra før.")
"""


@pytest.mark.parametrize(
    ("kilde", "modul", "regel"),
    [
        (LEKKER, "register.py", "patient data «navn»"),
        ("def f(navn):\n    raise IkkeFunnet('Fant ikke {}'.format(navn))\n", "brev.py", "«navn»"),
        ("def f(p):\n    raise Avvist('Nummer %s' % p.fnr)\n", "livslop.py", "«fnr»"),
        ("def f(svar):\n    raise UgyldigInndata('Svaret ' + svar + ' er feil')\n", "samtale.py", "«svar»"),
        ("def f(merknad):\n    raise PakkehjemFeil(merknad)\n", "eksport.py", "«merknad»"),
        ("def f(pasient_navn):\n    raise X(melding=f'{pasient_navn}')\n", "kalender.py", "«pasient_navn»"),
        # the right name in the wrong function is not allowed either
        ("def annen(tekst):\n    raise UgyldigInndata(f'«{tekst}»')\n", "register.py", "«tekst»"),
        ("def f(x):\n    print(x)\n", "register.py", "print() outside"),
        ("from rich import print\n", "samtale.py", "print imported"),
        ("def f(k, x):\n    k.print(x)\n", "brev.py", "terminal output"),
        ("import sys\nsys.stderr.write('x')\n", "importer.py", "terminal output"),
        ("def skriv(x):\n    sys.stdout.write(x)\n", "brev.py", "terminal output"),  # not in lever()
        ("import typer\ntyper.echo('x')\n", "oversikt.py", "terminal output"),
        ("import logging\nlogging.getLogger(__name__).info('x')\n", "register.py", "logging"),
        ("from logging import getLogger\n", "cli.py", "logging"),  # not even in the front
        ("import traceback\n", "cli.py", "traceback"),
        ("def f(e):\n    e.print_exception()\n", "visning.py", "traceback printed"),
    ],
)
def test_sjekken_finner_en_ny_lekkasje(kilde: str, modul: str, regel: str) -> None:
    funn = sjekk_kilde(kilde, modul)
    assert any(regel in f for f in funn), funn


@pytest.mark.parametrize(
    ("kilde", "modul"),
    [
        # the reference the user typed, the local number, a path, a date, a table of words
        (
            "def finn_pasient_id(ref):\n    raise UgyldigInndata(f'«{ref}» er ikke en referanse.')\n",
            "register.py",
        ),
        (
            "def f(pasient_id):\n    raise Avvist(f'Pasient nr. {pasient_id} har ikke samtykket.')\n",
            "samtykke.py",
        ),
        (
            "def f(sti, feil):\n    raise PakkehjemFeil(f'Kan ikke skrive {sti} ({feil.strerror}).')\n",
            "filer.py",
        ),
        ("def f(dato):\n    raise UgyldigInndata(f'Datoen {norsk_dato(dato)} er passert.')\n", "register.py"),
        ("def f(m):\n    raise ManglerSamtykke(f'Brev til {NAVN[m]} krever samtykke.')\n", "samtykke.py"),
        ("def f(feil):\n    raise X(f'{type(feil).__name__}: {feil.tekst()}')\n", "importer.py"),
        # allowed by name in its own function: the ICD-10 code as the user typed it
        (
            "def normaliser_diagnose(tekst):\n    raise UgyldigInndata(f'«{tekst}» er ikke en kode.')\n",
            "regler.py",
        ),
        ("def f(x):\n    print(x)\n", "visning.py"),
        ("def f(k, x):\n    k.print(x)\n", "samtale_terminal.py"),
        ("import sys\nsys.stdout.write('[]')\n", "utdata.py"),
        ("def lever(brev):\n    sys.stdout.write(brev)\n", "brev.py"),
    ],
)
def test_sjekken_godtar_riktige_meldinger_og_utskrift_i_frontene(kilde: str, modul: str) -> None:
    assert sjekk_kilde(kilde, modul) == []
