"""Booked conversations as an iCalendar file (RFC 5545), for one patient or many.

Privacy, decided here (calendars sync to phones and are shared with colleagues):

- The event title says what and which contact point, and the patient's LOCAL register number:
  "Kartleggingssamtale SP2 (pasient nr. 17)". The local number is a row number in this
  register; outside it, it identifies nobody, and the coordinator needs it to find the patient
  (`pakkehjem vis 17`). The fødselsnummer never appears, and the name only with `--med-navn`.
- Nothing in an event says "kreft": the title, the description and the calendar name are neutral.
- Every event is `CLASS:PRIVATE`, so shared calendars show only "busy".
- `LOCATION` is the place booked with `avtal --sted` as typed (book "Hjemmebesøk", not the
  street address, when the calendar leaves the office).
- UIDs are stable (`pakkehjem-sp-<contact point id>@pakkehjem`), so exporting again updates
  the same events instead of adding copies.
- A booking called off (postponed, declined, not applicable, held elsewhere, or the pathway
  ended) stays in the file as `STATUS:CANCELLED` under the same UID, so a calendar that synced
  it removes it; cancelled bookings older than AVLYST_DAGER days are left out.

`icalendar` is imported only here, when a calendar is made (start-up stays light).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from .feil import UgyldigInndata
from .register import Register

if TYPE_CHECKING:
    from .register.poster import Avtale

TIDSSONE = "Europe/Oslo"
VARIGHET_STANDARD = 60  # minutes, when a booking has a time
UID_DOMENE = "pakkehjem"
PRODID = "-//pakkehjem//Pakkeforløp hjem//NO"
AVLYST_DAGER = 60  # a cancelled booking this long past is no longer on anyone's phone


def uid(punkt_id: int) -> str:
    """The stable UID of a contact point's booking."""
    return f"pakkehjem-sp-{punkt_id}@{UID_DOMENE}"


def avtaler(
    register: Register,
    ref: str | None = None,
    *,
    koordinator: str | None = None,
    idag: date | None = None,
) -> list[Avtale]:
    """Booked (`avtalt`) contact points of active episodes, and with `idag` the bookings called
    off since `idag` - AVLYST_DAGER (`avlyst` true: the booked date, time and place), by date.

    For one patient (`ref`) and/or one coordinator; every patient included is access-logged,
    and so is the one patient asked for even when nothing is booked.
    """
    avlyst_fra = None if idag is None else idag - timedelta(days=AVLYST_DAGER)
    return register.rapporter.avtaler(ref, koordinator=koordinator, avlyst_fra=avlyst_fra)


def sjekk_varighet(varighet: int) -> None:
    """An event's length in minutes: 5 to 1440; UgyldigInndata otherwise."""
    if not 5 <= varighet <= 24 * 60:
        raise UgyldigInndata(f"--varighet {varighet}: oppgi minutter, fra 5 til 1440.")


def tittel(avtale: Avtale, med_navn: bool = False) -> str:
    """The event title: no name unless asked for, never the fødselsnummer."""
    if med_navn:
        return f"Kartleggingssamtale SP{avtale['sp']}: {avtale['navn']} (pasient nr. {avtale['pasient_id']})"
    return f"Kartleggingssamtale SP{avtale['sp']} (pasient nr. {avtale['pasient_id']})"


def lag_ics(
    avtaler_: list[Avtale],
    *,
    med_navn: bool = False,
    varighet: int = VARIGHET_STANDARD,
    stempel: datetime | None = None,
) -> bytes:
    """The calendar as bytes (CRLF lines, UTF-8). A booking without a time is an all-day event."""
    sjekk_varighet(varighet)
    from zoneinfo import ZoneInfo

    from icalendar import Calendar, Event

    from .skjermtekst import rens

    sone = ZoneInfo(TIDSSONE)
    stempel = stempel or datetime.now(UTC).replace(microsecond=0)
    kalender = Calendar()
    kalender.add("prodid", PRODID)
    kalender.add("version", "2.0")
    kalender.add("calscale", "GREGORIAN")
    kalender.add("x-wr-calname", "Avtalte samtaler")
    kalender.add("x-wr-timezone", TIDSSONE)
    if any(a["klokkeslett"] for a in avtaler_):
        kalender.add_component(_vtimezone())
    for a in avtaler_:
        dag = date.fromisoformat(a["dato"])
        hendelse = Event()
        hendelse.add("uid", uid(a["id"]))
        hendelse.add("dtstamp", stempel)
        # Older data may hold control characters; a calendar printed to a terminal must not act.
        hendelse.add("summary", rens(tittel(a, med_navn), linjeskift=False))
        if a["klokkeslett"]:
            timer, minutter = (int(x) for x in a["klokkeslett"].split(":"))
            start = datetime.combine(dag, time(timer, minutter), tzinfo=sone)
            hendelse.add("dtstart", start)
            hendelse.add("dtend", start + timedelta(minutes=varighet))
        else:
            hendelse.add("dtstart", dag)
            hendelse.add("dtend", dag + timedelta(days=1))
            hendelse.add("transp", "TRANSPARENT")
        if a["sted"]:
            hendelse.add("location", rens(a["sted"], linjeskift=False))
        hendelse.add(
            "description",
            f"Samhandlingspunkt {a['sp']} i forløp {a['forlop']}. "
            f"Se pasienten med «pakkehjem vis {a['pasient_id']}».",
        )
        hendelse.add("class", "PRIVATE")
        hendelse.add("status", "CANCELLED" if a.get("avlyst") else "CONFIRMED")
        kalender.add_component(hendelse)
    ical: bytes = kalender.to_ical()
    return ical


def _vtimezone() -> Any:
    """Europe/Oslo as the two yearly rules every calendar program knows (EU summer time
    since 1996), instead of a list of every change since 1970."""
    from icalendar import Timezone, TimezoneDaylight, TimezoneStandard

    sone = Timezone()
    sone.add("tzid", TIDSSONE)
    for del_, navn, fra, til, start, maned in (
        (TimezoneDaylight(), "CEST", "+0100", "+0200", datetime(1970, 3, 29, 2), 3),
        (TimezoneStandard(), "CET", "+0200", "+0100", datetime(1970, 10, 25, 3), 10),
    ):
        del_.add("tzname", navn)
        del_.add("tzoffsetfrom", timedelta(hours=int(fra[:3])))
        del_.add("tzoffsetto", timedelta(hours=int(til[:3])))
        del_.add("dtstart", start)
        del_.add("rrule", {"freq": "yearly", "bymonth": maned, "byday": "-1su"})
        sone.add_component(del_)
    return sone
