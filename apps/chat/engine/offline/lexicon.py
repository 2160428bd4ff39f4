"""Generic bilingual (es/en) vocabulary: tokens, matching keys and the grammar words.

Nothing here knows a schema: table, column, metric and value words come from the catalog (see
`semantic.py`). Folding, stemming and language detection are the project's text module
(`datachat.text`); this module splits a question into tokens keyed by the stems of the
question's language, and holds the words that carry grammar (aggregations, comparatives, time
units, months, numbers, request verbs, stopwords).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from datachat import text as tx


def words(text: str) -> frozenset[str]:
    """The whitespace-separated words of `text`: keeps the long word lists readable."""
    return frozenset(text.split())


def phrases(text: str) -> tuple[str, ...]:
    """The "|"-separated phrases of `text`, in order, with spaces normalised."""
    return tuple(" ".join(p.split()) for p in text.split("|") if p.strip())


# --- normalisation --------------------------------------------------------------------------
# Folding, stemming and language detection are the project's one text module (datachat.text);
# they are re-exported here because every engine module reads them as `lx.fold`, `lx.stem`.

fold = tx.fold
stem = tx.stem
stems = tx.stems
detect_language = tx.detect_language


@dataclass(frozen=True)
class Token:
    text: str  # as written
    norm: str  # folded
    key: str  # stem of the folded form, in the question's language
    start: int
    end: int
    kind: str  # "word", "number", "date", "symbol"
    lang: str = "es"  # the question's language: the stemmer `key` was made with


_TOKEN_RE = re.compile(
    # a Spanish plural abbreviation, each initial doubled: "EE. UU.", "EE.UU.", "FF. AA."
    r"(?P<abbr>\b([A-Z])\2\. ?([A-Z])\3\.?(?:(?<=\.) ?([A-Z])\4\.)?(?!\w))"
    # initials with dots: "U.S.", "U.S.A." (one word, "us", "usa")
    r"|(?P<initials>\b[A-Z]\.(?:[A-Z]\.)+(?!\w))"
    r"|(?P<date>\d{4}-\d{1,2}-\d{1,2}|\d{1,2}/\d{1,2}/\d{4})"
    r"|(?P<number>\d+(?:[.,]\d+)*(?![\w]))"
    # an apostrophe inside a word: "don't", "month's"; in capitals only a contraction's or a
    # possessive's tail ("DON'T", "CUSTOMER'S"), so "O'NEIL" stays two words as "O'Neil" does
    r"|(?P<word>[^\W_](?:[\w]|'(?=[a-z]|[TS]\b))*)"
    r"|(?P<symbol>>=|<=|<>|!=|[<>=%$€])"
)


def word_key(norm: str, lang: str) -> str:
    """The matching key of a folded word: its stem, or the stems of an identifier's parts."""
    if "_" in norm:  # a column written as `precio_lista`
        return " ".join(stem(part, lang) for part in norm.split("_") if part)
    return stem(norm, lang)


# Country acronyms that are also grammar words ("us", the Spanish verb "usa"): written in
# capitals ("US", "U.S.", "USA") they are the country, read as its Spanish abbreviation is.
ACRONYM_GLOSS = {"us": "eeuu", "usa": "eeuu"}


def tokenize(text: str, lang: str | None = None) -> list[Token]:
    """Split a question into word, number, date and symbol tokens with their positions.

    Word keys are stems in `lang` (detected from `text` when not given). Hyphenated words
    ("best-selling", "year-over-year") come out as separate words; underscores stay inside a
    word so a column written as `precio_lista` is one token.
    """
    lang = lang or detect_language(text)
    tokens: list[Token] = []
    clean = tx.plain_quotes(text)
    for match in _TOKEN_RE.finditer(clean):
        kind = match.lastgroup or "word"
        raw = match.group()
        norm = fold(raw)
        if kind in ("abbr", "initials"):  # one word, its letters joined: "EE. UU." -> "eeuu"
            kind, norm = "word", "".join(ch for ch in norm if ch.isalpha())
        if kind == "word" and norm.endswith("n't") and len(norm) > 4:
            tokens += _negative_contraction(raw, norm, match.start(), lang)
            continue
        if kind == "word" and "'" in norm:
            norm = _without_apostrophe(norm)
        key = word_key(norm, lang) if kind == "word" else norm
        tokens.append(Token(raw, norm, key, match.start(), match.end(), kind, lang))
    return tokens


# The auxiliaries whose negative contraction is not the auxiliary and "n't".
_CONTRACTED = {"ca": "can", "wo": "will", "sha": "shall", "ai": "is"}


def _negative_contraction(raw: str, norm: str, start: int, lang: str) -> list[Token]:
    """ "didn't", "haven't", "don't", "can't": the auxiliary and "not", two words as if written
    apart (the apostrophe's tail would otherwise leave "didn", a word nothing reads)."""
    head = norm[:-3]
    aux = _CONTRACTED.get(head, head)
    cut = start + len(head)
    return [
        Token(
            raw[: len(head)] if aux == head else aux,
            aux,
            word_key(aux, lang),
            start,
            cut,
            "word",
            lang,
        ),
        Token("not", "not", word_key("not", lang), cut, start + len(raw), "word", lang),
    ]


def _without_apostrophe(word: str) -> str:
    """A possessive or a contraction loses its ending ("month's" -> "month", "don't" ->
    "don"); a longer tail is part of the word, glued as some stored values are
    ("People'sRepublic" -> "peoplesrepublic", never "people": that common word would then be
    the whole value)."""
    head, _, tail = word.partition("'")
    return head if len(tail) <= 2 else word.replace("'", "")


def phrase_key(text: str, lang: str, surfaces: dict[str, str] | None = None) -> str:
    """The matching key of a multi-word name in `lang`: stems of its non-filler words.

    `surfaces`, when given, records a folded word for each stem (to name it back to people)."""
    words = []
    for token in tokenize(text.replace("_", " "), lang):
        if token.kind == "symbol" or token.norm in FILLER:
            continue
        words.append(token.key)
        if surfaces is not None:
            surfaces.setdefault(token.key, token.norm)
    return " ".join(words)


def identifier_key(name: str, lang: str, surfaces: dict[str, str] | None = None) -> str:
    """The matching key of a table or column name in any style (`UnitPrice`, `unit_price`,
    `[Unit Price]` -> the key of "unit price")."""
    words = [w for w in tx.identifier_words(name) if w not in FILLER]
    keys = [stem(w, lang) for w in words]
    if surfaces is not None:
        for key, word in zip(keys, words, strict=True):
            surfaces.setdefault(key, word)
    return " ".join(keys)


# --- function words -------------------------------------------------------------------------

# Dropped before phrase matching, on both sides: "número de ventas" keys as "numero venta".
FILLER = words("el la los las lo un una unos unas de del al a the of an its it's")

