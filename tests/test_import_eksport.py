"""`pakkehjem importer` and `pakkehjem eksport`: header variants, every error with line and
column, all or nothing, --proving, --hopp-over-feil, an empty file, Excel's semicolons and
byte order mark, a round trip into a fresh register, formula neutralising and file modes."""

from __future__ import annotations

import csv
import io
import json
import os
import sqlite3
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from hjelp import IDAG, json_ut, melding
from pakkehjem import forlop

FELT = ("fnr", "navn", "kommune", "fastlege", "koordinator", "telefon")


def skriv_csv(
    sti: Path, rader: list[list[str]], skille: str = ",", bom: bool = False, koding: str = "utf-8"
) -> Path:
    ut = io.StringIO()
    csv.writer(ut, delimiter=skille, lineterminator="\r\n").writerows(rader)
    sti.write_bytes(("\ufeff" if bom else "").encode() + ut.getvalue().encode(koding))
    return sti


def tilgangslogg(db_sti: Path, handling: str) -> list[int]:
    tilkobling = sqlite3.connect(db_sti)
    try:
        return [
            r[0]
            for r in tilkobling.execute(
                "SELECT pasient_id FROM tilgangslogg WHERE handling = ? ORDER BY pasient_id", (handling,)
            )
        ]
    finally:
        tilkobling.close()


def feil_fnr(gyldig: str) -> str:
    """The same number with a wrong last check digit."""
    return gyldig[:10] + str((int(gyldig[10]) + 1) % 10)


# --- import: good rows -----------------------------------------------------------------------


def test_semikolon_bom_og_norske_overskrifter(
    kjor, testregister: Path, syntetisk_fnr: Callable[..., str], tmp_path: Path, db_sti: Path
) -> None:
    a, b = syntetisk_fnr(date(1955, 4, 2)), syntetisk_fnr(date(1970, 12, 24))
    fil = skriv_csv(
        tmp_path / "regneark.csv",
        [
            [
                "Fødselsnummer",
                " NAVN ",
                "Diagnosedato (dd.mm.åååå)",
                "ICD-10",
                "Bostedskommune",
                "Fastlege",
                "Kreftkoordinator",
                "Tlf.",
                "Merknad",
            ],
            [
                a[:6] + " " + a[6:],
                "Åse Ødegård",
                "02.11.2026",
                "c509",
                "Bodø",
                "Dr. Berg",
                "Kari",
                "'+47 99 88 77 66",
                "ringer selv",
            ],
            [b, "Per Li; junior", "2026-10-01", "", "Tromsø", "", "Kari", "", ""],
        ],
        skille=";",
        bom=True,
    )
    resultat = kjor("importer", fil, "--dato", IDAG)
    assert resultat.exit_code == 0, resultat.output
    tekst = melding(resultat)
    assert "Importerte 2 pasienter (nr. 1–2)" in tekst
    assert "1 kolonne har overskrifter pakkehjem ikke kjenner" in tekst
    assert "Merknad" not in tekst  # a header as written is not echoed
    forste = json_ut(kjor("vis", "1", "--dato", IDAG, "--json"))
    assert (
        forste["fnr"],
        forste["navn"],
        forste["kommune"],
        forste["fastlege"],
        forste["koordinator"],
        forste["telefon"],
    ) == (a, "Åse Ødegård", "Bodø", "Dr. Berg", "Kari", "+47 99 88 77 66")
    assert forste["fodselsdato"] == "1955-04-02"
    episode = forste["forlop"][0]
    assert (episode["nr"], episode["diagnosedato"], episode["diagnose"], episode["status"]) == (
        1,
        "2026-11-02",
        "C50.9",
        "aktiv",
    )
    vinduer = forlop.vinduer(date(2026, 11, 2))
    assert [
        (s["sp"], s["ansvarlig"], s["vindu_fra"], s["vindu_til"], s["status"])
        for s in episode["samhandlingspunkter"]
    ] == [
        (sp, forlop.ANSVARLIG[sp], v.fra.isoformat(), v.til.isoformat(), "planlagt")
        for sp, v in vinduer.items()
    ]
    assert forste["hendelser"][0]["type"] == "registrert"
    andre = json_ut(kjor("vis", "2", "--dato", IDAG, "--json"))
    assert andre["navn"] == "Per Li; junior" and andre["forlop"][0]["diagnose"] is None
    # Imported patients show on the work list like any other.
    liste = json_ut(kjor("forfaller", "--uke", "--dato", IDAG, "--json"))
    assert {(r["pasient_id"], r["sp"], r["tilstand"]) for r in liste} == {
        (1, 1, "i_vindu"),
        (2, 1, "forfalt"),
    }
    assert tilgangslogg(db_sti, "importer") == [1, 2]


