"""The SQLite store: schema and migrations, transactions, queries and the access log.

Every read or write of a patient's data goes through `Register.transaksjon`, which
appends the access-log rows in the same transaction: no code path can skip them.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import re
import socket
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from . import datoregler, forlop, innstillinger, motor
from . import fnr as fnr_regler
from .datoer import fra_iso, iso, na_utc, norsk_dato, vis_tid
from .feil import (
    Avvist,
    Duplikat,
    FlereTreff,
    IkkeFunnet,
    Opptatt,
    PakkehjemFeil,
    SkadetDatabase,
    UgyldigInndata,
)

VENTETID_STANDARD = 10.0  # seconds a command waits for another user's lock


# Numbered migrations, applied in order on open; user_version holds how many are applied.
# A migration never drops patient data.
MIGRASJONER: tuple[str, ...] = (
    """
    CREATE TABLE innstilling (
        navn TEXT PRIMARY KEY,
        verdi TEXT NOT NULL
    );
    CREATE TABLE pasient (
        id INTEGER PRIMARY KEY,
        fnr TEXT NOT NULL UNIQUE,
        navn TEXT NOT NULL,
        fodselsdato TEXT NOT NULL,
        kommune TEXT,
        fastlege TEXT,
        koordinator TEXT,
        telefon TEXT,
        status TEXT NOT NULL DEFAULT 'aktiv' CHECK (status IN ('aktiv', 'avsluttet')),
        opprettet TEXT NOT NULL
    );
    CREATE TABLE forlop (
        id INTEGER PRIMARY KEY,
        pasient_id INTEGER NOT NULL REFERENCES pasient(id),
        nr INTEGER NOT NULL,
        diagnosedato TEXT NOT NULL,
        diagnose TEXT,
        status TEXT NOT NULL DEFAULT 'aktiv' CHECK (status IN ('aktiv', 'avsluttet')),
        avsluttet_dato TEXT,
        avsluttet_grunn TEXT,
        UNIQUE (pasient_id, nr)
    );
    CREATE TABLE samhandlingspunkt (
        id INTEGER PRIMARY KEY,
        forlop_id INTEGER NOT NULL REFERENCES forlop(id),
        sp INTEGER NOT NULL CHECK (sp IN (1, 2, 3)),
        ansvarlig TEXT NOT NULL,
        vindu_fra TEXT NOT NULL,
        vindu_til TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'planlagt' CHECK (status IN
            ('planlagt', 'avtalt', 'utsatt', 'avslatt', 'gjennomfort', 'bortfalt')),
        dato TEXT,
        klokkeslett TEXT,
        sted TEXT,
        grunn TEXT,
        -- The due range of forlop.forfallsperiode, written with every status change so the
        -- work list is one indexed range query; NULL when the contact point is closed.
        forfall_fra TEXT,
        forfall_til TEXT,
        UNIQUE (forlop_id, sp)
    );
    CREATE INDEX samhandlingspunkt_forfall
        ON samhandlingspunkt (forfall_til, forfall_fra) WHERE forfall_til IS NOT NULL;
    CREATE TABLE hendelse (
        id INTEGER PRIMARY KEY,
        tid TEXT NOT NULL,
        bruker TEXT NOT NULL,
        pasient_id INTEGER NOT NULL REFERENCES pasient(id),
        forlop_nr INTEGER,
        sp INTEGER,
        type TEXT NOT NULL,
        tekst TEXT NOT NULL
    );
    CREATE INDEX hendelse_pasient ON hendelse (pasient_id);
    CREATE TABLE tilgangslogg (
        id INTEGER PRIMARY KEY,
        tid TEXT NOT NULL,
        bruker TEXT NOT NULL,
        pasient_id INTEGER NOT NULL,
        handling TEXT NOT NULL
    );
    CREATE INDEX tilgangslogg_pasient ON tilgangslogg (pasient_id);
    CREATE TRIGGER tilgangslogg_uendret BEFORE UPDATE ON tilgangslogg
        BEGIN SELECT RAISE(ABORT, 'tilgangsloggen kan bare utvides'); END;
    CREATE TRIGGER tilgangslogg_ikke_slett BEFORE DELETE ON tilgangslogg
        BEGIN SELECT RAISE(ABORT, 'tilgangsloggen kan bare utvides'); END;
    """,
    # 2: the conversation. The guide text is stored with every conversation, so an old
    # conversation keeps the question texts that were actually asked.
    """
    CREATE TABLE guide (
        id INTEGER PRIMARY KEY,
        guide_id TEXT NOT NULL,
        versjon TEXT NOT NULL,
        sjekksum TEXT NOT NULL UNIQUE,
        kilde TEXT NOT NULL
    );
    CREATE TABLE samtale (
        id INTEGER PRIMARY KEY,
        pasient_id INTEGER NOT NULL REFERENCES pasient(id),
        samhandlingspunkt_id INTEGER NOT NULL REFERENCES samhandlingspunkt(id),
        guide_ref INTEGER NOT NULL REFERENCES guide(id),
        dato TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'pagar' CHECK (status IN ('pagar', 'fullfort')),
        startet TEXT NOT NULL,
        fullfort TEXT,
        bruker TEXT NOT NULL,
        -- Who holds the conversation open right now (pid@host), so a second coordinator
        -- cannot run the same one; released on exit, taken over when that process is gone.
        las_eier TEXT,
        las_tid TEXT
    );
    CREATE INDEX samtale_pasient ON samtale (pasient_id);
    CREATE UNIQUE INDEX samtale_en_pagar ON samtale (samhandlingspunkt_id) WHERE status = 'pagar';
    CREATE TABLE svar (
        samtale_id INTEGER NOT NULL REFERENCES samtale(id),
        sporsmal_id TEXT NOT NULL,
        verdi TEXT,
        hoppet_over INTEGER NOT NULL DEFAULT 0,
        rekkefolge INTEGER NOT NULL,
        tid TEXT NOT NULL,
        PRIMARY KEY (samtale_id, sporsmal_id)
    );
    CREATE TABLE tiltak (
        id INTEGER PRIMARY KEY,
        pasient_id INTEGER NOT NULL REFERENCES pasient(id),
        samtale_id INTEGER REFERENCES samtale(id),
        sporsmal_id TEXT,
        hva TEXT NOT NULL,
        ansvarlig TEXT NOT NULL,
        frist TEXT,
        status TEXT NOT NULL DEFAULT 'apen' CHECK (status IN ('apen', 'utfort')),
        utfort_dato TEXT,
        opprettet TEXT NOT NULL
    );
    CREATE INDEX tiltak_pasient ON tiltak (pasient_id);
    CREATE INDEX tiltak_apne ON tiltak (frist) WHERE status = 'apen';
    CREATE TABLE samtykke (
        id INTEGER PRIMARY KEY,
        pasient_id INTEGER NOT NULL REFERENCES pasient(id),
        mottaker TEXT NOT NULL CHECK (mottaker IN ('fastlege', 'kommune', 'sykehus', 'nav', 'annen')),
        svar TEXT NOT NULL CHECK (svar IN ('ja', 'nei')),
        dato TEXT NOT NULL,
        kilde TEXT NOT NULL,
        samtale_id INTEGER REFERENCES samtale(id),
        registrert TEXT NOT NULL,
        bruker TEXT NOT NULL
    );
    CREATE INDEX samtykke_pasient ON samtykke (pasient_id);
    """,
    # 3: every handover letter written (`brev`): to whom, from which conversation, in which
    # format, and the sha256 of the exact bytes, so a letter can be matched to the record later.
    # Append-only, like the access log: the record of what was disclosed must not change.
    """
    CREATE TABLE brev (
        id INTEGER PRIMARY KEY,
        pasient_id INTEGER NOT NULL REFERENCES pasient(id),
        samtale_id INTEGER NOT NULL REFERENCES samtale(id),
        mottaker TEXT NOT NULL CHECK (mottaker IN
            ('fastlege', 'kommune', 'sykehus', 'ny_kommune', 'nav', 'annen', 'pasient')),
        mottaker_navn TEXT,
        format TEXT NOT NULL CHECK (format IN ('txt', 'md', 'html', 'pdf')),
        sprak TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        fil TEXT,
        skrevet TEXT NOT NULL,
        bruker TEXT NOT NULL
    );
    CREATE INDEX brev_pasient ON brev (pasient_id);
    CREATE TRIGGER brev_uendret BEFORE UPDATE ON brev
        BEGIN SELECT RAISE(ABORT, 'brevloggen kan bare utvides'); END;
    CREATE TRIGGER brev_ikke_slett BEFORE DELETE ON brev
        BEGIN SELECT RAISE(ABORT, 'brevloggen kan bare utvides'); END;
    """,
    # 4: the invitation letter to the patient (`innkalling`) is recorded in `brev` too. It
    # comes before the conversation, so the table is rebuilt (SQLite cannot drop NOT NULL)
    # with `art` (which letter), the contact point it invites to, and samtale_id only for a
    # summary. Every row is copied over as a summary; the append-only triggers come back.
    """
    CREATE TABLE brev_ny (
        id INTEGER PRIMARY KEY,
        pasient_id INTEGER NOT NULL REFERENCES pasient(id),
        samtale_id INTEGER REFERENCES samtale(id),
        mottaker TEXT NOT NULL CHECK (mottaker IN
            ('fastlege', 'kommune', 'sykehus', 'ny_kommune', 'nav', 'annen', 'pasient')),
        mottaker_navn TEXT,
        format TEXT NOT NULL CHECK (format IN ('txt', 'md', 'html', 'pdf')),
        sprak TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        fil TEXT,
        skrevet TEXT NOT NULL,
        bruker TEXT NOT NULL,
        art TEXT NOT NULL DEFAULT 'oppsummering' CHECK (art IN ('oppsummering', 'innkalling')),
        samhandlingspunkt_id INTEGER REFERENCES samhandlingspunkt(id),
        CHECK ((art = 'oppsummering' AND samtale_id IS NOT NULL)
            OR (art = 'innkalling' AND samhandlingspunkt_id IS NOT NULL AND mottaker = 'pasient'))
    );
    INSERT INTO brev_ny (id, pasient_id, samtale_id, mottaker, mottaker_navn, format, sprak,
        sha256, fil, skrevet, bruker)
        SELECT id, pasient_id, samtale_id, mottaker, mottaker_navn, format, sprak,
            sha256, fil, skrevet, bruker FROM brev;
    DROP TABLE brev;
    ALTER TABLE brev_ny RENAME TO brev;
    CREATE INDEX brev_pasient ON brev (pasient_id);
    CREATE TRIGGER brev_uendret BEFORE UPDATE ON brev
        BEGIN SELECT RAISE(ABORT, 'brevloggen kan bare utvides'); END;
    CREATE TRIGGER brev_ikke_slett BEFORE DELETE ON brev
        BEGIN SELECT RAISE(ABORT, 'brevloggen kan bare utvides'); END;
    """,
    # 5: the work-list index also holds what the list shows of a point, so the list reads
    # no samhandlingspunkt rows (bench/: about -20 ms on 100,000 patients).
    """
    DROP INDEX samhandlingspunkt_forfall;
    CREATE INDEX samhandlingspunkt_forfall ON samhandlingspunkt (forfall_til, forfall_fra,
        forlop_id, sp, ansvarlig, vindu_fra, vindu_til, status, dato, klokkeslett, sted)
        WHERE forfall_til IS NOT NULL;
    """,
    # 6: no index on the access log's patient. A work list logs one row per patient listed
    # (17,000 on a large register); with the index each list rewrote nearly every leaf page of
    # it, and the commit grew with the log (34 to 163 ms at 3 million rows, bench/). Reading
    # one patient's log (`logg REF`, rare) scans instead: about 0.1 s at 3 million rows.
    """
    DROP INDEX IF EXISTS tilgangslogg_pasient;
    """,
    # 7: a contact point held by another service (`holdt`): its own closed status, who held
    # it and the summary received. SQLite cannot change a CHECK, so the table is rebuilt
    # (foreign keys are off while migrations run, see `_migrer`) and every row copied over.
    """
    CREATE TABLE samhandlingspunkt_ny (
        id INTEGER PRIMARY KEY,
        forlop_id INTEGER NOT NULL REFERENCES forlop(id),
        sp INTEGER NOT NULL CHECK (sp IN (1, 2, 3)),
        ansvarlig TEXT NOT NULL,
        vindu_fra TEXT NOT NULL,
        vindu_til TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'planlagt' CHECK (status IN
            ('planlagt', 'avtalt', 'utsatt', 'avslatt', 'gjennomfort', 'bortfalt',
             'holdt_annet_sted')),
        dato TEXT,
        klokkeslett TEXT,
        sted TEXT,
        grunn TEXT,
        forfall_fra TEXT,
        forfall_til TEXT,
        holdt_av TEXT,
        sammendrag TEXT,
        UNIQUE (forlop_id, sp)
    );
    INSERT INTO samhandlingspunkt_ny (id, forlop_id, sp, ansvarlig, vindu_fra, vindu_til, status,
        dato, klokkeslett, sted, grunn, forfall_fra, forfall_til)
        SELECT id, forlop_id, sp, ansvarlig, vindu_fra, vindu_til, status,
            dato, klokkeslett, sted, grunn, forfall_fra, forfall_til FROM samhandlingspunkt;
    DROP TABLE samhandlingspunkt;
    ALTER TABLE samhandlingspunkt_ny RENAME TO samhandlingspunkt;
    CREATE INDEX samhandlingspunkt_forfall ON samhandlingspunkt (forfall_til, forfall_fra,
        forlop_id, sp, ansvarlig, vindu_fra, vindu_til, status, dato, klokkeslett, sted)
        WHERE forfall_til IS NOT NULL;
    """,
    # 8: what is typed but not yet stored as an answer (`samtale`): kept as a draft of its
    # question, written a moment after typing and on Ctrl-C or a closed terminal, offered on
    # resume, and gone when the answer is stored. One draft per question of a conversation.
    """
    CREATE TABLE IF NOT EXISTS utkast (
        samtale_id INTEGER NOT NULL REFERENCES samtale(id),
        sporsmal_id TEXT NOT NULL,
        tekst TEXT NOT NULL,
        tid TEXT NOT NULL,
        PRIMARY KEY (samtale_id, sporsmal_id)
    );
    """,
    # 9: letters that say the right thing to the right reader (issue 12).
    # - A consent to nav or annen has a scope: `omfang` is a JSON list of the guide's theme ids
    #   (and "diagnose") that may be shared; NULL, as every consent recorded before this, means
    #   "nothing beyond the recipient's own themes" (samtykke.EGNE_TEMA). `navn` is the recipient
    #   an `annen` consent names; a letter goes only to that name.
    # - `til_kommune`: the municipality a patient moved to (`avslutt --til-kommune`), for the
    #   moving letter. Earlier moves kept it only in the timeline's text.
    # - `mottatt`: FHIR handovers read in (`motta`); the bundle's identifier makes a second
    #   reading a no-op, and the actions copied from one point back to it (tiltak.mottatt_id).
    # - `brev` is rebuilt (SQLite cannot change a CHECK) for the messages without a conversation
    #   (art avslag, flytting, avsluttet) and the structured handover (format fhir). Every row is
    #   copied; the append-only triggers come back.
    """
    ALTER TABLE samtykke ADD COLUMN omfang TEXT;
    ALTER TABLE samtykke ADD COLUMN navn TEXT;
    ALTER TABLE forlop ADD COLUMN til_kommune TEXT;
    CREATE TABLE brev_ny (
        id INTEGER PRIMARY KEY,
        pasient_id INTEGER NOT NULL REFERENCES pasient(id),
        samtale_id INTEGER REFERENCES samtale(id),
        mottaker TEXT NOT NULL CHECK (mottaker IN
            ('fastlege', 'kommune', 'sykehus', 'ny_kommune', 'nav', 'annen', 'pasient')),
        mottaker_navn TEXT,
        format TEXT NOT NULL CHECK (format IN ('txt', 'md', 'html', 'pdf', 'fhir')),
        sprak TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        fil TEXT,
        skrevet TEXT NOT NULL,
        bruker TEXT NOT NULL,
        art TEXT NOT NULL DEFAULT 'oppsummering' CHECK (art IN
            ('oppsummering', 'innkalling', 'avslag', 'flytting', 'avsluttet')),
        samhandlingspunkt_id INTEGER REFERENCES samhandlingspunkt(id),
        CHECK ((art = 'oppsummering' AND samtale_id IS NOT NULL)
            OR (art = 'innkalling' AND samhandlingspunkt_id IS NOT NULL AND mottaker = 'pasient')
            OR art IN ('avslag', 'flytting', 'avsluttet'))
    );
    INSERT INTO brev_ny (id, pasient_id, samtale_id, mottaker, mottaker_navn, format, sprak,
        sha256, fil, skrevet, bruker, art, samhandlingspunkt_id)
        SELECT id, pasient_id, samtale_id, mottaker, mottaker_navn, format, sprak,
            sha256, fil, skrevet, bruker, art, samhandlingspunkt_id FROM brev;
    DROP TABLE brev;
    ALTER TABLE brev_ny RENAME TO brev;
    CREATE INDEX brev_pasient ON brev (pasient_id);
    CREATE TRIGGER brev_uendret BEFORE UPDATE ON brev
        BEGIN SELECT RAISE(ABORT, 'brevloggen kan bare utvides'); END;
    CREATE TRIGGER brev_ikke_slett BEFORE DELETE ON brev
        BEGIN SELECT RAISE(ABORT, 'brevloggen kan bare utvides'); END;
    CREATE TABLE mottatt (
        id INTEGER PRIMARY KEY,
        identifikator TEXT NOT NULL UNIQUE,
        pasient_id INTEGER NOT NULL REFERENCES pasient(id),
        forlop_nr INTEGER NOT NULL,
        sp INTEGER NOT NULL,
        avsender TEXT,
        sha256 TEXT NOT NULL,
        mottatt TEXT NOT NULL,
        bruker TEXT NOT NULL
    );
    CREATE INDEX mottatt_pasient ON mottatt (pasient_id);
    ALTER TABLE tiltak ADD COLUMN mottatt_id INTEGER REFERENCES mottatt(id);
    """,
    # 10: a finished conversation amended (`samtale --endre`) is a new revision: a new
    # conversation that starts with a copy of the answers and replaces (`erstatter`) the one
    # before, which stays stored as it was, as history. One revision replaces one conversation.
    """
    CREATE TABLE IF NOT EXISTS samtale_revisjon (
        samtale_id INTEGER PRIMARY KEY REFERENCES samtale(id),
        erstatter INTEGER NOT NULL UNIQUE REFERENCES samtale(id)
    );
    """,
    # 11: the end of a pathway closes what belongs to it. An action can be closed unfinished
    # (`lukket`, with the reason: the patient died, moved, or left the pathway), an unfinished
    # conversation can be ended (`avbrutt`, with the reason), and a booking that was called off
    # is remembered (`avlyst_*`) so the calendar keeps it as cancelled under the same UID.
    # Both tables are rebuilt to change their CHECK; every row and index is kept.
    """
    ALTER TABLE samhandlingspunkt ADD COLUMN avlyst_dato TEXT;
    ALTER TABLE samhandlingspunkt ADD COLUMN avlyst_klokkeslett TEXT;
    ALTER TABLE samhandlingspunkt ADD COLUMN avlyst_sted TEXT;
    CREATE TABLE tiltak_ny (
        id INTEGER PRIMARY KEY,
        pasient_id INTEGER NOT NULL REFERENCES pasient(id),
        samtale_id INTEGER REFERENCES samtale(id),
        sporsmal_id TEXT,
        hva TEXT NOT NULL,
        ansvarlig TEXT NOT NULL,
        frist TEXT,
        status TEXT NOT NULL DEFAULT 'apen' CHECK (status IN ('apen', 'utfort', 'lukket')),
        utfort_dato TEXT,
        opprettet TEXT NOT NULL,
        mottatt_id INTEGER REFERENCES mottatt(id),
        lukket_grunn TEXT
    );
    INSERT INTO tiltak_ny (id, pasient_id, samtale_id, sporsmal_id, hva, ansvarlig, frist, status,
        utfort_dato, opprettet, mottatt_id)
        SELECT id, pasient_id, samtale_id, sporsmal_id, hva, ansvarlig, frist, status,
            utfort_dato, opprettet, mottatt_id FROM tiltak;
    DROP TABLE tiltak;
    ALTER TABLE tiltak_ny RENAME TO tiltak;
    CREATE INDEX tiltak_pasient ON tiltak (pasient_id);
    CREATE INDEX tiltak_apne ON tiltak (frist) WHERE status = 'apen';
    CREATE TABLE samtale_ny (
        id INTEGER PRIMARY KEY,
        pasient_id INTEGER NOT NULL REFERENCES pasient(id),
        samhandlingspunkt_id INTEGER NOT NULL REFERENCES samhandlingspunkt(id),
        guide_ref INTEGER NOT NULL REFERENCES guide(id),
        dato TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'pagar' CHECK (status IN ('pagar', 'fullfort', 'avbrutt')),
        startet TEXT NOT NULL,
        fullfort TEXT,
        bruker TEXT NOT NULL,
        las_eier TEXT,
        las_tid TEXT,
        avbrutt_grunn TEXT
    );
    INSERT INTO samtale_ny (id, pasient_id, samhandlingspunkt_id, guide_ref, dato, status, startet,
        fullfort, bruker, las_eier, las_tid)
        SELECT id, pasient_id, samhandlingspunkt_id, guide_ref, dato, status, startet,
            fullfort, bruker, las_eier, las_tid FROM samtale;
    DROP TABLE samtale;
    ALTER TABLE samtale_ny RENAME TO samtale;
    CREATE INDEX samtale_pasient ON samtale (pasient_id);
    CREATE UNIQUE INDEX samtale_en_pagar ON samtale (samhandlingspunkt_id) WHERE status = 'pagar';
    """,
)


class _BareVis(Exception):
    """Rolls `motta --vis` back once its steps are worked out."""

    def __init__(self, resultat: dict[str, Any]) -> None:
        super().__init__()
        self.resultat = resultat


_ICD10 = re.compile(r"^([A-Z])(\d{2})(?:\.?(\d{1,2}))?$", re.ASCII)
_KL = re.compile(r"^kl(?:okka)?\.?\s*", re.IGNORECASE)
_KLOKKESLETT = re.compile(r"^([01]?\d|2[0-3])[:.]([0-5]\d)$", re.ASCII)


def bruker() -> str:
    """The operating-system user, for the access log and the timeline: the account that owns
    the process (its effective uid in the password database), never LOGNAME or USER, which
    anyone can set to anyone, or to an escape sequence."""
    if not hasattr(os, "geteuid"):  # Windows: no uid; the logon name is what there is
        return os.environ.get("USERNAME") or "ukjent"
    uid = os.geteuid()
    try:
        import pwd

        return pwd.getpwuid(uid).pw_name
    except KeyError:  # a uid with no entry in the password database (a container, say)
        return f"uid:{uid}"


def las_eier() -> str:
    """Who holds a conversation open: this process on this machine."""
    return f"{os.getpid()}@{socket.gethostname()}"


# A lock not touched for this long is stale even when we cannot see its process (another
# machine on a shared folder): every answer renews it, so no conversation sits this still.
LAS_FORELDET_TIMER = 12


def las_er_i_bruk(eier: str, sist: str | None = None) -> bool:
    """False when the holder is a process of this machine that is gone (crash, closed
    terminal), or when the lock has not been renewed for LAS_FORELDET_TIMER hours."""
    if sist:
        try:
            alder = datetime.now().astimezone() - datetime.fromisoformat(sist)
        except ValueError:
            alder = None
        if alder is not None and alder.total_seconds() > LAS_FORELDET_TIMER * 3600:
            return False
    pid, _, vert = eier.partition("@")
    if vert != socket.gethostname() or not pid.isdigit():
        return True  # another machine: only the age can tell
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


# A name longer than this is not a name (a 130 KB "name" was accepted once): refused.
NAVN_MAKS = 200
# Any other one-line text a person types (municipality, GP, place, reason ...).
TEKST_MAKS = 1000


def sjekk_tekst(verdi: str | None, feltnavn: str, *, maks: int = TEKST_MAKS) -> None:
    """Refuse (UgyldigInndata) a typed text with a control character, or longer than `maks`.

    `feltnavn` names the field ("--navn"); the value itself is never echoed (it is patient data).
    """
    if verdi is None:
        return
    from .skjermtekst import feil_i

    melding = feil_i(verdi, feltnavn)
    if melding:
        raise UgyldigInndata(melding)
    if len(verdi) > maks:
        raise UgyldigInndata(f"{feltnavn} er for lang ({len(verdi)} tegn; høyst {maks}).")


def _na() -> str:
    # Stored in UTC; shown in the local zone (datoer.vis_tid).
    return na_utc()


def normaliser_diagnose(tekst: str | None) -> str | None:
    """An ICD-10 code as `C50.9`; UgyldigInndata for anything else."""
    if tekst is None or not tekst.strip():
        return None
    treff = _ICD10.match(tekst.strip().upper())
    if not treff:
        # The text is not echoed: in an import it is a cell of a patient file ("Brystkreft hos Ola").
        raise UgyldigInndata("Diagnosen er ikke en ICD-10-kode. Skriv for eksempel C50.9 eller C18.")
    bokstav, kapittel, under = treff.groups()
    return f"{bokstav}{kapittel}" + (f".{under}" if under else "")


def normaliser_klokkeslett(tekst: str | None) -> str | None:
    """`9:30`, `09.30`, `kl 10` or `kl. 9.30` as `09:30`; UgyldigInndata for anything else."""
    if tekst is None or not tekst.strip():
        return None
    renset = _KL.sub("", tekst.strip())
    if renset.isascii() and renset.isdigit() and len(renset) <= 2:
        renset += ":00"  # "kl 10" is a time as sure as "10:00"
    treff = _KLOKKESLETT.match(renset)
    if not treff:
        raise UgyldigInndata(f"«{tekst}» er ikke et klokkeslett. Skriv TT:MM, for eksempel 09:30.")
    return f"{int(treff.group(1)):02d}:{treff.group(2)}"


@dataclass(frozen=True)
class Punkt:
    """A contact point as the rules see it."""

    id: int
    forlop_id: int
    forlop_nr: int
    pasient_id: int
    sp: int
    status: str


def _feil_fra_sqlite(feil: Exception) -> PakkehjemFeil:
    """A database error from either engine (motor.Error) as the user's message."""
    tekst = str(feil).lower()
    if motor.er_opptatt(feil):
        return Opptatt("Databasen er opptatt: en annen bruker skriver til den. Vent litt og prøv igjen.")
    if "not a database" in tekst or "malformed" in tekst or "corrupt" in tekst:
        return SkadetDatabase(
            "Databasefilen er skadet eller er ikke et pakkehjem-register. "
            "Hent den siste sikkerhetskopien, eller kontakt den som drifter registeret."
        )
    if "readonly" in tekst or "read-only" in tekst or "unable to open" in tekst:
        return PakkehjemFeil(
            "Databasefilen kan ikke åpnes for skriving. Sjekk at du eier filen og mappen den ligger i."
        )
    if "disk is full" in tekst or "database or disk is full" in tekst:
        # Trying again cannot help here: say what can.
        return PakkehjemFeil(
            "Disken er full, og endringen er ikke lagret. Frigjør plass på disken der registeret "
            "ligger, og kjør kommandoen på nytt."
        )
    if "disk i/o error" in tekst:
        return PakkehjemFeil(
            "Lese- eller skrivefeil på disken der registeret ligger; endringen er ikke lagret. Sjekk "
            "disken (og at den ikke er full), og kjør «pakkehjem sjekk»."
        )
    return PakkehjemFeil(f"Databasefeil ({type(feil).__name__}). Kjør kommandoen på nytt.")


