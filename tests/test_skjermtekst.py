"""Terminal escape injection (issue 13, defect 1): no stored or echoed text acts on a terminal.

Input: an option, an import cell or a guide text with a control character is refused with a
message that names the field and not the value. Output: data stored before that rule (planted
straight into the file here) is neutralised on every display path, on a terminal (rich
tables) and piped (tab-separated lines), and in error messages.

The property: whatever control characters the stored texts hold, no byte below 0x20 but the
line break (and the tabs that separate piped columns: one fewer per line than there are
columns) leaves any display path, and no ESC, CSI or OSC, 7-bit or 8-bit.
"""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hjelp import IDAG, json_ut, melding

# How many hostile inputs each kind of test tried (printed at the end, for the report).
FORSOK: Counter[str] = Counter()

STYRETEGN = [chr(i) for i in range(0x20) if i != 0x0A] + ["\x7f", "\x9b", "\x9d", "\u202e", "\u2066"]
ANGREP = [
    "\x1b[2J\x1b[H",  # clear the screen
    "\x1b]0;TITTEL\x07",  # window title
    "\x1b]8;;file:///etc/passwd\x1b\\lenke\x1b]8;;\x1b\\",  # OSC 8 hyperlink
    "\x1b]52;c;aGVp\x07",  # OSC 52: write the clipboard
    "\x1b[31mrød\x1b[0m",
    "\x9b2J",  # 8-bit CSI
    "\r\x1b[K",  # overwrite the line
    "a\u202eb",  # bidi override
]


def _farlig(utdata: str, *, tabulert: bool = False) -> list[str]:
    """The forbidden characters in `utdata`: C0 but the line break, DEL, C1, ESC in any form.

    Piped tables may use tabs as separators; the caller checks their count per line."""
    tillatt = "\n\t" if tabulert else "\n"
    return [
        f"U+{ord(c):04X}"
        for c in utdata
        if (ord(c) < 0x20 and c not in tillatt) or 0x7F <= ord(c) <= 0x9F or c in "\u202e\u2066"
    ]


# --- the sanitiser itself ------------------------------------------------------------------------


@given(st.text(alphabet=st.sampled_from([*STYRETEGN, "\n", "a", "ø", " ", "["]), max_size=40))
def test_rens_slipper_ingen_styretegn_gjennom(tekst: str) -> None:
    from pakkehjem import skjermtekst

    FORSOK["rens (enhetsnivå)"] += 1
    assert _farlig(skjermtekst.rens(tekst)) == []
    en_linje = skjermtekst.rens(tekst, linjeskift=False)
    assert _farlig(en_linje) == [] and "\n" not in en_linje
    linje = skjermtekst.linje([tekst, tekst])
    assert linje.count("\t") == 1 and "\n" not in linje and _farlig(linje, tabulert=True) == []


def test_rens_viser_tegnet_i_stedet_for_a_fjerne_det() -> None:
    from pakkehjem import skjermtekst

    # A reviewer must see that something was there: ESC shows as ␛, not as nothing.
    assert skjermtekst.rens("Ola \x1b[2J Nordmann") == "Ola ␛[2J Nordmann"
    assert skjermtekst.rens("a\x9bb") == "a\ufffdb"
    assert skjermtekst.rens("to\nlinjer") == "to\nlinjer"
    assert skjermtekst.rens("to\nlinjer", linjeskift=False) == "to␊linjer"


MELDINGSTEGN = [*STYRETEGN, "\t", "\r", "\n", "a", "ø", " ", "[", ":", "😀"]


@given(st.text(alphabet=st.sampled_from(MELDINGSTEGN), max_size=40))
def test_en_melding_uten_terminal_er_den_samme_som_rich_skriver(tekst: str) -> None:
    import contextlib
    import io

    from pakkehjem import utgang, visning

    # utgang.melding writes a plain message itself where stderr is no terminal (rich is a tenth
    # of a FHIR letter's time); the bytes must be the ones rich's console would write.
    uten_rich = io.StringIO()
    with contextlib.redirect_stderr(uten_rich):
        utgang.melding(tekst)
    med_rich = io.StringIO()
    visning.RenKonsoll(file=med_rich, highlight=False).print(visning.Text(tekst), soft_wrap=True)
    assert uten_rich.getvalue() == med_rich.getvalue()


def test_json_forblir_samme_json_uten_c1_tegn() -> None:
    from pakkehjem import skjermtekst

    data = {"navn": "a\x9b2J\u202eb\x1b"}
    tekst = skjermtekst.json_tekst(json.dumps(data, ensure_ascii=False))
    assert _farlig(tekst) == [] and json.loads(tekst) == data


# --- refused at input ------------------------------------------------------------------------------


@pytest.mark.parametrize("angrep", ANGREP)
def test_ny_pasient_med_styretegn_i_navnet_avvises_uten_a_gjenta_navnet(
    kjor, forvent_feil, testregister, syntetisk_fnr, radtall, angrep: str
) -> None:
    FORSOK["valg med styretegn (ny-pasient --navn)"] += 1
    for_ = radtall()
    navn = f"Ola {angrep} Nordmann"
    tekst = forvent_feil(
        kjor("ny-pasient", "--fnr", syntetisk_fnr(), "--navn", navn, "--diagnosedato", "2026-11-02"),
        2,
        "--navn",
        "styretegn",
    )
    assert "Nordmann" not in tekst and _farlig(tekst) == []
    assert radtall() == for_


