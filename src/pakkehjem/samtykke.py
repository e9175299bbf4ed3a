"""Consent: which recipient kinds exist, and whether a letter to one may be written.

Pure rules, no database and no templates, so the `samtykke` command, the letter and the
tests share one definition.

The law (domain.md, "Consent"):

- helsepersonelloven § 22: information may be shared with the patient's consent;
- §§ 25 and 45: cooperating health personnel (the GP, the municipality's health and care
  services, the hospital) may be given what they need *unless the patient objects*;
- NAV and other recipients outside the health service need explicit consent.

How the two letter recipients without a consent kind of their own are decided:

- `ny_kommune` (the municipality the patient moves to) is the receiving municipality's health
  and care service: cooperating health personnel, like `kommune`. It uses the consent kind
  `kommune`, so an objection recorded for "kommunen" also stops the letter to a new
  municipality: the patient who objected to the municipality being told has not agreed to
  another municipality being told either.
- `pasient` is the patient's own copy. No consent is needed to give patients their own
  information (pasient- og brukerrettighetsloven § 5-1, the right of access), so it is never
  refused.

A consent to NAV or another recipient outside the health service has a scope (`omfang`): the
ids of the guide's themes that may be shared, and "diagnose" for the diagnosis code. Their
letter carries those themes and their actions, nothing else: no scores, no diagnosis code and
never the patient's other consents unless the scope names them. A consent without a scope (all
consents before the scope existed, and `samtykke --ja` without `--tema`) means "nothing beyond
the recipient's own themes" (EGNE_TEMA). A consent to `annen` names the recipient; a letter to
another name is refused.

The current consent for a kind is its latest row: the latest `dato`, and among rows of the
same date the one registered last. A consent recorded later with an earlier date (a phone
call noted afterwards) does not override what the patient said since.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from .feil import ManglerSamtykke, UgyldigInndata

if TYPE_CHECKING:
    from .register.poster import Samtykkerad

# The recipient kinds consent is recorded for (cli.md `samtykke --til`).
MOTTAKERE = ("fastlege", "kommune", "sykehus", "nav", "annen")
# The recipients a letter can be written to (`brev --til`).
BREVMOTTAKERE = ("fastlege", "kommune", "sykehus", "ny_kommune", "nav", "annen", "pasient")

# The consent kind each letter recipient falls under; None: no consent needed (own copy).
SAMTYKKEART: dict[str, str | None] = {
    "fastlege": "fastlege",
    "kommune": "kommune",
    "sykehus": "sykehus",
    "ny_kommune": "kommune",
    "nav": "nav",
    "annen": "annen",
    "pasient": None,
}
# Recipients outside the health service: an explicit "ja" is required (§ 22).
KREVER_UTTRYKKELIG = frozenset({"nav", "annen"})
HELSEMOTTAKERE = frozenset({"fastlege", "kommune", "sykehus", "ny_kommune"})

# For messages: "deling med fastlegen".
NAVN = {
    "fastlege": "fastlegen",
    "kommune": "kommunen",
    "sykehus": "sykehuset",
    "ny_kommune": "den nye bostedskommunen",
    "nav": "NAV",
    "annen": "andre mottakere",
    "pasient": "pasienten selv",
}

# What a consent without a scope lets through: the themes a recipient exists for.
EGNE_TEMA: dict[str, tuple[str, ...]] = {"nav": ("jobb", "okonomi"), "annen": ()}
# A scope may name the diagnosis code besides the guide's themes.
DIAGNOSE = "diagnose"

TILLATT = "tillatt"
AVVIST_NEI = "motsatt"
AVVIST_MANGLER = "mangler"


def sjekk_mottaker(mottaker: str, gyldige: Iterable[str] = MOTTAKERE, valg: str = "--til") -> str:
    """The recipient kind as typed, normalised; UgyldigInndata (exit 2) naming the valid ones."""
    verdi = (mottaker or "").strip().lower().replace("-", "_")
    gyldige = tuple(gyldige)
    if verdi not in gyldige:
        raise UgyldigInndata(f"{valg} «{mottaker}» er ikke en mottaker. Velg en av: {', '.join(gyldige)}.")
    return verdi


def les_valg(
    til: str | None, ja: bool, nei: bool, tema: Iterable[str] | None, navn: str | None
) -> tuple[str, list[str] | None, str | None]:
    """`samtykke --til --ja/--nei --tema --navn` as typed: (recipient kind, scope, name).

    The scope is the themes in `--tema` (repeated or comma-separated, lower case), None without
    any; the name is `--navn` with its spacing tidied. UgyldigInndata (exit 2) when the recipient
    or the answer is missing, a scope is given to anything but a consent to nav or annen, a name
    to anything but annen, or a consent to annen names no one.
    """
    if til is None:
        raise UgyldigInndata("Mangler --til: fastlege, kommune, sykehus, nav eller annen.")
    mottaker = sjekk_mottaker(til)
    if ja == nei:
        raise UgyldigInndata("Oppgi enten --ja (pasienten samtykker) eller --nei (pasienten motsetter seg).")
    omfang = [del_.strip().lower() for t in tema or [] for del_ in t.split(",") if del_.strip()] or None
    navn = " ".join((navn or "").split()) or None
    if omfang is not None and (mottaker not in KREVER_UTTRYKKELIG or not ja):
        raise UgyldigInndata(
            "--tema gjelder bare et samtykke (--ja) til nav eller annen: helsepersonell får det de "
            "trenger, og en motstand gjelder alt."
        )
    if navn is not None and mottaker != "annen":
        raise UgyldigInndata("--navn gjelder bare --til annen.")
    if mottaker == "annen" and ja and navn is None:
        raise UgyldigInndata(
            "Et samtykke til annen mottaker må si hvem: legg til --navn, for eksempel "
            "--navn «Arbeidsgiver AS»."
        )
    return mottaker, omfang, navn


def sjekk_omfang(omfang: Iterable[str], guidens_tema: Iterable[str]) -> list[str]:
    """The scope of a consent, each theme once, when every one is a theme of the guide (by id)
    or "diagnose"; UgyldigInndata (exit 2) naming the unknown ones and the valid ones."""
    gyldige = [*guidens_tema, DIAGNOSE]
    omfang = list(omfang)
    ukjente = [t for t in omfang if t not in gyldige]
    if ukjente:
        raise UgyldigInndata(
            f"--tema {', '.join(ukjente)} finnes ikke i samtaleguiden. Velg blant: {', '.join(gyldige)}."
        )
    return list(dict.fromkeys(omfang))


def navnenokkel(navn: str | None) -> str:
    """A named recipient as compared: case and spacing do not matter ("Arbeidsgiver  AS")."""
    return " ".join((navn or "").split()).casefold()


def gjeldende(rader: Iterable[Samtykkerad]) -> dict[str, Samtykkerad]:
    """The current consent per kind from the history rows (each with mottaker, svar, dato, id;
    optionally omfang and navn). For `annen` the row also holds `navngitte`: the latest row per
    named recipient, and `uten_navn`: the latest row that names no one (it covers everyone)."""
    ut: dict[str, Samtykkerad] = {}
    navngitte: dict[str, Samtykkerad] = {}
    uten_navn: Samtykkerad | None = None
    for rad in sorted(rader, key=lambda r: (r["dato"], r["id"])):
        ut[rad["mottaker"]] = rad.copy()
        if rad["mottaker"] == "annen":
            if rad.get("navn"):
                navngitte[navnenokkel(rad["navn"])] = rad.copy()
            else:
                uten_navn = rad.copy()
    if "annen" in ut:
        ut["annen"]["navngitte"] = navngitte
        ut["annen"]["uten_navn"] = uten_navn
    return ut


def rad_for(
    mottaker: str, gjeldende_samtykke: Mapping[str, Mapping[str, Any]], navn: str | None = None
) -> Mapping[str, Any] | None:
    """The consent row that decides a letter to `mottaker` (for `annen`: to the one named
    `navn`, the latest of that name's rows and the rows that name no one)."""
    art = SAMTYKKEART[mottaker]
    if art is None:
        return None
    rad = gjeldende_samtykke.get(art)
    if art != "annen" or rad is None or navn is None:
        return rad
    if "navngitte" not in rad:  # a single row, not from gjeldende()
        return rad if navnenokkel(rad.get("navn")) in ("", navnenokkel(navn)) else None
    kandidater = [r for r in (rad["uten_navn"], rad["navngitte"].get(navnenokkel(navn))) if r]
    return max(kandidater, key=lambda r: (r["dato"], r["id"])) if kandidater else None


def omfang(mottaker: str, rad: Mapping[str, Any] | None) -> tuple[str, ...] | None:
    """The themes (and "diagnose") a letter may carry; None: everything (health personnel)."""
    if mottaker not in KREVER_UTTRYKKELIG:
        return None
    if rad is None or rad.get("omfang") is None:
        return EGNE_TEMA[mottaker]
    return tuple(rad["omfang"])


def vurder(
    mottaker: str, gjeldende_samtykke: Mapping[str, Mapping[str, Any]], navn: str | None = None
) -> str:
    """TILLATT, AVVIST_NEI (the patient objected) or AVVIST_MANGLER (explicit consent missing;
    for `annen`, also a consent that does not name this recipient)."""
    art = SAMTYKKEART[mottaker]
    if art is None:
        return TILLATT
    rad = rad_for(mottaker, gjeldende_samtykke, navn)
    svar = rad["svar"] if rad else None
    if svar == "nei":
        return AVVIST_NEI
    if mottaker in KREVER_UTTRYKKELIG and svar != "ja":
        return AVVIST_MANGLER
    if mottaker == "annen" and not (rad or {}).get("navn"):
        return AVVIST_MANGLER
    return TILLATT


def krev_samtykke(
    pasient_id: int,
    mottaker: str,
    gjeldende_samtykke: Mapping[str, Mapping[str, Any]],
    navn: str | None = None,
) -> None:
    """Refuse (ManglerSamtykke, exit 1) a letter the patient has not allowed; say how consent is recorded."""
    utfall = vurder(mottaker, gjeldende_samtykke, navn)
    art = SAMTYKKEART[mottaker]
    if utfall == TILLATT or art is None:  # no consent needed: vurder said TILLATT already
        return
    med_navn = f' --navn "{navn}"' if art == "annen" and navn else ""
    hvordan = (
        f"Hvis pasienten samtykker, registrer det med «pakkehjem samtykke {pasient_id} --til {art} --ja"
        f"{med_navn}» (og --tema for det som kan deles)."
        if art in KREVER_UTTRYKKELIG
        else f"Hvis pasienten samtykker, registrer det med «pakkehjem samtykke {pasient_id} --til {art} "
        "--ja»."
    )
    annen = gjeldende_samtykke.get("annen") or {}
    andre_ja = [r for r in [annen.get("uten_navn"), *(annen.get("navngitte") or {}).values()] if r]
    if art == "annen" and navn and utfall == AVVIST_MANGLER and any(r["svar"] == "ja" for r in andre_ja):
        raise ManglerSamtykke(
            f"Pasient nr. {pasient_id} har ikke samtykket til at «{navn}» får brev: et samtykke til "
            f"andre mottakere gjelder bare mottakeren det navngir (helsepersonelloven § 22). {hvordan}"
        )
    if utfall == AVVIST_NEI:
        raise ManglerSamtykke(
            f"Pasient nr. {pasient_id} har motsatt seg deling med {NAVN[art]}, så brevet lages ikke. "
            f"Har pasienten ombestemt seg? {hvordan}"
        )
    raise ManglerSamtykke(
        f"Brev til {NAVN[mottaker]} krever pasientens uttrykkelige samtykke (helsepersonelloven § 22), "
        f"og pasient nr. {pasient_id} har ikke samtykket. {hvordan}"
    )
