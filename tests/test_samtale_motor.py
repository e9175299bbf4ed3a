"""The conversation engine with no terminal: which question comes next, conditions, skip, back,
jumping between themes, answers that stop applying; then the register that stores every answer
the moment it is given, the conversation lock, and finishing a conversation."""

from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from pakkehjem import guide as guide_modul
from pakkehjem.feil import Avvist
from pakkehjem.guide import Guide, Sporsmal
from pakkehjem.register import Register
from pakkehjem.samtale import (
    BESVART,
    DELVIS,
    HOPPET_OVER,
    IKKE_BESOKT,
    Samtalemotor,
    guide_for_samtale,
    neste_avtale,
    svar_med_tekst,
    tiltak_og_samtykke,
)
from samtalehjelp import SPORSMAL_REKKEFOLGE, TESTGUIDE, TESTGUIDE_B

GUIDE = guide_modul.fra_tekst(TESTGUIDE, "testguide.yaml")
IDAG = date(2026, 11, 23)
TILTAK = [{"hva": "Ringe helsesykepleier", "ansvarlig": "kommunen", "frist": "2026-12-01"}]


class Minne:
    """The engine's storage callbacks, in memory: what was stored, skipped and taken back."""

    def __init__(self, svar: dict[str, Any] | None = None, hoppet_over: list[str] | None = None) -> None:
        self.svar: dict[str, Any] = dict(svar or {})
        self.hoppet_over: set[str] = set(hoppet_over or [])
        self.angret: list[str] = []

    def lagre(self, sporsmal: Sporsmal, verdi: Any, hoppet: bool) -> None:
        if hoppet:
            assert verdi is None
            self.svar.pop(sporsmal.id, None)
            self.hoppet_over.add(sporsmal.id)
        else:
            self.svar[sporsmal.id] = verdi
            self.hoppet_over.discard(sporsmal.id)

    def angre(self, sporsmal: Sporsmal) -> None:
        self.angret.append(sporsmal.id)
        self.svar.pop(sporsmal.id, None)
        self.hoppet_over.discard(sporsmal.id)


def ny_motor(
    svar: dict[str, Any] | None = None, hoppet_over: list[str] | None = None, guide: Guide = GUIDE
) -> tuple[Samtalemotor, Minne]:
    minne = Minne(svar, hoppet_over)
    return Samtalemotor(guide, dict(minne.svar), list(minne.hoppet_over), minne.lagre, minne.angre), minne


def svar(motor: Samtalemotor, sporsmal_id: str, verdi: Any) -> None:
    """Answer the question the engine asks now, checking it is the one expected."""
    sporsmal = motor.neste()
    assert sporsmal is not None and sporsmal.id == sporsmal_id, (sporsmal_id, sporsmal)
    motor.svar_med(sporsmal, verdi)


def hopp(motor: Samtalemotor, sporsmal_id: str) -> None:
    sporsmal = motor.neste()
    assert sporsmal is not None and sporsmal.id == sporsmal_id, (sporsmal_id, sporsmal)
    motor.hopp_over(sporsmal)


def gaa_gjennom(motor: Samtalemotor, svarene: dict[str, Any]) -> list[str]:
    """Answer every question asked from `svarene` (skip those not in it); the ids asked, in order."""
    spurt = []
    while (sporsmal := motor.neste()) is not None:
        spurt.append(sporsmal.id)
        if sporsmal.id in svarene:
            motor.svar_med(sporsmal, svarene[sporsmal.id])
        else:
            motor.hopp_over(sporsmal)
        assert len(spurt) < 50, "the engine must not ask forever"
    return spurt


def naa(motor: Samtalemotor) -> str | None:
    sporsmal = motor.neste()
    return sporsmal.id if sporsmal else None


# --- order and conditions ----------------------------------------------------------------


def test_alle_svar_som_aapner_oppfolging_gir_alle_sporsmal_i_guidens_rekkefolge() -> None:
    motor, _ = ny_motor()
    spurt = gaa_gjennom(
        motor,
        {"form": "kontor", "tilstede": ["pasient", "tolk"], "behov": "behov", "barn": True},
    )
    assert spurt == list(SPORSMAL_REKKEFOLGE)


