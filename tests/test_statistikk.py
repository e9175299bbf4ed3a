"""`pakkehjem statistikk` on a small register whose figures are worked out by hand below.

The register (period: the year 2026):

Arendal, seven patients diagnosed 10 January 2026 (SP1 window 10 Jan - 7 Feb, SP2 window
10 Apr - 10 May, both in 2026; SP3 closes in 2027):
    A1 SP1 held 20 Jan (10 days), a need "behov" and an action; SP2 held 15 Apr (95 days)
    A2 SP1 held 25 Jan (15 days), strain 6 (flagged)
    A3 SP1 held 20 Feb (41 days: after the window), no need, strain 2
    A4 SP1 held 30 Jan (20 days), no need, strain 3
    A5 SP1 declined (ask again 1 Dec 2026)
    A6 SP1 not applicable (bortfalt)
    A7 SP1 held 22 Jan (12 days), strain 4 (flagged: 4 or more) and an action
Bø, three patients diagnosed 1 March 2026 (SP1 window 1-29 Mar, SP2 window 1 Jun - 1 Jul):
    B1 SP1 held 5 Mar (4 days), need "behov" and an action
    B2 SP1 held 10 Mar (9 days), strain 8 and an action
    B3 SP1 held 15 Mar (14 days), need "behov"
No municipality, one patient diagnosed 1 June 2025:
    C1 SP1 held 10 Jun 2025 with a need (counts in 2025); SP3 window 1 Jun - 1 Dec 2026, open

Expected for 2026, all patients:
    SP1: 10 in the period, 8 held, 7 within the window, 1 declined, 1 not applicable, 0 open;
         days 4 9 10 12 14 15 20 41: median (12 + 14) / 2 = 13
    SP2: 10 in the period, 1 held (within), 9 open; median from 1 value: suppressed
    SP3: 1 in the period (C1), open
    Patients with a conversation in 2026: 8 (A1 A2 A3 A4 A7 B1 B2 B3); need flagged: 6 (A1 A2
    A7 B1 B2 B3) = 75.0 %; with actions: 4 (A1 A7 B1 B2): suppressed (a count under 5)
"""

from __future__ import annotations

import csv
import io
import random
from collections.abc import Iterator
from datetime import date
from importlib.resources import files
from itertools import combinations
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hjelp import IDAG, json_ut
from pakkehjem import fnr as fnr_regler
from pakkehjem import forlop
from pakkehjem.feil import UgyldigInndata
from pakkehjem.register import Register
from pakkehjem.statistikk import _csv_celle, helt_ar, kvartal, maned, median, periode_fra_valg

I_DAG = date.fromisoformat(IDAG)


def d(tekst: str) -> date:
    return date.fromisoformat(tekst)


@pytest.fixture
def register(testregister: Path) -> Iterator[Register]:
    register = Register.fra_fil(testregister)
    try:
        yield register
    finally:
        register.lukk()


INGEN = {f"{t}_behov": "ingen behov" for t in ("familie", "okonomi", "psykisk")}


