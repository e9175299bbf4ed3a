"""`pakkehjem samtale`, `guide`, `sjekk-guide`, `tiltak` and `tiltak-utfort` through the CLI, with
typed input (CliRunner) and answers files. The register points at a small test guide
(tests/samtalehjelp.py) so that a whole conversation is a dozen lines of input."""

from __future__ import annotations

import json
import socket
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from hjelp import json_ut, melding
from pakkehjem import guide as guide_modul
from samtalehjelp import TESTGUIDE, TESTGUIDE_B, skriv_guide

IDAG = date.today()  # `samtale` holds the conversation today; --dato may not be later
DIAGNOSEDATO = IDAG - timedelta(days=21)  # SP1 is due now
# Deadlines of actions agreed in a conversation held today: after it, whatever day the suite runs.
FRIST = IDAG + timedelta(days=14)
NAV_FRIST = IDAG + timedelta(days=8)
HJELP_FRIST = IDAG + timedelta(days=17)
NESTE_DATO = IDAG + timedelta(days=60)

# A whole conversation through the test guide, one line per prompt.
HEL_SAMTALE = [
    "2",  # form: kontor
    "1,3",  # tilstede: pasient, tolk
    "Ali Hassan",  # tolk_navn, free text: Enter stores it
    "behov",  # behov
    "ja",  # barn
    "To barn, 8 og 12 år.",  # barn_notat
    "Ringe helsesykepleier",  # barn_tiltak: what
    "4",  # who: kommunen (number 4 in the list)
    FRIST.strftime("%d.%m.%Y"),  # by when
    "",  # no more actions
    "6",  # belastning (flagged: 4 or more)
    "ja",  # samtykke_fastlege
    NESTE_DATO.strftime("%d.%m.%Y"),  # neste_dato
    "",  # confirm the end: [J/n]
]
HEL_SAMTALE_SVAR = {
    "form": "kontor",
    "tilstede": ["pasient", "tolk"],
    "tolk_navn": "Ali Hassan",
    "behov": "behov",
    "barn": True,
    "barn_notat": "To barn, 8 og 12 år.",
    "barn_tiltak": [{"hva": "Ringe helsesykepleier", "ansvarlig": "kommunen", "frist": FRIST.isoformat()}],
    "belastning": 6,
    "samtykke_fastlege": True,
    "neste_dato": NESTE_DATO.isoformat(),
}


def linjer(*rader: str) -> str:
    return "".join(f"{r}\n" for r in rader)


@pytest.fixture
def guidefil(kjor: Callable, testregister: Path, tmp_path: Path) -> Path:
    """The register uses the test guide."""
    sti = skriv_guide(tmp_path)
    resultat = kjor("innstillinger", "guide", sti)
    assert resultat.exit_code == 0, resultat.output
    return sti


@pytest.fixture
def pasient(guidefil: Path, ny_pasient: Callable) -> int:
    """A patient whose SP1 is due now; the register uses the test guide."""
    return ny_pasient(DIAGNOSEDATO.isoformat(), dato=IDAG.isoformat())["id"]


@pytest.fixture
def tell(db_sti: Path) -> Callable[[], dict[str, int]]:
    """Row counts of every table, read straight from the file."""

    def tell() -> dict[str, int]:
        tilkobling = sqlite3.connect(db_sti)
        try:
            tabeller = [
                r[0] for r in tilkobling.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            ]
            return {t: tilkobling.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tabeller}
        finally:
            tilkobling.close()

    return tell


def vis(kjor: Callable, pasient: int) -> dict[str, Any]:
    return json_ut(kjor("vis", pasient, "--json"))


def punkt(data: dict[str, Any], sp: int) -> dict[str, Any]:
    return next(s for s in data["forlop"][0]["samhandlingspunkter"] if s["sp"] == sp)


def svarfil(mappe: Path, svar: Any, navn: str = "svar.json") -> Path:
    sti = mappe / navn
    if navn.endswith(".json"):
        sti.write_text(json.dumps(svar, ensure_ascii=False), encoding="utf-8")
    else:
        sti.write_text(yaml.safe_dump(svar, allow_unicode=True), encoding="utf-8")
    return sti


# --- a conversation typed at the prompt --------------------------------------------------------


def test_en_hel_samtale_lagrer_svar_tiltak_og_samtykke_og_setter_punktet_gjennomfort(
    kjor: Callable, pasient: int
) -> None:
    resultat = kjor("samtale", pasient, input=linjer(*HEL_SAMTALE))
    assert resultat.exit_code == 0, resultat.output
    ut = resultat.output
    assert "Kartleggingssamtale" in ut and "Testpasient" in ut
    for nr, tittel in enumerate(("Start", "Familie", "Avslutning"), 1):
        assert f"Tema {nr} av 3: {tittel}" in ut
    assert "6 av 10: følg opp belastningen" in ut
    assert "Oppsummering" in ut and "Samtalen er fullført. SP1 er gjennomført." in ut

    data = vis(kjor, pasient)
    [samtale] = data["samtaler"]
    assert (samtale["sp"], samtale["status"], samtale["dato"]) == (1, "fullfort", IDAG.isoformat())
    assert samtale["svar"] == HEL_SAMTALE_SVAR
    [tiltak] = data["tiltak"]
    assert {k: tiltak[k] for k in ("hva", "ansvarlig", "frist", "status")} == {
        "hva": "Ringe helsesykepleier",
        "ansvarlig": "kommunen",
        "frist": FRIST.isoformat(),
        "status": "apen",
    }
    [samtykke] = data["samtykke"]
    assert {k: samtykke[k] for k in ("mottaker", "svar", "dato")} == {
        "mottaker": "fastlege",
        "svar": "ja",
        "dato": IDAG.isoformat(),
    }
    sp1, sp2 = punkt(data, 1), punkt(data, 2)
    assert (sp1["status"], sp1["dato"]) == ("gjennomfort", IDAG.isoformat())
    assert (sp2["status"], sp2["dato"]) == ("avtalt", NESTE_DATO.isoformat()), "the agreed date books SP2"


