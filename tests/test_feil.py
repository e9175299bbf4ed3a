"""Every kind of bad input in cli.md: the exit code, a Norwegian message on stderr, no traceback,
no patient data in the message, and nothing changed in the register."""

from __future__ import annotations

import os
import random
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine

from hjelp import IDAG
from varm_prosess import VarmProsess

EKSISTERENDE_NAVN = "Eksisterende Pasientsen"


@pytest.fixture
def eksisterende(ny_pasient: Callable) -> dict:
    """One registered patient whose name and number must never show up in an error."""
    return ny_pasient("2026-11-02", navn=EKSISTERENDE_NAVN, kommune="Bodø")


@pytest.fixture
def uendret(radtall: Callable) -> Iterator[Callable[[], None]]:
    """Call after the failing command: asserts that no row was added, changed count or removed."""
    for_ = radtall()

    def sjekk() -> None:
        assert radtall() == for_

    yield sjekk


def ingen_pasientdata(tekst: str, pasient: dict, skrevet: tuple[str, ...] = ()) -> None:
    """Neither the name nor the number of a registered patient, beyond what the user typed."""
    assert pasient["navn"] not in tekst
    if not any(pasient["fnr"] in "".join(a.split()) for a in skrevet):
        assert pasient["fnr"] not in tekst
    assert pasient["fnr"][:6] not in tekst or any(pasient["fnr"][:6] in a for a in skrevet)


def ugyldig_kontrollsiffer(nummer: str) -> str:
    return nummer[:-1] + str((int(nummer[-1]) + 1) % 10)


# --- exit 2: bad input ----------------------------------------------------------------------

