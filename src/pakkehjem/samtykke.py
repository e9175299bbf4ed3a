"""Consent: which recipient kinds exist, and whether a letter to one may be written.

Pure rules, no database and no templates, so the `samtykke` command, the letter and the
tests share one definition.

The law (domain.md, "Consent"):

- helsepersonelloven § 22: information may be shared with the patient's consent;
- §§ 25 and 45: cooperating health personnel (the GP, the municipality's health and care
  services, the hospital) may be given what they need *unless the patient objects*;
- NAV and other recipients outside the health service need explicit consent.

How the two letter recipients without a consent kind of their own are decided:

- `ny_kommune` (the municipality the patient moves to) is the receiving municipality's health
  and care service: cooperating health personnel, like `kommune`. It uses the consent kind
  `kommune`, so an objection recorded for "kommunen" also stops the letter to a new
  municipality: the patient who objected to the municipality being told has not agreed to
  another municipality being told either.
- `pasient` is the patient's own copy. No consent is needed to give patients their own
  information (pasient- og brukerrettighetsloven § 5-1, the right of access), so it is never
  refused.

The current consent for a kind is its latest row: the latest `dato`, and among rows of the
same date the one registered last. A consent recorded later with an earlier date (a phone
call noted afterwards) does not override what the patient said since.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from .feil import ManglerSamtykke, UgyldigInndata

# The recipient kinds consent is recorded for (cli.md `samtykke --til`).
MOTTAKERE = ("fastlege", "kommune", "sykehus", "nav", "annen")
# The recipients a letter can be written to (`brev --til`).
BREVMOTTAKERE = ("fastlege", "kommune", "sykehus", "ny_kommune", "nav", "annen", "pasient")

# The consent kind each letter recipient falls under; None: no consent needed (own copy).
SAMTYKKEART: dict[str, str | None] = {
    "fastlege": "fastlege",
    "kommune": "kommune",
    "sykehus": "sykehus",
    "ny_kommune": "kommune",
    "nav": "nav",
    "annen": "annen",
    "pasient": None,
}
# Recipients outside the health service: an explicit "ja" is required (§ 22).
KREVER_UTTRYKKELIG = frozenset({"nav", "annen"})
HELSEMOTTAKERE = frozenset({"fastlege", "kommune", "sykehus", "ny_kommune"})

# For messages: "deling med fastlegen".
NAVN = {
    "fastlege": "fastlegen",
    "kommune": "kommunen",
    "sykehus": "sykehuset",
    "ny_kommune": "den nye bostedskommunen",
    "nav": "NAV",
    "annen": "andre mottakere",
    "pasient": "pasienten selv",
}

TILLATT = "tillatt"
AVVIST_NEI = "motsatt"
AVVIST_MANGLER = "mangler"


def sjekk_mottaker(mottaker: str, gyldige: Iterable[str] = MOTTAKERE, valg: str = "--til") -> str:
    """The recipient kind as typed, normalised; UgyldigInndata (exit 2) naming the valid ones."""
    verdi = (mottaker or "").strip().lower().replace("-", "_")
    gyldige = tuple(gyldige)
    if verdi not in gyldige:
        raise UgyldigInndata(f"{valg} «{mottaker}» er ikke en mottaker. Velg en av: {', '.join(gyldige)}.")
    return verdi


def gjeldende(rader: Iterable[Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """The current consent per kind from the history rows (each with mottaker, svar, dato, id)."""
    ut: dict[str, dict[str, Any]] = {}
    for rad in sorted(rader, key=lambda r: (r["dato"], r["id"])):
        ut[rad["mottaker"]] = dict(rad)
    return ut


def vurder(mottaker: str, gjeldende_samtykke: Mapping[str, Mapping[str, Any]]) -> str:
    """TILLATT, AVVIST_NEI (the patient objected) or AVVIST_MANGLER (explicit consent missing)."""
    art = SAMTYKKEART[mottaker]
    if art is None:
        return TILLATT
    rad = gjeldende_samtykke.get(art)
    svar = rad["svar"] if rad else None
    if svar == "nei":
        return AVVIST_NEI
    if mottaker in KREVER_UTTRYKKELIG and svar != "ja":
        return AVVIST_MANGLER
    return TILLATT


def krev_samtykke(
    pasient_id: int, mottaker: str, gjeldende_samtykke: Mapping[str, Mapping[str, Any]]
) -> None:
    """Refuse (ManglerSamtykke, exit 1) a letter the patient has not allowed; say how consent is recorded."""
    utfall = vurder(mottaker, gjeldende_samtykke)
    if utfall == TILLATT:
        return
    art = SAMTYKKEART[mottaker]
    hvordan = (
        f"Hvis pasienten samtykker, registrer det med «pakkehjem samtykke {pasient_id} --til {art} --ja»."
    )
    if utfall == AVVIST_NEI:
        raise ManglerSamtykke(
            f"Pasient nr. {pasient_id} har motsatt seg deling med {NAVN[art]}, så brevet lages ikke. "
            f"Har pasienten ombestemt seg? {hvordan}"
        )
    raise ManglerSamtykke(
        f"Brev til {NAVN[mottaker]} krever pasientens uttrykkelige samtykke (helsepersonelloven § 22), "
        f"og pasient nr. {pasient_id} har ikke samtykket. {hvordan}"
    )
