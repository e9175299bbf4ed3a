"""The interview guide: the shipped guide, answer values, conditions, answers files, broken guides."""

from __future__ import annotations

import contextlib
import json
import re
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pakkehjem.guide import (
    MOTTAKERE,
    TYPER,
    Guide,
    GuideFeil,
    Sporsmal,
    UgyldigeSvar,
    UgyldigSvar,
    beskriv_forventet,
    er_synlig,
    flagg,
    fra_tekst,
    gjeldende_svar,
    last_guide,
    les_tekst,
    mangler_pakrevd,
    neste_avtale,
    samtykker,
    synlige_sporsmal,
    tema_fremdrift,
    valider_fil,
    valider_svarsett,
    valider_verdi,
    vis_verdi,
)

OMRADER = [
    "familie", "jobb", "okonomi", "hjemmet", "rehabilitering", "fysisk", "ernaering",
    "egen_helse", "ressurser", "fritid", "psykisk", "seksuell", "munn",
]  # fmt: skip
BEHOV = ["ingen behov", "behov", "ønsker ikke å snakke om det", "ikke aktuelt"]


@pytest.fixture(scope="module")
def guide() -> Guide:
    return last_guide()


# --------------------------------------------------------------------------------------------------
# The shipped guide


def test_standardguiden_lastes_med_id_versjon_og_kilde(guide: Guide) -> None:
    assert guide.id == "pakkehjem-standard"
    assert guide.versjon == "1.0"
    assert guide.kilde.startswith("# Standard samtaleguide")
    # The stored source text loads to the same guide: an old conversation can show its own guide.
    assert fra_tekst(guide.kilde, "lagret") == guide


def test_standardguiden_har_temaene_i_standard_rekkefolge(guide: Guide) -> None:
    ider = [t.id for t in guide.tema]
    assert ider == [
        "tilstede", "viktig", *OMRADER, "barn_som_parorende", "parorende", "eksistensielt", "belastning",
        "symptomer", "tiltak_samlet", "samtykke", "neste",
    ]  # fmt: skip


@pytest.mark.parametrize("omrade", [*OMRADER, "eksistensielt"])
def test_hvert_temaomrade_har_behov_notat_og_tiltak(guide: Guide, omrade: str) -> None:
    behov = guide.sporsmal(f"{omrade}_behov")
    assert behov.type == "valg" and list(behov.valg) == BEHOV
    for del_ in ("notat", "tiltak"):
        oppfolging = guide.sporsmal(f"{omrade}_{del_}")
        assert oppfolging.vis_hvis == {"sporsmal": f"{omrade}_behov", "er": "behov"}
    assert guide.sporsmal(f"{omrade}_notat").type == "tekst"
    assert guide.sporsmal(f"{omrade}_tiltak").type == "tiltak"
    assert guide.tema_for(f"{omrade}_notat").id == omrade


def test_standardguiden_ider_er_unike_ascii_og_alle_har_hjelpetekst(guide: Guide) -> None:
    ider = [s.id for s in guide.alle_sporsmal()]
    assert len(ider) == len(set(ider))
    assert all(re.fullmatch(r"[a-z][a-z0-9_]*", i) for i in ider)
    assert all(s.hjelp for s in guide.alle_sporsmal())
    assert all(t.hjelp for t in guide.tema)


def test_ingen_plassholdere_i_teksten_til_standardguiden(guide: Guide) -> None:
    """A `%(tiltak)s` or `{{ x }}` left in the guide reaches the coordinator behind `?` as is."""
    tekster = [guide.tittel] + [t for tema in guide.tema for t in (tema.tittel, tema.hjelp)]
    for s in guide.alle_sporsmal():
        tekster += [s.tekst, s.hjelp, s.min_tekst or "", s.max_tekst or "", *(s.valg or ())]
    med_plassholder = [t for t in tekster if "%(" in t or "{{" in t or "{%" in t]
    assert med_plassholder == []
    assert "%(" not in json.dumps(guide.til_json(), ensure_ascii=False)


def test_hver_skala_i_standardguiden_har_ord_for_begge_ender(guide: Guide) -> None:
    skalaer = [s for s in guide.alle_sporsmal() if s.type == "skala"]
    assert len(skalaer) == 12  # 11 for the patient, 1 for the relative (parorende_belastning)
    assert all(s.min_tekst and s.max_tekst for s in skalaer)
    matlyst = guide.sporsmal("symptom_matlyst")
    assert matlyst.ankere() == "0 = normal matlyst, 10 = ingen matlyst i det hele tatt"
    assert vis_verdi(matlyst, 7) == "7 av 10 (0 = normal matlyst, 10 = ingen matlyst i det hele tatt)"


