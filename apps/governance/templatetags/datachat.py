"""Template helpers shared by every page (all apps): the caller's capabilities and localised values.

Numbers, dates and durations are formatted here, server-side, with Django's locale machinery, so
Spanish pages read `1.234,56` and `31 dic 2024` and English pages `1,234.56` and `Dec 31, 2024`
(docs/ux.md §4). Identifiers and years are never grouped ("2.024" would read as a number).
"""

from __future__ import annotations

import datetime as dt
import html
import math
import re
from typing import Any

from django import template
from django.utils import formats, numberformat, timezone
from django.utils.html import strip_tags
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from markdown_it import MarkdownIt

from apps.governance.engine.policy import DataPolicy
from apps.governance.models import Role
from apps.governance.selectors import capabilities_for
from datachat.text import identifier_words

register = template.Library()

# Column names whose integer values are labels or periods, not quantities.
_UNGROUPED_TOKENS = frozenset(
    {"id", "pk", "uuid", "codigo", "code", "sku", "zip", "cp", "year", "anio", "ano", "ejercicio",
     "periodo", "mes", "month", "trimestre", "quarter", "semana", "week", "dia", "day", "hora",
     "hour"}
)  # fmt: skip
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_MONTH_RE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
_DATETIME_RE = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")


@register.simple_tag(takes_context=True)
def capabilities(context: template.Context) -> DataPolicy:
    """`{% capabilities as caps %}`: what the current member may do (`caps.can_export`, …), read
    from `governance.selectors.capabilities_for` like every other reader of capabilities."""
    request = context.get("request")
    return capabilities_for(getattr(request, "membership", None))


def column_kind(name: str, values: list[Any]) -> str:
    """How a result column is shown: "number", "code" (ids, years), "date", "datetime", "text"."""
    present = [v for v in values if v is not None]
    if present and all(isinstance(v, int | float) and not isinstance(v, bool) for v in present):
        code_like = set(identifier_words(str(name))) & _UNGROUPED_TOKENS
        if code_like and all(float(v).is_integer() for v in present):
            return "code"
        return "number"
    if present and all(isinstance(v, str) and _DATE_RE.match(v) for v in present):
        return "date"
    if present and all(isinstance(v, str) and _DATETIME_RE.match(v) for v in present):
        return "datetime"
    if present and all(isinstance(v, str) and _MONTH_RE.match(v) for v in present):
        return "month"
    return "text"


def _english() -> bool:
    return (get_language() or "es").startswith("en")


def _date_format() -> str:
    # Unambiguous short dates: "31 dic 2024" / "Dec 31, 2024" (docs/ux.md §4).
    return "M j, Y" if _english() else "j b Y"


def column_decimals(values: list[Any]) -> int:
    """0 when every number of a column is whole, else 2: one column, one number of decimals."""
    numbers = [v for v in values if isinstance(v, int | float) and not isinstance(v, bool)]
    return 0 if all(float(v).is_integer() for v in numbers) else 2


def _localised(value: int | float, decimal_pos: int | None = None) -> str:
    """Group and separate as the UI language writes numbers: es 1.234,56 / en 1,234.56.

    Django's own Spanish format groups with a no-break space; the product's readers (and
    docs/ux.md §4) expect the dot, so Spanish separators are set here explicitly.
    """
    if (get_language() or "es").startswith("es"):
        decimal_sep, thousand_sep = ",", "."
    else:
        decimal_sep = formats.get_format("DECIMAL_SEPARATOR")
        thousand_sep = formats.get_format("THOUSAND_SEPARATOR")
    return numberformat.format(
        value, decimal_sep, decimal_pos, grouping=3, thousand_sep=thousand_sep,
        force_grouping=True,
    )  # fmt: skip


