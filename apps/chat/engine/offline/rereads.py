"""Other readings of the words, each tried before the scan reads them again: the
word rewrites of `_WORD_REWRITES` (in order; "every" as "all", "kinds of X", a verb before
"each", counts as ranges or orders, …) and the single rewrites of `_read` ("where" as a place,
"both" columns, the rows of a table, what we sell, pay verbs)."""

from __future__ import annotations

from dataclasses import replace

from datachat import text as tx

from . import lexicon as lx
from .labels import row_pronouns
from .literals import code_word_before_value
from .parser_schema import every_column_asked
from .relations import only_one
from .rowsets import _BOTH, _HAVE, _RELATIVE
from .scan import mentions_by_token, scan
from .semantic import EXACT, SemanticModel
from .superlatives import read_superlatives
from .synonyms import demonym_values
from .units import measure_verbs, units_said
from .verbs import (
    column_verbs,
    existence_verbs,
    frequency_verbs,
    link_verbs,
    predominant_rows,
    year_of_verb,
)


def _every_as_all(model, tokens, mentions, unmapped):  # noqa: ANN001, ANN202
    """ "the names of *every* course with …", "the name of every singer who …": "every" that
    no grouping phrase read ("for every", "than every") is "all", as "of all courses" is."""
    if not any(lx.fold(w) in lx.EVERY_WORDS for w in unmapped):
        return None
    out = [
        replace(t, text="all", norm="all", key=lx.word_key("all", t.lang))
        if t.norm in lx.EVERY_WORDS and t.text in unmapped
        else t
        for t in tokens
    ]
    return out


def _kinds_of_column(model, tokens, mentions, unmapped):  # noqa: ANN001, ANN202
    """ "How many types of governments are in Africa?", "¿Cuántos tipos de gobierno hay?",
    "the most common type of Status": a kind word no schema name explains, before "of
    <column>", names the column's values: after a count it counts the different ones ("how many
    different governments"), elsewhere it is the column ("the most common Status"). Before a
    table ("how many kinds of films"), or with a value of that column said too ("the most
    common type of status across towns": the values or a filter?), it is left unknown."""
    at = mentions_by_token(mentions)
    for i in range(len(tokens) - 2):
        if tokens[i].norm not in lx.KIND_NOUNS or tokens[i].text not in unmapped or i in at:
            continue
        if tokens[i + 1].norm not in ("of", "de"):
            continue
        j = i + 2
        said_distinct = tokens[j].norm in lx.DISTINCT_WORDS
        noun = at.get(j + 1 if said_distinct else j)
        if noun is None or noun.kind != "schema" or not noun.has("column") or noun.has("table"):
            continue
        columns = {e.ref[:2] for e in noun.of("column")}
        if any(e.ref[:2] in columns for m in mentions for e in m.of("value")):
            continue  # "the most common type of Status across towns" (a Status value): asked
        counted = i in at or (at.get(i - 1) is not None and at[i - 1].kind == "count")
        if not counted or said_distinct:  # the superlatives are read again ("most common")
            return read_superlatives(model, [*tokens[:i], *tokens[j:]])
        different = "distintos" if tokens[i].lang == "es" else "different"
        word = replace(
            tokens[i], text=different, norm=different, key=lx.word_key(different, tokens[i].lang)
        )
        return [*tokens[:i], word, *tokens[j:]]
    return None


def _amount_of_column(model, tokens, mentions, unmapped):  # noqa: ANN001, ANN202
    """ "ordered by the amount of money requested", "the 3 largest amounts of assets", "the
    companies with the top 3 asset amounts": an amount word no schema name explains, before
    "of <column>" or right after a column, says only the quantity that numeric column holds,
    so it is dropped ("the money requested", "the top 3 asset"). A score, value or figure
    word does so right after the column only ("the snatch score", "the total score"). Beside
    a table or a text column ("the amount of orders", "the name amount") it stays unknown
    and is asked back."""
    at = mentions_by_token(mentions)
    # "the snatch score and the clean jerk score": a measure noun after each column, all dropped
    after = [
        i
        for i, token in enumerate(tokens)
        if token.norm in lx.MEASURE_NOUNS - lx.AMOUNT_NOUNS
        and token.text in unmapped
        and i not in at
        and i > 0
        and _numeric_column_at(model, at.get(i - 1), None)
    ]
    if after:
        return [t for i, t in enumerate(tokens) if i not in after]
    for i, token in enumerate(tokens):
        if token.norm not in lx.AMOUNT_NOUNS or token.text not in unmapped or i in at:
            continue
        if i + 1 < len(tokens) and tokens[i + 1].norm == "of":
            j = i + 3 if i + 2 < len(tokens) and tokens[i + 2].norm == "the" else i + 2
            if _numeric_column_at(model, at.get(j), j):
                return [*tokens[:i], *tokens[j:]]
        if i > 0 and _numeric_column_at(model, at.get(i - 1), None):
            return [*tokens[:i], *tokens[i + 1 :]]
    return None