# (arguments, words the message must hold). {fnr} is a new synthetic number, {id} the existing
# patient's local number, {ugyldig} a number with a wrong check digit.
BRUKSFEIL = [
    pytest.param(["frobniser"], ["Ukjent kommando"], id="ukjent-kommando"),
    pytest.param(["forfaller", "--ukjent"], ["Ukjent valg", "--ukjent", "--help"], id="ukjent-valg"),
    pytest.param(["vis", "{id}", "ekstra"], ["For mange argumenter"], id="for-mange-argumenter"),
    pytest.param(["vis"], ["Mangler"], id="mangler-argument"),
    pytest.param(["ny-pasient", "--fnr"], ["--fnr", "verdi"], id="valg-uten-verdi"),
    pytest.param(["eksempeldata", "--antall", "mange"], ["Ugyldig verdi", "--antall"], id="ikke-et-tall"),
    pytest.param(["eksempeldata", "--antall", "0"], ["--antall"], id="tall-utenfor-grensen"),
    pytest.param(["avtal", "{id}", "2026-11-26", "--sp", "4"], ["1, 2 eller 3"], id="sp-finnes-ikke"),
    pytest.param(["vis", "#12"], ["ikke en pasientreferanse"], id="ref-er-ikke-nummer"),
    # fødselsnummer
    pytest.param(
        ["ny-pasient", "--fnr", "{ugyldig}", "--navn", "Ny", "--diagnosedato", "2026-11-02"],
        ["Ugyldig fødselsnummer", "Kontrollsifrene"],
        id="fnr-kontrollsiffer",
    ),
    pytest.param(
        ["ny-pasient", "--fnr", "1785601234", "--navn", "Ny", "--diagnosedato", "2026-11-02"],
        ["Ugyldig fødselsnummer", "11 siffer"],
        id="fnr-for-kort",
    ),
    pytest.param(
        ["ny-pasient", "--fnr", "1785O012345", "--navn", "Ny", "--diagnosedato", "2026-11-02"],
        ["Ugyldig fødselsnummer"],
        id="fnr-med-bokstav",
    ),
    # dates
    pytest.param(
        ["ny-pasient", "--fnr", "{fnr}", "--navn", "Ny", "--diagnosedato", "2026-02-30"],
        ["--diagnosedato", "finnes ikke i kalenderen"],
        id="umulig-dato",
    ),
    pytest.param(
        ["ny-pasient", "--fnr", "{fnr}", "--navn", "Ny", "--diagnosedato", "31.04.2026"],
        ["finnes ikke i kalenderen"],
        id="umulig-norsk-dato",
    ),
    pytest.param(
        ["ny-pasient", "--fnr", "{fnr}", "--navn", "Ny", "--diagnosedato", "i forrige uke"],
        ["ikke en dato", "ÅÅÅÅ-MM-DD"],
        id="ikke-en-dato",
    ),
    pytest.param(
        ["ny-pasient", "--fnr", "{fnr}", "--navn", "Ny", "--diagnosedato", "2026-11-24", "--dato", IDAG],
        ["fram i tid"],
        id="diagnosedato-fram-i-tid",
    ),
    pytest.param(
        ["ny-pasient", "--fnr", "{fnr}", "--navn", "Ny", "--diagnosedato", "1960-05-16", "--dato", IDAG],
        ["før fødselsdatoen"],
        id="diagnosedato-for-fodselen",
    ),
    pytest.param(["forfaller", "--dato", "2026-13-01"], ["--idag"], id="umulig-dato-i-dato"),
    pytest.param(["avtal", "{id}", "2026-02-29"], ["finnes ikke i kalenderen"], id="umulig-avtalt-dato"),
    # other options of ny-pasient
    pytest.param(
        ["ny-pasient", "--fnr", "{fnr}", "--navn", "  ", "--diagnosedato", "2026-11-02"],
        ["--navn"],
        id="tomt-navn",
    ),
    pytest.param(
        [
            "ny-pasient",
            "--fnr",
            "{fnr}",
            "--navn",
            "Ny",
            "--diagnosedato",
            "2026-11-02",
            "--diagnose",
            "brystkreft",
        ],
        ["ICD-10", "C50.9"],
        id="diagnose-ikke-icd10",
    ),
    # the work list
    pytest.param(["forfaller", "--uke", "54"], ["Uke 54 finnes ikke"], id="uke-finnes-ikke"),
    pytest.param(["forfaller", "--uke", "neste"], ["--uke"], id="uke-uleselig"),
    pytest.param(["forfaller", "--uke", "--maned"], ["bare én periode"], id="to-perioder"),
    pytest.param(["forfaller", "--fra", "2026-11-01"], ["både --fra og --til"], id="fra-uten-til"),
    pytest.param(
        ["forfaller", "--fra", "2026-12-01", "--til", "2026-11-01"], ["før --fra"], id="til-foer-fra"
    ),
    pytest.param(["forfaller", "--ansvarlig", "fastlegen"], ["--ansvarlig"], id="ukjent-ansvarlig"),
    # contact-point actions
    pytest.param(["utsett", "{id}", "2026-12-01", "--dato", IDAG], ["--grunn"], id="utsett-uten-grunn"),
    pytest.param(
        ["utsett", "{id}", "2026-11-20", "--grunn", "Syk", "--dato", IDAG],
        ["passert"],
        id="utsett-til-fortiden",
    ),
    pytest.param(["avsla", "{id}"], ["--spor-igjen"], id="avsla-uten-dato"),
    pytest.param(["bortfall", "{id}"], ["--grunn"], id="bortfall-uten-grunn"),
    pytest.param(
        ["avtal", "{id}", "2026-11-26", "--kl", "25:00"], ["klokkeslett", "TT:MM"], id="umulig-klokkeslett"
    ),
    pytest.param(["endre", "{id}"], ["Ingenting å endre"], id="endre-uten-endring"),
    # settings
    pytest.param(["innstillinger", "finnes_ikke", "1"], ["Ukjent innstilling"], id="ukjent-innstilling"),
    pytest.param(["innstillinger", "sp1_uker", "mange"], ["helt tall"], id="ugyldig-innstilling"),
]


def _fyll_inn(args: list[str], verdier: dict[str, str]) -> list[str]:
    return [a.format(**verdier) for a in args]


@pytest.mark.parametrize(("args", "ord_"), BRUKSFEIL)
def test_ugyldig_inndata_gir_kode_2_norsk_melding_og_ingen_endring(
    kjor: Callable,
    eksisterende: dict,
    syntetisk_fnr: Callable,
    forvent_feil: Callable,
    uendret: Callable,
    args: list[str],
    ord_: list[str],
) -> None:
    verdier = {
        "fnr": syntetisk_fnr(),
        "id": str(eksisterende["id"]),
        "ugyldig": ugyldig_kontrollsiffer(syntetisk_fnr()),
    }
    args = _fyll_inn(args, verdier)
    tekst = forvent_feil(kjor(*args), 2, *ord_)
    ingen_pasientdata(tekst, eksisterende, tuple(args))
    uendret()


def test_ukjent_kommando_foreslaar_de_naermeste_navnene_paa_norsk(
    kjor: Callable, forvent_feil: Callable
) -> None:
    tekst = forvent_feil(
        kjor("samtyke"), 2, "Ukjent kommando: «samtyke». Mente du «samtykke» eller «samtale»?", "--help"
    )
    assert "Did you mean" not in tekst
    tekst = forvent_feil(kjor("frobniser"), 2, "Ukjent kommando: «frobniser».")
    assert "Mente du" not in tekst