def test_en_skala_uten_ord_for_endene_avvises(tmp_path: Path) -> None:
    tekst = GYLDIG + (
        "      - id: smerte\n        tekst: Smerte\n        type: skala\n        min: 0\n        max: 10\n"
        '        min_tekst: "ingen smerte"\n'
    )
    feil = valider_fil(skriv(tmp_path, tekst))
    assert len(feil) == 1
    assert "spørsmål «smerte»: en skala må ha «max_tekst»: ordene for hva 10 betyr" in feil[0]


def test_bare_samtaleformen_er_pakrevd(guide: Guide) -> None:
    assert [s.id for s in guide.alle_sporsmal() if s.pakrevd] == ["samtaleform"]
    assert mangler_pakrevd(guide, {}) == ["samtaleform"]
    assert mangler_pakrevd(guide, {"samtaleform": "telefon"}) == []


def test_standardguiden_belastning_samtykke_og_neste_avtale(guide: Guide) -> None:
    belastning = guide.sporsmal("belastning_grad")
    assert (belastning.type, belastning.min, belastning.max, belastning.flagg_fra) == ("skala", 0, 10, 4)
    assert "Distress" not in guide.kilde and "NCCN" not in guide.kilde and "ESAS" not in guide.kilde
    assert sorted(s.samtykke for s in guide.alle_sporsmal() if s.samtykke) == sorted(MOTTAKERE)
    assert [s.id for s in guide.alle_sporsmal() if s.neste_avtale] == ["neste_dato"]


def test_barnesporsmalene_stilles_bare_nar_det_er_barn_under_18(guide: Guide) -> None:
    barn = [s.id for s in guide.finn_tema("barn_som_parorende").sporsmal]
    uten = {s.id for s in synlige_sporsmal(guide, {"barn_under_18": False})}
    med = {s.id for s in synlige_sporsmal(guide, {"barn_under_18": True, "barn_behov": "behov"})}
    assert set(barn) & uten == {"barn_under_18"}
    assert set(barn) <= med


def test_symptomskaringen_kan_hoppes_over_som_en_blokk(guide: Guide) -> None:
    symptomer = guide.finn_tema("symptomer").sporsmal
    assert symptomer[0].id == "symptomer_na" and symptomer[0].type == "janei"
    assert len([s for s in symptomer if s.type == "skala"]) == 10
    assert tema_fremdrift(guide, {"symptomer_na": False})["symptomer"] == (1, 1)
    assert tema_fremdrift(guide, {"symptomer_na": True})["symptomer"] == (1, 12)


def test_til_json_har_formen_fra_cli_md(guide: Guide) -> None:
    data = json.loads(json.dumps(guide.til_json(), ensure_ascii=False))
    assert {"id", "tittel", "versjon", "tema"} <= data.keys()
    for tema in data["tema"]:
        assert {"id", "tittel", "sporsmal"} <= tema.keys()
        for s in tema["sporsmal"]:
            assert {"id", "tekst", "type"} <= s.keys()
            assert s["type"] in TYPER
            if s["type"] in ("valg", "flervalg"):
                assert s["valg"]
            if s["type"] == "skala":
                assert s["min"] < s["max"]
            if "vis_hvis" in s:
                assert s["vis_hvis"].keys() in ({"sporsmal", "er"}, {"sporsmal", "en_av"})
    forste = data["tema"][0]["sporsmal"][0]
    assert forste["id"] == "tilstede_hvem" and forste["valg"] == ["pasient", "pårørende", "tolk", "annen"]


def test_ukjent_sporsmal_gir_norsk_keyerror(guide: Guide) -> None:
    with pytest.raises(KeyError, match="finnes ikke"):
        guide.sporsmal("finnes_ikke")
    assert "familie_behov" in guide and "finnes_ikke" not in guide


# --------------------------------------------------------------------------------------------------
# Answer values: valider_verdi (answers files, the engine) and les_tekst (typed at a terminal)


def sp(type_: str, **ekstra: object) -> Sporsmal:
    return Sporsmal(id="x", tekst="Spørsmål?", type=type_, **ekstra)


VALG = sp("valg", valg=("ingen behov", "behov", "ønsker ikke å snakke om det", "ikke aktuelt"))
FLERVALG = sp("flervalg", valg=("pasient", "pårørende", "tolk", "annen"))
SKALA = sp("skala", min=0, max=10)


