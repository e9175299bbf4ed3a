"""The order of the dates in a pathway, as pure functions: one place for every date rule.

Every command that stores a date asks here first (the register calls these inside its
transaction, with the dates it holds), and `brudd` checks a whole stored episode against the
same rules, so a test can show that no sequence of commands leaves an order these rules forbid.

The order, in one episode:

- the diagnosis date lies on or after the birth date, and has been (not after today);
- a conversation held (here or by another service) lies on or after the diagnosis date, and
  has been; an episode's end (death, moving, the patient's wish) lies on or after the diagnosis
  date and on or after every conversation held in it, and has been;
- a booked, postponed or ask-again date lies on or after the diagnosis date and on or after
  the last conversation held in the episode (the next step comes after what was done);
  a postponed or ask-again date lies today or later;
- an action's deadline lies on or after the day of the conversation that agreed it;
- a relapse (a new episode) has a diagnosis date after the previous episode's, on or after
  every conversation held in it, and has been.

Nothing here reads a clock, a file or a database: "today" is always a parameter. Each rule
returns None when the dates are in order, or the rule in Norwegian.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from dateutil.relativedelta import relativedelta

from .datoer import norsk_dato

# An SP3 conversation closer to the diagnosis than this is "long before its window" (the
# window opens at 12 months): it ends the episode, so it asks for --bekreft.
SP3_TIDLIGST_MANEDER = 6


def _d(dato: date) -> str:
    return norsk_dato(dato)


def diagnosedato(dato: date, fodselsdato: date, idag: date, *, vis_dato: bool = True) -> str | None:
    """A diagnosis date has been, and lies on or after the birth date. `vis_dato` False: the
    rule without the date itself (an import error names the rule, never a cell)."""
    if dato > idag:
        hvilken = f"Diagnosedatoen {_d(dato)}" if vis_dato else "Diagnosedatoen"
        return f"{hvilken} ligger fram i tid. Oppgi dagen pasienten fikk diagnosen."
    if dato < fodselsdato:
        return "Diagnosedatoen ligger før fødselsdatoen i fødselsnummeret. Sjekk begge."
    return None


def har_vaert(dato: date, idag: date, hva: str, oppgi: str) -> str | None:
    """A date of something that has happened (a conversation held, a consent given) is not after
    today; `hva` names the date and `oppgi` says which day to give instead."""
    if dato > idag:
        return f"{hva} ligger fram i tid. {oppgi}"
    return None


def holdt_dato(dato: date, diagnose: date, idag: date, hva: str = "Samtaledatoen") -> str | None:
    """A conversation held (here or elsewhere) lies between the diagnosis date and today."""
    if dato > idag:
        return f"{hva} {_d(dato)} ligger fram i tid. Oppgi dagen samtalen ble holdt."
    if dato < diagnose:
        return (
            f"{hva} {_d(dato)} ligger før diagnosedatoen ({_d(diagnose)}). "
            "En samtale i forløpet holdes etter at pasienten fikk diagnosen."
        )
    return None


def planlagt_dato(
    dato: date,
    diagnose: date,
    idag: date,
    *,
    siste_holdt: date | None = None,
    ma_vaere_fremtidig: bool = False,
    hva: str = "Datoen",
) -> str | None:
    """A booked, postponed or ask-again date: on or after the diagnosis date and the last
    conversation held in the episode; today or later when `ma_vaere_fremtidig`."""
    if dato < diagnose:
        return f"{hva} {_d(dato)} ligger før diagnosedatoen ({_d(diagnose)}). Velg en dato etter diagnosen."
    if siste_holdt is not None and dato < siste_holdt:
        return (
            f"{hva} {_d(dato)} ligger før samtalen som ble holdt {_d(siste_holdt)}. "
            "Neste steg kommer etter det som er gjort."
        )
    if ma_vaere_fremtidig and dato < idag:
        return f"{hva} {_d(dato)} er passert. Velg en dato fra i dag av."
    return None


def frist(dato: date, samtaledato: date) -> str | None:
    """An action's deadline lies on or after the day of the conversation that agreed it."""
    if dato < samtaledato:
        return (
            f"Fristen {_d(dato)} ligger før samtalen ({_d(samtaledato)}). "
            "Et tiltak som avtales i samtalen, får en frist etter den."
        )
    return None


