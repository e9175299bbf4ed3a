"""Programs run as their own processes without a Python start-up each: forked from one warm process.

    with VarmProsess(miljo, last=("pakkehjem.cli",)) as varm:
        kode, ut, feil = varm.kjor(skript=PROGRAM, args=["--help"], miljo=..., cwd=..., umask=0)

`VarmProsess` starts this file once as a fresh Python (with the environment it is given) that
imports the modules in `last` and then waits for requests. Each request is run in a child forked
from it: a process of its own with its own stdin, stdout and stderr (piped, or a pseudo-terminal
of the width asked for), working folder, environment, umask and exit code, running a Python script
file (the installed console script, as its own `__main__`) or a piece of code (`python -c`). What
a child does, changes or creates is its own, as in a process started from nothing; only the start
of Python and the imports done once are shared, which is most of the CPU of a short command.

Use it where a test needs a process boundary (an exit code, what reaches stdout and stderr, the
umask, the environment, a terminal) but not a fresh interpreter. A test about what a fresh
interpreter imports or how the console script starts stays a real `subprocess` run.
"""

from __future__ import annotations

import atexit
import fcntl
import io
import json
import os
import pty
import runpy
import signal
import struct
import subprocess
import sys
import tempfile
import termios
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import Any

# Seconds a child may run, as subprocess.run's timeout in the tests it replaces.
TIDSGRENSE = 120

# --- a pseudo-terminal, for the children here and for tests/lag_hjelpetekst.py ----------------


def ny_terminal(bredde: int) -> tuple[int, int]:
    """A pseudo-terminal `bredde` columns wide that passes the program's bytes as written (no
    "\r\n"): (the reading side, the program's side)."""
    hoved, under = pty.openpty()
    fcntl.ioctl(under, termios.TIOCSWINSZ, struct.pack("HHHH", 40, bredde, 0, 0))
    attr = termios.tcgetattr(under)
    attr[1] &= ~termios.OPOST
    termios.tcsetattr(under, termios.TCSANOW, attr)
    return hoved, under


def les_terminalen(hoved: int) -> bytes:
    """Everything the program writes to the terminal, until it closes its side."""
    biter = []
    while True:
        try:
            bit = os.read(hoved, 65536)
        except OSError:  # EIO: the program has closed the terminal
            break
        if not bit:
            break
        biter.append(bit)
    return b"".join(biter)


# --- the warm process's side ---------------------------------------------------------------------


def _apne_tekst(fd: int, modus: str, *, linjebuffer: bool = False) -> io.TextIOWrapper:
    """A text stream on `fd` as the interpreter makes sys.stdin/stdout/stderr."""
    if modus == "r":
        return io.TextIOWrapper(io.FileIO(fd, "r", closefd=False), encoding="utf-8")
    feil = "backslashreplace" if fd == 2 else "strict"
    return io.TextIOWrapper(
        io.FileIO(fd, "w", closefd=False), encoding="utf-8", errors=feil, line_buffering=linjebuffer
    )


def _barnet(foresporsel: dict[str, Any], inn: int, ut: int, feil: int) -> None:
    """In the forked child: become the program, run it, and leave with its exit code."""
    kode = 0
    try:
        signal.alarm(TIDSGRENSE)  # a child that hangs ends (SIGALRM) instead of the test
        os.dup2(inn, 0)
        os.dup2(ut, 1)
        os.dup2(feil, 2)
        sys.stdin = _apne_tekst(0, "r")
        sys.stdout = _apne_tekst(1, "w", linjebuffer=os.isatty(1))
        sys.stderr = _apne_tekst(2, "w", linjebuffer=True)
        os.environ.clear()
        os.environ.update(foresporsel["miljo"])
        if foresporsel.get("cwd"):
            os.chdir(foresporsel["cwd"])
        if foresporsel.get("umask") is not None:
            os.umask(foresporsel["umask"])
        if foresporsel.get("skript"):
            sys.argv = [foresporsel["skript"], *foresporsel["args"]]
            runpy.run_path(foresporsel["skript"], run_name="__main__")
        else:
            sys.argv = ["-c", *foresporsel["args"]]
            exec(compile(foresporsel["kode"], "<string>", "exec"), {"__name__": "__main__"})
    except SystemExit as slutt:
        if slutt.code is None or isinstance(slutt.code, int):
            kode = slutt.code or 0
        else:  # sys.exit("text"): the interpreter prints it and exits 1
            print(slutt.code, file=sys.stderr)
            kode = 1
    except BaseException:  # what the interpreter prints for an uncaught exception, and its code
        traceback.print_exc()
        kode = 1
    finally:
        try:
            atexit._run_exitfuncs()  # as the interpreter does on its way out
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(kode)


