"""Encrypted registers (SQLCipher through sqlcipher3): made, used, migrated to, backed up.

- A new register is encrypted when PAKKEHJEM_NOKKEL is set (or `--kryptert` is given); an
  existing file is opened the way its header says. The whole CLI works on it, and neither the
  file nor its WAL holds a patient's name or fødselsnummer, nor SQLite's plain header.
- A wrong key is exit 1 with our message only (SQLCipher's own "ERROR CORE" lines are off); a
  missing key is exit 1 too, since a header-less file may just as well be damaged.
- `krypter` copies a plain register into an encrypted one, checks it table by table, and in
  place overwrites and deletes the plain file; it refuses while someone uses the register.
- The key is never printed, stored or put in a message; typed keys are read without echo.
- A plain register never loads sqlcipher3 (start-up time).

Each open of an encrypted register runs SQLCipher's PBKDF2 (256,000 iterations, ~0.13 s), so
the tests keep the number of commands on encrypted registers small.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from brevdata import FULL, PASIENT, hold_samtale, lag_pasient, sett_avsender
from hjelp import json_ut, lag_malregister, melding
from samtalehjelp import til_slutten
from varm_prosess import Terminalprogram, VarmProsess

pytest.importorskip("sqlcipher3", reason="the kryptering extra is not installed")

from sqlcipher3 import dbapi2 as sqlcipher  # noqa: E402

NOKKEL = "Korrekt hest, batteri & stift"
HODE = b"SQLite format 3\x00"


@pytest.fixture
def med_nokkel(monkeypatch: pytest.MonkeyPatch) -> str:
    """PAKKEHJEM_NOKKEL set for the in-process commands of this test."""
    monkeypatch.setenv("PAKKEHJEM_NOKKEL", NOKKEL)
    return NOKKEL


def apne_kryptert(sti: Path, nokkel: str = NOKKEL) -> Any:
    """A raw SQLCipher connection, the way another program with the key would open the file."""
    tilkobling = sqlcipher.connect(str(sti))
    tilkobling.execute("PRAGMA cipher_log_level = NONE")
    tilkobling.execute(f"PRAGMA key = '{nokkel.replace(chr(39), chr(39) * 2)}'")
    return tilkobling


def radtall_kryptert(sti: Path, nokkel: str = NOKKEL) -> dict[str, int]:
    tilkobling = apne_kryptert(sti, nokkel)
    try:
        return _radtall(tilkobling)
    finally:
        tilkobling.close()


def radtall_ukryptert(sti: Path) -> dict[str, int]:
    tilkobling = sqlite3.connect(sti)
    try:
        return _radtall(tilkobling)
    finally:
        tilkobling.close()


def _radtall(tilkobling: Any) -> dict[str, int]:
    tabeller = [
        n
        for (n,) in tilkobling.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
    ]
    tall = {t: tilkobling.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tabeller}
    tall["user_version"] = tilkobling.execute("PRAGMA user_version").fetchone()[0]
    return tall


def raa_bytes(sti: Path) -> bytes:
    """The database file with its -wal and -shm, as they lie on disk."""
    return b"".join(
        Path(f"{sti}{e}").read_bytes() for e in ("", "-wal", "-shm") if Path(f"{sti}{e}").exists()
    )


def filer_i(mappe: Path) -> Iterator[Path]:
    return (p for p in mappe.rglob("*") if p.is_file())


def miljo_for(db: Path, **ekstra: str) -> dict[str, str]:
    """An environment for a child process: the register, home and data folders in tmp_path."""
    miljo = {k: v for k, v in os.environ.items() if k != "PAKKEHJEM_NOKKEL"}
    miljo.update(
        PAKKEHJEM_DB=str(db),
        HOME=str(db.parent / "hjem"),
        XDG_DATA_HOME=str(db.parent / "hjem" / "data"),
        NO_COLOR="1",
        **ekstra,
    )
    return miljo


def pakkehjem(varm: VarmProsess, db: Path, *args: str, **miljo: str) -> subprocess.CompletedProcess:
    """`python -m pakkehjem ARGS` as its own process (SQLCipher's C code writes to fd 2), forked
    from the worker's warm Python (tests/varm_prosess.py)."""
    args = ("--db", str(db), *args)
    kode, ut, feil = varm.kjor(args, modul="pakkehjem", miljo=miljo_for(db, **miljo), cwd=Path.cwd())
    return subprocess.CompletedProcess(args, kode, ut.decode(), feil.decode())


def ukryptert_register(kjor: Callable, mappe: Path) -> Path:
    """A plain register (no key in the environment) in `mappe`, made by a first setting."""
    ukryptert = mappe / "ukryptert.db"
    assert (
        kjor(
            "--db", ukryptert, "innstillinger", "tillat_syntetiske", "ja", env={"PAKKEHJEM_NOKKEL": None}
        ).exit_code
        == 0
    )
    return ukryptert


# --- an encrypted register in use --------------------------------------------------------------


def test_et_kryptert_register_brukes_som_et_vanlig_og_filene_avslorer_ingen_pasient(
    med_nokkel: str, kjor: Callable, ny_pasient: Callable, db_sti: Path, tmp_path: Path
) -> None:
    from pakkehjem.apning import apne_register

    utdata: list[str] = []
    pasient = lag_pasient(ny_pasient)  # the first command makes the register: encrypted
    assert db_sti.read_bytes()[:16] != HODE
    # Held open so the WAL stays on disk while the commands write to it (the last close removes it).
    holder = apne_register(db_sti)
    try:
        assert holder.kryptert
        assert holder.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        hold_samtale(kjor, tmp_path, pasient["id"], FULL)
        sett_avsender(kjor)
        for args in (
            ["vis", str(pasient["id"]), "--json"],
            ["forfaller", "--fra", "2026-01-01", "--til", "2027-12-31", "--json"],
            ["brev", str(pasient["id"]), "--til", "fastlege", "--dato", "2026-11-23"],
            ["pasienter", "--json"],
            ["logg", "--json"],
        ):
            resultat = kjor(*args)
            assert resultat.exit_code == 0, resultat.output
            utdata += [resultat.stdout, resultat.stderr]
        vist = json_ut(kjor("vis", str(pasient["id"]), "--json"))
        assert vist["navn"] == PASIENT["navn"] and vist["samtaler"][0]["status"] == "fullfort"
        assert PASIENT["navn"] in utdata[4]  # the letter itself has the name: the data is all there
        assert Path(f"{db_sti}-wal").stat().st_size > 0
        innhold = raa_bytes(db_sti)
    finally:
        holder.lukk()
    innhold += raa_bytes(db_sti)
    assert HODE not in innhold
    for hemmelig in (PASIENT["navn"], "Testesen", pasient["fnr"], "Frisklivssentralen", "Sykmeldt"):
        assert hemmelig.encode() not in innhold, hemmelig
    # The key is in no output and no file the test made.
    assert all(NOKKEL not in tekst for tekst in utdata)
    for fil in filer_i(tmp_path):
        assert NOKKEL.encode() not in fil.read_bytes(), fil


def test_sjekk_og_json_sier_at_registeret_er_kryptert(
    kjor: Callable, kryptert_register: Path, med_nokkel: str
) -> None:
    data = json_ut(kjor("sjekk", "--json"))
    assert data["ok"] is True and data["kryptert"] is True and data["integritet"] == ["ok"]
    assert "er i orden og kryptert" in " ".join(kjor("sjekk").stdout.split())


def test_feil_nokkel_gir_kode_1_og_bare_var_melding(kryptert_register: Path, varm: VarmProsess) -> None:
    resultat = pakkehjem(varm, kryptert_register, "pasienter", PAKKEHJEM_NOKKEL="en helt annen nøkkel")
    assert resultat.returncode == 1
    assert resultat.stdout == ""
    feil = " ".join(resultat.stderr.split())
    assert feil.startswith("Feil nøkkel, eller filen er ikke et pakkehjem-register.")
    assert "ERROR" not in resultat.stderr and "CORE" not in resultat.stderr and "Traceback" not in feil
    assert "en helt annen nøkkel" not in resultat.stderr
    # The file is as it was, and the right key still opens it.
    rett = pakkehjem(varm, kryptert_register, "pasienter", "--json", PAKKEHJEM_NOKKEL=NOKKEL)
    assert rett.stdout.strip() == "[]"


@pytest.fixture(scope="module")
def _kryptert_mal(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An encrypted register that takes synthetic numbers, made once for the module by the
    command a test would run (`innstillinger tillat_syntetiske ja` with the key set), as a
    file to copy: making one runs every migration and SQLCipher's key derivation."""
    return lag_malregister(tmp_path_factory.mktemp("kryptert_mal") / "register.db", NOKKEL)


@pytest.fixture
def kryptert_register(med_nokkel: str, db_sti: Path, _kryptert_mal: Path) -> Path:
    """An encrypted register that takes synthetic numbers (PAKKEHJEM_NOKKEL stays set): a copy
    of one the command made, byte for byte the same register under the same key."""
    shutil.copyfile(_kryptert_mal, db_sti)  # made 0600 under the umask of isolert_miljo
    assert db_sti.read_bytes()[:16] != HODE
    return db_sti


def test_uten_nokkel_og_uten_terminal_gir_melding_om_nokkelen_og_kode_1(
    kjor: Callable, kryptert_register: Path, forvent_feil: Callable, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PAKKEHJEM_NOKKEL")
    # Exit 1 (failed), not 2: without a key an encrypted file cannot be told from a damaged one.
    tekst = forvent_feil(kjor("pasienter"), 1, "nøkkelen mangler", "PAKKEHJEM_NOKKEL", "skadet")
    assert NOKKEL not in tekst


def test_et_nytt_kryptert_register_uten_nokkel_er_bruksfeil(
    kjor: Callable, db_sti: Path, forvent_feil: Callable
) -> None:
    # A register is made only by the commands that make one (innstillinger here).
    forvent_feil(kjor("--kryptert", "innstillinger"), 2, "trenger en nøkkel", "PAKKEHJEM_NOKKEL")
    assert not db_sti.exists() or db_sti.stat().st_size == 0


def test_for_kort_nokkel_til_et_nytt_register_avvises_med_kode_2(
    kjor: Callable, db_sti: Path, forvent_feil: Callable, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PAKKEHJEM_NOKKEL", "kort-11tgn")
    tekst = forvent_feil(kjor("innstillinger"), 2, "for kort", "minst 12 tegn")
    assert "kort-11tgn" not in tekst
    assert not db_sti.exists()  # nothing made, not even an empty file; the next try starts afresh


@pytest.mark.parametrize(
    "nokkel", ["it's «nøkkel» med 'fnutter' og \"anførsel\"", "x'00'; DROP TABLE pasient;--"]
)
def test_nokkel_med_fnutter_og_saerlige_tegn_virker(
    kjor: Callable, db_sti: Path, monkeypatch: pytest.MonkeyPatch, nokkel: str
) -> None:
    monkeypatch.setenv("PAKKEHJEM_NOKKEL", nokkel)
    assert kjor("innstillinger", "tillat_syntetiske", "ja").exit_code == 0
    assert json_ut(kjor("pasienter", "--json")) == []
    assert radtall_kryptert(db_sti, nokkel)["pasient"] == 0  # what SQLCipher itself calls that key
    monkeypatch.setenv("PAKKEHJEM_NOKKEL", nokkel + " ")
    assert kjor("pasienter").exit_code == 1


def test_kryptert_valg_nekter_et_ukryptert_register(
    kjor: Callable, db_sti: Path, forvent_feil: Callable, med_nokkel: str
) -> None:
    ukryptert = ukryptert_register(kjor, db_sti.parent)
    forvent_feil(kjor("--db", ukryptert, "--kryptert", "pasienter"), 1, "ikke kryptert", "pakkehjem krypter")
    # Without the switch a plain register opens as before, and sjekk says the key is unused.
    assert json_ut(kjor("--db", ukryptert, "pasienter", "--json")) == []
    data = json_ut(kjor("--db", ukryptert, "sjekk", "--json"))
    assert data["kryptert"] is False
    assert any("ikke kryptert" in m for m in data["merknader"])


def test_et_opptatt_kryptert_register_gir_opptatt_og_kode_1(
    kjor: Callable, kryptert_register: Path, syntetisk_fnr: Callable, forvent_feil: Callable
) -> None:
    from pakkehjem.apning import apne_register

    holder = apne_register(kryptert_register)  # sqlcipher3's errors must map like sqlite3's
    holder.db.execute("BEGIN IMMEDIATE")
    try:
        args = ("ny-pasient", "--fnr", syntetisk_fnr(), "--navn", "Ny", "--diagnosedato", "2026-11-02")
        forvent_feil(kjor(*args), 1, "opptatt")
    finally:
        holder.db.execute("ROLLBACK")
        holder.lukk()
    assert radtall_kryptert(kryptert_register)["pasient"] == 0


def test_uten_sqlcipher3_sier_meldingen_hvordan_det_installeres(
    kjor: Callable, db_sti: Path, forvent_feil: Callable, med_nokkel: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "sqlcipher3", None)
    monkeypatch.setitem(sys.modules, "sqlcipher3.dbapi2", None)
    forvent_feil(kjor("innstillinger"), 1, "sqlcipher3", "pip install 'pakkehjem[kryptering]'")


# --- backup ----------------------------------------------------------------------------------------


def test_sikkerhetskopi_av_et_kryptert_register_er_kryptert_med_samme_nokkel(
    med_nokkel: str, kjor: Callable, ny_pasient: Callable, tmp_path: Path
) -> None:
    ny_pasient(navn="Kopi Kopisen")
    kopi = tmp_path / "kopi.db"
    resultat = kjor("sikkerhetskopi", kopi)
    assert resultat.exit_code == 0, resultat.output
    assert "1 pasient," in melding(resultat)
    innhold = kopi.read_bytes()
    assert innhold[:16] != HODE and b"Kopisen" not in innhold
    assert oct(kopi.stat().st_mode & 0o777) == "0o600"
    assert radtall_kryptert(kopi)["pasient"] == 1
    with pytest.raises(sqlite3.DatabaseError):
        radtall_ukryptert(kopi)
    assert json_ut(kjor("--db", kopi, "sjekk", "--json"))["ok"] is True


# --- krypter: a plain register made encrypted --------------------------------------------------


@pytest.fixture
def ukryptert(kjor: Callable, ny_pasient: Callable, db_sti: Path, tmp_path: Path) -> dict[str, int]:
    """A plain register with a finished conversation, a letter and an access log; its row counts."""
    pasient = lag_pasient(ny_pasient)
    ny_pasient(navn="Annen Pasient")
    hold_samtale(kjor, tmp_path, pasient["id"], FULL)
    sett_avsender(kjor)
    assert kjor("brev", str(pasient["id"]), "--til", "fastlege", "-o", tmp_path / "brev.txt").exit_code == 0
    assert raa_bytes(db_sti)[:16] == HODE and PASIENT["navn"].encode() in raa_bytes(db_sti)  # the control
    return radtall_ukryptert(db_sti)


def test_krypter_paa_stedet_tar_med_alle_rader_og_sletter_den_ukrypterte_filen(
    kjor: Callable, db_sti: Path, ukryptert: dict[str, int], med_nokkel: str, tmp_path: Path
) -> None:
    for_ = set(filer_i(tmp_path))
    gammel = os.open(db_sti, os.O_RDONLY)  # the plain file as a process that had it open sees it
    try:
        resultat = kjor("krypter")
        assert resultat.exit_code == 0, resultat.output
        rest = os.pread(gammel, os.fstat(gammel).st_size, 0)
    finally:
        os.close(gammel)
    tekst = melding(resultat)
    assert "er nå kryptert (2 pasienter" in tekst and "overskrevet og slettet" in tekst
    assert "Eldre sikkerhetskopier er fortsatt ukrypterte" in tekst
    assert rest and rest.count(0) == len(rest)  # overwritten with zeros before it was let go
    assert radtall_kryptert(db_sti) == ukryptert
    innhold = raa_bytes(db_sti)
    assert innhold[:16] != HODE and PASIENT["navn"].encode() not in innhold
    assert oct(db_sti.stat().st_mode & 0o777) == "0o600"
    # No copy, temporary file or WAL of the plain register is left beside it.
    assert set(filer_i(tmp_path)) == for_
    # It now takes the key, and everything is there (the append-only triggers too).
    assert json_ut(kjor("sjekk", "--json"))["ok"] is True
    assert json_ut(kjor("vis", "1", "--json"))["samtaler"][0]["status"] == "fullfort"
    assert kjor("pasienter", env={"PAKKEHJEM_NOKKEL": None}).exit_code == 1


def test_krypter_til_en_ny_fil_lar_originalen_sta(
    kjor: Callable, db_sti: Path, ukryptert: dict[str, int], med_nokkel: str, tmp_path: Path
) -> None:
    ny = tmp_path / "kryptert.db"
    original = db_sti.read_bytes()
    resultat = kjor("krypter", "--til", ny)
    assert resultat.exit_code == 0, resultat.output
    assert f"Det ukrypterte registeret {db_sti} er ikke endret" in melding(resultat)
    assert radtall_kryptert(ny) == ukryptert == radtall_ukryptert(db_sti)
    assert db_sti.read_bytes()[:16] == HODE and len(original) > 0
    assert oct(ny.stat().st_mode & 0o777) == "0o600"
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".krypteres")]


def test_krypter_nekter_naar_maalet_finnes_og_overskriver_med_overskriv(
    kjor: Callable,
    db_sti: Path,
    ukryptert: dict[str, int],
    med_nokkel: str,
    tmp_path: Path,
    forvent_feil: Callable,
) -> None:
    ny = tmp_path / "kryptert.db"
    ny.write_bytes(b"viktig")
    forvent_feil(kjor("krypter", "--til", ny), 1, "finnes fra før", "--overskriv")
    assert ny.read_bytes() == b"viktig"
    assert kjor("krypter", "--til", ny, "--overskriv").exit_code == 0
    assert radtall_kryptert(ny) == ukryptert


def test_krypter_nekter_et_register_som_alt_er_kryptert(
    kjor: Callable, kryptert_register: Path, forvent_feil: Callable
) -> None:
    for_ = kryptert_register.read_bytes()
    forvent_feil(kjor("krypter"), 1, "allerede kryptert")
    assert kryptert_register.read_bytes() == for_


def test_krypter_nekter_en_tom_fil_og_en_som_ikke_finnes(
    med_nokkel: str, kjor: Callable, db_sti: Path, forvent_feil: Callable
) -> None:
    forvent_feil(kjor("krypter"), 1, "Finner ingen database")
    db_sti.touch()
    forvent_feil(kjor("krypter"), 1, "er tom")
    assert db_sti.stat().st_size == 0


def test_krypter_uten_nokkel_og_uten_terminal_er_bruksfeil(
    kjor: Callable, db_sti: Path, ukryptert: dict[str, int], forvent_feil: Callable
) -> None:
    forvent_feil(kjor("krypter"), 2, "trenger en nøkkel", "PAKKEHJEM_NOKKEL")
    assert radtall_ukryptert(db_sti) == ukryptert


def test_krypter_nekter_mens_en_annen_prosess_bruker_registeret(
    kjor: Callable,
    db_sti: Path,
    ukryptert: dict[str, int],
    med_nokkel: str,
    forvent_feil: Callable,
    tmp_path: Path,
) -> None:
    for_ = set(filer_i(tmp_path))
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]);"
            " c.execute('SELECT count(*) FROM pasient').fetchone(); print('klar', flush=True);"
            " sys.stdin.read()",
            str(db_sti),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "klar"
        forvent_feil(kjor("krypter"), 1, "i bruk", "Ingenting er endret")
    finally:
        holder.communicate("", timeout=30)
    assert raa_bytes(db_sti)[:16] == HODE and radtall_ukryptert(db_sti) == ukryptert
    assert {p for p in filer_i(tmp_path) if not p.name.startswith("register.db-")} <= for_
    assert kjor("krypter").exit_code == 0  # once it is free