def test_oppsummeringen_viser_svaret_foerst_og_det_som_ble_hoppet_over_som_hoppet_over(
    kjor: Callable, pasient: int
) -> None:
    rader = ["2", "1,3", "Ali Hassan", "behov", "hopp over", "6", "ja", NESTE_DATO.strftime("%d.%m.%Y")]
    ut = kjor("samtale", pasient, input=linjer(*rader, "pause")).output
    oppsummering = ut.split("Oppsummering", 1)[1].split("Påkrevde spørsmål uten svar", 1)[0]
    # Every theme in guide order, with its state under its title.
    assert oppsummering.index("Start") < oppsummering.index("Familie") < oppsummering.index("Avslutning")
    assert "delvis besvart" in oppsummering
    # The answer first, the question after it as a label; never the question above its answer.
    assert "behov  · Behov for hjelp med familien" in oppsummering
    assert "Ali Hassan  · Navn på tolken" in oppsummering
    assert (
        "6 av 10 (0 = ingen belastning, 10 = ekstrem belastning)  · Belastning fra 0 til 10" in oppsummering
    )
    assert f"{NESTE_DATO.strftime('%d.%m.%Y')}  · Dato for neste samtale" in oppsummering
    # What was skipped is said as skipped.
    assert "hoppet over  · Har du barn under 18" in oppsummering


def test_uten_avtalt_dato_tilbys_det_aa_avtale_neste_punkt_til_slutt(kjor: Callable, pasient: int) -> None:
    typet = linjer("1", "", "ingen behov", "", "", "", "", NESTE_DATO.strftime("%d.%m.%Y"))
    resultat = kjor("samtale", pasient, input=typet)
    assert resultat.exit_code == 0, resultat.output
    assert "Neste: SP2 (kommunen)" in resultat.output
    assert "Avtale neste samtale nå?" in resultat.output
    data = vis(kjor, pasient)
    assert data["samtaler"][0]["svar"] == {"form": "hjemme", "behov": "ingen behov"}
    assert (punkt(data, 2)["status"], punkt(data, 2)["dato"]) == ("avtalt", NESTE_DATO.isoformat())


def test_skalaverdi_utenfor_omraadet_spoerres_om_igjen(kjor: Callable, pasient: int) -> None:
    typet = linjer("2", "", "ingen behov", "11", "mye", "-1", "5", "", "", "", "")
    resultat = kjor("samtale", pasient, input=typet)
    assert resultat.exit_code == 0, resultat.output
    assert "Tallet må være fra 0 til 10." in resultat.output
    assert "Skriv et helt tall fra 0 til 10." in resultat.output
    assert resultat.output.count("Belastning fra 0 til 10") >= 1
    assert vis(kjor, pasient)["samtaler"][0]["svar"]["belastning"] == 5


def test_ugyldig_valg_og_dato_spoerres_om_igjen(kjor: Callable, pasient: int) -> None:
    # A refused answer stays in the editor to be corrected; «hopp over» leaves the question.
    typet = linjer("7", "båt", "kontor", "", "ingen behov", "3", "", "31.02.2027", "hopp over", "", "")
    resultat = kjor("samtale", pasient, input=typet)
    assert resultat.exit_code == 0, resultat.output
    assert "Det finnes ikke noe valg med det nummeret." in resultat.output
    assert "Det er ikke et av valgene" in resultat.output
    assert "finnes ikke i kalenderen" in resultat.output
    assert vis(kjor, pasient)["samtaler"][0]["svar"] == {
        "form": "kontor",
        "behov": "ingen behov",
        "belastning": 3,
    }


def test_paakrevd_sporsmaal_kan_ikke_staa_tomt(kjor: Callable, pasient: int) -> None:
    resultat = kjor("samtale", pasient, input=linjer("", "kontor", "pause"))
    assert resultat.exit_code == 0, resultat.output
    assert "Dette spørsmålet må besvares" in resultat.output
    assert vis(kjor, pasient)["samtaler"][0]["svar"] == {"form": "kontor"}


def test_hopp_over_tilbake_og_hjelp_ved_ledeteksten(kjor: Callable, pasient: int) -> None:
    typet = linjer(
        "?",  # form: the help text
        "2",  # form: kontor
        "tilbake",  # form again, showing the answer kept
        "",  # Enter keeps «kontor»
        "hopp over",  # tilstede: skipped
        "<",  # back to tilstede
        "1",  # tilstede: pasient
        "-",  # behov: skipped
        "<",  # behov again
        "<",  # tilstede again
        "",  # Enter keeps «pasient»; on to the first question not dealt with
        "pause",
    )
    resultat = kjor("samtale", pasient, input=typet)
    assert resultat.exit_code == 0, resultat.output
    assert "Velg hvor samtalen holdes." in resultat.output, "the question's help text"
    assert "[standard: kontor]" in resultat.output, "the earlier answer waits in the editor"
    assert "[standard: pasient]" in resultat.output
    assert "Belastning fra 0 til 10" in resultat.output.split("[standard: pasient]")[1]
    assert "Det er ikke et av valgene" not in resultat.output, "«?» asks the same question again"
    assert vis(kjor, pasient)["samtaler"][0]["svar"] == {"form": "kontor", "tilstede": ["pasient"]}


def test_meny_gaar_til_et_tema(kjor: Callable, pasient: int) -> None:
    resultat = kjor("samtale", pasient, input=linjer("2", "meny", "3", "4", "pause"))
    assert resultat.exit_code == 0, resultat.output
    assert "Tema 3 av 3: Avslutning" in resultat.output
    assert vis(kjor, pasient)["samtaler"][0]["svar"] == {"form": "kontor", "belastning": 4}


def test_pause_beholder_svarene_og_neste_gang_tilbys_aa_fortsette(kjor: Callable, pasient: int) -> None:
    forste = kjor("samtale", pasient, input=linjer("2", "", "behov", "pause"))
    assert forste.exit_code == 0, forste.output
    assert f"Fortsett senere med: pakkehjem samtale {pasient} --sp 1" in " ".join(forste.output.split())
    assert vis(kjor, pasient)["samtaler"][0]["svar"] == {"form": "kontor", "behov": "behov"}

    # Enter: yes, go on where you stopped; the next question is the first one not dealt with.
    andre = kjor("samtale", pasient, input=linjer("", "nei", "pause"))
    assert andre.exit_code == 0, andre.output
    assert "Fortsette der dere slapp?" in andre.output
    assert "med 2 svar" in andre.output
    etter_hodet = andre.output.split("Kartleggingssamtale", 1)[1]
    assert "Hvordan holdes samtalen?" not in etter_hodet and "Har du barn under 18?" in etter_hodet
    data = vis(kjor, pasient)
    assert len(data["samtaler"]) == 1
    assert data["samtaler"][0]["svar"] == {"form": "kontor", "behov": "behov", "barn": False}