def test_manglende_paakrevd_valg_uten_terminal_gir_kode_2(
    kjor: Callable, testregister: Path, syntetisk_fnr: Callable, forvent_feil: Callable, uendret: Callable
) -> None:
    nummer = syntetisk_fnr()
    forvent_feil(kjor("ny-pasient", "--fnr", nummer, "--navn", "Ny"), 2, "Mangler --diagnosedato")
    forvent_feil(kjor("ny-pasient", "--navn", "Ny", "--diagnosedato", "2026-11-02"), 2, "Mangler --fnr")
    forvent_feil(kjor("ny-pasient", "--fnr", nummer, "--diagnosedato", "2026-11-02"), 2, "Mangler --navn")
    uendret()


def test_diagnosedato_fram_i_tid_etter_systemets_dato(
    kjor: Callable, testregister: Path, syntetisk_fnr: Callable, forvent_feil: Callable, uendret: Callable
) -> None:
    with time_machine.travel(datetime(2026, 11, 23, 23, 30, tzinfo=ZoneInfo("Europe/Oslo")), tick=False):
        resultat = kjor(
            "ny-pasient", "--fnr", syntetisk_fnr(), "--navn", "Ny", "--diagnosedato", "24.11.2026"
        )
    forvent_feil(resultat, 2, "fram i tid")
    uendret()


def test_syntetisk_nummer_i_et_ekte_register_avvises(
    kjor: Callable, syntetisk_fnr: Callable, forvent_feil: Callable, radtall: Callable
) -> None:
    assert kjor("innstillinger").exit_code == 0
    for_ = radtall()
    resultat = kjor("ny-pasient", "--fnr", syntetisk_fnr(), "--navn", "Ny", "--diagnosedato", "2026-11-02")
    forvent_feil(resultat, 2, "syntetisk testnummer", "tillat_syntetiske")
    assert radtall() == for_


def test_databasesti_som_er_en_mappe_gir_kode_2(
    kjor: Callable, tmp_path: Path, forvent_feil: Callable
) -> None:
    forvent_feil(kjor("--db", tmp_path, "forfaller"), 2, "er en mappe")


# --- exit 1: refused -------------------------------------------------------------------------


def test_registrert_fodselsnummer_gir_kode_1_uten_pasientdata(
    kjor: Callable, eksisterende: dict, forvent_feil: Callable, uendret: Callable
) -> None:
    nummer = eksisterende["fnr"]
    for skrevet in (nummer, f"{nummer[:6]} {nummer[6:]}"):
        args = ("ny-pasient", "--fnr", skrevet, "--navn", "Et Annet Navn", "--diagnosedato", "2026-11-10")
        tekst = forvent_feil(kjor(*args), 1, "allerede registrert")
        assert EKSISTERENDE_NAVN not in tekst and "Bodø" not in tekst
        assert "Et Annet Navn" not in tekst
        ingen_pasientdata(tekst, eksisterende)  # not even the number that was typed
    uendret()


@pytest.mark.parametrize("kommando", ["vis", "endre", "avtal"])
def test_ukjent_pasient_gir_kode_1(
    kjor: Callable,
    eksisterende: dict,
    syntetisk_fnr: Callable,
    forvent_feil: Callable,
    uendret: Callable,
    kommando: str,
) -> None:
    ekstra = {"vis": [], "endre": ["--kommune", "Oslo"], "avtal": ["2026-11-26"]}[kommando]
    tekst = forvent_feil(
        kjor(kommando, "99", *ekstra), 1, "Ingen pasient med nummer 99", "pakkehjem pasienter"
    )
    ingen_pasientdata(tekst, eksisterende)
    ukjent = syntetisk_fnr()
    tekst = forvent_feil(kjor(kommando, ukjent, *ekstra), 1, "Ingen pasient med det fødselsnummeret")
    assert ukjent not in tekst
    uendret()


@pytest.mark.parametrize(
    ("ref", "kode", "ord_"),
    [
        ("99999999999999999999", 1, "Ingen pasient med nummer"),  # larger than an SQLite integer
        ("12345678901", 2, "kontrollsifrene stemmer ikke"),  # 11 digits, not a fødselsnummer
        ("123 456 789 01", 2, "kontrollsifrene stemmer ikke"),  # the same, with spaces
        ("178560291150", 1, "Ingen pasient med nummer"),  # 12 digits: not a fødselsnummer
        ("²", 2, "ikke en pasientreferanse"),  # a digit to isdigit(), not to int()
        ("Zacharias", 1, "Ingen aktiv pasient har et navn som begynner på «Zacharias»"),  # a name: none
    ],
)
def test_referanse_som_ikke_kan_vaere_en_pasient(
    kjor: Callable,
    eksisterende: dict,
    forvent_feil: Callable,
    uendret: Callable,
    ref: str,
    kode: int,
    ord_: str,
) -> None:
    tekst = forvent_feil(kjor("vis", ref), kode, ord_)
    ingen_pasientdata(tekst, eksisterende, (ref,))
    uendret()


