"""Norwegian all the way through: help pages, usage errors, messages in the code, the text catalogues.

The walk goes over the click tree of the app, not a fixed list, so a command added later is
checked too; the code scan reads every module of the package.
"""

from __future__ import annotations

import ast
import functools
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer
import yaml

from hjelp import kildetre, melding
from pakkehjem import feil as feil_modul
from pakkehjem import norsk
from pakkehjem.cli import app

PAKKE = Path(__file__).resolve().parent.parent / "src" / "pakkehjem"
MALER = Path(__file__).resolve().parent.parent / "templates"

# Words of click/Typer's own English, and English words a message could slip in. Matched as
# whole words, and (for the lower-case ones) not as part of an option name like --help.
ENGELSK_HJELP = re.compile(
    r"\b(Usage|Options|Arguments|Commands|OPTIONS|COMMAND|ARGS|TEXT|INTEGER|PATH|FLOAT|BOOLEAN"
    r"|Error|Missing|Aborted|Try)\b"
    r"|(?<![-\w])(default|required|env var|deprecated|Show this message|for help)(?![-\w])"
    r"|<(str|int|path|float|text|integer|boolean|filename|choice|uuid|int range)>"
)
ENGELSK_MELDING = re.compile(
    r"(?<![-\w.])(the|is|not|with|please|error|invalid|missing|failed|found|usage|options|"
    r"arguments|command|required|default|file|folder|cannot|must|should|unknown|expected|"
    r"value|try|aborted|does|exist|already|permission|denied)(?![-\w])",
    re.IGNORECASE,
)
PLASSHOLDER = re.compile(r"\{[^{}\s]*\}|%\(\w+\)[sd]")


# The parsed modules (hjelp.kildetre) are let go after this module's tests (conftest).
pytestmark = pytest.mark.usefixtures("kildetraer_slippes")


def _feil_i_tall(tekst: str) -> list[str]:
    """Number-noun disagreements: "1 rader", "3 avtale" (nouns whose plural differs)."""
    funn = []
    for entall, flertall in norsk.FLERTALL.items():
        if entall == flertall:
            continue
        funn += re.findall(rf"(?<![\d.,:/-])1 {flertall}\b", tekst)
        funn += re.findall(rf"(?<![\d.,:/-])(?:0|[2-9]|[1-9]\d+) {entall}(?![\wæøå])", tekst)
    return funn


def _kommandoer() -> Iterator[tuple[list[str], Any]]:
    """Every command of the app, as (path of names, click command), the top group first."""
    rot = typer.main.get_command(app)

    def gaa(sti: list[str], kommando: Any) -> Iterator[tuple[list[str], Any]]:
        yield sti, kommando
        for navn, under in sorted(getattr(kommando, "commands", {}).items()):
            if not getattr(under, "hidden", False):
                yield from gaa([*sti, navn], under)

    yield from gaa([], rot)


KOMMANDOER = list(_kommandoer())
KOMMANDONAVN = [" ".join(sti) or "pakkehjem" for sti, _ in KOMMANDOER]


def test_the_walk_finds_every_command():
    """A guard on the walk itself: a broken walk would make every check below pass vacuously."""
    assert len(KOMMANDOER) > 30
    assert {"ny-pasient", "samtale", "brev", "avtal"} <= set(KOMMANDONAVN)


@pytest.mark.parametrize(("sti", "kommando"), KOMMANDOER, ids=KOMMANDONAVN)
def test_help_page_is_norwegian_with_no_placeholder_or_plural_slip(kjor, sti, kommando):
    resultat = kjor(*sti, "--help", env={"COLUMNS": "200"})
    assert resultat.exit_code == 0, resultat.output
    tekst = resultat.stdout
    assert "Bruk: pakkehjem" in tekst
    assert [m.group(0) for m in ENGELSK_HJELP.finditer(tekst)] == []
    assert PLASSHOLDER.findall(tekst) == []
    assert _feil_i_tall(tekst) == []


@pytest.mark.parametrize(("sti", "kommando"), KOMMANDOER, ids=KOMMANDONAVN)
def test_no_command_shows_the_ambiguous_dato_option(sti, kommando):
    """`--dato` meant three different dates; each command names its date (the old name is a hidden alias)."""
    synlige = {
        opt for p in kommando.params if not getattr(p, "hidden", False) for opt in getattr(p, "opts", ())
    }
    assert norsk.GAMMELT_DATOVALG not in synlige, (
        "Gi datovalget et navn som sier hvilken dato det er: --idag (DatoValg i cli.py), "
        "--samtaledato, --sluttdato, --brevdato, --samtykkedato, eller et nytt i norsk.DATOVALG_NYE."
    )


@pytest.mark.parametrize(("sti", "kommando"), KOMMANDOER[1:], ids=KOMMANDONAVN[1:])
def test_usage_errors_are_norwegian(kjor, sti, kommando):
    """An unknown option, a missing argument and a wrong number: exit 2 with a Norwegian message."""
    ukjent = kjor(*sti, "--finnes-ikke")
    assert ukjent.exit_code == 2
    assert melding(ukjent).startswith("Ukjent valg: --finnes-ikke.")
    assert f"Se «pakkehjem {' '.join(sti)} --help»." in melding(ukjent)
    assert not ENGELSK_MELDING.search(melding(ukjent).replace("--help", ""))

    tall = [p for p in kommando.params if getattr(p, "opts", None) and p.type.name in ("int", "tall")]
    for param in tall:
        if param.param_type_name == "option":
            argumenter = [a for p in kommando.params if p.param_type_name == "argument" for a in ("1",)]
            galt = kjor(*sti, *argumenter, param.opts[0], "x")
            assert galt.exit_code == 2
            assert "Ugyldig verdi for" in melding(galt)
            assert not ENGELSK_MELDING.search(melding(galt).replace("--help", ""))


def test_a_missing_argument_is_named_and_explained(kjor):
    resultat = kjor("avtal")
    assert resultat.exit_code == 2
    assert melding(resultat) == (
        "Mangler REF: pasientens nummer, fødselsnummer (11 siffer), eller begynnelsen av navnet når "
        "bare én aktiv pasient passer. Se «pakkehjem avtal --help»."
    )


def test_usage_line_uses_norwegian_metavars(kjor):
    assert "Bruk: pakkehjem [VALG] KOMMANDO [ARGUMENTER]..." in kjor("--help").stdout
    tekst = kjor("avtal", "--help", env={"COLUMNS": "200"}).stdout
    assert "Bruk: pakkehjem avtal [VALG] REF AVTALT" in tekst
    assert "<tekst>" in tekst and "<tall>" in tekst


# --- the renamed date options -------------------------------------------------------------


@pytest.mark.parametrize(
    ("kommando", "nytt"),
    [
        (["vis", "1"], "--idag"),
        (["forfaller"], "--idag"),
        (["samtale", "1"], "--samtaledato"),
        (["avslutt", "1", "--grunn", "dod"], "--sluttdato"),
        (["brev", "1", "--til", "fastlege"], "--brevdato"),
        (["innkalling", "1"], "--brevdato"),
        (["samtykke", "1", "--til", "fastlege", "--ja"], "--samtykkedato"),
    ],
)
def test_each_date_option_has_a_name_that_says_which_date(kjor, kommando, nytt):
    tekst = kjor(kommando[0], "--help", env={"COLUMNS": "200"}).stdout
    assert nytt in tekst
    assert "Tidligere --dato." in tekst
    # A bad value is reported under the new name, whichever spelling was typed.
    for skrevet in (nytt, "--dato"):
        resultat = kjor(*kommando, skrevet, "31.02.2026")
        assert resultat.exit_code == 2
        assert melding(resultat).startswith(f"{nytt}: "), melding(resultat)


