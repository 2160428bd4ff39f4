"""Superlatives said in words the parser reads another way (issue 13, branch `h-superl`).

Each rule rewrites the question's tokens before the main scan into a shape the parser already
reads, and only when the catalog says the words around it are what the rule expects (a column
right after the adjective, a table after "of"/"among"); otherwise the tokens are left alone
and the words are asked back as before.

- A size adjective before a column orders that column: "the shortest life expectancy" is
  "the lowest life expectancy", not a column called *length* (`lexicon.DIMENSION_ADJECTIVES`
  keeps that reading when no column follows: "the longest film"). In Spanish the adjective
  follows the column: "la esperanza de vida más corta" → "la menor esperanza de vida".
- The mode of a column: "the most common/popular/frequent first name of the actors", "el
  nombre más común entre los actores" → "the first name with the most actors" (a count per
  value, the largest first).
- The earliest/latest value of a date column: "the earliest payment date", "the most recent
  rental date", "la fecha de pago más antigua" → "the minimum payment date" (branch `h-dates`).
  Only before (after, in Spanish) a mention naming date columns alone; "the first name" and
  "the latest quarter" are left as they were.
- The date of the first/last row of a table: "the date of the earliest payment", "When did the
  first payment happen?", "la fecha del primer pago", "¿Cuándo fue el pago más reciente?" →
  "the minimum <the table's own date column> of the payment" (the table's date column whose
  name shares a word with the table, or its only one; otherwise left alone).
- A filler noun of quantity: "the car with the smallest amount of horsepower" → "the car with
  the smallest horsepower".
"""

from __future__ import annotations

from dataclasses import replace

from datachat import text as tx

from . import lexicon as lx
from .scan import Mention, scan
from .semantic import SemanticModel, linked_label

# English size superlatives and the order word they mean before a column.
_SIZE_EN = {
    "shortest": "lowest",
    "longest": "highest",
    "tallest": "highest",
    "heaviest": "highest",
    "lightest": "lowest",
    "biggest": "largest",
}
# Spanish size adjectives after "más"/"menos": True when "más <adjective>" is the larger.
_SIZE_ES = {
    **dict.fromkeys(lx.words("alto alta altos altas largo larga largos largas"), True),
    **dict.fromkeys(lx.words("grande grandes pesado pesada pesados pesadas"), True),
    **dict.fromkeys(lx.words("bajo baja bajos bajas corto corta cortos cortas"), False),
    **dict.fromkeys(lx.words("pequeno pequena pequenos pequenas ligero ligera"), False),
    **dict.fromkeys(lx.words("ligeros ligeras chico chica chicos chicas"), False),
}
_MORE_ES = lx.words("mas")
# "más pequeña que la media": a comparison (`than.py`), not a superlative.
_THAN_ES = lx.words("que")
_LESS_ES = lx.words("menos")
# "most common", "más frecuente": how often a value occurs.
_OFTEN = lx.words("common popular frequent comun frecuente popular repetido repetida habitual")
_OFTEN_EN_MOST = {"most": "most", "least": "fewest"}
# "the template type that is most commonly used in documents": how often, said of a verb.
_OFTEN_ADVERBS = lx.words("commonly frequently")
_USED = lx.words("used")
_THAT = lx.words("that which")
_BE = lx.words("is are was were")
# Between the column and the rows counted: "of the actors", "among all actors", "entre los…".
_OF_ROWS = lx.words("of among in for across de del entre en")
_ALL_THE = lx.words("all the todos todas los las el la")
# Filler nouns of quantity before a measure: "the smallest amount of horsepower".
_AMOUNT = lx.words("amount quantity")
_AMOUNT_OF = lx.words("of")
# The row singled out by the amount: "the car with/that has the smallest amount of …".
_HAVING = lx.words("with has have had")
# "the car with the minimum horsepower", "which model has the maximum weight": the aggregate
# word after "with/has the" singles out a row, as "lowest"/"highest" does.
_EXTREME = {
    **dict.fromkeys(lx.words("maximum max maximo maxima"), ("highest", "mayor")),
    **dict.fromkeys(lx.words("minimum min minimo minima"), ("lowest", "menor")),
}
_HAVING_THE = lx.words("with has have had con tiene tienen tenga the el la")
# "the highest price for each film", "el mayor precio de cada película": an order word before
# a measure said of each row of a group is that group's extreme (MAX/MIN), not one row.
_EXTREME_OF_EACH = {
    **dict.fromkeys(lx.words("highest largest greatest biggest"), "maximum"),
    **dict.fromkeys(lx.words("lowest smallest"), "minimum"),
    **dict.fromkeys(lx.words("mayor"), "máximo"),
    **dict.fromkeys(lx.words("menor"), "mínimo"),
}
_FOR_EACH = lx.words("for of in across by para de en por")
_PER = lx.words("per")
# Time extremes before a date column: True for the latest ("most recent" is read in two words).
_WHEN_EN = {
    **dict.fromkeys(lx.words("earliest first"), False),
    **dict.fromkeys(lx.words("latest last"), True),
}
_RECENT = lx.words("recent reciente recientes")
_OLD_ES = lx.words("antiguo antigua antiguos antiguas")
# The time adjective before a table (Spanish "primer pago", "último pago").
_FIRST_ES = lx.words("primer primera primero primeros primeras")
_LAST_ES = lx.words("ultimo ultima ultimos ultimas")
# What asks for the date: "the date of the …", "when did the … happen".
_DATE_OF = lx.words("date fecha")
_OF_THE = lx.words("of the de del el la los las")
_WHEN = lx.words("when cuando")
# "the customer who made the earliest rental", "el cliente que hizo el primer alquiler".
_WHO = lx.words("who that which que quien quienes cual")
_WHEN_VERBS = lx.words("did was were is fue fueron es happen happened occur occurred take place")
# "life expectancy is longer than 72": a size comparative after a column compares that column.
_SIZE_THAN_EN = {
    "longer": "greater",
    "taller": "greater",
    "heavier": "greater",
    "bigger": "greater",
    "shorter": "less",
    "lighter": "less",
}
_THAN_EN = lx.words("than")
_COPULA = lx.words("is are was were be")
# "How long is the average life expectancy?": the size question word asks for the column.
_HOW = lx.words("how")
_HOW_SIZE = lx.words("long tall heavy big large")
_TRIGGERS = (
    frozenset(_SIZE_EN)
    | _MORE_ES
    | _LESS_ES
    | _OFTEN
    | _OFTEN_ADVERBS
    | _AMOUNT
    | frozenset(_EXTREME)
    | frozenset(_WHEN_EN)
    | lx.words("most")
    | _FIRST_ES
    | _LAST_ES
    | frozenset(_SIZE_THAN_EN)
    | _HOW_SIZE
    | frozenset(_EXTREME_OF_EACH)
)


def read_superlatives(model: SemanticModel, tokens: list[lx.Token]) -> list[lx.Token]:
    """The question's tokens with its superlative phrases said as the parser reads them."""
    if any(t.norm in _CMP_BY_FIRST for t in tokens):
        tokens = _comparison_before_column(model, tokens) or tokens
    if any(_graded(t) is not None for t in tokens):
        for graded in (_graded_order, _graded_before_table, _graded_than):
            tokens = graded(model, tokens) or tokens
    if not any(t.norm in _TRIGGERS for t in tokens):
        return tokens
    rules = (
        _mode_of_column,
        _size_before_column,
        _size_after_column,
        _amount_of,
        _related_extreme_row,
        _time_extreme,
        _time_extreme_of_verb,
        _extreme_of_row,
        _extreme_of_each_group,
        _date_of_extreme_row,
        _first_row_by_date,
        _size_than_after_column,
        _how_long_is_column,
        _participle_of_column,
    )
    for rule in rules:
        rewritten = rule(model, tokens)
        if rewritten is not None:
            tokens = rewritten
    return tokens


