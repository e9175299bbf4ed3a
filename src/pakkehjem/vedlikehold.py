"""Looking after the register: the access log shown, an online backup, the integrity check.

- `tilgangslogg`: who looked at which patient, when and how (Normen, fact sheet 15). Reading
  a patient's log is itself logged, in the same transaction.
- `sikkerhetskopi`: SQLite's own copy of the register into a new file created with mode 0600
  (`register.drift.kopier_til`). It reads one consistent snapshot while other users go on
  writing (WAL), and the copy is integrity-checked before the command says it is done.
- `sjekk`: SQLite's integrity and foreign-key checks, the schema version, the append-only
  triggers of the logs and the file's mode (the statements are in `register.drift`). It opens
  the file without creating or migrating anything.
"""

from __future__ import annotations

import contextlib
import os
from datetime import date
from pathlib import Path
from typing import Any, NotRequired, TypedDict

from . import fnr as fnr_regler
from . import nokkel as nokler
from .datoer import dag_start_utc, neste_dag_start_utc, norsk_dato
from .feil import Avvist, FeilNokkel, PakkehjemFeil, UgyldigInndata
from .filer import (
    Meldinger,
    finn_databasefil,
    lag_midlertidig,
    registerfil_problem,
    rydd_rester,
    sjekk_ny_fil,
    utvid,
)
from .norsk import antall
from .register import MIGRASJONER, Register, drift, motor

# The access log's action codes in words, for people (JSON keeps the codes).
HANDLING_TEKST = {
    "ny-pasient": "registrerte pasienten",
    "vis": "så på pasienten",
    "vis-ny": "så på pasienten (etter registrering)",
    "endre": "endret kontaktopplysninger",
    "pasienter": "så pasientlisten",
    "forfaller": "så arbeidslisten",
    "sp-avtalt": "avtalte samtale",
    "sp-utsatt": "utsatte samtale",
    "sp-avslatt": "registrerte at pasienten takket nei",
    "sp-bortfalt": "satte samhandlingspunkt som bortfalt",
    "sp-holdt": "registrerte samhandlingspunkt som holdt av annen tjeneste",
    "korriger": "rettet diagnosedato, diagnose eller fødselsnummer",
    "gjenapne": "åpnet et lukket samhandlingspunkt igjen",
    "finn": "fant pasienten i et navnesøk",
    "samtale": "åpnet kartleggingssamtalen",
    "samtale-svar": "lagret svar i samtalen",
    "samtale-utkast": "lagret utkast til et svar i samtalen",
    "samtale-forkast": "forkastet en tom samtale",
    "samtale-endre": "åpnet en fullført samtale for endring",
    "samtale-svarfil": "lagret samtale fra svarfil",
    "samtale-fullfort": "fullførte samtalen",
    "samtale-angre": "angret et svar i samtalen",
    "samtale-på-nytt": "begynte samtalen på nytt",
    "samtykke": "registrerte samtykke",
    "brev": "leste grunnlaget for et brev",
    "tiltak": "så tiltakslisten",
    "tiltak-utfort": "markerte tiltak som utført",
    "eksempeldata": "la inn eksempeldata",
    "avslutt": "avsluttet forløpet",
    "residiv": "registrerte residiv",
    "kalender": "eksporterte avtaler til kalender",
    "logg": "så tilgangsloggen",
    "oversikt": "så oversikten over hvem som har takket nei",
    "innkalling": "leste grunnlaget for en innkalling",
    "innkalling-pasient": "skrev innkalling til pasienten",
    "eksport": "eksporterte pasientens opplysninger",
    "importer": "importerte pasienten fra et regneark",
    "importer-kontroll": "så etter pasienten under import (fødselsnummeret var registrert)",
    "motta": "leste inn en overføring fra en annen tjeneste",
    "motta-vis": "så hva en overføring fra en annen tjeneste ville endre",
}
# Messages without a conversation (`brev --melding`), logged as "<art>-<mottaker>".
MELDING_TEKST = {
    "avslag": "melding om avslag",
    "flytting": "melding om flytting",
    "avsluttet": "melding om avslutning",
}


