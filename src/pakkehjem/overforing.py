"""The structured handover (FHIR R4): the summary letter as a `Bundle` of type `document`, the
guide as a `Questionnaire`, and reading a received bundle in (`motta`).

What is sent is built as plain JSON (dicts in FHIR's own element order, no empty values), with
no FHIR library loaded: `fhir.resources` alone takes longer to import than a whole letter may
take. The tests validate every shape this module writes with `fhir.resources` (the `R4B`
models: for the resources used here, R4B is R4 unchanged) and hold the output equal to that
library's own serialisation of it (tests/test_fhir_form.py); docs/fhir.md says what the profile
holds.

What is received is untrusted: `les_bunt` validates the whole bundle with `fhir.resources` at
run time before reading anything from it, and returns a plain `Mottak`, so the register changes
nothing for a bundle that is broken anywhere. The library is imported only there (`motta`).
"""

from __future__ import annotations

import json
import os
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from . import fnr as fnr_regler
from . import guide as guide_modul
from .feil import UgyldigInndata

if TYPE_CHECKING:
    from .register.poster import Brevgrunnlag

# HL7 Norway's identifier systems (no-basis): fødselsnummer, D-number, H-number.
FNR_SYSTEM = "urn:oid:2.16.578.1.12.4.1.4.1"
DNR_SYSTEM = "urn:oid:2.16.578.1.12.4.1.4.2"
HNR_SYSTEM = "urn:oid:2.16.578.1.12.4.1.4.3"
PERSON_SYSTEMER = (FNR_SYSTEM, DNR_SYSTEM, HNR_SYSTEM)
# ICD-10 as Norwegian systems name it (volven 7110), and the international URI read too.
ICD10_SYSTEM = "urn:oid:2.16.578.1.12.4.1.1.7110"
ICD10_SYSTEMER = (ICD10_SYSTEM, "http://hl7.org/fhir/sid/icd-10")
LOINC = "http://loinc.org"
# pakkehjem's own codes, as URNs (no web address that could be mistaken for a published profile).
# The document claims no profile (no meta.profile): HL7 Norway's no-basis has none for a document
# like this, and pakkehjem publishes no StructureDefinition to point at (docs/fhir.md).
SP_SYSTEM = "urn:pakkehjem:samhandlingspunkt"
ANSVARLIG_SYSTEM = "urn:pakkehjem:ansvarlig"
GUIDE_URL = "urn:pakkehjem:samtaleguide:"


def valider_ressurs(klasse_navn: str, data: dict[str, Any]) -> Any:
    """Validate one resource with fhir.resources (its model; pydantic's ValidationError when
    FHIR R4 does not allow it). For what is received, and for the tests of what is sent."""
    # pydantic otherwise scans every installed package's entry points for plugins at import.
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    from fhir.resources.R4B import get_fhir_model_class

    return get_fhir_model_class(klasse_navn).model_validate(data)


def _uten_tomme(data: Any) -> Any:
    """The data without empty values (None, "", [] or {}, also once emptied), which FHIR JSON
    does not allow: a field with nothing in it is left out."""
    if isinstance(data, dict):
        renset = {k: _uten_tomme(v) for k, v in data.items()}
        return {k: v for k, v in renset.items() if v is not None and v != "" and v != [] and v != {}}
    if isinstance(data, list):
        renset_liste = [_uten_tomme(v) for v in data]
        return [v for v in renset_liste if v is not None and v != "" and v != [] and v != {}]
    return data


