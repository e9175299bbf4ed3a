"""The command line: parse options, call the core, print; errors mapped to exit codes here.

No rule of the pathway lives in this file.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator, MutableMapping, Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from typer._click.exceptions import UsageError
from typer.core import TyperCommand, TyperGroup

from . import forlop, norsk, utdata, utgang
from .datoer import idag as dagens_dato
from .datoer import norsk_dato, parse_dato
from .feil import PakkehjemFeil, UgyldigInndata
from .miljo import DB_VALG, IDAG_VALG, JSON_VALG, UKE_VALG, Miljo, forbered_prosess
from .miljo import dato_valg as _dato
from .miljo import tjeneste_valg as _tjeneste

if TYPE_CHECKING:
    pass

HJELP_VALG = "Vis denne hjelpen og avslutt."


def _norsk_hjelpetekst() -> None:
    """Typer's help panels in Norwegian; only loaded when help is shown."""
    from typer import rich_utils

    rich_utils.ARGUMENTS_PANEL_TITLE = "Argumenter"
    rich_utils.OPTIONS_PANEL_TITLE = "Valg"
    rich_utils.COMMANDS_PANEL_TITLE = "Kommandoer"
    rich_utils.DEFAULT_STRING = "[standard: {}]"
    rich_utils.ENVVAR_STRING = "[miljøvariabel: {}]"
    rich_utils.REQUIRED_LONG_STRING = "[påkrevd]"
    rich_utils.ERRORS_PANEL_TITLE = "Feil"
    rich_utils.DEPRECATED_STRING = "(utgått) "
    rich_utils.ABORTED_TEXT = "Avbrutt."
    rich_utils.RICH_HELP = "Se [blue]«{command_path} {help_option}»[/] for hjelp."


# Typer's own type names as they appear in help, e.g. `<str>`, made Norwegian.
_TYPENAVN = {
    "str": "tekst",
    "text": "tekst",
    "int": "tall",
    "integer": "tall",
    "int range": "tall",
    "float": "desimaltall",
    "float range": "desimaltall",
    "path": "fil",
    "filename": "fil",
    "choice": "valg",
    "datetime": "dato",
}
# What a value of that type must be, for the message when one is not.
_TYPEKRAV = {"tall": "et heltall", "desimaltall": "et tall", "fil": "en filsti"}


def _norske_parametre(kommando: Any) -> None:
    """Norwegian metavars for a command's parameters, set just before help or usage is shown.

    Arguments are shown by their name in capitals (REF, not {ref}); a type is shown by its
    Norwegian name (<tekst>, not <str>). Each parameter gets its own copy of the type, so the
    shared type objects of the option parser are left alone.
    """
    import copy

    for param in kommando.params:
        if param.param_type_name == "argument" and param.metavar is None:
            param.metavar = (param.name or "").upper()
        norsk = _TYPENAVN.get(param.type.name)
        if norsk is not None:
            param.type = copy.copy(param.type)
            param.type.name = norsk


class _NorskHjelp:
    options_metavar: str | None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.options_metavar = "[VALG]"
        if hasattr(self, "subcommand_metavar"):
            self.subcommand_metavar = "KOMMANDO [ARGUMENTER]..."

    def get_help_option(self, ctx: Any) -> Any:
        valg = super().get_help_option(ctx)  # type: ignore[misc]
        if valg is not None:
            valg.help = HJELP_VALG
        return valg

    def format_usage(self, ctx: Any, formatter: Any) -> None:
        _norske_parametre(self)
        # Typer writes a required argument as {REF}; Norwegian usage lines (and click's own) use REF.
        biter = [
            bit[1:-1] if bit.startswith("{") and bit.endswith("}") else bit
            for bit in self.collect_usage_pieces(ctx)  # type: ignore[attr-defined]
        ]
        formatter.write_usage(ctx.command_path, " ".join(biter), prefix="Bruk: ")

    def get_help(self, ctx: Any) -> str:
        _norsk_hjelpetekst()
        _norske_parametre(self)
        return super().get_help(ctx)  # type: ignore[misc,no-any-return]

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        return super().parse_args(ctx, _gamle_datovalg(self, args))  # type: ignore[misc,no-any-return]


def _gamle_datovalg(kommando: Any, args: list[str]) -> list[str]:
    """The old `--dato` spelling, read as the command's own date option (`--idag`, `--samtaledato` ...).

    The new names say which date they are; scripts written with `--dato` keep working, and
    help shows only the new name.
    """
    from .norsk import DATOVALG_NYE, GAMMELT_DATOVALG

    if not any(a == GAMMELT_DATOVALG or a.startswith(GAMMELT_DATOVALG + "=") for a in args):
        return args
    navn = {opt for param in kommando.params for opt in getattr(param, "opts", ())}
    if GAMMELT_DATOVALG in navn:
        return args
    nytt = next((opt for opt in DATOVALG_NYE if opt in navn), None)
    if nytt is None:
        return args
    ut: list[str] = []
    for i, arg in enumerate(args):
        if arg == "--":
            return ut + args[i:]
        if arg == GAMMELT_DATOVALG:
            ut.append(nytt)
        elif arg.startswith(GAMMELT_DATOVALG + "="):
            ut.append(nytt + arg[len(GAMMELT_DATOVALG) :])
        else:
            ut.append(arg)
    return ut


class Kommando(_NorskHjelp, TyperCommand):
    """A command with Norwegian help."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        """The parser's own check for extra arguments is replaced by ForMangeArgumenter, so the
        message is chosen by class. No command takes extra arguments."""
        ctx.allow_extra_args = True
        try:
            rest = super().parse_args(ctx, args)
        finally:
            ctx.allow_extra_args = False
        if rest and not ctx.resilient_parsing:
            raise ForMangeArgumenter(ctx)
        return rest


def _param_navn(param: Any) -> str:
    """How a parameter is named to the user: its long option, or an argument's name in capitals."""
    if param is None:
        return ""
    if getattr(param, "param_type_name", "") == "argument":
        return (getattr(param, "name", "") or "").upper()
    opts = getattr(param, "opts", []) or []
    lange = [o for o in opts if o.startswith("--")]
    return str((lange or opts or [getattr(param, "name", "")])[0])


def _bruksfeil_tekst(feil: Exception) -> str:
    """A Norwegian message for a usage error from the option parser."""
    # Typer carries its own copy of click (typer._click); its usage errors are those classes.
    from typer._click import exceptions as klikk

    param = getattr(feil, "param", None)
    if isinstance(feil, UkjentKommando):
        tekst = f"Ukjent kommando: {feil.vist}."
        if feil.forslag:
            tekst += f" Mente du {' eller '.join(f'«{navn}»' for navn in feil.forslag)}?"
        return tekst
    if isinstance(feil, klikk.NoSuchOption):
        tekst = f"Ukjent valg: {getattr(feil, 'option_name', '')}."
        forslag = sorted(getattr(feil, "possibilities", None) or [])
        if forslag:
            tekst += f" Mente du {' eller '.join(forslag)}?"
        return tekst
    # MissingParameter is a kind of BadParameter: asked first.
    if isinstance(feil, klikk.MissingParameter):
        hint = _param_navn(param)
        hjelp = (getattr(param, "help", None) or "").strip().rstrip(".")
        if getattr(param, "param_type_name", "") == "argument" and hjelp:
            return f"Mangler {hint}: {hjelp[:1].lower()}{hjelp[1:]}."
        return f"Mangler {hint}."
    if isinstance(feil, klikk.BadParameter):
        hint = _param_navn(param)
        typenavn = getattr(getattr(param, "type", None), "name", "")
        krav = _TYPEKRAV.get(_TYPENAVN.get(typenavn, typenavn))
        if krav is None:
            return f"Ugyldig verdi for {hint}."
        grenser = ""
        type_ = getattr(param, "type", None)
        if (minst := getattr(type_, "min", None)) is not None:
            grenser += f" på minst {minst}"
        if (hoyst := getattr(type_, "max", None)) is not None:
            grenser += f"{' og' if grenser else ''} på høyst {hoyst}"
        return f"Ugyldig verdi for {hint}: oppgi {krav}{grenser}."
    if isinstance(feil, klikk.BadOptionUsage):
        return f"Valget {getattr(feil, 'option_name', '')} trenger en verdi."
    if isinstance(feil, ManglerKommando):
        return "Mangler kommando."
    if isinstance(feil, ForMangeArgumenter):
        return "For mange argumenter."
    return "Feil bruk av kommandoen."


def _valgfri_uke(args: list[str]) -> list[str]:
    """`--uke` with no value means the current week (click options always want a value)."""
    resultat = []
    for i, arg in enumerate(args):
        if arg == UKE_VALG and (i + 1 == len(args) or args[i + 1].startswith("-")):
            resultat.append(f"{UKE_VALG}=")
        else:
            resultat.append(arg)
    return resultat


melding = utgang.melding


def _styretegn_i_argumenter(args: list[str]) -> str | None:
    """The refusal for the first argument with a control character (ESC, CSI, a line break
    ...), naming its option but never the value; None when there is none."""
    from .skjermtekst import feil_i

    for i, arg in enumerate(args):
        if arg.startswith("--") and "=" in arg:
            hva, _, verdi = arg.partition("=")
            hva = f"Valget {hva}"
        elif i > 0 and args[i - 1].startswith("-") and not arg.startswith("-"):
            hva, verdi = f"Valget {args[i - 1].partition('=')[0]}", arg
        else:
            hva, verdi = "Et argument", arg
        tekst = feil_i(verdi, hva)
        if tekst:
            return tekst
    return None


class UkjentKommando(UsageError):
    """A command name the top group does not have, with the close names as suggestions: the
    message is written in Norwegian from these (Typer's own suggestion is English). `vist`: the
    name as the message shows it («navn»; quoted as the parser quotes it, 'navn', for a name
    that looks like an option or that the group failed to build)."""

    def __init__(self, navn: str, forslag: list[str], ctx: Any, *, vist: str | None = None) -> None:
        super().__init__(f"Ukjent kommando: {navn}.", ctx)
        self.navn = navn
        self.forslag = forslag
        self.vist = vist if vist is not None else f"«{navn}»"


class ManglerKommando(UsageError):
    """Options to the top group, but no command after them (`pakkehjem --db FIL`)."""

    def __init__(self, ctx: Any) -> None:
        super().__init__("Mangler kommando.", ctx)


class ForMangeArgumenter(UsageError):
    """More arguments than the command takes; they are not shown back (they may be patient data)."""

    def __init__(self, ctx: Any) -> None:
        super().__init__("For mange argumenter.", ctx)


