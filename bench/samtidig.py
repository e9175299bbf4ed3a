"""Concurrency evidence for pakkehjem: several coordinators on one register file at once.

Run with the project's virtual environment, from anywhere:

    .venv/bin/python bench/samtidig.py [--prosesser 4] [--sekunder 30] [--ventetid 10] [--seed 1]
                                       [--hold-las S --hold-hvert S] [--json FIL] [--behold MAPPE]

Each of `--prosesser` workers runs, for a bounded time, a seeded random mix of real pakkehjem
commands, each as its own process (the installed console script next to sys.executable), as a
coordinator would: `ny-pasient`, `avtal`, `samtale REF --svar FIL`, `samtykke`,
`brev REF --til fastlege --ut FIL`, and the reads `vis` and `forfaller`. Every worker starts
with a short fixed round (see FORSTE_RUNDE), so even a short run has every kind; then it
draws at random.

A worker keeps a model of the patients it registered (no other worker touches them) and
changes it only when a command exits 0. It checks as it goes, and the driver checks at the end:

- every command that exited 0 is in the register: patients with their fødselsnummer, bookings
  with their dates, conversations finished with exactly their answers, consents, letters
  recorded with the sha256 of a file that exists with mode 0600;
- every command that exited non-zero exited 1 with «Databasen er opptatt» on stderr and left
  nothing behind (read-only right after the refusal, and again at the end); a refused
  `ny-pasient` is retried with the same fødselsnummer, as a coordinator would;
- reads (`vis`, `forfaller`) show exactly the worker's own committed writes;
- no output anywhere holds "Traceback" or "Uventet feil"; `sjekk` passes; the register holds
  no patient that no worker registered.

`--hold-las S` makes the driver itself take the write lock (BEGIN IMMEDIATE) for S seconds
every `--hold-hvert` seconds: with a short `--ventetid` that provokes busy refusals for sure.

The figure is the commands completed (exit 0) per second over the whole run, all workers
together, with nothing lost. Each command is a fresh process, so the start of Python and
pakkehjem bounds it, not the database. Exit code 0 when every check held, 1 otherwise.
Standard library only; the test suite imports `kjor` from here.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

PROGRAM = Path(sys.executable).parent / "pakkehjem"
OPPTATT = "Databasen er opptatt"
FORBUDT = ("Traceback", "Uventet feil")
APNE = ("planlagt", "avtalt", "utsatt", "avslatt")
OPERASJONER = ("ny-pasient", "avtal", "samtale", "samtykke", "brev", "vis", "forfaller")
# After its first patient, a worker starts with one of these pairs (three workers cover all of
# them) and finishes that first round even when the time is up, so every run has every kind.
FORSTE_RUNDE = (("samtale", "brev"), ("avtal", "vis"), ("samtykke", "forfaller"))
# Weights of the random mix after the first round.
VEKTER = {"ny-pasient": 2, "avtal": 2, "samtale": 2, "samtykke": 1.5, "brev": 1.5, "vis": 1, "forfaller": 1}
MOTTAKERE = ("fastlege", "kommune", "sykehus", "nav", "annen")
# The access-log rows a successful write leaves, counted per patient (reads are left out: the
# final check reads too, and a refused letter has logged its reading of the patient).
LOGGEDE = ("ny-pasient", "sp-avtalt", "samtale-svarfil", "samtale-fullfort", "samtykke", "brev-fastlege")


def program_kommando() -> list[str]:
    """The installed console script, or `python -m pakkehjem` when there is none."""
    return [str(PROGRAM)] if PROGRAM.exists() else [sys.executable, "-m", "pakkehjem"]


# --- synthetic fødselsnumre (month + 80), standard library only ---------------------------------

_VEKT1 = (3, 7, 6, 1, 8, 9, 4, 5, 2)
_VEKT2 = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)


def _kontrollsiffer(sifre: str, vekter: tuple[int, ...]) -> int | None:
    rest = 11 - sum(int(s) * v for s, v in zip(sifre, vekter, strict=True)) % 11
    return 0 if rest == 11 else None if rest == 10 else rest


def syntetisk_fnr(fodselsdato: date, individ: int) -> str | None:
    """A synthetic number (month + 80) for a birth date in 1940-1999 (individ 0-499), or None
    when the control digits do not come out."""
    ni = f"{fodselsdato.day:02d}{fodselsdato.month + 80:02d}{fodselsdato.year % 100:02d}{individ:03d}"
    k1 = _kontrollsiffer(ni, _VEKT1)
    if k1 is None:
        return None
    k2 = _kontrollsiffer(ni + str(k1), _VEKT2)
    return None if k2 is None else f"{ni}{k1}{k2}"


def fnr_for_arbeider(arbeider: int, prosesser: int) -> Any:
    """Endless unique synthetic numbers for one worker: no other worker ever gets the same."""
    blokk = 500 // prosesser
    n = 0
    while True:
        fodt = date(1940, 1, 1) + timedelta(days=n // blokk)
        nummer = syntetisk_fnr(fodt, arbeider * blokk + n % blokk)
        n += 1
        if nummer is not None:
            yield nummer


# --- what a worker believes it wrote ----------------------------------------------------------------


@dataclass
class Kall:
    """One run of the CLI: what was asked, what came back, what the worker expected."""

    arbeider: int
    operasjon: str
    args: list[str]
    kode: int
    stdout: str
    stderr: str
    start_s: float
    tid_s: float
    pasient_id: int | None = None
    forventet: dict[str, Any] = field(default_factory=dict)

    @property
    def opptatt(self) -> bool:
        return self.kode == 1 and OPPTATT in " ".join(self.stderr.split())


@dataclass
class Pasientmodell:
    """One patient as its worker expects to find it in the register."""

    id: int
    fnr: str
    koordinator: str
    punkter: dict[int, tuple[str, str | None]] = field(
        default_factory=lambda: {sp: ("planlagt", None) for sp in (1, 2, 3)}
    )
    samtaler: list[dict[str, Any]] = field(default_factory=list)  # {"sp", "dato", "svar"}
    samtykker: list[tuple[str, str, str]] = field(default_factory=list)  # (mottaker, svar, kilde)
    brev: list[str] = field(default_factory=list)  # the letter files, resolved
    tiltak: int = 0
    status: str = "aktiv"
    logg: dict[str, int] = field(default_factory=lambda: {"ny-pasient": 1})

    def logget(self, *handlinger: str) -> None:
        for handling in handlinger:
            self.logg[handling] = self.logg.get(handling, 0) + 1

    def forste_apen_sp(self) -> int | None:
        if self.status != "aktiv":
            return None
        return next((sp for sp in (1, 2, 3) if self.punkter[sp][0] in APNE), None)

    def forventet(self) -> dict[str, Any]:
        """The same shape as `les_pasient` reads."""
        return {
            "fnr": self.fnr,
            "status": self.status,
            "punkter": {sp: list(v) for sp, v in self.punkter.items()},
            "samtaler": [{**s, "status": "fullfort"} for s in self.samtaler],
            "samtykker": [list(s) for s in self.samtykker],
            "brev": list(self.brev),
            "tiltak": self.tiltak,
            "tilgangslogg": dict(sorted(self.logg.items())),
        }


def les_pasient(db: sqlite3.Connection, pasient_id: int) -> dict[str, Any] | None:
    """One patient as the register holds it, read straight from the file (no access-log row)."""
    rad = db.execute("SELECT fnr, status FROM pasient WHERE id = ?", (pasient_id,)).fetchone()
    if rad is None:
        return None
    punkter = {
        sp: [status, dato]
        for sp, status, dato in db.execute(
            "SELECT s.sp, s.status, s.dato FROM samhandlingspunkt s JOIN forlop f ON f.id = s.forlop_id"
            " WHERE f.pasient_id = ? AND f.nr = 1",
            (pasient_id,),
        )
    }
    samtaler = []
    for samtale_id, sp, dato, status in db.execute(
        "SELECT s.id, p.sp, s.dato, s.status FROM samtale s"
        " JOIN samhandlingspunkt p ON p.id = s.samhandlingspunkt_id WHERE s.pasient_id = ? ORDER BY s.id",
        (pasient_id,),
    ).fetchall():
        svar = {
            sid: json.loads(verdi)
            for sid, verdi in db.execute(
                "SELECT sporsmal_id, verdi FROM svar WHERE samtale_id = ? AND hoppet_over = 0",
                (samtale_id,),
            )
        }
        samtaler.append({"sp": sp, "dato": dato, "svar": svar, "status": status})
    return {
        "fnr": rad[0],
        "status": rad[1],
        "punkter": punkter,
        "samtaler": samtaler,
        "samtykker": [
            list(r)
            for r in db.execute(
                "SELECT mottaker, svar, kilde FROM samtykke WHERE pasient_id = ? ORDER BY id", (pasient_id,)
            )
        ],
        "brev": [
            r[0]
            for r in db.execute(
                "SELECT fil FROM brev WHERE pasient_id = ? AND art = 'oppsummering' ORDER BY id",
                (pasient_id,),
            )
        ],
        "tiltak": db.execute("SELECT count(*) FROM tiltak WHERE pasient_id = ?", (pasient_id,)).fetchone()[0],
        "tilgangslogg": dict(
            db.execute(
                f"SELECT handling, count(*) FROM tilgangslogg WHERE pasient_id = ?"
                f" AND handling IN ({','.join('?' * len(LOGGEDE))}) GROUP BY handling ORDER BY handling",
                (pasient_id, *LOGGEDE),
            ).fetchall()
        ),
    }


def les_tilkobling(sti: Path) -> sqlite3.Connection:
    """A read-only connection: it never takes the write lock, so it never disturbs the run."""
    return sqlite3.connect(f"file:{sti}?mode=ro", uri=True, timeout=30)


def forskjell(forventet: dict[str, Any], funnet: dict[str, Any] | None) -> str | None:
    """None when equal, else a short account of the first keys that differ."""
    if funnet is None:
        return "pasienten finnes ikke i registeret"
    ulike = [
        f"{k}: ventet {forventet[k]!r}, fant {funnet.get(k)!r}"
        for k in forventet
        if forventet[k] != funnet.get(k)
    ]
    return "; ".join(ulike) or None


# --- one worker ---------------------------------------------------------------------------------------


@dataclass
class Oppsett:
    """What every worker shares."""

    db: Path
    mappe: Path
    miljo: dict[str, str]
    slutt: float
    t0: float
    idag: date
    prosesser: int
    seed: int
    tidsgrense: float
    forste_runde: tuple[str, ...] | None = None  # instead of the usual first round


class Arbeider:
    """One coordinator: runs commands until the time is up, keeping its model and its checks."""

    def __init__(self, nr: int, oppsett: Oppsett, kall: list[Kall], feil: list[str]) -> None:
        self.nr = nr
        self.o = oppsett
        self.kall = kall
        self.feil = feil
        self.rng = random.Random(f"{oppsett.seed}-{nr}")
        self.koordinator = f"W{nr}"
        self.pasienter: dict[int, Pasientmodell] = {}
        self.numre = fnr_for_arbeider(nr, oppsett.prosesser)
        self.ventende_fnr: str | None = None  # a refused registration, tried again next time
        self.teller = 0
        self.mappe = oppsett.mappe / f"arbeider-{nr}"
        self.mappe.mkdir(parents=True, exist_ok=True)

    # The loop ---------------------------------------------------------------------------------

    def kjor(self) -> None:
        if self.o.prosesser >= len(FORSTE_RUNDE):
            mine = [FORSTE_RUNDE[self.nr % len(FORSTE_RUNDE)]]
        else:
            mine = [par for i, par in enumerate(FORSTE_RUNDE) if i % self.o.prosesser == self.nr]
        runde = ["ny-pasient", *(navn for par in mine for navn in par)]
        if self.o.forste_runde is not None:
            runde = list(self.o.forste_runde)
        while runde or time.monotonic() < self.o.slutt:
            operasjon = runde.pop(0) if runde else self._trekk()
            try:
                getattr(self, "_" + operasjon.replace("-", "_"))()
            except Exception as feil:  # noqa: BLE001 - a driver bug must not hide the others
                self.feil.append(
                    f"W{self.nr} {operasjon}: feil i måleren selv: {type(feil).__name__}: {feil}"
                )

    def _trekk(self) -> str:
        navn = list(VEKTER)
        return self.rng.choices(navn, weights=[VEKTER[n] for n in navn])[0]

    def _pasient(self, vilkar: Callable[[Pasientmodell], bool]) -> Pasientmodell | None:
        kandidater = [p for p in self.pasienter.values() if vilkar(p)]
        return self.rng.choice(kandidater) if kandidater else None

    def _run(self, operasjon: str, args: list[str], pasient_id: int | None, **forventet: Any) -> Kall:
        start = time.monotonic()
        try:
            svar = subprocess.run(
                [*program_kommando(), *args],
                env=self.o.miljo,
                capture_output=True,
                text=True,
                timeout=self.o.tidsgrense,
                cwd=self.mappe,
            )
            kode, ut, feil = svar.returncode, svar.stdout, svar.stderr
        except subprocess.TimeoutExpired as tidsavbrudd:
            kode, ut, feil = -1, str(tidsavbrudd.stdout or ""), f"tidsavbrudd etter {self.o.tidsgrense} s"
        kall = Kall(
            self.nr, operasjon, args, kode, ut, feil, start - self.o.t0, time.monotonic() - start, pasient_id,
            forventet,
        )  # fmt: skip
        self.kall.append(kall)
        hvem = f"W{self.nr} {operasjon} {' '.join(args[1:3])}"
        for tekst in (ut, feil):
            for ord_ in FORBUDT:
                if ord_ in tekst:
                    self.feil.append(f"{hvem}: «{ord_}» i utdata: {tekst[-400:]!r}")
        if kode not in (0, 1) or (kode == 1 and not kall.opptatt):
            self.feil.append(f"{hvem}: kode {kode}, ikke «{OPPTATT}»: {' '.join(feil.split())[:300]}")
        return kall

    def _avvist_uten_spor(self, kall: Kall, pasient: Pasientmodell | None) -> None:
        """Right after a refusal: the worker's patient is exactly as before."""
        if pasient is None:
            return
        with _lukkes(les_tilkobling(self.o.db)) as db:
            avvik = forskjell(pasient.forventet(), les_pasient(db, pasient.id))
        if avvik:
            self.feil.append(f"W{self.nr} {kall.operasjon} avvist, men registeret er endret: {avvik}")

    # The operations ----------------------------------------------------------------------------

    def _ny_pasient(self) -> None:
        fnr = self.ventende_fnr or next(self.numre)
        self.teller += 1
        diagnosedato = self.o.idag - timedelta(days=self.rng.randint(0, 300))
        args = [
            "ny-pasient", "--fnr", fnr, "--navn", f"Samtidig {self.koordinator} {self.teller}",
            "--diagnosedato", diagnosedato.isoformat(), "--koordinator", self.koordinator, "--json",
        ]  # fmt: skip
        kall = self._run("ny-pasient", args, None, fnr=fnr)
        if kall.kode != 0:
            self.ventende_fnr = fnr
            with _lukkes(les_tilkobling(self.o.db)) as db:
                if db.execute("SELECT 1 FROM pasient WHERE fnr = ?", (fnr,)).fetchone():
                    self.feil.append(f"W{self.nr} ny-pasient avvist, men pasienten {fnr} er registrert")
            return
        self.ventende_fnr = None
        try:
            data = json.loads(kall.stdout)
        except ValueError:
            self.feil.append(f"W{self.nr} ny-pasient: stdout er ikke JSON: {kall.stdout[:200]!r}")
            return
        if data.get("fnr") != fnr:
            self.feil.append(f"W{self.nr} ny-pasient: ventet {fnr}, fikk {data.get('fnr')}")
        kall.pasient_id = data["id"]
        self.pasienter[data["id"]] = Pasientmodell(data["id"], fnr, self.koordinator)

    def _avtal(self) -> None:
        pasient = self._pasient(lambda p: p.forste_apen_sp() is not None)
        if pasient is None:
            return self._ny_pasient()
        sp = pasient.forste_apen_sp()
        assert sp is not None
        dato = (self.o.idag + timedelta(days=self.rng.randint(1, 90))).isoformat()
        args = ["avtal", str(pasient.id), dato, "--kl", "09:30", "--sted", "kontor"]
        kall = self._run("avtal", args, pasient.id, sp=sp, dato=dato)
        if kall.kode == 0:
            pasient.punkter[sp] = ("avtalt", dato)
            pasient.logget("sp-avtalt")
        else:
            self._avvist_uten_spor(kall, pasient)

    def _svar(self) -> dict[str, Any]:
        svar: dict[str, Any] = {
            "samtaleform": self.rng.choice(["hjemmebesøk", "kontor", "telefon", "video"]),
            "hva_er_viktig": f"Samtale {self.teller} hos {self.koordinator}: å være hjemme med familien.",
            "familie_behov": self.rng.choice(["behov", "ingen behov"]),
            "belastning_grad": self.rng.randint(0, 10),
            "samtykke_fastlege": True,
        }
        if svar["familie_behov"] == "behov":
            frist = (self.o.idag + timedelta(days=self.rng.randint(7, 60))).isoformat()
            svar["familie_notat"] = "Trenger hjelp med henting i barnehagen."
            svar["familie_tiltak"] = [
                {"hva": "Kontakte helsesykepleier", "ansvarlig": "kommunen", "frist": frist}
            ]
        if self.rng.random() < 0.5:
            svar["neste_dato"] = (self.o.idag + timedelta(days=self.rng.randint(14, 120))).isoformat()
        return svar

    def _samtale(self) -> None:
        pasient = self._pasient(lambda p: p.forste_apen_sp() is not None)
        if pasient is None:
            return self._ny_pasient()
        sp = pasient.forste_apen_sp()
        assert sp is not None
        self.teller += 1
        svar = self._svar()
        fil = self.mappe / f"svar-{self.teller}.json"
        fil.write_text(json.dumps(svar, ensure_ascii=False), encoding="utf-8")
        idag = self.o.idag.isoformat()  # given, so a run past midnight still knows the date
        args = ["samtale", str(pasient.id), "--svar", str(fil), "--samtaledato", idag]
        if sp == 3:
            # The mix holds a patient's points in quick succession, so an SP3 comes long before
            # its window; the date rules ask a coordinator to confirm that, and so does the mix.
            args.append("--bekreft")
        kall = self._run("samtale", args, pasient.id, sp=sp, svar=svar)
        if kall.kode != 0:
            return self._avvist_uten_spor(kall, pasient)
        pasient.punkter[sp] = ("gjennomfort", idag)
        pasient.samtaler.append({"sp": sp, "dato": idag, "svar": svar})
        pasient.samtykker.append(("fastlege", "ja", "samtale"))
        pasient.tiltak += len(svar.get("familie_tiltak", []))
        pasient.logget("samtale-svarfil", "samtale-fullfort")
        if sp < 3 and "neste_dato" in svar:
            pasient.punkter[sp + 1] = ("avtalt", svar["neste_dato"])
        if sp == 3:
            pasient.status = "avsluttet"

    def _samtykke(self) -> None:
        pasient = self._pasient(lambda p: True)
        if pasient is None:
            return self._ny_pasient()
        mottaker = self.rng.choice(MOTTAKERE)
        # Never an objection to the GP: the letters in this mix go there.
        ja = mottaker == "fastlege" or self.rng.random() < 0.7
        args = ["samtykke", str(pasient.id), "--til", mottaker, "--ja" if ja else "--nei"]
        if mottaker == "annen":
            # A consent to another recipient names who (helsepersonelloven § 22); without --navn
            # it is bad input (exit 2), which this mix counts as a failure.
            args += ["--navn", "Arbeidsgiver AS"]
        kall = self._run("samtykke", args, pasient.id, mottaker=mottaker, ja=ja)
        if kall.kode == 0:
            pasient.samtykker.append((mottaker, "ja" if ja else "nei", "kommando"))
            pasient.logget("samtykke")
        else:
            self._avvist_uten_spor(kall, pasient)

    def _brev(self) -> None:
        pasient = self._pasient(lambda p: bool(p.samtaler))
        if pasient is None:
            return self._samtale()
        self.teller += 1
        fil = (self.mappe / f"brev-{self.teller}.txt").resolve()
        args = ["brev", str(pasient.id), "--til", "fastlege", "--ut", str(fil)]
        kall = self._run("brev", args, pasient.id, fil=str(fil))
        if kall.kode == 0:
            pasient.brev.append(str(fil))
            pasient.logget("brev-fastlege")
            if not fil.exists():
                self.feil.append(f"W{self.nr} brev: {fil.name} ble meldt skrevet, men finnes ikke")
        else:
            if fil.exists():
                self.feil.append(f"W{self.nr} brev avvist, men filen {fil.name} ligger igjen")
            self._avvist_uten_spor(kall, pasient)

    def _vis(self) -> None:
        pasient = self._pasient(lambda p: True)
        if pasient is None:
            return self._ny_pasient()
        kall = self._run("vis", ["vis", str(pasient.id), "--json"], pasient.id)
        if kall.kode != 0:
            return self._avvist_uten_spor(kall, pasient)
        avvik = forskjell(_vis_del(pasient.forventet()), _vis_del(vis_som_modell(json.loads(kall.stdout))))
        if avvik:
            self.feil.append(f"W{self.nr} vis {pasient.id} viser ikke det som er skrevet: {avvik}")

    def _forfaller(self) -> None:
        args = ["forfaller", "--koordinator", self.koordinator, "--maned", "--json"]
        kall = self._run("forfaller", args, None)
        if kall.kode != 0:
            return
        for rad in json.loads(kall.stdout):
            pasient = self.pasienter.get(rad["pasient_id"])
            if pasient is None:
                self.feil.append(
                    f"W{self.nr} forfaller viser pasient {rad['pasient_id']}, som ikke er registrert"
                )
            elif list(pasient.punkter[rad["sp"]]) != [rad["status"], rad["dato"]]:
                self.feil.append(
                    f"W{self.nr} forfaller: pasient {rad['pasient_id']} SP{rad['sp']} er "
                    f"{rad['status']} {rad['dato']}, ventet {pasient.punkter[rad['sp']]}"
                )


