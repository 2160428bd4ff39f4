"""Insight requests: "what is X and how much…" (HYBRID) and "why did X change?" (decomposition).

Pure (no Django). The router reads a question in Spanish or English and says whether it is

- a **hybrid** request: a definition part ("¿qué significa margen bruto…", "explain what the
  average ticket is…", "define X, then…") joined to a data part ("…y cuál fue por categoría en
  2025", "…and show it by sales channel"); the definition's term and a data question the offline
  engine can read are returned;
- a **why** request: a why phrase ("por qué", "a qué se debe", "what drove", "why") about a change
  ("bajaron", "la caída", "the change", "drop"); the change words are removed so the offline
  engine reads what is left (metric, periods, filters), and the direction said is kept.

Also here: the texts of a why-answer, the outliers of a trend and their "why?" follow-ups.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from datachat.text import fold

from .decompose import Decomposition, Period, number

# --- the router ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class HybridRequest:
    term: str  # what is to be defined ("margen bruto", "the average ticket")
    data_question: str  # the data part as a question of its own
    lang: str


@dataclass(frozen=True)
class WhyRequest:
    rest: str  # the question without its why and change words ("las ventas en febrero")
    direction: str | None  # "down", "up" or None (only "change")
    lang: str


_DEF_ES = (
    r"(?:que\s+(?:significa|significan|es|son|quiere\s+decir|se\s+entiende\s+por)"
    r"|explica(?:me|nos)?(?:\s+que\s+(?:es|son|significa))?"
    r"|defin[ea](?:me)?|definicion\s+de|como\s+se\s+(?:calcula|define))"
)
_DEF_EN = (
    r"(?:what\s+(?:is|are|does)|what's|explain(?:\s+what)?|define|definition\s+of"
    r"|tell\s+me\s+what|how\s+is)"
)
_DATA_ES = (
    r"(?:cual|cuales|cuanto|cuanta|cuantos|cuantas|como\s+(?:fue|evoluciono|va|esta)|muestra\w*"
    r"|ensena\w*|dame|dime|lista\w*|grafica\w*|compara\w*|desglosa\w*|ver|quiero\s+ver|y\s+por"
    r"|por)"
)
_DATA_EN = (
    r"(?:how\s+much|how\s+many|how\s+did|what\s+(?:was|were|is|are)|which|show\w*|list\w*"
    r"|give\w*|plot\w*|chart\w*|compare\w*|break\w*|display\w*|tell\s+me|by)"
)
_JOIN_ES = (
    r"(?:,\s*)?(?:\s+y\s+(?:luego\s+|despues\s+|tambien\s+|ademas\s+)?"
    r"|,\s*(?:luego\s+|despues\s+)?|;\s*)"
)
_JOIN_EN = r"(?:,\s*)?(?:\s+and\s+(?:then\s+|also\s+)?|,\s*(?:then\s+)?|;\s*|\s+then\s+)"

_HYBRID = {
    "es": re.compile(rf"^\s*{_DEF_ES}\s+(?P<term>.+?){_JOIN_ES}(?P<rest>{_DATA_ES}\b.*)$"),
    "en": re.compile(
        rf"^\s*{_DEF_EN}\s+(?P<term>.+?)(?:\s+(?:is|are|means?))?{_JOIN_EN}"
        rf"(?P<rest>{_DATA_EN}\b.*)$"
    ),
}


# Leading words of the data part that only say "show me" ("cuál fue", "show it", "how much was it").
def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_DATA_FILLER = _words(
    """
    cual cuales fue fueron es son era eran cuanto cuanta cuantos cuantas muestra muestrame
    muestralo muestrala muestralos muestramelo muestramela ensename ensenamelo ensenamela dame
    dime lista listame grafica graficalo compara desglosa desglosalo ver quiero lo la los las le
    sus su tuvo tuvimos hubo y how much many was were is are it them its show me display list
    give plot chart break down what which tell did do does the valor value
    """
)
_ARTICLES = _words("el la los las un una the a an")


def _clean(text: str) -> str:
    text = fold(text).replace("¿", " ").replace("?", " ").replace("¡", " ").replace("!", " ")
    return " ".join(text.replace(".", " ").split())


def _counts_a_noun(words: list[str]) -> bool:
    """'how many friends …', 'cuántos amigos …': a count of a noun is the data asked, not a
    'show me' to drop ('how many were there' is one)."""
    if words[:2] in (["how", "many"], ["how", "much"]):
        return len(words) > 2 and words[2] not in _DATA_FILLER
    return words[0] in ("cuantos", "cuantas") and len(words) > 1 and words[1] not in _DATA_FILLER


def hybrid_request(question: str, lang: str) -> HybridRequest | None:
    """The definition's term and the data part, when the question asks for both."""
    text = _clean(question)
    for language in (lang, "en" if lang == "es" else "es"):
        match = _HYBRID[language].match(text)
        if match is None:
            continue
        term = match.group("term").strip(" ,;")
        words = term.split()
        while words and words[0] in _ARTICLES:
            words = words[1:]
        while words and words[-1] in ("es", "is", "are", "means", "mean", "significa"):
            words = words[:-1]
        if not words or len(words) > 6:
            return None
        term = " ".join(words)
        rest = match.group("rest").split()
        while rest and rest[0] in _DATA_FILLER and not _counts_a_noun(rest):
            rest = rest[1:]
        data = " ".join([term, *rest]).strip()
        return HybridRequest(term=term, data_question=data, lang=language)
    return None


