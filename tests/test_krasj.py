"""Crash safety: pakkehjem killed with SIGKILL (no finally, no atexit, no chance to tidy up) in the
middle of a conversation, of `samtale --svar`, of `eksempeldata`, of `importer` and of
`sikkerhetskopi`.

What must hold after every kill:
- the register opens (a command works), `PRAGMA integrity_check` is ok and `pakkehjem sjekk` exits 0;
- a conversation keeps exactly the answers that were given, and `samtale REF` resumes at the next
  question (the lock of the dead process is taken over) and can be finished;
- one change is one transaction: `samtale --svar`, `eksempeldata` and `importer` leave all of
  their rows or none;
- a killed `sikkerhetskopi` leaves no file under the backup's name (it could pass for a finished
  backup, and would stop the same command from being run again).

Two ways to kill:
- from outside, at a moment the test picks: when the next question is on the screen, when the
  -wal file has grown, or at a fraction of the time a complete run took (os.kill(pid, SIGKILL));
- from inside, at an exact SQL statement: the child starts through STARTER (bench/krasj.py, whose
  helpers this test shares), which puts an sqlite3
  trace callback on every connection and sends SIGKILL to its own process when the chosen
  statement is about to run, e.g. at the COMMIT of the transaction that stores answer 7. That
  hits the middle of a transaction every time, which a timer rarely does. Outside a terminal
  that child is forked from a Python that has loaded the command line (tests/varm_prosess.py);
  in a terminal it is forked on a pseudo-terminal of its own from the worker's warm Python
  (the `varm` fixture), and the test drives it through pexpect.

PAKKEHJEM_KRASJ_ALLE=1 runs more kill moments on more rows (a minute or two). `bench/krasj.py`
kills at random moments as many times as asked and prints how many kills were survived.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from types import ModuleType
from typing import Any

import pexpect
import pytest

from hjelp import bench_modul, json_ut
from samtalehjelp import skriv_guide, til_slutten
from varm_prosess import Terminalprogram, VarmProsess


def _krasj() -> ModuleType:
    return bench_modul("krasj")


# The launcher (STARTER), the child's environment and the register helpers are the kill bench's.
krasj = _krasj()
Svar = krasj.Svar
IDAG, FRIST, NESTE_DATO, AVSLUTT = krasj.IDAG, krasj.FRIST, krasj.NESTE_DATO, krasj.AVSLUTT
avtrykk, kopi, lagret, miljo = krasj.avtrykk, krasj.kopi, krasj.lest_samtale, krasj.miljo

ALLE = os.environ.get("PAKKEHJEM_KRASJ_ALLE") == "1"
DIAGNOSEDATO = IDAG - timedelta(days=21)


# --- the conversation ------------------------------------------------------------------------


# Every question of the test guide (tests/samtalehjelp.py), in the order it asks them; the
# themes change after answer 3 (Start -> Familie) and after answer 7 (Familie -> Avslutning).
SVARENE = (
    Svar("form", "kontor", (("Hvordan holdes samtalen?", "kontor"),)),
    Svar("tilstede", ["pasient", "tolk"], (("Hvem er til stede?", "1,3"),)),
    Svar("tolk_navn", "Ali Hassan", (("Navn på tolken", "Ali Hassan"),)),
    Svar("behov", "behov", (("Behov for hjelp med familien?", "2"),)),
    Svar("barn", True, (("Har du barn under 18?", "j"),)),
    Svar(
        "barn_notat",
        "To barn, 8 og 12 år.",
        (("Om barna", "To barn, 8 og 12 år."),),
    ),
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
    Svar("samtykke_fastlege", True, (("Samtykke til å sende oppsummeringen til fastlegen?", "ja"),)),
    Svar(
        "neste_dato", NESTE_DATO.isoformat(), (("Dato for neste samtale", NESTE_DATO.strftime("%d.%m.%Y")),)
    ),
)
TILTAK_NR = 7  # the answer that adds an action
SAMTYKKE_NR = 9  # the answer that records consent


def forventet(antall: int) -> dict[str, Any]:
    """The stored answers after the first `antall` of the script."""
    return {s.id: s.verdi for s in SVARENE[:antall]}


@pytest.fixture
def pasient(kjor: Callable, testregister: Path, ny_pasient: Callable, tmp_path: Path) -> int:
    """A patient whose SP1 is due now, in a register that uses the small test guide."""
    assert kjor("innstillinger", "guide", skriv_guide(tmp_path)).exit_code == 0
    return ny_pasient(DIAGNOSEDATO.isoformat(), dato=IDAG.isoformat())["id"]


@pytest.fixture
def samtale(db_sti: Path, tmp_path: Path, varm: VarmProsess) -> Iterator[Callable[..., Terminalprogram]]:
    """Start `pakkehjem samtale PASIENT` in a terminal of its own, optionally through STARTER
    with KRASJ_VED set; every child is gone after the test. The program is forked from the
    worker's warm Python (tests/varm_prosess.py), as `krasj.kommando` would start it:
    `python -c STARTER ARGS` or `python -m pakkehjem ARGS`."""
    barn: list[Terminalprogram] = []

    def start(pasient: int, ved: str | None = None) -> Terminalprogram:
        program, valg, hva, *args = krasj.kommando(db_sti, ["samtale", str(pasient)], ved)
        assert program == sys.executable and valg in ("-c", "-m"), (program, valg)
        prosess = varm.terminal(
            args,
            kode=hva if valg == "-c" else None,
            modul=hva if valg == "-m" else None,
            miljo=miljo(tmp_path, db_sti, ved),
            cwd=Path.cwd(),
            dimensions=(40, 120),
            timeout=15,
        )
        prosess.delaybeforesend = None  # each line waits for its prompt anyway
        barn.append(prosess)
        return prosess

    yield start
    for prosess in barn:
        if prosess.isalive():
            prosess.close(force=True)


def svar_fra_til(p: Terminalprogram, fra: int, til: int) -> None:
    """Type answers fra+1 .. til of the script."""
    for svar in SVARENE[fra:til]:
        for vent, linje in svar.skritt:
            p.expect_exact(vent)
            p.sendline(linje)


def vent_paa_sporsmal(p: Terminalprogram, nr: int) -> str:
    """Wait until question `nr` (1-based; past the last: the closing question) is on the screen;
    returns what was written before it."""
    p.expect_exact(SVARENE[nr - 1].sporsmal if nr <= len(SVARENE) else AVSLUTT)
    return p.before


def drep(p: Terminalprogram) -> None:
    """SIGKILL, then reap the child (a zombie would still look like a live lock holder)."""
    os.kill(p.pid, signal.SIGKILL)
    dod(p)


def dod(p: Terminalprogram) -> None:
    """The child is gone, and it was SIGKILL that ended it."""
    til_slutten(p)
    assert p.signalstatus == signal.SIGKILL, (p.exitstatus, p.signalstatus)


DreptInnenfra = Callable[[Path, Path, list[str], str], None]


@pytest.fixture
def drept_innenfra(varm: VarmProsess) -> DreptInnenfra:
    """`drept_innenfra(mappe, db, args, ved)`: `pakkehjem --db DB ARGS` through STARTER, and
    SIGKILL ended it, at the statement `ved`.

    Each run is a process of its own, forked from the worker's warm Python that has loaded the
    command line (the `varm` fixture, tests/varm_prosess.py) instead of a Python started for
    it: STARTER puts its trace on sqlite3.connect in the child before the command opens the
    register (the register module looks the function up when it connects), and the SIGKILL
    ends the child as it would end a started program, in the middle of its transaction, with
    nothing tidied up."""

    def drept(mappe: Path, db: Path, args: list[str], ved: str) -> None:
        kode, _, feil = varm.kjor(
            ["--db", str(db), *args], kode=krasj.STARTER, miljo=miljo(mappe, db, ved), cwd=Path.cwd()
        )
        assert kode == -signal.SIGKILL, feil.decode()

    return drept


def sjekk_ok(kjor: Callable, *db: str) -> None:
    """`pakkehjem sjekk` passes: integrity, foreign keys, schema version."""
    resultat = kjor(*db, "sjekk", "--json")
    assert resultat.exit_code == 0, resultat.output
    data = json_ut(resultat)
    assert data["ok"] and data["integritet"] == ["ok"], data


def sjekk_svarene_etter_drap(kjor: Callable, db: Path, pasient: int, antall: int, pid: int) -> None:
    """Exactly the first `antall` answers are kept, with what they imply, and the dead process
    still holds the lock: nothing was tidied up on the way out."""
    fil = lagret(db)
    [(_, status, las_eier)] = fil["samtaler"]
    assert status == "pagar"
    assert las_eier is not None and las_eier.startswith(f"{pid}@"), las_eier
    assert fil["svar"] == [s.id for s in SVARENE[:antall]]
    assert fil["tiltak"] == (1 if antall >= TILTAK_NR else 0)
    assert fil["samtykke"] == (1 if antall >= SAMTYKKE_NR else 0)

    data = json_ut(kjor("vis", pasient, "--json"))
    [samtalen] = data["samtaler"]
    assert (samtalen["status"], samtalen["svar"]) == ("pagar", forventet(antall))
    assert len(data["tiltak"]) == (1 if antall >= TILTAK_NR else 0)
    sjekk_ok(kjor)


def fortsett_og_fullfor(samtale: Callable, kjor: Callable, db: Path, pasient: int, antall: int) -> None:
    """`samtale REF` again: it takes over the dead process's lock, offers to resume when there are
    answers, asks question antall+1 first (none before it) and finishes with every answer."""
    p = samtale(pasient)
    if antall:
        p.expect_exact("Det finnes en påbegynt samtale for SP1")
        p.expect_exact(f"med {antall} svar")
        p.expect_exact("Fortsette der dere slapp?")
        p.sendline("")
    for_sporsmalet = vent_paa_sporsmal(p, antall + 1)
    assert "åpen hos en annen bruker" not in for_sporsmalet
    if antall < len(SVARENE):  # (with every answer given, the summary shows them all)
        for tidligere in SVARENE[:antall]:
            assert tidligere.sporsmal not in for_sporsmalet, tidligere.id
    if antall < len(SVARENE):
        # The prompt is already read: type the first line, then the rest of the script.
        neste = SVARENE[antall]
        p.sendline(neste.skritt[0][1])
        for vent, linje in neste.skritt[1:]:
            p.expect_exact(vent)
            p.sendline(linje)
        svar_fra_til(p, antall + 1, len(SVARENE))
        p.expect_exact(AVSLUTT)
    p.expect_exact("[J/n]")
    p.sendline("")
    p.expect_exact("Samtalen er fullført. SP1 er gjennomført.")
    til_slutten(p)
    assert p.exitstatus == 0

    data = json_ut(kjor("vis", pasient, "--json"))
    [samtalen] = data["samtaler"]
    assert (samtalen["status"], samtalen["svar"]) == ("fullfort", forventet(len(SVARENE)))
    sp1 = next(s for s in data["forlop"][0]["samhandlingspunkter"] if s["sp"] == 1)
    assert (sp1["status"], sp1["dato"]) == ("gjennomfort", IDAG.isoformat())
    assert [t["hva"] for t in data["tiltak"]] == ["Ringe helsesykepleier"]
    assert [(s["mottaker"], s["svar"]) for s in data["samtykke"]] == [("fastlege", "ja")]
    assert lagret(db)["samtaler"][0][2] is None  # the lock is released
    sjekk_ok(kjor)


# 0: opened, nothing answered; 3 and 7: the last answer of a theme (the next theme's heading is
# on the screen); 10: every answer given, the closing question open.
ANTALL_SVAR = (0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10) if ALLE else (0, 1, 3, 7, 10)


@pytest.mark.parametrize("antall", ANTALL_SVAR)
def test_drept_etter_n_svar_beholder_alle_n_og_fortsetter_paa_neste_sporsmal(
    kjor: Callable, db_sti: Path, pasient: int, samtale: Callable, antall: int
) -> None:
    p = samtale(pasient)
    svar_fra_til(p, 0, antall)
    vent_paa_sporsmal(p, antall + 1)  # answer N is stored before question N+1 is asked
    pid = p.pid
    drep(p)

    sjekk_svarene_etter_drap(kjor, db_sti, pasient, antall, pid)
    fortsett_og_fullfor(samtale, kjor, db_sti, pasient, antall)


# Killed at the COMMIT of the transaction that stores answer N: the answer is written (with its
# action for 7 and its consent for 9) but not committed, so all of it must be gone.
SVAR_MIDT_I = (1, 2, 3, 5, 7, 9, 10) if ALLE else (TILTAK_NR, SAMTYKKE_NR)


@pytest.mark.parametrize("nr", SVAR_MIDT_I)
def test_drept_midt_i_transaksjonen_som_lagrer_et_svar_mister_hele_det_svaret_og_ikke_mer(
    kjor: Callable, db_sti: Path, pasient: int, samtale: Callable, nr: int
) -> None:
    p = samtale(pasient, ved=f"INSERT INTO svar*{nr};COMMIT*1")
    pid = p.pid
    svar_fra_til(p, 0, nr - 1)
    # Answer nr, until it is stored: an action is stored as soon as its deadline is given,
    # before the next action is asked for, so the process may be gone before the last step.
    for vent, linje in SVARENE[nr - 1].skritt:
        if p.expect_exact([vent, pexpect.EOF]) == 1:
            break
        p.sendline(linje)
    dod(p)

    sjekk_svarene_etter_drap(kjor, db_sti, pasient, nr - 1, pid)
    fortsett_og_fullfor(samtale, kjor, db_sti, pasient, nr - 1)


# --- samtale --svar: one transaction ---------------------------------------------------------


def skriv_svarfil(mappe: Path) -> Path:
    sti = mappe / "svar.json"
    sti.write_text(json.dumps(forventet(len(SVARENE)), ensure_ascii=False), encoding="utf-8")
    return sti


SVARFIL_DRAP = (
    "INSERT INTO svar*4",  # in the middle of the answers
    "INSERT INTO svar*1;COMMIT*1",  # everything written and the point set gjennomført, not committed
)
if ALLE:
    SVARFIL_DRAP += (
        "INSERT INTO samtale (*1",  # the transaction has begun, nothing written yet
        "INSERT INTO tiltak*1",  # the answers written, the action not yet
    )


@pytest.mark.parametrize("ved", SVARFIL_DRAP)
def test_drept_midt_i_samtale_med_svarfil_lagrer_ingenting_og_kan_kjores_igjen(
    kjor: Callable, db_sti: Path, pasient: int, tmp_path: Path, ved: str, drept_innenfra: DreptInnenfra
) -> None:
    fil = skriv_svarfil(tmp_path)
    drept_innenfra(tmp_path, db_sti, ["samtale", str(pasient), "--svar", str(fil)], ved)

    data = json_ut(kjor("vis", pasient, "--json"))
    assert (data["samtaler"], data["tiltak"], data["samtykke"]) == ([], [], [])
    sp1 = next(s for s in data["forlop"][0]["samhandlingspunkter"] if s["sp"] == 1)
    assert sp1["status"] == "planlagt"
    assert lagret(db_sti)["svar"] == []
    sjekk_ok(kjor)

    # Nothing half-done blocks the same file from being read in again.
    resultat = kjor("samtale", pasient, "--svar", fil)
    assert resultat.exit_code == 0, resultat.output
    data = json_ut(kjor("vis", pasient, "--json"))
    assert [(s["status"], s["svar"]) for s in data["samtaler"]] == [("fullfort", forventet(len(SVARENE)))]
    assert len(data["tiltak"]) == 1 and len(data["samtykke"]) == 1


# --- eksempeldata and importer: all or nothing -----------------------------------------------

EKSEMPEL_ANTALL = 30_000 if ALLE else 8_000
IMPORT_ANTALL = 20_000 if ALLE else 5_000


@dataclass
class Grunnlag:
    """A small register to start from, and what one complete run of each command leaves."""

    mappe: Path
    db: Path
    csv: Path
    for_: dict[str, Any]
    etter: dict[str, dict[str, Any]]
    tid: dict[str, float]

    def args(self, hva: str) -> list[str]:
        if hva == "eksempeldata":
            return ["eksempeldata", "--antall", str(EKSEMPEL_ANTALL), "--seed", "2"]
        return ["importer", str(self.csv)]


def kjor_ferdig(args: list[str], mappe: Path, db: Path) -> float:
    start = time.monotonic()
    barn = subprocess.run(
        krasj.kommando(db, args, None), env=miljo(mappe, db), capture_output=True, timeout=300
    )
    assert barn.returncode == 0, barn.stderr.decode()
    return time.monotonic() - start


@pytest.fixture(scope="module")
def grunnlag(tmp_path_factory: pytest.TempPathFactory) -> Grunnlag:
    mappe = tmp_path_factory.mktemp("krasj")
    db = mappe / "grunnlag.db"
    kjor_ferdig(["eksempeldata", "--antall", "300", "--seed", "1"], mappe, db)
    tilkobling = sqlite3.connect(db)
    opptatte = {r[0] for r in tilkobling.execute("SELECT fnr FROM pasient")}
    tilkobling.close()
    g = Grunnlag(
        mappe, db, krasj.skriv_importfil(mappe / "import.csv", IMPORT_ANTALL, opptatte), avtrykk(db), {}, {}
    )
    for hva in ("eksempeldata", "importer"):
        referanse = kopi(db, mappe / f"ferdig-{hva}.db")
        g.tid[hva] = kjor_ferdig(g.args(hva), mappe, referanse)
        g.etter[hva] = avtrykk(referanse)
        assert g.etter[hva]["pasient"] == g.for_["pasient"] + (
            EKSEMPEL_ANTALL if hva == "eksempeldata" else IMPORT_ANTALL
        )
    return g


def drep_underveis(
    g: Grunnlag,
    hva: str,
    db: Path,
    mappe: Path,
    drept_innenfra: DreptInnenfra,
    *,
    ved: str | None = None,
    wal: int = 0,
    andel: float = 0.0,
) -> bool:
    """Run the command on `db` and kill it: at a statement (`ved`, from inside), once the -wal file
    is larger than `wal` bytes, or after `andel` of a complete run's time. True if it was killed
    (False: it finished first, which only a timed kill may do)."""
    if ved:
        drept_innenfra(mappe, db, g.args(hva), ved)
        return True
    sekunder = andel * g.tid[hva] if andel else 120
    kode = krasj.drep_etter(krasj.kommando(db, g.args(hva), None), miljo(mappe, db), sekunder, wal, db, 0.002)
    assert kode in (0, -signal.SIGKILL), kode
    return kode == -signal.SIGKILL


def sjekk_alt_eller_ingenting(g: Grunnlag, hva: str, db: Path, kjor: Callable) -> str:
    """The register opens and passes its checks, and holds the whole run or none of it."""
    etter = avtrykk(db)
    assert etter in (g.for_, g.etter[hva]), {
        k: (g.for_.get(k), v, g.etter[hva].get(k)) for k, v in etter.items() if v != g.for_.get(k)
    }
    sjekk_ok(kjor, "--db", str(db))
    assert json_ut(kjor("--db", str(db), "vis", "1", "--json"))["id"] == 1
    # It takes a write as well (one more setting row at most).
    assert kjor("--db", str(db), "innstillinger", "sp1_uker", "4").exit_code == 0
    return "alt" if etter == g.etter[hva] else "ingenting"


def _drap(antall: int) -> list[tuple[str, dict[str, Any], str | None, bool]]:
    """(label, how to kill, the outcome it must give (None: either is right), whether uncommitted
    pages must have reached the -wal file by then)."""
    ved = [
        ("midt i punktene", {"ved": f"INSERT INTO samhandlingspunkt*{3 * antall // 2}"}, "ingenting", True),
        ("ved COMMIT", {"ved": "INSERT INTO tilgangslogg*1;COMMIT*1"}, "ingenting", True),
        ("-wal over 1 MB", {"wal": 1_000_000}, None, False),
        ("90 % av tiden", {"andel": 0.9}, None, False),
    ]
    if ALLE:
        ved += [
            ("første pasientrad", {"ved": "INSERT INTO pasient*1"}, "ingenting", False),
            ("siste tilgangsloggrad", {"ved": f"INSERT INTO tilgangslogg*{antall}"}, "ingenting", True),
            *(
                (f"{a:.0%} av tiden", {"andel": a}, None, False)
                for a in (0.2, 0.4, 0.6, 0.75, 0.95, 0.99, 1.05)
            ),
        ]
    return ved


DRAP = [
    pytest.param(hva, maate, utfall, wal_skrevet, id=f"{hva}-{navn}")
    for hva, antall in (("eksempeldata", EKSEMPEL_ANTALL), ("importer", IMPORT_ANTALL))
    for navn, maate, utfall, wal_skrevet in _drap(antall)
]


@pytest.mark.parametrize(("hva", "maate", "utfall", "wal_skrevet"), DRAP)
def test_drept_midt_i_en_stor_endring_gir_alt_eller_ingenting_og_et_helt_register(
    grunnlag: Grunnlag,
    kjor: Callable,
    tmp_path: Path,
    hva: str,
    maate: dict[str, Any],
    utfall: str | None,
    wal_skrevet: bool,
    drept_innenfra: DreptInnenfra,
) -> None:
    db = kopi(grunnlag.db, tmp_path / "register.db")
    drept = drep_underveis(grunnlag, hva, db, tmp_path, drept_innenfra, **maate)
    if "wal" in maate or "ved" in maate:
        assert drept, "the run finished before the kill"
    if wal_skrevet:
        # Uncommitted pages were already on disk when the process died: recovery must drop them.
        assert krasj.wal(db) > 0
    resultat = sjekk_alt_eller_ingenting(grunnlag, hva, db, kjor)
    if utfall is not None:
        assert resultat == utfall
    if not drept:
        assert resultat == "alt"


# --- sikkerhetskopi: no half-made backup under the backup's name -----------------------------

KOPI_DRAP = (
    "VACUUM INTO*1",  # the copy is about to be written
    "VACUUM INTO*1;PRAGMA integrity_check*1",  # written, its check about to run
)


@pytest.mark.parametrize("ved", KOPI_DRAP)
def test_drept_sikkerhetskopi_etterlater_ingen_fil_under_kopiens_navn_og_kan_tas_igjen(
    kjor: Callable,
    ny_pasient: Callable,
    db_sti: Path,
    tmp_path: Path,
    ved: str,
    drept_innenfra: DreptInnenfra,
) -> None:
    ny_pasient()
    mappe = tmp_path / "kopier"
    mappe.mkdir()
    kopien = mappe / "kopi.db"
    drept_innenfra(tmp_path, db_sti, ["sikkerhetskopi", str(kopien)], ved)

    # A file under the name asked for would look like a finished backup (and block the next try).
    assert not kopien.exists()
    assert all(f.name.startswith(".") for f in mappe.iterdir()), sorted(f.name for f in mappe.iterdir())
    sjekk_ok(kjor)
    resultat = kjor("sikkerhetskopi", kopien)
    assert resultat.exit_code == 0, resultat.output
    assert avtrykk(kopien)["pasient"] == 1
