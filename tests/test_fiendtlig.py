"""Hostile input, second round (issue 13): each test names the defect it pins down.

2 templates read through symbolic links and render without limits; 3 a planted file becomes
the register; 6 patient data in import errors; 7 --overskriv replaces device nodes; 8 a letter
recorded as sent when it was not; 9 the access log's "who" (in test_skjermtekst.py);
10 one stray byte garbles an import; 11 the smaller items.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import stat
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

from brevdata import FULL, hold_samtale, lag_pasient, sett_avsender
from hjelp import IDAG
from varm_prosess import VarmProsess

FORSOK: Counter[str] = Counter()
ANNEN_UID = 65534  # nobody


@pytest.fixture
def brevpasient(kjor: Callable, ny_pasient: Callable, tmp_path: Path) -> int:
    """A patient with a finished conversation and the sender set: ready for a letter."""
    pasient = lag_pasient(ny_pasient)
    hold_samtale(kjor, tmp_path, pasient["id"], FULL)
    sett_avsender(kjor)
    return pasient["id"]


def brevtall(db: Path) -> int:
    t = sqlite3.connect(db)
    try:
        return t.execute("SELECT count(*) FROM brev").fetchone()[0]
    finally:
        t.close()


# --- 2: templates --------------------------------------------------------------------------------


@pytest.fixture
def egne_maler(kjor: Callable, tmp_path: Path) -> Path:
    mappe = tmp_path / "egne-maler"
    (mappe / "bokmal").mkdir(parents=True)
    assert kjor("innstillinger", "brevmaler", str(mappe)).exit_code == 0
    return mappe


def _fastlegemal(mappe: Path, innledning: str) -> None:
    (mappe / "bokmal" / "fastlege.j2").write_text(
        '{% extends "bokmal/_helse.j2" %}\n{% block innledning %}' + innledning + "{% endblock %}\n",
        encoding="utf-8",
    )


@pytest.mark.parametrize(
    ("fil", "innledning", "format_"),
    [
        ("bokmal/pw.j2", '{% include "bokmal/pw.j2" %}', "txt"),
        ("brev.css", "Hei.", "html"),
        ("tekster.yaml", "Hei.", "txt"),
    ],
)
def test_en_symbolsk_lenke_ut_av_malmappen_leses_ikke(
    kjor, forvent_feil, brevpasient, egne_maler: Path, tmp_path: Path, db_sti: Path, fil, innledning, format_
) -> None:
    FORSOK["mal: symbolsk lenke ut av mappen"] += 1
    hemmelig = tmp_path / "hemmelig.txt"
    hemmelig.write_text("bokmal:\n  hilsen: HEMMELIG-INNHOLD\n", encoding="utf-8")
    (egne_maler / fil).symlink_to(hemmelig)
    _fastlegemal(egne_maler, innledning)
    for_ = brevtall(db_sti)
    resultat = kjor("brev", str(brevpasient), "--til", "fastlege", "--format", format_, "--dato", IDAG)
    tekst = forvent_feil(resultat, 1, "Brevmalen", fil, "peker ut av mappen")
    assert "HEMMELIG" not in resultat.output + tekst
    assert brevtall(db_sti) == for_  # nothing recorded as sent


def test_en_lenke_inne_i_malmappen_er_grei(kjor, brevpasient, egne_maler: Path) -> None:
    (egne_maler / "felles.j2").write_text("Hilsen fra felles.", encoding="utf-8")
    (egne_maler / "bokmal" / "lenke.j2").symlink_to(egne_maler / "felles.j2")
    _fastlegemal(egne_maler, '{% include "bokmal/lenke.j2" %}')
    resultat = kjor("brev", str(brevpasient), "--til", "fastlege", "--dato", IDAG)
    assert resultat.exit_code == 0, resultat.output
    assert "Hilsen fra felles." in resultat.stdout


@pytest.mark.parametrize(
    ("innledning", "ord_"),
    [
        ('{{ "x" * 3000000000 }}', "tekst over"),
        ("{% set s = 'x' * 4000000 %}{{ s + s }}", "tekst over"),
        ("{{ 10 ** 9999999999 }}", "for stort"),
        ("{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}", "sekund"),
        # A block is rendered whole before it is written out: the clock stops this one first.
        ("{% for i in range(100000) %}{{ 'y' * 1000 }}{% endfor %}", "brev over|sekund"),
        ('{% include "bokmal/fastlege.j2" %}', "tar med seg selv|sekund"),
    ],
    ids=["gange", "pluss", "potens", "lokker", "utdata", "rekursjon"],
)
def test_en_mal_som_henger_eller_sluker_minnet_stoppes_med_navnet(
    kjor, forvent_feil, brevpasient, egne_maler: Path, db_sti: Path, monkeypatch, innledning: str, ord_: str
) -> None:
    FORSOK["mal: grenser (tid, minne, størrelse, rekursjon)"] += 1
    monkeypatch.setattr("pakkehjem.malmappe.MAKS_SEKUNDER", 1.0)
    _fastlegemal(egne_maler, innledning)
    for_ = brevtall(db_sti)
    resultat = kjor("brev", str(brevpasient), "--til", "fastlege", "--dato", IDAG)
    tekst = forvent_feil(resultat, 1, "Brevmalen bokmal/fastlege.j2", "stoppet")
    assert any(alternativ in tekst for alternativ in ord_.split("|")), tekst
    assert brevtall(db_sti) == for_


def test_en_mal_som_ikke_er_utf8_gir_en_melding(kjor, forvent_feil, brevpasient, egne_maler: Path) -> None:
    FORSOK["mal: ikke UTF-8"] += 1
    (egne_maler / "bokmal" / "fastlege.j2").write_bytes(b"Hei \xe9\xff\xfe")
    forvent_feil(kjor("brev", str(brevpasient), "--til", "fastlege"), 1, "fastlege.j2", "UTF-8")


def test_en_mal_som_er_en_fifo_leses_ikke(kjor, forvent_feil, brevpasient, egne_maler: Path) -> None:
    FORSOK["mal: ikke en vanlig fil"] += 1
    os.mkfifo(egne_maler / "bokmal" / "fastlege.j2")
    forvent_feil(kjor("brev", str(brevpasient), "--til", "fastlege"), 1, "ikke en vanlig fil")


# --- 3: a planted or foreign register file -----------------------------------------------------------


def test_en_plantet_fil_fra_en_annen_bruker_blir_ikke_registeret(
    kjor, forvent_feil, tmp_path: Path, syntetisk_fnr
) -> None:
    FORSOK["register: plantet fil"] += 1
    plantet = tmp_path / "felles" / "register.db"
    plantet.parent.mkdir()
    plantet.touch()
    os.chown(plantet, ANNEN_UID, ANNEN_UID)
    plantet.chmod(0o666)
    tekst = forvent_feil(kjor("--db", plantet, "pasienter"), 1, "eies av en annen bruker")
    assert "chown" in tekst
    assert plantet.stat().st_size == 0  # nothing written into it


@pytest.mark.parametrize("modus", [0o644, 0o660, 0o604])
def test_et_register_andre_kan_lese_blir_ikke_apnet(kjor, forvent_feil, db_sti: Path, modus: int) -> None:
    FORSOK["register: lesbar for andre"] += 1
    assert kjor("innstillinger").exit_code == 0  # only the creating commands make a register
    db_sti.chmod(modus)
    forvent_feil(kjor("pasienter"), 1, "kan leses eller endres av andre", f"chmod 600 {db_sti}")


def test_en_enhet_eller_en_lenke_som_ikke_peker_noe_sted_blir_ikke_registeret(
    kjor, forvent_feil, tmp_path: Path
) -> None:
    FORSOK["register: enhet og hengende lenke"] += 2
    forvent_feil(kjor("--db", "/dev/null", "pasienter"), 1, "ikke en vanlig fil")
    lenke = tmp_path / "lenke.db"
    lenke.symlink_to(tmp_path / "finnes-ikke.db")
    forvent_feil(kjor("--db", lenke, "pasienter"), 1, "symbolsk lenke", "ikke finnes")
    assert not (tmp_path / "finnes-ikke.db").exists()


def test_sjekk_melder_en_fremmed_eier(kjor, db_sti: Path) -> None:
    assert kjor("innstillinger").exit_code == 0
    os.chown(db_sti, ANNEN_UID, ANNEN_UID)
    resultat = kjor("sjekk")
    assert resultat.exit_code == 1 and "eies av en annen bruker" in " ".join(resultat.stdout.split())


# --- 6 and 10: import errors carry no patient data; a stray byte is refused --------------------------


def test_en_csv_uten_overskrift_gjentar_ikke_forste_rad(
    kjor, forvent_feil, testregister, syntetisk_fnr, tmp_path: Path
) -> None:
    FORSOK["import: uten overskriftsrad"] += 1
    fnr = syntetisk_fnr()
    fil = tmp_path / "p.csv"
    fil.write_text(f"{fnr};Kari Nordmann;2026-11-02;Brystkreft hos Kari\n", encoding="utf-8")
    tekst = forvent_feil(kjor("importer", fil, "--dato", IDAG), 2, "Fant ingen kolonne", "første rad")
    assert fnr not in tekst and "Kari" not in tekst and "Brystkreft" not in tekst


def test_en_radfeil_gjentar_ikke_cellen(
    kjor, forvent_feil, testregister, syntetisk_fnr, tmp_path: Path
) -> None:
    FORSOK["import: cellen i feilmeldingen"] += 1
    fil = tmp_path / "p.csv"
    fil.write_text(
        f"fnr;navn;diagnosedato;diagnose\n{syntetisk_fnr()};Ola;31.02.2026;Brystkreft hos Ola\n",
        encoding="utf-8",
    )
    tekst = forvent_feil(
        kjor("importer", fil, "--dato", IDAG), 2, "Linje 2, kolonne 4 (diagnose)", "ikke en ICD-10-kode"
    )
    assert "Brystkreft" not in tekst and "Ola" not in tekst and "31.02" not in tekst


def test_en_utf8_fil_med_en_latin1_byte_avvises_med_linje_og_tegn(
    kjor, forvent_feil, testregister, syntetisk_fnr, tmp_path: Path, radtall
) -> None:
    FORSOK["import: ugyldig UTF-8"] += 1
    fil = tmp_path / "p.csv"
    fil.write_bytes(
        b"fnr;navn;diagnosedato\n"
        + f"{syntetisk_fnr()};Ærlig Øystein;2026-11-02\n".encode()
        + f"{syntetisk_fnr()};Ren".encode()
        + b"\xe9;2026-11-02\n"
    )
    for_ = radtall()
    forvent_feil(
        kjor("importer", fil, "--dato", IDAG), 2, "Linje 3, tegn 16", "ikke gyldig UTF-8", "--tegnsett cp1252"
    )
    assert radtall() == for_
    # Asked for, the whole file is read as Windows-1252 (and says so).
    resultat = kjor("importer", fil, "--dato", IDAG, "--tegnsett", "cp1252")
    assert resultat.exit_code == 0, resultat.output


@pytest.mark.parametrize(
    ("navn", "ord_"),
    [("Ola\x00Nordmann", "styretegn (U+0000 NUL)"), ("O" * 201, "for lang (201 tegn; høyst 200)")],
    ids=["nul", "for-langt"],
)
def test_nul_og_for_lange_navn_i_en_csv_avvises_med_linjen(
    kjor, forvent_feil, testregister, syntetisk_fnr, tmp_path: Path, radtall, navn: str, ord_: str
) -> None:
    FORSOK["import: NUL og lange navn"] += 1
    fil = tmp_path / "p.csv"
    fil.write_text(f"fnr;navn;diagnosedato\n{syntetisk_fnr()};{navn};2026-11-02\n", encoding="utf-8")
    for_ = radtall()
    forvent_feil(kjor("importer", fil, "--dato", IDAG), 2, "Linje 2, kolonne 2 (navn)", ord_)
    assert radtall() == for_


def test_et_navn_over_200_tegn_avvises_ogsa_pa_kommandolinjen(
    kjor, forvent_feil, testregister, syntetisk_fnr
):
    FORSOK["valg: for langt navn"] += 1
    forvent_feil(
        kjor("ny-pasient", "--fnr", syntetisk_fnr(), "--navn", "O" * 130_000, "--diagnosedato", "2026-11-02"),
        2,
        "for lang",
    )


# --- 7: --overskriv replaces regular files only -------------------------------------------------------


@pytest.mark.parametrize("mal", ["fifo", "lenke", "enhet"])
def test_overskriv_erstatter_bare_vanlige_filer(
    kjor, forvent_feil, ny_pasient, tmp_path: Path, mal: str
) -> None:
    FORSOK["--overskriv: ikke en vanlig fil"] += 1
    ny_pasient()
    if mal == "fifo":
        sti = tmp_path / "ut.csv"
        os.mkfifo(sti)
    elif mal == "lenke":
        sti = tmp_path / "lenke.csv"
        (tmp_path / "annen.txt").write_text("urørt", encoding="utf-8")
        sti.symlink_to(tmp_path / "annen.txt")
    else:
        # A private copy of /dev/full (character device 1,7): were the rule ever broken, a test
        # run as root would otherwise replace the machine's own /dev/full with a file.
        sti = tmp_path / "full"
        try:
            os.mknod(sti, stat.S_IFCHR | 0o600, os.makedev(1, 7))
        except PermissionError:
            pytest.skip("only root can make a device node")
    for_ = os.lstat(sti)
    forvent_feil(kjor("eksport", "-o", sti, "--overskriv"), 1, "blir ikke erstattet")
    etter = os.lstat(sti)
    assert (stat.S_IFMT(etter.st_mode), etter.st_ino) == (stat.S_IFMT(for_.st_mode), for_.st_ino)
    if mal == "lenke":
        assert (tmp_path / "annen.txt").read_text(encoding="utf-8") == "urørt"


def test_overskriv_erstatter_en_vanlig_fil_med_en_0600_fil(kjor, ny_pasient, tmp_path: Path) -> None:
    ny_pasient()
    sti = tmp_path / "ut.csv"
    sti.write_text("gammel", encoding="utf-8")
    sti.chmod(0o644)
    assert kjor("eksport", "-o", sti, "--overskriv").exit_code == 0
    assert stat.S_IMODE(sti.stat().st_mode) == 0o600 and "gammel" not in sti.read_text(encoding="utf-8-sig")


# --- 8: a letter is recorded only once it is delivered ------------------------------------------------


def test_et_brev_til_en_full_disk_registreres_ikke(
    brevpasient: int, db_sti: Path, tmp_path: Path, varm: VarmProsess
) -> None:
    FORSOK["brev: levering som feiler"] += 1
    for_ = brevtall(db_sti)
    # `python -m pakkehjem brev ... > /dev/full`, as a child forked from the worker's warm Python.
    kode, _, feil_ = varm.kjor(
        ["brev", str(brevpasient), "--til", "fastlege"],
        modul="pakkehjem",
        ut_til=Path("/dev/full"),
        miljo={**os.environ, "PAKKEHJEM_DB": str(db_sti)},
        cwd=tmp_path,
    )
    feil = feil_.decode()
    assert kode == 1, feil
    assert "ikke registrert som sendt" in " ".join(feil.split()) and "Uventet feil" not in feil
    assert "Traceback" not in feil and "Exception ignored" not in feil
    assert brevtall(db_sti) == for_


def test_et_brev_som_blir_levert_registreres(kjor, brevpasient: int, db_sti: Path) -> None:
    for_ = brevtall(db_sti)
    assert kjor("brev", str(brevpasient), "--til", "fastlege").exit_code == 0
    assert brevtall(db_sti) == for_ + 1


# --- size limits, leftovers, and the smaller items of 11 ----------------------------------------------


def test_svarfil_og_import_fra_dev_zero_stopper_ved_grensen(kjor, forvent_feil, ny_pasient) -> None:
    FORSOK["lesing: /dev/zero"] += 3
    pasient = ny_pasient()
    forvent_feil(kjor("samtale", str(pasient["id"]), "--svar", "/dev/zero"), 2, "større enn", "MB")
    forvent_feil(kjor("importer", "/dev/zero"), 2, "større enn", "MB")
    forvent_feil(kjor("sjekk-guide", "/dev/zero"), 2, "større enn", "MB")


@pytest.mark.parametrize(
    ("fil", "innhold"),
    [
        ("svar.json", '{"hva_er_viktig": "a", "hva_er_viktig": "b"}'),
        ("svar.yaml", "hva_er_viktig: a\nhva_er_viktig: b\n"),
    ],
)
def test_en_dobbel_nokkel_i_svarfilen_avvises(
    kjor, forvent_feil, ny_pasient, tmp_path: Path, radtall, fil: str, innhold: str
) -> None:
    FORSOK["svarfil: dobbel nøkkel"] += 1
    pasient = ny_pasient()
    (tmp_path / fil).write_text(innhold, encoding="utf-8")
    for_ = radtall()
    forvent_feil(
        kjor("samtale", str(pasient["id"]), "--svar", tmp_path / fil), 2, "«hva_er_viktig» to ganger"
    )
    assert radtall() == for_


@pytest.mark.parametrize("uke", ["9999-W52", "0000-W01", "0001-W01"])
def test_uker_utenfor_kalenderen_gir_en_norsk_melding(kjor, forvent_feil, testregister, uke: str) -> None:
    FORSOK["--uke utenfor kalenderen"] += 1
    tekst = forvent_feil(kjor("forfaller", "--uke", uke), 2, "--uke", "1850 til 2200")
    assert "year" not in tekst


@pytest.mark.parametrize("verdi", ["abc", "-1", "nan", "1e400"])
def test_ugyldig_ventetid_i_miljoet_gir_en_melding(kjor, forvent_feil, verdi: str) -> None:
    FORSOK["PAKKEHJEM_VENTETID"] += 1
    forvent_feil(kjor("innstillinger", env={"PAKKEHJEM_VENTETID": verdi}), 2, "PAKKEHJEM_VENTETID")


def test_full_disk_sier_ikke_kjor_pa_nytt() -> None:
    from pakkehjem.register.tilkobling import feil_fra_sqlite

    tekst = str(feil_fra_sqlite(sqlite3.OperationalError("database or disk is full")))
    assert "Disken er full" in tekst and "Frigjør plass" in tekst


def test_kryptert_uten_nokkel_etterlater_ingen_tom_fil(kjor, forvent_feil, tmp_path: Path) -> None:
    FORSOK["--kryptert uten nøkkel"] += 1
    db = tmp_path / "ny.db"
    forvent_feil(kjor("--db", db, "--kryptert", "innstillinger"), 2, "nøkkel")
    assert not db.exists()


def test_en_drept_kommandos_midlertidige_fil_fjernes_av_neste_kjoring_og_av_sjekk(kjor, db_sti: Path) -> None:
    FORSOK["rester etter drept kommando"] += 2
    assert kjor("innstillinger").exit_code == 0
    # What a killed `krypter` (or backup) leaves: a 0600 file named for a process that is gone.
    dod = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    import socket

    rest = db_sti.parent / f".pakkehjem-{dod.stdout.strip()}@{socket.gethostname()}-abc123.tmp"
    rest.write_bytes(b"SQLite format 3\x00" + bytes(4096))
    assert kjor("pasienter").exit_code == 0
    assert not rest.exists()
    rest.write_bytes(b"rest")
    resultat = kjor("sjekk")
    assert resultat.exit_code == 0 and "Fjernet 1 midlertidige filer" in " ".join(resultat.stdout.split())
    assert not rest.exists()
    # One that a running process writes is left alone.
    levende = db_sti.parent / f".pakkehjem-{os.getpid()}@{socket.gethostname()}-def456.tmp"
    levende.write_bytes(b"i bruk")
    assert kjor("pasienter").exit_code == 0 and levende.exists()


def test_sjekk_skiller_skrivebeskyttet_fra_skadet(kjor, db_sti: Path, request) -> None:
    """As another user who may only read the register (read-only media behave the same)."""
    FORSOK["sjekk: skrivebeskyttet"] += 1
    assert kjor("innstillinger", "tillat_syntetiske", "ja").exit_code == 0
    # Under /tmp itself: pytest's own folders are closed to other users.
    ytre = Path(tempfile.mkdtemp(prefix="pakkehjem-sjekk-"))
    ytre.chmod(0o755)
    request.addfinalizer(lambda: shutil.rmtree(ytre, ignore_errors=True))
    mappe = ytre / "skrivebeskyttet"
    mappe.mkdir()
    kopi = mappe / "register.db"
    kilde = sqlite3.connect(db_sti)
    kilde.execute("VACUUM INTO ?", (str(kopi),))
    kilde.close()
    for sti in (kopi, mappe):
        os.chown(sti, ANNEN_UID, ANNEN_UID)
    kopi.chmod(0o400)
    mappe.chmod(0o500)
    prosess = subprocess.run(
        ["setpriv", f"--reuid={ANNEN_UID}", f"--regid={ANNEN_UID}", "--clear-groups",
         sys.executable, "-m", "pakkehjem", "--db", str(kopi), "sjekk"],
        capture_output=True, text=True, check=False, cwd="/",
        env={"PATH": os.environ["PATH"], "PYTHONPATH": os.pathsep.join(sys.path), "HOME": "/"},
    )  # fmt: skip
    if "Permission denied" in prosess.stderr and "python" in prosess.stderr:
        pytest.skip("the other user cannot run this Python")
    tekst = " ".join(prosess.stdout.split())
    assert prosess.returncode == 0, (prosess.stdout, prosess.stderr)
    assert "skrivebeskyttet" in tekst and "ikke et tegn på skade" in tekst
    assert "sikkerhetskopien" not in tekst


def teardown_module() -> None:
    print("\nFiendtlige inndata prøvd i test_fiendtlig.py:", dict(FORSOK), sum(FORSOK.values()))
