"""Data in (`importer`): a coordinator's existing spreadsheet, saved as CSV.

- Columns are found by their header, whatever the case, spaces, punctuation or æøå, with the
  common Norwegian variants (`HEADERS`); a note in brackets is ignored, so
  "Diagnosedato (dd.mm.åååå)" is the diagnosis date. Separate first and last name columns
  are joined.
- Commas, semicolons (Excel in Norway) or tabs; UTF-8 with or without a byte order mark, or
  Windows-1252 (what Excel's "CSV (semikolondelt)" writes).
- Every row is checked first, by the same rules as `ny-pasient` (fødselsnummer, name, dates,
  ICD-10 code), and for a fødselsnummer twice in the file or already in the register. A
  fødselsnummer of 10 digits gets back the leading zero a spreadsheet took off. Every
  error names its line and column. Nothing is written while any row is wrong, unless the bad
  rows are to be skipped; the import is one transaction: all of it or nothing.
- Each patient gets episode 1 and its three contact points from `regler.nye_punkter`, the
  same rows `ny-pasient` makes.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from . import datoregler
from . import fnr as fnr_regler
from .datoer import norsk_dato, parse_dato, tidspunkt_utc
from .feil import UgyldigInndata
from .norsk import antall as antall_ord
from .register import Register
from .regler import normaliser_diagnose, nye_punkter
from .skjermtekst import forste_styretegn

# Field -> header variants, written as `_nokkel` leaves them (lower case a-z and digits).
HEADERS: dict[str, tuple[str, ...]] = {
    "fnr": (
        "fodselsnummer", "fnr", "fodselsnr", "personnummer", "personnr", "pnr", "persnr",
        "fodselsnummerdnummer", "fnrdnr", "idnummer",
    ),
    "navn": ("navn", "pasientnavn", "pasient", "fulltnavn", "name"),
    "fornavn": ("fornavn",),
    "etternavn": ("etternavn",),
    "diagnosedato": (
        "diagnosedato", "diagnosedatoen", "datodiagnose", "diagnosetidspunkt", "datofordiagnose",
        "diagnostisert", "diagnosedatodiagnosedag",
    ),
    "diagnose": ("diagnose", "icd10", "icd", "icd10kode", "diagnosekode", "diagnosekodeicd10"),
    "kommune": ("kommune", "bostedskommune", "hjemkommune"),
    "fastlege": ("fastlege", "lege", "fastlegenavn"),
    "koordinator": ("koordinator", "kreftkoordinator", "ansvarligkoordinator", "forlopskoordinator"),
    "telefon": ("telefon", "tlf", "telefonnummer", "tlfnr", "mobil", "mobilnummer", "mobiltelefon"),
}  # fmt: skip
# What the people reading a message call each field.
FELTNAVN = {
    "fnr": "fødselsnummer",
    "navn": "navn",
    "fornavn": "fornavn",
    "etternavn": "etternavn",
    "diagnosedato": "diagnosedato",
    "diagnose": "diagnose",
    "kommune": "kommune",
    "fastlege": "fastlege",
    "koordinator": "koordinator",
    "telefon": "telefon",
}
PAKREVD = ("fnr", "navn", "diagnosedato")
_VARIANT = {variant: felt for felt, varianter in HEADERS.items() for variant in varianter}
_PARENTES = re.compile(r"\([^)]*\)|\[[^]]*\]")
_OMSKRIV = str.maketrans({"æ": "ae", "ø": "o", "å": "a", "ä": "a", "ö": "o", "ü": "u", "é": "e"})

BUNKE = 500  # rows per step of the progress bar and per duplicate lookup


def _nokkel(overskrift: str) -> str:
    """A header as compared: `Fødselsnr.` -> `fodselsnr`, `Diagnosedato (dd.mm.åååå)` -> `diagnosedato`."""
    tekst = _PARENTES.sub("", overskrift).strip().lower().translate(_OMSKRIV)
    tekst = unicodedata.normalize("NFKD", tekst)
    return "".join(c for c in tekst if c.isascii() and c.isalnum())


def _celle(verdi: str | None) -> str:
    """A cell as typed: trimmed, with the apostrophe `eksport` puts before a formula removed."""
    tekst = (verdi or "").strip()
    if len(tekst) > 1 and tekst[0] == "'" and tekst[1] in "=+-@\t\r":
        tekst = tekst[1:]
    return tekst


@dataclass(frozen=True)
class Radfeil:
    """One error: the line in the file, the column (its number from 1, and the field it was
    read as), and the rule that was broken. Never a cell's content nor a header as written:
    in a patient file either can be patient data."""

    linje: int
    kolonne: int | None
    felt: str
    melding: str

    def tekst(self) -> str:
        """`Linje 4, kolonne 1 (fødselsnummer): ...`"""
        hvor = f"kolonne {self.kolonne} ({FELTNAVN[self.felt]})" if self.kolonne else FELTNAVN[self.felt]
        return f"Linje {self.linje}, {hvor}: {self.melding}"

    def til_json(self) -> dict[str, Any]:
        return {"linje": self.linje, "kolonne": self.kolonne, "felt": self.felt, "melding": self.melding}


@dataclass
class Rad:
    """A checked row, ready to insert."""

    linje: int
    fnr: str
    navn: str
    fodselsdato: date
    diagnosedato: date
    diagnose: str | None
    kommune: str | None
    fastlege: str | None
    koordinator: str | None
    telefon: str | None


@dataclass
class Resultat:
    """What an import did (or, with `proving`, would do)."""

    rader: int = 0
    gyldige: int = 0
    importert: int = 0
    hoppet_over: int = 0
    proving: bool = False
    feil: list[Radfeil] = field(default_factory=list)
    forste_id: int | None = None
    siste_id: int | None = None
    ubrukte_kolonner: list[str] = field(default_factory=list)
    kolonner: dict[str, str] = field(default_factory=dict)  # field -> header as written
    koding: str = "utf-8"
    skilletegn: str = ","

    def til_json(self) -> dict[str, Any]:
        return {
            "rader": self.rader,
            "gyldige": self.gyldige,
            "importert": self.importert,
            "hoppet_over": self.hoppet_over,
            "proving": self.proving,
            "pasienter": (
                {"fra": self.forste_id, "til": self.siste_id} if self.forste_id is not None else None
            ),
            "kolonner": self.kolonner,
            "ubrukte_kolonner": self.ubrukte_kolonner,
            "koding": self.koding,
            "skilletegn": self.skilletegn,
            "feil": [f.til_json() for f in self.feil],
        }


class Importfeil(UgyldigInndata):
    """Rows with errors and nothing imported (exit 2); `resultat.feil` lists every error."""

    def __init__(self, melding: str, resultat: Resultat):
        super().__init__(melding)
        self.resultat = resultat


# --- reading the file ------------------------------------------------------------------


# A spreadsheet of every patient a service has ever had is a few MB; /dev/zero is endless.
MAKS_BYTE = 100 * 1024 * 1024
TEGNSETT = {"utf-8": "utf-8", "utf8": "utf-8", "cp1252": "windows-1252", "windows-1252": "windows-1252"}
# Names and the other text columns: longer than this is not a name (a 130 KB one was taken once).
FELT_MAKS = 200


def _les_tekst(sti: Path, tegnsett: str = "utf-8") -> tuple[str, str]:
    """The file's text and its encoding: UTF-8 (byte order mark or not), or Windows-1252 when
    asked for. A UTF-8 file with an invalid byte is refused with the line and column of the
    first one: read as Windows-1252 it would store «Ã˜ystein» for every Øystein in the file."""
    from .filer import les_begrenset

    koding = TEGNSETT.get(tegnsett.strip().lower())
    if koding is None:
        raise UgyldigInndata(f"--tegnsett {tegnsett}: velg utf-8 eller cp1252.")
    data = les_begrenset(sti, MAKS_BYTE, "CSV-filen")
    if koding == "windows-1252":
        try:
            return data.decode("cp1252"), koding
        except UnicodeDecodeError:
            raise UgyldigInndata(
                f"{sti} er ikke en tekstfil i Windows-1252 (cp1252). Lagre regnearket som "
                "«CSV UTF-8 (kommadelt)» og prøv igjen uten --tegnsett."
            ) from None
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError as feil:
        linje = data.count(b"\n", 0, feil.start) + 1
        start = data.rfind(b"\n", 0, feil.start) + 1
        # The column in characters, counted on the valid UTF-8 before the bad byte.
        kolonne = len(data[start : feil.start].decode("utf-8-sig", errors="replace")) + 1
        raise UgyldigInndata(
            f"Linje {linje}, tegn {kolonne}: filen er ikke gyldig UTF-8 (en byte som ikke hører "
            "hjemme i UTF-8). Ingenting er importert. Lagre regnearket som «CSV UTF-8 (kommadelt)», "
            "eller oppgi --tegnsett cp1252 hvis hele filen er lagret i Windows-1252."
        ) from None


def _skilletegn(forste_linje: str) -> str:
    """The separator the header line uses most: semicolon, comma or tab."""
    return max((";", ",", "\t"), key=lambda tegn: (forste_linje.count(tegn), tegn == ";"))


def les_fil(sti: Path, tegnsett: str = "utf-8") -> tuple[list[str], list[tuple[int, list[str]]], str, str]:
    """The header, the rows with their line numbers, the encoding and the separator.

    Blank lines and rows with every cell empty are left out.
    """
    tekst, koding = _les_tekst(sti, tegnsett)
    if not tekst.strip():
        raise UgyldigInndata(
            f"Filen {sti} er tom. Ingenting er importert. Lagre regnearket som CSV med én "
            "overskriftsrad (fødselsnummer, navn, diagnosedato ...) og én rad per pasient."
        )
    linjer = tekst.splitlines(keepends=True)
    forste = next(linje for linje in linjer if linje.strip())
    skille = _skilletegn(forste)
    leser = csv.reader(linjer, delimiter=skille, strict=True)
    overskrift: list[str] | None = None
    rader: list[tuple[int, list[str]]] = []
    start = 1
    try:
        for rad in leser:
            linje = start
            start = leser.line_num + 1
            if not any(c.strip() for c in rad):
                continue
            if overskrift is None:
                overskrift = rad
            else:
                rader.append((linje, rad))
    except csv.Error:
        raise UgyldigInndata(
            f"Linje {start}: filen kan ikke leses som CSV (et anførselstegn som ikke er lukket?). "
            "Ingenting er importert."
        ) from None
    if overskrift is None:  # only empty cells, such as a line of "" or ;;;
        raise UgyldigInndata(
            f"Filen {sti} har ingen overskriftsrad, bare tomme celler. Ingenting er importert. Lagre "
            "regnearket som CSV med én overskriftsrad (fødselsnummer, navn, diagnosedato ...)."
        )
    return overskrift, rader, koding, skille


def finn_kolonner(overskrift: list[str]) -> tuple[dict[str, int], list[str]]:
    """Field -> column index, and the headers that are not used; UgyldigInndata when a
    required column is missing or a field has two columns."""
    kolonner: dict[str, int] = {}
    ubrukte: list[str] = []
    for i, navn in enumerate(overskrift):
        felt = _VARIANT.get(_nokkel(navn))
        if felt is None:
            if navn.strip():
                ubrukte.append(navn.strip())
            continue
        if felt in kolonner:
            raise UgyldigInndata(
                f"Kolonne {kolonner[felt] + 1} og {i + 1} er begge {FELTNAVN[felt]}. Fjern eller gi "
                "nytt navn til den ene. Ingenting er importert."
            )
        kolonner[felt] = i
    har_navn = "navn" in kolonner or ("fornavn" in kolonner and "etternavn" in kolonner)
    mangler = [FELTNAVN[f] for f in PAKREVD if f not in kolonner and not (f == "navn" and har_navn)]
    if mangler:
        # The first row is not echoed: in a file without a header row it is a patient.
        raise UgyldigInndata(
            f"Fant ingen kolonne for {' og '.join(mangler)} i første rad "
            f"({antall_ord(len(overskrift), 'kolonne')}). "
            "Første rad må være overskrifter; kjente navn er for eksempel fødselsnummer (fnr, "
            "personnummer), navn, diagnosedato, diagnose (ICD-10), kommune, fastlege, koordinator og "
            "telefon. Ingenting er importert."
        )
    return kolonner, ubrukte


# --- checking ---------------------------------------------------------------------------


def _sjekk_rad(
    linje: int,
    celler: list[str],
    kolonner: dict[str, int],
    overskrift: list[str],
    idag: date,
    tillat_syntetiske: bool,
) -> tuple[Rad | None, list[Radfeil], str | None]:
    """One row by the rules of `ny-pasient`; every error in the row, not only the first.

    Also returns the fødselsnummer when it is valid, even if another column is wrong, so a
    number twice in the file is found whatever else is wrong on the first of the lines."""

    feil: list[Radfeil] = []

    def rad_feil(felt: str, melding: str) -> None:
        i = kolonner.get(felt)
        feil.append(Radfeil(linje, None if i is None else i + 1, felt, melding))

    def verdi(felt: str) -> str:
        i = kolonner.get(felt)
        return _celle(celler[i]) if i is not None and i < len(celler) else ""

    uleselige: set[str] = set()
    for felt in kolonner:
        tekst = verdi(felt)
        grunn = None
        if (tegn := forste_styretegn(tekst)) is not None:
            grunn = f"Cellen inneholder et styretegn ({tegn}). Fjern det i regnearket."
        elif len(tekst) > FELT_MAKS:
            grunn = f"Cellen er for lang ({len(tekst)} tegn; høyst {FELT_MAKS})."
        if grunn:
            rad_feil(felt, grunn)
            uleselige.add(felt)

    nummer = None
    tekst = verdi("fnr")
    if "fnr" in uleselige:
        pass
    elif not tekst:
        rad_feil("fnr", "Mangler fødselsnummer.")
    else:
        if len(renset := fnr_regler.normaliser(tekst)) == 10 and renset.isascii() and renset.isdigit():
            # A spreadsheet that took the number for a number dropped the leading zero of
            # everyone born on the 1st to the 9th; the check digits still have to match.
            tekst = "0" + renset
        try:
            nummer = fnr_regler.valider(tekst, idag, tillat_syntetiske)
        except fnr_regler.UgyldigFnr as e:
            rad_feil("fnr", f"Ugyldig fødselsnummer: {e}")
    navn = (
        verdi("navn")
        if "navn" in kolonner
        else " ".join(d for d in (verdi("fornavn"), verdi("etternavn")) if d)
    )
    navn = " ".join(navn.split())
    if uleselige & {"navn", "fornavn", "etternavn"}:
        pass
    elif not navn:
        rad_feil("navn" if "navn" in kolonner else "fornavn", "Navnet mangler.")
    elif len(navn) > FELT_MAKS:
        felt = "navn" if "navn" in kolonner else "fornavn"
        rad_feil(felt, f"Navnet er for langt (høyst {FELT_MAKS} tegn).")
    diagnosedato = None
    tekst = verdi("diagnosedato")
    if "diagnosedato" in uleselige:
        pass
    elif not tekst:
        rad_feil("diagnosedato", "Mangler diagnosedato.")
    else:
        # The messages name the rule, never the date: it is patient data.
        try:
            diagnosedato = parse_dato(tekst, ekko=False)
        except ValueError as e:
            rad_feil("diagnosedato", str(e))
        if diagnosedato is not None:
            # The same rule as ny-pasient (datoregler), worded without the date.
            fodt = nummer.fodselsdato if nummer is not None else date.min
            brudd = datoregler.diagnosedato(diagnosedato, fodt, idag, vis_dato=False)
            if brudd:
                rad_feil("diagnosedato", brudd)
        if feil and feil[-1].felt == "diagnosedato":
            diagnosedato = None
    diagnose = None
    if "diagnose" not in uleselige:
        try:
            diagnose = normaliser_diagnose(verdi("diagnose"))
        except UgyldigInndata as e:
            rad_feil("diagnose", str(e))
    if feil:
        return None, feil, nummer.nummer if nummer is not None else None
    assert nummer is not None and diagnosedato is not None
    return (
        Rad(
            linje=linje,
            fnr=nummer.nummer,
            navn=navn,
            fodselsdato=nummer.fodselsdato,
            diagnosedato=diagnosedato,
            diagnose=diagnose,
            kommune=verdi("kommune") or None,
            fastlege=verdi("fastlege") or None,
            koordinator=verdi("koordinator") or None,
            telefon=verdi("telefon") or None,
        ),
        [],
        nummer.nummer,
    )


# --- the import -------------------------------------------------------------------------


def importer(
    register: Register,
    sti: Path,
    idag: date,
    *,
    proving: bool = False,
    hopp_over_feil: bool = False,
    fremdrift: Callable[[int, int], None] | None = None,
    tegnsett: str = "utf-8",
) -> Resultat:
    """Check every row, then insert the good ones in one transaction (none with `proving`).

    `fremdrift(done, total)` is called as the rows are checked and written. Raises
    Importfeil (exit 2, nothing written) when a row is wrong and `hopp_over_feil` is off.
    """
    overskrift, rader, koding, skille = les_fil(sti, tegnsett)
    kolonner, ubrukte = finn_kolonner(overskrift)
    resultat = Resultat(
        rader=len(rader),
        proving=proving,
        ubrukte_kolonner=ubrukte,
        kolonner={f: overskrift[i].strip() for f, i in kolonner.items()},
        koding=koding,
        skilletegn={";": "semikolon", ",": "komma", "\t": "tabulator"}[skille],
    )
    if not rader:
        raise UgyldigInndata(
            f"Filen {sti} har bare overskriftsraden, ingen pasienter. Ingenting er importert."
        )
    innst = register.innstillinger()
    totalt = len(rader) * (1 if proving else 2)
    gode: list[Rad] = []
    forst_sett: dict[str, int] = {}
    for nr, (linje, celler) in enumerate(rader, 1):
        rad, feil, nummer = _sjekk_rad(linje, celler, kolonner, overskrift, idag, innst["tillat_syntetiske"])
        if nummer is not None and nummer in forst_sett:
            feil.insert(
                0,
                Radfeil(linje, kolonner["fnr"] + 1, "fnr", _samme_som(forst_sett[nummer])),
            )
            rad = None
        elif nummer is not None:
            forst_sett[nummer] = linje
        resultat.feil += feil
        if rad is not None:
            gode.append(rad)
        if fremdrift and nr % BUNKE == 0:
            fremdrift(nr, totalt)

    stopp = False
    with register.transaksjon():
        # Already registered: looked up by the file's own numbers only, and access-logged.
        finnes = register.mengde.registrerte_blant([r.fnr for r in gode], "importer-kontroll")
        if finnes:
            for rad in gode:
                if rad.fnr in finnes:
                    resultat.feil.append(
                        Radfeil(
                            rad.linje,
                            kolonner["fnr"] + 1,
                            "fnr",
                            f"Fødselsnummeret er allerede registrert, som pasient nr. {finnes[rad.fnr]}.",
                        )
                    )
            gode = [r for r in gode if r.fnr not in finnes]
        resultat.feil.sort(key=lambda f: (f.linje, f.kolonne or 0))
        resultat.gyldige = len(gode)
        resultat.hoppet_over = len({f.linje for f in resultat.feil})
        # On errors (without --hopp-over-feil) and with --proving nothing is written, but the
        # transaction still commits: the access log of the lookup above must be kept.
        stopp = bool(resultat.feil and not hopp_over_feil)
        if not stopp and not proving and gode:
            _legg_inn(register, gode, innst["sp1_uker"], resultat, fremdrift, len(rader))
    if stopp:
        raise Importfeil(_feilmelding(resultat, sti), resultat)
    if fremdrift:
        fremdrift(totalt, totalt)
    return resultat


def _samme_som(linje: int) -> str:
    return f"Samme fødselsnummer som på linje {linje}."


def _legg_inn(
    register: Register,
    gode: list[Rad],
    sp1_uker: int,
    resultat: Resultat,
    fremdrift: Callable[[int, int], None] | None,
    antall_rader: int,
) -> None:
    """Insert the checked rows in the running transaction, in batches (executemany)."""
    opprettet = tidspunkt_utc()
    pasient_id = register.mengde.neste_id("pasient")
    forlop_id = register.mengde.neste_id("forlop")
    resultat.forste_id = pasient_id
    for start in range(0, len(gode), BUNKE):
        pasienter, forlop_rader, punkter, hendelser = [], [], [], []
        for rad in gode[start : start + BUNKE]:
            pasienter.append(
                (
                    pasient_id, rad.fnr, rad.navn, rad.fodselsdato.isoformat(), rad.kommune,
                    rad.fastlege, rad.koordinator, rad.telefon, "aktiv", opprettet,
                )
            )  # fmt: skip
            forlop_rader.append(
                (forlop_id, pasient_id, 1, rad.diagnosedato.isoformat(), rad.diagnose, "aktiv", None, None)
            )
            punkter += nye_punkter(forlop_id, rad.diagnosedato, sp1_uker)
            hendelser.append(
                (
                    pasient_id,
                    1,
                    None,
                    "registrert",
                    f"Importert fra regneark, diagnosedato {norsk_dato(rad.diagnosedato)}.",
                )
            )
            pasient_id += 1
            forlop_id += 1
        register.mengde.legg_inn_mange(pasienter, forlop_rader, punkter, hendelser, "importer")
        resultat.importert += len(pasienter)
        if fremdrift:
            fremdrift(antall_rader + start + len(pasienter), 2 * antall_rader)
    resultat.siste_id = pasient_id - 1
    if fremdrift:
        fremdrift(2 * antall_rader, 2 * antall_rader)


def _feilmelding(resultat: Resultat, sti: Path) -> str:
    antall = len({f.linje for f in resultat.feil})
    linjer = [
        f"{antall} av {antall_ord(resultat.rader, 'rad')} i {sti.name} har feil. Ingenting er importert.",
        *(f"  {f.tekst()}" for f in resultat.feil),
        "Rett radene i regnearket og prøv igjen, eller importer bare de gyldige radene med --hopp-over-feil.",
    ]
    return "\n".join(linjer)
