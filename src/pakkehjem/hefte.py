"""The pre-visit booklet (`pakkehjem hefte`): the active guide as pages the patient fills in.

Local practice sends the patient a booklet to read and fill in before the conversation
(Nordlandssykehuset's kartleggingshefte). The booklet is made from the guide in use, so it follows
a service's own guide: each theme with its questions, tick boxes for the choices, lines for free
text, a 0-10 row with its anchors for each scale, and the service's name and phone. Each question
carries its id in small print, and `--format svar` writes the answer file with the same ids, so
the filled booklet is entered with `samtale REF --svar FIL`.

Left out: actions (agreed in the conversation), consent and the relative's yes to sharing (given
in the conversation, informed), the next appointment, and themes the guide marks `hefte: false`.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib.resources import files
from typing import TYPE_CHECKING, Any

from . import guide as guide_modul
from .feil import UgyldigInndata

if TYPE_CHECKING:
    import jinja2

    from .innstillinger import Innstillinger

FORMATER = ("pdf", "html", "txt", "svar")
SPRAK = ("bokmal", "nynorsk")
BREDDE = 72  # the txt booklet, like the txt letters


def _tekster(sprak: str) -> dict[str, Any]:
    import yaml

    data = yaml.safe_load(
        (files("pakkehjem.templates") / "hefte" / "tekster.yaml").read_text(encoding="utf-8")
    )
    tekster: dict[str, Any] = data[sprak]
    return tekster


def _tematitler(sprak: str) -> dict[str, str]:
    """Theme titles in the booklet's language: the letters' own (templates/brev/tekster.yaml)."""
    import yaml

    data = yaml.safe_load(
        (files("pakkehjem.templates") / "brev" / "tekster.yaml").read_text(encoding="utf-8")
    )
    return dict((data.get(sprak) or {}).get("temaer") or {})


def _skala(sporsmal: guide_modul.Sporsmal) -> list[int]:
    if sporsmal.type != "skala" or sporsmal.min is None or sporsmal.max is None:
        return []
    return list(range(sporsmal.min, sporsmal.max + 1))


def med_i_hefte(tema: guide_modul.Tema, sporsmal: guide_modul.Sporsmal) -> bool:
    """Whether the patient answers this question in the booklet."""
    if sporsmal.type == "tiltak" or sporsmal.samtykke or sporsmal.neste_avtale:
        return False
    return not (tema.parorende and tema.deling_sporsmal() is sporsmal)


def _betingelse(guiden: guide_modul.Guide, sporsmal: guide_modul.Sporsmal, t: dict[str, Any]) -> str:
    """ "Svar her hvis du krysset av for «behov» over." for a question with `vis_hvis`."""
    vis = sporsmal.vis_hvis
    if not vis:
        return ""
    verdier = vis["en_av"] if "en_av" in vis else [vis["er"]]
    ord_ = [t["ja"] if v is True else t["nei"] if v is False else str(v) for v in verdier]
    return str(t["betingelse"]).format(svar=f" {t['eller']} ".join(f"«{o}»" for o in ord_))


def bygg_kontekst(guiden: guide_modul.Guide, innstillinger: Innstillinger, sprak: str) -> dict[str, Any]:
    """What the booklet shows (pure): themes and questions in the patient's order, and the service."""
    t = _tekster(sprak)
    titler = _tematitler(sprak)
    temaer: list[dict[str, Any]] = []
    for tema in guiden.tema:
        if not tema.i_hefte or any(s.neste_avtale or s.samtykke for s in tema.sporsmal):
            continue
        sporsmal = []
        for s in tema.sporsmal:
            if not med_i_hefte(tema, s):
                continue
            sporsmal.append({
                "id": s.id,
                "tekst": t["notat"] if s.type == "tekst" and s.tekst.startswith("Notat") else s.tekst,
                "type": s.type,
                "valg": list(s.valg or ()),
                "skala": _skala(s),
                "min_tekst": s.endene(sprak)[0],
                "max_tekst": s.endene(sprak)[1],
                "flervalg": s.type == "flervalg",
                "betingelse": _betingelse(guiden, s, t),
                "linjer": 4 if s.flerlinjet or s.id.endswith("_notat") else 2,
            })  # fmt: skip
        if sporsmal:
            temaer.append({
                "id": tema.id, "tittel": titler.get(tema.id) or tema.tittel, "sporsmal": sporsmal,
                "parorende": tema.parorende,
            })  # fmt: skip
    i_heftet = {s["id"] for tema in temaer for s in tema["sporsmal"]}
    # Required answers the booklet does not ask (how the conversation is held): the coordinator
    # fills them in the answer file.
    koordinator_felt = [
        {"id": s.id, "tekst": s.tekst, "valg": list(s.valg or ())}
        for s in guiden.alle_sporsmal()
        if s.pakrevd and s.id not in i_heftet
    ]
    return {
        "t": t,
        "sprak": sprak,
        "koordinator_felt": koordinator_felt,
        "guide": {"tittel": guiden.tittel, "versjon": guiden.versjon},
        "tjeneste": (innstillinger.get("avsender_tjeneste") or "").strip(),
        "telefon": (innstillinger.get("avsender_telefon") or "").strip(),
        "koordinator": (innstillinger.get("avsender_navn") or "").strip(),
        "temaer": temaer,
    }


