"""The interview engine: walks a guide, stores each answer as it is given, resumes.

No terminal here: the terminal front (`samtale_terminal.py`) and the answers-file import
both drive this module, so the rules of a conversation live in one place.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from contextlib import suppress
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import guide as guide_modul
from .datoer import parse_dato
from .feil import UgyldigInndata
from .guide import Guide, Sporsmal, Svartiltak, Tema
from .register import Register
from .regler import normaliser_klokkeslett

if TYPE_CHECKING:
    from .register.poster import Fullfort, Lagret, Samtalepost, Samtalesammendrag

# A theme's state in the menu: what was said, not where the coordinator has been.
BESVART = "besvart"  # every question asked in it has an answer
DELVIS = "delvis"  # some answered, some skipped or still open
HOPPET_OVER = "hoppet_over"  # nothing answered, something skipped
IKKE_BESOKT = "ikke_besokt"  # nothing answered or skipped


def aktiv_guide(register: Register) -> Guide:
    """The guide in use: the register's `guide` setting, else the shipped default."""
    sti = register.innstillinger().get("guide")
    try:
        return guide_modul.last_guide(Path(sti) if sti else None)
    except guide_modul.GuideFeil as feil:
        raise UgyldigInndata(str(feil)) from None
    except OSError as feil:
        raise UgyldigInndata(
            f"Kan ikke lese samtaleguiden {sti} ({feil.strerror}). Rett innstillingen «guide»."
        ) from None


def guide_for_samtale(register: Register, guide_ref: int) -> Guide:
    """The guide a conversation was started with, from the register's stored copy."""
    return guide_modul.fra_tekst(register.samtaler.guide_kilde(guide_ref), f"registeret (guide {guide_ref})")


def tiltak_og_samtykke(sporsmal: Sporsmal, verdi: Any) -> tuple[list[Svartiltak] | None, str | None]:
    """What an answer implies besides itself: actions to track, a consent to record."""
    tiltak = verdi if sporsmal.type == "tiltak" and isinstance(verdi, list) else None
    return tiltak, sporsmal.samtykke


def neste_avtale(guide: Guide, svar: dict[str, Any]) -> tuple[date, str | None, str | None] | None:
    """The booked date of the next contact point, when the conversation agreed one.

    The time and place are the text questions of the same theme, when the guide has them.
    """
    dato = guide_modul.neste_avtale(guide, svar)
    if not dato:
        return None
    sporsmal = next(s for s in guide.alle_sporsmal() if s.neste_avtale)
    klokke = sted = None
    for annet in guide.tema_for(sporsmal.id).sporsmal:
        if annet.id == sporsmal.id or annet.type != "tekst":
            continue
        verdi = svar.get(annet.id)
        if verdi and klokke is None and ("kl" in annet.id or "tid" in annet.id):
            # A free-text answer («etter lunsj») is no time to book: it stays an answer only,
            # instead of refusing the whole conversation when it is finished.
            with suppress(UgyldigInndata):
                klokke = normaliser_klokkeslett(verdi)
        elif verdi and sted is None and "sted" in annet.id:
            sted = verdi
    return parse_dato(dato), klokke, sted


