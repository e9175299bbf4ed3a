"""The handover letter: builds its context from the register and renders it with Jinja2.

The flow (`lag_brev`, then `lever`):

1. the consent rules (samtykke.py) are checked inside the register's read, so nothing else of
   a patient is read for a letter that is refused;
2. the letter's context is built from the latest finished conversation, read with the guide
   the conversation was held with (`bygg_kontekst`, pure);
3. the context is rendered from `templates/brev/`: a base template per format
   (`base.txt.j2`, `base.md.j2`, `base.html.j2`) holds the structure, the recipient templates
   (`bokmal/<mottaker>.j2`, `nynorsk/<mottaker>.j2`) extend it (through shared parents such as
   `_helse.j2`) with the wording that suits the recipient, and `tekster.yaml` holds the fixed
   headings and phrases of both languages;
4. the letter is written (stdout, or a new file with mode 0600) and recorded in the register
   with the sha256 of its bytes.

A service's own templates (the setting `brevmaler`) come before the shipped ones (a Jinja2
ChoiceLoader); the shipped ones are read through importlib.resources, so an installed wheel
finds them wherever it runs from. WeasyPrint is imported only to make a PDF.

A service's template folder is not trusted code: templates render in Jinja2's immutable sandbox
(no Python internals, nothing changed), and a PDF may load only `data:` addresses and files inside
that folder (no network, no other file on the disk, such as the register itself).
"""

from __future__ import annotations

import copy
import functools
import hashlib
import os
import re
import secrets
import sys
import textwrap
import unicodedata
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import date
from importlib.resources import files
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import yaml
from markupsafe import Markup

from . import forlop
from . import guide as guide_modul
from . import samtykke as samtykke_regler
from .datoer import fra_iso, norsk_dato
from .feil import Avvist, PakkehjemFeil, UgyldigInndata
from .filer import Meldinger, skriv_privat
from .malmappe import les_malfil
from .samtykke import BREVMOTTAKERE, HELSEMOTTAKERE, SAMTYKKEART, krev_samtykke, sjekk_mottaker

if TYPE_CHECKING:
    import jinja2

    from .innstillinger import Innstillinger
    from .register import Register
    from .register.poster import (
        Brevgrunnlag,
        Brevtiltak,
        Innkallingsgrunnlag,
        Korrigering,
        Meldingsgrunnlag,
        Samtykkerad,
    )

FORMATER = ("txt", "md", "html", "pdf")
FHIR = "fhir"  # the summary as a FHIR R4 document Bundle (overforing.py), to health services
SPRAK = ("bokmal", "nynorsk")
BREDDE = 72  # txt: the width a journal system's dialogue message shows without wrapping again

# The answers of the default guide that the letter places itself (who took part, what matters).
# Other guides' answers that the letter does not know end up under "andre opplysninger".
_SAMTALEFORM = "samtaleform"
_TILSTEDE_HVEM = "tilstede_hvem"
_TILSTEDE_NAVN = "tilstede_navn"
_VIKTIG = "hva_er_viktig"

# Recipients whose letter carries the relatives' own needs (when the relative agreed).
PARORENDE_MOTTAKERE = ("fastlege", "kommune")

BEHOV = "behov"
INGEN_BEHOV = "ingen behov"
ONSKER_IKKE = "ønsker ikke å snakke om det"
IKKE_AKTUELT = "ikke aktuelt"


@dataclass
class Brev:
    """A rendered letter, ready to be written and recorded."""

    innhold: bytes
    format: str
    mottaker: str
    mottaker_navn: str | None
    sprak: str
    pasient_id: int
    samtale_id: int | None
    advarsler: list[str] = field(default_factory=list)
    art: str = "oppsummering"  # or "innkalling" (lag_innkalling)
    samhandlingspunkt_id: int | None = None
    sp: int | None = None  # the contact point the letter is about, said to the user

    @property
    def sha256(self) -> str:
        """The hash recorded for the letter: of the exact bytes written."""
        return hashlib.sha256(self.innhold).hexdigest()


# --------------------------------------------------------------------------------------------
# Making a letter


def lag_brev(
    register: Register,
    ref: str,
    mottaker: str,
    *,
    idag: date,
    format_: str = "txt",
    sprak: str | None = None,
    sp: int | None = None,
    mottaker_navn: str | None = None,
) -> Brev:
    """Check consent, read the latest finished conversation and render the letter.

    Refused with ManglerSamtykke (exit 1) when the patient objected to the recipient, or,
    for nav and annen, has not consented (samtykke.py); Avvist when there is no finished
    conversation; UgyldigInndata for an unknown recipient, format or language.
    """
    mottaker = sjekk_mottaker(mottaker, BREVMOTTAKERE)
    format_ = _format(format_, (*FORMATER, FHIR))
    if format_ == FHIR and mottaker not in HELSEMOTTAKERE:
        raise UgyldigInndata(
            "--format fhir er overføringen mellom helsetjenester: --til fastlege, kommune, sykehus "
            "eller ny_kommune. Til pasienten, NAV og andre lages brevet som txt, md, html eller pdf."
        )
    innst, sprak, mottaker_navn = _innstillinger_sprak_navn(register, sprak, mottaker_navn)
    if mottaker == "annen" and not mottaker_navn:
        raise UgyldigInndata(
            "Et brev til annen mottaker trenger mottakerens navn: legg til --navn, "
            "for eksempel --navn «Arbeidsgiver»."
        )

    def kontroll(pasient_id: int, gjeldende: dict[str, Samtykkerad]) -> None:
        if mottaker == "pasient":
            register.pasienter.sjekk_ikke_dod(pasient_id)
        krev_samtykke(pasient_id, mottaker, gjeldende, mottaker_navn)

    krev_avsender(innst)
    grunnlag = register.brevlogg.brevgrunnlag(ref, sp, idag, kontroll)
    from .samtale import guide_for_samtale

    guiden = guide_for_samtale(register, grunnlag["samtale"]["guide_ref"])
    maldir = innst.get("brevmaler")
    tekster = last_tekster(maldir, sprak, pasient=mottaker == "pasient")
    kontekst = bygg_kontekst(
        grunnlag, guiden, tekster, mottaker=mottaker, mottaker_navn=mottaker_navn, sprak=sprak,
        innstillinger=innst, idag=idag,
    )  # fmt: skip
    if format_ == FHIR:
        # The structured copy: the same content, as FHIR resources (fhir.resources loads only here).
        from .overforing import lag_bunt

        innhold = lag_bunt(grunnlag, guiden, kontekst, mottaker=mottaker, idag=idag)
    else:
        innhold = render(kontekst, format_, _laster(maldir), maldir)
    return Brev(
        innhold=innhold,
        format=format_,
        mottaker=mottaker,
        mottaker_navn=kontekst["mottaker"]["navn"],
        sprak=sprak,
        pasient_id=grunnlag["pasient"]["id"],
        samtale_id=grunnlag["samtale"]["id"],
        sp=grunnlag["samtale"]["sp"],
    )


def _format(format_: str | None, lovlige: tuple[str, ...]) -> str:
    format_ = (format_ or "txt").strip().lower()
    if format_ not in lovlige:
        raise UgyldigInndata(f"--format «{format_}» finnes ikke. Velg en av: {', '.join(lovlige)}.")
    return format_


def _innstillinger_sprak_navn(
    register: Register, sprak: str | None, mottaker_navn: str | None
) -> tuple[Innstillinger, str, str | None]:
    """The settings, the letter's language (the option, else the setting) and the recipient's
    name as typed (cleaned), the same for a summary and a message."""
    innst = register.innstillinger()
    sprak = _sprak(sprak or innst.get("brev_sprak") or "bokmal")
    return innst, sprak, _ren(" ".join((mottaker_navn or "").split())) or None


def krev_avsender(innstillinger: Innstillinger) -> None:
    """Refuse (Avvist, exit 1) a letter without a sender: the reader must know whom to call.
    Checked before the patient is read, so a refused letter reads and logs nothing."""
    if not (innstillinger.get("avsender_navn") or "").strip():
        raise Avvist(
            "Avsender er ikke satt, så brevet lages ikke: mottakeren må vite hvem det er fra og hvem "
            "som kan ringes. Sett det med «pakkehjem avsender --navn ... --rolle ... --tjeneste ... "
            "--telefon ...», og prøv igjen."
        )


# --------------------------------------------------------------------------------------------
# Messages without a conversation (`brev --melding`): the patient declined, moves, or the
# pathway ended. The same consent rules, sender, formats, languages, record and log as the
# summary; their own templates (`melding.<format>.j2`, `<sprak>/melding.j2`, the `melding`
# texts of tekster.yaml).

