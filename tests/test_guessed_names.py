"""A capitalised word the engine reads as a person's name of a column it chose itself
(`literals.name_rows`: "What grade is Klingonish in?") and that no row has: asked back without
saying whose name it was taken for ("I can't find “Klingonish” in the data"), in English and
Spanish, the candidate columns offered; a name said after its column keeps the column in the
question back; a role that may not see the column gets the same refusal either way."""

from __future__ import annotations

import pytest

from apps.chat.pipeline import ask
from apps.governance.models import Membership
from tests.support.probe_orgs import answer_shape, sqlite_org

pytestmark = pytest.mark.django_db

_SCHEMA = """
CREATE TABLE pupil (id INTEGER PRIMARY KEY, first_name TEXT, last_name TEXT, grade INTEGER);
CREATE TABLE note (id INTEGER PRIMARY KEY, pupil_id INTEGER REFERENCES pupil(id), body TEXT);
"""
_ROWS = {
    "pupil": [(1, "Mara", "Olsen", 9), (2, "Tomas", "Berg", 10), (3, "Ines", "Lund", 11)],
    "note": [(1, 1, "late"), (2, 1, "early"), (3, 3, "absent")],
}


@pytest.fixture
def school():
    return sqlite_org("guessed", _SCHEMA, _ROWS)


def _ask(source, question: str, who: str = "admin") -> dict:
    member = Membership.all_tenants.get(
        organization=source.organization, user__username=f"{source.organization.slug}-{who}"
    )
    return ask(membership=member, question=question, channel="cli")


def test_a_name_a_row_has_is_answered(school):
    answer = _ask(school, "What grade is Mara in?")
    assert answer["type"] == "SQL", (answer["answer"], answer.get("sql"))
    assert [tuple(r)[-1] for r in answer["rows"]] == [9], answer["rows"]


@pytest.mark.parametrize(
    ("question", "said"),
    [
        ("What grade is Klingonish in?", "I can't find “Klingonish” in the data"),
        ("¿En qué grade está Klingonish?", "No encuentro «Klingonish» en los datos"),
    ],
)
def test_a_word_read_as_a_name_no_row_has_is_asked_back_neutrally(school, question, said):
    answer = _ask(school, question)
    assert answer["type"] == "CLARIFY", (answer["answer"], answer.get("sql"))
    assert answer["answer"].startswith(said), answer["answer"]
    assert "first name" not in answer["answer"] and "first_name" not in answer["answer"]
    # the candidate columns are offered: the text columns the index does not hold
    offered = " ".join(answer["suggestions"])
    assert "first name" in offered and "last name" in offered, answer["suggestions"]
    assert all("Klingonish" in s for s in answer["suggestions"]), answer["suggestions"]


def test_a_name_said_after_its_column_keeps_the_column_in_the_question_back(school):
    answer = _ask(school, "What grade has the pupil with the first name Klingonish?")
    assert answer["type"] == "CLARIFY", (answer["answer"], answer.get("sql"))
    assert "first name" in answer["answer"], answer["answer"]


def test_a_role_without_the_personal_column_gets_one_refusal_whatever_the_name(school):
    known = _ask(school, "What grade is Mara in?", "analyst")
    unknown = _ask(school, "What grade is Klingonish in?", "analyst")
    assert answer_shape(known) == answer_shape(unknown), (known["answer"], unknown["answer"])
    assert known["type"] == "REFUSED" and known["error"]["code"] == "column_masked", known