def _json(data: dict[str, Any]) -> bytes:
    return (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def _tidspunkt(tid: datetime) -> str:
    """A FHIR instant/dateTime in UTC to the second: 2026-12-01T12:00:05Z."""
    return tid.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _identifikator(nummer: str) -> dict[str, str]:
    """The patient's identifier in its Norwegian system: D-number (day + 40), H-number
    (month + 40), else fødselsnummer (synthetic test numbers too)."""
    dag, maned = int(nummer[:2]), int(nummer[2:4])
    system = DNR_SYSTEM if dag > 40 else HNR_SYSTEM if 40 < maned <= 52 else FNR_SYSTEM
    return {"system": system, "value": nummer}


def _xhtml(tekst: str) -> dict[str, str]:
    """A Narrative with the text as escaped paragraphs (FHIR narrative is limited XHTML)."""
    from html import escape

    avsnitt = [escape(a) for a in tekst.split("\n") if a.strip()] or ["–"]
    div = '<div xmlns="http://www.w3.org/1999/xhtml">' + "".join(f"<p>{a}</p>" for a in avsnitt) + "</div>"
    return {"status": "generated", "div": div}


def _urn() -> str:
    return f"urn:uuid:{uuid.uuid4()}"


def lag_bunt(
    grunnlag: Brevgrunnlag,
    guiden: guide_modul.Guide,
    kontekst: dict[str, Any],
    *,
    mottaker: str,
    idag: date,
    tidspunkt: datetime | None = None,
) -> bytes:
    """The letter as a FHIR R4 document Bundle (UTF-8 JSON): Composition, Patient, Condition,
    Encounter, QuestionnaireResponse, CarePlan and Consent. Plain JSON: the tests validate every
    shape of it with fhir.resources, so sending does not load that library."""
    pasient = grunnlag["pasient"]
    samtale = grunnlag["samtale"]
    episode = next((f for f in pasient["forlop"] if f["nr"] == samtale["forlop"]), pasient["forlop"][-1])
    punkt = next(p for p in episode["samhandlingspunkter"] if p["sp"] == samtale["sp"])
    tid = _tidspunkt(tidspunkt or datetime.now(UTC))
    url = {navn: _urn() for navn in ("pasient", "tilstand", "kontakt", "svar", "plan", "samtykke", "dok")}
    ref = {navn: {"reference": verdi} for navn, verdi in url.items()}
    avsender = kontekst["avsender"]
    avsender_tekst = ", ".join(v for v in (avsender["navn"], avsender["rolle"], avsender["tjeneste"]) if v)

    navn_deler = pasient["navn"].split()
    pasient_r = _uten_tomme({
        "resourceType": "Patient",
        "identifier": [_identifikator(pasient["fnr"])],
        "name": [{"text": pasient["navn"], "family": navn_deler[-1], "given": navn_deler[:-1] or None}],
        "birthDate": pasient["fodselsdato"],
        **({"address": [{"city": pasient["kommune"]}]} if pasient["kommune"] else {}),
        **({"generalPractitioner": [{"display": pasient["fastlege"]}]} if pasient["fastlege"] else {}),
    })  # fmt: skip
    kode = (
        {"coding": [{"system": ICD10_SYSTEM, "code": episode["diagnose"]}], "text": episode["diagnose"]}
        if episode["diagnose"]
        else {"text": "Kreft (diagnosekode ikke oppgitt)"}
    )
    tilstand_r = _uten_tomme({
        "resourceType": "Condition",
        "clinicalStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                                       "code": "active"}]},
        "verificationStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-ver-status",
                                           "code": "confirmed"}]},
        "code": kode,
        "subject": ref["pasient"],
        "onsetDateTime": episode["diagnosedato"],
        "note": [{"text": f"Forløp {episode['nr']} i Pakkeforløp hjem for pasienter med kreft."}],
    })  # fmt: skip
    kontakt_r = _uten_tomme({
        "resourceType": "Encounter",
        "status": "finished",
        "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode",
                  "code": "HH" if "hjemme" in (kontekst["samtale"]["form"] or "") else "AMB"},
        "type": [{"coding": [{"system": SP_SYSTEM, "code": str(samtale["sp"]),
                              "display": f"Samhandlingspunkt {samtale['sp']}"}],
                  "text": f"Samhandlingspunkt {samtale['sp']} ({punkt['ansvarlig']})"}],
        "serviceType": {"coding": [{"system": ANSVARLIG_SYSTEM, "code": punkt["ansvarlig"]}]},
        "subject": ref["pasient"],
        "period": {"start": samtale["dato"], "end": samtale["dato"]},
        "reasonReference": [ref["tilstand"]],
        **({"serviceProvider": {"display": avsender["tjeneste"]}} if avsender["tjeneste"] else {}),
    })  # fmt: skip
    svar_r = _uten_tomme({
        "resourceType": "QuestionnaireResponse",
        "questionnaire": f"{GUIDE_URL}{guiden.id}|{guiden.versjon}",
        "status": "completed",
        "subject": ref["pasient"],
        "encounter": ref["kontakt"],
        "authored": samtale["dato"],
        "item": _svar_elementer(guiden, samtale["svar"]) or None,
    })  # fmt: skip
    plan_r = _uten_tomme({
        "resourceType": "CarePlan",
        "status": "active",
        "intent": "plan",
        "title": "Avtalte tiltak",
        "subject": ref["pasient"],
        "encounter": ref["kontakt"],
        "created": samtale["dato"],
        "activity": [
            {"detail": {
                "status": "completed" if t["status"] == "utfort" else "not-started",
                **({"scheduledPeriod": {"end": t["frist"]}} if t["frist"] else {}),
                "performer": [{"display": t["ansvarlig"]}],
                "description": t["hva"],
            }}
            for t in grunnlag["tiltak"]
        ] or None,
    })  # fmt: skip
    samtykke_r = _uten_tomme(_samtykke(grunnlag, mottaker, kontekst, ref["pasient"]))

    seksjoner = _seksjoner(kontekst, ref)
    dok_r = _uten_tomme({
        "resourceType": "Composition",
        "identifier": {"system": "urn:ietf:rfc:3986", "value": url["dok"]},
        "status": "final",
        "type": {"coding": [{"system": LOINC, "code": "34133-9", "display": "Summary of episode note"}],
                 "text": "Oppsummering fra kartleggingssamtale"},
        "subject": ref["pasient"],
        "encounter": ref["kontakt"],
        "date": tid,
        "author": [{"display": avsender_tekst or "pakkehjem"}],
        "title": "Oppsummering fra kartleggingssamtale – Pakkeforløp hjem for pasienter med kreft",
        "section": seksjoner,
    })  # fmt: skip
    bunt = _uten_tomme({
        "resourceType": "Bundle",
        "identifier": {"system": "urn:ietf:rfc:3986", "value": _urn()},
        "type": "document",
        "timestamp": tid,
        "entry": [
            {"fullUrl": url["dok"], "resource": dok_r},
            {"fullUrl": url["pasient"], "resource": pasient_r},
            {"fullUrl": url["tilstand"], "resource": tilstand_r},
            {"fullUrl": url["kontakt"], "resource": kontakt_r},
            {"fullUrl": url["svar"], "resource": svar_r},
            {"fullUrl": url["plan"], "resource": plan_r},
            {"fullUrl": url["samtykke"], "resource": samtykke_r},
        ],
    })  # fmt: skip
    return _json(bunt)


