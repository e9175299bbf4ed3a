"""The interview guide as data: loading and validating it, conditions, and answer values.

Pure logic: no database, no terminal, no clock. The conversation engine (samtale.py), the register
and the CLI call this module; a guide is YAML (templates/samtaleguide.yaml is the default) that a
municipality or hospital may replace with its own, so every check here reports in plain Norwegian,
naming the file and the question. Error messages never repeat an answer's value: answers are what
the patient said, and they must not end up in an error message or a log.
"""

from __future__ import annotations

import functools
import re
import sys
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime
from importlib.resources import files
from pathlib import Path
from typing import Any, NotRequired, TypedDict, TypeGuard

import yaml

from pakkehjem.datoer import norsk_dato, parse_dato

TYPER = ("tekst", "valg", "flervalg", "skala", "janei", "dato", "tiltak")
MOTTAKERE = ("fastlege", "kommune", "sykehus", "nav", "annen")
# Who can be responsible for an action (domain.md), for a guide without its own list
# («tiltak_ansvarlige»): the shipped guide carries the same list. «annen: …» is always offered too.
STANDARD_TILTAK_ANSVARLIGE = (
    "pasienten", "pårørende", "fastlegen", "kommunen", "sykehuset", "NAV", "Kreftforeningen", "LMS",
)  # fmt: skip
ANNEN_ANSVARLIG = "annen"
MAKS_ANSVARLIG = 100
MAKS_TEKST = 10_000
MAKS_GUIDEFIL = 5 * 1024 * 1024
MAKS_TILTAK_TEKST = 1_000
STANDARD_GUIDE = "samtaleguide.yaml (standardguiden)"

_ID = re.compile(r"[a-z][a-z0-9_]*", re.ASCII)
_GUIDE_ID = re.compile(r"[a-z0-9][a-z0-9_.-]*", re.ASCII)
_HELTALL = re.compile(r"[+-]?\d{1,9}", re.ASCII)
_TALL = re.compile(r"\d{1,9}", re.ASCII)

# The C version of PyYAML's safe loader when it is built (50 times faster), else the pure-Python one.
# Both construct only plain data; never yaml.load with a full loader: a guide file is not trusted code.
_SIKKER_LASTER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
# libyaml composes nodes recursively in C: text nested ~30,000 levels deep overflows the C stack and
# kills the process (a segfault, no message), and far less makes its parser slow. Text that might
# nest deeper than this goes to the pure-Python loader, whose recursion Python guards (RecursionError).
_C_MAKS_DYBDE = 2000
# What libyaml's scanner says past its own limit of nesting (1,000 levels).
_LIBYAML_FOR_DYPT = "exceeded maximum nesting depth"

_TOPP_NOKLER = ("id", "tittel", "versjon", "tiltak_ansvarlige", "tema")
_TEMA_NOKLER = ("id", "tittel", "hjelp", "sporsmal", "parorende", "hefte")
_SPORSMAL_NOKLER = (
    "id", "tekst", "type", "hjelp", "pakrevd", "valg", "min", "max", "flagg_fra", "min_tekst",
    "max_tekst", "min_tekst_nn", "max_tekst_nn", "flerlinjet", "vis_hvis", "samtykke", "neste_avtale",
    "samtykke_omfang", "samtykke_navn",
)  # fmt: skip
_TILTAK_NOKLER = ("hva", "ansvarlig", "frist")
# Which optional keys belong to which type: a key on the wrong type is a mistake worth reporting.
_NOKKEL_TYPER = {
    "valg": ("valg", "flervalg"),
    "min": ("skala",),
    "max": ("skala",),
    "flagg_fra": ("skala",),
    "min_tekst": ("skala",),
    "max_tekst": ("skala",),
    "min_tekst_nn": ("skala",),
    "max_tekst_nn": ("skala",),
    "flerlinjet": ("tekst",),
    "samtykke": ("janei",),
    "neste_avtale": ("dato",),
    "samtykke_omfang": ("flervalg",),
    "samtykke_navn": ("tekst",),
}
# The consent kinds a scope or a named recipient belongs to (samtykke.py: outside health care).
_OMFANG_MOTTAKERE = ("nav", "annen")
_NAVN_MOTTAKERE = ("annen",)
_BETINGELSE_TYPER = ("valg", "flervalg", "janei", "skala")


class GuideFeil(ValueError):
    """A guide file that cannot be used; `.feil` lists every problem, each naming file and question."""

    def __init__(self, fil: str, feil: list[str]) -> None:
        self.fil = fil
        self.feil = list(feil)
        super().__init__("\n".join(self.feil))


class UgyldigSvar(ValueError):
    """One answer that does not fit its question; the message says what was expected."""


class UgyldigeSvar(ValueError):
    """An answers file with problems; `.feil` is a list of (question id, message), all of them."""

    def __init__(self, feil: list[tuple[str, str]]) -> None:
        self.feil = list(feil)
        super().__init__("\n".join(f"{sid}: {melding}" for sid, melding in self.feil))


class Betingelse(TypedDict):
    """When a question is asked: the earlier question, and the answer (`er`) or one of the
    answers (`en_av`) it must have had; the values read as that question's answers are."""

    sporsmal: str
    er: NotRequired[Any]
    en_av: NotRequired[list[Any]]


@dataclass(frozen=True)
class Sporsmal:
    """One question. `vis_hvis` is {"sporsmal": ID, "er": V} or {"sporsmal": ID, "en_av": [V, ...]}."""

    id: str
    tekst: str
    type: str
    valg: tuple[str, ...] | None = None
    min: int | None = None
    max: int | None = None
    pakrevd: bool = False
    vis_hvis: Betingelse | None = None
    hjelp: str = ""
    samtykke: str | None = None
    neste_avtale: bool = False
    flagg_fra: int | None = None
    min_tekst: str | None = None
    max_tekst: str | None = None
    # The anchors in nynorsk, for nynorsk letters; without them the bokmål anchors are used.
    min_tekst_nn: str | None = None
    max_tekst_nn: str | None = None
    flerlinjet: bool = False
    # The scope (the themes that may be shared) of the consent to this kind; valg are theme ids.
    samtykke_omfang: str | None = None
    # The recipient the consent to this kind names (annen).
    samtykke_navn: str | None = None

    def ankere(self, sprak: str = "bokmal") -> str | None:
        """A scale's two ends in words, "0 = ingen smerte, 10 = verst tenkelige smerte", in
        nynorsk when `sprak` is "nynorsk" and the guide has the nynorsk anchors."""
        if self.type != "skala" or not (self.min_tekst and self.max_tekst):
            return None
        lav, hoy = self.endene(sprak)
        return f"{self.min} = {lav}, {self.max} = {hoy}"

    def endene(self, sprak: str = "bokmal") -> tuple[str, str]:
        """The words for a scale's low and high end in this language: the nynorsk pair where the
        guide has it, else the bokmål one ("" where the guide has none)."""
        if sprak == "nynorsk" and self.min_tekst_nn and self.max_tekst_nn:
            return self.min_tekst_nn, self.max_tekst_nn
        return self.min_tekst or "", self.max_tekst or ""

    def til_json(self) -> dict[str, Any]:
        """The question as in `guide --json`; type-specific keys only where they apply."""
        ut: dict[str, Any] = {"id": self.id, "tekst": self.tekst, "type": self.type}
        if self.valg is not None:
            ut["valg"] = list(self.valg)
        if self.type == "skala":
            ut["min"] = self.min
            ut["max"] = self.max
            for navn in ("min_tekst", "max_tekst", "min_tekst_nn", "max_tekst_nn", "flagg_fra"):
                if getattr(self, navn) is not None:
                    ut[navn] = getattr(self, navn)
        ut["pakrevd"] = self.pakrevd
        if self.vis_hvis is not None:
            ut["vis_hvis"] = {
                k: (list(v) if isinstance(v, list | tuple) else v) for k, v in self.vis_hvis.items()
            }
        if self.samtykke is not None:
            ut["samtykke"] = self.samtykke
        if self.neste_avtale:
            ut["neste_avtale"] = True
        if self.samtykke_omfang is not None:
            ut["samtykke_omfang"] = self.samtykke_omfang
        if self.samtykke_navn is not None:
            ut["samtykke_navn"] = self.samtykke_navn
        if self.flerlinjet:
            ut["flerlinjet"] = True
        ut["hjelp"] = self.hjelp
        return ut


