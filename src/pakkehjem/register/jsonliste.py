"""A JSON array the store had SQLite make whole, kept apart from the typed records (`poster`),
which a command's fast path does not load."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class JsonListe:
    """A JSON array SQLite made whole (`forfaller --json`): its objects, compact and in UTF-8, in
    batches, each batch the objects joined by commas (an empty batch holds none). Written batch
    by batch, never joined into one: on 1,000,000 patients a batch is 37 MB."""

    bolker: tuple[bytes, ...]

    def rader(self) -> list[Any]:
        """The array's objects as Python values."""
        verdi: list[Any] = json.loads(b"[" + b",".join(b for b in self.bolker if b) + b"]")
        return verdi
