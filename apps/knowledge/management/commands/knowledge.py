"""`manage.py knowledge`: a data source's semantic layer out to a file and back in.

    manage.py knowledge export --org SLUG [--source NAME] [--output FILE]
    manage.py knowledge import --org SLUG [--source NAME] FILE
    manage.py knowledge import --org SLUG [--source NAME] --dbt PATH_TO_TARGET_DIR

The file is the YAML of docs/semantic-layer.md. An import is checked whole first (names against
the source's catalog, metric and example SQL through the SQL guard) and changes nothing when any
problem is found: each is printed with its line and path, and the command exits 1. A good import
is versioned like a steward's admin edits and re-indexes the documents it changed. `--dbt` reads
a dbt project's `target/manifest.json` (and `semantic_manifest.json` when present) instead.
"""

from __future__ import annotations

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from apps.governance.cli import OneLineErrors
from apps.governance.models import Organization
from apps.knowledge.engine.dbt_import import DbtImportError, dbt_read
from apps.knowledge.engine.semantic_file import SemanticFileError, semantic_file_dump
from apps.knowledge.selectors import catalog_snapshot, datasource_get
from apps.knowledge.semantic_layer import semantic_layer_export, semantic_layer_import


class Command(OneLineErrors, BaseCommand):
    help = "Export or import a data source's semantic layer (docs/semantic-layer.md)."

    def add_arguments(self, parser) -> None:  # noqa: ANN001
        actions = parser.add_subparsers(dest="action", required=True, metavar="export|import")
        for name, help_text in (
            ("export", "Write the source's semantic layer as YAML."),
            ("import", "Read a semantic-layer file (or dbt artifacts) into the source."),
        ):
            sub = actions.add_parser(name, help=help_text)
            sub.add_argument("--org", required=True, help="Organization slug.")
            sub.add_argument("--source", help="Data source name (default: the org's default).")
            if name == "export":
                sub.add_argument("--output", help="Write to this file (default: stdout).")
            else:
                sub.add_argument("file", nargs="?", help="The semantic-layer YAML file.")
                sub.add_argument(
                    "--dbt",
                    metavar="TARGET_DIR",
                    help="A dbt target directory (manifest.json, semantic_manifest.json).",
                )

    def handle(self, *args, **options) -> None:  # noqa: ANN002, ANN003
        org = Organization.objects.filter(slug=options["org"]).first()
        if org is None:
            raise CommandError(f"unknown org {options['org']!r}")
        source = datasource_get(org=org, name=options["source"])
        if source is None:
            raise CommandError(
                f"no data source {options['source']!r} in {org.slug}"
                if options["source"]
                else f"{org.slug} has no data source"
            )
        if options["action"] == "export":
            text = semantic_layer_export(data_source=source)
            if options["output"]:
                Path(options["output"]).write_text(text, encoding="utf-8")
                self.stderr.write(f"[{org.slug}/{source.name}] written to {options['output']}")
            else:
                self.stdout.write(text, ending="")
            return
        if bool(options["file"]) == bool(options["dbt"]):
            raise CommandError("give a FILE or --dbt TARGET_DIR (one of them)")
        try:
            if options["dbt"]:
                catalog = catalog_snapshot(data_source=source)
                result = dbt_read(
                    Path(options["dbt"]),
                    tables={t.name: {c.name for c in t.columns} for t in catalog.tables},
                )
                for note in result.skipped:
                    self.stderr.write(f"skipped: {note}")
                name = "dbt.yaml"
                text = semantic_file_dump(result.data)
            else:
                name = options["file"]
                text = Path(name).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError, DbtImportError) as exc:
            raise CommandError(str(exc)) from exc
        try:
            summary = semantic_layer_import(
                data_source=source, text=text, channel="cli", name=Path(name).name
            )
        except SemanticFileError as exc:
            for problem in exc.problems:
                sys.stderr.write(problem + "\n")
            raise CommandError(
                f"nothing imported: {len(exc.problems)} problem(s) ({exc.code})"
            ) from None
        self.stdout.write(f"[{org.slug}/{source.name}] imported: {summary.line()}")
