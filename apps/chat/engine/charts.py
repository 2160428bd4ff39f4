"""The chart chooser: a declarative chart spec picked from a result's shape, rendered with Plotly.

Pure Python over plain data (no Django). The format stage calls `choose_chart` on the executed
result, then `render_figure` on the spec it got back; nothing here ever runs code or reads a figure
from an LLM. An LLM (or the user's chart switcher) can only *name* a type through `hint`, which is
checked against a fixed enum and against what fits the data, and is ignored otherwise.

Each chart kind is one object of the registry (`CHARTS`, a `ChartKind` subclass registered with
`@register`): when it fits a result (`fits`), whether it is the default (`priority`, `prefer`),
how it is drawn (`render`) and described (`summary`), and how its title is written
(`title_form`, read by `_title`, the one place titles are written). Adding a kind is one class
and its registration; the contract's kinds (`datachat/contract.py`) must all be registered.

Rules, in order of preference (each type is offered only when the data fits it):

- kpi      1 row x 1 numeric column -> a Plotly Indicator.
- line     a time-like dimension (ISO date/datetime, 'YYYY-MM', 'YYYY-Qn', 'YYYY-Wnn', years, or an
           integer year/month/quarter... column named so) + measure(s), or + one category as series;
           sorted by time; never a pie.
- pie      one non-time category + one measure, 2..6 slices, all values >= 0, and the measure is a
           part of a whole (hint "pie"/"share", or named like a sum/count/share, never avg/min/max).
           Chosen by default only for the hint or a share-like name; otherwise offered next to bars.
- bar      one category + measure(s) (horizontal when labels are long or there are > 8 bars), or
           two categories + a measure (stacked when additive, grouped otherwise; series <= 8).
- scatter  two numeric measures and no category.
- table    everything else (figure None); always a valid alternative.

Nothing is aggregated here: a dimension with repeated values (a raw listing) does not fit a bar,
line or pie, because drawing it would silently merge or overlap rows. Large results are capped
instead (top 50 bars, last 2,000 time points, first 2,000 scatter points), and the title says so.

Front-end configuration to pass to `Plotly.newPlot(el, fig.data, fig.layout, config)` comes from
`plotly_config(lang)`: `locale` "es" needs static/vendor/plotly/plotly-locale-es.js loaded after
plotly.min.js. The figure also carries `layout.separators`, because hover formats can ignore the
locale (plotly.js #3580).
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import math
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import Any, ClassVar

import plotly.io as pio

from datachat.contract import CHART_KINDS
from datachat.text import identifier_words
from datachat.text import words as text_words

MAX_BARS = 50
MAX_PIE_SLICES = 6
MAX_SERIES = 8  # the Okabe-Ito palette has 8 distinguishable colours
MAX_LINE_POINTS = 2000
MAX_SCATTER_POINTS = 2000
MANY_BARS = 8  # more bars than this read better horizontally
LONG_LABEL = 15  # characters; longer category labels read better horizontally

# Okabe & Ito (2008), colour-blind safe. Ordered so the first colours keep contrast with the
# background: black is unusable on a dark card and yellow is weak on a white one, so they go last.
PALETTE_LIGHT: tuple[str, ...] = (
    "#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#000000", "#F0E442",
)  # fmt: skip
PALETTE_DARK: tuple[str, ...] = (
    "#56B4E9", "#E69F00", "#009E73", "#F0E442", "#CC79A7", "#D55E00", "#0072B2", "#FFFFFF",
)  # fmt: skip
TEMPLATES = {"light": "plotly_white", "dark": "plotly_dark"}


@dataclass(frozen=True)
class ChartSpec:
    """What to draw, chosen from the data: a type, the columns on each role, and why.

    `x` is the category/time column (or the first measure for scatter), `y` the measure column(s),
    `color` the column that splits series. `alternatives` are the other types that fit the same
    data (pass one back as `hint` to get its spec). `limit` is how many x values/points are drawn
    when the data has more (`total`), or None when everything is drawn.
    """

    type: str
    x: str | None = None
    y: tuple[str, ...] = ()
    color: str | None = None
    title: str = ""
    alternatives: tuple[str, ...] = ()
    reason: str = ""
    orientation: str = "v"  # "h" for horizontal bars
    barmode: str | None = None  # "stack" | "group" when a bar chart has several series
    x_axis: str = "category"  # Plotly axis type for x: "date" | "category" | "linear"
    limit: int | None = None
    total: int = 0
    temporal: bool = False  # x is time: drawn in time order, capped to the latest values

    @property
    def series(self) -> str | None:
        """Alias of `color`: the column whose values become separate series."""
        return self.color

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-safe dict, for storing next to the message."""
        d = asdict(self)
        d["y"] = list(self.y)
        d["alternatives"] = list(self.alternatives)
        return d


# --------------------------------------------------------------------------------------------
# Column analysis
# --------------------------------------------------------------------------------------------

NUMBER, TEMPORAL, CATEGORY = "number", "temporal", "category"

_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATETIME_RE = re.compile(
    r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}(:?\d{2})?)?$"
)
_MONTH_RE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
_QUARTER_RE = re.compile(r"^\d{4}-?Q[1-4]$", re.IGNORECASE)
_WEEK_RE = re.compile(r"^\d{4}-?W(0[1-9]|[1-4]\d|5[0-3])$", re.IGNORECASE)
_YEAR_RE = re.compile(r"^(1[89]|2[01])\d{2}$")
_TIME_RE = re.compile(r"^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d+)?)?$")

# Integer columns that are really time: recognised by name *and* range, since a bare 2024 could
# be an amount. Ranges are inclusive.
_TIME_NAME_RANGES: tuple[tuple[frozenset[str], int, int], ...] = (
    (frozenset({"year", "yr", "anio", "ano", "ejercicio", "periodo"}), 1000, 9999),
    (frozenset({"month", "mes"}), 1, 12),
    (frozenset({"quarter", "qtr", "trimestre"}), 1, 4),
    (frozenset({"week", "semana", "isoweek"}), 1, 53),
    (frozenset({"day", "dia"}), 1, 31),
    (frozenset({"hour", "hora"}), 0, 23),
)
_ID_TOKENS = frozenset({"id", "uuid", "pk", "codigo", "code", "sku", "zip", "cp"})
# Measures that are not parts of a whole: a pie of averages or maxima is meaningless.
_NON_ADDITIVE = frozenset(
    {
        "avg", "average", "mean", "media", "medio", "promedio", "median", "mediana", "min", "max",
        "minimo", "maximo", "ratio", "rate", "tasa", "price", "precio", "margin", "margen",
        "std", "stddev", "desviacion", "ticket",
    }
)  # fmt: skip
_ADDITIVE = frozenset(
    {
        "sum", "suma", "total", "count", "conteo", "cantidad", "n", "num", "numero", "nro",
        "qty", "quantity", "unidades", "units", "importe", "amount", "revenue", "ventas",
        "sales", "facturacion",
    }
)  # fmt: skip
_SHARE = frozenset(
    {
        "share", "pct", "percent", "percentage", "porcentaje", "cuota", "participacion",
        "proporcion", "fraction", "fraccion", "reparto",
    }
)  # fmt: skip
_NUMERIC_TYPE_RE = re.compile(
    r"(tiny|small|medium|big|u)?int(eger|\d+)?|float\d*|double|decimal|numeric|number|real|"
    r"money|(big|small)?serial\d?"
)


