"""`krypter`: a plain register made into an encrypted one (SQLCipher), checked before it counts.

The copy is made by SQLCipher's own `sqlcipher_export` into a new 0600 file in the target's
folder, then opened afresh with the key and compared with the original table by table. Only
then does it take the target's name:

- `--til NY`: the plain register is left as it was (the user deletes it when ready).
- in place (no `--til`): the encrypted file replaces the plain one under the same name, and
  the plain file is overwritten with zeros and deleted. A plain copy lying about would defeat
  the purpose; zeros are a best effort (a solid-state disk, a copy-on-write file system or a
  snapshot may still hold the old blocks; old backups are plain too, and the message says so).

Nobody may use the register meanwhile: the plain file is switched out of WAL (which fails
while another process has it open) and locked exclusively until the swap is done, so no change
can land in the plain file after it was copied. A process that waited on the old file reads
zeros afterwards and stops with a message instead of writing into a deleted file.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Any, TypedDict

from . import nokkel as nokler
from .feil import Avvist, Opptatt, PakkehjemFeil, UgyldigInndata
from .filer import Meldinger, finn_databasefil, lag_midlertidig, sjekk_ny_fil, utvid
from .norsk import antall as antall_ord
from .register import Register, drift, motor, ventetid_fra_miljo

_MALMELDINGER = Meldinger(
    mappe="{sti} er en mappe. Oppgi et filnavn for det krypterte registeret.",
    finnes="Filen {sti} finnes fra før. Velg et annet filnavn, eller bruk --overskriv.",
)
_OPPTATT = (
    "Registeret er i bruk av en annen prosess. Krypteringen trenger registeret for seg selv: "
    "vent til ingen bruker det, og prøv igjen. Ingenting er endret."
)


class Krypteringsresultat(TypedDict):
    """What `krypter` did (`krypter --json`): from and to which file, whether in place, and the
    encrypted copy's rows per table (checked against the plain register) and schema version."""

    fra: str
    til: str
    pa_stedet: bool
    pasienter: int
    tabeller: dict[str, int]
    skjemaversjon: int


def krypter(sti: Path, til: Path | None = None, *, overskriv: bool = False) -> Krypteringsresultat:
    """Encrypt the plain register `sti`, into `til` or (None) in place; returns what was done.

    The key is asked for (`nokkel.hent_nokkel`, twice on a terminal) after every refusal that
    needs no key. Refused when the register is encrypted already, the target exists (without
    `overskriv`) or is in use, or another process has the register open.
    """
    sti = finn_databasefil(sti)
    if motor.er_kryptert(sti):
        raise Avvist(f"Registeret {sti} er allerede kryptert (eller skadet). Ingenting er endret.")
    if sti.stat().st_size == 0:
        raise Avvist(f"{sti} er tom: det er ikke noe register å kryptere. Ingenting er endret.")
    pa_stedet = til is None
    mal = sti if til is None else utvid(til)
    if not pa_stedet:
        if mal.resolve() == sti.resolve():
            raise UgyldigInndata("--til er registeret selv. Utelat --til for å kryptere det der det ligger.")
        sjekk_ny_fil(mal, overskriv, meldinger=_MALMELDINGER)
        i_bruk = False
        with contextlib.suppress(OSError):  # a name the ending makes too long has no such file
            i_bruk = any(Path(f"{mal}{ending}").exists() for ending in ("-wal", "-shm", "-journal"))
        if i_bruk:
            raise Avvist(
                f"Filen {mal} ser ut til å være i bruk (den har en -wal- eller -shm-fil). Velg en annen."
            )
    nokkel = nokler.hent_nokkel(ny=True, sporsmal="Velg en nøkkel for det krypterte registeret")
    if nokkel is None:
        raise UgyldigInndata(
            f"Krypteringen trenger en nøkkel: sett miljøvariabelen {motor.MILJOVARIABEL}, "
            "eller kjør kommandoen i en terminal og skriv den inn."
        )
    # Brings an older register up to this version's schema first (and refuses other SQLite files).
    Register.fra_fil(sti).lukk()
    kilde = drift.koble_til_for_kryptering(sti, ventetid_fra_miljo())
    try:
        if not drift.ta_for_seg(kilde):
            raise Opptatt(_OPPTATT)
        tabeller, versjon = drift.innhold(kilde)
        ny = _eksporter(kilde, mal, nokkel, versjon)
        try:
            _kontroller(ny, nokkel, tabeller, versjon)
            if pa_stedet:
                _bytt_ut(sti, ny)
            else:
                os.replace(ny, mal)
        except BaseException:
            with contextlib.suppress(OSError):
                ny.unlink()
            raise
    except motor.Error as feil:
        if motor.er_opptatt(feil):
            raise Opptatt(_OPPTATT) from None
        raise PakkehjemFeil(f"Krypteringen mislyktes ({type(feil).__name__}). Ingenting er endret.") from None
    finally:
        kilde.close()
    return {
        "fra": str(sti),
        "til": str(mal),
        "pa_stedet": pa_stedet,
        "pasienter": tabeller.get("pasient", 0),
        "tabeller": tabeller,
        "skjemaversjon": versjon,
    }


