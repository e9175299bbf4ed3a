"""One error type per failure kind, each with its exit code (cli.md), mapped in cli.py."""

from __future__ import annotations


class PakkehjemFeil(Exception):
    """A refusal the user must read: the message is Norwegian and holds no patient data."""

    exit_code = 1


class IkkeFunnet(PakkehjemFeil):
    """No patient, episode or contact point by that reference."""


class FlereTreff(PakkehjemFeil):
    """A name given as a reference matches more than one active patient. The message lists
    them (masked), and the register logs the access to each one listed."""

    def __init__(self, melding: str, pasient_ider: list[int]):
        super().__init__(melding)
        self.pasient_ider = pasient_ider


class Duplikat(PakkehjemFeil):
    """The record is there already."""


class Avvist(PakkehjemFeil):
    """The action is not allowed in the present state (a closed contact point, say)."""


class ManglerSamtykke(PakkehjemFeil):
    """The patient objected, or has not consented, to this recipient."""


class Opptatt(PakkehjemFeil):
    """Another user held the database longer than the busy timeout."""


class SkadetDatabase(PakkehjemFeil):
    """The database file is not a readable SQLite file."""


class FeilNokkel(PakkehjemFeil):
    """An encrypted register did not open with the key given (or is no register at all)."""


class UgyldigInndata(PakkehjemFeil):
    """Bad input: usage, invalid fødselsnummer, impossible date."""

    exit_code = 2
