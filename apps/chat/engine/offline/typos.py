"""Conservative spelling correction of words nothing else could explain ("regoin", "segmeto").

Only tokens the scanner left unmapped are candidates, so a word the engine already knows is
never turned into a different one. A candidate is corrected to the single closest word of the
vocabulary (catalog names, synonyms and values; the engine's grammar words) when the
optimal-string-alignment (Damerau–Levenshtein) distance is 1 for words of 5-7 letters or at
most 2 from 8 letters on, and the first letter agrees; a four-letter word only when it is a
column or table name with one letter dropped ("canl" -> "canal"); and right after an article,
"of" or "all" (where a noun is expected), a word one letter from the short words of exactly one
table ("all the cards" -> "cars"). Numbers, short words and ties are left alone: a wrong correction
would answer a different question confidently, a missed one only asks to rephrase.
"""

from __future__ import annotations

from dataclasses import replace

from datachat import text as tx

from . import lexicon as lx
from .lexicon import Token
from .scan import MARKERS
from .semantic import _DISPLAY_NAMES as DISPLAY_NAMES
from .semantic import SemanticModel

_DOCUMENTATION_KINDS = frozenset(
    {"join", "meaning", "values", "coverage", "database", "info", "includes"}
)
_MIN_LENGTH = 5
_MIN_GRAMMAR = 7
# Ordinary words one or two letters from a vocabulary word, which are not typos of it: they
# mean something the data does not hold, and the engine must say so rather than guess.
KNOWN_WORDS = lx.words(
    """
    mediana median medians percentil percentile percentiles perdido perdidos perdida perdidas
    lost contrato contratos contract contracts opinion opiniones opinions score scores fieles
    loyal raton segundo segundos second seconds almacen almacenes devolucion devoluciones
    returns refunds reembolsos pedir ordenar ordered clientela proveedor proveedores supplier
    suppliers marca marcas brand brands sabor sabores color colores stock inventario
    inventory envio envios shipping entregas delivery impuesto impuestos taxes gastos
    expenses presupuesto budget objetivo objetivos target targets meta metas cuotas quotas
    moda mode varianza variance desviacion deviation costa coast
    """
)
_CACHE: dict[tuple[int, str], tuple[SemanticModel, dict[int, list[tuple[str, str, str]]]]] = {}


def _max_distance(word: str) -> int:
    return 2 if len(word) >= 8 else 1


