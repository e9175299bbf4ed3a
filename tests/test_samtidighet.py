"""Two coordinators on one register file at the same time: real processes, no lost writes."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Callable
from datetime import date
from pathlib import Path

from hjelp import IDAG

PER_PROSESS = 20


def test_to_prosesser_som_registrerer_samtidig_mister_ingenting(
    kjor: Callable, db_sti: Path, syntetisk_fnr: Callable
) -> None:
    # A realistic busy timeout: each waits for the other's short transactions.
    miljo = {**os.environ, "PAKKEHJEM_DB": str(db_sti), "PAKKEHJEM_VENTETID": "10"}
    numre = [
        [syntetisk_fnr(date(1950 + i % 40, 1 + i % 12, 1 + i % 28)) for i in range(PER_PROSESS)] for _ in "ab"
    ]
    start = threading.Barrier(2)
    feil: list[str] = []

    def pakkehjem(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "pakkehjem", *args], env=miljo, capture_output=True, text=True, timeout=60
        )

    def koordinator(navn: str, mine: list[str]) -> None:
        start.wait()
        # Both start on a register file that does not exist yet (a test register).
        resultat = pakkehjem("innstillinger", "tillat_syntetiske", "ja")
        if resultat.returncode != 0:
            feil.append(f"{navn}: {resultat.returncode} {resultat.stderr}")
        for i, nummer in enumerate(mine):
            resultat = pakkehjem(
                "ny-pasient",
                "--fnr",
                nummer,
                "--navn",
                f"Pasient {navn}{i}",
                "--diagnosedato",
                "2026-11-02",
                "--dato",
                IDAG,
                "--koordinator",
                navn,
            )
            if resultat.returncode != 0:
                feil.append(f"{navn}{i}: {resultat.returncode} {resultat.stderr}")

    trader = [
        threading.Thread(target=koordinator, args=(navn, mine))
        for navn, mine in zip("AB", numre, strict=True)
    ]
    for trad in trader:
        trad.start()
    for trad in trader:
        trad.join()

    assert feil == []
    pasienter = json.loads(kjor("pasienter", "--json", "--dato", IDAG).stdout)
    assert len(pasienter) == 2 * PER_PROSESS
    assert sorted(p["pasient_id"] for p in pasienter) == list(range(1, 2 * PER_PROSESS + 1))
    assert {p["koordinator"] for p in pasienter} == {"A", "B"}
    # Every patient whole: one episode, three contact points, and its access-log row.
    tilkobling = sqlite3.connect(db_sti)
    try:
        assert tilkobling.execute("SELECT count(*) FROM forlop").fetchone()[0] == 2 * PER_PROSESS
        assert tilkobling.execute("SELECT count(*) FROM samhandlingspunkt").fetchone()[0] == 6 * PER_PROSESS
        logg = tilkobling.execute("SELECT count(*) FROM tilgangslogg WHERE handling = 'ny-pasient'")
        assert logg.fetchone()[0] == 2 * PER_PROSESS
    finally:
        tilkobling.close()
    for koordinator_ in "AB":
        rader = json.loads(kjor("forfaller", "--koordinator", koordinator_, "--json", "--dato", IDAG).stdout)
        assert len(rader) == PER_PROSESS  # SP1 of each, in its window


def test_to_prosesser_som_apner_et_nytt_register_samtidig_venter_paa_hverandre(tmp_path: Path) -> None:
    # Switching a new file to WAL once failed at once with "opptatt" instead of waiting when
    # another process opened the same new file (about one round in seven). Several rounds.
    miljo = {**os.environ, "PAKKEHJEM_VENTETID": "10"}
    for runde in range(8):
        sti = tmp_path / f"nytt-{runde}.db"
        prosesser = [
            subprocess.Popen(
                [sys.executable, "-m", "pakkehjem", "--db", str(sti), "innstillinger", "sp1_uker", uker],
                env=miljo,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for uker in ("5", "6")
        ]
        for prosess in prosesser:
            _, feil = prosess.communicate(timeout=60)
            assert prosess.returncode == 0, feil