class Hovedgruppe(_NorskHjelp, TyperGroup):
    """The top group: runs a command and maps every failure to a message and an exit code."""

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        """The command named first in `args`; an unknown name is UkjentKommando, with the
        close names as suggestions (the app's `suggest_commands` is off: its text is English)."""
        from typer._click.exceptions import BadOptionUsage, BadParameter, NoSuchOption

        try:
            return super().resolve_command(ctx, args)
        except (NoSuchOption, BadOptionUsage, BadParameter):
            raise  # an option before the name (the parser reads them again for an option-like name)
        except UsageError:
            navnene = list(self.commands)  # the names only: asking for a command builds it
            if args[0].startswith("-") or args[0] in navnene:
                raise UkjentKommando(args[0], [], ctx, vist=repr(args[0])) from None
            from difflib import get_close_matches

            raise UkjentKommando(args[0], get_close_matches(args[0], navnene), ctx) from None

    def invoke(self, ctx: Any) -> Any:
        """Run the command named; options and no command is ManglerKommando. (The group's own
        refusal is the parser's plain UsageError on the group's context: every other usage
        error is a subclass, or belongs to the command's context, or is UkjentKommando above.)"""
        try:
            return super().invoke(ctx)
        except UsageError as feil:
            if type(feil) is UsageError and feil.ctx is ctx:
                raise ManglerKommando(ctx) from None
            raise
        except KeyboardInterrupt:
            raise utgang.Avbrudd() from None

    def _main_med_typer(self, args: list[str], *a: Any, **kw: Any) -> Any:
        """The option parser's run, with its own ways of ending mapped to messages and exit codes."""
        try:
            return super().main(args, *a, **kw)
        except typer.Exit as slutt:
            sys.exit(slutt.exit_code)
        except typer.TyperException as feil:
            from typer._click.exceptions import NoArgsIsHelpError

            if isinstance(feil, NoArgsIsHelpError):
                ctx = getattr(feil, "ctx", None)
                if ctx is not None:
                    typer.echo(ctx.get_help())
                sys.exit(0)
            kode = getattr(feil, "exit_code", 2)
            ctx = getattr(feil, "ctx", None)
            sti = ctx.command_path if ctx is not None else "pakkehjem"
            melding(f"{_bruksfeil_tekst(feil)} Se «{sti} --help».")
            sys.exit(kode)

    def main(self, args: Sequence[str] | None = None, *a: Any, **kw: Any) -> Any:
        kw["standalone_mode"] = False
        args = _valgfri_uke(list(sys.argv[1:] if args is None else args))
        if not args:
            args = ["--help"]  # a bare `pakkehjem` shows what it can do
        if any("\x00" in arg for arg in args):
            # argv from a shell never holds NUL; a caller in-process can, and every path would fail on it.
            melding("Et argument inneholder NUL-tegnet (\\0). Skriv kommandoen på nytt uten det.")
            sys.exit(2)
        styretegn = _styretegn_i_argumenter(args)
        if styretegn:
            # Refused at input: stored, it would act on every terminal that shows it later.
            melding(styretegn)
            sys.exit(2)
        resultat = utgang.kjor(lambda: self._main_med_typer(args, *a, **kw), avbrudd=(typer.Abort,))
        if isinstance(resultat, int) and resultat:
            sys.exit(resultat)
        return resultat


