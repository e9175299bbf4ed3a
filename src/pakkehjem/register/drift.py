"""Keeping the register file: the access log read back, a backup (`VACUUM INTO`), the
integrity check's queries, and the copy of a plain register into an encrypted one (SQLCipher's
`sqlcipher_export`). The files around these (names, modes, the swap) are `vedlikehold`'s and
`kryptering`'s; the statements are here."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import motor

if TYPE_CHECKING:
    from . import Register


def les_tilgangslogg(
    reg: Register,
    ref: str | None,
    *,
    fra_utc: str | None,
    til_utc: str | None,
    bruker: str | None,
    grense: int | None,
) -> tuple[int | None, list[tuple[Any, ...]]]:
    """(the patient's number or None, the access-log rows oldest first: id, tid, bruker,
    pasient_id, navn, fnr, handling), in one transaction that logs the patients shown as `logg`.

    `fra_utc`/`til_utc`: the UTC times the asked days span (til exclusive); `grense`: the newest N.
    """
    vilkar: list[str] = ["1 = 1"]
    verdier: list[Any] = []
    # julianday reads any stored offset (rows written before times were stored in UTC carry
    # the local one).
    if fra_utc:
        vilkar.append("julianday(l.tid) >= julianday(?)")
        verdier.append(fra_utc)
    if til_utc:
        vilkar.append("julianday(l.tid) < julianday(?)")
        verdier.append(til_utc)
    if bruker:
        vilkar.append("l.bruker = ?")
        verdier.append(bruker)
    with reg.transaksjon() as t:
        pasient_id = None
        if ref is not None:
            pasient_id = reg.pasienter.finn_id(ref)
            vilkar.append("l.pasient_id = ?")
            verdier.append(pasient_id)
        sql = (
            "SELECT l.id, l.tid, l.bruker, l.pasient_id, p.navn, p.fnr, l.handling FROM tilgangslogg l"
            f" LEFT JOIN pasient p ON p.id = l.pasient_id WHERE {' AND '.join(vilkar)} ORDER BY l.id"
        )
        if grense is not None:
            # Beyond SQLite's integers LIMIT is a datatype mismatch; no log holds that many rows.
            sql = f"SELECT * FROM ({sql} DESC LIMIT {min(int(grense), 2**63 - 1)}) ORDER BY id"
        rader = t.execute(sql, verdier).fetchall()
        pasienter = {r[3] for r in rader if r[4] is not None}
        if pasient_id is not None:
            pasienter.add(pasient_id)
        t.logg(sorted(pasienter), "logg")
    return pasient_id, rader


def kopier_til(reg: Register, fil: Path) -> None:
    """A consistent copy of the open register into the empty file `fil` (motor.Error when it
    fails). From an encrypted register SQLCipher writes the copy encrypted with the same key."""
    reg.db.execute("VACUUM INTO ?", (str(fil),))


def kopiens_tall(tilkobling: Any) -> tuple[list[str], int, int]:
    """A backup's (integrity check lines, schema version, number of patients)."""
    integritet = [r[0] for r in tilkobling.execute("PRAGMA integrity_check")]
    versjon = tilkobling.execute("PRAGMA user_version").fetchone()[0]
    pasienter = tilkobling.execute("SELECT count(*) FROM pasient").fetchone()[0]
    return integritet, versjon, pasienter


def les_noe(tilkobling: Any) -> None:
    """Read one page, so a file SQLite cannot read (or a wrong key) shows at once."""
    tilkobling.execute("SELECT count(*) FROM sqlite_master").fetchone()


def integritet(tilkobling: Any) -> list[str]:
    """SQLite's integrity check, one problem a line (["ok"] when whole)."""
    return [
        linje
        for (rad,) in tilkobling.execute("PRAGMA integrity_check")
        for linje in str(rad).splitlines()
        if linje.strip()
    ]


def sidenes_integritet(tilkobling: Any) -> list[str]:
    """Every page's HMAC of an encrypted register, free pages too (["ok"] when whole)."""
    return [str(r[0]) for r in tilkobling.execute("PRAGMA cipher_integrity_check")] or ["ok"]


def brutte_nokler(tilkobling: Any) -> list[tuple[Any, ...]]:
    """Rows that point to rows that do not exist: (table, row id, parent, index) each."""
    brudd: list[tuple[Any, ...]] = tilkobling.execute("PRAGMA foreign_key_check").fetchall()
    return brudd


def versjon_og_objekter(tilkobling: Any) -> tuple[int, set[str]]:
    """The schema version and the names of the schema's tables, indexes and triggers."""
    versjon = tilkobling.execute("PRAGMA user_version").fetchone()[0]
    return versjon, {navn for (navn,) in tilkobling.execute("SELECT name FROM sqlite_master")}


# --- a plain register made encrypted --------------------------------------------------------


def koble_til_for_kryptering(sti: Path, ventetid: float) -> Any:
    """A connection to the plain register through SQLCipher's module (which can export)."""
    modul = motor.sqlcipher()
    kilde = modul.connect(sti, timeout=ventetid, isolation_level=None)
    try:
        kilde.execute("PRAGMA cipher_log_level = NONE")
    except BaseException:
        kilde.close()
        raise
    return kilde


def ta_for_seg(kilde: Any) -> bool:
    """Have the plain register to ourselves until the connection closes; False when another
    process has it open."""
    # Leaving WAL needs every other connection gone; it does not wait, so a user is found at once.
    if kilde.execute("PRAGMA journal_mode = DELETE").fetchone()[0] != "delete":
        return False
    # Exclusive locking mode keeps the lock that BEGIN EXCLUSIVE takes after the COMMIT.
    kilde.execute("PRAGMA locking_mode = EXCLUSIVE")
    kilde.execute("BEGIN EXCLUSIVE")
    kilde.execute("COMMIT")
    return True


def innhold(tilkobling: Any) -> tuple[dict[str, int], int]:
    """Rows per table and the schema version."""
    navn = [
        n
        for (n,) in tilkobling.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
        )
    ]
    tabeller = {n: tilkobling.execute(f'SELECT count(*) FROM "{n}"').fetchone()[0] for n in navn}
    return tabeller, tilkobling.execute("PRAGMA user_version").fetchone()[0]


def eksporter_kryptert(kilde: Any, ny: Path, nokkel: str, versjon: int) -> None:
    """The plain register copied into the empty file `ny`, encrypted with `nokkel`."""
    # Bound parameters: neither the path nor the key is ever part of SQL text.
    kilde.execute("ATTACH DATABASE ? AS kryptert KEY ?", (str(ny), nokkel))
    try:
        kilde.execute(f"PRAGMA kryptert.cipher_compatibility = {motor.KOMPATIBILITET}")
        kilde.execute("SELECT sqlcipher_export('kryptert')")
        # sqlcipher_export copies schema and rows, not the schema version.
        kilde.execute(f"PRAGMA kryptert.user_version = {int(versjon)}")
    finally:
        kilde.execute("DETACH DATABASE kryptert")


def kontroller_kryptert(ny: Path, nokkel: str) -> tuple[list[str], list[Any], tuple[dict[str, int], int]]:
    """The new encrypted file opened afresh with the key: (integrity check, pages whose HMAC
    fails, its rows per table and schema version)."""
    tilkobling = motor.koble_til(ny, nokkel)
    try:
        sjekk = [r[0] for r in tilkobling.execute("PRAGMA integrity_check")]
        sider = tilkobling.execute("PRAGMA cipher_integrity_check").fetchall()
        return sjekk, sider, innhold(tilkobling)
    finally:
        tilkobling.close()
