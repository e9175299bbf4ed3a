"""The connection: opening the file, the engine's settings, and the running transaction.

Everything engine-specific of the store is here (PRAGMAs, WAL, the busy timeout, SQLCipher
through `motor`, `VACUUM INTO`), so another engine would replace this module and keep the
groups. The key of an encrypted register is an argument: nothing here asks for it.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from .. import fnr as fnr_regler
from ..datoer import tidspunkt_utc
from ..feil import Avvist, Opptatt, PakkehjemFeil, SkadetDatabase, UgyldigInndata
from ..regler import navnetreff
from . import motor

VENTETID_STANDARD = 10.0  # seconds a command waits for another user's lock
# The most of a register file `Transaksjon.spredt_lesing` maps: larger than any register of
# this size yet (1,000,000 patients is 1 GB); beyond it SQLite reads the rest as usual.
KART_BYTER = 4 << 30


def bruker() -> str:
    """The operating-system user, for the access log and the timeline: the account that owns
    the process (its effective uid in the password database), never LOGNAME or USER, which
    anyone can set to anyone, or to an escape sequence."""
    if not hasattr(os, "geteuid"):  # Windows: no uid; the logon name is what there is
        return os.environ.get("USERNAME") or "ukjent"
    uid = os.geteuid()
    try:
        import pwd

        return pwd.getpwuid(uid).pw_name
    except KeyError:  # a uid with no entry in the password database (a container, say)
        return f"uid:{uid}"


def feil_fra_sqlite(feil: Exception) -> PakkehjemFeil:
    """A database error from either engine (motor.Error) as the user's message."""
    tekst = str(feil).lower()
    if motor.er_opptatt(feil):
        return Opptatt("Databasen er opptatt: en annen bruker skriver til den. Vent litt og prøv igjen.")
    if "not a database" in tekst or "malformed" in tekst or "corrupt" in tekst:
        return SkadetDatabase(
            "Databasefilen er skadet eller er ikke et pakkehjem-register. "
            "Hent den siste sikkerhetskopien, eller kontakt den som drifter registeret."
        )
    if "readonly" in tekst or "read-only" in tekst or "unable to open" in tekst:
        return PakkehjemFeil(
            "Databasefilen kan ikke åpnes for skriving. Sjekk at du eier filen og mappen den ligger i."
        )
    if "disk is full" in tekst or "database or disk is full" in tekst:
        # Trying again cannot help here: say what can.
        return PakkehjemFeil(
            "Disken er full, og endringen er ikke lagret. Frigjør plass på disken der registeret "
            "ligger, og kjør kommandoen på nytt."
        )
    if "disk i/o error" in tekst:
        return PakkehjemFeil(
            "Lese- eller skrivefeil på disken der registeret ligger; endringen er ikke lagret. Sjekk "
            "disken (og at den ikke er full), og kjør «pakkehjem sjekk»."
        )
    return PakkehjemFeil(f"Databasefeil ({type(feil).__name__}). Kjør kommandoen på nytt.")


def ventetid_fra_miljo() -> float:
    """How long to wait for a busy register: PAKKEHJEM_VENTETID seconds, or the default."""
    tekst = os.environ.get("PAKKEHJEM_VENTETID")
    if tekst is None or not tekst.strip():
        return VENTETID_STANDARD
    try:
        verdi = float(tekst)
    except ValueError:
        verdi = -1.0
    if not 0 <= verdi <= 3600:  # nan and inf fail this too
        raise UgyldigInndata(
            "Miljøvariabelen PAKKEHJEM_VENTETID skal være et antall sekunder, for eksempel 5. "
            "Rett den, eller fjern den med «unset PAKKEHJEM_VENTETID»."
        )
    return verdi


def fjern_tom(sti: Path) -> None:
    """Remove a register file this run created and never wrote to."""
    with contextlib.suppress(OSError):
        if sti.stat().st_size == 0:
            sti.unlink()