def _miljo(autoescape: bool) -> jinja2.Environment:
    import jinja2
    from jinja2.sandbox import SandboxedEnvironment

    return SandboxedEnvironment(
        loader=jinja2.FunctionLoader(
            lambda navn: (files("pakkehjem.templates") / "hefte" / navn).read_text(encoding="utf-8")
        ),
        autoescape=autoescape,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )


def svarfil(kontekst: dict[str, Any]) -> str:
    """The answer file to type the filled booklet into: every question id, empty, with its text."""
    t = kontekst["t"]
    linjer = [f"# {linje}" for linje in t["svarfil_innledning"]]
    for tema in kontekst["temaer"]:
        linjer += ["", f"# --- {tema['tittel']}"]
        for s in tema["sporsmal"]:
            linjer.append(f"# {s['tekst']}")
            if s["valg"]:
                linjer.append(f"#   {t['svarfil_valg']}: " + ", ".join(s["valg"]))
            elif s["skala"]:
                linjer.append(f"#   {s['skala'][0]}–{s['skala'][-1]}")
            elif s["type"] == "janei":
                linjer.append("#   true / false")
            elif s["type"] == "dato":
                linjer.append("#   ÅÅÅÅ-MM-DD")
            if s["flervalg"]:
                linjer.append(f"#   {t['svarfil_liste']}")
            linjer.append(f"{s['id']}:")
    if kontekst["koordinator_felt"]:
        linjer += ["", f"# --- {t['svarfil_koordinator']}"]
        for s in kontekst["koordinator_felt"]:
            linjer.append(f"# {s['tekst']}")
            if s["valg"]:
                linjer.append(f"#   {t['svarfil_valg']}: " + ", ".join(s["valg"]))
            linjer.append(f"{s['id']}:")
    return "\n".join(linjer) + "\n"


def lag(
    guiden: guide_modul.Guide,
    innstillinger: Innstillinger,
    sprak: str,
    format_: str,
    *,
    bryt_linjer: Callable[[str, int], str],
    til_pdf: Callable[[str], bytes],
) -> bytes:
    """The booklet in one format: pdf, html, txt, or the answer file (svar). The letters' own
    line breaking and PDF rendering are passed in (`brev.bryt_linjer`, `brev.til_pdf`): the
    letters include the booklet, so the booklet does not import the letters."""
    format_ = (format_ or "pdf").strip().lower()
    if format_ not in FORMATER:
        raise UgyldigInndata(f"--format «{format_}» finnes ikke. Velg en av: {', '.join(FORMATER)}.")
    sprak = (sprak or "bokmal").strip().lower()
    if sprak not in SPRAK:
        raise UgyldigInndata(f"--sprak «{sprak}» finnes ikke. Velg bokmal eller nynorsk.")
    kontekst = bygg_kontekst(guiden, innstillinger, sprak)
    if format_ == "svar":
        return svarfil(kontekst).encode("utf-8")
    if format_ == "txt":
        return bryt_linjer(_miljo(False).get_template("hefte.txt.j2").render(**kontekst), BREDDE).encode(
            "utf-8"
        )
    html = _miljo(True).get_template("hefte.html.j2").render(**kontekst)
    if format_ == "html":
        return html.encode("utf-8")
    return til_pdf(html)


def html_innhold(guiden: guide_modul.Guide, innstillinger: Innstillinger, sprak: str) -> str:
    """The booklet's pages as an HTML fragment, to be put after an invitation letter."""
    kontekst = bygg_kontekst(guiden, innstillinger, sprak)
    return _miljo(True).get_template("hefte_sider.html.j2").render(**kontekst)


def tekst_innhold(guiden: guide_modul.Guide, innstillinger: Innstillinger, sprak: str) -> str:
    """The booklet as plain text, to be put after an invitation letter."""
    kontekst = bygg_kontekst(guiden, innstillinger, sprak)
    return _miljo(False).get_template("hefte.txt.j2").render(**kontekst)
