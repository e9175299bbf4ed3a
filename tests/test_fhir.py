"""The structured handover (FHIR R4): `brev --format fhir` writes a document Bundle that
fhir.resources validates, `guide --format fhir` the Questionnaire its answers refer to."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from brevdata import BREVDATO, FULL, hold_samtale, lag_pasient, sett_avsender
from hjelp import json_ut

pytest.importorskip("fhir.resources")


@pytest.fixture
def full_pasient(kjor: Callable, ny_pasient: Callable, tmp_path: Path) -> int:
    pasient = lag_pasient(ny_pasient)
    hold_samtale(kjor, tmp_path, pasient["id"], FULL)
    sett_avsender(kjor)
    return pasient["id"]


def bunt(kjor: Callable, pid: int, til: str = "kommune", *args: str) -> dict[str, Any]:
    resultat = kjor("brev", str(pid), "--til", til, "--format", "fhir", "--dato", BREVDATO, *args)
    assert resultat.exit_code == 0, resultat.output
    return json.loads(resultat.stdout)


def ressurser(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {e["resource"]["resourceType"]: e["resource"] for e in data["entry"]}


def test_brev_som_fhir_er_et_gyldig_dokument_med_alle_ressursene(kjor: Callable, full_pasient: int) -> None:
    from fhir.resources.R4B.bundle import Bundle

    data = bunt(kjor, full_pasient)
    Bundle.model_validate(data)  # raises on anything FHIR R4 does not allow
    assert data["type"] == "document"
    r = ressurser(data)
    assert list(r) == [
        "Composition", "Patient", "Condition", "Encounter", "QuestionnaireResponse", "CarePlan", "Consent",
    ]  # fmt: skip
    assert data["entry"][0]["resource"]["resourceType"] == "Composition"  # a document starts with it
    fnr = json_ut(kjor("vis", str(full_pasient), "--json"))["fnr"]
    assert r["Patient"]["identifier"] == [{"system": "urn:oid:2.16.578.1.12.4.1.4.1", "value": fnr}]
    assert r["Condition"]["code"]["coding"] == [
        {"system": "urn:oid:2.16.578.1.12.4.1.1.7110", "code": "C50.9"}
    ]
    assert r["Condition"]["onsetDateTime"] == "2026-08-03"
    assert r["Encounter"]["period"] == {"start": "2026-11-20", "end": "2026-11-20"}
    assert r["Encounter"]["type"][0]["coding"][0]["code"] == "2"
    tiltak = [
        (a["detail"]["description"], a["detail"]["performer"][0]["display"])
        for a in r["CarePlan"]["activity"]
    ]
    assert ("Henvisning til Frisklivssentralen", "fastlegen") in tiltak and len(tiltak) == 4
    assert r["Consent"]["provision"]["type"] == "permit"
    # Every reference points inside the bundle.
    adresser = {e["fullUrl"] for e in data["entry"]}
    tekst = json.dumps(data, ensure_ascii=False)
    for ref in {d["reference"] for d in _alle(data, "reference")}:
        assert ref in adresser, ref
    assert "Hva er viktig for pasienten nå" in tekst


def _alle(data: Any, nokkel: str) -> list[dict[str, Any]]:
    if isinstance(data, dict):
        ut = [data] if nokkel in data and isinstance(data[nokkel], str) else []
        return ut + [x for v in data.values() for x in _alle(v, nokkel)]
    if isinstance(data, list):
        return [x for v in data for x in _alle(v, nokkel)]
    return []


def test_svarene_viser_til_guiden_som_questionnaire(kjor: Callable, full_pasient: int) -> None:
    from fhir.resources.R4B.questionnaire import Questionnaire

    skjema = json.loads(kjor("guide", "--format", "fhir").stdout)
    Questionnaire.model_validate(skjema)
    svar = ressurser(bunt(kjor, full_pasient))["QuestionnaireResponse"]
    assert svar["questionnaire"] == f"{skjema['url']}|{skjema['version']}"
    lenker = {i["linkId"] for gruppe in skjema["item"] for i in gruppe["item"]}
    besvart = {i["linkId"] for gruppe in svar["item"] for i in gruppe["item"]}
    assert besvart <= lenker and {"belastning_grad", "jobb_notat", "samtykke_nav"} <= besvart
    grad = next(i for g in svar["item"] for i in g["item"] if i["linkId"] == "belastning_grad")
    assert grad["answer"] == [{"valueInteger": 6}]


@pytest.mark.parametrize("til", ["nav", "annen", "pasient"])
def test_fhir_bare_til_helsetjenesten(
    kjor: Callable, full_pasient: int, forvent_feil: Callable, til: str
) -> None:
    args = ["--navn", "Arbeidsgiver AS"] if til == "annen" else []
    forvent_feil(
        kjor("brev", str(full_pasient), "--til", til, "--format", "fhir", *args), 2, "helsetjenester"
    )


def test_fhir_brevet_registreres_og_logges(kjor: Callable, full_pasient: int) -> None:
    bunt(kjor, full_pasient, "fastlege")
    brev = json_ut(kjor("vis", str(full_pasient), "--json"))["brev"]
    assert [(b["mottaker"], b["format"]) for b in brev] == [("fastlege", "fhir")]


def test_fhir_lastes_bare_i_sine_kommandoer() -> None:
    kode = (
        "import sys\n"
        "import pakkehjem.cli, pakkehjem.brev, pakkehjem.register\n"
        "assert not [m for m in sys.modules if m.startswith(('fhir', 'pydantic'))], 'lastet'\n"
    )
    svar = subprocess.run([sys.executable, "-c", kode], capture_output=True, text=True)
    assert svar.returncode == 0, svar.stderr
