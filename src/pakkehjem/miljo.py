"""Where the command line works: the register the top options and the environment point to,
and the option values every command reads the same way.

Kept apart from `cli.py` (and free of Typer), so the fast path of `inngang.py` opens the
register and reads a date exactly as the command line does, without loading the command line.
"""

from __future__ import annotations

import os
import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from .datoer import idag as dagens_dato
from .datoer import parse_dato
from .feil import PakkehjemFeil, UgyldigInndata

if TYPE_CHECKING:
    from .register import Register

# The option names that both the command line and its fast path read (one definition).
DB_VALG = "--db"
IDAG_VALG = "--idag"
JSON_VALG = "--json"
UKE_VALG = "--uke"


def forbered_prosess() -> None:
    """What every command runs under: files for the owner only, no cyclic garbage collector."""
    # Every file the tool creates is for the owner only (design.md): set before any is made.
    os.umask(0o077)
    # A command lives for a fraction of a second; the cyclic collector only costs time
    # (15-20 ms on a 17,000-row work list). The interactive conversation turns it back on.
    import gc

    gc.disable()


def dato_valg(tekst: str | None, valg: str, standard: date | None = None) -> date:
    """A date option as typed, or today; UgyldigInndata with the option's name."""
    if tekst is None or not tekst.strip():
        return standard if standard is not None else dagens_dato()
    try:
        return parse_dato(tekst)
    except ValueError as feil:
        raise UgyldigInndata(f"{valg}: {feil}") from None


def tjeneste_valg(tekst: str) -> str:
    """The service named by `--tjeneste`; UgyldigInndata naming the option."""
    from . import forlop

    try:
        return forlop.les_tjeneste(tekst)
    except ValueError as feil:
        raise UgyldigInndata(f"--tjeneste: {feil}") from None


class Miljo:
    """What the top options decided: where the database is. Opened lazily, closed at exit."""

    def __init__(self, db: Path | None, kryptert: bool = False):
        self.db_valg = db
        self.kryptert = kryptert
        self._register: Register | None = None

    def sti(self) -> Path:
        """Option, then PAKKEHJEM_DB, then the user's data directory (cli.md)."""
        if self.db_valg is not None:
            return self.db_valg
        fra_miljo = os.environ.get("PAKKEHJEM_DB")
        if fra_miljo:
            return Path(fra_miljo)
        from platformdirs import user_data_path

        return user_data_path("pakkehjem", appauthor=False) / "pakkehjem.db"

    def register(self, *, opprett: bool = False) -> Register:
        """The open register. Only the commands that make one (ny-pasient, eksempeldata,
        importer, innstillinger) pass `opprett`: a mistyped --db must not become an empty
        register that then reports that nothing is due."""
        if self._register is None:
            from .apning import apne_register

            sti = self.sti()
            if not opprett:
                from .filer import utvid

                try:
                    # lexists: a dangling link or a device is the store's to refuse in its words.
                    finnes = os.path.lexists(utvid(sti))
                except OSError:
                    finnes = True  # let the store give its own message
                if not finnes:
                    raise PakkehjemFeil(
                        f"Fant ikke registeret {sti}. Sjekk --db eller PAKKEHJEM_DB («pakkehjem dbsti» "
                        "viser stien som brukes). Et nytt register lages med «pakkehjem ny-pasient», "
                        "«pakkehjem importer» eller «pakkehjem eksempeldata»."
                    )
            self._register = apne_register(sti, kryptert=self.kryptert)
        return self._register

    def register_for_oppretting(self, tjeneste: str | None, standard: str | None = None) -> Register:
        """The register for a command that may create it (ny-pasient, eksempeldata, importer,
        innstillinger), with the service it belongs to: `--tjeneste`, else asked for on a
        terminal when the register is new, else `standard`. A register that already knows its
        service keeps it; a different `--tjeneste` is refused (change it with innstillinger)."""
        valgt = tjeneste_valg(tjeneste) if tjeneste is not None else None
        register = self.register(opprett=True)
        navarende = register.innstillinger()["tjeneste"]
        if navarende is not None:
            if valgt is not None and valgt != navarende:
                raise UgyldigInndata(
                    f"Registeret hører til {navarende}, ikke {valgt}. Er det riktig å bytte, gjør det med "
                    f"«pakkehjem innstillinger tjeneste {valgt}»."
                )
            return register
        if valgt is None and register.mengde.er_tomt():
            valgt = standard
            if valgt is None and sys.stdin.isatty():
                from rich.prompt import Prompt

                from . import forlop

                valgt = Prompt.ask(
                    "Hvilken tjeneste hører registeret til: kommune (SP2 og SP3) eller sykehus (SP1)?",
                    choices=list(forlop.TJENESTER),
                )
        if valgt is not None:
            register.sett_innstilling("tjeneste", valgt)
        return register

    def lukk(self) -> None:
        """Close the register if it was opened."""
        if self._register is not None:
            self._register.lukk()
            self._register = None