def test_same_vinduer_som_ny_pasient(kjor, ny_pasient, syntetisk_fnr, tmp_path: Path) -> None:
    """An imported patient and one registered with ny-pasient get the same episode."""
    kjor("innstillinger", "sp1_uker", "6")
    laget = ny_pasient("2026-01-31")
    fil = skriv_csv(
        tmp_path / "p.csv", [["fnr", "navn", "diagnosedato"], [syntetisk_fnr(), "X", "31.01.2026"]]
    )
    assert kjor("importer", fil, "--dato", IDAG).exit_code == 0
    importert = json_ut(kjor("vis", "2", "--dato", IDAG, "--json"))
    nokler = ("sp", "ansvarlig", "vindu_fra", "vindu_til", "status", "dato", "tilstand")
    assert [{k: s[k] for k in nokler} for s in importert["forlop"][0]["samhandlingspunkter"]] == [
        {k: s[k] for k in nokler} for s in laget["forlop"][0]["samhandlingspunkter"]
    ]


def test_fornavn_og_etternavn_og_windows_1252(kjor, testregister, syntetisk_fnr, tmp_path: Path) -> None:
    fil = skriv_csv(
        tmp_path / "excel.csv",
        [
            ["Personnummer", "Fornavn", "Etternavn", "Diagnose dato"],
            [syntetisk_fnr(), "Bjørg", "Østby", "1.9.2026"],
        ],
        skille=";",
        koding="cp1252",
    )
    resultat = kjor("importer", fil, "--dato", IDAG, "--tegnsett", "cp1252", "--json")
    assert resultat.exit_code == 0, resultat.output
    data = json.loads(resultat.stdout)
    assert data["importert"] == 1 and data["koding"] == "windows-1252" and data["skilletegn"] == "semikolon"
    assert data["kolonner"]["fnr"] == "Personnummer"
    assert "Windows-1252" in resultat.stderr or "windows-1252" in resultat.stderr
    assert json_ut(kjor("vis", "1", "--json"))["navn"] == "Bjørg Østby"


# --- import: bad rows ------------------------------------------------------------------------


@pytest.fixture
def fil_med_feil(
    kjor, ny_pasient, syntetisk_fnr: Callable[..., str], tmp_path: Path
) -> tuple[Path, list[str]]:
    """A file where six of eight rows are wrong, one in each way; one number is registered."""
    registrert = ny_pasient("2026-10-01")["fnr"]
    god1, god2, dobbel = syntetisk_fnr(), syntetisk_fnr(), syntetisk_fnr()
    rader = [
        ["fnr", "navn", "diagnosedato", "diagnose", "kommune"],  # line 1
        [god1, "God Pasient", "2026-11-02", "C50.9", "Oslo"],  # line 2
        [feil_fnr(syntetisk_fnr()), "Feil Nummer", "2026-11-02", "", ""],  # line 3
        [syntetisk_fnr(), "Fram I Tid", "2027-01-01", "", ""],  # line 4
        [syntetisk_fnr(), "Feil Kode", "2026-11-02", "C5O", ""],  # line 5
        [dobbel, "", "31.02.2026", "", ""],  # line 6: no name, impossible date
        [],  # line 7: blank
        [dobbel, "Dobbel I Filen", "2026-11-02", "", ""],  # line 8
        [registrert, "Finnes Fra Før", "2026-11-02", "", ""],  # line 9
        [god2, "God Nummer To", "2026-11-03", "", ""],  # line 10
    ]
    return skriv_csv(tmp_path / "feil.csv", rader), [god1, god2]


