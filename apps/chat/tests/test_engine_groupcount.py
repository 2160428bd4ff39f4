"""Issue 13, branch `h-groupcount`: superlatives over the values of a numeric column, nested
superlatives, and counts through a link table with a steward's count metric.

- "which grade has the most pupils", "the year that had the most gigs", "¿qué curso tiene más
  alumnos?": a numeric column said right before "most/least <rows>" is each of its values,
  GROUP BY the column ORDER BY COUNT(*) LIMIT 1 (a ranking by a measure stays asked back).
- "the number of gigs in the hall with the highest seats", "¿cuántas funciones hubo en la sala
  con el mayor aforo?": the measured rows of the one row the superlative picks (WHERE key =
  (SELECT key … ORDER BY … LIMIT 1)); said of several rows ("in the halls with …", "in each
  hall with …") it stays asked back.
- "the number of gigs for each band" with a steward's "Number of gigs" (COUNT(*) over the
  gigs) counts the gigs of each band through the table that links them, as the generic count
  already did.

    .venv/bin/python -m pytest -p no:django -q apps/chat/tests/test_engine_groupcount.py
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from apps.chat.engine.offline import build_semantic_model, interpret
from apps.chat.tests.support import engine_asks, engine_database, engine_reads, engine_rows
from apps.knowledge.engine.catalog import MetricDef

_SCHEMA = """
    CREATE TABLE halls (hall_id INTEGER PRIMARY KEY, name TEXT, town TEXT, seats INTEGER);
    CREATE TABLE gigs (gig_id INTEGER PRIMARY KEY, title TEXT,
        hall_id INTEGER REFERENCES halls(hall_id), year INTEGER);
    CREATE TABLE bands (band_id INTEGER PRIMARY KEY, name TEXT, homeland TEXT);
    CREATE TABLE band_in_gig (gig_id INTEGER REFERENCES gigs(gig_id),
        band_id INTEGER REFERENCES bands(band_id), PRIMARY KEY (gig_id, band_id));
    CREATE TABLE pupils (pupil_id INTEGER PRIMARY KEY, name TEXT, grade INTEGER, age INTEGER);
"""
_ROWS = {
    "halls": [(1, "Zenit", "Oslo", 900), (2, "Dome", "Lima", 1500), (3, "Barn", "Oslo", 300)],
    "gigs": [
        (1, "Spring", 1, 2014),
        (2, "Summer", 2, 2014),
        (3, "Autumn", 2, 2015),
        (4, "Winter", 3, 2014),
        (5, "Dawn", 2, 2016),
    ],
    "bands": [(1, "Ants", "Peru"), (2, "Bees", "Chile"), (3, "Cats", "Peru")],
    "band_in_gig": [(1, 1), (1, 2), (2, 1), (3, 1), (4, 3), (5, 2)],
    "pupils": [
        (1, "Ana", 9, 14),
        (2, "Ben", 9, 15),
        (3, "Cai", 10, 15),
        (4, "Dee", 11, 16),
        (5, "Eli", 11, 17),
        (6, "Fia", 11, 16),
    ],
}

_ESQUEMA = """
    CREATE TABLE salas (sala_id INTEGER PRIMARY KEY, nombre TEXT, aforo INTEGER);
    CREATE TABLE funciones (funcion_id INTEGER PRIMARY KEY, titulo TEXT,
        sala_id INTEGER REFERENCES salas(sala_id), temporada INTEGER, anio INTEGER);
    CREATE TABLE alumnos (alumno_id INTEGER PRIMARY KEY, nombre TEXT, curso INTEGER);