@pytest.fixture
def statistikkregister(register: Register) -> dict[str, Any]:
    rng = random.Random(2026)
    guide_ref = register.samtaler.lagre_guide(
        "standard", "1", (files("pakkehjem.templates") / "samtaleguide.yaml").read_text(encoding="utf-8")
    )
    navn_og_fnr: dict[str, Any] = {"navn": [], "fnr": []}
    ider: dict[str, int] = {}

    def ny(navn: str, diagnosedato: str, kommune: str | None, koordinator: str) -> int:
        nummer = fnr_regler.lag_syntetisk(date(1950, 3, 1 + len(ider)), rng)
        pid = register.pasienter.ny(
            fnr=nummer,
            navn=f"Statistikkpasient {navn}",
            diagnosedato=d(diagnosedato),
            idag=I_DAG,
            kommune=kommune,
            koordinator=koordinator,
        )
        navn_og_fnr["navn"].append(f"Statistikkpasient {navn}")
        navn_og_fnr["fnr"].append(nummer)
        ider[navn] = pid
        return pid

    def samtale(pid: int, dag: str, behov: dict[str, str], belastning: int, tiltak: bool) -> None:
        svar: list[tuple[str, Any, Any, Any]] = [("hva_er_viktig", "Å komme hjem", None, None)]
        svar += [(sid, verdi, None, None) for sid, verdi in {**INGEN, **behov}.items()]
        svar.append(("belastning_grad", belastning, None, None))
        if tiltak:
            liste = [{"hva": "Kontakt med NAV", "ansvarlig": "nav", "frist": "2026-12-01"}]
            svar.append(("okonomi_tiltak", liste, liste, None))
        register.samtaler.lagre_hel(str(pid), None, d(dag), guide_ref, svar, None)

    def gjennomfort(pid: int, sp: int, dag: str) -> None:
        with register.transaksjon():
            punkt = register.punkter.finn(pid, sp)
            register.punkter.sett_status(punkt, forlop.GJENNOMFORT, dato=d(dag), tekst="test")

    for navn in ("A1", "A2", "A3", "A4", "A5", "A6", "A7"):
        ny(navn, "2026-01-10", "Arendal", "Kari" if navn < "A4" else "Ola")
    samtale(ider["A1"], "2026-01-20", {"familie_behov": "behov"}, 1, True)
    gjennomfort(ider["A1"], 2, "2026-04-15")
    samtale(ider["A2"], "2026-01-25", {}, 6, False)
    samtale(ider["A3"], "2026-02-20", {}, 2, False)
    samtale(ider["A4"], "2026-01-30", {}, 3, False)
    register.punkter.endre(str(ider["A5"]), 1, forlop.AVSLATT, idag=I_DAG, dato=d("2026-12-01"))
    register.punkter.endre(str(ider["A6"]), 1, forlop.BORTFALT, idag=I_DAG, grunn="Flyttet")
    samtale(ider["A7"], "2026-01-22", {}, 4, True)
    for navn in ("B1", "B2", "B3"):
        ny(navn, "2026-03-01", "Bø", "Kari")
    samtale(ider["B1"], "2026-03-05", {"okonomi_behov": "behov"}, 0, True)
    samtale(ider["B2"], "2026-03-10", {}, 8, True)
    samtale(ider["B3"], "2026-03-15", {"psykisk_behov": "behov"}, 2, False)
    ny("C1", "2025-06-01", None, "Ola")
    samtale(ider["C1"], "2025-06-10", {"familie_behov": "behov"}, 9, True)
    return navn_og_fnr


def punkt(**tall: Any) -> dict[str, Any]:
    ut = {
        "i_perioden": 0, "gjennomfort": 0, "innen_vindu": 0, "avslatt": 0, "bortfalt": 0,
        "holdt_annet_sted": 0, "apne": 0,
    }  # fmt: skip
    ut.update(tall)
    ut.setdefault("median_dager", None)
    return ut


SKJULT = ":"


def test_tallene_for_aaret_som_regnet_for_haand(kjor, statistikkregister) -> None:
    data = json_ut(kjor("statistikk", "--ar", "2026", "--json"))
    assert data["periode"] == {"fra": "2026-01-01", "til": "2026-12-31", "slags": "ar", "rundet_ut": False}
    assert data["per"] is None and data["undertrykt_under"] == 5 and data["skjult"] == SKJULT
    assert "SSB" in data["metode"] and "grupper" not in data
    sp1, sp2, sp3 = (data["totalt"]["samhandlingspunkter"][sp] for sp in "123")
    # Shown where nothing small can be worked out from them:
    assert (sp1["i_perioden"], sp1["gjennomfort"], sp1["apne"], sp1["median_dager"]) == (10, 8, 0, 13)
    # 1 declined and 1 not applicable are hidden, and 7 held within the window too: with 8 held
    # it would show the 1 held after the window.
    assert sp1["avslatt"] == sp1["bortfalt"] == sp1["innen_vindu"] == SKJULT
    # SP2: 1 held (a median of 1 value) and what protects it.
    assert sp2["i_perioden"] == 10 and sp2["gjennomfort"] == sp2["median_dager"] == SKJULT
    assert [sp2[f] for f in ("avslatt", "apne")].count(SKJULT) == 1
    assert sp3["i_perioden"] == SKJULT and sp3["apne"] == SKJULT
    # 8 mapped: 6 with a need (2 without: hidden), 4 with actions (hidden).
    assert data["totalt"]["kartlagte_pasienter"] == 8
    assert data["totalt"]["andel_behov_prosent"] == data["totalt"]["andel_tiltak_prosent"] == SKJULT


