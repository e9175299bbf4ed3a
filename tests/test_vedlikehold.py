"""`logg` (the access log), `sikkerhetskopi` (online backup, also while another process writes)
and `sjekk` (the integrity check) on good and damaged files."""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import stat
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from hjelp import IDAG, json_ut, melding
from pakkehjem.vedlikehold import delt_mappe_merknader

LOGG_NOKLER = {"id", "tid", "bruker", "pasient_id", "navn", "fnr", "handling", "beskrivelse"}


@pytest.fixture
def umask_022() -> Iterator[None]:
    gammel = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(gammel)


def sett_inn_logg(db: Path, rader: list[tuple[str, str, int, str]]) -> None:
    """Access-log rows with chosen times and users (INSERT is the one change the log allows)."""
    tilkobling = sqlite3.connect(db)
    try:
        with tilkobling:
            tilkobling.executemany(
                "INSERT INTO tilgangslogg (tid, bruker, pasient_id, handling) VALUES (?,?,?,?)", rader
            )
    finally:
        tilkobling.close()


# --- logg -------------------------------------------------------------------------------------


def test_logg_for_en_pasient_viser_hvem_som_har_sett(kjor: Callable, ny_pasient: Callable) -> None:
    a = ny_pasient()
    b = ny_pasient()
    assert kjor("vis", a["id"]).exit_code == 0
    rader = json_ut(kjor("logg", a["id"], "--json"))
    assert all(set(r) == LOGG_NOKLER for r in rader)
    assert {r["pasient_id"] for r in rader} == {a["id"]}
    assert [r["handling"] for r in rader] == ["ny-pasient", "vis-ny", "vis"]
    assert rader[-1]["beskrivelse"] == "så på pasienten"
    assert rader[0]["fnr"] == a["fnr"][:6] + "*****"
    assert b["id"] not in {r["pasient_id"] for r in rader}

    # Looking at the log is itself in the log.
    igjen = json_ut(kjor("logg", a["fnr"], "--json"))
    assert [r["handling"] for r in igjen][-1] == "logg"
    assert len(igjen) == len(rader) + 1


def test_logg_for_alle_maskerer_fodselsnummer_og_logger_hvem_som_ble_vist(
    kjor: Callable, ny_pasient: Callable
) -> None:
    pasienter = [ny_pasient() for _ in range(3)]
    resultat = kjor("logg")
    assert resultat.exit_code == 0, resultat.output
    for p in pasienter:
        assert p["fnr"] not in resultat.stdout
        assert p["fnr"][:6] + "*****" in resultat.stdout
        assert p["navn"] in resultat.stdout
    assert resultat.stdout.splitlines()[0].split("\t") == [
        "Tid", "Bruker", "Nr", "Navn", "Fødselsnr.", "Handling",
    ]  # fmt: skip
    rader = json_ut(kjor("logg", "--json"))
    assert all(r["fnr"] is None or r["fnr"].endswith("*****") for r in rader)
    sett = [r["pasient_id"] for r in rader if r["handling"] == "logg"]
    assert sorted(sett) == sorted(p["id"] for p in pasienter)


def test_logg_filtreres_paa_periode_og_bruker(kjor: Callable, ny_pasient: Callable, db_sti: Path) -> None:
    pid = ny_pasient()["id"]
    sett_inn_logg(
        db_sti,
        [
            ("2026-01-10T09:00:00+01:00", "kari", pid, "vis"),
            ("2026-02-28T23:59:00+01:00", "ola", pid, "vis"),
            ("2026-03-01T00:01:00+01:00", "kari", pid, "forfaller"),
        ],
    )

    def handlinger(*args: str) -> list[tuple[str, str]]:
        return [(r["tid"][:10], r["bruker"]) for r in json_ut(kjor("logg", pid, "--json", *args))]

    assert handlinger("--fra", "2026-01-01", "--til", "28.02.2026") == [
        ("2026-01-10", "kari"),
        ("2026-02-28", "ola"),
    ]
    assert handlinger("--bruker", "kari", "--til", "2026-06-30") == [
        ("2026-01-10", "kari"),
        ("2026-03-01", "kari"),
    ]
    assert handlinger("--fra", "2026-03-01", "--til", "2026-03-01") == [("2026-03-01", "kari")]
    assert handlinger("--bruker", "ingen") == []


def test_logg_med_grense_viser_de_siste(kjor: Callable, ny_pasient: Callable) -> None:
    pid = ny_pasient()["id"]
    for _ in range(3):
        assert kjor("vis", pid).exit_code == 0
    alle = json_ut(kjor("logg", pid, "--json"))
    siste = json_ut(kjor("logg", pid, "--grense", "2", "--json"))
    assert [r["id"] for r in siste] == [r["id"] for r in alle][-1:] + [alle[-1]["id"] + 1]


