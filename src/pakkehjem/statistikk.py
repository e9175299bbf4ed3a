"""Quality figures for a period (`statistikk`): what a leader reports, with no name or number.

The period
    A calendar month, a quarter or a year (`periode_for` rounds any other range out, and says
    so). Every contact point is counted in exactly one month: a held one (gjennomført, or held
    elsewhere) in the month of the day it was held; every other one in the month of the last
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

Suppression (`skjuling`)
    A count from 1 to 4 is hidden (primary), and so is every cell that would let a hidden one
    be worked out again: from the total and the other cells of its row, from the other groups,
    or from the other months, quarters and the year (secondary). A share or median built on
    fewer than 5 is hidden; so is a share whose count or complement is hidden, and a median
    whose count is. Every hidden figure is shown as ":" (as Statistics Norway does), so a
    reader cannot tell a small number from a protecting one. Zero is shown as 0.

Nothing here is access-logged: the output holds no patient's data.
"""

from __future__ import annotations

import calendar
import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from . import skjuling
from .register import Register

GRENSE = skjuling.GRENSE
SKJULT = ":"
IKKE_OPPGITT = "(ikke oppgitt)"

PUNKT_FELT = ("i_perioden", "gjennomfort", "innen_vindu", "avslatt", "bortfalt", "holdt_annet_sted", "apne")
PER_VALG = ("kommune", "koordinator")

# The measures as trees over their leaves (skjuling): a contact point's status ...
_PUNKT_BLADER = ("innen", "utenfor", "avslatt", "bortfalt", "holdt_annet_sted", "apne")
PUNKTMAL = skjuling.mal(
    {
        **{b: frozenset({b}) for b in _PUNKT_BLADER},
        "i_perioden": frozenset(_PUNKT_BLADER),
        "gjennomfort": frozenset({"innen", "utenfor"}),
        "innen_vindu": frozenset({"innen"}),
    },
    PUNKT_FELT,
    "i_perioden",
)
# ... held after the window is never shown, but follows from gjennomfort - innen_vindu.
SENSITIVE_PUNKT = ("utenfor",)
# ... and a mapped patient's (need, action): b/n need or not, t/u action or not.
_SAMTALE_BLADER = ("bt", "bu", "nt", "nu")
SAMTALEMAL = skjuling.mal(
    {
        **{b: frozenset({b}) for b in _SAMTALE_BLADER},
        "kartlagte": frozenset(_SAMTALE_BLADER),
        "med_behov": frozenset({"bt", "bu"}),
        "med_tiltak": frozenset({"bt", "nt"}),
        "uten_behov": frozenset({"nt", "nu"}),
        "uten_tiltak": frozenset({"bu", "nu"}),
    },
    ("kartlagte", "med_behov", "med_tiltak"),
    "kartlagte",
)
# A share shows its count and its complement (83.3 % of 6 is 5, and 1 without).
SENSITIVE_SAMTALE = ("uten_behov", "uten_tiltak")

METODE = (
    "Tall fra 1 til 4 skjules, og i tillegg så mange andre tall at de skjulte ikke kan regnes ut "
    "fra summer, andre rader eller andre måneder, kvartaler og året (sekundærundertrykking, som i "
    "offisiell statistikk fra SSB og FHI). Andeler og medianer som bygger på færre enn 5, skjules. "
    "Perioden er alltid en hel måned, et kvartal eller et år."
)


# --- the period --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Statistikkperiode:
    """A month, a quarter or a year of one calendar year, and whether a range was rounded out."""

    ar: int
    node: str  # skjuling.tid(): "m03", "k1" or "ar"
    fra: date
    til: date
    rundet_ut: bool = False

    @property
    def slags(self) -> str:
        return {"m": "maned", "k": "kvartal", "a": "ar"}[self.node[0]]

    def tekst(self) -> str:
        from .datoer import MANEDER

        if self.node.startswith("m"):
            return f"{MANEDER[self.fra.month - 1]} {self.ar}"
        if self.node.startswith("k"):
            return f"{self.node[1]}. kvartal {self.ar}"
        return str(self.ar)


