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

A program a test talks to in a terminal, as with `pexpect.spawn`, is a child forked the same way
on a pseudo-terminal of its own (its controlling terminal, in a session of its own, as pexpect
makes it): `varm.terminal(args, modul="pakkehjem", ...)` gives a `Terminalprogram`, which is
pexpect's `fdspawn` on the terminal's side the warm process hands over (SCM_RIGHTS), with what the
tests use of `pexpect.spawn`: `pid`, `sendcontrol`, `kill`, `isalive`, `close` (the terminal
closed: SIGHUP) and `exitstatus`/`signalstatus`, which the warm process sends when the child ends.

Use it where a test needs a process boundary (an exit code, what reaches stdout and stderr, the
umask, the environment, a terminal) but not a fresh interpreter. A test about what a fresh
interpreter imports or how the console script starts stays a real `subprocess` run.
"""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import gc
import io
import json
import os
import pty
import runpy
import select
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import termios
import time
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pexpect.fdpexpect import fdspawn

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
    """A text stream on `fd` as the interpreter makes sys.stdin/stdout/stderr (unbuffered when
    the environment says PYTHONUNBUFFERED, as a Python started with it would be)."""
    if modus == "r":
        return io.TextIOWrapper(io.FileIO(fd, "r", closefd=False), encoding="utf-8")
    feil = "backslashreplace" if fd == 2 else "strict"
    ra = io.FileIO(fd, "w", closefd=False)
    if os.environ.get("PYTHONUNBUFFERED"):
        return io.TextIOWrapper(ra, encoding="utf-8", errors=feil, write_through=True)
    return io.TextIOWrapper(io.BufferedWriter(ra), encoding="utf-8", errors=feil, line_buffering=linjebuffer)


def _barnet(foresporsel: dict[str, Any], inn: int, ut: int, feil: int) -> None:
    """In the forked child: become the program, run it, and leave with its exit code."""
    kode = 0
    try:
        signal.alarm(TIDSGRENSE)  # a child that hangs ends (SIGALRM) instead of the test
        os.dup2(inn, 0)
        os.dup2(ut, 1)
        os.dup2(feil, 2)
        os.environ.clear()
        os.environ.update(foresporsel["miljo"])
        sys.stdin = _apne_tekst(0, "r")
        sys.stdout = _apne_tekst(1, "w", linjebuffer=os.isatty(1))
        sys.stderr = _apne_tekst(2, "w", linjebuffer=True)
        if foresporsel.get("cwd"):
            os.chdir(foresporsel["cwd"])
        if foresporsel.get("umask") is not None:
            os.umask(foresporsel["umask"])
        if foresporsel.get("skript"):
            sys.argv = [foresporsel["skript"], *foresporsel["args"]]
            runpy.run_path(foresporsel["skript"], run_name="__main__")
        elif foresporsel.get("modul"):  # python -m MODUL: argv[0] is the module's file, as there
            sys.argv = ["-m", *foresporsel["args"]]
            runpy.run_module(foresporsel["modul"], run_name="__main__", alter_sys=True)
        else:
            sys.argv = ["-c", *foresporsel["args"]]
            exec(compile(foresporsel["kode"], "<string>", "exec"), {"__name__": "__main__"})
    except SystemExit as slutt:
        if slutt.code is None or isinstance(slutt.code, int):
            kode = slutt.code or 0
        else:  # sys.exit("text"): the interpreter prints it and exits 1
            print(slutt.code, file=sys.stderr)
            kode = 1
    except KeyboardInterrupt:  # the interpreter prints it, then ends by SIGINT itself
        traceback.print_exc()
        kode = -signal.SIGINT
    except BaseException:  # what the interpreter prints for an uncaught exception, and its code
        traceback.print_exc()
        kode = 1
    finally:
        try:
            atexit._run_exitfuncs()  # as the interpreter does on its way out
            kode = _spyl_ut(kode)
            if kode == -signal.SIGINT:
                signal.signal(signal.SIGINT, signal.SIG_DFL)
                os.kill(os.getpid(), signal.SIGINT)
        finally:
            os._exit(kode)


def _spyl_ut(kode: int) -> int:
    """The interpreter's last flush of stdout and stderr on its way out: a stdout that cannot
    take what is left gives "Exception ignored in: ..." on stderr and exit code 120."""
    try:
        sys.stdout.flush()
    except Exception as feil:
        with contextlib.suppress(OSError):
            tekst = f"Exception ignored in: {sys.stdout!r}\n" + "".join(traceback.format_exception_only(feil))
            os.write(2, tekst.encode("utf-8", "backslashreplace"))
        kode = 120
    try:
        sys.stderr.flush()
    except Exception:
        kode = 120
    return kode


def _kjor_en(foresporsel: dict[str, Any]) -> dict[str, Any]:
    """Fork a child for one request; its exit code, stdout and stderr (bytes as latin-1 text)."""
    bredde = foresporsel.get("terminal")
    with tempfile.TemporaryFile() as ut, tempfile.TemporaryFile() as feil:
        hoved = -1
        if bredde:
            hoved, under = ny_terminal(bredde)
            inn = utfd = under
        else:
            if foresporsel.get("inn") is not None:  # stdin: a file holding what the test gives
                with tempfile.TemporaryFile() as innfil:
                    innfil.write(foresporsel["inn"].encode("latin-1"))
                    innfil.seek(0)
                    inn = os.dup(innfil.fileno())
            else:
                inn = os.open(os.devnull, os.O_RDONLY)
            utfd = os.open(foresporsel["ut_til"], os.O_WRONLY) if foresporsel.get("ut_til") else ut.fileno()
        pid = os.fork()
        if pid == 0:
            _barnet(foresporsel, inn, utfd, feil.fileno())
        os.close(inn)
        if utfd not in (inn, ut.fileno()):
            os.close(utfd)
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


def _start_barn(foresporsel: dict[str, Any], kanal: socket.socket) -> None:
    """Fork a watcher that starts the program, on a new pseudo-terminal (`pty`) or on pipes
    (`ror`: stdin and stdout, stderr to a file), hands the test's ends and a channel for the
    exit status to the test over `kanal`, and sends the status there when the program ends. The
    warm process goes straight back to its requests."""
    if os.fork():
        return
    # The watcher: a child of the warm process, parent of the program.
    kode = 0
    try:
        fd = os.open(os.devnull, os.O_RDWR)
        os.dup2(fd, 0)  # the warm process's request and answer pipes are not the watcher's
        os.dup2(fd, 1)
        os.close(fd)
        status, status_til_testen = socket.socketpair()
        if foresporsel.get("pty"):
            rader, kolonner = foresporsel["pty"]
            hoved, under = pty.openpty()
            fcntl.ioctl(under, termios.TIOCSWINSZ, struct.pack("HHHH", rader, kolonner, 0, 0))
            barnets, testens = [under], [hoved]
        else:
            inn_les, inn_skriv = os.pipe()
            ut_les, ut_skriv = os.pipe()
            feil = os.open(foresporsel["ror"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            barnets, testens = [inn_les, ut_skriv, feil], [inn_skriv, ut_les]
        pid = os.fork()
        if pid == 0:
            if foresporsel.get("pty"):
                # As pexpect starts a program: a session of its own with this terminal as its
                # controlling terminal on stdin, stdout and stderr.
                os.login_tty(under)
            else:  # as subprocess.Popen with stdin and stdout piped and stderr to a file
                for fd, til in zip(barnets, (0, 1, 2), strict=True):
                    os.dup2(fd, til)
            os.closerange(3, 65536)  # and no other file open
            _barnet(foresporsel, 0, 1, 2)
        for fd in barnets:
            os.close(fd)
        socket.send_fds(kanal, [json.dumps({"pid": pid}).encode()], [*testens, status_til_testen.fileno()])
        for fd in testens:
            os.close(fd)
        status_til_testen.close()
        _, vent = os.waitpid(pid, 0)
        status.sendall(struct.pack("i", vent))
    except BaseException:
        with contextlib.suppress(OSError):
            socket.send_fds(kanal, [json.dumps({"feil": traceback.format_exc()}).encode()], [])
        kode = 1
    finally:
        os._exit(kode)


def _rydd_barn() -> None:
    """Reap the watchers that have ended (each sent its program's status to the test itself)."""
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def main() -> None:
    """Import what is named on the command line, then answer one JSON request a line; a program
    in an interactive terminal is answered over the socket whose descriptor is the first argument."""
    import importlib

    kanal = socket.socket(fileno=int(sys.argv[1]))
    for navn in sys.argv[2:]:
        importlib.import_module(navn)
    # What is loaded now stays for the life of every child: out of the garbage collector's
    # sight, a child's collections do not touch (and so copy) every page of it.
    gc.freeze()
    svar = sys.stdout
    for linje in sys.stdin:
        _rydd_barn()
        foresporsel = json.loads(linje)
        if foresporsel.get("pty") or foresporsel.get("ror"):
            _start_barn(foresporsel, kanal)
            continue
        svar.write(json.dumps(_kjor_en(foresporsel)) + "\n")
        svar.flush()
    # Every watcher reaped before the end: so their programs' CPU time counts as this process's
    # children's, as a program started by the test would count as the test's.
    with contextlib.suppress(ChildProcessError):
        while True:
            os.wait()


# --- the test's side -----------------------------------------------------------------------------


class VarmProsess:
    """The warm process: started by `with`, ended when the block ends."""

    def __init__(self, miljo: dict[str, str], last: Sequence[str] = ()) -> None:
        self.miljo = miljo
        self.last = list(last)
        self.prosess: subprocess.Popen[str] | None = None
        self.kanal: socket.socket | None = None
        self.startet: list[Terminalprogram | Rorprogram] = []

    def __enter__(self) -> VarmProsess:
        self.kanal, hos_varm = socket.socketpair()
        try:
            self.prosess = subprocess.Popen(
                [sys.executable, __file__, str(hos_varm.fileno()), *self.last],
                env=self.miljo,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
                encoding="utf-8",
                cwd=Path(__file__).parent,
                pass_fds=[hos_varm.fileno()],
            )
        finally:
            hos_varm.close()
        return self

    def __exit__(self, *_: object) -> None:
        assert self.prosess is not None and self.prosess.stdin is not None and self.kanal is not None
        # A program a failed test left running (waiting for input it will never get) would keep
        # its watcher, and so the warm process, from ending.
        for program in self.startet:
            if program.isalive():
                with contextlib.suppress(ProcessLookupError):
                    os.kill(program.pid, signal.SIGKILL)
        self.prosess.stdin.close()
        self.kanal.close()
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
        modul: str | None = None,
        miljo: dict[str, str] | None = None,
        cwd: Path | None = None,
        umask: int | None = None,
        terminal: int | None = None,
        inn: bytes | str | None = None,
        ut_til: Path | None = None,
    ) -> tuple[int, bytes, bytes]:
        """Run the script file `skript` (or the code `kode`, as `python -c`, or the module
        `modul`, as `python -m`) with `args` in a new child, stdin `inn` (else empty:
        /dev/null); stdout piped (or written to the file `ut_til`, such as /dev/full), or a
        pseudo-terminal `terminal` columns wide. (exit code, stdout, stderr); the exit code is
        negative for a signal, as subprocess gives it."""
        foresporsel = self._foresporsel(args, skript, kode, modul, miljo, cwd, umask)
        foresporsel["terminal"] = terminal
        if isinstance(inn, str):
            inn = inn.encode("utf-8")
        foresporsel["inn"] = None if inn is None else inn.decode("latin-1")
        foresporsel["ut_til"] = str(ut_til) if ut_til else None
        self._send(foresporsel)
        assert self.prosess is not None and self.prosess.stdout is not None
        linje = self.prosess.stdout.readline()
        assert linje, f"the warm process ended (code {self.prosess.wait()})"
        svar = json.loads(linje)
        return svar["kode"], svar["ut"].encode("latin-1"), svar["feil"].encode("latin-1")

    def terminal(
        self,
        args: Sequence[str],
        *,
        modul: str | None = None,
        kode: str | None = None,
        skript: Path | None = None,
        miljo: dict[str, str] | None = None,
        cwd: Path | None = None,
        umask: int | None = None,
        dimensions: tuple[int, int] = (24, 80),
        timeout: float = 30,
        encoding: str | None = "utf-8",
    ) -> Terminalprogram:
        """Start `python -m MODUL ARGS` (or `python -c KODE ARGS`, or the script file `skript`)
        in a new child on a pseudo-terminal of its own, `dimensions` (rows, columns) large, as
        `pexpect.spawn` would start it; the test talks to it through the returned
        `Terminalprogram`."""
        foresporsel = self._foresporsel(args, skript, kode, modul, miljo, cwd, umask)
        foresporsel["pty"] = list(dimensions)
        pid, (hoved, status) = self._start(foresporsel, 2)
        program = Terminalprogram(hoved, pid, status, timeout, encoding)
        self.startet.append(program)
        return program

    def ror(
        self,
        args: Sequence[str],
        *,
        kode: str,
        feil_til: Path,
        miljo: dict[str, str] | None = None,
        cwd: Path | None = None,
    ) -> Rorprogram:
        """Start `python -c KODE ARGS` in a new child with stdin and stdout piped to the test and
        stderr written to the file `feil_til`, as `subprocess.Popen` with those pipes would; the
        test talks to it through the returned `Rorprogram`."""
        foresporsel = self._foresporsel(args, None, kode, None, miljo, cwd, None)
        foresporsel["ror"] = str(feil_til)
        pid, (inn, ut, status) = self._start(foresporsel, 3)
        program = Rorprogram(pid, inn, ut, status)
        self.startet.append(program)
        return program

    def _start(self, foresporsel: dict[str, Any], antall: int) -> tuple[int, list[Any]]:
        """Send a request for a program the test talks to; its pid and the test's ends (the
        last: the socket its exit status comes on)."""
        assert self.kanal is not None
        self._send(foresporsel)
        self.kanal.settimeout(TIDSGRENSE)
        data, fds, _, _ = socket.recv_fds(self.kanal, 65536, antall)
        svar = json.loads(data)
        assert "feil" not in svar, svar["feil"]
        return svar["pid"], [*fds[:-1], socket.socket(fileno=fds[-1])]

    def _foresporsel(
        self,
        args: Sequence[str],
        skript: Path | None,
        kode: str | None,
        modul: str | None,
        miljo: dict[str, str] | None,
        cwd: Path | None,
        umask: int | None,
    ) -> dict[str, Any]:
        assert [skript, kode, modul].count(None) == 2, "one of skript, kode and modul"
        return {
            "args": [str(a) for a in args],
            "skript": str(skript) if skript else None,
            "kode": kode,
            "modul": modul,
            "miljo": self.miljo if miljo is None else miljo,
            "cwd": str(cwd) if cwd else None,
            "umask": umask,
        }

    def _send(self, foresporsel: dict[str, Any]) -> None:
        assert self.prosess is not None and self.prosess.stdin is not None
        self.prosess.stdin.write(json.dumps(foresporsel) + "\n")
        self.prosess.stdin.flush()


