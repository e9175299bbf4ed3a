"""Processes: who holds something open, this process on this machine (`las_eier`), and whether
a holder is still alive (`las_er_i_bruk`); and work made in a child process beside this one
(`fra_egen_prosess`). A conversation's lock and a temporary file's name both say who holds
them, so a crashed process's hold can be told from a living one's."""

from __future__ import annotations

import contextlib
import os
import signal
import sys
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import TYPE_CHECKING, NoReturn, TypeVar

if TYPE_CHECKING:
    from multiprocessing.connection import Connection

T = TypeVar("T")


def las_eier() -> str:
    """Who holds a conversation open: this process on this machine."""
    import socket  # not on the path of a read command (only who holds a lock)

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
    import socket

    if vert != socket.gethostname() or not pid.isdigit():
        return True  # another machine: only the age can tell
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class _Feil:
    """An exception raised in the child process, carried to the parent to be raised there."""

    def __init__(self, feil: BaseException) -> None:
        self.feil = feil


def fra_egen_prosess(kilde: Callable[[], Iterator[T]]) -> Iterator[T]:
    """The items of `kilde()`, made in a child process while the caller works on the ones before.

    A bulk write of demo data spends a third of its time making rows and the rest writing them;
    on two cores the two can go on at once. The child makes one item ahead (the pipe holds no
    more), never touches the register, and ends when the caller stops or dies (its next write
    meets a closed pipe). Where the system cannot fork, the items are made here.
    """
    if not hasattr(os, "fork"):
        yield from kilde()
        return
    from multiprocessing.connection import Pipe

    lese, skrive = Pipe(duplex=False)
    pid = os.fork()
    if pid == 0:
        _barn(kilde, lese, skrive)
    skrive.close()
    ferdig = False
    try:
        while True:
            try:
                ting = lese.recv()
            except EOFError:
                raise RuntimeError("Prosessen som lager radene, stoppet uventet.") from None
            if ting is None:
                ferdig = True
                return
            if isinstance(ting, _Feil):
                raise ting.feil
            yield ting
    finally:
        lese.close()
        if not ferdig:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)


def _barn(kilde: Callable[[], Iterator[T]], lese: Connection, skrive: Connection) -> NoReturn:
    """The child of `fra_egen_prosess`: send each item, then None; ends with os._exit, so
    nothing of the parent's (the open register, buffered output) is closed or flushed here."""
    kode = 0
    try:
        lese.close()
        # Ctrl-C reaches the whole process group; the parent decides, and stops the child.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        # Nothing from here may reach the user's terminal or the caller's pipes.
        tom = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(tom, fd)
        sys.stdout = sys.stderr = open(os.devnull, "w")  # noqa: SIM115 (os._exit ends it)
        for ting in kilde():
            skrive.send(ting)
        skrive.send(None)
    except OSError:  # the parent has gone (a closed pipe)
        kode = 1
    except BaseException as feil:
        with contextlib.suppress(BaseException):
            skrive.send(_Feil(feil))
        kode = 1
    finally:
        os._exit(kode)
