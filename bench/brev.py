"""Benchmark for letters (`pakkehjem brev`): txt, PDF and the FHIR handover, against their floors.

    .venv/bin/python bench/brev.py [--antall 100000] [--runder 10] [--db FIL]

Each round runs, in turn, every measure once as its own process (so a busy moment on the machine
hits all of them alike):

- `python -c pass`: the floor of any command (Python's own start);
- `brev REF --til fastlege` as txt, pdf and fhir, written with `-o` to a file;
- WeasyPrint alone turning the same letter's HTML into PDF, and fhir.resources alone reading and
  validating the same FHIR document: what the libraries cost without pakkehjem around them. A FHIR
  letter no longer loads fhir.resources (what is sent is plain JSON, validated in the tests), so
  that floor is now what `motta` pays to check a received document, and what sending once paid.
  "WeasyPrint alone" is the library as it installs: its import looks for its C libraries with
  `ctypes.util.find_library`, which runs the C compiler; pakkehjem's import does not. So the PDF's
  "× bibliotek" is taken against "WeasyPrint alone, without the compiler search" (the libraries
  opened by their sonames, as pakkehjem opens them): the library's own import, layout and PDF.

It prints the median and p95 of each, and the median of the pairwise ratios to `python -c pass`
and to the library's own floor. Targets (issue 12): PDF ≤ 1 s and FHIR ≤ 0.5 s per letter.
On a loaded machine the seconds mean little; the ratios still do.

The register is built with `eksempeldata --antall N --seed 1` in a temporary folder (its demo
conversations hold actions and the GP's consent), unless `--db FIL` names one already built; a
sender is set if none is. The script reports; its exit code is 0 whether targets are met or not.
Standard library plus pakkehjem itself.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROGRAM = Path(sys.executable).parent / "pakkehjem"
MAL_S = {"pdf": 1.0, "fhir": 0.5}


def miljo(mappe: Path, db: Path) -> dict[str, str]:
    # Without PYTHONDONTWRITEBYTECODE: every run would compile from source; an installed
    # program reads its .pyc files.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env.update(PAKKEHJEM_DB=str(db), HOME=str(mappe / "hjem"), NO_COLOR="1")
    return env


def kjor(env: dict[str, str], argv: list[str]) -> float:
    """Seconds for one run of the command; exits the script when it fails."""
    start = time.perf_counter()
    resultat = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=600, check=False)
    tid = time.perf_counter() - start
    if resultat.returncode != 0:
        raise SystemExit(f"{' '.join(argv[1:4])} … ga kode {resultat.returncode}: {resultat.stderr.strip()}")
    return tid


def pasient_med_samtale(db: Path) -> str:
    """A patient with a finished conversation (the demo data hold a few thousand)."""
    tilkobling = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        sql = "SELECT pasient_id FROM samtale WHERE status = 'fullfort' LIMIT 1"
        rad = tilkobling.execute(sql).fetchone()
    finally:
        tilkobling.close()
    if rad is None:
        raise SystemExit("Registeret har ingen fullført samtale å skrive brev fra.")
    return str(rad[0])


def p95(tall: list[float]) -> float:
    return statistics.quantiles(tall, n=20, method="inclusive")[-1] if len(tall) > 1 else tall[0]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--antall", type=int, default=100_000, help="pasienter i registeret")
    parser.add_argument("--runder", type=int, default=10, help="runder med målinger")
    parser.add_argument("--db", type=Path, help="et register som allerede er bygd")
    valg = parser.parse_args(argv)

    mappe = Path(tempfile.mkdtemp(prefix="pakkehjem-brev-"))
    try:
        db = valg.db or mappe / "bench.db"
        env = miljo(mappe, db)
        pk = [str(PROGRAM), "--db", str(db)]
        if valg.db is None:
            kjor(env, [*pk, "eksempeldata", "--antall", str(valg.antall), "--seed", "1"])
        avsender = subprocess.run([*pk, "avsender", "--json"], env=env, capture_output=True, text=True)
        if avsender.returncode != 0 or not (json.loads(avsender.stdout or "{}").get("navn") or "").strip():
            kjor(env, [*pk, "avsender", "--navn", "Kari Koordinator", "--rolle", "kreftkoordinator",
                       "--tjeneste", "Testkommune", "--telefon", "12 34 56 78"])  # fmt: skip
        ref = pasient_med_samtale(db)

        def brev(format_: str) -> list[str]:
            ut = mappe / f"brev.{format_}"
            return [*pk, "brev", ref, "--til", "fastlege", "--format", format_, "-o", str(ut), "--overskriv"]

        # The same letter once as HTML and as FHIR: the libraries' own floors work on these.
        for format_ in ("html", "fhir"):
            kjor(env, brev(format_))
        html, fhir, pdf_ut = mappe / "brev.html", mappe / "brev.fhir", mappe / "gulv.pdf"
        python = sys.executable
        malinger: dict[str, list[str]] = {
            "python -c pass": [python, "-c", "pass"],
            "brev txt": brev("txt"),
            "brev pdf": brev("pdf"),
            "brev fhir": brev("fhir"),
            "WeasyPrint alene (samme HTML)": [
                python, "-c",
                f"from weasyprint import HTML; HTML(filename={str(html)!r}).write_pdf({str(pdf_ut)!r})",
            ],
            # The same, with the C libraries opened by their sonames (as pakkehjem does) instead of
            # through find_library's compiler runs: the library's own cost, nothing else.
            "WeasyPrint alene, uten kompilatorsøk": [
                python, "-c",
                "import ctypes.util\n"
                "s, ctypes.util.find_library = ctypes.util.find_library, lambda n: None\n"
                "from weasyprint import HTML\n"
                "ctypes.util.find_library = s\n"
                f"HTML(filename={str(html)!r}).write_pdf({str(pdf_ut)!r})",
            ],
            "fhir.resources alene (samme dokument)": [
                python, "-c",
                "import pathlib; from fhir.resources.R4B.bundle import Bundle; "
                f"Bundle.model_validate_json(pathlib.Path({str(fhir)!r}).read_bytes())",
            ],
        }  # fmt: skip
        for argv_ in malinger.values():  # warm-up: .pyc files and the page cache
            kjor(env, argv_)
        tider: dict[str, list[float]] = {navn: [] for navn in malinger}
        for _ in range(valg.runder):
            for navn, argv_ in malinger.items():
                tider[navn].append(kjor(env, argv_))

        def forhold(navn: str, gulv: str) -> float:
            return statistics.median(a / b for a, b in zip(tider[navn], tider[gulv], strict=True))

        bibliotek = {
            "brev pdf": "WeasyPrint alene, uten kompilatorsøk",
            "brev fhir": "fhir.resources alene (samme dokument)",
        }
        print(f"Register: {db}, pasient nr. {ref}, {valg.runder} runder")
        print(f"{'Måling':<40} {'median s':>9} {'p95 s':>9} {'× python':>9} {'× bibliotek':>12}  mål")
        for navn, liste in tider.items():
            mot_bibliotek = f"{forhold(navn, bibliotek[navn]):>12.2f}" if navn in bibliotek else " " * 12
            format_ = navn.removeprefix("brev ")
            mal = ""
            if navn.startswith("brev ") and format_ in MAL_S:
                nadd = statistics.median(liste) <= MAL_S[format_]
                mal = f"≤ {MAL_S[format_]:g} s {'OK' if nadd else 'IKKE NÅDD'}"
            print(
                f"{navn:<40} {statistics.median(liste):>9.3f} {p95(liste):>9.3f} "
                f"{forhold(navn, 'python -c pass'):>9.1f} {mot_bibliotek}  {mal}"
            )
        print(f"Last på maskinen (1 min): {os.getloadavg()[0]:.2f} på {os.cpu_count()} kjerner")
    finally:
        shutil.rmtree(mappe, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
