"""Data out (`eksport`): patients, contact points and actions as CSV or JSON.

- CSV is written the way Norwegian Excel opens it by a double click: semicolons, and a UTF-8
  byte order mark at the start of a file (not on stdout, where another program reads it).
- A cell a spreadsheet would read as a formula (first character = + - @, tab or carriage
  return) gets a leading apostrophe; `importer` takes it off again.
- `--uten-personopplysninger` is a de-identified export (avidentifisering.py, docs/eksport.md):
  no names (health personnel's either), no free text, age bands, months, a random key per
  export, and municipality and diagnosis category only where 5 or more share them.
- Every exported patient is access-logged; files are created with mode 0600 and never
  overwrite an existing file unless asked to.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path
from typing import Any

from . import forlop
from .datoer import fra_iso
from .feil import Avvist, PakkehjemFeil, UgyldigInndata
from .filer import sjekk_ny_fil, skriv_privat
from .register import Register
from .skjermtekst import json_tekst, rens

CSV_SKILLE = ";"
BOM = "\ufeff"
FORMELTEGN = ("=", "+", "-", "@", "\t", "\r")
TABELLER = ("pasienter", "samhandlingspunkter", "tiltak")
HVA_VALG = (*TABELLER, "alt")
FORMATER = ("csv", "json")

# Columns per table, in order. The patient columns are headers `importer` understands.
KOLONNER: dict[str, tuple[str, ...]] = {
    "pasienter": (
        "nr", "fodselsnummer", "navn", "fodselsdato", "kommune", "fastlege", "koordinator",
        "telefon", "status", "forlop", "diagnosedato", "diagnose", "forlop_status",
    ),
    "samhandlingspunkter": (
        "pasient", "fodselsnummer", "navn", "forlop", "diagnosedato", "sp", "ansvarlig",
        "vindu_fra", "vindu_til", "status", "dato", "klokkeslett", "sted", "grunn", "tilstand",
    ),
    "tiltak": (
        "nr", "pasient", "fodselsnummer", "navn", "hva", "ansvarlig", "frist", "status",
        "utfort_dato", "samtale", "opprettet",
    ),
}  # fmt: skip


def noytraliser(tekst: str) -> str:
    """A cell a spreadsheet would read as a formula, made plain text with a leading '."""
    return "'" + tekst if tekst.startswith(FORMELTEGN) else tekst


def _celle(verdi: Any) -> Any:
    """A cell for the CSV writer: text neutralised (no formula, no terminal control
    character: skjermtekst.rens), numbers as they are, None empty."""
    if verdi is None:
        return ""
    if isinstance(verdi, str):
        verdi = rens(verdi)
        return "'" + verdi if verdi.startswith(FORMELTEGN) else verdi
    return verdi


def kolonner(tabell: str, uten_personopplysninger: bool) -> list[str]:
    """The columns of a table as exported."""
    if uten_personopplysninger:
        from .avidentifisering import KOLONNER as AVIDENTIFISERT

        return list(AVIDENTIFISERT[tabell])
    return list(KOLONNER[tabell])


def til_csv(tabell: str, rader: list[dict[str, Any]], uten_personopplysninger: bool) -> str:
    """One table as CSV text (no byte order mark), every cell neutralised."""
    navn = kolonner(tabell, uten_personopplysninger)
    ut = io.StringIO()
    skriver = csv.writer(ut, delimiter=CSV_SKILLE, lineterminator="\r\n")
    skriver.writerow(navn)
    celle = _celle
    skriver.writerows([celle(rad.get(k)) for k in navn] for rad in rader)
    return ut.getvalue()


# --- reading ---------------------------------------------------------------------------


def les(
    register: Register,
    hva: str,
    idag: date,
    *,
    koordinator: str | None = None,
    uten_personopplysninger: bool = False,
) -> dict[str, list[dict[str, Any]]]:
    """The tables asked for, read in one logged transaction: {table: rows}."""
    tabeller = TABELLER if hva == "alt" else (hva,)
    lest = register.rapporter.eksport(tabeller, koordinator)
    ut: dict[str, list[dict[str, Any]]] = {}
    if "pasienter" in lest:
        ut["pasienter"] = [dict(zip(KOLONNER["pasienter"], r, strict=True)) for r in lest["pasienter"]]
    if "samhandlingspunkter" in lest:
        rader = []
        for r in lest["samhandlingspunkter"]:
            rad = dict(zip(KOLONNER["samhandlingspunkter"], (*r, None), strict=True))
            rad["tilstand"] = forlop.tilstand(
                rad["status"],
                fra_iso(rad["vindu_fra"]),
                fra_iso(rad["vindu_til"]),
                fra_iso(rad["dato"]),
                idag,
            )
            rader.append(rad)
        ut["samhandlingspunkter"] = rader
    if "tiltak" in lest:
        ut["tiltak"] = [dict(zip(KOLONNER["tiltak"], r, strict=True)) for r in lest["tiltak"]]
    if uten_personopplysninger:
        from .avidentifisering import avidentifiser

        ut = avidentifiser(ut)
    return ut