def distance(a: str, b: str, limit: int) -> int:
    """Optimal string alignment distance (adjacent transpositions count 1), or limit + 1 as
    soon as it must exceed `limit`."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        if min(cur) > limit:
            return limit + 1
        prev2, prev = prev, cur
    return prev[-1]


_MAX_VALUES = 30


def _category_like(model: SemanticModel, entry) -> bool:  # noqa: ANN001
    """Names of tables, columns and metrics, and values of category columns with a few
    distinct values (regions, channels, ventas.producto). The values of a table's naming
    column (people's names) and of sensitive columns are left out: "marca" is one letter from
    "Marta", and a filter on a person nobody asked about is a wrong answer."""
    if entry.kind != "value":
        return True
    table, name = entry.ref[0], entry.ref[1]
    column = model.column(table, name)
    info = model.tables.get(table)
    naming = info is not None and info.display == name and lx.fold(name) in DISPLAY_NAMES
    if column is None or column.pii or naming:
        return False
    return 0 < len(column.values) <= _MAX_VALUES


def _vocabulary(model: SemanticModel, lang: str) -> dict[int, list[tuple[str, str, str]]]:
    """(compared form, norm, key) of every known word, by length of the compared form.

    Catalog words are compared as the folded words their stems were made from (a stem names
    its phrase key in the question's language); grammar words in their folded form."""
    cached = _CACHE.get((id(model), lang))
    if cached is not None and cached[0] is model:
        return cached[1]
    seen: dict[str, tuple[str, str]] = {}
    for phrase, entries in model.phrases[lang].items():
        if phrase.startswith("~") or not any(_category_like(model, e) for e in entries):
            continue
        for key in phrase.split():
            word = model.surfaces.get(lang, {}).get(key, key)  # "segment" -> "segmento"
            if word.isalpha() and len(word) >= _MIN_LENGTH:
                seen.setdefault(word, (word, key))
    # Grammar words only when long: short ones ("media", "contra", "segun", "store") sit one
    # letter from ordinary words ("median", "contrato", "segundos", "score").
    # Nor words that send a question to the documentation ("connected": how tables join): a
    # misread verb ("conducted") would answer a data question with the schema.
    grammar = [
        w
        for key, (kind, _value) in MARKERS.items()
        if len(key) == 1 and kind not in _DOCUMENTATION_KINDS
        for w in key
        if len(w) >= _MIN_GRAMMAR
    ]
    # Months are left out on purpose: "marca" is one letter from "march", and a silent date
    # filter is the worst kind of wrong answer.
    for word in grammar:
        if word.isalpha() and len(word) >= _MIN_LENGTH and word not in lx.STOPWORDS:
            seen.setdefault(word, (word, lx.stem(word, lang)))
    by_length: dict[int, list[tuple[str, str, str]]] = {}
    for form, (norm, key) in seen.items():
        by_length.setdefault(len(form), []).append((form, norm, key))
    if len(_CACHE) > 16:
        _CACHE.clear()
    _CACHE[(id(model), lang)] = (model, by_length)
    return by_length


def _place_adjective(model: SemanticModel, token: Token) -> tuple[str, str] | None:
    """The one category value (a continent, a region) an unknown word is the adjective of:
    "Asian" -> Asia, "European" -> Europe, "africanos" -> África, "asiáticos" -> Asia (the
    value's stem and an adjective ending of either language, `lx.PLACE_ADJECTIVE_ENDINGS`)."""
    word = token.norm
    lang = token.lang if token.lang in model.phrases else "es"
    found = set()
    for key, entries in model.phrases[lang].items():
        if " " in key or not any(e.kind == "value" and _category_like(model, e) for e in entries):
            continue
        form = model.surfaces.get(lang, {}).get(key, key)
        if len(form) < _MIN_LENGTH - 1 or not form.isalpha():
            continue
        stems = (form, form[:-1]) if form.endswith(("a", "e")) else (form,)
        if any(word == stem + end for stem in stems for end in lx.PLACE_ADJECTIVE_ENDINGS):
            found.add((form, key))
    return found.pop() if len(found) == 1 else None


def _best(model: SemanticModel, token: Token) -> tuple[str, str] | None:
    """The unique closest known word (norm, key) for an unknown token, or None."""
    word = token.norm
    if token.kind != "word" or not word.isalpha():
        return None
    adjective = _place_adjective(model, token)
    if adjective is not None:
        return adjective
    if len(word) == _MIN_LENGTH - 1:
        return _dropped_letter(model, token)
    if len(word) < _MIN_LENGTH:
        return None
    if word in KNOWN_WORDS or tx.singular(word, token.lang) in KNOWN_WORDS:
        return None
    limit = _max_distance(word)
    lang = token.lang if token.lang in model.phrases else "es"
    vocab = _vocabulary(model, lang)
    if token.lang == "en" and tx.english_word(word) and not _inflects(vocab, word):
        return None  # a word of the language ("populace") is what it says, never a typo
    one = tx.singular(word, lang)
    best: dict[tuple[str, str], int] = {}
    # Words against words: a stem is shorter than its word ("mayorista" -> "mayor"), so
    # comparing stems would find far more neighbours than the distance limit means to allow.
    # Singulars against singulars too: the catalog may hold one number only ("comapny" is
    # "company" where the vocabulary says "companies", "indstries" "industry").
    for length in range(len(one) - limit, len(word) + limit + 3):  # "ies" plurals
        for form, norm, key in vocab.get(length, ()):
            if form[0] != word[0]:
                continue  # typos rarely hit the first letter; "iphone" is not "phone"
            d = distance(word, form, limit)
            single = tx.singular(form, lang)
            if d > limit and (one != word or single != form):
                d = distance(one, single, limit)
                norm = single if one == word else norm
            if d <= limit and d < best.get((norm, key), limit + 1):
                best[(norm, key)] = d
    if not best:
        return None
    low = min(best.values())
    winners = {k for k, d in best.items() if d == low}
    if len({key for _norm, key in winners}) != 1:
        return None  # a tie: guessing would pick a meaning the user may not have meant
    norm, key = next(iter(winners))
    if norm in lx.STOPWORDS:
        return None  # "reported" -> "report", a word the scanner skips: the verb would vanish
    return norm, key


def _inflects(vocab: dict[int, list[tuple[str, str, str]]], word: str) -> bool:
    """Whether an English word is a form of a catalog word: an inflection ("reported" of the
    table `news_report`'s "report"), or a word of the same root ("director" beside the column
    `Directed_by`: both start with "direct", the base of "directed")."""
    bases = tx.english_bases(word)
    for forms in vocab.values():
        for form, _n, _k in forms:
            if form[0] != word[0]:
                continue
            if form in bases:
                return True
            if any(len(b) >= 5 and word.startswith(b) for b in tx.english_bases(form) - {form}):
                return True
    return False


def _dropped_letter(model: SemanticModel, token: Token) -> tuple[str, str] | None:
    """A four-letter word with one letter missing from a column or table name ("canl" ->
    "canal"), when exactly one name fits: the same first and last letter, one insertion away.
    Values are left out (short values are too often ordinary words)."""
    word = token.norm
    if word in KNOWN_WORDS or word in lx.STOPWORDS:
        return None
    lang = token.lang if token.lang in model.phrases else "es"
    found = set()
    for form, norm, key in _vocabulary(model, lang).get(len(word) + 1, ()):
        if form[0] != word[0] or form[-1] != word[-1] or distance(word, form, 1) != 1:
            continue
        entries = model.phrases[lang].get(key, ())
        if any(e.kind in ("column", "table") for e in entries):
            found.add((norm, key))
    return found.pop() if len(found) == 1 else None


_NAME_CACHE: dict[tuple[int, str], tuple[SemanticModel, dict[int, list[tuple[str, str]]]]] = {}


def _names(model: SemanticModel, lang: str) -> dict[int, list[tuple[str, str]]]:
    """(folded value, key) of every one-word value of a column that is not personal, by
    length: the names a capitalised word may be another language's spelling of."""
    cached = _NAME_CACHE.get((id(model), lang))
    if cached is not None and cached[0] is model:
        return cached[1]
    seen: dict[str, str] = {}
    for column in model.columns.values():
        if column.pii:
            continue
        for value in column.values:
            form = lx.fold(value).strip()
            if form.isalpha():
                seen.setdefault(form, lx.phrase_key(value, lang))
    by_length: dict[int, list[tuple[str, str]]] = {}
    for form, key in seen.items():
        by_length.setdefault(len(form), []).append((form, key))
    if len(_NAME_CACHE) > 16:
        _NAME_CACHE.clear()
    _NAME_CACHE[(id(model), lang)] = (model, by_length)
    return by_length


def _proper_name(model: SemanticModel, token: Token) -> tuple[str, str] | None:
    """A capitalised word inside the sentence that is another language's spelling of one
    stored name ("Afganistán" for 'Afghanistan', "Brasil" for 'Brazil'): the one one-word
    value of any column one letter apart, first letter agreeing. Unlike a typo, a name
    of hundreds is a candidate: the capital is the evidence. Two candidates: left alone."""
    word = token.norm
    if token.kind != "word" or not word.isalpha() or len(word) < _MIN_LENGTH:
        return None
    if not token.text[:1].isupper() or word in lx.STOPWORDS:
        return None
    limit = 1  # two letters apart are often two names: "Alemania" is not 'Albania'
    found = {
        (form, key)
        for length in range(len(word) - limit, len(word) + limit + 1)
        for form, key in _names(model, token.lang).get(length, ())
        if form[0] == word[0] and distance(word, form, limit) <= limit
    }
    if len(found) != 1:
        return None
    return next(iter(found))


def correct(
    model: SemanticModel, tokens: list[Token], unmapped: list[str]
) -> tuple[list[Token], list[tuple[str, str]]]:
    """Tokens with the unmapped words corrected where that is safe, and (written, corrected)
    for each correction made."""
    if not unmapped:
        return tokens, []
    wanted = set(unmapped)
    tokens, made = _split_slips(model, tokens, wanted)
    fixed: list[Token] = []
    for n, token in enumerate(tokens):
        found = None
        if token.text in wanted:
            found = (
                _best(model, token)
                or (_proper_name(model, token) if n else None)
                or _table_noun(model, tokens, n)
            )
        if found is None or _other_number(token, found):
            # the same word in the other number ("companies" -> "company"): no typo
            fixed.append(token)
            continue
        norm, key = found
        fixed.append(replace(token, norm=norm, key=key))
        made.append((token.text, norm))
    return fixed, made


# Words after which a noun is expected: an article, "of", "all" ("the cards", "of care").
_NOUN_BEFORE = lx.FILLER | lx.words("all todos todas these those estos estas")


def _table_noun(model: SemanticModel, tokens: list[Token], n: int) -> tuple[str, str] | None:
    """An unknown word where a noun is expected, one letter from a short table word ("the
    cards", "the carr", "makers of care" -> "cars"/"car"), when every table word that close
    names the same one table. The general rule leaves words under five letters and
    corrections to them alone (too many ordinary words sit one letter from them); after an
    article a table word is what the question most often says, and a word the catalog does
    not know would only be asked back. The correction is said with the answer."""
    token = tokens[n]
    word = token.norm
    if token.kind != "word" or not word.isalpha() or not 4 <= len(word) <= 6:
        return None
    if n == 0 or tokens[n - 1].norm not in _NOUN_BEFORE:
        return None
    if word in KNOWN_WORDS or word in lx.STOPWORDS:
        return None
    lang = token.lang if token.lang in model.phrases else "es"
    one = tx.singular(word, lang)
    ending = word[len(one) :] if word.startswith(one) else ""  # "cards" -> "card" + "s"
    close: dict[tuple[str, str], int] = {}
    tables: set[str] = set()
    for key, entries in model.phrases[lang].items():
        named = {e.ref[0] for e in entries if e.kind == "table"}
        if " " in key or key.startswith("~") or not named:
            continue
        form = tx.singular(model.surfaces.get(lang, {}).get(key, key), lang)
        if not form.isalpha() or form[0] != word[0] or len(form) < 3:
            continue
        if distance(one, form, 1) == 1:
            close[(form + ending, key)] = abs(len(form) - len(one))
            tables |= named
    if len(tables) != 1:
        return None  # no table word that close, or several tables: guessing is not safe
    return min(close, key=lambda k: (close[k], k))


def _other_number(token: Token, found: tuple[str, str]) -> bool:
    """Whether a correction only changes the number of the word written."""
    lang = token.lang if token.lang in ("en", "es") else "es"
    return found[1] == token.key and tx.singular(found[0], lang) == tx.singular(token.norm, lang)


def _whole_word(model: SemanticModel, word: str, lang: str) -> bool:
    """A word the question could have meant as written: a grammar word, a catalog word, or
    (English) a word WordNet holds."""
    if not word.isalpha():
        return False
    if word in lx.STOPWORDS or word in lx.FILLER or tx.stopword(word):
        return True
    if model.lookup(lx.word_key(word, lang), lang):
        return True
    return lang == "en" and len(word) > 2 and tx.english_word(word)


def _split_slips(
    model: SemanticModel, tokens: list[Token], wanted: set[str]
) -> tuple[list[Token], list[tuple[str, str]]]:
    """Two unknown words next to each other whose space slipped one letter ("carsw ith" ->
    "cars with", "ca rswith"): read as the two words they make when one letter crosses back,
    if exactly one way of moving it gives two known words. Written names (capitalised) and
    values are never split."""
    out = list(tokens)
    made: list[tuple[str, str]] = []
    for n in range(len(out) - 1):
        a, b = out[n], out[n + 1]
        if a.text not in wanted or b.text not in wanted or a.kind != "word" or b.kind != "word":
            continue
        if not (a.norm.isalpha() and b.norm.isalpha()) or a.text[:1].isupper() and n:
            continue
        if b.text[:1].isupper() or b.start != a.end + 1:
            continue
        lang = a.lang if a.lang in model.phrases else "es"
        ways = {
            (x, y)
            for x, y in ((a.norm[:-1], a.norm[-1] + b.norm), (a.norm + b.norm[0], b.norm[1:]))
            if x and y and _whole_word(model, x, lang) and _whole_word(model, y, lang)
        }
        if len(ways) != 1:
            continue
        x, y = ways.pop()
        out[n] = replace(a, text=x, norm=x, key=lx.word_key(x, lang), end=a.start + len(x))
        out[n + 1] = replace(
            b, text=y, norm=y, key=lx.word_key(y, lang), start=a.start + len(x) + 1
        )
        made.append((f"{a.text} {b.text}", f"{x} {y}"))
    return out, made
