"""Human output: rich on a terminal, plain text when piped, JSON for scripts.

Kept apart from the rules; nothing here decides anything about the pathway.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from datetime import date
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.segment import Segment
from rich.table import Table
from rich.text import Text

from . import skjermtekst
from .datoer import fra_iso, kort_dato, norsk_dato, vis_tid
from .forlop import Periode, uke_for
from .norsk import antall

if TYPE_CHECKING:
    from .register.poster import (
        Arbeidslisterad,
        Pasientpost,
        Pasientrad,
        Punktpost,
        Samtykkepost,
        Samtykkeutdrag,
        Tiltaksrad,
    )

STATUS_TEKST = {
    "planlagt": "planlagt",
    "avtalt": "avtalt",
    "utsatt": "utsatt",
    "avslatt": "takket nei",
    "gjennomfort": "gjennomført",
    "bortfalt": "bortfalt",
    "holdt_annet_sted": "holdt av annen tjeneste",
}
TILSTAND_TEKST = {"ikke_apnet": "ikke åpnet", "i_vindu": "i vindu", "forfalt": "FORFALT"}
TILSTAND_STIL = {"ikke_apnet": "dim", "i_vindu": "green", "forfalt": "bold red"}
ANSVARLIG_KORT = {"spesialisthelsetjenesten": "sykehus", "kommunen": "kommune"}

_ut: Console | None = None
_feil: Console | None = None


class RenKonsoll(Console):
    """A rich console that neutralises control characters in every text it prints.

    Rich's own codes (colours, the progress bar's cursor moves) are added after the text of a
    segment or travel as control segments, so they pass; what the text of a name, a guide or
    a message holds does not (skjermtekst.rens). Markup is off: a name like
    «[link=file:///…]» is text, not a hyperlink.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("markup", False)
        super().__init__(*args, **kwargs)

    def _render_buffer(self, buffer: Iterable[Segment]) -> str:
        rens = skjermtekst.rens
        return super()._render_buffer(
            segment if segment.control else Segment(rens(segment.text), segment.style) for segment in buffer
        )


def konsoll() -> Console:
    """The stdout console (rich honours NO_COLOR and plain output when piped)."""
    global _ut
    if _ut is None:
        _ut = RenKonsoll(highlight=False)
        if not _ut.is_terminal and "COLUMNS" not in os.environ:
            _ut.width = 200  # piped: no terminal to fit, so do not fold lines at 80
    return _ut


def feilkonsoll() -> Console:
    """The stderr console for messages."""
    global _feil
    if _feil is None:
        _feil = RenKonsoll(stderr=True, highlight=False)
    return _feil


def ny_tabell(*args: Any, **kwargs: Any) -> Table:
    """A rich table; without box lines when piped, so the text stays clean."""
    if not er_terminal():
        kwargs.setdefault("box", None)
    return Table(*args, **kwargs)


def er_terminal() -> bool:
    """True when stdout is a terminal (rich tables), False when piped (plain text)."""
    return konsoll().is_terminal


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


def _vindu(rad: Punktpost | Arbeidslisterad) -> str:
    return f"{kort_dato(fra_iso(rad['vindu_fra']))}–{kort_dato(fra_iso(rad['vindu_til']))}"


def _avtale(rad: Punktpost | Arbeidslisterad) -> str:
    if not rad.get("dato"):
        return ""
    tekst = kort_dato(fra_iso(rad["dato"]))
    if rad.get("klokkeslett"):
        tekst += f" kl. {rad['klokkeslett']}"
    if rad.get("sted"):
        tekst += f", {rad['sted']}"
    return tekst


def _tilstand_tekst(r: Arbeidslisterad, idag: date) -> str:
    from .forlop import tilstand_tekst

    return tilstand_tekst(
        r["status"], fra_iso(r["vindu_fra"]), fra_iso(r["vindu_til"]), fra_iso(r["dato"]), idag
    )


# The work list's optional columns on a terminal, most needed first: when the terminal is
# too narrow, the last ones go before any name is squeezed.
_VALGFRIE_KOLONNER = ("Fødselsnr.", "Vindu", "Avtale", "Kommune")
_NAVN_BREDDE = 24  # a name longer than this wraps onto a second line; it is never cut


def arbeidsliste(rader: list[Arbeidslisterad], tittel: str, idag: date) -> None:
    """The work list: a rich table on a terminal, tab-separated lines when piped. Each row
    says its state in words (forlop.tilstand_tekst)."""
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
        print(skjermtekst.linje(kolonner))
        for r in rader:
            print(
                skjermtekst.linje(
                    x
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
                        _tilstand_tekst(r, idag),
                    )
                )
            )
        return
    celler: dict[str, list[str]] = {
        navn: [] for navn in ("Nr", "Navn", "SP", "Tilstand", *_VALGFRIE_KOLONNER)
    }
    for r in rader:
        celler["Nr"].append(str(r["pasient_id"]))
        celler["Navn"].append(r["navn"])
        celler["SP"].append(str(r["sp"]) if r["forlop"] == 1 else f"{r['sp']} (forløp {r['forlop']})")
        celler["Tilstand"].append(_tilstand_tekst(r, idag))
        celler["Fødselsnr."].append(r["fnr"])
        celler["Vindu"].append(f"{_kort_ar(r['vindu_fra'])}–{_kort_ar(r['vindu_til'])}")
        avtale = r["klokkeslett"] or "" if r["status"] == "avtalt" else ""
        if r["status"] == "avtalt" and r.get("sted"):
            avtale = f"{avtale} {r['sted']}".strip()
        celler["Avtale"].append(avtale)
        celler["Kommune"].append(r["kommune"] or "")

    def bredde(navn: str) -> int:
        lengst = max((len(c) for c in celler[navn]), default=0)
        if navn == "Navn":
            lengst = min(lengst, _NAVN_BREDDE)
        return max(len(navn), lengst)

    # A rich table with lines: one border per column and one more, and a space each side.
    plass = konsoll().width - 1
    valgt = ["Nr", "Navn", "SP", "Tilstand"]
    brukt = sum(bredde(n) + 3 for n in valgt) + 1
    for navn in _VALGFRIE_KOLONNER:
        if not any(celler[navn]):
            continue
        if brukt + bredde(navn) + 3 <= plass:
            valgt.append(navn)
            brukt += bredde(navn) + 3
    rekkefolge = [
        n for n in ("Nr", "Navn", "Fødselsnr.", "Kommune", "SP", "Vindu", "Avtale", "Tilstand") if n in valgt
    ]

    antall_forfalt = sum(1 for r in rader if r["tilstand"] == "forfalt")
    tabell = ny_tabell(
        title=f"Forfaller {tittel}",
        caption=f"{antall(len(rader), 'samhandlingspunkt')}, {antall_forfalt} forfalt",
        header_style="bold",
    )
    # On screen the columns that follow from others go: SP1 is always the hospital's,
    # SP2 and SP3 the municipality's, and a second episode shows in the SP column.
    for navn in rekkefolge:
        if navn == "Navn":
            tabell.add_column(navn, min_width=min(bredde("Navn"), 12), overflow="fold")
        elif navn == "Nr":
            tabell.add_column(navn, justify="right", no_wrap=True)
        elif navn in ("Kommune", "Avtale"):
            tabell.add_column(navn, overflow="fold")
        else:
            tabell.add_column(navn, no_wrap=True)
    for i, r in enumerate(rader):
        tabell.add_row(
            *(celler[navn][i] for navn in rekkefolge),
            style="red" if r["tilstand"] == "forfalt" else None,
        )
    konsoll().print(tabell)