@dataclass(frozen=True)
class Tema:
    """A theme: a group of questions the coordinator can jump to."""

    id: str
    tittel: str
    hjelp: str
    sporsmal: tuple[Sporsmal, ...]
    # The relative's own needs, not the patient's: kept out of the patient's needs, scores and
    # statistics, and shared in a letter only when the relative agreed in the conversation.
    parorende: bool = False
    # In the pre-visit booklet (`pakkehjem hefte`); false for themes only the coordinator fills in.
    i_hefte: bool = True

    def til_json(self) -> dict[str, Any]:
        """The theme as in `guide --json`."""
        ut: dict[str, Any] = {
            "id": self.id,
            "tittel": self.tittel,
            "hjelp": self.hjelp,
            "sporsmal": [s.til_json() for s in self.sporsmal],
        }
        if self.parorende:
            ut["parorende"] = True
        if not self.i_hefte:
            ut["hefte"] = False
        return ut

    def deling_sporsmal(self) -> Sporsmal | None:
        """In a relatives' theme: the yes/no question where the relative agrees to share (id ends
        with `_deling`)."""
        return next((s for s in self.sporsmal if s.type == "janei" and s.id.endswith("_deling")), None)


@dataclass(frozen=True)
class Guide:
    """A validated guide. `kilde` is the YAML text it came from, to be stored with each conversation."""

    id: str
    tittel: str
    versjon: str
    tema: tuple[Tema, ...]
    kilde: str = field(default="", repr=False, compare=False)
    kilde_navn: str = field(default="", compare=False)
    # Who can be responsible for an action, as the conversation offers them («annen: …» besides).
    tiltak_ansvarlige: tuple[str, ...] = STANDARD_TILTAK_ANSVARLIGE
    _sporsmal: dict[str, Sporsmal] = field(init=False, repr=False, compare=False)
    _tema_for: dict[str, Tema] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Lookups by id are frequent in the conversation loop; build the index once.
        object.__setattr__(self, "_sporsmal", {s.id: s for t in self.tema for s in t.sporsmal})
        object.__setattr__(self, "_tema_for", {s.id: t for t in self.tema for s in t.sporsmal})

    def __contains__(self, sporsmal_id: object) -> bool:
        return sporsmal_id in self._sporsmal

    def sporsmal(self, sporsmal_id: str) -> Sporsmal:
        """The question with this id; KeyError with a Norwegian message when there is none."""
        try:
            return self._sporsmal[sporsmal_id]
        except (KeyError, TypeError):
            raise KeyError(f"Spørsmålet «{sporsmal_id}» finnes ikke i guiden «{self.id}».") from None

    def alle_sporsmal(self) -> list[Sporsmal]:
        """Every question, in guide order."""
        return [s for t in self.tema for s in t.sporsmal]

    def tema_for(self, sporsmal_id: str) -> Tema:
        """The theme a question belongs to."""
        self.sporsmal(sporsmal_id)
        return self._tema_for[sporsmal_id]

    def finn_tema(self, tema_id: str) -> Tema:
        """The theme with this id; KeyError with a Norwegian message when there is none."""
        for t in self.tema:
            if t.id == tema_id:
                return t
        raise KeyError(f"Temaet «{tema_id}» finnes ikke i guiden «{self.id}».")

    def til_json(self) -> dict[str, Any]:
        """`{"id", "tittel", "versjon", "tiltak_ansvarlige", "tema": [...]}` as cli.md describes
        for `guide --json` (with the list of who can be responsible for an action)."""
        return {
            "id": self.id,
            "tittel": self.tittel,
            "versjon": self.versjon,
            "tiltak_ansvarlige": list(self.tiltak_ansvarlige),
            "tema": [t.til_json() for t in self.tema],
        }


# --------------------------------------------------------------------------------------------------
# Loading and validating a guide


def last_guide(sti: Path | str | None = None) -> Guide:
    """Load and validate a guide file; None loads the default guide shipped with the program."""
    navn, tekst, feil = _les_fil(sti)
    if feil:
        raise GuideFeil(navn, feil)
    return fra_tekst(tekst, navn)


def fra_tekst(tekst: str, kilde_navn: str = "<tekst>") -> Guide:
    """Parse and validate guide YAML; GuideFeil lists every problem found.

    The same text read again in one process (a letter for each of many patients, every
    conversation held with the shipped guide) is the same guide: parsing and checking it took
    20 to 40 ms each time. The guide is immutable, and the text itself is the key, so a
    changed file or another stored version is parsed anew; a text with problems is never kept.
    """
    return _gyldig_guide(tekst, kilde_navn)


@functools.lru_cache(maxsize=8)
def _gyldig_guide(tekst: str, kilde_navn: str) -> Guide:
    guide, feil = _tolk(tekst, kilde_navn)
    if feil or guide is None:
        raise GuideFeil(kilde_navn, feil)
    return guide


def valider_fil(sti: Path | str | None) -> list[str]:
    """Every problem in a guide file (an empty list when it is fine); never raises for a bad file."""
    navn, tekst, feil = _les_fil(sti)
    if feil:
        return feil
    return _tolk(tekst, navn)[1]


def _les_fil(sti: Path | str | None) -> tuple[str, str, list[str]]:
    if sti is None:
        ressurs = files("pakkehjem.templates") / "samtaleguide.yaml"
        return STANDARD_GUIDE, ressurs.read_text(encoding="utf-8"), []
    navn = str(sti)
    try:
        # At most MAKS_GUIDEFIL bytes: a guide is a few KB, /dev/zero is endless.
        with open(sti, "rb") as fil:
            data = fil.read(MAKS_GUIDEFIL + 1)
        if len(data) > MAKS_GUIDEFIL:
            storst = f"{MAKS_GUIDEFIL // (1024 * 1024)} MB"
            return navn, "", [f"{navn}: filen er større enn {storst}; en samtaleguide er noen få kB."]
        # utf-8-sig: a guide saved in Notepad starts with a byte order mark.
        return navn, data.decode("utf-8-sig"), []
    except FileNotFoundError:
        return navn, "", [f"{navn}: filen finnes ikke. Sjekk stien til guiden."]
    except IsADirectoryError:
        return navn, "", [f"{navn}: dette er en mappe, ikke en guidefil."]
    except PermissionError:
        return navn, "", [f"{navn}: har ikke lov til å lese filen. Sjekk filrettighetene."]
    except UnicodeDecodeError:
        return navn, "", [f"{navn}: filen er ikke lagret som UTF-8. Lagre den som UTF-8 og prøv igjen."]
    except OSError as e:
        return navn, "", [f"{navn}: kan ikke lese filen ({e.strerror or 'ukjent feil'})."]


def yaml_laster(tekst: str) -> type:
    """The safe loader for this YAML text: the C one, unless the text might nest deep enough to crash it.

    The bound over-counts freely (every [ and {, and per line twice the indentation plus every - ? :);
    the pure-Python loader it falls back to reads the same YAML, only slower, and raises RecursionError
    where the C one would overflow its stack. Text that surely nests too deep for it gets a loader
    that raises that RecursionError at once (see `nestet_for_dypt`).
    """
    if _SIKKER_LASTER is yaml.SafeLoader or (
        tekst.count("[") + tekst.count("{") <= _C_MAKS_DYBDE
        and all(
            2 * (len(linje) - len(linje.lstrip(" "))) + linje.count("-") + linje.count("?") + linje.count(":")
            <= _C_MAKS_DYBDE
            for linje in tekst.split("\n")
        )
    ):
        return _SIKKER_LASTER
    if nestet_for_dypt(tekst):
        return _ForDyptLaster
    return yaml.SafeLoader