def _tokens(name: str) -> set[str]:
    """The words of a column name in any style ("Año_Fiscal" -> {"ano", "fiscal"}, "UnitPrice"
    -> {"unit", "price"})."""
    return set(identifier_words(name))


def _is_number(v: Any) -> bool:
    # bool is an int subclass; a yes/no column is a category, not a measure.
    return isinstance(v, int | float | Decimal) and not isinstance(v, bool)


def _norm(v: Any) -> Any:
    """One representation per value: Decimal -> float, NaN -> None, dates/times -> ISO strings."""
    if isinstance(v, float | Decimal):
        f = float(v)
        return f if math.isfinite(f) else None  # NaN/inf are missing values, not numbers
    if isinstance(v, dt.date | dt.time):  # datetime is a date subclass
        return v.isoformat()
    return v


def _string_time_class(s: str) -> str | None:
    """'date' for strings a Plotly date axis understands, 'ordinal' for other time labels."""
    s = s.strip()
    if _DATE_RE.match(s):
        try:
            dt.date.fromisoformat(s)
        except ValueError:
            return None
        return "date"
    if _DATETIME_RE.match(s) or _MONTH_RE.match(s):
        return "date"
    if _QUARTER_RE.match(s) or _WEEK_RE.match(s) or _YEAR_RE.match(s) or _TIME_RE.match(s):
        return "ordinal"
    return None


def _declared_kind(t: str | None) -> str | None:
    if not t:
        return None
    toks = set(text_words(t))  # a type name: "int8", "numeric(10,2)", "timestamp with time zone"
    if toks & {"timedelta", "interval", "duration"}:
        return CATEGORY
    low = t.lower()
    if "date" in low or "time" in low or "year" in toks:
        return TEMPORAL
    if "bool" in low:
        return CATEGORY
    if any(_NUMERIC_TYPE_RE.fullmatch(tok) for tok in toks):
        return NUMBER
    return CATEGORY


@dataclass(frozen=True)
class _Col:
    index: int
    name: str
    kind: str  # NUMBER | TEMPORAL | CATEGORY
    axis: str = "category"  # for TEMPORAL: "date" or "category"


def _classify(index: int, name: str, values: list[Any], declared: str | None) -> _Col:
    present = [v for v in values if v is not None]
    if not present:
        return _Col(index, name, CATEGORY)
    toks = _tokens(name)
    if all(_is_number(v) for v in present):
        if declared == CATEGORY:
            return _Col(index, name, CATEGORY)
        if toks & _ID_TOKENS:
            return _Col(index, name, CATEGORY)  # identifiers are labels, never summed or plotted
        if all(float(v).is_integer() for v in present):
            ints = [int(v) for v in present]
            for words, lo, hi in _TIME_NAME_RANGES:
                if (toks & words or (declared == TEMPORAL and lo == 1000)) and all(
                    lo <= i <= hi for i in ints
                ):
                    return _Col(index, name, TEMPORAL, "category")
        return _Col(index, name, NUMBER)
    if all(isinstance(v, str) for v in present):
        # Value-based even when a type says "text": SQLite hands dates over as TEXT. A declared
        # number with string values is a masked column ("***"), so it stays a category.
        classes = {_string_time_class(v) for v in present}
        if None not in classes:
            return _Col(index, name, TEMPORAL, "date" if classes == {"date"} else "category")
    return _Col(index, name, CATEGORY)


def _sort_key(v: Any) -> tuple[int, Any]:
    if v is None:
        return (2, 0)
    return (0, v) if _is_number(v) else (1, str(v))


def _value_key(v: Any) -> float:
    return float(v) if _is_number(v) and not math.isnan(float(v)) else -math.inf


def _lang(lang: str | None) -> str:
    return "en" if (lang or "").lower().startswith("en") else "es"


# --------------------------------------------------------------------------------------------
# Localised text
# --------------------------------------------------------------------------------------------

_TEXT = {
    "es": {
        "by": "{y} por {x}",
        "and": " y ",
        "vs": "{y} frente a {x}",
        "top": "top {n} de {total}",
        "last": "últimos {n} de {total}",
        "first": "primeros {n} de {total} puntos",
        "empty": "(sin valor)",
        "kpi": "Indicador {name}: {value}.",
        "bar": "Gráfico de barras de {y} por {x} con {n}{cap}; el valor más alto es "
        "{hi} ({hi_v}) y el más bajo {lo} ({lo_v}).",
        "bar_multi": "Gráfico de barras de {y} por {x} con {n}{cap}.",
        "bar_color": "Gráfico de barras {mode} de {y} por {x} y {color}: {n}{cap} y {k} series.",
        "stacked": "apiladas",
        "grouped": "agrupadas",
        "line": "Gráfico de líneas de {y} por {x} de {first} a {last}{cap}: pasa de {v0} a {v1} "
        "({change}).",
        "line_multi": "Gráfico de líneas de {y} por {x} de {first} a {last}{cap}, con {k} series.",
        "pie": "Gráfico circular de {y} por {x} con {n} partes; la mayor es {hi} ({pct}).",
        "scatter": "Gráfico de dispersión de {y} frente a {x} con {n} puntos{cap}.",
        "table": "Tabla con {n} y {m}.",
        "category": ("categoría", "categorías"),
        "row": ("fila", "filas"),
        "column": ("columna", "columnas"),
        "yes_no": ("Sí", "No"),
        "no_change": "sin cambio",
        "months": [
            "ene",
            "feb",
            "mar",
            "abr",
            "may",
            "jun",
            "jul",
            "ago",
            "sep",
            "oct",
            "nov",
            "dic",
        ],
    },
    "en": {
        "by": "{y} by {x}",
        "and": " and ",
        "vs": "{y} vs {x}",
        "top": "top {n} of {total}",
        "last": "last {n} of {total}",
        "first": "first {n} of {total} points",
        "empty": "(no value)",
        "kpi": "{name} indicator: {value}.",
        "bar": "Bar chart of {y} by {x} across {n}{cap}; highest is {hi} ({hi_v}) "
        "and lowest is {lo} ({lo_v}).",
        "bar_multi": "Bar chart of {y} by {x} across {n}{cap}.",
        "bar_color": "{mode} bar chart of {y} by {x} and {color}: {n}{cap} and {k} series.",
        "stacked": "Stacked",
        "grouped": "Grouped",
        "line": "Line chart of {y} by {x} from {first} to {last}{cap}: it goes from {v0} to {v1} "
        "({change}).",
        "line_multi": "Line chart of {y} by {x} from {first} to {last}{cap}, with {k} series.",
        "pie": "Pie chart of {y} by {x} with {n} parts; the largest is {hi} ({pct}).",
        "scatter": "Scatter plot of {y} vs {x} with {n} points{cap}.",
        "table": "Table with {n} and {m}.",
        "category": ("category", "categories"),
        "row": ("row", "rows"),
        "column": ("column", "columns"),
        "yes_no": ("Yes", "No"),
        "no_change": "no change",
        "months": [
            "Jan",
            "Feb",
            "Mar",
            "Apr",
            "May",
            "Jun",
            "Jul",
            "Aug",
            "Sep",
            "Oct",
            "Nov",
            "Dec",
        ],
    },
}


