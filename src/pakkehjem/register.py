"""The SQLite store: schema and migrations, transactions, queries and the access log.

Every read or write of a patient's data goes through `Register.transaksjon`, which
appends the access-log rows in the same transaction: no code path can skip them.
"""

from __future__ import annotations

import getpass
import json
import os
import re
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from . import fnr as fnr_regler
from . import forlop, innstillinger
from .datoer import fra_iso, iso, norsk_dato
from .feil import (
    Avvist,
    Duplikat,
    IkkeFunnet,
    Opptatt,
    PakkehjemFeil,
    SkadetDatabase,
    UgyldigInndata,
)

VENTETID_STANDARD = 10.0  # seconds a command waits for another user's lock


# Numbered migrations, applied in order on open; user_version holds how many are applied.
# A migration never drops patient data.
MIGRASJONER: tuple[str, ...] = (
    """
    CREATE TABLE innstilling (
        navn TEXT PRIMARY KEY,
        verdi TEXT NOT NULL
    );
    CREATE TABLE pasient (
        id INTEGER PRIMARY KEY,
        fnr TEXT NOT NULL UNIQUE,
        navn TEXT NOT NULL,
        fodselsdato TEXT NOT NULL,
        kommune TEXT,
        fastlege TEXT,
        koordinator TEXT,
        telefon TEXT,
        status TEXT NOT NULL DEFAULT 'aktiv' CHECK (status IN ('aktiv', 'avsluttet')),
        opprettet TEXT NOT NULL
    );
    CREATE TABLE forlop (
        id INTEGER PRIMARY KEY,
        pasient_id INTEGER NOT NULL REFERENCES pasient(id),
        nr INTEGER NOT NULL,
        diagnosedato TEXT NOT NULL,
        diagnose TEXT,
        status TEXT NOT NULL DEFAULT 'aktiv' CHECK (status IN ('aktiv', 'avsluttet')),
        avsluttet_dato TEXT,
        avsluttet_grunn TEXT,
        UNIQUE (pasient_id, nr)
    );
    CREATE TABLE samhandlingspunkt (
        id INTEGER PRIMARY KEY,
        forlop_id INTEGER NOT NULL REFERENCES forlop(id),
        sp INTEGER NOT NULL CHECK (sp IN (1, 2, 3)),
        ansvarlig TEXT NOT NULL,
        vindu_fra TEXT NOT NULL,
        vindu_til TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'planlagt' CHECK (status IN
            ('planlagt', 'avtalt', 'utsatt', 'avslatt', 'gjennomfort', 'bortfalt')),
        dato TEXT,
        klokkeslett TEXT,
        sted TEXT,
        grunn TEXT,
        -- The due range of forlop.forfallsperiode, written with every status change so the
        -- work list is one indexed range query; NULL when the contact point is closed.
        forfall_fra TEXT,
        forfall_til TEXT,
        UNIQUE (forlop_id, sp)
    );
    CREATE INDEX samhandlingspunkt_forfall
        ON samhandlingspunkt (forfall_til, forfall_fra) WHERE forfall_til IS NOT NULL;
    CREATE TABLE hendelse (
        id INTEGER PRIMARY KEY,
        tid TEXT NOT NULL,
        bruker TEXT NOT NULL,
        pasient_id INTEGER NOT NULL REFERENCES pasient(id),
        forlop_nr INTEGER,
        sp INTEGER,
        type TEXT NOT NULL,
        tekst TEXT NOT NULL
    );
    CREATE INDEX hendelse_pasient ON hendelse (pasient_id);
    CREATE TABLE tilgangslogg (
        id INTEGER PRIMARY KEY,
        tid TEXT NOT NULL,
        bruker TEXT NOT NULL,
        pasient_id INTEGER NOT NULL,
        handling TEXT NOT NULL
    );
    CREATE INDEX tilgangslogg_pasient ON tilgangslogg (pasient_id);
    CREATE TRIGGER tilgangslogg_uendret BEFORE UPDATE ON tilgangslogg
        BEGIN SELECT RAISE(ABORT, 'tilgangsloggen kan bare utvides'); END;
    CREATE TRIGGER tilgangslogg_ikke_slett BEFORE DELETE ON tilgangslogg
        BEGIN SELECT RAISE(ABORT, 'tilgangsloggen kan bare utvides'); END;
    """,
)

_ICD10 = re.compile(r"^([A-Z])(\d{2})(?:\.?(\d{1,2}))?$")
_KLOKKESLETT = re.compile(r"^([01]?\d|2[0-3])[:.]([0-5]\d)$")


