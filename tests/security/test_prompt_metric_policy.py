"""The structured prompt (apps/chat/engine/llm_prompt.py) lists only the caller's tables, and a
verified example that reads another table is left out. A metric is a piece of SQL too: one
whose expression or filter reads a table outside the caller's policy (`Margen bruto` joins
`productos`; a payroll metric on `ventas` reads `nominas`) would name that table and its columns
to the model, which may repeat them in its reasoning or a clarifying question."""

from __future__ import annotations

from apps.chat.engine.llm_prompt import build_structured_messages
from apps.knowledge.engine.catalog import ColumnInfo, MetricDef, TableInfo

VENTAS = TableInfo(
    "ventas",
    (
        ColumnInfo("venta_id", "INTEGER", primary_key=True),
        ColumnInfo("producto_id", "INTEGER"),
        ColumnInfo("empleado_id", "INTEGER"),
        ColumnInfo("cantidad", "INTEGER"),
        ColumnInfo("total", "REAL"),
    ),
)
MARGEN = MetricDef(
    "Margen bruto",
    "SUM(ventas.total - ventas.cantidad * productos.costo_unitario)",
    "ventas",
    ("margen",),
)
COSTE_NOMINA = MetricDef(
    "Coste por venta",
    'SUM(ventas.total) / SUM("empleados"."salario")',
    "ventas",
    ("coste",),
)
FILTERED = MetricDef(
    "Ventas de gerentes",
    "SUM(ventas.total)",
    "ventas",
    ("gerentes",),
    filters=("empleados.cargo = 'Gerente'",),
)
REVENUE = MetricDef("Revenue Total", "SUM(ventas.total)", "ventas", ("ingresos",))
TASA = MetricDef("Tasa", "COUNT(*) / 100.0", "ventas", ("tasa",))


def _prompt(question: str, metrics: list[MetricDef]) -> str:
    prompt = build_structured_messages(
        question,
        lang="es",
        dialect="sqlite",
        tables=[VENTAS],
        allowed_tables={"ventas"},
        masked_columns=set(),
        metrics=metrics,
    )
    return "\n".join(m["content"] for m in prompt.messages)


def test_a_metric_reading_a_table_outside_the_policy_is_not_in_the_prompt() -> None:
    text = _prompt(
        "¿Margen bruto, coste y ventas de gerentes por mes?", [MARGEN, COSTE_NOMINA, FILTERED]
    )
    for hidden in ("productos", "costo_unitario", "empleados", "salario", "Gerente"):
        assert hidden not in text, f"{hidden!r} reached the prompt of a caller without it"


def test_metrics_over_the_callers_tables_stay() -> None:
    text = _prompt("¿Ingresos y tasa por mes?", [REVENUE, TASA, MARGEN])
    assert "Revenue Total = SUM(ventas.total)" in text
    assert "Tasa = COUNT(*) / 100.0" in text  # a decimal point is no table