# Words that carry no meaning for the query (after the grammar words below are taken out): the
# function words of both languages (datachat.text.STOPWORDS) except those the engine reads as
# grammar, plus the request verbs, courtesies and filler of questions.
_READ_FUNCTION_WORDS = words(
    """
    al algun alguna algunos ante by con cuando de del el if its la las lo los mas mucho muy
    no os otra otro poco por porque si sin than un unos when why will with ya
    """
)
STOPWORDS = (tx.STOPWORDS["es"] | tx.STOPWORDS["en"]) - _READ_FUNCTION_WORDS | words(
    """
    e u quienes cuanto cuanta tus nuestro nuestra nuestros nuestras yo nosotros ellas usted
    ustedes estas esos esas aquel aquella ello fueron eran sido sean estan estuvo estado
    habia hubo han he hemos haber tuvo tuvieron tenemos tengo tenia tener tenido quiero
    quisiera queria necesito necesitamos dame dime damelo muestrame muestra mostrar
    muestrenme ensename ver veo saber conocer obtener obten haz hazme puedes podrias puedo
    podemos indica indicame consulta consultar busca buscar dar da genera calcula calcular
    calculame trae traeme sacame saca desglosa desglose analiza revisar revisa listado favor
    halla hallar devuelve devuelveme
    porfa gracias hola buenas buenos dias tardes noches oye vale ok okay bueno durante
    dentro general global conjunto todo todos toda todas solo solamente
    unicamente ademas aproximadamente cerca exactamente respectivamente hubieron hicieron
    hizo hecho realizadas realizados realizaron registradas registrados registro registros
    fila filas dato datos informacion cifra cifras numeros resultado resultados actualmente
    cada being am done having whats whom whose she us ours here some all such
    very really just only also too please thanks thank hi hello hey show tell give get got
    find display see want need like let know provide return fetch pull compute calculate
    calculated list listed overall totals within during per via s made make data info
    information figure figures number numbers value valor valores record records row rows entry
    entries result results
    altogether together juntos juntas combined about desde hasta between since until after
    before aplicado aplicada aplicados aplicadas applied decir dices digas contar cuentame
    cuenteme averiguar mirar
    informame informar reporta reporte report summary resumen resume quisieras tal saludos
    dolares dolar dollars dollar usd euros euro eur available disponible disponibles
    existentes exist exists existing through mediante traves using usando utilizando used
    usa usan utiliza utilizan viene vienen proviene provienen procede proceden alcanzaron
    alcanzan alcanzo sumaron suman sumo sumaba sumaban totalizaron totalizan totalizo placed
    place recorded registered generated generadas generados generado generada hechas hechos
    efectuadas efectuados efectuado realizado realizada registrado registrada processed
    procesadas procesados completed completadas completados registraron generaron efectuaron
    procesaron completaron realizo genero efectuo monto now ahora tomar toma take takes taken came
    come comes coming belong belongs belonging given gave granted otorgado otorgados dado
    dados concedido break down van va going goes distribucion distribution breakdown reparto
    luego entonces podria podes quieres deseo gustaria saberlo necesitaria pasame pasamelo
    pasamela pasamelos pasamelas pasenme mandame enviame traigame mostrame gimme lemme
    sabemos conocemos query queries sql shows showing write escribe escribir cuyo cuya cuyos
    cuyas corresponding correspondiente correspondientes correspond corresponds corresponde
    corresponden devuelve devuelveme devuelva devuelvan
    halla hallar hallame encuentra encuentrame encontrar proporciona proporcioname
    considered considerado considerada considerados consideradas regarded pertenece pertenecen
    """
) - words(
    # Words that change what is asked: never dropped, so a question the engine cannot read
    # with them is asked back naming them ("customers who bought both X and Y").
    "both either neither nor ni ambos ambas never nunca jamas"
)

# Words that name a row's label or its key in any table ("the continent name", "its id",
# "nombre del país"): the label or key column of the table they are said of (parser.
# resolve_label_words), whatever that column is called.
LABEL_NAME_WORDS = words("name names nombre nombres")
# What a row is about, said of a table: its one `*_description` column ("the description of
# the section h").
DESCRIPTION_WORDS = words("description descriptions descripcion descripciones")
LABEL_ID_WORDS = words("id ids identifier identifiers identificador identificadores")

# Group-by markers.
GROUP_WORDS = words("por per by segun cada each desglosado desglosada broken split x")
GROUP_PHRASES = phrases(
    """
    para cada | for each | for every | broken down by | split by | desglosado por | agrupado por
    | grouped by | en cada | in each
    | each one | for each one | in each one | cada uno | cada una | para cada uno | para cada una
    | en cada uno | en cada una
    """
)

# Aggregation words (soft: "total" is a no-op next to a metric).
# fmt: off
AGG_WORDS: dict[str, str] = {
    'suma': 'sum', 'sum': 'sum', 'sumatoria': 'sum', 'promedio': 'avg', 'promedia': 'avg',
    'media': 'avg', 'medio': 'avg', 'average': 'avg', 'avg': 'avg', 'mean': 'avg', 'medios': 'avg',
    'medias': 'avg', 'promedios': 'avg', 'maximo': 'max', 'maxima': 'max', 'max': 'max',
    'maximum': 'max', 'minimo': 'min', 'minima': 'min', 'min': 'min', 'minimum': 'min',
    # soft: a SUM next to a measure, nothing elsewhere (parser.soft_total)
    'total': 'sum', 'totales': 'sum',
}
# fmt: on
# Words that ask for one figure over several listed values ("the total of A and B", "A and B
# combined"): the values are added up together, not shown one by one (see planner).
TOGETHER_WORDS = words(
    """
    total totales totals overall sum suma combined combinado combinada combinados combinadas
    together juntos juntas altogether conjunto
    """
)
# A grouping word that names every value of what follows ("for each", "para cada"): a numeric
# column after it is grouped by, not ranked by ("por importe" ranks).
EACH_WORDS = words("cada each every")
# "A or B", "A o B": either value, one figure over both.
OR_WORDS = words("or o u")
# "A and B", "A y B", "A e B": both.
AND_WORDS = words("and y e")
# Nouns that name the fact rows themselves: next to another metric they say which rows are
# measured ("profit from Laptop Pro sales"), not a second measure (see planner).
ROW_NOUNS = words(
    """
    orders order pedidos pedido ventas venta sales sale transacciones transaccion transactions
    transaction operaciones operacion compras purchases
    """
)
LIST_JOINERS = frozenset(["y", "e", "and", ",", "&", "plus"])
COUNT_LEADS = words("cuantos cuantas count numero number many conteo recuento cantidad")
COUNT_WORDS = words("cuantos cuantas cuanto count numero number conteo recuento")
COUNT_PHRASES = phrases("how many | numero de | number of | numbers of | count of | cantidad de")

DISTINCT_WORDS = words(
    "distinto distintos distintas diferentes diferente unique distinct unicos different"
)

# Superlatives and ordering.
MOST_WORDS = words(
    """
    mas mayor mayores maximo mejor mejores highest most largest biggest greatest best top
    principales lideres lider higher bigger larger more
    """
)
LEAST_WORDS = words(
    """
    menos menor menores peor peores lowest least fewest smallest worst bottom lower fewer
    smaller less
    """
)
# "la venta más alta", "the biggest order": superlatives of size.
MOST_PHRASES = phrases(
    """
    mas alta | mas alto | mas altas | mas altos | mas grande | mas grandes | mas caro | mas cara
    | mas caros | mas caras | mas elevado | mas elevada
    """
)
LEAST_PHRASES = phrases(
    """
    mas baja | mas bajo | mas bajas | mas bajos | mas pequena | mas pequeno | mas pequenas | mas
    pequenos | mas barato | mas barata | mas baratos | mas baratas
    """
)
TOP_WORDS = words("top mejores principales primeros primeras best")
BOTTOM_WORDS = words("bottom peores ultimos ultimas worst")
ORDER_WORDS = words(
    """
    ordena ordenar ordenado ordenados ordenadas ordenada sorted sort ranking rank
    ranked clasificacion ranquea ordenalo ordenalos ordenala ordenalas reordena reorder resort
    """
)
ORDER_PHRASES = ("order by", "ordered by", "in order of", "sort by", "sorted by")
ASC_PHRASES = phrases(
    """
    de menor a mayor | ascendente | ascending | asc | lowest to highest | smallest to largest |
    least to most | ascending order | in ascending order | orden ascendente | en orden ascendente
    | de forma ascendente | de manera ascendente | en forma ascendente | ordered ascending
    | ordered in ascending order | increasing order | in increasing order
    """
)
# The rows' own text in the order of the alphabet: a sort of a text column, ascending unless
# "descending" is said with it.
ALPHA_PHRASES = phrases(
    """
    alphabetical order | in alphabetical order | alphabetically | alphabetical | alphabetic order
    | orden alfabetico | en orden alfabetico | alfabeticamente | por orden alfabetico
    | lexicographical order | in lexicographical order | lexicographic order | lexicographically
    | orden lexicografico | en orden lexicografico | de forma alfabetica | de manera alfabetica
    | ordered alphabetically | sorted alphabetically | listed alphabetically
    """
)
# The same order backwards ("in reverse alphabetical order"): the text column descending.
REVERSE_ALPHA_PHRASES = phrases(
    """
    reverse alphabetical order | in reverse alphabetical order | reversed alphabetical order
    | in reversed alphabetical order | reverse alphabetically | reverse lexicographical order
    | in reverse lexicographical order | reversed lexicographical order
    | in reversed lexicographical order | reverse lexicographic order
    | orden alfabetico inverso | en orden alfabetico inverso | orden alfabetico invertido
    | en orden alfabetico invertido | orden lexicografico inverso | en orden lexicografico inverso
    """
)
DESC_PHRASES = phrases(
    """
    de mayor a menor | descendente | descending | desc | highest to lowest | largest to smallest
    | most to least | descending order | in descending order | orden descendente |
    en orden descendente | de forma descendente | de manera descendente | en forma descendente
    | ordered descending | ordered in descending order | decreasing order | in decreasing order
    """
)

