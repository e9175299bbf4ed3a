"""Hostile input, fuzzed with hypothesis through the real CLI entry point.

Every run goes through the Typer `app` (the top group `cli.Hovedgruppe.main` maps every failure to
an exit code), and a smaller sample through the installed console script as a subprocess. The
invariant is the same everywhere (`sjekk_invariant`): exit 0, 1 or 2; on failure a Norwegian
message on stderr and nothing on stdout; never a traceback nor «Uventet feil»; the exception is
SystemExit; after a refusal every table of the register holds exactly the rows it held before
(the access log too: a refused command leaves no log rows); and no output shows the full
fødselsnummer of a registered patient the user did not type (on success, stdout may: `vis`, `eksport`
and the letters show the patient they were asked for).

Targets: every text, number, date and path option and argument of every command (found from the
click command tree, so a new command is fuzzed automatically); answers files for `samtale --svar`;
CSV files for `importer`; guide files for `sjekk-guide` and the `guide` setting; near-valid dates
and fødselsnumre.

Each example works on its own copy of a register prepared once per module, in its own folder,
which is also the working directory (relative paths and PDFs without -o land there).

Environment:
- PAKKEHJEM_FUZZ_EKSEMPLER=N: max_examples of every fuzz test (default: a few per test, ~30 s in all).
  A deep run: `PAKKEHJEM_FUZZ_EKSEMPLER=2000 .venv/bin/python -m pytest tests/test_fuzz.py -q -s`;
  add HYPOTHESIS_PROFILE=dev for new random examples instead of the derandomized ones.
- The number of CLI runs checked ("fuzz cases run") is printed at the end of the module.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import sqlite3
import subprocess
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import typer
import typer.testing
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from pakkehjem import fnr as fnr_regler
from pakkehjem import guide as guide_modul
from pakkehjem.cli import app
from varm_prosess import VarmProsess

FUZZ_EKSEMPLER = int(os.environ.get("PAKKEHJEM_FUZZ_EKSEMPLER", "0") or 0)

IDAG = date.today()
I_DAG = IDAG.isoformat()
DIAGNOSEDATO = (IDAG - timedelta(days=20)).isoformat()
OM_EN_UKE = (IDAG + timedelta(days=7)).isoformat()
OM_TO_UKER = (IDAG + timedelta(days=14)).isoformat()

# Patients of the prepared register (see `fuzzmiljo`): 1-4 from eksempeldata, 5 with SP1 open and
# SP2... planned (and an appointment), 6 with a finished SP1 conversation, tiltak and consents.
APEN = "5"
FERDIG = "6"


def eksempler(standard: int) -> settings:
    """The settings of a fuzz test: `standard` examples, or PAKKEHJEM_FUZZ_EKSEMPLER."""
    return settings(
        max_examples=FUZZ_EKSEMPLER or standard,
        deadline=None,
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.large_base_example,
            HealthCheck.filter_too_much,
        ],
    )


# --- the register snapshot and the invariant ---------------------------------------------------


def registerinnhold(db: Path) -> dict[str, Any]:
    """Every table's rows, in storage order, and the schema version: what "unchanged" means."""
    tilkobling = sqlite3.connect(db)
    try:
        tabeller = [
            r[0]
            for r in tilkobling.execute(
                "SELECT name FROM sqlite_master"
                " WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
            )
        ]
        innhold: dict[str, Any] = {
            "user_version": tilkobling.execute("PRAGMA user_version").fetchone()[0],
            "skjema": tilkobling.execute(
                "SELECT type, name, sql FROM sqlite_master ORDER BY name"
            ).fetchall(),
        }
        for tabell in tabeller:
            innhold[tabell] = tilkobling.execute(f'SELECT * FROM "{tabell}" ORDER BY rowid').fetchall()
        return innhold
    finally:
        tilkobling.close()


def _uten_mellomrom(tekst: str) -> str:
    return "".join(tekst.split())


def _kommandoen(args: list[str]) -> str:
    """The command of a command line, after the top options (`--db PATH`)."""
    i = 0
    while i < len(args) and args[i].startswith("--db"):
        i += 1 if "=" in args[i] else 2
    return args[i] if i < len(args) else ""


def sjekk_invariant(
    resultat: Any,
    args: list[str],
    for_: dict[str, Any],
    db: Path,
    registrerte_fnr: set[str],
    *,
    skrevet: str = "",
    tillat_avbrudd: bool = False,
) -> None:
    """The one invariant of every fuzz case.

    `for_` is the register before the run; `skrevet` is whatever else the user typed (file contents),
    so a fødselsnummer the user gave may come back. `tillat_avbrudd`: the interactive conversation with
    no terminal ends as on Ctrl-C (exit 130, answers so far kept), by design (cli.md).
    """
    hva = f"pakkehjem {args!r:.500}"
    kode = resultat.exit_code
    if tillat_avbrudd and kode == 130:
        assert "Traceback" not in resultat.output, hva
        return
    assert kode in (0, 1, 2), (hva, kode, resultat.output[-2000:], repr(resultat.exception))
    # Every way out is the top group's sys.exit (or a normal return).
    assert resultat.exception is None or isinstance(resultat.exception, SystemExit), (
        hva,
        repr(resultat.exception),
    )
    for strom in (resultat.stdout, resultat.stderr):
        assert "Traceback" not in strom, (hva, strom[-2000:])
        assert "Uventet feil" not in strom, (hva, strom[-2000:])
    if kode != 0 and _kommandoen(args) == "sjekk":
        # `sjekk` answers with its report on stdout, and exit 1 when the file is not fine.
        assert resultat.stdout.strip() or resultat.stderr.strip(), hva
    elif kode != 0:
        assert resultat.stderr.strip(), (hva, "a refusal must say what was wrong")
        assert resultat.stdout == "", (hva, resultat.stdout[-2000:])
    if kode != 0:
        etter = registerinnhold(db)
        if etter != for_:
            endret = sorted(t for t in set(etter) | set(for_) if etter.get(t) != for_.get(t))
            raise AssertionError(f"{hva}: exit {kode}, but the register changed: {endret}")
    typet = _uten_mellomrom(" ".join(args) + skrevet)
    for nummer in registrerte_fnr:
        if nummer in typet:
            continue
        assert nummer not in _uten_mellomrom(resultat.stderr), (hva, "a fødselsnummer in a message")
        if kode != 0:
            assert nummer not in resultat.stdout, hva


# --- the prepared register and one example's folder ---------------------------------------------


@dataclass(repr=False)
class Fuzzmiljo:
    """What every example starts from: a prepared register, its content, and valid input files."""

    rot: Path
    mal: Path
    mal_innhold: dict[str, Any]
    registrerte_fnr: set[str]
    gyldig_svar: dict[str, Any]
    guidetekst: str
    teller: Counter = field(default_factory=Counter)
    rng: random.Random = field(default_factory=lambda: random.Random(4711))
    _nr: int = 0

    def __repr__(self) -> str:
        return f"Fuzzmiljo({self.rot})"  # the default repr holds the whole register

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:
        # Hypothesis prints a dataclass field by field, past __repr__, and does so for each
        # explicit @example (its report, shown on failure): the whole register each time.
        p.text(repr(self))

    def nytt_fnr(self) -> str:
        """A synthetic fødselsnummer not in the register."""
        while True:
            nummer = fnr_regler.lag_syntetisk(date(1961, 3, 14), self.rng)
            if nummer not in self.registrerte_fnr:
                return nummer

    @contextmanager
    def eksempel(self) -> Iterator[Eksempel]:
        """A folder of its own with a fresh copy of the prepared register; removed afterwards."""
        self._nr += 1
        mappe = self.rot / f"eksempel-{self._nr}"
        mappe.mkdir()
        shutil.copy(self.mal, mappe / "register.db")  # with its mode, 0600
        self.teller["eksempler"] += 1
        try:
            yield Eksempel(self, mappe)
        finally:
            shutil.rmtree(mappe, ignore_errors=True)


def miljovariabler(mappe: Path, db: Path) -> dict[str, str | None]:
    """The environment of a run: everything inside `mappe`."""
    return {
        "PAKKEHJEM_DB": str(db),
        "PAKKEHJEM_VENTETID": "0.5",
        "HOME": str(mappe / "hjem"),
        "XDG_DATA_HOME": str(mappe / "hjem" / "data"),
        "NO_COLOR": "1",
        "PAKKEHJEM_FEILSOK": None,
        "FORCE_COLOR": None,
        "TTY_COMPATIBLE": None,
        "TTY_INTERACTIVE": None,
        "COLUMNS": None,
    }