def bruker() -> str:
    """The operating-system user, for the access log and the timeline."""
    try:
        return getpass.getuser()
    except Exception:  # no user name in the environment nor in the password database
        return f"uid:{os.getuid()}"


def _na() -> str:
    return datetime.now().astimezone().isoformat(timespec="seconds")


def normaliser_diagnose(tekst: str | None) -> str | None:
    """An ICD-10 code as `C50.9`; UgyldigInndata for anything else."""
    if tekst is None or not tekst.strip():
        return None
    treff = _ICD10.match(tekst.strip().upper())
    if not treff:
        raise UgyldigInndata(f"«{tekst}» er ikke en ICD-10-kode. Skriv for eksempel C50.9 eller C18.")
    bokstav, kapittel, under = treff.groups()
    return f"{bokstav}{kapittel}" + (f".{under}" if under else "")


def normaliser_klokkeslett(tekst: str | None) -> str | None:
    """`9:30` or `09.30` as `09:30`; UgyldigInndata for anything else."""
    if tekst is None or not tekst.strip():
        return None
    treff = _KLOKKESLETT.match(tekst.strip())
    if not treff:
        raise UgyldigInndata(f"«{tekst}» er ikke et klokkeslett. Skriv TT:MM, for eksempel 09:30.")
    return f"{int(treff.group(1)):02d}:{treff.group(2)}"


@dataclass(frozen=True)
class Punkt:
    """A contact point as the rules see it."""

    id: int
    forlop_id: int
    forlop_nr: int
    pasient_id: int
    sp: int
    status: str


def _feil_fra_sqlite(feil: sqlite3.Error) -> PakkehjemFeil:
    tekst = str(feil).lower()
    if "locked" in tekst or "busy" in tekst:
        return Opptatt("Databasen er opptatt: en annen bruker skriver til den. Vent litt og prøv igjen.")
    if "not a database" in tekst or "malformed" in tekst or "corrupt" in tekst:
        return SkadetDatabase(
            "Databasefilen er skadet eller er ikke et pakkehjem-register. "
            "Hent den siste sikkerhetskopien, eller kontakt den som drifter registeret."
        )
    if "readonly" in tekst or "read-only" in tekst or "unable to open" in tekst:
        return PakkehjemFeil(
            "Databasefilen kan ikke åpnes for skriving. Sjekk at du eier filen og mappen den ligger i."
        )
    return PakkehjemFeil(f"Databasefeil ({type(feil).__name__}). Kjør kommandoen på nytt.")