_WHY = {
    "es": re.compile(
        r"^\s*(?:y\s+)?(?:por\s*que|a\s+que\s+se\s+deb\w*|que\s+(?:explica|explico|causo|provoco"
        r"|impulso|motivo|hay\s+detras\s+de|esta\s+detras\s+de)|cual\s+(?:es|fue)\s+(?:la\s+)?"
        r"(?:causa|razon|explicacion)\s+de|explica(?:me|nos)?(?:\s+por\s+que)?|de\s+donde\s+viene"
        r"|analiza(?:me)?)\b"
    ),
    "en": re.compile(
        r"^\s*(?:and\s+)?(?:why|what\s+(?:drove|drives|caused|causes|explains|explained|is\s+behind"
        r"|was\s+behind|contributed\s+to|led\s+to)|what's\s+behind|explain|(?:the\s+)?reasons?\s+"
        r"(?:for|behind)|where\s+did\s+the|break\s+down\s+the)\b"
    ),
}
_DOWN = re.compile(
    r"\b(?:baj\w*|cay\w*|caida\w*|descen\w*|descenso\w*|disminu\w*|desplom\w*|empeor\w*|perd\w*"
    r"|drop\w*|fell|fall\w*|declin\w*|decreas\w*|dip\w*|shr[iau]nk\w*|went\s+down|go\s+down"
    r"|slump\w*|plung\w*)\b"
)
_UP = re.compile(
    r"\b(?:sub\w*|aument\w*|crec\w*|increment\w*|repunt\w*|dispar\w*|mejor(?:aron|o|ado)\b"
    r"|rose|rise\w*|rising|increas\w*|grew|grow\w*|jump\w*|spik\w*|surg\w*|went\s+up|go\s+up"
    r"|improv\w*|climb\w*|soar\w*)\b"
)
_CHANGE = re.compile(r"\b(?:cambi\w*|variacion\w*|variaron|vario|chang\w*|swing\w*)\b")
# Words of a why-question that are not part of what is measured.
_WHY_FILLER = _words(
    """
    tanto tan mucho poco did do does so much the that this esa ese este esta el la los las se
    ha han hubo hayan haya fue fueron en of in de del between entre vs versus frente a respecto
    compared to from
    """
)