class Register:
    """One open register file. Use `Register.apne(sti)`; close with `lukk()`."""

    def __init__(self, tilkobling: sqlite3.Connection, sti: Path, nokkel: str | None = None):
        self.db = tilkobling
        self.sti = sti
        self._nokkel = nokkel  # the passphrase of an encrypted register; never shown
        self._rad = motor.rad_klasse(tilkobling)
        self._logg: list[tuple[int, str]] = []
        self._innstillinger: dict[str, Any] | None = None

    # --- opening ---------------------------------------------------------------------

    @classmethod
    def apne(cls, sti: Path | str, ventetid: float | None = None, *, kryptert: bool = False) -> Register:
        """Open (and on first use create, mode 0600) the register, applying migrations.

        An existing file is opened the way its header says (plain, or encrypted with the key
        from `motor.hent_nokkel`). A new one is encrypted when PAKKEHJEM_NOKKEL is set or
        `kryptert` is asked for; `kryptert` also refuses an existing plain register.
        """
        from .filer import registerfil_problem, rydd_rester, utvid

        sti = utvid(sti)
        if ventetid is None:
            ventetid = ventetid_fra_miljo()
        try:
            er_mappe = sti.is_dir()
        except OSError as feil:  # a name longer than the file system takes (ENAMETOOLONG)
            raise UgyldigInndata(f"Kan ikke bruke {sti} som database ({feil.strerror}).") from None
        if er_mappe:
            raise UgyldigInndata(f"{sti} er en mappe. Oppgi en fil for databasen.")
        # A file another user planted (mode 0666), a device or a dangling link is refused.
        problem = registerfil_problem(sti)
        if problem:
            raise Avvist(problem)
        ny = False
        try:
            sti.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            # Created here with 0600 so SQLite's own -wal and -shm files copy that mode.
            fd = os.open(sti, os.O_CREAT | os.O_EXCL | os.O_WRONLY | getattr(os, "O_NOFOLLOW", 0), 0o600)
            os.close(fd)
            ny = True
        except FileExistsError:
            pass
        except OSError as feil:
            raise PakkehjemFeil(
                f"Kan ikke opprette databasen i {sti.parent} ({feil.strerror}). "
                "Velg en annen plass med --db eller PAKKEHJEM_DB."
            ) from None
        # Leftovers of a killed command beside the register (krypter's copy) hold patient data.
        rydd_rester(sti.parent)
        try:
            nokkel = _nokkel_for(sti, kryptert)
        except BaseException:
            if ny:  # no key for a new encrypted register: leave no empty file behind
                _fjern_tom(sti)
            raise
        try:
            tilkobling = motor.koble_til(sti, nokkel, timeout=ventetid, isolation_level=None)
        except motor.Error as feil:
            raise _feil_fra_sqlite(feil) from None
        # SQLite's NOCASE folds ASCII only; filters on names of places and people need æøå.
        tilkobling.create_collation("NORSK", _norsk_sammenligning)
        tilkobling.create_function("masker", 1, fnr_regler.masker, deterministic=True)
        tilkobling.create_function("tilstand", 5, _tilstand_sql, deterministic=True)
        tilkobling.create_function("navnetreff", 2, navnetreff, deterministic=True)
        register = cls(tilkobling, sti, nokkel)
        try:
            tilkobling.execute("PRAGMA foreign_keys = ON")
            tilkobling.execute(f"PRAGMA busy_timeout = {int(ventetid * 1000)}")
            _sla_pa_wal(tilkobling, ventetid)
            tilkobling.execute("PRAGMA synchronous = NORMAL")
            register._migrer()
        except motor.Error as feil:
            tilkobling.close()
            raise _feil_fra_sqlite(feil) from None
        except PakkehjemFeil:
            tilkobling.close()
            raise
        return register

    def lukk(self) -> None:
        """Close the connection."""
        self.db.close()

    @property
    def kryptert(self) -> bool:
        """Whether the register is encrypted (SQLCipher)."""
        return self._nokkel is not None

    def koble_til_fil(self, sti: Path, **valg: Any) -> Any:
        """A connection to another file (a backup) with this register's engine and key."""
        return motor.koble_til(sti, self._nokkel, **valg)

    def _migrer(self) -> None:
        versjon = self.db.execute("PRAGMA user_version").fetchone()[0]
        if versjon == len(MIGRASJONER):
            return
        if versjon > len(MIGRASJONER):
            raise Avvist("Registeret er laget av en nyere versjon av pakkehjem. Oppgrader pakkehjem.")
        # A migration may rebuild a table other tables point to (SQLite's way to change a
        # CHECK); with foreign keys on, dropping the old table would fail or lose rows.
        # The pragma only takes effect outside a transaction; the keys are checked before
        # the commit instead.
        self.db.execute("PRAGMA foreign_keys = OFF")
        try:
            self._migrer_uten_nokler()
        finally:
            self.db.execute("PRAGMA foreign_keys = ON")

    def _migrer_uten_nokler(self) -> None:
        self.db.execute("BEGIN IMMEDIATE")
        try:
            versjon = self.db.execute("PRAGMA user_version").fetchone()[0]
            if (
                versjon == 0
                and self.db.execute(
                    "SELECT count(*) FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'"
                ).fetchone()[0]
            ):
                raise Avvist(
                    "Filen er en SQLite-database, men ikke et pakkehjem-register. Oppgi riktig fil med --db."
                )
            for nummer in range(versjon, len(MIGRASJONER)):
                for setning in _setninger(MIGRASJONER[nummer]):
                    self.db.execute(setning)
            if self.db.execute("PRAGMA foreign_key_check").fetchone() is not None:
                raise SkadetDatabase(
                    "Registeret har rader som peker på rader som ikke finnes, og kan ikke "
                    "oppgraderes. Kjør «pakkehjem sjekk», og kontakt den som drifter registeret."
                )
            self.db.execute(f"PRAGMA user_version = {len(MIGRASJONER)}")
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise

    # --- transactions and the access log ----------------------------------------------

    @contextmanager
    def transaksjon(self) -> Iterator[sqlite3.Connection]:
        """One change: BEGIN IMMEDIATE ... COMMIT, with the access-log rows written last."""
        try:
            self.db.execute("BEGIN IMMEDIATE")
        except motor.Error as feil:
            raise _feil_fra_sqlite(feil) from None
        self._logg = []
        try:
            yield self.db
            if self._logg:
                tid, hvem = _na(), bruker()
                self.db.executemany(
                    "INSERT INTO tilgangslogg (tid, bruker, pasient_id, handling) VALUES (?,?,?,?)",
                    [(tid, hvem, pid, handling) for pid, handling in self._logg],
                )
            self.db.execute("COMMIT")
        except motor.Error as feil:
            self._rull_tilbake()
            raise _feil_fra_sqlite(feil) from None
        except FlereTreff as feil:
            # Nothing of the command is kept, but the patients the message lists were shown.
            self._rull_tilbake()
            self._logg = []
            with self.transaksjon():
                self.logg(feil.pasient_ider, "finn")
            raise
        except BaseException:
            self._rull_tilbake()
            raise
        finally:
            self._logg = []

    def _rull_tilbake(self) -> None:
        with suppress(*motor.Error):
            self.db.execute("ROLLBACK")

    def logg(self, pasient_ider: int | Iterable[int], handling: str) -> None:
        """Record access to these patients, written in the running transaction."""
        if isinstance(pasient_ider, int):
            pasient_ider = (pasient_ider,)
        self._logg.extend((pid, handling) for pid in pasient_ider)

    def _hendelse(
        self, pasient_id: int, forlop_nr: int | None, sp: int | None, type_: str, tekst: str
    ) -> None:
        self.db.execute(
            "INSERT INTO hendelse (tid, bruker, pasient_id, forlop_nr, sp, type, tekst)"
            " VALUES (?,?,?,?,?,?,?)",
            (_na(), bruker(), pasient_id, forlop_nr, sp, type_, tekst),
        )

    # --- settings ----------------------------------------------------------------------

    def innstillinger(self) -> dict[str, Any]:
        """All settings, stored values over the defaults."""
        if self._innstillinger is None:
            try:
                rader = self.db.execute("SELECT navn, verdi FROM innstilling").fetchall()
            except motor.Error as feil:
                raise _feil_fra_sqlite(feil) from None
            self._innstillinger = innstillinger.fra_lagret(dict(rader))
        return self._innstillinger

    def sett_innstilling(self, navn: str, tekst: str) -> Any:
        """Change a setting from the text a user typed; returns the value stored."""
        return self.sett_innstillinger({navn: tekst})[navn]

    def sett_innstillinger(self, tekster: dict[str, str]) -> dict[str, Any]:
        """Change several settings from the texts a user typed, in one transaction: every value
        is read first, and nothing is changed when one is wrong. Returns the values stored."""
        verdier = {}
        for navn, tekst in tekster.items():
            sjekk_tekst(tekst, f"Innstillingen {navn}")
            try:
                verdier[navn] = innstillinger.les_verdi(navn, tekst)
            except ValueError as feil:
                raise UgyldigInndata(str(feil)) from None
        with self.transaksjon() as db:
            for navn, verdi in verdier.items():
                self._lagre_innstilling(db, navn, verdi)
        return verdier

    def _lagre_innstilling(self, db: sqlite3.Connection, navn: str, verdi: Any) -> None:
        db.execute(
            "INSERT INTO innstilling (navn, verdi) VALUES (?, ?)"
            " ON CONFLICT (navn) DO UPDATE SET verdi = excluded.verdi",
            (navn, json.dumps(verdi)),
        )
        self._innstillinger = None

    # --- patients ----------------------------------------------------------------------

    def finn_pasient_id(self, ref: str) -> int:
        """The local number for a reference: the local number itself or the fødselsnummer."""
        tekst = ref.strip()
        if fnr_regler.ser_ut_som_fnr(tekst):
            rad = self.db.execute(
                "SELECT id FROM pasient WHERE fnr = ?", (fnr_regler.normaliser(tekst),)
            ).fetchone()
            if rad is None:
                raise IkkeFunnet("Ingen pasient med det fødselsnummeret i registeret.")
            return rad[0]
        if any(tegn.isalpha() for tegn in tekst):
            return self._finn_pa_navn(tekst)
        # isascii: "²" and other Unicode digits pass isdigit() but not int().
        if not (tekst.isascii() and tekst.isdigit()):
            raise UgyldigInndata(
                f"«{ref}» er ikke en pasientreferanse. Oppgi pasientens nummer "
                "(fra ny-pasient eller pasienter) eller fødselsnummeret (11 siffer)."
            )
        # int() refuses a string of over 4,300 digits (ValueError); no patient has such a number.
        nummer = int(tekst) if len(tekst) <= 4000 else None
        rad = None
        if nummer is not None and nummer < 2**63:
            rad = self.db.execute("SELECT id FROM pasient WHERE id = ?", (nummer,)).fetchone()
        if rad is None:
            hvilket = "det nummeret" if nummer is None else f"nummer {nummer}"
            raise IkkeFunnet(f"Ingen pasient med {hvilket}. Se listen med «pakkehjem pasienter».")
        return rad[0]

    def sjekk_fnr(self, fnr: str, idag: date, *, ny: bool = False) -> fnr_regler.Fnr:
        """A fødselsnummer checked by the rules and this register's setting for test numbers;
        with `ny`, also refused (Duplikat) when it is registered already."""
        try:
            nummer = fnr_regler.valider(fnr, idag, self.innstillinger()["tillat_syntetiske"])
        except fnr_regler.UgyldigFnr as feil:
            raise UgyldigInndata(f"Ugyldig fødselsnummer: {feil}") from None
        if ny:
            funnet = self.db.execute("SELECT id FROM pasient WHERE fnr = ?", (nummer.nummer,)).fetchone()
            if funnet:
                raise Duplikat(
                    f"Fødselsnummeret er allerede registrert, som pasient nr. {funnet[0]}. "
                    "Bruk «pakkehjem vis» for å se pasienten."
                )
        return nummer

    def _finn_pa_navn(self, tekst: str) -> int:
        """The one active patient whose name (a word of it) begins with `tekst` (navnetreff);
        IkkeFunnet for none, FlereTreff listing them for several."""
        rader = self.db.execute(
            "SELECT id, navn, fnr FROM pasient WHERE status = 'aktiv' AND navnetreff(navn, ?)"
            " ORDER BY navn COLLATE NORSK, id LIMIT 21",
            (tekst,),
        ).fetchall()
        if not rader:
            raise IkkeFunnet(
                f"Ingen aktiv pasient har et navn som begynner på «{tekst}». Søk med «pakkehjem finn», "
                "eller oppgi nummeret eller fødselsnummeret."
            )
        if len(rader) > 1:
            linjer = "\n".join(f"  nr. {pid}: {navn} ({fnr_regler.masker(f)})" for pid, navn, f in rader[:20])
            flere = "\n  ..." if len(rader) > 20 else ""
            raise FlereTreff(
                f"Flere aktive pasienter passer til «{tekst}». Oppgi nummeret:\n{linjer}{flere}",
                [r[0] for r in rader[:20]],
            )
        return rader[0][0]

    def finn(self, tekst: str, *, alle: bool = False) -> list[dict[str, Any]]:
        """Patients whose name matches `tekst` (every word of it begins a word of the name,
        case- and accent-insensitive, æøå kept apart), active ones unless `alle`; masked, by
        name. Each patient listed is access-logged (`finn`)."""
        if not navn_nokkel(tekst).split():
            raise UgyldigInndata("Skriv hele eller begynnelsen av navnet du søker etter.")
        aktive = "" if alle else " AND p.status = 'aktiv'"
        with self.transaksjon() as db:
            rader = db.execute(
                "SELECT p.id, p.navn, p.fnr, p.kommune, p.koordinator, p.status FROM pasient p"
                f" WHERE navnetreff(p.navn, ?){aktive} ORDER BY p.navn COLLATE NORSK, p.id",
                (tekst,),
            ).fetchall()
            self.logg([r[0] for r in rader], "finn")
        return [
            {
                "pasient_id": pid, "navn": navn, "fnr": fnr_regler.masker(nummer), "kommune": kommune,
                "koordinator": koordinator, "status": status,
            }
            for pid, navn, nummer, kommune, koordinator, status in rader
        ]  # fmt: skip

    def ny_pasient(
        self,
        *,
        fnr: str,
        navn: str,
        diagnosedato: date,
        idag: date,
        diagnose: str | None = None,
        kommune: str | None = None,
        fastlege: str | None = None,
        koordinator: str | None = None,
        telefon: str | None = None,
    ) -> int:
        """Register a patient with episode 1 and its three contact points; returns the id."""
        navn = (navn or "").strip()
        if not navn:
            raise UgyldigInndata("Navnet kan ikke være tomt. Oppgi --navn.")
        sjekk_tekst(navn, "Navnet", maks=NAVN_MAKS)
        for hva, verdi in (
            ("Kommunen", kommune),
            ("Fastlegen", fastlege),
            ("Koordinatoren", koordinator),
            ("Telefonnummeret", telefon),
        ):
            sjekk_tekst(verdi, hva, maks=NAVN_MAKS)
        diagnose = normaliser_diagnose(diagnose)
        innst = self.innstillinger()
        nummer = self.sjekk_fnr(fnr, idag)
        _sjekk_diagnosedato(diagnosedato, nummer.fodselsdato, idag)
        with self.transaksjon() as db:
            funnet = db.execute("SELECT id FROM pasient WHERE fnr = ?", (nummer.nummer,)).fetchone()
            if funnet:
                raise Duplikat(
                    f"Fødselsnummeret er allerede registrert, som pasient nr. {funnet[0]}. "
                    "Bruk «pakkehjem vis» for å se pasienten."
                )
            pasient_id = db.execute(
                "INSERT INTO pasient (fnr, navn, fodselsdato, kommune, fastlege, koordinator,"
                " telefon, opprettet) VALUES (?,?,?,?,?,?,?,?)",
                (
                    nummer.nummer,
                    navn,
                    nummer.fodselsdato.isoformat(),
                    _tom_som_null(kommune),
                    _tom_som_null(fastlege),
                    _tom_som_null(koordinator),
                    _tom_som_null(telefon),
                    _na(),
                ),
            ).lastrowid
            assert pasient_id is not None
            self._nytt_forlop(db, pasient_id, 1, diagnosedato, diagnose, innst["sp1_uker"])
            self._hendelse(
                pasient_id,
                1,
                None,
                "registrert",
                f"Registrert, diagnosedato {norsk_dato(diagnosedato)}.",
            )
            self.logg(pasient_id, "ny-pasient")
        return pasient_id

    def _nytt_forlop(
        self,
        db: sqlite3.Connection,
        pasient_id: int,
        nr: int,
        diagnosedato: date,
        diagnose: str | None,
        sp1_uker: int,
    ) -> int:
        forlop_id = db.execute(
            "INSERT INTO forlop (pasient_id, nr, diagnosedato, diagnose) VALUES (?,?,?,?)",
            (pasient_id, nr, diagnosedato.isoformat(), diagnose),
        ).lastrowid
        assert forlop_id is not None
        db.executemany(
            "INSERT INTO samhandlingspunkt (forlop_id, sp, ansvarlig, vindu_fra, vindu_til,"
            " status, dato, klokkeslett, sted, grunn, forfall_fra, forfall_til)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            nye_punkter(forlop_id, diagnosedato, sp1_uker),
        )
        return forlop_id

    def endre_pasient(
        self,
        ref: str,
        endringer: dict[str, str | None],
        *,
        idag: date | None = None,
        diagnosedato: date | None = None,
        diagnose: str | None = None,
        fnr: str | None = None,
    ) -> int:
        """Change a patient's contact details (empty text clears a field), and with
        `diagnosedato`, `diagnose` or `fnr` correct those (`korriger`), all in one transaction;
        returns the id."""
        tillatt = ("navn", "kommune", "fastlege", "koordinator", "telefon")
        felt = {k: v for k, v in endringer.items() if k in tillatt and v is not None}
        for k, v in felt.items():
            sjekk_tekst(v, f"--{k}", maks=NAVN_MAKS)
        if diagnosedato is not None or diagnose is not None or fnr is not None:
            if "navn" in felt and not felt["navn"].strip():
                raise UgyldigInndata("Navnet kan ikke være tomt.")
            return self.korriger(
                ref, idag=idag or date.today(), diagnosedato=diagnosedato, diagnose=diagnose, fnr=fnr,
                kontakt=felt,
            )  # fmt: skip
        if not felt:
            raise UgyldigInndata(
                "Ingenting å endre. Oppgi minst ett av --navn, --kommune, --fastlege, "
                "--koordinator, --telefon."
            )
        if "navn" in felt and not felt["navn"].strip():
            raise UgyldigInndata("Navnet kan ikke være tomt.")
        with self.transaksjon():
            return self._endre_kontakt(ref, felt)

    def _endre_kontakt(self, ref: str, felt: dict[str, str]) -> int:
        pasient_id = self.finn_pasient_id(ref)
        sett = ", ".join(f"{k} = ?" for k in felt)
        self.db.execute(
            f"UPDATE pasient SET {sett} WHERE id = ?",
            [_tom_som_null(v) for v in felt.values()] + [pasient_id],
        )
        self._hendelse(
            pasient_id,
            None,
            None,
            "endret",
            "Kontaktopplysninger endret: " + ", ".join(felt) + ".",
        )
        self.logg(pasient_id, "endre")
        return pasient_id

    def vis_pasient(self, ref: str, idag: date, handling: str = "vis") -> dict[str, Any]:
        """One patient in the shape of `vis --json` (cli.md), logged as `handling`."""
        with self.transaksjon():
            pasient_id = self.finn_pasient_id(ref)
            data = self._pasient_data(pasient_id, idag)
            self.logg(pasient_id, handling)
        return data

    def _pasient_data(self, pasient_id: int, idag: date) -> dict[str, Any]:
        db = self.db
        db.row_factory = self._rad
        try:
            p = db.execute("SELECT * FROM pasient WHERE id = ?", (pasient_id,)).fetchone()
            forlop_rader = db.execute(
                "SELECT * FROM forlop WHERE pasient_id = ? ORDER BY nr", (pasient_id,)
            ).fetchall()
            punkt_rader = db.execute(
                "SELECT s.*, f.nr AS forlop_nr FROM samhandlingspunkt s"
                " JOIN forlop f ON f.id = s.forlop_id WHERE f.pasient_id = ? ORDER BY f.nr, s.sp",
                (pasient_id,),
            ).fetchall()
            hendelser = db.execute(
                "SELECT tid, bruker, forlop_nr, sp, type, tekst FROM hendelse"
                " WHERE pasient_id = ? ORDER BY id",
                (pasient_id,),
            ).fetchall()
        finally:
            db.row_factory = None
        punkter: dict[int, list[dict[str, Any]]] = {}
        for s in punkt_rader:
            punkter.setdefault(s["forlop_nr"], []).append(_punkt_json(s, idag))
        return {
            "id": p["id"],
            "fnr": p["fnr"],
            "navn": p["navn"],
            "fodselsdato": p["fodselsdato"],
            "kommune": p["kommune"],
            "fastlege": p["fastlege"],
            "koordinator": p["koordinator"],
            "telefon": p["telefon"],
            "status": p["status"],
            "forlop": [
                {
                    "nr": f["nr"],
                    "diagnosedato": f["diagnosedato"],
                    "diagnose": f["diagnose"],
                    "status": f["status"],
                    "avsluttet_dato": f["avsluttet_dato"],
                    "avsluttet_grunn": f["avsluttet_grunn"],
                    "til_kommune": f["til_kommune"],
                    "samhandlingspunkter": punkter.get(f["nr"], []),
                }
                for f in forlop_rader
            ],
            "samtaler": self._samtaler_json(pasient_id),
            "tiltak": [
                dict(
                    zip(
                        (
                            "id",
                            "hva",
                            "ansvarlig",
                            "frist",
                            "status",
                            "utfort_dato",
                            "samtale",
                            "lukket_grunn",
                        ),
                        t,
                        strict=True,
                    )
                )
                for t in db.execute(
                    "SELECT id, hva, ansvarlig, frist, status, utfort_dato, samtale_id, lukket_grunn"
                    " FROM tiltak"
                    " WHERE pasient_id = ? ORDER BY frist IS NULL, frist, id",
                    (pasient_id,),
                )
            ],
            # `omfang`: the themes a consent to nav or annen covers (null: the recipient's own
            # themes only, samtykke.EGNE_TEMA); `navn`: the recipient an annen consent names.
            "samtykke": [
                {
                    **dict(
                        zip(
                            ("mottaker", "svar", "dato", "kilde", "samtale", "registrert"), t[:6], strict=True
                        )
                    ),
                    "omfang": json.loads(t[6]) if t[6] else None,
                    "navn": t[7],
                }
                for t in db.execute(
                    "SELECT mottaker, svar, dato, kilde, samtale_id, registrert, omfang, navn FROM samtykke"
                    " WHERE pasient_id = ? ORDER BY registrert, id",
                    (pasient_id,),
                )
            ],
            # The consent in force per recipient kind (the latest row; samtykke.py says why).
            "samtykke_gjeldende": {
                art: {k: rad[k] for k in ("svar", "dato", "kilde", "samtale", "omfang", "navn")}
                for art, rad in self._gjeldende_samtykke(pasient_id).items()
            },
            "brev": self._brev_json(pasient_id),
            "hendelser": [dict(h) for h in hendelser],
        }

    def _samtaler_json(self, pasient_id: int) -> list[dict[str, Any]]:
        samtaler = []
        for samtale_id, forlop_nr, sp, dato, status, guide_ref in self.db.execute(
            "SELECT s.id, f.nr, p.sp, s.dato, s.status, s.guide_ref FROM samtale s"
            " JOIN samhandlingspunkt p ON p.id = s.samhandlingspunkt_id"
            " JOIN forlop f ON f.id = p.forlop_id WHERE s.pasient_id = ? ORDER BY s.id",
            (pasient_id,),
        ).fetchall():
            svar = {
                sid: json.loads(verdi)
                for sid, verdi in self.db.execute(
                    "SELECT sporsmal_id, verdi FROM svar WHERE samtale_id = ? AND hoppet_over = 0"
                    " ORDER BY rekkefolge",
                    (samtale_id,),
                )
            }
            samtaler.append(
                {
                    "id": samtale_id,
                    "forlop": forlop_nr,
                    "sp": sp,
                    "dato": dato,
                    "status": status,
                    "guide_ref": guide_ref,
                    "svar": svar,
                }
            )
        revisjoner = dict(
            self.db.execute(
                "SELECT r.samtale_id, r.erstatter FROM samtale_revisjon r JOIN samtale s"
                " ON s.id = r.samtale_id WHERE s.pasient_id = ?",
                (pasient_id,),
            ).fetchall()
        )
        erstattet_av = {gammel: ny for ny, gammel in revisjoner.items()}
        for samtale in samtaler:
            samtale["erstatter"] = revisjoner.get(samtale["id"])
            samtale["erstattet_av"] = erstattet_av.get(samtale["id"])
        return samtaler

    def pasienter(
        self,
        idag: date,
        *,
        alle: bool = False,
        koordinator: str | None = None,
        kommune: str | None = None,
    ) -> list[dict[str, Any]]:
        """Patients (active ones unless `alle`), with the active episode and next open point."""
        vilkar, verdier = ["1 = 1"], []
        if not alle:
            vilkar.append("p.status = 'aktiv'")
        if koordinator:
            vilkar.append("p.koordinator = ? COLLATE NORSK")
            verdier.append(koordinator)
        if kommune:
            vilkar.append("p.kommune = ? COLLATE NORSK")
            verdier.append(kommune)
        sql = f"""
            SELECT p.id, p.navn, p.fnr, p.kommune, p.koordinator, p.status,
                   f.nr, f.diagnosedato, f.diagnose,
                   s.sp, s.vindu_fra, s.vindu_til, s.status, s.dato
            FROM pasient p
            LEFT JOIN forlop f ON f.pasient_id = p.id AND f.status = 'aktiv'
            LEFT JOIN samhandlingspunkt s ON s.id = (
                SELECT s2.id FROM samhandlingspunkt s2
                WHERE s2.forlop_id = f.id AND s2.forfall_til IS NOT NULL
                ORDER BY s2.sp LIMIT 1)
            WHERE {" AND ".join(vilkar)}
            ORDER BY p.navn COLLATE NOCASE, p.id
        """
        with self.transaksjon() as db:
            rader = db.execute(sql, verdier).fetchall()
            self.logg((r[0] for r in rader), "pasienter")
        resultat = []
        for (
            pid,
            navn,
            fnr,
            kommune_,
            koord,
            status,
            nr,
            ddato,
            diagnose,
            sp,
            vfra,
            vtil,
            sp_status,
            sp_dato,
        ) in rader:
            neste = None
            if sp is not None:
                neste = {
                    "sp": sp,
                    "status": sp_status,
                    "dato": sp_dato,
                    "vindu_fra": vfra,
                    "vindu_til": vtil,
                    "tilstand": forlop.tilstand(
                        sp_status, fra_iso(vfra), fra_iso(vtil), fra_iso(sp_dato), idag
                    ),
                }
            resultat.append(
                {
                    "pasient_id": pid,
                    "navn": navn,
                    "fnr": fnr_regler.masker(fnr),
                    "kommune": kommune_,
                    "koordinator": koord,
                    "status": status,
                    "forlop": nr,
                    "diagnosedato": ddato,
                    "diagnose": diagnose,
                    "neste": neste,
                }
            )
        return resultat

    # --- contact points ----------------------------------------------------------------

    def _punkt(self, pasient_id: int, sp: int | None, *, annen_tjeneste: bool = False) -> Punkt:
        """Contact point `sp` of the active episode; without `sp`, the first open one this
        register's service is responsible for (`annen_tjeneste`: the other service's)."""
        rader = self.db.execute(
            "SELECT s.id, f.id, f.nr, s.sp, s.status FROM samhandlingspunkt s"
            " JOIN forlop f ON f.id = s.forlop_id"
            " WHERE f.pasient_id = ? AND f.status = 'aktiv' ORDER BY f.nr DESC, s.sp",
            (pasient_id,),
        ).fetchall()
        if not rader:
            raise Avvist("Pasienten har ikke noe aktivt forløp.")
        forlop_nr = rader[0][2]
        rader = [r for r in rader if r[2] == forlop_nr]
        if sp is None:
            tjeneste = self.innstillinger()["tjeneste"]
            if annen_tjeneste:
                if tjeneste is None:
                    raise UgyldigInndata("Oppgi samhandlingspunktet med --sp 1, 2 eller 3.")
                tjeneste = forlop.SYKEHUS if tjeneste == forlop.KOMMUNE else forlop.KOMMUNE
            sp = forlop.forste_apne_sp([(r[3], r[4]) for r in rader], tjeneste)
            if sp is None:
                if tjeneste is None:
                    raise Avvist("Alle samhandlingspunktene i det aktive forløpet er avsluttet.")
                egne = " og ".join(f"SP{n}" for n in forlop.TJENESTE_SP[tjeneste])
                raise Avvist(
                    f"{'Kommunens' if tjeneste == forlop.KOMMUNE else 'Sykehusets'} samhandlingspunkter "
                    f"i det aktive forløpet ({egne}) er avsluttet. Oppgi et annet med --sp N."
                )
        for sid, fid, nr, nummer, status in rader:
            if nummer == sp:
                return Punkt(sid, fid, nr, pasient_id, nummer, status)
        raise UgyldigInndata(f"Samhandlingspunkt {sp} finnes ikke. Velg 1, 2 eller 3.")

    def _sett_status(
        self,
        punkt: Punkt,
        status: str,
        *,
        dato: date | None,
        klokkeslett: str | None = None,
        sted: str | None = None,
        grunn: str | None = None,
        holdt_av: str | None = None,
        sammendrag: str | None = None,
        tekst: str,
    ) -> None:
        """The one place a contact point's status changes: keeps the due range in step."""
        if not forlop.er_apen(punkt.status):
            raise Avvist(
                f"Samhandlingspunkt {punkt.sp} er allerede {lukket_tekst(punkt.status)}, og kan ikke endres. "
                f"Ble det lukket ved en feil, åpne det med «pakkehjem gjenapne {punkt.pasient_id} "
                f"--sp {punkt.sp} --grunn ...»."
            )
        vfra, vtil = self.db.execute(
            "SELECT vindu_fra, vindu_til FROM samhandlingspunkt WHERE id = ?", (punkt.id,)
        ).fetchone()
        periode = forlop.forfallsperiode(status, fra_iso(vfra), fra_iso(vtil), dato)
        # A booking called off (anything but a new booking or the conversation held) is kept
        # as cancelled for the calendar; a new booking replaces it under the same UID.
        avlys = "status = 'avtalt' AND :ny NOT IN ('avtalt', 'gjennomfort')"
        beholdt = "CASE WHEN :ny = 'avtalt' THEN NULL ELSE {0} END"
        self.db.execute(
            "UPDATE samhandlingspunkt SET"
            f" avlyst_dato = CASE WHEN {avlys} THEN dato ELSE {beholdt.format('avlyst_dato')} END,"
            f" avlyst_klokkeslett = CASE WHEN {avlys} THEN klokkeslett"
            f" ELSE {beholdt.format('avlyst_klokkeslett')} END,"
            f" avlyst_sted = CASE WHEN {avlys} THEN sted ELSE {beholdt.format('avlyst_sted')} END,"
            " status = :ny, dato = :dato, klokkeslett = :kl, sted = :sted, grunn = :grunn,"
            " forfall_fra = :ffra, forfall_til = :ftil, holdt_av = :av, sammendrag = :sammendrag"
            " WHERE id = :id",
            dict(
                zip(
                    ("ny", "dato", "kl", "sted", "grunn", "ffra", "ftil", "av", "sammendrag", "id"),
                    (
                        status,
                        iso(dato),
                        klokkeslett,
                        _tom_som_null(sted),
                        _tom_som_null(grunn),
                        iso(periode.fra) if periode else None,
                        iso(periode.til) if periode else None,
                        _tom_som_null(holdt_av),
                        _tom_som_null(sammendrag),
                        punkt.id,
                    ),
                    strict=True,
                )
            ),
        )
        self._hendelse(punkt.pasient_id, punkt.forlop_nr, punkt.sp, status, tekst)

    def _forlop_datoer(self, forlop_id: int) -> tuple[date, date | None]:
        """An episode's diagnosis date, and the last day a conversation was held in it."""
        ddato, siste = self.db.execute(
            "SELECT f.diagnosedato, (SELECT max(s.dato) FROM samhandlingspunkt s WHERE s.forlop_id = f.id"
            " AND s.status IN ('gjennomfort', 'holdt_annet_sted')) FROM forlop f WHERE f.id = ?",
            (forlop_id,),
        ).fetchone()
        diagnosedato = fra_iso(ddato)
        assert diagnosedato is not None
        return diagnosedato, fra_iso(siste)

    def _sjekk_holdt(self, punkt: Punkt, dato: date, idag: date, bekreft: bool, hva: str) -> None:
        """The rules for a contact point held on `dato` (here or elsewhere): between the diagnosis
        and today; an SP3 long before its window only with `bekreft` (datoregler.tidlig_holdt)."""
        diagnosedato, _ = self._forlop_datoer(punkt.forlop_id)
        _regel(datoregler.holdt_dato(dato, diagnosedato, idag, hva))
        if not bekreft:
            sp2_fra = fra_iso(
                self.db.execute(
                    "SELECT vindu_fra FROM samhandlingspunkt WHERE forlop_id = ? AND sp = 2",
                    (punkt.forlop_id,),
                ).fetchone()[0]
            )
            assert sp2_fra is not None
            advarsel = datoregler.tidlig_holdt(punkt.sp, dato, diagnosedato, sp2_fra)
            if advarsel:
                raise Avvist(advarsel)

    def endre_punkt(
        self,
        ref: str,
        sp: int | None,
        status: str,
        *,
        idag: date,
        dato: date | None = None,
        klokkeslett: str | None = None,
        sted: str | None = None,
        grunn: str | None = None,
    ) -> dict[str, Any]:
        """Book, postpone, record a decline, or set a contact point not applicable."""
        klokkeslett = normaliser_klokkeslett(klokkeslett)
        grunn = (grunn or "").strip() or None
        sjekk_tekst(sted, "--sted")
        sjekk_tekst(grunn, "--grunn")
        if status in (forlop.AVTALT, forlop.UTSATT, forlop.AVSLATT) and dato is None:
            raise UgyldigInndata("Oppgi datoen for samtalen.")
        if status in (forlop.UTSATT, forlop.BORTFALT) and not grunn:
            raise UgyldigInndata("Oppgi en grunn med --grunn.")
        with self.transaksjon():
            pasient_id = self.finn_pasient_id(ref)
            punkt = self._punkt(pasient_id, sp)
            if dato is not None and status != forlop.BORTFALT:
                diagnosedato, siste_holdt = self._forlop_datoer(punkt.forlop_id)
                _regel(
                    datoregler.planlagt_dato(
                        dato,
                        diagnosedato,
                        idag,
                        siste_holdt=siste_holdt,
                        ma_vaere_fremtidig=status in (forlop.UTSATT, forlop.AVSLATT),
                        hva={"avtalt": "Avtalt dato", "utsatt": "Den nye datoen"}.get(
                            status, "Spør igjen-datoen"
                        ),
                    )
                )
            self._sett_status(
                punkt,
                status,
                dato=dato if status != forlop.BORTFALT else None,
                klokkeslett=klokkeslett if status == forlop.AVTALT else None,
                sted=sted if status == forlop.AVTALT else None,
                grunn=grunn,
                tekst=_hendelsestekst(punkt.sp, status, dato, klokkeslett, sted, grunn),
            )
            self.logg(pasient_id, f"sp-{status}")
            data = self._pasient_data(pasient_id, idag)
        data["handlet_sp"] = punkt.sp
        return data

    def registrer_holdt(
        self,
        ref: str,
        sp: int | None,
        dato: date,
        av: str,
        *,
        idag: date,
        sammendrag: str | None = None,
        handling: str = "sp-holdt",
        bekreft: bool = False,
    ) -> dict[str, Any]:
        """Record that another service held contact point `sp` on `dato` (SP1 at the hospital,
        seen from the municipality), with the summary received if any. One transaction,
        logged as `handling`; returns the patient as `vis --json`.

        Without `sp`: the first open point the other service is responsible for. Called by
        `pakkehjem holdt` and by whatever reads in a handover from the other service.
        """
        sjekk_tekst(av, "--av", maks=NAVN_MAKS)
        av = " ".join((av or "").split())
        if not av:
            raise UgyldigInndata("Oppgi hvem som holdt samtalen med --av, for eksempel «Sykehuset Østfold».")
        if sp is not None and sp not in forlop.SP_NUMRE:
            raise UgyldigInndata(f"--sp {sp}: et samhandlingspunkt er 1, 2 eller 3.")
        _regel(datoregler.holdt_dato(dato, date.min, idag, "Datoen"))
        sammendrag = (sammendrag or "").strip() or None
        with self.transaksjon() as db:
            pasient_id = self.finn_pasient_id(ref)
            punkt = self._punkt(pasient_id, sp, annen_tjeneste=True)
            self._sjekk_holdt(punkt, dato, idag, bekreft, "Datoen")
            if db.execute(
                "SELECT 1 FROM samtale WHERE samhandlingspunkt_id = ? AND status = 'pagar'", (punkt.id,)
            ).fetchone():
                raise Avvist(
                    f"Det finnes en påbegynt samtale for SP{punkt.sp} her. Fullfør eller forkast den før "
                    "punktet registreres som holdt av en annen tjeneste."
                )
            self._sett_status(
                punkt,
                forlop.HOLDT_ANNET_STED,
                dato=dato,
                holdt_av=av,
                sammendrag=sammendrag,
                tekst=f"SP{punkt.sp} holdt av {av} {norsk_dato(dato)}"
                + (" (med oppsummering)" if sammendrag else "")
                + ".",
            )
            from .livslop import avslutt_etter_sp3

            avslutt_etter_sp3(self, punkt, dato)
            self.logg(pasient_id, handling)
            data = self._pasient_data(pasient_id, idag)
        data["handlet_sp"] = punkt.sp
        return data

    # --- the structured handover read in (`motta`) -------------------------------------

    def motta_overforing(
        self, mottak: Any, *, idag: date, sha256: str, bare_vis: bool = False
    ) -> dict[str, Any]:
        """Read a checked handover (overforing.Mottak) in, in ONE transaction: match the patient by
        fødselsnummer or create them, match the episode with the same diagnosis date or create
        episode 1, record the contact point held by the sending service with its date and the
        received summary, and copy the open actions. A bundle read in before changes nothing.

        Returns {"steg": [what is (or would be) done, as text], "pasient_id", "ny": bool}.
        `bare_vis`: the same steps, then everything is rolled back (one access-log row stays).
        """
        steg: list[str] = []
        try:
            with self.transaksjon() as db:
                resultat = self._motta(db, mottak, idag, sha256, steg)
                if bare_vis:
                    raise _BareVis(resultat)
        except _BareVis as vist:
            resultat = vist.resultat
            # Shown, not done: the access to a patient already registered is still logged.
            if not resultat["ny_pasient"]:
                with self.transaksjon():
                    self.logg(resultat["pasient_id"], "motta-vis")
        return resultat

    def _motta(
        self, db: sqlite3.Connection, mottak: Any, idag: date, sha256: str, steg: list[str]
    ) -> dict[str, Any]:
        tidligere = db.execute(
            "SELECT pasient_id, mottatt FROM mottatt WHERE identifikator = ?", (mottak.identifikator,)
        ).fetchone()
        if tidligere:
            nar = norsk_dato(fra_iso(tidligere[1][:10]))
            steg.append(f"Overføringen ble lest inn {nar}; ingenting endres.")
            self.logg(tidligere[0], "motta")
            return {"steg": steg, "pasient_id": tidligere[0], "ny": False, "ny_pasient": False}
        innst = self.innstillinger()
        diagnosedato = date.fromisoformat(mottak.diagnosedato)
        holdt = date.fromisoformat(mottak.holdt_dato)
        rad = db.execute("SELECT id FROM pasient WHERE fnr = ?", (mottak.fnr,)).fetchone()
        if rad is None:
            try:
                nummer = fnr_regler.valider(mottak.fnr, idag, innst["tillat_syntetiske"])
            except fnr_regler.UgyldigFnr as feil:
                raise UgyldigInndata(f"Fødselsnummeret i overføringen: {feil} Ingenting er endret.") from None
            _sjekk_diagnosedato(diagnosedato, nummer.fodselsdato, idag)
            pasient_id = db.execute(
                "INSERT INTO pasient (fnr, navn, fodselsdato, kommune, fastlege, opprettet)"
                " VALUES (?,?,?,?,?,?)",
                (
                    nummer.nummer, mottak.navn, nummer.fodselsdato.isoformat(), mottak.kommune,
                    mottak.fastlege, _na(),
                ),
            ).lastrowid  # fmt: skip
            assert pasient_id is not None
            ny_pasient = True
            steg.append(f"Ny pasient nr. {pasient_id}.")
            forlop_id = self._nytt_forlop(
                db, pasient_id, 1, diagnosedato, normaliser_diagnose(mottak.diagnose), innst["sp1_uker"]
            )
            forlop_nr = 1
            steg.append(f"Nytt forløp 1, diagnosedato {norsk_dato(diagnosedato)}.")
            self._hendelse(
                pasient_id, 1, None, "registrert",
                f"Registrert fra overføring, diagnosedato {norsk_dato(diagnosedato)}.",
            )  # fmt: skip
        else:
            pasient_id, ny_pasient = rad[0], False
            funnet = db.execute(
                "SELECT id, nr FROM forlop WHERE pasient_id = ? AND diagnosedato = ? ORDER BY nr DESC",
                (pasient_id, diagnosedato.isoformat()),
            ).fetchone()
            if funnet is None:
                raise Avvist(
                    f"Pasienten finnes som pasient nr. {pasient_id}, men uten et forløp med diagnosedato "
                    f"{norsk_dato(diagnosedato)}. Sjekk diagnosedatoen med avsenderen, eller registrer "
                    f"residiv med «pakkehjem residiv {pasient_id} --diagnosedato ...» først. "
                    "Ingenting er endret."
                )
            forlop_id, forlop_nr = funnet
            steg.append(f"Pasienten finnes: pasient nr. {pasient_id}, forløp {forlop_nr}.")
        if holdt < diagnosedato or holdt > idag:
            raise UgyldigInndata(
                f"Overføringen sier at SP{mottak.sp} ble holdt {norsk_dato(holdt)}, før diagnosedatoen "
                "eller fram i tid. Ingenting er endret."
            )
        sid, status = db.execute(
            "SELECT id, status FROM samhandlingspunkt WHERE forlop_id = ? AND sp = ?", (forlop_id, mottak.sp)
        ).fetchone()
        punkt = Punkt(sid, forlop_id, forlop_nr, pasient_id, mottak.sp, status)
        av = mottak.avsender or ("sykehuset" if mottak.holdt_av == "spesialisthelsetjenesten" else "kommunen")
        if forlop.er_apen(status):
            if db.execute(
                "SELECT 1 FROM samtale WHERE samhandlingspunkt_id = ? AND status = 'pagar'", (sid,)
            ).fetchone():
                raise Avvist(
                    f"Det finnes en påbegynt samtale for SP{mottak.sp} her. Fullfør eller forkast den "
                    "først. Ingenting er endret."
                )
            # The same record as `holdt`: a closed status of its own, who and when, and the
            # summary received, readable in `vis`.
            self._sett_status(
                punkt, forlop.HOLDT_ANNET_STED, dato=holdt, holdt_av=av, sammendrag=mottak.sammendrag,
                tekst=f"SP{mottak.sp} holdt av {av} {norsk_dato(holdt)} (lest inn fra overføring).",
            )  # fmt: skip
            from .livslop import avslutt_etter_sp3

            avslutt_etter_sp3(self, punkt, holdt)
            steg.append(f"SP{mottak.sp} holdt av {av} {norsk_dato(holdt)}, med oppsummeringen.")
        else:
            steg.append(f"SP{mottak.sp} er allerede lukket her ({status}), og endres ikke.")
        mottatt_id = db.execute(
            "INSERT INTO mottatt (identifikator, pasient_id, forlop_nr, sp, avsender, sha256, mottatt,"
            " bruker) VALUES (?,?,?,?,?,?,?,?)",
            (
                mottak.identifikator,
                pasient_id,
                forlop_nr,
                mottak.sp,
                mottak.avsender,
                sha256,
                _na(),
                bruker(),
            ),
        ).lastrowid
        for t in mottak.tiltak:
            db.execute(
                "INSERT INTO tiltak (pasient_id, hva, ansvarlig, frist, opprettet, mottatt_id)"
                " VALUES (?,?,?,?,?,?)",
                (pasient_id, t["hva"], t["ansvarlig"], t["frist"], _na(), mottatt_id),
            )
        steg.append(
            f"{len(mottak.tiltak)} åpne tiltak kopiert." if mottak.tiltak else "Ingen åpne tiltak å kopiere."
        )
        self.logg(pasient_id, "motta")
        return {"steg": steg, "pasient_id": pasient_id, "ny": True, "ny_pasient": ny_pasient}

    def lukk_etter_forlop(
        self, pasient_id: int, forlop_id: int, grunn: str, *, lukk_tiltak: bool
    ) -> tuple[int, int]:
        """At the end of an episode (in the caller's transaction): end its unfinished
        conversations, and with `lukk_tiltak` close its open actions, with the reason. Returns
        (actions closed, conversations ended)."""
        db = self.db
        nr = db.execute("SELECT nr FROM forlop WHERE id = ?", (forlop_id,)).fetchone()[0]
        samtaler = db.execute(
            "SELECT s.id, p.sp FROM samtale s JOIN samhandlingspunkt p ON p.id = s.samhandlingspunkt_id"
            " WHERE p.forlop_id = ? AND s.status = 'pagar' ORDER BY s.id",
            (forlop_id,),
        ).fetchall()
        for samtale_id, sp in samtaler:
            db.execute(
                "UPDATE samtale SET status = 'avbrutt', avbrutt_grunn = ?, las_eier = NULL, las_tid = NULL"
                " WHERE id = ?",
                (grunn, samtale_id),
            )
            self._hendelse(
                pasient_id,
                nr,
                sp,
                "samtale_avbrutt",
                f"Påbegynt samtale nr. {samtale_id} for SP{sp} avbrutt: {grunn}.",
            )
        tiltak = 0
        if lukk_tiltak:
            tiltak = db.execute(
                "UPDATE tiltak SET status = 'lukket', lukket_grunn = ?"
                " WHERE status = 'apen' AND samtale_id IN"
                " (SELECT s.id FROM samtale s JOIN samhandlingspunkt p ON p.id = s.samhandlingspunkt_id"
                " WHERE p.forlop_id = ?)",
                (grunn, forlop_id),
            ).rowcount
            if tiltak:
                self._hendelse(
                    pasient_id, nr, None, "tiltak_lukket",
                    f"{tiltak} åpne tiltak lukket: {grunn}.",
                )  # fmt: skip
        return tiltak, len(samtaler)

    def er_dod(self, pasient_id: int) -> bool:
        """True when an episode of the patient ended with the reason death."""
        return (
            self.db.execute(
                "SELECT 1 FROM forlop WHERE pasient_id = ? AND avsluttet_grunn = 'dod'", (pasient_id,)
            ).fetchone()
            is not None
        )

    def sjekk_ikke_dod(self, pasient_id: int) -> None:
        """Avvist when the patient is registered dead: letters TO the patient are not written
        (letters ABOUT the patient, to the GP and others, still are)."""
        if self.er_dod(pasient_id):
            raise Avvist(
                f"Pasient nr. {pasient_id} er registrert som død. Brev til pasienten lages ikke; "
                "brev om pasienten (til fastlegen, kommunen, sykehuset) kan fortsatt lages."
            )

    def gjenapne(self, ref: str, sp: int, grunn: str, *, idag: date) -> dict[str, Any]:
        """Reopen a contact point closed by mistake (gjennomført, bortfalt, held elsewhere) in
        the patient's latest episode, with the reason; the episode (and the patient) too when it
        was ended. One transaction, in the timeline and the access log."""
        sjekk_tekst(grunn, "--grunn")
        grunn = " ".join((grunn or "").split())
        if not grunn:
            raise UgyldigInndata("Oppgi hvorfor punktet åpnes igjen med --grunn.")
        if sp not in forlop.SP_NUMRE:
            raise UgyldigInndata(f"--sp {sp}: et samhandlingspunkt er 1, 2 eller 3.")
        with self.transaksjon() as db:
            pasient_id = self.finn_pasient_id(ref)
            rad = db.execute(
                "SELECT f.id, f.nr, f.status, f.avsluttet_grunn, s.id, s.status, s.vindu_fra, s.vindu_til"
                " FROM forlop f JOIN samhandlingspunkt s ON s.forlop_id = f.id AND s.sp = ?"
                " WHERE f.pasient_id = ? ORDER BY f.nr DESC LIMIT 1",
                (sp, pasient_id),
            ).fetchone()
            if rad is None:
                raise Avvist("Pasienten har ikke noe forløp.")
            forlop_id, nr, forlop_status, avsluttet_grunn, punkt_id, status, vfra, vtil = rad
            if forlop.er_apen(status):
                raise Avvist(f"SP{sp} i forløp {nr} er ikke lukket ({status}); det er ingenting å åpne.")
            if forlop_status != "aktiv":
                if avsluttet_grunn == "residiv":
                    raise Avvist(
                        f"Forløp {nr} ble avsluttet av et residiv; punktene i det kan ikke åpnes igjen."
                    )
                db.execute(
                    "UPDATE forlop SET status = 'aktiv', avsluttet_dato = NULL, avsluttet_grunn = NULL"
                    " WHERE id = ?",
                    (forlop_id,),
                )
                db.execute("UPDATE pasient SET status = 'aktiv' WHERE id = ?", (pasient_id,))
                self._hendelse(
                    pasient_id, nr, None, "forlop_gjenapnet", f"Forløp {nr} gjenåpnet. Grunn: {grunn}."
                )
            db.execute(
                "UPDATE samhandlingspunkt SET status = 'planlagt', dato = NULL, klokkeslett = NULL,"
                " sted = NULL,"
                " grunn = NULL, holdt_av = NULL, sammendrag = NULL, forfall_fra = vindu_fra,"
                " forfall_til = vindu_til WHERE id = ?",
                (punkt_id,),
            )
            self._hendelse(
                pasient_id, nr, sp, "gjenapnet",
                f"SP{sp} gjenåpnet (var {lukket_tekst(status)}). Grunn: {grunn}.",
            )  # fmt: skip
            self.logg(pasient_id, "gjenapne")
            data = self._pasient_data(pasient_id, idag)
        return data

    def korriger(
        self,
        ref: str,
        *,
        idag: date,
        diagnosedato: date | None = None,
        diagnose: str | None = None,
        fnr: str | None = None,
        kontakt: dict[str, str] | None = None,
    ) -> int:
        """Correct what the windows and the identity hang on, in one transaction (with the contact
        details in `kontakt`, as `endre_pasient`), each change in
        the timeline with the old and the new value: the active (else latest) episode's
        diagnosis date (moving the windows of its open points), its ICD-10 code, and the
        fødselsnummer (an H- or D-number replaced by the fødselsnummer). Returns the patient id."""
        ny_diagnose = normaliser_diagnose(diagnose) if diagnose is not None else None
        if diagnose is not None and ny_diagnose is None:
            raise UgyldigInndata("--diagnose: oppgi en ICD-10-kode, for eksempel C50.9.")
        nummer = None
        if fnr is not None:
            try:
                nummer = fnr_regler.valider(fnr, idag, self.innstillinger()["tillat_syntetiske"])
            except fnr_regler.UgyldigFnr as feil:
                raise UgyldigInndata(f"Ugyldig fødselsnummer: {feil}") from None
        with self.transaksjon() as db:
            pasient_id = self.finn_pasient_id(ref)
            gammelt_fnr, fodt = db.execute(
                "SELECT fnr, fodselsdato FROM pasient WHERE id = ?", (pasient_id,)
            ).fetchone()
            fodselsdato = date.fromisoformat(fodt)
            if nummer is not None and nummer.nummer != gammelt_fnr:
                funnet = db.execute("SELECT id FROM pasient WHERE fnr = ?", (nummer.nummer,)).fetchone()
                if funnet:
                    raise Duplikat(
                        f"Fødselsnummeret er allerede i bruk, for pasient nr. {funnet[0]}. "
                        "Et nummer kan bare høre til én pasient."
                    )
                fodselsdato = nummer.fodselsdato
                forste = db.execute(
                    "SELECT min(diagnosedato) FROM forlop WHERE pasient_id = ?", (pasient_id,)
                ).fetchone()[0]
                if forste and date.fromisoformat(forste) < fodselsdato:
                    raise UgyldigInndata(
                        "Det nye fødselsnummeret gir en fødselsdato etter diagnosedatoen. Sjekk nummeret."
                    )
                db.execute(
                    "UPDATE pasient SET fnr = ?, fodselsdato = ? WHERE id = ?",
                    (nummer.nummer, fodselsdato.isoformat(), pasient_id),
                )
                self._hendelse(
                    pasient_id, None, None, "fnr_endret",
                    f"Fødselsnummer endret fra {gammelt_fnr} til {nummer.nummer}.",
                )  # fmt: skip
            rader = db.execute(
                "SELECT id, nr, diagnosedato, diagnose, status FROM forlop WHERE pasient_id = ? ORDER BY nr",
                (pasient_id,),
            ).fetchall()
            aktive = [r for r in rader if r[4] == "aktiv"]
            f = aktive[-1] if aktive else rader[-1]
            fid, nr, gammel_ddato, gammel_diagnose = f[0], f[1], date.fromisoformat(f[2]), f[3]
            if ny_diagnose is not None and ny_diagnose != gammel_diagnose:
                db.execute("UPDATE forlop SET diagnose = ? WHERE id = ?", (ny_diagnose, fid))
                self._hendelse(
                    pasient_id, nr, None, "diagnose_endret",
                    f"Diagnose endret fra {gammel_diagnose or 'ikke oppgitt'} til {ny_diagnose}.",
                )  # fmt: skip
            if diagnosedato is not None and diagnosedato != gammel_ddato:
                self._flytt_diagnosedato(
                    pasient_id, fid, nr, gammel_ddato, diagnosedato, fodselsdato, rader, idag
                )
            if kontakt:
                self._endre_kontakt(str(pasient_id), kontakt)
            self.logg(pasient_id, "korriger")
        return pasient_id

    def _flytt_diagnosedato(
        self,
        pasient_id: int,
        forlop_id: int,
        nr: int,
        gammel: date,
        ny: date,
        fodselsdato: date,
        rader: list[tuple],
        idag: date,
    ) -> None:
        db = self.db
        holdt = db.execute(
            "SELECT min(d) FROM (SELECT dato AS d FROM samhandlingspunkt WHERE forlop_id = :f"
            " AND status IN ('gjennomfort', 'holdt_annet_sted') UNION ALL SELECT s.dato FROM samtale s"
            " JOIN samhandlingspunkt p ON p.id = s.samhandlingspunkt_id WHERE p.forlop_id = :f"
            " UNION ALL SELECT avsluttet_dato FROM forlop WHERE id = :f)",
            {"f": forlop_id},
        ).fetchone()[0]
        planlagt = db.execute(
            "SELECT min(dato) FROM samhandlingspunkt WHERE forlop_id = ?"
            " AND status IN ('avtalt', 'utsatt', 'avslatt')",
            (forlop_id,),
        ).fetchone()[0]
        for_ = [r for r in rader if r[1] < nr]
        etter = [r for r in rader if r[1] > nr]
        forrige_holdt = None
        if for_:
            forrige_holdt = db.execute(
                "SELECT max(dato) FROM samhandlingspunkt WHERE forlop_id = ?"
                " AND status IN ('gjennomfort', 'holdt_annet_sted')",
                (for_[-1][0],),
            ).fetchone()[0]
        _regel(
            datoregler.ny_diagnosedato(
                ny, fodselsdato, idag,
                tidligste_holdt=fra_iso(holdt),
                tidligste_planlagt=fra_iso(planlagt),
                forrige_diagnose=date.fromisoformat(for_[-1][2]) if for_ else None,
                forrige_siste_holdt=fra_iso(forrige_holdt),
                neste_diagnose=date.fromisoformat(etter[0][2]) if etter else None,
            )
        )  # fmt: skip
        db.execute("UPDATE forlop SET diagnosedato = ? WHERE id = ?", (ny.isoformat(), forlop_id))
        flyttet = []
        vinduer = forlop.vinduer(ny, self.innstillinger()["sp1_uker"])
        for punkt_id, sp, status, dato in db.execute(
            "SELECT id, sp, status, dato FROM samhandlingspunkt WHERE forlop_id = ? ORDER BY sp", (forlop_id,)
        ).fetchall():
            if not forlop.er_apen(status):
                continue
            vindu = vinduer[sp]
            periode = forlop.forfallsperiode(status, vindu.fra, vindu.til, fra_iso(dato))
            assert periode is not None
            db.execute(
                "UPDATE samhandlingspunkt SET vindu_fra = ?, vindu_til = ?, forfall_fra = ?, forfall_til = ?"
                " WHERE id = ?",
                (
                    vindu.fra.isoformat(),
                    vindu.til.isoformat(),
                    periode.fra.isoformat(),
                    periode.til.isoformat(),
                    punkt_id,
                ),
            )
            flyttet.append(f"SP{sp}")
        tekst = f"Diagnosedato endret fra {norsk_dato(gammel)} til {norsk_dato(ny)}."
        if flyttet:
            tekst += f" Vinduene for {', '.join(flyttet)} er flyttet."
        self._hendelse(pasient_id, nr, None, "diagnosedato_endret", tekst)

    # --- the work list -----------------------------------------------------------------

    def forfaller(self, periode: forlop.Periode, idag: date, **filtre: Any) -> list[dict[str, Any]]:
        """The work list as rows (see `forfaller_json`)."""
        return json.loads(self.forfaller_json(periode, idag, **filtre))

    def forfaller_json(
        self,
        periode: forlop.Periode,
        idag: date,
        *,
        kun_forfalte: bool = False,
        koordinator: str | None = None,
        kommune: str | None = None,
        ansvarlig: str | None = None,
    ) -> str:
        """Open contact points of active episodes due in the period, and all overdue ones,
        as the JSON array of cli.md.

        One indexed query; overdue first, then by the start of the due range.
        """
        # Due ranges ending before today are overdue and always listed; the rest must reach
        # into the period. Splitting on today keeps both halves range scans of one index.
        if kun_forfalte:
            vilkar = ["s.forfall_til < :idag"]
        else:
            vilkar = [
                "(s.forfall_til < :idag OR (s.forfall_til BETWEEN :fra_eller_idag AND :til_senest"
                " AND s.forfall_fra <= :til))"
            ]
        # A range that starts by the end of the period ends at most LENGSTE_FORFALL_DAGER later.
        til_senest = periode.til + timedelta(days=forlop.LENGSTE_FORFALL_DAGER)
        verdier: dict[str, Any] = {
            "idag": idag.isoformat(),
            "fra_eller_idag": max(periode.fra, idag).isoformat(),
            "til": periode.til.isoformat(),
            "til_senest": til_senest.isoformat(),
        }
        for navn, verdi, kolonne in (
            ("koordinator", koordinator, "p.koordinator"),
            ("kommune", kommune, "p.kommune"),
        ):
            if verdi:
                vilkar.append(f"{kolonne} = :{navn} COLLATE NORSK")
                verdier[navn] = verdi
        if ansvarlig:
            # The stored word itself (forlop.les_ansvarlig): a plain comparison, no Python
            # collation called for every row of the index range.
            vilkar.append("s.ansvarlig = :ansvarlig")
            verdier["ansvarlig"] = forlop.les_ansvarlig(ansvarlig)
        # Each row leaves SQLite as a finished JSON object (masking and the derived state are
        # the Python rules, registered as SQL functions in `apne`): on 100,000 patients the
        # week's list is 17,000 rows, and building them as Python objects cost a third of
        # the command's time.
        sql = f"""
            SELECT p.id, json_object(
                'pasient_id', p.id, 'navn', p.navn, 'fnr', masker(p.fnr),
                'kommune', p.kommune, 'koordinator', p.koordinator, 'forlop', f.nr,
                'sp', s.sp, 'ansvarlig', s.ansvarlig, 'vindu_fra', s.vindu_fra,
                'vindu_til', s.vindu_til, 'status', s.status, 'dato', s.dato,
                'klokkeslett', s.klokkeslett, 'sted', s.sted,
                'tilstand', tilstand(s.status, s.vindu_fra, s.vindu_til, s.dato, :idag))
            FROM samhandlingspunkt s
            JOIN forlop f ON f.id = s.forlop_id
            JOIN pasient p ON p.id = f.pasient_id
            WHERE s.forfall_til IS NOT NULL AND f.status = 'aktiv' AND {" AND ".join(vilkar)}
            ORDER BY s.forfall_til < :idag DESC, s.forfall_fra, s.forfall_til, p.navn, p.id, s.sp
        """
        with self.transaksjon() as db:
            rader = db.execute(sql, verdier).fetchall()
            self.logg(sorted({r[0] for r in rader}), "forfaller")
        return "[" + ",".join(rad for _, rad in rader) + "]"

    # --- conversations -------------------------------------------------------------------

    def lagre_guide(self, guide_id: str, versjon: str, kilde: str) -> int:
        """The stored copy of a guide text (one row per distinct text); returns its row id."""
        with self.transaksjon():
            return self._guide_ref((guide_id, versjon, kilde))

    def _guide_ref(self, guide: int | tuple[str, str, str]) -> int:
        """A stored guide's row id as is; a guide's (id, versjon, kilde) stored in the running
        transaction, so a refused conversation leaves no guide row behind."""
        if isinstance(guide, int):
            return guide
        guide_id, versjon, kilde = guide
        sjekksum = hashlib.sha256(kilde.encode("utf-8")).hexdigest()
        rad = self.db.execute("SELECT id FROM guide WHERE sjekksum = ?", (sjekksum,)).fetchone()
        if rad:
            return rad[0]
        ny = self.db.execute(
            "INSERT INTO guide (guide_id, versjon, sjekksum, kilde) VALUES (?,?,?,?)",
            (guide_id, versjon, sjekksum, kilde),
        ).lastrowid
        assert ny is not None
        return ny

    def guide_kilde(self, guide_ref: int) -> str:
        """The guide text a conversation was held with."""
        rad = self.db.execute("SELECT kilde FROM guide WHERE id = ?", (guide_ref,)).fetchone()
        if rad is None:
            raise IkkeFunnet("Samtaleguiden til denne samtalen finnes ikke i registeret.")
        return rad[0]

    def apne_samtale(
        self,
        ref: str,
        sp: int | None,
        dato: date,
        guide_ref: int | tuple[str, str, str],
        eier: str | None,
        handling: str = "samtale",
        *,
        endre: bool = False,
    ) -> dict[str, Any]:
        """Find or start the conversation of a contact point, taking its lock for `eier`.

        `guide_ref`: a stored guide's row id, or (id, versjon, kilde) to store with the change.
        Returns the conversation with its stored answers; `ny` tells whether it was started now.
        `endre`: amend the point's finished conversation as a new revision (or go on with the
        revision begun); a finished point opens only for its revision.
        """
        with self.transaksjon() as db:
            pasient_id = self.finn_pasient_id(ref)
            if sp is None:
                # A paused conversation comes first: opening an empty SP1 beside a paused SP2
                # with answers in it would hide the work already done.
                sp = self._pagar_sp(pasient_id)
            punkt = self._punkt(pasient_id, sp)
            guide_ref = self._guide_ref(guide_ref)
            rad = db.execute(
                "SELECT id, las_eier, las_tid, guide_ref, dato FROM samtale"
                " WHERE samhandlingspunkt_id = ? AND status = 'pagar'",
                (punkt.id,),
            ).fetchone()
            revisjon = rad is not None and self._erstatter(rad[0]) is not None
            if endre and forlop.er_apen(punkt.status):
                raise Avvist(
                    f"Samhandlingspunkt {punkt.sp} er ikke gjennomført: fortsett samtalen uten --endre."
                )
            if not forlop.er_apen(punkt.status) and not revisjon and not endre:
                raise Avvist(
                    f"Samhandlingspunkt {punkt.sp} er allerede {lukket_tekst(punkt.status)}. En fullført "
                    f"samtale endres med «pakkehjem samtale {pasient_id} --sp {punkt.sp} --endre»."
                )
            if endre and rad is None:
                rad = self._ny_revisjon(pasient_id, punkt, eier)
            ny = rad is None
            if ny:
                # Not in the future is the caller's check (it knows today); here: not before
                # the diagnosis, whoever calls.
                diagnosedato, _ = self._forlop_datoer(punkt.forlop_id)
                _regel(datoregler.holdt_dato(dato, diagnosedato, dato))
                samtale_id = db.execute(
                    "INSERT INTO samtale (pasient_id, samhandlingspunkt_id, guide_ref, dato,"
                    " startet, bruker, las_eier, las_tid) VALUES (?,?,?,?,?,?,?,?)",
                    (
                        pasient_id,
                        punkt.id,
                        guide_ref,
                        dato.isoformat(),
                        _na(),
                        bruker(),
                        eier,
                        _na() if eier else None,
                    ),
                ).lastrowid
                self._hendelse(
                    pasient_id,
                    punkt.forlop_nr,
                    punkt.sp,
                    "samtale_startet",
                    f"Samtale for SP{punkt.sp} startet.",
                )
            else:
                samtale_id, las_eier, las_tid, guide_ref, _ = rad
                if eier is not None:
                    if las_eier and las_eier != eier and las_er_i_bruk(las_eier, las_tid):
                        raise Avvist(
                            f"Samtalen for SP{punkt.sp} er åpen hos en annen bruker "
                            f"(siden {vis_tid(las_tid)[11:16] if las_tid else '?'}). Vent til den er "
                            "lukket, eller be den andre avslutte."
                        )
                    db.execute(
                        "UPDATE samtale SET las_eier = ?, las_tid = ? WHERE id = ?", (eier, _na(), samtale_id)
                    )
            self.logg(pasient_id, handling)
            assert samtale_id is not None
            data = self._samtale_data(samtale_id)
        data["ny"] = ny
        return data

    def _erstatter(self, samtale_id: int) -> int | None:
        """The conversation this one is a revision of, if any."""
        rad = self.db.execute(
            "SELECT erstatter FROM samtale_revisjon WHERE samtale_id = ?", (samtale_id,)
        ).fetchone()
        return rad[0] if rad else None

    def _ny_revisjon(self, pasient_id: int, punkt: Punkt, eier: str | None) -> tuple:
        """A new revision of the point's finished conversation, with a copy of its answers; the
        actions move to it (they are live: done or not), the old answers stay as they were."""
        db = self.db
        forrige = db.execute(
            "SELECT s.id, s.guide_ref, s.dato FROM samtale s WHERE s.samhandlingspunkt_id = ?"
            " AND s.status = 'fullfort' AND NOT EXISTS"
            " (SELECT 1 FROM samtale_revisjon r WHERE r.erstatter = s.id) ORDER BY s.id DESC LIMIT 1",
            (punkt.id,),
        ).fetchone()
        if forrige is None:
            raise Avvist(f"Det finnes ingen fullført samtale for SP{punkt.sp} å endre.")
        forrige_id, guide_ref, dato = forrige
        samtale_id = db.execute(
            "INSERT INTO samtale (pasient_id, samhandlingspunkt_id, guide_ref, dato, startet, bruker,"
            " las_eier, las_tid) VALUES (?,?,?,?,?,?,?,?)",
            (pasient_id, punkt.id, guide_ref, dato, _na(), bruker(), eier, _na() if eier else None),
        ).lastrowid
        db.execute(
            "INSERT INTO samtale_revisjon (samtale_id, erstatter) VALUES (?,?)", (samtale_id, forrige_id)
        )
        db.execute(
            "INSERT INTO svar (samtale_id, sporsmal_id, verdi, hoppet_over, rekkefolge, tid)"
            " SELECT ?, sporsmal_id, verdi, hoppet_over, rekkefolge, tid FROM svar WHERE samtale_id = ?",
            (samtale_id, forrige_id),
        )
        db.execute("UPDATE tiltak SET samtale_id = ? WHERE samtale_id = ?", (samtale_id, forrige_id))
        self._hendelse(
            pasient_id,
            punkt.forlop_nr,
            punkt.sp,
            "samtale_endres",
            f"Samtalen for SP{punkt.sp} fra {norsk_dato(fra_iso(dato))} åpnet for endring; "
            "svarene før endringen beholdes.",
        )
        self.logg(pasient_id, "samtale-endre")
        return (samtale_id, eier, _na() if eier else None, guide_ref, dato)

    def sjekk_samtale(
        self, ref: str, sp: int | None, dato: date, idag: date, *, bekreft: bool = False
    ) -> int:
        """Before a conversation is held on `dato`: the date rules (not before the diagnosis, not
        in the future, an SP3 long before its window only with `bekreft`). Logged as an access
        to the patient; returns the contact point it will be for."""
        with self.transaksjon():
            pasient_id = self.finn_pasient_id(ref)
            punkt = self._punkt(pasient_id, sp if sp is not None else self._pagar_sp(pasient_id))
            if forlop.er_apen(punkt.status):
                self._sjekk_holdt(punkt, dato, idag, bekreft, "Samtaledatoen")
            self.logg(pasient_id, "samtale")
        return punkt.sp

    def _pagar_sp(self, pasient_id: int) -> int | None:
        """The contact point of the patient's paused conversation (the one with most answers),
        which `samtale` without --sp resumes before it opens a new one; None when there is none."""
        pagar = self.db.execute(
            "SELECT p.sp FROM samtale s JOIN samhandlingspunkt p ON p.id = s.samhandlingspunkt_id"
            " JOIN forlop f ON f.id = p.forlop_id WHERE s.pasient_id = ? AND s.status = 'pagar'"
            " AND f.status = 'aktiv' ORDER BY f.nr DESC,"
            " (SELECT count(*) FROM svar WHERE svar.samtale_id = s.id) DESC, p.sp LIMIT 1",
            (pasient_id,),
        ).fetchone()
        return pagar[0] if pagar else None

    def _samtale_data(self, samtale_id: int) -> dict[str, Any]:
        rad = self.db.execute(
            "SELECT s.id, s.pasient_id, s.guide_ref, s.dato, s.status, f.nr, sp.sp,"
            " sp.vindu_fra, sp.vindu_til, p.navn, s.startet, s.fullfort"
            " FROM samtale s JOIN samhandlingspunkt sp ON sp.id = s.samhandlingspunkt_id"
            " JOIN forlop f ON f.id = sp.forlop_id JOIN pasient p ON p.id = s.pasient_id"
            " WHERE s.id = ?",
            (samtale_id,),
        ).fetchone()
        svar = {}
        hoppet = []
        for sporsmal_id, verdi, hoppet_over in self.db.execute(
            "SELECT sporsmal_id, verdi, hoppet_over FROM svar WHERE samtale_id = ? ORDER BY rekkefolge",
            (samtale_id,),
        ):
            if hoppet_over:
                hoppet.append(sporsmal_id)
            else:
                svar[sporsmal_id] = json.loads(verdi)
        utkast = dict(
            self.db.execute(
                "SELECT sporsmal_id, tekst FROM utkast WHERE samtale_id = ? ORDER BY tid", (samtale_id,)
            ).fetchall()
        )
        return {
            "erstatter": self._erstatter(samtale_id),
            "utkast": utkast,
            "id": rad[0],
            "pasient_id": rad[1],
            "guide_ref": rad[2],
            "dato": rad[3],
            "status": rad[4],
            "forlop": rad[5],
            "sp": rad[6],
            "vindu_fra": rad[7],
            "vindu_til": rad[8],
            "navn": rad[9],
            "startet": rad[10],
            "fullfort": rad[11],
            "svar": svar,
            "hoppet_over": hoppet,
        }

    def _samtale_rad(self, samtale_id: int) -> tuple[int, str, int]:
        rad = self.db.execute(
            "SELECT pasient_id, status, samhandlingspunkt_id FROM samtale WHERE id = ?",
            (samtale_id,),
        ).fetchone()
        if rad is None:
            raise IkkeFunnet(f"Ingen samtale med nummer {samtale_id}.")
        return rad

    def lagre_svar(
        self,
        samtale_id: int,
        sporsmal_id: str,
        verdi: Any,
        *,
        hoppet_over: bool = False,
        tiltak: list[dict[str, Any]] | None = None,
        samtykke: str | None = None,
        dato: date | None = None,
    ) -> None:
        """Store one answer the moment it is given (one transaction), with what it implies:
        the actions of a `tiltak` answer and the consent of a `samtykke` answer."""
        with self.transaksjon() as db:
            pasient_id, status, _ = self._samtale_rad(samtale_id)
            if status != "pagar":
                raise Avvist("Samtalen er fullført og kan ikke endres.")
            self._skriv_svar(
                db, samtale_id, pasient_id, sporsmal_id, verdi, hoppet_over, tiltak, samtykke, dato
            )
            db.execute("UPDATE samtale SET las_tid = ? WHERE id = ?", (_na(), samtale_id))
            self.logg(pasient_id, "samtale-svar")

    def _skriv_svar(
        self,
        db: sqlite3.Connection,
        samtale_id: int,
        pasient_id: int,
        sporsmal_id: str,
        verdi: Any,
        hoppet_over: bool,
        tiltak: list[dict[str, Any]] | None,
        samtykke: str | None,
        dato: date | None,
    ) -> None:
        rekkefolge = db.execute(
            "SELECT coalesce(max(rekkefolge), 0) + 1 FROM svar WHERE samtale_id = ?", (samtale_id,)
        ).fetchone()[0]
        db.execute(
            "INSERT INTO svar (samtale_id, sporsmal_id, verdi, hoppet_over, rekkefolge, tid)"
            " VALUES (?,?,?,?,?,?) ON CONFLICT (samtale_id, sporsmal_id) DO UPDATE SET"
            " verdi = excluded.verdi, hoppet_over = excluded.hoppet_over,"
            " rekkefolge = excluded.rekkefolge, tid = excluded.tid",
            (
                samtale_id,
                sporsmal_id,
                None if hoppet_over else json.dumps(verdi, ensure_ascii=False),
                int(hoppet_over),
                rekkefolge,
                _na(),
            ),
        )
        if tiltak and not hoppet_over:
            samtaledato = fra_iso(
                db.execute("SELECT dato FROM samtale WHERE id = ?", (samtale_id,)).fetchone()[0]
            )
            assert samtaledato is not None
            for t in tiltak:
                if t.get("frist"):
                    _regel(datoregler.frist(date.fromisoformat(t["frist"]), samtaledato))
        # The answer is stored: a draft of it has done its work.
        db.execute("DELETE FROM utkast WHERE samtale_id = ? AND sporsmal_id = ?", (samtale_id, sporsmal_id))
        # An answer given again replaces what it implied before.
        db.execute("DELETE FROM tiltak WHERE samtale_id = ? AND sporsmal_id = ?", (samtale_id, sporsmal_id))
        for t in [] if hoppet_over else tiltak or []:
            db.execute(
                "INSERT INTO tiltak (pasient_id, samtale_id, sporsmal_id, hva, ansvarlig, frist,"
                " opprettet) VALUES (?,?,?,?,?,?,?)",
                (pasient_id, samtale_id, sporsmal_id, t["hva"], t["ansvarlig"], t.get("frist"), _na()),
            )
        if samtykke:
            db.execute("DELETE FROM samtykke WHERE samtale_id = ? AND mottaker = ?", (samtale_id, samtykke))
            if not hoppet_over and isinstance(verdi, bool):
                samtale_dato = db.execute("SELECT dato FROM samtale WHERE id = ?", (samtale_id,)).fetchone()[
                    0
                ]
                db.execute(
                    "INSERT INTO samtykke (pasient_id, mottaker, svar, dato, kilde, samtale_id,"
                    " registrert, bruker) VALUES (?,?,?,?,?,?,?,?)",
                    (
                        pasient_id,
                        samtykke,
                        "ja" if verdi else "nei",
                        iso(dato) or samtale_dato,
                        "samtale",
                        samtale_id,
                        _na(),
                        bruker(),
                    ),
                )

    def angre_svar(self, samtale_id: int, sporsmal_id: str, samtykke: str | None = None) -> None:
        """Remove one answer (going back to a question), with the actions and consent it gave."""
        with self.transaksjon() as db:
            pasient_id, status, _ = self._samtale_rad(samtale_id)
            if status != "pagar":
                raise Avvist("Samtalen er fullført og kan ikke endres.")
            for tabell in ("svar", "tiltak", "utkast"):
                db.execute(
                    f"DELETE FROM {tabell} WHERE samtale_id = ? AND sporsmal_id = ?",
                    (samtale_id, sporsmal_id),
                )
            if samtykke:
                db.execute(
                    "DELETE FROM samtykke WHERE samtale_id = ? AND mottaker = ?", (samtale_id, samtykke)
                )
            self.logg(pasient_id, "samtale-angre")

    def begynn_pa_nytt(self, samtale_id: int) -> None:
        """Start an unfinished conversation over: its answers, actions and consent go."""
        with self.transaksjon() as db:
            pasient_id, status, _ = self._samtale_rad(samtale_id)
            if status != "pagar":
                raise Avvist("Samtalen er fullført og kan ikke begynnes på nytt.")
            for tabell in ("svar", "tiltak", "samtykke", "utkast"):
                db.execute(f"DELETE FROM {tabell} WHERE samtale_id = ?", (samtale_id,))
            self._hendelse(
                pasient_id,
                None,
                None,
                "samtale_på_nytt",
                f"Samtale nr. {samtale_id} begynt på nytt; tidligere svar slettet.",
            )
            self.logg(pasient_id, "samtale-på-nytt")

    def lagre_utkast(self, samtale_id: int, sporsmal_id: str, tekst: str) -> None:
        """Keep what is typed for a question but not yet given as its answer (one transaction);
        an empty text removes the draft."""
        with self.transaksjon() as db:
            pasient_id, status, _ = self._samtale_rad(samtale_id)
            if status != "pagar":
                raise Avvist("Samtalen er fullført og kan ikke endres.")
            if tekst.strip():
                db.execute(
                    "INSERT INTO utkast (samtale_id, sporsmal_id, tekst, tid) VALUES (?,?,?,?)"
                    " ON CONFLICT (samtale_id, sporsmal_id) DO UPDATE SET tekst = excluded.tekst,"
                    " tid = excluded.tid",
                    (samtale_id, sporsmal_id, tekst, _na()),
                )
            else:
                db.execute(
                    "DELETE FROM utkast WHERE samtale_id = ? AND sporsmal_id = ?", (samtale_id, sporsmal_id)
                )
            self.logg(pasient_id, "samtale-utkast")

    def slipp_samtale(self, samtale_id: int, eier: str) -> None:
        """Release the conversation's lock if `eier` holds it."""
        with self.transaksjon() as db:
            db.execute(
                "UPDATE samtale SET las_eier = NULL, las_tid = NULL WHERE id = ? AND las_eier = ?",
                (samtale_id, eier),
            )

    def fullfor_samtale(
        self,
        samtale_id: int,
        *,
        neste_avtale: tuple[date, str | None, str | None] | None = None,
    ) -> dict[str, Any]:
        """Finish: the conversation becomes fullfort, its contact point gjennomfort on its date.

        When a date for the next contact point was agreed, that point is booked in the same
        transaction. Returns the patient's next open contact point (or None).
        """
        with self.transaksjon():
            return self._fullfor(samtale_id, neste_avtale)

    def _fullfor(
        self, samtale_id: int, neste_avtale: tuple[date, str | None, str | None] | None
    ) -> dict[str, Any]:
        db = self.db
        pasient_id, status, sp_id = self._samtale_rad(samtale_id)
        if status != "pagar":
            raise Avvist("Samtalen er allerede fullført.")
        samtale_dato = fra_iso(
            db.execute("SELECT dato FROM samtale WHERE id = ?", (samtale_id,)).fetchone()[0]
        )
        if self._erstatter(samtale_id) is not None:
            # An amendment: the point was held already; only the record of what was said changes.
            db.execute(
                "UPDATE samtale SET status = 'fullfort', fullfort = ?, las_eier = NULL,"
                " las_tid = NULL WHERE id = ?",
                (_na(), samtale_id),
            )
            punkt = self._punkt_fra_id(sp_id)
            self._hendelse(
                pasient_id,
                punkt.forlop_nr,
                punkt.sp,
                "samtale_endret",
                f"Samtalen for SP{punkt.sp} er endret {norsk_dato(date.today())}; den forrige "
                "versjonen er beholdt.",
            )
            self.logg(pasient_id, "samtale-fullfort")
            return {
                "pasient_id": pasient_id,
                "samtale_id": samtale_id,
                "sp": punkt.sp,
                "neste": None,
                "forlop_fullfort": False,
                "endret": True,
            }
        db.execute(
            "UPDATE samtale SET status = 'fullfort', fullfort = ?, las_eier = NULL,"
            " las_tid = NULL WHERE id = ?",
            (_na(), samtale_id),
        )
        punkt = self._punkt_fra_id(sp_id)
        self._sett_status(
            punkt,
            forlop.GJENNOMFORT,
            dato=samtale_dato,
            tekst=f"SP{punkt.sp} gjennomført {norsk_dato(samtale_dato)}.",
        )
        # SP3 held: the pathway is complete (domain.md); the episode ends as `fullfort`.
        from .livslop import avslutt_etter_sp3

        forlop_fullfort = avslutt_etter_sp3(self, punkt, samtale_dato)
        self._samtykke_omfang_fra_samtale(samtale_id)
        neste = self._neste_punkt(punkt)
        if neste is not None and neste_avtale is not None:
            dato, klokkeslett, sted = neste_avtale
            assert samtale_dato is not None
            _regel(datoregler.neste_avtale(dato, samtale_dato))
            klokkeslett = normaliser_klokkeslett(klokkeslett)
            self._sett_status(
                neste,
                forlop.AVTALT,
                dato=dato,
                klokkeslett=klokkeslett,
                sted=sted,
                tekst=_hendelsestekst(neste.sp, forlop.AVTALT, dato, klokkeslett, sted, None),
            )
        self.logg(pasient_id, "samtale-fullfort")
        resultat = None
        if neste is not None:
            s = db.execute(
                "SELECT sp, ansvarlig, vindu_fra, vindu_til, status, dato, klokkeslett, sted"
                " FROM samhandlingspunkt WHERE id = ?",
                (neste.id,),
            ).fetchone()
            resultat = dict(
                zip(
                    ("sp", "ansvarlig", "vindu_fra", "vindu_til", "status", "dato", "klokkeslett", "sted"),
                    s,
                    strict=True,
                )
            )
        return {
            "pasient_id": pasient_id,
            "samtale_id": samtale_id,
            "sp": punkt.sp,
            "neste": resultat,
            "forlop_fullfort": forlop_fullfort,
        }

    def _samtykke_omfang_fra_samtale(self, samtale_id: int) -> None:
        """The scope and named recipient of the conversation's consents to nav and annen, from
        its answers read with its own guide. Until the conversation is finished a consent it
        gave has no scope: nothing beyond the recipient's own themes."""
        db = self.db
        if not db.execute(
            "SELECT 1 FROM samtykke WHERE samtale_id = ? AND mottaker IN ('nav', 'annen') AND svar = 'ja'",
            (samtale_id,),
        ).fetchone():
            return
        from . import guide as guide_modul

        guide_ref = db.execute("SELECT guide_ref FROM samtale WHERE id = ?", (samtale_id,)).fetchone()[0]
        guiden = guide_modul.fra_tekst(self.guide_kilde(guide_ref), f"registeret (guide {guide_ref})")
        svar = {
            sid: json.loads(verdi)
            for sid, verdi in db.execute(
                "SELECT sporsmal_id, verdi FROM svar WHERE samtale_id = ? AND hoppet_over = 0", (samtale_id,)
            )
        }
        for art, valgt in guide_modul.samtykke_omfang(guiden, svar).items():
            db.execute(
                "UPDATE samtykke SET omfang = ?, navn = ? WHERE samtale_id = ? AND mottaker = ?",
                (
                    json.dumps(valgt["omfang"]) if valgt["omfang"] is not None else None,
                    valgt["navn"],
                    samtale_id,
                    art,
                ),
            )

    def _punkt_fra_id(self, sp_id: int) -> Punkt:
        sid, fid, nr, pid, sp, status = self.db.execute(
            "SELECT s.id, f.id, f.nr, f.pasient_id, s.sp, s.status FROM samhandlingspunkt s"
            " JOIN forlop f ON f.id = s.forlop_id WHERE s.id = ?",
            (sp_id,),
        ).fetchone()
        return Punkt(sid, fid, nr, pid, sp, status)

    def _neste_punkt(self, punkt: Punkt) -> Punkt | None:
        rad = self.db.execute(
            "SELECT id FROM samhandlingspunkt WHERE forlop_id = ? AND sp > ?"
            " AND forfall_til IS NOT NULL ORDER BY sp LIMIT 1",
            (punkt.forlop_id, punkt.sp),
        ).fetchone()
        return self._punkt_fra_id(rad[0]) if rad else None

    def lagre_hel_samtale(
        self,
        ref: str,
        sp: int | None,
        dato: date,
        guide_ref: int | tuple[str, str, str],
        svar: list[tuple[str, Any, list[dict[str, Any]] | None, str | None]],
        neste_avtale: tuple[date, str | None, str | None] | None,
        *,
        idag: date | None = None,
        bekreft: bool = False,
        fullfor: bool = True,
    ) -> dict[str, Any]:
        """A whole conversation from an answers file, in ONE transaction: all or nothing (the
        guide too: `guide_ref` as for `apne_samtale`). The date rules of `datoregler` first:
        held on `dato` between the diagnosis and `idag` (default: `dato`), an SP3 long before
        its window only with `bekreft`, deadlines and the next date after `dato`.
        `fullfor=False` (a booklet, then the conversation): the answers are stored and the
        conversation stays open, to go on at the terminal."""
        with self.transaksjon() as db:
            pasient_id = self.finn_pasient_id(ref)
            punkt = self._punkt(pasient_id, sp)
            if forlop.er_apen(punkt.status):
                self._sjekk_holdt(punkt, dato, idag or dato, bekreft, "Samtaledatoen")
            guide_ref = self._guide_ref(guide_ref)
            if db.execute(
                "SELECT 1 FROM samtale WHERE samhandlingspunkt_id = ? AND status = 'pagar'",
                (punkt.id,),
            ).fetchone():
                raise Avvist(
                    f"Det finnes en påbegynt samtale for SP{punkt.sp}. Fortsett den med "
                    f"«pakkehjem samtale {pasient_id} --sp {punkt.sp}», eller begynn den på nytt der."
                )
            samtale_id = db.execute(
                "INSERT INTO samtale (pasient_id, samhandlingspunkt_id, guide_ref, dato, startet,"
                " bruker) VALUES (?,?,?,?,?,?)",
                (pasient_id, punkt.id, guide_ref, dato.isoformat(), _na(), bruker()),
            ).lastrowid
            assert samtale_id is not None
            for sporsmal_id, verdi, tiltak, samtykke in svar:
                self._skriv_svar(
                    db, samtale_id, pasient_id, sporsmal_id, verdi, False, tiltak, samtykke, None
                )
            self.logg(pasient_id, "samtale-svarfil")
            if not fullfor:
                return {"pasient_id": pasient_id, "samtale_id": samtale_id, "sp": punkt.sp}
            return self._fullfor(samtale_id, neste_avtale)

    def forkast_samtale(self, ref: str, sp: int | None) -> dict[str, Any]:
        """Remove a conversation begun by mistake, only while it holds no answer (skipped
        questions and drafts go with it); logged in the access log and the timeline."""
        with self.transaksjon() as db:
            pasient_id = self.finn_pasient_id(ref)
            rad = db.execute(
                "SELECT s.id, p.sp, f.nr, s.las_eier, s.las_tid FROM samtale s"
                " JOIN samhandlingspunkt p ON p.id = s.samhandlingspunkt_id"
                " JOIN forlop f ON f.id = p.forlop_id WHERE s.pasient_id = ? AND s.status = 'pagar'"
                " AND f.status = 'aktiv' AND (? IS NULL OR p.sp = ?) ORDER BY f.nr DESC, p.sp LIMIT 1",
                (pasient_id, sp, sp),
            ).fetchone()
            self.logg(pasient_id, "samtale-forkast")
            if rad is None:
                hvor = f" for SP{sp}" if sp else ""
                raise Avvist(f"Det finnes ingen påbegynt samtale{hvor} å forkaste.")
            samtale_id, punkt_sp, forlop_nr, las_eier, las_tid = rad
            if las_eier and las_er_i_bruk(las_eier, las_tid):
                raise Avvist(f"Samtalen for SP{punkt_sp} er åpen nå. Lukk den før den forkastes.")
            antall = db.execute(
                "SELECT count(*) FROM svar WHERE samtale_id = ? AND hoppet_over = 0", (samtale_id,)
            ).fetchone()[0]
            if antall:
                raise Avvist(
                    f"Samtalen for SP{punkt_sp} har {antall} svar og kan ikke forkastes. Fortsett den "
                    f"med «pakkehjem samtale {pasient_id} --sp {punkt_sp}», eller begynn på nytt der."
                )
            for tabell in ("utkast", "svar"):
                db.execute(f"DELETE FROM {tabell} WHERE samtale_id = ?", (samtale_id,))
            db.execute("DELETE FROM samtale WHERE id = ?", (samtale_id,))
            self._hendelse(
                pasient_id,
                forlop_nr,
                punkt_sp,
                "samtale_forkastet",
                f"Tom samtale for SP{punkt_sp} forkastet.",
            )
            return {"pasient_id": pasient_id, "sp": punkt_sp}

    # --- consent and letters -------------------------------------------------------------

    def _gjeldende_samtykke(self, pasient_id: int) -> dict[str, dict[str, Any]]:
        from .samtykke import gjeldende

        kolonner = ("id", "mottaker", "svar", "dato", "kilde", "samtale", "registrert", "omfang", "navn")
        return gjeldende(
            {**dict(zip(kolonner, rad, strict=True)), "omfang": json.loads(rad[7]) if rad[7] else None}
            for rad in self.db.execute(
                "SELECT id, mottaker, svar, dato, kilde, samtale_id, registrert, omfang, navn FROM samtykke"
                " WHERE pasient_id = ?",
                (pasient_id,),
            )
        )

    def registrer_samtykke(
        self,
        ref: str,
        mottaker: str,
        svar: bool,
        dato: date,
        *,
        omfang: list[str] | None = None,
        navn: str | None = None,
    ) -> dict[str, Any]:
        """Record consent (True) or objection (False) for a recipient kind, source "kommando".

        `omfang`: the theme ids (and "diagnose") a consent to nav or annen covers; None, the
        recipient's own themes. `navn`: the recipient an annen consent names. A new row every
        time: the history is kept, the latest row is the one in force.
        """
        with self.transaksjon() as db:
            pasient_id = self.finn_pasient_id(ref)
            db.execute(
                "INSERT INTO samtykke (pasient_id, mottaker, svar, dato, kilde, samtale_id,"
                " registrert, bruker, omfang, navn) VALUES (?,?,?,?,?,?,?,?,?,?)",
                (
                    pasient_id,
                    mottaker,
                    "ja" if svar else "nei",
                    dato.isoformat(),
                    "kommando",
                    None,
                    _na(),
                    bruker(),
                    json.dumps(omfang) if omfang is not None else None,
                    navn,
                ),
            )
            tillegg = f", tema: {', '.join(omfang)}" if omfang else ""
            self._hendelse(
                pasient_id,
                None,
                None,
                "samtykke",
                f"Samtykke for {mottaker}{' (' + navn + ')' if navn else ''}: "
                f"{'ja' if svar else 'nei'} ({norsk_dato(dato)}{tillegg}).",
            )
            self.logg(pasient_id, "samtykke")
            gjeldende = self._gjeldende_samtykke(pasient_id)
        return {
            "pasient_id": pasient_id,
            "mottaker": mottaker,
            "svar": "ja" if svar else "nei",
            "dato": dato.isoformat(),
            "kilde": "kommando",
            "omfang": omfang,
            "navn": navn,
            "gjeldende": gjeldende[mottaker]["svar"],
        }

    def _korrigert(self, samtale_id: int) -> dict[str, Any] | None:
        """For a revision: when it was amended, and when the last letter from an earlier
        version was written (None if none was)."""
        if self._erstatter(samtale_id) is None:
            return None
        endret = self.db.execute("SELECT fullfort FROM samtale WHERE id = ?", (samtale_id,)).fetchone()[0]
        tidligere, neste = [], self._erstatter(samtale_id)
        while neste is not None:
            tidligere.append(neste)
            neste = self._erstatter(neste)
        skrevet = self.db.execute(
            f"SELECT max(skrevet) FROM brev WHERE samtale_id IN ({','.join('?' * len(tidligere))})",
            tidligere,
        ).fetchone()[0]
        return {"endret": endret, "forrige_brev": skrevet}

    def brevgrunnlag(
        self,
        ref: str,
        sp: int | None,
        idag: date,
        kontroll: Callable[[int, dict[str, dict[str, Any]]], None] | None = None,
    ) -> dict[str, Any]:
        """What a handover letter is made of, read in one logged transaction.

        `kontroll(pasient_id, current consent)` runs first and may refuse (ManglerSamtykke):
        then nothing else of the patient is read. The conversation is the latest finished one,
        or the latest finished one of contact point `sp`.
        """
        with self.transaksjon() as db:
            pasient_id = self.finn_pasient_id(ref)
            gjeldende = self._gjeldende_samtykke(pasient_id)
            if kontroll is not None:
                kontroll(pasient_id, gjeldende)
            # A conversation amended since (a finished revision replaces it) is history.
            vilkar, verdier = (
                "s.pasient_id = ? AND s.status = 'fullfort' AND NOT EXISTS (SELECT 1 FROM"
                " samtale_revisjon r JOIN samtale n ON n.id = r.samtale_id WHERE r.erstatter = s.id"
                " AND n.status = 'fullfort')",
                [pasient_id],
            )
            if sp is not None:
                vilkar += " AND p.sp = ?"
                verdier.append(sp)
            else:
                # This service's own conversations: a register that works both sees all three.
                egne = forlop.TJENESTE_SP.get(self.innstillinger()["tjeneste"] or "", forlop.SP_NUMRE)
                vilkar += f" AND p.sp IN ({','.join(str(n) for n in egne)})"
            rad = db.execute(
                "SELECT s.id FROM samtale s JOIN samhandlingspunkt p ON p.id = s.samhandlingspunkt_id"
                f" JOIN forlop f ON f.id = p.forlop_id WHERE {vilkar}"
                " ORDER BY f.nr DESC, s.dato DESC, s.id DESC LIMIT 1",
                verdier,
            ).fetchone()
            if rad is None:
                hvilken = f"for samhandlingspunkt {sp} " if sp is not None else ""
                raise Avvist(
                    f"Pasient nr. {pasient_id} har ingen fullført samtale {hvilken}å lage brev fra. "
                    f"Hold samtalen først med «pakkehjem samtale {pasient_id}»"
                    + (f" --sp {sp}" if sp is not None else "")
                    + ", eller fullfør den som er påbegynt."
                )
            samtale = self._samtale_data(rad[0])
            samtale["korrigert"] = self._korrigert(rad[0])
            pasient = self._pasient_data(pasient_id, idag)
            tiltak = [
                dict(zip(("id", "sporsmal_id", "hva", "ansvarlig", "frist", "status"), t, strict=True))
                for t in db.execute(
                    "SELECT id, sporsmal_id, hva, ansvarlig, frist, status FROM tiltak"
                    " WHERE samtale_id = ? ORDER BY frist IS NULL, frist, id",
                    (samtale["id"],),
                )
            ]
            self.logg(pasient_id, "brev")
        return {"pasient": pasient, "samtale": samtale, "tiltak": tiltak, "samtykke": gjeldende}

    def meldingsgrunnlag(
        self,
        ref: str,
        idag: date,
        kontroll: Callable[[int, dict[str, dict[str, Any]]], None] | None = None,
    ) -> dict[str, Any]:
        """What a message without a conversation (`brev --melding`) is made of, read in one
        logged transaction: the patient with every episode and contact point, the open actions
        and the consent. `kontroll` runs first, as for `brevgrunnlag`."""
        with self.transaksjon() as db:
            pasient_id = self.finn_pasient_id(ref)
            gjeldende = self._gjeldende_samtykke(pasient_id)
            if kontroll is not None:
                kontroll(pasient_id, gjeldende)
            pasient = self._pasient_data(pasient_id, idag)
            tiltak = [
                dict(zip(("id", "hva", "ansvarlig", "frist"), t, strict=True))
                for t in db.execute(
                    "SELECT id, hva, ansvarlig, frist FROM tiltak WHERE pasient_id = ? AND status = 'apen'"
                    " ORDER BY frist IS NULL, frist, id",
                    (pasient_id,),
                )
            ]
            punkt_ider = {
                (nr, sp): pid
                for pid, nr, sp in db.execute(
                    "SELECT s.id, f.nr, s.sp FROM samhandlingspunkt s JOIN forlop f ON f.id = s.forlop_id"
                    " WHERE f.pasient_id = ?",
                    (pasient_id,),
                )
            }
            self.logg(pasient_id, "brev")
        return {"pasient": pasient, "tiltak": tiltak, "samtykke": gjeldende, "punkt_ider": punkt_ider}

    def innkallingsgrunnlag(self, ref: str, sp: int | None) -> dict[str, Any]:
        """What an invitation letter is made of: the patient's name and the booked contact
        point (`sp`, or the first open one of the active episode), read in one logged
        transaction. Avvist, with nothing logged, when the point is not booked."""
        with self.transaksjon() as db:
            pasient_id = self.finn_pasient_id(ref)
            self.sjekk_ikke_dod(pasient_id)
            punkt = self._punkt(pasient_id, sp)
            if punkt.status != forlop.AVTALT:
                med_sp = f" --sp {sp}" if sp is not None else ""
                raise Avvist(
                    f"Samhandlingspunkt {punkt.sp} for pasient nr. {pasient_id} er ikke avtalt, så det er "
                    "ingen tid å kalle inn til. Avtal samtalen først med "
                    f"«pakkehjem avtal {pasient_id} DATO --kl TT:MM --sted ...{med_sp}»."
                )
            navn = db.execute("SELECT navn FROM pasient WHERE id = ?", (pasient_id,)).fetchone()[0]
            ansvarlig, dato, klokkeslett, sted = db.execute(
                "SELECT ansvarlig, dato, klokkeslett, sted FROM samhandlingspunkt WHERE id = ?", (punkt.id,)
            ).fetchone()
            self.logg(pasient_id, "innkalling")
        return {
            "pasient": {"id": pasient_id, "navn": navn},
            "punkt": {
                "id": punkt.id, "forlop": punkt.forlop_nr, "sp": punkt.sp, "ansvarlig": ansvarlig,
                "dato": dato, "klokkeslett": klokkeslett, "sted": sted,
            },
        }  # fmt: skip

    def registrer_brev(
        self,
        *,
        pasient_id: int,
        samtale_id: int | None,
        mottaker: str,
        mottaker_navn: str | None,
        format_: str,
        sprak: str,
        sha256: str,
        fil: str | None,
        art: str = "oppsummering",
        samhandlingspunkt_id: int | None = None,
    ) -> int:
        """Record a letter that was written (a summary, or an invitation to a booked contact
        point); returns its number."""
        with self.transaksjon() as db:
            brev_id = db.execute(
                "INSERT INTO brev (pasient_id, samtale_id, mottaker, mottaker_navn, format, sprak,"
                " sha256, fil, skrevet, bruker, art, samhandlingspunkt_id) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    pasient_id,
                    samtale_id,
                    mottaker,
                    mottaker_navn,
                    format_,
                    sprak,
                    sha256,
                    fil,
                    _na(),
                    bruker(),
                    art,
                    samhandlingspunkt_id,
                ),
            ).lastrowid
            self.logg(pasient_id, f"brev-{mottaker}" if art == "oppsummering" else f"{art}-{mottaker}")
        assert brev_id is not None
        return brev_id

    def _brev_json(self, pasient_id: int) -> list[dict[str, Any]]:
        kolonner = (
            "id",
            "skrevet",
            "mottaker",
            "mottaker_navn",
            "samtale",
            "format",
            "sprak",
            "sha256",
            "fil",
            "bruker",
            "art",
        )
        return [
            dict(zip(kolonner, rad, strict=True))
            for rad in self.db.execute(
                "SELECT id, skrevet, mottaker, mottaker_navn, samtale_id, format, sprak, sha256, fil,"
                " bruker, art FROM brev WHERE pasient_id = ? ORDER BY id",
                (pasient_id,),
            )
        ]

    # --- actions (tiltak) ---------------------------------------------------------------

    def apne_tiltak(
        self,
        idag: date,
        *,
        ansvarlig: str | None = None,
        koordinator: str | None = None,
        kun_forfalte: bool = False,
    ) -> list[dict[str, Any]]:
        """Open actions across patients, by deadline (none last)."""
        vilkar, verdier = ["t.status = 'apen'"], []
        if ansvarlig:
            vilkar.append("t.ansvarlig = ? COLLATE NORSK")
            verdier.append(ansvarlig)
        if koordinator:
            vilkar.append("p.koordinator = ? COLLATE NORSK")
            verdier.append(koordinator)
        if kun_forfalte:
            vilkar.append("t.frist < ?")
            verdier.append(idag.isoformat())
        with self.transaksjon() as db:
            rader = db.execute(
                "SELECT t.id, p.id, p.navn, p.fnr, p.koordinator, t.hva, t.ansvarlig, t.frist,"
                " t.samtale_id FROM tiltak t JOIN pasient p ON p.id = t.pasient_id"
                f" WHERE {' AND '.join(vilkar)} ORDER BY t.frist IS NULL, t.frist, p.navn, t.id",
                verdier,
            ).fetchall()
            self.logg(sorted({r[1] for r in rader}), "tiltak")
        return [
            {
                "id": tid,
                "pasient_id": pid,
                "navn": navn,
                "fnr": fnr_regler.masker(fnr),
                "koordinator": koord,
                "hva": hva,
                "ansvarlig": ansv,
                "frist": frist,
                "samtale": samtale,
                "forfalt": bool(frist and frist < idag.isoformat()),
            }
            for tid, pid, navn, fnr, koord, hva, ansv, frist, samtale in rader
        ]

    def tiltak_utfort(self, tiltak_id: int, dato: date) -> int:
        """Mark an action done; returns the patient's id."""
        with self.transaksjon() as db:
            rad = None
            if -(2**63) <= tiltak_id < 2**63:  # beyond does not fit an SQLite integer (OverflowError)
                rad = db.execute(
                    "SELECT pasient_id, status FROM tiltak WHERE id = ?", (tiltak_id,)
                ).fetchone()
            if rad is None:
                raise IkkeFunnet(f"Ingen tiltak med nummer {tiltak_id}. Se «pakkehjem tiltak».")
            pasient_id, status = rad
            if status == "utfort":
                raise Avvist(f"Tiltak {tiltak_id} er allerede utført.")
            db.execute(
                "UPDATE tiltak SET status = 'utfort', utfort_dato = ? WHERE id = ?",
                (dato.isoformat(), tiltak_id),
            )
            self._hendelse(
                pasient_id, None, None, "tiltak_utfort", f"Tiltak {tiltak_id} utført {norsk_dato(dato)}."
            )
            self.logg(pasient_id, "tiltak-utfort")
        return pasient_id

    # --- bulk insert for demo data -----------------------------------------------------

    def er_tomt(self) -> bool:
        """True when no patient is registered yet (a register just made)."""
        return self.db.execute("SELECT 1 FROM pasient LIMIT 1").fetchone() is None

    def finnes_ekte_pasienter(self) -> bool:
        """True when any registered number is not a synthetic test number."""
        for (nummer,) in self.db.execute("SELECT fnr FROM pasient"):
            if not fnr_regler.er_syntetisk(nummer):
                return True
        return False

    def registrerte_fnr(self) -> set[str]:
        """Every fødselsnummer in the register (to keep demo numbers unique)."""
        return {r[0] for r in self.db.execute("SELECT fnr FROM pasient")}

    def neste_id(self, tabell: str) -> int:
        """The next free row id of a table (for bulk inserts that set ids themselves)."""
        assert tabell in ("pasient", "forlop", "samhandlingspunkt")
        return (self.db.execute(f"SELECT max(id) FROM {tabell}").fetchone()[0] or 0) + 1

    def legg_inn_mange(
        self,
        pasienter: Sequence[tuple],
        forlop_rader: Sequence[tuple],
        punkter: Sequence[tuple],
        hendelser: Sequence[tuple],
        handling: str,
    ) -> None:
        """Insert ready-made rows (ids set by the caller) in the running transaction."""
        db = self.db
        db.executemany(
            "INSERT INTO pasient (id, fnr, navn, fodselsdato, kommune, fastlege, koordinator,"
            " telefon, status, opprettet) VALUES (?,?,?,?,?,?,?,?,?,?)",
            pasienter,
        )
        db.executemany(
            "INSERT INTO forlop (id, pasient_id, nr, diagnosedato, diagnose, status,"
            " avsluttet_dato, avsluttet_grunn) VALUES (?,?,?,?,?,?,?,?)",
            forlop_rader,
        )
        # Rows of 12 columns (nye_punkter) or 14 (with holdt_av and sammendrag, demo data).
        db.executemany(
            "INSERT INTO samhandlingspunkt (forlop_id, sp, ansvarlig, vindu_fra, vindu_til,"
            " status, dato, klokkeslett, sted, grunn, forfall_fra, forfall_til, holdt_av, sammendrag)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            [r if len(r) == 14 else (*r, None, None) for r in punkter],
        )
        tid, hvem = _na(), bruker()
        db.executemany(
            "INSERT INTO hendelse (tid, bruker, pasient_id, forlop_nr, sp, type, tekst)"
            " VALUES (?,?,?,?,?,?,?)",
            [(tid, hvem, *h) for h in hendelser],
        )
        self.logg((p[0] for p in pasienter), handling)

    def legg_inn_samtaler(self, samtaler: Sequence[tuple], guide: tuple[str, str, str]) -> None:
        """Finished conversations of demo data, in the running transaction: (pasient_id,
        forlop_id, sp, dato, answers, actions [(hva, ansvarlig, frist)], GP consent) each, held
        with `guide` (id, versjon, kilde) on the contact point's date."""
        db = self.db
        guide_ref = self._guide_ref(guide)
        tid, hvem = _na(), bruker()
        neste = (db.execute("SELECT max(id) FROM samtale").fetchone()[0] or 0) + 1
        punkt_id = {
            (fid, sp): sid
            for sid, fid, sp in db.execute(
                "SELECT id, forlop_id, sp FROM samhandlingspunkt WHERE forlop_id BETWEEN ? AND ?",
                (min(s[1] for s in samtaler), max(s[1] for s in samtaler)),
            )
        }
        samtale_rader, svar_rader, tiltak_rader, samtykke_rader = [], [], [], []
        # The actions are read from the answers (as a conversation stores them); the tuple's own
        # list of them is for readers of the demo data.
        for nr, (pid, fid, sp, dato, svar, _tiltak, fastlege) in enumerate(samtaler, neste):
            samtale_rader.append(
                (nr, pid, punkt_id[(fid, sp)], guide_ref, dato.isoformat(), "fullfort", tid, tid, hvem)
            )
            svar_rader += [
                (nr, sid, json.dumps(verdi, ensure_ascii=False), i, tid)
                for i, (sid, verdi) in enumerate(svar.items(), 1)
            ]
            tiltak_rader += [
                (pid, nr, sid, t["hva"], t["ansvarlig"], t["frist"], tid)
                for sid, verdi in svar.items()
                if sid.endswith("_tiltak")
                for t in verdi
            ]
            samtykke_rader.append(
                (pid, "fastlege", "ja" if fastlege else "nei", dato.isoformat(), "samtale", nr, tid, hvem)
            )
        db.executemany(
            "INSERT INTO samtale (id, pasient_id, samhandlingspunkt_id, guide_ref, dato, status, startet,"
            " fullfort, bruker) VALUES (?,?,?,?,?,?,?,?,?)",
            samtale_rader,
        )
        db.executemany(
            "INSERT INTO svar (samtale_id, sporsmal_id, verdi, hoppet_over, rekkefolge, tid)"
            " VALUES (?,?,?,0,?,?)",
            svar_rader,
        )
        db.executemany(
            "INSERT INTO tiltak (pasient_id, samtale_id, sporsmal_id, hva, ansvarlig, frist, opprettet)"
            " VALUES (?,?,?,?,?,?,?)",
            tiltak_rader,
        )
        db.executemany(
            "INSERT INTO samtykke (pasient_id, mottaker, svar, dato, kilde, samtale_id, registrert, bruker)"
            " VALUES (?,?,?,?,?,?,?,?)",
            samtykke_rader,
        )

    def tillat_syntetiske(self) -> None:
        """Mark the register as a demo register that takes synthetic numbers."""
        self._lagre_innstilling(self.db, "tillat_syntetiske", True)