def _kjor_en(foresporsel: dict[str, Any]) -> dict[str, Any]:
    """Fork a child for one request; its exit code, stdout and stderr (bytes as latin-1 text)."""
    bredde = foresporsel.get("terminal")
    with tempfile.TemporaryFile() as ut, tempfile.TemporaryFile() as feil:
        if bredde:
            hoved, under = ny_terminal(bredde)
            inn = utfd = under
        else:
            hoved = -1
            inn = os.open(os.devnull, os.O_RDONLY)
            utfd = ut.fileno()
        pid = os.fork()
        if pid == 0:
            _barnet(foresporsel, inn, utfd, feil.fileno())
        os.close(inn)
        biter = []
        if hoved >= 0:
            biter.append(les_terminalen(hoved))
            os.close(hoved)
        _, status = os.waitpid(pid, 0)
        if hoved < 0:
            ut.seek(0)
            biter.append(ut.read())
        feil.seek(0)
        return {
            "kode": os.waitstatus_to_exitcode(status),
            "ut": b"".join(biter).decode("latin-1"),
            "feil": feil.read().decode("latin-1"),
        }


def main() -> None:
    """Import what is named on the command line, then answer one JSON request a line."""
    import importlib

    for navn in sys.argv[1:]:
        importlib.import_module(navn)
    svar = sys.stdout
    for linje in sys.stdin:
        svar.write(json.dumps(_kjor_en(json.loads(linje))) + "\n")
        svar.flush()


# --- the test's side -----------------------------------------------------------------------------


class VarmProsess:
    """The warm process: started by `with`, ended when the block ends."""

    def __init__(self, miljo: dict[str, str], last: Sequence[str] = ()) -> None:
        self.miljo = miljo
        self.last = list(last)
        self.prosess: subprocess.Popen[str] | None = None

    def __enter__(self) -> VarmProsess:
        self.prosess = subprocess.Popen(
            [sys.executable, __file__, *self.last],
            env=self.miljo,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            encoding="utf-8",
            cwd=Path(__file__).parent,
        )
        return self

    def __exit__(self, *_: object) -> None:
        assert self.prosess is not None and self.prosess.stdin is not None
        self.prosess.stdin.close()
        try:
            self.prosess.wait(timeout=60)
        finally:
            if self.prosess.poll() is None:
                self.prosess.kill()
                self.prosess.wait()
            if self.prosess.stdout is not None:
                self.prosess.stdout.close()

    def kjor(
        self,
        args: Sequence[str],
        *,
        skript: Path | None = None,
        kode: str | None = None,
        miljo: dict[str, str] | None = None,
        cwd: Path | None = None,
        umask: int | None = None,
        terminal: int | None = None,
    ) -> tuple[int, bytes, bytes]:
        """Run the script file `skript` (or the code `kode`, as `python -c`) with `args` in a new
        child; stdout piped, or a pseudo-terminal `terminal` columns wide. (exit code, stdout,
        stderr); the exit code is negative for a signal, as subprocess gives it."""
        assert (skript is None) != (kode is None)
        assert self.prosess is not None and self.prosess.stdin is not None and self.prosess.stdout is not None
        foresporsel = {
            "args": [str(a) for a in args],
            "skript": str(skript) if skript else None,
            "kode": kode,
            "miljo": self.miljo if miljo is None else miljo,
            "cwd": str(cwd) if cwd else None,
            "umask": umask,
            "terminal": terminal,
        }
        self.prosess.stdin.write(json.dumps(foresporsel) + "\n")
        self.prosess.stdin.flush()
        linje = self.prosess.stdout.readline()
        assert linje, f"the warm process ended (code {self.prosess.wait()})"
        svar = json.loads(linje)
        return svar["kode"], svar["ut"].encode("latin-1"), svar["feil"].encode("latin-1")


if __name__ == "__main__":
    main()
