"""The whole episode: ending it (death, moving, the patient's wish, completion) and relapse.

Every change runs in one `Register.transaksjon`, writes the timeline (`hendelse`) and the
access log, and changes contact points only through `Register._sett_status`.

- Ending an episode sets its open contact points `bortfalt` with a reason, and the patient
  `avsluttet` when no active episode remains.
- A relapse ends the active episode (reason `residiv`) and opens episode nr + 1 with its own
  diagnosis date and three contact points; the earlier episode stays in the history.
- A finished SP3 conversation ends the episode as `fullfort` (called from `Register._fullfor`).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import date
from typing import Any

from . import datoregler, forlop
from .datoer import fra_iso, norsk_dato
from .feil import Avvist, UgyldigInndata
from .register import Punkt, Register, _hendelsestekst, normaliser_diagnose

# Reasons a user may give to `avslutt` (cli: --grunn). `residiv` is set by `residiv` only.
DOD = "dod"
FLYTTET = "flyttet"
ONSKE = "onske"
FULLFORT = "fullfort"
RESIDIV = "residiv"
GRUNNER = (DOD, FLYTTET, ONSKE, FULLFORT)

# The episode's reason in words, for the timeline and `vis`.
GRUNN_TEKST = {
    DOD: "pasienten er død",
    FLYTTET: "pasienten har flyttet",
    ONSKE: "pasientens ønske",
    FULLFORT: "forløpet er fullført",
    RESIDIV: "residiv, nytt forløp",
}

# What a user may type for a reason: the ASCII codes and the words with æøå.
_SKREVET = {
    "dod": DOD, "død": DOD,
    "flyttet": FLYTTET,
    "onske": ONSKE, "ønske": ONSKE,
    "fullfort": FULLFORT, "fullført": FULLFORT,
}  # fmt: skip


def les_grunn(tekst: str | None) -> str:
    """The reason code for what the user typed; UgyldigInndata (exit 2) when unknown."""
    if tekst is None or not tekst.strip():
        raise UgyldigInndata(
            "Oppgi hvorfor forløpet avsluttes med --grunn: dod, flyttet, onske eller fullfort."
        )
    verdi = _SKREVET.get(tekst.strip().lower())
    if verdi is None:
        hint = " Et residiv registreres med «pakkehjem residiv»." if "residiv" in tekst.lower() else ""
        raise UgyldigInndata(
            f"Ukjent grunn «{tekst.strip()}». Velg dod, flyttet, onske eller fullfort.{hint}"
        )
    return verdi


@dataclass(frozen=True)
class _Forlop:
    id: int
    nr: int
    diagnosedato: date
    diagnose: str | None
    status: str
    avsluttet_dato: date | None
    avsluttet_grunn: str | None


def _forlop_rader(db: sqlite3.Connection, pasient_id: int) -> list[_Forlop]:
    """The patient's episodes, newest first."""
    return [
        _Forlop(fid, nr, fra_iso(ddato), diag, status, fra_iso(adato), agrunn)  # type: ignore[arg-type]
        for fid, nr, ddato, diag, status, adato, agrunn in db.execute(
            "SELECT id, nr, diagnosedato, diagnose, status, avsluttet_dato, avsluttet_grunn"
            " FROM forlop WHERE pasient_id = ? ORDER BY nr DESC",
            (pasient_id,),
        )
    ]


def _punkter(db: sqlite3.Connection, f: _Forlop, pasient_id: int) -> list[tuple[Punkt, date | None]]:
    """The episode's contact points with their dates, by SP."""
    return [
        (Punkt(sid, f.id, f.nr, pasient_id, sp, status), fra_iso(dato))
        for sid, sp, status, dato in db.execute(
            "SELECT id, sp, status, dato FROM samhandlingspunkt WHERE forlop_id = ? ORDER BY sp",
            (f.id,),
        )
    ]


def _siste_holdt(db: sqlite3.Connection, f: _Forlop, punkter: list[tuple[Punkt, date | None]]) -> date | None:
    """The last day a conversation was held in the episode (here, elsewhere, or one started)."""
    holdt = [d for p, d in punkter if p.status in datoregler.HOLDT and d is not None]
    startet = db.execute(
        "SELECT max(s.dato) FROM samtale s JOIN samhandlingspunkt p ON p.id = s.samhandlingspunkt_id"
        " WHERE p.forlop_id = ?",
        (f.id,),
    ).fetchone()[0]
    if startet:
        holdt.append(date.fromisoformat(startet))
    return max(holdt, default=None)


def _punktgrunn(grunn: str, til_kommune: str | None, nytt_nr: int | None) -> str:
    """The reason written on each contact point that falls away."""
    if grunn == DOD:
        return "Pasienten er død"
    if grunn == FLYTTET:
        return f"Pasienten har flyttet til {til_kommune}" if til_kommune else "Pasienten har flyttet"
    if grunn == ONSKE:
        return "Pasienten ønsket å avslutte forløpet"
    if grunn == FULLFORT:
        return "Forløpet er fullført"
    return f"Residiv: nytt forløp {nytt_nr}" if nytt_nr else "Residiv"


