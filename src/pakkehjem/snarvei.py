"""The two calls scripts make most, without loading the command line:
`pakkehjem [--db FIL] vis REF --json [--idag DATO]` and
`pakkehjem [--db FIL] forfaller [--uke [UKE]] --json [--idag DATO]`.

A script that reads one patient at a time, or the week's list, pays the start-up on every
call, and loading Typer and click costs about as much as the read itself. These plain forms
are therefore run here, through the same code as `cli.vis` and `cli.forfaller` (the register
from `miljo.Miljo`, the date from `miljo.dato_valg`, the list from `Punkter.arbeidsliste_json`,
the ending from `utgang`). Anything else, including every form whose meaning the option parser
decides (`--`, a value that starts with `-`, a repeated option, the old `--dato`, a control
character to refuse, any other option), goes to the command line. `tests/test_snarvei.py` runs
both on the same arguments and fails when stdout, stderr, the exit code or the log differ.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from .miljo import DB_VALG, IDAG_VALG, JSON_VALG, UKE_VALG

VIS = "vis"
FORFALLER = "forfaller"


class VisJson(NamedTuple):
    """The arguments of the plain `vis REF --json`."""

    db: str | None
    ref: str
    idag: str | None


class ForfallerJson(NamedTuple):
    """The arguments of the plain `forfaller [--uke [UKE]] --json`: `uke` is None without
    `--uke`, and "" for `--uke` with no value (this week, as the command line reads it)."""

    db: str | None
    uke: str | None
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


def _kommando(args: list[str], navn: str) -> tuple[str | None, int] | None:
    """(`--db` value or None, index after the command) when `args` is `[--db FIL] navn ...`."""
    if not all(_vanlig(arg) for arg in args):
        return None
    db: str | None = None
    i = 0
    if i < len(args) and args[i].startswith(DB_VALG):
        funnet = _verdi(args, i, DB_VALG)
        if funnet is None:
            return None
        db, i = funnet
    if i >= len(args) or args[i] != navn:
        return None
    return db, i + 1


def _enkel_form(
    args: list[str], navn: str, eget: Callable[[list[str], int], int | None]
) -> tuple[str | None, str | None] | None:
    """(`--db`, `--idag`) when `args` is `[--db FIL] navn ... --json [--idag DATO]` and every
    other argument is one `eget` reads (it returns the index after it, or None when it is not
    its own); None for anything else."""
    start = _kommando(args, navn)
    if start is None:
        return None
    db, i = start
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
        else:
            neste = eget(args, i)
            if neste is None:
                return None
            i = neste
    return (db, idag) if json_ut else None


def vis_json(args: list[str]) -> VisJson | None:
    """The arguments when `args` is the plain `vis REF --json`; None for anything else."""
    ref: list[str] = []

    def referansen(args: list[str], i: int) -> int | None:
        if args[i].startswith("-") or ref:
            return None
        ref.append(args[i])
        return i + 1

    felles = _enkel_form(args, VIS, referansen)
    if felles is None or not ref:
        return None
    return VisJson(felles[0], ref[0], felles[1])


def forfaller_json(args: list[str]) -> ForfallerJson | None:
    """The arguments when `args` is the plain `forfaller [--uke [UKE]] --json`; None otherwise."""
    uke: list[str] = []

    def uken(args: list[str], i: int) -> int | None:
        arg = args[i]
        if uke:
            return None
        if arg == UKE_VALG:
            # As the command line reads it (cli._valgfri_uke): no value when the next
            # argument is an option or there is none.
            if i + 1 < len(args) and not args[i + 1].startswith("-"):
                uke.append(args[i + 1])
                return i + 2
            uke.append("")
            return i + 1
        if arg.startswith(UKE_VALG + "=") and not arg[len(UKE_VALG) + 1 :].startswith("-"):
            uke.append(arg[len(UKE_VALG) + 1 :])
            return i + 1
        return None

    felles = _enkel_form(args, FORFALLER, uken)
    if felles is None:
        return None
    return ForfallerJson(felles[0], uke[0] if uke else None, felles[1])


def for_argumenter(args: list[str]) -> Callable[[], None] | None:
    """The fast path for these arguments (run it to answer them), or None: the command line."""
    if (vis := vis_json(args)) is not None:
        return lambda: kjor_vis_json(vis)
    if (forfaller := forfaller_json(args)) is not None:
        return lambda: kjor_forfaller_json(forfaller)
    return None


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


def kjor_forfaller_json(valg: ForfallerJson) -> None:
    """`forfaller --json` as `cli.forfaller` runs it: the same period, list, log rows and endings."""
    from pathlib import Path

    from . import forlop, utgang
    from .miljo import Miljo, dato_valg, forbered_prosess

    def forfaller() -> None:
        miljo = Miljo(Path(valg.db) if valg.db is not None else None)
        try:
            idag = dato_valg(valg.idag, IDAG_VALG)
            periode = forlop.arbeidsperiode(valg.uke, False, None, None, idag)
            liste = miljo.register().punkter.arbeidsliste_json(periode, idag)
            from .utdata import skriv_json_liste

            skriv_json_liste(liste)
        finally:
            miljo.lukk()

    forbered_prosess()
    utgang.kjor(lambda: utgang.som_kommando(forfaller))