def why_request(question: str, lang: str) -> WhyRequest | None:
    """The question without its why and change words, when it asks why something changed."""
    text = _clean(question)
    for language in (lang, "en" if lang == "es" else "es"):
        match = _WHY[language].match(text)
        if match is None:
            continue
        rest = text[match.end() :]
        down, up = _DOWN.search(rest), _UP.search(rest)
        changed = _CHANGE.search(rest)
        if not (down or up or changed):
            return None  # "¿por qué el ticket es mayor en Online?" is not about a change
        direction = "down" if down and not up else "up" if up and not down else None
        for pattern in (_DOWN, _UP, _CHANGE):
            rest = pattern.sub(" ", rest)
        words = rest.split()
        while words and words[0] in _WHY_FILLER:
            words = words[1:]
        while words and words[-1] in _WHY_FILLER:
            words = words[:-1]
        return WhyRequest(rest=" ".join(words), direction=direction, lang=language)
    return None


_FOLLOWUP_BY = re.compile(
    r"^\s*(?:y\s+|and\s+|ahora\s+|now\s+|what\s+about\s+|how\s+about\s+|y\s+si\s+lo\s+vemos\s+)?"
    r"(?:por|by|per|segun|split\s+by|broken\s+down\s+by|desglosado\s+por)\s+(?P<dim>.+)$"
)


def followup_dimension(question: str) -> str | None:
    """ "¿y por región?", "and by channel?", "now by segment": the words of the dimension."""
    match = _FOLLOWUP_BY.match(_clean(question))
    return match.group("dim").strip() if match else None


# --- texts --------------------------------------------------------------------------------------

_TEXT = {
    "change_down": ("La caída", "The drop"),
    "change_up": ("La subida", "The rise"),
    "headline": (
        "{what} de {metric} en {b} frente a {a} ({change}{pct}) viene sobre todo de {parts}.",
        "{what} in {metric} in {b} compared with {a} ({change}{pct}) comes mostly from {parts}.",
    ),
    "no_change": (
        "{metric} no cambió entre {a} y {b} ({value}).",
        "{metric} did not change between {a} and {b} ({value}).",
    ),
    "no_parts": (
        "{metric} pasó de {va} en {a} a {vb} en {b} ({change}{pct}); ningún valor de las "
        "dimensiones disponibles concentra el cambio.",
        "{metric} went from {va} in {a} to {vb} in {b} ({change}{pct}); no value of the "
        "available dimensions carries the change.",
    ),
    "part": (
        "{value} ({share} % del cambio, por {dimension})",
        "{value} ({share}% of the change, by {dimension})",
    ),
    "and": (" y de ", " and from "),
    "premise_up": (
        " Ojo: {metric} no bajó, subió.",
        " Note: {metric} did not go down, it went up.",
    ),
    "premise_down": (
        " Ojo: {metric} no subió, bajó.",
        " Note: {metric} did not go up, it went down.",
    ),
    "ratio": (
        " {metric} es un cociente: dentro de {dimension}, {rate} viene de cambios en cada grupo "
        "(efecto tasa) y {mix} de cambios en el peso de cada grupo (efecto mezcla).",
        " {metric} is a ratio: within {dimension}, {rate} comes from changes inside each group "
        "(rate effect) and {mix} from changes in each group's weight (mix effect).",
    ),
    "caveat": (
        " Son contribuciones al cambio, no causas: dicen dónde cambió, no por qué.",
        " These are contributions to the change, not causes: they say where it changed, not why.",
    ),
    "filters": (" Filtro: {filters}.", " Filter: {filters}."),
    "outliers": (
        " Destacan {items} respecto a la tendencia de la serie.",
        " {items} stand out from the series' trend.",
    ),
    "outlier_item": ("{period} ({value}, {way})", "{period} ({value}, {way})"),
    "above": ("por encima", "above"),
    "below": ("por debajo", "below"),
    "why_chip": (
        "¿Qué explica el cambio de {metric} en {period}?",
        "What drove the change in {metric} in {period}?",
    ),
}

MONTHS = {
    "es": "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre "
    "diciembre",
    "en": "January February March April May June July August September October November December",
}


