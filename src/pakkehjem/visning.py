"""Human output: rich on a terminal, plain text when piped, JSON for scripts.

Kept apart from the rules; nothing here decides anything about the pathway.
"""

from __future__ import annotations

import json
import sys
from datetime import date
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from .datoer import fra_iso, kort_dato, norsk_dato
from .forlop import Periode, uke_for

STATUS_TEKST = {
    "planlagt": "planlagt",
    "avtalt": "avtalt",
    "utsatt": "utsatt",
    "avslatt": "takket nei",
    "gjennomfort": "gjennomført",
    "bortfalt": "bortfalt",
}
TILSTAND_TEKST = {"ikke_apnet": "ikke åpnet", "i_vindu": "i vindu", "forfalt": "FORFALT"}
TILSTAND_STIL = {"ikke_apnet": "dim", "i_vindu": "green", "forfalt": "bold red"}
ANSVARLIG_KORT = {"spesialisthelsetjenesten": "sykehus", "kommunen": "kommune"}

_ut: Console | None = None
_feil: Console | None = None


def konsoll() -> Console:
    """The stdout console (rich honours NO_COLOR and plain output when piped)."""
    global _ut
    if _ut is None:
        _ut = Console(highlight=False)
    return _ut


def feilkonsoll() -> Console:
    """The stderr console for messages."""
    global _feil
    if _feil is None:
        _feil = Console(stderr=True, highlight=False)
    return _feil


def er_terminal() -> bool:
    """True when stdout is a terminal (rich tables), False when piped (plain text)."""
    return konsoll().is_terminal


def skriv_json(data: Any) -> None:
    """One JSON document on stdout, æøå kept as they are."""
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


def melding(tekst: str) -> None:
    """A message for the person at the terminal, on stderr so stdout stays clean."""
    feilkonsoll().print(Text(tekst), soft_wrap=True)


def periode_tekst(periode: Periode) -> str:
    """`23.–29. november 2026`-like text, via full Norwegian dates."""
    return f"{norsk_dato(periode.fra)} – {norsk_dato(periode.til)}"


def uke_tittel(periode: Periode) -> str:
    """`uke 48` when the period is one ISO week, otherwise the dates."""
    ar, uke = uke_for(periode.fra)
    if periode.fra.weekday() == 0 and (periode.til - periode.fra).days == 6:
        return f"uke {uke} {ar} ({periode_tekst(periode)})"
    fra_uke, til_uke = uke_for(periode.fra)[1], uke_for(periode.til)[1]
    return f"{periode_tekst(periode)} (uke {fra_uke}–{til_uke})"


def _vindu(rad: dict[str, Any]) -> str:
    return f"{kort_dato(fra_iso(rad['vindu_fra']))}–{kort_dato(fra_iso(rad['vindu_til']))}"


def _avtale(rad: dict[str, Any]) -> str:
    if not rad.get("dato"):
        return ""
    tekst = kort_dato(fra_iso(rad["dato"]))
    if rad.get("klokkeslett"):
        tekst += f" kl. {rad['klokkeslett']}"
    if rad.get("sted"):
        tekst += f", {rad['sted']}"
    return tekst


def arbeidsliste(rader: list[dict[str, Any]], tittel: str) -> None:
    """The work list: a rich table on a terminal, tab-separated lines when piped."""
    kolonner = (
        "Nr",
        "Navn",
        "Fødselsnr.",
        "Kommune",
        "Forløp",
        "SP",
        "Ansvar",
        "Vindu",
        "Status",
        "Dato",
        "Tilstand",
    )
    if not er_terminal():
        print("\t".join(kolonner))
        for r in rader:
            print(
                "\t".join(
                    str(x)
                    for x in (
                        r["pasient_id"],
                        r["navn"],
                        r["fnr"],
                        r["kommune"] or "",
                        r["forlop"],
                        r["sp"],
                        ANSVARLIG_KORT[r["ansvarlig"]],
                        _vindu(r),
                        STATUS_TEKST[r["status"]],
                        _avtale(r),
                        TILSTAND_TEKST.get(r["tilstand"], ""),
                    )
                )
            )
        return
    antall_forfalt = sum(1 for r in rader if r["tilstand"] == "forfalt")
    tabell = Table(
        title=f"Forfaller {tittel}",
        caption=f"{len(rader)} samhandlingspunkt, {antall_forfalt} forfalt",
        header_style="bold",
    )
    # On screen the columns that follow from others go: SP1 is always the hospital's,
    # SP2 and SP3 the municipality's, and a second episode shows in the SP column.
    for navn, kwargs in (
        ("Nr", {"justify": "right", "no_wrap": True}),
        ("Navn", {}),
        ("Fødselsnr.", {"no_wrap": True}),
        ("Kommune", {}),
        ("SP", {"no_wrap": True}),
        ("Vindu", {"no_wrap": True}),
        ("Status", {}),
        ("Avtalt", {}),
        ("Tilstand", {"no_wrap": True}),
    ):
        tabell.add_column(navn, **kwargs)
    for r in rader:
        sp = str(r["sp"]) if r["forlop"] == 1 else f"{r['sp']} (forløp {r['forlop']})"
        vindu = f"{_kort_ar(r['vindu_fra'])}–{_kort_ar(r['vindu_til'])}"
        avtalt = _kort_ar(r["dato"]) if r.get("dato") else ""
        if r.get("klokkeslett"):
            avtalt += f" {r['klokkeslett']}"
        if r.get("sted"):
            avtalt += f" {r['sted']}"
        tabell.add_row(
            str(r["pasient_id"]), r["navn"], r["fnr"], r["kommune"] or "", sp, vindu,
            STATUS_TEKST[r["status"]], avtalt, TILSTAND_TEKST.get(r["tilstand"], ""),
            style="red" if r["tilstand"] == "forfalt" else None,
        )
    konsoll().print(tabell)


