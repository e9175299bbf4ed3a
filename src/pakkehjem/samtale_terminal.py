"""The conversation in a terminal: one question at a time, every answer stored as given.

The line editor is prompt_toolkit (imported here only, so no other command pays for it):
arrow keys, Home/End, Ctrl-A/E/U/W, Tab completes choices, a bottom toolbar says where
the conversation stands. Enter stores the answer; Alt-Enter (or Esc Enter) starts a new line
inside a note. At the start of any prompt: `hopp over` (or `-`), `tilbake` (or `<`),
`meny` (or `m`), `ferdig`, `pause`, `?`; these are never stored as text.

Nothing typed is lost: text still in the editor is kept as a draft of its question a moment
after typing, and at once on Ctrl-C, Ctrl-D, a closed terminal (SIGHUP) or SIGTERM. The next
`samtale` offers it back.
"""

from __future__ import annotations

import gc
import signal
from collections.abc import Callable, Mapping, Sequence
from contextlib import suppress
from datetime import date
from typing import TYPE_CHECKING, Any, Protocol, cast

from rich.console import Console
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from . import guide as guide_modul
from .datoer import fra_iso, norsk_dato, parse_dato
from .guide import Guide, Sporsmal, Svartiltak
from .register import Register, las_eier
from .samtale import (
    BESVART,
    DELVIS,
    HOPPET_OVER,
    IKKE_BESOKT,
    Samtalemotor,
    aktiv_guide,
    guide_for_samtale,
    neste_avtale,
    sjekk_frist,
    tiltak_og_samtykke,
)

# The records are types only: the module that defines them is not loaded at run time.
if TYPE_CHECKING:
    from .register.poster import Samtalepost

HOPP = ("hopp over", "hopp", "-")
TILBAKE = ("tilbake", "<")
MENY = ("meny", "m")
PAUSE = ("pause", "stopp")
HJELP = ("?", "hjelp")
FERDIG = ("ferdig",)
KOMMANDOER = HOPP + TILBAKE + MENY + PAUSE + HJELP + FERDIG

ANNEN = guide_modul.ANNEN_ANSVARLIG

STATUS_MERKE = {
    BESVART: ("✓", "besvart"),
    DELVIS: ("◐", "delvis besvart"),
    HOPPET_OVER: ("–", "hoppet over"),
    IKKE_BESOKT: (" ", "ikke besøkt"),
}
KOMMANDO_TASTER = "meny · tilbake · hopp over · ferdig · pause · ?"
TASTER = "Enter lagrer · Alt-Enter ny linje · Tab fullfører · " + KOMMANDO_TASTER
UTKAST_ETTER = 1.0  # seconds of typing before the text in the editor is kept as a draft


class Pause(Exception):
    """The coordinator stopped the conversation on purpose."""


class _Lukket(Exception):
    """The terminal went away (SIGHUP) or the process was asked to stop (SIGTERM)."""


class _Ferdig(Exception):
    """`ferdig`: go to the summary from wherever the conversation is."""


class Leser(Protocol):
    """Reads one answer at a prompt. `tekst_ved_avbrudd` is what the editor held when the last
    prompt was interrupted (Ctrl-C, end of input, a closed terminal)."""

    tekst_ved_avbrudd: str

    def les(
        self,
        ledetekst: str,
        *,
        standard: str = "",
        fullfor: Sequence[str] = (),
        utkast: Callable[[str], None] | None = None,
    ) -> str: ...