def vis_som_modell(data: dict[str, Any]) -> dict[str, Any]:
    """The parts of `vis --json` a worker's model predicts, in its shape."""
    forlop = data["forlop"][0]
    return {
        "fnr": data["fnr"],
        "status": data["status"],
        "punkter": {s["sp"]: [s["status"], s["dato"]] for s in forlop["samhandlingspunkter"]},
        "samtaler": [
            {"sp": s["sp"], "dato": s["dato"], "svar": s["svar"], "status": s["status"]}
            for s in data["samtaler"]
        ],
        "tiltak": len(data["tiltak"]),
    }


def _vis_del(tilstand: dict[str, Any]) -> dict[str, Any]:
    return {k: tilstand[k] for k in ("fnr", "status", "punkter", "samtaler", "tiltak")}


class _lukkes:
    """`with _lukkes(connection) as db:` closes it afterwards (sqlite3's own `with` does not)."""

    def __init__(self, tilkobling: sqlite3.Connection) -> None:
        self.tilkobling = tilkobling

    def __enter__(self) -> sqlite3.Connection:
        return self.tilkobling

    def __exit__(self, *_: object) -> None:
        self.tilkobling.close()


# --- the run and the final checks ---------------------------------------------------------------------


@dataclass
class Resultat:
    """A whole run: every command, every broken promise, and the figures."""

    prosesser: int
    sekunder: float  # asked for
    ventetid: float
    varighet_s: float = 0.0  # from the start to the last command's end
    kall: list[Kall] = field(default_factory=list)
    feil: list[str] = field(default_factory=list)
    las_perioder: list[tuple[float, float]] = field(default_factory=list)  # when the driver held the lock
    pasienter: int = 0
    brev: int = 0
    last: tuple[float, float] = (0.0, 0.0)  # the machine's 1-minute load average before and after
    # For `sluttsjekk`: the register, the commands' environment, and every worker's patients.
    db: Path | None = None
    miljo: dict[str, str] = field(default_factory=dict)
    modeller: dict[int, Pasientmodell] = field(default_factory=dict)

    @property
    def fullfort(self) -> int:
        return sum(k.kode == 0 for k in self.kall)

    @property
    def opptatt(self) -> int:
        return sum(k.opptatt for k in self.kall)

    @property
    def per_sekund(self) -> float:
        return self.fullfort / self.varighet_s if self.varighet_s else 0.0

    def per_operasjon(self) -> dict[str, dict[str, Any]]:
        tabell = {}
        for navn in OPERASJONER:
            mine = [k for k in self.kall if k.operasjon == navn]
            tabell[navn] = {
                "kjort": len(mine),
                "fullfort": sum(k.kode == 0 for k in mine),
                "opptatt": sum(k.opptatt for k in mine),
                "median_s": statistics.median(k.tid_s for k in mine) if mine else None,
            }
        return tabell

    def som_json(self) -> dict[str, Any]:
        return {
            "prosesser": self.prosesser,
            "sekunder": self.sekunder,
            "ventetid": self.ventetid,
            "varighet_s": round(self.varighet_s, 2),
            "operasjoner": len(self.kall),
            "fullfort": self.fullfort,
            "opptatt": self.opptatt,
            "feil": self.feil,
            "per_sekund": round(self.per_sekund, 2),
            "las_perioder": [[round(a, 2), round(b, 2)] for a, b in self.las_perioder],
            "pasienter": self.pasienter,
            "brev": self.brev,
            "last": self.last,
            "prosessorer": os.cpu_count(),
            "per_operasjon": self.per_operasjon(),
            "avviste": [asdict(k) for k in self.kall if k.kode != 0],
        }