def periode_for(fra: date, til: date) -> Statistikkperiode:
    """The smallest month, quarter or year of one calendar year that holds [fra, til].

    ValueError when the range crosses a new year (a period over two years would be a sum of
    years no suppression protects).
    """
    if til < fra:
        raise ValueError("--til ligger før --fra.")
    if fra.year != til.year:
        raise ValueError(
            "Statistikken lages for én måned, ett kvartal eller ett år. Perioden krysser et årsskifte: "
            "ta ett år om gangen (--ar)."
        )
    ar = fra.year
    if fra.month == til.month:
        node, forste, siste = f"m{fra.month:02d}", fra.month, fra.month
    elif (fra.month - 1) // 3 == (til.month - 1) // 3:
        kvartal = (fra.month - 1) // 3 + 1
        node, forste, siste = f"k{kvartal}", 3 * kvartal - 2, 3 * kvartal
    else:
        node, forste, siste = "ar", 1, 12
    start = date(ar, forste, 1)
    slutt = date(ar, siste, calendar.monthrange(ar, siste)[1])
    return Statistikkperiode(ar, node, start, slutt, rundet_ut=(start, slutt) != (fra, til))


def maned(ar: int, nr: int) -> Statistikkperiode:
    return periode_for(date(ar, nr, 1), date(ar, nr, calendar.monthrange(ar, nr)[1]))


def kvartal(ar: int, nr: int) -> Statistikkperiode:
    return periode_for(date(ar, 3 * nr - 2, 1), date(ar, 3 * nr, calendar.monthrange(ar, 3 * nr)[1]))


def helt_ar(ar: int) -> Statistikkperiode:
    return periode_for(date(ar, 1, 1), date(ar, 12, 31))


_MANED = re.compile(r"^\s*(\d{4})-(\d{1,2})\s*$", re.ASCII)
_KVARTAL = re.compile(r"^\s*(\d{4})-?[KkQq]([1-4])\s*$", re.ASCII)


def periode_fra_valg(
    *,
    ar: int | None,
    kvartal_valg: str | None,
    maned_valg: str | None,
    fra: str | None,
    til: str | None,
    idag: date,
) -> Statistikkperiode:
    """The period of `statistikk` from its options: `--fra/--til` rounded out (`periode_for`),
    `--kvartal` as 2026-K1, `--maned` as 2026-03, else the year `--ar` (standard: that of `idag`).

    UgyldigInndata (bad input, exit 2), naming the option, when more than one period is chosen
    or one cannot be read; the years are 1900 to 2999.
    """
    from .datoer import fra_til
    from .feil import UgyldigInndata

    valgt = [
        navn
        for navn, verdi in (("--ar", ar), ("--kvartal", kvartal_valg), ("--maned", maned_valg))
        if verdi is not None
    ]
    if fra is not None or til is not None:
        valgt.append("--fra/--til")
    if len(valgt) > 1:
        raise UgyldigInndata(f"Velg bare én periode: enten {' eller '.join(valgt)}.")
    if (fra_og_til := fra_til(fra, til, idag)) is not None:
        try:
            return periode_for(*fra_og_til)
        except ValueError as feil:
            raise UgyldigInndata(str(feil)) from None
    if kvartal_valg is not None:
        treff = _KVARTAL.match(kvartal_valg)
        if not treff or not 1900 <= int(treff.group(1)) <= 2999:
            raise UgyldigInndata(f"--kvartal {kvartal_valg}: skriv år og kvartal, for eksempel 2026-K1.")
        return kvartal(int(treff.group(1)), int(treff.group(2)))
    if maned_valg is not None:
        treff = _MANED.match(maned_valg)
        if not treff or not 1900 <= int(treff.group(1)) <= 2999 or not 1 <= int(treff.group(2)) <= 12:
            raise UgyldigInndata(f"--maned {maned_valg}: skriv år og måned, for eksempel 2026-03.")
        return maned(int(treff.group(1)), int(treff.group(2)))
    aret = ar if ar is not None else idag.year
    if not 1900 <= aret <= 2999:
        raise UgyldigInndata(f"--ar {aret}: oppgi et årstall, for eksempel {idag.year}.")
    return helt_ar(aret)


