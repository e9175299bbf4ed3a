"""Secondary suppression (issue 13, defect 4): an attacker who knows the rules recovers no
hidden cell, from totals, from other rows, or from other periods.

The attacker: every published cell of the year (the twelve months, four quarters and the
year, for everyone and for each group) is a linear equation in the unknown leaf counts. A
hidden cell is recovered when it is a linear combination of those equations: then no
change of the data keeps every published figure and changes it. Tested by Gaussian
elimination, exactly (modulo a 61-bit prime).
"""

from __future__ import annotations

from collections import Counter
from itertools import product

from hypothesis import given, settings
from hypothesis import strategies as st

from pakkehjem import skjuling
from pakkehjem.statistikk import PUNKTMAL, SAMTALEMAL, SENSITIVE_PUNKT, SENSITIVE_SAMTALE
from skjuling_referanse import beskytt as beskytt_slik_den_var

PRIMTALL = (1 << 61) - 1
FORSOK: Counter[str] = Counter()


class Angriper:
    """Knows every published cell as an equation over the leaf counts; solves for the rest."""

    def __init__(self, t, g, m) -> None:
        self.t, self.g, self.m = t, g, m
        self.basis: dict[tuple, dict[tuple, int]] = {}  # pivot leaf -> row (pivot coefficient 1)

    def vektor(self, celle) -> dict[tuple, int]:
        tn, gn, mn = celle
        return {
            blad: 1
            for blad in product(
                sorted(self.t.blader[tn]), sorted(self.g.blader[gn]), sorted(self.m.blader[mn])
            )
        }

    def _reduser(self, rad: dict[tuple, int]) -> dict[tuple, int]:
        rad = dict(rad)
        while rad:
            pivot = min(rad)
            if pivot not in self.basis:
                return rad
            faktor = rad[pivot]
            for k, v in self.basis[pivot].items():
                ny = (rad.get(k, 0) - faktor * v) % PRIMTALL
                if ny:
                    rad[k] = ny
                else:
                    rad.pop(k, None)
        return rad

    def lar(self, celle) -> None:
        rad = self._reduser(self.vektor(celle))
        if rad:
            pivot = min(rad)
            invers = pow(rad[pivot], PRIMTALL - 2, PRIMTALL)
            self.basis[pivot] = {k: v * invers % PRIMTALL for k, v in rad.items()}

    def kan_regne_ut(self, celle) -> bool:
        return not self._reduser(self.vektor(celle))


def angrip(blad_tall, t, g, m, sensitive_noder) -> list[tuple]:
    """The sensitive cells the attacker recovers from every table the rules publish."""
    monster = skjuling.beskytt(blad_tall, t, g, m, sensitive_noder=sensitive_noder)
    angriper = Angriper(t, g, m)
    for celle in product(t.noder, g.noder, sorted(m.publisert)):
        if celle not in monster.skjult:
            angriper.lar(celle)
    verdier = skjuling.verdier(blad_tall, t, g, m)
    sensitive = [
        c
        for c in product(t.noder, g.noder, sorted(m.publisert | set(sensitive_noder)))
        if 0 < verdier.get(c, 0) < skjuling.GRENSE
    ]
    for celle in sensitive:
        assert celle in monster.skjult or celle[2] not in m.publisert, celle  # primary suppression
    return [c for c in sensitive if angriper.kan_regne_ut(c)]


def tall(maks: int) -> st.SearchStrategy[int]:
    # Mostly small counts (where suppression matters), some zeros, a few large.
    return st.one_of(st.integers(0, 4), st.integers(0, maks), st.just(0))


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 3), st.data())
def test_angriperen_finner_ingen_skjult_celle_blant_samhandlingspunktene(antall_grupper: int, data) -> None:
    t = skjuling.tid()
    g = skjuling.grupper([f"g{i}" for i in range(antall_grupper)])
    m = PUNKTMAL
    blader = [b for b in m.blader if m.blader[b] == frozenset({b})]
    maneder = data.draw(
        st.lists(
            st.sampled_from(sorted(t.publisert - {"ar", "k1", "k2", "k3", "k4"})),
            min_size=1,
            max_size=5,
            unique=True,
        )
    )
    blad_tall = {}
    for mnd, gruppe, blad in product(maneder, [n for n in g.noder if n != skjuling.ROT], blader):
        blad_tall[(mnd, gruppe, blad)] = data.draw(tall(30))
    FORSOK["statistikk: tilfeldige tabeller (samhandlingspunkt)"] += 1
    assert angrip(blad_tall, t, g, m, SENSITIVE_PUNKT) == []


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 4), st.data())
def test_angriperen_finner_ingen_skjult_andel(antall_grupper: int, data) -> None:
    t = skjuling.en_periode()
    g = skjuling.grupper([f"g{i}" for i in range(antall_grupper)])
    m = SAMTALEMAL
    blader = [b for b in m.blader if m.blader[b] == frozenset({b})]
    blad_tall = {
        ("periode", gruppe, blad): data.draw(tall(20))
        for gruppe, blad in product([n for n in g.noder if n != skjuling.ROT], blader)
    }
    FORSOK["statistikk: tilfeldige tabeller (andeler)"] += 1
    assert angrip(blad_tall, t, g, m, SENSITIVE_SAMTALE) == []