def test_begynne_paa_nytt_sletter_de_tidligere_svarene(kjor: Callable, pasient: int) -> None:
    kjor("samtale", pasient, input=linjer("2", "1", "behov", "ja", "", "Ringe skolen", "1", "", "", "pause"))
    data = vis(kjor, pasient)
    assert len(data["samtaler"][0]["svar"]) == 5 and len(data["tiltak"]) == 1

    resultat = kjor("samtale", pasient, input=linjer("nei", "ja", "1", "pause"))
    assert resultat.exit_code == 0, resultat.output
    data = vis(kjor, pasient)
    assert data["samtaler"][0]["svar"] == {"form": "hjemme"}
    assert data["tiltak"] == []


def test_nei_til_aa_slette_fortsetter_med_svarene(kjor: Callable, pasient: int) -> None:
    kjor("samtale", pasient, input=linjer("2", "pause"))
    resultat = kjor("samtale", pasient, input=linjer("nei", "nei", "pause"))
    assert resultat.exit_code == 0, resultat.output
    assert vis(kjor, pasient)["samtaler"][0]["svar"] == {"form": "kontor"}


def test_slutt_paa_input_beholder_alle_svar_gitt_saa_langt(kjor: Callable, pasient: int) -> None:
    # Input ends after the free text: every answer given is kept, exit 130.
    resultat = kjor("samtale", pasient, input=linjer("2", "1,3", "Ali"))
    assert resultat.exit_code == 130, resultat.output
    assert "Samtalen er lagret med alt som er svart så langt" in resultat.output
    assert "Traceback" not in resultat.output
    data = vis(kjor, pasient)
    assert data["samtaler"][0]["status"] == "pagar"
    assert data["samtaler"][0]["svar"] == {
        "form": "kontor",
        "tilstede": ["pasient", "tolk"],
        "tolk_navn": "Ali",
    }
    assert punkt(data, 1)["status"] == "planlagt"


def test_ufullstendig_samtale_gaar_til_meny_og_fullfores_ikke(kjor: Callable, pasient: int) -> None:
    # Everything skipped: the required «form» is missing, so the end offers the themes instead.
    resultat = kjor("samtale", pasient, input=linjer("-", "", "", "", "", "", "1", "kontor", "", ""))
    assert "Påkrevde spørsmål uten svar: Hvordan holdes samtalen?" in resultat.output
    assert resultat.exit_code == 0, resultat.output
    data = vis(kjor, pasient)
    assert data["samtaler"][0]["status"] == "fullfort"
    assert data["samtaler"][0]["svar"] == {"form": "kontor"}


def test_slutt_paa_input_etter_at_samtalen_er_fullfort_ber_ikke_om_aa_fortsette(
    kjor: Callable, pasient: int
) -> None:
    # Input ends at the offer to book SP2: the conversation is finished, nothing to resume.
    resultat = kjor("samtale", pasient, input=linjer("kontor", "", "ingen behov", "", "", "", ""))
    assert resultat.exit_code == 0, resultat.output
    ut = " ".join(resultat.output.split())
    assert "Avtale neste samtale nå?" in ut
    assert "Fortsett senere" not in ut and "Neste samhandlingspunkt er ikke avtalt" in ut
    data = vis(kjor, pasient)
    assert data["samtaler"][0]["status"] == "fullfort"
    assert (punkt(data, 1)["status"], punkt(data, 2)["status"]) == ("gjennomfort", "planlagt")


@pytest.fixture
def annen_levende_prosess() -> Iterator[int]:
    prosess = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        yield prosess.pid
    finally:
        prosess.kill()
        prosess.wait()


def test_to_koordinatorer_kan_ikke_holde_samme_samtale(
    kjor: Callable, pasient: int, db_sti: Path, annen_levende_prosess: int, forvent_feil: Callable
) -> None:
    from pakkehjem.register import Register
    from pakkehjem.samtale import aktiv_guide

    register = Register.fra_fil(db_sti)
    try:
        guide = aktiv_guide(register)
        guide_ref = register.samtaler.lagre_guide(guide.id, guide.versjon, guide.kilde)
        eier = f"{annen_levende_prosess}@{socket.gethostname()}"
        register.samtaler.begynn_eller_fortsett(str(pasient), None, IDAG, guide_ref, eier)
    finally:
        register.lukk()
    forvent_feil(kjor("samtale", pasient, input="2\n"), 1, "åpen hos en annen bruker")


def test_samtale_for_ukjent_pasient_gir_exit_1(
    kjor: Callable, testregister: Path, forvent_feil: Callable
) -> None:
    forvent_feil(kjor("samtale", "999", input="\n"), 1, "Ingen pasient med nummer 999")


def test_samtale_for_et_punkt_som_ikke_finnes_gir_exit_2(
    kjor: Callable, pasient: int, forvent_feil: Callable
) -> None:
    forvent_feil(kjor("samtale", pasient, "--sp", "7"), 2, "--sp 7")


def test_samtale_for_et_gjennomfort_punkt_avvises(
    kjor: Callable, pasient: int, forvent_feil: Callable
) -> None:
    assert kjor("samtale", pasient, input=linjer(*HEL_SAMTALE)).exit_code == 0
    forvent_feil(kjor("samtale", pasient, "--sp", "1", input="\n"), 1, "allerede gjennomført")


def test_samtaledato_fram_i_tid_gir_exit_2(kjor: Callable, pasient: int, forvent_feil: Callable) -> None:
    forvent_feil(kjor("samtale", pasient, "--dato", NESTE_DATO.isoformat()), 2, "fram i tid")


def tilgang(db_sti: Path, handling: str) -> int:
    """Rows of the access log with this action."""
    tilkobling = sqlite3.connect(db_sti)
    try:
        return tilkobling.execute(
            "SELECT count(*) FROM tilgangslogg WHERE handling = ?", (handling,)
        ).fetchone()[0]
    finally:
        tilkobling.close()


