"""What pakkehjem sends as FHIR is plain JSON, built without a FHIR library (overforing.py). These
tests are where it is validated: every shape `brev --format fhir` and `guide --format fhir` can
write is read by fhir.resources, and must come out of that library's own serialisation byte for
byte the same, so nothing was written that FHIR R4 or the library would change or drop."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from brevdata import BREVDATO, FULL, INGEN_BEHOV, UTEN_SAMTYKKE, hold_samtale, lag_pasient, sett_avsender
from hjelp import IDAG, json_ut
from pakkehjem import fnr as fnr_regler
from pakkehjem import guide as guide_modul
from pakkehjem.overforing import (
    DNR_SYSTEM,
    FNR_SYSTEM,
    HNR_SYSTEM,
    _identifikator,
    guide_som_questionnaire,
    valider_ressurs,
)
from samtalehjelp import TESTGUIDE, skriv_guide

pytest.importorskip("fhir.resources")

MOTTAKERE = ("fastlege", "kommune", "sykehus", "ny_kommune")

# The small test guide with one more condition form: on a scale's number (answerInteger).
GUIDE_MED_TALLBETINGELSE = TESTGUIDE.replace(
    "      - id: samtykke_fastlege\n",
    "      - id: belastning_om\n"
    '        tekst: "Hva gjør det så tungt?"\n'
    "        type: tekst\n"
    "        vis_hvis: {sporsmal: belastning, er: 6}\n"
    "      - id: samtykke_fastlege\n",
)
SVAR_TESTGUIDE = {
    "form": "hjemme",
    "tilstede": ["pasient", "tolk"],
    "tolk_navn": "Tolk Tolkesen",
    "behov": "behov",
    "barn": True,
    "barn_notat": "To barn, 9 og 12 år.",
    "barn_tiltak": [{"hva": "Samtale med helsesykepleier", "ansvarlig": "kommunen"}],
    "belastning": 6,
    "belastning_om": "Jobben.",
    "samtykke_fastlege": True,
    "neste_dato": "2027-01-05",
}


def som_biblioteket(klasse: str, innhold: bytes) -> dict[str, Any]:
    """Validate the written JSON with fhir.resources (FHIR R4) and hold it to the library's own
    serialisation of it: the same keys, values and order, the same bytes."""
    data = json.loads(innhold)
    modell = valider_ressurs(klasse, data)  # pydantic's ValidationError on anything FHIR R4 forbids
    bibliotekets = json.loads(modell.model_dump_json(exclude_none=True))
    assert bibliotekets == data
    assert (json.dumps(bibliotekets, ensure_ascii=False, indent=2) + "\n").encode("utf-8") == innhold
    return data


def _d_nummer(fodt: date) -> str:
    """A synthetic D-number (day + 40, month + 80) with valid check digits."""
    start = f"{fodt.day + 40:02d}{fodt.month + 80:02d}{fodt.year % 100:02d}"
    for individ in range(500):
        for kontroll in range(100):
            nummer = f"{start}{individ:03d}{kontroll:02d}"
            try:
                if fnr_regler.valider(nummer, date.fromisoformat(IDAG), True).type == "d_nummer":
                    return nummer
            except fnr_regler.UgyldigFnr:
                continue
    raise AssertionError("ingen D-nummer")  # pragma: no cover


def _nokler(data: Any, sti: str = "") -> set[str]:
    """Every path in the JSON (a resource's path names its type), and for a system or a code
    also its value: `.entry.resource.Encounter.class.code=HH`."""
    ut: set[str] = set()
    if isinstance(data, dict):
        if isinstance(data.get("resourceType"), str):
            sti = f"{sti}.{data['resourceType']}"
        for k, v in data.items():
            ut.add(f"{sti}.{k}")
            if k in ("system", "code") and isinstance(v, str):
                ut.add(f"{sti}.{k}={v}")
            ut |= _nokler(v, f"{sti}.{k}")
    elif isinstance(data, list):
        for v in data:
            ut |= _nokler(v, sti)
    return ut


@pytest.fixture
def pasienter(kjor: Callable, ny_pasient: Callable, tmp_path: Path) -> dict[str, int]:
    """Patients whose letters differ in shape: every kind of answer, consent given or not,
    actions or none, one done, a D-number without diagnosis code, municipality or GP, and a
    conversation held with another guide."""
    full = lag_pasient(ny_pasient)["id"]
    hold_samtale(kjor, tmp_path, full, FULL)  # home visit, consent to all, actions, scores, next date
    tiltak = json_ut(kjor("vis", str(full), "--json"))["tiltak"]
    assert kjor("tiltak-utfort", str(tiltak[0]["id"]), "--dato", IDAG).exit_code == 0
    uten_behov = ny_pasient("2026-08-03", dato=IDAG)["id"]  # no actions, no scores, no consent answer
    hold_samtale(kjor, tmp_path, uten_behov, INGEN_BEHOV)
    d_nummer = ny_pasient("2026-08-03", dato=IDAG, fnr=_d_nummer(date(1961, 4, 9)))["id"]
    hold_samtale(kjor, tmp_path, d_nummer, UTEN_SAMTYKKE)
    guide = skriv_guide(tmp_path, GUIDE_MED_TALLBETINGELSE)
    assert kjor("innstillinger", "guide", str(guide)).exit_code == 0
    egen_guide = ny_pasient("2026-08-03", dato=IDAG, kommune="Bodø")["id"]
    hold_samtale(kjor, tmp_path, egen_guide, SVAR_TESTGUIDE)
    return {"full": full, "uten_behov": uten_behov, "d_nummer": d_nummer, "egen_guide": egen_guide}


def _bunter(db_sti: Path, hvilke: list[tuple[int, str, str]]) -> list[bytes]:
    """The FHIR letters (patient, recipient, language) as `brev --format fhir` makes them."""
    from pakkehjem.brev import lag_brev
    from pakkehjem.register import Register

    register = Register.fra_fil(db_sti)
    try:
        idag = date.fromisoformat(BREVDATO)
        return [
            lag_brev(register, str(pid), til, idag=idag, format_="fhir", sprak=sprak).innhold
            for pid, til, sprak in hvilke
        ]
    finally:
        register.lukk()


def _ressurser(innhold: bytes) -> dict[str, dict[str, Any]]:
    return {e["resource"]["resourceType"]: e["resource"] for e in json.loads(innhold)["entry"]}


def test_hver_form_av_overforingen_er_gyldig_fhir_slik_biblioteket_selv_skriver_den(
    kjor: Callable, pasienter: dict[str, int], db_sti: Path
) -> None:
    sett_avsender(kjor)
    # Every recipient of every patient; the languages differ in words only, the sender without
    # a service in one element (Encounter.serviceProvider).
    hvilke = [(pid, til, "bokmal") for pid in pasienter.values() for til in MOTTAKERE]
    hvilke += [(pasienter["full"], til, "nynorsk") for til in MOTTAKERE]
    bunter = _bunter(db_sti, hvilke)
    assert kjor("avsender", "--rolle", "", "--tjeneste", "", "--telefon", "").exit_code == 0
    bunter += _bunter(db_sti, [(pasienter["full"], "kommune", "bokmal")])
    sett: set[str] = set()
    for innhold, hvilken in zip(bunter, [*hvilke, "uten tjeneste"], strict=True):
        try:
            sett |= _nokler(som_biblioteket("Bundle", innhold))
        except Exception as feil:
            raise AssertionError(f"pasient, mottaker, språk: {hvilken}") from feil
    # The patients above do make every shape the builder has (else this test checks too little).
    ressurs = ".Bundle.entry.resource"
    for form in (
        f"{ressurs}.Patient.identifier.system={FNR_SYSTEM}",
        f"{ressurs}.Patient.identifier.system={DNR_SYSTEM}",
        f"{ressurs}.Patient.address", f"{ressurs}.Patient.generalPractitioner",
        f"{ressurs}.Condition.code.coding", f"{ressurs}.Encounter.serviceProvider",
        f"{ressurs}.Encounter.class.code=HH", f"{ressurs}.Encounter.class.code=AMB",
        f"{ressurs}.Consent.dateTime",
        f"{ressurs}.CarePlan.activity.detail.scheduledPeriod",
        *(f"{ressurs}.QuestionnaireResponse.item.item.answer.{verdi}"
          for verdi in ("valueString", "valueInteger", "valueBoolean", "valueDate")),
    ):  # fmt: skip
        assert form in sett, form


def test_det_som_ikke_finnes_utelates(kjor: Callable, pasienter: dict[str, int], db_sti: Path) -> None:
    """The other side of the shapes: what is left out when there is nothing to carry (FHIR
    allows no empty value)."""
    sett_avsender(kjor)
    assert kjor("avsender", "--tjeneste", "").exit_code == 0
    bunter = _bunter(db_sti, [(pid, "kommune", "bokmal") for pid in pasienter.values()])
    r = {hvem: _ressurser(innhold) for hvem, innhold in zip(pasienter, bunter, strict=True)}
    assert "activity" not in r["uten_behov"]["CarePlan"]  # no actions
    assert "dateTime" not in r["uten_behov"]["Consent"]  # §§ 25 and 45, no recorded consent
    assert r["uten_behov"]["Consent"]["policyRule"] == {"text": "helsepersonelloven §§ 25 og 45"}
    assert "coding" not in r["d_nummer"]["Condition"]["code"]  # no ICD-10 code registered
    assert {"address", "generalPractitioner"}.isdisjoint(r["d_nummer"]["Patient"])
    assert r["d_nummer"]["Patient"]["identifier"][0]["system"] == DNR_SYSTEM
    assert all("serviceProvider" not in ressurser["Encounter"] for ressurser in r.values())
    statuser = [a["detail"]["status"] for a in r["full"]["CarePlan"]["activity"]]
    assert sorted(statuser) == ["completed", "not-started", "not-started", "not-started"]
    # The patient validates with each identifier system (an H-number is never synthetic, so no
    # test register holds one).
    pasient = r["d_nummer"]["Patient"]
    for nummer, system in [
        ("15108695088", FNR_SYSTEM),
        ("55108695088", DNR_SYSTEM),
        ("15508695088", HNR_SYSTEM),
    ]:
        assert _identifikator(nummer)["system"] == system
        endret = {**pasient, "identifier": [_identifikator(nummer)]}
        som_biblioteket("Patient", (json.dumps(endret, ensure_ascii=False, indent=2) + "\n").encode("utf-8"))


@pytest.mark.parametrize("hvilken", ["standard", "testguiden"])
def test_guiden_som_questionnaire_er_gyldig_fhir_slik_biblioteket_selv_skriver_den(
    tmp_path: Path, hvilken: str
) -> None:
    if hvilken == "standard":
        guiden = guide_modul.last_guide(Path(__file__).parent.parent / "templates" / "samtaleguide.yaml")
    else:
        guiden = guide_modul.last_guide(skriv_guide(tmp_path, GUIDE_MED_TALLBETINGELSE))
    data = som_biblioteket("Questionnaire", guide_som_questionnaire(guiden))
    sett = _nokler(data)
    for form in ("extension", "enableWhen", "required", "repeats", "answerOption"):
        assert f".Questionnaire.item.item.{form}" in sett, form
    if hvilken == "testguiden":  # every condition form: on a choice, a yes/no and a number
        for svar in ("answerString", "answerBoolean", "answerInteger"):
            assert f".Questionnaire.item.item.enableWhen.{svar}" in sett, svar
        assert ".Questionnaire.item.item.enableBehavior" in sett