# Numeric comparison phrases (longest first when matched).
# fmt: off
CMP_PHRASES: dict[str, str] = {
    'mayor o igual a': '>=', 'mayor o igual que': '>=', 'al menos': '>=', 'at least': '>=',
    'greater than or equal to': '>=', 'no menos de': '>=', 'menor o igual a': '<=',
    'menor o igual que': '<=', 'como maximo': '<=', 'at most': '<=', 'less than or equal to': '<=',
    'no mas de': '<=', 'mas de': '>', 'mas que': '>', 'mayor a': '>', 'mayor que': '>',
    'mayores a': '>', 'mayores que': '>', 'superior a': '>', 'superiores a': '>',
    'por encima de': '>', 'more than': '>', 'greater than': '>', 'higher than': '>',
    'larger than': '>', 'bigger than': '>', 'over': '>', 'above': '>', 'exceeding': '>',
    'exceed': '>', 'exceeds': '>', 'exceeded': '>', 'supera': '>', 'superan': '>',
    'superaron': '>', 'supero': '>', 'superen': '>', 'superando': '>', 'menos de': '<',
    'menos que': '<', 'menor a': '<', 'menor que': '<', 'menores a': '<', 'menores que': '<',
    'inferior a': '<', 'inferiores a': '<', 'por debajo de': '<', 'less than': '<',
    'lower than': '<', 'smaller than': '<', 'fewer than': '<', 'under': '<', 'below': '<',
    'igual a': '=', 'equal to': '=', 'exactamente': '=', 'exactly': '=',
    'no less than': '>=', 'not less than': '>=', 'no fewer than': '>=', 'no more than': '<=',
    'not more than': '<=', 'no mayor a': '<=', 'no mayor que': '<=', 'no menor a': '>=',
    'no menor que': '>=',
}
# fmt: on
# "mayor al 10%": the contracted article reads like "a".
for _phrase, _op in list(CMP_PHRASES.items()):
    if _phrase.endswith(" a"):
        CMP_PHRASES[_phrase[:-2] + " al"] = _op
# fmt: off
SYMBOL_CMP = {
    '>': '>', '<': '<', '>=': '>=', '<=': '<=', '=': '=', '<>': '!=', '!=': '!=',
}
# fmt: on

# Presence: "con descuento" -> column > 0, "sin descuento" -> column = 0.
WITH_WORDS = words(
    """
    con with having tengan tienen tiene tuvieron tuvo tenian tenia llevan llevaron incluyen
    incluyeron had
    """
)
# "por encima del promedio", "below the average": compared with the column's own mean.
AVERAGE_CMP: dict[str, str] = {
    **{
        f"{head} {avg}": ">"
        for head in phrases(
            "above | over | higher than | greater than | more than | larger than | bigger than | "
            "mas grande que | por encima de | "
            "por encima del | mayor que | mayor al | mayores al | superior a | superior al | "
            "superiores al | mas que | mas alto que | mas alta que"
        )
        for avg in phrases("average | the average | promedio | el promedio | la media | media")
    },
    **{
        f"{head} {avg}": "<"
        for head in phrases(
            "below | under | lower than | less than | smaller than | mas pequeno que | "
            "mas pequena que | por debajo de | por debajo del | "
            "menor que | menor al | menores al | inferior a | inferior al | inferiores al | "
            "menos que | mas bajo que | mas baja que"
        )
        for avg in phrases("average | the average | promedio | el promedio | la media | media")
    },
}
WITHOUT_WORDS = frozenset(["sin", "without"])
NEG_WORDS = words("excepto except excluding excluyendo salvo exceptuando no not")
NEG_PHRASES = phrases(
    """
    sin contar | fuera de | other than | distinto de | distinta de | diferente de | aside from |
    apart from | a excepcion de
    """
)

COMPARE_WORDS = words(
    """
    vs versus contra compara comparar compare comparison comparacion comparativa comparado
    comparada comparados compared comparing diferencia difference
    """
)
COMPARE_PHRASES = phrases(
    """
    frente a | frente al | comparado con | comparada con | compared to | compared with |
    en comparacion | vs. | respecto a | respecto al | against | relative to | compared against |
    en relacion con | en relacion a
    """
)

TREND_WORDS = words(
    """
    evolucion evoluciono evolucionado tendencia tendencias trend trends evolve evolved evolution
    historico historica historia history trayectoria progression progresion timeline serie
    series
    """
)
# Any form of "evolucionar", "tendencia", "trend", "crecer", "growth".
TREND_PREFIXES = ("evoluc", "evolv", "tendenc", "trend")
# "crecimiento", "cuánto creció", "growth": a trend, or a comparison when two periods are named.
GROWTH_PREFIXES = ("crecimiento", "crecio", "crecieron", "crecer", "growth", "grew", "grown")
# Change between periods (issue 13 §6): "variación", "% change", "cambio porcentual" read as
# growth; the percent words next to them say the change is in percent, not a share.
CHANGE_WORDS = words("variacion variaciones")
CHANGE_IF_PERCENT = words("cambio cambios change changes")
PERCENT_WORDS = words("porcentual porcentuales percent percentage pct porcentaje %")
PERCENT_PHRASES = phrases(
    """
    en porcentaje | in percent | in percentage | as a percentage | como porcentaje | en % | in %
    """
)
# "crecimiento frente al año anterior", "growth vs last year", "over the previous month": the
# latest period against the one before it (only read next to a change word).
VERSUS_WORDS = words("vs versus contra frente respecto compared against over sobre than")
PREVIOUS_UNIT_WORDS = words("last previous prior pasado pasada anterior")
UNIT_SPELLING = {
    "es": {"day": ("dia", "dias"), "week": ("semana", "semanas"), "month": ("mes", "meses"),
           "quarter": ("trimestre", "trimestres"), "year": ("ano", "anos")},
    "en": {"day": ("day", "days"), "week": ("week", "weeks"), "month": ("month", "months"),
           "quarter": ("quarter", "quarters"), "year": ("year", "years")},
}  # fmt: skip
# Running totals: "ventas acumuladas", "cumulative revenue", "running total", "total acumulado".
RUNNING_WORDS = words(
    "acumulado acumulada acumulados acumuladas cumulative cumulatively accumulated"
)
RUNNING_NEEDS_TOTAL = words("running")
RUNNING_TOTAL_WORDS = words("total totals suma sum")
# The best period within each larger one: "el mejor mes de cada año", "the best month of each
# year" (a word of EACH_WORDS then a time unit).
TREND_PHRASES = phrases(
    """
    over time | a lo largo del tiempo | en el tiempo | through time | across time | como ha
    evolucionado | how has | how did
    """
)