def test_forkast_fjerner_en_samtale_uten_svar_og_logger_det(
    kjor: Callable, pasient: int, db_sti: Path
) -> None:
    # Opened by mistake, nothing answered (one question skipped): it can go.
    assert kjor("samtale", pasient, input=linjer("-", "pause")).exit_code == 0
    assert vis(kjor, pasient)["samtaler"][0]["svar"] == {}
    resultat = kjor("samtale", pasient, "--forkast")
    assert resultat.exit_code == 0, resultat.output
    assert "Den tomme samtalen for SP1 er forkastet" in " ".join(resultat.output.split())
    data = vis(kjor, pasient)
    assert data["samtaler"] == []
    assert any("forkastet" in h["tekst"] for h in data["hendelser"])
    assert tilgang(db_sti, "samtale-forkast") == 1


def test_forkast_avviser_en_samtale_med_svar(
    kjor: Callable, pasient: int, forvent_feil: Callable, db_sti: Path
) -> None:
    kjor("samtale", pasient, input=linjer("2", "pause"))
    forvent_feil(kjor("samtale", pasient, "--forkast"), 1, "har 1 svar", "kan ikke forkastes")
    assert vis(kjor, pasient)["samtaler"][0]["svar"] == {"form": "kontor"}
    forvent_feil(kjor("samtale", pasient, "--sp", "2", "--forkast"), 1, "ingen påbegynt samtale for SP2")


def test_hefte_og_saa_samtalen_fortsetter_ved_forste_spoersmaal_uten_svar(
    kjor: Callable, pasient: int, tmp_path: Path
) -> None:
    hefte = svarfil(tmp_path, {"form": "kontor", "tilstede": ["pasient"], "belastning": 3}, "hefte.yaml")
    typet = linjer("ingen behov", "ja", "", "", "")  # behov, samtykke, neste_dato, [J/n], no booking
    resultat = kjor("samtale", pasient, "--svar", hefte, "--fortsett", input=typet)
    assert resultat.exit_code == 0, resultat.output
    ut = resultat.output
    assert "3 svar fra heftet er lagret" in ut and "Fortsette der dere slapp?" not in ut
    etter_hodet = ut.split("Kartleggingssamtale", 1)[1].split("Oppsummering", 1)[0]
    assert "Hvordan holdes samtalen?" not in etter_hodet, "the booklet's answers are not asked again"
    assert "Behov for hjelp med familien?" in etter_hodet
    [samtalen] = vis(kjor, pasient)["samtaler"]
    assert samtalen["status"] == "fullfort"
    assert samtalen["svar"] == {
        "form": "kontor",
        "tilstede": ["pasient"],
        "behov": "ingen behov",
        "belastning": 3,
        "samtykke_fastlege": True,
    }


def test_fortsett_uten_svarfil_og_forkast_med_svarfil_er_feil_bruk(
    kjor: Callable, pasient: int, tmp_path: Path, forvent_feil: Callable
) -> None:
    forvent_feil(kjor("samtale", pasient, "--fortsett"), 2, "--fortsett hører til --svar")
    hefte = svarfil(tmp_path, {"form": "kontor"})
    forvent_feil(kjor("samtale", pasient, "--svar", hefte, "--forkast"), 2, "--forkast")
    assert vis(kjor, pasient)["samtaler"] == []


@pytest.mark.parametrize(
    ("skrevet", "klokke"),
    [("kl 10", "10:00"), ("kl. 9.30", "09:30"), ("14:15", "14:15"), ("klokka 8", "08:00")],
)
def test_klokkeslett_som_folk_skriver_det(skrevet: str, klokke: str) -> None:
    from pakkehjem.regler import normaliser_klokkeslett

    assert normaliser_klokkeslett(skrevet) == klokke


def test_endre_en_fullfort_samtale_gir_en_ny_versjon_og_et_korrigert_brev(
    kjor: Callable, pasient: int, db_sti: Path, forvent_feil: Callable
) -> None:
    assert kjor("avsender", "--navn", "Randi Koordinator").exit_code == 0  # a letter needs a sender
    assert kjor("samtale", pasient, input=linjer(*HEL_SAMTALE)).exit_code == 0
    assert kjor("brev", pasient, "--til", "fastlege").exit_code == 0
    forvent_feil(kjor("samtale", pasient, "--sp", "1"), 1, "allerede gjennomført", "--endre")

    # The menu first; theme 3; the stored 6 stands in the editor and becomes 8; then the summary.
    resultat = kjor("samtale", pasient, "--sp", "1", "--endre", input=linjer("3", "8", ""))
    assert resultat.exit_code == 0, resultat.output
    assert "den forrige versjonen beholdes" in " ".join(resultat.output.split())
    assert "[standard: 6]" in resultat.output
    assert "Lagre endringene som en ny versjon av samtalen?" in resultat.output
    assert "Endringene er lagret for SP1" in resultat.output

    data = vis(kjor, pasient)
    forste, andre = data["samtaler"]
    assert (forste["status"], forste["svar"]["belastning"], forste["erstattet_av"]) == (
        "fullfort",
        6,
        andre["id"],
    )
    assert (andre["status"], andre["svar"]["belastning"], andre["erstatter"]) == ("fullfort", 8, forste["id"])
    assert {k: v for k, v in andre["svar"].items() if k != "belastning"} == {
        k: v for k, v in forste["svar"].items() if k != "belastning"
    }
    assert len(data["tiltak"]) == 1, "the action moves to the new version; it is not doubled"
    assert punkt(data, 1)["status"] == "gjennomfort"
    tekster = [h["tekst"] for h in data["hendelser"]]
    assert any("åpnet for endring" in h for h in tekster) and any("er endret" in h for h in tekster)
    assert tilgang(db_sti, "samtale-endre") == 1
    historikk = " ".join(kjor("vis", pasient).output.split())
    assert f"erstattet av nr. {andre['id']}, beholdt som historikk" in historikk

    brevet = kjor("brev", pasient, "--til", "fastlege")
    assert brevet.exit_code == 0, brevet.output
    idag = IDAG.strftime("%d.%m.%Y")
    assert f"Korrigert {idag}. Erstatter brevet av {idag}." in brevet.stdout


def test_endre_krever_sp_og_et_gjennomfort_punkt(
    kjor: Callable, pasient: int, forvent_feil: Callable
) -> None:
    forvent_feil(kjor("samtale", pasient, "--endre"), 2, "--sp N")
    forvent_feil(kjor("samtale", pasient, "--sp", "1", "--endre"), 1, "ikke gjennomført")
    assert vis(kjor, pasient)["samtaler"] == []


# --- answers files (--svar) ------------------------------------------------------------------

