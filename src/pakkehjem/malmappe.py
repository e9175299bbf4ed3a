"""A service's own letter templates: read only from inside their folder, rendered within limits.

A template folder comes from e-mail, a shared area or a neighbour municipality (docs/sikkerhet.md,
threat 6). Jinja2's sandbox keeps a template away from Python's internals; this module keeps it
away from the rest of the disk and from the machine's time and memory:

- `InnestengtLaster` reads a template, `brev.css` or `tekster.yaml` only when it is a regular
  file whose resolved path (symbolic links followed) stays inside the folder, and at most
  `MAKS_MALFIL` bytes of it, as UTF-8. `bokmal/pw.j2 -> /etc/passwd` is refused, not included.
- `render` stops a template that runs longer than `MAKS_SEKUNDER`, writes more than
  `MAKS_UT` characters, recurses without end, or asks for more memory than `MAKS_MINNE` at
  once; `BegrensetSandkasse` refuses `"x" * 3000000000` and `10 ** 9999999999` before they are
  computed. Every refusal is a PakkehjemFeil that names the template.
"""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .feil import PakkehjemFeil
from .norsk import ord_for

MAKS_MALFIL = 1024 * 1024  # a template or a style sheet is a few KB
MAKS_UT = 5 * 1024 * 1024  # a letter is a few KB of text; 5 MB is no letter
MAKS_SEKUNDER = 10.0  # a letter renders in milliseconds
MAKS_MINNE = 1024 * 1024 * 1024  # extra address space while a template renders
MAKS_EKSPONENT = 4096


class Malgrense(Exception):
    """A template broke one of the limits (the message says which)."""


def _ugyldig(malnavn: str, forklaring: str) -> PakkehjemFeil:
    return PakkehjemFeil(f"Brevmalen {malnavn} {forklaring} Rett malen i mappen med egne brevmaler.")


