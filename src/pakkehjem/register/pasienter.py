"""Patients: finding one (number, fødselsnummer, name), registering, changing contact
details, the patient list and the whole patient as `vis --json` shows it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from typing import TYPE_CHECKING, Any, Unpack

from .. import fnr as fnr_regler
from .. import forlop
from ..datoer import fra_iso, norsk_dato, tidspunkt_utc
from ..feil import Avvist, Duplikat, FlereTreff, IkkeFunnet, UgyldigInndata
from ..regler import (
    NAVN_MAKS,
    navn_nokkel,
    normaliser_diagnose,
    sjekk_diagnosedato,
    sjekk_tekst,
    tom_som_null,
)
from . import uttrykk
from .gruppe import Gruppe

# The records are types only: the module that defines them is not loaded at run time.
if TYPE_CHECKING:
    from .poster import Forlopspost, Hendelsespost, NyPasient, Pasientpost, Pasientrad, Punktpost, Treff


class Pasienter(Gruppe):
    """The patients of a register (`reg.pasienter`)."""

    def finn_id(self, ref: str) -> int:
        """The local number for a reference: the local number itself or the fødselsnummer."""
        tekst = ref.strip()
        if fnr_regler.ser_ut_som_fnr(tekst):
            fnr = fnr_regler.normaliser(tekst)
            rad = self.db.execute("SELECT id FROM pasient WHERE fnr = ?", (fnr,)).fetchone()
            if rad is None:
                # A number whose check digits do not add up is a typing error (exit 2, cli.md),
                # not a patient missing from the register. Looked up first: a number stored by
                # an older version stays reachable as it is.
                if not fnr_regler.kontrollsifre_gyldige(fnr):
                    raise UgyldigInndata(
                        "Fødselsnummeret er ikke gyldig: kontrollsifrene stemmer ikke. "
                        "Sjekk at alle 11 sifrene er skrevet riktig."
                    )
                raise IkkeFunnet("Ingen pasient med det fødselsnummeret i registeret.")
            return int(rad[0])
        if any(tegn.isalpha() for tegn in tekst):
            return self._finn_pa_navn(tekst)
        # isascii: "²" and other Unicode digits pass isdigit() but not int().
        if not (tekst.isascii() and tekst.isdigit()):
            raise UgyldigInndata(
                f"«{ref}» er ikke en pasientreferanse. Oppgi pasientens nummer "
                "(fra ny-pasient eller pasienter) eller fødselsnummeret (11 siffer)."
            )
        # int() refuses a string of over 4,300 digits (ValueError); no patient has such a number.
        nummer = int(tekst) if len(tekst) <= 4000 else None
        rad = None
        if nummer is not None and nummer < 2**63:
            rad = self.db.execute("SELECT id FROM pasient WHERE id = ?", (nummer,)).fetchone()
        if rad is None:
            hvilket = "det nummeret" if nummer is None else f"nummer {nummer}"
            raise IkkeFunnet(f"Ingen pasient med {hvilket}. Se listen med «pakkehjem pasienter».")
        return int(rad[0])

    def sjekk_fnr(self, fnr: str, idag: date, *, ny: bool = False) -> fnr_regler.Fnr:
        """A fødselsnummer checked by the rules and this register's setting for test numbers;
        with `ny`, also refused (Duplikat) when it is registered already."""
        try:
            nummer = fnr_regler.valider(fnr, idag, self.reg.innstillinger()["tillat_syntetiske"])
        except fnr_regler.UgyldigFnr as feil:
            raise UgyldigInndata(f"Ugyldig fødselsnummer: {feil}") from None
        if ny:
            funnet = self.db.execute("SELECT id FROM pasient WHERE fnr = ?", (nummer.nummer,)).fetchone()
            if funnet:
                raise Duplikat(
                    f"Fødselsnummeret er allerede registrert, som pasient nr. {funnet[0]}. "
                    "Bruk «pakkehjem vis» for å se pasienten."
                )
        return nummer

    def _finn_pa_navn(self, tekst: str) -> int:
        """The one active patient whose name (a word of it) begins with `tekst` (navnetreff);
        IkkeFunnet for none, FlereTreff listing them for several."""
        rader = self.db.execute(
            "SELECT id, navn, fnr FROM pasient WHERE status = 'aktiv' AND navnetreff(navn, ?)"
            " ORDER BY navn COLLATE NORSK, id LIMIT 21",
            (tekst,),
        ).fetchall()
        if not rader:
            raise IkkeFunnet(
                f"Ingen aktiv pasient har et navn som begynner på «{tekst}». Søk med «pakkehjem finn», "
                "eller oppgi nummeret eller fødselsnummeret."
            )
        if len(rader) > 1:
            linjer = "\n".join(f"  nr. {pid}: {navn} ({fnr_regler.masker(f)})" for pid, navn, f in rader[:20])
            flere = "\n  ..." if len(rader) > 20 else ""
            raise FlereTreff(
                f"Flere aktive pasienter passer til «{tekst}». Oppgi nummeret:\n{linjer}{flere}",
                [r[0] for r in rader[:20]],
            )
        return int(rader[0][0])

    def finn(self, tekst: str, *, alle: bool = False) -> list[Treff]:
        """Patients whose name matches `tekst` (every word of it begins a word of the name,
        case- and accent-insensitive, æøå kept apart), active ones unless `alle`; masked, by
        name. Each patient listed is access-logged (`finn`)."""
        if not navn_nokkel(tekst).split():
            raise UgyldigInndata("Skriv hele eller begynnelsen av navnet du søker etter.")
        aktive = "" if alle else " AND p.status = 'aktiv'"
        with self.reg.transaksjon() as db:
            rader = db.execute(
                "SELECT p.id, p.navn, p.fnr, p.kommune, p.koordinator, p.status FROM pasient p"
                f" WHERE navnetreff(p.navn, ?){aktive} ORDER BY p.navn COLLATE NORSK, p.id",
                (tekst,),
            ).fetchall()
            self.t.logg([r[0] for r in rader], "finn")
        return [
            {
                "pasient_id": pid, "navn": navn, "fnr": fnr_regler.masker(nummer), "kommune": kommune,
                "koordinator": koordinator, "status": status,
            }
            for pid, navn, nummer, kommune, koordinator, status in rader
        ]  # fmt: skip

    def ny(self, *, idag: date, **felter: Unpack[NyPasient]) -> int:
        """Register a patient with episode 1 and its three contact points; returns the id."""
        return self._ny(idag, felter, vis=False)[0]

    def ny_og_vis(self, *, idag: date, **felter: Unpack[NyPasient]) -> Pasientpost:
        """`ny`, and the new patient read back (logged as `vis-ny`) in the same transaction:
        a coordinator waiting on the register after the patient is saved cannot be told the
        registration failed."""
        _, post = self._ny(idag, felter, vis=True)
        assert post is not None
        return post

    def _ny(self, idag: date, felter: NyPasient, *, vis: bool) -> tuple[int, Pasientpost | None]:
        fnr, diagnosedato = felter["fnr"], felter["diagnosedato"]
        navn, diagnose = felter["navn"], felter.get("diagnose")
        kommune, fastlege = felter.get("kommune"), felter.get("fastlege")
        koordinator, telefon = felter.get("koordinator"), felter.get("telefon")
        navn = (navn or "").strip()
        if not navn:
            raise UgyldigInndata("Navnet kan ikke være tomt. Oppgi --navn.")
        sjekk_tekst(navn, "Navnet", maks=NAVN_MAKS)
        for hva, verdi in (
            ("Kommunen", kommune),
            ("Fastlegen", fastlege),
            ("Koordinatoren", koordinator),
            ("Telefonnummeret", telefon),
        ):
            sjekk_tekst(verdi, hva, maks=NAVN_MAKS)
        diagnose = normaliser_diagnose(diagnose)
        innst = self.reg.innstillinger()
        nummer = self.sjekk_fnr(fnr, idag)
        sjekk_diagnosedato(diagnosedato, nummer.fodselsdato, idag)
        with self.reg.transaksjon() as db:
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
                    tom_som_null(kommune),
                    tom_som_null(fastlege),
                    tom_som_null(koordinator),
                    tom_som_null(telefon),
                    tidspunkt_utc(),
                ),
            ).lastrowid
            assert pasient_id is not None
            self.reg.punkter.nytt_forlop(db, pasient_id, 1, diagnosedato, diagnose, innst["sp1_uker"])
            self.t.hendelse(
                pasient_id,
                1,
                None,
                "registrert",
                f"Registrert, diagnosedato {norsk_dato(diagnosedato)}.",
            )
            self.t.logg(pasient_id, "ny-pasient")
            post = None
            if vis:
                post = self.data(int(pasient_id), idag)
                self.t.logg(pasient_id, "vis-ny")
        return int(pasient_id), post

    def endre(
        self,
        ref: str,
        endringer: dict[str, str | None],
        *,
        idag: date,
        diagnosedato: date | None = None,
        diagnose: str | None = None,
        fnr: str | None = None,
    ) -> int:
        """Change a patient's contact details (empty text clears a field), and with
        `diagnosedato`, `diagnose` or `fnr` correct those (`korriger`), all in one transaction;
        returns the id."""
        tillatt = ("navn", "kommune", "fastlege", "koordinator", "telefon")
        felt = {k: v for k, v in endringer.items() if k in tillatt and v is not None}
        for k, v in felt.items():
            sjekk_tekst(v, f"--{k}", maks=NAVN_MAKS)
        if diagnosedato is not None or diagnose is not None or fnr is not None:
            if "navn" in felt and not felt["navn"].strip():
                raise UgyldigInndata("Navnet kan ikke være tomt.")
            return self.reg.punkter.korriger(
                ref, idag=idag, diagnosedato=diagnosedato, diagnose=diagnose, fnr=fnr,
                kontakt=felt,
            )  # fmt: skip
        if not felt:
            raise UgyldigInndata(
                "Ingenting å endre. Oppgi minst ett av --navn, --kommune, --fastlege, "
                "--koordinator, --telefon."
            )
        if "navn" in felt and not felt["navn"].strip():
            raise UgyldigInndata("Navnet kan ikke være tomt.")
        with self.reg.transaksjon():
            return self.endre_kontakt(ref, felt)

    def endre_kontakt(self, ref: str, felt: dict[str, str]) -> int:
        pasient_id = self.finn_id(ref)
        sett = ", ".join(f"{k} = ?" for k in felt)
        self.db.execute(
            f"UPDATE pasient SET {sett} WHERE id = ?",
            [tom_som_null(v) for v in felt.values()] + [pasient_id],
        )
        self.t.hendelse(
            pasient_id,
            None,
            None,
            "endret",
            "Kontaktopplysninger endret: " + ", ".join(felt) + ".",
        )
        self.t.logg(pasient_id, "endre")
        return pasient_id

    def vis(self, ref: str, idag: date, handling: str = "vis") -> Pasientpost:
        """One patient in the shape of `vis --json` (cli.md), logged as `handling`."""
        with self.reg.transaksjon():
            pasient_id = self.finn_id(ref)
            data = self.data(pasient_id, idag)
            self.t.logg(pasient_id, handling)
        return data

    def data(self, pasient_id: int, idag: date) -> Pasientpost:
        """The whole patient as `vis --json` shows it, read in the caller's transaction."""
        db = self.db
        (pid, fnr, navn, fodselsdato, kommune, fastlege, koordinator, telefon, status) = db.execute(
            "SELECT id, fnr, navn, fodselsdato, kommune, fastlege, koordinator, telefon, status"
            " FROM pasient WHERE id = ?",
            (pasient_id,),
        ).fetchone()
        punkter: dict[int, list[Punktpost]] = {}
        for forlop_nr, *punkt in db.execute(
            "SELECT f.nr, s.sp, s.ansvarlig, s.vindu_fra, s.vindu_til, s.status, s.dato, s.klokkeslett,"
            " s.sted, s.grunn, s.holdt_av, s.sammendrag FROM samhandlingspunkt s"
            " JOIN forlop f ON f.id = s.forlop_id WHERE f.pasient_id = ? ORDER BY f.nr, s.sp",
            (pasient_id,),
        ).fetchall():
            punkter.setdefault(forlop_nr, []).append(_punktpost(punkt, idag))
        forlopene: list[Forlopspost] = [
            {
                "nr": nr,
                "diagnosedato": ddato,
                "diagnose": diagnose,
                "status": fstatus,
                "avsluttet_dato": adato,
                "avsluttet_grunn": agrunn,
                "til_kommune": til_kommune,
                "samhandlingspunkter": punkter.get(nr, []),
            }
            for nr, ddato, diagnose, fstatus, adato, agrunn, til_kommune in db.execute(
                "SELECT nr, diagnosedato, diagnose, status, avsluttet_dato, avsluttet_grunn, til_kommune"
                " FROM forlop WHERE pasient_id = ? ORDER BY nr",
                (pasient_id,),
            ).fetchall()
        ]
        hendelser: list[Hendelsespost] = [
            {"tid": tid, "bruker": hvem, "forlop_nr": nr, "sp": sp, "type": type_, "tekst": tekst}
            for tid, hvem, nr, sp, type_, tekst in db.execute(
                "SELECT tid, bruker, forlop_nr, sp, type, tekst FROM hendelse"
                " WHERE pasient_id = ? ORDER BY id",
                (pasient_id,),
            ).fetchall()
        ]
        return {
            "id": pid,
            "fnr": fnr,
            "navn": navn,
            "fodselsdato": fodselsdato,
            "kommune": kommune,
            "fastlege": fastlege,
            "koordinator": koordinator,
            "telefon": telefon,
            "status": status,
            "forlop": forlopene,
            "samtaler": self.reg.samtaler.som_json(pasient_id),
            "tiltak": self.reg.tiltak.for_pasient(pasient_id),
            # `omfang`: the themes a consent to nav or annen covers (null: the recipient's own
            # themes only, samtykke.EGNE_TEMA); `navn`: the recipient an annen consent names.
            "samtykke": self.reg.samtykker.historikk(pasient_id),
            # The consent in force per recipient kind (the latest row; samtykke.py says why).
            "samtykke_gjeldende": {
                art: {
                    "svar": rad["svar"],
                    "dato": rad["dato"],
                    "kilde": rad["kilde"],
                    "samtale": rad["samtale"],
                    "omfang": rad["omfang"],
                    "navn": rad["navn"],
                }
                for art, rad in self.reg.samtykker.gjeldende(pasient_id).items()
            },
            "brev": self.reg.brevlogg.som_json(pasient_id),
            "hendelser": hendelser,
        }

    def liste(
        self,
        idag: date,
        *,
        alle: bool = False,
        koordinator: str | None = None,
        kommune: str | None = None,
    ) -> list[Pasientrad]:
        """Patients (active ones unless `alle`), with the active episode and next open point."""
        rader: list[Pasientrad] = [
            json.loads(rad)
            for rad in self.liste_json(idag, alle=alle, koordinator=koordinator, kommune=kommune)
        ]
        return rader

    def liste_json(
        self,
        idag: date,
        *,
        alle: bool = False,
        koordinator: str | None = None,
        kommune: str | None = None,
        bolk: int = 2000,
    ) -> Iterator[str]:
        """The patient list of `pasienter --json` (cli.md), one JSON object per patient, made by
        SQLite and handed out as it is read, so a million patients never sit in memory at once.

        Every listed patient is in the access log before the first row is handed out: the log
        is written by one INSERT ... SELECT in the transaction that starts the query, and the
        query reads the register as it was at that commit (SQLite lets a COMMIT run under an
        unfinished SELECT, which keeps its snapshot), so the register is not held while the
        caller writes the list out.
        """
        vilkar, verdier = ["1 = 1"], {"idag": idag.isoformat()}
        if not alle:
            vilkar.append("p.status = 'aktiv'")
        if koordinator:
            vilkar.append("p.koordinator = :koordinator COLLATE NORSK")
            verdier["koordinator"] = koordinator
        if kommune:
            vilkar.append("p.kommune = :kommune COLLATE NORSK")
            verdier["kommune"] = kommune
        hvor = " AND ".join(vilkar)
        sql = f"""
            SELECT json_object(
                'pasient_id', p.id, 'navn', p.navn, 'fnr', {uttrykk.maskert_fnr("p.fnr")},
                'kommune', p.kommune, 'koordinator', p.koordinator, 'status', p.status,
                'forlop', f.nr, 'diagnosedato', f.diagnosedato, 'diagnose', f.diagnose,
                'neste', CASE WHEN s.sp IS NULL THEN NULL ELSE json_object(
                    'sp', s.sp, 'status', s.status, 'dato', s.dato, 'vindu_fra', s.vindu_fra,
                    'vindu_til', s.vindu_til, 'tilstand', {uttrykk.tilstand("s", ":idag")}) END)
            FROM pasient p
            LEFT JOIN forlop f ON f.pasient_id = p.id AND f.status = 'aktiv'
            LEFT JOIN samhandlingspunkt s ON s.id = (
                SELECT s2.id FROM samhandlingspunkt s2
                WHERE s2.forlop_id = f.id AND s2.forfall_til IS NOT NULL
                ORDER BY s2.sp LIMIT 1)
            WHERE {hvor}
            ORDER BY p.navn COLLATE NOCASE, p.id
        """
        # Not a generator itself: the register is read (or refused as busy or damaged) when this
        # is called, before the caller has written a line of the list.
        with self.reg.transaksjon():
            self.t.logg_utvalg(f"SELECT p.id FROM pasient p WHERE {hvor}", verdier, "pasienter")
            markor = self.db.execute(sql, verdier)
            forste = markor.fetchmany(bolk)
        return _rad_for_rad(markor, forste, bolk)

    def er_dod(self, pasient_id: int) -> bool:
        """True when an episode of the patient ended with the reason death."""
        return (
            self.db.execute(
                "SELECT 1 FROM forlop WHERE pasient_id = ? AND avsluttet_grunn = 'dod'", (pasient_id,)
            ).fetchone()
            is not None
        )

    def sjekk_ikke_dod(self, pasient_id: int) -> None:
        """Avvist when the patient is registered dead: letters TO the patient are not written
        (letters ABOUT the patient, to the GP and others, still are)."""
        if self.er_dod(pasient_id):
            raise Avvist(
                f"Pasient nr. {pasient_id} er registrert som død. Brev til pasienten lages ikke; "
                "brev om pasienten (til fastlegen, kommunen, sykehuset) kan fortsatt lages."
            )


def _punktpost(rad: list[Any], idag: date) -> Punktpost:
    """A contact point's row (sp, ansvarlig, vindu_fra, vindu_til, status, dato, klokkeslett,
    sted, grunn, holdt_av, sammendrag) with its state on `idag`."""
    sp, ansvarlig, vfra, vtil, status, dato, klokkeslett, sted, grunn, holdt_av, sammendrag = rad
    return {
        "sp": sp,
        "ansvarlig": ansvarlig,
        "vindu_fra": vfra,
        "vindu_til": vtil,
        "status": status,
        "dato": dato,
        "klokkeslett": klokkeslett,
        "sted": sted,
        "grunn": grunn,
        "holdt_av": holdt_av,
        "sammendrag": sammendrag,
        "tilstand": forlop.tilstand(status, fra_iso(vfra), fra_iso(vtil), fra_iso(dato), idag),
    }


def _rad_for_rad(markor: Any, rader: list[tuple[str]], bolk: int) -> Iterator[str]:
    """The rows already fetched, then the rest of the cursor, a part at a time."""
    while rader:
        for (rad,) in rader:
            yield rad
        rader = markor.fetchmany(bolk)
