"""Every example in README.md, run in order on the demo register the README's first command makes.

The README is what a new coordinator follows, so its examples are a contract: each `pakkehjem`
line of every ```sh block runs here as written (in-process, in a fresh folder, with the clock
at a fixed day), and must succeed; a line whose comment says `avvises` must be refused cleanly
(exit 1 or 2, a Norwegian message, no traceback). Commands that need a person at the keyboard
(a conversation without --svar, ny-pasient without its options) start in a real terminal and are
stopped with Ctrl-C. Setup lines (git clone, the venv, PATH) are recognised and not run; any
other kind of line fails the test, so a new example is never skipped by accident.

Files the examples read (a spreadsheet to import, a filled booklet) are in tests/fixtures/readme/;
the README copies them with its own `cp` line, and the test does what that line says.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
from dataclasses import dataclass
from pathlib import Path

import time_machine

from samtalehjelp import til_slutten
from varm_prosess import VarmProsess

ROT = Path(__file__).resolve().parent.parent
README = ROT / "README.md"
# The day the examples run on: a Monday in week 48, like the other CLI tests.
IDAG = "2026-11-23 10:00:00"

# Lines a newcomer runs once to get and install the code; recognised, not run.
OPPSETT = (
    re.compile(r"^git clone \S.* pakkehjem && cd pakkehjem$"),
    re.compile(r"^python3 -m venv \.venv && \.venv/bin/pip install .*"),
    re.compile(r"^export PATH=\"\$PWD/\.venv/bin:\$PATH\"$"),
    re.compile(r"^\.venv/bin/python -m pytest( \S+)*$"),
)
# The example files: copied by the README's own command (the test does what it says).
KOPI = re.compile(r"^cp (tests/fixtures/readme/\S+ )+\.$")
PAKKEHJEM = re.compile(r"^(?:\.venv/bin/)?pakkehjem(?=\s|$)")


@dataclass
class Eksempel:
    linje: int
    tekst: str
    kommentar: str

    @property
    def args(self) -> list[str]:
        return shlex.split(PAKKEHJEM.sub("", self.tekst, count=1))

    @property
    def avvises(self) -> bool:
        return "avvises" in self.kommentar

    @property
    def kommando(self) -> str:
        """The command's name: the first word that is not a top option or its value."""
        args = self.args
        i = 0
        while i < len(args) and args[i].startswith("-"):
            i += 2 if args[i] == "--db" else 1
        return args[i] if i < len(args) else ""

    @property
    def interaktiv(self) -> bool:
        args = self.args
        return (self.kommando == "samtale" and "--svar" not in args) or (
            self.kommando == "ny-pasient" and "--fnr" not in args
        )


def _kodelinjer() -> list[tuple[int, str]]:
    """(line number, command) for every command line of every ```sh block, continuations joined."""
    linjer: list[tuple[int, str]] = []
    i_blokk = False
    fortsatt = ""
    start = 0
    for nr, linje in enumerate(README.read_text(encoding="utf-8").splitlines(), 1):
        if linje.startswith("```"):
            i_blokk = linje.strip() == "```sh"
            continue
        if not i_blokk or not linje.strip():
            continue
        if not fortsatt:
            start = nr
        if linje.rstrip().endswith("\\"):
            fortsatt += linje.rstrip()[:-1] + " "
            continue
        linjer.append((start, (fortsatt + linje).strip()))
        fortsatt = ""
    return linjer


def _del_kommentar(linje: str) -> tuple[str, str]:
    """A command and its trailing `# comment` (a # inside quotes is part of the command)."""
    for treff in re.finditer(r"\s+#(?:\s|$)", linje):
        kandidat = linje[: treff.start()]
        try:
            shlex.split(kandidat)
        except ValueError:  # the # is inside quotes
            continue
        return kandidat.rstrip(), linje[treff.end() :].strip()
    return linje.strip(), ""


