"""`pakkehjem hefte`: the pre-visit booklet made from the active guide, read back by `samtale --svar`.

Snapshot tests pin the plain-text booklet and its answer file for the default guide (regenerate
with PAKKEHJEM_OPPDATER_GOLDEN=1 after reading the diff); the HTML and PDF are checked for what a
patient needs on paper: tick boxes, lines, a 0-10 row with its anchors, and whom to call.
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

import pytest
import yaml

from brevdata import BREVDATO, lag_pasient, sett_avsender
from hjelp import IDAG, json_ut, melding
from pakkehjem import guide as guide_modul
from pakkehjem import hefte

GOLDEN = Path(__file__).parent / "golden"
OPPDATER = os.environ.get("PAKKEHJEM_OPPDATER_GOLDEN") == "1"

EGEN_GUIDE = """\
id: egen
tittel: "Vår egen guide"
versjon: "2"
tema:
  - id: hverdag
    tittel: "Hverdagen"
    sporsmal:
      - {id: hverdag_viktig, tekst: "Hva gjør en god dag for deg?", type: tekst}
      - {id: hverdag_sovn, tekst: "Hvor godt sover du?", type: skala, min: 1, max: 5,
         min_tekst: "svært dårlig", max_tekst: "svært godt"}
      - {id: hverdag_hjelp, tekst: "Hvem hjelper deg?", type: flervalg, valg: [familie, venner, naboer]}
      - {id: hverdag_tiltak, tekst: "Avtalte tiltak", type: tiltak}
  - id: praktisk
    tittel: "Praktisk"
    hefte: false
    sporsmal:
      - {id: praktisk_form, tekst: "Hvor holdes samtalen?", type: valg, valg: [hjemme, kontor], pakrevd: true}
