"""Contact points and episodes: status changes (the one place they happen), held elsewhere,
reopening, corrections, a handover read in, the work list, and the end of an episode."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from .. import datoregler, forlop, livslop, regler
from .. import fnr as fnr_regler
from ..datoer import fra_iso, iso, norsk_dato, tidspunkt_utc
from ..feil import Avvist, Duplikat, UgyldigInndata
from ..hendelser import hendelsestekst
from ..regler import (
    NAVN_MAKS,
    lukket_tekst,
    normaliser_diagnose,
    normaliser_klokkeslett,
    nye_punkter,
    regel,
    sjekk_diagnosedato,
    sjekk_tekst,
    tom_som_null,
)
from . import uttrykk
from .gruppe import Gruppe
from .jsonliste import JsonListe
from .tilkobling import bruker

# The other records are types only.
if TYPE_CHECKING:
    from .poster import Arbeidslisterad, Avsluttet, Mottatt, Pasientpost, Residiv, ResidivAvsluttet


@dataclass(frozen=True)
class Punkt:
    """A contact point as the rules see it."""

    id: int
    forlop_id: int
    forlop_nr: int
    pasient_id: int
    sp: int
    status: str


@dataclass(frozen=True)
class Forlopsrad:
    """An episode as its end and a relapse see it."""

    id: int
    nr: int
    diagnosedato: date
    diagnose: str | None
    status: str
    avsluttet_dato: date | None
    avsluttet_grunn: str | None


class _BareVis(Exception):
    """Rolls `motta --vis` back once its steps are worked out."""

    def __init__(self, resultat: Mottatt) -> None:
        super().__init__()
        self.resultat = resultat


class Punkter(Gruppe):
    """The contact points and episodes of a register (`reg.punkter`)."""

    def finn(self, pasient_id: int, sp: int | None, *, annen_tjeneste: bool = False) -> Punkt:
        """Contact point `sp` of the active episode; without `sp`, the first open one this
        register's service is responsible for (`annen_tjeneste`: the other service's)."""
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
            tjeneste = self.reg.innstillinger()["tjeneste"]
            if annen_tjeneste:
                if tjeneste is None:
                    raise UgyldigInndata("Oppgi samhandlingspunktet med --sp 1, 2 eller 3.")
                tjeneste = forlop.SYKEHUS if tjeneste == forlop.KOMMUNE else forlop.KOMMUNE
            sp = forlop.forste_apen_sp([(r[3], r[4]) for r in rader], tjeneste)
            if sp is None:
                if tjeneste is None:
                    raise Avvist("Alle samhandlingspunktene i det aktive forløpet er avsluttet.")
                egne = " og ".join(f"SP{n}" for n in forlop.TJENESTE_SP[tjeneste])
                raise Avvist(
                    f"{'Kommunens' if tjeneste == forlop.KOMMUNE else 'Sykehusets'} samhandlingspunkter "
                    f"i det aktive forløpet ({egne}) er avsluttet. Oppgi et annet med --sp N."
                )
        for sid, fid, nr, nummer, status in rader:
            if nummer == sp:
                return Punkt(sid, fid, nr, pasient_id, nummer, status)
        raise UgyldigInndata(f"Samhandlingspunkt {sp} finnes ikke. Velg 1, 2 eller 3.")

    def sett_status(
        self,
        punkt: Punkt,
        status: str,
        *,
        dato: date | None,
        klokkeslett: str | None = None,
        sted: str | None = None,
        grunn: str | None = None,
        holdt_av: str | None = None,
        sammendrag: str | None = None,
        tekst: str,
    ) -> None:
        """The one place a contact point's status changes: keeps the due range in step."""
        lukket = regler.lukket_punkt(punkt.status, punkt.sp, punkt.pasient_id)
        if lukket:
            raise Avvist(lukket)
        vfra, vtil = self.db.execute(
            "SELECT vindu_fra, vindu_til FROM samhandlingspunkt WHERE id = ?", (punkt.id,)
        ).fetchone()
        periode = forlop.forfallsperiode(status, fra_iso(vfra), fra_iso(vtil), dato)
        # A booking called off (anything but a new booking or the conversation held) is kept
        # as cancelled for the calendar; a new booking replaces it under the same UID.
        avlys = "status = 'avtalt' AND :ny NOT IN ('avtalt', 'gjennomfort')"
        beholdt = "CASE WHEN :ny = 'avtalt' THEN NULL ELSE {0} END"
        self.db.execute(
            "UPDATE samhandlingspunkt SET"
            f" avlyst_dato = CASE WHEN {avlys} THEN dato ELSE {beholdt.format('avlyst_dato')} END,"
            f" avlyst_klokkeslett = CASE WHEN {avlys} THEN klokkeslett"
            f" ELSE {beholdt.format('avlyst_klokkeslett')} END,"
            f" avlyst_sted = CASE WHEN {avlys} THEN sted ELSE {beholdt.format('avlyst_sted')} END,"
            " status = :ny, dato = :dato, klokkeslett = :kl, sted = :sted, grunn = :grunn,"
            " forfall_fra = :ffra, forfall_til = :ftil, holdt_av = :av, sammendrag = :sammendrag"
            " WHERE id = :id",
            dict(
                zip(
                    ("ny", "dato", "kl", "sted", "grunn", "ffra", "ftil", "av", "sammendrag", "id"),
                    (
                        status,
                        iso(dato),
                        klokkeslett,
                        tom_som_null(sted),
                        tom_som_null(grunn),
                        iso(periode.fra) if periode else None,
                        iso(periode.til) if periode else None,
                        tom_som_null(holdt_av),
                        tom_som_null(sammendrag),
                        punkt.id,
                    ),
                    strict=True,
                )
            ),
        )
        self.t.hendelse(punkt.pasient_id, punkt.forlop_nr, punkt.sp, status, tekst)

    def forlop_datoer(self, forlop_id: int) -> tuple[date, date | None]:
        """An episode's diagnosis date, and the last day a conversation was held in it."""
        ddato, siste = self.db.execute(
            "SELECT f.diagnosedato, (SELECT max(s.dato) FROM samhandlingspunkt s WHERE s.forlop_id = f.id"
            " AND s.status IN ('gjennomfort', 'holdt_annet_sted')) FROM forlop f WHERE f.id = ?",
            (forlop_id,),
        ).fetchone()
        diagnosedato = fra_iso(ddato)
        assert diagnosedato is not None
        return diagnosedato, fra_iso(siste)

    def sjekk_holdt(self, punkt: Punkt, dato: date, idag: date, bekreft: bool, hva: str) -> None:
        """The rules for a contact point held on `dato` (here or elsewhere): between the diagnosis
        and today; an SP3 long before its window only with `bekreft` (datoregler.tidlig_holdt)."""
        diagnosedato, _ = self.forlop_datoer(punkt.forlop_id)
        regel(datoregler.holdt_dato(dato, diagnosedato, idag, hva))
        if not bekreft:
            sp2_fra = fra_iso(
                self.db.execute(
                    "SELECT vindu_fra FROM samhandlingspunkt WHERE forlop_id = ? AND sp = 2",
                    (punkt.forlop_id,),
                ).fetchone()[0]
            )
            assert sp2_fra is not None
            advarsel = datoregler.tidlig_holdt(punkt.sp, dato, diagnosedato, sp2_fra)
            if advarsel:
                raise Avvist(advarsel)

    def endre(
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
    ) -> Pasientpost:
        """Book, postpone, record a decline, or set a contact point not applicable."""
        klokkeslett = normaliser_klokkeslett(klokkeslett)
        grunn = (grunn or "").strip() or None
        sjekk_tekst(sted, "--sted")
        sjekk_tekst(grunn, "--grunn")
        regel(regler.statusendring(status, dato, grunn))
        with self.reg.transaksjon():
            pasient_id = self.reg.pasienter.finn_id(ref)
            punkt = self.finn(pasient_id, sp)
            if dato is not None and status != forlop.BORTFALT:
                diagnosedato, siste_holdt = self.forlop_datoer(punkt.forlop_id)
                regel(
                    datoregler.planlagt_dato(
                        dato,
                        diagnosedato,
                        idag,
                        siste_holdt=siste_holdt,
                        ma_vaere_fremtidig=status in (forlop.UTSATT, forlop.AVSLATT),
                        hva={"avtalt": "Avtalt dato", "utsatt": "Den nye datoen"}.get(
                            status, "Spør igjen-datoen"
                        ),
                    )
                )
            self.sett_status(
                punkt,
                status,
                dato=dato if status != forlop.BORTFALT else None,
                klokkeslett=klokkeslett if status == forlop.AVTALT else None,
                sted=sted if status == forlop.AVTALT else None,
                grunn=grunn,
                tekst=hendelsestekst(punkt.sp, status, dato, klokkeslett, sted, grunn),
            )
            self.t.logg(pasient_id, f"sp-{status}")
            data = self.reg.pasienter.data(pasient_id, idag)
        data["handlet_sp"] = punkt.sp
        return data

    def holdt(
        self,
        ref: str,
        sp: int | None,
        dato: date,
        av: str,
        *,
        idag: date,
        sammendrag: str | None = None,
        handling: str = "sp-holdt",
        bekreft: bool = False,
    ) -> Pasientpost:
        """Record that another service held contact point `sp` on `dato` (SP1 at the hospital,
        seen from the municipality), with the summary received if any. One transaction,
        logged as `handling`; returns the patient as `vis --json`.

        Without `sp`: the first open point the other service is responsible for. Called by
        `pakkehjem holdt` and by whatever reads in a handover from the other service.
        """
        sjekk_tekst(av, "--av", maks=NAVN_MAKS)
        av = " ".join((av or "").split())
        if not av:
            raise UgyldigInndata("Oppgi hvem som holdt samtalen med --av, for eksempel «Sykehuset Østfold».")
        if sp is not None and sp not in forlop.SP_NUMRE:
            raise UgyldigInndata(f"--sp {sp}: et samhandlingspunkt er 1, 2 eller 3.")
        regel(datoregler.holdt_dato(dato, date.min, idag, "Datoen"))
        sammendrag = (sammendrag or "").strip() or None
        with self.reg.transaksjon():
            pasient_id = self.reg.pasienter.finn_id(ref)
            punkt = self.finn(pasient_id, sp, annen_tjeneste=True)
            merknad = " (med oppsummering)" if sammendrag else ""
            self.hold_annet_sted(punkt, dato, av, idag=idag, sammendrag=sammendrag, bekreft=bekreft,
                                 hva="Datoen", merknad=merknad)  # fmt: skip
            self.t.logg(pasient_id, handling)
            data = self.reg.pasienter.data(pasient_id, idag)
        data["handlet_sp"] = punkt.sp
        return data

    def hold_annet_sted(
        self,
        punkt: Punkt,
        dato: date,
        av: str,
        *,
        idag: date,
        sammendrag: str | None,
        bekreft: bool,
        hva: str,
        merknad: str = "",
    ) -> None:
        """In the caller's transaction: the rules for a point another service held (the date
        between the diagnosis and today, an SP3 long before its window only with `bekreft`, no
        conversation begun here), then its record (`holdt_annet_sted`, who, when, the summary)
        and what follows (SP3 held ends the episode). `holdt` and `motta` both go through here."""
        self.sjekk_holdt(punkt, dato, idag, bekreft, hva)
        if self.db.execute(
            "SELECT 1 FROM samtale WHERE samhandlingspunkt_id = ? AND status = 'pagar'", (punkt.id,)
        ).fetchone():
            raise Avvist(
                f"Det finnes en påbegynt samtale for SP{punkt.sp} her. Fullfør eller forkast den før "
                "punktet registreres som holdt av en annen tjeneste."
            )
        self.sett_status(
            punkt,
            forlop.HOLDT_ANNET_STED,
            dato=dato,
            holdt_av=av,
            sammendrag=sammendrag,
            tekst=f"SP{punkt.sp} holdt av {av} {norsk_dato(dato)}{merknad}.",
        )
        self.avslutt_etter_sp3(punkt, dato)

    def motta_overforing(
        self, mottak: Any, *, idag: date, sha256: str, bare_vis: bool = False, bekreft: bool = False
    ) -> Mottatt:
        """Read a checked handover (overforing.Mottak) in, in ONE transaction: match the patient by
        fødselsnummer or create them, match the episode with the same diagnosis date or create
        episode 1, record the contact point held by the sending service with its date and the
        received summary, and copy the open actions. A bundle read in before changes nothing.

        Returns {"steg": [what is (or would be) done, as text], "pasient_id", "ny": bool}.
        `bare_vis`: the same steps, then everything is rolled back (one access-log row stays).
        """
        steg: list[str] = []
        try:
            with self.reg.transaksjon() as db:
                resultat = self._motta(db, mottak, idag, sha256, steg, bekreft)
                if bare_vis:
                    raise _BareVis(resultat)
        except _BareVis as vist:
            resultat = vist.resultat
            # Shown, not done: the access to a patient already registered is still logged.
            if not resultat["ny_pasient"]:
                with self.reg.transaksjon():
                    self.t.logg(resultat["pasient_id"], "motta-vis")
        return resultat

    def _motta(
        self, db: Any, mottak: Any, idag: date, sha256: str, steg: list[str], bekreft: bool
    ) -> Mottatt:
        tidligere = db.execute(
            "SELECT pasient_id, mottatt FROM mottatt WHERE identifikator = ?", (mottak.identifikator,)
        ).fetchone()
        if tidligere:
            nar = norsk_dato(fra_iso(tidligere[1][:10]))
            steg.append(f"Overføringen ble lest inn {nar}; ingenting endres.")
            self.t.logg(tidligere[0], "motta")
            return {"steg": steg, "pasient_id": tidligere[0], "ny": False, "ny_pasient": False}
        innst = self.reg.innstillinger()
        diagnosedato = date.fromisoformat(mottak.diagnosedato)
        holdt = date.fromisoformat(mottak.holdt_dato)
        rad = db.execute("SELECT id FROM pasient WHERE fnr = ?", (mottak.fnr,)).fetchone()
        if rad is None:
            try:
                nummer = fnr_regler.valider(mottak.fnr, idag, innst["tillat_syntetiske"])
            except fnr_regler.UgyldigFnr as feil:
                raise UgyldigInndata(f"Fødselsnummeret i overføringen: {feil} Ingenting er endret.") from None
            sjekk_diagnosedato(diagnosedato, nummer.fodselsdato, idag)
            pasient_id = db.execute(
                "INSERT INTO pasient (fnr, navn, fodselsdato, kommune, fastlege, opprettet)"
                " VALUES (?,?,?,?,?,?)",
                (
                    nummer.nummer, mottak.navn, nummer.fodselsdato.isoformat(), mottak.kommune,
                    mottak.fastlege, tidspunkt_utc(),
                ),
            ).lastrowid  # fmt: skip
            assert pasient_id is not None
            ny_pasient = True
            steg.append(f"Ny pasient nr. {pasient_id}.")
            forlop_id = self.nytt_forlop(
                db, pasient_id, 1, diagnosedato, normaliser_diagnose(mottak.diagnose), innst["sp1_uker"]
            )
            forlop_nr = 1
            steg.append(f"Nytt forløp 1, diagnosedato {norsk_dato(diagnosedato)}.")
            self.t.hendelse(
                pasient_id, 1, None, "registrert",
                f"Registrert fra overføring, diagnosedato {norsk_dato(diagnosedato)}.",
            )  # fmt: skip
        else:
            pasient_id, ny_pasient = rad[0], False
            funnet = db.execute(
                "SELECT id, nr FROM forlop WHERE pasient_id = ? AND diagnosedato = ? ORDER BY nr DESC",
                (pasient_id, diagnosedato.isoformat()),
            ).fetchone()
            if funnet is None:
                raise Avvist(
                    f"Pasienten finnes som pasient nr. {pasient_id}, men uten et forløp med diagnosedato "
                    f"{norsk_dato(diagnosedato)}. Sjekk diagnosedatoen med avsenderen, eller registrer "
                    f"residiv med «pakkehjem residiv {pasient_id} --diagnosedato ...» først. "
                    "Ingenting er endret."
                )
            forlop_id, forlop_nr = funnet
            steg.append(f"Pasienten finnes: pasient nr. {pasient_id}, forløp {forlop_nr}.")
        sid, status = db.execute(
            "SELECT id, status FROM samhandlingspunkt WHERE forlop_id = ? AND sp = ?", (forlop_id, mottak.sp)
        ).fetchone()
        punkt = Punkt(sid, forlop_id, forlop_nr, pasient_id, mottak.sp, status)
        av = mottak.avsender or ("sykehuset" if mottak.holdt_av == "spesialisthelsetjenesten" else "kommunen")
        hva = f"Overføringen sier at SP{mottak.sp} ble holdt, men datoen"
        if forlop.er_apen(status):
            # Through the same path as `holdt`: its date rules, its record, SP3 ending the episode.
            self.hold_annet_sted(
                punkt, holdt, av, idag=idag, sammendrag=mottak.sammendrag, bekreft=bekreft, hva=hva,
                merknad=" (lest inn fra overføring)",
            )  # fmt: skip
            steg.append(f"SP{mottak.sp} holdt av {av} {norsk_dato(holdt)}, med oppsummeringen.")
        else:
            # Already closed here: nothing is recorded, but a held date no episode can have is a
            # broken handover all the same.
            self.sjekk_holdt(punkt, holdt, idag, True, hva)
            steg.append(f"SP{mottak.sp} er allerede lukket her ({status}), og endres ikke.")
        mottatt_id = db.execute(
            "INSERT INTO mottatt (identifikator, pasient_id, forlop_nr, sp, avsender, sha256, mottatt,"
            " bruker) VALUES (?,?,?,?,?,?,?,?)",
            (
                mottak.identifikator,
                pasient_id,
                forlop_nr,
                mottak.sp,
                mottak.avsender,
                sha256,
                tidspunkt_utc(),
                bruker(),
            ),
        ).lastrowid
        for t in mottak.tiltak:
            db.execute(
                "INSERT INTO tiltak (pasient_id, hva, ansvarlig, frist, opprettet, mottatt_id)"
                " VALUES (?,?,?,?,?,?)",
                (pasient_id, t["hva"], t["ansvarlig"], t["frist"], tidspunkt_utc(), mottatt_id),
            )
        steg.append(
            f"{len(mottak.tiltak)} åpne tiltak kopiert." if mottak.tiltak else "Ingen åpne tiltak å kopiere."
        )
        self.t.logg(pasient_id, "motta")
        return {"steg": steg, "pasient_id": pasient_id, "ny": True, "ny_pasient": ny_pasient}

    def lukk_etter_forlop(
        self, pasient_id: int, forlop_id: int, grunn: str, *, lukk_tiltak: bool
    ) -> tuple[int, int]:
        """At the end of an episode (in the caller's transaction): end its unfinished
        conversations, and with `lukk_tiltak` close its open actions, with the reason. Returns
        (actions closed, conversations ended)."""
        db = self.db
        nr = db.execute("SELECT nr FROM forlop WHERE id = ?", (forlop_id,)).fetchone()[0]
        samtaler = db.execute(
            "SELECT s.id, p.sp FROM samtale s JOIN samhandlingspunkt p ON p.id = s.samhandlingspunkt_id"
            " WHERE p.forlop_id = ? AND s.status = 'pagar' ORDER BY s.id",
            (forlop_id,),
        ).fetchall()
        for samtale_id, sp in samtaler:
            db.execute(
                "UPDATE samtale SET status = 'avbrutt', avbrutt_grunn = ?, las_eier = NULL, las_tid = NULL"
                " WHERE id = ?",
                (grunn, samtale_id),
            )
            self.t.hendelse(
                pasient_id,
                nr,
                sp,
                "samtale_avbrutt",
                f"Påbegynt samtale nr. {samtale_id} for SP{sp} avbrutt: {grunn}.",
            )
        tiltak = 0
        if lukk_tiltak:
            tiltak = db.execute(
                "UPDATE tiltak SET status = 'lukket', lukket_grunn = ?"
                " WHERE status = 'apen' AND samtale_id IN"
                " (SELECT s.id FROM samtale s JOIN samhandlingspunkt p ON p.id = s.samhandlingspunkt_id"
                " WHERE p.forlop_id = ?)",
                (grunn, forlop_id),
            ).rowcount
            if tiltak:
                self.t.hendelse(
                    pasient_id, nr, None, "tiltak_lukket",
                    f"{tiltak} åpne tiltak lukket: {grunn}.",
                )  # fmt: skip
        return tiltak, len(samtaler)

    def gjenapne(self, ref: str, sp: int, grunn: str, *, idag: date) -> Pasientpost:
        """Reopen a contact point closed by mistake (gjennomført, bortfalt, held elsewhere) in
        the patient's latest episode, with the reason; the episode (and the patient) too when it
        was ended. One transaction, in the timeline and the access log."""
        sjekk_tekst(grunn, "--grunn")
        grunn = " ".join((grunn or "").split())
        if not grunn:
            raise UgyldigInndata("Oppgi hvorfor punktet åpnes igjen med --grunn.")
        if sp not in forlop.SP_NUMRE:
            raise UgyldigInndata(f"--sp {sp}: et samhandlingspunkt er 1, 2 eller 3.")
        with self.reg.transaksjon() as db:
            pasient_id = self.reg.pasienter.finn_id(ref)
            rad = db.execute(
                "SELECT f.id, f.nr, f.status, f.avsluttet_grunn, s.id, s.status, s.vindu_fra, s.vindu_til"
                " FROM forlop f JOIN samhandlingspunkt s ON s.forlop_id = f.id AND s.sp = ?"
                " WHERE f.pasient_id = ? ORDER BY f.nr DESC LIMIT 1",
                (sp, pasient_id),
            ).fetchone()
            if rad is None:
                raise Avvist("Pasienten har ikke noe forløp.")
            forlop_id, nr, forlop_status, avsluttet_grunn, punkt_id, status, vfra, vtil = rad
            if forlop.er_apen(status):
                raise Avvist(f"SP{sp} i forløp {nr} er ikke lukket ({status}); det er ingenting å åpne.")
            if forlop_status != "aktiv":
                if avsluttet_grunn == "residiv":
                    raise Avvist(
                        f"Forløp {nr} ble avsluttet av et residiv; punktene i det kan ikke åpnes igjen."
                    )
                db.execute(
                    "UPDATE forlop SET status = 'aktiv', avsluttet_dato = NULL, avsluttet_grunn = NULL"
                    " WHERE id = ?",
                    (forlop_id,),
                )
                db.execute("UPDATE pasient SET status = 'aktiv' WHERE id = ?", (pasient_id,))
                self.t.hendelse(
                    pasient_id, nr, None, "forlop_gjenapnet", f"Forløp {nr} gjenåpnet. Grunn: {grunn}."
                )
            db.execute(
                "UPDATE samhandlingspunkt SET status = 'planlagt', dato = NULL, klokkeslett = NULL,"
                " sted = NULL,"
                " grunn = NULL, holdt_av = NULL, sammendrag = NULL, forfall_fra = vindu_fra,"
                " forfall_til = vindu_til WHERE id = ?",
                (punkt_id,),
            )
            self.t.hendelse(
                pasient_id, nr, sp, "gjenapnet",
                f"SP{sp} gjenåpnet (var {lukket_tekst(status)}). Grunn: {grunn}.",
            )  # fmt: skip
            self.t.logg(pasient_id, "gjenapne")
            data = self.reg.pasienter.data(pasient_id, idag)
        return data

    def korriger(
        self,
        ref: str,
        *,
        idag: date,
        diagnosedato: date | None = None,
        diagnose: str | None = None,
        fnr: str | None = None,
        kontakt: dict[str, str] | None = None,
    ) -> int:
        """Correct what the windows and the identity hang on, in one transaction (with the contact
        details in `kontakt`, as `endre_pasient`), each change in
        the timeline with the old and the new value: the active (else latest) episode's
        diagnosis date (moving the windows of its open points), its ICD-10 code, and the
        fødselsnummer (an H- or D-number replaced by the fødselsnummer). Returns the patient id."""
        ny_diagnose = normaliser_diagnose(diagnose) if diagnose is not None else None
        if diagnose is not None and ny_diagnose is None:
            raise UgyldigInndata("--diagnose: oppgi en ICD-10-kode, for eksempel C50.9.")
        nummer = None
        if fnr is not None:
            try:
                nummer = fnr_regler.valider(fnr, idag, self.reg.innstillinger()["tillat_syntetiske"])
            except fnr_regler.UgyldigFnr as feil:
                raise UgyldigInndata(f"Ugyldig fødselsnummer: {feil}") from None
        with self.reg.transaksjon() as db:
            pasient_id = self.reg.pasienter.finn_id(ref)
            gammelt_fnr, fodt = db.execute(
                "SELECT fnr, fodselsdato FROM pasient WHERE id = ?", (pasient_id,)
            ).fetchone()
            fodselsdato = date.fromisoformat(fodt)
            if nummer is not None and nummer.nummer != gammelt_fnr:
                funnet = db.execute("SELECT id FROM pasient WHERE fnr = ?", (nummer.nummer,)).fetchone()
                if funnet:
                    raise Duplikat(
                        f"Fødselsnummeret er allerede i bruk, for pasient nr. {funnet[0]}. "
                        "Et nummer kan bare høre til én pasient."
                    )
                fodselsdato = nummer.fodselsdato
                forste = db.execute(
                    "SELECT min(diagnosedato) FROM forlop WHERE pasient_id = ?", (pasient_id,)
                ).fetchone()[0]
                if forste and date.fromisoformat(forste) < fodselsdato:
                    raise UgyldigInndata(
                        "Det nye fødselsnummeret gir en fødselsdato etter diagnosedatoen. Sjekk nummeret."
                    )
                db.execute(
                    "UPDATE pasient SET fnr = ?, fodselsdato = ? WHERE id = ?",
                    (nummer.nummer, fodselsdato.isoformat(), pasient_id),
                )
                self.t.hendelse(
                    pasient_id, None, None, "fnr_endret",
                    f"Fødselsnummer endret fra {gammelt_fnr} til {nummer.nummer}.",
                )  # fmt: skip
            rader = db.execute(
                "SELECT id, nr, diagnosedato, diagnose, status FROM forlop WHERE pasient_id = ? ORDER BY nr",
                (pasient_id,),
            ).fetchall()
            aktive = [r for r in rader if r[4] == "aktiv"]
            f = aktive[-1] if aktive else rader[-1]
            fid, nr, gammel_ddato, gammel_diagnose = f[0], f[1], date.fromisoformat(f[2]), f[3]
            if ny_diagnose is not None and ny_diagnose != gammel_diagnose:
                db.execute("UPDATE forlop SET diagnose = ? WHERE id = ?", (ny_diagnose, fid))
                self.t.hendelse(
                    pasient_id, nr, None, "diagnose_endret",
                    f"Diagnose endret fra {gammel_diagnose or 'ikke oppgitt'} til {ny_diagnose}.",
                )  # fmt: skip
            if diagnosedato is not None and diagnosedato != gammel_ddato:
                self._flytt_diagnosedato(
                    pasient_id, fid, nr, gammel_ddato, diagnosedato, fodselsdato, rader, idag
                )
            if kontakt:
                self.reg.pasienter.endre_kontakt(str(pasient_id), kontakt)
            self.t.logg(pasient_id, "korriger")
        return pasient_id

    def _flytt_diagnosedato(
        self,
        pasient_id: int,
        forlop_id: int,
        nr: int,
        gammel: date,
        ny: date,
        fodselsdato: date,
        rader: list[tuple[Any, ...]],
        idag: date,
    ) -> None:
        db = self.db
        holdt = db.execute(
            "SELECT min(d) FROM (SELECT dato AS d FROM samhandlingspunkt WHERE forlop_id = :f"
            " AND status IN ('gjennomfort', 'holdt_annet_sted') UNION ALL SELECT s.dato FROM samtale s"
            " JOIN samhandlingspunkt p ON p.id = s.samhandlingspunkt_id WHERE p.forlop_id = :f"
            " UNION ALL SELECT avsluttet_dato FROM forlop WHERE id = :f)",
            {"f": forlop_id},
        ).fetchone()[0]
        planlagt = db.execute(
            "SELECT min(dato) FROM samhandlingspunkt WHERE forlop_id = ?"
            " AND status IN ('avtalt', 'utsatt', 'avslatt')",
            (forlop_id,),
        ).fetchone()[0]
        for_ = [r for r in rader if r[1] < nr]
        etter = [r for r in rader if r[1] > nr]
        forrige_holdt = None
        if for_:
            forrige_holdt = db.execute(
                "SELECT max(dato) FROM samhandlingspunkt WHERE forlop_id = ?"
                " AND status IN ('gjennomfort', 'holdt_annet_sted')",
                (for_[-1][0],),
            ).fetchone()[0]
        regel(
            datoregler.ny_diagnosedato(
                ny, fodselsdato, idag,
                tidligste_holdt=fra_iso(holdt),
                tidligste_planlagt=fra_iso(planlagt),
                forrige_diagnose=date.fromisoformat(for_[-1][2]) if for_ else None,
                forrige_siste_holdt=fra_iso(forrige_holdt),
                neste_diagnose=date.fromisoformat(etter[0][2]) if etter else None,
            )
        )  # fmt: skip
        db.execute("UPDATE forlop SET diagnosedato = ? WHERE id = ?", (ny.isoformat(), forlop_id))
        flyttet = []
        vinduer = forlop.vinduer(ny, self.reg.innstillinger()["sp1_uker"])
        for punkt_id, sp, status, dato in db.execute(
            "SELECT id, sp, status, dato FROM samhandlingspunkt WHERE forlop_id = ? ORDER BY sp", (forlop_id,)
        ).fetchall():
            if not forlop.er_apen(status):
                continue
            vindu = vinduer[sp]
            periode = forlop.forfallsperiode(status, vindu.fra, vindu.til, fra_iso(dato))
            assert periode is not None
            db.execute(
                "UPDATE samhandlingspunkt SET vindu_fra = ?, vindu_til = ?, forfall_fra = ?, forfall_til = ?"
                " WHERE id = ?",
                (
                    vindu.fra.isoformat(),
                    vindu.til.isoformat(),
                    periode.fra.isoformat(),
                    periode.til.isoformat(),
                    punkt_id,
                ),
            )
            flyttet.append(f"SP{sp}")
        tekst = f"Diagnosedato endret fra {norsk_dato(gammel)} til {norsk_dato(ny)}."
        if flyttet:
            tekst += f" Vinduene for {', '.join(flyttet)} er flyttet."
        self.t.hendelse(pasient_id, nr, None, "diagnosedato_endret", tekst)

    def forfaller(self, periode: forlop.Periode, idag: date, **filtre: Any) -> list[Arbeidslisterad]:
        """The work list as rows (see `forfaller_json`)."""
        rader: list[Arbeidslisterad] = self.forfaller_json(periode, idag, **filtre).rader()
        return rader

    def arbeidsliste_json(
        self,
        periode: forlop.Periode,
        idag: date,
        *,
        ansvarlig: str | None = None,
        alle: bool = False,
        **filtre: Any,
    ) -> JsonListe:
        """`forfaller_json` (with its other filters) for the points the register's service is
        responsible for (the setting `tjeneste`), unless `ansvarlig` names one or `alle` asks
        for every point."""
        valgt = forlop.arbeidslistens_ansvarlig(ansvarlig, alle, self.reg.innstillinger()["tjeneste"])
        return self.forfaller_json(periode, idag, ansvarlig=valgt, **filtre)

    def forfaller_json(
        self,
        periode: forlop.Periode,
        idag: date,
        *,
        kun_forfalte: bool = False,
        koordinator: str | None = None,
        kommune: str | None = None,
        ansvarlig: str | None = None,
    ) -> JsonListe:
        """Open contact points of active episodes due in the period, and all overdue ones: cli.md's
        JSON array.

        One indexed query; overdue first, then by the start of the due range.
        """
        # Every listed point starts by `grense`: an overdue one ended before today (and a due
        # range never ends before it starts, forlop.forfallsperiode), one due in the period
        # starts by its end. So the list is one range of the index, read in the list's order.
        if kun_forfalte:
            vilkar = ["s.forfall_fra < :idag AND s.forfall_til < :idag"]
        else:
            vilkar = [
                "s.forfall_fra <= :grense AND (s.forfall_til < :idag"
                " OR (s.forfall_til >= :fra_eller_idag AND s.forfall_fra <= :til))"
            ]
        verdier: dict[str, str | int | None] = {
            "idag": idag.isoformat(),
            "fra_eller_idag": max(periode.fra, idag).isoformat(),
            "til": periode.til.isoformat(),
            "grense": max(periode.til, idag).isoformat(),
        }
        for navn, verdi, kolonne in (
            ("koordinator", koordinator, "p.koordinator"),
            ("kommune", kommune, "p.kommune"),
        ):
            if verdi:
                vilkar.append(f"{kolonne} = :{navn} COLLATE NORSK")
                verdier[navn] = verdi
        if ansvarlig:
            # The stored word itself (forlop.les_ansvarlig): a plain comparison, no Python
            # collation called for every row of the index range.
            vilkar.append("s.ansvarlig = :ansvarlig")
            verdier["ansvarlig"] = forlop.les_ansvarlig(ansvarlig)
        # The list leaves SQLite finished: each row a JSON object, masking and the derived state
        # worked out in SQL (`uttrykk`), the objects joined into two runs (overdue, then the
        # rest) and the listed patient ids into a third. On 1,000,000 patients the week's list
        # is 131,000 rows; handing them to Python one by one, to be joined and logged there,
        # cost 0.5 s on top of the query. The query runs once: the access log takes the ids
        # in one statement (`Transaksjon.logg_liste`), in the same transaction.
        # The inner query reads the index in its order (samhandlingspunkt_forfall), so SQLite
        # sorts only the points that start on the same day; an aggregate over an ordered
        # subquery reads it in that order (the subquery is not flattened into it). The episode's
        # patient, number and status are read off the point (migration 13), so no episode row
        # is looked up: one row lookup per listed point instead of two.
        sql = f"""
            SELECT CAST(group_concat(iif(forfalt, rad, NULL), ',') AS BLOB),
                   CAST(group_concat(iif(forfalt, NULL, rad), ',') AS BLOB),
                   group_concat(pasient_id, ',')
            FROM (
                SELECT s.forfall_til < :idag AS forfalt, p.id AS pasient_id, json_object(
                    'pasient_id', p.id, 'navn', p.navn, 'fnr', {uttrykk.maskert_fnr("p.fnr")},
                    'kommune', p.kommune, 'koordinator', p.koordinator, 'forlop', s.forlop_nr,
                    'sp', s.sp, 'ansvarlig', s.ansvarlig, 'vindu_fra', s.vindu_fra,
                    'vindu_til', s.vindu_til, 'status', s.status, 'dato', s.dato,
                    'klokkeslett', s.klokkeslett, 'sted', s.sted,
                    'tilstand', {uttrykk.tilstand("s", ":idag")}) AS rad
                FROM samhandlingspunkt s
                JOIN pasient p ON p.id = s.pasient_id
                WHERE s.forfall_til IS NOT NULL AND s.forlop_status = 'aktiv'
                    AND {" AND ".join(vilkar)}
                ORDER BY s.forfall_fra, s.forfall_til, p.navn, p.id, s.sp
            )
        """
        with self.reg.transaksjon() as db:
            with db.spredt_lesing():
                forfalte, andre, ider = db.execute(sql, verdier).fetchone()
            db.logg_liste(ider or "", "forfaller")
        return JsonListe((forfalte or b"", andre or b""))

    def fra_id(self, sp_id: int) -> Punkt:
        sid, fid, nr, pid, sp, status = self.db.execute(
            "SELECT s.id, f.id, f.nr, f.pasient_id, s.sp, s.status FROM samhandlingspunkt s"
            " JOIN forlop f ON f.id = s.forlop_id WHERE s.id = ?",
            (sp_id,),
        ).fetchone()
        return Punkt(sid, fid, nr, pid, sp, status)

    def neste(self, punkt: Punkt) -> Punkt | None:
        rad = self.db.execute(
            "SELECT id FROM samhandlingspunkt WHERE forlop_id = ? AND sp > ?"
            " AND forfall_til IS NOT NULL ORDER BY sp LIMIT 1",
            (punkt.forlop_id, punkt.sp),
        ).fetchone()
        return self.fra_id(rad[0]) if rad else None

    def nytt_forlop(
        self,
        db: Any,
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
        # Each point carries its episode's patient, number and status (migration 13).
        db.executemany(
            "INSERT INTO samhandlingspunkt (forlop_id, sp, ansvarlig, vindu_fra, vindu_til,"
            " status, dato, klokkeslett, sted, grunn, forfall_fra, forfall_til,"
            " pasient_id, forlop_nr, forlop_status) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            [(*r, pasient_id, nr, "aktiv") for r in nye_punkter(forlop_id, diagnosedato, sp1_uker)],
        )
        return int(forlop_id)

    # --- the end of an episode, and a relapse ----------------------------------------

    def forlop_rader(self, pasient_id: int) -> list[Forlopsrad]:
        """The patient's episodes, newest first."""
        return [
            Forlopsrad(fid, nr, fra_iso(ddato), diag, status, fra_iso(adato), agrunn)
            for fid, nr, ddato, diag, status, adato, agrunn in self.db.execute(
                "SELECT id, nr, diagnosedato, diagnose, status, avsluttet_dato, avsluttet_grunn"
                " FROM forlop WHERE pasient_id = ? ORDER BY nr DESC",
                (pasient_id,),
            )
        ]

    def punkter_i(self, f: Forlopsrad, pasient_id: int) -> list[tuple[Punkt, date | None]]:
        """The episode's contact points with their dates, by SP."""
        return [
            (Punkt(sid, f.id, f.nr, pasient_id, sp, status), fra_iso(dato))
            for sid, sp, status, dato in self.db.execute(
                "SELECT id, sp, status, dato FROM samhandlingspunkt WHERE forlop_id = ? ORDER BY sp",
                (f.id,),
            )
        ]

    def siste_holdt(self, f: Forlopsrad, punkter: list[tuple[Punkt, date | None]]) -> date | None:
        """The last day a conversation was held in the episode (here, elsewhere, or one started)."""
        holdt = [d for p, d in punkter if p.status in datoregler.HOLDT and d is not None]
        startet = self.db.execute(
            "SELECT max(s.dato) FROM samtale s JOIN samhandlingspunkt p ON p.id = s.samhandlingspunkt_id"
            " WHERE p.forlop_id = ?",
            (f.id,),
        ).fetchone()[0]
        if startet:
            holdt.append(date.fromisoformat(startet))
        return max(holdt, default=None)

    def _avslutt_forlop(
        self,
        pasient_id: int,
        f: Forlopsrad,
        grunn: str,
        dato: date,
        *,
        til_kommune: str | None = None,
        nytt_nr: int | None = None,
        lukket: dict[str, int] | None = None,
    ) -> list[int]:
        """End episode `f` in the running transaction; returns the SPs set bortfalt. `lukket`, when
        given, receives how many actions were closed and conversations ended."""
        db = self.t
        grunntekst = livslop.punktgrunn(grunn, til_kommune, nytt_nr)
        bortfalt = []
        for punkt, _ in self.punkter_i(f, pasient_id):
            if forlop.er_apen(punkt.status):
                self.sett_status(
                    punkt,
                    forlop.BORTFALT,
                    dato=None,
                    grunn=grunntekst,
                    tekst=hendelsestekst(punkt.sp, forlop.BORTFALT, None, None, None, grunntekst),
                )
                bortfalt.append(punkt.sp)
        # Death, moving and the patient's wish end the follow-up too: the episode's open actions
        # are closed with the reason. Every ending ends a conversation left unfinished.
        tiltak, samtaler = self.lukk_etter_forlop(
            pasient_id,
            f.id,
            livslop.GRUNN_TEKST[grunn],
            lukk_tiltak=grunn in (livslop.DOD, livslop.FLYTTET, livslop.ONSKE),
        )
        if lukket is not None:
            lukket.update(tiltak=tiltak, samtaler=samtaler)
        # The municipality moved to is kept for the moving letter (`brev --melding flytting`).
        db.execute(
            "UPDATE forlop SET status = 'avsluttet', avsluttet_dato = ?, avsluttet_grunn = ?, til_kommune = ?"
            " WHERE id = ?",
            (dato.isoformat(), grunn, til_kommune if grunn == livslop.FLYTTET else None, f.id),
        )
        tekst = f"Forløp {f.nr} avsluttet {norsk_dato(dato)}: {livslop.GRUNN_TEKST[grunn]}"
        if grunn == livslop.FLYTTET and til_kommune:
            tekst += f" (til {til_kommune})"
        self.t.hendelse(pasient_id, f.nr, None, "forlop_avsluttet", tekst + ".")
        return bortfalt

    def _avslutt_pasient_om_ferdig(self, pasient_id: int, dato: date) -> bool:
        """The patient `avsluttet` when no active episode remains; True when that happened."""
        db = self.t
        if db.execute(
            "SELECT 1 FROM forlop WHERE pasient_id = ? AND status = 'aktiv'", (pasient_id,)
        ).fetchone():
            return False
        endret = db.execute(
            "UPDATE pasient SET status = 'avsluttet' WHERE id = ? AND status = 'aktiv'", (pasient_id,)
        ).rowcount
        if endret:
            self.t.hendelse(
                pasient_id,
                None,
                None,
                "pasient_avsluttet",
                f"Pasienten er ute av pakkeforløpet fra {norsk_dato(dato)} (ingen aktive forløp).",
            )
        return True

    def avslutt(
        self,
        ref: str,
        grunn: str,
        dato: date,
        idag: date,
        *,
        til_kommune: str | None = None,
    ) -> Avsluttet:
        """End the patient's active episode with a reason (`les_grunn`) on `dato`.

        Refused (exit 1) when there is no active episode, or for `fullfort` when SP3 is not
        gjennomført; bad dates exit 2. Returns the summary and the patient as `vis --json`.
        """
        if grunn not in livslop.GRUNNER:
            grunn = livslop.les_grunn(grunn)
        til_kommune = (til_kommune or "").strip() or None
        if til_kommune and grunn != livslop.FLYTTET:
            raise UgyldigInndata("--til-kommune hører bare til --grunn flyttet.")
        if dato > idag:
            raise UgyldigInndata(datoregler.slutt(dato, dato, None, idag) or "")
        with self.reg.transaksjon() as db:
            pasient_id = self.reg.pasienter.finn_id(ref)
            rader = self.forlop_rader(pasient_id)
            aktive = [f for f in rader if f.status == "aktiv"]
            if not aktive:
                siste = rader[0] if rader else None
                hvorfor = ""
                if siste is not None and siste.avsluttet_dato is not None:
                    hvorfor = (
                        f" Forløp {siste.nr} ble avsluttet {norsk_dato(siste.avsluttet_dato)}"
                        f" ({livslop.GRUNN_TEKST.get(siste.avsluttet_grunn or '', siste.avsluttet_grunn)})."
                    )
                if siste is None or siste.avsluttet_grunn != livslop.DOD:
                    hvorfor += " Ved tilbakefall: registrer det med «pakkehjem residiv»."
                raise Avvist(f"Pasient nr. {pasient_id} har ikke noe aktivt forløp å avslutte.{hvorfor}")
            f = aktive[0]
            punkter = self.punkter_i(f, pasient_id)
            brudd = datoregler.slutt(dato, f.diagnosedato, self.siste_holdt(f, punkter), idag)
            if brudd:
                raise UgyldigInndata(brudd)
            if grunn == livslop.FULLFORT:
                sp3 = next(p for p, _ in punkter if p.sp == 3)
                if sp3.status != forlop.GJENNOMFORT:
                    raise Avvist(
                        f"Forløp {f.nr} kan ikke avsluttes som fullført: SP3 er ikke gjennomført "
                        f"(status {sp3.status}). Et forløp er fullført når SP3-samtalen er holdt; "
                        f"hold den med «pakkehjem samtale {pasient_id} --sp 3», "
                        "eller avslutt med grunn dod, flyttet eller onske."
                    )
            lukket: dict[str, int] = {}
            bortfalt = self._avslutt_forlop(
                pasient_id, f, grunn, dato, til_kommune=til_kommune, lukket=lukket
            )
            pasient_avsluttet = self._avslutt_pasient_om_ferdig(pasient_id, dato)
            db.logg(pasient_id, "avslutt")
            data = self.reg.pasienter.data(pasient_id, idag)
        return {
            "pasient_id": pasient_id,
            "forlop": f.nr,
            "grunn": grunn,
            "dato": dato.isoformat(),
            "til_kommune": til_kommune,
            "bortfalt": bortfalt,
            "tiltak_lukket": lukket.get("tiltak", 0),
            "samtaler_avbrutt": lukket.get("samtaler", 0),
            "pasient_avsluttet": pasient_avsluttet,
            "pasient": data,
        }

    def avslutt_etter_sp3(self, punkt: Punkt, dato: date) -> bool:
        """After SP3 is gjennomført (a finished conversation): end the episode as `fullfort`.

        Runs in the caller's transaction. Returns True when the episode was ended here.
        """
        if punkt.sp != 3:
            return False
        rad = self.db.execute(
            "SELECT id, nr, diagnosedato, diagnose, status, avsluttet_dato, avsluttet_grunn"
            " FROM forlop WHERE id = ?",
            (punkt.forlop_id,),
        ).fetchone()
        f = Forlopsrad(rad[0], rad[1], fra_iso(rad[2]), rad[3], rad[4], fra_iso(rad[5]), rad[6])
        if f.status != "aktiv":
            return False
        # SP3 entered (with --bekreft) on an earlier day than a point held before it: the
        # episode ends on the last day a conversation was held, never before one (the rule
        # `datoregler.slutt` holds every other ending to).
        slutt = max(dato, self.siste_holdt(f, self.punkter_i(f, punkt.pasient_id)) or dato)
        self._avslutt_forlop(punkt.pasient_id, f, livslop.FULLFORT, slutt)
        self._avslutt_pasient_om_ferdig(punkt.pasient_id, slutt)
        return True

    def residiv(
        self,
        ref: str,
        diagnosedato: date,
        idag: date,
        *,
        diagnose: str | None = None,
    ) -> Residiv:
        """A relapse: end the active episode (reason `residiv`), open episode nr + 1.

        The new diagnosis date must have been (not in the future) and lie after the previous
        episode's diagnosis date (exit 2). The diagnosis code defaults to the previous episode's.
        Refused (exit 1) when the patient is registered dead.
        """
        diagnose = normaliser_diagnose(diagnose)
        if diagnosedato > idag:
            raise UgyldigInndata(datoregler.residiv(diagnosedato, date.min, None, idag) or "")
        with self.reg.transaksjon() as db:
            pasient_id = self.reg.pasienter.finn_id(ref)
            rader = self.forlop_rader(pasient_id)
            if not rader:
                raise Avvist(
                    f"Pasient nr. {pasient_id} har ikke noe forløp. Kontakt den som drifter registeret."
                )
            siste = rader[0]
            if any(f.avsluttet_grunn == livslop.DOD for f in rader):
                raise Avvist(
                    f"Pasient nr. {pasient_id} er registrert som død. Et nytt forløp kan ikke åpnes."
                )
            siste_holdt = max(
                (d for f in rader if (d := self.siste_holdt(f, self.punkter_i(f, pasient_id))) is not None),
                default=None,
            )
            brudd = datoregler.residiv(diagnosedato, siste.diagnosedato, siste_holdt, idag)
            if brudd:
                raise UgyldigInndata(brudd)
            nytt_nr = siste.nr + 1
            avsluttet: ResidivAvsluttet | None = None
            for f in rader:
                if f.status == "aktiv":
                    bortfalt = self._avslutt_forlop(
                        pasient_id, f, livslop.RESIDIV, diagnosedato, nytt_nr=nytt_nr
                    )
                    avsluttet = {"forlop": f.nr, "bortfalt": bortfalt}
            diagnose = diagnose or siste.diagnose
            self.nytt_forlop(
                db, pasient_id, nytt_nr, diagnosedato, diagnose, self.reg.innstillinger()["sp1_uker"]
            )
            db.execute("UPDATE pasient SET status = 'aktiv' WHERE id = ?", (pasient_id,))
            self.t.hendelse(
                pasient_id,
                nytt_nr,
                None,
                "residiv",
                f"Residiv: forløp {nytt_nr} åpnet, diagnosedato {norsk_dato(diagnosedato)}"
                + (f" ({diagnose})" if diagnose else "")
                + ".",
            )
            db.logg(pasient_id, "residiv")
            data = self.reg.pasienter.data(pasient_id, idag)
        return {
            "pasient_id": pasient_id,
            "forlop": nytt_nr,
            "diagnosedato": diagnosedato.isoformat(),
            "diagnose": diagnose,
            "avsluttet": avsluttet,
            "pasient": data,
        }