def _kort_ar(iso_dato: str) -> str:
    """`10.05.26`: short enough for a window to fit one column."""
    return fra_iso(iso_dato).strftime("%d.%m.%y")


def pasientliste(rader: Iterable[Pasientrad]) -> None:
    """Patients with their next open contact point (piped, written as they come)."""
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

    def celler(r: Pasientrad) -> list[str]:
        neste = r["neste"]
        return [
            str(r["pasient_id"]),
            r["navn"],
            r["fnr"],
            r["kommune"] or "",
            r["koordinator"] or "",
            kort_dato(fra_iso(r["diagnosedato"])),
            f"SP{neste['sp']} {STATUS_TEKST[neste['status']]}" if neste else "",
            TILSTAND_TEKST.get(neste["tilstand"] or "", "") if neste else "",
        ]

    if not er_terminal():
        tabulert(kolonner, (celler(r) for r in rader))
        return
    rader = list(rader)
    tabell = ny_tabell(title="Pasienter", caption=antall(len(rader), "pasient"), header_style="bold")
    for navn in kolonner:
        tabell.add_column(navn, justify="right" if navn == "Nr" else "left")
    for r in rader:
        forfalt = r["neste"] and r["neste"]["tilstand"] == "forfalt"
        tabell.add_row(*celler(r), style="red" if forfalt else None)
    konsoll().print(tabell)


