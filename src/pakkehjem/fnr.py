"""Fødselsnummer: python-stdnum, plus the rules it lacks.

stdnum.no.fodselsnummer knows the check digits, D-numbers (day + 40), H-numbers
(month + 40) and the century rules. Added here:

- the 2032 rule: the first check digit may be computed with remainder 0, 1, 2 or 3;
- synthetic test numbers (Skatteetaten's Tenor: month + 80; NAV: month + 65), which never
  belong to a person and are refused unless the register allows them;
- a birth date for numbers whose individual digits no longer encode the century.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date
from typing import Any

_VEKTER_K1 = (3, 7, 6, 1, 8, 9, 4, 5, 2, 1)
_VEKTER_K2 = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2, 1)
# Remainders of the first check sum accepted from 2032 on (0 is the old rule).
_REST_K1_2032 = (0, 1, 2, 3)

SYNTETISK_TENOR = 80
SYNTETISK_NAV = 65


class UgyldigFnr(ValueError):
    """The text is not a fødselsnummer the register can take. The message is Norwegian."""


@dataclass(frozen=True)
class Fnr:
    """A checked fødselsnummer."""

    nummer: str
    fodselsdato: date
    syntetisk: bool
    type: str  # "fodselsnummer", "d_nummer" or "h_nummer"


def _stdnum() -> Any:
    """stdnum.no.fodselsnummer, imported on first use (it pulls in ssl and pydoc: ~10 ms)."""
    from stdnum.no import fodselsnummer

    return fodselsnummer


def normaliser(tekst: str) -> str:
    """Strip spaces, dashes and dots the way people type the number."""
    if tekst.isascii() and tekst.isdigit():  # as stored, and as most people type it
        return tekst
    return _stdnum().compact(tekst.replace(".", ""))


def ser_ut_som_fnr(tekst: str) -> bool:
    """True for 11 digits (spaces allowed): a reference is then a number, not a local id."""
    renset = normaliser(tekst)
    return len(renset) == 11 and renset.isascii() and renset.isdigit()


def kontrollsifre_gyldige(nummer: str) -> bool:
    """Both check digits, with the 2032 rule for the first one."""
    sifre = [int(c) for c in nummer]
    k1_rest = sum(v * s for v, s in zip(_VEKTER_K1, sifre[:10], strict=True)) % 11
    k2_rest = sum(v * s for v, s in zip(_VEKTER_K2, sifre, strict=True)) % 11
    return k1_rest in _REST_K1_2032 and k2_rest == 0


def _syntetisk_forskyvning(maned: int) -> int:
    if maned > SYNTETISK_TENOR:
        return SYNTETISK_TENOR
    if SYNTETISK_NAV < maned <= SYNTETISK_NAV + 12:
        return SYNTETISK_NAV
    return 0


def er_syntetisk(nummer: str) -> bool:
    """True for test numbers whose month carries +80 or +65."""
    renset = normaliser(nummer)
    return ser_ut_som_fnr(renset) and _syntetisk_forskyvning(int(renset[2:4])) > 0


def _fodselsdato(nummer: str, idag: date) -> date:
    """The birth date, the month freed of the synthetic offset first."""
    maned = int(nummer[2:4])
    ekte_maned = maned - _syntetisk_forskyvning(maned)
    uten_forskyvning = f"{nummer[:2]}{ekte_maned:02d}{nummer[4:]}"
    from stdnum.exceptions import ValidationError

    try:
        fodt = _stdnum().get_birth_date(uten_forskyvning)
        if fodt <= idag:
            return fodt
    except ValidationError:
        pass
    # From 2032 the individual digits no longer give the century: the latest century
    # that puts the birth date not after today is the one that can be true.
    dag = int(nummer[:2])
    dag = dag - 40 if dag > 40 else dag
    maned_uten_h = ekte_maned - 40 if ekte_maned > 40 else ekte_maned
    aar2 = int(nummer[4:6])
    for hundre in (idag.year // 100 * 100, idag.year // 100 * 100 - 100):
        try:
            kandidat = date(hundre + aar2, maned_uten_h, dag)
        except ValueError:
            raise UgyldigFnr("Fødselsnummeret har ingen gyldig fødselsdato.") from None
        if kandidat <= idag:
            return kandidat
    raise UgyldigFnr("Fødselsnummeret har ingen gyldig fødselsdato.")


def valider(tekst: str, idag: date, tillat_syntetiske: bool = False) -> Fnr:
    """Check a fødselsnummer; raise UgyldigFnr with a message that says what is wrong."""
    nummer = normaliser(tekst)
    if not (nummer.isascii() and nummer.isdigit()) or len(nummer) != 11:
        raise UgyldigFnr("Et fødselsnummer har 11 siffer (mellomrom er tillatt).")
    if not kontrollsifre_gyldige(nummer):
        raise UgyldigFnr("Kontrollsifrene stemmer ikke. Sjekk at fødselsnummeret er skrevet riktig.")
    dag = int(nummer[:2])
    if dag >= 80:
        raise UgyldigFnr("FH-nummer (felles hjelpenummer) kan ikke brukes i registeret.")
    syntetisk = er_syntetisk(nummer)
    if syntetisk and not tillat_syntetiske:
        raise UgyldigFnr(
            "Dette er et syntetisk testnummer, som ikke hører til noen person. "
            "Registeret tar ikke imot testnumre (innstillingen tillat_syntetiske er av)."
        )
    fodt = _fodselsdato(nummer, idag)
    maned = int(nummer[2:4]) - _syntetisk_forskyvning(int(nummer[2:4]))
    type_ = "d_nummer" if dag > 40 else "h_nummer" if maned > 40 else "fodselsnummer"
    return Fnr(nummer=nummer, fodselsdato=fodt, syntetisk=syntetisk, type=type_)


def masker(nummer: str) -> str:
    """The birth-date part only, for lists: `151086*****`."""
    # Numbers from the register are stored normalised; lists mask thousands of them.
    if not (len(nummer) == 11 and nummer.isascii() and nummer.isdigit()):
        nummer = normaliser(nummer)
    return nummer[:6] + "*****"


def lag_syntetisk(fodselsdato: date, rng: random.Random) -> str:
    """A Tenor-style synthetic number (month + 80) for the given birth date.

    The individual digits follow the century rules, so stdnum reads the right year back.
    """
    if fodselsdato.year >= 2000:
        individ_fra, individ_til = 500, 999
    else:
        individ_fra, individ_til = 0, 499
    while True:
        individ = rng.randint(individ_fra, individ_til)
        ni = (
            f"{fodselsdato.day:02d}{fodselsdato.month + SYNTETISK_TENOR:02d}"
            f"{fodselsdato.year % 100:02d}{individ:03d}"
        )
        k1 = _stdnum().calc_check_digit1(ni)
        if len(k1) != 1:
            continue
        k2 = _stdnum().calc_check_digit2(ni + k1)
        if len(k2) != 1:
            continue
        return ni + k1 + k2
