"""A small interview guide for the conversation tests: every question type, a required question,
both condition forms (`er`, `en_av`, one on a multiple-choice answer) and a chain of conditions.

Order of the questions:
  start:    form (valg, required), tilstede (flervalg), tolk_navn (tekst, when «tolk» is present)
  familie:  behov (valg), barn (janei, required, when behov is one of «behov», «vet ikke»),
            barn_notat (tekst, when barn is yes), barn_tiltak (tiltak, when barn is yes)
  slutt:    belastning (skala 0-10, flagged from 4), samtykke_fastlege (janei, consent),
            neste_dato (dato, books the next contact point)
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

TESTGUIDE = """\
id: testguide
tittel: "Testguide"
versjon: "1"
tema:
  - id: start
    tittel: "Start"
    hjelp: "Hvem og hvor."
    sporsmal:
      - id: form
        tekst: "Hvordan holdes samtalen?"
        type: valg
        valg: [hjemme, kontor, telefon]
        pakrevd: true
        hjelp: "Velg hvor samtalen holdes."
      - id: tilstede
        tekst: "Hvem er til stede?"
        type: flervalg
        valg: [pasient, pårørende, tolk]
      - id: tolk_navn
        tekst: "Navn på tolken"
        type: tekst
        vis_hvis: {sporsmal: tilstede, er: tolk}
  - id: familie
    tittel: "Familie"
    sporsmal:
      - id: behov
        tekst: "Behov for hjelp med familien?"
        type: valg
        valg: ["ingen behov", "behov", "vet ikke"]
      - id: barn
        tekst: "Har du barn under 18?"
        type: janei
        pakrevd: true
        vis_hvis: {sporsmal: behov, en_av: ["behov", "vet ikke"]}
      - id: barn_notat
        tekst: "Om barna"
        type: tekst
        vis_hvis: {sporsmal: barn, er: true}
      - id: barn_tiltak
        tekst: "Tiltak for barna"
        type: tiltak
        vis_hvis: {sporsmal: barn, er: true}
  - id: slutt
    tittel: "Avslutning"
    sporsmal:
      - id: belastning
        tekst: "Belastning fra 0 til 10"
        type: skala
        min: 0
        max: 10
        min_tekst: "ingen belastning"
        max_tekst: "ekstrem belastning"
        flagg_fra: 4
      - id: samtykke_fastlege
        tekst: "Samtykke til å sende oppsummeringen til fastlegen?"
        type: janei
        samtykke: fastlege
      - id: neste_dato
        tekst: "Dato for neste samtale"
        type: dato
        neste_avtale: true
"""

# The same ids asked with other words: a newer version of the guide.
TESTGUIDE_B = (
    TESTGUIDE.replace('versjon: "1"', 'versjon: "2"')
    .replace("Hvordan holdes samtalen?", "Hvor møtes dere i dag?")
    .replace("Belastning fra 0 til 10", "Hvor tungt er det nå, fra 0 til 10?")
)

SPORSMAL_REKKEFOLGE = (
    "form", "tilstede", "tolk_navn", "behov", "barn", "barn_notat", "barn_tiltak",
    "belastning", "samtykke_fastlege", "neste_dato",
)  # fmt: skip


def skriv_guide(mappe: Path, tekst: str = TESTGUIDE, navn: str = "testguide.yaml") -> Path:
    """Write a guide file and return its path."""
    sti = mappe / navn
    sti.write_text(tekst, encoding="utf-8")
    return sti


class Linjeleser:
    """The conversation's editor replaced by lines read from stdin, for tests that type a whole
    conversation through CliRunner. The real editor is tried in a pseudo-terminal
    (test_samtale_terminal.py); this one shows the pre-filled text as `[standard: ...]`, and
    Enter on it keeps it, as the editor does."""

    def __init__(self, _verktoylinje: Callable[[], str]):
        self.tekst_ved_avbrudd = ""

    def les(
        self,
        ledetekst: str,
        *,
        standard: str = "",
        fullfor: Sequence[str] = (),
        utkast: Callable[[str], None] | None = None,
    ) -> str:
        print(ledetekst + (f"[standard: {standard}] " if standard else ""), end="", flush=True)
        linje = sys.stdin.readline()
        if not linje:
            raise EOFError
        linje = linje.rstrip("\n")
        return standard if linje == "" and standard else linje


def til_slutten(prosess: Any) -> None:
    """Wait until a program in a pseudo-terminal (a `pexpect.spawn`, or a `Terminalprogram` from
    tests/varm_prosess.py) has ended, and reap it: `prosess.exitstatus` or
    `prosess.signalstatus` says how.

    Once the end of output is read, ptyprocess reaps the child with a waitpid that blocks until
    it has exited, so its fixed pause before that (`delayafterclose`, 0.1 s on every close) only
    waits for nothing. A child still running is closed by the caller as before, with the pause.
    """
    import pexpect

    prosess.expect(pexpect.EOF)
    if hasattr(prosess, "ptyproc"):
        prosess.ptyproc.delayafterclose = 0
    prosess.close()