MELDINGER = ("avslag", "flytting", "avsluttet")
# Messages go between services; the GP is told of a decline (domain.md), the new municipality
# of a move.
MELDINGSMOTTAKERE = ("fastlege", "kommune", "sykehus", "ny_kommune")


def lag_melding(
    register: Register,
    ref: str,
    mottaker: str,
    melding: str,
    *,
    idag: date,
    format_: str = "txt",
    sprak: str | None = None,
    mottaker_navn: str | None = None,
) -> Brev:
    """A message that needs no conversation: `avslag` (the patient declined a contact point and
    when they will be asked again), `flytting` (to the municipality the patient moves to: what
    the pathway has done and what is open), `avsluttet` (the pathway ended, and why).

    Avvist when there is nothing to tell (no declined point, an episode not ended, no
    municipality recorded for a move)."""
    melding = (melding or "").strip().lower()
    if melding not in MELDINGER:
        raise UgyldigInndata(f"--melding «{melding}» finnes ikke. Velg en av: {', '.join(MELDINGER)}.")
    mottaker = sjekk_mottaker(mottaker, BREVMOTTAKERE)
    if mottaker not in MELDINGSMOTTAKERE:
        raise UgyldigInndata(
            f"--melding går til helsetjenesten: --til {', '.join(MELDINGSMOTTAKERE)}. "
            "Til pasienten og til NAV eller andre lages oppsummeringen, med samtykke."
        )
    format_ = _format(format_, FORMATER)
    innst, sprak, mottaker_navn = _innstillinger_sprak_navn(register, sprak, mottaker_navn)
    krev_avsender(innst)

    def kontroll(pasient_id: int, gjeldende: dict[str, Samtykkerad]) -> None:
        krev_samtykke(pasient_id, mottaker, gjeldende, mottaker_navn)

    grunnlag = register.brevlogg.meldingsgrunnlag(ref, idag, kontroll)
    maldir = innst.get("brevmaler")
    laster = _laster(maldir)
    tekster = last_tekster(maldir, sprak)
    tekster = {**tekster, **(tekster.get("melding") or {})}
    kontekst, punkt = bygg_melding_kontekst(
        grunnlag, tekster, melding=melding, mottaker=mottaker, mottaker_navn=mottaker_navn,
        sprak=sprak, innstillinger=innst, idag=idag,
    )  # fmt: skip
    innhold = render(kontekst, format_, laster, maldir, art="melding")
    return Brev(
        innhold=innhold,
        format=format_,
        mottaker=mottaker,
        mottaker_navn=kontekst["mottaker"]["navn"],
        sprak=sprak,
        pasient_id=grunnlag["pasient"]["id"],
        samtale_id=None,
        art=melding,
        samhandlingspunkt_id=grunnlag["punkt_ider"].get(punkt) if punkt else None,
    )


def bygg_melding_kontekst(
    grunnlag: Meldingsgrunnlag,
    tekster: dict[str, Any],
    *,
    melding: str,
    mottaker: str,
    mottaker_navn: str | None,
    sprak: str,
    innstillinger: Innstillinger,
    idag: date,
) -> tuple[dict[str, Any], tuple[int, int] | None]:
    """The message's context (pure) and the contact point it is about ((episode, sp) or None)."""
    t = tekster
    pasient = grunnlag["pasient"]
    pid = pasient["id"]
    episode = pasient["forlop"][-1]
    punkt_nokkel = None
    avslag = None
    if melding == "avslag":
        avslatte = [
            (f, p)
            for f in pasient["forlop"]
            for p in f["samhandlingspunkter"]
            if p["status"] == forlop.AVSLATT
        ]
        if not avslatte:
            raise Avvist(
                f"Pasient nr. {pid} har ikke takket nei til noe samhandlingspunkt, så det er ikke noe avslag "
                f"å melde. Registrer avslaget først med «pakkehjem avsla {pid} --spor-igjen DATO»."
            )
        episode, p = avslatte[-1]
        punkt_nokkel = (episode["nr"], p["sp"])
        avslag = {
            "sp": p["sp"],
            "ansvarlig": t["ansvarlige"].get(p["ansvarlig"], p["ansvarlig"]),
            "spor_igjen": _dato(p["dato"]),
            "grunn": p["grunn"] or "",
        }
    if melding == "avsluttet" and episode["status"] != "avsluttet":
        raise Avvist(
            f"Forløp {episode['nr']} for pasient nr. {pid} er ikke avsluttet, så det er ikke noe å melde. "
            f"Avslutt det først med «pakkehjem avslutt {pid} --grunn ...»."
        )
    navn = mottaker_navn
    if melding == "flytting":
        navn = navn or episode.get("til_kommune")
        if not navn:
            raise Avvist(
                f"Det er ikke registrert hvilken kommune pasient nr. {pid} flytter til. Oppgi den med "
                "--navn «Voss kommune», eller avslutt forløpet med «pakkehjem avslutt "
                f"{pid} --grunn flyttet --til-kommune ...»."
            )
    if navn is None and mottaker == "fastlege":
        navn = pasient["fastlege"]
    elif navn is None and mottaker == "kommune" and pasient["kommune"]:
        navn = f"{pasient['kommune']} kommune"

    statuser = t.get("statuser", {})
    punkter = [
        {
            "sp": p["sp"],
            "ansvarlig": t["ansvarlige"].get(p["ansvarlig"], p["ansvarlig"]),
            "status": statuser.get(p["status"], p["status"]),
            "dato": _dato(p["dato"]),
            "vindu": f"{_dato(p['vindu_fra'])} – {_dato(p['vindu_til'])}",
            # A point that fell away because the patient moved is the new municipality's to hold.
            "apen": forlop.er_apen(p["status"]) or (melding == "flytting" and p["status"] == forlop.BORTFALT),
            "grunn": (p["grunn"] or "") if melding != "flytting" else "",
        }
        for p in episode["samhandlingspunkter"]
    ]
    tiltak = [
        {"hva": r["hva"], "ansvarlig": r["ansvarlig"], "frist": _dato(r["frist"])} for r in grunnlag["tiltak"]
    ]
    grunn = episode.get("avsluttet_grunn")
    kontekst = {
        "t": t,
        "sprak": sprak,
        "dato": norsk_dato(idag),
        "melding": {
            "art": melding,
            "tittel": t["titler"][melding],
            "avslag": avslag,
            "avsluttet_dato": _dato(episode.get("avsluttet_dato")),
            "grunn": t.get("grunner", {}).get(grunn, grunn or ""),
            "til_kommune": navn if melding == "flytting" else None,
        },
        "mottaker": {
            "art": mottaker,
            "navn": navn,
            "tekst": t["mottakere"].get(mottaker, mottaker),
            "helse": True,
            "er_pasient": False,
        },
        "pasient": {"navn": pasient["navn"], "fnr": _fnr(pasient["fnr"])},
        "forlop": {
            "nr": episode["nr"],
            "diagnose": episode["diagnose"],
            "diagnosedato": _dato(episode["diagnosedato"]),
        },
        "vis": {"diagnose": True},
        "punkter": punkter,
        "tiltak": tiltak,
        "avsender": _avsender(innstillinger),
    }
    return _rens_kontekst(kontekst), punkt_nokkel


def _sprak(verdi: str) -> str:
    sprak = verdi.strip().lower()
    sprak = {"bokmål": "bokmal", "nb": "bokmal", "nn": "nynorsk"}.get(sprak, sprak)
    if sprak not in SPRAK:
        raise UgyldigInndata(f"--sprak «{verdi}» finnes ikke. Velg bokmal eller nynorsk.")
    return sprak


# --------------------------------------------------------------------------------------------
# The invitation letter to the patient (`innkalling`): the same templates folder, rendering,
# writing and record as the summary; its own context and templates (`innkalling.<format>.j2`,
# `<sprak>/innkalling.j2`, the `innkalling` texts of tekster.yaml).


