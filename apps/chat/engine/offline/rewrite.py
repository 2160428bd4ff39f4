"""The word rewrites of the rewrite stage that need no model: phrases said in words the
engine reads another way ("cheapest" -> "lowest price"), "as well as" as "both … and", a
distinct word moved before its noun, a Spanish average said after its noun, a number range said
in words ("between 5 and 10", "two or more", "2005 or after"). `rewrite_words` applies them in
turn, before the scan; the rewrites that read the model's names are in `offline/__init__.py`
and `relations.py`."""

from __future__ import annotations

from dataclasses import replace

from . import lexicon as lx

# "both X and Y", "tanto X como Y": the word that opens a pair, and the conjunction it pairs with
BOTH_WORDS = {"both": "and", "ambos": "y", "ambas": "y", "tanto": "como"}


def rewrite_words(tokens: list[lx.Token]) -> list[lx.Token]:
    """The question's tokens with each word rewrite of this module applied, in this order."""
    tokens = _rewrite_phrases(_as_well_as_both(tokens))
    return _numeric_between(_average_first(_distinct_first(tokens)))


_REWRITE_FIRSTS = frozenset(phrase[0] for phrase in lx.REWRITES)


def _rewrite_phrases(tokens: list[lx.Token]) -> list[lx.Token]:
    """Phrases said in words the engine reads another way: "el producto más caro" -> "mayor
    precio", "cheapest" -> "lowest price", "had no discount" -> "without discount"."""
    if not any(t.norm in _REWRITE_FIRSTS for t in tokens):
        return tokens
    out: list[lx.Token] = []
    i = 0
    while i < len(tokens):
        for phrase, words in lx.REWRITES.items():
            if tuple(t.norm for t in tokens[i : i + len(phrase)]) == phrase:
                first = tokens[i]
                out += [
                    replace(first, text=w, norm=w, key=lx.word_key(w, first.lang)) for w in words
                ]
                i += len(phrase)
                break
        else:
            out.append(tokens[i])
            i += 1
    return out


_AS_WELL_AS = ("as", "well", "as")
_AS_WELL_LEAD = lx.words("the a an some those")
_AS_WELL_HAVE = lx.words("have has had with")


def _as_well_as_both(tokens: list[lx.Token]) -> list[lx.Token]:
    """ "countries that have players who play Forward, as well as players who play Defender":
    the noun said again after "as well as" makes two sets of the same rows, each of which the
    rows must have, as "both … and …" says ("have both players who … and players who …"; read
    by `_both_halves`, or asked back naming "both"). Elsewhere "as well as" is "and"."""
    norms = [t.norm for t in tokens]
    for i in range(1, len(norms) - 3):
        if tuple(norms[i : i + 3]) != _AS_WELL_AS:
            continue
        k = i + 3
        while k < len(norms) and norms[k] in _AS_WELL_LEAD:
            k += 1
        if k >= len(norms) or tokens[k].kind != "word" or norms[k] in lx.STOPWORDS:
            return tokens
        first = next((j for j in range(1, i) if norms[j] == norms[k]), None)
        if first is None or any(n in BOTH_WORDS for n in norms):
            return tokens
        if norms[first - 1] not in _AS_WELL_HAVE:
            return tokens  # "the names of singers as well as the names of songs": "and"
        said = tokens[first]
        both = replace(said, text="both", norm="both", key=lx.word_key("both", said.lang))
        return [*tokens[:first], both, *tokens[first:]]
    return tokens


def _is_year(token: lx.Token) -> bool:
    value = lx.parse_number(token.norm) if token.kind == "number" else None
    return value is not None and value == int(value) and 1000 <= value <= 2999


def _distinct_first(tokens: list[lx.Token]) -> list[lx.Token]:
    """ "ciudades distintas", "idiomas diferentes": a Spanish adjective follows its noun; the
    distinct word is moved before it, where the parser reads it ("distintas ciudades", as
    "unique cities"), instead of qualifying the noun after it ("… distintas están en países")."""
    out = list(tokens)
    for i in range(1, len(out)):
        word, noun = out[i], out[i - 1]
        if word.lang != "es" or word.norm not in lx.DISTINCT_WORDS:
            continue
        if noun.kind != "word" or noun.norm in lx.STOPWORDS or noun.norm in lx.FILLER:
            continue
        if noun.norm in lx.COUNT_WORDS or noun.norm in lx.DISTINCT_WORDS:
            continue
        start = i - 1
        if i >= 2 and _agrees(out[i - 2], noun, word):
            start = i - 2  # "idiomas oficiales distintos": before the noun, not its adjective
        out[start : i + 1] = [word, *out[start:i]]
    return out


# "mayor que la población media": a comparative, then "than" (or a preposition) and an article
_COMPARATIVE_ES = lx.words(
    "mayor mayores menor menores superior superiores inferior inferiores mas menos encima debajo"
)
_AVERAGE_ES = lx.words("media medio medias medios promedio promedios")
_ARTICLES_ES = lx.words("el la los las del al")


def _average_first(tokens: list[lx.Token]) -> list[lx.Token]:
    """ "mayor que la población media", "por encima del salario medio": a Spanish adjective
    follows its noun; after a comparison the average word is moved before the noun ("mayor que
    la media población"), where the comparison with the column's own mean is read, as
    "greater than the average population" is. Elsewhere "la población media" is left as said."""
    out = list(tokens)
    for j in range(4, len(out)):
        word, noun, article = out[j], out[j - 1], out[j - 2]
        if word.lang != "es" or word.norm not in _AVERAGE_ES or article.norm not in _ARTICLES_ES:
            continue
        if noun.kind != "word" or noun.norm in lx.STOPWORDS or noun.norm in lx.FILLER:
            continue
        link = j - 2 if article.norm in ("del", "al") else j - 3
        if out[link].norm not in ("que", "a", "al", "de", "del"):
            continue
        if not any(t.norm in _COMPARATIVE_ES for t in out[max(0, link - 2) : link]):
            continue
        out[j - 1 : j + 1] = [word, noun]
    return out