def forbered_fil(sti: Path | str) -> tuple[Path, bool]:
    """The register's path (expanded), created empty with mode 0600 when it is missing;
    True when it was created now. Refuses a folder, a file others may write, a device."""
    from ..filer import registerfil_problem, rydd_rester, utvid

    sti = utvid(sti)
    try:
        er_mappe = sti.is_dir()
    except OSError as feil:  # a name longer than the file system takes (ENAMETOOLONG)
        raise UgyldigInndata(f"Kan ikke bruke {sti} som database ({feil.strerror}).") from None
    if er_mappe:
        raise UgyldigInndata(f"{sti} er en mappe. Oppgi en fil for databasen.")
    # A file another user planted (mode 0666), a device or a dangling link is refused.
    problem = registerfil_problem(sti)
    if problem:
        raise Avvist(problem)
    ny = False
    try:
        sti.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        # Created here with 0600 so SQLite's own -wal and -shm files copy that mode.
        fd = os.open(sti, os.O_CREAT | os.O_EXCL | os.O_WRONLY | getattr(os, "O_NOFOLLOW", 0), 0o600)
        os.close(fd)
        ny = True
    except FileExistsError:
        pass
    except OSError as feil:
        raise PakkehjemFeil(
            f"Kan ikke opprette databasen i {sti.parent} ({feil.strerror}). "
            "Velg en annen plass med --db eller PAKKEHJEM_DB."
        ) from None
    # Leftovers of a killed command beside the register (krypter's copy) hold patient data.
    rydd_rester(sti.parent)
    return sti, ny


def koble_til(sti: Path, nokkel: str | None, ventetid: float) -> Any:
    """A connection to the register file with the engine's settings: foreign keys on, WAL,
    the busy timeout, and the SQL functions the queries use (masking, state, name search)."""
    if nokkel is None and motor.er_kryptert(sti):
        # Exit 1, not 2: without a key an encrypted file cannot be told from a damaged one.
        raise SkadetDatabase(motor.MANGLER_NOKKEL)
    try:
        tilkobling = motor.koble_til(sti, nokkel, timeout=ventetid, isolation_level=None)
    except motor.Error as feil:
        raise feil_fra_sqlite(feil) from None
    # SQLite's NOCASE folds ASCII only; filters on names of places and people need æøå.
    tilkobling.create_collation("NORSK", _norsk_sammenligning)
    tilkobling.create_function("masker", 1, fnr_regler.masker, deterministic=True)
    tilkobling.create_function("navnetreff", 2, navnetreff, deterministic=True)
    try:
        tilkobling.execute("PRAGMA foreign_keys = ON")
        tilkobling.execute(f"PRAGMA busy_timeout = {int(ventetid * 1000)}")
        _sla_pa_wal(tilkobling, ventetid)
        tilkobling.execute("PRAGMA synchronous = NORMAL")
    except motor.Error as feil:
        tilkobling.close()
        raise feil_fra_sqlite(feil) from None
    return tilkobling


