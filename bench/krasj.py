"""Crash-safety run for pakkehjem: kills it with SIGKILL at random (seeded) moments and checks,
after every kill, that nothing given is lost and nothing is half-written.

    .venv/bin/python bench/krasj.py [--runder 50] [--seed 1] [--antall 20000] [--rader 10000]
                                    [--bare samtale,svarfil,eksempeldata,importer] [--behold MAPPE]

Each round takes one of four kinds in turn, on a fresh copy of a prepared register:
- samtale:      the interactive conversation in a pseudo-terminal; after k answers it is killed
                from outside (at once when the next question shows, or a random few ms after the
                last answer was typed), or from inside at a statement of the transaction that
                stores answer k. Afterwards the stored answers must be exactly the first k-1 or k
                (k-1 only when the kill came before that answer's commit), with the action and
                consent they imply; `samtale REF` must resume at the next question (taking over
                the dead process's lock) and finish with every answer.
- svarfil:      `samtale REF --svar FILE` (one transaction) killed at a random statement or a
                random time: all answers or none, and after none the same file goes in again.
- eksempeldata: `eksempeldata --antall N` killed at a random row, at its COMMIT or at a random
                time: the patient tables hold the run wholly or not at all.
- importer:     `importer FILE` of a generated spreadsheet, killed the same ways.
After every kill: `PRAGMA integrity_check` is ok, `pakkehjem sjekk` exits 0, a command opens it.

A kill from inside starts the program through STARTER, which puts an sqlite3 trace callback on
every connection and sends SIGKILL to its own process when the chosen statement is about to run:
the only way to land inside a transaction of a few milliseconds on purpose.

"Drap" counts rounds where SIGKILL ended the process; "overlevd" those of them where every check
held. A timed kill can come after the program finished; that round is checked too, but is not a
kill. Exit code 1 on any failed check. Standard library only, plus the installed pakkehjem.
"""

from __future__ import annotations

import argparse
import collections
import csv
import fcntl
import hashlib
import json
import os
import random
import select
import shutil
import signal
import sqlite3
import struct
import subprocess
import sys
import tempfile
import termios
import time
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from pakkehjem import fnr as fnr_regler

PROGRAM = Path(sys.executable).parent / "pakkehjem"
SLAGS = ("samtale", "svarfil", "eksempeldata", "importer")

# `python -c STARTER ARGS...` runs `pakkehjem ARGS...`; with KRASJ_VED="PATTERN*N;PATTERN*N..." it
# kills its own process (SIGKILL) when the statement completing the last stage is about to run. A
# stage is complete at the N-th statement starting with PATTERN after the stage before it.
# tests/test_krasj.py loads this file as a module and uses STARTER and the helpers below with it.
STARTER = r"""
import os, signal, sqlite3, sys

ved = os.environ.get("KRASJ_VED")
if ved:
    trinn = [(m, int(n)) for m, _, n in (d.rpartition("*") for d in ved.split(";"))]
    stand = [0, 0]
    _koble = sqlite3.connect

    def _spor(sql):
        monster, antall = trinn[stand[0]]
        if sql.startswith(monster):
            stand[1] += 1
            if stand[1] == antall:
                stand[0], stand[1] = stand[0] + 1, 0
                if stand[0] == len(trinn):
                    os.kill(os.getpid(), signal.SIGKILL)

    def _koble_med_spor(*a, **k):
        tilkobling = _koble(*a, **k)
        tilkobling.set_trace_callback(_spor)
        return tilkobling

    sqlite3.connect = _koble_med_spor
sys.argv[0] = "pakkehjem"
from pakkehjem.cli import main

main()
"""