def lag_innkalling(
    register: Register,
    ref: str,
    *,
    idag: date,
    format_: str = "txt",
    sprak: str | None = None,
    sp: int | None = None,
    med_hefte: bool = False,
) -> Brev:
    """The patient's invitation to the booked contact point (`sp`, or the first open one of
    the active episode). Avvist when it is not booked. Holds no diagnosis and no fødselsnummer:
    it is a letter in a mailbox. The themes come from the guide in use. With `med_hefte`, the
    pre-visit booklet (hefte.py) follows the letter, from a new page."""
    format_ = _format(format_, FORMATER)
    innst, sprak, _ = _innstillinger_sprak_navn(register, sprak, None)
    grunnlag = register.brevlogg.innkallingsgrunnlag(ref, sp)
    from .samtale import aktiv_guide

    maldir = innst.get("brevmaler")
    laster = _laster(maldir)
    tekster = last_tekster(maldir, sprak, pasient=True)
    tekster = {**tekster, **(tekster.get("innkalling") or {})}
    guiden = aktiv_guide(register)
    kontekst = bygg_innkalling_kontekst(
        grunnlag, guiden, tekster, sprak=sprak, innstillinger=innst, idag=idag
    )
    if med_hefte:
        innhold = _med_hefte(kontekst, format_, laster, maldir, guiden, innst, sprak)
    else:
        innhold = render(kontekst, format_, laster, maldir, art="innkalling")
    advarsler = []
    if not kontekst["avsender"]["navn"] or not kontekst["avsender"]["telefon"]:
        advarsler.append(
            "Avsender (navn og telefon) er ikke satt, så pasienten ser ikke hvem som skal ringes. "
            "Sett det med «pakkehjem avsender --navn ... --rolle ... --tjeneste ... --telefon ...»."
        )
    return Brev(
        innhold=innhold,
        format=format_,
        mottaker="pasient",
        mottaker_navn=kontekst["mottaker"]["navn"],
        sprak=sprak,
        pasient_id=grunnlag["pasient"]["id"],
        samtale_id=None,
        advarsler=advarsler,
        art="innkalling",
        samhandlingspunkt_id=grunnlag["punkt"]["id"],
        sp=grunnlag["punkt"]["sp"],
    )


def bygg_innkalling_kontekst(
    grunnlag: Innkallingsgrunnlag,
    guiden: guide_modul.Guide,
    tekster: dict[str, Any],
    *,
    sprak: str,
    innstillinger: Innstillinger,
    idag: date,
) -> dict[str, Any]:
    """The invitation's context (pure): the booking, the themes to think about, the sender."""
    t = tekster
    punkt = grunnlag["punkt"]
    dag = fra_iso(punkt["dato"])
    assert dag is not None  # a booked point has a date
    ukedager = t.get("ukedager") or ["mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag", "søndag"]
    # The need themes of the guide (a `<tema>_behov` choice): the 13 areas, children, existential.
    temaer = [
        t.get("temaer", {}).get(tema.id) or tema.tittel
        for tema in guiden.tema
        if any(s.type == "valg" and s.id.endswith("_behov") for s in tema.sporsmal)
    ]
    kontekst = {
        "t": t,
        "sprak": sprak,
        "dato": norsk_dato(idag),
        "mottaker": {"art": "pasient", "navn": grunnlag["pasient"]["navn"], "er_pasient": True},
        "avtale": {
            "sp": punkt["sp"],
            "ansvarlig": t["ansvarlige_kort"].get(punkt["ansvarlig"], punkt["ansvarlig"]),
            "dato": f"{ukedager[dag.weekday()]} {norsk_dato(dag)}",
            "klokkeslett": punkt["klokkeslett"],
            "sted": punkt["sted"],
        },
        "temaer": temaer,
        "avsender": _avsender(innstillinger),
    }
    return _rens_kontekst(kontekst)


# --------------------------------------------------------------------------------------------
# The context: everything the templates show, built from the register's data (pure)


def _ren(tekst: str) -> str:
    """Text typed by someone, safe to print anywhere: no control characters (a terminal escape
    in an answer must not reach a terminal or a journal), no bidirectional overrides."""
    tekst = tekst.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    return "".join(
        tegn for tegn in tekst if tegn == "\n" or unicodedata.category(tegn) not in ("Cc", "Cf", "Cs", "Co")
    )


def _rens(verdi: Any) -> Any:
    if isinstance(verdi, str):
        return _ren(verdi)
    if isinstance(verdi, dict):
        return {k: _rens(v) for k, v in verdi.items()}
    if isinstance(verdi, list | tuple):
        return [_rens(v) for v in verdi]
    return verdi


def _dato(iso_tekst: str | None) -> str:
    return norsk_dato(fra_iso(iso_tekst)) if iso_tekst else ""


def _korrigert_tekst(t: dict[str, Any], korrigert: Korrigering | None) -> str:
    """«Korrigert DD.MM.ÅÅÅÅ» for a letter from an amended conversation, naming the date of the
    letter it replaces when one was written from an earlier version."""
    if not korrigert:
        return ""
    from datetime import datetime

    def dag(tidspunkt: str) -> str:
        return datetime.fromisoformat(tidspunkt).astimezone().strftime("%d.%m.%Y")

    endret, forrige = korrigert["endret"] or "", korrigert["forrige_brev"]
    if forrige:
        return str(t["korrigert_brev"].format(dato=dag(endret), forrige=dag(forrige)))
    return str(t["korrigert"].format(dato=dag(endret)))


def _fnr(nummer: str) -> str:
    return f"{nummer[:6]} {nummer[6:]}"


def _parorende(
    temaer: list[guide_modul.Tema],
    svar: dict[str, Any],
    alle_tiltak: list[Any],
    mottaker: str,
    t: dict[str, Any],
    etikett: Any,
    visning: Any,
    tematittel: Any,
    sprak: str,
) -> list[dict[str, Any]]:
    """The relatives' own needs for the letter: only to the GP and the municipality, and only the
    themes where the relative agreed to share in the conversation (the `_deling` question). The
    letter itself follows the patient's consent, as every letter does."""
    if mottaker not in PARORENDE_MOTTAKERE:
        return []
    ut = []
    for tema in temaer:
        deling = tema.deling_sporsmal()
        if deling is None or svar.get(deling.id) is not True:
            continue
        skarer = []
        for s in tema.sporsmal:
            if s.type == "skala" and isinstance(svar.get(s.id), int):
                flagget = s.flagg_fra is not None and svar[s.id] >= s.flagg_fra
                skarer.append({
                    "etikett": etikett(s), "verdi": svar[s.id], "maks": s.max, "flagg": flagget,
                    "ankere": s.ankere(sprak) or "",
                    "flagg_tekst": t["flagg"].format(grense=s.flagg_fra) if flagget else "",
                })  # fmt: skip
        detaljer = [
            {"etikett": etikett(s), "verdi": visning(s, svar[s.id])}
            for s in tema.sporsmal
            if s.type in ("tekst", "valg", "flervalg", "dato") and svar.get(s.id) not in (None, "", [])
        ]
        ider = {s.id for s in tema.sporsmal}
        tiltak = [
            {
                "hva": r["hva"],
                "ansvarlig": r["ansvarlig"],
                "frist": _dato(r["frist"]),
                "utfort": r["status"] == "utfort",
            }
            for r in alle_tiltak
            if (r["sporsmal_id"] or "") in ider
        ]
        if skarer or detaljer or tiltak:
            ut.append({"tittel": tematittel(tema), "skarer": skarer, "detaljer": detaljer, "tiltak": tiltak})
    return ut