def format_number(v: Any, lang: str = "es", decimals: int = 2) -> str:
    """A number as people read it: es 1.234,56 / en 1,234.56 (trailing zeros dropped)."""
    if not _is_number(v):
        return "" if v is None else str(v)
    f = float(v)
    if math.isnan(f) or math.isinf(f):
        return str(f)
    s = f"{f:,.{decimals}f}"
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    if s in ("-0", ""):
        s = "0"
    if _lang(lang) == "es":
        s = s.replace(",", "\0").replace(".", ",").replace("\0", ".")
    return s


def _format_pct(fraction: float, lang: str) -> str:
    n = format_number(fraction * 100, lang, 1)
    return f"{n} %" if _lang(lang) == "es" else f"{n}%"


def _format_label(v: Any, lang: str) -> str:
    """Labels for the text alternative: unambiguous dates ("31 dic 2024" / "Dec 31, 2024")."""
    if v is None or isinstance(v, bool):
        return _label(v, lang)
    s = str(v)  # numeric labels are years, months or codes: never "2.024"
    months = _TEXT[lang]["months"]
    if _DATETIME_RE.match(s):
        try:
            stamp = dt.datetime.fromisoformat(s)
        except ValueError:
            return s
        return f"{_format_label(stamp.date().isoformat(), lang)} {stamp:%H:%M}"  # 24 h for both
    if _DATE_RE.match(s):
        try:
            d = dt.date.fromisoformat(s)
        except ValueError:
            return s
        m = months[d.month - 1]
        return f"{d.day} {m} {d.year}" if lang == "es" else f"{m} {d.day}, {d.year}"
    if _MONTH_RE.match(s):
        return f"{months[int(s[5:7]) - 1]} {s[:4]}"
    return s


def _label(v: Any, lang: str) -> str:
    """Category/series label for the figure (None gets a visible name, not a blank)."""
    if v is None:
        return _TEXT[lang]["empty"]
    if isinstance(v, bool):
        return _TEXT[lang]["yes_no"][0 if v else 1]
    return str(v) if not isinstance(v, str) else v


def _count(n: int, noun: str, lang: str) -> str:
    """ "1 fila" / "1.234 filas": a number with its noun in the right number."""
    one, many = _TEXT[lang][noun]
    return f"{format_number(n, lang)} {one if n == 1 else many}"


# --------------------------------------------------------------------------------------------
# Shared helpers of the chart kinds
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Fit:
    x: int | None = None
    y: tuple[int, ...] = ()
    color: int | None = None
    orientation: str = "v"
    barmode: str | None = None
    x_axis: str = "category"
    limit: int | None = None
    total: int = 0
    cap: str = ""  # "top" | "last" | "first" | ""
    reason: str = ""
    temporal: bool = False


def _distinct(values: Sequence[Any]) -> list[Any]:
    seen: dict[Any, None] = {}
    for v in values:
        seen.setdefault(v, None)
    return list(seen)


def _all_unique(values: Sequence[Any]) -> bool:
    return len(set(values)) == len(values)


def _additive(name: str) -> bool | None:
    """True if the name reads like a sum/count/share, False if like an average/min/max/rate."""
    toks = _tokens(name)
    if toks & _NON_ADDITIVE:
        return False
    if toks & (_ADDITIVE | _SHARE):
        return True
    return None


def _value_format(values: Sequence[Any]) -> str:
    """A d3 format for hover labels and the KPI: integers stay whole, small values keep digits."""
    nums = [float(v) for v in values if _is_number(v) and math.isfinite(float(v))]
    if all(f.is_integer() for f in nums):
        return ",.0f"
    if nums and max(abs(f) for f in nums) < 1:
        return ",.4~f"
    return ",.2~f"


