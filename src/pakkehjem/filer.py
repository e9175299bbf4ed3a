"""Files the tool writes: created for the owner only (mode 0600), never silently replaced."""

from __future__ import annotations

import contextlib
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from .feil import Avvist, PakkehjemFeil, UgyldigInndata


@dataclass(frozen=True)
class Meldinger:
    """What a refused or failed write says; `{sti}` and `{mappe}` (its folder) are filled in.

    A command whose file comes from a particular option (brev's -o) says so in its own words.
    """

    mappe: str = "{sti} er en mappe. Oppgi et filnavn."
    finnes: str = "Filen {sti} finnes fra før. Velg et annet filnavn, eller bruk --overskriv."
    ingen_mappe: str = "Mappen {mappe} finnes ikke. Opprett den først, eller velg en annen plass."
    ingen_tilgang: str | None = None  # None: the general "Kan ikke skrive" message

    def __call__(self, mal: str, sti: Path) -> str:
        return mal.format(sti=sti, mappe=sti.parent)


STANDARD = Meldinger()


def utvid(sti: Path | str) -> Path:
    """`~` and `~user` expanded; a user that does not exist is bad input, not a RuntimeError."""
    try:
        return Path(sti).expanduser()
    except RuntimeError:
        raise UgyldigInndata(f"Finner ingen hjemmemappe for {sti}. Skriv hele stien.") from None


def finn_databasefil(sti: Path | str) -> Path:
    """An existing register file to act on as it is (nothing created); clear refusals otherwise."""
    sti = utvid(sti)
    try:
        er_mappe, finnes = sti.is_dir(), sti.exists()
    except OSError as feil:  # a name longer than the file system takes (ENAMETOOLONG)
        raise UgyldigInndata(f"Kan ikke bruke {sti} som database ({feil.strerror}).") from None
    if er_mappe:
        raise UgyldigInndata(f"{sti} er en mappe, ikke en databasefil.")
    if not finnes:
        raise PakkehjemFeil(f"Finner ingen database i {sti}. Oppgi riktig fil med --db.")
    return sti


def registerfil_problem(sti: Path) -> str | None:
    """Why an existing register file must not be used, or None when it may (or does not exist).

    A register is used only when it is a regular file owned by this user (or by root) that
    nobody else can read or write: an empty file another user planted with mode 0666 would
    otherwise become the register, and that user could read every name and number put in it.
    """
    if os.name == "nt":  # no owners or mode bits to check
        return None
    try:
        info = os.lstat(sti)
    except FileNotFoundError:
        return None
    if stat.S_ISLNK(info.st_mode):
        try:
            info = os.stat(sti)
        except OSError:
            return (
                f"{sti} er en symbolsk lenke til en fil som ikke finnes. Rett stien i --db eller "
                "PAKKEHJEM_DB, eller fjern lenken."
            )
    if not stat.S_ISREG(info.st_mode):
        return f"{sti} er ikke en vanlig fil (men en enhet, en FIFO eller lignende). Oppgi en databasefil."
    if info.st_uid not in (os.geteuid(), 0):
        return (
            f"Databasefilen {sti} eies av en annen bruker (uid {info.st_uid}), og blir ikke brukt: den "
            "brukeren kunne lese alt som skrives i registeret. Bruk en fil du eier selv. Er det ditt "
            "eget register, flyttet fra en annen konto, gjør det til ditt med «chown» (som administrator)."
        )
    modus = stat.S_IMODE(info.st_mode)
    if modus & 0o077:
        return (
            f"Databasefilen {sti} kan leses eller endres av andre enn eieren (modus {modus:04o}), og blir "
            f"ikke brukt. Rett det med «chmod 600 {sti}», og kjør kommandoen igjen."
        )
    return None


def sjekk_ny_fil(sti: Path, overskriv: bool = False, *, meldinger: Meldinger = STANDARD) -> None:
    """Refuse early (before any patient data is read) a target that cannot be written."""
    try:
        if sti.is_dir():
            raise UgyldigInndata(meldinger(meldinger.mappe, sti))
        if not overskriv and (sti.exists() or sti.is_symlink()):
            raise Avvist(meldinger(meldinger.finnes, sti))
        if overskriv:
            _bare_vanlig_fil(sti)
        if not sti.parent.is_dir():
            raise PakkehjemFeil(meldinger(meldinger.ingen_mappe, sti))
    except OSError as feil:
        # A name longer than the file system takes (ENAMETOOLONG), a folder we may not look in.
        raise _skrivefeil(sti, feil) from None