class Samtalemotor:
    """Which question comes next, given the answers so far; skip, back, and jump to a theme.

    `lagre(sporsmal, verdi, hoppet_over)` stores an answer; `angre(sporsmal)` removes one
    that no longer applies. Both are called at once, so nothing waits in memory.
    """

    def __init__(
        self,
        guide: Guide,
        svar: dict[str, Any],
        hoppet_over: list[str],
        lagre: Callable[[Sporsmal, Any, bool], None],
        angre: Callable[[Sporsmal], None],
    ):
        self.guide = guide
        self.svar = dict(svar)
        self.hoppet_over = set(hoppet_over)
        self._lagre = lagre
        self._angre = angre
        self._alle = guide.alle_sporsmal()
        self._indeks = {s.id: i for i, s in enumerate(self._alle)}
        self._posisjon = 0
        self._gjeldende: Sporsmal | None = None
        self.historikk: list[str] = []

    # --- where we are ------------------------------------------------------------------

    def er_synlig(self, sporsmal: Sporsmal) -> bool:
        """Asked at all, given the answers so far."""
        # Only answers that still count: a hidden question's old answer must not open others.
        return guide_modul.er_synlig(sporsmal, guide_modul.gjeldende_svar(self.guide, self.svar))

    def er_behandlet(self, sporsmal: Sporsmal) -> bool:
        """Answered or skipped."""
        return sporsmal.id in self.svar or sporsmal.id in self.hoppet_over

    def neste(self) -> Sporsmal | None:
        """The question to ask now, or None when every visible question is dealt with."""
        if self._gjeldende is not None:
            return self._gjeldende
        antall = len(self._alle)
        for steg in range(antall):
            sporsmal = self._alle[(self._posisjon + steg) % antall]
            if self.er_synlig(sporsmal) and not self.er_behandlet(sporsmal):
                return sporsmal
        return None

    def tema_nr(self, sporsmal: Sporsmal) -> tuple[int, int]:
        """(n, total) for "tema n av total"."""
        tema = self.guide.tema_for(sporsmal.id)
        return self.guide.tema.index(tema) + 1, len(self.guide.tema)

    def tema_status(self, tema: Tema) -> str:
        """besvart, delvis, hoppet_over or ikke_besokt for the theme menu."""
        synlige = [s for s in tema.sporsmal if self.er_synlig(s)]
        besvart = [s for s in synlige if s.id in self.svar]
        if besvart:
            return BESVART if len(besvart) == len(synlige) else DELVIS
        return HOPPET_OVER if any(s.id in self.hoppet_over for s in synlige) else IKKE_BESOKT

    def finn_tema(self, tekst: str) -> list[Tema]:
        """The themes a coordinator means by a number, or the start of a theme's title or id."""
        tekst = tekst.strip()
        if tekst.isascii() and tekst.isdigit():
            nr = int(tekst)
            return [self.guide.tema[nr - 1]] if 1 <= nr <= len(self.guide.tema) else []
        nokkel = tekst.casefold()
        if not nokkel:
            return []
        eksakt = [t for t in self.guide.tema if nokkel in (t.tittel.casefold(), t.id.casefold())]
        if eksakt:
            return eksakt
        return [
            t
            for t in self.guide.tema
            if t.tittel.casefold().startswith(nokkel)
            or t.id.casefold().startswith(nokkel)
            or any(ord_.startswith(nokkel) for ord_ in t.tittel.casefold().split())
        ]

    def mangler_pakrevd(self) -> list[str]:
        """Required visible questions still without an answer."""
        return guide_modul.mangler_pakrevd(self.guide, self.svar)

    # --- moving ----------------------------------------------------------------------------

    def svar_med(self, sporsmal: Sporsmal, verdi: Any) -> None:
        """Store an answer (already validated) and move on."""
        self._lagre(sporsmal, verdi, False)
        self.svar[sporsmal.id] = verdi
        self.hoppet_over.discard(sporsmal.id)
        self._etter(sporsmal)
        self._fjern_skjulte()

    def hopp_over(self, sporsmal: Sporsmal) -> None:
        """Leave a question unanswered, on the record, and move on."""
        self._lagre(sporsmal, None, True)
        self.svar.pop(sporsmal.id, None)
        self.hoppet_over.add(sporsmal.id)
        self._etter(sporsmal)
        self._fjern_skjulte()

    def oppdater(self, sporsmal: Sporsmal, verdi: Any) -> None:
        """Store an answer and stay at the question (an action list is built one item at a time)."""
        self._lagre(sporsmal, verdi, False)
        self.svar[sporsmal.id] = verdi
        self.hoppet_over.discard(sporsmal.id)
        self._fjern_skjulte()

    def ga_videre(self, sporsmal: Sporsmal) -> None:
        """Leave a question as it stands and go on to the next."""
        self._etter(sporsmal)

    def ga_til(self, sporsmal: Sporsmal) -> None:
        """Ask this question next (a kept draft of it, say)."""
        self._gjeldende = sporsmal
        self._posisjon = self._indeks[sporsmal.id]

    def tilbake(self) -> Sporsmal | None:
        """Ask the previous question again (its answer stays until a new one is given)."""
        while self.historikk:
            forrige = self._alle[self._indeks[self.historikk.pop()]]
            # A question hidden since (its answer was taken back) is not asked again.
            if self.er_synlig(forrige):
                self._gjeldende = forrige
                self._posisjon = self._indeks[forrige.id]
                return forrige
        return None

    def ga_til_tema(self, tema: Tema) -> Sporsmal | None:
        """Jump to a theme the patient is talking about: its first open question, or its first."""
        synlige = [s for s in tema.sporsmal if self.er_synlig(s)]
        if not synlige:
            return None
        ubehandlede = [s for s in synlige if not self.er_behandlet(s)]
        self._gjeldende = (ubehandlede or synlige)[0]
        self._posisjon = self._indeks[self._gjeldende.id]
        return self._gjeldende

    def _etter(self, sporsmal: Sporsmal) -> None:
        self.historikk.append(sporsmal.id)
        self._gjeldende = None
        self._posisjon = self._indeks[sporsmal.id] + 1

    def _fjern_skjulte(self) -> None:
        # A changed answer can hide follow-up questions (need changed to "ingen behov"):
        # their answers no longer apply, exactly as an answers file may not hold them.
        gjeldende = guide_modul.gjeldende_svar(self.guide, self.svar)
        for sporsmal_id in [sid for sid in self.svar if sid not in gjeldende]:
            self._angre(self.guide.sporsmal(sporsmal_id))
            del self.svar[sporsmal_id]
        for sporsmal_id in list(self.hoppet_over):
            sporsmal = self.guide.sporsmal(sporsmal_id)
            if not self.er_synlig(sporsmal):
                # The stored skip goes too: else a resumed conversation would not ask it again.
                self._angre(sporsmal)
                self.hoppet_over.discard(sporsmal_id)


