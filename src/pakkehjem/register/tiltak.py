"""Actions (`tiltak`) agreed in conversations: the open ones across patients, and marking one done."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from .. import fnr as fnr_regler
from ..datoer import norsk_dato
from ..feil import Avvist, IkkeFunnet
from .gruppe import Gruppe

# The records are types only: the module that defines them is not loaded at run time.
if TYPE_CHECKING:
    from .poster import Tiltakspost, Tiltaksrad


class Tiltak(Gruppe):
    """The actions of a register (`reg.tiltak`)."""

    def uavsluttede(
        self,
        idag: date,
        *,
        ansvarlig: str | None = None,
        koordinator: str | None = None,
        kun_forfalte: bool = False,
    ) -> list[Tiltaksrad]:
        """Open actions across patients, by deadline (none last)."""
        vilkar, verdier = ["t.status = 'apen'"], []
        if ansvarlig:
            vilkar.append("t.ansvarlig = ? COLLATE NORSK")
            verdier.append(ansvarlig)
        if koordinator:
            vilkar.append("p.koordinator = ? COLLATE NORSK")
            verdier.append(koordinator)
        if kun_forfalte:
            vilkar.append("t.frist < ?")
            verdier.append(idag.isoformat())
        with self.reg.transaksjon() as db:
            rader = db.execute(
                "SELECT t.id, p.id, p.navn, p.fnr, p.koordinator, t.hva, t.ansvarlig, t.frist,"
                " t.samtale_id FROM tiltak t JOIN pasient p ON p.id = t.pasient_id"
                f" WHERE {' AND '.join(vilkar)} ORDER BY t.frist IS NULL, t.frist, p.navn, t.id",
                verdier,
            ).fetchall()
            self.t.logg(sorted({r[1] for r in rader}), "tiltak")
        return [
            {
                "id": tid,
                "pasient_id": pid,
                "navn": navn,
                "fnr": fnr_regler.masker(fnr),
                "koordinator": koord,
                "hva": hva,
                "ansvarlig": ansv,
                "frist": frist,
                "samtale": samtale,
                "forfalt": bool(frist and frist < idag.isoformat()),
            }
            for tid, pid, navn, fnr, koord, hva, ansv, frist, samtale in rader
        ]

    def utfort(self, tiltak_id: int, dato: date) -> int:
        """Mark an action done; returns the patient's id."""
        with self.reg.transaksjon() as db:
            rad = None
            if -(2**63) <= tiltak_id < 2**63:  # beyond does not fit an SQLite integer (OverflowError)
                rad = db.execute(
                    "SELECT pasient_id, status FROM tiltak WHERE id = ?", (tiltak_id,)
                ).fetchone()
            if rad is None:
                raise IkkeFunnet(f"Ingen tiltak med nummer {tiltak_id}. Se «pakkehjem tiltak».")
            pasient_id, status = rad
            if status == "utfort":
                raise Avvist(f"Tiltak {tiltak_id} er allerede utført.")
            db.execute(
                "UPDATE tiltak SET status = 'utfort', utfort_dato = ? WHERE id = ?",
                (dato.isoformat(), tiltak_id),
            )
            self.t.hendelse(
                pasient_id, None, None, "tiltak_utfort", f"Tiltak {tiltak_id} utført {norsk_dato(dato)}."
            )
            self.t.logg(pasient_id, "tiltak-utfort")
        return int(pasient_id)

    def for_pasient(self, pasient_id: int) -> list[Tiltakspost]:
        """The patient's actions, by deadline (none last), read in the caller's transaction."""
        return [
            {
                "id": tid,
                "hva": hva,
                "ansvarlig": ansvarlig,
                "frist": frist,
                "status": status,
                "utfort_dato": utfort,
                "samtale": samtale,
                "lukket_grunn": lukket_grunn,
            }
            for tid, hva, ansvarlig, frist, status, utfort, samtale, lukket_grunn in self.db.execute(
                "SELECT id, hva, ansvarlig, frist, status, utfort_dato, samtale_id, lukket_grunn FROM tiltak"
                " WHERE pasient_id = ? ORDER BY frist IS NULL, frist, id",
                (pasient_id,),
            )
        ]