def _eksporter(kilde: Any, mal: Path, nokkel: str, versjon: int) -> Path:
    """The plain register copied into a new encrypted 0600 file beside `mal`; its path."""
    try:
        # Named for this process (filer.lag_midlertidig), 0600: SQLCipher fills the empty file
        # and keeps the mode. A killed run's copy is found and removed by the next command that
        # opens the register, and by `sjekk`.
        ny = lag_midlertidig(mal.parent)
    except OSError as feil:
        raise PakkehjemFeil(f"Kan ikke skrive i {mal.parent} ({feil.strerror}).") from None
    try:
        drift.eksporter_kryptert(kilde, ny, nokkel, versjon)
    except BaseException:
        with contextlib.suppress(OSError):
            ny.unlink()
        raise
    return ny


def _kontroller(ny: Path, nokkel: str, tabeller: dict[str, int], versjon: int) -> None:
    """Open the new file afresh with the key: whole, and the same rows as the original."""
    integritet, sider, innhold = drift.kontroller_kryptert(ny, nokkel)
    if integritet != ["ok"] or sider or innhold != (tabeller, versjon):
        raise PakkehjemFeil(
            "Den krypterte kopien ble ikke lik originalen, og er slettet. Ingenting er endret. "
            "Kjør «pakkehjem sjekk», og prøv igjen."
        )


def _bytt_ut(sti: Path, ny: Path) -> None:
    """Put the encrypted file in the plain one's place; overwrite and delete the plain one."""
    # Left-overs of the plain file's WAL go now, while it is locked and nobody can use them;
    # after the swap the same names may belong to the encrypted register.
    for ending in ("-wal", "-shm"):
        with contextlib.suppress(FileNotFoundError):
            os.unlink(f"{sti}{ending}")
    # Kept open across the swap: the old file, still locked by the exporting connection.
    fd = os.open(sti, os.O_WRONLY)
    try:
        os.replace(ny, sti)
        # Best effort from here: the encrypted register is in place whatever happens below.
        with contextlib.suppress(OSError):
            storrelse = os.fstat(fd).st_size
            null = bytes(1 << 20)
            skrevet = 0
            while skrevet < storrelse:
                skrevet += os.write(fd, null[: min(len(null), storrelse - skrevet)])
            os.fsync(fd)
    finally:
        os.close(fd)
    with contextlib.suppress(OSError):  # the new name on disk too, where the system allows it
        mappe = os.open(sti.parent, os.O_RDONLY)
        try:
            os.fsync(mappe)
        finally:
            os.close(mappe)


def oppsummer(resultat: Krypteringsresultat) -> str:
    """The message after `krypter`."""
    antall = f"{antall_ord(resultat['pasienter'], 'pasient')}, alle tabeller kontrollert"
    if resultat["pa_stedet"]:
        return (
            f"Registeret {resultat['til']} er nå kryptert ({antall}). Den ukrypterte filen er "
            "overskrevet og slettet. Heretter trengs nøkkelen hver gang registeret åpnes. "
            "Eldre sikkerhetskopier er fortsatt ukrypterte: slett dem, og ta en ny med "
            "«pakkehjem sikkerhetskopi»."
        )
    return (
        f"Kryptert register skrevet til {resultat['til']} ({antall}). Det ukrypterte registeret "
        f"{resultat['fra']} er ikke endret: slett det når du har tatt i bruk det krypterte, "
        "sammen med eldre ukrypterte sikkerhetskopier."
    )
