"""Dates in and out: the input forms of cli.md (plus D.M.YY) and Norwegian dates for people."""

from __future__ import annotations

import os
import re
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import overload

MANEDER = (
    "januar", "februar", "mars", "april", "mai", "juni",
    "juli", "august", "september", "oktober", "november", "desember",
)  # fmt: skip
UKEDAGER = ("mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag", "søndag")

ELDSTE_AR = 1850
SISTE_AR = 2200

# ASCII digits only: "\d" would also take Arabic-Indic and full-width digits as a date.
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$", re.ASCII)
# 15.01.2026, 15.1.2026 and 15.1.26: how dates are written by hand in Norway.
_NORSK = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4}|\d{2})$", re.ASCII)
# A two-digit year is this century: the dates typed here are diagnoses, bookings and letters.
_ARHUNDRE_KORT_AR = 2000


def parse_dato(tekst: str, *, ekko: bool = True) -> date:
    """Read `YYYY-MM-DD`, `DD.MM.YYYY` or `D.M.YY` (20YY); ValueError with a Norwegian message otherwise.

    Without `ekko` the message does not repeat the text (a cell of a patient file).
    """
    verdi = tekst.strip()
    vist = f"«{verdi}»" if ekko else "Verdien"
    treff = _ISO.match(verdi)
    if treff:
        ar, maned, dag = (int(x) for x in treff.groups())
    else:
        treff = _NORSK.match(verdi)
        if not treff:
            raise ValueError(
                f"{vist} er ikke en dato. Skriv DD.MM.ÅÅÅÅ (23.11.2026), D.M.ÅÅ (23.11.26) "
                "eller ÅÅÅÅ-MM-DD (2026-11-23)."
            )
        dag, maned, ar = (int(x) for x in treff.groups())
        if len(treff.group(3)) == 2:
            ar += _ARHUNDRE_KORT_AR
    try:
        dato = date(ar, maned, dag)
    except ValueError:
        raise ValueError(f"Datoen {vist + ' ' if ekko else ''}finnes ikke i kalenderen.") from None
    # Far-off years are typing errors here, and would overflow the window arithmetic.
    if not ELDSTE_AR <= dato.year <= SISTE_AR:
        raise ValueError(f"Datoen {vist + ' ' if ekko else ''}må ligge mellom år {ELDSTE_AR} og {SISTE_AR}.")
    return dato


def norsk_dato(dato: date | None, med_ukedag: bool = False) -> str:
    """`3. mars 2027`, or `onsdag 3. mars 2027`; an empty string for no date."""
    if dato is None:
        return ""
    tekst = f"{dato.day}. {MANEDER[dato.month - 1]} {dato.year}"
    return f"{UKEDAGER[dato.weekday()]} {tekst}" if med_ukedag else tekst


def kort_dato(dato: date | None) -> str:
    """`03.03.2027`, the short form that fits a table column."""
    return "" if dato is None else dato.strftime("%d.%m.%Y")


def iso(dato: date | None) -> str | None:
    """`YYYY-MM-DD` for JSON, None stays None."""
    return None if dato is None else dato.isoformat()


@overload
def fra_iso(tekst: str) -> date: ...
@overload
def fra_iso(tekst: None) -> None: ...
@overload
def fra_iso(tekst: str | None) -> date | None: ...


def fra_iso(tekst: str | None) -> date | None:
    """The inverse of `iso`, for values read back from the register."""
    return None if tekst is None else date.fromisoformat(tekst)


# --- times: stored in UTC, shown in the local time zone ---------------------------------------

STANDARD_SONE = "Europe/Oslo"


def lokal_sone() -> tzinfo:
    """The zone times are shown in: TZ when it names a zone zoneinfo knows (the `tzdata`
    package where the system has no zone files), else Europe/Oslo."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    navn = os.environ.get("TZ", "").lstrip(":").strip()
    if navn:
        try:
            return ZoneInfo(navn)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            pass
    return ZoneInfo(STANDARD_SONE)


def idag() -> date:
    """Today's date on this machine: the one place the command line reads the calendar. Every
    rule and the store take the day as a parameter (`idag`)."""
    return date.today()


def tidspunkt_utc() -> str:
    """Now, as stored: ISO 8601 in UTC to the second."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def vis_tid(tekst: str | None) -> str:
    """A stored time (any offset; older rows carry the local one) as `2026-11-23 10:56` in
    the local zone; an empty string for none."""
    if not tekst:
        return ""
    try:
        tid = datetime.fromisoformat(tekst)
    except ValueError:
        return tekst[:16].replace("T", " ")
    if tid.tzinfo is not None:
        tid = tid.astimezone(lokal_sone())
    return tid.strftime("%Y-%m-%d %H:%M")


def dag_start_utc(dag: date) -> str:
    """The start of a local day as a stored (UTC) time, for filters on whole days."""
    return (
        datetime(dag.year, dag.month, dag.day, tzinfo=lokal_sone())
        .astimezone(UTC)
        .isoformat(timespec="seconds")
    )


def neste_dag_start_utc(dag: date) -> str:
    """The start of the day after `dag`, as `dag_start_utc`."""
    return dag_start_utc(dag + timedelta(days=1))


def fra_til(fra: str | None, til: str | None, idag: date) -> tuple[date, date] | None:
    """The range `--fra DATO --til DATO` as typed: None when neither is given.

    A blank date is today. UgyldigInndata (bad input, exit 2), with a message naming the option,
    when only one is given, a date cannot be read, or `--til` lies before `--fra`.
    """
    from .feil import UgyldigInndata

    if fra is None and til is None:
        return None
    if fra is None or til is None:
        raise UgyldigInndata("Oppgi både --fra og --til.")
    datoer = []
    for valg, tekst in (("--fra", fra), ("--til", til)):
        try:
            datoer.append(parse_dato(tekst) if tekst.strip() else idag)
        except ValueError as feil:
            raise UgyldigInndata(f"{valg}: {feil}") from None
    if datoer[1] < datoer[0]:
        raise UgyldigInndata("--til ligger før --fra.")
    return datoer[0], datoer[1]