GYLDIGE_SVAR = {
    "form": "hjemme",
    "tilstede": ["pasient", "pårørende"],
    "behov": "behov",
    "barn": "ja",
    "barn_notat": "Ett barn på 9.",
    "barn_tiltak": [
        {"hva": "Samtale med helsesykepleier", "ansvarlig": "kommunen", "frist": f"{FRIST:%d.%m.%Y}"},
        {"hva": "Kontakte Kreftforeningen", "ansvarlig": "pasienten"},
    ],
    "belastning": 3,
    "samtykke_fastlege": False,
    "neste_dato": NESTE_DATO.isoformat(),
}
NORMALISERT = {
    **GYLDIGE_SVAR,
    "barn": True,
    "barn_tiltak": [
        {"hva": "Samtale med helsesykepleier", "ansvarlig": "kommunen", "frist": FRIST.isoformat()},
        {"hva": "Kontakte Kreftforeningen", "ansvarlig": "pasienten", "frist": None},
    ],
}


@pytest.mark.parametrize("navn", ["svar.json", "svar.yaml"])
def test_svarfil_lagrer_alt_og_setter_punktet_gjennomfort_paa_datoen(
    kjor: Callable, pasient: int, tmp_path: Path, navn: str
) -> None:
    samtaledato = IDAG - timedelta(days=2)
    resultat = kjor(
        "samtale", pasient, "--svar", svarfil(tmp_path, GYLDIGE_SVAR, navn), "--dato", samtaledato.isoformat()
    )
    assert resultat.exit_code == 0, resultat.output
    assert "Samtalen er lagret og fullført" in melding(resultat)

    data = vis(kjor, pasient)
    [samtale] = data["samtaler"]
    assert set(samtale) >= {"id", "forlop", "sp", "dato", "status", "svar"}
    assert (samtale["forlop"], samtale["sp"], samtale["dato"], samtale["status"]) == (
        1,
        1,
        samtaledato.isoformat(),
        "fullfort",
    )
    assert samtale["svar"] == NORMALISERT
    assert list(samtale["svar"]) == list(NORMALISERT), "answers in the guide's order"
    assert [(t["hva"], t["ansvarlig"], t["frist"], t["status"]) for t in data["tiltak"]] == [
        ("Samtale med helsesykepleier", "kommunen", FRIST.isoformat(), "apen"),
        ("Kontakte Kreftforeningen", "pasienten", None, "apen"),
    ]
    assert [(s["mottaker"], s["svar"], s["dato"]) for s in data["samtykke"]] == [
        ("fastlege", "nei", samtaledato.isoformat())
    ]
    assert (punkt(data, 1)["status"], punkt(data, 1)["dato"]) == ("gjennomfort", samtaledato.isoformat())
    assert (punkt(data, 2)["status"], punkt(data, 2)["dato"]) == ("avtalt", NESTE_DATO.isoformat())


@pytest.mark.parametrize("navn", ["svar.json", "svar.yaml"])
def test_svarfil_lagret_med_byte_order_mark_leses(
    kjor: Callable, pasient: int, tmp_path: Path, navn: str
) -> None:
    sti = svarfil(tmp_path, GYLDIGE_SVAR, navn)
    sti.write_bytes(b"\xef\xbb\xbf" + sti.read_bytes())  # as Notepad and Excel save UTF-8
    resultat = kjor("samtale", pasient, "--svar", sti, "--dato", (IDAG - timedelta(days=2)).isoformat())
    assert resultat.exit_code == 0, resultat.output
    assert vis(kjor, pasient)["samtaler"][0]["svar"] == NORMALISERT


def test_svarfil_med_valg_i_andre_store_bokstaver_og_null_som_ubesvart(
    kjor: Callable, pasient: int, tmp_path: Path
) -> None:
    resultat = kjor("samtale", pasient, "--svar", svarfil(tmp_path, {"form": "video"}), "--sp", "1")
    # «video» is not a choice of the test guide: the file is refused ...
    assert resultat.exit_code == 2
    resultat = kjor("samtale", pasient, "--svar", svarfil(tmp_path, {"form": "Telefon", "tilstede": None}))
    # ... «Telefon» is (any case), and null means unanswered.
    assert resultat.exit_code == 0, resultat.output
    data = vis(kjor, pasient)
    assert data["samtaler"][0]["svar"] == {"form": "telefon"}
    assert punkt(data, 2)["status"] == "planlagt"