def pasient(data: Pasientpost, idag: date) -> None:
    """One patient: identity, episodes with contact points, and the timeline."""
    k = konsoll()
    k.print(Text(f"Pasient nr. {data['id']}: {data['navn']}", style="bold"))
    k.print(Text(f"Fødselsnummer {data['fnr']}, født {norsk_dato(fra_iso(data['fodselsdato']))}"))
    for etikett, verdi in (
        ("Kommune", data["kommune"]),
        ("Fastlege", data["fastlege"]),
        ("Koordinator", data["koordinator"]),
        ("Telefon", data["telefon"]),
    ):
        k.print(Text(f"{etikett}: {verdi or '–'}"))
    k.print(Text(f"Status: {data['status']}"))
    for f in data["forlop"]:
        tittel = (
            f"Forløp {f['nr']}: diagnose {f['diagnose'] or 'ikke oppgitt'}, "
            f"diagnosedato {norsk_dato(fra_iso(f['diagnosedato']))} ({f['status']})"
        )
        if f["avsluttet_grunn"]:
            from .livslop import GRUNN_TEKST

            grunn = GRUNN_TEKST.get(f["avsluttet_grunn"], f["avsluttet_grunn"])
            tittel += f", avsluttet {norsk_dato(fra_iso(f['avsluttet_dato']))}: {grunn}"
        tabell = ny_tabell(title=tittel, title_justify="left", header_style="bold")
        for navn in ("SP", "Ansvarlig", "Vindu", "Status", "Dato", "Grunn", "Tilstand"):
            tabell.add_column(navn)
        for s in f["samhandlingspunkter"]:
            tabell.add_row(
                str(s["sp"]),
                s["ansvarlig"],
                _vindu(s),
                STATUS_TEKST[s["status"]],
                _avtale(s),
                s["grunn"] or (f"holdt av {s['holdt_av']}" if s.get("holdt_av") else ""),
                Text(
                    TILSTAND_TEKST.get(s["tilstand"] or "", ""),
                    style=TILSTAND_STIL.get(s["tilstand"] or "", ""),
                ),
            )
        k.print(tabell)
        for s in f["samhandlingspunkter"]:
            if sammendrag := s.get("sammendrag"):
                # The summary received from the service that held the point, as it came.
                fra = s.get("holdt_av") or "den andre tjenesten"
                k.print(Text(f"Oppsummering mottatt for SP{s['sp']} (fra {fra}):", style="bold"))
                k.print(Text(sammendrag), soft_wrap=True)
    if data.get("samtaler"):
        k.print(Text("Samtaler", style="bold"))
        for samtale in data["samtaler"]:
            status = {"fullfort": "fullført", "avbrutt": "avbrutt"}.get(samtale["status"], "pågår")
            if samtale.get("erstatter"):
                status += f", endring av nr. {samtale['erstatter']}"
            if samtale.get("erstattet_av"):
                status += f"; erstattet av nr. {samtale['erstattet_av']}, beholdt som historikk"
            k.print(
                Text(
                    f"  Nr. {samtale['id']}: forløp {samtale['forlop']}, SP{samtale['sp']}, "
                    f"{norsk_dato(fra_iso(samtale['dato']))} ({status}), {len(samtale['svar'])} svar",
                    style="dim" if samtale.get("erstattet_av") else "",
                )
            )
            for sporsmal, verdi in samtale.get("svar_tekst", []):
                k.print(Text(f"    {sporsmal}: {verdi}"))
    if data.get("tiltak"):
        tabell = ny_tabell(title="Tiltak", title_justify="left", header_style="bold")
        for navn in ("Nr", "Hva", "Ansvarlig", "Frist", "Status"):
            tabell.add_column(navn)
        for t in data["tiltak"]:
            forfalt = t["status"] == "apen" and t["frist"] and t["frist"] < idag.isoformat()
            tabell.add_row(
                str(t["id"]),
                t["hva"],
                t["ansvarlig"],
                kort_dato(fra_iso(t["frist"])),
                {"utfort": "utført", "lukket": f"lukket: {t.get('lukket_grunn') or ''}"}.get(
                    t["status"], "FORFALT" if forfalt else "åpen"
                ),
                style="red" if forfalt else None,
            )
        k.print(tabell)
    if data.get("samtykke"):
        k.print(Text("Samtykke", style="bold"))
        # The one in force per recipient first; the history below it, oldest first.
        for mottaker, g in data.get("samtykke_gjeldende", {}).items():
            k.print(
                Text(
                    f"  {mottaker}{_samtykke_navn(g)}: {'JA' if g['svar'] == 'ja' else 'NEI'} "
                    f"(gjeldende, {norsk_dato(fra_iso(g['dato']))}){_samtykke_omfang(mottaker, g)}"
                )
            )
        k.print(Text("  Historikk:", style="dim"))
        for h in data["samtykke"]:
            k.print(
                Text(
                    f"    {h['mottaker']}{_samtykke_navn(h)}: {'ja' if h['svar'] == 'ja' else 'nei'} "
                    f"({norsk_dato(fra_iso(h['dato']))}, {h['kilde']}){_samtykke_omfang(h['mottaker'], h)}",
                    style="dim",
                )
            )
    if data.get("brev"):
        tabell = ny_tabell(title="Brev", title_justify="left", header_style="bold")
        for navn in ("Nr", "Skrevet", "Til", "Samtale", "Format", "SHA-256"):
            tabell.add_column(navn)
        for b in data["brev"]:
            til = b["mottaker"] + (f" ({b['mottaker_navn']})" if b.get("mottaker_navn") else "")
            if b.get("art") == "innkalling":
                til += " – innkalling"
            tabell.add_row(
                str(b["id"]),
                vis_tid(b["skrevet"]),
                til,
                str(b["samtale"] or "–"),
                b["format"],
                b["sha256"][:12],
            )
        k.print(tabell)
    if data.get("hendelser"):
        k.print(Text("Tidslinje", style="bold"))
        for linje in data["hendelser"]:
            k.print(Text(f"  {vis_tid(linje['tid'])}  {linje['bruker']}: {linje['tekst']}"))


