"""What the LLM path chooses to put in a prompt (pure: no database, no server).

The prompt builder's own budget tests live in tests/test_llm_provider.py; these check the
selection in front of it: the relevant tables of a large schema, the values and metrics the
question names, the verified examples most like it, and the shape-based narration plan.
"""

from __future__ import annotations

from apps.chat.engine.llm_prompt import build_structured_messages, estimate_messages_tokens
from apps.chat.llm_path import (
    matching_values,
    narration_plan,
    ranked_metrics,
    relevant_tables,
    similar_examples,
)
from apps.knowledge.engine.catalog import (
    CatalogSnapshot,
    ColumnInfo,
    ForeignKeyInfo,
    MetricDef,
    TableInfo,
)
from datachat.text import index_terms as tokenize
from tests.test_llm_provider import synthetic_catalog


def fifty_table_catalog() -> CatalogSnapshot:
    tables = synthetic_catalog(50)
    names = [t.name for t in tables]
    devoluciones, clientes = names[11], names[1]
    extra = ColumnInfo("cliente_id", "INTEGER", description="Cliente que devuelve")
    tables[11] = TableInfo(
        devoluciones,
        (*tables[11].columns, extra),
        description=tables[11].description,
        synonyms=("returns",),
    )
    return CatalogSnapshot(
        dialect="postgres",
        tables=tuple(tables),
        foreign_keys=(ForeignKeyInfo(devoluciones, "cliente_id", clientes, "id"),),
        metrics=(
            MetricDef("Tasa de devolución", "COUNT(*) / 100.0", devoluciones, ("returns rate",)),
            MetricDef("Ingresos", "SUM(ventas_0.total)", "ventas_0", ("revenue",)),
        ),
    )


def test_a_fifty_table_schema_is_pruned_to_the_relevant_tables_under_budget() -> None:
    catalog = fifty_table_catalog()
    allowed = {t.name for t in catalog.tables}
    question = "¿Cuántas devoluciones hubo por mes en 2024?"
    terms = frozenset(tokenize(question))

    slice_ = relevant_tables(terms, catalog, allowed, set())
    prompt = build_structured_messages(
        question,
        lang="es",
        dialect="postgres",
        tables=slice_.tables,
        allowed_tables=allowed,
        metrics=ranked_metrics(terms, catalog.metrics, set(slice_.names)),
        foreign_keys=catalog.foreign_keys,
    )

    assert slice_.names[0] == "devoluciones_11"
    assert "clientes_1" in slice_.names  # the best table's FK neighbour, for the join
    assert len(slice_.names) <= 8
    assert prompt.estimated_tokens <= 1500
    assert estimate_messages_tokens(prompt.messages) <= 1500
    user = prompt.messages[1]["content"]
    listed = {
        line.split()[1].rstrip(":") for line in user.splitlines() if line.startswith("table ")
    }
    assert listed <= set(slice_.names) and "devoluciones_11" in listed
    assert "Tasa de devolución" in user and "Ingresos =" not in user


def test_only_allowed_tables_are_ever_candidates() -> None:
    catalog = fifty_table_catalog()
    allowed = {"clientes_1", "ventas_0"}

    slice_ = relevant_tables(
        frozenset(tokenize("devoluciones por cliente")), catalog, allowed, set()
    )

    assert set(slice_.names) <= allowed and slice_.names[0] == "clientes_1"


def test_nothing_matching_falls_back_to_the_allowed_tables_by_name() -> None:
    catalog = fifty_table_catalog()

    slice_ = relevant_tables(frozenset(tokenize("xyzzy")), catalog, {"ventas_0", "pagos_12"}, set())

    assert slice_.names == ["pagos_12", "ventas_0"]


def _customers() -> TableInfo:
    return TableInfo(
        "clientes",
        (
            ColumnInfo("cliente_id", "INTEGER", primary_key=True),
            ColumnInfo("segmento", "TEXT", values=("Empresa", "Pyme", "Consumidor")),
            ColumnInfo("ciudad", "TEXT", values=("Lima", "Quito")),
            ColumnInfo("email", "TEXT", pii=True, values=("ana@example.com",)),
        ),
    )


def test_values_come_only_from_visible_non_pii_columns_the_question_names() -> None:
    table = _customers()
    terms = frozenset(tokenize("clientes Pyme de Lima con email ana@example.com"))

    values = matching_values(terms, [table], masked={("clientes", "ciudad")})

    assert [(v.column, v.value) for v in values] == [("segmento", "Pyme")]


def test_metrics_the_question_names_come_first_and_are_capped() -> None:
    metrics = [MetricDef(f"Métrica {i}", "COUNT(*)", "t") for i in range(6)]
    metrics.append(MetricDef("Margen bruto", "SUM(x)", "t", ("ganancia",)))

    ranked = ranked_metrics(frozenset(tokenize("¿Cuál fue la ganancia?")), metrics, {"t"})

    assert ranked[0].name == "Margen bruto" and len(ranked) == 4


def test_similar_examples_rank_by_shared_words() -> None:
    examples = [
        ("Unidades vendidas por producto", "SELECT 1"),
        ("¿Cuál es el total de ventas por región?", "SELECT 2"),
        ("Clientes por segmento", "SELECT 3"),
        ("Ventas por canal", "SELECT 4"),
    ]

    found = similar_examples("¿Cuál fue el total de ventas por región?", examples)

    assert [e.sql for e in found] == ["SELECT 2", "SELECT 4"]


def test_narration_plan_follows_the_result_shape() -> None:
    ranking = narration_plan(["region", "total"], [["Norte", 10.5], ["Sur", 3.0]])
    single = narration_plan(["total"], [[42]])

    assert [d.column for d in ranking.dimensions] == ["region"]
    assert [m.label for m in ranking.metrics] == ["total"]
    assert single.dimensions == () and single.metrics[0].label == "total"
    assert narration_plan(["a", "b", "c", "d"], [["x", "y", "z", 1]]) is None  # 3 labels
    assert narration_plan(["id", "total"], [[1, 2.0], [2, 3.0]]) is None  # no label column
    assert narration_plan(["nombre"], [["Ana"]]) is None
