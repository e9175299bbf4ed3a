"""What every group of the store shares: the register it belongs to, and the running
transaction it writes through."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .tilkobling import Transaksjon

if TYPE_CHECKING:
    from . import Register


class Gruppe:
    """One group of tables (patients, contact points, conversations ...) of an open register.

    A group reaches the others through the register (`self.reg.pasienter`); a method that
    runs inside a caller's transaction writes through `self.t`."""

    def __init__(self, reg: Register) -> None:
        self.reg = reg

    @property
    def db(self) -> Any:
        """The connection, for reads."""
        return self.reg.db

    @property
    def t(self) -> Transaksjon:
        """The running transaction (a method that needs one is called inside one)."""
        t = self.reg.aktiv
        if t is None:
            raise RuntimeError("Kalt utenfor en transaksjon.")
        return t