def _word_inside_column(model, tokens, mentions, unmapped):  # noqa: ANN001, ANN202
    """ "the average number of years spent working", "the years spent working on a bus": a
    participle no schema name explains, between the words of one column's name
    (`Years_Working`), only says more of what the column holds, so it is dropped (a noun, "the
    time section of the day", may say another thing: asked back). Only when the words on either
    side, read together, are exactly that column's name (of two words or more) and nothing
    else."""
    at = mentions_by_token(mentions)
    for i in range(1, len(tokens) - 1):
        if tokens[i].text not in unmapped or i in at or not _participle(tokens[i]):
            continue
        rest = [*tokens[:i], *tokens[i + 1 :]]
        joined = [
            m
            for m in scan(model, rest)[0]
            if m.kind == "schema" and m.start < i <= m.end - 1 and m.end - m.start >= 2
        ]
        if len(joined) != 1 or not joined[0].entries:
            continue
        entries = joined[0].entries
        one_column = len({e.ref for e in entries}) == 1 and entries[0].kind == "column"
        if one_column and any(e.quality == EXACT for e in entries):
            return rest
    return None


def _participle(token: lx.Token) -> bool:
    """Whether an English word is a past participle ("spent", "worked"): a word that only says
    more of a column. A noun ("the time section of the day") may say another thing."""
    word = token.norm
    if token.lang != "en" or not word.isalpha():
        return False
    return tx.verb_lemma(word) is not None or (word.endswith("ed") and tx.english_word(word))


def _numeric_column_at(model, mention, start: int | None) -> bool:  # noqa: ANN001
    """A mention (beginning at `start`, when given) that names numeric columns and no table."""
    if mention is None or mention.kind != "schema" or mention.has("table"):
        return False
    if start is not None and mention.start != start:
        return False
    columns = [model.column(*e.ref[:2]) for e in mention.of("column")]
    return bool(columns) and all(c is not None and c.kind == "number" for c in columns)


def _verb_before_each(model, tokens, mentions, unmapped):  # noqa: ANN001, ANN202
    """ "…, and how many documents use each type?", "¿cuántos documentos usan cada tipo?": a
    verb no catalog name reads, between the rows a count counts and an each-word, says only
    that the rows belong to each: "how many documents for each type". A pronoun ("how many
    channels use it") is not an each-word (one group only), and "how many stations does each
    one operate" is left as it is (what "each one" is, said before, is not always what is
    grouped)."""
    if not unmapped:
        return None
    for n, m in enumerate(mentions[:-1]):
        rows = mentions[n + 1]
        if m.kind != "count" or rows.kind != "schema" or not rows.has("table"):
            continue
        if rows.start != m.end:
            continue
        i = rows.end
        if i + 1 >= len(tokens) or tokens[i].text not in unmapped:
            continue
        if tokens[i + 1].norm not in lx.EACH_WORDS:
            continue
        each = next((x for x in mentions if x.start == i + 2), None)
        if each is None or each.kind != "schema":
            continue
        said = {
            tx.stem(t.norm, t.lang)
            for x in mentions[:n]
            if x.kind == "schema"
            for t in tokens[x.start : x.end]
        }
        again = tx.stem(tokens[i + 2].norm, tokens[i + 2].lang) in said
        if not each.has("table") and not again:
            continue  # "each title", a column: `relations._each_column_after` reads the verb
        word = "para" if tokens[i].lang == "es" else "for"
        return [*tokens[:i], _as_word(tokens[i], word), *tokens[i + 1 :]]
    return None


