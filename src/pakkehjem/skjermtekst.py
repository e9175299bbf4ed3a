"""Text that reaches a terminal: one sanitiser for every display path.

A name, a municipality, a guide text or a user name in the access log is data someone typed,
imported or planted. Printed raw, an ESC sequence in it can clear a coordinator's screen,
repaint the access log to hide rows, set the window title, or (OSC 8, OSC 52) plant a link or
write to the clipboard. Two lines of defence:

- at input, `sjekk` refuses a value with a control character (options, import cells, guide
  texts, answers files), naming the field but never echoing the value;
- at output, `rens` neutralises whatever older data still holds: every C0 control character
  but the line break, DEL, the C1 controls (U+0080 to U+009F, where U+009B is an 8-bit CSI
  and U+009D an OSC), and the Unicode bidirectional overrides and line separators that can
  make a line read as something else. C0 characters become their visible Control Pictures
  (ESC shows as ␛), the others U+FFFD.

The display paths use this module and nothing else: the rich consoles (`visning.konsoll`,
`visning.feilkonsoll`) run every text segment through `rens`, plain piped lines go through
`linje`, and JSON through `json_tekst`.
"""

from __future__ import annotations

import re
from typing import Any

# Bidirectional embeddings, overrides and isolates, and the Unicode line and paragraph
# separators: invisible, and they reorder or break what the reader sees.
_BIDI = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029"
# Everything a terminal may act on, the line break included (callers decide about it).
_FARLIG = re.compile(f"[\x00-\x1f\x7f-\x9f{_BIDI}]")
_FARLIG_UTEN_LINJESKIFT = re.compile(f"[\x00-\x09\x0b-\x1f\x7f-\x9f{_BIDI}]")

ERSTATNING = "\ufffd"


def _bilde(treff: re.Match[str]) -> str:
    tegn = treff.group()
    kode = ord(tegn)
    if kode < 0x20:
        return chr(0x2400 + kode)  # Control Pictures: ␀ ... ␟ (ESC is ␛)
    if kode == 0x7F:
        return "\u2421"  # ␡
    return ERSTATNING


def rens(tekst: object, *, linjeskift: bool = True) -> str:
    """`tekst` safe for a terminal: control characters shown, never acted on.

    With `linjeskift` a line break stays a line break; without it (one table cell, one line
    of a piped table) it is shown as ␊ too.
    """
    tekst = "" if tekst is None else str(tekst)
    monster = _FARLIG_UTEN_LINJESKIFT if linjeskift else _FARLIG
    if monster.search(tekst) is None:  # the common case: nothing to do, no copy
        return tekst
    return monster.sub(_bilde, tekst)


def linje(celler: Any) -> str:
    """One line of a piped table: cells joined by tabs, each cell on one line and neutralised.

    A tab or line break inside a cell becomes a space (the cell stays one cell of one line);
    every other control character is shown as its picture.
    """
    return "\t".join(rens(_en_linje(c), linjeskift=False) for c in celler)


def _en_linje(verdi: Any) -> str:
    tekst = "" if verdi is None else str(verdi)
    return tekst.replace("\t", " ").replace("\r\n", " ").replace("\n", " ")


_JSON_FARLIG = re.compile(f"[\x7f-\x9f{_BIDI}]")


def json_tekst(tekst: str) -> str:
    """A JSON document safe for a terminal, and still the same JSON.

    `json.dumps` already escapes U+0000 to U+001F; with `ensure_ascii=False` it leaves DEL, the
    C1 controls and the bidi characters raw. They can only stand inside strings, where
    `\\uXXXX` means the same character.
    """
    if _JSON_FARLIG.search(tekst) is None:
        return tekst
    return _JSON_FARLIG.sub(lambda t: f"\\u{ord(t.group()):04x}", tekst)


# What the characters `json_tekst` escapes can begin with in UTF-8: DEL; C1 (U+0080 to U+009F,
# lead byte C2); U+061C (D8 9C); U+200E to U+202E and U+2066 to U+2069 (E2 80 and E2 81).
_JSON_FARLIGE_BYTER = (b"\x7f", b"\xc2", b"\xd8\x9c", b"\xe2\x80", b"\xe2\x81")


def trygge_json_byter(data: bytes) -> bytes:
    """`json_tekst` for a JSON document already in UTF-8. Searching the bytes for the few
    sequences those characters start with is a fast substring search; only a document that
    holds one is decoded and scanned character by character (a 3.6 MB work list: about 3 ms
    instead of 35)."""
    # A lone byte is a memchr; a pair is searched far slower, so only where its first byte is.
    if any(sekvens[:1] in data and sekvens in data for sekvens in _JSON_FARLIGE_BYTER):
        return json_tekst(data.decode("utf-8")).encode("utf-8")
    return data


def forste_styretegn(tekst: str, *, linjeskift: bool = False) -> str | None:
    """The first control character in `tekst` as `U+001B (ESC)`, or None when there is none."""
    monster = _FARLIG_UTEN_LINJESKIFT if linjeskift else _FARLIG
    treff = monster.search(tekst)
    if treff is None:
        return None
    kode = ord(treff.group())
    navn = _NAVN.get(kode)
    return f"U+{kode:04X}" + (f" {navn}" if navn else "")


_NAVN = {0x00: "NUL", 0x07: "BEL", 0x08: "BS", 0x09: "TAB", 0x0A: "linjeskift", 0x0D: "CR", 0x1B: "ESC"}
_NAVN |= {0x7F: "DEL", 0x9B: "CSI", 0x9D: "OSC"}


def feil_i(tekst: str, felt: str, *, linjeskift: bool = False) -> str | None:
    """The refusal for a value with a control character (the value itself is never echoed)."""
    tegn = forste_styretegn(tekst, linjeskift=linjeskift)
    if tegn is None:
        return None
    return (
        f"{felt} inneholder et styretegn ({tegn}). Slike tegn kan endre skjermen til den som leser. "
        "Skriv verdien uten det."
    )
