"""Letters: what a letter is made of (read in one logged transaction), and the append-only
record of every letter written."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING

from .. import forlop
from ..datoer import tidspunkt_utc
from ..feil import Avvist
from .gruppe import Gruppe
from .tilkobling import bruker

# The records are types only: the module that defines them is not loaded at run time.
if TYPE_CHECKING:
    from .poster import (
        Brevgrunnlag,
        Brevpost,
        Brevtiltak,
        Innkallingsgrunnlag,
        Meldingsgrunnlag,
        Meldingstiltak,
        Samtykkerad,
    )

    Kontroll = Callable[[int, dict[str, Samtykkerad]], None]


class Brevlogg(Gruppe):
    """The letters of a register (`reg.brevlogg`)."""

    def brevgrunnlag(
        self,
        ref: str,
        sp: int | None,
        idag: date,
        kontroll: Kontroll | None = None,
    ) -> Brevgrunnlag:
        """What a handover letter is made of, read in one logged transaction.

        `kontroll(pasient_id, current consent)` runs first and may refuse (ManglerSamtykke):
        then nothing else of the patient is read. The conversation is the latest finished one,
        or the latest finished one of contact point `sp`.
        """
        with self.reg.transaksjon() as db:
            pasient_id = self.reg.pasienter.finn_id(ref)
            gjeldende = self.reg.samtykker.gjeldende(pasient_id)
            if kontroll is not None:
                kontroll(pasient_id, gjeldende)
            # A conversation amended since (a finished revision replaces it) is history.
            vilkar, verdier = (
                "s.pasient_id = ? AND s.status = 'fullfort' AND NOT EXISTS (SELECT 1 FROM"
                " samtale_revisjon r JOIN samtale n ON n.id = r.samtale_id WHERE r.erstatter = s.id"
                " AND n.status = 'fullfort')",
                [pasient_id],
            )
            if sp is not None:
                vilkar += " AND p.sp = ?"
                verdier.append(sp)
            else:
                # This service's own conversations: a register that works both sees all three.
                egne = forlop.TJENESTE_SP.get(self.reg.innstillinger()["tjeneste"] or "", forlop.SP_NUMRE)
                vilkar += f" AND p.sp IN ({','.join(str(n) for n in egne)})"
            rad = db.execute(
                "SELECT s.id FROM samtale s JOIN samhandlingspunkt p ON p.id = s.samhandlingspunkt_id"
                f" JOIN forlop f ON f.id = p.forlop_id WHERE {vilkar}"
                " ORDER BY f.nr DESC, s.dato DESC, s.id DESC LIMIT 1",
                verdier,
            ).fetchone()
            if rad is None:
                hvilken = f"for samhandlingspunkt {sp} " if sp is not None else ""
                raise Avvist(
                    f"Pasient nr. {pasient_id} har ingen fullført samtale {hvilken}å lage brev fra. "
                    f"Hold samtalen først med «pakkehjem samtale {pasient_id}»"
                    + (f" --sp {sp}" if sp is not None else "")
                    + ", eller fullfør den som er påbegynt."
                )
            samtale = self.reg.samtaler.data(rad[0])
            samtale["korrigert"] = self.reg.samtaler.korrigert(rad[0])
            pasient = self.reg.pasienter.data(pasient_id, idag)
            tiltak: list[Brevtiltak] = [
                {
                    "id": i,
                    "sporsmal_id": sporsmal_id,
                    "hva": hva,
                    "ansvarlig": ansvarlig,
                    "frist": frist,
                    "status": status,
                }
                for i, sporsmal_id, hva, ansvarlig, frist, status in db.execute(
                    "SELECT id, sporsmal_id, hva, ansvarlig, frist, status FROM tiltak"
                    " WHERE samtale_id = ? ORDER BY frist IS NULL, frist, id",
                    (samtale["id"],),
                )
            ]
            self.t.logg(pasient_id, "brev")
        return {"pasient": pasient, "samtale": samtale, "tiltak": tiltak, "samtykke": gjeldende}

    def meldingsgrunnlag(
        self,
        ref: str,
        idag: date,
        kontroll: Kontroll | None = None,
    ) -> Meldingsgrunnlag:
        """What a message without a conversation (`brev --melding`) is made of, read in one
        logged transaction: the patient with every episode and contact point, the open actions
        and the consent. `kontroll` runs first, as for `brevgrunnlag`."""
        with self.reg.transaksjon() as db:
            pasient_id = self.reg.pasienter.finn_id(ref)
            gjeldende = self.reg.samtykker.gjeldende(pasient_id)
            if kontroll is not None:
                kontroll(pasient_id, gjeldende)
            pasient = self.reg.pasienter.data(pasient_id, idag)
            tiltak: list[Meldingstiltak] = [
                {"id": i, "hva": hva, "ansvarlig": ansvarlig, "frist": frist}
                for i, hva, ansvarlig, frist in db.execute(
                    "SELECT id, hva, ansvarlig, frist FROM tiltak WHERE pasient_id = ? AND status = 'apen'"
                    " ORDER BY frist IS NULL, frist, id",
                    (pasient_id,),
                )
            ]
            punkt_ider = {
                (nr, sp): pid
                for pid, nr, sp in db.execute(
                    "SELECT s.id, f.nr, s.sp FROM samhandlingspunkt s JOIN forlop f ON f.id = s.forlop_id"
                    " WHERE f.pasient_id = ?",
                    (pasient_id,),
                )
            }
            self.t.logg(pasient_id, "brev")
        return {"pasient": pasient, "tiltak": tiltak, "samtykke": gjeldende, "punkt_ider": punkt_ider}

    def innkallingsgrunnlag(self, ref: str, sp: int | None) -> Innkallingsgrunnlag:
        """What an invitation letter is made of: the patient's name and the booked contact
        point (`sp`, or the first open one of the active episode), read in one logged
        transaction. Avvist, with nothing logged, when the point is not booked."""
        with self.reg.transaksjon() as db:
            pasient_id = self.reg.pasienter.finn_id(ref)
            self.reg.pasienter.sjekk_ikke_dod(pasient_id)
            punkt = self.reg.punkter.finn(pasient_id, sp)
            if punkt.status != forlop.AVTALT:
                med_sp = f" --sp {sp}" if sp is not None else ""
                raise Avvist(
                    f"Samhandlingspunkt {punkt.sp} for pasient nr. {pasient_id} er ikke avtalt, så det er "
                    "ingen tid å kalle inn til. Avtal samtalen først med "
                    f"«pakkehjem avtal {pasient_id} DATO --kl TT:MM --sted ...{med_sp}»."
                )
            navn = db.execute("SELECT navn FROM pasient WHERE id = ?", (pasient_id,)).fetchone()[0]
            ansvarlig, dato, klokkeslett, sted = db.execute(
                "SELECT ansvarlig, dato, klokkeslett, sted FROM samhandlingspunkt WHERE id = ?", (punkt.id,)
            ).fetchone()
            self.t.logg(pasient_id, "innkalling")
        return {
            "pasient": {"id": pasient_id, "navn": navn},
            "punkt": {
                "id": punkt.id, "forlop": punkt.forlop_nr, "sp": punkt.sp, "ansvarlig": ansvarlig,
                "dato": dato, "klokkeslett": klokkeslett, "sted": sted,
            },
        }  # fmt: skip

    def registrer(
        self,
        *,
        pasient_id: int,
        samtale_id: int | None,
        mottaker: str,
        mottaker_navn: str | None,
        format_: str,
        sprak: str,
        sha256: str,
        fil: str | None,
        art: str = "oppsummering",
        samhandlingspunkt_id: int | None = None,
    ) -> int:
        """Record a letter that was written (a summary, or an invitation to a booked contact
        point); returns its number."""
        with self.reg.transaksjon() as db:
            brev_id = db.execute(
                "INSERT INTO brev (pasient_id, samtale_id, mottaker, mottaker_navn, format, sprak,"
                " sha256, fil, skrevet, bruker, art, samhandlingspunkt_id) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    pasient_id,
                    samtale_id,
                    mottaker,
                    mottaker_navn,
                    format_,
                    sprak,
                    sha256,
                    fil,
                    tidspunkt_utc(),
                    bruker(),
                    art,
                    samhandlingspunkt_id,
                ),
            ).lastrowid
            self.t.logg(pasient_id, f"brev-{mottaker}" if art == "oppsummering" else f"{art}-{mottaker}")
        assert brev_id is not None
        return int(brev_id)

    def som_json(self, pasient_id: int) -> list[Brevpost]:
        """The letters written about the patient, oldest first."""
        return [
            {
                "id": brev_id,
                "skrevet": skrevet,
                "mottaker": mottaker,
                "mottaker_navn": mottaker_navn,
                "samtale": samtale,
                "format": format_,
                "sprak": sprak,
                "sha256": sha256,
                "fil": fil,
                "bruker": hvem,
                "art": art,
            }
            for (
                brev_id,
                skrevet,
                mottaker,
                mottaker_navn,
                samtale,
                format_,
                sprak,
                sha256,
                fil,
                hvem,
                art,
            ) in (
                self.db.execute(
                    "SELECT id, skrevet, mottaker, mottaker_navn, samtale_id, format, sprak, sha256, fil,"
                    " bruker, art FROM brev WHERE pasient_id = ? ORDER BY id",
                    (pasient_id,),
                )
            )
        ]