LIST_WORDS = words(
    """
    lista listar listame enumera enumerar list listing which cuales muestra mostrar show display
    """
)
EXIST_WORDS = words("hay existen existe tenemos have there")
# A question that opens by asking for the rows themselves ("What are the cities whose…",
# "Return the names of…", "¿Cuáles son los clientes con…"): a listing, not a count of them.
LIST_OPENERS = tuple(
    tuple(p.split())
    for p in phrases(
        "what are | what were | which are | which were | return | find | give me | give | "
        "cuales son | cuales fueron | que son | devuelve | encuentra | halla | dame | dime"
    )
)

# "más vendido", "best-selling": the metric that counts things sold (units).
SOLD_WORDS = words("vendido vendidos vendida vendidas sold selling seller sellers")
# Verbs that mean "bring money in": the revenue-like metric.
SELL_VERBS = words(
    """
    vende venden vendio vendieron vendimos vender vendemos sell sells sold facturo facturaron
    facturamos facturar factura facturado facturan ingreso ingresamos ingresaron gano gano
    ganamos ganaron earn earned earns generate generated generaron genero generamos made make
    brought generates generating bring brings
"""
)
# Verbs that put an entity count on the fact table ("clientes que compraron").
BUY_VERBS = words(
    """
    compro compraron compra compran comprado compraban compramos bought buy buys purchased
    purchase purchases ordered
    """
)

# "¿qué productos cuestan más de 500?": the price column of what is asked about.
PRICE_VERBS = words("cuesta cuestan costaba costaban vale valen cost costs priced")
PRICE_NAMES = ("precio", "price")

# "¿qué porcentaje de las ventas fue online?", "share of revenue by channel".
SHARE_WORDS = words(
    "porcentaje porcentajes percentage percentages share participacion proporcion proportion "
    "cuota fraccion fraction peso"
)

# Out of scope: predictions, causes.
FORECAST_WORDS = words(
    """
    predice predecir prediccion predicciones pronostico pronosticos pronostica pronosticar
    forecast forecasts forecasting predict predicts prediction predictions proyeccion
    proyecciones proyecta proyectar projection project projected estimate estimated estimacion
    estimada estimadas estimado estimados estima futuro futura future will sera seran habra
    tendremos venderemos vendera proximo proxima proximos proximas siguiente siguientes next
    upcoming coming
    """
)
FORECAST_PHRASES = ("que viene", "el ano que viene", "el mes que viene", "going to")
WHY_PHRASES = phrases(
    """
    por que | why | porque | causa | causas | motivo | motivos | reason | reasons | cause |
    causes
    """
)

# "same for 2024", "lo mismo para el canal Online": the previous question with another value.
SAME_WORDS = words("same mismo misma igual")
SAME_FILLER = words("lo la the do does did it for para con with but pero en in")

FOLLOWUP_LEADS = words(
    """
    y e and also tambien ahora now solo solamente only just pero but then luego entonces
    """
)
ADD_WORDS = words("tambien also ademas too additionally")

# Schema questions.
SCHEMA_WORDS = words(
    """
    columna columnas campo campos column columns field fields tabla tablas table tables
    estructura structure esquema schema
    """
)
MEANING_PHRASES = phrases(
    """
    que significa | que quiere decir | what does | what do | meaning | significado | significa |
    means | mean | definicion | definition | define | defined | definen | definido | se define |
    como se calcula | se calcula | como se calculan | se calculan | como se mide | se miden |
    calculated | computed | formula | se computa | se computan | se obtienen |
    se obtiene | describe | describir | descripcion | description | explica | explain | que es |
    que son | moneda | currency | tipo de dato | data type | formato | format
"""
)
VALUES_PHRASES = phrases(
    """
    valores posibles | posibles valores | possible values | puede tomar | pueden tomar | can
    take | valores puede | valores tiene | valid values | valores validos | opciones | options |
    valores | values
    """
)
JOIN_PHRASES = phrases(
    """
    relacion | relaciona | relacionan | relacionada | relacionado | relaciones | related |
    relationship | relationships | join | joins | unir | une | unen | se une | conecta | connect
    | connected | link | linked | cruzar | cruza | links | linking | connects | connecting |
    relate | relates | relacionar | relacionamos | conectan | conectar | conectamos | vincula |
    vinculan | vincular | enlaza | enlazan | enlazar | joined | joining
    """
)
INFO_WORDS = words(
    """
    informacion information contiene contain contains hay guarda almacena stores store
    stored almacenado almacenados guardado guardados guardamos guardan almacenamos almacenan
    registramos keep keeps hold holds
    """
)
# "¿Qué rango de fechas cubre la tabla ventas?": the period the data covers, a schema question
# the date column's documentation answers.
COVERAGE_PHRASES = phrases(
    """
    rango de fechas | rango de fecha | periodo de fechas | periodo cubre | periodo cubren |
    date range | range of dates | time range | time span | cubre | cubren | abarca | abarcan |
    cover | covers | covered | spans | desde cuando | since when | hasta cuando | until when |
    what period | which period | que periodo | time period | periodo de tiempo
    """
)
# "diferencia entre precio_lista y precio_unitario": what two columns or metrics mean.
DIFFERENCE_WORDS = words("diferencia diferencias difference differences")

# --- numbers --------------------------------------------------------------------------------

# fmt: off
NUMBER_WORDS: dict[str, int] = {
    'uno': 1, 'una': 1, 'one': 1, 'dos': 2, 'two': 2, 'tres': 3, 'three': 3, 'cuatro': 4,
    'four': 4, 'cinco': 5, 'five': 5, 'seis': 6, 'six': 6, 'siete': 7, 'seven': 7, 'ocho': 8,
    'eight': 8, 'nueve': 9, 'nine': 9, 'diez': 10, 'ten': 10, 'once': 11, 'eleven': 11, 'doce': 12,
    'twelve': 12, 'quince': 15, 'fifteen': 15, 'veinte': 20, 'twenty': 20, 'treinta': 30,
    'thirty': 30, 'cincuenta': 50, 'fifty': 50, 'cien': 100, 'hundred': 100,
}
# fmt: on
# fmt: off
MULTIPLIERS: dict[str, float] = {
    'mil': 1000.0, 'thousand': 1000.0, 'k': 1000.0, 'millon': 1000000.0, 'millones': 1000000.0,
    'million': 1000000.0, 'millions': 1000000.0, 'm': 1000000.0, 'mm': 1000000.0,
}
# fmt: on


def parse_number(text: str) -> float | None:
    """A number as written in either language: "1.000" and "1,000" are a thousand, "2,5" is 2.5.

    A separator followed by exactly three digits groups thousands; otherwise it is decimal.
    Digits too many for a float (400 nines: infinity) are no number: a word nothing reads.
    """
    if not re.fullmatch(r"\d+(?:[.,]\d+)*", text):
        return None
    parts = re.split(r"[.,]", text)
    if len(parts) == 1:
        value = float(text)
    elif all(len(p) == 3 for p in parts[1:]):
        value = float("".join(parts))
    else:
        value = float(f"{''.join(parts[:-1])}.{parts[-1]}")
    return value if math.isfinite(value) else None


# --- time -----------------------------------------------------------------------------------

# fmt: off
MONTHS: dict[str, int] = {
    'enero': 1, 'febrero': 2, 'marzo': 3, 'abril': 4, 'mayo': 5, 'junio': 6, 'julio': 7,
    'agosto': 8, 'septiembre': 9, 'setiembre': 9, 'octubre': 10, 'noviembre': 11, 'diciembre': 12,
    'january': 1, 'february': 2, 'march': 3, 'april': 4, 'may': 5, 'june': 6, 'july': 7,
    'august': 8, 'september': 9, 'october': 10, 'november': 11, 'december': 12, 'ene': 1, 'jan': 1,
    'feb': 2, 'mar': 3, 'abr': 4, 'apr': 4, 'jun': 6, 'jul': 7, 'ago': 8, 'aug': 8, 'sep': 9,
    'sept': 9, 'oct': 10, 'nov': 11, 'dic': 12, 'dec': 12,
}
# fmt: on
# Abbreviations and English "may" are months only next to a day or a year.
WEAK_MONTHS = words("ene jan feb mar abr apr jun jul ago aug sep sept oct nov dic dec may")

