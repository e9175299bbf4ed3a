"""`pakkehjem kalender`: booked conversations as iCalendar, parsed back with `icalendar`."""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterator
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
import pytest

from hjelp import json_ut, melding

OSLO = ZoneInfo("Europe/Oslo")
IDAG = date.today()
VINTER = date(IDAG.year + 1, 1, 14)  # normal time, UTC+1
SOMMER = date(IDAG.year + 1, 7, 8)  # summer time, UTC+2


def les(data: bytes | str) -> icalendar.Calendar:
    if isinstance(data, str):
        data = data.encode("utf-8")
    return icalendar.Calendar.from_ical(data)


def hendelser(kalender: icalendar.Calendar) -> dict[str, Any]:
    return {str(e["uid"]): e for e in kalender.walk("VEVENT")}


@pytest.fixture
def umask_022() -> Iterator[None]:
    """A permissive umask, as in a user's shell: the tool must not rely on it."""
    gammel = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(gammel)


@pytest.fixture
def avtaler(kjor: Callable, ny_pasient: Callable) -> dict[str, dict]:
    """Four patients: two booked by Tone Vik (with and without time), one by Siri Solheim
    in summer time, one not booked."""
    diagnose = (IDAG - timedelta(days=10)).isoformat()
    pasienter = {
        "klokke": ny_pasient(
            diagnose, dato=IDAG.isoformat(), navn="Kari Klokkeslett", koordinator="Tone Vik"
        ),
        "heldag": ny_pasient(diagnose, dato=IDAG.isoformat(), navn="Per Heldag", koordinator="Tone Vik"),
        "sommer": ny_pasient(diagnose, dato=IDAG.isoformat(), navn="Åse Sommer", koordinator="Siri Solheim"),
        "ingen": ny_pasient(diagnose, dato=IDAG.isoformat(), navn="Ola Ingenavtale", koordinator="Tone Vik"),
    }
    for args in (
        ("avtal", pasienter["klokke"]["id"], VINTER.isoformat(), "--kl", "9:30", "--sted", "Hjemmebesøk"),
        ("avtal", pasienter["heldag"]["id"], VINTER.isoformat()),
        ("avtal", pasienter["sommer"]["id"], SOMMER.isoformat(), "--kl", "14.00", "--sted", "Video"),
    ):
        resultat = kjor(*args, "--dato", IDAG.isoformat())
        assert resultat.exit_code == 0, resultat.output
    return pasienter


def test_alle_avtaler_som_vevent_med_dato_klokkeslett_og_sted(kjor: Callable, avtaler: dict) -> None:
    resultat = kjor("kalender")
    assert resultat.exit_code == 0, resultat.output
    assert resultat.stdout.startswith("BEGIN:VCALENDAR")
    kalender = les(resultat.stdout_bytes)
    assert str(kalender["version"]) == "2.0"
    eventer = list(kalender.walk("VEVENT"))
    assert len(eventer) == 3, "the patient without a booking has no event"
    per_pasient = {int(str(e["summary"]).rsplit("nr. ", 1)[1].rstrip(")")): e for e in eventer}

    klokke = per_pasient[avtaler["klokke"]["id"]]
    start, slutt = klokke.decoded("dtstart"), klokke.decoded("dtend")
    assert start == datetime.combine(VINTER, time(9, 30), tzinfo=OSLO)
    assert start.utcoffset() == timedelta(hours=1)
    assert slutt - start == timedelta(minutes=60)
    assert str(klokke["location"]) == "Hjemmebesøk"
    assert str(klokke["summary"]) == f"Kartleggingssamtale SP1 (pasient nr. {avtaler['klokke']['id']})"

    heldag = per_pasient[avtaler["heldag"]["id"]]
    assert heldag.decoded("dtstart") == VINTER and not isinstance(heldag.decoded("dtstart"), datetime)
    assert heldag.decoded("dtend") == VINTER + timedelta(days=1)
    assert "location" not in heldag

    sommer = per_pasient[avtaler["sommer"]["id"]]
    assert sommer.decoded("dtstart") == datetime.combine(SOMMER, time(14, 0), tzinfo=OSLO)
    assert sommer.decoded("dtstart").utcoffset() == timedelta(hours=2)

    # Sorted by date and time.
    assert [e.decoded("dtstart") for e in eventer][-1] == sommer.decoded("dtstart")


