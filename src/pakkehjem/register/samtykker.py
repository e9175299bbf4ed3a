"""Consent: the rows recorded, and the consent in force per recipient kind."""

from __future__ import annotations

import json
from datetime import date
from typing import TYPE_CHECKING, cast

from ..datoer import norsk_dato, tidspunkt_utc
from ..datoregler import har_vaert
from ..regler import regel
from .gruppe import Gruppe
from .tilkobling import bruker

# The records are types only: the module that defines them is not loaded at run time.
if TYPE_CHECKING:
    from .poster import Samtykkepost, Samtykkerad, Samtykkeregistrert


class Samtykker(Gruppe):
    """The consent records of a register (`reg.samtykker`)."""

    def rader(self, pasient_id: int) -> list[Samtykkerad]:
        """Every consent row of the patient with its row id, oldest first."""
        return [
            {
                "id": i,
                "mottaker": mottaker,
                "svar": svar,
                "dato": dato,
                "kilde": kilde,
                "samtale": samtale,
                "registrert": registrert,
                "omfang": json.loads(omfang) if omfang else None,
                "navn": navn,
            }
            for i, mottaker, svar, dato, kilde, samtale, registrert, omfang, navn in self.db.execute(
                "SELECT id, mottaker, svar, dato, kilde, samtale_id, registrert, omfang, navn FROM samtykke"
                " WHERE pasient_id = ? ORDER BY registrert, id",
                (pasient_id,),
            )
        ]

    def gjeldende(self, pasient_id: int) -> dict[str, Samtykkerad]:
        """The consent in force per recipient kind (samtykke.gjeldende over every row)."""
        from ..samtykke import gjeldende

        return gjeldende(self.rader(pasient_id))

    def registrer(
        self,
        ref: str,
        mottaker: str,
        svar: bool,
        dato: date,
        *,
        idag: date,
        omfang: list[str] | None = None,
        navn: str | None = None,
    ) -> Samtykkeregistrert:
        """Record consent (True) or objection (False) for a recipient kind, source "kommando",
        given on `dato` (not after `idag`: UgyldigInndata).

        `omfang`: the theme ids (and "diagnose") a consent to nav or annen covers; None, the
        recipient's own themes. `navn`: the recipient an annen consent names. A new row every
        time: the history is kept, the latest row is the one in force.
        """
        regel(har_vaert(dato, idag, "Datoen", "Oppgi dagen pasienten sa ja eller nei."))
        with self.reg.transaksjon() as db:
            pasient_id = self.reg.pasienter.finn_id(ref)
            db.execute(
                "INSERT INTO samtykke (pasient_id, mottaker, svar, dato, kilde, samtale_id,"
                " registrert, bruker, omfang, navn) VALUES (?,?,?,?,?,?,?,?,?,?)",
                (
                    pasient_id,
                    mottaker,
                    "ja" if svar else "nei",
                    dato.isoformat(),
                    "kommando",
                    None,
                    tidspunkt_utc(),
                    bruker(),
                    json.dumps(omfang) if omfang is not None else None,
                    navn,
                ),
            )
            tillegg = f", tema: {', '.join(omfang)}" if omfang else ""
            self.t.hendelse(
                pasient_id,
                None,
                None,
                "samtykke",
                f"Samtykke for {mottaker}{' (' + navn + ')' if navn else ''}: "
                f"{'ja' if svar else 'nei'} ({norsk_dato(dato)}{tillegg}).",
            )
            self.t.logg(pasient_id, "samtykke")
            gjeldende = self.gjeldende(pasient_id)
        return {
            "pasient_id": pasient_id,
            "mottaker": mottaker,
            "svar": "ja" if svar else "nei",
            "dato": dato.isoformat(),
            "kilde": "kommando",
            "omfang": omfang,
            "navn": navn,
            "gjeldende": gjeldende[mottaker]["svar"],
        }

    def historikk(self, pasient_id: int) -> list[Samtykkepost]:
        """Every consent row of the patient, oldest first (the history; `gjeldende` says which
        is in force): the rows of `rader` without their row id."""
        historikk: list[Samtykkepost] = []
        for rad in self.rader(pasient_id):
            post = dict(rad)
            del post["id"]
            historikk.append(cast("Samtykkepost", post))
        return historikk