def sjekk_frist(frist: str | None, samtaledato: date) -> None:
    """An action's deadline may not lie before the day it was agreed (datoregler.frist), asked
    at the prompt so the coordinator corrects the date there and then."""
    from . import datoregler

    brudd = datoregler.frist(date.fromisoformat(frist), samtaledato) if frist else None
    if brudd:
        raise guide_modul.UgyldigSvar(brudd)


MAKS_SVARFIL = 10 * 1024 * 1024


class _DobbelNokkel(Exception):
    """A key twice in one mapping of an answers file: (the key, where)."""


def _uten_doble_json(par: list[tuple[str, Any]]) -> dict[str, Any]:
    ut: dict[str, Any] = {}
    for nokkel, verdi in par:
        if nokkel in ut:
            raise _DobbelNokkel(nokkel, "")
        ut[nokkel] = verdi
    return ut


def _lag_uten_doble_yaml() -> type:
    import yaml

    class UtenDoble(yaml.SafeLoader):
        """YAML's safe loader, refusing a key twice in a mapping (PyYAML keeps the last)."""

        def construct_mapping(self, node: Any, deep: bool = False) -> Any:
            sett: set[Any] = set()
            for nokkel_node, _ in node.value:
                nokkel = self.construct_object(nokkel_node, deep=deep)
                if isinstance(nokkel, str | int | float | bool) and nokkel in sett:
                    raise _DobbelNokkel(nokkel, f" (linje {nokkel_node.start_mark.line + 1})")
                if isinstance(nokkel, str | int | float | bool):
                    sett.add(nokkel)
            return super().construct_mapping(node, deep=deep)

    return UtenDoble