def format_number(value: Any, decimals: int = 2) -> str:
    """A number in the active locale, grouped, with at most `decimals` decimals."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return "" if value is None else str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            return str(value)
        rounded = round(value, decimals)
        if rounded.is_integer():
            return _localised(int(rounded))
        # A fixed number of decimals keeps a column of amounts aligned ("12,50" over "3,25").
        return _localised(rounded, decimals)
    return _localised(value)


def format_cell(value: Any, kind: str, decimals: int = 2) -> str:
    """One result cell as text for the active language (NULL is an empty cell)."""
    if value is None:
        return ""
    if kind == "number":
        if isinstance(value, int | float) and not isinstance(value, bool) and decimals:
            return _localised(round(float(value), decimals), decimals)
        return format_number(value)
    if kind == "code":
        return str(int(value)) if isinstance(value, float) else str(value)
    if kind == "date":
        try:
            return formats.date_format(dt.date.fromisoformat(value), _date_format())
        except ValueError:
            return str(value)
    if kind == "month":
        month = dt.date(int(value[:4]), int(value[5:7]), 1)
        return formats.date_format(month, "M Y" if _english() else "b Y")
    if kind == "datetime":
        try:
            stamp = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        except ValueError:
            return str(value)
        return formats.date_format(stamp, _date_format() + " H:i")
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    return str(value)


@register.filter
def number(value: Any, decimals: int = 2) -> str:
    """`{{ value|number }}`: grouped and localised (es 1.234,56 / en 1,234.56)."""
    return format_number(value, int(decimals))


@register.filter
def duration(ms: Any) -> str:
    """Milliseconds as people read them: "340 ms", "1,2 s" / "1.2 s"."""
    try:
        value = float(ms)
    except (TypeError, ValueError):
        return ""
    if value < 1000:
        return f"{_localised(round(value))} ms"
    return f"{_localised(round(value / 1000, 1), 1)} s"


@register.filter
def when(value: dt.datetime | None) -> str:
    """A timestamp in local time: "31 dic 2024 14:05" / "Dec 31, 2024 14:05" (24 h for both)."""
    if value is None:
        return ""
    return formats.date_format(timezone.localtime(value), _date_format() + " H:i")


@register.filter
def role_label(code: str) -> str:
    """A role code as people read it, in the active language ("ANALYST" → "Analista")."""
    try:
        return str(Role(code).label)
    except ValueError:
        return code


@register.filter
def short_date(value: dt.datetime | dt.date | None) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value)
    return formats.date_format(value, _date_format())


# The answer's Markdown, through a vetted parser with a whitelist: emphasis (bold, italics),
# inline code and line breaks. No raw HTML (escaped), no links, images, headings or lists: the
# text may quote the question or data values, and none of it may become markup.
_MARKDOWN = MarkdownIt("zero", {"breaks": True, "html": False}).enable(
    ["emphasis", "backticks", "newline"]
)


@register.filter
def answer_text(value: Any) -> str:
    """The answer's short Markdown rendered: `**Norte**` bold, `_(…)_` italic, `code`."""
    return mark_safe(_MARKDOWN.render(str(value or "")).strip())  # noqa: S308 - escaped by the parser


@register.filter
def answer_plain(value: Any) -> str:
    """The answer as plain text ("Copiar respuesta"): the Markdown marks removed, paragraphs
    kept as blank lines; autoescaped again by the template."""
    rendered = _MARKDOWN.render(str(value or ""))
    rendered = rendered.replace("</p>\n", "\n\n").replace("<br />", "").replace("<br>", "")
    return html.unescape(strip_tags(rendered)).strip()


