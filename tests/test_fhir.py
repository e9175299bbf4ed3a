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

from brevdata import BREVDATO, FULL, hold_samtale, lag_pasient, pasient_med_samtale
from hjelp import json_ut

pytest.importorskip("fhir.resources")


@pytest.fixture
def full_pasient(kjor: Callable, ny_pasient: Callable, tmp_path: Path, fra_mal: Callable) -> int:
    """The fixed patient with the full conversation at SP2 and the sender set (as test_brev's)."""
    return fra_mal("full_pasient", lambda: pasient_med_samtale(kjor, ny_pasient, tmp_path, FULL))


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


def test_skaarene_har_med_hva_endene_betyr(kjor: Callable, full_pasient: int) -> None:
    data = bunt(kjor, full_pasient, "fastlege")
    r = ressurser(data)
    skarer = next(s for s in r["Composition"]["section"] if s["title"] == "Skårer")
    assert (
        "Belastning siste uke: 6 av 10 (0 = ingen belastning, 10 = ekstrem belastning)"
        in skarer["text"]["div"]
    )
    grad = next(
        i for g in r["QuestionnaireResponse"]["item"] for i in g["item"] if i["linkId"] == "belastning_grad"
    )
    assert grad["text"].endswith("(0 = ingen belastning, 10 = ekstrem belastning)")
    skjema = json.loads(kjor("guide", "--format", "fhir").stdout)
    assert (
        next(i for g in skjema["item"] for i in g["item"] if i["linkId"] == "belastning_grad")["text"]
        == grad["text"]
    )
    # In a nynorsk letter the narrative carries the guide's nynorsk words for the ends.
    nn = ressurser(bunt(kjor, full_pasient, "fastlege", "--sprak", "nynorsk"))["Composition"]
    assert "6 av 10 (0 = inga belastning, 10 = ekstrem belastning)" in json.dumps(nn, ensure_ascii=False)


def test_dokumentet_viser_ikke_til_en_profil_som_ikke_er_publisert(kjor: Callable, full_pasient: int) -> None:
    data = bunt(kjor, full_pasient)
    assert "urn:pakkehjem:profil" not in json.dumps(data)
    assert all("meta" not in e["resource"] for e in data["entry"])


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


@pytest.mark.parametrize("kommando", ["brev", "guide"])
def test_et_fhir_dokument_lastes_uten_fhir_biblioteket_og_brevmalene(
    kjor: Callable, full_pasient: int, kommando: str
) -> None:
    # What is sent is plain JSON (test_fhir_form.py validates every shape of it): fhir.resources
    # alone takes longer to import than a letter may take. Nor does a FHIR letter need Jinja2,
    # only the letter's words (tekster.yaml), nor rich for its one line on stderr. Run as the
    # coordinator runs it, in a process of its own.
    kode = (
        "import sys, runpy\n"
        "sys.argv = ['pakkehjem', *sys.argv[1:]]\n"
        "try:\n"
        "    runpy.run_module('pakkehjem', run_name='__main__')\n"
        "except SystemExit as slutt:\n"
        "    assert not slutt.code, slutt.code\n"
        "lastet = [m for m in sys.modules if m.startswith(('jinja2', 'fhir', 'pydantic', 'rich'))]\n"
        "assert not lastet, lastet\n"
    )
    args = (
        ["brev", str(full_pasient), "--til", "kommune", "--format", "fhir", "--dato", BREVDATO]
        if kommando == "brev"
        else ["guide", "--format", "fhir"]
    )
    svar = subprocess.run([sys.executable, "-c", kode, *args], capture_output=True)
    assert svar.returncode == 0, svar.stderr.decode()
    data = json.loads(svar.stdout)
    assert data["resourceType"] == ("Bundle" if kommando == "brev" else "Questionnaire")


# --- motta: the receiving register reads the handover in ------------------------------------------


