"""The program's entry point: `pakkehjem --help` without loading the command line.

Loading Typer, click and rich costs more than starting Python itself, and the top-level help
is what a new user runs first. The help is therefore kept as text rendered from the real
Typer app (`hjelpetekst.py`, made by `tests/lag_hjelpetekst.py`) for the few situations that
decide how it looks: to a terminal or not, how wide, with or without colours. The plain
`vis REF --json` and `forfaller --json` go to their fast path (`snarvei`); anything else, or
any other arguments, goes to `cli.main`. `tests/test_hjelpetekst.py` renders the live help in
every stored situation and fails when the text differs by one byte.

This module imports only the standard library, and nothing at all before it knows it can answer.
"""

from __future__ import annotations

import os
import sys

# Variables with which rich or Typer draw the help differently from the stored situations.
ANNEN_UTSKRIFT = (
    "FORCE_COLOR",
    "PY_COLORS",
    "GITHUB_ACTIONS",
    "TTY_COMPATIBLE",
    "TTY_INTERACTIVE",
    "TERMINAL_WIDTH",
    "_TYPER_FORCE_DISABLE_TERMINAL",
    "JUPYTER_COLUMNS",
    "JUPYTER_LINES",
)
_BARE_HJELP: tuple[list[str], ...] = ([], ["--help"], ["-h"])


def situasjon(miljo: dict[str, str] | os._Environ[str] = os.environ) -> tuple[bool, int, bool] | None:
    """How the help would be drawn here, as rich decides it: (to a terminal, width, colours);
    None when something unusual decides it (then only the live help is right)."""
    if any(navn in miljo for navn in ANNEN_UTSKRIFT):
        return None
    koding = (getattr(sys.stdout, "encoding", None) or "").lower().replace("-", "").replace("_", "")
    if koding != "utf8":
        return None
    try:
        terminal = sys.stdout.isatty()
    except (AttributeError, ValueError):
        return None
    if terminal and miljo.get("TERM", "").lower() in ("dumb", "unknown"):
        return None
    # As rich.Console.size: the first of stdin, stdout and stderr that is a terminal, then COLUMNS.
    bredde = 0
    for fd in (0, 1, 2):
        try:
            bredde = os.get_terminal_size(fd).columns
        except (OSError, ValueError):
            continue
        break
    kolonner = miljo.get("COLUMNS")
    if kolonner is not None and kolonner.isdigit():
        bredde = int(kolonner)
        if bredde == 0:  # rich keeps a width of 0 from COLUMNS; the stored texts have none
            return None
    return terminal, bredde or 80, terminal and miljo.get("NO_COLOR", "") == ""


def ferdig_hjelp(args: list[str]) -> str | None:
    """The stored top-level help for these arguments here, or None."""
    # The usage line names the program as click does, from argv[0]; the stored one says pakkehjem.
    if args not in _BARE_HJELP or os.path.basename(sys.argv[0]) != "pakkehjem":
        return None
    hvor = situasjon()
    if hvor is None:
        return None
    from .hjelpetekst import TEKSTER

    return TEKSTER.get(hvor)


def main() -> None:
    """Console-script entry point: the stored help when it is the same, the plain `vis REF
    --json` and `forfaller --json` on their fast path (`snarvei`), else the command line."""
    tekst = ferdig_hjelp(sys.argv[1:])
    if tekst is not None:
        sys.stdout.write(tekst)
        sys.stdout.flush()
        return
    if "vis" in sys.argv[1:] or "forfaller" in sys.argv[1:]:
        from . import snarvei

        snarveien = snarvei.for_argumenter(sys.argv[1:])
        if snarveien is not None:
            snarveien()
            return
    from .cli import main as kommandolinjen

    kommandolinjen()
