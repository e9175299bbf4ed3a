"""The handover letter (`pakkehjem brev`): golden txt letters per recipient and language,
escaping, PDF text, files (mode, names, overwriting), the record of every letter, sparse
conversations, a service's own templates, and what loads when."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import sqlite3
import stat
import subprocess
import sys
import tomllib
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from brevdata import (
    BREVDATO,
    FULL,
    INGEN_BEHOV,
    SAMTALEDATO,
    UTEN_SAMTYKKE,
    hold_samtale,
    lag_pasient,
    pasient_med_samtale,
    sett_avsender,
)
from hjelp import json_ut, melding
from pakkehjem import brev as brev_modul
from pakkehjem.feil import PakkehjemFeil
from pakkehjem.samtykke import BREVMOTTAKERE

GOLDEN = Path(__file__).parent / "golden"
OPPDATER = os.environ.get("PAKKEHJEM_OPPDATER_GOLDEN") == "1"
PROSJEKT = Path(__file__).resolve().parent.parent

# --navn for the recipients that need or use one in the golden letters.
NAVN = {"annen": "Arbeidsgiver AS", "ny_kommune": "Voss kommune"}


@pytest.fixture
def full_pasient(kjor: Callable, ny_pasient: Callable, tmp_path: Path, fra_mal: Callable) -> int:
    """The fixed patient with the full conversation at SP2 and the sender set."""
    return fra_mal("full_pasient", lambda: pasient_med_samtale(kjor, ny_pasient, tmp_path, FULL))


def brev(kjor: Callable, pasient_id: int, til: str, *args: str) -> Any:
    """`pakkehjem brev` with the fixed letter date."""
    ekstra = ["--navn", NAVN[til]] if til in NAVN and "--navn" not in args else []
    return kjor("brev", str(pasient_id), "--til", til, "--dato", BREVDATO, *ekstra, *args)


def brev_tekst(kjor: Callable, pasient_id: int, til: str, *args: str) -> str:
    resultat = brev(kjor, pasient_id, til, *args)
    assert resultat.exit_code == 0, resultat.output
    return resultat.stdout


# --- golden txt letters ----------------------------------------------------------------------


@pytest.mark.parametrize("sprak", ["bokmal", "nynorsk"])
@pytest.mark.parametrize("til", BREVMOTTAKERE)
def test_txt_brevet_er_som_gullfilen(kjor: Callable, full_pasient: int, til: str, sprak: str) -> None:
    tekst = brev_tekst(kjor, full_pasient, til, "--sprak", sprak)
    fil = GOLDEN / f"brev_{sprak}_{til}.txt"
    if OPPDATER:
        fil.parent.mkdir(exist_ok=True)
        fil.write_text(tekst, encoding="utf-8")
    assert fil.exists(), f"{fil.name} mangler: kjør med PAKKEHJEM_OPPDATER_GOLDEN=1"
    assert tekst == fil.read_text(encoding="utf-8"), (
        f"Brevet avviker fra {fil.name}. Er endringen villet, kjør testene med PAKKEHJEM_OPPDATER_GOLDEN=1 "
        "og se over diffen."
    )


def _sammenlign_med_gullfil(tekst: str, fil: Path) -> None:
    if OPPDATER:
        fil.parent.mkdir(exist_ok=True)
        fil.write_text(tekst, encoding="utf-8")
    assert fil.exists(), f"{fil.name} mangler: kjør med PAKKEHJEM_OPPDATER_GOLDEN=1"
    assert tekst == fil.read_text(encoding="utf-8"), (
        f"Brevet avviker fra {fil.name}. Er endringen villet, kjør testene med PAKKEHJEM_OPPDATER_GOLDEN=1 "
        "og se over diffen."
    )


@pytest.mark.parametrize("format_", ["md", "html"])
@pytest.mark.parametrize("sprak", ["bokmal", "nynorsk"])
@pytest.mark.parametrize("til", BREVMOTTAKERE)
def test_md_og_html_brevet_er_som_gullfilen(
    kjor: Callable, full_pasient: int, til: str, sprak: str, format_: str
) -> None:
    tekst = brev_tekst(kjor, full_pasient, til, "--sprak", sprak, "--format", format_)
    # The page's CSS is the same file for every letter: the snapshot holds the letter itself.
    tekst = re.sub(r"<style>.*?</style>", "<style>(brev.css)</style>", tekst, flags=re.S)
    _sammenlign_med_gullfil(tekst, GOLDEN / f"brev_{sprak}_{til}.{format_}")


@pytest.mark.usefixtures("weasyprint")
@pytest.mark.parametrize("sprak", ["bokmal", "nynorsk"])
@pytest.mark.parametrize("til", BREVMOTTAKERE)
def test_pdf_brevets_tekst_er_som_gullfilen(
    kjor: Callable, full_pasient: int, til: str, sprak: str, tmp_path: Path
) -> None:
    ut = tmp_path / "brev.pdf"
    assert brev(kjor, full_pasient, til, "--sprak", sprak, "--format", "pdf", "-o", str(ut)).exit_code == 0
    pypdf = pytest.importorskip("pypdf")
    sider = [side.extract_text() or "" for side in pypdf.PdfReader(ut).pages]
    tekst = "\n\f\n".join(" ".join(side.split()) for side in sider) + "\n"
    _sammenlign_med_gullfil(tekst, GOLDEN / f"brev_{sprak}_{til}.pdf.txt")


@pytest.mark.parametrize("til", BREVMOTTAKERE)
def test_txt_er_ren_tekst_brutt_ved_72_tegn(kjor: Callable, full_pasient: int, til: str) -> None:
    tekst = brev_tekst(kjor, full_pasient, til)
    assert tekst.endswith("\n") and not tekst.endswith("\n\n")
    for linje in tekst.splitlines():
        assert len(linje) <= brev_modul.BREDDE or " " not in linje.strip(), linje
        assert linje == linje.rstrip()
    for markering in ("<", ">", "**", "##", "&amp;", "\x1b"):
        assert markering not in tekst
    assert "æ" in tekst or "ø" in tekst or "å" in tekst
    assert "\n\n\n" not in tekst


def test_fastlegen_ser_det_viktigste_uten_a_lete(kjor: Callable, full_pasient: int) -> None:
    """What the issue's "done when" names: what matters, the needs, who does what by when, next."""
    tekst = brev_tekst(kjor, full_pasient, "fastlege")
    flat = " ".join(tekst.split())
    assert "At jeg kan være hjemme og ha overskudd til barnebarna." in flat
    assert "Jobb, skole og utdanning: behov" in flat
    assert "Psykisk helse: behov" in flat
    assert "Ønsket ikke å snakke om: Økonomi og boforhold." in flat
    assert "DETTE BER VI DEG OM [ ] Henvisning til Frisklivssentralen Frist: 1. desember 2026." in flat
    assert "Avtalt: 1. september 2027 kl. 10:00, Helsehuset, rom 3" in flat
    assert (
        "Belastning siste uke: 6 av 10 (0 = ingen belastning, 10 = ekstrem belastning)"
        " – markert for oppfølging (4 eller mer)"
    ) in flat, "a score says which end is which"
    assert "Fødselsnr.:" in flat and "Randi Koordinator" in flat


