"""A table with several foreign keys to one table: which side the question joins on.

`semantic.link_sides` picks the default side by the columns' names (`Friend.student_id`, not
`friend_id`). When the names decide nothing (`Students.current_address_id` and
`permanent_address_id`, both to `Addresses`), a question whose SQL joins through that pair must
say which (a word only one of the columns has: "current"); else it is asked back.
"""

from __future__ import annotations

import sqlglot
from sqlglot import exp

from .parser import Clarify, Unclear
from .semantic import SemanticModel, _side_stems, link_sides


def check_link_side(sql: str, model: SemanticModel, tokens, joins=()) -> None:  # noqa: ANN001
    """Raise `Unclear(LINK_SIDE)` when the SQL joins through an undecided pair of foreign keys
    and the question names no word of the column it joins on alone, nor a relation verb chose
    it (`joins`, the plan's foreign keys: "students who *currently* live in …")."""
    _, undecided = link_sides(model.catalog)
    if not undecided:
        return
    by_table = {
        (table.lower(), column.lower()): columns
        for (table, _), columns in undecided.items()
        for column in columns
    }
    said = {t.key for t in tokens} | {t.norm for t in tokens}
    try:
        tree = sqlglot.parse_one(sql, read=model.dialect)
    except sqlglot.errors.ParseError:
        return
    for join in tree.find_all(exp.Join):
        on = join.args.get("on")
        if on is None:
            continue
        for column in on.find_all(exp.Column):
            columns = by_table.get((column.table.lower(), column.name.lower()))
            if columns is None:
                continue
            if any(
                (t.lower(), c.lower()) == (column.table.lower(), column.name.lower())
                for t, c, *_ref in joins
            ):
                continue  # the foreign key a verb (or its adverb) was read as
            shared = frozenset.intersection(*(_side_stems(c) for c in columns))
            named = [c for c in columns if (_side_stems(c) - shared) & said]
            if named != [c for c in columns if c.lower() == column.name.lower()]:
                raise Unclear(Clarify.LINK_SIDE, " / ".join(columns))