def test_old_dato_spelling_still_works_in_scripts(kjor, ny_pasient):
    pid = str(ny_pasient(diagnosedato="2026-01-05", dato="2026-01-05")["id"])
    med_nytt = kjor("vis", pid, "--idag", "2026-01-10", "--json")
    med_gammelt = kjor("vis", pid, "--dato", "2026-01-10", "--json")
    med_likhetstegn = kjor("vis", pid, "--dato=2026-01-10", "--json")
    assert med_nytt.exit_code == med_gammelt.exit_code == med_likhetstegn.exit_code == 0
    assert med_nytt.stdout == med_gammelt.stdout == med_likhetstegn.stdout
    avtalt = kjor("avtal", pid, "2026-02-02", "--sp", "1", "--dato", "2026-01-10")
    assert avtalt.exit_code == 0, avtalt.output


# --- the plural helper ---------------------------------------------------------------------


def test_plural_helper_agrees_number_and_noun():
    assert norsk.antall(1, "avtale") == "1 avtale"
    assert norsk.antall(0, "avtale") == "0 avtaler"
    assert norsk.antall(30, "samhandlingspunkt") == "30 samhandlingspunkter"
    assert norsk.antall(1, "rad") == "1 rad"
    assert norsk.antall(2, "tema") == "2 tema"
    assert norsk.antall(1, "syntetisk pasient", "syntetiske pasienter") == "1 syntetisk pasient"
    assert norsk.antall(5, "syntetisk pasient", "syntetiske pasienter") == "5 syntetiske pasienter"


def test_plural_helper_refuses_a_noun_it_does_not_know():
    with pytest.raises(KeyError):
        norsk.antall(2, "gjenstand")


def test_the_disagreement_check_finds_what_the_issue_found():
    """The checker itself: the three slips from the issue are caught, the right forms pass."""
    assert sorted(_feil_i_tall("30 samhandlingspunkt, 1 rader med feil. Skrev 1 avtaler")) == [
        "1 avtaler",
        "1 rader",
        "30 samhandlingspunkt",
    ]
    assert _feil_i_tall("30 samhandlingspunkter, 1 rad med feil. Skrev 1 avtale. SP 1 samtale") == []


# --- every message in the code ------------------------------------------------------------


def _feilklasser() -> set[str]:
    klasser = set()
    ventende = [feil_modul.PakkehjemFeil]
    while ventende:
        klasse = ventende.pop()
        klasser.add(klasse.__name__)
        ventende += klasse.__subclasses__()
    return klasser


MELDINGSKALL = _feilklasser() | {"melding", "_linje", "echo", "ask", "skriv_melding", "advarsel"}


def _kallnavn(node: ast.Call) -> str:
    if isinstance(node.func, ast.Name):
        return node.func.id
    if isinstance(node.func, ast.Attribute):
        return node.func.attr
    return ""