@pytest.mark.parametrize(
    ("sporsmal", "verdi", "forventet"),
    [
        (sp("tekst"), "  Å komme meg på jobb igjen \r\n", "Å komme meg på jobb igjen"),
        (sp("tekst"), "linje 1\n\tlinje 2", "linje 1\n\tlinje 2"),
        (VALG, "behov", "behov"),
        (VALG, "Ikke Aktuelt", "ikke aktuelt"),
        (VALG, "onsker_ikke_a_snakke_om_det", "ønsker ikke å snakke om det"),
        (FLERVALG, ["tolk", "Pasient"], ["pasient", "tolk"]),
        (SKALA, 0, 0),
        (SKALA, 10, 10),
        (SKALA, "7", 7),
        (SKALA, 4.0, 4),
        (sp("janei"), True, True),
        (sp("janei"), "Nei", False),
        (sp("dato"), "2027-01-15", "2027-01-15"),
        (sp("dato"), "15.01.2027", "2027-01-15"),
        (sp("dato"), date(2027, 1, 15), "2027-01-15"),
        (
            sp("tiltak"),
            [{"hva": " Henvise til fysioterapeut ", "ansvarlig": "fastlegen", "frist": "01.02.2027"}],
            [{"hva": "Henvise til fysioterapeut", "ansvarlig": "fastlegen", "frist": "2027-02-01"}],
        ),
        (
            sp("tiltak"),
            [{"hva": "Ringe NAV", "ansvarlig": "pasienten"}],
            [{"hva": "Ringe NAV", "ansvarlig": "pasienten", "frist": None}],
        ),
        (sp("tiltak"), [], []),
    ],
)
def test_valider_verdi_godtar_og_normaliserer(sporsmal: Sporsmal, verdi: object, forventet: object) -> None:
    assert valider_verdi(sporsmal, verdi) == forventet


@pytest.mark.parametrize(
    ("sporsmal", "verdi", "melding"),
    [
        (sp("tekst"), 42, "Forventet tekst"),
        (sp("tekst"), "   ", "tomt"),
        (sp("tekst"), "a\x00b", "kontrolltegn"),
        (sp("tekst"), "x" * 10_001, "for lang"),
        (VALG, "kanskje", "ett av valgene: ingen behov, behov"),
        (VALG, 1, "ett av valgene"),
        (FLERVALG, "pasient", "liste"),
        (FLERVALG, ["pasient", "pasient"], "to ganger"),
        (FLERVALG, ["nabo"], "Valg nr. 1"),
        (FLERVALG, [], "tom"),
        (SKALA, 11, "fra 0 til 10"),
        (SKALA, -1, "fra 0 til 10"),
        (SKALA, True, "helt tall"),
        (SKALA, 4.5, "helt tall"),
        (SKALA, "sju", "helt tall"),
        (sp("janei"), 1, "ja eller nei"),
        (sp("janei"), "kanskje", "ja eller nei"),
        (sp("dato"), "31.02.2027", "finnes ikke i kalenderen"),
        (sp("dato"), "i morgen", "ÅÅÅÅ-MM-DD"),
        (sp("dato"), 20270115, "ÅÅÅÅ-MM-DD"),
        (sp("tiltak"), {"hva": "x", "ansvarlig": "y"}, "liste med tiltak"),
        (sp("tiltak"), [{"hva": "Ringe NAV"}], "Tiltak nr. 1, «ansvarlig»"),
        (sp("tiltak"), [{"hva": "", "ansvarlig": "fastlegen"}], "«hva»"),
        (sp("tiltak"), [{"hva": "x", "ansvarlig": "y", "frist": "snart"}], "«frist»"),
        (sp("tiltak"), [{"hva": "x", "ansvarlig": "y", "status": "apen"}], "ukjent nøkkel"),
        (sp("tekst"), None, "Mangler svar"),
    ],
)
def test_valider_verdi_avviser_med_norsk_melding(sporsmal: Sporsmal, verdi: object, melding: str) -> None:
    with pytest.raises(UgyldigSvar, match=re.escape(melding)):
        valider_verdi(sporsmal, verdi)


def test_feilmeldinger_gjentar_ikke_det_pasienten_sa() -> None:
    with pytest.raises(UgyldigSvar) as feil:
        valider_verdi(VALG, "kreften er hemmelig")
    assert "hemmelig" not in str(feil.value)
    with pytest.raises(UgyldigSvar) as feil:
        valider_verdi(sp("dato"), "hemmelig")
    assert "hemmelig" not in str(feil.value)