def test_pasientens_kopi_er_til_deg_uten_fodselsnummer(kjor: Callable, full_pasient: int) -> None:
    tekst = brev_tekst(kjor, full_pasient, "pasient")
    data = json_ut(kjor("vis", str(full_pasient), "--json"))
    assert "Takk for samtalen" in tekst and "Dette er din egen kopi" in tekst
    assert data["fnr"][:6] not in tekst.replace(" ", "")
    assert "Diagnose" not in tekst


def test_en_dato_deles_aldri_over_to_linjer() -> None:
    tekst = "Pasienten har samtykket til deling med: fastlegen (20. november 2026, i samtalen), og mer."
    brutt = brev_modul.bryt_linjer(tekst, 50)
    assert "20. november 2026" in brutt.replace("\n", "\n")
    assert all("20." not in linje or "20. november 2026" in linje for linje in brutt.splitlines())


def test_brytingen_holder_innrykket_i_lister_og_felt() -> None:
    tekst = "- " + "ord " * 30 + "\nTil stede:          " + "navn " * 20 + "\nAdresse: " + "x" * 90 + "\n"
    linjer = brev_modul.bryt_linjer(tekst, 40).splitlines()
    assert linjer[0].startswith("- ord") and linjer[1].startswith("  ord")
    felt = [linje for linje in linjer if "navn" in linje]
    assert felt[0].startswith("Til stede:") and all(linje.startswith(" " * 20 + "navn") for linje in felt[1:])
    assert "x" * 90 in brev_modul.bryt_linjer(tekst, 40)  # a long word stays whole


# --- escaping ---------------------------------------------------------------------------------

FIENDTLIG = {
    **UTEN_SAMTYKKE,
    "hva_er_viktig": "<script>alert('x')</script> & <b>fet</b>\n# Overskrift\n- [lenke](http://x)",
    "tilstede_navn": '<img src=x onerror="alert(1)">',
    "jobb_behov": "behov",
    "jobb_notat": "</p><iframe src=//x></iframe> rød",
    "jobb_tiltak": [{"hva": "<svg onload=alert(1)>", "ansvarlig": "<NAV>", "frist": "2026-12-15"}],
}


@pytest.fixture
def fiendtlig_pasient(kjor: Callable, ny_pasient: Callable, tmp_path: Path) -> int:
    pasient = lag_pasient(ny_pasient, navn="<b>Ond</b> & Co")
    sett_avsender(kjor)
    hold_samtale(kjor, tmp_path, pasient["id"], FIENDTLIG)
    return pasient["id"]


def test_html_escaper_fiendtlige_svar(kjor: Callable, fiendtlig_pasient: int) -> None:
    html = brev_tekst(kjor, fiendtlig_pasient, "fastlege", "--format", "html", "--navn", "<script>x</script>")
    for farlig in ("<script", "<img", "<iframe", "<svg", "<b>Ond", 'onerror="', "</p><iframe"):
        assert farlig not in html, farlig
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &lt;b&gt;fet&lt;/b&gt;" in html
    assert "&lt;svg onload=alert(1)&gt;" in html and "&lt;NAV&gt;" in html
    assert "&lt;b&gt;Ond&lt;/b&gt; &amp; Co" in html
    assert html.count("<script") == 0 and html.count("<style>") == 1


def test_markdown_gjor_ikke_svar_til_markering(kjor: Callable, fiendtlig_pasient: int) -> None:
    md = brev_tekst(kjor, fiendtlig_pasient, "fastlege", "--format", "md")
    assert re.search(r"(?<!\\)[<>]", md.replace("\n> ", "\n")) is None  # every < and > escaped
    assert "\\<script\\>" in md and "\\[lenke\\](http://x)" in md
    assert "\n> \\# Overskrift" in md and "\n> \\- \\[lenke" in md
    assert "\x1b" not in md


def test_txt_viser_svaret_som_det_ble_skrevet_uten_styretegn(
    kjor: Callable, fiendtlig_pasient: int, db_sti: Path, forvent_feil: Callable
) -> None:
    # The guide refuses control characters in answers, and the command line refuses them in a
    # name; one stored by an older version is cleaned in the letter itself, so no terminal
    # escape reaches a terminal or a journal.
    forvent_feil(
        brev(kjor, fiendtlig_pasient, "fastlege", "--navn", "Dr.\x1b[31m Rød\u202e\x07"), 2, "styretegn"
    )
    tilkobling = sqlite3.connect(db_sti)
    with tilkobling:
        tilkobling.execute("UPDATE pasient SET fastlege = ?", ("Dr.\x1b[31m Rød\u202e\x07",))
    tilkobling.close()
    tekst = brev_tekst(kjor, fiendtlig_pasient, "fastlege")
    assert "<script>alert('x')</script> & <b>fet</b>" in tekst  # plain text: nothing to escape
    assert "\x1b" not in tekst and "\u202e" not in tekst and "\x07" not in tekst
    assert "Dr.[31m Rød" in tekst


# --- PDF ---------------------------------------------------------------------------------------


def _pdf_tekst(sti: Path) -> str:
    pypdf = pytest.importorskip("pypdf")
    return " ".join(" ".join(side.extract_text() or "" for side in pypdf.PdfReader(sti).pages).split())