# A small guide with every kind of answer that writes more than the answer itself.
GUIDE = """\
id: krasjguide
tittel: "Krasjguide"
versjon: "1"
tema:
  - id: start
    tittel: "Start"
    sporsmal:
      - {id: form, tekst: "Hvordan holdes samtalen?", type: valg, valg: [hjemme, kontor, telefon],
         pakrevd: true}
      - {id: tilstede, tekst: "Hvem er til stede?", type: flervalg, valg: [pasient, pårørende, tolk]}
      - {id: tolk_navn, tekst: "Navn på tolken", type: tekst, vis_hvis: {sporsmal: tilstede, er: tolk}}
  - id: familie
    tittel: "Familie"
    sporsmal:
      - {id: behov, tekst: "Behov for hjelp med familien?", type: valg, valg: ["ingen behov", "behov"]}
      - {id: barn, tekst: "Har du barn under 18?", type: janei, vis_hvis: {sporsmal: behov, er: behov}}
      - {id: barn_notat, tekst: "Om barna", type: tekst, vis_hvis: {sporsmal: barn, er: true}}
      - {id: barn_tiltak, tekst: "Tiltak for barna", type: tiltak, vis_hvis: {sporsmal: barn, er: true}}
  - id: slutt
    tittel: "Avslutning"
    sporsmal:
      - {id: belastning, tekst: "Belastning fra 0 til 10", type: skala, min: 0, max: 10}
      - {id: samtykke_fastlege, tekst: "Samtykke til å sende oppsummeringen?", type: janei,
         samtykke: fastlege}
      - {id: neste_dato, tekst: "Dato for neste samtale", type: dato, neste_avtale: true}
"""
IDAG = date.today()
FRIST = IDAG + timedelta(days=30)
NESTE_DATO = IDAG + timedelta(days=60)
AVSLUTT = "Avslutte samtalen og sette samhandlingspunktet som gjennomført?"


@dataclass(frozen=True)
class Svar:
    """One answer of a script: the question id, the stored value, and how it is typed."""

    id: str
    verdi: Any
    skritt: tuple[tuple[str, str], ...]  # (wait for this text, then type this line)

    @property
    def sporsmal(self) -> str:
        return self.skritt[0][0]


SVARENE = (
    Svar("form", "kontor", (("Hvordan holdes samtalen?", "kontor"),)),
    Svar("tilstede", ["pasient", "tolk"], (("Hvem er til stede?", "1,3"),)),
    Svar("tolk_navn", "Ali Hassan", (("Navn på tolken", "Ali Hassan"),)),
    Svar("behov", "behov", (("Behov for hjelp med familien?", "2"),)),
    Svar("barn", True, (("Har du barn under 18?", "j"),)),
    Svar("barn_notat", "To barn.", (("Om barna", "To barn."),)),
    Svar(
        "barn_tiltak",
        [{"hva": "Ringe helsesykepleier", "ansvarlig": "kommunen", "frist": FRIST.isoformat()}],
        (
            ("Tiltak 1, hva:", "Ringe helsesykepleier"),
            ("Hvem har ansvaret", "kommunen"),
            ("Frist", FRIST.strftime("%d.%m.%Y")),
            ("Tiltak 2, hva:", ""),
        ),
    ),
    Svar("belastning", 6, (("Belastning fra 0 til 10", "6"),)),
    Svar("samtykke_fastlege", True, (("Samtykke til å sende oppsummeringen?", "ja"),)),
    Svar(
        "neste_dato", NESTE_DATO.isoformat(), (("Dato for neste samtale", NESTE_DATO.strftime("%d.%m.%Y")),)
    ),
)
TILTAK_NR, SAMTYKKE_NR = 7, 9
ALLE_SVAR = {s.id: s.verdi for s in SVARENE}


class Feil(AssertionError):
    """A check that did not hold (an AssertionError, so a test using these helpers fails as one)."""


def krev(vilkar: bool, tekst: str) -> None:
    if not vilkar:
        raise Feil(tekst)


# --- running pakkehjem ---------------------------------------------------------------------


