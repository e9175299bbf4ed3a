"""The store's rules as pure functions (regler, hendelser, livslop): what is accepted, what is
refused, and the words they give, for every input hypothesis can think of. No database."""

from __future__ import annotations

import string
from datetime import date

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from pakkehjem import forlop, livslop, regler
from pakkehjem.datoer import norsk_dato
from pakkehjem.feil import UgyldigInndata
from pakkehjem.hendelser import hendelsestekst

datoer = st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31))
bokstav = st.sampled_from(string.ascii_uppercase)


# --- ICD-10 codes ---------------------------------------------------------------------------


@given(
    bokstav=bokstav,
    kapittel=st.integers(0, 99),
    under=st.none() | st.integers(0, 99).map(str) | st.integers(0, 9).map(str),
    punktum=st.booleans(),
    smaa=st.booleans(),
    mellomrom=st.sampled_from(["", " ", "  ", "\t"]),
)
def test_en_icd10_kode_skrives_alltid_paa_samme_maate(
    bokstav: str, kapittel: int, under: str | None, punktum: bool, smaa: bool, mellomrom: str
) -> None:
    skrevet = f"{bokstav}{kapittel:02d}" + (("." if punktum else "") + under if under else "")
    if smaa:
        skrevet = skrevet.lower()
    ventet = f"{bokstav}{kapittel:02d}" + (f".{under}" if under else "")
    assert regler.normaliser_diagnose(mellomrom + skrevet + mellomrom) == ventet
    # Normalised once is normalised: the stored form reads back as itself.
    assert regler.normaliser_diagnose(ventet) == ventet


@given(st.text(alphabet=string.ascii_letters + " ,-", min_size=1).filter(lambda t: t.strip()))
def test_tekst_uten_kode_er_ingen_diagnose_og_ekkoes_ikke(tekst: str) -> None:
    with pytest.raises(UgyldigInndata) as feil:
        regler.normaliser_diagnose(tekst)
    # The text can be a cell of a patient file: the message is the rule, never the text.
    assert str(feil.value) == "Diagnosen er ikke en ICD-10-kode. Skriv for eksempel C50.9 eller C18."


@given(st.sampled_from([None, "", "   "]))
def test_ingen_diagnose_er_ingen_diagnose(tekst: str | None) -> None:
    assert regler.normaliser_diagnose(tekst) is None


# --- times of day ----------------------------------------------------------------------------


@given(
    time=st.integers(0, 23),
    minutt=st.integers(0, 59),
    skille=st.sampled_from([":", "."]),
    ledd=st.sampled_from(["", "kl ", "kl. ", "KL.", "klokka "]),
    null_foran=st.booleans(),
)
def test_et_klokkeslett_skrives_tt_mm(
    time: int, minutt: int, skille: str, ledd: str, null_foran: bool
) -> None:
    skrevet = f"{ledd}{time:02d}" if null_foran else f"{ledd}{time}"
    assert regler.normaliser_klokkeslett(f"{skrevet}{skille}{minutt:02d}") == f"{time:02d}:{minutt:02d}"
    # "kl 10" alone is a whole hour.
    assert regler.normaliser_klokkeslett(f"kl {time}") == f"{time:02d}:00"


@given(time=st.integers(24, 99), minutt=st.integers(0, 99))
def test_et_klokkeslett_som_ikke_finnes_avvises(time: int, minutt: int) -> None:
    with pytest.raises(UgyldigInndata, match="ikke et klokkeslett"):
        regler.normaliser_klokkeslett(f"{time}:{minutt:02d}")


@given(time=st.integers(0, 23), minutt=st.integers(60, 99))
def test_minutter_over_59_avvises(time: int, minutt: int) -> None:
    with pytest.raises(UgyldigInndata):
        regler.normaliser_klokkeslett(f"{time}:{minutt}")


# --- typed text ------------------------------------------------------------------------------


@given(st.text(alphabet=st.characters(blacklist_categories=("Cc", "Cs")), max_size=60))
def test_vanlig_tekst_innenfor_grensen_godtas(tekst: str) -> None:
    assume(not any(t in tekst for t in "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2028\u2029"))
    assume(not any("\u2066" <= t <= "\u2069" for t in tekst))
    regler.sjekk_tekst(tekst, "--sted", maks=60)