@pytest.mark.usefixtures("weasyprint")
@pytest.mark.parametrize("sprak", ["bokmal", "nynorsk"])
def test_pdf_har_brevets_tekst(
    kjor: Callable, full_pasient: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sprak: str
) -> None:
    monkeypatch.chdir(tmp_path)
    resultat = brev(kjor, full_pasient, "fastlege", "--format", "pdf", "--sprak", sprak)
    assert resultat.exit_code == 0, resultat.output
    assert resultat.stdout == ""
    filer = list(tmp_path.glob("*.pdf"))
    assert len(filer) == 1
    assert re.fullmatch(r"brev-[0-9a-f]{8}\.pdf", filer[0].name)
    assert stat.S_IMODE(filer[0].stat().st_mode) == 0o600
    assert filer[0].read_bytes().startswith(b"%PDF")
    tekst = _pdf_tekst(filer[0])
    assert "Synne Testesen" in tekst
    assert "At jeg kan være hjemme og ha overskudd til barnebarna." in tekst
    assert "Henvisning til Frisklivssentralen" in tekst
    overskrift = "Kva er viktig for pasienten no" if sprak == "nynorsk" else "Hva er viktig for pasienten nå"
    assert overskrift in tekst
    assert filer[0].name in melding(resultat)


@pytest.mark.usefixtures("weasyprint")
def test_pdf_escaper_som_html(kjor: Callable, fiendtlig_pasient: int, tmp_path: Path) -> None:
    ut = tmp_path / "f.pdf"
    resultat = brev(kjor, fiendtlig_pasient, "fastlege", "--format", "pdf", "-o", str(ut))
    assert resultat.exit_code == 0, resultat.output
    assert "<script>alert('x')</script> & <b>fet</b>" in _pdf_tekst(ut)