# fmt: off
ORDINALS: dict[str, int] = {
    'primer': 1, 'primero': 1, 'primera': 1, 'first': 1, '1st': 1, '1er': 1, '1ro': 1,
    'segundo': 2, 'segunda': 2, 'second': 2, '2nd': 2, '2do': 2, 'tercer': 3, 'tercero': 3,
    'tercera': 3, 'third': 3, '3rd': 3, '3er': 3, '3ro': 3, 'cuarto': 4, 'cuarta': 4, 'fourth': 4,
    '4th': 4, '4to': 4,
}
# fmt: on
# The organisation asking: "en total en la empresa", "our company", "toda la compañía". These
# nouns can also be catalog values (segment 'Empresa', channel 'Tienda'), but after an article or
# a possessive they name the business itself, so they filter nothing. "segmento Empresa",
# "clientes Empresa", "ventas a empresas" and "en tienda" (no determiner, or a plural) still
# name the value; "la tienda" stays the channel: only a possessive makes a store the business.
# Each language's nouns take that language's determiners: "the Empresa segment" is the value.
ORG_NOUNS = {
    **dict.fromkeys(words("empresa compania organizacion negocio corporacion"), "es"),
    **dict.fromkeys(words("company organization organisation business firm corporation"), "en"),
}
STORE_NOUNS = {"tienda": "es", "store": "en", "shop": "en"}
ORG_DETERMINERS = {
    "es": words("la el nuestra nuestro mi esta este toda todo"),
    "en": words("the our my this whole entire"),
}
POSSESSIVES = {"es": words("nuestra nuestro mi"), "en": words("our my")}
# Days of the week. The engine has no day-of-week grouping or filter, and reading "por día de
# la semana" as "por día" grouped by the date (730 rows), so these questions clarify instead.
WEEKDAY_WORDS = words(
    "lunes martes miercoles jueves viernes sabado sabados domingo domingos monday mondays "
    "tuesday tuesdays wednesday wednesdays thursday thursdays friday fridays saturday saturdays "
    "sunday sundays weekday weekdays weekend weekends finde laborable laborables"
)
WEEKDAY_PHRASES = (
    ("dia", "de", "la", "semana"),
    ("dias", "de", "la", "semana"),
    ("day", "of", "the", "week"),
    ("days", "of", "the", "week"),
    ("day", "of", "week"),
    ("fin", "de", "semana"),
    ("fines", "de", "semana"),
    ("entre", "semana"),
)
LAST_WORDS = words("ultimo ultima ultimos ultimas last latest recent reciente mas")
PREVIOUS_WORDS = words("pasado pasada anterior previous prior")
THIS_WORDS = words("este esta this current actual presente")

# Time units: singular/plural, es/en, and the adjectives that make a grain.
# fmt: off
UNIT_WORDS: dict[str, str] = {
    'dia': 'day', 'dias': 'day', 'day': 'day', 'days': 'day', 'fecha': 'day', 'date': 'day',
    'semana': 'week', 'semanas': 'week', 'week': 'week', 'weeks': 'week', 'mes': 'month',
    'meses': 'month', 'month': 'month', 'months': 'month', 'trimestre': 'quarter',
    'trimestres': 'quarter', 'quarter': 'quarter', 'quarters': 'quarter', 'semestre': 'half',
    'semestres': 'half', 'half': 'half', 'ano': 'year', 'anos': 'year', 'year': 'year',
    'years': 'year', 'ejercicio': 'year',
}
# fmt: on
# fmt: off
GRAIN_ADJECTIVES: dict[str, str] = {
    'diario': 'day', 'diaria': 'day', 'diarios': 'day', 'diarias': 'day', 'daily': 'day',
    'semanal': 'week', 'semanales': 'week', 'weekly': 'week', 'mensual': 'month',
    'mensuales': 'month', 'monthly': 'month', 'mensualmente': 'month', 'trimestral': 'quarter',
    'trimestrales': 'quarter', 'quarterly': 'quarter', 'anual': 'year', 'anuales': 'year',
    'yearly': 'year', 'annual': 'year', 'annually': 'year',
}
# fmt: on
# fmt: off
GRAIN_PHRASES: dict[str, str] = {
    'mes a mes': 'month', 'month over month': 'month', 'month by month': 'month',
    'ano a ano': 'year', 'year over year': 'year', 'year by year': 'year', 'yoy': 'year',
    'dia a dia': 'day', 'day by day': 'day', 'semana a semana': 'week', 'week by week': 'week',
    'trimestre a trimestre': 'quarter', 'quarter over quarter': 'quarter',
}
# fmt: on

SINCE_PHRASES = phrases(
    """
    a partir de | desde | since | after | despues de | posterior a | posteriores a | starting
    """
)
UNTIL_PHRASES = phrases("antes de | before | previo a | anterior a | anteriores a | prior to")
UPTO_PHRASES = ("hasta", "until", "up to", "through")
# "2005 or after", "March 2015 o después": the bound itself included (`timeparse._or_later` for
# a period, `rewrite._or_more` for another number).
OR_AFTER = frozenset(
    {("or", "after"), ("or", "later"), ("o", "despues"), ("o", "posterior"), ("o", "posteriores")}
)
OR_BEFORE = frozenset(
    {("or", "before"), ("or", "earlier"), ("o", "antes"), ("o", "anterior"), ("o", "anteriores")}
)
# A plain integer column holding a year ("Year", "IndepYear", "anio_fabricacion"): one of its
# name's words. Time conditions and "each year" apply to it when its table has no date.
YEAR_COLUMN_WORDS = words("year yr anio ano")

# "clientes activos", "active customers": entities with at least one fact row.
ACTIVE_WORDS = words("activo activos activa activas active compradores compradoras buying")

# Business concepts that work without catalog synonyms: each names the fact table's
# revenue-like measure, its units measure or its row count (see measures.py).
CONCEPT_PHRASES: dict[str, str] = {
    **dict.fromkeys(
        phrases(
            "ingresos | ingreso | facturacion | revenue | revenues | turnover | sales | sale | "
            "ventas | venta | ventas totales | total sales | sales amount | importe vendido"
        ),
        "revenue",
    ),
    **dict.fromkeys(
        phrases(
            "unidades | units | unidades vendidas | units sold | cantidad vendida | "
            "quantity sold | piezas | items sold"
        ),
        "units",
    ),
    **dict.fromkeys(
        phrases(
            "ticket promedio | ticket medio | average order value | average ticket | aov | "
            "valor medio por venta | importe medio | average sale"
        ),
        "aov",
    ),
    **dict.fromkeys(
        phrases(
            "pedidos | orders | transacciones | transactions | operaciones | numero de ventas | "
            "number of sales | number of orders | numero de pedidos"
        ),
        "orders",
    ),
}

# Concepts used to find the revenue-like and units-like metrics without naming them.
REVENUE_CONCEPT = words(
    """
    ingreso ingresos facturacion revenue revenues sales sale ventas turnover importe amount
    income
    """
)
UNITS_CONCEPT = words("unidades unidad units unit cantidad quantity qty vendidas sold")

# Words for what a pay column holds, as people ask it ("¿cuánto cobra cada gerente?", "how
# much are the managers paid?"): they name a column called salario/sueldo/salary/wage.
PAY_COLUMNS = words("salario salarios sueldo sueldos salary salaries wage wages pay")
PAY_WORDS = words(
    """
    cobra cobran cobrar cobro gana ganan ganar sueldo sueldos salario salarios paid pay payed
    earn earns earning earnings salary salaries wage wages
    """
)
PROFIT_WORDS = words("beneficio beneficios ganancia ganancias utilidad utilidades profit profits")

