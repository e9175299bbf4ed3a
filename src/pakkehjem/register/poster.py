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
    # The table (not the JSON) adds each answer as text, with the question as it was asked.
    svar_tekst: NotRequired[list[tuple[str, str]]]


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


class Samtykkeutdrag(TypedDict):
    """The consent in force for one kind of recipient, as `vis --json` shows it."""

    svar: str
    dato: str
    kilde: str
    samtale: int | None
    omfang: list[str] | None
    navn: str | None


class Samtykkerad(Samtykkepost):
    """A consent row as the consent rules read it (samtykke.py): the history's row and its row
    id. The row in force for `annen` also holds `navngitte` (the latest row per named recipient,
    by samtykke.navnenokkel) and `uten_navn` (the latest row that names no one)."""

    id: int
    navngitte: NotRequired[dict[str, Samtykkerad]]
    uten_navn: NotRequired[Samtykkerad | None]


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
    samtykke_gjeldende: dict[str, Samtykkeutdrag]
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
    korrigert: NotRequired[Korrigering | None]


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


class Avtale(TypedDict):
    """A booked contact point as the calendar exports it; `avlyst`: a booking called off (then
    the date, time and place it had)."""

    id: int
    pasient_id: int
    navn: str
    koordinator: str | None
    forlop: int
    sp: int
    ansvarlig: str
    dato: str
    klokkeslett: str | None
    sted: str | None
    avlyst: bool


class Oversiktsrader(TypedDict):
    """The overview's counts per coordinator (None: no coordinator), as the store reads them:
    `aktive` (koordinator, active patients); `punkter` (koordinator, overdue, due this week, due
    this month, declined, declined to ask again now, the next ask-again date); `tiltak`
    (koordinator, actions past their deadline); for one coordinator, `avslatt` (pasient_id,
    navn, fnr, forlop, sp, ask-again date)."""

    aktive: list[tuple[str | None, int]]
    punkter: list[tuple[str | None, int, int, int, int, int, str | None]]
    tiltak: list[tuple[str | None, int]]
    avslatt: NotRequired[list[tuple[int, str, str, int, int, str]]]


class Statistikkrader(TypedDict):
    """The statistics' counts by group (the patient's kommune or koordinator; None for the
    totals alone): `punkter` (group, sp, status, held in its window 0/1, month "MM", count);
    `dager` (group, sp, days from diagnosis to held, count); `samtaler` (group, need flagged
    0/1, actions agreed 0/1, patients)."""

    punkter: list[tuple[str | None, int, str, int, str, int]]
    dager: list[tuple[str | None, int, int, int]]
    samtaler: list[tuple[str | None, int, int, int]]


class Korrigering(TypedDict):
    """For an amended conversation: when it was amended (`fullfort` of the new version), and
    when the last letter from an earlier version was written (None if none was)."""

    endret: str | None
    forrige_brev: str | None


class Nestepost(TypedDict):
    """The next open contact point after a conversation is finished (`samtale --json`)."""

    sp: int
    ansvarlig: str
    vindu_fra: str
    vindu_til: str
    status: str
    dato: str | None
    klokkeslett: str | None
    sted: str | None


class Fullfort(TypedDict):
    """A finished conversation: the next open contact point, and whether SP3 ended the episode.
    `endret`: only for an amendment (the point was held already; `neste` is then None)."""

    pasient_id: int
    samtale_id: int
    sp: int
    neste: Nestepost | None
    forlop_fullfort: bool
    endret: NotRequired[bool]


class Lagret(TypedDict):
    """A conversation from an answers file stored and left open (a booklet, then the interview)."""

    pasient_id: int
    samtale_id: int
    sp: int


class Forkastet(TypedDict):
    """A conversation begun by mistake, removed."""

    pasient_id: int
    sp: int


class Avsluttet(TypedDict):
    """An episode ended (`avslutt --json`): what went with it, and the patient as `vis --json`."""

    pasient_id: int
    forlop: int
    grunn: str
    dato: str
    til_kommune: str | None
    bortfalt: list[int]
    tiltak_lukket: int
    samtaler_avbrutt: int
    pasient_avsluttet: bool
    pasient: Pasientpost


class ResidivAvsluttet(TypedDict):
    """The episode a relapse ended, and the contact points that lapsed with it."""

    forlop: int
    bortfalt: list[int]


class Residiv(TypedDict):
    """A relapse (`residiv --json`): the new episode, the one it ended, the patient."""

    pasient_id: int
    forlop: int
    diagnosedato: str
    diagnose: str | None
    avsluttet: ResidivAvsluttet | None
    pasient: Pasientpost


class Mottatt(TypedDict):
    """A handover read in (`motta`): the steps as text, the patient, and whether the bundle was
    new (`ny`) and the patient new (`ny_pasient`)."""

    steg: list[str]
    pasient_id: int
    ny: bool
    ny_pasient: bool


class Brevtiltak(TypedDict):
    """An action from the conversation a letter is made of."""

    id: int
    sporsmal_id: str | None
    hva: str
    ansvarlig: str
    frist: str | None
    status: str


class Meldingstiltak(TypedDict):
    """An open action a message without a conversation lists."""

    id: int
    hva: str
    ansvarlig: str
    frist: str | None


class Brevgrunnlag(TypedDict):
    """What a handover letter is made of (brev.py, overforing.py): the patient as `vis --json`,
    the conversation with its amendment, its actions, and the consent in force per kind."""

    pasient: Pasientpost
    samtale: Samtalepost
    tiltak: list[Brevtiltak]
    samtykke: dict[str, Samtykkerad]


class Meldingsgrunnlag(TypedDict):
    """What a message without a conversation is made of. `punkt_ider`: the contact point's id
    per (episode nr, sp), to record which point a message is about."""

    pasient: Pasientpost
    tiltak: list[Meldingstiltak]
    samtykke: dict[str, Samtykkerad]
    punkt_ider: dict[tuple[int, int], int]


class Innkallingspasient(TypedDict):
    id: int
    navn: str


class Innkallingspunkt(TypedDict):
    id: int
    forlop: int
    sp: int
    ansvarlig: str
    dato: str
    klokkeslett: str | None
    sted: str | None


class Innkallingsgrunnlag(TypedDict):
    """What an invitation letter is made of: the patient's name and the booked contact point."""

    pasient: Innkallingspasient
    punkt: Innkallingspunkt


class Samtykkeregistrert(TypedDict):
    """A consent recorded (`samtykke --json`), with the answer now in force for its kind."""

    pasient_id: int
    mottaker: str
    svar: str
    dato: str
    kilde: str
    omfang: list[str] | None
    navn: str | None
    gjeldende: str
