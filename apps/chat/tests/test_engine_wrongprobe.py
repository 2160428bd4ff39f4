"""Issue 13 (h-wrongprobe): confidently wrong readings found by a probe of new questions on the
dev databases (`tests/eval/foreign/probes/`), each a kind, tested on an invented cycling club
(pure tests, made-up schema):

- a column declared BOOL that holds 'T'/'F' as written (SQLite keeps what was inserted): "pro
  riders" filters on the 'T' stored, never `= TRUE` (which no 'T' equals: no rows at all);
- "how many races has each town hosted?": the verb that closes "<has/did> each <thing> <verb>"
  relates the thing to what is counted; the column it shares a stem with (`hosts`) is no second
  group splitting each town's count;
- "the rider who signed first": "first" closing the question picks one row by a time; a reading
  with no order, limit or extreme (the word taken into `date_first_signed`) is asked back;
- "the highest fee of an entry made by Orbea" (a layer names the brand column "made by"): a
  group fixed by a filter to one value, ranked and cut to the top one, is asked back (the rows'
  largest fee, or the group's average?);
- "what is the most populous town?": the column said as an adjective before its own table's
  word ranks that table's rows: the town's name is shown with the number;
- "which athletes …" where an athlete is a rider (a person by its noun, no name of its own, one
  key to the riders): the rider's name is shown beside the athletes' whole rows, and beside
  their key when a layer makes it the group.

    .venv/bin/python -m pytest -p no:cacheprovider -q apps/chat/tests/test_engine_wrongprobe.py
"""

from __future__ import annotations

import pytest

from apps.chat.engine.offline import build_semantic_model
from apps.chat.engine.offline import lexicon as lx
from apps.chat.engine.offline.checks import _check_closing_extreme, _check_ranked_one_group
from apps.chat.engine.offline.parser import Clarify, Unclear
from apps.chat.engine.plan import ColumnRef, Filter, MetricRef, Order, QueryPlan
from apps.chat.semantic_cache import _without_values
from apps.chat.tests.support import engine_asks, engine_database, engine_reads, layered_catalog

_SCRIPT = """
    CREATE TABLE riders (rider_id INTEGER PRIMARY KEY, name TEXT, age INTEGER, is_pro bool,
        hometown TEXT, date_first_signed DATETIME);
    CREATE TABLE athletes (athlete_id INTEGER PRIMARY KEY REFERENCES riders(rider_id),
        sprint_points REAL, climb_points REAL, prize REAL);
    CREATE TABLE bikes (bike_id INTEGER PRIMARY KEY, rider_id INTEGER REFERENCES riders(rider_id),
        brand TEXT, weight REAL, bought TEXT);
    CREATE TABLE places (place_id INTEGER PRIMARY KEY, place_name TEXT, population INTEGER);
    CREATE TABLE towns (town_id INTEGER PRIMARY KEY, town_name TEXT,
        place_id INTEGER REFERENCES places(place_id), town_population INTEGER);
    CREATE TABLE races (race_id INTEGER PRIMARY KEY, race_name TEXT, hosts TEXT,
        place_id INTEGER REFERENCES places(place_id), race_year INTEGER);
    CREATE TABLE entries (entry_id INTEGER PRIMARY KEY, race_id INTEGER REFERENCES races(race_id),
        bike_id INTEGER REFERENCES bikes(bike_id), fee REAL);
"""
_ROWS = {
    "riders": [
        (1, "Ann", 25, "T", "Vigo", "2019-03-01"),
        (2, "Bo", 31, "F", "Cork", "2017-01-01"),
        (3, "Cy", 22, "T", "Vigo", "2020-01-01"),
        (4, "Di", 40, "F", "Lyon", "2018-05-05"),
    ],
    "athletes": [(1, 9.5, 8.0, 1200.0), (2, 7.0, 9.9, 300.0), (3, 8.8, 6.5, 900.0)],
    "bikes": [
        (1, 1, "Orbea", 7.5, "2020-01-03"),
        (2, 2, "Trek", 8.0, "2019-05-01"),
        (3, 3, "Orbea", 6.9, "2021-07-09"),
        (4, 1, "Giant", 9.1, "2018-02-02"),
    ],
    "places": [(1, "Vigo", 300000), (2, "Cork", 200000), (3, "Lyon", 500000)],
    "towns": [(1, "Baiona", 1, 12000), (2, "Redondela", 1, 30000), (3, "Cobh", 2, 13000)],
    "races": [
        (1, "Spring Cup", "Vigo club", 1, 2020),
        (2, "Summer Cup", "Cork club", 2, 2021),
        (3, "Autumn Cup", "Vigo town", 1, 2021),
        (4, "Winter Cup", "Lyon club", 3, 2019),
    ],
    "entries": [(1, 1, 1, 10.0), (2, 1, 2, 12.0), (3, 2, 3, 8.0), (4, 3, 1, 15.0), (5, 4, 4, 9.0)],
}