def tabulert_eller_tabell(tittel: str, kolonner: tuple[str, ...], rader: list[tuple[str, ...]]) -> None:
    """A plain list: a rich table on a terminal, tab-separated lines when piped."""
    if not er_terminal():
        tabulert(kolonner, rader)
        return
    tabell = ny_tabell(title=tittel, caption=f"{len(rader)} treff", header_style="bold")
    for navn in kolonner:
        tabell.add_column(navn, justify="right" if navn == "Nr" else "left", overflow="fold")
    for rad in rader:
        tabell.add_row(*rad)
    konsoll().print(tabell)


def tiltaksliste(rader: list[Tiltaksrad], idag: date) -> None:
    """Open actions by deadline; overdue in red."""
    kolonner = ("Nr", "Pasient", "Navn", "Fødselsnr.", "Hva", "Ansvarlig", "Frist")

    def celler(r: Tiltaksrad) -> list[str]:
        return [
            str(r["id"]),
            str(r["pasient_id"]),
            r["navn"],
            r["fnr"],
            r["hva"],
            r["ansvarlig"],
            kort_dato(fra_iso(r["frist"])),
        ]

    if not er_terminal():
        tabulert(kolonner, (celler(r) for r in rader))
        return
    if not rader:
        melding("Ingen åpne tiltak.")
        return
    tabell = ny_tabell(title="Åpne tiltak", caption=f"{len(rader)} tiltak", header_style="bold")
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
                f"{t['hva']} ({t['ansvarlig']}{', ' + t['frist'] if t.get('frist') else ''})" for t in verdi
            )
        return ", ".join(str(v) for v in verdi)
    tekst = str(verdi)
    return tekst if len(tekst) <= 60 else tekst[:57] + "..."