def _t(key: str, lang: str, **values: object) -> str:
    es, en = _TEXT[key]
    return (es if lang == "es" else en).format(**values)


def format_amount(
    value: Fraction | float, unit: str, currency: str, lang: str, *, sign: bool = False
) -> str:
    """ "−420.597 USD" (es), "-420,597 USD" (en): grouped, the metric's decimals, its currency."""
    number_value = number(Fraction(value) if not isinstance(value, Fraction) else value, unit)
    digits = 0 if unit == "count" else 4 if unit in ("ratio", "percent") else 2
    text = f"{abs(number_value):,.{digits}f}"
    if digits and text.endswith("0" * digits) and abs(number_value) >= 1000:
        text = text[: -(digits + 1)]
    if lang == "es":
        text = text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")
    if number_value < 0:
        text = "−" + text
    elif sign and number_value > 0:
        text = "+" + text
    return f"{text} {currency}".strip()


def format_pct(value: float, lang: str, *, sign: bool = True) -> str:
    text = f"{abs(value):.1f}".replace(".", "," if lang == "es" else ".")
    prefix = "−" if value < 0 else "+" if sign and value > 0 else ""
    return f"{prefix}{text} %" if lang == "es" else f"{prefix}{text}%"


def period_words(period: Period, lang: str) -> str:
    """ "febrero de 2025" / "February 2025", "2025", "2025-Q1": what a person reads (and what the
    offline engine reads back, so a "why?" chip can name it)."""
    if period.grain == "month":
        year, month = period.label.split("-")
        name = MONTHS["es" if lang == "es" else "en"].split()[int(month) - 1]
        return f"{name} de {year}" if lang == "es" else f"{name} {year}"
    if period.grain == "quarter":
        year, q = period.label.split("-Q")
        return f"el trimestre {q} de {year}" if lang == "es" else f"Q{q} {year}"
    return period.label


def why_text(d: Decomposition, lang: str, *, direction: str | None = None) -> str:
    """The why-answer in words: the change, its top contributors, the ratio split, the caveat."""
    metric = d.metric_label
    a, b = period_words(d.period_a, lang), period_words(d.period_b, lang)
    change = d.change
    if change == 0:
        text = _t(
            "no_change",
            lang,
            metric=metric,
            a=a,
            b=b,
            value=format_amount(d.value_b, d.unit, d.currency, lang),
        )
        return text + _t("caveat", lang)
    pct = d.change_pct
    pct_text = f", {format_pct(pct, lang)}" if pct is not None else ""
    change_text = format_amount(change, d.unit, d.currency, lang, sign=True)
    tops = d.headline(2)
    if tops:
        parts = _t("and", lang).join(
            _t(
                "part",
                lang,
                value=f"**{c.value}**",
                share=format_pct(c.share, lang, sign=False).rstrip(" %"),
                dimension=c.dimension,
            )
            for c in tops
        )
        what = _t("change_down" if change < 0 else "change_up", lang)
        text = _t(
            "headline",
            lang,
            what=what,
            metric=metric,
            b=b,
            a=a,
            change=change_text,
            pct=pct_text,
            parts=parts,
        )
    else:
        text = _t(
            "no_parts",
            lang,
            metric=metric,
            a=a,
            b=b,
            va=format_amount(d.value_a, d.unit, d.currency, lang),
            vb=format_amount(d.value_b, d.unit, d.currency, lang),
            change=change_text,
            pct=pct_text,
        )
    if direction == "down" and change > 0:
        text += _t("premise_up", lang, metric=metric)
    elif direction == "up" and change < 0:
        text += _t("premise_down", lang, metric=metric)
    if d.kind == "ratio" and d.splits:
        first = next(
            (s for s in d.splits if tops and s.dimension.name == tops[0].dimension), d.splits[0]
        )
        rate = sum((c.rate_effect or Fraction(0) for c in first.parts), Fraction(0))
        mix = sum((c.mix_effect or Fraction(0) for c in first.parts), Fraction(0))
        text += _t(
            "ratio",
            lang,
            metric=metric,
            dimension=first.dimension.name,
            rate=format_amount(rate, d.unit, d.currency, lang, sign=True),
            mix=format_amount(mix, d.unit, d.currency, lang, sign=True),
        )
    if d.conditions:
        said = "; ".join(
            f"{c.column} {'=' if c.op in ('=', 'in') else '≠'} {', '.join(c.values)}"
            for c in d.conditions
        )
        text += _t("filters", lang, filters=said)
    return text + _t("caveat", lang)