def handling_tekst(kode: str) -> str:
    """An access-log action in words; unknown codes as they are."""
    if kode in HANDLING_TEKST:
        return HANDLING_TEKST[kode]
    if kode.startswith("brev-"):
        return f"skrev brev til {kode[5:]}"
    art, _, mottaker = kode.partition("-")
    if art in MELDING_TEKST and mottaker:
        return f"skrev {MELDING_TEKST[art]} til {mottaker}"
    return kode


# --- the access log ----------------------------------------------------------------------


class Loggrad(TypedDict):
    """A row of the access log as `logg --json` shows it; the fødselsnummer masked."""

    id: int
    tid: str
    bruker: str
    pasient_id: int | None
    navn: str | None
    fnr: str | None
    handling: str
    beskrivelse: str


class Kopiresultat(TypedDict):
    """A backup written and checked (`sikkerhetskopi --json`)."""

    integritet: str
    skjemaversjon: int
    pasienter: int
    fil: NotRequired[str]
    storrelse: NotRequired[int]


class Nokkelbrudd(TypedDict):
    """A row that points to a row that does not exist."""

    tabell: str
    rad: int | None
    forelder: str


class Sjekkresultat(TypedDict):
    """The integrity check (`sjekk --json`): `ok` is False and `problemer` says why when not fine."""

    fil: str
    ok: bool
    integritet: list[str]
    fremmednokler: list[Nokkelbrudd]
    skjemaversjon: int | None
    forventet_skjemaversjon: int
    problemer: list[str]
    merknader: list[str]
    kryptert: bool
    skrivebeskyttet: bool


def tilgangslogg(
    register: Register,
    ref: str | None = None,
    *,
    fra: date | None = None,
    til: date | None = None,
    bruker: str | None = None,
    grense: int | None = None,
) -> tuple[int | None, list[Loggrad]]:
    """(the patient's number or None, access-log rows oldest first), for one patient or all,
    filtered by period and user.

    `fra`/`til` are whole days (inclusive); `grense` keeps the newest N rows. The patients
    shown are logged as `logg` (this reading is not in its own answer: it is written last).
    Fødselsnumre are masked.
    """
    if fra and til and til < fra:
        raise UgyldigInndata("--til ligger før --fra.")
    if grense is not None and grense < 1:
        raise UgyldigInndata("--grense må være minst 1.")
    # Whole local days, as the UTC times they span.
    pasient_id, rader = drift.les_tilgangslogg(
        register,
        ref,
        fra_utc=dag_start_utc(fra) if fra else None,
        til_utc=neste_dag_start_utc(til) if til else None,
        bruker=bruker.strip() if bruker else None,
        grense=grense,
    )
    return pasient_id, [
        {
            "id": lid,
            "tid": tid,
            "bruker": hvem,
            "pasient_id": pid,
            "navn": navn,
            "fnr": fnr_regler.masker(nummer) if nummer else None,
            "handling": handling,
            "beskrivelse": handling_tekst(handling),
        }
        for lid, tid, hvem, pid, navn, nummer, handling in rader
    ]


# --- backup ------------------------------------------------------------------------------


_KOPIMELDINGER = Meldinger(
    mappe="{sti} er en mappe. Oppgi et filnavn for sikkerhetskopien.",
    finnes="Filen {sti} finnes fra før. En sikkerhetskopi skrives aldri over; velg et nytt filnavn.",
)


def sikkerhetskopi(register: Register, mal: Path) -> Kopiresultat:
    """A consistent copy of the open register in a NEW file `mal` (mode 0600), then checked.

    Refused (exit 1) when `mal` exists; a copy that fails its check is removed. The copy is
    written under a hidden name in the same folder and takes its own name only once checked:
    a run that dies half-way (kill -9, power cut) leaves no file that looks like a finished
    backup, nor one that stops the same command from being run again.
    """
    mal = utvid(mal)
    sjekk_ny_fil(mal, meldinger=_KOPIMELDINGER)
    rydd_rester(mal.parent)
    try:
        # Created empty with 0600 first: SQLite's copy fills an empty file and keeps its mode.
        # The name says which process writes it, so a later run can tell a dead one's leftovers.
        arbeid = lag_midlertidig(mal.parent)
    except OSError as feil:
        raise PakkehjemFeil(f"Kan ikke opprette {mal} ({feil.strerror}).") from None
    try:
        try:
            drift.kopier_til(register, arbeid)
        except motor.Error as feil:
            if motor.er_opptatt(feil):
                raise PakkehjemFeil(
                    "Databasen var opptatt for lenge; sikkerhetskopien ble ikke tatt. Prøv igjen."
                ) from None
            raise PakkehjemFeil(f"Sikkerhetskopien mislyktes ({type(feil).__name__}).") from None
        resultat = _kontroller_kopi(register, arbeid)
        _gi_kopien_navn(arbeid, mal)
    finally:
        for rest in (arbeid, Path(f"{arbeid}-journal")):
            with contextlib.suppress(OSError):
                rest.unlink()
    resultat["fil"] = str(mal)
    resultat["storrelse"] = mal.stat().st_size
    return resultat