def ventetid_fra_miljo() -> float:
    """How long to wait for a busy register: PAKKEHJEM_VENTETID seconds, or the default."""
    tekst = os.environ.get("PAKKEHJEM_VENTETID")
    if tekst is None or not tekst.strip():
        return VENTETID_STANDARD
    try:
        verdi = float(tekst)
    except ValueError:
        verdi = -1.0
    if not 0 <= verdi <= 3600:  # nan and inf fail this too
        raise UgyldigInndata(
            "Miljøvariabelen PAKKEHJEM_VENTETID skal være et antall sekunder, for eksempel 5. "
            "Rett den, eller fjern den med «unset PAKKEHJEM_VENTETID»."
        )
    return verdi


def _fjern_tom(sti: Path) -> None:
    """Remove a register file this run created and never wrote to."""
    with contextlib.suppress(OSError):
        if sti.stat().st_size == 0:
            sti.unlink()


def _nokkel_for(sti: Path, kryptert: bool) -> str | None:
    """The key `sti` opens with, or None for a plain register (see `Register.apne`)."""
    if motor.er_kryptert(sti):
        nokkel = motor.hent_nokkel(ny=False)
        if nokkel is None:
            # Exit 1, not 2: without a key an encrypted file cannot be told from a damaged one.
            raise SkadetDatabase(motor.MANGLER_NOKKEL)
        return nokkel
    if sti.stat().st_size:
        if kryptert:
            raise Avvist(f"Registeret {sti} er ikke kryptert. Krypter det med «pakkehjem krypter».")
        return None
    if not kryptert and motor.nokkel_i_miljo() is None:
        return None
    nokkel = motor.hent_nokkel(ny=True, sporsmal="Velg en nøkkel for det nye registeret")
    if nokkel is None:
        raise UgyldigInndata(
            "Et nytt kryptert register trenger en nøkkel: sett miljøvariabelen "
            f"{motor.MILJOVARIABEL}, eller kjør kommandoen i en terminal og skriv den inn."
        )
    return nokkel


