"""Machine output: one JSON document on stdout.

Kept apart from the rich display (`visning.py`), so a script asking for `--json` does not
pay for loading rich (about 20 ms on every call).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from .skjermtekst import json_byter, json_tekst, trygge_json_byter

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
    sys.stdout.flush()
    skriv = sys.stdout.buffer.write  # UTF-8 made once per part (json_byter), written as bytes
    skilletegn = "["
    del_: list[str] = []
    for rad in rader:
        del_.append(rad)
        if len(del_) == bolk:
            skriv(json_byter(skilletegn + ",".join(del_)))
            skilletegn, del_ = ",", []
    if del_:
        skriv(json_byter(skilletegn + ",".join(del_)))
        skilletegn = ","
    skriv((("[" if skilletegn == "[" else "") + "]\n").encode())
    sys.stdout.buffer.flush()


def skriv_json_liste(liste: JsonListe) -> None:
    """A JSON array SQLite made (`JsonListe`), written batch by batch when piped; indented like
    `skriv_json` for a person."""
    if sys.stdout.isatty():
        skriv_json(liste.rader())
        return
    sys.stdout.flush()
    skriv = sys.stdout.buffer.write
    skilletegn = b"["
    for bolk in liste.bolker:
        if bolk:
            skriv(skilletegn)
            skriv(trygge_json_byter(bolk))
            skilletegn = b","
    skriv(b"[]\n" if skilletegn == b"[" else b"]\n")
    sys.stdout.buffer.flush()
