"""`pakkehjem samtale` in a real terminal (a pseudo-terminal through pexpect), with the line
editor: a whole conversation, editing with the arrow keys, Ctrl-C / SIGHUP / SIGTERM / SIGKILL
with half-typed text (kept as a draft and offered back), notes over several lines, commands that
are never stored as text, the menu by name, `ferdig`, actions as a list, a scale's anchors from
the prompt to the letters, a closed terminal, and two coordinators at once.

Each test runs `python -m pakkehjem --db FILE samtale REF` as its own process, the way a
coordinator does, and reads the register afterwards to see what was kept."""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pexpect
import pytest

from hjelp import json_ut
from samtalehjelp import skriv_guide

IDAG = date.today()
# Keys as a terminal sends them.
VENSTRE, HOYRE, HJEM, SLUTT = "\x1b[D", "\x1b[C", "\x1b[H", "\x1b[F"
CTRL_A, CTRL_E, CTRL_U, CTRL_W, BACKSPACE = "\x01", "\x05", "\x15", "\x17", "\x7f"
ALT_ENTER = "\x1b\r"
DIAGNOSEDATO = IDAG - timedelta(days=21)
NESTE_DATO = IDAG + timedelta(days=60)
FRIST = IDAG + timedelta(days=14)


@pytest.fixture
def pasient(kjor: Callable, testregister: Path, ny_pasient: Callable, tmp_path: Path) -> int:
    """A patient whose SP1 is due now, in a register that uses the small test guide."""
    assert kjor("innstillinger", "guide", skriv_guide(tmp_path)).exit_code == 0
    return ny_pasient(DIAGNOSEDATO.isoformat(), dato=IDAG.isoformat())["id"]


@pytest.fixture
def samtale(db_sti: Path) -> Callable[..., pexpect.spawn]:
    """Start `pakkehjem samtale` in a terminal of its own; every child is gone after the test."""
    barn: list[pexpect.spawn] = []

    def start(pasient: int, *valg: str) -> pexpect.spawn:
        # PROMPT_TOOLKIT_NO_CPR: pexpect is no terminal emulator and never answers the editor's
        # cursor-position request (a real terminal does).
        miljo = {
            **os.environ,
            "PAKKEHJEM_DB": str(db_sti),
            "NO_COLOR": "1",
            "TERM": "xterm",
            "PROMPT_TOOLKIT_NO_CPR": "1",
        }
        miljo.pop("COLUMNS", None)
        miljo.pop("LINES", None)
        prosess = pexpect.spawn(
            sys.executable,
            ["-m", "pakkehjem", "--db", str(db_sti), "samtale", str(pasient), *valg],
            env=miljo,
            encoding="utf-8",
            dimensions=(40, 120),
            timeout=10,
        )
        prosess.delaybeforesend = None  # each answer waits for its question anyway
        barn.append(prosess)
        return prosess

    yield start
    for prosess in barn:
        if prosess.isalive():
            prosess.close(force=True)


def svar(prosess: pexpect.spawn, sporsmal: str, *linjer: str) -> None:
    """Wait for the question, then type the lines."""
    prosess.expect_exact(sporsmal)
    for linje in linjer:
        prosess.sendline(linje)


def taster(prosess: pexpect.spawn, vent: str, tastetrykk: str) -> None:
    """Wait until the editor shows `vent` (the prompt and what stands in it), then press the keys."""
    prosess.expect_exact(vent)
    prosess.send(tastetrykk)


def avslutt(prosess: pexpect.spawn) -> int:
    """Wait for the process to end; its exit status."""
    prosess.expect(pexpect.EOF)
    prosess.close()
    return prosess.exitstatus


def vis(kjor: Callable, pasient: int) -> dict[str, Any]:
    return json_ut(kjor("vis", pasient, "--json"))


def punkt(data: dict[str, Any], sp: int) -> dict[str, Any]:
    return next(s for s in data["forlop"][0]["samhandlingspunkter"] if s["sp"] == sp)


def test_en_hel_samtale_i_terminalen(kjor: Callable, pasient: int, samtale: Callable) -> None:
    p = samtale(pasient)
    p.expect_exact("Kartleggingssamtale")
    p.expect_exact("Tema 1 av 3: Start")
    svar(p, "Hvordan holdes samtalen?", "kontor")
    svar(p, "Hvem er til stede?", "1,3")
    svar(p, "Navn på tolken", "Ali Hassan")
    p.expect_exact("Tema 2 av 3: Familie")
    svar(p, "Behov for hjelp med familien?", "2")
    svar(p, "Har du barn under 18?", "j")
    svar(p, "Om barna", "To barn, 8 og 12 år.")
    svar(p, "Tiltak 1, hva:", "Ringe helsesykepleier")
    svar(p, "Hvem har ansvaret", "kommunen")
    svar(p, "Frist", FRIST.strftime("%d.%m.%Y"))
    svar(p, "Tiltak 2, hva:", "")
    p.expect_exact("Tema 3 av 3: Avslutning")
    svar(p, "Belastning fra 0 til 10", "6")
    p.expect_exact("følg opp belastningen")
    svar(p, "Samtykke til å sende oppsummeringen til fastlegen?", "ja")
    svar(p, "Dato for neste samtale", NESTE_DATO.strftime("%d.%m.%Y"))
    p.expect_exact("Oppsummering")
    p.expect_exact("Ringe helsesykepleier")
    svar(p, "[J/n]", "")
    p.expect_exact("Samtalen er fullført. SP1 er gjennomført.")
    assert avslutt(p) == 0

    data = vis(kjor, pasient)
    [s] = data["samtaler"]
    assert s["status"] == "fullfort"
    assert s["svar"]["barn_tiltak"] == [
        {"hva": "Ringe helsesykepleier", "ansvarlig": "kommunen", "frist": FRIST.isoformat()}
    ]
    assert len(s["svar"]) == 10
    assert (punkt(data, 1)["status"], punkt(data, 1)["dato"]) == ("gjennomfort", IDAG.isoformat())
    assert (punkt(data, 2)["status"], punkt(data, 2)["dato"]) == ("avtalt", NESTE_DATO.isoformat())
    assert [(t["mottaker"], t["svar"]) for t in data["samtykke"]] == [("fastlege", "ja")]