def _sla_pa_wal(tilkobling: sqlite3.Connection, ventetid: float) -> None:
    """WAL journal on. Switching the mode of a new file does not wait on the busy timeout
    (two processes opening a new register at once got "locked" at once), so wait here."""
    frist = time.monotonic() + ventetid
    while True:
        try:
            if tilkobling.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                tilkobling.execute("PRAGMA journal_mode = WAL")
            return
        except motor.OperationalError as feil:
            if "locked" not in str(feil) or time.monotonic() >= frist:
                raise
        time.sleep(0.01)


@functools.lru_cache(maxsize=8192)
def _tilstand_sql(status: str, vindu_fra: str, vindu_til: str, dato: str | None, idag: str) -> str | None:
    """forlop.tilstand for SQL, where dates are ISO text.

    Cached: patients diagnosed on the same day share windows, so a long list repeats a few
    thousand argument sets.
    """
    return forlop.tilstand(status, fra_iso(vindu_fra), fra_iso(vindu_til), fra_iso(dato), fra_iso(idag))


def navn_nokkel(tekst: str) -> str:
    """A name folded for search: lower case, accents off (é, ü, ñ), but æ, ø and å kept as the
    letters of their own they are in Norwegian (Åse is not Ase)."""
    import unicodedata

    ut = []
    for tegn in tekst.casefold():
        if tegn in "æøå":
            ut.append(tegn)
            continue
        ut.extend(t for t in unicodedata.normalize("NFD", tegn) if not unicodedata.combining(t))
    return "".join(ut).replace("-", " ")