def neste_avtale(dato: date, samtaledato: date) -> str | None:
    """The next contact point's date agreed in a conversation lies after that conversation."""
    if dato <= samtaledato:
        return (
            f"Neste avtale {_d(dato)} må ligge etter samtalen ({_d(samtaledato)}). "
            "Ellers ville neste samhandlingspunkt være forfalt med en gang."
        )
    return None


def slutt(dato: date, diagnose: date, siste_holdt: date | None, idag: date) -> str | None:
    """An episode's end (death, moving, the patient's wish) has been, and lies on or after the
    diagnosis date and every conversation held in the episode."""
    if dato > idag:
        return f"Datoen {_d(dato)} ligger fram i tid. Et forløp avsluttes på en dag som har vært."
    if dato < diagnose:
        return f"Datoen {_d(dato)} ligger før diagnosedatoen ({_d(diagnose)}). Sjekk --sluttdato."
    if siste_holdt is not None and dato < siste_holdt:
        return (
            f"Datoen {_d(dato)} ligger før siste gjennomførte samtale i forløpet "
            f"({_d(siste_holdt)}). Sjekk --sluttdato."
        )
    return None


def residiv(dato: date, forrige_diagnose: date, siste_holdt: date | None, idag: date) -> str | None:
    """A relapse: its diagnosis date has been, lies after the previous episode's, and on or
    after every conversation held in the previous episodes."""
    if dato > idag:
        return (
            f"Diagnosedatoen {_d(dato)} ligger fram i tid. Oppgi dagen pasienten fikk vite om tilbakefallet."
        )
    if dato <= forrige_diagnose:
        return (
            f"Diagnosedatoen for residivet ({_d(dato)}) må ligge etter diagnosedatoen for forrige "
            f"forløp ({_d(forrige_diagnose)}). Sjekk --diagnosedato."
        )
    if siste_holdt is not None and dato < siste_holdt:
        return (
            f"Diagnosedatoen for residivet ({_d(dato)}) ligger før en samtale som ble holdt "
            f"{_d(siste_holdt)} i forrige forløp. Sjekk --diagnosedato."
        )
    return None


def ny_diagnosedato(
    dato: date,
    fodselsdato: date,
    idag: date,
    *,
    tidligste_holdt: date | None,
    tidligste_planlagt: date | None = None,
    forrige_diagnose: date | None,
    forrige_siste_holdt: date | None,
    neste_diagnose: date | None,
) -> str | None:
    """A corrected diagnosis date (`endre --diagnosedato`): as a new one, and on or before every
    date already held or planned in the episode (conversations started count as held), and
    between the episodes before and after it."""
    feil = diagnosedato(dato, fodselsdato, idag)
    if feil:
        return feil
    if tidligste_holdt is not None and dato > tidligste_holdt:
        return (
            f"Diagnosedatoen {_d(dato)} ligger etter en samtale som ble holdt {_d(tidligste_holdt)} "
            "i forløpet. Samtalene holdes etter diagnosen; sjekk datoen."
        )
    if tidligste_planlagt is not None and dato > tidligste_planlagt:
        return (
            f"Diagnosedatoen {_d(dato)} ligger etter en avtalt, utsatt eller spør-igjen-dato "
            f"({_d(tidligste_planlagt)}) i forløpet. Endre den først, eller sjekk datoen."
        )
    if forrige_diagnose is not None:
        feil = residiv(dato, forrige_diagnose, forrige_siste_holdt, idag)
        if feil:
            return feil
    if neste_diagnose is not None and dato >= neste_diagnose:
        return (
            f"Diagnosedatoen {_d(dato)} ligger ikke før diagnosedatoen for neste forløp "
            f"({_d(neste_diagnose)}). Sjekk datoen."
        )
    return None


