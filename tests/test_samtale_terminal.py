"""`pakkehjem samtale` in a real terminal (a pseudo-terminal driven through pexpect), with the line
editor: a whole conversation, editing with the arrow keys, Ctrl-C / SIGHUP / SIGTERM / SIGKILL
with half-typed text (kept as a draft and offered back), notes over several lines, commands that
are never stored as text, the menu by name, `ferdig`, actions as a list, a scale's anchors from
the prompt to the letters, a closed terminal, and two coordinators at once. The toolbar is read
off a terminal emulator's screen (pyte), which answers the editor's cursor-position request.

Each test runs `python -m pakkehjem --db FILE samtale REF` as its own process on a terminal of its
own, the way a coordinator does, and reads the register afterwards to see what was kept. The
process is forked from the worker's warm Python (the `varm` fixture, tests/varm_prosess.py),
which has loaded the command line and the line editor, instead of a Python started for it."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import suppress
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pexpect
import pytest

from hjelp import json_ut
from samtalehjelp import TESTGUIDE, skriv_guide, til_slutten
from varm_prosess import Terminalprogram, VarmProsess

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
def samtale(db_sti: Path, varm: VarmProsess) -> Iterator[Callable[..., Terminalprogram]]:
    """Start `pakkehjem samtale` in a terminal of its own; every child is gone after the test."""
    barn: list[Terminalprogram] = []

    def start(pasient: int, *valg: str) -> Terminalprogram:
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
        prosess = varm.terminal(
            ["--db", str(db_sti), "samtale", str(pasient), *valg],
            modul="pakkehjem",
            miljo=miljo,
            cwd=Path.cwd(),
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


def svar(prosess: Terminalprogram, sporsmal: str, *linjer: str) -> None:
    """Wait for the question, then type the lines."""
    prosess.expect_exact(sporsmal)
    for linje in linjer:
        prosess.sendline(linje)


def taster(prosess: Terminalprogram, vent: str, tastetrykk: str) -> None:
    """Wait until the editor shows `vent` (the prompt and what stands in it), then press the keys."""
    prosess.expect_exact(vent)
    prosess.send(tastetrykk)


def vent_paa(vilkar: Callable[[], bool], tid: float = 10.0) -> None:
    """Wait until the condition holds (a draft written by the running process, say)."""
    slutt = time.monotonic() + tid
    while not vilkar():
        assert time.monotonic() < slutt, "timed out"
        time.sleep(0.1)


def avslutt(prosess: Terminalprogram) -> int:
    """Wait for the process to end; its exit status."""
    til_slutten(prosess)
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
    til_slutten(p)

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


# --- the line editor ---------------------------------------------------------------------------


def utkast(db_sti: Path) -> list[tuple[str, str]]:
    """The drafts in the register: (question id, text)."""
    tilkobling = sqlite3.connect(db_sti)
    try:
        return tilkobling.execute("SELECT sporsmal_id, tekst FROM utkast ORDER BY sporsmal_id").fetchall()
    finally:
        tilkobling.close()


def til_tolken(p: Terminalprogram) -> None:
    """Answer the first two questions so that the free-text question about the interpreter comes."""
    svar(p, "Hvordan holdes samtalen?", "kontor")
    svar(p, "Hvem er til stede?", "1,3")
    p.expect_exact("Navn på tolken")


def test_piltaster_home_og_ctrl_a_retter_et_svar_foer_det_lagres(
    kjor: Callable, pasient: int, samtale: Callable
) -> None:
    p = samtale(pasient)
    til_tolken(p)
    # "Hasan" -> three to the left, "s" -> "Hassan"; Home and "Ali " in front; End, and on.
    # (The keys go in one go once the editor is there: it redraws only what changed, so the
    # screen holds no whole line to wait for in between.)
    taster(p, ">", "Hasan" + VENSTRE * 3 + "s" + HJEM + "Ali " + SLUTT + "\r")
    # Ctrl-W removes the last word, Ctrl-A and Ctrl-E go to the start and the end.
    taster(p, "(nummer eller ord)", "ingen mye" + CTRL_W + CTRL_A + CTRL_E + "behov\r")
    svar(p, "Belastning fra 0 til 10", "pause")
    assert avslutt(p) == 0
    assert "^[[D" not in p.before
    lagret = vis(kjor, pasient)["samtaler"][0]["svar"]
    assert lagret["tolk_navn"] == "Ali Hassan"
    assert lagret["behov"] == "ingen behov"


@pytest.mark.parametrize(
    "avbrudd",
    ["ctrl-c", "SIGHUP", "SIGTERM", "SIGKILL"],
)
def test_halvskrevet_tekst_overlever_avbrudd_og_tilbys_neste_gang(
    kjor: Callable, pasient: int, samtale: Callable, db_sti: Path, avbrudd: str
) -> None:
    p = samtale(pasient)
    til_tolken(p)
    taster(p, ">", "Ali Has")
    p.expect_exact("Has")
    if avbrudd == "ctrl-c":
        p.sendcontrol("c")
        p.expect_exact("Teksten du holdt på å skrive er lagret som utkast.")
        assert avslutt(p) == 130
    elif avbrudd == "SIGKILL":
        # No handler runs: the draft is what the editor kept a moment after typing.
        vent_paa(lambda: utkast(db_sti) == [("tolk_navn", "Ali Has")])
        p.kill(signal.SIGKILL)
        til_slutten(p)
    else:
        p.kill(getattr(signal, avbrudd))
        til_slutten(p)
        assert p.exitstatus == 130
    assert utkast(db_sti) == [("tolk_navn", "Ali Has")]
    assert vis(kjor, pasient)["samtaler"][0]["svar"] == {"form": "kontor", "tilstede": ["pasient", "tolk"]}

    p = samtale(pasient)
    svar(p, "Fortsette der dere slapp?", "")
    p.expect_exact("Det finnes et utkast til «Navn på tolken»:")
    svar(p, "Beholde utkastet og fortsette med det?", "")
    taster(p, "Ali Has", "san\r")  # the draft stands in the editor; type on
    svar(p, "Behov for hjelp med familien?", "pause")
    assert avslutt(p) == 0
    assert vis(kjor, pasient)["samtaler"][0]["svar"]["tolk_navn"] == "Ali Hassan"
    assert utkast(db_sti) == [], "the stored answer replaces its draft"


def test_et_utkast_som_ikke_skal_beholdes_forsvinner(
    kjor: Callable, pasient: int, samtale: Callable, db_sti: Path
) -> None:
    p = samtale(pasient)
    til_tolken(p)
    taster(p, ">", "Feil navn")
    p.expect_exact("navn")
    p.sendcontrol("c")
    assert avslutt(p) == 130
    p = samtale(pasient)
    svar(p, "Fortsette der dere slapp?", "")
    svar(p, "Beholde utkastet og fortsette med det?", "nei")
    svar(p, "Navn på tolken", "pause")
    assert avslutt(p) == 0
    assert utkast(db_sti) == []


def test_notat_over_flere_linjer_og_kommandoer_lagres_aldri_som_tekst(
    kjor: Callable, pasient: int, samtale: Callable
) -> None:
    p = samtale(pasient)
    til_tolken(p)
    # Alt-Enter: a new line in the note; Enter stores the whole note.
    taster(p, ">", "Ali Hassan" + ALT_ENTER + "arabisk, bestilt via tolketjenesten\r")
    # «meny» on the next prompt opens the menu; it is not a line of the note before.
    svar(p, "Behov for hjelp med familien?", "meny")
    p.expect_exact("ikke besøkt")
    # A theme by the start of its name.
    svar(p, "Gå til tema", "avsl")
    p.expect_exact("Tema 3 av 3: Avslutning")
    svar(p, "Belastning fra 0 til 10", "?")
    p.expect_exact("0 er ingen belastning, 10 er ekstrem belastning.")
    # «?» asks the same question again, without an error.
    taster(p, "ekstrem belastning)", "5\r")
    svar(p, "Samtykke til å sende oppsummeringen til fastlegen?", "meny")
    p.expect_exact("✓")
    svar(p, "Gå til tema", "")
    svar(p, "Samtykke til å sende oppsummeringen til fastlegen?", "pause")
    assert avslutt(p) == 0
    assert "Det er ikke et av valgene" not in p.before
    lagret = vis(kjor, pasient)["samtaler"][0]["svar"]
    assert lagret == {
        "form": "kontor",
        "tilstede": ["pasient", "tolk"],
        "tolk_navn": "Ali Hassan\narabisk, bestilt via tolketjenesten",
        "belastning": 5,
    }
    assert "meny" not in json.dumps(lagret)


def test_ferdig_gaar_til_oppsummeringen_fra_et_hvilket_som_helst_sporsmaal(
    kjor: Callable, pasient: int, samtale: Callable
) -> None:
    p = samtale(pasient)
    til_tolken(p)
    taster(p, ">", "Ali Hassan" + ALT_ENTER + "arabisk\r")
    svar(p, "Behov for hjelp med familien?", "ferdig")
    p.expect_exact("Oppsummering")
    p.expect_exact(f"Samtaledato {IDAG.strftime('%d.%m.%Y')}")
    p.expect_exact("arabisk")  # the patient's words in full, every line
    p.expect_exact("Ikke besøkt: Familie, Avslutning")
    svar(p, "[J/n]", "")
    p.expect_exact("Samtalen er fullført. SP1 er gjennomført.")
    svar(p, "Avtale neste samtale nå?", "")
    assert avslutt(p) == 0
    assert vis(kjor, pasient)["samtaler"][0]["status"] == "fullfort"


def test_et_tiltak_rettet_blir_til_to_tiltak(kjor: Callable, pasient: int, samtale: Callable) -> None:
    p = samtale(pasient)
    svar(p, "Hvordan holdes samtalen?", "kontor")
    svar(p, "Hvem er til stede?", "")
    svar(p, "Behov for hjelp med familien?", "behov")
    svar(p, "Har du barn under 18?", "ja")
    svar(p, "Om barna", "To barn.")
    svar(p, "Tiltak 1, hva:", "Time hos sosionom")
    svar(p, "Hvem har ansvaret", "kommunen")
    # A deadline before the conversation is refused; the date stays to be corrected.
    igar = (IDAG - timedelta(days=1)).strftime("%d.%m.%Y")
    svar(p, "Frist", igar)
    p.expect_exact("ligger før samtalen")
    taster(p, igar, CTRL_U + FRIST.strftime("%d.%m.%Y") + "\r")
    svar(p, "Tiltak 2, hva:", "")
    # Back to the actions: the list is shown, and a new action is added to it, not put in its place.
    svar(p, "Belastning fra 0 til 10", "tilbake")
    p.expect_exact("1. Time hos sosionom (ansvarlig: kommunen")
    svar(p, "Tiltak 2, hva:", "Ringe helsesykepleier")
    svar(p, "Hvem har ansvaret", "annen: helsesykepleier på skolen")
    svar(p, "Frist", "")
    # And one is changed: who.
    svar(p, "Tiltak 3, hva:", "endre 1")
    taster(p, "Hva: Time hos sosionom", "\r")
    taster(p, "Hvem har ansvaret (nummer, navn eller «annen: …»): kommunen", CTRL_U + "sykehuset\r")
    svar(p, "Frist", "")
    svar(p, "Tiltak 3, hva:", "")
    svar(p, "Belastning fra 0 til 10", "pause")
    assert avslutt(p) == 0

    data = vis(kjor, pasient)
    assert data["samtaler"][0]["svar"]["barn_tiltak"] == [
        {"hva": "Time hos sosionom", "ansvarlig": "sykehuset", "frist": FRIST.isoformat()},
        {"hva": "Ringe helsesykepleier", "ansvarlig": "annen: helsesykepleier på skolen", "frist": None},
    ]
    assert sorted(t["hva"] for t in data["tiltak"]) == ["Ringe helsesykepleier", "Time hos sosionom"]


def test_hvem_som_kan_ha_ansvaret_kommer_fra_guiden(
    kjor: Callable, testregister: Path, ny_pasient: Callable, tmp_path: Path, samtale: Callable
) -> None:
    tekst = TESTGUIDE.replace("tema:\n", "tiltak_ansvarlige: [helsesykepleier, skolen]\ntema:\n", 1)
    assert kjor("innstillinger", "guide", skriv_guide(tmp_path, tekst)).exit_code == 0
    pasient = ny_pasient(DIAGNOSEDATO.isoformat(), dato=IDAG.isoformat())["id"]
    p = samtale(pasient)
    svar(p, "Hvordan holdes samtalen?", "kontor")
    svar(p, "Hvem er til stede?", "")
    svar(p, "Behov for hjelp med familien?", "behov")
    svar(p, "Har du barn under 18?", "ja")
    svar(p, "Om barna", "")
    svar(p, "Tiltak 1, hva:", "Samtale med klassen")
    # The guide's own list, numbered; not the shipped guide's.
    p.expect_exact("Ansvarlig: 1. helsesykepleier, 2. skolen, eller «annen: » og hvem")
    svar(p, "Hvem har ansvaret", "fastlegen")
    p.expect_exact("Velg et nummer eller et navn fra listen")
    svar(p, "Hvem har ansvaret", "2")
    svar(p, "Frist", "")
    svar(p, "Tiltak 2, hva:", "")
    svar(p, "Belastning fra 0 til 10", "pause")
    assert avslutt(p) == 0
    tiltak = vis(kjor, pasient)["samtaler"][0]["svar"]["barn_tiltak"]
    assert tiltak == [{"hva": "Samtale med klassen", "ansvarlig": "skolen", "frist": None}]


class Terminal:
    """The conversation in a terminal emulator (pyte) of 30 x 100: the emulator answers the
    editor's cursor-position request as a real terminal does (so no PROMPT_TOOLKIT_NO_CPR here),
    and holds the screen as the coordinator sees it."""

    def __init__(self, varm: VarmProsess, db_sti: Path, pasient: int):
        miljo = {**os.environ, "PAKKEHJEM_DB": str(db_sti), "NO_COLOR": "1", "TERM": "xterm"}
        for navn in ("PROMPT_TOOLKIT_NO_CPR", "COLUMNS", "LINES"):
            miljo.pop(navn, None)
        self.prosess = varm.terminal(
            ["--db", str(db_sti), "samtale", str(pasient)],
            modul="pakkehjem", miljo=miljo, cwd=Path.cwd(), dimensions=(30, 100), timeout=10,
        )  # fmt: skip
        # A venv made before pyte joined the test extra skips this test instead of failing to collect.
        pyte = pytest.importorskip("pyte")
        self.skjerm = pyte.Screen(100, 30)
        self.skjerm.write_process_input = self.prosess.send  # the terminal's answers go to the program
        self.strom = pyte.Stream(self.skjerm)

    def vent(self, tekst: str, tid: float = 15.0) -> None:
        """Read the program's output onto the screen until `tekst` stands on it."""
        slutt = time.monotonic() + tid
        while tekst not in self.tekst():
            assert time.monotonic() < slutt, f"{tekst!r} kom ikke på skjermen:\n{self.tekst()}"
            with suppress(pexpect.TIMEOUT):
                self.strom.feed(self.prosess.read_nonblocking(65536, timeout=0.2))

    def tekst(self) -> str:
        return "\n".join(linje.rstrip() for linje in self.skjerm.display)

    def bunnen(self) -> list[str]:
        """The two last rows of the screen: where the toolbar stands."""
        return [linje.strip() for linje in self.skjerm.display[-2:]]

    def skriv(self, linje: str) -> None:
        self.prosess.send(linje + "\r")