def test_pdf_uten_systembiblioteker_sier_hva_som_ma_installeres(
    kjor: Callable, full_pasient: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, forvent_feil: Callable
) -> None:
    import builtins

    ekte_import = builtins.__import__

    def import_uten_pango(navn: str, *args: Any, **kwargs: Any) -> Any:
        if navn == "weasyprint" or navn.startswith("weasyprint."):
            raise OSError("cannot load library 'libpango-1.0-0'")
        return ekte_import(navn, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", import_uten_pango)
    monkeypatch.chdir(tmp_path)
    tekst = forvent_feil(brev(kjor, full_pasient, "fastlege", "--format", "pdf"), 1, "Pango", "apt install")
    assert "--format html" in tekst
    assert list(tmp_path.glob("*.pdf")) == []
    assert json_ut(kjor("vis", str(full_pasient), "--json"))["brev"] == []


@pytest.mark.usefixtures("weasyprint")
def test_pdf_kjorer_ikke_kompilatoren_for_a_finne_bibliotekene(tmp_path: Path) -> None:
    # ctypes.util.find_library runs ldconfig, gcc and ld (about 20 times for WeasyPrint's
    # library names): that was most of a PDF letter's time. Every program started is counted.
    kode = (
        "import subprocess\n"
        "startet = []\n"
        "ekte = subprocess.Popen.__init__\n"
        "def spor(self, args, *a, **k):\n"
        "    startet.append(args)\n"
        "    ekte(self, args, *a, **k)\n"
        "subprocess.Popen.__init__ = spor\n"
        "from pakkehjem.brev import til_pdf\n"
        "assert til_pdf('<p>Hei</p>').startswith(b'%PDF')\n"
        "print(startet)\n"
    )
    svar = subprocess.run([sys.executable, "-c", kode], capture_output=True, text=True, cwd=tmp_path)
    assert svar.returncode == 0, svar.stderr
    assert svar.stdout.strip() == "[]"


@pytest.mark.usefixtures("weasyprint")
def test_pdf_laster_skriftverktoyene_bare_naar_de_trengs_og_leser_c_typene_likt() -> None:
    # WeasyPrint imports fontTools' font cutter and variable-font instancer at its top; with the
    # HarfBuzz subset library a letter needs neither (a third of WeasyPrint's import). And cffi
    # reads each small C type with only the type names in it. Both must change nothing: the
    # tools are whole when used, and every C type WeasyPrint asks for reads as with all names.
    kode = (
        "import sys\n"
        "from cffi import cparser\n"
        "spurt = []\n"
        "ekte_type = cparser.Parser.parse_type_and_quals\n"
        "def spor(self, cdecl):\n"
        "    spurt.append(cdecl)\n"
        "    return ekte_type(self, cdecl)\n"
        "cparser.Parser.parse_type_and_quals = spor\n"
        "from pakkehjem.brev import til_pdf\n"
        "assert til_pdf('<p>Hei, Åse Ødegård</p>').startswith(b'%PDF')\n"
        "from weasyprint.text.ffi import ffi, harfbuzz_subset\n"
        "if harfbuzz_subset:\n"
        "    lastet = [m for m in sys.modules if m.startswith(('fontTools.varLib', 'fontTools.subset.'))]\n"
        "    assert not lastet, lastet\n"
        "from fontTools import subset\n"
        "assert subset.Options(retain_gids=True).retain_gids\n"
        "from weasyprint.pdf import fonts\n"
        "try:\n"
        "    fonts.instantiateVariableFont(None, {})\n"
        "except (AttributeError, TypeError):\n"
        "    pass  # the real function, given no font\n"
        "import fontTools.varLib.instancer as instansierer\n"
        "assert callable(instansierer.instantiateVariableFont)\n"
        "assert instansierer.instantiateVariableFont.__module__ == 'fontTools.varLib.instancer'\n"
        "kort = cparser.Parser._parse\n"
        "assert len(spurt) > 3, spurt\n"
        "for cdecl in [*spurt, 'PangoLayout *', 'unsigned int *', 'hb_codepoint_t[]']:\n"
        "    cparser.Parser._parse = kort\n"
        "    med_kort = ffi._parser.parse_type_and_quals(cdecl)\n"
        "    cparser.Parser._parse = kort.__wrapped__\n"
        "    assert med_kort == ffi._parser.parse_type_and_quals(cdecl), cdecl\n"
    )
    svar = subprocess.run([sys.executable, "-c", kode], capture_output=True, text=True)
    assert svar.returncode == 0, svar.stderr


def test_pdf_uten_weasyprint_sier_hva_som_ma_installeres(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "weasyprint", None)
    with pytest.raises(PakkehjemFeil, match="pip install weasyprint"):
        brev_modul.til_pdf("<p>x</p>")


# --- files -------------------------------------------------------------------------------------


@pytest.mark.parametrize("format_", ["txt", "md", "html"])
def test_filer_skrives_0600_og_overskrives_ikke(
    kjor: Callable, full_pasient: int, tmp_path: Path, format_: str, forvent_feil: Callable
) -> None:
    ut = tmp_path / f"brevet.{format_}"
    resultat = brev(kjor, full_pasient, "kommune", "--format", format_, "-o", str(ut))
    assert resultat.exit_code == 0, resultat.output
    assert resultat.stdout == ""
    assert stat.S_IMODE(ut.stat().st_mode) == 0o600
    innhold = ut.read_bytes()
    forvent_feil(brev(kjor, full_pasient, "kommune", "--format", format_, "-o", str(ut)), 1, "--overskriv")
    assert ut.read_bytes() == innhold
    assert len(json_ut(kjor("vis", str(full_pasient), "--json"))["brev"]) == 1


def test_overskriv_erstatter_filen_og_gjor_den_0600(
    kjor: Callable, full_pasient: int, tmp_path: Path
) -> None:
    ut = tmp_path / "brevet.txt"
    ut.write_text("gammelt")
    ut.chmod(0o644)
    resultat = brev(kjor, full_pasient, "fastlege", "-o", str(ut), "--overskriv")
    assert resultat.exit_code == 0, resultat.output
    assert ut.read_text(encoding="utf-8").startswith("OPPSUMMERING FRA KARTLEGGINGSSAMTALE")
    assert stat.S_IMODE(ut.stat().st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_symbolsk_lenke_folges_ikke(
    kjor: Callable, full_pasient: int, tmp_path: Path, forvent_feil: Callable
) -> None:
    maal = tmp_path / "mal.txt"
    maal.write_text("urørt")
    lenke = tmp_path / "lenke.txt"
    lenke.symlink_to(maal)
    forvent_feil(brev(kjor, full_pasient, "fastlege", "-o", str(lenke)), 1, "finnes fra før")
    assert maal.read_text() == "urørt"


def test_standard_filnavn_har_ingen_pasientdata(full_pasient: int) -> None:
    navn = {brev_modul.standard_filnavn("pdf") for _ in range(50)}
    assert len(navn) == 50
    for n in navn:
        assert re.fullmatch(r"brev-[0-9a-f]{8}\.pdf", n)


def test_mappe_som_mangler_gir_melding(
    kjor: Callable, full_pasient: int, tmp_path: Path, forvent_feil: Callable
) -> None:
    forvent_feil(
        brev(kjor, full_pasient, "fastlege", "-o", str(tmp_path / "finnes-ikke" / "b.txt")), 1, "finnes ikke"
    )


# --- the record of every letter -------------------------------------------------------------------


def test_hvert_brev_registreres_med_hash_og_logges(
    kjor: Callable, full_pasient: int, tmp_path: Path, db_sti: Path
) -> None:
    tekst = brev(kjor, full_pasient, "fastlege").stdout_bytes
    ut = tmp_path / "k.html"
    assert brev(kjor, full_pasient, "kommune", "--format", "html", "-o", str(ut)).exit_code == 0
    data = json_ut(kjor("vis", str(full_pasient), "--json"))
    forste, andre = data["brev"]
    assert forste["mottaker"] == "fastlege" and forste["format"] == "txt" and forste["fil"] is None
    assert forste["sha256"] == hashlib.sha256(tekst).hexdigest()
    assert forste["samtale"] == data["samtaler"][0]["id"] and forste["sprak"] == "bokmal"
    assert forste["mottaker_navn"] == "Ola Lege"
    assert andre["mottaker"] == "kommune" and andre["format"] == "html"
    assert andre["sha256"] == hashlib.sha256(ut.read_bytes()).hexdigest()
    assert andre["fil"] == str(ut.resolve())
    tilkobling = sqlite3.connect(db_sti)
    try:
        handlinger = [
            r[0]
            for r in tilkobling.execute(
                "SELECT handling FROM tilgangslogg WHERE pasient_id = ?", (full_pasient,)
            )
        ]
        with pytest.raises(sqlite3.DatabaseError, match="kan bare utvides"):
            tilkobling.execute("DELETE FROM brev")
    finally:
        tilkobling.close()
    assert handlinger.count("brev") == 2 and "brev-fastlege" in handlinger and "brev-kommune" in handlinger


def test_vis_viser_brevene(kjor: Callable, full_pasient: int) -> None:
    brev(kjor, full_pasient, "fastlege")
    resultat = kjor("vis", str(full_pasient), env={"COLUMNS": "140"})
    assert resultat.exit_code == 0, resultat.output
    assert "Brev" in resultat.stdout and "fastlege (Ola Lege)" in resultat.stdout


# --- sparse conversations -----------------------------------------------------------------------


def test_samtale_uten_behov_gir_et_fornuftig_brev(
    kjor: Callable, ny_pasient: Callable, tmp_path: Path
) -> None:
    pasient = lag_pasient(ny_pasient)
    sett_avsender(kjor)
    hold_samtale(kjor, tmp_path, pasient["id"], INGEN_BEHOV)
    tekst = " ".join(brev_tekst(kjor, pasient["id"], "fastlege").split())
    assert "Pasienten har ikke behov for hjelp eller oppfølging på noen av temaene som ble tatt opp." in tekst
    assert "Ingen behov: Familiesituasjon og nettverk, Jobb, skole og utdanning," in tekst
    assert "Ingen tiltak ble avtalt." in tekst
    assert "Symptomer: ikke skåret" in tekst
    assert "Barn under 18 år: nei" in tekst
    assert "Ikke tatt opp" not in tekst
    assert "Å leve som før." in tekst


def test_samtale_der_alt_ble_hoppet_over_gir_et_fornuftig_brev(
    kjor: Callable, ny_pasient: Callable, db_sti: Path
) -> None:
    from pakkehjem.register import Register
    from pakkehjem.samtale import aktiv_guide

    pasient = lag_pasient(ny_pasient)
    sett_avsender(kjor)
    register = Register.fra_fil(db_sti)
    try:
        guide = aktiv_guide(register)
        guide_ref = register.samtaler.lagre_guide(guide.id, guide.versjon, guide.kilde)
        samtale = register.samtaler.begynn_eller_fortsett(
            str(pasient["id"]), 2, date.fromisoformat(SAMTALEDATO), guide_ref, None
        )
        for sporsmal in guide.alle_sporsmal():
            if sporsmal.vis_hvis is None:
                register.samtaler.lagre_svar(samtale["id"], sporsmal.id, None, hoppet_over=True)
        register.samtaler.fullfor(samtale["id"], idag=date.fromisoformat(SAMTALEDATO))
    finally:
        register.lukk()
    for sprak, forventet in (
        ("bokmal", ("Ingen av temaene ble kartlagt i samtalen.", "Ikke besvart i samtalen.",
                    "Ingen tiltak ble avtalt.", "Ingen skårer ble tatt.")),
        ("nynorsk", ("Ingen av temaa vart kartlagde i samtalen.", "Ikkje svart på i samtalen.",
                     "Ingen tiltak vart avtalte.", "Ingen skårar vart tekne.")),
    ):  # fmt: skip
        tekst = " ".join(brev_tekst(kjor, pasient["id"], "fastlege", "--sprak", sprak).split())
        for setning in forventet:
            assert setning in tekst, (sprak, setning)
        assert "Ikke tatt opp:" not in tekst and "Form:" not in tekst
        # The next contact point still shows: SP3's window, nothing booked.
        assert "3. august 2027 – 3. februar 2028" in tekst


def test_brev_uten_fullfort_samtale_nektes_med_klar_melding(
    kjor: Callable, ny_pasient: Callable, forvent_feil: Callable
) -> None:
    pasient = lag_pasient(ny_pasient)
    sett_avsender(kjor)
    tekst = forvent_feil(kjor("brev", str(pasient["id"]), "--til", "fastlege"), 1, "ingen fullført samtale")
    assert f"pakkehjem samtale {pasient['id']}" in tekst
    assert "Synne" not in tekst  # no patient data beyond the number


def test_brev_fra_en_bestemt_samtale(
    kjor: Callable, full_pasient: int, tmp_path: Path, forvent_feil: Callable
) -> None:
    forvent_feil(kjor("brev", str(full_pasient), "--til", "fastlege", "--sp", "1"), 1, "samhandlingspunkt 1")
    hold_samtale(kjor, tmp_path, full_pasient, INGEN_BEHOV, sp=1, dato="2026-08-20")
    # The latest conversation is still SP2's; --sp 1 picks the older one.
    assert "Frisklivssentralen" in brev_tekst(kjor, full_pasient, "fastlege")
    eldre = brev_tekst(kjor, full_pasient, "fastlege", "--sp", "1")
    assert "Å leve som før." in eldre and "20. august 2026" in eldre


@pytest.mark.parametrize(
    ("args", "ord_"),
    [
        (["--til", "naboen"], "ny_kommune"),
        (["--til", "fastlege", "--format", "docx"], "txt, md, html, pdf"),
        (["--til", "fastlege", "--sprak", "svensk"], "bokmal eller nynorsk"),
        (["--til", "annen"], "--navn"),
        ([], "--til"),
        (["--til", "fastlege", "--sp", "4"], "1, 2 eller 3"),
    ],
)
def test_ugyldig_inndata_gir_kode_2(
    kjor: Callable, full_pasient: int, forvent_feil: Callable, args: list[str], ord_: str
) -> None:
    forvent_feil(kjor("brev", str(full_pasient), *args), 2, ord_)


# --- languages, settings and a service's own templates ----------------------------------------------


def test_sprak_fra_innstillingen(kjor: Callable, full_pasient: int) -> None:
    assert kjor("innstillinger", "brev_sprak", "nynorsk").exit_code == 0
    assert brev_tekst(kjor, full_pasient, "fastlege").startswith("OPPSUMMERING FRÅ KARTLEGGINGSSAMTALE")
    assert brev_tekst(kjor, full_pasient, "fastlege", "--sprak", "bokmal").startswith("OPPSUMMERING FRA")


def test_brev_uten_avsender_nektes_og_viser_til_avsender_kommandoen(
    kjor: Callable, ny_pasient: Callable, tmp_path: Path, forvent_feil: Callable, db_sti: Path
) -> None:
    pasient = lag_pasient(ny_pasient)
    hold_samtale(kjor, tmp_path, pasient["id"], FULL)
    for til in ("fastlege", "pasient"):
        forvent_feil(kjor("brev", str(pasient["id"]), "--til", til), 1, "pakkehjem avsender --navn")
    # Refused before the patient is read: no letter, and no access-log row for a letter.
    tilkobling = sqlite3.connect(db_sti)
    try:
        handlinger = [r[0] for r in tilkobling.execute("SELECT handling FROM tilgangslogg")]
    finally:
        tilkobling.close()
    assert "brev" not in handlinger
    assert json_ut(kjor("vis", str(pasient["id"]), "--json"))["brev"] == []


def test_avsender_kommandoen(kjor: Callable, testregister: Path) -> None:
    sett_avsender(kjor)
    assert json_ut(kjor("avsender", "--json"))["tjeneste"] == "Kreftkoordinatortjenesten, Eksempel kommune"
    assert kjor("avsender", "--telefon", "").exit_code == 0
    assert json_ut(kjor("avsender", "--json"))["telefon"] is None


def test_avsender_lagrer_alle_feltene_eller_ingen(
    kjor: Callable, testregister: Path, forvent_feil: Callable
) -> None:
    for_ = json_ut(kjor("avsender", "--json"))
    for_lang = kjor("avsender", "--navn", "Kari Koordinator", "--telefon", "5" * 1001)
    forvent_feil(for_lang, 2, "avsender_telefon", "for lang")
    assert json_ut(kjor("avsender", "--json")) == for_  # the name given with it is not stored either
    assert kjor("avsender", "--navn", "Kari Koordinator", "--rolle", "kreftkoordinator").exit_code == 0
    etter = json_ut(kjor("avsender", "--json"))
    assert (etter["navn"], etter["rolle"], etter["telefon"]) == ("Kari Koordinator", "kreftkoordinator", None)


def test_egne_maler_brukes_foran_standardmalene(
    kjor: Callable, full_pasient: int, tmp_path: Path, forvent_feil: Callable
) -> None:
    egne = tmp_path / "egne-maler"
    (egne / "bokmal").mkdir(parents=True)
    (egne / "bokmal" / "fastlege.j2").write_text(
        '{% extends "bokmal/_helse.j2" %}\n'
        "{% block innledning %}Hei {{ mottaker.navn }}, her er oppsummeringen fra Eksempel kommune."
        "{% endblock %}\n",
        encoding="utf-8",
    )
    (egne / "tekster.yaml").write_text('bokmal:\n  hilsen: "Beste hilsen"\n', encoding="utf-8")
    assert kjor("innstillinger", "brevmaler", str(egne)).exit_code == 0
    tekst = brev_tekst(kjor, full_pasient, "fastlege")
    assert "Hei Ola Lege, her er oppsummeringen fra Eksempel kommune." in tekst
    assert "Beste hilsen" in tekst and "HVA ER VIKTIG FOR PASIENTEN NÅ" in tekst  # the rest shipped
    assert "Koordinerende enhet / kreftkoordinator" in brev_tekst(kjor, full_pasient, "kommune")
    html = brev_tekst(kjor, full_pasient, "fastlege", "--format", "html")
    assert "Hei Ola Lege" in html
    # The texts changed while the program runs: the next letter has the new ones.
    (egne / "tekster.yaml").write_text('bokmal:\n  hilsen: "Hilsen fra oss"\n', encoding="utf-8")
    tekst = brev_tekst(kjor, full_pasient, "fastlege")
    assert "Hilsen fra oss" in tekst and "Beste hilsen" not in tekst
    (egne / "bokmal" / "fastlege.j2").write_text("{% block innledning %}{{ x.y.z }", encoding="utf-8")
    forvent_feil(kjor("brev", str(full_pasient), "--til", "fastlege"), 1, "Brevmalen")


def _egen_fastlegemal(kjor: Callable, tmp_path: Path, innledning: str) -> Path:
    """A service's own template folder whose GP letter opens with `innledning`."""
    egne = tmp_path / "egne-maler"
    (egne / "bokmal").mkdir(parents=True, exist_ok=True)
    (egne / "bokmal" / "fastlege.j2").write_text(
        '{% extends "bokmal/_helse.j2" %}\n{% block innledning %}' + innledning + "{% endblock %}\n",
        encoding="utf-8",
    )
    assert kjor("innstillinger", "brevmaler", str(egne)).exit_code == 0
    return egne


@pytest.mark.parametrize(
    "innledning",
    [
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ cycler.__init__.__globals__.os.system('touch /tmp/pakkehjem-fiendtlig') }}",
        "{% set l = [] %}{{ l.append(1) }}",
    ],
)
def test_en_fiendtlig_brevmal_kjorer_ikke_kode(
    kjor: Callable, full_pasient: int, tmp_path: Path, forvent_feil: Callable, innledning: str
) -> None:
    _egen_fastlegemal(kjor, tmp_path, innledning)
    for format_ in ("txt", "html"):
        resultat = kjor("brev", str(full_pasient), "--til", "fastlege", "--format", format_)
        tekst = forvent_feil(resultat, 1, "Brevmalen", "ikke har lov til")
        assert "Synne" not in tekst
    assert not Path("/tmp/pakkehjem-fiendtlig").exists()