def tidlig_holdt(sp: int, dato: date, diagnose: date, sp2_vindu_fra: date) -> str | None:
    """An SP held long before its window, which needs --bekreft: SP3 before SP2's window opens
    or within SP3_TIDLIGST_MANEDER months of the diagnosis. Says what will follow."""
    if sp != 3:
        return None
    grense = diagnose + relativedelta(months=SP3_TIDLIGST_MANEDER)
    if dato >= sp2_vindu_fra and dato >= grense:
        return None
    return (
        f"SP3 holdes vanligvis 12–18 måneder etter diagnosen, og {_d(dato)} er "
        f"{'før vinduet for SP2 åpner' if dato < sp2_vindu_fra else 'mindre enn 6 måneder etter diagnosen'}. "
        "Når SP3 er holdt, er forløpet fullført: det avsluttes, og SP1 og SP2 som fortsatt er åpne, "
        "settes som bortfalt. Er det riktig, kjør kommandoen igjen med --bekreft; "
        "er det SP2 som ble holdt, bruk --sp 2."
    )


# --- a whole episode, for the property test and `sjekk` -------------------------------------------


@dataclass(frozen=True)
class Punktdatoer:
    """What the rules need of a stored contact point."""

    sp: int
    status: str
    dato: date | None


@dataclass(frozen=True)
class Forlopdatoer:
    """What the rules need of a stored episode."""

    diagnosedato: date
    punkter: tuple[Punktdatoer, ...]
    samtaler: tuple[tuple[date, str], ...]  # (date, pagar|fullfort)
    frister: tuple[tuple[date, date], ...]  # (deadline, the conversation's date)
    avsluttet_dato: date | None = None
    avsluttet_grunn: str | None = None


HOLDT = ("gjennomfort", "holdt_annet_sted")
PLANLAGTE = ("avtalt", "utsatt", "avslatt")


def brudd(fodselsdato: date, forlop: Iterable[Forlopdatoer], idag: date) -> list[str]:
    """Every date order in a patient's stored episodes that the rules forbid (empty: none).

    Episodes in order of their number. Dates that only must lie "today or later" when they
    were given (postponed, ask again) are not checked: tomorrow they are in the past.
    """
    funn: list[str] = []
    forrige: Forlopdatoer | None = None
    for f in forlop:
        if diagnosedato(f.diagnosedato, fodselsdato, idag):
            funn.append(f"diagnosedato {f.diagnosedato}")
        holdt = [p.dato for p in f.punkter if p.status in HOLDT and p.dato is not None]
        holdt += [d for d, status in f.samtaler if status == "fullfort"]
        for d in holdt:
            if holdt_dato(d, f.diagnosedato, idag):
                funn.append(f"holdt {d} før diagnosen {f.diagnosedato} eller fram i tid")
        for d, _ in f.samtaler:
            if d < f.diagnosedato or d > idag:
                funn.append(f"samtale {d} utenfor {f.diagnosedato}–{idag}")
        for p in f.punkter:
            if p.status in PLANLAGTE and p.dato is not None and p.dato < f.diagnosedato:
                funn.append(f"SP{p.sp} {p.status} {p.dato} før diagnosen {f.diagnosedato}")
        for fristdato, samtaledato in f.frister:
            if frist(fristdato, samtaledato):
                funn.append(f"frist {fristdato} før samtalen {samtaledato}")
        if f.avsluttet_dato is not None and slutt(
            f.avsluttet_dato, f.diagnosedato, max(holdt, default=None), idag
        ):
            funn.append(f"avsluttet {f.avsluttet_dato} før diagnosen eller en holdt samtale")
        if forrige is not None:
            forrige_holdt = [p.dato for p in forrige.punkter if p.status in HOLDT and p.dato is not None]
            if residiv(f.diagnosedato, forrige.diagnosedato, max(forrige_holdt, default=None), idag):
                funn.append(f"residiv {f.diagnosedato} før forrige forløp eller en holdt samtale")
        forrige = f
    return funn