def test_per_kommune_er_summen_av_gruppene_og_samme_totalrad(kjor, statistikkregister) -> None:
    data = json_ut(kjor("statistikk", "--ar", "2026", "--per", "kommune", "--json"))
    grupper = {g["kommune"]: g for g in data["grupper"]}
    assert list(grupper) == ["Arendal", "Bø", None]  # no municipality: a group of its own
    # The total row is the same with or without groups (else one table protects the other's cells).
    uten = json_ut(kjor("statistikk", "--ar", "2026", "--json"))["totalt"]
    assert data["totalt"] == uten
    for koordinator in (json_ut(kjor("statistikk", "--ar", "2026", "--per", "koordinator", "--json")),):
        assert koordinator["totalt"] == uten
    # Arendal mapped 5 (A1 A2 A3 A4 A7): shown, or hidden to protect Bø's 3.
    assert grupper["Arendal"]["kartlagte_pasienter"] in (5, SKJULT)
    assert grupper["Bø"]["kartlagte_pasienter"] == SKJULT


def test_per_koordinator(kjor, statistikkregister) -> None:
    data = json_ut(kjor("statistikk", "--ar", "2026", "--per", "koordinator", "--json"))
    grupper = {g["koordinator"]: g for g in data["grupper"]}
    assert list(grupper) == ["Kari", "Ola"]
    # Kari: A1 A2 A3 and B1 B2 B3; Ola: A4 to A7 (and C1, outside the year for SP1). With two
    # groups, every small cell of one is hidden with the other's.
    for navn in ("Kari", "Ola"):
        sp1 = grupper[navn]["samhandlingspunkter"]["1"]
        assert all(
            v == SKJULT or v == 0 or v is None or v >= 5 for v in sp1.values() if not isinstance(v, float)
        )


def test_et_punkt_telles_i_bare_en_periode(kjor, statistikkregister) -> None:
    """C1's SP1 was held in 2025 and counts there, with its conversation; the open SP3 (window
    closing 1 December 2026) counts in 2026."""
    data = json_ut(kjor("statistikk", "--ar", "2025", "--json"))
    totalt = data["totalt"]
    assert totalt["samhandlingspunkter"]["1"]["gjennomfort"] == SKJULT  # 1
    assert totalt["samhandlingspunkter"]["3"] == punkt()
    assert totalt["kartlagte_pasienter"] == SKJULT


def test_ingen_navn_eller_nummer_i_noe_format(kjor, statistikkregister) -> None:
    for args in (("--json",), ("--csv",), ()):
        resultat = kjor("statistikk", "--ar", "2026", "--per", "kommune", *args)
        assert resultat.exit_code == 0, resultat.output
        for tekst in statistikkregister["navn"] + statistikkregister["fnr"]:
            assert tekst not in resultat.stdout
            assert tekst[:6] not in resultat.stdout  # not even the masked form


def test_statistikk_logges_ikke(kjor, statistikkregister, db_sti: Path) -> None:
    import sqlite3

    def antall() -> int:
        tilkobling = sqlite3.connect(db_sti)
        try:
            return tilkobling.execute("SELECT count(*) FROM tilgangslogg").fetchone()[0]
        finally:
            tilkobling.close()

    for_ = antall()
    assert kjor("statistikk", "--ar", "2026", "--json").exit_code == 0
    assert antall() == for_


def test_csv_som_regneark_leser_den(kjor, statistikkregister) -> None:
    resultat = kjor("statistikk", "--ar", "2026", "--per", "kommune", "--csv")
    assert resultat.exit_code == 0, resultat.output
    rader = list(csv.DictReader(io.StringIO(resultat.stdout), delimiter=";"))
    assert [r["kommune"] for r in rader] == ["alle", "Arendal", "Bø", "(ikke oppgitt)"]
    alle = rader[0]
    assert alle["sp1_i_perioden"] == "10" and alle["sp1_innen_vindu"] == ":"
    assert alle["sp1_avslatt"] == ":" and alle["sp1_median_dager"] == "13"
    assert alle["sp2_median_dager"] == ":"
    assert alle["sp3_median_dager"] == ""
    assert alle["andel_tiltak_prosent"] == ":"
    assert _csv_celle(75.0) == "75,0"  # decimal comma for Norwegian Excel
    assert resultat.stdout.startswith("kommune;sp1_i_perioden;")


