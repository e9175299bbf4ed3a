"""The key of an encrypted register, found at the edge: the environment variable
PAKKEHJEM_NOKKEL, else a hidden prompt on a terminal. Never from a file, never printed, never
in a message. The store takes the key as an argument (`Register.fra_fil(..., nokkel=...)`).
"""

from __future__ import annotations

import os
import sys

from .feil import UgyldigInndata
from .register.motor import MILJOVARIABEL

MINSTE_LENGDE = 12


def nokkel_i_miljo() -> str | None:
    """The key from PAKKEHJEM_NOKKEL, or None when it is unset or empty."""
    verdi = os.environ.get(MILJOVARIABEL)
    return _normaliser(verdi) if verdi else None


def hent_nokkel(*, ny: bool, sporsmal: str = "Nøkkel for registeret") -> str | None:
    """The key: PAKKEHJEM_NOKKEL, else typed at a hidden prompt; None when neither can be had.

    `ny`: the key for a register being made; typed twice, and it must be long enough.
    """
    nokkel = nokkel_i_miljo()
    if nokkel is None and _er_terminal():
        import getpass

        nokkel = _normaliser(getpass.getpass(f"{sporsmal}: "))
        if ny and nokkel:
            sjekk_ny_nokkel(nokkel)
            if _normaliser(getpass.getpass("Skriv nøkkelen en gang til: ")) != nokkel:
                raise UgyldigInndata("Nøklene var ikke like. Ingenting er endret; prøv igjen.")
    if not nokkel:
        return None
    if ny:
        sjekk_ny_nokkel(nokkel)
    return nokkel


def sjekk_ny_nokkel(nokkel: str) -> None:
    """Refuse a key for a new encrypted register that is too short to resist guessing."""
    if len(nokkel) < MINSTE_LENGDE:
        raise UgyldigInndata(
            f"Nøkkelen er for kort: bruk minst {MINSTE_LENGDE} tegn, gjerne en setning på flere ord."
        )


def _normaliser(nokkel: str) -> str:
    # æøå typed on one terminal can arrive composed, on another decomposed: the same key.
    import unicodedata  # here: only a register with a key needs it

    return unicodedata.normalize("NFC", nokkel)


def _er_terminal() -> bool:
    try:
        return sys.stdin.isatty()
    except (AttributeError, ValueError):
        return False
