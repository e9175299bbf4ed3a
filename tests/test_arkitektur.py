"""The shape of the house, read from the source: the store owns every SQL statement, no module
reaches into another's private names, the imports run one way (no cycle), and the store takes
today's date as a parameter.

These read the files as they are (no import of the code), so a rule broken anywhere under
src/pakkehjem fails here with the file and line.
"""

from __future__ import annotations

import ast
import functools
import re
from collections.abc import Mapping
from collections.abc import Set as AbstractSet
from pathlib import Path

import pytest

from hjelp import kildetre

PAKKE = Path(__file__).resolve().parent.parent / "src" / "pakkehjem"
LAGERET = PAKKE / "register"

# The statements only the store may write. Matched as written in SQL (upper case), so prose in
# a docstring that merely names a keyword must say it otherwise.
SQL = re.compile(
    r"\bSELECT\b|\bINSERT\s+INTO\b|\bUPDATE\s+\w+\s+SET\b|\bDELETE\s+FROM\b|\bCREATE\s+TABLE\b"
    r"|\bPRAGMA\b|\bVACUUM\b"
)


# The parsed modules (hjelp.kildetre) are let go after this module's tests (conftest).
pytestmark = pytest.mark.usefixtures("kildetraer_slippes")


def _moduler() -> dict[str, Path]:
    """Every module of the package by dotted name (pakkehjem.register.pasienter ...)."""
    ut = {}
    for fil in sorted(PAKKE.rglob("*.py")):
        deler = fil.relative_to(PAKKE.parent).with_suffix("").parts
        if deler[-1] == "__init__":
            deler = deler[:-1]
        ut[".".join(deler)] = fil
    return ut


MODULER = _moduler()


def _er_pakke(navn: str) -> bool:
    return MODULER[navn].name == "__init__.py"


def _absolutt(modul: str, node: ast.ImportFrom) -> str:
    """The dotted name an ImportFrom names (relative imports resolved against `modul`)."""
    if node.level == 0:
        return node.module or ""
    pakke = modul if _er_pakke(modul) else modul.rpartition(".")[0]
    for _ in range(node.level - 1):
        pakke = pakke.rpartition(".")[0]
    return f"{pakke}.{node.module}" if node.module else pakke


def _bare_for_typer(node: ast.If) -> bool:
    """`if TYPE_CHECKING:`: imports there never run."""
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _importer(tre: ast.AST) -> list[ast.Import | ast.ImportFrom]:
    """Every import that can run, at the top or inside a function, outside `if TYPE_CHECKING`."""
    ut: list[ast.Import | ast.ImportFrom] = []

    def gaa(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _bare_for_typer(node):
            for barn in node.orelse:
                gaa(barn)
            return
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            ut.append(node)
        for barn in ast.iter_child_nodes(node):
            gaa(barn)

    gaa(tre)
    return ut


@functools.cache
def _importgraf() -> dict[str, frozenset[str]]:
    """module -> the project's modules it imports (a name imported from a package that is
    itself a module counts as that module).

    Read once per run (parsing every module is most of these tests' time); frozen, so no test
    can change what another reads.
    """
    graf: dict[str, set[str]] = {navn: set() for navn in MODULER}
    for navn, fil in MODULER.items():
        for node in _importer(kildetre(fil)):
            if isinstance(node, ast.Import):
                mal = [a.name for a in node.names]
            else:
                # A submodule imported from its package (`from . import motor`) is that module;
                # any other name is taken from the module it is imported from.
                fra = _absolutt(navn, node)
                mal = [f"{fra}.{a.name}" if f"{fra}.{a.name}" in MODULER else fra for a in node.names]
            graf[navn].update(m for m in mal if m in MODULER and m != navn)
    return {navn: frozenset(moduler) for navn, moduler in graf.items()}


def test_ingen_sql_utenfor_lageret() -> None:
    funn = [
        f"{fil.relative_to(PAKKE.parent)}:{nr}: {linje.strip()}"
        for fil in sorted(PAKKE.rglob("*.py"))
        if LAGERET not in fil.parents
        for nr, linje in enumerate(fil.read_text(encoding="utf-8").splitlines(), 1)
        if SQL.search(linje)
    ]
    assert funn == [], "SQL utenfor register/:\n" + "\n".join(funn)


def test_sql_moensteret_kjenner_setningene_det_skal_finne() -> None:
    # The check above is only as good as this pattern: it must see each kind of statement.
    for setning in (
        "SELECT id FROM pasient",
        "INSERT INTO hendelse (tid) VALUES (?)",
        "UPDATE samtale SET status = 'fullfort'",
        "DELETE FROM utkast WHERE samtale_id = ?",
        "CREATE TABLE x (id INTEGER)",
        "PRAGMA user_version",
        "VACUUM INTO ?",
    ):
        assert SQL.search(setning), setning
    assert not SQL.search("select the patient, update the list, delete nothing")


def test_ingen_modul_bruker_private_navn_fra_en_annen() -> None:
    funn = []
    for navn, fil in MODULER.items():
        tre = kildetre(fil)
        moduler_her: dict[str, str] = {}  # local name -> project module it is bound to
        for node in _importer(tre):
            if isinstance(node, ast.ImportFrom):
                fra = _absolutt(navn, node)
                if fra not in MODULER:
                    continue
                for alias in node.names:
                    if f"{fra}.{alias.name}" in MODULER:
                        moduler_her[alias.asname or alias.name] = f"{fra}.{alias.name}"
                    elif alias.name.startswith("_") and not alias.name.startswith("__"):
                        funn.append(f"{fil.name}:{node.lineno}: from {fra} import {alias.name}")
            else:
                for alias in node.names:
                    if alias.name in MODULER and alias.asname:
                        moduler_her[alias.asname] = alias.name
        for node in ast.walk(tre):
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id in moduler_her
                and node.attr.startswith("_")
                and not node.attr.startswith("__")
            ):
                funn.append(f"{fil.name}:{node.lineno}: {node.value.id}.{node.attr}")
    assert funn == [], "Private navn brukt på tvers av moduler:\n" + "\n".join(funn)


def _sykler(graf: Mapping[str, AbstractSet[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan)."""
    indeks: dict[str, int] = {}
    lav: dict[str, int] = {}
    stabel: list[str] = []
    pa_stabel: set[str] = set()
    ut: list[list[str]] = []

    def besok(v: str) -> None:
        indeks[v] = lav[v] = len(indeks)
        stabel.append(v)
        pa_stabel.add(v)
        for w in sorted(graf[v]):
            if w not in indeks:
                besok(w)
                lav[v] = min(lav[v], lav[w])
            elif w in pa_stabel:
                lav[v] = min(lav[v], indeks[w])
        if lav[v] == indeks[v]:
            gruppe = []
            while True:
                w = stabel.pop()
                pa_stabel.discard(w)
                gruppe.append(w)
                if w == v:
                    break
            if len(gruppe) > 1:
                ut.append(sorted(gruppe))

    for v in sorted(graf):
        if v not in indeks:
            besok(v)
    return ut


def test_ingen_importsirkel() -> None:
    assert _sykler(_importgraf()) == []


def test_sirkelsoket_finner_en_sirkel() -> None:
    graf = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _sykler(graf) == [["a", "b", "c"]]


@pytest.mark.parametrize("modul", ["regler", "hendelser", "livslop", "datoregler", "forlop"])
def test_reglene_leser_ikke_lageret(modul: str) -> None:
    # The rules sit under the store: they never import it, so they can be tested for every date
    # without a database.
    graf = _importgraf()
    naadd: set[str] = set()
    igjen = [f"pakkehjem.{modul}"]
    while igjen:
        neste = igjen.pop()
        for m in graf[neste] - naadd:
            naadd.add(m)
            igjen.append(m)
    assert not any(m.startswith("pakkehjem.register") for m in naadd), sorted(naadd)


def test_lageret_leser_ikke_dagens_dato() -> None:
    # "Today" is a parameter of the store (idag), never read inside it.
    funn = [
        f"{fil.name}:{nr}"
        for fil in sorted(LAGERET.rglob("*.py"))
        for nr, linje in enumerate(fil.read_text(encoding="utf-8").splitlines(), 1)
        if "date.today(" in linje
    ]
    assert funn == []


def test_bare_datoer_leser_kalenderen() -> None:
    # The day comes from datoer.idag (or --idag) and is handed on, so every message and rule
    # can be tested for any day; a module reading the calendar itself showed the real date in
    # a test run on a fixed day (the backup's message did).
    funn = [
        f"{fil.relative_to(PAKKE)}:{nr}"
        for fil in sorted(PAKKE.rglob("*.py"))
        if fil.name != "datoer.py"
        for nr, linje in enumerate(fil.read_text(encoding="utf-8").splitlines(), 1)
        if "date.today(" in linje
    ]
    assert funn == []


def test_lageret_gir_ut_typede_poster_ikke_lose_oversikter() -> None:
    # What the store hands out is a typed record (register/poster.py) or a typed tuple, never
    # a dict[str, Any]: a renamed key is then a type error, not a silent change in a letter.
    funn = [
        f"{fil.name}:{nr}"
        for fil in sorted(LAGERET.rglob("*.py"))
        for nr, linje in enumerate(fil.read_text(encoding="utf-8").splitlines(), 1)
        if re.search(r"->.*dict\[str, Any\]", linje)
    ]
    assert funn == []


def test_kommandolinjen_leser_ikke_klokken_selv() -> None:
    # cli.py reads "today" only through datoer.idag (or a --idag/--dato option) and hands it
    # on: the rules that compare dates with it live in the rule modules and the store.
    kilde = (PAKKE / "cli.py").read_text(encoding="utf-8")
    assert not re.search(r"\b(date\.today|datetime\.now|datetime\.today|time\.time)\(", kilde)


def test_bruksfeil_kjennes_igjen_pa_klassen_ikke_pa_engelsk_tekst() -> None:
    # Usage errors are told apart by their class (click's, or cli's own UkjentKommando,
    # ManglerKommando, ForMangeArgumenter), never by the start of click's English message.
    kilde = (PAKKE / "cli.py").read_text(encoding="utf-8")
    for engelsk in (
        "No such command",
        "Missing command",
        "unexpected extra argument",
        "requires an argument",
    ):
        assert engelsk not in kilde, engelsk


def test_hver_pakke_kommer_med_i_installasjonen() -> None:
    # setuptools lists the packages by name: a new folder of code left off the list would be
    # missing from `pip install .` while every test here (an editable install) still passed.
    import tomllib

    prosjekt = tomllib.loads((PAKKE.parent.parent / "pyproject.toml").read_text(encoding="utf-8"))
    listet = set(prosjekt["tool"]["setuptools"]["packages"])
    pakker = {navn for navn in MODULER if _er_pakke(navn)}
    assert pakker <= listet, sorted(pakker - listet)
