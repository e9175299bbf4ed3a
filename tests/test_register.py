"""The SQLite store on a temporary file: file modes, migrations, the access log, transactions,
the work-list query and the settings."""

from __future__ import annotations

import getpass
import os
import sqlite3
import stat
import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from pakkehjem import forlop
from pakkehjem.feil import Avvist, PakkehjemFeil, UgyldigInndata
from pakkehjem.forlop import Periode
from pakkehjem.register import MIGRASJONER, Register, Transaksjon

IDAG = date(2026, 11, 23)  # Monday of ISO week 48
UKE_48 = Periode(date(2026, 11, 23), date(2026, 11, 29))
UKE_49 = Periode(date(2026, 11, 30), date(2026, 12, 6))


@pytest.fixture
def register(testregister: Path) -> Iterator[Register]:
    """An open test register that takes synthetic numbers (a copy of one made once)."""
    reg = Register.fra_fil(testregister)
    yield reg
    reg.lukk()


@pytest.fixture
def pasient(register: Register, syntetisk_fnr: Callable[..., str]) -> Callable[..., int]:
    """Register a patient in the store; returns the local number."""

    def ny(diagnosedato: date = date(2026, 11, 2), navn: str = "Kari Testesen", **felt: str) -> int:
        return register.pasienter.ny(
            fnr=syntetisk_fnr(), navn=navn, diagnosedato=diagnosedato, idag=IDAG, **felt
        )

    return ny


def tilgangslogg(db_sti: Path) -> list[tuple[int, str, str]]:
    """(patient, action, user) of every access-log row, oldest first, read through its own connection."""
    tilkobling = sqlite3.connect(db_sti)
    try:
        return tilkobling.execute(
            "SELECT pasient_id, handling, bruker FROM tilgangslogg ORDER BY id"
        ).fetchall()
    finally:
        tilkobling.close()


def modus(sti: Path) -> int:
    return stat.S_IMODE(sti.stat().st_mode)


# --- the file --------------------------------------------------------------------------


def test_ny_registerfil_og_wal_filene_er_bare_for_eieren_selv_med_aapen_umask(tmp_path: Path) -> None:
    sti = tmp_path / "ny mappe" / "register.db"
    gammel_umask = os.umask(0)
    try:
        register = Register.fra_fil(sti)
        try:
            register.sett_innstilling("sp1_uker", "5")  # a write, so the -wal and -shm files exist
            wal, shm = Path(f"{sti}-wal"), Path(f"{sti}-shm")
            assert wal.exists() and shm.exists()
            assert modus(sti) == 0o600
            assert modus(wal) == 0o600
            assert modus(shm) == 0o600
            assert modus(sti.parent) == 0o700
        finally:
            register.lukk()
    finally:
        os.umask(gammel_umask)


def test_aapning_kjorer_alle_migrasjoner_og_slaar_paa_fremmednokler_wal_og_ventetid(db_sti: Path) -> None:
    register = Register.fra_fil(db_sti)
    try:
        db = register.db
        assert db.execute("PRAGMA user_version").fetchone()[0] == len(MIGRASJONER)
        assert db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert db.execute("PRAGMA busy_timeout").fetchone()[0] == 500  # PAKKEHJEM_VENTETID=0.5
    finally:
        register.lukk()


def test_aapning_paa_nytt_endrer_ikke_et_register_som_er_oppdatert(register: Register, db_sti: Path) -> None:
    register.sett_innstilling("sp1_uker", "6")
    andre = Register.fra_fil(db_sti)
    try:
        assert andre.db.execute("PRAGMA user_version").fetchone()[0] == len(MIGRASJONER)
        assert andre.innstillinger()["sp1_uker"] == 6
    finally:
        andre.lukk()


def _bytt_kolonnerekkefolge(db: Any) -> None:
    """A column change the sqlite-utils way: its statements, run in the migration's transaction."""
    for setning in db["innstilling"].transform_sql(column_order=("verdi", "navn")):
        db.execute(setning)