def test_oppfolgingssporsmal_hoppes_over_naar_svaret_ikke_krever_dem() -> None:
    motor, _ = ny_motor()
    spurt = gaa_gjennom(motor, {"form": "kontor", "tilstede": ["pasient"], "behov": "ingen behov"})
    assert spurt == ["form", "tilstede", "behov", "belastning", "samtykke_fastlege", "neste_dato"]


def test_er_paa_et_flervalg_gjelder_naar_verdien_er_blant_de_valgte() -> None:
    motor, _ = ny_motor()
    svar(motor, "form", "hjemme")
    svar(motor, "tilstede", ["pårørende", "tolk"])
    assert naa(motor) == "tolk_navn"


@pytest.mark.parametrize("behov", ["behov", "vet ikke"])
def test_en_av_viser_oppfolging_for_hver_av_verdiene(behov: str) -> None:
    motor, _ = ny_motor({"form": "kontor", "tilstede": ["pasient"]})
    svar(motor, "behov", behov)
    assert naa(motor) == "barn"


def test_kjede_av_betingelser_oppfolging_av_en_oppfolging() -> None:
    motor, _ = ny_motor({"form": "kontor", "tilstede": ["pasient"], "behov": "behov"})
    svar(motor, "barn", False)
    assert naa(motor) == "belastning", "no children: neither the note nor the actions about them"

    motor, _ = ny_motor({"form": "kontor", "tilstede": ["pasient"], "behov": "behov"})
    svar(motor, "barn", True)
    assert naa(motor) == "barn_notat"
    svar(motor, "barn_notat", "To barn, 8 og 12 år.")
    assert naa(motor) == "barn_tiltak"


def test_er_synlig_folger_svarene_som_fortsatt_gjelder() -> None:
    # An answer left on a question that is hidden now opens nothing further down the chain.
    motor, _ = ny_motor({"behov": "ingen behov", "barn": True})
    assert not motor.er_synlig(GUIDE.sporsmal("barn"))
    assert not motor.er_synlig(GUIDE.sporsmal("barn_notat"))
    assert motor.er_synlig(GUIDE.sporsmal("belastning"))


@pytest.mark.parametrize(
    ("sporsmal_id", "skrevet", "lagret"),
    [
        ("form", "2", "kontor"),
        ("form", "Tele", "telefon"),
        ("tilstede", "1,3", ["pasient", "tolk"]),
        ("tilstede", "tolk, pasient", ["pasient", "tolk"]),
        ("tolk_navn", "Ali Hassan\nArabisk", "Ali Hassan\nArabisk"),
        ("barn", "j", True),
        ("barn", "nei", False),
        ("belastning", "7", 7),
        ("neste_dato", "20.12.2026", "2026-12-20"),
        ("barn_tiltak", "Ringe helsesykepleier; kommunen; 01.12.2026", TILTAK),
    ],
)
def test_hver_sporsmalstype_lagres_normalisert(sporsmal_id: str, skrevet: str, lagret: Any) -> None:
    forut = {"form": "kontor", "tilstede": ["tolk"], "behov": "behov", "barn": True}
    forut.pop(sporsmal_id, None)
    motor, minne = ny_motor(forut)
    assert motor.ga_til_tema(GUIDE.tema_for(sporsmal_id)) is not None
    sporsmal = GUIDE.sporsmal(sporsmal_id)
    assert motor.er_synlig(sporsmal)
    motor.svar_med(sporsmal, guide_modul.les_tekst(sporsmal, skrevet))
    assert minne.svar[sporsmal_id] == lagret
    assert motor.svar[sporsmal_id] == lagret


# --- skip, back, jump ----------------------------------------------------------------------


def test_hopp_over_lagres_som_hoppet_over_og_gaar_videre() -> None:
    motor, minne = ny_motor()
    svar(motor, "form", "kontor")
    hopp(motor, "tilstede")
    assert minne.hoppet_over == {"tilstede"} and "tilstede" not in minne.svar
    assert motor.er_behandlet(GUIDE.sporsmal("tilstede"))
    assert naa(motor) == "behov", "an unanswered multiple choice opens none of its follow-ups"


def test_hopp_over_et_besvart_sporsmal_tar_bort_svaret() -> None:
    motor, minne = ny_motor()
    svar(motor, "form", "kontor")
    motor.tilbake()
    hopp(motor, "form")
    assert "form" not in motor.svar and "form" not in minne.svar and "form" in minne.hoppet_over


