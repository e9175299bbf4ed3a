"""The conversation in a terminal: one question at a time, every answer stored as given.

At any prompt: `hopp over` (or `-`) skips, `tilbake` (or `<`) goes back one question,
`meny` (or `m`) shows the themes to jump to, `pause` stops (everything is kept), `?` help.
Ctrl-C, end of input or a closed terminal keep every answer given so far.
"""

from __future__ import annotations

import gc
import signal
from datetime import date
from typing import Any

from rich.console import Console
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from . import guide as guide_modul
from .datoer import fra_iso, norsk_dato, parse_dato
from .guide import Guide, Sporsmal
from .register import Register, las_eier
from .samtale import (
    APEN,
    DELVIS,
    FERDIG,
    Samtalemotor,
    aktiv_guide,
    guide_for_samtale,
    neste_avtale,
    tiltak_og_samtykke,
)
from .visning import kort_svar

HOPP = ("hopp over", "hopp", "-")
TILBAKE = ("tilbake", "<")
MENY = ("meny", "m")
PAUSE = ("pause", "stopp")
HJELP = ("?", "hjelp")

ANSVARLIGE = (
    "pasient", "pårørende", "fastlege", "kommunen", "sykehuset", "NAV", "Kreftforeningen",
    "LMS", "annen",
)  # fmt: skip

STATUS_MERKE = {FERDIG: "✓", DELVIS: "…", APEN: " "}


class Pause(Exception):
    """The coordinator stopped the conversation on purpose."""


class _Lukket(Exception):
    """The terminal went away (SIGHUP)."""


def _lukket(_signum: int, _frame: Any) -> None:
    raise _Lukket()