def test_csv_til_fil_er_bare_for_eieren(kjor, statistikkregister, tmp_path: Path) -> None:
    ut = tmp_path / "statistikk.csv"
    resultat = kjor("statistikk", "--ar", "2026", "--csv", "-o", ut)
    assert resultat.exit_code == 0, resultat.output
    assert ut.stat().st_mode & 0o777 == 0o600
    assert ut.read_bytes().startswith(b"\xef\xbb\xbfgruppe;")
    assert kjor("statistikk", "--ar", "2026", "--csv", "-o", ut).exit_code == 1


def test_tabell_og_ren_tekst(kjor, statistikkregister) -> None:
    ren = kjor("statistikk", "--ar", "2026")
    assert ren.exit_code == 0
    # i_perioden, gjennomført, innen vinduet, takket nei, bortfalt, holdt annet sted, åpne, median
    assert ren.stdout.splitlines()[1].startswith("alle\t10\t8\t:\t:\t:\t0\t0\t13\t")
    skjerm = kjor("statistikk", "--ar", "2026", "--per", "kommune",
                  env={"TTY_COMPATIBLE": "1", "COLUMNS": "120", "NO_COLOR": "1"})  # fmt: skip
    assert skjerm.exit_code == 0, skjerm.output
    for ord_ in ("Samhandlingspunkt 1", "Arendal", "Totalt", "«:»", "(ikke oppgitt)"):
        assert ord_ in skjerm.stdout


def test_tomt_register_gir_nuller(kjor, testregister: Path) -> None:
    data = json_ut(kjor("statistikk", "--ar", "2026", "--json"))
    assert data["totalt"]["samhandlingspunkter"]["1"] == punkt()
    assert data["totalt"]["andel_behov_prosent"] is None


@pytest.mark.parametrize(
    ("args", "ord_"),
    [
        (("--ar", "2026", "--fra", "2026-01-01", "--til", "2026-02-01"), "enten --ar"),
        (("--fra", "2026-01-01"), "både --fra og --til"),
        (("--fra", "2026-02-01", "--til", "2026-01-01"), "før --fra"),
        (("--per", "fylke"), "kommune eller koordinator"),
        (("--json", "--csv"), "enten --json eller --csv"),
        (("--ar", "26"), "årstall"),
        (("--fra", "2026-13-01", "--til", "2026-12-31"), "--fra"),
    ],
)
def test_ugyldige_valg_gir_exit_2(kjor, forvent_feil, testregister: Path, args, ord_) -> None:
    forvent_feil(kjor("statistikk", *args), 2, ord_)


@pytest.mark.parametrize(
    ("args", "ord_"),
    [
        (("--ar", "2026", "--maned", "2026-03"), "bare én periode"),
        (("--kvartal", "2026-K5"), "2026-K1"),
        (("--maned", "2026-13"), "2026-03"),
        (("--fra", "2025-12-01", "--til", "2026-01-31"), "årsskifte"),
    ],
)
def test_bare_hele_maneder_kvartaler_og_ar(kjor, forvent_feil, testregister: Path, args, ord_) -> None:
    forvent_feil(kjor("statistikk", *args), 2, ord_)


@pytest.mark.parametrize(
    ("fra", "til", "periode", "rundet_ut"),
    [
        ("2026-03-14", "2026-03-15", ("2026-03-01", "2026-03-31", "maned"), True),  # one day apart: no
        ("2026-03-01", "2026-03-31", ("2026-03-01", "2026-03-31", "maned"), False),
        ("2026-01-15", "2026-03-10", ("2026-01-01", "2026-03-31", "kvartal"), True),
        ("2026-03-01", "2026-04-30", ("2026-01-01", "2026-12-31", "ar"), True),
    ],
)
def test_fra_og_til_rundes_ut_og_det_sies_fra(kjor, testregister: Path, fra, til, periode, rundet_ut) -> None:
    resultat = kjor("statistikk", "--fra", fra, "--til", til, "--json")
    data = json_ut(resultat)
    assert (data["periode"]["fra"], data["periode"]["til"], data["periode"]["slags"]) == periode
    assert data["periode"]["rundet_ut"] is rundet_ut
    assert ("rundet ut" in resultat.stderr) is rundet_ut