"""
_FILAS = {
    "salas": [(1, "Norte", 900), (2, "Sur", 1500), (3, "Este", 300)],
    "funciones": [
        (1, "Hamlet", 1, 2014, 2014),
        (2, "Otelo", 2, 2014, 2014),
        (3, "Fausto", 2, 2015, 2015),
        (4, "Medea", 3, 2014, 2014),
        (5, "Electra", 2, 2016, 2016),
    ],
    "alumnos": [(1, "Ana", 9), (2, "Ben", 9), (3, "Cai", 10), (4, "Dee", 11), (5, "Eli", 11)],
}


@pytest.fixture(scope="module")
def venue(tmp_path_factory):  # noqa: ANN001, ANN201
    made = engine_database(tmp_path_factory.mktemp("groupcount") / "venue.db", _SCHEMA, _ROWS)
    yield made
    made[1].close()


@pytest.fixture(scope="module")
def teatro(tmp_path_factory):  # noqa: ANN001, ANN201
    made = engine_database(tmp_path_factory.mktemp("groupcount") / "teatro.db", _ESQUEMA, _FILAS)
    yield made
    made[1].close()


@pytest.mark.parametrize(
    ("question", "want"),
    [
        ("Which grade has the most pupils?", [(11, 3)]),
        ("Return the grade that has the greatest number of pupils.", [(11, 3)]),
        ("Which grade has the fewest pupils?", [(10, 1)]),
        ("Which year has the most gigs?", [(2014, 3)]),
        ("What is the year that had the most gigs?", [(2014, 3)]),
        ("Show the year with the most gigs.", [(2014, 3)]),
    ],
)
def test_numeric_column_ranked_by_a_count(venue, question: str, want: list) -> None:  # noqa: ANN001
    """A numeric column before "the most <rows>": each value a group, the top one kept."""
    result = engine_reads(venue[0], question)
    assert "GROUP BY" in result.sql and "LIMIT 1" in result.sql, result.sql
    assert venue[1].execute(result.sql).fetchall() == want


def test_numeric_column_ranked_within_a_filter(venue) -> None:  # noqa: ANN001
    rows = engine_rows(venue, "Which year has the most gigs in Oslo?")
    assert rows == [(2014, 2)]


@pytest.mark.parametrize(
    ("question", "want"),
    [
        ("¿Qué curso tiene más alumnos?", [(11, 2)]),
        ("¿Qué curso tiene menos alumnos?", [(10, 1)]),
        ("¿Qué temporada tuvo más funciones?", [(2014, 3)]),
        ("¿Cuál es la temporada con más funciones?", [(2014, 3)]),
    ],
)
def test_numeric_column_ranked_by_a_count_es(teatro, question: str, want: list) -> None:  # noqa: ANN001
    result = engine_reads(teatro[0], question)
    assert "GROUP BY" in result.sql and "LIMIT 1" in result.sql, result.sql
    rows = teatro[1].execute(result.sql).fetchall()
    assert rows[0][1] == want[0][1] and len(rows) == 1, rows
    if want[0][0] != 9:  # a tie on 9 and 11 for the most: either is the top (LIMIT 1)
        assert rows == want


@pytest.mark.parametrize(
    "question",
    [
        # a measure, not a count: the grade whose ages add up most, or the oldest pupil's?
        "Which grade has the highest age?",
        # several values asked
        "What are the years with the most gigs?",
    ],
)
def test_numeric_column_not_ranked(venue, question: str) -> None:  # noqa: ANN001
    engine_asks(venue[0], question)


@pytest.mark.parametrize(
    ("question", "want"),
    [
        ("Find the number of gigs played in the hall with the highest seats.", [(3,)]),
        ("How many gigs were held in the hall with the largest seats?", [(3,)]),
        ("How many gigs were held in the hall with the fewest seats?", [(1,)]),
        ("What is the average year of gigs in the hall with the smallest seats?", [(2014.0,)]),
    ],
)
def test_measure_of_the_rows_of_the_extreme_row(venue, question: str, want: list) -> None:  # noqa: ANN001
    """The measured rows are those of the one hall the superlative picks."""
    result = engine_reads(venue[0], question)
    assert "LIMIT 1)" in result.sql and "GROUP BY" not in result.sql, result.sql
    assert venue[1].execute(result.sql).fetchall() == want


@pytest.mark.parametrize(
    ("question", "want"),
    [
        ("¿Cuántas funciones hubo en la sala con el mayor aforo?", [(3,)]),
        ("¿Cuál es el número de funciones en la sala con menor aforo?", [(1,)]),
    ],
)
def test_measure_of_the_rows_of_the_extreme_row_es(teatro, question: str, want: list) -> None:  # noqa: ANN001
    result = engine_reads(teatro[0], question)
    assert "LIMIT 1)" in result.sql and "GROUP BY" not in result.sql, result.sql
    assert teatro[1].execute(result.sql).fetchall() == want


@pytest.mark.parametrize(
    "question",
    [
        "Show the number of gigs in the halls with the highest seats.",
        "Find the number of gigs in each hall with the highest seats.",
    ],
)
def test_rows_of_several_extreme_rows_asked_back(venue, question: str) -> None:  # noqa: ANN001
    engine_asks(venue[0], question)


@pytest.fixture(scope="module")
def venue_layer(venue):  # noqa: ANN001, ANN201
    """The venue schema as a semantic layer describes it: a count of gigs."""
    model, conn = venue
    metric = MetricDef("Number of gigs", "COUNT(*)", "gigs", synonyms=("number of gigs",))
    return build_semantic_model(replace(model.catalog, metrics=(metric,))), conn


@pytest.mark.parametrize(
    "question",
    [
        "List band names and number of gigs for each band.",
        "What is the number of gigs for each band?",
    ],
)
def test_steward_count_through_the_link_table(venue_layer, question: str) -> None:  # noqa: ANN001
    """A steward's COUNT(*) of gigs per band: through the table that links bands and gigs."""
    rows = engine_rows(venue_layer, question)
    assert sorted(rows) == [("Ants", 3), ("Bees", 2), ("Cats", 1)], rows


