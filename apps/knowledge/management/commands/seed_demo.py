"""`manage.py seed_demo`: the demo tenants, users, data sources and knowledge (docs/demo-data.md).

Idempotent: a second run with the same arguments changes nothing and says so. Deterministic for a
`--seed`. The data files are streamed, so `--rows 10000000` runs in bounded memory.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from apps.governance.models import Organization, Role
from apps.governance.services import membership_create, organization_create
from apps.knowledge.demo import content as demo_content
from apps.knowledge.demo import generate
from apps.knowledge.models import CatalogColumn, CatalogTable, DataSource
from apps.knowledge.services import (
    catalog_refresh,
    datasource_create,
    document_upsert,
    example_upsert,
    knowledge_version_bump,
    metric_upsert,
)

DEMO_PASSWORD = "datachat-demo"

# The demo's own policies (docs/demo-data.md "Role capabilities"): they name the demo's tables, so
# they belong here, not in the defaults a new organization gets (governance.DEFAULT_POLICIES).
_DEMO_PII = ["clientes.email", "clientes.telefono", "clientes.direccion"]
DEMO_POLICIES: dict[str, dict] = {
    Role.VIEWER: {
        "allowed_tables": ["ventas", "productos"],
        "row_filters": [{"table": "ventas", "column": "region", "value": "{user.region}"}],
    },
    Role.ANALYST: {
        "allowed_tables": ["*", "-empleados"],
        "masked_columns": _DEMO_PII,
        "can_edit_sql": True,
    },
    Role.DATA_SCIENTIST: {
        "allowed_tables": ["*", "-empleados"],
        "masked_columns": _DEMO_PII,
        "can_edit_sql": True,
        "can_export": True,
    },
    Role.ADMIN: {
        "allowed_tables": ["*"],
        "can_edit_sql": True,
        "can_export": True,
        "can_view_audit": True,
        "can_edit_knowledge": True,
        "can_add_data": True,
    },
    Role.STEWARD: {
        "allowed_tables": ["*", "-empleados"],
        "masked_columns": _DEMO_PII,
        "can_edit_sql": True,
        "can_edit_knowledge": True,
    },
    Role.COMPLIANCE: {
        "allowed_tables": [],
        "can_query_data": False,
        "can_view_audit": True,
    },
}

ORGS = (
    {
        "slug": "acme",
        "name": "ACME Retail",
        "source": "empresa",
        "display": "Empresa · SQLite",
        "file": "empresa.db",
        "generator": generate.generate_empresa,
        "content": demo_content.acme_content,
        "users": (
            ("admin", Role.ADMIN, {}),
            ("analista", Role.ANALYST, {}),
            ("cientifica", Role.DATA_SCIENTIST, {}),
            ("visor", Role.VIEWER, {"region": "Norte"}),
            ("steward", Role.STEWARD, {}),
            ("auditor", Role.COMPLIANCE, {}),
        ),
    },
    {
        "slug": "globex",
        "name": "Globex Corp",
        "source": "globex",
        "display": "Globex · SQLite",
        "file": "globex.db",
        "generator": generate.generate_globex,
        "content": demo_content.globex_content,
        "users": (("globex_analyst", Role.ANALYST, {}),),
    },
)


class Command(BaseCommand):
    help = "Create or update the demo organizations, users, data sources and knowledge."

    def add_arguments(self, parser) -> None:  # noqa: ANN001
        parser.add_argument(
            "--rows", type=int, default=20_000, help="Rows in acme's `ventas` (default 20,000)."
        )
        parser.add_argument("--seed", type=int, default=42, help="Random seed (default 42).")
        parser.add_argument(
            "--force", action="store_true", help="Regenerate the data files even if unchanged."
        )

    def handle(self, *args, **options) -> None:  # noqa: ANN002, ANN003
        rows, seed = options["rows"], options["seed"]
        if rows < 1:
            raise CommandError("--rows must be at least 1")
        changes = 0
        for spec in ORGS:
            # --rows sizes acme's `ventas`; globex's data stays small and fixed.
            spec_rows = rows if spec["slug"] == "acme" else 2000
            changes += self._seed_org(spec, spec_rows, seed, options["force"])
        if changes:
            self.stdout.write(self.style.SUCCESS(f"Demo ready ({changes} changes)."))
        else:
            self.stdout.write(self.style.SUCCESS("Demo already up to date: nothing changed."))
        self.stdout.write(
            f"Users: admin, analista, cientifica, visor, steward, auditor (acme), globex_analyst "
            f"(globex). Password for every demo user: {DEMO_PASSWORD} (demo only)."
        )

    def _seed_org(self, spec: dict, rows: int, seed: int, force: bool) -> int:
        slug = spec["slug"]
        changes = 0
        # Each org's files live in its own folder, the only place its SQLite sources may be.
        org_dir = Path(settings.DATA_DIR) / "sources" / slug
        org_dir.mkdir(parents=True, exist_ok=True)
        path = org_dir / spec["file"]
        marker = path.with_suffix(".seed.json")
        wanted = {"rows": rows, "seed": seed}
        current = json.loads(marker.read_text()) if marker.exists() else None
        regenerated = force or current != wanted or not path.exists()
        if regenerated:
            self.stdout.write(f"[{slug}] generating {path.name}: {rows:,} rows, seed {seed}")
            started = time.perf_counter()
            spec["generator"](path, rows=rows, seed=seed, progress=self._progress(slug))
            marker.write_text(json.dumps(wanted))
            self.stdout.write(f"[{slug}] data written in {time.perf_counter() - started:.1f} s")
            changes += 1
        else:
            self.stdout.write(f"[{slug}] {path.name} unchanged ({rows:,} rows, seed {seed})")

        existed = Organization.objects.filter(slug=slug).exists()
        org = organization_create(
            name=spec["name"], slug=slug, language="es", policies=DEMO_POLICIES
        )
        changes += 0 if existed else 1
        for username, role, attributes in spec["users"]:
            _, created = membership_create(
                org=org,
                username=username,
                password=DEMO_PASSWORD,
                role=role,
                attributes=attributes,
                email=f"{username}@{slug}.example",
            )
            changes += int(created)
        self.stdout.write(f"[{slug}] organization and {len(spec['users'])} users ready")

        content = spec["content"]()
        source_existed = DataSource.all_tenants.for_org(org).filter(name=spec["source"]).exists()
        source = datasource_create(
            org=org,
            name=spec["source"],
            kind=DataSource.Kind.SQLITE,
            location=spec["file"],  # relative to sources/<slug>/
            display_name=spec["display"],
            is_default=True,
            restricted=False,  # the demo's sources are open to every role of the org
        )
        changes += 0 if source_existed else 1
        catalog_empty = not CatalogTable.all_tenants.filter(data_source=source).exists()
        if regenerated or catalog_empty:
            summary = catalog_refresh(
                data_source=source,
                table_meta={
                    t.name: {"description": t.description, "synonyms": list(t.synonyms)}
                    for t in content.table_meta
                },
                column_meta={
                    (c.table, c.column): {
                        "description": c.description,
                        "synonyms": list(c.synonyms),
                        "pii": c.pii,
                        **_unit_meta(c.unit),
                    }
                    for c in content.column_meta
                },
            )
            self.stdout.write(
                f"[{slug}] catalog: {summary['tables']} tables, {summary['columns']} columns"
            )
            changes += 1
        changes += self._declare_units(source, content)

        changed_docs = 0
        documents = {}
        for doc in content.documents:
            document, changed = document_upsert(
                org=org,
                title=doc.title,
                body=doc.body,
                kind=doc.kind,
                data_source=source,
                table_name=doc.table,
            )
            documents[doc.title] = document
            changed_docs += int(changed)
        for metric in content.metrics:
            linked = next(
                (
                    d
                    for title, d in documents.items()
                    if d.kind == "METRIC" and metric.name in title
                ),
                None,
            )
            _, changed = metric_upsert(
                data_source=source,
                name=metric.name,
                expression=metric.expression,
                table_name=metric.table,
                synonyms=list(metric.synonyms),
                description=metric.description,
                document=linked,
            )
            changed_docs += int(changed)
        for example in content.examples:
            _, changed = example_upsert(
                data_source=source,
                question=example.question,
                sql=example.sql,
                tables_used=list(example.tables),
            )
            changed_docs += int(changed)
        self.stdout.write(
            f"[{slug}] knowledge: {len(content.documents)} documents, {len(content.metrics)} "
            f"metrics, {len(content.examples)} examples ({changed_docs} changed)"
        )
        return changes + changed_docs

    @staticmethod
    def _declare_units(source: DataSource, content) -> int:  # noqa: ANN001
        """The demo's semantic layer declares what its amounts are in (USD): a catalog seeded
        before columns had a currency gets it without a regeneration."""
        changed = 0
        for meta in content.column_meta:
            if not meta.unit:
                continue
            updated = CatalogColumn.all_tenants.filter(
                table__data_source=source,
                table__name=meta.table,
                name=meta.column,
                currency="",
                unit="",
            ).update(**_unit_meta(meta.unit))
            changed += updated
        if changed:
            knowledge_version_bump(
                org=source.organization,
                object_type="datasource",
                object_id=source.pk,
                action="units_declared",
                changes={"columns": changed},
            )
        return changed

    def _progress(self, slug: str):  # noqa: ANN202
        last = {"pct": -1}

        def report(done: int, total: int) -> None:
            pct = int(done * 100 / total) if total else 100
            if pct >= last["pct"] + 10 or done == total:
                last["pct"] = pct
                self.stdout.write(f"[{slug}]   {done:,}/{total:,} rows ({pct}%)")

        return report


def _unit_meta(unit: str) -> dict[str, str]:
    """A demo column's unit as the catalog keeps it: an ISO 4217 code is a currency."""
    if not unit:
        return {}
    if len(unit) == 3 and unit.isalpha() and unit.isupper():
        return {"currency": unit}
    return {"unit": unit}
