"""The order of the dates in a pathway (datoregler.py): the pure rules, the commands that use
them, and a property test that no sequence of commands stores an order the rules forbid."""

from __future__ import annotations

import json
import shutil
import sqlite3
import tempfile
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hjelp import json_ut
from pakkehjem import datoregler, forlop
from pakkehjem.feil import PakkehjemFeil, UgyldigInndata
from pakkehjem.register import Register

datoer = st.dates(min_value=date(2015, 1, 1), max_value=date(2035, 12, 31))


# --- the pure rules ----------------------------------------------------------------------------


@given(dato=datoer, idag=datoer)
def test_en_dato_for_noe_som_har_skjedd_er_i_orden_bare_til_og_med_i_dag(dato: date, idag: date) -> None:
    regel = datoregler.har_vaert(dato, idag, "Samtaledatoen", "Oppgi dagen samtalen ble holdt.")
    if dato <= idag:
        assert regel is None
    else:
        assert regel == "Samtaledatoen ligger fram i tid. Oppgi dagen samtalen ble holdt."


@given(dato=datoer, diagnose=datoer, idag=datoer)
def test_holdt_dato_er_i_orden_bare_mellom_diagnosen_og_i_dag(dato: date, diagnose: date, idag: date) -> None:
    assert (datoregler.holdt_dato(dato, diagnose, idag) is None) == (diagnose <= dato <= idag)


@given(dato=datoer, diagnose=datoer, idag=datoer, siste=st.none() | datoer, fremtidig=st.booleans())
def test_planlagt_dato_kommer_etter_diagnosen_og_det_som_er_holdt(
    dato: date, diagnose: date, idag: date, siste: date | None, fremtidig: bool
) -> None:
    i_orden = dato >= diagnose and (siste is None or dato >= siste) and (not fremtidig or dato >= idag)
    brudd = datoregler.planlagt_dato(dato, diagnose, idag, siste_holdt=siste, ma_vaere_fremtidig=fremtidig)
    assert (brudd is None) == i_orden


@given(frist=datoer, samtale=datoer)
def test_frist_kommer_ikke_foer_samtalen(frist: date, samtale: date) -> None:
    assert (datoregler.frist(frist, samtale) is None) == (frist >= samtale)


@given(neste=datoer, samtale=datoer)
def test_neste_avtale_kommer_etter_samtalen(neste: date, samtale: date) -> None:
    assert (datoregler.neste_avtale(neste, samtale) is None) == (neste > samtale)


@given(dato=datoer, forrige=datoer, siste=st.none() | datoer, idag=datoer)
def test_residiv_kommer_etter_forrige_diagnose_og_holdte_samtaler(
    dato: date, forrige: date, siste: date | None, idag: date
) -> None:
    i_orden = dato <= idag and dato > forrige and (siste is None or dato >= siste)
    assert (datoregler.residiv(dato, forrige, siste, idag) is None) == i_orden


@given(diagnose=datoer, dager=st.integers(min_value=0, max_value=800))
def test_sp3_tidlig_krever_bekreftelse_og_sier_hva_som_skjer(diagnose: date, dager: int) -> None:
    dato = diagnose + timedelta(days=dager)
    sp2_fra = forlop.vinduer(diagnose)[2].fra
    advarsel = datoregler.tidlig_holdt(3, dato, diagnose, sp2_fra)
    tidlig = dato < forlop.legg_til_maneder(diagnose, 6)  # SP2's window opens at 3 months
    assert (advarsel is not None) == tidlig
    if advarsel:
        assert "--bekreft" in advarsel and "bortfalt" in advarsel
    assert datoregler.tidlig_holdt(2, dato, diagnose, sp2_fra) is None


# --- the commands refuse what the issue found, with exit 2 and nothing changed --------------------


@pytest.fixture
def pasient_31_januar(ny_pasient: Callable, kjor: Callable) -> dict:
    assert kjor("innstillinger", "tjeneste", "kommune").exit_code == 0
    return ny_pasient("2026-01-31")


