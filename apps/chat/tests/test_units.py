"""`engine/units.py`: the currency or unit of each result column comes from the catalog only."""

from __future__ import annotations

from apps.chat.engine import charts
from apps.chat.engine.units import result_units
from apps.knowledge.engine.catalog import CatalogSnapshot, ColumnInfo, TableInfo

CATALOG = CatalogSnapshot(
    "sqlite",
    (
        TableInfo(
            "ventas",
            (
                ColumnInfo("venta_id", "INTEGER", primary_key=True),
                ColumnInfo("total", "REAL", currency="EUR"),
                ColumnInfo("coste", "REAL", currency="EUR"),
                ColumnInfo("cantidad", "INTEGER"),
                ColumnInfo("peso", "REAL", unit="kg"),
                ColumnInfo("region", "TEXT"),
                ColumnInfo("cliente_id", "INTEGER"),
            ),
        ),
        TableInfo("clientes", (ColumnInfo("cliente_id", "INTEGER"), ColumnInfo("pais", "TEXT"))),
    ),
)


def test_aggregates_and_arithmetic_keep_a_documented_unit():
    sql = (
        "SELECT v.region, SUM(v.total) AS ingresos, ROUND(AVG(v.total), 2) AS medio, "
        "SUM(v.total) - SUM(v.coste) AS margen, SUM(v.cantidad) AS unidades, "
        "COUNT(*) AS n, MAX(peso) AS peso_max, SUM(v.total) / COUNT(*) AS por_venta, "
        "SUM(v.total) / SUM(v.peso) AS mixto, "
        "SUM(CASE WHEN v.region = 'Norte' THEN v.total ELSE 0 END) AS norte "
        "FROM ventas AS v JOIN clientes AS c ON c.cliente_id = v.cliente_id GROUP BY v.region"
    )
    assert result_units(sql, "sqlite", CATALOG) == {
        "ingresos": "EUR",
        "medio": "EUR",
        "margen": "EUR",
        "peso_max": "kg",
        "por_venta": "EUR",
        "norte": "EUR",
    }


def test_a_row_filter_subquery_and_unknown_sql_give_what_is_known_or_nothing():
    guarded = (
        "SELECT SUM(ventas.total) AS t FROM (SELECT * FROM ventas WHERE region IN ('Norte')) "
        "AS ventas"
    )
    assert result_units(guarded, "sqlite", CATALOG) == {"t": "EUR"}
    assert result_units("SELECT total FROM nowhere", "sqlite", CATALOG) == {}
    assert result_units("not sql at all (", "sqlite", CATALOG) == {}
    plain = CatalogSnapshot("sqlite", (TableInfo("ventas", (ColumnInfo("total", "REAL"),)),))
    assert result_units("SELECT SUM(total) FROM ventas", "sqlite", plain) == {}


def test_charts_label_axes_and_kpis_with_the_unit():
    columns, rows = ["region", "ingresos"], [["Norte", 10.0], ["Sur", 20.0]]
    spec = charts.choose_chart(columns, rows, hint="bar", lang="en")
    figure = charts.render_figure(spec, columns, rows, lang="en", units={"ingresos": "EUR"})
    titles = [figure["layout"][k]["title"]["text"] for k in ("xaxis", "yaxis")]
    assert "ingresos (EUR)" in titles
    plain = charts.render_figure(spec, columns, rows, lang="en")
    assert all("EUR" not in plain["layout"][k]["title"]["text"] for k in ("xaxis", "yaxis"))
    kpi_spec = charts.choose_chart(["ingresos"], [[30.0]], lang="en")
    kpi = charts.render_figure(
        kpi_spec, ["ingresos"], [[30.0]], lang="en", units={"ingresos": "EUR"}
    )
    assert kpi["data"][0]["number"]["suffix"] == " EUR"