def _kjor_app(args: list[str], mappe: Path, db: Path, input: str | bytes | None = "") -> Any:
    """One in-process run of `pakkehjem ARGS` with `mappe` as the working directory."""
    from pakkehjem import visning

    # The rich consoles are cached per process; each run gets fresh ones bound to its own streams.
    visning._ut = None
    visning._feil = None
    forrige = Path.cwd()
    os.chdir(mappe)
    # CliRunner builds the click tree from the Typer app on every call (~50 ms); the tree built once
    # is the same group, with the same `main`.
    bygg = typer.testing._get_command
    typer.testing._get_command = lambda a: KOMMANDOTRE if a is app else bygg(a)
    try:
        return CliRunner().invoke(
            app, args, input=input, env=miljovariabler(mappe, db), prog_name="pakkehjem"
        )
    finally:
        typer.testing._get_command = bygg
        os.chdir(forrige)


@dataclass
class Eksempel:
    """One example: its folder (the working directory) and its register."""

    miljo: Fuzzmiljo
    mappe: Path
    _kjent: dict[str, Any] | None = None

    @property
    def db(self) -> Path:
        return self.mappe / "register.db"

    def fil(self, navn: str, innhold: str | bytes) -> Path:
        """A file in this example's folder."""
        sti = self.mappe / navn
        sti.write_bytes(innhold.encode("utf-8") if isinstance(innhold, str) else innhold)
        return sti

    def kjor(self, *args: str, skrevet: str | bytes = "", tillat_avbrudd: bool = False) -> Any:
        """Run and check the invariant; returns the result."""
        for_ = self._kjent if self._kjent is not None else self.miljo.mal_innhold
        resultat = _kjor_app([str(a) for a in args], self.mappe, self.db)
        self.miljo.teller["kjoringer"] += 1
        if isinstance(skrevet, bytes):
            skrevet = skrevet.decode("utf-8", "replace")
        sjekk_invariant(
            resultat,
            list(args),
            for_,
            self.db,
            self.miljo.registrerte_fnr,
            skrevet=skrevet,
            tillat_avbrudd=tillat_avbrudd,
        )
        # After a success the register may have changed: the next run compares with what it is now.
        self._kjent = registerinnhold(self.db) if resultat.exit_code in (0, 130) else for_
        return resultat


def _verdi_for(sporsmal: guide_modul.Sporsmal) -> Any:
    """A fixed valid answer to a question of any type."""
    if sporsmal.type == "valg":
        return "behov" if "behov" in (sporsmal.valg or ()) else sporsmal.valg[0]
    if sporsmal.type == "flervalg":
        return [sporsmal.valg[0]]
    if sporsmal.type == "skala":
        return sporsmal.max
    if sporsmal.type == "janei":
        return True
    if sporsmal.type == "dato":
        return OM_TO_UKER
    if sporsmal.type == "tiltak":
        return [{"hva": "Samtale med helsesykepleier", "ansvarlig": "kommunen", "frist": OM_TO_UKER}]
    return "Pasienten forteller om hverdagen."


def fullt_svarsett(guiden: guide_modul.Guide) -> dict[str, Any]:
    """An answer to every question that is shown, given the answers before it."""
    svar: dict[str, Any] = {}
    for sporsmal in guiden.alle_sporsmal():
        if guide_modul.er_synlig(sporsmal, svar):
            svar[sporsmal.id] = _verdi_for(sporsmal)
    return svar