@pytest.mark.parametrize(
    ("sporsmal", "skrevet", "forventet"),
    [
        (VALG, "2", "behov"),
        (VALG, "behov", "behov"),
        (VALG, "ING", "ingen behov"),
        (VALG, "øns", "ønsker ikke å snakke om det"),
        (VALG, " 4 ", "ikke aktuelt"),
        (FLERVALG, "1,3", ["pasient", "tolk"]),
        (FLERVALG, "1 3", ["pasient", "tolk"]),
        (FLERVALG, "pårørende, pas", ["pasient", "pårørende"]),
        (SKALA, "7", 7),
        (sp("janei"), "J", True),
        (sp("janei"), "nei", False),
        (sp("dato"), "3.3.2027", "2027-03-03"),
        (sp("tekst"), "Barnebarna", "Barnebarna"),
        (
            sp("tiltak"),
            "Søke om hjelpemidler; ergoterapeut; 2027-02-01",
            [{"hva": "Søke om hjelpemidler", "ansvarlig": "ergoterapeut", "frist": "2027-02-01"}],
        ),
    ],
)
def test_les_tekst_forstar_det_koordinatoren_skriver(
    sporsmal: Sporsmal, skrevet: str, forventet: object
) -> None:
    assert les_tekst(sporsmal, skrevet) == forventet


@pytest.mark.parametrize(
    ("sporsmal", "skrevet", "melding"),
    [
        (VALG, "5", "tall fra 1 til 4"),
        (VALG, "0", "tall fra 1 til 4"),
        (VALG, "i", "passer til flere valg: ingen behov, ikke aktuelt"),
        (VALG, "kanskje", "ikke et av valgene"),
        (VALG, "", "Du skrev ingenting"),
        (FLERVALG, "1,,2", "tomt"),
        (FLERVALG, "1,1", "to ganger"),
        (SKALA, "11", "fra 0 til 10"),
        (SKALA, "mye", "helt tall fra 0 til 10"),
        (sp("janei"), "kanskje", "ja (j) eller nei (n)"),
        (sp("dato"), "32.01.2027", "finnes ikke"),
        (sp("tiltak"), "bare en ting", "hva; hvem"),
    ],
)
def test_les_tekst_sier_hva_som_skal_skrives(sporsmal: Sporsmal, skrevet: str, melding: str) -> None:
    with pytest.raises(UgyldigSvar, match=re.escape(melding)):
        les_tekst(sporsmal, skrevet)


def test_beskriv_forventet_og_vis_verdi(guide: Guide) -> None:
    belastning = guide.sporsmal("belastning_grad")
    assert beskriv_forventet(belastning).startswith("Skriv et helt tall fra 0 til 10.")
    assert vis_verdi(guide.sporsmal("barn_under_18"), True) == "ja"
    assert vis_verdi(guide.sporsmal("neste_dato"), "2027-03-03") == "3. mars 2027"
    tiltak = [{"hva": "Ringe NAV", "ansvarlig": "pasienten", "frist": None}]
    assert vis_verdi(guide.sporsmal("tiltak_avtalt"), tiltak) == "Ringe NAV (ansvarlig: pasienten)"


# hypothesis: whatever an answers file holds, the only exception is UgyldigSvar.
json_verdier = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text() | st.dates(),
    lambda barn: st.lists(barn, max_size=4) | st.dictionaries(st.text(max_size=10), barn, max_size=4),
    max_leaves=12,
)


STANDARD_SPORSMAL = last_guide().alle_sporsmal()


@settings(deadline=None, derandomize=True, max_examples=300)
@given(verdi=json_verdier, sporsmal=st.sampled_from(STANDARD_SPORSMAL + [FLERVALG, SKALA]))
def test_valider_verdi_gir_bare_ugyldigsvar(verdi: object, sporsmal: Sporsmal) -> None:
    with contextlib.suppress(UgyldigSvar):
        valider_verdi(sporsmal, verdi)


@settings(deadline=None, derandomize=True, max_examples=300)
@given(skrevet=st.text(), sporsmal=st.sampled_from(STANDARD_SPORSMAL))
def test_les_tekst_gir_bare_ugyldigsvar(skrevet: str, sporsmal: Sporsmal) -> None:
    with contextlib.suppress(UgyldigSvar):
        les_tekst(sporsmal, skrevet)


# --------------------------------------------------------------------------------------------------
# Conditions