def bygg_kontekst(
    grunnlag: Brevgrunnlag,
    guiden: guide_modul.Guide,
    tekster: dict[str, Any],
    *,
    mottaker: str,
    mottaker_navn: str | None,
    sprak: str,
    innstillinger: Innstillinger,
    idag: date,
) -> dict[str, Any]:
    """The letter's context: patient, conversation, needs by theme, scores, actions, next
    contact point, consent and sender, as the templates use them (see templates/brev/)."""
    t = tekster
    pasient = grunnlag["pasient"]
    samtale = grunnlag["samtale"]
    svar = guide_modul.gjeldende_svar(guiden, samtale["svar"])

    def ord_(verdi: Any) -> str:
        """A fixed answer value in the letter's language (free text stays as typed)."""
        if isinstance(verdi, bool):
            return "ja" if verdi else "nei"
        return str(t.get("verdier", {}).get(verdi, verdi))

    def etikett(sporsmal: guide_modul.Sporsmal) -> str:
        return t.get("etiketter", {}).get(sporsmal.id) or sporsmal.tekst.rstrip("?:. ")

    def tematittel(tema: guide_modul.Tema) -> str:
        return t.get("temaer", {}).get(tema.id) or tema.tittel

    def visning(sporsmal: guide_modul.Sporsmal, verdi: Any) -> str:
        if sporsmal.type in ("valg", "janei"):
            return ord_(verdi)
        if sporsmal.type == "flervalg":
            return ", ".join(ord_(v) for v in verdi)
        return guide_modul.vis_verdi(sporsmal, verdi, sprak)

    # A letter to nav or annen carries only what the consent's scope names (samtykke.py).
    eget_samtykke = samtykke_regler.rad_for(mottaker, grunnlag["samtykke"], mottaker_navn)
    omfang = samtykke_regler.omfang(mottaker, eget_samtykke)

    def deles(tema_id: str) -> bool:
        return omfang is None or tema_id in omfang

    tema_id_for = {s.id: tema.id for tema in guiden.tema for s in tema.sporsmal}
    behovtema_ider = {
        tema.id
        for tema in guiden.tema
        if any(s.type == "valg" and s.id.endswith("_behov") for s in tema.sporsmal)
    }
    brukt: set[str] = {_SAMTALEFORM, _TILSTEDE_HVEM, _TILSTEDE_NAVN, _VIKTIG}
    tema_behov: list[dict[str, Any]] = []
    korte: dict[str, list[str]] = {"ingen_behov": [], "onsker_ikke": [], "ikke_aktuelt": []}
    ikke_kartlagt: list[str] = []
    skarer: list[dict[str, Any]] = []
    andre: list[dict[str, str]] = []
    behovtema_for: dict[str, str] = {}  # question id -> title of its need theme (for actions)
    samtykke_tillegg: dict[str, str] = {}  # consent kind -> who, from a follow-up question

    samtykke_sporsmal = {s.id: s.samtykke for s in guiden.alle_sporsmal() if s.samtykke}
    parorende_tema = [tema for tema in guiden.tema if tema.parorende]
    parorende_ider = {s.id for tema in parorende_tema for s in tema.sporsmal}
    brukt |= parorende_ider  # the relative's own needs are never part of the patient's sections
    for tema in guiden.tema:
        if tema.parorende:
            continue
        tittel = tematittel(tema)
        behov_sp = next((s for s in tema.sporsmal if s.type == "valg" and s.id.endswith("_behov")), None)
        skala = [s for s in tema.sporsmal if s.type == "skala"]
        for s in tema.sporsmal:
            if s.type == "tiltak" or s.samtykke or s.neste_avtale:
                brukt.add(s.id)
        if any(s.neste_avtale for s in tema.sporsmal):
            # The next contact point comes from the register, where finishing booked it.
            brukt.update(s.id for s in tema.sporsmal)
            continue
        if any(s.samtykke for s in tema.sporsmal):
            for s in tema.sporsmal:
                brukt.add(s.id)
                art = samtykke_sporsmal.get(s.vis_hvis["sporsmal"] if s.vis_hvis else "")
                if art and s.type == "tekst" and svar.get(s.id):
                    samtykke_tillegg[art] = svar[s.id]
            continue
        if not deles(tema.id):
            brukt.update(s.id for s in tema.sporsmal)
            continue
        if behov_sp is not None:
            for s in tema.sporsmal:
                behovtema_for[s.id] = tittel
            status = svar.get(behov_sp.id)
            notater = [
                svar[s.id]
                for s in tema.sporsmal
                if s.type == "tekst" and s.id.endswith("_notat") and svar.get(s.id)
            ]
            detaljer = [
                {"etikett": etikett(s), "verdi": visning(s, svar[s.id])}
                for s in tema.sporsmal
                if s.id in svar
                and s is not behov_sp
                and s.type != "tiltak"
                and not (s.type == "tekst" and s.id.endswith("_notat"))
            ]
            brukt.update(s.id for s in tema.sporsmal)
            if status == BEHOV or detaljer or notater:
                tema_behov.append({
                    "id": tema.id, "tittel": tittel, "status": _status_tekst(t, status),
                    "behov": status == BEHOV, "notater": notater, "detaljer": detaljer,
                })  # fmt: skip
            elif status == INGEN_BEHOV:
                korte["ingen_behov"].append(tittel)
            elif status == ONSKER_IKKE:
                korte["onsker_ikke"].append(tittel)
            elif status == IKKE_AKTUELT:
                korte["ikke_aktuelt"].append(tittel)
            else:
                ikke_kartlagt.append(tittel)
            continue
        if skala:
            verdier = []
            for s in skala:
                if isinstance(svar.get(s.id), int):
                    flagget = s.flagg_fra is not None and svar[s.id] >= s.flagg_fra
                    verdier.append({
                        "etikett": etikett(s), "verdi": svar[s.id], "maks": s.max, "flagg": flagget,
                        "ankere": s.ankere(sprak) or "",
                        "flagg_tekst": t["flagg"].format(grense=s.flagg_fra) if flagget else "",
                    })  # fmt: skip
            notater = [
                {"etikett": etikett(s), "verdi": svar[s.id]}
                for s in tema.sporsmal
                if s.type == "tekst" and svar.get(s.id)
            ]
            besvart = any(s.id in svar for s in tema.sporsmal)
            brukt.update(s.id for s in tema.sporsmal)
            if verdier or notater or besvart:
                skarer.append({
                    "tittel": tittel, "verdier": verdier, "notater": notater,
                    "ikke_skaret": not verdier,
                })  # fmt: skip
            continue
        for s in tema.sporsmal:
            if s.id in svar and s.id not in brukt:
                andre.append({"etikett": etikett(s), "verdi": visning(s, svar[s.id])})
                brukt.add(s.id)

    def tiltak_deles(r: Brevtiltak) -> bool:
        if omfang is None:
            return True
        tema_id = tema_id_for.get(r["sporsmal_id"] or "")
        if tema_id in behovtema_ider:
            return tema_id in omfang
        # An action agreed outside the need themes goes only to the one responsible for it.
        hvem = samtykke_regler.navnenokkel(r["ansvarlig"])
        return hvem == "nav" if mottaker == "nav" else hvem == samtykke_regler.navnenokkel(mottaker_navn)

    # Actions: from the register (they carry their status), in deadline order. The relative's
    # own actions belong to the relative's section, if it is shared at all. (The template's
    # context is loosely typed: it is what the Jinja2 templates read.)
    tiltak: list[dict[str, Any]] = [
        {
            "hva": r["hva"],
            "ansvarlig": r["ansvarlig"],
            "frist": _dato(r["frist"]),
            "frist_iso": r["frist"],
            "tema": behovtema_for.get(r["sporsmal_id"] or ""),
            "utfort": r["status"] == "utfort",
        }
        for r in grunnlag["tiltak"]
        if tiltak_deles(r) and (r["sporsmal_id"] or "") not in parorende_ider
    ]
    # A consent limited to some themes (omfang) carries the relative's section only when it names it.
    delt_tema = [x for x in parorende_tema if omfang is None or x.id in omfang]
    parorende = _parorende(
        delt_tema, svar, grunnlag["tiltak"], mottaker, t, etikett, visning, tematittel, sprak
    )

    egne_tiltak = []
    if mottaker == "fastlege":
        # The GP's own actions first, in a box: upcoming deadlines in order, then those without
        # one, then those whose deadline has passed (marked: a passed deadline is not news to
        # put at the top, but the GP must see it). The other actions stay under Tiltak.
        egne = [x for x in tiltak if er_fastlegens(x["ansvarlig"]) and not x["utfort"]]
        tiltak = [x for x in tiltak if not (er_fastlegens(x["ansvarlig"]) and not x["utfort"])]
        for x in egne:
            x["passert"] = bool(x["frist_iso"]) and x["frist_iso"] < idag.isoformat()
        egne_tiltak = sorted(egne, key=lambda x: (x["passert"], not x["frist_iso"], x["frist_iso"] or ""))
    if mottaker == "pasient":
        for x in tiltak:
            if samtykke_regler.navnenokkel(x["ansvarlig"]) in ("pasient", "pasienten"):
                x["ansvarlig"] = t.get("deg", x["ansvarlig"])
    # Who is responsible: a name from the guide's list in the letter's language (tekster.yaml,
    # `tiltak_ansvarlige`: «sjukehuset» in nynorsk) and spelled as the guide spells it; anyone
    # else stays in the words the conversation gave.
    ansvarlig_ord = t.get("tiltak_ansvarlige") or {}
    for x in [*tiltak, *egne_tiltak, *(y for gruppe in parorende for y in gruppe["tiltak"])]:
        navn = guide_modul.kjent_ansvarlig(x["ansvarlig"], guiden.tiltak_ansvarlige)
        if navn is not None:
            x["ansvarlig"] = ansvarlig_ord.get(navn, navn)

    episode = next((f for f in pasient["forlop"] if f["nr"] == samtale["forlop"]), pasient["forlop"][-1])
    neste = None
    # A patient who moves has the rest of the episode set "bortfalt" here (`avslutt --grunn
    # flyttet`), but the new municipality takes it over: it is told the next window all the same.
    avsluttet = (
        (forlop.GJENNOMFORT, forlop.HOLDT_ANNET_STED) if mottaker == "ny_kommune" else forlop.LUKKEDE_STATUSER
    )
    for punkt in episode["samhandlingspunkter"]:
        if punkt["sp"] > samtale["sp"] and punkt["status"] not in avsluttet:
            neste = {
                "sp": punkt["sp"],
                "ansvarlig": t["ansvarlige"].get(punkt["ansvarlig"], punkt["ansvarlig"]),
                "vindu_fra": _dato(punkt["vindu_fra"]),
                "vindu_til": _dato(punkt["vindu_til"]),
                "avtalt": _dato(punkt["dato"]) if punkt["status"] == forlop.AVTALT else "",
                "klokkeslett": punkt["klokkeslett"] if punkt["status"] == forlop.AVTALT else None,
                "sted": punkt["sted"] if punkt["status"] == forlop.AVTALT else None,
            }
            break

    kilder = {"samtale": t["kilde_samtale"], "kommando": t["kilde_kommando"]}
    art = SAMTYKKEART[mottaker]
    # The other consents, for health personnel only (a scoped letter never lists them); the
    # recipient's own consent is stated once, in the letter's consent paragraph.
    samtykker = [
        {
            "mottaker": t["mottakere"].get(art_, art_),
            "hvem": rad.get("navn") or samtykke_tillegg.get(art_),
            "dato": _dato(rad["dato"]),
            "kilde": kilder.get(rad["kilde"], rad["kilde"]),
        }
        for art_, rad in sorted(
            grunnlag["samtykke"].items(), key=lambda x: _MOTTAKER_REKKEFOLGE.get(x[0], 99)
        )
        if rad["svar"] == "ja" and art_ != art and omfang is None
    ]
    eget = eget_samtykke
    tematitler = {tema.id: tematittel(tema) for tema in guiden.tema}
    omfang_titler = (
        [
            t.get("diagnosekode", "diagnosekode") if i == samtykke_regler.DIAGNOSE else tematitler.get(i, i)
            for i in omfang
        ]
        if omfang is not None
        else None
    )

    navn = mottaker_navn
    if navn is None and mottaker == "fastlege":
        navn = pasient["fastlege"]
    elif navn is None and mottaker == "kommune" and pasient["kommune"]:
        navn = f"{pasient['kommune']} kommune"
    elif navn is None and mottaker == "pasient":
        navn = pasient["navn"]
    elif navn is None and mottaker == "ny_kommune":
        # The municipality recorded with `avslutt --til-kommune`.
        navn = next((f["til_kommune"] for f in reversed(pasient["forlop"]) if f.get("til_kommune")), None)

    tilstede = (svar.get(_TILSTEDE_HVEM) or []) if deles("tilstede") else []
    if mottaker == "pasient":
        tilstede = [t.get("deg", v) if v == "pasient" else v for v in tilstede]
    kontekst = {
        "t": t,
        "sprak": sprak,
        "dato": norsk_dato(idag),
        "mottaker": {
            "art": mottaker,
            "navn": navn,
            "tekst": t["mottakere"].get(mottaker, mottaker),
            "helse": mottaker in HELSEMOTTAKERE,
            "er_pasient": mottaker == "pasient",
        },
        "pasient": {
            "navn": pasient["navn"],
            "fnr": _fnr(pasient["fnr"]),
            "fodselsdato": _dato(pasient["fodselsdato"]),
            "kommune": pasient["kommune"],
            "fastlege": pasient["fastlege"],
        },
        "forlop": {
            "nr": episode["nr"],
            "diagnose": episode["diagnose"],
            "diagnosedato": _dato(episode["diagnosedato"]),
        },
        # What the letter shows beyond the themes: everything to health personnel; to nav and
        # annen only what the consent's scope names.
        "vis": {
            "diagnose": omfang is None or samtykke_regler.DIAGNOSE in omfang,
            "viktig": deles("viktig"),
            "skarer": omfang is None or bool(skarer),
        },
        "korrigert": _korrigert_tekst(t, samtale.get("korrigert")),
        "samtale": {
            "id": samtale["id"],
            "sp": samtale["sp"],
            "dato": _dato(samtale["dato"]),
            "ansvarlig": t["ansvarlige"].get(forlop.ANSVARLIG.get(samtale["sp"], ""), ""),
            "form": ord_(svar[_SAMTALEFORM]) if svar.get(_SAMTALEFORM) else "",
            "tilstede": ", ".join(ord_(v) for v in tilstede),
            "tilstede_navn": (svar.get(_TILSTEDE_NAVN) or "") if deles("tilstede") else "",
        },
        "viktig": (svar.get(_VIKTIG) or "") if deles("viktig") else "",
        "tema_behov": tema_behov,
        "har_behov": any(x["behov"] for x in tema_behov),
        "korte": [
            {"etikett": t[f"liste_{nokkel}"], "tema": titler} for nokkel, titler in korte.items() if titler
        ],
        "ikke_kartlagt": ikke_kartlagt,
        "noe_kartlagt": bool(tema_behov or any(korte.values())),
        "skarer": skarer,
        "andre": andre if omfang is None else [],
        "tiltak": tiltak,
        "egne_tiltak": egne_tiltak,
        "parorende": parorende,
        "neste": neste,
        "samtykke": {
            "liste": samtykker,
            "svar": eget["svar"] if eget else None,
            "dato": _dato(eget["dato"]) if eget else "",
            "kilde": kilder.get(eget["kilde"], eget["kilde"]) if eget else "",
            "omfang": omfang_titler,
        },
        "avsender": _avsender(innstillinger),
    }
    return _rens_kontekst(kontekst)


