"""Human output of the access log and the integrity check (rich on a terminal, tabs when piped)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.table import Table
from rich.text import Text

from .datoer import vis_tid
from .visning import er_terminal, konsoll, melding, tabulert

if TYPE_CHECKING:
    from .vedlikehold import Loggrad, Sjekkresultat


def _tid(tekst: str) -> str:
    return vis_tid(tekst)  # stored in UTC, shown in the local zone


def tilgangslogg(rader: list[Loggrad], pasient: str | None) -> None:
    """The access log; `pasient` is the heading when one patient's log is shown."""
    en = pasient is not None
    kolonner = (
        ("Tid", "Bruker", "Handling") if en else ("Tid", "Bruker", "Nr", "Navn", "Fødselsnr.", "Handling")
    )

    def celler(r: Loggrad) -> list[str]:
        if en:
            return [_tid(r["tid"]), r["bruker"], r["beskrivelse"]]
        return [
            _tid(r["tid"]),
            r["bruker"],
            str(r["pasient_id"]),
            r["navn"] or "",
            r["fnr"] or "",
            r["beskrivelse"],
        ]

    if not er_terminal():
        tabulert(kolonner, (celler(r) for r in rader))
        return
    if not rader:
        melding("Ingen oppslag i tilgangsloggen for dette utvalget.")
        return
    tabell = Table(
        title=f"Tilgangslogg for {pasient}" if en else "Tilgangslogg",
        caption=f"{len(rader)} oppslag",
        header_style="bold",
        title_justify="left",
    )
    for navn in kolonner:
        tabell.add_column(navn, justify="right" if navn == "Nr" else "left", no_wrap=navn == "Tid")
    for r in rader:
        tabell.add_row(*celler(r))
    konsoll().print(tabell)


def _linje(tekst: str, stil: str = "") -> None:
    konsoll().print(Text(tekst, style=stil), soft_wrap=True)


def sjekkrapport(resultat: Sjekkresultat) -> None:
    """The integrity check's report: one line when fine, the problems when not."""
    versjon = f"skjemaversjon {resultat['skjemaversjon']} av {resultat['forventet_skjemaversjon']}"
    if resultat["ok"]:
        _linje(
            f"Registeret {resultat['fil']} er i orden{' og kryptert' if resultat.get('kryptert') else ''}: "
            "integritetssjekken er ok, ingen brutte "
            f"fremmednøkler, {versjon}."
        )
    else:
        _linje(f"Registeret {resultat['fil']} har problemer:", "bold red")
        for tekst in resultat["problemer"]:
            _linje(f"  - {tekst}")
        detaljer = [linje for linje in resultat["integritet"] if linje != "ok"]
        if detaljer:
            _linje("Fra integritetssjekken (SQLite):")
            for linje in detaljer:
                _linje(f"    {linje}")
        for brudd in resultat["fremmednokler"]:
            _linje(f"    {brudd['tabell']}, rad {brudd['rad']}: viser til {brudd['forelder']} som mangler")
    for tekst in resultat.get("merknader", []):
        _linje(f"Merk: {tekst}")