def test_betingelse_er(guide: Guide) -> None:
    notat = guide.sporsmal("familie_notat")
    assert er_synlig(notat, {"familie_behov": "behov"})
    assert not er_synlig(notat, {"familie_behov": "ingen behov"})
    assert not er_synlig(notat, {})  # unanswered or skipped: not shown
    assert not er_synlig(notat, {"familie_behov": None})


def test_betingelse_en_av_og_flervalg() -> None:
    tolk = Sporsmal("tolk_sprak", "Hvilket språk?", "tekst", vis_hvis={"sporsmal": "hvem", "en_av": ["tolk"]})
    assert er_synlig(tolk, {"hvem": ["pasient", "tolk"]})
    assert not er_synlig(tolk, {"hvem": ["pasient"]})
    hoy = Sporsmal("hoy", "Hva belaster?", "tekst", vis_hvis={"sporsmal": "grad", "en_av": [8, 9, 10]})
    assert er_synlig(hoy, {"grad": 9})
    assert not er_synlig(hoy, {"grad": 4})
    # True == 1 in Python, but a yes answer is not the number 1.
    en = Sporsmal("en", "?", "tekst", vis_hvis={"sporsmal": "grad", "er": 1})
    assert not er_synlig(en, {"grad": True})


def test_kjede_av_betingelser_folger_endrede_svar(guide: Guide) -> None:
    # The coordinator said yes to children and need, then went back and answered no children.
    svar = {"barn_under_18": False, "barn_behov": "behov", "barn_notat": "..."}
    assert gjeldende_svar(guide, svar) == {"barn_under_18": False}
    assert "barn_notat" not in {s.id for s in synlige_sporsmal(guide, svar)}


def test_flagg_samtykker_og_neste_avtale(guide: Guide) -> None:
    svar = {"belastning_grad": 4, "symptomer_na": True, "symptom_smerte": 9, "samtykke_fastlege": True,
            "samtykke_nav": False, "neste_dato": "2027-03-03"}  # fmt: skip
    assert flagg(guide, svar) == ["belastning_grad"]
    assert flagg(guide, {"belastning_grad": 3}) == []
    assert samtykker(guide, svar) == {"fastlege": True, "nav": False}
    assert neste_avtale(guide, svar) == "2027-03-03"


# --------------------------------------------------------------------------------------------------
# A whole answers file (samtale --svar)


def test_valider_svarsett_normaliserer_i_guiderekkefolge(guide: Guide) -> None:
    svar = {
        "neste_dato": "03.03.2027",
        "samtaleform": "Hjemmebesøk",
        "belastning_grad": "6",
        "familie_behov": "behov",
        "familie_tiltak": [{"hva": "Samtale med barna", "ansvarlig": "kreftkoordinator"}],
        "jobb_behov": "ingen behov",
        "hva_er_viktig": None,  # skipped
    }
    ut = valider_svarsett(guide, svar)
    assert list(ut) == ["samtaleform", "familie_behov", "familie_tiltak", "jobb_behov", "belastning_grad",
                        "neste_dato"]  # fmt: skip
    assert (
        ut["samtaleform"] == "hjemmebesøk" and ut["belastning_grad"] == 6 and ut["neste_dato"] == "2027-03-03"
    )


def test_valider_svarsett_samler_alle_feil(guide: Guide) -> None:
    svar = {
        "ukjent_sporsmal": "x",
        "samtaleform": "brevdue",  # not a choice
        "belastning_grad": 12,  # out of range
        "barn_under_18": "kanskje",  # wrong type
        "barn_antall_alder": "to",  # depends on barn_under_18, itself wrong: not judged, one error is enough
        "barn_notat": "notat",  # barn_behov not answered: condition false
        "jobb_behov": "ingen behov",
        "jobb_notat": "skal ikke stå her",  # condition false
        "symptom_smerte": 5,  # symptomer_na not answered: condition false
    }
    with pytest.raises(UgyldigeSvar) as feil:
        valider_svarsett(guide, svar)
    ider = [sid for sid, _ in feil.value.feil]
    assert ider == ["ukjent_sporsmal", "samtaleform", "jobb_notat", "barn_under_18", "barn_notat",
                    "belastning_grad", "symptom_smerte"]  # fmt: skip
    meldinger = dict(feil.value.feil)
    assert "Ukjent spørsmål" in meldinger["ukjent_sporsmal"]
    assert "«jobb_behov» er besvart med «behov»" in meldinger["jobb_notat"]
    assert "fra 0 til 10" in meldinger["belastning_grad"]
    assert "skal ikke stå her" not in str(feil.value)