def _svar_elementer(guiden: guide_modul.Guide, svar: dict[str, Any]) -> list[dict[str, Any]]:
    """The answers as QuestionnaireResponse items, grouped by theme like the Questionnaire."""
    gjeldende = guide_modul.gjeldende_svar(guiden, svar)
    grupper = []
    for tema in guiden.tema:
        elementer = []
        for s in tema.sporsmal:
            if s.id not in gjeldende or gjeldende[s.id] is None:
                continue
            verdier = _fhir_svar(s, gjeldende[s.id])
            if verdier:
                elementer.append({"linkId": s.id, "text": _elementtekst(s), "answer": verdier})
        if elementer:
            grupper.append({"linkId": tema.id, "text": tema.tittel, "item": elementer})
    return grupper


def _elementtekst(s: guide_modul.Sporsmal) -> str:
    """An item's text: the question, and for a scale its two ends. A score's number means nothing
    without them (0 is "normal matlyst"), and valueInteger has no display to carry them; the same
    text stands in the Questionnaire and the QuestionnaireResponse."""
    ankere = s.ankere()
    return f"{s.tekst} ({ankere})" if ankere else s.tekst


def _fhir_svar(s: guide_modul.Sporsmal, verdi: Any) -> list[dict[str, Any]]:
    if s.type == "skala":
        return [{"valueInteger": verdi}]
    if s.type == "janei":
        return [{"valueBoolean": verdi}]
    if s.type == "dato":
        return [{"valueDate": verdi}]
    if s.type == "flervalg":
        return [{"valueString": v} for v in verdi]
    if s.type == "tiltak":  # the actions themselves are in the CarePlan
        return [
            {"valueString": " – ".join(x for x in (t["hva"], t["ansvarlig"], t.get("frist")) if x)}
            for t in verdi
        ]
    return [{"valueString": str(verdi)}] if str(verdi).strip() else []