def _vent_status(status: socket.socket, tid: float | None) -> int | None:
    """The wait status the watcher sends when the program has ended, if it comes within `tid`
    seconds (None: not yet)."""
    if not select.select([status], [], [], tid)[0]:
        return None
    data = status.recv(4)
    assert len(data) == 4, "the warm process's watcher ended without the exit status"
    status.close()
    return int(struct.unpack("i", data)[0])


class Rorprogram:
    """A program with stdin and stdout piped, forked by the warm process: the parts of
    `subprocess.Popen` the tests use (`stdin`, `stdout`, `pid`, `wait`, `returncode`)."""

    def __init__(self, pid: int, inn: int, ut: int, status: socket.socket) -> None:
        self.pid = pid
        self.stdin = open(inn, "w", encoding="utf-8")  # noqa: SIM115 (closed by the test, as Popen's)
        self.stdout = open(ut, encoding="utf-8")  # noqa: SIM115
        self._status = status
        self.returncode: int | None = None

    def isalive(self) -> bool:
        if self.returncode is None:
            vent = _vent_status(self._status, 0)
            if vent is not None:
                self.returncode = os.waitstatus_to_exitcode(vent)
        return self.returncode is None

    def wait(self, timeout: float | None = None) -> int:
        if self.returncode is None:
            vent = _vent_status(self._status, timeout)
            if vent is None:
                raise subprocess.TimeoutExpired(str(self.pid), timeout or 0)
            self.returncode = os.waitstatus_to_exitcode(vent)
        return self.returncode


