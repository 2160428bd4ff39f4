"""What each result column is counted in: the documented currency or unit of the catalog columns
it comes from (the semantic layer, the admin), never a guess.

Pure: the executed SQL, its dialect and the catalog → `{result column: "EUR" | "km²" | …}`. A
column appears only when its unit is known: a catalog column, or SUM/AVG/MIN/MAX/ROUND of one,
or a sum or difference of columns in the same unit, or a product or quotient where exactly one
side has a unit. Counts and everything else get none, and so do columns of unknown origin.
Narration, the results table and the charts all read this one map.
"""

from __future__ import annotations

import sqlglot
from sqlglot import exp

from apps.governance.engine.dialects import get_dialect
from apps.knowledge.engine.catalog import CatalogSnapshot

_KEEP = (exp.Sum, exp.Avg, exp.Min, exp.Max, exp.Round, exp.Abs, exp.Paren, exp.Cast, exp.Coalesce)


def result_units(sql: str | None, dialect: str, catalog: CatalogSnapshot) -> dict[str, str]:
    """`{output column: unit label}` for the outermost SELECT of `sql` (see the module doc)."""
    labelled = {
        (t.name, c.name): c.unit_label for t in catalog.tables for c in t.columns if c.unit_label
    }
    if not sql or not labelled:
        return {}
    try:
        tree = sqlglot.parse_one(sql, read=get_dialect(dialect).sqlglot_name)
    except sqlglot.errors.SqlglotError:
        return {}
    select = tree if isinstance(tree, exp.Select) else tree.find(exp.Select)
    if select is None:
        return {}
    sources = _sources(select, catalog)
    units: dict[str, str] = {}
    for projection in select.expressions:
        label = _unit(projection.unalias(), sources, labelled, catalog)
        if label:
            units[projection.alias_or_name] = label
    return units


def _sources(select: exp.Select, catalog: CatalogSnapshot) -> dict[str, str]:
    """{name or alias in the FROM/JOINs: catalog table}; a subquery over one table (the row
    filter's rewrite) counts as that table."""
    found: dict[str, str] = {}
    from_ = select.args.get("from_") or select.args.get("from")  # the key's name by version
    nodes = ([from_.this] if from_ is not None else []) + [
        j.this for j in select.args.get("joins") or []
    ]
    for node in nodes:
        if isinstance(node, exp.Table):
            found[node.alias_or_name] = node.name
        elif isinstance(node, exp.Subquery):
            inner = [t.name for t in node.find_all(exp.Table)]
            if len(set(inner)) == 1:
                found[node.alias_or_name] = inner[0]
            elif catalog.table(node.alias_or_name) is not None:
                found[node.alias_or_name] = node.alias_or_name
    return found


def _unit(
    node: exp.Expression,
    sources: dict[str, str],
    labelled: dict[tuple[str, str], str],
    catalog: CatalogSnapshot,
) -> str:
    if isinstance(node, exp.Column):
        if node.table:
            table = sources.get(node.table, node.table)
            return labelled.get((table, node.name), "")
        owners = {
            t
            for t in set(sources.values())
            if catalog.table(t) is not None and catalog.table(t).column(node.name) is not None
        }
        return labelled.get((owners.pop(), node.name), "") if len(owners) == 1 else ""
    if isinstance(node, _KEEP):
        return _unit(node.this, sources, labelled, catalog)
    if isinstance(node, (exp.Add, exp.Sub)):
        left = _unit(node.left, sources, labelled, catalog)
        right = _unit(node.right, sources, labelled, catalog)
        return left if left == right or not right and _is_literal(node.right) else ""
    if isinstance(node, exp.Case):  # a filtered metric: SUM(CASE WHEN … THEN total END)
        branches = [i.args.get("true") for i in node.args.get("ifs") or []]
        branches += [node.args["default"]] if node.args.get("default") is not None else []
        found = {
            _unit(b, sources, labelled, catalog)
            for b in branches
            if not (_is_literal(b) or isinstance(b, exp.Null))  # THEN 0 / ELSE NULL: no unit
        }
        return found.pop() if len(found) == 1 else ""
    if isinstance(node, exp.Mul):
        sides = [
            _unit(node.left, sources, labelled, catalog),
            _unit(node.right, sources, labelled, catalog),
        ]
        present = [s for s in sides if s]
        return present[0] if len(present) == 1 else ""
    if isinstance(node, exp.Div):
        top = _unit(node.left, sources, labelled, catalog)
        bottom = _unit(node.right, sources, labelled, catalog)
        return top if top and not bottom else ""
    return ""


def _is_literal(node: exp.Expression) -> bool:
    return isinstance(node, exp.Literal) or (
        isinstance(node, exp.Paren) and isinstance(node.this, exp.Literal)
    )
