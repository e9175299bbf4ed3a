"""Fødselsnummer: python-stdnum, plus the rules it lacks.

stdnum.no.fodselsnummer knows the check digits, D-numbers (day + 40) and H-numbers (month + 40).
The rules here follow Skatteetaten's published table and the Folkeregister's 2032 change:

- the century comes from the individual number (digits 7-9) and the two-digit year, by the
  table below; a number outside the table was never issued, and one whose birth date lies
  after the day it is checked does not exist yet;
- from 1 January 2032 new numbers are issued with a first check sum that may leave remainder
  0, 1, 2 or 3, and the individual digits no longer give the century. These rules are used
  only on or after that day: before it, no number can have been issued by them;
- synthetic test numbers: month + 80, Skatteetaten's synthetic Folkeregister (Tenor, "Test
  Norge": "Testpersoner fra syntetisk Folkeregister, obs. +80 på måneden",
  https://skatteetaten.github.io/api-dokumentasjon/test/testmiljo). They never belong to a
  person and are refused unless the register allows them. (An earlier "+65" rule had no
  public source and was removed; NAV's test persons from Dolly use +40 and are H-numbers.)

Sources: Skatteetaten, "Nye fødselsnummer og d-nummer fra 2032"
(https://www.skatteetaten.no/deling/opplysninger/folkeregisteropplysninger/pid/), and the
individual-number table as published by Skatteetaten and used by python-stdnum.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date
from typing import Any

_VEKTER_K1 = (3, 7, 6, 1, 8, 9, 4, 5, 2, 1)
_VEKTER_K2 = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2, 1)
# Remainders of the first check sum: 0 before 2032; 0, 1, 2 or 3 for numbers issued from 2032.
_REST_K1 = (0,)
_REST_K1_2032 = (0, 1, 2, 3)
NYE_REGLER_FRA = date(2032, 1, 1)

# Skatteetaten's table: (individual numbers, two-digit years, century).
ARHUNDRE_TABELL: tuple[tuple[range, range, int], ...] = (
    (range(0, 500), range(0, 100), 1900),  # 1900-1999
    (range(500, 750), range(54, 100), 1800),  # 1854-1899
    (range(500, 1000), range(0, 40), 2000),  # 2000-2039
    (range(900, 1000), range(40, 100), 1900),  # 1940-1999
)

SYNTETISK_TENOR = 80


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
    return str(_stdnum().compact(tekst.replace(".", "")))


def ser_ut_som_fnr(tekst: str) -> bool:
    """True for 11 digits (spaces allowed): a reference is then a number, not a local id."""
    renset = normaliser(tekst)
    return len(renset) == 11 and renset.isascii() and renset.isdigit()


def _k1_rest(nummer: str) -> int:
    return sum(v * int(s) for v, s in zip(_VEKTER_K1, nummer[:10], strict=True)) % 11


def kontrollsifre_gyldige(nummer: str, idag: date | None = None) -> bool:
    """Both check digits. The 2032 rule for the first one counts only from 1 January 2032
    (`idag` None: by every rule there is, for numbers whose issue date is unknown)."""
    sifre = [int(c) for c in nummer]
    k2_rest = sum(v * s for v, s in zip(_VEKTER_K2, sifre, strict=True)) % 11
    tillatt = _REST_K1_2032 if idag is None or idag >= NYE_REGLER_FRA else _REST_K1
    return _k1_rest(nummer) in tillatt and k2_rest == 0


def arhundre(individ: int, aar2: int) -> int | None:
    """The century of the birth year by Skatteetaten's table, or None when no number was issued so."""
    for individer, ar, hundre in ARHUNDRE_TABELL:
        if individ in individer and aar2 in ar:
            return hundre
    return None


def _syntetisk_forskyvning(maned: int) -> int:
    return SYNTETISK_TENOR if maned > SYNTETISK_TENOR else 0


def er_syntetisk(nummer: str) -> bool:
    """True for test numbers whose month carries +80 (Tenor)."""
    renset = normaliser(nummer)
    return ser_ut_som_fnr(renset) and _syntetisk_forskyvning(int(renset[2:4])) > 0