@given(
    foran=st.text(alphabet=string.ascii_letters, max_size=10),
    styretegn=st.sampled_from(["\x1b", "\x07", "\x00", "\x9b", "\u202e"]),
)
def test_tekst_med_styretegn_avvises_uten_aa_gjentas(foran: str, styretegn: str) -> None:
    with pytest.raises(UgyldigInndata) as feil:
        regler.sjekk_tekst(foran + styretegn + "Ola", "--navn")
    assert "--navn" in str(feil.value) and styretegn not in str(feil.value)


@given(maks=st.integers(1, 50), over=st.integers(1, 20))
def test_for_lang_tekst_avvises(maks: int, over: int) -> None:
    with pytest.raises(UgyldigInndata, match="for lang"):
        regler.sjekk_tekst("a" * (maks + over), "Navnet", maks=maks)
    regler.sjekk_tekst("a" * maks, "Navnet", maks=maks)


# --- names for search ------------------------------------------------------------------------

navneord = st.text(alphabet="abcdefghijklmnopqrstuvwxyzæøåéüñ", min_size=1, max_size=8)


@given(st.lists(navneord, min_size=1, max_size=4), st.data())
def test_begynnelsen_av_hvert_ord_i_navnet_finner_navnet(ord_: list[str], data: st.DataObject) -> None:
    navn = " ".join(o.capitalize() for o in ord_)
    valgt = data.draw(st.sampled_from(ord_))
    prefiks = valgt[: data.draw(st.integers(1, len(valgt)))]
    assert regler.navnetreff(navn, prefiks.upper())
    assert regler.navnetreff(navn, prefiks)


def test_aeoeaa_er_egne_bokstaver_men_aksenter_foldes() -> None:
    assert not regler.navnetreff("Åse Ødegård", "ase")
    assert regler.navnetreff("Åse Ødegård", "åse øde")
    assert regler.navnetreff("José Müller", "jose mul")
    assert regler.navnetreff("Anne-Lise Berg", "lise")


@given(st.text(max_size=30))
def test_navnenokkelen_er_stabil(tekst: str) -> None:
    nokkel = regler.navn_nokkel(tekst)
    assert regler.navn_nokkel(nokkel) == nokkel
    assert nokkel == nokkel.casefold()


# --- the contact points of a new episode -----------------------------------------------------


@given(diagnosedato=datoer, sp1_uker=st.integers(1, 12), forlop_id=st.integers(1, 10**6))
def test_et_nytt_forlop_faar_tre_planlagte_punkter_med_forfall_lik_vinduet(
    diagnosedato: date, sp1_uker: int, forlop_id: int
) -> None:
    rader = regler.nye_punkter(forlop_id, diagnosedato, sp1_uker)
    assert [r[1] for r in rader] == [1, 2, 3]
    vinduer = forlop.vinduer(diagnosedato, sp1_uker)
    for fid, sp, ansvarlig, vfra, vtil, status, dato, kl, sted, grunn, ffra, ftil in rader:
        assert fid == forlop_id and status == forlop.PLANLAGT
        assert ansvarlig == forlop.ANSVARLIG[sp]
        assert (vfra, vtil) == (vinduer[sp].fra.isoformat(), vinduer[sp].til.isoformat())
        assert (ffra, ftil) == (vfra, vtil) and vfra <= vtil
        assert (dato, kl, sted, grunn) == (None, None, None, None)


# --- the diagnosis date ---------------------------------------------------------------------


@given(fodt=datoer, diagnose=datoer, idag=datoer)
def test_diagnosedatoen_ligger_mellom_fodselen_og_i_dag(fodt: date, diagnose: date, idag: date) -> None:
    if fodt <= diagnose <= idag:
        regler.sjekk_diagnosedato(diagnose, fodt, idag)
    else:
        with pytest.raises(UgyldigInndata):
            regler.sjekk_diagnosedato(diagnose, fodt, idag)


# --- status changes ---------------------------------------------------------------------------

STATUSER = (forlop.AVTALT, forlop.UTSATT, forlop.AVSLATT, forlop.BORTFALT)


