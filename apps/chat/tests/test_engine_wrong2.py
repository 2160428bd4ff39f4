"""Issue 13, second round of confidently wrong shapes on databases the engine never saw.

One test per cause, each on a small schema of its own:

- "the most sold X" when the fact table is an order header: the quantity of its lines, never a
  count of headers; with no quantity and no amount to sell, asked back;
- a word that is another table's synonym for a column the rows shown also have ("towns with a
  number of people between …", `population` on both): asked back, never the other table's;
- a count of a table's rows grouped by that table's own key or name, with no count word said:
  asked back (every group counts itself);
- "car makers" where `cars` is a table too: one mention of the head noun (makers), never the
  modifier's rows counted or its id shown;
- a value held by two tables' columns at the same join distance: asked back, never the first
  table in alphabetical order;
- a name-like column (`club_name`, `CompanyName`) grouped through a join: grouped by the key
  too, so two rows of the same name stay apart;
- "which <table> …" whose plan groups by other columns (the inner question of a nested one):
  asked back;
- the top one by a plain column of other rows, many per group ("the member with the highest
  fee"): asked back (one row's largest or the largest sum).

    .venv/bin/python -m pytest -p no:django -q apps/chat/tests/test_engine_wrong2.py
"""

from __future__ import annotations

import dataclasses

import pytest

from apps.chat.engine.offline import build_semantic_model, interpret
from apps.chat.tests.support import engine_asks, engine_database, engine_reads
from apps.knowledge.engine import introspection
from apps.knowledge.engine.catalog import CatalogSnapshot

_SCRIPT = """
    CREATE TABLE regions (id INTEGER PRIMARY KEY, name TEXT, population INTEGER);
    CREATE TABLE towns (id INTEGER PRIMARY KEY, name TEXT, population INTEGER,
        region_id INTEGER REFERENCES regions(id));
    CREATE TABLE makers (id INTEGER PRIMARY KEY, name TEXT,
        region_id INTEGER REFERENCES regions(id));
    CREATE TABLE dialects (region_id INTEGER REFERENCES regions(id), dialect TEXT,
        is_official TEXT);
    CREATE TABLE cars (id INTEGER PRIMARY KEY, name TEXT, weight INTEGER,
        maker_id INTEGER REFERENCES makers(id));
    CREATE TABLE products (id INTEGER PRIMARY KEY, name TEXT);
    CREATE TABLE orders (id INTEGER PRIMARY KEY, order_date DATE,
        town_id INTEGER REFERENCES towns(id));
    CREATE TABLE order_lines (id INTEGER PRIMARY KEY, order_id INTEGER REFERENCES orders(id),
        product_id INTEGER REFERENCES products(id), quantity INTEGER);
"""
_ROWS = {
    "regions": [(1, "North", 5_000_000), (2, "South", 300_000)],
    "towns": [(1, "Ashby", 200_000, 1), (2, "Brill", 50_000, 1), (3, "Corfe", 700_000, 2)],
    "makers": [(1, "Acme", 1), (2, "Zeta", 1), (3, "Omega", 2)],
    "dialects": [(1, "Northern", "T"), (1, "Coastal", "F"), (2, "Southern", "T")],
    "cars": [(n, f"car{n}", 1000 + n, 1 + n % 3) for n in range(1, 13)],
    "products": [(1, "bolt"), (2, "nut"), (3, "gear")],
    "orders": [(n, f"2024-01-{n:02d}", 1 + n % 3) for n in range(1, 7)],
    # gear is on most orders, bolt sells the most units
    "order_lines": [
        (1, 1, 3, 1), (2, 2, 3, 1), (3, 3, 3, 1), (4, 4, 3, 1),
        (5, 1, 1, 50), (6, 2, 2, 5),
    ],
}  # fmt: skip
_SYNONYMS = {("regions", "population"): ("people", "inhabitants")}


@pytest.fixture(scope="module")
def shop(tmp_path_factory):  # noqa: ANN001, ANN201
    model, conn = _shop(tmp_path_factory.mktemp("shop") / "shop.db")
    yield model, conn
    conn.close()


def _shop(path):  # noqa: ANN001, ANN202
    """The schema's model, with a steward's synonym ("people") for the regions' population."""
    _model, conn = engine_database(path, _SCRIPT, _ROWS)
    tables, fks, _counts = introspection.introspect_sqlite(path)
    tables = [
        dataclasses.replace(
            t,
            columns=tuple(
                dataclasses.replace(c, synonyms=_SYNONYMS.get((t.name, c.name), c.synonyms))
                for c in t.columns
            ),
        )
        for t in tables
    ]
    return build_semantic_model(CatalogSnapshot("sqlite", tuple(tables), tuple(fks))), conn


def _rows(shop, question: str) -> list:  # noqa: ANN001
    model, conn = shop
    result = engine_reads(model, question)
    return conn.execute(result.sql).fetchall()


def _asks(shop, question: str) -> None:  # noqa: ANN001
    model, _conn = shop
    engine_asks(model, question)


def test_the_most_sold_of_an_order_header_is_its_lines_quantity(shop):
    """The fact table is the header (it has the date); "sold" ranks by the lines' quantity."""
    model, _conn = shop
    assert model.fact == "orders"
    rows = _rows(shop, "Get the top 2 most sold products")
    assert [r[0] for r in rows] == ["bolt", "nut"]


