"""The fast path of `vis REF --json` and `forfaller --json` (snarvei.py) answers exactly as the
command line does.

`pakkehjem` runs the plain `[--db FIL] vis REF --json [--idag DATO]` and
`[--db FIL] forfaller [--uke [UKE]] --json [--idag DATO]` without loading Typer. Each case
below runs the same arguments through both (the console script's entry point, and the command
line's own `cli.main`) and compares stdout, stderr, the exit code and the access-log rows
written. A case the fast path does not take is compared too: it must reach the command line.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from pakkehjem import snarvei
from pakkehjem.cli import kommandotre
from pakkehjem.miljo import DB_VALG, IDAG_VALG, JSON_VALG, UKE_VALG
from varm_prosess import VarmProsess

INNGANG = "import sys; sys.argv[0] = 'pakkehjem'; from pakkehjem.inngang import main; main()"
TO_VEIER = Path(__file__).with_name("to_veier.py")


def begge_veier(
    varm: VarmProsess, register: Path, tilfeller: list[tuple[list[str], int]], **miljo: str | None
) -> None:
    """Run each case through the entry point and through the command line (tests/to_veier.py,
    itself a child forked from the worker's warm Python): the same stdout, stderr, exit code
    and access-log rows, and the exit code the case expects."""
    kode_, ut, feil = varm.kjor(
        [str(register)],
        skript=TO_VEIER,
        inn=json.dumps([{"args": args, "miljo": miljo} for args, _ in tilfeller]),
        miljo=dict(os.environ),
        cwd=Path.cwd(),
    )
    assert kode_ == 0, feil.decode()
    for (args, kode), (raskt, langsomt) in zip(tilfeller, json.loads(ut), strict=True):
        assert raskt == langsomt, args
        assert raskt[0] == kode, (args, raskt)
        assert "Traceback" not in raskt[2], args


def kjor_prosess(program: str, args: list[str]) -> tuple[int, str, str]:
    """`pakkehjem ARGS` in a process of its own, through `program`: (exit code, stdout, stderr)."""
    ferdig = subprocess.run(
        [sys.executable, "-c", program, *args], capture_output=True, text=True, timeout=60, check=False
    )
    return ferdig.returncode, ferdig.stdout, ferdig.stderr


@pytest.fixture
def register_med_pasienter(ny_pasient: Callable[..., dict], db_sti: Path) -> Path:
    """A test register with three patients, two of them named alike."""
    ny_pasient(navn="Kari Nordmann")
    ny_pasient(navn="Per Hansen")
    ny_pasient(navn="Per Olsen")
    return db_sti


def test_vis_json_svarer_likt_med_og_uten_snarveien(register_med_pasienter: Path, varm: VarmProsess) -> None:
    begge_veier(
        varm,
        register_med_pasienter,
        [
            (["vis", "1", "--json"], 0),
            (["vis", "--json", "2"], 0),
            (["vis", "1", "--json", "--idag", "2026-12-01"], 0),
            (["vis", "1", "--json", "--idag=01.12.2026"], 0),
            (["vis", "Kari", "--json"], 0),
            (["vis", "Per", "--json"], 1),  # two patients match: both listed (masked) and logged
            (["vis", "999", "--json"], 1),
            (["vis", "1", "--json", "--idag", "2026-13-01"], 2),
            (["vis", "1", "--json", "--idag", "i morgen"], 2),
            # Not the fast path's: the command line answers, and the entry point must hand them on.
            (["vis", "1", "--json", "--dato", "2026-12-01"], 0),
            (["vis", "1", "--json", "--idag="], 0),
            (["vis", "1"], 0),
            (["vis", "1", "--json", "--json"], 0),
            (["vis", "--json"], 2),
            (["vis", "1", "2", "--json"], 2),
            (["vis", "1", "--json", "--ukjent"], 2),
            (["vis", "1\x1b[2J", "--json"], 2),
        ],
    )


def test_forfaller_json_svarer_likt_med_og_uten_snarveien(
    register_med_pasienter: Path, varm: VarmProsess
) -> None:
    uke = [
        (["forfaller", "--uke", "--json"], 0),
        (["forfaller", "--json", "--uke"], 0),
        (["forfaller", "--json"], 0),
        (["forfaller", "--uke", "48", "--json", "--idag", "2026-11-23"], 0),
        (["forfaller", "--uke=2026-W49", "--json", "--idag=23.11.2026"], 0),
        (["forfaller", "--uke=", "--json"], 0),
        (["forfaller", "--uke", "99", "--json"], 2),
        (["forfaller", "--uke", "neste", "--json"], 2),
        (["forfaller", "--json", "--idag", "2026-02-30"], 2),
        # Not the fast path's: the command line answers, and the entry point must hand them on.
        (["forfaller", "--uke"], 0),
        (["forfaller", "--json", "--alle"], 0),
        (["forfaller", "--json", "--maned"], 0),
        (["forfaller", "--json", "--uke", "48", "--maned"], 2),
        (["forfaller", "--json", "--forfalte", "--idag", "2027-06-01"], 0),
        (["forfaller", "--json", "--ansvarlig", "sykehus"], 0),
        (["forfaller", "--json", "--uke", "48", "--uke", "49"], 0),
        (["forfaller", "--json", "--uke=-3"], 2),
        (["forfaller", "--json", "--dato", "2026-12-01"], 0),
        (["forfaller", "--json", "ekstra"], 2),
    ]
    begge_veier(varm, register_med_pasienter, uke)
    # The register's service decides which points are listed (none of SP1 for the municipality).
    with sqlite3.connect(register_med_pasienter) as db:
        db.execute("INSERT OR REPLACE INTO innstilling (navn, verdi) VALUES ('tjeneste', '\"kommune\"')")
    begge_veier(varm, register_med_pasienter, uke[:5])


def test_registeret_i_db_valget_eller_i_miljoet_gir_samme_svar(
    register_med_pasienter: Path, tmp_path: Path, varm: VarmProsess
) -> None:
    db = str(register_med_pasienter)
    begge_veier(
        varm,
        register_med_pasienter,
        [
            ([DB_VALG, db, "vis", "1", "--json"], 0),
            ([f"{DB_VALG}={db}", "vis", "1", "--json"], 0),
            ([DB_VALG, str(tmp_path / "finnes-ikke.db"), "vis", "1", "--json"], 1),
            ([DB_VALG, db, "forfaller", "--json"], 0),
            ([DB_VALG, str(tmp_path / "finnes-ikke.db"), "forfaller", "--uke", "--json"], 1),
        ],
    )
    # The default register in the user's data folder, which this test's home does not hold.
    begge_veier(varm, register_med_pasienter, [(["vis", "1", "--json"], 1)], PAKKEHJEM_DB=None)


def test_et_skadet_eller_opptatt_register_avvises_likt(
    register_med_pasienter: Path, tmp_path: Path, varm: VarmProsess
) -> None:
    skadet = tmp_path / "skadet.db"
    skadet.write_bytes(b"SQLite format 3\x00" + b"\xff" * 4000)
    begge_veier(varm, register_med_pasienter, [([DB_VALG, str(skadet), "vis", "1", "--json"], 1)])
    holder = sqlite3.connect(register_med_pasienter, isolation_level=None)
    try:
        holder.execute("BEGIN EXCLUSIVE")
        begge_veier(varm, register_med_pasienter, [(["vis", "1", "--json"], 1)])
    finally:
        holder.close()


def test_den_vanlige_formen_tas_av_snarveien_og_alt_annet_av_kommandolinjen() -> None:
    assert snarvei.vis_json(["vis", "7", "--json"]) == snarvei.VisJson(None, "7", None)
    assert snarvei.vis_json(["--db=r.db", "vis", "--json", "Kari No", "--idag", "1.12.2026"]) == (
        snarvei.VisJson("r.db", "Kari No", "1.12.2026")
    )
    for andre in (
        ["vis", "7"],
        ["vis", "7", "--json", "--dato", "2026-12-01"],
        ["--kryptert", "vis", "7", "--json"],
        ["--db", "vis", "7", "--json"],
        ["vis", "-7", "--json"],
        ["vis", "7", "--json", "-h"],
        ["vis", "7\x00", "--json"],
        ["vis", "7\u202e", "--json"],
        ["pasienter", "--json"],
        ["--db", "r.db", "--db", "s.db", "vis", "7", "--json"],
    ):
        assert snarvei.vis_json(andre) is None, andre
    assert snarvei.forfaller_json(["forfaller", "--json"]) == snarvei.ForfallerJson(None, None, None)
    assert snarvei.forfaller_json(["--db", "r.db", "forfaller", "--uke", "--json"]) == (
        snarvei.ForfallerJson("r.db", "", None)
    )
    assert snarvei.forfaller_json(["forfaller", "--json", "--uke", "2027-W02", "--idag", "1.12.2026"]) == (
        snarvei.ForfallerJson(None, "2027-W02", "1.12.2026")
    )
    for andre in (
        ["forfaller", "--uke"],
        ["forfaller", "--json", "--maned"],
        ["forfaller", "--json", "--alle"],
        ["forfaller", "--json", "--uke", "48", "--uke", "49"],
        ["forfaller", "--json", "--uke=-3"],
        ["forfaller", "--json", "ekstra"],
        ["forfaller", "--json", "--dato", "2026-12-01"],
        ["forfaller", "--json", "--uke", "48\u202e"],
    ):
        assert snarvei.forfaller_json(andre) is None, andre


def test_snarveien_kjenner_bare_valg_som_kommandolinjen_har() -> None:
    gruppe = kommandotre()
    toppvalg = {navn for param in gruppe.params for navn in getattr(param, "opts", ())}
    vis = gruppe.commands[snarvei.VIS]
    visvalg = {navn for param in vis.params for navn in getattr(param, "opts", ())}
    argumenter = [param for param in vis.params if param.param_type_name == "argument"]
    assert DB_VALG in toppvalg
    assert {IDAG_VALG, JSON_VALG} <= visvalg
    assert len(argumenter) == 1 and argumenter[0].nargs == 1  # one REF
    forfaller = gruppe.commands[snarvei.FORFALLER]
    forfallervalg = {navn for param in forfaller.params for navn in getattr(param, "opts", ())}
    assert {IDAG_VALG, JSON_VALG, UKE_VALG} <= forfallervalg
    assert not [param for param in forfaller.params if param.param_type_name == "argument"]


def test_snarveien_laster_ikke_kommandolinjen(register_med_pasienter: Path) -> None:
    program = (
        INNGANG + "; tunge = sorted({m.split('.')[0] for m in sys.modules} & {'typer', 'click', 'rich'});"
        " sys.stderr.write(repr(tunge))"
    )
    kode, ut, feil = kjor_prosess(program, ["vis", "1", "--json"])
    assert kode == 0 and '"id": 1' in ut
    assert feil == "[]"
    kode, ut, feil = kjor_prosess(program, ["forfaller", "--uke", "--json", "--idag", "2026-11-23"])
    assert kode == 0 and '"pasient_id":1' in ut
    assert feil == "[]"