FEIL_I_SVARFILEN = [
    # (what is wrong, the answers, the question named, words of the message)
    ("ukjent id", {"form": "kontor", "hvem_er_du": "x"}, "hvem_er_du", "Ukjent spørsmål"),
    ("tekst er ikke tekst", {"form": "kontor", "tilstede": ["tolk"], "tolk_navn": 42}, "tolk_navn", "tekst"),
    ("tom tekst", {"form": "kontor", "tilstede": ["tolk"], "tolk_navn": "  "}, "tolk_navn", "tomt"),
    ("valg som ikke finnes", {"form": "båt"}, "form", "ett av valgene"),
    ("valg er en liste", {"form": ["kontor"]}, "form", "ett av valgene"),
    ("flervalg er ikke en liste", {"form": "kontor", "tilstede": "pasient"}, "tilstede", "liste"),
    (
        "flervalg med ukjent valg",
        {"form": "kontor", "tilstede": ["pasient", "hund"]},
        "tilstede",
        "Valg nr. 2",
    ),
    ("flervalg tom liste", {"form": "kontor", "tilstede": []}, "tilstede", "Listen er tom"),
    (
        "skala er ikke et tall",
        {"form": "kontor", "belastning": "mye"},
        "belastning",
        "helt tall fra 0 til 10",
    ),
    ("skala er et desimaltall", {"form": "kontor", "belastning": 4.5}, "belastning", "helt tall"),
    ("skala er ja", {"form": "kontor", "belastning": True}, "belastning", "helt tall"),
    ("skala over", {"form": "kontor", "belastning": 11}, "belastning", "fra 0 til 10"),
    ("skala under", {"form": "kontor", "belastning": -1}, "belastning", "fra 0 til 10"),
    (
        "janei er noe annet",
        {"form": "kontor", "samtykke_fastlege": "kanskje"},
        "samtykke_fastlege",
        "ja eller nei",
    ),
    ("janei er et tall", {"form": "kontor", "samtykke_fastlege": 1}, "samtykke_fastlege", "ja eller nei"),
    ("dato i feil form", {"form": "kontor", "neste_dato": "neste uke"}, "neste_dato", "ÅÅÅÅ-MM-DD"),
    ("dato som ikke finnes", {"form": "kontor", "neste_dato": "2027-02-30"}, "neste_dato", "kalenderen"),
    (
        "tiltak er ikke en liste",
        {"form": "kontor", "behov": "behov", "barn": True, "barn_tiltak": "ring"},
        "barn_tiltak",
        "liste med tiltak",
    ),
    (
        "tiltak uten ansvarlig",
        {"form": "kontor", "behov": "behov", "barn": True, "barn_tiltak": [{"hva": "x"}]},
        "barn_tiltak",
        "ansvarlig",
    ),
    (
        "tiltak med ukjent nøkkel",
        {
            "form": "kontor",
            "behov": "behov",
            "barn": True,
            "barn_tiltak": [{"hva": "x", "ansvarlig": "y", "hvor": "z"}],
        },
        "barn_tiltak",
        "ukjent nøkkel",
    ),
    (
        "tiltak med ugyldig frist",
        {
            "form": "kontor",
            "behov": "behov",
            "barn": True,
            "barn_tiltak": [{"hva": "x", "ansvarlig": "y", "frist": "snart"}],
        },
        "barn_tiltak",
        "frist",
    ),
    (
        "betingelse med er som ikke stemmer",
        {"form": "kontor", "tilstede": ["pasient"], "tolk_navn": "Ali"},
        "tolk_navn",
        "stilles bare når",
    ),
    (
        "betingelse på et spørsmål uten svar",
        {"form": "kontor", "tolk_navn": "Ali"},
        "tolk_navn",
        "stilles bare når",
    ),
    (
        "betingelse med en_av som ikke stemmer",
        {"form": "kontor", "behov": "ingen behov", "barn": False},
        "barn",
        "stilles bare når",
    ),
    (
        "kjedet betingelse som ikke stemmer",
        {"form": "kontor", "behov": "behov", "barn": False, "barn_notat": "x"},
        "barn_notat",
        "stilles bare når",
    ),
    ("påkrevd mangler", {"tilstede": ["pasient"]}, "form", "påkrevde"),
    ("påkrevd er null", {"form": None}, "form", "påkrevde"),
    ("påkrevd oppfølging mangler", {"form": "kontor", "behov": "vet ikke"}, "barn", "påkrevde"),
]


@pytest.mark.parametrize(
    ("svar", "sporsmal_id", "ord_"),
    [pytest.param(svar, sid, ord_, id=hva) for hva, svar, sid, ord_ in FEIL_I_SVARFILEN],
)
def test_ugyldig_svarfil_gir_exit_2_navngir_sporsmalet_og_lagrer_ingenting(
    kjor: Callable,
    pasient: int,
    tmp_path: Path,
    tell: Callable,
    forvent_feil: Callable,
    svar: dict,
    sporsmal_id: str,
    ord_: str,
) -> None:
    for navn in ("svar.json", "svar.yaml"):
        for_ = tell()
        tekst = forvent_feil(
            kjor("samtale", pasient, "--svar", svarfil(tmp_path, svar, navn)), 2, sporsmal_id, ord_
        )
        assert "ingenting er lagret" in tekst
        assert tell() == for_, "nothing stored, not even in the access log"
    data = vis(kjor, pasient)
    assert data["samtaler"] == [] and data["tiltak"] == [] and data["samtykke"] == []
    assert punkt(data, 1)["status"] == "planlagt"


def test_svarfilen_navngir_alle_feilene_paa_en_gang(
    kjor: Callable, pasient: int, tmp_path: Path, forvent_feil: Callable
) -> None:
    svar = {"form": "båt", "ukjent": 1, "belastning": 99, "samtykke_fastlege": "kanskje"}
    tekst = forvent_feil(kjor("samtale", pasient, "--svar", svarfil(tmp_path, svar)), 2)
    for sporsmal_id in ("form", "ukjent", "belastning", "samtykke_fastlege"):
        assert f"{sporsmal_id}:" in tekst
    assert "kanskje" not in tekst and "99" not in tekst, "the message does not repeat the answers"


@pytest.mark.parametrize(
    ("navn", "innhold", "ord_"),
    [
        pytest.param("svar.json", '{"form": "kontor",', "ikke gyldig JSON", id="ødelagt JSON"),
        pytest.param(
            "svar.yaml", "form: [kontor\nbehov: behov\n", "ikke gyldig JSON eller YAML", id="ødelagt YAML"
        ),
        pytest.param(
            "svar.json", '["form", "kontor"]', "må være en oversikt", id="JSON som ikke er en oversikt"
        ),
        pytest.param(
            "svar.yaml", "- form\n- kontor\n", "må være en oversikt", id="YAML som ikke er en oversikt"
        ),
        pytest.param("svar.yaml", "bare tekst\n", "må være en oversikt", id="YAML som er en tekst"),
        pytest.param("svar.yaml", "", "må være en oversikt", id="tom fil"),
        pytest.param("svar.yaml", "1: kontor\n", "må være en oversikt", id="nøkler som ikke er tekst"),
    ],
)
def test_svarfil_som_ikke_kan_leses_gir_exit_2_og_lagrer_ingenting(
    kjor: Callable,
    pasient: int,
    tmp_path: Path,
    tell: Callable,
    forvent_feil: Callable,
    navn: str,
    innhold: str,
    ord_: str,
) -> None:
    sti = tmp_path / navn
    sti.write_text(innhold, encoding="utf-8")
    for_ = tell()
    forvent_feil(kjor("samtale", pasient, "--svar", sti), 2, navn, ord_)
    assert tell() == for_


def test_svarfil_som_ikke_finnes_gir_exit_2(
    kjor: Callable, pasient: int, tmp_path: Path, tell: Callable, forvent_feil: Callable
) -> None:
    for_ = tell()
    forvent_feil(kjor("samtale", pasient, "--svar", tmp_path / "borte.json"), 2, "borte.json", "Finner ikke")
    assert tell() == for_


def test_svarfil_avvises_naar_en_samtale_er_paabegynt(
    kjor: Callable, pasient: int, tmp_path: Path, tell: Callable, forvent_feil: Callable
) -> None:
    kjor("samtale", pasient, input=linjer("2", "pause"))
    for_ = tell()
    forvent_feil(kjor("samtale", pasient, "--svar", svarfil(tmp_path, GYLDIGE_SVAR)), 1, "påbegynt samtale")
    assert tell() == for_