def test_the_most_sold_with_no_quantity_and_no_amount_is_asked_back(tmp_path):
    script = """
        CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT);
        CREATE TABLE visits (id INTEGER PRIMARY KEY, visit_date DATE,
            item_id INTEGER REFERENCES items(id));
    """
    rows = {"items": [(1, "a"), (2, "b")], "visits": [(1, "2024-01-01", 1)]}
    model, conn = engine_database(tmp_path / "v.db", script, rows)
    conn.close()
    for question in ("Get the top 2 most sold items", "the best selling items"):
        assert interpret(question, model).route == "CLARIFY", question  # not a count of visits


@pytest.mark.parametrize(
    "question",
    [
        "Which towns have more than 100000 inhabitants?",
        "Which towns have between 100000 and 900000 people?",
    ],
)
def test_another_tables_synonym_for_a_column_the_rows_have_is_asked_back(shop, question):
    """ "people" is the regions' population; the towns have one of their own."""
    _asks(shop, question)


def test_the_rows_own_column_said_by_its_name_is_still_read(shop):
    rows = _rows(
        shop, "Return the names of towns that have a population between 100000 and 900000."
    )
    assert sorted(r[0] for r in rows) == ["Ashby", "Corfe"]


@pytest.mark.parametrize("question", ["towns by name", "show towns per town name"])
def test_a_count_of_rows_grouped_by_their_own_name_unasked_is_asked_back(shop, question):
    """Nothing asked for a count: a column of (mostly) ones per town hides what was meant."""
    _asks(shop, question)


def test_a_most_common_name_still_counts_rows_per_name(shop):
    assert _rows(shop, "What is the most common name of the makers?")
    assert _rows(shop, "How many towns are there by name?")


def test_a_table_noun_before_another_is_a_modifier_of_the_head(shop):
    """ "car makers": the makers are counted (3), not the cars (12), per region."""
    rows = _rows(shop, "How many car makers are there in each region?")
    assert sorted(rows) == [("North", 2), ("South", 1)]


_CLUB_SCRIPT = """
    CREATE TABLE clubs (club_id INTEGER PRIMARY KEY, club_name TEXT, city TEXT);
    CREATE TABLE members (member_id INTEGER PRIMARY KEY, first_name TEXT, last_name TEXT,
        city TEXT, club_id INTEGER REFERENCES clubs(club_id));
    CREATE TABLE coaches (coach_id INTEGER PRIMARY KEY, first_name TEXT, last_name TEXT,
        city TEXT);
    CREATE TABLE sessions (session_id INTEGER PRIMARY KEY,
        member_id INTEGER REFERENCES members(member_id),
        coach_id INTEGER REFERENCES coaches(coach_id), session_date DATE, fee REAL);
"""
_CLUB_ROWS = {
    # two clubs share a name: grouped by name alone they would be one
    "clubs": [(1, "Reds", "Boston"), (2, "Blues", "Denver"), (3, "Reds", "Denver")],
    "members": [(1, "Ann", "Lee", "Boston", 1), (2, "Bob", "Ray", "Denver", 3),
                (3, "Cid", "Lee", "Austin", 2)],
    "coaches": [(1, "Dan", "Moe", "Boston"), (2, "Eve", "Fox", "Austin")],
    "sessions": [(1, 1, 1, "2024-01-01", 10.0), (2, 1, 2, "2024-01-02", 20.0),
                 (3, 2, 1, "2024-02-01", 30.0), (4, 3, 2, "2024-03-01", 40.0)],
}  # fmt: skip


@pytest.fixture(scope="module")
def clubs(tmp_path_factory):  # noqa: ANN001, ANN201
    model, conn = engine_database(
        tmp_path_factory.mktemp("clubs") / "clubs.db", _CLUB_SCRIPT, _CLUB_ROWS
    )
    yield model, conn
    conn.close()


@pytest.mark.parametrize(
    "question", ["How many sessions were in Austin?", "What is the total fee in Boston?"]
)
def test_a_value_of_two_tables_at_the_same_distance_is_asked_back(clubs, question):
    """Austin is a member's city and a coach's city, both one join from the sessions."""
    _asks(clubs, question)


def test_a_value_of_the_rows_own_table_is_still_read(clubs):
    assert _rows(clubs, "How many members are in Austin?") == [(1,)]


def test_a_named_column_grouped_through_a_join_is_grouped_by_its_key(clubs):
    """Two clubs called Reds stay two rows (`club_name` is a name, not a category)."""
    rows = _rows(clubs, "What is the total fee per club?")
    assert sorted(rows) == [("Blues", 40.0), ("Reds", 30.0), ("Reds", 30.0)]


def test_which_rows_asked_but_other_columns_grouped_is_asked_back(clubs):
    """ "Which coaches …" answered with cities (the inner question) is asked back."""
    _asks(clubs, "Which coaches are from the city with the most members?")
    assert _rows(clubs, "Which clubs have the most members?")


def test_the_top_one_by_a_column_of_many_rows_per_group_is_that_rows_member(clubs):
    """ "the member with the highest fee": the member of the session with the highest fee
    (branch `h-groups`; it was asked back); "the highest total fee" is the sum; "the 2 members
    with the highest fees" (one member could be listed twice) is still asked back."""
    assert _rows(clubs, "Which member had the highest fee?") == [(3, "Cid Lee", 40.0)]
    assert _rows(clubs, "Which member had the highest total fee?")
    _asks(clubs, "the 2 members with the highest fees")