def miljo_for(mappe: Path, db: Path, ventetid: float) -> dict[str, str]:
    """The environment of every command: the register, home and data folders in `mappe`."""
    # Nothing of the caller's own pakkehjem settings (an encryption key would make the checks'
    # plain SQLite reads impossible): a plain register of its own.
    miljo = {k: v for k, v in os.environ.items() if not k.startswith("PAKKEHJEM_") and k != "FORCE_COLOR"}
    miljo.update(
        PAKKEHJEM_DB=str(db),
        PAKKEHJEM_VENTETID=str(ventetid),
        HOME=str(mappe / "hjem"),
        XDG_DATA_HOME=str(mappe / "hjem" / ".local" / "share"),
        NO_COLOR="1",
        COLUMNS="200",
    )
    return miljo


def _hold_las(db: Path, t0: float, slutt: float, hold: float, hvert: float, resultat: Resultat) -> None:
    """Take the write lock for `hold` seconds every `hvert` seconds until the run ends."""
    tilkobling = sqlite3.connect(db, timeout=30, isolation_level=None)
    try:
        while time.monotonic() + hvert < slutt:
            time.sleep(max(hvert - hold, 0.0))
            tilkobling.execute("BEGIN IMMEDIATE")
            fra = time.monotonic() - t0
            try:
                time.sleep(hold)
            finally:
                tilkobling.execute("ROLLBACK")
            resultat.las_perioder.append((fra, time.monotonic() - t0))
    finally:
        tilkobling.close()