app = typer.Typer(
    cls=Hovedgruppe,
    help="Pakkeforløp hjem for pasienter med kreft: register, arbeidsliste, samtale og brev.",
    add_completion=False,
    no_args_is_help=True,
    # Its suggestion for a mistyped command is English; Hovedgruppe.resolve_command makes its own.
    suggest_commands=False,
    # A traceback could show patient data (domain.md, privacy): never print one.
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def kommando(navn: str) -> Any:
    """Register a command with Norwegian help handling."""
    return app.command(navn, cls=Kommando)


class _Kommandoer(MutableMapping[str, Any]):
    """The top group's commands by name, each built from its Typer definition when first asked for.

    Building a click command evaluates the function's annotations; doing that for all of them on
    every call cost about 40 ms. The names (and their order, which the help lists) come from the
    Typer app's own register of commands, so there is one list.
    """

    def __init__(self, definisjoner: Sequence[Any]) -> None:
        self._definisjoner = {d.name: d for d in definisjoner}
        self.bygd: dict[str, Any] = {}

    def __getitem__(self, navn: str) -> Any:
        if navn not in self.bygd:
            definisjon = self._definisjoner[navn]  # KeyError: no such command
            self.bygd[navn] = typer.main.get_command_from_info(
                definisjon,
                pretty_exceptions_short=app.pretty_exceptions_short,
                rich_markup_mode=app.rich_markup_mode,
            )
        return self.bygd[navn]

    def __setitem__(self, navn: str, kommando_: Any) -> None:
        self.bygd[navn] = kommando_
        self._definisjoner.setdefault(navn, None)

    def __delitem__(self, navn: str) -> None:
        del self._definisjoner[navn]
        self.bygd.pop(navn, None)

    def __iter__(self) -> Iterator[str]:
        return iter(self._definisjoner)

    def __len__(self) -> int:
        return len(self._definisjoner)


def kommandotre() -> Hovedgruppe:
    """The click group of the app with no command built yet: `pakkehjem CMD` builds only CMD.

    What Typer would build (typer.main.get_command), less the commands, which are built on
    demand from the same definitions.
    """
    definisjoner = app.registered_commands
    app.registered_commands = []
    try:
        gruppe = typer.main.get_group(app)
    finally:
        app.registered_commands = definisjoner
    assert isinstance(gruppe, Hovedgruppe)
    gruppe.commands = _Kommandoer(definisjoner)
    return gruppe


@app.callback()
def hoved(
    ctx: typer.Context,
    db: Annotated[
        Path | None,
        typer.Option(
            DB_VALG,
            help="Databasefilen. Ellers PAKKEHJEM_DB, ellers en fil i brukerens datamappe.",
            show_default=False,
        ),
    ] = None,
    kryptert: Annotated[
        bool,
        typer.Option(
            "--kryptert",
            help="Lag et nytt register kryptert, og nekt å åpne et ukryptert. Nøkkelen fra "
            "PAKKEHJEM_NOKKEL, ellers spør programmet (er PAKKEHJEM_NOKKEL satt, blir et nytt "
            "register kryptert også uten dette valget).",
        ),
    ] = False,
) -> None:
    """Pakkeforløp hjem for pasienter med kreft: register, arbeidsliste, samtale og brev."""
    miljo = Miljo(db, kryptert)
    ctx.obj = miljo
    ctx.call_on_close(miljo.lukk)


def _miljo(ctx: typer.Context) -> Miljo:
    miljo: Miljo = ctx.find_root().obj
    return miljo


def _idag(tekst: str | None) -> date:
    return _dato(tekst, IDAG_VALG)


def _ansvarlig(tekst: str | None) -> str | None:
    if tekst is None or not tekst.strip():
        return None
    try:
        return forlop.les_ansvarlig(tekst)
    except ValueError as feil:
        raise UgyldigInndata(f"--ansvarlig: {feil}") from None


def _sp(verdi: int | None) -> int | None:
    if verdi is not None and verdi not in forlop.SP_NUMRE:
        raise UgyldigInndata(f"--sp {verdi}: et samhandlingspunkt er 1, 2 eller 3.")
    return verdi


DatoValg = Annotated[
    str | None,
    typer.Option(
        IDAG_VALG,
        help="Regn som om dagens dato var DATO (ÅÅÅÅ-MM-DD eller DD.MM.ÅÅÅÅ). Tidligere --dato.",
        metavar="DATO",
        show_default=False,
    ),
]
JsonValg = Annotated[bool, typer.Option(JSON_VALG, help="Skriv ett JSON-dokument til stdout.")]
OverskrivValg = Annotated[bool, typer.Option("--overskriv", help="Erstatt filen hvis den finnes fra før.")]
SpValg = Annotated[
    int | None,
    typer.Option(
        "--sp",
        help="Samhandlingspunkt 1, 2 eller 3. Standard: det første åpne som tjenesten har ansvaret for "
        "(kommune: SP2 og SP3, sykehus: SP1; innstillingen tjeneste).",
    ),
]
TjenesteValg = Annotated[
    str | None,
    typer.Option(
        "--tjeneste",
        help="Tjenesten registeret hører til, når det lages: kommune eller sykehus.",
        show_default=False,
    ),
]
BekreftValg = Annotated[
    bool,
    typer.Option(
        "--bekreft",
        help="Bekreft et samhandlingspunkt holdt lenge før vinduet (SP3 avslutter forløpet).",
    ),
]
RefArg = Annotated[
    str,
    typer.Argument(
        help="Pasientens nummer, fødselsnummer (11 siffer), eller begynnelsen av navnet når bare én "
        "aktiv pasient passer.",
        show_default=False,
    ),
]


# --- patients ---------------------------------------------------------------------------


@kommando("ny-pasient")
def ny_pasient(
    ctx: typer.Context,
    fnr: Annotated[str | None, typer.Option("--fnr", help="Fødselsnummer, 11 siffer.")] = None,
    navn: Annotated[str | None, typer.Option("--navn", help="Pasientens fulle navn.")] = None,
    diagnosedato: Annotated[
        str | None,
        typer.Option("--diagnosedato", help="Dagen pasienten fikk vite diagnosen."),
    ] = None,
    diagnose: Annotated[
        str | None, typer.Option("--diagnose", help="ICD-10-kode, for eksempel C50.9.")
    ] = None,
    kommune: Annotated[str | None, typer.Option("--kommune", help="Bostedskommune.")] = None,
    fastlege: Annotated[str | None, typer.Option("--fastlege", help="Fastlegens navn.")] = None,
    koordinator: Annotated[
        str | None, typer.Option("--koordinator", help="Kreftkoordinatoren som følger opp.")
    ] = None,
    telefon: Annotated[str | None, typer.Option("--telefon", help="Pasientens telefon.")] = None,
    tjeneste: TjenesteValg = None,
    dato: DatoValg = None,
    json_ut: JsonValg = False,
) -> None:
    """Registrer en ny pasient med forløp 1 og de tre samhandlingspunktene.

    Mangler fødselsnummer, navn eller diagnosedato og du står i en terminal, spør kommandoen
    etter hvert felt og sjekker det med en gang: ved feil får du meldingen og samme spørsmål
    igjen. Enter hopper over feltene som kan stå tomme. Datoer kan skrives 15.1.26,
    15.01.2026 eller 2026-01-15.
    """
    idag = _idag(dato)
    gitt = {
        "fnr": fnr,
        "navn": navn,
        "diagnosedato": diagnosedato,
        "diagnose": diagnose,
        "kommune": kommune,
        "fastlege": fastlege,
        "koordinator": koordinator,
        "telefon": telefon,
    }
    if tjeneste is not None:
        _tjeneste(tjeneste)
    mangler = [f for f in ("fnr", "navn", "diagnosedato") if not (gitt[f] or "").strip()]
    if mangler and not sys.stdin.isatty():
        raise UgyldigInndata(f"Mangler --{mangler[0]}.")
    if mangler:
        from . import visning
        from .registrering import Kontroll, be_om_feltene

        def les(sporsmal: str) -> str:
            return visning.feilkonsoll().input(f"{sporsmal}: ", markup=False)

        # The patient's fields first; which service a new register belongs to is asked after.
        verdier = be_om_feltene(Kontroll(_miljo(ctx).register(), idag), gitt, les, visning.melding)
    else:
        verdier = {**gitt, "diagnosedato": _dato(diagnosedato, "--diagnosedato")}
    register = _miljo(ctx).register_for_oppretting(tjeneste)
    data = register.pasienter.ny_og_vis(idag=idag, **verdier)
    pasient_id = data["id"]
    from . import visning

    if json_ut:
        utdata.skriv_json(data)
        return
    visning.konsoll().print(f"Registrert som pasient nr. {pasient_id}.")
    for s in data["forlop"][0]["samhandlingspunkter"]:
        visning.konsoll().print(
            f"  SP{s['sp']} ({s['ansvarlig']}): "
            f"{visning.periode_tekst(forlop.Periode(parse_dato(s['vindu_fra']), parse_dato(s['vindu_til'])))}"
        )


@kommando("vis")
def vis(ctx: typer.Context, ref: RefArg, dato: DatoValg = None, json_ut: JsonValg = False) -> None:
    """Vis én pasient: forløp, samhandlingspunkter og tidslinje."""
    idag = _idag(dato)
    register = _miljo(ctx).register()
    data = register.pasienter.vis(ref, idag)
    if json_ut:
        utdata.skriv_json(data)
        return
    from . import visning

    if data["samtaler"]:
        from .samtale import svar_med_tekst

        for samtale in data["samtaler"]:
            samtale["svar_tekst"] = [
                (tekst, visning.kort_svar(verdi)) for tekst, verdi in svar_med_tekst(register, samtale)
            ]
    visning.pasient(data, idag)


@kommando("pasienter")
def pasienter(
    ctx: typer.Context,
    alle: Annotated[bool, typer.Option("--alle", help="Ta med avsluttede pasienter.")] = False,
    koordinator: Annotated[
        str | None, typer.Option("--koordinator", help="Bare denne koordinatorens pasienter.")
    ] = None,
    kommune: Annotated[str | None, typer.Option("--kommune", help="Bare denne kommunen.")] = None,
    dato: DatoValg = None,
    json_ut: JsonValg = False,
) -> None:
    """List aktive pasienter med neste samhandlingspunkt (fødselsnummer maskert)."""
    idag = _idag(dato)
    rader = (
        _miljo(ctx).register().pasienter.liste_json(idag, alle=alle, koordinator=koordinator, kommune=kommune)
    )
    if json_ut:
        utdata.skriv_json_rader(rader)
        return
    from . import visning

    visning.pasientliste(json.loads(rad) for rad in rader)


@kommando("finn")
def finn_kommando(
    ctx: typer.Context,
    tekst: Annotated[str, typer.Argument(help="Hele eller begynnelsen av navnet, for eksempel «kari nor».")],
    alle: Annotated[bool, typer.Option("--alle", help="Ta med avsluttede pasienter.")] = False,
    json_ut: JsonValg = False,
) -> None:
    """Finn pasienter på navn (store og små bokstaver og aksenter likt, men æ, ø og å er egne
    bokstaver); fødselsnummeret vises maskert. Hvert treff føres i tilgangsloggen."""
    rader = _miljo(ctx).register().pasienter.finn(tekst, alle=alle)
    if json_ut:
        utdata.skriv_json(rader)
        return
    from . import visning

    if not rader:
        visning.melding("Ingen pasienter passer til søket.")
        return
    visning.tabulert_eller_tabell(
        "Treff",
        ("Nr", "Navn", "Fødselsnr.", "Kommune", "Koordinator", "Status"),
        [
            (
                str(r["pasient_id"]),
                r["navn"],
                r["fnr"],
                r["kommune"] or "",
                r["koordinator"] or "",
                r["status"],
            )
            for r in rader
        ],
    )


@kommando("endre")
def endre(
    ctx: typer.Context,
    ref: RefArg,
    navn: Annotated[str | None, typer.Option("--navn", help="Nytt navn.")] = None,
    kommune: Annotated[str | None, typer.Option("--kommune", help="Ny kommune ('' tømmer).")] = None,
    fastlege: Annotated[str | None, typer.Option("--fastlege", help="Ny fastlege ('' tømmer).")] = None,
    koordinator: Annotated[
        str | None, typer.Option("--koordinator", help="Ny koordinator ('' tømmer).")
    ] = None,
    telefon: Annotated[str | None, typer.Option("--telefon", help="Nytt telefonnummer ('' tømmer).")] = None,
    diagnosedato: Annotated[
        str | None,
        typer.Option(
            "--diagnosedato",
            help="Rett diagnosedatoen for det aktive forløpet; vinduene for de åpne punktene flyttes.",
            show_default=False,
        ),
    ] = None,
    diagnose: Annotated[
        str | None,
        typer.Option("--diagnose", help="Rett ICD-10-koden for det aktive forløpet, for eksempel C50.9."),
    ] = None,
    fnr: Annotated[
        str | None,
        typer.Option(
            "--fnr",
            help="Nytt fødselsnummer, for eksempel når et H- eller D-nummer erstattes av fødselsnummeret.",
            show_default=False,
        ),
    ] = None,
    dato: DatoValg = None,
) -> None:
    """Endre en pasients kontaktopplysninger, eller rett diagnosedato, diagnose og fødselsnummer.

    Rettelsene vises i tidslinjen med gammel og ny verdi.
    """
    idag = _idag(dato)
    kontakt = {
        "navn": navn,
        "kommune": kommune,
        "fastlege": fastlege,
        "koordinator": koordinator,
        "telefon": telefon,
    }
    rettelser = {"diagnosedato": diagnosedato, "diagnose": diagnose, "fnr": fnr}
    if not any(v is not None for v in rettelser.values()):
        pasient_id = _miljo(ctx).register().pasienter.endre(ref, kontakt, idag=idag)
    else:
        pasient_id = (
            _miljo(ctx)
            .register()
            .pasienter.endre(
                ref,
                kontakt,
                idag=idag,
                diagnosedato=_dato(diagnosedato, "--diagnosedato") if diagnosedato is not None else None,
                diagnose=diagnose,
                fnr=fnr,
            )
        )
    _linje(f"Pasient nr. {pasient_id} er oppdatert.")


@kommando("gjenapne")
def gjenapne_kommando(
    ctx: typer.Context,
    ref: RefArg,
    sp: Annotated[
        int | None, typer.Option("--sp", help="Samhandlingspunktet som skal åpnes igjen.", show_default=False)
    ] = None,
    grunn: Annotated[
        str | None,
        typer.Option("--grunn", help="Hvorfor: hva som ble lukket ved en feil.", show_default=False),
    ] = None,
    json_ut: JsonValg = False,
) -> None:
    """Åpne igjen et samhandlingspunkt som ble lukket ved en feil (gjennomført, bortfalt eller holdt
    av annen tjeneste); et avsluttet forløp åpnes også."""
    if sp is None:
        raise UgyldigInndata("Mangler --sp: samhandlingspunktet som skal åpnes igjen.")
    if not grunn or not grunn.strip():
        raise UgyldigInndata("Mangler --grunn: hvorfor punktet åpnes igjen.")
    data = _miljo(ctx).register().punkter.gjenapne(ref, sp, grunn, idag=dagens_dato())
    if json_ut:
        utdata.skriv_json(data)
        return
    _linje(f"Pasient nr. {data['id']}: {data['hendelser'][-1]['tekst']}")


# --- contact points ---------------------------------------------------------------------


def _endre_punkt(ctx: typer.Context, ref: str, sp: int | None, status: str, idag: date, **felt: Any) -> None:
    data = _miljo(ctx).register().punkter.endre(ref, _sp(sp), status, idag=idag, **felt)
    # The timeline's text names the contact point acted on ("SP2 avtalt ..."), so a default
    # chosen by the register's service is never silent.
    siste = data["hendelser"][-1]["tekst"]
    _linje(f"Pasient nr. {data['id']}: {siste}")


@kommando("avtal")
def avtal(
    ctx: typer.Context,
    ref: RefArg,
    avtalt: Annotated[str, typer.Argument(help="Avtalt dato for samtalen.", show_default=False)],
    sp: SpValg = None,
    kl: Annotated[str | None, typer.Option("--kl", help="Klokkeslett, TT:MM.")] = None,
    sted: Annotated[
        str | None, typer.Option("--sted", help="Hvor: hjemmebesøk, kontor, telefon, video ...")
    ] = None,
    dato: DatoValg = None,
) -> None:
    """Avtal dato (og klokkeslett og sted) for en samtale med pasienten."""
    _endre_punkt(
        ctx,
        ref,
        sp,
        forlop.AVTALT,
        _idag(dato),
        dato=_dato(avtalt, "DATO"),
        klokkeslett=kl,
        sted=sted,
    )


@kommando("utsett")
def utsett(
    ctx: typer.Context,
    ref: RefArg,
    ny_dato: Annotated[str, typer.Argument(help="Ny dato for samtalen.", show_default=False)],
    grunn: Annotated[str | None, typer.Option("--grunn", help="Hvorfor samtalen utsettes.")] = None,
    sp: SpValg = None,
    dato: DatoValg = None,
) -> None:
    """Utsett et samhandlingspunkt til en ny dato, med grunn."""
    _endre_punkt(ctx, ref, sp, forlop.UTSATT, _idag(dato), dato=_dato(ny_dato, "NY_DATO"), grunn=grunn)


@kommando("avsla")
def avsla(
    ctx: typer.Context,
    ref: RefArg,
    spor_igjen: Annotated[
        str | None, typer.Option("--spor-igjen", help="Når pasienten skal spørres igjen.")
    ] = None,
    grunn: Annotated[str | None, typer.Option("--grunn", help="Pasientens grunn, om den ble sagt.")] = None,
    sp: SpValg = None,
    dato: DatoValg = None,
) -> None:
    """Registrer at pasienten takket nei til samtalen, og når hen skal spørres igjen."""
    if not spor_igjen:
        raise UgyldigInndata("Oppgi når pasienten skal spørres igjen, med --spor-igjen DATO.")
    _endre_punkt(
        ctx,
        ref,
        sp,
        forlop.AVSLATT,
        _idag(dato),
        dato=_dato(spor_igjen, "--spor-igjen"),
        grunn=grunn,
    )


@kommando("bortfall")
def bortfall(
    ctx: typer.Context,
    ref: RefArg,
    grunn: Annotated[
        str | None, typer.Option("--grunn", help="Hvorfor: død, flyttet, ute av forløpet ...")
    ] = None,
    sp: SpValg = None,
    dato: DatoValg = None,
) -> None:
    """Sett et samhandlingspunkt som bortfalt (ikke aktuelt), med grunn."""
    _endre_punkt(ctx, ref, sp, forlop.BORTFALT, _idag(dato), grunn=grunn)


@kommando("holdt")
def holdt_kommando(
    ctx: typer.Context,
    ref: RefArg,
    sp: Annotated[
        int | None,
        typer.Option(
            "--sp",
            help="Samhandlingspunktet den andre tjenesten holdt. Standard: det første åpne som den "
            "andre tjenesten har ansvaret for (i et kommuneregister SP1).",
        ),
    ] = None,
    dato: Annotated[
        str | None,
        typer.Option(
            "--samtaledato",
            help="Dagen samtalen ble holdt (ÅÅÅÅ-MM-DD eller DD.MM.ÅÅÅÅ). Tidligere --dato.",
            metavar="DATO",
            show_default=False,
        ),
    ] = None,
    av: Annotated[
        str | None,
        typer.Option(
            "--av", help="Hvem som holdt den, for eksempel «Sykehuset Østfold».", show_default=False
        ),
    ] = None,
    oppsummering: Annotated[
        Path | None,
        typer.Option(
            "--oppsummering",
            help="En tekstfil med oppsummeringen dere fikk fra den andre tjenesten; den lagres med punktet.",
            show_default=False,
        ),
    ] = None,
    bekreft: BekreftValg = False,
    json_ut: JsonValg = False,
) -> None:
    """Registrer at en annen tjeneste holdt et samhandlingspunkt (for eksempel SP1 på sykehuset).

    Punktet lukkes som «holdt av annen tjeneste»: det er ikke forfalt, ikke bortfalt, og telles
    for seg i statistikken.
    """
    if not dato:
        raise UgyldigInndata("Mangler --samtaledato: dagen den andre tjenesten holdt samtalen.")
    if not av or not av.strip():
        raise UgyldigInndata("Mangler --av: hvem som holdt samtalen, for eksempel «Sykehuset Østfold».")
    holdt_dato = _dato(dato, "--samtaledato")
    sammendrag = None
    if oppsummering is not None:
        from .filer import les_tekstfil

        sammendrag = les_tekstfil(oppsummering, "--oppsummering")
    data = (
        _miljo(ctx)
        .register()
        .punkter.holdt(
            ref, _sp(sp), holdt_dato, av, idag=dagens_dato(), sammendrag=sammendrag, bekreft=bekreft
        )
    )
    if json_ut:
        data.pop("handlet_sp", None)
        utdata.skriv_json(data)
        return
    _linje(f"Pasient nr. {data['id']}: {data['hendelser'][-1]['tekst']}")


# --- the work list ----------------------------------------------------------------------


@kommando("forfaller")
def forfaller(
    ctx: typer.Context,
    uke: Annotated[
        str | None,
        typer.Option(UKE_VALG, help="Uke: tom for denne uken, 48, eller 2027-W02.", show_default=False),
    ] = None,
    maned: Annotated[bool, typer.Option("--maned", help="Denne måneden.")] = False,
    fra: Annotated[str | None, typer.Option("--fra", help="Fra og med dato.")] = None,
    til: Annotated[str | None, typer.Option("--til", help="Til og med dato.")] = None,
    forfalte: Annotated[
        bool, typer.Option("--forfalte", help="Bare samhandlingspunkter som er forfalt.")
    ] = False,
    koordinator: Annotated[
        str | None, typer.Option("--koordinator", help="Bare denne koordinatorens pasienter.")
    ] = None,
    kommune: Annotated[str | None, typer.Option("--kommune", help="Bare denne kommunen.")] = None,
    ansvarlig: Annotated[
        str | None,
        typer.Option(
            "--ansvarlig",
            help="Bare punktene denne tjenesten har ansvaret for: kommune eller sykehus "
            "(også kommunen og spesialisthelsetjenesten).",
        ),
    ] = None,
    alle: Annotated[
        bool,
        typer.Option(
            "--alle",
            help="Vis alle samhandlingspunktene, ikke bare dem registerets tjeneste har ansvaret for.",
        ),
    ] = False,
    dato: DatoValg = None,
    json_ut: JsonValg = False,
) -> None:
    """Arbeidslisten: samhandlingspunkter som forfaller i perioden, og alt som er forfalt.

    Viser punktene registerets tjeneste har ansvaret for (innstillingen tjeneste: kommune har
    SP2 og SP3, sykehus SP1), eller alle med --alle.
    """
    idag = _idag(dato)
    periode = forlop.arbeidsperiode(uke, maned, fra, til, idag)
    ansvarlig = _ansvarlig(ansvarlig)
    if ansvarlig and alle:
        raise UgyldigInndata("Velg enten --ansvarlig eller --alle.")
    liste = (
        _miljo(ctx)
        .register()
        .punkter.arbeidsliste_json(
            periode,
            idag,
            kun_forfalte=forfalte,
            koordinator=koordinator,
            kommune=kommune,
            ansvarlig=ansvarlig,
            alle=alle,
        )
    )
    if json_ut:
        utdata.skriv_json_liste(liste)
        return
    from . import visning

    rader = liste.rader()
    tittel = "(bare forfalte)" if forfalte else visning.uke_tittel(periode)
    if not rader:
        visning.melding(f"Ingenting forfaller {tittel}, og ingenting er forfalt.")
        return
    visning.arbeidsliste(rader, tittel, idag)


# --- overview, statistics, import and export -------------------------------------------------


@kommando("oversikt")
def oversikt_kommando(
    ctx: typer.Context,
    koordinator: Annotated[
        str | None,
        typer.Option(
            "--koordinator",
            help="Bare denne koordinatoren, med listene over hvem som har takket nei og tiltak over frist.",
        ),
    ] = None,
    alle: Annotated[
        bool,
        typer.Option(
            "--alle",
            help="Tell alle samhandlingspunktene, ikke bare dem registerets tjeneste har ansvaret for.",
        ),
    ] = False,
    dato: DatoValg = None,
    json_ut: JsonValg = False,
) -> None:
    """Oversikten på én skjerm, per koordinator.

    Aktive pasienter; samhandlingspunkter som forfaller denne uken og denne måneden (fra i dag
    av); de som er forfalt; de som har takket nei og venter på å bli spurt igjen (med neste
    dato); og åpne tiltak med passert frist. Bare tall, uten --koordinator. Punktene er dem
    registerets tjeneste har ansvaret for (innstillingen tjeneste), eller alle med --alle.
    """
    idag = _idag(dato)
    from . import oversikt, visning

    data = oversikt.lag(_miljo(ctx).register(), idag, koordinator=koordinator, alle=alle).til_json()
    if json_ut:
        utdata.skriv_json(data)
        return
    visning.oversikt(data)


@kommando("statistikk")
def statistikk_kommando(
    ctx: typer.Context,
    ar: Annotated[
        int | None, typer.Option("--ar", help="Kalenderåret (standard: i år).", show_default=False)
    ] = None,
    kvartal: Annotated[
        str | None,
        typer.Option("--kvartal", help="Ett kvartal: ÅÅÅÅ-KN, for eksempel 2026-K1.", show_default=False),
    ] = None,
    maned: Annotated[
        str | None,
        typer.Option("--maned", help="Én måned: ÅÅÅÅ-MM, for eksempel 2026-03.", show_default=False),
    ] = None,
    fra: Annotated[
        str | None, typer.Option("--fra", help="Fra og med dato (rundes ut til hele måneder).")
    ] = None,
    til: Annotated[
        str | None, typer.Option("--til", help="Til og med dato (rundes ut til hele måneder).")
    ] = None,
    per: Annotated[
        str | None,
        typer.Option("--per", help="Del opp tallene per kommune eller per koordinator."),
    ] = None,
    json_ut: JsonValg = False,
    csv_ut: Annotated[
        bool, typer.Option("--csv", help="Skriv CSV (semikolon, desimalkomma) for regneark.")
    ] = False,
    ut: Annotated[
        Path | None,
        typer.Option("-o", "--ut", help="Skriv til denne filen (ny fil, bare lesbar for deg)."),
    ] = None,
    overskriv: Annotated[bool, typer.Option("--overskriv", help="Erstatt filen i -o om den finnes.")] = False,
) -> None:
    """Kvalitetstall for en måned, et kvartal eller et år, uten navn eller numre.

    Perioden er alltid en hel måned (--maned), et kvartal (--kvartal) eller et år (--ar,
    standard: i år). --fra/--til rundes ut til den minste hele måneden, kvartalet eller året
    som dekker dem, og det sies fra om det. Hvert samhandlingspunkt telles i nøyaktig én
    måned: et gjennomført punkt den dagen det ble holdt; alle andre på siste dag i vinduet.

    Per samhandlingspunkt: antall i perioden, gjennomført, gjennomført innen vinduet, takket
    nei, bortfalt, holdt av en annen tjeneste, fortsatt åpne, og median dager fra
    diagnosedato til gjennomført.

    Per pasient: pasienter med minst én fullført kartleggingssamtale i perioden, andelen med
    flagget behov (et tema med svaret «behov», eller belastning på eller over guidens grense,
    4 i standardguiden), og andelen med avtalte tiltak.

    Personvern (som i offisiell statistikk fra SSB og FHI): tall fra 1 til 4 skjules, og i
    tillegg så mange andre tall at de skjulte ikke kan regnes ut igjen, verken fra
    summene, fra de andre radene eller ved å sammenligne måneder, kvartaler og året. Andeler
    og medianer som bygger på færre enn 5, skjules også. Alt som er skjult, vises som «:».
    Gruppene er pasientens kommune eller koordinator slik de er registrert nå. Metoden er
    beskrevet i docs/statistikk.md.
    """
    from . import statistikk, visning

    periode = statistikk.periode_fra_valg(
        ar=ar, kvartal_valg=kvartal, maned_valg=maned, fra=fra, til=til, idag=dagens_dato()
    )
    if json_ut and csv_ut:
        raise UgyldigInndata("Velg enten --json eller --csv.")
    if per is not None and per not in statistikk.PER_VALG:
        raise UgyldigInndata("--per er kommune eller koordinator.")
    if ut is not None:
        from .filer import sjekk_ny_fil

        sjekk_ny_fil(ut, overskriv)
    if periode.rundet_ut:
        visning.melding(
            f"Perioden er rundet ut til {periode.tekst()} ({norsk_dato(periode.fra)} – "
            f"{norsk_dato(periode.til)}): statistikken lages bare for hele måneder, kvartaler "
            "og år, så et skjult tall ikke kan regnes ut ved å sammenligne to perioder."
        )
    resultat = statistikk.lag(_miljo(ctx).register(), periode, per)
    if json_ut or csv_ut or ut is not None:
        import json

        from .skjermtekst import json_tekst

        tekst = (
            json_tekst(json.dumps(resultat.til_json(), ensure_ascii=False, indent=2)) + "\n"
            if json_ut
            else resultat.til_csv()
        )
        if ut is None:
            sys.stdout.write(tekst)
            return
        from .eksport import BOM
        from .filer import skriv_privat

        skriv_privat(ut, ((BOM if not json_ut else "") + tekst).encode("utf-8"), overskriv)
        visning.melding(f"Statistikken er skrevet til {ut}.")
        return
    visning.statistikk(resultat.til_json(), resultat.kolonner(), resultat.rader())


@kommando("importer")
def importer_kommando(
    ctx: typer.Context,
    fil: Annotated[
        Path, typer.Argument(help="Regnearket, lagret som CSV (komma eller semikolon).", show_default=False)
    ],
    proving: Annotated[
        bool, typer.Option("--proving", help="Sjekk alt og vis hva som ville skjedd, uten å lagre.")
    ] = False,
    hopp_over_feil: Annotated[
        bool,
        typer.Option("--hopp-over-feil", help="Importer de gyldige radene og hopp over dem med feil."),
    ] = False,
    tjeneste: TjenesteValg = None,
    tegnsett: Annotated[
        str,
        typer.Option(
            "--tegnsett",
            help="utf-8 (standard) eller cp1252 (Windows-1252, eldre Excel). En UTF-8-fil med en "
            "ugyldig byte avvises med linje og tegn, i stedet for å bli lest feil.",
        ),
    ] = "utf-8",
    dato: DatoValg = None,
    json_ut: JsonValg = False,
) -> None:
    """Importer pasienter fra et regneark (CSV) koordinatoren har fra før.

    Første rad er overskrifter. Kolonnene finnes på navnet, uansett store og små bokstaver,
    mellomrom og æøå: fødselsnummer (fnr, personnummer), navn (eller fornavn og etternavn),
    diagnosedato (ÅÅÅÅ-MM-DD eller DD.MM.ÅÅÅÅ), diagnose (ICD-10), kommune, fastlege,
    koordinator og telefon. De tre første må være med.

    Hver rad sjekkes først etter samme regler som ny-pasient, og hver feil vises med linje og
    kolonne. Er én rad feil, importeres ingenting (uten --hopp-over-feil). Importen er én
    transaksjon: alt eller ingenting. Hver pasient får forløp 1 med de tre
    samhandlingspunktene.
    """
    from . import importer, visning

    idag = _idag(dato)
    if tjeneste is not None:
        _tjeneste(tjeneste)
    register = _miljo(ctx).register_for_oppretting(tjeneste)
    if visning.feilkonsoll().is_terminal:
        from rich.progress import Progress

        with Progress(console=visning.feilkonsoll(), transient=True) as fremdrift:
            oppgave = fremdrift.add_task("Importerer" if not proving else "Sjekker", total=None)

            def vis(ferdig: int, totalt: int) -> None:
                fremdrift.update(oppgave, completed=ferdig, total=totalt)

            resultat = importer.importer(
                register,
                fil,
                idag,
                proving=proving,
                hopp_over_feil=hopp_over_feil,
                fremdrift=vis,
                tegnsett=tegnsett,
            )
    else:
        resultat = importer.importer(
            register, fil, idag, proving=proving, hopp_over_feil=hopp_over_feil, tegnsett=tegnsett
        )
    if json_ut:
        utdata.skriv_json(resultat.til_json())
    if resultat.koding != "utf-8":
        visning.melding(f"Filen ble lest som {resultat.koding} (ikke UTF-8).")
    if resultat.ubrukte_kolonner:
        visning.melding(
            f"{norsk.antall(len(resultat.ubrukte_kolonner), 'kolonne')} har overskrifter pakkehjem ikke "
            "kjenner, og blir ikke importert (se «pakkehjem importer --help»)."
        )
    if resultat.feil:
        visning.melding(
            f"{norsk.antall(resultat.hoppet_over, 'rad')} med feil "
            + ("ville blitt hoppet over:" if proving else "er hoppet over:")
        )
        for feil in resultat.feil:
            visning.melding(f"  {feil.tekst()}")
    if proving:
        visning.melding(
            f"Prøvekjøring: {resultat.gyldige} av {norsk.antall(resultat.rader, 'rad')} kan importeres. "
            "Ingenting er lagret."
        )
    elif resultat.importert:
        visning.melding(
            f"Importerte {norsk.antall(resultat.importert, 'pasient')} "
            f"(nr. {resultat.forste_id}–{resultat.siste_id}) fra {fil.name}."
        )
    else:
        visning.melding("Ingen gyldige rader. Ingenting er importert.")


@kommando("eksport")
def eksport_kommando(
    ctx: typer.Context,
    hva: Annotated[
        str,
        typer.Argument(help="pasienter, samhandlingspunkter, tiltak eller alt.", show_default=True),
    ] = "pasienter",
    format_: Annotated[
        str | None,
        typer.Option("--format", help="csv eller json (standard: csv, eller json for en .json-fil)."),
    ] = None,
    ut: Annotated[
        Path | None,
        typer.Option(
            "-o",
            "--ut",
            help="Filen. «alt» som CSV: en mappe, eller en .zip-fil med én CSV-fil per tabell. "
            "Uten -o går utdata til stdout.",
        ),
    ] = None,
    uten_personopplysninger: Annotated[
        bool,
        typer.Option(
            "--uten-personopplysninger",
            help="Avidentifisert: ingen navn (heller ikke helsepersonells), ingen fritekst, "
            "aldersgruppe, måned i stedet for dato, en tilfeldig nøkkel per uttrekk i stedet for "
            "pasientnummeret, og kommune og diagnosegruppe bare der minst 5 deler dem "
            "(docs/eksport.md).",
        ),
    ] = False,
    overskriv: Annotated[bool, typer.Option("--overskriv", help="Erstatt filen om den finnes.")] = False,
    koordinator: Annotated[
        str | None, typer.Option("--koordinator", help="Bare denne koordinatorens pasienter.")
    ] = None,
    dato: DatoValg = None,
) -> None:
    """Eksporter pasienter, samhandlingspunkter, tiltak eller alt, som CSV eller JSON.

    CSV skrives slik norsk Excel åpner den: semikolon, og UTF-8 med BOM i filer. En celle
    som et regneark ville lest som en formel (begynner med = + - @), får en apostrof foran.
    Pasientfilen kan leses inn igjen med «pakkehjem importer». Filer lages nye, bare lesbare
    for deg; en fil som finnes blir ikke overskrevet uten --overskriv. Hver pasient som
    eksporteres, føres i tilgangsloggen.
    """
    from . import eksport

    hva = hva.strip().lower()
    if hva not in eksport.HVA_VALG:
        raise UgyldigInndata(f"«{hva}»: velg pasienter, samhandlingspunkter, tiltak eller alt.")
    format_ = eksport.velg_format(format_, ut)
    planer = eksport.planlegg(hva, format_, ut, overskriv)
    data = eksport.les(
        _miljo(ctx).register(),
        hva,
        _idag(dato),
        koordinator=koordinator,
        uten_personopplysninger=uten_personopplysninger,
    )
    from .visning import melding

    entall = {"pasienter": "pasient", "samhandlingspunkter": "samhandlingspunkt", "tiltak": "tiltak"}
    mengde = ", ".join(
        norsk.antall(len(rader), entall.get(tabell, tabell), tabell) for tabell, rader in data.items()
    )
    if not planer:
        sys.stdout.write(eksport.innhold(data, hva, format_, uten_personopplysninger, fil=False))
        return
    eksport.skriv(data, planer, format_, uten_personopplysninger, overskriv)
    melding(f"Eksporterte {mengde} til {', '.join(str(sti) for _, sti in planer)}.")


# --- demo data, settings, database --------------------------------------------------------


@kommando("eksempeldata")
def eksempeldata(
    ctx: typer.Context,
    antall: Annotated[int, typer.Option("--antall", help="Hvor mange pasienter.", min=1)] = 200,
    seed: Annotated[int, typer.Option("--seed", help="Samme seed gir samme data.")] = 1,
    tjeneste: Annotated[
        str | None,
        typer.Option(
            "--tjeneste",
            help="Tjenesten demoregisteret hører til: kommune (standard) eller sykehus.",
            show_default=False,
        ),
    ] = None,
    dato: DatoValg = None,
) -> None:
    """Fyll registeret med syntetiske pasienter (testnumre som aldri tilhører en person).

    Et kommuneregister får SP1 registrert som holdt på sykehuset for de fleste pasientene, og
    fullførte kartleggingssamtaler for SP2 og SP3; et sykehusregister får samtalene for SP1.
    """
    from . import eksempel, visning

    register = _miljo(ctx).register_for_oppretting(tjeneste, standard=forlop.KOMMUNE)
    idag = _idag(dato)
    if visning.feilkonsoll().is_terminal:
        from rich.progress import Progress

        with Progress(console=visning.feilkonsoll(), transient=True) as fremdrift:
            oppgave = fremdrift.add_task("Lager eksempeldata", total=antall)
            laget = eksempel.fyll(register, antall, seed, idag, lambda n: fremdrift.advance(oppgave, n))
    else:
        laget = eksempel.fyll(register, antall, seed, idag)
    visning.melding(
        f"La inn {norsk.antall(laget, 'syntetisk pasient', 'syntetiske pasienter')} i {register.sti}."
    )


@kommando("innstillinger")
def innstillinger_kommando(
    ctx: typer.Context,
    navn: Annotated[str | None, typer.Argument(help="Innstillingen som skal endres.")] = None,
    verdi: Annotated[str | None, typer.Argument(help="Ny verdi.")] = None,
    json_ut: JsonValg = False,
) -> None:
    """Vis innstillingene, eller endre én: pakkehjem innstillinger NAVN VERDI."""
    from . import innstillinger, visning

    register = _miljo(ctx).register(opprett=True)
    if navn is not None:
        if verdi is None:
            raise UgyldigInndata(f"Oppgi en ny verdi: pakkehjem innstillinger {navn} VERDI.")
        if navn == "guide" and verdi.strip():
            _sjekk_guidefil(Path(verdi))
        ny = register.sett_innstilling(navn, verdi)
        visning.melding(f"{navn} = {_vis_verdi(ny)}")
        return
    verdier = register.innstillinger()
    if json_ut:
        utdata.skriv_json(verdier)
        return
    for n, i in innstillinger.INNSTILLINGER.items():
        from rich.markup import escape

        visning.konsoll().print(f"[bold]{n}[/bold] = {escape(_vis_verdi(verdier.get(n)))}", markup=True)
        visning.konsoll().print(f"    {i.beskrivelse}", style="dim")


def _vis_verdi(verdi: Any) -> str:
    if isinstance(verdi, bool):
        return "ja" if verdi else "nei"
    return "(standard)" if verdi is None else str(verdi)


# --- the conversation -------------------------------------------------------------------


def _sjekk_guidefil(sti: Path) -> None:
    from . import guide

    try:
        problemer = guide.valider_fil(sti)
    except OSError as feil:
        raise UgyldigInndata(f"Kan ikke lese {sti} ({feil.strerror}).") from None
    if problemer:
        raise UgyldigInndata("Samtaleguiden har feil:\n" + "\n".join(f"  {p}" for p in problemer))


@kommando("guide")
def guide_kommando(
    ctx: typer.Context,
    fil: Annotated[
        Path | None, typer.Option("--fil", help="Vis denne guidefilen i stedet for den aktive.")
    ] = None,
    json_ut: JsonValg = False,
    format_: Annotated[
        str | None,
        typer.Option(
            "--format",
            help="fhir: guiden som FHIR R4 Questionnaire (JSON), som «brev --format fhir» viser til.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Vis den aktive samtaleguiden: temaene og spørsmålene med id og type."""
    from . import guide as guide_modul

    if format_ is not None and format_.strip().lower() != "fhir":
        raise UgyldigInndata(f"--format «{format_}» finnes ikke for guide. Bruk --format fhir, eller --json.")

    if fil is not None:
        _sjekk_guidefil(fil)
        guiden = guide_modul.last_guide(fil)
    else:
        from .samtale import aktiv_guide

        guiden = aktiv_guide(_miljo(ctx).register())
    if format_ is not None:
        from .overforing import guide_som_questionnaire

        sys.stdout.flush()
        ut = getattr(sys.stdout, "buffer", None)
        innhold = guide_som_questionnaire(guiden)
        if ut is not None:
            ut.write(innhold)
            ut.flush()
        else:
            sys.stdout.write(innhold.decode("utf-8"))
    elif json_ut:
        utdata.skriv_json(guiden.til_json())
    else:
        from . import visning

        visning.guide(guiden)


@kommando("sjekk-guide")
def sjekk_guide(
    fil: Annotated[Path, typer.Argument(help="Guidefilen (YAML) som skal sjekkes.", show_default=False)],
) -> None:
    """Sjekk en samtaleguide før den tas i bruk; feilene nevner fil og spørsmål."""
    from . import guide as guide_modul
    from . import visning

    _sjekk_guidefil(fil)
    guiden = guide_modul.last_guide(fil)
    antall = len(guiden.alle_sporsmal())
    visning.melding(
        f"{fil} er en gyldig samtaleguide: «{guiden.tittel}» versjon {guiden.versjon}, "
        f"{norsk.antall(len(guiden.tema), 'tema')}, {norsk.antall(antall, 'spørsmål')}."
    )


def har_terminal() -> bool:
    """Both ends of the conversation are a terminal (stdin for the keys, stdout for the editor)."""
    return sys.stdin.isatty() and sys.stdout.isatty()


@kommando("samtale")
def samtale_kommando(
    ctx: typer.Context,
    ref: RefArg,
    sp: SpValg = None,
    svar: Annotated[
        Path | None,
        typer.Option("--svar", help="Svarfil (JSON eller YAML) fra et utfylt kartleggingshefte."),
    ] = None,
    dato: Annotated[
        str | None,
        typer.Option(
            "--samtaledato",
            help="Dagen samtalen ble holdt (standard: i dag). Tidligere --dato.",
            metavar="DATO",
            show_default=False,
        ),
    ] = None,
    bekreft: BekreftValg = False,
    fortsett: Annotated[
        bool,
        typer.Option(
            "--fortsett",
            help="Med --svar: lagre heftets svar og fortsett samtalen i terminalen fra første "
            "spørsmål uten svar, i stedet for å fullføre.",
        ),
    ] = False,
    forkast: Annotated[
        bool,
        typer.Option("--forkast", help="Fjern en påbegynt samtale som ikke har noen svar ennå."),
    ] = False,
    endre: Annotated[
        bool,
        typer.Option(
            "--endre",
            help="Endre den fullførte samtalen for --sp N: en ny versjon, den forrige beholdes.",
        ),
    ] = False,
) -> None:
    """Kartleggingssamtalen: ett spørsmål om gangen, hvert svar lagres med en gang.

    En SP3-samtale lenge før vinduet (før vinduet for SP2 åpner, eller mindre enn 6 måneder
    etter diagnosen) avslutter forløpet, og krever --bekreft.

    Uten --sp åpnes en påbegynt samtale først. Enter lagrer svaret, Alt-Enter gir
    ny linje i et notat, piltastene redigerer og Tab fullfører. Skriv «hopp over»,
    «tilbake», «meny», «ferdig», «pause» eller «?» først på linjen.
    """
    idag = dagens_dato()
    if fortsett and svar is None:
        raise UgyldigInndata("--fortsett hører til --svar: heftets svar først, så samtalen.")
    if forkast and (svar is not None or fortsett):
        raise UgyldigInndata("--forkast kan ikke brukes sammen med --svar eller --fortsett.")
    if endre and (svar is not None or forkast):
        raise UgyldigInndata("--endre kan ikke brukes sammen med --svar eller --forkast.")
    if endre and sp is None:
        raise UgyldigInndata("Oppgi hvilken samtale som skal endres med --sp N.")
    if forkast:
        from . import visning

        resultat = _miljo(ctx).register().samtaler.forkast(ref, _sp(sp))
        visning.melding(
            f"Den tomme samtalen for SP{resultat['sp']} er forkastet (pasient nr. {resultat['pasient_id']})."
        )
        return
    if (svar is None or fortsett) and not har_terminal():
        # Without a terminal no one can answer: start nothing, not even an empty conversation.
        raise UgyldigInndata(
            "Samtalen trenger en terminal for spørsmålene. Uten terminal: lagre svarene med "
            "«pakkehjem samtale REF --svar FIL» (se «pakkehjem guide --json» for spørsmålene)."
        )
    samtaledato = _dato(dato, "--samtaledato", idag)
    register = _miljo(ctx).register()
    from . import visning

    if svar is not None and fortsett:
        from .samtale import fra_svarfil
        from .samtale_terminal import Terminalsamtale

        resultat = fra_svarfil(
            register, ref, _sp(sp), samtaledato, svar, idag=idag, bekreft=bekreft, fullfor=False
        )
        kode = Terminalsamtale(register, visning.konsoll(), idag).kjor(
            ref, resultat["sp"], samtaledato, fra_hefte=True
        )
        if kode:
            raise typer.Exit(kode)
        return
    if svar is not None:
        from .samtale import fra_svarfil

        resultat = fra_svarfil(register, ref, _sp(sp), samtaledato, svar, idag=idag, bekreft=bekreft)
        visning.melding(
            f"Samtalen er lagret og fullført: pasient nr. {resultat['pasient_id']}, "
            f"SP{resultat['sp']} er gjennomført {norsk_dato(samtaledato)}."
        )
        if resultat.get("forlop_fullfort"):
            visning.melding("Forløpet er fullført og avsluttet: SP3 er gjennomført.")
        return
    from .samtale_terminal import Terminalsamtale

    if endre:
        # The amendment keeps the conversation's own date; the point was held already.
        kode = Terminalsamtale(register, visning.konsoll(), idag).kjor(ref, _sp(sp), samtaledato, endre=True)
        if kode:
            raise typer.Exit(kode)
        return
    # The date rules before the first question, not after the last answer.
    register.samtaler.sjekk(ref, _sp(sp), samtaledato, idag, bekreft=bekreft)
    kode = Terminalsamtale(register, visning.konsoll(), idag).kjor(ref, _sp(sp), samtaledato)
    if kode:
        raise typer.Exit(kode)


@kommando("tiltak")
def tiltak_kommando(
    ctx: typer.Context,
    ansvarlig: Annotated[
        str | None, typer.Option("--ansvarlig", help="Bare tiltak med denne ansvarlige.")
    ] = None,
    koordinator: Annotated[
        str | None, typer.Option("--koordinator", help="Bare denne koordinatorens pasienter.")
    ] = None,
    forfalte: Annotated[bool, typer.Option("--forfalte", help="Bare tiltak med passert frist.")] = False,
    dato: DatoValg = None,
    json_ut: JsonValg = False,
) -> None:
    """Åpne tiltak på tvers av pasienter, etter frist (fødselsnummer maskert)."""
    idag = _idag(dato)
    rader = (
        _miljo(ctx)
        .register()
        .tiltak.uavsluttede(idag, ansvarlig=ansvarlig, koordinator=koordinator, kun_forfalte=forfalte)
    )
    from . import visning

    if json_ut:
        utdata.skriv_json(rader)
    else:
        visning.tiltaksliste(rader, idag)


@kommando("tiltak-utfort")
def tiltak_utfort(
    ctx: typer.Context,
    tiltak_id: Annotated[int, typer.Argument(help="Tiltakets nummer (fra «pakkehjem tiltak»).")],
    dato: DatoValg = None,
) -> None:
    """Marker et tiltak som utført."""
    pasient_id = _miljo(ctx).register().tiltak.utfort(tiltak_id, _idag(dato))
    from .visning import melding

    melding(f"Tiltak {tiltak_id} (pasient nr. {pasient_id}) er markert som utført.")


# --- consent and the handover letter --------------------------------------------------------


@kommando("samtykke")
def samtykke_kommando(
    ctx: typer.Context,
    ref: RefArg,
    til: Annotated[
        str | None,
        typer.Option(
            "--til", help="Mottakeren: fastlege, kommune, sykehus, nav eller annen.", show_default=False
        ),
    ] = None,
    ja: Annotated[bool, typer.Option("--ja", help="Pasienten samtykker til deling med mottakeren.")] = False,
    nei: Annotated[
        bool, typer.Option("--nei", help="Pasienten motsetter seg deling med mottakeren.")
    ] = False,
    dato: Annotated[
        str | None,
        typer.Option(
            "--samtykkedato",
            help="Dagen pasienten sa ja eller nei (standard: i dag). Tidligere --dato.",
            metavar="DATO",
            show_default=False,
        ),
    ] = None,
    tema: Annotated[
        list[str] | None,
        typer.Option(
            "--tema",
            help=(
                "For nav og annen: et tema som kan deles (id fra «pakkehjem guide», for eksempel jobb), "
                "eller diagnose for diagnosekoden. Gjentas, eller skilles med komma. Uten --tema: bare "
                "mottakerens egne tema (NAV: jobb og okonomi; annen: ingen)."
            ),
            show_default=False,
        ),
    ] = None,
    navn: Annotated[
        str | None,
        typer.Option(
            "--navn",
            help="For annen: mottakeren samtykket gjelder, slik navnet står på brevet (påkrevd med --ja).",
            show_default=False,
        ),
    ] = None,
    json_ut: JsonValg = False,
) -> None:
    """Registrer pasientens samtykke (--ja) eller motstand (--nei) mot deling med en mottaker.

    Et samtykke til nav eller annen gjelder bare temaene i --tema; til annen bare mottakeren i --navn.
    """
    from .samtykke import KREVER_UTTRYKKELIG, NAVN, les_valg

    mottaker, omfang, navn = les_valg(til, ja, nei, tema, navn)
    idag = dagens_dato()
    nar = _dato(dato, "--samtykkedato", idag)
    register = _miljo(ctx).register()
    if omfang is not None:
        from .samtale import aktiv_guide
        from .samtykke import sjekk_omfang

        omfang = sjekk_omfang(omfang, [t.id for t in aktiv_guide(register).tema])
    resultat = register.samtykker.registrer(ref, mottaker, ja, nar, idag=idag, omfang=omfang, navn=navn)
    from . import visning

    if json_ut:
        utdata.skriv_json(resultat)
        return
    hva = "samtykker til" if ja else "motsetter seg"
    hvem = f"{NAVN[mottaker]} ({navn})" if navn else NAVN[mottaker]
    visning.melding(
        f"Registrert: pasient nr. {resultat['pasient_id']} {hva} deling med {hvem} ({norsk_dato(nar)})."
    )
    if ja and mottaker in KREVER_UTTRYKKELIG:
        from .samtykke import EGNE_TEMA

        deles = omfang if omfang is not None else list(EGNE_TEMA[mottaker])
        visning.melding("Kan deles: " + (", ".join(deles) if deles else "ingen tema") + ".")


# Options and delivery shared by the letters (brev, innkalling).
BrevFormatValg = Annotated[str, typer.Option("--format", help="txt, md, html eller pdf.")]
OppsummeringFormatValg = Annotated[
    str,
    typer.Option(
        "--format",
        help="txt, md, html, pdf, eller fhir (FHIR R4-dokument som neste tjeneste leser inn med «motta»).",
    ),
]
BrevUtValg = Annotated[
    Path | None,
    typer.Option(
        "-o",
        "--ut",
        help="Skriv brevet til denne filen (- for stdout). Standard: stdout, eller en ny fil for pdf.",
        show_default=False,
    ),
]
SprakValg = Annotated[
    str | None,
    typer.Option(
        "--sprak", help="bokmal eller nynorsk. Standard: innstillingen brev_sprak.", show_default=False
    ),
]
BrevDatoValg = Annotated[
    str | None,
    typer.Option(
        "--brevdato",
        help="Datoen brevet skrives med (standard: i dag). Tidligere --dato.",
        metavar="DATO",
        show_default=False,
    ),
]


def _lever_brev(register: Any, brevet: Any, ut: Path | None, overskriv: bool) -> tuple[int, Path | None]:
    """Warnings to stderr, then the letter to `ut` (- or none: stdout; a pdf with none: a new file).

    Returns (the letter's number, the file written or None).
    """
    from . import brev as brev_modul

    for advarsel in brevet.advarsler:
        melding(advarsel)
    fil = None if ut is not None and str(ut) == "-" else ut
    if fil is None and ut is None and brevet.format == "pdf":
        fil = Path(brev_modul.standard_filnavn("pdf"))
    if fil is None and brevet.format == "pdf" and sys.stdout.isatty():
        raise UgyldigInndata("En PDF kan ikke skrives til terminalen. Oppgi en fil med -o.")
    sys.stdout.flush()
    return brev_modul.lever(
        register, brevet, fil=fil, overskriv=overskriv, ut=getattr(sys.stdout, "buffer", None)
    )


def _sjekk_brevfil(ut: Path | None, overskriv: bool) -> None:
    """Refuse a letter's -o that cannot be written before the patient is read (and logged)."""
    if ut is not None and str(ut) != "-":
        from .brev import SKRIVEMELDINGER
        from .filer import sjekk_ny_fil

        sjekk_ny_fil(ut, overskriv, meldinger=SKRIVEMELDINGER)


@kommando("brev")
def brev_kommando(
    ctx: typer.Context,
    ref: RefArg,
    til: Annotated[
        str | None,
        typer.Option(
            "--til",
            help="Mottakeren: fastlege, kommune, sykehus, ny_kommune, nav, annen eller pasient.",
            show_default=False,
        ),
    ] = None,
    format_: OppsummeringFormatValg = "txt",
    ut: BrevUtValg = None,
    sp: Annotated[
        int | None,
        typer.Option(
            "--sp", help="Brev fra samtalen ved samhandlingspunkt N. Standard: den siste fullførte."
        ),
    ] = None,
    sprak: SprakValg = None,
    navn: Annotated[
        str | None,
        typer.Option(
            "--navn",
            help="Mottakerens navn (påkrevd for annen), for eksempel «Bergen kommune».",
            show_default=False,
        ),
    ] = None,
    overskriv: OverskrivValg = False,
    dato: BrevDatoValg = None,
    melding: Annotated[
        str | None,
        typer.Option(
            "--melding",
            help=(
                "En melding som ikke trenger samtale: avslag (pasienten takket nei, og når hen spørres "
                "igjen), flytting (til ny kommune: hva forløpet har gjort og hva som er åpent) eller "
                "avsluttet (forløpet er avsluttet, og hvorfor)."
            ),
            show_default=False,
        ),
    ] = None,
) -> None:
    """Oppsummeringsbrevet til neste tjenesteyter, fra den siste fullførte samtalen.

    Med --melding: en melding uten samtale (avslag, flytting, avsluttet).
    """
    if til is None:
        raise UgyldigInndata(
            "Mangler --til: fastlege, kommune, sykehus, ny_kommune, nav, annen eller pasient."
        )
    from . import brev as brev_modul

    _sjekk_brevfil(ut, overskriv)
    _dato(dato, "--brevdato")  # a bad date is bad input (exit 2) before the register is looked for
    register = _miljo(ctx).register()
    if melding is not None:
        if sp is not None:
            raise UgyldigInndata("--sp gjelder oppsummeringen fra en samtale, ikke --melding.")
        brevet = brev_modul.lag_melding(
            register,
            ref,
            til,
            melding,
            idag=_dato(dato, "--brevdato"),
            format_=format_,
            sprak=sprak,
            mottaker_navn=navn,
        )
    else:
        brevet = brev_modul.lag_brev(
            register,
            ref,
            til,
            idag=_dato(dato, "--brevdato"),
            format_=format_,
            sprak=sprak,
            sp=_sp(sp),
            mottaker_navn=navn,
        )
    brev_id, skrevet = _lever_brev(register, brevet, ut, overskriv)
    _brev_levert(brev_id, til, brevet.sp, skrevet)


def _brev_levert(brev_id: int, til: str, sp: int | None, skrevet: Path | None) -> None:
    """What `brev` says when the letter is out (its option --melding shadows `melding`)."""
    if skrevet is not None:
        melding(f"Brev nr. {brev_id} til {til} (fra samtalen ved SP{sp}) er skrevet til {skrevet}.")
    else:
        melding(f"Brev nr. {brev_id} til {til}: fra samtalen ved SP{sp}.")


@kommando("innkalling")
def innkalling_kommando(
    ctx: typer.Context,
    ref: RefArg,
    sp: SpValg = None,
    format_: BrevFormatValg = "txt",
    ut: BrevUtValg = None,
    sprak: SprakValg = None,
    overskriv: OverskrivValg = False,
    dato: BrevDatoValg = None,
    med_hefte: Annotated[
        bool,
        typer.Option(
            "--med-hefte",
            help="Legg kartleggingsheftet (som «pakkehjem hefte») ved etter brevet, fra en ny side.",
        ),
    ] = False,
) -> None:
    """Innkallingsbrevet til pasienten for en avtalt samtale: tid, sted, tema og hvem som kan ringes."""
    from . import brev as brev_modul
    from . import visning

    _sjekk_brevfil(ut, overskriv)
    _dato(dato, "--brevdato")  # a bad date is bad input (exit 2) before the register is looked for
    register = _miljo(ctx).register()
    brevet = brev_modul.lag_innkalling(
        register,
        ref,
        idag=_dato(dato, "--brevdato"),
        format_=format_,
        sprak=sprak,
        sp=_sp(sp),
        med_hefte=med_hefte,
    )
    brev_id, skrevet = _lever_brev(register, brevet, ut, overskriv)
    if skrevet is not None:
        visning.melding(
            f"Innkalling (brev nr. {brev_id}) til pasienten for SP{brevet.sp} er skrevet til {skrevet}."
        )
    else:
        visning.melding(f"Innkalling (brev nr. {brev_id}) til pasienten for SP{brevet.sp}.")


@kommando("motta")
def motta_kommando(
    ctx: typer.Context,
    fil: Annotated[
        Path,
        typer.Argument(
            help="FHIR-filen fra den andre tjenesten (laget med «pakkehjem brev ... --format fhir»).",
            show_default=False,
        ),
    ],
    vis: Annotated[
        bool, typer.Option("--vis", help="Vis bare hva som ville blitt gjort; ingenting endres.")
    ] = False,
    bekreft: BekreftValg = False,
    json_ut: JsonValg = False,
) -> None:
    """Les inn en overføring (FHIR R4) fra den andre tjenesten: pasienten, forløpet, punktet de
    holdt og de åpne tiltakene. Hele filen sjekkes først; samme fil to ganger endrer ingenting."""
    import hashlib

    from .filer import les_tekstfil
    from .overforing import les_bunt

    idag = dagens_dato()
    innhold = les_tekstfil(fil, "FIL", grense=5_000_000).encode("utf-8")
    mottak = les_bunt(innhold, idag)
    resultat = (
        _miljo(ctx)
        .register()
        .punkter.motta_overforing(
            mottak, idag=idag, sha256=hashlib.sha256(innhold).hexdigest(), bare_vis=vis, bekreft=bekreft
        )
    )
    if json_ut:
        utdata.skriv_json({**resultat, "vist": vis})
        return
    if vis:
        _linje("Dette ville blitt gjort (ingenting er endret):")
    for steg in resultat["steg"]:
        _linje(("  " if vis else "") + steg)
    if not vis and resultat["ny"]:
        _linje(f"Overføringen er lest inn. Se pasienten med «pakkehjem vis {resultat['pasient_id']}».")


@kommando("hefte")
def hefte_kommando(
    ctx: typer.Context,
    sprak: SprakValg = None,
    format_: Annotated[
        str,
        typer.Option(
            "--format",
            help="pdf, html, txt, eller svar (svarfilen heftet føres inn med, «samtale REF --svar FIL»).",
        ),
    ] = "pdf",
    ut: Annotated[
        Path | None,
        typer.Option(
            "-o",
            "--ut",
            help="Skriv heftet til denne filen (- for stdout). Standard: stdout, eller "
            "kartleggingshefte.pdf i mappen du står i for pdf.",
            show_default=False,
        ),
    ] = None,
    overskriv: OverskrivValg = False,
) -> None:
    """Kartleggingsheftet pasienten kan fylle ut før samtalen, laget fra samtaleguiden som er i bruk.

    Temaene og spørsmålene med avkrysningsbokser, linjer til fritekst og en rad fra 0 til 10 med
    ankertekstene for hver skala, og tjenestens navn og telefon (fra «pakkehjem avsender»). Hvert
    spørsmål har id-en sin med liten skrift, slik at svarene føres inn med «samtale REF --svar FIL»;
    --format svar lager den tomme svarfilen. Tiltak, samtykke og neste avtale tas i samtalen og er
    ikke med. Heftet har ingen pasientopplysninger.
    """
    from . import hefte, visning
    from .filer import sjekk_ny_fil, skriv_privat

    fil = None if ut is not None and str(ut) == "-" else ut
    if ut is None and (format_ or "").strip().lower() == "pdf":
        fil = Path("kartleggingshefte.pdf")
    if fil is None and (format_ or "").strip().lower() == "pdf" and sys.stdout.isatty():
        raise UgyldigInndata("En PDF kan ikke skrives til terminalen. Oppgi en fil med -o.")
    if fil is not None:
        sjekk_ny_fil(fil, overskriv)
    from .samtale import aktiv_guide

    register = _miljo(ctx).register()
    innst = register.innstillinger()
    from .brev import bryt_linjer, til_pdf

    data = hefte.lag(
        aktiv_guide(register),
        innst,
        sprak or innst.get("brev_sprak") or "bokmal",
        format_,
        bryt_linjer=bryt_linjer,
        til_pdf=til_pdf,
    )
    if fil is None:
        _skriv_byte(data)
        return
    skriv_privat(fil, data, overskriv)
    visning.melding(f"Kartleggingsheftet er skrevet til {fil}.")


@kommando("avsender")
def avsender_kommando(
    ctx: typer.Context,
    navn: Annotated[str | None, typer.Option("--navn", help="Navnet som står under brevene.")] = None,
    rolle: Annotated[
        str | None, typer.Option("--rolle", help="Rollen, for eksempel kreftkoordinator.")
    ] = None,
    tjeneste: Annotated[
        str | None, typer.Option("--tjeneste", help="Tjenesten, for eksempel «Helsehuset, Eksempel kommune».")
    ] = None,
    telefon: Annotated[
        str | None, typer.Option("--telefon", help="Telefonnummeret mottakeren kan ringe.")
    ] = None,
    json_ut: JsonValg = False,
) -> None:
    """Sett eller vis avsenderen av brevene (navn, rolle, tjeneste, telefon); '' tømmer et felt."""
    from . import visning

    register = _miljo(ctx).register()
    gitt = {"navn": navn, "rolle": rolle, "tjeneste": tjeneste, "telefon": telefon}
    if nye := {f"avsender_{felt}": verdi for felt, verdi in gitt.items() if verdi is not None}:
        register.sett_innstillinger(nye)
    innst = register.innstillinger()
    avsender = {
        "navn": innst["avsender_navn"],
        "rolle": innst["avsender_rolle"],
        "tjeneste": innst["avsender_tjeneste"],
        "telefon": innst["avsender_telefon"],
    }
    if json_ut:
        utdata.skriv_json(avsender)
        return
    for felt, verdi in avsender.items():
        visning.konsoll().print(f"{felt.capitalize()}: {verdi or '(ikke satt)'}", markup=False)


# --- the whole episode: ending it and relapse ----------------------------------------------


def _skriv_byte(data: bytes) -> None:
    """A file's bytes (a PDF, a calendar) to stdout as they are; as text where stdout has no bytes."""
    sys.stdout.flush()
    utstrom = getattr(sys.stdout, "buffer", None)
    if utstrom is not None:
        utstrom.write(data)
        utstrom.flush()
    else:
        sys.stdout.write(data.decode("utf-8"))


def _linje(tekst: str) -> None:
    """A plain line on stdout: no markup, not wrapped when piped."""
    from .visning import konsoll

    konsoll().print(tekst, markup=False, highlight=False, soft_wrap=True)


@kommando("avslutt")
def avslutt_kommando(
    ctx: typer.Context,
    ref: RefArg,
    grunn: Annotated[
        str | None,
        typer.Option(
            "--grunn",
            help="Hvorfor: dod (død), flyttet, onske (pasientens ønske) eller fullfort (etter SP3).",
            show_default=False,
        ),
    ] = None,
    dato: Annotated[
        str | None,
        typer.Option(
            "--sluttdato",
            help="Dagen forløpet avsluttes: dødsdagen, flyttedagen eller dagen pasienten ba om det "
            "(standard: i dag). Tidligere --dato.",
            metavar="DATO",
            show_default=False,
        ),
    ] = None,
    til_kommune: Annotated[
        str | None,
        typer.Option("--til-kommune", help="Kommunen pasienten flytter til (med --grunn flyttet)."),
    ] = None,
    json_ut: JsonValg = False,
) -> None:
    """Avslutt pasientens aktive forløp; åpne samhandlingspunkter settes som bortfalt."""
    from . import livslop, visning

    kode = livslop.les_grunn(grunn)
    idag = dagens_dato()
    sluttdato = _dato(dato, "--sluttdato", idag)
    resultat = _miljo(ctx).register().punkter.avslutt(ref, kode, sluttdato, idag, til_kommune=til_kommune)
    pid = resultat["pasient_id"]
    hint = None
    if kode == livslop.FLYTTET:
        navn = f' --navn "{resultat["til_kommune"]}"' if resultat["til_kommune"] else ""
        hint = (
            "Skriv overføringsbrevet til den nye kommunen (med pasientens samtykke): "
            f"pakkehjem brev {pid} --til ny_kommune{navn}"
        )
    if json_ut:
        utdata.skriv_json(resultat["pasient"])
        if hint:
            visning.melding(hint)
        return
    _linje(
        f"Forløp {resultat['forlop']} for pasient nr. {pid} er avsluttet "
        f"{norsk_dato(sluttdato)}: {livslop.GRUNN_TEKST[kode]}."
    )
    if resultat["bortfalt"]:
        punkter = ", ".join(f"SP{sp}" for sp in resultat["bortfalt"])
        _linje(f"Satt som bortfalt: {punkter}.")
    if resultat["tiltak_lukket"]:
        _linje(f"Lukket {resultat['tiltak_lukket']} åpne tiltak.")
    if resultat["samtaler_avbrutt"]:
        _linje(f"Avbrøt {resultat['samtaler_avbrutt']} påbegynt samtale.")
    if resultat["pasient_avsluttet"]:
        _linje("Pasienten har ingen aktive forløp og er avsluttet i pakkeforløpet.")
    if hint:
        _linje(hint)


@kommando("residiv")
def residiv_kommando(
    ctx: typer.Context,
    ref: RefArg,
    diagnosedato: Annotated[
        str | None,
        typer.Option(
            "--diagnosedato", help="Dagen pasienten fikk vite om tilbakefallet.", show_default=False
        ),
    ] = None,
    diagnose: Annotated[
        str | None,
        typer.Option("--diagnose", help="ICD-10-kode, for eksempel C50.9. Standard: som forrige forløp."),
    ] = None,
    dato: DatoValg = None,
    json_ut: JsonValg = False,
) -> None:
    """Registrer residiv: det aktive forløpet avsluttes, og et nytt forløp åpnes."""
    from . import visning

    if not diagnosedato:
        raise UgyldigInndata("Mangler --diagnosedato: dagen pasienten fikk vite om tilbakefallet.")
    idag = _idag(dato)
    resultat = (
        _miljo(ctx)
        .register()
        .punkter.residiv(ref, _dato(diagnosedato, "--diagnosedato"), idag, diagnose=diagnose)
    )
    if json_ut:
        utdata.skriv_json(resultat["pasient"])
        return
    pid = resultat["pasient_id"]
    if resultat["avsluttet"]:
        _linje(f"Forløp {resultat['avsluttet']['forlop']} for pasient nr. {pid} er avsluttet (residiv).")
    _linje(f"Forløp {resultat['forlop']} er åpnet for pasient nr. {pid}.")
    nytt = next(f for f in resultat["pasient"]["forlop"] if f["nr"] == resultat["forlop"])
    for s in nytt["samhandlingspunkter"]:
        vindu = forlop.Periode(parse_dato(s["vindu_fra"]), parse_dato(s["vindu_til"]))
        _linje(f"  SP{s['sp']} ({s['ansvarlig']}): {visning.periode_tekst(vindu)}")


# --- calendar, access log, backup and check --------------------------------------------------


@kommando("kalender")
def kalender_kommando(
    ctx: typer.Context,
    ref: Annotated[
        str | None,
        typer.Argument(
            help="Bare denne pasienten (nummer eller fødselsnummer). Standard: alle avtaler.",
            show_default=False,
        ),
    ] = None,
    koordinator: Annotated[
        str | None, typer.Option("--koordinator", help="Bare denne koordinatorens pasienter.")
    ] = None,
    ut: Annotated[
        Path | None,
        typer.Option(
            "-o",
            "--ut",
            help="Skriv kalenderen til denne filen (.ics). Standard: stdout.",
            show_default=False,
        ),
    ] = None,
    med_navn: Annotated[
        bool,
        typer.Option(
            "--med-navn", help="Ta med pasientens navn i tittelen (kalendere synkes til telefoner)."
        ),
    ] = False,
    varighet: Annotated[
        int, typer.Option("--varighet", help="Varighet i minutter for avtaler med klokkeslett.")
    ] = 60,
    overskriv: OverskrivValg = False,
) -> None:
    """Avtalte samtaler som iCalendar-fil; titlene har ikke navn uten --med-navn."""
    from . import kalender, visning
    from .filer import sjekk_ny_fil, skriv_privat

    fil = None if ut is not None and str(ut) == "-" else ut
    if fil is not None:
        sjekk_ny_fil(fil, overskriv)
    kalender.sjekk_varighet(varighet)
    avtaler = kalender.avtaler(_miljo(ctx).register(), ref, koordinator=koordinator, idag=dagens_dato())
    data = kalender.lag_ics(avtaler, med_navn=med_navn, varighet=varighet)
    if fil is None:
        _skriv_byte(data)
    else:
        skriv_privat(fil, data, overskriv)
    avlyste = sum(1 for a in avtaler if a["avlyst"])
    if not avtaler:
        visning.melding("Ingen avtalte samtaler å eksportere; kalenderen er tom.")
    elif fil is not None:
        tillegg = f" ({avlyste} av dem avlyst)" if avlyste else ""
        visning.melding(f"Skrev {norsk.antall(len(avtaler), 'avtale')}{tillegg} til {fil}.")


@kommando("logg")
def logg_kommando(
    ctx: typer.Context,
    ref: Annotated[
        str | None,
        typer.Argument(
            help="Bare denne pasienten (nummer eller fødselsnummer). Standard: alle.", show_default=False
        ),
    ] = None,
    fra: Annotated[str | None, typer.Option("--fra", help="Fra og med dato.")] = None,
    til: Annotated[str | None, typer.Option("--til", help="Til og med dato.")] = None,
    bruker: Annotated[
        str | None, typer.Option("--bruker", help="Bare oppslag gjort av denne brukeren.")
    ] = None,
    grense: Annotated[
        int | None, typer.Option("--grense", help="Bare de N siste oppslagene.", show_default=False)
    ] = None,
    json_ut: JsonValg = False,
) -> None:
    """Tilgangsloggen: hvem har sett på hvilken pasient, når og hvordan."""
    from . import vedlikehold, visning_vedlikehold

    register = _miljo(ctx).register()
    pasient_id, rader = vedlikehold.tilgangslogg(
        register,
        ref,
        fra=_dato(fra, "--fra") if fra else None,
        til=_dato(til, "--til") if til else None,
        bruker=bruker,
        grense=grense,
    )

    if json_ut:
        utdata.skriv_json(rader)
        return
    overskrift = None if pasient_id is None else f"pasient nr. {pasient_id}"
    visning_vedlikehold.tilgangslogg(rader, overskrift)


@kommando("sikkerhetskopi")
def sikkerhetskopi_kommando(
    ctx: typer.Context,
    fil: Annotated[
        Path,
        typer.Argument(help="Ny fil for kopien; en fil som finnes, skrives ikke over.", show_default=False),
    ],
) -> None:
    """Ta en sikkerhetskopi av registeret mens andre bruker det; kopien sjekkes etterpå."""
    from . import vedlikehold, visning

    resultat = vedlikehold.sikkerhetskopi(_miljo(ctx).register(), fil)
    visning.melding(vedlikehold.oppsummer_kopi(resultat, dagens_dato()))


@kommando("sjekk")
def sjekk_kommando(ctx: typer.Context, json_ut: JsonValg = False) -> None:
    """Sjekk databasefilen: integritet, fremmednøkler og skjemaversjon."""
    from . import vedlikehold, visning_vedlikehold

    resultat = vedlikehold.sjekk(_miljo(ctx).sti())
    if json_ut:
        utdata.skriv_json(resultat)
    else:
        visning_vedlikehold.sjekkrapport(resultat)
    if not resultat["ok"]:
        # The report is the output; stderr still says in one line that the check failed.
        antall = len(resultat["problemer"])
        raise PakkehjemFeil(
            f"Sjekken fant {norsk.antall(antall, 'problem')} i registeret; "
            "se rapporten. Hent den siste sikkerhetskopien, eller kontakt den som drifter registeret."
        )


@kommando("krypter")
def krypter_kommando(
    ctx: typer.Context,
    til: Annotated[
        Path | None,
        typer.Option(
            "--til",
            help="Skriv det krypterte registeret til en ny fil og la det ukrypterte stå. "
            "Uten --til krypteres registeret der det ligger, og den ukrypterte filen slettes.",
            show_default=False,
        ),
    ] = None,
    overskriv: Annotated[
        bool, typer.Option("--overskriv", help="Erstatt filen i --til hvis den finnes fra før.")
    ] = False,
) -> None:
    """Krypter et ukryptert register. Nøkkelen fra PAKKEHJEM_NOKKEL, ellers spør programmet to ganger."""
    from . import kryptering, visning

    resultat = kryptering.krypter(_miljo(ctx).sti(), til, overskriv=overskriv)
    visning.melding(kryptering.oppsummer(resultat))


@kommando("dbsti")
def dbsti(ctx: typer.Context) -> None:
    """Skriv stien til databasefilen som brukes."""
    from .skjermtekst import rens

    typer.echo(rens(str(_miljo(ctx).sti()), linjeskift=False))


def main() -> None:
    """Console-script entry point."""
    forbered_prosess()
    kommandotre()()


__all__ = ["app", "main", "norsk_dato"]