def _samtykke(
    grunnlag: Brevgrunnlag, mottaker: str, kontekst: dict[str, Any], pasient_ref: dict[str, str]
) -> dict[str, Any]:
    """The Consent that lets this letter go: the recorded "ja", or, without one, the patient's
    not objecting to cooperating health personnel (helsepersonelloven §§ 25 and 45)."""
    from .samtykke import rad_for

    rad = rad_for(mottaker, grunnlag["samtykke"])
    ja = rad is not None and rad["svar"] == "ja"
    return {
        "resourceType": "Consent",
        "status": "active",
        "scope": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/consentscope",
                              "code": "patient-privacy"}]},
        "category": [{"coding": [{"system": LOINC, "code": "59284-0", "display": "Patient Consent"}]}],
        "patient": pasient_ref,
        **({"dateTime": rad["dato"]} if rad is not None and ja else {}),
        "policyRule": {"text": "helsepersonelloven § 22" if ja else "helsepersonelloven §§ 25 og 45"},
        "provision": {
            "type": "permit",
            "actor": [{
                "role": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ParticipationType",
                                     "code": "IRCP", "display": "information recipient"}]},
                "reference": {"display": kontekst["mottaker"]["navn"] or kontekst["mottaker"]["tekst"]},
            }],
        },
    }  # fmt: skip


def _seksjoner(kontekst: dict[str, Any], ref: dict[str, dict[str, str]]) -> list[dict[str, Any]]:
    """The letter's sections as Composition sections (readable text; entries where a resource holds it)."""
    t = kontekst["t"]

    def seksjon(tittel: str, tekst: str, *oppforinger: str) -> dict[str, Any]:
        ut: dict[str, Any] = {"title": tittel, "text": _xhtml(tekst)}
        if oppforinger:
            ut["entry"] = [ref[o] for o in oppforinger]
        return ut

    s = kontekst["samtale"]
    samtalen = "\n".join(x for x in (
        f"{t['samtaledato']}: {s['dato']}",
        f"{t['samhandlingspunkt']}: {s['sp']} ({s['ansvarlig']})",
        f"{t['samtaleform']}: {s['form']}" if s["form"] else "",
        f"{t['tilstede']}: {' – '.join(v for v in (s['tilstede'], s['tilstede_navn']) if v)}"
        if s["tilstede"] or s["tilstede_navn"] else "",
    ) if x)  # fmt: skip
    behov = []
    for tema in kontekst["tema_behov"]:
        behov.append(f"{tema['tittel']}: {tema['status']}".rstrip(": "))
        behov += [f"  {n}" for n in tema["notater"]] + [
            f"  {d['etikett']}: {d['verdi']}" for d in tema["detaljer"]
        ]
    behov += [f"{linje['etikett']}: {', '.join(linje['tema'])}." for linje in kontekst["korte"]]
    skarer = []
    for gruppe in kontekst["skarer"]:
        for v in gruppe["verdier"]:
            flagg = f" – {v['flagg_tekst']}" if v["flagg"] else ""
            ankere = f" ({v['ankere']})" if v["ankere"] else ""
            skarer.append(f"{v['etikett']}: {v['verdi']} {t['av']} {v['maks']}{ankere}{flagg}")
        skarer += [f"  {n['etikett']}: {n['verdi']}" for n in gruppe["notater"]]
    alle_tiltak = list(kontekst.get("egne_tiltak") or []) + list(kontekst["tiltak"])
    tiltak = [
        f"{x['hva']} – {t['ansvarlig'].lower()}: {x['ansvarlig']}"
        + (f", {t['frist'].lower()}: {x['frist']}" if x["frist"] else "")
        for x in alle_tiltak
    ]
    n = kontekst["neste"]
    neste = (
        f"{t['samhandlingspunkt']} {n['sp']} ({n['ansvarlig']}): {n['vindu_fra']} – {n['vindu_til']}"
        + (f". {t['avtalt']}: {n['avtalt']}" if n["avtalt"] else "")
        if n
        else t["neste_ingen"]
    )
    ut = [
        seksjon(t["seksjon_samtalen"], samtalen, "kontakt", "svar"),
        seksjon(t["seksjon_viktig"], kontekst["viktig"] or t["viktig_mangler"]),
        seksjon(t["seksjon_behov"], "\n".join(behov) or t["behov_ingenting_kartlagt"], "svar"),
        seksjon(t["seksjon_skarer"], "\n".join(skarer) or t["skarer_ingen"], "svar"),
        seksjon(t["seksjon_tiltak"], "\n".join(tiltak) or t["tiltak_ingen"], "plan"),
        seksjon(t["seksjon_neste"], neste),
        seksjon(t["seksjon_samtykke"], _samtykketekst(kontekst), "samtykke"),
    ]
    return ut


