"""Quality figures for a period (`statistikk`): what a leader reports, with no name or number.

The period
    Every contact point is counted in exactly one period: a held one (gjennomført) in the
    period that holds the day it was held; every other one in the period that holds the last
    day of its window (`vindu_til`), the day it fell due. The status is the one stored now.

Per contact point (SP1, SP2, SP3)
    i_perioden: contact points counted in the period; gjennomfort: held; innen_vindu: held on
    a day inside the window [vindu_fra, vindu_til]; avslatt: declined (waiting to be asked
    again); bortfalt: not applicable; holdt_annet_sted: held by another service (SP1 at the
    hospital, seen from the municipality), counted on the day it was held, like a held one;
    apne: still open (planned, booked or postponed);
    median_dager: median days from the episode's diagnosis date to the day held.

Per patient
    kartlagte_pasienter: patients with at least one finished conversation dated in the period;
    andel_behov_prosent: of those, the share with a need flagged in such a conversation (a
    `*_behov` answer "behov", or a scale answer at or above the guide's `flagg_fra`, such as
    `belastning_grad` 4 or more); andel_tiltak_prosent: the share with actions agreed in such
    a conversation.

Groups
    By the patient's municipality or coordinator as registered now; patients with none form
    a group of their own (null in JSON, "(ikke oppgitt)" in tables and CSV).

Small-number suppression
    A count from 1 to 4 is shown as "<5"; a share or median built on fewer than 5 (or whose
    numerator is from 1 to 4, so the count could be worked back) is shown as "n<5". Zero is
    shown as 0. Only primary suppression: a suppressed cell may at times be worked out from
    the total and the other cells.

Nothing here is access-logged: the output holds no patient's data.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from .register import Register

GRENSE = 5
UNDER_GRENSE = "<5"
GRUNNLAG_UNDER_GRENSE = "n<5"
IKKE_OPPGITT = "(ikke oppgitt)"

PUNKT_FELT = ("i_perioden", "gjennomfort", "innen_vindu", "avslatt", "bortfalt", "holdt_annet_sted", "apne")
PER_VALG = ("kommune", "koordinator")


@dataclass
class Punkttall:
    """Raw counts of one contact point (never shown unsuppressed)."""

    i_perioden: int = 0
    gjennomfort: int = 0
    innen_vindu: int = 0
    avslatt: int = 0
    bortfalt: int = 0
    holdt_annet_sted: int = 0
    apne: int = 0
    dager: dict[int, int] = field(default_factory=dict)  # days to held -> how many


@dataclass
class Gruppetall:
    """Raw counts of one group (or of everyone)."""

    navn: str | None
    punkter: dict[int, Punkttall] = field(default_factory=lambda: {sp: Punkttall() for sp in (1, 2, 3)})
    kartlagte: int = 0
    med_behov: int = 0
    med_tiltak: int = 0

    def legg_til(self, annen: Gruppetall) -> None:
        for sp, tall in annen.punkter.items():
            mine = self.punkter[sp]
            for navn in PUNKT_FELT:
                setattr(mine, navn, getattr(mine, navn) + getattr(tall, navn))
            for dager, antall in tall.dager.items():
                mine.dager[dager] = mine.dager.get(dager, 0) + antall
        self.kartlagte += annen.kartlagte
        self.med_behov += annen.med_behov
        self.med_tiltak += annen.med_tiltak


def vern(antall: int) -> int | str:
    """A count as it may be shown: 1 to 4 becomes "<5"."""
    return UNDER_GRENSE if 0 < antall < GRENSE else antall


def andel(teller: int, nevner: int) -> float | str | None:
    """A share in percent with one decimal; "n<5" when it would reveal a small number."""
    if nevner == 0:
        return None
    if nevner < GRENSE or 0 < teller < GRENSE:
        return GRUNNLAG_UNDER_GRENSE
    return round(100 * teller / nevner, 1)


def median(fordeling: dict[int, int]) -> float | str | None:
    """The median of a distribution {value: how many}; "n<5" when fewer than 5 values."""
    antall = sum(fordeling.values())
    if antall == 0:
        return None
    if antall < GRENSE:
        return GRUNNLAG_UNDER_GRENSE
    verdier = sorted(fordeling)
    midt = [(antall - 1) // 2, antall // 2]  # 0-based positions of the middle value(s)
    funnet: list[int] = []
    sett = 0
    for verdi in verdier:
        sett += fordeling[verdi]
        while len(funnet) < 2 and midt[len(funnet)] < sett:
            funnet.append(verdi)
    resultat = (funnet[0] + funnet[1]) / 2
    return int(resultat) if resultat == int(resultat) else resultat


@dataclass
class Statistikk:
    """The figures of a period, suppressed at output."""

    fra: date
    til: date
    per: str | None
    totalt: Gruppetall
    grupper: list[Gruppetall]

    def _gruppe_json(self, g: Gruppetall) -> dict[str, Any]:
        return {
            "samhandlingspunkter": {
                str(sp): {
                    **{navn: vern(getattr(t, navn)) for navn in PUNKT_FELT},
                    "median_dager": median(t.dager),
                }
                for sp, t in g.punkter.items()
            },
            "kartlagte_pasienter": vern(g.kartlagte),
            "andel_behov_prosent": andel(g.med_behov, g.kartlagte),
            "andel_tiltak_prosent": andel(g.med_tiltak, g.kartlagte),
        }

    def til_json(self) -> dict[str, Any]:
        """The `--json` document."""
        data: dict[str, Any] = {
            "periode": {"fra": self.fra.isoformat(), "til": self.til.isoformat()},
            "per": self.per,
            "undertrykt_under": GRENSE,
            "totalt": self._gruppe_json(self.totalt),
        }
        if self.per:
            data["grupper"] = [{self.per: g.navn, **self._gruppe_json(g)} for g in self.grupper]
        return data

    def kolonner(self) -> list[str]:
        """The columns of the wide table (CSV, plain text): one row per group."""
        navn = [self.per or "gruppe"]
        for sp in (1, 2, 3):
            navn += [f"sp{sp}_{felt}" for felt in PUNKT_FELT] + [f"sp{sp}_median_dager"]
        return navn + ["kartlagte_pasienter", "andel_behov_prosent", "andel_tiltak_prosent"]

    def rader(self) -> list[list[Any]]:
        """The wide table: the total first ("alle"), then each group."""
        ut = []
        for g, navn in [(self.totalt, "alle")] + [
            (g, g.navn if g.navn is not None else IKKE_OPPGITT) for g in self.grupper
        ]:
            j = self._gruppe_json(g)
            rad: list[Any] = [navn]
            for sp in ("1", "2", "3"):
                punkt = j["samhandlingspunkter"][sp]
                rad += [punkt[felt] for felt in PUNKT_FELT] + [punkt["median_dager"]]
            rad += [j["kartlagte_pasienter"], j["andel_behov_prosent"], j["andel_tiltak_prosent"]]
            ut.append(rad)
        return ut

    def til_csv(self) -> str:
        """CSV as Norwegian Excel reads it: semicolons, decimal comma; no formulas possible."""
        from .eksport import CSV_SKILLE, noytraliser
        from .skjermtekst import rens

        ut = io.StringIO()
        skriver = csv.writer(ut, delimiter=CSV_SKILLE, lineterminator="\r\n")
        skriver.writerow(self.kolonner())
        for rad in self.rader():
            skriver.writerow([noytraliser(rens(_csv_celle(c))) for c in rad])
        return ut.getvalue()


def _csv_celle(verdi: Any) -> str:
    if verdi is None:
        return ""
    if isinstance(verdi, float):
        return f"{verdi:.1f}".replace(".", ",")
    return str(verdi)


def lag(register: Register, fra: date, til: date, per: str | None = None) -> Statistikk:
    """Count the period [fra, til] (both days included), in total and per group."""
    if per is not None and per not in PER_VALG:
        raise ValueError(per)
    gruppe_sql = f"p.{per}" if per else "NULL"
    # The patient is read only to group by; the totals alone do without the join.
    pasient_sql = "JOIN pasient p ON p.id = f.pasient_id" if per else ""
    verdier = {"fra": fra.isoformat(), "til": til.isoformat()}
    grupper: dict[str, Gruppetall] = {}

    def gruppe(navn: str | None) -> Gruppetall:
        nokkel = " ".join(navn.split()).casefold() if navn and navn.strip() else ""
        if nokkel not in grupper:
            grupper[nokkel] = Gruppetall(navn=" ".join(navn.split()) if nokkel else None)
        return grupper[nokkel]

    with register.transaksjon() as db:
        # The counts: one pass over the contact points, joined only when grouped.
        for navn, sp, status, innen, antall in db.execute(
            f"""
            SELECT {gruppe_sql}, s.sp, s.status,
                   s.status = 'gjennomfort' AND s.dato BETWEEN s.vindu_fra AND s.vindu_til,
                   count(*)
            FROM samhandlingspunkt s
            {"JOIN forlop f ON f.id = s.forlop_id" if per else ""}
            {pasient_sql}
            WHERE CASE WHEN s.status IN ('gjennomfort', 'holdt_annet_sted') THEN coalesce(s.dato, s.vindu_til)
                       ELSE s.vindu_til END BETWEEN :fra AND :til
            GROUP BY 1, 2, 3, 4
            """,
            verdier,
        ):
            t = gruppe(navn).punkter[sp]
            t.i_perioden += antall
            if status == "gjennomfort":
                t.gjennomfort += antall
                if innen:
                    t.innen_vindu += antall
            elif status == "avslatt":
                t.avslatt += antall
            elif status == "bortfalt":
                t.bortfalt += antall
            elif status == "holdt_annet_sted":
                t.holdt_annet_sted += antall
            else:
                t.apne += antall
        # The days from diagnosis to held, as a distribution (a few hundred rows, not one per
        # point), for the medians.
        for navn, sp, dager, antall in db.execute(
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
        ):
            fordeling = gruppe(navn).punkter[sp].dager
            fordeling[dager] = fordeling.get(dager, 0) + antall

        terskel_sql, terskel_verdier = _terskler(register, verdier)
        # Per conversation: does it flag a need, did it agree actions (EXISTS stops at the
        # first hit, on the answers' primary key and the actions' patient index); then per
        # patient; then per group.
        for navn, kartlagte, med_behov, med_tiltak in db.execute(
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
            SELECT {gruppe_sql}, count(*), sum(x.behov), sum(x.har_tiltak)
            FROM per_pasient x {"JOIN pasient p ON p.id = x.pasient_id" if per else ""}
            GROUP BY 1
            """,
            {**verdier, **terskel_verdier},
        ):
            g = gruppe(navn)
            g.kartlagte += kartlagte
            g.med_behov += med_behov or 0
            g.med_tiltak += med_tiltak or 0

    totalt = Gruppetall(navn=None)
    for g in grupper.values():
        totalt.legg_til(g)
    ordnet = sorted(grupper.values(), key=lambda g: (g.navn is None, (g.navn or "").casefold()))
    return Statistikk(fra=fra, til=til, per=per, totalt=totalt, grupper=ordnet if per else [])


