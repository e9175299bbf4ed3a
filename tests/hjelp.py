"""Small helpers the test modules share (fixtures are in conftest.py)."""

from __future__ import annotations

import ast
import functools
import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

# "Today" in the CLI tests: Monday 23 November 2026, the first day of ISO week 48.
IDAG = "2026-11-23"

# The tables a change must leave whole or untouched.
PASIENTTABELLER = ("pasient", "forlop", "samhandlingspunkt", "hendelse", "tilgangslogg")


def melding(resultat: Any) -> str:
    """stderr with rich's line wrapping undone, for matching whole sentences."""
    return " ".join(resultat.stderr.split())


def json_ut(resultat: Any) -> Any:
    """The one JSON document a `--json` command wrote to stdout."""
    assert resultat.exit_code == 0, resultat.output
    return json.loads(resultat.stdout)


def bench_modul(navn: str) -> ModuleType:
    """bench/NAVN.py as a module (bench/ is no package; the product carries no test code)."""
    modulnavn = f"bench_{navn}"
    if modulnavn not in sys.modules:
        sti = Path(__file__).resolve().parent.parent / "bench" / f"{navn}.py"
        spesifikasjon = importlib.util.spec_from_file_location(modulnavn, sti)
        assert spesifikasjon is not None and spesifikasjon.loader is not None
        modul = importlib.util.module_from_spec(spesifikasjon)
        sys.modules[modulnavn] = modul  # dataclasses look their module up here
        spesifikasjon.loader.exec_module(modul)
    return sys.modules[modulnavn]


@functools.cache
def kildetre(sti: Path) -> ast.Module:
    """The parsed source of one of the package's files, parsed once per test process.

    The static checks (test_arkitektur, test_personvern, test_sprak) each walk every module;
    parsing them again for each check was most of their time. The tree is shared: read it,
    never change it. Each of those modules clears the cache when its tests are done: some
    million objects held for the rest of the run would slow every full garbage collection."""
    return ast.parse(sti.read_text(encoding="utf-8"))


def lag_malregister(mal: Path, nokkel: str | None) -> Path:
    """A new register at `mal` that takes synthetic numbers, made by the command a test would run
    (`innstillinger tillat_syntetiske ja`, encrypted with `nokkel` when one is given) and closed,
    as a file for tests to copy: making one runs every migration (and, encrypted, SQLCipher's
    key derivation); a copy of the closed file is the same register, byte for byte."""
    import os

    from typer.testing import CliRunner

    from pakkehjem.cli import app

    gammel_umask = os.umask(0o077)
    try:
        resultat = CliRunner().invoke(
            app,
            ["--db", str(mal), "innstillinger", "tillat_syntetiske", "ja"],
            env={"PAKKEHJEM_NOKKEL": nokkel, "PAKKEHJEM_DB": None, "NO_COLOR": "1"},
            prog_name="pakkehjem",
        )
    finally:
        os.umask(gammel_umask)
    assert resultat.exit_code == 0, resultat.output
    # Closed: the write-ahead log is folded into the file, so the file alone is the register.
    assert not Path(f"{mal}-wal").exists()
    return mal
