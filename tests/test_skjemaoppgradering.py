"""Schema upgrades: a register made by an old release opens with today's code without losing a row.

The registers in tests/fixtures/ were made by the OLD commits' own code (58c00f1, the earliest
schema there ever was, and d6e3033, the earliest released one) by
tests/fixtures/lag_gamle_registre.py, never by hand and never by today's code; the manifest
gamle_registre.json holds, per table, the row count and a content hash taken when they were built.

Every migration appended to `MIGRASJONER` must pass this file: the old tables keep every row,
unchanged in their old columns, and today's commands work on the result. The test compares
against `len(MIGRASJONER)`, so a new migration needs no change here.
"""

from __future__ import annotations

import hashlib
import importlib.util
import io
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from hjelp import IDAG, json_ut
from pakkehjem.apning import apne_register
from pakkehjem.register import MIGRASJONER
from pakkehjem.register import skjema as register_modul

FIXTURES = Path(__file__).parent / "fixtures"
MANIFEST: dict[str, Any] = json.loads((FIXTURES / "gamle_registre.json").read_text(encoding="utf-8"))
REGISTRE: dict[str, dict[str, Any]] = MANIFEST["registre"]


def _bygger() -> Any:
    """The build script as a module: its `tabellhash` is the one the manifest was made with."""
    spec = importlib.util.spec_from_file_location("lag_gamle_registre", FIXTURES / "lag_gamle_registre.py")
    assert spec and spec.loader
    modul = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = modul  # dataclasses look their module up while the class is made
    spec.loader.exec_module(modul)
    return modul


bygger = _bygger()
FNR: dict[str, str] = bygger.FNR


