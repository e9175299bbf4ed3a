"""The secondary suppression as it was written first (skjuling.beskytt before it priced the
changes once per node): every change of (time, measure) priced cell by cell. Slow, and plain
to read; tests/test_skjuling.py holds the product's faster search to the same answers.
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import product

from pakkehjem.skjuling import GRENSE, ROT, Celle, Dimensjon, Monster, verdier


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

    def kostnad(celler: Iterable[Celle]) -> tuple[int, int, int]:
        """What hiding these cells costs: their weight; then how many of them are 0 (a hidden
        0 protects least, and puzzles a reader most); then their sum."""
        nye = [c for c in celler if c in publiserte and c not in monster.skjult]
        vekt = sum(t.vekt[c[0]] * g.vekt[c[1]] * m.vekt[c[2]] for c in nye)
        return vekt, sum(1 for c in nye if not verdi(c)), sum(verdi(c) for c in nye)

    def sensitiv(celle: Celle) -> bool:
        return 0 < verdi(celle) < GRENSE

    def velg_tid_og_mal(
        tn: str, gruppenoder: frozenset[str], mn: str
    ) -> tuple[frozenset[str], frozenset[str]]:
        beste: tuple[tuple[int, int, int], frozenset[str], frozenset[str]] | None = None
        for st, sm in product(t.monstre(tn), m.monstre(mn)):
            pris = kostnad(product(st, gruppenoder, sm))
            if beste is None or pris < beste[0]:
                beste = (pris, st, sm)
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
