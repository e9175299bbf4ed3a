"""Machine output: one JSON document on stdout.

Kept apart from the rich display (`visning.py`), so a script asking for `--json` does not
pay for loading rich (about 20 ms on every call).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Iterator
from itertools import islice
from typing import TYPE_CHECKING, Any

from .skjermtekst import json_tekst, trygge_json_byter

if TYPE_CHECKING:
    from .register.jsonliste import JsonListe


def skriv_json(data: Any) -> None:
    """One JSON document on stdout, æøå kept as they are.

    Indented for a person at a terminal; compact when piped, where the C encoder makes a
    100,000-patient work list several times faster.
    """
    innrykk = 2 if sys.stdout.isatty() else None
    # json.dumps escapes C0 controls; json_tekst the C1 and bidi ones ensure_ascii=False keeps.
    sys.stdout.write(json_tekst(json.dumps(data, ensure_ascii=False, indent=innrykk)) + "\n")


def skriv_json_rader(rader: Iterable[str], *, bolk: int = 1000) -> None:
    """A JSON array of objects already made (by SQLite), written as they come: a list of a
    million patients never sits in memory whole. Indented like `skriv_json` for a person."""
    if sys.stdout.isatty():
        skriv_json([json.loads(rad) for rad in rader])
        return
    _skriv_bolker(_i_bolker(rader, bolk))


def _i_bolker(rader: Iterable[str], bolk: int) -> Iterator[bytes]:
    """`rader` in batches of `bolk`, each batch joined by commas, as UTF-8."""
    rest = iter(rader)
    while del_ := list(islice(rest, bolk)):
        yield ",".join(del_).encode("utf-8")


def skriv_json_liste(liste: JsonListe) -> None:
    """A JSON array SQLite made (`JsonListe`), written batch by batch when piped; indented like
    `skriv_json` for a person."""
    if sys.stdout.isatty():
        skriv_json(liste.rader())
        return
    _skriv_bolker(liste.bolker)


def _skriv_bolker(bolker: Iterable[bytes]) -> None:
    """A JSON array on stdout from batches of its objects (compact UTF-8, each batch the objects
    joined by commas; an empty batch holds none), each made safe for a terminal
    (`trygge_json_byter`) and written as it comes."""
    sys.stdout.flush()
    skriv = sys.stdout.buffer.write
    skilletegn = b"["
    for bolk in bolker:
        if bolk:
            skriv(skilletegn)
            skriv(trygge_json_byter(bolk))
            skilletegn = b","
    skriv(b"[]\n" if skilletegn == b"[" else b"]\n")
    sys.stdout.buffer.flush()