def nestet_for_dypt(tekst: str) -> bool:
    """True when the YAML text nests so deep that the pure-Python loader surely ends in RecursionError.

    That loader composes a node in two Python frames per level, so past half the recursion limit
    it cannot finish; but its scanner is slow on deep flow nesting, seconds for `[[[[…` before
    the error. libyaml's event parser does not recurse: it reads the events up to that depth in
    milliseconds. Text it cannot read that far (a syntax error first, or no libyaml) is left to the
    pure loader, whose answer stays what it was.
    """
    if _SIKKER_LASTER is yaml.SafeLoader:
        return False
    grense = sys.getrecursionlimit() // 2
    dybde = 0
    try:
        for hendelse in yaml.parse(tekst, Loader=_SIKKER_LASTER):
            if isinstance(hendelse, yaml.CollectionStartEvent):
                dybde += 1
                if dybde > grense:
                    return True
            elif isinstance(hendelse, yaml.CollectionEndEvent):
                dybde -= 1
    except yaml.MarkedYAMLError as feil:
        # libyaml stops at its own limit of nesting (1,000 levels, deeper than `grense`) while it
        # looks ahead, before it has given those events; that is the same answer.
        return feil.problem == _LIBYAML_FOR_DYPT
    except yaml.YAMLError:
        return False
    return False


class _ForDyptLaster(yaml.SafeLoader):
    """The pure loader's answer to text `nestet_for_dypt` finds, without its seconds of scanning."""

    def __init__(self, stream: object) -> None:
        raise RecursionError("YAML nested deeper than the loader can follow")


def _tolk(tekst: str, navn: str) -> tuple[Guide | None, list[str]]:
    try:
        data = yaml.load(tekst, Loader=yaml_laster(tekst))
    except RecursionError:
        return None, [f"{navn}: filen er nestet for dypt til å være en samtaleguide (lister i lister)."]
    except yaml.MarkedYAMLError as e:
        merke = e.problem_mark or e.context_mark
        linje = f", linje {merke.line + 1}" if merke is not None else ""
        problem = e.problem or e.context or "ukjent feil"
        return None, [
            f"{navn}{linje}: filen er ikke gyldig YAML ({problem}). "
            "Sjekk innrykk, kolon og anførselstegn på og like før denne linjen."
        ]
    except yaml.YAMLError as e:
        return None, [f"{navn}: filen er ikke gyldig YAML ({e})."]
    styretegn = _styretegn(data, navn)
    if styretegn:
        return None, styretegn
    return _Tolker(navn, tekst).guide(data, tekst)


def _styretegn(data: object, navn: str, sti: str = "") -> list[str]:
    """A problem for every text of the guide with a control character (ESC, CSI ...): a guide's
    texts are shown at every coordinator's terminal, so they are refused, not cleaned."""
    from .skjermtekst import feil_i

    if isinstance(data, str):
        feil = feil_i(data, f"{navn}: teksten {sti or 'øverst'}", linjeskift=True)
        return [feil] if feil else []
    ut: list[str] = []
    if isinstance(data, dict):
        for nokkel, verdi in data.items():
            if isinstance(nokkel, str):
                ut += _styretegn(nokkel, navn, f"{sti} (en nøkkel)".strip())
            ut += _styretegn(verdi, navn, f"{sti}.{nokkel}" if sti else str(nokkel))
    elif isinstance(data, list):
        for i, verdi in enumerate(data, 1):
            ut += _styretegn(verdi, navn, f"{sti}[{i}]")
    return ut


def _linjenumre(tekst: str) -> dict[tuple[int, ...], int]:
    """Line numbers of themes (ti,) and questions (ti, si), for messages; composing builds no objects."""
    ut: dict[tuple[int, ...], int] = {}
    try:
        rot = yaml.compose(tekst, Loader=yaml_laster(tekst))
    except (yaml.YAMLError, RecursionError):
        return ut
    if not isinstance(rot, yaml.MappingNode):
        return ut
    for nokkel, verdi in rot.value:
        if nokkel.value != "tema" or not isinstance(verdi, yaml.SequenceNode):
            continue
        for ti, tema_node in enumerate(verdi.value):
            ut[(ti,)] = tema_node.start_mark.line + 1
            if not isinstance(tema_node, yaml.MappingNode):
                continue
            for n2, v2 in tema_node.value:
                if n2.value == "sporsmal" and isinstance(v2, yaml.SequenceNode):
                    for si, sp_node in enumerate(v2.value):
                        ut[(ti, si)] = sp_node.start_mark.line + 1
    return ut


def _er_tekst(verdi: object) -> TypeGuard[str]:
    return isinstance(verdi, str) and verdi.strip() != ""


def _er_heltall(verdi: object) -> TypeGuard[int]:
    return isinstance(verdi, int) and not isinstance(verdi, bool)