def _as_word(token: lx.Token, word: str) -> lx.Token:
    return replace(token, text=word, norm=word, key=lx.word_key(word, token.lang))


_OF_FOR = lx.words("of for de del para")
# The kinds a plain listing of columns is said with ("What are the names and capitals of ...").
_LISTING_KINDS = frozenset({"list", "schema", "conj"})


def _each_as_all(model, tokens, mentions, _unmapped):  # noqa: ANN001, ANN202
    """ "What are the names and capitals *of each* country?", "Show name and capacity *for
    each* cinema.", "los nombres y las capitales de cada país": "each" before the table whose
    own columns are listed, ending the question, with nothing to measure (no aggregate, count,
    rank or condition said), is "all": one row per row of that table, not a group of them."""
    groups = [n for n, m in enumerate(mentions) if m.kind == "group"]
    if len(groups) != 1:
        return None
    g = groups[0]
    each = mentions[g]
    if lx.fold(each.text) not in lx.EACH_WORDS or g + 1 != len(mentions) - 1 or g < 1:
        return None
    if each.start < 1 or tokens[each.start - 1].norm not in _OF_FOR:
        return None
    rows = mentions[g + 1]
    if rows.kind != "schema" or any(t.kind == "word" for t in tokens[rows.end :]):
        return None
    tables = {e.ref[0] for e in rows.of("table")}
    if len(tables) != 1 or rows.has("value") or rows.has("metric"):
        return None
    table = next(iter(tables))
    listed = [m for m in mentions[:g] if m.kind == "schema"]
    if not listed or any(m.kind not in _LISTING_KINDS for m in mentions[:g]):
        return None
    if (
        len(listed) < 2
        and not listed[0].plural
        and any(metric.table == table for metric in model.metrics.values())
    ):
        return None  # "the theme of each competition": "of all" would reach a layer's count
    own = [m for m in listed if any(e.ref[0] == table for e in m.of("column"))]
    named = [m for m in listed if lx.fold(m.text) in lx.LABEL_NAME_WORDS]  # what a row is called
    if not own or any(m.has("value") or m.has("metric") for m in listed):
        return None
    if any(m not in own and m not in named for m in listed):
        return None
    word = "todos" if tokens[each.start].lang == "es" else "all"
    return [
        replace(t, text=word, norm=word, key=lx.word_key(word, t.lang)) if n == each.start else t
        for n, t in enumerate(tokens)
    ]


# Rewrites of words the catalog does not name into words it does, in this order; each takes
# (model, tokens, mentions, unmapped) and returns the new tokens or None.
_WORD_REWRITES = (
    _every_as_all,  # "of every course" -> "of all course"
    _kinds_of_column,  # "how many types of governments" -> "how many different governments"
    _amount_of_column,  # "by the amount of money requested" -> "by the money requested"
    _word_inside_column,  # "the years spent working" -> "the years working" (`Years_Working`)
    year_of_verb,  # "sorted by the year they joined" -> "sorted by the year join"
    _verb_before_each,  # "how many documents use each type" -> "… documents for each type"
    _each_as_all,  # "the names and capitals of each country" -> "… of all country"
    # "documents that have between one and two paragraphs", "with 1 to 2 paragraphs" ->
    # "with at least 1 paragraphs and at most 2 paragraphs"
    lambda model, tokens, mentions, _unmapped: _count_range(tokens, mentions),
    # "used in more than a single document" -> "more than one document"
    lambda model, tokens, mentions, _unmapped: _a_single(tokens, mentions),
    # "the record formats of orchestras in ascending order of count" -> "the number of
    # orchestras by record formats in ascending order"
    lambda model, tokens, mentions, _unmapped: _ordered_by_count(model, tokens, mentions),
    column_verbs,  # "cars weighing more than 3000": the verb is the weight column
    existence_verbs,  # "how many transcripts are released?" -> "… are there?"
    link_verbs,  # "journalists who have not reported any event": the link table's join
    row_pronouns,  # "List his or her first name": the one table of people the question names
    measure_verbs,  # "how many people live in X", "how much area do they cover"
    units_said,  # "longer than 100 minutes": the length column is in minutes
    # "the number of car models": not "number of car" + "models"
    lambda model, tokens, mentions, _unmapped: _count_of_compound(model, tokens, mentions),
    predominant_rows,  # "the language predominantly spoken in X": the top row by its measure
    frequency_verbs,  # "the film rented most often" -> "the film with the most rental"
    # "spoken by only one country" -> "spoken by exactly 1 country"
    lambda _model, tokens, _mentions, unmapped: only_one(tokens, unmapped),
    code_word_before_value,  # "templates with the code PP" -> "… the template type code PP"
    demonym_values,  # "French singers" -> "France singers": the value the adjective pertains to
    # "shops selling less than 3000 products" -> "shops with less than 3000 products"
    lambda model, tokens, mentions, unmapped: _verb_before_own_column(
        model, tokens, mentions, unmapped
    ),
)