def _word(like: lx.Token, text: str) -> lx.Token:
    return replace(like, text=text, norm=text, key=lx.word_key(text, like.lang), kind="word")


def _names_column(mention: Mention | None) -> bool:
    """A mention that names a column (or a metric) of the catalog, not a table or a value."""
    return (
        mention is not None
        and mention.kind == "schema"
        and (mention.has("column") or mention.has("metric"))
        and not mention.has("table")
        and not mention.has("value")
    )


def _names_measure(model: SemanticModel, mention: Mention | None) -> bool:
    """A mention of numeric columns (or a metric): "life expectancy", not "models" (a text
    column of names, whose rows are compared by their weight)."""
    if not _names_column(mention):
        return False
    return all(
        (sem := model.column(e.ref[0], e.ref[1])) is not None and sem.kind == "number"
        for e in mention.of("column")
    )


def _mention_at(mentions: list[Mention], start: int) -> Mention | None:
    return next((m for m in mentions if m.start == start), None)


def _mention_ending(mentions: list[Mention], end: int) -> Mention | None:
    return next((m for m in mentions if m.end == end and m.kind == "schema"), None)


def _size_before_column(model: SemanticModel, tokens: list[lx.Token]) -> list[lx.Token] | None:
    """ "the shortest life expectancy": a size superlative right before a column orders it."""
    if not any(t.norm in _SIZE_EN for t in tokens):
        return None
    mentions, _ = scan(model, tokens)
    out = list(tokens)
    changed = False
    for i, token in enumerate(tokens):
        if token.norm in _SIZE_EN and _names_column(_mention_at(mentions, i + 1)):
            out[i] = _word(token, _SIZE_EN[token.norm])
            changed = True
    return out if changed else None


def _size_after_column(model: SemanticModel, tokens: list[lx.Token]) -> list[lx.Token] | None:
    """ "la esperanza de vida más corta": a Spanish size adjective after a column orders it; the
    order word goes before the column ("la menor esperanza de vida"), where the parser reads
    it as the order of that column."""
    at = next(
        (
            i
            for i in range(1, len(tokens) - 1)
            if tokens[i].norm in _MORE_ES | _LESS_ES
            and tokens[i + 1].norm in _SIZE_ES
            and not (i + 2 < len(tokens) and tokens[i + 2].norm in _THAN_ES)
        ),
        None,
    )
    if at is None:
        return None
    mentions, _ = scan(model, tokens)
    column = _mention_ending(mentions, at)
    if not _names_column(column):
        return None
    larger = _SIZE_ES[tokens[at + 1].norm] == (tokens[at].norm in _MORE_ES)
    order = _word(tokens[at], "mayor" if larger else "menor")
    return [
        *tokens[: column.start],
        order,
        *tokens[column.start : at],
        *tokens[at + 2 :],
    ]


_PARTICIPLE_ES = ("ado", "ada", "ados", "adas", "ido", "ida", "idos", "idas")


def _participle_of_column(model: SemanticModel, tokens: list[lx.Token]) -> list[lx.Token] | None:
    """ "la ciudad más poblada", "los países menos poblados": a Spanish participle after
    "más/menos" and a table, whose root begins the Spanish name of exactly one numeric column
    of that table ("pobl-ada" ~ "población"), orders the rows by that column: "la ciudad con
    mayor población", as the English stem already reads "the most populated city"."""
    at = next(
        (
            i
            for i in range(1, len(tokens) - 1)
            if tokens[i].norm in _MORE_ES | _LESS_ES
            and tokens[i + 1].lang == "es"
            and tokens[i + 1].norm.endswith(_PARTICIPLE_ES)
            and not (i + 2 < len(tokens) and tokens[i + 2].norm in _THAN_ES)
        ),
        None,
    )
    if at is None:
        return None
    mentions, _ = scan(model, tokens)
    rows = _mention_ending(mentions, at)
    if rows is None or _mention_at(mentions, at + 1) is not None or not rows.has("table"):
        return None
    tables = {e.ref[0] for e in rows.of("table")}
    root = lx.stem(tokens[at + 1].norm, "es")
    if len(root) < 4:
        return None
    found: dict[tuple[str, str], str] = {}
    for key, entries in model.phrases.get("es", {}).items():
        if " " in key or not key.startswith(root) or key == root:
            continue
        for e in entries:
            sem = model.column(*e.ref) if e.kind == "column" else None
            if sem is not None and sem.kind == "number" and e.ref[0] in tables:
                found.setdefault(e.ref, model.surfaces.get("es", {}).get(key, key))
    if len(found) != 1:
        return None
    word = next(iter(found.values()))
    order = "mayor" if tokens[at].norm in _MORE_ES else "menor"
    said = [_word(tokens[at], w) for w in ("con", order, word)]
    return [*tokens[:at], *said, *tokens[at + 2 :]]


def _rows_after(mentions: list[Mention], tokens: list[lx.Token], i: int) -> Mention | None:
    """The table named after "of/among (all) (the)" from token `i`, if that is what follows."""
    if i >= len(tokens) or tokens[i].norm not in _OF_ROWS:
        return None
    i += 1
    while i < len(tokens) and tokens[i].norm in _ALL_THE:
        i += 1
    rows = _mention_at(mentions, i)
    if rows is None or rows.kind != "schema" or not rows.has("table") or rows.has("value"):
        return None
    return rows


