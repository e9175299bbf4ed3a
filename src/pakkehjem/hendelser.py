"""The timeline's words (`hendelse`): what a change to a contact point says, as pure functions."""

from __future__ import annotations

from datetime import date

from . import forlop
from .datoer import norsk_dato


def hendelsestekst(
    sp: int,
    status: str,
    dato: date | None,
    klokkeslett: str | None,
    sted: str | None,
    grunn: str | None,
) -> str:
    """The timeline text of a status change of contact point `sp`."""
    if status == forlop.AVTALT:
        tekst = f"SP{sp} avtalt {norsk_dato(dato)}"
        if klokkeslett:
            tekst += f" kl. {klokkeslett}"
        if sted:
            tekst += f", {sted}"
        return tekst + "."
    if status == forlop.UTSATT:
        return f"SP{sp} utsatt til {norsk_dato(dato)}. Grunn: {grunn}."
    if status == forlop.AVSLATT:
        tekst = f"SP{sp}: pasienten takket nei. Spør igjen {norsk_dato(dato)}."
        return tekst + (f" Grunn: {grunn}." if grunn else "")
    if status == forlop.BORTFALT:
        return f"SP{sp} bortfalt. Grunn: {grunn}."
    return f"SP{sp}: {status}."