def test_valider_svarsett_ikke_en_oversikt(guide: Guide) -> None:
    with pytest.raises(UgyldigeSvar, match="oversikt"):
        valider_svarsett(guide, ["samtaleform", "kontor"])


# --------------------------------------------------------------------------------------------------
# Broken guide files: every error names the file and the question


GYLDIG = """\
id: test
tittel: Test
versjon: "1"
tema:
  - id: forste
    tittel: Første
    hjelp: Hjelp
    sporsmal:
      - id: behov
        tekst: Behov?
        type: valg
        valg: [ja, nei]
        hjelp: Hjelp
      - id: notat
        tekst: Notat
        type: tekst
        vis_hvis: {sporsmal: behov, er: ja}
"""


def skriv(tmp_path: Path, tekst: str) -> Path:
    fil = tmp_path / "kommunens_guide.yaml"
    fil.write_text(tekst, encoding="utf-8")
    return fil


def test_gyldig_egen_guide(tmp_path: Path) -> None:
    fil = skriv(tmp_path, GYLDIG)
    assert valider_fil(fil) == []
    guide = last_guide(fil)
    assert guide.kilde_navn == str(fil) and guide.kilde == GYLDIG


@pytest.mark.parametrize(
    ("endring", "sporsmal", "melding"),
    [
        (("type: tekst", "type: fritekst"), "notat", "ukjent type «fritekst»"),
        (("id: notat", "id: behov"), "behov", "finnes to ganger"),
        (("er: ja", "er: kanskje"), "notat", "ikke passer til spørsmålet «behov»"),
        (("sporsmal: behov, er", "sporsmal: senere, er"), "notat", "ikke finnes"),
        (("        valg: [ja, nei]\n", ""), "behov", "mangler «valg»"),
        (("        valg: [ja, nei]\n", "        valg: []\n"), "behov", "mangler «valg»"),
        (
            ("        hjelp: Hjelp\n", "        hjelp: Hjelp\n        farge: rød\n"),
            "behov",
            "ukjent nøkkel «farge»",
        ),
        (("id: behov", "id: Behov-1"), "spørsmål nr. 1 i tema «forste»", "gyldig «id»"),
        (("        valg: [ja, nei]\n", "        valg: [yes, no]\n"), "behov", "anførselstegn"),
    ],
)
def test_odelagt_guide_navngir_fil_og_sporsmal(
    tmp_path: Path, endring: tuple[str, str], sporsmal: str, melding: str
) -> None:
    fil = skriv(tmp_path, GYLDIG.replace(*endring, 1))
    with pytest.raises(GuideFeil) as feil:
        last_guide(fil)
    tekst = str(feil.value)
    assert str(fil) in tekst
    assert sporsmal in tekst
    assert melding in tekst
    assert feil.value.feil == valider_fil(fil)


def test_vis_hvis_til_et_senere_sporsmal(tmp_path: Path) -> None:
    tekst = GYLDIG.replace("sporsmal: behov, er: ja", "sporsmal: senere, er: ja") + (
        "      - id: senere\n        tekst: Senere?\n        type: janei\n"
    )
    fil = skriv(tmp_path, tekst)
    with pytest.raises(GuideFeil, match=r"linje 14: spørsmål «notat»: .*«senere», som kommer senere"):
        last_guide(fil)


def test_skala_og_samtykke_kontrolleres(tmp_path: Path) -> None:
    tekst = GYLDIG + (
        "      - id: grad\n        tekst: Grad\n        type: skala\n        min: 10\n        max: 0\n"
        "        min_tekst: lav\n        max_tekst: høy\n"
        "      - id: del\n        tekst: Del?\n        type: janei\n        samtykke: naboen\n"
    )
    feil = valider_fil(skriv(tmp_path, tekst))
    assert len(feil) == 2
    assert "spørsmål «grad»: «min» (10) må være mindre enn «max» (0)" in feil[0]
    assert "spørsmål «del»: «samtykke» må være en av mottakerne fastlege, kommune" in feil[1]


def test_ugyldig_yaml_gir_linjenummer(tmp_path: Path) -> None:
    fil = skriv(tmp_path, GYLDIG.replace("tekst: Notat", "tekst: [Notat"))
    with pytest.raises(GuideFeil, match=rf"^{re.escape(str(fil))}, linje \d+: filen er ikke gyldig YAML"):
        last_guide(fil)