def _gi_kopien_navn(arbeid: Path, mal: Path) -> None:
    """The checked copy takes its name; a file that appeared there meanwhile is never replaced."""
    try:
        os.link(arbeid, mal)
    except FileExistsError:
        raise Avvist(f"Filen {mal} finnes fra før. Velg et nytt filnavn.") from None
    except OSError:
        # No hard links on this file system (FAT on a memory stick): look once more, then rename.
        if mal.exists() or mal.is_symlink():
            raise Avvist(f"Filen {mal} finnes fra før. Velg et nytt filnavn.") from None
        os.replace(arbeid, mal)


def _kontroller_kopi(register: Register, mal: Path) -> Kopiresultat:
    tall: tuple[list[str], int, int] | None = None  # None: the copy could not be read
    # FeilNokkel: an encrypted copy that does not open with the register's own key.
    with contextlib.suppress(*motor.Error, FeilNokkel):
        tilkobling = register.koble_til_fil(f"{mal.resolve().as_uri()}?mode=ro", uri=True)
        try:
            tall = drift.kopiens_tall(tilkobling)
        finally:
            tilkobling.close()
    if tall is None or tall[0] != ["ok"]:
        raise PakkehjemFeil(
            "Sikkerhetskopien besto ikke integritetssjekken og er slettet. "
            "Kjør «pakkehjem sjekk» på registeret, og prøv igjen."
        )
    _, versjon, pasienter = tall
    return {"integritet": "ok", "skjemaversjon": versjon, "pasienter": pasienter}


# --- the integrity check -----------------------------------------------------------------

# Triggers that keep the logs append-only (migrations 1 and 3).
_VAKTER = ("tilgangslogg_uendret", "tilgangslogg_ikke_slett", "brev_uendret", "brev_ikke_slett")
_MAKS_LINJER = 20