@pytest.fixture(scope="module")
def club(tmp_path_factory):  # noqa: ANN001, ANN201
    db = tmp_path_factory.mktemp("wrongprobe") / "club.db"
    model, conn = engine_database(db, _SCRIPT, _ROWS)
    yield model, conn, db
    conn.close()


def _rows(club, question: str) -> list:  # noqa: ANN001
    model, conn, _db = club
    return sorted(conn.execute(engine_reads(model, question).sql).fetchall())


def _layered(path, columns: dict, tables: dict | None = None) -> object:  # noqa: ANN001
    """The club's model with a steward's column synonyms ({table: {column: (words...)}}) and
    table synonyms ({table: (words...)})."""
    return build_semantic_model(layered_catalog(path, _layer(columns, tables)))


def _layer(columns: dict, tables: dict | None = None) -> dict:
    names = set(columns) | set(tables or {})
    return {
        n: {"synonyms": (tables or {}).get(n, ()), "columns": columns.get(n, {})} for n in names
    }


# --- a BOOL column that holds 'T'/'F' ------------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("Which pro riders are younger than 30?", [("Ann",), ("Cy",)]),
        ("How many pro riders are there?", [(2,)]),
    ],
)
def test_a_bool_column_holding_letters_filters_on_the_letter(club, question, expected):
    _model, conn, db = club
    layered = _layered(db, {"riders": {"is_pro": ("pro",)}})  # a steward's word for the flag
    sql = engine_reads(layered, question).sql
    assert "TRUE" not in sql.upper()
    assert sorted(conn.execute(sql).fetchall()) == expected


def test_a_bool_column_is_no_word_of_its_values(club):
    model, _conn, _db = club
    assert model.column("riders", "is_pro").values == ()
    assert model.column("riders", "is_pro").flag == "T"


# --- "<has/did> each <thing> <verb>" -------------------------------------------------------------


@pytest.mark.parametrize(
    "question",
    [
        "How many races has each place hosted?",
        "How many races did each place host?",
        "HOW MANY RACES HAS EACH PLACE HOSTED?",
        "How many races has each Place Hosted?",
    ],
)
def test_the_verb_after_each_thing_is_no_second_group(club, question):
    model, _conn, _db = club
    sql = engine_reads(model, question).sql
    assert "hosts" not in sql
    assert _rows(club, question) == [("Cork", 1), ("Lyon", 1), ("Vigo", 2)]


def test_the_column_said_by_its_own_name_after_each_is_still_read(club):
    model, _conn, _db = club
    sql = engine_reads(model, "How many races are there for each hosts?").sql
    assert "hosts" in sql


# --- "… who signed first" ------------------------------------------------------------------------


def test_first_closing_the_question_is_never_dropped(club):
    model, _conn, _db = club
    asked = engine_asks(model, "Which rider signed first?")
    assert "first" in asked.clarify and Clarify.UNUSED_WORD in asked.notes, asked.notes
    engine_asks(model, "What is the name of the rider who signed first?")  # "signed": unmapped


def test_first_and_last_closing_a_list_are_no_extreme():
    """ "their names, first and last": two words of a list, no row picked by a time (the
    check itself: the club has no first and last name columns)."""
    plan = QueryPlan(table="clerks", listing=(ColumnRef("clerks", "first_name"),))
    _check_closing_extreme(plan, lx.tokenize("List the clerks' names, first and last", "en"))
    with pytest.raises(Unclear):
        _check_closing_extreme(plan, lx.tokenize("List the clerks who signed last", "en"))


