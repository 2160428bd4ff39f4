"""A dbt project's artifacts as a semantic-layer file (docs/semantic-layer.md, "Import from dbt").

Pure: reads `manifest.json` and, when present, `semantic_manifest.json` from a dbt target
directory (what `dbt parse` writes) and returns a `SemanticFile`, which the ordinary importer then
checks and applies. What maps to what:

- a model's description → the table's description; its columns' descriptions → the columns';
  `meta` keys `synonyms`, `label_column` (model) and `synonyms`, `currency`, `unit` (column);
- a semantic model (its `node_relation.alias` is the table): a foreign or unique entity →
  a relationship to the semantic model whose primary entity has that name (many to one, or one
  to one for `unique`); a dimension → its column, its name and label becoming synonyms when they
  differ from the column's name; a measure → a metric (SUM, COUNT, COUNT DISTINCT, AVG, MIN, MAX);
- a metric: `simple` → the measure's metric with the metric's filters (`{{ Dimension('e__d') }}`
  resolved to the dimension's column) and `ratio` → numerator / denominator of two simple
  metrics of one table. Other kinds (derived, cumulative, conversion) are listed in `skipped`.

Models and columns the data source does not have are skipped (a dbt project usually holds
staging models the source lacks), and said so.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from apps.knowledge.engine.semantic_file import (
    ColumnSpec,
    MetricSpec,
    RelationshipSpec,
    SemanticFile,
    TableSpec,
)


class DbtImportError(ValueError):
    """The target directory holds no readable dbt artifacts."""


_AGG = {
    "sum": "SUM({})",
    "count": "COUNT({})",
    "count_distinct": "COUNT(DISTINCT {})",
    "average": "AVG({})",
    "avg": "AVG({})",
    "min": "MIN({})",
    "max": "MAX({})",
    "sum_boolean": "SUM(CASE WHEN {} THEN 1 ELSE 0 END)",
}
_TEMPLATE = re.compile(
    r"\{\{\s*(?:Dimension|TimeDimension|Entity)\(\s*['\"]([^'\"]+)['\"][^)]*\)"
    r"(?:\.[a-z_]+\([^)]*\))*\s*\}\}"
)
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass
class DbtResult:
    data: SemanticFile
    skipped: list[str] = field(default_factory=list)


def _read(path: Path) -> dict[str, Any]:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise DbtImportError(f"{path}: not a readable dbt artifact ({exc})") from None


def _words(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [str(v) for v in value if isinstance(v, (str, int))]
    return []


def _human(name: str) -> str:
    text = name.replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def _meta(node: Mapping[str, Any]) -> dict[str, Any]:
    meta = dict((node.get("config") or {}).get("meta") or {})
    meta.update(node.get("meta") or {})
    return meta


def _qualify(expr: str, table: str) -> str:
    """A bare column name gets its table; any other SQL is kept as written."""
    expr = expr.strip()
    if _IDENT.match(expr):
        return f'"{table}".{expr}' if not _IDENT.match(table) else f"{table}.{expr}"
    return expr


def dbt_semantic_file(
    target: Path, *, tables: Mapping[str, set[str]] | None = None
) -> SemanticFile:
    """The semantic-layer file of a dbt target directory (see the module docstring)."""
    return dbt_read(target, tables=tables).data


def dbt_read(target: Path, *, tables: Mapping[str, set[str]] | None = None) -> DbtResult:
    """`dbt_semantic_file`, with what was skipped and why. `tables` ({table: columns}) is the
    source's catalog; None keeps everything (the importer's checks then name the unknown)."""
    target = Path(target)
    if target.is_dir() and not (target / "manifest.json").exists() and (target / "target").is_dir():
        target = target / "target"  # the project folder was given
    manifest_path = target / "manifest.json"
    if not manifest_path.is_file():
        raise DbtImportError(f"{target}: no manifest.json (run dbt parse in the project first)")
    manifest = _read(manifest_path)
    semantic_path = target / "semantic_manifest.json"
    semantic = _read(semantic_path) if semantic_path.is_file() else {}
    skipped: list[str] = []

    def has_table(name: str) -> bool:
        return tables is None or name in tables

    def has_column(table: str, column: str) -> bool:
        return tables is None or column in tables.get(table, set())

    specs: dict[str, TableSpec] = {}
    for node in sorted(
        (n for n in (manifest.get("nodes") or {}).values() if n.get("resource_type") == "model"),
        key=lambda n: n.get("unique_id", ""),
    ):
        table = node.get("alias") or node.get("name")
        if not table:
            continue
        if not has_table(table):
            skipped.append(f"model {node.get('name')}: no table {table} in the source")
            continue
        meta = _meta(node)
        spec = TableSpec()
        if node.get("description"):
            spec.description = node["description"]
        if _words(meta.get("synonyms")):
            spec.synonyms = _words(meta.get("synonyms"))
        if isinstance(meta.get("label_column"), str) and has_column(table, meta["label_column"]):
            spec.label_column = meta["label_column"]
        for name, column in sorted((node.get("columns") or {}).items()):
            if not has_column(table, name):
                skipped.append(f"column {table}.{name}: not in the source")
                continue
            cmeta = _meta(column)
            cspec = ColumnSpec()
            if column.get("description"):
                cspec.description = column["description"]
            if _words(cmeta.get("synonyms")):
                cspec.synonyms = _words(cmeta.get("synonyms"))
            if isinstance(cmeta.get("currency"), str):
                cspec.currency = cmeta["currency"].upper()
            if isinstance(cmeta.get("unit"), str):
                cspec.unit = cmeta["unit"]
            if cspec.model_fields_set:
                spec.columns[name] = cspec
        if spec.model_fields_set or spec.columns:
            specs[table] = spec

    models = semantic.get("semantic_models") or []
    table_of: dict[str, str] = {}  # semantic model → table
    primary: dict[str, tuple[str, str]] = {}  # entity name → (table, key column)
    dimensions: dict[tuple[str, str], tuple[str, str]] = {}  # (entity, dim) → (table, column)
    for model in models:
        table = (model.get("node_relation") or {}).get("alias") or model.get("name")
        table_of[model["name"]] = table
        for entity in model.get("entities") or []:
            if entity.get("type") in ("primary", "natural"):
                primary[entity["name"]] = (table, entity.get("expr") or entity["name"])
    for model in models:
        table = table_of[model["name"]]
        own = [e["name"] for e in model.get("entities") or [] if e.get("type") == "primary"]
        own += [model["primary_entity"]] if model.get("primary_entity") else []
        for dim in model.get("dimensions") or []:
            column = dim.get("expr") or dim["name"]
            for entity in own:
                dimensions[(entity, dim["name"])] = (table, column)
    relationships: list[RelationshipSpec] = []
    measures: dict[str, MetricSpec] = {}
    for model in models:
        table = table_of[model["name"]]
        if not has_table(table):
            skipped.append(f"semantic model {model['name']}: no table {table} in the source")
            continue
        for entity in model.get("entities") or []:
            kind = entity.get("type")
            if kind not in ("foreign", "unique") or entity["name"] not in primary:
                continue
            ref_table, ref_column = primary[entity["name"]]
            column = entity.get("expr") or entity["name"]
            if ref_table == table or not _IDENT.match(column):
                continue
            if not (has_column(table, column) and has_column(ref_table, ref_column)):
                where = f"entity {model['name']}.{entity['name']}"
                skipped.append(f"{where}: columns not in the source")
                continue
            relationships.append(
                RelationshipSpec(
                    **{"from": f"{table}.{column}"},
                    to=f"{ref_table}.{ref_column}",
                    cardinality="one_to_one" if kind == "unique" else "many_to_one",
                )
            )
        for dim in model.get("dimensions") or []:
            column = dim.get("expr") or dim["name"]
            if not _IDENT.match(column) or not has_column(table, column):
                continue
            words = [w for w in (dim["name"], dim.get("label")) if w and w != column]
            words = [w.replace("_", " ") for w in words]
            spec = specs.setdefault(table, TableSpec())
            cspec = spec.columns.setdefault(column, ColumnSpec())
            merged = list(dict.fromkeys([*(cspec.synonyms or []), *words]))
            if merged:
                cspec.synonyms = merged
            if dim.get("description") and not cspec.description:
                cspec.description = dim["description"]
        for measure in model.get("measures") or []:
            agg = _AGG.get(measure.get("agg", ""))
            if agg is None:
                skipped.append(f"measure {measure['name']}: aggregation {measure.get('agg')}")
                continue
            expr = str(measure.get("expr") or measure["name"])
            if measure.get("agg") == "count" and expr.strip() in ("1", "*"):
                expression = "COUNT(*)"
            else:
                expression = agg.format(_qualify(expr, table))
            synonyms = [measure["name"].replace("_", " ")]
            measures[measure["name"]] = MetricSpec(
                name=measure.get("label") or _human(measure["name"]),
                table=table,
                expression=expression,
                synonyms=[s for s in synonyms if s != measure.get("label")],
                description=measure.get("description") or "",
                format="integer" if measure.get("agg") in ("count", "count_distinct") else None,
            )

    metrics: dict[str, MetricSpec] = dict(measures)
    for metric in semantic.get("metrics") or []:
        built = _metric(metric, measures, metrics, dimensions, skipped)
        if built is not None:
            # A metric named after its measure replaces it; otherwise both stay.
            measure_name = ((metric.get("type_params") or {}).get("measure") or {}).get("name")
            if measure_name and measures[measure_name].name == built.name:
                metrics.pop(measure_name, None)
            metrics[f"metric:{metric['name']}"] = built
    for table in list(specs):
        spec = specs[table]
        if not spec.model_fields_set and not spec.columns:
            specs.pop(table)
    return DbtResult(
        data=SemanticFile(
            source=(semantic.get("project_configuration") or {}).get("name")
            or (manifest.get("metadata") or {}).get("project_name"),
            tables=specs,
            relationships=relationships,
            metrics=sorted(metrics.values(), key=lambda m: m.name),
        ),
        skipped=skipped,
    )


def _filters(
    raw: Any, dimensions: Mapping[tuple[str, str], tuple[str, str]], where: str, skipped: list
) -> list[str] | None:
    """`{{ Dimension('venta__canal') }} = 'Online'` → `ventas.canal = 'Online'`; None when a
    template names a dimension no semantic model has."""
    templates = [w.get("where_sql_template", "") for w in (raw or {}).get("where_filters") or []]
    result = []
    for template in templates:
        missing: list[str] = []

        def column(match: re.Match, missing: list[str] = missing) -> str:
            parts = match.group(1).split("__")
            found = dimensions.get((parts[0], parts[-1])) if len(parts) >= 2 else None
            if found is None:
                missing.append(match.group(1))
                return match.group(0)
            table, col = found
            return _qualify(col, table)

        text = _TEMPLATE.sub(column, template).strip()
        if missing or "{{" in text:
            skipped.append(f"{where}: filter {template.strip()!r} names no known dimension")
            return None
        result.append(text)
    return result


def _metric(
    metric: Mapping[str, Any],
    measures: Mapping[str, MetricSpec],
    built: Mapping[str, MetricSpec],
    dimensions: Mapping[tuple[str, str], tuple[str, str]],
    skipped: list[str],
) -> MetricSpec | None:
    name = metric["name"]
    kind = metric.get("type")
    params = metric.get("type_params") or {}
    label = metric.get("label") or _human(name)
    meta = _meta(metric)
    words = [name.replace("_", " "), *_words(meta.get("synonyms"))]
    extra = {
        "synonyms": [s for s in words if s != label],
        "description": metric.get("description") or "",
    }
    if isinstance(meta.get("unit"), str):
        extra["unit"] = meta["unit"]
    if meta.get("format") in ("number", "integer", "money", "percent", "ratio"):
        extra["format"] = meta["format"]
    filters = _filters(metric.get("filter"), dimensions, f"metric {name}", skipped)
    if filters is None:
        return None
    if kind == "simple":
        ref = params.get("measure") or {}
        base = measures.get(ref.get("name", ""))
        if base is None:
            skipped.append(f"metric {name}: measure {ref.get('name')} not imported")
            return None
        inner = _filters(ref.get("filter"), dimensions, f"metric {name}", skipped)
        if inner is None:
            return None
        return MetricSpec(
            name=label,
            table=base.table,
            expression=base.expression,
            filters=[*base.filters, *inner, *filters],
            format=extra.pop("format", base.format),
            **extra,
        )
    if kind == "ratio":
        parts = []
        for side in ("numerator", "denominator"):
            ref = params.get(side) or {}
            ref_name = ref.get("name") if isinstance(ref, dict) else ref
            part = built.get(f"metric:{ref_name}") or measures.get(ref_name or "")
            filtered = isinstance(ref, dict) and ref.get("filter")
            if part is None or part.filters or filtered:
                skipped.append(f"metric {name}: ratio of {ref_name} (filtered or unknown)")
                return None
            parts.append(part)
        if parts[0].table != parts[1].table or filters:
            skipped.append(f"metric {name}: a ratio across tables or with filters")
            return None
        return MetricSpec(
            name=label,
            table=parts[0].table,
            expression=f"{parts[0].expression} * 1.0 / NULLIF({parts[1].expression}, 0)",
            format=extra.pop("format", None),
            **extra,
        )
    skipped.append(f"metric {name}: {kind} metrics are not imported")
    return None