def test_verktoylinjen_staar_nederst_paa_skjermen_og_foelger_spoersmaalet(
    kjor: Callable, pasient: int, db_sti: Path, varm: VarmProsess
) -> None:
    t = Terminal(varm, db_sti, pasient)
    try:
        # A choice: where the conversation stands, and that Tab completes the choice.
        t.vent("Tab fullfører valget")
        assert t.bunnen() == [
            f"Pasient nr. {pasient} · SP1 · Tema 1 av 3 · 0 besvart, 0 hoppet over",
            "Tab fullfører valget · Enter lagrer · meny · tilbake · hopp over · ferdig · pause · ?",
        ]
        t.skriv("kontor")
        t.vent("Hvem er til stede?")
        t.skriv("1,3")
        # Free text: Alt-Enter for a new line; the count has moved on.
        t.vent("Alt-Enter ny linje · meny")
        assert t.bunnen() == [
            f"Pasient nr. {pasient} · SP1 · Tema 1 av 3 · 2 besvart, 0 hoppet over",
            "Enter lagrer · Alt-Enter ny linje · meny · tilbake · hopp over · ferdig · pause · ?",
        ]
        # A scale, through the menu: the toolbar says which numbers it takes, and the theme.
        t.skriv("meny")
        t.vent("Gå til tema")
        t.skriv("avslutning")
        t.vent("Skriv et tall fra 0 til 10")
        assert t.bunnen() == [
            f"Pasient nr. {pasient} · SP1 · Tema 3 av 3 · 2 besvart, 0 hoppet over",
            "Skriv et tall fra 0 til 10 · Enter lagrer · meny · tilbake · hopp over · ferdig · pause · ?",
        ]
        t.skriv("pause")
        til_slutten(t.prosess)
    finally:
        t.prosess.close(force=True)
    assert t.prosess.exitstatus == 0