def test_krypter_som_ikke_faar_like_mange_rader_endrer_ingenting(
    kjor: Callable,
    db_sti: Path,
    ukryptert: dict[str, int],
    med_nokkel: str,
    forvent_feil: Callable,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from pakkehjem.register import drift

    ekte = drift.innhold
    kall = []

    def en_rad_borte(tilkobling: Any) -> tuple[dict[str, int], int]:
        tabeller, versjon = ekte(tilkobling)
        kall.append(1)
        if len(kall) == 2:  # the check of the new file
            tabeller["tilgangslogg"] -= 1
        return tabeller, versjon

    monkeypatch.setattr(drift, "innhold", en_rad_borte)
    forvent_feil(kjor("krypter"), 1, "ikke lik originalen", "Ingenting er endret")
    assert raa_bytes(db_sti)[:16] == HODE and radtall_ukryptert(db_sti) == ukryptert
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".krypteres")]


# --- start-up ----------------------------------------------------------------------------------


def test_et_ukryptert_register_laster_ikke_sqlcipher3(kjor: Callable, kryptert_register: Path) -> None:
    program = (
        "import sys\n"
        "from pakkehjem.cli import main\n"
        "for args in (['--help'], ['forfaller', '--json'], ['vis', '1', '--json'], ['sjekk', '--json']):\n"
        "    sys.argv = ['pakkehjem', *args]\n"
        "    try:\n"
        "        main()\n"
        "    except SystemExit:\n"
        "        pass\n"
        "sys.stderr.write('LASTET=%s' % ('sqlcipher3' in sys.modules))\n"
    )
    ukryptert = ukryptert_register(kjor, kryptert_register.parent)
    resultat = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, timeout=60, env=miljo_for(ukryptert)
    )
    assert "LASTET=False" in resultat.stderr, resultat.stderr
    kryptert = subprocess.run(
        [sys.executable, "-c", program],
        capture_output=True,
        text=True,
        timeout=60,
        env=miljo_for(kryptert_register, PAKKEHJEM_NOKKEL=NOKKEL),
    )
    assert "LASTET=True" in kryptert.stderr, kryptert.stderr  # the control: the check can see it