def eksempler() -> list[Eksempel | str]:
    """Every README command in order: an Eksempel to run, or the setup line itself."""
    ut: list[Eksempel | str] = []
    for nr, linje in _kodelinjer():
        kommando, kommentar = _del_kommentar(linje)
        if any(m.match(kommando) for m in OPPSETT[:1] + OPPSETT[2:]):
            ut.append(kommando)
            continue
        if OPPSETT[1].match(kommando):
            # The quick start: the venv and pip are setup, the pakkehjem parts are examples.
            for del_ in kommando.split(" && "):
                if PAKKEHJEM.match(del_):
                    ut.append(Eksempel(nr, del_, ""))
            continue
        if KOPI.match(kommando) or kommando.startswith("read -rs PAKKEHJEM_NOKKEL"):
            ut.append(kommando)
            continue
        assert PAKKEHJEM.match(kommando), (
            f"README.md linje {nr}: «{kommando}» er verken et pakkehjem-eksempel eller et kjent "
            "oppsettsteg. Skriv det som et pakkehjem-eksempel, eller lær tests/test_readme.py å kjenne det."
        )
        ut.append(Eksempel(nr, kommando, kommentar))
    return ut


def test_the_readme_starts_with_getting_the_code_and_making_the_demo_register():
    alle = eksempler()
    assert isinstance(alle[0], str) and alle[0].startswith("git clone")
    forste = next(e for e in alle if isinstance(e, Eksempel))
    assert forste.args[:3] == ["--db", "demo.db", "eksempeldata"]
    assert any(isinstance(e, str) and e.startswith("export PATH=") for e in alle)


def _kjor_i_terminal(varm: VarmProsess, eksempel: Eksempel, mappe: Path, miljo: dict[str, str]) -> None:
    """`python -m pakkehjem ARGS` on a terminal of its own, forked from the worker's warm Python."""
    prosess = varm.terminal(
        eksempel.args,
        modul="pakkehjem",
        cwd=mappe,
        miljo={**miljo, "NO_COLOR": "1", "TERM": "xterm"},
        dimensions=(40, 120),
        timeout=20,
    )
    try:
        # Something is asked (a question, or whether to resume), then the coordinator stops.
        prosess.expect([r"\?\s*$", r": $", r"\) $", r"> "])
        prosess.sendintr()
        til_slutten(prosess)
    finally:
        prosess.close(force=True)
    utdata = prosess.before or ""
    assert "Traceback" not in utdata
    assert prosess.exitstatus == 130 or prosess.signalstatus is not None, utdata


def test_every_readme_example_runs_on_the_demo_register(kjor, tmp_path, monkeypatch, varm):
    mappe = tmp_path / "pakkehjem"
    mappe.mkdir()
    monkeypatch.chdir(mappe)
    monkeypatch.delenv("PAKKEHJEM_DB")
    miljo: dict[str, str] = {}
    kjort = 0
    kopiert = False
    with time_machine.travel(IDAG, tick=False):
        for eksempel in eksempler():
            if isinstance(eksempel, str):
                if KOPI.match(eksempel):
                    for kilde in eksempel.split()[1:-1]:
                        shutil.copy(ROT / kilde, mappe / Path(kilde).name)
                    kopiert = True
                if eksempel.startswith("read -rs PAKKEHJEM_NOKKEL"):
                    miljo["PAKKEHJEM_NOKKEL"] = "en lang nøkkel bare for testen"
                continue
            hvor = f"README.md linje {eksempel.linje}: {eksempel.tekst}"
            if eksempel.interaktiv:
                _kjor_i_terminal(varm, eksempel, mappe, {**os.environ, **miljo})
                kjort += 1
                continue
            resultat = kjor(*eksempel.args, env=miljo)
            feil = " ".join(resultat.stderr.split())
            assert "Traceback" not in resultat.output, hvor
            assert "Uventet feil" not in feil, f"{hvor}\n{feil}"
            if eksempel.avvises:
                assert resultat.exit_code in (1, 2), f"{hvor}\nskulle vært avvist, men: {resultat.output}"
                assert feil, hvor
            else:
                assert resultat.exit_code == 0, f"{hvor}\n{feil}"
            kjort += 1
    assert kjort >= 50
    assert kopiert, "README.md kopierer ikke eksempelfilene (cp tests/fixtures/readme/... .)"