def test_ctrl_c_midt_i_samtalen_og_fortsette_der_dere_slapp(
    kjor: Callable, pasient: int, samtale: Callable
) -> None:
    p = samtale(pasient)
    svar(p, "Hvordan holdes samtalen?", "hjemme")
    svar(p, "Hvem er til stede?", "pasient, pårørende")
    svar(p, "Behov for hjelp med familien?", "vet ikke")
    p.expect_exact("Har du barn under 18?")
    p.expect_exact("(ja/nei)")
    p.sendcontrol("c")
    p.expect_exact("Samtalen er lagret med alt som er svart så langt")
    p.expect_exact(f"pakkehjem samtale {pasient} --sp 1")
    assert avslutt(p) == 130

    forventet = {"form": "hjemme", "tilstede": ["pasient", "pårørende"], "behov": "vet ikke"}
    data = vis(kjor, pasient)
    assert data["samtaler"][0]["status"] == "pagar"
    assert data["samtaler"][0]["svar"] == forventet

    p = samtale(pasient)
    p.expect_exact("Det finnes en påbegynt samtale for SP1")
    p.expect_exact("med 3 svar")
    svar(p, "Fortsette der dere slapp?", "")
    # On where it stopped: the question that was open when Ctrl-C came.
    svar(p, "Har du barn under 18?", "nei")
    svar(p, "Belastning fra 0 til 10", "pause")
    p.expect_exact("Samtalen er lagret")
    assert avslutt(p) == 0
    assert vis(kjor, pasient)["samtaler"][0]["svar"] == {**forventet, "barn": False}


def test_ugyldig_skalaverdi_avvises_og_staar_igjen_til_retting(
    kjor: Callable, pasient: int, samtale: Callable
) -> None:
    p = samtale(pasient)
    svar(p, "Hvordan holdes samtalen?", "telefon")
    svar(p, "Hvem er til stede?", "")
    svar(p, "Behov for hjelp med familien?", "ingen behov")
    p.expect_exact("Belastning fra 0 til 10")
    # The scale's two ends are in the prompt: 7 means nothing without them.
    svar(p, "(0 = ingen belastning … 10 = ekstrem belastning)", "11")
    p.expect_exact("Tallet må være fra 0 til 10.")
    # The refused answer stays in the editor: Backspace twice and type again; Ctrl-U empties it.
    taster(p, "ekstrem belastning) 11", BACKSPACE * 2 + "ti\r")
    p.expect_exact("Skriv et helt tall fra 0 til 10.")
    taster(p, "ekstrem belastning) ti", CTRL_U + "3\r")
    svar(p, "Samtykke til å sende oppsummeringen til fastlegen?", "pause")
    assert avslutt(p) == 0
    assert vis(kjor, pasient)["samtaler"][0]["svar"] == {
        "form": "telefon",
        "behov": "ingen behov",
        "belastning": 3,
    }


def test_lukket_terminal_beholder_svarene_og_en_ny_kjoring_tar_over(
    kjor: Callable, pasient: int, samtale: Callable
) -> None:
    p = samtale(pasient)
    svar(p, "Hvordan holdes samtalen?", "kontor")
    svar(p, "Hvem er til stede?", "tolk")
    p.expect_exact("Navn på tolken")
    p.close(force=True)  # the terminal window is closed: SIGHUP
    assert not p.isalive()

    p = samtale(pasient)
    svar(p, "Fortsette der dere slapp?", "")
    svar(p, "Navn på tolken", "pause")
    assert avslutt(p) == 0
    assert vis(kjor, pasient)["samtaler"][0]["svar"] == {"form": "kontor", "tilstede": ["tolk"]}


def test_en_prosess_som_doede_uten_aa_rydde_holder_ikke_samtalen_laast(
    kjor: Callable, pasient: int, samtale: Callable
) -> None:
    p = samtale(pasient)
    svar(p, "Hvordan holdes samtalen?", "kontor")
    p.expect_exact("Hvem er til stede?")
    p.kill(signal.SIGKILL)  # no chance to release the lock
    p.expect(pexpect.EOF)
    p.close()

    p = samtale(pasient)
    svar(p, "Fortsette der dere slapp?", "")
    svar(p, "Hvem er til stede?", "pause")
    assert avslutt(p) == 0
    assert vis(kjor, pasient)["samtaler"][0]["svar"] == {"form": "kontor"}


def test_to_koordinatorer_i_hver_sin_terminal(kjor: Callable, pasient: int, samtale: Callable) -> None:
    forste = samtale(pasient)
    svar(forste, "Hvordan holdes samtalen?", "kontor")
    forste.expect_exact("Hvem er til stede?")

    andre = samtale(pasient)
    andre.expect_exact("åpen hos en annen bruker")
    assert avslutt(andre) == 1

    svar(forste, "(numre eller ord, skilt med komma)", "pause")
    assert avslutt(forste) == 0
    andre = samtale(pasient)
    svar(andre, "Fortsette der dere slapp?", "")
    svar(andre, "Hvem er til stede?", "pause")
    assert avslutt(andre) == 0