# Price adjectives say which way a price ranks or compares: "el producto más caro" is the
# highest price, not the best seller (folded words -> the words the engine already reads).
PRICE_ADJECTIVES: dict[tuple[str, ...], tuple[str, ...]] = {
    **{("mas", w): ("mayor", "precio") for w in ("caro", "cara", "caros", "caras")},
    **{("mas", w): ("menor", "precio") for w in ("barato", "barata", "baratos", "baratas")},
    ("most", "expensive"): ("highest", "price"),
    ("least", "expensive"): ("lowest", "price"),
    ("priciest",): ("highest", "price"),
    ("cheapest",): ("lowest", "price"),
    ("more", "expensive", "than"): ("price", "above"),
    ("cheaper", "than"): ("price", "below"),
}

# "sales that had no discount", "with no discount", "con ningún descuento": without.
NEGATED_WITH: dict[tuple[str, ...], tuple[str, ...]] = {
    **{(w, "no"): ("without",) for w in ("had", "has", "have", "with")},
    ("con", "ningun"): ("sin",),
    ("sin", "ningun"): ("sin",),
}
# Comparatives and superlatives of the physical dimensions a column is named by: "lighter
# than 3500" compares the weight, "the longest" ranks by length. Where no column has that name
# the word is asked back, as any unknown word.
DIMENSION_ADJECTIVES: dict[tuple[str, ...], tuple[str, ...]] = {
    ("heavier", "than"): ("weight", "above"),
    ("lighter", "than"): ("weight", "below"),
    ("longer", "than"): ("length", "above"),
    ("shorter", "than"): ("length", "below"),
    ("heaviest",): ("highest", "weight"),
    ("lightest",): ("lowest", "weight"),
    ("longest",): ("highest", "length"),
    ("shortest",): ("lowest", "length"),
    ("taller", "than"): ("height", "above"),
    ("tallest",): ("highest", "height"),
    **{("mas", w, "que"): ("peso", "mayor", "que") for w in ("pesado", "pesada", "pesados")},
    **{("mas", w, "que"): ("peso", "menor", "que") for w in ("ligero", "ligera", "ligeros")},
    **{("mas", w, "que"): ("peso", "mayor", "que") for w in ("pesadas",)},
    **{("mas", w, "que"): ("peso", "menor", "que") for w in ("ligeras", "liviano", "livianos")},
}
# "Cuenta el número de tiendas", "cuenta cuántos clientes hay", "cuenta las tiendas": the
# imperative of "contar" (count) before an article or a count word. Elsewhere "cuenta" is a
# noun (an account: "cuenta bancaria", "la cuenta del cliente") and is left alone.
COUNT_REQUESTS: dict[tuple[str, ...], tuple[str, ...]] = {
    **{
        (verb, lead): (lead,)
        for verb in ("cuenta", "cuente", "contar")
        for lead in ("cuantos", "cuantas", "numero")
    },
    **{
        (verb, article, lead): (article, lead)
        for verb in ("cuenta", "cuente", "contar")
        for article in ("el", "un")
        for lead in ("numero",)
    },
    **{
        (verb, article): ("numero", "de", article)
        for verb in ("cuenta", "cuente", "contar")
        for article in ("los", "las")
    },
}
# "Give the mean GNP", "the mean of the price": after an article "mean" is the average, not
# the verb of "what does X mean?" (a question about meaning, answered from the documents).
MEAN_NOUN: dict[tuple[str, ...], tuple[str, ...]] = {
    ("the", "mean"): ("the", "average"),
    ("a", "mean"): ("an", "average"),
    ("their", "mean"): ("their", "average"),
    ("its", "mean"): ("its", "average"),
}

# "the name of each maker, along with its id": "along" adds nothing to "with".
ALONG_WITH: dict[tuple[str, ...], tuple[str, ...]] = {
    ("along", "with"): ("with",),
    ("junto", "con"): ("con",),
    ("junto", "a"): ("con",),
}
# "for each and every concert" is "for each concert"; "todos y cada uno de los estadios" is
# "todos los estadios".
EACH_AND_EVERY: dict[tuple[str, ...], tuple[str, ...]] = {
    ("each", "and", "every"): ("each",),
    ("todos", "y", "cada", "uno", "de"): ("todos",),
    ("todas", "y", "cada", "una", "de"): ("todas",),
}
# "the names of every course with …" is "of all courses" (`__init__._every_as_all`)
EVERY_WORDS = words("every")
# "how many types of governments", "¿cuántos tipos de gobierno?": the kinds of a column's values
# are its different values (read only where the word names no schema name).
KIND_NOUNS = words(
    "type types kind kinds sort sorts variety varieties tipo tipos clase clases variedad variedades"
)
# "the amount of money requested", "the top 3 asset amounts": a word that only says a quantity
# of the numeric column said beside it (read only where the word names no schema name).
AMOUNT_NOUNS = words("amount amounts")
# Nouns that, right after a numeric column, say only the number it holds: "the snatch score",
# "the total score", "the market value figure" (`rereads._amount_of_column`).
MEASURE_NOUNS = AMOUNT_NOUNS | words("score scores value values figure figures")
# "the average earnings across all players", "the maximum height among players with …": the
# rows an aggregate is over, said as "of" them. "across" only before "all"/"the" ("across
# time" is a trend).
OVER_ROWS: dict[tuple[str, ...], tuple[str, ...]] = {
    ("across", "all"): ("of", "all"),
    ("across", "the"): ("of", "the"),
    ("among", "all"): ("of", "all"),
    ("among",): ("of",),
}
# "concerts that occurred in 2014", "los conciertos que tuvieron lugar en 2014": a verb that says
# an event took place, before the time it did, says no more than "in".
EVENT_IN: dict[tuple[str, ...], tuple[str, ...]] = {
    **{
        (*verb.split(), prep): (prep,)
        for verb in (
            "happened", "occurred", "took place", "was held", "were held", "happens", "occurs",
            "takes place", "is held", "are held",
        )
        for prep in ("in", "on", "during", "before", "after")
    },
    **{
        (*verb.split(), prep): (prep,)
        for verb in (
            "ocurrio", "ocurrieron", "tuvo lugar", "tuvieron lugar", "se celebro",
            "se celebraron", "sucedio", "sucedieron",
        )
        for prep in ("en", "durante", "antes", "despues")
    },
}  # fmt: skip
# "the record companies that are used by orchestras …": what the rows use is their column, "of"
USED_BY: dict[tuple[str, ...], tuple[str, ...]] = {
    (rel, be, "used", "by"): ("of",)
    for rel in ("that", "which")
    for be in ("is", "are", "was", "were")
}
# "the nationalities that are shared by at least two people": values that that many rows have,
# a count of rows per value ("that have at least two people"); "shared by" two sets of rows
# ("… by singers born before 1945 and after 1955") is `__init__._shared_by`, not this.
SHARED_BY_COUNT: dict[tuple[str, ...], tuple[str, ...]] = {
    (*be, "shared", "by", *bound): ("have", *bound)
    for be in (("are",), ("is",), ("were",), ("was",), ())
    for bound in (("at", "least"), ("more", "than"))
}
# "How many languages are spoken in the world?": the whole data, no filter (a place named
# "world" would be a value said as such, "the region World").
WHOLE_WORLD: dict[tuple[str, ...], tuple[str, ...]] = {
    phrase: () for phrase in (
        ("in", "the", "world"), ("around", "the", "world"), ("across", "the", "world"),
        ("worldwide",), ("en", "el", "mundo"), ("en", "todo", "el", "mundo"),
    )
}  # fmt: skip
# "the ids and names of each document, as well as the number of paragraphs" is "and"; "show
# the shop name as well" adds nothing; "así como" is "y". ("his or her" is read by
# `labels.row_pronouns`, only where it can mean one row's person.)
AS_WELL: dict[tuple[str, ...], tuple[str, ...]] = {
    ("as", "well", "as"): ("and",),
    ("as", "well"): (),
    ("asi", "como"): ("y",),
}
# "How many ships ended up being 'Captured'?": what the rows became is what they are.
ENDED_UP: dict[tuple[str, ...], tuple[str, ...]] = {
    (end, "up", *being): ("were",)
    for end in ("end", "ends", "ended")
    for being in (("being",), ("as",))
}
REWRITES: dict[tuple[str, ...], tuple[str, ...]] = {
    **AS_WELL,
    **WHOLE_WORLD,
    **ENDED_UP,
    **COUNT_REQUESTS,
    **PRICE_ADJECTIVES,
    **NEGATED_WITH,
    **DIMENSION_ADJECTIVES,
    **MEAN_NOUN,
    **ALONG_WITH,
    **OVER_ROWS,
    **EACH_AND_EVERY,
    **EVENT_IN,
    **USED_BY,
    **SHARED_BY_COUNT,
}

