"""The SQLite engines behind a register: the standard library's sqlite3 for a plain file,
sqlcipher3 (SQLCipher 4) for an encrypted one.

- A plain SQLite file starts with the 16 bytes `SQLite format 3\\0`; an encrypted file looks
  random from its first byte. `er_kryptert` tells them apart by that header.
- sqlcipher3 is the optional extra `kryptering`. It is imported only when an encrypted register
  is opened or made: a plain register never loads it (start-up time).
- sqlcipher3's error classes are not subclasses of sqlite3's. Code catches the tuples here
  (`except motor.Error`): they grow when sqlcipher3 is loaded, and an `except` clause looks
  its expression up when an error is caught, so every handler covers both engines.
- The key (a passphrase) is an argument here; it is found (PAKKEHJEM_NOKKEL, else a hidden
  prompt) at the edge, in `pakkehjem.nokkel`. It goes to SQLCipher through `sqlite3_key`
  (`set_key`: no SQL text to quote), and SQLCipher derives the page key from it with
  PBKDF2-HMAC-SHA512 and the file's own random salt.
"""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

from ..feil import FeilNokkel, PakkehjemFeil

HODE = b"SQLite format 3\x00"
MILJOVARIABEL = "PAKKEHJEM_NOKKEL"
INSTALLER = "pip install 'pakkehjem[kryptering]'"
# SQLCipher 4's settings by name (AES-256-CBC, HMAC-SHA512, PBKDF2-HMAC-SHA512 with 256,000
# iterations, 4096-byte pages): a later SQLCipher with other defaults still opens our files.
KOMPATIBILITET = 4

Error: tuple[type[Exception], ...] = (sqlite3.Error,)
DatabaseError: tuple[type[Exception], ...] = (sqlite3.DatabaseError,)
OperationalError: tuple[type[Exception], ...] = (sqlite3.OperationalError,)

FEIL_NOKKEL = (
    "Feil nøkkel, eller filen er ikke et pakkehjem-register. "
    "Prøv igjen med riktig nøkkel; er filen skadet, hent den siste sikkerhetskopien."
)
MANGLER_NOKKEL = (
    "Databasefilen er skadet, eller den er kryptert og nøkkelen mangler. Er registeret kryptert: "
    f"oppgi nøkkelen i miljøvariabelen {MILJOVARIABEL}, eller kjør kommandoen i en terminal og "
    "skriv den inn. Er filen skadet: hent den siste sikkerhetskopien, "
    "eller kontakt den som drifter registeret."
)


def er_kryptert(sti: Path) -> bool:
    """True for a non-empty file without the plain SQLite header: encrypted (or damaged).

    Reads the file through a descriptor of its own; call it before this process opens a
    connection to the file (closing any descriptor drops the process's POSIX locks on it).
    """
    try:
        with open(sti, "rb") as fil:
            hode = fil.read(len(HODE))
    except OSError:
        return False
    return bool(hode) and hode != HODE


def sqlcipher() -> ModuleType:
    """sqlcipher3's DB-API module, imported on first use; a clear message when it is missing."""
    try:
        from sqlcipher3 import dbapi2
    except ImportError:
        raise PakkehjemFeil(
            f"Krypterte registre trenger pakken sqlcipher3. Installer den med «{INSTALLER}»."
        ) from None
    global Error, DatabaseError, OperationalError
    if dbapi2.Error not in Error:
        Error = (*Error, dbapi2.Error)
        DatabaseError = (*DatabaseError, dbapi2.DatabaseError)
        OperationalError = (*OperationalError, dbapi2.OperationalError)
    modul: ModuleType = dbapi2
    return modul


def er_opptatt(feil: Exception) -> bool:
    """Whether a database error (either engine) means another connection held the lock too long."""
    tekst = str(feil).lower()
    return "locked" in tekst or "busy" in tekst


def er_lastet() -> bool:
    """Whether sqlcipher3 is loaded in this process (the start-up tests look)."""
    return "sqlcipher3" in sys.modules


# --- connecting ---------------------------------------------------------------------------


def koble_til(sti: str | Path, nokkel: str | None = None, **valg: Any) -> Any:
    """A connection to `sti`: sqlite3 without a key, sqlcipher3 with one (checked at once).

    `valg` go to `connect` (timeout, isolation_level, uri). A key that does not open the file
    raises FeilNokkel; SQLCipher's own log lines are off, so stderr holds only our message.
    """
    if nokkel is None:
        return sqlite3.connect(sti, **valg)
    modul = sqlcipher()
    tilkobling = modul.connect(sti, **valg)
    try:
        # Before the key: SQLCipher otherwise writes "ERROR CORE ..." lines to stderr itself.
        tilkobling.execute("PRAGMA cipher_log_level = NONE")
        sett_nokkel(tilkobling, nokkel)
        tilkobling.execute(f"PRAGMA cipher_compatibility = {KOMPATIBILITET}")
        # The key is only tried when a page is read: read one now to tell a wrong key apart.
        tilkobling.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except modul.DatabaseError as feil:
        tilkobling.close()
        if "not a database" in str(feil).lower():
            raise FeilNokkel(FEIL_NOKKEL) from None
        raise
    except BaseException:
        tilkobling.close()
        raise
    return tilkobling


def sett_nokkel(tilkobling: Any, nokkel: str) -> None:
    """Give the passphrase to SQLCipher (`sqlite3_key`, or `PRAGMA key` with quotes doubled)."""
    if hasattr(tilkobling, "set_key"):
        tilkobling.set_key(nokkel)
    else:  # pragma: no cover - older sqlcipher3 builds
        tilkobling.execute("PRAGMA key = '{}'".format(nokkel.replace("'", "''")))