def kjor(
    mappe: Path,
    *,
    prosesser: int = 4,
    sekunder: float = 20.0,
    ventetid: float = 10.0,
    seed: int = 1,
    hold_las: float = 0.0,
    hold_hvert: float = 1.0,
    forste_runde: tuple[str, ...] | None = None,
) -> Resultat:
    """Run the mix in `mappe` (a new register there), check everything; see the module text.

    `forste_runde`: the commands every worker runs first, instead of its share of FORSTE_RUNDE.
    """
    if not 1 <= prosesser <= 50:
        raise ValueError("prosesser må være fra 1 til 50")
    mappe.mkdir(parents=True, exist_ok=True)
    db = mappe / "samtidig.db"
    miljo = miljo_for(mappe, db, ventetid)
    resultat = Resultat(prosesser, sekunder, ventetid, db=db, miljo=miljo)
    last_for = os.getloadavg()[0]
    for forberedelse in (
        ["innstillinger", "tillat_syntetiske", "ja"],
        ["avsender", "--navn", "Kari Koordinator", "--rolle", "kreftkoordinator",
         "--tjeneste", "Helsehuset, Eksempel kommune", "--telefon", "12345678"],
    ):  # fmt: skip
        svar = subprocess.run([*program_kommando(), *forberedelse], env=miljo, capture_output=True, text=True)
        if svar.returncode != 0:
            raise RuntimeError(f"{' '.join(forberedelse)} feilet: {svar.stderr}")

    t0 = time.monotonic()
    oppsett = Oppsett(
        db, mappe, miljo, t0 + sekunder, t0, date.today(), prosesser, seed, max(60.0, 3 * ventetid + 30),
        forste_runde,
    )  # fmt: skip
    arbeidere = [Arbeider(nr, oppsett, resultat.kall, resultat.feil) for nr in range(prosesser)]
    trader = [threading.Thread(target=a.kjor, name=f"arbeider-{a.nr}") for a in arbeidere]
    if hold_las > 0:
        trader.append(
            threading.Thread(target=_hold_las, args=(db, t0, oppsett.slutt, hold_las, hold_hvert, resultat))
        )
    for trad in trader:
        trad.start()
    for trad in trader:
        trad.join()
    resultat.varighet_s = time.monotonic() - t0
    resultat.last = (last_for, os.getloadavg()[0])
    resultat.kall.sort(key=lambda k: k.start_s)
    resultat.modeller = {p.id: p for a in arbeidere for p in a.pasienter.values()}
    resultat.feil.extend(sluttsjekk(resultat))
    return resultat


