"""Run `pakkehjem` argument lists two ways, each in a fresh child process, and report both.

    python tests/to_veier.py REGISTER < tilfeller.json > svar.json

Each case (`{"args": [...], "miljo": {NAME: value or null}}`) runs first through the console
script's entry point (`inngang.main`, which takes the fast path of `snarvei` where it can) and
then through the command line's own `cli.main`. Each run is a child forked from this process
with both modules loaded, so a case costs a fork, not a Python start-up; the child gets stdout
and stderr of its own and ends as the process would. The report per case: for each way the
exit code, stdout, stderr and the access-log rows the run added to REGISTER (without their time).
"""

from __future__ import annotations

import io
import json
import os
import sqlite3
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pakkehjem import cli, inngang


def _loggrader(register: Path, etter: int) -> tuple[int, list[list[Any]]]:
    """The highest access-log id, and the rows after id `etter` (user, patient, action)."""
    try:
        with sqlite3.connect(f"file:{register}?mode=ro", uri=True) as tilkobling:
            rader = tilkobling.execute(
                "SELECT id, bruker, pasient_id, handling FROM tilgangslogg WHERE id > ? ORDER BY id", (etter,)
            ).fetchall()
            hoyest = tilkobling.execute("SELECT coalesce(max(id), 0) FROM tilgangslogg").fetchone()[0]
    except sqlite3.Error:
        return etter, []
    return hoyest, [list(rad[1:]) for rad in rader]


def _i_barn(inngang_: Callable[[], None], args: list[str], miljo: dict[str, str | None]) -> list[Any]:
    """Run `inngang_` with `args` in a forked child; (exit code, stdout, stderr)."""
    with tempfile.TemporaryFile() as ut, tempfile.TemporaryFile() as feil:
        pid = os.fork()
        if pid == 0:  # the child: as `pakkehjem ARGS` would start, then out through os._exit
            kode = 0
            try:
                os.dup2(ut.fileno(), 1)
                os.dup2(feil.fileno(), 2)
                sys.stdout = io.TextIOWrapper(io.FileIO(1, "w", closefd=False), encoding="utf-8")
                sys.stderr = io.TextIOWrapper(
                    io.FileIO(2, "w", closefd=False), encoding="utf-8", errors="backslashreplace"
                )
                for navn, verdi in miljo.items():
                    if verdi is None:
                        os.environ.pop(navn, None)
                    else:
                        os.environ[navn] = verdi
                sys.argv = ["pakkehjem", *args]
                inngang_()
            except SystemExit as slutt:
                kode = slutt.code if isinstance(slutt.code, int) else (0 if slutt.code is None else 1)
            except BaseException:  # what the interpreter would print, and its exit code
                import traceback

                traceback.print_exc()
                kode = 1
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(kode)
        _, status = os.waitpid(pid, 0)
        ut.seek(0)
        feil.seek(0)
        return [os.waitstatus_to_exitcode(status), ut.read().decode(), feil.read().decode()]


def main() -> None:
    """Read the cases on stdin, write the report on stdout."""
    # Loaded once here, not in every child: what either way loads on its own first use.
    from pakkehjem import apning, utdata, visning  # noqa: F401
    from pakkehjem.register import brevlogg, pasienter, samtaler, samtykker, tiltak  # noqa: F401

    register = Path(sys.argv[1])
    svar = []
    hoyest, _ = _loggrader(register, 0)
    for tilfelle in json.load(sys.stdin):
        begge = []
        for inngang_ in (inngang.main, cli.main):
            resultat = _i_barn(inngang_, tilfelle["args"], tilfelle.get("miljo", {}))
            hoyest, rader = _loggrader(register, hoyest)
            begge.append([*resultat, rader])
        svar.append(begge)
    json.dump(svar, sys.stdout)


if __name__ == "__main__":
    main()