class Promptleser:
    """The prompt_toolkit editor: one session for the whole conversation (its history holds
    the answers given, Up recalls them), a bottom toolbar, Alt-Enter for a new line."""

    def __init__(self, verktoylinje: Callable[[], str]):
        from prompt_toolkit import PromptSession
        from prompt_toolkit.key_binding import KeyBindings

        taster = KeyBindings()

        @taster.add("escape", "enter")  # Alt-Enter sends the same two keys
        def _ny_linje(event: Any) -> None:
            event.current_buffer.insert_text("\n")

        self._session: Any = PromptSession(
            key_bindings=taster,
            bottom_toolbar=lambda: " " + verktoylinje(),
            complete_while_typing=False,
            reserve_space_for_menu=6,
        )
        self._session.default_buffer.on_text_changed += self._endret
        self._utkast: Callable[[str], None] | None = None
        self._planlagt: Any = None
        self._utkast_skrevet = False
        self.tekst_ved_avbrudd = ""

    def les(
        self,
        ledetekst: str,
        *,
        standard: str = "",
        fullfor: Sequence[str] = (),
        utkast: Callable[[str], None] | None = None,
    ) -> str:
        from prompt_toolkit.completion import WordCompleter

        self.tekst_ved_avbrudd = ""
        # The editor keeps the last answer's text until the next prompt starts: a signal
        # in between must not find it there and keep it as a draft of this question.
        self._utkast = None
        self._session.default_buffer.reset()
        self._utkast, self._planlagt, self._utkast_skrevet = utkast, None, False
        fullforer = WordCompleter(list(fullfor), ignore_case=True, sentence=True) if fullfor else None
        try:
            svar: str = self._session.prompt(ledetekst, default=standard, completer=fullforer)
        except (KeyboardInterrupt, EOFError, _Lukket):
            self.tekst_ved_avbrudd = self._session.default_buffer.text
            raise
        except OSError:
            # The terminal is gone (read or write on a closed pseudo-terminal).
            self.tekst_ved_avbrudd = self._session.default_buffer.text
            raise _Lukket() from None
        finally:
            if self._planlagt is not None:
                self._planlagt.cancel()
            self._utkast = None
        return svar

    def _endret(self, _buffer: Any) -> None:
        # A draft a second after typing, not on every key: one small transaction per pause.
        if self._utkast is None or self._planlagt is not None:
            return
        import asyncio

        self._planlagt = asyncio.get_running_loop().call_later(UTKAST_ETTER, self._skriv_utkast)

    def _skriv_utkast(self) -> None:
        self._planlagt = None
        if self._utkast is not None:
            self._utkast(self._session.default_buffer.text)
            self._utkast_skrevet = True

    def avbryt(self, unntak: BaseException) -> bool:
        """End the running prompt with this exception (from a signal handler); False when no
        prompt is running."""
        from prompt_toolkit.application import get_app_or_none

        app = get_app_or_none()
        if app is None or not app.is_running or app.future is None or app.future.done():
            return False
        loop = app.loop
        if loop is None:
            return False

        def avslutt() -> None:
            if app.future is not None and not app.future.done():
                app.exit(exception=unntak)

        # From a signal handler: wake the event loop, which then ends the prompt cleanly.
        loop.call_soon_threadsafe(avslutt)
        return True


def taster_for(sporsmal: Sporsmal | None) -> str:
    """The toolbar's keys for the question at the prompt: what this kind of answer takes."""
    if sporsmal is None:
        return TASTER
    match sporsmal.type:
        case "tekst":
            forste = "Enter lagrer · Alt-Enter ny linje"
        case "skala":
            forste = f"Skriv et tall fra {sporsmal.min} til {sporsmal.max} · Enter lagrer"
        case "valg" | "flervalg" | "janei":
            forste = "Tab fullfører valget · Enter lagrer"
        case "dato":
            forste = "Skriv DD.MM.ÅÅÅÅ · Enter lagrer"
        case "tiltak":
            forste = "Nytt tiltak, «endre N» eller «slett N» · tom linje når listen er ferdig"
        case _:
            forste = "Enter lagrer"
    return f"{forste} · {KOMMANDO_TASTER}"


def som_tekst(sporsmal: Sporsmal, verdi: Any) -> str:
    """A stored answer as it would be typed again, to pre-fill the editor."""
    if verdi is None:
        return ""
    match sporsmal.type:
        case "janei":
            return "ja" if verdi else "nei"
        case "dato":
            return fra_iso(str(verdi)).strftime("%d.%m.%Y")
        case "flervalg":
            return ", ".join(verdi)
    return str(verdi)


def vis_svar(sporsmal: Sporsmal, verdi: Any) -> str:
    """A stored answer in full, as the summary shows it: dates DD.MM.ÅÅÅÅ, scales with anchors."""
    match sporsmal.type:
        case "janei":
            return "ja" if verdi else "nei"
        case "dato":
            return fra_iso(str(verdi)).strftime("%d.%m.%Y")
        case "flervalg":
            return ", ".join(verdi)
        case "tiltak":
            return "\n".join(_tiltak_linje(t) for t in verdi) or "ingen"
        case "skala":
            return guide_modul.vis_verdi(sporsmal, verdi)
    return str(verdi)