def test_valider_fil_gir_alle_feil_ikke_bare_den_forste(tmp_path: Path) -> None:
    tekst = GYLDIG.replace("type: tekst", "type: fritekst").replace("valg: [ja, nei]", "valg: []")
    tekst = tekst.replace('versjon: "1"', "versjon: 1")
    feil = valider_fil(skriv(tmp_path, tekst))
    assert len(feil) == 3
    assert any("anførselstegn" in f for f in feil)


def test_manglende_og_tom_fil(tmp_path: Path) -> None:
    assert "finnes ikke" in valider_fil(tmp_path / "borte.yaml")[0]
    with pytest.raises(GuideFeil, match="tom"):
        last_guide(skriv(tmp_path, ""))
    with pytest.raises(GuideFeil, match="mangler «tema»"):
        fra_tekst("id: x\ntittel: X\nversjon: '1'\n", "x.yaml")


def test_omfanget_til_et_samtykke_ma_navngi_guidens_tema() -> None:
    from pakkehjem.guide import GuideFeil, fra_tekst, last_guide

    tekst = last_guide().kilde
    assert fra_tekst(tekst).sporsmal("samtykke_nav_tema").samtykke_omfang == "nav"
    with pytest.raises(GuideFeil, match="ukjent: lottokupong"):
        fra_tekst(tekst.replace("valg: [jobb, okonomi,", "valg: [lottokupong, okonomi,", 1))
    # A nested list is reported as a bad choice list, not a crash.
    with pytest.raises(GuideFeil):
        fra_tekst(tekst.replace("valg: [jobb, okonomi,", "valg: [[jobb], okonomi,", 1))


# --------------------------------------------------------------------------------------------------
# Who can be responsible for an action: data of each guide


def test_standardguiden_har_listen_over_hvem_som_kan_ha_ansvaret_for_et_tiltak(guide: Guide) -> None:
    assert guide.tiltak_ansvarlige == (
        "pasienten", "pårørende", "fastlegen", "kommunen", "sykehuset", "NAV", "Kreftforeningen", "LMS",
    )  # fmt: skip
    assert guide.til_json()["tiltak_ansvarlige"][:3] == ["pasienten", "pårørende", "fastlegen"]


def test_en_guide_uten_egen_liste_bruker_standardlisten(tmp_path: Path) -> None:
    assert last_guide(skriv(tmp_path, GYLDIG)).tiltak_ansvarlige == last_guide().tiltak_ansvarlige


def test_en_kommune_kan_ha_sin_egen_liste_over_ansvarlige(tmp_path: Path) -> None:
    guide = last_guide(
        skriv(
            tmp_path,
            GYLDIG.replace("tema:\n", "tiltak_ansvarlige: [hjemmetjenesten, Frisklivssentralen]\ntema:\n", 1),
        )
    )
    assert guide.tiltak_ansvarlige == ("hjemmetjenesten", "Frisklivssentralen")


@pytest.mark.parametrize(
    ("liste", "melding"),
    [
        ("[]", "må være en liste med hvem som kan ha ansvaret"),
        ("fastlegen", "må være en liste med hvem som kan ha ansvaret"),
        ("[fastlegen, 12]", "nr. 2 er ikke tekst"),
        ("[fastlegen, Fastlegen]", "har «Fastlegen» to ganger"),
        ("[fastlegen, annen]", "skal ikke ha med «annen»"),
        ('[fastlegen, "sykehuset: lege"]', "kan ikke være et tall eller ha kolon"),
        ('[fastlegen, "3"]', "kan ikke være et tall eller ha kolon"),
    ],
)
def test_en_odelagt_liste_over_ansvarlige_avvises_med_norsk_melding(
    tmp_path: Path, liste: str, melding: str
) -> None:
    fil = skriv(tmp_path, GYLDIG.replace("tema:\n", f"tiltak_ansvarlige: {liste}\ntema:\n", 1))
    with pytest.raises(GuideFeil) as feil:
        last_guide(fil)
    assert str(fil) in str(feil.value) and melding in str(feil.value)


def test_en_svarfil_skriver_en_ansvarlig_fra_listen_slik_guiden_staver_den(guide: Guide) -> None:
    svar = {"barn_under_18": True, "barn_behov": "behov", "barn_tiltak": [
        {"hva": "Time", "ansvarlig": "Fastlegen"},
        {"hva": "Møte", "ansvarlig": "nav"},
        {"hva": "Ringe", "ansvarlig": "helsesykepleier på skolen"},
    ]}  # fmt: skip
    tiltak = valider_svarsett(guide, svar)["barn_tiltak"]
    assert [t["ansvarlig"] for t in tiltak] == ["fastlegen", "NAV", "helsesykepleier på skolen"]


