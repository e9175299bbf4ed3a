"""`pakkehjem --help` from the stored text (inngang.py, hjelpetekst.py) is the live help, byte for byte.

The stored text cannot go stale unnoticed: the first test draws the live help in every stored
situation and compares. When it fails, run `.venv/bin/python tests/lag_hjelpetekst.py`.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from lag_hjelpetekst import LEVENDE, SITUASJONER, alle_levende, kjor, miljo
from pakkehjem import inngang
from pakkehjem.hjelpetekst import TEKSTER
from varm_prosess import VarmProsess

PROGRAM = Path(sys.executable).parent / "pakkehjem"


def test_den_lagrede_hjelpen_er_den_levende_hjelpen_i_hver_situasjon() -> None:
    levende = alle_levende()
    utdatert = [s for s in SITUASJONER if TEKSTER.get(s) != levende[s]]
    assert utdatert == [], "hjelpeteksten er endret: kjør .venv/bin/python tests/lag_hjelpetekst.py"
    assert set(TEKSTER) == set(SITUASJONER)


def test_de_lagrede_tekstene_bruker_bare_de_16_standardfargene() -> None:
    # Standard colours are written the same by every colour system rich knows (TERM=xterm,
    # xterm-256color, COLORTERM=truecolor), so the stored text fits every colour terminal.
    for tekst in TEKSTER.values():
        assert "\x1b[38;" not in tekst and "\x1b[48;" not in tekst and ";38;" not in tekst


@pytest.mark.parametrize(
    ("args", "terminal", "bredde", "ekstra"),
    [
        (["--help"], False, 80, {}),
        ([], False, 120, {}),
        (["-h"], True, 120, {}),
        (["--help"], True, 100, {"NO_COLOR": "1"}),
    ],
)
def test_programmet_skriver_den_lagrede_hjelpen(
    args: list[str], terminal: bool, bredde: int, ekstra: dict[str, str]
) -> None:
    ut, feil, kode = kjor([str(PROGRAM)], args, terminal, bredde, miljo(terminal, bredde, True, **ekstra))
    assert (ut.decode("utf-8"), feil, kode) == (
        TEKSTER[(terminal, bredde, "NO_COLOR" not in ekstra and terminal)],
        b"",
        0,
    )


@pytest.mark.parametrize(
    ("args", "terminal", "bredde", "ekstra"),
    [
        (["--help"], True, 97, {}),  # a width not stored
        (["--help"], False, 80, {"FORCE_COLOR": "1"}),  # colours forced into a pipe
        (["--help", "vis"], False, 80, {}),  # not the top-level help
    ],
)
def test_ellers_skriver_programmet_det_kommandolinjen_skriver(
    args: list[str], terminal: bool, bredde: int, ekstra: dict[str, str], tmp_path: Path, varm: VarmProsess
) -> None:
    env = miljo(terminal, bredde, farger=True, **ekstra)
    env["PAKKEHJEM_DB"] = str(tmp_path / "register.db")
    fort = kjor([str(PROGRAM)], args, terminal, bredde, env)
    # The command line's own help, drawn by LEVENDE in a child forked from the worker's warm
    # Python. That has not loaded Typer's help drawing (typer.rich_utils), which reads
    # FORCE_COLOR and the like when imported: the child loads it under its own environment.
    ulastet = "import sys; sys.exit('typer.rich_utils' in sys.modules)"
    assert varm.kjor([], kode=ulastet)[0] == 0
    kode, ut, feil = varm.kjor(
        args, kode=LEVENDE[1], miljo=env, cwd=Path.cwd(), terminal=bredde if terminal else None
    )
    levende = (ut, feil, kode)
    assert fort == levende
    assert fort[0].strip() and fort[2] == 0
    assert not (tmp_path / "register.db").exists()


def test_hjelpen_laster_verken_typer_click_eller_rich() -> None:
    kode = (
        "import sys; sys.argv = ['pakkehjem', '--help']; from pakkehjem.inngang import main; main(); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('typer', 'click', 'rich', "
        "'pakkehjem')), file=sys.stderr)"
    )
    ferdig = subprocess.run(
        [sys.executable, "-c", kode], capture_output=True, text=True, env=miljo(False, 80, False), timeout=60
    )
    assert ferdig.returncode == 0, ferdig.stderr
    assert ferdig.stdout == TEKSTER[(False, 80, False)]
    assert ferdig.stderr.strip() == "['pakkehjem', 'pakkehjem.hjelpetekst', 'pakkehjem.inngang']"


@pytest.mark.parametrize(
    ("miljoet", "forventet"),
    [
        ({}, (False, 80, False)),
        ({"COLUMNS": "120"}, (False, 120, False)),
        ({"COLUMNS": "bred"}, (False, 80, False)),  # rich reads only digits
        ({"COLUMNS": "0"}, None),
        ({"FORCE_COLOR": "1"}, None),
        ({"FORCE_COLOR": ""}, None),
        ({"TTY_COMPATIBLE": "1"}, None),
        ({"TERMINAL_WIDTH": "100"}, None),
    ],
)
def test_situasjonen_uten_terminal(
    miljoet: dict[str, str], forventet: tuple[bool, int, bool] | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(inngang.os, "get_terminal_size", _ingen_terminal)
    monkeypatch.setattr(sys, "stdout", _Ut(terminal=False))
    assert inngang.situasjon(miljoet) == forventet


@pytest.mark.parametrize(
    ("miljoet", "forventet"),
    [
        ({"TERM": "xterm"}, (True, 100, True)),
        ({"TERM": "xterm", "NO_COLOR": "1"}, (True, 100, False)),
        ({"TERM": "xterm", "COLUMNS": "120"}, (True, 120, True)),
        ({"TERM": "dumb"}, None),  # rich draws 80 wide without colours there
        ({"TERM": "unknown"}, None),
    ],
)
def test_situasjonen_i_en_terminal(
    miljoet: dict[str, str], forventet: tuple[bool, int, bool] | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(inngang.os, "get_terminal_size", lambda fd=1: os.terminal_size((100, 40)))
    monkeypatch.setattr(sys, "stdout", _Ut(terminal=True))
    assert inngang.situasjon(miljoet) == forventet


def test_en_annen_tegnkoding_enn_utf8_gir_den_levende_hjelpen(monkeypatch: pytest.MonkeyPatch) -> None:
    ut = _Ut(terminal=False)
    ut.encoding = "latin-1"
    monkeypatch.setattr(sys, "stdout", ut)
    assert inngang.situasjon({}) is None


def test_ukjente_argumenter_gaar_til_kommandolinjen(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "argv", ["pakkehjem"])
    assert inngang.ferdig_hjelp(["--help", "--db", "x.db"]) is None
    assert inngang.ferdig_hjelp(["forfaller"]) is None
    monkeypatch.setattr(sys, "argv", ["annet-navn"])  # the usage line would name the program otherwise
    assert inngang.ferdig_hjelp(["--help"]) is None


def _ingen_terminal(fd: int = 1) -> None:
    raise OSError("ikke en terminal")


class _Ut:
    encoding = "utf-8"

    def __init__(self, *, terminal: bool) -> None:
        self.terminal = terminal

    def isatty(self) -> bool:
        return self.terminal
