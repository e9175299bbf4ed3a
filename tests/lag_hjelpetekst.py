"""Renders the live top-level help in each stored situation, and writes src/pakkehjem/hjelpetekst.py.

Run it when tests/test_hjelpetekst.py says the stored help differs from the live one (a changed
help text, option or command, or a new Typer or rich):

    .venv/bin/python tests/lag_hjelpetekst.py

Each text is what `pakkehjem.cli.main` itself prints, run as its own program: piped (the width
from COLUMNS, as when stdin is a terminal of that width), and in a pseudo-terminal of that width
with and without NO_COLOR. The pseudo-terminal does not turn "\\n" into "\\r\\n", so the text is
the program's own bytes.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Sequence
from pathlib import Path

from pakkehjem.inngang import ANNEN_UTSKRIFT
from varm_prosess import VarmProsess, les_terminalen, ny_terminal

# The situations kept: the widths of common terminals, each piped and on a terminal in colour and
# without (NO_COLOR). Other widths get the live help.
BREDDER = (80, 100, 120, 160)
SITUASJONER = [
    (terminal, bredde, farger)
    for bredde in BREDDER
    for terminal, farger in ((False, False), (True, True), (True, False))
]
MAL = Path(__file__).resolve().parent.parent / "src" / "pakkehjem" / "hjelpetekst.py"
# cli.main under the console script's name (click takes the program name from argv[0]).
LEVENDE = ["-c", "import sys; sys.argv[0] = 'pakkehjem'; from pakkehjem.cli import main; main()"]


def miljo(terminal: bool, bredde: int, farger: bool, **ekstra: str) -> dict[str, str]:
    """The environment of a situation: nothing of the caller's that changes how help is drawn."""
    env = {k: v for k, v in os.environ.items() if k not in ANNEN_UTSKRIFT}
    for navn in ("COLUMNS", "LINES", "NO_COLOR", "PYTHONIOENCODING"):
        env.pop(navn, None)
    env["TERM"] = "xterm-256color"
    if not terminal:
        env["COLUMNS"] = str(bredde)
    if terminal and not farger:
        env["NO_COLOR"] = "1"
    env.update(ekstra)
    return env


def kjor(
    program: Sequence[str], args: Sequence[str], terminal: bool, bredde: int, env: dict[str, str]
) -> tuple[bytes, bytes, int]:
    """Run a program with stdout piped, or in a pseudo-terminal `bredde` wide; (stdout, stderr, code)."""
    if not terminal:
        ferdig = subprocess.run(
            [*program, *args], capture_output=True, env=env, stdin=subprocess.DEVNULL, timeout=120
        )
        return ferdig.stdout, ferdig.stderr, ferdig.returncode
    hoved, under = ny_terminal(bredde)
    try:
        prosess = subprocess.Popen(
            [*program, *args], stdin=under, stdout=under, stderr=subprocess.PIPE, env=env
        )
        os.close(under)
        under = -1
        ut = les_terminalen(hoved)
        feil = prosess.stderr.read() if prosess.stderr else b""
        return ut, feil, prosess.wait(timeout=120)
    finally:
        os.close(hoved)
        if under >= 0:
            os.close(under)


def alle_levende() -> dict[tuple[bool, int, bool], str]:
    """The live help in every stored situation, each drawn by `LEVENDE` in a process of its own.

    The processes are forked from one warm Python that has loaded the command line and Typer's
    help drawing (tests/varm_prosess.py), so twelve situations cost one Python start-up. Each
    child gets the situation's environment, and its pseudo-terminal or pipe, before anything
    draws: rich and Typer read the width, NO_COLOR and TERM when they draw; what they read at
    import (TERMINAL_WIDTH, FORCE_COLOR and the rest of ANNEN_UTSKRIFT) is in no situation.
    """
    with VarmProsess(miljo(False, 80, False), last=("pakkehjem.cli", "typer.rich_utils")) as varm:
        tekster = {}
        for terminal, bredde, farger in SITUASJONER:
            kode, ut, feil = varm.kjor(
                ["--help"],
                kode=LEVENDE[1],
                miljo=miljo(terminal, bredde, farger),
                terminal=bredde if terminal else None,
            )
            assert kode == 0 and not feil, (kode, feil)
            tekster[terminal, bredde, farger] = ut.decode("utf-8")
    return tekster


def main() -> None:
    tekster = alle_levende()
    linjer = [
        '"""The top-level help as the live command line draws it, for inngang.py.',
        "",
        "Made by tests/lag_hjelpetekst.py; tests/test_hjelpetekst.py fails when it differs from the live",
        "help.",
        "Key: (to a terminal, width, colours).",
        '"""',
        "",
        "# ruff: noqa: E501",
        "TEKSTER = {",
        # As ruff formats it (a key too long for its line is split), so the file stays formatted.
        *(
            f"    (\n        {t!r},\n        {b!r},\n        {f!r},\n    ): {tekst!r},"
            for (t, b, f), tekst in tekster.items()
        ),
        "}",
        "",
    ]
    MAL.write_text("\n".join(linjer), encoding="utf-8")
    print(f"Skrev {len(tekster)} hjelpetekster til {MAL}")


if __name__ == "__main__":
    main()
