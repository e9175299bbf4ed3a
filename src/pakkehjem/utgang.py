"""How a command ends: every failure as a Norwegian message on stderr and its exit code (cli.md).

One place for the command line (`cli.Hovedgruppe`) and its fast path (`snarvei`), so a
refusal reads the same whichever of them ran the command. Free of Typer and rich until a
message is to be printed.
"""

from __future__ import annotations

import errno
import os
import sys
from collections.abc import Callable
from typing import IO, Any, TypeVar

from .feil import PakkehjemFeil

T = TypeVar("T")

AVBRUTT = "Avbrutt. Ingenting er endret av det som ikke var lagret."


class Avbrudd(Exception):
    """Ctrl-C while a command ran, carried past the option parser: Typer turns the interrupt
    into a silent exit 130, and the coordinator was not told that nothing had been changed."""


def melding(tekst: str) -> None:
    """A message on stderr; the rich console is loaded only when it would change the text.

    Where stderr is no terminal, rich writes a message with no control characters as it is
    (no colours, no wrapping), so it is written without loading rich (about a tenth of a FHIR
    letter's time). A terminal, or a text with a control character (which rich and
    skjermtekst.rens treat each their own way), goes through rich.
    """
    from .skjermtekst import rens

    if not sys.stderr.isatty() and rens(tekst) is tekst:
        sys.stderr.write(tekst + "\n")
        return
    from .visning import melding as skriv

    skriv(tekst)


def kjor(arbeid: Callable[[], T], avbrudd: tuple[type[BaseException], ...] = ()) -> T:
    """Run `arbeid`; a refusal, an interruption (and `avbrudd`) or an unexpected error ends the
    process with its message and exit code."""
    avbrutt: tuple[type[BaseException], ...] = (KeyboardInterrupt, EOFError, Avbrudd, *avbrudd)
    try:
        return arbeid()
    except PakkehjemFeil as feil:
        melding(str(feil))
        sys.exit(feil.exit_code)
    except avbrutt as avbrudd_:
        if isinstance(avbrudd_, KeyboardInterrupt | Avbrudd) and sys.stderr.isatty():
            sys.stderr.write("\n")  # the terminal has echoed ^C where the cursor stood
        melding(AVBRUTT)
        sys.exit(130)
    except Exception as feil:
        if os.environ.get("PAKKEHJEM_FEILSOK"):
            raise
        # No traceback and no message text: either could carry patient data.
        melding(
            f"Uventet feil ({type(feil).__name__}). Endringen som pågikk er ikke lagret. "
            "Meld fra om feilen; kjør med PAKKEHJEM_FEILSOK=1 for detaljer."
        )
        sys.exit(1)


class _StilleVedBruttRor:
    """stdout or stderr whose flush at exit is silent when the reader has gone (`| head`)."""

    def __init__(self, fil: IO[Any]) -> None:
        self.fil = fil

    def flush(self) -> None:
        try:
            self.fil.flush()
        except OSError as feil:
            if feil.errno != errno.EPIPE:
                raise

    def __getattr__(self, navn: str) -> Any:
        return getattr(self.fil, navn)


def som_kommando(arbeid: Callable[[], T]) -> T:
    """Run `arbeid` the way the option parser runs a command: end of input and Ctrl-C are an
    interruption (`kjor` says so, exit 130), and a reader that went away (exit 1) is no error."""
    try:
        return arbeid()
    except EOFError:
        sys.stderr.write("\n")
        raise
    except OSError as feil:
        if feil.errno != errno.EPIPE:
            raise
        sys.stdout = _StilleVedBruttRor(sys.stdout)
        sys.stderr = _StilleVedBruttRor(sys.stderr)
        sys.exit(1)