# --- the guide ---------------------------------------------------------------------------------


def sjekk_guide_json(data: dict[str, Any]) -> list[str]:
    """The shape cli.md gives for `guide --json`; returns every question id."""
    assert set(data) >= {"id", "tittel", "versjon", "tema"}
    ider = []
    for tema in data["tema"]:
        assert set(tema) >= {"id", "tittel", "sporsmal"}
        for s in tema["sporsmal"]:
            assert set(s) >= {"id", "tekst", "type"}
            assert s["type"] in guide_modul.TYPER
            if s["type"] in ("valg", "flervalg"):
                assert isinstance(s["valg"], list) and all(isinstance(v, str) for v in s["valg"])
            if s["type"] == "skala":
                assert isinstance(s["min"], int) and isinstance(s["max"], int) and s["min"] < s["max"]
            if "vis_hvis" in s:
                betingelse = s["vis_hvis"]
                assert betingelse["sporsmal"] in ider, "a condition names an earlier question"
                assert ("er" in betingelse) != ("en_av" in betingelse)
            ider.append(s["id"])
    assert len(ider) == len(set(ider)), "question ids are unique across the guide"
    return ider


def test_guide_json_for_standardguiden(kjor: Callable, testregister: Path) -> None:
    data = json_ut(kjor("guide", "--json"))
    ider = sjekk_guide_json(data)
    assert data["id"] == "pakkehjem-standard" and len(data["tema"]) >= 16
    assert "samtaleform" in ider


def test_guide_json_for_den_valgte_guiden(kjor: Callable, guidefil: Path) -> None:
    data = json_ut(kjor("guide", "--json"))
    ider = sjekk_guide_json(data)
    assert (data["id"], data["versjon"]) == ("testguide", "1")
    assert ider == [s.id for s in guide_modul.fra_tekst(TESTGUIDE).alle_sporsmal()]
    sporsmal = {s["id"]: s for t in data["tema"] for s in t["sporsmal"]}
    assert sporsmal["form"]["pakrevd"] is True
    assert sporsmal["tolk_navn"]["vis_hvis"] == {"sporsmal": "tilstede", "er": "tolk"}
    assert sporsmal["barn"]["vis_hvis"] == {"sporsmal": "behov", "en_av": ["behov", "vet ikke"]}
    assert sporsmal["barn_notat"]["vis_hvis"] == {"sporsmal": "barn", "er": True}
    assert (sporsmal["belastning"]["min"], sporsmal["belastning"]["max"]) == (0, 10)


def test_guide_for_mennesker_viser_id_type_og_tekst(kjor: Callable, guidefil: Path) -> None:
    resultat = kjor("guide")
    assert resultat.exit_code == 0, resultat.output
    assert "tolk_navn (tekst) (ved betingelse): Navn på tolken" in resultat.output


def test_sjekk_guide_godtar_en_gyldig_guide(kjor: Callable, tmp_path: Path) -> None:
    resultat = kjor("sjekk-guide", skriv_guide(tmp_path))
    assert resultat.exit_code == 0, resultat.output
    assert "gyldig samtaleguide" in melding(resultat) and "10 spørsmål" in melding(resultat)


@pytest.mark.parametrize(
    ("fra", "til", "sporsmal_id", "ord_"),
    [
        ("type: skala", "type: glidebryter", "belastning", "ukjent type"),
        (
            "{sporsmal: barn, er: true}\n      - id: barn_tiltak",
            "{sporsmal: barna, er: true}\n      - id: barn_tiltak",
            "barn_notat",
            "ikke finnes",
        ),
        ("id: barn_notat", "id: behov", "behov", "to ganger"),
        ("max: 10", "max: 0", "belastning", "mindre enn"),
        ("samtykke: fastlege", "samtykke: naboen", "samtykke_fastlege", "samtykke"),
    ],
)
def test_sjekk_guide_paa_en_odelagt_guide_navngir_fil_og_sporsmal(
    kjor: Callable, tmp_path: Path, forvent_feil: Callable, fra: str, til: str, sporsmal_id: str, ord_: str
) -> None:
    assert fra in TESTGUIDE
    sti = skriv_guide(tmp_path, TESTGUIDE.replace(fra, til, 1), "odelagt.yaml")
    forvent_feil(kjor("sjekk-guide", sti), 2, "odelagt.yaml", f"«{sporsmal_id}»", ord_)


def test_sjekk_guide_paa_ugyldig_yaml_og_manglende_fil(
    kjor: Callable, tmp_path: Path, forvent_feil: Callable
) -> None:
    sti = skriv_guide(
        tmp_path, TESTGUIDE.replace('    tittel: "Familie"', '    tittel: "Familie'), "yaml.yaml"
    )
    forvent_feil(kjor("sjekk-guide", sti), 2, "yaml.yaml", "ikke gyldig YAML")
    forvent_feil(kjor("sjekk-guide", tmp_path / "borte.yaml"), 2, "borte.yaml", "finnes ikke")


def test_en_guide_med_en_odelagt_liste_over_ansvarlige_avvises_uten_traceback(
    kjor: Callable, testregister: Path, tmp_path: Path, forvent_feil: Callable
) -> None:
    tekst = TESTGUIDE.replace("tema:\n", "tiltak_ansvarlige: [fastlegen, fastlegen]\ntema:\n", 1)
    sti = skriv_guide(tmp_path, tekst, "odelagt.yaml")
    forvent_feil(kjor("sjekk-guide", sti), 2, "odelagt.yaml", "«tiltak_ansvarlige» har «fastlegen» to ganger")
    forvent_feil(kjor("innstillinger", "guide", sti), 2, "to ganger")


def test_innstillingen_guide_godtar_ikke_en_odelagt_guide(
    kjor: Callable, testregister: Path, tmp_path: Path, forvent_feil: Callable
) -> None:
    sti = skriv_guide(tmp_path, TESTGUIDE.replace("type: skala", "type: glidebryter"), "odelagt.yaml")
    forvent_feil(kjor("innstillinger", "guide", sti), 2, "belastning")
    assert json_ut(kjor("guide", "--json"))["id"] == "pakkehjem-standard"


