"""Typing a new patient in (`ny-pasient` on a terminal): each field is checked as it is typed.

A mistake gets its message and the same question again; what was typed before is kept. The
fields are those of the command, in its order; Enter skips an optional one. The checks are the
register's own (the same as with options), so the patient the dialogue ends with is one
`Register.ny_pasient` takes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from .datoer import parse_dato
from .feil import PakkehjemFeil, UgyldigInndata


@dataclass(frozen=True)
class Felt:
    """One field of `ny-pasient`: its key, its option, the question, and whether it is required."""

    navn: str
    valg: str
    sporsmal: str
    pakrevd: bool


FELTER: tuple[Felt, ...] = (
    Felt("fnr", "--fnr", "Fødselsnummer (11 siffer)", True),
    Felt("navn", "--navn", "Navn", True),
    Felt("diagnosedato", "--diagnosedato", "Diagnosedato (for eksempel 15.1.26 eller 15.01.2026)", True),
    Felt("diagnose", "--diagnose", "Diagnose, ICD-10-kode (for eksempel C50.9)", False),
    Felt("kommune", "--kommune", "Bostedskommune", False),
    Felt("fastlege", "--fastlege", "Fastlegens navn", False),
    Felt("koordinator", "--koordinator", "Kreftkoordinator som følger opp", False),
    Felt("telefon", "--telefon", "Pasientens telefon", False),
)


class Kontroll:
    """The check of each field, against the register and with the answers given before it."""

    def __init__(self, register: Any, idag: date):
        self.register = register
        self.idag = idag
        self.fodselsdato: date | None = None
        self.diagnosedato: date | None = None

    def sjekk(self, felt: Felt, tekst: str) -> Any:
        """The value to store for `tekst`, or PakkehjemFeil with what is wrong (no option name)."""
        from .regler import normaliser_diagnose, sjekk_diagnosedato

        tekst = tekst.strip()
        if not tekst:
            if felt.pakrevd:
                raise UgyldigInndata(f"{felt.sporsmal.split(' (')[0]} må fylles ut.")
            return None
        if felt.navn == "fnr":
            nummer = self.register.pasienter.sjekk_fnr(tekst, self.idag, ny=True)
            if self.diagnosedato is not None:  # given as an option, before the number was typed
                sjekk_diagnosedato(self.diagnosedato, nummer.fodselsdato, self.idag)
            self.fodselsdato = nummer.fodselsdato
            return nummer.nummer
        if felt.navn == "diagnosedato":
            try:
                dato = parse_dato(tekst)
            except ValueError as feil:
                raise UgyldigInndata(str(feil)) from None
            sjekk_diagnosedato(dato, self.fodselsdato or dato, self.idag)
            self.diagnosedato = dato
            return dato
        if felt.navn == "diagnose":
            return normaliser_diagnose(tekst)
        return tekst


def be_om_feltene(
    kontroll: Kontroll,
    gitt: dict[str, Any],
    les: Callable[[str], str],
    skriv_feil: Callable[[str], None],
) -> dict[str, Any]:
    """Every field of FELTER: those in `gitt` (typed as options) checked first, then the rest asked for.

    `les(question)` returns what was typed (EOFError/KeyboardInterrupt stop the dialogue, and
    nothing is stored); a mistake in an option ends the dialogue with its error, a mistake in an
    answer is shown with `skriv_feil` and the question asked again.
    """
    svar: dict[str, Any] = {}
    for felt in FELTER:
        if gitt.get(felt.navn) is not None and str(gitt[felt.navn]).strip():
            try:
                svar[felt.navn] = kontroll.sjekk(felt, str(gitt[felt.navn]))
            except PakkehjemFeil as feil:
                raise type(feil)(f"{felt.valg}: {feil}") from None
    for felt in FELTER:
        if felt.navn in svar:
            continue
        sporsmal = felt.sporsmal + ("" if felt.pakrevd else " (Enter hopper over)")
        while True:
            try:
                svar[felt.navn] = kontroll.sjekk(felt, les(sporsmal))
                break
            except PakkehjemFeil as feil:
                skriv_feil(str(feil))
    return svar