def sjekk(sti: Path) -> Sjekkresultat:
    """Check a register file; `ok` is False and `problemer` says why (Norwegian) when not fine.

    Opens the file as it is: nothing is created, migrated or written.
    """
    sti = finn_databasefil(sti)
    resultat: Sjekkresultat = {
        "fil": str(sti),
        "ok": False,
        "integritet": [],
        "fremmednokler": [],
        "skjemaversjon": None,
        "forventet_skjemaversjon": len(MIGRASJONER),
        "problemer": [],
        "merknader": [],
        "kryptert": False,
        "skrivebeskyttet": False,
    }
    problemer: list[str] = resultat["problemer"]
    # The same rule every command opens a register by: a regular file of this user, 0600.
    problem = registerfil_problem(sti)
    if problem:
        problemer.append(problem)
        if not sti.resolve().is_file():
            return _avslutt_sjekk(resultat)
    # Leftovers of a killed command beside the register (an encryption, a backup) hold patient data.
    fjernet = rydd_rester(sti.parent)
    if fjernet:
        resultat["merknader"].append(
            f"Fjernet {len(fjernet)} midlertidige filer som en avbrutt kommando hadde latt ligge i "
            f"{sti.parent}: " + ", ".join(f.name for f in fjernet) + "."
        )
    resultat["merknader"].extend(delt_mappe_merknader(sti))
    kryptert = resultat["kryptert"] = motor.er_kryptert(sti)
    if not kryptert and nokler.nokkel_i_miljo() is not None:
        resultat["merknader"].append(
            f"{motor.MILJOVARIABEL} er satt, men registeret er ikke kryptert. "
            "Krypter det med «pakkehjem krypter»."
        )
    nokkel = nokler.hent_nokkel(ny=False) if kryptert else None
    if kryptert and nokkel is None:
        # Without a key an encrypted file cannot be told from a damaged one.
        problemer.append(
            "Filen kan ikke leses som en SQLite-database: den er kryptert og nøkkelen mangler "
            f"({motor.MILJOVARIABEL}), eller den er skadet. Er den skadet, hent den siste "
            "sikkerhetskopien, eller kontakt den som drifter registeret."
        )
        return _avslutt_sjekk(resultat)
    tilkobling = _koble_til_for_sjekk(sti, nokkel, resultat)
    try:
        try:
            integritet = drift.integritet(tilkobling)
        except motor.DatabaseError as feil:
            integritet = [str(feil)]
            problemer.append(
                "Filen kan ikke leses som en SQLite-database: den er skadet eller ikke et register. "
                "Hent den siste sikkerhetskopien, eller kontakt den som drifter registeret."
            )
            resultat["integritet"] = integritet
            return _avslutt_sjekk(resultat)
        if kryptert and integritet == ["ok"]:
            # Every page's HMAC, free pages too (integrity_check reads only the pages in use).
            integritet = drift.sidenes_integritet(tilkobling)
        resultat["integritet"] = integritet[:_MAKS_LINJER]
        if integritet != ["ok"]:
            problemer.append(
                f"Integritetssjekken fant feil i databasefilen ({len(integritet)} linjer fra SQLite). "
                "Hent den siste sikkerhetskopien, eller kontakt den som drifter registeret."
            )
        try:
            brudd = drift.brutte_nokler(tilkobling)
        except motor.DatabaseError:
            brudd = []
            problemer.append("Fremmednøklene kunne ikke sjekkes fordi filen er skadet.")
        resultat["fremmednokler"] = [
            {"tabell": tabell, "rad": rad, "forelder": forelder}
            for tabell, rad, forelder, _ in brudd[:_MAKS_LINJER]
        ]
        if brudd:
            tabeller = sorted({b[0] for b in brudd})
            problemer.append(
                f"{antall(len(brudd), 'rad')} viser til rader som ikke finnes (tabell {', '.join(tabeller)})."
            )
        try:
            versjon, objekter = drift.versjon_og_objekter(tilkobling)
        except motor.DatabaseError:
            versjon, objekter = None, set()
        resultat["skjemaversjon"] = versjon
        if versjon is not None:
            if versjon == 0:
                problemer.append("Filen er ikke et pakkehjem-register (ingen skjemaversjon).")
            elif versjon > len(MIGRASJONER):
                problemer.append(
                    f"Registeret har skjemaversjon {versjon}, nyere enn denne pakkehjem "
                    f"({len(MIGRASJONER)}). "
                    "Oppgrader pakkehjem."
                )
            elif versjon < len(MIGRASJONER):
                resultat["merknader"].append(
                    f"Registeret har skjemaversjon {versjon} av {len(MIGRASJONER)}; den oppgraderes "
                    "neste gang en vanlig kommando åpner det."
                )
            if versjon:
                vakter = [v for v in _VAKTER if v.split("_")[0] in objekter and v not in objekter]
                if vakter:
                    problemer.append(
                        "Loggene er ikke lenger beskyttet mot endring (mangler " + ", ".join(vakter) + ")."
                    )
    finally:
        tilkobling.close()
    return _avslutt_sjekk(resultat)


def _skrivebeskyttet(sti: Path) -> bool:
    """True when the file or its folder cannot be written (read-only media, or modes)."""
    return not (os.access(sti, os.W_OK) and os.access(sti.parent, os.W_OK))


_SKRIVEBESKYTTET = (
    "Registeret er skrivebeskyttet: filen eller mappen den ligger i kan ikke skrives (en CD, en "
    "minnepinne med skrivesperre, eller filrettighetene). Sjekken er gjort uten å skrive, og det er "
    "ikke et tegn på skade. Vanlige kommandoer trenger skrivetilgang: kopier registeret til en mappe "
    "du kan skrive i, eller rett rettighetene."
)