def er_fastlegens(ansvarlig: str) -> bool:
    """An action the GP is responsible for ("fastlegen", "Fastlege Ola Lege")."""
    return samtykke_regler.navnenokkel(ansvarlig).startswith("fastleg")


def _avsender(innstillinger: Innstillinger) -> dict[str, str | None]:
    """The letter's sender (name, role, service, phone) as set with «pakkehjem avsender»."""
    return {
        "navn": innstillinger["avsender_navn"],
        "rolle": innstillinger["avsender_rolle"],
        "tjeneste": innstillinger["avsender_tjeneste"],
        "telefon": innstillinger["avsender_telefon"],
    }


def _rens_kontekst(kontekst: dict[str, Any]) -> dict[str, Any]:
    # Our own fixed texts are trusted; everything else came from someone's keyboard.
    return {k: (v if k == "t" else _rens(v)) for k, v in kontekst.items()}


_MOTTAKER_REKKEFOLGE = {art: nr for nr, art in enumerate(BREVMOTTAKERE)}


def _status_tekst(t: dict[str, Any], status: str | None) -> str:
    tekster: dict[str, str] = {
        BEHOV: t["status_behov"],
        INGEN_BEHOV: t["status_ingen_behov"],
        ONSKER_IKKE: t["status_onsker_ikke"],
        IKKE_AKTUELT: t["status_ikke_aktuelt"],
    }
    return tekster.get(status or "", "")


# --------------------------------------------------------------------------------------------
# Templates


def _ressurslaster() -> jinja2.BaseLoader:
    """The shipped templates, read through importlib.resources (works from a wheel or a zip)."""
    import jinja2

    class _RessursLaster(jinja2.BaseLoader):
        def __init__(self) -> None:
            self.rot = files("pakkehjem.templates") / "brev"

        def get_source(
            self, environment: jinja2.Environment, template: str
        ) -> tuple[str, str | None, Callable[[], bool]]:
            deler = [d for d in template.split("/") if d]
            if not deler or any(d in (".", "..") for d in deler):
                raise jinja2.TemplateNotFound(template)
            ressurs = self.rot
            for del_ in deler:
                ressurs = ressurs / del_
            if not ressurs.is_file():
                raise jinja2.TemplateNotFound(template)
            return ressurs.read_text(encoding="utf-8"), None, lambda: True

    return _RessursLaster()


def _laster(maldir: str | None) -> jinja2.BaseLoader:
    """The service's own templates first (setting `brevmaler`), then the shipped ones."""
    import jinja2

    from .malmappe import InnestengtLaster

    lastere: list[jinja2.BaseLoader] = []
    if maldir:
        _sjekk_maldir(maldir)
        # Held inside the folder: a symbolic link to /etc/passwd is refused, not included.
        lastere.append(InnestengtLaster(maldir))
    lastere.append(_ressurslaster())
    return jinja2.ChoiceLoader(lastere)


def _sjekk_maldir(maldir: str) -> None:
    if not Path(maldir).is_dir():
        raise PakkehjemFeil(
            f"Mappen med egne brevmaler finnes ikke: {maldir}. Rett innstillingen "
            "«brevmaler», eller tøm den med «pakkehjem innstillinger brevmaler ''»."
        )


def _tekstkilder(maldir: str | None) -> list[str]:
    """tekster.yaml: the service's own (read inside its folder, as its templates are) and the
    shipped one, first first. Without Jinja2: a FHIR letter needs the words, not the templates."""
    kilder = []
    if maldir:
        _sjekk_maldir(maldir)
        egen = les_malfil(Path(maldir).resolve(), "tekster.yaml")
        if egen is not None:
            kilder.append(egen)
    kilder.append((files("pakkehjem.templates") / "brev" / "tekster.yaml").read_text(encoding="utf-8"))
    return kilder