def test_uten_terminal_starter_samtalen_ikke(
    kjor: Callable, pasient: int, db_sti: Path, varm: VarmProsess
) -> None:
    kode, _, feil = varm.kjor(
        ["--db", str(db_sti), "samtale", str(pasient)],
        modul="pakkehjem",
        miljo={**os.environ, "NO_COLOR": "1"},
        cwd=Path.cwd(),
    )
    assert kode == 2, feil.decode()
    assert b"--svar" in feil and b"Traceback" not in feil
    assert vis(kjor, pasient)["samtaler"] == []


def test_uten_sp_fortsetter_samtalen_som_er_paabegynt(
    kjor: Callable, pasient: int, samtale: Callable, tmp_path: Path
) -> None:
    # SP1 finished, then SP2 begun and paused: `samtale REF` opens SP2 again and says so.
    svarfil = tmp_path / "sp1.json"
    svarfil.write_text(json.dumps({"form": "kontor"}), encoding="utf-8")
    assert kjor("samtale", pasient, "--sp", "1", "--svar", svarfil).exit_code == 0
    p = samtale(pasient, "--sp", "2")
    svar(p, "Hvordan holdes samtalen?", "telefon")
    svar(p, "Hvem er til stede?", "pause")
    assert avslutt(p) == 0
    p = samtale(pasient)
    p.expect_exact("Åpner den påbegynte samtalen for samhandlingspunkt 2")
    svar(p, "Fortsette der dere slapp?", "")
    svar(p, "Hvem er til stede?", "pause")
    assert avslutt(p) == 0