@given(
    status=st.sampled_from(STATUSER),
    dato=st.none() | datoer,
    grunn=st.none() | st.sampled_from(["", "  ", "Syk"]),
)
def test_en_statusendring_trenger_dato_og_grunn_der_det_gjelder(
    status: str, dato: date | None, grunn: str | None
) -> None:
    mangler_dato = status != forlop.BORTFALT and dato is None
    mangler_grunn = status in (forlop.UTSATT, forlop.BORTFALT) and not (grunn or "").strip()
    brudd = regler.statusendring(status, dato, grunn)
    assert (brudd is not None) == (mangler_dato or mangler_grunn)
    if mangler_dato:
        assert brudd == "Oppgi datoen for samtalen."


@given(
    status=st.sampled_from(forlop.STATUSER), sp=st.sampled_from(forlop.SP_NUMRE), pid=st.integers(1, 10**9)
)
def test_bare_et_lukket_punkt_avvises_og_meldingen_sier_hvordan_det_aapnes(
    status: str, sp: int, pid: int
) -> None:
    melding = regler.lukket_punkt(status, sp, pid)
    assert (melding is None) == forlop.er_apen(status)
    if melding:
        assert f"gjenapne {pid} --sp {sp}" in melding
        assert regler.lukket_tekst(status) in melding


def test_lukket_tekst_sier_status_med_ord() -> None:
    assert regler.lukket_tekst(forlop.GJENNOMFORT) == "gjennomført"
    assert regler.lukket_tekst(forlop.HOLDT_ANNET_STED) == "holdt av en annen tjeneste"
    assert regler.lukket_tekst("planlagt") == "planlagt"


# --- the timeline's words ---------------------------------------------------------------------


@given(
    sp=st.sampled_from(forlop.SP_NUMRE),
    status=st.sampled_from(STATUSER),
    dato=datoer,
    kl=st.none() | st.sampled_from(["09:30", "14:00"]),
    sted=st.none() | st.sampled_from(["Kontoret", "Hjemme hos pasienten"]),
    grunn=st.none() | st.sampled_from(["Syk", "Ønsket det"]),
)
def test_hendelsesteksten_sier_punkt_dato_og_det_som_ble_oppgitt(
    sp: int, status: str, dato: date, kl: str | None, sted: str | None, grunn: str | None
) -> None:
    tekst = hendelsestekst(sp, status, None if status == forlop.BORTFALT else dato, kl, sted, grunn)
    assert tekst.startswith(f"SP{sp}") and tekst.endswith(".")
    if status != forlop.BORTFALT:
        assert norsk_dato(dato) in tekst
    if status == forlop.AVTALT:
        assert (kl is None or f"kl. {kl}" in tekst) and (sted is None or sted in tekst)
    if grunn and status != forlop.AVTALT:
        assert f"Grunn: {grunn}." in tekst


# --- the end of an episode ------------------------------------------------------------------


@given(
    kode=st.sampled_from(list(livslop.GRUNNER)),
    stor=st.booleans(),
    mellomrom=st.sampled_from(["", " ", "\t"]),
)
def test_en_grunn_leses_som_koden_skrevet_paa_alle_maater(kode: str, stor: bool, mellomrom: str) -> None:
    skrevet = {"dod": "død", "onske": "ønske", "fullfort": "fullført"}.get(kode, kode)
    for tekst in (kode, skrevet):
        assert livslop.les_grunn(mellomrom + (tekst.upper() if stor else tekst) + mellomrom) == kode


@given(st.text(max_size=20))
def test_en_ukjent_grunn_er_feil_inndata(tekst: str) -> None:
    assume(tekst.strip().lower() not in {"dod", "død", "flyttet", "onske", "ønske", "fullfort", "fullført"})
    with pytest.raises(UgyldigInndata):
        livslop.les_grunn(tekst)


@given(kommune=st.none() | st.sampled_from(["Bodø", "Tromsø"]), nytt=st.none() | st.integers(2, 9))
def test_punktgrunnen_sier_hvorfor_punktet_faller_bort(kommune: str | None, nytt: int | None) -> None:
    assert livslop.punktgrunn(livslop.DOD, None, None) == "Pasienten er død"
    flyttet = livslop.punktgrunn(livslop.FLYTTET, kommune, None)
    assert flyttet.startswith("Pasienten har flyttet") and (kommune is None or flyttet.endswith(kommune))
    residiv = livslop.punktgrunn(livslop.RESIDIV, None, nytt)
    assert residiv == (f"Residiv: nytt forløp {nytt}" if nytt else "Residiv")
