"""Benchmark for pakkehjem: builds a large demo register with the real CLI and times the commands.

Run with the project's virtual environment, from anywhere:

    .venv/bin/python bench/kjor.py [--antall 100000] [--runder 5] [--json FIL] [--behold MAPPE]

Every command runs as its own process (the installed console script next to sys.executable),
exactly as a coordinator would run it. Wall time is measured around the child process; peak
memory and CPU time are the child's own, from os.wait4, one reading per run. A measure is the
median time over the runs and the highest peak memory of any run.

The script reports; it never fails: the exit code is 0 whether the targets are met or not.
Standard library only.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

PROGRAM = Path(sys.executable).parent / "pakkehjem"
PROSJEKT = Path(__file__).resolve().parent.parent
SEED = 1
VIS_REF = 4242


@dataclass
class Kjoring:
    """One run of the CLI."""

    tid_s: float
    topp_mb: float
    cpu_s: float
    kode: int
    feiltekst: str


@dataclass
class Maling:
    """One measure: the command, its targets and the readings."""

    navn: str
    argumenter: list[str]
    mal_s: float | None  # None: a reference without a target
    mal_mb: float | None = None
    mal_ganger: float | None = None  # the target as a ratio to the floor
    program: Path = PROGRAM
    kjoringer: list[Kjoring] = field(default_factory=list)
    feil: str | None = None
    merknad: str | None = None
    # The floor: what the same work costs at the least (see GULV_SKRIPT); run in turn with the
    # command, so a ratio holds when the machine's speed drifts during the run.
    gulv: list[str] | None = None
    gulvkjoringer: list[Kjoring] = field(default_factory=list)
    # Run with stdout on a pseudo-terminal (TERMINAL_BREDDE columns, colours on) instead of /dev/null.
    terminal: bool = False
    trenger_register: bool = True

    @property
    def median_s(self) -> float | None:
        return statistics.median(k.tid_s for k in self.kjoringer) if self.kjoringer else None

    @property
    def min_s(self) -> float | None:
        return min(k.tid_s for k in self.kjoringer) if self.kjoringer else None

    @property
    def cpu_median_s(self) -> float | None:
        return statistics.median(k.cpu_s for k in self.kjoringer) if self.kjoringer else None

    @property
    def topp_mb(self) -> float | None:
        return max(k.topp_mb for k in self.kjoringer) if self.kjoringer else None

    @property
    def ganger_gulv(self) -> float | None:
        """The median of the pairwise ratios command / floor (pair i: the i-th run of each)."""
        par = list(zip(self.kjoringer, self.gulvkjoringer, strict=False))
        return statistics.median(a.tid_s / b.tid_s for a, b in par) if par else None

    @property
    def gulv_median_s(self) -> float | None:
        return statistics.median(k.tid_s for k in self.gulvkjoringer) if self.gulvkjoringer else None

    @property
    def ok(self) -> bool | None:
        if self.mal_s is None and self.mal_ganger is None and self.mal_mb is None:
            return None
        if self.feil or self.median_s is None:
            return False
        if self.mal_s is not None and self.median_s > self.mal_s:
            return False
        if self.mal_ganger is not None and (self.ganger_gulv or float("inf")) > self.mal_ganger:
            return False
        return self.mal_mb is None or (self.topp_mb or 0) <= self.mal_mb

    def som_json(self) -> dict:
        return {
            "navn": self.navn,
            "kommando": " ".join([self.program.name, *self.argumenter]),
            "mal_s": self.mal_s,
            "mal_mb": self.mal_mb,
            "runder": len(self.kjoringer),
            "median_s": self.median_s,
            "min_s": self.min_s,
            "cpu_median_s": self.cpu_median_s,
            "topp_mb": self.topp_mb,
            "tider_s": [k.tid_s for k in self.kjoringer],
            "topper_mb": [k.topp_mb for k in self.kjoringer],
            "gulv_median_s": self.gulv_median_s,
            "ganger_gulv": self.ganger_gulv,
            "ok": self.ok,
            "feil": self.feil,
            "merknad": self.merknad,
        }


def _maxrss_mb(bruk: resource.struct_rusage) -> float:
    # ru_maxrss is in kilobytes on Linux and the BSDs, in bytes on macOS.
    kb = bruk.ru_maxrss / 1024 if sys.platform == "darwin" else bruk.ru_maxrss
    return kb / 1024


def miljo_for(mappe: Path) -> dict[str, str]:
    """The children's environment.

    Every run reads compiled bytecode, as an installed program does, whatever the shell says
    (with PYTHONDONTWRITEBYTECODE every run would compile pakkehjem from source). The cache
    lives in the benchmark's folder, so nothing is written next to the code.
    """
    miljo = dict(os.environ)
    miljo.pop("PYTHONDONTWRITEBYTECODE", None)
    miljo.pop("PAKKEHJEM_DB", None)
    miljo["PYTHONPYCACHEPREFIX"] = str(mappe / "pycache")
    miljo["NO_COLOR"] = "1"
    return miljo


TERMINAL_BREDDE = 120


def kjor_i_terminal(argumenter: list[str], miljo: dict[str, str], program: Path = PROGRAM) -> Kjoring:
    """Run the CLI once with stdin and stdout on a pseudo-terminal, as a coordinator at a terminal
    does; the output is read (and thrown away) as it comes, as a terminal would."""
    import fcntl
    import pty
    import struct
    import termios
    import threading

    hoved, under = pty.openpty()
    fcntl.ioctl(under, termios.TIOCSWINSZ, struct.pack("HHHH", 40, TERMINAL_BREDDE, 0, 0))

    def tom() -> None:
        try:
            while os.read(hoved, 65536):
                pass
        except OSError:  # EIO: the program has closed the terminal
            pass

    leser = threading.Thread(target=tom, daemon=True)
    leser.start()
    env = {k: v for k, v in miljo.items() if k not in ("NO_COLOR", "COLUMNS")}
    with tempfile.TemporaryFile() as feilut:
        try:
            start = time.perf_counter()
            prosess = subprocess.Popen(
                [str(program), *argumenter], stdin=under, stdout=under, stderr=feilut, env=env
            )
            _, status, bruk = os.wait4(prosess.pid, 0)
            tid = time.perf_counter() - start
        finally:
            os.close(under)
            leser.join(timeout=10)
            os.close(hoved)
        kode = os.waitstatus_to_exitcode(status)
        prosess.returncode = kode
        feilut.seek(0)
        feiltekst = feilut.read().decode("utf-8", "replace").strip()[-500:]
    return Kjoring(tid, _maxrss_mb(bruk), bruk.ru_utime + bruk.ru_stime, kode, feiltekst)


def kjor_en(
    argumenter: list[str],
    miljo: dict[str, str],
    stdout: Path | None = None,
    program: Path = PROGRAM,
    terminal: bool = False,
) -> Kjoring:
    """Run the CLI (or another program) once and read the child's own resource usage."""
    if terminal:
        return kjor_i_terminal(argumenter, miljo, program)
    with tempfile.TemporaryFile() as feilut:
        ut = open(stdout, "wb") if stdout else subprocess.DEVNULL  # noqa: SIM115
        try:
            start = time.perf_counter()
            prosess = subprocess.Popen(
                [str(program), *argumenter],
                stdin=subprocess.DEVNULL,
                stdout=ut,
                stderr=feilut,
                env=miljo,
            )
            _, status, bruk = os.wait4(prosess.pid, 0)
            tid = time.perf_counter() - start
        finally:
            if stdout:
                ut.close()
        kode = os.waitstatus_to_exitcode(status)
        prosess.returncode = kode  # reaped by wait4; tell Popen so it does not wait again
        feilut.seek(0)
        feiltekst = feilut.read().decode("utf-8", "replace").strip()[-500:]
    return Kjoring(tid, _maxrss_mb(bruk), bruk.ru_utime + bruk.ru_stime, kode, feiltekst)