# --- the key typed at a terminal ------------------------------------------------------------------


def terminal(varm: VarmProsess, db: Path, *args: str) -> Terminalprogram:
    """`python -m pakkehjem ARGS` on a terminal of its own (24 x 80), forked from the worker's
    warm Python (tests/varm_prosess.py)."""
    prosess = varm.terminal(
        ["--db", str(db), *args],
        modul="pakkehjem",
        miljo={**miljo_for(db), "TERM": "xterm"},
        cwd=Path.cwd(),
        timeout=30,
    )
    # getpass turns the echo off before it writes its prompt, and each key waits for the prompt.
    prosess.delaybeforesend = None
    return prosess


def slutt(prosess: Terminalprogram) -> tuple[int, str]:
    til_slutten(prosess)
    return prosess.exitstatus, prosess.before or ""


def test_nokkelen_skrives_skjult_i_terminalen_to_ganger_for_et_nytt_register(
    tmp_path: Path, varm: VarmProsess
) -> None:
    db = tmp_path / "terminal.db"
    p = terminal(varm, db, "--kryptert", "innstillinger", "tillat_syntetiske", "ja")
    p.expect_exact("Velg en nøkkel for det nye registeret: ")
    p.sendline(NOKKEL)
    p.expect_exact("Skriv nøkkelen en gang til: ")
    p.sendline(NOKKEL)
    kode, tekst = slutt(p)
    assert kode == 0, tekst
    assert NOKKEL not in tekst  # no echo
    assert db.read_bytes()[:16] != HODE and radtall_kryptert(db)["pasient"] == 0

    p = terminal(varm, db, "pasienter", "--json")
    p.expect_exact("Nøkkel for registeret: ")
    p.sendline(NOKKEL)
    kode, tekst = slutt(p)
    assert kode == 0 and tekst.strip() == "[]", tekst

    p = terminal(varm, db, "pasienter", "--json")
    p.expect_exact("Nøkkel for registeret: ")
    p.sendline("gjettet nøkkel")
    kode, tekst = slutt(p)
    assert kode == 1 and "Feil nøkkel" in tekst and "ERROR" not in tekst and "gjettet" not in tekst


def test_to_ulike_nokler_i_terminalen_lager_ingenting(tmp_path: Path, varm: VarmProsess) -> None:
    db = tmp_path / "terminal.db"
    p = terminal(varm, db, "--kryptert", "innstillinger")
    p.expect_exact("Velg en nøkkel for det nye registeret: ")
    p.sendline(NOKKEL)
    p.expect_exact("Skriv nøkkelen en gang til: ")
    p.sendline(NOKKEL + "!")
    kode, tekst = slutt(p)
    assert kode == 2 and "ikke like" in tekst
    assert not db.exists()  # not even an empty file


def test_krypter_spor_etter_nokkelen_i_terminalen(
    kjor: Callable, db_sti: Path, ukryptert: dict[str, int], varm: VarmProsess
) -> None:
    p = terminal(varm, db_sti, "krypter")
    p.expect_exact("Velg en nøkkel for det krypterte registeret: ")
    p.sendline(NOKKEL)
    p.expect_exact("Skriv nøkkelen en gang til: ")
    p.sendline(NOKKEL)
    kode, tekst = slutt(p)
    assert kode == 0 and "er nå kryptert" in " ".join(tekst.split()), tekst
    assert radtall_kryptert(db_sti) == ukryptert