def les_malfil(rot: Path, malnavn: str) -> str | None:
    """The text of `malnavn` inside the folder `rot` (resolved), or None when there is no such file.

    Refused (PakkehjemFeil): a path that leaves the folder, by `..` or by a symbolic link;
    anything but a regular file (a device, a FIFO); a file over MAKS_MALFIL; text not UTF-8.
    """
    deler = [d for d in malnavn.replace("\\", "/").split("/") if d]
    if not deler or any(d in (".", "..") for d in deler) or malnavn.startswith("/"):
        return None
    kandidat = rot.joinpath(*deler)
    if not os.path.lexists(kandidat):
        return None
    try:
        ekte = kandidat.resolve(strict=True)
    except (OSError, RuntimeError):  # a dangling or looping link
        raise _ugyldig(malnavn, "er en lenke som ikke peker på en fil.") from None
    if not ekte.is_relative_to(rot):
        forklaring = "peker ut av mappen med egne brevmaler (en symbolsk lenke), og blir ikke lest."
        raise _ugyldig(malnavn, forklaring)
    try:
        fd = os.open(ekte, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    except OSError as feil:
        raise _ugyldig(malnavn, f"kan ikke leses ({feil.strerror}).") from None
    with os.fdopen(fd, "rb") as fil:
        info = os.fstat(fil.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise _ugyldig(malnavn, "er ikke en vanlig fil, og blir ikke lest.")
        data = fil.read(MAKS_MALFIL + 1)
    if len(data) > MAKS_MALFIL:
        raise _ugyldig(malnavn, f"er større enn {MAKS_MALFIL // 1024} KB, og blir ikke lest.")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _ugyldig(malnavn, "er ikke lagret som UTF-8.") from None


if TYPE_CHECKING:
    import jinja2


def __getattr__(attributt: str) -> Any:
    # Jinja2 is loaded when a template is first wanted, not with this module: reading
    # tekster.yaml (a FHIR letter needs its words) must not pay for Jinja2's import.
    if attributt in ("InnestengtLaster", "BegrensetSandkasse"):
        globals().update(_jinja_klasser())
        return globals()[attributt]
    raise AttributeError(f"module {__name__!r} has no attribute {attributt!r}")


def _jinja_klasser() -> dict[str, type]:
    import jinja2
    import jinja2.sandbox

    class InnestengtLaster(jinja2.BaseLoader):
        """Jinja2's loader for a service's folder, held inside it (see `les_malfil`)."""

        def __init__(self, mappe: str | Path) -> None:
            self.rot = Path(mappe).resolve()

        def get_source(
            self, environment: jinja2.Environment, template: str
        ) -> tuple[str, str | None, Callable[[], bool]]:
            tekst = les_malfil(self.rot, template)
            if tekst is None:
                raise jinja2.TemplateNotFound(template)
            sti = self.rot / template
            try:
                endret = sti.stat().st_mtime
            except OSError:
                endret = None

            def uendret() -> bool:
                try:
                    return sti.stat().st_mtime == endret
                except OSError:
                    return False

            return tekst, None, uendret

    class BegrensetSandkasse(jinja2.sandbox.ImmutableSandboxedEnvironment):
        """The immutable sandbox, refusing the operators that build a huge value in one step."""

        intercepted_binops = frozenset({"*", "**", "+"})

        def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
            sekvens = (str, list, tuple)
            if operator == "**" and _for_stor_eksponent(left, right):
                raise Malgrense("et tall som er for stort")
            if operator == "*" and max(_lengde(left, right), _lengde(right, left)) > MAKS_UT:
                raise Malgrense(f"en tekst over {MAKS_UT // (1024 * 1024)} MB")
            if (
                operator == "+"
                and isinstance(left, sekvens)
                and isinstance(right, sekvens)
                and len(left) + len(right) > MAKS_UT
            ):
                raise Malgrense(f"en tekst over {MAKS_UT // (1024 * 1024)} MB")
            return super().call_binop(context, operator, left, right)

    return {"InnestengtLaster": InnestengtLaster, "BegrensetSandkasse": BegrensetSandkasse}


def _for_stor_eksponent(grunntall: Any, eksponent: Any) -> bool:
    if not isinstance(eksponent, int) or isinstance(eksponent, bool) or abs(eksponent) <= MAKS_EKSPONENT:
        return False
    return not (isinstance(grunntall, int) and abs(grunntall) <= 1)


def _lengde(sekvens: Any, antall: Any) -> int:
    """The length of `sekvens * antall` (0 when it is not a sequence times a whole number)."""
    if isinstance(sekvens, str | list | tuple) and isinstance(antall, int):
        return len(sekvens) * max(antall, 0)
    return 0


@contextlib.contextmanager
def _tidsgrense(sekunder: float) -> Iterator[None]:
    """Raise Malgrense in the main thread after `sekunder`, and again every half second until
    the block ends (a no-op where signals cannot).

    An exception raised while Python runs a finaliser or a garbage-collector callback is
    swallowed and reported as "Exception ignored in ..." with a traceback on stderr: the
    repeat makes sure the template still stops, and the hook keeps those reports off stderr.
    """
    import signal
    import sys
    import threading

    if not hasattr(signal, "setitimer") or threading.current_thread() is not threading.main_thread():
        yield
        return

    def stopp(_signal: int, _ramme: Any) -> None:
        raise Malgrense(f"mer enn {sekunder:g} {ord_for(sekunder, 'sekund')}")

    forrige_krok = sys.unraisablehook

    def stille(uhandtert: Any) -> None:
        if not isinstance(uhandtert.exc_value, Malgrense):
            forrige_krok(uhandtert)

    forrige = signal.signal(signal.SIGALRM, stopp)
    sys.unraisablehook = stille
    signal.setitimer(signal.ITIMER_REAL, sekunder, 0.5)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, forrige)
        sys.unraisablehook = forrige_krok


@contextlib.contextmanager
def _minnegrense(ekstra: int) -> Iterator[None]:
    """Cap the address space at what the process uses now plus `ekstra` (Linux), so one huge
    allocation fails with MemoryError instead of taking the machine's memory."""
    try:
        import resource

        sider = int(Path("/proc/self/statm").read_text().split()[0])
        brukt = sider * os.sysconf("SC_PAGE_SIZE")
        myk, hard = resource.getrlimit(resource.RLIMIT_AS)
    except (ImportError, OSError, ValueError, IndexError):
        yield
        return
    grense = brukt + ekstra
    if hard != resource.RLIM_INFINITY:
        grense = min(grense, hard)
    if myk != resource.RLIM_INFINITY and myk <= grense:
        yield  # already tighter
        return
    resource.setrlimit(resource.RLIMIT_AS, (grense, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (myk, hard))


def render(mal: jinja2.Template, malnavn: str, kontekst: dict[str, Any]) -> str:
    """`mal` rendered with `kontekst`, within the limits; PakkehjemFeil naming `malnavn` when not."""
    deler: list[str] = []
    lengde = 0
    try:
        with _minnegrense(MAKS_MINNE), _tidsgrense(MAKS_SEKUNDER):
            for bit in mal.generate(**kontekst):
                lengde += len(bit)
                if lengde > MAKS_UT:
                    raise Malgrense(f"et brev over {MAKS_UT // (1024 * 1024)} MB")
                deler.append(bit)
    except Malgrense as grense:
        raise PakkehjemFeil(
            f"Brevmalen {malnavn} ble stoppet: den brukte {grense}. Et brev er noen få sider. "
            "Rett malen i mappen med egne brevmaler."
        ) from None
    except MemoryError:
        raise PakkehjemFeil(
            f"Brevmalen {malnavn} ble stoppet: den ba om mer minne enn et brev trenger. "
            "Rett malen i mappen med egne brevmaler."
        ) from None
    except RecursionError:
        raise PakkehjemFeil(
            f"Brevmalen {malnavn} ble stoppet: den tar med seg selv (eller en annen mal som tar med den) "
            "uten ende. Rett malen i mappen med egne brevmaler."
        ) from None
    return "".join(deler)