def _beskriv_svar(fil: Path) -> str:
    """The size of a JSON answer, read in a separate process.

    A child's ru_maxrss starts from this process's own peak (fork and vfork carry it over to
    the child until exec), so this process must never hold a large answer itself.
    """
    storrelse = fil.stat().st_size / 1024 / 1024
    svar = subprocess.run(
        [
            sys.executable,
            "-c",
            "import json, sys; d = json.load(open(sys.argv[1], encoding='utf-8'));"
            " print(len(d) if isinstance(d, list) else '')",
            str(fil),
        ],
        capture_output=True,
        text=True,
    )
    rader = svar.stdout.strip()
    return (f"{rader} rader, " if rader else "") + f"{storrelse:.1f} MB JSON"


def _egen_topp_mb() -> float:
    """This process's own peak RSS: no child can be measured below it (see _beskriv_svar)."""
    return _maxrss_mb(resource.getrusage(resource.RUSAGE_SELF))


def _gulvets_rader(ut: Path) -> str:
    """The floor's answer counted: one line a row, or, where the rows are JSON objects SQLite
    joined into one line (the work list), the objects. Read a megabyte at a time: this process
    must never hold a large answer (see `_beskriv_svar`)."""
    merke = b'{"pasient_id":'
    objekter = linjer = 0
    rest = b""
    with open(ut, "rb") as fil:
        while bit := fil.read(1 << 20):
            data = rest + bit
            objekter += data.count(merke)
            linjer += bit.count(b"\n")
            # The tail that could be the start of a mark cut in two; it holds no whole mark.
            rest = data[-(len(merke) - 1) :]
    if objekter:
        return f"{objekter} objekter"
    return f"{linjer} linjer"