def test_tilbake_stiller_forrige_sporsmal_igjen_og_beholder_svaret_til_et_nytt_gis() -> None:
    motor, minne = ny_motor()
    svar(motor, "form", "kontor")
    svar(motor, "tilstede", ["pasient"])
    assert naa(motor) == "behov"

    forrige = motor.tilbake()
    assert forrige is not None and forrige.id == "tilstede"
    assert naa(motor) == "tilstede"
    assert motor.svar["tilstede"] == ["pasient"] and minne.svar["tilstede"] == ["pasient"]

    assert motor.tilbake().id == "form"  # type: ignore[union-attr]
    assert motor.svar["form"] == "kontor"
    svar(motor, "form", "telefon")
    assert minne.svar["form"] == "telefon"
    # Everything between is still answered: on to where the conversation was.
    assert naa(motor) == "behov"


def test_tilbake_og_nytt_svar_som_aapner_oppfolging_spor_den() -> None:
    motor, _ = ny_motor()
    svar(motor, "form", "kontor")
    svar(motor, "tilstede", ["pasient"])
    motor.tilbake()
    svar(motor, "tilstede", ["pasient", "tolk"])
    assert naa(motor) == "tolk_navn"


def test_tilbake_ved_forste_sporsmal_gir_ingenting() -> None:
    motor, _ = ny_motor()
    assert motor.tilbake() is None
    assert naa(motor) == "form"


def test_tilbake_hopper_over_sporsmal_som_ikke_lenger_stilles() -> None:
    motor, _ = ny_motor({"form": "kontor", "tilstede": ["pasient"]})
    svar(motor, "behov", "behov")
    svar(motor, "barn", True)
    svar(motor, "barn_notat", "To barn.")
    svar(motor, "barn_tiltak", TILTAK)
    # The coordinator jumps back to the theme and changes the need: the children's questions go.
    assert motor.ga_til_tema(GUIDE.finn_tema("familie")).id == "behov"  # type: ignore[union-attr]
    svar(motor, "behov", "ingen behov")
    assert naa(motor) == "belastning"
    assert motor.tilbake().id == "behov"  # type: ignore[union-attr]
    # Before it, the children's questions were answered; they are not asked any more.
    forrige = motor.tilbake()
    assert forrige is not None and forrige.id == "behov"
    assert motor.tilbake() is None


def test_ga_til_tema_og_fortsette_derfra_og_saa_det_som_staar_igjen() -> None:
    motor, _ = ny_motor()
    svar(motor, "form", "hjemme")
    assert motor.ga_til_tema(GUIDE.finn_tema("slutt")).id == "belastning"  # type: ignore[union-attr]
    svar(motor, "belastning", 3)
    svar(motor, "samtykke_fastlege", True)
    svar(motor, "neste_dato", "2026-12-20")
    # After the last theme: round to the first question still open.
    assert naa(motor) == "tilstede"


def test_ga_til_et_ferdig_tema_gir_det_forste_sporsmalet_for_aa_endre_svar() -> None:
    motor, _ = ny_motor({"form": "kontor", "tilstede": ["pasient"]})
    assert motor.ga_til_tema(GUIDE.finn_tema("start")).id == "form"  # type: ignore[union-attr]


def test_ga_til_tema_gir_forste_aapne_sporsmal_i_temaet() -> None:
    motor, _ = ny_motor({"behov": "behov", "barn": True})
    assert motor.ga_til_tema(GUIDE.finn_tema("familie")).id == "barn_notat"  # type: ignore[union-attr]


def test_ga_til_tema_uten_synlige_sporsmal_gir_ingenting() -> None:
    guide = guide_modul.fra_tekst(
        TESTGUIDE
        + """\
  - id: barna
    tittel: "Barna"
    sporsmal:
      - id: barna_skole
        tekst: "Vet skolen om sykdommen?"
        type: janei
        vis_hvis: {sporsmal: barn, er: true}
"""
    )
    motor, _ = ny_motor(guide=guide)
    assert motor.ga_til_tema(guide.finn_tema("barna")) is None
    assert naa(motor) == "form"


# --- changed answers -------------------------------------------------------------------