def _samtykketekst(kontekst: dict[str, Any]) -> str:
    s = kontekst["samtykke"]
    mottaker = kontekst["mottaker"]["tekst"]
    if s["svar"] == "ja":
        return f"Pasienten samtykket {s['dato']} ({s['kilde']}) til at oppsummeringen sendes til {mottaker}."
    return (
        f"Oppsummeringen sendes til {mottaker} som samarbeidende helsepersonell. Pasienten har ikke "
        "motsatt seg dette (helsepersonelloven §§ 25 og 45)."
    )


# --------------------------------------------------------------------------------------------
# The guide as a Questionnaire


_ELEMENTTYPE = {
    "tekst": "text", "valg": "choice", "flervalg": "choice", "skala": "integer", "janei": "boolean",
    "dato": "date", "tiltak": "text",
}  # fmt: skip


def guide_som_questionnaire(guiden: guide_modul.Guide) -> bytes:
    """The interview guide as a FHIR R4 Questionnaire (JSON): one group per theme, one item per
    question, with enableWhen for its condition; the QuestionnaireResponse refers to its url."""

    def element(s: guide_modul.Sporsmal) -> dict[str, Any]:
        # In FHIR's element order (extension first), as in the rest of the file.
        ut: dict[str, Any] = {}
        if s.type == "skala":
            ut["extension"] = [
                {"url": "http://hl7.org/fhir/StructureDefinition/minValue", "valueInteger": s.min},
                {"url": "http://hl7.org/fhir/StructureDefinition/maxValue", "valueInteger": s.max},
            ]
        ut |= {"linkId": s.id, "text": _elementtekst(s), "type": _ELEMENTTYPE[s.type]}
        if s.vis_hvis:
            verdier = s.vis_hvis.get("en_av") or [s.vis_hvis.get("er")]
            ut["enableWhen"] = [
                {"question": s.vis_hvis["sporsmal"], "operator": "=", **_betingelse(v)} for v in verdier
            ]
            if len(verdier) > 1:
                ut["enableBehavior"] = "any"
        if s.pakrevd:
            ut["required"] = True
        if s.type in ("flervalg", "tiltak"):
            ut["repeats"] = True
        if s.valg:
            ut["answerOption"] = [{"valueString": v} for v in s.valg]
        return ut

    data = {
        "resourceType": "Questionnaire",
        "url": f"{GUIDE_URL}{guiden.id}",
        "version": guiden.versjon,
        "name": guiden.id.replace("-", "_"),
        "title": guiden.tittel,
        "status": "active",
        "subjectType": ["Patient"],
        "item": [
            {
                "linkId": tema.id,
                "text": tema.tittel,
                "type": "group",
                "item": [element(s) for s in tema.sporsmal],
            }
            for tema in guiden.tema
        ],
    }
    return _json(_uten_tomme(data))