# --- overview and statistics (oversikt.py, statistikk.py hand over their JSON documents) ---

OVERSIKT_FELT = (
    ("aktive_pasienter", "Aktive pasienter"),
    ("forfaller_uke", "Forfaller uken"),
    ("forfaller_maned", "Forfaller måneden"),
    ("forfalt", "Forfalt"),
    ("avslatt", "Takket nei"),
    ("avslatt_spor_igjen_na", "Spør igjen nå"),
    ("neste_spor_igjen", "Neste spør igjen"),
    ("tiltak_over_frist", "Tiltak over frist"),
)


def tabulert(kolonner: Iterable[str], rader: Iterable[Iterable[Any]]) -> None:
    """A table for a pipe: a header line, then one tab-separated line per row (tabs and line
    breaks inside a cell become spaces, None an empty cell, control characters their
    pictures: skjermtekst.linje)."""
    print(skjermtekst.linje(kolonner))
    for rad in rader:
        print(skjermtekst.linje(rad))


def oversikt(data: dict[str, Any]) -> None:
    """The coordinator's overview: panels and tables on a terminal, tab-separated when piped."""
    idag = fra_iso(data["dato"])
    uke = data["uke"]
    from .datoer import MANEDER

    maned = MANEDER[fra_iso(data["maned"]["fra"]).month - 1]
    overskrifter = {
        "forfaller_uke": f"Forfaller uke {uke['uke']}",
        "forfaller_maned": f"Forfaller i {maned}",
    }
    kolonner = ["Koordinator"] + [overskrifter.get(n, t) for n, t in OVERSIKT_FELT]

    def celler(rad: dict[str, Any], navn: str) -> list[str]:
        ut = [navn]
        for felt, _ in OVERSIKT_FELT:
            verdi = rad[felt]
            ut.append(kort_dato(fra_iso(verdi)) if felt == "neste_spor_igjen" else str(verdi))
        return ut

    if not data["koordinatorer"]:
        hvem = f" med koordinatoren «{data['koordinator']}»" if data.get("koordinator") else " i registeret"
        melding(f"Ingen pasienter{hvem}.")
        return
    rader = [(celler(k, k["koordinator"] or "(ingen koordinator)"), k) for k in data["koordinatorer"]]
    totalt = celler(data["totalt"], "Totalt")
    if not er_terminal():
        tabulert(kolonner, (c for c, _ in rader))
        if not data.get("koordinator"):
            print(skjermtekst.linje(totalt))
        _plain_liste(
            "Takket nei, spør igjen",
            ("Nr", "Navn", "Fødselsnr.", "Forløp", "SP", "Spør igjen"),
            [
                (
                    r["pasient_id"],
                    r["navn"],
                    r["fnr"],
                    r["forlop"],
                    r["sp"],
                    kort_dato(fra_iso(r["spor_igjen"])),
                )
                for r in data.get("avslatt") or []
            ],
            "avslatt" in data,
        )
        _plain_liste(
            "Tiltak over frist",
            ("Nr", "Pasient", "Navn", "Fødselsnr.", "Hva", "Ansvarlig", "Frist"),
            [
                (
                    r["id"],
                    r["pasient_id"],
                    r["navn"],
                    r["fnr"],
                    r["hva"],
                    r["ansvarlig"],
                    kort_dato(fra_iso(r["frist"])),
                )
                for r in data.get("tiltak_over_frist") or []
            ],
            "tiltak_over_frist" in data,
        )
        return
    from rich.columns import Columns
    from rich.panel import Panel

    k = konsoll()
    hvem = ""
    if data.get("koordinator"):
        kjent = [r["koordinator"] for r in data["koordinatorer"] if r["koordinator"]]
        hvem = f" for {kjent[0] if len(kjent) == 1 else data['koordinator']}"
    k.print(Text(f"Oversikt{hvem}, {norsk_dato(idag, med_ukedag=True)} (uke {uke['uke']})", style="bold"))
    t = data["totalt"]
    nokkeltall = [
        ("Aktive pasienter", t["aktive_pasienter"], None),
        (f"Forfaller uke {uke['uke']}", t["forfaller_uke"], None),
        (f"Forfaller i {maned}", t["forfaller_maned"], None),
        ("Forfalt", t["forfalt"], "red"),
        ("Takket nei", t["avslatt"], None),
        ("Tiltak over frist", t["tiltak_over_frist"], "red"),
    ]
    k.print(
        Columns(
            [
                Panel(
                    Text(str(verdi), style=f"bold {stil}" if stil and verdi else "bold", justify="center"),
                    title=tittel,
                    width=max(len(tittel) + 6, 20),
                )
                for tittel, verdi, stil in nokkeltall
            ]
        )
    )
    from rich import box

    tabell = ny_tabell(
        title="Per koordinator",
        title_justify="left",
        header_style="bold",
        show_footer=len(rader) > 1,
        box=box.SIMPLE_HEAD,
    )
    # Short headers and dates, so the table fits 100 columns; red only where action is due.
    korte = [
        "Koordinator",
        "Aktive",
        f"Uke {uke['uke']}",
        "Måned",
        "Forfalt",
        "Takket nei",
        "Spør nå",
        "Neste spør",
        "Tiltak over frist",
    ]
    rode = {"forfalt", "avslatt_spor_igjen_na", "tiltak_over_frist"}

    def skjermceller(rad: dict[str, Any], navn: str) -> list[Text]:
        ut = [Text(navn)]
        for felt, _ in OVERSIKT_FELT:
            verdi = rad[felt]
            tekst = str(verdi or "")
            if felt == "neste_spor_igjen" and verdi:
                dag = fra_iso(verdi)
                tekst = dag.strftime("%d.%m") if dag.year == idag.year else _kort_ar(verdi)
            ut.append(
                Text(
                    tekst or "0" if felt != "neste_spor_igjen" else tekst,
                    style="red" if felt in rode and verdi else "",
                )
            )
        return ut

    skjermtotal = skjermceller(data["totalt"], "Totalt")
    skjermrader = [skjermceller(rad, rad["koordinator"] or "(ingen koordinator)") for _, rad in rader]
    # Every number in full; the names get what is left of the width (rich would squeeze the
    # numbers instead).
    bredder = [
        max(max(len(c[i].plain) for c in [skjermtotal, *skjermrader]), *(len(o) for o in navn.split()))
        for i, navn in enumerate(korte)
    ]
    navnebredde = max(8, min(bredder[0], k.width - sum(bredder[1:]) - 3 * len(korte) - 1))
    for i, navn in enumerate(korte):
        if i == 0:
            tabell.add_column(
                navn, no_wrap=True, max_width=navnebredde, overflow="ellipsis", footer=skjermtotal[i]
            )
        else:
            tabell.add_column(navn, justify="right", width=bredder[i], footer=skjermtotal[i])
    for celler_ in skjermrader:
        tabell.add_row(*celler_)
    if not data.get("koordinator"):
        k.print(tabell)
    if data.get("avslatt"):
        liste = ny_tabell(title="Takket nei, spør igjen", title_justify="left", header_style="bold")
        for navn in ("Nr", "Navn", "Fødselsnr.", "SP", "Spør igjen"):
            liste.add_column(navn)
        for r in data["avslatt"]:
            sp = str(r["sp"]) if r["forlop"] == 1 else f"{r['sp']} (forløp {r['forlop']})"
            liste.add_row(
                str(r["pasient_id"]),
                r["navn"],
                r["fnr"],
                sp,
                kort_dato(fra_iso(r["spor_igjen"])),
                style="red" if r["spor_igjen_na"] else None,
            )
        k.print(liste)
    if data.get("tiltak_over_frist"):
        liste = ny_tabell(title="Tiltak over frist", title_justify="left", header_style="bold")
        for navn in ("Nr", "Pasient", "Navn", "Fødselsnr.", "Hva", "Ansvarlig", "Frist"):
            liste.add_column(navn)
        for r in data["tiltak_over_frist"]:
            liste.add_row(
                str(r["id"]),
                str(r["pasient_id"]),
                r["navn"],
                r["fnr"],
                r["hva"],
                r["ansvarlig"],
                kort_dato(fra_iso(r["frist"])),
                style="red",
            )
        k.print(liste)