def _kort_ar(iso_dato: str) -> str:
    """`10.05.26`: short enough for a window to fit one column."""
    return fra_iso(iso_dato).strftime("%d.%m.%y")


def pasientliste(rader: list[dict[str, Any]]) -> None:
    """Patients with their next open contact point."""
    kolonner = (
        "Nr",
        "Navn",
        "Fødselsnr.",
        "Kommune",
        "Koordinator",
        "Diagnosedato",
        "Neste",
        "Tilstand",
    )

    def celler(r: dict[str, Any]) -> list[str]:
        neste = r["neste"]
        return [
            str(r["pasient_id"]),
            r["navn"],
            r["fnr"],
            r["kommune"] or "",
            r["koordinator"] or "",
            kort_dato(fra_iso(r["diagnosedato"])),
            f"SP{neste['sp']} {STATUS_TEKST[neste['status']]}" if neste else "",
            TILSTAND_TEKST.get(neste["tilstand"], "") if neste else "",
        ]

    if not er_terminal():
        print("\t".join(kolonner))
        for r in rader:
            print("\t".join(celler(r)))
        return
    tabell = Table(title="Pasienter", caption=f"{len(rader)} pasienter", header_style="bold")
    for navn in kolonner:
        tabell.add_column(navn, justify="right" if navn == "Nr" else "left")
    for r in rader:
        forfalt = r["neste"] and r["neste"]["tilstand"] == "forfalt"
        tabell.add_row(*celler(r), style="red" if forfalt else None)
    konsoll().print(tabell)