@functools.lru_cache(maxsize=4096)
def _navneord(navn: str) -> tuple[str, ...]:
    return tuple(navn_nokkel(navn).split())


def navnetreff(navn: str, sok: str) -> bool:
    """True when every word of `sok` begins a word of `navn` (navn_nokkel on both)."""
    ord_ = _navneord(navn)
    return all(any(o.startswith(s) for o in ord_) for s in navn_nokkel(sok).split())


def _norsk_sammenligning(a: str, b: str) -> int:
    a, b = a.casefold(), b.casefold()
    return (a > b) - (a < b)


def _setninger(skript: str) -> list[str]:
    """Split a migration into statements (triggers hold semicolons inside BEGIN ... END)."""
    setninger, buffer = [], ""
    for linje in skript.splitlines(keepends=True):
        buffer += linje
        if sqlite3.complete_statement(buffer):
            if buffer.strip():
                setninger.append(buffer.strip())
            buffer = ""
    if buffer.strip():
        setninger.append(buffer.strip())
    return setninger


def nye_punkter(forlop_id: int, diagnosedato: date, sp1_uker: int) -> list[tuple]:
    """The three contact points of a new episode as rows (the column order of
    `legg_inn_mange`): windows from `forlop.vinduer`, planlagt, due range the window.
    The one place new contact points are made, for `ny-pasient`, a relapse and `importer`."""
    rader = []
    for sp, vindu in forlop.vinduer(diagnosedato, sp1_uker).items():
        periode = forlop.forfallsperiode(forlop.PLANLAGT, vindu.fra, vindu.til, None)
        assert periode is not None
        rader.append(
            (
                forlop_id,
                sp,
                forlop.ANSVARLIG[sp],
                vindu.fra.isoformat(),
                vindu.til.isoformat(),
                forlop.PLANLAGT,
                None,
                None,
                None,
                None,
                periode.fra.isoformat(),
                periode.til.isoformat(),
            )
        )
    return rader