def _tekst(node: ast.AST) -> str | None:
    """The text of a string literal or f-string, with ⟨…⟩ for each value put in."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value if isinstance(v, ast.Constant) else "⟨…⟩" for v in node.values)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        venstre, hoyre = _tekst(node.left), _tekst(node.right)
        if venstre is not None or hoyre is not None:
            return (venstre or "⟨…⟩") + (hoyre or "⟨…⟩")
    return None


def _meldinger() -> Iterator[tuple[str, int, str, bool]]:
    """(file, line, text, is an f-string) for every message given to the user in the package."""
    for fil in sorted(PAKKE.glob("*.py")):
        tre = kildetre(fil)
        for node in ast.walk(tre):
            if isinstance(node, ast.Call) and _kallnavn(node) in MELDINGSKALL:
                for arg in node.args[:1]:
                    tekst = _tekst(arg)
                    if tekst is not None:
                        yield fil.name, node.lineno, tekst, not isinstance(arg, ast.Constant)


@functools.cache
def meldinger() -> tuple[tuple[str, int, str, bool], ...]:
    """Every message in the package (`_meldinger`), found once per process by the tests that
    read them, not when the module is imported (every worker imports it to collect it)."""
    return tuple(_meldinger())


def test_the_message_scan_reads_the_messages():
    assert len(meldinger()) > 150
    assert any(t == "Oppgi både --fra og --til." for _, _, t, _ in meldinger())


def test_every_message_in_the_code_is_norwegian():
    engelsk = [
        f"{fil}:{linje}: {tekst!r}"
        for fil, linje, tekst, _ in meldinger()
        if ENGELSK_MELDING.search(tekst.replace("⟨…⟩", ""))
    ]
    assert engelsk == []


def test_no_message_has_a_placeholder_left_unfilled():
    """A `{name}` in a plain string is a forgotten f-prefix: the user would read the braces."""
    glemt = [
        f"{fil}:{linje}: {tekst!r}"
        for fil, linje, tekst, f in meldinger()
        if not f and PLASSHOLDER.search(tekst)
    ]
    assert glemt == []


def _er_tekstverdi(uttrykk: ast.expr) -> bool:
    """A value that is certainly words, not a count: a string, or a choice between strings."""
    if isinstance(uttrykk, ast.Constant):
        return isinstance(uttrykk.value, str)
    if isinstance(uttrykk, ast.IfExp):
        return _er_tekstverdi(uttrykk.body) and _er_tekstverdi(uttrykk.orelse)
    return False


def test_every_counted_noun_in_the_code_goes_through_the_plural_helper():
    """`f"{n} avtaler"` is wrong for n == 1: counted nouns come from norsk.antall."""
    mangler = []
    flertall = {e: f for e, f in norsk.FLERTALL.items() if e != f}
    ord_ = "|".join(sorted({*flertall, *flertall.values()}, key=len, reverse=True))
    monster = re.compile(rf"^ (?:{ord_})(?![\wæøå])")
    for fil in sorted(PAKKE.glob("*.py")):
        for node in ast.walk(kildetre(fil)):
            if not isinstance(node, ast.JoinedStr):
                continue
            for forrige, neste in zip(node.values, node.values[1:], strict=False):
                if (
                    isinstance(forrige, ast.FormattedValue)
                    and not _er_tekstverdi(forrige.value)
                    and isinstance(neste, ast.Constant)
                    and monster.match(str(neste.value))
                ):
                    mangler.append(f"{fil.name}:{node.lineno}: {ast.unparse(node)}")
    assert mangler == []


# --- the text catalogues: letter texts and the guide -----------------------------------------


def _strenger(data: Any, sti: str = "") -> Iterator[tuple[str, str]]:
    if isinstance(data, dict):
        for nokkel, verdi in data.items():
            yield from _strenger(verdi, f"{sti}.{nokkel}" if sti else str(nokkel))
    elif isinstance(data, list):
        for i, verdi in enumerate(data):
            yield from _strenger(verdi, f"{sti}[{i}]")
    elif isinstance(data, str):
        yield sti, data


# The letter and booklet texts fill these by name (brev.py, hefte.py); any other {…} would reach the reader.
# {dato} and {forrige}: the «Korrigert DD.MM.ÅÅÅÅ» line of a letter from an amended conversation.
BREVFELT = {"{grense}", "{sp}", "{svar}", "{dato}", "{forrige}"}


@pytest.mark.parametrize("katalog", ["brev/tekster.yaml", "samtaleguide.yaml", "hefte/tekster.yaml"])
def test_every_catalogue_entry_is_norwegian(katalog):
    data = yaml.safe_load((MALER / katalog).read_text(encoding="utf-8"))
    strenger = list(_strenger(data))
    assert len(strenger) > 20
    engelsk = [(sti, t) for sti, t in strenger if ENGELSK_MELDING.search(t) and sti not in ("id",)]
    assert [(s, t) for s, t in engelsk if not s.endswith(".id") and not s.endswith("].id")] == []
    assert [(s, t) for s, t in strenger if set(PLASSHOLDER.findall(t)) - BREVFELT] == []
    assert [(s, t) for s, t in strenger if _feil_i_tall(t)] == []


def test_no_theme_question_repeats_its_own_words():
    """ "hjelp eller støtte når det gjelder hjelp og tilrettelegging" read badly (issue 15)."""
    guide = yaml.safe_load((MALER / "samtaleguide.yaml").read_text(encoding="utf-8"))
    tekster = [s["tekst"] for t in guide["tema"] for s in t["sporsmal"]]
    assert not [t for t in tekster if "gjelder hjelp" in t]
