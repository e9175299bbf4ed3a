"""The command line: parse options, call the core, print; errors mapped to exit codes here.

No rule of the pathway lives in this file.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperCommand, TyperGroup

from . import forlop
from .datoer import norsk_dato, parse_dato
from .feil import PakkehjemFeil, UgyldigInndata

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


class _NorskHjelp:
    def get_help_option(self, ctx: Any) -> Any:
        valg = super().get_help_option(ctx)  # type: ignore[misc]
        if valg is not None:
            valg.help = HJELP_VALG
        return valg

    def get_help(self, ctx: Any) -> str:
        _norsk_hjelpetekst()
        return super().get_help(ctx)  # type: ignore[misc]


class Kommando(_NorskHjelp, TyperCommand):
    """A command with Norwegian help."""


def _bruksfeil_tekst(feil: Exception) -> str:
    """A Norwegian message for a usage error from the option parser."""
    navn = type(feil).__name__
    if navn == "NoSuchOption":
        return f"Ukjent valg: {getattr(feil, 'option_name', '')}."
    if navn == "MissingParameter":
        param = getattr(feil, "param", None)
        hint = "/".join(getattr(param, "opts", []) or []) or getattr(param, "name", "")
        return f"Mangler {hint}."
    if navn == "BadParameter":
        param = getattr(feil, "param", None)
        hint = "/".join(getattr(param, "opts", []) or []) or getattr(param, "name", "")
        return f"Ugyldig verdi for {hint}."
    if navn == "BadOptionUsage":
        return f"Valget {getattr(feil, 'option_name', '')} trenger en verdi."
    tekst = str(getattr(feil, "message", "")) or str(feil)
    if tekst.startswith("No such command"):
        return f"Ukjent kommando: {tekst.split(' ', 3)[-1].strip('.')}."
    if tekst.startswith("Got unexpected extra argument"):
        return "For mange argumenter."
    return f"Feil bruk av kommandoen ({tekst})."


def _valgfri_uke(args: list[str]) -> list[str]:
    """`--uke` with no value means the current week (click options always want a value)."""
    resultat = []
    for i, arg in enumerate(args):
        if arg == "--uke" and (i + 1 == len(args) or args[i + 1].startswith("-")):
            resultat.append("--uke=")
        else:
            resultat.append(arg)
    return resultat


class Hovedgruppe(_NorskHjelp, TyperGroup):
    """The top group: runs a command and maps every failure to a message and an exit code."""

    def main(self, args: Sequence[str] | None = None, *a: Any, **kw: Any) -> Any:  # type: ignore[override]
        kw["standalone_mode"] = False
        args = _valgfri_uke(list(sys.argv[1:] if args is None else args))
        from .visning import melding

        try:
            resultat = super().main(args, *a, **kw)
        except PakkehjemFeil as feil:
            melding(str(feil))
            sys.exit(feil.exit_code)
        except typer.Exit as slutt:
            sys.exit(slutt.exit_code)
        except (typer.Abort, KeyboardInterrupt, EOFError):
            melding("Avbrutt. Ingenting er endret av det som ikke var lagret.")
            sys.exit(130)
        except typer.TyperException as feil:
            if type(feil).__name__ == "NoArgsIsHelpError":
                ctx = getattr(feil, "ctx", None)
                if ctx is not None:
                    typer.echo(ctx.get_help())
                sys.exit(0)
            kode = getattr(feil, "exit_code", 2)
            ctx = getattr(feil, "ctx", None)
            sti = ctx.command_path if ctx is not None else "pakkehjem"
            melding(f"{_bruksfeil_tekst(feil)} Se «{sti} --help».")
            sys.exit(kode)
        except Exception as feil:
            if os.environ.get("PAKKEHJEM_FEILSOK"):
                raise
            # No traceback and no message text: either could carry patient data.
            melding(
                f"Uventet feil ({type(feil).__name__}). Endringen som pågikk er ikke lagret. "
                "Meld fra om feilen; kjør med PAKKEHJEM_FEILSOK=1 for detaljer."
            )
            sys.exit(1)
        if isinstance(resultat, int) and resultat:
            sys.exit(resultat)
        return resultat


app = typer.Typer(
    cls=Hovedgruppe,
    help="Pakkeforløp hjem for pasienter med kreft: register, arbeidsliste, samtale og brev.",
    add_completion=False,
    no_args_is_help=True,
    # A traceback could show patient data (domain.md, privacy): never print one.
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def kommando(navn: str) -> Any:
    """Register a command with Norwegian help handling."""
    return app.command(navn, cls=Kommando)


class Miljo:
    """What the top options decided: where the database is. Opened lazily, closed at exit."""

    def __init__(self, db: Path | None):
        self.db_valg = db
        self._register: Any = None

    def sti(self) -> Path:
        """Option, then PAKKEHJEM_DB, then the user's data directory (cli.md)."""
        if self.db_valg is not None:
            return self.db_valg
        fra_miljo = os.environ.get("PAKKEHJEM_DB")
        if fra_miljo:
            return Path(fra_miljo)
        from platformdirs import user_data_path

        return user_data_path("pakkehjem", appauthor=False) / "pakkehjem.db"

    def register(self) -> Any:
        """The open register."""
        if self._register is None:
            from .register import Register

            self._register = Register.apne(self.sti())
        return self._register

    def lukk(self) -> None:
        """Close the register if it was opened."""
        if self._register is not None:
            self._register.lukk()
            self._register = None