# Icon shapes on a 24x24 grid, stroked with the text colour (after Feather icons, MIT). Inline
# SVG instead of emoji: emoji fonts are missing on many machines and render as empty boxes.
_ICONS = {
    "database": '<ellipse cx="12" cy="5" rx="9" ry="3"/><path d="M21 12c0 1.66-4 3-9 3s-9-1.34'
    '-9-3"/><path d="M3 5v14c0 1.66 4 3 9 3s9-1.34 9-3V5"/>',
    "lock": '<rect x="3" y="11" width="18" height="11" rx="2"/>'
    '<path d="M7 11V7a5 5 0 0 1 10 0v4"/>',
    "clock": '<circle cx="12" cy="12" r="10"/><polyline points="12 6 12 12 16 14"/>',
    "plus": '<line x1="12" y1="5" x2="12" y2="19"/><line x1="5" y1="12" x2="19" y2="12"/>',
    "thumbs-up": '<path d="M14 9V5a3 3 0 0 0-3-3l-4 9v11h11.28a2 2 0 0 0 2-1.7l1.38-9a2 2 0 0 0'
    '-2-2.3zM7 22H4a2 2 0 0 1-2-2v-7a2 2 0 0 1 2-2h3"/>',
    "thumbs-down": '<path d="M10 15v4a3 3 0 0 0 3 3l4-9V2H5.72a2 2 0 0 0-2 1.7l-1.38 9a2 2 0 0 0'
    ' 2 2.3zm7-13h2.67A2.31 2.31 0 0 1 22 4v7a2.31 2.31 0 0 1-2.33 2H17"/>',
    "alert": '<path d="M10.29 3.86L1.82 18a2 2 0 0 0 1.71 3h16.94a2 2 0 0 0 1.71-3L13.71 3.86a2 2'
    ' 0 0 0-3.42 0z"/><line x1="12" y1="9" x2="12" y2="13"/><line x1="12" y1="17" x2="12.01"'
    ' y2="17"/>',
    "help": '<circle cx="12" cy="12" r="10"/><path d="M9.09 9a3 3 0 0 1 5.83 1c0 2-3 3-3 3"/>'
    '<line x1="12" y1="17" x2="12.01" y2="17"/>',
    "check": '<polyline points="20 6 9 17 4 12"/>',
    "x": '<line x1="18" y1="6" x2="6" y2="18"/><line x1="6" y1="6" x2="18" y2="18"/>',
    "ban": '<circle cx="12" cy="12" r="10"/><line x1="4.93" y1="4.93" x2="19.07" y2="19.07"/>',
    "menu": '<line x1="3" y1="6" x2="21" y2="6"/><line x1="3" y1="12" x2="21" y2="12"/>'
    '<line x1="3" y1="18" x2="21" y2="18"/>',
    "more": '<circle cx="5" cy="12" r="1"/><circle cx="12" cy="12" r="1"/><circle cx="19" cy="12"'
    ' r="1"/>',
    "moon": '<path d="M21 12.79A9 9 0 1 1 11.21 3 7 7 0 0 0 21 12.79z"/>',
    "download": '<path d="M21 15v4a2 2 0 0 1-2 2H5a2 2 0 0 1-2-2v-4"/><polyline points="7 10 12 15'
    ' 17 10"/><line x1="12" y1="15" x2="12" y2="3"/>',
    "copy": '<rect x="9" y="9" width="13" height="13" rx="2"/><path d="M5 15H4a2 2 0 0 1-2-2V4a2'
    ' 2 0 0 1 2-2h9a2 2 0 0 1 2 2v1"/>',
    "logout": '<path d="M9 21H5a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2h4"/><polyline points="16 17 21 12'
    ' 16 7"/><line x1="21" y1="12" x2="9" y2="12"/>',
    "search": '<circle cx="11" cy="11" r="8"/><line x1="21" y1="21" x2="16.65" y2="16.65"/>',
    "filter": '<polygon points="22 3 2 3 10 12.46 10 19 14 21 14 12.46 22 3"/>',
}


@register.simple_tag
def icon(name: str, extra_class: str = "") -> str:
    """`{% icon "lock" %}`: a decorative inline SVG (hidden from screen readers: text says it)."""
    shape = _ICONS.get(name, "")
    css = f"icon icon-{name} {extra_class}".strip()
    return mark_safe(  # noqa: S308 - fixed markup from the table above
        f'<svg class="{css}" aria-hidden="true" focusable="false" viewBox="0 0 24 24" '
        'fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" '
        f'stroke-linejoin="round">{shape}</svg>'
    )


_FEEDBACK_TAGS = {
    "wrong_numbers": gettext_lazy("Wrong numbers"),
    "wrong_table": gettext_lazy("Wrong table"),
    "misunderstood": gettext_lazy("Misunderstood the question"),
    "too_slow": gettext_lazy("Too slow"),
    "other": gettext_lazy("Other"),
}


@register.filter
def feedback_tag(code: str) -> str:
    """A 👎 reason tag as the feedback form names it, in the active language."""
    return str(_FEEDBACK_TAGS.get(code, code))