@pytest.mark.usefixtures("weasyprint")
def test_en_pdf_henter_bare_filer_fra_malmappen(kjor: Callable, full_pasient: int, tmp_path: Path) -> None:
    # Outside the template folder: a picture WeasyPrint would draw, a file it would attach.
    hemmelig = tmp_path / "hemmelig.svg"
    hemmelig.write_text(
        '<svg xmlns="http://www.w3.org/2000/svg"><text x="0" y="15">HEMMELIG-INNHOLD</text></svg>',
        encoding="utf-8",
    )
    innledning = (
        f'<img src="{hemmelig.as_uri()}"><a rel="attachment" href="{hemmelig.as_uri()}">vedlegg</a>'
        '<img src="http://127.0.0.1:9/spor.png"><img src="logo.svg" alt="">Med logo.'
    )
    egne = _egen_fastlegemal(kjor, tmp_path, "{% autoescape false %}" + innledning + "{% endautoescape %}")
    (egne / "logo.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>',
        encoding="utf-8",
    )
    ut = tmp_path / "brev.pdf"
    resultat = brev(kjor, full_pasient, "fastlege", "--format", "pdf", "-o", str(ut))
    assert resultat.exit_code == 0, resultat.output
    assert "HEMMELIG" not in _pdf_tekst(ut) and b"HEMMELIG" not in ut.read_bytes()
    assert "Med logo." in _pdf_tekst(ut)
    assert "WARNING" not in resultat.stderr and "ERROR" not in resultat.stderr