def test_gjennomfort_punkt_kan_ikke_endres(
    kjor: Callable,
    eksisterende: dict,
    fullfor: Callable,
    forvent_feil: Callable,
    radtall: Callable,
) -> None:
    fullfor(eksisterende["id"], 1, date(2026, 11, 20))
    for_ = radtall()
    pid = str(eksisterende["id"])
    for args in (
        ("avtal", pid, "2026-11-26", "--sp", "1"),
        ("utsett", pid, "2026-12-01", "--sp", "1", "--grunn", "Syk", "--dato", IDAG),
        ("avsla", pid, "--spor-igjen", "2027-01-05", "--sp", "1", "--dato", IDAG),
        ("bortfall", pid, "--sp", "1", "--grunn", "Flyttet"),
    ):
        tekst = forvent_feil(kjor(*args), 1, "Samhandlingspunkt 1 er allerede gjennomført")
        ingen_pasientdata(tekst, eksisterende)
    assert radtall() == for_


def test_bortfalt_punkt_kan_ikke_endres_og_uten_aapne_punkter_avvises_handlingen(
    kjor: Callable, eksisterende: dict, forvent_feil: Callable, radtall: Callable
) -> None:
    pid = str(eksisterende["id"])
    assert kjor("bortfall", pid, "--sp", "1", "--grunn", "Flyttet").exit_code == 0
    for_ = radtall()
    forvent_feil(kjor("avtal", pid, "2026-11-26", "--sp", "1"), 1, "allerede bortfalt")
    assert radtall() == for_
    for sp in ("2", "3"):
        assert kjor("bortfall", pid, "--sp", sp, "--grunn", "Flyttet").exit_code == 0
    for_ = radtall()
    forvent_feil(kjor("avtal", pid, "2026-11-26"), 1, "avsluttet")
    assert radtall() == for_


# --- a damaged or busy database ---------------------------------------------------------------


@pytest.mark.parametrize("kommando", ["forfaller", "vis", "innstillinger", "ny-pasient"])
def test_fil_med_tilfeldige_bytes_gir_klar_melding_og_kode_1(
    kjor: Callable, db_sti: Path, syntetisk_fnr: Callable, forvent_feil: Callable, kommando: str
) -> None:
    innhold = random.Random(5).randbytes(16 * 1024)
    db_sti.write_bytes(innhold)
    args = {
        "forfaller": ["forfaller"],
        "vis": ["vis", "1"],
        "innstillinger": ["innstillinger"],
        # valid input, so the register is what fails
        "ny-pasient": [
            "ny-pasient",
            "--fnr",
            syntetisk_fnr(),
            "--navn",
            "Ny",
            "--diagnosedato",
            "2026-11-02",
        ],
    }[kommando]
    forvent_feil(kjor(*args), 1, "Databasefilen er skadet", "sikkerhetskopien")
    assert db_sti.read_bytes() == innhold  # left as it was, for whoever repairs it


def test_register_med_odelagte_sider_gir_klar_melding_og_kode_1(
    kjor: Callable, db_sti: Path, ny_pasient: Callable, forvent_feil: Callable
) -> None:
    for _ in range(30):
        ny_pasient()
    with db_sti.open("r+b") as fil:  # keep the header page, ruin the rest
        fil.seek(4096)
        fil.write(random.Random(6).randbytes(db_sti.stat().st_size - 4096))
    for args in (["forfaller", "--fra", "2020-01-01", "--til", "2030-12-31"], ["vis", "3"], ["pasienter"]):
        forvent_feil(kjor(*args), 1, "skadet")


def test_en_annen_sqlite_fil_er_ikke_et_register(
    kjor: Callable, db_sti: Path, forvent_feil: Callable
) -> None:
    import sqlite3

    tilkobling = sqlite3.connect(db_sti)
    tilkobling.execute("CREATE TABLE regnskap (belop)")
    tilkobling.close()
    forvent_feil(kjor("forfaller"), 1, "ikke et pakkehjem-register", "--db")