class _Tolker:
    """Builds a Guide from parsed YAML, collecting every problem instead of stopping at the first."""

    def __init__(self, navn: str, tekst: str) -> None:
        self.navn = navn
        self.tekst = tekst
        self.linjer: dict[tuple[int, ...], int] | None = None
        self.feil: list[str] = []

    def _sted(self, pos: tuple[int, ...]) -> str:
        if self.linjer is None:
            self.linjer = _linjenumre(self.tekst)  # only when there is something to report
        linje = self.linjer.get(pos)
        return f"{self.navn}, linje {linje}" if linje else self.navn

    def _meld(self, pos: tuple[int, ...], hvem: str, hva: str) -> None:
        self.feil.append(f"{self._sted(pos)}: {hvem}: {hva}")

    def guide(self, data: object, tekst: str) -> tuple[Guide | None, list[str]]:
        if data is None:
            return None, [f"{self.navn}: filen er tom."]
        if not isinstance(data, dict):
            return None, [f"{self.navn}: filen må være en oversikt med nøklene id, tittel, versjon og tema."]
        hvem = "guiden"
        for nokkel in data:
            if nokkel not in _TOPP_NOKLER:
                self._meld((), hvem, f"ukjent nøkkel «{nokkel}». Kjente nøkler: {', '.join(_TOPP_NOKLER)}.")
        gid = data.get("id")
        if not isinstance(gid, str) or not _GUIDE_ID.fullmatch(gid):
            self._meld(
                (), hvem, "mangler gyldig «id» (små bokstaver a-z, tall, _ og -, for eksempel «min-kommune»)."
            )
        if not _er_tekst(data.get("tittel")):
            self._meld((), hvem, "mangler «tittel».")
        versjon = data.get("versjon")
        if isinstance(versjon, int | float) and not isinstance(versjon, bool):
            self._meld((), hvem, 'versjonen må stå i anførselstegn, for eksempel versjon: "1.0".')
        elif not _er_tekst(versjon):
            self._meld((), hvem, 'mangler «versjon», for eksempel versjon: "1.0".')

        ansvarlige = self.ansvarlige(data.get("tiltak_ansvarlige", STANDARD_TILTAK_ANSVARLIGE))
        alle_tema = data.get("tema")
        if not isinstance(alle_tema, list) or not alle_tema:
            self._meld((), hvem, "mangler «tema»: en liste med minst ett tema.")
            return None, self.feil

        # All ids first, so that a condition pointing forward can be told apart from an unknown id.
        self.alle_ider: set[str] = set()
        for t in alle_tema:
            if isinstance(t, dict) and isinstance(t.get("sporsmal"), list):
                self.alle_ider.update(
                    s["id"] for s in t["sporsmal"] if isinstance(s, dict) and isinstance(s.get("id"), str)
                )
        self.sett: dict[str, tuple[str, Sporsmal | None]] = {}  # id -> (theme id, question if valid)
        self.samtykker: dict[str, str] = {}
        self.neste_avtale: str | None = None
        self.omfang_sporsmal: list[tuple[tuple[int, ...], str, object]] = []

        tema_liste: list[Tema] = []
        tema_ider: set[str] = set()
        for ti, t in enumerate(alle_tema):
            bygd = self.tema(ti, t, tema_ider)
            if bygd is not None:
                tema_liste.append(bygd)
        # A consent's scope names themes of this guide (or the diagnosis code), by id.
        for pos, hvem, valg in self.omfang_sporsmal:
            # Only text choices: anything else in «valg» is reported by its own check.
            tekster = [v for v in valg if isinstance(v, str)] if isinstance(valg, list) else []
            ukjente = [v for v in tekster if v not in tema_ider and v != "diagnose"]
            if ukjente:
                self._meld(
                    pos,
                    hvem,
                    "«valg» i et spørsmål med «samtykke_omfang» må være id-er til guidens tema "
                    f"(eller «diagnose»); ukjent: {', '.join(map(str, ukjente))}.",
                )
        if self.feil:
            return None, self.feil
        # Checked above: a missing or wrong id or version is an error, and errors return first.
        assert isinstance(gid, str) and isinstance(versjon, str)
        return (
            Guide(
                id=gid,
                tittel=data["tittel"].strip(),
                versjon=versjon.strip(),
                tema=tuple(tema_liste),
                kilde=tekst,
                kilde_navn=self.navn,
                tiltak_ansvarlige=ansvarlige,
            ),
            [],
        )

    def ansvarlige(self, verdi: object) -> tuple[str, ...]:
        """The guide's list of who can be responsible for an action, checked."""
        hvem = "guiden"
        forklaring = (
            "«tiltak_ansvarlige» må være en liste med hvem som kan ha ansvaret for et tiltak, "
            "for eksempel [pasienten, fastlegen, kommunen]"
        )
        if not isinstance(verdi, list | tuple) or not verdi:
            self._meld((), hvem, forklaring + ".")
            return ()
        ut: list[str] = []
        for nr, navn in enumerate(verdi, 1):
            if not _er_tekst(navn):
                self._meld((), hvem, f"{forklaring}: nr. {nr} er ikke tekst.")
                continue
            navn = " ".join(navn.split())
            if len(navn) > MAKS_ANSVARLIG:
                self._meld((), hvem, f"«tiltak_ansvarlige» nr. {nr} er lenger enn {MAKS_ANSVARLIG} tegn.")
            elif navn.isdigit() or ":" in navn:
                self._meld(
                    (), hvem, f"«tiltak_ansvarlige» nr. {nr} kan ikke være et tall eller ha kolon i seg "
                    "(tall og «annen: …» brukes når ansvarlig velges)."
                )  # fmt: skip
            elif navn.casefold() == ANNEN_ANSVARLIG:
                self._meld(
                    (), hvem, "«tiltak_ansvarlige» skal ikke ha med «annen»: «annen: …» kan alltid velges."
                )  # fmt: skip
            elif navn.casefold() in (a.casefold() for a in ut):
                self._meld((), hvem, f"«tiltak_ansvarlige» har «{navn}» to ganger.")
            else:
                ut.append(navn)
        return tuple(ut)

    def tema(self, ti: int, t: object, tema_ider: set[str]) -> Tema | None:
        pos = (ti,)
        if not isinstance(t, dict):
            self._meld(pos, f"tema nr. {ti + 1}", "må være en oversikt med id, tittel, hjelp og sporsmal.")
            return None
        oppgitt = t.get("id")
        tid = oppgitt if isinstance(oppgitt, str) else ""
        gyldig_id = _ID.fullmatch(tid) is not None
        hvem = f"tema «{tid}»" if gyldig_id else f"tema nr. {ti + 1}"
        if not gyldig_id:
            self._meld(pos, hvem, "mangler gyldig «id» (små bokstaver a-z, tall og _, som «psykisk_helse»).")
        elif tid in tema_ider:
            self._meld(pos, hvem, "finnes to ganger. Hvert tema må ha sin egen id.")
        else:
            tema_ider.add(tid)
        for nokkel in t:
            if nokkel not in _TEMA_NOKLER:
                self._meld(pos, hvem, f"ukjent nøkkel «{nokkel}». Kjente nøkler: {', '.join(_TEMA_NOKLER)}.")
        if not _er_tekst(t.get("tittel")):
            self._meld(pos, hvem, "mangler «tittel».")
        hjelp = t.get("hjelp", "")
        if hjelp is None:
            hjelp = ""
        if not isinstance(hjelp, str):
            self._meld(pos, hvem, "«hjelp» må være tekst.")
        parorende = t.get("parorende", False)
        if not isinstance(parorende, bool):
            self._meld(pos, hvem, "«parorende» må være true eller false.")
        i_hefte = t.get("hefte", True)
        if not isinstance(i_hefte, bool):
            self._meld(pos, hvem, "«hefte» må være true eller false.")
            return None
        sporsmal = t.get("sporsmal")
        if not isinstance(sporsmal, list) or not sporsmal:
            self._meld(pos, hvem, "mangler «sporsmal»: en liste med minst ett spørsmål.")
            return None
        bygde = [self.sporsmal((ti, si), si, s, tid if gyldig_id else hvem) for si, s in enumerate(sporsmal)]
        if not gyldig_id or not _er_tekst(t.get("tittel")) or not isinstance(hjelp, str):
            return None
        if any(b is None for b in bygde):
            return None
        if parorende is True and not any(b.type == "janei" and b.id.endswith("_deling") for b in bygde if b):
            self._meld(
                pos,
                hvem,
                "er et pårørendetema (parorende: true) og må ha et ja/nei-spørsmål med id som slutter "
                "på «_deling», der den pårørende sier om det kan deles i brev.",
            )
            return None
        if not isinstance(parorende, bool):
            return None
        return Tema(
            id=tid,
            tittel=t["tittel"].strip(),
            hjelp=hjelp.strip(),
            sporsmal=tuple(b for b in bygde if b is not None),
            parorende=parorende,
            i_hefte=i_hefte,
        )

    def sporsmal(self, pos: tuple[int, ...], si: int, s: object, tema_navn: str) -> Sporsmal | None:
        if not isinstance(s, dict):
            self._meld(
                pos,
                f"spørsmål nr. {si + 1} i tema «{tema_navn}»",
                "må være en oversikt med id, tekst og type.",
            )
            return None
        oppgitt = s.get("id")
        sid = oppgitt if isinstance(oppgitt, str) else ""
        gyldig_id = _ID.fullmatch(sid) is not None
        hvem = f"spørsmål «{sid}»" if gyldig_id else f"spørsmål nr. {si + 1} i tema «{tema_navn}»"
        antall_feil = len(self.feil)

        def meld(hva: str) -> None:
            self._meld(pos, hvem, hva)

        if not gyldig_id:
            meld("mangler gyldig «id» (små bokstaver a-z, tall og _, som «familie_behov»).")
        elif sid in self.sett:
            meld(
                f"id-en finnes to ganger (også i tema «{self.sett[sid][0]}»). "
                "Hvert spørsmål må ha sin egen id."
            )
        for nokkel in s:
            if nokkel not in _SPORSMAL_NOKLER:
                meld(f"ukjent nøkkel «{nokkel}». Kjente nøkler: {', '.join(_SPORSMAL_NOKLER)}.")
        if not _er_tekst(s.get("tekst")):
            meld("mangler «tekst» (spørsmålet slik det stilles).")
        typ = s.get("type")
        if typ not in TYPER:
            if typ is None:
                meld(f"mangler «type». Bruk en av: {', '.join(TYPER)}.")
            else:
                meld(f"ukjent type «{typ}». Bruk en av: {', '.join(TYPER)}.")
        hjelp = s.get("hjelp", "")
        if hjelp is None:
            hjelp = ""
        if not isinstance(hjelp, str):
            meld("«hjelp» må være tekst.")
        for nokkel in ("pakrevd", "flerlinjet", "neste_avtale"):
            if nokkel in s and not isinstance(s[nokkel], bool):
                meld(f"«{nokkel}» må være true eller false.")
        if typ in TYPER:
            for nokkel, typer in _NOKKEL_TYPER.items():
                if nokkel in s and typ not in typer:
                    meld(f"«{nokkel}» passer bare til type {' og '.join(typer)}, ikke til type «{typ}».")

        valg: tuple[str, ...] | None = None
        if typ in ("valg", "flervalg"):
            valg = self._valg(s.get("valg"), meld)
        lav = hoy = flagg_fra = None
        if typ == "skala":
            lav, hoy, flagg_fra = self._skala(s, meld)
        samtykke = s.get("samtykke")
        if typ == "janei" and "samtykke" in s:
            if samtykke not in MOTTAKERE:
                meld(f"«samtykke» må være en av mottakerne {', '.join(MOTTAKERE)}.")
            elif samtykke in self.samtykker:
                meld(
                    f"samtykke til «{samtykke}» spørres det om allerede i spørsmål "
                    f"«{self.samtykker[samtykke]}»."
                )
            else:
                self.samtykker[samtykke] = sid
        for nokkel, lovlige in (("samtykke_omfang", _OMFANG_MOTTAKERE), ("samtykke_navn", _NAVN_MOTTAKERE)):
            if nokkel in s and s[nokkel] not in lovlige:
                meld(f"«{nokkel}» må være en av {', '.join(lovlige)}.")
        if typ == "flervalg" and "samtykke_omfang" in s:
            self.omfang_sporsmal.append((pos, hvem, s.get("valg")))
        if typ == "dato" and s.get("neste_avtale") is True:
            if self.neste_avtale is not None:
                meld(f"bare ett spørsmål kan ha «neste_avtale»; «{self.neste_avtale}» har det allerede.")
            else:
                self.neste_avtale = sid
        vis_hvis = self._vis_hvis(s["vis_hvis"], sid, meld) if "vis_hvis" in s else None

        if gyldig_id and sid not in self.sett:
            self.sett[sid] = (tema_navn, None)
        if len(self.feil) > antall_feil:
            return None
        assert typ in TYPER  # an unknown type is an error, and errors return above
        bygd = Sporsmal(
            id=sid,
            tekst=s["tekst"].strip(),
            type=typ,
            valg=valg,
            min=lav,
            max=hoy,
            pakrevd=s.get("pakrevd", False),
            vis_hvis=vis_hvis,
            hjelp=hjelp.strip(),
            samtykke=samtykke if typ == "janei" else None,
            neste_avtale=s.get("neste_avtale", False),
            flagg_fra=flagg_fra,
            min_tekst=s.get("min_tekst"),
            max_tekst=s.get("max_tekst"),
            min_tekst_nn=s.get("min_tekst_nn"),
            max_tekst_nn=s.get("max_tekst_nn"),
            flerlinjet=s.get("flerlinjet", False),
            samtykke_omfang=s.get("samtykke_omfang") if typ == "flervalg" else None,
            samtykke_navn=s.get("samtykke_navn") if typ == "tekst" else None,
        )
        self.sett[sid] = (tema_navn, bygd)
        return bygd

    @staticmethod
    def _valg(valg: object, meld: Any) -> tuple[str, ...] | None:
        if not isinstance(valg, list) or not valg:
            meld("mangler «valg»: en liste med minst ett valg, for eksempel valg: [ja, nei, vet ikke].")
            return None
        ut: list[str] = []
        sett: set[str] = set()
        for nr, v in enumerate(valg, start=1):
            if not _er_tekst(v):
                # yes/no/on/off without quotes become true/false in YAML: say so.
                meld(f'valg nr. {nr} må være tekst. Sett valget i anførselstegn, for eksempel "nei".')
                continue
            nokkel = _fold(v)
            if nokkel in sett:
                meld(f"valget «{v.strip()}» står to ganger (store og små bokstaver regnes likt).")
                continue
            sett.add(nokkel)
            ut.append(unicodedata.normalize("NFC", v.strip()))
        return tuple(ut)

    @staticmethod
    def _skala(s: dict[str, Any], meld: Any) -> tuple[int | None, int | None, int | None]:
        lav, hoy, flagg_fra = s.get("min"), s.get("max"), s.get("flagg_fra")
        if not _er_heltall(lav) or not _er_heltall(hoy):
            meld("en skala må ha «min» og «max» som hele tall, for eksempel min: 0 og max: 10.")
            return None, None, None
        if lav >= hoy:
            meld(f"«min» ({lav}) må være mindre enn «max» ({hoy}).")
        if flagg_fra is not None and (not _er_heltall(flagg_fra) or not lav <= flagg_fra <= hoy):
            meld(f"«flagg_fra» må være et helt tall fra {lav} til {hoy}.")
        # A score without its direction misleads: 7 of 10 reads as good appetite to a GP
        # when 0 is "normal matlyst". Both ends are required, and every letter prints them.
        for nokkel, ende in (("min_tekst", lav), ("max_tekst", hoy)):
            if nokkel not in s:
                meld(
                    f"en skala må ha «{nokkel}»: ordene for hva {ende} betyr, for eksempel "
                    f'{nokkel}: "{"ingen smerte" if nokkel == "min_tekst" else "verst tenkelige smerte"}".'
                )
            elif not _er_tekst(s[nokkel]):
                meld(f"«{nokkel}» må være tekst.")
        # The nynorsk anchors are optional, but come in pairs: a letter shows both ends in one language.
        nynorsk = [n for n in ("min_tekst_nn", "max_tekst_nn") if n in s]
        for nokkel in nynorsk:
            if not _er_tekst(s[nokkel]):
                meld(f"«{nokkel}» må være tekst.")
        if len(nynorsk) == 1:
            mangler = "max_tekst_nn" if nynorsk[0] == "min_tekst_nn" else "min_tekst_nn"
            meld(f"«{nynorsk[0]}» må ha «{mangler}» med seg: begge endene av skalaen på nynorsk.")
        return lav, hoy, flagg_fra

    def _vis_hvis(self, betingelse: object, sid: object, meld: Any) -> Betingelse | None:
        forklaring = "Skriv vis_hvis: {sporsmal: ID, er: VERDI} eller {sporsmal: ID, en_av: [VERDI, ...]}."
        if not isinstance(betingelse, dict):
            meld(f"«vis_hvis» må være en oversikt. {forklaring}")
            return None
        ukjente = [k for k in betingelse if k not in ("sporsmal", "er", "en_av")]
        if ukjente:
            meld(f"«vis_hvis» har ukjent nøkkel «{ukjente[0]}». {forklaring}")
            return None
        if ("er" in betingelse) == ("en_av" in betingelse):
            meld(f"«vis_hvis» må ha enten «er» eller «en_av», ikke begge eller ingen. {forklaring}")
            return None
        ref = betingelse.get("sporsmal")
        if not isinstance(ref, str):
            meld(f"«vis_hvis» mangler «sporsmal». {forklaring}")
            return None
        if ref == sid:
            meld(
                "«vis_hvis» viser til spørsmålet selv. Et spørsmål kan bare avhenge av et tidligere spørsmål."
            )
            return None
        if ref not in self.sett:
            if ref in self.alle_ider:
                meld(
                    f"«vis_hvis» viser til «{ref}», som kommer senere i guiden. "
                    "Et spørsmål kan bare avhenge av et tidligere spørsmål."
                )
            else:
                meld(f"«vis_hvis» viser til spørsmålet «{ref}», som ikke finnes i guiden.")
            return None
        forrige = self.sett[ref][1]
        if forrige is None:
            return None  # the earlier question has its own error already
        if forrige.type not in _BETINGELSE_TYPER:
            meld(
                f"«vis_hvis» kan bare avhenge av spørsmål av type {', '.join(_BETINGELSE_TYPER)}; "
                f"«{ref}» er av type «{forrige.type}»."
            )
            return None
        if "er" in betingelse:
            verdier = [betingelse["er"]]
        else:
            verdier = betingelse["en_av"]
            if not isinstance(verdier, list) or not verdier:
                meld("«en_av» i «vis_hvis» må være en liste med minst én verdi.")
                return None
        normert = []
        for v in verdier:
            try:
                normert.append(_betingelsesverdi(forrige, v))
            except UgyldigSvar as e:
                meld(f"«vis_hvis» har en verdi som ikke passer til spørsmålet «{ref}»: {e}")
                return None
        if "er" in betingelse:
            return {"sporsmal": ref, "er": normert[0]}
        return {"sporsmal": ref, "en_av": normert}