_TRADE_KINDS = frozenset({"sold", "sell", "buy"})


def _verb_before_own_column(
    model: SemanticModel, tokens: list[lx.Token], mentions: list, unmapped: list[str]
) -> list[lx.Token] | None:
    """ "shops selling less than 3000 products", "tiendas que venden más de 3000 productos": one
    verb between a table and a comparison of a number with a numeric column of that same table
    (its `Number_products`) says only that the rows have that much: read as "with". A verb before
    another table's column, or more than one word, is left as it was."""
    for k in range(len(mentions) - 4):
        table, verb, cmp, number, column = mentions[k : k + 5]
        if table.kind != "schema" or not table.has("table") or table.has("value"):
            continue
        if (cmp.kind, number.kind, column.kind) != ("cmp", "number", "schema"):
            continue
        said = verb.kind in _TRADE_KINDS or (verb.kind == "schema" and verb.text in unmapped)
        if not said or verb.end - verb.start != 1 or verb.start != table.end:
            continue
        if cmp.start != verb.end or column.start != number.end:
            continue
        mine = {e.ref[0] for e in table.of("table")}
        own = [
            e.ref
            for e in column.of("column")
            if e.ref[0] in mine and (c := model.column(*e.ref)) is not None and c.kind == "number"
        ]
        if len(own) != 1 or column.has("table") or column.has("value"):
            continue
        first = tokens[verb.start]
        word = "con" if first.lang == "es" else "with"
        said_with = replace(first, text=word, norm=word, key=lx.word_key(word, first.lang))
        return [*tokens[: verb.start], said_with, *tokens[verb.end :]]
    return None


def _about_each(tokens: list[lx.Token]) -> list[lx.Token]:
    """ "Show all information about each body builder", "toda la información de cada
    culturista": every column of every row, not a count per row: the "each" is dropped."""
    if not every_column_asked(tokens):
        return tokens
    return [t for t in tokens if t.norm not in lx.EACH_WORDS]


_PLACE_COLUMNS = ("region", "ciudad", "city", "zona", "zone", "pais", "country")
# "where is X", "¿dónde está X?": the verb after "where" that asks for a place
_WHERE_BE = lx.words("is are was were esta estan estaba estaban queda quedan")
_WHERE_SE = lx.words("encuentra encuentran ubica ubican situa situan halla hallan")
# the participle (or preposition) that closes the question: "located", "ubicado", "from"
_WHERE_END = lx.words(
    """
    located situated based found from ubicado ubicada ubicados ubicadas situado situada
    situados situadas localizado localizada localizados localizadas
    """
)
# the words a place column is called by
_PLACE_WORDS = lx.words(
    """
    location locations place address city town country region site venue hometown
    lugar ubicacion localizacion direccion ciudad pais sitio sede localidad region
    """
)