LAASEHOLDER = """
import sqlite3, sys
tilkobling = sqlite3.connect(sys.argv[1], isolation_level=None)
tilkobling.execute("BEGIN " + sys.argv[2])
tilkobling.execute("INSERT INTO innstilling (navn, verdi) VALUES ('sp1_uker', '5')")
print("laast", flush=True)
sys.stdin.readline()
tilkobling.execute("ROLLBACK")
"""


@pytest.fixture(params=["IMMEDIATE", "EXCLUSIVE"])
def laast_register(request: pytest.FixtureRequest, eksisterende: dict, db_sti: Path) -> Iterator[Path]:
    """Another process holds a write lock on the register while the test runs."""
    holder = subprocess.Popen(
        [sys.executable, "-c", LAASEHOLDER, str(db_sti), request.param],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "laast"
        yield db_sti
    finally:
        assert holder.stdin is not None
        holder.stdin.write("\n")
        holder.stdin.flush()
        holder.wait(timeout=10)


@pytest.mark.parametrize("kommando", ["ny-pasient", "vis", "forfaller", "avtal"])
def test_laast_database_gir_opptatt_innen_ventetiden(
    kjor: Callable,
    laast_register: Path,
    syntetisk_fnr: Callable,
    forvent_feil: Callable,
    radtall: Callable,
    kommando: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PAKKEHJEM_VENTETID", "0.2")
    args = {
        "ny-pasient": [
            "ny-pasient",
            "--fnr",
            syntetisk_fnr(),
            "--navn",
            "Ny",
            "--diagnosedato",
            "2026-11-02",
        ],
        "vis": ["vis", "1"],
        "forfaller": ["forfaller"],
        "avtal": ["avtal", "1", "2026-11-26"],
    }[kommando]
    start = time.monotonic()
    resultat = kjor(*args)
    brukt = time.monotonic() - start
    tekst = forvent_feil(resultat, 1, "opptatt", "prøv igjen")
    assert EKSISTERENDE_NAVN not in tekst
    assert 0.15 <= brukt < 3, brukt  # PAKKEHJEM_VENTETID=0.2: it waited, but not long


def test_laast_database_endrer_ingenting(
    kjor: Callable, eksisterende: dict, db_sti: Path, syntetisk_fnr: Callable, radtall: Callable
) -> None:
    import sqlite3

    for_ = radtall()
    holder = sqlite3.connect(db_sti, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        resultat = kjor(
            "ny-pasient", "--fnr", syntetisk_fnr(), "--navn", "Ny", "--diagnosedato", "2026-11-02"
        )
        assert resultat.exit_code == 1
        assert "opptatt" in resultat.stderr
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert radtall() == for_
    # Once the lock is gone the same command goes through.
    assert (
        kjor("ny-pasient", "--fnr", syntetisk_fnr(), "--navn", "Ny", "--diagnosedato", "2026-11-02").exit_code
        == 0
    )


def test_ingen_traceback_ogsaa_fra_konsollskriptet(db_sti: Path, varm: VarmProsess) -> None:
    db_sti.write_bytes(random.Random(7).randbytes(8192))
    # `python -m pakkehjem forfaller` as its own process, forked from the worker's warm Python.
    kode, ut, feil = varm.kjor(
        ["forfaller"], modul="pakkehjem", miljo={**os.environ, "PAKKEHJEM_DB": str(db_sti)}, cwd=Path.cwd()
    )
    assert kode == 1
    assert ut == b""
    assert b"Traceback" not in feil
    assert "skadet" in " ".join(feil.decode().split())


def test_ctrl_c_midt_i_en_kommando_sier_at_ingenting_er_endret_og_gir_130(
    kjor: Callable, eksisterende: dict, uendret: Callable, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The option parser turned Ctrl-C into a silent exit 130: the coordinator saw nothing.
    from pakkehjem.register.punkter import Punkter

    def avbrutt(*_args: object, **_kw: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(Punkter, "forfaller_json", avbrutt)
    resultat = kjor("forfaller", "--uke")
    assert resultat.exit_code == 130
    assert resultat.stderr.strip() == "Avbrutt. Ingenting er endret av det som ikke var lagret."
    assert "Traceback" not in resultat.output
    uendret()


def test_ctrl_c_i_snarveien_sier_det_samme_som_kommandolinjen(capsys: pytest.CaptureFixture[str]) -> None:
    # The fast path of `vis` (snarvei) ends through the same two steps as the command line.
    from pakkehjem import utgang

    def avbrutt() -> None:
        raise KeyboardInterrupt

    with pytest.raises(SystemExit) as slutt:
        utgang.kjor(lambda: utgang.som_kommando(avbrutt))
    assert slutt.value.code == 130
    assert capsys.readouterr().err == "Avbrutt. Ingenting er endret av det som ikke var lagret.\n"