def _mode_of_column(model: SemanticModel, tokens: list[lx.Token]) -> list[lx.Token] | None:
    """ "the most common first name of the actors" -> "the first name with the most actors";
    "el nombre más común entre los actores" -> "el nombre con más actores". The column must be
    one of the table named after it (or that table's word must also name a column of the
    column's table: "the most common position of players" where each season row has a player);
    without such a table the words stay (asked back). Said after the column ("the position that
    is most common among players", "the template type that is most commonly used in
    documents") it reads the same; with no rows said at all ("the most common singer
    citizenship", "the most common nationality") the rows are the column's own table's."""
    if not any(t.norm in _OFTEN | _OFTEN_ADVERBS for t in tokens):
        return None
    mentions, _ = scan(model, tokens)
    last = len(tokens) - 1
    if last >= 3 and tokens[last].norm in _OFTEN and tokens[last - 1].norm in _OFTEN_EN_MOST:
        # "Give the class of races that is most common": "the class with the most races"
        whose = _column_of_rows(mentions, tokens, _columns_said_before(mentions, tokens, last - 1))
        if whose is not None and tokens[0].lang == "en":
            column, rows = whose
            if _rows_words(model, tokens, [column], None, rows) is not None:
                words = ["with", "the", _OFTEN_EN_MOST[tokens[last - 1].norm]]
                return [
                    *tokens[: column.end],
                    *(_word(tokens[last], w) for w in words),
                    *tokens[rows.start : rows.end],
                ]
    for i, token in enumerate(tokens[:-1] if tokens[-1].norm in _OFTEN else tokens):
        if token.norm not in _OFTEN | _OFTEN_ADVERBS:
            continue
        before = tokens[i - 1].norm if i else ""
        own = None  # the table said before the column ("the most common singer citizenship")
        columns = []
        if before in _OFTEN_EN_MOST and token.norm in _OFTEN and i + 1 < len(tokens):
            start = i + 1
            table = _mention_at(mentions, start)
            if _names_table(table) and not _names_column(table):
                own, start = table, table.end
            columns = _columns_from(mentions, tokens, start)
            if own is not None and not all(_owns(c, own) for c in columns):
                continue
        if columns:  # English: "most common <column> of <table>"
            after, opening = columns[-1].end, i - 1
            rows = _rows_after(mentions, tokens, after)
            words = ["with", "the", _OFTEN_EN_MOST[before]]
        elif before in _OFTEN_EN_MOST and tokens[0].lang == "en":
            # "<column> that is most common among <table>", "… most commonly used in <table>"
            columns = _columns_said_before(mentions, tokens, i - 1)
            if not columns:
                continue
            after = i + 1
            if after < len(tokens) and tokens[after].norm in _USED:
                after += 1
            elif token.norm in _OFTEN_ADVERBS:
                continue  # "most frequently <verb>": what the verb says is not read here
            opening = columns[-1].end
            rows = _rows_after(mentions, tokens, after)
            words = ["with", "the", _OFTEN_EN_MOST[before]]
            columns_end = columns[-1].end
            tail = [*tokens[:columns_end], *(_word(token, w) for w in words)]
            if rows is None and not all(_names_column(c) for c in columns):
                continue  # "the template that is most common": the rows of what?
            rows_tokens = _rows_words(model, tokens, columns, own, rows)
            if rows_tokens is None:
                continue
            rest = tokens[rows.end :] if rows is not None else tokens[after:]
            return [*tail, *rows_tokens, *rest]
        elif before in _MORE_ES | _LESS_ES and i >= 2 and token.norm in _OFTEN:
            # Spanish: "<column> más común de <tabla>"
            columns = _columns_to(mentions, tokens, i - 1)
            if not columns:
                continue
            rows = _rows_after(mentions, tokens, i + 1)
            if rows is None:  # "la lengua más popular en Freedonia": the predominant one
                continue
            after, opening = i + 1, columns[0].start
            words = ["con", "mas" if before in _MORE_ES else "menos"]
        else:
            continue
        rows_tokens = _rows_words(model, tokens, columns, own, rows)
        if rows_tokens is None:
            continue
        rest = tokens[rows.end :] if rows is not None else tokens[after:]
        return [
            *tokens[:opening],
            *tokens[columns[0].start : columns[-1].end],
            *(_word(token, w) for w in words),
            *rows_tokens,
            *rest,
        ]
    return None


def _column_of_rows(
    mentions: list[Mention], tokens: list[lx.Token], said: list[Mention]
) -> tuple[Mention, Mention] | None:
    """(column, rows) when what `_columns_said_before` found is one table said as "<column> of
    (the) <table>" ("the class of races that is most common"); else None."""
    if len(said) != 1 or not _names_table(said[0]) or _names_column(said[0]):
        return None
    k = said[0].start
    while k > 0 and tokens[k - 1].norm in _THE:
        k -= 1
    if k < 2 or tokens[k - 1].norm != "of":
        return None
    column = _mention_ending(mentions, k - 1)
    return (column, said[0]) if _names_column(column) else None


def _columns_said_before(mentions: list[Mention], tokens: list[lx.Token], i: int) -> list:
    """The columns (or the one table) said before "that is"/"which are" ending before token `i`
    ("the position that is most …", "the template type that is most …"); empty if none."""
    end = i
    while end > 0 and tokens[end - 1].norm in _BE:
        end -= 1
    if end == i or end == 0 or tokens[end - 1].norm not in _THAT:
        return []
    end -= 1
    columns = _columns_to(mentions, tokens, end)
    if columns:
        return columns
    table = _mention_ending(mentions, end)
    return [table] if _names_table(table) else []


def _rows_words(model, tokens, columns, own, rows) -> list[lx.Token] | None:  # noqa: ANN001
    """The words of the rows counted per value: the table said after the column when it owns
    the column (or its word names a column of the column's table too: each row's player); the
    table said before it; else, with no table said, the column's own one table, by its label.
    None when the rows cannot be told."""
    if rows is not None:
        if not all(
            _owns(c, rows)
            or _names_column_of(rows, c)
            or _names_table(c)
            or _person_owns(model, c, rows)
            for c in columns
        ):  # a table's rows said before: "the template type … with the most documents"
            return None
        return tokens[rows.start : rows.end]
    if own is not None:
        return tokens[own.start : own.end]
    if not all(_names_column(c) for c in columns):
        return None
    tables = {e.ref[0] for c in columns for e in c.of("column")}
    if len(tables) != 1:
        return None
    (table,) = tables
    label = model.tables[table].label
    like = tokens[columns[0].start]
    words = [_word(like, t.norm) for t in lx.tokenize(label, like.lang) if t.kind == "word"]
    said, _ = scan(model, words)
    if len(said) != 1 or not _names_table(said[0]) or said[0].of("table")[0].ref[0] != table:
        return None
    if said[0].start != 0 or said[0].end != len(words):
        return None
    return words


def _names_column_of(rows: Mention, column: Mention) -> bool:
    """The rows' word also names a column of the column's table ("players" where each season
    row names its player): the rows counted are that table's."""
    tables = {e.ref[0] for e in column.of("column")}
    best = max((e.quality for e in rows.of("table")), default=0)
    return any(e.ref[0] in tables and e.quality >= best for e in rows.of("column"))


def _columns_from(mentions: list[Mention], tokens: list[lx.Token], i: int) -> list[Mention]:
    """The columns listed from token `i` on ("first name and last name"); empty if none."""
    columns: list[Mention] = []
    while _names_column(column := _mention_at(mentions, i)):
        columns.append(column)
        i = column.end
        if i + 1 >= len(tokens) or tokens[i].norm not in lx.AND_WORDS:
            break
        i += 1
    return columns


def _columns_to(mentions: list[Mention], tokens: list[lx.Token], end: int) -> list[Mention]:
    """The columns listed up to token `end` ("first name y last name"), in order."""
    columns: list[Mention] = []
    while _names_column(column := _mention_ending(mentions, end)):
        columns.insert(0, column)
        if column.start < 2 or tokens[column.start - 1].norm not in lx.AND_WORDS:
            break
        end = column.start - 1
    return columns


def _person_owns(model: SemanticModel, column: Mention, rows: Mention) -> bool:
    """The column is one of the person's the named rows stand for ("the most common hometown
    of gymnasts": a gymnast row has no hometown, its person has; `semantic.linked_label`)."""
    people = {
        person[0] for e in rows.of("table") if (person := linked_label(model, e.ref[0])) is not None
    }
    return any(e.ref[0] in people for e in column.of("column"))


def _owns(column: Mention, rows: Mention) -> bool:
    """The column is one of the named table's columns (the mode is counted over its rows)."""
    tables = {e.ref[0] for e in rows.of("table")}
    return any(e.ref[0] in tables for e in column.of("column"))