def test_size_word_before_a_table_is_no_count(venue) -> None:  # noqa: ANN001
    """ "the seats of the largest hall": never each number of seats ranked by how many halls."""
    result = interpret("Return the seats of the largest hall.", venue[0])
    assert result.route == "CLARIFY" or "GROUP BY" not in (result.sql or ""), result.sql


@pytest.mark.parametrize(
    "question",
    [
        "What are the names of the halls, and how many gigs use each hall?",
        "How many gigs fill each hall?",
    ],
)
def test_unknown_verb_between_counted_rows_and_each(venue, question: str) -> None:  # noqa: ANN001
    """ "how many gigs use each hall": the verb says only that the gigs belong to each hall."""
    rows = engine_rows(venue, question)
    assert sorted(rows) == [("Barn", 1), ("Dome", 3), ("Zenit", 1)], rows


@pytest.mark.parametrize(
    "question",
    [
        "¿Cuántas funciones ocupan cada sala?",
        "¿Cuáles son los nombres de las salas y cuántas funciones ocupan cada sala?",
    ],
)
def test_unknown_verb_between_counted_rows_and_each_es(teatro, question: str) -> None:  # noqa: ANN001
    rows = engine_rows(teatro, question)
    assert sorted(rows) == [("Este", 1), ("Norte", 1), ("Sur", 3)], rows


def test_unknown_verb_before_a_pronoun_asked_back(venue) -> None:  # noqa: ANN001
    """ "how many gigs use it": one group, said before; not each hall."""
    engine_asks(venue[0], "How many gigs use it?")


_LENDING = """
    CREATE TABLE loans (loan_id INTEGER PRIMARY KEY, title TEXT, last_update DATE,
        loan_date DATE, due_date DATE);
    CREATE TABLE prestamos (prestamo_id INTEGER PRIMARY KEY, titulo TEXT,
        fecha_actualizacion DATE, fecha_prestamo DATE);
"""
_LENDING_ROWS = {
    "prestamos": [
        (1, "Emma", "2026-02-15", "2025-05-03"),
        (2, "Ivanhoe", "2026-02-15", "2025-05-09"),
        (3, "Kim", "2026-02-15", "2025-06-01"),
    ],
    "loans": [
        (1, "Emma", "2026-02-15", "2025-05-03", "2025-05-20"),
        (2, "Ivanhoe", "2026-02-15", "2025-05-09", "2025-05-30"),
        (3, "Kim", "2026-02-15", "2025-06-01", "2025-06-21"),
    ],
}


@pytest.fixture(scope="module")
def lending(tmp_path_factory):  # noqa: ANN001, ANN201
    path = tmp_path_factory.mktemp("groupcount") / "lending.db"
    made = engine_database(path, _LENDING, _LENDING_ROWS)
    yield made
    made[1].close()


@pytest.mark.parametrize(
    ("question", "own", "edited"),
    [
        ("Which month had the most loans?", "loan_date", "last_update"),
        ("¿Qué mes tuvo más préstamos?", "fecha_prestamo", "fecha_actualizacion"),
    ],
)
def test_period_with_the_most_rows_is_of_the_tables_own_date(
    lending, question: str, own: str, edited: str
) -> None:  # noqa: ANN001
    """The loans' own date (`loan_date`), never when a row was last edited (`last_update`)."""
    result = engine_reads(lending[0], question)
    assert own in result.sql and edited not in result.sql, result.sql
    assert [row[1] for row in lending[1].execute(result.sql)] == [2]