# --- the figures ---------------------------------------------------------------------------------


def median(fordeling: dict[int, int]) -> float | None:
    """The median of a distribution {value: how many}; None when it is empty."""
    antall = sum(fordeling.values())
    if antall == 0:
        return None
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
class _Blokk:
    """One table of sums (a contact point's, or the mapped patients'): its counts and what to hide."""

    verdier: dict[skjuling.Celle, int]
    skjult: set[skjuling.Celle]

    def vis(self, t: str, g: str, m: str) -> int | str:
        if (t, g, m) in self.skjult:
            return SKJULT
        return self.verdier.get((t, g, m), 0)


@dataclass
class Statistikk:
    """The figures of a period, with the suppression pattern of its calendar year."""

    periode: Statistikkperiode
    per: str | None
    grupper: list[tuple[str, str | None]]  # (key in the tables, name as shown) in order
    punkter: dict[int, _Blokk]
    dager: dict[tuple[int, str], dict[int, int]]  # (sp, group key or ROT) -> days to held
    samtaler: _Blokk
    ekstra: dict[str, Any] = field(default_factory=dict)

    @property
    def fra(self) -> date:
        return self.periode.fra

    @property
    def til(self) -> date:
        return self.periode.til

    def _gruppe_json(self, g: str) -> dict[str, Any]:
        p = self.periode.node
        punkter = {}
        for sp, blokk in self.punkter.items():
            tall = {navn: blokk.vis(p, g, navn) for navn in PUNKT_FELT}
            antall = sum(self.dager.get((sp, g), {}).values())
            if antall == 0:
                midt: Any = None
            elif antall < GRENSE or tall["gjennomfort"] == SKJULT:
                midt = SKJULT
            else:
                midt = median(self.dager[(sp, g)])
            punkter[str(sp)] = {**tall, "median_dager": midt}
        kartlagte = self.samtaler.vis("periode", g, "kartlagte")

        def andel(navn: str) -> Any:
            if kartlagte == 0:
                return None
            teller = self.samtaler.vis("periode", g, navn)
            if isinstance(kartlagte, str) or isinstance(teller, str) or kartlagte < GRENSE:
                return SKJULT  # a suppressed figure (SKJULT) or too few to show a share of
            return round(100 * teller / kartlagte, 1)

        return {
            "samhandlingspunkter": punkter,
            "kartlagte_pasienter": kartlagte,
            "andel_behov_prosent": andel("med_behov"),
            "andel_tiltak_prosent": andel("med_tiltak"),
        }

    def til_json(self) -> dict[str, Any]:
        """The `--json` document."""
        data: dict[str, Any] = {
            "periode": {
                "fra": self.fra.isoformat(),
                "til": self.til.isoformat(),
                "slags": self.periode.slags,
                "rundet_ut": self.periode.rundet_ut,
            },
            "per": self.per,
            "undertrykt_under": GRENSE,
            "skjult": SKJULT,
            "metode": METODE,
            "totalt": self._gruppe_json(skjuling.ROT),
        }
        if self.per:
            data["grupper"] = [{self.per: navn, **self._gruppe_json(nokkel)} for nokkel, navn in self.grupper]
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
        for nokkel, navn in [(skjuling.ROT, "alle")] + [
            (k, n if n is not None else IKKE_OPPGITT) for k, n in (self.grupper if self.per else [])
        ]:
            j = self._gruppe_json(nokkel)
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