def _tell(db: Path) -> dict[str, int]:
    """Rows of every table of a register file (the access log apart)."""
    import sqlite3

    tilkobling = sqlite3.connect(db)
    try:
        tabeller = [r[0] for r in tilkobling.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        return {t: tilkobling.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tabeller}
    finally:
        tilkobling.close()


@pytest.fixture
def sykehusets_overforing(kjor: Callable, ny_pasient: Callable, tmp_path: Path) -> tuple[int, Path]:
    """The hospital's register (the test's default one): SP1 held with the full conversation,
    and its handover to the municipality written to a file."""
    pasient = lag_pasient(ny_pasient)
    kjor("avsender", "--navn", "Kari Sykepleier", "--rolle", "forløpskoordinator",
         "--tjeneste", "Sykehuset Østfold")  # fmt: skip
    hold_samtale(kjor, tmp_path, pasient["id"], FULL, sp=1, dato="2026-08-20")
    fil = tmp_path / "overforing.json"
    resultat = kjor("brev", str(pasient["id"]), "--til", "kommune", "--format", "fhir", "-o", str(fil))
    assert resultat.exit_code == 0, resultat.output
    return pasient["id"], fil


@pytest.fixture
def kommunen(kjor: Callable, tmp_path: Path) -> Path:
    """The municipality's own register, another file."""
    db = tmp_path / "kommunen.db"
    assert kjor("--db", str(db), "innstillinger", "tillat_syntetiske", "ja").exit_code == 0
    return db


def test_rundtur_fra_sykehusets_register_til_kommunens(
    kjor: Callable, sykehusets_overforing: tuple[int, Path], kommunen: Path
) -> None:
    pid, fil = sykehusets_overforing
    sendt = json_ut(kjor("vis", str(pid), "--json"))
    resultat = kjor("--db", str(kommunen), "motta", str(fil))
    assert resultat.exit_code == 0, resultat.output
    assert "Ny pasient nr. 1." in resultat.stdout and "4 åpne tiltak kopiert." in resultat.stdout
    mottatt = json_ut(kjor("--db", str(kommunen), "vis", sendt["fnr"], "--json"))
    for felt in ("fnr", "navn", "fodselsdato", "kommune", "fastlege"):
        assert mottatt[felt] == sendt[felt], felt
    for felt in ("diagnosedato", "diagnose"):
        assert mottatt["forlop"][0][felt] == sendt["forlop"][0][felt], felt
    sp1 = mottatt["forlop"][0]["samhandlingspunkter"][0]
    assert (sp1["status"], sp1["dato"]) == ("holdt_annet_sted", "2026-08-20")
    assert sp1["holdt_av"] == "Kari Sykepleier, forløpskoordinator, Sykehuset Østfold"
    assert "At jeg kan være hjemme og ha overskudd til barnebarna." in sp1["sammendrag"]
    assert "Henvisning til Frisklivssentralen" in sp1["sammendrag"]
    felt = ("hva", "ansvarlig", "frist", "status")
    assert [{k: t[k] for k in felt} for t in mottatt["tiltak"]] == [
        {k: t[k] for k in felt} for t in sendt["tiltak"]
    ]
    # The summary is readable where coordinators look: `vis` in the terminal.
    vist = kjor("--db", str(kommunen), "vis", "1", env={"COLUMNS": "120"}).stdout
    assert "Oppsummering mottatt for SP1" in vist and "Søvnvansker og uro om kvelden." in vist


def test_motta_to_ganger_lager_ingenting_to_ganger(
    kjor: Callable, sykehusets_overforing: tuple[int, Path], kommunen: Path
) -> None:
    _, fil = sykehusets_overforing
    assert kjor("--db", str(kommunen), "motta", str(fil)).exit_code == 0
    for_ = _tell(kommunen)
    igjen = kjor("--db", str(kommunen), "motta", str(fil))
    assert igjen.exit_code == 0 and "ingenting endres" in igjen.stdout
    etter = _tell(kommunen)
    assert {t: n for t, n in etter.items() if t != "tilgangslogg"} == {
        t: n for t, n in for_.items() if t != "tilgangslogg"
    }
    assert etter["tilgangslogg"] == for_["tilgangslogg"] + 1  # each use is logged


def test_motta_vis_viser_men_endrer_ingenting(
    kjor: Callable, sykehusets_overforing: tuple[int, Path], kommunen: Path
) -> None:
    _, fil = sykehusets_overforing
    for_ = _tell(kommunen)
    resultat = kjor("--db", str(kommunen), "motta", str(fil), "--vis")
    assert resultat.exit_code == 0 and "ingenting er endret" in resultat.stdout
    assert "Ny pasient nr. 1." in resultat.stdout
    assert _tell(kommunen) == for_


def _odelegg(data: dict[str, Any], hvordan: str) -> Any:
    r = {e["resource"]["resourceType"]: e["resource"] for e in data["entry"]}
    if hvordan == "uten_pasient":
        data["entry"] = [e for e in data["entry"] if e["resource"]["resourceType"] != "Patient"]
    elif hvordan == "ugyldig_fodselsdato":
        r["Patient"]["birthDate"] = "1958-13-14"
    elif hvordan == "ugyldig_fnr":
        r["Patient"]["identifier"][0]["value"] = "12345678901"
    elif hvordan == "ukjent_felt":
        r["CarePlan"]["tullefelt"] = True
    elif hvordan == "uten_samhandlingspunkt":
        r["Encounter"]["type"] = [{"text": "samtale"}]
    elif hvordan == "ikke_dokument":
        data["type"] = "collection"
    elif hvordan == "ikke_bundle":
        return {"resourceType": "Patient"}
    return data


@pytest.mark.parametrize(
    "hvordan",
    ["uten_pasient", "ugyldig_fodselsdato", "ugyldig_fnr", "ukjent_felt", "uten_samhandlingspunkt",
     "ikke_dokument", "ikke_bundle", "ikke_json"],
)  # fmt: skip
def test_en_odelagt_overforing_endrer_ingenting(
    kjor: Callable,
    sykehusets_overforing: tuple[int, Path],
    kommunen: Path,
    forvent_feil: Callable,
    tmp_path: Path,
    hvordan: str,
) -> None:
    _, fil = sykehusets_overforing
    odelagt = tmp_path / "odelagt.json"
    if hvordan == "ikke_json":
        odelagt.write_text(fil.read_text(encoding="utf-8")[:-40], encoding="utf-8")
    else:
        odelagt.write_text(
            json.dumps(_odelegg(json.loads(fil.read_text(encoding="utf-8")), hvordan)), encoding="utf-8"
        )
    for_ = _tell(kommunen)
    tekst = forvent_feil(kjor("--db", str(kommunen), "motta", str(odelagt)), 2, "Ingenting er endret")
    assert "Synne" not in tekst and "Testesen" not in tekst
    assert _tell(kommunen) == for_


def _med_endring(fil: Path, mappe: Path, endre: Callable[[dict[str, Any]], None]) -> Path:
    """A copy of the handover with its resources changed by `endre`."""
    data = json.loads(fil.read_text(encoding="utf-8"))
    endre({e["resource"]["resourceType"]: e["resource"] for e in data["entry"]})
    ut = mappe / "endret.json"
    ut.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return ut


def test_motta_gir_samme_post_som_holdt(
    kjor: Callable, sykehusets_overforing: tuple[int, Path], kommunen: Path, tmp_path: Path
) -> None:
    pid, fil = sykehusets_overforing
    sendt = json_ut(kjor("vis", str(pid), "--json"))
    assert kjor("--db", str(kommunen), "motta", str(fil)).exit_code == 0
    # The same point recorded by hand with `holdt`, in a third register.
    annen = tmp_path / "for_hand.db"
    assert kjor("--db", str(annen), "innstillinger", "tillat_syntetiske", "ja").exit_code == 0
    ny = ("ny-pasient", "--fnr", sendt["fnr"], "--navn", sendt["navn"],
          "--diagnosedato", sendt["forlop"][0]["diagnosedato"], "--tjeneste", "kommune")  # fmt: skip
    assert kjor("--db", str(annen), *ny).exit_code == 0
    av = "Kari Sykepleier, forløpskoordinator, Sykehuset Østfold"
    assert (
        kjor(
            "--db", str(annen), "holdt", "1", "--sp", "1", "--samtaledato", "2026-08-20", "--av", av
        ).exit_code
        == 0
    )
    felt = ("status", "dato", "holdt_av")
    mottatt, for_hand = (
        json_ut(kjor("--db", str(db), "vis", "1", "--json"))["forlop"][0]["samhandlingspunkter"][0]
        for db in (kommunen, annen)
    )
    assert {k: mottatt[k] for k in felt} == {k: for_hand[k] for k in felt}


def test_motta_foelger_datoreglene_til_holdt(
    kjor: Callable,
    sykehusets_overforing: tuple[int, Path],
    kommunen: Path,
    forvent_feil: Callable,
    tmp_path: Path,
) -> None:
    _, fil = sykehusets_overforing
    for_ = _tell(kommunen)
    # Held before the diagnosis date: `holdt`'s rule, and nothing is changed.
    for_tidlig = _med_endring(fil, tmp_path, lambda r: r["Encounter"].update(period={"start": "2026-07-01"}))
    forvent_feil(kjor("--db", str(kommunen), "motta", str(for_tidlig)), 2, "ligger før diagnosedatoen")
    assert _tell(kommunen) == for_
    # An SP3 held weeks after the diagnosis ends the episode: as with `holdt`, only with --bekreft.
    sp3 = _med_endring(fil, tmp_path, lambda r: r["Encounter"]["type"][0]["coding"][0].update(code="3"))
    forvent_feil(kjor("--db", str(kommunen), "motta", str(sp3)), 1, "--bekreft")
    assert _tell(kommunen) == for_
    assert kjor("--db", str(kommunen), "motta", str(sp3), "--bekreft").exit_code == 0
    forlop_ = json_ut(kjor("--db", str(kommunen), "vis", "1", "--json"))["forlop"][0]
    assert forlop_["samhandlingspunkter"][2]["status"] == "holdt_annet_sted"
    assert forlop_["status"] == "avsluttet"


def test_kjent_pasient_med_annen_diagnosedato_nektes(
    kjor: Callable, sykehusets_overforing: tuple[int, Path], kommunen: Path, forvent_feil: Callable
) -> None:
    pid, fil = sykehusets_overforing
    fnr = json_ut(kjor("vis", str(pid), "--json"))["fnr"]
    kjor(
        "--db",
        str(kommunen),
        "ny-pasient",
        "--fnr",
        fnr,
        "--navn",
        "Synne Testesen",
        "--diagnosedato",
        "2026-09-01",
    )
    for_ = _tell(kommunen)
    forvent_feil(kjor("--db", str(kommunen), "motta", str(fil)), 1, "diagnosedato", "residiv")
    assert _tell(kommunen) == for_


def test_identifikatorsystemene_for_fnr_d_og_h_nummer() -> None:
    from pakkehjem.overforing import DNR_SYSTEM, FNR_SYSTEM, HNR_SYSTEM, _identifikator

    assert _identifikator("15108695088")["system"] == FNR_SYSTEM
    assert _identifikator("55108695088")["system"] == DNR_SYSTEM  # day + 40
    assert _identifikator("15508695088")["system"] == HNR_SYSTEM  # month + 40
    assert _identifikator("14835812015")["system"] == FNR_SYSTEM  # synthetic (month + 80)