def _amount_of(model: SemanticModel, tokens: list[lx.Token]) -> list[lx.Token] | None:
    """ "the car with the smallest amount of horsepower": "amount of"/"quantity of" between a
    superlative and a column is no word of its own, unless the catalog names something so.
    Only in the row-with-the-most shape ("with/has the largest amount of"): elsewhere ("the
    largest amount of X for the models") the rows ranked are not said, and it is asked back."""
    at = next(
        (
            i
            for i in range(3, len(tokens) - 2)
            if tokens[i].norm in _AMOUNT
            and tokens[i + 1].norm in _AMOUNT_OF
            and tokens[i - 1].norm in lx.MOST_WORDS | lx.LEAST_WORDS
            and any(t.norm in _HAVING for t in tokens[i - 3 : i - 1])
        ),
        None,
    )
    if at is None:
        return _amount_of_rows(model, tokens)
    mentions, _ = scan(model, tokens)
    if _mention_at(mentions, at) is not None or not _names_column(_mention_at(mentions, at + 2)):
        return _amount_of_rows(model, tokens)
    return [*tokens[:at], *tokens[at + 2 :]]


def _amount_of_rows(model: SemanticModel, tokens: list[lx.Token]) -> list[lx.Token] | None:
    """ "the nation that uses the greatest amount of languages": "amount/quantity of" a table's
    rows after a superlative is "number of" them (a count per row ranked)."""
    at = next(
        (
            i
            for i in range(1, len(tokens) - 2)
            if tokens[i].norm in _AMOUNT
            and tokens[i + 1].norm in _AMOUNT_OF
            and tokens[i - 1].norm in lx.MOST_WORDS | lx.LEAST_WORDS
        ),
        None,
    )
    if at is None or tokens[0].lang != "en":
        return None
    mentions, _ = scan(model, tokens)
    rows = _mention_at(mentions, at + 2)
    if _mention_at(mentions, at) is not None or not _names_table(rows):
        return None
    return [*tokens[:at], _word(tokens[at], "number"), *tokens[at + 1 :]]


def _extreme_of_row(model: SemanticModel, tokens: list[lx.Token]) -> list[lx.Token] | None:
    """ "which model has the minimum horsepower", "the car with the maximum mpg": "maximum" or
    "minimum" after "with/has the" and before a column picks the row with that value (as
    "the lowest horsepower"), not every group's MIN. "What is the maximum mpg of …" is not this
    shape and stays an aggregate."""
    at = [
        i
        for i in range(2, len(tokens) - 1)
        if tokens[i].norm in _EXTREME
        and tokens[i - 1].norm in _ALL_THE
        and tokens[i - 2].norm in _HAVING_THE - _ALL_THE
    ]
    if not at:
        return None
    mentions, _ = scan(model, tokens)
    out = list(tokens)
    changed = False
    for i in at:
        if _names_column(_mention_at(mentions, i + 1)):
            english, spanish = _EXTREME[tokens[i].norm]
            out[i] = _word(tokens[i], spanish if tokens[i].lang == "es" else english)
            changed = True
    return out if changed else None


def _extreme_of_each_group(model: SemanticModel, tokens: list[lx.Token]) -> list[lx.Token] | None:
    """ "the title and highest price for each film", "the lowest price per film", "el mayor
    precio de cada película": an order word right before a measure said "for each" / "per" row
    of a table (or value of a column: "for each location") asks for each group's extreme, the
    aggregate word ("maximum price for each film", which the parser groups), never the one row
    with the extreme. "The film with the highest price for each director" (a row singled out
    by "with/has the") is left alone."""
    at = [
        i
        for i in range(len(tokens) - 2)
        if tokens[i].norm in _EXTREME_OF_EACH
        and not (i >= 2 and tokens[i - 2].norm in _HAVING_THE - _ALL_THE)
        and not (i >= 1 and tokens[i - 1].norm in _HAVING_THE - _ALL_THE)
    ]
    if not at:
        return None
    mentions, _ = scan(model, tokens)
    out = list(tokens)
    changed = False
    for i in at:
        measure = _mention_at(mentions, i + 1)
        if not _names_measure(model, measure):
            continue
        k = measure.end
        each = (
            k + 2 < len(tokens)
            and tokens[k].norm in _FOR_EACH
            and tokens[k + 1].norm in lx.EACH_WORDS
        ) or (k + 1 < len(tokens) and tokens[k].norm in _PER)
        if not each:
            continue
        rows = _mention_at(mentions, k + 1 if tokens[k].norm in _PER else k + 2)
        if rows is None or rows.kind != "schema" or rows.has("value"):
            continue
        if not rows.has("table") and not _names_column(rows):
            continue  # a table's rows or a column's values ("for each location") are grouped
        out[i] = _word(tokens[i], _EXTREME_OF_EACH[tokens[i].norm])
        changed = True
    return out if changed else None


def _names_dates(model: SemanticModel, mention: Mention | None) -> bool:
    """A mention that names date columns and nothing else (no table, value or metric)."""
    if mention is None or mention.kind != "schema" or not mention.has("column"):
        return False
    if any(e.kind != "column" for e in mention.entries):
        return False
    return all(
        (sem := model.column(e.ref[0], e.ref[1])) is not None and sem.kind == "date"
        for e in mention.of("column")
    )


def _time_extreme(model: SemanticModel, tokens: list[lx.Token]) -> list[lx.Token] | None:
    """ "the earliest payment date", "the most recent rental date", "la fecha de alquiler más
    reciente": the minimum or maximum of a date column (what MIN/MAX of a date gives)."""
    mentions, _ = scan(model, tokens)
    for i, token in enumerate(tokens):
        latest: bool | None = None
        skip = 1
        if token.norm in _WHEN_EN and token.lang == "en":
            latest = _WHEN_EN[token.norm]
        elif token.norm == "most" and i + 1 < len(tokens) and tokens[i + 1].norm in _RECENT:
            latest, skip = True, 2
        if latest is not None and _names_dates(model, _mention_at(mentions, i + skip)):
            word = _word(token, "maximum" if latest else "minimum")
            return [*tokens[:i], word, *tokens[i + skip :]]
        if token.norm in _MORE_ES and i + 1 < len(tokens):
            after = tokens[i + 1].norm
            if after in _RECENT | _OLD_ES:
                column = _mention_ending(mentions, i)
                if _names_dates(model, column):
                    word = _word(token, "maxima" if after in _RECENT else "minima")
                    return [
                        *tokens[: column.start],
                        word,
                        *tokens[column.start : i],
                        *tokens[i + 2 :],
                    ]
    return None


def _own_date(model: SemanticModel, table: str) -> str | None:
    """The date a table's rows happen on: its date column named after it ("payment_date" of
    `payment`), else its only date column; None when that is not one column."""
    info = model.tables.get(table)
    if info is None or not info.dates:
        return None
    own = set(tx.identifier_words(table))
    named = [c for c in info.dates if own & set(tx.identifier_words(c))]
    if len(named) == 1:
        return named[0]
    return info.dates[0] if len(info.dates) == 1 else None


def _extreme_table(
    model: SemanticModel, tokens: list[lx.Token], mentions: list[Mention], i: int
) -> tuple[bool, Mention] | None:
    """ "first payment", "earliest payment", "most recent payment", "primer pago", "pago más
    antiguo" from token `i`: (latest?, the table's mention)."""
    token = tokens[i]
    latest: bool | None = None
    skip = 1
    if token.lang == "en" and token.norm in _WHEN_EN:
        latest = _WHEN_EN[token.norm]
    elif token.norm == "most" and i + 1 < len(tokens) and tokens[i + 1].norm in _RECENT:
        latest, skip = True, 2
    elif token.norm in _FIRST_ES | _LAST_ES:
        latest = token.norm in _LAST_ES
    if latest is not None:
        rows = _mention_at(mentions, i + skip)
        if _names_table(rows):
            return latest, rows
        return None
    rows = _mention_at(mentions, i)
    if not _names_table(rows) or rows.end + 1 >= len(tokens):
        return None
    if tokens[rows.end].norm not in _MORE_ES:
        return None
    after = tokens[rows.end + 1].norm
    if after not in _RECENT | _OLD_ES:
        return None
    return after in _RECENT, rows