FORVENTEDE_FEIL = [
    "Linje 3, kolonne 1 (fødselsnummer): Ugyldig fødselsnummer: Kontrollsifrene stemmer ikke",
    "Linje 4, kolonne 3 (diagnosedato): Diagnosedatoen ligger fram i tid",
    "Linje 5, kolonne 4 (diagnose): Diagnosen er ikke en ICD-10-kode",
    "Linje 6, kolonne 2 (navn): Navnet mangler.",
    "Linje 6, kolonne 3 (diagnosedato): Datoen finnes ikke i kalenderen.",
    "Linje 8, kolonne 1 (fødselsnummer): Samme fødselsnummer som på linje 6.",
    "Linje 9, kolonne 1 (fødselsnummer): Fødselsnummeret er allerede registrert, som pasient nr. 1.",
]


def test_hver_feil_med_linje_og_kolonne_og_ingenting_importeres(
    kjor, forvent_feil, fil_med_feil, radtall
) -> None:
    fil, _ = fil_med_feil
    for_ = radtall()
    tekst = forvent_feil(kjor("importer", fil, "--dato", IDAG), 2, "6 av 8 rader", "Ingenting er importert")
    posisjoner = [tekst.index(f) for f in FORVENTEDE_FEIL]
    assert posisjoner == sorted(posisjoner)  # by line, then by column
    assert "--hopp-over-feil" in tekst
    after = radtall()
    assert {t: after[t] for t in ("pasient", "forlop", "samhandlingspunkt", "hendelse")} == {
        t: for_[t] for t in ("pasient", "forlop", "samhandlingspunkt", "hendelse")
    }


def test_proving_skriver_ingenting(
    kjor, fil_med_feil, radtall, testregister, syntetisk_fnr, tmp_path
) -> None:
    fil = skriv_csv(
        tmp_path / "ok.csv",
        [
            ["fnr", "navn", "diagnosedato"],
            [syntetisk_fnr(), "A", "2026-11-01"],
            [syntetisk_fnr(), "B", "2026-11-02"],
        ],
    )
    for_ = radtall()
    resultat = kjor("importer", fil, "--proving", "--dato", IDAG)
    assert resultat.exit_code == 0, resultat.output
    assert "Prøvekjøring: 2 av 2 rader kan importeres. Ingenting er lagret." in melding(resultat)
    assert radtall() == for_
    # With errors, --proving reports them all, exit 2, and writes no patient data.
    feilfil, _ = fil_med_feil
    for_ = radtall()
    resultat = kjor("importer", feilfil, "--proving", "--dato", IDAG)
    assert resultat.exit_code == 2
    assert all(f in melding(resultat) for f in FORVENTEDE_FEIL)
    etter = radtall()
    assert all(etter[t] == for_[t] for t in ("pasient", "forlop", "samhandlingspunkt", "hendelse"))
    # --proving --hopp-over-feil: what would be imported and skipped, still nothing written.
    resultat = kjor("importer", feilfil, "--proving", "--hopp-over-feil", "--dato", IDAG, "--json")
    assert resultat.exit_code == 0
    data = json.loads(resultat.stdout)
    assert (data["rader"], data["gyldige"], data["importert"], data["hoppet_over"]) == (8, 2, 0, 6)
    assert radtall()["pasient"] == for_["pasient"]


def test_hopp_over_feil_importerer_de_gyldige(kjor, fil_med_feil, db_sti: Path) -> None:
    fil, gode = fil_med_feil
    resultat = kjor("importer", fil, "--hopp-over-feil", "--dato", IDAG, "--json")
    assert resultat.exit_code == 0, resultat.output
    data = json.loads(resultat.stdout)
    assert (data["importert"], data["hoppet_over"]) == (2, 6)
    assert data["pasienter"] == {"fra": 2, "til": 3}
    assert [(f["linje"], f["kolonne"], f["felt"]) for f in data["feil"]] == [
        (3, 1, "fnr"),
        (4, 3, "diagnosedato"),
        (5, 4, "diagnose"),
        (6, 2, "navn"),
        (6, 3, "diagnosedato"),
        (8, 1, "fnr"),
        (9, 1, "fnr"),
    ]
    assert "6 rader med feil er hoppet over" in melding(resultat)
    pasienter = json_ut(kjor("pasienter", "--dato", IDAG, "--json"))
    assert sorted(p["navn"] for p in pasienter) == ["God Nummer To", "God Pasient", "Testpasient 1"]
    # The registered patient the check found is in the access log.
    assert tilgangslogg(db_sti, "importer-kontroll") == [1]