@pytest.mark.parametrize(
    "tekster",
    ["[" * 40_000 + "]" * 40_000, "- a\n- b\n", "bokmal: [1, 2]\n", "bokmal: {hilsen: [\n"],
    ids=["nestet-dypt", "liste", "sprak-som-liste", "ugyldig"],
)
def test_ugyldig_tekster_yaml_i_egne_maler_gir_melding(
    kjor: Callable, full_pasient: int, tmp_path: Path, forvent_feil: Callable, tekster: str
) -> None:
    egne = tmp_path / "egne-maler"
    egne.mkdir()
    (egne / "tekster.yaml").write_text(tekster, encoding="utf-8")
    assert kjor("innstillinger", "brevmaler", str(egne)).exit_code == 0
    forvent_feil(kjor("brev", str(full_pasient), "--til", "fastlege"), 1, "tekster.yaml", "Rett filen")


# --- packaging and start-up cost ------------------------------------------------------------------


def test_malene_er_med_i_hjulet() -> None:
    """Every file under templates/brev matches a package-data pattern of pyproject.toml."""
    oppsett = tomllib.loads((PROSJEKT / "pyproject.toml").read_text(encoding="utf-8"))
    monstre = oppsett["tool"]["setuptools"]["package-data"]["pakkehjem.templates"]
    med = {p for m in monstre for p in (PROSJEKT / "templates").glob(m)}
    filer = {p for p in (PROSJEKT / "templates" / "brev").rglob("*") if p.is_file()}
    assert filer and filer <= med, sorted(str(p) for p in filer - med)


def test_alle_maler_finnes_via_importlib_resources() -> None:
    from importlib.resources import files

    rot = files("pakkehjem.templates") / "brev"
    for navn in ("base.txt.j2", "base.md.j2", "base.html.j2", "brev.css", "tekster.yaml"):
        assert (rot / navn).is_file(), navn
    for sprak in ("bokmal", "nynorsk"):
        for mottaker in BREVMOTTAKERE:
            assert (rot / sprak / f"{mottaker}.j2").is_file(), (sprak, mottaker)


def test_tekstene_et_brev_endrer_er_ikke_de_neste_brevenes() -> None:
    """The parsed texts are kept for the next letter; what one letter does to its copy stays there."""
    forste = brev_modul.last_tekster(None, "bokmal", pasient=True)
    forste["hilsen"] = "Endret"
    forste["mottakere"]["fastlege"] = "Endret"
    andre = brev_modul.last_tekster(None, "bokmal", pasient=True)
    assert andre["hilsen"] != "Endret" and andre["mottakere"]["fastlege"] != "Endret"
    assert andre == brev_modul.last_tekster(None, "bokmal", pasient=True)


