"""Conversations: the stored guide texts, starting and resuming (with the lock), answers,
drafts, revisions, finishing, and discarding an empty one."""

from __future__ import annotations

import json
from datetime import date
from typing import TYPE_CHECKING, Any

from .. import datoregler, forlop
from ..datoer import fra_iso, iso, norsk_dato, tidspunkt_utc, vis_tid
from ..feil import Avvist, IkkeFunnet
from ..hendelser import hendelsestekst
from ..prosess import las_er_i_bruk
from ..regler import (
    lukket_tekst,
    normaliser_klokkeslett,
    regel,
)
from .gruppe import Gruppe
from .punkter import Punkt
from .tilkobling import bruker

# The records are types only: the module that defines them is not loaded at run time.
if TYPE_CHECKING:
    from ..guide import Svartiltak
    from .poster import Forkastet, Fullfort, Korrigering, Lagret, Nestepost, Samtalepost, Samtalesammendrag


def _holdt_har_vaert(dato: date, idag: date) -> None:
    """A conversation's date has been (UgyldigInndata otherwise): asked first, before the
    patient is looked up, by every way a conversation is begun or stored."""
    regel(datoregler.har_vaert(dato, idag, "Samtaledatoen", "Oppgi dagen samtalen ble holdt."))


class Samtaler(Gruppe):
    """The conversations of a register (`reg.samtaler`)."""

    def lagre_guide(self, guide_id: str, versjon: str, kilde: str) -> int:
        """The stored copy of a guide text (one row per distinct text); returns its row id."""
        with self.reg.transaksjon():
            return self.guide_ref((guide_id, versjon, kilde))

    def guide_ref(self, guide: int | tuple[str, str, str]) -> int:
        """A stored guide's row id as is; a guide's (id, versjon, kilde) stored in the running
        transaction, so a refused conversation leaves no guide row behind."""
        if isinstance(guide, int):
            return guide
        guide_id, versjon, kilde = guide
        import hashlib  # here, not at the top: reading a patient never hashes a guide

        sjekksum = hashlib.sha256(kilde.encode("utf-8")).hexdigest()
        rad = self.db.execute("SELECT id FROM guide WHERE sjekksum = ?", (sjekksum,)).fetchone()
        if rad:
            return int(rad[0])
        ny = self.db.execute(
            "INSERT INTO guide (guide_id, versjon, sjekksum, kilde) VALUES (?,?,?,?)",
            (guide_id, versjon, sjekksum, kilde),
        ).lastrowid
        assert ny is not None
        return int(ny)

    def guide_kilde(self, guide_ref: int) -> str:
        """The guide text a conversation was held with."""
        rad = self.db.execute("SELECT kilde FROM guide WHERE id = ?", (guide_ref,)).fetchone()
        if rad is None:
            raise IkkeFunnet("Samtaleguiden til denne samtalen finnes ikke i registeret.")
        return str(rad[0])

    def begynn_eller_fortsett(
        self,
        ref: str,
        sp: int | None,
        dato: date,
        guide_ref: int | tuple[str, str, str],
        eier: str | None,
        handling: str = "samtale",
        *,
        endre: bool = False,
        idag: date | None = None,
    ) -> Samtalepost:
        """Find or start the conversation of a contact point, taking its lock for `eier`.

        `guide_ref`: a stored guide's row id, or (id, versjon, kilde) to store with the change.
        Returns the conversation with its stored answers; `ny` tells whether it was started now.
        `endre`: amend the point's finished conversation as a new revision (or go on with the
        revision begun); a finished point opens only for its revision. `idag`: when given,
        `dato` may not lie after it.
        """
        if idag is not None:
            _holdt_har_vaert(dato, idag)
        with self.reg.transaksjon() as db:
            pasient_id = self.reg.pasienter.finn_id(ref)
            if sp is None:
                # A paused conversation comes first: opening an empty SP1 beside a paused SP2
                # with answers in it would hide the work already done.
                sp = self.pagar_sp(pasient_id)
            punkt = self.reg.punkter.finn(pasient_id, sp)
            guide_ref = self.guide_ref(guide_ref)
            rad = db.execute(
                "SELECT id, las_eier, las_tid, guide_ref, dato FROM samtale"
                " WHERE samhandlingspunkt_id = ? AND status = 'pagar'",
                (punkt.id,),
            ).fetchone()
            revisjon = rad is not None and self.erstatter(rad[0]) is not None
            if endre and forlop.er_apen(punkt.status):
                raise Avvist(
                    f"Samhandlingspunkt {punkt.sp} er ikke gjennomført: fortsett samtalen uten --endre."
                )
            if not forlop.er_apen(punkt.status) and not revisjon and not endre:
                raise Avvist(
                    f"Samhandlingspunkt {punkt.sp} er allerede {lukket_tekst(punkt.status)}. En fullført "
                    f"samtale endres med «pakkehjem samtale {pasient_id} --sp {punkt.sp} --endre»."
                )
            if endre and rad is None:
                rad = self._ny_revisjon(pasient_id, punkt, eier)
            ny = rad is None
            if ny:
                # Not in the future is the caller's check (it knows today); here: not before
                # the diagnosis, whoever calls.
                diagnosedato, _ = self.reg.punkter.forlop_datoer(punkt.forlop_id)
                regel(datoregler.holdt_dato(dato, diagnosedato, dato))
                samtale_id = db.execute(
                    "INSERT INTO samtale (pasient_id, samhandlingspunkt_id, guide_ref, dato,"
                    " startet, bruker, las_eier, las_tid) VALUES (?,?,?,?,?,?,?,?)",
                    (
                        pasient_id,
                        punkt.id,
                        guide_ref,
                        dato.isoformat(),
                        tidspunkt_utc(),
                        bruker(),
                        eier,
                        tidspunkt_utc() if eier else None,
                    ),
                ).lastrowid
                self.t.hendelse(
                    pasient_id,
                    punkt.forlop_nr,
                    punkt.sp,
                    "samtale_startet",
                    f"Samtale for SP{punkt.sp} startet.",
                )
            else:
                samtale_id, las_eier, las_tid, guide_ref, _ = rad
                if eier is not None:
                    if las_eier and las_eier != eier and las_er_i_bruk(las_eier, las_tid):
                        raise Avvist(
                            f"Samtalen for SP{punkt.sp} er åpen hos en annen bruker "
                            f"(siden {vis_tid(las_tid)[11:16] if las_tid else '?'}). Vent til den er "
                            "lukket, eller be den andre avslutte."
                        )
                    db.execute(
                        "UPDATE samtale SET las_eier = ?, las_tid = ? WHERE id = ?",
                        (eier, tidspunkt_utc(), samtale_id),
                    )
            self.t.logg(pasient_id, handling)
            assert samtale_id is not None
            data = self.data(samtale_id)
        data["ny"] = ny
        return data

    def erstatter(self, samtale_id: int) -> int | None:
        """The conversation this one is a revision of, if any."""
        rad = self.db.execute(
            "SELECT erstatter FROM samtale_revisjon WHERE samtale_id = ?", (samtale_id,)
        ).fetchone()
        return rad[0] if rad else None

    def _ny_revisjon(self, pasient_id: int, punkt: Punkt, eier: str | None) -> tuple[Any, ...]:
        """A new revision of the point's finished conversation, with a copy of its answers; the
        actions move to it (they are live: done or not), the old answers stay as they were."""
        db = self.db
        forrige = db.execute(
            "SELECT s.id, s.guide_ref, s.dato FROM samtale s WHERE s.samhandlingspunkt_id = ?"
            " AND s.status = 'fullfort' AND NOT EXISTS"
            " (SELECT 1 FROM samtale_revisjon r WHERE r.erstatter = s.id) ORDER BY s.id DESC LIMIT 1",
            (punkt.id,),
        ).fetchone()
        if forrige is None:
            raise Avvist(f"Det finnes ingen fullført samtale for SP{punkt.sp} å endre.")
        forrige_id, guide_ref, dato = forrige
        samtale_id = db.execute(
            "INSERT INTO samtale (pasient_id, samhandlingspunkt_id, guide_ref, dato, startet, bruker,"
            " las_eier, las_tid) VALUES (?,?,?,?,?,?,?,?)",
            (
                pasient_id,
                punkt.id,
                guide_ref,
                dato,
                tidspunkt_utc(),
                bruker(),
                eier,
                tidspunkt_utc() if eier else None,
            ),
        ).lastrowid
        db.execute(
            "INSERT INTO samtale_revisjon (samtale_id, erstatter) VALUES (?,?)", (samtale_id, forrige_id)
        )
        db.execute(
            "INSERT INTO svar (samtale_id, sporsmal_id, verdi, hoppet_over, rekkefolge, tid)"
            " SELECT ?, sporsmal_id, verdi, hoppet_over, rekkefolge, tid FROM svar WHERE samtale_id = ?",
            (samtale_id, forrige_id),
        )
        db.execute("UPDATE tiltak SET samtale_id = ? WHERE samtale_id = ?", (samtale_id, forrige_id))
        self.t.hendelse(
            pasient_id,
            punkt.forlop_nr,
            punkt.sp,
            "samtale_endres",
            f"Samtalen for SP{punkt.sp} fra {norsk_dato(fra_iso(dato))} åpnet for endring; "
            "svarene før endringen beholdes.",
        )
        self.t.logg(pasient_id, "samtale-endre")
        return (samtale_id, eier, tidspunkt_utc() if eier else None, guide_ref, dato)

    def sjekk(self, ref: str, sp: int | None, dato: date, idag: date, *, bekreft: bool = False) -> int:
        """Before a conversation is held on `dato`: the date rules (not before the diagnosis, not
        in the future, an SP3 long before its window only with `bekreft`). Logged as an access
        to the patient; returns the contact point it will be for."""
        _holdt_har_vaert(dato, idag)
        with self.reg.transaksjon():
            pasient_id = self.reg.pasienter.finn_id(ref)
            punkt = self.reg.punkter.finn(pasient_id, sp if sp is not None else self.pagar_sp(pasient_id))
            if forlop.er_apen(punkt.status):
                self.reg.punkter.sjekk_holdt(punkt, dato, idag, bekreft, "Samtaledatoen")
            self.t.logg(pasient_id, "samtale")
        return punkt.sp

    def pagar_sp(self, pasient_id: int) -> int | None:
        """The contact point of the patient's paused conversation (the one with most answers),
        which `samtale` without --sp resumes before it opens a new one; None when there is none."""
        pagar = self.db.execute(
            "SELECT p.sp FROM samtale s JOIN samhandlingspunkt p ON p.id = s.samhandlingspunkt_id"
            " JOIN forlop f ON f.id = p.forlop_id WHERE s.pasient_id = ? AND s.status = 'pagar'"
            " AND f.status = 'aktiv' ORDER BY f.nr DESC,"
            " (SELECT count(*) FROM svar WHERE svar.samtale_id = s.id) DESC, p.sp LIMIT 1",
            (pasient_id,),
        ).fetchone()
        return pagar[0] if pagar else None

    def data(self, samtale_id: int) -> Samtalepost:
        """The conversation as the interview works with it: where it stands, its answers,
        the questions skipped and the drafts kept."""
        (sid, pasient_id, guide_ref, dato, status, forlop_nr, sp, vfra, vtil, navn, startet, fullfort) = (
            self.db.execute(
                "SELECT s.id, s.pasient_id, s.guide_ref, s.dato, s.status, f.nr, sp.sp,"
                " sp.vindu_fra, sp.vindu_til, p.navn, s.startet, s.fullfort"
                " FROM samtale s JOIN samhandlingspunkt sp ON sp.id = s.samhandlingspunkt_id"
                " JOIN forlop f ON f.id = sp.forlop_id JOIN pasient p ON p.id = s.pasient_id"
                " WHERE s.id = ?",
                (samtale_id,),
            ).fetchone()
        )
        svar: dict[str, Any] = {}
        hoppet: list[str] = []
        for sporsmal_id, verdi, hoppet_over in self.db.execute(
            "SELECT sporsmal_id, verdi, hoppet_over FROM svar WHERE samtale_id = ? ORDER BY rekkefolge",
            (samtale_id,),
        ):
            if hoppet_over:
                hoppet.append(sporsmal_id)
            else:
                svar[sporsmal_id] = json.loads(verdi)
        utkast: dict[str, str] = dict(
            self.db.execute(
                "SELECT sporsmal_id, tekst FROM utkast WHERE samtale_id = ? ORDER BY tid", (samtale_id,)
            ).fetchall()
        )
        return {
            "erstatter": self.erstatter(samtale_id),
            "utkast": utkast,
            "id": sid,
            "pasient_id": pasient_id,
            "guide_ref": guide_ref,
            "dato": dato,
            "status": status,
            "forlop": forlop_nr,
            "sp": sp,
            "vindu_fra": vfra,
            "vindu_til": vtil,
            "navn": navn,
            "startet": startet,
            "fullfort": fullfort,
            "svar": svar,
            "hoppet_over": hoppet,
        }

    def _grunnrad(self, samtale_id: int) -> tuple[int, str, int]:
        rad = self.db.execute(
            "SELECT pasient_id, status, samhandlingspunkt_id FROM samtale WHERE id = ?",
            (samtale_id,),
        ).fetchone()
        if rad is None:
            raise IkkeFunnet(f"Ingen samtale med nummer {samtale_id}.")
        pasient_id, status, punkt_id = rad
        return int(pasient_id), str(status), int(punkt_id)

    def lagre_svar(
        self,
        samtale_id: int,
        sporsmal_id: str,
        verdi: Any,
        *,
        hoppet_over: bool = False,
        tiltak: list[Svartiltak] | None = None,
        samtykke: str | None = None,
        dato: date | None = None,
    ) -> None:
        """Store one answer the moment it is given (one transaction), with what it implies:
        the actions of a `tiltak` answer and the consent of a `samtykke` answer."""
        with self.reg.transaksjon() as db:
            pasient_id, status, _ = self._grunnrad(samtale_id)
            if status != "pagar":
                raise Avvist("Samtalen er fullført og kan ikke endres.")
            self._skriv_svar(
                db, samtale_id, pasient_id, sporsmal_id, verdi, hoppet_over, tiltak, samtykke, dato
            )
            db.execute("UPDATE samtale SET las_tid = ? WHERE id = ?", (tidspunkt_utc(), samtale_id))
            self.t.logg(pasient_id, "samtale-svar")

    def _skriv_svar(
        self,
        db: Any,
        samtale_id: int,
        pasient_id: int,
        sporsmal_id: str,
        verdi: Any,
        hoppet_over: bool,
        tiltak: list[Svartiltak] | None,
        samtykke: str | None,
        dato: date | None,
    ) -> None:
        rekkefolge = db.execute(
            "SELECT coalesce(max(rekkefolge), 0) + 1 FROM svar WHERE samtale_id = ?", (samtale_id,)
        ).fetchone()[0]
        db.execute(
            "INSERT INTO svar (samtale_id, sporsmal_id, verdi, hoppet_over, rekkefolge, tid)"
            " VALUES (?,?,?,?,?,?) ON CONFLICT (samtale_id, sporsmal_id) DO UPDATE SET"
            " verdi = excluded.verdi, hoppet_over = excluded.hoppet_over,"
            " rekkefolge = excluded.rekkefolge, tid = excluded.tid",
            (
                samtale_id,
                sporsmal_id,
                None if hoppet_over else json.dumps(verdi, ensure_ascii=False),
                int(hoppet_over),
                rekkefolge,
                tidspunkt_utc(),
            ),
        )
        if tiltak and not hoppet_over:
            samtaledato = fra_iso(
                db.execute("SELECT dato FROM samtale WHERE id = ?", (samtale_id,)).fetchone()[0]
            )
            assert samtaledato is not None
            for t in tiltak:
                if frist := t.get("frist"):
                    regel(datoregler.frist(date.fromisoformat(frist), samtaledato))
        # The answer is stored: a draft of it has done its work.
        db.execute("DELETE FROM utkast WHERE samtale_id = ? AND sporsmal_id = ?", (samtale_id, sporsmal_id))
        # An answer given again replaces what it implied before.
        db.execute("DELETE FROM tiltak WHERE samtale_id = ? AND sporsmal_id = ?", (samtale_id, sporsmal_id))
        for t in [] if hoppet_over else tiltak or []:
            db.execute(
                "INSERT INTO tiltak (pasient_id, samtale_id, sporsmal_id, hva, ansvarlig, frist,"
                " opprettet) VALUES (?,?,?,?,?,?,?)",
                (
                    pasient_id,
                    samtale_id,
                    sporsmal_id,
                    t["hva"],
                    t["ansvarlig"],
                    t.get("frist"),
                    tidspunkt_utc(),
                ),
            )
        if samtykke:
            db.execute("DELETE FROM samtykke WHERE samtale_id = ? AND mottaker = ?", (samtale_id, samtykke))
            if not hoppet_over and isinstance(verdi, bool):
                samtale_dato = db.execute("SELECT dato FROM samtale WHERE id = ?", (samtale_id,)).fetchone()[
                    0
                ]
                db.execute(
                    "INSERT INTO samtykke (pasient_id, mottaker, svar, dato, kilde, samtale_id,"
                    " registrert, bruker) VALUES (?,?,?,?,?,?,?,?)",
                    (
                        pasient_id,
                        samtykke,
                        "ja" if verdi else "nei",
                        iso(dato) or samtale_dato,
                        "samtale",
                        samtale_id,
                        tidspunkt_utc(),
                        bruker(),
                    ),
                )

    def angre_svar(self, samtale_id: int, sporsmal_id: str, samtykke: str | None = None) -> None:
        """Remove one answer (going back to a question), with the actions and consent it gave."""
        with self.reg.transaksjon() as db:
            pasient_id, status, _ = self._grunnrad(samtale_id)
            if status != "pagar":
                raise Avvist("Samtalen er fullført og kan ikke endres.")
            for tabell in ("svar", "tiltak", "utkast"):
                db.execute(
                    f"DELETE FROM {tabell} WHERE samtale_id = ? AND sporsmal_id = ?",
                    (samtale_id, sporsmal_id),
                )
            if samtykke:
                db.execute(
                    "DELETE FROM samtykke WHERE samtale_id = ? AND mottaker = ?", (samtale_id, samtykke)
                )
            self.t.logg(pasient_id, "samtale-angre")

    def begynn_pa_nytt(self, samtale_id: int) -> None:
        """Start an unfinished conversation over: its answers, actions and consent go."""
        with self.reg.transaksjon() as db:
            pasient_id, status, _ = self._grunnrad(samtale_id)
            if status != "pagar":
                raise Avvist("Samtalen er fullført og kan ikke begynnes på nytt.")
            for tabell in ("svar", "tiltak", "samtykke", "utkast"):
                db.execute(f"DELETE FROM {tabell} WHERE samtale_id = ?", (samtale_id,))
            self.t.hendelse(
                pasient_id,
                None,
                None,
                "samtale_på_nytt",
                f"Samtale nr. {samtale_id} begynt på nytt; tidligere svar slettet.",
            )
            self.t.logg(pasient_id, "samtale-på-nytt")

    def lagre_utkast(self, samtale_id: int, sporsmal_id: str, tekst: str) -> None:
        """Keep what is typed for a question but not yet given as its answer (one transaction);
        an empty text removes the draft."""
        with self.reg.transaksjon() as db:
            pasient_id, status, _ = self._grunnrad(samtale_id)
            if status != "pagar":
                raise Avvist("Samtalen er fullført og kan ikke endres.")
            if tekst.strip():
                db.execute(
                    "INSERT INTO utkast (samtale_id, sporsmal_id, tekst, tid) VALUES (?,?,?,?)"
                    " ON CONFLICT (samtale_id, sporsmal_id) DO UPDATE SET tekst = excluded.tekst,"
                    " tid = excluded.tid",
                    (samtale_id, sporsmal_id, tekst, tidspunkt_utc()),
                )
            else:
                db.execute(
                    "DELETE FROM utkast WHERE samtale_id = ? AND sporsmal_id = ?", (samtale_id, sporsmal_id)
                )
            self.t.logg(pasient_id, "samtale-utkast")

    def slipp(self, samtale_id: int, eier: str) -> None:
        """Release the conversation's lock if `eier` holds it."""
        with self.reg.transaksjon() as db:
            db.execute(
                "UPDATE samtale SET las_eier = NULL, las_tid = NULL WHERE id = ? AND las_eier = ?",
                (samtale_id, eier),
            )

    def fullfor(
        self,
        samtale_id: int,
        *,
        idag: date,
        neste_avtale: tuple[date, str | None, str | None] | None = None,
    ) -> Fullfort:
        """Finish: the conversation becomes fullfort, its contact point gjennomfort on its date
        (an amendment: the new version is kept, dated `idag` in the timeline).

        When a date for the next contact point was agreed, that point is booked in the same
        transaction. Returns the patient's next open contact point (or None).
        """
        with self.reg.transaksjon():
            return self._fullfor(samtale_id, neste_avtale, idag)

    def _fullfor(
        self, samtale_id: int, neste_avtale: tuple[date, str | None, str | None] | None, idag: date
    ) -> Fullfort:
        db = self.db
        pasient_id, status, sp_id = self._grunnrad(samtale_id)
        if status != "pagar":
            raise Avvist("Samtalen er allerede fullført.")
        samtale_dato = fra_iso(
            db.execute("SELECT dato FROM samtale WHERE id = ?", (samtale_id,)).fetchone()[0]
        )
        # Finished, and its lock released: one statement for a first version and an amendment.
        db.execute(
            "UPDATE samtale SET status = 'fullfort', fullfort = ?, las_eier = NULL, las_tid = NULL"
            " WHERE id = ?",
            (tidspunkt_utc(), samtale_id),
        )
        punkt = self.reg.punkter.fra_id(sp_id)
        if self.erstatter(samtale_id) is not None:
            # An amendment: the point was held already; only the record of what was said changes.
            self.t.hendelse(
                pasient_id,
                punkt.forlop_nr,
                punkt.sp,
                "samtale_endret",
                f"Samtalen for SP{punkt.sp} er endret {norsk_dato(idag)}; den forrige versjonen er beholdt.",
            )
            # What the consents to nav and annen may share follows the amended answers.
            self._samtykke_omfang_etter_endring(samtale_id, pasient_id)
            self.t.logg(pasient_id, "samtale-fullfort")
            return {
                "pasient_id": pasient_id,
                "samtale_id": samtale_id,
                "sp": punkt.sp,
                "neste": None,
                "forlop_fullfort": False,
                "endret": True,
            }
        self.reg.punkter.sett_status(
            punkt,
            forlop.GJENNOMFORT,
            dato=samtale_dato,
            tekst=f"SP{punkt.sp} gjennomført {norsk_dato(samtale_dato)}.",
        )
        # SP3 held: the pathway is complete (domain.md); the episode ends as `fullfort`.
        forlop_fullfort = self.reg.punkter.avslutt_etter_sp3(punkt, samtale_dato)
        self._samtykke_omfang(samtale_id)
        neste = self.reg.punkter.neste(punkt)
        if neste is not None and neste_avtale is not None:
            dato, klokkeslett, sted = neste_avtale
            assert samtale_dato is not None
            regel(datoregler.neste_avtale(dato, samtale_dato))
            klokkeslett = normaliser_klokkeslett(klokkeslett)
            self.reg.punkter.sett_status(
                neste,
                forlop.AVTALT,
                dato=dato,
                klokkeslett=klokkeslett,
                sted=sted,
                tekst=hendelsestekst(neste.sp, forlop.AVTALT, dato, klokkeslett, sted, None),
            )
        self.t.logg(pasient_id, "samtale-fullfort")
        resultat: Nestepost | None = None
        if neste is not None:
            r = db.execute(
                "SELECT sp, ansvarlig, vindu_fra, vindu_til, status, dato, klokkeslett, sted"
                " FROM samhandlingspunkt WHERE id = ?",
                (neste.id,),
            ).fetchone()
            resultat = {
                "sp": r[0], "ansvarlig": r[1], "vindu_fra": r[2], "vindu_til": r[3], "status": r[4],
                "dato": r[5], "klokkeslett": r[6], "sted": r[7],
            }  # fmt: skip
        return {
            "pasient_id": pasient_id,
            "samtale_id": samtale_id,
            "sp": punkt.sp,
            "neste": resultat,
            "forlop_fullfort": forlop_fullfort,
        }

    def _samtykke_omfang_etter_endring(self, samtale_id: int, pasient_id: int) -> None:
        """An amended conversation's consents to nav and annen: one answered again in this
        version gets its scope as usual; one given in an earlier version gets a new row in this
        version with the amended scope and named recipient when they changed (the same consent
        date, so it is the one in force; the earlier row stays as history)."""
        db = self.db
        tidligere: list[int] = []
        nr: int | None = samtale_id
        while nr is not None and (nr := self.erstatter(nr)) is not None:
            tidligere.append(nr)
        plasser = ",".join("?" * len(tidligere))
        kopier: dict[int, tuple[Any, Any]] = {}  # new row id -> the earlier row's (omfang, navn)
        for art in ("nav", "annen"):
            if (
                not tidligere
                or db.execute(
                    "SELECT 1 FROM samtykke WHERE samtale_id = ? AND mottaker = ?", (samtale_id, art)
                ).fetchone()
            ):
                continue
            rad = db.execute(
                f"SELECT svar, dato, kilde, omfang, navn FROM samtykke WHERE mottaker = ?"
                f" AND samtale_id IN ({plasser}) ORDER BY dato DESC, id DESC LIMIT 1",
                (art, *tidligere),
            ).fetchone()
            if rad is None or rad[0] != "ja":
                continue
            ny_id = db.execute(
                "INSERT INTO samtykke (pasient_id, mottaker, svar, dato, kilde, samtale_id, registrert,"
                " bruker, omfang, navn) VALUES (?,?,?,?,?,?,?,?,?,?)",
                (pasient_id, art, *rad[:3], samtale_id, tidspunkt_utc(), bruker(), *rad[3:]),
            ).lastrowid
            kopier[ny_id] = (rad[3], rad[4])
        self._samtykke_omfang(samtale_id)
        for ny_id, gammel in kopier.items():
            # A copy whose scope and name did not change adds nothing to the history.
            etter = db.execute("SELECT omfang, navn FROM samtykke WHERE id = ?", (ny_id,)).fetchone()
            if tuple(etter) == gammel:
                db.execute("DELETE FROM samtykke WHERE id = ?", (ny_id,))

    def _samtykke_omfang(self, samtale_id: int) -> None:
        """The scope and named recipient of the conversation's consents to nav and annen, from
        its answers read with its own guide. Until the conversation is finished a consent it
        gave has no scope: nothing beyond the recipient's own themes."""
        db = self.db
        if not db.execute(
            "SELECT 1 FROM samtykke WHERE samtale_id = ? AND mottaker IN ('nav', 'annen') AND svar = 'ja'",
            (samtale_id,),
        ).fetchone():
            return
        from .. import guide as guide_modul

        guide_ref = db.execute("SELECT guide_ref FROM samtale WHERE id = ?", (samtale_id,)).fetchone()[0]
        guiden = guide_modul.fra_tekst(self.guide_kilde(guide_ref), f"registeret (guide {guide_ref})")
        svar = {
            sid: json.loads(verdi)
            for sid, verdi in db.execute(
                "SELECT sporsmal_id, verdi FROM svar WHERE samtale_id = ? AND hoppet_over = 0", (samtale_id,)
            )
        }
        for art, valgt in guide_modul.samtykke_omfang(guiden, svar).items():
            db.execute(
                "UPDATE samtykke SET omfang = ?, navn = ? WHERE samtale_id = ? AND mottaker = ?",
                (
                    json.dumps(valgt["omfang"]) if valgt["omfang"] is not None else None,
                    valgt["navn"],
                    samtale_id,
                    art,
                ),
            )

    def lagre_hel(
        self,
        ref: str,
        sp: int | None,
        dato: date,
        guide_ref: int | tuple[str, str, str],
        svar: list[tuple[str, Any, list[Svartiltak] | None, str | None]],
        neste_avtale: tuple[date, str | None, str | None] | None,
        *,
        idag: date | None = None,
        bekreft: bool = False,
        fullfor: bool = True,
    ) -> Fullfort | Lagret:
        """A whole conversation from an answers file, in ONE transaction: all or nothing (the
        guide too: `guide_ref` as for `begynn_eller_fortsett`). The date rules of `datoregler` first:
        held on `dato` between the diagnosis and `idag` (default: `dato`), an SP3 long before
        its window only with `bekreft`, deadlines and the next date after `dato`.
        `fullfor=False` (a booklet, then the conversation): the answers are stored and the
        conversation stays open, to go on at the terminal."""
        _holdt_har_vaert(dato, idag or dato)
        with self.reg.transaksjon() as db:
            pasient_id = self.reg.pasienter.finn_id(ref)
            punkt = self.reg.punkter.finn(pasient_id, sp)
            if forlop.er_apen(punkt.status):
                self.reg.punkter.sjekk_holdt(punkt, dato, idag or dato, bekreft, "Samtaledatoen")
            guide_ref = self.guide_ref(guide_ref)
            if db.execute(
                "SELECT 1 FROM samtale WHERE samhandlingspunkt_id = ? AND status = 'pagar'",
                (punkt.id,),
            ).fetchone():
                raise Avvist(
                    f"Det finnes en påbegynt samtale for SP{punkt.sp}. Fortsett den med "
                    f"«pakkehjem samtale {pasient_id} --sp {punkt.sp}», eller begynn den på nytt der."
                )
            samtale_id = db.execute(
                "INSERT INTO samtale (pasient_id, samhandlingspunkt_id, guide_ref, dato, startet,"
                " bruker) VALUES (?,?,?,?,?,?)",
                (pasient_id, punkt.id, guide_ref, dato.isoformat(), tidspunkt_utc(), bruker()),
            ).lastrowid
            assert samtale_id is not None
            for sporsmal_id, verdi, tiltak, samtykke in svar:
                self._skriv_svar(
                    db, samtale_id, pasient_id, sporsmal_id, verdi, False, tiltak, samtykke, None
                )
            self.t.logg(pasient_id, "samtale-svarfil")
            if not fullfor:
                return {"pasient_id": pasient_id, "samtale_id": samtale_id, "sp": punkt.sp}
            return self._fullfor(samtale_id, neste_avtale, idag or dato)

    def forkast(self, ref: str, sp: int | None) -> Forkastet:
        """Remove a conversation begun by mistake, only while it holds no answer (skipped
        questions and drafts go with it); logged in the access log and the timeline."""
        with self.reg.transaksjon() as db:
            pasient_id = self.reg.pasienter.finn_id(ref)
            rad = db.execute(
                "SELECT s.id, p.sp, f.nr, s.las_eier, s.las_tid FROM samtale s"
                " JOIN samhandlingspunkt p ON p.id = s.samhandlingspunkt_id"
                " JOIN forlop f ON f.id = p.forlop_id WHERE s.pasient_id = ? AND s.status = 'pagar'"
                " AND f.status = 'aktiv' AND (? IS NULL OR p.sp = ?) ORDER BY f.nr DESC, p.sp LIMIT 1",
                (pasient_id, sp, sp),
            ).fetchone()
            self.t.logg(pasient_id, "samtale-forkast")
            if rad is None:
                hvor = f" for SP{sp}" if sp else ""
                raise Avvist(f"Det finnes ingen påbegynt samtale{hvor} å forkaste.")
            samtale_id, punkt_sp, forlop_nr, las_eier, las_tid = rad
            if las_eier and las_er_i_bruk(las_eier, las_tid):
                raise Avvist(f"Samtalen for SP{punkt_sp} er åpen nå. Lukk den før den forkastes.")
            antall = db.execute(
                "SELECT count(*) FROM svar WHERE samtale_id = ? AND hoppet_over = 0", (samtale_id,)
            ).fetchone()[0]
            if antall:
                raise Avvist(
                    f"Samtalen for SP{punkt_sp} har {antall} svar og kan ikke forkastes. Fortsett den "
                    f"med «pakkehjem samtale {pasient_id} --sp {punkt_sp}», eller begynn på nytt der."
                )
            for tabell in ("utkast", "svar"):
                db.execute(f"DELETE FROM {tabell} WHERE samtale_id = ?", (samtale_id,))
            db.execute("DELETE FROM samtale WHERE id = ?", (samtale_id,))
            self.t.hendelse(
                pasient_id,
                forlop_nr,
                punkt_sp,
                "samtale_forkastet",
                f"Tom samtale for SP{punkt_sp} forkastet.",
            )
            return {"pasient_id": pasient_id, "sp": punkt_sp}

    def som_json(self, pasient_id: int) -> list[Samtalesammendrag]:
        """The patient's conversations as `vis --json` lists them, with the revisions."""
        samtaler: list[Samtalesammendrag] = []
        for samtale_id, forlop_nr, sp, dato, status, guide_ref in self.db.execute(
            "SELECT s.id, f.nr, p.sp, s.dato, s.status, s.guide_ref FROM samtale s"
            " JOIN samhandlingspunkt p ON p.id = s.samhandlingspunkt_id"
            " JOIN forlop f ON f.id = p.forlop_id WHERE s.pasient_id = ? ORDER BY s.id",
            (pasient_id,),
        ).fetchall():
            svar = {
                sid: json.loads(verdi)
                for sid, verdi in self.db.execute(
                    "SELECT sporsmal_id, verdi FROM svar WHERE samtale_id = ? AND hoppet_over = 0"
                    " ORDER BY rekkefolge",
                    (samtale_id,),
                )
            }
            samtaler.append(
                {
                    "id": samtale_id,
                    "forlop": forlop_nr,
                    "sp": sp,
                    "dato": dato,
                    "status": status,
                    "guide_ref": guide_ref,
                    "svar": svar,
                }
            )
        revisjoner = dict(
            self.db.execute(
                "SELECT r.samtale_id, r.erstatter FROM samtale_revisjon r JOIN samtale s"
                " ON s.id = r.samtale_id WHERE s.pasient_id = ?",
                (pasient_id,),
            ).fetchall()
        )
        erstattet_av = {gammel: ny for ny, gammel in revisjoner.items()}
        for samtale in samtaler:
            samtale["erstatter"] = revisjoner.get(samtale["id"])
            samtale["erstattet_av"] = erstattet_av.get(samtale["id"])
        return samtaler

    def korrigert(self, samtale_id: int) -> Korrigering | None:
        """For a revision: when it was amended, and when the last letter from an earlier
        version was written (None if none was)."""
        if self.erstatter(samtale_id) is None:
            return None
        endret = self.db.execute("SELECT fullfort FROM samtale WHERE id = ?", (samtale_id,)).fetchone()[0]
        tidligere, neste = [], self.erstatter(samtale_id)
        while neste is not None:
            tidligere.append(neste)
            neste = self.erstatter(neste)
        skrevet = self.db.execute(
            f"SELECT max(skrevet) FROM brev WHERE samtale_id IN ({','.join('?' * len(tidligere))})",
            tidligere,
        ).fetchone()[0]
        return {"endret": endret, "forrige_brev": skrevet}