def lag(register: Register, periode: Statistikkperiode, per: str | None = None) -> Statistikk:
    """The figures of `periode`, in total and per group, hidden as the year's pattern says."""
    if per is not None and per not in PER_VALG:
        raise ValueError(per)
    navn_for: dict[str, str | None] = {}

    def nokkel(navn: str | None) -> str:
        # "g:" keeps a municipality called "alle" apart from everyone (skjuling.ROT).
        rent = " ".join(navn.split()) if navn else ""
        kort = rent.casefold()
        if f"g:{kort}" not in navn_for:
            navn_for[f"g:{kort}"] = rent or None
        return f"g:{kort}"

    punkttall: dict[int, dict[skjuling.Celle, int]] = {1: {}, 2: {}, 3: {}}
    dager: dict[tuple[int, str], dict[int, int]] = {}
    samtaletall: dict[skjuling.Celle, int] = {}
    lest = register.rapporter.statistikk(
        per,
        ar=periode.ar,
        fra=periode.fra,
        til=periode.til,
        terskler=terskler(register, periode.fra, periode.til),
    )
    for navn, sp, status, innen, mnd, antall in lest["punkter"]:
        if status == "gjennomfort":
            blad = "innen" if innen else "utenfor"
        elif status in ("avslatt", "bortfalt", "holdt_annet_sted"):
            blad = status
        else:
            blad = "apne"
        celle = (f"m{mnd}", nokkel(navn), blad)
        punkttall[sp][celle] = punkttall[sp].get(celle, 0) + antall
    for navn, sp, dag, antall in lest["dager"]:
        for g in (nokkel(navn), skjuling.ROT):
            fordeling = dager.setdefault((sp, g), {})
            fordeling[dag] = fordeling.get(dag, 0) + antall
    for navn, behov, har_tiltak, antall in lest["samtaler"]:
        blad = ("b" if behov else "n") + ("t" if har_tiltak else "u")
        celle = ("periode", nokkel(navn), blad)
        samtaletall[celle] = samtaletall.get(celle, 0) + antall

    # The groups: those with any figure in the year, so the pattern is the same for each of
    # its months, quarters and the year.
    ordnet = sorted(navn_for.items(), key=lambda kn: (kn[1] is None, (kn[1] or "").casefold()))
    gruppedim = skjuling.grupper([k for k, _ in ordnet] or ["g:"])
    tid = skjuling.tid()
    punkter = {}
    for sp, tall in punkttall.items():
        monster = skjuling.beskytt(tall, tid, gruppedim, PUNKTMAL, sensitive_noder=SENSITIVE_PUNKT)
        punkter[sp] = _Blokk(skjuling.verdier(tall, tid, gruppedim, PUNKTMAL), monster.skjult)
    en = skjuling.en_periode()
    monster = skjuling.beskytt(samtaletall, en, gruppedim, SAMTALEMAL, sensitive_noder=SENSITIVE_SAMTALE)
    samtaler = _Blokk(skjuling.verdier(samtaletall, en, gruppedim, SAMTALEMAL), monster.skjult)
    return Statistikk(
        periode=periode,
        per=per,
        grupper=ordnet if per else [],
        punkter=punkter,
        dager=dager,
        samtaler=samtaler,
    )


def terskler(register: Register, fra: date, til: date) -> list[tuple[int, str, int]]:
    """The flag thresholds of the scale questions (`flagg_fra`) of every guide the conversations
    finished from `fra` to `til` were held with: (guide row, question id, lowest flagged value)
    each. A relative's own strain is not among them."""
    rader: list[tuple[int, str, int]] = []
    guide_refer = register.rapporter.guider_brukt(fra, til)
    if guide_refer:
        from . import guide as guide_modul

        for ref in guide_refer:
            try:
                guiden = guide_modul.fra_tekst(register.samtaler.guide_kilde(ref), f"guide {ref}")
            except Exception:  # a stored guide that no longer parses: no thresholds from it
                continue
            # A relative's own strain is not the patient's need (guide themes with parorende: true).
            rader += [
                (ref, s.id, s.flagg_fra)
                for tema in guiden.tema
                if not tema.parorende
                for s in tema.sporsmal
                if s.type == "skala" and s.flagg_fra is not None
            ]
    return rader