def _where_located(
    model: SemanticModel, tokens: list[lx.Token], mentions: list
) -> list[lx.Token] | None:
    """ "Where is the cinema Codling located?", "where are the cinemas with capacity above
    300?", "¿Dónde está el cine Codling?", "¿dónde se encuentran los cines …?": the place of
    the rows asked about is their table's one place column (called location, place, address,
    city, country, …; lugar, ubicación, dirección, ciudad, país, …): read as "show the
    location of the cinema Codling". A table with no such column or with several is left as
    it was (the question is then asked back, or read without the place)."""
    if len(tokens) < 3 or tokens[0].norm not in ("where", "donde"):
        return None
    at = 2 if tokens[1].norm in _WHERE_BE else None
    if tokens[1].norm == "se" and tokens[2].norm in _WHERE_SE:
        at = 3
    if at is None or at >= len(tokens):  # "¿dónde se encuentra?" names nothing
        return None
    if tokens[at].norm in _WHERE_END:  # "¿dónde está ubicado el museo …?"
        at += 1
    subject = next((m for m in mentions if m.start >= at and m.kind == "schema"), None)
    if subject is None or subject.has("metric"):
        return None
    best = max(e.quality for e in subject.entries)
    tables = {e.ref[0] for e in subject.entries if e.quality == best and e.kind != "column"}
    if len(tables) != 1:
        return None
    table = tables.pop()
    info = model.tables.get(table)
    places = [
        c for c in (info.columns if info else ()) if set(tx.identifier_words(c)) & _PLACE_WORDS
    ]
    if len(places) != 1 or places[0] in info.key:
        return None  # no place column, or several ("city" and "country"): not said which
    refs = [
        fk.ref_table
        for fk in model.catalog.foreign_keys
        if fk.table == table and fk.column == places[0]
    ]
    # a key of a table of places (a store's `address_id`): that table's rows, by its name
    place = refs[0] if refs else places[0]
    lang = tokens[0].lang
    seed = tokens[0]
    # a listing ("show the location of …"): "the location of the museums" alone reads as a
    # count of the museums by location
    show = ("muestra",) if lang == "es" else ("show", "the")
    words = [*show, *tx.identifier_words(place), "de" if lang == "es" else "of"]
    said = [replace(seed, text=w, norm=w, key=lx.word_key(w, lang)) for w in words]
    rest = list(tokens[at:])
    if rest and rest[-1].norm in _WHERE_END:
        rest = rest[:-1]
    return [*said, *rest]


def _where_as_place(
    model: SemanticModel, tokens: list[lx.Token], mentions: list
) -> list[lx.Token] | None:
    """ "¿Dónde vendimos más en 2024?", "where did we sell the most Laptop Pro?": "where" with a
    superlative asks for the place (the fact table's region column) that ranks first, not for
    the largest single sale."""
    words = [i for i, t in enumerate(tokens[:3]) if t.norm in ("donde", "where")]
    kinds = {m.kind for m in mentions}
    if not words or not kinds & {"most", "least"} or kinds & {"group", "schema_word"}:
        return None
    fact = model.tables.get(model.fact)
    place = next(
        (
            c
            for name in _PLACE_COLUMNS
            for c in (fact.columns if fact else ())
            if lx.fold(c) == name
        ),
        None,
    )
    if place is None:
        return None
    at = words[0]
    where = replace(tokens[at], norm=place, key=lx.word_key(place, tokens[at].lang))
    return [*tokens[:at], where, *tokens[at + 1 :]]


def _both_columns(tokens: list[lx.Token], mentions: list) -> list[lx.Token] | None:
    """ "List both title and id", "indica tanto el nombre como…" aside, "both" right before a
    column (no value) and "and" is the list of columns to show: the word is dropped. Before
    values ("both Laptop Pro and Monitor") it keeps its meaning (a row for each value)."""
    for i, token in enumerate(tokens[:-2]):
        if token.norm not in _BOTH:
            continue
        at = i + 1
        while at < len(tokens) - 1 and tokens[at].norm in _COLUMN_ARTICLES:
            at += 1  # "show both the name and the id"
        said = next((m for m in mentions if m.start == at), None)
        if said is None or said.kind != "schema" or not said.has("column") or said.has("value"):
            return None
        if said.end >= len(tokens) or tokens[said.end].norm not in lx.AND_WORDS:
            return None
        return [*tokens[:i], *tokens[i + 1 :]]
    return None