def _terskler(register: Register, verdier: dict[str, str]) -> tuple[str, dict[str, Any]]:
    """The flag thresholds of the scale questions (`flagg_fra`) of every guide the period's
    conversations were held with, as an SQL condition on an answer `v` of a conversation `sa`
    ("0" when there are none), with its parameters."""
    guide_refer = [
        r[0]
        for r in register.db.execute(
            "SELECT DISTINCT guide_ref FROM samtale WHERE status = 'fullfort' AND dato BETWEEN :fra AND :til",
            verdier,
        )
    ]
    rader: list[tuple[int, str, int]] = []
    if guide_refer:
        from . import guide as guide_modul

        for ref in guide_refer:
            try:
                guiden = guide_modul.fra_tekst(register.guide_kilde(ref), f"guide {ref}")
            except Exception:  # a stored guide that no longer parses: no thresholds from it
                continue
            rader += [
                (ref, s.id, s.flagg_fra)
                for s in guiden.alle_sporsmal()
                if s.type == "skala" and s.flagg_fra is not None
            ]
    if not rader:
        return "0", {}
    parametre: dict[str, Any] = {}
    deler = []
    for i, (ref, sid, grense) in enumerate(rader):
        parametre.update({f"g{i}": ref, f"s{i}": sid, f"f{i}": grense})
        deler.append(
            f"(v.sporsmal_id = :s{i} AND sa.guide_ref = :g{i} AND v.verdi GLOB '[0-9]*'"
            f" AND CAST(v.verdi AS INTEGER) >= :f{i})"
        )
    return "(" + " OR ".join(deler) + ")", parametre