def mal(maling: Maling, runder: int, oppvarming: int, mappe: Path, miljo: dict[str, str]) -> None:
    """Warm up (untimed), then time `runder` runs; a failing run ends the measure."""
    for i in range(oppvarming):
        # The first warm-up run keeps its output so the size of the answer can be reported.
        ut = mappe / "oppvarming.out" if i == 0 and not maling.terminal else None
        kjoring = kjor_en(maling.argumenter, miljo, ut, maling.program, maling.terminal)
        if kjoring.kode != 0:
            maling.feil = f"kode {kjoring.kode}: {kjoring.feiltekst}"
            return
        if ut is not None:
            if "--json" in maling.argumenter:
                maling.merknad = _beskriv_svar(ut)
            ut.unlink(missing_ok=True)
    if maling.gulv is not None:
        # The floor's warm-up keeps its output: its row count is printed next to pakkehjem's,
        # so a floor query that no longer reads the same rows shows.
        ut = mappe / "gulv.out"
        kjor_en(maling.gulv, miljo, ut, program=Path("/bin/sh"))
        maling.merknad = ", ".join(filter(None, [maling.merknad, f"gulvet: {_gulvets_rader(ut)}"]))
        ut.unlink(missing_ok=True)
    for _ in range(runder):
        kjoring = kjor_en(maling.argumenter, miljo, program=maling.program, terminal=maling.terminal)
        if kjoring.kode != 0:
            maling.feil = f"kode {kjoring.kode}: {kjoring.feiltekst}"
            return
        maling.kjoringer.append(kjoring)
        if maling.gulv is not None:
            gulv = kjor_en(maling.gulv, miljo, program=Path("/bin/sh"))
            if gulv.kode != 0:
                maling.feil = f"gulvet feilet, kode {gulv.kode}: {gulv.feiltekst}"
                return
            maling.gulvkjoringer.append(gulv)


class Uro:
    """How busy the machine was with other work while we measured (Linux /proc/stat)."""

    def __init__(self) -> None:
        self.start = self._les()
        self.barn = self._barn_cpu()
        self.tid = time.monotonic()

    @staticmethod
    def _barn_cpu() -> float:
        bruk = resource.getrusage(resource.RUSAGE_CHILDREN)
        return bruk.ru_utime + bruk.ru_stime

    @staticmethod
    def _les() -> tuple[int, int] | None:
        try:
            with open("/proc/stat", encoding="ascii") as fil:
                verdier = [int(v) for v in fil.readline().split()[1:]]
        except (OSError, ValueError):
            return None
        return sum(verdier) - verdier[3] - verdier[4], sum(verdier)  # busy, total (ticks)

    def andre_cpu(self) -> float | None:
        """Average CPUs used by others: all busy CPU time minus our children's, per second."""
        slutt = self._les()
        if self.start is None or slutt is None:
            return None
        opptatt_s = (slutt[0] - self.start[0]) / os.sysconf("SC_CLK_TCK")
        egen_s = self._barn_cpu() - self.barn
        varighet = time.monotonic() - self.tid
        return max(0.0, opptatt_s - egen_s) / varighet if varighet > 0 else None