def _names_table(mention: Mention | None) -> bool:
    return (
        mention is not None
        and mention.kind == "schema"
        and mention.has("table")
        and not mention.has("value")
        and len({e.ref[0] for e in mention.of("table")}) == 1
    )


def _related_extreme_row(model: SemanticModel, tokens: list[lx.Token]) -> list[lx.Token] | None:
    """ "the customer who made the earliest rental", "the member with the latest session", "el
    cliente que hizo el primer alquiler": the row of another table whose related row is the
    first (last) by its own date column, said "with the lowest (highest) <date column>" (the
    planner ranks the related rows by it, `plan_extremes._owner_of_the_row`). Only after "who/that
    <verb>" or "with/has", and with a table before them; "the date of the earliest payment" is
    `_date_of_extreme_row`."""
    mentions, _ = scan(model, tokens)
    for i in range(2, len(tokens)):
        found = _extreme_table(model, tokens, mentions, i) or _extreme_date(
            model, tokens, mentions, i
        )
        if found is None:
            continue
        latest, rows = found
        if _names_dates(model, rows):  # "who made the earliest rental date"
            column = " ".join(tokens[k].text for k in range(rows.start, rows.end))
        else:
            column = _own_date(model, rows.of("table")[0].ref[0])
        if column is None:
            return None
        first = min(i, rows.start)  # "the earliest rental", "el alquiler más antiguo"
        if first == 0 or tokens[first - 1].norm not in _ALL_THE:
            return None
        lead = first - 1
        verbs = 0
        while lead > 0 and tokens[lead - 1].norm not in _WHO | _HAVING_THE and verbs < 2:
            at = _mention_at(mentions, lead - 1)
            if (at is not None and at.kind == "schema") or tokens[lead - 1].kind != "word":
                return None
            lead, verbs = lead - 1, verbs + 1
        said = tokens[lead - 1].norm if lead > 0 else ""
        if not (said in _WHO and verbs) and not (said in _HAVING_THE - _ALL_THE and not verbs):
            return None
        if not any(m.kind == "schema" and m.has("table") and m.end < lead for m in mentions):
            return None
        end = rows.end + 2 if rows.start < i else rows.end  # "más antiguo" after the table
        en = tokens[0].lang == "en"
        order = ("highest" if latest else "lowest") if en else ("mayor" if latest else "menor")
        words = " ".join(tx.identifier_words(column))
        made = lx.tokenize(
            f"with the {order} {words}" if en else f"con la {order} {words}", tokens[0].lang
        )
        return [*tokens[: lead - 1], *made, *tokens[end:]]
    return None


def _extreme_date(
    model: SemanticModel, tokens: list[lx.Token], mentions: list[Mention], i: int
) -> tuple[bool, Mention] | None:
    """ "earliest rental date", "most recent payment date" from token `i` (English): (latest?,
    the date column's mention)."""
    token = tokens[i]
    if token.lang != "en":
        return None
    latest, skip = _WHEN_EN.get(token.norm), 1
    if token.norm == "most" and i + 1 < len(tokens) and tokens[i + 1].norm in _RECENT:
        latest, skip = True, 2
    rows = _mention_at(mentions, i + skip)
    return (latest, rows) if latest is not None and _names_dates(model, rows) else None


def _event_verb(token: lx.Token) -> bool:
    """A participle that ends a "when" question ("… released?", "… printed?", "… aired?"): a
    word the catalog does not name, shaped as an English past participle."""
    word = token.norm
    if token.kind != "word" or token.lang != "en" or not word.isalpha() or len(word) < 4:
        return False
    if word in lx.STOPWORDS or word in lx.FILLER:
        return False
    return word.endswith(("ed", "en")) or tx.verb_lemma(word) is not None


def _event_date(model: SemanticModel, table: str, verb: lx.Token) -> str | None:
    """The date column a "when" verb asks of a table's rows: the one whose name says the verb
    ("aired" -> `air_date`), else the table's only date column; None when that is not one."""
    info = model.tables.get(table)
    dates = list(info.dates) if info is not None else []
    said = _dates_said_by(dates, verb)
    if len(said) == 1:
        return said[0]
    return dates[0] if not said and len(dates) == 1 else None


def _dates_said_by(dates: list[str], verb: lx.Token) -> list[str]:
    """The date columns whose names say the verb ("aired" -> `air_date`)."""
    stems = {tx.stem(verb.norm, "en")}
    lemma = tx.verb_lemma(verb.norm)
    if lemma:
        stems.add(tx.stem(lemma, "en"))
    return [c for c in dates if stems & {tx.stem(w, "en") for w in tx.identifier_words(c)}]


def _date_of_extreme_row(model: SemanticModel, tokens: list[lx.Token]) -> list[lx.Token] | None:
    """ "the date of the earliest payment", "When did the first payment happen?": the minimum
    (maximum) of the table's own date column, said as the parser reads it."""
    words = [t.norm for t in tokens if t.kind == "word"]
    asks_when = bool(words) and words[0] in _WHEN
    if not asks_when and not any(t.norm in _DATE_OF for t in tokens):
        return None
    mentions, _ = scan(model, tokens)
    for i in range(len(tokens)):
        found = _extreme_table(model, tokens, mentions, i)
        if found is None:
            continue
        latest, rows = found
        table = rows.of("table")[0].ref[0]
        column = _own_date(model, table)
        # what comes before the adjective: "the date of the" or "when did the"
        lead = i
        while lead > 0 and tokens[lead - 1].norm in _OF_THE:
            lead -= 1
        if lead > 0 and tokens[lead - 1].norm in _DATE_OF:
            start, rest = lead - 1, tokens[rows.end :]
        elif asks_when and all(t.norm in _WHEN | _WHEN_VERBS | _OF_THE for t in tokens[:i]):
            start = 0
            rest = [t for t in tokens[rows.end :] if t.norm not in _WHEN_VERBS]
            if len(rest) == 1 and _event_verb(rest[0]):
                # "When was the last transcript released?": the date of the row's event
                column = _event_date(model, table, rest[0])
                rest = []
        else:
            return None
        if column is None:
            return None
        if rest and rest[0].norm in _MORE_ES:  # "el pago más antiguo"
            rest = rest[2:]
        en = tokens[0].lang == "en"
        said = " ".join(tx.identifier_words(column))
        agg = ("maximum" if latest else "minimum") if en else ("maxima" if latest else "minima")
        head = f"the {agg} {said} of the" if en else f"la {agg} {said} de"
        made = lx.tokenize(head, tokens[0].lang)
        table_words = tokens[rows.start : rows.end]
        return [*tokens[:start], *made, *table_words, *rest]
    return None


# "the first student to register", "the first film to be released": the verb after "to".
_TO = lx.words("to")
_TO_BE = lx.words("be")
# Said of a table alone they name no order ("the first student": by its key? its date?).
_ORDINAL_ONLY = lx.words("first last") | _FIRST_ES | _LAST_ES


