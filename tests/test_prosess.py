"""Work made in a process of its own (`prosess.fra_egen_prosess`), as `eksempeldata` makes its rows.

The rows must come as they would have come made here, a failure there must be raised here, and
the child must never outlive the caller or write to the caller's terminal.
"""

from __future__ import annotations

import itertools
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from pakkehjem.prosess import fra_egen_prosess


def _tall(antall: int) -> Iterator[tuple[int, str]]:
    for i in range(antall):
        yield i, f"rad {i}"


def _borte(pid: int) -> bool:
    """True when process `pid` has ended (a zombie no one has reaped yet counts as ended)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return True
    return "\nState:\tZ" in status


def test_tingene_kommer_som_de_ville_kommet_laget_her() -> None:
    assert list(fra_egen_prosess(lambda: _tall(5000))) == list(_tall(5000))
    assert list(fra_egen_prosess(lambda: iter([]))) == []


def test_en_feil_der_reises_her_med_sin_type_etter_det_som_kom_foer() -> None:
    def kilde() -> Iterator[int]:
        yield 1
        yield 2
        raise ValueError("ugyldig rad")

    fatt = []
    with pytest.raises(ValueError, match="ugyldig rad"):
        for ting in fra_egen_prosess(kilde):
            fatt.append(ting)
    assert fatt == [1, 2]


def test_prosessen_er_borte_naar_den_som_spurte_slutter_tidlig() -> None:
    def uendelig() -> Iterator[int]:
        yield os.getpid()
        yield from itertools.count()

    tingene = fra_egen_prosess(uendelig)
    barn = next(tingene)
    assert barn != os.getpid()
    assert next(tingene) == 0
    tingene.close()  # the caller stops: the child is stopped and reaped, not left behind
    with pytest.raises(ProcessLookupError):
        os.kill(barn, 0)


def test_prosessen_skriver_ingenting_til_terminalen(capfd: pytest.CaptureFixture[str]) -> None:
    def snakkesalig() -> Iterator[int]:
        print("hemmelig")
        sys.stderr.write("også hemmelig\n")
        yield 1

    assert list(fra_egen_prosess(snakkesalig)) == [1]
    ut, feil = capfd.readouterr()
    assert "hemmelig" not in ut + feil


def test_prosessen_stopper_naar_den_som_spurte_blir_drept() -> None:
    program = (
        "import itertools, os, signal, sys\n"
        "from pakkehjem.prosess import fra_egen_prosess\n"
        "def uendelig():\n"
        "    yield os.getpid()\n"
        "    yield from itertools.count()\n"
        "tingene = fra_egen_prosess(uendelig)\n"
        "print(next(tingene), flush=True)\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    ferdig = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=60)
    assert ferdig.returncode == -signal.SIGKILL
    barn = int(ferdig.stdout)
    frist = time.monotonic() + 30
    while not _borte(barn) and time.monotonic() < frist:
        time.sleep(0.05)
    assert _borte(barn)