def skriv_privat(sti: Path, data: bytes, overskriv: bool = False, *, meldinger: Meldinger = STANDARD) -> None:
    """Write `data` to a new file with mode 0600 (set when created, not chmod afterwards).

    Without `overskriv` an existing file (or symbolic link) is refused (O_EXCL: no race, and
    a link is never followed). With it, the data goes to a new 0600 file in the same folder
    that then replaces the old one, so the result is 0600 even when the old file was readable
    by others. A file left half written by a failed write is removed again.
    """
    sjekk_ny_fil(sti, overskriv, meldinger=meldinger)
    try:
        if not overskriv:
            fd = os.open(sti, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
            try:
                with os.fdopen(fd, "wb") as fil:
                    fil.write(data)
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(sti)
                raise
            return
        rydd_rester(sti.parent)
        midlertidig = lag_midlertidig(sti.parent)
        try:
            with open(midlertidig, "wb") as fil:
                fil.write(data)
            _bare_vanlig_fil(sti)  # once more, just before the swap
            os.replace(midlertidig, sti)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(midlertidig)
            raise
    except FileExistsError:
        raise Avvist(meldinger(meldinger.finnes, sti)) from None
    except FileNotFoundError:
        raise PakkehjemFeil(meldinger(meldinger.ingen_mappe, sti)) from None
    except PermissionError as feil:
        if meldinger.ingen_tilgang is None:
            raise _skrivefeil(sti, feil) from None
        raise PakkehjemFeil(meldinger(meldinger.ingen_tilgang, sti)) from None
    except OSError as feil:
        raise _skrivefeil(sti, feil) from None


def _bare_vanlig_fil(sti: Path) -> None:
    """--overskriv replaces a regular file only: never a device (/dev/full), a FIFO, a socket
    or a symbolic link, which would be swapped for a regular file full of patient data."""
    try:
        info = os.lstat(sti)
    except FileNotFoundError:
        return
    if not stat.S_ISREG(info.st_mode):
        slags = "en symbolsk lenke" if stat.S_ISLNK(info.st_mode) else "ikke en vanlig fil"
        raise Avvist(
            f"{sti} er {slags}, og blir ikke erstattet, heller ikke med --overskriv. Velg et annet filnavn."
        )


def _skrivefeil(sti: Path, feil: OSError) -> PakkehjemFeil:
    return PakkehjemFeil(f"Kan ikke skrive {sti} ({feil.strerror or type(feil).__name__}).")


def les_tekstfil(sti: Path, valg: str, grense: int = 200_000) -> str:
    """A UTF-8 text file a user names (a summary received, say); UgyldigInndata when it cannot
    be read, is not UTF-8 text, or is larger than `grense` bytes."""
    sti = utvid(sti)
    try:
        with open(sti, "rb") as fil:
            data = fil.read(grense + 1)
    except OSError as feil:
        raise UgyldigInndata(f"{valg}: kan ikke lese {sti} ({feil.strerror}).") from None
    if len(data) > grense:
        raise UgyldigInndata(f"{valg}: filen er større enn {grense // 1000} kB. Oppgi en kortere tekst.")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UgyldigInndata(
            f"{valg}: filen er ikke tekst i UTF-8. Lagre den som UTF-8 og prøv igjen."
        ) from None


def les_begrenset(sti: Path, maks: int, slags: str) -> bytes:
    """A user file's bytes, at most `maks` of them: a larger file (or an endless one, such as
    /dev/zero) is refused before it fills the memory. Clear refusals for the usual mistakes."""
    sti = utvid(sti)
    try:
        with open(sti, "rb") as fil:
            data = fil.read(maks + 1)
    except FileNotFoundError:
        raise UgyldigInndata(f"Finner ikke filen {sti}.") from None
    except IsADirectoryError:
        raise UgyldigInndata(f"{sti} er en mappe. Oppgi {slags.lower()}.") from None
    except PermissionError:
        raise PakkehjemFeil(f"Har ikke lov til å lese {sti}. Sjekk filrettighetene.") from None
    except OSError as feil:
        raise PakkehjemFeil(f"Kan ikke lese {sti} ({feil.strerror or type(feil).__name__}).") from None
    if len(data) > maks:
        raise UgyldigInndata(
            f"{slags} {sti} er større enn {maks // (1024 * 1024)} MB, og blir ikke lest. "
            "Sjekk at det er riktig fil."
        )
    return data


# --- temporary files -------------------------------------------------------------------------

# Every temporary file the tool makes beside a user's file (an --overskriv, a backup, an
# encryption) is named `.pakkehjem-<pid>@<host>-<random>.tmp`: the next run can tell a dead
# process's leftovers (they hold patient data) from a file another process is still writing.
MIDLERTIDIG_PREFIKS = ".pakkehjem-"
MIDLERTIDIG_ENDING = ".tmp"


def lag_midlertidig(mappe: Path) -> Path:
    """A new empty 0600 file in `mappe` named for this process (see MIDLERTIDIG_PREFIKS)."""
    import tempfile  # here: with shutil and random it costs a read command ~10 ms at start

    from .prosess import las_eier

    fd, navn = tempfile.mkstemp(
        dir=mappe, prefix=f"{MIDLERTIDIG_PREFIKS}{las_eier()}-", suffix=MIDLERTIDIG_ENDING
    )
    os.close(fd)
    return Path(navn)


def finn_rester(mappe: Path) -> list[Path]:
    """Temporary files in `mappe` left by processes of this user that are gone (killed, power
    cut). One another running process is writing is not a leftover; one from another machine on a
    shared folder is, once LAS_FORELDET_TIMER hours old."""
    from datetime import datetime

    from .prosess import las_er_i_bruk

    rester: list[Path] = []
    if not hasattr(os, "geteuid"):
        return rester
    with contextlib.suppress(OSError):
        for post in os.scandir(mappe):
            navn = post.name
            if not navn.startswith(MIDLERTIDIG_PREFIKS) or MIDLERTIDIG_ENDING not in navn:
                continue
            kjerne = navn.split(MIDLERTIDIG_ENDING)[0]
            eier = kjerne[len(MIDLERTIDIG_PREFIKS) : kjerne.rfind("-")]
            info = post.stat(follow_symlinks=False)
            if "@" not in eier or info.st_uid != os.geteuid() or not stat.S_ISREG(info.st_mode):
                continue
            endret = datetime.fromtimestamp(info.st_mtime).astimezone().isoformat()
            if not las_er_i_bruk(eier, endret):
                rester.append(Path(post.path))
    return sorted(rester)


def rydd_rester(mappe: Path) -> list[Path]:
    """Remove the leftovers `finn_rester` finds; returns those removed."""
    fjernet = []
    for rest in finn_rester(mappe):
        with contextlib.suppress(OSError):
            rest.unlink()
            fjernet.append(rest)
    return fjernet
