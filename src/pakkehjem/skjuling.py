"""Secondary suppression for the statistics: no hidden cell can be worked out again.

Pure: counts in, the set of cells to hide out; no database, no clock.

The tables are sums along three trees (dimensions), each a hierarchy of nodes over leaves:

- time: the year, its four quarters, its twelve months (the leaves);
- group: everyone, then each municipality or coordinator (the leaves);
- measure: for a contact point, `i_perioden` over the leaves held within the window, held
  after it, declined, not applicable, held elsewhere and open, with `gjennomfort` over the two
  held ones; for the conversations, `kartlagte` over (need, action) pairs.

A cell is (time node, group node, measure node); its value is the sum of the leaf counts
under it. Every published cell is such a sum, so an attacker's whole knowledge is a set of
linear equations in the leaf counts.

The rule (primary): a cell from 1 to 4 is sensitive. So are two cells that are never published
but follow from published ones: held after the window (`gjennomfort - innen_vindu`) and the
complements of the shares (mapped without a need, without an action).

The protection (secondary), by construction: for every sensitive cell c we choose a change of
the leaf counts, d = dT x dG x dM (one factor per dimension, each +1 on a leaf under c's node,
and possibly -1 on a leaf outside it), and hide every published cell that d changes. Then
every published cell is the same for the true counts and for the counts plus d, while c is
not: c cannot be computed from what is shown, by any combination of totals, other rows or
other periods (months, quarters and the year of one calendar year are protected together).
Of the possible changes, the one that hides the fewest and least important new cells is
taken. The cells of "everyone" are protected first and on their own, so the total row is the
same whether the table is split by municipality, by coordinator, or not at all.

This is the principle behind the suppression in Norwegian official statistics (SSB's
GaussSuppression: a hidden cell must not lie in the span of the published ones). What it does
not promise: bounds. An attacker who knows all counts are whole and not negative may narrow a
hidden cell to a range; so may one who compares tables made on different days.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import product

GRENSE = 5


@dataclass(frozen=True)
class Dimensjon:
    """A tree of nodes over leaves, some nodes published, and each node's weight (how much it
    costs to hide one of its cells: a year more than a month, a total more than a part).

    `naboer`, when given, limits the -1 leaf of a change of a leaf node to its neighbours (a
    month's: the other months of its quarter): the cheapest changes, and fewer to try.
    """

    blader: dict[str, frozenset[str]]  # node -> the leaves under it (a leaf: itself)
    publisert: frozenset[str]
    vekt: dict[str, int] = field(default_factory=dict)
    naboer: dict[str, tuple[str, ...]] = field(default_factory=dict)
    _monstre: dict[str, list[frozenset[str]]] = field(default_factory=dict, compare=False, repr=False)

    @property
    def noder(self) -> list[str]:
        return list(self.blader)

    def monstre(self, node: str) -> list[frozenset[str]]:
        """The changes that move `node` (+1 on a leaf under it, and -1 on one outside it or
        none), each as the set of published nodes it moves."""
        if node not in self._monstre:
            under = self.blader[node]
            alle = sorted({b for bl in self.blader.values() for b in bl})
            ut: set[frozenset[str]] = set()
            for x in sorted(under):
                ut.add(frozenset(n for n in self.publisert if x in self.blader[n]))
                andre = self.naboer.get(node) or [b for b in alle if b not in under]
                for y in andre:
                    ut.add(
                        frozenset(n for n in self.publisert if (x in self.blader[n]) != (y in self.blader[n]))
                    )
            self._monstre[node] = sorted(ut, key=lambda st: (len(st), sorted(st)))
        return self._monstre[node]

    def _en_av(self, node: str, x: str, y: str) -> bool:
        """Whether exactly one of the leaves x and y is under `node` (+1 and -1 do not cancel)."""
        return (x in self.blader[node]) != (y in self.blader[node])


def tid() -> Dimensjon:
    """A calendar year: "ar", "k1".."k4", "m01".."m12"."""
    maneder = [f"m{m:02d}" for m in range(1, 13)]
    blader: dict[str, frozenset[str]] = {m: frozenset({m}) for m in maneder}
    naboer = {}
    for k in range(1, 5):
        kvartal = maneder[3 * k - 3 : 3 * k]
        blader[f"k{k}"] = frozenset(kvartal)
        for m in kvartal:
            naboer[m] = tuple(n for n in kvartal if n != m)
    blader["ar"] = frozenset(maneder)
    vekt = {n: 4 if n == "ar" else 2 if n.startswith("k") else 1 for n in blader}
    return Dimensjon(blader, frozenset(blader), vekt, naboer)


def en_periode() -> Dimensjon:
    """A time dimension of one node (counts that do not add up over time, such as patients)."""
    return Dimensjon({"periode": frozenset({"periode"})}, frozenset({"periode"}), {"periode": 1})


ROT = "alle"


def grupper(navn: Iterable[str]) -> Dimensjon:
    """Everyone (ROT) over the groups."""
    blader = {g: frozenset({g}) for g in navn}
    blader[ROT] = frozenset(blader)
    return Dimensjon(blader, frozenset(blader), {n: 3 if n == ROT else 1 for n in blader})


def mal(noder: dict[str, frozenset[str]], publisert: Iterable[str], rot: str) -> Dimensjon:
    """A measure tree; the root costs more to hide than a part."""
    return Dimensjon(noder, frozenset(publisert), {n: 2 if n == rot else 1 for n in noder})


Celle = tuple[str, str, str]  # (time node, group node, measure node)


@dataclass
class Monster:
    """The hidden cells, and why each change was chosen (for tests and for the curious)."""

    skjult: set[Celle] = field(default_factory=set)
    sensitive: set[Celle] = field(default_factory=set)


def verdier(blad_tall: dict[Celle, int], t: Dimensjon, g: Dimensjon, m: Dimensjon) -> dict[Celle, int]:
    """Every cell's value: the sum of the leaf counts under it."""
    ut: dict[Celle, int] = {}
    # Sum along one dimension at a time: leaves -> every node.
    trinn1: dict[Celle, int] = {}
    for (tb, gb, mb), antall in blad_tall.items():
        for mn, bl in m.blader.items():
            if mb in bl:
                trinn1[(tb, gb, mn)] = trinn1.get((tb, gb, mn), 0) + antall
    trinn2: dict[Celle, int] = {}
    for (tb, gb, mn), antall in trinn1.items():
        for gn, bl in g.blader.items():
            if gb in bl:
                trinn2[(tb, gn, mn)] = trinn2.get((tb, gn, mn), 0) + antall
    for (tb, gn, mn), antall in trinn2.items():
        for tn, bl in t.blader.items():
            if tb in bl:
                ut[(tn, gn, mn)] = ut.get((tn, gn, mn), 0) + antall
    return ut


def beskytt(
    blad_tall: dict[Celle, int],
    t: Dimensjon,
    g: Dimensjon,
    m: Dimensjon,
    *,
    sensitive_noder: Iterable[str] = (),
) -> Monster:
    """The cells to hide so that no sensitive cell follows from the published ones.

    `blad_tall` counts per (time leaf, group leaf, measure leaf). `sensitive_noder`: measure
    nodes never published whose cells must not be worked out either (held after the window).
    """
    verdier_ = verdier(blad_tall, t, g, m)
    monster = Monster()
    maltnoder = sorted(m.publisert | set(sensitive_noder))
    grupper_ = [n for n in g.noder if n != ROT]
    publiserte = {(tn, gn, mn) for tn in t.publisert for gn in g.publisert for mn in m.publisert}

    def verdi(celle: Celle) -> int:
        return verdier_.get(celle, 0)

    # What hiding a cell costs: its weight; then whether it is 0 (a hidden 0 protects least, and
    # puzzles a reader most); then its value. Each is one whole number, weight * B² + zero * B
    # + value: a change hides each cell at most once, so its zeros and its sum stay below B, and
    # the numbers add and order exactly as the triples (weight, zeros, sum) do, at a fraction of
    # the work (the search prices hundreds of thousands of changes in a large table).
    b = 1 + max(len(publiserte), sum(verdi(c) for c in publiserte))
    pris_celle = {
        c: t.vekt[c[0]] * g.vekt[c[1]] * m.vekt[c[2]] * b * b + (verdi(c) if verdi(c) else b)
        for c in publiserte
    }

    def kostnad(celler: Iterable[Celle]) -> int:
        """What hiding these cells costs (the published ones not hidden yet)."""
        return sum([pris_celle.get(c, 0) for c in celler if c not in monster.skjult])

    def sensitiv(celle: Celle) -> bool:
        return 0 < verdi(celle) < GRENSE

    def velg_tid_og_mal(
        tn: str, gruppenoder: frozenset[str], mn: str
    ) -> tuple[frozenset[str], frozenset[str]]:
        """The cheapest change of (time, measure) for a cell in these groups: the first of the
        cheapest in the order of the patterns, as pricing every change cell by cell would."""
        tidsmonstre, malmonstre = t.monstre(tn), m.monstre(mn)
        malnoder = set().union(*malmonstre)
        # Each (time node, measure node) priced once, over the groups: a change's price is the
        # sum of its pairs' (the cells of a change are the product of its nodes).
        pris: dict[str, dict[str, int]] = {}
        for a in set().union(*tidsmonstre):
            rad = pris[a] = {}
            for c in malnoder:
                sum_ = 0
                for gn in gruppenoder:
                    celle = (a, gn, c)
                    if celle not in monster.skjult:
                        sum_ += pris_celle.get(celle, 0)
                rad[c] = sum_
        beste: tuple[int, frozenset[str], frozenset[str]] | None = None
        for st in tidsmonstre:
            rader = [pris[a] for a in st]
            per_mal = {c: sum([r[c] for r in rader]) for c in malnoder}
            for sm in malmonstre:
                kost = sum(map(per_mal.__getitem__, sm))
                if beste is None or kost < beste[0]:
                    beste = (kost, st, sm)
        assert beste is not None
        return beste[1], beste[2]

    # 1. Everyone's cells (the table without groups), on their own.
    valg_rot: list[tuple[frozenset[str], frozenset[str]]] = []
    for tn, mn in product(t.noder, maltnoder):
        celle = (tn, ROT, mn)
        if not sensitiv(celle):
            continue
        monster.sensitive.add(celle)
        st, sm = velg_tid_og_mal(tn, frozenset({ROT}), mn)
        monster.skjult.update(c for c in product(st, [ROT], sm))
        valg_rot.append((st, sm))
    if not grupper_:
        return monster
    # 2. In a table by group, each change of everyone's cells goes through one group.
    for st, sm in valg_rot:
        gruppe = min(grupper_, key=lambda gn: kostnad(product(st, [gn], sm)))
        monster.skjult.update(product(st, [gruppe], sm))
    # 3. The groups' own cells, each with a second group so everyone's row stays as it is.
    for tn, gn, mn in product(t.noder, grupper_, maltnoder):
        celle = (tn, gn, mn)
        if not sensitiv(celle):
            continue
        monster.sensitive.add(celle)
        if len(grupper_) == 1:
            continue  # the one group's cells are everyone's, protected in 1 and 2
        st, sm = velg_tid_og_mal(tn, frozenset({gn}), mn)
        annen = min(
            (a for a in grupper_ if a != gn),
            key=lambda a: (kostnad(product(st, [a], sm)), -verdi((tn, a, mn))),
        )
        monster.skjult.update(product(st, [gn, annen], sm))
    monster.skjult &= publiserte
    return monster
