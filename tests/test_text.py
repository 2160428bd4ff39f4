"""The one text module (datachat/text.py): folding, identifier words, Snowball stems, stop words,
language detection, search terms; the offline engine reading names in any style through it; and
a check that no other module folds accents or stems on its own."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest

from apps.chat.engine.offline import build_semantic_model, interpret
from apps.chat.engine.offline.scan import scan
from apps.knowledge.engine.catalog import CatalogSnapshot, ColumnInfo, ForeignKeyInfo, TableInfo
from datachat import text as tx

ROOT = Path(__file__).resolve().parent.parent

# --- folding ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "folded"),
    [
        ("Región ELECTRÓNICA Diseño", "region electronica diseno"),
        ("Año_Fiscal", "ano_fiscal"),
        ("ven\u200btas por re\u00adgión", "ventas por region"),  # zero-width space, soft hyphen
        ("ＶＥＮＴＡＳ", "ventas"),  # full-width letters
        ("month’s “best”", 'month\'s "best"'),
        ("Straße", "strasse"),
        ("plain ascii", "plain ascii"),
    ],
)
def test_fold_lowercases_and_strips_accents_and_invisible_characters(raw, folded):
    assert tx.fold(raw) == folded


def test_words_and_visible_text():
    assert tx.words("¿Cuántas ventas_netas hubo en 2024?") == [
        "cuantas",
        "ventas",
        "netas",
        "hubo",
        "en",
        "2024",
    ]
    assert tx.visible_text("ＡＢＣ\u200bd") == "ABCd"  # case kept: base64 lives on it
    assert tx.plain_quotes("it’s") == "it's"


# --- identifiers -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("unit_price", ["unit", "price"]),
        ("UnitPrice", ["unit", "price"]),
        ("unitPrice", ["unit", "price"]),
        ("UNIT_PRICE", ["unit", "price"]),
        ("Unit Price", ["unit", "price"]),
        ("[Order Details]", ["order", "details"]),
        ("ShipCountry", ["ship", "country"]),
        ("OrderDate", ["order", "date"]),
        ("IndepYear", ["indep", "year"]),
        ("SurfaceArea", ["surface", "area"]),
        ("ContId", ["cont", "id"]),
        ("MakeId", ["make", "id"]),
        ("ProductID", ["product", "id"]),
        ("HTTPServer", ["http", "server"]),
        ("address2", ["address", "2"]),
        ("Q1Sales", ["q", "1", "sales"]),
        ("Año_Fiscal", ["ano", "fiscal"]),
        ("precio_lista", ["precio", "lista"]),
        ("fecha", ["fecha"]),
        ("", []),
    ],
)
def test_identifier_words_in_any_style(name, words):
    assert tx.identifier_words(name) == words


# --- stems -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "forms"),
    [
        ("es", ("pais", "paises")),
        ("es", ("unidad", "unidades")),  # Snowball alone: "unid" vs "unidad"
        ("es", ("ciudad", "ciudades")),
        ("es", ("ano", "anos")),  # Snowball alone: "ano" vs "anos"
        ("es", ("dia", "dias")),
        ("es", ("mes", "meses")),
        ("es", ("luz", "luces")),
        ("es", ("region", "regiones")),
        ("es", ("cliente", "clientes")),
        ("es", ("venta", "ventas")),
        ("es", ("valor", "valores")),
        ("es", ("mujer", "mujeres")),  # Snowball alone: "muj" vs "mujer"
        ("es", ("margen", "margenes")),
        ("es", ("disponible", "disponibles")),  # not "disponibl": no word ends in "-bl"
        ("es", ("detalle", "detalles")),
        ("es", ("interes", "intereses")),
        ("es", ("vendido", "vendida", "vendidos", "vendidas")),
        ("en", ("diagnosis", "diagnoses")),  # Snowball alone: "diagnosi" vs "diagnos"
        ("en", ("analysis", "analyses")),
        ("en", ("category", "categories")),
        ("en", ("order", "orders")),
        ("en", ("sale", "sales")),
        ("en", ("country", "countries")),
        ("en", ("price", "prices")),
        ("en", ("box", "boxes")),
    ],
)
def test_a_plural_and_its_singular_share_a_stem(lang, forms):
    assert len({tx.stem(f, lang) for f in forms}) == 1, {f: tx.stem(f, lang) for f in forms}


def test_stems_keep_different_words_apart_and_leave_numbers_alone():
    assert tx.stem("pais", "es") != tx.stem("paga", "es")
    assert tx.stem("precio", "es") != tx.stem("producto", "es")
    assert tx.stem("2024", "es") == "2024" and tx.stem("q1", "en") == "q1"
    assert tx.stems("ventas") == {tx.stem("ventas", "es"), tx.stem("ventas", "en")}


@pytest.mark.parametrize(
    ("word", "lang", "plural"),
    [
        ("productos", "es", True),
        ("regiones", "es", True),
        ("pais", "es", False),
        ("mes", "es", False),
        ("producto", "es", False),
        ("orders", "en", True),
        ("categories", "en", True),
        ("status", "en", False),
        ("analysis", "en", False),
        ("class", "en", False),
    ],
)
def test_is_plural(word, lang, plural):
    assert tx.is_plural(word, lang) is plural


def test_one_stopword_list_per_language():
    assert set(tx.STOPWORDS) == {"es", "en"}
    assert {"de", "la", "por", "que"} <= tx.STOPWORDS["es"]
    assert {"the", "of", "by", "what"} <= tx.STOPWORDS["en"]
    assert tx.stopword("the") and tx.stopword("los") and not tx.stopword("ventas")


@pytest.mark.parametrize(
    ("question", "lang"),
    [
        ("¿Cuántas ventas hubo en total?", "es"),
        ("ventas por región", "es"),
        ("ingresos de los productos por mes", "es"),
        ("What are total sales by category?", "en"),
        ("How many customers are there?", "en"),
        ("What's the month's revenue?", "en"),  # an apostrophe is not an accent
        ("Revenue in Málaga by month", "en"),
        ("", "es"),
        ("42", "es"),
    ],
)
def test_detect_language(question, lang):
    assert tx.detect_language(question) == lang


def test_index_terms_stem_in_both_languages_unless_told():
    assert tx.index_terms("¿Qué valores tienen las Regiones?") == ["valor", "region"]
    assert tx.index_terms("costo_unitario", "es") == ["costo_unitario", "cost", "unitari"]
    assert tx.index_terms("UnitPrice", "en") == ["unitprice", "unit", "price"]
    # a question and a document meet whatever the language of each
    assert set(tx.index_terms("países")) & set(tx.index_terms("pais"))
    assert tx.index_terms("the sales", "en") == tx.index_terms("sale", "en")


# --- the offline engine reads names in any style -----------------------------------------------


def _northwind_catalog() -> CatalogSnapshot:
    """A Northwind-like schema: PascalCase names, English, no synonyms and no metrics."""
    tables = (
        TableInfo(
            "Products",
            (
                ColumnInfo("ProductID", "INTEGER", primary_key=True),
                ColumnInfo("ProductName", "TEXT"),
                ColumnInfo("UnitPrice", "NUMERIC"),
                ColumnInfo("UnitsInStock", "INTEGER"),
            ),
        ),
        TableInfo(
            "Employees",
            (
                ColumnInfo("EmployeeID", "INTEGER", primary_key=True),
                ColumnInfo("FirstName", "TEXT", values=("Ana", "Luis", "Nancy")),
                ColumnInfo("LastName", "TEXT"),
            ),
        ),
        TableInfo(
            "Orders",
            (
                ColumnInfo("OrderID", "INTEGER", primary_key=True),
                ColumnInfo("EmployeeID", "INTEGER"),
                ColumnInfo("OrderDate", "TEXT"),
                ColumnInfo("ShipCountry", "TEXT", values=("Brazil", "France", "Germany")),
                ColumnInfo("Freight", "NUMERIC"),
            ),
        ),
    )
    fks = (ForeignKeyInfo("Orders", "EmployeeID", "Employees", "EmployeeID"),)
    return CatalogSnapshot("sqlite", tables, fks)


@pytest.fixture(scope="module")
def northwind(tmp_path_factory):  # noqa: ANN201
    catalog = _northwind_catalog()
    path = tmp_path_factory.mktemp("nw") / "nw.db"
    with sqlite3.connect(path) as conn:
        conn.executescript(
            """
            CREATE TABLE Products (ProductID INTEGER PRIMARY KEY, ProductName TEXT,
                                   UnitPrice NUMERIC, UnitsInStock INTEGER);
            INSERT INTO Products VALUES (1, 'Chai', 18, 39), (2, 'Chang', 19, 17),
                                        (3, 'Tofu', 23.25, 35);
            CREATE TABLE Employees (EmployeeID INTEGER PRIMARY KEY, FirstName TEXT,
                                    LastName TEXT);
            INSERT INTO Employees VALUES (1, 'Nancy', 'Davolio'), (2, 'Ana', 'Trujillo'),
                                         (3, 'Luis', 'Perez');
            CREATE TABLE Orders (OrderID INTEGER PRIMARY KEY, EmployeeID INTEGER,
                                 OrderDate TEXT, ShipCountry TEXT, Freight NUMERIC);
            INSERT INTO Orders VALUES (10, 1, '1997-01-02', 'France', 32.5),
                                      (11, 2, '1997-02-03', 'Brazil', 11.0),
                                      (12, 1, '1998-03-04', 'France', 7.25);
            """
        )
    return build_semantic_model(catalog), path


def _columns_named(model, question: str) -> set[tuple[str, str]]:  # noqa: ANN001
    from apps.chat.engine.offline.lexicon import tokenize

    mentions, _ = scan(model, tokenize(question))
    return {e.ref for m in mentions if m.kind == "schema" for e in m.of("column")}


@pytest.mark.parametrize(
    ("question", "column"),
    [
        ("average unit price of the products", ("Products", "UnitPrice")),
        ("unit prices", ("Products", "UnitPrice")),
        ("list the first names of employees", ("Employees", "FirstName")),
        ("orders by ship country", ("Orders", "ShipCountry")),
        ("orders by order date", ("Orders", "OrderDate")),
        ("precio unitario medio de los productos", ("Products", "UnitPrice")),
        ("pedidos por país de envío", ("Orders", "ShipCountry")),
    ],
)
def test_camel_case_names_are_found_by_their_words(northwind, question, column):
    model, _ = northwind
    assert column in _columns_named(model, question)


def test_identifier_words_decide_kinds_and_money(northwind):
    model, _ = northwind
    assert model.column("Products", "UnitPrice").money  # "price", whatever the style
    assert not model.column("Products", "UnitsInStock").money
    assert model.column("Orders", "OrderDate").kind == "date"
    assert model.column("Orders", "ShipCountry").kind == "text"
    assert model.column("Orders", "EmployeeID").kind == "id"


def test_a_camel_case_question_runs_end_to_end(northwind):
    model, path = northwind
    result = interpret("What is the average unit price of the products?", model)
    assert result.route == "SQL", result.clarify
    with sqlite3.connect(path) as conn:
        rows = conn.execute(result.sql).fetchall()
    assert rows and rows[0][-1] == pytest.approx((18 + 19 + 23.25) / 3)


# --- nothing else folds or stems --------------------------------------------------------------

# What only datachat/text.py may do: accent folding and Unicode normalisation, stemming.
_FORBIDDEN = (
    re.compile(r"^\s*(import unicodedata|from unicodedata import)", re.M),
    re.compile(r"\bsnowballstemmer\b"),
    re.compile(r"\bNFK?[CD]\b"),
    re.compile(r"^\s*def _?(fold|stem|stems|detect_language|strip_accents)\(", re.M),
)
# Files allowed one of the patterns, and why (keep this list short and explained).
_ALLOWED: dict[str, str] = {
    "tests/test_text.py": "this test names the patterns",
}


def _source_files() -> list[Path]:
    skip = {".venv", "node_modules", "var", "staticfiles", ".git"}
    return [
        p
        for p in ROOT.rglob("*.py")
        if not skip & set(p.relative_to(ROOT).parts) and p.relative_to(ROOT).parts[0] != ".venv"
    ]


def test_no_other_module_folds_accents_or_stems():
    offenders = []
    for path in _source_files():
        rel = path.relative_to(ROOT).as_posix()
        if rel == "datachat/text.py" or rel in _ALLOWED:
            continue
        source = path.read_text(encoding="utf-8")
        offenders += [f"{rel}: {p.pattern}" for p in _FORBIDDEN if p.search(source)]
    assert not offenders, offenders


def test_the_stemmer_is_pinned():
    requirements = (ROOT / "requirements.txt").read_text(encoding="utf-8")
    assert "snowballstemmer==3.1.1" in requirements.splitlines()


def test_nouns_of_people_and_english_words_by_wordnet():
    assert tx.person_noun("students") and tx.person_noun("singer")
    assert not tx.person_noun("school") and not tx.person_noun("series")
    assert tx.english_word("populace") and tx.english_word("conducted")
    assert tx.english_word("boxes") and not tx.english_word("shipes")
    assert not tx.english_word("comapny") and not tx.english_word("highschooler")
    assert "report" in tx.english_bases("reported")