def _svarfil(tmp_path: Path, **svar: object) -> str:
    fil = tmp_path / "svar.json"
    fil.write_text(json.dumps({"samtaleform": "kontor", **svar}), encoding="utf-8")
    return str(fil)


@pytest.mark.parametrize(
    ("args", "ord_"),
    [
        (["avtal", "1", "2026-01-01", "--sp", "2"], "før diagnosedatoen"),
        (["utsett", "1", "2026-01-01", "--grunn", "Innlagt"], "før diagnosedatoen"),
        (["avsla", "1", "--spor-igjen", "2026-01-02"], "før diagnosedatoen"),
        (["holdt", "1", "--sp", "1", "--dato", "2020-01-01", "--av", "Sykehuset"], "før diagnosedatoen"),
        (["residiv", "1", "--diagnosedato", "2026-01-01"], "etter diagnosedatoen"),
        (["avslutt", "1", "--grunn", "dod", "--dato", "2026-01-30"], "før diagnosedatoen"),
    ],
)
def test_datoer_som_ikke_kan_vaere_avvises_med_regelen(
    kjor: Callable,
    pasient_31_januar: dict,
    forvent_feil: Callable,
    radtall: Callable,
    args: list[str],
    ord_: str,
) -> None:
    for_ = radtall()
    forvent_feil(kjor(*args), 2, ord_)
    assert radtall() == for_


@pytest.mark.parametrize(
    ("dato", "svar", "ord_"),
    [
        ("2026-01-15", {}, "før diagnosedatoen"),
        ("2020-01-01", {}, "før diagnosedatoen"),
        (
            "2026-05-10",
            {
                "familie_behov": "behov",
                "familie_tiltak": [{"hva": "Ringe", "ansvarlig": "kommunen", "frist": "2020-03-01"}],
            },
            "Fristen",
        ),
        ("2026-05-10", {"neste_dato": "2026-05-01"}, "Neste avtale"),
    ],
)
def test_samtale_fra_svarfil_med_umulige_datoer_lagrer_ingenting(
    kjor: Callable,
    pasient_31_januar: dict,
    forvent_feil: Callable,
    radtall: Callable,
    tmp_path: Path,
    dato: str,
    svar: dict,
    ord_: str,
) -> None:
    for_ = radtall()
    forvent_feil(kjor("samtale", "1", "--svar", _svarfil(tmp_path, **svar), "--dato", dato), 2, ord_)
    assert radtall() == for_


def test_residiv_foer_en_holdt_samtale_avvises(
    kjor: Callable, pasient_31_januar: dict, forvent_feil: Callable, tmp_path: Path
) -> None:
    assert kjor("samtale", "1", "--svar", _svarfil(tmp_path), "--dato", "2026-05-10").exit_code == 0
    forvent_feil(kjor("residiv", "1", "--diagnosedato", "2026-05-01"), 2, "før en samtale som ble holdt")
    assert kjor("residiv", "1", "--diagnosedato", "2026-05-11").exit_code == 0


def test_avtale_foer_en_holdt_samtale_avvises(
    kjor: Callable, pasient_31_januar: dict, forvent_feil: Callable, tmp_path: Path
) -> None:
    assert kjor("samtale", "1", "--svar", _svarfil(tmp_path), "--dato", "2026-05-10").exit_code == 0
    forvent_feil(kjor("avtal", "1", "2026-05-01", "--sp", "3"), 2, "før samtalen som ble holdt")