def _betingelsesverdi(sporsmal: Sporsmal, verdi: object) -> Any:
    # For a multiple-choice question a condition names one of its choices, not a list.
    if sporsmal.type == "flervalg":
        return _valg_verdi(sporsmal, verdi)
    return valider_verdi(sporsmal, verdi)


# --------------------------------------------------------------------------------------------------
# Conditions


def _lik(a: object, b: object) -> bool:
    # True == 1 in Python; a yes/no answer must not satisfy a condition on the number 1.
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    return a == b


def er_synlig(sporsmal: Sporsmal, svar: dict[str, Any]) -> bool:
    """Whether the question is asked given these answers; unanswered or skipped means not shown.

    Checks the question's own condition only; pass `gjeldende_svar(guide, svar)` to make a chain of
    conditions count (a follow-up of a hidden question is hidden too).
    """
    if sporsmal.vis_hvis is None:
        return True
    verdi = svar.get(sporsmal.vis_hvis["sporsmal"])
    if verdi is None:
        return False
    onsket = [sporsmal.vis_hvis["er"]] if "er" in sporsmal.vis_hvis else list(sporsmal.vis_hvis["en_av"])
    if isinstance(verdi, list | tuple):
        return any(_lik(v, o) for v in verdi for o in onsket)
    return any(_lik(verdi, o) for o in onsket)