def test_tekstene_har_de_samme_nokler_pa_begge_sprak() -> None:
    import yaml

    data = yaml.safe_load((PROSJEKT / "templates" / "brev" / "tekster.yaml").read_text(encoding="utf-8"))
    bokmal, nynorsk = data["bokmal"], data["nynorsk"]
    assert set(bokmal) - {"temaer", "verdier"} == set(nynorsk) - {"temaer", "verdier"}
    assert set(bokmal["pasientbrev"]) == set(nynorsk["pasientbrev"])
    assert set(bokmal["etiketter"]) == set(nynorsk["etiketter"])


def test_tunge_biblioteker_lastes_bare_for_brev() -> None:
    kode = (
        "import sys\n"
        "import pakkehjem.cli\n"
        "assert 'jinja2' not in sys.modules and 'weasyprint' not in sys.modules, 'cli'\n"
        "from pakkehjem import brev\n"
        "assert 'weasyprint' not in sys.modules, 'brev'\n"
    )
    svar = subprocess.run([sys.executable, "-c", kode], capture_output=True, text=True)
    assert svar.returncode == 0, svar.stderr


def test_txt_brev_laster_ikke_weasyprint(
    kjor: Callable, full_pasient: int, tmp_path: Path, db_sti: Path
) -> None:
    kode = (
        "import sys\n"
        "from pakkehjem.cli import app\n"
        "try:\n"
        f"    app(['--db', {str(db_sti)!r}, 'brev', '{full_pasient}', '--til', 'fastlege'])\n"
        "except SystemExit as e:\n"
        "    assert not e.code, e.code\n"
        "assert 'weasyprint' not in sys.modules\n"
    )
    svar = subprocess.run(
        [sys.executable, "-c", kode],
        capture_output=True,
        text=True,
        env={**os.environ, "HOME": str(tmp_path)},
    )
    assert svar.returncode == 0, svar.stderr
    assert "OPPSUMMERING FRA KARTLEGGINGSSAMTALE" in svar.stdout


def test_vis_json_har_brev_og_gjeldende_samtykke(kjor: Callable, full_pasient: int) -> None:
    data = json_ut(kjor("vis", str(full_pasient), "--json"))
    assert data["brev"] == []
    assert data["samtykke_gjeldende"]["nav"] == {"svar": "ja", "dato": SAMTALEDATO, "kilde": "samtale",
                                                 "samtale": data["samtaler"][0]["id"], "omfang": None,
                                                 "navn": None}  # fmt: skip
    assert data["samtykke_gjeldende"]["annen"]["omfang"] == ["jobb", "fysisk"]
    assert data["samtykke_gjeldende"]["annen"]["navn"] == "Arbeidsgiver AS"
    json.dumps(data)


def test_flytting_brev_til_ny_kommune_etter_avslutt(kjor: Callable, full_pasient: int) -> None:
    """After `avslutt --grunn flyttet` the rest of the episode is "bortfalt" here; the new
    municipality is still told the next window, as the hint from `avslutt` suggests."""
    resultat = kjor(
        "avslutt", str(full_pasient), "--grunn", "flyttet", "--til-kommune", "Voss", "--dato", BREVDATO
    )
    assert resultat.exit_code == 0, resultat.output
    assert f"pakkehjem brev {full_pasient} --til ny_kommune" in " ".join(resultat.output.split())
    tekst = " ".join(brev_tekst(kjor, full_pasient, "ny_kommune", "--navn", "Voss kommune").split())
    assert "Til: Koordinerende enhet, Voss kommune" in tekst
    assert "Vindu: 3. august 2027 – 3. februar 2028" in tekst
    assert "Pasienten flytter til kommunen deres" in tekst
    fastlege = " ".join(brev_tekst(kjor, full_pasient, "fastlege").split())
    assert "Det er ikke flere samhandlingspunkter i dette forløpet." in fastlege