@pytest.fixture(scope="module")
def fuzzmiljo(
    tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[Fuzzmiljo]:
    """The prepared register: patients at every stage, a finished conversation, consents, an appointment."""
    rot = tmp_path_factory.mktemp("fuzz")
    mal = rot / "mal.db"
    guiden = guide_modul.last_guide(None)
    fullt = fullt_svarsett(guiden)
    (rot / "fullt.json").write_text(json.dumps(fullt, ensure_ascii=False), encoding="utf-8")
    rng = random.Random(20261123)
    fnr_apen = fnr_regler.lag_syntetisk(date(1958, 4, 2), rng)
    fnr_ferdig = fnr_regler.lag_syntetisk(date(1972, 9, 30), rng)
    oppsett = [
        ["innstillinger", "tillat_syntetiske", "ja"],
        ["eksempeldata", "--antall", "4", "--seed", "7"],
        ["ny-pasient", "--fnr", fnr_apen, "--navn", "Åpen Fuzzesen", "--diagnosedato", DIAGNOSEDATO,
         "--koordinator", "Kari", "--kommune", "Bodø", "--telefon", "40000000"],
        ["ny-pasient", "--fnr", fnr_ferdig, "--navn", "Ferdig Fuzzesen", "--diagnosedato", DIAGNOSEDATO,
         "--koordinator", "Kari", "--fastlege", "Dr. Lege"],
        ["samtale", FERDIG, "--svar", str(rot / "fullt.json")],
        ["samtykke", FERDIG, "--til", "fastlege", "--ja"],
        ["samtykke", FERDIG, "--til", "nav", "--nei"],
        ["avtal", APEN, OM_EN_UKE, "--kl", "10:00", "--sted", "kontor"],
        ["avsender", "--navn", "Kari Koordinator", "--telefon", "75000000"],
    ]  # fmt: skip
    for args in oppsett:
        resultat = _kjor_app(args, rot, mal)
        assert resultat.exit_code == 0, (args, resultat.output, resultat.exception)
    tilkobling = sqlite3.connect(mal)
    registrerte = {r[0] for r in tilkobling.execute("SELECT fnr FROM pasient")}
    assert tilkobling.execute("SELECT count(*) FROM tiltak").fetchone()[0] >= 1
    tilkobling.close()
    miljo = Fuzzmiljo(
        rot=rot,
        mal=mal,
        mal_innhold=registerinnhold(mal),
        registrerte_fnr=registrerte,
        gyldig_svar={s.id: _verdi_for(s) for s in guiden.alle_sporsmal() if s.pakrevd and not s.vis_hvis},
        guidetekst=guide_modul._les_fil(None)[1],
    )
    yield miljo
    tekst = (
        f"{miljo.teller['kjoringer']} fuzz cases run ({miljo.teller['eksempler']} hypothesis examples, "
        f"{miljo.teller['underprosess']} of the runs through the console script)"
    )
    fil = os.environ.get("PAKKEHJEM_FUZZ_RAPPORT")
    if fil:
        Path(fil).write_text(tekst + "\n", encoding="utf-8")
    rapport = request.config.pluginmanager.get_plugin("terminalreporter")
    if rapport is not None:
        # Printed when the session ends: output of a fixture's teardown is captured.
        request.config.add_cleanup(lambda: rapport.write_line(f"test_fuzz.py: {tekst}"))


# --- strategies ------------------------------------------------------------------------------------

# What argv can carry: any character but surrogates and NUL. In-process runs add NUL (see below).
TEGN_ARGV = st.characters(exclude_categories=("Cs",), exclude_characters="\x00")
TEGN = st.characters(exclude_categories=("Cs",))
SPESIELLE = [
    "\x00", "\x01", "\x07", "\x08", "\t", "\n", "\r", "\r\n", "\x0b", "\x0c", "\x1b[31m", "\x1b]0;x\x07",
    "\x7f",
    "\x85", "\xa0", "\u200b", "\u200d", "\u200e", "\u200f", "\u202a", "\u202e", "\u2066", "\u2028", "\u2029",
    "\ufeff", "\ufffd", "\uffff", "\U0001f600", "\U0001f1f3\U0001f1f4", "e\u0301", "ß", "İ", "ﬃ", "Å", "æøå",
    "ÆØÅ", "٣", "１", "𝟙", "²", "Ⅻ", "ﷺ", "[bold]", "[/]", "[/bold]", "[link=file:///etc/passwd]x[/link]",
    "[red", "]", "%s", "%n", "{0}", "{}", "{{x}}", "{% raw %}", "<script>", "&amp;", "'", '"', "`", "\\",
    "/", "..", "~", "$HOME", "$(id)", ";", "--", "-", "=1+1", "+1", "@SUM(A1)", "=cmd|' /C calc'!A0",
    "DROP TABLE pasient;--", "' OR 1=1 --", " ", "", "ja", "nei", "1", "0", "-1", "1e309", "nan", "None",
]  # fmt: skip
LANGE_BITER = ["a", "æ", "\u202e", "1", " ", "\n", "[", "-", "ab\x00", "🙂"]

ARABISKE = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
FULLBREDDE = str.maketrans("0123456789", "０１２３４５６７８９")
DEVANAGARI = str.maketrans("0123456789", "०१२३४५६७८९")

NESTEN_DATOER = st.one_of(
    st.sampled_from(
        [
            "31.02.2026", "29.02.2026", "29.02.2028", "29.02.2100", "2026-02-30", "2026-13-01", "2026-00-10",
            "2026-11-00", "2026-11-31", "0000-01-01", "0001-01-01", "1849-12-31", "1850-01-01", "2200-12-31",
            "2201-01-01", "9999-12-31", "10000-01-01", "-2026-11-23", "+2026-11-23", "2026-1-1", "1.1.2026",
            "32.01.2026", "00.01.2026", "23.11.26", "2026/11/23", "23/11/2026", "2026-11-23T10:00",
            "2026-11-23 10:00", " 2026-11-23 ", "2026-11-23\n", "\t23.11.2026", "2026-W48", "2026-W53",
            "2027-W53", "i dag", "i morgen", "0", "-1", "", " ", "2026-11-23x", "2026-11-2\u0663",
            "2026\u201011\u201023", "23.11.2026.", "١٢.١١.٢٠٢٦", "２０２６-１１-２３",
        ]
    ),
    st.builds(
        "{:04d}-{:02d}-{:02d}".format, st.integers(0, 10_000), st.integers(0, 13), st.integers(0, 32)
    ),
    st.builds("{:02d}.{:02d}.{:04d}".format, st.integers(0, 32), st.integers(0, 13), st.integers(0, 10_000)),
    st.dates().map(date.isoformat),
    st.tuples(st.dates().map(date.isoformat), st.sampled_from([ARABISKE, FULLBREDDE, DEVANAGARI])).map(
        lambda t: t[0].translate(t[1])
    ),
)  # fmt: skip

# Fødselsnumre: "@REG:<form>@" is the registered patient's number in that form, filled in when run.
FNR_FORMER = {
    "som_er": lambda n: n,
    "kontrollsiffer": lambda n: n[:-1] + str((int(n[-1]) + 1) % 10),
    "ti_siffer": lambda n: n[:10],
    "tolv_siffer": lambda n: n + "0",
    "mellomrom": lambda n: f"{n[:6]} {n[6:]}",
    "bindestrek": lambda n: f"{n[:6]}-{n[6:]}",
    "punktum": lambda n: f"{n[:2]}.{n[2:4]}.{n[4:6]} {n[6:]}",
    "arabisk": lambda n: n.translate(ARABISKE),
    "fullbredde": lambda n: n.translate(FULLBREDDE),
    "linjeskift": lambda n: f" {n}\n",
    "nullbredde": lambda n: f"{n[:6]}\u200b{n[6:]}",
    "hnummer": lambda n: n[:2] + f"{int(n[2:4]) - 40:02d}" + n[4:],
    "ekte_maned": lambda n: n[:2] + f"{int(n[2:4]) - 80:02d}" + n[4:],
}
_FNR_RNG = random.Random(31)
NYE_FNR = [fnr_regler.lag_syntetisk(date(1950 + i, 1 + i % 12, 1 + i), _FNR_RNG) for i in range(8)]
NESTEN_FNR = st.one_of(
    st.tuples(st.sampled_from(sorted(FNR_FORMER)), st.sampled_from(NYE_FNR)).map(
        lambda t: FNR_FORMER[t[0]](t[1])
    ),
    st.sampled_from(sorted(FNR_FORMER)).map(lambda form: f"@REG:{form}@"),
    st.sampled_from(
        ["00000000000", "11111111111", "99999999999", "01010000000", "٣" * 11, "１" * 11, "1" * 200]
    ),
    st.integers(0, 10**12).map(str),
)


def fiendtlig_tekst(tegn: st.SearchStrategy[str] = TEGN, lengst: int = 100_000) -> st.SearchStrategy[str]:
    """Hostile text: any characters, control and direction marks, markup, very long, leading dashes."""
    return st.one_of(
        st.text(tegn, max_size=40),
        st.lists(st.sampled_from(SPESIELLE), min_size=1, max_size=8).map("".join),
        st.builds(lambda bit, n: (bit * n)[:n], st.sampled_from(LANGE_BITER), st.integers(1_000, lengst)),
        st.text(tegn, max_size=12).map(lambda s: "-" + s),
        st.text(tegn, max_size=12).map(lambda s: "--" + s),
        st.integers().map(str),
        st.integers(2**63 - 3, 2**80).map(str),
        NESTEN_DATOER,
        NESTEN_FNR,
    )


FIENDTLIG = fiendtlig_tekst()
# For the console script: no NUL, and no argument near the kernel's 128 KiB limit per argument.
FIENDTLIG_ARGV = fiendtlig_tekst(TEGN_ARGV, 20_000).map(lambda s: s.replace("\x00", ""))


def _filnavn(tekst: str) -> str:
    """Hostile text as one file name inside the example's folder (no separators, never empty)."""
    navn = tekst.replace("/", "_").replace("\\", "_").replace("\x00", "")[:200]
    return navn if navn.strip() else "tom"


STIER = st.one_of(
    st.sampled_from(
        [
            "@GYLDIG@", "ny.txt", "ny.pdf", "ny.json", "ny.csv", "ny.ics", "ny.db", ".", "..", "mappe", "-",
            "finnes-ikke/ny.txt", "eksisterer.txt", "tilfeldig.bin", "tom.txt", "~", "~/ny.txt",
            "ny fil æøå.txt", "x" * 255, "x" * 300, "-o", "--json",
        ]
    ),
    st.text(TEGN_ARGV, min_size=1, max_size=30).map(_filnavn),
)  # fmt: skip

DATONAVN = {"dato", "diagnosedato", "avtalt", "ny_dato", "spor_igjen", "fra", "til"}
FNRNAVN = {"fnr", "ref"}


def _art(param: Any) -> str:
    """sti, heltall, flagg or tekst, from the click parameter (typer carries its own click: duck typing)."""
    if getattr(param, "is_flag", False):
        return "flagg"
    if param.type.name == "path":
        return "sti"
    if param.type.name in ("int", "int range", "integer", "integer range"):
        return "heltall"
    return "tekst"


def _er_argument(param: Any) -> bool:
    return param.param_type_name == "argument"


def _sma_tall(verdi: str) -> str:
    """`eksempeldata --antall`: a huge number would fill the disk, not find a bug."""
    try:
        return "3" if int(verdi.strip()) > 20 else verdi
    except ValueError:
        return verdi


def fiendtlig_verdi(kommando: str, param: Any, tekst: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """A hostile value for one option or argument, by its kind."""
    art = _art(param)
    if art == "sti":
        return STIER
    if param.name in DATONAVN and not (
        kommando in ("forfaller", "statistikk", "logg") and param.name == "til"
    ):
        strategi = st.one_of(NESTEN_DATOER, tekst)
    elif param.name in DATONAVN or param.name in FNRNAVN:
        strategi = st.one_of(NESTEN_DATOER, NESTEN_FNR, tekst)
    elif art == "heltall":
        strategi = st.one_of(st.integers().map(str), st.integers(2**62, 2**90).map(str), tekst)
    else:
        strategi = tekst
    if param.name == "antall":
        strategi = strategi.map(_sma_tall)
    return strategi


# Options a command needs to get past its first check; given valid values unless fuzzed themselves.
TRENGER = {
    ("ny-pasient", "fnr"), ("ny-pasient", "navn"), ("ny-pasient", "diagnosedato"), ("samtykke", "til"),
    ("brev", "til"), ("residiv", "diagnosedato"), ("avsla", "spor_igjen"), ("innstillinger", "navn"),
    ("innstillinger", "verdi"), ("eksempeldata", "antall"),  # left out, --antall is 200 patients
    # Left out, the booklet is a PDF of many pages (seconds of WeasyPrint per example, and the same
    # input checks and file writing as txt); --format itself is still fuzzed, and the PDF is
    # test_hefte's.
    ("hefte", "format_"),
}  # fmt: skip


def gyldig_verdi(kommando: str, navn: str, e: Eksempel) -> str:
    """A valid value for an option or argument of a command, in this example's folder."""
    if navn == "fnr":
        return e.miljo.nytt_fnr()
    if navn == "ref":
        return FERDIG if kommando == "brev" else APEN
    if navn == "svar":
        return str(e.fil("svar.json", json.dumps(e.miljo.gyldig_svar, ensure_ascii=False)))
    if navn == "fil":
        if kommando == "importer":
            return str(
                e.fil(
                    "import.csv", f"fnr;navn;diagnosedato\n{e.miljo.nytt_fnr()};Ny Importsen;{DIAGNOSEDATO}\n"
                )
            )
        if kommando == "sikkerhetskopi":
            return "kopi.db"
        return str(e.fil("guide.yaml", e.miljo.guidetekst))
    if navn == "ut":
        return {"statistikk": "ut.csv", "kalender": "ut.ics", "eksport": "ut.csv"}.get(kommando, "ut.txt")
    if navn == "navn":
        return {"innstillinger": "avsender_navn", "brev": "Bergen kommune", "avsender": "Kari"}.get(
            kommando, "Ny Fuzzesen"
        )
    if navn == "til":
        return I_DAG if kommando in ("forfaller", "statistikk", "logg") else "fastlege"
    if navn == "diagnosedato":
        return DIAGNOSEDATO if kommando == "ny-pasient" else I_DAG
    faste = {
        "avtalt": OM_EN_UKE, "ny_dato": OM_EN_UKE, "spor_igjen": OM_TO_UKER, "dato": I_DAG,
        "fra": DIAGNOSEDATO,
        "verdi": "Kari K.", "grunn": "flyttet" if kommando == "avslutt" else "Pasienten er på ferie",
        "format_": "csv" if kommando == "eksport" else "txt", "sprak": "nynorsk", "hva": "pasienter",
        "sp": "1", "antall": "2", "seed": "5", "varighet": "45", "grense": "3", "ar": str(IDAG.year),
        "tiltak_id": "1", "uke": "48", "per": "kommune", "ansvarlig": "kommunen", "kl": "10:30",
        "sted": "kontor", "til_kommune": "Tromsø", "diagnose": "C50.9", "kommune": "Bodø",
        "fastlege": "Dr. Lege", "koordinator": "Kari", "telefon": "40000000", "rolle": "koordinator",
        "tjeneste": "Helsehuset", "bruker": "kari",
    }  # fmt: skip
    return faste.get(navn, "Fuzz")


def fyll_inn(verdi: str, e: Eksempel) -> str:
    """Placeholders of the strategies: @GYLDIG@ is set by the caller; @REG:form@ a registered number."""
    if "@REG:" in verdi:
        registrert = sorted(e.miljo.registrerte_fnr)[0]
        for form, lag in FNR_FORMER.items():
            verdi = verdi.replace(f"@REG:{form}@", lag(registrert))
    return verdi


def lag_args(
    data: st.DataObject,
    kommando: str,
    e: Eksempel,
    tekst: st.SearchStrategy[str] = FIENDTLIG,
    *,
    fuzzet: str | None = None,
    strategi: st.SearchStrategy[str] | None = None,
) -> list[str]:
    """`kommando` with one of its options or arguments hostile and the others valid or left out.

    `fuzzet` names the parameter to make hostile (else one is drawn), `strategi` its values.
    """
    cmd = KOMMANDOER[kommando]
    verdiparametre = [p for p in cmd.params if _art(p) != "flagg"]
    if fuzzet is not None:
        mal = next(p for p in verdiparametre if p.name == fuzzet)
    else:
        mal = data.draw(st.sampled_from(verdiparametre), label="fuzzet") if verdiparametre else None
    valg: list[str] = []
    argumenter: list[str] = []
    for param in verdiparametre:
        if param is mal:
            verdi = data.draw(
                strategi if strategi is not None else fiendtlig_verdi(kommando, param, tekst),
                label=str(param.name),
            )
            if verdi == "@GYLDIG@":
                verdi = gyldig_verdi(kommando, str(param.name), e)
        elif param.required or (kommando, param.name) in TRENGER or data.draw(st.booleans()):
            verdi = gyldig_verdi(kommando, str(param.name), e)
        elif _er_argument(param):
            break  # a later argument would take this one's place
        else:
            continue
        verdi = fyll_inn(verdi, e)
        if param.name == "antall":
            verdi = _sma_tall(verdi)  # after fyll_inn: a registered fødselsnummer is a huge number too
        if _er_argument(param):
            argumenter.append(verdi)
            continue
        navn = data.draw(st.sampled_from(param.opts))
        if navn.startswith("--") and data.draw(st.booleans()):
            valg.append(f"{navn}={verdi}")
        else:
            valg += [navn, verdi]
    for param in cmd.params:
        if _art(param) == "flagg" and data.draw(st.booleans()):
            valg.append(param.opts[0])
    skille = ["--"] if argumenter and data.draw(st.booleans()) else []
    return [kommando, *valg, *skille, *argumenter]


def forbered_mappe(e: Eksempel) -> None:
    """Files and folders the path strategies point at."""
    (e.mappe / "mappe").mkdir()
    e.fil("eksisterer.txt", "finnes fra før\n")
    e.fil("tilfeldig.bin", bytes(range(256)) * 4)
    e.fil("tom.txt", b"")


KOMMANDOTRE = typer.main.get_command(app)
KOMMANDOER: dict[str, Any] = KOMMANDOTRE.commands  # type: ignore[attr-defined]


# --- 1. every option and argument of every command ----------------------------------------------------


def test_kommandotreet_er_funnet() -> None:
    """The fuzzing below reaches every command; a new command is fuzzed without touching this file."""
    assert {"ny-pasient", "vis", "samtale", "brev", "importer", "sjekk-guide"} <= set(KOMMANDOER)
    arter = Counter(_art(p) for c in KOMMANDOER.values() for p in c.params)
    assert arter["tekst"] > 50 and arter["sti"] >= 8 and arter["heltall"] >= 8 and arter["flagg"] > 10, arter


@pytest.mark.parametrize("kommando", sorted(KOMMANDOER))
@eksempler(8)
@given(data=st.data())
def test_hvert_valg_taler_fiendtlig_tekst(fuzzmiljo: Fuzzmiljo, kommando: str, data: st.DataObject) -> None:
    with fuzzmiljo.eksempel() as e:
        forbered_mappe(e)
        args = lag_args(data, kommando, e)
        interaktiv = kommando == "samtale" and not any(a.startswith("--svar") for a in args)
        e.kjor(*args, tillat_avbrudd=interaktiv)


@eksempler(15)
@given(data=st.data(), db=STIER)
def test_db_valget_taler_fiendtlige_stier(fuzzmiljo: Fuzzmiljo, data: st.DataObject, db: str) -> None:
    """`--db PATH` before any command: a folder, a file that is no register, a new file."""
    with fuzzmiljo.eksempel() as e:
        forbered_mappe(e)
        kommando = data.draw(st.sampled_from(["vis", "pasienter", "sjekk", "dbsti", "forfaller", "logg"]))
        args = lag_args(data, kommando, e)
        e.kjor("--db", db if db != "@GYLDIG@" else str(e.db), *args)


def _kjor_skript(args: list[str], mappe: Path, db: Path) -> Any:
    """The installed console script as a subprocess; a result shaped like CliRunner's."""
    skript = Path(sys.executable).with_name("pakkehjem")
    miljo = {k: v for k, v in os.environ.items() if not k.startswith("PAKKEHJEM_")}
    miljo.update({k: v for k, v in miljovariabler(mappe, db).items() if v is not None})
    for navn, verdi in miljovariabler(mappe, db).items():
        if verdi is None:
            miljo.pop(navn, None)
    prosess = subprocess.run(
        [str(skript), *args], cwd=mappe, env=miljo, stdin=subprocess.DEVNULL, capture_output=True, timeout=60
    )

    @dataclass
    class Utfall:
        exit_code: int
        stdout: str
        stderr: str
        exception: BaseException | None = None

        @property
        def output(self) -> str:
            return self.stdout + self.stderr

    return Utfall(
        prosess.returncode,
        prosess.stdout.decode("utf-8", "replace"),
        prosess.stderr.decode("utf-8", "replace"),
        None if prosess.returncode == 0 else SystemExit(prosess.returncode),
    )


@eksempler(6)
@given(data=st.data())
def test_konsollskriptet_taler_fiendtlig_tekst(fuzzmiljo: Fuzzmiljo, data: st.DataObject) -> None:
    """A smaller sample through the real console script: real argv, real streams, a real exit."""
    kommando = data.draw(st.sampled_from(sorted(KOMMANDOER)))
    with fuzzmiljo.eksempel() as e:
        forbered_mappe(e)
        args = lag_args(data, kommando, e, FIENDTLIG_ARGV)
        resultat = _kjor_skript(args, e.mappe, e.db)
        fuzzmiljo.teller["kjoringer"] += 1
        fuzzmiljo.teller["underprosess"] += 1
        interaktiv = kommando == "samtale" and not any(a.startswith("--svar") for a in args)
        sjekk_invariant(
            resultat, args, fuzzmiljo.mal_innhold, e.db, fuzzmiljo.registrerte_fnr, tillat_avbrudd=interaktiv
        )


# --- 2. answers files for `samtale REF --svar FILE` -------------------------------------------------

GUIDEN = guide_modul.last_guide(None)
SPORSMAL = {s.id: s for s in GUIDEN.alle_sporsmal()}
KORT_TEKST = st.one_of(st.text(TEGN, max_size=30), st.sampled_from(SPESIELLE))
JSONVERDI = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | KORT_TEKST,
    lambda barn: st.lists(barn, max_size=4) | st.dictionaries(KORT_TEKST, barn, max_size=4),
    max_leaves=12,
)
ANSVARLIGE = st.sampled_from(guide_modul.STANDARD_TILTAK_ANSVARLIGE)


def nesten_gyldig_svar(sporsmal: guide_modul.Sporsmal) -> st.SearchStrategy[Any]:
    """An answer of the question's type, now and then just beside what it takes."""
    if sporsmal.type in ("valg", "flervalg"):
        valg = list(sporsmal.valg or ["x"])
        ett = (
            st.sampled_from(valg)
            | st.sampled_from(valg).map(str.upper)
            | st.sampled_from(valg).map(" {} ".format)
        )
        return ett if sporsmal.type == "valg" else st.lists(ett, max_size=len(valg) + 1) | ett
    if sporsmal.type == "skala":
        lav, hoy = sporsmal.min or 0, sporsmal.max or 10
        return st.integers(lav - 2, hoy + 2) | st.integers(lav, hoy).map(str) | st.floats(lav, hoy)
    if sporsmal.type == "janei":
        return st.booleans() | st.sampled_from(["ja", "nei", "Ja", " NEI ", "j", "yes", "1", 0, 1])
    if sporsmal.type == "dato":
        return NESTEN_DATOER | st.dates()
    if sporsmal.type == "tiltak":
        tiltak = st.fixed_dictionaries(
            {"hva": KORT_TEKST, "ansvarlig": ANSVARLIGE | KORT_TEKST},
            optional={"frist": NESTEN_DATOER | st.none() | st.dates(), "ukjent": KORT_TEKST},
        )
        return st.lists(tiltak, max_size=3) | tiltak
    return KORT_TEKST | st.text(TEGN, min_size=1, max_size=200)


@st.composite
def svarsett(draw: st.DrawFn) -> dict[Any, Any]:
    """Answers to some questions: near-valid values, wrong types, and now and then unknown ids."""
    svar: dict[Any, Any] = {}
    for sid in draw(st.lists(st.sampled_from(sorted(SPORSMAL)), max_size=12, unique=True)):
        svar[sid] = draw(st.one_of(nesten_gyldig_svar(SPORSMAL[sid]), JSONVERDI, FIENDTLIG))
    if draw(st.booleans()):
        svar["samtaleform"] = draw(nesten_gyldig_svar(SPORSMAL["samtaleform"]))
    svar.update(draw(st.dictionaries(KORT_TEKST, JSONVERDI, max_size=2)))
    return svar


def _milliard_latter(niva: int = 12) -> str:
    """YAML's "billion laughs": each level ten aliases of the one before."""
    linjer = ['a0: &a0 ["ha", "ha", "ha", "ha", "ha", "ha", "ha", "ha", "ha", "ha"]']
    for i in range(1, niva):
        linjer.append(f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]")
    linjer.append(f"samtaleform: *a{niva - 1}")
    linjer.append(f"hva_er_viktig: *a{niva - 1}")
    linjer.append(f"familie_tiltak: *a{niva - 1}")
    return "\n".join(linjer) + "\n"


# (file name, content) of files no strategy builds by chance. {mappe} is the example's folder.
SPESIELLE_SVARFILER = [
    ("dyp.json", "[" * 100_000 + "]" * 100_000),
    ("dyp-objekt.json", '{"a":' * 50_000 + "1" + "}" * 50_000),
    ("dyp.yaml", "[" * 100_000),
    ("dyp-blokk.yaml", "- " * 50_000 + "x\n"),
    ("dyp-verdi.json", json.dumps({"hva_er_viktig": json.loads("[" * 500 + "]" * 500)})),
    ("latter.yaml", _milliard_latter()),
    ("latter-nokkel.yaml", _milliard_latter().replace("samtaleform: ", "? ")),
    ("python.yaml", 'samtaleform: !!python/object/apply:os.system ["touch {mappe}/PWNED"]\n'),
    ("python-navn.yaml", "samtaleform: !!python/name:os.system\n"),
    ("binar.yaml", "samtaleform: hjemmebesøk\nhva_er_viktig: !!binary aGVp\n"),
    ("mengde.yaml", "samtaleform: hjemmebesøk\ntilstede_hvem: !!set {pasient: null, tolk: null}\n"),
    ("omap.yaml", "samtaleform: hjemmebesøk\nfamilie_tiltak: !!omap [{hva: x}, {ansvarlig: y}]\n"),
    ("flett.yaml",
     "b: &b {hva: x, ansvarlig: y}\nfamilie_behov: behov\nfamilie_tiltak: [{<<: *b, frist: 2026-12-01}]\n"),
    ("tidspunkt.yaml", "samtaleform: hjemmebesøk\nneste_dato: 2026-12-01 10:30:00\n"),
    ("dokumenter.yaml", "samtaleform: kontor\n---\nsamtaleform: telefon\n"),
    ("tall-nokler.yaml", "1: 2\nsamtaleform: kontor\n"),
    ("liste-nokkel.yaml", "? [1, 2]\n: x\n"),
    ("null-nokkel.yaml", "~: x\nsamtaleform: kontor\n"),
    ("tom.yaml", ""),
    ("tom.json", ""),
    ("liste.json", "[]"),
    ("tall.yaml", "42"),
    ("tekst.yaml", '"samtaleform"'),
    ("nul.yaml", "samtaleform: kontor\x00\n"),
    ("bom.json", '\ufeff{"samtaleform": "kontor"}'),
    ("crlf.yaml", "samtaleform: kontor\r\nhva_er_viktig: |\r\n  linje\r\n"),
    ("tab.yaml", "samtaleform:\tkontor\n\thva_er_viktig: x\n"),
    ("lang.json", json.dumps({"samtaleform": "kontor", "hva_er_viktig": "æ" * 100_000})),
    ("lang-tiltak.json",
     json.dumps({"samtaleform": "kontor", "tiltak_avtalt": [{"hva": "x" * 5000, "ansvarlig": "y"}] * 3})),
    ("mange-tiltak.json",
     json.dumps({"samtaleform": "kontor", "tiltak_avtalt": [{"hva": "x", "ansvarlig": "y"}] * 5000})),
    ("lang-nokkel.json", json.dumps({"k" * 100_000: 1, "samtaleform": "kontor"})),
    ("mange-nokler.json", json.dumps({f"ukjent_{i}": i for i in range(20_000)})),
    ("fnr-nokkel.json", json.dumps({"@REG:som_er@": "x", "samtaleform": "kontor"})),
    ("ukjent-tid.json",
     json.dumps({"samtaleform": "kontor", "neste_dato": OM_TO_UKER, "neste_tid": "etter lunsj"})),
    ("nan.json", '{"samtaleform": "kontor", "belastning_grad": NaN}'),
    ("uendelig.json", '{"samtaleform": "kontor", "belastning_grad": 1e999}'),
    ("stort-tall.json", '{"samtaleform": "kontor", "belastning_grad": ' + "9" * 5000 + "}"),
]  # fmt: skip
SPESIELLE_BYTES = [
    ("latin1.yaml", "samtaleform: hjemmebesøk\n".encode("latin-1")),
    ("utf16.json", '{"samtaleform": "kontor"}'.encode("utf-16")),
    ("tilfeldig.json", bytes(range(256))),
    ("ugyldig-utf8.yaml", b"samtaleform: \xff\xfe\xc3\x28\n"),
]


@st.composite
def svarfil(draw: st.DrawFn) -> tuple[str, bytes]:
    """(file name, bytes) of an answers file: structured, raw or one of the special files."""
    hvordan = draw(st.sampled_from(["json", "yaml", "spesiell", "bytes", "tekst"]))
    if hvordan == "spesiell":
        navn, tekst = draw(st.sampled_from(SPESIELLE_SVARFILER))
        return navn, tekst.encode("utf-8")
    if hvordan == "bytes":
        return draw(
            st.sampled_from(SPESIELLE_BYTES)
            | st.tuples(st.sampled_from(["x.json", "x.yaml"]), st.binary(max_size=300))
        )
    if hvordan == "tekst":
        return draw(st.sampled_from(["x.json", "x.yaml", "x"])), draw(st.text(TEGN, max_size=300)).encode(
            "utf-8", "surrogatepass"
        )
    svar = draw(svarsett())
    if hvordan == "json":
        tekst = json.dumps(svar, ensure_ascii=draw(st.booleans()), default=str)
    else:
        tekst = yaml.safe_dump(json.loads(json.dumps(svar, default=str)), allow_unicode=draw(st.booleans()))
    navn = draw(st.sampled_from(["svar.json", "svar.yaml", "svar.yml", "svar.JSON", "svar.txt", "svar"]))
    if hvordan == "yaml" and navn.lower().endswith(".json"):
        navn = "svar.yaml"
    koding = draw(st.sampled_from(["utf-8", "utf-8", "utf-8-sig", "cp1252", "utf-16"]))
    return navn, tekst.encode(koding, "replace")


@eksempler(40)
@given(
    fil=svarfil(),
    ref=st.sampled_from([APEN, APEN, APEN, FERDIG, "999", "@REG:som_er@"]),
    sp=st.sampled_from([None, "1", "2", "3", "0"]),
)
@example(fil=("dyp.json", ("[" * 100_000 + "]" * 100_000).encode()), ref=APEN, sp=None)
@example(fil=("dyp.yaml", ("[" * 100_000).encode()), ref=APEN, sp=None)
@example(fil=("svar.json", b'{"samtaleform": "kontor"}'), ref="999", sp=None)
@example(
    fil=(
        "tid.json",
        json.dumps({"samtaleform": "kontor", "neste_dato": OM_TO_UKER, "neste_tid": "etter lunsj"}).encode(),
    ),
    ref=APEN,
    sp=None,
)
def test_svarfiler_taler_alt(fuzzmiljo: Fuzzmiljo, fil: tuple[str, bytes], ref: str, sp: str | None) -> None:
    navn, innhold = fil
    with fuzzmiljo.eksempel() as e:
        innhold = (
            fyll_inn(innhold.decode("utf-8", "surrogateescape"), e)
            .replace("{mappe}", str(e.mappe))
            .encode("utf-8", "surrogateescape")
        )
        sti = e.fil(navn, innhold)
        args = ["samtale", fyll_inn(ref, e), "--svar", str(sti)] + (["--sp", sp] if sp else [])
        e.kjor(*args, skrevet=innhold)
        assert not (e.mappe / "PWNED").exists(), "a YAML tag ran code"


# --- 3. CSV files for `importer` --------------------------------------------------------------------

OVERSKRIFTER = [
    "fnr", "Fødselsnummer", "Personnr.", "FØDSELSNR", "navn", "Navn", "Pasientnavn", "fornavn", "etternavn",
    "Diagnosedato (dd.mm.åååå)", "diagnosedato", "diagnose", "ICD-10", "kommune", "fastlege", "koordinator",
    "telefon", "Tlf", "ukjent", "", " ", "(fnr)", "=fnr", "fnr\n", "\ufefffnr", "navn;fnr", '"navn"',
]  # fmt: skip
FORMLER = ["=1+1", "'=1+1", "+47 400 00 000", "-2", "@SUM(A1)", '=HYPERLINK("http://x")', "\t=1", "'\r=1"]
DIAGNOSER = ["C50.9", "c509", "C50", "Z00.0", "C50.99", "X", "C 50.9", "Ｃ５０．９", ""]


def _celle(overskrift: str) -> st.SearchStrategy[str]:
    felt = overskrift.lower()
    if "f" in felt and "n" in felt and "r" in felt and "navn" not in felt:
        return st.one_of(NESTEN_FNR, st.sampled_from(NYE_FNR), KORT_TEKST)
    if "dato" in felt:
        return st.one_of(NESTEN_DATOER, st.just(DIAGNOSEDATO), KORT_TEKST)
    if "diagnose" in felt or "icd" in felt:
        return st.one_of(st.sampled_from(DIAGNOSER), KORT_TEKST)
    return st.one_of(KORT_TEKST, st.sampled_from(FORMLER), st.just("Ola Nordmann"))


@st.composite
def csvfil(draw: st.DrawFn) -> bytes:
    """A CSV file: nearly-valid rows under real and odd headers, or raw bytes and text."""
    hvordan = draw(st.sampled_from(["strukturert", "strukturert", "strukturert", "bytes", "tekst", "stor"]))
    if hvordan == "bytes":
        return draw(st.binary(max_size=2000))
    if hvordan == "tekst":
        return draw(st.text(TEGN, max_size=500)).encode("utf-8")
    overskrifter = draw(
        st.lists(st.sampled_from(OVERSKRIFTER) | KORT_TEKST, min_size=0, max_size=8)
        | st.permutations(["fnr", "navn", "diagnosedato", "diagnose", "kommune"])
    )
    rader = [[draw(_celle(o)) for o in overskrifter] for _ in range(draw(st.integers(0, 6)))]
    if hvordan == "stor" and overskrifter:
        rader.append(["x" * 200_000] + [""] * (len(overskrifter) - 1))
    if rader and draw(st.booleans()):
        rader[draw(st.integers(0, len(rader) - 1))].append(draw(KORT_TEKST))  # a ragged row
    skilletegn = draw(st.sampled_from([",", ";", "\t", "|", ":"]))
    linjeslutt = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    import csv
    import io

    ut = io.StringIO()
    sitat = draw(st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL, csv.QUOTE_NONNUMERIC, csv.QUOTE_NONE]))
    skriver = csv.writer(ut, delimiter=skilletegn, lineterminator=linjeslutt, quoting=sitat, escapechar="\\")
    try:
        skriver.writerows([overskrifter, *rader])
    except csv.Error:
        skriver = csv.writer(ut, delimiter=skilletegn, lineterminator=linjeslutt)
        skriver.writerows([overskrifter, *rader])
    koding = draw(
        st.sampled_from(["utf-8", "utf-8", "utf-8-sig", "cp1252", "latin-1", "utf-16", "mac_roman"])
    )
    return ut.getvalue().encode(koding, "replace")