def _plain_liste(tittel: str, kolonner: tuple[str, ...], rader: list[tuple[Any, ...]], vis: bool) -> None:
    if not vis:
        return
    print()
    print(skjermtekst.rens(tittel, linjeskift=False))
    tabulert(kolonner, rader)


STATISTIKK_FELT = (
    ("i_perioden", "I perioden"),
    ("gjennomfort", "Gjennomført"),
    ("innen_vindu", "Innen vinduet"),
    ("avslatt", "Takket nei"),
    ("bortfalt", "Bortfalt"),
    ("holdt_annet_sted", "Holdt av annen tjeneste"),
    ("apne", "Åpne"),
    ("median_dager", "Median dager"),
)


def _tall(verdi: Any) -> str:
    if verdi is None:
        return "–"
    if isinstance(verdi, float):
        return f"{verdi:.1f}".replace(".", ",")
    return str(verdi)


def _prosent(verdi: Any) -> str:
    return _tall(verdi) + (" %" if isinstance(verdi, int | float) else "")


def statistikk(data: dict[str, Any], kolonner: list[str], rader: list[list[Any]]) -> None:
    """Quality figures: rich tables on a terminal, the wide tab-separated table when piped."""
    if not er_terminal():
        tabulert(kolonner, ([_tall(c) if c is not None else "" for c in rad] for rad in rader))
        return
    k = konsoll()
    periode = Periode(fra_iso(data["periode"]["fra"]), fra_iso(data["periode"]["til"]))
    k.print(Text(f"Statistikk {periode_tekst(periode)}", style="bold"))
    per = data.get("per")
    grupper = [("Totalt", data["totalt"])]
    if per:
        grupper = [(g[per] or "(ikke oppgitt)", g) for g in data["grupper"]] + grupper
    for sp in ("1", "2", "3"):
        tabell = ny_tabell(title=f"Samhandlingspunkt {sp}", title_justify="left", header_style="bold")
        if per:
            tabell.add_column(per.capitalize())
        for _, tittel in STATISTIKK_FELT:
            tabell.add_column(tittel, justify="right")
        for navn, g in grupper:
            punkt = g["samhandlingspunkter"][sp]
            celler = [_tall(punkt[felt]) for felt, _ in STATISTIKK_FELT]
            tabell.add_row(
                *([navn] if per else []),
                *celler,
                style="bold" if per and navn == "Totalt" else None,
                end_section=per is not None and navn != "Totalt" and g is grupper[-2][1],
            )
        k.print(tabell)
    tabell = ny_tabell(
        title="Pasienter som er kartlagt i perioden", title_justify="left", header_style="bold"
    )
    if per:
        tabell.add_column(per.capitalize())
    for tittel in ("Kartlagt", "Behov flagget", "Med tiltak"):
        tabell.add_column(tittel, justify="right")
    for navn, g in grupper:
        tabell.add_row(
            *([navn] if per else []),
            _tall(g["kartlagte_pasienter"]),
            _prosent(g["andel_behov_prosent"]),
            _prosent(g["andel_tiltak_prosent"]),
            style="bold" if per and navn == "Totalt" else None,
            end_section=per is not None and navn != "Totalt" and g is grupper[-2][1],
        )
    k.print(tabell)
    k.print(
        Text(
            "«:»: skjult for personvernet (tall fra 1 til 4, andeler og medianer av færre enn 5, og "
            "tall som ellers kunne brukes til å regne dem ut). Gjennomførte punkter telles på dagen "
            "de ble holdt, de andre på siste dag i vinduet.",
            style="dim",
        )
    )


def _samtykke_navn(s: Samtykkeutdrag | Samtykkepost) -> str:
    return f" ({s['navn']})" if s.get("navn") else ""


def _samtykke_omfang(mottaker: str, s: Samtykkeutdrag | Samtykkepost) -> str:
    """What a consent to nav or annen lets through: its themes, or the recipient's own."""
    from .samtykke import EGNE_TEMA, KREVER_UTTRYKKELIG

    if mottaker not in KREVER_UTTRYKKELIG or s.get("svar") != "ja":
        return ""
    omfang = s.get("omfang")
    if omfang is None:
        egne = ", ".join(EGNE_TEMA[mottaker]) or "ingen tema"
        return f" – gjelder bare mottakerens egne tema: {egne}"
    return " – gjelder: " + (", ".join(omfang) or "ingen tema")