class Register:
    """One open register file. Use `Register.apne(sti)`; close with `lukk()`."""

    def __init__(self, tilkobling: sqlite3.Connection, sti: Path):
        self.db = tilkobling
        self.sti = sti
        self._logg: list[tuple[int, str]] = []
        self._innstillinger: dict[str, Any] | None = None

    # --- opening ---------------------------------------------------------------------

    @classmethod
    def apne(cls, sti: Path | str, ventetid: float | None = None) -> Register:
        """Open (and on first use create, mode 0600) the register, applying migrations."""
        sti = Path(sti).expanduser()
        if ventetid is None:
            ventetid = float(os.environ.get("PAKKEHJEM_VENTETID", VENTETID_STANDARD))
        if sti.is_dir():
            raise UgyldigInndata(f"{sti} er en mappe. Oppgi en fil for databasen.")
        try:
            sti.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            # Created here with 0600 so SQLite's own -wal and -shm files copy that mode.
            fd = os.open(sti, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
            os.close(fd)
        except FileExistsError:
            pass
        except OSError as feil:
            raise PakkehjemFeil(
                f"Kan ikke opprette databasen i {sti.parent} ({feil.strerror}). "
                "Velg en annen plass med --db eller PAKKEHJEM_DB."
            ) from None
        try:
            tilkobling = sqlite3.connect(sti, timeout=ventetid, isolation_level=None)
        except sqlite3.Error as feil:
            raise _feil_fra_sqlite(feil) from None
        register = cls(tilkobling, sti)
        try:
            tilkobling.execute("PRAGMA foreign_keys = ON")
            tilkobling.execute(f"PRAGMA busy_timeout = {int(ventetid * 1000)}")
            if tilkobling.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                tilkobling.execute("PRAGMA journal_mode = WAL")
            tilkobling.execute("PRAGMA synchronous = NORMAL")
            register._migrer()
        except sqlite3.Error as feil:
            tilkobling.close()
            raise _feil_fra_sqlite(feil) from None
        except PakkehjemFeil:
            tilkobling.close()
            raise
        return register

    def lukk(self) -> None:
        """Close the connection."""
        self.db.close()

    def _migrer(self) -> None:
        versjon = self.db.execute("PRAGMA user_version").fetchone()[0]
        if versjon == len(MIGRASJONER):
            return
        if versjon > len(MIGRASJONER):
            raise Avvist("Registeret er laget av en nyere versjon av pakkehjem. Oppgrader pakkehjem.")
        self.db.execute("BEGIN IMMEDIATE")
        try:
            versjon = self.db.execute("PRAGMA user_version").fetchone()[0]
            if (
                versjon == 0
                and self.db.execute(
                    "SELECT count(*) FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'"
                ).fetchone()[0]
            ):
                raise Avvist(
                    "Filen er en SQLite-database, men ikke et pakkehjem-register. Oppgi riktig fil med --db."
                )
            for nummer in range(versjon, len(MIGRASJONER)):
                for setning in _setninger(MIGRASJONER[nummer]):
                    self.db.execute(setning)
            self.db.execute(f"PRAGMA user_version = {len(MIGRASJONER)}")
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise

    # --- transactions and the access log ----------------------------------------------

    @contextmanager
    def transaksjon(self) -> Iterator[sqlite3.Connection]:
        """One change: BEGIN IMMEDIATE ... COMMIT, with the access-log rows written last."""
        try:
            self.db.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as feil:
            raise _feil_fra_sqlite(feil) from None
        self._logg = []
        try:
            yield self.db
            if self._logg:
                tid, hvem = _na(), bruker()
                self.db.executemany(
                    "INSERT INTO tilgangslogg (tid, bruker, pasient_id, handling) VALUES (?,?,?,?)",
                    [(tid, hvem, pid, handling) for pid, handling in self._logg],
                )
            self.db.execute("COMMIT")
        except sqlite3.Error as feil:
            self._rull_tilbake()
            raise _feil_fra_sqlite(feil) from None
        except BaseException:
            self._rull_tilbake()
            raise
        finally:
            self._logg = []

    def _rull_tilbake(self) -> None:
        with suppress(sqlite3.Error):
            self.db.execute("ROLLBACK")

    def logg(self, pasient_ider: int | Iterable[int], handling: str) -> None:
        """Record access to these patients, written in the running transaction."""
        if isinstance(pasient_ider, int):
            pasient_ider = (pasient_ider,)
        self._logg.extend((pid, handling) for pid in pasient_ider)

    def _hendelse(
        self, pasient_id: int, forlop_nr: int | None, sp: int | None, type_: str, tekst: str
    ) -> None:
        self.db.execute(
            "INSERT INTO hendelse (tid, bruker, pasient_id, forlop_nr, sp, type, tekst)"
            " VALUES (?,?,?,?,?,?,?)",
            (_na(), bruker(), pasient_id, forlop_nr, sp, type_, tekst),
        )

    # --- settings ----------------------------------------------------------------------

    def innstillinger(self) -> dict[str, Any]:
        """All settings, stored values over the defaults."""
        if self._innstillinger is None:
            try:
                rader = self.db.execute("SELECT navn, verdi FROM innstilling").fetchall()
            except sqlite3.Error as feil:
                raise _feil_fra_sqlite(feil) from None
            self._innstillinger = innstillinger.fra_lagret(dict(rader))
        return self._innstillinger

    def sett_innstilling(self, navn: str, tekst: str) -> Any:
        """Change a setting from the text a user typed; returns the value stored."""
        try:
            verdi = innstillinger.les_verdi(navn, tekst)
        except ValueError as feil:
            raise UgyldigInndata(str(feil)) from None
        with self.transaksjon() as db:
            self._lagre_innstilling(db, navn, verdi)
        return verdi

    def _lagre_innstilling(self, db: sqlite3.Connection, navn: str, verdi: Any) -> None:
        db.execute(
            "INSERT INTO innstilling (navn, verdi) VALUES (?, ?)"
            " ON CONFLICT (navn) DO UPDATE SET verdi = excluded.verdi",
            (navn, json.dumps(verdi)),
        )
        self._innstillinger = None

    # --- patients ----------------------------------------------------------------------

    def finn_pasient_id(self, ref: str) -> int:
        """The local number for a reference: the local number itself or the fødselsnummer."""
        tekst = ref.strip()
        if fnr_regler.ser_ut_som_fnr(tekst):
            rad = self.db.execute(
                "SELECT id FROM pasient WHERE fnr = ?", (fnr_regler.normaliser(tekst),)
            ).fetchone()
            if rad is None:
                raise IkkeFunnet("Ingen pasient med det fødselsnummeret i registeret.")
            return rad[0]
        if not tekst.isdigit():
            raise UgyldigInndata(
                f"«{ref}» er ikke en pasientreferanse. Oppgi pasientens nummer "
                "(fra ny-pasient eller pasienter) eller fødselsnummeret (11 siffer)."
            )
        rad = self.db.execute("SELECT id FROM pasient WHERE id = ?", (int(tekst),)).fetchone()
        if rad is None:
            raise IkkeFunnet(f"Ingen pasient med nummer {int(tekst)}. Se listen med «pakkehjem pasienter».")
        return rad[0]

    def ny_pasient(
        self,
        *,
        fnr: str,
        navn: str,
        diagnosedato: date,
        idag: date,
        diagnose: str | None = None,
        kommune: str | None = None,
        fastlege: str | None = None,
        koordinator: str | None = None,
        telefon: str | None = None,
    ) -> int:
        """Register a patient with episode 1 and its three contact points; returns the id."""
        navn = (navn or "").strip()
        if not navn:
            raise UgyldigInndata("Navnet kan ikke være tomt. Oppgi --navn.")
        diagnose = normaliser_diagnose(diagnose)
        innst = self.innstillinger()
        try:
            nummer = fnr_regler.valider(fnr, idag, innst["tillat_syntetiske"])
        except fnr_regler.UgyldigFnr as feil:
            raise UgyldigInndata(f"Ugyldig fødselsnummer: {feil}") from None
        _sjekk_diagnosedato(diagnosedato, nummer.fodselsdato, idag)
        with self.transaksjon() as db:
            funnet = db.execute("SELECT id FROM pasient WHERE fnr = ?", (nummer.nummer,)).fetchone()
            if funnet:
                raise Duplikat(
                    f"Fødselsnummeret er allerede registrert, som pasient nr. {funnet[0]}. "
                    "Bruk «pakkehjem vis» for å se pasienten."
                )
            pasient_id = db.execute(
                "INSERT INTO pasient (fnr, navn, fodselsdato, kommune, fastlege, koordinator,"
                " telefon, opprettet) VALUES (?,?,?,?,?,?,?,?)",
                (
                    nummer.nummer,
                    navn,
                    nummer.fodselsdato.isoformat(),
                    _tom_som_null(kommune),
                    _tom_som_null(fastlege),
                    _tom_som_null(koordinator),
                    _tom_som_null(telefon),
                    _na(),
                ),
            ).lastrowid
            assert pasient_id is not None
            self._nytt_forlop(db, pasient_id, 1, diagnosedato, diagnose, innst["sp1_uker"])
            self._hendelse(
                pasient_id,
                1,
                None,
                "registrert",
                f"Registrert, diagnosedato {norsk_dato(diagnosedato)}.",
            )
            self.logg(pasient_id, "ny-pasient")
        return pasient_id

    def _nytt_forlop(
        self,
        db: sqlite3.Connection,
        pasient_id: int,
        nr: int,
        diagnosedato: date,
        diagnose: str | None,
        sp1_uker: int,
    ) -> int:
        forlop_id = db.execute(
            "INSERT INTO forlop (pasient_id, nr, diagnosedato, diagnose) VALUES (?,?,?,?)",
            (pasient_id, nr, diagnosedato.isoformat(), diagnose),
        ).lastrowid
        assert forlop_id is not None
        db.executemany(
            "INSERT INTO samhandlingspunkt (forlop_id, sp, ansvarlig, vindu_fra, vindu_til,"
            " forfall_fra, forfall_til) VALUES (?,?,?,?,?,?,?)",
            [
                (
                    forlop_id,
                    sp,
                    forlop.ANSVARLIG[sp],
                    v.fra.isoformat(),
                    v.til.isoformat(),
                    v.fra.isoformat(),
                    v.til.isoformat(),
                )
                for sp, v in forlop.vinduer(diagnosedato, sp1_uker).items()
            ],
        )
        return forlop_id

    def endre_pasient(self, ref: str, endringer: dict[str, str | None]) -> int:
        """Change a patient's contact details (empty text clears a field); returns the id."""
        tillatt = ("navn", "kommune", "fastlege", "koordinator", "telefon")
        felt = {k: v for k, v in endringer.items() if k in tillatt and v is not None}
        if not felt:
            raise UgyldigInndata(
                "Ingenting å endre. Oppgi minst ett av --navn, --kommune, --fastlege, "
                "--koordinator, --telefon."
            )
        if "navn" in felt and not felt["navn"].strip():
            raise UgyldigInndata("Navnet kan ikke være tomt.")
        with self.transaksjon() as db:
            pasient_id = self.finn_pasient_id(ref)
            sett = ", ".join(f"{k} = ?" for k in felt)
            db.execute(
                f"UPDATE pasient SET {sett} WHERE id = ?",
                [_tom_som_null(v) for v in felt.values()] + [pasient_id],
            )
            self._hendelse(
                pasient_id,
                None,
                None,
                "endret",
                "Kontaktopplysninger endret: " + ", ".join(felt) + ".",
            )
            self.logg(pasient_id, "endre")
        return pasient_id

    def vis_pasient(self, ref: str, idag: date, handling: str = "vis") -> dict[str, Any]:
        """One patient in the shape of `vis --json` (cli.md), logged as `handling`."""
        with self.transaksjon():
            pasient_id = self.finn_pasient_id(ref)
            data = self._pasient_data(pasient_id, idag)
            self.logg(pasient_id, handling)
        return data

    def _pasient_data(self, pasient_id: int, idag: date) -> dict[str, Any]:
        db = self.db
        db.row_factory = sqlite3.Row
        try:
            p = db.execute("SELECT * FROM pasient WHERE id = ?", (pasient_id,)).fetchone()
            forlop_rader = db.execute(
                "SELECT * FROM forlop WHERE pasient_id = ? ORDER BY nr", (pasient_id,)
            ).fetchall()
            punkt_rader = db.execute(
                "SELECT s.*, f.nr AS forlop_nr FROM samhandlingspunkt s"
                " JOIN forlop f ON f.id = s.forlop_id WHERE f.pasient_id = ? ORDER BY f.nr, s.sp",
                (pasient_id,),
            ).fetchall()
            hendelser = db.execute(
                "SELECT tid, bruker, forlop_nr, sp, type, tekst FROM hendelse"
                " WHERE pasient_id = ? ORDER BY id",
                (pasient_id,),
            ).fetchall()
        finally:
            db.row_factory = None
        punkter: dict[int, list[dict[str, Any]]] = {}
        for s in punkt_rader:
            punkter.setdefault(s["forlop_nr"], []).append(_punkt_json(s, idag))
        return {
            "id": p["id"],
            "fnr": p["fnr"],
            "navn": p["navn"],
            "fodselsdato": p["fodselsdato"],
            "kommune": p["kommune"],
            "fastlege": p["fastlege"],
            "koordinator": p["koordinator"],
            "telefon": p["telefon"],
            "status": p["status"],
            "forlop": [
                {
                    "nr": f["nr"],
                    "diagnosedato": f["diagnosedato"],
                    "diagnose": f["diagnose"],
                    "status": f["status"],
                    "avsluttet_dato": f["avsluttet_dato"],
                    "avsluttet_grunn": f["avsluttet_grunn"],
                    "samhandlingspunkter": punkter.get(f["nr"], []),
                }
                for f in forlop_rader
            ],
            "samtaler": [],
            "tiltak": [],
            "samtykke": [],
            "hendelser": [dict(h) for h in hendelser],
        }

    def pasienter(
        self,
        idag: date,
        *,
        alle: bool = False,
        koordinator: str | None = None,
        kommune: str | None = None,
    ) -> list[dict[str, Any]]:
        """Patients (active ones unless `alle`), with the active episode and next open point."""
        vilkar, verdier = ["1 = 1"], []
        if not alle:
            vilkar.append("p.status = 'aktiv'")
        if koordinator:
            vilkar.append("p.koordinator = ? COLLATE NOCASE")
            verdier.append(koordinator)
        if kommune:
            vilkar.append("p.kommune = ? COLLATE NOCASE")
            verdier.append(kommune)
        sql = f"""
            SELECT p.id, p.navn, p.fnr, p.kommune, p.koordinator, p.status,
                   f.nr, f.diagnosedato, f.diagnose,
                   s.sp, s.vindu_fra, s.vindu_til, s.status, s.dato
            FROM pasient p
            LEFT JOIN forlop f ON f.pasient_id = p.id AND f.status = 'aktiv'
            LEFT JOIN samhandlingspunkt s ON s.id = (
                SELECT s2.id FROM samhandlingspunkt s2
                WHERE s2.forlop_id = f.id AND s2.forfall_til IS NOT NULL
                ORDER BY s2.sp LIMIT 1)
            WHERE {" AND ".join(vilkar)}
            ORDER BY p.navn COLLATE NOCASE, p.id
        """
        with self.transaksjon() as db:
            rader = db.execute(sql, verdier).fetchall()
            self.logg((r[0] for r in rader), "pasienter")
        resultat = []
        for (
            pid,
            navn,
            fnr,
            kommune_,
            koord,
            status,
            nr,
            ddato,
            diagnose,
            sp,
            vfra,
            vtil,
            sp_status,
            sp_dato,
        ) in rader:
            neste = None
            if sp is not None:
                neste = {
                    "sp": sp,
                    "status": sp_status,
                    "dato": sp_dato,
                    "vindu_fra": vfra,
                    "vindu_til": vtil,
                    "tilstand": forlop.tilstand(
                        sp_status, fra_iso(vfra), fra_iso(vtil), fra_iso(sp_dato), idag
                    ),
                }
            resultat.append(
                {
                    "pasient_id": pid,
                    "navn": navn,
                    "fnr": fnr_regler.masker(fnr),
                    "kommune": kommune_,
                    "koordinator": koord,
                    "status": status,
                    "forlop": nr,
                    "diagnosedato": ddato,
                    "diagnose": diagnose,
                    "neste": neste,
                }
            )
        return resultat

    # --- contact points ----------------------------------------------------------------

    def _punkt(self, pasient_id: int, sp: int | None) -> Punkt:
        rader = self.db.execute(
            "SELECT s.id, f.id, f.nr, s.sp, s.status FROM samhandlingspunkt s"
            " JOIN forlop f ON f.id = s.forlop_id"
            " WHERE f.pasient_id = ? AND f.status = 'aktiv' ORDER BY f.nr DESC, s.sp",
            (pasient_id,),
        ).fetchall()
        if not rader:
            raise Avvist("Pasienten har ikke noe aktivt forløp.")
        forlop_nr = rader[0][2]
        rader = [r for r in rader if r[2] == forlop_nr]
        if sp is None:
            sp = forlop.forste_apne_sp([(r[3], r[4]) for r in rader])
            if sp is None:
                raise Avvist("Alle samhandlingspunktene i det aktive forløpet er avsluttet.")
        for sid, fid, nr, nummer, status in rader:
            if nummer == sp:
                return Punkt(sid, fid, nr, pasient_id, nummer, status)
        raise UgyldigInndata(f"Samhandlingspunkt {sp} finnes ikke. Velg 1, 2 eller 3.")

    def _sett_status(
        self,
        punkt: Punkt,
        status: str,
        *,
        dato: date | None,
        klokkeslett: str | None = None,
        sted: str | None = None,
        grunn: str | None = None,
        tekst: str,
    ) -> None:
        """The one place a contact point's status changes: keeps the due range in step."""
        if not forlop.er_apen(punkt.status):
            raise Avvist(
                f"Samhandlingspunkt {punkt.sp} er allerede "
                f"{'gjennomført' if punkt.status == forlop.GJENNOMFORT else 'bortfalt'}, "
                "og kan ikke endres."
            )
        vfra, vtil = self.db.execute(
            "SELECT vindu_fra, vindu_til FROM samhandlingspunkt WHERE id = ?", (punkt.id,)
        ).fetchone()
        periode = forlop.forfallsperiode(status, fra_iso(vfra), fra_iso(vtil), dato)
        self.db.execute(
            "UPDATE samhandlingspunkt SET status = ?, dato = ?, klokkeslett = ?, sted = ?,"
            " grunn = ?, forfall_fra = ?, forfall_til = ? WHERE id = ?",
            (
                status,
                iso(dato),
                klokkeslett,
                _tom_som_null(sted),
                _tom_som_null(grunn),
                iso(periode.fra) if periode else None,
                iso(periode.til) if periode else None,
                punkt.id,
            ),
        )
        self._hendelse(punkt.pasient_id, punkt.forlop_nr, punkt.sp, status, tekst)

    def endre_punkt(
        self,
        ref: str,
        sp: int | None,
        status: str,
        *,
        idag: date,
        dato: date | None = None,
        klokkeslett: str | None = None,
        sted: str | None = None,
        grunn: str | None = None,
    ) -> dict[str, Any]:
        """Book, postpone, record a decline, or set a contact point not applicable."""
        klokkeslett = normaliser_klokkeslett(klokkeslett)
        grunn = (grunn or "").strip() or None
        if status in (forlop.AVTALT, forlop.UTSATT, forlop.AVSLATT) and dato is None:
            raise UgyldigInndata("Oppgi datoen med --dato.")
        if status in (forlop.UTSATT, forlop.BORTFALT) and not grunn:
            raise UgyldigInndata("Oppgi en grunn med --grunn.")
        if status in (forlop.UTSATT, forlop.AVSLATT) and dato is not None and dato < idag:
            raise UgyldigInndata(
                f"Den nye datoen ({norsk_dato(dato)}) er passert. Velg en dato fra i dag av."
            )
        with self.transaksjon():
            pasient_id = self.finn_pasient_id(ref)
            punkt = self._punkt(pasient_id, sp)
            self._sett_status(
                punkt,
                status,
                dato=dato if status != forlop.BORTFALT else None,
                klokkeslett=klokkeslett if status == forlop.AVTALT else None,
                sted=sted if status == forlop.AVTALT else None,
                grunn=grunn,
                tekst=_hendelsestekst(punkt.sp, status, dato, klokkeslett, sted, grunn),
            )
            self.logg(pasient_id, f"sp-{status}")
            data = self._pasient_data(pasient_id, idag)
        return data

    # --- the work list -----------------------------------------------------------------

    def forfaller(
        self,
        periode: forlop.Periode,
        idag: date,
        *,
        kun_forfalte: bool = False,
        koordinator: str | None = None,
        kommune: str | None = None,
        ansvarlig: str | None = None,
    ) -> list[dict[str, Any]]:
        """Open contact points of active episodes due in the period, and all overdue ones.

        One indexed query; overdue first, then by the start of the due range.
        """
        # Due ranges ending before today are overdue and always listed; the rest must reach
        # into the period. Splitting on today keeps both halves range scans of one index.
        if kun_forfalte:
            vilkar = ["s.forfall_til < :idag"]
        else:
            vilkar = [
                "(s.forfall_til < :idag OR (s.forfall_til >= :fra_eller_idag AND s.forfall_fra <= :til))"
            ]
        verdier: dict[str, Any] = {
            "idag": idag.isoformat(),
            "fra_eller_idag": max(periode.fra, idag).isoformat(),
            "til": periode.til.isoformat(),
        }
        for navn, verdi, kolonne in (
            ("koordinator", koordinator, "p.koordinator"),
            ("kommune", kommune, "p.kommune"),
            ("ansvarlig", ansvarlig, "s.ansvarlig"),
        ):
            if verdi:
                vilkar.append(f"{kolonne} = :{navn} COLLATE NOCASE")
                verdier[navn] = verdi
        sql = f"""
            SELECT p.id, p.navn, p.fnr, p.kommune, p.koordinator, f.nr, s.sp, s.ansvarlig,
                   s.vindu_fra, s.vindu_til, s.status, s.dato, s.klokkeslett, s.sted,
                   s.forfall_til < :idag AS forfalt
            FROM samhandlingspunkt s
            JOIN forlop f ON f.id = s.forlop_id
            JOIN pasient p ON p.id = f.pasient_id
            WHERE s.forfall_til IS NOT NULL AND f.status = 'aktiv' AND {" AND ".join(vilkar)}
            ORDER BY forfalt DESC, s.forfall_fra, s.forfall_til, p.navn, p.id, s.sp
        """
        with self.transaksjon() as db:
            rader = db.execute(sql, verdier).fetchall()
            self.logg(sorted({r[0] for r in rader}), "forfaller")
        return [
            {
                "pasient_id": pid,
                "navn": navn,
                "fnr": fnr_regler.masker(fnr),
                "kommune": kommune_,
                "koordinator": koord,
                "forlop": nr,
                "sp": sp,
                "ansvarlig": ansv,
                "vindu_fra": vfra,
                "vindu_til": vtil,
                "status": status,
                "dato": dato,
                "klokkeslett": klokke,
                "sted": sted,
                "tilstand": forlop.tilstand(status, fra_iso(vfra), fra_iso(vtil), fra_iso(dato), idag),
            }
            for (
                pid,
                navn,
                fnr,
                kommune_,
                koord,
                nr,
                sp,
                ansv,
                vfra,
                vtil,
                status,
                dato,
                klokke,
                sted,
                _forfalt,
            ) in rader
        ]

    # --- bulk insert for demo data -----------------------------------------------------

    def finnes_ekte_pasienter(self) -> bool:
        """True when any registered number is not a synthetic test number."""
        for (nummer,) in self.db.execute("SELECT fnr FROM pasient"):
            if not fnr_regler.er_syntetisk(nummer):
                return True
        return False

    def registrerte_fnr(self) -> set[str]:
        """Every fødselsnummer in the register (to keep demo numbers unique)."""
        return {r[0] for r in self.db.execute("SELECT fnr FROM pasient")}

    def neste_id(self, tabell: str) -> int:
        """The next free row id of a table (for bulk inserts that set ids themselves)."""
        assert tabell in ("pasient", "forlop", "samhandlingspunkt")
        return (self.db.execute(f"SELECT max(id) FROM {tabell}").fetchone()[0] or 0) + 1

    def legg_inn_mange(
        self,
        pasienter: Sequence[tuple],
        forlop_rader: Sequence[tuple],
        punkter: Sequence[tuple],
        hendelser: Sequence[tuple],
        handling: str,
    ) -> None:
        """Insert ready-made rows (ids set by the caller) in the running transaction."""
        db = self.db
        db.executemany(
            "INSERT INTO pasient (id, fnr, navn, fodselsdato, kommune, fastlege, koordinator,"
            " telefon, status, opprettet) VALUES (?,?,?,?,?,?,?,?,?,?)",
            pasienter,
        )
        db.executemany(
            "INSERT INTO forlop (id, pasient_id, nr, diagnosedato, diagnose, status,"
            " avsluttet_dato, avsluttet_grunn) VALUES (?,?,?,?,?,?,?,?)",
            forlop_rader,
        )
        db.executemany(
            "INSERT INTO samhandlingspunkt (forlop_id, sp, ansvarlig, vindu_fra, vindu_til,"
            " status, dato, klokkeslett, sted, grunn, forfall_fra, forfall_til)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            punkter,
        )
        tid, hvem = _na(), bruker()
        db.executemany(
            "INSERT INTO hendelse (tid, bruker, pasient_id, forlop_nr, sp, type, tekst)"
            " VALUES (?,?,?,?,?,?,?)",
            [(tid, hvem, *h) for h in hendelser],
        )
        self.logg((p[0] for p in pasienter), handling)

    def tillat_syntetiske(self) -> None:
        """Mark the register as a demo register that takes synthetic numbers."""
        self._lagre_innstilling(self.db, "tillat_syntetiske", True)


def _setninger(skript: str) -> list[str]:
    """Split a migration into statements (triggers hold semicolons inside BEGIN ... END)."""
    setninger, buffer = [], ""
    for linje in skript.splitlines(keepends=True):
        buffer += linje
        if sqlite3.complete_statement(buffer):
            if buffer.strip():
                setninger.append(buffer.strip())
            buffer = ""
    if buffer.strip():
        setninger.append(buffer.strip())
    return setninger


def _tom_som_null(tekst: str | None) -> str | None:
    if tekst is None:
        return None
    tekst = tekst.strip()
    return tekst or None


def _sjekk_diagnosedato(diagnosedato: date, fodselsdato: date, idag: date) -> None:
    if diagnosedato > idag:
        raise UgyldigInndata(
            f"Diagnosedatoen {norsk_dato(diagnosedato)} ligger fram i tid. "
            "Oppgi dagen pasienten fikk diagnosen."
        )
    if diagnosedato < fodselsdato:
        raise UgyldigInndata("Diagnosedatoen ligger før fødselsdatoen i fødselsnummeret. Sjekk begge.")


def _punkt_json(s: sqlite3.Row, idag: date) -> dict[str, Any]:
    return {
        "sp": s["sp"],
        "ansvarlig": s["ansvarlig"],
        "vindu_fra": s["vindu_fra"],
        "vindu_til": s["vindu_til"],
        "status": s["status"],
        "dato": s["dato"],
        "klokkeslett": s["klokkeslett"],
        "sted": s["sted"],
        "grunn": s["grunn"],
        "tilstand": forlop.tilstand(
            s["status"],
            fra_iso(s["vindu_fra"]),
            fra_iso(s["vindu_til"]),
            fra_iso(s["dato"]),
            idag,
        ),
    }


def _hendelsestekst(
    sp: int,
    status: str,
    dato: date | None,
    klokkeslett: str | None,
    sted: str | None,
    grunn: str | None,
) -> str:
    if status == forlop.AVTALT:
        tekst = f"SP{sp} avtalt {norsk_dato(dato)}"
        if klokkeslett:
            tekst += f" kl. {klokkeslett}"
        if sted:
            tekst += f", {sted}"
        return tekst + "."
    if status == forlop.UTSATT:
        return f"SP{sp} utsatt til {norsk_dato(dato)}. Grunn: {grunn}."
    if status == forlop.AVSLATT:
        tekst = f"SP{sp}: pasienten takket nei. Spør igjen {norsk_dato(dato)}."
        return tekst + (f" Grunn: {grunn}." if grunn else "")
    if status == forlop.BORTFALT:
        return f"SP{sp} bortfalt. Grunn: {grunn}."
    return f"SP{sp}: {status}."