def gjeldende_svar(guide: Guide, svar: dict[str, Any]) -> dict[str, Any]:
    """The answers that count, in guide order: those to questions still shown given earlier answers.

    An answer left behind after going back and changing an earlier answer drops out here.
    """
    ut: dict[str, Any] = {}
    for s in guide.alle_sporsmal():
        if svar.get(s.id) is not None and er_synlig(s, ut):
            ut[s.id] = svar[s.id]
    return ut


def synlige_sporsmal(guide: Guide, svar: dict[str, Any]) -> list[Sporsmal]:
    """The questions to ask given these answers, in guide order."""
    gjeldende = gjeldende_svar(guide, svar)
    return [s for s in guide.alle_sporsmal() if er_synlig(s, gjeldende)]


def beskriv_betingelse(sporsmal: Sporsmal) -> str:
    """The condition in words, for help texts and messages: «familie_behov» er «behov»."""
    if sporsmal.vis_hvis is None:
        return ""
    ref = sporsmal.vis_hvis["sporsmal"]
    verdier = [sporsmal.vis_hvis["er"]] if "er" in sporsmal.vis_hvis else sporsmal.vis_hvis["en_av"]
    ord_ = [("ja" if v else "nei") if isinstance(v, bool) else f"«{v}»" for v in verdier]
    if len(ord_) == 1:
        return f"«{ref}» er besvart med {ord_[0]}"
    return f"«{ref}» er besvart med en av {', '.join(ord_)}"


# --------------------------------------------------------------------------------------------------
# Answer values


def _fold(tekst: str) -> str:
    """A matching key: case-insensitive, æøå as ae/o/a, spaces and punctuation as _ ("ikke_aktuelt")."""
    t = unicodedata.normalize("NFC", tekst).casefold()
    t = t.replace("æ", "ae").replace("ø", "o").replace("å", "a")
    return re.sub(r"[\W_]+", "_", t).strip("_")


def _tekst_verdi(verdi: object, maks: int = MAKS_TEKST) -> str:
    if not isinstance(verdi, str):
        raise UgyldigSvar("Forventet tekst.")
    tekst = unicodedata.normalize("NFC", verdi.replace("\r\n", "\n").replace("\r", "\n")).strip()
    if not tekst:
        raise UgyldigSvar("Svaret er tomt. Skriv en tekst, eller hopp over spørsmålet.")
    for tegn in tekst:
        # Control characters and lone surrogates cannot be printed or stored safely.
        if tegn not in "\n\t" and unicodedata.category(tegn) in ("Cc", "Cs"):
            raise UgyldigSvar("Teksten inneholder usynlige kontrolltegn. Skriv teksten på nytt uten dem.")
    if len(tekst) > maks:
        raise UgyldigSvar(f"Teksten er for lang: høyst {maks} tegn.")
    return tekst


def _valg_liste(sporsmal: Sporsmal) -> str:
    return ", ".join(sporsmal.valg or ())


def _valg_verdi(sporsmal: Sporsmal, verdi: object) -> str:
    valg = sporsmal.valg or ()
    if isinstance(verdi, str):
        if verdi in valg:
            return verdi
        nokkel = _fold(verdi)
        for v in valg:
            if nokkel and _fold(v) == nokkel:
                return v
    raise UgyldigSvar(f"Forventet ett av valgene: {_valg_liste(sporsmal)}.")


def _flervalg_verdi(sporsmal: Sporsmal, verdi: object) -> list[str]:
    if not isinstance(verdi, list | tuple):
        raise UgyldigSvar(f"Forventet en liste med ett eller flere av valgene: {_valg_liste(sporsmal)}.")
    if not verdi:
        raise UgyldigSvar("Listen er tom. Velg minst ett valg, eller hopp over spørsmålet.")
    valgt: list[str] = []
    for nr, v in enumerate(verdi, start=1):
        try:
            riktig = _valg_verdi(sporsmal, v)
        except UgyldigSvar:
            raise UgyldigSvar(f"Valg nr. {nr} er ikke ett av valgene: {_valg_liste(sporsmal)}.") from None
        if riktig in valgt:
            raise UgyldigSvar(f"«{riktig}» er valgt to ganger. Velg hvert valg bare én gang.")
        valgt.append(riktig)
    # Stored in the guide's order, so that the same choices always look the same.
    return [v for v in (sporsmal.valg or ()) if v in valgt]


def _skala_verdi(sporsmal: Sporsmal, verdi: object) -> int:
    lav, hoy = sporsmal.min, sporsmal.max
    forventet = f"Forventet et helt tall fra {lav} til {hoy}."
    if isinstance(verdi, bool):
        raise UgyldigSvar(forventet)
    if isinstance(verdi, float) and verdi.is_integer():
        verdi = int(verdi)
    elif isinstance(verdi, str) and _HELTALL.fullmatch(verdi.strip()):
        verdi = int(verdi.strip())  # "7" from a YAML or JSON answers file
    if not isinstance(verdi, int):
        raise UgyldigSvar(forventet)
    if lav is None or hoy is None or not lav <= verdi <= hoy:
        raise UgyldigSvar(f"Tallet må være fra {lav} til {hoy}.")
    return verdi


def _janei_verdi(verdi: object) -> bool:
    if isinstance(verdi, bool):
        return verdi
    if isinstance(verdi, str):
        ordet = verdi.strip().casefold()
        if ordet == "ja":
            return True
        if ordet == "nei":
            return False
    raise UgyldigSvar("Forventet ja eller nei (true eller false).")


