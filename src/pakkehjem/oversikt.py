"""The coordinator's overview (`oversikt`): one screen of counts per coordinator.

Counts come from three aggregate queries (GROUP BY), never one query per patient. Counts
show no patient's data, so they are not access-logged. The lists that name patients
(declined contact points and overdue actions, shown for one coordinator) are logged.

Definitions, all as of `idag`, for open contact points of active episodes (as `forfaller`):

- aktive pasienter: patients whose status is `aktiv`;
- forfaller denne uken / denne måneden: the due range reaches from today into the rest of the
  ISO week / calendar month (what `forfaller --uke` / `--maned` list, without the overdue);
- forfalt: the due range ended before today (`tilstand` forfalt);
- takket nei: status `avslatt`; "spør igjen nå" when the ask-again date is today or passed,
  and the next ask-again date still to come;
- tiltak over frist: open actions whose deadline is before today.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from . import fnr as fnr_regler
from . import forlop
from .register import Register

INGEN_KOORDINATOR = "(ingen koordinator)"


@dataclass
class Koordinatortall:
    """The counts of one coordinator (or of everyone, for the total row)."""

    koordinator: str | None
    aktive_pasienter: int = 0
    forfaller_uke: int = 0
    forfaller_maned: int = 0
    forfalt: int = 0
    avslatt: int = 0
    avslatt_spor_igjen_na: int = 0
    neste_spor_igjen: str | None = None
    tiltak_over_frist: int = 0

    def legg_til(self, annen: Koordinatortall) -> None:
        """Add another coordinator's counts to these (for the total)."""
        for navn in (
            "aktive_pasienter",
            "forfaller_uke",
            "forfaller_maned",
            "forfalt",
            "avslatt",
            "avslatt_spor_igjen_na",
            "tiltak_over_frist",
        ):
            setattr(self, navn, getattr(self, navn) + getattr(annen, navn))
        self.neste_spor_igjen = _tidligst(self.neste_spor_igjen, annen.neste_spor_igjen)


@dataclass
class Oversikt:
    """Everything `oversikt` shows."""

    dato: date
    uke: forlop.Periode
    maned: forlop.Periode
    koordinatorer: list[Koordinatortall]
    totalt: Koordinatortall
    filter_koordinator: str | None = None
    # Only with a coordinator filter: the patients behind two of the counts (logged).
    avslatt_liste: list[dict[str, Any]] | None = None
    tiltak_liste: list[dict[str, Any]] | None = None

    def til_json(self) -> dict[str, Any]:
        """The `--json` document."""
        ar, uke = forlop.uke_for(self.uke.fra)
        data: dict[str, Any] = {
            "dato": self.dato.isoformat(),
            "uke": {"ar": ar, "uke": uke, "fra": self.uke.fra.isoformat(), "til": self.uke.til.isoformat()},
            "maned": {"fra": self.maned.fra.isoformat(), "til": self.maned.til.isoformat()},
            "koordinator": self.filter_koordinator,
            "koordinatorer": [asdict(k) for k in self.koordinatorer],
            "totalt": asdict(self.totalt),
        }
        if self.avslatt_liste is not None:
            data["avslatt"] = self.avslatt_liste
        if self.tiltak_liste is not None:
            data["tiltak_over_frist"] = self.tiltak_liste
        return data


def _tidligst(a: str | None, b: str | None) -> str | None:
    if a is None:
        return b
    if b is None:
        return a
    return min(a, b)


def _nokkel(navn: str | None) -> str:
    return " ".join(navn.split()).casefold() if navn else ""


def lag(register: Register, idag: date, koordinator: str | None = None, *, alle: bool = False) -> Oversikt:
    """The overview as of `idag`, for everyone or for one coordinator (case-insensitive).

    The contact points counted are those the register's service is responsible for (the
    setting `tjeneste`), or all of them with `alle` or when the service is not set.
    """
    uke = forlop.uke_periode(None, idag)
    maned = forlop.maned_periode(idag)
    tjeneste = None if alle else register.innstillinger()["tjeneste"]
    per: dict[str, Koordinatortall] = {}

    def rad(navn: str | None) -> Koordinatortall:
        nokkel = _nokkel(navn)
        if nokkel not in per:
            per[nokkel] = Koordinatortall(koordinator=" ".join(navn.split()) if navn else None)
        return per[nokkel]

    lest = register.rapporter.oversikt(
        idag,
        uke_til=uke.til,
        maned_til=maned.til,
        koordinator=koordinator,
        ansvarlig=forlop.TJENESTE_ANSVARLIG.get(tjeneste) if tjeneste else None,
    )
    for navn, antall in lest["aktive"]:
        rad(navn).aktive_pasienter += antall
    for navn, forfalt, i_uke, i_maned, avslatt, naa, neste in lest["punkter"]:
        k = rad(navn)
        k.forfalt += forfalt
        k.forfaller_uke += i_uke
        k.forfaller_maned += i_maned
        k.avslatt += avslatt
        k.avslatt_spor_igjen_na += naa
        k.neste_spor_igjen = _tidligst(k.neste_spor_igjen, neste)
    for navn, antall in lest["tiltak"]:
        rad(navn).tiltak_over_frist += antall
    avslatt_liste = None
    if koordinator:
        avslatt_liste = _avslatt_liste(lest["avslatt"], idag)

    koordinatorer = sorted(per.values(), key=lambda k: (k.koordinator is None, _nokkel(k.koordinator)))
    totalt = Koordinatortall(koordinator=None)
    for k in koordinatorer:
        totalt.legg_til(k)
    oversikt = Oversikt(
        dato=idag,
        uke=uke,
        maned=maned,
        koordinatorer=koordinatorer,
        totalt=totalt,
        filter_koordinator=koordinator,
        avslatt_liste=avslatt_liste,
    )
    if koordinator:
        # The register's own list of open actions, with its access log.
        oversikt.tiltak_liste = [
            {k: v for k, v in t.items() if k != "forfalt"}
            for t in register.tiltak.uavsluttede(idag, koordinator=koordinator, kun_forfalte=True)
        ]
    return oversikt


def _avslatt_liste(rader: list[tuple[int, str, str, int, int, str]], idag: date) -> list[dict[str, Any]]:
    """Declined contact points of one coordinator's patients, by ask-again date."""
    return [
        {
            "pasient_id": pid,
            "navn": navn,
            "fnr": fnr_regler.masker(nummer),
            "forlop": nr,
            "sp": sp,
            "spor_igjen": dato,
            "spor_igjen_na": dato is not None and dato <= idag.isoformat(),
        }
        for pid, navn, nummer, nr, sp, dato in rader
    ]