def test_sp3_tre_maaneder_etter_diagnosen_krever_bekreft_og_sier_hva_som_skjer(
    kjor: Callable, pasient_31_januar: dict, forvent_feil: Callable, radtall: Callable, tmp_path: Path
) -> None:
    svar = _svarfil(tmp_path)
    for_ = radtall()
    melding = forvent_feil(
        kjor("samtale", "1", "--sp", "3", "--svar", svar, "--dato", "2026-04-30"), 1, "--bekreft"
    )
    assert "forløpet fullført" in melding and "SP1 og SP2" in melding and "--sp 2" in melding
    assert radtall() == for_
    # The terminal conversation is stopped before the first question, not after the last.
    forvent_feil(kjor("samtale", "1", "--sp", "3", "--dato", "2026-04-30"), 1, "--bekreft")
    assert radtall()["samhandlingspunkt"] == for_["samhandlingspunkt"]
    resultat = kjor("samtale", "1", "--sp", "3", "--svar", svar, "--dato", "2026-04-30", "--bekreft")
    assert resultat.exit_code == 0, resultat.output
    data = json_ut(kjor("vis", "1", "--json"))
    assert data["forlop"][0]["status"] == "avsluttet"


def test_holdt_sp3_tidlig_krever_ogsaa_bekreft(
    kjor: Callable, pasient_31_januar: dict, forvent_feil: Callable
) -> None:
    args = ("holdt", "1", "--sp", "3", "--dato", "2026-03-01", "--av", "Fastlegen")
    forvent_feil(kjor(*args), 1, "--bekreft")
    assert kjor(*args, "--bekreft").exit_code == 0


def test_import_bruker_de_samme_reglene(
    kjor: Callable, testregister: Path, tmp_path: Path, syntetisk_fnr
) -> None:
    fil = tmp_path / "p.csv"
    fil.write_text(f"fnr;navn;diagnosedato\n{syntetisk_fnr()};Fram I Tid;2099-01-01\n", encoding="utf-8")
    resultat = kjor("importer", str(fil))
    assert resultat.exit_code != 0
    assert "fram i tid" in resultat.stderr


# --- the property: no sequence of commands stores a forbidden order -------------------------------

IDAG_EGENSKAP = date(2027, 6, 1)
DIAGNOSE = date(2026, 1, 31)
FODT = date(1960, 5, 17)

dag = st.integers(min_value=-400, max_value=700).map(lambda n: DIAGNOSE + timedelta(days=n))
sp = st.sampled_from([1, 2, 3])
handling = st.one_of(
    st.tuples(st.just("avtal"), sp, dag),
    st.tuples(st.just("utsett"), sp, dag),
    st.tuples(st.just("avsla"), sp, dag),
    st.tuples(st.just("bortfall"), sp),
    st.tuples(st.just("holdt"), sp, dag, st.booleans()),
    st.tuples(st.just("samtale"), sp, dag, dag, st.none() | dag, st.booleans()),
    st.tuples(st.just("residiv"), dag),
    st.tuples(st.just("avslutt"), dag, st.sampled_from(["dod", "flyttet", "onske"])),
    st.tuples(st.just("diagnosedato"), dag),
    st.tuples(st.just("gjenapne"), sp),
)


def _utfor(register: Register, steg: tuple) -> None:
    navn, *arg = steg
    idag = IDAG_EGENSKAP
    if navn == "avtal":
        register.punkter.endre("1", arg[0], forlop.AVTALT, idag=idag, dato=arg[1])
    elif navn == "utsett":
        register.punkter.endre("1", arg[0], forlop.UTSATT, idag=idag, dato=arg[1], grunn="Innlagt")
    elif navn == "avsla":
        register.punkter.endre("1", arg[0], forlop.AVSLATT, idag=idag, dato=arg[1])
    elif navn == "bortfall":
        register.punkter.endre("1", arg[0], forlop.BORTFALT, idag=idag, grunn="Flyttet")
    elif navn == "holdt":
        register.punkter.holdt("1", arg[0], arg[1], "Sykehuset", idag=idag, bekreft=arg[2])
    elif navn == "samtale":
        sp_, dato, frist, neste, bekreft = arg
        if dato > idag:
            return  # the command refuses a future date before it reaches the register
        tiltak = [{"hva": "Ringe", "ansvarlig": "kommunen", "frist": frist.isoformat()}]
        register.samtaler.lagre_hel(
            "1", sp_, dato, ("test", "1", "tema: []"), [("x_tiltak", tiltak, tiltak, None)],
            (neste, None, None) if neste else None, idag=idag, bekreft=bekreft,
        )  # fmt: skip
    elif navn == "residiv":
        register.punkter.residiv("1", arg[0], idag)
    elif navn == "avslutt":
        register.punkter.avslutt("1", arg[1], arg[0], idag)
    elif navn == "diagnosedato":
        register.punkter.korriger("1", idag=idag, diagnosedato=arg[0])
    elif navn == "gjenapne":
        register.punkter.gjenapne("1", arg[0], "Lukket ved en feil", idag=idag)