@pytest.mark.parametrize(
    ("args", "kode", "ord_"),
    [
        (("logg", "4242"), 1, "Ingen pasient"),
        (("logg", "--fra", "2026-03-01", "--til", "2026-02-01"), 2, "--til ligger før --fra"),
        (("logg", "--fra", "1. mars"), 2, "--fra"),
        (("logg", "--grense", "0"), 2, "--grense"),
    ],
)
def test_logg_med_feil_inndata(
    kjor: Callable, ny_pasient: Callable, forvent_feil: Callable, radtall: Callable,
    args: tuple[str, ...], kode: int, ord_: str,
) -> None:  # fmt: skip
    ny_pasient()
    for_ = radtall()
    forvent_feil(kjor(*args), kode, ord_)
    assert radtall() == for_


# --- sikkerhetskopi --------------------------------------------------------------------------


def les_kopi(sti: Path) -> tuple[list[str], int, int]:
    """(integrity_check, patients, patients missing an episode or a contact point) of a backup."""
    tilkobling = sqlite3.connect(f"file:{sti}?mode=ro", uri=True)
    try:
        integritet = [r[0] for r in tilkobling.execute("PRAGMA integrity_check")]
        pasienter = tilkobling.execute("SELECT count(*) FROM pasient").fetchone()[0]
        halve = tilkobling.execute(
            "SELECT count(*) FROM pasient p WHERE (SELECT count(*) FROM forlop f"
            " JOIN samhandlingspunkt s ON s.forlop_id = f.id WHERE f.pasient_id = p.id) != 3"
            " OR NOT EXISTS (SELECT 1 FROM tilgangslogg l WHERE l.pasient_id = p.id)"
        ).fetchone()[0]
    finally:
        tilkobling.close()
    return integritet, pasienter, halve


def test_sikkerhetskopi_har_modus_0600_og_samme_innhold(
    kjor: Callable, ny_pasient: Callable, tmp_path: Path, umask_022: None
) -> None:
    pasienter = [ny_pasient() for _ in range(3)]
    kopi = tmp_path / "kopi" / "register-kopi.db"
    kopi.parent.mkdir()
    resultat = kjor("sikkerhetskopi", kopi)
    assert resultat.exit_code == 0, resultat.output
    assert "Integritetssjekken er ok" in melding(resultat)
    assert stat.S_IMODE(kopi.stat().st_mode) == 0o600
    assert les_kopi(kopi) == (["ok"], 3, 0)
    assert sorted(os.listdir(kopi.parent)) == ["register-kopi.db"], "one self-contained file"

    # The copy is a working register.
    data = json_ut(kjor("--db", kopi, "vis", pasienter[0]["id"], "--json"))
    assert data["fnr"] == pasienter[0]["fnr"]
    assert json_ut(kjor("--db", kopi, "sjekk", "--json"))["ok"] is True


def test_sikkerhetskopi_rydder_halvferdige_kopier_fra_en_dod_prosess(
    kjor: Callable, ny_pasient: Callable, tmp_path: Path
) -> None:
    ny_pasient()
    mappe = tmp_path / "kopier"
    mappe.mkdir()
    dod = subprocess.Popen([sys.executable, "-c", "pass"])
    dod.wait()  # a pid that no longer runs: a backup killed half-way
    vert = socket.gethostname()
    rester = [
        mappe / f".pakkehjem-{dod.pid}@{vert}-abc123.tmp",
        mappe / f".pakkehjem-{dod.pid}@{vert}-abc123.tmp-journal",
    ]
    i_arbeid = mappe / f".pakkehjem-{os.getpid()}@{vert}-def456.tmp"  # a live process writing now
    annen_maskin = mappe / f".pakkehjem-{dod.pid}@en-annen-maskin-ghi789.tmp"  # can't see its process
    for fil in [*rester, i_arbeid, annen_maskin]:
        fil.write_bytes(b"halvferdig kopi")
    resultat = kjor("sikkerhetskopi", mappe / "kopi.db")
    assert resultat.exit_code == 0, resultat.output
    assert not any(fil.exists() for fil in rester)
    assert i_arbeid.exists() and annen_maskin.exists()
    # Once twelve hours old, another machine's leftover is stale too.
    gammel = time.time() - 13 * 3600
    os.utime(annen_maskin, (gammel, gammel))
    assert kjor("sikkerhetskopi", mappe / "kopi2.db").exit_code == 0
    assert not annen_maskin.exists() and i_arbeid.exists()