"""


def golden(navn: str, tekst: str) -> None:
    fil = GOLDEN / navn
    if OPPDATER:
        fil.write_text(tekst, encoding="utf-8")
    assert fil.exists(), f"{fil.name} mangler: kjør med PAKKEHJEM_OPPDATER_GOLDEN=1"
    assert tekst == fil.read_text(encoding="utf-8"), (
        f"Heftet avviker fra {fil.name}. Er endringen villet, kjør med "
        "PAKKEHJEM_OPPDATER_GOLDEN=1 og se over diffen."
    )


@pytest.fixture
def tjeneste(kjor, testregister) -> None:
    sett_avsender(kjor)


@pytest.fixture
def egen_guide(kjor, testregister, tmp_path) -> Path:
    fil = tmp_path / "egen.yaml"
    fil.write_text(EGEN_GUIDE, encoding="utf-8")
    assert kjor("innstillinger", "guide", str(fil)).exit_code == 0
    return fil


# --- snapshots ------------------------------------------------------------------------------


@pytest.mark.parametrize("sprak", ["bokmal", "nynorsk"])
def test_txt_booklet_of_the_default_guide_is_as_the_snapshot(kjor, tjeneste, sprak):
    resultat = kjor("hefte", "--format", "txt", "--sprak", sprak)
    assert resultat.exit_code == 0, resultat.output
    golden(f"hefte_{sprak}.txt", resultat.stdout)
    assert max(len(linje) for linje in resultat.stdout.splitlines()) <= 72


def test_answer_file_of_the_default_guide_is_as_the_snapshot(kjor, tjeneste):
    resultat = kjor("hefte", "--format", "svar")
    assert resultat.exit_code == 0, resultat.output
    golden("hefte_svar.yaml", resultat.stdout)


# --- what is on the paper ------------------------------------------------------------------


def test_html_booklet_has_tick_boxes_lines_and_anchored_scales(kjor, tjeneste):
    html = kjor("hefte", "--format", "html").stdout
    guiden = guide_modul.last_guide()

    # The service's name and phone, to call before the conversation.
    assert "Kreftkoordinatortjenesten, Eksempel kommune" in html and "55 55 55 55" in html
    # One tick box per choice, and two (ja, nei) per yes/no question, of the questions in the booklet.
    i_heftet = [
        s for t in guiden.tema if t.i_hefte and not any(x.samtykke or x.neste_avtale for x in t.sporsmal)
        for s in t.sporsmal if hefte.med_i_hefte(t, s)
    ]  # fmt: skip
    bokser = sum(len(s.valg or ()) for s in i_heftet) + 2 * sum(s.type == "janei" for s in i_heftet)
    assert html.count('<span class="boks"></span>') == bokser
    # Each scale: a row of 0..10 and both anchors.
    belastning = re.search(r'data-id="belastning_grad">(.*?)</div>\s*</div>', html, re.S)
    assert belastning is not None
    assert "".join(re.findall(r"<td>(\d+)</td>", belastning.group(1))) == "012345678910"
    assert "0 = ingen belastning" in belastning.group(1) and "10 = ekstrem belastning" in belastning.group(1)
    # Lines to write on for free text.
    assert re.search(r'data-id="hva_er_viktig">.*?(<div class="linje"></div>){4}', html, re.S)
    # Every question shows its id, so the answers go back by the same ids.
    assert all(f"id: {s.id}" in html for s in i_heftet)


def test_booklet_leaves_out_what_is_agreed_in_the_conversation(kjor, tjeneste):
    tekst = kjor("hefte", "--format", "txt").stdout

    for utenfor in ("familie_tiltak", "samtykke_fastlege", "neste_dato", "parorende_deling", "samtaleform"):
        assert f"id: {utenfor})" not in tekst
    assert "PÅRØRENDES EGNE BEHOV" in tekst and "Denne delen er for den pårørende." in tekst


def test_booklet_follows_a_custom_guide(kjor, egen_guide):
    tekst = kjor("hefte", "--format", "txt").stdout

    assert "HVERDAGEN" in tekst and "PRAKTISK" not in tekst
    assert "Hva gjør en god dag for deg? (id: hverdag_viktig)" in tekst
    assert "  1   2   3   4   5" in tekst and "1 = svært dårlig, 5 = svært godt" in tekst
    assert "Kryss av for alt som passer." in tekst and "[ ] naboer" in tekst
    assert "hverdag_tiltak" not in tekst
    assert "HVA ER VIKTIG" not in tekst  # nothing of the default guide


def test_without_a_sender_the_booklet_says_whom_to_call_anyway(kjor, testregister):
    tekst = kjor("hefte", "--format", "txt").stdout
    assert "Ring kreftkoordinatoren i kommunen din." in tekst


# --- read back by the same ids --------------------------------------------------------------


def test_filled_booklet_is_read_back_by_samtale_svar_with_the_same_ids(
    kjor, ny_pasient, egen_guide, tmp_path
):
    pid = str(lag_pasient(ny_pasient)["id"])
    mal = kjor("hefte", "--format", "svar").stdout
    ider = re.findall(r"^(\w+):", mal, re.M)
    assert ider == ["hverdag_viktig", "hverdag_sovn", "hverdag_hjelp", "praktisk_form"]

    # What the patient wrote on paper, typed into the answer file as it came out of `hefte`.
    utfylt = (
        mal.replace("hverdag_viktig:", 'hverdag_viktig: "Å gå tur med hunden"')
        .replace("hverdag_sovn:", "hverdag_sovn: 2")
        .replace("hverdag_hjelp:", "hverdag_hjelp: [familie, naboer]")
        .replace("praktisk_form:", "praktisk_form: hjemme")
    )
    fil = tmp_path / "svar.yaml"
    fil.write_text(utfylt, encoding="utf-8")
    resultat = kjor("samtale", pid, "--sp", "2", "--svar", str(fil), "--samtaledato", IDAG)
    assert resultat.exit_code == 0, resultat.output

    samtale = json_ut(kjor("vis", pid, "--json", "--idag", IDAG))["samtaler"][0]
    assert samtale["svar"] == {
        "hverdag_viktig": "Å gå tur med hunden",
        "hverdag_sovn": 2,
        "hverdag_hjelp": ["familie", "naboer"],
        "praktisk_form": "hjemme",
    }


def test_the_answer_file_of_the_default_guide_is_accepted_with_only_the_coordinators_field(
    kjor, ny_pasient, tmp_path
):
    pid = str(lag_pasient(ny_pasient)["id"])
    mal = kjor("hefte", "--format", "svar").stdout
    data = yaml.safe_load(mal.replace("samtaleform:", "samtaleform: kontor"))
    guiden = guide_modul.last_guide()
    assert set(data) <= {s.id for s in guiden.alle_sporsmal()}
    fil = tmp_path / "svar.yaml"
    fil.write_text(mal.replace("samtaleform:", "samtaleform: kontor"), encoding="utf-8")

    resultat = kjor("samtale", pid, "--sp", "2", "--svar", str(fil), "--samtaledato", IDAG)

    assert resultat.exit_code == 0, resultat.output


# --- files, formats and refusals ------------------------------------------------------------


@pytest.mark.usefixtures("weasyprint")
def test_pdf_goes_to_a_new_file_readable_only_by_the_owner(kjor, tjeneste, tmp_path, monkeypatch):
    pypdf = pytest.importorskip("pypdf")
    monkeypatch.chdir(tmp_path)

    resultat = kjor("hefte")

    assert resultat.exit_code == 0, resultat.output
    fil = tmp_path / "kartleggingshefte.pdf"
    assert stat.S_IMODE(fil.stat().st_mode) == 0o600
    tekst = " ".join(" ".join(side.extract_text() or "" for side in pypdf.PdfReader(fil).pages).split())
    assert "Kartleggingshefte" in tekst and "Familiesituasjon og nettverk" in tekst
    assert "0 = ingen belastning" in tekst and "55 55 55 55" in tekst
    again = kjor("hefte")
    assert again.exit_code == 1 and "finnes fra før" in melding(again)


def test_an_existing_file_is_refused_before_the_booklet_is_made(kjor, tjeneste, tmp_path, monkeypatch):
    # The refusal comes before the guide is laid out as a PDF (about a second), not after it.
    from pakkehjem import brev

    def ingen_pdf(*_a, **_k):
        raise AssertionError("the booklet was made before the target file was checked")

    monkeypatch.setattr(brev, "til_pdf", ingen_pdf)
    ut = tmp_path / "hefte.pdf"
    ut.write_bytes(b"et annet hefte")

    resultat = kjor("hefte", "--format", "pdf", "-o", str(ut))

    assert resultat.exit_code == 1, resultat.output
    assert "finnes fra før" in melding(resultat)
    assert ut.read_bytes() == b"et annet hefte"


def test_bad_format_or_language_is_exit_2(kjor, testregister):
    assert kjor("hefte", "--format", "docx").exit_code == 2
    resultat = kjor("hefte", "--sprak", "svensk", "--format", "txt")
    assert resultat.exit_code == 2 and "bokmal eller nynorsk" in melding(resultat)


# --- with the invitation ------------------------------------------------------------------


@pytest.fixture
def avtalt(kjor, ny_pasient) -> str:
    pid = str(lag_pasient(ny_pasient)["id"])
    resultat = kjor(
        "avtal", pid, "2026-11-26", "--sp", "2", "--kl", "10:00", "--sted", "Hjemmebesøk", "--idag", IDAG
    )
    assert resultat.exit_code == 0, resultat.output
    sett_avsender(kjor)
    return pid


def test_invitation_with_the_booklet_has_both_in_txt(kjor, avtalt):
    resultat = kjor("innkalling", avtalt, "--sp", "2", "--brevdato", BREVDATO, "--med-hefte")
    assert resultat.exit_code == 0, resultat.output

    brevet, _, heftet = resultat.stdout.partition("KARTLEGGINGSHEFTE")
    assert "INNKALLING TIL SAMTALE" in brevet
    assert "Har du behov for hjelp eller støtte når det gjelder familien" in heftet
    assert "familie_behov" in heftet


def test_invitation_with_the_booklet_in_html_starts_the_booklet_on_a_new_page(kjor, avtalt):
    html = kjor(
        "innkalling", avtalt, "--sp", "2", "--brevdato", BREVDATO, "--format", "html", "--med-hefte"
    ).stdout

    assert html.index("break-before: page") < html.index('<div class="hefte">') < html.index("</body>")


def test_invitation_without_the_option_has_no_booklet(kjor, avtalt):
    tekst = kjor("innkalling", avtalt, "--sp", "2", "--brevdato", BREVDATO).stdout
    assert "KARTLEGGINGSHEFTE" not in tekst


@pytest.mark.usefixtures("weasyprint")
def test_invitation_pdf_with_the_booklet(kjor, avtalt, tmp_path):
    pypdf = pytest.importorskip("pypdf")
    fil = tmp_path / "innkalling.pdf"

    resultat = kjor(
        "innkalling",
        avtalt,
        "--sp",
        "2",
        "--brevdato",
        BREVDATO,
        "--format",
        "pdf",
        "-o",
        str(fil),
        "--med-hefte",
    )

    assert resultat.exit_code == 0, resultat.output
    sider = pypdf.PdfReader(fil).pages
    assert "Innkalling" in (sider[0].extract_text() or "")
    assert any("Kartleggingshefte" in (s.extract_text() or "") for s in sider[1:])


def test_hefte_helper_is_pure_over_a_guide():
    """The context is built from a guide and settings only: no register, no patient."""
    kontekst = hefte.bygg_kontekst(guide_modul.fra_tekst(EGEN_GUIDE, "egen"), {}, "nynorsk")
    assert [t["id"] for t in kontekst["temaer"]] == ["hverdag"]
    assert kontekst["t"]["skala_hint"] == "Set ring rundt eitt tal."
    assert [f["id"] for f in kontekst["koordinator_felt"]] == ["praktisk_form"]
