"""The invitation letter to the patient (`pakkehjem innkalling`): golden txt letters in both
languages, escaping of the place, PDF text, refusing an unbooked contact point, files, the
record and the access log, and the schema migration that made room for it."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from brevdata import BREVDATO, FNR, UTEN_SAMTYKKE, hold_samtale, lag_pasient, sett_avsender
from hjelp import IDAG, json_ut
from pakkehjem.register import MIGRASJONER, Register

GOLDEN = Path(__file__).parent / "golden"
OPPDATER = os.environ.get("PAKKEHJEM_OPPDATER_GOLDEN") == "1"
STED = "Helsehuset, rom 3"


def avtal(kjor: Callable, pasient_id: int, sted: str = STED) -> None:
    resultat = kjor(
        "avtal", str(pasient_id), "2026-11-26", "--sp", "2", "--kl", "10:00", "--sted", sted, "--dato", IDAG
    )
    assert resultat.exit_code == 0, resultat.output


def innkalling(kjor: Callable, pasient_id: int, *args: str) -> Any:
    return kjor("innkalling", str(pasient_id), "--dato", BREVDATO, *args)


@pytest.fixture
def avtalt_pasient(kjor: Callable, ny_pasient: Callable) -> int:
    """The fixed patient with SP2 booked and the sender set (SP1 not booked: --sp 2 is used)."""
    pasient = lag_pasient(ny_pasient)
    avtal(kjor, pasient["id"])
    sett_avsender(kjor)
    return pasient["id"]


@pytest.mark.parametrize("sprak", ["bokmal", "nynorsk"])
def test_txt_innkallingen_er_som_gullfilen(kjor: Callable, avtalt_pasient: int, sprak: str) -> None:
    resultat = innkalling(kjor, avtalt_pasient, "--sp", "2", "--sprak", sprak)
    assert resultat.exit_code == 0, resultat.output
    tekst = resultat.stdout
    fil = GOLDEN / f"innkalling_{sprak}.txt"
    if OPPDATER:
        fil.write_text(tekst, encoding="utf-8")
    assert fil.exists(), f"{fil.name} mangler: kjør med PAKKEHJEM_OPPDATER_GOLDEN=1"
    assert tekst == fil.read_text(encoding="utf-8"), (
        f"Innkallingen avviker fra {fil.name}. Er endringen villet, kjør testene med "
        "PAKKEHJEM_OPPDATER_GOLDEN=1 og se over diffen."
    )


def test_innkallingen_har_tid_sted_tema_og_hvem_som_kan_ringes(kjor: Callable, avtalt_pasient: int) -> None:
    tekst = " ".join(innkalling(kjor, avtalt_pasient, "--sp", "2").stdout.split())
    assert "torsdag 26. november 2026" in tekst and "10:00" in tekst and STED in tekst
    assert "45–60 minutter" in tekst and "pårørende" in tekst and "Ansvarlig: kommunen" in tekst
    for tema in (
        "Familiesituasjon og nettverk",
        "Munn- og tannhelse",
        "Barn som pårørende",
        "Eksistensielle",
    ):
        assert f"- {tema}" in tekst
    assert tekst.count("\n- ") == 0 and tekst.count(" - ") == 15  # the 13 areas, children, existential
    assert "Randi Koordinator" in tekst and "55 55 55 55" in tekst
    # A letter in a mailbox: no diagnosis, no fødselsnummer.
    assert "C50" not in tekst and "Diagnose" not in tekst
    assert FNR not in tekst.replace(" ", "") and FNR[:6] not in tekst.replace(" ", "")


def test_html_escaper_et_fiendtlig_sted(kjor: Callable, ny_pasient: Callable) -> None:
    pasient = lag_pasient(ny_pasient, navn="<b>Ond</b> & Co")
    avtal(kjor, pasient["id"], sted='<script>alert(1)</script><img src=x onerror="x"> & rom 3')
    resultat = innkalling(kjor, pasient["id"], "--sp", "2", "--format", "html")
    assert resultat.exit_code == 0, resultat.output
    html = resultat.stdout
    for farlig in ("<script", "<img", 'onerror="', "<b>Ond"):
        assert farlig not in html, farlig
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=&#34;x&#34;&gt; &amp; rom 3" in html
    assert "&lt;b&gt;Ond&lt;/b&gt; &amp; Co" in html


@pytest.mark.usefixtures("weasyprint")
def test_pdf_har_innkallingens_tekst(
    kjor: Callable, avtalt_pasient: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pypdf = pytest.importorskip("pypdf")
    monkeypatch.chdir(tmp_path)
    resultat = innkalling(kjor, avtalt_pasient, "--sp", "2", "--format", "pdf", "--sprak", "nynorsk")
    assert resultat.exit_code == 0, resultat.output
    (fil,) = tmp_path.glob("brev-*.pdf")
    assert stat.S_IMODE(fil.stat().st_mode) == 0o600
    tekst = " ".join(" ".join(s.extract_text() or "" for s in pypdf.PdfReader(fil).pages).split())
    assert "Innkalling til samtale" in tekst and "torsdag 26. november 2026" in tekst
    assert STED in tekst and "Kva samtalen handlar om" in tekst and "Eksistensielle" in tekst


def test_ikke_avtalt_avvises_og_ingenting_registreres(
    kjor: Callable, ny_pasient: Callable, forvent_feil: Callable, db_sti: Path
) -> None:
    pid = lag_pasient(ny_pasient)["id"]
    for args in ((), ("--sp", "2")):
        forvent_feil(
            innkalling(kjor, pid, *args), 1, "ikke avtalt", f"pakkehjem avtal {pid} DATO --kl TT:MM --sted"
        )
    avtal(kjor, pid)
    forvent_feil(innkalling(kjor, pid), 1, "Samhandlingspunkt 1", "ikke avtalt")  # default: the first open
    assert json_ut(kjor("vis", str(pid), "--json"))["brev"] == []
    tilkobling = sqlite3.connect(db_sti)
    try:
        assert tilkobling.execute("SELECT count(*) FROM brev").fetchone()[0] == 0
        assert (
            tilkobling.execute(
                "SELECT count(*) FROM tilgangslogg WHERE handling LIKE 'innkalling%'"
            ).fetchone()[0]
            == 0
        )
    finally:
        tilkobling.close()


def test_fil_0600_registrert_og_logget(
    kjor: Callable, avtalt_pasient: int, tmp_path: Path, db_sti: Path, forvent_feil: Callable
) -> None:
    ut = tmp_path / "innkalling.txt"
    resultat = innkalling(kjor, avtalt_pasient, "--sp", "2", "-o", str(ut))
    assert resultat.exit_code == 0, resultat.output
    assert stat.S_IMODE(ut.stat().st_mode) == 0o600
    forvent_feil(innkalling(kjor, avtalt_pasient, "--sp", "2", "-o", str(ut)), 1, "--overskriv")
    data = json_ut(kjor("vis", str(avtalt_pasient), "--json"))
    (brevet,) = data["brev"]
    assert brevet["art"] == "innkalling" and brevet["mottaker"] == "pasient" and brevet["samtale"] is None
    assert brevet["sha256"] == hashlib.sha256(ut.read_bytes()).hexdigest()
    assert brevet["fil"] == str(ut.resolve()) and brevet["format"] == "txt"
    tilkobling = sqlite3.connect(db_sti)
    try:
        handlinger = [
            r[0]
            for r in tilkobling.execute(
                "SELECT handling FROM tilgangslogg WHERE pasient_id = ?", (avtalt_pasient,)
            )
        ]
    finally:
        tilkobling.close()
    # The refused second run checks -o before the patient is read: it leaves no log row.
    assert handlinger.count("innkalling-pasient") == 1 and handlinger.count("innkalling") == 1
    resultat = kjor("vis", str(avtalt_pasient), env={"COLUMNS": "140"})
    assert "pasient (Synne Testesen) – innkalling" in resultat.stdout


def test_migrering_beholder_gamle_brev(
    kjor: Callable, ny_pasient: Callable, tmp_path: Path, db_sti: Path
) -> None:
    """A register from before the invitation (schema 3) keeps its letters, as summaries."""
    pid = lag_pasient(ny_pasient)["id"]
    hold_samtale(kjor, tmp_path, pid, UTEN_SAMTYKKE)
    assert kjor("avsender", "--navn", "Randi Koordinator").exit_code == 0
    assert kjor("brev", str(pid), "--til", "pasient", "--dato", BREVDATO).exit_code == 0
    tilkobling = sqlite3.connect(db_sti, isolation_level=None)
    kolonner = (
        "id, pasient_id, samtale_id, mottaker, mottaker_navn, format, sprak, sha256, fil, skrevet, bruker"
    )
    tilkobling.executescript(  # back to schema 3: the brev table as migration 3 made it
        # (and without what later migrations added elsewhere, so they can run again)
        "DROP TABLE mottatt; ALTER TABLE samtykke DROP COLUMN omfang; ALTER TABLE samtykke DROP COLUMN navn;"
        " ALTER TABLE forlop DROP COLUMN til_kommune; ALTER TABLE tiltak DROP COLUMN mottatt_id;"
        " DROP INDEX forlop_nokkel;"
        f"CREATE TABLE b3 AS SELECT {kolonner} FROM brev; DROP TABLE brev;"
        + "\n".join(MIGRASJONER[2])
        + f"INSERT INTO brev ({kolonner}) SELECT {kolonner} FROM b3; DROP TABLE b3; PRAGMA user_version = 3;"
    )
    for_migrering = tilkobling.execute(f"SELECT {kolonner} FROM brev").fetchall()
    tilkobling.close()
    register = Register.fra_fil(db_sti)
    try:
        assert register.db.execute("PRAGMA user_version").fetchone()[0] == len(MIGRASJONER)
        assert register.db.execute(f"SELECT {kolonner} FROM brev").fetchall() == for_migrering
        assert register.db.execute("SELECT art FROM brev").fetchall() == [("oppsummering",)]
        with pytest.raises(sqlite3.DatabaseError, match="kan bare utvides"):
            register.db.execute("DELETE FROM brev")
    finally:
        register.lukk()
