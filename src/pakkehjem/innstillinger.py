"""The register's settings: names, defaults, how a typed value is read, and what each means.

Local choices of the pathway (domain.md) are settings, not constants in code. The values
live in the register itself, so every coordinator on a shared register sees the same.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypedDict, cast

from .feil import UgyldigInndata
from .filer import utvid
from .forlop import SP1_UKER_STANDARD, les_tjeneste


def _heltall(fra: int, til: int) -> Callable[[str], int]:
    def les(tekst: str) -> int:
        try:
            verdi = int(tekst.strip())
        except ValueError:
            raise ValueError(f"Skriv et helt tall fra {fra} til {til}.") from None
        if not fra <= verdi <= til:
            raise ValueError(f"Skriv et helt tall fra {fra} til {til}.")
        return verdi

    return les


def _janei(tekst: str) -> bool:
    verdi = tekst.strip().lower()
    if verdi in ("ja", "j", "true", "1", "på", "pa"):
        return True
    if verdi in ("nei", "n", "false", "0", "av"):
        return False
    raise ValueError("Skriv ja eller nei.")


def _sti_eller_tom(mappe: bool) -> Callable[[str], str | None]:
    """A path to an existing file (or folder); empty text goes back to what is shipped."""
    hva = "mappen" if mappe else "filen"

    def les(tekst: str) -> str | None:
        verdi = tekst.strip()
        if not verdi:
            return None
        try:
            sti = utvid(verdi).resolve()
        except UgyldigInndata as feil:  # ~user for a user that does not exist
            raise ValueError(str(feil)) from None
        if not (sti.is_dir() if mappe else sti.is_file()):
            raise ValueError(f"Finner ikke {hva} {sti}.")
        return str(sti)

    return les


def _tekst_eller_tom(tekst: str) -> str | None:
    verdi = " ".join(tekst.split())
    return verdi or None  # empty: not set


SPRAK = ("bokmal", "nynorsk")


def _tjeneste(tekst: str) -> str:
    return les_tjeneste(tekst)


def _sprak(tekst: str) -> str:
    verdi = tekst.strip().lower()
    verdi = {"bokmål": "bokmal", "nb": "bokmal", "nn": "nynorsk"}.get(verdi, verdi)
    if verdi not in SPRAK:
        raise ValueError("Skriv bokmal eller nynorsk.")
    return verdi


@dataclass(frozen=True)
class Innstilling:
    """One setting: its default, how a typed value is read, and a Norwegian description."""

    navn: str
    standard: Any
    les: Callable[[str], Any]
    beskrivelse: str


INNSTILLINGER: dict[str, Innstilling] = {
    i.navn: i
    for i in (
        Innstilling(
            "tjeneste",
            None,
            _tjeneste,
            "Tjenesten registeret hører til: kommune (SP2 og SP3) eller sykehus (SP1). Uten --sp "
            "handler avtal, utsett, avsla, bortfall, samtale, innkalling og brev på tjenestens "
            "første åpne samhandlingspunkt, og forfaller og oversikt viser tjenestens punkter "
            "(alle med --alle). Ikke satt: alle tre, som i et register for begge tjenester.",
        ),
        Innstilling(
            "sp1_uker",
            SP1_UKER_STANDARD,
            _heltall(1, 26),
            "Lengden på vinduet for samhandlingspunkt 1, i uker fra diagnosedatoen. "
            "Gjelder pasienter som registreres etter endringen.",
        ),
        Innstilling(
            "tillat_syntetiske",
            False,
            _janei,
            "Om registeret tar imot syntetiske testnumre (måned + 80, som i Skatteetatens Tenor). "
            "Skal være av i et ekte register.",
        ),
        Innstilling(
            "guide",
            None,
            _sti_eller_tom(mappe=False),
            "Samtaleguiden (YAML) kommunen eller sykehuset bruker. Tom: guiden som følger med.",
        ),
        Innstilling(
            "avsender_navn",
            None,
            _tekst_eller_tom,
            "Avsenderen av brevene: navnet til koordinatoren som skriver under. "
            "Settes enklest med «pakkehjem avsender».",
        ),
        Innstilling(
            "avsender_rolle", None, _tekst_eller_tom, "Avsenderens rolle, for eksempel kreftkoordinator."
        ),
        Innstilling(
            "avsender_tjeneste",
            None,
            _tekst_eller_tom,
            "Tjenesten brevene kommer fra, for eksempel «Kreftkoordinator, Helsehuset, Eksempel kommune».",
        ),
        Innstilling("avsender_telefon", None, _tekst_eller_tom, "Telefonnummeret mottakeren kan ringe."),
        Innstilling(
            "brev_sprak",
            "bokmal",
            _sprak,
            "Språket brevene skrives på når --sprak ikke er oppgitt: bokmal eller nynorsk.",
        ),
        Innstilling(
            "brevmaler",
            None,
            _sti_eller_tom(mappe=True),
            "En mappe med tjenestens egne brevmaler (samme navn som i templates/brev), som brukes "
            "foran malene som følger med. Tom: bare malene som følger med.",
        ),
    )
}


class Innstillinger(TypedDict):
    """Every setting with its value (stored, or the default); `innstillinger --json` prints it.
    The keys are INNSTILLINGER's, in its order (a test holds them equal)."""

    tjeneste: str | None
    sp1_uker: int
    tillat_syntetiske: bool
    guide: str | None
    avsender_navn: str | None
    avsender_rolle: str | None
    avsender_tjeneste: str | None
    avsender_telefon: str | None
    brev_sprak: str
    brevmaler: str | None


def les_verdi(navn: str, tekst: str) -> Any:
    """Read a typed value for a setting; ValueError with a Norwegian message when it is wrong."""
    if navn not in INNSTILLINGER:
        kjente = ", ".join(sorted(INNSTILLINGER))
        raise ValueError(f"Ukjent innstilling «{navn}». Kjente innstillinger: {kjente}.")
    return INNSTILLINGER[navn].les(tekst)


def fra_lagret(lagret: dict[str, str]) -> Innstillinger:
    """All settings, stored values (JSON text) over the defaults."""
    verdier = {navn: i.standard for navn, i in INNSTILLINGER.items()}
    for navn, tekst in lagret.items():
        if navn in verdier:
            verdier[navn] = json.loads(tekst)
    # Each value was read by its setting's own reader when it was stored (les_verdi).
    return cast(Innstillinger, verdier)