def sluttsjekk(resultat: Resultat) -> list[str]:
    """After the run: every patient as its worker expects, letters whole, nothing extra, sjekk
    ok. Returns what is wrong (nothing: all held); may be run again on the same result."""
    feil: list[str] = []
    db, miljo, modeller = resultat.db, resultat.miljo, resultat.modeller
    assert db is not None
    svar = subprocess.run([*program_kommando(), "sjekk", "--json"], env=miljo, capture_output=True, text=True)
    if svar.returncode != 0 or not json.loads(svar.stdout or "{}").get("ok"):
        feil.append(f"sjekk feilet: kode {svar.returncode}: {svar.stdout[:300]} {svar.stderr[:300]}")
    resultat.pasienter = len(modeller)
    with _lukkes(les_tilkobling(db)) as tilkobling:
        i_registeret = dict(tilkobling.execute("SELECT id, fnr FROM pasient").fetchall())
        if i_registeret != {pid: p.fnr for pid, p in modeller.items()}:
            ekstra = sorted(set(i_registeret) - set(modeller))
            mangler = sorted(set(modeller) - set(i_registeret))
            feil.append(f"pasientene stemmer ikke: ekstra i registeret {ekstra}, mangler {mangler}")
        for pid, pasient in modeller.items():
            avvik = forskjell(pasient.forventet(), les_pasient(tilkobling, pid))
            if avvik:
                feil.append(f"pasient {pid} ({pasient.koordinator}) stemmer ikke: {avvik}")
        brevrader = tilkobling.execute("SELECT fil, sha256 FROM brev WHERE art = 'oppsummering'").fetchall()
    resultat.brev = len(brevrader)
    for fil, sha256 in brevrader:
        sti = Path(fil)
        if not sti.exists():
            feil.append(f"brevet {sti.name} står i registeret, men filen finnes ikke")
            continue
        if hashlib.sha256(sti.read_bytes()).hexdigest() != sha256:
            feil.append(f"brevet {sti.name}: filen er ikke den registeret har sjekksummen til")
        if sti.stat().st_mode & 0o777 != 0o600:
            feil.append(f"brevet {sti.name} har modus {oct(sti.stat().st_mode & 0o777)}, ikke 0600")
    # Two patients of each worker through the CLI as well: the contract's view of the same data.
    for koordinator in sorted({p.koordinator for p in modeller.values()}):
        for pasient in [p for p in modeller.values() if p.koordinator == koordinator][:2]:
            svar = subprocess.run(
                [*program_kommando(), "vis", str(pasient.id), "--json"],
                env=miljo,
                capture_output=True,
                text=True,
            )
            if svar.returncode != 0:
                feil.append(f"vis {pasient.id} etter kjøringen: kode {svar.returncode}: {svar.stderr[:300]}")
                continue
            avvik = forskjell(
                _vis_del(pasient.forventet()), _vis_del(vis_som_modell(json.loads(svar.stdout)))
            )
            if avvik:
                feil.append(f"vis {pasient.id} etter kjøringen: {avvik}")
    return feil


