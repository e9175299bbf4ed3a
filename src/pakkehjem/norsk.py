"""Norwegian words the program writes in more than one place: counted nouns and option names.

Pure and light (no import of the project): every message that counts something takes its
noun from `antall`, so "1 avtale" and "2 avtaler" come from one rule, and the language test
(tests/test_sprak.py) can check every text against the same word list.
"""

from __future__ import annotations

# Singular -> plural (indefinite) of the nouns the program counts. Nouns whose plural is the
# singular (et tema, flere tema; et spørsmål, flere spørsmål) are listed too, so `antall`
# knows them, but the language test cannot catch a disagreement for them.
FLERTALL: dict[str, str] = {
    "pasient": "pasienter",
    "samhandlingspunkt": "samhandlingspunkter",
    "forløp": "forløp",
    "samtale": "samtaler",
    "tiltak": "tiltak",
    "avtale": "avtaler",
    "rad": "rader",
    "fil": "filer",
    "brev": "brev",
    "tabell": "tabeller",
    "problem": "problemer",
    "tema": "tema",
    "spørsmål": "spørsmål",
    "svar": "svar",
    "dag": "dager",
    "uke": "uker",
    "måned": "måneder",
    "år": "år",
    "minutt": "minutter",
    "sekund": "sekunder",
    "oppslag": "oppslag",
    "kolonne": "kolonner",
    "feil": "feil",
    "samtykke": "samtykker",
    "mottaker": "mottakere",
    "hefte": "hefter",
    "side": "sider",
    "tegn": "tegn",
    "siffer": "siffer",
    "pårørende": "pårørende",
}


def ord_for(tall: float, entall: str, flertall: str | None = None) -> str:
    """The noun that goes with `tall`: singular for exactly 1 (and -1), else the plural."""
    if abs(tall) == 1:
        return entall
    if flertall is None:
        flertall = FLERTALL.get(entall)
        if flertall is None:
            raise KeyError(f"Flertall av «{entall}» er ukjent: legg det i norsk.FLERTALL.")
    return flertall


def antall(tall: int, entall: str, flertall: str | None = None) -> str:
    """`tall` and its noun in agreement: antall(1, "avtale") == "1 avtale", antall(3, "rad") == "3 rader".

    Give `flertall` for a noun not in FLERTALL, or one with an adjective ("syntetisk pasient",
    "syntetiske pasienter").
    """
    return f"{tall} {ord_for(tall, entall, flertall)}"


# Date options are named for the date they hold (issue 15). The old spelling `--dato` still
# works as a hidden alias on every command that has one of these, so scripts do not break.
DATOVALG_NYE = ("--idag", "--samtaledato", "--sluttdato", "--brevdato", "--samtykkedato")
GAMMELT_DATOVALG = "--dato"