def _lagret(db: Path) -> list[datoregler.Forlopdatoer]:
    tilkobling = sqlite3.connect(db)
    try:
        forlop_ = []
        for fid, ddato, adato, agrunn in tilkobling.execute(
            "SELECT id, diagnosedato, avsluttet_dato, avsluttet_grunn FROM forlop ORDER BY nr"
        ).fetchall():
            punkter = tuple(
                datoregler.Punktdatoer(s, status, date.fromisoformat(d) if d else None)
                for s, status, d in tilkobling.execute(
                    "SELECT sp, status, dato FROM samhandlingspunkt WHERE forlop_id = ?", (fid,)
                )
            )
            samtaler = tuple(
                (date.fromisoformat(d), status)
                for d, status in tilkobling.execute(
                    "SELECT s.dato, s.status FROM samtale s JOIN samhandlingspunkt p"
                    " ON p.id = s.samhandlingspunkt_id WHERE p.forlop_id = ?",
                    (fid,),
                )
            )
            frister = tuple(
                (date.fromisoformat(f), date.fromisoformat(d))
                for f, d in tilkobling.execute(
                    "SELECT t.frist, s.dato FROM tiltak t JOIN samtale s ON s.id = t.samtale_id"
                    " JOIN samhandlingspunkt p ON p.id = s.samhandlingspunkt_id"
                    " WHERE p.forlop_id = ? AND t.frist IS NOT NULL",
                    (fid,),
                )
            )
            forlop_.append(
                datoregler.Forlopdatoer(
                    date.fromisoformat(ddato),
                    punkter,
                    samtaler,
                    frister,
                    date.fromisoformat(adato) if adato else None,
                    agrunn,
                )  # fmt: skip
            )
        return forlop_
    finally:
        tilkobling.close()


@pytest.fixture(scope="module")
def egenskapsregister(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The starting point of every example, made once: a test register with the one patient.

    Each example works on its own copy: copying the closed file is the same register at a
    fraction of the cost of running every migration again for each of the 150 examples.
    """
    from pakkehjem import fnr as fnr_regler

    db = tmp_path_factory.mktemp("egenskap") / "mal.db"
    register = Register.fra_fil(db)
    try:
        register.sett_innstilling("tillat_syntetiske", "ja")
        nummer = fnr_regler.lag_syntetisk(FODT, __import__("random").Random(1))
        register.pasienter.ny(fnr=nummer, navn="Egenskap Test", diagnosedato=DIAGNOSE, idag=IDAG_EGENSKAP)
    finally:
        register.lukk()
    assert not Path(f"{db}-wal").exists()  # closed: the file alone is the register
    return db


@settings(max_examples=150)
@given(steg=st.lists(handling, min_size=1, max_size=12))
def test_ingen_rekke_av_kommandoer_lagrer_datoer_i_en_rekkefolge_reglene_forbyr(
    egenskapsregister: Path, steg: list[tuple]
) -> None:
    with tempfile.TemporaryDirectory() as mappe:
        db = Path(mappe) / "egenskap.db"
        shutil.copyfile(egenskapsregister, db)
        register = Register.fra_fil(db)
        try:
            for s in steg:
                try:
                    _utfor(register, s)
                except UgyldigInndata:
                    pass  # refused as bad input: and nothing may have changed
                except PakkehjemFeil:
                    pass
                assert datoregler.brudd(FODT, _lagret(db), IDAG_EGENSKAP) == [], steg
        finally:
            register.lukk()