def _rows_of_a_table(tokens: list[lx.Token], mentions: list) -> list[lx.Token] | None:
    """The tokens "<count word> <table>" when the question only asks how many rows a table
    has ("¿cuántas filas tiene la tabla clientes?", "how many records are in ventas?"); the
    row word would otherwise leave "tiene la tabla clientes" to be read as a listing."""
    if not any(t.norm in lx.ROW_WORDS for t in tokens):
        return None
    kinds = {m.kind for m in mentions}
    if "count" not in kinds or kinds - {"count", "with", "schema_word", "schema", "exist"}:
        return None
    schema = [m for m in mentions if m.kind == "schema"]
    if len(schema) != 1 or not schema[0].has("table") or schema[0].has("value"):
        return None
    count = next(m for m in mentions if m.kind == "count")
    return tokens[count.start : count.end] + tokens[schema[0].start : schema[0].end]


_COLUMN_ARTICLES = lx.words("the el la los las")


_COUNT_CLAUSE = (("with", "cmp", "number"), ("exist", "cmp", "number"))


def _count_clause_first(tokens: list[lx.Token], mentions: list) -> list[lx.Token] | None:
    """ "students who have a grade higher than 5 and have at least 2 friends", "alumnos con
    una nota mayor que 5 y con al menos 2 amigos": two conditions of the same rows joined by
    "and", the second a count of related rows. The count clause is said first ("students who
    have at least 2 friends and have a grade higher than 5"), the order `_entities_with_count`
    reads; the condition it moved after the "and" stays a condition of the rows."""
    kinds = [m.kind for m in mentions]
    found = [
        k
        for k in range(2, len(mentions) - 3)
        if tuple(kinds[k : k + 3]) in _COUNT_CLAUSE
        and kinds[k - 1] == "conj"
        and tokens[mentions[k - 1].start].norm in lx.AND_WORDS
        and mentions[k + 3].kind == "schema"
        and mentions[k + 3].has("table")
    ]
    if len(found) != 1 or kinds.count("cmp") > 2:
        return None
    k = found[0]
    conj = mentions[k - 1]
    # the rows the two conditions are said of, then the clause's own opener: "who have", "with"
    e = next((n for n in range(k - 1) if kinds[n] == "schema" and mentions[n].has("table")), None)
    if e is None or kinds[e + 1] not in ("with", "exist", "list"):
        return None
    if kinds[e + 1] == "list" and tokens[mentions[e + 1].start].norm not in _RELATIVE:
        return None
    opener = mentions[e + 1].end if kinds[e + 1] == "list" else mentions[e + 1].start
    if kinds[e + 1] == "list" and kinds[e + 2] == "exist":  # "who have …"
        opener = mentions[e + 2].start
    if tokens[mentions[k].start].norm != tokens[opener].norm:
        return None  # "… and have at least 2 friends" after "who have": the same opener
    end = mentions[k + 3].end
    if any(m.kind != "schema" and m.start >= end for m in mentions):
        return None  # only the two clauses: nothing said after the count
    return [
        *tokens[:opener],
        *tokens[mentions[k].start : end],
        tokens[conj.start],
        *tokens[opener : conj.start],
        *tokens[end:],
    ]


_A_SINGLE = ("than", "a", "single")


def _a_single(tokens: list[lx.Token], mentions: list) -> list[lx.Token] | None:  # noqa: ARG001
    """ "more than a single document": "a single" after "more/fewer than" is the number one."""
    for at in range(1, len(tokens) - 3):
        if tuple(t.norm for t in tokens[at : at + 3]) != _A_SINGLE:
            continue
        one = replace(tokens[at + 2], text="one", norm="one", key=lx.word_key("one", "en"))
        return [*tokens[: at + 1], one, *tokens[at + 3 :]]
    return None


_BETWEEN = lx.words("between entre")