@pytest.fixture(params=sorted(REGISTRE))
def gammelt(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[Path, dict[str, Any]]:
    """A copy of one old register (mode 0600, as the tool made it) and its manifest entry."""
    oppforing = REGISTRE[request.param]
    kopi = tmp_path / "gammelt" / oppforing["fil"]
    kopi.parent.mkdir()
    shutil.copyfile(FIXTURES / oppforing["fil"], kopi)
    os.chmod(kopi, 0o600)
    return kopi, oppforing


def _les(sti: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"{sti.resolve().as_uri()}?mode=ro", uri=True)


def _user_version(sti: Path) -> int:
    db = _les(sti)
    try:
        return db.execute("PRAGMA user_version").fetchone()[0]
    finally:
        db.close()


def _som_bygget(sti: Path, oppforing: dict[str, Any], *, lest_etterpa: bool) -> None:
    """Every old table is still there with every old row, unchanged in its old columns.

    `lest_etterpa`: today's code has read patients since, so the access log may have grown
    (its old rows, id <= maks_id, must still be the same).
    """
    db = _les(sti)
    try:
        na = bygger.tabeller(db)
        for tabell, gammel in oppforing["tabeller"].items():
            assert tabell in na, f"tabellen {tabell} er borte etter migreringen"
            mangler = set(gammel["kolonner"]) - set(na[tabell])
            assert not mangler, f"{tabell} har mistet kolonnene {sorted(mangler)}"
            antall = db.execute(f'SELECT count(*) FROM "{tabell}"').fetchone()[0]
            if lest_etterpa and tabell in bygger.VOKSENDE_TABELLER:
                assert antall >= gammel["rader"], (tabell, antall, gammel["rader"])
            else:
                assert antall == gammel["rader"], (tabell, antall, gammel["rader"])
            innhold = bygger.tabellhash(db, tabell, gammel["kolonner"], gammel.get("maks_id"))
            assert innhold == gammel["sha256"], f"radene i {tabell} er endret i sine gamle kolonner"
    finally:
        db.close()


def _hel(sti: Path) -> None:
    db = _les(sti)
    try:
        assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert db.execute("PRAGMA foreign_key_check").fetchall() == []
    finally:
        db.close()


def test_fiksturene_er_de_gamle_registrene_manifestet_beskriver(gammelt: tuple[Path, dict]) -> None:
    kopi, oppforing = gammelt
    assert hashlib.sha256(kopi.read_bytes()).hexdigest() == oppforing["fil_sha256"]
    assert _user_version(kopi) == oppforing["user_version"] <= len(MIGRASJONER)
    _som_bygget(kopi, oppforing, lest_etterpa=False)
    # Really old: 58c00f1 predates every table after the first migration.
    if oppforing["commit"].startswith("58c00f1"):
        assert oppforing["user_version"] == 1
        assert "samtale" not in oppforing["tabeller"]


def test_dagens_kode_migrerer_et_gammelt_register_uten_a_miste_en_rad(
    gammelt: tuple[Path, dict], kjor: Callable[..., Any]
) -> None:
    kopi, oppforing = gammelt
    # `sjekk` opens the file as it is: an old version is a note, not a problem.
    for_ = json_ut(kjor("--db", kopi, "sjekk", "--json"))
    assert for_["ok"] and for_["skjemaversjon"] == oppforing["user_version"]

    # The first ordinary command migrates: the work list, the coordinator's first read of the day.
    liste = json_ut(
        kjor(
            "--db", kopi, "forfaller", "--fra", "2026-10-01", "--til", "2026-12-31", "--dato", IDAG, "--json"
        )
    )
    assert _user_version(kopi) == len(MIGRASJONER)
    _som_bygget(kopi, oppforing, lest_etterpa=True)
    _hel(kopi)
    etter = json_ut(kjor("--db", kopi, "sjekk", "--json"))
    assert etter["ok"] and etter["skjemaversjon"] == len(MIGRASJONER), etter

    # Today's reading of the old rows agrees with them, patient by patient.
    db = _les(kopi)
    pasienter = db.execute("SELECT id, fnr, navn, status FROM pasient ORDER BY id").fetchall()
    apne = {
        (pid, nr, sp)
        for pid, nr, sp in db.execute(
            "SELECT f.pasient_id, f.nr, s.sp FROM samhandlingspunkt s JOIN forlop f ON f.id = s.forlop_id "
            "WHERE f.status = 'aktiv' AND s.status NOT IN ('gjennomfort', 'bortfalt') "
            "AND s.forfall_fra <= '2026-12-31'"
        )
    }
    # Listed: open points of active episodes overlapping the period, and all overdue (before it).
    assert {(r["pasient_id"], r["forlop"], r["sp"]) for r in liste} == apne
    for pid, fnr, navn, status in pasienter:
        vist = json_ut(kjor("--db", kopi, "vis", str(pid), "--json", "--dato", IDAG))
        assert (vist["id"], vist["fnr"], vist["navn"], vist["status"]) == (pid, fnr, navn, status)
        punkter = db.execute(
            "SELECT f.nr, s.sp, s.status, s.dato FROM samhandlingspunkt s "
            "JOIN forlop f ON f.id = s.forlop_id WHERE f.pasient_id = ? ORDER BY f.nr, s.sp",
            (pid,),
        ).fetchall()
        assert [
            (f["nr"], s["sp"], s["status"], s["dato"])
            for f in vist["forlop"]
            for s in f["samhandlingspunkter"]
        ] == punkter
        if "samtale" in oppforing["tabeller"]:
            samtaler = db.execute(
                "SELECT id, dato, status FROM samtale WHERE pasient_id = ? ORDER BY id", (pid,)
            ).fetchall()
            assert sorted((s["id"], s["dato"], s["status"]) for s in vist["samtaler"]) == samtaler
    db.close()
    _som_bygget(kopi, oppforing, lest_etterpa=True)


class _Terminal(io.StringIO):
    """stderr as a terminal has it."""

    def isatty(self) -> bool:
        return True


def test_en_oppgradering_sier_fra_i_terminalen_men_ikke_i_en_pipe(
    gammelt: tuple[Path, dict], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Migration 13 rebuilds every contact point: about 50 s on 1,000,000 patients. A coordinator
    # at a terminal is told what the wait is; a script reading stderr gets nothing new.
    kopi, oppforing = gammelt
    pipe = io.StringIO()
    monkeypatch.setattr(sys, "stderr", pipe)
    to = kopi.with_name("to.db")
    shutil.copyfile(kopi, to)
    os.chmod(to, 0o600)
    apne_register(to).lukk()
    assert pipe.getvalue() == ""
    assert _user_version(to) == len(MIGRASJONER)

    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    apne_register(kopi).lukk()
    assert terminal.getvalue() == (
        "Oppgraderer registeret til denne versjonen av pakkehjem "
        f"(skjema {oppforing['user_version']} til {len(MIGRASJONER)}). På et stort register kan det "
        "ta et minutt. Blir det avbrutt, er registeret uendret.\n"
    )
    # Up to date, it opens without a word; so does a new register.
    apne_register(kopi).lukk()
    apne_register(kopi.with_name("ny.db")).lukk()
    assert terminal.getvalue().count("Oppgraderer") == 1


def _svarfil(mappe: Path, **svar: Any) -> Path:
    sti = mappe / "svar.json"
    sti.write_text(json.dumps(svar, ensure_ascii=False), encoding="utf-8")
    return sti


def test_dagens_kommandoer_virker_pa_et_migrert_register(
    gammelt: tuple[Path, dict],
    kjor: Callable[..., Any],
    forvent_feil: Callable[..., str],
    syntetisk_fnr: Callable[..., str],
    tmp_path: Path,
) -> None:
    kopi, oppforing = gammelt
    ny = json_ut(
        kjor(
            "--db", kopi, "ny-pasient", "--fnr", syntetisk_fnr(), "--navn", "Etter Oppgraderingen",
            "--diagnosedato", "2026-11-02", "--fastlege", "Dr. Ny", "--dato", IDAG, "--json",
        )
    )  # fmt: skip
    assert ny["id"] == oppforing["tabeller"]["pasient"]["rader"] + 1
    avtalt = kjor("--db", kopi, "avtal", str(ny["id"]), "2026-11-30", "--kl", "10:00", "--dato", IDAG)
    assert avtalt.exit_code == 0, avtalt.output
    svar = _svarfil(tmp_path, samtaleform="kontor", belastning_grad=3, samtykke_fastlege=True)
    # A letter needs a sender (the old registers have none set).
    assert kjor("--db", kopi, "avsender", "--navn", "Randi Koordinator").exit_code == 0
    for ref in (str(ny["id"]), FNR["A"]):  # a new patient and one the old code registered
        resultat = kjor("--db", kopi, "samtale", ref, "--svar", svar, "--dato", IDAG)
        assert resultat.exit_code == 0, resultat.output
        brev = kjor("--db", kopi, "brev", ref, "--til", "fastlege", "--dato", IDAG)
        assert brev.exit_code == 0, brev.output
    assert "Åse Ødegård" in brev.stdout
    vist = json_ut(kjor("--db", kopi, "vis", str(ny["id"]), "--json", "--dato", IDAG))
    assert [s["status"] for s in vist["samtaler"]] == ["fullfort"]
    assert vist["forlop"][0]["samhandlingspunkter"][0]["status"] == "gjennomfort"
    if "samtykke" in oppforing["tabeller"]:
        # An old consent has no scope: nothing beyond the recipient's own themes (migration 8).
        gamle = json_ut(kjor("--db", kopi, "vis", FNR["A"], "--json", "--dato", IDAG))["samtykke"]
        assert gamle and all(s["omfang"] is None and s["navn"] is None for s in gamle)
        # The objection the old code recorded (sykehus, in the old conversation) still holds.
        forvent_feil(kjor("--db", kopi, "brev", FNR["A"], "--til", "sykehus", "--dato", IDAG), 1)
    if "samtale" in oppforing["tabeller"]:
        # The conversation the old code left unfinished is seen, and kept for resuming.
        forvent_feil(
            kjor("--db", kopi, "samtale", FNR["H"], "--svar", svar, "--dato", IDAG), 1, "påbegynt samtale"
        )
    _hel(kopi)


def test_en_migrering_som_feiler_etterlater_registeret_urort(
    gammelt: tuple[Path, dict],
    kjor: Callable[..., Any],
    forvent_feil: Callable[..., str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    kopi, oppforing = gammelt
    # A last migration that first destroys, then fails: all of it, and every migration before
    # it in the same run, must be rolled back.
    odelagt = ("DELETE FROM hendelse", "DROP TABLE innstilling", "INSERT INTO finnes_ikke VALUES (1)")
    monkeypatch.setattr(register_modul, "MIGRASJONER", (*MIGRASJONER, odelagt))
    forvent_feil(kjor("--db", kopi, "vis", "1", "--json"), 1)
    assert _user_version(kopi) == oppforing["user_version"]
    _som_bygget(kopi, oppforing, lest_etterpa=False)
    _hel(kopi)
    monkeypatch.undo()
    # Nothing was left half done: the real migrations still run cleanly afterwards.
    assert kjor("--db", kopi, "vis", "1", "--json").exit_code == 0
    assert _user_version(kopi) == len(MIGRASJONER)
    _som_bygget(kopi, oppforing, lest_etterpa=True)


@pytest.fixture
def skrivebeskytt() -> Iterator[Callable[[Path], None]]:
    """Make a file read-only, for root too (which ignores the mode): the immutable attribute."""
    laste: list[Path] = []

    def beskytt(sti: Path) -> None:
        os.chmod(sti, 0o400)
        if os.geteuid() != 0:
            return
        if shutil.which("chattr") is None or subprocess.run(["chattr", "+i", str(sti)]).returncode:
            pytest.skip("root skriver til skrivebeskyttede filer, og chattr +i virker ikke her")
        laste.append(sti)

    yield beskytt
    for sti in laste:
        subprocess.run(["chattr", "-i", str(sti)], check=True)


def test_et_skrivebeskyttet_gammelt_register_avvises_urort(
    gammelt: tuple[Path, dict],
    kjor: Callable[..., Any],
    forvent_feil: Callable[..., str],
    skrivebeskytt: Callable[[Path], None],
) -> None:
    kopi, oppforing = gammelt
    if oppforing["user_version"] == len(MIGRASJONER):
        pytest.skip("dette registeret trenger ingen migrering ennå")
    skrivebeskytt(kopi)
    forvent_feil(kjor("--db", kopi, "vis", "1", "--json"), 1, "skriving")
    assert _user_version(kopi) == oppforing["user_version"]
    _som_bygget(kopi, oppforing, lest_etterpa=False)


def test_et_register_fra_en_nyere_versjon_avvises_av_kommandolinjen(
    gammelt: tuple[Path, dict], kjor: Callable[..., Any], forvent_feil: Callable[..., str]
) -> None:
    # The store refuses it (test_register.py); here: the CLI's exit 1 and message, file untouched.
    kopi, oppforing = gammelt
    db = sqlite3.connect(kopi)
    db.execute(f"PRAGMA user_version = {len(MIGRASJONER) + 1}")
    db.close()
    forvent_feil(kjor("--db", kopi, "forfaller", "--json"), 1, "nyere versjon", "Oppgrader")
    assert _user_version(kopi) == len(MIGRASJONER) + 1
    _som_bygget(kopi, oppforing, lest_etterpa=False)