def miljo(mappe: Path, db: Path, ved: str | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES", "KRASJ_VED")}
    env.update(
        PAKKEHJEM_DB=str(db),
        HOME=str(mappe / "hjem"),
        XDG_DATA_HOME=str(mappe / "hjem" / ".local" / "share"),
        NO_COLOR="1",
        TERM="xterm",
        # The pseudo-terminal is no terminal emulator: it never answers the line editor's
        # cursor-position request, and the editor would wait for it and print a warning.
        PROMPT_TOOLKIT_NO_CPR="1",
    )
    if ved:
        env["KRASJ_VED"] = ved
    return env


def kommando(db: Path, args: list[str], ved: str | None) -> list[str]:
    """`pakkehjem --db DB ARGS`: through STARTER when it is to be killed at a statement (`ved`)."""
    if ved:
        return [sys.executable, "-c", STARTER, "--db", str(db), *args]
    return [sys.executable, "-m", "pakkehjem", "--db", str(db), *args]


def kjor_innenfra(
    mappe: Path, db: Path, args: list[str], ved: str, tid: float
) -> subprocess.CompletedProcess[bytes]:
    """`pakkehjem --db DB ARGS` through STARTER, which kills it at the statement `ved`."""
    return subprocess.run(
        kommando(db, args, ved), env=miljo(mappe, db, ved), capture_output=True, timeout=tid
    )


def kjor(mappe: Path, db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """One command to its end (the console script, as a coordinator runs it)."""
    program = [str(PROGRAM)] if PROGRAM.exists() else [sys.executable, "-m", "pakkehjem"]
    return subprocess.run(
        [*program, "--db", str(db), *args], env=miljo(mappe, db), capture_output=True, text=True, timeout=300
    )


def kjor_ok(mappe: Path, db: Path, *args: str) -> str:
    resultat = kjor(mappe, db, *args)
    krev(
        resultat.returncode == 0, f"`pakkehjem {' '.join(args)}` ga {resultat.returncode}: {resultat.stderr}"
    )
    return resultat.stdout


def sjekk_registeret(mappe: Path, db: Path) -> None:
    """integrity_check ok (straight from the file), and `pakkehjem sjekk` exits 0."""
    tilkobling = sqlite3.connect(db)
    try:
        integritet = tilkobling.execute("PRAGMA integrity_check").fetchall()
    finally:
        tilkobling.close()
    krev(integritet == [("ok",)], f"integrity_check: {integritet[:5]}")
    data = json.loads(kjor_ok(mappe, db, "sjekk", "--json"))
    krev(data["ok"], f"sjekk: {data['problemer']}")


def kopi(kilde: Path, mal: Path) -> Path:
    """Copy a closed register (no -wal file: the last connection checkpointed it), clearing what a
    killed process left beside an earlier copy under the same name."""
    krev(not Path(f"{kilde}-wal").exists(), f"{kilde} har en -wal-fil: registeret er ikke lukket")
    for ekstra in ("-wal", "-shm", "-journal"):
        Path(f"{mal}{ekstra}").unlink(missing_ok=True)
    shutil.copy2(kilde, mal)
    return mal


def wal(db: Path) -> int:
    try:
        return Path(f"{db}-wal").stat().st_size
    except FileNotFoundError:
        return 0


# --- a pseudo-terminal ----------------------------------------------------------------------


class Terminal:
    """A child process in a pseudo-terminal of 40 x 120, with a small `expect`."""

    def __init__(self, args: list[str], env: dict[str, str]):
        self.fd, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
        self.prosess = subprocess.Popen(
            args, stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True
        )
        os.close(slave)
        self.buffer = b""

    def _les(self, tid: float) -> bool:
        """Read what is there; False at the end of output."""
        klar, _, _ = select.select([self.fd], [], [], tid)
        if not klar:
            return True
        try:
            data = os.read(self.fd, 65536)
        except OSError:  # EIO: the child and its terminal are gone
            data = b""
        self.buffer += data
        return bool(data)

    def vent(self, tekst: str, tid: float = 20.0) -> str:
        """Wait for `tekst`; returns what came before it (and consumes both)."""
        mal = tekst.encode()
        frist = time.monotonic() + tid
        while True:
            i = self.buffer.find(mal)
            if i >= 0:
                for_ = self.buffer[:i]
                self.buffer = self.buffer[i + len(mal) :]
                return for_.decode(errors="replace")
            rest = frist - time.monotonic()
            if rest <= 0 or not self._les(rest):
                hale = self.buffer[-600:].decode(errors="replace")
                raise Feil(f"ventet på «{tekst}», fikk: …{hale!r}")

    def skriv(self, linje: str) -> None:
        os.write(self.fd, (linje + "\n").encode())

    def slutt(self, tid: float = 20.0) -> int:
        """Read to the end of output and reap the child; its return code."""
        frist = time.monotonic() + tid
        while time.monotonic() < frist and self._les(0.2):
            if self.prosess.poll() is not None and not select.select([self.fd], [], [], 0)[0]:
                break
        return self.prosess.wait(timeout=max(0.1, frist - time.monotonic()))

    def lukk(self) -> None:
        if self.prosess.poll() is None:
            self.prosess.kill()
            self.prosess.wait()
        os.close(self.fd)


# --- the conversation -----------------------------------------------------------------------


def skriv_svar(t: Terminal, fra: int, til: int) -> None:
    for svar in SVARENE[fra:til]:
        for vent, linje in svar.skritt:
            t.vent(vent)
            t.skriv(linje)


def sporsmal(nr: int) -> str:
    return SVARENE[nr - 1].sporsmal if nr <= len(SVARENE) else AVSLUTT


def lest_samtale(db: Path) -> dict[str, Any]:
    """What the file holds, read straight with sqlite3 (which also recovers the -wal file)."""
    tilkobling = sqlite3.connect(db)
    try:
        return {
            "samtaler": tilkobling.execute("SELECT id, status, las_eier FROM samtale").fetchall(),
            "svar": [r[0] for r in tilkobling.execute("SELECT sporsmal_id FROM svar ORDER BY rekkefolge")],
            "tiltak": tilkobling.execute("SELECT count(*) FROM tiltak").fetchone()[0],
            "samtykke": tilkobling.execute("SELECT count(*) FROM samtykke").fetchone()[0],
        }
    finally:
        tilkobling.close()


def sjekk_svarene(mappe: Path, db: Path, mulige: range, pid: int) -> int:
    """The stored answers are the first m of the script for one m in `mulige`, with their action
    and consent, and the dead process still holds the lock. Returns m."""
    fil = lest_samtale(db)
    krev(len(fil["samtaler"]) == 1, f"samtaler: {fil['samtaler']}")
    [(_, status, eier)] = fil["samtaler"]
    krev(status == "pagar", f"status {status}")
    krev(bool(eier) and eier.startswith(f"{pid}@"), f"låsen: {eier} (drept: {pid})")
    m = len(fil["svar"])
    krev(m in mulige, f"{m} svar lagret, ventet {mulige.start}–{mulige.stop - 1}")
    krev(fil["svar"] == [s.id for s in SVARENE[:m]], f"svarene: {fil['svar']}")
    krev(fil["tiltak"] == int(m >= TILTAK_NR), f"{fil['tiltak']} tiltak etter {m} svar")
    krev(fil["samtykke"] == int(m >= SAMTYKKE_NR), f"{fil['samtykke']} samtykker etter {m} svar")
    data = json.loads(kjor_ok(mappe, db, "vis", "1", "--json"))
    krev(data["samtaler"][0]["svar"] == {s.id: s.verdi for s in SVARENE[:m]}, "vis --json viser andre svar")
    sjekk_registeret(mappe, db)
    return m


def fortsett_og_fullfor(mappe: Path, db: Path, m: int) -> None:
    """Resume after m answers: question m+1 comes first, and the conversation can be finished."""
    t = Terminal(kommando(db, ["samtale", "1"], None), miljo(mappe, db))
    try:
        if m:
            t.vent(f"med {m} svar")
            t.vent("Fortsette der dere slapp?")
            t.skriv("")
        for_ = t.vent(sporsmal(m + 1))
        krev("åpen hos en annen bruker" not in for_, "låsen ble ikke tatt over")
        if m < len(SVARENE):
            for tidligere in SVARENE[:m]:
                krev(tidligere.sporsmal not in for_, f"spurte «{tidligere.id}» på nytt")
            neste = SVARENE[m]
            t.skriv(neste.skritt[0][1])
            for vent, linje in neste.skritt[1:]:
                t.vent(vent)
                t.skriv(linje)
            skriv_svar(t, m + 1, len(SVARENE))
            t.vent(AVSLUTT)
        t.vent("[J/n]")
        t.skriv("")
        t.vent("Samtalen er fullført")
        kode = t.slutt()
        krev(kode == 0, f"den fortsatte samtalen endte med {kode}")
    finally:
        t.lukk()
    fil = lest_samtale(db)
    krev([r[1:] for r in fil["samtaler"]] == [("fullfort", None)], f"etter fullføring: {fil['samtaler']}")
    krev((fil["tiltak"], fil["samtykke"]) == (1, 1), f"tiltak/samtykke: {fil['tiltak']}/{fil['samtykke']}")
    data = json.loads(kjor_ok(mappe, db, "vis", "1", "--json"))
    krev(data["samtaler"][0]["svar"] == ALLE_SVAR, "den fullførte samtalen mangler svar")
    sjekk_registeret(mappe, db)


# Statements of the transaction that stores one answer, after its row in `svar` is written.
ETTER_SVARRADEN = ("DELETE FROM tiltak*1", "UPDATE samtale*1", "INSERT INTO tilgangslogg*1", "COMMIT*1")


def runde_samtale(rng: random.Random, mappe: Path, mal: Path) -> tuple[str, bool]:
    db = kopi(mal, mappe / "register.db")
    if rng.random() < 0.5:
        k = rng.randint(1, len(SVARENE))
        etter = rng.choice((None, *ETTER_SVARRADEN))
        ved = f"INSERT INTO svar*{k}" + (f";{etter}" if etter else "")
        mulige, beskrivelse = range(k - 1, k), f"innenfra ved svar {k} ({etter or 'før svarraden'})"
    else:
        k = rng.randint(0, len(SVARENE))
        ved = None
        vent_neste = k == 0 or rng.random() < 0.4
        pause = 0.0 if vent_neste else rng.uniform(0, 0.03)
        mulige = range(k, k + 1) if vent_neste else range(k - 1, k + 1)
        beskrivelse = f"utenfra etter {k} svar" + ("" if vent_neste else f" + {pause * 1000:.0f} ms")
    t = Terminal(kommando(db, ["samtale", "1"], ved), miljo(mappe, db, ved))
    try:
        pid = t.prosess.pid
        skriv_svar(t, 0, k)
        if ved is None:
            if vent_neste:
                t.vent(sporsmal(k + 1))
            else:
                time.sleep(pause)
            os.kill(pid, signal.SIGKILL)
        kode = t.slutt()
    finally:
        t.lukk()
    krev(kode == -signal.SIGKILL, f"{beskrivelse}: endte med {kode}, ikke SIGKILL")
    m = sjekk_svarene(mappe, db, mulige, pid)
    fortsett_og_fullfor(mappe, db, m)
    return f"{beskrivelse}: {m} svar beholdt", True


# --- the answers file ---------------------------------------------------------------------

SVARFIL_VED = (
    "INSERT INTO samtale (*1",
    *(f"INSERT INTO svar*{i}" for i in range(1, len(SVARENE) + 1)),
    "INSERT INTO tiltak*1",
    "INSERT INTO samtykke*1",
    "INSERT INTO svar*1;UPDATE samhandlingspunkt*1",
    "INSERT INTO svar*1;INSERT INTO tilgangslogg*1",
    "INSERT INTO svar*1;COMMIT*1",
)


def runde_svarfil(rng: random.Random, mappe: Path, mal: Path, tid: float) -> tuple[str, bool]:
    db = kopi(mal, mappe / "register.db")
    fil = mappe / "svar.json"
    args = ["samtale", "1", "--svar", str(fil)]
    if rng.random() < 0.6:
        ved = rng.choice(SVARFIL_VED)
        kode = kjor_innenfra(mappe, db, args, ved, 120).returncode
        beskrivelse = f"innenfra ved {ved}"
        if kode != 0:
            krev(kode == -signal.SIGKILL, f"{beskrivelse}: endte med {kode}")
    else:
        andel = rng.uniform(0.3, 1.1)
        kode = drep_etter(kommando(db, args, None), miljo(mappe, db), andel * tid)
        beskrivelse = f"utenfra etter {andel:.0%} av tiden"
    drept = kode == -signal.SIGKILL
    fil_data = lest_samtale(db)
    data = json.loads(kjor_ok(mappe, db, "vis", "1", "--json"))
    sp1 = data["forlop"][0]["samhandlingspunkter"][0]
    if not fil_data["samtaler"]:
        krev(fil_data == {"samtaler": [], "svar": [], "tiltak": 0, "samtykke": 0}, f"halvveis: {fil_data}")
        krev(sp1["status"] == "planlagt", f"SP1 er {sp1['status']} uten samtale")
        sjekk_registeret(mappe, db)
        kjor_ok(mappe, db, *args)  # nothing half-done stops the file going in again
        utfall = "ingenting"
    else:
        utfall = "alt"
    krev(drept or utfall == "alt", f"{beskrivelse}: ferdig uten drap, men ingenting lagret")
    fil_data = lest_samtale(db)
    krev([r[1:] for r in fil_data["samtaler"]] == [("fullfort", None)], f"samtalen: {fil_data['samtaler']}")
    krev(len(fil_data["svar"]) == len(SVARENE), f"{len(fil_data['svar'])} svar")
    krev((fil_data["tiltak"], fil_data["samtykke"]) == (1, 1), "tiltak/samtykke mangler")
    data = json.loads(kjor_ok(mappe, db, "vis", "1", "--json"))
    krev(data["forlop"][0]["samhandlingspunkter"][0]["status"] == "gjennomfort", "SP1 ikke gjennomført")
    sjekk_registeret(mappe, db)
    return f"{beskrivelse}: {utfall}", drept


# --- eksempeldata and importer: all or nothing -------------------------------------------

# What a run leaves that can be compared with another run (the time stamps of the logs cannot).
_AVTRYKK = {
    "pasient": "id, fnr, navn, fodselsdato, kommune, status",
    "forlop": "id, pasient_id, nr, diagnosedato, diagnose, status",
    "samhandlingspunkt": "forlop_id, sp, ansvarlig, vindu_fra, vindu_til, status, dato",
}


def avtrykk(db: Path) -> dict[str, Any]:
    """The row count of every table and a digest of the patient rows, after `integrity_check`
    has passed. Opening the file read-write lets SQLite recover what a killed process left."""
    tilkobling = sqlite3.connect(db)
    try:
        integritet = tilkobling.execute("PRAGMA integrity_check").fetchall()
        krev(integritet == [("ok",)], f"integrity_check: {integritet[:5]}")
        tabeller = [
            r[0]
            for r in tilkobling.execute(
                "SELECT name FROM sqlite_master"
                " WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
            )
        ]
        ut: dict[str, Any] = {
            t: tilkobling.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tabeller
        }
        for tabell, kolonner in _AVTRYKK.items():
            summen = hashlib.sha256()
            for rad in tilkobling.execute(f"SELECT {kolonner} FROM {tabell} ORDER BY rowid"):
                summen.update(repr(rad).encode())
            ut[f"{tabell}#"] = summen.hexdigest()
        return ut
    finally:
        tilkobling.close()


def drep_etter(
    args: list[str],
    env: dict[str, str],
    sekunder: float,
    wal_over: int = 0,
    db: Path | None = None,
    takt: float = 0.001,
) -> int:
    """Start, and SIGKILL after `sekunder` (or once the -wal file passes `wal_over` bytes),
    looking every `takt` seconds; the return code."""
    prosess = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    frist = time.monotonic() + sekunder
    while prosess.poll() is None and time.monotonic() < frist:
        if wal_over and db is not None and wal(db) > wal_over:
            break
        time.sleep(takt)
    if prosess.poll() is None:
        os.kill(prosess.pid, signal.SIGKILL)
    return prosess.wait()


@dataclass
class Stor:
    """A command that writes many rows in one transaction, with what a complete run leaves."""

    args: list[str]
    rader: int  # patients it adds
    tid: float = 0.0
    etter: dict[str, Any] | None = None


def runde_stor(
    rng: random.Random, mappe: Path, mal: Path, for_: dict[str, Any], stor: Stor
) -> tuple[str, bool]:
    db = kopi(mal, mappe / "register.db")
    valg = rng.random()
    if valg < 0.5:
        tabell, per = rng.choice((("pasient", 1), ("forlop", 1), ("samhandlingspunkt", 3), ("hendelse", 1)))
        if rng.random() < 0.15:
            ved = "INSERT INTO tilgangslogg*1;COMMIT*1"
        else:
            ved = f"INSERT INTO {tabell}*{rng.randint(1, per * stor.rader)}"
        kode = kjor_innenfra(mappe, db, stor.args, ved, 300).returncode
        krev(kode == -signal.SIGKILL, f"innenfra ved {ved}: endte med {kode}")
        beskrivelse, ma_vaere = f"innenfra ved {ved}", "ingenting"
    elif valg < 0.65:
        grense = rng.randint(100_000, 8_000_000)
        kode = drep_etter(kommando(db, stor.args, None), miljo(mappe, db), 3 * stor.tid + 5, grense, db)
        beskrivelse, ma_vaere = f"utenfra når -wal > {grense / 1e6:.1f} MB", None
    else:
        andel = rng.uniform(0.05, 1.1)
        kode = drep_etter(kommando(db, stor.args, None), miljo(mappe, db), andel * stor.tid)
        beskrivelse, ma_vaere = f"utenfra etter {andel:.0%} av tiden", None
    krev(kode in (0, -signal.SIGKILL), f"{beskrivelse}: endte med {kode}")
    wal_etter = wal(db)
    etter = avtrykk(db)
    if etter == for_:
        utfall = "ingenting"
    elif etter == stor.etter:
        utfall = "alt"
    else:
        avvik = {k: (for_.get(k), v) for k, v in etter.items() if v != for_.get(k) and "#" not in k}
        raise Feil(f"{beskrivelse}: verken alt eller ingenting: {avvik}")
    krev(ma_vaere in (None, utfall), f"{beskrivelse}: {utfall}, ventet {ma_vaere}")
    krev(kode == -signal.SIGKILL or utfall == "alt", f"{beskrivelse}: ferdig uten drap, men ikke alt lagret")
    sjekk_registeret(mappe, db)
    json.loads(kjor_ok(mappe, db, "vis", "1", "--json"))
    return f"{beskrivelse}: {utfall} (-wal etter drapet: {wal_etter / 1e6:.1f} MB)", kode == -signal.SIGKILL


def skriv_importfil(sti: Path, antall: int, opptatte: set[str]) -> Path:
    """A spreadsheet of `antall` new synthetic patients (none already in the register)."""
    rng = random.Random(4711)
    with sti.open("w", encoding="utf-8", newline="") as fil:
        skriver = csv.writer(fil, delimiter=";")
        skriver.writerow(["fnr", "navn", "diagnosedato", "kommune"])
        for i in range(antall):
            fodt = date(1940, 1, 1) + timedelta(days=rng.randint(0, 50 * 365))
            nummer = fnr_regler.lag_syntetisk(fodt, rng)
            while nummer in opptatte:
                nummer = fnr_regler.lag_syntetisk(fodt, rng)
            opptatte.add(nummer)
            diagnose = IDAG - timedelta(days=rng.randint(0, 700))
            skriver.writerow([nummer, f"Importert Pasient {i}", diagnose.isoformat(), "Bergen"])
    return sti


# --- the run -------------------------------------------------------------------------------


def forbered(mappe: Path, antall: int, rader: int, slags: list[str]) -> dict[str, Any]:
    """The registers each round starts from, and what complete runs leave."""
    oppsett: dict[str, Any] = {}
    if "samtale" in slags or "svarfil" in slags:
        samtale_db = mappe / "mal-samtale.db"
        guide = mappe / "krasjguide.yaml"
        guide.write_text(GUIDE, encoding="utf-8")
        (mappe / "svar.json").write_text(json.dumps(ALLE_SVAR, ensure_ascii=False), encoding="utf-8")
        kjor_ok(mappe, samtale_db, "innstillinger", "tillat_syntetiske", "ja")
        kjor_ok(mappe, samtale_db, "innstillinger", "guide", str(guide))
        nummer = fnr_regler.lag_syntetisk(date(1960, 5, 17), random.Random(1))
        diagnose = (IDAG - timedelta(days=21)).isoformat()
        kjor_ok(
            mappe,
            samtale_db,
            "ny-pasient",
            "--fnr",
            nummer,
            "--navn",
            "Kari Krasj",
            "--diagnosedato",
            diagnose,
        )
        oppsett["samtale"] = samtale_db
        proving = kopi(samtale_db, mappe / "proving.db")
        start = time.monotonic()
        kjor_ok(mappe, proving, "samtale", "1", "--svar", str(mappe / "svar.json"))
        oppsett["svarfil_tid"] = time.monotonic() - start
    if "eksempeldata" in slags or "importer" in slags:
        stor_db = mappe / "mal-stor.db"
        kjor_ok(mappe, stor_db, "eksempeldata", "--antall", "500", "--seed", "1")
        oppsett["stor"] = stor_db
        oppsett["for"] = avtrykk(stor_db)
        tilkobling = sqlite3.connect(stor_db)
        opptatte = {r[0] for r in tilkobling.execute("SELECT fnr FROM pasient")}
        tilkobling.close()
        csv_fil = skriv_importfil(mappe / "import.csv", rader, opptatte)
        for navn, stor in (
            ("eksempeldata", Stor(["eksempeldata", "--antall", str(antall), "--seed", "2"], antall)),
            ("importer", Stor(["importer", str(csv_fil)], rader)),
        ):
            if navn not in slags:
                continue
            referanse = kopi(stor_db, mappe / f"ferdig-{navn}.db")
            start = time.monotonic()
            kjor_ok(mappe, referanse, *stor.args)
            stor.tid = time.monotonic() - start
            stor.etter = avtrykk(referanse)
            oppsett[navn] = stor
    return oppsett


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runder", type=int, default=50, help="hvor mange drap (runder)")
    parser.add_argument("--seed", type=int, default=1, help="samme seed gir de samme drapsøyeblikkene")
    parser.add_argument("--antall", type=int, default=20_000, help="pasienter i eksempeldata-rundene")
    parser.add_argument("--rader", type=int, default=10_000, help="rader i importfilen")
    parser.add_argument("--bare", default=",".join(SLAGS), help="kommaliste av " + ", ".join(SLAGS))
    parser.add_argument("--behold", type=Path, help="kjør i denne mappen og la den ligge igjen")
    valg = parser.parse_args()
    slags = [s for s in valg.bare.split(",") if s]
    ukjente = set(slags) - set(SLAGS)
    if ukjente or not slags:
        parser.error(f"ukjent slag: {', '.join(sorted(ukjente)) or '(ingen)'}")

    mappe = valg.behold or Path(tempfile.mkdtemp(prefix="pakkehjem-krasj-"))
    mappe.mkdir(parents=True, exist_ok=True)
    rng = random.Random(valg.seed)
    start = time.monotonic()
    print(f"Forbereder i {mappe} …", flush=True)
    oppsett = forbered(mappe, valg.antall, valg.rader, slags)
    for navn in ("eksempeldata", "importer"):
        if navn in oppsett:
            print(f"  en hel {navn}-kjøring ({oppsett[navn].rader} pasienter): {oppsett[navn].tid:.2f} s")

    drap = overlevd = ikke_drept = 0
    feil: list[str] = []
    per_slag: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
    try:
        for nr in range(1, valg.runder + 1):
            hva = slags[(nr - 1) % len(slags)]
            runde = mappe / f"runde-{nr}"
            runde.mkdir()
            try:
                if hva == "samtale":
                    tekst, drept = runde_samtale(rng, runde, oppsett["samtale"])
                elif hva == "svarfil":
                    shutil.copy2(mappe / "svar.json", runde / "svar.json")
                    tekst, drept = runde_svarfil(rng, runde, oppsett["samtale"], oppsett["svarfil_tid"])
                else:
                    tekst, drept = runde_stor(rng, runde, oppsett["stor"], oppsett["for"], oppsett[hva])
                merke = "ok" if drept else "ok (ferdig før drapet)"
                drap += drept
                overlevd += drept
                ikke_drept += not drept
                per_slag[hva]["drap" if drept else "ikke drept"] += 1
            except Feil as f:
                drap += 1
                per_slag[hva]["feil"] += 1
                tekst, merke = str(f), "FEIL"
                feil.append(f"runde {nr} ({hva}): {f}")
            print(f"{nr:4d} {hva:<12} {merke:<24} {tekst}", flush=True)
            if not valg.behold and merke != "FEIL":
                shutil.rmtree(runde, ignore_errors=True)
    finally:
        if not valg.behold and not feil:
            shutil.rmtree(mappe, ignore_errors=True)

    print()
    print(f"Runder:          {valg.runder} (seed {valg.seed}, {time.monotonic() - start:.0f} s)")
    for hva in slags:
        telling = per_slag[hva]
        print(
            f"  {hva:<13} {telling['drap']:4d} drap overlevd, {telling['feil']} feil, "
            f"{telling['ikke drept']} ferdig før drapet"
        )
    print(f"Drap gjort:      {drap}")
    print(f"Drap overlevd:   {overlevd}")
    print(f"Feil:            {len(feil)}")
    if ikke_drept:
        print(f"Ikke drept:      {ikke_drept} (programmet var ferdig før drapet; sjekket likevel)")
    print(f"{overlevd} av {drap} drap overlevd.")
    for linje in feil:
        print("FEIL " + linje, file=sys.stderr)
    if feil:
        print(f"Mappen med de feilede rundene er beholdt: {mappe}", file=sys.stderr)
    return 1 if feil else 0


if __name__ == "__main__":
    sys.exit(main())
