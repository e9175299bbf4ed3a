"""`pakkehjem [--db FIL] vis REF --json [--idag DATO]` without loading the command line.

A script that reads one patient at a time pays the start-up on every call, and loading Typer
and click costs more than the read itself. This plain form of the command is therefore run
here, through the same code as `cli.vis` (the register from `miljo.Miljo`, the date from
`miljo.dato_valg`, the ending from `utgang`). Anything else, including every form whose
meaning the option parser decides (`--`, a value that starts with `-`, a repeated option, the
old `--dato`, a control character to refuse), goes to the command line. `tests/test_snarvei.py`
runs both on the same arguments and fails when stdout, stderr or the exit code differ.
"""

from __future__ import annotations

from typing import NamedTuple

from .miljo import DB_VALG, IDAG_VALG, JSON_VALG

VIS = "vis"


class VisJson(NamedTuple):
    """The arguments of the plain `vis REF --json`."""

    db: str | None
    ref: str
    idag: str | None


def _verdi(args: list[str], i: int, valg: str) -> tuple[str, int] | None:
    """The value of option `valg` at args[i] (`--valg V` or `--valg=V`) and the next index."""
    arg = args[i]
    if arg == valg:
        if i + 1 >= len(args):
            return None
        verdi, neste = args[i + 1], i + 2
    elif arg.startswith(valg + "="):
        verdi, neste = arg[len(valg) + 1 :], i + 1
    else:
        return None
    if not verdi or verdi.startswith("-"):
        return None
    return verdi, neste


def _vanlig(arg: str) -> bool:
    """Plain printable text: nothing the command line would refuse or read in its own way."""
    if not arg.isprintable():
        return False
    from .skjermtekst import feil_i

    return not feil_i(arg, "")


def vis_json(args: list[str]) -> VisJson | None:
    """The arguments when `args` is the plain `vis REF --json`; None for anything else."""
    if not all(_vanlig(arg) for arg in args):
        return None
    db: str | None = None
    i = 0
    if i < len(args) and args[i].startswith(DB_VALG):
        funnet = _verdi(args, i, DB_VALG)
        if funnet is None:
            return None
        db, i = funnet
    if i >= len(args) or args[i] != VIS:
        return None
    i += 1
    ref: str | None = None
    idag: str | None = None
    json_ut = False
    while i < len(args):
        arg = args[i]
        if arg == JSON_VALG and not json_ut:
            json_ut, i = True, i + 1
        elif arg.startswith(IDAG_VALG) and idag is None:
            funnet = _verdi(args, i, IDAG_VALG)
            if funnet is None:
                return None
            idag, i = funnet
        elif not arg.startswith("-") and ref is None:
            ref, i = arg, i + 1
        else:
            return None
    if ref is None or not json_ut:
        return None
    return VisJson(db, ref, idag)


def kjor_vis_json(valg: VisJson) -> None:
    """`vis REF --json` as `cli.vis` runs it: the same register, log row, JSON and endings."""
    from pathlib import Path

    from . import utgang
    from .miljo import Miljo, dato_valg, forbered_prosess

    def vis() -> None:
        miljo = Miljo(Path(valg.db) if valg.db is not None else None)
        try:
            idag = dato_valg(valg.idag, IDAG_VALG)
            data = miljo.register().pasienter.vis(valg.ref, idag)
            from .utdata import skriv_json

            skriv_json(data)
        finally:
            miljo.lukk()

    forbered_prosess()
    utgang.kjor(lambda: utgang.som_kommando(vis))