def test_sikkerhetskopi_skriver_aldri_over(
    kjor: Callable, ny_pasient: Callable, tmp_path: Path, forvent_feil: Callable
) -> None:
    ny_pasient()
    kopi = tmp_path / "kopi.db"
    kopi.write_bytes(b"viktig")
    forvent_feil(kjor("sikkerhetskopi", kopi), 1, "finnes fra før")
    assert kopi.read_bytes() == b"viktig"
    forvent_feil(kjor("sikkerhetskopi", tmp_path / "register.db"), 1, "finnes fra før")
    forvent_feil(kjor("sikkerhetskopi", tmp_path / "mangler" / "kopi.db"), 1, "finnes ikke")
    assert not (tmp_path / "mangler").exists()


SKRIVER = textwrap.dedent(
    """
    import random, sys
    from datetime import date, timedelta
    from pathlib import Path
    from pakkehjem import fnr
    from pakkehjem.feil import Duplikat
    from pakkehjem.register import Register

    db, stopp = sys.argv[1], Path(sys.argv[2])
    register = Register.fra_fil(db, ventetid=30)
    rng = random.Random(11)
    idag = date.today()
    n = 0
    while not stopp.exists() and n < 20000:
        nummer = fnr.lag_syntetisk(date(1950, 1, 1) + timedelta(days=rng.randint(0, 20000)), rng)
        try:
            register.pasienter.ny(fnr=nummer, navn=f"Skriver {n}", diagnosedato=idag, idag=idag)
        except Duplikat:
            continue
        n += 1
        if n == 1:
            print("i gang", flush=True)
    register.lukk()
    print(n, flush=True)
    """
)


def antall_pasienter(db: Path) -> int:
    tilkobling = sqlite3.connect(db, timeout=30)
    try:
        return tilkobling.execute("SELECT count(*) FROM pasient").fetchone()[0]
    finally:
        tilkobling.close()