def _dato_verdi(verdi: object) -> str:
    forventet = "Forventet en dato som ÅÅÅÅ-MM-DD eller DD.MM.ÅÅÅÅ, for eksempel 2026-11-23 eller 23.11.2026."
    if isinstance(verdi, datetime):
        raise UgyldigSvar(f"{forventet} Skriv datoen uten klokkeslett.")
    if isinstance(verdi, date):
        dato = verdi  # YAML reads an unquoted 2026-11-23 as a date
    elif isinstance(verdi, str):
        try:
            dato = parse_dato(verdi)
        except ValueError as e:
            # parse_dato's message repeats the input; say it again without it.
            if "kalenderen" in str(e):
                raise UgyldigSvar("Datoen finnes ikke i kalenderen. Sjekk dag og måned.") from None
            raise UgyldigSvar(forventet) from None
    else:
        raise UgyldigSvar(forventet)
    if not 1900 <= dato.year <= 2200:
        raise UgyldigSvar(f"Året ser ikke riktig ut. {forventet}")
    return dato.isoformat()


class Svartiltak(TypedDict):
    """One agreed action of a `tiltak` answer, as stored in the answer and in the actions
    table: what, who, and by when (ISO date, or None)."""

    hva: str
    ansvarlig: str
    frist: str | None


class Samtykkeomfang(TypedDict):
    """What a conversation's yes to a consent covers: the themes chosen (None when the guide
    does not ask) and the recipient named (None when none is)."""

    omfang: list[str] | None
    navn: str | None


def lag_tiltak(hva: object, ansvarlig: object, frist: object = None) -> Svartiltak:
    """One agreed action, validated: {"hva", "ansvarlig", "frist" (ISO date or None)}."""
    # A missing field reads better as "mangler" than as "forventet tekst".
    if hva is None:
        raise UgyldigSvar("«hva» mangler. Skriv hva som skal gjøres.")
    if ansvarlig is None:
        raise UgyldigSvar(
            "«ansvarlig» mangler. Skriv hvem som har ansvaret, for eksempel pasienten eller fastlegen."
        )
    try:
        hva_tekst = _tekst_verdi(hva, MAKS_TILTAK_TEKST)
    except UgyldigSvar as e:
        raise UgyldigSvar(f"«hva»: {e} Skriv hva som skal gjøres.") from None
    try:
        ansvarlig_tekst = _tekst_verdi(ansvarlig, MAKS_TILTAK_TEKST)
    except UgyldigSvar as e:
        raise UgyldigSvar(
            f"«ansvarlig»: {e} Skriv hvem som har ansvaret, "
            "for eksempel pasienten, fastlegen eller hjemmetjenesten."
        ) from None
    if frist is None or (isinstance(frist, str) and not frist.strip()):
        frist_iso = None
    else:
        try:
            frist_iso = _dato_verdi(frist)
        except UgyldigSvar as e:
            raise UgyldigSvar(f"«frist»: {e} Fristen kan også stå tom.") from None
    return {"hva": hva_tekst, "ansvarlig": ansvarlig_tekst, "frist": frist_iso}


def kjent_ansvarlig(tekst: str, ansvarlige: tuple[str, ...] | Any) -> str | None:
    """The name in the guide's list of who can be responsible that this text is (any case and
    spacing), spelled as the guide spells it; None when it is none of them."""
    nokkel = " ".join(tekst.split()).casefold()
    return next((a for a in ansvarlige if a.casefold() == nokkel), None)


def _tiltak_verdi(verdi: object) -> list[Svartiltak]:
    forventet = "Forventet en liste med tiltak, hvert med «hva», «ansvarlig» og eventuelt «frist»."
    if not isinstance(verdi, list | tuple):
        raise UgyldigSvar(forventet)
    ut = []
    for nr, t in enumerate(verdi, start=1):
        if not isinstance(t, dict):
            raise UgyldigSvar(f"Tiltak nr. {nr}: {forventet}")
        ukjente = [str(k) for k in t if k not in _TILTAK_NOKLER]
        if ukjente:
            raise UgyldigSvar(
                f"Tiltak nr. {nr} har ukjent nøkkel «{ukjente[0]}». Bruk hva, ansvarlig og frist."
            )
        try:
            ut.append(lag_tiltak(t.get("hva"), t.get("ansvarlig"), t.get("frist")))
        except UgyldigSvar as e:
            raise UgyldigSvar(f"Tiltak nr. {nr}, {e}") from None
    return ut


def valider_verdi(sporsmal: Sporsmal, verdi: object) -> Any:
    """The answer normalised for storage, or UgyldigSvar saying what the question expects.

    tekst -> str (stripped), valg -> the choice as the guide spells it, flervalg -> list in guide
    order, skala -> int, janei -> bool, dato -> "YYYY-MM-DD", tiltak -> list of {hva, ansvarlig, frist}.
    """
    if verdi is None:
        raise UgyldigSvar(f"Mangler svar. {beskriv_forventet(sporsmal)}")
    match sporsmal.type:
        case "tekst":
            return _tekst_verdi(verdi)
        case "valg":
            return _valg_verdi(sporsmal, verdi)
        case "flervalg":
            return _flervalg_verdi(sporsmal, verdi)
        case "skala":
            return _skala_verdi(sporsmal, verdi)
        case "janei":
            return _janei_verdi(verdi)
        case "dato":
            return _dato_verdi(verdi)
        case "tiltak":
            return _tiltak_verdi(verdi)
    raise UgyldigSvar(f"Ukjent spørsmålstype «{sporsmal.type}».")


def beskriv_forventet(sporsmal: Sporsmal) -> str:
    """What to type at the terminal for this question, in one sentence."""
    match sporsmal.type:
        case "valg":
            return f"Skriv et tall fra 1 til {len(sporsmal.valg or ())} eller ordet for valget."
        case "flervalg":
            return "Skriv ett eller flere tall eller ord, skilt med komma, for eksempel 1,3."
        case "skala":
            tekst = f"Skriv et helt tall fra {sporsmal.min} til {sporsmal.max}."
            if sporsmal.min_tekst and sporsmal.max_tekst:
                tekst += f" {sporsmal.min} er {sporsmal.min_tekst}, {sporsmal.max} er {sporsmal.max_tekst}."
            return tekst
        case "janei":
            return "Skriv ja (j) eller nei (n)."
        case "dato":
            return "Skriv datoen som ÅÅÅÅ-MM-DD eller DD.MM.ÅÅÅÅ."
        case "tiltak":
            return "Skriv hva; hvem som har ansvaret; frist (fristen kan utelates)."
    return "Skriv svaret med egne ord."


def _les_valg(sporsmal: Sporsmal, tekst: str) -> str:
    valg = sporsmal.valg or ()
    hint = beskriv_forventet(sporsmal)
    for v in valg:
        if v.casefold() == tekst.casefold():
            return v  # an exact word wins over a number, for guides whose choices are numbers
    if _TALL.fullmatch(tekst):
        nr = int(tekst)
        if 1 <= nr <= len(valg):
            return valg[nr - 1]
        raise UgyldigSvar(f"Det finnes ikke noe valg med det nummeret. {hint}")
    nokkel = _fold(tekst)
    if nokkel:
        for v in valg:
            if _fold(v) == nokkel:
                return v
        treff = [v for v in valg if _fold(v).startswith(nokkel)]
        if len(treff) == 1:
            return treff[0]
        if len(treff) > 1:
            raise UgyldigSvar(
                f"Det du skrev passer til flere valg: {', '.join(treff)}. Skriv mer av ordet, eller nummeret."
            )
    raise UgyldigSvar(f"Det er ikke et av valgene ({', '.join(valg)}). {hint}")