def _tall(verdi: float | None, desimaler: int) -> str:
    return "-" if verdi is None else f"{verdi:.{desimaler}f}"


def _mal_tekst(maling: Maling) -> str:
    deler = []
    if maling.mal_s is not None:
        deler.append(f"≤ {maling.mal_s:g} s")
    if maling.mal_ganger is not None:
        deler.append(f"≤ {maling.mal_ganger:g}× gulv")
    if maling.mal_mb is not None:
        deler.append(f"≤ {maling.mal_mb:g} MB")
    return ", ".join(deler) or "(referanse)"


def skriv_tabell(malinger: list[Maling]) -> None:
    rader = [("Måling", "Median s", "Min s", "Gulv s", "× gulv", "Topp MB", "Runder", "Mål", "")]
    for m in malinger:
        rader.append(
            (
                m.navn,
                _tall(m.median_s, 3),
                _tall(m.min_s, 3),
                _tall(m.gulv_median_s, 3),
                _tall(m.ganger_gulv, 2),
                _tall(m.topp_mb, 1),
                str(len(m.kjoringer)),
                _mal_tekst(m),
                {True: "✓", False: "✗", None: ""}[m.ok],
            )
        )
    bredder = [max(len(r[i]) for r in rader) for i in range(len(rader[0]))]
    hoyre = {1, 2, 3, 4, 5, 6}
    for nr, rad in enumerate(rader):
        celler = [
            c.rjust(b) if i in hoyre else c.ljust(b)
            for i, (c, b) in enumerate(zip(rad, bredder, strict=True))
        ]
        print("  ".join(celler).rstrip())
        if nr == 0:
            print("  ".join("-" * b for b in bredder))
    print()
    for m in malinger:
        if m.kjoringer:
            tider = ", ".join(f"{k.tid_s:.3f}" for k in m.kjoringer)
            print(f"  {m.navn}: {tider} s" + (f" ({m.merknad})" if m.merknad else ""))
        if m.feil:
            print(f"  {m.navn}: FEILET, {m.feil}")