def pasient(data: dict[str, Any], idag: date) -> None:
    """One patient: identity, episodes with contact points, and the timeline."""
    k = konsoll()
    k.print(Text(f"Pasient nr. {data['id']}: {data['navn']}", style="bold"))
    k.print(Text(f"Fødselsnummer {data['fnr']}, født {norsk_dato(fra_iso(data['fodselsdato']))}"))
    for etikett, nokkel in (
        ("Kommune", "kommune"),
        ("Fastlege", "fastlege"),
        ("Koordinator", "koordinator"),
        ("Telefon", "telefon"),
    ):
        k.print(Text(f"{etikett}: {data[nokkel] or '–'}"))
    k.print(Text(f"Status: {data['status']}"))
    for f in data["forlop"]:
        tittel = (
            f"Forløp {f['nr']}: diagnose {f['diagnose'] or 'ikke oppgitt'}, "
            f"diagnosedato {norsk_dato(fra_iso(f['diagnosedato']))} ({f['status']})"
        )
        if f["avsluttet_grunn"]:
            tittel += f", avsluttet {norsk_dato(fra_iso(f['avsluttet_dato']))}: {f['avsluttet_grunn']}"
        tabell = Table(title=tittel, title_justify="left", header_style="bold")
        for navn in ("SP", "Ansvarlig", "Vindu", "Status", "Dato", "Grunn", "Tilstand"):
            tabell.add_column(navn)
        for s in f["samhandlingspunkter"]:
            tabell.add_row(
                str(s["sp"]),
                s["ansvarlig"],
                _vindu(s),
                STATUS_TEKST[s["status"]],
                _avtale(s),
                s["grunn"] or "",
                Text(
                    TILSTAND_TEKST.get(s["tilstand"], ""),
                    style=TILSTAND_STIL.get(s["tilstand"], ""),
                ),
            )
        k.print(tabell)
    if data.get("samtaler"):
        k.print(Text("Samtaler", style="bold"))
        for samtale in data["samtaler"]:
            status = "fullført" if samtale["status"] == "fullfort" else "pågår"
            k.print(Text(
                f"  Nr. {samtale['id']}: forløp {samtale['forlop']}, SP{samtale['sp']}, "
                f"{norsk_dato(fra_iso(samtale['dato']))} ({status}), {len(samtale['svar'])} svar"
            ))
            for sporsmal, verdi in samtale.get("svar_tekst", []):
                k.print(Text(f"    {sporsmal}: {verdi}"))
    if data.get("tiltak"):
        tabell = Table(title="Tiltak", title_justify="left", header_style="bold")
        for navn in ("Nr", "Hva", "Ansvarlig", "Frist", "Status"):
            tabell.add_column(navn)
        for t in data["tiltak"]:
            forfalt = t["status"] == "apen" and t["frist"] and t["frist"] < idag.isoformat()
            tabell.add_row(
                str(t["id"]), t["hva"], t["ansvarlig"], kort_dato(fra_iso(t["frist"])),
                "utført" if t["status"] == "utfort" else ("FORFALT" if forfalt else "åpen"),
                style="red" if forfalt else None,
            )
        k.print(tabell)
    if data.get("samtykke"):
        k.print(Text("Samtykke", style="bold"))
        for s in data["samtykke"]:
            k.print(Text(
                f"  {s['mottaker']}: {'ja' if s['svar'] == 'ja' else 'nei'} "
                f"({norsk_dato(fra_iso(s['dato']))}, {s['kilde']})"
            ))
    if data.get("hendelser"):
        k.print(Text("Tidslinje", style="bold"))
        for h in data["hendelser"]:
            k.print(Text(f"  {h['tid'][:16].replace('T', ' ')}  {h['bruker']}: {h['tekst']}"))


def tiltaksliste(rader: list[dict[str, Any]], idag: date) -> None:
    """Open actions by deadline; overdue in red."""
    kolonner = ("Nr", "Pasient", "Navn", "Fødselsnr.", "Hva", "Ansvarlig", "Frist")

    def celler(r: dict[str, Any]) -> list[str]:
        return [str(r["id"]), str(r["pasient_id"]), r["navn"], r["fnr"], r["hva"], r["ansvarlig"],
                kort_dato(fra_iso(r["frist"]))]

    if not er_terminal():
        print("\t".join(kolonner))
        for r in rader:
            print("\t".join(c.replace("\t", " ").replace("\n", " ") for c in celler(r)))
        return
    if not rader:
        melding("Ingen åpne tiltak.")
        return
    tabell = Table(title="Åpne tiltak", caption=f"{len(rader)} tiltak", header_style="bold")
    for navn in kolonner:
        tabell.add_column(navn)
    for r in rader:
        tabell.add_row(*celler(r), style="red" if r["forfalt"] else None)
    konsoll().print(tabell)


def guide(guiden: Any) -> None:
    """The interview guide: themes and questions with ids and types."""
    k = konsoll()
    k.print(Text(f"{guiden.tittel} (id {guiden.id}, versjon {guiden.versjon})", style="bold"))
    for nr, tema in enumerate(guiden.tema, 1):
        k.print(Text(f"{nr}. {tema.tittel}", style="bold"))
        for s in tema.sporsmal:
            tillegg = f" [{', '.join(s.valg)}]" if s.valg else ""
            if s.type == "skala":
                tillegg = f" [{s.min}–{s.max}]"
            betingelse = " (ved betingelse)" if s.vis_hvis else ""
            k.print(Text(f"   {s.id} ({s.type}){betingelse}: {s.tekst}{tillegg}"))


def kort_svar(verdi: Any) -> str:
    """An answer in one short line, for summaries."""
    if isinstance(verdi, bool):
        return "ja" if verdi else "nei"
    if isinstance(verdi, list):
        if verdi and isinstance(verdi[0], dict):
            return "; ".join(
                f"{t['hva']} ({t['ansvarlig']}{', ' + t['frist'] if t.get('frist') else ''})"
                for t in verdi
            )
        return ", ".join(str(v) for v in verdi)
    tekst = str(verdi)
    return tekst if len(tekst) <= 60 else tekst[:57] + "..."