def les_tekst(sporsmal: Sporsmal, tekst: str) -> Any:
    """Read what a coordinator typed at the terminal into a normalised value, or UgyldigSvar.

    Choices by number (1-based) or by word (a unique beginning is enough), several choices with
    commas ("1,3"), ja/j/nei/n, dates in both forms, an action as "hva; ansvarlig; frist".
    The caller handles the words for skipping and going back before calling this.
    """
    if not isinstance(tekst, str):
        raise UgyldigSvar(beskriv_forventet(sporsmal))
    if sporsmal.type == "tekst":
        return _tekst_verdi(tekst)
    ren = tekst.strip()
    if not ren:
        raise UgyldigSvar(f"Du skrev ingenting. {beskriv_forventet(sporsmal)}")
    match sporsmal.type:
        case "valg":
            return _les_valg(sporsmal, ren)
        case "flervalg":
            deler = [d.strip() for d in ren.split(",")]
            if len(deler) == 1 and re.fullmatch(r"\d+(\s+\d+)+", ren, re.ASCII):
                deler = ren.split()  # "1 3" means the same as "1,3"
            if any(not d for d in deler):
                raise UgyldigSvar(f"Et av valgene er tomt. {beskriv_forventet(sporsmal)}")
            return _flervalg_verdi(sporsmal, [_les_valg(sporsmal, d) for d in deler])
        case "skala":
            if not _HELTALL.fullmatch(ren):
                raise UgyldigSvar(beskriv_forventet(sporsmal))
            return _skala_verdi(sporsmal, int(ren))
        case "janei":
            ordet = ren.casefold()
            if ordet in ("ja", "j"):
                return True
            if ordet in ("nei", "n"):
                return False
            raise UgyldigSvar(beskriv_forventet(sporsmal))
        case "dato":
            return _dato_verdi(ren)
        case "tiltak":
            deler = [d.strip() for d in ren.split(";")]
            if len(deler) not in (2, 3):
                raise UgyldigSvar(beskriv_forventet(sporsmal))
            return [lag_tiltak(*deler)]
    return valider_verdi(sporsmal, ren)


def vis_verdi(sporsmal: Sporsmal, verdi: Any, sprak: str = "bokmal") -> str:
    """A stored answer as a person reads it: ja/nei, Norwegian dates, lists joined, a score
    with its anchors (in nynorsk for a nynorsk letter)."""
    if verdi is None:
        return ""
    match sporsmal.type:
        case "janei":
            return "ja" if verdi else "nei"
        case "dato":
            return norsk_dato(date.fromisoformat(verdi))
        case "flervalg":
            return ", ".join(verdi)
        case "tiltak":
            linjer = []
            for t in verdi:
                frist = f", innen {norsk_dato(date.fromisoformat(t['frist']))}" if t.get("frist") else ""
                linjer.append(f"{t['hva']} (ansvarlig: {t['ansvarlig']}{frist})")
            return "; ".join(linjer)
        case "skala" if isinstance(verdi, int):
            ankere = sporsmal.ankere(sprak)
            return f"{verdi} av {sporsmal.max}" + (f" ({ankere})" if ankere else "")
    return str(verdi)


# --------------------------------------------------------------------------------------------------
# A whole set of answers


def valider_svarsett(guide: Guide, svar: object) -> dict[str, Any]:
    """Validate an answers file (`samtale --svar`): the normalised answers in guide order.

    Collects every problem: unknown question ids, values that do not fit, and answers to questions
    whose condition is false given the other answers. A null value means unanswered.
    Raises UgyldigeSvar with `.feil` as [(question id, message), ...].
    """
    if not isinstance(svar, dict):
        raise UgyldigeSvar([("", "Svarfilen må inneholde en oversikt fra spørsmåls-id til svar.")])
    feil: list[tuple[str, str]] = []
    for sid in svar:
        if not isinstance(sid, str) or sid not in guide:
            feil.append(
                (str(sid), f"Ukjent spørsmål: guiden «{guide.id}» versjon {guide.versjon} har ingen slik id.")
            )
    gyldige: dict[str, Any] = {}
    feil_verdi: set[str] = set()
    for s in guide.alle_sporsmal():
        if svar.get(s.id) is None:
            continue
        try:
            verdi = valider_verdi(s, svar[s.id])
        except UgyldigSvar as e:
            feil.append((s.id, str(e)))
            feil_verdi.add(s.id)
            continue
        if s.vis_hvis is not None and s.vis_hvis["sporsmal"] in feil_verdi:
            # Whether it is shown depends on an answer that is wrong itself: one error is enough.
            feil_verdi.add(s.id)
            continue
        if not er_synlig(s, gyldige):
            feil.append(
                (
                    s.id,
                    f"Spørsmålet stilles bare når {beskriv_betingelse(s)}, og det stemmer ikke med de "
                    "andre svarene. Fjern dette svaret, eller rett det andre.",
                )
            )
            continue
        if s.type == "tiltak":
            # A name from the guide's list is stored as the guide spells it («Fastlegen», «nav»),
            # as the conversation stores it; anyone else stays in the file's own words.
            for t in verdi:
                t["ansvarlig"] = kjent_ansvarlig(t["ansvarlig"], guide.tiltak_ansvarlige) or t["ansvarlig"]
        gyldige[s.id] = verdi
    if feil:
        raise UgyldigeSvar(feil)
    return gyldige


def _besvart(verdi: Any) -> bool:
    return verdi is not None and verdi != "" and verdi != []


def mangler_pakrevd(guide: Guide, svar: dict[str, Any]) -> list[str]:
    """Ids of required questions that are shown given the answers but have no answer."""
    gjeldende = gjeldende_svar(guide, svar)
    return [
        s.id
        for s in guide.alle_sporsmal()
        if s.pakrevd and er_synlig(s, gjeldende) and not _besvart(gjeldende.get(s.id))
    ]


def flagg(guide: Guide, svar: dict[str, Any]) -> list[str]:
    """Ids of scale questions whose answer reaches their `flagg_fra` (strain 4 or more, say)."""
    gjeldende = gjeldende_svar(guide, svar)
    ut = []
    for s in guide.alle_sporsmal():
        verdi = gjeldende.get(s.id)
        if s.type == "skala" and s.flagg_fra is not None and _er_heltall(verdi) and verdi >= s.flagg_fra:
            ut.append(s.id)
    return ut


def samtykker(guide: Guide, svar: dict[str, Any]) -> dict[str, bool]:
    """Consent answers by recipient kind ({"fastlege": True, "nav": False}); unanswered left out."""
    gjeldende = gjeldende_svar(guide, svar)
    return {
        s.samtykke: gjeldende[s.id]
        for s in guide.alle_sporsmal()
        if s.samtykke is not None and isinstance(gjeldende.get(s.id), bool)
    }


def samtykke_omfang(guide: Guide, svar: dict[str, Any]) -> dict[str, Samtykkeomfang]:
    """Per consent kind answered yes: the scope chosen (theme ids, or None when the guide does
    not ask) and the recipient named (or None). {"nav": {"omfang": ["jobb"], "navn": None}}"""
    gjeldende = gjeldende_svar(guide, svar)
    ut: dict[str, Samtykkeomfang] = {
        art: {"omfang": None, "navn": None} for art, ja in samtykker(guide, svar).items() if ja
    }
    for s in guide.alle_sporsmal():
        if s.samtykke_omfang in ut and isinstance(gjeldende.get(s.id), list):
            ut[s.samtykke_omfang]["omfang"] = list(gjeldende[s.id])
        if s.samtykke_navn in ut and isinstance(gjeldende.get(s.id), str) and gjeldende[s.id].strip():
            ut[s.samtykke_navn]["navn"] = " ".join(gjeldende[s.id].split())
    return ut


def neste_avtale(guide: Guide, svar: dict[str, Any]) -> str | None:
    """The booked date of the next contact point (ISO), from the question marked `neste_avtale`."""
    gjeldende = gjeldende_svar(guide, svar)
    for s in guide.alle_sporsmal():
        if s.neste_avtale and gjeldende.get(s.id) is not None:
            return str(gjeldende[s.id])  # a date answer: ISO text
    return None


def tema_fremdrift(guide: Guide, svar: dict[str, Any]) -> dict[str, tuple[int, int]]:
    """Per theme id: (answered, shown) questions given the answers, for the theme menu."""
    gjeldende = gjeldende_svar(guide, svar)
    ut = {}
    for t in guide.tema:
        synlige = [s for s in t.sporsmal if er_synlig(s, gjeldende)]
        ut[t.id] = (sum(1 for s in synlige if _besvart(gjeldende.get(s.id))), len(synlige))
    return ut
