"""The store: every SQL statement of pakkehjem, one module per group of tables.

Open a register with `Register.fra_fil(sti, nokkel=...)` (the key of an encrypted register is
an argument; asking for it is the caller's job, see `pakkehjem.apning`). Every change runs in
`Register.transaksjon()`, one `BEGIN IMMEDIATE ... COMMIT` whose `Transaksjon` writes the access
log and the timeline; no code path can read or change a patient without the access log.

The groups hang on the register: `reg.pasienter`, `reg.punkter` (contact points, the work list,
the episode's end), `reg.samtaler`, `reg.samtykker`, `reg.brevlogg`, `reg.tiltak`, `reg.mengde`
(bulk writes for demo data and imports), `reg.rapporter` (the reports' queries). Below them:
`tilkobling` and `motor` (the engine), `skjema` (migrations); beside them `drift` (backup,
the integrity check, encryption).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import innstillinger, regler
from ..feil import FlereTreff, PakkehjemFeil, UgyldigInndata
from ..prosess import las_eier, las_er_i_bruk
from . import motor
from .skjema import MIGRASJONER, migrer
from .tilkobling import (
    VENTETID_STANDARD,
    Transaksjon,
    bruker,
    feil_fra_sqlite,
    fjern_tom,
    forbered_fil,
    koble_til,
    ventetid_fra_miljo,
)

if TYPE_CHECKING:
    from .brevlogg import Brevlogg
    from .mengde import Mengde
    from .pasienter import Pasienter
    from .punkter import Punkter
    from .rapporter import Rapporter
    from .samtaler import Samtaler
    from .samtykker import Samtykker
    from .tiltak import Tiltak

__all__ = [
    "MIGRASJONER",
    "VENTETID_STANDARD",
    "Register",
    "Transaksjon",
    "bruker",
    "las_eier",
    "las_er_i_bruk",
    "ventetid_fra_miljo",
]


class Register:
    """One open register file. Use `Register.fra_fil(sti)`; close with `lukk()`."""

    def __init__(self, tilkobling: Any, sti: Path, nokkel: str | None = None):
        self.db = tilkobling
        self.sti = sti
        self._nokkel = nokkel  # the passphrase of an encrypted register; never shown
        self.aktiv: Transaksjon | None = None
        self._innstillinger: innstillinger.Innstillinger | None = None

    # --- the groups: each made (and its module imported) when first used, so a command
    # pays only for the tables it reads (the work list never loads the letters' code) ------

    @cached_property
    def pasienter(self) -> Pasienter:
        """Patients, search and the patient view."""
        from .pasienter import Pasienter

        return Pasienter(self)

    @cached_property
    def punkter(self) -> Punkter:
        """Contact points, the work list and the end of an episode."""
        from .punkter import Punkter

        return Punkter(self)

    @cached_property
    def samtaler(self) -> Samtaler:
        """Conversations, answers, drafts and revisions."""
        from .samtaler import Samtaler

        return Samtaler(self)

    @cached_property
    def samtykker(self) -> Samtykker:
        """Consent."""
        from .samtykker import Samtykker

        return Samtykker(self)

    @cached_property
    def brevlogg(self) -> Brevlogg:
        """Letters written and the data a letter is made from."""
        from .brevlogg import Brevlogg

        return Brevlogg(self)

    @cached_property
    def tiltak(self) -> Tiltak:
        """Actions agreed in conversations."""
        from .tiltak import Tiltak

        return Tiltak(self)

    @cached_property
    def mengde(self) -> Mengde:
        """Bulk writes: demo data and imports."""
        from .mengde import Mengde

        return Mengde(self)

    @cached_property
    def rapporter(self) -> Rapporter:
        """The queries of the overview, statistics, export and calendar."""
        from .rapporter import Rapporter

        return Rapporter(self)

    # --- opening ---------------------------------------------------------------------

    @classmethod
    def fra_fil(
        cls,
        sti: Path | str,
        ventetid: float | None = None,
        *,
        nokkel: str | None = None,
        varsle: Callable[[int, int], None] | None = None,
    ) -> Register:
        """Open (and on first use create, mode 0600) the register, applying migrations.

        `nokkel`: the key of an encrypted register, or of a new one to be encrypted; an
        encrypted file without it is refused (SkadetDatabase). `varsle(fra, til)`: called
        before an existing register is upgraded (`skjema.migrer`).
        """
        if ventetid is None:
            ventetid = ventetid_fra_miljo()
        sti, ny = forbered_fil(sti)
        try:
            tilkobling = koble_til(sti, nokkel, ventetid)
        except BaseException:
            if ny:  # nothing written: leave no empty file behind
                fjern_tom(sti)
            raise
        register = cls(tilkobling, sti, nokkel)
        try:
            migrer(tilkobling, varsle)
        except motor.Error as feil:
            tilkobling.close()
            raise feil_fra_sqlite(feil) from None
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

    def koble_til_fil(self, sti: Path | str, **valg: Any) -> Any:
        """A connection to another file (a backup) with this register's engine and key."""
        return motor.koble_til(sti, self._nokkel, **valg)

    # --- transactions and the access log ----------------------------------------------

    @contextmanager
    def transaksjon(self) -> Iterator[Transaksjon]:
        """One change: BEGIN IMMEDIATE ... COMMIT, with the access-log rows written last."""
        try:
            self.db.execute("BEGIN IMMEDIATE")
        except motor.Error as feil:
            raise feil_fra_sqlite(feil) from None
        t = self.aktiv = Transaksjon(self.db)
        try:
            yield t
            t.skriv_tilgangslogg()
            self.db.execute("COMMIT")
        except motor.Error as feil:
            self._rull_tilbake()
            raise feil_fra_sqlite(feil) from None
        except FlereTreff as feil:
            # Nothing of the command is kept, but the patients the message lists were shown.
            self._rull_tilbake()
            self.aktiv = None
            with self.transaksjon() as logg:
                logg.logg(feil.pasient_ider, "finn")
            raise
        except BaseException:
            self._rull_tilbake()
            raise
        finally:
            self.aktiv = None

    def _rull_tilbake(self) -> None:
        with suppress(*motor.Error):
            self.db.execute("ROLLBACK")

    # --- settings ----------------------------------------------------------------------

    def innstillinger(self) -> innstillinger.Innstillinger:
        """All settings, stored values over the defaults."""
        if self._innstillinger is None:
            try:
                rader = self.db.execute("SELECT navn, verdi FROM innstilling").fetchall()
            except motor.Error as feil:
                raise feil_fra_sqlite(feil) from None
            self._innstillinger = innstillinger.fra_lagret(dict(rader))
        return self._innstillinger

    def sett_innstilling(self, navn: str, tekst: str) -> object:
        """Change a setting from the text a user typed; returns the value stored."""
        return self.sett_innstillinger({navn: tekst})[navn]

    def sett_innstillinger(self, tekster: dict[str, str]) -> dict[str, object]:
        """Change several settings from the texts a user typed, in one transaction: every value
        is read first, and nothing is changed when one is wrong. Returns the values stored."""
        verdier: dict[str, object] = {}
        for navn, tekst in tekster.items():
            regler.sjekk_tekst(tekst, f"Innstillingen {navn}")
            try:
                verdier[navn] = innstillinger.les_verdi(navn, tekst)
            except ValueError as feil:
                raise UgyldigInndata(str(feil)) from None
        with self.transaksjon() as db:
            for navn, verdi in verdier.items():
                self.lagre_innstilling(db, navn, verdi)
        return verdier

    def lagre_innstilling(self, db: Any, navn: str, verdi: object) -> None:
        db.execute(
            "INSERT INTO innstilling (navn, verdi) VALUES (?, ?)"
            " ON CONFLICT (navn) DO UPDATE SET verdi = excluded.verdi",
            (navn, json.dumps(verdi)),
        )
        self._innstillinger = None

    def tillat_syntetiske(self) -> None:
        """Mark the register as a demo register that takes synthetic numbers (in the running
        transaction)."""
        self.lagre_innstilling(self.db, "tillat_syntetiske", True)
