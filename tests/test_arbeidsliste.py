"""A work list a coordinator reads at a glance: the state in words, 80 columns without cut
names, `--uke N` looking ahead, and times shown in the local time zone."""

from __future__ import annotations

import contextlib
import re
import sqlite3
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hjelp import IDAG, json_ut
from pakkehjem import forlop
from pakkehjem.forlop import tilstand_tekst, uke_periode
from pakkehjem.register import Register

DAG = date(2026, 12, 1)
VINDU = (date(2026, 11, 2), date(2026, 11, 30))


@pytest.mark.parametrize(
    ("status", "dato", "idag", "tekst"),
    [
        ("planlagt", None, date(2026, 12, 12), "forfalt for 12 dager siden"),
        ("planlagt", None, date(2026, 12, 1), "forfalt i går"),
        ("planlagt", None, date(2026, 11, 30), "vinduet lukkes i dag"),
        ("planlagt", None, date(2026, 11, 20), "i vindu, lukkes om 10 dager"),
        ("planlagt", None, date(2026, 10, 31), "åpner om 2 dager"),
        ("avtalt", date(2026, 12, 5), date(2026, 12, 1), "avtalt om 4 dager"),
        ("avtalt", date(2026, 12, 1), date(2026, 12, 1), "avtalt i dag"),
        ("avtalt", date(2026, 11, 28), date(2026, 12, 1), "forfalt for 3 dager siden (avtalt 28.11)"),
        ("avslatt", date(2026, 12, 5), date(2026, 12, 1), "spør igjen 05.12"),
        ("utsatt", date(2027, 1, 4), date(2026, 12, 1), "utsatt til 04.01"),
        ("gjennomfort", date(2026, 11, 10), date(2026, 12, 1), ""),
    ],
)
def test_tilstanden_i_ord(status: str, dato: date | None, idag: date, tekst: str) -> None:
    assert tilstand_tekst(status, *VINDU, dato, idag) == tekst


@given(
    status=st.sampled_from(forlop.STATUSER),
    fra=st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 1, 1)),
    lengde=st.integers(min_value=0, max_value=184),
    dato=st.none() | st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31)),
    idag=st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31)),
)
def test_ordene_stemmer_med_den_avledede_tilstanden(
    status: str, fra: date, lengde: int, dato: date | None, idag: date
) -> None:
    til = fra + timedelta(days=lengde)
    if status != "planlagt" and forlop.er_apen(status) and dato is None:
        dato = fra
    tekst = tilstand_tekst(status, fra, til, dato, idag)
    avledet = forlop.tilstand(status, fra, til, dato, idag)
    assert (avledet is None) == (tekst == "")
    assert (avledet == forlop.FORFALT) == tekst.startswith("forfalt")


def test_uke_n_er_neste_uke_n_som_ikke_er_over() -> None:
    assert uke_periode("6", date(2026, 12, 1)).fra == date(2027, 2, 8)  # week 6 of 2027
    assert uke_periode("49", date(2026, 12, 1)).fra == date(2026, 11, 30)  # this week
    assert uke_periode("48", date(2026, 12, 1)).fra == date(2027, 11, 29)  # ended: next year's
    assert uke_periode("2026-W06", date(2026, 12, 1)).fra == date(2026, 2, 2)  # exact week stays
    with pytest.raises(ValueError, match="53"):
        uke_periode("53", date(2027, 1, 4))  # 2026's week 53 has ended; 2027 has 52 weeks


LANGE_NAVN = ("Gunnhild Kristiansen-Aasgaard", "Bjørnstjerne Martinussen", "Åse Øvrebø-Haugland")


def test_arbeidslisten_i_80_kolonner_kutter_aldri_et_navn(
    kjor: Callable, testregister: Path, ny_pasient: Callable
) -> None:
    for navn in LANGE_NAVN:
        ny_pasient("2026-08-03", navn=navn, kommune="Nordre Follo")
    skjerm = kjor(
        "forfaller", "--alle", "--maned", "--dato", IDAG,
        env={"TTY_COMPATIBLE": "1", "COLUMNS": "80", "NO_COLOR": "1"},
    )  # fmt: skip
    assert skjerm.exit_code == 0, skjerm.output
    linjer = [re.sub(r"\x1b\[[0-9;]*m", "", linje) for linje in skjerm.stdout.splitlines()]
    assert all(len(linje) <= 80 for linje in linjer), max(linjer, key=len)
    assert "…" not in skjerm.stdout
    tekst = " ".join(" ".join(linjer).split())
    for navn in LANGE_NAVN:
        for del_ in navn.split():
            assert del_ in skjerm.stdout, del_
    assert "forfalt for" in tekst and "i vindu, lukkes om" in tekst


def test_smal_terminal_dropper_kolonner_foer_navnet(
    kjor: Callable, testregister: Path, ny_pasient: Callable
) -> None:
    ny_pasient("2026-08-03", navn="Gunnhild Kristiansen-Aasgaard", kommune="Nordre Follo")
    bred = kjor(
        "forfaller", "--alle", "--maned", "--dato", IDAG, env={"TTY_COMPATIBLE": "1", "COLUMNS": "160"}
    )
    from pakkehjem import visning

    visning._ut = None  # each command is a new process with its own console width
    smal = kjor(
        "forfaller", "--alle", "--maned", "--dato", IDAG, env={"TTY_COMPATIBLE": "1", "COLUMNS": "60"}
    )
    assert "Kommune" in bred.stdout and "Fødselsnr." in bred.stdout
    assert "Kommune" not in smal.stdout and "Gunnhild" in smal.stdout and "…" not in smal.stdout


def test_piped_arbeidsliste_har_tilstanden_i_ord(
    kjor: Callable, testregister: Path, ny_pasient: Callable
) -> None:
    ny_pasient("2026-08-03")
    linjer = kjor("forfaller", "--alle", "--maned", "--dato", IDAG).stdout.splitlines()
    assert linjer[0].endswith("Tilstand")
    assert linjer[1].split("\t")[-1].startswith("forfalt for")


# --- times in the local time zone -------------------------------------------------------------


def test_tider_lagres_i_utc_og_vises_i_lokal_tid(
    kjor: Callable, testregister: Path, ny_pasient: Callable, db_sti: Path
) -> None:
    ny_pasient("2026-08-03")
    with sqlite3.connect(db_sti) as db:
        tid = db.execute("SELECT tid FROM hendelse ORDER BY id LIMIT 1").fetchone()[0]
        logg = db.execute("SELECT tid FROM tilgangslogg ORDER BY id LIMIT 1").fetchone()[0]
    assert tid.endswith("+00:00") and logg.endswith("+00:00")

    for sone in ("Europe/Oslo", "America/New_York"):
        lokal = datetime.fromisoformat(tid).astimezone(ZoneInfo(sone)).strftime("%Y-%m-%d %H:%M")
        assert lokal in kjor("vis", "1", env={"TZ": sone}).stdout
        assert (
            datetime.fromisoformat(logg).astimezone(ZoneInfo(sone)).strftime("%Y-%m-%d %H:%M")
            in kjor("logg", "1", env={"TZ": sone}).stdout
        )
    # Without TZ, the tool shows Norwegian time.
    oslo = datetime.fromisoformat(tid).astimezone(ZoneInfo("Europe/Oslo")).strftime("%Y-%m-%d %H:%M")
    assert oslo in kjor("vis", "1", env={"TZ": None}).stdout


def test_logg_fra_til_er_lokale_dager(kjor: Callable, testregister: Path, ny_pasient: Callable) -> None:
    ny_pasient("2026-08-03")
    # Today where the command is told it runs (Oslo): between 23:00 and 24:00 UTC (in winter)
    # that is already tomorrow's date in UTC's terms.
    idag = datetime.now(ZoneInfo("Europe/Oslo")).date().isoformat()
    rader = json_ut(kjor("logg", "--fra", idag, "--til", idag, "--json", env={"TZ": "Europe/Oslo"}))
    assert rader