def test_endret_svar_som_skjuler_oppfolging_fjerner_svarene_ogsaa_i_kjeden() -> None:
    motor, minne = ny_motor({"form": "kontor", "tilstede": ["pasient"]})
    svar(motor, "behov", "behov")
    svar(motor, "barn", True)
    svar(motor, "barn_notat", "To barn.")
    svar(motor, "barn_tiltak", TILTAK)

    motor.ga_til_tema(GUIDE.finn_tema("familie"))
    svar(motor, "behov", "ingen behov")

    assert sorted(minne.angret) == ["barn", "barn_notat", "barn_tiltak"]
    for sid in ("barn", "barn_notat", "barn_tiltak"):
        assert sid not in motor.svar and sid not in minne.svar
    assert minne.svar["behov"] == "ingen behov"


def test_endret_svar_i_midten_av_kjeden_fjerner_bare_det_som_henger_under() -> None:
    motor, minne = ny_motor({"form": "kontor", "tilstede": ["pasient"], "behov": "behov"})
    svar(motor, "barn", True)
    svar(motor, "barn_notat", "To barn.")
    assert naa(motor) == "barn_tiltak"
    motor.tilbake()
    assert motor.tilbake().id == "barn"  # type: ignore[union-attr]
    svar(motor, "barn", False)
    assert minne.angret == ["barn_notat"]
    assert minne.svar["barn"] is False and minne.svar["behov"] == "behov"


def test_endret_flervalg_fjerner_oppfolgingen_til_valget_som_ble_tatt_bort() -> None:
    motor, minne = ny_motor()
    svar(motor, "form", "kontor")
    svar(motor, "tilstede", ["pasient", "tolk"])
    svar(motor, "tolk_navn", "Ali")
    motor.tilbake()
    motor.tilbake()
    svar(motor, "tilstede", ["pasient"])
    assert minne.angret == ["tolk_navn"] and "tolk_navn" not in minne.svar


def test_skjult_oppfolging_som_var_hoppet_over_fjernes_ogsaa() -> None:
    # Otherwise a resumed conversation would count it as dealt with when it is shown again.
    motor, minne = ny_motor({"form": "kontor", "tilstede": ["pasient"]})
    svar(motor, "behov", "behov")
    hopp(motor, "barn")
    motor.ga_til_tema(GUIDE.finn_tema("familie"))
    svar(motor, "behov", "ingen behov")
    assert "barn" in minne.angret and "barn" not in minne.hoppet_over
    motor.ga_til_tema(GUIDE.finn_tema("familie"))
    svar(motor, "behov", "behov")
    assert naa(motor) == "barn"


# --- progress, required questions, the end ------------------------------------------------


def test_tema_status_sier_hva_som_er_svart_ikke_hvor_man_har_vaert() -> None:
    motor, _ = ny_motor()
    start, familie, slutt = GUIDE.tema
    assert [motor.tema_status(t) for t in GUIDE.tema] == [IKKE_BESOKT] * 3
    svar(motor, "form", "kontor")
    assert motor.tema_status(start) == DELVIS
    hopp(motor, "tilstede")
    assert motor.tema_status(start) == DELVIS, "a skipped question is not an answered one"
    svar(motor, "behov", "behov")
    assert motor.tema_status(familie) == DELVIS, "the need opened the question about children"
    svar(motor, "barn", False)
    assert motor.tema_status(familie) == BESVART, "a hidden question does not count"
    assert motor.tema_status(slutt) == IKKE_BESOKT
    hopp(motor, "belastning")
    assert motor.tema_status(slutt) == HOPPET_OVER


def test_tema_kan_velges_med_nummer_eller_begynnelsen_av_navnet() -> None:
    motor, _ = ny_motor()
    start, familie, slutt = GUIDE.tema
    assert motor.finn_tema("2") == [familie]
    assert motor.finn_tema("fam") == [familie]
    assert motor.finn_tema("AVSLUTNING") == [slutt]
    assert motor.finn_tema("slutt") == [slutt], "the theme's id works too"
    assert motor.finn_tema("4") == [] and motor.finn_tema("0") == []
    assert motor.finn_tema("xyz") == [] and motor.finn_tema("") == []


