"""The two workers share pytest's rewriting of the test modules when bytecode is not written.

pytest rewrites the asserts of every test module it imports (so a failing assert shows its
values) and normally keeps the result in `__pycache__`, so the next run only reads it. With
PYTHONDONTWRITEBYTECODE set (some shells and containers set it) nothing is kept: each xdist
worker parses, rewrites and compiles every test module again, about 6 s of CPU each, the same
work twice in every run.

Here the workers keep the rewritten modules in a folder of this run (`omskrevet` in the run's
temporary folder, beside the child processes' `bytekode`), never in the source tree, so the
setting is still honoured there. The first worker rewrites the modules from the first one on,
the second from the last one back, and each stops where it finds one the other has written;
then both collect, and pytest reads every module from that folder. What is read is what pytest
itself writes and checks (the module's source hash), so a test module runs as it always does;
a module neither worker wrote is rewritten by pytest as before.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

TESTMAPPE = Path(__file__).resolve().parent


def _omskriver() -> Any:
    """pytest's rewriting module when it has the parts used here (else nothing is shared)."""
    try:
        from _pytest.assertion import rewrite
    except ImportError:
        return None
    deler = ("get_cache_dir", "PYC_TAIL", "_rewrite_test", "_write_pyc", "assertstate_key")
    return rewrite if all(hasattr(rewrite, d) for d in deler) else None


def del_omskrivingen(config: pytest.Config) -> None:
    """Rewrite this worker's share of the test modules into the run's folder, and make pytest
    read every test module's rewriting from there. Only in an xdist worker whose rewriting
    pytest would not keep itself, with asserts rewritten."""
    arbeider = os.environ.get("PYTEST_XDIST_WORKER", "")
    if not sys.dont_write_bytecode or not arbeider.startswith("gw") or not config.option.basetemp:
        return
    if getattr(config.option, "assertmode", "rewrite") != "rewrite":
        return
    rewrite = _omskriver()
    if rewrite is None:
        return
    # xdist gives each worker a folder inside the run's own: the run's folder is shared.
    mappe = Path(config.option.basetemp).resolve().parent / "omskrevet"
    mappe.mkdir(exist_ok=True)
    moduler = sorted(TESTMAPPE.glob("test_*.py"))

    ekte: Callable[[Path], Path] = rewrite.get_cache_dir

    def get_cache_dir(fil: Path) -> Path:
        return mappe if fil.parent == TESTMAPPE and fil.name.startswith("test_") else ekte(fil)

    rewrite.get_cache_dir = get_cache_dir

    rekkefolge = reversed(moduler) if int(arbeider[2:] or 0) % 2 else iter(moduler)
    try:
        state = config.stash[rewrite.assertstate_key]
        for modul in rekkefolge:
            pyc = mappe / (modul.stem + rewrite.PYC_TAIL)
            if pyc.exists():
                break  # the other worker has come this far
            try:
                kildehash, kode = rewrite._rewrite_test(modul, config)
            except SyntaxError:
                continue  # pytest reports it when it collects the module
            rewrite._write_pyc(state, kode, kildehash, pyc)
    except (TypeError, ValueError, KeyError, AttributeError):
        # These are pytest's private parts: a pytest whose parts take other arguments gets its
        # own rewriting back, module by module, as without this file.
        rewrite.get_cache_dir = ekte