def _git() -> str | None:
    """The project's commit, with -dirty when the working tree has changes (None without git)."""
    try:
        svar = subprocess.run(
            ["git", "-C", str(PROSJEKT), "describe", "--always", "--dirty"],
            capture_output=True,
            text=True,
            timeout=10,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if svar.returncode != 0:
        return None
    return svar.stdout.strip() or None


def _versjon() -> str:
    try:
        from importlib.metadata import version

        return version("pakkehjem")
    except Exception:
        return "ukjent"


# A conversation with needs, actions, scores and consent: what a real letter holds.
BREVSVAR = {
    "tilstede_hvem": ["pasient", "pårørende"],
    "samtaleform": "hjemmebesøk",
    "hva_er_viktig": "Å være hjemme og ha overskudd til barnebarna.",
    "jobb_behov": "behov",
    "jobb_notat": "Sykmeldt, vil tilbake i redusert stilling.",
    "jobb_tiltak": [{"hva": "Møte med NAV-veileder", "ansvarlig": "NAV", "frist": None}],
    "okonomi_behov": "ønsker ikke å snakke om det",
    "familie_behov": "ingen behov",
    "belastning_grad": 6,
    "symptomer_na": True,
    "symptom_smerte": 3,
    "samtykke_fastlege": True,
}


def lag_brevpasient(db: Path, ref: str, mappe: Path, miljo: dict[str, str]) -> str | None:
    """Untimed setup for the letter measures: one more patient (local number `ref`, the next
    after the demo data) with a finished conversation, and a sender. Returns what went wrong."""
    svarfil = mappe / "brevsvar.json"
    svarfil.write_text(json.dumps(BREVSVAR, ensure_ascii=False), encoding="utf-8")
    diagnosedato = (datetime.now() - timedelta(days=100)).date().isoformat()
    lag_fnr = "import datetime, random, sys; from pakkehjem.fnr import lag_syntetisk; print(lag_syntetisk("
    lag_fnr += "datetime.date(1955, 6, 1), random.Random(int(sys.argv[1]))))"
    for seed in range(1, 30):  # a synthetic number the demo data did not already use
        fnr = subprocess.run(
            [sys.executable, "-c", lag_fnr, str(seed)], capture_output=True, text=True, env=miljo
        ).stdout.strip()
        ny = ["ny-pasient", "--fnr", fnr, "--navn", "Brev Måling", "--diagnosedato", diagnosedato]
        if kjor_en(["--db", str(db), *ny], miljo).kode == 0:
            break
    else:
        return "fant ikke et ledig syntetisk fødselsnummer"
    for steg in (
        ["samtale", ref, "--svar", str(svarfil)],
        ["avsender", "--navn", "Måler", "--rolle", "kreftkoordinator", "--telefon", "12 34 56 78"],
    ):
        kjoring = kjor_en(["--db", str(db), *steg], miljo)
        if kjoring.kode != 0:
            return f"{steg[0]}: kode {kjoring.kode}: {kjoring.feiltekst}"
    return None


IMPORT_RADER = 10_000


def lag_importfil(db: Path, mappe: Path, miljo: dict[str, str]) -> str | None:
    """Untimed setup for the import measure: a CSV of IMPORT_RADER patients none of whom is in
    the register (demo data added to a copy, exported, the new rows kept). Returns what went wrong."""
    kilde = mappe / "importkilde.db"
    # copy2 keeps the mode (0600): pakkehjem refuses a register others can read.
    shutil.copy2(db, kilde)
    alle = mappe / "importkilde.csv"
    for steg in (
        ["eksempeldata", "--antall", str(IMPORT_RADER), "--seed", str(SEED + 1)],
        ["eksport", "pasienter", "-o", str(alle)],
    ):
        kjoring = kjor_en(["--db", str(kilde), *steg], miljo)
        if kjoring.kode != 0:
            return f"{steg[0]}: kode {kjoring.kode}: {kjoring.feiltekst}"
    # Streamed: this process must stay small, its peak memory is where every child's starts.
    with (
        open(alle, encoding="utf-8", newline="") as inn,
        open(mappe / "import.csv", "w", encoding="utf-8", newline="") as ut,
    ):
        ut.write(inn.readline())
        ut.writelines(collections.deque(inn, maxlen=IMPORT_RADER))
    for fil in mappe.glob("importkilde*"):
        fil.unlink()
    return None


# Each import run gets a fresh copy of the register (the copy is part of the measured time).
IMPORT_SKRIPT = 'cp "$1" "$2" && rm -f "$2-wal" "$2-shm" && exec "$0" --db "$2" importer "$3"'


# The floor of a command: starting Python at all, plus the sqlite3 command-line shell running the
# same SELECT on the same file. Nothing can read the same rows faster from a fresh process, so
# "× gulv" says how much pakkehjem adds on top of the work itself.
GULV_SKRIPT = '"$0" -c pass && exec sqlite3 -readonly "$1" "$2"'
# The work list reads its scattered rows through a memory map (Transaksjon.spredt_lesing).
GULV_KART_SKRIPT = '"$0" -c pass && exec sqlite3 -readonly -mmap 4294967296 "$1" "$2"'
BARE_PYTHON = '"$0" -c pass'


def gulv_sql(idag: datetime, vis_ref: str) -> dict[str, str]:
    """The SELECTs the floor runs: the rows `forfaller --uke`, `vis REF` and `pasienter` read.

    Masking and the derived state are written in SQL here (the sqlite3 shell has no Python
    functions); the row counts are checked against pakkehjem's own output in the run.
    """
    dag = idag.date()
    mandag = dag - timedelta(days=dag.weekday())
    sondag = mandag + timedelta(days=6)
    i, fra, til, grense = f"'{dag}'", f"'{max(mandag, dag)}'", f"'{sondag}'", f"'{max(sondag, dag)}'"
    tilstand = (
        f"CASE WHEN {i} < s.forfall_fra THEN 'ikke_apnet' WHEN {i} > s.forfall_til THEN 'forfalt'"
        " ELSE 'i_vindu' END"
    )
    # The list shows the points of the register's service (the setting `tjeneste`), as
    # pakkehjem does; a register without the setting (or the table: older code) shows all.
    tjeneste = """AND coalesce(s.ansvarlig = (
            SELECT CASE json_extract(verdi, '$') WHEN 'kommune' THEN 'kommunen'
                   WHEN 'sykehus' THEN 'spesialisthelsetjenesten' END
            FROM innstilling WHERE navn = 'tjeneste'), 1)"""
    # Read as pakkehjem reads it (GULV_KART_SKRIPT: through a memory map), in the index's
    # order, the start of the due range first, and joined as pakkehjem has SQLite join it: the
    # overdue objects, the others, and the listed patients' ids (for the access log).
    forfaller = f"""
        SELECT CAST(group_concat(iif(forfalt, rad, NULL), ',') AS BLOB),
               CAST(group_concat(iif(forfalt, NULL, rad), ',') AS BLOB),
               group_concat(pasient_id, ',')
        FROM (
            SELECT s.forfall_til < {i} AS forfalt, p.id AS pasient_id, json_object(
                'pasient_id', p.id, 'navn', p.navn, 'fnr', substr(p.fnr, 1, 6) || '*****',
                'kommune', p.kommune, 'koordinator', p.koordinator, 'forlop', s.forlop_nr,
                'sp', s.sp, 'ansvarlig', s.ansvarlig, 'vindu_fra', s.vindu_fra,
                'vindu_til', s.vindu_til, 'status', s.status, 'dato', s.dato,
                'klokkeslett', s.klokkeslett, 'sted', s.sted, 'tilstand', {tilstand}) AS rad
            FROM samhandlingspunkt s
            JOIN pasient p ON p.id = s.pasient_id
            WHERE s.forfall_til IS NOT NULL AND s.forlop_status = 'aktiv'
              AND s.forfall_fra <= {grense}
              AND (s.forfall_til < {i} OR (s.forfall_til >= {fra} AND s.forfall_fra <= {til}))
              {tjeneste}
            ORDER BY s.forfall_fra, s.forfall_til, p.navn, p.id, s.sp
        );
    """
    pid = int(vis_ref)
    vis = f"""
        SELECT * FROM pasient WHERE id = {pid};
        SELECT * FROM forlop WHERE pasient_id = {pid} ORDER BY nr;
        SELECT s.*, f.nr FROM samhandlingspunkt s JOIN forlop f ON f.id = s.forlop_id
            WHERE f.pasient_id = {pid} ORDER BY f.nr, s.sp;
        SELECT * FROM hendelse WHERE pasient_id = {pid} ORDER BY id;
        SELECT * FROM samtale WHERE pasient_id = {pid} ORDER BY id;
        SELECT v.* FROM svar v JOIN samtale t ON t.id = v.samtale_id WHERE t.pasient_id = {pid};
        SELECT * FROM tiltak WHERE pasient_id = {pid};
        SELECT * FROM samtykke WHERE pasient_id = {pid};
        SELECT * FROM brev WHERE pasient_id = {pid};
    """
    pasienter = f"""
        SELECT json_object('pasient_id', p.id, 'navn', p.navn, 'fnr', substr(p.fnr, 1, 6) || '*****',
            'kommune', p.kommune, 'koordinator', p.koordinator, 'status', p.status, 'forlop', f.nr,
            'diagnosedato', f.diagnosedato, 'diagnose', f.diagnose, 'neste', CASE WHEN s.sp IS NULL
            THEN NULL ELSE json_object('sp', s.sp, 'status', s.status, 'dato', s.dato,
            'vindu_fra', s.vindu_fra, 'vindu_til', s.vindu_til, 'tilstand', {tilstand}) END)
        FROM pasient p
        LEFT JOIN forlop f ON f.pasient_id = p.id AND f.status = 'aktiv'
        LEFT JOIN samhandlingspunkt s ON s.id = (
            SELECT s2.id FROM samhandlingspunkt s2
            WHERE s2.forlop_id = f.id AND s2.forfall_til IS NOT NULL ORDER BY s2.sp LIMIT 1)
        WHERE p.status = 'aktiv'
        ORDER BY p.navn COLLATE NOCASE, p.id;
    """
    return {"forfaller": forfaller, "vis": vis, "pasienter": pasienter}


def main(argv: list[str] | None = None) -> int:
    tolker = argparse.ArgumentParser(
        description="Måler pakkehjem på et stort demoregister (eksempeldata) og sammenligner med målene."
    )
    tolker.add_argument("--antall", type=int, default=100_000, help="pasienter i registeret (100000)")
    tolker.add_argument("--runder", type=int, default=5, help="målte kjøringer per kommando (5)")
    tolker.add_argument(
        "--oppvarming", type=int, default=1, help="kjøringer som ikke måles, før hver kommando (1)"
    )
    tolker.add_argument("--ref", help=f"pasienten for «vis» (standard {VIS_REF}, eller den siste)")
    tolker.add_argument(
        "--bare",
        metavar="NAVN,...",
        help="mål bare målingene som har et av disse ordene i navnet (for eksempel help,vis); "
        "uten en som trenger registeret, lages det ikke",
    )
    tolker.add_argument("--json", type=Path, metavar="FIL", help="skriv resultatene som JSON hit")
    tolker.add_argument(
        "--behold", type=Path, metavar="MAPPE", help="lag registeret her og la det ligge igjen"
    )
    args = tolker.parse_args(argv)
    if args.antall < 1 or args.runder < 1 or args.oppvarming < 0:
        tolker.error("--antall og --runder må være minst 1, --oppvarming minst 0")
    if not PROGRAM.exists():
        tolker.error(f"fant ikke {PROGRAM}: kjør med pythonen i miljøet der pakkehjem er installert")
    ref = args.ref or str(min(VIS_REF, args.antall))

    if args.behold:
        mappe = args.behold.resolve()
        mappe.mkdir(parents=True, exist_ok=True)
        if (mappe / "bench.db").exists():
            tolker.error(f"{mappe / 'bench.db'} finnes fra før: velg en tom mappe")
    else:
        mappe = Path(tempfile.mkdtemp(prefix="pakkehjem-bench-"))
    db = mappe / "bench.db"
    miljo = miljo_for(mappe)

    git = _git()
    print(
        f"pakkehjem {_versjon()}"
        + (f" (git {git})" if git else "")
        + f", Python {platform.python_version()}, {platform.platform()}, {os.cpu_count()} CPU-er"
    )
    print(f"Register: {args.antall} pasienter (seed {SEED}) i {db}")
    print(f"{args.runder} målte runder per kommando etter {args.oppvarming} oppvarming\n")

    bygg = Maling(
        f"eksempeldata --antall {args.antall}",
        ["--db", str(db), "eksempeldata", "--antall", str(args.antall), "--seed", str(SEED)],
        mal_s=120.0 if args.antall >= 1_000_000 else 30.0,  # issue 14: 1,000,000 in 2 minutes
    )
    brevref = str(args.antall + 1)  # made by lag_brevpasient after the demo data
    brev = ["--db", str(db), "brev", brevref, "--til", "fastlege"]
    pdf = mappe / "brev.pdf"
    sql = gulv_sql(datetime.now(), ref)
    python = sys.executable
    malinger = [
        bygg,
        Maling(
            "forfaller --uke --json",
            ["--db", str(db), "forfaller", "--uke", "--json"],
            # issue 14: ≤ 2 × the floor at 100,000; at 1,000,000 ≤ 1.5 s (the memory map's pages
            # of the register file count in the peak there, so no memory target).
            *((1.5, None) if args.antall >= 1_000_000 else (0.25, 100.0)),
            mal_ganger=None if args.antall >= 1_000_000 else 2.0,
            gulv=["-c", GULV_KART_SKRIPT, python, str(db), sql["forfaller"]],
        ),
        Maling(
            f"vis {ref} --json",
            ["--db", str(db), "vis", ref, "--json"],
            0.2,
            mal_ganger=3.0,
            gulv=["-c", GULV_SKRIPT, python, str(db), sql["vis"]],
        ),
        Maling(
            "--help",
            ["--help"],
            0.15,
            mal_ganger=3.0,
            gulv=["-c", BARE_PYTHON, python],
            trenger_register=False,
        ),
        Maling(
            f"--help (terminal, {TERMINAL_BREDDE} kolonner)",
            ["--help"],
            0.15,
            mal_ganger=3.0,
            gulv=["-c", BARE_PYTHON, python],
            terminal=True,
            trenger_register=False,
        ),
        Maling(
            "pasienter --json",
            ["--db", str(db), "pasienter", "--json"],
            None,
            100.0,
            mal_ganger=2.0,
            gulv=["-c", GULV_SKRIPT, python, str(db), sql["pasienter"]],
        ),
        Maling("brev REF --til fastlege (txt)", brev, 0.3),
        Maling("brev REF --format pdf", [*brev, "--format", "pdf", "-o", str(pdf), "--overskriv"], 1.0),
        Maling(
            "brev REF --format fhir",
            [*brev[:-1], "kommune", "--format", "fhir", "-o", str(mappe / "brev.json"), "--overskriv"],
            0.5,
        ),
        Maling("oversikt", ["--db", str(db), "oversikt"], 0.5),
        Maling(
            f"statistikk --ar {datetime.now().year}",
            ["--db", str(db), "statistikk", "--ar", str(datetime.now().year)],
            1.0,
        ),
        Maling(
            f"importer {IMPORT_RADER} rader",
            [
                "-c",
                IMPORT_SKRIPT,
                str(PROGRAM),
                str(db),
                str(mappe / "importkopi.db"),
                str(mappe / "import.csv"),
            ],
            10.0,
            program=Path("/bin/sh"),
            merknad="med kopi av registeret",
        ),
        # How fast this machine starts Python at all: read the other figures against it.
        Maling("python -c pass", ["-c", "pass"], None, program=Path(sys.executable), trenger_register=False),
    ]
    if args.bare:
        ord_ = [o.strip() for o in args.bare.split(",") if o.strip()]
        malinger = [m for m in malinger if m is bygg or any(o in m.navn for o in ord_)]
        if not any(m.trenger_register for m in malinger[1:]) and not any(o in bygg.navn for o in ord_):
            malinger.remove(bygg)
    andre_cpu = None
    try:
        # Untimed: fills the bytecode cache, so the build does not pay for compiling.
        kjor_en(["--db", str(mappe / "oppvarming.db"), "eksempeldata", "--antall", "10"], miljo)
        for fil in mappe.glob("oppvarming.db*"):
            fil.unlink()
        uro = Uro()
        if bygg not in malinger:
            # Only measures that need no register (--help, python -c pass).
            for maling in malinger:
                mal(maling, args.runder, args.oppvarming, mappe, miljo)
            kjoring = None
        else:
            # The register is built once, so the build is one run (wall time and peak memory).
            kjoring = kjor_en(bygg.argumenter, miljo)
        if kjoring is None:
            pass
        elif kjoring.kode == 0:
            bygg.kjoringer.append(kjoring)
            bygg.merknad = f"databasefil {db.stat().st_size / 1024 / 1024:.0f} MB"
            navn = " ".join(m.navn for m in malinger)
            if "brev" in navn and (feil := lag_brevpasient(db, brevref, mappe, miljo)):
                print(f"  Oppsettet for brevmålingene feilet: {feil}")
            if "importer" in navn and (feil := lag_importfil(db, mappe, miljo)):
                print(f"  Oppsettet for importmålingen feilet: {feil}")
            for maling in malinger[1:]:
                mal(maling, args.runder, args.oppvarming, mappe, miljo)
        else:
            bygg.feil = f"kode {kjoring.kode}: {kjoring.feiltekst}"
        andre_cpu = uro.andre_cpu()
        skriv_tabell(malinger)
        print(f"\n  Måleren selv: topp {_egen_topp_mb():.1f} MB; ingen kommando kan måles under dette.")
        if andre_cpu is not None:
            print(f"  Annen last på maskinen under målingene: {andre_cpu:.2f} CPU i snitt.")
            if andre_cpu > 0.25:
                print("  ADVARSEL: maskinen var opptatt med annet, så tidene er usikre. Kjør igjen senere.")
    finally:
        if not args.behold:
            shutil.rmtree(mappe, ignore_errors=True)
        else:
            print(f"\nRegisteret ligger igjen i {db}")

    if args.json:
        resultat = {
            "tidspunkt": datetime.now().astimezone().isoformat(timespec="seconds"),
            "pakkehjem": _versjon(),
            "git": git,
            "python": platform.python_version(),
            "plattform": platform.platform(),
            "cpu": os.cpu_count(),
            "antall": args.antall,
            "runder": args.runder,
            "oppvarming": args.oppvarming,
            "maler_topp_mb": _egen_topp_mb(),
            "annen_last_cpu": andre_cpu,
            "malinger": [m.som_json() for m in malinger],
        }
        try:
            args.json.parent.mkdir(parents=True, exist_ok=True)
            args.json.write_text(json.dumps(resultat, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        except OSError as feil:
            print(f"Kunne ikke skrive {args.json}: {feil.strerror}")
        else:
            print(f"Resultatene er skrevet til {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
