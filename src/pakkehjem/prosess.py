"""Who holds something open: this process on this machine (`las_eier`), and whether a holder
is still alive (`las_er_i_bruk`). A conversation's lock and a temporary file's name both say
who holds them, so a crashed process's hold can be told from a living one's."""

from __future__ import annotations

import os
from datetime import datetime


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