def test_tidssonen_i_filen_gir_riktig_forskyvning_sommer_og_vinter(kjor: Callable, avtaler: dict) -> None:
    kalender = les(kjor("kalender").stdout_bytes)
    [sone] = kalender.walk("VTIMEZONE")
    assert str(sone["tzid"]) == "Europe/Oslo"
    tz = sone.to_tz()
    for dag in (VINTER, SOMMER, date(2030, 3, 31), date(2030, 10, 27)):
        lokal = datetime.combine(dag, time(12, 0))
        assert tz.utcoffset(lokal) == lokal.replace(tzinfo=OSLO).utcoffset(), dag


def test_titler_har_verken_navn_eller_fodselsnummer_som_standard(kjor: Callable, avtaler: dict) -> None:
    resultat = kjor("kalender")
    tekst = resultat.stdout
    for p in avtaler.values():
        for del_ in p["navn"].split():
            assert del_ not in tekst, del_
        assert p["fnr"] not in tekst and p["fnr"][:6] not in tekst
    for e in les(resultat.stdout_bytes).walk("VEVENT"):
        assert str(e["summary"]).startswith("Kartleggingssamtale SP")
        assert "kreft" not in str(e["summary"]).lower()
        assert str(e["class"]) == "PRIVATE"


def test_med_navn_tar_med_navnet_i_tittelen(kjor: Callable, avtaler: dict) -> None:
    kalender = les(kjor("kalender", avtaler["sommer"]["id"], "--med-navn").stdout_bytes)
    [e] = kalender.walk("VEVENT")
    assert str(e["summary"]) == f"Kartleggingssamtale SP1: Åse Sommer (pasient nr. {avtaler['sommer']['id']})"
    assert avtaler["sommer"]["fnr"] not in kalender.to_ical().decode()


def test_uid_er_stabil_mellom_eksporter(kjor: Callable, avtaler: dict) -> None:
    forste = hendelser(les(kjor("kalender").stdout_bytes))
    andre = hendelser(les(kjor("kalender").stdout_bytes))
    assert set(forste) == set(andre)
    assert all(u.startswith("pakkehjem-sp-") and u.endswith("@pakkehjem") for u in forste)


def test_en_pasient_og_en_koordinator(kjor: Callable, avtaler: dict) -> None:
    en = les(kjor("kalender", avtaler["heldag"]["fnr"]).stdout_bytes)
    assert [str(e["summary"]) for e in en.walk("VEVENT")] == [
        f"Kartleggingssamtale SP1 (pasient nr. {avtaler['heldag']['id']})"
    ]
    tone = les(kjor("kalender", "--koordinator", "tone vik").stdout_bytes)
    nummer = sorted(int(str(e["summary"]).rsplit("nr. ", 1)[1].rstrip(")")) for e in tone.walk("VEVENT"))
    assert nummer == sorted([avtaler["klokke"]["id"], avtaler["heldag"]["id"]])
    ingen = kjor("kalender", avtaler["ingen"]["id"])
    assert ingen.exit_code == 0
    assert list(les(ingen.stdout_bytes).walk("VEVENT")) == []
    assert "Ingen avtalte samtaler" in melding(ingen)


def test_varighet(kjor: Callable, avtaler: dict, forvent_feil: Callable) -> None:
    [e] = les(kjor("kalender", avtaler["klokke"]["id"], "--varighet", "45").stdout_bytes).walk("VEVENT")
    assert e.decoded("dtend") - e.decoded("dtstart") == timedelta(minutes=45)
    forvent_feil(kjor("kalender", "--varighet", "0"), 2, "--varighet")


