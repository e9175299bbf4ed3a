"""Demo data: the same seed and date give the same register, row for row, however it is written.

The bulk write of `eksempeldata` is tuned for speed (indexes built after the rows, check digits
summed by hand); these tests pin down that what ends up in the register is what it always was, and that
the register's schema is the one every other register has.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Callable
from pathlib import Path

from hjelp import IDAG

# Columns that hold when and by whom a row was written (the clock, the account, the local time
# zone): they differ from run to run and machine to machine, so the digest leaves them out.
TIDSKOLONNER = {"tid", "bruker", "opprettet", "registrert", "startet", "fullfort"}
# A contact point's copy of its episode's patient, number and status (migration 13, newer than
# the digest): the foreign key holds it equal to the episode's own columns, which are summed.
KOPIKOLONNER = {"samhandlingspunkt": {"pasient_id", "forlop_nr", "forlop_status"}}

# The digest of every table of `eksempeldata --antall 2500 --seed 7 --dato IDAG`, taken with the
# code before the bulk write was tuned. 2,500 patients cross a chunk (2,000) and carry
# conversations. Change it only when the demo data is meant to change.
FORVENTET = "36c86ce0969db83fb52ff7ac465d13b0d3d2de60266bb447e7b077251d9e3818"


def innholdssum(sti: Path) -> str:
    """One SHA-256 over every table's rows in rowid order, without the time and user columns."""
    sum_ = hashlib.sha256()
    tilkobling = sqlite3.connect(sti)
    try:
        tabeller = [
            r[0]
            for r in tilkobling.execute(
                "SELECT name FROM sqlite_master"
                " WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
            )
        ]
        for tabell in tabeller:
            markor = tilkobling.execute(f"SELECT * FROM {tabell} ORDER BY rowid")
            utenfor = TIDSKOLONNER | KOPIKOLONNER.get(tabell, set())
            beholdt = [i for i, k in enumerate(markor.description) if k[0] not in utenfor]
            sum_.update(f"{tabell}\n".encode())
            for rad in markor:
                sum_.update(repr(tuple(rad[i] for i in beholdt)).encode())
    finally:
        tilkobling.close()
    return sum_.hexdigest()


def skjema(sti: Path) -> list[tuple[str, str, str, str | None]]:
    """The register's schema as sqlite_master holds it, by name."""
    tilkobling = sqlite3.connect(sti)
    try:
        return tilkobling.execute(
            "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name"
        ).fetchall()
    finally:
        tilkobling.close()


def test_eksempeldata_gir_de_samme_radene_for_samme_seed(kjor: Callable, db_sti: Path) -> None:
    resultat = kjor("eksempeldata", "--antall", "2500", "--seed", "7", "--dato", IDAG)

    assert resultat.exit_code == 0, resultat.output
    assert innholdssum(db_sti) == FORVENTET


def test_eksempeldata_gir_samme_skjema_som_et_nytt_register(
    kjor: Callable, db_sti: Path, tmp_path: Path
) -> None:
    tomt = tmp_path / "tomt.db"
    assert kjor("--db", tomt, "innstillinger").exit_code == 0  # a register migrated, nothing else

    assert kjor("eksempeldata", "--antall", "2500", "--seed", "7", "--dato", IDAG).exit_code == 0

    assert skjema(db_sti) == skjema(tomt)
    tilkobling = sqlite3.connect(db_sti)
    try:
        assert tilkobling.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert tilkobling.execute("PRAGMA foreign_key_check").fetchall() == []
    finally:
        tilkobling.close()


def test_en_masseinnlegging_som_bryter_en_regel_i_tabellen_lagrer_ingenting(testregister: Path) -> None:
    # The bulk write checks the tables' CHECK rules once at the end instead of row by row; a row
    # that breaks one must still be refused, and the whole change with it.
    from datetime import date

    import pytest

    from pakkehjem import eksempel
    from pakkehjem.apning import apne_register
    from pakkehjem.feil import PakkehjemFeil

    register = apne_register(testregister)
    try:
        bunke = next(eksempel.lag(50, 3, date(2026, 11, 23), 6, 1, 1, set()))
        feil_punkt = (*bunke.punkter[7][:5], "tull", *bunke.punkter[7][6:])
        bunke.punkter[7] = feil_punkt
        with (
            pytest.raises(RuntimeError, match="samhandlingspunkt"),
            register.transaksjon(),
            register.mengde.masseinnlegging(),
        ):
            register.mengde.legg_inn_mange(
                bunke.pasienter, bunke.forlop, bunke.punkter, bunke.hendelser, "eksempeldata"
            )
        # Rolled back whole; and the rule is enforced row by row again after the bulk write.
        assert register.mengde.er_tomt()
        with pytest.raises(PakkehjemFeil, match="IntegrityError"), register.transaksjon():
            register.mengde.legg_inn_mange(
                bunke.pasienter, bunke.forlop, bunke.punkter, bunke.hendelser, "eksempeldata"
            )
        assert register.mengde.er_tomt()
    finally:
        register.lukk()
