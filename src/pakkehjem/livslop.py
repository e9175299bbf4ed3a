"""The end of an episode as rules: the reasons a pathway ends (death, moving, the patient's
wish, completion, relapse), how a typed reason is read, and the words each reason gives.

The store does the ending (`reg.punkter.avslutt`, `reg.punkter.residiv`): it sets the open
contact points `bortfalt` with `punktgrunn`, ends the patient when no active episode remains,
and opens episode nr + 1 on a relapse. Nothing here reads a database or a clock.
"""

from __future__ import annotations

from .feil import UgyldigInndata

# Reasons a user may give to `avslutt` (cli: --grunn). `residiv` is set by `residiv` only.
DOD = "dod"
FLYTTET = "flyttet"
ONSKE = "onske"
FULLFORT = "fullfort"
RESIDIV = "residiv"
GRUNNER = (DOD, FLYTTET, ONSKE, FULLFORT)

# The episode's reason in words, for the timeline and `vis`.
GRUNN_TEKST = {
    DOD: "pasienten er død",
    FLYTTET: "pasienten har flyttet",
    ONSKE: "pasientens ønske",
    FULLFORT: "forløpet er fullført",
    RESIDIV: "residiv, nytt forløp",
}

# What a user may type for a reason: the ASCII codes and the words with æøå.
_SKREVET = {
    "dod": DOD, "død": DOD,
    "flyttet": FLYTTET,
    "onske": ONSKE, "ønske": ONSKE,
    "fullfort": FULLFORT, "fullført": FULLFORT,
}  # fmt: skip


def les_grunn(tekst: str | None) -> str:
    """The reason code for what the user typed; UgyldigInndata (exit 2) when unknown."""
    if tekst is None or not tekst.strip():
        raise UgyldigInndata(
            "Oppgi hvorfor forløpet avsluttes med --grunn: dod, flyttet, onske eller fullfort."
        )
    verdi = _SKREVET.get(tekst.strip().lower())
    if verdi is None:
        hint = " Et residiv registreres med «pakkehjem residiv»." if "residiv" in tekst.lower() else ""
        raise UgyldigInndata(
            f"Ukjent grunn «{tekst.strip()}». Velg dod, flyttet, onske eller fullfort.{hint}"
        )
    return verdi


def punktgrunn(grunn: str, til_kommune: str | None, nytt_nr: int | None) -> str:
    """The reason written on each contact point that falls away."""
    if grunn == DOD:
        return "Pasienten er død"
    if grunn == FLYTTET:
        return f"Pasienten har flyttet til {til_kommune}" if til_kommune else "Pasienten har flyttet"
    if grunn == ONSKE:
        return "Pasienten ønsket å avslutte forløpet"
    if grunn == FULLFORT:
        return "Forløpet er fullført"
    return f"Residiv: nytt forløp {nytt_nr}" if nytt_nr else "Residiv"