def _first_row_by_date(model: SemanticModel, tokens: list[lx.Token]) -> list[lx.Token] | None:
    """ "the first student to register", "the earliest transcript", "el pedido más reciente":
    the row whose date comes first (last), said "the <table> with the lowest (highest) <date
    column>" as the planner ranks rows. "to <verb>" picks the date column the verb names
    (`date_first_registered`); without a verb only a time word ("earliest", "latest", "most
    recent", "más antiguo") orders by the table's own date: "the first student" names no
    order and is asked back (`offline._first_row_said`)."""
    mentions, _ = scan(model, tokens)
    for i in range(1, len(tokens)):
        found = _extreme_table(model, tokens, mentions, i)
        if found is None:
            continue
        latest, rows = found
        first = min(i, rows.start)
        if first < 1 or tokens[first - 1].norm not in _ALL_THE:
            continue
        table = rows.of("table")[0].ref[0]
        end = rows.end + 2 if rows.start < i else rows.end  # "más reciente" after the table
        verb = end + 1
        if verb < len(tokens) and tokens[verb].norm in _TO_BE:
            verb += 1
        if end < len(tokens) and tokens[end].norm in _TO and verb < len(tokens):
            column = _verb_date(model, table, tokens[verb])
            end = verb + 1
        elif tokens[i].norm in _ORDINAL_ONLY:
            continue
        else:
            column = _own_date(model, table)
        if column is None:
            continue
        en = tokens[0].lang == "en"
        order = ("highest" if latest else "lowest") if en else ("mayor" if latest else "menor")
        words = " ".join(tx.identifier_words(column))
        made = lx.tokenize(
            f"with the {order} {words}" if en else f"con la {order} {words}", tokens[0].lang
        )
        return [*tokens[:first], *tokens[rows.start : rows.end], *made, *tokens[end:]]
    return None


# "the most recently opened track": the adverb of a time extreme before a participle.
_RECENTLY = lx.words("recently")
_LINK_VERB = lx.words("was were is are has have had been")
# "the track that was opened in the most recent year": the extreme said of the year.
_IN_THE = lx.words("in the")
_YEAR = lx.words("year")


def _year_columns(model: SemanticModel, table: str) -> list[str]:
    """The numeric columns of `table` that hold a year (`year_join`, `Year_Opened`)."""
    info = model.tables.get(table)
    return [
        c
        for c in (info.columns if info is not None else ())
        if (sem := model.column(table, c)) is not None
        and sem.kind == "number"
        and "year" in {w.lower() for w in tx.identifier_words(c)}
    ]


def _time_said_by(model: SemanticModel, table: str, verb: lx.Token) -> str | None:
    """The one date (stored as a date) or year column of `table` whose name says the verb
    ("joined" -> `year_join`, "opened" -> `Year_Opened`); None when no column or several say
    it, or a date stored as text."""
    info = model.tables.get(table)
    dates = list(info.dates) if info is not None else []
    said = _dates_said_by([*dates, *_year_columns(model, table)], verb)
    if len(said) != 1:
        return None
    column = model.catalog.table(table).column(said[0]) if said[0] in dates else None
    kind = column.type.upper() if column is not None else ""
    if column is not None and "DATE" not in kind and "TIME" not in kind:
        return None  # a date written as text ("November 14, 2008") does not sort in time
    return said[0]


def _time_extreme_of_verb(model: SemanticModel, tokens: list[lx.Token]) -> list[lx.Token] | None:
    """ "the artist who joined latest", "the track that was opened in the most recent year",
    "the most recently opened track": the row whose date or year column the verb names
    (`_time_said_by`) is the latest (earliest), said "the <table> with the highest (lowest)
    <column>" as the planner ranks rows. "the latest join year" (a year column, a number)
    is its highest. No column the verb names, or several: left alone (asked back)."""
    if tokens[0].lang != "en":
        return None
    mentions, _ = scan(model, tokens)
    n = len(tokens)

    def extreme(i: int) -> tuple[bool, int] | None:  # (latest?, tokens taken) at token i
        if tokens[i].norm in ("latest", "earliest"):
            return tokens[i].norm == "latest", 1
        if tokens[i].norm == "most" and i + 1 < n and tokens[i + 1].norm in _RECENT | _RECENTLY:
            return True, 2
        return None

    def ranked(rows: Mention, column: str, latest: bool) -> list[lx.Token]:
        words = (
            f"with the {'highest' if latest else 'lowest'} {' '.join(tx.identifier_words(column))}"
        )
        return [*tokens[rows.start : rows.end], *lx.tokenize(words, "en")]

    for i in range(n):
        found = extreme(i)
        if found is None:
            continue
        latest, skip = found
        if skip == 2 and tokens[i + 1].norm in _RECENTLY and i + 3 < n:
            # "the most recently opened track"
            rows = _mention_at(mentions, i + 3)
            if _names_table(rows):
                column = _time_said_by(model, rows.of("table")[0].ref[0], tokens[i + 2])
                if column is not None:
                    return [*tokens[:i], *ranked(rows, column, latest), *tokens[rows.end :]]
        after = _mention_at(mentions, i + skip)
        if after is not None and _names_column(after) and not after.has("metric"):
            years = [e for e in after.of("column") if e.ref[1] in _year_columns(model, e.ref[0])]
            if len({e.ref for e in years}) == 1 and len(years) == len(after.of("column")):
                # "the latest join year": the highest, said with the column's own words
                end = after.end + (after.end < n and tokens[after.end].norm in _YEAR)
                word = [
                    _word(tokens[i], "highest" if latest else "lowest"),
                    *_column_words(tokens[i], years[0].ref[1]),
                ]
                lead = i - 1 if i and tokens[i - 1].norm in _THE else i
                k = lead - 1
                if k > 0 and tokens[k].norm in _HAVING and tokens[k - 1].norm in _WHO:
                    # "the artist who has the latest join year": "with the highest join year"
                    said = lx.tokenize("with the", "en")
                    return [*tokens[: k - 1], *said, *word, *tokens[end:]]
                return [*tokens[:i], *word, *tokens[end:]]
        # "the artist who joined latest", "the track that was opened in the most recent year"
        end = i + skip
        if end < n and tokens[end].norm in _YEAR:
            end += 1
        if any(t.kind == "word" for t in tokens[end:]):
            continue
        j = i
        while j > 0 and tokens[j - 1].norm in _IN_THE:
            j -= 1
        verb = j - 1
        k = verb - 1
        while k > 0 and tokens[k].norm in _LINK_VERB:
            k -= 1
        if verb < 2 or tokens[k].norm not in _WHO or tokens[verb].kind != "word":
            continue
        rows = _mention_ending(mentions, k)
        if not _names_table(rows):
            continue
        column = _time_said_by(model, rows.of("table")[0].ref[0], tokens[verb])
        if column is not None:
            return [*tokens[: rows.start], *ranked(rows, column, latest), *tokens[end:]]
    return None


def _verb_date(model: SemanticModel, table: str, verb: lx.Token) -> str | None:
    """The one date column of a table whose name says the verb ("register" ->
    `date_first_registered`); None when no column or several say it."""
    info = model.tables.get(table)
    said = _dates_said_by(list(info.dates) if info is not None else [], verb)
    return said[0] if len(said) == 1 else None