def _count_range(tokens: list[lx.Token], mentions: list) -> list[lx.Token] | None:
    """ "documents that have between one and two paragraphs", "the document with 1 to 2
    paragraphs": a range of a count of rows, said right after "with"/"have" and right before a
    table's word, is the two bounds of the count: "with at least 1 paragraphs and at most 2
    paragraphs" (one HAVING per bound). A range before a column ("ages between 20 and 30") is
    left to the value rules."""
    said = [m for m in mentions if m.kind != "conj"]  # "between one and two"
    for k in range(1, len(said) - 2):
        low, high, rows = said[k], said[k + 1], said[k + 2]
        if low.kind != "number" or high.kind != "number" or rows.kind != "schema":
            continue
        if not rows.has("table") or rows.has("value") or rows.start != high.end:
            continue
        between = tokens[low.start - 1].norm in _BETWEEN if low.start else False
        joint = [t.norm for t in tokens[low.end : high.start]]
        if not (between and joint in (["and"], ["y"]) or not between and joint in (["to"], ["a"])):
            continue
        opening = low.start - 1 if between else low.start
        before = [m for m in mentions if m.end <= opening]
        said_with = bool(before) and before[-1].kind in ("with", "exist")
        if not (
            said_with and before[-1].end == opening or opening and tokens[opening - 1].norm in _HAVE
        ):
            continue  # "with"/"have"/"has" right before the range
        es = tokens[0].lang == "es"
        first = tokens[low.start]

        def word(w: str, first: lx.Token = first) -> lx.Token:
            return replace(first, text=w, norm=w, key=lx.word_key(w, first.lang))

        counted = tokens[rows.start : rows.end]
        least = ["al", "menos"] if es else ["at", "least"]
        most = ["como", "mucho"] if es else ["at", "most"]
        return [
            *tokens[:opening],
            *map(word, least),
            *tokens[low.start : low.end],
            *counted,
            word("y" if es else "and"),
            *map(word, most),
            *tokens[high.start : high.end],
            *tokens[rows.start :],
        ]
    return None


# A count said bare as the sort key: "in ascending order of count", "sorted by their frequency".
_BARE_COUNT = lx.words("count frequency")
_ORDER_OF = lx.words("of by the their its")


def _ordered_by_count(
    model: SemanticModel, tokens: list[lx.Token], mentions: list
) -> list[lx.Token] | None:
    """ "Show the record formats of orchestras in ascending order of count", "the major record
    formats of orchestras, sorted by their frequency": the listed column's values sorted by how
    many rows hold each, read as "the number of orchestras by record formats in ascending
    order". Only when the question ends with the bare count word after an order word, lists
    one column (of the table said after it, or of its one table) and nothing else."""
    end = len(tokens)
    while end and tokens[end - 1].kind != "word":
        end -= 1
    if not end or tokens[end - 1].norm not in _BARE_COUNT or tokens[0].lang != "en":
        return None
    order = [m for m in mentions if m.kind in ("order", "dir") and m.end < end]
    k = order[-1].end if order else end
    if (
        not order
        or any(t.norm not in _ORDER_OF for t in tokens[k : end - 1])
        or any(m.start >= k for m in mentions if m.kind not in ("count", "group"))
    ):
        return None
    schema = [m for m in mentions if m.kind == "schema"]
    if not schema or schema[0].has("value") or schema[0].has("table") or len(schema) > 2:
        return None
    column = schema[0]
    tables = {e.ref[0] for e in column.of("column")}
    rows = None
    if len(schema) == 2:
        rows = schema[1]
        gap = tokens[column.end : rows.start]
        if [t.norm for t in gap] != ["of"] or rows.has("value") or not rows.has("table"):
            return None
        tables &= {e.ref[0] for e in rows.of("table")}
    if len(tables) != 1 or any(
        m.kind not in ("schema", "order", "dir", "count", "list", "group") for m in mentions
    ):
        return None
    first = tokens[column.start]

    def word(w: str) -> lx.Token:
        return replace(first, text=w, norm=w, key=lx.word_key(w, first.lang))

    if rows is not None:
        counted = tokens[rows.start : rows.end]
    else:
        (table,) = tables
        counted = [word(t.norm) for t in lx.tokenize(model.tables[table].label, "en")]
        said, _unmapped = scan(model, counted)
        if len(said) != 1 or {e.ref[0] for e in said[0].of("table")} != tables:
            return None
    return [
        *tokens[: column.start],
        word("number"),
        word("of"),
        *counted,
        word("by"),
        *tokens[column.start : column.end],
        *tokens[order[-1].start : order[-1].end],
        # "sorted by count" with no direction: ascending, as a sort is
        *([] if any(m.kind == "dir" for m in order) else [word("ascending")]),
    ]


