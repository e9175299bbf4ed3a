"""The reports' queries: the export tables, the calendar's bookings, the coordinators'
overview and the leaders' statistics. Each reads in one transaction that logs the patients it
shows; the shaping (columns, masking, suppression) is the report module's own."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

from .gruppe import Gruppe

if TYPE_CHECKING:
    from .poster import Avtale, Oversiktsrader, Statistikkrader


class Rapporter(Gruppe):
    """The report queries of a register (`reg.rapporter`)."""

    def eksport(self, tabeller: Sequence[str], koordinator: str | None) -> dict[str, list[tuple[Any, ...]]]:
        """The export tables asked for as rows (the column order of `eksport.KOLONNER`, the
        state not yet derived), read in one transaction logged as `eksport`."""
        filter_sql = " AND p.koordinator = :koordinator COLLATE NOCASE" if koordinator else ""
        verdier = {"koordinator": koordinator}
        ut: dict[str, list[tuple[Any, ...]]] = {}
        with self.reg.transaksjon() as t:
            pasient_ider: set[int] = set()
            if "pasienter" in tabeller:
                ut["pasienter"] = rader = t.execute(
                    f"""
                    SELECT p.id, p.fnr, p.navn, p.fodselsdato, p.kommune, p.fastlege, p.koordinator,
                           p.telefon, p.status, f.nr, f.diagnosedato, f.diagnose, f.status
                    FROM pasient p
                    LEFT JOIN forlop f ON f.id = (
                        SELECT f2.id FROM forlop f2 WHERE f2.pasient_id = p.id ORDER BY f2.nr DESC LIMIT 1)
                    WHERE 1 = 1{filter_sql}
                    ORDER BY p.id
                    """,
                    verdier,
                ).fetchall()
                pasient_ider.update(r[0] for r in rader)
            if "samhandlingspunkter" in tabeller:
                ut["samhandlingspunkter"] = rader = t.execute(
                    f"""
                    SELECT p.id, p.fnr, p.navn, f.nr, f.diagnosedato, s.sp, s.ansvarlig, s.vindu_fra,
                           s.vindu_til, s.status, s.dato, s.klokkeslett, s.sted, s.grunn
                    FROM samhandlingspunkt s
                    JOIN forlop f ON f.id = s.forlop_id
                    JOIN pasient p ON p.id = f.pasient_id
                    WHERE 1 = 1{filter_sql}
                    ORDER BY p.id, f.nr, s.sp
                    """,
                    verdier,
                ).fetchall()
                pasient_ider.update(r[0] for r in rader)
            if "tiltak" in tabeller:
                ut["tiltak"] = rader = t.execute(
                    f"""
                    SELECT t.id, p.id, p.fnr, p.navn, t.hva, t.ansvarlig, t.frist, t.status,
                           t.utfort_dato, t.samtale_id, t.opprettet
                    FROM tiltak t JOIN pasient p ON p.id = t.pasient_id
                    WHERE 1 = 1{filter_sql}
                    ORDER BY p.id, t.frist IS NULL, t.frist, t.id
                    """,
                    verdier,
                ).fetchall()
                pasient_ider.update(r[1] for r in rader)
            t.logg(sorted(pasient_ider), "eksport")
        return ut

    def avtaler(self, ref: str | None, *, koordinator: str | None, avlyst_fra: date | None) -> list[Avtale]:
        """Booked contact points of active episodes, and with `avlyst_fra` the bookings called off
        since that day (then the booked date, time and place), by date. Every patient listed is
        logged as `kalender`, and so is the one patient asked for."""
        if avlyst_fra is None:
            vilkar = ["s.status = 'avtalt' AND s.forlop_status = 'aktiv'"]
            verdier: list[Any] = []
        else:
            vilkar = [
                "((s.status = 'avtalt' AND s.forlop_status = 'aktiv')"
                " OR (s.status != 'avtalt' AND s.avlyst_dato >= ?))"
            ]
            verdier = [avlyst_fra.isoformat()]
        with self.reg.transaksjon() as t:
            pasient_id = None
            if ref is not None:
                pasient_id = self.reg.pasienter.finn_id(ref)
                vilkar.append("p.id = ?")
                verdier.append(pasient_id)
            if koordinator:
                vilkar.append("p.koordinator = ? COLLATE NOCASE")
                verdier.append(koordinator.strip())
            avlyst = "s.status != 'avtalt'"
            rader: list[tuple[Any, ...]] = t.execute(
                "SELECT s.id, p.id, p.navn, p.koordinator, s.forlop_nr, s.sp, s.ansvarlig,"
                f" CASE WHEN {avlyst} THEN s.avlyst_dato ELSE s.dato END AS dag,"
                f" CASE WHEN {avlyst} THEN s.avlyst_klokkeslett ELSE s.klokkeslett END AS kl,"
                f" CASE WHEN {avlyst} THEN s.avlyst_sted ELSE s.sted END, {avlyst}"
                " FROM samhandlingspunkt s JOIN pasient p ON p.id = s.pasient_id"
                f" WHERE {' AND '.join(vilkar)} ORDER BY dag, kl IS NULL, kl, s.id",
                verdier,
            ).fetchall()
            pasienter = {r[1] for r in rader}
            if pasient_id is not None:
                pasienter.add(pasient_id)
            t.logg(sorted(pasienter), "kalender")
        return [
            {
                "id": r[0],
                "pasient_id": r[1],
                "navn": r[2],
                "koordinator": r[3],
                "forlop": r[4],
                "sp": r[5],
                "ansvarlig": r[6],
                "dato": r[7],
                "klokkeslett": r[8],
                "sted": r[9],
                "avlyst": bool(r[10]),
            }
            for r in rader
        ]

    def oversikt(
        self,
        idag: date,
        *,
        uke_til: date,
        maned_til: date,
        koordinator: str | None,
        ansvarlig: str | None,
    ) -> Oversiktsrader:
        """The overview's counts per coordinator, in one transaction: `aktive` (koordinator,
        active patients), `punkter` (koordinator, overdue, due this week, due this month,
        declined, declined to ask again now, the next ask-again date), `tiltak` (koordinator,
        actions past their deadline); with `koordinator`, `avslatt`: that coordinator's declined
        points (pasient_id, navn, fnr, forlop, sp, ask-again date), logged as `oversikt`.
        `ansvarlig`: only the points this service is responsible for."""
        filter_sql = " AND p.koordinator = :koordinator COLLATE NOCASE" if koordinator else ""
        punkt_sql = " AND s.ansvarlig = :ansvarlig" if ansvarlig else ""
        verdier: dict[str, str | int | None] = {
            "idag": idag.isoformat(),
            "uke_til": uke_til.isoformat(),
            "maned_til": maned_til.isoformat(),
            "koordinator": koordinator,
            "ansvarlig": ansvarlig,
        }
        with self.reg.transaksjon() as t:
            ut: Oversiktsrader = {"aktive": [], "punkter": [], "tiltak": []}
            ut["aktive"] = t.execute(
                f"SELECT p.koordinator, count(*) FROM pasient p WHERE p.status = 'aktiv'{filter_sql}"
                " GROUP BY p.koordinator",
                verdier,
            ).fetchall()
            # NOT INDEXED: the open points are a large share of the table, and one pass in row
            # order (with the joins on row ids) is several times faster than the partial index
            # samhandlingspunkt_forfall, whose order sends every row to a random page. The
            # episode's status and patient are read off the point (migration 13): one join.
            ut["punkter"] = t.execute(
                f"""
                SELECT p.koordinator,
                       sum(s.forfall_til < :idag),
                       sum(s.forfall_til >= :idag AND s.forfall_fra <= :uke_til),
                       sum(s.forfall_til >= :idag AND s.forfall_fra <= :maned_til),
                       sum(s.status = 'avslatt'),
                       sum(s.status = 'avslatt' AND s.dato <= :idag),
                       min(CASE WHEN s.status = 'avslatt' AND s.dato > :idag THEN s.dato END)
                FROM samhandlingspunkt s NOT INDEXED
                JOIN pasient p ON p.id = s.pasient_id
                WHERE s.forfall_til IS NOT NULL AND s.forlop_status = 'aktiv'{filter_sql}{punkt_sql}
                GROUP BY p.koordinator
                """,
                verdier,
            ).fetchall()
            # Counted per patient first: one join per patient, not one per action.
            ut["tiltak"] = t.execute(
                "SELECT p.koordinator, sum(x.antall) FROM (SELECT pasient_id, count(*) AS antall"
                " FROM tiltak WHERE status = 'apen' AND frist < :idag GROUP BY pasient_id) x"
                f" JOIN pasient p ON p.id = x.pasient_id WHERE 1 = 1{filter_sql} GROUP BY p.koordinator",
                verdier,
            ).fetchall()
            if koordinator:
                ut["avslatt"] = rader = t.execute(
                    f"""
                    SELECT p.id, p.navn, p.fnr, s.forlop_nr, s.sp, s.dato
                    FROM samhandlingspunkt s
                    JOIN pasient p ON p.id = s.pasient_id
                    WHERE s.status = 'avslatt' AND s.forlop_status = 'aktiv'{filter_sql}{punkt_sql}
                    ORDER BY s.dato, p.navn, p.id, s.sp
                    """,
                    verdier,
                ).fetchall()
                t.logg(sorted({r[0] for r in rader}), "oversikt")
        return ut

    def guider_brukt(self, fra: date, til: date) -> list[int]:
        """The stored guides the finished conversations of the period were held with."""
        return [
            r[0]
            for r in self.db.execute(
                "SELECT DISTINCT guide_ref FROM samtale WHERE status = 'fullfort' AND dato BETWEEN ? AND ?",
                (fra.isoformat(), til.isoformat()),
            )
        ]

    def statistikk(
        self,
        per: str | None,
        *,
        ar: int,
        fra: date,
        til: date,
        terskler: Sequence[tuple[int, str, int]],
    ) -> Statistikkrader:
        """The statistics' counts, in one transaction, grouped by the patient's `per` (a column
        of pasient: kommune or koordinator; None for the totals alone):

        - `punkter`: the year `ar`'s contact points by (group, sp, status, held in its window,
          month, count), the month of the day held, else of the window's end;
        - `dager`: the period's held points by (group, sp, days from diagnosis, count);
        - `samtaler`: the period's patients with a finished conversation by (group, need
          flagged, actions agreed, count). `terskler`: (guide row, question id, lowest flagged
          value) of the scale questions whose answer flags a need.
        """
        gruppe_sql = f"p.{per}" if per else "NULL"
        # The patient is read only to group by; the totals alone do without the join.
        pasient_sql = "JOIN pasient p ON p.id = f.pasient_id" if per else ""
        aret = {"fra": f"{ar}-01-01", "til": f"{ar}-12-31"}
        verdier = {"fra": fra.isoformat(), "til": til.isoformat()}
        terskel_sql, terskel_verdier = _terskel_sql(terskler)
        ut: Statistikkrader = {"punkter": [], "dager": [], "samtaler": []}
        with self.reg.transaksjon() as t:
            # The year's counts by month (the pattern protects months, quarters and the year
            # together): one pass over the contact points, joined only when grouped.
            dag_sql = (
                "CASE WHEN s.status IN ('gjennomfort', 'holdt_annet_sted') "
                "THEN coalesce(s.dato, s.vindu_til) ELSE s.vindu_til END"
            )
            ut["punkter"] = t.execute(
                f"""
                SELECT {gruppe_sql}, s.sp, s.status,
                       s.status = 'gjennomfort' AND s.dato BETWEEN s.vindu_fra AND s.vindu_til,
                       substr({dag_sql}, 6, 2), count(*)
                FROM samhandlingspunkt s
                {"JOIN pasient p ON p.id = s.pasient_id" if per else ""}
                WHERE {dag_sql} BETWEEN :fra AND :til
                GROUP BY 1, 2, 3, 4, 5
                """,
                aret,
            ).fetchall()
            # The days from diagnosis to held in the period, as a distribution, for the medians.
            ut["dager"] = t.execute(
                f"""
                SELECT {gruppe_sql}, s.sp,
                       CAST(julianday(s.dato) - julianday(f.diagnosedato) AS INTEGER), count(*)
                FROM samhandlingspunkt s
                JOIN forlop f ON f.id = s.forlop_id
                {pasient_sql}
                WHERE s.status = 'gjennomfort' AND s.dato BETWEEN :fra AND :til
                GROUP BY 1, 2, 3
                """,
                verdier,
            ).fetchall()
            # Per conversation: does it flag a need, did it agree actions (EXISTS stops at the
            # first hit, on the answers' primary key and the actions' patient index); then per
            # patient; then per group and (need, action). Patients do not add up over months (one
            # mapped in January and March counts once in the quarter), so this table is protected
            # on its own.
            ut["samtaler"] = t.execute(
                f"""
                WITH samt AS (
                    SELECT id, pasient_id, guide_ref FROM samtale
                    WHERE status = 'fullfort' AND dato BETWEEN :fra AND :til
                ),
                per_samtale AS (
                    SELECT sa.pasient_id,
                        EXISTS (SELECT 1 FROM svar v WHERE v.samtale_id = sa.id AND v.hoppet_over = 0 AND (
                            (v.verdi = '"behov"' AND v.sporsmal_id LIKE '%\\_behov' ESCAPE '\\')
                            OR {terskel_sql})) AS behov,
                        EXISTS (SELECT 1 FROM tiltak t
                                WHERE t.pasient_id = sa.pasient_id AND t.samtale_id = sa.id) AS har_tiltak
                    FROM samt sa
                ),
                per_pasient AS (
                    SELECT pasient_id, max(behov) AS behov, max(har_tiltak) AS har_tiltak
                    FROM per_samtale GROUP BY pasient_id
                )
                SELECT {gruppe_sql}, x.behov, x.har_tiltak, count(*)
                FROM per_pasient x {"JOIN pasient p ON p.id = x.pasient_id" if per else ""}
                GROUP BY 1, 2, 3
                """,
                {**verdier, **terskel_verdier},
            ).fetchall()
        return ut


def _terskel_sql(terskler: Sequence[tuple[int, str, int]]) -> tuple[str, dict[str, str | int]]:
    """The flag thresholds as an SQL condition on an answer `v` of a conversation `sa` ("0" when
    there are none), with its parameters."""
    if not terskler:
        return "0", {}
    parametre: dict[str, str | int] = {}
    deler = []
    for i, (ref, sid, grense) in enumerate(terskler):
        parametre.update({f"g{i}": ref, f"s{i}": sid, f"f{i}": grense})
        deler.append(
            f"(v.sporsmal_id = :s{i} AND sa.guide_ref = :g{i} AND v.verdi GLOB '[0-9]*'"
            f" AND CAST(v.verdi AS INTEGER) >= :f{i})"
        )
    return "(" + " OR ".join(deler) + ")", parametre
