"""The slots a question fills, before they become a QueryPlan (mutable, local to one parse)."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..plan import (
    ColumnRef,
    Comparison,
    DatePart,
    Filter,
    HavingFilter,
    NumericFilter,
    Order,
    TimeRange,
)

POSSESSIVES = frozenset({"their", "its", "his", "her", "su", "sus"})


class NeedsFact(Exception):
    """An entity count whose filters live on the fact table ("clientes que compraron X")."""


@dataclass
class Parts:
    base: str
    metrics: list[str] = field(default_factory=list)
    metrics_said: bool = False
    listing_table: str | None = None
    listing: list[ColumnRef] = field(default_factory=list)
    listing_order: ColumnRef | None = None
    subject_columns: list[ColumnRef] = field(default_factory=list)  # listed as the table named
    distinct: bool = False
    dims: list[ColumnRef] = field(default_factory=list)
    dims_said: bool = False
    dims_add: bool = False
    grain: str | None = None
    filters: list[Filter] = field(default_factory=list)
    numeric: list[NumericFilter] = field(default_factory=list)
    having: list[HavingFilter] = field(default_factory=list)
    time_range: TimeRange | None = None
    time_periods: list[TimeRange] = field(default_factory=list)
    date_parts: list[DatePart] = field(default_factory=list)
    time_said: bool = False
    time_column: ColumnRef | None = None
    order: Order | None = None
    limit: int | None = None
    comparison: Comparison | None = None
    compare: bool = False
    trend: bool = False
    implied: bool = False  # the only metrics come from verbs or the fact table's noun
    metric_mentions: list[int | None] = field(default_factory=list)  # where each was said
    period_position: int = 0  # where the period column goes among the grouping columns
    rank_within: list[ColumnRef] = field(default_factory=list)  # top N per group of these
    average_over: str | None = None
    average_per: list[ColumnRef] = field(default_factory=list)  # "promedio por cliente en …"
    share: bool = False
    share_of: list[Filter] = field(default_factory=list)
    share_numeric: list[NumericFilter] = field(default_factory=list)
    row_filter_metrics: set[int] = field(default_factory=set)  # metrics said as row filters
    noun_key: str | None = None  # what the fact table's noun alone would measure
    # numeric columns listed before a superlative that ranks another one, shown with its row:
    # "the name and population of the country with the largest area"
    projected: list[ColumnRef] = field(default_factory=list)
    # "the names of the 3 countries with the largest …": (mention, number) of a count said before
    # the rows grouped, the limit if a superlative picks those rows (`_superlative_row`)
    rows_count: tuple[int, int] | None = None
    # "the id of the template used by the greatest number of documents": the table said once in
    # the singular whose top row a superlative asks for, when its mention was taken as the
    # groups; the limit is 1 if the groups are that table's columns (`fresh_plan`)
    one_row_of: str | None = None