def _tom_som_null(tekst: str | None) -> str | None:
    if tekst is None:
        return None
    tekst = tekst.strip()
    return tekst or None


def _regel(brudd: str | None) -> None:
    """A date rule broken (datoregler): bad input, exit 2, with the rule in Norwegian."""
    if brudd:
        raise UgyldigInndata(brudd)


def sjekk_diagnosedato(diagnosedato: date, fodselsdato: date, idag: date) -> None:
    """A diagnosis date must lie between the birth date and today (UgyldigInndata otherwise)."""
    _sjekk_diagnosedato(diagnosedato, fodselsdato, idag)


def _sjekk_diagnosedato(diagnosedato: date, fodselsdato: date, idag: date) -> None:
    _regel(datoregler.diagnosedato(diagnosedato, fodselsdato, idag))


def lukket_tekst(status: str) -> str:
    """A closed status in words: gjennomført, bortfalt, holdt av en annen tjeneste."""
    return {
        forlop.GJENNOMFORT: "gjennomført",
        forlop.BORTFALT: "bortfalt",
        forlop.HOLDT_ANNET_STED: "holdt av en annen tjeneste",
    }.get(status, status)


def _punkt_json(s: sqlite3.Row, idag: date) -> dict[str, Any]:
    return {
        "sp": s["sp"],
        "ansvarlig": s["ansvarlig"],
        "vindu_fra": s["vindu_fra"],
        "vindu_til": s["vindu_til"],
        "status": s["status"],
        "dato": s["dato"],
        "klokkeslett": s["klokkeslett"],
        "sted": s["sted"],
        "grunn": s["grunn"],
        "holdt_av": s["holdt_av"],
        "sammendrag": s["sammendrag"],
        "tilstand": forlop.tilstand(
            s["status"],
            fra_iso(s["vindu_fra"]),
            fra_iso(s["vindu_til"]),
            fra_iso(s["dato"]),
            idag,
        ),
    }


def _hendelsestekst(
    sp: int,
    status: str,
    dato: date | None,
    klokkeslett: str | None,
    sted: str | None,
    grunn: str | None,
) -> str:
    if status == forlop.AVTALT:
        tekst = f"SP{sp} avtalt {norsk_dato(dato)}"
        if klokkeslett:
            tekst += f" kl. {klokkeslett}"
        if sted:
            tekst += f", {sted}"
        return tekst + "."
    if status == forlop.UTSATT:
        return f"SP{sp} utsatt til {norsk_dato(dato)}. Grunn: {grunn}."
    if status == forlop.AVSLATT:
        tekst = f"SP{sp}: pasienten takket nei. Spør igjen {norsk_dato(dato)}."
        return tekst + (f" Grunn: {grunn}." if grunn else "")
    if status == forlop.BORTFALT:
        return f"SP{sp} bortfalt. Grunn: {grunn}."
    return f"SP{sp}: {status}."
