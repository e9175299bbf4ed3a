"""Small helpers the test modules share (fixtures are in conftest.py)."""

from __future__ import annotations

import json
from typing import Any

# "Today" in the CLI tests: Monday 23 November 2026, the first day of ISO week 48.
IDAG = "2026-11-23"

# The tables a change must leave whole or untouched.
PASIENTTABELLER = ("pasient", "forlop", "samhandlingspunkt", "hendelse", "tilgangslogg")


def melding(resultat: Any) -> str:
    """stderr with rich's line wrapping undone, for matching whole sentences."""
    return " ".join(resultat.stderr.split())


def json_ut(resultat: Any) -> Any:
    """The one JSON document a `--json` command wrote to stdout."""
    assert resultat.exit_code == 0, resultat.output
    return json.loads(resultat.stdout)
