"""Execution-accuracy comparison, as the evaluation contract defines it.

Result sets are compared as multisets of rows; order matters only when the gold SQL has ORDER BY;
numbers match within 1e-6 relative tolerance; column names are ignored. A number and a string
holding the same number ("2024" vs 2024) match, since the label type of a period is not what a
question asks for.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

REL_TOL = 1e-6
_GREEDY_LIMIT = 5000


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, (int, float, Decimal)):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            return None
    return None


def cells_match(gold: Any, got: Any) -> bool:
    if gold is None or got is None:
        return gold is None and got is None
    a, b = _number(gold), _number(got)
    if a is not None and b is not None and not (isinstance(gold, str) and isinstance(got, str)):
        if math.isnan(a) or math.isnan(b):
            return math.isnan(a) and math.isnan(b)
        return math.isclose(a, b, rel_tol=REL_TOL, abs_tol=1e-9)
    return str(gold) == str(got)


def rows_match(gold: Sequence[Any], got: Sequence[Any]) -> bool:
    return len(gold) == len(got) and all(cells_match(a, b) for a, b in zip(gold, got, strict=True))


def _sort_key(row: Sequence[Any]) -> tuple:
    key = []
    for cell in row:
        number = _number(cell)
        if cell is None:
            key.append((0, 0.0, ""))
        elif number is not None:
            key.append((1, float(f"{number:.6g}"), ""))
        else:
            key.append((2, 0.0, str(cell)))
    return tuple(key)


def results_match(
    gold_rows: Sequence[Sequence[Any]], got_rows: Sequence[Sequence[Any]], ordered: bool
) -> bool:
    """True when `got_rows` equals `gold_rows` under the contract's rules."""
    if len(gold_rows) != len(got_rows):
        return False
    if ordered:
        return all(rows_match(a, b) for a, b in zip(gold_rows, got_rows, strict=True))
    gold_sorted = sorted(gold_rows, key=_sort_key)
    got_sorted = sorted(got_rows, key=_sort_key)
    if all(rows_match(a, b) for a, b in zip(gold_sorted, got_sorted, strict=True)):
        return True
    if len(gold_rows) > _GREEDY_LIMIT:
        return False
    # Rounding can order near-equal numbers differently: fall back to greedy pairing.
    remaining = list(got_rows)
    for row in gold_rows:
        for index, candidate in enumerate(remaining):
            if rows_match(row, candidate):
                del remaining[index]
                break
        else:
            return False
    return True


def gold_is_ordered(sql: str) -> bool:
    """Whether the gold SQL's outermost query orders its rows."""
    import sqlglot
    from sqlglot import exp

    try:
        tree = sqlglot.parse_one(sql, read="sqlite")
    except sqlglot.errors.ParseError:
        return "order by" in sql.lower()
    return isinstance(tree, exp.Query) and tree.args.get("order") is not None