def _count_of_compound(
    model: SemanticModel, tokens: list[lx.Token], mentions: list
) -> list[lx.Token] | None:
    """ "the number of car models": a count metric's phrase ("number of cars") that swallowed the
    first word of a table's own phrase ("car models") right after it is a count of that table:
    read as "how many car models". Only when the words from the metric's last one on are one
    catalog phrase naming exactly that table, and the metric counts another table."""
    for k, metric in enumerate(mentions[:-1]):
        head = mentions[k + 1]
        if metric.kind != "schema" or head.kind != "schema" or head.start != metric.end:
            continue
        keys = [e.ref[0] for e in metric.entries if e.kind == "metric"]
        if len(keys) != len(metric.entries) or len(keys) != 1 or metric.end - metric.start < 2:
            continue
        counted = _counted_rows_table(model, keys[0])
        tables = {e.ref[0] for e in head.of("table")}
        if counted is None or len(tables) != 1 or counted in tables:
            continue
        joined = tokens[metric.end - 1 : head.end]
        found, _unmapped = scan(model, joined)
        if len(found) != 1 or found[0].kind != "schema" or found[0].end != len(joined):
            continue
        if {e.ref[0] for e in found[0].of("table")} != tables or found[0].has("metric"):
            continue
        first = tokens[metric.start]
        words = ("cuantos",) if first.lang == "es" else ("how", "many")
        said = [replace(first, text=w, norm=w, key=lx.word_key(w, first.lang)) for w in words]
        return [*tokens[: metric.start], *said, *joined, *tokens[head.end :]]
    return None


def _counted_rows_table(model: SemanticModel, key: str) -> str | None:
    metric = model.metrics.get(key)
    if metric is not None and metric.agg in ("count", "countd"):
        return metric.table
    return None


_WHICH = lx.words("que what which cuales")
_WE = lx.words("do does we you nosotros")
_OFFER_VERBS = lx.SELL_VERBS | lx.words(
    "ofrecemos ofrece ofrecen offer offers tenemos tienen have has manejamos carry carries"
)


def _what_we_sell(tokens: list[lx.Token], mentions: list) -> list[lx.Token] | None:
    """The tokens without the verb when the question asks which rows of a table there are
    through what the business does with them ("¿Qué productos vendemos?", "what products do we
    sell?"): a list of products, not the revenue the sell verb would otherwise measure."""
    words = [t.norm for t in tokens if t.kind != "symbol"]
    if len(words) < 3 or words[0] not in _WHICH or words[-1] not in _OFFER_VERBS:
        return None
    schema = [m for m in mentions if m.kind == "schema"]
    if len(schema) != 1 or not schema[0].has("table") or schema[0].has("value"):
        return None
    allowed = {schema[0].start + n for n in range(schema[0].end - schema[0].start)}
    keep = []
    for n, t in enumerate(tokens):
        if t.kind == "symbol":
            continue
        if n in allowed or t.norm in _WHICH or t.norm in lx.FILLER:
            keep.append(t)
        elif t.norm not in _WE and t.norm not in _OFFER_VERBS:
            return None  # anything else ("más", a period, a value) keeps the verb's meaning
    return keep


def _read_pay_verbs(model: SemanticModel, tokens: list[lx.Token], mentions: list) -> list[lx.Token]:
    """A pay verb ("cobra", "gana", "earn", "paid") names the pay column (salario) when the
    question is about the people paid ("¿cuánto cobra cada gerente?", "how much do employees
    earn?"); otherwise it keeps its ordinary reading ("¿qué producto gana más?" still asks,
    "how much did we earn?" is revenue)."""
    if not any(t.norm in lx.PAY_VERBS for t in tokens):
        return tokens
    pay = {
        table: column
        for (table, column), sem in model.columns.items()
        if lx.fold(column) in lx.PAY_COLUMNS and sem.kind == "number"
    }
    about = {e.ref[0] for m in mentions if m.kind == "schema" for e in m.entries} & set(pay)
    if len(about) != 1:
        return tokens
    column = lx.fold(pay[about.pop()])
    return [
        replace(t, norm=column, key=lx.word_key(column, t.lang)) if t.norm in lx.PAY_VERBS else t
        for t in tokens
    ]
