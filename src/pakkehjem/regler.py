"""The store's rules as pure functions: what a typed text, an ICD-10 code or a time of day
must look like, how names are folded for search, the contact points of a new episode, and the
date rules' verdicts as errors. No database, no clock: "today" is the parameter `idag`."""

from __future__ import annotations

import functools
import re
from datetime import date
from typing import Any

from . import datoregler, forlop
from .feil import UgyldigInndata

_ICD10 = re.compile(r"^([A-Z])(\d{2})(?:\.?(\d{1,2}))?$", re.ASCII)
_KL = re.compile(r"^kl(?:okka)?\.?\s*", re.IGNORECASE)
_KLOKKESLETT = re.compile(r"^([01]?\d|2[0-3])[:.]([0-5]\d)$", re.ASCII)

# A name longer than this is not a name (a 130 KB "name" was accepted once): refused.
NAVN_MAKS = 200
# Any other one-line text a person types (municipality, GP, place, reason ...).
TEKST_MAKS = 1000


def sjekk_tekst(verdi: str | None, feltnavn: str, *, maks: int = TEKST_MAKS) -> None:
    """Refuse (UgyldigInndata) a typed text with a control character, or longer than `maks`.

    `feltnavn` names the field ("--navn"); the value itself is never echoed (it is patient data).
    """
    if verdi is None:
        return
    from .skjermtekst import feil_i

    melding = feil_i(verdi, feltnavn)
    if melding:
        raise UgyldigInndata(melding)
    if len(verdi) > maks:
        raise UgyldigInndata(f"{feltnavn} er for lang ({len(verdi)} tegn; høyst {maks}).")


def normaliser_diagnose(tekst: str | None) -> str | None:
    """An ICD-10 code as `C50.9`; UgyldigInndata for anything else."""
    if tekst is None or not tekst.strip():
        return None
    treff = _ICD10.match(tekst.strip().upper())
    if not treff:
        # The text is not echoed: in an import it is a cell of a patient file ("Brystkreft hos Ola").
        raise UgyldigInndata("Diagnosen er ikke en ICD-10-kode. Skriv for eksempel C50.9 eller C18.")
    bokstav, kapittel, under = treff.groups()
    return f"{bokstav}{kapittel}" + (f".{under}" if under else "")


def normaliser_klokkeslett(tekst: str | None) -> str | None:
    """`9:30`, `09.30`, `kl 10` or `kl. 9.30` as `09:30`; UgyldigInndata for anything else."""
    if tekst is None or not tekst.strip():
        return None
    renset = _KL.sub("", tekst.strip())
    if renset.isascii() and renset.isdigit() and len(renset) <= 2:
        renset += ":00"  # "kl 10" is a time as sure as "10:00"
    treff = _KLOKKESLETT.match(renset)
    if not treff:
        raise UgyldigInndata(f"«{tekst}» er ikke et klokkeslett. Skriv TT:MM, for eksempel 09:30.")
    return f"{int(treff.group(1)):02d}:{treff.group(2)}"


def navn_nokkel(tekst: str) -> str:
    """A name folded for search: lower case, accents off (é, ü, ñ), but æ, ø and å kept as the
    letters of their own they are in Norwegian (Åse is not Ase)."""
    import unicodedata

    ut = []
    for tegn in tekst.casefold():
        if tegn in "æøå":
            ut.append(tegn)
            continue
        ut.extend(t for t in unicodedata.normalize("NFD", tegn) if not unicodedata.combining(t))
    return "".join(ut).replace("-", " ")


@functools.lru_cache(maxsize=4096)
def _navneord(navn: str) -> tuple[str, ...]:
    return tuple(navn_nokkel(navn).split())


def navnetreff(navn: str, sok: str) -> bool:
    """True when every word of `sok` begins a word of `navn` (navn_nokkel on both)."""
    ord_ = _navneord(navn)
    return all(any(o.startswith(s) for o in ord_) for s in navn_nokkel(sok).split())


def nye_punkter(forlop_id: int, diagnosedato: date, sp1_uker: int) -> list[tuple[Any, ...]]:
    """The three contact points of a new episode as rows (the column order of
    `legg_inn_mange`): windows from `forlop.vinduer`, planlagt, due range the window.
    The one place new contact points are made, for `ny-pasient`, a relapse and `importer`."""
    rader = []
    for sp, vindu in forlop.vinduer(diagnosedato, sp1_uker).items():
        periode = forlop.forfallsperiode(forlop.PLANLAGT, vindu.fra, vindu.til, None)
        assert periode is not None
        rader.append(
            (
                forlop_id,
                sp,
                forlop.ANSVARLIG[sp],
                vindu.fra.isoformat(),
                vindu.til.isoformat(),
                forlop.PLANLAGT,
                None,
                None,
                None,
                None,
                periode.fra.isoformat(),
                periode.til.isoformat(),
            )
        )
    return rader


def tom_som_null(tekst: str | None) -> str | None:
    """A typed text without its outer spaces; None for nothing typed."""
    if tekst is None:
        return None
    tekst = tekst.strip()
    return tekst or None


def regel(brudd: str | None) -> None:
    """A date rule broken (datoregler): bad input, exit 2, with the rule in Norwegian."""
    if brudd:
        raise UgyldigInndata(brudd)


def sjekk_diagnosedato(diagnosedato: date, fodselsdato: date, idag: date) -> None:
    """A diagnosis date must lie between the birth date and today (UgyldigInndata otherwise)."""
    regel(datoregler.diagnosedato(diagnosedato, fodselsdato, idag))


def lukket_tekst(status: str) -> str:
    """A closed status in words: gjennomført, bortfalt, holdt av en annen tjeneste."""
    return {
        forlop.GJENNOMFORT: "gjennomført",
        forlop.BORTFALT: "bortfalt",
        forlop.HOLDT_ANNET_STED: "holdt av en annen tjeneste",
    }.get(status, status)


def statusendring(status: str, dato: date | None, grunn: str | None) -> str | None:
    """What a status change of a contact point lacks (the refusal in Norwegian), or None: a
    booking, a postponement and a decline need their date, a postponement and a point set not
    applicable need a reason."""
    if status in (forlop.AVTALT, forlop.UTSATT, forlop.AVSLATT) and dato is None:
        return "Oppgi datoen for samtalen."
    if status in (forlop.UTSATT, forlop.BORTFALT) and not (grunn or "").strip():
        return "Oppgi en grunn med --grunn."
    return None


def lukket_punkt(status: str, sp: int, pasient_id: int) -> str | None:
    """The refusal for changing a closed contact point (with how to reopen it), or None when
    the point is open."""
    if forlop.er_apen(status):
        return None
    return (
        f"Samhandlingspunkt {sp} er allerede {lukket_tekst(status)}, og kan ikke endres. "
        f"Ble det lukket ved en feil, åpne det med «pakkehjem gjenapne {pasient_id} "
        f"--sp {sp} --grunn ...»."
    )