def les_svarfil(sti: Path) -> dict[str, Any]:
    """An answers file, JSON or YAML, mapping question id to value."""
    from .filer import les_begrenset

    # A filled-in booklet is a few KB; /dev/zero would fill the memory.
    innhold = les_begrenset(sti, MAKS_SVARFIL, "Svarfilen")
    try:
        # utf-8-sig: a file saved by Notepad or Excel starts with a byte-order mark.
        tekst = innhold.decode("utf-8-sig")
    except UnicodeDecodeError as feil:
        raise UgyldigInndata(f"Kan ikke lese svarfilen {sti} ({type(feil).__name__}).") from None
    import yaml

    try:
        if sti.suffix.lower() == ".json":
            data = json.loads(tekst, object_pairs_hook=_uten_doble_json)
        elif guide_modul.nestet_for_dypt(tekst):
            raise RecursionError  # the loader's own answer, without its seconds of scanning
        else:
            data = yaml.load(tekst, Loader=_lag_uten_doble_yaml())
    except _DobbelNokkel as dobbel:
        # An answer given twice: which one counts would be a guess, so neither does.
        raise UgyldigInndata(
            f"Svarfilen {sti} har «{dobbel.args[0]}» to ganger{dobbel.args[1]}. Stryk det ene svaret."
        ) from None
    except RecursionError:
        # Both parsers recurse per level of nesting: a file of lists in lists thousands deep.
        raise UgyldigInndata(f"Svarfilen {sti} er nestet for dypt (lister i lister).") from None
    except (ValueError, yaml.YAMLError) as feil:
        raise UgyldigInndata(
            f"Svarfilen {sti} er ikke gyldig JSON eller YAML ({type(feil).__name__})."
        ) from None
    if not isinstance(data, dict) or not all(isinstance(k, str) for k in data):
        raise UgyldigInndata(
            f"Svarfilen {sti} må være en oversikt fra spørsmåls-id til svar, som «guide --json» viser."
        )
    return data


def fra_svarfil(
    register: Register,
    ref: str,
    sp: int | None,
    dato: date,
    sti: Path,
    *,
    idag: date | None = None,
    bekreft: bool = False,
    fullfor: bool = True,
) -> Fullfort | Lagret:
    """A whole conversation from an answers file: every answer checked first, then one
    transaction stores all of it and finishes the conversation. Nothing is stored on error.
    The date rules (datoregler) are the register's: `idag` and `bekreft` go to it.
    `fullfor=False`: the booklet's answers only; the conversation goes on at the terminal, so
    a required question may still be open."""
    guide = aktiv_guide(register)
    try:
        svar = guide_modul.valider_svarsett(guide, les_svarfil(sti))
    except guide_modul.UgyldigeSvar as feil:
        linjer = "\n".join(f"  {sid}: {tekst}" for sid, tekst in feil.feil)
        raise UgyldigInndata(f"Svarfilen har ugyldige svar; ingenting er lagret:\n{linjer}") from None
    mangler = guide_modul.mangler_pakrevd(guide, svar) if fullfor else []
    if mangler:
        raise UgyldigInndata(
            "Svarfilen mangler påkrevde svar; ingenting er lagret: " + ", ".join(mangler) + "."
        )
    rader = []
    for sporsmal_id, verdi in svar.items():
        tiltak, samtykke = tiltak_og_samtykke(guide.sporsmal(sporsmal_id), verdi)
        rader.append((sporsmal_id, verdi, tiltak, samtykke))
    # The guide is stored in the same transaction: a refusal (unknown patient, ...) leaves nothing.
    return register.samtaler.lagre_hel(
        ref,
        sp,
        dato,
        (guide.id, guide.versjon, guide.kilde),
        rader,
        neste_avtale(guide, svar),
        idag=idag,
        bekreft=bekreft,
        fullfor=fullfor,
    )


def svar_med_tekst(register: Register, samtale: Samtalepost | Samtalesammendrag) -> list[tuple[str, Any]]:
    """(question text, answer) pairs of a stored conversation, with the texts actually asked."""
    guide = guide_for_samtale(register, samtale["guide_ref"])
    return [
        (guide.sporsmal(sid).tekst if sid in guide else sid, verdi) for sid, verdi in samtale["svar"].items()
    ]