# --- a scale's anchors, from the prompt to every letter ---------------------------------------


def test_skalaens_ankre_staar_i_ledeteksten_og_i_brevene(
    kjor: Callable,
    testregister: Path,
    ny_pasient: Callable,
    samtale: Callable,
    tmp_path: Path,
    request: pytest.FixtureRequest,
) -> None:
    # The shipped guide: straight to the symptom scores through the menu, then `ferdig`.
    pasient = ny_pasient(DIAGNOSEDATO.isoformat(), dato=IDAG.isoformat())["id"]
    p = samtale(pasient)
    svar(p, "Hvem er til stede i samtalen?", "meny")
    svar(p, "Gå til tema", "symptomer")
    svar(p, "Vil dere fylle ut symptomskåring nå?", "ja")
    svar(p, "(0 = ingen smerte … 10 = verst tenkelige smerte)", "")
    svar(p, "(0 = ingen tretthet … 10 = verst tenkelige tretthet)", "")
    svar(p, "(0 = ingen døsighet … 10 = verst tenkelige døsighet)", "")
    svar(p, "(0 = ingen kvalme … 10 = verst tenkelige kvalme)", "")
    svar(p, "(0 = normal matlyst … 10 = ingen matlyst i det hele tatt)", "7")
    p.expect_exact("Tung pust")
    p.sendline("ferdig")
    svar(p, "Påkrevde spørsmål uten svar", "1")
    svar(p, "Hvem er til stede i samtalen?", "pasient")
    svar(p, "Hvor og hvordan holdes samtalen?", "kontor")
    p.expect_exact("Navn på dem som er til stede")
    p.sendline("ferdig")
    p.expect_exact("7 av 10 (0 = normal matlyst, 10 = ingen matlyst i det hele tatt)")
    svar(p, "[J/n]", "")
    svar(p, "Avtale neste samtale nå?", "")
    assert avslutt(p) == 0

    ventet = "7 av 10 (0 = normal matlyst, 10 = ingen matlyst i det hele tatt)"
    assert kjor("avsender", "--navn", "Randi Koordinator").exit_code == 0  # a letter needs a sender
    for format_ in ("txt", "html"):
        resultat = kjor("brev", pasient, "--til", "fastlege", "--format", format_)
        assert resultat.exit_code == 0, resultat.output
        assert "Matlyst" in resultat.stdout
        assert ventet in " ".join(
            resultat.stdout.replace("</span>", "").replace('<span class="ankere">', "").split()
        )
    pypdf = pytest.importorskip("pypdf")
    request.getfixturevalue("weasyprint")
    pdf = tmp_path / "brev.pdf"
    assert kjor("brev", pasient, "--til", "fastlege", "--format", "pdf", "-o", pdf).exit_code == 0
    tekst = " ".join(" ".join(side.extract_text() or "" for side in pypdf.PdfReader(pdf).pages).split())
    assert ventet in tekst