class Terminalprogram(fdspawn):
    """A program on a pseudo-terminal, forked by the warm process: pexpect's `fdspawn` on the
    terminal's side, with the parts of `pexpect.spawn` the tests use. The program is the warm
    process's grandchild, not the test's child: its exit status comes over `status`."""

    def __init__(
        self, hoved: int, pid: int, status: socket.socket, timeout: float, encoding: str | None
    ) -> None:
        super().__init__(hoved, timeout=timeout, encoding=encoding)
        self.pid = pid
        self._status = status
        self.status: int | None = None
        self.exitstatus: int | None = None
        self.signalstatus: int | None = None
        self.terminated = False

    def send(self, s: str | bytes) -> int:
        """As pexpect.spawn.send: wait `delaybeforesend` first (a program that turns the echo
        off after its prompt, as getpass does, would otherwise echo what comes too early)."""
        if self.delaybeforesend is not None:
            time.sleep(self.delaybeforesend)
        return super().send(s)

    def sendcontrol(self, tegn: str) -> int:
        """Ctrl and a letter, as the terminal sends it (Ctrl-C: the terminal sends SIGINT)."""
        assert tegn.isalpha() and len(tegn) == 1, tegn
        return self.send(chr(ord(tegn.lower()) - ord("a") + 1))

    def sendintr(self) -> int:
        """The terminal's interrupt character (Ctrl-C): the terminal sends SIGINT."""
        return self.send(chr(termios.tcgetattr(self.child_fd)[6][termios.VINTR][0]))

    def _les_status(self, tid: float | None) -> bool:
        """Take the exit status if it has come within `tid` seconds; whether it has."""
        if self.status is not None:
            return True
        self.status = _vent_status(self._status, tid)
        if self.status is None:
            return False
        if os.WIFEXITED(self.status):
            self.exitstatus = os.WEXITSTATUS(self.status)
        else:
            self.signalstatus = os.WTERMSIG(self.status)
        self.terminated = True
        return True

    def isalive(self) -> bool:
        return not self._les_status(0)

    def wait(self) -> int:
        """Wait until the program has ended; its exit status (None when a signal ended it)."""
        assert self._les_status(TIDSGRENSE), "the program did not end"
        return self.exitstatus  # type: ignore[return-value]

    def kill(self, sig: int) -> None:
        if self.isalive():
            os.kill(self.pid, sig)

    def close(self, force: bool = True) -> None:
        """Close the terminal (the program gets SIGHUP, as when a terminal window is closed) and
        wait for the program to end; SIGKILL if it has not within a few seconds and `force`."""
        if self.child_fd != -1:
            super().close()
        if not self._les_status(5) and force:
            os.kill(self.pid, signal.SIGKILL)
            self._les_status(TIDSGRENSE)


if __name__ == "__main__":
    main()