@pytest.mark.parametrize(
    "args",
    [
        ["endre", "1", "--navn", "Evil\x1b[2J\x1b[31mNavn"],
        ["endre", "1", "--kommune=Os\x1b]0;x\x07lo"],
        ["endre", "1", "--koordinator", "Kari\x9b2J"],
        ["endre", "1", "--telefon", "99\r88"],
        ["avtal", "1", "2026-12-01", "--sted", "Hjemme\x1b[2J"],
        ["utsett", "1", "2026-12-01", "--grunn", "Innlagt\x1b[8m"],
        ["avsender", "--navn", "Siri\x1b]52;c;eA==\x07"],
        ["innstillinger", "avsender_tjeneste", "Helse\x1b[2Jhuset"],
        ["avslutt", "1", "--grunn", "flyttet", "--til-kommune", "Ber\x1bgen"],
    ],
)
def test_hvert_tekstvalg_med_styretegn_avvises_og_endrer_ingenting(
    kjor, forvent_feil, ny_pasient, radtall, args: list[str]
) -> None:
    FORSOK["valg med styretegn (andre kommandoer)"] += 1
    ny_pasient()
    for_ = radtall()
    tekst = forvent_feil(kjor(*args), 2, "styretegn")
    assert _farlig(tekst) == []
    assert radtall() == for_


def test_samtaleguide_med_styretegn_avvises_med_stedet(kjor, forvent_feil, tmp_path: Path) -> None:
    FORSOK["guide med styretegn"] += 1
    fil = tmp_path / "guide.yaml"
    fil.write_text('id: g\ntittel: "God\\e[2J guide"\nversjon: "1"\ntema: []\n', encoding="utf-8")
    tekst = forvent_feil(kjor("sjekk-guide", fil), 2, "tittel", "styretegn")
    assert _farlig(tekst) == []
    forvent_feil(kjor("innstillinger", "guide", fil), 2, "styretegn")


def test_importcelle_med_styretegn_avvises_med_linje_og_kolonne(
    kjor, forvent_feil, testregister, syntetisk_fnr, tmp_path: Path, radtall
) -> None:
    FORSOK["importcelle med styretegn"] += 1
    fil = tmp_path / "p.csv"
    fil.write_text(
        f"fnr;navn;diagnosedato\n{syntetisk_fnr()};Ola \x1b[2J Nordmann;2026-11-02\n", encoding="utf-8"
    )
    for_ = radtall()
    tekst = forvent_feil(kjor("importer", fil, "--dato", IDAG), 2, "Linje 2, kolonne 2 (navn)", "styretegn")
    assert "Nordmann" not in tekst and _farlig(tekst) == []
    assert radtall()["pasient"] == for_["pasient"]


# --- neutralised at output, for data stored before the rule ------------------------------------------


def _plant(db: Path, tekst: str) -> None:
    """Older data: every text a display shows gets `tekst`, written straight into the file."""
    t = sqlite3.connect(db)
    try:
        with t:
            t.execute(
                "UPDATE pasient SET navn = ?, kommune = ?, fastlege = ?, koordinator = ?, telefon = ?",
                (f"Ola{tekst}", f"K{tekst}", f"F{tekst}", f"Kari{tekst}", f"9{tekst}"),
            )
            t.execute(
                "UPDATE samhandlingspunkt SET sted = ?, grunn = ? WHERE sp = 1", (f"S{tekst}", f"G{tekst}")
            )
            t.execute("UPDATE hendelse SET tekst = tekst || ?, bruker = ?", (tekst, f"u{tekst}"))
            t.execute(
                "INSERT INTO tilgangslogg (tid, bruker, pasient_id, handling) VALUES (?,?,?,?)",
                ("2026-11-20T10:00:00+01:00", f"LOGNAME{tekst}", 1, f"vis{tekst}"),
            )
            for navn in ("avsender_navn", "brevmaler"):
                t.execute(
                    "INSERT INTO innstilling (navn, verdi) VALUES (?, ?)"
                    " ON CONFLICT (navn) DO UPDATE SET verdi = excluded.verdi",
                    (navn, json.dumps(f"/finnes/ikke{tekst}")),
                )
    finally:
        t.close()


VISNINGER = [
    ["vis", "1", "--dato", IDAG],
    ["pasienter", "--alle", "--dato", IDAG],
    ["forfaller", "--fra", "2026-01-01", "--til", "2027-12-31", "--dato", IDAG],
    ["logg"],
    ["logg", "1"],
    ["tiltak"],
    ["oversikt", "--dato", IDAG],
    ["innstillinger"],
    ["avsender"],
    ["statistikk", "--ar", "2026", "--per", "kommune"],
    ["brev", "1", "--til", "fastlege", "--dato", IDAG],  # an error message that names the setting
]


