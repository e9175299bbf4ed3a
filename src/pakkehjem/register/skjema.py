"""The schema: the numbered migrations and the runner that applies them when a register opens.

`MIGRASJONER` is append-only: a register made by any earlier version holds `user_version` =
the number of migrations it has, and gets the rest, in order, in one transaction. A migration
never drops patient data (tests/test_skjemaoppgradering.py opens registers of older commits).

A migration is its SQL statements in order, or a function of a `sqlite_utils.Database` on the
same connection (for a column change: `db[tabell].transform_sql(...)`, whose statements run in
the migration's transaction; `transform()` itself would commit half-way). sqlite-utils is
imported only when a register lacks a migration: a command on an up-to-date register never
loads it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..feil import Avvist, SkadetDatabase

if TYPE_CHECKING:
    from sqlite_utils import Database

Migrering = tuple[str, ...] | Callable[["Database"], None]

# Numbered migrations, applied in order on open; user_version holds how many are applied.
# A migration never drops patient data.
MIGRASJONER: tuple[Migrering, ...] = (
    (
        """CREATE TABLE innstilling (
        navn TEXT PRIMARY KEY,
        verdi TEXT NOT NULL
    );""",
        """CREATE TABLE pasient (
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
    );""",
        """CREATE TABLE forlop (
        id INTEGER PRIMARY KEY,
        pasient_id INTEGER NOT NULL REFERENCES pasient(id),
        nr INTEGER NOT NULL,
        diagnosedato TEXT NOT NULL,
        diagnose TEXT,
        status TEXT NOT NULL DEFAULT 'aktiv' CHECK (status IN ('aktiv', 'avsluttet')),
        avsluttet_dato TEXT,
        avsluttet_grunn TEXT,
        UNIQUE (pasient_id, nr)
    );""",
        """CREATE TABLE samhandlingspunkt (
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
    );""",
        """CREATE INDEX samhandlingspunkt_forfall
        ON samhandlingspunkt (forfall_til, forfall_fra) WHERE forfall_til IS NOT NULL;""",
        """CREATE TABLE hendelse (
        id INTEGER PRIMARY KEY,
        tid TEXT NOT NULL,
        bruker TEXT NOT NULL,
        pasient_id INTEGER NOT NULL REFERENCES pasient(id),
        forlop_nr INTEGER,
        sp INTEGER,
        type TEXT NOT NULL,
        tekst TEXT NOT NULL
    );""",
        "CREATE INDEX hendelse_pasient ON hendelse (pasient_id);",
        """CREATE TABLE tilgangslogg (
        id INTEGER PRIMARY KEY,
        tid TEXT NOT NULL,
        bruker TEXT NOT NULL,
        pasient_id INTEGER NOT NULL,
        handling TEXT NOT NULL
    );""",
        "CREATE INDEX tilgangslogg_pasient ON tilgangslogg (pasient_id);",
        """CREATE TRIGGER tilgangslogg_uendret BEFORE UPDATE ON tilgangslogg
        BEGIN SELECT RAISE(ABORT, 'tilgangsloggen kan bare utvides'); END;""",
        """CREATE TRIGGER tilgangslogg_ikke_slett BEFORE DELETE ON tilgangslogg
        BEGIN SELECT RAISE(ABORT, 'tilgangsloggen kan bare utvides'); END;""",
    ),
    # 2: the conversation. The guide text is stored with every conversation, so an old
    # conversation keeps the question texts that were actually asked.
    (
        """CREATE TABLE guide (
        id INTEGER PRIMARY KEY,
        guide_id TEXT NOT NULL,
        versjon TEXT NOT NULL,
        sjekksum TEXT NOT NULL UNIQUE,
        kilde TEXT NOT NULL
    );""",
        """CREATE TABLE samtale (
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
    );""",
        "CREATE INDEX samtale_pasient ON samtale (pasient_id);",
        "CREATE UNIQUE INDEX samtale_en_pagar ON samtale (samhandlingspunkt_id) WHERE status = 'pagar';",
        """CREATE TABLE svar (
        samtale_id INTEGER NOT NULL REFERENCES samtale(id),
        sporsmal_id TEXT NOT NULL,
        verdi TEXT,
        hoppet_over INTEGER NOT NULL DEFAULT 0,
        rekkefolge INTEGER NOT NULL,
        tid TEXT NOT NULL,
        PRIMARY KEY (samtale_id, sporsmal_id)
    );""",
        """CREATE TABLE tiltak (
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
    );""",
        "CREATE INDEX tiltak_pasient ON tiltak (pasient_id);",
        "CREATE INDEX tiltak_apne ON tiltak (frist) WHERE status = 'apen';",
        """CREATE TABLE samtykke (
        id INTEGER PRIMARY KEY,
        pasient_id INTEGER NOT NULL REFERENCES pasient(id),
        mottaker TEXT NOT NULL CHECK (mottaker IN ('fastlege', 'kommune', 'sykehus', 'nav', 'annen')),
        svar TEXT NOT NULL CHECK (svar IN ('ja', 'nei')),
        dato TEXT NOT NULL,
        kilde TEXT NOT NULL,
        samtale_id INTEGER REFERENCES samtale(id),
        registrert TEXT NOT NULL,
        bruker TEXT NOT NULL
    );""",
        "CREATE INDEX samtykke_pasient ON samtykke (pasient_id);",
    ),
    # 3: every handover letter written (`brev`): to whom, from which conversation, in which
    # format, and the sha256 of the exact bytes, so a letter can be matched to the record later.
    # Append-only, like the access log: the record of what was disclosed must not change.
    (
        """CREATE TABLE brev (
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
    );""",
        "CREATE INDEX brev_pasient ON brev (pasient_id);",
        """CREATE TRIGGER brev_uendret BEFORE UPDATE ON brev
        BEGIN SELECT RAISE(ABORT, 'brevloggen kan bare utvides'); END;""",
        """CREATE TRIGGER brev_ikke_slett BEFORE DELETE ON brev
        BEGIN SELECT RAISE(ABORT, 'brevloggen kan bare utvides'); END;""",
    ),
    # 4: the invitation letter to the patient (`innkalling`) is recorded in `brev` too. It
    # comes before the conversation, so the table is rebuilt (SQLite cannot drop NOT NULL)
    # with `art` (which letter), the contact point it invites to, and samtale_id only for a
    # summary. Every row is copied over as a summary; the append-only triggers come back.
    (
        """CREATE TABLE brev_ny (
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
    );""",
        """INSERT INTO brev_ny (id, pasient_id, samtale_id, mottaker, mottaker_navn, format, sprak,
        sha256, fil, skrevet, bruker)
        SELECT id, pasient_id, samtale_id, mottaker, mottaker_navn, format, sprak,
            sha256, fil, skrevet, bruker FROM brev;""",
        "DROP TABLE brev;",
        "ALTER TABLE brev_ny RENAME TO brev;",
        "CREATE INDEX brev_pasient ON brev (pasient_id);",
        """CREATE TRIGGER brev_uendret BEFORE UPDATE ON brev
        BEGIN SELECT RAISE(ABORT, 'brevloggen kan bare utvides'); END;""",
        """CREATE TRIGGER brev_ikke_slett BEFORE DELETE ON brev
        BEGIN SELECT RAISE(ABORT, 'brevloggen kan bare utvides'); END;""",
    ),
    # 5: the work-list index also holds what the list shows of a point, so the list reads
    # no samhandlingspunkt rows (bench/: about -20 ms on 100,000 patients).
    (
        "DROP INDEX samhandlingspunkt_forfall;",
        """CREATE INDEX samhandlingspunkt_forfall ON samhandlingspunkt (forfall_til, forfall_fra,
        forlop_id, sp, ansvarlig, vindu_fra, vindu_til, status, dato, klokkeslett, sted)
        WHERE forfall_til IS NOT NULL;""",
    ),
    # 6: no index on the access log's patient. A work list logs one row per patient listed
    # (17,000 on a large register); with the index each list rewrote nearly every leaf page of
    # it, and the commit grew with the log (34 to 163 ms at 3 million rows, bench/). Reading
    # one patient's log (`logg REF`, rare) scans instead: about 0.1 s at 3 million rows.
    ("DROP INDEX IF EXISTS tilgangslogg_pasient;",),
    # 7: a contact point held by another service (`holdt`): its own closed status, who held
    # it and the summary received. SQLite cannot change a CHECK, so the table is rebuilt
    # (foreign keys are off while migrations run, see `_migrer`) and every row copied over.
    (
        """CREATE TABLE samhandlingspunkt_ny (
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
    );""",
        """INSERT INTO samhandlingspunkt_ny (id, forlop_id, sp, ansvarlig, vindu_fra, vindu_til, status,
        dato, klokkeslett, sted, grunn, forfall_fra, forfall_til)
        SELECT id, forlop_id, sp, ansvarlig, vindu_fra, vindu_til, status,
            dato, klokkeslett, sted, grunn, forfall_fra, forfall_til FROM samhandlingspunkt;""",
        "DROP TABLE samhandlingspunkt;",
        "ALTER TABLE samhandlingspunkt_ny RENAME TO samhandlingspunkt;",
        """CREATE INDEX samhandlingspunkt_forfall ON samhandlingspunkt (forfall_til, forfall_fra,
        forlop_id, sp, ansvarlig, vindu_fra, vindu_til, status, dato, klokkeslett, sted)
        WHERE forfall_til IS NOT NULL;""",
    ),
    # 8: what is typed but not yet stored as an answer (`samtale`): kept as a draft of its
    # question, written a moment after typing and on Ctrl-C or a closed terminal, offered on
    # resume, and gone when the answer is stored. One draft per question of a conversation.
    (
        """CREATE TABLE IF NOT EXISTS utkast (
        samtale_id INTEGER NOT NULL REFERENCES samtale(id),
        sporsmal_id TEXT NOT NULL,
        tekst TEXT NOT NULL,
        tid TEXT NOT NULL,
        PRIMARY KEY (samtale_id, sporsmal_id)
    );""",
    ),
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
    (
        "ALTER TABLE samtykke ADD COLUMN omfang TEXT;",
        "ALTER TABLE samtykke ADD COLUMN navn TEXT;",
        "ALTER TABLE forlop ADD COLUMN til_kommune TEXT;",
        """CREATE TABLE brev_ny (
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
    );""",
        """INSERT INTO brev_ny (id, pasient_id, samtale_id, mottaker, mottaker_navn, format, sprak,
        sha256, fil, skrevet, bruker, art, samhandlingspunkt_id)
        SELECT id, pasient_id, samtale_id, mottaker, mottaker_navn, format, sprak,
            sha256, fil, skrevet, bruker, art, samhandlingspunkt_id FROM brev;""",
        "DROP TABLE brev;",
        "ALTER TABLE brev_ny RENAME TO brev;",
        "CREATE INDEX brev_pasient ON brev (pasient_id);",
        """CREATE TRIGGER brev_uendret BEFORE UPDATE ON brev
        BEGIN SELECT RAISE(ABORT, 'brevloggen kan bare utvides'); END;""",
        """CREATE TRIGGER brev_ikke_slett BEFORE DELETE ON brev
        BEGIN SELECT RAISE(ABORT, 'brevloggen kan bare utvides'); END;""",
        """CREATE TABLE mottatt (
        id INTEGER PRIMARY KEY,
        identifikator TEXT NOT NULL UNIQUE,
        pasient_id INTEGER NOT NULL REFERENCES pasient(id),
        forlop_nr INTEGER NOT NULL,
        sp INTEGER NOT NULL,
        avsender TEXT,
        sha256 TEXT NOT NULL,
        mottatt TEXT NOT NULL,
        bruker TEXT NOT NULL
    );""",
        "CREATE INDEX mottatt_pasient ON mottatt (pasient_id);",
        "ALTER TABLE tiltak ADD COLUMN mottatt_id INTEGER REFERENCES mottatt(id);",
    ),
    # 10: a finished conversation amended (`samtale --endre`) is a new revision: a new
    # conversation that starts with a copy of the answers and replaces (`erstatter`) the one
    # before, which stays stored as it was, as history. One revision replaces one conversation.
    (
        """CREATE TABLE IF NOT EXISTS samtale_revisjon (
        samtale_id INTEGER PRIMARY KEY REFERENCES samtale(id),
        erstatter INTEGER NOT NULL UNIQUE REFERENCES samtale(id)
    );""",
    ),
    # 11: the end of a pathway closes what belongs to it. An action can be closed unfinished
    # (`lukket`, with the reason: the patient died, moved, or left the pathway), an unfinished
    # conversation can be ended (`avbrutt`, with the reason), and a booking that was called off
    # is remembered (`avlyst_*`) so the calendar keeps it as cancelled under the same UID.
    # Both tables are rebuilt to change their CHECK; every row and index is kept.
    (
        "ALTER TABLE samhandlingspunkt ADD COLUMN avlyst_dato TEXT;",
        "ALTER TABLE samhandlingspunkt ADD COLUMN avlyst_klokkeslett TEXT;",
        "ALTER TABLE samhandlingspunkt ADD COLUMN avlyst_sted TEXT;",
        """CREATE TABLE tiltak_ny (
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
    );""",
        """INSERT INTO tiltak_ny (id, pasient_id, samtale_id, sporsmal_id, hva, ansvarlig, frist, status,
        utfort_dato, opprettet, mottatt_id)
        SELECT id, pasient_id, samtale_id, sporsmal_id, hva, ansvarlig, frist, status,
            utfort_dato, opprettet, mottatt_id FROM tiltak;""",
        "DROP TABLE tiltak;",
        "ALTER TABLE tiltak_ny RENAME TO tiltak;",
        "CREATE INDEX tiltak_pasient ON tiltak (pasient_id);",
        "CREATE INDEX tiltak_apne ON tiltak (frist) WHERE status = 'apen';",
        """CREATE TABLE samtale_ny (
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
    );""",
        """INSERT INTO samtale_ny (id, pasient_id, samhandlingspunkt_id, guide_ref, dato, status, startet,
        fullfort, bruker, las_eier, las_tid)
        SELECT id, pasient_id, samhandlingspunkt_id, guide_ref, dato, status, startet,
            fullfort, bruker, las_eier, las_tid FROM samtale;""",
        "DROP TABLE samtale;",
        "ALTER TABLE samtale_ny RENAME TO samtale;",
        "CREATE INDEX samtale_pasient ON samtale (pasient_id);",
        "CREATE UNIQUE INDEX samtale_en_pagar ON samtale (samhandlingspunkt_id) WHERE status = 'pagar';",
    ),
    # 12: the work-list index in the list's own order, the start of the due range first. The
    # list is sorted by it, so SQLite sorts only the points that start on the same day (by
    # name) instead of the whole list; and every listed point, overdue or due in the period,
    # starts by the end of the period or today, one range of the index (bench/: 1,000,000
    # patients, 131,000 points listed, the query 1.7 s to 1.0 s).
    (
        "DROP INDEX samhandlingspunkt_forfall;",
        """CREATE INDEX samhandlingspunkt_forfall ON samhandlingspunkt (forfall_fra, forfall_til,
        forlop_id, sp, ansvarlig, vindu_fra, vindu_til, status, dato, klokkeslett, sted)
        WHERE forfall_til IS NOT NULL;""",
    ),
    # 13: each contact point carries its episode's patient, number and status, so the work list
    # reads no episode row (bench/: 1,000,000 patients, 162,000 points listed, the query about
    # 0.28 s shorter). SQLite keeps the copy true, not the code: the four columns are a foreign
    # key to the episode's own four (`forlop_nokkel`), so a point that disagrees with its
    # episode cannot be stored, and ending or reopening an episode updates its points in the
    # same statement (ON UPDATE CASCADE). The table is rebuilt (a table constraint cannot be
    # added to a table) and every row copied over, its episode's values with it; a point whose
    # episode is missing (a damaged file) is copied too, and stops the migration at the
    # foreign-key check, so nothing is lost.
    (
        "CREATE UNIQUE INDEX forlop_nokkel ON forlop (id, pasient_id, nr, status);",
        """CREATE TABLE samhandlingspunkt_ny (
        id INTEGER PRIMARY KEY,
        forlop_id INTEGER NOT NULL,
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
        avlyst_dato TEXT,
        avlyst_klokkeslett TEXT,
        avlyst_sted TEXT,
        pasient_id INTEGER NOT NULL,
        forlop_nr INTEGER NOT NULL,
        forlop_status TEXT NOT NULL,
        UNIQUE (forlop_id, sp),
        FOREIGN KEY (forlop_id, pasient_id, forlop_nr, forlop_status)
            REFERENCES forlop (id, pasient_id, nr, status) ON UPDATE CASCADE
    );""",
        """INSERT INTO samhandlingspunkt_ny (id, forlop_id, sp, ansvarlig, vindu_fra, vindu_til, status,
        dato, klokkeslett, sted, grunn, forfall_fra, forfall_til, holdt_av, sammendrag, avlyst_dato,
        avlyst_klokkeslett, avlyst_sted, pasient_id, forlop_nr, forlop_status)
        SELECT s.id, s.forlop_id, s.sp, s.ansvarlig, s.vindu_fra, s.vindu_til, s.status, s.dato,
            s.klokkeslett, s.sted, s.grunn, s.forfall_fra, s.forfall_til, s.holdt_av, s.sammendrag,
            s.avlyst_dato, s.avlyst_klokkeslett, s.avlyst_sted,
            coalesce(f.pasient_id, 0), coalesce(f.nr, 0), coalesce(f.status, '')
        FROM samhandlingspunkt s LEFT JOIN forlop f ON f.id = s.forlop_id;""",
        "DROP TABLE samhandlingspunkt;",
        "ALTER TABLE samhandlingspunkt_ny RENAME TO samhandlingspunkt;",
        """CREATE INDEX samhandlingspunkt_forfall ON samhandlingspunkt (forfall_fra, forfall_til,
        forlop_status, pasient_id, forlop_nr, sp, ansvarlig, vindu_fra, vindu_til, status, dato,
        klokkeslett, sted) WHERE forfall_til IS NOT NULL;""",
    ),
)


def migrer(db: Any, varsle: Callable[[int, int], None] | None = None) -> None:
    """Apply the migrations this register lacks (none: nothing is written).

    `varsle(fra, til)` is called first when an existing register is upgraded (not a new one):
    a rebuild of a large table takes a while (migration 13: about 50 s on 1,000,000 patients).
    """
    versjon = db.execute("PRAGMA user_version").fetchone()[0]
    if versjon == len(MIGRASJONER):
        return
    if versjon > len(MIGRASJONER):
        raise Avvist("Registeret er laget av en nyere versjon av pakkehjem. Oppgrader pakkehjem.")
    if versjon and varsle is not None:
        varsle(versjon, len(MIGRASJONER))
    # A migration may rebuild a table other tables point to (SQLite's way to change a
    # CHECK); with foreign keys on, dropping the old table would fail or lose rows.
    # The pragma only takes effect outside a transaction; the keys are checked before
    # the commit instead.
    db.execute("PRAGMA foreign_keys = OFF")
    try:
        _migrer_uten_nokler(db)
    finally:
        db.execute("PRAGMA foreign_keys = ON")


def _migrer_uten_nokler(tilkobling: Any) -> None:
    from sqlite_utils import Database

    # The register's own connection: recursive triggers and plugins as the register has them.
    db = Database(tilkobling, recursive_triggers=False, execute_plugins=False)
    db.execute("BEGIN IMMEDIATE")
    try:
        versjon = db.execute("PRAGMA user_version").fetchone()[0]
        if (
            versjon == 0
            and db.execute("SELECT count(*) FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'").fetchone()[0]
        ):
            raise Avvist(
                "Filen er en SQLite-database, men ikke et pakkehjem-register. Oppgi riktig fil med --db."
            )
        for migrering in MIGRASJONER[versjon:]:
            if callable(migrering):
                migrering(db)
            else:
                for setning in migrering:
                    db.execute(setning)
        if db.execute("PRAGMA foreign_key_check").fetchone() is not None:
            raise SkadetDatabase(
                "Registeret har rader som peker på rader som ikke finnes, og kan ikke "
                "oppgraderes. Kjør «pakkehjem sjekk», og kontakt den som drifter registeret."
            )
        db.execute(f"PRAGMA user_version = {len(MIGRASJONER)}")
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise
