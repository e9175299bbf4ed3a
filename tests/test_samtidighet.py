"""Coordinators on one register file at the same time: real processes, no lost writes.

The mixed-load tests run bench/samtidig.py for 3 s each; set PAKKEHJEM_SAMTIDIG_SEKUNDER
(for example 60) for longer runs.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from collections.abc import Callable
from datetime import date
from pathlib import Path
from types import ModuleType

from hjelp import IDAG, bench_modul
from varm_prosess import VarmProsess

PER_PROSESS = 20


# A coordinator's process: runs each command it reads from stdin (one JSON list of arguments a
# line) through the console script's own entry point (cli.main, as `pakkehjem ARGS` runs it, with
# a new connection to the register each time), and answers with a line «@utfall CODE». One
# process per coordinator rather than one per command: the locking under test is between
# processes, and starting Python and pakkehjem for each command was most of these tests' time.
KOORDINATOR = """
import json, sys
from pakkehjem import cli
for linje in sys.stdin:
    sys.argv = ["pakkehjem", *json.loads(linje)]
    try:
        cli.main()
        kode = 0
    except SystemExit as slutt:
        kode = slutt.code if isinstance(slutt.code, int) else 1
    sys.stderr.flush()
    print("@utfall", kode, flush=True)
"""


class Koordinator:
    """A coordinator's own pakkehjem process (KOORDINATOR), forked from the worker's warm Python
    (tests/varm_prosess.py) with its stdin and stdout piped; its stderr goes to `logg`."""

    def __init__(self, varm: VarmProsess, miljo: dict[str, str], logg: Path) -> None:
        self.logg = logg
        self.prosess = varm.ror([], kode=KOORDINATOR, feil_til=logg, miljo=miljo, cwd=Path.cwd())

    def send(self, *args: str) -> None:
        assert self.prosess.stdin is not None
        self.prosess.stdin.write(json.dumps(args) + "\n")
        self.prosess.stdin.flush()

    def utfall(self) -> int | None:
        """The exit code of the command sent last (None: the process is gone)."""
        assert self.prosess.stdout is not None
        for linje in self.prosess.stdout:
            if linje.startswith("@utfall "):
                return int(linje.split()[1])
        return None

    def kjor(self, *args: str) -> int | None:
        self.send(*args)
        return self.utfall()

    def feil(self) -> str:
        return self.logg.read_text()

    def avslutt(self) -> None:
        assert self.prosess.stdin is not None
        self.prosess.stdin.close()
        self.prosess.wait(timeout=60)
        assert self.prosess.returncode == 0, self.feil()


def test_to_prosesser_som_registrerer_samtidig_mister_ingenting(
    kjor: Callable, db_sti: Path, syntetisk_fnr: Callable, tmp_path: Path, varm: VarmProsess
) -> None:
    # A realistic busy timeout: each waits for the other's short transactions.
    miljo = {**os.environ, "PAKKEHJEM_DB": str(db_sti), "PAKKEHJEM_VENTETID": "10"}
    numre = [
        [syntetisk_fnr(date(1950 + i % 40, 1 + i % 12, 1 + i % 28)) for i in range(PER_PROSESS)] for _ in "ab"
    ]
    koordinatorer = [Koordinator(varm, miljo, tmp_path / f"{navn}.stderr") for navn in "AB"]
    start = threading.Barrier(2)
    feil: list[str] = []

    def koordinator(navn: str, prosess: Koordinator, mine: list[str]) -> None:
        start.wait()
        # Both start on a register file that does not exist yet (a test register).
        kode = prosess.kjor("innstillinger", "tillat_syntetiske", "ja")
        if kode != 0:
            feil.append(f"{navn}: {kode} {prosess.feil()}")
        for i, nummer in enumerate(mine):
            kode = prosess.kjor(
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
            if kode != 0:
                feil.append(f"{navn}{i}: {kode} {prosess.feil()}")

    trader = [
        threading.Thread(target=koordinator, args=(navn, prosess, mine))
        for navn, prosess, mine in zip("AB", koordinatorer, numre, strict=True)
    ]
    for trad in trader:
        trad.start()
    for trad in trader:
        trad.join()
    for prosess in koordinatorer:
        prosess.avslutt()

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


def test_to_prosesser_som_apner_et_nytt_register_samtidig_venter_paa_hverandre(
    tmp_path: Path, varm: VarmProsess
) -> None:
    # Switching a new file to WAL once failed at once with "opptatt" instead of waiting when
    # another process opened the same new file (about one round in seven). Several rounds, each
    # a new file both processes are told to open at the same moment.
    miljo = {**os.environ, "PAKKEHJEM_VENTETID": "10"}
    koordinatorer = [Koordinator(varm, miljo, tmp_path / f"{uker}.stderr") for uker in ("5", "6")]
    for runde in range(8):
        sti = tmp_path / f"nytt-{runde}.db"
        for prosess, uker in zip(koordinatorer, ("5", "6"), strict=True):
            prosess.send("--db", str(sti), "innstillinger", "sp1_uker", uker)
        for prosess in koordinatorer:
            assert prosess.utfall() == 0, prosess.feil()
    for prosess in koordinatorer:
        prosess.avslutt()


# --- four coordinators, a mixed load (bench/samtidig.py) ---------------------------------------------
#
# The driver runs `--prosesser` workers, each a loop of real pakkehjem processes (register, book,
# a whole conversation from an answers file, consent, a letter to a file, vis, forfaller) for a
# bounded time, and checks every promise afterwards; see its module text. Each run here takes
# SEKUNDER seconds of load plus the checks; PAKKEHJEM_SAMTIDIG_SEKUNDER=60 gives a longer one.
# Every worker's first round runs whatever the time (every kind of command, all four at once
# from the start); after it, each second of load is some 15 more processes of the console script.

SEKUNDER = float(os.environ.get("PAKKEHJEM_SAMTIDIG_SEKUNDER", "3"))
SKRIVERE = ("ny-pasient", "avtal", "samtale", "samtykke", "brev")


def _driver() -> ModuleType:
    return bench_modul("samtidig")


def test_fire_koordinatorer_med_blandet_arbeid_mister_ingenting(tmp_path: Path) -> None:
    # A realistic busy timeout: everybody waits for the others' short transactions.
    resultat = _driver().kjor(tmp_path / "blanding", prosesser=4, sekunder=SEKUNDER, ventetid=10, seed=1)

    assert resultat.feil == []
    assert [k for k in resultat.kall if k.kode != 0] == []
    assert {k.arbeider for k in resultat.kall} == {0, 1, 2, 3}
    # Every kind of command ran and was checked, writes and reads.
    tabell = resultat.per_operasjon()
    assert {navn for navn, tall in tabell.items() if tall["fullfort"] > 0} == set(tabell)
    assert resultat.pasienter == tabell["ny-pasient"]["fullfort"]
    assert resultat.brev == tabell["brev"]["fullfort"]


def test_den_som_venter_for_lenge_paa_laasen_faar_opptatt_og_exit_1_og_ingenting_er_endret(
    tmp_path: Path,
) -> None:
    # The driver itself holds the write lock 0.4 s of every 0.6 s (four times in a run of 3 s,
    # from 0.2 s on, while every worker's first round is running); the workers wait 0.05 s.
    resultat = _driver().kjor(
        tmp_path / "opptatt",
        prosesser=4,
        sekunder=SEKUNDER,
        ventetid=0.05,
        seed=2,
        hold_las=0.4,
        hold_hvert=0.6,
    )

    # No refusal was anything but exit 1 with the busy message, none left a trace (checked
    # right after it and at the end), and what was done in between is all there.
    assert resultat.feil == []
    avviste = [k for k in resultat.kall if k.kode != 0]
    assert avviste and all(k.kode == 1 and k.opptatt for k in avviste)
    assert all("Vent litt og prøv igjen" in " ".join(k.stderr.split()) for k in avviste)
    assert {k.operasjon for k in avviste} & set(SKRIVERE), "at least one refused write"
    assert resultat.fullfort > 0
    assert resultat.pasienter == resultat.per_operasjon()["ny-pasient"]["fullfort"]


def test_driverens_sluttsjekk_merker_en_endring_ingen_koordinator_gjorde(tmp_path: Path) -> None:
    # The checks are worth something only if they can fail: change the register behind the
    # workers' backs and the same final check reports both changes.
    driver = _driver()
    resultat = driver.kjor(tmp_path / "kontroll", prosesser=1, sekunder=0, forste_runde=("ny-pasient",))
    assert resultat.feil == [] and resultat.modeller
    pasient_id = min(resultat.modeller)
    tilkobling = sqlite3.connect(resultat.db)
    try:
        with tilkobling:
            tilkobling.execute(
                "UPDATE samhandlingspunkt SET status = 'avtalt', dato = '2030-01-01' WHERE sp = 3"
                " AND forlop_id = (SELECT id FROM forlop WHERE pasient_id = ?)",
                (pasient_id,),
            )
            tilkobling.execute(
                "INSERT INTO pasient (fnr, navn, fodselsdato, opprettet)"
                " VALUES ('01814000000', 'Ingen', '1940-01-01', '2026-01-01')"
            )
    finally:
        tilkobling.close()

    feil = driver.sluttsjekk(resultat)

    assert any(f.startswith("pasientene stemmer ikke: ekstra i registeret [") for f in feil)
    assert any(f.startswith(f"pasient {pasient_id} ") and "2030-01-01" in f for f in feil)
