"""Turn a question's tokens into mentions: catalog phrases, time expressions and grammar words.

At each position the longest reading wins; ties between a catalog phrase and a grammar word go
to the catalog when the catalog match is a name or synonym (a column called `total` beats the
soft "total"), and to the grammar otherwise. Words that are neither, nor stopwords, are
returned as unmapped: the parser refuses to guess past them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from datachat import text as tx

from . import lexicon as lx
from .lexicon import Token
from .semantic import EXACT, GLOSS, PARTIAL, SYNONYM, Entry, SemanticModel, grammar_word
from .timeparse import TimeSpan, scan_time


@dataclass(frozen=True)
class Mention:
    kind: str  # "schema", "time", a grammar kind (see _MARKERS), "number" or "conj"
    start: int  # first token
    end: int  # one past the last token
    text: str  # as written
    entries: tuple[Entry, ...] = ()
    time: TimeSpan | None = None
    value: object = None
    plural: bool = False

    def has(self, kind: str) -> bool:
        return any(e.kind == kind for e in self.entries)

    def of(self, kind: str) -> tuple[Entry, ...]:
        return tuple(e for e in self.entries if e.kind == kind)


def _marker_table() -> dict[tuple[str, ...], tuple[str, object]]:
    table: dict[tuple[str, ...], tuple[str, object]] = {}

    def put(words: str, kind: str, value: object = None) -> None:
        table.setdefault(tuple(words.split()), (kind, value))

    for phrase, op in lx.CMP_PHRASES.items():
        put(phrase, "cmp", op)
    for phrase in lx.ORDER_PHRASES:
        put(phrase, "order")
    for phrase in lx.ASC_PHRASES:
        put(phrase, "dir", "asc")
    for phrase in lx.DESC_PHRASES:
        put(phrase, "dir", "desc")
    for phrase in lx.REVERSE_ALPHA_PHRASES:
        put(phrase, "dir", "alpha_desc")
    for phrase in lx.ALPHA_PHRASES:
        put(phrase, "dir", "alpha")
    for phrase, op in lx.AVERAGE_CMP.items():
        put(phrase, "cmpavg", op)
    for phrase in lx.NEG_PHRASES:
        put(phrase, "neg")
    for phrase in lx.COMPARE_PHRASES:
        put(phrase, "compare")
    for phrase in lx.TREND_PHRASES:
        put(phrase, "trend")
    for phrase in lx.GROUP_PHRASES:
        put(phrase, "group")
    for phrase in lx.COUNT_PHRASES:
        put(phrase, "count")
    for phrase in lx.FORECAST_PHRASES:
        put(phrase, "forecast")
    for phrase in lx.WHY_PHRASES:
        put(phrase, "why")
    for phrase in lx.MEANING_PHRASES:
        put(phrase, "meaning")
    for phrase in lx.VALUES_PHRASES:
        put(phrase, "values")
    for phrase in lx.JOIN_PHRASES:
        put(phrase, "join")
    for phrase in lx.COVERAGE_PHRASES:
        put(phrase, "coverage")
    for phrase in ("por ejemplo", "for example", "for instance", "such as", "como por ejemplo"):
        put(phrase, "example")  # "por ejemplo el sueldo": not a group-by
    for phrase in ("base de datos", "database", "db", "bd", "esquema", "schema"):
        put(phrase, "database")
    for phrase in ("incluye", "incluyen", "include", "includes", "incluido", "included"):
        put(phrase, "includes")
    for phrase in ("metrica", "metricas", "metric", "metrics", "kpi", "kpis", "indicadores"):
        put(phrase, "metrics_word")
    for phrase in ("how much", "cuanto", "cuanta"):
        put(phrase, "howmuch")
    for phrase in ("por ciento", "percent", "por cien", "pct"):
        put(phrase, "percent")
    singles = (
        (lx.GROUP_WORDS, "group"),
        (lx.COUNT_WORDS, "count"),
        (lx.DISTINCT_WORDS, "distinct"),
        (lx.ORDER_WORDS, "order"),
        (lx.WITH_WORDS, "with"),
        (lx.WITHOUT_WORDS, "without"),
        (lx.NEG_WORDS, "neg"),
        (lx.COMPARE_WORDS, "compare"),
        (lx.TREND_WORDS, "trend"),
        (lx.LIST_WORDS, "list"),
        (lx.EXIST_WORDS, "exist"),
        (lx.SOLD_WORDS, "sold"),
        (lx.SELL_VERBS, "sell"),
        (lx.BUY_VERBS, "buy"),
        (lx.FORECAST_WORDS, "forecast"),
        (lx.SCHEMA_WORDS, "schema_word"),
        (lx.INFO_WORDS, "info"),
        (lx.ADD_WORDS, "add"),
        (lx.PRICE_VERBS, "price_verb"),
        (lx.SHARE_WORDS, "share"),
    )
    for words, kind in singles:
        for word in words:
            put(word, kind)
    for word, fn in lx.AGG_WORDS.items():
        put(word, "agg", fn)
    for word in lx.TOP_WORDS:
        put(word, "rank", "desc")
    for word in lx.BOTTOM_WORDS:
        put(word, "rank", "asc")
    for phrase, concept in lx.CONCEPT_PHRASES.items():
        put(phrase, "concept", concept)
    for phrase in lx.MOST_PHRASES:
        put(phrase, "most")
    for phrase in lx.LEAST_PHRASES:
        put(phrase, "least")
    for word in lx.MOST_WORDS:
        put(word, "most")
    for word in lx.LEAST_WORDS:
        put(word, "least")
    for word in ("y", "and", "e", "o", "or", "u"):
        put(word, "conj")
    return table


MARKERS = _marker_table()
_MAX_MARKER = max(len(k) for k in MARKERS)
# Grammar words that need a number right after them to mean anything.
_NEEDS_NUMBER = frozenset({"cmp"})


# Verb words: after an article they are nouns that fold to the same letters.
_VERBS = frozenset({"sell", "buy"})
_ARTICLES = lx.words("el la los las del al un una unos unas the a an")
_COMPOUND_BREAKERS = lx.words("el la los las del al")


# "al menos un fabricante", "más de una ciudad": the article after a comparison is the number 1.
_ONE_ARTICLES = lx.words("un una uno")


def _one_article(tokens: list[Token], i: int) -> bool:
    """ "un"/"una" standing for 1, not an article before a number ("más de un 10%")."""
    if i >= len(tokens) or tokens[i].norm not in _ONE_ARTICLES:
        return False
    return i + 1 == len(tokens) or not _next_is_number(tokens, i + 1)


def _next_is_number(tokens: list[Token], i: int) -> bool:
    if _one_article(tokens, i):
        return True
    while i < len(tokens) and (tokens[i].norm in lx.FILLER or tokens[i].norm in ("$", "€")):
        i += 1
    return i < len(tokens) and (
        tokens[i].kind == "number"
        or (tokens[i].norm in lx.NUMBER_WORDS and tokens[i].norm not in lx.STOPWORDS)
    )


def _order_noun(tokens: list[Token], i: int, marker: tuple | None) -> bool:
    """Whether an order word that a column's name also glosses is that column: with no "by"
    after it nothing is ordered ("el número de clasificaciones distintas", "con clasificación
    R" are the film's `rating`; "la clasificación de las películas por duración" orders)."""
    if marker is None or marker[1] != "order":
        return False
    return not any(t.norm in lx.GROUP_WORDS for t in tokens[i + marker[0] :])


def _marker_at(tokens: list[Token], i: int) -> tuple[int, str, object] | None:
    for n in range(min(_MAX_MARKER, len(tokens) - i), 0, -1):
        words = tuple(t.norm for t in tokens[i : i + n])
        found = MARKERS.get(words)
        if found is None:
            continue
        kind, value = found
        if kind in _NEEDS_NUMBER and not _next_is_number(tokens, i + n):
            if n > 1:  # "mayor que la población media": a comparison, never "the most"
                return n, "unread", None
            continue
        if kind in _VERBS and i and tokens[i - 1].norm in _ARTICLES:
            continue  # "del género" is a noun, not "generó" (accents are folded away)
        return n, kind, value
    if tokens[i].norm.startswith(lx.TREND_PREFIXES):
        return 1, "trend", None
    if tokens[i].norm.startswith(lx.GROWTH_PREFIXES):
        return 1, "growth", None
    return None


def _schema_at(model: SemanticModel, tokens: list[Token], i: int) -> tuple[int, tuple[Entry, ...]]:
    """Longest catalog phrase starting at token i: (tokens used, entries) or (0, ())."""
    if tokens[i].norm in lx.FILLER or tokens[i].kind == "symbol":
        return 0, ()
    keys: list[str] = []
    ends: list[int] = []
    j = i
    while j < len(tokens) and len(keys) < model.max_phrase:
        tok = tokens[j]
        j += 1
        if tok.norm in lx.FILLER or tok.kind == "symbol":
            continue
        keys.append(tok.key)
        ends.append(j)
    lang = tokens[i].lang
    glued, glued_entries = glued_name_at(model, tokens, i)
    for n in range(len(keys), 0, -1):
        if glued and ends[n - 1] - i < glued:
            return glued, glued_entries
        entries = model.lookup(" ".join(keys[:n]), lang)
        if n == 1:
            entries = _name_gloss(model, tokens[i]) or entries
        if entries and n == 1 and tokens[i].norm in lx.STOPWORDS and _only_partial(entries):
            # A filler word is not one word of a longer name by its stem alone: Snowball gives
            # "listado" the stem of "lista" (in `precio_lista`), but "listado de clientes" asks
            # for a list.
            continue
        if entries and n == 1 and _stem_of_another_gloss(model, tokens[i], entries):
            continue
        if entries and n > 1 and _article_inside(tokens, i, ends[n - 1], entries):
            continue
        if entries and n > 1 and _participle(model, tokens[ends[n - 1] - 1], entries):
            # "the ship named 'Lettice'": a participle ends no name of several words (`ship
            # name`); its words are read one by one ("ship", then "named" before its value)
            continue
        if entries:
            return ends[n - 1] - i, entries
    if glued:
        return glued, glued_entries
    partial = model.lookup(f"~{keys[0]}", lang) if keys else None
    if partial:
        return 1, partial
    return 0, ()


def _glued_names(model: SemanticModel) -> dict[str, tuple[str, tuple[Entry, ...]]]:
    """The tables and columns whose name is one word that English writes as two or more
    (`Highschooler`, `Playlist`), none a WordNet noun: folded singular name -> (name, entries)."""
    cached = _GLUED.get(id(model))
    if cached is not None and cached[0] is model:
        return cached[1]
    out: dict[str, tuple[str, tuple[Entry, ...]]] = {}
    names = [(t, (t,)) for t in model.tables] + [(c, (t, c)) for t, c in model.columns]
    for name, ref in names:
        words = tx.identifier_words(name)
        if len(words) != 1 or not words[0].isalpha() or len(words[0]) < 7:
            continue
        word = tx.singular(words[0], "en")
        if tx.noun_known(word):
            continue
        kind = "table" if len(ref) == 1 else "column"
        found = model.lookup(lx.word_key(word, "en"), "en") or ()
        entries = tuple(e for e in found if e.kind == kind and e.ref == ref)
        if entries:
            old = out.get(word)
            out[word] = (name, (old[1] if old else ()) + entries)
    if len(_GLUED) > 16:
        _GLUED.clear()
    _GLUED[id(model)] = (model, out)
    return out


_GLUED: dict[int, tuple[SemanticModel, dict]] = {}
_AGENT_ENDING = "er"  # "high schooler": one who is at a high school


def glued_name_at(
    model: SemanticModel, tokens: list[Token], i: int
) -> tuple[int, tuple[Entry, ...]]:
    """A table or column whose one-word name the question writes apart: (tokens, entries).

    "high schoolers" is `Highschooler` (the words glued give the name); and when the name is
    an agent noun in "-er" ("highschooler"), the words of the rest followed by a noun of people
    say it too ("high school students"). Only names WordNet does not know as one word, so an
    ordinary word ("classroom") is never read out of two ("class room" is said so anyway)."""
    if tokens[i].lang != "en":
        return 0, ()
    glued = _glued_names(model)
    if not glued:
        return 0, ()
    words: list[str] = []
    for j in range(i, min(i + 3, len(tokens))):
        tok = tokens[j]
        if tok.kind != "word" or not tok.norm.isalpha() or tok.norm in lx.FILLER:
            break
        words.append(tok.norm)
    for n in range(len(words), 1, -1):
        found = glued.get(tx.singular("".join(words[:n]), "en"))
        if found is not None:
            return n, found[1]
    for n in range(len(words) - 1, 1, -1):
        found = glued.get("".join(words[:n]) + _AGENT_ENDING)
        if found is not None and tx.person_noun(words[n]):
            return n + 1, found[1]
    people = _people_table(model)
    if (
        words
        and people is not None
        and words[0] not in _PRONOUNS
        and words[0] not in lx.STOPWORDS
        and not tx.stopword(words[0])
        and _marker_at(tokens, i) is None  # "have", "more": grammar, not the rare noun
        and not (i and tokens[i - 1].norm in _EACH)  # groups of inferred rows: asked back
        and tx.person_noun(words[0])
    ):
        return 1, people
    return 0, ()


# "each student": groups named by an inferred table are asked back (which of their columns
# labels a group is a guess)
_EACH = lx.words("each every per")
# Pronouns WordNet files under person ("liked by someone else" is another row, not the table)
_PRONOUNS = lx.words("someone somebody anyone anybody everyone everybody nobody")


def _people_table(model: SemanticModel) -> tuple[Entry, ...] | None:
    """The table entries of a database's one table of people when that table's name is an
    agent noun glued from other words (`Highschooler`): what kind of person its rows are, no
    dictionary says, so any noun of people the catalog does not know ("students") is said of
    it. Only when no other table with a name column is named by a noun of people (`singer`,
    `employee`): two tables of people and the noun could mean either."""
    glued = [
        (name, entries)
        for word, (name, entries) in _glued_names(model).items()
        if word.endswith(_AGENT_ENDING)
        and all(e.kind == "table" for e in entries)
        and (info := model.tables.get(name)) is not None
        and info.named
        and info.display  # rows with names, as people's are
    ]
    if len(glued) != 1:
        return None
    ((own, entries),) = glued
    others = [
        t
        for t, info in model.tables.items()
        if t != own
        and info.named
        and info.display
        and (words := tx.identifier_words(t))
        and tx.person_noun(words[-1])
    ]
    return None if others else entries


_RANKED = frozenset({"most", "least", "cmp"})


def _measured_part(mentions: list[Mention], entries: tuple[Entry, ...], i: int) -> bool:
    """One word of a longer value right after a superlative or a comparative ("the fewest
    people", "more people": 'People's Republic') names what is ranked or compared, a measure,
    never that value: read so, it becomes a filter nobody asked for. The word is then unknown
    (asked back) unless the catalog names it otherwise."""
    return (
        bool(entries)
        and bool(mentions)
        and mentions[-1].kind in _RANKED
        and mentions[-1].end == i
        and all(e.kind == "value" for e in entries)
        and _only_partial(entries)
    )


def _stem_of_another_gloss(model: SemanticModel, token: Token, entries: tuple[Entry, ...]) -> bool:
    """A filler word or an English verb form that shares only its stem with another word's
    translation: "valor" (a value, filler as "value" is) has the stem of "valoración", the gloss
    of `rating`; "rented" has the stem of "rent", a gloss of "alquiler" (a rental)."""
    verb_form = (
        token.lang == "en"
        and token.norm.endswith(("ed", "ing"))
        and all(e.kind == "table" for e in entries)  # "shipped" may still say `ShipCountry`
    )
    if not (token.norm in lx.STOPWORDS or verb_form) or any(e.quality > GLOSS for e in entries):
        return False
    made_from = model.surfaces.get(token.lang, {}).get(token.key, token.norm)
    return made_from != token.norm


_POLITE = lx.words("please por favor")


def _opening(tokens: list[Token], i: int) -> bool:
    """Whether token i opens the question (after "please" at most): where a command is said."""
    return all(t.norm in _POLITE for t in tokens[:i])


_AGENT = {"en": ("by", ("ed",)), "es": ("por", ("ado", "ada", "ados", "adas", "ido", "ida"))}


def _count_of_its_table(
    model: SemanticModel,
    tokens: list[Token],
    i: int,
    n: int,
    marker: tuple | None,
    entries: tuple[Entry, ...],
) -> bool:
    """A steward's plain COUNT(*) metric said as its count word and its table's word ("number
    of players" for `COUNT(*) FROM player`) is read as those two words: the count of the rows
    the word names, as without the metric. The metric's phrase would hide every other
    meaning of the word (the `player` column of the seasons table, the rows a link table
    counts) and the engine would answer, or ask, less well than the schema alone does."""
    if not n or marker is None or marker[1] != "count" or marker[0] >= n:
        return False
    if not entries or any(e.kind != "metric" for e in entries):
        return False
    metrics = [model.metrics.get(e.ref[0]) for e in entries]
    if any(m is None or m.agg != "count" or m.column is not None or m.filtered for m in metrics):
        return False
    rest, rest_entries = _schema_at(model, tokens, i + marker[0])
    if i + marker[0] + rest != i + n:
        return False  # the rest of the phrase is not one name of its own
    return any(e.kind == "table" and e.ref[0] in {m.table for m in metrics} for e in rest_entries)


_NAMED = lx.words("named called titled llamado llamada llamados llamadas titulado titulada")


def _participle(model: SemanticModel, tok: Token, entries: tuple[Entry, ...]) -> bool:
    """ "named", "called", "llamado" (a verb before the name it gives) that would end a
    steward's synonym of several words (`ship name`): it shares only its stem with the name."""
    if tok.norm not in _NAMED or any(e.quality > SYNONYM for e in entries):
        return False
    return model.surfaces.get(tok.lang, {}).get(tok.key, tok.norm) != tok.norm


def _participle_before_agent(model: SemanticModel, tokens: list[Token], i: int) -> bool:
    """A past participle right before its agent ("shared by", "compartido por") is the verb of
    a passive, not the catalog name it shares only a stem with (`share`): a name said as
    itself ("the share by region") is kept."""
    tok = tokens[i]
    agent, endings = _AGENT.get(tok.lang, ("", ()))
    if i + 1 >= len(tokens) or tokens[i + 1].norm != agent or not tok.norm.endswith(endings):
        return False
    made_from = model.surfaces.get(tok.lang, {}).get(tok.key, tok.norm)
    return made_from != tok.norm


_RELATIVE = lx.words("who that which whom quien quienes que")
_AUXILIARY = lx.words("do does did")


def _verb_of_a_clause(tokens: list[Token], i: int, entries: tuple[Entry, ...]) -> bool:
    """A word that is only part of a column's name ("play" of `years_played`) said as the verb
    of a clause: right after "who"/"that"/"que" ("players who play for X") or after "did" and
    its subject ("how many years did each play"). It is the verb (unknown: a relation or asked
    back), not the column."""
    if not entries or not _only_partial(entries) or any(e.kind != "column" for e in entries):
        return False
    if any(t.kind == "number" for t in tokens[i + 1 : i + 4]):
        return False  # "stations that opened after 2000": the verb says the column compared
    before = [t.norm for t in tokens[max(0, i - 3) : i]]
    if before and before[-1] in _RELATIVE:
        return True
    return any(w in _AUXILIARY for w in before[-3:-1])


def _only_weak_values(tokens: list[Token], i: int, n: int, entries: tuple[Entry, ...]) -> bool:
    """Whether a stretch is only a lower-case name of hundreds, which needs evidence to be one."""
    said = " ".join(t.text for t in tokens[i : i + n])
    return bool(entries) and said.islower() and all(e.kind == "value" and e.weak for e in entries)


def _name_gloss(model: SemanticModel, token: Token) -> tuple[Entry, ...]:
    """The values a Spanish dictionary name translates to ("chino" -> 'Chinese', not 'China'
    that shares its stem), when the data holds them (lexicon.NAME_GLOSS)."""
    if token.lang != "es" or token.norm not in lx.NAME_GLOSS or grammar_word(token.key, "es"):
        return ()
    found: list[Entry] = []
    for english in lx.NAME_GLOSS[token.norm]:
        entries = model.lookup(lx.phrase_key(english, "en"), "en") or ()
        found += [
            Entry("value", e.ref, GLOSS)  # the dictionary is the evidence a capital would be
            for e in entries
            if e.kind == "value" and lx.fold(e.ref[2]) == english
        ]
    return tuple(found)


def country_acronym(tokens: list[Token], i: int) -> bool:
    """Whether the token is a country's acronym that is also a grammar word, written in
    capitals ("US", "U.S.A."), in a question that is not written in capitals throughout
    ("TELL US …" says nothing)."""
    token = tokens[i]
    letters = "".join(ch for ch in token.text if ch.isalpha())
    if token.norm not in lx.ACRONYM_GLOSS or len(letters) < 2 or not letters.isupper():
        return False
    return any(t.text != t.text.upper() for t in tokens if any(ch.isalpha() for ch in t.text))


def _value_starts_here(model: SemanticModel, tokens: list[Token], i: int) -> bool:
    """Whether the words after token i are a value that starts with it ("US Territory", whose
    key leaves the grammar word "us" out)."""
    if i + 1 >= len(tokens):
        return False
    _, after = _schema_at(model, tokens, i + 1)
    start = tokens[i].norm + " "
    return any(e.kind == "value" and lx.fold(str(e.ref[2])).startswith(start) for e in after)


def _acronym_gloss(model: SemanticModel, tokens: list[Token], i: int) -> tuple[Entry, ...]:
    """ "people from the US", "made in the U.S.A.": a country's acronym written in capitals that
    is also a grammar word ("us") is the country: the values its name and acronyms take in the
    data (lexicon.ACRONYM_GLOSS). Not when the next words are a value starting with it ("US
    Territory", whose key leaves the grammar word out)."""
    if not country_acronym(tokens, i) or _value_starts_here(model, tokens, i):
        return ()
    token = tokens[i]
    names = lx.NAME_GLOSS.get(lx.ACRONYM_GLOSS[token.norm], ())
    found: list[Entry] = []
    for english in names:
        entries = model.lookup(lx.phrase_key(english, "en"), "en") or ()
        found += [
            Entry("value", e.ref, GLOSS)
            for e in entries
            if e.kind == "value" and lx.fold(str(e.ref[2])) == english
        ]
    return tuple(dict.fromkeys(found))


def _article_inside(tokens: list[Token], i: int, end: int, entries: tuple[Entry, ...]) -> bool:
    """A name translated word by word is a bare compound ("código de país" for `CountryCode`):
    with an article inside ("el código de los países") the words are a column of a table."""
    if any(e.quality > GLOSS or e.kind not in ("column", "table") for e in entries):
        return False  # a value keeps its articles: "América del Norte"
    return any(t.norm in _COMPOUND_BREAKERS for t in tokens[i + 1 : end])


def _without_partial_columns(entries: tuple[Entry, ...], said: str) -> tuple[Entry, ...]:
    """A word that is a column's whole name as written ("rating(s)", `Rating`) is that column, not
    also the columns of its table it is one word of (`18_49_Rating_Share`): those would be read
    as a second column. A word that only shares a stem with a name ("rate", `rating`) keeps
    them (`rental_rate`), and so do other tables' columns (`ShipCountry` for "countries")."""
    whole = lx.fold(said).replace(" ", "_")
    exact = {
        e.ref[0]
        for e in entries
        if e.kind == "column"
        and e.quality == EXACT
        and whole in {(name := lx.fold(str(e.ref[1]))), f"{name}s", f"{name}es"}
    }
    return tuple(
        e
        for e in entries
        if not (e.kind == "column" and e.quality <= PARTIAL and e.ref[0] in exact)
    )


def _only_partial(entries: tuple[Entry, ...]) -> bool:
    return all(e.quality <= PARTIAL for e in entries)


def _number_at(tokens: list[Token], i: int) -> tuple[int, float, bool] | None:
    """A number with its multiplier and percent sign: (tokens used, value, is_percent)."""
    tok = tokens[i]
    if tok.kind == "number":
        value = lx.parse_number(tok.norm)
    elif tok.norm in lx.NUMBER_WORDS and tok.norm not in lx.STOPWORDS and tok.norm != "once":
        value = float(lx.NUMBER_WORDS[tok.norm])
    else:
        return None
    if value is None:
        return None
    n = 1
    if (
        i + n < len(tokens)
        and tokens[i + n].norm in lx.MULTIPLIERS
        and not _length_unit(tokens, i, tokens[i + n].norm)
    ):
        value *= lx.MULTIPLIERS[tokens[i + n].norm]
        n += 1
        if not math.isfinite(value):  # "9…9 million" past a float's range: no number
            return None
    if i + n < len(tokens) and tokens[i + n].norm in ("de",) and value >= 1e6:
        n += 1  # "2 millones de dólares"
    percent = False
    if i + n < len(tokens) and tokens[i + n].norm == "%":
        percent, n = True, n + 1
    else:
        marker = _marker_at(tokens, i + n) if i + n < len(tokens) else None
        if marker and marker[1] == "percent":
            percent, n = True, n + marker[0]
    return n, value, percent


# "longer than 15 mm", "taller than 2 m": after a word of length "m" and "mm" are metres and
# millimetres, not millions (the multipliers "5m", "$2MM" of an amount).
_LENGTH_WORDS = lx.words(
    "length long longer longest short shorter shortest tall taller tallest height "
    "wide wider width deep deeper depth distance far farther focal largo larga longitud altura "
    "ancho anchura profundidad distancia"
)


def _length_unit(tokens: list[Token], i: int, word: str) -> bool:
    """Whether the "m"/"mm" after the number at i is a unit of length (a length word shortly
    before the number)."""
    return word in ("m", "mm") and any(t.norm in _LENGTH_WORDS for t in tokens[max(0, i - 4) : i])


def _is_plural(tokens: list[Token], start: int, end: int) -> bool:
    words = [t for t in tokens[start:end] if t.norm not in lx.FILLER]
    if not words:
        return False
    return tx.is_plural(words[0].norm, words[0].lang)


def _value_by_prefix(model: SemanticModel, word: str, lang: str) -> tuple[Entry, ...]:
    """A one-word value another form of the word names ("cancelaron" -> 'Cancelado'): the
    longest shared prefix must cover all but the last 3 letters of the value, and be unique."""
    if len(word) < 5 or not word.isalpha():
        return ()
    found: list[Entry] = []
    for key, entries in model.single_values.get(lang, ()):
        shared = 0
        for a, b in zip(word, key, strict=False):
            if a != b:
                break
            shared += 1
        if shared >= 5 and shared >= len(key) - 3:
            found.extend(e for e in entries if e.kind == "value")
    values = {e.ref for e in found}
    if len({ref[2] for ref in values}) != 1:
        return ()
    return tuple(Entry("value", e.ref, PARTIAL) for e in found)


def description_entries(model: SemanticModel, word: str) -> tuple[Entry, ...]:
    """What "description"/"descripción" can mean when no column is called so: the one column
    of each table whose name says description with more words (`section_description`,
    `descripcion_curso`). Empty for another word."""
    if word not in lx.DESCRIPTION_WORDS:
        return ()
    found = []
    for table, info in model.tables.items():
        own = [
            c
            for c in info.columns
            if (col := model.column(table, c)) is not None
            and col.kind == "text"
            and not col.pii
            and len(words := tx.identifier_words(c)) > 1
            and (words[-1] in lx.DESCRIPTION_WORDS or words[0] in lx.DESCRIPTION_WORDS)
        ]
        if len(own) == 1:
            found.append((table, own[0]))
    return tuple(Entry("column", ref, GLOSS) for ref in sorted(found))


def label_entries(model: SemanticModel, word: str) -> tuple[Entry, ...]:
    """What "name"/"nombre" or "id" can mean when no column is called so: the label column
    (or the one-column primary key) of every table that has one. The parser keeps the one of
    the table the word is said of (parser.resolve_label_words)."""
    if word in lx.LABEL_NAME_WORDS:
        found = [(t, info.display) for t, info in model.tables.items() if info.display]
    elif word in lx.LABEL_ID_WORDS:
        found = [(t, info.key[0]) for t, info in model.tables.items() if len(info.key) == 1]
    elif word in lx.DESCRIPTION_WORDS:
        return description_entries(model, word)
    else:
        return ()
    return tuple(Entry("column", ref, GLOSS) for ref in sorted(found))


HEAD = "head"  # Mention.value of a word read as the last word of column names


def head_entries(model: SemanticModel, word: str, lang: str) -> tuple[Entry, ...]:
    """What a kind word no name holds alone can mean ("date", "code", "fecha", "código"): each
    column whose name of several words ends with it (`transcript_date`, `Template_Type_Code`),
    or in Spanish begins with it (`fecha_pedido`).
    As with "name", the parser keeps the column of the table it is said of
    (parser.resolve_label_words), else the one column the catalog has, else it is asked back."""
    key = lx.stem(word, lang)
    found = []
    for (table, column), sem in model.columns.items():
        words = tx.identifier_words(column)
        if len(words) < 2 or sem.pii:
            continue
        head = words[-1]
        forms = [head] + (lx.spanish_words(head) if lang == "es" else [])
        if lang == "es":
            forms.append(words[0])  # a Spanish name says its kind first: `fecha_pedido`
        forms = [f for f in forms if len(f) >= 4]  # not "tv" of `high_definition_tv`
        if any(lx.stem(lx.fold(f), lang) == key for f in forms):
            found.append((table, column))
    return tuple(Entry("column", ref, GLOSS) for ref in sorted(found))


def described_columns(model: SemanticModel) -> list[tuple[str, str]]:
    """The text columns the catalog calls a description (`course_description`,
    `Document_Description`, `descripcion`): what "the descriptions" of a table's rows are."""
    return [
        ref
        for ref, sem in model.columns.items()
        if sem.kind == "text" and set(tx.identifier_words(ref[1])) & lx.DESCRIPTION_WORDS
    ]


def _description_column_said(model: SemanticModel, tokens: list[Token], i: int) -> bool:
    """ "the names and descriptions of the sections", "with the description 'Book'": where the
    catalog has description columns, the noun names one of them (the data), not a question
    about what something means, unless the question speaks of the schema itself ("the
    description of the column X", "la descripción de la métrica"), which stays a question
    for the documentation."""
    if tokens[i].norm not in lx.DESCRIPTION_WORDS or not described_columns(model):
        return False
    schema_words = lx.SCHEMA_WORDS | _METRIC_WORDS | _DATABASE_WORDS
    return not any(t.norm in schema_words for t in tokens)


_DESCRIBE_VERBS = lx.words("describe describa describeme describir")


def _row_described(model: SemanticModel, tokens: list[Token], i: int) -> bool:
    """ "Describe the section h.": the opening verb asks for the description of the row a
    value names, where that row's table has a description column (a question about what a
    table, a column or a value means keeps the verb, as everywhere else)."""
    if i != 0 or tokens[i].norm not in _DESCRIBE_VERBS:
        return False
    if any(t.norm in lx.SCHEMA_WORDS | _METRIC_WORDS | _DATABASE_WORDS for t in tokens):
        return False
    described = {ref[0] for ref in described_columns(model)}
    if not described:
        return False
    for j in range(i + 1, len(tokens)):
        _n, entries = _schema_at(model, tokens, j)
        rows = [e for e in entries if e.kind == "value" and e.quality >= SYNONYM]
        if any(e.ref[0] in described for e in rows):
            return True
    return False


_METRIC_WORDS = lx.words("metrica metricas metric metrics kpi kpis indicador indicadores")
_DATABASE_WORDS = lx.words("database db bd")


def _names_the_organisation(model: SemanticModel, tokens: list[Token], i: int) -> bool:
    """Whether token i is the organisation itself ("en la empresa", "the company", "nuestra
    tienda"): a company noun after an article or possessive of its language, or a store noun
    after a possessive (see lexicon.ORG_NOUNS). A following word naming the value's column
    ("la empresa segmento") keeps the value."""
    if i == 0:
        return False
    word, before = tokens[i].norm, tokens[i - 1].norm
    if word in lx.ORG_NOUNS:
        found = before in lx.ORG_DETERMINERS[lx.ORG_NOUNS[word]]
    elif word in lx.STORE_NOUNS:
        found = before in lx.POSSESSIVES[lx.STORE_NOUNS[word]]
    else:
        return False
    if not found:
        return False
    _, here = _schema_at(model, tokens, i)
    alone = model.lookup(tokens[i].key, tokens[i].lang) or ()
    if any(e.kind == "table" and e.quality >= SYNONYM for e in (*here, *alone)):
        return False  # "the company name" where the data has a table of companies: that table
    columns = {e.ref[:2] for e in here if e.kind == "value"}
    _, after = _schema_at(model, tokens, i + 1) if i + 1 < len(tokens) else (0, ())
    return not any(e.kind == "column" and e.ref[:2] in columns for e in after)


def _column_after_article(
    tokens: list[Token], i: int, marker: tuple | None, entries: tuple[Entry, ...]
) -> bool:
    """ "el título y la descripción de la película": a word that asks what something means
    ("descripción") said after an article where a column is called so (by its translation) is
    that column, as the column's own name ("the description") already is."""
    return (
        marker is not None
        and marker[1] == "meaning"
        and i > 0
        and tokens[i - 1].norm in _ARTICLES
        and any(e.kind == "column" for e in entries)
    )


def _join_word_column(
    model: SemanticModel,
    tokens: list[Token],
    i: int,
    marker: tuple | None,
    entries: tuple[Entry, ...],
) -> bool:
    """ "the artist who joined latest", "sorted by the year they joined", "the latest join
    year": a word of relating tables ("join") that is a word of a column's own name
    (`year_join`), where the question names that column's table (or a column of it) and no
    other table (nor a word of the schema: "table"), is that column: a question about the
    rows, not about how tables join."""
    if marker is None or marker[1] != "join" or not entries:
        return False
    if any(e.kind != "column" for e in entries):
        return False
    if any(t.norm in lx.SCHEMA_WORDS for t in tokens):
        return False  # "how is the artist table joined?"
    owners = {e.ref[0] for e in entries}
    named: set[str] = set()  # tables said as themselves
    reached: set[str] = set()  # and the tables of the columns said
    for j in range(len(tokens)):
        if j != i and _marker_at(tokens, j) is None:  # "Show …": the command, not `show`
            _n, found = _schema_at(model, tokens, j)
            named |= {e.ref[0] for e in found if e.kind == "table"}
            reached |= {e.ref[0] for e in found if e.kind in ("table", "column")}
    # "how does painter join painting?": another table named, a question about how they join
    return bool(reached & owners) and named <= owners


def _skip_articles(tokens: list[Token], i: int, step: int) -> int:
    while 0 <= i < len(tokens) and tokens[i].norm in _ARTICLES:
        i += step
    return i


def _coordinated_aggregate(tokens: list[Token], i: int, marker: tuple | None) -> bool:
    """An aggregate word joined by "and"/"or" to another aggregate word, or listed before one
    ("the average and the maximum capacity", "the average, minimum and maximum age", "el máximo
    y el promedio de la capacidad") is that aggregate, even where
    a column is called so (`average`): both words apply to the noun they share."""
    if marker is None or marker[1] != "agg":
        return False

    def agg_at(j: int) -> bool:
        found = _marker_at(tokens, j) if 0 <= j < len(tokens) else None
        return found is not None and found[1] == "agg"

    def conj_at(j: int) -> bool:
        return 0 <= j < len(tokens) and tokens[j].norm in _AGG_JOINERS

    after = _skip_articles(tokens, i + marker[0], 1)
    if agg_at(after):  # a list: "the average, minimum and maximum age" (commas are no tokens)
        return True
    if conj_at(after) and agg_at(_skip_articles(tokens, after + 1, 1)):
        return True
    before = _skip_articles(tokens, i - 1, -1)
    return conj_at(before) and agg_at(_skip_articles(tokens, before - 1, -1))


_AGG_JOINERS = lx.words("and or y o e u ,")


def _after_cmp_at(mentions: list[Mention], i: int) -> bool:
    """Whether a comparison word ends right before token i."""
    return bool(mentions) and mentions[-1].kind == "cmp" and mentions[-1].end == i


def _text(tokens: list[Token], i: int, n: int) -> str:
    return " ".join(t.text for t in tokens[i : i + n])


def _table_modifier(before: Mention, tables: set[str]) -> bool:
    """Whether a mention said right before a noun of `tables` only says which kind of them it
    is: it names tables alone, none of those ("car manufacturers", "customer orders")."""
    return (
        before.kind == "schema"
        and bool(before.entries)
        and all(e.kind == "table" for e in before.entries)
        and not {e.ref[0] for e in before.entries} & tables
    )


def compound_heads(mentions: list[Mention]) -> list[Mention]:
    """ "car manufacturers", "customer orders": a singular table noun right before another
    table's noun only says which kind of the second it is (English puts the head last). One
    mention of the head, never two tables (which counted the modifier's rows and took "its id"
    from it). Run on a whole scan (`_fresh_ctx`): modifiers of several words, heads of any
    quality or with columns too, which the scan's own test (`_name_word_before`) leaves."""
    out: list[Mention] = []
    for m in mentions:
        a = out[-1] if out else None
        if (
            a is not None
            and m.kind == "schema"
            and a.end == m.start
            and not a.plural
            and m.has("table")
            and _table_modifier(a, {e.ref[0] for e in m.of("table")})
        ):
            out[-1] = replace(m, start=a.start, text=f"{a.text} {m.text}")
            continue
        out.append(m)
    return out


def _name_word_before(
    model: SemanticModel,
    mentions: list[Mention],
    tokens: list[Token],
    i: int,
    entries: tuple[Entry, ...],
) -> bool:
    """Whether the one word right before a table word only modifies it: a word of that
    table's own name ("car manufacturers", the table `car_makers` called "manufacturers"), or
    in English, whose compounds end in their head, any other table's word ("the most vehicle
    manufacturers" counts makers, not vehicles). Either way one table is said, not two. (The
    scan's own test, so that the rules after it see one mention; `compound_heads` applies the
    same test, `_table_modifier`, to the whole scan.)"""
    if not mentions or mentions[-1].end != i or mentions[-1].end - mentions[-1].start != 1:
        return False
    before = mentions[-1]
    tables = {e.ref[0] for e in entries if e.kind == "table" and e.quality >= SYNONYM}
    if not tables or any(e.kind != "table" for e in entries):
        return False
    if not _table_modifier(before, tables):
        return False
    word = tokens[before.start]
    if word.lang == "en":
        return True
    return any(
        word.key in {tx.stem(part, word.lang) for part in tx.identifier_words(table)}
        for table in tables
    )


def _modifier_after_de(
    model: SemanticModel,
    mentions: list[Mention],
    tokens: list[Token],
    i: int,
    length: int,
    entries: tuple[Entry, ...],
) -> bool:
    """Whether a Spanish table word after "de" only modifies the table or metric said right
    before it: the head's last word with it names that same table ("número de fabricantes de
    coches", `car_makers` being "fabricantes de coches"). Spanish puts the modifier after the
    head, as English puts it before ("car makers": `_name_word_before`). One table is said."""
    if not mentions or mentions[-1].kind != "schema" or mentions[-1].end != i - 1:
        return False
    if tokens[i].lang != "es" or tokens[i - 1].norm not in ("de", "del"):
        return False
    if not entries or any(e.kind != "table" for e in entries):
        return False
    before = mentions[-1]
    own = {e.ref[0] for e in before.entries if e.kind == "table"}
    own |= {model.metrics[e.ref[0]].table for e in before.of("metric") if e.ref[0] in model.metrics}
    if len(own) != 1 or own & {e.ref[0] for e in entries}:
        return False
    said = [tokens[before.end - 1].norm, *(t.norm for t in tokens[i : i + length])]
    found = model.lookup(lx.phrase_key(" ".join(said), "es"), "es") or ()
    return any(e.kind == "table" and e.ref[0] in own for e in found)


def scan(model: SemanticModel, tokens: list[Token]) -> tuple[list[Mention], list[str]]:
    """Mentions in question order, and the content words nothing could explain."""
    mentions: list[Mention] = []
    unmapped: list[str] = []
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if _names_the_organisation(model, tokens, i):
            i += 1  # "la empresa", "our company": the business asking, not a value
            continue
        after_cmp = bool(mentions) and mentions[-1].kind in ("cmp", "rank")
        span = scan_time(tokens, i, after_comparator=after_cmp)
        schema_len, entries = _schema_at(model, tokens, i)
        marker = _marker_at(tokens, i)
        marker_len = marker[0] if marker else 0
        if not schema_len and marker_len == 1 and marker[1] == "meaning":
            # "the description of the section h": each table's description column, the one
            # of the table it is said of kept by the parser (as "the name of …" is)
            entries = description_entries(model, tok.norm)
            schema_len = 1 if entries else 0
        if mentions and mentions[-1].kind == "cmp" and tok.kind == "number" and not span:
            schema_len = 0  # "horsepower greater than 150": a number, not a value '150'
        if _measured_part(mentions, entries, i):
            schema_len = 0  # "the fewest people": what is ranked, not 'People's Republic'
        if (
            span is not None
            and span.length >= max(schema_len, marker_len)
            and not (span.kind == "unit" and (schema_len or marker_len))
        ):
            mentions.append(
                Mention("time", i, i + span.length, _text(tokens, i, span.length), time=span)
            )
            i += span.length
            continue
        if marker and marker[1] == "list" and schema_len == marker_len and _opening(tokens, i):
            schema_len = 0  # "Please show the record formats …": the command, not `show`
        if schema_len == 1 and not marker and _participle_before_agent(model, tokens, i):
            i += 1  # "the company shared by the most orchestras": a verb, not `share`
            continue
        if schema_len == 1 and not marker and _verb_of_a_clause(tokens, i, entries):
            unmapped.append(tok.text)  # "players who play for X": a verb, not `years_played`
            i += 1
            continue
        if marker and marker[1] in ("most", "least") and schema_len == marker_len:
            after, after_entries = _schema_at(model, tokens, i + schema_len)
            if after and any(e.kind == "column" for e in after_entries):
                schema_len = 0  # "with the highest capacity": not a column called `Highest`
        if marker and marker[1] == "neg" and _only_weak_values(tokens, i, schema_len, entries):
            schema_len = 0  # "que no hablan": a negation, not the country code 'NO'
        if schema_len and schema_len == marker_len and _coordinated_aggregate(tokens, i, marker):
            schema_len = 0  # "the average and the maximum capacity", "the average, minimum and
            # maximum age": aggregates, not a column `average`
        if _count_of_its_table(model, tokens, i, schema_len, marker, entries):
            schema_len = 0  # "number of players": the count word, then the players' words
        described = False
        glossed = all(e.kind == "column" and e.quality == GLOSS for e in entries)
        if (not schema_len or glossed) and _description_column_said(model, tokens, i):
            # "descriptions" is a column where the catalog has description columns
            found = description_entries(model, tok.norm)
            if found:
                entries, schema_len = found, 1
            described = bool(schema_len)  # a column called so itself keeps its entries
        elif not schema_len and _row_described(model, tokens, i):
            # "Describe the section h": the description of that row
            entries = description_entries(model, "description")
            schema_len = 1 if entries else 0
            described = bool(entries)
        if schema_len and (
            schema_len > marker_len
            or described
            or (schema_len == marker_len and max(e.quality for e in entries) >= SYNONYM)
            or (schema_len == marker_len and _column_after_article(tokens, i, marker, entries))
            or (schema_len == marker_len and _order_noun(tokens, i, marker))
            or (schema_len == marker_len and _join_word_column(model, tokens, i, marker, entries))
        ):
            plural = _is_plural(tokens, i, i + schema_len) and not any(
                lx.fold(str(e.ref[-1])).replace("_", " ") == tokens[i].norm for e in entries
            )
            start = i
            if _name_word_before(model, mentions, tokens, i, entries):
                # "car manufacturers" where `car_makers` is a table: one name, not two tables
                start = mentions.pop().start
            elif _modifier_after_de(model, mentions, tokens, i, schema_len, entries):
                # "el número de fabricantes de coches": "de coches" says which makers
                before = mentions.pop()
                end = i + schema_len
                text = _text(tokens, before.start, end - before.start)
                mentions.append(replace(before, end=end, text=text))
                i = end
                continue
            end = i + schema_len
            entries = _without_partial_columns(entries, _text(tokens, i, schema_len))
            mentions.append(
                Mention(
                    "schema",
                    start,
                    end,
                    _text(tokens, start, end - start),
                    entries,
                    plural=plural,
                )
            )
            i = end
            continue
        if marker and marker[1] == "unread":  # a comparison with no number: asked back
            unmapped.append(_text(tokens, i, marker[0]))
            i += marker[0]
            continue
        if marker:
            n, kind, value = marker
            mentions.append(Mention(kind, i, i + n, _text(tokens, i, n), value=value))
            i += n
            continue
        number = _number_at(tokens, i)
        if number is None and _after_cmp_at(mentions, i) and _one_article(tokens, i):
            number = (1, 1.0, False)
        if number is not None:
            n, value, percent = number
            mentions.append(
                Mention("number", i, i + n, _text(tokens, i, n), value=(value, percent))
            )
            i += n
            continue
        if tok.kind == "symbol" and tok.norm == "%":  # "¿qué % de las ventas...?"
            mentions.append(Mention("share", i, i + 1, tok.text))
            i += 1
            continue
        if tok.kind == "symbol":
            op = lx.SYMBOL_CMP.get(tok.norm)
            if op and _next_is_number(tokens, i + 1):
                mentions.append(Mention("cmp", i, i + 1, tok.text, value=op))
            i += 1
            continue
        acronym = _acronym_gloss(model, tokens, i)
        if acronym:  # "people from the US": the country, not the pronoun
            mentions.append(Mention("schema", i, i + 1, tok.text, acronym))
            i += 1
            continue
        if country_acronym(tokens, i) and not _value_starts_here(model, tokens, i):
            unmapped.append(tok.text)  # the country, but no value of the data says it: asked
            i += 1  # back, never dropped as the pronoun (a masked country column too)
            continue
        noun = i > 0 and tokens[i - 1].norm in _ARTICLES and tok.norm in lx.GLOSS
        if (tok.norm not in lx.STOPWORDS or noun) and tok.norm not in lx.FILLER:
            # "del género" is a noun of the data vocabulary, not the filler verb "generó"
            entries = label_entries(model, tok.norm) or _value_by_prefix(model, tok.norm, tok.lang)
            heads = () if entries else head_entries(model, tok.norm, tok.lang)
            if entries:  # "se cancelaron" -> 'Cancelado'; "name" -> each table's label
                mentions.append(Mention("schema", i, i + 1, tok.text, entries))
            elif heads:  # "the date of the transcript" -> `transcript_date`
                mentions.append(Mention("schema", i, i + 1, tok.text, heads, value=HEAD))
            else:
                unmapped.append(tok.text)
        i += 1
    return mentions, unmapped


def mentions_by_token(mentions: list[Mention]) -> dict[int, Mention]:
    """Token index -> the mention covering it (for rules that walk the tokens)."""
    return {n: m for m in mentions for n in range(m.start, m.end)}
