"""The de-identified export (`eksport --uten-personopplysninger`): tables that deserve the name.

What goes, and why (docs/eksport.md says the same for users):

- No name, fødselsnummer, phone, and no names of health personnel (GP, coordinator).
- No free text: not the place of a meeting, not a reason, not what an action is (a patient's
  own words can name them). Who is responsible for an action stays only as one of the guide's
  kinds (pasienten, fastlegen, NAV ...), else "annen".
- Age band at the diagnosis of the latest episode instead of the birth date or year.
- Months instead of dates (`2026-11`), no time of day.
- A random key per export instead of the patient's number, the same in every table of that
  one export and never again; rows are in the order of the key, not of registration.
- The municipality and the diagnosis (as its ICD-10 category, `C50`) only where at least
  `GRENSE` exported patients share municipality, age band and diagnosis category: in smaller
  groups the diagnosis category goes first, then the municipality, then the age band, until
  every group has at least `GRENSE` patients (k-anonymity with k = 5 over those three).
"""

from __future__ import annotations

import secrets
from collections import Counter
from datetime import date
from typing import Any

from .guide import STANDARD_TILTAK_ANSVARLIGE
from .skjuling import GRENSE

ALDERSGRUPPER = ((0, 17), (18, 29), (30, 39), (40, 49), (50, 59), (60, 69), (70, 79), (80, 200))

KOLONNER: dict[str, tuple[str, ...]] = {
    "pasienter": (
        "nokkel", "aldersgruppe", "kommune", "status", "forlop", "diagnosemaned", "diagnosegruppe",
        "forlop_status",
    ),
    "samhandlingspunkter": (
        "nokkel", "forlop", "diagnosemaned", "sp", "ansvarlig", "vindu_fra_maned", "vindu_til_maned",
        "status", "maned", "tilstand",
    ),
    "tiltak": ("nokkel", "ansvarlig", "frist_maned", "status", "utfort_maned"),
}  # fmt: skip

_KJENTE_ANSVARLIGE = {a.casefold(): a for a in STANDARD_TILTAK_ANSVARLIGE}


def aldersgruppe(fodselsdato: str | None, dag: str | None) -> str | None:
    """`50-59` for someone 54 on `dag` (both ISO dates); `80+` from 80."""
    if not fodselsdato or not dag:
        return None
    fodt, da = date.fromisoformat(fodselsdato), date.fromisoformat(dag)
    alder = da.year - fodt.year - ((da.month, da.day) < (fodt.month, fodt.day))
    for fra, til in ALDERSGRUPPER:
        if fra <= alder <= til:
            return f"{fra}+" if til >= 200 else f"{fra}-{til}"
    return None


def _maned(iso: str | None) -> str | None:
    return iso[:7] if iso else None


def _ansvarlig(tekst: str | None) -> str | None:
    if not tekst:
        return None
    return _KJENTE_ANSVARLIGE.get(tekst.strip().casefold(), "annen")


def _k_anonym(rader: list[dict[str, Any]]) -> None:
    """Generalise (kommune, aldersgruppe, diagnosegruppe) in place until every combination
    is shared by at least GRENSE rows: diagnosis category first, then municipality, then age."""
    for felt in ("diagnosegruppe", "kommune", "aldersgruppe"):
        grupper = Counter((r["kommune"], r["aldersgruppe"], r["diagnosegruppe"]) for r in rader)
        for r in rader:
            if grupper[(r["kommune"], r["aldersgruppe"], r["diagnosegruppe"])] < GRENSE:
                r[felt] = None


def avidentifiser(data: dict[str, list[dict[str, Any]]]) -> dict[str, list[dict[str, Any]]]:
    """The tables `eksport.les` read, de-identified as this module's docstring says."""
    nokler: dict[int, str] = {}

    def nokkel(pasient_id: int) -> str:
        if pasient_id not in nokler:
            while (ny := secrets.token_hex(6)) in nokler.values():
                continue
            nokler[pasient_id] = ny
        return nokler[pasient_id]

    ut: dict[str, list[dict[str, Any]]] = {}
    if "pasienter" in data:
        rader = [
            {
                "nokkel": nokkel(r["nr"]),
                "aldersgruppe": aldersgruppe(r["fodselsdato"], r["diagnosedato"]),
                "kommune": " ".join(r["kommune"].split()) if r["kommune"] else None,
                "status": r["status"],
                "forlop": r["forlop"],
                "diagnosemaned": _maned(r["diagnosedato"]),
                "diagnosegruppe": r["diagnose"][:3] if r["diagnose"] else None,
                "forlop_status": r["forlop_status"],
            }
            for r in data["pasienter"]
        ]
        _k_anonym(rader)
        ut["pasienter"] = rader
    if "samhandlingspunkter" in data:
        ut["samhandlingspunkter"] = [
            {
                "nokkel": nokkel(r["pasient"]),
                "forlop": r["forlop"],
                "diagnosemaned": _maned(r["diagnosedato"]),
                "sp": r["sp"],
                "ansvarlig": r["ansvarlig"],
                "vindu_fra_maned": _maned(r["vindu_fra"]),
                "vindu_til_maned": _maned(r["vindu_til"]),
                "status": r["status"],
                "maned": _maned(r["dato"]),
                "tilstand": r["tilstand"],
            }
            for r in data["samhandlingspunkter"]
        ]
    if "tiltak" in data:
        ut["tiltak"] = [
            {
                "nokkel": nokkel(r["pasient"]),
                "ansvarlig": _ansvarlig(r["ansvarlig"]),
                "frist_maned": _maned(r["frist"]),
                "status": r["status"],
                "utfort_maned": _maned(r["utfort_dato"]),
            }
            for r in data["tiltak"]
        ]
    # In the order of the random key: the order of registration is not carried out either.
    return {tabell: sorted(rader, key=_rekkefolge) for tabell, rader in ut.items()}


def _rekkefolge(rad: dict[str, Any]) -> tuple[str, ...]:
    felt = ("nokkel", "forlop", "sp", "frist_maned")
    return tuple("" if rad.get(k) is None else str(rad.get(k)) for k in felt)
