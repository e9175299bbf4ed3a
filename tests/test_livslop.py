"""The whole episode through the CLI: `avslutt` (death, moving, wish, completion), the automatic
end after the SP3 conversation, `residiv`, the timeline in `vis`, and bad input changing nothing.

Dates are relative to the real today: `avslutt`, `residiv` and `samtale` refuse dates after it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from hjelp import json_ut, melding
from samtalehjelp import skriv_guide

IDAG = date.today()
I_GAR = IDAG - timedelta(days=1)
# Diagnosed 13 months ago: SP1 and SP2 windows have closed, SP3 is due now.
GAMMEL_DIAGNOSE = IDAG - timedelta(days=400)
# Diagnosed three weeks ago: SP1 is due now.
NY_DIAGNOSE = IDAG - timedelta(days=21)


def vis(kjor: Callable, pid: int) -> dict[str, Any]:
    return json_ut(kjor("vis", pid, "--json"))


def punkter(data: dict[str, Any], nr: int = 1) -> dict[int, dict[str, Any]]:
    forlop = next(f for f in data["forlop"] if f["nr"] == nr)
    return {s["sp"]: s for s in forlop["samhandlingspunkter"]}


def hendelser(data: dict[str, Any]) -> list[tuple[str, str]]:
    return [(h["type"], h["tekst"]) for h in data["hendelser"]]


@pytest.fixture
def pasient(ny_pasient: Callable) -> int:
    """A patient diagnosed 13 months ago, SP1 held; SP2 and SP3 open."""
    return ny_pasient(GAMMEL_DIAGNOSE.isoformat(), dato=IDAG.isoformat(), diagnose="C50.9")["id"]


# --- ending an episode -------------------------------------------------------------------------


def test_dod_avslutter_forlopet_og_setter_apne_punkter_bortfalt(
    kjor: Callable, pasient: int, fullfor: Callable
) -> None:
    fullfor(pasient, 1, GAMMEL_DIAGNOSE + timedelta(days=10))
    resultat = kjor("avslutt", pasient, "--grunn", "dod", "--dato", I_GAR.isoformat())
    assert resultat.exit_code == 0, resultat.output
    assert "er avsluttet" in resultat.stdout and "pasienten er død" in resultat.stdout
    assert "SP2, SP3" in resultat.stdout

    data = vis(kjor, pasient)
    assert data["status"] == "avsluttet"
    [forlop] = data["forlop"]
    assert (forlop["status"], forlop["avsluttet_grunn"], forlop["avsluttet_dato"]) == (
        "avsluttet",
        "dod",
        I_GAR.isoformat(),
    )
    sp = punkter(data)
    assert sp[1]["status"] == "gjennomfort", "a held contact point stays held"
    for nr in (2, 3):
        assert (sp[nr]["status"], sp[nr]["grunn"], sp[nr]["tilstand"]) == (
            "bortfalt",
            "Pasienten er død",
            None,
        )
    typer = [t for t, _ in hendelser(data)]
    assert typer[-4:] == ["bortfalt", "bortfalt", "forlop_avsluttet", "pasient_avsluttet"]
    assert "Forløp 1 avsluttet" in data["hendelser"][-2]["tekst"]
    assert "pasienten er død" in data["hendelser"][-2]["tekst"]

    # Out of the work list and the list of active patients.
    assert json_ut(kjor("forfaller", "--maned", "--json")) == []
    assert json_ut(kjor("pasienter", "--json")) == []
    assert [p["status"] for p in json_ut(kjor("pasienter", "--alle", "--json"))] == ["avsluttet"]


def test_flyttet_gir_hint_om_overforingsbrev_til_ny_kommune(kjor: Callable, pasient: int) -> None:
    resultat = kjor("avslutt", pasient, "--grunn", "flyttet", "--til-kommune", "Bergen")
    assert resultat.exit_code == 0, resultat.output
    assert f"pakkehjem brev {pasient} --til ny_kommune" in resultat.stdout
    assert '--navn "Bergen"' in resultat.stdout

    data = vis(kjor, pasient)
    [forlop] = data["forlop"]
    assert (forlop["avsluttet_grunn"], forlop["avsluttet_dato"]) == ("flyttet", IDAG.isoformat())
    assert {s["grunn"] for s in forlop["samhandlingspunkter"]} == {"Pasienten har flyttet til Bergen"}
    assert any("flyttet (til Bergen)" in tekst for _, tekst in hendelser(data))


def test_flyttet_med_json_skriver_bare_json_paa_stdout(kjor: Callable, pasient: int) -> None:
    resultat = kjor("avslutt", pasient, "--grunn", "flyttet", "--json")
    data = json_ut(resultat)
    assert data["id"] == pasient and data["forlop"][0]["avsluttet_grunn"] == "flyttet"
    assert "--til ny_kommune" in melding(resultat)


def test_pasientens_onske_kan_skrives_med_ae_oe_aa(kjor: Callable, pasient: int) -> None:
    resultat = kjor("avslutt", pasient, "--grunn", "Ønske")
    assert resultat.exit_code == 0, resultat.output
    data = vis(kjor, pasient)
    assert data["forlop"][0]["avsluttet_grunn"] == "onske"
    assert data["status"] == "avsluttet"
    assert {s["status"] for s in punkter(data).values()} == {"bortfalt"}
    assert {s["grunn"] for s in punkter(data).values()} == {"Pasienten ønsket å avslutte forløpet"}


def test_fullfort_avvises_til_sp3_er_gjennomfort(
    kjor: Callable, pasient: int, fullfor: Callable, forvent_feil: Callable, radtall: Callable
) -> None:
    for_ = radtall()
    tekst = forvent_feil(kjor("avslutt", pasient, "--grunn", "fullfort"), 1, "SP3 er ikke gjennomført")
    assert "samtale" in tekst
    assert radtall() == for_, "a refusal changes nothing, not even the access log"

    fullfor(pasient, 3, I_GAR)
    resultat = kjor("avslutt", pasient, "--grunn", "fullfort")
    assert resultat.exit_code == 0, resultat.output
    data = vis(kjor, pasient)
    sp = punkter(data)
    assert data["forlop"][0]["avsluttet_grunn"] == "fullfort"
    assert sp[3]["status"] == "gjennomfort"
    assert [(sp[n]["status"], sp[n]["grunn"]) for n in (1, 2)] == [("bortfalt", "Forløpet er fullført")] * 2
    assert data["status"] == "avsluttet"


def test_samtale_ved_sp3_fullforer_forlopet_automatisk(
    kjor: Callable, ny_pasient: Callable, tmp_path: Path
) -> None:
    assert kjor("innstillinger", "guide", skriv_guide(tmp_path)).exit_code == 0
    pid = ny_pasient(GAMMEL_DIAGNOSE.isoformat(), dato=IDAG.isoformat())["id"]
    svar = tmp_path / "svar.json"
    svar.write_text(json.dumps({"form": "kontor", "belastning": 2}), encoding="utf-8")

    resultat = kjor("samtale", pid, "--sp", "3", "--svar", svar, "--dato", I_GAR.isoformat())
    assert resultat.exit_code == 0, resultat.output
    assert "Forløpet er fullført" in melding(resultat)

    data = vis(kjor, pid)
    [forlop] = data["forlop"]
    assert (forlop["status"], forlop["avsluttet_grunn"], forlop["avsluttet_dato"]) == (
        "avsluttet",
        "fullfort",
        I_GAR.isoformat(),
    )
    sp = punkter(data)
    assert (sp[3]["status"], sp[3]["dato"]) == ("gjennomfort", I_GAR.isoformat())
    assert [(sp[n]["status"], sp[n]["grunn"]) for n in (1, 2)] == [("bortfalt", "Forløpet er fullført")] * 2
    assert data["status"] == "avsluttet"
    assert data["samtaler"][0]["status"] == "fullfort"
    typer = [t for t, _ in hendelser(data)]
    # One transaction: held, then the rest bortfalt, the episode and the patient ended.
    assert typer[-5:] == ["gjennomfort", "bortfalt", "bortfalt", "forlop_avsluttet", "pasient_avsluttet"]


def test_samtale_ved_sp2_avslutter_ikke_forlopet(
    kjor: Callable, ny_pasient: Callable, tmp_path: Path
) -> None:
    assert kjor("innstillinger", "guide", skriv_guide(tmp_path)).exit_code == 0
    pid = ny_pasient(GAMMEL_DIAGNOSE.isoformat(), dato=IDAG.isoformat())["id"]
    svar = tmp_path / "svar.json"
    svar.write_text(json.dumps({"form": "kontor"}), encoding="utf-8")
    assert kjor("samtale", pid, "--sp", "2", "--svar", svar).exit_code == 0
    data = vis(kjor, pid)
    assert data["forlop"][0]["status"] == "aktiv" and data["status"] == "aktiv"
    assert punkter(data)[3]["status"] == "planlagt"


# --- relapse -----------------------------------------------------------------------------------


def test_residiv_avslutter_forlopet_og_aapner_et_nytt_med_egne_punkter(
    kjor: Callable, pasient: int, fullfor: Callable
) -> None:
    fullfor(pasient, 1, GAMMEL_DIAGNOSE + timedelta(days=10))
    ny_dato = IDAG - timedelta(days=5)
    resultat = kjor("residiv", pasient, "--diagnosedato", ny_dato.strftime("%d.%m.%Y"))
    assert resultat.exit_code == 0, resultat.output
    assert "Forløp 2 er åpnet" in resultat.stdout

    data = vis(kjor, pasient)
    assert data["status"] == "aktiv"
    assert [(f["nr"], f["status"]) for f in data["forlop"]] == [(1, "avsluttet"), (2, "aktiv")]
    gammelt, nytt = data["forlop"]
    assert (gammelt["avsluttet_grunn"], gammelt["avsluttet_dato"]) == ("residiv", ny_dato.isoformat())
    gamle = punkter(data, 1)
    assert gamle[1]["status"] == "gjennomfort", "the earlier episode stays in the history"
    assert [(gamle[n]["status"], gamle[n]["grunn"]) for n in (2, 3)] == [
        ("bortfalt", "Residiv: nytt forløp 2")
    ] * 2
    assert (nytt["diagnosedato"], nytt["diagnose"]) == (ny_dato.isoformat(), "C50.9")
    nye = punkter(data, 2)
    assert [(s["sp"], s["status"]) for s in nye.values()] == [
        (1, "planlagt"),
        (2, "planlagt"),
        (3, "planlagt"),
    ]
    assert nye[1]["vindu_fra"] == ny_dato.isoformat()
    assert nye[1]["tilstand"] == "i_vindu"
    assert hendelser(data)[-1][0] == "residiv"

    # The work list now shows SP1 of episode 2.
    rader = json_ut(kjor("forfaller", "--json"))
    assert [(r["pasient_id"], r["forlop"], r["sp"]) for r in rader] == [(pasient, 2, 1)]


def test_residiv_etter_fullfort_forlop_gjor_pasienten_aktiv_igjen(
    kjor: Callable, pasient: int, fullfor: Callable
) -> None:
    fullfor(pasient, 3, IDAG - timedelta(days=30))
    assert kjor("avslutt", pasient, "--grunn", "fullfort").exit_code == 0
    assert vis(kjor, pasient)["status"] == "avsluttet"
    data = json_ut(
        kjor("residiv", pasient, "--diagnosedato", I_GAR.isoformat(), "--diagnose", "c61", "--json")
    )
    assert data["status"] == "aktiv"
    assert [(f["nr"], f["status"], f["avsluttet_grunn"], f["diagnose"]) for f in data["forlop"]] == [
        (1, "avsluttet", "fullfort", "C50.9"),
        (2, "aktiv", None, "C61"),
    ]


def test_residiv_for_en_dod_pasient_avvises(
    kjor: Callable, pasient: int, forvent_feil: Callable, radtall: Callable
) -> None:
    assert kjor("avslutt", pasient, "--grunn", "dod").exit_code == 0
    for_ = radtall()
    forvent_feil(kjor("residiv", pasient, "--diagnosedato", I_GAR.isoformat()), 1, "død")
    assert radtall() == for_


# --- the timeline in `vis` ---------------------------------------------------------------------


def test_vis_viser_tidslinjen_i_rekkefolge(kjor: Callable, pasient: int) -> None:
    assert kjor("avslutt", pasient, "--grunn", "flyttet", "--til-kommune", "Tromsø").exit_code == 0
    assert kjor("residiv", pasient, "--diagnosedato", I_GAR.isoformat()).exit_code == 0
    resultat = kjor("vis", pasient)
    assert resultat.exit_code == 0, resultat.output
    tekst = resultat.stdout
    assert "avsluttet" in tekst and "pasienten har flyttet" in tekst
    deler = tekst.split("Tidslinje", 1)[1]
    rekkefolge = [
        "Registrert, diagnosedato",
        "SP1 bortfalt. Grunn: Pasienten har flyttet til Tromsø.",
        "Forløp 1 avsluttet",
        "Pasienten er ute av pakkeforløpet",
        "Residiv: forløp 2 åpnet",
    ]
    posisjoner = [" ".join(deler.split()).find(t) for t in rekkefolge]
    assert -1 not in posisjoner, (posisjoner, deler)
    assert posisjoner == sorted(posisjoner)


# --- bad input changes nothing -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "kode", "ord_"),
    [
        (("avslutt", "{p}", "--grunn", "ferie"), 2, "Ukjent grunn"),
        (("avslutt", "{p}", "--grunn", "residiv"), 2, "pakkehjem residiv"),
        (("avslutt", "{p}"), 2, "--grunn"),
        (("avslutt", "{p}", "--grunn", "dod", "--dato", "{i_morgen}"), 2, "fram i tid"),
        (("avslutt", "{p}", "--grunn", "dod", "--dato", "{for_diagnose}"), 2, "før diagnosedatoen"),
        (("avslutt", "{p}", "--grunn", "dod", "--dato", "31.02.2026"), 2, "finnes ikke"),
        (("avslutt", "{p}", "--grunn", "dod", "--til-kommune", "Bergen"), 2, "--til-kommune"),
        (("avslutt", "9999", "--grunn", "dod"), 1, "Ingen pasient"),
        (("residiv", "{p}", "--diagnosedato", "{i_morgen}"), 2, "fram i tid"),
        (("residiv", "{p}", "--diagnosedato", "{for_diagnose}"), 2, "må ligge etter"),
        (("residiv", "{p}", "--diagnosedato", "{diagnose}"), 2, "må ligge etter"),
        (("residiv", "{p}"), 2, "--diagnosedato"),
        (("residiv", "{p}", "--diagnosedato", "{i_gar}", "--diagnose", "brystkreft"), 2, "ICD-10"),
        (("residiv", "9999", "--diagnosedato", "{i_gar}"), 1, "Ingen pasient"),
    ],
)
def test_ugyldig_inndata_endrer_ingenting(
    kjor: Callable,
    pasient: int,
    forvent_feil: Callable,
    radtall: Callable,
    args: tuple[str, ...],
    kode: int,
    ord_: str,
) -> None:
    verdier = {
        "p": str(pasient),
        "i_morgen": (IDAG + timedelta(days=1)).isoformat(),
        "i_gar": I_GAR.isoformat(),
        "for_diagnose": (GAMMEL_DIAGNOSE - timedelta(days=1)).isoformat(),
        "diagnose": GAMMEL_DIAGNOSE.isoformat(),
    }
    for_ = radtall()
    forvent_feil(kjor(*(a.format(**verdier) for a in args)), kode, ord_)
    assert radtall() == for_


def test_et_avsluttet_forlop_kan_ikke_avsluttes_igjen(
    kjor: Callable, pasient: int, forvent_feil: Callable, radtall: Callable
) -> None:
    assert kjor("avslutt", pasient, "--grunn", "onske").exit_code == 0
    for_ = radtall()
    tekst = forvent_feil(kjor("avslutt", pasient, "--grunn", "dod"), 1, "ikke noe aktivt forløp")
    assert "pasientens ønske" in tekst and "residiv" in tekst
    assert radtall() == for_


def test_avslutt_for_siste_samtale_i_forlopet_gir_exit_2(
    kjor: Callable, pasient: int, fullfor: Callable, forvent_feil: Callable, radtall: Callable
) -> None:
    fullfor(pasient, 2, IDAG - timedelta(days=10))
    for_ = radtall()
    forvent_feil(
        kjor("avslutt", pasient, "--grunn", "dod", "--dato", (IDAG - timedelta(days=20)).isoformat()),
        2,
        "siste gjennomførte samtale",
    )
    assert radtall() == for_


def test_avslutt_og_residiv_logges_i_tilgangsloggen(kjor: Callable, pasient: int) -> None:
    assert kjor("avslutt", pasient, "--grunn", "dod").exit_code == 0
    rader = json_ut(kjor("logg", pasient, "--json"))
    assert "avslutt" in [r["handling"] for r in rader]


def test_ny_pasient_med_nytt_forlop_etter_residiv_vises_med_grunn_paa_norsk(
    kjor: Callable, pasient: int
) -> None:
    assert kjor("residiv", pasient, "--diagnosedato", I_GAR.isoformat()).exit_code == 0
    tekst = " ".join(kjor("vis", pasient).stdout.split())
    assert "residiv, nytt forløp" in tekst
    assert "Forløp 2" in tekst