def test_en_endret_guide_endrer_ikke_det_en_gammel_samtale_viser(
    kjor: Callable, pasient: int, guidefil: Path, tmp_path: Path
) -> None:
    svar = {"form": "kontor", "belastning": 7}
    assert kjor("samtale", pasient, "--svar", svarfil(tmp_path, svar)).exit_code == 0

    # The municipality rewords its guide, keeping the ids, in the same file.
    guidefil.write_text(TESTGUIDE_B, encoding="utf-8")
    assert json_ut(kjor("guide", "--json"))["versjon"] == "2"
    assert (
        kjor("samtale", pasient, "--svar", svarfil(tmp_path, {"form": "hjemme", "belastning": 2})).exit_code
        == 0
    )

    resultat = kjor("vis", pasient)
    assert resultat.exit_code == 0, resultat.output
    ut = resultat.output
    gammel, ny = ut.split("Nr. 2:", 1)
    assert "Hvordan holdes samtalen?: kontor" in gammel and "Belastning fra 0 til 10: 7" in gammel
    assert "Hvor møtes dere i dag?: hjemme" in ny and "Hvor tungt er det nå, fra 0 til 10?: 2" in ny
    assert "Hvor møtes dere i dag?" not in gammel


def test_en_annen_guide_i_innstillingen_endrer_ikke_en_paabegynt_samtale(
    kjor: Callable, pasient: int, tmp_path: Path
) -> None:
    kjor("samtale", pasient, input=linjer("2", "pause"))
    kjor("innstillinger", "guide", skriv_guide(tmp_path, TESTGUIDE_B, "b.yaml"))
    resultat = kjor("samtale", pasient, input=linjer("", "pause"))
    assert "Testguide (versjon 1)" in resultat.output, "a conversation goes on with the guide it began with"


# --- actions across patients -----------------------------------------------------------------


@pytest.fixture
def to_med_tiltak(kjor: Callable, guidefil: Path, ny_pasient: Callable, tmp_path: Path) -> tuple[dict, dict]:
    """Two patients, each with actions from a conversation."""
    pasienter = []
    for navn, tiltak in (
        (
            "Anne Tiltak",
            [{"hva": "Søke om hjelpemidler", "ansvarlig": "kommunen", "frist": HJELP_FRIST.isoformat()}],
        ),
        (
            "Bjørn Tiltak",
            [
                {"hva": "Ringe NAV", "ansvarlig": "pasienten", "frist": NAV_FRIST.isoformat()},
                {"hva": "Bestille time", "ansvarlig": "fastlegen"},
            ],
        ),
    ):
        pasient = ny_pasient(DIAGNOSEDATO.isoformat(), dato=IDAG.isoformat(), navn=navn)
        svar = {"form": "kontor", "behov": "behov", "barn": True, "barn_tiltak": tiltak}
        resultat = kjor("samtale", pasient["id"], "--svar", svarfil(tmp_path, svar))
        assert resultat.exit_code == 0, resultat.output
        pasienter.append(pasient)
    return pasienter[0], pasienter[1]


def test_tiltak_lister_aapne_tiltak_paa_tvers_av_pasienter_etter_frist(
    kjor: Callable, to_med_tiltak: tuple[dict, dict]
) -> None:
    anne, bjorn = to_med_tiltak
    rader = json_ut(kjor("tiltak", "--json", "--dato", "2026-11-23"))
    assert [(r["hva"], r["pasient_id"], r["frist"]) for r in rader] == [
        ("Ringe NAV", bjorn["id"], NAV_FRIST.isoformat()),
        ("Søke om hjelpemidler", anne["id"], HJELP_FRIST.isoformat()),
        ("Bestille time", bjorn["id"], None),
    ]
    for rad in rader:
        pasient = anne if rad["pasient_id"] == anne["id"] else bjorn
        assert rad["fnr"] == pasient["fnr"][:6] + "*****"
        assert pasient["fnr"] not in json.dumps(rader)
    assert [r["hva"] for r in json_ut(kjor("tiltak", "--json", "--ansvarlig", "Pasienten"))] == ["Ringe NAV"]
    mellom = (NAV_FRIST + timedelta(days=4)).isoformat()  # NAV's deadline passed, not the other
    forfalte = json_ut(kjor("tiltak", "--json", "--forfalte", "--dato", mellom))
    assert [(r["hva"], r["forfalt"]) for r in forfalte] == [("Ringe NAV", True)]


def test_tiltak_utfort_markerer_tiltaket_som_utfort(
    kjor: Callable, to_med_tiltak: tuple[dict, dict], forvent_feil: Callable
) -> None:
    anne, _ = to_med_tiltak
    [rad] = [r for r in json_ut(kjor("tiltak", "--json")) if r["pasient_id"] == anne["id"]]
    resultat = kjor("tiltak-utfort", rad["id"], "--dato", "2026-11-23")
    assert resultat.exit_code == 0, resultat.output
    assert f"Tiltak {rad['id']}" in melding(resultat)
    assert rad["id"] not in [r["id"] for r in json_ut(kjor("tiltak", "--json"))]
    [tiltak] = vis(kjor, anne["id"])["tiltak"]
    assert (tiltak["status"], tiltak["utfort_dato"]) == ("utfort", "2026-11-23")
    forvent_feil(kjor("tiltak-utfort", rad["id"]), 1, "allerede utført")


def test_tiltak_utfort_for_ukjent_tiltak_gir_exit_1(
    kjor: Callable, to_med_tiltak: tuple[dict, dict], forvent_feil: Callable
) -> None:
    forvent_feil(kjor("tiltak-utfort", "999"), 1, "Ingen tiltak med nummer 999")


def test_ingen_aapne_tiltak_er_en_tom_liste(kjor: Callable, testregister: Path) -> None:
    assert json_ut(kjor("tiltak", "--json")) == []


def test_tiltak_for_mennesker_har_maskert_fodselsnummer(
    kjor: Callable, to_med_tiltak: tuple[dict, dict]
) -> None:
    anne, _ = to_med_tiltak
    resultat = kjor("tiltak")
    assert resultat.exit_code == 0, resultat.output
    assert "Søke om hjelpemidler" in resultat.output
    assert anne["fnr"] not in resultat.output and anne["fnr"][:6] + "*****" in resultat.output


def test_svarfilen_lagrer_samtykke_som_vis_viser(kjor: Callable, pasient: int, tmp_path: Path) -> None:
    svar = {"form": "kontor", "samtykke_fastlege": "ja"}
    assert kjor("samtale", pasient, "--svar", svarfil(tmp_path, svar, "s.yaml")).exit_code == 0
    resultat = kjor("vis", pasient)
    assert "fastlege: ja" in resultat.output