def _les_kilde(laster: jinja2.BaseLoader, navn: str, alle: bool = False) -> list[str]:
    """The text of a non-template file (brev.css) from the loaders, first first."""
    import jinja2

    delastere = laster.loaders if isinstance(laster, jinja2.ChoiceLoader) else [laster]
    kilder = []
    for delaster in delastere:
        try:
            kilder.append(delaster.get_source(jinja2.Environment(), navn)[0])
        except jinja2.TemplateNotFound:
            continue
        if not alle:
            break
    return kilder


def last_tekster(maldir: str | None, sprak: str, *, pasient: bool = False) -> dict[str, Any]:
    """The fixed texts of one language: shipped tekster.yaml, overridden key by key by a
    service's own; for the patient's own letter, the `pasientbrev` texts over the usual ones."""
    tekster: dict[str, Any] = {}
    for kilde in reversed(_tekstkilder(maldir)):
        # A copy: the texts read are the caller's to change, the parsed file is not.
        data = copy.deepcopy(_tolk_tekster(kilde))
        if not isinstance(data, dict) or not isinstance(data.get(sprak) or {}, dict):
            raise PakkehjemFeil(
                "tekster.yaml i mappen med egne brevmaler er ikke gyldig: den skal være YAML med "
                "«bokmal:» og «nynorsk:» øverst. Rett filen."
            )
        for nokkel, verdi in (data.get(sprak) or {}).items():
            if isinstance(verdi, dict) and isinstance(tekster.get(nokkel), dict):
                tekster[nokkel] = {**tekster[nokkel], **verdi}
            else:
                tekster[nokkel] = verdi
    if pasient:
        tekster = {**tekster, **(tekster.get("pasientbrev") or {})}
    return tekster


@functools.lru_cache(maxsize=8)
def _tolk_tekster(kilde: str) -> Any:
    """A tekster.yaml's text parsed (None when it is no YAML).

    The same text read again in one process is the same data, as the guide is (guide.fra_tekst):
    parsing the shipped file takes 10 to 20 ms, a copy of the result a tenth of that, and a
    process that makes many letters (the test suite makes hundreds) read it for every one. The
    text itself is the key, so a changed file is parsed anew.
    """
    try:
        # The guide's choice of loader: libyaml's C loader overflows the stack on deep nesting.
        return yaml.load(kilde, Loader=guide_modul.yaml_laster(kilde)) or {}
    except (yaml.YAMLError, RecursionError):
        return None


_MD_SPESIELLE = re.compile(r"([\\`*_{}\[\]<>#|~])")
# A line of a typed text that starts like a list item or a heading underline stays text. At
# the very start of a value only - + = are escaped: "1. desember 2026" is a date, not a list.
_MD_LINJESTART = re.compile(r"(?:^|(?<=\n))([ \t]*)([-+=]|(?<=\n)\d+[.)])")


def _md_escape(verdi: Any) -> str:
    """A value in Markdown as plain text: nothing a person typed becomes markup or HTML."""
    if verdi is None:
        return ""
    tekst = _MD_SPESIELLE.sub(r"\\\1", str(verdi))
    return _MD_LINJESTART.sub(_md_linjestart, tekst)


def _md_linjestart(treff: re.Match[str]) -> str:
    innrykk, merke = treff.groups()
    if merke[0].isdigit():  # "1." -> "1\.": only punctuation can be escaped
        return f"{innrykk}{merke[:-1]}\\{merke[-1]}"
    return f"{innrykk}\\{merke}"


def _ingenting_som_tomt(verdi: Any) -> Any:
    return "" if verdi is None else verdi


def _avsnitt_tekst(tekst: str) -> str:
    """Paragraphs (blank-line separated) with their lines joined, for txt and md."""
    deler = [" ".join(d.split()) for d in re.split(r"\n\s*\n", str(tekst))]
    return "\n\n".join(d for d in deler if d)


def _avsnitt_html(tekst: str) -> Markup:
    deler = [" ".join(d.split()) for d in re.split(r"\n\s*\n", str(tekst))]
    # The text is the output of an autoescaped block: already escaped, so only wrapped here.
    return Markup("\n").join(Markup("<p>") + Markup(d) + Markup("</p>") for d in deler if d)


_MILJOER: dict[tuple[str, str | None], jinja2.Environment] = {}


def _kompilert_cache(art: str) -> jinja2.BytecodeCache | None:
    """The cache folder of one environment kind (in the user's cache directory, mode 0700).

    One folder per kind: the cache key is the template's name and source only, and the same
    template compiles differently with and without autoescape.
    """
    try:
        from platformdirs import user_cache_path

        mappe = user_cache_path("pakkehjem", appauthor=False) / "brevmaler" / art
        mappe.mkdir(parents=True, exist_ok=True, mode=0o700)
        # Compiled templates are code that runs: only from a folder no one else can write to.
        info = mappe.stat()
        if info.st_uid != os.getuid() or info.st_mode & 0o022:
            return None
        import jinja2

        class _KompilertCache(jinja2.FileSystemBytecodeCache):
            """Compiled templates kept between runs: compiling a letter's templates costs more
            than everything else `brev` does. A cache that cannot be written is not used."""

            def dump_bytecode(self, bucket: Any) -> None:
                with suppress(OSError):
                    super().dump_bytecode(bucket)

        return _KompilertCache(str(mappe))
    except Exception:  # no cache directory (read-only home): compile every time
        return None


def _miljo(format_: str, laster: jinja2.BaseLoader, maldir: str | None) -> jinja2.Environment:
    """One environment per output kind: HTML autoescapes everything, templates included."""
    html = format_ in ("html", "pdf")
    nokkel = ("html" if html else format_, maldir)
    if nokkel in _MILJOER:
        return _MILJOER[nokkel]
    import jinja2

    from .malmappe import BegrensetSandkasse

    miljo: jinja2.Environment = BegrensetSandkasse(
        loader=laster,
        bytecode_cache=_kompilert_cache("html" if html else format_),
        # Autoescape is decided per template when it is compiled: set for the whole HTML
        # environment, so a recipient template's blocks are escaped like the base's.
        autoescape=html,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        finalize=_md_escape if format_ == "md" else _ingenting_som_tomt,
    )
    miljo.filters["avsnitt"] = _avsnitt_html if html else _avsnitt_tekst
    miljo.filters["css_streng"] = css_streng
    _MILJOER[nokkel] = miljo
    return miljo


def css_streng(tekst: Any) -> Markup:
    """Text as a CSS string ("..."), for the page header's `content`: every character but ASCII
    letters and digits is a six-digit escape (a space too: CSS swallows one space after an
    escape), so nothing typed can end the string or the <style> element it stands in (safe in
    HTML as it is: it holds no < > & or quote)."""
    tegn = (t if t.isascii() and t.isalnum() else f"\\{ord(t):06X}" for t in str(tekst))
    return Markup('"' + "".join(tegn) + '"')


def _med_hefte(
    kontekst: dict[str, Any],
    format_: str,
    laster: jinja2.BaseLoader,
    maldir: str | None,
    guiden: guide_modul.Guide,
    innstillinger: Innstillinger,
    sprak: str,
) -> bytes:
    """The invitation with the booklet after it: one HTML page flow (and PDF), or text after text."""
    from . import hefte

    if format_ in ("html", "pdf"):
        html = render(kontekst, "html", laster, maldir, art="innkalling").decode("utf-8")
        sider = '<div style="break-before: page"></div>' + hefte.html_innhold(guiden, innstillinger, sprak)
        slutt = html.rfind("</body>")
        html = html[:slutt] + sider + html[slutt:] if slutt >= 0 else html + sider
        return html.encode("utf-8") if format_ == "html" else til_pdf(html, maldir)
    brevet = render(kontekst, format_, laster, maldir, art="innkalling").decode("utf-8")
    return (brevet + "\n\n" + bryt_linjer(hefte.tekst_innhold(guiden, innstillinger, sprak), BREDDE)).encode(
        "utf-8"
    )


