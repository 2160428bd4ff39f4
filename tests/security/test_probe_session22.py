"""An attacker's probe of session 22's changes, with an analyst's or an org admin's login:
values said after their column (the existence check `_said_value_missing`), the thesaurus
(unknown nouns read as catalog names), and a deleted org's vector collections."""

from __future__ import annotations

import pytest

from apps.chat.pipeline import ask, run_query
from apps.governance.models import AccessPolicy

pytestmark = pytest.mark.django_db

_QUESTION = "¿Cuántas ventas tiene el cliente con el email '{}'?"
_NOBODY = "nadie@example.invalid"


def _shape(answer: dict) -> tuple:
    return (
        answer["type"],
        (answer.get("error") or {}).get("code"),
        len(answer.get("suggestions") or []),
        bool(answer.get("rows")),
    )


def _analyst_of_norte(member):  # noqa: ANN001, ANN202
    """The analyst, with the email unmasked and only the customers of region Norte."""
    analista = member("acme", "analista")
    policy = AccessPolicy.all_tenants.for_org(analista.organization).get(role="ANALYST")
    policy.masked_columns = [c for c in policy.masked_columns if c != "clientes.email"]
    policy.row_filters = [{"table": "clientes", "column": "region", "value": "Norte"}]
    policy.save()
    return analista


def test_a_said_value_only_in_rows_the_row_filter_hides_is_no_oracle(member) -> None:
    """The existence check runs through the caller's row filter: an email of a customer of
    region Sur is, for an analyst of Norte, what a made-up email is."""
    admin = member("acme", "admin")
    sql = "SELECT email FROM clientes WHERE region = 'Sur' LIMIT 1"
    hidden_email = run_query(membership=admin, sql=sql)["rows"][0][0]
    analista = _analyst_of_norte(member)
    hidden = ask(membership=analista, question=_QUESTION.format(hidden_email), channel="cli")
    made_up = ask(membership=analista, question=_QUESTION.format(_NOBODY), channel="cli")
    assert _shape(hidden) == _shape(made_up), (hidden["answer"], made_up["answer"])
    own = run_query(membership=admin, sql=sql.replace("Sur", "Norte"))["rows"][0][0]
    visible = ask(membership=analista, question=_QUESTION.format(own), channel="cli")
    assert visible["type"] == "SQL" and visible["rows"][0][0] > 0, visible["answer"]


@pytest.mark.parametrize(
    "value",
    [
        "x-' OR '1'='1",
        "x-\\' OR 1=1 --",
        "%-%",
        "_-_@_",
        "ñandú-ü@ejemplo.es",
        "a-" + "b" * 5000,
    ],
)
def test_a_said_value_is_data_not_sql(member, value: str) -> None:
    """Quotes, backslashes, LIKE wildcards, accents and very long values said as the value are
    compared as written: nothing matches, nothing errors, no second statement."""
    admin = member("acme", "admin")
    answer = ask(membership=admin, question=_QUESTION.format(value), channel="cli")
    if answer["type"] == "REFUSED":  # too long a question: refused before it is read
        assert answer["error"]["code"] == "question_too_long", answer["answer"]
        return
    assert answer["type"] in ("CLARIFY", "SQL"), answer["answer"]
    if answer["type"] == "SQL":
        assert not answer["rows"] or answer["rows"][0][0] in (0, None), answer["sql"]
        assert answer["sql"].count(";") <= 1


def test_a_masked_said_value_is_refused_alike_in_english(member) -> None:
    """The English reading ("the customer with the email X") of a masked column: the same
    refusal for a real email and a made-up one."""
    admin, analista = member("acme", "admin"), member("acme", "analista")
    email = run_query(membership=admin, sql="SELECT email FROM clientes LIMIT 1")["rows"][0][0]
    question = "how many sales has the customer with the email '{}'?"
    known = ask(membership=analista, question=question.format(email), channel="cli")
    unknown = ask(membership=analista, question=question.format(_NOBODY), channel="cli")
    assert _shape(known) == _shape(unknown), (known["answer"], unknown["answer"])
    assert known["error"]["code"] == "column_masked" and not known["rows"]
    assert email not in known["answer"]


@pytest.mark.parametrize("word", ["workers", "staffers", "personnel", "staff", "automobiles"])
def test_a_synonym_never_reaches_data_of_a_table_the_role_hides(member, word: str) -> None:
    """`empleados` is hidden from the analyst: a word read as it (a thesaurus synonym, a typo
    fix, a metric's synonym) is refused as naming it is, or asked back; never data. (Naming
    a hidden table is refused by name by design: docs/security.md, "Masking".)"""
    analista = member("acme", "analista")
    answer = ask(membership=analista, question=f"how many {word} are there?", channel="cli")
    assert answer["type"] in ("REFUSED", "CLARIFY"), (answer["answer"], answer["sql"])
    assert not answer["rows"]
    if answer["type"] == "REFUSED":
        assert answer["error"]["code"] == "table_not_allowed"