def test_median() -> None:
    assert median({}) is None
    assert median({10: 2, 20: 3}) == 20
    assert median({1: 1, 2: 1, 3: 1, 4: 1, 10: 1, 11: 1}) == 3.5
    assert median({7: 5, 9: 5}) == 8


def test_ingen_skjult_celle_er_summen_minus_de_viste(kjor, statistikkregister) -> None:
    """Defect 4 of issue 13 as a reader with a pencil finds it: in each row, the total minus the
    shown parts, and held minus held within the window, must not give a hidden small number."""
    deler = ("gjennomfort", "avslatt", "bortfalt", "holdt_annet_sted", "apne")
    for args in (["--ar", "2026"], ["--ar", "2026", "--per", "kommune"], ["--ar", "2025"]):
        data = json_ut(kjor("statistikk", *args, "--json"))
        for gruppe in [data["totalt"], *data.get("grupper", [])]:
            for sp, rad in gruppe["samhandlingspunkter"].items():
                skjulte = [d for d in deler if not isinstance(rad[d], int)]
                if isinstance(rad["i_perioden"], int):
                    assert len(skjulte) != 1, (args, sp, rad)  # the total gives the one hidden back
                if isinstance(rad["gjennomfort"], int) and isinstance(rad["innen_vindu"], int):
                    assert not 0 < rad["gjennomfort"] - rad["innen_vindu"] < 5, (args, sp, rad)


# --- the attacker, on everything the command publishes for the year -----------------------------


def test_angriperen_finner_ingen_skjult_celle_i_noen_periode_eller_gruppering(
    kjor, statistikkregister, register: Register
) -> None:
    """Every table the command gives for 2026 (12 months, 4 quarters, the year; with no
    groups, by municipality and by coordinator), read as equations over the unknown counts:
    no cell from 1 to 4 (nor held after the window) can be solved for."""
    from pakkehjem import skjuling, statistikk
    from test_skjuling import Angriper

    perioder = [["--maned", f"2026-{m:02d}"] for m in range(1, 13)]
    perioder += [["--kvartal", f"2026-K{k}"] for k in range(1, 5)] + [["--ar", "2026"]]
    for per in (None, "kommune", "koordinator"):
        sann = statistikk.lag(register, statistikk.helt_ar(2026), per)
        grupper = [k for k, _ in sann.grupper] if per else []
        gruppedim = skjuling.grupper(grupper or ["g:"])
        # What the command publishes for a period and grouping: the same tables for each SP.
        publisert = [
            json_ut(kjor("statistikk", *args, *(["--per", per] if per else []), "--json"))
            for args in perioder
        ]
        for sp in (1, 2, 3):
            angriper = Angriper(skjuling.tid(), gruppedim, statistikk.PUNKTMAL)
            for data in publisert:
                node = statistikk.periode_for(
                    date.fromisoformat(data["periode"]["fra"]), date.fromisoformat(data["periode"]["til"])
                ).node
                rader = [(skjuling.ROT, data["totalt"])]
                rader += [(k, g) for k, g in zip(grupper, data.get("grupper", []), strict=True)]
                for gruppe, tall in rader:
                    for felt, verdi in tall["samhandlingspunkter"][str(sp)].items():
                        if felt != "median_dager" and verdi != ":":
                            assert verdi == sann.punkter[sp].verdier.get((node, gruppe, felt), 0)
                            angriper.lar((node, gruppe, felt))
            for (node, gruppe, felt), verdi in sann.punkter[sp].verdier.items():
                if 0 < verdi < 5 and (gruppe == skjuling.ROT or per):
                    assert not angriper.kan_regne_ut((node, gruppe, felt)), (
                        per,
                        sp,
                        node,
                        gruppe,
                        felt,
                        verdi,
                    )