def test_mangler_pakrevd_gjelder_bare_sporsmal_som_stilles() -> None:
    motor, _ = ny_motor()
    assert motor.mangler_pakrevd() == ["form"]
    hopp(motor, "form")
    assert motor.mangler_pakrevd() == ["form"], "skipping a required question leaves it missing"
    svar(motor, "tilstede", ["pasient"])
    svar(motor, "behov", "vet ikke")
    assert motor.mangler_pakrevd() == ["form", "barn"]
    motor.ga_til_tema(GUIDE.finn_tema("start"))
    svar(motor, "form", "kontor")
    svar(motor, "barn", False)
    assert motor.mangler_pakrevd() == []


def test_neste_er_ingenting_naar_alle_synlige_sporsmal_er_behandlet() -> None:
    motor, _ = ny_motor()
    gaa_gjennom(motor, {"form": "kontor"})
    assert motor.neste() is None
    assert motor.mangler_pakrevd() == []
    assert [motor.tema_status(t) for t in GUIDE.tema] == [DELVIS, HOPPET_OVER, HOPPET_OVER]


def test_gjenopptatt_samtale_fortsetter_ved_forste_ubehandlede_sporsmal() -> None:
    motor, _ = ny_motor({"form": "kontor", "behov": "ingen behov"}, hoppet_over=["tilstede"])
    assert naa(motor) == "belastning"
    assert motor.tema_nr(GUIDE.sporsmal("belastning")) == (3, 3)


def test_tiltak_og_samtykke_sier_hva_et_svar_gir_i_tillegg() -> None:
    assert tiltak_og_samtykke(GUIDE.sporsmal("barn_tiltak"), TILTAK) == (TILTAK, None)
    assert tiltak_og_samtykke(GUIDE.sporsmal("samtykke_fastlege"), True) == (None, "fastlege")
    assert tiltak_og_samtykke(GUIDE.sporsmal("form"), "kontor") == (None, None)


def test_neste_avtale_fra_datosporsmalet() -> None:
    assert neste_avtale(GUIDE, {"neste_dato": "2026-12-20"}) == (date(2026, 12, 20), None, None)
    assert neste_avtale(GUIDE, {"form": "kontor"}) is None


# --- the register: every answer stored as it is given ---------------------------------------


@pytest.fixture
def register(testregister: Path) -> Iterator[Register]:
    """An open test register that takes synthetic numbers (a copy of one made once)."""
    reg = Register.fra_fil(testregister)
    yield reg
    reg.lukk()


@pytest.fixture
def pasient(register: Register, syntetisk_fnr: Callable[..., str]) -> int:
    """A patient diagnosed 2 November 2026: SP1 is due now."""
    return register.pasienter.ny(
        fnr=syntetisk_fnr(), navn="Kari Testesen", diagnosedato=date(2026, 11, 2), idag=IDAG
    )


@pytest.fixture
def guide_ref(register: Register) -> int:
    return register.samtaler.lagre_guide(GUIDE.id, GUIDE.versjon, GUIDE.kilde)


@pytest.fixture
def samtale(register: Register, pasient: int, guide_ref: int) -> int:
    """A conversation for SP1 started now, its lock held by this process."""
    return register.samtaler.begynn_eller_fortsett(str(pasient), None, IDAG, guide_ref, min_eier())["id"]


def min_eier() -> str:
    return f"{os.getpid()}@{socket.gethostname()}"


def les(db_sti: Path, sql: str, *verdier: Any) -> list[tuple]:
    """Rows read through a connection of their own: what another process would see."""
    tilkobling = sqlite3.connect(db_sti)
    try:
        return tilkobling.execute(sql, verdier).fetchall()
    finally:
        tilkobling.close()


def lagre(register: Register, samtale_id: int, sporsmal_id: str, verdi: Any, hoppet: bool = False) -> None:
    """Store an answer the way the terminal does."""
    tiltak, samtykke = tiltak_og_samtykke(GUIDE.sporsmal(sporsmal_id), verdi)
    register.samtaler.lagre_svar(
        samtale_id, sporsmal_id, verdi, hoppet_over=hoppet, tiltak=tiltak, samtykke=samtykke
    )


def sp_status(register: Register, pasient: int, sp: int) -> dict[str, Any]:
    data = register.pasienter.vis(str(pasient), IDAG)
    return next(s for s in data["forlop"][0]["samhandlingspunkter"] if s["sp"] == sp)