def _avslutt(
    register: Register,
    pasient_id: int,
    f: _Forlop,
    grunn: str,
    dato: date,
    *,
    til_kommune: str | None = None,
    nytt_nr: int | None = None,
    lukket: dict[str, int] | None = None,
) -> list[int]:
    """End episode `f` in the running transaction; returns the SPs set bortfalt. `lukket`, when
    given, receives how many actions were closed and conversations ended."""
    db = register.db
    punktgrunn = _punktgrunn(grunn, til_kommune, nytt_nr)
    bortfalt = []
    for punkt, _ in _punkter(db, f, pasient_id):
        if forlop.er_apen(punkt.status):
            register._sett_status(
                punkt,
                forlop.BORTFALT,
                dato=None,
                grunn=punktgrunn,
                tekst=_hendelsestekst(punkt.sp, forlop.BORTFALT, None, None, None, punktgrunn),
            )
            bortfalt.append(punkt.sp)
    # Death, moving and the patient's wish end the follow-up too: the episode's open actions
    # are closed with the reason. Every ending ends a conversation left unfinished.
    tiltak, samtaler = register.lukk_etter_forlop(
        pasient_id, f.id, GRUNN_TEKST[grunn], lukk_tiltak=grunn in (DOD, FLYTTET, ONSKE)
    )
    if lukket is not None:
        lukket.update(tiltak=tiltak, samtaler=samtaler)
    # The municipality moved to is kept for the moving letter (`brev --melding flytting`).
    db.execute(
        "UPDATE forlop SET status = 'avsluttet', avsluttet_dato = ?, avsluttet_grunn = ?, til_kommune = ?"
        " WHERE id = ?",
        (dato.isoformat(), grunn, til_kommune if grunn == FLYTTET else None, f.id),
    )
    tekst = f"Forløp {f.nr} avsluttet {norsk_dato(dato)}: {GRUNN_TEKST[grunn]}"
    if grunn == FLYTTET and til_kommune:
        tekst += f" (til {til_kommune})"
    register._hendelse(pasient_id, f.nr, None, "forlop_avsluttet", tekst + ".")
    return bortfalt


def _avslutt_pasient_om_ferdig(register: Register, pasient_id: int, dato: date) -> bool:
    """The patient `avsluttet` when no active episode remains; True when that happened."""
    db = register.db
    if db.execute("SELECT 1 FROM forlop WHERE pasient_id = ? AND status = 'aktiv'", (pasient_id,)).fetchone():
        return False
    endret = db.execute(
        "UPDATE pasient SET status = 'avsluttet' WHERE id = ? AND status = 'aktiv'", (pasient_id,)
    ).rowcount
    if endret:
        register._hendelse(
            pasient_id,
            None,
            None,
            "pasient_avsluttet",
            f"Pasienten er ute av pakkeforløpet fra {norsk_dato(dato)} (ingen aktive forløp).",
        )
    return True


def avslutt(
    register: Register,
    ref: str,
    grunn: str,
    dato: date,
    idag: date,
    *,
    til_kommune: str | None = None,
) -> dict[str, Any]:
    """End the patient's active episode with a reason (`les_grunn`) on `dato`.

    Refused (exit 1) when there is no active episode, or for `fullfort` when SP3 is not
    gjennomført; bad dates exit 2. Returns the summary and the patient as `vis --json`.
    """
    if grunn not in GRUNNER:
        grunn = les_grunn(grunn)
    til_kommune = (til_kommune or "").strip() or None
    if til_kommune and grunn != FLYTTET:
        raise UgyldigInndata("--til-kommune hører bare til --grunn flyttet.")
    if dato > idag:
        raise UgyldigInndata(datoregler.slutt(dato, dato, None, idag) or "")
    with register.transaksjon() as db:
        pasient_id = register.finn_pasient_id(ref)
        rader = _forlop_rader(db, pasient_id)
        aktive = [f for f in rader if f.status == "aktiv"]
        if not aktive:
            siste = rader[0] if rader else None
            hvorfor = ""
            if siste is not None and siste.avsluttet_dato is not None:
                hvorfor = (
                    f" Forløp {siste.nr} ble avsluttet {norsk_dato(siste.avsluttet_dato)}"
                    f" ({GRUNN_TEKST.get(siste.avsluttet_grunn or '', siste.avsluttet_grunn)})."
                )
            if siste is None or siste.avsluttet_grunn != DOD:
                hvorfor += " Ved tilbakefall: registrer det med «pakkehjem residiv»."
            raise Avvist(f"Pasient nr. {pasient_id} har ikke noe aktivt forløp å avslutte.{hvorfor}")
        f = aktive[0]
        punkter = _punkter(db, f, pasient_id)
        brudd = datoregler.slutt(dato, f.diagnosedato, _siste_holdt(db, f, punkter), idag)
        if brudd:
            raise UgyldigInndata(brudd)
        if grunn == FULLFORT:
            sp3 = next(p for p, _ in punkter if p.sp == 3)
            if sp3.status != forlop.GJENNOMFORT:
                raise Avvist(
                    f"Forløp {f.nr} kan ikke avsluttes som fullført: SP3 er ikke gjennomført "
                    f"(status {sp3.status}). Et forløp er fullført når SP3-samtalen er holdt; "
                    f"hold den med «pakkehjem samtale {pasient_id} --sp 3», "
                    "eller avslutt med grunn dod, flyttet eller onske."
                )
        lukket: dict[str, int] = {}
        bortfalt = _avslutt(register, pasient_id, f, grunn, dato, til_kommune=til_kommune, lukket=lukket)
        pasient_avsluttet = _avslutt_pasient_om_ferdig(register, pasient_id, dato)
        register.logg(pasient_id, "avslutt")
        data = register._pasient_data(pasient_id, idag)
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