class Transaksjon:
    """One change in progress (BEGIN IMMEDIATE ... COMMIT): the connection's `execute`, and the
    two records every change keeps, the access log (`logg`, written at the commit) and the
    patient's timeline (`hendelse`). Every group of the store writes through it."""

    def __init__(self, db: Any) -> None:
        self.db = db
        # Per kind of access, the patient ids logged so far as comma-separated texts (repeats
        # allowed): SQLite makes them one row per patient at the commit.
        self._tilgang: dict[str, list[str]] = {}

    def execute(self, sql: str, parametre: Any = ()) -> Any:
        """Run one statement in the transaction."""
        return self.db.execute(sql, parametre)

    def executemany(self, sql: str, rader: Iterable[Any]) -> Any:
        """Run one statement for many rows in the transaction."""
        return self.db.executemany(sql, rader)

    @contextlib.contextmanager
    def regler_til_slutt(self) -> Iterator[None]:
        """A bulk write whose rows meet the tables' CHECK rules once, at the end, instead of row
        by row: SQLite works out a rule of the form `status IN (...)` by building a small
        table for every row it checks, which was two thirds of the cost of writing a contact
        point. At the end every table with a CHECK rule is checked whole (PRAGMA quick_check,
        which checks the CHECK and NOT NULL rules and the indexes), read from the schema so a
        rule added later is checked too; a row that breaks one raises, and the transaction is
        rolled back like any other failed change."""
        self.db.execute("PRAGMA ignore_check_constraints = ON")
        try:
            yield
        finally:
            self.db.execute("PRAGMA ignore_check_constraints = OFF")
        # A match in a column name only adds a table to check, never leaves one out.
        tabeller = [
            rad[0]
            for rad in self.db.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE '%CHECK%' ORDER BY name"
            )
        ]
        for tabell in tabeller:
            funn = [rad[0] for rad in self.db.execute(f'PRAGMA quick_check("{tabell}")')]
            if funn != ["ok"]:
                # The rows are the program's own: a broken rule here is a fault, not bad input.
                raise RuntimeError(f"En masseinnlegging brøt reglene for tabellen {tabell}.")

    @contextlib.contextmanager
    def spredt_lesing(self) -> Iterator[None]:
        """A read that joins rows from all over the file (the work list: one patient and one
        episode looked up for each of up to 130,000 points) reads the file through a memory map
        instead of one read call per page: on 1,000,000 patients the query took 1.0 s instead
        of 1.5 s. Only for such reads: the pages a process has mapped count in its resident
        memory, and a scan of the whole patient table (`pasienter`) would show the file's size
        there. An encrypted register (SQLCipher) does not map its file; this changes nothing."""
        self.db.execute(f"PRAGMA mmap_size = {KART_BYTER}")
        try:
            yield
        finally:
            self.db.execute("PRAGMA mmap_size = 0")

    def logg(self, pasient_ider: int | Iterable[int], handling: str) -> None:
        """Record access to these patients; written with the commit."""
        if isinstance(pasient_ider, int):
            pasient_ider = (pasient_ider,)
        self.logg_liste(",".join(map(str, pasient_ider)), handling)

    def logg_liste(self, pasient_ider: str, handling: str) -> None:
        """Record access to the patients of a comma-separated id list a query made itself
        (`group_concat`), repeats allowed: a work list's 131,000 ids are never Python ints. An
        empty list records nothing, so a transaction that listed no patient writes no log."""
        if pasient_ider:
            self._tilgang.setdefault(handling, []).append(pasient_ider)

    def logg_utvalg(self, sporring: str, verdier: Any, handling: str) -> None:
        """Record access to every patient id the query `sporring` (one column) gives, in one
        statement: a list of 100,000 patients is logged without a row passing through Python."""
        self.db.execute(
            "INSERT INTO tilgangslogg (tid, bruker, pasient_id, handling)"
            f" SELECT :logg_tid, :logg_bruker, utvalg.id, :logg_handling FROM ({sporring}) AS utvalg",
            {**verdier, "logg_tid": tidspunkt_utc(), "logg_bruker": bruker(), "logg_handling": handling},
        )

    def hendelse(
        self, pasient_id: int, forlop_nr: int | None, sp: int | None, type_: str, tekst: str
    ) -> None:
        """A line in the patient's timeline: what changed, now, by this user."""
        self.db.execute(
            "INSERT INTO hendelse (tid, bruker, pasient_id, forlop_nr, sp, type, tekst)"
            " VALUES (?,?,?,?,?,?,?)",
            (tidspunkt_utc(), bruker(), pasient_id, forlop_nr, sp, type_, tekst),
        )

    def skriv_tilgangslogg(self) -> None:
        """The access-log rows of this transaction, written last, before the commit: one row per
        patient and kind of access, by patient id."""
        if not self._tilgang:
            return
        tid, hvem = tidspunkt_utc(), bruker()
        # One statement per kind of access, the ids as one JSON array: a work list of
        # 130,000 rows is logged in a fifth of the time a row-by-row insert takes.
        for handling, deler in self._tilgang.items():
            self.db.execute(
                "INSERT INTO tilgangslogg (tid, bruker, pasient_id, handling)"
                " SELECT ?, ?, value, ? FROM (SELECT DISTINCT value FROM json_each(?) ORDER BY value)",
                (tid, hvem, handling, "[" + ",".join(deler) + "]"),
            )
        self._tilgang = {}


def _sla_pa_wal(tilkobling: sqlite3.Connection, ventetid: float) -> None:
    """WAL journal on. Switching the mode of a new file does not wait on the busy timeout
    (two processes opening a new register at once got "locked" at once), so wait here."""
    frist = time.monotonic() + ventetid
    while True:
        try:
            if tilkobling.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                tilkobling.execute("PRAGMA journal_mode = WAL")
            return
        except motor.OperationalError as feil:
            if "locked" not in str(feil) or time.monotonic() >= frist:
                raise
        time.sleep(0.01)


def _norsk_sammenligning(a: str, b: str) -> int:
    a, b = a.casefold(), b.casefold()
    return (a > b) - (a < b)
