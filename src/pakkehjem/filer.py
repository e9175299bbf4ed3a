"""Files the tool writes: created for the owner only (mode 0600), never silently replaced."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from .feil import Avvist, PakkehjemFeil, UgyldigInndata


def sjekk_ny_fil(sti: Path, overskriv: bool = False) -> None:
    """Refuse early (before any patient data is read) a target that cannot be written."""
    if sti.is_dir():
        raise UgyldigInndata(f"{sti} er en mappe. Oppgi et filnavn.")
    if not overskriv and (sti.exists() or sti.is_symlink()):
        raise Avvist(f"Filen {sti} finnes fra før. Velg et annet filnavn, eller bruk --overskriv.")
    if not sti.parent.is_dir():
        raise PakkehjemFeil(f"Mappen {sti.parent} finnes ikke. Opprett den først, eller velg en annen plass.")


def skriv_privat(sti: Path, data: bytes, overskriv: bool = False) -> None:
    """Write `data` to a new file with mode 0600 (set when created, not chmod afterwards).

    Without `overskriv` an existing file is refused (O_EXCL: no race). With it, the data goes
    to a new 0600 file in the same folder that then replaces the old one, so the result is
    0600 even when the old file was readable by others.
    """
    sjekk_ny_fil(sti, overskriv)
    try:
        if not overskriv:
            fd = os.open(sti, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as fil:
                fil.write(data)
            return
        fd, midlertidig = tempfile.mkstemp(dir=sti.parent, prefix=".pakkehjem-", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as fil:
                fil.write(data)
            os.replace(midlertidig, sti)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(midlertidig)
            raise
    except FileExistsError:
        raise Avvist(f"Filen {sti} finnes fra før. Velg et annet filnavn, eller bruk --overskriv.") from None
    except OSError as feil:
        raise PakkehjemFeil(f"Kan ikke skrive {sti} ({feil.strerror}).") from None