def test_sikkerhetskopi_mens_en_annen_prosess_skriver(
    kjor: Callable, testregister: Path, tmp_path: Path
) -> None:
    assert kjor("eksempeldata", "--antall", "1500", "--dato", IDAG).exit_code == 0
    stopp = tmp_path / "stopp"
    skriver = subprocess.Popen(
        [sys.executable, "-c", SKRIVER, str(testregister), str(stopp)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert skriver.stdout is not None
        assert skriver.stdout.readline().strip() == "i gang", skriver.stderr.read() if skriver.stderr else ""
        kopier = []
        vokste = 0
        for i in range(4):
            for_ = antall_pasienter(testregister)
            kopi = tmp_path / f"kopi-{i}.db"
            resultat = kjor("sikkerhetskopi", kopi, env={"PAKKEHJEM_VENTETID": "30"})
            assert resultat.exit_code == 0, resultat.output
            etter = antall_pasienter(testregister)
            vokste += etter > for_
            kopier.append((kopi, for_, etter))
            time.sleep(0.05)
        assert skriver.poll() is None, "the writer was still writing during every backup"
    finally:
        stopp.touch()
        ut, feil = skriver.communicate(timeout=60)
    assert skriver.returncode == 0, feil
    assert int(ut.split()[-1]) > 0
    assert vokste >= 1, "the register grew while backups were taken"
    for kopi, for_, etter in kopier:
        integritet, pasienter, halve = les_kopi(kopi)
        assert integritet == ["ok"]
        assert for_ <= pasienter <= etter, "a snapshot from inside the backup's own time"
        assert halve == 0, "no patient without its episode, contact points and log row"
        assert stat.S_IMODE(kopi.stat().st_mode) == 0o600


# --- sjekk -----------------------------------------------------------------------------------


def test_sjekk_av_et_godt_register(kjor: Callable, ny_pasient: Callable, db_sti: Path) -> None:
    ny_pasient()
    resultat = kjor("sjekk")
    assert resultat.exit_code == 0, resultat.output
    assert "er i orden" in resultat.stdout
    data = json_ut(kjor("sjekk", "--json"))
    assert data["ok"] is True
    assert data["integritet"] == ["ok"] and data["fremmednokler"] == [] and data["problemer"] == []
    assert data["skjemaversjon"] == data["forventet_skjemaversjon"] >= 3
    assert data["fil"] == str(db_sti)


def _lukk_wal(db: Path) -> None:
    tilkobling = sqlite3.connect(db)
    try:
        tilkobling.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        tilkobling.close()


def test_sjekk_finner_en_skadet_indeksside(kjor: Callable, ny_pasient: Callable, db_sti: Path) -> None:
    for _ in range(5):
        ny_pasient()
    _lukk_wal(db_sti)
    tilkobling = sqlite3.connect(db_sti)
    sidestorrelse = tilkobling.execute("PRAGMA page_size").fetchone()[0]
    rot = tilkobling.execute("SELECT rootpage FROM sqlite_master WHERE name = 'hendelse_pasient'").fetchone()[
        0
    ]
    tilkobling.close()
    with db_sti.open("r+b") as fil:
        fil.seek((rot - 1) * sidestorrelse + 3)
        fil.write(b"\x00\x50")  # the page claims 80 cells it does not have
    resultat = kjor("sjekk")
    assert resultat.exit_code == 1
    assert "Traceback" not in resultat.output
    assert "har problemer" in resultat.stdout and "Integritetssjekken fant feil" in resultat.stdout
    data = json.loads(kjor("sjekk", "--json").stdout)
    assert data["ok"] is False and data["integritet"] != ["ok"]
    assert len(data["integritet"]) <= 20


def test_sjekk_av_en_fil_som_ikke_er_en_database(kjor: Callable, db_sti: Path) -> None:
    db_sti.write_bytes(os.urandom(8192))
    db_sti.chmod(0o600)
    resultat = kjor("sjekk")
    assert resultat.exit_code == 1
    assert "kan ikke leses som en SQLite-database" in " ".join(resultat.stdout.split())
    assert "Traceback" not in resultat.output
    # The report is stdout; stderr says in one Norwegian line that the check failed.
    assert "Sjekken fant 1 problem i registeret" in melding(resultat)


def test_sjekk_finner_brutte_fremmednokler(kjor: Callable, ny_pasient: Callable, db_sti: Path) -> None:
    ny_pasient()
    tilkobling = sqlite3.connect(db_sti)
    with tilkobling:  # foreign keys are off in a plain connection
        tilkobling.execute("INSERT INTO forlop (pasient_id, nr, diagnosedato) VALUES (999, 1, '2026-01-01')")
    tilkobling.close()
    resultat = kjor("sjekk", "--json")
    assert resultat.exit_code == 1
    data = json.loads(resultat.stdout)
    assert data["fremmednokler"] == [{"tabell": "forlop", "rad": 2, "forelder": "pasient"}]
    assert any("forlop" in p for p in data["problemer"])


def test_sjekk_melder_fil_som_andre_kan_lese(kjor: Callable, ny_pasient: Callable, db_sti: Path) -> None:
    ny_pasient()
    db_sti.chmod(0o644)
    resultat = kjor("sjekk")
    assert resultat.exit_code == 1
    assert "chmod 600" in resultat.stdout


def test_sjekk_av_en_fil_som_ikke_finnes_lager_den_ikke(
    kjor: Callable, tmp_path: Path, forvent_feil: Callable
) -> None:
    sti = tmp_path / "finnes-ikke.db"
    forvent_feil(kjor("--db", sti, "sjekk"), 1, "Finner ingen database")
    assert not sti.exists()


def test_sjekk_av_et_eldre_skjema_er_en_merknad(kjor: Callable, ny_pasient: Callable, db_sti: Path) -> None:
    ny_pasient()
    tilkobling = sqlite3.connect(db_sti)
    tilkobling.execute("PRAGMA user_version = 2")
    tilkobling.close()
    data = json_ut(kjor("sjekk", "--json"))
    assert data["ok"] is True and data["skjemaversjon"] == 2
    assert data["merknader"]


# --- a register on a shared or synced folder --------------------------------------------------


MONTERINGER = """\
/dev/sda1 / ext4 rw,relatime 0 0
//filserver/helse /mnt/felles cifs rw,vers=3.0 0 0
rclone:sky /home/koord/sky fuse.rclone rw 0 0
"""


def test_lokal_disk_gir_ingen_merknad() -> None:
    assert delt_mappe_merknader(Path("/home/koord/pakkehjem.db"), MONTERINGER) == []


def test_nettverksdisk_og_fuse_gir_merknad_om_lokal_disk() -> None:
    for sti in ("/mnt/felles/kreft/register.db", "/home/koord/sky/register.db"):
        (merknad,) = delt_mappe_merknader(Path(sti), MONTERINGER)
        assert "delt filsystem" in merknad and "lokal disk" in merknad


def test_synkronisert_mappe_gir_merknad() -> None:
    for sti in ("/home/koord/OneDrive - Kommune/register.db", "/Users/k/Library/CloudStorage/Box-Box/r.db"):
        (merknad,) = delt_mappe_merknader(Path(sti), MONTERINGER)
        assert "synkroniseres" in merknad


def test_sjekk_nevner_synkronisert_mappe(kjor: Callable, tmp_path: Path) -> None:
    db = tmp_path / "Dropbox" / "register.db"
    assert kjor("--db", str(db), "dbsti").exit_code == 0
    assert kjor("--db", str(db), "innstillinger").exit_code == 0
    resultat = kjor("--db", str(db), "sjekk", "--json")
    assert resultat.exit_code == 0, resultat.output
    assert any("synkroniseres" in m for m in json.loads(resultat.stdout)["merknader"])
