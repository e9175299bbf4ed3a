"""Opening the register from the command line: which key it takes, asked for here.

The store takes the key of an encrypted register as an argument and never asks for one. This
is the edge that finds it: PAKKEHJEM_NOKKEL, else a hidden prompt on a terminal (`nokkel`). It
is also where a coordinator at a terminal is told that an old register is being upgraded.
"""

from __future__ import annotations

import sys
from pathlib import Path

from . import nokkel as nokler
from .feil import Avvist, SkadetDatabase, UgyldigInndata
from .register import Register, motor
from .register.tilkobling import fjern_tom, forbered_fil


def apne_register(sti: Path | str, ventetid: float | None = None, *, kryptert: bool = False) -> Register:
    """Open (and on first use create, mode 0600) the register at `sti`.

    An existing file is opened the way its header says (plain, or encrypted with the key from
    `nokkel.hent_nokkel`). A new one is encrypted when PAKKEHJEM_NOKKEL is set or `kryptert` is
    asked for; `kryptert` also refuses an existing plain register.
    """
    sti, ny = forbered_fil(sti)
    try:
        nokkel = nokkel_for(sti, kryptert)
    except BaseException:
        if ny:  # no key for a new encrypted register: leave no empty file behind
            fjern_tom(sti)
        raise
    return Register.fra_fil(sti, ventetid, nokkel=nokkel, varsle=varsle_oppgradering)


def varsle_oppgradering(fra: int, til: int) -> None:
    """Say on a terminal that the register is being upgraded: on a large register it takes a
    while, and a silent wait looks like a hang. Piped, stderr stays as it was (scripts read it)."""
    if not sys.stderr.isatty():
        return
    from .utgang import melding

    melding(
        f"Oppgraderer registeret til denne versjonen av pakkehjem (skjema {fra} til {til}). "
        "På et stort register kan det ta et minutt. Blir det avbrutt, er registeret uendret."
    )


def nokkel_for(sti: Path, kryptert: bool) -> str | None:
    """The key `sti` opens with, or None for a plain register."""
    if motor.er_kryptert(sti):
        nokkel = nokler.hent_nokkel(ny=False)
        if nokkel is None:
            # Exit 1, not 2: without a key an encrypted file cannot be told from a damaged one.
            raise SkadetDatabase(motor.MANGLER_NOKKEL)
        return nokkel
    if sti.stat().st_size:
        if kryptert:
            raise Avvist(f"Registeret {sti} er ikke kryptert. Krypter det med «pakkehjem krypter».")
        return None
    if not kryptert and nokler.nokkel_i_miljo() is None:
        return None
    nokkel = nokler.hent_nokkel(ny=True, sporsmal="Velg en nøkkel for det nye registeret")
    if nokkel is None:
        raise UgyldigInndata(
            "Et nytt kryptert register trenger en nøkkel: sett miljøvariabelen "
            f"{motor.MILJOVARIABEL}, eller kjør kommandoen i en terminal og skriv den inn."
        )
    return nokkel