def _koble_til_for_sjekk(sti: Path, nokkel: str | None, resultat: Sjekkresultat) -> Any:
    """A connection for the check. A register that cannot be written (read-only media) is read
    as it is, and said to be read-only, not damaged (`resultat["skrivebeskyttet"]`)."""
    uri = sti.resolve().as_uri()
    forsok = [f"{uri}?mode=rw"]
    if _skrivebeskyttet(sti):
        # Read-only: "mode=ro" needs the -shm file of a WAL register to be writable, so
        # "immutable=1" (nothing is locked or written at all) comes after it.
        forsok = [f"{uri}?mode=ro", f"{uri}?immutable=1"]
    for nr, adresse in enumerate(forsok):
        try:
            tilkobling = motor.koble_til(adresse, nokkel, uri=True, timeout=10)
            drift.les_noe(tilkobling)
        except motor.Error as feil:
            tekst = str(feil).lower()
            if nr == 0 and ("readonly" in tekst or "read-only" in tekst or "unable to open" in tekst):
                forsok += [f"{uri}?mode=ro", f"{uri}?immutable=1"]
            if nr + 1 < len(forsok) and "not a database" not in tekst:
                continue
            if "not a database" in tekst or "malformed" in tekst:
                return _SkadetTilkobling()
            raise PakkehjemFeil(f"Kan ikke åpne {sti} ({type(feil).__name__}).") from None
        if "mode=rw" not in adresse:
            resultat["skrivebeskyttet"] = True
            resultat["merknader"].append(_SKRIVEBESKYTTET)
        return tilkobling
    raise PakkehjemFeil(f"Kan ikke åpne {sti}.")


class _SkadetTilkobling:
    """Stands in for a file SQLite will not open at all: every query says it is no database."""

    def execute(self, *_args: Any) -> Any:
        import sqlite3

        raise sqlite3.DatabaseError("file is not a database")

    def close(self) -> None:
        pass


# File systems where other machines or a sync client see the file, and SQLite's locking (WAL
# needs shared memory on one machine) cannot be trusted.
_DELTE_FILSYSTEMER = ("nfs", "nfs4", "cifs", "smb3", "smbfs", "9p", "afs", "davfs", "fuse.sshfs")
_SYNKMAPPER = ("onedrive", "dropbox", "google drive", "googledrive", "icloud drive", "nextcloud", "owncloud")


def delt_mappe_merknader(sti: Path, monteringer: str | None = None) -> list[str]:
    """Notes when the register lies on a network share or in a folder a sync client copies.

    `monteringer` is the text of /proc/self/mounts (read here when not given; elsewhere than
    Linux only the folder names are looked at).
    """
    sti = utvid(sti).resolve()
    merknader = []
    if monteringer is None:
        try:
            monteringer = Path("/proc/self/mounts").read_text(encoding="utf-8", errors="replace")
        except OSError:
            monteringer = ""
    beste, fstype = "", ""
    for linje in monteringer.splitlines():
        deler = linje.split()
        if len(deler) < 3:
            continue
        # Spaces in mount points are written as \040.
        punkt = deler[1].replace("\\040", " ")
        if (sti.as_posix() + "/").startswith(punkt.rstrip("/") + "/") and len(punkt) > len(beste):
            beste, fstype = punkt, deler[2]
    if fstype in _DELTE_FILSYSTEMER or fstype.startswith("fuse."):
        merknader.append(
            f"Databasen ligger på et delt filsystem ({fstype}). SQLite kan ikke låse filen trygt der, "
            "og andre maskiner kan se den. Flytt registeret til en lokal disk (se docs/sikkerhet.md)."
        )
    # macOS keeps every sync client's folder under ~/Library/CloudStorage.
    if any(d.lower().startswith(_SYNKMAPPER) or d == "CloudStorage" for d in sti.parent.parts):
        merknader.append(
            "Databasen ligger i en mappe som ser ut til å synkroniseres til en skytjeneste. "
            "Kopier av registeret kan da havne utenfor maskinen. Flytt den til en lokal mappe."
        )
    return merknader


def _avslutt_sjekk(resultat: Sjekkresultat) -> Sjekkresultat:
    resultat["ok"] = not resultat["problemer"]
    return resultat


def oppsummer_kopi(resultat: Kopiresultat, idag: date) -> str:
    """The message after a backup taken on `idag`."""
    storrelse = resultat["storrelse"]
    mengde = f"{storrelse / 1_048_576:.1f} MB" if storrelse >= 1_048_576 else f"{storrelse // 1024} kB"
    pasienter = antall(resultat["pasienter"], "pasient")
    return (
        f"Sikkerhetskopi skrevet til {resultat['fil']} ({mengde}, {pasienter}, "
        f"{norsk_dato(idag)}). Integritetssjekken er ok. Filen kan bare leses av deg."
    )