def test_the_thesaurus_reads_with_the_callers_catalog(member) -> None:
    """The viewer sees `ventas` and `productos`: a synonym of `clientes` ("patrons") is not read
    as it for them, and their interpretation names no table they may not use."""
    visor = member("acme", "visor")
    answer = ask(membership=visor, question="how many patrons are there?", channel="cli")
    said = " ".join(str(answer.get(k) or "") for k in ("sql", "intent", "suggestions"))
    assert not answer["rows"] and "clientes" not in said.lower(), said


@pytest.mark.parametrize(
    ("table", "column"),
    [
        ("products", "name"),
        ("shops", "shop_name"),
        ("countries", "country_name"),
        ("customers", "company_name"),
    ],
)
def test_the_new_person_words_unmask_nothing(table: str, column: str) -> None:
    """The person words added this session only flag more; what was personal stays so, and a
    firm's or a thing's name stays unflagged."""
    from apps.knowledge.engine.pii import name_is_pii

    assert not name_is_pii(table, column)
    for personal in (("customers", "name"), ("staff", "first_name"), ("x", "email")):
        assert name_is_pii(*personal)


@pytest.mark.parametrize("other", ["acme_x", "ACME-X", "acme-x-2", "acme-", "acme.x"])
def test_dropping_a_deleted_orgs_vectors_spares_every_look_alike_slug(tmp_path, other) -> None:
    """reset_org (run when an org is deleted) drops only the collections of that exact slug:
    slugs that sanitise to the same readable prefix keep theirs."""
    from apps.knowledge.engine.chunking import Chunk
    from datachat.providers.vectorstore import VectorStore

    def chunk(doc: str) -> Chunk:
        return Chunk(f"{doc}:0", doc, f"Doc {doc}", "TABLE", "ventas", "ventas", 0, ("total",), 1)

    vs = VectorStore.local(str(tmp_path))
    vs.upsert("acme-x", [chunk("a")])
    vs.upsert(other, [chunk("b")])
    assert vs.reset_org("acme-x") == 1
    assert vs.count("acme-x") == 0 and vs.count(other) == 1
    assert VectorStore.local(str(tmp_path)).count(other) == 1  # not only this process's cache


def test_an_answer_to_a_said_value_is_not_served_from_another_roles_cache(member) -> None:
    """The admin's answer (found, or asked back) for a said personal value is not what the
    analyst gets when they ask the same: theirs is the masked column's refusal, both ways."""
    admin, analista = member("acme", "admin"), member("acme", "analista")
    email = run_query(membership=admin, sql="SELECT email FROM clientes LIMIT 1")["rows"][0][0]
    for value in (email, _NOBODY):
        first = ask(membership=admin, question=_QUESTION.format(value), channel="cli")
        assert first["type"] in ("SQL", "CLARIFY")
        again = ask(membership=analista, question=_QUESTION.format(value), channel="cli")
        assert _shape(again) == ("REFUSED", "column_masked", 0, False), again["answer"]


def test_an_answer_to_a_said_value_is_not_served_across_row_filters(member) -> None:
    """The admin found a Sur customer's email; the analyst of Norte asking the same is told no
    customer of theirs has it, as for a made-up email."""
    admin = member("acme", "admin")
    sql = "SELECT email FROM clientes WHERE region = 'Sur' LIMIT 1"
    hidden_email = run_query(membership=admin, sql=sql)["rows"][0][0]
    found = ask(membership=admin, question=_QUESTION.format(hidden_email), channel="cli")
    assert found["type"] == "SQL" and found["rows"][0][0] > 0
    analista = _analyst_of_norte(member)
    hidden = ask(membership=analista, question=_QUESTION.format(hidden_email), channel="cli")
    made_up = ask(membership=analista, question=_QUESTION.format(_NOBODY), channel="cli")
    assert _shape(hidden) == _shape(made_up), (hidden["answer"], made_up["answer"])


@pytest.mark.parametrize("target", ["acme", "globex"])
def test_an_org_admin_cannot_delete_an_org_and_so_drop_its_vectors(target: str) -> None:
    """Deleting an org drops its vector collections on commit: only a platform operator may
    delete one. An org admin (of acme, a viewer of globex) deletes neither their own org nor
    another through the admin."""
    from django.test import Client

    from apps.governance.models import Membership, Organization
    from apps.governance.services import membership_create
    from tests.support.fixtures import login_request

    acme, globex = (Organization.objects.get(slug=s) for s in ("acme", "globex"))
    member, _ = membership_create(
        org=acme, username="probe22", password="probe-pw-22", role="ADMIN"
    )
    Membership.all_tenants.create(user=member.user, organization=globex, role="VIEWER")
    client = Client()
    assert client.login(request=login_request(), username="probe22", password="probe-pw-22")
    org = Organization.objects.get(slug=target)
    url = f"/admin/governance/organization/{org.pk}/delete/"
    client.post(url, {"post": "yes"})
    assert Organization.objects.filter(pk=org.pk).exists()