@pytest.fixture(scope="module")
def arbeidslisteregister(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A demo register of 400 patients at every stage of the pathway, made once for the
    module: the work list only reads it (and adds to the access log)."""
    from typer.testing import CliRunner

    from pakkehjem.cli import app

    sti = tmp_path_factory.mktemp("arbeidsliste") / "register.db"
    argumenter = ["--db", str(sti), "eksempeldata", "--antall", "400", "--seed", "5", "--dato", IDAG]
    resultat = CliRunner().invoke(app, argumenter)
    assert resultat.exit_code == 0, resultat.output
    return sti


@contextlib.contextmanager
def _apnet(sti: Path) -> Iterator[Register]:
    """The register at `sti`, open for the test's calls to the store."""
    register = Register.fra_fil(sti)
    try:
        yield register
    finally:
        register.lukk()


def _arbeidslisten_etter_regelen(
    db_sti: Path, periode: forlop.Periode, idag: date, kun_forfalte: bool
) -> list[tuple[int, int]]:
    """The work list worked out from the rule alone (forlop.forfallsperiode and forlop.tilstand
    on each point's status, window and date), not from the stored due range or the index."""
    with sqlite3.connect(db_sti) as db:
        punkter = db.execute(
            "SELECT p.id, p.navn, s.sp, s.status, s.vindu_fra, s.vindu_til, s.dato"
            " FROM samhandlingspunkt s JOIN forlop f ON f.id = s.forlop_id"
            " JOIN pasient p ON p.id = f.pasient_id WHERE f.status = 'aktiv'"
        ).fetchall()
    listet = []
    for pid, navn, sp, status, vfra, vtil, dato in punkter:
        vindu_fra, vindu_til = date.fromisoformat(vfra), date.fromisoformat(vtil)
        avtalt = date.fromisoformat(dato) if dato else None
        forfall = forlop.forfallsperiode(status, vindu_fra, vindu_til, avtalt)
        if forfall is None:
            continue
        forfalt = forlop.tilstand(status, vindu_fra, vindu_til, avtalt, idag) == forlop.FORFALT
        i_perioden = forfall.til >= max(periode.fra, idag) and forfall.fra <= periode.til
        if forfalt or (i_perioden and not kun_forfalte):
            listet.append((not forfalt, forfall.fra, forfall.til, navn, pid, sp))
    return [(pid, sp) for *_, pid, sp in sorted(listet)]


@given(
    fra=st.dates(date(2026, 6, 1), date(2028, 3, 1)),
    dager=st.integers(0, 45),
    idag=st.dates(date(2026, 9, 1), date(2027, 12, 31)),
    kun_forfalte=st.booleans(),
)
def test_arbeidslisten_er_regelens_liste_for_hver_periode_og_dag(
    arbeidslisteregister: Path, fra: date, dager: int, idag: date, kun_forfalte: bool
) -> None:
    # Periods before today, around it and far after it: the overdue points are listed first
    # whatever the period, then the points due in it, each part by the start of its due range.
    periode = forlop.Periode(fra, fra + timedelta(days=dager))
    with _apnet(arbeidslisteregister) as register:
        rader = register.punkter.forfaller(periode, idag, kun_forfalte=kun_forfalte)
    forventet = _arbeidslisten_etter_regelen(arbeidslisteregister, periode, idag, kun_forfalte)
    assert [(r["pasient_id"], r["sp"]) for r in rader] == forventet


def _logget(db_sti: Path, handling: str, etter_id: int) -> list[int]:
    with sqlite3.connect(db_sti) as db:
        return [
            r[0]
            for r in db.execute(
                "SELECT pasient_id FROM tilgangslogg WHERE handling = ? AND id > ? ORDER BY id",
                (handling, etter_id),
            )
        ]


def _siste_loggrad(db_sti: Path) -> int:
    with sqlite3.connect(db_sti) as db:
        return int(db.execute("SELECT coalesce(max(id), 0) FROM tilgangslogg").fetchone()[0])


def test_arbeidslisten_logger_hver_listet_pasient_en_gang_i_id_rekkefolge(
    arbeidslisteregister: Path,
) -> None:
    # SQLite hands the listed ids over as one text, a patient once for each of their listed
    # points; the log keeps one row per patient, as for every other access.
    for_ = _siste_loggrad(arbeidslisteregister)
    with _apnet(arbeidslisteregister) as register:
        rader = register.punkter.forfaller(forlop.Periode(date(2026, 6, 1), date(2028, 6, 1)), DAG)
    listet = [r["pasient_id"] for r in rader]
    assert len(set(listet)) < len(listet), "the list should hold a patient with two points"
    assert _logget(arbeidslisteregister, "forfaller", for_) == sorted(set(listet))


def test_tilgangsloggen_slaar_sammen_ider_fra_python_og_fra_en_sporring(
    arbeidslisteregister: Path,
) -> None:
    # One transaction may log the same kind of access both ways; each patient gets one row.
    for_ = _siste_loggrad(arbeidslisteregister)
    with _apnet(arbeidslisteregister) as register, register.transaksjon() as t:
        t.logg({7, 3}, "proeve")
        t.logg_liste("5,3,5,11", "proeve")
        t.logg_liste("", "proeve")
        t.logg_liste("2", "annen-proeve")
    assert _logget(arbeidslisteregister, "proeve", for_) == [3, 5, 7, 11]
    assert _logget(arbeidslisteregister, "annen-proeve", for_) == [2]