def render(
    kontekst: dict[str, Any],
    format_: str,
    laster: jinja2.BaseLoader,
    maldir: str | None = None,
    *,
    art: str = "oppsummering",
) -> bytes:
    """The letter's bytes in one format: txt and md are UTF-8 text, html a page, pdf from the html.

    A summary is `<sprak>/<mottaker>.j2` on `base.<format>.j2`; an invitation (`art`
    "innkalling") is `<sprak>/innkalling.j2` on `innkalling.<format>.j2`.
    """
    import jinja2
    import jinja2.sandbox

    from .malmappe import render as begrenset_render

    miljo = _miljo(format_, laster, maldir)
    grunn = "html" if format_ in ("html", "pdf") else format_
    if art == "innkalling":
        mal, grunnmal = f"{kontekst['sprak']}/innkalling.j2", f"innkalling.{grunn}.j2"
    elif art == "melding":
        mal, grunnmal = f"{kontekst['sprak']}/melding.j2", f"melding.{grunn}.j2"
    else:
        mal, grunnmal = f"{kontekst['sprak']}/{kontekst['mottaker']['art']}.j2", f"base.{grunn}.j2"
    ekstra: dict[str, Any] = {"grunnmal": grunnmal}
    if grunn == "html":
        css = _les_kilde(laster, "brev.css")
        ekstra["css"] = Markup(css[0] if css else "")
    try:
        tekst = begrenset_render(miljo.get_template(mal), mal, {**kontekst, **ekstra})
    except jinja2.TemplateNotFound as feil:
        raise PakkehjemFeil(f"Finner ikke brevmalen {feil.name}. Sjekk mappen med egne brevmaler.") from None
    except jinja2.TemplateSyntaxError as feil:
        raise PakkehjemFeil(
            f"Brevmalen {feil.name or mal} har en feil på linje {feil.lineno}: {feil.message}"
        ) from None
    except jinja2.UndefinedError as feil:
        raise PakkehjemFeil(f"Brevmalen {mal} bruker noe som ikke finnes: {feil.message}") from None
    except jinja2.sandbox.SecurityError:
        raise PakkehjemFeil(
            f"Brevmalen {mal} prøver å nå noe en brevmal ikke har lov til (Python-innmat eller å endre "
            "data). Rett malen i mappen med egne brevmaler."
        ) from None
    if grunn == "txt":
        return bryt_linjer(tekst, BREDDE).encode("utf-8")
    if grunn == "md":
        return _rydd_linjer(tekst).encode("utf-8")
    if format_ == "html":
        return tekst.encode("utf-8")
    return til_pdf(tekst, maldir)


def _rydd_linjer(tekst: str) -> str:
    """No trailing spaces, at most one blank line in a row, one newline at the end."""
    linjer = [linje.rstrip() for linje in tekst.splitlines()]
    ut: list[str] = []
    for linje in linjer:
        if not linje and (not ut or not ut[-1]):
            continue
        ut.append(linje)
    while ut and not ut[-1]:
        ut.pop()
    return "\n".join(ut) + "\n"


_PUNKT = re.compile(r"^(\s*)([-*•]\s+|\d+[.)]\s+)")
_FELT = re.compile(r"^(\s*)([^\s:][^:]{0,30}:\s{2,})(?=\S)")


def _innrykk(linje: str) -> str:
    """The hanging indent of a wrapped line: under the text of a list item or a field value."""
    for monster in (_PUNKT, _FELT):
        treff = monster.match(linje)
        if treff:
            return " " * len(treff.group(0))
    return " " * (len(linje) - len(linje.lstrip(" ")))


# Never split over two lines: a date («1. desember 2026») or a number in groups (a phone number).
_HELE = re.compile(r"\b\d{1,2}\. [a-zæøå]+ \d{4}\b|\b\d+(?: \d+)+\b")
_HEL = "\x00"  # stands for a space that must not break; control characters never reach here


def bryt_linjer(tekst: str, bredde: int = BREDDE) -> str:
    """Plain text wrapped at `bredde`: list items and "Felt:  verdi" lines keep their hanging
    indent; a date («1. desember 2026») or a phone number is never split; words longer than a line
    (addresses) stay whole; æøå count as one character each."""
    ut = []
    for linje in _rydd_linjer(tekst).splitlines():
        if len(linje) <= bredde:
            ut.append(linje)
            continue
        hel = _HELE.sub(lambda m: m.group(0).replace(" ", _HEL), linje)
        ut.extend(
            d.replace(_HEL, " ")
            for d in textwrap.wrap(
                hel,
                width=bredde,
                subsequent_indent=_innrykk(linje),
                break_long_words=False,
                break_on_hyphens=False,
            )
        )
    return "\n".join(ut) + "\n"


# --------------------------------------------------------------------------------------------
# PDF


PDF_MANGLER = (
    "PDF-brev lages med WeasyPrint, som trenger systembibliotekene Pango og HarfBuzz. "
    "De mangler på denne maskinen. Installer dem (Debian/Ubuntu: «sudo apt install "
    "libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0», Fedora: «sudo dnf install pango», "
    "macOS: «brew install pango») og prøv igjen, eller lag brevet med --format html og skriv "
    "det ut fra nettleseren."
)


def til_pdf(html: str, maldir: str | None = None) -> bytes:
    """The HTML letter as PDF (WeasyPrint, imported only here: it is slow to load)."""
    try:
        HTML = _importer_weasyprint()
    except ImportError:
        raise PakkehjemFeil(
            "PDF-brev krever Python-pakken WeasyPrint, som ikke er installert. Installer den med "
            "«pip install weasyprint», eller lag brevet med --format html og skriv det ut fra nettleseren."
        ) from None
    except OSError:
        # WeasyPrint loads Pango through cffi at import: a missing library is an OSError.
        raise PakkehjemFeil(PDF_MANGLER) from None
    from weasyprint.logger import LOGGER

    _rask_skriftutvalg()

    # WeasyPrint warns through logging about what it could not load; those lines would reach
    # stderr beside our own message, and a refused address is refused on purpose.
    LOGGER.disabled = True
    # Relative addresses in a service's own templates (a logo) resolve in its folder.
    grunn = Path(maldir).as_uri() + "/" if maldir else None
    pdf: bytes = HTML(string=html, base_url=grunn, url_fetcher=_malhenter(maldir)).write_pdf()
    return pdf


def _importer_weasyprint() -> Any:
    """WeasyPrint's HTML class, imported without running the C compiler, without fontTools'
    font cutter and without re-reading every C type name for each small C type.

    WeasyPrint opens Pango, HarfBuzz and fontconfig through cffi under a list of names for
    every platform ("libpango-1.0-0", "pango-1.0", ...). For a name without a dot cffi asks
    `ctypes.util.find_library`, which on Linux runs `ldconfig`, then `gcc` and `ld` to search:
    about 20 compiler runs, 1 to 2 s of a PDF letter. Every list also holds the exact Linux
    soname ("libpango-1.0.so.0"), which cffi opens directly, so while WeasyPrint loads, the
    search answers "not found" at once and the soname is used. Should that fail (a system
    with other sonames), the import is tried again with the normal search.
    """
    import contextlib
    import ctypes.util
    import io

    _rask_typetolkning()
    if sys.platform.startswith("linux") and "weasyprint" not in sys.modules:
        sok = ctypes.util.find_library

        def ingen(name: str) -> str | None:
            return None

        ctypes.util.find_library = ingen
        try:
            # A library not found makes WeasyPrint print a notice on stdout, where the letter goes.
            with contextlib.redirect_stdout(io.StringIO()), _fonttools_ved_behov():
                from weasyprint import HTML

            return HTML
        except OSError:
            for modul in [m for m in sys.modules if m == "weasyprint" or m.startswith("weasyprint.")]:
                del sys.modules[modul]
        finally:
            ctypes.util.find_library = sok
    with _fonttools_ved_behov():
        from weasyprint import HTML

    return HTML


_INSTANSIERER = "fontTools.varLib.instancer"


@contextmanager
def _fonttools_ved_behov() -> Iterator[None]:
    """While WeasyPrint loads, fontTools' font cutter and variable-font instancer are left unloaded.

    WeasyPrint's PDF module imports both at its top, about a third of WeasyPrint's import time,
    yet uses them only for a variable font, a colour (emoji) font, or where the HarfBuzz subset
    library is missing. `fontTools.subset` becomes a lazy module (importlib's LazyLoader: it
    loads on first use), and the instancer's one function stands in as a function that imports
    the real one when it is called. Either is whole when first used, so a PDF that needs them
    gets them. Left as it is when fontTools is already loaded or cannot be found.
    """
    import importlib.util
    import types

    if "weasyprint" in sys.modules or "fontTools.subset" in sys.modules or _INSTANSIERER in sys.modules:
        yield
        return
    try:
        spesifikasjon = importlib.util.find_spec("fontTools.subset")
    except ImportError:
        spesifikasjon = None
    if spesifikasjon is None or spesifikasjon.loader is None:
        yield
        return
    laster = importlib.util.LazyLoader(spesifikasjon.loader)
    spesifikasjon.loader = laster
    utsnitt = importlib.util.module_from_spec(spesifikasjon)
    sys.modules["fontTools.subset"] = utsnitt
    laster.exec_module(utsnitt)
    # As an import would: the package names its submodule. Without it, `from fontTools import
    # subset` would look the module up in a way that loads it.
    setattr(sys.modules["fontTools"], "subset", utsnitt)  # noqa: B010 (a module, not typed)

    stedfortreder = types.ModuleType(_INSTANSIERER)

    def instantiateVariableFont(*args: Any, **kwargs: Any) -> Any:  # noqa: N802 (fontTools' name)
        if sys.modules.get(_INSTANSIERER) is stedfortreder:
            del sys.modules[_INSTANSIERER]
        from fontTools.varLib.instancer import instantiateVariableFont as ekte

        return ekte(*args, **kwargs)

    stedfortreder.instantiateVariableFont = instantiateVariableFont  # type: ignore[attr-defined]
    sys.modules[_INSTANSIERER] = stedfortreder
    try:
        yield
    finally:
        if sys.modules.get(_INSTANSIERER) is stedfortreder:
            del sys.modules[_INSTANSIERER]