@eksempler(40)
@given(innhold=csvfil(), proving=st.booleans(), hopp=st.booleans(), json_ut=st.booleans())
@example(innhold=b'\n""\n', proving=False, hopp=False, json_ut=False)
def test_csv_import_taler_alt(
    fuzzmiljo: Fuzzmiljo, innhold: bytes, proving: bool, hopp: bool, json_ut: bool
) -> None:
    with fuzzmiljo.eksempel() as e:
        tekst = fyll_inn(innhold.decode("utf-8", "surrogateescape"), e)
        innhold = tekst.encode("utf-8", "surrogateescape")
        sti = e.fil("import.csv", innhold)
        args = (
            ["importer", str(sti)]
            + ["--proving"] * proving
            + ["--hopp-over-feil"] * hopp
            + ["--json"] * json_ut
        )
        resultat = e.kjor(*args, skrevet=innhold)
        if proving:
            assert registerinnhold(e.db) == fuzzmiljo.mal_innhold, "a trial import stored something"
        if json_ut and resultat.exit_code == 0:
            json.loads(resultat.stdout)


# --- 4. guide files: `sjekk-guide FILE`, `guide --fil FILE` and the `guide` setting ----------------

STANDARDGUIDE = yaml.safe_load(guide_modul._les_fil(None)[1])
GUIDENOKLER = [
    "id", "tittel", "versjon", "tema", "hjelp", "sporsmal", "tekst", "type", "pakrevd", "valg", "min", "max",
    "flagg_fra", "min_tekst", "max_tekst", "flerlinjet", "vis_hvis", "samtykke", "neste_avtale", "er",
    "en_av",
]  # fmt: skip
GUIDEVERDI = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | KORT_TEKST
    | st.sampled_from([*guide_modul.TYPER, *guide_modul.MOTTAKERE, "tilstede_hvem", "samtaleform"]),
    lambda barn: st.lists(barn, max_size=4)
    | st.dictionaries(st.sampled_from(GUIDENOKLER) | KORT_TEKST, barn, max_size=5),
    max_leaves=25,
)  # fmt: skip