def _size_than_after_column(model: SemanticModel, tokens: list[lx.Token]) -> list[lx.Token] | None:
    """ "whose average life expectancy is longer than 72", "a weight that is heavier than
    3000": a size comparative said of a column (right after it, past "is/are") compares that
    column: "greater/less than". Said of rows ("films longer than 100", "cars that are
    lighter than 3500") it keeps its own reading: the column named *length* or *weight*."""
    if not any(t.norm in _SIZE_THAN_EN for t in tokens):
        return None
    mentions, _ = scan(model, tokens)
    out = list(tokens)
    changed = False
    for i in range(1, len(tokens) - 1):
        if tokens[i].norm not in _SIZE_THAN_EN or tokens[i + 1].norm not in _THAN_EN:
            continue
        end = i - 1 if tokens[i - 1].norm in _COPULA else i
        if _names_measure(model, _mention_ending(mentions, end)):
            out[i] = _word(tokens[i], _SIZE_THAN_EN[tokens[i].norm])
            changed = True
    return out if changed else None


def _how_long_is_column(model: SemanticModel, tokens: list[lx.Token]) -> list[lx.Token] | None:
    """ "How long is the people's average life expectancy in Central Africa?": "how long/tall/
    heavy is" before a column (past articles, a possessive and an aggregate word) asks for
    that column: "what is …". Before anything else ("how long is the film X") it stays."""
    at = next(
        (
            i
            for i in range(len(tokens) - 3)
            if tokens[i].norm in _HOW
            and tokens[i + 1].norm in _HOW_SIZE
            and tokens[i + 2].norm in _COPULA
        ),
        None,
    )
    if at is None:
        return None
    mentions, _ = scan(model, tokens)
    after = next(
        (
            m
            for m in mentions
            if m.start >= at + 3
            and m.kind == "schema"
            and not all(t.norm in _WHOSE for t in tokens[m.start : m.end])
        ),
        None,
    )
    if after is None or not _names_column(after):
        return None
    between = [t for t in tokens[at + 3 : after.start] if t.kind != "symbol"]
    if any(t.norm not in _BEFORE_COLUMN | _WHOSE for t in between):
        return None
    return [
        *tokens[:at],
        _word(tokens[at], "what"),
        tokens[at + 2],
        *(t for t in between if t.norm not in _WHOSE),
        *tokens[after.start :],
    ]


# Between "how long is" and the column: articles and an aggregate word; "the people's" only
# says whose the column is (a word a catalog may give to a population column).
_BEFORE_COLUMN = lx.words("the a an its their average mean typical")
_WHOSE = lx.words("people persons")


# --- graded adjectives of an attribute (branch `h-adjs`) ------------------------------------------

# The endings of English comparatives and superlatives ("older", "youngest").
_GRADED = ("er", "est")
# Which end of its attribute's scale an adjective is at (WordNet gives the attribute, not the
# direction): True for the high end ("older" is more age, "younger" less).
_POLE = {
    **dict.fromkeys(lx.words("old heavy long large big tall wide deep fast"), True),
    **dict.fromkeys(lx.words("young light short small little narrow shallow slow"), False),
}
# Graded words the engine already reads another way: order words ("largest", "higher"), size
# words before a column (`_SIZE_EN`), and the fixed comparatives of `lexicon.DIMENSION_ADJECTIVES`
# ("heavier than" -> "weight above"), which stay where they are.
_READ_ELSEWHERE = (
    lx.MOST_WORDS
    | lx.LEAST_WORDS
    | frozenset(_SIZE_EN)
    | frozenset(_SIZE_THAN_EN)
    | frozenset(_WHEN_EN)
    | frozenset(phrase[0] for phrase in lx.REWRITES)
    | frozenset(phrase.split()[0] for phrase in lx.CMP_PHRASES)
)
# A size superlative before a row whose measure the word does not settle: "the shortest
# person" is the lowest height, "the shortest boat" the lowest length; a row with both
# columns (or neither) is asked back (`_ranking` finds one column or none). Before a column
# ("the shortest life expectancy") it stays `_SIZE_EN`'s order word.
_SIZE_OF_ROW = {"shortest": (False, ("length", "height"))}
_FROM = lx.words("from")
_PER_GROUP = lx.EACH_WORDS | lx.words("per")
_AVERAGE = lx.words("average mean")
_TO = lx.words("to")
_THE = lx.words("the")


def _graded(token: lx.Token, ending: str | None = None) -> tuple[bool, tuple[str, ...]] | None:
    """(high end?, the attribute's nouns) of an English comparative or superlative that
    measures an attribute WordNet names ("older" -> (True, ("age",))); None for any other word,
    and for the graded words read elsewhere."""
    word = token.norm
    if token.lang == "en" and token.kind == "word" and word in _SIZE_OF_ROW and ending != "er":
        return _SIZE_OF_ROW[word]
    if token.lang != "en" or token.kind != "word" or word in _READ_ELSEWHERE:
        return None
    if not word.endswith(ending or _GRADED):
        return None
    found = tx.adjective_attributes(word)
    if found is None or found[0] not in _POLE:
        return None
    return _POLE[found[0]], found[1]


def _attribute_columns(
    model: SemanticModel, tables: set[str], nouns: tuple[str, ...]
) -> list[tuple[str, str]]:
    """The numeric columns of `tables` whose name says one of the attribute's nouns ("Age" for
    age, "weight_kg" for weight)."""
    said = {tx.stem(n, "en") for n in nouns if " " not in n}
    found = []
    for table in sorted(tables):
        info = model.tables.get(table)
        for column in info.columns if info is not None else ():
            sem = model.column(table, column)
            if sem is None or sem.kind != "number":
                continue
            if said & {tx.stem(w, "en") for w in tx.identifier_words(column)}:
                found.append((table, column))
    return found


def _graded_after_copula(
    model: SemanticModel, tokens: list[lx.Token], mentions: list[Mention], i: int
) -> list[lx.Token] | None:
    """ "Which singer is the oldest?" -> "Which singer has the highest age?": the superlative
    ends the question, after "<table> is the"."""
    rest = [t for t in tokens[i + 1 :] if t.kind != "symbol"]
    if rest or i < 3 or tokens[i - 1].norm not in _THE or tokens[i - 2].norm not in _COPULA:
        return None
    rows = _mention_ending(mentions, i - 2)
    if not _names_table(rows):
        return None
    ranking = _ranking(model, rows.of("table")[0].ref[0], *_graded(tokens[i], "est"))
    if ranking is None:
        return None
    column, high = ranking
    order = "highest" if high else "lowest"
    said = [_word(tokens[i], w) for w in ("has", "the", order)]
    return [*tokens[: i - 2], *said, *_column_words(tokens[i], column), *tokens[i + 1 :]]


def _ranking(
    model: SemanticModel, table: str, high: bool, nouns: tuple[str, ...]
) -> tuple[str, bool] | None:
    """(the column, highest first?) a superlative of an attribute orders `table`'s rows by: the
    one numeric column the attribute names, or for age the one birth date (backwards)."""
    columns = [c for _t, c in _attribute_columns(model, {table}, nouns)]
    if not columns and _AGE in nouns and _birth_dates(model, table):
        # "the youngest member" of a table that keeps birth dates: the latest one
        columns, high = _birth_dates(model, table), not high
    person = linked_label(model, table)
    if not columns and person is not None:
        # "the youngest gymnast": a row with no name of its own is ranked by a column of the
        # person it stands for (the parser joins it, as for "the tallest gymnast")
        return _ranking(model, person[0], high, nouns)
    return (columns[0], high) if len(columns) == 1 else None


_AGE = "age"
# The words of a date column that holds when a row's person (or thing) was born.
_BIRTH = frozenset({"birth", "born", "dob", "birthday", "birthdate"})


