"""Synthetic demo patients at every stage of the pathway.

Every fødselsnummer is a Tenor-style test number (month + 80) that can never belong to a
person. The same seed and the same "today" give the same data.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from . import fnr as fnr_regler
from . import forlop
from .datoer import norsk_dato
from .feil import Avvist
from .prosess import fra_egen_prosess
from .register import Register

FORNAVN = (
    "Anne", "Inger", "Kari", "Marit", "Ingrid", "Liv", "Eva", "Berit", "Astrid", "Bjørg",
    "Hilde", "Nina", "Ida", "Sara", "Nora", "Emma", "Jan", "Per", "Bjørn", "Ole", "Lars",
    "Kjell", "Knut", "Arne", "Svein", "Thomas", "Hans", "Geir", "Tor", "Morten", "Jonas",
    "Ali", "Fatima", "Mohammed", "Agnieszka", "Piotr", "Aisha", "Øystein", "Åse", "Ådne",
)  # fmt: skip
ETTERNAVN = (
    "Hansen", "Johansen", "Olsen", "Larsen", "Andersen", "Pedersen", "Nilsen", "Kristiansen",
    "Jensen", "Karlsen", "Johnsen", "Pettersen", "Eriksen", "Berg", "Haugen", "Hagen",
    "Johannessen", "Andreassen", "Jacobsen", "Dahl", "Jørgensen", "Halvorsen", "Henriksen",
    "Lund", "Sørensen", "Jakobsen", "Moen", "Gundersen", "Iversen", "Strand", "Solberg",
    "Svendsen", "Eide", "Knutsen", "Martinsen", "Paulsen", "Bakken", "Kristoffersen", "Mathisen",
    "Lie", "Ahmed", "Khan", "Nowak", "Øvrebø", "Åsheim",
)  # fmt: skip
KOMMUNER = (
    "Oslo", "Bergen", "Trondheim", "Stavanger", "Drammen", "Kristiansand", "Tromsø",
    "Fredrikstad", "Sandnes", "Bodø", "Ålesund", "Tønsberg", "Sandefjord", "Larvik",
)  # fmt: skip
KOORDINATORER = (
    "Randi Kreftkoordinator", "Siri Solheim", "Tone Vik", "Mona Aas", "Elin Fjeld",
    "Guri Haug", "Lise Moe", "Trine Bø",
)  # fmt: skip
DIAGNOSER = ("C50.9", "C61", "C18.7", "C34.1", "C43.5", "C64", "C67.9", "C25.0", "C56", "C91.1")
STEDER = ("Hjemmebesøk", "Kreftkoordinators kontor", "Telefon", "Video", "Helsehuset")
SYKEHUS = ("Sykehuset Østfold", "Sørlandet sykehus", "St. Olavs hospital", "Haukeland universitetssjukehus")


# Finished conversations in the demo register: the first this many held points get one, with
# answers, actions and consent, so letters and statistics have something to show; a very large
# demo register (the benchmarks) stays as quick to make as before.
DEMOSAMTALER = 5000
VIKTIG = (
    "Å kunne være hjemme så lenge som mulig.",
    "At barna har det bra.",
    "Å komme tilbake i jobb.",
    "Å orke turene med hunden.",
    "Å få sove om nettene.",
)
TEMAER = ("familie", "jobb", "okonomi", "hjemmet", "fysisk", "ernaering", "psykisk")
TILTAK = {
    "familie": ("Samtale med helsesykepleier om barna", "kommunen"),
    "jobb": ("Møte med NAV om gradert sykmelding", "NAV"),
    "okonomi": ("Søke om grunnstønad", "pasienten"),
    "hjemmet": ("Vurdering av hjelpemidler i hjemmet", "kommunen"),
    "fysisk": ("Henvisning til fysioterapeut", "fastlegen"),
    "ernaering": ("Time hos klinisk ernæringsfysiolog", "sykehuset"),
    "psykisk": ("Samtale med psykiatrisk sykepleier", "kommunen"),
}


@dataclass
class Demodata:
    """Rows ready for Register.legg_inn_mange (and legg_inn_samtaler)."""

    pasienter: list[tuple[Any, ...]] = field(default_factory=list)
    forlop: list[tuple[Any, ...]] = field(default_factory=list)
    punkter: list[tuple[Any, ...]] = field(default_factory=list)
    hendelser: list[tuple[Any, ...]] = field(default_factory=list)
    # (pasient_id, forlop_id, sp, dato, svar {id: value}, tiltak [(hva, ansvarlig, frist)], fastlege ja)
    samtaler: list[tuple[Any, ...]] = field(default_factory=list)


def _demosamtale(rng: random.Random, dato: date) -> tuple[dict[str, Any], list[tuple[str, str, str]], bool]:
    """The answers of a finished demo conversation held on `dato`, its actions and consent."""
    svar: dict[str, Any] = {
        "tilstede_hvem": ["pasient"] if rng.random() < 0.6 else ["pasient", "pårørende"],
        "samtaleform": rng.choice(("hjemmebesøk", "kontor", "telefon", "video")),
        "hva_er_viktig": rng.choice(VIKTIG),
    }
    tiltak = []
    for tema in rng.sample(TEMAER, 3):
        behov = rng.random() < 0.35
        svar[f"{tema}_behov"] = "behov" if behov else "ingen behov"
        if behov:
            hva, ansvarlig = TILTAK[tema]
            frist = (dato + timedelta(days=rng.randint(7, 60))).isoformat()
            svar[f"{tema}_tiltak"] = [{"hva": hva, "ansvarlig": ansvarlig, "frist": frist}]
            tiltak.append((hva, ansvarlig, frist))
    svar["belastning_grad"] = rng.randint(0, 9)
    fastlege = rng.random() < 0.9
    svar["samtykke_fastlege"] = fastlege
    return svar, tiltak, fastlege


def _punkt_tilstand(
    rng: random.Random, vindu: forlop.Periode, idag: date
) -> tuple[str, date | None, str | None, str | None, str | None]:
    """Status, date, time, place and reason for a demo contact point with this window."""
    if vindu.til < idag:  # the window has closed
        terning = rng.random()
        nylig = (idag - vindu.til).days <= 60
        if terning < 0.82:
            dag = vindu.fra + timedelta(days=rng.randint(0, (vindu.til - vindu.fra).days))
            return forlop.GJENNOMFORT, dag, None, None, None
        if terning < 0.88:
            igjen = idag + timedelta(days=rng.randint(-14 if nylig else 1, 60))
            return forlop.AVSLATT, igjen, None, None, "Orker ikke nå"
        if terning < 0.91:
            igjen = idag + timedelta(days=rng.randint(-7 if nylig else 1, 40))
            return forlop.UTSATT, igjen, None, None, "Pasienten er innlagt"
        if terning < 0.95 or not nylig:
            return forlop.BORTFALT, None, None, None, "Flyttet ut av kommunen"
        return forlop.PLANLAGT, None, None, None, None  # overdue: nobody has followed up yet
    if vindu.fra <= idag:  # inside the window
        terning = rng.random()
        if terning < 0.25:
            dag = vindu.fra + timedelta(days=rng.randint(0, (idag - vindu.fra).days))
            return forlop.GJENNOMFORT, dag, None, None, None
        # Coordinators book a conversation soon after its window opens, so most open
        # points inside a window carry a date; a quarter still waits to be booked.
        if terning < 0.75:
            dag = idag + timedelta(days=rng.randint(0, max(0, (vindu.til - idag).days)))
            klokke = f"{rng.randint(8, 15):02d}:{rng.choice(('00', '30'))}"
            return forlop.AVTALT, dag, klokke, rng.choice(STEDER), None
        return forlop.PLANLAGT, None, None, None, None
    if (vindu.fra - idag).days < 21 and rng.random() < 0.3:  # opens soon, already booked
        dag = vindu.fra + timedelta(days=rng.randint(0, 10))
        klokke = f"{rng.randint(8, 15):02d}:{rng.choice(('00', '30'))}"
        return forlop.AVTALT, dag, klokke, rng.choice(STEDER), None
    return forlop.PLANLAGT, None, None, None, None


def lag(
    antall: int,
    seed: int,
    idag: date,
    sp1_uker: int,
    forste_pasient_id: int,
    forste_forlop_id: int,
    opptatte_fnr: set[str],
    fremdrift: Callable[[int], None] | None = None,
    tjeneste: str | None = forlop.KOMMUNE,
) -> Iterator[Demodata]:
    """Yield demo rows in chunks of at most 2,000 patients; ids continue from the given ones.

    In a municipal register (`tjeneste` kommune) an SP1 that was held is recorded as held at
    a hospital (`holdt_annet_sted`), as the hospital's handover letter would have told; in a
    hospital's register, SP2 and SP3 held are recorded as held by the municipality.
    """
    rng = random.Random(seed)
    # The conversations' contents come from their own generator: the rest stays as before.
    samtale_rng = random.Random(seed + 1_000_003)
    samtaler = 0
    opprettet = datetime.combine(idag, datetime.min.time()).astimezone().isoformat()
    pasient_id, forlop_id = forste_pasient_id, forste_forlop_id
    bunke = Demodata()
    # Everything that follows from the diagnosis date alone, worked out once per date (there are
    # 731 of them): the windows' month arithmetic was a third of the time at a million patients.
    per_dato: dict[date, tuple[str, list[tuple[int, forlop.Periode, str, str]], str]] = {}
    for _ in range(antall):
        diagnosedato = idag - timedelta(days=rng.randint(0, 730))
        kjent = per_dato.get(diagnosedato)
        if kjent is None:
            kjent = per_dato[diagnosedato] = (
                diagnosedato.isoformat(),
                [
                    (sp, vindu, vindu.fra.isoformat(), vindu.til.isoformat())
                    for sp, vindu in forlop.vinduer(diagnosedato, sp1_uker).items()
                ],
                f"Eksempeldata: registrert, diagnosedato {norsk_dato(diagnosedato)}.",
            )
        diagnose_iso, vinduer, hendelsestekst = kjent
        fodt = diagnosedato - timedelta(days=rng.randint(2 * 365, 90 * 365))
        nummer = fnr_regler.lag_syntetisk(fodt, rng)
        while nummer in opptatte_fnr:
            nummer = fnr_regler.lag_syntetisk(fodt, rng)
        opptatte_fnr.add(nummer)
        kommune = rng.choice(KOMMUNER)
        bunke.pasienter.append(
            (
                pasient_id,
                nummer,
                f"{rng.choice(FORNAVN)} {rng.choice(ETTERNAVN)}",
                fodt.isoformat(),
                kommune,
                f"Fastlege {rng.choice(ETTERNAVN)}",
                rng.choice(KOORDINATORER),
                None,  # no phone: a made-up one could be real
                "aktiv",
                opprettet,
            )
        )
        punkter = [
            (sp, vindu, fra, til, *_punkt_tilstand(rng, vindu, idag)) for sp, vindu, fra, til in vinduer
        ]
        sp3_status, sp3_dato = punkter[2][4], punkter[2][5]
        # After SP3 is held the pathway is complete (domain.md); nothing stays open.
        ferdig = sp3_status == forlop.GJENNOMFORT
        for sp, vindu, vindu_fra, vindu_til, status, dato, klokke, sted, grunn in punkter:
            if ferdig and forlop.er_apen(status):
                status, dato, klokke, sted, grunn = (
                    forlop.BORTFALT,
                    None,
                    None,
                    None,
                    "Forløpet er fullført",
                )
            holdt_av = None
            if status == forlop.GJENNOMFORT and tjeneste and sp not in forlop.TJENESTE_SP[tjeneste]:
                # Chosen by number, not by `rng`, so the rest of the data stays as before.
                status = forlop.HOLDT_ANNET_STED
                holdt_av = SYKEHUS[pasient_id % len(SYKEHUS)] if sp == 1 else f"{kommune} kommune"
            if status == forlop.GJENNOMFORT and dato is not None and samtaler < DEMOSAMTALER:
                samtaler += 1
                bunke.samtaler.append((pasient_id, forlop_id, sp, dato, *_demosamtale(samtale_rng, dato)))
            dato_iso = dato.isoformat() if dato else None
            periode = forlop.forfallsperiode(status, vindu.fra, vindu.til, dato)
            if periode is None:
                forfall_fra = forfall_til = None
            elif periode == vindu:  # the window's dates are written already
                forfall_fra, forfall_til = vindu_fra, vindu_til
            else:
                forfall_fra, forfall_til = periode.fra.isoformat(), periode.til.isoformat()
            bunke.punkter.append(
                (
                    forlop_id,
                    sp,
                    forlop.ANSVARLIG[sp],
                    vindu_fra,
                    vindu_til,
                    status,
                    dato_iso,
                    klokke,
                    sted,
                    grunn,
                    forfall_fra,
                    forfall_til,
                    holdt_av,
                    None,
                    # The episode's patient, number and status (migration 13), written here, in
                    # the generating process, rather than added to 3 million rows in the writing one.
                    pasient_id,
                    1,
                    "avsluttet" if ferdig else "aktiv",
                )
            )
        if ferdig:
            bunke.pasienter[-1] = bunke.pasienter[-1][:8] + ("avsluttet", opprettet)
        bunke.forlop.append(
            (
                forlop_id,
                pasient_id,
                1,
                diagnose_iso,
                rng.choice(DIAGNOSER),
                "avsluttet" if ferdig else "aktiv",
                sp3_dato.isoformat() if ferdig and sp3_dato else None,
                "fullfort" if ferdig else None,
            )
        )
        bunke.hendelser.append(
            (
                pasient_id,
                1,
                None,
                "registrert",
                hendelsestekst,
            )
        )
        pasient_id += 1
        forlop_id += 1
        if len(bunke.pasienter) >= 2000:
            yield bunke
            if fremdrift:
                fremdrift(len(bunke.pasienter))
            bunke = Demodata()
    if bunke.pasienter:
        yield bunke
        if fremdrift:
            fremdrift(len(bunke.pasienter))


def fyll(
    register: Register,
    antall: int,
    seed: int,
    idag: date,
    fremdrift: Callable[[int], None] | None = None,
) -> int:
    """Add `antall` demo patients in one transaction; refuses a register with real patients."""
    with register.transaksjon():
        if register.mengde.finnes_ekte_pasienter():
            raise Avvist(
                "Registeret har ekte pasienter. Eksempeldata legges bare i et eget "
                "demoregister: bruk --db med en ny fil."
            )
        register.tillat_syntetiske()
        innst = register.innstillinger()
        pasient_id = register.mengde.neste_id("pasient")
        forlop_id = register.mengde.neste_id("forlop")
        opptatte = register.mengde.registrerte_fnr()
        tjeneste = innst["tjeneste"]
        from .samtale import aktiv_guide

        guiden = aktiv_guide(register)
        guide = (guiden.id, guiden.versjon, guiden.kilde)
        sp1_uker = innst["sp1_uker"]
        # The rows are made in a process of their own while the ones before are written (a
        # third of the time at a million patients); `lag` is the same either way.
        bunker = fra_egen_prosess(
            lambda: lag(antall, seed, idag, sp1_uker, pasient_id, forlop_id, opptatte, None, tjeneste)
        )
        with register.mengde.masseinnlegging():
            for bunke in bunker:
                register.mengde.legg_inn_mange(
                    bunke.pasienter, bunke.forlop, bunke.punkter, bunke.hendelser, "eksempeldata"
                )
                if bunke.samtaler:
                    register.mengde.legg_inn_samtaler(bunke.samtaler, guide)
                if fremdrift:
                    fremdrift(len(bunke.pasienter))
    return antall