def _stier(data: Any, sti: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path into a parsed guide: keys of mappings, indexes of lists."""
    ut = [sti]
    if isinstance(data, dict):
        for nokkel, verdi in data.items():
            ut += _stier(verdi, (*sti, nokkel))
    elif isinstance(data, list):
        for i, verdi in enumerate(data):
            ut += _stier(verdi, (*sti, i))
    return ut


@st.composite
def mutert_guide(draw: st.DrawFn) -> Any:
    """The shipped guide with a few changes: values replaced, keys removed, ids duplicated, nesting."""
    data = json.loads(json.dumps(STANDARDGUIDE))
    for _ in range(draw(st.integers(1, 4))):
        stier = [s for s in _stier(data) if s]
        sti = draw(st.sampled_from(stier))
        forelder = data
        for ledd in sti[:-1]:
            forelder = forelder[ledd]
        hva = draw(st.sampled_from(["erstatt", "fjern", "dupliser", "nest", "ny_nokkel"]))
        if hva == "erstatt":
            forelder[sti[-1]] = draw(GUIDEVERDI | FIENDTLIG)
        elif hva == "fjern":
            del forelder[sti[-1]]
        elif hva == "dupliser" and isinstance(forelder, list):
            forelder.append(json.loads(json.dumps(forelder[sti[-1]])))
        elif hva == "nest":
            verdi = forelder[sti[-1]]
            for _ in range(draw(st.integers(1, 60))):
                verdi = [verdi]
            forelder[sti[-1]] = verdi
        elif isinstance(forelder, dict):
            forelder[draw(st.sampled_from(GUIDENOKLER) | KORT_TEKST)] = draw(GUIDEVERDI)
    return data


SPESIELLE_GUIDER = [
    ("python.yaml",
     'id: !!python/object/apply:os.system ["touch {mappe}/PWNED"]\ntittel: x\nversjon: "1"\ntema: []\n'),
    ("python-modul.yaml", "id: !!python/module:os\n"),
    ("latter.yaml",
     _milliard_latter(10).replace("samtaleform", "tittel").replace("hva_er_viktig", "id")
     .replace("familie_tiltak", "tema")),
    ("dyp.yaml", "[" * 100_000),
    ("dyp-blokk.yaml", "- " * 50_000 + "x\n"),
    ("dyp-mapping.yaml", "{a: " * 50_000),
    ("dyp-innrykk.yaml", "".join(" " * i + f"k{i}:\n" for i in range(0, 3000, 1))),
    ("middels-dyp.yaml", "tema: " + "[" * 1500 + "]" * 1500 + "\n"),
    ("tom.yaml", ""),
    ("kommentar.yaml", "# bare en kommentar\n"),
    ("liste.yaml", "- id: x\n"),
    ("tall.yaml", "42\n"),
    ("dokumenter.yaml", "id: a\n---\nid: b\n"),
    ("nul.yaml", "id: a\x00\n"),
    ("tab.yaml", "id:\tx\ntema:\n\t- id: y\n"),
    ("bom.yaml", "\ufeff" + guide_modul._les_fil(None)[1]),
    ("crlf.yaml", guide_modul._les_fil(None)[1].replace("\n", "\r\n")),
    ("cr.yaml", guide_modul._les_fil(None)[1].replace("\n", "\r")),
    ("stor.yaml", guide_modul._les_fil(None)[1] + "# " + "x" * 2_000_000 + "\n"),
    ("lang-tittel.yaml",
     guide_modul._les_fil(None)[1].replace('tittel: "Kartleggingssamtale', 'tittel: "' + "æ" * 100_000, 1)),
    ("dobbel-id.yaml", guide_modul._les_fil(None)[1].replace("id: samtaleform", "id: tilstede_hvem")),
    ("dobbel-nokkel.yaml", 'id: a\nid: b\ntittel: x\nversjon: "1"\ntema: []\n'),
]  # fmt: skip
SPESIELLE_GUIDEBYTES = [
    ("latin1.yaml", "id: a\ntittel: Bodø\n".encode("latin-1")),
    ("utf16.yaml", guide_modul._les_fil(None)[1].encode("utf-16")),
    ("tilfeldig.yaml", bytes(range(256)) * 8),
]


@st.composite
def guidefil(draw: st.DrawFn) -> tuple[str, bytes]:
    hvordan = draw(st.sampled_from(["mutert", "mutert", "mutert", "tilfeldig", "spesiell", "bytes", "tekst"]))
    if hvordan == "spesiell":
        navn, tekst = draw(st.sampled_from(SPESIELLE_GUIDER))
        return navn, tekst.encode("utf-8")
    if hvordan == "bytes":
        return draw(
            st.sampled_from(SPESIELLE_GUIDEBYTES) | st.tuples(st.just("x.yaml"), st.binary(max_size=500))
        )
    if hvordan == "tekst":
        return "x.yaml", draw(st.text(TEGN, max_size=400)).encode("utf-8")
    data = draw(mutert_guide()) if hvordan == "mutert" else draw(GUIDEVERDI)
    return "guide.yaml", yaml.safe_dump(data, allow_unicode=draw(st.booleans())).encode("utf-8")


def _svar_til(guidetekst: bytes) -> dict[str, Any]:
    """A full set of answers to a valid guide (empty when it is not one)."""
    try:
        return fullt_svarsett(guide_modul.fra_tekst(guidetekst.decode("utf-8-sig")))
    except (guide_modul.GuideFeil, UnicodeDecodeError):
        return {}


@eksempler(10)
@given(fil=guidefil())
@example(fil=("dyp.yaml", b"[" * 100_000))
@example(fil=("dyp-blokk.yaml", b"- " * 50_000 + b"x\n"))
def test_guidefiler_taler_alt(fuzzmiljo: Fuzzmiljo, fil: tuple[str, bytes]) -> None:
    """Checked, shown, set as the register's guide, and used for a conversation and a letter."""
    navn, innhold = fil
    with fuzzmiljo.eksempel() as e:
        innhold = innhold.replace(b"{mappe}", str(e.mappe).encode())
        sti = e.fil(navn, innhold)
        sjekket = e.kjor("sjekk-guide", str(sti), skrevet=innhold)
        e.kjor("guide", "--fil", str(sti), "--json", skrevet=innhold)
        satt = e.kjor("innstillinger", "guide", str(sti), skrevet=innhold)
        assert (sjekket.exit_code == 0) == (satt.exit_code == 0), "sjekk-guide and the setting disagree"
        if satt.exit_code == 0:
            e.kjor("guide", "--json")
            svar = e.fil("svar.json", json.dumps(_svar_til(innhold), ensure_ascii=False))
            e.kjor("samtale", APEN, "--svar", str(svar))
            e.kjor("vis", APEN, "--json")
            e.kjor("brev", APEN, "--til", "kommune")
        assert not (e.mappe / "PWNED").exists(), "a YAML tag ran code"


@eksempler(8)
@given(fil=guidefil())
def test_guide_som_endres_etter_innstillingen_taler_alt(fuzzmiljo: Fuzzmiljo, fil: tuple[str, bytes]) -> None:
    """The guide file in use is replaced by anything: every command that reads it refuses cleanly."""
    navn, innhold = fil
    with fuzzmiljo.eksempel() as e:
        sti = e.fil("i-bruk.yaml", fuzzmiljo.guidetekst)
        assert e.kjor("innstillinger", "guide", str(sti)).exit_code == 0
        sti.write_bytes(innhold.replace(b"{mappe}", str(e.mappe).encode()))
        e.kjor("guide", skrevet=innhold)
        svar = e.fil("svar.json", json.dumps(fuzzmiljo.gyldig_svar))
        e.kjor("samtale", APEN, "--svar", str(svar), skrevet=innhold)
        e.kjor("vis", FERDIG, skrevet=innhold)
        e.kjor("brev", FERDIG, "--til", "fastlege", skrevet=innhold)
        e.kjor("statistikk", "--json")
        assert not (e.mappe / "PWNED").exists(), "a YAML tag ran code"


# --- 5. near-valid dates and fødselsnumre in every option that takes one ------------------------------

DATO_OG_FNR = sorted(
    (kommando, str(p.name))
    for kommando, cmd in KOMMANDOER.items()
    for p in cmd.params
    if p.name in DATONAVN or p.name in FNRNAVN
)


@eksempler(60)
@given(data=st.data(), hvor=st.sampled_from(DATO_OG_FNR))
def test_nesten_gyldige_datoer_og_fodselsnumre(
    fuzzmiljo: Fuzzmiljo, data: st.DataObject, hvor: tuple[str, str]
) -> None:
    kommando, navn = hvor
    strategi = st.one_of(NESTEN_DATOER, NESTEN_FNR) if navn in FNRNAVN else NESTEN_DATOER
    with fuzzmiljo.eksempel() as e:
        forbered_mappe(e)
        args = lag_args(data, kommando, e, fuzzet=navn, strategi=strategi)
        e.kjor(*args, tillat_avbrudd=kommando == "samtale" and not any(a.startswith("--svar") for a in args))


# --- raw command lines: any tokens after any command ---------------------------------------------------

LANGT_NAVN = "x" * 300
FUNNET_KOMMANDOLINJER = [
    ["tiltak-utfort", "1" * 100],
    ["logg", "--grense", "9" * 30],
    ["kalender", "-o", LANGT_NAVN],
    ["sikkerhetskopi", LANGT_NAVN],
    ["statistikk", "-o", LANGT_NAVN],
    ["eksport", "-o", LANGT_NAVN],
    ["--db", LANGT_NAVN, "vis", APEN],
    ["brev", "--til", "fastlege", "-o", ".", FERDIG],
    ["innkalling", "-o", ".", APEN],
    ["--db", LANGT_NAVN, "sjekk"],
    ["importer", "\x00"],
    ["avtal", "1" * 5000, OM_EN_UKE],
    ["sikkerhetskopi", "~finnes_ikke_fuzz/kopi.db"],
    ["krypter", "--til", "k" * 252],
]


@eksempler(30)
@given(
    args=st.tuples(
        # eksempeldata: a stray token could make --antall a fødselsnummer, billions of patients.
        st.sampled_from(sorted(set(KOMMANDOER) - {"eksempeldata"})),
        st.lists(
            st.sampled_from(SPESIELLE)
            | FIENDTLIG
            | st.sampled_from([APEN, FERDIG, "--json", "-o", "--sp", "--", "-h"]),
            max_size=6,
        ),
    ).map(lambda t: [t[0], *t[1]])
)
@example(args=FUNNET_KOMMANDOLINJER[0])
@example(args=FUNNET_KOMMANDOLINJER[1])
@example(args=FUNNET_KOMMANDOLINJER[2])
@example(args=FUNNET_KOMMANDOLINJER[3])
@example(args=FUNNET_KOMMANDOLINJER[4])
@example(args=FUNNET_KOMMANDOLINJER[5])
@example(args=FUNNET_KOMMANDOLINJER[6])
@example(args=FUNNET_KOMMANDOLINJER[7])
@example(args=FUNNET_KOMMANDOLINJER[8])
@example(args=FUNNET_KOMMANDOLINJER[9])
@example(args=FUNNET_KOMMANDOLINJER[10])
@example(args=FUNNET_KOMMANDOLINJER[11])
@example(args=FUNNET_KOMMANDOLINJER[12])
@example(args=FUNNET_KOMMANDOLINJER[13])
def test_vilkarlige_kommandolinjer(fuzzmiljo: Fuzzmiljo, args: list[str]) -> None:
    """Any tokens after any command, and the command lines fuzzing found wrong (examples)."""
    with fuzzmiljo.eksempel() as e:
        forbered_mappe(e)
        args = [fyll_inn(a, e) for a in args]
        e.kjor(*args, tillat_avbrudd=args[0] == "samtale" and not any(a.startswith("--svar") for a in args))


# --- funnet av fuzzing: each case the fuzzing found, as a plain test ------------------------------------


def test_guide_nestet_hundre_tusen_nivaer_avvises_uten_krasj(tmp_path: Path, varm: VarmProsess) -> None:
    """libyaml's C composer recursed ~30,000 levels deep and the process died (SIGSEGV, no message).

    Run as a process of its own (`python -m pakkehjem`, forked from the worker's warm Python):
    in-process the crash would take the test run with it.
    """
    fil = tmp_path / "dyp.yaml"
    for innhold in ("[" * 100_000, "- " * 50_000 + "x\n", "{a: " * 50_000):
        fil.write_text(innhold, encoding="utf-8")
        kode, _, feil_ = varm.kjor(
            ["sjekk-guide", str(fil)],
            modul="pakkehjem",
            miljo={**os.environ, "HOME": str(tmp_path), "XDG_DATA_HOME": str(tmp_path)},
            cwd=Path.cwd(),
        )
        feil = feil_.decode()
        assert kode == 2, (kode, feil[-500:])
        assert "nestet for dypt" in feil
        assert "Traceback" not in feil


def test_guide_med_dype_lister_gir_samme_svar_som_for(tmp_path: Path) -> None:
    """The pure-Python fallback for text that might nest deep reads the same YAML as the C loader."""
    tekst = guide_modul._les_fil(None)[1] + "# " + "-" * 3000 + "\n"
    assert guide_modul.yaml_laster(tekst) is yaml.SafeLoader
    assert guide_modul.fra_tekst(tekst).til_json() == guide_modul.last_guide(None).til_json()


@pytest.mark.parametrize(
    ("navn", "innhold"),
    [
        ("dyp.json", "[" * 100_000 + "]" * 100_000),
        ("dyp.yaml", "[" * 100_000),
        ("blokk.yaml", "- " * 50_000 + "x"),
    ],
)
def test_svarfil_nestet_dypt_avvises_med_melding(
    kjor: Callable,
    forvent_feil: Callable,
    ny_pasient: Callable,
    radtall: Callable,
    tmp_path: Path,
    navn: str,
    innhold: str,
) -> None:
    """A RecursionError from json/yaml came out as «Uventet feil»."""
    pasient = ny_pasient()
    fil = tmp_path / navn
    fil.write_text(innhold, encoding="utf-8")
    for_ = radtall()
    forvent_feil(kjor("samtale", str(pasient["id"]), "--svar", fil), 2, "nestet for dypt")
    assert radtall() == for_


def test_avvist_samtale_fra_svarfil_lagrer_ingen_guide(
    kjor: Callable, forvent_feil: Callable, testregister: Path, tmp_path: Path
) -> None:
    """The guide was stored in a transaction of its own before the patient was looked up."""
    fil = tmp_path / "svar.json"
    fil.write_text('{"samtaleform": "kontor"}', encoding="utf-8")
    forvent_feil(kjor("samtale", "999", "--svar", fil), 1, "Ingen pasient")
    forvent_feil(kjor("samtale", "999"), 1, "Ingen pasient")
    tilkobling = sqlite3.connect(testregister)
    try:
        assert tilkobling.execute("SELECT count(*) FROM guide").fetchone()[0] == 0
    finally:
        tilkobling.close()


def test_klokkeslett_som_fritekst_hindrer_ikke_at_samtalen_lagres(
    kjor: Callable, ny_pasient: Callable, tmp_path: Path
) -> None:
    """«neste_tid» is a text question; «etter lunsj» refused the whole answers file when it was stored
    (exit 2, repeating the patient's answer), though every answer had been found valid."""
    pasient = ny_pasient(dato=I_DAG, diagnosedato=DIAGNOSEDATO)
    fil = tmp_path / "svar.json"
    svar = {
        "samtaleform": "kontor",
        "neste_dato": OM_TO_UKER,
        "neste_tid": "etter lunsj",
        "neste_sted": "kontoret",
    }
    fil.write_text(json.dumps(svar), encoding="utf-8")
    resultat = kjor("samtale", str(pasient["id"]), "--svar", fil)
    assert resultat.exit_code == 0, resultat.output
    vist = json.loads(kjor("vis", str(pasient["id"]), "--json").stdout)
    sp2 = vist["forlop"][0]["samhandlingspunkter"][1]
    assert (sp2["status"], sp2["dato"]) == ("avtalt", OM_TO_UKER)
    assert vist["samtaler"][0]["svar"]["neste_tid"] == "etter lunsj"


@pytest.mark.parametrize(
    "args",
    [["kalender", "-o", LANGT_NAVN], ["sikkerhetskopi", LANGT_NAVN], ["statistikk", "-o", LANGT_NAVN],
     ["eksport", "-o", LANGT_NAVN], ["--db", LANGT_NAVN, "pasienter"], ["--db", LANGT_NAVN, "sjekk"]],
)  # fmt: skip
def test_for_langt_filnavn_gir_melding_ikke_uventet_feil(
    kjor: Callable,
    forvent_feil: Callable,
    testregister: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    args: list[str],
) -> None:
    """Path.is_dir/exists raise OSError (ENAMETOOLONG) for a name over 255 bytes: «Uventet feil»."""
    monkeypatch.chdir(tmp_path)
    resultat = kjor(*args)
    forvent_feil(resultat, resultat.exit_code, LANGT_NAVN[:50])
    assert resultat.exit_code in (1, 2)


def test_brev_til_en_mappe_avvises_for_pasienten_leses(
    kjor: Callable, forvent_feil: Callable, ny_pasient: Callable, radtall: Callable, tmp_path: Path
) -> None:
    """-o checked only when the letter was made: the refusal (exit 2) left a row in the access log."""
    pasient = ny_pasient(dato=I_DAG, diagnosedato=DIAGNOSEDATO)
    assert kjor("avtal", str(pasient["id"]), OM_EN_UKE).exit_code == 0
    for_ = radtall()
    forvent_feil(kjor("innkalling", str(pasient["id"]), "-o", tmp_path), 2, "mappe")
    forvent_feil(kjor("brev", str(pasient["id"]), "--til", "fastlege", "-o", tmp_path), 2, "mappe")
    assert radtall() == for_


@pytest.mark.parametrize("innhold", [b'\n""\n', b";;;\r\n", b'"";""\n;\n'])
def test_csv_med_bare_tomme_celler_avvises_med_melding(
    kjor: Callable, forvent_feil: Callable, testregister: Path, tmp_path: Path, innhold: bytes
) -> None:
    """Not blank, but no cell with text: an `assert` in the importer gave «Uventet feil (AssertionError)»."""
    fil = tmp_path / "tom.csv"
    fil.write_bytes(innhold)
    forvent_feil(kjor("importer", fil), 2, "ingen overskriftsrad")


@pytest.mark.parametrize("args", [["importer", "a\x00b"], ["sjekk-guide", "\x00"], ["vis", "1\x00"]])
def test_nul_i_et_argument_avvises_med_melding(
    kjor: Callable, forvent_feil: Callable, testregister: Path, args: list[str]
) -> None:
    """In-process callers can pass NUL (a shell cannot): a path with it raised ValueError, «Uventet feil»."""
    forvent_feil(kjor(*args), 2, "NUL")


@pytest.mark.parametrize(
    ("args", "kode", "ord_"),
    [
        (["vis", "1" * 5000], 1, "Ingen pasient"),
        (["residiv", "1" * 5000, "--diagnosedato", I_DAG], 1, "Ingen pasient"),
        (["sikkerhetskopi", "~finnes_ikke_fuzz/kopi.db"], 2, "hjemmemappe"),
        (["--db", "~finnes_ikke_fuzz/r.db", "pasienter"], 2, "hjemmemappe"),
        (["innstillinger", "brevmaler", "~finnes_ikke_fuzz/maler"], 2, "hjemmemappe"),
    ],
)
def test_lange_tall_og_ukjente_hjemmemapper_gir_melding(
    kjor: Callable, forvent_feil: Callable, testregister: Path, args: list[str], kode: int, ord_: str
) -> None:
    """int() refuses strings over 4,300 digits (ValueError) and `~user` of no user is a RuntimeError:
    both came out as «Uventet feil»."""
    forvent_feil(kjor(*args), kode, ord_)


def test_tiltak_utfort_med_nummer_storre_enn_sqlite_tar(
    kjor: Callable, forvent_feil: Callable, testregister: Path
) -> None:
    """An int beyond 64 bits went to SQLite: OverflowError, «Uventet feil»."""
    forvent_feil(kjor("tiltak-utfort", "1" * 30), 1, "Ingen tiltak")
    forvent_feil(kjor("tiltak-utfort", "--", "-" + "1" * 30), 1, "Ingen tiltak")


def test_logg_med_grense_storre_enn_sqlite_tar(kjor: Callable, ny_pasient: Callable) -> None:
    """LIMIT with a number beyond 64 bits is a datatype mismatch: exit 1 «Databasefeil (IntegrityError)»."""
    ny_pasient()
    resultat = kjor("logg", "--grense", "9" * 30, "--json")
    assert resultat.exit_code == 0, resultat.output
    assert json.loads(resultat.stdout)