# --------------------------------------------------------------------------------------------------
# A scale's anchors in nynorsk


def test_skalaens_ender_paa_nynorsk_til_nynorske_brev(guide: Guide) -> None:
    matlyst = guide.sporsmal("symptom_matlyst")
    assert matlyst.ankere("nynorsk") == "0 = normal matlyst, 10 = inga matlyst i det heile"
    assert vis_verdi(matlyst, 7, "nynorsk") == "7 av 10 (0 = normal matlyst, 10 = inga matlyst i det heile)"
    assert all(s.min_tekst_nn and s.max_tekst_nn for s in guide.alle_sporsmal() if s.type == "skala")


SMERTE = (
    "      - id: smerte\n        tekst: Smerte\n        type: skala\n        min: 0\n        max: 10\n"
    '        min_tekst: "ingen smerte"\n        max_tekst: "verst tenkelige smerte"\n'
)


def test_en_guide_uten_nynorske_ender_bruker_bokmaal_ogsaa_paa_nynorsk(tmp_path: Path) -> None:
    smerte = last_guide(skriv(tmp_path, GYLDIG + SMERTE)).sporsmal("smerte")
    assert smerte.ankere("nynorsk") == smerte.ankere() == "0 = ingen smerte, 10 = verst tenkelige smerte"


def test_bare_den_ene_nynorske_enden_avvises(tmp_path: Path) -> None:
    feil = valider_fil(skriv(tmp_path, GYLDIG + SMERTE + '        min_tekst_nn: "ingen smerte"\n'))
    assert len(feil) == 1 and "«min_tekst_nn» må ha «max_tekst_nn» med seg" in feil[0]


# --- YAML nested too deep: refused at once, with the answer the pure-Python loader gives --------

DYPT_NESTET = [
    pytest.param("- " * 50_000 + "x\n", id="blokklister"),
    pytest.param("{a: " * 50_000, id="flytmapping"),
    pytest.param("".join(" " * i + f"k{i}:\n" for i in range(3000)), id="innrykk"),
]
IKKE_DYPT = [
    pytest.param('a: "' + "[" * 3000 + '"\n', id="klammer-i-en-tekst"),
    pytest.param("# " + "[" * 3000 + "\n" + "tema: []\n", id="klammer-i-en-kommentar"),
    pytest.param("[" * 400 + "]" * 400, id="flytlister-400"),
    pytest.param("tema: [\n", id="syntaksfeil"),
]


@pytest.mark.parametrize("tekst", DYPT_NESTET)
def test_yaml_nestet_for_dypt_gir_recursionerror_som_den_rene_python_lasteren(tekst: str) -> None:
    """The shortcut (libyaml's event parser, which does not recurse) answers as the pure-Python
    loader does, without its seconds of scanning on `[[[[…`: RecursionError, which every caller
    turns into «nestet for dypt»."""
    import yaml

    from pakkehjem import guide as guide_modul

    assert guide_modul.nestet_for_dypt(tekst)
    with pytest.raises(RecursionError):
        yaml.load(tekst, Loader=yaml.SafeLoader)
    with pytest.raises(RecursionError):
        yaml.load(tekst, Loader=guide_modul.yaml_laster(tekst))


@pytest.mark.parametrize("tekst", IKKE_DYPT)
def test_yaml_som_ikke_er_for_dyp_leses_som_for(tekst: str) -> None:
    import yaml

    from pakkehjem import guide as guide_modul

    assert not guide_modul.nestet_for_dypt(tekst)

    def svar(laster: type) -> object:
        try:
            return yaml.load(tekst, Loader=laster)
        except yaml.YAMLError as feil:
            return type(feil)

    assert svar(guide_modul.yaml_laster(tekst)) == svar(yaml.SafeLoader)


def test_hundre_tusen_klammer_gir_samme_melding_som_for(tmp_path: Path) -> None:
    """`[` 100,000 times: libyaml stops at its own limit of nesting while it looks ahead; that
    too is «nestet for dypt», the pure-Python loader's answer after seconds."""
    from pakkehjem import guide as guide_modul

    assert guide_modul.nestet_for_dypt("[" * 100_000)
    fil = tmp_path / "dyp.yaml"
    fil.write_text("[" * 100_000, encoding="utf-8")
    melding = f"{fil}: filen er nestet for dypt til å være en samtaleguide (lister i lister)."
    assert valider_fil(fil) == [melding]