_LEAGUE = """
    CREATE TABLE clubs (club_id INTEGER PRIMARY KEY, name TEXT, members INTEGER);
    CREATE TABLE fans (fan_id INTEGER PRIMARY KEY, name TEXT);
    CREATE TABLE fixtures (fixture_id INTEGER PRIMARY KEY, rival TEXT,
        club_id INTEGER REFERENCES clubs(club_id));
    CREATE TABLE tickets (ticket_id INTEGER PRIMARY KEY,
        fixture_id INTEGER REFERENCES fixtures(fixture_id), fan_id INTEGER REFERENCES fans(fan_id));
    CREATE TABLE clubes (club_id INTEGER PRIMARY KEY, nombre TEXT, socios INTEGER);
    CREATE TABLE hinchas (hincha_id INTEGER PRIMARY KEY, nombre TEXT);
    CREATE TABLE partidos (partido_id INTEGER PRIMARY KEY, rival TEXT,
        club_id INTEGER REFERENCES clubes(club_id));
    CREATE TABLE entradas (entrada_id INTEGER PRIMARY KEY,
        partido_id INTEGER REFERENCES partidos(partido_id),
        hincha_id INTEGER REFERENCES hinchas(hincha_id));
"""
_LEAGUE_ROWS = {
    "clubs": [(1, "Lions", 900), (2, "Hawks", 1500), (3, "Owls", 300)],
    "fans": [(1, "Ann"), (2, "Bo")],
    "fixtures": [(1, "Reds", 1), (2, "Blues", 2), (3, "Greens", 2), (4, "Golds", 3)],
    "tickets": [(1, 1, 1), (2, 2, 2), (3, 3, 1)],
    "clubes": [(1, "Leones", 900), (2, "Halcones", 1500), (3, "Buhos", 300)],
    "hinchas": [(1, "Ana"), (2, "Bea")],
    "partidos": [(1, "Rojos", 1), (2, "Azules", 2), (3, "Verdes", 2), (4, "Oros", 3)],
    "entradas": [(1, 1, 1), (2, 2, 2), (3, 3, 1)],
}


@pytest.fixture(scope="module")
def league(tmp_path_factory):  # noqa: ANN001, ANN201
    made = engine_database(tmp_path_factory.mktemp("groupcount") / "l.db", _LEAGUE, _LEAGUE_ROWS)
    yield made
    made[1].close()


@pytest.mark.parametrize(
    ("question", "want"),
    [
        ("What is the name and members of the club with the most fixtures?", [("Hawks", 1500)]),
        ("Show the club name and members with the most fixtures.", [("Hawks", 1500)]),
        ("¿Cuál es el nombre y los socios del club con más partidos?", [("Halcones", 1500)]),
    ],
)
def test_own_number_of_the_top_row_is_shown(league, question: str, want: list) -> None:  # noqa: ANN001
    """The top club's own members, shown (one value per club), never added up over its
    fixtures (that would be members times fixtures)."""
    result = engine_reads(league[0], question)
    assert "SUM(" not in result.sql and "LIMIT 1" in result.sql, result.sql
    assert league[1].execute(result.sql).fetchall() == want


def test_own_number_summed_when_said(league) -> None:  # noqa: ANN001
    """An aggregate word said: the sum, as said (or asked back), never shown silently."""
    from apps.chat.engine.offline import interpret

    result = interpret("What is the total members of the club with the most fixtures?", league[0])
    assert result.route == "CLARIFY" or "SUM(" in result.sql or "LIMIT 1" not in result.sql


@pytest.mark.parametrize(
    ("question", "db", "want"),
    [
        ("How many gigs are there in 2015 or after?", "venue", 2),
        ("How many gigs were there in year 2015 or later?", "venue", 2),
        ("How many gigs are there in 2014 or before?", "venue", 3),
        ("¿Cuántas funciones hubo en 2015 o después?", "teatro", 2),
        ("¿Cuántas funciones hubo en 2014 o antes?", "teatro", 3),
    ],
)
def test_a_year_or_after(request, question: str, db: str, want: int) -> None:  # noqa: ANN001
    """ "in 2015 or after": from 2015 on, never 2015 alone (the two words were filler)."""
    model, conn = request.getfixturevalue(db)
    assert conn.execute(engine_reads(model, question).sql).fetchall() == [(want,)]


def test_two_comparisons_said_with_or_are_either(venue) -> None:  # noqa: ANN001
    """Either condition keeps a row; ANDed they counted the rows meeting both (asked back
    until branch h-orconds, which reads them as WHERE (A OR B))."""
    question = "How many pupils have a grade above 10 or an age under 15?"
    assert " OR " in engine_reads(venue[0], question).sql
    assert engine_rows(venue, question) == [(4,)]


@pytest.mark.parametrize(
    ("question", "db", "want"),
    [
        ("How many pupils have a grade above 10 and an age under 17?", "venue", 2),
        (
            "¿Cuántas funciones tienen una temporada mayor que 2014 y un aforo menor que 2000?",
            "teatro",
            2,
        ),
    ],
)
def test_two_comparisons_said_with_and(request, question: str, db: str, want: int) -> None:  # noqa: ANN001
    model, conn = request.getfixturevalue(db)
    assert conn.execute(engine_reads(model, question).sql).fetchall() == [(want,)]