def _birth_dates(model: SemanticModel, table: str) -> list[str]:
    """The date columns of `table` named as birth dates ("birth_date", "date_of_birth")."""
    info = model.tables.get(table)
    return [
        c for c in (info.dates if info is not None else ()) if _BIRTH & set(tx.identifier_words(c))
    ]


def _column_words(like: lx.Token, column: str) -> list[lx.Token]:
    return [_word(like, w) for w in tx.identifier_words(column)]


def _graded_before_table(model: SemanticModel, tokens: list[lx.Token]) -> list[lx.Token] | None:
    """ "the youngest singer" -> "the lowest age singer": a superlative of an attribute right
    before a table orders its rows by the one numeric column of that table the attribute
    names. No such column, or two, and the word is left (asked back)."""
    at = [i for i, t in enumerate(tokens) if _graded(t, "est") is not None]
    if not at:
        return None
    if any(t.norm in _PER_GROUP for t in tokens):
        return None  # "the youngest singer in each country": an extreme per group, not read
    mentions, _ = scan(model, tokens)
    for i in at:
        said = _graded_after_copula(model, tokens, mentions, i)
        if said is not None:
            return said
        rows = _mention_at(mentions, i + 1)
        if not _names_table(rows):
            continue
        table = rows.of("table")[0].ref[0]
        ranking = _ranking(model, table, *_graded(tokens[i], "est"))
        if ranking is None:
            continue
        column, high = ranking
        order = _word(tokens[i], "highest" if high else "lowest")
        ranked = [order, *_column_words(tokens[i], column)]
        shown = any(
            m.end <= i and _names_column(m) and any(e.ref[0] == table for e in m.of("column"))
            for m in mentions
        )
        if shown:  # "the name of the youngest singer": what to show of the row is said
            return [*tokens[:i], *ranked, *tokens[i + 1 :]]
        # "who is the youngest singer": the row itself, named by its label
        said = [_word(tokens[i], "with"), _word(tokens[i], "the"), *ranked]
        return [*tokens[:i], *tokens[rows.start : rows.end], *said, *tokens[rows.end :]]
    return None


def _graded_than(model: SemanticModel, tokens: list[lx.Token]) -> list[lx.Token] | None:
    """ "singers who are older than 30", "older than average" -> "age above 30/average": a
    comparative of an attribute before "than" compares the one numeric column the attribute
    names, of the nearest table said before it (or of the whole schema when none is said)."""
    at = [
        i
        for i in range(1, len(tokens) - 1)
        if tokens[i + 1].norm in _THAN_EN and _graded(tokens[i], "er") is not None
    ]
    if not at:
        return None
    mentions, _ = scan(model, tokens)
    for i in at:
        if not _plain_than(tokens, i + 2):
            continue
        high, nouns = _graded(tokens[i], "er")
        before = [m for m in mentions if m.end <= i and _names_table(m)]
        if before and _two_sets(tokens, mentions, before[-1]):
            continue
        tables = {before[-1].of("table")[0].ref[0]} if before else set(model.tables)
        columns = _attribute_columns(model, tables, nouns)
        if len(columns) != 1:
            continue
        way = _word(tokens[i], "above" if high else "below")
        said = _column_words(tokens[i], columns[0][1])
        return [*tokens[:i], *said, way, *tokens[i + 2 :]]
    return None


_AND_OR = lx.words("and or")
# The comparison phrases by their first word, the longest first ("no more than" before "no").
_CMP_BY_FIRST: dict[str, tuple[tuple[str, ...], ...]] = {}
for _phrase in sorted(lx.CMP_PHRASES, key=len, reverse=True):
    _words = tuple(_phrase.split())
    _CMP_BY_FIRST[_words[0]] = (*_CMP_BY_FIRST.get(_words[0], ()), _words)


def _two_sets(tokens: list[lx.Token], mentions: list[Mention], rows: Mention) -> bool:
    """The table `rows` names is said again across "and"/"or" ("drivers from Hartford and
    drivers older than 40", "a singer above age 40 and a singer below 30"): two sets of rows,
    which the AND of both conditions on one row does not answer."""
    table = rows.of("table")[0].ref[0]
    for other in mentions:
        if other is rows or not _names_table(other) or other.of("table")[0].ref[0] != table:
            continue
        low, high = sorted((other.end, rows.end))
        if any(t.norm in _AND_OR for t in tokens[low:high]):
            return True
    return False


def _plain_than(tokens: list[lx.Token], i: int) -> bool:
    """What follows "than" from token `i` is a number or the whole column's average ("than 30",
    "than (the) average (age)"), not an average over other rows ("than the average age of
    French singers": the parser would keep the French singers, not average them)."""
    rest = [t for t in tokens[i:] if t.kind != "symbol"]
    if rest and rest[0].kind == "number":
        return True
    while rest and rest[0].norm in _THE:
        rest = rest[1:]
    if not rest or rest[0].norm not in _AVERAGE:
        return False
    return not any(t.norm in _OF_ROWS or t.norm in _WHO for t in rest[1:])


def _graded_order(model: SemanticModel, tokens: list[lx.Token]) -> list[lx.Token] | None:
    """ "ordered by age from the oldest to the youngest" -> "ordered by age descending": two
    superlatives of one attribute at its two ends, after "from" and "to", say the direction of
    the order (the column is said by "by")."""
    for i in range(len(tokens) - 3):
        if tokens[i].norm not in _FROM:
            continue
        k = i + 1 + (tokens[i + 1].norm in _THE)
        first = _graded(tokens[k], "est") if k < len(tokens) else None
        if first is None or k + 2 >= len(tokens) or tokens[k + 1].norm not in _TO:
            continue
        j = k + 2 + (tokens[k + 2].norm in _THE)
        last = _graded(tokens[j], "est") if j < len(tokens) else None
        if last is None or last[1] != first[1] or last[0] == first[0]:
            continue
        if not any(t.norm in lx.ORDER_WORDS or t.norm in ("order", "by") for t in tokens[:i]):
            continue
        way = _word(tokens[i], "descending" if first[0] else "ascending")
        return [*tokens[:i], way, *tokens[j + 1 :]]
    return None


def _comparison_before_column(
    model: SemanticModel, tokens: list[lx.Token]
) -> list[lx.Token] | None:
    """ "singers above age 20", "employees under age 30" -> "singers age above 20": a comparison
    said before a numeric column and its number compares that column (the parser reads the
    column before the comparison)."""
    mentions = None
    for i in range(len(tokens) - 2):
        phrase = next(
            (
                p
                for p in _CMP_BY_FIRST.get(tokens[i].norm, ())
                if tuple(t.norm for t in tokens[i : i + len(p)]) == p
            ),
            None,
        )
        if phrase is None:
            continue
        end = i + len(phrase)
        if mentions is None:
            mentions, _ = scan(model, tokens)
        column = _mention_at(mentions, end)
        if column is None or not _names_measure(model, column) or column.end >= len(tokens):
            continue
        if tokens[column.end].kind != "number":
            continue
        # "employees under age 30" -> "employees with age under 30": the rows that have it
        rows = _mention_ending(mentions, i)
        if any(_names_table(m) and _two_sets(tokens, mentions, m) for m in mentions):
            return None
        said = [_word(tokens[i], "with")] if _names_table(rows) else []
        moved = [*said, *tokens[end : column.end], *tokens[i:end]]
        return [*tokens[:i], *moved, *tokens[column.end :]]
    return None