def test_en_migrering_kan_vaere_en_funksjon_av_sqlite_utils_i_samme_transaksjon(
    register: Register, db_sti: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pakkehjem.register import skjema

    register.sett_innstilling("sp1_uker", "6")
    register.lukk()

    monkeypatch.setattr(skjema, "MIGRASJONER", (*MIGRASJONER, _bytt_kolonnerekkefolge))
    oppgradert = Register.fra_fil(db_sti)
    try:
        kolonner = [r[1] for r in oppgradert.db.execute("PRAGMA table_info(innstilling)")]
        assert kolonner == ["verdi", "navn"]
        assert oppgradert.db.execute("PRAGMA user_version").fetchone()[0] == len(MIGRASJONER) + 1
        assert oppgradert.innstillinger()["sp1_uker"] == 6
    finally:
        oppgradert.lukk()


def test_en_migreringsfunksjon_som_feiler_etterlater_registeret_urort(
    register: Register, db_sti: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pakkehjem.register import skjema

    register.lukk()

    def halvveis(db: Any) -> None:
        _bytt_kolonnerekkefolge(db)
        raise RuntimeError("strømmen gikk")

    monkeypatch.setattr(skjema, "MIGRASJONER", (*MIGRASJONER, halvveis))
    with pytest.raises(RuntimeError):
        Register.fra_fil(db_sti)
    tilkobling = sqlite3.connect(db_sti)
    try:
        assert tilkobling.execute("PRAGMA user_version").fetchone()[0] == len(MIGRASJONER)
        assert [r[1] for r in tilkobling.execute("PRAGMA table_info(innstilling)")] == ["navn", "verdi"]
    finally:
        tilkobling.close()


def test_fremmednokler_stopper_et_forlop_uten_pasient(register: Register) -> None:
    with pytest.raises(sqlite3.IntegrityError):
        register.db.execute("INSERT INTO forlop (pasient_id, nr, diagnosedato) VALUES (999, 1, '2026-11-02')")


def _punktkopier(register: Register, pasient_id: int) -> list[tuple[int, int, str]]:
    """(sp, forløp nr, forløp status) as the patient's contact points carry them."""
    return register.db.execute(
        "SELECT sp, forlop_nr, forlop_status FROM samhandlingspunkt WHERE pasient_id = ? ORDER BY sp",
        (pasient_id,),
    ).fetchall()


def test_et_punkt_som_ikke_stemmer_med_forlopet_sitt_kan_ikke_lagres(
    register: Register, pasient: Callable[..., int]
) -> None:
    forste, andre = pasient(), pasient()
    assert _punktkopier(register, forste) == [(1, 1, "aktiv"), (2, 1, "aktiv"), (3, 1, "aktiv")]
    forlop_id = register.db.execute("SELECT id FROM forlop WHERE pasient_id = ?", (forste,)).fetchone()[0]
    feil_kopier = [(andre, 1, "aktiv"), (forste, 2, "aktiv"), (forste, 1, "avsluttet")]
    for pid, nr, status in feil_kopier:
        with pytest.raises(sqlite3.IntegrityError):
            register.db.execute(
                "INSERT INTO samhandlingspunkt (forlop_id, sp, ansvarlig, vindu_fra, vindu_til,"
                " pasient_id, forlop_nr, forlop_status) VALUES (?, 3, 'kommunen', '2027-05-02',"
                " '2027-11-02', ?, ?, ?)",
                (forlop_id, pid, nr, status),
            )
        with pytest.raises(sqlite3.IntegrityError):
            register.db.execute(
                "UPDATE samhandlingspunkt SET pasient_id = ?, forlop_nr = ?, forlop_status = ?"
                " WHERE forlop_id = ? AND sp = 1",
                (pid, nr, status, forlop_id),
            )
    assert _punktkopier(register, forste) == [(1, 1, "aktiv"), (2, 1, "aktiv"), (3, 1, "aktiv")]


def test_et_forlop_som_avsluttes_eller_aapnes_igjen_tar_punktene_sine_med_seg(
    register: Register, pasient: Callable[..., int]
) -> None:
    # Whoever changes the episode (a command, a migration, a hand in the file), its points follow
    # in the same statement: the work list reads the status off the point.
    pid = pasient()
    assert {r["pasient_id"] for r in register.punkter.forfaller(UKE_48, IDAG)} == {pid}
    register.db.execute("UPDATE forlop SET status = 'avsluttet' WHERE pasient_id = ?", (pid,))
    assert _punktkopier(register, pid) == [(1, 1, "avsluttet"), (2, 1, "avsluttet"), (3, 1, "avsluttet")]
    assert register.punkter.forfaller(UKE_48, IDAG) == []
    register.db.execute("UPDATE forlop SET status = 'aktiv' WHERE pasient_id = ?", (pid,))
    assert {r["pasient_id"] for r in register.punkter.forfaller(UKE_48, IDAG)} == {pid}
    assert register.db.execute("PRAGMA foreign_key_check").fetchall() == []


def test_register_fra_en_nyere_versjon_avvises(db_sti: Path) -> None:
    Register.fra_fil(db_sti).lukk()
    tilkobling = sqlite3.connect(db_sti)
    tilkobling.execute(f"PRAGMA user_version = {len(MIGRASJONER) + 1}")
    tilkobling.close()
    with pytest.raises(Avvist, match="nyere versjon"):
        Register.fra_fil(db_sti)


def test_en_annen_sqlite_database_er_ikke_et_register(db_sti: Path) -> None:
    tilkobling = sqlite3.connect(db_sti)
    tilkobling.execute("CREATE TABLE noe_annet (x)")
    tilkobling.close()
    db_sti.chmod(0o600)  # a file only its owner can read; other modes are refused before this
    with pytest.raises(Avvist, match="ikke et pakkehjem-register"):
        Register.fra_fil(db_sti)
    tilkobling = sqlite3.connect(db_sti)
    assert tilkobling.execute("SELECT name FROM sqlite_master").fetchall() == [("noe_annet",)]
    tilkobling.close()


# --- the access log ----------------------------------------------------------------------


def test_ny_pasient_skriver_en_rad_i_tilgangsloggen_med_brukeren(
    register: Register, pasient: Callable[..., int], db_sti: Path
) -> None:
    pid = pasient()
    assert tilgangslogg(db_sti) == [(pid, "ny-pasient", getpass.getuser())]
    tid = register.db.execute("SELECT tid FROM tilgangslogg").fetchone()[0]
    assert tid.startswith(date.today().isoformat())


def test_vis_pasient_logges(register: Register, pasient: Callable[..., int], db_sti: Path) -> None:
    pid = pasient()
    register.pasienter.vis(str(pid), IDAG)
    assert tilgangslogg(db_sti)[-1] == (pid, "vis", getpass.getuser())


def test_arbeidslisten_logger_hver_pasient_den_viser_og_ingen_andre(
    register: Register, pasient: Callable[..., int], db_sti: Path
) -> None:
    i_uka = pasient(date(2026, 11, 2))
    senere = pasient(date(2026, 9, 1))  # SP2 opens 1 December once SP1 is closed
    register.punkter.endre(str(senere), 1, forlop.BORTFALT, idag=IDAG, grunn="Flyttet")
    rader = register.punkter.forfaller(UKE_48, IDAG)
    assert {r["pasient_id"] for r in rader} == {i_uka}
    nye = [rad for rad in tilgangslogg(db_sti) if rad[1] == "forfaller"]
    assert nye == [(i_uka, "forfaller", getpass.getuser())]


def test_pasientlisten_logger_hver_pasient(
    register: Register, pasient: Callable[..., int], db_sti: Path
) -> None:
    ider = [pasient(), pasient()]
    register.pasienter.liste(IDAG)
    assert sorted(pid for pid, handling, _ in tilgangslogg(db_sti) if handling == "pasienter") == ider


def test_endring_av_kontaktopplysninger_logges(
    register: Register, pasient: Callable[..., int], db_sti: Path
) -> None:
    pid = pasient()
    register.pasienter.endre(str(pid), {"kommune": "Bodø"}, idag=IDAG)
    assert tilgangslogg(db_sti)[-1] == (pid, "endre", getpass.getuser())


@pytest.mark.parametrize(
    ("status", "felt"),
    [
        (forlop.AVTALT, {"dato": date(2026, 11, 26)}),
        (forlop.UTSATT, {"dato": date(2026, 12, 10), "grunn": "Innlagt"}),
        (forlop.AVSLATT, {"dato": date(2027, 1, 10)}),
        (forlop.BORTFALT, {"grunn": "Flyttet"}),
    ],
)
def test_endring_av_samhandlingspunkt_logges(
    register: Register, pasient: Callable[..., int], db_sti: Path, status: str, felt: dict
) -> None:
    pid = pasient()
    register.punkter.endre(str(pid), 1, status, idag=IDAG, **felt)
    assert tilgangslogg(db_sti)[-1] == (pid, f"sp-{status}", getpass.getuser())


def test_oppslag_paa_ukjent_pasient_logger_ingenting(register: Register, db_sti: Path) -> None:
    with pytest.raises(PakkehjemFeil):
        register.pasienter.vis("42", IDAG)
    assert tilgangslogg(db_sti) == []


def test_tilgangsloggen_kan_ikke_endres(
    register: Register, pasient: Callable[..., int], db_sti: Path
) -> None:
    pasient()
    tilkobling = sqlite3.connect(db_sti)
    try:
        with pytest.raises(sqlite3.DatabaseError, match="bare utvides"):
            tilkobling.execute("UPDATE tilgangslogg SET bruker = 'noen andre'")
    finally:
        tilkobling.close()
    assert tilgangslogg(db_sti)[0][2] == getpass.getuser()


def test_tilgangsloggen_kan_ikke_slettes(
    register: Register, pasient: Callable[..., int], db_sti: Path
) -> None:
    pasient()
    tilkobling = sqlite3.connect(db_sti)
    try:
        with pytest.raises(sqlite3.DatabaseError, match="bare utvides"):
            tilkobling.execute("DELETE FROM tilgangslogg")
    finally:
        tilkobling.close()
    assert len(tilgangslogg(db_sti)) == 1


# --- transactions ------------------------------------------------------------------------


def tell(db_sti: Path) -> dict[str, int]:
    tilkobling = sqlite3.connect(db_sti)
    try:
        return {
            t: tilkobling.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            for t in ("pasient", "forlop", "samhandlingspunkt", "hendelse", "tilgangslogg")
        }
    finally:
        tilkobling.close()


def test_ny_pasient_som_feiler_underveis_etterlater_ingenting(
    register: Register,
    syntetisk_fnr: Callable[..., str],
    db_sti: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for_ = tell(db_sti)

    def feiler(*args: object, **kw: object) -> None:
        raise RuntimeError("disken ble full")

    # The timeline entry comes after the patient, the episode and the contact points.
    monkeypatch.setattr(Transaksjon, "hendelse", feiler)
    with pytest.raises(RuntimeError):
        register.pasienter.ny(
            fnr=syntetisk_fnr(), navn="Halv Skrevet", diagnosedato=date(2026, 11, 2), idag=IDAG
        )
    assert tell(db_sti) == for_
    # The connection is usable afterwards: the failed transaction is gone.
    monkeypatch.undo()
    register.pasienter.ny(fnr=syntetisk_fnr(), navn="Hel", diagnosedato=date(2026, 11, 2), idag=IDAG)
    assert tell(db_sti)["pasient"] == for_["pasient"] + 1


def test_et_samtykke_gitt_fram_i_tid_avvises_av_lageret_for_noe_leses_eller_skrives(
    register: Register, pasient: Callable[..., int], db_sti: Path
) -> None:
    nr = pasient()
    for_ = tell(db_sti)
    with pytest.raises(
        UgyldigInndata, match="Datoen ligger fram i tid. Oppgi dagen pasienten sa ja eller nei."
    ):
        register.samtykker.registrer(str(nr), "fastlege", True, IDAG + timedelta(days=1), idag=IDAG)
    assert tell(db_sti) == for_
    assert register.samtykker.registrer(str(nr), "fastlege", True, IDAG, idag=IDAG)["gjeldende"] == "ja"


def test_en_samtale_holdt_fram_i_tid_avvises_av_lageret_pa_hver_vei_inn(
    register: Register, pasient: Callable[..., int], db_sti: Path
) -> None:
    nr = str(pasient())
    i_morgen = IDAG + timedelta(days=1)
    for_ = tell(db_sti)
    melding = "Samtaledatoen ligger fram i tid. Oppgi dagen samtalen ble holdt."
    with pytest.raises(UgyldigInndata, match=melding):
        register.samtaler.sjekk(nr, None, i_morgen, IDAG)
    with pytest.raises(UgyldigInndata, match=melding):
        register.samtaler.lagre_hel(nr, None, i_morgen, 1, [], None, idag=IDAG)
    with pytest.raises(UgyldigInndata, match=melding):
        register.samtaler.begynn_eller_fortsett(nr, None, i_morgen, 1, "eier", idag=IDAG)
    assert tell(db_sti) == for_


def test_endring_av_punkt_som_feiler_underveis_etterlater_punktet_som_det_var(
    register: Register, pasient: Callable[..., int], db_sti: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pid = pasient()
    for_ = register.pasienter.vis(str(pid), IDAG)["forlop"][0]["samhandlingspunkter"]
    antall_for = tell(db_sti)

    def feiler(*args: object, **kw: object) -> None:
        raise RuntimeError("strømmen gikk")

    monkeypatch.setattr(Transaksjon, "hendelse", feiler)
    with pytest.raises(RuntimeError):
        register.punkter.endre(str(pid), 1, forlop.AVTALT, idag=IDAG, dato=date(2026, 11, 26))
    monkeypatch.undo()
    assert tell(db_sti) == antall_for
    etter = register.pasienter.vis(str(pid), IDAG)["forlop"][0]["samhandlingspunkter"]
    assert etter == for_


def test_en_endring_uten_rad_i_tilgangsloggen_blir_ikke_lagret(
    register: Register, pasient: Callable[..., int], db_sti: Path
) -> None:
    pid = pasient(navn="Opprinnelig Navn")
    with pytest.raises(PakkehjemFeil), register.transaksjon() as db:
        db.execute("UPDATE pasient SET navn = 'Nytt Navn' WHERE id = ?", (pid,))
        db.logg([None], "endre")  # type: ignore[list-item]  # the log insert fails at commit
    assert register.pasienter.vis(str(pid), IDAG)["navn"] == "Opprinnelig Navn"


# --- the work list -----------------------------------------------------------------------


def punkter(rader: list[dict]) -> list[tuple[int, int, str]]:
    return [(r["pasient_id"], r["sp"], r["tilstand"]) for r in rader]


def test_arbeidslisten_viser_aapne_punkter_i_perioden_med_de_forfalte_forst(
    register: Register, pasient: Callable[..., int], fullfor: Callable[..., None]
) -> None:
    i_vindu = pasient(date(2026, 11, 2))  # SP1 2.-30. november
    forfalt = pasient(date(2026, 9, 1))  # SP1 1.-29. september: overdue; SP2 from 1 December
    sp2_i_vindu = pasient(date(2026, 8, 10))  # SP1 overdue, SP2 10 November - 10 December
    register.punkter.endre(str(sp2_i_vindu), 1, forlop.BORTFALT, idag=IDAG, grunn="Innlagt lenge")
    fullfort_sp1 = pasient(date(2026, 6, 1))  # SP1 held; SP2 1 September - 1 October: overdue
    fullfor(fullfort_sp1, 1, date(2026, 6, 15))
    senere = pasient(date(2026, 9, 20))  # SP1 20 September - 18 October ... SP2 from 20 December
    register.punkter.endre(str(senere), 1, forlop.BORTFALT, idag=IDAG, grunn="Flyttet")

    rader = register.punkter.forfaller(UKE_48, IDAG)

    assert punkter(rader) == [
        (forfalt, 1, "forfalt"),
        (fullfort_sp1, 2, "forfalt"),
        (i_vindu, 1, "i_vindu"),
        (sp2_i_vindu, 2, "i_vindu"),
    ]


def test_arbeidslisten_tar_ikke_med_punkter_som_aapner_etter_perioden(
    register: Register, pasient: Callable[..., int]
) -> None:
    pid = pasient(date(2026, 9, 1))  # SP2 opens 1 December
    register.punkter.endre(str(pid), 1, forlop.BORTFALT, idag=IDAG, grunn="Flyttet")
    assert register.punkter.forfaller(UKE_48, IDAG) == []
    assert punkter(register.punkter.forfaller(UKE_49, IDAG)) == [(pid, 2, "ikke_apnet")]


def test_lukkede_punkter_kommer_aldri_paa_arbeidslisten(
    register: Register, pasient: Callable[..., int], fullfor: Callable[..., None]
) -> None:
    holdt = pasient(date(2026, 11, 2))
    fullfor(holdt, 1, IDAG)
    bortfalt = pasient(date(2026, 9, 1))
    register.punkter.endre(str(bortfalt), 1, forlop.BORTFALT, idag=IDAG, grunn="Død")
    alt = Periode(date(2026, 1, 1), date(2030, 12, 31))
    listet = {(r["pasient_id"], r["sp"]) for r in register.punkter.forfaller(alt, IDAG)}
    assert (holdt, 1) not in listet
    assert (bortfalt, 1) not in listet
    assert (holdt, 2) in listet and (bortfalt, 2) in listet


def test_avtalt_dato_avgjor_ikke_vinduet(register: Register, pasient: Callable[..., int]) -> None:
    pid = pasient(date(2026, 11, 2))  # window 2-30 November, overlaps week 48 and 49
    register.punkter.endre(str(pid), 1, forlop.AVTALT, idag=IDAG, dato=date(2026, 12, 2))
    assert register.punkter.forfaller(UKE_48, IDAG) == []
    assert punkter(register.punkter.forfaller(UKE_49, IDAG)) == [(pid, 1, "ikke_apnet")]


def test_utsatt_og_avslatt_punkt_forfaller_paa_den_nye_datoen(
    register: Register, pasient: Callable[..., int]
) -> None:
    utsatt = pasient(date(2026, 11, 2))
    register.punkter.endre(str(utsatt), 1, forlop.UTSATT, idag=IDAG, dato=date(2026, 12, 1), grunn="Innlagt")
    avslatt = pasient(date(2026, 6, 1))  # SP1 and SP2 overdue; SP2 declined, ask again on 27th
    register.punkter.endre(str(avslatt), 1, forlop.BORTFALT, idag=IDAG, grunn="Innlagt")
    register.punkter.endre(str(avslatt), 2, forlop.AVSLATT, idag=IDAG, dato=date(2026, 11, 27))
    assert punkter(register.punkter.forfaller(UKE_48, IDAG)) == [(avslatt, 2, "ikke_apnet")]
    assert punkter(register.punkter.forfaller(UKE_49, IDAG)) == [(utsatt, 1, "ikke_apnet")]
    # The day after "ask again" it is overdue, whatever period is asked for.
    senere = date(2026, 11, 28)
    rader = register.punkter.forfaller(Periode(date(2027, 3, 1), date(2027, 3, 7)), senere)
    assert (avslatt, 2, "forfalt") in punkter(rader)


def test_bare_forfalte(register: Register, pasient: Callable[..., int]) -> None:
    pasient(date(2026, 11, 2))
    forfalt = pasient(date(2026, 9, 1))
    assert punkter(register.punkter.forfaller(UKE_48, IDAG, kun_forfalte=True)) == [(forfalt, 1, "forfalt")]


def test_avsluttet_forlop_kommer_ikke_paa_arbeidslisten(
    register: Register, pasient: Callable[..., int]
) -> None:
    pid = pasient(date(2026, 9, 1))
    register.db.execute("UPDATE forlop SET status = 'avsluttet' WHERE pasient_id = ?", (pid,))
    assert register.punkter.forfaller(UKE_48, IDAG) == []


def test_arbeidslisten_filtrerer_paa_koordinator_kommune_og_ansvarlig(
    register: Register, pasient: Callable[..., int]
) -> None:
    siri_oslo = pasient(date(2026, 8, 10), koordinator="Siri Solheim", kommune="Oslo")
    tone_bodo = pasient(date(2026, 8, 10), koordinator="Tone Vik", kommune="Bodø")
    # Both: SP1 overdue (hospital), SP2 in its window (municipality).
    assert {
        r["pasient_id"] for r in register.punkter.forfaller(UKE_48, IDAG, koordinator="siri solheim")
    } == {siri_oslo}
    assert {r["pasient_id"] for r in register.punkter.forfaller(UKE_48, IDAG, kommune="Bodø")} == {tone_bodo}
    sykehus = register.punkter.forfaller(UKE_48, IDAG, ansvarlig="spesialisthelsetjenesten")
    assert {(r["sp"], r["ansvarlig"]) for r in sykehus} == {(1, "spesialisthelsetjenesten")}
    kommunen = register.punkter.forfaller(UKE_48, IDAG, ansvarlig="kommunen", kommune="oslo")
    assert punkter(kommunen) == [(siri_oslo, 2, "i_vindu")]


def test_arbeidslisten_viser_fodselsnummeret_maskert(register: Register, syntetisk_fnr: Callable) -> None:
    nummer = syntetisk_fnr()
    register.pasienter.ny(fnr=nummer, navn="Maskert", diagnosedato=date(2026, 11, 2), idag=IDAG)
    (rad,) = register.punkter.forfaller(UKE_48, IDAG)
    assert rad["fnr"] == nummer[:6] + "*****"


# --- settings ----------------------------------------------------------------------------


def test_innstillingene_har_standardverdier(db_sti: Path) -> None:
    register = Register.fra_fil(db_sti)
    try:
        verdier = register.innstillinger()
        assert verdier["sp1_uker"] == 4
        assert verdier["tillat_syntetiske"] is False
    finally:
        register.lukk()


def test_den_typede_innstillingsposten_har_hver_innstilling_i_samme_rekkefolge(db_sti: Path) -> None:
    """`Innstillinger` (the typed record) and INNSTILLINGER (the names, defaults and readers)
    name the same settings in the same order, which is the order `innstillinger --json` prints."""
    from pakkehjem.innstillinger import INNSTILLINGER, Innstillinger

    assert list(Innstillinger.__annotations__) == list(INNSTILLINGER)
    register = Register.fra_fil(db_sti)
    try:
        assert list(register.innstillinger()) == list(INNSTILLINGER)
    finally:
        register.lukk()


def test_syntetiske_numre_avvises_i_et_ekte_register(db_sti: Path, syntetisk_fnr: Callable) -> None:
    register = Register.fra_fil(db_sti)
    try:
        with pytest.raises(UgyldigInndata, match="syntetisk testnummer"):
            register.pasienter.ny(fnr=syntetisk_fnr(), navn="Test", diagnosedato=date(2026, 11, 2), idag=IDAG)
    finally:
        register.lukk()


def test_sp1_uker_gjelder_pasienter_registrert_etter_endringen(
    register: Register, pasient: Callable[..., int]
) -> None:
    for_ = pasient(date(2026, 11, 2))
    assert register.sett_innstilling("sp1_uker", "6") == 6
    etter = pasient(date(2026, 11, 2))

    def sp1_til(pid: int) -> str:
        return register.pasienter.vis(str(pid), IDAG)["forlop"][0]["samhandlingspunkter"][0]["vindu_til"]

    assert sp1_til(for_) == "2026-11-30"  # 4 weeks
    assert sp1_til(etter) == "2026-12-14"  # 6 weeks


@pytest.mark.parametrize(("navn", "verdi"), [("sp1_uker", "0"), ("sp1_uker", "fire"), ("finnes_ikke", "1")])
def test_ugyldig_innstilling_avvises_og_endrer_ingenting(register: Register, navn: str, verdi: str) -> None:
    for_ = dict(register.innstillinger())
    with pytest.raises(UgyldigInndata):
        register.sett_innstilling(navn, verdi)
    assert register.innstillinger() == for_


def test_sqlite_utils_lastes_bare_naar_en_migrering_kjorer(db_sti: Path, tmp_path: Path) -> None:
    # A command on an up-to-date register never pays for importing sqlite-utils (start-up time).
    program = (
        "import sys\n"
        "from pakkehjem.register import Register\n"
        "Register.fra_fil(sys.argv[1]).lukk()\n"
        "print('sqlite_utils' in sys.modules)\n"
    )

    def lastet(sti: Path) -> str:
        resultat = subprocess.run(
            [sys.executable, "-c", program, str(sti)], capture_output=True, text=True, timeout=60
        )
        assert resultat.returncode == 0, resultat.stderr
        return resultat.stdout.strip()

    assert lastet(db_sti) == "True"  # a new register: every migration runs
    assert lastet(db_sti) == "False"  # the same register, up to date


def test_sp3_holdt_foer_et_senere_holdt_sp1_avslutter_forlopet_paa_den_siste_holdte_dagen(
    register: Register, pasient: Callable[..., int]
) -> None:
    # Entered out of order with --bekreft: SP1 held 1 February, then SP3 held 31 January. The
    # episode ended on 31 January, before a conversation it holds (datoregler.slutt refuses
    # that for every other ending); it ends on the last day a conversation was held.
    from pakkehjem import datoregler

    pid = pasient(diagnosedato=date(2025, 1, 10))
    register.punkter.holdt(str(pid), 1, date(2026, 2, 1), "Sykehuset", idag=IDAG, bekreft=True)
    register.punkter.holdt(str(pid), 3, date(2026, 1, 31), "Kommunen", idag=IDAG, bekreft=True)
    (forlop_,) = register.punkter.forlop_rader(pid)
    assert (forlop_.status, forlop_.avsluttet_dato) == ("avsluttet", date(2026, 2, 1))
    punkter = register.punkter.punkter_i(forlop_, pid)
    siste = register.punkter.siste_holdt(forlop_, punkter)
    assert datoregler.slutt(date(2026, 2, 1), forlop_.diagnosedato, siste, IDAG) is None