def test_syntetiske_numre_avvises_i_et_ekte_register(kjor, syntetisk_fnr, tmp_path, forvent_feil) -> None:
    fil = skriv_csv(
        tmp_path / "p.csv", [["fnr", "navn", "diagnosedato"], [syntetisk_fnr(), "A", "2026-11-01"]]
    )
    forvent_feil(
        kjor("importer", fil, "--dato", IDAG), 2, "Linje 2, kolonne 1 (fødselsnummer)", "syntetisk testnummer"
    )


@pytest.mark.parametrize(
    ("innhold", "ord_"),
    [
        (b"", "er tom"),
        (b"\xef\xbb\xbf\r\n  \r\n", "er tom"),
        (b"fnr;navn;diagnosedato\r\n", "bare overskriftsraden"),
        (b"fnr;navn;kommune\r\n12345678901;A;Oslo\r\n", "Fant ingen kolonne for diagnosedato"),
        (b"navn,dato\r\nA,2026-01-01\r\n", "fødselsnummer og diagnosedato"),
        (b"fnr;personnummer;navn;diagnosedato\r\n1;2;A;2026-01-01\r\n", "Kolonne 1 og 2 er begge"),
        (b'fnr,navn,diagnosedato\r\n"123,A,2026\r\n', "CSV"),
    ],
)
def test_tom_eller_uleselig_fil_gir_en_klar_melding(
    kjor, forvent_feil, testregister, tmp_path: Path, radtall, innhold: bytes, ord_: str
) -> None:
    fil = tmp_path / "fil.csv"
    fil.write_bytes(innhold)
    for_ = radtall()
    tekst = forvent_feil(kjor("importer", fil, "--dato", IDAG), 2, ord_)
    assert "Ingenting er importert" in tekst or "CSV" in tekst
    assert radtall()["pasient"] == for_["pasient"]


def test_fil_som_ikke_finnes(kjor, forvent_feil, testregister, tmp_path: Path) -> None:
    forvent_feil(kjor("importer", tmp_path / "borte.csv"), 2, "Finner ikke filen")


# --- export ----------------------------------------------------------------------------------


@pytest.fixture
def eksportregister(kjor, ny_pasient) -> list[dict]:
    """Three patients; one with values a spreadsheet would take for formulas."""
    return [
        ny_pasient(
            "2026-11-02", navn="Kari Nordmann", kommune="Oslo", koordinator="Siri", telefon="22 33 44 55"
        ),
        ny_pasient(
            "2026-06-15",
            navn='=HYPERLINK("http://x")',
            kommune="@SUM(A1)",
            fastlege="-Lege",
            telefon="+47 99 88 77 66",
            koordinator="Siri",
            diagnose="C61",
        ),
        ny_pasient("2025-12-01", navn="Ola Åsen", kommune="Bodø"),
    ]


def test_csv_noytraliserer_formler(kjor, eksportregister) -> None:
    resultat = kjor("eksport", "pasienter")
    assert resultat.exit_code == 0, resultat.output
    assert not resultat.stdout.startswith("\ufeff")  # no byte order mark on stdout
    rader = list(csv.DictReader(io.StringIO(resultat.stdout), delimiter=";"))
    andre = rader[1]
    assert andre["navn"] == '\'=HYPERLINK("http://x")'
    assert andre["kommune"] == "'@SUM(A1)"
    assert andre["fastlege"] == "'-Lege"
    assert andre["telefon"] == "'+47 99 88 77 66"
    assert rader[0]["navn"] == "Kari Nordmann" and rader[0]["telefon"] == "22 33 44 55"
    for rad in rader:
        assert not any(c and c[0] in "=+-@\t\r" for c in rad.values())
    # JSON is not for spreadsheets: the values stay as they are.
    data = json_ut(kjor("eksport", "pasienter", "--format", "json"))
    assert data[1]["navn"] == '=HYPERLINK("http://x")' and data[1]["telefon"] == "+47 99 88 77 66"


def test_noytraliser_alle_formeltegn() -> None:
    from pakkehjem.eksport import noytraliser

    for tegn in ("=", "+", "-", "@", "\t", "\r"):
        assert noytraliser(f"{tegn}1+1") == f"'{tegn}1+1"
    assert noytraliser("Kari") == "Kari" and noytraliser("") == "" and noytraliser("1-2") == "1-2"


