"""SQL expressions that several queries share: the masked fødselsnummer and the derived state
of a contact point, worked out by SQLite itself.

A Python function called for every row (the earlier `masker(...)` and `tilstand(...)`) cost a
third of the work list's time on 100,000 patients; these are plain SQL and give the same values
(tests/test_sql_uttrykk.py holds them against `fnr.masker` and `forlop.tilstand`).
"""

from __future__ import annotations

from .. import forlop


def maskert_fnr(kolonne: str) -> str:
    """`151086*****` for the stored number in `kolonne`. Numbers are stored as 11 digits; one
    that is not (a register older than that rule) goes through `fnr.masker`, which normalises.
    The anchored pattern of eleven digits is the same test as "eleven long, no non-digit", at
    half the cost per row (the work list masks 135,000 numbers on 1,000,000 patients)."""
    return (
        f"CASE WHEN {kolonne} GLOB '{'[0-9]' * 11}'"
        f" THEN substr({kolonne}, 1, 6) || '*****' ELSE masker({kolonne}) END"
    )


def tilstand(punkt: str, idag: str) -> str:
    """`forlop.tilstand` of the contact point aliased `punkt`, as of the parameter `idag`
    (ISO text). The stored due range (`forfall_fra`/`forfall_til`, kept by the one status
    change in `punkter`) is `forlop.forfallsperiode`; NULL for a closed point."""
    return (
        f"CASE WHEN {punkt}.forfall_til IS NULL THEN NULL"
        f" WHEN {idag} < {punkt}.forfall_fra THEN '{forlop.IKKE_APNET}'"
        f" WHEN {idag} > {punkt}.forfall_til THEN '{forlop.FORFALT}'"
        f" ELSE '{forlop.I_VINDU}' END"
    )