def _fodselsdato(nummer: str, idag: date) -> date:
    """The birth date by the table; from 2032, the latest century not after `idag` for the rest."""
    ugyldig = UgyldigFnr("Fødselsnummeret har ingen gyldig fødselsdato.")
    dag = int(nummer[:2])
    dag = dag - 40 if dag > 40 else dag
    maned = int(nummer[2:4])
    maned -= _syntetisk_forskyvning(maned)
    maned = maned - 40 if maned > 40 else maned
    aar2 = int(nummer[4:6])
    hundre = arhundre(int(nummer[6:9]), aar2)
    nye_regler = idag >= NYE_REGLER_FRA
    if hundre is not None:
        try:
            fodt = date(hundre + aar2, maned, dag)
        except ValueError:
            raise ugyldig from None
        if fodt <= idag:
            return fodt
        if not nye_regler:
            raise UgyldigFnr(
                "Fødselsdatoen i nummeret ligger fram i tid. Sjekk at fødselsnummeret er skrevet riktig."
            )
    elif not nye_regler:
        raise UgyldigFnr(
            "Individnummeret (siffer 7–9) passer ikke med fødselsåret: ingen fødselsnumre med de "
            "sifrene er delt ut for det året. Sjekk at fødselsnummeret er skrevet riktig."
        )
    # From 2032 the individual digits no longer give the century: the latest century that
    # puts the birth date not after today is the one that can be true.
    for hundre in (idag.year // 100 * 100, idag.year // 100 * 100 - 100):
        try:
            kandidat = date(hundre + aar2, maned, dag)
        except ValueError:
            raise ugyldig from None
        if kandidat <= idag:
            return kandidat
    raise ugyldig  # pragma: no cover - the century before always lies in the past


def valider(tekst: str, idag: date, tillat_syntetiske: bool = False) -> Fnr:
    """Check a fødselsnummer; raise UgyldigFnr with a message that says what is wrong."""
    nummer = normaliser(tekst)
    if not (nummer.isascii() and nummer.isdigit()) or len(nummer) != 11:
        raise UgyldigFnr("Et fødselsnummer har 11 siffer (mellomrom er tillatt).")
    if not kontrollsifre_gyldige(nummer, idag):
        if kontrollsifre_gyldige(nummer):
            raise UgyldigFnr(
                "Kontrollsifrene stemmer bare etter reglene for numre som deles ut fra 1. januar 2032. "
                "Sjekk at fødselsnummeret er skrevet riktig."
            )
        raise UgyldigFnr("Kontrollsifrene stemmer ikke. Sjekk at fødselsnummeret er skrevet riktig.")
    dag = int(nummer[:2])
    if dag >= 80:
        raise UgyldigFnr("FH-nummer (felles hjelpenummer) kan ikke brukes i registeret.")
    syntetisk = er_syntetisk(nummer)
    if syntetisk and not tillat_syntetiske:
        raise UgyldigFnr(
            "Dette er et syntetisk testnummer, som ikke hører til noen person. "
            "Registeret tar ikke imot testnumre (innstillingen tillat_syntetiske er av). "
            "I et øvingsregister slås de på med «pakkehjem innstillinger tillat_syntetiske ja»."
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


# The weights of the two check digits (as stdnum.no.fodselsnummer has them).
_VEKTER1 = (3, 7, 6, 1, 8, 9, 4, 5, 2)
_VEKTER2 = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)


def lag_syntetisk(fodselsdato: date, rng: random.Random) -> str:
    """A Tenor-style synthetic number (month + 80) for the given birth date.

    The individual digits follow the century rules, so stdnum reads the right year back.
    """
    if fodselsdato.year >= 2000:
        individ_fra, individ_til = 500, 999
    else:
        individ_fra, individ_til = 0, 499
    dato = f"{fodselsdato.day:02d}{fodselsdato.month + SYNTETISK_TENOR:02d}{fodselsdato.year % 100:02d}"
    # stdnum's check digits (mod 11 with its weights), with the date's six digits summed once:
    # demo data makes a million numbers, and a call per digit per try was a tenth of its time.
    dato1 = sum(v * int(c) for v, c in zip(_VEKTER1, dato, strict=False))
    dato2 = sum(v * int(c) for v, c in zip(_VEKTER2, dato, strict=False))
    while True:
        individ = rng.randint(individ_fra, individ_til)
        a, b, c = individ // 100, individ // 10 % 10, individ % 10
        k1 = (11 - (dato1 + 4 * a + 5 * b + 2 * c)) % 11
        if k1 == 10:  # no valid first check digit for these individual digits
            continue
        k2 = (11 - (dato2 + 5 * a + 4 * b + 3 * c + 2 * k1)) % 11
        if k2 == 10:
            continue
        return f"{dato}{individ:03d}{k1}{k2}"