def _agrees(first: lx.Token, second: lx.Token, word: lx.Token) -> bool:
    """Whether two words before a plural distinct word are a plural noun and its plural
    adjective (Spanish agreement: "idiomas oficiales distintos"), not a verb or a preposition."""
    plural = (first, second, word)
    if any(t.kind != "word" or not t.norm.endswith("s") for t in plural):
        return False
    return not any(t.norm in lx.STOPWORDS or t.norm in lx.FILLER for t in (first, second))


def _numeric_between(tokens: list[lx.Token]) -> list[lx.Token]:
    """ "population between 160000 and 900000", "peso entre 3000 y 4000": a closed range of
    numbers, read as two comparisons ("at least 160000 and at most 900000"). Two years stay as
    they are: a time range (on a date, or on a year column, conditions.read_time)."""
    out: list[lx.Token] = []
    i = 0
    while i < len(tokens):
        window = tokens[i : i + 4]
        if (
            len(window) == 4
            and window[0].norm in ("between", "entre")
            and window[1].kind == "number"
            and window[2].norm in ("and", "y")
            and window[3].kind == "number"
            and not (_is_year(window[1]) and _is_year(window[3]))
        ):
            first, es = window[0], window[0].lang == "es"
            low, high = ("al menos", "como maximo") if es else ("at least", "at most")

            def said(text: str, first: lx.Token = first) -> list[lx.Token]:
                return [
                    replace(first, text=w, norm=w, key=lx.word_key(w, first.lang), kind="word")
                    for w in text.split()
                ]

            out += [*said(low), window[1], window[2], *said(high), window[3]]
            i += 4
            continue
        more = _or_more(tokens, i)
        if more is not None:  # "3 or more cities" -> "at least 3 cities"
            out += more
            i += 3
            continue
        bound = _in_or_after(tokens, i)
        if bound is not None:  # "in or after 2005" -> "since 2005"
            out += bound[1]
            i += bound[0]
            continue
        out.append(tokens[i])
        i += 1
    return out


def _number_said(token: lx.Token) -> bool:
    """A number in digits or a number word ("two", "tres"; not "once", Spanish eleven and
    English one time, nor a grammar word like "una")."""
    if token.kind == "number":
        return True
    return token.norm in lx.NUMBER_WORDS and token.norm not in lx.STOPWORDS and token.norm != "once"


# "in or after 2005", "on or before 2010", "en o después de 2005": the same bound said first.
_IN_OR = {
    ("in", "or", "after"): "at least",
    ("on", "or", "after"): "at least",
    ("in", "or", "before"): "at most",
    ("on", "or", "before"): "at most",
    ("en", "o", "despues", "de"): "al menos",
    ("en", "o", "antes", "de"): "como maximo",
}


def _bound_words(number: lx.Token, *, after: bool) -> str:
    """The words of a bound that includes `number`: a year is a period ("since 2005", "until
    2005", read on the year or date column by the time reader), any other number a comparison
    ("at least 7", "at most 7")."""
    es = number.lang == "es"
    if _is_year(number):
        return ("desde" if es else "since") if after else ("hasta" if es else "until")
    if after:
        return "al menos" if es else "at least"
    return "como maximo" if es else "at most"


def _in_or_after(tokens: list[lx.Token], i: int) -> tuple[int, list[lx.Token]] | None:
    """(tokens used, the bound's words) for "in or after 2005", "on or before 2010", "en o
    después de 2005": "since 2005", "until 2010" (the number is kept, after them)."""
    for words, said in _IN_OR.items():
        n = len(words)
        if i + n >= len(tokens) or tuple(t.norm for t in tokens[i : i + n]) != words:
            continue
        if tokens[i + n].kind != "number":
            continue
        said = _bound_words(tokens[i + n], after=said in ("at least", "al menos"))
        first = tokens[i]
        return n, [
            replace(first, text=w, norm=w, key=lx.word_key(w, first.lang), kind="word")
            for w in said.split()
        ]
    return None


_THAN_AFTER = lx.words("than que de")


def _or_more(tokens: list[lx.Token], i: int) -> list[lx.Token] | None:
    """ "3 or more", "3 o más", "5 or fewer", "5 o menos", "two or more": the comparison before
    the number (a number word stays a word: the scan reads it after "at least")."""
    if i + 2 >= len(tokens) or not _number_said(tokens[i]):
        return None
    words = tuple(t.norm for t in tokens[i + 1 : i + 3])
    if i + 3 < len(tokens) and tokens[i + 3].norm in _THAN_AFTER:
        return None  # "over 1500 or less than 500": a second comparison, not "at most 1500"
    if words in (("or", "more"), ("o", "mas")):
        said = "at least" if words[0] == "or" else "al menos"
    elif words in (("or", "fewer"), ("or", "less"), ("o", "menos")):
        said = "at most" if words[0] == "or" else "como maximo"
    elif (words in lx.OR_AFTER or words in lx.OR_BEFORE) and not _is_year(tokens[i]):
        # a year is a period: the time reader takes "2005 or after" (and "March 2005 or after")
        said = _bound_words(tokens[i], after=words in lx.OR_AFTER)
    else:
        return None
    first = tokens[i]
    return [
        *(
            replace(first, text=w, norm=w, key=lx.word_key(w, first.lang), kind="word")
            for w in said.split()
        ),
        first,
    ]