def test_avtalen_i_et_avsluttet_forlop_eksporteres_som_avlyst(kjor: Callable, avtaler: dict) -> None:
    """A synced phone drops an event only when told: the booking stays, cancelled, same UID."""
    for_ = {str(e["uid"]): e for e in les(kjor("kalender").stdout_bytes).walk("VEVENT")}
    assert kjor("avslutt", avtaler["klokke"]["id"], "--grunn", "dod").exit_code == 0
    etter = {str(e["uid"]): e for e in les(kjor("kalender").stdout_bytes).walk("VEVENT")}
    assert etter.keys() == for_.keys()
    avlyst = [uid for uid, e in etter.items() if str(e["status"]) == "CANCELLED"]
    assert len(avlyst) == 1 and f"nr. {avtaler['klokke']['id']})" in str(etter[avlyst[0]]["summary"])
    assert etter[avlyst[0]].decoded("dtstart") == for_[avlyst[0]].decoded("dtstart")


def test_fil_skrives_med_modus_0600_og_skrives_ikke_over(
    kjor: Callable, avtaler: dict, tmp_path: Path, umask_022: None, forvent_feil: Callable
) -> None:
    fil = tmp_path / "avtaler.ics"
    resultat = kjor("kalender", "-o", fil)
    assert resultat.exit_code == 0, resultat.output
    assert resultat.stdout == ""
    assert "Skrev 3 avtaler" in melding(resultat)
    assert stat.S_IMODE(fil.stat().st_mode) == 0o600
    assert len(list(les(fil.read_bytes()).walk("VEVENT"))) == 3
    assert fil.read_bytes().count(b"\r\n") > 10, "RFC 5545 lines end in CRLF"

    innhold = fil.read_bytes()
    forvent_feil(kjor("kalender", "-o", fil), 1, "finnes fra før", "--overskriv")
    assert fil.read_bytes() == innhold

    fil.chmod(0o644)
    resultat = kjor("kalender", avtaler["klokke"]["id"], "-o", fil, "--overskriv")
    assert resultat.exit_code == 0, resultat.output
    assert stat.S_IMODE(fil.stat().st_mode) == 0o600, "replaced by a new 0600 file"
    assert len(list(les(fil.read_bytes()).walk("VEVENT"))) == 1
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".pakkehjem-")] == []


def test_fil_i_mappe_som_ikke_finnes_gir_exit_1(
    kjor: Callable, avtaler: dict, tmp_path: Path, forvent_feil: Callable, radtall: Callable
) -> None:
    for_ = radtall()
    forvent_feil(kjor("kalender", "-o", tmp_path / "finnes" / "ikke.ics"), 1, "finnes ikke")
    assert radtall() == for_, "refused before any patient data was read"


def test_kalender_logges_per_pasient(kjor: Callable, avtaler: dict) -> None:
    assert kjor("kalender", "--koordinator", "Tone Vik").exit_code == 0
    rader = json_ut(kjor("logg", "--json"))
    kalender = sorted(r["pasient_id"] for r in rader if r["handling"] == "kalender")
    assert kalender == sorted([avtaler["klokke"]["id"], avtaler["heldag"]["id"]])

    assert kjor("kalender", avtaler["ingen"]["id"]).exit_code == 0
    rader = json_ut(kjor("logg", avtaler["ingen"]["id"], "--json"))
    assert [r["handling"] for r in rader].count("kalender") == 1


def test_kalender_for_ukjent_pasient_gir_exit_1(
    kjor: Callable, testregister: Path, forvent_feil: Callable
) -> None:
    forvent_feil(kjor("kalender", "4242"), 1, "Ingen pasient")


def test_icalendar_lastes_ikke_ved_oppstart() -> None:
    import subprocess
    import sys

    kode = "import sys, pakkehjem.cli; print('icalendar' in sys.modules)"
    resultat = subprocess.run([sys.executable, "-c", kode], capture_output=True, text=True, timeout=60)
    assert resultat.stdout.strip() == "False", resultat.stderr