def test_rundtur_eksport_import_til_et_nytt_register(
    kjor, eksportregister, tmp_path: Path, db_sti: Path
) -> None:
    fil = tmp_path / "pasienter.csv"
    assert kjor("eksport", "pasienter", "-o", fil).exit_code == 0
    assert fil.read_bytes().startswith(b"\xef\xbb\xbf")
    nytt = tmp_path / "nytt.db"
    assert kjor("--db", nytt, "innstillinger", "tillat_syntetiske", "ja").exit_code == 0
    resultat = kjor("--db", nytt, "importer", fil, "--dato", IDAG)
    assert resultat.exit_code == 0, resultat.output
    assert "Importerte 3 pasienter" in melding(resultat)
    for original in eksportregister:
        kopi = json_ut(kjor("--db", nytt, "vis", original["fnr"], "--dato", IDAG, "--json"))
        for felt in ("fnr", "navn", "fodselsdato", "kommune", "fastlege", "koordinator", "telefon", "status"):
            assert kopi[felt] == original[felt], felt
        for felt in ("diagnosedato", "diagnose"):
            assert kopi["forlop"][0][felt] == original["forlop"][0][felt]
        assert [s["vindu_fra"] for s in kopi["forlop"][0]["samhandlingspunkter"]] == [
            s["vindu_fra"] for s in original["forlop"][0]["samhandlingspunkter"]
        ]
    # The JSON export of the new register matches the old one, but for the local numbers.
    gammel = json_ut(kjor("eksport", "pasienter", "--format", "json"))
    ny = json_ut(kjor("--db", nytt, "eksport", "pasienter", "--format", "json"))
    assert [{k: v for k, v in r.items() if k != "nr"} for r in ny] == [
        {k: v for k, v in r.items() if k != "nr"} for r in gammel
    ]


def test_fil_er_0600_og_overskrives_ikke_uten_videre(
    kjor, forvent_feil, eksportregister, tmp_path: Path
) -> None:
    gammel_umask = os.umask(0o022)
    try:
        fil = tmp_path / "ut.csv"
        assert kjor("eksport", "-o", fil).exit_code == 0
        assert fil.stat().st_mode & 0o777 == 0o600
        innhold = fil.read_bytes()
        forvent_feil(kjor("eksport", "tiltak", "-o", fil), 1, "finnes fra før", "--overskriv")
        assert fil.read_bytes() == innhold
        fil.chmod(0o644)
        assert kjor("eksport", "samhandlingspunkter", "-o", fil, "--overskriv").exit_code == 0
        assert fil.stat().st_mode & 0o777 == 0o600
        assert fil.read_text(encoding="utf-8-sig").startswith("pasient;fodselsnummer;navn;forlop;")
        json_fil = tmp_path / "ut.json"
        assert kjor("eksport", "tiltak", "-o", json_fil).exit_code == 0  # json from the suffix
        assert json.loads(json_fil.read_text(encoding="utf-8")) == []
        assert json_fil.stat().st_mode & 0o777 == 0o600
        assert not [p for p in tmp_path.iterdir() if p.name.startswith(".pakkehjem-")]
    finally:
        os.umask(gammel_umask)


def test_alt_som_json_og_som_mappe_med_csv(kjor, forvent_feil, eksportregister, tmp_path: Path) -> None:
    data = json_ut(kjor("eksport", "alt", "--format", "json"))
    assert set(data) == {"pasienter", "samhandlingspunkter", "tiltak"}
    assert len(data["pasienter"]) == 3 and len(data["samhandlingspunkter"]) == 9
    assert data["samhandlingspunkter"][0]["tilstand"] in ("ikke_apnet", "i_vindu", "forfalt", None)
    forvent_feil(kjor("eksport", "alt"), 2, "oppgi en mappe")
    mappe = tmp_path / "eksport"
    assert kjor("eksport", "alt", "-o", mappe).exit_code == 0
    assert sorted(p.name for p in mappe.iterdir()) == [
        "pasienter.csv",
        "samhandlingspunkter.csv",
        "tiltak.csv",
    ]
    assert all(p.stat().st_mode & 0o777 == 0o600 for p in mappe.iterdir())
    assert mappe.stat().st_mode & 0o777 == 0o700
    forvent_feil(kjor("eksport", "alt", "-o", mappe), 1, "finnes fra før")


