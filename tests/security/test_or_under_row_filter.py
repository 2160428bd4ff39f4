""" "A or B" under a row filter (branch h-quality): a value of the filter's own column that the
caller may not see on one side of an "or" ("halls in Lima or with seats under 400" for a
town = Oslo viewer) hides no answer: the OR is evaluated inside the visible rows, and a note
says the value is outside their access, from the policy alone. Twin orgs whose hidden rows
differ (the Lima halls there, meeting the other half or not, or gone from the data while the
catalog still names Lima) give the same answer: no oracle of hidden rows."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from django.conf import settings

from tests.security.test_probe_session27 import HALLS, _org
from tests.support.probe_orgs import answer_shape as _shape
from tests.support.probe_orgs import ask_as as _ask
from tests.support.probe_orgs import filter_rows as _filter
from tests.support.probe_orgs import fresh_memos as _fresh_memos  # noqa: F401 (autouse)
from tests.support.probe_orgs import never_crashes as _never_crashes

pytestmark = pytest.mark.django_db

QUESTIONS = [
    ("halls in Lima or with seats under 400", [("Barn",)]),
    ("the number of halls in Lima or with seats under 400", [(1,)]),
    ("halls whose town is Lima or seats are over 100", [("Zenit",), ("Barn",)]),
]


def _oslo(slug: str, halls: list | None = None, drop_lima: bool = False):  # noqa: ANN202
    source = _org(slug, {"halls": halls} if halls is not None else None)
    _filter(source, ("halls", "town", "Oslo"))
    if drop_lima:  # the catalog still names Lima; no row of the data holds it any more
        path = Path(settings.DATA_DIR) / "sources" / slug / "data.db"
        conn = sqlite3.connect(path)
        conn.execute("DELETE FROM halls WHERE town = 'Lima'")
        conn.commit()
        conn.close()
    return source


@pytest.mark.parametrize(("question", "rows"), QUESTIONS)
def test_the_or_is_answered_inside_the_visible_rows(question: str, rows: list) -> None:
    answer = _ask(_oslo("orscope1"), question)
    _never_crashes(answer)
    assert answer["type"] == "SQL", answer["answer"]
    assert sorted(tuple(r) for r in answer["rows"]) == sorted(rows), answer["sql"]
    assert "FROM halls WHERE town IN ('Oslo'))" in answer["sql"], answer["sql"]
    assert "«Lima» is outside your access" in answer["answer"], answer["answer"]
    assert "nothing to show" not in answer["answer"], answer["answer"]
    for hidden in ("Dome", "Vault", "1500"):
        assert hidden not in str(answer["rows"]) + answer["answer"], answer


@pytest.mark.parametrize(("question", "rows"), QUESTIONS)
def test_hidden_rows_change_nothing(question: str, rows: list) -> None:
    met = [(i, n, t, 100 if t == "Lima" else s, y) for i, n, t, s, y in HALLS]
    answers = [
        _ask(_oslo("orscope2"), question),
        _ask(_oslo("orscope3", met), question),  # the hidden halls meet the other half
        _ask(_oslo("orscope4", drop_lima=True), question),  # no Lima hall exists at all
    ]
    first = answers[0]
    for other in answers[1:]:
        assert _shape(other) == _shape(first), (other["answer"], first["answer"])
        assert other["answer"] == first["answer"]


def test_a_visible_value_on_one_side_has_no_note() -> None:
    answer = _ask(_oslo("orscope5"), "halls in Oslo or with seats under 400")
    assert sorted(tuple(r) for r in answer["rows"]) == [("Barn",), ("Zenit",)], answer["sql"]
    assert "outside your access" not in answer["answer"], answer["answer"]


def test_a_hidden_value_alone_is_still_outside_the_access() -> None:
    answer = _ask(_oslo("orscope6"), "halls in Lima")
    assert answer["rows"] == [], answer["rows"]
    assert "«Lima» is outside your access, so there is nothing to show" in answer["answer"]


@pytest.mark.parametrize(
    "question",
    [
        "halls with seats over 1000 or every row",
        "halls with seats over 1000 or all of them",
        "the number of halls in Lima or all halls",
    ],
)
def test_or_every_row_is_asked_back_never_narrower(question: str) -> None:
    answer = _ask(_oslo("orscope7"), question)
    _never_crashes(answer)
    assert answer["type"] == "CLARIFY", (answer["answer"], answer.get("sql"))
    assert "sets no condition" in answer["answer"], answer["answer"]