@pytest.fixture
def plantet_register(ny_pasient, db_sti: Path) -> Path:
    ny_pasient("2026-11-02")
    ny_pasient("2026-10-01")
    return db_sti


def _kjor_alle(kjor, terminal: bool) -> list[tuple[list[str], Any]]:
    # A terminal without colours (TERM=dumb): every ESC in the output then came from the data.
    env = {"TTY_COMPATIBLE": "1", "TERM": "dumb", "COLUMNS": "200"} if terminal else {"TTY_COMPATIBLE": "0"}
    return [(args, kjor(*args, env=env)) for args in VISNINGER]


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(st.sampled_from(STYRETEGN + ANGREP), min_size=1, max_size=6).map("".join),
    st.booleans(),
)
def test_ingen_visning_slipper_styretegn_ut(
    kjor, plantet_register: Path, angrep: str, terminal: bool
) -> None:
    _plant(plantet_register, angrep)
    for args, resultat in _kjor_alle(kjor, terminal):
        FORSOK[f"lagret styretegn, {'terminal' if terminal else 'rør'}"] += 1
        assert "Traceback" not in resultat.output, args
        assert "Uventet feil" not in resultat.stderr, (args, resultat.stderr)
        for strom, tekst in (("stdout", resultat.stdout), ("stderr", resultat.stderr)):
            tabulert = not terminal and strom == "stdout"
            assert _farlig(tekst, tabulert=tabulert) == [], (args, strom, tekst)
            if tabulert:
                _sjekk_kolonner(tekst, args)


def _sjekk_kolonner(tekst: str, args: list[str]) -> None:
    """Piped tables: every line of a table has as many tabs as its header line."""
    blokker = [b for b in tekst.split("\n\n") if "\t" in b]
    for blokk in blokker:
        linjer = [linje for linje in blokk.split("\n") if linje]
        forventet = linjer[0].count("\t")
        assert all(linje.count("\t") == forventet for linje in linjer), (args, blokk)


def test_eksempelet_fra_saken_tommer_ikke_skjermen(kjor, plantet_register: Path) -> None:
    # `endre 3 --navn $'Evil\e[2J\e[31mNavn'` stored by an older version, then listed.
    _plant(plantet_register, "\x1b[2J\x1b[31mNavn \x1b]0;TITLE\x1b\\")
    for terminal in (True, False):
        env = {"TTY_COMPATIBLE": "1", "TERM": "dumb"} if terminal else {}
        for args in (["pasienter"], ["vis", "1"], ["logg"]):
            resultat = kjor(*args, "--dato", IDAG, env=env) if args[0] != "logg" else kjor(*args, env=env)
            assert resultat.exit_code == 0, resultat.output
            assert "\x1b" not in resultat.stdout and "␛[2J" in resultat.stdout


def test_json_holder_dataene_men_ingen_c1_tegn(kjor, plantet_register: Path) -> None:
    _plant(plantet_register, "\x9b2J\x1b[2J\u202e")
    data = json_ut(kjor("vis", "1", "--json", "--dato", IDAG))
    assert data["navn"] == "Ola\x9b2J\x1b[2J\u202e"  # the data as stored, escaped in the JSON text
    resultat = kjor("vis", "1", "--json", "--dato", IDAG)
    assert _farlig(resultat.stdout) == []
    # The work list's JSON is made by SQLite, which escapes only C0: the rest is escaped on the way out.
    liste = kjor("forfaller", "--fra", "2026-01-01", "--til", "2027-12-31", "--json", "--dato", IDAG)
    assert liste.exit_code == 0, liste.output
    assert {r["navn"] for r in json.loads(liste.stdout)} == {"Ola\x9b2J\x1b[2J\u202e"}
    assert _farlig(liste.stdout) == []


def test_tilgangsloggen_bruker_prosessens_eier_ikke_logname(kjor, ny_pasient, db_sti: Path) -> None:
    import os
    import pwd

    ny_pasient()
    resultat = kjor("vis", "1", "--dato", IDAG, env={"LOGNAME": "\x1b[2Jsjefen", "USER": "sjefen"})
    assert resultat.exit_code == 0
    t = sqlite3.connect(db_sti)
    brukere = {r[0] for r in t.execute("SELECT bruker FROM tilgangslogg")}
    t.close()
    assert brukere == {pwd.getpwuid(os.geteuid()).pw_name}
    assert "sjefen" not in melding(kjor("logg"))


def teardown_module() -> None:
    print("\nFiendtlige inndata prøvd i test_skjermtekst.py:", dict(FORSOK), sum(FORSOK.values()))


@settings(max_examples=300, deadline=None)
@given(
    st.text(
        alphabet=st.sampled_from(
            [*'aæøå «»§–’"\\{}', "\x7f", "\x85", "\x9b", "\u061c", "\u200e", "\u202e", "\u2066", "\u2028"]
        )
    )
    | st.text()
)
def test_json_som_byter_er_den_samme_noytraliserte_teksten_som_utf8(tekst: str) -> None:
    from pakkehjem import skjermtekst

    data = tekst.encode("utf-8")
    assert skjermtekst.trygge_json_byter(data) == skjermtekst.json_tekst(tekst).encode("utf-8")