# --- outliers of a trend ------------------------------------------------------------------------


@dataclass(frozen=True)
class Outlier:
    label: str
    value: float
    above: bool
    score: float


MIN_POINTS = 6
THRESHOLD = 2.0  # robust z-score of a point's distance from its neighbours' median
NEIGHBOURS = 2  # on each side
MAX_OUTLIERS = 3


def outliers(labels: Sequence[str], values: Sequence[float]) -> list[Outlier]:
    """The periods that stand out from the series' own spread: each point's distance from the
    median of its neighbours (NEIGHBOURS on each side, so a trend or a slow season is not an
    outlier), scaled by the median absolute deviation of those distances (1.4826·MAD, a robust
    σ); a point at THRESHOLD or more is named, the largest first. Short series (< MIN_POINTS)
    name nothing."""
    points = [
        (str(label), float(v)) for label, v in zip(labels, values, strict=False) if v is not None
    ]
    if len(points) < MIN_POINTS:
        return []
    ys = [v for _, v in points]
    n = len(ys)
    residuals = []
    width = min(2 * NEIGHBOURS, n - 1)
    for i in range(n):
        # The window slides in at the edges, so the first and last points also have 2k
        # neighbours (one spike next to the edge does not make its neighbour an outlier).
        start = min(max(0, i - NEIGHBOURS), n - 1 - width)
        around = [ys[j] for j in range(start, start + width + 1) if j != i][:width]
        residuals.append(ys[i] - statistics.median(around))
    center = statistics.median(residuals)
    scale = 1.4826 * statistics.median(abs(r - center) for r in residuals)
    if scale <= 1e-12 * max(1.0, max(abs(y) for y in ys)):
        return []
    found = []
    for (label, value), r in zip(points, residuals, strict=True):
        score = (r - center) / scale
        if abs(score) >= THRESHOLD:
            found.append(Outlier(label, value, score > 0, round(abs(score), 2)))
    found.sort(key=lambda o: -o.score)
    return found[:MAX_OUTLIERS]


def outlier_sentence(
    found: Sequence[Outlier], *, unit: str, currency: str, lang: str, grain: str | None
) -> str:
    if not found:
        return ""
    items = [
        _t(
            "outlier_item",
            lang,
            period=label_words(o.label, grain, lang),
            value=format_amount(Fraction(o.value), unit, currency, lang),
            way=_t("above" if o.above else "below", lang),
        )
        for o in found
    ]
    joined = (
        items[0]
        if len(items) == 1
        else ", ".join(items[:-1]) + (" y " if lang == "es" else " and ") + items[-1]
    )
    return _t("outliers", lang, items=joined)


def label_words(label: str, grain: str | None, lang: str) -> str:
    """A period label of a series ("2025-02", "2025", "2025-Q3") in words."""
    if grain == "month" and re.fullmatch(r"\d{4}-\d{2}", label):
        y, m = label.split("-")
        return period_words(Period(f"{label}-01", f"{label}-28", "month", label), lang)
    if grain == "quarter" and re.fullmatch(r"\d{4}-Q[1-4]", label):
        return period_words(Period("", "", "quarter", label), lang)
    return label


def why_chip(metric_label: str, label: str, grain: str | None, lang: str) -> str:
    return _t("why_chip", lang, metric=metric_label, period=label_words(label, grain, lang))