# --- a ranked group that a filter fixes ----------------------------------------------------------


def _ranked(filters: tuple) -> QueryPlan:
    """The plan "the highest fee of an entry made by Orbea" was read as where a steward's "made
    by" names the brand: the AVG fee per brand, the brands fixed by the filters, top one."""
    return QueryPlan(
        table="entries",
        metrics=(MetricRef("agg:avg:entries.fee", "average fee"),),
        dimensions=(ColumnRef("bikes", "brand"),),
        filters=filters,
        order=Order(0, desc=True),
        limit=1,
    )


def test_a_ranked_group_fixed_by_a_filter_is_asked_back():
    with pytest.raises(Unclear) as asked:
        _check_ranked_one_group(_ranked((Filter("bikes", "brand", "=", ("Orbea",)),)))
    assert asked.value.reason == Clarify.LARGEST_OF_ROWS


@pytest.mark.parametrize(
    "filters",
    [
        (),
        (Filter("bikes", "brand", "in", ("Orbea", "Trek")),),
        (Filter("riders", "name", "=", ("Ann",)),),
    ],
)
def test_groups_left_to_rank_are_still_ranked(filters):
    _check_ranked_one_group(_ranked(filters))  # several brands may rank: no question back


# --- "the most populous town" --------------------------------------------------------------------


def test_a_column_said_as_an_adjective_of_its_table_shows_the_row(club):
    assert _rows(club, "What is the most populous town?") == [("Redondela", 30000)]


# --- rows that stand for a person ----------------------------------------------------------------


def test_whole_rows_of_a_person_table_show_the_person(club):
    rows = _rows(club, "Which athletes have a prize above 500?")
    assert {r[0] for r in rows} == {"Ann", "Cy"}


def test_every_column_asked_keeps_the_table_as_stored(club):
    model, _conn, _db = club
    sql = engine_reads(model, "Show all the information about athletes").sql
    assert "riders" not in sql


def test_groups_by_a_person_table_key_show_the_person(club):
    _model, conn, db = club
    layered = _layered(db, {"athletes": {"athlete_id": ("athlete",)}})
    sql = engine_reads(layered, "Which athlete has the highest climb points?").sql
    assert "Bo" in conn.execute(sql).fetchall()[0]


@pytest.mark.parametrize(
    ("hidden", "why"),
    [
        ({("riders", "name")}, "the caller's policy masks the name"),
        ({("riders", c) for c in ("rider_id", "name", "age", "is_pro", "hometown")}, "no riders"),
    ],
)
def test_a_person_the_caller_may_not_see_is_never_added(club, hidden, why):
    """A masked name grouped beside the key would be refused (`column_masked`), a table the
    policy does not allow joined would be (`table_not_allowed`): for such a caller the rows and
    groups are answered as before, without the person."""
    _model, conn, db = club
    layered = layered_catalog(db, _layer({"athletes": {"athlete_id": ("athlete",)}}))
    caller = _without_values(layered, hidden)
    model = build_semantic_model(caller)
    for question in (
        "Which athletes have a prize above 500?",
        "Which athlete has the highest climb points?",
    ):
        sql = engine_reads(model, question).sql
        assert "riders" not in sql, (why, question, sql)
        assert conn.execute(sql).fetchall()


@pytest.mark.parametrize("seen", ["T", "F"])
def test_a_bool_column_of_which_a_caller_sees_one_letter_filters_on_the_letter(club, seen):
    """A row filter can leave a caller only 'T' rows (or only 'F' ones) in the value index: yes
    is still the letter 'T', never TRUE (no 'T' equals it: 0 pro riders)."""
    _model, conn, db = club
    layered = layered_catalog(db, _layer({"riders": {"is_pro": ("pro",)}}))
    caller = _without_values(layered, set(), {("riders", "is_pro"): {seen}})
    model = build_semantic_model(caller)
    assert model.column("riders", "is_pro").flag == "T"
    sql = engine_reads(model, "How many pro riders are there?").sql
    assert conn.execute(sql).fetchall() == [(2,)]