def _betingelse(verdi: Any) -> dict[str, Any]:
    if isinstance(verdi, bool):
        return {"answerBoolean": verdi}
    if isinstance(verdi, int):
        return {"answerInteger": verdi}
    return {"answerString": str(verdi)}


# --------------------------------------------------------------------------------------------
# Reading a bundle in (`motta`)


@dataclass
class Mottak:
    """What a received handover holds, checked: what `motta` creates or matches."""

    identifikator: str
    fnr: str
    navn: str
    diagnosedato: str
    diagnose: str | None
    sp: int
    holdt_dato: str
    holdt_av: str  # the service that held it: spesialisthelsetjenesten or kommunen
    avsender: str
    kommune: str | None
    fastlege: str | None
    tiltak: list[dict[str, Any]] = field(default_factory=list)
    sammendrag: str = ""


class UgyldigBunt(UgyldigInndata):
    """A received file that is not a handover pakkehjem can read (exit 2)."""


def les_bunt(innhold: bytes, idag: date) -> Mottak:
    """Validate the whole bundle (JSON, FHIR R4 with fhir.resources, and what pakkehjem needs)
    and return what it holds; UgyldigBunt, naming what is wrong, before anything is changed."""
    from pydantic import ValidationError

    try:
        data = json.loads(innhold.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        raise UgyldigBunt("Filen er ikke gyldig JSON. Ingenting er endret.") from None
    if not isinstance(data, dict) or data.get("resourceType") != "Bundle":
        raise UgyldigBunt("Filen er ikke en FHIR-Bundle. Ingenting er endret.")
    try:
        valider_ressurs("Bundle", data)
    except ValidationError as feil:
        steder = "; ".join(f"{'.'.join(str(d) for d in f['loc'])}: {f['msg']}" for f in feil.errors()[:5])
        raise UgyldigBunt(f"Bundlen er ikke gyldig FHIR R4 ({steder}). Ingenting er endret.") from None
    except (ValueError, TypeError, RecursionError) as feil:
        raise UgyldigBunt(
            f"Bundlen er ikke gyldig FHIR R4 ({type(feil).__name__}). Ingenting er endret."
        ) from None
    if data.get("type") != "document":
        raise UgyldigBunt("Bundlen er ikke et dokument (type «document»). Ingenting er endret.")
    ressurser: dict[str, list[dict[str, Any]]] = {}
    for oppforing in data.get("entry") or []:
        r = oppforing.get("resource") or {}
        ressurser.setdefault(r.get("resourceType", ""), []).append(r)
    mangler = [
        n for n in ("Composition", "Patient", "Condition", "Encounter", "CarePlan") if n not in ressurser
    ]
    if mangler:
        raise UgyldigBunt(f"Bundlen mangler {', '.join(mangler)}. Ingenting er endret.")
    identifikator = (data.get("identifier") or {}).get("value")
    if not identifikator:
        raise UgyldigBunt("Bundlen har ingen identifier, så den kan ikke kjennes igjen. Ingenting er endret.")

    pasient = ressurser["Patient"][0]
    nummer = next(
        (i.get("value") for i in pasient.get("identifier") or [] if i.get("system") in PERSON_SYSTEMER), None
    )
    if not nummer:
        raise UgyldigBunt(
            "Pasienten i bundlen har ikke fødselsnummer, D- eller H-nummer. Ingenting er endret."
        )
    try:
        fnr_regler.valider(nummer, idag, True)
    except fnr_regler.UgyldigFnr:
        raise UgyldigBunt("Fødselsnummeret i bundlen er ikke gyldig. Ingenting er endret.") from None
    navn_r = (pasient.get("name") or [{}])[0]
    navn = (navn_r.get("text") or "").strip() or " ".join(
        [*(navn_r.get("given") or []), navn_r.get("family") or ""]
    ).strip()
    if not navn:
        raise UgyldigBunt("Pasienten i bundlen har ikke navn. Ingenting er endret.")
    tilstand = ressurser["Condition"][0]
    diagnosedato = (tilstand.get("onsetDateTime") or "")[:10]
    try:
        date.fromisoformat(diagnosedato)
    except ValueError:
        raise UgyldigBunt("Tilstanden (Condition) i bundlen har ingen diagnosedato (onsetDateTime). "
                          "Ingenting er endret.") from None  # fmt: skip
    diagnose = next(
        (
            c.get("code")
            for c in (tilstand.get("code") or {}).get("coding") or []
            if c.get("system") in ICD10_SYSTEMER
        ),
        None,
    )
    kontakt = ressurser["Encounter"][0]
    sp = next(
        (
            c.get("code")
            for t in kontakt.get("type") or []
            for c in t.get("coding") or []
            if c.get("system") == SP_SYSTEM
        ),
        None,
    )
    holdt_dato = ((kontakt.get("period") or {}).get("start") or "")[:10]
    if sp not in ("1", "2", "3") or not holdt_dato:
        raise UgyldigBunt(
            "Kontakten (Encounter) i bundlen sier ikke hvilket samhandlingspunkt som ble holdt og når. "
            "Ingenting er endret."
        )
    holdt_av = next(
        (c.get("code") for c in (kontakt.get("serviceType") or {}).get("coding") or []
         if c.get("system") == ANSVARLIG_SYSTEM),
        "spesialisthelsetjenesten" if sp == "1" else "kommunen",
    )  # fmt: skip
    dok = ressurser["Composition"][0]
    avsender = ", ".join(a.get("display") or "" for a in dok.get("author") or [] if a.get("display"))
    tiltak = []
    for aktivitet in ressurser["CarePlan"][0].get("activity") or []:
        detalj = aktivitet.get("detail") or {}
        if detalj.get("status") in ("completed", "cancelled", "stopped", "entered-in-error"):
            continue
        hva = (detalj.get("description") or "").strip()
        if not hva:
            continue
        tiltak.append({
            "hva": hva,
            "ansvarlig": ", ".join(p.get("display") or "" for p in detalj.get("performer") or [])
            or "ikke oppgitt",
            "frist": ((detalj.get("scheduledPeriod") or {}).get("end") or "")[:10] or None,
        })  # fmt: skip
    return Mottak(
        identifikator=identifikator,
        fnr=nummer,
        navn=navn,
        diagnosedato=diagnosedato,
        diagnose=diagnose,
        sp=int(sp),
        holdt_dato=holdt_dato,
        holdt_av=holdt_av,
        avsender=avsender,
        kommune=next((a.get("city") for a in pasient.get("address") or [] if a.get("city")), None),
        fastlege=next(
            (g.get("display") for g in pasient.get("generalPractitioner") or [] if g.get("display")), None
        ),
        tiltak=tiltak,
        sammendrag=_sammendrag(dok),
    )


def _sammendrag(dok: dict[str, Any]) -> str:
    """The Composition's sections as plain text: the received letter, readable in `vis`."""
    import re
    from html import unescape

    deler = [dok.get("title") or ""]
    for s in dok.get("section") or []:
        div = (s.get("text") or {}).get("div") or ""
        tekst = unescape(re.sub(r"<[^>]+>", "\n", div))
        linjer = [linje.rstrip() for linje in tekst.splitlines() if linje.strip()]
        deler.append((s.get("title") or "").upper() + "\n" + "\n".join(linjer))
    return "\n\n".join(d for d in deler if d.strip())