# --- the period chosen with --ar, --kvartal, --maned and --fra/--til ---------------------------


PERIODEREGLER = settings(max_examples=200, deadline=None, derandomize=True, database=None)
VALG_INGEN = {"ar": None, "kvartal_valg": None, "maned_valg": None, "fra": None, "til": None}


@PERIODEREGLER
@given(ar=st.integers(1900, 2999), nr=st.integers(1, 12), idag=st.dates(date(1900, 1, 1), date(2999, 12, 31)))
def test_a_month_or_quarter_typed_is_that_whole_month_or_quarter_and_no_option_is_this_year(ar, nr, idag):
    def periode(**valg: Any) -> Any:
        return periode_fra_valg(**{**VALG_INGEN, **valg}, idag=idag)

    assert periode(maned_valg=f"{ar}-{nr:02d}") == maned(ar, nr)
    assert periode(maned_valg=f" {ar}-{nr} ") == maned(ar, nr)
    assert periode(kvartal_valg=f"{ar}-K{(nr - 1) // 3 + 1}") == kvartal(ar, (nr - 1) // 3 + 1)
    assert periode(kvartal_valg=f"{ar}q{(nr - 1) // 3 + 1}") == kvartal(ar, (nr - 1) // 3 + 1)
    assert periode(ar=ar) == helt_ar(ar)
    assert periode() == helt_ar(idag.year)
    # A range is rounded out to the smallest month, quarter or year that holds it (dates are
    # read up to 2200).
    dag = date(min(ar, 2200), nr, 1)
    rundet = periode(fra=dag.isoformat(), til=dag.isoformat())
    assert (rundet.fra, rundet.til, rundet.rundet_ut) == (dag, maned(dag.year, nr).til, True)


@PERIODEREGLER
@given(
    tekst=st.text(alphabet="0123456789-KkQqW ", max_size=9),
    idag=st.dates(date(1900, 1, 1), date(2999, 12, 31)),
)
def test_a_month_or_quarter_it_cannot_read_is_refused_naming_the_option_and_an_example(tekst, idag):
    for valg, eksempel in (("maned_valg", "2026-03"), ("kvartal_valg", "2026-K1")):
        try:
            periode = periode_fra_valg(**{**VALG_INGEN, valg: tekst}, idag=idag)
        except UgyldigInndata as feil:
            assert str(feil).endswith(f"for eksempel {eksempel}.")
            assert str(feil).startswith(f"--{valg.removesuffix('_valg')} {tekst}: skriv år og ")
        else:
            # What is read is one whole month or quarter of a year from 1900 to 2999.
            assert 1900 <= periode.ar <= 2999 and periode.fra.year == periode.til.year == periode.ar
            assert periode.slags == valg.removesuffix("_valg") and not periode.rundet_ut


@PERIODEREGLER
@given(
    # Every choice of two or more of the four (eleven), drawn as they are rather than as sets
    # from which hypothesis throws away the too small ones.
    valgt=st.sampled_from(
        [k for n in (2, 3, 4) for k in combinations(["ar", "kvartal_valg", "maned_valg", "fra"], n)]
    ),
    idag=st.dates(date(1900, 1, 1), date(2999, 12, 31)),
)
def test_statistics_take_only_one_period(valgt, idag):
    verdier = {"ar": 2026, "kvartal_valg": "2026-K5", "maned_valg": "2026-03", "fra": "2026-01-01"}
    with pytest.raises(UgyldigInndata, match=r"^Velg bare én periode: enten --.* eller --.*\.$"):
        periode_fra_valg(**{**VALG_INGEN, **{k: verdier[k] for k in valgt}}, idag=idag)


@pytest.mark.parametrize("ar", [1899, 3000, 0])
def test_a_year_outside_1900_to_2999_is_refused_with_this_year_as_the_example(ar):
    with pytest.raises(UgyldigInndata, match=rf"^--ar {ar}: oppgi et årstall, for eksempel 2027\.$"):
        periode_fra_valg(**{**VALG_INGEN, "ar": ar}, idag=date(2027, 5, 1))