# "¿Cuánto sumaron los pedidos?": an amount added up, so money even when rows are named.
SUM_VERBS = words("sumaron suman sumo sumaba sumaban totalizaron totalizan totalizo")

# "¿Cuántas filas tiene la tabla ventas?", "how many records are in clientes?": rows counted.
ROW_WORDS = words("filas fila registros registro rows row records record lineas entries")

# The verbs among them: they mean pay only when the question is about people who are paid
# ("¿cuánto cobra cada gerente?"), not in "¿qué producto gana más?" (see interpret).
PAY_VERBS = words("cobra cobran cobrar gana ganan ganar paid pay payed earn earns earning")

# English names of common Spanish category values ("the managers" -> 'Gerente'), used only
# when the catalog gives the phrase no other meaning.
# Endings that make an adjective of a place's name, after the name or its stem without the
# last vowel: Asia-n, Europe-an, Afric-ano, Asi-ático, Europ-eo (`typos._place_adjective`).
PLACE_ADJECTIVE_ENDINGS = (
    "n",
    "an",
    "ns",
    "ans",
    *(f"{stem}{end}" for stem in ("an", "atic", "e") for end in ("o", "a", "os", "as")),
)
VALUE_GLOSS: dict[str, tuple[str, ...]] = {
    "gerente": ("manager", "managers"),
    "vendedor": ("salesperson", "salespeople", "sales rep", "sales reps"),
    "distribuidor": ("distributor", "distributors"),
    "consumidor": ("consumer", "consumers"),
}

# Generic bilingual glossary for schema identifiers: lets "customers" find `clientes` when
# the catalog carries no English synonyms. Folded, singular.
GLOSS: dict[str, tuple[str, ...]] = {
    "venta": ("sale", "sales"),
    "producto": ("product",),
    "cliente": ("customer", "client"),
    "empleado": ("employee", "staff"),
    "region": ("region",),
    "categoria": ("category",),
    "canal": ("channel",),
    "segmento": ("segment",),
    "ciudad": ("city",),
    "pais": ("country",),
    "nacion": ("nation", "country"),
    "precio": ("price",),
    "costo": ("cost",),
    "coste": ("cost",),
    "cantidad": ("quantity",),
    "descuento": ("discount",),
    "fecha": ("date",),
    "nombre": ("name",),
    "salario": ("salary",),
    "sueldo": ("salary", "wage"),
    "cargo": ("position", "role", "title"),
    "direccion": ("address",),
    "telefono": ("phone",),
    "correo": ("email",),
    "activo": ("active",),
    "unitario": ("unit",),
    "lista": ("list",),
    "alta": ("signup",),
    "cuenta": ("account",),
    "bancaria": ("bank",),
    "importe": ("amount",),
    "monto": ("amount",),
    "proveedor": ("supplier", "vendor"),
    "pedido": ("order",),
    "estado": ("status", "state"),
    "tienda": ("store", "shop"),
    "almacen": ("warehouse",),
    "inventario": ("inventory",),
    "factura": ("invoice",),
    "pago": ("payment",),
    "marca": ("brand",),
    "modelo": ("model",),
    "tipo": ("type",),
    "departamento": ("department",),
    "zona": ("zone", "area"),
    "provincia": ("province",),
    "codigo": ("code",),
    "descripcion": ("description",),
    "peso": ("weight",),
    "edad": ("age",),
    "genero": ("gender", "genre"),  # a person's, or a catalogue's (films, books, music)
    "margen": ("margin",),
    "beneficio": ("profit",),
    "ganancia": ("profit",),
    "impuesto": ("tax",),
    "moneda": ("currency",),
    "unidad": ("unit",),
    "usuario": ("user",),
    "compra": ("purchase",),
    "devolucion": ("return",),
    "envio": ("shipping",),
    "ingreso": ("hire",),
    "total": ("total",),
    "stock": ("stock",),
    # common data words of any domain (people, places, things, time)
    "poblacion": ("population",),
    "habitante": ("population", "inhabitant"),
    "idioma": ("language",),
    "lengua": ("language",),
    "lenguaje": ("language",),
    "ano": ("year",),
    "coche": ("car",),
    "vehiculo": ("vehicle", "car"),
    "fabricante": ("maker", "manufacturer"),
    "continente": ("continent",),
    "superficie": ("surface", "area"),
    "pelicula": ("film", "movie"),
    "titulo": ("title",),
    "alquiler": ("rental", "rent"),
    "distrito": ("district",),
    "gobierno": ("government",),
    "independencia": ("independence",),
    "vida": ("life",),
    "esperanza": ("expectancy",),
    "duracion": ("length", "duration"),
    "tarifa": ("rate", "fee"),
    "persona": ("person", "people"),
    "personal": ("staff",),
    "calle": ("street",),
    "apellido": ("surname", "last name", "family name"),
    "nombre de pila": ("first name", "given name"),
    "nombre completo": ("full name",),
    "sexo": ("sex", "gender"),
    "porcentaje": ("percentage", "percent"),
    "articulo": ("item", "article"),
    "puntuacion": ("score", "rating"),
    "valoracion": ("rating",),
    "clasificacion": ("rating", "classification"),
    "jefe": ("head", "manager", "boss"),
    "oficial": ("official",),
    "forma": ("form",),
    "velocidad": ("speed",),
    "aceleracion": ("acceleration", "accelerate"),
    "cilindro": ("cylinder",),
    "potencia": ("power", "horsepower"),
    "autor": ("author",),
    "libro": ("book",),
    "escuela": ("school",),
    "estudiante": ("student",),
    "profesor": ("teacher", "professor"),
    "curso": ("course",),
    "equipo": ("team",),
    "jugador": ("player",),
    "tamano": ("size",),
    "color": ("color", "colour"),
    "nivel": ("level",),
    # everyday nouns and adjectives of column names of any domain
    "caracteristica": ("feature", "characteristic"),
    "especial": ("special",),
    "reposicion": ("replacement",),
    "lider": ("leader",),
    "version": ("version",),
    "copia": ("copy",),
    "minuto": ("minute",),
    "correo electronico": ("email",),
    "jefe de estado": ("head of state",),
    # economic indicators, said by their Spanish initials
    "pnb": ("gnp",),
    "pib": ("gdp",),
}


# GLOSS keys are Spanish and its translations English: each side is keyed by its own stemmer.
_GLOSS_BY_STEM: dict[str, tuple[str, ...]] = {stem(k, "es"): v for k, v in GLOSS.items()}
_GLOSS_REVERSE: dict[str, list[str]] = {}
for _es, _ens in GLOSS.items():
    for _en in _ens:
        _GLOSS_REVERSE.setdefault(stem(_en, "en"), []).append(_es)


def spanish_words(word: str) -> list[str]:
    """The one-word Spanish glosses of an English word of an identifier ("government" ->
    "gobierno"), for a column whose name has it as one word of several."""
    return [es for es in _GLOSS_REVERSE.get(stem(word, "en"), ()) if " " not in es]