def _json_safe(obj: Any) -> Any:
    """Plain JSON types only: numpy arrays/scalars, tuples, Decimals, dates and NaN converted."""
    if isinstance(obj, dict):
        return {str(k): _json_safe(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_json_safe(v) for v in obj]
    if hasattr(obj, "tolist") and not isinstance(obj, str | bytes):  # numpy array or scalar
        return _json_safe(obj.tolist())
    if isinstance(obj, bool) or obj is None or isinstance(obj, str):
        return obj
    if isinstance(obj, int):
        return int(obj)
    if isinstance(obj, float | Decimal):
        f = float(obj)
        return f if math.isfinite(f) else None
    if isinstance(obj, dt.date | dt.time):
        return obj.isoformat()
    return str(obj)


def _ranked_x(
    spec: ChartSpec, data: list[list[Any]], xi: int, yis: list[int], *, by_time: bool
) -> list[Any]:
    """The x values to draw, in drawing order, after the cap."""
    if by_time:
        # Time reads left to right whatever order the SQL returned; the cap keeps the latest.
        xs = sorted(_distinct(r[xi] for r in data if r[xi] is not None), key=_sort_key)
        return xs[-spec.limit :] if spec.limit else xs
    xs = _distinct(r[xi] for r in data)
    if not spec.limit or len(xs) <= spec.limit:
        return xs
    totals: dict[Any, float] = {}
    for r in data:
        v = _value_key(r[yis[0]])
        if v != -math.inf:
            totals[r[xi]] = totals.get(r[xi], 0.0) + v
    return sorted(xs, key=lambda x: totals.get(x, -math.inf), reverse=True)[: spec.limit]


def _trace(kind: str, **props: Any) -> dict[str, Any]:
    """One trace of Plotly's figure JSON. Plain dicts, not `graph_objects`: building validated
    objects costs 10-25 ms per chart on the request path; the figures' validity is checked in
    the tests instead (plotly.graph_objects.Figure(figure) must accept every one)."""
    return {"type": kind, **props}


@functools.lru_cache(maxsize=8)
def _template_json(name: str) -> str:
    return json.dumps(pio.templates[name].to_plotly_json())


def _template(name: str, used: set[str]) -> dict[str, Any]:
    """The named template expanded (plotly.js knows no names), with only the trace defaults in
    use (it embeds ~25 trace types)."""
    template = json.loads(_template_json(name))
    if isinstance(template.get("data"), dict):
        template["data"] = {k: v for k, v in template["data"].items() if k in used}
    return template


def _value_axis(title: str | None, values: Sequence[Any]) -> dict[str, Any]:
    # Full numbers with locale grouping ("1.250.000"), not SI suffixes ("1.25M", "2G").
    return {
        "title": {"text": title or ""},
        "separatethousands": True,
        "exponentformat": "none",
        "hoverformat": _value_format(values),
        "automargin": True,
    }


@dataclass(frozen=True)
class Drawing:
    """What a chart kind draws or describes: the spec, the rows (normalised), the spec's columns
    as indexes (`xi` x, `yis` the measures, `ci` the series column) and the language."""

    spec: ChartSpec
    data: list[list[Any]]
    xi: int | None
    yis: list[int]
    ci: int | None
    lang: str
    palette: tuple[str, ...] = PALETTE_LIGHT


def gettext_noop(message: str) -> str:
    """Marks a switcher label for `makemessages` (the pages translate it); the engine stays pure."""
    return message


# --------------------------------------------------------------------------------------------
# The chart registry: one object per chart kind
# --------------------------------------------------------------------------------------------


class ChartKind:
    """One kind of chart: when it fits a result, how it is drawn, how it is described.

    Adding a kind is one subclass and `register(...)` below: the chooser (`choose_chart`), the
    switcher's order and labels (`CHART_TYPES`, `label`), rendering (`render_figure`), the text
    alternative (`chart_summary`) and the title (`_title`) all read the registry.
    """

    name: ClassVar[str]
    label: ClassVar[str]  # the switcher's name of the kind (English msgid; the pages translate)
    # The default choice tries the kinds that fit in this order (lowest first) and takes the
    # first whose `prefer` agrees; `CHART_TYPES` (the switcher's order) is registration order.
    priority: ClassVar[int] = 100
    # How `_title` writes the title from the column names: "by" ("total by region"), "vs"
    # ("y vs x"), "measure" (the measure alone), or None (no title).
    title_form: ClassVar[str | None] = "by"
    aliases: ClassVar[tuple[str, ...]] = ()  # other hints that ask for this kind ("share")
    by_time: ClassVar[bool] = False  # x always drawn in time order (capped to the latest)
    draws: ClassVar[bool] = True  # False: no figure (the results table is the chart)

    def fits(self, cols: list[_Col], data: list[list[Any]], hint: str | None) -> _Fit | None:
        """How this kind draws the result (columns on each role, cap), or None if it does not
        fit the result's shape."""
        raise NotImplementedError

    def prefer(self, cols: list[_Col], fit: _Fit, hint: str | None) -> bool:
        """Whether to choose this kind by default when it fits (a hint can still ask for it)."""
        return True

    def render(self, d: Drawing, layout: dict[str, Any]) -> list[dict[str, Any]] | None:
        """The Plotly traces (adding what the kind needs to `layout`), or None: no figure."""
        return None

    def summary(self, d: Drawing, y_names: str, cap: str) -> str | None:
        """One sentence for screen readers, or None for the table's sentence."""
        return None

    def cap_note(self, spec: ChartSpec) -> str:
        """Which cap note ("top", "last", "first") says that only part of the data is drawn."""
        return "last" if spec.temporal else "top"

    def label_units(
        self, layout: dict[str, Any], traces: list[Any], spec: ChartSpec, units: dict[str, str]
    ) -> None:
        """ "total" → "total (EUR)" on the axes."""
        for key in ("xaxis", "yaxis"):
            title = (layout.get(key) or {}).get("title") or {}
            name = title.get("text")
            if name in units:
                title["text"] = f"{name} ({units[name]})"


CHARTS: dict[str, ChartKind] = {}
# Canonical order: alternatives are listed in it, so the UI switcher is stable across answers.
CHART_TYPES: tuple[str, ...] = ()
# A hint names a kind, or one of its aliases ("share" asks for a part-of-a-whole view).
HINTS: frozenset[str] = frozenset()
_ALIASES: dict[str, str] = {}


def register(kind: type[ChartKind]) -> type[ChartKind]:
    """Add a chart kind to the registry (a class decorator); a name is registered once. Kinds
    registered later (from another module) join the switcher's order at its end."""
    if kind.name in CHARTS or kind.name in _ALIASES:
        raise ValueError(f"chart kind {kind.name!r} is already registered")
    CHARTS[kind.name] = kind()
    _registry_changed()
    return kind


def _registry_changed() -> None:
    """Recompute what derives from the registry (read as `charts.CHART_TYPES`, …)."""
    global CHART_TYPES, HINTS, _ALIASES
    CHART_TYPES = tuple(CHARTS)
    _ALIASES = {alias: k.name for k in CHARTS.values() for alias in k.aliases}
    HINTS = frozenset(CHART_TYPES) | frozenset(_ALIASES)


@register
class KpiChart(ChartKind):
    """1 row x 1 numeric column -> a Plotly Indicator."""

    name = "kpi"
    label = gettext_noop("Number")
    priority = 10
    title_form = "measure"

    def fits(self, cols: list[_Col], data: list[list[Any]], hint: str | None) -> _Fit | None:
        if len(data) == 1 and len(cols) == 1 and cols[0].kind == NUMBER and data[0][0] is not None:
            return _Fit(y=(0,), total=1, reason="a single number")
        return None

    def render(self, d: Drawing, layout: dict[str, Any]) -> list[dict[str, Any]] | None:
        value = d.data[0][d.yis[0]] if d.data else None
        if not _is_number(value):
            return None
        layout["title"] = {"text": ""}  # the indicator carries the title; do not say it twice
        return [
            _trace(
                "indicator",
                mode="number",
                value=float(value),
                number={"valueformat": _value_format([value])},
                title={"text": d.spec.title},
            )
        ]

    def summary(self, d: Drawing, y_names: str, cap: str) -> str | None:
        if not d.data or not d.yis:
            return None
        t = _TEXT[d.lang]
        return t["kpi"].format(name=d.spec.y[0], value=format_number(d.data[0][d.yis[0]], d.lang))

    def label_units(
        self, layout: dict[str, Any], traces: list[Any], spec: ChartSpec, units: dict[str, str]
    ) -> None:
        """The KPI's number gets the unit after it."""
        super().label_units(layout, traces, spec, units)
        if traces and spec.y and spec.y[0] in units:
            traces[0].setdefault("number", {})["suffix"] = f" {units[spec.y[0]]}"


class _SeriesChart(ChartKind):
    """Bars and lines: x values (capped, ordered) and one series per measure or per value of
    the series column."""

    def horizontal(self, spec: ChartSpec) -> bool:
        return False

    def series_trace(
        self, name: str, x_labels: list[Any], ys: list[Any], n: int, horizontal: bool
    ) -> dict[str, Any]:
        raise NotImplementedError

    def series_layout(self, axes: dict[str, Any], spec: ChartSpec, n_series: int) -> None:
        """What the kind adds to the layout when it draws several series."""

    def shown(self, d: Drawing) -> tuple[list[Any], list[list[Any]]]:
        """(x values drawn, rows drawn) after the cap."""
        xs = _ranked_x(d.spec, d.data, d.xi, d.yis, by_time=self.by_time or d.spec.temporal)
        return xs, [r for r in d.data if r[d.xi] in set(xs)]

    def render(self, d: Drawing, layout: dict[str, Any]) -> list[dict[str, Any]] | None:
        spec, data, xi, yis, ci, lang = d.spec, d.data, d.xi, d.yis, d.ci, d.lang
        if xi is None:
            return []
        xs = _ranked_x(spec, data, xi, yis, by_time=self.by_time or spec.temporal)
        order = {x: i for i, x in enumerate(xs)}
        kept = [r for r in data if r[xi] in order]
        horizontal = self.horizontal(spec)
        # Years, quarters and month numbers stay labels: a linear axis would print 2.024 or 2024.5.
        x_labels = [_label(x, lang) if spec.x_axis != "date" else x for x in xs]
        series: list[tuple[str, list[Any]]] = []
        if ci is not None:
            for s in _distinct(r[ci] for r in kept):
                by_x = {r[xi]: r[yis[0]] for r in kept if r[ci] == s}
                series.append((_label(s, lang), [by_x.get(x) for x in xs]))
        else:
            by_x = {r[xi]: r for r in kept}
            for yi, yname in zip(yis, spec.y, strict=True):
                series.append((yname, [by_x[x][yi] for x in xs]))
        traces = [self.series_trace(name, x_labels, ys, len(xs), horizontal) for name, ys in series]
        values = [v for _, ys in series for v in ys]
        y_title = spec.y[0] if len(spec.y) == 1 else ""
        value_axis = _value_axis(y_title, values)
        cat_axis: dict[str, Any] = {
            "title": {"text": spec.x or ""},
            "type": spec.x_axis if spec.x_axis in ("date", "category") else "category",
            "automargin": True,
        }
        axes: dict[str, Any] = {}
        if horizontal:
            cat_axis["autorange"] = "reversed"  # first (largest) bar on top, in reading order
            axes["xaxis"], axes["yaxis"] = value_axis, cat_axis
            if len(xs) > 15:
                # Bars stay readable (about 22 px each) instead of being squeezed into the card;
                # the card scrolls. Up to MAX_BARS this stays under 1,300 px.
                axes["height"] = 22 * len(xs) + 140
        else:
            axes["xaxis"], axes["yaxis"] = cat_axis, value_axis
        self.series_layout(axes, spec, len(series))
        if len(series) > 1:
            axes["legend"] = {"title": {"text": spec.color or ""}}
        else:
            axes["showlegend"] = False
        layout.update(axes)
        return traces


@register
class LineChart(_SeriesChart):
    """A time-like dimension (ISO date/datetime, 'YYYY-MM', 'YYYY-Qn', 'YYYY-Wnn', years, or an
    integer year/month/quarter... column named so) + measure(s), or + one category as series;
    sorted by time; never a pie."""

    name = "line"
    label = gettext_noop("Line")
    priority = 20
    by_time = True

    def fits(self, cols: list[_Col], data: list[list[Any]], hint: str | None) -> _Fit | None:
        dims = [c for c in cols if c.kind != NUMBER]
        measures = [c for c in cols if c.kind == NUMBER]
        times = [c for c in dims if c.kind == TEMPORAL]
        if not measures or len(times) != 1 or len(dims) > 2:
            return None
        xcol = times[0]
        xs = [r[xcol.index] for r in data if r[xcol.index] is not None]
        distinct_x = _distinct(xs)
        if len(distinct_x) < 2:
            return None
        cap = len(distinct_x) > MAX_LINE_POINTS
        common = {
            "x": xcol.index,
            "x_axis": xcol.axis,
            "total": len(distinct_x),
            "limit": MAX_LINE_POINTS if cap else None,
            "cap": "last" if cap else "",
            "temporal": True,
        }
        if len(dims) == 1:
            if not _all_unique(xs):
                return None  # one row per time point, or the line would zigzag
            ys = tuple(m.index for m in measures[:MAX_SERIES])
            return _Fit(y=ys, reason=f"time-like column '{xcol.name}' with a measure", **common)
        other = next(c for c in dims if c is not xcol)
        pairs = [(r[xcol.index], r[other.index]) for r in data if r[xcol.index] is not None]
        if not _all_unique(pairs) or len({p[1] for p in pairs}) > MAX_SERIES:
            return None
        return _Fit(
            y=(measures[0].index,),
            color=other.index,
            reason=f"time-like column '{xcol.name}' with one series per '{other.name}'",
            **common,
        )

    def series_trace(
        self, name: str, x_labels: list[Any], ys: list[Any], n: int, horizontal: bool
    ) -> dict[str, Any]:
        return _trace(
            "scatter",
            x=x_labels,
            y=ys,
            name=name,
            mode="lines+markers" if n <= 60 else "lines",
            connectgaps=False,
        )

    def series_layout(self, axes: dict[str, Any], spec: ChartSpec, n_series: int) -> None:
        if n_series > 1:
            axes["hovermode"] = "x unified"

    def summary(self, d: Drawing, y_names: str, cap: str) -> str | None:
        if d.xi is None or not d.yis:
            return None
        t, lang, xi, ci, yis, spec = _TEXT[d.lang], d.lang, d.xi, d.ci, d.yis, d.spec
        xs, shown = self.shown(d)
        first, last = _format_label(xs[0], lang), _format_label(xs[-1], lang)
        if ci is not None or len(yis) > 1:
            k = len({r[ci] for r in shown}) if ci is not None else len(yis)
            return t["line_multi"].format(y=y_names, x=spec.x, first=first, last=last, cap=cap, k=k)
        by_x = {r[xi]: r[yis[0]] for r in shown}
        v0, v1 = by_x.get(xs[0]), by_x.get(xs[-1])
        if _is_number(v0) and _is_number(v1) and float(v0) != 0:
            ch = (float(v1) - float(v0)) / abs(float(v0))
            change = (
                t["no_change"] if ch == 0 else ("+" if ch > 0 else "−") + _format_pct(abs(ch), lang)
            )
        else:
            change = t["no_change"] if v0 == v1 else "—"
        return t["line"].format(
            y=y_names,
            x=spec.x,
            first=first,
            last=last,
            cap=cap,
            v0=format_number(v0, lang),
            v1=format_number(v1, lang),
            change=change,
        )


@register
class BarChart(_SeriesChart):
    """One category + measure(s) (horizontal when labels are long or there are > 8 bars), or
    two categories + a measure (stacked when additive, grouped otherwise; series <= 8)."""

    name = "bar"
    label = gettext_noop("Bars")
    priority = 40

    def fits(self, cols: list[_Col], data: list[list[Any]], hint: str | None) -> _Fit | None:
        dims = [c for c in cols if c.kind != NUMBER]
        measures = [c for c in cols if c.kind == NUMBER]
        if not measures or not data or not 1 <= len(dims) <= 2:
            return None
        if len(dims) == 1:
            xcol = dims[0]
            xs = [r[xcol.index] for r in data]
            if not _all_unique(xs):
                return None  # a raw listing: bars would overlap; nothing is aggregated here
            colour = None
            ys = tuple(m.index for m in measures[:MAX_SERIES])
            barmode = "group" if len(ys) > 1 else None
            reason = f"category '{xcol.name}' with {len(ys)} measure(s)"
        else:
            # Time goes on x; otherwise the first column, unless only the other one can be
            # coloured.
            a, b = dims
            if b.kind == TEMPORAL and a.kind != TEMPORAL:
                a, b = b, a
            n_a = len({r[a.index] for r in data})
            n_b = len({r[b.index] for r in data})
            if n_b > MAX_SERIES and n_a <= MAX_SERIES:
                # e.g. 2023 vs 2024 by region: the few periods become colours, regions the bars.
                a, b = b, a
                n_b = n_a
            if n_b > MAX_SERIES:
                return None
            if not _all_unique([(r[a.index], r[b.index]) for r in data]):
                return None
            xcol, colour = a, b.index
            m = measures[0]
            ys = (m.index,)
            values = [r[m.index] for r in data if r[m.index] is not None]
            # Stacking sums the series, so only for additive non-negative measures and never
            # across periods (a comparison between periods reads best side by side).
            stack = (
                all(v >= 0 for v in values)
                and _additive(m.name) is not False
                and b.kind != TEMPORAL
            )
            barmode = "stack" if stack else "group"
            reason = f"categories '{xcol.name}' and '{b.name}' with measure '{m.name}'"
        distinct_x = _distinct(r[xcol.index] for r in data)
        n = len(distinct_x)
        temporal = xcol.kind == TEMPORAL
        cap = n > MAX_BARS
        long_labels = max(len(_label(v, "en")) for v in distinct_x) > LONG_LABEL
        horizontal = not temporal and (n > MANY_BARS or long_labels)
        return _Fit(
            x=xcol.index,
            y=ys,
            color=colour,
            orientation="h" if horizontal else "v",
            barmode=barmode,
            x_axis=xcol.axis if temporal else "category",
            limit=MAX_BARS if cap else None,
            total=n,
            cap=("last" if temporal else "top") if cap else "",
            reason=reason,
            temporal=temporal,
        )

    def horizontal(self, spec: ChartSpec) -> bool:
        return spec.orientation == "h"

    def series_trace(
        self, name: str, x_labels: list[Any], ys: list[Any], n: int, horizontal: bool
    ) -> dict[str, Any]:
        if horizontal:
            return _trace("bar", x=ys, y=x_labels, name=name, orientation="h")
        return _trace("bar", x=x_labels, y=ys, name=name)

    def series_layout(self, axes: dict[str, Any], spec: ChartSpec, n_series: int) -> None:
        if n_series > 1:
            axes["barmode"] = spec.barmode or "group"

    def summary(self, d: Drawing, y_names: str, cap: str) -> str | None:
        if d.xi is None or not d.yis:
            return None
        t, lang, xi, ci, yis, spec = _TEXT[d.lang], d.lang, d.xi, d.ci, d.yis, d.spec
        xs, shown = self.shown(d)
        n = _count(len(xs), "category", lang)
        if ci is not None:
            return t["bar_color"].format(
                mode=t["stacked"] if spec.barmode == "stack" else t["grouped"],
                y=y_names,
                x=spec.x,
                color=spec.color,
                n=n,
                cap=cap,
                k=len({r[ci] for r in shown}),
            )
        valued = [r for r in shown if _is_number(r[yis[0]])]
        if len(yis) > 1 or len(valued) < 2:  # a highest and a lowest need two bars
            return t["bar_multi"].format(y=y_names, x=spec.x, n=n, cap=cap)
        hi = max(valued, key=lambda r: float(r[yis[0]]))
        lo = min(valued, key=lambda r: float(r[yis[0]]))
        return t["bar"].format(
            y=y_names,
            x=spec.x,
            n=n,
            cap=cap,
            hi=_format_label(hi[xi], lang),
            hi_v=format_number(hi[yis[0]], lang),
            lo=_format_label(lo[xi], lang),
            lo_v=format_number(lo[yis[0]], lang),
        )


@register
class PieChart(ChartKind):
    """One non-time category + one measure, 2..6 slices, all values >= 0, and the measure is a
    part of a whole (hint "pie"/"share", or named like a sum/count/share, never avg/min/max).
    Chosen by default only for the hint or a share-like name; otherwise offered next to bars."""

    name = "pie"
    label = gettext_noop("Pie")
    priority = 30
    aliases = ("share",)

    def fits(self, cols: list[_Col], data: list[list[Any]], hint: str | None) -> _Fit | None:
        dims = [c for c in cols if c.kind != NUMBER]
        measures = [c for c in cols if c.kind == NUMBER]
        if len(dims) != 1 or len(measures) != 1 or dims[0].kind == TEMPORAL:
            return None  # never a pie for a time series
        if not 2 <= len(data) <= MAX_PIE_SLICES:
            return None
        d, m = dims[0], measures[0]
        labels = [r[d.index] for r in data]
        values = [r[m.index] for r in data]
        if not _all_unique(labels) or any(v is None or v < 0 for v in values) or sum(values) <= 0:
            return None
        additive = _additive(m.name)
        if additive is False or (additive is None and hint not in ("pie", "share")):
            return None  # not a part of a whole, or nothing says it is
        return _Fit(x=d.index, y=(m.index,), total=len(data), reason=f"parts of '{m.name}'")

    def prefer(self, cols: list[_Col], fit: _Fit, hint: str | None) -> bool:
        # Bars compare parts better than angles do; a pie only when a share is what was asked.
        measure = cols[fit.y[0]].name
        return hint in ("pie", "share") or bool(_tokens(measure) & _SHARE)

    def render(self, d: Drawing, layout: dict[str, Any]) -> list[dict[str, Any]] | None:
        data, xi, yi, palette = d.data, d.xi, d.yis[0], list(d.palette)
        layout["piecolorway"] = palette
        return [
            _trace(
                "pie",
                labels=[_label(r[xi], d.lang) for r in data],
                values=[r[yi] for r in data],
                sort=False,
                direction="clockwise",
                textinfo="label+percent",  # labels on the slices: colour is not the only cue
                hovertemplate="%{label}: %{value:"
                + _value_format([r[yi] for r in data])
                + "} (%{percent})<extra></extra>",
                marker={"colors": palette[: len(data)]},
            )
        ]

    def summary(self, d: Drawing, y_names: str, cap: str) -> str | None:
        if d.xi is None or not d.yis:
            return None
        t, lang, xi, yi = _TEXT[d.lang], d.lang, d.xi, d.yis[0]
        xs = {r[xi] for r in d.data}
        shown = [r for r in d.data if r[xi] in xs]
        total = sum(float(r[yi]) for r in shown) or 1.0
        top = max(shown, key=lambda r: _value_key(r[yi]))
        return t["pie"].format(
            y=y_names,
            x=d.spec.x,
            n=len(shown),
            hi=_format_label(top[xi], lang),
            pct=_format_pct(float(top[yi]) / total, lang),
        )


@register
class ScatterChart(ChartKind):
    """Two numeric measures and no category."""

    name = "scatter"
    label = gettext_noop("Scatter")
    priority = 50
    title_form = "vs"

    def fits(self, cols: list[_Col], data: list[list[Any]], hint: str | None) -> _Fit | None:
        if len(cols) < 2 or any(c.kind != NUMBER for c in cols):
            return None
        points = [r for r in data if r[0] is not None and r[1] is not None]
        if len(points) < 2:
            return None
        cap = len(points) > MAX_SCATTER_POINTS
        return _Fit(
            x=cols[0].index,
            y=(cols[1].index,),
            x_axis="linear",
            total=len(points),
            limit=MAX_SCATTER_POINTS if cap else None,
            cap="first" if cap else "",
            reason="two numeric measures",
        )

    def prefer(self, cols: list[_Col], fit: _Fit, hint: str | None) -> bool:
        return len(cols) == 2

    def cap_note(self, spec: ChartSpec) -> str:
        return "first"

    def render(self, d: Drawing, layout: dict[str, Any]) -> list[dict[str, Any]] | None:
        spec, xi, yi = d.spec, d.xi, d.yis[0]
        points = [r for r in d.data if r[xi] is not None and r[yi] is not None]
        if spec.limit:
            points = points[: spec.limit]
        layout["xaxis"] = _value_axis(spec.x, [r[xi] for r in points])
        layout["yaxis"] = _value_axis(spec.y[0], [r[yi] for r in points])
        return [
            _trace(
                "scatter",
                x=[r[xi] for r in points],
                y=[r[yi] for r in points],
                mode="markers",
                name=spec.y[0],
                marker={"opacity": 0.8 if len(points) > 200 else 1.0},
            )
        ]

    def summary(self, d: Drawing, y_names: str, cap: str) -> str | None:
        if d.xi is None or not d.yis:
            return None
        xi, yi, spec = d.xi, d.yis[0], d.spec
        n = sum(1 for r in d.data if r[xi] is not None and r[yi] is not None)
        shown_n = min(n, spec.limit) if spec.limit else n
        return _TEXT[d.lang]["scatter"].format(
            y=y_names, x=spec.x, n=format_number(shown_n, d.lang), cap=cap
        )


@register
class TableChart(ChartKind):
    """Everything else (figure None): the results table is the chart; always a valid
    alternative."""

    name = "table"
    label = gettext_noop("Table only")
    priority = 1000
    title_form = None
    draws = False

    def fits(self, cols: list[_Col], data: list[list[Any]], hint: str | None) -> _Fit | None:
        return _Fit(total=len(data), reason="no chart fits this shape")


_missing = set(CHART_KINDS) - set(CHARTS)
if _missing:  # the contract's kinds are always drawn
    raise ImportError(f"charts: no chart kind registered for {sorted(_missing)}")


# --------------------------------------------------------------------------------------------
# Choosing
# --------------------------------------------------------------------------------------------


def validate_hint(hint: Any) -> str | None:
    """The hint normalised to the enum (`HINTS`), or None when it is not one of them."""
    if not isinstance(hint, str):
        return None
    h = hint.strip().lower()
    return h if h in HINTS else None


def _analyse(
    columns: Sequence[str], rows: Sequence[Sequence[Any]], column_types: Sequence[str] | None
) -> tuple[list[_Col], list[list[Any]]] | None:
    if not columns or any(len(r) != len(columns) for r in rows):
        return None
    data = [[_norm(v) for v in r] for r in rows]
    types = list(column_types or [])
    cols = []
    for i, name in enumerate(columns):
        declared = _declared_kind(types[i]) if i < len(types) else None
        cols.append(_classify(i, str(name), [r[i] for r in data], declared))
    return cols, data


def _fits(cols: list[_Col], data: list[list[Any]], hint: str | None) -> dict[str, _Fit]:
    fits = {name: kind.fits(cols, data, hint) for name, kind in CHARTS.items()}
    return {t: f for t, f in fits.items() if f is not None}


def _default(cols: list[_Col], fits: dict[str, _Fit], hint: str | None) -> str:
    for kind in sorted(CHARTS.values(), key=lambda k: k.priority):
        fit = fits.get(kind.name)
        if fit is not None and kind.prefer(cols, fit, hint):
            return kind.name
    return "table"


def _title(kind: str, cols: list[_Col], fit: _Fit, lang: str, title: str) -> str:
    """The chart's title from its columns (the one place a title is written)."""
    t = _TEXT[lang]
    form = CHARTS[kind].title_form
    if not title and form is not None:
        ys = t["and"].join(cols[i].name for i in fit.y)
        if form == "measure":
            title = ys
        elif form == "vs":
            title = t["vs"].format(y=ys, x=cols[fit.x].name)
        else:
            x = cols[fit.x].name
            if fit.color is not None:
                x += t["and"] + cols[fit.color].name
            title = t["by"].format(y=ys, x=x)
    if fit.cap:
        note = t[fit.cap].format(
            n=format_number(fit.limit, lang), total=format_number(fit.total, lang)
        )
        title = f"{title} ({note})" if title else note
    return title


def choose_chart(
    columns: list[str],
    rows: list[list],
    *,
    column_types: list[str] | None = None,
    hint: str | None = None,
    lang: str = "es",
    title: str = "",
) -> ChartSpec:
    """Pick the chart that fits a query result, and list the other types that also fit.

    `column_types` (optional, same order as `columns`) are database/pandas type names ("INTEGER",
    "date", "float64", ...) used as a prior; values decide when they disagree. `hint` is one of
    `HINTS`; it wins only when that type fits the data, otherwise it is ignored (and the reason
    says so). `lang` ("es"/"en") is used for the generated title and cap notes.
    """
    lang = _lang(lang)
    valid_hint = validate_hint(hint)
    analysed = _analyse(columns, rows, column_types)
    if analysed is None:
        return ChartSpec(type="table", title=title, reason="columns and rows do not line up")
    cols, data = analysed
    fits = _fits(cols, data, valid_hint)
    chosen = _default(cols, fits, valid_hint)
    reason = fits[chosen].reason
    if valid_hint is not None:
        wanted = _ALIASES.get(valid_hint, valid_hint)
        if wanted in fits:
            chosen, reason = wanted, f"{fits[wanted].reason}; as hinted"
        else:
            reason += f"; hint '{valid_hint}' ignored: it does not fit this data"
    elif hint is not None:
        reason += f"; unknown hint {hint!r} ignored"
    fit = fits[chosen]
    return ChartSpec(
        type=chosen,
        x=cols[fit.x].name if fit.x is not None else None,
        y=tuple(cols[i].name for i in fit.y),
        color=cols[fit.color].name if fit.color is not None else None,
        title=_title(chosen, cols, fit, lang, title),
        alternatives=tuple(t for t in CHARTS if t in fits and t != chosen),
        reason=reason,
        orientation=fit.orientation,
        barmode=fit.barmode,
        x_axis=fit.x_axis,
        limit=fit.limit,
        total=fit.total,
        temporal=fit.temporal,
    )


# --------------------------------------------------------------------------------------------
# Rendering
# --------------------------------------------------------------------------------------------


def render_figure(
    spec: ChartSpec,
    columns: list[str],
    rows: list[list],
    *,
    lang: str = "es",
    theme: str = "light",
    units: dict[str, str] | None = None,
) -> dict | None:
    """Plotly figure JSON (`{"data": [...], "layout": {...}}`) for `spec` over the data.

    `units` ({column: "EUR"}, from `engine/units.py`) labels the value axes and the KPI with
    each column's documented currency or unit; a column without one gets none.

    Built only from the spec and the rows: plain lists, JSON-serialisable, no numpy. Returns None
    for "table" (the results table is the chart). `theme` "light"/"dark" picks the template and
    palette; `lang` the number separators. Pair it with `plotly_config(lang)` in the browser.
    """
    lang = _lang(lang)
    theme = theme if theme in TEMPLATES else "light"
    kind = CHARTS.get(spec.type)
    if kind is None or not kind.draws:
        return None  # an unknown kind, or the table: no figure
    names = [str(c) for c in columns]
    try:
        xi = names.index(spec.x) if spec.x is not None else None
        yis = [names.index(y) for y in spec.y]
        ci = names.index(spec.color) if spec.color is not None else None
    except ValueError:
        return None  # the spec was made for other columns
    if not yis:
        return None
    data = [[_norm(v) for v in r] for r in rows]
    palette = PALETTE_DARK if theme == "dark" else PALETTE_LIGHT
    layout: dict[str, Any] = {
        "template": TEMPLATES[theme],
        "separators": ",." if lang == "es" else ".,",
        "colorway": list(palette),
        "title": {"text": spec.title, "x": 0, "xanchor": "left", "pad": {"l": 12}},
        "margin": {"t": 56, "r": 16, "b": 48, "l": 16},
        "autosize": True,
    }
    traces = kind.render(Drawing(spec, data, xi, yis, ci, lang, palette), layout)
    if traces is None:
        return None
    layout["template"] = _template(TEMPLATES[theme], {t["type"] for t in traces})
    if units:
        kind.label_units(layout, traces, spec, units)
    return _json_safe({"data": traces, "layout": layout})


def plotly_config(lang: str = "es") -> dict[str, Any]:
    """The `config` argument for `Plotly.newPlot` (needs plotly-locale-es.js loaded for "es").

    Nothing in the mode bar talks to the network: plotly.js 4 offers "Share chart…" (upload to
    Plotly Cloud) by default, older builds a Chart Studio link and a logo linking to plotly.com.
    """
    return {
        "locale": _lang(lang),
        "responsive": True,
        "displaylogo": False,
        "showSendToCloud": False,
        "showEditInChartStudio": False,
        "showLink": False,
        "linkText": "",
        "plotlyServerURL": "",
        "modeBarButtonsToRemove": ["select2d", "lasso2d", "sendDataToCloud", "sendChartToCloud"],
        "toImageButtonOptions": {"format": "png", "filename": "datachat-chart", "scale": 2},
    }


# --------------------------------------------------------------------------------------------
# Text alternative
# --------------------------------------------------------------------------------------------


def chart_summary(spec: ChartSpec, columns: list[str], rows: list[list], lang: str = "es") -> str:
    """One sentence describing the chart for screen readers (the table is the full alternative)."""
    lang = _lang(lang)
    t = _TEXT[lang]
    names = [str(c) for c in columns]
    data = [[_norm(v) for v in r] for r in rows]

    def idx(name: str | None) -> int | None:
        return names.index(name) if name in names else None

    xi, ci = idx(spec.x), idx(spec.color)
    yis = [i for i in (idx(y) for y in spec.y) if i is not None]
    y_names = t["and"].join(spec.y)
    kind = CHARTS.get(spec.type)
    cap = ""
    if spec.limit and spec.total > spec.limit:
        note_kind = kind.cap_note(spec) if kind else ("last" if spec.temporal else "top")
        note = t[note_kind].format(
            n=format_number(spec.limit, lang), total=format_number(spec.total, lang)
        )
        cap = f" ({note})"
    text = kind.summary(Drawing(spec, data, xi, yis, ci, lang), y_names, cap) if kind else None
    if text is not None:
        return text
    return t["table"].format(
        n=_count(len(rows), "row", lang), m=_count(len(columns), "column", lang)
    )


def build_chart(
    columns: list[str],
    rows: list[list],
    *,
    column_types: list[str] | None = None,
    hint: str | None = None,
    lang: str = "es",
    theme: str = "light",
    title: str = "",
) -> dict[str, Any]:
    """The answer's `chart` field in one call: choose, render and summarise.

    Returns `{"type", "figure", "alternatives", "summary", "title"}`; the first two are the public
    contract's fields, the rest feed the chart switcher and the accessible text alternative.
    """
    spec = choose_chart(columns, rows, column_types=column_types, hint=hint, lang=lang, title=title)
    return {
        "type": spec.type,
        "figure": render_figure(spec, columns, rows, lang=lang, theme=theme),
        "alternatives": list(spec.alternatives),
        "summary": chart_summary(spec, columns, rows, lang),
        "title": spec.title,
    }


# Kinds defined in modules of their own register themselves on import; importing them here, last,
# keeps the registry (and the switcher's order) the same whoever imports `charts` first.
from apps.chat.engine import waterfall as _waterfall  # noqa: E402, F401
