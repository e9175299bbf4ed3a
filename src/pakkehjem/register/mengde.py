"""Bulk writes: demo data and imports insert ready-made rows in one running transaction."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator, Sequence
from typing import Any

from .. import fnr as fnr_regler
from ..datoer import tidspunkt_utc
from .gruppe import Gruppe
from .tilkobling import bruker

# The secondary indexes of the tables a bulk write fills, in an order that is not the rows' own
# (the timeline by patient is, but it is 1 row in 5; the work list's due dates are not). Built
# once after the rows are in, an index is written sorted, page by page, instead of one row at a
# time into pages all over the file.
ETTERPA_INDEKSER = ("hendelse_pasient", "samhandlingspunkt_forfall")


class Mengde(Gruppe):
    """Bulk reads and writes of a register (`reg.mengde`)."""

    def __init__(self, reg: Any) -> None:
        super().__init__(reg)
        self._i_masseinnlegging = False

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

    def registrerte_blant(self, numre: Sequence[str], handling: str) -> dict[str, int]:
        """{fødselsnummer: patient number} of those of `numre` already registered, looked up by
        these numbers only and logged as `handling`, in the running transaction."""
        finnes: dict[str, int] = {}
        for i in range(0, len(numre), 500):  # below SQLite's limit of bound parameters
            bit = list(numre[i : i + 500])
            finnes.update(
                self.t.execute(
                    f"SELECT fnr, id FROM pasient WHERE fnr IN ({','.join('?' * len(bit))})", bit
                ).fetchall()
            )
        self.t.logg(sorted(finnes.values()), handling)
        return finnes

    @contextlib.contextmanager
    def masseinnlegging(self) -> Iterator[None]:
        """A bulk write inside the running transaction: the secondary indexes of the bulk tables
        are dropped first and made again, from their own SQL text, when the rows are in; the
        tables' CHECK rules are checked once at the end (Transaksjon.regler_til_slutt). It is
        all the one transaction, so a crash or an error leaves the register as it was, indexes
        and all; the schema ends as it began."""
        indekser = self.t.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND name IN"
            f" ({','.join('?' * len(ETTERPA_INDEKSER))}) ORDER BY rowid",
            ETTERPA_INDEKSER,
        ).fetchall()
        for navn, _sql in indekser:
            self.t.execute(f'DROP INDEX "{navn}"')
        self._i_masseinnlegging = True
        try:
            with self.t.regler_til_slutt():
                yield
                for _navn, sql in indekser:
                    self.t.execute(sql)
        finally:
            self._i_masseinnlegging = False

    def neste_id(self, tabell: str) -> int:
        """The next free row id of a table (for bulk inserts that set ids themselves)."""
        assert tabell in ("pasient", "forlop", "samhandlingspunkt")
        return (self.db.execute(f"SELECT max(id) FROM {tabell}").fetchone()[0] or 0) + 1

    def legg_inn_mange(
        self,
        pasienter: Sequence[tuple[Any, ...]],
        forlop_rader: Sequence[tuple[Any, ...]],
        punkter: Sequence[tuple[Any, ...]],
        hendelser: Sequence[tuple[Any, ...]],
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
        # Rows of 12 columns (nye_punkter: the episode's copy is added here) or 17 (demo data: with
        # holdt_av, sammendrag and the copy). The copy is the episode's patient, number and status
        # (migration 13); the foreign key refuses a point that disagrees with its episode.
        if punkter and len(punkter[0]) == 12:  # one caller's rows, all of one width
            episode = {r[0]: (r[1], r[2], r[5]) for r in forlop_rader}
            punkter = [(*r, None, None, *episode[r[0]]) for r in punkter]
        db.executemany(
            "INSERT INTO samhandlingspunkt (forlop_id, sp, ansvarlig, vindu_fra, vindu_til,"
            " status, dato, klokkeslett, sted, grunn, forfall_fra, forfall_til, holdt_av, sammendrag,"
            " pasient_id, forlop_nr, forlop_status) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            punkter,
        )
        tid, hvem = tidspunkt_utc(), bruker()
        db.executemany(
            "INSERT INTO hendelse (tid, bruker, pasient_id, forlop_nr, sp, type, tekst)"
            " VALUES (?,?,?,?,?,?,?)",
            [(tid, hvem, *h) for h in hendelser],
        )
        # In a bulk write (nothing else logged in it) the rows' ids are consecutive: one statement
        # logs them, and a million patients' log rows do not wait in memory for the commit.
        if pasienter:
            ider = [p[0] for p in pasienter]
            if self._i_masseinnlegging and ider == list(range(ider[0], ider[0] + len(ider))):
                self.t.logg_utvalg(
                    "SELECT id FROM pasient WHERE id BETWEEN :fra AND :til ORDER BY id",
                    {"fra": ider[0], "til": ider[-1]},
                    handling,
                )
            else:
                self.t.logg(ider, handling)

    def legg_inn_samtaler(self, samtaler: Sequence[tuple[Any, ...]], guide: tuple[str, str, str]) -> None:
        """Finished conversations of demo data, in the running transaction: (pasient_id,
        forlop_id, sp, dato, answers, actions [(hva, ansvarlig, frist)], GP consent) each, held
        with `guide` (id, versjon, kilde) on the contact point's date."""
        db = self.db
        guide_ref = self.reg.samtaler.guide_ref(guide)
        tid, hvem = tidspunkt_utc(), bruker()
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