def test_apne_samtale_starter_en_ny_for_forste_aapne_punkt(
    register: Register, pasient: int, guide_ref: int
) -> None:
    data = register.samtaler.begynn_eller_fortsett(str(pasient), None, IDAG, guide_ref, min_eier())
    assert data["ny"] is True
    assert (data["sp"], data["forlop"], data["status"], data["dato"]) == (1, 1, "pagar", "2026-11-23")
    assert data["svar"] == {} and data["hoppet_over"] == []
    assert data["guide_ref"] == guide_ref


def test_hvert_svar_er_i_registeret_med_en_gang(register: Register, samtale: int, db_sti: Path) -> None:
    lagre(register, samtale, "form", "kontor")
    assert les(db_sti, "SELECT sporsmal_id, verdi, hoppet_over FROM svar WHERE samtale_id = ?", samtale) == [
        ("form", '"kontor"', 0)
    ]
    lagre(register, samtale, "tilstede", None, hoppet=True)
    assert les(db_sti, "SELECT verdi, hoppet_over FROM svar WHERE sporsmal_id = 'tilstede'") == [(None, 1)]


def test_gjenopptatt_samtale_har_svarene_og_det_som_ble_hoppet_over(
    register: Register, pasient: int, guide_ref: int, samtale: int
) -> None:
    lagre(register, samtale, "form", "kontor")
    lagre(register, samtale, "tilstede", None, hoppet=True)
    lagre(register, samtale, "behov", "behov")
    register.samtaler.slipp(samtale, min_eier())
    data = register.samtaler.begynn_eller_fortsett(str(pasient), None, IDAG, guide_ref, min_eier())
    assert data["ny"] is False and data["id"] == samtale
    assert data["svar"] == {"form": "kontor", "behov": "behov"}
    assert data["hoppet_over"] == ["tilstede"]


def test_tiltak_gir_tiltaksrader_og_nytt_svar_erstatter_dem(
    register: Register, samtale: int, db_sti: Path
) -> None:
    to = [*TILTAK, {"hva": "Samtale med barna", "ansvarlig": "pasienten", "frist": None}]
    lagre(register, samtale, "barn_tiltak", to)
    assert les(db_sti, "SELECT hva, ansvarlig, frist, status FROM tiltak ORDER BY id") == [
        ("Ringe helsesykepleier", "kommunen", "2026-12-01", "apen"),
        ("Samtale med barna", "pasienten", None, "apen"),
    ]
    lagre(register, samtale, "barn_tiltak", TILTAK)
    assert les(db_sti, "SELECT hva FROM tiltak") == [("Ringe helsesykepleier",)]
    lagre(register, samtale, "barn_tiltak", None, hoppet=True)
    assert les(db_sti, "SELECT count(*) FROM tiltak") == [(0,)]


def test_samtykkesvar_gir_samtykkerad_med_samtalens_dato(
    register: Register, samtale: int, db_sti: Path
) -> None:
    lagre(register, samtale, "samtykke_fastlege", True)
    assert les(db_sti, "SELECT mottaker, svar, dato, kilde, samtale_id FROM samtykke") == [
        ("fastlege", "ja", "2026-11-23", "samtale", samtale)
    ]
    lagre(register, samtale, "samtykke_fastlege", False)
    assert les(db_sti, "SELECT svar FROM samtykke") == [("nei",)]


def test_angre_svar_tar_bort_svaret_med_tiltak_og_samtykke(
    register: Register, samtale: int, db_sti: Path
) -> None:
    lagre(register, samtale, "barn_tiltak", TILTAK)
    lagre(register, samtale, "samtykke_fastlege", True)
    register.samtaler.angre_svar(samtale, "barn_tiltak")
    register.samtaler.angre_svar(samtale, "samtykke_fastlege", "fastlege")
    for tabell in ("svar", "tiltak", "samtykke"):
        assert les(db_sti, f"SELECT count(*) FROM {tabell}") == [(0,)], tabell


def test_motoren_med_registeret_fjerner_rader_for_skjulte_oppfolgingssporsmal(
    register: Register, samtale: int, db_sti: Path
) -> None:
    def lagre_kall(sporsmal: Sporsmal, verdi: Any, hoppet: bool) -> None:
        lagre(register, samtale, sporsmal.id, verdi, hoppet)

    def angre_kall(sporsmal: Sporsmal) -> None:
        register.samtaler.angre_svar(samtale, sporsmal.id, sporsmal.samtykke)

    motor = Samtalemotor(GUIDE, {}, [], lagre_kall, angre_kall)
    svar(motor, "form", "kontor")
    hopp(motor, "tilstede")
    svar(motor, "behov", "behov")
    svar(motor, "barn", True)
    svar(motor, "barn_notat", "To barn.")
    svar(motor, "barn_tiltak", TILTAK)
    assert les(db_sti, "SELECT count(*) FROM tiltak") == [(1,)]

    motor.ga_til_tema(GUIDE.finn_tema("familie"))
    svar(motor, "behov", "ingen behov")
    assert sorted(r[0] for r in les(db_sti, "SELECT sporsmal_id FROM svar")) == ["behov", "form", "tilstede"]
    assert les(db_sti, "SELECT count(*) FROM tiltak") == [(0,)]


def test_begynn_paa_nytt_sletter_svar_tiltak_og_samtykke(
    register: Register, samtale: int, db_sti: Path
) -> None:
    lagre(register, samtale, "form", "kontor")
    lagre(register, samtale, "barn_tiltak", TILTAK)
    lagre(register, samtale, "samtykke_fastlege", True)
    register.samtaler.begynn_pa_nytt(samtale)
    for tabell in ("svar", "tiltak", "samtykke"):
        assert les(db_sti, f"SELECT count(*) FROM {tabell}") == [(0,)], tabell
    assert les(db_sti, "SELECT status FROM samtale") == [("pagar",)]


# --- finishing -----------------------------------------------------------------------------


def test_fullfor_setter_punktet_gjennomfort_paa_samtalens_dato(
    register: Register, pasient: int, guide_ref: int
) -> None:
    dato = date(2026, 11, 20)
    samtale = register.samtaler.begynn_eller_fortsett(str(pasient), 1, dato, guide_ref, min_eier())["id"]
    lagre(register, samtale, "form", "kontor")
    resultat = register.samtaler.fullfor(samtale, idag=IDAG)
    assert (resultat["sp"], resultat["samtale_id"]) == (1, samtale)
    assert resultat["neste"]["sp"] == 2 and resultat["neste"]["status"] == "planlagt"
    sp1 = sp_status(register, pasient, 1)
    assert (sp1["status"], sp1["dato"]) == ("gjennomfort", "2026-11-20")
    data = register.pasienter.vis(str(pasient), IDAG)
    assert data["samtaler"][0]["status"] == "fullfort"
    assert data["samtaler"][0]["svar"] == {"form": "kontor"}


def test_fullfor_med_neste_avtale_booker_neste_punkt(register: Register, pasient: int, samtale: int) -> None:
    lagre(register, samtale, "neste_dato", "2027-02-10")
    avtale = neste_avtale(GUIDE, {"neste_dato": "2027-02-10"})
    resultat = register.samtaler.fullfor(samtale, idag=IDAG, neste_avtale=avtale)
    assert resultat["neste"]["status"] == "avtalt" and resultat["neste"]["dato"] == "2027-02-10"
    sp2 = sp_status(register, pasient, 2)
    assert (sp2["status"], sp2["dato"]) == ("avtalt", "2027-02-10")


def test_fullfort_samtale_kan_ikke_endres_og_punktet_kan_ikke_aapnes_igjen(
    register: Register, pasient: int, guide_ref: int, samtale: int
) -> None:
    register.samtaler.fullfor(samtale, idag=IDAG)
    with pytest.raises(Avvist):
        lagre(register, samtale, "form", "hjemme")
    with pytest.raises(Avvist):
        register.samtaler.fullfor(samtale, idag=IDAG)
    with pytest.raises(Avvist, match="gjennomført"):
        register.samtaler.begynn_eller_fortsett(str(pasient), 1, IDAG, guide_ref, min_eier())
    # The next conversation is for the next open contact point.
    assert register.samtaler.begynn_eller_fortsett(str(pasient), None, IDAG, guide_ref, min_eier())["sp"] == 2


def test_gammel_samtale_viser_tekstene_fra_guiden_den_ble_holdt_med(
    register: Register, pasient: int, samtale: int
) -> None:
    lagre(register, samtale, "form", "kontor")
    register.samtaler.fullfor(samtale, idag=IDAG)
    register.samtaler.lagre_guide("testguide", "2", TESTGUIDE_B)  # a newer guide in use from now on
    data = register.pasienter.vis(str(pasient), IDAG)["samtaler"][0]
    assert svar_med_tekst(register, data) == [("Hvordan holdes samtalen?", "kontor")]
    assert guide_for_samtale(register, data["guide_ref"]).versjon == "1"