def test_kompilerte_maler_bare_fra_en_mappe_ingen_andre_kan_skrive_i(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    cache = brev_modul._kompilert_cache("txt")
    assert cache is not None
    mappe = Path(cache.directory)
    assert mappe.is_relative_to(tmp_path)
    assert stat.S_IMODE(mappe.stat().st_mode) & 0o077 == 0
    mappe.chmod(0o777)
    try:
        assert brev_modul._kompilert_cache("txt") is None
    finally:
        mappe.chmod(0o700)


# --- the GP letter: what the GP must do first, the patient on every page ----------------------------


def test_fastlegens_egne_tiltak_star_forst_og_en_passert_frist_merkes_uten_a_sta_forst(
    kjor: Callable, full_pasient: int
) -> None:
    # On 5 December the Frisklivssentral referral (deadline 1 December) is overdue.
    tekst = brev_tekst(kjor, full_pasient, "fastlege", "--dato", "2026-12-05")
    boks = tekst.split("DETTE BER VI DEG OM\n")[1].split("\n\n")[0]
    assert boks.splitlines() == [
        "[ ] Samtale om søvn og uro",
        "    Ingen frist.",
        "[ ] Henvisning til Frisklivssentralen",
        "    Frist: 1. desember 2026 – FRISTEN ER PASSERT.",
    ]
    assert tekst.index("DETTE BER VI DEG OM") < tekst.index("SAMTALEN")
    # The other actions stay under Tiltak; the GP's own are not repeated there.
    tiltak = tekst.split("TILTAK – HVEM GJØR HVA, OG NÅR")[1]
    assert "Avtale møte med NAV-veileder" in tiltak and "Frisklivssentralen" not in tiltak
    html = brev_tekst(kjor, full_pasient, "fastlege", "--format", "html", "--dato", "2026-12-05")
    assert '<section class="ber-om">' in html and 'class="passert"' in html


def test_samtykket_star_en_gang_og_uten_dobbel_parentes(kjor: Callable, full_pasient: int) -> None:
    tekst = " ".join(brev_tekst(kjor, full_pasient, "fastlege").split())
    assert tekst.count("fastlegen (20. november 2026") == 0
    assert tekst.count("til at oppsummeringen sendes til fastlegen") == 1
    assert "))" not in brev_tekst(kjor, full_pasient, "kommune", "--sp", "2")


def test_markdown_escaper_avsenderen_bare_en_gang(kjor: Callable, full_pasient: int) -> None:
    assert kjor("avsender", "--telefon", "+47 55 55 55 55").exit_code == 0
    md = brev_tekst(kjor, full_pasient, "fastlege", "--format", "md")
    assert "\\\\" not in md
    assert "tlf. \\+47 55 55 55 55" in md  # one backslash: Markdown shows «+47»


def test_pasientens_kopi_sier_deg(kjor: Callable, full_pasient: int) -> None:
    for sprak in ("bokmal", "nynorsk"):
        tekst = brev_tekst(kjor, full_pasient, "pasient", "--sprak", sprak)
        assert re.search(r": +deg, pårør", tekst), sprak
        assert not re.search(r": +pasient,", tekst), sprak


@pytest.mark.usefixtures("weasyprint")
def test_pdf_har_pasientens_navn_og_nummer_pa_hver_side(
    kjor: Callable, full_pasient: int, tmp_path: Path
) -> None:
    pypdf = pytest.importorskip("pypdf")
    ut = tmp_path / "brev.pdf"
    assert brev(kjor, full_pasient, "fastlege", "--format", "pdf", "-o", str(ut)).exit_code == 0
    sider = [" ".join((side.extract_text() or "").split()) for side in pypdf.PdfReader(ut).pages]
    assert len(sider) >= 2
    fnr = json_ut(kjor("vis", str(full_pasient), "--json"))["fnr"]
    for side in sider:
        assert "Synne Testesen" in side and f"{fnr[:6]} {fnr[6:]}" in side
    html = brev_tekst(kjor, full_pasient, "fastlege", "--format", "html")
    assert f'<div class="sidehode">Synne Testesen · Fødselsnr. {fnr[:6]} {fnr[6:]}</div>' in html


def test_html_brevet_har_pasienten_i_toppmargen_paa_hver_utskrevne_side(
    kjor: Callable, full_pasient: int
) -> None:
    fnr = json_ut(kjor("vis", str(full_pasient), "--json"))["fnr"]
    html = brev_tekst(kjor, full_pasient, "fastlege", "--format", "html")
    # The page's top-left margin box: a browser prints it on every page, as WeasyPrint does.
    regel = re.search(r"@page \{ @top-left \{ content: (\"[^\"]*\"); \} \}", html)
    assert regel is not None
    assert _css_tekst(regel.group(1)) == f"Synne Testesen · Fødselsnr. {fnr[:6]} {fnr[6:]}"
    # Not a fixed element moved into the margin (a browser clips it) nor WeasyPrint's running().
    assert "position: running(" not in html and "position: fixed" not in html
    assert re.search(r"@media print \{\s*\.sidehode \{ display: none; \}", html)


def _css_tekst(streng: str) -> str:
    """A CSS string as text: its six-digit escapes read back."""
    return re.sub(r"\\([0-9A-F]{6})", lambda m: chr(int(m.group(1), 16)), streng.strip('"'))


def test_et_navn_kan_ikke_bryte_ut_av_css_strengen() -> None:
    from pakkehjem.brev import css_streng

    fiendtlig = 'Ola"; } body { display: none } </style><script>alert(1)</script> \\"'
    ut = str(css_streng(fiendtlig))
    assert re.fullmatch(r'"(?:[A-Za-z0-9]|\\[0-9A-F]{6})*"', ut)
    assert _css_tekst(ut) == fiendtlig


@pytest.mark.skipif(shutil.which("chromium") is None, reason="ingen Chromium på maskinen")
def test_en_nettleser_skriver_pasienten_paa_hver_side(
    kjor: Callable, full_pasient: int, tmp_path: Path
) -> None:
    pypdf = pytest.importorskip("pypdf")
    html, pdf = tmp_path / "brev.html", tmp_path / "utskrift.pdf"
    assert brev(kjor, full_pasient, "fastlege", "--format", "html", "-o", str(html)).exit_code == 0
    subprocess.run(
        ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer",
         f"--user-data-dir={tmp_path / 'profil'}", f"--print-to-pdf={pdf}", html.as_uri()],
        capture_output=True, timeout=120, check=True,
    )  # fmt: skip
    fnr = json_ut(kjor("vis", str(full_pasient), "--json"))["fnr"]
    sider = [" ".join((side.extract_text() or "").split()) for side in pypdf.PdfReader(pdf).pages]
    assert len(sider) >= 2
    for side in sider:
        assert f"Synne Testesen · Fødselsnr. {fnr[:6]} {fnr[6:]}" in side


def test_hvem_som_har_ansvaret_staar_paa_brevets_maal_naar_det_er_et_navn_fra_guiden(
    kjor: Callable, ny_pasient: Callable, tmp_path: Path
) -> None:
    svar = {**FULL, "jobb_tiltak": [
        {"hva": "Time hos sosionom", "ansvarlig": "Sykehuset"},
        {"hva": "Ringe skolen", "ansvarlig": "sykehusets sosionom"},
        {"hva": "Finne avlastning", "ansvarlig": "pårørende"},
    ]}  # fmt: skip
    pasient = lag_pasient(ny_pasient)
    hold_samtale(kjor, tmp_path, pasient["id"], svar)
    sett_avsender(kjor)
    nynorsk = " ".join(brev_tekst(kjor, pasient["id"], "kommune", "--sprak", "nynorsk").split())
    bokmal = " ".join(brev_tekst(kjor, pasient["id"], "kommune").split())
    # A name from the guide's list: in the letter's language, spelled as the guide spells it.
    assert "Time hos sosionom" in nynorsk and "sjukehuset" in nynorsk and "pårørande" in nynorsk
    assert "sjukehuset" not in bokmal and "sykehuset" in bokmal and "pårørende" in bokmal
    # Anyone else stays in the words the conversation gave.
    assert "sykehusets sosionom" in nynorsk and "sykehusets sosionom" in bokmal


def test_nynorsk_uten_bokmalsformer() -> None:
    maler = PROSJEKT / "templates" / "brev"
    tekst = " ".join(p.read_text(encoding="utf-8") for p in (maler / "nynorsk").glob("*.j2"))
    tekst += (maler / "tekster.yaml").read_text(encoding="utf-8").split("\nnynorsk:")[1]
    for feil in ("blir send ", "blir send\n", "dei tiltak ", "av tema ", "gjennom tema "):
        assert feil not in tekst, feil