@settings(max_examples=15, deadline=None)
@given(st.integers(1, 4), st.data())
def test_raskere_sok_skjuler_de_samme_cellene_som_det_forste(antall_grupper: int, data) -> None:
    """beskytt prices each change from per-node sums instead of cell by cell: the same cells are
    hidden, chosen the same way (ties too), as by the search it replaced, for a year by month
    and for the conversations' shares."""
    g = skjuling.grupper([f"g{i}" for i in range(antall_grupper)])
    grupper_ = [n for n in g.noder if n != skjuling.ROT]
    maneder = data.draw(
        st.lists(st.sampled_from([f"m{m:02d}" for m in range(1, 13)]), min_size=1, max_size=6)
    )
    for t, m, perioder, sensitive in (
        (skjuling.tid(), PUNKTMAL, maneder, SENSITIVE_PUNKT),
        (skjuling.en_periode(), SAMTALEMAL, ["periode"], SENSITIVE_SAMTALE),
    ):
        blader = [b for b in m.blader if m.blader[b] == frozenset({b})]
        blad_tall = {
            (periode, gruppe, blad): data.draw(tall(30))
            for periode, gruppe, blad in product(sorted(set(perioder)), grupper_, blader)
        }
        ny = skjuling.beskytt(blad_tall, t, g, m, sensitive_noder=sensitive)
        gammel = beskytt_slik_den_var(blad_tall, t, g, m, sensitive_noder=sensitive)
        assert (ny.skjult, ny.sensitive) == (gammel.skjult, gammel.sensitive)
    FORSOK["statistikk: samme skjuling som før"] += 1


def test_eksempelet_fra_saken_bortfalt_kan_ikke_regnes_ut() -> None:
    # SP1: 148 in all, 120 held, 10 declined, 15 open, so bortfalt is 3 (all in one month).
    t, g, m = skjuling.tid(), skjuling.grupper(["Arendal"]), PUNKTMAL
    blad_tall = {
        ("m03", "Arendal", "innen"): 100,
        ("m03", "Arendal", "utenfor"): 20,
        ("m03", "Arendal", "avslatt"): 10,
        ("m03", "Arendal", "bortfalt"): 3,
        ("m03", "Arendal", "apne"): 15,
    }
    assert angrip(blad_tall, t, g, m, SENSITIVE_PUNKT) == []
    monster = skjuling.beskytt(blad_tall, t, g, m, sensitive_noder=SENSITIVE_PUNKT)
    # bortfalt hidden in March, the quarter and the year, and at least one more cell in each.
    for periode in ("m03", "k1", "ar"):
        skjulte = {c[2] for c in monster.skjult if c[:2] == (periode, skjuling.ROT)}
        assert "bortfalt" in skjulte and len(skjulte) >= 2, (periode, skjulte)


def test_uten_primaer_undertrykking_ville_angriperen_funnet_cellen() -> None:
    """The attack works: with nothing hidden it recovers every small cell (so a pass above means
    something)."""
    t, g, m = skjuling.tid(), skjuling.grupper(["a", "b"]), PUNKTMAL
    angriper = Angriper(t, g, m)
    for celle in product(t.noder, g.noder, sorted(m.publisert)):
        if celle != ("m01", "a", "bortfalt"):
            angriper.lar(celle)
    assert angriper.kan_regne_ut(("m01", "a", "bortfalt"))


def teardown_module() -> None:
    print("\nFiendtlige inndata prøvd i test_skjuling.py:", dict(FORSOK), sum(FORSOK.values()))