def test_samme_guidetekst_lagres_bare_en_gang(register: Register) -> None:
    forste = register.samtaler.lagre_guide(GUIDE.id, GUIDE.versjon, GUIDE.kilde)
    assert register.samtaler.lagre_guide(GUIDE.id, GUIDE.versjon, GUIDE.kilde) == forste
    assert register.samtaler.lagre_guide("testguide", "2", TESTGUIDE_B) != forste


# --- the lock: one coordinator per conversation --------------------------------------------


@pytest.fixture
def annen_levende_prosess() -> Iterator[int]:
    """The pid of another process on this machine that is alive while the test runs."""
    prosess = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        yield prosess.pid
    finally:
        prosess.kill()
        prosess.wait()


def dod_pid() -> int:
    """The pid of a process that has ended (and been reaped)."""
    prosess = subprocess.Popen([sys.executable, "-c", "pass"])
    prosess.wait()
    return prosess.pid


def test_en_annen_kan_ikke_aapne_samtalen_mens_eieren_lever(
    register: Register, pasient: int, guide_ref: int, samtale: int, annen_levende_prosess: int
) -> None:
    lagre(register, samtale, "form", "kontor")
    annen = f"{annen_levende_prosess}@{socket.gethostname()}"
    with pytest.raises(Avvist, match="åpen hos en annen bruker"):
        register.samtaler.begynn_eller_fortsett(str(pasient), None, IDAG, guide_ref, annen)
    # The holder itself may open it again (a second prompt in the same process).
    assert register.samtaler.begynn_eller_fortsett(str(pasient), None, IDAG, guide_ref, min_eier())[
        "svar"
    ] == {"form": "kontor"}


def test_en_annen_maskins_laas_respekteres(register: Register, pasient: int, guide_ref: int) -> None:
    register.samtaler.begynn_eller_fortsett(str(pasient), None, IDAG, guide_ref, "4242@en-annen-maskin")
    with pytest.raises(Avvist):
        register.samtaler.begynn_eller_fortsett(str(pasient), None, IDAG, guide_ref, min_eier())


def test_laas_fra_en_prosess_som_er_borte_overtas(
    register: Register, pasient: int, guide_ref: int, db_sti: Path
) -> None:
    borte = f"{dod_pid()}@{socket.gethostname()}"
    samtale = register.samtaler.begynn_eller_fortsett(str(pasient), None, IDAG, guide_ref, borte)["id"]
    lagre(register, samtale, "form", "kontor")
    data = register.samtaler.begynn_eller_fortsett(str(pasient), None, IDAG, guide_ref, min_eier())
    assert data["id"] == samtale and data["svar"] == {"form": "kontor"}
    assert les(db_sti, "SELECT las_eier FROM samtale") == [(min_eier(),)]


def test_slipp_samtale_lar_en_annen_ta_over(
    register: Register, pasient: int, guide_ref: int, samtale: int, annen_levende_prosess: int
) -> None:
    register.samtaler.slipp(samtale, min_eier())
    annen = f"{annen_levende_prosess}@{socket.gethostname()}"
    assert (
        register.samtaler.begynn_eller_fortsett(str(pasient), None, IDAG, guide_ref, annen)["id"] == samtale
    )


def test_laas_som_ikke_er_fornyet_paa_lenge_regnes_som_foreldet(
    register: Register, pasient: int, guide_ref: int, db_sti: Path
) -> None:
    samtale = register.samtaler.begynn_eller_fortsett(
        str(pasient), None, IDAG, guide_ref, "4242@en-annen-maskin"
    )["id"]
    gammel = (datetime.now().astimezone() - timedelta(hours=13)).isoformat(timespec="seconds")
    tilkobling = sqlite3.connect(db_sti)
    with tilkobling:
        tilkobling.execute("UPDATE samtale SET las_tid = ? WHERE id = ?", (gammel, samtale))
    tilkobling.close()
    assert (
        register.samtaler.begynn_eller_fortsett(str(pasient), None, IDAG, guide_ref, min_eier())["id"]
        == samtale
    )