def svarlinje(sporsmal: Sporsmal, verdi: Any, hoppet_over: bool) -> Text | None:
    """One question in the summary: the answer in full first, then the question as a dim label;
    a skipped question says so; None for a question not reached."""
    etikett = Text("  · " + sporsmal.tekst.rstrip("?:. "), style="dim")
    if verdi is not None:
        return Text(vis_svar(sporsmal, verdi)) + etikett
    if hoppet_over:
        return Text("hoppet over", style="italic") + etikett
    return None


def _tiltak_linje(t: Svartiltak) -> str:
    frist_iso = t.get("frist")
    frist = f", frist {fra_iso(frist_iso).strftime('%d.%m.%Y')}" if frist_iso else ""
    return f"{t['hva']} (ansvarlig: {t['ansvarlig']}{frist})"


class Terminalsamtale:
    """Drives a Samtalemotor from a terminal."""

    def __init__(
        self,
        register: Register,
        konsoll: Console,
        idag: date,
        leser: Callable[[Callable[[], str]], Leser] | None = None,
    ):
        self.register = register
        self.k = konsoll
        self.idag = idag
        self.fullfort = False  # set once the conversation is finished in the register
        self._lag_leser = leser
        self._leser: Leser | None = None
        self._motor: Samtalemotor | None = None
        self._data: Mapping[str, Any] = {}
        self._spurt: Sporsmal | None = None  # the question at the prompt, for its draft
        self._utkast: dict[str, str] = {}  # kept drafts, pre-filled when their question comes

    # --- input ------------------------------------------------------------------------------

    @property
    def leser(self) -> Leser:
        """The editor, made when the first question is asked (a refusal before it shows none)."""
        if self._leser is None:
            self._leser = (self._lag_leser or Promptleser)(self._verktoylinje)
            # An hour-long conversation is no short command (see cli.main): cycles are collected
            # from here on. Not before: the editor's import makes some 30,000 objects, and the
            # collections they set off cost about a sixth of it. What exists now lives as long as
            # the program, so it is set aside from every later collection (gc.freeze).
            gc.freeze()
            gc.enable()
        return self._leser

    def _les(self, ledetekst: str, **valg: Any) -> str:
        """One answer from the editor (`standard`, `fullfor`, `utkast` as Leser.les), trimmed."""
        return self.leser.les(ledetekst, **valg).strip()

    def _ja(self, sporsmal: str, standard: bool = False) -> bool:
        hint = "[J/n]" if standard else "[j/N]"
        while True:
            svar = self._les(f"{sporsmal} {hint} ", fullfor=("ja", "nei")).lower()
            if not svar:
                return standard
            if svar in ("j", "ja", "y"):
                return True
            if svar in ("n", "nei", "no"):
                return False
            self.k.print("Svar ja eller nei.")

    def _verktoylinje(self) -> str:
        motor = self._motor
        if motor is None:
            return TASTER
        deler = [f"Pasient nr. {self._data.get('pasient_id')} · SP{self._data.get('sp')}"]
        if self._spurt is not None:
            nr, totalt = motor.tema_nr(self._spurt)
            deler.append(f"Tema {nr} av {totalt}")
        deler.append(f"{len(motor.svar)} besvart, {len(motor.hoppet_over)} hoppet over")
        return " · ".join(deler) + "\n " + taster_for(self._spurt)

    def _utkast_for(self, sporsmal: Sporsmal) -> Callable[[str], None]:
        samtale_id = self._data["id"]
        return lambda tekst: self.register.samtaler.lagre_utkast(samtale_id, sporsmal.id, tekst)

    # --- the run ------------------------------------------------------------------------------

    def kjor(
        self, ref: str, sp: int | None, dato: date, *, fra_hefte: bool = False, endre: bool = False
    ) -> int:
        """Hold (or resume) the conversation; returns the exit code. `fra_hefte`: the booklet's
        answers were just stored; go on from the first question without one, without asking."""
        guide = aktiv_guide(self.register)
        eier = las_eier()
        # The guide is stored with the conversation: a refusal leaves no guide row behind.
        data = self.register.samtaler.begynn_eller_fortsett(
            ref, sp, dato, (guide.id, guide.versjon, guide.kilde), eier, endre=endre, idag=self.idag
        )
        self._data = data
        samtale_id = data["id"]
        if self.register.samtaler.guide_kilde(data["guide_ref"]) != guide.kilde:
            # Begun with another guide: it goes on with the questions it began with.
            guide = guide_for_samtale(self.register, data["guide_ref"])
        gamle = {s: signal.signal(s, self._signal) for s in (signal.SIGHUP, signal.SIGTERM)}
        try:
            if sp is None:
                hva = "den påbegynte samtalen" if not data["ny"] else "en ny samtale"
                self.k.print(
                    Text(f"Åpner {hva} for samhandlingspunkt {data['sp']} (SP{data['sp']}).", style="bold")
                )
            if data["erstatter"] is not None:
                self.k.print(
                    Text(
                        f"Endrer samtalen for SP{data['sp']} fra {norsk_dato(fra_iso(data['dato']))}: en ny "
                        "versjon med svarene som står klare; den forrige versjonen beholdes. Velg temaet "
                        "som skal endres, og skriv «ferdig» når endringene er gjort.",
                        style="bold",
                    )
                )
            elif fra_hefte:
                self.k.print(
                    f"{len(data['svar'])} svar fra heftet er lagret. Samtalen fortsetter ved første "
                    "spørsmål uten svar."
                )
            elif not data["ny"] and (data["svar"] or data["hoppet_over"]):
                antall = len(data["svar"])
                self.k.print(
                    f"Det finnes en påbegynt samtale for SP{data['sp']} fra "
                    f"{norsk_dato(fra_iso(data['dato']))} med {antall} svar."
                )
                if not self._ja("Fortsette der dere slapp? (nei begynner på nytt)", True) and self._ja(
                    "Slette de tidligere svarene og begynne på nytt?"
                ):
                    self.register.samtaler.begynn_pa_nytt(samtale_id)
                    data["svar"], data["hoppet_over"], data["utkast"] = {}, [], {}
            motor = self._motor = Samtalemotor(
                guide, data["svar"], data["hoppet_over"], self._lagre(samtale_id), self._angre(samtale_id)
            )
            self._tilby_utkast(motor, data, samtale_id)
            self._hode(data, guide)
            if data["erstatter"] is not None and not data["utkast"]:
                self._meny(motor)
            return self._lop(motor, data, samtale_id)
        except (KeyboardInterrupt, EOFError, _Lukket, Pause) as avbrudd:
            # First the draft, then the words: on a closed terminal printing may fail.
            self._ta_vare_pa_utkast(samtale_id, avbrudd)
            with suppress(OSError):
                self._si_avbrutt(data, avbrudd)
            # A pause is a normal end; Ctrl-C, end of input or a closed terminal is not.
            return 0 if isinstance(avbrudd, Pause) or self.fullfort else 130
        finally:
            for signum, gammel in gamle.items():
                signal.signal(signum, gammel)
            # The lock goes with the process, whatever stopped it.
            self.register.samtaler.slipp(samtale_id, eier)

    def _signal(self, _signum: int, _frame: Any) -> None:
        # In a prompt: end it through its event loop, so the editor's text can be read and the
        # terminal is restored. Between prompts: stop where the program is.
        avbryt = getattr(self._leser, "avbryt", None)
        if avbryt is not None and avbryt(_Lukket()):
            return
        raise _Lukket()

    def _ta_vare_pa_utkast(self, samtale_id: int, avbrudd: BaseException) -> None:
        if self.fullfort or self._spurt is None or isinstance(avbrudd, Pause):
            return
        tekst = self._leser.tekst_ved_avbrudd if self._leser else ""
        if tekst.strip() and tekst.strip().lower() not in KOMMANDOER:
            self.register.samtaler.lagre_utkast(samtale_id, self._spurt.id, tekst)

    def _si_avbrutt(self, data: Samtalepost, avbrudd: BaseException) -> None:
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
            return
        if self._leser and self._leser.tekst_ved_avbrudd.strip() and not isinstance(avbrudd, Pause):
            self.k.print(Text("Teksten du holdt på å skrive er lagret som utkast.", style="yellow"))
        self.k.print(
            Text(
                f"Samtalen er lagret med alt som er svart så langt. Fortsett senere med: "
                f"pakkehjem samtale {data['pasient_id']} --sp {data['sp']}",
                style="yellow",
            )
        )

    def _lagre(self, samtale_id: int) -> Callable[[Sporsmal, Any, bool], None]:
        def lagre(sporsmal: Sporsmal, verdi: Any, hoppet: bool) -> None:
            tiltak, samtykke = tiltak_og_samtykke(sporsmal, verdi)
            self.register.samtaler.lagre_svar(
                samtale_id, sporsmal.id, verdi, hoppet_over=hoppet, tiltak=tiltak, samtykke=samtykke
            )
            self._utkast.pop(sporsmal.id, None)

        return lagre

    def _angre(self, samtale_id: int) -> Callable[[Sporsmal], None]:
        def angre(sporsmal: Sporsmal) -> None:
            self.register.samtaler.angre_svar(samtale_id, sporsmal.id, sporsmal.samtykke)

        return angre

    def _tilby_utkast(self, motor: Samtalemotor, data: Samtalepost, samtale_id: int) -> None:
        """Offer back what was typed but not stored last time; the first kept one is asked next."""
        forste: Sporsmal | None = None
        for sporsmal_id, tekst in data.get("utkast", {}).items():
            if sporsmal_id not in motor.guide:
                continue
            sporsmal = motor.guide.sporsmal(sporsmal_id)
            self.k.print(Text(f"Det finnes et utkast til «{sporsmal.tekst}»:", style="bold"))
            self.k.print(Text(tekst, style="italic"))
            if self._ja("Beholde utkastet og fortsette med det?", True):
                self._utkast[sporsmal_id] = tekst
                if forste is None and motor.er_synlig(sporsmal):
                    forste = sporsmal
            else:
                self.register.samtaler.lagre_utkast(samtale_id, sporsmal_id, "")
        if forste is not None:
            motor.ga_til(forste)

    def _hode(self, data: Samtalepost, guide: Guide) -> None:
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
                subtitle="Enter lagrer · Alt-Enter ny linje · ? viser kommandoene",
            )
        )

    def _lop(self, motor: Samtalemotor, data: Samtalepost, samtale_id: int) -> int:
        forrige_tema = None
        while True:
            sporsmal = motor.neste()
            if sporsmal is None:
                if self._avslutt(motor, data, samtale_id):
                    return 0
                forrige_tema = None
                continue
            tema = motor.guide.tema_for(sporsmal.id)
            if tema is not forrige_tema:
                nr, totalt = motor.tema_nr(sporsmal)
                self.k.rule(Text(f"Tema {nr} av {totalt}: {tema.tittel}", style="bold"))
                forrige_tema = tema
            try:
                self._still(motor, sporsmal)
            except _Ferdig:
                self._spurt = None
                if self._avslutt(motor, data, samtale_id):
                    return 0
                forrige_tema = None

    # --- one question -----------------------------------------------------------------------

    def _still(self, motor: Samtalemotor, sporsmal: Sporsmal) -> None:
        self._spurt = sporsmal
        self.k.print(Text(sporsmal.tekst + (" *" if sporsmal.pakrevd else ""), style="bold"))
        if sporsmal.valg and sporsmal.type in ("valg", "flervalg"):
            for i, valg in enumerate(sporsmal.valg, 1):
                self.k.print(f"  {i}. {valg}")
        if sporsmal.type == "tiltak":
            self._tiltak(motor, sporsmal)
            return
        tidligere = motor.svar.get(sporsmal.id)
        standard = self._utkast.get(sporsmal.id) or som_tekst(sporsmal, tidligere)
        if tidligere is not None:
            self.k.print(
                Text("  (svaret som er lagret står klart: Enter beholder, Ctrl-U tømmer)", style="dim")
            )
        while True:
            tekst = self._les(
                self._ledetekst(sporsmal),
                standard=standard,
                fullfor=self._fullfor(sporsmal),
                utkast=self._utkast_for(sporsmal),
            )
            kommando = self._kommando(motor, sporsmal, tekst)
            if kommando == "igjen":
                standard = ""
                continue
            if kommando:
                return
            if not tekst:
                if sporsmal.pakrevd:
                    self.k.print("Dette spørsmålet må besvares (eller skriv «pause»).")
                    standard = ""
                    continue
                motor.hopp_over(sporsmal)
                return
            try:
                verdi = guide_modul.les_tekst(sporsmal, tekst)
            except guide_modul.UgyldigSvar as feil:
                self.k.print(Text(str(feil), style="red"))
                standard = tekst  # the answer stays in the editor to be corrected
                continue
            if verdi is None:
                motor.hopp_over(sporsmal)
            else:
                motor.svar_med(sporsmal, verdi)
            self._etter_svar(motor, sporsmal)
            return

    @staticmethod
    def _ledetekst(sporsmal: Sporsmal) -> str:
        hint = {
            "valg": "nummer eller ord",
            "flervalg": "numre eller ord, skilt med komma",
            "skala": f"{sporsmal.min}–{sporsmal.max}",
            "janei": "ja/nei",
            "dato": "DD.MM.ÅÅÅÅ",
        }.get(sporsmal.type, "")
        if sporsmal.type == "skala" and sporsmal.min_tekst and sporsmal.max_tekst:
            hint = f"{sporsmal.min} = {sporsmal.min_tekst} … {sporsmal.max} = {sporsmal.max_tekst}"
        return f"> ({hint}) " if hint else "> "

    @staticmethod
    def _fullfor(sporsmal: Sporsmal) -> tuple[str, ...]:
        if sporsmal.type in ("valg", "flervalg"):
            return tuple(sporsmal.valg or ()) + KOMMANDOER
        if sporsmal.type == "janei":
            return ("ja", "nei") + KOMMANDOER
        return KOMMANDOER

    def _etter_svar(self, motor: Samtalemotor, sporsmal: Sporsmal) -> None:
        verdi = motor.svar.get(sporsmal.id)
        if sporsmal.flagg_fra is not None and isinstance(verdi, int) and verdi >= sporsmal.flagg_fra:
            self.k.print(Text(f"⚑ {verdi} av {sporsmal.max}: følg opp belastningen.", style="bold red"))

    def _kommando(self, motor: Samtalemotor, sporsmal: Sporsmal, tekst: str) -> bool | str:
        """True when the text was a command that moved the conversation; "igjen" when the same
        question is to be asked again; False when the text is an answer."""
        ord_ = tekst.lower()
        if ord_ in HOPP:
            if sporsmal.pakrevd:
                self.k.print("Dette spørsmålet er påkrevd for å fullføre, men kan tas senere.")
            motor.hopp_over(sporsmal)
            return True
        if ord_ in TILBAKE:
            if motor.tilbake() is None:
                self.k.print("Dette er første spørsmål.")
                return "igjen"
            return True
        if ord_ in MENY:
            self._meny(motor)
            return True
        if ord_ in PAUSE:
            raise Pause()
        if ord_ in FERDIG:
            raise _Ferdig()
        if ord_ in HJELP:
            self.k.print(Text(sporsmal.hjelp or "Ingen hjelpetekst til dette spørsmålet.", style="italic"))
            self.k.print(Text(guide_modul.beskriv_forventet(sporsmal), style="italic"))
            self.k.print(
                Text(
                    "Skriv «hopp over», «tilbake», «meny» (velg tema), «ferdig» (til oppsummeringen) "
                    "eller «pause» (lagre og stopp). Alt-Enter gir ny linje i et notat.",
                    style="dim",
                )
            )
            return "igjen"
        return False

    def _meny(self, motor: Samtalemotor) -> None:
        tabell = Table(title="Tema", show_header=False, box=None)
        for i, tema in enumerate(motor.guide.tema, 1):
            merke, ord_ = STATUS_MERKE[motor.tema_status(tema)]
            tabell.add_row(f"{i}.", merke, tema.tittel, Text(ord_, style="dim"))
        self.k.print(tabell)
        titler = [t.tittel for t in motor.guide.tema]
        while True:
            valg = self._les(
                "Gå til tema (nummer eller navn; Tab fullfører; «ferdig» til oppsummeringen; "
                "Enter fortsetter her): ",
                fullfor=(*titler, "ferdig"),
            )
            if not valg:
                return
            if valg.lower() in FERDIG:
                raise _Ferdig()
            if valg.lower() in PAUSE:
                raise Pause()
            treff = motor.finn_tema(valg)
            if len(treff) == 1:
                if motor.ga_til_tema(treff[0]) is None:
                    self.k.print("Det temaet har ingen spørsmål som passer med svarene så langt.")
                    continue
                return
            if treff:
                self.k.print("Det passer til flere tema: " + ", ".join(t.tittel for t in treff) + ".")
            else:
                self.k.print(f"Skriv et tall fra 1 til {len(motor.guide.tema)} eller begynnelsen av et tema.")

    # --- actions: a list, not a field ---------------------------------------------------------

    def _tiltak(self, motor: Samtalemotor, sporsmal: Sporsmal) -> None:
        """Add, change or remove actions one at a time; each change is stored at once."""
        # The stored actions were checked (guide.lag_tiltak) when the answer was stored.
        liste = cast("list[Svartiltak]", [dict(t) for t in motor.svar.get(sporsmal.id) or []])
        self.k.print(
            Text(
                "  Skriv et nytt tiltak, «endre N» eller «slett N». Tom linje når listen er ferdig.",
                style="dim",
            )
        )
        while True:
            self._vis_tiltak(liste)
            utkast = self._utkast.pop(sporsmal.id, "")
            tekst = self._les(
                f"  Tiltak {len(liste) + 1}, hva: ",
                standard=utkast,
                fullfor=KOMMANDOER,
                utkast=self._utkast_for(sporsmal),
            )
            if not tekst:
                if liste or sporsmal.id in motor.svar:
                    motor.ga_videre(sporsmal)
                else:
                    motor.hopp_over(sporsmal)
                return
            kommando = self._kommando(motor, sporsmal, tekst)
            if kommando == "igjen":
                continue
            if kommando:
                return
            ord_ = tekst.lower().split()
            if len(ord_) == 2 and ord_[0] in ("endre", "slett") and ord_[1].isdigit():
                nr = int(ord_[1])
                if not 1 <= nr <= len(liste):
                    self.k.print(Text(f"Det finnes ikke noe tiltak nr. {nr}.", style="red"))
                    continue
                if ord_[0] == "slett":
                    fjernet = liste.pop(nr - 1)
                    self.k.print(f"  Fjernet: {fjernet['hva']}")
                else:
                    liste[nr - 1] = self._ett_tiltak(liste[nr - 1]["hva"], liste[nr - 1])
            else:
                liste.append(self._ett_tiltak(tekst))
            if liste:
                motor.oppdater(sporsmal, guide_modul.valider_verdi(sporsmal, liste))
            else:
                motor.oppdater(sporsmal, [])

    def _vis_tiltak(self, liste: list[Svartiltak]) -> None:
        for i, t in enumerate(liste, 1):
            self.k.print(f"  {i}. {_tiltak_linje(t)}")

    def _ett_tiltak(self, hva: str, tiltak: Svartiltak | None = None) -> Svartiltak:
        """What, who and by when: a new action (`hva` just typed), or `tiltak` changed, each
        field pre-filled with what the action holds already."""
        if tiltak is not None:
            while not (hva := self._les("  Hva: ", standard=tiltak["hva"])):
                self.k.print("Skriv hva som skal gjøres.")
        ansvarlig = self._velg_ansvarlig(tiltak["ansvarlig"] if tiltak is not None else "")
        frist_iso = tiltak["frist"] if tiltak is not None else None
        frist_tekst = fra_iso(frist_iso).strftime("%d.%m.%Y") if frist_iso else ""
        dato = fra_iso(self._data["dato"])
        while True:
            frist_tekst = self._les("  Frist (DD.MM.ÅÅÅÅ, tom for ingen): ", standard=frist_tekst)
            try:
                frist = parse_dato(frist_tekst).isoformat() if frist_tekst else None
                sjekk_frist(frist, dato)
                break
            except (ValueError, guide_modul.UgyldigSvar) as feil:
                self.k.print(Text(str(feil), style="red"))
        return guide_modul.lag_tiltak(hva, ansvarlig, frist)

    def _velg_ansvarlig(self, standard: str) -> str:
        ansvarlige = (self._motor.guide if self._motor else guide_modul.last_guide()).tiltak_ansvarlige
        liste = ", ".join(f"{i}. {a}" for i, a in enumerate(ansvarlige, 1))
        self.k.print(f"  Ansvarlig: {liste}, eller «annen: » og hvem")
        while True:
            svar = self._les("  Hvem har ansvaret (nummer, navn eller «annen: …»): ", standard=standard,
                             fullfor=(*ansvarlige, f"{ANNEN}: "))  # fmt: skip
            standard = ""
            valgt = velg_ansvarlig(svar, ansvarlige)
            if valgt is not None:
                return valgt
            self.k.print(
                Text(
                    "Velg et nummer eller et navn fra listen, eller skriv «annen: » og hvem, "
                    "for eksempel «annen: sosionom på sykehuset».",
                    style="red",
                )
            )

    # --- the end ----------------------------------------------------------------------------

    def _oppsummering(self, motor: Samtalemotor) -> None:
        """Every theme in guide order with its state; under it each answer in full, first, with
        the question it answers as a dim label after it; a skipped question said as skipped."""
        self.k.rule(Text("Oppsummering", style="bold"))
        dato = fra_iso(self._data["dato"]).strftime("%d.%m.%Y")
        self.k.print(f"Samtaledato {dato}")
        tabell = Table(show_header=True, header_style="bold", show_lines=True)
        tabell.add_column("Tema")
        tabell.add_column("Svar")
        flaggede = set(guide_modul.flagg(motor.guide, motor.svar))
        uten_svar: dict[str, list[str]] = {HOPPET_OVER: [], IKKE_BESOKT: []}
        for tema in motor.guide.tema:
            status = motor.tema_status(tema)
            if status in uten_svar:
                uten_svar[status].append(tema.tittel)
            mulige = (svarlinje(s, motor.svar.get(s.id), s.id in motor.hoppet_over) for s in tema.sporsmal)
            linjer = [linje for linje in mulige if linje is not None]
            flagg = any(s.id in flaggede for s in tema.sporsmal)
            tabell.add_row(
                Text(tema.tittel, style="bold red" if flagg else "bold")
                + Text("\n" + STATUS_MERKE[status][1], style="dim"),
                Text("\n").join(linjer) if linjer else Text(STATUS_MERKE[status][1], style="italic"),
            )
        self.k.print(tabell)
        for status, titler in uten_svar.items():
            if titler:
                self.k.print(Text(f"{STATUS_MERKE[status][1].capitalize()}: " + ", ".join(titler)))

    def _avslutt(self, motor: Samtalemotor, data: Samtalepost, samtale_id: int) -> bool:
        self._spurt = None
        self._oppsummering(motor)
        mangler = motor.mangler_pakrevd()
        if mangler:
            tekster = [motor.guide.sporsmal(sid).tekst for sid in mangler]
            self.k.print(Text("Påkrevde spørsmål uten svar: " + "; ".join(tekster), style="red"))
            self._meny(motor)
            return False
        sporsmal = (
            "Lagre endringene som en ny versjon av samtalen?"
            if data.get("erstatter") is not None
            else "Avslutte samtalen og sette samhandlingspunktet som gjennomført?"
        )
        if not self._ja(sporsmal, True):
            self._meny(motor)
            return False
        avtale = neste_avtale(motor.guide, motor.svar)
        resultat = self.register.samtaler.fullfor(samtale_id, idag=self.idag, neste_avtale=avtale)
        self.fullfort = True
        if resultat.get("endret"):
            self.k.print(
                Text(
                    f"Endringene er lagret for SP{data['sp']}. Den forrige versjonen er beholdt, og et nytt "
                    "brev sier at det er korrigert.",
                    style="green",
                )
            )
            return True
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
            klokke = f" kl. {neste['klokkeslett']}" if neste.get("klokkeslett") else ""
            self.k.print(f"Avtalt {norsk_dato(fra_iso(neste['dato']))}{klokke}.")
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
            self.register.punkter.endre(
                str(data["pasient_id"]), neste["sp"], "avtalt", idag=self.idag, dato=dato
            )
            self.k.print(f"SP{neste['sp']} er avtalt {norsk_dato(dato)}.")
            return True


def velg_ansvarlig(tekst: str, ansvarlige: Sequence[str]) -> str | None:
    """Who is responsible for an action: a number or name from the guide's list (a unique
    prefix will do), or «annen: …» with who; None for anything else."""
    tekst = " ".join(tekst.split())
    if not tekst:
        return None
    if tekst.isascii() and tekst.isdigit():
        nr = int(tekst)
        return ansvarlige[nr - 1] if 1 <= nr <= len(ansvarlige) else None
    nokkel = tekst.casefold()
    if nokkel.startswith(ANNEN) and ":" in nokkel:
        hvem = tekst.split(":", 1)[1].strip()
        return f"{ANNEN}: {hvem}" if hvem else None
    eksakt = guide_modul.kjent_ansvarlig(tekst, ansvarlige)
    if eksakt:
        return eksakt
    treff = [a for a in ansvarlige if a.casefold().startswith(nokkel)]
    return treff[0] if len(treff) == 1 else None