def test_alt_as_csv_to_a_file_name_never_makes_a_folder(
    kjor, forvent_feil, eksportregister, tmp_path: Path
) -> None:
    """`eksport alt -o big.csv` once made a folder named big.csv (issue 15)."""
    fil = tmp_path / "big.csv"
    forvent_feil(kjor("eksport", "alt", "-o", fil), 2, "blir tre filer", "big.zip", "--format json")
    assert not fil.exists()
    assert [p.name for p in tmp_path.iterdir() if p.is_dir()] == []


def test_alt_as_csv_to_a_zip_file_is_one_file_with_a_csv_per_table(
    kjor, forvent_feil, eksportregister, tmp_path: Path
) -> None:
    import zipfile

    fil = tmp_path / "eksport.zip"
    assert kjor("eksport", "alt", "-o", fil).exit_code == 0
    assert fil.is_file() and fil.stat().st_mode & 0o777 == 0o600
    with zipfile.ZipFile(fil) as zipfil:
        assert sorted(zipfil.namelist()) == ["pasienter.csv", "samhandlingspunkter.csv", "tiltak.csv"]
        pasienter = zipfil.read("pasienter.csv").decode("utf-8-sig")
    assert pasienter.startswith("nr;fodselsnummer;navn;")
    assert len(pasienter.strip().splitlines()) == 1 + len(eksportregister)
    forvent_feil(kjor("eksport", "alt", "-o", fil), 1, "finnes fra før")
    forvent_feil(kjor("eksport", "alt", "--format", "json", "-o", tmp_path / "x.zip"), 2, "zip-fil")
    assert not (tmp_path / "x.zip").exists()


def test_uten_personopplysninger(kjor, eksportregister) -> None:
    for format_ in ("csv", "json"):
        resultat = (
            kjor("eksport", "alt", "--format", "json", "--uten-personopplysninger")
            if format_ == "json"
            else kjor("eksport", "pasienter", "--uten-personopplysninger")
        )
        assert resultat.exit_code == 0
        for p in eksportregister:
            assert p["fnr"] not in resultat.stdout and p["fnr"][:6] not in resultat.stdout
            assert p["navn"] not in resultat.stdout
        assert "+47" not in resultat.stdout and "22 33 44 55" not in resultat.stdout
    data = json_ut(kjor("eksport", "pasienter", "--format", "json", "--uten-personopplysninger"))
    assert set(data[0]) == {
        "nokkel", "aldersgruppe", "kommune", "status", "forlop", "diagnosemaned", "diagnosegruppe",
        "forlop_status",
    }  # fmt: skip