def gloss_variants(name: str) -> list[tuple[str, str]]:
    """Renderings of an identifier through GLOSS, both word orders, with their language:
    ("list price", "en") for `precio_lista`, ("precio unitario", "es") for `UnitPrice`."""
    words = tx.identifier_words(name)
    if not words or len(words) > 3:
        return []
    variants: set[tuple[str, str]] = set()
    whole = " ".join(words)
    # a two-word English name with a one-phrase Spanish gloss: `LastName` -> "apellido"
    variants |= {(es, "es") for es, ens in GLOSS.items() if len(words) > 1 and whole in ens}
    for lang, table, key_lang in (("en", _GLOSS_BY_STEM, "es"), ("es", _GLOSS_REVERSE, "en")):
        options = [list(table.get(stem(w, key_lang), ())) or [w] for w in words]
        if all(len(o) == 1 and o[0] == w for o, w in zip(options, words, strict=True)):
            continue  # nothing translates

        def walk(i: int, acc: list[str], lang: str = lang, options: list = options) -> None:
            if i == len(options):
                variants.add((" ".join(acc), lang))
                if len(acc) == 2 and acc[0] == acc[1]:
                    # both words of a compound say one word: `SurfaceArea` -> "superficie"
                    variants.add((acc[0], lang))
                elif len(acc) == 2:
                    variants.add((" ".join(reversed(acc)), lang))  # "precio lista" -> "list price"
                return
            # every translation of a one-word name; three per word of a compound
            for option in options[i] if len(options) == 1 else options[i][:3]:
                walk(i + 1, [*acc, option])

        walk(0, [])
    return sorted(v for v in variants if v[0] != " ".join(words))


# Relation verbs (offline/relations.py). Between the first entity and the verb: relative
# pronouns, auxiliaries and negation.
RELATION_BEFORE = words(
    """
    that which who whom whose where do does did dont doesnt didnt not is are was were be been
    being to can could will would also only have has had all any
    que quienes cuales cual donde se no es son fue fueron ha han sido solo solamente tambien
    en
    """
)
# Between the verb and the second entity: prepositions and the words of a count or a rank.
RELATION_AFTER = words(
    """
    by in at on from for to with into of a an the some any one
    por en de del con a al para desde un una unos unas algun alguna algunos algunas
    both either ambos ambas tanto
    """
)


# Spanish names of the world's languages, continents, regions and compass points, in English
# (folded, singular): a value stored in English ('English', 'Europe', 'Central Africa') is
# found from its Spanish name ("inglés", "Europa", "África Central") on any schema
# (semantic._index_value_names). General vocabulary of any atlas or dictionary, never one
# database's values.
NAME_GLOSS: dict[str, tuple[str, ...]] = {
    # languages (and the people or things of their country: "chino" is Chinese)
    "ingles": ("english",),
    "frances": ("french",),
    "espanol": ("spanish",),
    "castellano": ("spanish",),
    "aleman": ("german",),
    "italiano": ("italian",),
    "portugues": ("portuguese",),
    "neerlandes": ("dutch",),
    "holandes": ("dutch",),
    "chino": ("chinese",),
    "japones": ("japanese",),
    "coreano": ("korean",),
    "arabe": ("arabic",),
    "ruso": ("russian",),
    "griego": ("greek",),
    "turco": ("turkish",),
    "polaco": ("polish",),
    "sueco": ("swedish",),
    "noruego": ("norwegian",),
    "danes": ("danish",),
    "finlandes": ("finnish",),
    "hungaro": ("hungarian",),
    "checo": ("czech",),
    "rumano": ("romanian",),
    "persa": ("persian",),
    "hebreo": ("hebrew",),
    "indonesio": ("indonesian",),
    "malayo": ("malay",),
    "vietnamita": ("vietnamese",),
    "tailandes": ("thai",),
    "ucraniano": ("ukrainian",),
    "catalan": ("catalan",),
    "vasco": ("basque",),
    "gallego": ("galician",),
    "irlandes": ("irish",),
    "gales": ("welsh",),
    "croata": ("croatian",),
    "serbio": ("serbian",),
    "bulgaro": ("bulgarian",),
    "suajili": ("swahili",),
    "tagalo": ("tagalog",),
    # continents and regions (their adjectives: typos._place_adjective)
    "europa": ("europe",),
    "oceania": ("oceania",),
    "antartida": ("antarctica",),
    "norteamerica": ("north america",),
    "sudamerica": ("south america",),
    "suramerica": ("south america",),
    "centroamerica": ("central america",),
    "caribe": ("caribbean",),
    # compass points, as the adjectives of a region's name ("Europa del Este", "África Central")
    "norte": ("north", "northern"),
    "sur": ("south", "southern"),
    "este": ("east", "eastern"),
    "oeste": ("west", "western"),
    "oriental": ("eastern",),
    "occidental": ("western",),
    "meridional": ("southern",),
    "septentrional": ("northern",),
    "sudeste": ("southeast", "southeastern"),
    "sureste": ("southeast", "southeastern"),
    "suroeste": ("southwest", "southwestern"),
    "sudoeste": ("southwest", "southwestern"),
    "noreste": ("northeast", "northeastern"),
    "nordeste": ("northeast", "northeastern"),
    "noroeste": ("northwest", "northwestern"),
    "central": ("central", "middle"),
    "medio": ("middle",),
    # countries whose Spanish name is not their English one (an abbreviation is one word:
    # "EE. UU." -> "eeuu", `tokenize`), and the common nouns of a territory's name
    "eeuu": ("united states", "usa", "us"),
    "estados unidos": ("united states", "usa", "us"),
    "reino unido": ("united kingdom", "uk"),
    "alemania": ("germany",),
    "francia": ("france",),
    "espana": ("spain",),
    "italia": ("italy",),
    "japon": ("japan",),
    "suecia": ("sweden",),
    "noruega": ("norway",),
    "dinamarca": ("denmark",),
    "finlandia": ("finland",),
    "rusia": ("russia", "russian federation"),
    "corea": ("korea",),
    "corea del sur": ("south korea",),
    "corea del norte": ("north korea",),
    "egipto": ("egypt",),
    "brasil": ("brazil",),
    "belgica": ("belgium",),
    "suiza": ("switzerland",),
    "polonia": ("poland",),
    "grecia": ("greece",),
    "turquia": ("turkey",),
    "holanda": ("netherlands",),
    "paises bajos": ("netherlands",),
    "irlanda": ("ireland",),
    "nueva zelanda": ("new zealand",),
    "sudafrica": ("south africa",),
    "marruecos": ("morocco",),
    "arabia saudi": ("saudi arabia",),
    "filipinas": ("philippines",),
    "tailandia": ("thailand",),
    "territorio": ("territory",),
    "isla": ("island",),
    "islas": ("islands",),
    "republica": ("republic",),
    "reino": ("kingdom",),
}
_NAME_REVERSE: dict[str, list[str]] = {}
for _es, _ens in NAME_GLOSS.items():
    for _en in _ens:
        _NAME_REVERSE.setdefault(_en, []).append(_es)


def spanish_names(value: str, reorder: bool) -> list[tuple[str, bool]]:
    """Spanish renderings of a value stored in English, each with whether a word of it was
    translated: 'English' -> "ingles"; 'North America' -> "norteamerica", "america norte"
    (the key drops "del": "América del Norte"); 'Central Africa' -> "africa central" (a
    Spanish adjective follows its noun: `reorder`, two-word values only)."""
    folded = fold(value).strip()
    words = folded.split()
    if not words or len(words) > 3 or not all(w.isalpha() for w in words):
        return []
    found: dict[str, bool] = {es: True for es in _NAME_REVERSE.get(folded, ()) if " " not in folded}
    found |= {es: True for es, ens in NAME_GLOSS.items() if " " in folded and folded in ens}
    options = [[w, *_NAME_REVERSE.get(w, ())] for w in words]  # "africa" is also Spanish
    renderings: list[list[str]] = [[]]
    for option in options:
        renderings = [[*acc, w] for acc in renderings for w in option]
    for rendering in renderings:
        translated = rendering != words
        found.setdefault(" ".join(rendering), translated)
        if reorder and len(rendering) == 2:
            found.setdefault(" ".join(reversed(rendering)), translated)
    found.pop(folded, None)
    return sorted(found.items())