# --- the report ------------------------------------------------------------------------------------


def rapport(resultat: Resultat) -> str:
    """The result for a person, in Norwegian."""
    linjer = [
        f"Samtidighet: {resultat.prosesser} koordinatorer mot ett register i {resultat.sekunder:g} s "
        f"(PAKKEHJEM_VENTETID={resultat.ventetid:g} s)",
        "",
        f"{'Operasjon':<12} {'Kjørt':>6} {'Fullført':>9} {'Opptatt':>8} {'Median s':>9}",
    ]
    for navn, tall in resultat.per_operasjon().items():
        median = f"{tall['median_s']:.2f}" if tall["median_s"] is not None else "-"
        linjer.append(f"{navn:<12} {tall['kjort']:>6} {tall['fullfort']:>9} {tall['opptatt']:>8} {median:>9}")
    linjer += [
        "",
        f"Operasjoner i alt: {len(resultat.kall)} på {resultat.varighet_s:.1f} s; "
        f"fullført {resultat.fullfort}, avvist som opptatt {resultat.opptatt}, feil {len(resultat.feil)}.",
        f"Registeret etterpå: {resultat.pasienter} pasienter, {resultat.brev} brev, sjekk kjørt.",
    ]
    linjer.append(
        f"Maskinen: {os.cpu_count()} prosessorer, last (1 min) {resultat.last[0]:.1f} før "
        f"og {resultat.last[1]:.1f} etter."
    )
    if len(resultat.las_perioder):
        linjer.append(f"Måleren holdt selv skrivelåsen {len(resultat.las_perioder)} ganger.")
    if resultat.feil:
        linjer.append("")
        linjer.append("FEIL:")
        linjer += [f"  - {f}" for f in resultat.feil[:50]]
        if len(resultat.feil) > 50:
            linjer.append(f"  ... og {len(resultat.feil) - 50} til")
    else:
        linjer.append(
            f"Holdt: {resultat.per_sekund:.1f} samtidige operasjoner per sekund, uten at noe gikk tapt."
        )
    return "\n".join(linjer)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--prosesser", type=int, default=4, help="samtidige koordinatorer (standard 4)")
    parser.add_argument("--sekunder", type=float, default=30.0, help="hvor lenge de arbeider (standard 30)")
    parser.add_argument(
        "--ventetid", type=float, default=10.0, help="PAKKEHJEM_VENTETID i sekunder (standard 10)"
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--hold-las", type=float, default=0.0, help="hold skrivelåsen selv S sekunder ...")
    parser.add_argument("--hold-hvert", type=float, default=1.0, help="... hvert S sekund (standard 1)")
    parser.add_argument("--json", type=Path, help="skriv resultatet som JSON til denne filen")
    parser.add_argument("--behold", type=Path, help="lag registeret i denne mappen og la det ligge")
    args = parser.parse_args(argv)
    valg = dict(
        prosesser=args.prosesser,
        sekunder=args.sekunder,
        ventetid=args.ventetid,
        seed=args.seed,
        hold_las=args.hold_las,
        hold_hvert=args.hold_hvert,
    )
    if args.behold:
        resultat = kjor(args.behold, **valg)
    else:
        with tempfile.TemporaryDirectory(prefix="pakkehjem-samtidig-") as mappe:
            resultat = kjor(Path(mappe), **valg)
    print(rapport(resultat))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(resultat.som_json(), ensure_ascii=False, indent=2), encoding="utf-8")
    return 1 if resultat.feil else 0


if __name__ == "__main__":
    sys.exit(main())