def _rask_typetolkning() -> None:
    """cffi reads a small C type ("PangoRectangle *") with only the type names it holds.

    For each new type WeasyPrint asks cffi for, cffi parses the type behind a declaration of
    every C type name WeasyPrint declared (some hundred lines each time), about 13 times per
    PDF: more than cffi's reading of all of WeasyPrint's declarations. Only the names in the
    text can change how it parses, so the others are left out of that one parse; what the type
    means is looked up among all of them as before. Left alone when cffi's parser has changed shape.
    """
    try:
        from cffi import cparser
    except ImportError:
        return
    tolker = getattr(cparser, "Parser", None)
    original = getattr(tolker, "_parse", None)
    if tolker is None or original is None or getattr(original, "_pakkehjem", False):
        return
    if not isinstance(getattr(tolker(), "_declarations", None), dict):
        return
    forran = "void __dummy(\n"  # how cffi's parse_type_and_quals wraps the type it reads

    def _parse(self: Any, csource: str) -> Any:
        if not csource.startswith(forran):
            return original(self, csource)
        alle = self._declarations
        ordene = set(re.findall(r"[A-Za-z_][A-Za-z_0-9]*", csource))
        self._declarations = {
            navn: verdi
            for navn, verdi in alle.items()
            if navn.startswith("typedef ") and navn[len("typedef ") :] in ordene
        }
        try:
            return original(self, csource)
        finally:
            self._declarations = alle

    _parse._pakkehjem = True  # type: ignore[attr-defined]
    _parse.__wrapped__ = original  # type: ignore[attr-defined]
    tolker._parse = _parse


def _rask_skriftutvalg() -> None:
    """Embed only the glyphs used, without reading the font's layout tables first.

    Without the HarfBuzz subset library WeasyPrint cuts the font down with fontTools, which
    reads every table of the font before dropping the layout tables (GSUB, GPOS) a PDF does not
    use: for DejaVu Sans about 0.6 s per letter, most of a PDF's time. Here the font is opened
    lazily and those tables are removed before the cut, with the options WeasyPrint itself
    uses: the same glyphs end up in the PDF. Left alone when WeasyPrint's font class has
    changed shape (another version), and not needed when HarfBuzz does the cut.
    """
    import io

    from weasyprint.pdf import fonts

    skrift = getattr(fonts, "Font", None)
    if skrift is None or not hasattr(skrift, "_fonttools_subset") or getattr(skrift, "_pakkehjem", False):
        return

    def _fonttools_subset(self: Any, to_unicode: Any, hinting: bool) -> None:
        from fontTools import subset
        from fontTools.ttLib import TTFont, TTLibError

        valg = subset.Options(
            retain_gids=True, passthrough_tables=True, ignore_missing_glyphs=True,
            hinting=hinting, desubroutinize=True, notdef_outline=bool(self.missing),
        )  # fmt: skip
        valg.drop_tables += ["GSUB", "GPOS", "SVG"]
        utvalg = subset.Subsetter(valg)
        utvalg.populate(gids=to_unicode)
        try:
            font = TTFont(io.BytesIO(self.file_content), fontNumber=self.index, lazy=True)
            for tabell in ("GSUB", "GPOS", "GDEF", "SVG "):
                if tabell in font:
                    del font[tabell]
            utvalg.subset(font)
            ut = io.BytesIO()
            font.save(ut)
        except TTLibError:
            return  # as WeasyPrint: the whole font is embedded
        self.file_content = ut.getvalue()

    skrift._fonttools_subset = _fonttools_subset
    skrift._pakkehjem = True


def _malhenter(maldir: str | None) -> Any:
    """WeasyPrint's fetcher, held to `data:` addresses and files inside the template folder."""
    from urllib.parse import unquote, urlsplit
    from urllib.request import url2pathname

    from weasyprint import URLFetcher

    mappe = Path(maldir).resolve() if maldir else None

    class Malhenter(URLFetcher):
        def fetch(self, url: str, headers: Any = None) -> Any:
            deler = urlsplit(url)
            if deler.scheme == "data":
                return super().fetch(url, headers)
            if deler.scheme == "file" and mappe is not None and deler.netloc in ("", "localhost"):
                sti = Path(url2pathname(unquote(deler.path))).resolve()
                if sti.is_relative_to(mappe) and sti.is_file():
                    return super().fetch(url, headers)
            raise ValueError("adressen er ikke tillatt i et brev")

    return Malhenter(allowed_protocols=("data", "file"))


# --------------------------------------------------------------------------------------------
# Writing and recording


def standard_filnavn(format_: str) -> str:
    """A file name with no patient data in it: `brev-<8 random hex digits>.<format>`."""
    return f"brev-{secrets.token_hex(4)}.{format_}"


# The letter's file comes from -o: a refusal says so (the writing itself is filer.skriv_privat).
SKRIVEMELDINGER = Meldinger(
    mappe="{sti} er en mappe. Oppgi et filnavn med -o.",
    finnes=(
        "Filen {sti} finnes fra før, og blir ikke overskrevet. Velg et annet navn med -o, "
        "eller legg til --overskriv for å erstatte den."
    ),
    ingen_mappe="Mappen {mappe} finnes ikke. Opprett den, eller velg en annen med -o.",
    ingen_tilgang="Har ikke lov til å skrive {sti}. Velg en annen mappe med -o.",
)


def lever(
    register: Register,
    brev: Brev,
    *,
    fil: Path | None,
    overskriv: bool = False,
    ut: IO[bytes] | None = None,
) -> tuple[int, Path | None]:
    """Write the letter (to `fil`, or to the binary stream `ut`) and record it.

    A letter is recorded only once it is fully delivered: a file is written (and removed again
    if the record cannot be made); a stream is written and flushed first. A write that fails
    (a full disk, `> /dev/full`, a closed pipe) records nothing and says so.
    Returns (the letter's number in the register, the file written or None).
    """
    if fil is None:
        try:
            if ut is not None:
                ut.write(brev.innhold)
                ut.flush()
            else:  # a text-only stdout (no binary buffer under it): txt, md and html are UTF-8 text
                sys.stdout.write(brev.innhold.decode("utf-8"))
                sys.stdout.flush()
        except OSError as feil:
            _stopp_stdout()
            raise PakkehjemFeil(
                f"Brevet kunne ikke skrives til standard ut ({feil.strerror or type(feil).__name__}), og er "
                "ikke registrert som sendt. Skriv det til en fil med -o, eller sjekk at disken ikke er full."
            ) from None
        return _registrer(register, brev, None), None
    skriv_privat(fil, brev.innhold, overskriv, meldinger=SKRIVEMELDINGER)
    try:
        brev_id = _registrer(register, brev, str(fil.resolve()))
    except BaseException:
        if not overskriv:
            fil.unlink(missing_ok=True)
        raise
    return brev_id, fil


def _stopp_stdout() -> None:
    """After a failed write, stdout is pointed at /dev/null: Python's own flush at exit would
    try the same write again and print an error of its own."""
    with suppress(OSError, ValueError):
        fd = os.open(os.devnull, os.O_WRONLY)
        os.dup2(fd, sys.stdout.fileno())
        os.close(fd)


def _registrer(register: Register, brev: Brev, fil: str | None) -> int:
    return register.brevlogg.registrer(
        pasient_id=brev.pasient_id,
        samtale_id=brev.samtale_id,
        mottaker=brev.mottaker,
        mottaker_navn=brev.mottaker_navn,
        format_=brev.format,
        sprak=brev.sprak,
        sha256=brev.sha256,
        fil=fil,
        art=brev.art,
        samhandlingspunkt_id=brev.samhandlingspunkt_id,
    )
