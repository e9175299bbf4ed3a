"""The records the store hands out, typed: each is the shape `--json` prints (cli.md), so a
row goes straight out as JSON and a renamed key is a type error, not a silent change in
`visning`, `brev` or a template. The key order is the JSON's order."""

from __future__ import annotations

from datetime import date
from typing import Any, NotRequired, TypedDict


class Punktpost(TypedDict):
    """A contact point of an episode in `vis --json`."""

    sp: int
    ansvarlig: str
    vindu_fra: str
    vindu_til: str
    status: str
    dato: str | None
    klokkeslett: str | None
    sted: str | None
    grunn: str | None
    holdt_av: str | None
    sammendrag: str | None
    tilstand: str | None


class Forlopspost(TypedDict):
    """An episode in `vis --json`, with its contact points."""

    nr: int
    diagnosedato: str
    diagnose: str | None
    status: str
    avsluttet_dato: str | None
    avsluttet_grunn: str | None
    til_kommune: str | None
    samhandlingspunkter: list[Punktpost]


class Samtalesammendrag(TypedDict):
    """A conversation as `vis --json` lists it: its answers, and the revisions around it."""

    id: int
    forlop: int
    sp: int
    dato: str
    status: str
    guide_ref: int
    svar: dict[str, Any]
    erstatter: NotRequired[int | None]
    erstattet_av: NotRequired[int | None]


class Tiltakspost(TypedDict):
    """An action in `vis --json`."""

    id: int
    hva: str
    ansvarlig: str
    frist: str | None
    status: str
    utfort_dato: str | None
    samtale: int | None
    lukket_grunn: str | None


class Samtykkepost(TypedDict):
    """A consent row in `vis --json` (the history: every row, oldest first)."""

    mottaker: str
    svar: str
    dato: str
    kilde: str
    samtale: int | None
    registrert: str
    omfang: list[str] | None
    navn: str | None


class Brevpost(TypedDict):
    """A letter written, in `vis --json`."""

    id: int
    skrevet: str
    mottaker: str
    mottaker_navn: str | None
    samtale: int | None
    format: str
    sprak: str
    sha256: str
    fil: str | None
    bruker: str
    art: str


class Hendelsespost(TypedDict):
    """A line of the patient's timeline."""

    tid: str
    bruker: str
    forlop_nr: int | None
    sp: int | None
    type: str
    tekst: str


class Pasientpost(TypedDict):
    """One patient, whole: the shape of `vis --json`. `handlet_sp`: the contact point a
    command just changed (the commands that change one add it)."""

    id: int
    fnr: str
    navn: str
    fodselsdato: str
    kommune: str | None
    fastlege: str | None
    koordinator: str | None
    telefon: str | None
    status: str
    forlop: list[Forlopspost]
    samtaler: list[Samtalesammendrag]
    tiltak: list[Tiltakspost]
    samtykke: list[Samtykkepost]
    samtykke_gjeldende: dict[str, dict[str, Any]]
    brev: list[Brevpost]
    hendelser: list[Hendelsespost]
    handlet_sp: NotRequired[int]


class Nestepunkt(TypedDict):
    """The next open contact point of a patient in the patient list."""

    sp: int
    status: str
    dato: str | None
    vindu_fra: str
    vindu_til: str
    tilstand: str | None


class Pasientrad(TypedDict):
    """A row of the patient list (`pasienter --json`); the fødselsnummer masked."""

    pasient_id: int
    navn: str
    fnr: str
    kommune: str | None
    koordinator: str | None
    status: str
    forlop: int | None
    diagnosedato: str | None
    diagnose: str | None
    neste: Nestepunkt | None


class Arbeidslisterad(TypedDict):
    """A row of the work list (`forfaller --json`); the fødselsnummer masked."""

    pasient_id: int
    navn: str
    fnr: str
    kommune: str | None
    koordinator: str | None
    forlop: int
    sp: int
    ansvarlig: str
    vindu_fra: str
    vindu_til: str
    status: str
    dato: str | None
    klokkeslett: str | None
    sted: str | None
    tilstand: str | None


class Samtalepost(TypedDict):
    """A conversation as the interview works with it: where it stands, its answers and drafts.
    `ny`: started by this call; `korrigert`: for a letter, when an amended one was changed."""

    erstatter: int | None
    utkast: dict[str, str]
    id: int
    pasient_id: int
    guide_ref: int
    dato: str
    status: str
    forlop: int
    sp: int
    vindu_fra: str
    vindu_til: str
    navn: str
    startet: str
    fullfort: str | None
    svar: dict[str, Any]
    hoppet_over: list[str]
    ny: NotRequired[bool]
    korrigert: NotRequired[dict[str, Any] | None]


class Treff(TypedDict):
    """A patient found by name (`finn --json`); the fødselsnummer masked."""

    pasient_id: int
    navn: str
    fnr: str
    kommune: str | None
    koordinator: str | None
    status: str


class Tiltaksrad(TypedDict):
    """An open action in the list across patients (`tiltak --json`); the fødselsnummer masked.
    `forfalt`: its deadline has passed."""

    id: int
    pasient_id: int
    navn: str
    fnr: str
    koordinator: str | None
    hva: str
    ansvarlig: str
    frist: str | None
    samtale: int | None
    forfalt: bool


class NyPasient(TypedDict):
    """What `ny-pasient` registers: the number, the name and the diagnosis date are required."""

    fnr: str
    navn: str
    diagnosedato: date
    diagnose: NotRequired[str | None]
    kommune: NotRequired[str | None]
    fastlege: NotRequired[str | None]
    koordinator: NotRequired[str | None]
    telefon: NotRequired[str | None]
