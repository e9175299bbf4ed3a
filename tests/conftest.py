"""Shared fixtures: every test runs against its own register in a temporary folder.

- No test touches the real home directory: PAKKEHJEM_DB, HOME and XDG_DATA_HOME point into
  `tmp_path` for every test (autouse).
- A short busy timeout (PAKKEHJEM_VENTETID) keeps the lock tests fast.
- Only synthetic fødselsnumre (month + 80), which never belong to a person.
"""

from __future__ import annotations

import copy
import os
import random
import shutil
import sqlite3
import sys
import time
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

import pytest
import typer.testing
from hypothesis import settings
from typer.testing import CliRunner

from hjelp import IDAG, PASIENTTABELLER, json_ut, kildetre, lag_malregister, melding
from omskriving import del_omskrivingen
from pakkehjem import fnr as fnr_regler
from pakkehjem.cli import app, kommandotre
from varm_prosess import VarmProsess

settings.register_profile("ci", deadline=None, derandomize=True)
settings.register_profile("dev", deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

# CliRunner builds the click tree from the Typer app on every call (about 50 ms, mostly the
# evaluation of string annotations). The tests run the product's own group instead, the one
# `main()` runs (cli.kommandotre: each command built when it is first named), made once: a command
# built is the same for every test, as it is for the one call of a process.
_KOMMANDOTRE = kommandotre()
_bygg_kommando = typer.testing._get_command
typer.testing._get_command = lambda a: _KOMMANDOTRE if a is app else _bygg_kommando(a)


def pytest_configure(config: pytest.Config) -> None:
    """The run's temporary folders (every test's register) in memory, where Linux has it.

    Every register a test closes folds its write-ahead log into the file and syncs both to the
    disk: two fsync calls, a few milliseconds of waiting each on a disk, and the suite closes a
    register several thousand times. /dev/shm is memory (tmpfs), where a sync returns at once; the
    files, their modes and the locks between processes behave as on a disk. Nothing of the product
    changes, and a run told where to put its files (--basetemp, PYTEST_DEBUG_TEMPROOT or TMPDIR)
    keeps them there. pytest keeps the last three runs' folders, as it does in /tmp.
    """
    if config.option.basetemp or os.environ.get("PYTEST_DEBUG_TEMPROOT") or os.environ.get("TMPDIR"):
        return
    minne = Path("/dev/shm")
    if sys.platform != "linux" or not minne.is_dir() or not os.access(minne, os.W_OK | os.X_OK):
        return
    if shutil.disk_usage(minne).free < 4 * 1024**3:  # a run writes a few hundred MB
        return
    # pytest's documented root for tmp_path; xdist's workers get folders inside the controller's.
    os.environ["PYTEST_DEBUG_TEMPROOT"] = str(minne)


def pytest_collection_finish(session: pytest.Session) -> None:
    """What collecting the tests loaded (every module and the tree of tests) lives to the end
    of the run: moved out of the garbage collector's sight (gc.freeze), so the collections the
    tests set off do not walk it again and again. Garbage from the collection is collected
    first. The product's own processes are not touched: they run with the collector off
    (miljo.forbered_prosess)."""
    import gc

    gc.collect()
    gc.freeze()
    gc.callbacks.append(_full_innsamling.mal)


class _FullInnsamling:
    """Times the collector's full collections (generation 2) in this process.

    Later in a run the tests load big libraries once (WeasyPrint with its fonts and styles,
    pypdf, the FHIR models): a few hundred thousand objects that live to the end. Every full
    collection after that walks them all again, some 0.2 s each, about 40 times in a worker.
    When one full collection has taken long, what is alive is set aside like the collected tests
    (gc.freeze) once the test has ended: the collection just done has removed the garbage, and
    the next ones walk only what is made after. What is set aside is never freed, as a loaded
    module is not; a test's own objects (its register, its files) are closed by the test itself.
    """

    GRENSE = 0.05  # seconds of CPU for one full collection

    def __init__(self) -> None:
        self.start = 0.0
        self.sett_til_side = False

    def mal(self, fase: str, info: dict[str, int]) -> None:
        if info["generation"] != 2:
            return
        if fase == "start":
            self.start = time.process_time()
        elif time.process_time() - self.start > self.GRENSE:
            self.sett_til_side = True


_full_innsamling = _FullInnsamling()


def pytest_runtest_logfinish() -> None:
    if _full_innsamling.sett_til_side:
        import gc

        _full_innsamling.sett_til_side = False
        gc.freeze()


@pytest.hookimpl(tryfirst=True)
def pytest_collection(session: pytest.Session) -> None:
    """With PYTHONDONTWRITEBYTECODE set, the two workers rewrite the test modules' asserts once
    between them instead of once each (tests/omskriving.py)."""
    del_omskrivingen(session.config)


@pytest.fixture(scope="module")
def kildetraer_slippes() -> Iterator[None]:
    """For the modules of static checks (`pytestmark = pytest.mark.usefixtures(...)`): the parsed
    modules of the package (hjelp.kildetre) their tests share are let go after them. Held for the
    rest of the run, they would make each full garbage collection in the worker walk some million
    more objects (about 0.2 s each)."""
    yield
    kildetre.cache_clear()


@pytest.fixture(scope="session", autouse=True)
def _bytekode_for_barneprosesser(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Processes the suite starts (`python -m pakkehjem`, the console script, pexpect) keep their
    compiled modules in a folder of this run, when the shell says not to write bytecode.

    With PYTHONDONTWRITEBYTECODE set (some shells and containers set it), every one of the
    suite's several hundred child processes compiled the package from source again, about 0.1
    to 0.2 s of CPU each. The folder is the run's temporary one, not the source tree, so the
    setting is still honoured there; the children of both workers share it (importlib writes
    each file atomically). Nothing of the product changes: a child reads the same source.
    """
    if not os.environ.get("PYTHONDONTWRITEBYTECODE") or os.environ.get("PYTHONPYCACHEPREFIX"):
        return
    rot = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        rot = rot.parent  # the run's folder, above each worker's own
    mappe = rot / "bytekode"
    mappe.mkdir(exist_ok=True)
    os.environ["PYTHONPYCACHEPREFIX"] = str(mappe)
    del os.environ["PYTHONDONTWRITEBYTECODE"]


# What the warm process (the `varm` fixture) loads once for its children: the command line and
# its entry point, and what the commands the tests run in children import when they run (the
# conversation's line editor and screen, the letters). A test about what a command imports
# starts a fresh Python instead.
FORHANDSLAST = (
    "pakkehjem.inngang",
    "pakkehjem.cli",
    "pakkehjem.apning",
    "pakkehjem.hendelser",
    "pakkehjem.livslop",
    "pakkehjem.register.pasienter",
    "pakkehjem.register.punkter",
    "pakkehjem.register.samtaler",
    "pakkehjem.utdata",
    "pakkehjem.visning",
    "pakkehjem.samtale_terminal",
    "pakkehjem.brev",
    "jinja2",
    "prompt_toolkit",
    "prompt_toolkit.completion",
    "prompt_toolkit.input.vt100",
    "prompt_toolkit.key_binding",
    "prompt_toolkit.key_binding.bindings.search",
    "prompt_toolkit.patch_stdout",
    "rich.console",
    "rich.table",
    "rich.panel",
    "rich.rule",
    "rich._emoji_codes",
)


@pytest.fixture(scope="session")
def varm(tmp_path_factory: pytest.TempPathFactory) -> Iterator[VarmProsess]:
    """One warm Python for this worker (tests/varm_prosess.py) that has loaded `FORHANDSLAST`:
    the tests' programs in a terminal, and single runs of `python -m pakkehjem`, are children
    forked from it, each with the environment, folder and terminal the test gives it.

    It starts with none of the settings `isolert_miljo` takes away from each test, and a home
    folder of its own; it only imports (no pakkehjem module reads the environment when imported)."""
    miljo = {k: v for k, v in os.environ.items() if k not in (*_FJERNET_FRA_MILJOET, "PAKKEHJEM_DB")}
    miljo.update(HOME=str(tmp_path_factory.mktemp("varm_hjem")), NO_COLOR="1")
    with VarmProsess(miljo, last=FORHANDSLAST) as prosess:
        yield prosess


@pytest.fixture(scope="session")
def weasyprint() -> None:
    """Skip where PDF letters cannot be made (WeasyPrint or Pango missing). WeasyPrint is loaded
    the way a letter loads it (`brev.til_pdf`): a plain `import weasyprint` asks the C compiler
    for each of its libraries (about 20 runs of gcc and ld, 1 to 2 s in each worker)."""
    from pakkehjem.brev import til_pdf
    from pakkehjem.feil import PakkehjemFeil

    try:
        til_pdf("<p>PDF</p>")
    except PakkehjemFeil:
        pytest.skip("WeasyPrint eller systembibliotekene for PDF mangler")


# What a test never inherits from the shell it runs in.
_FJERNET_FRA_MILJOET = (
    "PAKKEHJEM_FEILSOK",
    "PAKKEHJEM_NOKKEL",  # a developer's own key would make every new test register encrypted
    "FORCE_COLOR",
    "TTY_COMPATIBLE",
    "TTY_INTERACTIVE",
    "COLUMNS",
)


@pytest.fixture(autouse=True)
def isolert_miljo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> Path:
    """A register file of its own, a short busy timeout, no colours, no real home directory."""
    db = tmp_path / "register.db"
    monkeypatch.setenv("PAKKEHJEM_DB", str(db))
    monkeypatch.setenv("PAKKEHJEM_VENTETID", "0.5")
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("HOME", str(tmp_path / "hjem"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "hjem" / ".local" / "share"))
    for navn in _FJERNET_FRA_MILJOET:
        monkeypatch.delenv(navn, raising=False)
    # As `pakkehjem` itself runs (main() sets it): files a test writes as the user, such as a
    # register copied into place, are the user's alone, which is what a register must be.
    gammel_umask = os.umask(0o077)
    request.addfinalizer(lambda: os.umask(gammel_umask))
    # The rich consoles are cached per process; each test gets fresh ones.
    from pakkehjem import visning

    monkeypatch.setattr(visning, "_ut", None, raising=False)
    monkeypatch.setattr(visning, "_feil", None, raising=False)
    return db


@pytest.fixture(autouse=True)
def samtale_i_cli_runner(monkeypatch: pytest.MonkeyPatch) -> None:
    """CliRunner stands in for a terminal: `samtale` reads typed lines from its input instead of
    the line editor (samtalehjelp.Linjeleser). The real editor and the refusal without a
    terminal are tried in real processes (test_samtale_terminal.py)."""
    from pakkehjem import cli, samtale_terminal
    from samtalehjelp import Linjeleser

    monkeypatch.setattr(cli, "har_terminal", lambda: True)
    monkeypatch.setattr(samtale_terminal, "Promptleser", Linjeleser)


@pytest.fixture
def db_sti(isolert_miljo: Path) -> Path:
    """The register file this test uses (PAKKEHJEM_DB)."""
    return isolert_miljo


Kjor = Callable[..., Any]


@pytest.fixture
def kjor() -> Kjor:
    """Run `pakkehjem ARGS...` in-process; returns the CliRunner result (check exit_code).

    The top group calls sys.exit itself; CliRunner catches SystemExit. stdout and stderr
    are apart: `result.stdout`, `result.stderr`.
    """
    runner = CliRunner()

    def kjor(*args: str, input: str | None = None, env: dict[str, str | None] | None = None) -> Any:
        return runner.invoke(app, [str(a) for a in args], input=input, env=env, prog_name="pakkehjem")

    return kjor


@pytest.fixture
def forvent_feil() -> Callable[..., str]:
    """Assert a clean refusal: exit code, a Norwegian message on stderr, no traceback.

    Returns the message (line wrapping undone).
    """

    def forvent_feil(resultat: Any, kode: int, *ord_i_meldingen: str) -> str:
        assert resultat.exit_code == kode, (resultat.exit_code, resultat.output, resultat.exception)
        # Every failure leaves through the top group's sys.exit, never as a raised exception.
        assert isinstance(resultat.exception, SystemExit), repr(resultat.exception)
        assert "Traceback" not in resultat.output
        assert "Uventet feil" not in resultat.stderr, resultat.stderr
        tekst = melding(resultat)
        assert tekst, "the message must say what was wrong"
        for ord_ in ord_i_meldingen:
            assert ord_ in tekst, (ord_, tekst)
        assert resultat.stdout == ""
        return tekst

    return forvent_feil


@pytest.fixture
def syntetisk_fnr() -> Callable[..., str]:
    """A new synthetic fødselsnummer (month + 80) on each call; the same sequence every run."""
    rng = random.Random(20261123)
    brukt: set[str] = set()

    def lag(fodselsdato: date = date(1960, 5, 17)) -> str:
        while True:
            nummer = fnr_regler.lag_syntetisk(fodselsdato, rng)
            if nummer not in brukt:
                brukt.add(nummer)
                assert fnr_regler.er_syntetisk(nummer) and int(nummer[2:4]) > 80
                return nummer

    return lag


@pytest.fixture(scope="session")
def _tomt_testregister(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A new test register made once, by the command a test would run, as a file to copy.

    Making a register runs every migration (about 50 ms); a copy of the closed file is the same
    register, byte for byte, at a fraction of that.
    """
    return lag_malregister(tmp_path_factory.mktemp("mal") / "register.db", None)


@pytest.fixture
def testregister(kjor: Kjor, _tomt_testregister: Path, db_sti: Path) -> Path:
    """A register that takes synthetic numbers (a test register, never a real one), as
    `pakkehjem innstillinger tillat_syntetiske ja` makes it (a copy of one made so)."""
    if os.environ.get("PAKKEHJEM_NOKKEL"):
        # The test set a key: the command makes the register encrypted, which the copy is not.
        resultat = kjor("innstillinger", "tillat_syntetiske", "ja")
        assert resultat.exit_code == 0, resultat.output
        return db_sti
    db_sti.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(_tomt_testregister, db_sti)  # made 0600 under the umask of isolert_miljo
    return db_sti


T = TypeVar("T")


@pytest.fixture(scope="session")
def _ferdige_registre(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, Any]]:
    """The registers `fra_mal` has made in this process: name -> (the closed file, what the
    making returned). Made per worker, so no two processes share one."""
    return {"": (tmp_path_factory.mktemp("ferdige"), None)}


@pytest.fixture
def fra_mal(
    _ferdige_registre: dict[str, tuple[Path, Any]], testregister: Path
) -> Callable[[str, Callable[[], T]], T]:
    """Prepare this test's register once per run: `fra_mal(name, make)`.

    The first test to ask for `name` runs `make()` on its own register (through the CLI, as
    always); the closed file is kept. Every later test gets a copy of that file in its own
    register's place, and a copy of what `make()` returned. Copying a file is a fraction of the
    cost of registering a patient and holding a conversation through the CLI again, and each
    test still has a register of its own. `make` must put everything it makes in the register
    (no file the test reads afterwards) and must not depend on the test: the name says what it
    makes. With PAKKEHJEM_NOKKEL set (an encrypted register) `make()` runs every time.
    """
    mappe = _ferdige_registre[""][0]

    def fra_mal(navn: str, lag: Callable[[], T]) -> T:
        if os.environ.get("PAKKEHJEM_NOKKEL"):
            return lag()
        if navn in _ferdige_registre:
            mal, verdi = _ferdige_registre[navn]
            shutil.copyfile(mal, testregister)
            return copy.deepcopy(verdi)
        verdi = lag()
        # Every command closes the register: the write-ahead log is folded into the file.
        assert not Path(f"{testregister}-wal").exists()
        mal = mappe / f"{navn}.db"
        shutil.copyfile(testregister, mal)
        _ferdige_registre[navn] = (mal, copy.deepcopy(verdi))
        return verdi

    return fra_mal


@pytest.fixture
def ny_pasient(kjor: Kjor, testregister: Path, syntetisk_fnr: Callable[..., str]) -> Callable[..., dict]:
    """Register a patient through the CLI; returns the patient as `vis --json` shows it."""
    teller = iter(range(1, 10_000))

    def ny(
        diagnosedato: str = "2026-11-02",
        *,
        dato: str = IDAG,
        fnr: str | None = None,
        navn: str | None = None,
        **valg: str,
    ) -> dict:
        args = [
            "ny-pasient",
            "--fnr",
            fnr or syntetisk_fnr(),
            "--navn",
            navn or f"Testpasient {next(teller)}",
            "--diagnosedato",
            diagnosedato,
            "--dato",
            dato,
            "--json",
        ]
        for navn_, verdi in valg.items():
            args += [f"--{navn_}", verdi]
        return json_ut(kjor(*args))

    return ny


@pytest.fixture
def radtall(db_sti: Path) -> Callable[[], dict[str, int]]:
    """Row counts of the patient tables, read straight from the file."""

    def tell() -> dict[str, int]:
        if not db_sti.exists():
            return {}
        tilkobling = sqlite3.connect(db_sti)
        try:
            return {t: tilkobling.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in PASIENTTABELLER}
        finally:
            tilkobling.close()

    return tell


@pytest.fixture
def fullfor(db_sti: Path) -> Callable[..., None]:
    """Mark a contact point gjennomført, the way a finished conversation does."""
    from pakkehjem import forlop
    from pakkehjem.register import Register

    def fullfor(pasient_id: int, sp: int, dato: date) -> None:
        register = Register.fra_fil(db_sti)
        try:
            with register.transaksjon() as t:
                punkt = register.punkter.finn(pasient_id, sp)
                register.punkter.sett_status(
                    punkt, forlop.GJENNOMFORT, dato=dato, tekst=f"SP{sp} gjennomført."
                )
                t.logg(pasient_id, "test-gjennomfort")
        finally:
            register.lukk()

    return fullfor