@app.callback()
def hoved(
    ctx: typer.Context,
    db: Annotated[
        Path | None,
        typer.Option(
            "--db",
            help="Databasefilen. Ellers PAKKEHJEM_DB, ellers en fil i brukerens datamappe.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Pakkeforløp hjem for pasienter med kreft: register, arbeidsliste, samtale og brev."""
    miljo = Miljo(db)
    ctx.obj = miljo
    ctx.call_on_close(miljo.lukk)


def _miljo(ctx: typer.Context) -> Miljo:
    return ctx.find_root().obj


def _dato(tekst: str | None, valg: str, standard: date | None = None) -> date:
    """A date option as typed, or today; UgyldigInndata with the option's name."""
    if tekst is None or not tekst.strip():
        return standard if standard is not None else date.today()
    try:
        return parse_dato(tekst)
    except ValueError as feil:
        raise UgyldigInndata(f"{valg}: {feil}") from None


def _idag(tekst: str | None) -> date:
    return _dato(tekst, "--dato")


def _sp(verdi: int | None) -> int | None:
    if verdi is not None and verdi not in forlop.SP_NUMRE:
        raise UgyldigInndata(f"--sp {verdi}: et samhandlingspunkt er 1, 2 eller 3.")
    return verdi


DatoValg = Annotated[
    str | None,
    typer.Option("--dato", help="Regn som om dagens dato var DATO (ÅÅÅÅ-MM-DD eller DD.MM.ÅÅÅÅ)."),
]
JsonValg = Annotated[bool, typer.Option("--json", help="Skriv ett JSON-dokument til stdout.")]
SpValg = Annotated[
    int | None,
    typer.Option("--sp", help="Samhandlingspunkt 1, 2 eller 3. Standard: det første åpne."),
]
RefArg = Annotated[
    str,
    typer.Argument(help="Pasientens nummer eller fødselsnummer (11 siffer).", show_default=False),
]


def _spor_eller_feil(verdi: str | None, valg: str, sporsmal: str) -> str:
    """A required value: prompted for on a terminal, exit 2 when stdin is not one."""
    if verdi is not None and verdi.strip():
        return verdi
    if not sys.stdin.isatty():
        raise UgyldigInndata(f"Mangler {valg}.")
    from rich.prompt import Prompt

    while True:
        svar = Prompt.ask(sporsmal).strip()
        if svar:
            return svar


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
    dato: DatoValg = None,
    json_ut: JsonValg = False,
) -> None:
    """Registrer en ny pasient med forløp 1 og de tre samhandlingspunktene."""
    idag = _idag(dato)
    fnr = _spor_eller_feil(fnr, "--fnr", "Fødselsnummer")
    navn = _spor_eller_feil(navn, "--navn", "Navn")
    diagnosedato = _spor_eller_feil(diagnosedato, "--diagnosedato", "Diagnosedato")
    register = _miljo(ctx).register()
    pasient_id = register.ny_pasient(
        fnr=fnr,
        navn=navn,
        diagnosedato=_dato(diagnosedato, "--diagnosedato"),
        idag=idag,
        diagnose=diagnose,
        kommune=kommune,
        fastlege=fastlege,
        koordinator=koordinator,
        telefon=telefon,
    )
    data = register.vis_pasient(str(pasient_id), idag, handling="vis-ny")
    from . import visning

    if json_ut:
        visning.skriv_json(data)
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
    data = register.vis_pasient(ref, idag)
    from . import visning

    if json_ut:
        visning.skriv_json(data)
        return
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
    rader = _miljo(ctx).register().pasienter(idag, alle=alle, koordinator=koordinator, kommune=kommune)
    from . import visning

    if json_ut:
        visning.skriv_json(rader)
    else:
        visning.pasientliste(rader)


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
) -> None:
    """Endre en pasients kontaktopplysninger."""
    pasient_id = (
        _miljo(ctx)
        .register()
        .endre_pasient(
            ref,
            {
                "navn": navn,
                "kommune": kommune,
                "fastlege": fastlege,
                "koordinator": koordinator,
                "telefon": telefon,
            },
        )
    )
    from .visning import konsoll

    konsoll().print(f"Pasient nr. {pasient_id} er oppdatert.")


# --- contact points ---------------------------------------------------------------------


def _endre_punkt(ctx: typer.Context, ref: str, sp: int | None, status: str, idag: date, **felt: Any) -> None:
    data = _miljo(ctx).register().endre_punkt(ref, _sp(sp), status, idag=idag, **felt)
    from .visning import konsoll

    siste = data["hendelser"][-1]["tekst"]
    konsoll().print(f"Pasient nr. {data['id']}: {siste}")


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


# --- the work list ----------------------------------------------------------------------


@kommando("forfaller")
def forfaller(
    ctx: typer.Context,
    uke: Annotated[
        str | None,
        typer.Option("--uke", help="Uke: tom for denne uken, 48, eller 2027-W02.", show_default=False),
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
        typer.Option("--ansvarlig", help="Bare spesialisthelsetjenesten eller kommunen."),
    ] = None,
    dato: DatoValg = None,
    json_ut: JsonValg = False,
) -> None:
    """Arbeidslisten: samhandlingspunkter som forfaller i perioden, og alt som er forfalt."""
    idag = _idag(dato)
    valgt = sum(1 for x in (uke is not None, maned, fra is not None or til is not None) if x)
    if valgt > 1:
        raise UgyldigInndata("Velg bare én periode: --uke, --maned eller --fra/--til.")
    if ansvarlig and ansvarlig not in ("spesialisthelsetjenesten", "kommunen"):
        raise UgyldigInndata("--ansvarlig er spesialisthelsetjenesten eller kommunen.")
    if fra is not None or til is not None:
        if fra is None or til is None:
            raise UgyldigInndata("Oppgi både --fra og --til.")
        periode = forlop.Periode(_dato(fra, "--fra"), _dato(til, "--til"))
        if periode.til < periode.fra:
            raise UgyldigInndata("--til ligger før --fra.")
    elif maned:
        periode = forlop.maned_periode(idag)
    else:
        try:
            periode = forlop.uke_periode(uke, idag)
        except ValueError as feil:
            raise UgyldigInndata(f"--uke: {feil}") from None
    rader = (
        _miljo(ctx)
        .register()
        .forfaller(
            periode,
            idag,
            kun_forfalte=forfalte,
            koordinator=koordinator,
            kommune=kommune,
            ansvarlig=ansvarlig,
        )
    )
    from . import visning

    if json_ut:
        visning.skriv_json(rader)
        return
    tittel = "(bare forfalte)" if forfalte else visning.uke_tittel(periode)
    if not rader:
        visning.melding(f"Ingenting forfaller {tittel}, og ingenting er forfalt.")
        return
    visning.arbeidsliste(rader, tittel)


# --- demo data, settings, database --------------------------------------------------------


@kommando("eksempeldata")
def eksempeldata(
    ctx: typer.Context,
    antall: Annotated[int, typer.Option("--antall", help="Hvor mange pasienter.", min=1)] = 200,
    seed: Annotated[int, typer.Option("--seed", help="Samme seed gir samme data.")] = 1,
    dato: DatoValg = None,
) -> None:
    """Fyll registeret med syntetiske pasienter (testnumre som aldri tilhører en person)."""
    from . import eksempel, visning

    register = _miljo(ctx).register()
    idag = _idag(dato)
    if visning.feilkonsoll().is_terminal:
        from rich.progress import Progress

        with Progress(console=visning.feilkonsoll(), transient=True) as fremdrift:
            oppgave = fremdrift.add_task("Lager eksempeldata", total=antall)
            laget = eksempel.fyll(register, antall, seed, idag, lambda n: fremdrift.advance(oppgave, n))
    else:
        laget = eksempel.fyll(register, antall, seed, idag)
    visning.melding(f"La inn {laget} syntetiske pasienter i {register.sti}.")


@kommando("innstillinger")
def innstillinger_kommando(
    ctx: typer.Context,
    navn: Annotated[str | None, typer.Argument(help="Innstillingen som skal endres.")] = None,
    verdi: Annotated[str | None, typer.Argument(help="Ny verdi.")] = None,
    json_ut: JsonValg = False,
) -> None:
    """Vis innstillingene, eller endre én: pakkehjem innstillinger NAVN VERDI."""
    from . import innstillinger, visning

    register = _miljo(ctx).register()
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
        visning.skriv_json(verdier)
        return
    for n, i in innstillinger.INNSTILLINGER.items():
        visning.konsoll().print(f"[bold]{n}[/bold] = {_vis_verdi(verdier[n])}", markup=True)
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
) -> None:
    """Vis den aktive samtaleguiden: temaene og spørsmålene med id og type."""
    from . import guide as guide_modul
    from . import visning

    if fil is not None:
        _sjekk_guidefil(fil)
        guiden = guide_modul.last_guide(fil)
    else:
        from .samtale import aktiv_guide

        guiden = aktiv_guide(_miljo(ctx).register())
    if json_ut:
        visning.skriv_json(guiden.til_json())
    else:
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
        f"{len(guiden.tema)} tema, {antall} spørsmål."
    )


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
        str | None, typer.Option("--dato", help="Samtalens dato (standard: i dag).")
    ] = None,
) -> None:
    """Kartleggingssamtalen: ett spørsmål om gangen, hvert svar lagres med en gang."""
    idag = date.today()
    samtaledato = _dato(dato, "--dato", idag)
    if samtaledato > idag:
        raise UgyldigInndata("Samtaledatoen ligger fram i tid. Oppgi dagen samtalen ble holdt.")
    register = _miljo(ctx).register()
    from . import visning

    if svar is not None:
        from .samtale import fra_svarfil

        resultat = fra_svarfil(register, ref, _sp(sp), samtaledato, svar)
        visning.melding(
            f"Samtalen er lagret og fullført: pasient nr. {resultat['pasient_id']}, "
            f"SP{resultat['sp']} er gjennomført {visning.norsk_dato(samtaledato)}."
        )
        return
    from .samtale_terminal import Terminalsamtale

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
    rader = _miljo(ctx).register().apne_tiltak(
        idag, ansvarlig=ansvarlig, koordinator=koordinator, kun_forfalte=forfalte
    )
    from . import visning

    if json_ut:
        visning.skriv_json(rader)
    else:
        visning.tiltaksliste(rader, idag)


@kommando("tiltak-utfort")
def tiltak_utfort(
    ctx: typer.Context,
    tiltak_id: Annotated[int, typer.Argument(help="Tiltakets nummer (fra «pakkehjem tiltak»).")],
    dato: DatoValg = None,
) -> None:
    """Marker et tiltak som utført."""
    pasient_id = _miljo(ctx).register().tiltak_utfort(tiltak_id, _idag(dato))
    from .visning import melding

    melding(f"Tiltak {tiltak_id} (pasient nr. {pasient_id}) er markert som utført.")


@kommando("dbsti")
def dbsti(ctx: typer.Context) -> None:
    """Skriv stien til databasefilen som brukes."""
    typer.echo(str(_miljo(ctx).sti()))


def main() -> None:
    """Console-script entry point."""
    # Every file the tool creates is for the owner only (design.md): set before any is made.
    os.umask(0o077)
    app()


__all__ = ["app", "main", "norsk_dato"]
