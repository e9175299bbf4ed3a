"""The pathway rules as pure functions: windows, states, periods and ISO weeks.

Nothing here reads a clock, a file or a database: "today" is always a parameter,
so every rule can be tested for every date.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta

SP_NUMRE = (1, 2, 3)

ANSVARLIG = {1: "spesialisthelsetjenesten", 2: "kommunen", 3: "kommunen"}

# Stored statuses of a contact point (cli.md). The derived "tilstand" is never stored.
PLANLAGT = "planlagt"
AVTALT = "avtalt"
UTSATT = "utsatt"
AVSLATT = "avslatt"
GJENNOMFORT = "gjennomfort"
BORTFALT = "bortfalt"
# Held by the other service (SP1 at the hospital, seen from the municipality's register):
# closed, but neither "held by us" nor "not applicable" (statistikk counts it apart).
HOLDT_ANNET_STED = "holdt_annet_sted"
STATUSER = (PLANLAGT, AVTALT, UTSATT, AVSLATT, GJENNOMFORT, BORTFALT, HOLDT_ANNET_STED)
LUKKEDE_STATUSER = (GJENNOMFORT, BORTFALT, HOLDT_ANNET_STED)

# The service a register belongs to (the setting `tjeneste`), and the contact points each
# is responsible for (domain.md: the hospital holds SP1, the municipality SP2 and SP3).
KOMMUNE = "kommune"
SYKEHUS = "sykehus"
TJENESTER = (KOMMUNE, SYKEHUS)
TJENESTE_SP = {SYKEHUS: (1,), KOMMUNE: (2, 3)}
TJENESTE_ANSVARLIG = {SYKEHUS: "spesialisthelsetjenesten", KOMMUNE: "kommunen"}


def arbeidslistens_ansvarlig(ansvarlig: str | None, alle: bool, tjeneste: str | None) -> str | None:
    """Whose contact points the work list shows: the responsible service asked for (`--ansvarlig`),
    else everyone's with `--alle`, else those of the register's own service (the setting
    `tjeneste`); None is every point."""
    if ansvarlig is not None or alle:
        return ansvarlig
    return TJENESTE_ANSVARLIG.get(tjeneste) if tjeneste else None


# What a user may type for the responsible service (`--ansvarlig`): the short words the
# lists print and the long ones of cli.md, both ways.
_ANSVARLIG_SKREVET = {
    "kommune": "kommunen",
    "kommunen": "kommunen",
    "sykehus": "spesialisthelsetjenesten",
    "sykehuset": "spesialisthelsetjenesten",
    "spesialisthelsetjenesten": "spesialisthelsetjenesten",
}

IKKE_APNET = "ikke_apnet"
I_VINDU = "i_vindu"
FORFALT = "forfalt"

SP1_UKER_STANDARD = 4

# Months after the diagnosis date for SP2 and SP3 (domain.md): ca. 3-4 and 12-18 months.
SP2_MANEDER = (3, 4)
SP3_MANEDER = (12, 18)


@dataclass(frozen=True)
class Periode:
    """An inclusive date range."""

    fra: date
    til: date

    def overlapper(self, fra: date, til: date) -> bool:
        """True when [fra, til] shares at least one day with this period."""
        return fra <= self.til and til >= self.fra


def legg_til_maneder(dato: date, maneder: int) -> date:
    """Calendar month arithmetic, clamped to the end of the month (31.1 + 3 = 30.4)."""
    return dato + relativedelta(months=maneder)


def vinduer(diagnosedato: date, sp1_uker: int = SP1_UKER_STANDARD) -> dict[int, Periode]:
    """The windows of the three contact points of an episode anchored at `diagnosedato`."""
    return {
        1: Periode(diagnosedato, diagnosedato + timedelta(weeks=sp1_uker)),
        2: Periode(
            legg_til_maneder(diagnosedato, SP2_MANEDER[0]),
            legg_til_maneder(diagnosedato, SP2_MANEDER[1]),
        ),
        3: Periode(
            legg_til_maneder(diagnosedato, SP3_MANEDER[0]),
            legg_til_maneder(diagnosedato, SP3_MANEDER[1]),
        ),
    }


def les_ansvarlig(tekst: str) -> str:
    """`kommune`/`kommunen`/`sykehus`/`spesialisthelsetjenesten` as the stored value;
    ValueError with a Norwegian message otherwise."""
    verdi = _ANSVARLIG_SKREVET.get(tekst.strip().lower())
    if verdi is None:
        raise ValueError("skriv kommune eller sykehus.")
    return verdi


def les_tjeneste(tekst: str) -> str:
    """`kommune` or `sykehus` (also `kommunen`, `spesialisthelsetjenesten`); ValueError otherwise."""
    verdi = _ANSVARLIG_SKREVET.get(tekst.strip().lower())
    if verdi is None:
        raise ValueError("tjenesten er kommune eller sykehus.")
    return KOMMUNE if verdi == "kommunen" else SYKEHUS


def er_apen(status: str) -> bool:
    """An open contact point still needs something done (not gjennomført, bortfalt or held
    by another service)."""
    return status not in LUKKEDE_STATUSER


def forfallsperiode(status: str, vindu_fra: date, vindu_til: date, dato: date | None) -> Periode | None:
    """The due range: the window while planlagt, the single agreed/postponed/ask-again day otherwise.

    None for closed contact points.
    """
    if not er_apen(status):
        return None
    if status == PLANLAGT or dato is None:
        return Periode(vindu_fra, vindu_til)
    return Periode(dato, dato)


def tilstand(status: str, vindu_fra: date, vindu_til: date, dato: date | None, idag: date) -> str | None:
    """The derived state as of `idag`: ikke_apnet, i_vindu or forfalt; None when closed."""
    periode = forfallsperiode(status, vindu_fra, vindu_til, dato)
    if periode is None:
        return None
    if idag < periode.fra:
        return IKKE_APNET
    if idag > periode.til:
        return FORFALT
    return I_VINDU


def _dager(n: int) -> str:
    # forlop imports nothing of the project; norsk.antall is the one plural helper elsewhere.
    return ("{} dag" if n == 1 else "{} dager").format(n)


def _kort(dato: date) -> str:
    return dato.strftime("%d.%m")


def tilstand_tekst(status: str, vindu_fra: date, vindu_til: date, dato: date | None, idag: date) -> str:
    """The state of an open contact point in words for the work list, as of `idag`:
    `forfalt for 12 dager siden`, `vinduet lukkes i dag`, `avtalt om 4 dager`, `spør igjen 05.12`.
    An empty string for a closed one."""
    periode = forfallsperiode(status, vindu_fra, vindu_til, dato)
    if periode is None:
        return ""
    if idag > periode.til:
        siden = (idag - periode.til).days
        tekst = "forfalt i går" if siden == 1 else f"forfalt for {_dager(siden)} siden"
        if status != PLANLAGT and dato is not None:
            hva = {AVTALT: "avtalt", UTSATT: "utsatt til", AVSLATT: "spør igjen"}[status]
            tekst += f" ({hva} {_kort(dato)})"
        return tekst
    if status == PLANLAGT or dato is None:
        if idag < vindu_fra:
            til = (vindu_fra - idag).days
            return "åpner i morgen" if til == 1 else f"åpner om {_dager(til)}"
        if idag == vindu_til:
            return "vinduet lukkes i dag"
        til = (vindu_til - idag).days
        return "i vindu, lukkes i morgen" if til == 1 else f"i vindu, lukkes om {_dager(til)}"
    if status == AVTALT:
        til = (dato - idag).days
        return "avtalt i dag" if til == 0 else "avtalt i morgen" if til == 1 else f"avtalt om {_dager(til)}"
    if status == UTSATT:
        return "utsatt til i dag" if dato == idag else f"utsatt til {_kort(dato)}"
    return "spør igjen i dag" if dato == idag else f"spør igjen {_kort(dato)}"


# --- ISO weeks and periods -------------------------------------------------------------


def uker_i_iso_ar(ar: int) -> int:
    """52 or 53: 28 December always lies in the last ISO week of its year."""
    return date(ar, 12, 28).isocalendar().week


def iso_uke(ar: int, uke: int) -> Periode:
    """Monday to Sunday of ISO week `uke` of ISO year `ar`."""
    if not 1 <= uke <= uker_i_iso_ar(ar):
        raise ValueError(f"Uke {uke} finnes ikke i {ar} (siste uke i {ar} er uke {uker_i_iso_ar(ar)}).")
    mandag = date.fromisocalendar(ar, uke, 1)
    return Periode(mandag, mandag + timedelta(days=6))


def uke_for(dato: date) -> tuple[int, int]:
    """(ISO year, ISO week) of a date."""
    iso = dato.isocalendar()
    return iso.year, iso.week


_UKE_ARE = re.compile(r"^\s*(\d{4})-?[Ww](\d{1,2})\s*$", re.ASCII)
_UKE_NR = re.compile(r"^\s*(\d{1,2})\s*$", re.ASCII)


def uke_periode(spesifikasjon: str | None, idag: date) -> Periode:
    """The period of `--uke`: current week when empty; `48` the next week 48 that has not yet
    ended (this ISO year's, or next year's once it has passed); `2027-W02` that exact week."""
    if spesifikasjon is None or not spesifikasjon.strip():
        ar, uke = uke_for(idag)
        return iso_uke(ar, uke)
    treff = _UKE_ARE.match(spesifikasjon)
    if treff:
        ar = int(treff.group(1))
        # The same years as dates (datoer.ELDSTE_AR to SISTE_AR): year 0 and 9999 overflow.
        if not 1850 <= ar <= 2200:
            raise ValueError(f"År {ar} er ikke med. Skriv et år fra 1850 til 2200, for eksempel 2027-W02.")
        return iso_uke(ar, int(treff.group(2)))
    treff = _UKE_NR.match(spesifikasjon)
    if treff:
        uke = int(treff.group(1))
        ar = uke_for(idag)[0]
        if 1 <= uke <= uker_i_iso_ar(ar) and iso_uke(ar, uke).til >= idag:
            return iso_uke(ar, uke)
        # A week that has ended (week 6 asked in December) means next year's: plans look ahead.
        if uke > uker_i_iso_ar(ar + 1) and 1 <= uke <= uker_i_iso_ar(ar):
            raise ValueError(f"Uke {uke} i {ar} er over, og {ar + 1} har ingen uke {uke}.")
        return iso_uke(ar + 1, uke)
    raise ValueError(f"Ukjent uke «{spesifikasjon}». Skriv et ukenummer (48) eller år og uke (2027-W02).")


def maned_periode(idag: date) -> Periode:
    """First to last day of the month of `idag`."""
    forste = idag.replace(day=1)
    return Periode(forste, legg_til_maneder(forste, 1) - timedelta(days=1))


def arbeidsperiode(uke: str | None, maned: bool, fra: str | None, til: str | None, idag: date) -> Periode:
    """The work list's period (`forfaller`) from its options: `--fra/--til` as typed, `--maned`
    the month of `idag`, else `--uke` (empty or missing: the week of `idag`).

    UgyldigInndata (bad input, exit 2), naming the option, when more than one period is chosen,
    a date or a week cannot be read, or `--til` lies before `--fra`.
    """
    from .datoer import fra_til
    from .feil import UgyldigInndata

    if sum(1 for valgt in (uke is not None, maned, fra is not None or til is not None) if valgt) > 1:
        raise UgyldigInndata("Velg bare én periode: --uke, --maned eller --fra/--til.")
    if (fra_og_til := fra_til(fra, til, idag)) is not None:
        return Periode(*fra_og_til)
    if maned:
        return maned_periode(idag)
    try:
        return uke_periode(uke, idag)
    except ValueError as feil:
        raise UgyldigInndata(f"--uke: {feil}") from None


def forste_apen_sp(punkter: list[tuple[int, str]], tjeneste: str | None = None) -> int | None:
    """The first open contact point among (sp, status) pairs that `tjeneste` is responsible
    for (any, when the register's service is not set), or None when all those are closed."""
    egne = TJENESTE_SP.get(tjeneste or "", SP_NUMRE)
    for sp, status in sorted(punkter):
        if sp in egne and er_apen(status):
            return sp
    return None