def avslutt_etter_sp3(register: Register, punkt: Punkt, dato: date) -> bool:
    """After SP3 is gjennomført (a finished conversation): end the episode as `fullfort`.

    Runs in the caller's transaction. Returns True when the episode was ended here.
    """
    if punkt.sp != 3:
        return False
    rad = register.db.execute(
        "SELECT id, nr, diagnosedato, diagnose, status, avsluttet_dato, avsluttet_grunn"
        " FROM forlop WHERE id = ?",
        (punkt.forlop_id,),
    ).fetchone()
    f = _Forlop(rad[0], rad[1], fra_iso(rad[2]), rad[3], rad[4], fra_iso(rad[5]), rad[6])  # type: ignore[arg-type]
    if f.status != "aktiv":
        return False
    _avslutt(register, punkt.pasient_id, f, FULLFORT, dato)
    _avslutt_pasient_om_ferdig(register, punkt.pasient_id, dato)
    return True


def residiv(
    register: Register,
    ref: str,
    diagnosedato: date,
    idag: date,
    *,
    diagnose: str | None = None,
) -> dict[str, Any]:
    """A relapse: end the active episode (reason `residiv`), open episode nr + 1.

    The new diagnosis date must have been (not in the future) and lie after the previous
    episode's diagnosis date (exit 2). The diagnosis code defaults to the previous episode's.
    Refused (exit 1) when the patient is registered dead.
    """
    diagnose = normaliser_diagnose(diagnose)
    if diagnosedato > idag:
        raise UgyldigInndata(datoregler.residiv(diagnosedato, date.min, None, idag) or "")
    with register.transaksjon() as db:
        pasient_id = register.finn_pasient_id(ref)
        rader = _forlop_rader(db, pasient_id)
        if not rader:
            raise Avvist(f"Pasient nr. {pasient_id} har ikke noe forløp. Kontakt den som drifter registeret.")
        siste = rader[0]
        if any(f.avsluttet_grunn == DOD for f in rader):
            raise Avvist(f"Pasient nr. {pasient_id} er registrert som død. Et nytt forløp kan ikke åpnes.")
        siste_holdt = max(
            (d for f in rader if (d := _siste_holdt(db, f, _punkter(db, f, pasient_id))) is not None),
            default=None,
        )
        brudd = datoregler.residiv(diagnosedato, siste.diagnosedato, siste_holdt, idag)
        if brudd:
            raise UgyldigInndata(brudd)
        nytt_nr = siste.nr + 1
        avsluttet: dict[str, Any] | None = None
        for f in rader:
            if f.status == "aktiv":
                bortfalt = _avslutt(register, pasient_id, f, RESIDIV, diagnosedato, nytt_nr=nytt_nr)
                avsluttet = {"forlop": f.nr, "bortfalt": bortfalt}
        diagnose = diagnose or siste.diagnose
        register._nytt_forlop(
            db, pasient_id, nytt_nr, diagnosedato, diagnose, register.innstillinger()["sp1_uker"]
        )
        db.execute("UPDATE pasient SET status = 'aktiv' WHERE id = ?", (pasient_id,))
        register._hendelse(
            pasient_id,
            nytt_nr,
            None,
            "residiv",
            f"Residiv: forløp {nytt_nr} åpnet, diagnosedato {norsk_dato(diagnosedato)}"
            + (f" ({diagnose})" if diagnose else "")
            + ".",
        )
        register.logg(pasient_id, "residiv")
        data = register._pasient_data(pasient_id, idag)
    return {
        "pasient_id": pasient_id,
        "forlop": nytt_nr,
        "diagnosedato": diagnosedato.isoformat(),
        "diagnose": diagnose,
        "avsluttet": avsluttet,
        "pasient": data,
    }