# --- writing ---------------------------------------------------------------------------


def planlegg(hva: str, format_: str, ut: Path | None, overskriv: bool) -> list[tuple[str, Path]]:
    """Where each table goes, checked before anything is read: [(table or "alt", path)].

    Without `-o` the answer is [] (stdout). `alt` as CSV is one file per table: in a folder,
    or in one zip file when `-o` ends in .zip. A name that looks like a file (it has an ending)
    is never made a folder: that is refused with what to write instead.
    Refuses (exit 1) when a file exists and `overskriv` is not given.
    """
    if ut is None:
        if hva == "alt" and format_ == "csv":
            raise UgyldigInndata(
                "«eksport alt» som CSV blir tre filer: oppgi en mappe med -o, en zip-fil "
                "(-o eksport.zip), eller bruk --format json."
            )
        return []
    if ut.suffix.lower() == ".zip":
        if format_ != "csv":
            raise UgyldigInndata(
                "En zip-fil lages bare med CSV-filer: ta bort --format json, eller velg en .json-fil."
            )
        sjekk_ny_fil(ut, overskriv)
        return [(hva, ut)]
    if hva == "alt" and format_ == "csv" and ut.suffix and not ut.is_dir():
        raise UgyldigInndata(
            f"«eksport alt» som CSV blir tre filer, så {ut.name} kan ikke bli én CSV-fil. Oppgi en "
            f"mappe (-o {ut.with_suffix('')}), en zip-fil (-o {ut.with_suffix('.zip')}), eller bruk "
            "--format json for én fil."
        )
    if hva == "alt" and format_ == "csv":
        if ut.exists() and not ut.is_dir():
            raise UgyldigInndata(
                f"{ut} er en fil. «eksport alt» som CSV skriver én fil per tabell i en mappe: oppgi en mappe."
            )
        planer = [(tabell, ut / f"{tabell}.csv") for tabell in TABELLER]
        if not overskriv:
            for _, sti in planer:
                if sti.exists() or sti.is_symlink():
                    raise Avvist(f"Filen {sti} finnes fra før. Velg et annet navn, eller bruk --overskriv.")
        return planer
    sjekk_ny_fil(ut, overskriv)
    return [(hva, ut)]


def innhold(data: dict[str, list[dict[str, Any]]], hva: str, format_: str, uten: bool, fil: bool) -> str:
    """The text of one output: a table (or all, as JSON); CSV files start with a byte order mark."""
    if format_ == "json":
        if hva != "alt":
            return json_tekst(_json_tabell(data[hva]) + "\n")
        deler = [f"  {json.dumps(tabell)}: {_json_tabell(rader, '  ')}" for tabell, rader in data.items()]
        return json_tekst("{\n" + ",\n".join(deler) + "\n}\n")
    return (BOM if fil else "") + til_csv(hva, data[hva], uten)


def _json_tabell(rader: list[dict[str, Any]], innrykk: str = "") -> str:
    """A JSON array with one record per line: readable, and written by the fast C encoder
    (an indented dump of 100,000 patients takes many times longer)."""
    if not rader:
        return "[]"
    linjer = ",\n".join(f"{innrykk}  {json.dumps(r, ensure_ascii=False)}" for r in rader)
    return f"[\n{linjer}\n{innrykk}]"


def skriv(
    data: dict[str, list[dict[str, Any]]],
    planer: list[tuple[str, Path]],
    format_: str,
    uten: bool,
    overskriv: bool,
) -> None:
    """Write the planned files (mode 0600); the folder for `alt` is made 0700 when missing,
    and a .zip is one zip file with a CSV file per table."""
    if len(planer) == 1 and planer[0][1].suffix.lower() == ".zip":
        import zipfile

        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zipfil:
            for tabell in TABELLER if planer[0][0] == "alt" else (planer[0][0],):
                zipfil.writestr(
                    f"{tabell}.csv", innhold(data, tabell, format_, uten, fil=True).encode("utf-8")
                )
        skriv_privat(planer[0][1], buffer.getvalue(), overskriv)
        return
    if len(planer) > 1 and not planer[0][1].parent.exists():
        try:
            planer[0][1].parent.mkdir(mode=0o700, parents=True)
        except OSError as feil:
            raise PakkehjemFeil(f"Kan ikke lage mappen {planer[0][1].parent} ({feil.strerror}).") from None
    for tabell, sti in planer:
        skriv_privat(sti, innhold(data, tabell, format_, uten, fil=True).encode("utf-8"), overskriv)


def velg_format(format_: str | None, ut: Path | None) -> str:
    """The format asked for, else json for a .json file, else csv."""
    if format_ is not None:
        verdi = format_.strip().lower()
        if verdi not in FORMATER:
            raise UgyldigInndata(f"--format {format_}: velg csv eller json.")
        return verdi
    if ut is not None and ut.suffix.lower() == ".json":
        return "json"
    return "csv"