def test_uten_personopplysninger_avidentifiserer(
    kjor, ny_pasient, tmp_path: Path, db_sti: Path, syntetisk_fnr
) -> None:
    """Defect 5 of issue 13: the GP's name, the municipality, birth years, exact dates and free
    text used to be in the "de-identified" export."""
    # Six in Oslo with breast cancer aged 60-69, one in Utsira: a group of one.
    for i in range(6):
        ny_pasient("2026-11-02", fnr=syntetisk_fnr(date(1960, 5, 1 + i)), kommune="Oslo", diagnose="C50.9",
                   fastlege="Dr. Hansen", koordinator="Siri Solheim")  # fmt: skip
    ensom = ny_pasient("2026-10-01", fnr=syntetisk_fnr(date(1990, 1, 1)), kommune="Utsira", diagnose="C71")
    kjor("avtal", str(ensom["id"]), "2026-11-30", "--sted", "Hjemme hos datteren", "--dato", IDAG)
    from brevdata import hold_samtale

    svar = {
        "samtaleform": "hjemmebesok",
        "hva_er_viktig": "Samtale med pårørendekoordinator om avlastning for datteren",
        "okonomi_behov": "behov",
        "okonomi_tiltak": [
            {"hva": "Søke avlastning hos NAV", "ansvarlig": "Kari Nordmann", "frist": "2027-01-15"}
        ],
    }
    hold_samtale(kjor, tmp_path, ensom["id"], svar, sp=1, dato="2026-11-20")
    tekst = kjor("eksport", "alt", "--format", "json", "--uten-personopplysninger").stdout
    data = json.loads(tekst)
    for ord_ in ("Hansen", "Siri", "Solheim", "datteren", "avlastning", "Kari", "Hjemme", "1960", "1990",
                 "2026-11-02", "2026-10-01", "2026-11-30", "Utsira", "C71", "C50.9"):  # fmt: skip
        assert ord_ not in tekst, ord_
    pasienter = data["pasienter"]
    assert {p["aldersgruppe"] for p in pasienter if p["kommune"] == "Oslo"} == {"60-69"}
    assert {p["diagnosegruppe"] for p in pasienter if p["kommune"] == "Oslo"} == {"C50"}
    assert {p["diagnosemaned"] for p in pasienter} == {"2026-11", "2026-10"}
    # The patient's number is gone; the key joins the tables of this one export only.
    nokler = {p["nokkel"] for p in pasienter}
    assert not nokler & {str(i) for i in range(20)}
    assert {s["nokkel"] for s in data["samhandlingspunkter"]} == nokler
    assert [t["ansvarlig"] for t in data["tiltak"]] == ["annen"]  # a name, not one of the kinds
    igjen = json.loads(kjor("eksport", "pasienter", "--format", "json", "--uten-personopplysninger").stdout)
    assert not nokler & {p["nokkel"] for p in igjen}  # a new key for every export
    # Every combination of municipality, age band and diagnosis category is shared by 5 or more
    # (a row with all three taken away matches everyone).
    from collections import Counter

    grupper = Counter((p["kommune"], p["aldersgruppe"], p["diagnosegruppe"]) for p in pasienter)
    assert all(antall >= 5 for gruppe, antall in grupper.items() if gruppe != (None, None, None))
    assert grupper[(None, None, None)] == 1  # the patient in Utsira


def test_hver_eksportert_pasient_logges(kjor, eksportregister, db_sti: Path) -> None:
    assert kjor("eksport", "samhandlingspunkter", "--koordinator", "siri").exit_code == 0
    assert tilgangslogg(db_sti, "eksport") == [1, 2]
    assert kjor("eksport", "pasienter", "--format", "json").exit_code == 0
    assert tilgangslogg(db_sti, "eksport") == [1, 1, 2, 2, 3]


@pytest.mark.parametrize(
    ("args", "kode", "ord_"),
    [
        (("eksport", "noe"), 2, "velg pasienter"),
        (("eksport", "--format", "xlsx"), 2, "csv eller json"),
    ],
)
def test_ugyldige_valg(kjor, forvent_feil, testregister, args, kode, ord_) -> None:
    forvent_feil(kjor(*args), kode, ord_)


def test_tom_eksport_er_ikke_en_feil(kjor, testregister) -> None:
    resultat = kjor("eksport", "pasienter")
    assert resultat.exit_code == 0
    assert resultat.stdout.strip() == ";".join(
        (
            "nr",
            "fodselsnummer",
            "navn",
            "fodselsdato",
            "kommune",
            "fastlege",
            "koordinator",
            "telefon",
            "status",
            "forlop",
            "diagnosedato",
            "diagnose",
            "forlop_status",
        )
    )


def test_ledende_null_som_regnearket_fjernet(kjor, testregister, syntetisk_fnr, tmp_path: Path) -> None:
    nummer = syntetisk_fnr(date(1960, 5, 3))
    assert nummer.startswith("0")
    fil = skriv_csv(
        tmp_path / "p.csv",
        [
            ["fnr", "navn", "diagnosedato"],
            [nummer[1:], "Født Den Tredje", "2026-11-01"],
            ["9" + nummer[2:], "B", "2026-11-01"],
        ],
    )
    resultat = kjor("importer", fil, "--hopp-over-feil", "--dato", IDAG, "--json")
    assert resultat.exit_code == 0, resultat.output
    data = json.loads(resultat.stdout)
    assert data["importert"] == 1
    assert [(f["linje"], f["felt"]) for f in data["feil"]] == [(3, "fnr")]  # check digits still count
    assert json_ut(kjor("vis", nummer, "--json"))["navn"] == "Født Den Tredje"