class Terminalsamtale:
    """Drives a Samtalemotor from a terminal."""

    def __init__(self, register: Register, konsoll: Console, idag: date):
        self.register = register
        self.k = konsoll
        self.idag = idag
        self.fullfort = False  # set once the conversation is finished in the register

    # --- input ------------------------------------------------------------------------------

    def _les(self, ledetekst: str) -> str:
        return self.k.input(Text(ledetekst, style="bold cyan")).strip()

    def _ja(self, sporsmal: str, standard: bool = False) -> bool:
        hint = "[J/n]" if standard else "[j/N]"
        while True:
            svar = self._les(f"{sporsmal} {hint} ").lower()
            if not svar:
                return standard
            if svar in ("j", "ja", "y"):
                return True
            if svar in ("n", "nei", "no"):
                return False
            self.k.print("Svar ja eller nei.")

    # --- the run ------------------------------------------------------------------------------

    def kjor(self, ref: str, sp: int | None, dato: date) -> int:
        """Hold (or resume) the conversation; returns the exit code."""
        gc.enable()  # an hour-long conversation is no short command (see cli.main)
        guide = aktiv_guide(self.register)
        eier = las_eier()
        # The guide is stored with the conversation: a refusal leaves no guide row behind.
        data = self.register.apne_samtale(ref, sp, dato, (guide.id, guide.versjon, guide.kilde), eier)
        samtale_id = data["id"]
        guide = guide_for_samtale(self.register, data["guide_ref"])
        gammel_handler = signal.signal(signal.SIGHUP, _lukket)
        try:
            if not data["ny"] and (data["svar"] or data["hoppet_over"]):
                antall = len(data["svar"])
                self.k.print(
                    f"Det finnes en påbegynt samtale for SP{data['sp']} fra "
                    f"{norsk_dato(fra_iso(data['dato']))} med {antall} svar."
                )
                if not self._ja("Fortsette der dere slapp? (nei begynner på nytt)", True) and self._ja(
                    "Slette de tidligere svarene og begynne på nytt?"
                ):
                    self.register.begynn_pa_nytt(samtale_id)
                    data["svar"], data["hoppet_over"] = {}, []
            motor = self._motor(guide, samtale_id, data)
            self._hode(data, guide, motor)
            return self._lop(motor, data, samtale_id)
        except (KeyboardInterrupt, EOFError, _Lukket, Pause) as avbrudd:
            self.k.print()
            if self.fullfort:
                # Stopped at the offer to book the next contact point: nothing left to resume.
                self.k.print(
                    Text(
                        f"Samtalen er fullført. Neste samhandlingspunkt er ikke avtalt; avtal det med "
                        f"pakkehjem avtal {data['pasient_id']} DATO",
                        style="yellow",
                    )
                )
                return 0
            self.k.print(
                Text(
                    f"Samtalen er lagret med alt som er svart så langt. Fortsett senere med: "
                    f"pakkehjem samtale {data['pasient_id']} --sp {data['sp']}",
                    style="yellow",
                )
            )
            # A pause is a normal end; Ctrl-C, end of input or a closed terminal is not.
            return 0 if isinstance(avbrudd, Pause) else 130
        finally:
            signal.signal(signal.SIGHUP, gammel_handler)
            # The lock goes with the process, whatever stopped it.
            self.register.slipp_samtale(samtale_id, eier)

    def _motor(self, guide: Guide, samtale_id: int, data: dict[str, Any]) -> Samtalemotor:
        def lagre(sporsmal: Sporsmal, verdi: Any, hoppet: bool) -> None:
            tiltak, samtykke = tiltak_og_samtykke(sporsmal, verdi)
            self.register.lagre_svar(
                samtale_id, sporsmal.id, verdi, hoppet_over=hoppet, tiltak=tiltak, samtykke=samtykke
            )

        def angre(sporsmal: Sporsmal) -> None:
            self.register.angre_svar(samtale_id, sporsmal.id, sporsmal.samtykke)

        return Samtalemotor(guide, data["svar"], data["hoppet_over"], lagre, angre)

    def _hode(self, data: dict[str, Any], guide: Guide, motor: Samtalemotor) -> None:
        vindu = f"{norsk_dato(fra_iso(data['vindu_fra']))} – {norsk_dato(fra_iso(data['vindu_til']))}"
        self.k.print(
            Panel(
                Text(
                    f"{data['navn']} (pasient nr. {data['pasient_id']})\n"
                    f"Forløp {data['forlop']}, samhandlingspunkt {data['sp']}, vindu {vindu}\n"
                    f"Samtaledato {norsk_dato(fra_iso(data['dato']))} · {guide.tittel} "
                    f"(versjon {guide.versjon})"
                ),
                title="Kartleggingssamtale",
                subtitle="hopp over · tilbake · meny · pause · ?",
            )
        )

    def _lop(self, motor: Samtalemotor, data: dict[str, Any], samtale_id: int) -> int:
        forrige_tema = None
        while True:
            sporsmal = motor.neste()
            if sporsmal is None:
                if self._avslutt(motor, data, samtale_id):
                    return 0
                continue
            tema = motor.guide.tema_for(sporsmal.id)
            if tema is not forrige_tema:
                nr, totalt = motor.tema_nr(sporsmal)
                self.k.rule(Text(f"Tema {nr} av {totalt}: {tema.tittel}", style="bold"))
                forrige_tema = tema
            self._still(motor, sporsmal)

    # --- one question -----------------------------------------------------------------------

    def _still(self, motor: Samtalemotor, sporsmal: Sporsmal) -> None:
        self.k.print(Text(sporsmal.tekst + (" *" if sporsmal.pakrevd else ""), style="bold"))
        if sporsmal.valg and sporsmal.type in ("valg", "flervalg"):
            for i, valg in enumerate(sporsmal.valg, 1):
                self.k.print(f"  {i}. {valg}")
        tidligere = motor.svar.get(sporsmal.id)
        if tidligere is not None:
            self.k.print(Text(f"  (nå: {kort_svar(tidligere)}; Enter beholder)", style="dim"))
        while True:
            if sporsmal.type == "tiltak":
                verdi = self._tiltak(motor, sporsmal)
                if verdi is _KOMMANDO:
                    return
                if verdi is None and tidligere is not None:
                    verdi = tidligere
            else:
                tekst = self._svar_tekst(sporsmal)
                kommando = self._kommando(motor, sporsmal, tekst)
                if kommando:
                    return
                if not tekst:
                    if tidligere is not None:
                        motor.svar_med(sporsmal, tidligere)
                        return
                    if sporsmal.pakrevd:
                        self.k.print("Dette spørsmålet må besvares (eller skriv «pause»).")
                        continue
                    motor.hopp_over(sporsmal)
                    return
                try:
                    verdi = guide_modul.les_tekst(sporsmal, tekst)
                except guide_modul.UgyldigSvar as feil:
                    self.k.print(Text(str(feil), style="red"))
                    continue
            if verdi is None:
                motor.hopp_over(sporsmal)
            else:
                motor.svar_med(sporsmal, verdi)
            self._etter_svar(motor, sporsmal)
            return

    def _etter_svar(self, motor: Samtalemotor, sporsmal: Sporsmal) -> None:
        verdi = motor.svar.get(sporsmal.id)
        if sporsmal.flagg_fra is not None and isinstance(verdi, int) and verdi >= sporsmal.flagg_fra:
            self.k.print(Text(f"⚑ {verdi} av {sporsmal.max}: følg opp belastningen.", style="bold red"))

    def _svar_tekst(self, sporsmal: Sporsmal) -> str:
        if sporsmal.type != "tekst":
            hint = {
                "valg": "nummer eller ord",
                "flervalg": "numre eller ord, skilt med komma",
                "skala": f"{sporsmal.min}–{sporsmal.max}",
                "janei": "ja/nei",
                "dato": "DD.MM.ÅÅÅÅ",
            }.get(sporsmal.type, "")
            return self._les(f"> ({hint}) " if hint else "> ")
        forste = self._les("> ")
        if forste.lower() in HOPP + TILBAKE + MENY + PAUSE + HJELP or not forste:
            return forste
        # Free text may run over several lines; an empty line ends it.
        linjer = [forste]
        self.k.print(Text("  (flere linjer: fortsett å skrive; tom linje avslutter)", style="dim"))
        while True:
            linje = self._les("  ")
            if not linje:
                return "\n".join(linjer)
            linjer.append(linje)

    def _kommando(self, motor: Samtalemotor, sporsmal: Sporsmal, tekst: str) -> bool:
        ord_ = tekst.lower()
        if ord_ in HOPP:
            if sporsmal.pakrevd:
                self.k.print("Dette spørsmålet er påkrevd for å fullføre, men kan tas senere.")
            motor.hopp_over(sporsmal)
            return True
        if ord_ in TILBAKE:
            if motor.tilbake() is None:
                self.k.print("Dette er første spørsmål.")
            return True
        if ord_ in MENY:
            self._meny(motor)
            return True
        if ord_ in PAUSE:
            raise Pause()
        if ord_ in HJELP:
            self.k.print(Text(sporsmal.hjelp or "Ingen hjelpetekst til dette spørsmålet.", style="italic"))
            self.k.print(
                Text(
                    "Skriv «hopp over», «tilbake», «meny» (velg tema) eller «pause» (lagre og stopp).",
                    style="dim",
                )
            )
            return False
        return False

    def _meny(self, motor: Samtalemotor) -> None:
        tabell = Table(title="Tema", show_header=False, box=None)
        for i, tema in enumerate(motor.guide.tema, 1):
            status = motor.tema_status(tema)
            tabell.add_row(f"{i}.", STATUS_MERKE[status], tema.tittel)
        self.k.print(tabell)
        valg = self._les("Gå til tema nummer (Enter for å fortsette her): ")
        if not valg:
            return
        if not (valg.isascii() and valg.isdigit()) or not 1 <= int(valg) <= len(motor.guide.tema):
            self.k.print(f"Skriv et tall fra 1 til {len(motor.guide.tema)}.")
            return
        if motor.ga_til_tema(motor.guide.tema[int(valg) - 1]) is None:
            self.k.print("Det temaet har ingen spørsmål som passer med svarene så langt.")

    def _tiltak(self, motor: Samtalemotor, sporsmal: Sporsmal) -> Any:
        """A small loop: what, who, by when. None when no action was added."""
        liste: list[dict[str, Any]] = []
        self.k.print(Text("  Tiltak: skriv hva som skal gjøres (tom linje når ferdig).", style="dim"))
        while True:
            hva = self._les(f"  Tiltak {len(liste) + 1}, hva: ")
            if not hva:
                break
            if not liste and hva.lower() in HOPP + TILBAKE + MENY + PAUSE + HJELP:
                if self._kommando(motor, sporsmal, hva):
                    return _KOMMANDO
                continue
            ansvarlig = self._velg_ansvarlig()
            while True:
                frist_tekst = self._les("  Frist (DD.MM.ÅÅÅÅ, tom for ingen): ")
                if not frist_tekst:
                    frist = None
                    break
                try:
                    frist = parse_dato(frist_tekst).isoformat()
                    break
                except ValueError as feil:
                    self.k.print(Text(str(feil), style="red"))
            liste.append({"hva": hva, "ansvarlig": ansvarlig, "frist": frist})
        if not liste:
            return None
        return guide_modul.valider_verdi(sporsmal, liste)

    def _velg_ansvarlig(self) -> str:
        self.k.print("  Ansvarlig: " + ", ".join(f"{i}. {a}" for i, a in enumerate(ANSVARLIGE, 1)))
        while True:
            svar = self._les("  Hvem har ansvaret (nummer eller navn): ")
            if svar.isdigit() and 1 <= int(svar) <= len(ANSVARLIGE):
                return ANSVARLIGE[int(svar) - 1]
            if svar:
                return svar
            self.k.print("Noen må ha ansvaret: skriv et nummer eller et navn.")

    # --- the end ----------------------------------------------------------------------------

    def _avslutt(self, motor: Samtalemotor, data: dict[str, Any], samtale_id: int) -> bool:
        self.k.rule(Text("Oppsummering", style="bold"))
        tabell = Table(show_header=True, header_style="bold")
        tabell.add_column("Tema")
        tabell.add_column("Svar")
        flaggede = set(guide_modul.flagg(motor.guide, motor.svar))
        for tema in motor.guide.tema:
            deler = [f"{s.tekst}: {kort_svar(motor.svar[s.id])}" for s in tema.sporsmal if s.id in motor.svar]
            flagg = any(s.id in flaggede for s in tema.sporsmal)
            tabell.add_row(
                Text(tema.tittel, style="bold red" if flagg else ""),
                Text("\n".join(deler) if deler else "–"),
            )
        self.k.print(tabell)
        mangler = motor.mangler_pakrevd()
        if mangler:
            self.k.print(Text("Påkrevde spørsmål uten svar: " + ", ".join(mangler), style="red"))
            self._meny(motor)
            return False
        if not self._ja("Avslutte samtalen og sette samhandlingspunktet som gjennomført?", True):
            self._meny(motor)
            return False
        avtale = neste_avtale(motor.guide, motor.svar)
        resultat = self.register.fullfor_samtale(samtale_id, neste_avtale=avtale)
        self.fullfort = True
        self.k.print(Text(f"Samtalen er fullført. SP{data['sp']} er gjennomført.", style="green"))
        neste = resultat["neste"]
        if neste is None:
            if resultat.get("forlop_fullfort"):
                self.k.print("Forløpet er fullført og avsluttet: SP3 er gjennomført.")
                return True
            self.k.print("Det er ingen flere samhandlingspunkter i dette forløpet.")
            return True
        vindu = f"{norsk_dato(fra_iso(neste['vindu_fra']))} – {norsk_dato(fra_iso(neste['vindu_til']))}"
        self.k.print(f"Neste: SP{neste['sp']} ({neste['ansvarlig']}), vindu {vindu}.")
        if neste["status"] == "avtalt":
            self.k.print(f"Avtalt {norsk_dato(fra_iso(neste['dato']))}.")
            return True
        while True:
            tekst = self._les("Avtale neste samtale nå? Skriv dato (Enter for ikke nå): ")
            if not tekst:
                return True
            try:
                dato = parse_dato(tekst)
            except ValueError as feil:
                self.k.print(Text(str(feil), style="red"))
                continue
            self.register.endre_punkt(
                str(data["pasient_id"]), neste["sp"], "avtalt", idag=self.idag, dato=dato
            )
            self.k.print(f"SP{neste['sp']} er avtalt {norsk_dato(dato)}.")
            return True


_KOMMANDO = object()
