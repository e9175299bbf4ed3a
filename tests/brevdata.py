"""A fixed synthetic patient and conversations for the letter and consent tests.

Everything here is fixed (the fødselsnummer is a synthetic test number made from a seeded
generator), so the txt letters can be compared with golden files.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any

import time_machine

from hjelp import IDAG
from pakkehjem import fnr as fnr_regler

FNR = fnr_regler.lag_syntetisk(date(1958, 3, 14), random.Random(4))
DIAGNOSEDATO = "2026-08-03"  # SP2 window 3 Nov – 3 Dec 2026, so a conversation on 20 Nov is SP2
SAMTALEDATO = "2026-11-20"
BREVDATO = "2026-11-23"
PASIENT = {
    "navn": "Synne Testesen",
    "kommune": "Bergen",
    "fastlege": "Ola Lege",
    "diagnose": "C50.9",
}
AVSENDER = {
    "navn": "Randi Koordinator",
    "rolle": "kreftkoordinator",
    "tjeneste": "Kreftkoordinatortjenesten, Eksempel kommune",
    "telefon": "55 55 55 55",
}

# A conversation with a little of everything: needs with notes and actions, a theme the patient
# would not discuss, children, a flagged strain score, symptoms, consent, a booked next point.
FULL = {
    "tilstede_hvem": ["pasient", "pårørende"],
    "samtaleform": "hjemmebesøk",
    "tilstede_navn": "Per Testesen (ektefelle)",
    "hva_er_viktig": "At jeg kan være hjemme og ha overskudd til barnebarna. Å få sove om natta.",
    "familie_behov": "ingen behov",
    "jobb_behov": "behov",
    "jobb_notat": "Sykmeldt 100 % siden august. Vil gjerne tilbake i redusert stilling til våren.",
    "jobb_tiltak": [
        {
            "hva": "Avtale møte med NAV-veileder om gradert sykmelding",
            "ansvarlig": "NAV",
            "frist": "2026-12-15",
        }
    ],
    "okonomi_behov": "ønsker ikke å snakke om det",
    "hjemmet_behov": "ikke aktuelt",
    "rehabilitering_behov": "ingen behov",
    "fysisk_behov": "behov",
    "fysisk_notat": "Blir fort sliten; går korte turer daglig.",
    "fysisk_tiltak": [
        {"hva": "Henvisning til Frisklivssentralen", "ansvarlig": "fastlegen", "frist": "2026-12-01"}
    ],
    "ernaering_behov": "ingen behov",
    "psykisk_behov": "behov",
    "psykisk_notat": "Søvnvansker og uro om kvelden.",
    "psykisk_tiltak": [{"hva": "Samtale om søvn og uro", "ansvarlig": "fastlegen"}],
    "barn_under_18": True,
    "barn_antall_alder": "ett barnebarn bor fast hos oss, 9 år",
    "barn_informert": "delvis",
    "barn_behov": "ingen behov",
    "belastning_grad": 6,
    "belastning_notat": "Usikkerheten om jobben.",
    "symptomer_na": True,
    "symptom_smerte": 2,
    "symptom_tretthet": 7,
    "tiltak_avtalt": [
        {"hva": "Sende oppsummering til fastlegen", "ansvarlig": "kreftkoordinator", "frist": "2026-11-27"}
    ],
    "samtykke_fastlege": True,
    "samtykke_kommune": True,
    "samtykke_sykehus": True,
    "samtykke_nav": True,
    "samtykke_annen": True,
    "samtykke_annen_hvem": "Arbeidsgiver AS",
    "samtykke_annen_tema": ["jobb", "fysisk"],
    "neste_dato": "2027-09-01",
    "neste_tid": "10:00",
    "neste_sted": "Helsehuset, rom 3",
}

# Every theme answered, none with a need: no actions, no scores.
INGEN_BEHOV = {
    "samtaleform": "kontor",
    "hva_er_viktig": "Å leve som før.",
    **{
        f"{tema}_behov": "ingen behov"
        for tema in (
            "familie",
            "jobb",
            "okonomi",
            "hjemmet",
            "rehabilitering",
            "fysisk",
            "ernaering",
            "egen_helse",
            "ressurser",
            "fritid",
            "psykisk",
            "seksuell",
            "munn",
            "eksistensielt",
        )
    },  # fmt: skip
    "barn_under_18": False,
    "symptomer_na": False,
}

# Only consent answers: for the consent matrix the consent comes from the command.
UTEN_SAMTYKKE = {"samtaleform": "telefon", "hva_er_viktig": "Ro."}


def lag_pasient(ny_pasient: Callable[..., dict], fnr: str = FNR, **ekstra: str) -> dict:
    """The fixed patient (a synthetic number), registered as of IDAG."""
    return ny_pasient(DIAGNOSEDATO, fnr=fnr, dato=IDAG, **{**PASIENT, **ekstra})


def hold_samtale(
    kjor: Callable[..., Any],
    mappe: Path,
    pasient_id: int,
    svar: dict[str, Any],
    sp: int = 2,
    dato: str = SAMTALEDATO,
) -> None:
    """A finished conversation from an answers file (the `samtale --svar` path)."""
    fil = mappe / f"svar-{pasient_id}-{sp}.json"
    fil.write_text(json.dumps(svar, ensure_ascii=False), encoding="utf-8")
    # `samtale` refuses a date after today: hold it "on" IDAG whatever the machine's clock says.
    with time_machine.travel(datetime.fromisoformat(f"{IDAG}T12:00:00+01:00"), tick=False):
        resultat = kjor("samtale", str(pasient_id), "--sp", str(sp), "--svar", str(fil), "--dato", dato)
    assert resultat.exit_code == 0, resultat.output


def sett_avsender(kjor: Callable[..., Any]) -> None:
    """The fixed sender."""
    args = ["avsender"]
    for felt, verdi in AVSENDER.items():
        args += [f"--{felt}", verdi]
    resultat = kjor(*args)
    assert resultat.exit_code == 0, resultat.output


def pasient_med_samtale(
    kjor: Callable[..., Any], ny_pasient: Callable[..., dict], mappe: Path, svar: dict[str, Any]
) -> int:
    """The fixed patient with a finished conversation at SP2 answered `svar`, and the sender set;
    returns the patient's number. (For `fra_mal`: everything it makes is in the register.)"""
    pasient = lag_pasient(ny_pasient)
    hold_samtale(kjor, mappe, pasient["id"], svar)
    sett_avsender(kjor)
    return int(pasient["id"])
